/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Settings › Tenants: the list (use, rename, remove) and a new tenant. */

#include "config.h"

#include "sesame-settings-view-private.h"

#include "sesame-tenant-admin.h"

#include <glib/gi18n.h>
#include <string.h>

/* Tenants */

static void
switch_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SesameSettingsView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameTenant) tenant = NULL;
  gboolean rotated = FALSE;

  if (!sesame_tenant_admin_switch_finish (SESAME_APPLICATION (source), result, &rotated, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        sesame_settings_view_toast_error (self, _("Could not switch tenants"), error);
      return;
    }
  tenant = sesame_application_dup_tenant (SESAME_APPLICATION (source), NULL);
  if (tenant)
    {
      g_autofree char *message = NULL;

      if (rotated)
        message = g_strdup_printf (_("Now using “%s”. Its secret key was not in the keyring, so "
                                     "it was rotated: see it under API Keys."), tenant->name);
      else
        message = g_strdup_printf (_("Now using “%s”"), tenant->name);
      sesame_settings_view_toast (self, message);
    }
  /* The sample app's backend talks to the new tenant: reload the Demo
   * view so that its page does too. */
  sesame_settings_view_reload_demo (self);
}

static void
use_tenant_clicked_cb (GtkButton          *button,
                       SesameSettingsView *self)
{
  const char *tenant_id = g_object_get_data (G_OBJECT (button), "tenant-id");

  /* Not cancelled with the key lookup: the switch itself refreshes this
   * view, which starts a new lookup. */
  sesame_tenant_admin_switch_async (self->app, tenant_id, NULL, switch_done_cb,
                                    g_object_ref (self));
}

static void
rename_response_cb (AdwMessageDialog   *dialog,
                    const char         *response,
                    SesameSettingsView *self)
{
  const char *tenant_id = g_object_get_data (G_OBJECT (dialog), "tenant-id");
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "rename"))
    return;
  if (!sesame_tenant_admin_rename (self->app, tenant_id, sesame_settings_dialog_field_text (dialog),
                                   &error))
    sesame_settings_view_toast_error (self, _("Could not rename the tenant"), error);
}

