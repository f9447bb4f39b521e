/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-automation.h"

#include "sesame-address.h"
#include "sesame-base64.h"
#include "sesame-event-details.h"
#include "sesame-json.h"
#include "sesame-window.h"

#include <json-glib/json-glib.h>
#include <openssl/crypto.h>
#include <string.h>
#include <webkit/webkit.h>

struct _SesameAutomation
{
  GObject parent_instance;

  SesameApplication *application;  /* weak: the application owns this */
  GDBusConnection *connection;
  guint registration_id;
  SesamePromptResponse prompt_response;
  char *pin;                       /* what SetPin set, for prompts in accept mode */
  char *key_path;                  /* the virtual key PlugVirtualSecurityKey plugged in */
  char *key_pin;
  gulong key_changed_id;
};

G_DEFINE_FINAL_TYPE (SesameAutomation, sesame_automation, G_TYPE_OBJECT)

static const GDBusErrorEntry error_entries[] = {
  { SESAME_AUTOMATION_ERROR_FAILED, SESAME_AUTOMATION_INTERFACE ".Error.Failed" },
  { SESAME_AUTOMATION_ERROR_LOAD_FAILED, SESAME_AUTOMATION_INTERFACE ".Error.LoadFailed" },
  { SESAME_AUTOMATION_ERROR_JAVASCRIPT_FAILED,
    SESAME_AUTOMATION_INTERFACE ".Error.JavascriptFailed" },
  { SESAME_AUTOMATION_ERROR_NOT_FOUND, SESAME_AUTOMATION_INTERFACE ".Error.NotFound" },
  { SESAME_AUTOMATION_ERROR_NOT_READY, SESAME_AUTOMATION_INTERFACE ".Error.NotReady" },
  { SESAME_AUTOMATION_ERROR_PIN_POLICY, SESAME_AUTOMATION_INTERFACE ".Error.PinPolicy" },
  { SESAME_AUTOMATION_ERROR_NOT_PENDING, SESAME_AUTOMATION_INTERFACE ".Error.NotPending" },
};

GQuark
sesame_automation_error_quark (void)
{
  static gsize quark;

  g_dbus_error_register_error_domain ("sesame-automation-error-quark", &quark, error_entries,
                                      G_N_ELEMENTS (error_entries));
  return (GQuark) quark;
}

static void virtual_key_changed_cb (SesameAutomation *self);

SesameAutomation *
sesame_automation_new (SesameApplication *application)
{
  SesameAutomation *self = g_object_new (SESAME_TYPE_AUTOMATION, NULL);

  g_return_val_if_fail (SESAME_IS_APPLICATION (application), NULL);
  self->application = application;
  self->key_changed_id = g_signal_connect_swapped (application, "virtual-key-changed",
                                                   G_CALLBACK (virtual_key_changed_cb), self);
  return self;
}

static void
return_error (GDBusMethodInvocation *invocation,
              SesameAutomationError  code,
              const char            *message)
{
  g_dbus_method_invocation_return_error_literal (invocation, SESAME_AUTOMATION_ERROR, code,
                                                 message);
}

static void
return_invalid_args (GDBusMethodInvocation *invocation,
                     const char            *message)
{
  g_dbus_method_invocation_return_error_literal (invocation, G_DBUS_ERROR,
                                                 G_DBUS_ERROR_INVALID_ARGS, message);
}

static void
return_json (GDBusMethodInvocation *invocation,
             JsonBuilder           *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = json_to_string (root, FALSE);

  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", text));
}

/* The window, made when there is none yet (it may have been closed). */
static SesameWindow *
get_window (SesameAutomation *self)
{
  SesameWindow *window = sesame_application_get_window (self->application);

  if (!window)
    {
      window = sesame_window_new (self->application);
      gtk_window_present (GTK_WINDOW (window));
    }
  return window;
}

/* OpenUrl */

static void
open_url_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;

  if (!sesame_window_open_url_finish (SESAME_WINDOW (source), result, &error))
    return_error (invocation, SESAME_AUTOMATION_ERROR_LOAD_FAILED, error->message);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
