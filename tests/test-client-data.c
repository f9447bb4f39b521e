/* SPDX-License-Identifier: GPL-3.0-or-later */

/* CollectedClientData (WebAuthn L3 §5.8.1). The parser must read it as
 * JSON, never compare it to a template (browsers add members, Chrome on
 * purpose), and refuse anything that is not one JSON object with the three
 * required strings. The hash it keeps is what the authenticator signed, so
 * it must be over the exact bytes received. */

#include "config.h"

#include "sesame-base64.h"
#include "sesame-client-data.h"
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

/* A clientDataJSON as Chrome sends it: with crossOrigin and the extra
 * member it adds to catch relying parties that compare templates. */
#define CHALLENGE_B64 "YSBjaGFsbGVuZ2Ugb2YgZXhhY3RseSAzMiBieXRlcyE"
#define CHALLENGE_RAW "a challenge of exactly 32 bytes!"
#define CHROME_JSON \
  "{\"type\":\"webauthn.get\"," \
  "\"challenge\":\"" CHALLENGE_B64 "\"," \
  "\"origin\":\"https://example.com\"," \
  "\"crossOrigin\":false," \
  "\"other_keys_can_be_added_here\":\"do not compare clientDataJSON against a template. " \
  "See https://goo.gl/yabPex\"}"

static SesameClientData *
parse_text (const char *json,
            GError    **error)
{
  return sesame_client_data_parse ((const guint8 *) json, strlen (json), error);
}

static SesameClientData *
parse_ok (const char *json)
{
  g_autoptr(GError) error = NULL;
  SesameClientData *cd = parse_text (json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cd);
  return cd;
}

static void
assert_refused_len (const char *data,
                    gsize       len,
                    const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameClientData) cd = sesame_client_data_parse ((const guint8 *) data, len, &error);

  if (cd)
    {
      g_autofree char *shown = g_strndup (data, MIN (len, 200));
      g_autofree char *escaped = g_strescape (shown, NULL);
      report_failure ("clientDataJSON was accepted but should be refused (%s): %s",
                      needle, escaped);
      return;
    }
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CLIENT_DATA);
  if (!strstr (error->message, needle))
    report_failure ("the message \"%s\" does not mention \"%s\"", error->message, needle);
}

static void
assert_refused (const char *json,
                const char *needle)
{
  assert_refused_len (json, strlen (json), needle);
}

static void
test_chrome (void)
{
  g_autoptr(SesameClientData) cd = parse_ok (CHROME_JSON);

  g_assert_cmpstr (cd->type, ==, "webauthn.get");
  g_assert_cmpstr (cd->challenge, ==, CHALLENGE_B64);
  g_assert_cmpmem (g_bytes_get_data (cd->challenge_bytes, NULL),
                   g_bytes_get_size (cd->challenge_bytes),
                   CHALLENGE_RAW, strlen (CHALLENGE_RAW));
  g_assert_cmpstr (cd->origin, ==, "https://example.com");
  g_assert_true (cd->has_cross_origin);
  g_assert_false (cd->cross_origin);
  g_assert_null (cd->top_origin);
  g_assert_null (cd->token_binding_status);
  g_assert_cmpmem (g_bytes_get_data (cd->raw, NULL), g_bytes_get_size (cd->raw),
                   CHROME_JSON, strlen (CHROME_JSON));
}

static void
test_cross_origin_iframe (void)
{
  g_autoptr(SesameClientData) cd = parse_ok (
    "{\"type\":\"webauthn.create\",\"challenge\":\"" CHALLENGE_B64 "\","
    "\"origin\":\"https://login.example.com\",\"crossOrigin\":true,"
    "\"topOrigin\":\"https://shop.example.org\"}");

  g_assert_cmpstr (cd->type, ==, "webauthn.create");
  g_assert_true (cd->has_cross_origin);
  g_assert_true (cd->cross_origin);
  g_assert_cmpstr (cd->top_origin, ==, "https://shop.example.org");
}

