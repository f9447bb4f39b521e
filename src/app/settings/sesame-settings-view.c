/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-settings-view-private.h"

#include "sesame-settings-resources.h"
#include "sesame-tenant-admin.h"
#include "sesame-tenant-settings.h"
#include "sesame-window.h"

#include <glib/gi18n.h>
#include <string.h>

G_DEFINE_FINAL_TYPE (SesameSettingsView, sesame_settings_view, ADW_TYPE_BIN)

/* Helpers */

void
sesame_settings_wipe_string (char **secret)
{
  if (*secret)
    memset (*secret, 0, strlen (*secret));
  g_clear_pointer (secret, g_free);
}

void
sesame_settings_view_toast (SesameSettingsView *self,
                            const char         *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (message));
  else
    g_message ("%s", message);
}

void
sesame_settings_view_reload_demo (SesameSettingsView *self)
{
  SesameServer *server = sesame_settings_view_get_server (self);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *stack = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_VIEW_STACK);

  if (!server || !SESAME_IS_WINDOW (root))
    return;
  sesame_window_open_url (SESAME_WINDOW (root), sesame_server_get_app_url (server));
  /* Opening a page shows the Demo view; the user is still here. */
  if (stack)
    adw_view_stack_set_visible_child (ADW_VIEW_STACK (stack), GTK_WIDGET (self));
}

void
sesame_settings_view_toast_error (SesameSettingsView *self,
                                  const char         *what,
                                  const GError       *error)
{
  /* Translators: the first %s says what failed ("Could not rotate the
   * key"), the second why. */
  g_autofree char *message = g_strdup_printf (_("%s: %s"), what, error->message);

  sesame_settings_view_toast (self, message);
}

SesameServer *
sesame_settings_view_get_server (SesameSettingsView *self)
{
  return self->app ? sesame_application_get_server (self->app) : NULL;
}

static gboolean
row_has_focus (GtkWidget *row)
{
  GtkRoot *root = gtk_widget_get_root (row);
  GtkWidget *focus = root ? gtk_root_get_focus (root) : NULL;

  return focus && (focus == row || gtk_widget_is_ancestor (focus, row));
}

/* Sets a stored value into a field, unless the user is typing there. */
void
sesame_settings_show_value (SesameCheckedRow *row,
                            const char       *value)
{
  if (!row_has_focus (GTK_WIDGET (row)))
    sesame_checked_row_set_text (row, value);
}

void
sesame_settings_clear_rows (AdwPreferencesGroup *group,
                            GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = rows->pdata[i];

      if (SESAME_IS_CHECKED_ROW (row))
        sesame_checked_row_remove_from_group (SESAME_CHECKED_ROW (row), group);
      else
        adw_preferences_group_remove (group, row);
    }
  g_ptr_array_set_size (rows, 0);
}

gboolean
sesame_settings_view_update_tenant (SesameSettingsView   *self,
                                    SesameSettingsChange  change,
                                    gconstpointer         data,
                                    SesameCheckedRow     *row)
{
  g_autoptr(SesameTenant) tenant = NULL;
  g_autoptr(GError) error = NULL;

  tenant = sesame_application_dup_tenant (self->app, &error);
  if (tenant)
    {
      change (tenant, data);
      if (sesame_tenant_admin_update (self->app, tenant, &error))
        return TRUE;
    }
  /* The field keeps what was typed, with the reason under it; a switch or
   * a choice goes back to what is stored. */
  if (row)
    sesame_checked_row_show_error (row, error);
  else
    {
      sesame_settings_view_toast_error (self, _("Not saved"), error);
      sesame_settings_view_refresh (self);
    }
  return FALSE;
}

