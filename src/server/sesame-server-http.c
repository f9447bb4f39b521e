/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-server-http.h"
#include "sesame-base64.h"
#include "sesame-json.h"
#include "sesame-server-private.h"
#include "sesame-webauthn.h"

#include <openssl/crypto.h>
#include <string.h>

G_DEFINE_QUARK (sesame-api-error-quark, sesame_api_error)

static const struct
{
  const char *code;
  guint       status;
} api_errors[] = {
  [SESAME_API_ERROR_INVALID_REQUEST] = { "invalid_request", SOUP_STATUS_BAD_REQUEST },
  [SESAME_API_ERROR_INVALID_BASE64URL] = { "invalid_base64url", SOUP_STATUS_BAD_REQUEST },
  [SESAME_API_ERROR_INVALID_CREDENTIAL] = { "invalid_credential", SOUP_STATUS_BAD_REQUEST },
  [SESAME_API_ERROR_UNKNOWN_CREDENTIAL] = { "unknown_credential", SOUP_STATUS_NOT_FOUND },
  [SESAME_API_ERROR_EXPIRED_TOKEN] = { "expired_token", SOUP_STATUS_UNAUTHORIZED },
  [SESAME_API_ERROR_INVALID_TOKEN] = { "invalid_token", SOUP_STATUS_UNAUTHORIZED },
  [SESAME_API_ERROR_UNAUTHORIZED] = { "unauthorized", SOUP_STATUS_UNAUTHORIZED },
  [SESAME_API_ERROR_FORBIDDEN] = { "forbidden", SOUP_STATUS_FORBIDDEN },
  [SESAME_API_ERROR_NOT_FOUND] = { "not_found", SOUP_STATUS_NOT_FOUND },
  [SESAME_API_ERROR_METHOD_NOT_ALLOWED] = { "method_not_allowed", SOUP_STATUS_METHOD_NOT_ALLOWED },
  [SESAME_API_ERROR_CONFLICT] = { "conflict", SOUP_STATUS_CONFLICT },
  [SESAME_API_ERROR_PAYLOAD_TOO_LARGE] = { "payload_too_large",
                                           SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE },
  /* The wire has no code of its own for this: the body is bad input. */
  [SESAME_API_ERROR_UNSUPPORTED_MEDIA_TYPE] = { "invalid_request",
                                                SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE },
  [SESAME_API_ERROR_CHALLENGE_EXPIRED] = { "challenge_expired", SOUP_STATUS_BAD_REQUEST },
  [SESAME_API_ERROR_CHALLENGE_REPLAYED] = { "challenge_replayed", SOUP_STATUS_CONFLICT },
  [SESAME_API_ERROR_CHALLENGE_NOT_FOUND] = { "challenge_not_found", SOUP_STATUS_NOT_FOUND },
  [SESAME_API_ERROR_INTERNAL] = { "internal_error", SOUP_STATUS_INTERNAL_SERVER_ERROR },
};

const char *
sesame_api_error_code (SesameApiError code)
{
  g_return_val_if_fail ((gsize) code < G_N_ELEMENTS (api_errors), "internal_error");
  return api_errors[code].code;
}

guint
sesame_api_error_status (SesameApiError code)
{
  g_return_val_if_fail ((gsize) code < G_N_ELEMENTS (api_errors), 500);
  return api_errors[code].status;
}

/* The real service's words, so that a developer who searches them finds
 * the same advice. */
#define UNAUTHORIZED_SECRET_TEXT \
  "The request is unauthorized. Check that your API key and region base URL are correctly " \
  "configured."

void
sesame_request_clear (SesameRequest *req)
{
  g_clear_pointer (&req->params, g_strfreev);
  g_clear_pointer (&req->body, g_bytes_unref);
  g_clear_pointer (&req->origin, g_free);
  g_clear_pointer (&req->user_agent, g_free);
  g_clear_pointer (&req->tenant, sesame_tenant_free);
  g_clear_pointer (&req->claims, sesame_token_claims_free);
}

/* Authentication */

static gboolean
fail_unauthorized (GError    **error,
                   const char *message)
{
  g_set_error_literal (error, SESAME_API_ERROR, SESAME_API_ERROR_UNAUTHORIZED, message);
  return FALSE;
}

/* "Basic <b64>" → the decoded text, which must be UTF-8 without NULs or
 * control characters. */
