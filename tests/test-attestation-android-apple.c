/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-base64.h"
#include "sesame-cbor.h"
#include "sesame-openssl.h"
#include "sesame-webauthn.h"

#include <cbor.h>
#include <json-glib/json-glib.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

/* The android-key, android-safetynet and apple attestation formats.
 *
 * The conformance test already runs every upstream vector, so this file
 * holds the failures. A real vector is changed in one place where the
 * change is not covered by a signature; checks that sit behind a signature
 * are reached with certificates made here, by a throwaway CA, for keys made
 * here. Each group starts with a baseline that verifies, so that a refusal
 * in the same group is caused by the one thing that was changed. */

#define ANDROID_KEY_VECTOR "simplewebauthn/validate-Android-Key-response"
#define APPLE_VECTOR       "py_webauthn/verify_attestation_apple_passkey"
#define SAFETYNET_VECTOR   "simplewebauthn/skip-CTS-check-when-enforcement-option-is-false"

#define OID_ANDROID_KEY_DESCRIPTION "1.3.6.1.4.1.11129.2.1.17"
#define OID_APPLE_NONCE "1.2.840.113635.100.8.2"

/* Keymaster values used in KeyDescriptions made here */
#define KM_PURPOSE_ENCRYPT 0
#define KM_PURPOSE_SIGN 2
#define KM_PURPOSE_VERIFY 3
#define KM_ORIGIN_GENERATED 0
#define KM_ORIGIN_IMPORTED 2

/* The clock of the generated ceremonies: 2025-06-15T15:06:40Z */
#define TEST_TIME G_GINT64_CONSTANT (1750000000)

#define VERIFIES (-1)

static JsonParser *vectors;
static EVP_PKEY *ca_key;
static X509 *ca_cert;

static const char * const test_origins[] = { "https://example.org", NULL };
static const char * const test_rp_ids[] = { "example.org", NULL };

/* Helpers: CBOR */

static GBytes *
serialize (const cbor_item_t *item)
{
  unsigned char *buffer = NULL;
  size_t buffer_size = 0;
  size_t len = cbor_serialize_alloc (item, &buffer, &buffer_size);
  GBytes *bytes;

  g_assert_cmpuint (len, >, 0);
  bytes = g_bytes_new (buffer, len);
  free (buffer);
  return bytes;
}

static gboolean
text_equal (const cbor_item_t *item,
            const char        *text)
{
  return cbor_isa_string (item) && cbor_string_length (item) == strlen (text) &&
         memcmp (cbor_string_handle (item), text, strlen (text)) == 0;
}

/* A copy of a text-keyed map with key set to value, or removed when value
 * is NULL. Takes a reference to value. */
static cbor_item_t *
map_with (const cbor_item_t *map,
          const char        *key,
          cbor_item_t       *value)
{
  struct cbor_pair *pairs = cbor_map_handle (map);
  gsize n = cbor_map_size (map);
  cbor_item_t *copy = cbor_new_definite_map (n + 1);
  gboolean found = FALSE;

  for (gsize i = 0; i < n; i++)
    {
      if (text_equal (pairs[i].key, key))
        {
          found = TRUE;
          if (value)
            g_assert_true (cbor_map_add (copy, (struct cbor_pair) { pairs[i].key, value }));
          continue;
        }
      g_assert_true (cbor_map_add (copy, pairs[i]));
    }
  if (!found && value)
    g_assert_true (cbor_map_add (copy, (struct cbor_pair) {
      .key = cbor_move (cbor_build_string (key)), .value = value }));
  return copy;
}

static cbor_item_t *
bytes_item (GBytes *bytes)
{
  return cbor_build_bytestring (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static GBytes *
attestation_object (const char  *fmt,
                    cbor_item_t *statement,
                    GBytes      *auth_data)
{
  g_autoptr(cbor_item_t) object = cbor_new_definite_map (3);

  cbor_map_add (object, (struct cbor_pair) { cbor_move (cbor_build_string ("fmt")),
                                             cbor_move (cbor_build_string (fmt)) });
  cbor_map_add (object, (struct cbor_pair) { cbor_move (cbor_build_string ("attStmt")),
                                             statement });
  cbor_map_add (object, (struct cbor_pair) { cbor_move (cbor_build_string ("authData")),
                                             cbor_move (bytes_item (auth_data)) });
  return serialize (object);
}

/* Helpers: outcomes */

static void
assert_outcome (const SesameVerifyOptions *options,
                GBytes                    *client_data_json,
                GBytes                    *object,
                int                        expected)
{
  g_autoptr(SesameRegistration) registration = NULL;
  g_autoptr(GError) error = NULL;

  registration = sesame_verify_registration (options, client_data_json, object, &error);
  if (expected == VERIFIES)
    {
      g_assert_no_error (error);
      g_assert_nonnull (registration);
      return;
    }
  g_assert_null (registration);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, expected);
  g_test_message ("refused as expected: %s", error->message);
}

/* Helpers: the upstream vectors */

typedef struct
{
  GBytes  *client_data_json;
  GBytes  *attestation_object;
  GBytes  *challenge;
  GStrv    origins;
  GStrv    rp_ids;
  gint64   verification_time;
  gboolean require_user_verification;
} Vector;

static void
vector_free (Vector *vector)
{
  g_bytes_unref (vector->client_data_json);
  g_bytes_unref (vector->attestation_object);
  g_bytes_unref (vector->challenge);
  g_strfreev (vector->origins);
  g_strfreev (vector->rp_ids);
  g_free (vector);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Vector, vector_free)

static GStrv
strv_member (JsonObject *object,
             const char *member)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  JsonArray *array = json_object_get_array_member (object, member);
  GStrv strv;

  for (guint i = 0; i < json_array_get_length (array); i++)
    g_strv_builder_add (builder, json_array_get_string_element (array, i));
  strv = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return strv;
}

static GBytes *
base64url_member (JsonObject *object,
                  const char *member)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = sesame_base64url_decode (json_object_get_string_member (object, member),
                                           &error);

  g_assert_no_error (error);
  return bytes;
}

static Vector *
load_vector (const char *name)
{
  JsonArray *cases = json_object_get_array_member (json_node_get_object (
                       json_parser_get_root (vectors)), "cases");

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      JsonObject *response;
      Vector *vector;
      const char *time;

      if (!g_str_equal (json_object_get_string_member (c, "name"), name))
        continue;

      response = json_object_get_object_member (json_object_get_object_member (c, "credential"),
                                                "response");
      vector = g_new0 (Vector, 1);
      vector->client_data_json = base64url_member (response, "clientDataJSON");
      vector->attestation_object = base64url_member (response, "attestationObject");
      vector->challenge = base64url_member (c, "expectedChallenge");
      vector->origins = strv_member (c, "expectedOrigin");
      vector->rp_ids = strv_member (c, "expectedRPID");
      vector->require_user_verification = json_object_get_boolean_member (c,
                                            "requireUserVerification");
      time = json_object_get_string_member_with_default (c, "verificationTime", NULL);
      if (time)
        {
          g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (time, NULL);

          g_assert_nonnull (when);
          vector->verification_time = g_date_time_to_unix (when);
        }
      return vector;
    }
  g_error ("no vector called %s", name);
}

/* SafetyNet's freshness and CTS checks are off here; the tests that are
 * about them turn them on. */
