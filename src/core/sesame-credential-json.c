/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-base64.h"
#include "sesame-webauthn.h"

void
sesame_credential_json_free (SesameCredentialJson *credential)
{
  if (!credential)
    return;
  g_free (credential->id);
  g_clear_pointer (&credential->raw_id, g_bytes_unref);
  g_clear_pointer (&credential->client_data_json, g_bytes_unref);
  g_clear_pointer (&credential->attestation_object, g_bytes_unref);
  g_clear_pointer (&credential->authenticator_data, g_bytes_unref);
  g_clear_pointer (&credential->signature, g_bytes_unref);
  g_clear_pointer (&credential->user_handle, g_bytes_unref);
  g_strfreev (credential->transports);
  g_free (credential->authenticator_attachment);
  g_free (credential);
}

static gboolean bad (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad (GError    **error,
     const char *format,
     ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (SESAME_WEBAUTHN_ERROR,
                                                SESAME_WEBAUTHN_ERROR_BAD_CREDENTIAL,
                                                format, args));
  va_end (args);
  return FALSE;
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

/* A base64url member: required members must be strings; optional ones may
 * also be absent or null. */
static gboolean
get_buffer (JsonObject  *object,
            const char  *member,
            gboolean     required,
            GBytes     **out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autoptr(GError) local_error = NULL;
  const char *text;

  if (!node || JSON_NODE_HOLDS_NULL (node))
    return required ? bad (error, "credential response has no \"%s\"", member) : TRUE;
  text = get_string (object, member);
  if (!text)
    return bad (error, "credential response \"%s\" is not a base64url string", member);
  *out = sesame_base64url_decode (text, &local_error);
  if (!*out)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_BASE64URL,
                   "credential response \"%s\": %s", member, local_error->message);
      return FALSE;
    }
  return TRUE;
}

SesameCredentialJson *
sesame_credential_json_parse (JsonNode  *node,
                              gboolean   registration,
                              GError   **error)
{
  g_autoptr(SesameCredentialJson) credential = g_new0 (SesameCredentialJson, 1);
  g_autoptr(GBytes) id_bytes = NULL;
  JsonObject *object, *response;
  JsonNode *member;
  const char *text;

  if (!node || !JSON_NODE_HOLDS_OBJECT (node))
    return bad (error, "credential is not a JSON object"), NULL;
  object = json_node_get_object (node);

  text = get_string (object, "type");
  if (!text || !g_str_equal (text, "public-key"))
    return bad (error, "credential \"%s\" must be \"public-key\"", "type"), NULL;

  text = get_string (object, "id");
  if (!text)
    return bad (error, "credential has no string \"%s\"", "id"), NULL;
  credential->id = g_strdup (text);
  if (!get_buffer (object, "id", TRUE, &id_bytes, error) ||
      !get_buffer (object, "rawId", TRUE, &credential->raw_id, error))
    return NULL;
  if (!g_bytes_equal (id_bytes, credential->raw_id))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_CREDENTIAL_ID_MISMATCH,
                   "credential id and rawId name different credentials");
      return NULL;
    }

  member = json_object_get_member (object, "response");
  if (!member || !JSON_NODE_HOLDS_OBJECT (member))
    return bad (error, "credential has no \"%s\" object", "response"), NULL;
  response = json_node_get_object (member);

  if (!get_buffer (response, "clientDataJSON", TRUE, &credential->client_data_json, error))
    return NULL;

  if (registration)
    {
      if (!get_buffer (response, "attestationObject", TRUE, &credential->attestation_object, error))
        return NULL;
      member = json_object_get_member (response, "transports");
      if (member && JSON_NODE_HOLDS_ARRAY (member))
        {
          JsonArray *array = json_node_get_array (member);
          g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonNode *item = json_array_get_element (array, i);
              if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
                return bad (error, "credential response \"%s\" must hold strings", "transports"),
                       NULL;
              g_strv_builder_add (builder, json_node_get_string (item));
            }
          credential->transports = g_strv_builder_end (builder);
        }
      else if (member && !JSON_NODE_HOLDS_NULL (member))
        return bad (error, "credential response \"%s\" is not an array", "transports"), NULL;
    }
  else
    {
      if (!get_buffer (response, "authenticatorData", TRUE, &credential->authenticator_data, error) ||
          !get_buffer (response, "signature", TRUE, &credential->signature, error) ||
          !get_buffer (response, "userHandle", FALSE, &credential->user_handle, error))
        return NULL;
    }

  member = json_object_get_member (object, "authenticatorAttachment");
  if (member && !JSON_NODE_HOLDS_NULL (member))
    {
      text = get_string (object, "authenticatorAttachment");
      if (!text)
        return bad (error, "credential \"%s\" is not a string", "authenticatorAttachment"), NULL;
      credential->authenticator_attachment = g_strdup (text);
    }

  return g_steal_pointer (&credential);
}