static char *
decode_basic (const char *param,
              GError    **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *data;
  gsize len;

  bytes = sesame_base64_decode_strict (param, &local_error);
  if (!bytes)
    {
      g_set_error (error, SESAME_API_ERROR, SESAME_API_ERROR_UNAUTHORIZED,
                   "The Basic credentials are not valid base64: %s", local_error->message);
      return NULL;
    }
  data = g_bytes_get_data (bytes, &len);
  if (!g_utf8_validate_len (data, len, NULL))
    {
      fail_unauthorized (error, "The Basic credentials are not valid UTF-8");
      return NULL;
    }
  for (gsize i = 0; i < len; i++)
    if ((guchar) data[i] < 0x20 || data[i] == 0x7f)
      {
        fail_unauthorized (error, "The Basic credentials contain a control character");
        return NULL;
      }
  return g_strndup (data, len);
}

static gboolean
authenticate_secret (SesameRequest *req,
                     char          *text,
                     GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  gsize len = strlen (text);

  /* The SDKs send "secret:" (an empty password); a bare "secret" is
   * accepted too. */
  if (len > 0 && text[len - 1] == ':')
    text[len - 1] = '\0';

  req->tenant = sesame_store_find_tenant_by_secret_key (req->store, text, &local_error);
  if (req->tenant)
    return TRUE;
  if (g_error_matches (local_error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_SECRET_KEY_MISMATCH))
    return fail_unauthorized (error, UNAUTHORIZED_SECRET_TEXT);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static gboolean
authenticate_tenant (SesameRequest *req,
                     char          *text,
                     GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  char *colon = strchr (text, ':');

  /* @authsignal/browser sends btoa(encodeURIComponent(tenantId)) with no
   * colon; the docs' curl examples send "tenantId:". A password would be a
   * mistake (a secret key pasted into a page?), so it is refused. */
  if (colon)
    {
      if (colon[1] != '\0')
        return fail_unauthorized (error,
                                  "Client API credentials are the tenant ID alone, with an empty "
                                  "password; never send a secret key from a browser");
      *colon = '\0';
    }
  if (!*text)
    return fail_unauthorized (error, "The Basic credentials name no tenant ID");

  req->tenant = sesame_store_get_tenant (req->store, text, &local_error);
  if (!req->tenant && strchr (text, '%') &&
      g_error_matches (local_error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND))
    {
      g_autofree char *unescaped = g_uri_unescape_string (text, NULL);

      g_clear_error (&local_error);
      if (unescaped)
        req->tenant = sesame_store_get_tenant (req->store, unescaped, &local_error);
      else
        g_set_error_literal (&local_error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND, "");
    }
  if (req->tenant)
    return TRUE;
  /* The text is not echoed: it may be a secret key sent by mistake. */
  if (g_error_matches (local_error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND))
    return fail_unauthorized (error,
                              "The tenant ID in the Authorization header is not a tenant of this "
                              "server");
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* Which tenant a token claims to come from, read before its signature can
 * be checked (the key is the tenant's). Only a lookup key: the claims are
 * trusted once sesame_token_verify() accepted the token under that key. */
static char *
peek_token_tenant (const char *token)
{
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(JsonNode) root = NULL;
  const char *first, *second, *data;
  JsonNode *other, *member;
  gsize len;

  first = strchr (token, '.');
  if (!first)
    return NULL;
  second = strchr (first + 1, '.');
  if (!second)
    return NULL;
  payload = sesame_base64url_decode_len (first + 1, second - first - 1, NULL);
  if (!payload)
    return NULL;
  data = g_bytes_get_data (payload, &len);
  if (!g_utf8_validate_len (data, len, NULL))
    return NULL;
  root = sesame_json_parse_strict (data, len, NULL);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  other = json_object_get_member (json_node_get_object (root), "other");
  if (!other || !JSON_NODE_HOLDS_OBJECT (other))
    return NULL;
  member = json_object_get_member (json_node_get_object (other), "tenantId");
  if (!member || json_node_get_value_type (member) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (member));
}

static gboolean
authenticate_token (SesameRequest *req,
                    const char    *token,
                    GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *tenant_id = NULL;
  const guint8 *key;
  gsize key_len;

  if (strlen (token) > SESAME_TOKEN_MAX_LEN || !(tenant_id = peek_token_tenant (token)))
    {
      g_set_error_literal (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_TOKEN,
                           "The Bearer token is not an action token of this server");
      return FALSE;
    }
  req->tenant = sesame_store_get_tenant (req->store, tenant_id, &local_error);
  if (!req->tenant)
    {
      if (!g_error_matches (local_error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_set_error_literal (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_TOKEN,
                           "The Bearer token names a tenant that this server does not have");
      return FALSE;
    }

  key = g_bytes_get_data (req->tenant->token_key, &key_len);
  req->claims = sesame_token_verify (key, key_len, token, g_get_real_time () / G_USEC_PER_SEC,
                                     &local_error);
  if (!req->claims)
    {
      if (g_error_matches (local_error, SESAME_TOKEN_ERROR, SESAME_TOKEN_ERROR_EXPIRED))
        g_set_error (error, SESAME_API_ERROR, SESAME_API_ERROR_EXPIRED_TOKEN,
                     "The token has expired (%s); track the action again for a new one",
                     local_error->message);
      else
        g_set_error (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_TOKEN,
                     "The token is not valid: %s", local_error->message);
      /* A refused token must not leave its tenant behind for CORS. */
      g_clear_pointer (&req->tenant, sesame_tenant_free);
      return FALSE;
    }
  if (!g_str_equal (req->claims->tenant_id, req->tenant->id))
    {
      g_clear_pointer (&req->claims, sesame_token_claims_free);
      g_clear_pointer (&req->tenant, sesame_tenant_free);
      g_set_error_literal (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_TOKEN,
                           "The token was issued for another tenant");
      return FALSE;
    }
  return TRUE;
}

gboolean
sesame_request_authenticate (SesameRequest *req,
                             SesameAuth     allowed,
                             GError       **error)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (req->msg);
  const char *header = soup_message_headers_get_one (headers, "Authorization");
  g_autofree char *scheme = NULL;
  const char *space, *param;
  gboolean ok;

  if (allowed == SESAME_AUTH_NONE)
    return TRUE;
  if (!header)
    {
      if (allowed & SESAME_AUTH_SECRET)
        return fail_unauthorized (error, "This Server API request needs an Authorization header: "
                                         "Basic base64(\"<secret key>:\")");
      if (allowed & SESAME_AUTH_TENANT)
        return fail_unauthorized (error, "This Client API request needs an Authorization header: "
                                         "Basic base64(\"<tenant id>\") or Bearer <token>");
      return fail_unauthorized (error, "This Client API request needs an Authorization header: "
                                       "Bearer <token from track>");
    }

  while (*header == ' ' || *header == '\t')
    header++;
  space = strpbrk (header, " \t");
  if (!space)
    return fail_unauthorized (error, "The Authorization header has no credentials after its "
                                     "scheme");
  scheme = g_strndup (header, space - header);
  param = space;
  while (*param == ' ' || *param == '\t')
    param++;
  if (!*param)
    return fail_unauthorized (error, "The Authorization header has no credentials after its "
                                     "scheme");

  if (g_ascii_strcasecmp (scheme, "Basic") == 0)
    {
      g_autofree char *text = NULL;
      g_autofree char *trimmed = g_strchomp (g_strdup (param));

      if (!(allowed & (SESAME_AUTH_SECRET | SESAME_AUTH_TENANT)))
        return fail_unauthorized (error, "This request needs Bearer <token from track>, not Basic "
                                         "credentials");
      text = decode_basic (trimmed, error);
      if (!text)
        return FALSE;
      if (allowed & SESAME_AUTH_SECRET)
        {
          ok = authenticate_secret (req, text, error);
          req->auth = SESAME_AUTH_SECRET;
        }
      else
        {
          ok = authenticate_tenant (req, text, error);
          req->auth = SESAME_AUTH_TENANT;
        }
      /* Both the header's copy and the decoded text may hold a secret key;
       * the heap they go back to should not keep it. */
      OPENSSL_cleanse (text, strlen (text));
      OPENSSL_cleanse (trimmed, strlen (trimmed));
      return ok;
    }
  if (g_ascii_strcasecmp (scheme, "Bearer") == 0)
    {
      g_autofree char *token = g_strchomp (g_strdup (param));

      if (!(allowed & SESAME_AUTH_TOKEN))
        return fail_unauthorized (error, (allowed & SESAME_AUTH_SECRET)
                                         ? UNAUTHORIZED_SECRET_TEXT
                                         : "This request needs Basic base64(\"<tenant id>\"), "
                                           "not a Bearer token");
      req->auth = SESAME_AUTH_TOKEN;
      return authenticate_token (req, token, error);
    }
  return fail_unauthorized (error, "The Authorization scheme must be Basic or Bearer");
}

/* Bodies */

JsonNode *
sesame_request_read_object (SesameRequest *req,
                            GError       **error)
{
  g_autofree char *problem = NULL;
  g_autoptr(JsonNode) root = NULL;
  const char *data = NULL;
  gsize len = 0;

  if (req->body)
    data = g_bytes_get_data (req->body, &len);
  if (len > SESAME_SERVER_MAX_BODY)
    {
      g_set_error (error, SESAME_API_ERROR, SESAME_API_ERROR_PAYLOAD_TOO_LARGE,
                   "The request body is %" G_GSIZE_FORMAT " bytes; at most %d are accepted",
                   len, SESAME_SERVER_MAX_BODY);
      return NULL;
    }
  if (len == 0)
    return json_node_init_object (json_node_alloc (), json_object_new ());

  if (!g_utf8_validate_len (data, len, NULL))
    {
      g_set_error_literal (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_REQUEST,
                           "The request body is not valid UTF-8");
      return NULL;
    }
  root = sesame_json_parse_strict (data, len, &problem);
  if (!root)
    {
      g_set_error (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_REQUEST,
                   "The request body is not valid JSON: %s", problem);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_REQUEST,
                           "The request body must be a JSON object");
      return NULL;
    }
  return g_steal_pointer (&root);
}

/* CORS */

static gboolean
strv_has (char      **strv,
          const char *value)
{
  return strv && g_strv_contains ((const char * const *) strv, value);
}

static gboolean
origin_allowed (SesameRequest *req)
{
  g_autoptr(GPtrArray) tenants = NULL;

  if (req->tenant)
    return strv_has (req->tenant->expected_origins, req->origin);

  /* No tenant yet (a preflight carries no Authorization): any tenant's
   * origin may make the real request, which is then checked against its
   * own tenant. */
  tenants = sesame_store_list_tenants (req->store, NULL);
  for (guint i = 0; tenants && i < tenants->len; i++)
    {
      SesameTenant *tenant = g_ptr_array_index (tenants, i);
      if (strv_has (tenant->expected_origins, req->origin))
        return TRUE;
    }
  return FALSE;
}

void
sesame_request_apply_cors (SesameRequest *req,
                           gboolean       preflight)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (req->msg);

  soup_message_headers_append (headers, "Vary", "Origin");
  if (req->origin && origin_allowed (req))
    {
      soup_message_headers_replace (headers, "Access-Control-Allow-Origin", req->origin);
      if (req->with_credentials)
        soup_message_headers_replace (headers, "Access-Control-Allow-Credentials", "true");
    }
  soup_message_headers_replace (headers, "Access-Control-Allow-Headers",
                                "Authorization, Content-Type");
  soup_message_headers_replace (headers, "Access-Control-Allow-Methods",
                                "GET, POST, PATCH, DELETE, OPTIONS");
  if (preflight)
    soup_message_headers_replace (headers, "Access-Control-Max-Age", "600");
}

/* Replies */

void
sesame_request_reply (SesameRequest *req,
                      guint          status,
                      JsonNode      *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (req->msg);
  char *data;
  gsize len;

  json_generator_set_root (generator, node);
  data = json_generator_to_data (generator, &len);
  soup_server_message_set_status (req->msg, status, NULL);
  soup_server_message_set_response (req->msg, "application/json", SOUP_MEMORY_TAKE, data, len);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  sesame_request_apply_cors (req, FALSE);
  req->status = status;
}

void
sesame_request_reply_builder (SesameRequest *req,
                              guint          status,
                              JsonBuilder   *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  sesame_request_reply (req, status, root);
}

static SesameApiError
classify_error (const GError *error)
{
  if (error->domain == SESAME_API_ERROR && (gsize) error->code < G_N_ELEMENTS (api_errors))
    return error->code;
  if (error->domain == SESAME_STORE_ERROR)
    switch ((SesameStoreError) error->code)
      {
      case SESAME_STORE_ERROR_NOT_FOUND: return SESAME_API_ERROR_NOT_FOUND;
      case SESAME_STORE_ERROR_CONFLICT: return SESAME_API_ERROR_CONFLICT;
      case SESAME_STORE_ERROR_CONSTRAINT: return SESAME_API_ERROR_INVALID_REQUEST;
      case SESAME_STORE_ERROR_ALREADY_USED: return SESAME_API_ERROR_CHALLENGE_REPLAYED;
      case SESAME_STORE_ERROR_EXPIRED: return SESAME_API_ERROR_CHALLENGE_EXPIRED;
      case SESAME_STORE_ERROR_SECRET_KEY_MISMATCH: return SESAME_API_ERROR_UNAUTHORIZED;
      default: return SESAME_API_ERROR_INTERNAL;
      }
  if (error->domain == SESAME_TOKEN_ERROR)
    return error->code == SESAME_TOKEN_ERROR_EXPIRED ? SESAME_API_ERROR_EXPIRED_TOKEN
                                                     : SESAME_API_ERROR_INVALID_TOKEN;
  if (error->domain == SESAME_WEBAUTHN_ERROR)
    return error->code == SESAME_WEBAUTHN_ERROR_BAD_BASE64URL ? SESAME_API_ERROR_INVALID_BASE64URL
                                                              : SESAME_API_ERROR_INVALID_CREDENTIAL;
  return SESAME_API_ERROR_INTERNAL;
}

void
sesame_request_reply_error (SesameRequest *req,
                            const GError  *error,
                            JsonObject    *extra,
                            guint          status)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  SesameApiError api = classify_error (error);
  const char *code = sesame_api_error_code (api);
  const char *description = error->message;

  /* An internal failure's message may name files; the log has it. */
  if (api == SESAME_API_ERROR_INTERNAL)
    {
      g_warning ("%s %s failed: %s", req->method,
                 g_uri_get_path (soup_server_message_get_uri (req->msg)), error->message);
      description = "The local tenant could not complete the request; its log says why";
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "errorCode");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "errorDescription");
  json_builder_add_string_value (builder, description);
  if (error->domain == SESAME_WEBAUTHN_ERROR)
    {
      json_builder_set_member_name (builder, "webauthnError");
      json_builder_add_string_value (builder, sesame_webauthn_error_to_string (error->code));
    }
  if (extra)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init (&iter, extra);
      while (json_object_iter_next (&iter, &name, &value))
        {
          json_builder_set_member_name (builder, name);
          json_builder_add_value (builder, json_node_copy (value));
        }
    }
  json_builder_end_object (builder);
  sesame_request_reply_builder (req, status ? status : sesame_api_error_status (api), builder);
}

