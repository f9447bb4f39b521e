/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-credential-request-private.h"

#include <math.h>
#include <string.h>

#include "sesame-base64.h"
#include "sesame-bridge-error.h"
#include "sesame-bridge-reply.h"
#include "sesame-rp-id.h"
#include "sesame-security-key.h"

#define AUTHENTICATOR_NAME "Sesame passkeys"

typedef enum
{
  USER_VERIFICATION_DISCOURAGED,
  USER_VERIFICATION_PREFERRED,
  USER_VERIFICATION_REQUIRED,
} UserVerification;

struct _SesameCredentialRequest
{
  GObject parent_instance;

  SesameCredentialRequestKind    kind;
  SesameCredentialRequestOutcome outcome;
  SesameSoftAuthenticator       *authenticator;

  char     *origin;
  char     *rp_id;
  char     *rp_name;
  char     *user_name;
  char     *user_display_name;
  GBytes   *user_handle;
  GBytes   *client_data_json;
  GBytes   *client_data_hash;

  GArray   *algorithms;      /* int, the RP's order */
  GPtrArray *credential_ids; /* GBytes: exclude list (create) or allow list (get) */
  GPtrArray *candidates;     /* SesameCredentialCandidate */

  UserVerification user_verification;
  gboolean resident_key;
  gboolean cred_props;
  SesameSoftAttestation attestation;
  gboolean conditional;
  guint    timeout_ms;

  GBytes   *challenge;
  SesameInjectedFailure injected;
  JsonNode *options;         /* the page's publicKey options, as sent */
  JsonNode *credential;      /* the credential the page got, toJSON() form; NULL: none */
  GError   *error;           /* why a failed request failed */

  WebKitScriptMessageReply *reply;
  JSCContext *context;
  gint64      page_id;
  guint       timeout_id;

  /* While a security key works on the request; cancelled when the
   * request ends, so that the key stops waiting for its touch. */
  GCancellable *key_cancellable;
};

G_DEFINE_FINAL_TYPE (SesameCredentialRequest, sesame_credential_request, G_TYPE_OBJECT)