static void
vector_options (const Vector        *vector,
                SesameVerifyOptions *options)
{
  sesame_verify_options_init (options);
  options->challenge = vector->challenge;
  options->origins = (const char * const *) vector->origins;
  options->rp_ids = (const char * const *) vector->rp_ids;
  options->verification_time = vector->verification_time;
  options->require_user_verification = vector->require_user_verification;
  options->safetynet_enforce_cts = FALSE;
  options->safetynet_max_age_ms = 0;
}

static cbor_item_t *
vector_object (const Vector *vector)
{
  g_autoptr(GError) error = NULL;
  cbor_item_t *object = sesame_cbor_load (g_bytes_get_data (vector->attestation_object, NULL),
                                          g_bytes_get_size (vector->attestation_object),
                                          NULL, "vector", &error);

  g_assert_no_error (error);
  return object;
}

static cbor_item_t *
vector_statement (const cbor_item_t *object)
{
  cbor_item_t *statement = sesame_cbor_map_get_str (object, "attStmt");

  g_assert_true (statement && cbor_isa_map (statement));
  return statement;
}

/* The vector with its attStmt member key set to value (NULL: removed). */
static void
assert_vector_statement_change (const char  *name,
                                const char  *key,
                                cbor_item_t *value,
                                int          expected)
{
  g_autoptr(Vector) vector = load_vector (name);
  g_autoptr(cbor_item_t) object = vector_object (vector);
  g_autoptr(cbor_item_t) statement = map_with (vector_statement (object), key, value);
  g_autoptr(cbor_item_t) changed = map_with (object, "attStmt", statement);
  g_autoptr(GBytes) bytes = serialize (changed);
  SesameVerifyOptions options;

  vector_options (vector, &options);
  assert_outcome (&options, vector->client_data_json, bytes, expected);
}

/* clientDataJSON with one more member. Every client-data check still
 * passes (extra members are allowed), but its hash is different. */
static GBytes *
client_data_with_extra_member (GBytes *client_data_json)
{
  gsize len;
  const char *json = g_bytes_get_data (client_data_json, &len);
  GString *changed;

  g_assert_cmpuint (len, >, 2);
  g_assert_cmpint (json[len - 1], ==, '}');
  changed = g_string_new_len (json, (gssize) len - 1);
  g_string_append (changed, ",\"sesameTest\":\"extra\"}");
  return g_string_free_to_bytes (changed);
}

static void
assert_vector_client_data_changed (const char *name,
                                   int         expected)
{
  g_autoptr(Vector) vector = load_vector (name);
  g_autoptr(GBytes) client_data = client_data_with_extra_member (vector->client_data_json);
  SesameVerifyOptions options;

  vector_options (vector, &options);
  assert_outcome (&options, vector->client_data_json, vector->attestation_object, VERIFIES);
  assert_outcome (&options, client_data, vector->attestation_object, expected);
}

static void
assert_vector_verifies (const char            *name,
                        SesameAttestationType  type,
                        guint                  n_certificates)
{
  g_autoptr(Vector) vector = load_vector (name);
  g_autoptr(SesameRegistration) registration = NULL;
  g_autoptr(GError) error = NULL;
  SesameVerifyOptions options;

  vector_options (vector, &options);
  registration = sesame_verify_registration (&options, vector->client_data_json,
                                             vector->attestation_object, &error);
  g_assert_no_error (error);
  g_assert_cmpint (registration->attestation_type, ==, type);
  g_assert_cmpuint (registration->certificates->len, ==, n_certificates);
  /* No anchors are configured here, so nothing can be anchored. */
  g_assert_false (registration->trust_anchored);
}

/* Helpers: keys, certificates and ceremonies made here */

static GBytes *
certificate_der (X509 *cert)
{
  int len = i2d_X509 (cert, NULL);
  guint8 *der, *p;

  g_assert_cmpint (len, >, 0);
  der = p = g_malloc ((gsize) len);
  g_assert_cmpint (i2d_X509 (cert, &p), ==, len);
  return g_bytes_new_take (der, (gsize) len);
}

static void
add_config_extension (X509       *cert,
                      X509       *issuer,
                      int         nid,
                      const char *value)
{
  X509V3_CTX ctx;
  X509_EXTENSION *ext;

  X509V3_set_ctx (&ctx, issuer, cert, NULL, NULL, 0);
  ext = X509V3_EXT_nconf_nid (NULL, &ctx, nid, value);
  g_assert_nonnull (ext);
  g_assert_cmpint (X509_add_ext (cert, ext, -1), ==, 1);
  X509_EXTENSION_free (ext);
}

static void
add_raw_extension (X509         *cert,
                   const char   *oid,
                   const guint8 *der,
                   gsize         len)
{
  g_autoptr(ASN1_OBJECT) object = OBJ_txt2obj (oid, 1);
  ASN1_OCTET_STRING *value = ASN1_OCTET_STRING_new ();
  X509_EXTENSION *ext;

  g_assert_cmpint (ASN1_OCTET_STRING_set (value, der, (int) len), ==, 1);
  ext = X509_EXTENSION_create_by_OBJ (NULL, object, 0, value);
  g_assert_nonnull (ext);
  g_assert_cmpint (X509_add_ext (cert, ext, -1), ==, 1);
  X509_EXTENSION_free (ext);
  ASN1_OCTET_STRING_free (value);
}

/* A certificate for key, issued by the test CA (or self-signed when
 * issuer is NULL). */
static X509 *
new_certificate (const char *cn,
                 EVP_PKEY   *key,
                 X509       *issuer,
                 EVP_PKEY   *issuer_key,
                 const char *san)
{
  static long serial = 1;
  X509 *cert = X509_new ();
  X509_NAME *name = X509_get_subject_name (cert);

  X509_set_version (cert, X509_VERSION_3);
  ASN1_INTEGER_set (X509_get_serialNumber (cert), serial++);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC, (const guint8 *) cn, -1, -1, 0);
  X509_set_issuer_name (cert, issuer ? X509_get_subject_name (issuer) : name);
  X509_gmtime_adj (X509_getm_notBefore (cert), -86400);
  X509_gmtime_adj (X509_getm_notAfter (cert), 86400);
  X509_set_pubkey (cert, key);
  if (!issuer)
    add_config_extension (cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  if (san)
    add_config_extension (cert, issuer ? issuer : cert, NID_subject_alt_name, san);
  return cert;
}

static void
sign_certificate (X509 *cert)
{
  g_assert_cmpint (X509_sign (cert, ca_key, EVP_sha256 ()), >, 0);
}

static GBytes *
sign_es256 (EVP_PKEY     *key,
            const guint8 *data,
            gsize         len)
{
  g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  size_t sig_len = 0;
  guint8 *sig;

  g_assert_cmpint (EVP_DigestSignInit_ex (ctx, NULL, "SHA256", NULL, NULL, key, NULL), ==, 1);
  g_assert_cmpint (EVP_DigestSign (ctx, NULL, &sig_len, data, len), ==, 1);
  sig = g_malloc (sig_len);
  g_assert_cmpint (EVP_DigestSign (ctx, sig, &sig_len, data, len), ==, 1);
  return g_bytes_new_take (sig, sig_len);
}

