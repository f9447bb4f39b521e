/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-token.h"
#include "sesame-json.h"
#include "sesame-base64.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

/* Tokens are issued with libjwt and verified here by hand. libjwt 1.10's
 * jwt_decode() lets the token choose the algorithm (an HS384 or HS512
 * token verifies under our HS256 key), reads "alg" case-insensitively,
 * skips the signature altogether for alg "none" or when given a NULL key or
 * a key_len of 0, decodes base64 leniently, copies each segment onto the
 * stack with alloca() before any check (a 16 MB token crashes it), and
 * checks neither exp, iat nor the type of any claim. Once all of that is
 * checked first, nothing of its decoding is left to use. */

/* 9999-12-31T23:59:59Z: later times are a bug, and GDateTime cannot show
 * them. */
#define TIME_MAX G_GINT64_CONSTANT (253402300799)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (jwt_t, jwt_free)

G_DEFINE_QUARK (sesame-token-error-quark, sesame_token_error)

static gpointer
fail (GError          **error,
      SesameTokenError  code,
      const char       *format,
      ...) G_GNUC_PRINTF (3, 4);

static gpointer
fail (GError          **error,
      SesameTokenError  code,
      const char       *format,
      ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, SESAME_TOKEN_ERROR, code, message);
  return NULL;
}

void
sesame_token_claims_free (SesameTokenClaims *claims)
{
  if (!claims)
    return;
  g_free (claims->user_id);
  g_free (claims->tenant_id);
  g_free (claims->action_code);
  g_free (claims->idempotency_key);
  g_free (claims->scope);
  g_free (claims->issuer);
  g_free (claims);
}

gboolean
sesame_token_claims_has_scope (const SesameTokenClaims *claims,
                               const char              *scope)
{
  gsize scope_len;
  const char *p;

  g_return_val_if_fail (claims != NULL, FALSE);
  g_return_val_if_fail (scope != NULL, FALSE);

  scope_len = strlen (scope);
  if (!claims->scope || scope_len == 0)
    return FALSE;
  for (p = claims->scope; *p; )
    {
      gsize entry_len = strcspn (p, " ");

      if (entry_len == scope_len && memcmp (p, scope, scope_len) == 0)
        return TRUE;
      p += entry_len;
      if (*p == ' ')
        p++;
    }
  return FALSE;
}

/* Attacker-chosen text (an "alg", a "typ") quoted in a message that may
 * end up in a log: escaped and cut short. */
static char *
quote (const char *text)
{
  g_autofree char *escaped = g_strescape (text, NULL);

  if (strlen (escaped) > 32)
    return g_strdup_printf ("\"%.32s…\"", escaped);
  return g_strdup_printf ("\"%s\"", escaped);
}

static gboolean
check_key (const guint8 *key,
           gsize         key_len,
           GError      **error)
{
  if (!key || key_len < SESAME_TOKEN_KEY_MIN_LEN)
    return fail (error, SESAME_TOKEN_ERROR_BAD_KEY,
                 "the tenant's token key is %" G_GSIZE_FORMAT " bytes; HS256 needs at "
                 "least %d random bytes", key ? key_len : 0, SESAME_TOKEN_KEY_MIN_LEN), FALSE;
  if (key_len > SESAME_TOKEN_KEY_MAX_LEN)
    return fail (error, SESAME_TOKEN_ERROR_BAD_KEY,
                 "the tenant's token key is %" G_GSIZE_FORMAT " bytes, more than the %d "
                 "allowed", key_len, SESAME_TOKEN_KEY_MAX_LEN), FALSE;
  return TRUE;
}

/* RFC 6749 §3.3: scope-tokens of %x21 / %x23-5B / %x5D-7E, one space
 * between them. */
static gboolean
scope_is_valid (const char *scope)
{
  gboolean after_space = TRUE;

  for (const char *p = scope; *p; p++)
    {
      if (*p == ' ')
        {
          if (after_space)
            return FALSE;
          after_space = TRUE;
          continue;
        }
      if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\')
        return FALSE;
      after_space = FALSE;
    }
  return *scope == '\0' || !after_space;
}

