/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-token.h"
#include "sesame-base64.h"

#include <json-glib/json-glib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#define KEY       ((const guint8 *) "0123456789abcdef0123456789abcdef")
#define KEY_LEN   32
#define OTHER_KEY ((const guint8 *) "fedcba9876543210fedcba9876543210")
#define NOW       G_GINT64_CONSTANT (1700000000)

#define HEADER_HS256 "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

static void
assert_message_has (const GError *error,
                    const char   *needle)
{
  if (!strstr (error->message, needle))
    g_test_message ("message \"%s\" lacks \"%s\"", error->message, needle);
  g_assert_nonnull (strstr (error->message, needle));
}

static void
assert_refused (const char       *token,
                SesameTokenError  code,
                const char       *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameTokenClaims) claims = NULL;

  claims = sesame_token_verify (KEY, KEY_LEN, token, NOW, &error);
  g_assert_null (claims);
  g_assert_error (error, SESAME_TOKEN_ERROR, (int) code);
  if (needle)
    assert_message_has (error, needle);
}

static SesameTokenClaims
sample_claims (void)
{
  return (SesameTokenClaims) {
    .user_id = (char *) "alice",
    .tenant_id = (char *) "tenant-123",
    .action_code = (char *) "signInWithPasskey",
    .idempotency_key = (char *) "5c8e1f3a-7d2b-4e9a-8c61-0f4b2d9e7a13",
    .scope = (char *) "read:authenticators add:authenticators",
    .issuer = (char *) "http://localhost:7878/v1",
    .issued_at = NOW,
    .expires_at = NOW + SESAME_TOKEN_DEFAULT_LIFETIME,
  };
}

static char *
sample_payload (gint64 issued_at,
                gint64 expires_at)
{
  return g_strdup_printf ("{\"sub\":\"alice\",\"iat\":%" G_GINT64_FORMAT ",\"exp\":%"
                          G_GINT64_FORMAT ",\"iss\":\"sesame\","
                          "\"scope\":\"read:authenticators\",\"other\":{"
                          "\"tenantId\":\"tenant-123\",\"userId\":\"alice\","
                          "\"actionCode\":\"signInWithPasskey\",\"idempotencyKey\":\"k-1\"}}",
                          issued_at, expires_at);
}

/* A JWT built without libjwt: base64url of the two JSON texts as given and
 * an HMAC under @md, or no signature at all when @md is NULL. */
static char *
hand_token_md (const char   *header,
               const char   *payload,
               const EVP_MD *md,
               const guint8 *key,
               gsize         key_len)
{
  g_autofree char *header_b64 = sesame_base64url_encode ((const guint8 *) header,
                                                         strlen (header));
  g_autofree char *payload_b64 = sesame_base64url_encode ((const guint8 *) payload,
                                                          strlen (payload));
  g_autofree char *signing_input = g_strdup_printf ("%s.%s", header_b64, payload_b64);
  g_autofree char *signature = NULL;
  guint8 mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;

  if (!md)
    return g_strdup_printf ("%s.", signing_input);
  g_assert_nonnull (HMAC (md, key, (int) key_len, (const guint8 *) signing_input,
                          strlen (signing_input), mac, &mac_len));
  signature = sesame_base64url_encode (mac, mac_len);
  return g_strdup_printf ("%s.%s", signing_input, signature);
}

static char *
hand_token (const char *header,
            const char *payload)
{
  return hand_token_md (header, payload, EVP_sha256 (), KEY, KEY_LEN);
}

/* The sample payload with one member replaced (@json) or removed (NULL);
 * "other.x" reaches into the "other" object. */
static char *
payload_with (const char *member,
              const char *json)
{
  g_autofree char *base = sample_payload (NOW, NOW + 600);
  g_autoptr(JsonNode) root = json_from_string (base, NULL);
  JsonObject *object = json_node_get_object (root);

  if (g_str_has_prefix (member, "other."))
    {
      object = json_object_get_object_member (object, "other");
      member += strlen ("other.");
    }
  if (json)
    json_object_set_member (object, member, json_from_string (json, NULL));
  else
    json_object_remove_member (object, member);
  return json_to_string (root, FALSE);
}

static char *
segment_json (const char *token,
              guint       index)
{
  g_auto(GStrv) parts = g_strsplit (token, ".", -1);
  g_autoptr(GBytes) bytes = NULL;
  gsize len;
  const char *data;

  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  bytes = sesame_base64url_decode (parts[index], NULL);
  g_assert_nonnull (bytes);
  data = g_bytes_get_data (bytes, &len);
  return g_strndup (data, len);
}