static void
sha256 (const guint8 *data,
        gsize         len,
        guint8        digest[32])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize digest_len = 32;

  g_checksum_update (checksum, data, (gssize) len);
  g_checksum_get_digest (checksum, digest, &digest_len);
}

static cbor_item_t *
cose_key_es256 (EVP_PKEY *key)
{
  g_autoptr(BIGNUM) x = NULL;
  g_autoptr(BIGNUM) y = NULL;
  guint8 xb[32], yb[32];
  cbor_item_t *map = cbor_new_definite_map (5);

  g_assert_cmpint (EVP_PKEY_get_bn_param (key, OSSL_PKEY_PARAM_EC_PUB_X, &x), ==, 1);
  g_assert_cmpint (EVP_PKEY_get_bn_param (key, OSSL_PKEY_PARAM_EC_PUB_Y, &y), ==, 1);
  g_assert_cmpint (BN_bn2binpad (x, xb, 32), ==, 32);
  g_assert_cmpint (BN_bn2binpad (y, yb, 32), ==, 32);

  cbor_map_add (map, (struct cbor_pair) { cbor_move (cbor_build_uint8 (1)),
                                          cbor_move (cbor_build_uint8 (2)) });   /* kty: EC2 */
  cbor_map_add (map, (struct cbor_pair) { cbor_move (cbor_build_uint8 (3)),
                                          cbor_move (cbor_build_negint8 (6)) }); /* alg: -7 */
  cbor_map_add (map, (struct cbor_pair) { cbor_move (cbor_build_negint8 (0)),
                                          cbor_move (cbor_build_uint8 (1)) });   /* crv: P-256 */
  cbor_map_add (map, (struct cbor_pair) { cbor_move (cbor_build_negint8 (1)),
                                          cbor_move (cbor_build_bytestring (xb, 32)) });
  cbor_map_add (map, (struct cbor_pair) { cbor_move (cbor_build_negint8 (2)),
                                          cbor_move (cbor_build_bytestring (yb, 32)) });
  return map;
}

/* What a browser and an authenticator would produce for example.org, up
 * to the attestation statement. */
typedef struct
{
  GBytes *challenge;
  GBytes *client_data_json;
  guint8  client_data_hash[32];
  GBytes *auth_data;
  GBytes *signed_data;   /* auth_data ‖ client_data_hash */
} Ceremony;

static void
ceremony_free (Ceremony *ceremony)
{
  g_bytes_unref (ceremony->challenge);
  g_bytes_unref (ceremony->client_data_json);
  g_bytes_unref (ceremony->auth_data);
  g_bytes_unref (ceremony->signed_data);
  g_free (ceremony);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Ceremony, ceremony_free)

static Ceremony *
new_ceremony (EVP_PKEY *credential_key)
{
  static const guint8 challenge[32] = "0123456789abcdef0123456789abcdef";
  static const guint8 credential_id[16] = "sesame-cred-id-0";
  g_autoptr(cbor_item_t) cose_key = cose_key_es256 (credential_key);
  g_autoptr(GBytes) cose = serialize (cose_key);
  g_autofree char *challenge_text = sesame_base64url_encode (challenge, sizeof challenge);
  g_autofree char *json = NULL;
  Ceremony *ceremony = g_new0 (Ceremony, 1);
  GByteArray *data = g_byte_array_new ();
  guint8 rp_id_hash[32];
  const guint8 header[] = { 0x41, 0, 0, 0, 0 };   /* UP | AT, signCount 0 */
  const guint8 id_len[] = { 0, sizeof credential_id };
  const guint8 aaguid[16] = { 0 };

  ceremony->challenge = g_bytes_new_static (challenge, sizeof challenge);
  json = g_strdup_printf ("{\"type\":\"webauthn.create\",\"challenge\":\"%s\","
                          "\"origin\":\"https://example.org\",\"crossOrigin\":false}",
                          challenge_text);
  ceremony->client_data_json = g_bytes_new (json, strlen (json));
  sha256 ((const guint8 *) json, strlen (json), ceremony->client_data_hash);

  sha256 ((const guint8 *) "example.org", strlen ("example.org"), rp_id_hash);
  g_byte_array_append (data, rp_id_hash, 32);
  g_byte_array_append (data, header, sizeof header);
  g_byte_array_append (data, aaguid, sizeof aaguid);
  g_byte_array_append (data, id_len, sizeof id_len);
  g_byte_array_append (data, credential_id, sizeof credential_id);
  g_byte_array_append (data, g_bytes_get_data (cose, NULL), g_bytes_get_size (cose));
  ceremony->auth_data = g_bytes_new (data->data, data->len);

  g_byte_array_append (data, ceremony->client_data_hash, 32);
  ceremony->signed_data = g_byte_array_free_to_bytes (data);
  return ceremony;
}

static void
ceremony_options (const Ceremony      *ceremony,
                  SesameVerifyOptions *options)
{
  sesame_verify_options_init (options);
  options->challenge = ceremony->challenge;
  options->origins = test_origins;
  options->rp_ids = test_rp_ids;
  options->verification_time = TEST_TIME;
}

static cbor_item_t *
x5c_item (X509 *leaf)
{
  g_autoptr(GBytes) leaf_der = certificate_der (leaf);
  g_autoptr(GBytes) ca_der = certificate_der (ca_cert);
  cbor_item_t *x5c = cbor_new_definite_array (2);

  cbor_array_push (x5c, cbor_move (bytes_item (leaf_der)));
  cbor_array_push (x5c, cbor_move (bytes_item (ca_der)));
  return x5c;
}

/* Helpers: a small DER writer for the extensions made here */

enum { DER_UNIVERSAL = 0, DER_CONTEXT = 2 };

static void
der_append (GByteArray   *out,
            guint8        cls,
            gboolean      constructed,
            guint32       tag,
            const guint8 *content,
            gsize         len)
{
  guint8 first = (guint8) (cls << 6 | (constructed ? 0x20 : 0));

  if (tag < 31)
    {
      first |= (guint8) tag;
      g_byte_array_append (out, &first, 1);
    }
  else
    {
      guint8 groups[5];
      int n = 0;

      first |= 0x1f;
      g_byte_array_append (out, &first, 1);
      do
        {
          groups[n++] = tag & 0x7f;
          tag >>= 7;
        }
      while (tag);
      while (n-- > 0)
        {
          guint8 b = groups[n] | (n ? 0x80 : 0);
          g_byte_array_append (out, &b, 1);
        }
    }

  g_assert_cmpuint (len, <, 0x10000);
  if (len < 0x80)
    g_byte_array_append (out, (guint8[]) { (guint8) len }, 1);
  else if (len < 0x100)
    g_byte_array_append (out, (guint8[]) { 0x81, (guint8) len }, 2);
  else
    g_byte_array_append (out, (guint8[]) { 0x82, (guint8) (len >> 8), (guint8) len }, 3);
  g_byte_array_append (out, content, (guint) len);
}

static void
der_wrap (GByteArray *out,
          guint8      cls,
          guint32     tag,
          GByteArray *inner)
{
  der_append (out, cls, TRUE, tag, inner->data, inner->len);
}

