/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-client-data.h"
#include "sesame-base64.h"
#include "sesame-json.h"
#include "sesame-webauthn-error.h"

#include <openssl/sha.h>

#define CLIENT_DATA_MAX_LEN (64 * 1024)

void
sesame_client_data_free (SesameClientData *client_data)
{
  if (!client_data)
    return;
  g_free (client_data->type);
  g_free (client_data->challenge);
  g_clear_pointer (&client_data->challenge_bytes, g_bytes_unref);
  g_free (client_data->origin);
  g_free (client_data->top_origin);
  g_free (client_data->token_binding_status);
  g_clear_pointer (&client_data->raw, g_bytes_unref);
  g_free (client_data);
}

static gboolean
bad (GError    **error,
     const char *format,
     ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad (GError    **error,
     const char *format,
     ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CLIENT_DATA,
                       message);
  return FALSE;
}

static gboolean
take_string (JsonObject  *object,
             const char  *member,
             gboolean     required,
             char       **out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (!node)
    return required ? bad (error, "clientDataJSON has no \"%s\"", member) : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return bad (error, "clientDataJSON \"%s\" is not a string", member);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

/* clientDataJSON is parsed as JSON, never compared to a template: browsers
 * add members (Chrome adds a random one on purpose). */
SesameClientData *
sesame_client_data_parse (const guint8 *data,
                          gsize         len,
                          GError      **error)
{
  g_autoptr(SesameClientData) cd = g_new0 (SesameClientData, 1);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *problem = NULL;
  JsonObject *object;
  JsonNode *node;

  if (len == 0)
    return bad (error, "clientDataJSON is empty"), NULL;
  if (len > CLIENT_DATA_MAX_LEN)
    return bad (error, "clientDataJSON is %" G_GSIZE_FORMAT " bytes, more than the %d allowed",
                len, CLIENT_DATA_MAX_LEN), NULL;
  if (!g_utf8_validate ((const char *) data, (gssize) len, NULL))
    return bad (error, "clientDataJSON is not valid UTF-8"), NULL;

  root = sesame_json_parse_strict ((const char *) data, len, &problem);
  if (!root)
    return bad (error, "clientDataJSON is not JSON: %s", problem), NULL;
  node = root;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return bad (error, "clientDataJSON is not a JSON object"), NULL;
  object = json_node_get_object (node);

  if (!take_string (object, "type", TRUE, &cd->type, error) ||
      !take_string (object, "challenge", TRUE, &cd->challenge, error) ||
      !take_string (object, "origin", TRUE, &cd->origin, error) ||
      !take_string (object, "topOrigin", FALSE, &cd->top_origin, error))
    return NULL;

  cd->challenge_bytes = sesame_base64url_decode (cd->challenge, &local_error);
  if (!cd->challenge_bytes)
    return bad (error, "clientDataJSON challenge is not base64url: %s",
                local_error->message), NULL;

  node = json_object_get_member (object, "crossOrigin");
  if (node)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        return bad (error, "clientDataJSON \"crossOrigin\" is not a boolean"), NULL;
      cd->cross_origin = json_node_get_boolean (node);
      cd->has_cross_origin = TRUE;
    }

  /* Token binding: an object with a status. Early Firefox releases sent a
   * bare string here; it carries no binding and is ignored. */
  node = json_object_get_member (object, "tokenBinding");
  if (node && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *tb = json_node_get_object (node);
      if (!take_string (tb, "status", TRUE, &cd->token_binding_status, error))
        return NULL;
    }

  cd->raw = g_bytes_new (data, len);
  SHA256 (data, len, cd->hash);
  return g_steal_pointer (&cd);
}

void
sesame_client_data_describe (const SesameClientData *cd,
                             JsonBuilder            *builder)
{
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, cd->type);
  json_builder_set_member_name (builder, "challenge");
  json_builder_add_string_value (builder, cd->challenge);
  json_builder_set_member_name (builder, "origin");
  json_builder_add_string_value (builder, cd->origin);
  if (cd->has_cross_origin)
    {
      json_builder_set_member_name (builder, "crossOrigin");
      json_builder_add_boolean_value (builder, cd->cross_origin);
    }
  if (cd->top_origin)
    {
      json_builder_set_member_name (builder, "topOrigin");
      json_builder_add_string_value (builder, cd->top_origin);
    }
  if (cd->token_binding_status)
    {
      json_builder_set_member_name (builder, "tokenBindingStatus");
      json_builder_add_string_value (builder, cd->token_binding_status);
    }
}
