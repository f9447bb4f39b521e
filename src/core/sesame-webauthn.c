/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-webauthn.h"
#include "sesame-attestation-private.h"
#include "sesame-base64.h"
#include "sesame-cbor.h"
#include "sesame-openssl.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>

#define ATTESTATION_OBJECT_MAX_LEN (64 * 1024)

void
sesame_verify_options_init (SesameVerifyOptions *options)
{
  memset (options, 0, sizeof *options);
  options->require_user_presence = TRUE;
  options->safetynet_enforce_cts = TRUE;
  options->safetynet_max_age_ms = 60 * 1000;
}

const char *
sesame_attestation_type_to_string (SesameAttestationType type)
{
  switch (type)
    {
    case SESAME_ATTESTATION_TYPE_NONE: return "none";
    case SESAME_ATTESTATION_TYPE_SELF: return "self";
    case SESAME_ATTESTATION_TYPE_BASIC: return "basic";
    case SESAME_ATTESTATION_TYPE_ATTCA: return "attca";
    case SESAME_ATTESTATION_TYPE_ANONCA: return "anonca";
    default: return "unknown";
    }
}

static const struct
{
  const char *name;
  SesameAttestationVerifyFunc verify;
} formats[] = {
  { "none", sesame_attestation_verify_none },
  { "packed", sesame_attestation_verify_packed },
  { "fido-u2f", sesame_attestation_verify_fido_u2f },
  { "tpm", sesame_attestation_verify_tpm },
  { "android-key", sesame_attestation_verify_android_key },
  { "android-safetynet", sesame_attestation_verify_android_safetynet },
  { "apple", sesame_attestation_verify_apple },
};

static gboolean
in_list (const char * const *list,
         const char         *value)
{
  for (; list && *list; list++)
    if (g_str_equal (*list, value))
      return TRUE;
  return FALSE;
}

static char *
join_list (const char * const *list)
{
  return list && *list ? g_strjoinv (", ", (char **) list) : g_strdup ("(none)");
}

/* §7.1 steps 7–11 and §7.2 steps 11–15: the parts of client data that say
 * which ceremony, which challenge and which page this response belongs to. */
static gboolean
check_client_data (const SesameVerifyOptions *options,
                   const SesameClientData    *cd,
                   const char                *default_type,
                   GError                   **error)
{
  const char * const default_types[] = { default_type, NULL };
  const char * const *types = options->types ? options->types : default_types;
  gsize expected_len = 0, got_len = 0;
  const guint8 *expected = g_bytes_get_data (options->challenge, &expected_len);
  const guint8 *got = g_bytes_get_data (cd->challenge_bytes, &got_len);

  if (!in_list (types, cd->type))
    {
      g_autofree char *want = join_list (types);
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_TYPE_MISMATCH,
                   "client data type is \"%s\"; expected %s", cd->type, want);
      return FALSE;
    }

  if (expected_len != got_len || CRYPTO_memcmp (expected, got, got_len) != 0)
    {
      g_autofree char *want = sesame_base64url_encode (expected, expected_len);
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_CHALLENGE_MISMATCH,
                   "client data challenge %s is not the challenge this relying party issued (%s)",
                   cd->challenge, want);
      return FALSE;
    }
  if (options->challenge_used)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_CHALLENGE_REPLAYED,
                   "challenge %s was already used: a response can only be accepted once",
                   cd->challenge);
      return FALSE;
    }

  if (!in_list (options->origins, cd->origin))
    {
      g_autofree char *want = join_list (options->origins);
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ORIGIN_MISMATCH,
                   "origin %s is not one of the expected origins %s", cd->origin, want);
      return FALSE;
    }

  if ((cd->cross_origin || cd->top_origin) && !options->allow_cross_origin)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_CROSS_ORIGIN_NOT_ALLOWED,
                   "the credential was used from a cross-origin iframe%s%s, which this relying "
                   "party does not allow", cd->top_origin ? " inside " : "",
                   cd->top_origin ? cd->top_origin : "");
      return FALSE;
    }
  if (cd->top_origin && options->top_origins && !in_list (options->top_origins, cd->top_origin))
    {
      g_autofree char *want = join_list (options->top_origins);
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_TOP_ORIGIN_MISMATCH,
                   "top origin %s is not one of the expected top origins %s",
                   cd->top_origin, want);
      return FALSE;
    }

  if (cd->token_binding_status && !g_str_equal (cd->token_binding_status, "present") &&
      !g_str_equal (cd->token_binding_status, "supported"))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_TOKEN_BINDING_INVALID,
                   "token binding status \"%s\" is not \"present\" or \"supported\"",
                   cd->token_binding_status);
      return FALSE;
    }
  return TRUE;
}

