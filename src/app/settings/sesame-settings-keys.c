/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Settings › API Keys and Connect Your App: the tenant's keys (the secret
 * one in the keyring) and snippets filled with them. */

#include "config.h"

#include "sesame-settings-view-private.h"

#include "sesame-copy-button.h"
#include "sesame-secret-store.h"
#include "sesame-settings-snippets.h"
#include "sesame-tenant-admin.h"
#include "sesame-tenant-rules.h"

#include <glib/gi18n.h>
#include <string.h>

/* What stands for the secret key while it is hidden. */
#define HIDDEN_SECRET "••••••••••••••••••••••••"

static char *
dev_server_origin (const char *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  return g_strdup_printf ("http://localhost:%s", stripped);
}

/* A dev server's port, and whether the tenant can expect it. */
static gboolean
check_dev_port (const char  *text,
                gpointer     user_data,
                GError     **error)
{
  SesameSettingsView *self = SESAME_SETTINGS_VIEW (user_data);
  g_autofree char *origin = NULL;
  gint64 value;

  if (!sesame_settings_parse_number (text, 1, G_MAXUINT16, &value, error))
    return FALSE;
  origin = dev_server_origin (text);
  return sesame_tenant_validate_origin (origin, self->tenant ? self->tenant->rp_id : NULL, error);
}

/* API keys */

static void
show_secret (SesameSettingsView *self)
{
  gboolean revealed = gtk_toggle_button_get_active (self->reveal_button);
  const char *text;

  if (!self->secret)
    text = _("Not known in this session: rotate it to get a new one");
  else if (revealed)
    text = self->secret;
  else
    text = HIDDEN_SECRET;
  adw_action_row_set_subtitle (self->secret_row, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->reveal_button), self->secret != NULL);
  gtk_button_set_icon_name (GTK_BUTTON (self->reveal_button),
                            revealed ? "view-conceal-symbolic" : "view-reveal-symbolic");
}

static void
set_secret (SesameSettingsView *self,
            const char         *secret)
{
  sesame_settings_wipe_string (&self->secret);
  self->secret = g_strdup (secret);
  show_secret (self);
}

static void
secret_lookup_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SesameSettingsView) self = user_data;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = sesame_secret_store_lookup_finish (SESAME_SECRET_STORE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_secret (self, secret);
  sesame_settings_view_refresh_snippets (self);
  sesame_settings_wipe_string (&secret);
}

void
sesame_settings_view_reveal_toggled_cb (SesameSettingsView *self)
{
  show_secret (self);
}

void
sesame_settings_view_copy_secret_clicked_cb (SesameSettingsView *self)
{
  if (self->secret)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.copy", "s", self->secret);
}

static void
rotate_response_cb (AdwMessageDialog   *dialog,
                    const char         *response,
                    SesameSettingsView *self)
{
  g_autoptr(GError) error = NULL;
  char *secret;

  if (!g_str_equal (response, "rotate") || !self->tenant)
    return;
  secret = sesame_tenant_admin_rotate_secret_key (self->app, self->tenant->id, &error);
  if (!secret)
    {
      sesame_settings_view_toast_error (self, _("Could not rotate the secret key"), error);
      return;
    }
  set_secret (self, secret);
  sesame_settings_wipe_string (&secret);
  sesame_settings_view_refresh_snippets (self);
  /* Shown once now: without a keyring it is gone when Sesame quits. */
  gtk_toggle_button_set_active (self->reveal_button, TRUE);
  if (sesame_secret_store_get_available (sesame_application_get_secret_store (self->app)))
    sesame_settings_view_toast (self, _("New secret key made and kept in the keyring; the old one "
                                        "is refused now"));
  else
    sesame_settings_view_toast (self, _("New secret key made; the old one is refused now. Copy "
                                        "it: without a keyring it is not kept after Sesame "
                                        "quits."));
}

