/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-credential-options.h"

#include <math.h>
#include <string.h>

#include "sesame-base64.h"
#include "sesame-bridge-error.h"
#include "sesame-rp-id.h"

/* Reading the page's options. Every member is checked for its type and
 * size; a wrong one is a TypeError, as WebIDL conversion gives in a
 * browser. */

static gboolean G_GNUC_PRINTF (2, 3)
type_error (GError    **error,
            const char *format,
            ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error_literal (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_TYPE, message);
  return FALSE;
}

/* @member of @object: NULL when absent (or null, which a JSON encoding of
 * an omitted member may give); a TypeError when of another JSON type. */
static JsonNode *
get_member (JsonObject  *object,
            const char  *name,
            JsonNodeType type,
            gboolean     required,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        type_error (error, "Required member '%s' is missing", name);
      return NULL;
    }

  if (json_node_get_node_type (node) != type ||
      (type == JSON_NODE_VALUE && json_node_get_value_type (node) != G_TYPE_STRING))
    {
      type_error (error, "Member '%s' has the wrong type", name);
      return NULL;
    }

  return node;
}

static gboolean
read_string (JsonObject  *object,
             const char  *name,
             gboolean     required,
             char       **out,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *node = get_member (object, name, JSON_NODE_VALUE, required, &local_error);
  const char *value;

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  *out = NULL;
  if (node == NULL)
    return TRUE;

  value = json_node_get_string (node);
  if (strlen (value) > SESAME_REQUEST_MAX_STRING)
    return type_error (error, "Member '%s' is longer than %d bytes", name, SESAME_REQUEST_MAX_STRING);

  *out = g_strdup (value);
  return TRUE;
}