static void
test_member_order (void)
{
  static const char *orders[] = {
    "{\"origin\":\"https://example.com\",\"crossOrigin\":false,"
    "\"challenge\":\"" CHALLENGE_B64 "\",\"type\":\"webauthn.get\"}",
    "{\"challenge\":\"" CHALLENGE_B64 "\",\"type\":\"webauthn.get\","
    "\"crossOrigin\":false,\"origin\":\"https://example.com\"}",
    /* Whitespace between tokens, as a hand-written or pretty-printed one */
    "{\n  \"crossOrigin\" : false,\n  \"origin\" : \"https://example.com\",\n"
    "  \"type\" : \"webauthn.get\",\n  \"challenge\" : \"" CHALLENGE_B64 "\"\n}\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (orders); i++)
    {
      g_autoptr(SesameClientData) cd = parse_ok (orders[i]);

      g_assert_cmpstr (cd->type, ==, "webauthn.get");
      g_assert_cmpstr (cd->challenge, ==, CHALLENGE_B64);
      g_assert_cmpstr (cd->origin, ==, "https://example.com");
      g_assert_true (cd->has_cross_origin);
      g_assert_false (cd->cross_origin);
    }
}

static void
test_missing_members (void)
{
  g_autoptr(SesameClientData) cd = NULL;

  assert_refused ("{\"challenge\":\"" CHALLENGE_B64 "\",\"origin\":\"https://example.com\"}",
                  "no \"type\"");
  assert_refused ("{\"type\":\"webauthn.get\",\"origin\":\"https://example.com\"}",
                  "no \"challenge\"");
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\"}",
                  "no \"origin\"");
  /* Names are case-sensitive */
  assert_refused ("{\"Type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.com\"}", "no \"type\"");
  assert_refused ("{}", "no \"type\"");

  /* The optional members may be absent */
  cd = parse_ok ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                 "\"origin\":\"https://example.com\"}");
  g_assert_false (cd->has_cross_origin);
  g_assert_false (cd->cross_origin);
  g_assert_null (cd->top_origin);
  g_assert_null (cd->token_binding_status);
}

static void
test_wrong_types (void)
{
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":12345,"
                  "\"origin\":\"https://example.com\"}", "\"challenge\" is not a string");
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":[\"" CHALLENGE_B64 "\"],"
                  "\"origin\":\"https://example.com\"}", "\"challenge\" is not a string");
  assert_refused ("{\"type\":null,\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.com\"}", "\"type\" is not a string");
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":{\"host\":\"example.com\"}}", "\"origin\" is not a string");
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.com\",\"crossOrigin\":\"true\"}",
                  "\"crossOrigin\" is not a boolean");
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.com\",\"crossOrigin\":1}",
                  "\"crossOrigin\" is not a boolean");
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.com\",\"crossOrigin\":null}",
                  "\"crossOrigin\" is not a boolean");
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.com\",\"crossOrigin\":true,\"topOrigin\":443}",
                  "\"topOrigin\" is not a string");
}

static void
test_challenge_not_base64url (void)
{
  /* Standard base64 (with '+' and '/'), spaces, and an impossible length */
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"ab+/cd\","
                  "\"origin\":\"https://example.com\"}", "challenge is not base64url");
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"dGhp cyBp\","
                  "\"origin\":\"https://example.com\"}", "challenge is not base64url");
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"dGhpc\","
                  "\"origin\":\"https://example.com\"}", "challenge is not base64url");
}

static void
test_not_an_object (void)
{
  assert_refused ("not json", "not JSON");
  assert_refused ("{\"type\":\"webauthn.get\",", "not JSON");
  assert_refused ("[\"webauthn.get\",\"" CHALLENGE_B64 "\",\"https://example.com\"]",
                  "not a JSON object");
  assert_refused ("\"webauthn.get\"", "not a JSON object");
  assert_refused ("null", "not a JSON object");
  assert_refused ("42", "not a JSON object");
}

static void
test_not_json (void)
{
  /* Things a lenient parser accepts but JSON (RFC 8259) does not: the
   * relying party must see the same object a browser's JSON.parse would,
   * or none at all. */
  assert_refused ("{'type':'webauthn.get','challenge':'" CHALLENGE_B64 "',"
                  "'origin':'https://example.com'}", "JSON");
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.com\" /* comment */}", "JSON");
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.com\",}", "JSON");
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.com\"} trailing", "JSON");
}

static void
test_concatenated_json (void)
{
  /* Two JSON texts: a verifier must not pick one of them (JSON.parse
   * refuses the whole). */
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.com\"}"
                  "{\"type\":\"webauthn.get\",\"challenge\":\"AAAA\","
                  "\"origin\":\"https://evil.example\"}", "JSON");
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.com\"}[1]", "JSON");
}

static void
test_escaped_nul (void)
{
  /* "\u0000" is valid JSON, but cannot be kept in a C string: it must not
   * cut "https://example.com\u0000.evil.example" down to the expected
   * origin. */
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.com\\u0000.evil.example\"}", "\\u0000");
  assert_refused ("{\"type\":\"webauthn.get\\u0000.other\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.com\"}", "\\u0000");
  /* …nor let anything ride after the expected challenge */
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\\u0000AAAA\","
                  "\"origin\":\"https://example.com\"}", "\\u0000");
}