static void
test_round_trip (void)
{
  SesameTokenClaims claims = sample_claims ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameTokenClaims) verified = NULL;
  g_autofree char *token = NULL;
  g_autofree char *header_text = NULL;
  g_autofree char *payload_text = NULL;
  g_autoptr(JsonNode) header = NULL;
  g_autoptr(JsonNode) payload = NULL;
  JsonObject *object;
  JsonObject *other;

  token = sesame_token_issue (KEY, KEY_LEN, &claims, &error);
  g_assert_no_error (error);
  g_assert_nonnull (token);
  g_assert_true (g_str_has_prefix (token, "eyJ"));

  verified = sesame_token_verify (KEY, KEY_LEN, token, NOW, &error);
  g_assert_no_error (error);
  g_assert_nonnull (verified);
  g_assert_cmpstr (verified->user_id, ==, claims.user_id);
  g_assert_cmpstr (verified->tenant_id, ==, claims.tenant_id);
  g_assert_cmpstr (verified->action_code, ==, claims.action_code);
  g_assert_cmpstr (verified->idempotency_key, ==, claims.idempotency_key);
  g_assert_cmpstr (verified->scope, ==, claims.scope);
  g_assert_cmpstr (verified->issuer, ==, claims.issuer);
  g_assert_cmpint (verified->issued_at, ==, claims.issued_at);
  g_assert_cmpint (verified->expires_at, ==, claims.expires_at);

  /* The layout of WIRE-PROTOCOL.md §7, plus a unique token id (jti). */
  header_text = segment_json (token, 0);
  header = json_from_string (header_text, NULL);
  object = json_node_get_object (header);
  g_assert_cmpstr (json_object_get_string_member (object, "alg"), ==, "HS256");
  g_assert_cmpstr (json_object_get_string_member (object, "typ"), ==, "JWT");
  g_assert_cmpuint (json_object_get_size (object), ==, 2);

  payload_text = segment_json (token, 1);
  payload = json_from_string (payload_text, NULL);
  object = json_node_get_object (payload);
  g_assert_cmpuint (json_object_get_size (object), ==, 7);
  g_assert_cmpuint (strlen (json_object_get_string_member (object, "jti")), ==, 22);
  g_assert_cmpstr (json_object_get_string_member (object, "sub"), ==, "alice");
  g_assert_cmpint (json_object_get_int_member (object, "iat"), ==, NOW);
  g_assert_cmpint (json_object_get_int_member (object, "exp"), ==, NOW + 600);
  g_assert_cmpstr (json_object_get_string_member (object, "iss"), ==,
                   "http://localhost:7878/v1");
  g_assert_cmpstr (json_object_get_string_member (object, "scope"), ==,
                   "read:authenticators add:authenticators");
  other = json_object_get_object_member (object, "other");
  g_assert_nonnull (other);
  g_assert_cmpuint (json_object_get_size (other), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (other, "tenantId"), ==, "tenant-123");
  g_assert_cmpstr (json_object_get_string_member (other, "userId"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (other, "actionCode"), ==,
                   "signInWithPasskey");
  g_assert_cmpstr (json_object_get_string_member (other, "idempotencyKey"), ==,
                   claims.idempotency_key);
}

/* Characters that JSON must escape survive libjwt's encoder and our
 * parser unchanged. */
static void
test_round_trip_escapes (void)
{
  SesameTokenClaims claims = sample_claims ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameTokenClaims) verified = NULL;
  g_autofree char *token = NULL;

  claims.user_id = (char *) "al\"ice\\ \xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91 \t\n\x01";
  claims.action_code = (char *) "</script>";
  claims.scope = (char *) "";
  token = sesame_token_issue (KEY, KEY_LEN, &claims, &error);
  g_assert_no_error (error);

  verified = sesame_token_verify (KEY, KEY_LEN, token, NOW, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (verified->user_id, ==, claims.user_id);
  g_assert_cmpstr (verified->action_code, ==, claims.action_code);
  g_assert_cmpstr (verified->scope, ==, "");
}

/* The verifier does not depend on libjwt's output: a token made by hand,
 * with an extra header member and an extra claim, is accepted. */
static void
test_hand_built_accepted (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameTokenClaims) claims = NULL;
  g_autofree char *payload = payload_with ("other.publishableKey", "\"pk_test\"");
  g_autofree char *token = hand_token ("{\"alg\":\"HS256\",\"kid\":\"tenant-123\"}", payload);

  claims = sesame_token_verify (KEY, KEY_LEN, token, NOW, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (claims->user_id, ==, "alice");
  g_assert_cmpstr (claims->idempotency_key, ==, "k-1");
}