/* INTEGER (2) or ENUMERATED (10) of a small non-negative value */
static void
der_small_int (GByteArray *out,
               guint32     tag,
               guint32     value)
{
  guint8 buf[5];
  int n = 0;

  do
    {
      buf[4 - n++] = value & 0xff;
      value >>= 8;
    }
  while (value);
  if (buf[5 - n] & 0x80)
    buf[4 - n++] = 0;
  der_append (out, DER_UNIVERSAL, FALSE, tag, buf + 5 - n, (gsize) n);
}

/* Helpers: android-key */

typedef struct
{
  const char *path;
  int         tee_purposes;       /* bit n: purpose n listed; -1: no purpose field */
  int         tee_origin;         /* -1: no origin field */
  gboolean    tee_all_applications;
  int         software_purposes;
  int         software_origin;
  gboolean    software_all_applications;
  gboolean    wrong_challenge;
  gboolean    no_extension;
  gboolean    truncated;          /* KeyDescription ends after uniqueId */
  gboolean    other_credential;   /* the credential is not the leaf's key */
  int         expected;
} AndroidKeyCase;

#define PURPOSES_SIGN_VERIFY (1 << KM_PURPOSE_SIGN | 1 << KM_PURPOSE_VERIFY)

/* [tag] EXPLICIT INTEGER value */
static void
der_explicit_int (GByteArray *list,
                  guint32     tag,
                  guint32     value)
{
  g_autoptr(GByteArray) field = g_byte_array_new ();

  der_small_int (field, 2, value);
  der_wrap (list, DER_CONTEXT, tag, field);
}

static GByteArray *
authorization_list (int      purposes,
                    int      origin,
                    gboolean all_applications)
{
  GByteArray *list = g_byte_array_new ();

  if (purposes >= 0)
    {
      g_autoptr(GByteArray) set = g_byte_array_new ();
      g_autoptr(GByteArray) field = g_byte_array_new ();

      for (guint32 p = 0; p < 8; p++)
        if (purposes & (1 << p))
          der_small_int (set, 2, p);
      der_append (field, DER_UNIVERSAL, TRUE, 17, set->data, set->len);
      der_wrap (list, DER_CONTEXT, 1, field);
    }
  /* ecCurve [10] P-256: a field the verifier has to step over */
  der_explicit_int (list, 10, 1);
  if (all_applications)
    {
      g_autoptr(GByteArray) field = g_byte_array_new ();

      der_append (field, DER_UNIVERSAL, FALSE, 5, NULL, 0);
      der_wrap (list, DER_CONTEXT, 600, field);
    }
  if (origin >= 0)
    der_explicit_int (list, 702, (guint32) origin);
  return list;
}

static GByteArray *
key_description (const AndroidKeyCase *test,
                 const guint8          challenge[32])
{
  g_autoptr(GByteArray) fields = g_byte_array_new ();
  g_autoptr(GByteArray) software = authorization_list (test->software_purposes,
                                                       test->software_origin,
                                                       test->software_all_applications);
  g_autoptr(GByteArray) tee = authorization_list (test->tee_purposes, test->tee_origin,
                                                  test->tee_all_applications);
  GByteArray *description = g_byte_array_new ();
  guint8 wrong[32];

  memcpy (wrong, challenge, 32);
  wrong[0] ^= 0xff;
  der_small_int (fields, 2, 3);      /* attestationVersion */
  der_small_int (fields, 10, 1);     /* attestationSecurityLevel: TrustedEnvironment */
  der_small_int (fields, 2, 4);      /* keymasterVersion */
  der_small_int (fields, 10, 1);     /* keymasterSecurityLevel */
  der_append (fields, DER_UNIVERSAL, FALSE, 4, test->wrong_challenge ? wrong : challenge, 32);
  der_append (fields, DER_UNIVERSAL, FALSE, 4, NULL, 0);   /* uniqueId */
  if (!test->truncated)
    {
      der_wrap (fields, DER_UNIVERSAL, 16, software);
      der_wrap (fields, DER_UNIVERSAL, 16, tee);
    }
  der_wrap (description, DER_UNIVERSAL, 16, fields);
  return description;
}

static void
test_android_key_generated (gconstpointer data)
{
  const AndroidKeyCase *test = data;
  g_autoptr(EVP_PKEY) leaf_key = EVP_EC_gen ("P-256");
  g_autoptr(EVP_PKEY) other_key = EVP_EC_gen ("P-256");
  g_autoptr(Ceremony) ceremony = new_ceremony (test->other_credential ? other_key : leaf_key);
  g_autoptr(X509) leaf = new_certificate ("Android Keystore Key", leaf_key, ca_cert, ca_key, NULL);
  g_autoptr(GBytes) sig = NULL;
  g_autoptr(GBytes) object = NULL;
  g_autoptr(cbor_item_t) statement = cbor_new_definite_map (3);
  SesameVerifyOptions options;

  if (!test->no_extension)
    {
      g_autoptr(GByteArray) description = key_description (test, ceremony->client_data_hash);

      add_raw_extension (leaf, OID_ANDROID_KEY_DESCRIPTION, description->data, description->len);
    }
  sign_certificate (leaf);

  sig = sign_es256 (leaf_key, g_bytes_get_data (ceremony->signed_data, NULL),
                    g_bytes_get_size (ceremony->signed_data));
  cbor_map_add (statement, (struct cbor_pair) { cbor_move (cbor_build_string ("alg")),
                                                cbor_move (cbor_build_negint8 (6)) });
  cbor_map_add (statement, (struct cbor_pair) { cbor_move (cbor_build_string ("sig")),
                                                cbor_move (bytes_item (sig)) });
  cbor_map_add (statement, (struct cbor_pair) { cbor_move (cbor_build_string ("x5c")),
                                                cbor_move (x5c_item (leaf)) });
  object = attestation_object ("android-key", statement, ceremony->auth_data);

  ceremony_options (ceremony, &options);
  assert_outcome (&options, ceremony->client_data_json, object, test->expected);
}

