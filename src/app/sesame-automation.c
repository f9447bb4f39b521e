/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-automation.h"

#include "sesame-address.h"
#include "sesame-base64.h"
#include "sesame-window.h"

#include <json-glib/json-glib.h>
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
  g_autoptr(GBytes) id = NULL;
  const char *text;

  g_variant_get (parameters, "(&s)", &text);
  id = sesame_base64url_decode (text, NULL);
  if (!id || g_bytes_get_size (id) == 0)
    {
      return_invalid_args (invocation, "RemoveCredential takes a credential ID in base64url");
      return;
    }
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