void
sesame_request_reply_preflight (SesameRequest *req)
{
  soup_server_message_set_status (req->msg, SOUP_STATUS_NO_CONTENT, NULL);
  sesame_request_apply_cors (req, TRUE);
  req->status = SOUP_STATUS_NO_CONTENT;
}

/* Events */

gboolean
sesame_request_record_event (SesameRequest *req,
                             const char    *action_key,
                             const char    *user_id,
                             const char    *kind,
                             const char    *outcome,
                             const char    *reason,
                             JsonBuilder   *details,
                             GError       **error)
{
  g_autofree char *details_json = NULL;
  SesameEvent event = { 0 };

  g_return_val_if_fail (req->tenant != NULL, FALSE);

  if (details)
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = json_builder_get_root (details);

      json_generator_set_root (generator, root);
      details_json = json_generator_to_data (generator, NULL);
    }

  event.tenant_id = req->tenant->id;
  event.action_key = (char *) action_key;
  event.user_id = (char *) user_id;
  event.kind = (char *) kind;
  event.origin = req->origin;
  event.user_agent = req->user_agent;
  event.outcome = (char *) outcome;
  event.reason = (char *) reason;
  event.details = details_json;
  return sesame_store_append_event (req->store, &event, error) != 0;
}

/* Paths */