/* The authenticator data checks both ceremonies share. */
static gboolean
check_authenticator_data (const SesameVerifyOptions     *options,
                          const SesameAuthenticatorData *ad,
                          GError                       **error)
{
  gboolean rp_id_ok = FALSE;
  guint8 flags = ad->flags;

  for (const char * const *rp_id = options->rp_ids; rp_id && *rp_id; rp_id++)
    {
      guint8 hash[32];
      SHA256 ((const guint8 *) *rp_id, strlen (*rp_id), hash);
      if (memcmp (hash, ad->rp_id_hash, 32) == 0)
        {
          rp_id_ok = TRUE;
          break;
        }
    }
  if (!rp_id_ok)
    {
      g_autofree char *want = join_list (options->rp_ids);
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_RP_ID_MISMATCH,
                   "authenticator data is for another RP ID: its rpIdHash is not the SHA-256 "
                   "of %s", want);
      return FALSE;
    }

  if (options->require_user_presence && !(flags & SESAME_AUTH_DATA_FLAG_UP))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_USER_NOT_PRESENT,
                   "the authenticator did not confirm user presence (UP flag not set)");
      return FALSE;
    }
  if (options->require_user_verification && !(flags & SESAME_AUTH_DATA_FLAG_UV))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_USER_NOT_VERIFIED,
                   "user verification is required, but the authenticator did not verify the "
                   "user (UV flag not set)");
      return FALSE;
    }
  if ((flags & SESAME_AUTH_DATA_FLAG_BS) && !(flags & SESAME_AUTH_DATA_FLAG_BE))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BACKUP_STATE_INVALID,
                   "authenticator data says the credential is backed up (BS) but not backup "
                   "eligible (BE)");
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_algorithm (const SesameVerifyOptions *options,
                 const SesameCoseKey       *key,
                 GError                   **error)
{
  int alg = sesame_cose_key_get_algorithm (key);

  if (!options->allowed_algorithms)
    return TRUE;
  for (gsize i = 0; i < options->n_allowed_algorithms; i++)
    if (options->allowed_algorithms[i] == alg)
      return TRUE;
  g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ALGORITHM_NOT_ALLOWED,
               "credential algorithm %s (%d) is not one this relying party allows",
               sesame_cose_algorithm_to_string (alg), alg);
  return FALSE;
}

void
sesame_registration_free (SesameRegistration *registration)
{
  if (!registration)
    return;
  sesame_client_data_free (registration->client_data);
  sesame_authenticator_data_free (registration->auth_data);
  g_free (registration->fmt);
  g_clear_pointer (&registration->certificates, g_ptr_array_unref);
  g_free (registration->trust_detail);
  g_clear_pointer (&registration->attestation_object, g_bytes_unref);
  g_free (registration);
}

static GPtrArray *
certificates_to_der (STACK_OF (X509) *chain)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (int i = 0; chain && i < sk_X509_num (chain); i++)
    {
      unsigned char *der = NULL;
      int len = i2d_X509 (sk_X509_value (chain, i), &der);
      if (len > 0)
        g_ptr_array_add (out, g_bytes_new (der, len));
      OPENSSL_free (der);
    }
  return out;
}

static SesameAttestationVerifyFunc
lookup_format (const SesameVerifyOptions *options,
               const char                *fmt,
               GError                   **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
    if (g_str_equal (formats[i].name, fmt))
      {
        if (options->allowed_formats && !in_list (options->allowed_formats, fmt))
          {
            g_autofree char *want = join_list (options->allowed_formats);
            g_set_error (error, SESAME_WEBAUTHN_ERROR,
                         SESAME_WEBAUTHN_ERROR_ATTESTATION_FORMAT_NOT_ALLOWED,
                         "attestation format \"%s\" is not allowed here (allowed: %s)", fmt, want);
            return NULL;
          }
        return formats[i].verify;
      }
  g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ATTESTATION_FORMAT,
               "attestation format \"%s\" is not supported", fmt);
  return NULL;
}

