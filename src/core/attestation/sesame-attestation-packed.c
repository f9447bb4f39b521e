/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-attestation-private.h"
#include "sesame-cbor.h"
#include "sesame-openssl.h"
#include "sesame-webauthn-error.h"
#include "sesame-x509.h"

#include <string.h>

static gboolean
name_has (X509_NAME  *name,
          int         nid,
          const char *expected)
{
  int idx = X509_NAME_get_index_by_NID (name, nid, -1);
  ASN1_STRING *value;
  g_autofree unsigned char *utf8 = NULL;
  int len;

  if (idx < 0)
    return FALSE;
  value = X509_NAME_ENTRY_get_data (X509_NAME_get_entry (name, idx));
  len = ASN1_STRING_to_UTF8 (&utf8, value);
  if (len <= 0)
    return FALSE;
  return !expected || ((gsize) len == strlen (expected) && memcmp (utf8, expected, len) == 0);
}

/* §8.2.1: what a packed attestation certificate must look like. */
static gboolean
check_certificate (X509                          *cert,
                   const SesameAuthenticatorData *auth_data,
                   GError                       **error)
{
  X509_NAME *subject = X509_get_subject_name (cert);
  const char *missing = NULL;
  BASIC_CONSTRAINTS *bc;
  gboolean is_ca = FALSE;

  if (X509_get_version (cert) != X509_VERSION_3)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                   "packed attestation certificate is not X.509 version 3");
      return FALSE;
    }
  if (!name_has (subject, NID_countryName, NULL))
    missing = "C (country)";
  else if (!name_has (subject, NID_organizationName, NULL))
    missing = "O (organization)";
  else if (!name_has (subject, NID_organizationalUnitName, "Authenticator Attestation"))
    missing = "OU=\"Authenticator Attestation\"";
  else if (!name_has (subject, NID_commonName, NULL))
    missing = "CN (common name)";
  if (missing)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                   "packed attestation certificate subject lacks %s", missing);
      return FALSE;
    }

  bc = X509_get_ext_d2i (cert, NID_basic_constraints, NULL, NULL);
  if (bc)
    {
      is_ca = bc->ca != 0;
      BASIC_CONSTRAINTS_free (bc);
    }
  if (is_ca)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                   "packed attestation certificate is a CA certificate (basic constraints CA "
                   "must be false)");
      return FALSE;
    }

  return sesame_x509_check_aaguid_extension (cert, auth_data->aaguid, error);
}

/* §8.2 */
gboolean
sesame_attestation_verify_packed (const SesameAttestationInput *in,
                                  SesameAttestationOutput      *out,
                                  GError                      **error)
{
  cbor_item_t *alg_item = sesame_cbor_map_get_str (in->att_stmt, "alg");
  cbor_item_t *sig_item = sesame_cbor_map_get_str (in->att_stmt, "sig");
  cbor_item_t *x5c = sesame_cbor_map_get_str (in->att_stmt, "x5c");
  g_autoptr(GBytes) signed_data = NULL;
  g_autoptr(GError) local_error = NULL;
  const guint8 *data;
  gsize data_len;
  gint64 alg;

  if (sesame_cbor_map_get_str (in->att_stmt, "ecdaaKeyId"))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
                   "packed attestation with ecdaaKeyId (ECDAA) was removed from WebAuthn "
                   "and is not supported");
      return FALSE;
    }
  if (!sesame_cbor_get_int (alg_item, &alg) || !sesame_cbor_is_bytes (sig_item))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
                   "packed attestation statement needs an integer alg and a byte string sig");
      return FALSE;
    }
  if (alg < G_MININT || alg > G_MAXINT || !sesame_cose_algorithm_is_supported ((int) alg))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM,
                   "packed attestation uses COSE algorithm %" G_GINT64_FORMAT
                   ", which is not supported", alg);
      return FALSE;
    }

  signed_data = sesame_attestation_signed_data (in);
  data = g_bytes_get_data (signed_data, &data_len);

  if (x5c)
    {
      X509 *leaf;
      g_autoptr(EVP_PKEY) leaf_key = NULL;

      out->chain = sesame_x509_chain_from_x5c (x5c, in->fmt, error);
      if (!out->chain)
        return FALSE;
      leaf = sk_X509_value (out->chain, 0);
      leaf_key = X509_get_pubkey (leaf);
      if (!leaf_key ||
          !sesame_cose_verify_signature (leaf_key, (int) alg, data, data_len,
                                         cbor_bytestring_handle (sig_item),
                                         cbor_bytestring_length (sig_item), &local_error))
        {
          g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID,
                       "packed attestation signature does not verify with the attestation "
                       "certificate: %s", local_error ? local_error->message : "no public key");
          return FALSE;
        }
      if (!check_certificate (leaf, in->auth_data, error))
        return FALSE;
      out->type = SESAME_ATTESTATION_TYPE_BASIC;
      return sesame_x509_check_path (in, out, error);
    }

  /* Self attestation: signed by the credential key itself. */
  if (alg != sesame_cose_key_get_algorithm (in->auth_data->public_key))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
                   "packed self attestation uses algorithm %" G_GINT64_FORMAT
                   " but the credential key is %d", alg,
                   sesame_cose_key_get_algorithm (in->auth_data->public_key));
      return FALSE;
    }
  if (!sesame_cose_key_verify (in->auth_data->public_key, data, data_len,
                               cbor_bytestring_handle (sig_item),
                               cbor_bytestring_length (sig_item), &local_error))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID,
                   "packed self attestation signature does not verify with the credential "
                   "key: %s", local_error->message);
      return FALSE;
    }
  out->type = SESAME_ATTESTATION_TYPE_SELF;
  out->detail = g_strdup ("self attestation: signed by the credential itself, nothing to anchor");
  return TRUE;
}
