/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-ceremony-description.h"

#include "sesame-base64.h"
#include "sesame-cbor.h"
#include "sesame-json.h"
#include "sesame-openssl.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <time.h>

/* Each part of the credential is decoded on its own, independently of the
 * verdict and of the other parts, so that a rejected response still shows
 * what it carried and where it went wrong. */


static const char *
error_name (const GError *error)
{
  if (error->domain == SESAME_WEBAUTHN_ERROR)
    return sesame_webauthn_error_to_string (error->code);
  return sesame_webauthn_error_to_string (SESAME_WEBAUTHN_ERROR_BAD_CREDENTIAL);
}


static void
add_boolean (JsonBuilder *builder,
             const char  *member,
             gboolean     value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_boolean_value (builder, value);
}

static void
add_int (JsonBuilder *builder,
         const char  *member,
         gint64       value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_int_value (builder, value);
}

static void
add_null (JsonBuilder *builder,
          const char  *member)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_null_value (builder);
}

static void
add_error (JsonBuilder  *builder,
           const GError *error)
{
  sesame_json_builder_add_string (builder, "error", error_name (error));
  sesame_json_builder_add_string (builder, "message", error->message);
}



/* One buffer of the response, read on its own so that a fault elsewhere in
 * the credential does not hide it. */
static GBytes *
get_buffer (JsonObject  *response,
            const char  *member,
            GError     **error)
{
  const char *text = sesame_json_member_string (response, member);
  GBytes *bytes;

  if (!text)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CREDENTIAL,
                   "the credential has no base64url string response.%s", member);
      return NULL;
    }
  bytes = sesame_base64url_decode (text, error);
  if (!bytes)
    g_prefix_error (error, "response.%s: ", member);
  return bytes;
}

static void
describe_client_data (JsonObject  *response,
                      JsonBuilder *builder)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = get_buffer (response, "clientDataJSON", &error);
  g_autoptr(SesameClientData) client_data = NULL;

  if (raw)
    client_data = sesame_client_data_parse (g_bytes_get_data (raw, NULL),
                                            g_bytes_get_size (raw), &error);
  json_builder_set_member_name (builder, "clientData");
  json_builder_begin_object (builder);
  if (client_data)
    sesame_client_data_describe (client_data, builder);
  else
    add_error (builder, error);
  json_builder_end_object (builder);
}

/* raw is NULL when it could not be had, and why says why. */
static void
describe_authenticator_data (GBytes       *raw,
                             const GError *why,
                             JsonBuilder  *builder)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameAuthenticatorData) auth_data = NULL;

  if (raw)
    auth_data = sesame_authenticator_data_parse (g_bytes_get_data (raw, NULL),
                                                 g_bytes_get_size (raw), &error);
  json_builder_set_member_name (builder, "authenticatorData");
  json_builder_begin_object (builder);
  if (auth_data)
    sesame_authenticator_data_describe (auth_data, builder);
  else
    add_error (builder, raw ? error : why);
  json_builder_end_object (builder);
}