handle_open_url (SesameAutomation      *self,
                 GVariant              *parameters,
                 GDBusMethodInvocation *invocation)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  const char *text;

  g_variant_get (parameters, "(&s)", &text);
  uri = sesame_address_to_uri (text, &error);
  if (!uri)
    {
      return_invalid_args (invocation, error->message);
      return;
    }
  sesame_window_open_url_async (get_window (self), uri, NULL, open_url_cb,
                                g_object_ref (invocation));
}

/* RunJavascript */

static void
run_javascript_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(JSCValue) value = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  value = webkit_web_view_call_async_javascript_function_finish (WEBKIT_WEB_VIEW (source),
                                                                 result, &error);
  if (!value)
    {
      return_error (invocation, SESAME_AUTOMATION_ERROR_JAVASCRIPT_FAILED, error->message);
      return;
    }
  /* undefined has no JSON text; a function or a symbol neither. */
  if (!jsc_value_is_undefined (value))
    json = jsc_value_to_json (value, 0);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", json ? json : "null"));
}

static void
handle_run_javascript (SesameAutomation      *self,
                       GVariant              *parameters,
                       GDBusMethodInvocation *invocation)
{
  WebKitWebView *web_view = sesame_window_get_web_view (get_window (self));
  const char *body;

  g_variant_get (parameters, "(&s)", &body);
  webkit_web_view_call_async_javascript_function (web_view, body, -1, NULL, NULL, NULL, NULL,
                                                  run_javascript_cb, g_object_ref (invocation));
}

/* Prompts and the authenticator */

static void
apply_prompt_response (SesameAutomation *self)
{
  SesameWindow *window = sesame_application_get_window (self->application);

  if (window)
    {
      sesame_window_set_prompt_response (window, self->prompt_response, self->pin);
      sesame_window_set_prompt_security_key (window, self->key_path, self->key_pin);
    }
}

static void
forget_key (SesameAutomation *self)
{
  g_clear_pointer (&self->key_path, g_free);
  if (self->key_pin)
    memset (self->key_pin, 0, strlen (self->key_pin));
  g_clear_pointer (&self->key_pin, g_free);
}

/* Settings may pull the key out, or plug in another: accept mode then
 * goes back to the built-in authenticator. */
static void
virtual_key_changed_cb (SesameAutomation *self)
{
  const char *path = sesame_application_get_virtual_key_path (self->application);

  if (self->key_path && g_strcmp0 (path, self->key_path) != 0)
    {
      forget_key (self);
      apply_prompt_response (self);
    }
}