enum {
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

SesameCredentialCandidate *
sesame_credential_candidate_copy (const SesameCredentialCandidate *candidate)
{
  SesameCredentialCandidate *copy;

  g_return_val_if_fail (candidate != NULL, NULL);

  copy = g_new0 (SesameCredentialCandidate, 1);
  copy->credential_id = candidate->credential_id ? g_bytes_ref (candidate->credential_id) : NULL;
  copy->user_name = g_strdup (candidate->user_name);
  copy->user_display_name = g_strdup (candidate->user_display_name);
  copy->authenticator_name = g_strdup (candidate->authenticator_name);

  return copy;
}

void
sesame_credential_candidate_free (SesameCredentialCandidate *candidate)
{
  if (candidate == NULL)
    return;

  g_clear_pointer (&candidate->credential_id, g_bytes_unref);
  g_free (candidate->user_name);
  g_free (candidate->user_display_name);
  g_free (candidate->authenticator_name);
  g_free (candidate);
}

static void
sesame_credential_request_finalize (GObject *object)
{
  SesameCredentialRequest *self = SESAME_CREDENTIAL_REQUEST (object);

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_pointer (&self->reply, webkit_script_message_reply_unref);
  g_clear_object (&self->context);
  g_clear_object (&self->authenticator);
  g_clear_object (&self->key_cancellable);
  g_free (self->origin);
  g_free (self->rp_id);
  g_free (self->rp_name);
  g_free (self->user_name);
  g_free (self->user_display_name);
  g_clear_pointer (&self->user_handle, g_bytes_unref);
  g_clear_pointer (&self->client_data_json, g_bytes_unref);
  g_clear_pointer (&self->client_data_hash, g_bytes_unref);
  g_clear_pointer (&self->algorithms, g_array_unref);
  g_clear_pointer (&self->credential_ids, g_ptr_array_unref);
  g_clear_pointer (&self->candidates, g_ptr_array_unref);
  g_clear_pointer (&self->challenge, g_bytes_unref);
  g_clear_pointer (&self->options, json_node_unref);
  g_clear_pointer (&self->credential, json_node_unref);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (sesame_credential_request_parent_class)->finalize (object);
}

static void
sesame_credential_request_class_init (SesameCredentialRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sesame_credential_request_finalize;

  signals[FINISHED] =
    g_signal_new ("finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
sesame_credential_request_init (SesameCredentialRequest *self)
{
  self->outcome = SESAME_CREDENTIAL_REQUEST_PENDING;
  self->algorithms = g_array_new (FALSE, FALSE, sizeof (int));
  self->credential_ids = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  self->candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) sesame_credential_candidate_free);
  self->user_verification = USER_VERIFICATION_PREFERRED;
}

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
  g_autofree char *text = NULL;
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
sesame_credential_request_json_number (JsonNode *node,
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
  if (!sesame_credential_request_json_number (node, out))
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

static UserVerification
parse_user_verification (const char *value)
{
  /* Unknown enum values in a dictionary's DOMString member fall back to
   * the default, as browsers do. */
  if (g_strcmp0 (value, "required") == 0)
    return USER_VERIFICATION_REQUIRED;
  if (g_strcmp0 (value, "discouraged") == 0)
    return USER_VERIFICATION_DISCOURAGED;
  return USER_VERIFICATION_PREFERRED;
}

static gboolean
read_timeout (SesameCredentialRequest  *self,
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
read_create_options (SesameCredentialRequest  *self,
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
read_get_options (SesameCredentialRequest  *self,
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

static gboolean
id_in_list (GPtrArray *ids,
            GBytes    *id)
{
  for (guint i = 0; i < ids->len; i++)
    {
      if (g_bytes_equal (g_ptr_array_index (ids, i), id))
        return TRUE;
    }
  return FALSE;
}

static gboolean
collect_candidates (SesameCredentialRequest  *self,
                    GError                  **error)
{
  g_autoptr(GPtrArray) held = NULL;
  g_autoptr(GError) local_error = NULL;

  held = sesame_soft_authenticator_list_credentials (self->authenticator, self->rp_id, &local_error);
  if (held == NULL)
    {
      g_set_error (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_UNKNOWN,
                   "The passkey store cannot be read: %s", local_error->message);
      return FALSE;
    }

  for (guint i = 0; i < held->len; i++)
    {
      SesameSoftCredential *credential = g_ptr_array_index (held, i);
      SesameCredentialCandidate candidate = {
        .credential_id = credential->credential_id,
        .user_name = credential->user_name,
        .user_display_name = credential->user_display_name,
        .authenticator_name = (char *) AUTHENTICATOR_NAME,
      };

      if (self->credential_ids->len > 0 && !id_in_list (self->credential_ids, credential->credential_id))
        continue;

      g_ptr_array_add (self->candidates, sesame_credential_candidate_copy (&candidate));
    }

  return TRUE;
}

/* clientDataJSON as browsers write it, members in their order. */
static void
build_client_data (SesameCredentialRequest *self,
                   GBytes                  *challenge,
                   const char              *origin)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *challenge_text = sesame_base64url_encode_bytes (challenge);
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

SesameCredentialRequest *
sesame_credential_request_new_from_json (SesameCredentialRequestKind kind,
                                         SesameSoftAuthenticator    *authenticator,
                                         const char                 *origin,
                                         const char                 *host,
                                         JsonObject                 *public_key,
                                         gboolean                    conditional,
                                         GError                    **error)
{
  g_autoptr(SesameCredentialRequest) self = NULL;
  g_autoptr(GBytes) challenge = NULL;
  gboolean ok;

  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (authenticator), NULL);
  g_return_val_if_fail (origin != NULL, NULL);
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (public_key != NULL, NULL);
  g_return_val_if_fail (!conditional || kind == SESAME_CREDENTIAL_REQUEST_GET, NULL);

  self = g_object_new (SESAME_TYPE_CREDENTIAL_REQUEST, NULL);
  self->kind = kind;
  self->authenticator = g_object_ref (authenticator);
  self->origin = g_strdup (origin);
  self->conditional = conditional;

  if (!read_buffer (public_key, "challenge", TRUE, SESAME_REQUEST_MAX_CHALLENGE, &challenge, error) ||
      !read_timeout (self, public_key, error))
    return NULL;

  if (kind == SESAME_CREDENTIAL_REQUEST_CREATE)
    ok = read_create_options (self, public_key, host, error);
  else
    ok = read_get_options (self, public_key, host, error) && collect_candidates (self, error);
  if (!ok)
    return NULL;

  build_client_data (self, challenge, self->origin);
  self->challenge = g_steal_pointer (&challenge);
  self->options = json_node_init_object (json_node_alloc (), public_key);

  return g_steal_pointer (&self);
}

static gboolean
timeout_cb (gpointer user_data)
{
  SesameCredentialRequest *self = user_data;
  g_autoptr(GError) error = NULL;

  self->timeout_id = 0;

  g_set_error_literal (&error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_NOT_ALLOWED,
                       SESAME_BRIDGE_NOT_ALLOWED_MESSAGE);
  sesame_credential_request_fail (self, SESAME_CREDENTIAL_REQUEST_TIMED_OUT, error);

  return G_SOURCE_REMOVE;
}

void
sesame_credential_request_start (SesameCredentialRequest  *self,
                                 WebKitScriptMessageReply *reply,
                                 JSCContext               *context,
                                 gint64                    page_id)
{
  g_return_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self));
  g_return_if_fail (reply != NULL);
  g_return_if_fail (JSC_IS_CONTEXT (context));
  g_return_if_fail (self->reply == NULL);

  self->reply = webkit_script_message_reply_ref (reply);
  self->context = g_object_ref (context);
  self->page_id = page_id;

  /* A conditional request waits as long as the page stays: the user may
   * come to the sign-in field at any time. */
  if (!self->conditional)
    self->timeout_id = g_timeout_add (self->timeout_ms, timeout_cb, self);
}

/* Leaves PENDING. The caller answered the page (or decided not to). */
static void
finish (SesameCredentialRequest        *self,
        SesameCredentialRequestOutcome  outcome)
{
  g_autoptr(SesameCredentialRequest) hold = g_object_ref (self);

  g_assert (self->outcome == SESAME_CREDENTIAL_REQUEST_PENDING);
  g_assert (outcome != SESAME_CREDENTIAL_REQUEST_PENDING);

  self->outcome = outcome;
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_pointer (&self->reply, webkit_script_message_reply_unref);
  if (self->key_cancellable != NULL)
    g_cancellable_cancel (self->key_cancellable);

  g_signal_emit (self, signals[FINISHED], 0, (int) outcome);
}

void
sesame_credential_request_fail (SesameCredentialRequest        *self,
                                SesameCredentialRequestOutcome  outcome,
                                const GError                   *error)
{
  g_return_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self));
  g_return_if_fail (error != NULL);
  g_return_if_fail (self->outcome == SESAME_CREDENTIAL_REQUEST_PENDING);