/* RFC 7515 appendix A.1: a known HS256 answer from outside this code. Its
 * signature must verify, and its claims are then refused as not ours. */
static void
test_rfc7515_vector (void)
{
  const char *token =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290"
    "Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  g_autoptr(GBytes) key = sesame_base64url_decode (
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
    NULL);
  g_autofree char *tampered = g_strdup (token);
  g_autoptr(GError) error = NULL;
  gsize key_len;
  const guint8 *key_data = g_bytes_get_data (key, &key_len);

  g_assert_cmpuint (key_len, ==, 64);
  g_assert_null (sesame_token_verify (key_data, key_len, token, 1300819000, &error));
  g_assert_error (error, SESAME_TOKEN_ERROR, SESAME_TOKEN_ERROR_MISSING_CLAIM);
  assert_message_has (error, "\"sub\"");
  g_clear_error (&error);

  /* One signature character changed: now it is the signature that fails. */
  tampered[strlen (tampered) - 5] = tampered[strlen (tampered) - 5] == 'A' ? 'B' : 'A';
  g_assert_null (sesame_token_verify (key_data, key_len, tampered, 1300819000, &error));
  g_assert_error (error, SESAME_TOKEN_ERROR, SESAME_TOKEN_ERROR_BAD_SIGNATURE);
}

static void
test_alg_none (void)
{
  g_autofree char *payload = sample_payload (NOW, NOW + 600);
  g_autofree char *unsigned_token = hand_token_md ("{\"alg\":\"none\"}", payload, NULL, NULL, 0);
  g_autofree char *signed_none = hand_token ("{\"alg\":\"none\",\"typ\":\"JWT\"}", payload);
  g_autofree char *capital_none = hand_token_md ("{\"alg\":\"None\"}", payload, NULL, NULL, 0);

  assert_refused (unsigned_token, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM,
                  "unsigned (alg \"none\")");
  /* A valid HMAC does not make alg "none" acceptable. */
  assert_refused (signed_none, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM, "unsigned");
  assert_refused (capital_none, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM,
                  "unsigned (alg \"None\")");
}

/* Signed with the right key, but under an algorithm the token chose. */
static void
test_alg_hs512 (void)
{
  g_autofree char *payload = sample_payload (NOW, NOW + 600);
  g_autofree char *hs512 = hand_token_md ("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", payload,
                                          EVP_sha512 (), KEY, KEY_LEN);
  g_autofree char *hs384 = hand_token_md ("{\"alg\":\"HS384\"}", payload,
                                          EVP_sha384 (), KEY, KEY_LEN);
  g_autofree char *lowercase = hand_token ("{\"alg\":\"hs256\"}", payload);

  assert_refused (hs512, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM, "signed with \"HS512\"");
  assert_refused (hs384, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM, "\"HS384\"");
  assert_refused (lowercase, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM, "\"hs256\"");
}

static void
test_alg_rs256 (void)
{
  g_autofree char *payload = sample_payload (NOW, NOW + 600);
  g_autofree char *rs256 = hand_token ("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}",
                                       payload);
  g_autofree char *weird = hand_token ("{\"alg\":\"\\u0001HS256 and then a very long text\"}",
                                       payload);

  assert_refused (rs256, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM, "\"RS256\"");
  assert_refused (rs256, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM, "HS256 only");
  /* Token text in a message is escaped and cut short. */
  assert_refused (weird, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM, "\"\\001HS256 and then a ");
  assert_refused (weird, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM, "…\"");
}

static void
test_alg_missing (void)
{
  g_autofree char *payload = sample_payload (NOW, NOW + 600);
  g_autofree char *missing = hand_token ("{\"typ\":\"JWT\"}", payload);
  g_autofree char *number = hand_token ("{\"alg\":256}", payload);
  g_autofree char *null_alg = hand_token ("{\"alg\":null}", payload);

  assert_refused (missing, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM, "has no \"alg\"");
  assert_refused (number, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM, "\"alg\" is not a string");
  assert_refused (null_alg, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM, "is not a string");
}

static void
test_typ_and_crit (void)
{
  g_autofree char *payload = sample_payload (NOW, NOW + 600);
  g_autofree char *jose = hand_token ("{\"alg\":\"HS256\",\"typ\":\"JOSE\"}", payload);
  g_autofree char *number = hand_token ("{\"alg\":\"HS256\",\"typ\":1}", payload);
  g_autofree char *crit = hand_token ("{\"alg\":\"HS256\",\"crit\":[\"b64\"],\"b64\":false}",
                                      payload);
  g_autoptr(SesameTokenClaims) claims = NULL;
  g_autofree char *no_typ = hand_token ("{\"alg\":\"HS256\"}", payload);

  assert_refused (jose, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM, "\"typ\" other than \"JWT\"");
  assert_refused (number, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM, "\"typ\"");
  assert_refused (crit, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM, "\"crit\"");

  /* typ is optional. */
  claims = sesame_token_verify (KEY, KEY_LEN, no_typ, NOW, NULL);
  g_assert_nonnull (claims);
}

