/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Authenticator data (WebAuthn L3 §6.1):
 *   rpIdHash(32) flags(1) signCount(4, big-endian)
 *   [aaguid(16) credentialIdLength(2) credentialId credentialPublicKey]  if AT
 *   [extensions (CBOR map)]                                              if ED
 * Every byte is accounted for: the flags say what follows, and nothing else
 * may. The data is built by the test authenticator, then cut or extended. */

#include "config.h"

#include "sesame-authenticator-data.h"
#include "sesame-base64.h"
#include "sesame-cbor.h"
#include "sesame-test-authenticator.h"
#include "sesame-webauthn-error.h"

#include <string.h>

/* Marks the test failed without stopping it, and logs every failure (the
 * TAP line only shows the last), so that one wrongly accepted input does not
 * hide the others. */
static void report_failure (const char *format,
                            ...) G_GNUC_PRINTF (1, 2);

static void
report_failure (const char *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_test_message ("FAIL: %s", message);
  g_test_fail_printf ("%s", message);
}

#define RP_ID "example.com"
#define FLAG_RFU1 (1 << 1)
#define FLAG_RFU2 (1 << 5)

static GBytes *
serialize (const cbor_item_t *item)
{
  unsigned char *buf = NULL;
  size_t size = 0;
  size_t len = cbor_serialize_alloc (item, &buf, &size);
  GBytes *bytes;

  g_assert_cmpuint (len, >, 0);
  bytes = g_bytes_new (buf, len);
  free (buf);
  return bytes;
}

/* Takes the caller's references to key and value. */
static void
put (cbor_item_t *map,
     cbor_item_t *key,
     cbor_item_t *value)
{
  g_assert_true (cbor_map_add (map, (struct cbor_pair) { .key = cbor_move (key),
                                                         .value = cbor_move (value) }));
}

/* {"credProtect": 2, "hmac-secret": true}, as a CTAP2 authenticator returns */
static GBytes *
extensions_map (void)
{
  g_autoptr(cbor_item_t) map = cbor_new_definite_map (2);

  put (map, cbor_build_string ("credProtect"), cbor_build_uint8 (2));
  put (map, cbor_build_string ("hmac-secret"), cbor_build_bool (true));
  return serialize (map);
}

static GBytes *
concat (GBytes       *a,
        const guint8 *b,
        gsize         b_len)
{
  GByteArray *out = g_byte_array_new ();

  g_byte_array_append (out, g_bytes_get_data (a, NULL), g_bytes_get_size (a));
  g_byte_array_append (out, b, b_len);
  return g_byte_array_free_to_bytes (out);
}

static GBytes *
prefix (GBytes *bytes,
        gsize   len)
{
  g_assert_cmpuint (len, <=, g_bytes_get_size (bytes));
  return g_bytes_new_from_bytes (bytes, 0, len);
}

static SesameAuthenticatorData *
parse_ok (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  SesameAuthenticatorData *ad = sesame_authenticator_data_parse (g_bytes_get_data (bytes, NULL),
                                                                 g_bytes_get_size (bytes),
                                                                 &error);

  g_assert_no_error (error);
  g_assert_nonnull (ad);
  g_assert_true (g_bytes_equal (ad->raw, bytes));
  return ad;
}

static void
assert_refused (GBytes     *bytes,
                int         code,
                const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameAuthenticatorData) ad =
    sesame_authenticator_data_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                     &error);

  if (ad)
    {
      report_failure ("%" G_GSIZE_FORMAT " bytes of authenticator data were accepted; they "
                      "should be refused (%s)", g_bytes_get_size (bytes), needle);
      return;
    }
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, code);
  if (!strstr (error->message, needle))
    report_failure ("the message \"%s\" does not mention \"%s\"", error->message, needle);
}