  if (self->reply != NULL)
    sesame_bridge_reply_send_error (self->reply, self->context, self->page_id, error);

  self->error = g_error_copy (error);
  finish (self, outcome);
}

WebKitScriptMessageReply *
sesame_credential_request_abandon (SesameCredentialRequest *self)
{
  WebKitScriptMessageReply *reply;

  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);
  g_return_val_if_fail (self->outcome == SESAME_CREDENTIAL_REQUEST_PENDING, NULL);

  reply = g_steal_pointer (&self->reply);
  finish (self, SESAME_CREDENTIAL_REQUEST_NAVIGATED);

  return reply;
}

gint64
sesame_credential_request_get_page_id (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), 0);

  return self->page_id;
}

JSCContext *
sesame_credential_request_get_context (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->context;
}

static const char * const injected_failure_names[] = {
  [SESAME_INJECTED_FAILURE_NONE] = "none",
  [SESAME_INJECTED_FAILURE_BAD_SIGNATURE] = "bad-signature",
  [SESAME_INJECTED_FAILURE_NO_UP] = "no-up",
  [SESAME_INJECTED_FAILURE_NO_UV] = "no-uv",
  [SESAME_INJECTED_FAILURE_OLD_COUNTER] = "old-counter",
  [SESAME_INJECTED_FAILURE_WRONG_ORIGIN] = "wrong-origin",
};