static void
test_bad_signature (void)
{
  SesameTokenClaims claims = sample_claims ();
  g_autofree char *token = sesame_token_issue (KEY, KEY_LEN, &claims, NULL);
  g_autofree char *in_signature = g_strdup (token);
  g_autofree char *in_payload = g_strdup (token);
  g_autofree char *unsigned_token = NULL;
  g_autofree char *short_signature = NULL;
  char *signature = strrchr (in_signature, '.') + 1;
  char *payload = strchr (in_payload, '.') + 1;
  guint8 sixteen[16] = { 0 };
  g_autofree char *sixteen_b64 = sesame_base64url_encode (sixteen, sizeof sixteen);

  g_assert_nonnull (token);
  signature[10] = signature[10] == 'A' ? 'B' : 'A';
  assert_refused (in_signature, SESAME_TOKEN_ERROR_BAD_SIGNATURE, "does not match");

  /* Claims changed under a kept signature (here one character in the
   * middle of the payload). */
  payload[20] = payload[20] == 'A' ? 'B' : 'A';
  assert_refused (in_payload, SESAME_TOKEN_ERROR_BAD_SIGNATURE, "does not match");

  unsigned_token = g_strndup (token, strrchr (token, '.') - token + 1);
  assert_refused (unsigned_token, SESAME_TOKEN_ERROR_BAD_SIGNATURE, "has no signature");

  short_signature = g_strdup_printf ("%.*s%s", (int) (strrchr (token, '.') - token + 1), token,
                                     sixteen_b64);
  assert_refused (short_signature, SESAME_TOKEN_ERROR_BAD_SIGNATURE, "is 16 bytes");
}

static void
test_wrong_key (void)
{
  SesameTokenClaims claims = sample_claims ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = sesame_token_issue (OTHER_KEY, KEY_LEN, &claims, NULL);

  g_autoptr(SesameTokenClaims) verified = NULL;

  g_assert_nonnull (token);
  assert_refused (token, SESAME_TOKEN_ERROR_BAD_SIGNATURE, "not issued with this tenant's key");

  /* The same token under the key it was issued with. */
  verified = sesame_token_verify (OTHER_KEY, KEY_LEN, token, NOW, &error);
  g_assert_no_error (error);
  g_assert_nonnull (verified);
}

static void
test_expired (void)
{
  SesameTokenClaims claims = sample_claims ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameTokenClaims) verified = NULL;
  g_autofree char *token = sesame_token_issue (KEY, KEY_LEN, &claims, NULL);
  g_autofree char *long_ago = NULL;

  g_assert_nonnull (token);
  verified = sesame_token_verify (KEY, KEY_LEN, token, claims.expires_at - 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (verified);

  /* exp is the first second at which the token is no longer valid. */
  g_assert_null (sesame_token_verify (KEY, KEY_LEN, token, claims.expires_at, &error));
  g_assert_error (error, SESAME_TOKEN_ERROR, SESAME_TOKEN_ERROR_EXPIRED);
  assert_message_has (error, "expired 0 s ago");
  g_clear_error (&error);

  long_ago = sample_payload (NOW - 700, NOW - 100);
  g_free (token);
  token = hand_token (HEADER_HS256, long_ago);
  assert_refused (token, SESAME_TOKEN_ERROR_EXPIRED, "expired 100 s ago");
}

static void
test_not_yet_valid (void)
{
  g_autofree char *payload = sample_payload (NOW + SESAME_TOKEN_CLOCK_SKEW + 1, NOW + 1000);
  g_autofree char *token = hand_token (HEADER_HS256, payload);
  g_autofree char *skewed_payload = sample_payload (NOW + SESAME_TOKEN_CLOCK_SKEW, NOW + 1000);
  g_autofree char *skewed = hand_token (HEADER_HS256, skewed_payload);
  g_autofree char *nbf_payload = payload_with ("nbf", "1700003600");
  g_autofree char *nbf = hand_token (HEADER_HS256, nbf_payload);
  g_autoptr(SesameTokenClaims) claims = NULL;

  assert_refused (token, SESAME_TOKEN_ERROR_NOT_YET_VALID, "issued 61 s in the future");

  /* Within the allowed clock skew. */
  claims = sesame_token_verify (KEY, KEY_LEN, skewed, NOW, NULL);
  g_assert_nonnull (claims);

  assert_refused (nbf, SESAME_TOKEN_ERROR_NOT_YET_VALID, "another 3600 s");
}