static void
add_certificate_name (JsonBuilder     *builder,
                      const char      *member,
                      const X509_NAME *name)
{
  g_autoptr(BIO) bio = BIO_new (BIO_s_mem ());
  g_autofree char *text = NULL;
  char *data = NULL;
  long len;

  /* RFC 2253 order and escaping, but UTF-8 left as UTF-8. */
  if (!bio || X509_NAME_print_ex (bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
    {
      add_null (builder, member);
      return;
    }
  len = BIO_get_mem_data (bio, &data);
  text = g_utf8_make_valid (data ? data : "", len);
  sesame_json_builder_add_string (builder, member, text);
}

static void
add_certificate_time (JsonBuilder     *builder,
                      const char      *member,
                      const ASN1_TIME *time)
{
  g_autoptr(GDateTime) date_time = NULL;
  g_autofree char *text = NULL;
  struct tm tm;

  if (time && ASN1_TIME_to_tm (time, &tm) == 1)
    date_time = g_date_time_new_utc (tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                                     tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (date_time)
    text = g_date_time_format_iso8601 (date_time);
  sesame_json_builder_add_string (builder, member, text);
}

static void
add_certificate_serial (JsonBuilder        *builder,
                        const ASN1_INTEGER *serial)
{
  g_autoptr(BIGNUM) bn = serial ? ASN1_INTEGER_to_BN (serial, NULL) : NULL;
  char *hex = bn ? BN_bn2hex (bn) : NULL;
  g_autofree char *text = hex ? g_ascii_strdown (hex, -1) : NULL;

  OPENSSL_free (hex);
  sesame_json_builder_add_string (builder, "serial", text);
}

static void
describe_certificate (GBytes      *der,
                      JsonBuilder *builder)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (der, &len);
  const unsigned char *p = data;
  g_autoptr(X509) cert = len > 0 && len <= G_MAXLONG ? d2i_X509 (NULL, &p, (long) len) : NULL;
  g_autofree char *base64 = g_base64_encode (data, len);

  json_builder_begin_object (builder);
  if (cert && p == data + len)
    {
      add_certificate_name (builder, "subject", X509_get_subject_name (cert));
      add_certificate_name (builder, "issuer", X509_get_issuer_name (cert));
      add_certificate_time (builder, "notBefore", X509_get0_notBefore (cert));
      add_certificate_time (builder, "notAfter", X509_get0_notAfter (cert));
      add_certificate_serial (builder, X509_get0_serialNumber (cert));
    }
  else
    {
      SesameWebauthnError code = SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT;

      /* Leave nothing on OpenSSL's error queue for the core to trip over. */
      ERR_clear_error ();
      sesame_json_builder_add_string (builder, "error", sesame_webauthn_error_to_string (code));
      sesame_json_builder_add_string (builder, "message", "not a DER X.509 certificate");
    }
  sesame_json_builder_add_string (builder, "der", base64);
  json_builder_end_object (builder);
}

/* android-safetynet carries its certificates in the header of a JWS. */
static void
collect_jws_certificates (const cbor_item_t *response,
                          GPtrArray         *certificates)
{
  g_autoptr(GBytes) header = NULL;
  g_autofree char *jws = NULL;
  g_auto(GStrv) parts = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonNode *x5c;
  JsonArray *array;

  if (!sesame_cbor_is_bytes (response))
    return;
  jws = g_strndup ((const char *) cbor_bytestring_handle (response),
                   cbor_bytestring_length (response));
  parts = g_strsplit (jws, ".", 3);
  if (g_strv_length (parts) != 3)
    return;
  header = sesame_base64url_decode (parts[0], NULL);
  if (!header || g_bytes_get_size (header) == 0)
    return;
  root = sesame_json_parse_strict (g_bytes_get_data (header, NULL), g_bytes_get_size (header),
                                   NULL);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  x5c = json_object_get_member (json_node_get_object (root), "x5c");
  if (!x5c || !JSON_NODE_HOLDS_ARRAY (x5c))
    return;
  array = json_node_get_array (x5c);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      GBytes *der = NULL;

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
        der = sesame_base64_decode_strict (json_node_get_string (element), NULL);
      if (der)
        g_ptr_array_add (certificates, der);
    }
}

/* The certificates as the statement carries them, leaf first, whether or
 * not the statement verified. */
static GPtrArray *
collect_certificates (const char        *fmt,
                      const cbor_item_t *statement)
{
  GPtrArray *certificates = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const cbor_item_t *x5c = sesame_cbor_map_get_str (statement, "x5c");

  if (x5c && cbor_isa_array (x5c))
    {
      for (gsize i = 0; i < cbor_array_size (x5c); i++)
        {
          GBytes *der = sesame_cbor_dup_bytes (cbor_array_handle (x5c)[i]);
          if (der)
            g_ptr_array_add (certificates, der);
        }
    }
  else if (fmt && g_str_equal (fmt, "android-safetynet"))
    collect_jws_certificates (sesame_cbor_map_get_str (statement, "response"), certificates);
  return certificates;
}

static void
describe_attestation (const char               *fmt,
                      const cbor_item_t        *statement,
                      const SesameRegistration *registration,
                      JsonBuilder              *builder)
{
  g_autoptr(GPtrArray) certificates = collect_certificates (fmt, statement);
  gint64 alg;

  sesame_json_builder_add_string (builder, "fmt", fmt);
  if (sesame_cbor_get_int (sesame_cbor_map_get_str (statement, "alg"), &alg))
    {
      add_int (builder, "alg", alg);
      sesame_json_builder_add_string (builder, "algName",
                                      alg >= G_MININT && alg <= G_MAXINT
                                        ? sesame_cose_algorithm_to_string ((int) alg)
                                        : NULL);
    }
  if (registration)
    {
      sesame_json_builder_add_string (builder, "type",
                                      sesame_attestation_type_to_string (registration->attestation_type));
      add_boolean (builder, "trustAnchored", registration->trust_anchored);
      sesame_json_builder_add_string (builder, "trustDetail", registration->trust_detail);
    }
  else
    {
      add_null (builder, "type");
      add_null (builder, "trustAnchored");
      add_null (builder, "trustDetail");
    }
  json_builder_set_member_name (builder, "certificates");
  json_builder_begin_array (builder);
  for (guint i = 0; i < certificates->len; i++)
    describe_certificate (g_ptr_array_index (certificates, i), builder);
  json_builder_end_array (builder);
}

/* The attestation object holds both the authenticator data and the
 * attestation statement: each is shown as far as it decodes. */
static void
describe_attestation_object (JsonObject               *response,
                             const SesameRegistration *registration,
                             JsonBuilder              *builder)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) auth_data_error = NULL;
  g_autoptr(GBytes) raw = get_buffer (response, "attestationObject", &error);
  g_autoptr(cbor_item_t) object = NULL;
  g_autoptr(GBytes) auth_data = NULL;
  g_autofree char *fmt = NULL;

  if (raw)
    object = sesame_cbor_load (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), NULL,
                               "attestation object", &error);
  if (object && !cbor_isa_map (object))
    {
      g_set_error (&error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_OBJECT,
                   "attestation object is not a CBOR map");
      g_clear_pointer (&object, sesame_cbor_unref);
    }
  if (object)
    {
      fmt = sesame_cbor_dup_text (sesame_cbor_map_get_str (object, "fmt"));
      auth_data = sesame_cbor_dup_bytes (sesame_cbor_map_get_str (object, "authData"));
      if (!auth_data)
        g_set_error (&auth_data_error, SESAME_WEBAUTHN_ERROR,
                     SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_OBJECT,
                     "attestation object has no authData byte string");
    }

  describe_authenticator_data (auth_data, object ? auth_data_error : error, builder);

  json_builder_set_member_name (builder, "attestation");
  json_builder_begin_object (builder);
  if (object)
    describe_attestation (fmt, sesame_cbor_map_get_str (object, "attStmt"), registration, builder);
  else
    add_error (builder, error);
  json_builder_end_object (builder);
}