/* Found by fuzzing: json-glib turns a lone UTF-16 surrogate escape into
 * invalid UTF-8. A surrogate pair is a character and stays accepted. */
static void
test_lone_surrogate (void)
{
  g_autoptr(SesameClientData) pair = parse_ok (
    "{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
    "\"origin\":\"https://example.com\",\"x\":\"\\ud83d\\ude00\"}");

  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.org\\udc00x\"}", "surrogate");
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.org\\ud800\"}", "surrogate");
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.org\\ud800\\u0041\"}", "surrogate");
}

static void
test_escapes_decoded (void)
{
  /* JSON escapes are decoded, as JSON.parse does */
  g_autoptr(SesameClientData) cd = parse_ok (
    "{\"type\":\"webauthn\\u002eget\",\"challenge\":\"" CHALLENGE_B64 "\","
    "\"origin\":\"https:\\/\\/example.com\"}");

  g_assert_cmpstr (cd->type, ==, "webauthn.get");
  g_assert_cmpstr (cd->origin, ==, "https://example.com");
}

static void
test_bad_bytes (void)
{
  static const char invalid_utf8[] =
    "{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
    "\"origin\":\"https://exa\xff\xfemple.com\"}";
  static const char overlong[] =
    "{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
    "\"origin\":\"https://example.com\xc0\xaf\"}";
  static const char with_nul[] =
    "{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
    "\"origin\":\"https://example.com\"}\0{\"origin\":\"https://evil.example\"}";

  assert_refused (invalid_utf8, "not valid UTF-8");
  assert_refused (overlong, "not valid UTF-8");
  /* A raw NUL would end the text for a C parser but not for the hash */
  assert_refused_len (with_nul, sizeof with_nul - 1, "UTF-8");
  assert_refused_len ("", 0, "empty");
}

static char *
padded_json (gsize total)
{
  static const char head[] = "{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                             "\"origin\":\"https://example.com\",\"padding\":\"";
  static const char tail[] = "\"}";
  gsize fill = total - strlen (head) - strlen (tail);
  GString *json = g_string_sized_new (total + 1);

  g_string_append (json, head);
  for (gsize i = 0; i < fill; i++)
    g_string_append_c (json, 'x');
  g_string_append (json, tail);
  g_assert_cmpuint (json->len, ==, total);
  return g_string_free (json, FALSE);
}

static void
test_size_limit (void)
{
  g_autofree char *at_limit = padded_json (64 * 1024);
  g_autofree char *over_limit = padded_json (64 * 1024 + 1);
  g_autoptr(SesameClientData) cd = parse_ok (at_limit);

  g_assert_cmpuint (g_bytes_get_size (cd->raw), ==, 64 * 1024);
  assert_refused (over_limit, "65537 bytes");
}

static void
test_token_binding (void)
{
  g_autoptr(SesameClientData) present = parse_ok (
    "{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
    "\"origin\":\"https://example.com\","
    "\"tokenBinding\":{\"status\":\"present\",\"id\":\"AAECAw\"}}");
  g_autoptr(SesameClientData) supported = parse_ok (
    "{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
    "\"origin\":\"https://example.com\",\"tokenBinding\":{\"status\":\"supported\"}}");
  /* Early Firefox sent a bare string; it carries no binding */
  g_autoptr(SesameClientData) firefox = parse_ok (
    "{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
    "\"origin\":\"https://example.com\",\"tokenBinding\":\"not-supported\"}");

  g_assert_cmpstr (present->token_binding_status, ==, "present");
  g_assert_cmpstr (supported->token_binding_status, ==, "supported");
  g_assert_null (firefox->token_binding_status);

  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.com\",\"tokenBinding\":{}}",
                  "no \"status\"");
  assert_refused ("{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
                  "\"origin\":\"https://example.com\",\"tokenBinding\":{\"status\":1}}",
                  "\"status\" is not a string");
}