static void
handle_plug_virtual_security_key (SesameAutomation      *self,
                                  GVariant              *parameters,
                                  GDBusMethodInvocation *invocation)
{
  g_autoptr(GError) error = NULL;
  const char *pin;

  g_variant_get (parameters, "(&s)", &pin);
  /* A refused PIN leaves the key plugged in before, and accept mode, as
   * they were. */
  if (!sesame_application_plug_virtual_key (self->application, pin, &error))
    {
      if (g_error_matches (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_POLICY))
        return_invalid_args (invocation, error->message);
      else
        return_error (invocation, SESAME_AUTOMATION_ERROR_FAILED, error->message);
      return;
    }
  forget_key (self);
  self->key_path = g_strdup (sesame_application_get_virtual_key_path (self->application));
  self->key_pin = *pin ? g_strdup (pin) : NULL;
  get_window (self);
  apply_prompt_response (self);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
handle_unplug_virtual_security_key (SesameAutomation      *self,
                                    GVariant              *parameters,
                                    GDBusMethodInvocation *invocation)
{
  if (!sesame_application_get_virtual_key (self->application))
    {
      return_error (invocation, SESAME_AUTOMATION_ERROR_NOT_FOUND,
                    "No virtual security key is plugged in");
      return;
    }
  sesame_application_unplug_virtual_key (self->application);
  forget_key (self);
  apply_prompt_response (self);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
handle_set_prompt_response (SesameAutomation      *self,
                            GVariant              *parameters,
                            GDBusMethodInvocation *invocation)
{
  const char *mode;

  g_variant_get (parameters, "(&s)", &mode);
  if (g_str_equal (mode, "ask"))
    self->prompt_response = SESAME_PROMPT_RESPONSE_ASK;
  else if (g_str_equal (mode, "accept"))
    self->prompt_response = SESAME_PROMPT_RESPONSE_ACCEPT;
  else if (g_str_equal (mode, "cancel"))
    self->prompt_response = SESAME_PROMPT_RESPONSE_CANCEL;
  else
    {
      return_invalid_args (invocation, "SetPromptResponse takes “ask”, “accept” or “cancel”");
      return;
    }
  get_window (self);
  apply_prompt_response (self);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

/* The next assertion carries a failure, for tests of a relying party's
 * refusals (the window's bridge applies it to the next get()). */
static void
handle_inject_failure (SesameAutomation      *self,
                       GVariant              *parameters,
                       GDBusMethodInvocation *invocation)
{
  SesameInjectedFailure failure;
  const char *kind;

  g_variant_get (parameters, "(&s)", &kind);
  if (!sesame_injected_failure_from_string (kind, &failure))
    {
      return_invalid_args (invocation, "InjectFailure takes “none”, “bad-signature”, “no-up”, "
                                       "“no-uv”, “old-counter” or “wrong-origin”");
      return;
    }
  sesame_credentials_bridge_inject_failure (sesame_window_get_credentials_bridge (get_window (self)),
                                            failure);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

/* The built-in authenticator's methods. Each gets the authenticator; the
 * dispatcher answers NotReady when there is none. */

static void
return_authenticator_error (GDBusMethodInvocation *invocation,
                            const GError          *error)
{
  if (g_error_matches (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_NOT_FOUND))
    return_error (invocation, SESAME_AUTOMATION_ERROR_NOT_FOUND, error->message);
  else if (g_error_matches (error, SESAME_AUTHENTICATOR_ERROR,
                            SESAME_AUTHENTICATOR_ERROR_PIN_POLICY) ||
           g_error_matches (error, SESAME_AUTHENTICATOR_ERROR,
                            SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT))
    return_invalid_args (invocation, error->message);
  else
    return_error (invocation, SESAME_AUTOMATION_ERROR_FAILED, error->message);
}

/* The (s) argument as a credential id; NULL, and the call answered with
 * InvalidArgs, when it is not one. */
static GBytes *
read_credential_id (GVariant              *parameters,
                    GDBusMethodInvocation *invocation,
                    const char            *method)
{
  g_autoptr(GBytes) id = NULL;
  const char *text;

  g_variant_get (parameters, "(&s)", &text);
  id = sesame_base64url_decode (text, NULL);
  if (!id || g_bytes_get_size (id) == 0)
    {
      g_autofree char *message = g_strdup_printf ("%s takes a credential ID in base64url", method);

      return_invalid_args (invocation, message);
      return NULL;
    }
  return g_steal_pointer (&id);
}

static char *
format_time (gint64 microseconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (microseconds / G_USEC_PER_SEC);

  return time ? g_date_time_format_iso8601 (time) : g_strdup ("");
}

static void
handle_set_pin (SesameAutomation        *self,
                SesameSoftAuthenticator *authenticator,
                GVariant                *parameters,
                GDBusMethodInvocation   *invocation)
{
  g_autoptr(GError) error = NULL;
  const char *pin;

  g_variant_get (parameters, "(&s)", &pin);
  if (!sesame_soft_authenticator_set_pin (authenticator, pin, &error))
    {
      return_authenticator_error (invocation, error);
      return;
    }
  g_free (self->pin);
  self->pin = *pin ? g_strdup (pin) : NULL;
  apply_prompt_response (self);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
add_string_member (JsonBuilder *builder,
                   const char  *name,
                   const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value ? value : "");
}

static void
handle_list_credentials (SesameAutomation        *self,
                         SesameSoftAuthenticator *authenticator,
                         GVariant                *parameters,
                         GDBusMethodInvocation   *invocation)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) credentials = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  credentials = sesame_soft_authenticator_list_credentials (authenticator, NULL, &error);
  if (!credentials)
    {
      return_authenticator_error (invocation, error);
      return;
    }

  json_builder_begin_array (builder);
  for (guint i = 0; i < credentials->len; i++)
    {
      SesameSoftCredential *credential = credentials->pdata[i];
      g_autofree char *id = sesame_base64url_encode_bytes (credential->credential_id);
      g_autofree char *handle = sesame_base64url_encode_bytes (credential->user_handle);
      g_autofree char *created = format_time (credential->created);

      json_builder_begin_object (builder);
      add_string_member (builder, "id", id);
      add_string_member (builder, "rpId", credential->rp_id);
      add_string_member (builder, "userName", credential->user_name);
      add_string_member (builder, "userDisplayName", credential->user_display_name);
      add_string_member (builder, "userHandle", handle);
      json_builder_set_member_name (builder, "signCount");
      json_builder_add_int_value (builder, credential->sign_count);
      add_string_member (builder, "created", created);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return_json (invocation, builder);
}

static void
handle_remove_credential (SesameAutomation        *self,
                          SesameSoftAuthenticator *authenticator,
                          GVariant                *parameters,
                          GDBusMethodInvocation   *invocation)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) id = read_credential_id (parameters, invocation, "RemoveCredential");

  if (!id)
    return;
  if (!sesame_soft_authenticator_remove_credential (authenticator, id, &error))
    {
      return_authenticator_error (invocation, error);
      return;
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
handle_remove_all_credentials (SesameAutomation        *self,
                               SesameSoftAuthenticator *authenticator,
                               GVariant                *parameters,
                               GDBusMethodInvocation   *invocation)
{
  g_autoptr(GError) error = NULL;

  if (!sesame_soft_authenticator_remove_all (authenticator, &error))
    {
      return_authenticator_error (invocation, error);
      return;
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

/* AddCredential: the JSON members it reads, each checked. */

static const char *const add_credential_members[] = {
  "rpId", "credentialId", "userHandle", "userName", "displayName", "privateKey", "signCount",
};

static gboolean
read_text_member (JsonObject  *object,
                  const char  *member,
                  gboolean     required,
                  const char **value,
                  GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *value = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                     "AddCredential needs the member “%s”", member);
      return !required;
    }
  if (json_node_get_value_type (node) != G_TYPE_STRING ||
      (required && *json_node_get_string (node) == '\0'))
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   "AddCredential’s “%s” must be a non-empty string", member);
      return FALSE;
    }
  *value = json_node_get_string (node);
  return TRUE;
}

static GBytes *
read_base64url_member (JsonObject  *object,
                       const char  *member,
                       GError     **error)
{
  const char *text;
  GBytes *bytes;

  if (!read_text_member (object, member, TRUE, &text, error))
    return NULL;
  bytes = sesame_base64url_decode (text, NULL);
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      g_clear_pointer (&bytes, g_bytes_unref);
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   "AddCredential’s “%s” is not base64url", member);
    }
  return bytes;
}

