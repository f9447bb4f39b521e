/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-attestation-private.h"
#include "sesame-cbor.h"
#include "sesame-openssl.h"
#include "sesame-webauthn-error.h"
#include "sesame-x509.h"

#include <openssl/core_names.h>
#include <string.h>

/* §8.6: a U2F device signs 0x00 ‖ rpIdHash ‖ clientDataHash ‖ credentialId ‖
 * the credential key as an uncompressed P-256 point. */
gboolean
sesame_attestation_verify_fido_u2f (const SesameAttestationInput *in,
                                    SesameAttestationOutput      *out,
                                    GError                      **error)
{
  cbor_item_t *sig_item = sesame_cbor_map_get_str (in->att_stmt, "sig");
  cbor_item_t *x5c = sesame_cbor_map_get_str (in->att_stmt, "x5c");
  const SesameCoseKey *key = in->auth_data->public_key;
  g_autoptr(EVP_PKEY) cert_key = NULL;
  g_autoptr(GByteArray) data = NULL;
  g_autoptr(GError) local_error = NULL;
  guint8 point[65];
  size_t point_len = 0;
  gsize id_len;
  const guint8 *id;
  char group[32] = "";

  if (!sesame_cbor_is_bytes (sig_item) || !x5c)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
                   "fido-u2f attestation statement needs sig and x5c");
      return FALSE;
    }
  out->chain = sesame_x509_chain_from_x5c (x5c, in->fmt, error);
  if (!out->chain)
    return FALSE;
  if (sk_X509_num (out->chain) != 1)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
                   "fido-u2f x5c must hold exactly one certificate; it has %d",
                   sk_X509_num (out->chain));
      return FALSE;
    }

  cert_key = X509_get_pubkey (sk_X509_value (out->chain, 0));
  if (!cert_key || EVP_PKEY_get_base_id (cert_key) != EVP_PKEY_EC ||
      EVP_PKEY_get_utf8_string_param (cert_key, OSSL_PKEY_PARAM_GROUP_NAME,
                                      group, sizeof group, NULL) != 1 ||
      strcmp (group, "prime256v1") != 0)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                   "fido-u2f attestation certificate key must be an EC P-256 key");
      return FALSE;
    }
  if (sesame_cose_key_get_key_type (key) != SESAME_COSE_KTY_EC2 ||
      sesame_cose_key_get_curve (key) != 1)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
                   "fido-u2f credentials are P-256 keys; this one is COSE key type %d",
                   sesame_cose_key_get_key_type (key));
      return FALSE;
    }
  if (EVP_PKEY_get_octet_string_param (sesame_cose_key_get_pkey (key),
                                       OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                       point, sizeof point, &point_len) != 1 ||
      point_len != 65)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                   "credential key could not be encoded as a P-256 point");
      return FALSE;
    }

  id = g_bytes_get_data (in->auth_data->credential_id, &id_len);
  data = g_byte_array_sized_new (1 + 32 + 32 + id_len + 65);
  g_byte_array_append (data, (const guint8 *) "\0", 1);
  g_byte_array_append (data, in->auth_data->rp_id_hash, 32);
  g_byte_array_append (data, in->client_data_hash, 32);
  g_byte_array_append (data, id, id_len);
  g_byte_array_append (data, point, 65);

  if (!sesame_cose_verify_signature (cert_key, SESAME_COSE_ALG_ES256, data->data, data->len,
                                     cbor_bytestring_handle (sig_item),
                                     cbor_bytestring_length (sig_item), &local_error))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID,
                   "fido-u2f attestation signature does not verify: %s", local_error->message);
      return FALSE;
    }

  out->type = SESAME_ATTESTATION_TYPE_BASIC;
  return sesame_x509_check_path (in, out, error);
}
