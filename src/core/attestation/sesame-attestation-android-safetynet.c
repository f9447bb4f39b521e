/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-attestation-private.h"
#include "sesame-base64.h"
#include "sesame-cbor.h"
#include "sesame-json.h"
#include "sesame-cose-key.h"
#include "sesame-openssl.h"
#include "sesame-webauthn-error.h"
#include "sesame-x509.h"

#include <json-glib/json-glib.h>
#include <openssl/ec.h>
#include <string.h>

/* WebAuthn L3 §8.5, the Android SafetyNet attestation statement format.
 * attStmt.response is a JWS (RFC 7515, compact serialization) that Google's
 * SafetyNet service signed; its payload binds the ceremony through a nonce
 * and says whether the device passed the compatibility checks. */

#define SAFETYNET_HOSTNAME "attest.android.com"
#define X5C_MAX_CERTIFICATES 10

/* SafetyNet's clock and the verifier's are different machines' clocks. */
#define CLOCK_SKEW_MS (60 * 1000)

typedef struct
{
  const char *name;
  int         cose_alg;
  const char *ec_group;   /* NULL: not ECDSA */
  gsize       ec_field;   /* bytes of r and of s in a JWS ECDSA signature */
} JwsAlgorithm;

static const JwsAlgorithm jws_algorithms[] = {
  { "RS256", SESAME_COSE_ALG_RS256, NULL,         0 },
  { "RS384", SESAME_COSE_ALG_RS384, NULL,         0 },
  { "RS512", SESAME_COSE_ALG_RS512, NULL,         0 },
  { "PS256", SESAME_COSE_ALG_PS256, NULL,         0 },
  { "ES256", SESAME_COSE_ALG_ES256, "prime256v1", 32 },
  { "ES384", SESAME_COSE_ALG_ES384, "secp384r1",  48 },
  { "ES512", SESAME_COSE_ALG_ES512, "secp521r1",  66 },
};

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

#define bad_statement(error, ...) \
  fail (error, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT, "android-safetynet " __VA_ARGS__)

static gboolean
is_base64url_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_';
}

static GBytes *
decode_part (const char *text,
             gsize       len,
             const char *what,
             GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  GBytes *bytes;

  if (len == 0)
    {
      bad_statement (error, "response JWS has an empty %s", what);
      return NULL;
    }
  bytes = sesame_base64url_decode_len (text, len, &local_error);
  if (!bytes)
    bad_statement (error, "response JWS %s is not base64url: %s", what, local_error->message);
  return bytes;
}

/* A JSON object from a JWS part. The node keeps the object alive. */
static JsonNode *
parse_object (GBytes     *bytes,
              const char *what,
              GError    **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *problem = NULL;
  gsize len;
  const char *text = g_bytes_get_data (bytes, &len);

  if (!g_utf8_validate_len (text, len, NULL) || memchr (text, '\0', len))
    {
      bad_statement (error, "response JWS %s is not UTF-8 text", what);
      return NULL;
    }
  root = sesame_json_parse_strict (text, len, &problem);
  if (!root)
    {
      bad_statement (error, "response JWS %s is not JSON: %s", what, problem);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      bad_statement (error, "response JWS %s is not a JSON object", what);
      return NULL;
    }
  return g_steal_pointer (&root);
}