gboolean
sesame_settings_parse_number (const char  *text,
                              gint64       min,
                              gint64       max,
                              gint64      *out,
                              GError     **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  guint64 value;

  if (!g_ascii_string_to_unsigned (stripped, 10, (guint64) min, (guint64) max, &value, NULL))
    {
      g_autofree char *low = g_strdup_printf ("%" G_GINT64_FORMAT, min);
      g_autofree char *high = g_strdup_printf ("%" G_GINT64_FORMAT, max);

      /* Translators: the two numbers are the lowest and highest allowed. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Enter a whole number from %s to %s"), low, high);
      return FALSE;
    }
  *out = (gint64) value;
  return TRUE;
}

/* Checks of the fields */

gboolean
sesame_settings_check_name (const char  *text,
                            gpointer     user_data,
                            GError     **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (!*stripped)
    {
      g_set_error_literal (error, SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_NAME_EMPTY,
                           _("Enter a name"));
      return FALSE;
    }
  if (g_utf8_strlen (stripped, -1) > SESAME_TENANT_NAME_MAX_LEN)
    {
      g_set_error (error, SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_NAME_TOO_LONG,
                   _("A name has at most %d characters"), SESAME_TENANT_NAME_MAX_LEN);
      return FALSE;
    }
  return TRUE;
}

/* Dialogs: AdwMessageDialog with a checked field in its extra child. The
 * response named @accept is enabled only while the field is right. */

static void
dialog_field_changed_cb (SesameCheckedRow *row,
                         GParamSpec       *pspec,
                         AdwMessageDialog *dialog)
{
  const char *accept = g_object_get_data (G_OBJECT (dialog), "accept-response");

  adw_message_dialog_set_response_enabled (
    dialog, accept,
    !sesame_checked_row_get_message (row) &&
    *gtk_editable_get_text (GTK_EDITABLE (row)) != '\0');
}

AdwMessageDialog *
sesame_settings_view_field_dialog_new (SesameSettingsView *self,
                                       const char         *heading,
                                       const char         *body,
                                       SesameCheckedRow   *field,
                                       const char         *accept,
                                       const char         *accept_label)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                              heading, body);
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_list_box_append (GTK_LIST_BOX (list), GTK_WIDGET (field));
  gtk_list_box_append (GTK_LIST_BOX (list), sesame_checked_row_get_message_row (field));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    accept, accept_label,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), accept,
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), accept);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "accept-response", g_strdup (accept), g_free);
  g_object_set_data (G_OBJECT (dialog), "field", field);
  /* The dialog's own button applies; the row's apply button would too. */
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (field), FALSE);
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (field), TRUE);
  g_signal_connect_object (field, "notify::text", G_CALLBACK (dialog_field_changed_cb), dialog, 0);
  dialog_field_changed_cb (field, NULL, ADW_MESSAGE_DIALOG (dialog));
  return ADW_MESSAGE_DIALOG (dialog);
}

const char *
sesame_settings_dialog_field_text (AdwMessageDialog *dialog)
{
  return gtk_editable_get_text (GTK_EDITABLE (g_object_get_data (G_OBJECT (dialog), "field")));
}

AdwMessageDialog *
sesame_settings_view_confirm_dialog_new (SesameSettingsView *self,
                                         const char         *heading,
                                         const char         *body,
                                         const char         *accept,
                                         const char         *accept_label)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                              heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    accept, accept_label,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), accept,
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  return ADW_MESSAGE_DIALOG (dialog);
}

/* The whole view */

void
sesame_settings_view_refresh (SesameSettingsView *self)
{
  g_autoptr(SesameTenant) tenant = NULL;
  gboolean switched;

  if (!self->app || !sesame_settings_view_get_server (self))
    return;
  tenant = sesame_application_dup_tenant (self->app, NULL);
  switched = !self->tenant || !tenant || !g_str_equal (self->tenant->id, tenant->id);
  g_clear_pointer (&self->tenant, sesame_tenant_free);
  self->tenant = g_steal_pointer (&tenant);

  self->refreshing = TRUE;
  sesame_settings_view_refresh_tenants (self);
  sesame_settings_view_refresh_passkeys (self);
  sesame_settings_view_refresh_policy (self);
  sesame_settings_view_refresh_keys (self, switched);
  sesame_settings_view_refresh_snippets (self);
  sesame_settings_view_refresh_server (self);
  sesame_settings_view_refresh_pin (self);
  self->refreshing = FALSE;
}

static void
tenant_changed_cb (SesameSettingsView *self)
{
  sesame_settings_view_refresh (self);
}

