/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-http-auth.h"

#include "sesame-base64.h"
#include "sesame-http-error.h"
#include "sesame-json.h"

#include <openssl/crypto.h>
#include <string.h>

/* The real service's words, so that a developer who searches them finds
 * the same advice. */
#define UNAUTHORIZED_SECRET_TEXT \
  "The request is unauthorized. Check that your API key and region base URL are correctly " \
  "configured."

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
  const char *header = sesame_request_get_header (req, "Authorization");
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