static void
test_minimal (void)
{
  g_autoptr(GBytes) bytes = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP, 0,
                                                   NULL, NULL);
  g_autoptr(SesameAuthenticatorData) ad = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 hash[32];
  gsize hash_len = sizeof hash;

  g_assert_cmpuint (g_bytes_get_size (bytes), ==, SESAME_AUTH_DATA_MIN_LEN);
  g_assert_cmpuint (SESAME_AUTH_DATA_MIN_LEN, ==, 37);
  ad = parse_ok (bytes);

  g_checksum_update (checksum, (const guint8 *) RP_ID, strlen (RP_ID));
  g_checksum_get_digest (checksum, hash, &hash_len);
  g_assert_cmpmem (ad->rp_id_hash, sizeof ad->rp_id_hash, hash, hash_len);
  g_assert_cmphex (ad->flags, ==, SESAME_AUTH_DATA_FLAG_UP);
  g_assert_cmpuint (ad->sign_count, ==, 0);
  g_assert_false (ad->has_attested_data);
  g_assert_null (ad->credential_id);
  g_assert_null (ad->public_key);
  g_assert_null (ad->extensions);
}

static void
test_too_short (void)
{
  g_autoptr(GBytes) bytes = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP, 7,
                                                   NULL, NULL);

  for (gsize len = 0; len < SESAME_AUTH_DATA_MIN_LEN; len++)
    {
      g_autoptr(GBytes) cut = prefix (bytes, len);
      g_autofree char *needle = g_strdup_printf ("is %" G_GSIZE_FORMAT " bytes", len);

      assert_refused (cut, SESAME_WEBAUTHN_ERROR_BAD_AUTHENTICATOR_DATA, needle);
    }
}

static JsonObject *
describe (const SesameAuthenticatorData *ad)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  sesame_authenticator_data_describe (ad, builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static const struct
{
  guint8 flag;
  const char *name;
} named_flags[] = {
  { SESAME_AUTH_DATA_FLAG_UP, "userPresent" },
  { SESAME_AUTH_DATA_FLAG_UV, "userVerified" },
  { SESAME_AUTH_DATA_FLAG_BE, "backupEligible" },
  { SESAME_AUTH_DATA_FLAG_BS, "backedUp" },
  { SESAME_AUTH_DATA_FLAG_AT, "attestedCredentialData" },
  { SESAME_AUTH_DATA_FLAG_ED, "extensionData" },
};

static void
assert_described_flags (const SesameAuthenticatorData *ad,
                        guint8                         expected)
{
  g_autoptr(JsonObject) object = describe (ad);
  JsonObject *flags = json_object_get_object_member (object, "flags");

  g_assert_nonnull (flags);
  g_assert_cmpint (json_object_get_int_member (flags, "value"), ==, expected);
  for (gsize i = 0; i < G_N_ELEMENTS (named_flags); i++)
    {
      gboolean set = (expected & named_flags[i].flag) != 0;

      g_assert_true (json_object_has_member (flags, named_flags[i].name));
      if (!json_object_get_boolean_member (flags, named_flags[i].name) != !set)
        report_failure ("flags 0x%02x: \"%s\" should be %s", expected,
                        named_flags[i].name, set ? "true" : "false");
    }
}

static void
test_flags (void)
{
  /* Each bit that needs no data after the fixed part, alone, and the
   * reserved bits (1 and 5), which are kept but mean nothing. */
  static const guint8 bits[] = {
    SESAME_AUTH_DATA_FLAG_UP, SESAME_AUTH_DATA_FLAG_UV, SESAME_AUTH_DATA_FLAG_BE,
    SESAME_AUTH_DATA_FLAG_BS, FLAG_RFU1, FLAG_RFU2, 0,
    SESAME_AUTH_DATA_FLAG_UP | SESAME_AUTH_DATA_FLAG_UV | SESAME_AUTH_DATA_FLAG_BE |
    SESAME_AUTH_DATA_FLAG_BS,
  };
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(GBytes) extensions = extensions_map ();
  g_autoptr(GBytes) at = NULL;
  g_autoptr(GBytes) ed = NULL;
  g_autoptr(SesameAuthenticatorData) at_ad = NULL;
  g_autoptr(SesameAuthenticatorData) ed_ad = NULL;

  g_assert_cmphex (SESAME_AUTH_DATA_FLAG_UP, ==, 0x01);
  g_assert_cmphex (SESAME_AUTH_DATA_FLAG_UV, ==, 0x04);
  g_assert_cmphex (SESAME_AUTH_DATA_FLAG_BE, ==, 0x08);
  g_assert_cmphex (SESAME_AUTH_DATA_FLAG_BS, ==, 0x10);
  g_assert_cmphex (SESAME_AUTH_DATA_FLAG_AT, ==, 0x40);
  g_assert_cmphex (SESAME_AUTH_DATA_FLAG_ED, ==, 0x80);

  for (gsize i = 0; i < G_N_ELEMENTS (bits); i++)
    {
      g_autoptr(GBytes) bytes = sesame_test_auth_data (RP_ID, bits[i], 1, NULL, NULL);
      g_autoptr(SesameAuthenticatorData) ad = parse_ok (bytes);

      g_assert_cmphex (ad->flags, ==, bits[i]);
      g_assert_false (ad->has_attested_data);
      g_assert_null (ad->extensions);
      assert_described_flags (ad, bits[i]);
    }

  /* AT and ED, with the data they announce */
  at = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_AT, 1, auth, NULL);
  at_ad = parse_ok (at);
  g_assert_cmphex (at_ad->flags, ==, SESAME_AUTH_DATA_FLAG_AT);
  g_assert_true (at_ad->has_attested_data);
  assert_described_flags (at_ad, SESAME_AUTH_DATA_FLAG_AT);

  ed = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_ED, 1, NULL, extensions);
  ed_ad = parse_ok (ed);
  g_assert_cmphex (ed_ad->flags, ==, SESAME_AUTH_DATA_FLAG_ED);
  g_assert_nonnull (ed_ad->extensions);
  assert_described_flags (ed_ad, SESAME_AUTH_DATA_FLAG_ED);
}