/* A secret's bytes, wiped before they go back to the allocator. */
static void
wipe_bytes (GBytes *bytes)
{
  gsize len;
  gconstpointer data;

  if (bytes == NULL)
    return;
  data = g_bytes_get_data (bytes, &len);
  if (len > 0)
    OPENSSL_cleanse ((gpointer) data, len);
  g_bytes_unref (bytes);
}

/* A PKCS#8 key as base64url DER or as PEM (one "BEGIN PRIVATE KEY"
 * block); free it with wipe_bytes(). */
static GBytes *
read_private_key (JsonObject  *object,
                  GError     **error)
{
  static const char begin[] = "-----BEGIN PRIVATE KEY-----";
  static const char end[] = "-----END PRIVATE KEY-----";
  GBytes *decoded = NULL;
  const char *text;

  if (!read_text_member (object, "privateKey", TRUE, &text, error))
    return NULL;
  while (g_ascii_isspace (*text))
    text++;

  if (g_str_has_prefix (text, "-----"))
    {
      const char *stop = strstr (text, end);
      g_autoptr(GString) base64 = NULL;

      if (!g_str_has_prefix (text, begin) || stop == NULL)
        {
          g_set_error_literal (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                               "AddCredential’s “privateKey” in PEM must be one "
                               "“BEGIN PRIVATE KEY” block (unencrypted PKCS#8)");
          return NULL;
        }
      base64 = g_string_new (NULL);
      for (const char *p = text + strlen (begin); p < stop; p++)
        if (!g_ascii_isspace (*p))
          g_string_append_c (base64, *p);
      decoded = sesame_base64_decode_strict (base64->str, NULL);
      OPENSSL_cleanse (base64->str, base64->len);
    }
  else
    decoded = sesame_base64url_decode (text, NULL);

  if (decoded == NULL || g_bytes_get_size (decoded) == 0)
    {
      wipe_bytes (decoded);
      g_set_error_literal (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                           "AddCredential’s “privateKey” is neither base64url PKCS#8 DER nor PEM");
      return NULL;
    }
  return decoded;
}