void
sesame_settings_view_attach (SesameSettingsView *self,
                             SesameApplication  *app)
{
  g_return_if_fail (SESAME_IS_SETTINGS_VIEW (self));
  g_return_if_fail (SESAME_IS_APPLICATION (app));
  g_return_if_fail (self->app == NULL);

  self->app = app;
  g_object_add_weak_pointer (G_OBJECT (app), (gpointer *) &self->app);
  g_signal_connect_object (app, "tenant-changed", G_CALLBACK (tenant_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (sesame_application_get_secret_store (app), "notify::available",
                           G_CALLBACK (sesame_settings_view_keyring_changed), self,
                           G_CONNECT_SWAPPED);
  sesame_settings_view_apply_authenticator_flags (self);
  sesame_settings_view_refresh (self);
}

void
sesame_settings_view_add_group (SesameSettingsView  *self,
                                SesameSettingsPage   page,
                                AdwPreferencesGroup *group)
{
  const char *name;
  GtkWidget *child;

  g_return_if_fail (SESAME_IS_SETTINGS_VIEW (self));
  g_return_if_fail (ADW_IS_PREFERENCES_GROUP (group));

  switch (page)
    {
    case SESAME_SETTINGS_PAGE_PASSKEYS:
      name = "passkeys";
      break;
    case SESAME_SETTINGS_PAGE_POLICY:
      name = "policy";
      break;
    case SESAME_SETTINGS_PAGE_AUTHENTICATORS:
      name = "authenticator";
      break;
    default:
      g_return_if_reached ();
    }
  child = gtk_stack_get_child_by_name (self->page_stack, name);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (child), group);
}

void
sesame_settings_view_show_page (SesameSettingsView *self,
                                const char         *name)
{
  g_return_if_fail (SESAME_IS_SETTINGS_VIEW (self));
  g_return_if_fail (gtk_stack_get_child_by_name (self->page_stack, name) != NULL);

  gtk_stack_set_visible_child_name (self->page_stack, name);
}

SesameCheckedRow *
sesame_settings_view_add_checked_row (SesameSettingsView  *self,
                                      AdwPreferencesGroup *group,
                                      const char          *title,
                                      SesameCheckFunc      check,
                                      GCallback            commit)
{
  GtkWidget *row = sesame_checked_row_new (title, check, self, NULL);

  /* Kept by the view: some are moved around in their group. */
  g_object_ref_sink (row);
  g_signal_connect_object (row, "commit", commit, self, 0);
  sesame_checked_row_add_to_group (SESAME_CHECKED_ROW (row), group);
  return SESAME_CHECKED_ROW (row);
}

static void
sesame_settings_view_dispose (GObject *object)
{
  SesameSettingsView *self = SESAME_SETTINGS_VIEW (object);

  g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);
  if (self->app)
    g_object_remove_weak_pointer (G_OBJECT (self->app), (gpointer *) &self->app);
  self->app = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), SESAME_TYPE_SETTINGS_VIEW);
  g_clear_object (&self->new_tenant_row);
  g_clear_object (&self->rp_id_row);
  g_clear_object (&self->rp_name_row);
  g_clear_object (&self->new_origin_row);
  g_clear_object (&self->token_lifetime_row);
  g_clear_object (&self->challenge_lifetime_row);
  g_clear_object (&self->dev_port_row);
  g_clear_object (&self->port_row);

  G_OBJECT_CLASS (sesame_settings_view_parent_class)->dispose (object);
}

static void
sesame_settings_view_finalize (GObject *object)
{
  SesameSettingsView *self = SESAME_SETTINGS_VIEW (object);

  g_clear_pointer (&self->tenant_rows, g_ptr_array_unref);
  g_clear_pointer (&self->origin_rows, g_ptr_array_unref);
  g_clear_pointer (&self->algorithm_rows, g_ptr_array_unref);
  g_clear_pointer (&self->snippet_rows, g_ptr_array_unref);
  g_clear_pointer (&self->tenant, sesame_tenant_free);
  sesame_settings_wipe_string (&self->secret);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sesame_settings_view_parent_class)->finalize (object);
}

static void
sesame_settings_view_class_init (SesameSettingsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sesame_settings_view_dispose;
  object_class->finalize = sesame_settings_view_finalize;

  /* Once, with the class: a constructor in a static library's object file
   * that nothing references would be dropped by the linker. */
  sesame_settings_register_resource ();
  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/sesame/Sesame/settings/sesame-settings-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, page_stack);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, tenants_group);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, new_tenant_group);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, setup_group);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, rp_group);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, origins_group);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, uv_row);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, attestation_row);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, attachment_row);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, algorithms_group);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, lifetimes_group);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, tenant_id_row);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, base_url_row);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, secret_row);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, reveal_button);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, keyring_row);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, snippets_group);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, dev_server_group);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, server_group);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, beyond_loopback_switch);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, authenticator_page);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, pin_group);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, pin_state_row);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, remove_pin_button);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, backup_eligible_switch);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, backed_up_switch);
  gtk_widget_class_bind_template_child (widget_class, SesameSettingsView, sign_counter_switch);
  gtk_widget_class_bind_template_callback (widget_class, sesame_settings_view_setup_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, sesame_settings_view_reveal_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class,
                                           sesame_settings_view_copy_secret_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, sesame_settings_view_rotate_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, sesame_settings_view_beyond_loopback_cb);
  gtk_widget_class_bind_template_callback (widget_class,
                                           sesame_settings_view_remove_pin_clicked_cb);
}

static void
sesame_settings_view_init (SesameSettingsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->tenant_rows = g_ptr_array_new ();
  self->origin_rows = g_ptr_array_new ();
  self->algorithm_rows = g_ptr_array_new ();
  self->snippet_rows = g_ptr_array_new ();
  self->lookup_cancellable = g_cancellable_new ();
  self->settings = g_settings_new (SCHEMA_ID);

  sesame_settings_view_init_tenants (self);
  sesame_settings_view_init_passkeys (self);
  sesame_settings_view_init_policy (self);
  sesame_settings_view_init_keys (self);
  sesame_settings_view_init_server (self);
}