static gboolean
check_string_claim (const char *value,
                    const char *name,
                    const char *meaning,
                    gboolean    may_be_empty,
                    GError    **error)
{
  if (!value)
    return fail (error, SESAME_TOKEN_ERROR_MISSING_CLAIM,
                 "the token has no \"%s\" claim (%s)", name, meaning), FALSE;
  if (!may_be_empty && !*value)
    return fail (error, SESAME_TOKEN_ERROR_BAD_CLAIM,
                 "the token's \"%s\" claim (%s) is empty", name, meaning), FALSE;
  if (!g_utf8_validate (value, -1, NULL))
    return fail (error, SESAME_TOKEN_ERROR_BAD_CLAIM,
                 "the token's \"%s\" claim (%s) is not valid UTF-8", name, meaning), FALSE;
  return TRUE;
}

static gboolean
check_time_claim (gint64      value,
                  const char *name,
                  GError    **error)
{
  /* libjwt stores grants as long: refuse what a 32-bit long would cut. */
  if (value < 0 || value > TIME_MAX || (gint64) (long) value != value)
    return fail (error, SESAME_TOKEN_ERROR_BAD_CLAIM,
                 "the token's \"%s\" claim (%" G_GINT64_FORMAT ") is not a time between "
                 "1970 and 9999", name, value), FALSE;
  return TRUE;
}

/* What both sesame_token_issue() and sesame_token_verify() require of the
 * claims, so that every issued token verifies. */
static gboolean
check_claims (const SesameTokenClaims *claims,
              GError                 **error)
{
  if (!check_string_claim (claims->user_id, "sub", "user id", FALSE, error) ||
      !check_string_claim (claims->issuer, "iss", "issuer", FALSE, error) ||
      !check_string_claim (claims->scope, "scope", "scopes", TRUE, error) ||
      !check_string_claim (claims->tenant_id, "other.tenantId", "tenant id", FALSE, error) ||
      !check_string_claim (claims->action_code, "other.actionCode", "action code", FALSE,
                           error) ||
      !check_string_claim (claims->idempotency_key, "other.idempotencyKey",
                           "action's idempotency key", FALSE, error) ||
      !check_time_claim (claims->issued_at, "iat", error) ||
      !check_time_claim (claims->expires_at, "exp", error))
    return FALSE;

  if (!scope_is_valid (claims->scope))
    {
      g_autofree char *quoted = quote (claims->scope);
      return fail (error, SESAME_TOKEN_ERROR_BAD_CLAIM,
                   "the token's \"scope\" claim %s is not a list of scopes separated by "
                   "single spaces, e.g. \"read:authenticators add:authenticators\"",
                   quoted), FALSE;
    }
  if (claims->expires_at <= claims->issued_at)
    return fail (error, SESAME_TOKEN_ERROR_BAD_CLAIM,
                 "the token expires (exp %" G_GINT64_FORMAT ") no later than it was issued "
                 "(iat %" G_GINT64_FORMAT ")", claims->expires_at, claims->issued_at), FALSE;
  return TRUE;
}

static char *
other_claims_json (const SesameTokenClaims *claims)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "other");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "tenantId");
  json_builder_add_string_value (builder, claims->tenant_id);
  json_builder_set_member_name (builder, "userId");
  json_builder_add_string_value (builder, claims->user_id);
  json_builder_set_member_name (builder, "actionCode");
  json_builder_add_string_value (builder, claims->action_code);
  json_builder_set_member_name (builder, "idempotencyKey");
  json_builder_add_string_value (builder, claims->idempotency_key);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

