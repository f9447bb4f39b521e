/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Certificate helpers shared by the attestation formats. */

#include <cbor.h>
#include <glib.h>
#include <openssl/x509.h>

#include "sesame-attestation-private.h"
#include "sesame-trust-anchors.h"

G_BEGIN_DECLS

#define SESAME_OID_FIDO_GEN_CE_AAGUID "1.3.6.1.4.1.45724.1.1.4"

/* attStmt.x5c: a non-empty array of DER certificates, leaf first. */
STACK_OF (X509) *sesame_x509_chain_from_x5c       (const cbor_item_t *x5c,
                                                   const char        *fmt,
                                                   GError           **error);

/* Checks the path against the format's trust anchors at the verification
 * time and fills out->anchored and out->detail. Fails only for a revoked
 * certificate; any other reason is reported as "not anchored". */
gboolean         sesame_x509_check_path           (const SesameAttestationInput *in,
                                                   SesameAttestationOutput      *out,
                                                   GError                      **error);

/* The contents of an extension's OCTET STRING, or NULL if absent. */
const guint8    *sesame_x509_get_extension        (X509        *cert,
                                                   const char  *oid,
                                                   gsize       *len,
                                                   gboolean    *critical);

/* If the certificate carries id-fido-gen-ce-aaguid, it must equal aaguid
 * and must not be critical. */
gboolean         sesame_x509_check_aaguid_extension (X509         *cert,
                                                     const guint8  aaguid[16],
                                                     GError      **error);

/* Verification time as OpenSSL wants it. */
time_t           sesame_x509_verification_time    (const SesameVerifyOptions *options);

G_END_DECLS
