/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Settings › Passkeys: "Set up passkey" (the Relying Party ID, then an
 * expected origin), the Relying Party and the expected origins. */

#include "config.h"

#include "sesame-settings-view-private.h"

#include "sesame-tenant-admin.h"
#include "sesame-tenant-rules.h"

#include <glib/gi18n.h>
#include <string.h>

static gboolean
check_rp_id (const char  *text,
             gpointer     user_data,
             GError     **error)
{
  return sesame_tenant_validate_rp_id (text, error);
}

/* An origin against the RP ID in use. */
static gboolean
check_origin (const char  *text,
              gpointer     user_data,
              GError     **error)
{
  SesameSettingsView *self = SESAME_SETTINGS_VIEW (user_data);

  return sesame_tenant_validate_origin (text, self->tenant ? self->tenant->rp_id : NULL, error);
}

/* An origin against the RP ID a set-up dialog was given (@user_data). */
static gboolean
check_origin_for (const char  *text,
                  gpointer     user_data,
                  GError     **error)
{
  return sesame_tenant_validate_origin (text, user_data, error);
}

/* Passkeys: "Set up passkey" asks for the Relying Party ID, then for the
 * first expected origin (more can be added afterwards). */

static void
setup_origin_response_cb (AdwMessageDialog   *dialog,
                          const char         *response,
                          SesameSettingsView *self)
{
  const char *rp_id = g_object_get_data (G_OBJECT (dialog), "rp-id");
  const char *origins[] = { sesame_settings_dialog_field_text (dialog), NULL };
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "set-up") || !self->tenant)
    return;
  if (!sesame_tenant_admin_set_up_passkeys (self->app, self->tenant->id, rp_id, NULL, origins,
                                            &error))
    sesame_settings_view_toast_error (self, _("Passkeys were not set up"), error);
  else
    sesame_settings_view_toast (self, _("Passkeys are set up: this tenant answers passkey calls "
                                        "now"));
}

static char *
suggest_origin (SesameSettingsView *self,
                const char         *rp_id)
{
  SesameServer *server = sesame_settings_view_get_server (self);

  /* On localhost the likely page is the sample app (or a dev server, whose
   * port the user types over); elsewhere the site itself, over https. */
  if (g_str_equal (rp_id, "localhost") && server)
    return g_strdup (sesame_server_get_app_origin (server));
  return g_strdup_printf ("https://%s", rp_id);
}