static gboolean
read_sign_count (JsonObject  *object,
                 guint32     *sign_count,
                 GError     **error)
{
  JsonNode *node = json_object_get_member (object, "signCount");
  gint64 value;

  *sign_count = 0;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  value = json_node_get_value_type (node) == G_TYPE_INT64 ? json_node_get_int (node) : -1;
  if (value < 0 || value > G_MAXUINT32)
    {
      g_set_error_literal (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                           "AddCredential’s “signCount” must be an integer from 0 to 4294967295");
      return FALSE;
    }
  *sign_count = (guint32) value;
  return TRUE;
}

/* Every member known (a typo is an error, not a silent default). */
static gboolean
check_members (JsonObject  *object,
               GError     **error)
{
  g_autoptr(GList) names = json_object_get_members (object);

  for (GList *l = names; l; l = l->next)
    {
      gboolean known = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (add_credential_members) && !known; i++)
        known = g_str_equal (l->data, add_credential_members[i]);
      if (!known)
        {
          g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                       "AddCredential knows no member “%s”", (const char *) l->data);
          return FALSE;
        }
    }
  return TRUE;
}

static void
handle_add_credential (SesameAutomation        *self,
                       SesameSoftAuthenticator *authenticator,
                       GVariant                *parameters,
                       GDBusMethodInvocation   *invocation)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GBytes) credential_id = NULL;
  g_autoptr(GBytes) user_handle = NULL;
  g_autofree char *problem = NULL;
  SesameSoftImport import = { 0 };
  JsonObject *object;
  const char *text;

  g_variant_get (parameters, "(&s)", &text);
  root = sesame_json_parse_strict (text, strlen (text), &problem);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_autofree char *message =
        g_strdup_printf ("AddCredential takes a JSON object%s%s", problem ? ": " : "",
                         problem ? problem : "");
      return_invalid_args (invocation, message);
      return;
    }
  object = json_node_get_object (root);

  if (!check_members (object, &error) ||
      !read_text_member (object, "rpId", TRUE, &import.rp_id, &error) ||
      !(credential_id = read_base64url_member (object, "credentialId", &error)) ||
      !(user_handle = read_base64url_member (object, "userHandle", &error)) ||
      !read_text_member (object, "userName", TRUE, &import.user_name, &error) ||
      !read_text_member (object, "displayName", FALSE, &import.user_display_name, &error) ||
      !read_sign_count (object, &import.sign_count, &error) ||
      !(import.private_key = read_private_key (object, &error)))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  import.credential_id = credential_id;
  import.user_handle = user_handle;

  if (!sesame_soft_authenticator_import_credential (authenticator, &import, NULL, &error))
    return_authenticator_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
  wipe_bytes (import.private_key);
}

