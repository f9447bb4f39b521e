/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A minimal software authenticator for tests and benchmarks: it makes real
 * keys and real signatures, so that a test can build a valid ceremony and
 * then change exactly one thing about it. */

#include <cbor.h>
#include <glib.h>
#include <openssl/evp.h>

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