static void
test_sign_count (void)
{
  static const guint32 counts[] = { 0, 1, 0x01020304, 0x80000000, 0xffffffff };

  for (gsize i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      g_autoptr(GBytes) bytes = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP,
                                                       counts[i], NULL, NULL);
      g_autoptr(SesameAuthenticatorData) ad = parse_ok (bytes);

      g_assert_cmphex (ad->sign_count, ==, counts[i]);
    }

  /* Big-endian on the wire: the bytes 01 02 03 04 at offsets 33–36 */
  {
    g_autoptr(GBytes) bytes = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP,
                                                     0x01020304, NULL, NULL);
    const guint8 *data = g_bytes_get_data (bytes, NULL);
    guint8 swapped[SESAME_AUTH_DATA_MIN_LEN];
    g_autoptr(GBytes) swapped_bytes = NULL;
    g_autoptr(SesameAuthenticatorData) ad = NULL;

    g_assert_cmpmem (data + 33, 4, ((guint8[]) { 0x01, 0x02, 0x03, 0x04 }), 4);
    memcpy (swapped, data, sizeof swapped);
    swapped[33] = 0x04;
    swapped[34] = 0x03;
    swapped[35] = 0x02;
    swapped[36] = 0x01;
    swapped_bytes = g_bytes_new (swapped, sizeof swapped);
    ad = parse_ok (swapped_bytes);
    g_assert_cmphex (ad->sign_count, ==, 0x04030201);
  }
}

static void
test_attested_credential_data (void)
{
  static const int algs[] = {
    SESAME_COSE_ALG_ES256, SESAME_COSE_ALG_ES512, SESAME_COSE_ALG_EDDSA, SESAME_COSE_ALG_RS256,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (algs); i++)
    {
      g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (algs[i]);
      g_autoptr(GBytes) bytes = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP |
                                                       SESAME_AUTH_DATA_FLAG_UV |
                                                       SESAME_AUTH_DATA_FLAG_AT, 0, auth, NULL);
      g_autoptr(SesameAuthenticatorData) ad = parse_ok (bytes);

      g_assert_cmpuint (g_bytes_get_size (bytes), ==,
                        37 + 16 + 2 + g_bytes_get_size (auth->credential_id) +
                        g_bytes_get_size (auth->cose_key));
      g_assert_true (ad->has_attested_data);
      g_assert_cmpmem (ad->aaguid, sizeof ad->aaguid, auth->aaguid, sizeof auth->aaguid);
      g_assert_true (g_bytes_equal (ad->credential_id, auth->credential_id));
      g_assert_nonnull (ad->public_key);
      g_assert_cmpint (sesame_cose_key_get_algorithm (ad->public_key), ==, algs[i]);
      g_assert_true (g_bytes_equal (sesame_cose_key_get_encoded (ad->public_key),
                                    auth->cose_key));
      g_assert_true (sesame_cose_key_matches_pkey (ad->public_key, auth->key));
      g_assert_null (ad->extensions);
    }
}