static void
setup_rp_id_response_cb (AdwMessageDialog   *dialog,
                         const char         *response,
                         SesameSettingsView *self)
{
  g_autofree char *rp_id = NULL;
  g_autofree char *suggestion = NULL;
  g_autofree char *body = NULL;
  SesameCheckedRow *field;
  AdwMessageDialog *next;

  if (!g_str_equal (response, "next"))
    return;
  rp_id = g_strdup (sesame_settings_dialog_field_text (dialog));
  field = SESAME_CHECKED_ROW (sesame_checked_row_new (_("Expected Origin"), check_origin_for,
                                                      g_strdup (rp_id), g_free));
  suggestion = suggest_origin (self, rp_id);
  sesame_checked_row_set_text (field, suggestion);
  /* Translators: %s is a Relying Party ID such as example.com. */
  body = g_strdup_printf (_("The exact origin of a page that uses passkeys of %s: its scheme, "
                            "host and port, such as https://app.%s or, for a dev server, "
                            "http://localhost:5173. You can add more later."),
                          rp_id, rp_id);
  next = sesame_settings_view_field_dialog_new (self, _("Expected Origin"), body, field, "set-up",
                                                _("_Set Up"));
  g_object_set_data_full (G_OBJECT (next), "rp-id", g_steal_pointer (&rp_id), g_free);
  g_signal_connect_object (next, "response", G_CALLBACK (setup_origin_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (next));
}

void
sesame_settings_view_setup_clicked_cb (SesameSettingsView *self)
{
  SesameCheckedRow *field = SESAME_CHECKED_ROW (sesame_checked_row_new (_("Relying Party ID"),
                                                                        check_rp_id, NULL, NULL));
  AdwMessageDialog *dialog;

  dialog = sesame_settings_view_field_dialog_new (self, _("Set Up Passkey"),
                                                  _("The Relying Party ID is the domain your "
                                                    "app runs on, such as example.com, or "
                                                    "localhost for local development: no "
                                                    "scheme, port or path."),
                                                  field, "next", _("_Next"));
  g_signal_connect_object (dialog, "response", G_CALLBACK (setup_rp_id_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
change_rp_id (SesameSettingsView *self,
              const char         *rp_id)
{
  g_autoptr(GError) error = NULL;

  if (!self->tenant)
    return;
  /* The origins must fit the new ID: set_up_passkeys checks them with it,
   * and the message says which does not. */
  if (!sesame_tenant_admin_set_up_passkeys (self->app, self->tenant->id, rp_id,
                                            self->tenant->rp_name,
                                            (const char * const *) self->tenant->expected_origins,
                                            &error))
    sesame_checked_row_show_error (self->rp_id_row, error);
}

static void
change_rp_id_response_cb (AdwMessageDialog   *dialog,
                          const char         *response,
                          SesameSettingsView *self)
{
  const char *rp_id = g_object_get_data (G_OBJECT (dialog), "rp-id");
  const char *tenant_id = g_object_get_data (G_OBJECT (dialog), "tenant-id");

  /* The tenant may have changed while the dialog was open. */
  if (g_str_equal (response, "change") && self->tenant &&
      g_str_equal (tenant_id, self->tenant->id))
    change_rp_id (self, rp_id);
  else if (self->tenant)
    sesame_checked_row_set_text (self->rp_id_row, self->tenant->rp_id);
}

/* How many passkeys the tenant holds; 0 when they cannot be counted (the
 * change itself then reports what is wrong with the store). */
static guint
count_passkeys (SesameSettingsView *self)
{
  SesameStore *store = sesame_application_get_store (self->app);
  guint n_passkeys = 0;

  if (!sesame_store_count_passkeys (store, self->tenant->id, &n_passkeys, NULL))
    return 0;
  return n_passkeys;
}

static void
rp_id_commit_cb (SesameCheckedRow   *row,
                 const char         *text,
                 SesameSettingsView *self)
{
  AdwMessageDialog *dialog;
  g_autofree char *body = NULL;
  guint n_passkeys;

  if (!self->tenant || g_str_equal (text, self->tenant->rp_id))
    return;

  /* A passkey belongs to the RP ID it was made for: moving the tenant to
   * another one strands every passkey it has, so ask first. */
  n_passkeys = self->tenant->passkeys_set_up ? count_passkeys (self) : 0;
  if (n_passkeys == 0)
    {
      change_rp_id (self, text);
      return;
    }

  body = g_strdup_printf (ngettext (
                                       "This tenant has %u passkey, made for “%s”. A passkey "
                                       "only works for the Relying Party ID it was made for: "
                                       "after the change to “%s” it can no longer sign its "
                                       "user in, and the user needs a new one.",
                                       "This tenant has %u passkeys, made for “%s”. A passkey "
                                       "only works for the Relying Party ID it was made for: "
                                       "after the change to “%s” they can no longer sign their "
                                       "users in, and the users need new ones.",
                                       n_passkeys),
                          n_passkeys, self->tenant->rp_id, text);
  dialog = sesame_settings_view_confirm_dialog_new (self, _("Change the Relying Party ID?"),
                                                    body, "change", _("_Change"));
  g_object_set_data_full (G_OBJECT (dialog), "rp-id", g_strdup (text), g_free);
  g_object_set_data_full (G_OBJECT (dialog), "tenant-id", g_strdup (self->tenant->id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (change_rp_id_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
set_rp_name (SesameTenant  *tenant,
             gconstpointer  data)
{
  g_free (tenant->rp_name);
  tenant->rp_name = g_strstrip (g_strdup (data));
}

static void
rp_name_commit_cb (SesameCheckedRow   *row,
                   const char         *text,
                   SesameSettingsView *self)
{
  sesame_settings_view_update_tenant (self, set_rp_name, text, row);
}

static void
set_origins (SesameTenant  *tenant,
             gconstpointer  data)
{
  g_strfreev (tenant->expected_origins);
  tenant->expected_origins = g_strdupv ((char **) data);
}

/* The stored origins with the one at @index replaced by @origin (NULL:
 * removed), or @origin added (index -1). */
static char **
edited_origins (SesameSettingsView *self,
                int                 index,
                const char         *origin)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  char **stored = self->tenant ? self->tenant->expected_origins : NULL;

  for (int i = 0; stored && stored[i]; i++)
    {
      if (i != index)
        g_strv_builder_add (builder, stored[i]);
      else if (origin)
        g_strv_builder_add (builder, origin);
    }
  if (index < 0 && origin)
    g_strv_builder_add (builder, origin);
  return g_strv_builder_end (builder);
}

static gboolean
save_origins (SesameSettingsView *self,
              int                 index,
              const char         *origin,
              SesameCheckedRow   *row)
{
  g_auto(GStrv) origins = edited_origins (self, index, origin);

  return sesame_settings_view_update_tenant (self, set_origins, origins, row);
}

static void
origin_commit_cb (SesameCheckedRow   *row,
                  const char         *text,
                  SesameSettingsView *self)
{
  int index = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "origin-index"));

  save_origins (self, index, text, row);
}

static void
remove_origin_clicked_cb (GtkButton          *button,
                          SesameSettingsView *self)
{
  int index = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "origin-index"));
  g_autofree char *origin = g_strdup (self->tenant->expected_origins[index]);

  if (save_origins (self, index, NULL, NULL))
    {
      g_autofree char *message = g_strdup_printf (_("%s is no longer an expected origin"), origin);

      sesame_settings_view_toast (self, message);
    }
}

static void
new_origin_commit_cb (SesameCheckedRow   *row,
                      const char         *text,
                      SesameSettingsView *self)
{
  if (save_origins (self, -1, text, row))
    gtk_editable_set_text (GTK_EDITABLE (row), "");
}

void
sesame_settings_view_refresh_passkeys (SesameSettingsView *self)
{
  gboolean set_up = self->tenant && self->tenant->passkeys_set_up;
  guint n = self->tenant && self->tenant->expected_origins
              ? g_strv_length (self->tenant->expected_origins) : 0;

  gtk_widget_set_visible (GTK_WIDGET (self->setup_group), self->tenant && !set_up);
  gtk_widget_set_visible (GTK_WIDGET (self->rp_group), set_up);
  gtk_widget_set_visible (GTK_WIDGET (self->origins_group), set_up);

  sesame_settings_clear_rows (self->origins_group, self->origin_rows);
  if (!set_up)
    return;

  sesame_settings_show_value (self->rp_id_row, self->tenant->rp_id);
  sesame_settings_show_value (self->rp_name_row, self->tenant->rp_name);

  for (guint i = 0; i < n; i++)
    {
      /* Translators: the title of the n-th expected origin's field. */
      g_autofree char *title = g_strdup_printf (_("Origin %u"), i + 1);
      GtkWidget *row = sesame_checked_row_new (title, check_origin, self, NULL);
      GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
      g_autofree char *label = g_strdup_printf (_("Remove %s"), self->tenant->expected_origins[i]);

      sesame_checked_row_set_text (SESAME_CHECKED_ROW (row), self->tenant->expected_origins[i]);
      g_object_set_data (G_OBJECT (row), "origin-index", GINT_TO_POINTER (i));
      g_signal_connect_object (row, "commit", G_CALLBACK (origin_commit_cb), self, 0);

      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_tooltip_text (remove, label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      label, -1);
      /* An origin list is never empty: the last one stays. */
      gtk_widget_set_sensitive (remove, n > 1);
      g_object_set_data (G_OBJECT (remove), "origin-index", GINT_TO_POINTER (i));
      g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_origin_clicked_cb), self, 0);
      adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), remove);

      /* Before the field for a new one. */
      sesame_checked_row_remove_from_group (self->new_origin_row, self->origins_group);
      sesame_checked_row_add_to_group (SESAME_CHECKED_ROW (row), self->origins_group);
      sesame_checked_row_add_to_group (self->new_origin_row, self->origins_group);
      g_ptr_array_add (self->origin_rows, row);
    }
  /* The RP ID may have changed: what fits changes with it. */
  sesame_checked_row_recheck (self->new_origin_row);
}

void
sesame_settings_view_init_passkeys (SesameSettingsView *self)
{
  self->rp_id_row = sesame_settings_view_add_checked_row (self, self->rp_group,
                                                          _("Relying Party ID"), check_rp_id,
                                                          G_CALLBACK (rp_id_commit_cb));
  self->rp_name_row = sesame_settings_view_add_checked_row (self, self->rp_group,
                                                            _("Relying Party Name"),
                                                            sesame_settings_check_name,
                                                            G_CALLBACK (rp_name_commit_cb));
  self->new_origin_row = sesame_settings_view_add_checked_row (self, self->origins_group,
                                                               _("Add an Origin"), check_origin,
                                                               G_CALLBACK (new_origin_commit_cb));
  sesame_checked_row_set_action_label (self->new_origin_row, _("_Add"));
}
