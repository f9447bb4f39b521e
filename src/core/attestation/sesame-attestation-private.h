/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The contract between the registration verifier and the attestation
 * statement formats (WebAuthn L3 §8). Each format verifies its statement
 * over authenticator data and the client data hash, then says what kind of
 * attestation it was and hands back its certificate path (leaf first) for
 * the common trust check in sesame-x509.c. */

#include <cbor.h>
#include <glib.h>
#include <openssl/x509.h>

#include "sesame-webauthn.h"

G_BEGIN_DECLS

typedef struct
{
  const SesameVerifyOptions     *options;
  const char                    *fmt;
  const cbor_item_t             *att_stmt;        /* a CBOR map with unique keys */
  const SesameAuthenticatorData *auth_data;       /* has attested credential data */
  const guint8                  *client_data_hash; /* 32 bytes */
} SesameAttestationInput;

typedef struct
{
  SesameAttestationType  type;
  STACK_OF (X509)       *chain;     /* leaf first; NULL for none and self */
  gboolean               anchored;
  char                  *detail;
} SesameAttestationOutput;

typedef gboolean (*SesameAttestationVerifyFunc) (const SesameAttestationInput *in,
                                                 SesameAttestationOutput      *out,
                                                 GError                      **error);

gboolean sesame_attestation_verify_none              (const SesameAttestationInput *in,
                                                      SesameAttestationOutput      *out,
                                                      GError                      **error);
gboolean sesame_attestation_verify_packed            (const SesameAttestationInput *in,
                                                      SesameAttestationOutput      *out,
                                                      GError                      **error);
gboolean sesame_attestation_verify_fido_u2f          (const SesameAttestationInput *in,
                                                      SesameAttestationOutput      *out,
                                                      GError                      **error);
gboolean sesame_attestation_verify_tpm               (const SesameAttestationInput *in,
                                                      SesameAttestationOutput      *out,
                                                      GError                      **error);
gboolean sesame_attestation_verify_android_key       (const SesameAttestationInput *in,
                                                      SesameAttestationOutput      *out,
                                                      GError                      **error);
gboolean sesame_attestation_verify_android_safetynet (const SesameAttestationInput *in,
                                                      SesameAttestationOutput      *out,
                                                      GError                      **error);
gboolean sesame_attestation_verify_apple             (const SesameAttestationInput *in,
                                                      SesameAttestationOutput      *out,
                                                      GError                      **error);

/* authenticatorData ‖ clientDataHash, the bytes most formats sign. */
GBytes  *sesame_attestation_signed_data              (const SesameAttestationInput *in);

G_END_DECLS