static void
test_attested_truncated (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(GBytes) bytes = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP |
                                                   SESAME_AUTH_DATA_FLAG_AT, 0, auth, NULL);
  gsize id_len = g_bytes_get_size (auth->credential_id);
  gsize key_start = 37 + 18 + id_len;
  gsize total = g_bytes_get_size (bytes);
  g_autoptr(GBytes) no_aaguid = prefix (bytes, 37);
  g_autoptr(GBytes) half_aaguid = prefix (bytes, 37 + 8);
  g_autoptr(GBytes) half_length = prefix (bytes, 37 + 17);
  g_autoptr(GBytes) half_id = prefix (bytes, 37 + 18 + id_len / 2);
  g_autoptr(GBytes) no_key = prefix (bytes, key_start);
  g_autoptr(GBytes) half_key = prefix (bytes, key_start + (total - key_start) / 2);
  g_autoptr(GBytes) key_less_one = prefix (bytes, total - 1);

  assert_refused (no_aaguid, SESAME_WEBAUTHN_ERROR_BAD_AUTHENTICATOR_DATA, "before the AAGUID");
  assert_refused (half_aaguid, SESAME_WEBAUTHN_ERROR_BAD_AUTHENTICATOR_DATA, "before the AAGUID");
  assert_refused (half_length, SESAME_WEBAUTHN_ERROR_BAD_AUTHENTICATOR_DATA,
                  "credential id length");
  assert_refused (half_id, SESAME_WEBAUTHN_ERROR_BAD_AUTHENTICATOR_DATA,
                  "inside the credential id");
  /* The key is refused with the key's own code, and says it was the key */
  assert_refused (no_key, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "credential public key");
  assert_refused (half_key, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "credential public key");
  assert_refused (key_less_one, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "credential public key");

  /* And every other cut: no proper prefix of attested data is valid */
  for (gsize len = 37; len < total; len++)
    {
      g_autoptr(GBytes) cut = prefix (bytes, len);
      g_autoptr(GError) error = NULL;
      g_autoptr(SesameAuthenticatorData) ad =
        sesame_authenticator_data_parse (g_bytes_get_data (cut, NULL), len, &error);

      g_assert_null (ad);
      g_assert_nonnull (error);
      g_assert_true (g_error_matches (error, SESAME_WEBAUTHN_ERROR,
                                      len < key_start ?
                                      SESAME_WEBAUTHN_ERROR_BAD_AUTHENTICATOR_DATA :
                                      SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY));
    }
}

static GBytes *
auth_data_with_id_len (SesameTestAuthenticator *auth,
                       gsize                    id_len)
{
  guint8 *id = g_malloc (id_len);

  for (gsize i = 0; i < id_len; i++)
    id[i] = (guint8) (i * 7 + 1);
  g_bytes_unref (auth->credential_id);
  auth->credential_id = g_bytes_new_take (id, id_len);
  return sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP | SESAME_AUTH_DATA_FLAG_AT,
                                0, auth, NULL);
}