static const char *
get_string (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (!node || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static const JwsAlgorithm *
header_algorithm (JsonObject *header,
                  GError    **error)
{
  const char *alg = get_string (header, "alg");

  if (!alg)
    {
      bad_statement (error, "response JWS header has no alg string");
      return NULL;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (jws_algorithms); i++)
    if (g_str_equal (alg, jws_algorithms[i].name))
      return &jws_algorithms[i];

  /* "none" lands here too: an unsigned response proves nothing. */
  bad_statement (error, "response JWS alg \"%s\" is not accepted (RS256, RS384, RS512, PS256, "
                 "ES256, ES384 or ES512 are)", alg);
  return NULL;
}

/* The JWS header's x5c (RFC 7515 §4.1.6): standard base64 DER, leaf first. */
static STACK_OF (X509) *
header_chain (JsonObject *header,
              GError    **error)
{
  g_autoptr(SesameX509Stack) chain = NULL;
  JsonNode *node = json_object_get_member (header, "x5c");
  JsonArray *array = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  guint n = array ? json_array_get_length (array) : 0;

  if (n == 0)
    {
      bad_statement (error, "response JWS header needs x5c: a non-empty array of certificates");
      return NULL;
    }
  if (n > X5C_MAX_CERTIFICATES)
    {
      bad_statement (error, "response JWS header has %u certificates in x5c; at most %d are "
                     "accepted", n, X5C_MAX_CERTIFICATES);
      return NULL;
    }

  chain = sk_X509_new_null ();
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GBytes) der = NULL;
      const unsigned char *p, *end;
      X509 *cert;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        {
          bad_statement (error, "response JWS header x5c[%u] is not a string", i);
          return NULL;
        }
      der = sesame_base64_decode_strict (json_node_get_string (element), &local_error);
      if (!der)
        {
          bad_statement (error, "response JWS header x5c[%u] is not base64: %s",
                         i, local_error->message);
          return NULL;
        }
      p = g_bytes_get_data (der, NULL);
      end = p + g_bytes_get_size (der);
      cert = d2i_X509 (NULL, &p, (long) g_bytes_get_size (der));
      if (!cert || p != end)
        {
          X509_free (cert);
          fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                "android-safetynet response JWS header x5c[%u] is not a DER X.509 certificate",
                i);
          return NULL;
        }
      sk_X509_push (chain, cert);
    }
  return g_steal_pointer (&chain);
}

/* JWS carries an ECDSA signature as r ‖ s, each padded to the field size
 * (RFC 7518 §3.4); OpenSSL verifies the DER ECDSA-Sig-Value form. */
static GBytes *
ecdsa_signature_to_der (const guint8 *raw,
                        gsize         field)
{
  ECDSA_SIG *sig = ECDSA_SIG_new ();
  guint8 *der = NULL, *p;
  int len;

  ECDSA_SIG_set0 (sig, BN_bin2bn (raw, (int) field, NULL),
                  BN_bin2bn (raw + field, (int) field, NULL));
  len = i2d_ECDSA_SIG (sig, NULL);
  if (len > 0)
    {
      der = p = g_malloc ((gsize) len);
      len = i2d_ECDSA_SIG (sig, &p);
    }
  ECDSA_SIG_free (sig);
  if (len <= 0)
    {
      g_free (der);
      return NULL;
    }
  return g_bytes_new_take (der, (gsize) len);
}

static gboolean
verify_jws_signature (const JwsAlgorithm *alg,
                      EVP_PKEY           *key,
                      const char         *signing_input,
                      gsize               signing_input_len,
                      GBytes             *signature,
                      GError            **error)
{
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GError) local_error = NULL;
  GBytes *checked = signature;

  if (alg->ec_group)
    {
      char group[64];
      gsize sig_len = g_bytes_get_size (signature);

      if (EVP_PKEY_get_base_id (key) != EVP_PKEY_EC ||
          EVP_PKEY_get_group_name (key, group, sizeof group, NULL) != 1 ||
          !g_str_equal (group, alg->ec_group))
        return fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID,
                     "android-safetynet response JWS alg %s needs a %s key in the leaf "
                     "certificate", alg->name, alg->ec_group);
      if (sig_len != 2 * alg->ec_field)
        return fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID,
                     "android-safetynet response JWS %s signature is %" G_GSIZE_FORMAT
                     " bytes; r ‖ s takes %" G_GSIZE_FORMAT, alg->name, sig_len,
                     2 * alg->ec_field);
      der = ecdsa_signature_to_der (g_bytes_get_data (signature, NULL), alg->ec_field);
      if (!der)
        return fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID,
                     "android-safetynet response JWS %s signature could not be decoded",
                     alg->name);
      checked = der;
    }

  if (!sesame_cose_verify_signature (key, alg->cose_alg,
                                     (const guint8 *) signing_input, signing_input_len,
                                     g_bytes_get_data (checked, NULL),
                                     g_bytes_get_size (checked), &local_error))
    return fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID,
                 "android-safetynet response JWS signature does not verify with the leaf "
                 "certificate: %s", local_error->message);
  return TRUE;
}