char *
sesame_token_issue (const guint8            *key,
                    gsize                    key_len,
                    const SesameTokenClaims *claims,
                    GError                 **error)
{
  g_autoptr(jwt_t) jwt = NULL;
  g_autofree char *other = NULL;
  char *encoded;
  char *token;
  gsize claims_len;
  int ret;

  g_return_val_if_fail (claims != NULL, NULL);

  if (!check_key (key, key_len, error))
    return NULL;
  if (!check_claims (claims, error))
    {
      g_prefix_error (error, "cannot issue the token: ");
      return NULL;
    }

  /* libjwt builds the token on the stack (alloca), so bound its input
   * before handing it over; the real limit is checked on the result. */
  claims_len = strlen (claims->user_id) + strlen (claims->issuer) + strlen (claims->scope) +
               strlen (claims->tenant_id) + strlen (claims->action_code) +
               strlen (claims->idempotency_key);
  if (claims_len > SESAME_TOKEN_MAX_LEN)
    return fail (error, SESAME_TOKEN_ERROR_TOO_LARGE,
                 "the token's claims add up to %" G_GSIZE_FORMAT " bytes; a token has at "
                 "most %d characters", claims_len, SESAME_TOKEN_MAX_LEN);

  other = other_claims_json (claims);
  ret = jwt_new (&jwt);
  if (ret == 0)
    ret = jwt_set_alg (jwt, JWT_ALG_HS256, key, (int) key_len);
  if (ret == 0)
    ret = jwt_add_grant (jwt, "sub", claims->user_id);
  if (ret == 0)
    ret = jwt_add_grant_int (jwt, "iat", (long) claims->issued_at);
  if (ret == 0)
    ret = jwt_add_grant_int (jwt, "exp", (long) claims->expires_at);
  if (ret == 0)
    ret = jwt_add_grant (jwt, "iss", claims->issuer);
  if (ret == 0)
    ret = jwt_add_grant (jwt, "scope", claims->scope);
  if (ret == 0)
    {
      /* Two tokens for the same action in the same second must still
       * differ: a token names one issuance, not a set of claims. */
      guint8 nonce[16];
      g_autofree char *jti = NULL;

      if (RAND_bytes (nonce, sizeof nonce) != 1)
        return fail (error, SESAME_TOKEN_ERROR_FAILED, "no randomness for the token id");
      jti = sesame_base64url_encode (nonce, sizeof nonce);
      ret = jwt_add_grant (jwt, "jti", jti);
    }
  if (ret == 0)
    ret = jwt_add_grants_json (jwt, other);
  if (ret != 0)
    return fail (error, SESAME_TOKEN_ERROR_FAILED,
                 "libjwt could not build the token: %s", g_strerror (ret));

  encoded = jwt_encode_str (jwt);
  if (!encoded)
    return fail (error, SESAME_TOKEN_ERROR_FAILED,
                 "libjwt could not sign the token: %s", g_strerror (errno));
  token = g_strdup (encoded);
  free (encoded);

  if (strlen (token) > SESAME_TOKEN_MAX_LEN)
    {
      gsize len = strlen (token);

      g_free (token);
      return fail (error, SESAME_TOKEN_ERROR_TOO_LARGE,
                   "the token would be %" G_GSIZE_FORMAT " characters, more than the %d that "
                   "sesame_token_verify() accepts", len, SESAME_TOKEN_MAX_LEN);
    }
  return token;
}

static gboolean
is_base64url_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_';
}

static guint
base64url_value (char c)
{
  if (g_ascii_isupper (c))
    return c - 'A';
  if (g_ascii_islower (c))
    return c - 'a' + 26;
  if (g_ascii_isdigit (c))
    return c - '0' + 52;
  return c == '-' ? 62 : 63;
}

/* Strict, canonical, unpadded base64url (RFC 7515 §2). The shared decoder
 * takes '=' padding and ignores stray bits in the last character (right
 * for hand-edited credential ids); in a token those would give one
 * signature several spellings, so both are refused here. */