static const AndroidKeyCase android_key_cases[] = {
  { "/sesame/attestation/android-key/generated/verifies",
    PURPOSES_SIGN_VERIFY, KM_ORIGIN_GENERATED, FALSE, -1, -1, FALSE,
    .expected = VERIFIES },
  /* The union of both lists counts: sign may come from softwareEnforced. */
  { "/sesame/attestation/android-key/generated/sign-purpose-in-software-list",
    -1, KM_ORIGIN_GENERATED, FALSE, 1 << KM_PURPOSE_SIGN, -1, FALSE,
    .expected = VERIFIES },
  { "/sesame/attestation/android-key/generated/all-applications-tee",
    PURPOSES_SIGN_VERIFY, KM_ORIGIN_GENERATED, TRUE, -1, -1, FALSE,
    .expected = SESAME_WEBAUTHN_ERROR_ANDROID_KEY_AUTHORIZATION },
  { "/sesame/attestation/android-key/generated/all-applications-software",
    PURPOSES_SIGN_VERIFY, KM_ORIGIN_GENERATED, FALSE, -1, -1, TRUE,
    .expected = SESAME_WEBAUTHN_ERROR_ANDROID_KEY_AUTHORIZATION },
  { "/sesame/attestation/android-key/generated/origin-imported",
    PURPOSES_SIGN_VERIFY, KM_ORIGIN_IMPORTED, FALSE, -1, -1, FALSE,
    .expected = SESAME_WEBAUTHN_ERROR_ANDROID_KEY_AUTHORIZATION },
  { "/sesame/attestation/android-key/generated/origin-imported-in-software-list",
    PURPOSES_SIGN_VERIFY, KM_ORIGIN_GENERATED, FALSE, -1, KM_ORIGIN_IMPORTED, FALSE,
    .expected = SESAME_WEBAUTHN_ERROR_ANDROID_KEY_AUTHORIZATION },
  { "/sesame/attestation/android-key/generated/purpose-without-sign",
    1 << KM_PURPOSE_ENCRYPT | 1 << KM_PURPOSE_VERIFY, KM_ORIGIN_GENERATED, FALSE, -1, -1, FALSE,
    .expected = SESAME_WEBAUTHN_ERROR_ANDROID_KEY_AUTHORIZATION },
  { "/sesame/attestation/android-key/generated/challenge-mismatch",
    PURPOSES_SIGN_VERIFY, KM_ORIGIN_GENERATED, FALSE, -1, -1, FALSE,
    .wrong_challenge = TRUE,
    .expected = SESAME_WEBAUTHN_ERROR_ATTESTATION_NONCE_MISMATCH },
  { "/sesame/attestation/android-key/generated/no-key-description",
    PURPOSES_SIGN_VERIFY, KM_ORIGIN_GENERATED, FALSE, -1, -1, FALSE,
    .no_extension = TRUE,
    .expected = SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID },
  { "/sesame/attestation/android-key/generated/truncated-key-description",
    PURPOSES_SIGN_VERIFY, KM_ORIGIN_GENERATED, FALSE, -1, -1, FALSE,
    .truncated = TRUE,
    .expected = SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID },
  { "/sesame/attestation/android-key/generated/certificate-for-other-key",
    PURPOSES_SIGN_VERIFY, KM_ORIGIN_GENERATED, FALSE, -1, -1, FALSE,
    .other_credential = TRUE,
    .expected = SESAME_WEBAUTHN_ERROR_ATTESTATION_PUBLIC_KEY_MISMATCH },
};

static void
test_android_key_vector_verifies (void)
{
  assert_vector_verifies (ANDROID_KEY_VECTOR, SESAME_ATTESTATION_TYPE_BASIC, 2);
}

static void
test_android_key_vector_bad_signature (void)
{
  g_autoptr(Vector) vector = load_vector (ANDROID_KEY_VECTOR);
  g_autoptr(cbor_item_t) object = vector_object (vector);
  cbor_item_t *sig = sesame_cbor_map_get_str (vector_statement (object), "sig");
  g_autoptr(GByteArray) changed = g_byte_array_new ();
  g_autoptr(cbor_item_t) changed_sig = NULL;

  g_assert_true (sesame_cbor_is_bytes (sig));
  g_byte_array_append (changed, cbor_bytestring_handle (sig), cbor_bytestring_length (sig));
  /* The last byte of s: still a well-formed DER signature, a wrong one. */
  changed->data[changed->len - 1] ^= 0x01;
  changed_sig = cbor_build_bytestring (changed->data, changed->len);
  assert_vector_statement_change (ANDROID_KEY_VECTOR, "sig", changed_sig,
                                  SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID);
}

static void
test_android_key_vector_client_data_changed (void)
{
  /* The signature covers the client data hash. */
  assert_vector_client_data_changed (ANDROID_KEY_VECTOR,
                                     SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID);
}

static void
test_android_key_vector_alg_mismatch (void)
{
  g_autoptr(cbor_item_t) rs256 = cbor_build_negint16 (256);

  /* An ECDSA signature claimed as RS256 */
  assert_vector_statement_change (ANDROID_KEY_VECTOR, "alg", rs256,
                                  SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID);
}

static void
test_android_key_vector_alg_unsupported (void)
{
  g_autoptr(cbor_item_t) alg = cbor_build_negint16 (999);

  assert_vector_statement_change (ANDROID_KEY_VECTOR, "alg", alg,
                                  SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM);
}

static void
test_android_key_vector_alg_not_integer (void)
{
  g_autoptr(cbor_item_t) alg = cbor_build_string ("ES256");

  assert_vector_statement_change (ANDROID_KEY_VECTOR, "alg", alg,
                                  SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT);
}

static void
test_android_key_vector_no_sig (void)
{
  assert_vector_statement_change (ANDROID_KEY_VECTOR, "sig", NULL,
                                  SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT);
}

static void
test_android_key_vector_no_x5c (void)
{
  assert_vector_statement_change (ANDROID_KEY_VECTOR, "x5c", NULL,
                                  SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT);
}

static void
test_android_key_vector_empty_x5c (void)
{
  g_autoptr(cbor_item_t) x5c = cbor_new_definite_array (0);

  assert_vector_statement_change (ANDROID_KEY_VECTOR, "x5c", x5c,
                                  SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT);
}

/* Helpers: apple */

typedef struct
{
  const char *path;
  gboolean    wrong_nonce;
  gboolean    no_extension;
  gboolean    wrong_tag;          /* [2] instead of [1] around the nonce */
  gboolean    other_credential;
  int         expected;
} AppleCase;

static void
test_apple_generated (gconstpointer data)
{
  const AppleCase *test = data;
  g_autoptr(EVP_PKEY) leaf_key = EVP_EC_gen ("P-256");
  g_autoptr(EVP_PKEY) other_key = EVP_EC_gen ("P-256");
  g_autoptr(Ceremony) ceremony = new_ceremony (test->other_credential ? other_key : leaf_key);
  g_autoptr(X509) leaf = new_certificate ("Apple Anonymous Attestation", leaf_key,
                                          ca_cert, ca_key, NULL);
  g_autoptr(cbor_item_t) statement = cbor_new_definite_map (1);
  g_autoptr(GBytes) object = NULL;
  SesameVerifyOptions options;

  if (!test->no_extension)
    {
      g_autoptr(GByteArray) octets = g_byte_array_new ();
      g_autoptr(GByteArray) tagged = g_byte_array_new ();
      g_autoptr(GByteArray) extension = g_byte_array_new ();
      guint8 nonce[32];

      sha256 (g_bytes_get_data (ceremony->signed_data, NULL),
              g_bytes_get_size (ceremony->signed_data), nonce);
      if (test->wrong_nonce)
        nonce[31] ^= 0x01;
      der_append (octets, DER_UNIVERSAL, FALSE, 4, nonce, sizeof nonce);
      der_wrap (tagged, DER_CONTEXT, test->wrong_tag ? 2 : 1, octets);
      der_wrap (extension, DER_UNIVERSAL, 16, tagged);
      add_raw_extension (leaf, OID_APPLE_NONCE, extension->data, extension->len);
    }
  sign_certificate (leaf);

  cbor_map_add (statement, (struct cbor_pair) { cbor_move (cbor_build_string ("x5c")),
                                                cbor_move (x5c_item (leaf)) });
  object = attestation_object ("apple", statement, ceremony->auth_data);

  ceremony_options (ceremony, &options);
  assert_outcome (&options, ceremony->client_data_json, object, test->expected);
}