static void
test_segments (void)
{
  SesameTokenClaims claims = sample_claims ();
  g_autofree char *token = sesame_token_issue (KEY, KEY_LEN, &claims, NULL);
  g_autofree char *four = g_strdup_printf ("%s.e30", token);
  g_autofree char *two = g_strndup (token, strrchr (token, '.') - token);
  g_autofree char *no_header = g_strdup (strchr (token, '.'));

  assert_refused (two, SESAME_TOKEN_ERROR_MALFORMED, "has 2 segments");
  assert_refused (four, SESAME_TOKEN_ERROR_MALFORMED, "has 4 segments");
  assert_refused ("eyJhbGciOiJIUzI1NiJ9", SESAME_TOKEN_ERROR_MALFORMED, "has 1 segment;");
  assert_refused ("..", SESAME_TOKEN_ERROR_MALFORMED, "header is empty");
  assert_refused (no_header, SESAME_TOKEN_ERROR_MALFORMED, "header is empty");
  assert_refused ("eyJhbGciOiJIUzI1NiJ9..c2ln", SESAME_TOKEN_ERROR_MALFORMED,
                  "payload is empty");
}

static void
test_bad_base64url (void)
{
  SesameTokenClaims claims = sample_claims ();
  g_autofree char *token = sesame_token_issue (KEY, KEY_LEN, &claims, NULL);
  g_autofree char *padded = g_strdup_printf ("%s=", token);
  g_autofree char *plus = g_strdup (token);
  g_autofree char *slash = g_strdup (token);
  g_autofree char *space = g_strdup (token);
  g_autofree char *high = g_strdup (token);

  assert_refused (padded, SESAME_TOKEN_ERROR_MALFORMED, "signature has '='");
  plus[3] = '+';
  assert_refused (plus, SESAME_TOKEN_ERROR_MALFORMED, "header has '+' at position 4");
  *(strchr (slash, '.') + 5) = '/';
  assert_refused (slash, SESAME_TOKEN_ERROR_MALFORMED, "payload has '/' at position 5");
  *(strrchr (space, '.') + 1) = ' ';
  assert_refused (space, SESAME_TOKEN_ERROR_MALFORMED, "signature has the byte 0x20");
  high[0] = (char) 0xc3;
  assert_refused (high, SESAME_TOKEN_ERROR_MALFORMED, "the byte 0xc3 at position 1");
  /* Five characters leave a dangling one; "e31" is "{}" ("e30") with a
   * stray bit set. */
  assert_refused ("eyJhb.e30.c2ln", SESAME_TOKEN_ERROR_MALFORMED, "header is not base64url");
  assert_refused ("e31.e30.c2ln", SESAME_TOKEN_ERROR_MALFORMED, "header ends in '1'");
}

/* A signature whose last character differs only in its unused bits
 * decodes to the same bytes; it is still refused, so that no token has two
 * spellings. */
static void
test_signature_spelling (void)
{
  SesameTokenClaims claims = sample_claims ();
  g_autofree char *token = sesame_token_issue (KEY, KEY_LEN, &claims, NULL);
  g_autofree char *respelled = g_strdup (token);
  char *last = respelled + strlen (respelled) - 1;
  const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  /* 32 bytes are 43 characters: the last one holds 4 bits and 2 unused. */
  g_assert_cmpuint (strlen (strrchr (token, '.') + 1), ==, 43);
  *last = alphabet[(strchr (alphabet, *last) - alphabet) | 1];
  g_assert_cmpstr (respelled, !=, token);
  assert_refused (respelled, SESAME_TOKEN_ERROR_MALFORMED, "unused bits are not zero");
}

static void
test_not_json (void)
{
  g_autofree char *payload = sample_payload (NOW, NOW + 600);
  g_autofree char *text_header = hand_token ("not json", payload);
  g_autofree char *array_header = hand_token ("[\"HS256\"]", payload);
  g_autofree char *text_payload = hand_token (HEADER_HS256, "not json");
  g_autofree char *array_payload = hand_token (HEADER_HS256, "[1,2,3]");
  g_autofree char *latin1_payload = hand_token (HEADER_HS256, "{\"sub\":\"caf\xe9\"}");

  assert_refused (text_header, SESAME_TOKEN_ERROR_MALFORMED, "header is not JSON");
  assert_refused (array_header, SESAME_TOKEN_ERROR_MALFORMED, "header is not a JSON object");
  assert_refused (text_payload, SESAME_TOKEN_ERROR_MALFORMED, "payload is not JSON");
  assert_refused (array_payload, SESAME_TOKEN_ERROR_MALFORMED, "payload is not a JSON object");
  assert_refused (latin1_payload, SESAME_TOKEN_ERROR_MALFORMED, "payload is not UTF-8");
}