/* WebAuthn L3 §7.1, "Registering a New Credential". */
SesameRegistration *
sesame_verify_registration (const SesameVerifyOptions *options,
                            GBytes                    *client_data_json,
                            GBytes                    *attestation_object,
                            GError                   **error)
{
  g_autoptr(SesameClientData) cd = NULL;
  g_autoptr(SesameAuthenticatorData) ad = NULL;
  g_autoptr(cbor_item_t) object = NULL;
  g_autoptr(SesameRegistration) registration = NULL;
  g_autoptr(GError) local_error = NULL;
  SesameAttestationOutput out = { 0 };
  SesameAttestationInput in = { 0 };
  SesameAttestationVerifyFunc verify;
  cbor_item_t *fmt_item, *stmt_item, *auth_item;
  g_autofree char *fmt = NULL;
  const guint8 *data;
  gsize len;
  gboolean ok;

  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (options->challenge != NULL, NULL);
  g_return_val_if_fail (client_data_json != NULL && attestation_object != NULL, NULL);

  data = g_bytes_get_data (client_data_json, &len);
  cd = sesame_client_data_parse (data, len, error);
  if (!cd || !check_client_data (options, cd, "webauthn.create", error))
    return NULL;

  data = g_bytes_get_data (attestation_object, &len);
  if (len > ATTESTATION_OBJECT_MAX_LEN)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_OBJECT,
                   "attestation object is %" G_GSIZE_FORMAT " bytes; at most %d are accepted",
                   len, ATTESTATION_OBJECT_MAX_LEN);
      return NULL;
    }
  object = sesame_cbor_load (data, len, NULL, "attestation object", error);
  if (!object || !sesame_cbor_map_check_keys (object, "attestation object", error))
    return NULL;
  fmt_item = sesame_cbor_map_get_str (object, "fmt");
  stmt_item = sesame_cbor_map_get_str (object, "attStmt");
  auth_item = sesame_cbor_map_get_str (object, "authData");
  if (!sesame_cbor_is_text (fmt_item) || !stmt_item || !cbor_isa_map (stmt_item) ||
      !sesame_cbor_is_bytes (auth_item))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_OBJECT,
                   "attestation object needs fmt (text), attStmt (map) and authData (bytes)");
      return NULL;
    }
  fmt = sesame_cbor_dup_text (fmt_item);

  ad = sesame_authenticator_data_parse (cbor_bytestring_handle (auth_item),
                                        cbor_bytestring_length (auth_item), error);
  if (!ad || !check_authenticator_data (options, ad, error))
    return NULL;
  if (!ad->has_attested_data)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTED_DATA_MISSING,
                   "authenticator data of a registration must carry the new credential "
                   "(AT flag not set)");
      return NULL;
    }
  if (!check_algorithm (options, ad->public_key, error))
    return NULL;

  verify = lookup_format (options, fmt, error);
  if (!verify)
    return NULL;
  if (!sesame_cbor_map_check_keys (stmt_item, "attestation statement", &local_error))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
                   "%s: %s", fmt, local_error->message);
      return NULL;
    }

  in.options = options;
  in.fmt = fmt;
  in.att_stmt = stmt_item;
  in.auth_data = ad;
  in.client_data_hash = cd->hash;
  ok = verify (&in, &out, error);
  if (ok && options->require_trusted_attestation && !out.anchored)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_UNTRUSTED,
                   "attestation is required to chain to a trust anchor, and this %s "
                   "attestation does not: %s", fmt, out.detail ? out.detail : "no path");
      ok = FALSE;
    }
  if (!ok)
    {
      sk_X509_pop_free (out.chain, X509_free);
      g_free (out.detail);
      return NULL;
    }

  registration = g_new0 (SesameRegistration, 1);
  registration->client_data = g_steal_pointer (&cd);
  registration->auth_data = g_steal_pointer (&ad);
  registration->fmt = g_steal_pointer (&fmt);
  registration->attestation_type = out.type;
  registration->certificates = certificates_to_der (out.chain);
  registration->trust_anchored = out.anchored;
  registration->trust_detail = out.detail;
  registration->attestation_object = g_bytes_ref (attestation_object);
  sk_X509_pop_free (out.chain, X509_free);
  return g_steal_pointer (&registration);
}

void
sesame_assertion_free (SesameAssertion *assertion)
{
  if (!assertion)
    return;
  sesame_client_data_free (assertion->client_data);
  sesame_authenticator_data_free (assertion->auth_data);
  g_free (assertion);
}

static gboolean
bytes_equal (GBytes *a,
             GBytes *b)
{
  gsize a_len, b_len;
  const guint8 *a_data = g_bytes_get_data (a, &a_len);
  const guint8 *b_data = g_bytes_get_data (b, &b_len);

  return a_len == b_len && (a_len == 0 || CRYPTO_memcmp (a_data, b_data, a_len) == 0);
}