static gboolean
read_buffer (JsonObject  *object,
             const char  *name,
             gboolean     required,
             gsize        max_len,
             GBytes     **out,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  JsonNode *node = get_member (object, name, JSON_NODE_VALUE, required, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  *out = NULL;
  if (node == NULL)
    return TRUE;

  /* 4 characters carry 3 bytes: refuse before decoding something huge. */
  if (strlen (json_node_get_string (node)) > (max_len + 2) / 3 * 4)
    return type_error (error, "Member '%s' is larger than %" G_GSIZE_FORMAT " bytes", name, max_len);

  bytes = sesame_base64url_decode (json_node_get_string (node), &local_error);
  if (bytes == NULL)
    return type_error (error, "Member '%s' is not a buffer: %s", name, local_error->message);
  if (g_bytes_get_size (bytes) > max_len)
    return type_error (error, "Member '%s' is larger than %" G_GSIZE_FORMAT " bytes", name, max_len);

  *out = g_steal_pointer (&bytes);
  return TRUE;
}

static gboolean
read_object (JsonObject  *object,
             const char  *name,
             gboolean     required,
             JsonObject **out,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *node = get_member (object, name, JSON_NODE_OBJECT, required, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  *out = node ? json_node_get_object (node) : NULL;
  return TRUE;
}

static gboolean
read_array (JsonObject  *object,
            const char  *name,
            gboolean     required,
            guint        max_len,
            JsonArray  **out,
            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *node = get_member (object, name, JSON_NODE_ARRAY, required, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  *out = NULL;
  if (node == NULL)
    return TRUE;

  if (json_array_get_length (json_node_get_array (node)) > max_len)
    return type_error (error, "Member '%s' has more than %u entries", name, max_len);

  *out = json_node_get_array (node);
  return TRUE;
}

static gboolean
read_bool (JsonObject  *object,
           const char  *name,
           gboolean    *out,
           GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return type_error (error, "Member '%s' is not a boolean", name);

  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
sesame_credential_options_json_number (JsonNode *node,
                                       double   *out)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *out = (double) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else
    return FALSE;

  return TRUE;
}

/* A number member; NaN when absent. */
static gboolean
read_number (JsonObject  *object,
             const char  *name,
             double      *out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = NAN;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!sesame_credential_options_json_number (node, out))
    return type_error (error, "Member '%s' is not a number", name);

  return TRUE;
}

/* PublicKeyCredentialDescriptor lists: entries of another type than
 * "public-key" are skipped, as the spec says. */
static gboolean
read_descriptors (JsonObject  *object,
                  const char  *name,
                  GPtrArray   *ids,
                  GError     **error)
{
  JsonArray *array;

  if (!read_array (object, name, FALSE, SESAME_REQUEST_MAX_DESCRIPTORS, &array, error))
    return FALSE;
  if (array == NULL)
    return TRUE;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autofree char *type = NULL;
      g_autoptr(GBytes) id = NULL;
      JsonArray *transports;
      JsonObject *descriptor;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return type_error (error, "'%s' entry %u is not an object", name, i);
      descriptor = json_node_get_object (node);

      if (!read_string (descriptor, "type", TRUE, &type, error) ||
          !read_buffer (descriptor, "id", TRUE, SESAME_REQUEST_MAX_ID, &id, error) ||
          !read_array (descriptor, "transports", FALSE, 16, &transports, error))
        return FALSE;

      if (transports != NULL)
        {
          for (guint j = 0; j < json_array_get_length (transports); j++)
            {
              JsonNode *transport = json_array_get_element (transports, j);

              if (!JSON_NODE_HOLDS_VALUE (transport) ||
                  json_node_get_value_type (transport) != G_TYPE_STRING ||
                  strlen (json_node_get_string (transport)) > 64)
                return type_error (error, "'%s' entry %u has a malformed transport", name, i);
            }
        }

      if (g_str_equal (type, "public-key"))
        g_ptr_array_add (ids, g_steal_pointer (&id));
    }

  return TRUE;
}

static SesameCredentialUserVerification
parse_user_verification (const char *value)
{
  /* Unknown enum values in a dictionary's DOMString member fall back to
   * the default, as browsers do. */
  if (g_strcmp0 (value, "required") == 0)
    return SESAME_CREDENTIAL_UV_REQUIRED;
  if (g_strcmp0 (value, "discouraged") == 0)
    return SESAME_CREDENTIAL_UV_DISCOURAGED;
  return SESAME_CREDENTIAL_UV_PREFERRED;
}

static gboolean
read_timeout (SesameCredentialOptions  *self,
              JsonObject               *public_key,
              GError                  **error)
{
  double timeout;

  if (!read_number (public_key, "timeout", &timeout, error))
    return FALSE;

  if (isnan (timeout) || timeout <= 0)
    self->timeout_ms = SESAME_REQUEST_DEFAULT_TIMEOUT_MS;
  else
    self->timeout_ms = (guint) CLAMP (timeout, SESAME_REQUEST_MIN_TIMEOUT_MS, SESAME_REQUEST_MAX_TIMEOUT_MS);

  return TRUE;
}

static gboolean
read_create_options (SesameCredentialOptions  *self,
                     JsonObject               *public_key,
                     const char               *host,
                     GError                  **error)
{
  g_autofree char *requested_rp_id = NULL;
  g_autofree char *attestation = NULL;
  g_autofree char *resident_key = NULL;
  g_autofree char *user_verification = NULL;
  g_autofree char *attachment = NULL;
  JsonObject *rp, *user, *selection, *extensions;
  JsonArray *params;
  guint n_params;

  if (!read_object (public_key, "rp", TRUE, &rp, error) ||
      !read_string (rp, "name", TRUE, &self->rp_name, error) ||
      !read_string (rp, "id", FALSE, &requested_rp_id, error))
    return FALSE;

  if (!read_object (public_key, "user", TRUE, &user, error) ||
      !read_buffer (user, "id", TRUE, SESAME_REQUEST_MAX_USER_ID, &self->user_handle, error) ||
      !read_string (user, "name", TRUE, &self->user_name, error) ||
      !read_string (user, "displayName", TRUE, &self->user_display_name, error))
    return FALSE;

  if (g_bytes_get_size (self->user_handle) == 0)
    return type_error (error, "user.id must be 1 to %d bytes", SESAME_REQUEST_MAX_USER_ID);

  if (!read_array (public_key, "pubKeyCredParams", TRUE, SESAME_REQUEST_MAX_DESCRIPTORS, &params, error))
    return FALSE;

  n_params = json_array_get_length (params);
  for (guint i = 0; i < n_params; i++)
    {
      JsonNode *node = json_array_get_element (params, i);
      g_autofree char *type = NULL;
      double alg;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return type_error (error, "pubKeyCredParams entry %u is not an object", i);
      if (!read_string (json_node_get_object (node), "type", TRUE, &type, error) ||
          !read_number (json_node_get_object (node), "alg", &alg, error))
        return FALSE;
      if (isnan (alg) || alg != floor (alg) || alg < G_MININT32 || alg > G_MAXINT32)
        return type_error (error, "pubKeyCredParams entry %u has no integer alg", i);

      if (g_str_equal (type, "public-key"))
        {
          int value = (int) alg;
          g_array_append_val (self->algorithms, value);
        }
    }

  if (n_params == 0)
    {
      /* The spec's default when the RP lists nothing: ES256, then RS256. */
      static const int defaults[] = { -7, -257 };
      g_array_append_vals (self->algorithms, defaults, G_N_ELEMENTS (defaults));
    }
  else if (self->algorithms->len == 0)
    {
      g_set_error (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_NOT_SUPPORTED,
                   "No entry of pubKeyCredParams is of type public-key");
      return FALSE;
    }

  if (!read_descriptors (public_key, "excludeCredentials", self->credential_ids, error))
    return FALSE;

  if (!read_object (public_key, "authenticatorSelection", FALSE, &selection, error))
    return FALSE;
  if (selection != NULL)
    {
      gboolean require_resident_key = FALSE;

      if (!read_string (selection, "authenticatorAttachment", FALSE, &attachment, error) ||
          !read_string (selection, "residentKey", FALSE, &resident_key, error) ||
          !read_bool (selection, "requireResidentKey", &require_resident_key, error) ||
          !read_string (selection, "userVerification", FALSE, &user_verification, error))
        return FALSE;

      /* residentKey wins over the older requireResidentKey when given. */
      if (resident_key != NULL)
        self->resident_key = g_str_equal (resident_key, "required") || g_str_equal (resident_key, "preferred");
      else
        self->resident_key = require_resident_key;
      self->user_verification = parse_user_verification (user_verification);
    }

  if (!read_string (public_key, "attestation", FALSE, &attestation, error))
    return FALSE;
  /* Self attestation is all this authenticator has; "none" (and anything
   * unknown, the default) gets none. */
  if (attestation != NULL &&
      (g_str_equal (attestation, "direct") || g_str_equal (attestation, "indirect") ||
       g_str_equal (attestation, "enterprise")))
    self->attestation = SESAME_SOFT_ATTESTATION_PACKED_SELF;
  else
    self->attestation = SESAME_SOFT_ATTESTATION_NONE;

  if (!read_object (public_key, "extensions", FALSE, &extensions, error))
    return FALSE;
  if (extensions != NULL && !read_bool (extensions, "credProps", &self->cred_props, error))
    return FALSE;

  self->rp_id = sesame_rp_id_resolve (requested_rp_id, host, error);
  return self->rp_id != NULL;
}

static gboolean
read_get_options (SesameCredentialOptions  *self,
                  JsonObject               *public_key,
                  const char               *host,
                  GError                  **error)
{
  g_autofree char *requested_rp_id = NULL;
  g_autofree char *user_verification = NULL;

  if (!read_string (public_key, "rpId", FALSE, &requested_rp_id, error) ||
      !read_descriptors (public_key, "allowCredentials", self->credential_ids, error) ||
      !read_string (public_key, "userVerification", FALSE, &user_verification, error))
    return FALSE;

  self->user_verification = parse_user_verification (user_verification);
  self->rp_id = sesame_rp_id_resolve (requested_rp_id, host, error);
  return self->rp_id != NULL;
}

/* clientDataJSON as browsers write it, members in their order. */
void
sesame_credential_options_build_client_data (SesameCredentialOptions *self,
                                             const char              *origin)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *challenge_text = sesame_base64url_encode_bytes (self->challenge);
  g_autofree char *text = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, self->kind == SESAME_CREDENTIAL_REQUEST_CREATE
                                          ? "webauthn.create" : "webauthn.get");
  json_builder_set_member_name (builder, "challenge");
  json_builder_add_string_value (builder, challenge_text);
  json_builder_set_member_name (builder, "origin");
  json_builder_add_string_value (builder, origin);
  json_builder_set_member_name (builder, "crossOrigin");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);

  g_checksum_update (checksum, (const guint8 *) text, strlen (text));
  g_checksum_get_digest (checksum, digest, &digest_len);

  g_clear_pointer (&self->client_data_hash, g_bytes_unref);
  g_clear_pointer (&self->client_data_json, g_bytes_unref);
  self->client_data_hash = g_bytes_new (digest, digest_len);
  digest_len = strlen (text);
  self->client_data_json = g_bytes_new_take (g_steal_pointer (&text), digest_len);
}