const char *
sesame_injected_failure_to_string (SesameInjectedFailure failure)
{
  g_return_val_if_fail ((guint) failure < G_N_ELEMENTS (injected_failure_names), NULL);
  return injected_failure_names[failure];
}

gboolean
sesame_injected_failure_from_string (const char            *text,
                                     SesameInjectedFailure *failure)
{
  g_return_val_if_fail (failure != NULL, FALSE);

  for (guint i = 0; text && i < G_N_ELEMENTS (injected_failure_names); i++)
    if (g_str_equal (text, injected_failure_names[i]))
      {
        *failure = (SesameInjectedFailure) i;
        return TRUE;
      }
  return FALSE;
}

void
sesame_credential_request_set_injected_failure (SesameCredentialRequest *self,
                                                SesameInjectedFailure    failure)
{
  g_return_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self));
  g_return_if_fail (self->kind == SESAME_CREDENTIAL_REQUEST_GET);
  g_return_if_fail (self->outcome == SESAME_CREDENTIAL_REQUEST_PENDING);

  self->injected = failure;
  /* The page's own origin, or the wrong one the answer is to claim. */
  build_client_data (self, self->challenge,
                     failure == SESAME_INJECTED_FAILURE_WRONG_ORIGIN ? SESAME_INJECTED_WRONG_ORIGIN
                                                                     : self->origin);
}

SesameInjectedFailure
sesame_credential_request_get_injected_failure (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), SESAME_INJECTED_FAILURE_NONE);
  return self->injected;
}

JsonNode *
sesame_credential_request_get_options (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->options;
}

JsonNode *
sesame_credential_request_get_credential (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->credential;
}

const GError *
sesame_credential_request_get_error (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->error;
}

GBytes *
sesame_credential_request_get_client_data_json (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->client_data_json;
}

SesameCredentialRequestKind
sesame_credential_request_get_kind (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), SESAME_CREDENTIAL_REQUEST_GET);

  return self->kind;
}

SesameCredentialRequestOutcome
sesame_credential_request_get_outcome (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), SESAME_CREDENTIAL_REQUEST_FAILED);

  return self->outcome;
}

const char *
sesame_credential_request_get_origin (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->origin;
}

const char *
sesame_credential_request_get_rp_id (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->rp_id;
}

const char *
sesame_credential_request_get_rp_name (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->rp_name;
}

const char *
sesame_credential_request_get_user_name (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->user_name;
}

const char *
sesame_credential_request_get_user_display_name (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->user_display_name;
}

gboolean
sesame_credential_request_is_conditional (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), FALSE);

  return self->conditional;
}

gboolean
sesame_credential_request_wants_pin (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), FALSE);

  /* Without a PIN the built-in store cannot verify the user: it answers
   * without claiming UV, and an RP that requires UV refuses, as with a
   * real authenticator that has no UV. */
  if (!sesame_soft_authenticator_has_pin (self->authenticator))
    return FALSE;
  /* A test set what the authenticator claims: it asks for no PIN then. */
  if (sesame_soft_authenticator_get_user_verification (self->authenticator) !=
      SESAME_SOFT_USER_VERIFICATION_PIN)
    return FALSE;

  return self->user_verification != USER_VERIFICATION_DISCOURAGED;
}

GPtrArray *
sesame_credential_request_get_candidates (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->candidates;
}

/* The answers, in the JSON the shim turns into a PublicKeyCredential. */