static void
test_credential_id_length (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(GBytes) max = auth_data_with_id_len (auth, SESAME_CREDENTIAL_ID_MAX_LEN);
  g_autoptr(GBytes) over = auth_data_with_id_len (auth, SESAME_CREDENTIAL_ID_MAX_LEN + 1);
  g_autoptr(GBytes) huge = auth_data_with_id_len (auth, 65535);
  g_autoptr(SesameAuthenticatorData) ad = NULL;
  g_autoptr(GBytes) header_only = NULL;
  guint8 *data;

  g_assert_cmpuint (SESAME_CREDENTIAL_ID_MAX_LEN, ==, 1023);

  /* §7.1 step: "Verify that the credentialId is ≤ 1023 bytes." */
  ad = parse_ok (max);
  g_assert_cmpuint (g_bytes_get_size (ad->credential_id), ==, 1023);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (ad->credential_id, NULL))[1022], ==,
                    (guint8) (1022 * 7 + 1));
  g_assert_true (sesame_cose_key_matches_pkey (ad->public_key, auth->key));

  assert_refused (over, SESAME_WEBAUTHN_ERROR_CREDENTIAL_ID_TOO_LONG, "1024 bytes");
  assert_refused (huge, SESAME_WEBAUTHN_ERROR_CREDENTIAL_ID_TOO_LONG, "65535 bytes");

  /* The length alone decides, before any bounds check on what follows */
  data = g_memdup2 (g_bytes_get_data (over, NULL), 37 + 18);
  header_only = g_bytes_new_take (data, 37 + 18);
  assert_refused (header_only, SESAME_WEBAUTHN_ERROR_CREDENTIAL_ID_TOO_LONG, "1024 bytes");
}

static void
test_credential_key_error_keeps_code (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(cbor_item_t) ml_dsa = cbor_new_definite_map (3);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree guint8 *pub = g_malloc0 (1312);

  put (ml_dsa, cbor_build_uint8 (1), cbor_build_uint8 (7));
  put (ml_dsa, cbor_build_uint8 (3), cbor_build_negint8 (47));   /* -48: ML-DSA-44 */
  put (ml_dsa, cbor_build_negint8 (0), cbor_build_bytestring (pub, 1312));
  g_bytes_unref (auth->cose_key);
  auth->cose_key = serialize (ml_dsa);
  bytes = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP | SESAME_AUTH_DATA_FLAG_AT,
                                 0, auth, NULL);

  assert_refused (bytes, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM, "credential public key: ");
  assert_refused (bytes, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM, "ML-DSA");
}

static void
test_extensions (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(GBytes) extensions = extensions_map ();
  g_autoptr(GBytes) only_ext = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP |
                                                      SESAME_AUTH_DATA_FLAG_ED, 5, NULL,
                                                      extensions);
  /* After attested data the parser must find where the key ends on its own:
   * the COSE key has no length prefix. */
  g_autoptr(GBytes) both = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP |
                                                  SESAME_AUTH_DATA_FLAG_AT |
                                                  SESAME_AUTH_DATA_FLAG_ED, 0, auth, extensions);
  g_autoptr(cbor_item_t) empty_map = cbor_new_definite_map (0);
  g_autoptr(GBytes) empty_bytes = serialize (empty_map);
  g_autoptr(GBytes) empty = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_ED, 0, NULL,
                                                   empty_bytes);
  g_autoptr(SesameAuthenticatorData) ad = parse_ok (only_ext);
  g_autoptr(SesameAuthenticatorData) ad_both = parse_ok (both);
  g_autoptr(SesameAuthenticatorData) ad_empty = parse_ok (empty);
  cbor_item_t *cred_protect;
  cbor_item_t *hmac_secret;

  g_assert_nonnull (ad->extensions);
  g_assert_true (cbor_isa_map (ad->extensions));
  g_assert_cmpuint (cbor_map_size (ad->extensions), ==, 2);
  cred_protect = sesame_cbor_map_get_str (ad->extensions, "credProtect");
  hmac_secret = sesame_cbor_map_get_str (ad->extensions, "hmac-secret");
  g_assert_nonnull (cred_protect);
  g_assert_cmpuint (cbor_get_int (cred_protect), ==, 2);
  g_assert_nonnull (hmac_secret);
  g_assert_true (cbor_is_bool (hmac_secret) && cbor_get_bool (hmac_secret));
  g_assert_cmpuint (ad->sign_count, ==, 5);

  g_assert_true (ad_both->has_attested_data);
  g_assert_true (g_bytes_equal (sesame_cose_key_get_encoded (ad_both->public_key),
                                auth->cose_key));
  g_assert_nonnull (ad_both->extensions);
  g_assert_cmpuint (cbor_map_size (ad_both->extensions), ==, 2);

  g_assert_nonnull (ad_empty->extensions);
  g_assert_cmpuint (cbor_map_size (ad_empty->extensions), ==, 0);
}

