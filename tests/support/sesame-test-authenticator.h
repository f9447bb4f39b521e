/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A minimal software authenticator for tests and benchmarks: it makes real
 * keys and real signatures, so that a test can build a valid ceremony and
 * then change exactly one thing about it. */

#include <cbor.h>
#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

typedef struct
{
  int       alg;
  EVP_PKEY *key;
  GBytes   *credential_id;
  GBytes   *cose_key;
  guint8    aaguid[16];
} SesameTestAuthenticator;

SesameTestAuthenticator *sesame_test_authenticator_new  (int alg);
void                     sesame_test_authenticator_free (SesameTestAuthenticator *self);

/* clientDataJSON; extra (may be NULL) is spliced in as more members,
 * e.g. "\"crossOrigin\":true". */
GBytes *sesame_test_client_data       (const char *type,
                                       GBytes     *challenge,
                                       const char *origin,
                                       const char *extra);
/* Authenticator data; with an authenticator, attested credential data is
 * included (set SESAME_AUTH_DATA_FLAG_AT yourself). */
GBytes *sesame_test_auth_data         (const char              *rp_id,
                                       guint8                   flags,
                                       guint32                  sign_count,
                                       SesameTestAuthenticator *attested,
                                       GBytes                  *extensions);
/* Signs authData ‖ SHA-256(clientDataJSON). */
GBytes *sesame_test_authenticator_sign (SesameTestAuthenticator *self,
                                        GBytes                  *auth_data,
                                        GBytes                  *client_data);
GBytes *sesame_test_attestation_object (const char  *fmt,
                                        GBytes      *auth_data,
                                        cbor_item_t *att_stmt);
/* A "packed" self attestation over this authenticator data. */
GBytes *sesame_test_packed_self       (SesameTestAuthenticator *self,
                                       GBytes                  *auth_data,
                                       GBytes                  *client_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameTestAuthenticator, sesame_test_authenticator_free)

G_END_DECLS

G_BEGIN_DECLS

/* Throwaway certificates for attestation tests. */
typedef struct
{
  EVP_PKEY *key;
  X509     *cert;
} SesameTestCert;

SesameTestCert *sesame_test_cert_new   (const char     *subject,   /* "/C=US/O=…/CN=…" */
                                        SesameTestCert *issuer,    /* NULL: self-signed */
                                        EVP_PKEY       *key,       /* NULL: a new P-256 key */
                                        gboolean        is_ca,
                                        long            serial,
                                        gint64          not_before,
                                        gint64          not_after);
void            sesame_test_cert_free  (SesameTestCert *cert);
GBytes         *sesame_test_cert_der   (SesameTestCert *cert);
/* A CRL issued by ca that revokes the given serial. */
GBytes         *sesame_test_crl_der    (SesameTestCert *ca,
                                        long            revoked_serial,
                                        gint64          this_update);
/* A packed attestation statement with x5c = certs (leaf first), signed
 * with the leaf's key. */
GBytes         *sesame_test_packed_x5c (SesameTestCert **certs,
                                        guint            n_certs,
                                        GBytes          *auth_data,
                                        GBytes          *client_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameTestCert, sesame_test_cert_free)

G_END_DECLS
