/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-http-json.h"

#include "sesame-base64.h"
#include "sesame-http-error.h"

#include <string.h>

/* JSON members */

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