static void
describe_authentication_response (JsonObject  *response,
                                  JsonBuilder *builder)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = get_buffer (response, "authenticatorData", &error);

  describe_authenticator_data (raw, error, builder);
}

static void
describe_credential (SesameCeremony            ceremony,
                     JsonObject               *credential,
                     const SesameRegistration *registration,
                     JsonBuilder              *builder)
{
  JsonObject *response = sesame_json_member_object (credential, "response");
  const char *user_handle = sesame_json_member_string (response, "userHandle");

  sesame_json_builder_add_string (builder, "credentialId",
                                  sesame_json_member_string (credential, "id"));
  if (ceremony == SESAME_CEREMONY_AUTHENTICATION && user_handle)
    sesame_json_builder_add_string (builder, "userHandle", user_handle);
  describe_client_data (response, builder);
  if (ceremony == SESAME_CEREMONY_REGISTRATION)
    describe_attestation_object (response, registration, builder);
  else
    describe_authentication_response (response, builder);
}

static void
describe_verdict (const SesameRegistration *registration,
                  const SesameAssertion    *assertion,
                  const GError             *error,
                  JsonBuilder              *builder)
{
  json_builder_set_member_name (builder, "verdict");
  json_builder_begin_object (builder);
  add_boolean (builder, "verified", !error);
  if (error)
    add_error (builder, error);
  else if (assertion)
    {
      add_int (builder, "signCount", assertion->sign_count);
      add_boolean (builder, "userVerified", assertion->user_verified);
      add_boolean (builder, "backupEligible", assertion->backup_eligible);
      add_boolean (builder, "backedUp", assertion->backed_up);
    }
  json_builder_end_object (builder);
}