static GBytes *
decode_segment (const char *segment,
                gsize       len,
                const char *what,
                GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  GBytes *bytes;
  guint unused_bits_mask;

  for (gsize i = 0; i < len; i++)
    if (!is_base64url_char (segment[i]))
      {
        if (g_ascii_isgraph (segment[i]))
          return fail (error, SESAME_TOKEN_ERROR_MALFORMED,
                       "the token's %s has '%c' at position %" G_GSIZE_FORMAT ", which is "
                       "not base64url (A–Z, a–z, 0–9, '-', '_', no padding)",
                       what, segment[i], i + 1);
        return fail (error, SESAME_TOKEN_ERROR_MALFORMED,
                     "the token's %s has the byte 0x%02x at position %" G_GSIZE_FORMAT
                     ", which is not base64url", what, (guchar) segment[i], i + 1);
      }

  bytes = sesame_base64url_decode_len (segment, len, &local_error);
  if (!bytes)
    return fail (error, SESAME_TOKEN_ERROR_MALFORMED,
                 "the token's %s is not base64url: %s", what, local_error->message);

  /* The last character of a 2- or 3-character group carries 4 or 2 bits
   * that encode nothing; a canonical encoder leaves them zero. */
  unused_bits_mask = len % 4 == 2 ? 0x0f : len % 4 == 3 ? 0x03 : 0;
  if (unused_bits_mask != 0 && (base64url_value (segment[len - 1]) & unused_bits_mask))
    {
      g_bytes_unref (bytes);
      return fail (error, SESAME_TOKEN_ERROR_MALFORMED,
                   "the token's %s ends in '%c', whose unused bits are not zero: it is not "
                   "the canonical base64url encoding", what, segment[len - 1]);
    }
  return bytes;
}

static JsonObject *
parse_json_object (GBytes     *bytes,
                   const char *what,
                   GError    **error)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *problem = NULL;

  /* With a length, g_utf8_validate() also refuses NUL bytes, which
   * json-glib would otherwise cut strings at. */
  if (len == 0 || !g_utf8_validate (data, (gssize) len, NULL))
    return fail (error, SESAME_TOKEN_ERROR_MALFORMED,
                 "the token's %s is not UTF-8 text", what);
  root = sesame_json_parse_strict (data, len, &problem);
  if (!root)
    return fail (error, SESAME_TOKEN_ERROR_MALFORMED,
                 "the token's %s is not JSON: %s", what, problem);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return fail (error, SESAME_TOKEN_ERROR_MALFORMED,
                 "the token's %s is not a JSON object", what);
  return json_object_ref (json_node_get_object (root));
}

/* The algorithm is fixed by the tenant, never read from the token: "alg"
 * must merely agree. Anything else the header asks for is refused, since
 * the payload is not even parsed until the signature has matched. */
static gboolean
check_header (JsonObject *header,
              GError    **error)
{
  JsonNode *node = json_object_get_member (header, "alg");
  const char *alg;

  if (!node)
    return fail (error, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM,
                 "the token's header has no \"alg\"; Sesame's tokens are signed with "
                 "HS256"), FALSE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (error, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM,
                 "the token's header \"alg\" is not a string; Sesame's tokens are signed "
                 "with HS256"), FALSE;

  alg = json_node_get_string (node);
  if (g_ascii_strcasecmp (alg, "none") == 0)
    {
      g_autofree char *quoted = quote (alg);
      return fail (error, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM,
                   "the token is unsigned (alg %s); Sesame accepts only tokens it signed "
                   "with HS256", quoted), FALSE;
    }
  if (strcmp (alg, "HS256") != 0)
    {
      g_autofree char *quoted = quote (alg);
      return fail (error, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM,
                   "the token says it is signed with %s; Sesame's tokens are signed with "
                   "HS256 only", quoted), FALSE;
    }

  node = json_object_get_member (header, "typ");
  if (node &&
      (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
       strcmp (json_node_get_string (node), "JWT") != 0))
    return fail (error, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM,
                 "the token's header has a \"typ\" other than \"JWT\"; it is not one of "
                 "Sesame's action tokens"), FALSE;

  if (json_object_has_member (header, "crit"))
    return fail (error, SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM,
                 "the token's header has \"crit\", asking for JWS extensions that Sesame "
                 "does not implement"), FALSE;

  return TRUE;
}