static void
add_buffer (JsonBuilder *builder,
            const char  *name,
            GBytes      *bytes)
{
  g_autofree char *text = sesame_base64url_encode_bytes (bytes);

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

static void
begin_credential (SesameCredentialRequest *self,
                  JsonBuilder             *builder,
                  GBytes                  *credential_id,
                  gboolean                 security_key)
{
  g_autofree char *id = sesame_base64url_encode_bytes (credential_id);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, self->page_id);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "credential");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "public-key");
  json_builder_set_member_name (builder, "authenticatorAttachment");
  json_builder_add_string_value (builder, security_key ? "cross-platform" : "platform");
}

static void
answer (SesameCredentialRequest *self,
        JsonBuilder             *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  JsonNode *credential = json_object_get_member (json_node_get_object (root), "credential");

  self->credential = json_node_copy (credential);
  if (self->reply != NULL)
    sesame_bridge_reply_send (self->reply, self->context, root);
  finish (self, SESAME_CREDENTIAL_REQUEST_SUCCEEDED);
}

static void
answer_attestation (SesameCredentialRequest     *self,
                    SesameSoftAttestationResult *result,
                    gboolean                     security_key)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  begin_credential (self, builder, result->credential_id, security_key);

  json_builder_set_member_name (builder, "response");
  json_builder_begin_object (builder);
  add_buffer (builder, "clientDataJSON", self->client_data_json);
  add_buffer (builder, "attestationObject", result->attestation_object);
  add_buffer (builder, "authenticatorData", result->authenticator_data);
  add_buffer (builder, "publicKey", result->public_key_der);
  json_builder_set_member_name (builder, "publicKeyAlgorithm");
  json_builder_add_int_value (builder, result->algorithm);
  json_builder_set_member_name (builder, "transports");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, security_key ? "usb" : "internal");
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "clientExtensionResults");
  json_builder_begin_object (builder);
  if (self->cred_props)
    {
      /* Every credential the built-in store makes is discoverable; a
       * security key makes one when the RP asked for it. */
      json_builder_set_member_name (builder, "credProps");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "rk");
      json_builder_add_boolean_value (builder, !security_key || self->resident_key);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  json_builder_end_object (builder);
  json_builder_end_object (builder);

  answer (self, builder);
}

static void
answer_assertion (SesameCredentialRequest   *self,
                  SesameSoftAssertionResult *result,
                  gboolean                   security_key)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  begin_credential (self, builder, result->credential_id, security_key);

  json_builder_set_member_name (builder, "response");
  json_builder_begin_object (builder);
  add_buffer (builder, "clientDataJSON", self->client_data_json);
  add_buffer (builder, "authenticatorData", result->authenticator_data);
  add_buffer (builder, "signature", result->signature);
  if (result->user_handle != NULL)
    add_buffer (builder, "userHandle", result->user_handle);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "clientExtensionResults");
  json_builder_begin_object (builder);
  json_builder_end_object (builder);

  json_builder_end_object (builder);
  json_builder_end_object (builder);

  answer (self, builder);
}

static SesameSoftFault
soft_fault (SesameInjectedFailure failure)
{
  switch (failure)
    {
    case SESAME_INJECTED_FAILURE_BAD_SIGNATURE: return SESAME_SOFT_FAULT_BAD_SIGNATURE;
    case SESAME_INJECTED_FAILURE_NO_UP: return SESAME_SOFT_FAULT_NO_UP;
    case SESAME_INJECTED_FAILURE_NO_UV: return SESAME_SOFT_FAULT_NO_UV;
    case SESAME_INJECTED_FAILURE_OLD_COUNTER: return SESAME_SOFT_FAULT_OLD_COUNTER;
    case SESAME_INJECTED_FAILURE_WRONG_ORIGIN: /* the client data says it */
    case SESAME_INJECTED_FAILURE_NONE:
    default:
      return SESAME_SOFT_FAULT_NONE;
    }
}

/* The user may try again after these; everything else ends the request. */
static gboolean
is_retryable (const GError *error)
{
  return g_error_matches (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_INVALID) ||
         g_error_matches (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_REQUIRED);
}