void
sesame_credential_options_free (SesameCredentialOptions *self)
{
  if (self == NULL)
    return;

  g_free (self->origin);
  g_free (self->rp_id);
  g_free (self->rp_name);
  g_free (self->user_name);
  g_free (self->user_display_name);
  g_clear_pointer (&self->user_handle, g_bytes_unref);
  g_clear_pointer (&self->challenge, g_bytes_unref);
  g_clear_pointer (&self->algorithms, g_array_unref);
  g_clear_pointer (&self->credential_ids, g_ptr_array_unref);
  g_clear_pointer (&self->client_data_json, g_bytes_unref);
  g_clear_pointer (&self->client_data_hash, g_bytes_unref);
  g_free (self);
}

SesameCredentialOptions *
sesame_credential_options_parse (SesameCredentialRequestKind   kind,
                                 const char                   *origin,
                                 const char                   *host,
                                 JsonObject                   *public_key,
                                 GError                      **error)
{
  g_autoptr(SesameCredentialOptions) self = NULL;
  gboolean ok;

  g_return_val_if_fail (origin != NULL, NULL);
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (public_key != NULL, NULL);

  self = g_new0 (SesameCredentialOptions, 1);
  self->kind = kind;
  self->origin = g_strdup (origin);
  self->algorithms = g_array_new (FALSE, FALSE, sizeof (int));
  self->credential_ids = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  self->user_verification = SESAME_CREDENTIAL_UV_PREFERRED;

  if (!read_buffer (public_key, "challenge", TRUE, SESAME_REQUEST_MAX_CHALLENGE, &self->challenge,
                    error) ||
      !read_timeout (self, public_key, error))
    return NULL;

  if (kind == SESAME_CREDENTIAL_REQUEST_CREATE)
    ok = read_create_options (self, public_key, host, error);
  else
    ok = read_get_options (self, public_key, host, error);
  if (!ok)
    return NULL;

  sesame_credential_options_build_client_data (self, self->origin);
  return g_steal_pointer (&self);
}
