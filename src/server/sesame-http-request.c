/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-http-request.h"

#include "sesame-http-error.h"
#include "sesame-json.h"

#include <string.h>

/* Header values recorded in events are cut here. */
#define HEADER_MAX_LEN 1024

/* A header value fit for an event: valid UTF-8, bounded. */
static char *
header_for_event (SoupMessageHeaders *headers,
                  const char         *name)
{
  const char *value = soup_message_headers_get_one (headers, name);

  if (!value)
    return NULL;
  return g_utf8_make_valid (value, MIN (strlen (value), HEADER_MAX_LEN));
}

static void
copy_header (const char *name,
             const char *value,
             gpointer    user_data)
{
  soup_message_headers_append (user_data, name, value);
}

SesameRequest *
sesame_request_new (SesameServer       *server,
                    const char         *method,
                    const char         *path,
                    GHashTable         *query,
                    SoupMessageHeaders *headers,
                    GBytes             *body)
{
  SesameRequest *req = g_new0 (SesameRequest, 1);

  g_return_val_if_fail (SESAME_IS_SERVER (server), NULL);
  g_return_val_if_fail (method && path && headers, NULL);

  req->server = g_object_ref (server);
  req->store = sesame_server_get_store (server);
  req->method = g_strdup (method);
  req->path = g_strdup (path);
  if (query)
    {
      GHashTableIter iter;
      gpointer key, value;

      req->query = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_iter_init (&iter, query);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (req->query, g_strdup (key), g_strdup (value));
    }
  req->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  soup_message_headers_foreach (headers, copy_header, req->headers);
  req->body = body ? g_bytes_ref (body) : NULL;
  req->origin = header_for_event (headers, "Origin");
  req->user_agent = header_for_event (headers, "User-Agent");
  req->caller.origin = req->origin;
  req->caller.user_agent = req->user_agent;
  return req;
}

void
sesame_request_free (SesameRequest *req)
{
  if (!req)
    return;
  g_free (req->method);
  g_free (req->path);
  g_clear_pointer (&req->query, g_hash_table_unref);
  g_clear_pointer (&req->headers, soup_message_headers_unref);
  g_clear_pointer (&req->body, g_bytes_unref);
  g_free (req->origin);
  g_free (req->user_agent);
  g_clear_object (&req->server);
  g_strfreev (req->params);
  sesame_tenant_free (req->tenant);
  sesame_token_claims_free (req->claims);
  g_free (req);
}

const char *
sesame_request_get_header (SesameRequest *req,
                           const char    *name)
{
  return soup_message_headers_get_one (req->headers, name);
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
    {
      /* json_node_init_object() takes a reference of its own. */
      g_autoptr(JsonObject) empty = json_object_new ();

      return json_node_init_object (json_node_alloc (), empty);
    }

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
sesame_reply_apply_cors (SesameReply   *reply,
                         SesameRequest *req,
                         gboolean       preflight)
{
  sesame_reply_set_header (reply, "Vary", "Origin");
  if (req->origin && origin_allowed (req))
    {
      sesame_reply_set_header (reply, "Access-Control-Allow-Origin", req->origin);
      if (req->with_credentials)
        sesame_reply_set_header (reply, "Access-Control-Allow-Credentials", "true");
    }
  sesame_reply_set_header (reply, "Access-Control-Allow-Headers", "Authorization, Content-Type");
  sesame_reply_set_header (reply, "Access-Control-Allow-Methods",
                           "GET, POST, PATCH, DELETE, OPTIONS");
  if (preflight)
    sesame_reply_set_header (reply, "Access-Control-Max-Age", "600");
}

/* Replies */

SesameReply *
sesame_reply_new (void)
{
  SesameReply *reply = g_new0 (SesameReply, 1);

  reply->headers = g_ptr_array_new_with_free_func (g_free);
  return reply;
}

void
sesame_reply_free (SesameReply *reply)
{
  if (!reply)
    return;
  g_clear_pointer (&reply->body, json_node_unref);
  g_clear_pointer (&reply->data, g_bytes_unref);
  g_free (reply->content_type);
  g_ptr_array_unref (reply->headers);
  g_clear_pointer (&reply->error_extra, json_object_unref);
  g_free (reply);
}

void
sesame_reply_take_json (SesameReply *reply,
                        guint        status,
                        JsonNode    *body)
{
  g_clear_pointer (&reply->body, json_node_unref);
  reply->body = body;
  reply->status = status;
}

void
sesame_reply_builder (SesameReply *reply,
                      guint        status,
                      JsonBuilder *builder)
{
  sesame_reply_take_json (reply, status, json_builder_get_root (builder));
}

/* A header set again replaces the earlier value, as the SoupMessageHeaders
 * it ends up in would with replace. */
void
sesame_reply_set_header (SesameReply *reply,
                         const char  *name,
                         const char  *value)
{
  for (guint i = 0; i + 1 < reply->headers->len; i += 2)
    if (g_ascii_strcasecmp (g_ptr_array_index (reply->headers, i), name) == 0)
      {
        g_free (g_ptr_array_index (reply->headers, i + 1));
        g_ptr_array_index (reply->headers, i + 1) = g_strdup (value);
        return;
      }
  g_ptr_array_add (reply->headers, g_strdup (name));
  g_ptr_array_add (reply->headers, g_strdup (value));
}

void
sesame_reply_add_error_member (SesameReply *reply,
                               const char  *member,
                               JsonNode    *value)
{
  if (!reply->error_extra)
    reply->error_extra = json_object_new ();
  json_object_set_member (reply->error_extra, member, value);
}

void
sesame_reply_preflight (SesameReply *reply)
{
  g_clear_pointer (&reply->body, json_node_unref);
  reply->status = SOUP_STATUS_NO_CONTENT;
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