static gboolean
take_string (JsonObject  *object,
             const char  *member,
             const char  *name,
             const char  *meaning,
             char       **out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (!node)
    return fail (error, SESAME_TOKEN_ERROR_MISSING_CLAIM,
                 "the token has no \"%s\" claim (%s)", name, meaning), FALSE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (error, SESAME_TOKEN_ERROR_BAD_CLAIM,
                 "the token's \"%s\" claim (%s) is not a string", name, meaning), FALSE;
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
take_time (JsonObject *object,
           const char *name,
           gboolean    required,
           gboolean   *present,
           gint64     *out,
           GError    **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (present)
    *present = node != NULL;
  if (!node && required)
    return fail (error, SESAME_TOKEN_ERROR_MISSING_CLAIM,
                 "the token has no \"%s\" claim", name), FALSE;
  if (!node)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return fail (error, SESAME_TOKEN_ERROR_BAD_CLAIM,
                 "the token's \"%s\" claim is not a whole number of seconds", name), FALSE;
  *out = json_node_get_int (node);
  return check_time_claim (*out, name, error);
}

static SesameTokenClaims *
claims_from_payload (JsonObject *payload,
                     gint64      now,
                     GError    **error)
{
  g_autoptr(SesameTokenClaims) claims = g_new0 (SesameTokenClaims, 1);
  g_autofree char *other_user_id = NULL;
  JsonNode *node;
  JsonObject *other;
  gboolean has_nbf = FALSE;
  gint64 not_before = 0;

  if (!take_string (payload, "sub", "sub", "user id", &claims->user_id, error) ||
      !take_time (payload, "iat", TRUE, NULL, &claims->issued_at, error) ||
      !take_time (payload, "exp", TRUE, NULL, &claims->expires_at, error) ||
      !take_time (payload, "nbf", FALSE, &has_nbf, &not_before, error) ||
      !take_string (payload, "iss", "iss", "issuer", &claims->issuer, error) ||
      !take_string (payload, "scope", "scope", "scopes", &claims->scope, error))
    return NULL;

  node = json_object_get_member (payload, "other");
  if (!node)
    return fail (error, SESAME_TOKEN_ERROR_MISSING_CLAIM,
                 "the token has no \"other\" claim (tenant, user and action)");
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, SESAME_TOKEN_ERROR_BAD_CLAIM,
                 "the token's \"other\" claim is not a JSON object");
  other = json_node_get_object (node);
  if (!take_string (other, "tenantId", "other.tenantId", "tenant id", &claims->tenant_id,
                    error) ||
      !take_string (other, "userId", "other.userId", "user id", &other_user_id, error) ||
      !take_string (other, "actionCode", "other.actionCode", "action code",
                    &claims->action_code, error) ||
      !take_string (other, "idempotencyKey", "other.idempotencyKey",
                    "action's idempotency key", &claims->idempotency_key, error))
    return NULL;

  if (!check_claims (claims, error))
    return NULL;
  if (strcmp (other_user_id, claims->user_id) != 0)
    {
      g_autofree char *quoted_other = quote (other_user_id);
      g_autofree char *quoted_sub = quote (claims->user_id);
      return fail (error, SESAME_TOKEN_ERROR_BAD_CLAIM,
                   "the token's \"other.userId\" %s differs from its \"sub\" %s",
                   quoted_other, quoted_sub);
    }

  if (now >= claims->expires_at)
    return fail (error, SESAME_TOKEN_ERROR_EXPIRED,
                 "the token expired %" G_GINT64_FORMAT " s ago (exp %" G_GINT64_FORMAT ")",
                 now - claims->expires_at, claims->expires_at);
  if (claims->issued_at > now + SESAME_TOKEN_CLOCK_SKEW)
    return fail (error, SESAME_TOKEN_ERROR_NOT_YET_VALID,
                 "the token was issued %" G_GINT64_FORMAT " s in the future (iat %"
                 G_GINT64_FORMAT "), more than the %d s of clock skew allowed",
                 claims->issued_at - now, claims->issued_at, SESAME_TOKEN_CLOCK_SKEW);
  if (has_nbf && not_before > now + SESAME_TOKEN_CLOCK_SKEW)
    return fail (error, SESAME_TOKEN_ERROR_NOT_YET_VALID,
                 "the token is not valid for another %" G_GINT64_FORMAT " s (nbf %"
                 G_GINT64_FORMAT ")", not_before - now, not_before);

  return g_steal_pointer (&claims);
}