static void
test_extension_flag_without_data (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(GBytes) bare = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP |
                                                  SESAME_AUTH_DATA_FLAG_ED, 0, NULL, NULL);
  g_autoptr(GBytes) attested = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP |
                                                      SESAME_AUTH_DATA_FLAG_AT |
                                                      SESAME_AUTH_DATA_FLAG_ED, 0, auth, NULL);

  assert_refused (bare, SESAME_WEBAUTHN_ERROR_EXTENSION_DATA_MISMATCH, "no extensions");
  assert_refused (attested, SESAME_WEBAUTHN_ERROR_EXTENSION_DATA_MISMATCH, "no extensions");
}

static void
test_extension_data_without_flag (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(GBytes) extensions = extensions_map ();
  gsize ext_len = g_bytes_get_size (extensions);
  g_autoptr(GBytes) bare = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP, 0, NULL,
                                                  extensions);
  g_autoptr(GBytes) attested = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP |
                                                      SESAME_AUTH_DATA_FLAG_AT, 0, auth,
                                                      extensions);
  g_autoptr(GBytes) one_byte = NULL;
  g_autoptr(GBytes) minimal = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP, 0,
                                                     NULL, NULL);
  g_autofree char *needle = g_strdup_printf ("%" G_GSIZE_FORMAT " bytes left over", ext_len);

  one_byte = concat (minimal, (const guint8 *) "\0", 1);
  assert_refused (bare, SESAME_WEBAUTHN_ERROR_EXTENSION_DATA_MISMATCH, needle);
  assert_refused (attested, SESAME_WEBAUTHN_ERROR_EXTENSION_DATA_MISMATCH, needle);
  assert_refused (one_byte, SESAME_WEBAUTHN_ERROR_EXTENSION_DATA_MISMATCH, "1 bytes left over");
}

static void
test_extensions_not_a_map (void)
{
  g_autoptr(cbor_item_t) array = cbor_new_definite_array (1);
  g_autoptr(cbor_item_t) text = cbor_build_string ("credProtect");
  g_autoptr(cbor_item_t) number = cbor_build_uint8 (2);
  cbor_item_t *items[] = { array, text, number };

  g_assert_true (cbor_array_push (array, cbor_move (cbor_build_string ("credProtect"))));
  for (gsize i = 0; i < G_N_ELEMENTS (items); i++)
    {
      g_autoptr(GBytes) ext = serialize (items[i]);
      g_autoptr(GBytes) bytes = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP |
                                                       SESAME_AUTH_DATA_FLAG_ED, 0, NULL, ext);

      assert_refused (bytes, SESAME_WEBAUTHN_ERROR_BAD_AUTHENTICATOR_DATA, "not a CBOR map");
    }
}

static void
test_extensions_malformed (void)
{
  g_autoptr(GBytes) extensions = extensions_map ();
  g_autoptr(GBytes) truncated_ext = prefix (extensions, g_bytes_get_size (extensions) - 1);
  g_autoptr(GBytes) truncated = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP |
                                                       SESAME_AUTH_DATA_FLAG_ED, 0, NULL,
                                                       truncated_ext);
  g_autoptr(cbor_item_t) indefinite = cbor_new_indefinite_map ();
  g_autoptr(GBytes) indefinite_ext = NULL;
  g_autoptr(GBytes) indefinite_bytes = NULL;
  g_autoptr(GBytes) complete = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP |
                                                      SESAME_AUTH_DATA_FLAG_ED, 0, NULL,
                                                      extensions);
  g_autoptr(GBytes) trailing = concat (complete, (const guint8 *) "\xa0", 1);

  put (indefinite, cbor_build_string ("credProtect"), cbor_build_uint8 (2));
  indefinite_ext = serialize (indefinite);
  indefinite_bytes = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP |
                                            SESAME_AUTH_DATA_FLAG_ED, 0, NULL, indefinite_ext);

  assert_refused (truncated, SESAME_WEBAUTHN_ERROR_BAD_AUTHENTICATOR_DATA, "not well-formed");
  assert_refused (indefinite_bytes, SESAME_WEBAUTHN_ERROR_BAD_AUTHENTICATOR_DATA,
                  "not well-formed");
  /* A second map after the extensions is not part of them */
  assert_refused (trailing, SESAME_WEBAUTHN_ERROR_EXTENSION_DATA_MISMATCH, "1 bytes left over");
}