static void
test_claim_types (void)
{
  const struct { const char *member; const char *json; const char *needle; } cases[] = {
    { "sub", "42", "\"sub\" claim (user id) is not a string" },
    { "sub", "\"\"", "\"sub\" claim (user id) is empty" },
    { "iat", "1.7e9", "\"iat\" claim is not a whole number" },
    { "iat", "-5", "\"iat\" claim (-5) is not a time" },
    { "exp", "\"tomorrow\"", "\"exp\" claim is not a whole number" },
    { "exp", "1700000000", "no later than it was issued" },
    { "exp", "253402300800", "\"exp\" claim (253402300800) is not a time" },
    { "nbf", "\"now\"", "\"nbf\" claim is not a whole number" },
    { "iss", "null", "\"iss\" claim (issuer) is not a string" },
    { "scope", "[\"read:authenticators\"]", "\"scope\" claim (scopes) is not a string" },
    { "scope", "\"read:authenticators  add:authenticators\"", "separated by single spaces" },
    { "scope", "\" read:authenticators\"", "separated by single spaces" },
    { "other", "\"tenant-123\"", "\"other\" claim is not a JSON object" },
    { "other.tenantId", "123", "\"other.tenantId\" claim (tenant id) is not a string" },
    { "other.actionCode", "\"\"", "\"other.actionCode\" claim (action code) is empty" },
    { "other.userId", "\"bob\"", "\"other.userId\" \"bob\" differs from its \"sub\" \"alice\"" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *payload = payload_with (cases[i].member, cases[i].json);
      g_autofree char *token = hand_token (HEADER_HS256, payload);

      g_test_message ("%s: %s", cases[i].member, cases[i].json);
      assert_refused (token, SESAME_TOKEN_ERROR_BAD_CLAIM, cases[i].needle);
    }
}

static void
test_missing_claims (void)
{
  const char *members[] = {
    "sub", "iat", "exp", "iss", "scope", "other",
    "other.tenantId", "other.userId", "other.actionCode", "other.idempotencyKey",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (members); i++)
    {
      g_autofree char *payload = payload_with (members[i], NULL);
      g_autofree char *token = hand_token (HEADER_HS256, payload);
      g_autofree char *needle = g_strdup_printf ("has no \"%s\" claim", members[i]);

      g_test_message ("without %s", members[i]);
      assert_refused (token, SESAME_TOKEN_ERROR_MISSING_CLAIM, needle);
    }
}

static void
test_oversized (void)
{
  g_autofree char *just_over = g_strnfill (SESAME_TOKEN_MAX_LEN + 1, 'A');
  g_autofree char *at_limit = g_strnfill (SESAME_TOKEN_MAX_LEN, 'A');
  g_autofree char *huge = g_strnfill (16 * 1024 * 1024, 'A');
  g_autofree char *big_claim = g_strnfill (SESAME_TOKEN_MAX_LEN, 'x');
  g_autofree char *big_json = g_strdup_printf ("\"%s\"", big_claim);
  g_autofree char *big_payload = payload_with ("filler", big_json);
  g_autofree char *big_token = NULL;

  /* The size limit applies before anything else is looked at. */
  huge[10] = '.';
  huge[20] = '.';
  assert_refused (just_over, SESAME_TOKEN_ERROR_TOO_LARGE, "longer than 8192 characters");
  assert_refused (huge, SESAME_TOKEN_ERROR_TOO_LARGE, "longer than 8192");
  assert_refused (at_limit, SESAME_TOKEN_ERROR_MALFORMED, "has 1 segment;");

  /* A correctly signed token over the limit is refused all the same. */
  big_token = hand_token (HEADER_HS256, big_payload);
  g_assert_cmpuint (strlen (big_token), >, SESAME_TOKEN_MAX_LEN);
  assert_refused (big_token, SESAME_TOKEN_ERROR_TOO_LARGE, NULL);
}

static void
test_empty (void)
{
  assert_refused ("", SESAME_TOKEN_ERROR_MALFORMED, "the token is empty");
  assert_refused (NULL, SESAME_TOKEN_ERROR_MALFORMED, "the token is empty");
}

static void
test_bad_key (void)
{
  SesameTokenClaims claims = sample_claims ();
  g_autofree char *token = sesame_token_issue (KEY, KEY_LEN, &claims, NULL);
  g_autofree guint8 *long_key = g_malloc0 (SESAME_TOKEN_KEY_MAX_LEN + 1);
  g_autoptr(GError) error = NULL;

  g_assert_null (sesame_token_issue (KEY, KEY_LEN - 1, &claims, &error));
  g_assert_error (error, SESAME_TOKEN_ERROR, SESAME_TOKEN_ERROR_BAD_KEY);
  assert_message_has (error, "is 31 bytes");
  assert_message_has (error, "at least 32");
  g_clear_error (&error);

  g_assert_null (sesame_token_verify (KEY, KEY_LEN - 1, token, NOW, &error));
  g_assert_error (error, SESAME_TOKEN_ERROR, SESAME_TOKEN_ERROR_BAD_KEY);
  g_clear_error (&error);

  /* libjwt 1.10 skips the signature check when the key is NULL or has
   * length 0; here that is a refusal, never an unchecked token. */
  g_assert_null (sesame_token_verify (NULL, 0, token, NOW, &error));
  g_assert_error (error, SESAME_TOKEN_ERROR, SESAME_TOKEN_ERROR_BAD_KEY);
  g_clear_error (&error);
  g_assert_null (sesame_token_verify (KEY, 0, token, NOW, &error));
  g_assert_error (error, SESAME_TOKEN_ERROR, SESAME_TOKEN_ERROR_BAD_KEY);
  g_clear_error (&error);

  g_assert_null (sesame_token_issue (long_key, SESAME_TOKEN_KEY_MAX_LEN + 1, &claims, &error));
  g_assert_error (error, SESAME_TOKEN_ERROR, SESAME_TOKEN_ERROR_BAD_KEY);
  assert_message_has (error, "more than the 1024 allowed");
}

static void
assert_issue_refused (const SesameTokenClaims *claims,
                      SesameTokenError         code,
                      const char              *needle)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = sesame_token_issue (KEY, KEY_LEN, claims, &error);

  g_assert_null (token);
  g_assert_error (error, SESAME_TOKEN_ERROR, (int) code);
  assert_message_has (error, "cannot issue the token: ");
  assert_message_has (error, needle);
}