SesameTokenClaims *
sesame_token_verify (const guint8 *key,
                     gsize         key_len,
                     const char   *token,
                     gint64        now,
                     GError      **error)
{
  gsize len;
  const char *first_dot;
  const char *second_dot;
  g_autoptr(GBytes) header_bytes = NULL;
  g_autoptr(GBytes) signature = NULL;
  g_autoptr(GBytes) payload_bytes = NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;
  guint8 mac[SHA256_DIGEST_LENGTH];
  unsigned int mac_len = 0;
  gsize signature_len;
  const guint8 *signature_data;
  guint dots = 0;

  if (!check_key (key, key_len, error))
    return NULL;
  if (!token || !*token)
    return fail (error, SESAME_TOKEN_ERROR_MALFORMED, "the token is empty");

  /* Bounded, so that a huge string costs no more than a short one. */
  len = strnlen (token, SESAME_TOKEN_MAX_LEN + 1);
  if (len > SESAME_TOKEN_MAX_LEN)
    return fail (error, SESAME_TOKEN_ERROR_TOO_LARGE,
                 "the token is longer than %d characters; Sesame's tokens are far shorter",
                 SESAME_TOKEN_MAX_LEN);

  for (gsize i = 0; i < len; i++)
    if (token[i] == '.')
      dots++;
  if (dots != 2)
    return fail (error, SESAME_TOKEN_ERROR_MALFORMED,
                 "the token has %u segment%s; a signed JWT has three, "
                 "header.payload.signature", dots + 1, dots == 0 ? "" : "s");
  first_dot = strchr (token, '.');
  second_dot = strchr (first_dot + 1, '.');
  if (first_dot == token)
    return fail (error, SESAME_TOKEN_ERROR_MALFORMED, "the token's header is empty");
  if (second_dot == first_dot + 1)
    return fail (error, SESAME_TOKEN_ERROR_MALFORMED, "the token's payload is empty");

  header_bytes = decode_segment (token, first_dot - token, "header", error);
  if (!header_bytes)
    return NULL;
  header = parse_json_object (header_bytes, "header", error);
  if (!header || !check_header (header, error))
    return NULL;

  /* A payload that is not base64url makes the token malformed, but its
   * JSON is parsed only once the signature has matched. */
  payload_bytes = decode_segment (first_dot + 1, second_dot - first_dot - 1, "payload", error);
  if (!payload_bytes)
    return NULL;
  signature = decode_segment (second_dot + 1, token + len - second_dot - 1, "signature",
                              error);
  if (!signature)
    return NULL;
  signature_data = g_bytes_get_data (signature, &signature_len);
  if (signature_len == 0)
    return fail (error, SESAME_TOKEN_ERROR_BAD_SIGNATURE, "the token has no signature");
  if (signature_len != SHA256_DIGEST_LENGTH)
    return fail (error, SESAME_TOKEN_ERROR_BAD_SIGNATURE,
                 "the token's signature is %" G_GSIZE_FORMAT " bytes; an HS256 signature "
                 "is %d", signature_len, SHA256_DIGEST_LENGTH);

  if (!HMAC (EVP_sha256 (), key, (int) key_len, (const guint8 *) token,
             second_dot - token, mac, &mac_len) || mac_len != SHA256_DIGEST_LENGTH)
    return fail (error, SESAME_TOKEN_ERROR_FAILED, "OpenSSL could not compute HMAC-SHA256");
  if (CRYPTO_memcmp (mac, signature_data, SHA256_DIGEST_LENGTH) != 0)
    return fail (error, SESAME_TOKEN_ERROR_BAD_SIGNATURE,
                 "the token's signature does not match: it was not issued with this "
                 "tenant's key, or it was changed");

  payload = parse_json_object (payload_bytes, "payload", error);
  if (!payload)
    return NULL;
  return claims_from_payload (payload, now, error);
}