/* WebAuthn L3 §7.2, "Verifying an Authentication Assertion". */
SesameAssertion *
sesame_verify_authentication (const SesameVerifyOptions    *options,
                              const SesameStoredCredential *credential,
                              GBytes                       *client_data_json,
                              GBytes                       *authenticator_data,
                              GBytes                       *signature,
                              GBytes                       *user_handle,
                              GError                      **error)
{
  g_autoptr(SesameClientData) cd = NULL;
  g_autoptr(SesameAuthenticatorData) ad = NULL;
  SesameAssertion *assertion;
  const guint8 *data, *sig;
  gsize len, ad_len, sig_len;
  gboolean be, bs;

  g_return_val_if_fail (options != NULL && options->challenge != NULL, NULL);
  g_return_val_if_fail (credential != NULL && credential->public_key != NULL, NULL);
  g_return_val_if_fail (client_data_json && authenticator_data && signature, NULL);

  if (user_handle && credential->user_handle && !bytes_equal (user_handle, credential->user_handle))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_USER_HANDLE_MISMATCH,
                   "the response's user handle is not the user this credential belongs to");
      return NULL;
    }

  data = g_bytes_get_data (client_data_json, &len);
  cd = sesame_client_data_parse (data, len, error);
  if (!cd || !check_client_data (options, cd, "webauthn.get", error))
    return NULL;

  data = g_bytes_get_data (authenticator_data, &ad_len);
  ad = sesame_authenticator_data_parse (data, ad_len, error);
  if (!ad || !check_authenticator_data (options, ad, error))
    return NULL;
  if (ad->has_attested_data)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTED_DATA_UNEXPECTED,
                   "authenticator data of an assertion must not carry attested credential "
                   "data (AT flag set)");
      return NULL;
    }

  be = (ad->flags & SESAME_AUTH_DATA_FLAG_BE) != 0;
  bs = (ad->flags & SESAME_AUTH_DATA_FLAG_BS) != 0;
  if (credential->has_backup_flags && be != credential->backup_eligible)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BACKUP_ELIGIBILITY_CHANGED,
                   "the credential was registered as %sbackup eligible and now says it is %s",
                   credential->backup_eligible ? "" : "not ", be ? "" : "not");
      return NULL;
    }

  sig = g_bytes_get_data (signature, &sig_len);
  if (!sesame_cose_verify_signature_parts (sesame_cose_key_get_pkey (credential->public_key),
                                           sesame_cose_key_get_algorithm (credential->public_key),
                                           data, ad_len, cd->hash, sizeof cd->hash,
                                           sig, sig_len, error))
    return NULL;

  /* Only a signed counter means anything, so this comes after the signature. */
  if ((ad->sign_count != 0 || credential->sign_count != 0) &&
      ad->sign_count <= credential->sign_count)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGN_COUNT_REGRESSION,
                   "sign count %u is not greater than the stored %u: the authenticator may have "
                   "been cloned", ad->sign_count, credential->sign_count);
      return NULL;
    }

  assertion = g_new0 (SesameAssertion, 1);
  assertion->sign_count = ad->sign_count;
  assertion->user_verified = (ad->flags & SESAME_AUTH_DATA_FLAG_UV) != 0;
  assertion->backup_eligible = be;
  assertion->backed_up = bs;
  assertion->backup_state_changed = credential->has_backup_flags && bs != credential->backed_up;
  assertion->client_data = g_steal_pointer (&cd);
  assertion->auth_data = g_steal_pointer (&ad);
  return assertion;
}

/* The credential id that counts is the one in the authenticator data, which
 * the attestation signs; the JSON id is only the browser's echo of it.
 * They are not compared: upstream fixtures carry hand-edited ids, and the
 * RP keeps auth_data->credential_id, which is what assertions will name. */
SesameRegistration *
sesame_verify_registration_json (const SesameVerifyOptions  *options,
                                 const SesameCredentialJson *credential,
                                 GError                    **error)
{
  if (!credential->attestation_object)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CREDENTIAL,
                   "registration response has no attestationObject");
      return NULL;
    }
  return sesame_verify_registration (options, credential->client_data_json,
                                     credential->attestation_object, error);
}

SesameAssertion *
sesame_verify_authentication_json (const SesameVerifyOptions    *options,
                                   const SesameStoredCredential *stored,
                                   const SesameCredentialJson   *credential,
                                   GError                      **error)
{
  if (!credential->authenticator_data || !credential->signature)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CREDENTIAL,
                   "authentication response needs authenticatorData and signature");
      return NULL;
    }
  if (stored->credential_id && !bytes_equal (credential->raw_id, stored->credential_id))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_CREDENTIAL_ID_MISMATCH,
                   "the response is for credential %s, not the stored credential", credential->id);
      return NULL;
    }
  return sesame_verify_authentication (options, stored, credential->client_data_json,
                                       credential->authenticator_data, credential->signature,
                                       credential->user_handle, error);
}