static void
test_extensions_duplicate_key (void)
{
  /* Two credProtect levels: which one the relying party acts on would
   * depend on the parser. sesame-cbor.c refuses duplicate keys in the maps
   * it reads; the extension map is one of them. */
  g_autoptr(cbor_item_t) map = cbor_new_definite_map (2);
  g_autoptr(GBytes) ext = NULL;
  g_autoptr(GBytes) bytes = NULL;

  put (map, cbor_build_string ("credProtect"), cbor_build_uint8 (1));
  put (map, cbor_build_string ("credProtect"), cbor_build_uint8 (3));
  ext = serialize (map);
  bytes = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP | SESAME_AUTH_DATA_FLAG_ED, 0,
                                 NULL, ext);

  assert_refused (bytes, SESAME_WEBAUTHN_ERROR_BAD_AUTHENTICATOR_DATA, "duplicate key");
}

static void
test_aaguid_to_string (void)
{
  static const guint8 counting[16] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                       0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
  /* YubiKey 5 (USB-A, firmware 5.1) as listed in the FIDO MDS */
  static const guint8 yubikey[16] = { 0xcb, 0x69, 0x48, 0x1e, 0x8f, 0xf7, 0x40, 0x39,
                                      0x93, 0xec, 0x0a, 0x27, 0x29, 0xa1, 0x54, 0xa8 };
  static const guint8 zero[16] = { 0 };
  static const guint8 ones[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  g_autofree char *a = sesame_aaguid_to_string (counting);
  g_autofree char *b = sesame_aaguid_to_string (yubikey);
  g_autofree char *c = sesame_aaguid_to_string (zero);
  g_autofree char *d = sesame_aaguid_to_string (ones);

  g_assert_cmpstr (a, ==, "00010203-0405-0607-0809-0a0b0c0d0e0f");
  g_assert_cmpstr (b, ==, "cb69481e-8ff7-4039-93ec-0a2729a154a8");
  g_assert_cmpstr (c, ==, "00000000-0000-0000-0000-000000000000");
  g_assert_cmpstr (d, ==, "ffffffff-ffff-ffff-ffff-ffffffffffff");
  /* What GLib's UUID parser accepts is what the app will compare with */
  g_assert_true (g_uuid_string_is_valid (b));
}

static void
test_describe (void)
{
  guint8 all = SESAME_AUTH_DATA_FLAG_UP | SESAME_AUTH_DATA_FLAG_UV | SESAME_AUTH_DATA_FLAG_BE |
               SESAME_AUTH_DATA_FLAG_BS | SESAME_AUTH_DATA_FLAG_AT | SESAME_AUTH_DATA_FLAG_ED;
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(GBytes) extensions = extensions_map ();
  g_autoptr(GBytes) bytes = sesame_test_auth_data (RP_ID, all, 0x01020304, auth, extensions);
  g_autoptr(GBytes) minimal_bytes = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP, 9,
                                                           NULL, NULL);
  g_autoptr(SesameAuthenticatorData) ad = parse_ok (bytes);
  g_autoptr(SesameAuthenticatorData) minimal = parse_ok (minimal_bytes);
  g_autoptr(JsonObject) object = describe (ad);
  g_autoptr(JsonObject) minimal_object = describe (minimal);
  g_autofree char *rp_id_hash = sesame_base64url_encode (g_bytes_get_data (bytes, NULL), 32);
  g_autofree char *aaguid = sesame_aaguid_to_string (auth->aaguid);
  g_autofree char *credential_id = sesame_base64url_encode_bytes (auth->credential_id);
  JsonObject *key, *ext;

  g_assert_cmpstr (json_object_get_string_member (object, "rpIdHash"), ==, rp_id_hash);
  assert_described_flags (ad, all);
  g_assert_cmpint (json_object_get_int_member (object, "signCount"), ==, 0x01020304);
  g_assert_cmpstr (json_object_get_string_member (object, "aaguid"), ==, aaguid);
  g_assert_cmpstr (json_object_get_string_member (object, "credentialId"), ==, credential_id);

  key = json_object_get_object_member (object, "credentialPublicKey");
  g_assert_nonnull (key);
  g_assert_cmpstr (json_object_get_string_member (key, "kty"), ==, "EC2");
  g_assert_cmpstr (json_object_get_string_member (key, "algName"), ==, "ES256");

  ext = json_object_get_object_member (object, "extensions");
  g_assert_nonnull (ext);
  g_assert_cmpint (json_object_get_int_member (ext, "credProtect"), ==, 2);
  g_assert_true (json_object_get_boolean_member (ext, "hmac-secret"));

  /* Without AT and ED, their members are absent rather than empty */
  assert_described_flags (minimal, SESAME_AUTH_DATA_FLAG_UP);
  g_assert_cmpint (json_object_get_int_member (minimal_object, "signCount"), ==, 9);
  g_assert_false (json_object_has_member (minimal_object, "aaguid"));
  g_assert_false (json_object_has_member (minimal_object, "credentialId"));
  g_assert_false (json_object_has_member (minimal_object, "credentialPublicKey"));
  g_assert_false (json_object_has_member (minimal_object, "extensions"));
}