const char *
sesame_ceremony_to_string (SesameCeremony ceremony)
{
  switch (ceremony)
    {
    case SESAME_CEREMONY_REGISTRATION: return "registration";
    case SESAME_CEREMONY_AUTHENTICATION: return "authentication";
    default: g_return_val_if_reached (NULL);
    }
}

JsonNode *
sesame_ceremony_describe_credential (SesameCeremony  ceremony,
                                     JsonNode       *credential)
{
  g_autoptr(JsonBuilder) builder = NULL;

  g_return_val_if_fail (ceremony == SESAME_CEREMONY_REGISTRATION ||
                        ceremony == SESAME_CEREMONY_AUTHENTICATION, NULL);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_json_builder_add_string (builder, "ceremony", sesame_ceremony_to_string (ceremony));
  if (credential && JSON_NODE_HOLDS_OBJECT (credential))
    describe_credential (ceremony, json_node_get_object (credential), NULL, builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* The checks of each ceremony in the order sesame-webauthn.c runs them, with
 * the codes each can fail with. Keep in step with that file: a check moved
 * there moves here. */
typedef struct
{
  const char                *check;
  const SesameWebauthnError *codes; /* ended by -1 */
} CheckInfo;

#define CODES(...) ((const SesameWebauthnError[]) { __VA_ARGS__, (SesameWebauthnError) -1 })

static const CheckInfo response_checks[] = {
  { "response", CODES (SESAME_WEBAUTHN_ERROR_BAD_CREDENTIAL) },
};

static const CheckInfo client_data_checks[] = {
  { "client-data", CODES (SESAME_WEBAUTHN_ERROR_BAD_BASE64URL,
                          SESAME_WEBAUTHN_ERROR_BAD_CLIENT_DATA) },
  { "type", CODES (SESAME_WEBAUTHN_ERROR_TYPE_MISMATCH) },
  { "challenge", CODES (SESAME_WEBAUTHN_ERROR_CHALLENGE_MISMATCH,
                        SESAME_WEBAUTHN_ERROR_CHALLENGE_REPLAYED) },
  { "origin", CODES (SESAME_WEBAUTHN_ERROR_ORIGIN_MISMATCH,
                     SESAME_WEBAUTHN_ERROR_CROSS_ORIGIN_NOT_ALLOWED,
                     SESAME_WEBAUTHN_ERROR_TOP_ORIGIN_MISMATCH,
                     SESAME_WEBAUTHN_ERROR_TOKEN_BINDING_INVALID) },
};

static const CheckInfo authenticator_data_checks[] = {
  { "authenticator-data", CODES (SESAME_WEBAUTHN_ERROR_BAD_CBOR,
                                 SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_OBJECT,
                                 SESAME_WEBAUTHN_ERROR_BAD_AUTHENTICATOR_DATA,
                                 SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                                 SESAME_WEBAUTHN_ERROR_CREDENTIAL_ID_TOO_LONG,
                                 SESAME_WEBAUTHN_ERROR_EXTENSION_DATA_MISMATCH) },
  { "rp-id", CODES (SESAME_WEBAUTHN_ERROR_RP_ID_MISMATCH) },
  { "user-present", CODES (SESAME_WEBAUTHN_ERROR_USER_NOT_PRESENT) },
  { "user-verified", CODES (SESAME_WEBAUTHN_ERROR_USER_NOT_VERIFIED) },
  { "backup-state", CODES (SESAME_WEBAUTHN_ERROR_BACKUP_STATE_INVALID) },
};

static const CheckInfo registration_checks[] = {
  { "attested-data", CODES (SESAME_WEBAUTHN_ERROR_ATTESTED_DATA_MISSING) },
  { "algorithm", CODES (SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM,
                        SESAME_WEBAUTHN_ERROR_ALGORITHM_NOT_ALLOWED) },
  { "attestation", CODES (SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ATTESTATION_FORMAT,
                          SESAME_WEBAUTHN_ERROR_ATTESTATION_FORMAT_NOT_ALLOWED,
                          SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
                          SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID,
                          SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                          SESAME_WEBAUTHN_ERROR_ATTESTATION_AAGUID_MISMATCH,
                          SESAME_WEBAUTHN_ERROR_ATTESTATION_NONCE_MISMATCH,
                          SESAME_WEBAUTHN_ERROR_ATTESTATION_PUBLIC_KEY_MISMATCH,
                          SESAME_WEBAUTHN_ERROR_ATTESTATION_UNTRUSTED,
                          SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_REVOKED,
                          SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID,
                          SESAME_WEBAUTHN_ERROR_TPM_PUBLIC_AREA_MISMATCH,
                          SESAME_WEBAUTHN_ERROR_ANDROID_KEY_AUTHORIZATION,
                          SESAME_WEBAUTHN_ERROR_SAFETYNET_DEVICE_INTEGRITY,
                          SESAME_WEBAUTHN_ERROR_SAFETYNET_TIMESTAMP) },
};

/* After the response's shape, sesame_verify_authentication_json() compares
 * the credential id and the user handle before it reads the client data. */
static const CheckInfo authentication_first_checks[] = {
  { "credential-id", CODES (SESAME_WEBAUTHN_ERROR_CREDENTIAL_ID_MISMATCH) },
  { "user-handle", CODES (SESAME_WEBAUTHN_ERROR_USER_HANDLE_MISMATCH) },
};

static const CheckInfo authentication_checks[] = {
  { "attested-data", CODES (SESAME_WEBAUTHN_ERROR_ATTESTED_DATA_UNEXPECTED) },
  { "backup-eligibility", CODES (SESAME_WEBAUTHN_ERROR_BACKUP_ELIGIBILITY_CHANGED) },
  { "signature", CODES (SESAME_WEBAUTHN_ERROR_SIGNATURE_INVALID) },
  { "sign-count", CODES (SESAME_WEBAUTHN_ERROR_SIGN_COUNT_REGRESSION) },
};

static gboolean
check_has_code (const CheckInfo *info,
                const char      *error_name)
{
  for (const SesameWebauthnError *code = info->codes; (int) *code != -1; code++)
    if (g_str_equal (sesame_webauthn_error_to_string (*code), error_name))
      return TRUE;
  return FALSE;
}

typedef struct
{
  JsonBuilder *builder;
  const char  *error_name;
  gboolean     known;         /* error_name belongs to one of the checks */
  gboolean     failed;        /* a check failed already: the rest did not run */
  gboolean     uv_required;
} ChecksState;

static void
add_checks (ChecksState     *state,
            const CheckInfo *checks,
            gsize            n_checks)
{
  for (gsize i = 0; i < n_checks; i++)
    {
      const CheckInfo *info = &checks[i];
      const char *status;

      if (state->failed || (state->error_name && !state->known))
        status = "not-run";
      else if (state->error_name && check_has_code (info, state->error_name))
        {
          status = "failed";
          state->failed = TRUE;
        }
      else if (g_str_equal (info->check, "user-verified") && !state->uv_required)
        status = "not-required";
      else
        status = "passed";

      json_builder_begin_object (state->builder);
      sesame_json_builder_add_string (state->builder, "check", info->check);
      sesame_json_builder_add_string (state->builder, "status", status);
      json_builder_set_member_name (state->builder, "codes");
      json_builder_begin_array (state->builder);
      for (const SesameWebauthnError *code = info->codes; (int) *code != -1; code++)
        json_builder_add_string_value (state->builder, sesame_webauthn_error_to_string (*code));
      json_builder_end_array (state->builder);
      json_builder_end_object (state->builder);
    }
}

static gboolean
any_check_has_code (const CheckInfo *checks,
                    gsize            n_checks,
                    const char      *error_name)
{
  for (gsize i = 0; i < n_checks; i++)
    if (check_has_code (&checks[i], error_name))
      return TRUE;
  return FALSE;
}

JsonNode *
sesame_ceremony_describe_checks (SesameCeremony  ceremony,
                                 const char     *error_name,
                                 gboolean        user_verification_required)
{
  g_autoptr(JsonBuilder) builder = NULL;
  gboolean registration = ceremony == SESAME_CEREMONY_REGISTRATION;
  ChecksState state = { 0 };

  g_return_val_if_fail (ceremony == SESAME_CEREMONY_REGISTRATION ||
                        ceremony == SESAME_CEREMONY_AUTHENTICATION, NULL);

  builder = json_builder_new ();
  state.builder = builder;
  state.error_name = error_name;
  state.uv_required = user_verification_required;
  if (error_name)
    state.known = any_check_has_code (response_checks, G_N_ELEMENTS (response_checks),
                                      error_name) ||
                  any_check_has_code (client_data_checks, G_N_ELEMENTS (client_data_checks),
                                      error_name) ||
                  any_check_has_code (authenticator_data_checks,
                                      G_N_ELEMENTS (authenticator_data_checks), error_name) ||
                  (registration
                     ? any_check_has_code (registration_checks,
                                           G_N_ELEMENTS (registration_checks), error_name)
                     : any_check_has_code (authentication_first_checks,
                                           G_N_ELEMENTS (authentication_first_checks),
                                           error_name) ||
                       any_check_has_code (authentication_checks,
                                           G_N_ELEMENTS (authentication_checks), error_name));

  json_builder_begin_array (builder);
  add_checks (&state, response_checks, G_N_ELEMENTS (response_checks));
  if (!registration)
    add_checks (&state, authentication_first_checks, G_N_ELEMENTS (authentication_first_checks));
  add_checks (&state, client_data_checks, G_N_ELEMENTS (client_data_checks));
  add_checks (&state, authenticator_data_checks, G_N_ELEMENTS (authenticator_data_checks));
  if (registration)
    add_checks (&state, registration_checks, G_N_ELEMENTS (registration_checks));
  else
    add_checks (&state, authentication_checks, G_N_ELEMENTS (authentication_checks));
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}

JsonNode *
sesame_ceremony_describe (SesameCeremony            ceremony,
                          JsonNode                 *credential,
                          const SesameRegistration *registration,
                          const SesameAssertion    *assertion,
                          const GError             *error)
{
  g_autoptr(JsonBuilder) builder = NULL;

  g_return_val_if_fail (ceremony == SESAME_CEREMONY_REGISTRATION ||
                        ceremony == SESAME_CEREMONY_AUTHENTICATION, NULL);
  /* A verdict is either a result of the ceremony's kind or an error. */
  g_return_val_if_fail (!registration || ceremony == SESAME_CEREMONY_REGISTRATION, NULL);
  g_return_val_if_fail (!assertion || ceremony == SESAME_CEREMONY_AUTHENTICATION, NULL);
  g_return_val_if_fail (!error || (!registration && !assertion), NULL);
  g_return_val_if_fail (error || registration || assertion, NULL);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_json_builder_add_string (builder, "ceremony", sesame_ceremony_to_string (ceremony));
  if (credential && JSON_NODE_HOLDS_OBJECT (credential))
    describe_credential (ceremony, json_node_get_object (credential), registration, builder);
  describe_verdict (registration, assertion, error, builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}