static const AppleCase apple_cases[] = {
  { "/sesame/attestation/apple/generated/verifies",
    .expected = VERIFIES },
  { "/sesame/attestation/apple/generated/nonce-mismatch",
    .wrong_nonce = TRUE, .expected = SESAME_WEBAUTHN_ERROR_ATTESTATION_NONCE_MISMATCH },
  { "/sesame/attestation/apple/generated/no-nonce-extension",
    .no_extension = TRUE, .expected = SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID },
  { "/sesame/attestation/apple/generated/nonce-extension-wrong-tag",
    .wrong_tag = TRUE, .expected = SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID },
  { "/sesame/attestation/apple/generated/certificate-for-other-key",
    .other_credential = TRUE, .expected = SESAME_WEBAUTHN_ERROR_ATTESTATION_PUBLIC_KEY_MISMATCH },
};

static void
test_apple_vector_verifies (void)
{
  assert_vector_verifies (APPLE_VECTOR, SESAME_ATTESTATION_TYPE_ANONCA, 2);
}

static void
test_apple_vector_client_data_changed (void)
{
  /* Nothing is signed; the nonce in the certificate is what binds it. */
  assert_vector_client_data_changed (APPLE_VECTOR,
                                     SESAME_WEBAUTHN_ERROR_ATTESTATION_NONCE_MISMATCH);
}

static void
test_apple_vector_no_x5c (void)
{
  assert_vector_statement_change (APPLE_VECTOR, "x5c", NULL,
                                  SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT);
}

static void
test_apple_vector_x5c_not_bytes (void)
{
  g_autoptr(cbor_item_t) x5c = cbor_new_definite_array (1);

  cbor_array_push (x5c, cbor_move (cbor_build_string ("MIIB")));
  assert_vector_statement_change (APPLE_VECTOR, "x5c", x5c,
                                  SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT);
}

static void
test_apple_vector_intermediate_first (void)
{
  g_autoptr(Vector) vector = load_vector (APPLE_VECTOR);
  g_autoptr(cbor_item_t) object = vector_object (vector);
  cbor_item_t *x5c = sesame_cbor_map_get_str (vector_statement (object), "x5c");
  g_autoptr(cbor_item_t) reversed = cbor_new_definite_array (2);

  /* The CA certificate in the leaf's place has no nonce extension. */
  g_assert_cmpuint (cbor_array_size (x5c), ==, 2);
  cbor_array_push (reversed, cbor_array_handle (x5c)[1]);
  cbor_array_push (reversed, cbor_array_handle (x5c)[0]);
  assert_vector_statement_change (APPLE_VECTOR, "x5c", reversed,
                                  SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID);
}

/* Helpers: android-safetynet */

typedef struct
{
  const char *path;
  const char *cn;
  const char *san;               /* NULL: no subjectAltName */
  int         cts;               /* ctsProfileMatch: 1 true, 0 false, -1 absent */
  gint64      age_ms;            /* timestampMs is this long before the verification time */
  gboolean    der_signature;     /* ES256 signature left in DER instead of r ‖ s */
  gboolean    base64url_nonce;   /* the right nonce in the wrong alphabet */
  int         expected;
} SafetyNetCase;

static char *
jws_part (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *json = NULL;

  json_generator_set_root (generator, root);
  json = json_generator_to_data (generator, NULL);
  return sesame_base64url_encode ((const guint8 *) json, strlen (json));
}

/* DER ECDSA-Sig-Value to the JWS form, r ‖ s of 32 bytes each */
static GBytes *
raw_ecdsa_signature (GBytes *der)
{
  const guint8 *p = g_bytes_get_data (der, NULL);
  ECDSA_SIG *sig = d2i_ECDSA_SIG (NULL, &p, (long) g_bytes_get_size (der));
  guint8 *raw = g_malloc (64);

  g_assert_nonnull (sig);
  g_assert_cmpint (BN_bn2binpad (ECDSA_SIG_get0_r (sig), raw, 32), ==, 32);
  g_assert_cmpint (BN_bn2binpad (ECDSA_SIG_get0_s (sig), raw + 32, 32), ==, 32);
  ECDSA_SIG_free (sig);
  return g_bytes_new_take (raw, 64);
}

static void
test_safetynet_generated (gconstpointer data)
{
  const SafetyNetCase *test = data;
  g_autoptr(EVP_PKEY) credential_key = EVP_EC_gen ("P-256");
  g_autoptr(EVP_PKEY) leaf_key = EVP_EC_gen ("P-256");
  g_autoptr(Ceremony) ceremony = new_ceremony (credential_key);
  g_autoptr(X509) leaf = new_certificate (test->cn, leaf_key, ca_cert, ca_key, test->san);
  g_autoptr(JsonBuilder) header = json_builder_new ();
  g_autoptr(JsonBuilder) payload = json_builder_new ();
  g_autoptr(GBytes) leaf_der = NULL;
  g_autoptr(GBytes) ca_der = NULL;
  g_autoptr(GBytes) der_sig = NULL;
  g_autoptr(GBytes) sig = NULL;
  g_autoptr(GBytes) object = NULL;
  g_autoptr(cbor_item_t) statement = cbor_new_definite_map (2);
  g_autofree char *leaf_b64 = NULL;
  g_autofree char *ca_b64 = NULL;
  g_autofree char *header_part = NULL;
  g_autofree char *payload_part = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *sig_part = NULL;
  g_autofree char *jws = NULL;
  g_autofree char *nonce = NULL;
  guint8 nonce_hash[32];
  SesameVerifyOptions options;

  sign_certificate (leaf);
  leaf_der = certificate_der (leaf);
  ca_der = certificate_der (ca_cert);
  leaf_b64 = g_base64_encode (g_bytes_get_data (leaf_der, NULL), g_bytes_get_size (leaf_der));
  ca_b64 = g_base64_encode (g_bytes_get_data (ca_der, NULL), g_bytes_get_size (ca_der));

  json_builder_begin_object (header);
  json_builder_set_member_name (header, "alg");
  json_builder_add_string_value (header, "ES256");
  json_builder_set_member_name (header, "x5c");
  json_builder_begin_array (header);
  json_builder_add_string_value (header, leaf_b64);
  json_builder_add_string_value (header, ca_b64);
  json_builder_end_array (header);
  json_builder_end_object (header);

  sha256 (g_bytes_get_data (ceremony->signed_data, NULL),
          g_bytes_get_size (ceremony->signed_data), nonce_hash);
  nonce = test->base64url_nonce ? sesame_base64url_encode (nonce_hash, 32)
                                : g_base64_encode (nonce_hash, 32);
  json_builder_begin_object (payload);
  json_builder_set_member_name (payload, "nonce");
  json_builder_add_string_value (payload, nonce);
  json_builder_set_member_name (payload, "timestampMs");
  json_builder_add_int_value (payload, TEST_TIME * 1000 - test->age_ms);
  json_builder_set_member_name (payload, "apkPackageName");
  json_builder_add_string_value (payload, "com.google.android.gms");
  if (test->cts >= 0)
    {
      json_builder_set_member_name (payload, "ctsProfileMatch");
      json_builder_add_boolean_value (payload, test->cts);
    }
  json_builder_set_member_name (payload, "basicIntegrity");
  json_builder_add_boolean_value (payload, TRUE);
  json_builder_end_object (payload);

  header_part = jws_part (header);
  payload_part = jws_part (payload);
  signing_input = g_strconcat (header_part, ".", payload_part, NULL);
  der_sig = sign_es256 (leaf_key, (const guint8 *) signing_input, strlen (signing_input));
  sig = test->der_signature ? g_bytes_ref (der_sig) : raw_ecdsa_signature (der_sig);
  sig_part = sesame_base64url_encode_bytes (sig);
  jws = g_strconcat (signing_input, ".", sig_part, NULL);

  cbor_map_add (statement, (struct cbor_pair) { cbor_move (cbor_build_string ("ver")),
                                                cbor_move (cbor_build_string ("234567")) });
  cbor_map_add (statement, (struct cbor_pair) {
    cbor_move (cbor_build_string ("response")),
    cbor_move (cbor_build_bytestring ((const guint8 *) jws, strlen (jws))) });
  object = attestation_object ("android-safetynet", statement, ceremony->auth_data);

  ceremony_options (ceremony, &options);
  options.safetynet_enforce_cts = TRUE;
  options.safetynet_max_age_ms = 60 * 1000;
  assert_outcome (&options, ceremony->client_data_json, object, test->expected);
}