static void
handle_set_user_verified (SesameAutomation        *self,
                          SesameSoftAuthenticator *authenticator,
                          GVariant                *parameters,
                          GDBusMethodInvocation   *invocation)
{
  gboolean verified;

  g_variant_get (parameters, "(b)", &verified);
  sesame_soft_authenticator_set_user_verification (authenticator,
                                                   verified ? SESAME_SOFT_USER_VERIFICATION_ALWAYS
                                                            : SESAME_SOFT_USER_VERIFICATION_NEVER);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
handle_set_user_presence (SesameAutomation        *self,
                          SesameSoftAuthenticator *authenticator,
                          GVariant                *parameters,
                          GDBusMethodInvocation   *invocation)
{
  gboolean present;

  g_variant_get (parameters, "(b)", &present);
  sesame_soft_authenticator_set_user_presence (authenticator, present);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

typedef void (*AuthenticatorHandler) (SesameAutomation        *self,
                                      SesameSoftAuthenticator *authenticator,
                                      GVariant                *parameters,
                                      GDBusMethodInvocation   *invocation);

static const struct
{
  const char           *name;
  AuthenticatorHandler  handler;
} authenticator_methods[] = {
  { "SetPin", handle_set_pin },
  { "ListCredentials", handle_list_credentials },
  { "RemoveCredential", handle_remove_credential },
  { "RemoveAllCredentials", handle_remove_all_credentials },
  { "AddCredential", handle_add_credential },
  { "SetUserVerified", handle_set_user_verified },
  { "SetUserPresence", handle_set_user_presence },
};

static void
call_authenticator_method (SesameAutomation      *self,
                           guint                  index,
                           GVariant              *parameters,
                           GDBusMethodInvocation *invocation)
{
  SesameSoftAuthenticator *authenticator =
    sesame_application_get_authenticator (self->application);

  if (authenticator)
    {
      authenticator_methods[index].handler (self, authenticator, parameters, invocation);
      return;
    }
  return_error (invocation, SESAME_AUTOMATION_ERROR_NOT_READY,
                "The built-in authenticator is not running: the data folder could not be used");
}

/* GetTenant */

static void
handle_get_tenant (SesameAutomation      *self,
                   GVariant              *parameters,
                   GDBusMethodInvocation *invocation)
{
  SesameServer *server = sesame_application_get_server (self->application);
  g_autoptr(SesameTenant) tenant = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = NULL;

  tenant = sesame_application_dup_tenant (self->application, &error);
  if (!tenant)
    {
      return_error (invocation, SESAME_AUTOMATION_ERROR_NOT_READY, error->message);
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "baseUrl");
  json_builder_add_string_value (builder, sesame_server_get_base_url (server));
  json_builder_set_member_name (builder, "tenantId");
  json_builder_add_string_value (builder, tenant->id);
  json_builder_set_member_name (builder, "rpId");
  json_builder_add_string_value (builder, tenant->rp_id);
  json_builder_set_member_name (builder, "expectedOrigins");
  json_builder_begin_array (builder);
  for (guint i = 0; tenant->expected_origins && tenant->expected_origins[i]; i++)
    json_builder_add_string_value (builder, tenant->expected_origins[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "sampleAppUrl");
  json_builder_add_string_value (builder, sesame_server_get_app_url (server));
  json_builder_end_object (builder);
  return_json (invocation, builder);
}

/* GetEvents */

typedef struct
{
  char *user;     /* user id or username */
  char *action;   /* action code */
  char *outcome;  /* an outcome, or "refused" / "succeeded" */
  char *kind;
} EventFilter;

static void
event_filter_clear (EventFilter *filter)
{
  g_free (filter->user);
  g_free (filter->action);
  g_free (filter->outcome);
  g_free (filter->kind);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EventFilter, event_filter_clear)

/* "user:alice action:signIn outcome:refused kind:authentication", any of
 * them, in any order; empty: everything. */
static gboolean
parse_event_filter (const char   *text,
                    EventFilter  *filter,
                    GError      **error)
{
  g_auto(GStrv) terms = g_strsplit_set (text, " \t\n", -1);

  for (guint i = 0; terms[i]; i++)
    {
      const char *colon = strchr (terms[i], ':');
      g_autofree char *key = NULL;
      char **slot;

      if (*terms[i] == '\0')
        continue;
      if (colon == NULL || colon[1] == '\0')
        {
          g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                       "“%s” is not a filter: GetEvents takes terms such as “user:alice”, "
                       "“action:signIn”, “outcome:refused” or “kind:authentication”",
                       terms[i]);
          return FALSE;
        }
      key = g_strndup (terms[i], colon - terms[i]);
      if (g_str_equal (key, "user"))
        slot = &filter->user;
      else if (g_str_equal (key, "action"))
        slot = &filter->action;
      else if (g_str_equal (key, "outcome"))
        slot = &filter->outcome;
      else if (g_str_equal (key, "kind"))
        slot = &filter->kind;
      else
        {
          g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                       "GetEvents cannot filter by “%s”: use user, action, outcome or kind", key);
          return FALSE;
        }
      if (*slot != NULL && !g_str_equal (*slot, colon + 1))
        {
          g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                       "GetEvents’ filter names two values for “%s”", key);
          return FALSE;
        }
      g_free (*slot);
      *slot = g_strdup (colon + 1);
    }
  return TRUE;
}