GStrv
sesame_http_split_path (const char *raw_path,
                        GError    **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) parts = NULL;

  if (!raw_path || raw_path[0] != '/')
    {
      g_set_error_literal (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_REQUEST,
                           "The request path must start with a slash");
      return NULL;
    }
  /* Each segment is decoded on its own, so "%2F" in a user id stays in
   * that id, and '+' is a '+' (only form data turns it into a space). */
  parts = g_strsplit (raw_path + 1, "/", -1);
  for (guint i = 0; parts[i]; i++)
    {
      g_autofree char *decoded = g_uri_unescape_segment (parts[i], NULL, NULL);

      if (!decoded)
        {
          g_set_error (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_REQUEST,
                       "Path segment %u has a bad percent-encoding (or an encoded NUL)", i + 1);
          return NULL;
        }
      if (!g_utf8_validate (decoded, -1, NULL))
        {
          g_set_error (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_REQUEST,
                       "Path segment %u is not valid UTF-8 once decoded", i + 1);
          return NULL;
        }
      g_strv_builder_add (builder, decoded);
    }
  return g_strv_builder_end (builder);
}

/* JSON members and identifiers */

gboolean
sesame_json_get_string (JsonObject  *object,
                        const char  *member,
                        gboolean     required,
                        gsize        max_len,
                        const char **out,
                        GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  const char *value;

  *out = NULL;
  if (!node || JSON_NODE_HOLDS_NULL (node))
    {
      if (!required)
        return TRUE;
      g_set_error (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_REQUEST,
                   "The request needs \"%s\"", member);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_REQUEST,
                   "\"%s\" must be a string", member);
      return FALSE;
    }
  value = json_node_get_string (node);
  if (required && !*value)
    {
      g_set_error (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_REQUEST,
                   "\"%s\" must not be empty", member);
      return FALSE;
    }
  if (max_len && strlen (value) > max_len)
    {
      g_set_error (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_REQUEST,
                   "\"%s\" is longer than %" G_GSIZE_FORMAT " bytes", member, max_len);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

gboolean
sesame_json_get_boolean (JsonObject *object,
                         const char *member,
                         gboolean   *out,
                         GError    **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = FALSE;
  if (!node || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_REQUEST,
                   "\"%s\" must be true or false", member);
      return FALSE;
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
sesame_check_identifier (const char *value,
                         const char *what,
                         gsize       max_len,
                         GError    **error)
{
  gsize len = value ? strlen (value) : 0;

  if (len == 0)
    {
      g_set_error (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_REQUEST,
                   "The %s must not be empty", what);
      return FALSE;
    }
  if (len > max_len)
    {
      g_set_error (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_REQUEST,
                   "The %s is longer than %" G_GSIZE_FORMAT " bytes", what, max_len);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    if ((guchar) value[i] < 0x20 || value[i] == 0x7f)
      {
        g_set_error (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_REQUEST,
                     "The %s contains a control character", what);
        return FALSE;
      }
  return TRUE;
}

gboolean
sesame_check_action_code (const char *code,
                          GError    **error)
{
  gsize len = code ? strlen (code) : 0;

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (code[i]) && code[i] != '_' && code[i] != '-')
      {
        len = 0;
        break;
      }
  if (len == 0 || len > 64)
    {
      g_set_error_literal (error, SESAME_API_ERROR, SESAME_API_ERROR_INVALID_REQUEST,
                           "An action code is 1 to 64 letters, digits, '_' or '-'");
      return FALSE;
    }
  return TRUE;
}

gboolean
sesame_is_action_state (const char *state)
{
  static const char * const states[] = {
    "ALLOW", "BLOCK", "CHALLENGE_REQUIRED", "CHALLENGE_SUCCEEDED", "CHALLENGE_FAILED",
    "REVIEW_REQUIRED", "REVIEW_SUCCEEDED", "REVIEW_FAILED", NULL,
  };

  return state && g_strv_contains (states, state);
}

/* JSON shapes */

char *
sesame_http_format_time (gint64 usec)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autofree char *seconds = NULL;

  if (!time)
    return g_strdup ("1970-01-01T00:00:00.000Z");
  seconds = g_date_time_format (time, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s.%03dZ", seconds, (int) ((usec % G_USEC_PER_SEC) / 1000));
}

void
sesame_json_add_time (JsonBuilder *builder,
                      const char  *member,
                      gint64       usec)
{
  g_autofree char *text = sesame_http_format_time (usec);

  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, text);
}


/* Names for the AAGUIDs of the passkey providers a developer meets most;
 * anything else is just a "Passkey". */
static const struct
{
  const char *aaguid;
  const char *name;
} aaguid_names[] = {
  { "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4", "Google Password Manager" },
  { "adce0002-35bc-c60a-648b-0b25f1f05503", "Chrome on Mac" },
  { "fbfc3007-154e-4ecc-8c0b-6e020557d7bd", "iCloud Keychain" },
  { "08987058-cadc-4b81-b6e1-30de50dcbe96", "Windows Hello" },
  { "bada5566-a7aa-401f-bd96-45619a55120d", "1Password" },
};

static const char *
aaguid_name (const char *aaguid)
{
  for (gsize i = 0; aaguid && i < G_N_ELEMENTS (aaguid_names); i++)
    if (g_str_equal (aaguid_names[i].aaguid, aaguid))
      return aaguid_names[i].name;
  return "Passkey";
}

void
sesame_json_add_authenticator (JsonBuilder         *builder,
                               const SesamePasskey *passkey,
                               const SesameUser    *user)
{
  g_autofree char *credential_id = sesame_base64url_encode_bytes (passkey->credential_id);
  const char *name = aaguid_name (passkey->aaguid);

  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "userAuthenticatorId", passkey->id);
  sesame_json_add_string (builder, "userId", passkey->user_id);
  sesame_json_add_string (builder, "verificationMethod", "PASSKEY");
  sesame_json_add_time (builder, "createdAt", passkey->created);
  sesame_json_add_time (builder, "verifiedAt", passkey->created);
  if (passkey->last_used)
    sesame_json_add_time (builder, "lastVerifiedAt", passkey->last_used);
  if (user)
    {
      sesame_json_add_string (builder, "username", user->username);
      sesame_json_add_string (builder, "displayName", user->display_name);
    }

  json_builder_set_member_name (builder, "webauthnCredential");
  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "credentialId", credential_id);
  sesame_json_add_string (builder, "name", name);
  sesame_json_add_string (builder, "aaguid", passkey->aaguid);
  json_builder_set_member_name (builder, "aaguidMapping");
  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "name", name);
  json_builder_end_object (builder);
  sesame_json_add_boolean (builder, "credentialBackedUp", passkey->backed_up);
  sesame_json_add_string (builder, "credentialDeviceType",
              passkey->backup_eligible ? "multiDevice" : "singleDevice");
  json_builder_set_member_name (builder, "transports");
  json_builder_begin_array (builder);
  for (guint i = 0; passkey->transports && passkey->transports[i]; i++)
    json_builder_add_string_value (builder, passkey->transports[i]);
  json_builder_end_array (builder);
  sesame_json_add_string (builder, "attestationFormat", passkey->attestation_format);
  if (passkey->user_agent)
    {
      json_builder_set_member_name (builder, "parsedUserAgent");
      json_builder_begin_object (builder);
      sesame_json_add_string (builder, "ua", passkey->user_agent);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  json_builder_end_object (builder);
}