static void
rename_tenant_clicked_cb (GtkButton          *button,
                          SesameSettingsView *self)
{
  SesameCheckedRow *field =
    SESAME_CHECKED_ROW (sesame_checked_row_new (_("Name"), sesame_settings_check_name, NULL, NULL));
  AdwMessageDialog *dialog;

  sesame_checked_row_set_text (field, g_object_get_data (G_OBJECT (button), "tenant-name"));
  dialog = sesame_settings_view_field_dialog_new (self, _("Rename Tenant"), NULL, field, "rename",
                                                  _("_Rename"));
  g_object_set_data_full (G_OBJECT (dialog), "tenant-id",
                          g_strdup (g_object_get_data (G_OBJECT (button), "tenant-id")), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (rename_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
remove_response_cb (AdwMessageDialog   *dialog,
                    const char         *response,
                    SesameSettingsView *self)
{
  const char *tenant_id = g_object_get_data (G_OBJECT (dialog), "tenant-id");
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "remove"))
    return;
  if (!sesame_tenant_admin_remove (self->app, tenant_id, &error))
    sesame_settings_view_toast_error (self, _("Could not remove the tenant"), error);
}

static void
remove_tenant_clicked_cb (GtkButton          *button,
                          SesameSettingsView *self)
{
  g_autofree char *heading = g_strdup_printf (_("Remove “%s”?"),
                                              (char *) g_object_get_data (G_OBJECT (button),
                                                                          "tenant-name"));
  AdwMessageDialog *dialog =
    sesame_settings_view_confirm_dialog_new (self, heading,
                                             _("Its users, passkeys, events and secret key are "
                                               "deleted. Apps that use its tenant ID stop "
                                               "working."),
                                             "remove", _("_Remove"));

  g_object_set_data_full (G_OBJECT (dialog), "tenant-id",
                          g_strdup (g_object_get_data (G_OBJECT (button), "tenant-id")), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static GtkWidget *
tenant_button (SesameSettingsView *self,
               const SesameTenant *tenant,
               const char         *icon_name,
               const char         *label,
               const char         *tooltip,
               GCallback           callback)
{
  GtkWidget *button = label ? gtk_button_new_with_mnemonic (label)
                            : gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  if (!label)
    {
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, tooltip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      tooltip, -1);
    }
  g_object_set_data_full (G_OBJECT (button), "tenant-id", g_strdup (tenant->id), g_free);
  g_object_set_data_full (G_OBJECT (button), "tenant-name", g_strdup (tenant->name), g_free);
  g_signal_connect_object (button, "clicked", callback, self, 0);
  return button;
}

void
sesame_settings_view_refresh_tenants (SesameSettingsView *self)
{
  g_autoptr(GPtrArray) tenants = NULL;
  g_autoptr(GError) error = NULL;
  const char *local_id = sesame_application_get_local_tenant_id (self->app);

  sesame_settings_clear_rows (self->tenants_group, self->tenant_rows);
  tenants = sesame_store_list_tenants (sesame_application_get_store (self->app), &error);
  if (!tenants)
    {
      sesame_settings_view_toast_error (self, _("Could not read the tenants"), error);
      return;
    }

  for (guint i = 0; i < tenants->len; i++)
    {
      const SesameTenant *tenant = tenants->pdata[i];
      gboolean in_use = self->tenant && g_str_equal (tenant->id, self->tenant->id);
      gboolean local = g_strcmp0 (tenant->id, local_id) == 0;
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *subtitle = NULL;

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), tenant->name);
      if (!tenant->passkeys_set_up)
        /* Translators: %s is a tenant ID. */
        subtitle = g_strdup_printf (_("%s · passkeys not set up"), tenant->id);
      else
        /* Translators: a tenant's ID and its Relying Party ID. */
        subtitle = g_strdup_printf (_("%s · RP ID %s"), tenant->id, tenant->rp_id);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

      if (in_use)
        {
          GtkWidget *label = gtk_label_new (_("In use"));

          gtk_widget_add_css_class (label, "dim-label");
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
        }
      else
        adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                   tenant_button (self, tenant, NULL, _("_Use"), NULL,
                                                  G_CALLBACK (use_tenant_clicked_cb)));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 tenant_button (self, tenant, "document-edit-symbolic", NULL,
                                                _("Rename"),
                                                G_CALLBACK (rename_tenant_clicked_cb)));
      /* The local tenant always exists, and the one in use stays. */
      if (!in_use && !local)
        adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                   tenant_button (self, tenant, "user-trash-symbolic", NULL,
                                                  _("Remove"),
                                                  G_CALLBACK (remove_tenant_clicked_cb)));
      adw_preferences_group_add (self->tenants_group, row);
      g_ptr_array_add (self->tenant_rows, row);
    }
}

static void
new_tenant_commit_cb (SesameCheckedRow   *row,
                      const char         *text,
                      SesameSettingsView *self)
{
  g_autoptr(SesameTenant) tenant = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strstrip (g_strdup (text));
  g_autofree char *message = NULL;

  tenant = sesame_tenant_admin_create (self->app, name, &error);
  if (!tenant)
    {
      sesame_checked_row_show_error (row, error);
      return;
    }
  message = g_strdup_printf (_("Tenant “%s” added: use it, then set up its passkeys"),
                             tenant->name);
  sesame_settings_view_toast (self, message);
  gtk_editable_set_text (GTK_EDITABLE (row), "");
  sesame_checked_row_show_error (row, NULL);
}

void
sesame_settings_view_init_tenants (SesameSettingsView *self)
{
  self->new_tenant_row =
    sesame_settings_view_add_checked_row (self, self->new_tenant_group, _("Name of a New Tenant"),
                                          sesame_settings_check_name,
                                          G_CALLBACK (new_tenant_commit_cb));
  sesame_checked_row_set_action_label (self->new_tenant_row, _("_Add"));
}