gboolean
sesame_credential_request_accept (SesameCredentialRequest  *self,
                                  GBytes                   *credential_id,
                                  const char               *pin,
                                  GError                  **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean user_verification;

  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), FALSE);
  g_return_val_if_fail (self->outcome == SESAME_CREDENTIAL_REQUEST_PENDING, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  user_verification = sesame_credential_request_wants_pin (self);

  if (self->kind == SESAME_CREDENTIAL_REQUEST_CREATE)
    {
      g_autoptr(SesameSoftAttestationResult) result = NULL;
      SesameSoftMakeCredential make = {
        .client_data_hash = self->client_data_hash,
        .rp_id = self->rp_id,
        .rp_name = self->rp_name,
        .user_handle = self->user_handle,
        .user_name = self->user_name,
        .user_display_name = self->user_display_name,
        .algorithms = (const int *) (gpointer) self->algorithms->data,
        .n_algorithms = self->algorithms->len,
        .exclude_list = self->credential_ids,
        .resident_key = self->resident_key,
        .user_verification = user_verification,
        .pin = user_verification ? pin : NULL,
        .attestation = self->attestation,
      };

      result = sesame_soft_authenticator_make_credential (self->authenticator, &make, &local_error);
      if (result != NULL)
        {
          answer_attestation (self, result, FALSE);
          return TRUE;
        }
    }
  else
    {
      g_autoptr(SesameSoftAssertionResult) result = NULL;
      SesameSoftGetAssertion get = {
        .client_data_hash = self->client_data_hash,
        .rp_id = self->rp_id,
        .allow_list = self->credential_ids,
        .credential_id = credential_id,
        .user_verification = user_verification,
        .pin = user_verification ? pin : NULL,
        .fault = soft_fault (self->injected),
      };

      /* Only what the page allowed and the chooser showed. */
      if (credential_id != NULL)
        {
          gboolean offered = FALSE;

          for (guint i = 0; i < self->candidates->len && !offered; i++)
            {
              SesameCredentialCandidate *candidate = g_ptr_array_index (self->candidates, i);
              offered = g_bytes_equal (candidate->credential_id, credential_id);
            }

          if (!offered)
            {
              g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_NOT_FOUND,
                           "That passkey is not one this request may use");
              return FALSE;
            }
        }
      else if (self->candidates->len > 0)
        {
          SesameCredentialCandidate *first = g_ptr_array_index (self->candidates, 0);
          get.credential_id = first->credential_id;
        }

      result = sesame_soft_authenticator_get_assertion (self->authenticator, &get, &local_error);
      if (result != NULL)
        {
          answer_assertion (self, result, FALSE);
          return TRUE;
        }
    }

  if (!is_retryable (local_error))
    sesame_credential_request_fail (self, SESAME_CREDENTIAL_REQUEST_FAILED, local_error);

  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

void
sesame_credential_request_cancel (SesameCredentialRequest *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self));
  g_return_if_fail (self->outcome == SESAME_CREDENTIAL_REQUEST_PENDING);

  g_set_error_literal (&error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_NOT_ALLOWED,
                       SESAME_BRIDGE_NOT_ALLOWED_MESSAGE);
  sesame_credential_request_fail (self, SESAME_CREDENTIAL_REQUEST_CANCELLED, error);
}

/* Security keys */

/* What leaves a security-key request pending: the user types a PIN, sets
 * one, or plugs the key in again (or picks another authenticator). */
static gboolean
is_retryable_on_key (const GError *error)
{
  if (error->domain != SESAME_SECURITY_KEY_ERROR)
    return FALSE;
  switch (error->code)
    {
    case SESAME_SECURITY_KEY_ERROR_PIN_REQUIRED:
    case SESAME_SECURITY_KEY_ERROR_PIN_INVALID:
    case SESAME_SECURITY_KEY_ERROR_PIN_NOT_SET:
    case SESAME_SECURITY_KEY_ERROR_PIN_POLICY:
    case SESAME_SECURITY_KEY_ERROR_REMOVED:
    case SESAME_SECURITY_KEY_ERROR_NOT_FOUND:
      return TRUE;
    default:
      return FALSE;
    }
}