static gboolean
outcome_matches (const char *wanted,
                 const char *outcome)
{
  if (wanted == NULL)
    return TRUE;
  if (outcome == NULL)
    return FALSE;
  /* The tenant says "failure" for a refused ceremony and "invalid" for a
   * token the backend could not validate; "success" and "valid" are the
   * good ends of each. */
  if (g_str_equal (wanted, "refused"))
    return g_str_equal (outcome, "failure") || g_str_equal (outcome, "invalid");
  if (g_str_equal (wanted, "succeeded"))
    return g_str_equal (outcome, "success") || g_str_equal (outcome, "valid");
  return g_str_equal (wanted, outcome);
}

/* What an event's ids name, looked up once per id: a user's username, an
 * action's code; "" when the tenant no longer has it. */
static const char *
lookup_name (GHashTable  *cache,
             SesameStore *store,
             const char  *tenant_id,
             const char  *id,
             gboolean     is_user)
{
  char *name;

  if (id == NULL)
    return NULL;
  name = g_hash_table_lookup (cache, id);
  if (name == NULL)
    {
      if (is_user)
        {
          g_autoptr(SesameUser) user = sesame_store_get_user (store, tenant_id, id, NULL);
          name = g_strdup (user && user->username ? user->username : "");
        }
      else
        {
          g_autoptr(SesameAction) action = sesame_store_get_action (store, tenant_id, id, NULL);
          name = g_strdup (action && action->action_code ? action->action_code : "");
        }
      g_hash_table_insert (cache, g_strdup (id), name);
    }
  return *name ? name : NULL;
}