void
sesame_settings_view_rotate_clicked_cb (SesameSettingsView *self)
{
  AdwMessageDialog *dialog =
    sesame_settings_view_confirm_dialog_new (self, _("Rotate the Secret Key?"),
                                             _("The current key stops working at once: every "
                                               "backend that uses it is refused until it gets "
                                               "the new one."),
                                             "rotate", _("_Rotate"));

  g_signal_connect_object (dialog, "response", G_CALLBACK (rotate_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
set_copyable (AdwActionRow *row,
              const char   *value)
{
  GtkWidget *old = g_object_get_data (G_OBJECT (row), "copy-button");
  GtkWidget *button = NULL;

  adw_action_row_set_subtitle (row, value ? value : "");
  if (old)
    adw_action_row_remove (row, old);
  if (value && *value)
    {
      button = sesame_copy_button_new (value);
      adw_action_row_add_suffix (row, button);
    }
  g_object_set_data (G_OBJECT (row), "copy-button", button);
}

void
sesame_settings_view_keyring_changed (SesameSettingsView *self)
{
  gtk_widget_set_visible (self->keyring_row,
                          !sesame_secret_store_get_available (
                            sesame_application_get_secret_store (self->app)));
}

void
sesame_settings_view_refresh_keys (SesameSettingsView *self,
                                   gboolean            tenant_switched)
{
  SesameServer *server = sesame_settings_view_get_server (self);
  SesameSecretStore *secrets = sesame_application_get_secret_store (self->app);

  set_copyable (self->tenant_id_row, self->tenant ? self->tenant->id : NULL);
  set_copyable (self->base_url_row, server ? sesame_server_get_base_url (server) : NULL);
  sesame_settings_view_keyring_changed (self);
  if (!tenant_switched)
    {
      /* A key rotated elsewhere is forgotten: stop showing it. */
      if (self->secret && self->tenant && !sesame_secret_store_peek (secrets, self->tenant->id))
        set_secret (self, NULL);
      return;
    }

  /* Another tenant: hide its key again and read it from the keyring. */
  gtk_toggle_button_set_active (self->reveal_button, FALSE);
  g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);
  self->lookup_cancellable = g_cancellable_new ();
  set_secret (self, self->tenant ? sesame_secret_store_peek (secrets, self->tenant->id) : NULL);
  if (self->tenant && !self->secret)
    sesame_secret_store_lookup_async (secrets, self->tenant->id, self->lookup_cancellable,
                                      secret_lookup_cb, g_object_ref (self));
}

/* Connect your app */

/* A snippet row shows @shown and copies @code (the same, but for a
 * secret key, which is not shown here). Takes both. */
static void
add_snippet (SesameSettingsView *self,
             const char         *title,
             char               *code,
             char               *shown)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), shown ? shown : code);
  gtk_widget_add_css_class (row, "snippet-row");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), sesame_copy_button_new (code));
  adw_preferences_group_add (self->snippets_group, row);
  g_ptr_array_add (self->snippet_rows, row);
  sesame_settings_wipe_string (&code);
  g_free (shown);
}

void
sesame_settings_view_refresh_snippets (SesameSettingsView *self)
{
  SesameServer *server = sesame_settings_view_get_server (self);
  const char *base_url;

  sesame_settings_clear_rows (self->snippets_group, self->snippet_rows);
  if (!server || !self->tenant)
    return;
  base_url = sesame_server_get_base_url (server);
  add_snippet (self, _(".env"), sesame_snippet_env (self->tenant->id, base_url, self->secret),
               self->secret ? sesame_snippet_env (self->tenant->id, base_url, HIDDEN_SECRET)
                            : NULL);
  add_snippet (self, _("Browser: @authsignal/browser"),
               sesame_snippet_browser (self->tenant->id, base_url), NULL);
  add_snippet (self, _("Backend: @authsignal/node"), sesame_snippet_node (base_url), NULL);
  sesame_checked_row_recheck (self->dev_port_row);
}

static void
dev_port_commit_cb (SesameCheckedRow   *row,
                    const char         *text,
                    SesameSettingsView *self)
{
  g_autofree char *origin = dev_server_origin (text);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!sesame_application_add_expected_origin (self->app, origin, &error))
    {
      sesame_checked_row_show_error (row, error);
      return;
    }
  message = g_strdup_printf (_("%s is now an expected origin"), origin);
  sesame_settings_view_toast (self, message);
}

void
sesame_settings_view_init_keys (SesameSettingsView *self)
{
  self->dev_port_row = sesame_settings_view_add_checked_row (self, self->dev_server_group,
                                                             _("Dev Server Port"), check_dev_port,
                                                             G_CALLBACK (dev_port_commit_cb));
  sesame_checked_row_set_action_label (self->dev_port_row, _("_Add Origin"));
  adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (self->dev_port_row), GTK_INPUT_PURPOSE_DIGITS);
}
