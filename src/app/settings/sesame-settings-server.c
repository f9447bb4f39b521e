/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Settings › Server and Authenticators: the listener, applied in place,
 * and the built-in authenticator's PIN and flags. */

#include "config.h"

#include "sesame-settings-view-private.h"

#include "sesame-tenant-admin.h"
#include "sesame-window.h"

#include <glib/gi18n.h>
#include <string.h>

static gboolean
check_port (const char  *text,
            gpointer     user_data,
            GError     **error)
{
  gint64 value;

  return sesame_settings_parse_number (text, 0, G_MAXUINT16, &value, error);
}

/* Server */

static gboolean
relisten (SesameSettingsView *self,
          const char         *address,
          guint               port,
          GError            **error)
{
  SesameServer *server = sesame_settings_view_get_server (self);
  g_autofree char *old_origin = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (!server)
    {
      g_set_error_literal (error, SESAME_TENANT_ADMIN_ERROR, SESAME_TENANT_ADMIN_ERROR_NOT_RUNNING,
                           _("The local tenant is not running"));
      return FALSE;
    }
  old_origin = g_strdup (sesame_server_get_app_origin (server));
  if (!sesame_server_relisten (server, address, port, error))
    return FALSE;
  sesame_application_tenant_changed (self->app);

  /* The sample app moved with the port: follow it in the Demo view. */
  if (SESAME_IS_WINDOW (root))
    {
      WebKitWebView *web_view = sesame_window_get_web_view (SESAME_WINDOW (root));
      const char *uri = webkit_web_view_get_uri (web_view);

      if (uri && g_str_has_prefix (uri, old_origin) &&
          !g_str_equal (old_origin, sesame_server_get_app_origin (server)))
        sesame_settings_view_reload_demo (self);
    }
  return TRUE;
}

static void
port_commit_cb (SesameCheckedRow   *row,
                const char         *text,
                SesameSettingsView *self)
{
  SesameServer *server = sesame_settings_view_get_server (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gint64 port;

  if (!server || !sesame_settings_parse_number (text, 0, G_MAXUINT16, &port, NULL))
    return;
  if (!relisten (self, sesame_server_get_address (server), (guint) port, &error))
    {
      sesame_checked_row_show_error (row, error);
      return;
    }
  g_settings_set_uint (self->settings, "port", (guint) port);
  message = g_strdup_printf (_("The tenant listens on port %u now"),
                             sesame_server_get_port (server));
  sesame_settings_view_toast (self, message);
}

void
sesame_settings_view_beyond_loopback_cb (SesameSettingsView *self)
{
  SesameServer *server = sesame_settings_view_get_server (self);
  gboolean beyond = gtk_switch_get_active (self->beyond_loopback_switch);
  g_autoptr(GError) error = NULL;

  if (self->refreshing || !server)
    return;
  if (!relisten (self, beyond ? "0.0.0.0" : "127.0.0.1", sesame_server_get_port (server), &error))
    {
      sesame_settings_view_toast_error (self, _("Could not change where the tenant listens"),
                                        error);
      sesame_settings_view_refresh (self);
      return;
    }
  g_settings_set_boolean (self->settings, "listen-beyond-loopback", beyond);
  sesame_settings_view_toast (self, beyond ? _("Anyone on your network can reach the tenant now")
                                           : _("Only this computer can reach the tenant now"));
}

void
sesame_settings_view_refresh_server (SesameSettingsView *self)
{
  SesameServer *server = sesame_settings_view_get_server (self);
  g_autofree char *port = NULL;

  if (!server)
    return;
  port = g_strdup_printf ("%u", sesame_server_get_port (server));
  sesame_settings_show_value (self->port_row, port);
  gtk_switch_set_active (self->beyond_loopback_switch,
                         !g_str_has_prefix (sesame_server_get_address (server), "127.") &&
                         !g_str_equal (sesame_server_get_address (server), "::1"));
}

/* Built-in authenticator */

void
sesame_settings_view_refresh_pin (SesameSettingsView *self)
{
  SesameSoftAuthenticator *authenticator = sesame_application_get_authenticator (self->app);
  gboolean has_pin = authenticator && sesame_soft_authenticator_has_pin (authenticator);

  adw_action_row_set_subtitle (self->pin_state_row, has_pin ? _("A PIN is set") : _("No PIN"));
  gtk_widget_set_sensitive (self->remove_pin_button, has_pin);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->pin_row),
                                 has_pin ? _("Change PIN") : _("Set PIN"));
}

static void
pin_apply_cb (AdwEntryRow        *row,
              SesameSettingsView *self)
{
  SesameSoftAuthenticator *authenticator = sesame_application_get_authenticator (self->app);
  const char *pin = gtk_editable_get_text (GTK_EDITABLE (row));
  g_autoptr(GError) error = NULL;

  if (!authenticator)
    return;
  if (!*pin)
    {
      sesame_settings_view_toast (self, _("Type the new PIN first; Remove takes the PIN away"));
      return;
    }
  if (!sesame_soft_authenticator_set_pin (authenticator, pin, &error))
    {
      sesame_settings_view_toast_error (self, _("PIN not set"), error);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (row), "");
  sesame_settings_view_refresh_pin (self);
  sesame_settings_view_toast (self, _("PIN set: user verification asks for it now"));
}

void
sesame_settings_view_remove_pin_clicked_cb (SesameSettingsView *self)
{
  SesameSoftAuthenticator *authenticator = sesame_application_get_authenticator (self->app);
  g_autoptr(GError) error = NULL;

  if (!authenticator)
    return;
  if (!sesame_soft_authenticator_set_pin (authenticator, NULL, &error))
    sesame_settings_view_toast_error (self, _("PIN not removed"), error);
  sesame_settings_view_refresh_pin (self);
}

void
sesame_settings_view_apply_authenticator_flags (SesameSettingsView *self)
{
  SesameSoftAuthenticator *authenticator = sesame_application_get_authenticator (self->app);
  gboolean eligible = g_settings_get_boolean (self->settings, "authenticator-backup-eligible");

  /* A passkey that cannot be backed up is never backed up. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->backed_up_switch), eligible);
  if (!authenticator)
    return;
  sesame_soft_authenticator_set_backup_flags (
    authenticator, eligible,
    eligible && g_settings_get_boolean (self->settings, "authenticator-backed-up"));
  sesame_soft_authenticator_set_sign_counter (
    authenticator, g_settings_get_boolean (self->settings, "authenticator-sign-counter"));
}

void
sesame_settings_view_init_server (SesameSettingsView *self)
{
  self->port_row = sesame_settings_view_add_checked_row (self, self->server_group, _("Port"),
                                                         check_port, G_CALLBACK (port_commit_cb));
  adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (self->port_row), GTK_INPUT_PURPOSE_DIGITS);

  self->pin_row = adw_password_entry_row_new ();
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (self->pin_row), TRUE);
  g_signal_connect_object (self->pin_row, "apply", G_CALLBACK (pin_apply_cb), self, 0);
  adw_preferences_group_add (self->pin_group, self->pin_row);

  g_settings_bind (self->settings, "authenticator-backup-eligible", self->backup_eligible_switch,
                   "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "authenticator-backed-up", self->backed_up_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "authenticator-sign-counter", self->sign_counter_switch,
                   "active", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed",
                           G_CALLBACK (sesame_settings_view_apply_authenticator_flags), self,
                           G_CONNECT_SWAPPED);
}