static void
handle_get_events (SesameAutomation      *self,
                   GVariant              *parameters,
                   GDBusMethodInvocation *invocation)
{
  SesameStore *store = sesame_application_get_store (self->application);
  g_auto(EventFilter) filter = { 0 };
  g_autoptr(SesameTenant) tenant = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GHashTable) users = NULL;
  g_autoptr(GHashTable) actions = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GError) error = NULL;
  const char *text;

  g_variant_get (parameters, "(&s)", &text);
  if (!parse_event_filter (text, &filter, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  tenant = sesame_application_dup_tenant (self->application, &error);
  if (!tenant || !store)
    {
      return_error (invocation, SESAME_AUTOMATION_ERROR_NOT_READY,
                    error ? error->message : "The local tenant is not running");
      return;
    }
  events = sesame_store_list_events (store, tenant->id, 0, NULL, 0, &error);
  if (!events)
    {
      return_error (invocation, SESAME_AUTOMATION_ERROR_FAILED, error->message);
      return;
    }

  users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  actions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  builder = json_builder_new ();
  json_builder_begin_array (builder);
  for (guint i = 0; i < events->len; i++)
    {
      SesameEvent *event = events->pdata[i];
      const char *user_name = lookup_name (users, store, tenant->id, event->user_id, TRUE);
      const char *action_code = lookup_name (actions, store, tenant->id, event->action_key, FALSE);

      if (filter.user && g_strcmp0 (filter.user, event->user_id) != 0 &&
          g_strcmp0 (filter.user, user_name) != 0)
        continue;
      if (filter.action && g_strcmp0 (filter.action, action_code) != 0)
        continue;
      if (filter.kind && g_strcmp0 (filter.kind, event->kind) != 0)
        continue;
      if (!outcome_matches (filter.outcome, event->outcome))
        continue;

      json_builder_begin_object (builder);
      sesame_event_build_json (builder, event);
      sesame_json_builder_add_string (builder, "userName", user_name);
      sesame_json_builder_add_string (builder, "actionCode", action_code);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return_json (invocation, builder);
}

/* ChooseAutofill */

static void
handle_choose_autofill (SesameAutomation      *self,
                        GVariant              *parameters,
                        GDBusMethodInvocation *invocation)
{
  SesameWindow *window = sesame_application_get_window (self->application);
  g_autoptr(GBytes) id = read_credential_id (parameters, invocation, "ChooseAutofill");
  g_autoptr(GError) error = NULL;

  if (!id)
    return;
  if (!window)
    {
      return_error (invocation, SESAME_AUTOMATION_ERROR_NOT_PENDING,
                    "No passkey autofill is waiting: there is no window");
      return;
    }
  if (sesame_window_choose_autofill (window, id, &error))
    g_dbus_method_invocation_return_value (invocation, NULL);
  else if (g_error_matches (error, SESAME_WINDOW_ERROR, SESAME_WINDOW_ERROR_NO_AUTOFILL))
    return_error (invocation, SESAME_AUTOMATION_ERROR_NOT_PENDING, error->message);
  else if (g_error_matches (error, SESAME_WINDOW_ERROR, SESAME_WINDOW_ERROR_NOT_OFFERED))
    return_error (invocation, SESAME_AUTOMATION_ERROR_NOT_FOUND, error->message);
  else
    return_authenticator_error (invocation, error);
}

typedef void (*MethodHandler) (SesameAutomation      *self,
                               GVariant              *parameters,
                               GDBusMethodInvocation *invocation);

static const struct
{
  const char    *name;
  MethodHandler  handler;
} methods[] = {
  { "OpenUrl", handle_open_url },
  { "RunJavascript", handle_run_javascript },
  { "SetPromptResponse", handle_set_prompt_response },
  { "InjectFailure", handle_inject_failure },
  { "GetTenant", handle_get_tenant },
  { "PlugVirtualSecurityKey", handle_plug_virtual_security_key },
  { "UnplugVirtualSecurityKey", handle_unplug_virtual_security_key },
  { "GetEvents", handle_get_events },
  { "ChooseAutofill", handle_choose_autofill },
};

static void
method_call_cb (GDBusConnection       *connection,
                const char            *sender,
                const char            *object_path,
                const char            *interface_name,
                const char            *method_name,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  SesameAutomation *self = user_data;

  /* GDBus has checked the signature against the introspection data. */
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    if (g_str_equal (methods[i].name, method_name))
      {
        methods[i].handler (self, parameters, invocation);
        return;
      }
  for (guint i = 0; i < G_N_ELEMENTS (authenticator_methods); i++)
    if (g_str_equal (authenticator_methods[i].name, method_name))
      {
        call_authenticator_method (self, i, parameters, invocation);
        return;
      }
  g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                         "No method %s", method_name);
}

static const GDBusInterfaceVTable vtable = { method_call_cb, NULL, NULL };

gboolean
sesame_automation_export (SesameAutomation  *self,
                          GDBusConnection   *connection,
                          GError           **error)
{
  g_autoptr(GBytes) xml = NULL;
  g_autoptr(GDBusNodeInfo) node = NULL;

  g_return_val_if_fail (SESAME_IS_AUTOMATION (self), FALSE);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), FALSE);
  g_return_val_if_fail (self->registration_id == 0, FALSE);

  /* Registers the error names before the first reply needs them. */
  (void) SESAME_AUTOMATION_ERROR;

  xml = g_resources_lookup_data ("/io/github/sesame/Sesame/io.github.sesame.Sesame.Automation1.xml",
                                 G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (!xml)
    return FALSE;
  node = g_dbus_node_info_new_for_xml (g_bytes_get_data (xml, NULL), error);
  if (!node)
    return FALSE;

  self->registration_id =
    g_dbus_connection_register_object (connection, SESAME_AUTOMATION_OBJECT_PATH,
                                       g_dbus_node_info_lookup_interface (node,
                                                                          SESAME_AUTOMATION_INTERFACE),
                                       &vtable, self, NULL, error);
  if (!self->registration_id)
    return FALSE;
  g_set_object (&self->connection, connection);
  return TRUE;
}

void
sesame_automation_unexport (SesameAutomation *self)
{
  g_return_if_fail (SESAME_IS_AUTOMATION (self));

  if (self->registration_id)
    g_dbus_connection_unregister_object (self->connection, self->registration_id);
  self->registration_id = 0;
  g_clear_object (&self->connection);
}

static void
sesame_automation_finalize (GObject *object)
{
  SesameAutomation *self = SESAME_AUTOMATION (object);

  sesame_automation_unexport (self);
  /* When the application finalizes this object, its dispose has dropped
   * its handlers already. */
  if (g_signal_handler_is_connected (self->application, self->key_changed_id))
    g_signal_handler_disconnect (self->application, self->key_changed_id);
  g_free (self->pin);
  forget_key (self);

  G_OBJECT_CLASS (sesame_automation_parent_class)->finalize (object);
}

static void
sesame_automation_class_init (SesameAutomationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sesame_automation_finalize;
}

static void
sesame_automation_init (SesameAutomation *self)
{
}