#define SAFETYNET_HOST "attest.android.com"

static const SafetyNetCase safetynet_cases[] = {
  { "/sesame/attestation/android-safetynet/generated/verifies",
    SAFETYNET_HOST, "DNS:" SAFETYNET_HOST, 1, 5000, .expected = VERIFIES },
  /* Without a subjectAltName the subject CN names the host. */
  { "/sesame/attestation/android-safetynet/generated/host-in-cn-only",
    SAFETYNET_HOST, NULL, 1, 5000, .expected = VERIFIES },
  { "/sesame/attestation/android-safetynet/generated/other-host",
    "attest.example.com", "DNS:attest.example.com", 1, 5000,
    .expected = SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID },
  /* A subjectAltName that names other hosts wins over the CN. */
  { "/sesame/attestation/android-safetynet/generated/host-in-cn-but-not-in-san",
    SAFETYNET_HOST, "DNS:attest.example.com", 1, 5000,
    .expected = SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID },
  { "/sesame/attestation/android-safetynet/generated/wildcard-host",
    "*.android.com", "DNS:*.android.com", 1, 5000,
    .expected = SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID },
  { "/sesame/attestation/android-safetynet/generated/cts-profile-mismatch",
    SAFETYNET_HOST, "DNS:" SAFETYNET_HOST, 0, 5000,
    .expected = SESAME_WEBAUTHN_ERROR_SAFETYNET_DEVICE_INTEGRITY },
  { "/sesame/attestation/android-safetynet/generated/cts-profile-absent",
    SAFETYNET_HOST, "DNS:" SAFETYNET_HOST, -1, 5000,
    .expected = SESAME_WEBAUTHN_ERROR_SAFETYNET_DEVICE_INTEGRITY },
  { "/sesame/attestation/android-safetynet/generated/timestamp-too-old",
    SAFETYNET_HOST, "DNS:" SAFETYNET_HOST, 1, 2 * 60 * 1000,
    .expected = SESAME_WEBAUTHN_ERROR_SAFETYNET_TIMESTAMP },
  { "/sesame/attestation/android-safetynet/generated/timestamp-in-future",
    SAFETYNET_HOST, "DNS:" SAFETYNET_HOST, 1, -2 * 60 * 1000,
    .expected = SESAME_WEBAUTHN_ERROR_SAFETYNET_TIMESTAMP },
  /* Within the allowed clock skew */
  { "/sesame/attestation/android-safetynet/generated/timestamp-slightly-ahead",
    SAFETYNET_HOST, "DNS:" SAFETYNET_HOST, 1, -30 * 1000, .expected = VERIFIES },
  { "/sesame/attestation/android-safetynet/generated/der-signature",
    SAFETYNET_HOST, "DNS:" SAFETYNET_HOST, 1, 5000, .der_signature = TRUE,
    .expected = SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID },
  { "/sesame/attestation/android-safetynet/generated/nonce-base64url",
    SAFETYNET_HOST, "DNS:" SAFETYNET_HOST, 1, 5000, .base64url_nonce = TRUE,
    .expected = SESAME_WEBAUTHN_ERROR_ATTESTATION_NONCE_MISMATCH },
};

/* The vector's JWS as text, and a statement carrying another response */
static char *
vector_jws (const Vector *vector)
{
  g_autoptr(cbor_item_t) object = vector_object (vector);
  cbor_item_t *response = sesame_cbor_map_get_str (vector_statement (object), "response");

  g_assert_true (sesame_cbor_is_bytes (response));
  return g_strndup ((const char *) cbor_bytestring_handle (response),
                    cbor_bytestring_length (response));
}

static void
assert_safetynet_response (const char *jws,
                           int         expected)
{
  g_autoptr(cbor_item_t) response = cbor_build_bytestring ((const guint8 *) jws, strlen (jws));

  assert_vector_statement_change (SAFETYNET_VECTOR, "response", response, expected);
}

static void
test_safetynet_vector_verifies (void)
{
  assert_vector_verifies (SAFETYNET_VECTOR, SESAME_ATTESTATION_TYPE_BASIC, 3);
}

static void
test_safetynet_vector_cts_enforced (void)
{
  g_autoptr(Vector) vector = load_vector (SAFETYNET_VECTOR);
  SesameVerifyOptions options;

  /* This device's response says ctsProfileMatch: false. */
  vector_options (vector, &options);
  options.safetynet_enforce_cts = TRUE;
  assert_outcome (&options, vector->client_data_json, vector->attestation_object,
                  SESAME_WEBAUTHN_ERROR_SAFETYNET_DEVICE_INTEGRITY);
}

static void
test_safetynet_vector_timestamp (void)
{
  g_autoptr(Vector) vector = load_vector (SAFETYNET_VECTOR);
  gint64 when = vector->verification_time;
  SesameVerifyOptions options;

  /* The vector's verification time is its timestampMs. */
  vector_options (vector, &options);
  options.safetynet_max_age_ms = 60 * 1000;
  options.verification_time = when + 30;
  assert_outcome (&options, vector->client_data_json, vector->attestation_object, VERIFIES);
  options.verification_time = when + 3600;
  assert_outcome (&options, vector->client_data_json, vector->attestation_object,
                  SESAME_WEBAUTHN_ERROR_SAFETYNET_TIMESTAMP);
  options.verification_time = when - 3600;
  assert_outcome (&options, vector->client_data_json, vector->attestation_object,
                  SESAME_WEBAUTHN_ERROR_SAFETYNET_TIMESTAMP);
}

static void
test_safetynet_vector_client_data_changed (void)
{
  /* The JWS does not cover the client data; the nonce in its payload does. */
  assert_vector_client_data_changed (SAFETYNET_VECTOR,
                                     SESAME_WEBAUTHN_ERROR_ATTESTATION_NONCE_MISMATCH);
}

static void
change_part_char (char *jws,
                  int   part,
                  gsize offset)
{
  char *p = jws;

  for (int i = 0; i < part; i++)
    p = strchr (p, '.') + 1;
  p += offset;
  g_assert_true (*p && *p != '.');
  *p = *p == 'A' ? 'B' : 'A';
}

static void
test_safetynet_vector_bad_signature (void)
{
  g_autoptr(Vector) vector = load_vector (SAFETYNET_VECTOR);
  g_autofree char *jws = vector_jws (vector);

  change_part_char (jws, 2, 10);
  assert_safetynet_response (jws, SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID);
}