void
sesame_json_add_action_members (JsonBuilder        *builder,
                                const SesameAction *action)
{
  sesame_json_add_string (builder, "actionCode", action->action_code);
  sesame_json_add_string (builder, "idempotencyKey", action->idempotency_key);
  sesame_json_add_string (builder, "userId", action->user_id);
  sesame_json_add_string (builder, "state", action->state);
  sesame_json_add_time (builder, "createdAt", action->created);
  sesame_json_add_time (builder, "updatedAt", action->updated);
  sesame_json_add_time (builder, "stateUpdatedAt", action->state_updated);
  sesame_json_add_string (builder, "verificationMethod", action->verification_method);
  sesame_json_add_string (builder, "verifiedByAuthenticatorId", action->authenticator_id);
}

gboolean
sesame_api_fail (GError        **error,
                 SesameApiError  code,
                 const char     *format,
                 ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (SESAME_API_ERROR, code, format, args));
  va_end (args);
  return FALSE;
}

void
sesame_json_add_string (JsonBuilder *builder,
                        const char  *member,
                        const char  *value)
{
  if (!value)
    return;
  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, value);
}

void
sesame_json_add_int (JsonBuilder *builder,
                     const char  *member,
                     gint64       value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_int_value (builder, value);
}

void
sesame_json_add_boolean (JsonBuilder *builder,
                         const char  *member,
                         gboolean     value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_boolean_value (builder, value);
}