/* What verify would refuse is never signed in the first place. */
static void
test_issue_refuses_bad_claims (void)
{
  SesameTokenClaims claims;
  g_autofree char *huge = g_strnfill (SESAME_TOKEN_MAX_LEN, 'k');
  g_autoptr(GError) error = NULL;

  claims = sample_claims ();
  claims.user_id = NULL;
  assert_issue_refused (&claims, SESAME_TOKEN_ERROR_MISSING_CLAIM, "\"sub\" claim (user id)");

  claims = sample_claims ();
  claims.scope = NULL;
  assert_issue_refused (&claims, SESAME_TOKEN_ERROR_MISSING_CLAIM, "\"scope\"");

  claims = sample_claims ();
  claims.tenant_id = (char *) "";
  assert_issue_refused (&claims, SESAME_TOKEN_ERROR_BAD_CLAIM, "\"other.tenantId\"");

  claims = sample_claims ();
  claims.action_code = (char *) "caf\xe9";
  assert_issue_refused (&claims, SESAME_TOKEN_ERROR_BAD_CLAIM, "not valid UTF-8");

  claims = sample_claims ();
  claims.scope = (char *) "read:authenticators ";
  assert_issue_refused (&claims, SESAME_TOKEN_ERROR_BAD_CLAIM, "single spaces");

  claims = sample_claims ();
  claims.expires_at = claims.issued_at;
  assert_issue_refused (&claims, SESAME_TOKEN_ERROR_BAD_CLAIM, "no later than it was issued");

  claims = sample_claims ();
  claims.issued_at = -1;
  assert_issue_refused (&claims, SESAME_TOKEN_ERROR_BAD_CLAIM, "\"iat\" claim (-1)");

  claims = sample_claims ();
  claims.idempotency_key = huge;
  g_assert_null (sesame_token_issue (KEY, KEY_LEN, &claims, &error));
  g_assert_error (error, SESAME_TOKEN_ERROR, SESAME_TOKEN_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* Under the claim limit, over the token limit once encoded. */
  huge[SESAME_TOKEN_MAX_LEN - 2000] = '\0';
  g_assert_null (sesame_token_issue (KEY, KEY_LEN, &claims, &error));
  g_assert_error (error, SESAME_TOKEN_ERROR, SESAME_TOKEN_ERROR_TOO_LARGE);
  assert_message_has (error, "more than the 8192");
}

static void
test_has_scope (void)
{
  SesameTokenClaims claims = sample_claims ();

  g_assert_true (sesame_token_claims_has_scope (&claims, "read:authenticators"));
  g_assert_true (sesame_token_claims_has_scope (&claims, "add:authenticators"));
  g_assert_false (sesame_token_claims_has_scope (&claims, "add"));
  g_assert_false (sesame_token_claims_has_scope (&claims, "authenticators"));
  g_assert_false (sesame_token_claims_has_scope (&claims, "read:authenticators add"));
  g_assert_false (sesame_token_claims_has_scope (&claims, ""));
  g_assert_false (sesame_token_claims_has_scope (&claims, "remove:authenticators"));

  claims.scope = (char *) "";
  g_assert_false (sesame_token_claims_has_scope (&claims, "read:authenticators"));
}

/* Found by fuzzing: json-glib parses the first of two JSON texts and leaks
 * the rest. A correctly signed token with a second text is malformed. */
static void
test_trailing_json (void)
{
  g_autofree char *header = hand_token ("{\"alg\":\"HS256\"}{\"x\":1}",
                                        "{\"sub\":\"alice\"}");
  g_autofree char *comment = hand_token ("{\"alg\":\"HS256\"/* c */}",
                                         "{\"sub\":\"alice\"}");

  assert_refused (header, SESAME_TOKEN_ERROR_MALFORMED, "text after the JSON value");
  assert_refused (comment, SESAME_TOKEN_ERROR_MALFORMED, "not JSON");
}

/* Found by fuzzing: an empty signature segment made the decoder look at
 * the byte before it. */
static void
test_empty_signature (void)
{
  assert_refused ("eyJhbGciOiJIUzI1NiJ9.e30.", SESAME_TOKEN_ERROR_BAD_SIGNATURE, "signature");
}

/* Two tokens for the same claims in the same second are still different
 * tokens, and both verify. */
static void
test_unique (void)
{
  SesameTokenClaims claims = sample_claims ();
  g_autoptr(GError) error = NULL;
  g_autofree char *first = sesame_token_issue (KEY, KEY_LEN, &claims, &error);
  g_autofree char *second = sesame_token_issue (KEY, KEY_LEN, &claims, &error);
  g_autoptr(SesameTokenClaims) a = NULL;
  g_autoptr(SesameTokenClaims) b = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (first, !=, second);
  a = sesame_token_verify (KEY, KEY_LEN, first, NOW, &error);
  g_assert_no_error (error);
  b = sesame_token_verify (KEY, KEY_LEN, second, NOW, &error);
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sesame/token/round-trip", test_round_trip);
  g_test_add_func ("/sesame/token/round-trip-escapes", test_round_trip_escapes);
  g_test_add_func ("/sesame/token/hand-built-accepted", test_hand_built_accepted);
  g_test_add_func ("/sesame/token/rfc7515-vector", test_rfc7515_vector);
  g_test_add_func ("/sesame/token/alg-none", test_alg_none);
  g_test_add_func ("/sesame/token/alg-hs512", test_alg_hs512);
  g_test_add_func ("/sesame/token/alg-rs256", test_alg_rs256);
  g_test_add_func ("/sesame/token/alg-missing", test_alg_missing);
  g_test_add_func ("/sesame/token/typ-and-crit", test_typ_and_crit);
  g_test_add_func ("/sesame/token/bad-signature", test_bad_signature);
  g_test_add_func ("/sesame/token/wrong-key", test_wrong_key);
  g_test_add_func ("/sesame/token/expired", test_expired);
  g_test_add_func ("/sesame/token/not-yet-valid", test_not_yet_valid);
  g_test_add_func ("/sesame/token/segments", test_segments);
  g_test_add_func ("/sesame/token/bad-base64url", test_bad_base64url);
  g_test_add_func ("/sesame/token/signature-spelling", test_signature_spelling);
  g_test_add_func ("/sesame/token/not-json", test_not_json);
  g_test_add_func ("/sesame/token/claim-types", test_claim_types);
  g_test_add_func ("/sesame/token/missing-claims", test_missing_claims);
  g_test_add_func ("/sesame/token/oversized", test_oversized);
  g_test_add_func ("/sesame/token/empty", test_empty);
  g_test_add_func ("/sesame/token/bad-key", test_bad_key);
  g_test_add_func ("/sesame/token/issue-refuses-bad-claims", test_issue_refuses_bad_claims);
  g_test_add_func ("/sesame/token/has-scope", test_has_scope);
  g_test_add_func ("/sesame/token/trailing-json", test_trailing_json);
  g_test_add_func ("/sesame/token/empty-signature", test_empty_signature);
  g_test_add_func ("/sesame/token/unique", test_unique);

  return g_test_run ();
}