static void
test_safetynet_vector_payload_changed (void)
{
  g_autoptr(Vector) vector = load_vector (SAFETYNET_VECTOR);
  g_autofree char *jws = vector_jws (vector);

  change_part_char (jws, 1, 20);
  assert_safetynet_response (jws, SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID);
}

static void
test_safetynet_vector_alg_none (void)
{
  g_autoptr(Vector) vector = load_vector (SAFETYNET_VECTOR);
  g_autofree char *jws = vector_jws (vector);
  g_auto(GStrv) parts = g_strsplit (jws, ".", -1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) header = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *json = NULL;
  g_autofree char *changed = NULL;

  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  header = sesame_base64url_decode (parts[0], &error);
  g_assert_no_error (error);
  json_parser_load_from_data (parser, g_bytes_get_data (header, NULL),
                              (gssize) g_bytes_get_size (header), &error);
  g_assert_no_error (error);
  json_object_set_string_member (json_node_get_object (json_parser_get_root (parser)),
                                 "alg", "none");
  json_generator_set_root (generator, json_parser_get_root (parser));
  json = json_generator_to_data (generator, NULL);
  g_free (parts[0]);
  parts[0] = sesame_base64url_encode ((const guint8 *) json, strlen (json));
  changed = g_strjoinv (".", parts);
  assert_safetynet_response (changed, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT);
}

static void
test_safetynet_vector_not_compact_jws (void)
{
  g_autoptr(Vector) vector = load_vector (SAFETYNET_VECTOR);
  g_autofree char *jws = vector_jws (vector);
  g_autofree char *padded = NULL;

  /* Only header.payload */
  *strrchr (jws, '.') = '\0';
  assert_safetynet_response (jws, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT);

  /* base64url in JWS has no padding */
  g_free (jws);
  jws = vector_jws (vector);
  padded = g_strconcat (jws, "=", NULL);
  assert_safetynet_response (padded, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT);
}

static void
test_safetynet_vector_no_ver (void)
{
  assert_vector_statement_change (SAFETYNET_VECTOR, "ver", NULL,
                                  SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT);
}

static void
test_safetynet_vector_empty_ver (void)
{
  g_autoptr(cbor_item_t) ver = cbor_build_string ("");

  assert_vector_statement_change (SAFETYNET_VECTOR, "ver", ver,
                                  SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT);
}

static void
test_safetynet_vector_response_as_text (void)
{
  g_autoptr(Vector) vector = load_vector (SAFETYNET_VECTOR);
  g_autofree char *jws = vector_jws (vector);
  g_autoptr(cbor_item_t) response = cbor_build_string (jws);

  assert_vector_statement_change (SAFETYNET_VECTOR, "response", response,
                                  SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT);
}

static void
make_test_ca (void)
{
  ca_key = EVP_EC_gen ("P-256");
  ca_cert = new_certificate ("Sesame Test Attestation CA", ca_key, NULL, NULL, NULL);
  sign_certificate (ca_cert);
}

int
main (int argc, char **argv)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  path = g_test_build_filename (G_TEST_DIST, "vectors", "registration.json", NULL);
  vectors = json_parser_new ();
  if (!json_parser_load_from_file (vectors, path, &error))
    g_error ("%s: %s", path, error->message);
  make_test_ca ();

  for (gsize i = 0; i < G_N_ELEMENTS (android_key_cases); i++)
    g_test_add_data_func (android_key_cases[i].path, &android_key_cases[i],
                          test_android_key_generated);
  g_test_add_func ("/sesame/attestation/android-key/vector/verifies",
                   test_android_key_vector_verifies);
  g_test_add_func ("/sesame/attestation/android-key/vector/bad-signature",
                   test_android_key_vector_bad_signature);
  g_test_add_func ("/sesame/attestation/android-key/vector/client-data-changed",
                   test_android_key_vector_client_data_changed);
  g_test_add_func ("/sesame/attestation/android-key/vector/alg-mismatch",
                   test_android_key_vector_alg_mismatch);
  g_test_add_func ("/sesame/attestation/android-key/vector/alg-unsupported",
                   test_android_key_vector_alg_unsupported);
  g_test_add_func ("/sesame/attestation/android-key/vector/alg-not-integer",
                   test_android_key_vector_alg_not_integer);
  g_test_add_func ("/sesame/attestation/android-key/vector/no-sig",
                   test_android_key_vector_no_sig);
  g_test_add_func ("/sesame/attestation/android-key/vector/no-x5c",
                   test_android_key_vector_no_x5c);
  g_test_add_func ("/sesame/attestation/android-key/vector/empty-x5c",
                   test_android_key_vector_empty_x5c);

  for (gsize i = 0; i < G_N_ELEMENTS (apple_cases); i++)
    g_test_add_data_func (apple_cases[i].path, &apple_cases[i], test_apple_generated);
  g_test_add_func ("/sesame/attestation/apple/vector/verifies", test_apple_vector_verifies);
  g_test_add_func ("/sesame/attestation/apple/vector/client-data-changed",
                   test_apple_vector_client_data_changed);
  g_test_add_func ("/sesame/attestation/apple/vector/no-x5c", test_apple_vector_no_x5c);
  g_test_add_func ("/sesame/attestation/apple/vector/x5c-not-bytes",
                   test_apple_vector_x5c_not_bytes);
  g_test_add_func ("/sesame/attestation/apple/vector/intermediate-first",
                   test_apple_vector_intermediate_first);

  for (gsize i = 0; i < G_N_ELEMENTS (safetynet_cases); i++)
    g_test_add_data_func (safetynet_cases[i].path, &safetynet_cases[i],
                          test_safetynet_generated);
  g_test_add_func ("/sesame/attestation/android-safetynet/vector/verifies",
                   test_safetynet_vector_verifies);
  g_test_add_func ("/sesame/attestation/android-safetynet/vector/cts-enforced",
                   test_safetynet_vector_cts_enforced);
  g_test_add_func ("/sesame/attestation/android-safetynet/vector/timestamp",
                   test_safetynet_vector_timestamp);
  g_test_add_func ("/sesame/attestation/android-safetynet/vector/client-data-changed",
                   test_safetynet_vector_client_data_changed);
  g_test_add_func ("/sesame/attestation/android-safetynet/vector/bad-signature",
                   test_safetynet_vector_bad_signature);
  g_test_add_func ("/sesame/attestation/android-safetynet/vector/payload-changed",
                   test_safetynet_vector_payload_changed);
  g_test_add_func ("/sesame/attestation/android-safetynet/vector/alg-none",
                   test_safetynet_vector_alg_none);
  g_test_add_func ("/sesame/attestation/android-safetynet/vector/not-compact-jws",
                   test_safetynet_vector_not_compact_jws);
  g_test_add_func ("/sesame/attestation/android-safetynet/vector/no-ver",
                   test_safetynet_vector_no_ver);
  g_test_add_func ("/sesame/attestation/android-safetynet/vector/empty-ver",
                   test_safetynet_vector_empty_ver);
  g_test_add_func ("/sesame/attestation/android-safetynet/vector/response-as-text",
                   test_safetynet_vector_response_as_text);

  ret = g_test_run ();

  X509_free (ca_cert);
  EVP_PKEY_free (ca_key);
  g_object_unref (vectors);
  return ret;
}