static SesameSecurityKeyUserVerification
key_user_verification (UserVerification user_verification)
{
  switch (user_verification)
    {
    case USER_VERIFICATION_REQUIRED: return SESAME_SECURITY_KEY_UV_REQUIRED;
    case USER_VERIFICATION_DISCOURAGED: return SESAME_SECURITY_KEY_UV_DISCOURAGED;
    case USER_VERIFICATION_PREFERRED:
    default:
      return SESAME_SECURITY_KEY_UV_PREFERRED;
    }
}

static void
key_ceremony_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SesameCredentialRequest *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  int retries = -1;
  gpointer answer = sesame_security_key_run_finish (result, &retries, &error);

  g_clear_object (&self->key_cancellable);
  g_task_set_task_data (task, GINT_TO_POINTER (retries), NULL);

  if (self->outcome != SESAME_CREDENTIAL_REQUEST_PENDING)
    {
      /* cancelled, aborted, timed out or navigated while the key worked */
      if (answer != NULL && self->kind == SESAME_CREDENTIAL_REQUEST_CREATE)
        sesame_soft_attestation_result_free (answer);
      else if (answer != NULL)
        sesame_soft_assertion_result_free (answer);
      g_task_return_new_error (task, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_CANCELLED,
                               "The request ended before the security key answered");
      return;
    }

  if (answer != NULL && self->kind == SESAME_CREDENTIAL_REQUEST_CREATE)
    {
      answer_attestation (self, answer, TRUE);
      sesame_soft_attestation_result_free (answer);
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (answer != NULL)
    {
      answer_assertion (self, answer, TRUE);
      sesame_soft_assertion_result_free (answer);
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (!is_retryable_on_key (error))
    sesame_credential_request_fail (self, SESAME_CREDENTIAL_REQUEST_FAILED, error);
  g_task_return_error (task, g_steal_pointer (&error));
}

void
sesame_credential_request_accept_security_key_async (SesameCredentialRequest *self,
                                                     const char              *path,
                                                     const char              *pin,
                                                     GAsyncReadyCallback      callback,
                                                     gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  SesameSecurityKeyRequest request = {
    .client_data_hash = self->client_data_hash,
    .rp_id = self->rp_id,
    .timeout_ms = (int) self->timeout_ms,
    .user_verification = key_user_verification (self->user_verification),
    .pin = pin,
    .rp_name = self->rp_name,
    .user_handle = self->user_handle,
    .user_name = self->user_name,
    .user_display_name = self->user_display_name,
    .algorithms = (const int *) (gpointer) self->algorithms->data,
    .n_algorithms = self->algorithms->len,
    .resident_key = self->resident_key,
    .exclude_list = self->credential_ids,
  };

  g_return_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, sesame_credential_request_accept_security_key_async);
  g_task_set_task_data (task, GINT_TO_POINTER (-1), NULL);

  if (self->outcome != SESAME_CREDENTIAL_REQUEST_PENDING)
    {
      g_task_return_new_error (task, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_CANCELLED,
                               "The request has ended");
      return;
    }
  if (self->key_cancellable != NULL)
    {
      g_task_return_new_error (task, SESAME_SECURITY_KEY_ERROR,
                               SESAME_SECURITY_KEY_ERROR_INVALID_ARGUMENT,
                               "A security key is already working on this request");
      return;
    }

  self->key_cancellable = g_cancellable_new ();
  sesame_security_key_run_async (path,
                                 self->kind == SESAME_CREDENTIAL_REQUEST_CREATE
                                 ? SESAME_SECURITY_KEY_MAKE_CREDENTIAL
                                 : SESAME_SECURITY_KEY_GET_ASSERTION,
                                 &request, self->key_cancellable, key_ceremony_cb,
                                 g_steal_pointer (&task));
}

gboolean
sesame_credential_request_accept_security_key_finish (SesameCredentialRequest  *self,
                                                      GAsyncResult             *result,
                                                      int                      *pin_retries,
                                                      GError                  **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (pin_retries != NULL)
    *pin_retries = GPOINTER_TO_INT (g_task_get_task_data (G_TASK (result)));
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
sesame_credential_request_is_key_busy (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), FALSE);

  return self->key_cancellable != NULL;
}