static gboolean
check_nonce (const SesameAttestationInput *in,
             JsonObject                   *payload,
             GError                      **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GBytes) signed_data = sesame_attestation_signed_data (in);
  g_autofree char *expected = NULL;
  const char *nonce = get_string (payload, "nonce");
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  if (!nonce)
    return bad_statement (error, "response payload has no nonce string");

  g_checksum_update (checksum, g_bytes_get_data (signed_data, NULL),
                     (gssize) g_bytes_get_size (signed_data));
  g_checksum_get_digest (checksum, digest, &digest_len);
  expected = g_base64_encode (digest, digest_len);
  if (!g_str_equal (nonce, expected))
    {
      /* The nonce is the sender's text: escaped and cut short for the message. */
      g_autofree char *shown = g_strescape (nonce, NULL);

      return fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_NONCE_MISMATCH,
                   "android-safetynet response nonce \"%.64s\" is not base64(SHA-256("
                   "authenticatorData ‖ clientDataHash)) \"%s\" of this ceremony",
                   shown, expected);
    }
  return TRUE;
}

static gboolean
check_timestamp (const SesameVerifyOptions *options,
                 JsonObject                *payload,
                 GError                   **error)
{
  JsonNode *node = json_object_get_member (payload, "timestampMs");
  gint64 now_ms = (gint64) sesame_x509_verification_time (options) * 1000;
  gint64 timestamp;

  if (!node || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return fail (error, SESAME_WEBAUTHN_ERROR_SAFETYNET_TIMESTAMP,
                 "android-safetynet response payload has no timestampMs integer, so its age "
                 "cannot be checked");
  timestamp = json_node_get_int (node);
  if (timestamp < 0)
    return fail (error, SESAME_WEBAUTHN_ERROR_SAFETYNET_TIMESTAMP,
                 "android-safetynet response timestampMs %" G_GINT64_FORMAT " is before 1970",
                 timestamp);
  if (timestamp > now_ms + CLOCK_SKEW_MS)
    return fail (error, SESAME_WEBAUTHN_ERROR_SAFETYNET_TIMESTAMP,
                 "android-safetynet response timestampMs %" G_GINT64_FORMAT " is %"
                 G_GINT64_FORMAT " ms after the verification time", timestamp,
                 timestamp - now_ms);
  if (now_ms - timestamp > options->safetynet_max_age_ms)
    return fail (error, SESAME_WEBAUTHN_ERROR_SAFETYNET_TIMESTAMP,
                 "android-safetynet response timestampMs %" G_GINT64_FORMAT " is %"
                 G_GINT64_FORMAT " ms old; at most %" G_GINT64_FORMAT " ms are accepted",
                 timestamp, now_ms - timestamp, options->safetynet_max_age_ms);
  return TRUE;
}

gboolean
sesame_attestation_verify_android_safetynet (const SesameAttestationInput *in,
                                             SesameAttestationOutput      *out,
                                             GError                      **error)
{
  g_autoptr(SesameX509Stack) chain = NULL;
  g_autoptr(GBytes) header_bytes = NULL;
  g_autoptr(GBytes) payload_bytes = NULL;
  g_autoptr(GBytes) signature = NULL;
  g_autoptr(JsonNode) header = NULL;
  g_autoptr(JsonNode) payload = NULL;
  const cbor_item_t *ver, *response;
  const JwsAlgorithm *alg;
  const char *jws, *dot1 = NULL, *dot2 = NULL;
  JsonNode *cts;
  EVP_PKEY *leaf_key;
  X509 *leaf;
  gsize jws_len;

  ver = sesame_cbor_map_get_str (in->att_stmt, "ver");
  response = sesame_cbor_map_get_str (in->att_stmt, "response");
  if (!sesame_cbor_is_text (ver) || cbor_string_length (ver) == 0)
    return bad_statement (error, "attestation statement needs ver: a non-empty text string");
  if (!sesame_cbor_is_bytes (response) || cbor_bytestring_length (response) == 0)
    return bad_statement (error, "attestation statement needs response: a non-empty byte "
                          "string");

  /* The compact serialization is three base64url parts joined by dots.
   * Anything else (padding, whitespace, a fourth part) is refused here,
   * so that the signing input is exactly the bytes that were signed. */
  jws = (const char *) cbor_bytestring_handle (response);
  jws_len = cbor_bytestring_length (response);
  for (gsize i = 0; i < jws_len; i++)
    {
      if (jws[i] == '.')
        {
          if (dot2)
            return bad_statement (error, "response has more than three JWS parts");
          if (dot1)
            dot2 = jws + i;
          else
            dot1 = jws + i;
        }
      else if (!is_base64url_char (jws[i]))
        return bad_statement (error, "response is not a JWS compact serialization: byte 0x%02x "
                              "at %" G_GSIZE_FORMAT " is not base64url or '.'",
                              (guint8) jws[i], i);
    }
  if (!dot2)
    return bad_statement (error, "response is not a JWS compact serialization: it needs "
                          "header.payload.signature");

  header_bytes = decode_part (jws, (gsize) (dot1 - jws), "header", error);
  if (!header_bytes)
    return FALSE;
  payload_bytes = decode_part (dot1 + 1, (gsize) (dot2 - dot1 - 1), "payload", error);
  if (!payload_bytes)
    return FALSE;
  signature = decode_part (dot2 + 1, jws_len - (gsize) (dot2 + 1 - jws), "signature", error);
  if (!signature)
    return FALSE;

  header = parse_object (header_bytes, "header", error);
  if (!header)
    return FALSE;
  /* RFC 7515 §4.1.11: extensions the verifier must understand, and this
   * one understands none. */
  if (json_object_has_member (json_node_get_object (header), "crit"))
    return bad_statement (error, "response JWS header has crit extensions; none are supported");
  alg = header_algorithm (json_node_get_object (header), error);
  if (!alg)
    return FALSE;
  chain = header_chain (json_node_get_object (header), error);
  if (!chain)
    return FALSE;
  leaf = sk_X509_value (chain, 0);
  leaf_key = X509_get0_pubkey (leaf);
  if (!leaf_key)
    return fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                 "android-safetynet leaf certificate has no public key that can be used");

  if (!verify_jws_signature (alg, leaf_key, jws, (gsize) (dot2 - jws), signature, error))
    return FALSE;

  /* X509_check_host looks at the DNS names of subjectAltName, and at the
   * subject CN only when there are none. */
  if (X509_check_host (leaf, SAFETYNET_HOSTNAME, strlen (SAFETYNET_HOSTNAME),
                       X509_CHECK_FLAG_NO_WILDCARDS, NULL) != 1)
    return fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                 "android-safetynet response is signed by a certificate that is not issued "
                 "to %s", SAFETYNET_HOSTNAME);

  payload = parse_object (payload_bytes, "payload", error);
  if (!payload)
    return FALSE;
  if (!check_nonce (in, json_node_get_object (payload), error))
    return FALSE;

  if (in->options->safetynet_enforce_cts)
    {
      cts = json_object_get_member (json_node_get_object (payload), "ctsProfileMatch");
      if (!cts || !JSON_NODE_HOLDS_VALUE (cts) ||
          json_node_get_value_type (cts) != G_TYPE_BOOLEAN || !json_node_get_boolean (cts))
        return fail (error, SESAME_WEBAUTHN_ERROR_SAFETYNET_DEVICE_INTEGRITY,
                     "android-safetynet response does not say ctsProfileMatch: true; could "
                     "not verify device integrity");
    }
  if (in->options->safetynet_max_age_ms > 0 &&
      !check_timestamp (in->options, json_node_get_object (payload), error))
    return FALSE;

  out->type = SESAME_ATTESTATION_TYPE_BASIC;
  out->chain = g_steal_pointer (&chain);
  return sesame_x509_check_path (in, out, error);
}