static void
test_hash (void)
{
  /* Two spellings of the same object: the hash is of the bytes, so it
   * differs, and each matches SHA-256 of exactly what was received. */
  static const char *spellings[] = {
    CHROME_JSON,
    "{ \"type\": \"webauthn.get\", \"challenge\": \"" CHALLENGE_B64 "\", "
    "\"origin\": \"https://example.com\", \"crossOrigin\": false }",
  };
  guint8 first[32];

  for (gsize i = 0; i < G_N_ELEMENTS (spellings); i++)
    {
      g_autoptr(SesameClientData) cd = parse_ok (spellings[i]);
      g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
      guint8 digest[32];
      gsize digest_len = sizeof digest;

      g_checksum_update (checksum, (const guint8 *) spellings[i], strlen (spellings[i]));
      g_checksum_get_digest (checksum, digest, &digest_len);
      g_assert_cmpmem (cd->hash, sizeof cd->hash, digest, digest_len);
      g_assert_cmpmem (g_bytes_get_data (cd->raw, NULL), g_bytes_get_size (cd->raw),
                       spellings[i], strlen (spellings[i]));
      if (i == 0)
        memcpy (first, cd->hash, sizeof first);
      else
        g_assert_true (memcmp (first, cd->hash, sizeof first) != 0);
    }
}

static JsonObject *
describe (const SesameClientData *cd)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  sesame_client_data_describe (cd, builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static void
test_describe (void)
{
  g_autoptr(SesameClientData) chrome = parse_ok (CHROME_JSON);
  g_autoptr(SesameClientData) full = parse_ok (
    "{\"type\":\"webauthn.create\",\"challenge\":\"" CHALLENGE_B64 "\","
    "\"origin\":\"https://login.example.com\",\"crossOrigin\":true,"
    "\"topOrigin\":\"https://shop.example.org\",\"tokenBinding\":{\"status\":\"supported\"}}");
  g_autoptr(SesameClientData) minimal = parse_ok (
    "{\"type\":\"webauthn.get\",\"challenge\":\"" CHALLENGE_B64 "\","
    "\"origin\":\"https://example.com\"}");
  g_autoptr(JsonObject) o = describe (chrome);
  g_autoptr(JsonObject) f = describe (full);
  g_autoptr(JsonObject) m = describe (minimal);

  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "webauthn.get");
  g_assert_cmpstr (json_object_get_string_member (o, "challenge"), ==, CHALLENGE_B64);
  g_assert_cmpstr (json_object_get_string_member (o, "origin"), ==, "https://example.com");
  g_assert_true (json_object_has_member (o, "crossOrigin"));
  g_assert_false (json_object_get_boolean_member (o, "crossOrigin"));
  g_assert_false (json_object_has_member (o, "topOrigin"));
  g_assert_false (json_object_has_member (o, "tokenBindingStatus"));
  /* Only what the relying party reads, not whatever else the browser sent */
  g_assert_false (json_object_has_member (o, "other_keys_can_be_added_here"));

  g_assert_cmpstr (json_object_get_string_member (f, "type"), ==, "webauthn.create");
  g_assert_true (json_object_get_boolean_member (f, "crossOrigin"));
  g_assert_cmpstr (json_object_get_string_member (f, "topOrigin"), ==,
                   "https://shop.example.org");
  g_assert_cmpstr (json_object_get_string_member (f, "tokenBindingStatus"), ==, "supported");

  g_assert_cmpuint (json_object_get_size (m), ==, 3);
  g_assert_false (json_object_has_member (m, "crossOrigin"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sesame/client-data/chrome", test_chrome);
  g_test_add_func ("/sesame/client-data/cross-origin-iframe", test_cross_origin_iframe);
  g_test_add_func ("/sesame/client-data/member-order", test_member_order);
  g_test_add_func ("/sesame/client-data/escapes-decoded", test_escapes_decoded);
  g_test_add_func ("/sesame/client-data/missing-members", test_missing_members);
  g_test_add_func ("/sesame/client-data/wrong-types", test_wrong_types);
  g_test_add_func ("/sesame/client-data/challenge-not-base64url", test_challenge_not_base64url);
  g_test_add_func ("/sesame/client-data/not-an-object", test_not_an_object);
  g_test_add_func ("/sesame/client-data/not-json", test_not_json);
  g_test_add_func ("/sesame/client-data/concatenated-json", test_concatenated_json);
  g_test_add_func ("/sesame/client-data/escaped-nul", test_escaped_nul);
  g_test_add_func ("/sesame/client-data/lone-surrogate", test_lone_surrogate);
  g_test_add_func ("/sesame/client-data/bad-bytes", test_bad_bytes);
  g_test_add_func ("/sesame/client-data/size-limit", test_size_limit);
  g_test_add_func ("/sesame/client-data/token-binding", test_token_binding);
  g_test_add_func ("/sesame/client-data/hash", test_hash);
  g_test_add_func ("/sesame/client-data/describe", test_describe);

  return g_test_run ();
}
