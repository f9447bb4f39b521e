/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-attestation-private.h"
#include "sesame-cbor.h"
#include "sesame-cose-key.h"
#include "sesame-der.h"
#include "sesame-openssl.h"
#include "sesame-webauthn-error.h"
#include "sesame-x509.h"

#include <string.h>

/* WebAuthn L3 §8.8, Apple Anonymous attestation. There is no signature in
 * the statement: Apple's anonymization CA issues a certificate for the
 * credential key, and binds it to the ceremony by putting
 * SHA-256(authenticatorData ‖ clientDataHash) into an extension. */

#define OID_APPLE_NONCE "1.2.840.113635.100.8.2"

enum
{
  DER_OCTET_STRING = 4,
  DER_SEQUENCE = 16,
};

#define DER_CLASS_UNIVERSAL 0
#define DER_CLASS_CONTEXT 2

static gboolean G_GNUC_PRINTF (3, 4)
fail (GError    **error,
      int         code,
      const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (SESAME_WEBAUTHN_ERROR, code, format, args));
  va_end (args);
  return FALSE;
}

/* The extension is SEQUENCE { nonce [1] EXPLICIT OCTET STRING }. */
static gboolean
parse_nonce_extension (const guint8  *data,
                       gsize          len,
                       SesameDerItem *nonce,
                       GError       **error)
{
  SesameDer der, seq, tagged;
  SesameDerItem top, field;

  sesame_der_init (&der, data, len);
  if (!sesame_der_next (&der, &top) || !sesame_der_at_end (&der) ||
      top.cls != DER_CLASS_UNIVERSAL || top.tag != DER_SEQUENCE ||
      !sesame_der_enter (&top, &seq) ||
      !sesame_der_next (&seq, &field) || !sesame_der_at_end (&seq) ||
      field.cls != DER_CLASS_CONTEXT || field.tag != 1 ||
      !sesame_der_enter (&field, &tagged) ||
      !sesame_der_next (&tagged, nonce) || !sesame_der_at_end (&tagged) ||
      nonce->cls != DER_CLASS_UNIVERSAL || nonce->constructed || nonce->tag != DER_OCTET_STRING)
    return fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                 "apple leaf certificate's nonce extension (%s) is not "
                 "SEQUENCE { [1] EXPLICIT OCTET STRING }", OID_APPLE_NONCE);
  return TRUE;
}

gboolean
sesame_attestation_verify_apple (const SesameAttestationInput *in,
                                 SesameAttestationOutput      *out,
                                 GError                      **error)
{
  g_autoptr(SesameX509Stack) chain = NULL;
  g_autoptr(GBytes) signed_data = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  const guint8 *extension;
  SesameDerItem nonce;
  EVP_PKEY *leaf_key;
  X509 *leaf;
  guint8 expected[32];
  gsize expected_len = sizeof expected;
  gsize extension_len = 0;

  /* x5c is the only member §8.8 defines. Real statements have been seen
   * with an alg as well, which has no meaning here, so other members are
   * ignored rather than refused. */
  chain = sesame_x509_chain_from_x5c (sesame_cbor_map_get_str (in->att_stmt, "x5c"),
                                      in->fmt, error);
  if (!chain)
    return FALSE;
  leaf = sk_X509_value (chain, 0);

  extension = sesame_x509_get_extension (leaf, OID_APPLE_NONCE, &extension_len, NULL);
  if (!extension)
    return fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                 "apple leaf certificate has no nonce extension (%s)", OID_APPLE_NONCE);
  if (!parse_nonce_extension (extension, extension_len, &nonce, error))
    return FALSE;

  signed_data = sesame_attestation_signed_data (in);
  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, g_bytes_get_data (signed_data, NULL),
                     (gssize) g_bytes_get_size (signed_data));
  g_checksum_get_digest (checksum, expected, &expected_len);
  if (nonce.len != expected_len || memcmp (nonce.content, expected, expected_len) != 0)
    return fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_NONCE_MISMATCH,
                 "apple leaf certificate's nonce (%" G_GSIZE_FORMAT " bytes) is not "
                 "SHA-256(authenticatorData ‖ clientDataHash) of this ceremony", nonce.len);

  /* The certificate must be for this credential: the nonce alone would let
   * a certificate for another key vouch for this one. */
  leaf_key = X509_get0_pubkey (leaf);
  if (!sesame_cose_key_matches_pkey (in->auth_data->public_key, leaf_key))
    return fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_PUBLIC_KEY_MISMATCH,
                 "apple leaf certificate is for a different key than the credential "
                 "public key");

  out->type = SESAME_ATTESTATION_TYPE_ANONCA;
  out->chain = g_steal_pointer (&chain);
  return sesame_x509_check_path (in, out, error);
}