/* Found by fuzzing: describing an extension whose value is a float hit an
 * assertion inside libcbor (a float is not a simple value). */
static void
test_describe_float_extension (void)
{
  /* {"x": 1.5 (half float), "y": true} */
  static const guint8 ext[] = { 0xa2, 0x61, 'x', 0xf9, 0x3e, 0x00, 0x61, 'y', 0xf5 };
  g_autoptr(GBytes) ext_bytes = g_bytes_new_static (ext, sizeof ext);
  g_autoptr(GBytes) bytes = sesame_test_auth_data ("example.com",
                                                   SESAME_AUTH_DATA_FLAG_UP | SESAME_AUTH_DATA_FLAG_ED,
                                                   0, NULL, ext_bytes);
  g_autoptr(SesameAuthenticatorData) ad = parse_ok (bytes);
  g_autoptr(JsonObject) described = describe (ad);
  JsonObject *extensions = json_object_get_object_member (described, "extensions");

  g_assert_cmpfloat (json_object_get_double_member (extensions, "x"), ==, 1.5);
  g_assert_true (json_object_get_boolean_member (extensions, "y"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sesame/authenticator-data/minimal", test_minimal);
  g_test_add_func ("/sesame/authenticator-data/too-short", test_too_short);
  g_test_add_func ("/sesame/authenticator-data/flags", test_flags);
  g_test_add_func ("/sesame/authenticator-data/sign-count", test_sign_count);
  g_test_add_func ("/sesame/authenticator-data/attested/parsed", test_attested_credential_data);
  g_test_add_func ("/sesame/authenticator-data/attested/truncated", test_attested_truncated);
  g_test_add_func ("/sesame/authenticator-data/attested/credential-id-length",
                   test_credential_id_length);
  g_test_add_func ("/sesame/authenticator-data/attested/key-error-keeps-code",
                   test_credential_key_error_keeps_code);
  g_test_add_func ("/sesame/authenticator-data/extensions/parsed", test_extensions);
  g_test_add_func ("/sesame/authenticator-data/extensions/flag-without-data",
                   test_extension_flag_without_data);
  g_test_add_func ("/sesame/authenticator-data/extensions/data-without-flag",
                   test_extension_data_without_flag);
  g_test_add_func ("/sesame/authenticator-data/extensions/not-a-map", test_extensions_not_a_map);
  g_test_add_func ("/sesame/authenticator-data/extensions/malformed", test_extensions_malformed);
  g_test_add_func ("/sesame/authenticator-data/extensions/duplicate-key",
                   test_extensions_duplicate_key);
  g_test_add_func ("/sesame/authenticator-data/aaguid-to-string", test_aaguid_to_string);
  g_test_add_func ("/sesame/authenticator-data/describe", test_describe);
  g_test_add_func ("/sesame/authenticator-data/describe-float-extension",
                   test_describe_float_extension);

  return g_test_run ();
}
