/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-settings-view.h"

#include "sesame-checked-row.h"
#include "sesame-copy-button.h"
#include "sesame-cose-key.h"
#include "sesame-secret-store.h"
#include "sesame-settings-resources.h"
#include "sesame-settings-snippets.h"
#include "sesame-tenant-admin.h"
#include "sesame-tenant-rules.h"
#include "sesame-tenant-settings.h"
#include "sesame-window.h"

#include <glib/gi18n.h>
#include <string.h>

#define HIDDEN_SECRET "••••••••••••••••••••••••"

struct _SesameSettingsView
{
  AdwBin parent_instance;

  /* Template widgets */
  GtkStack *page_stack;
  AdwPreferencesGroup *tenants_group;
  AdwPreferencesGroup *new_tenant_group;
  AdwPreferencesGroup *setup_group;
  AdwPreferencesGroup *rp_group;
  AdwPreferencesGroup *origins_group;
  AdwComboRow *uv_row;
  AdwComboRow *attestation_row;
  AdwComboRow *attachment_row;
  AdwPreferencesGroup *algorithms_group;
  AdwPreferencesGroup *lifetimes_group;
  AdwActionRow *tenant_id_row;
  AdwActionRow *base_url_row;
  AdwActionRow *secret_row;
  GtkToggleButton *reveal_button;
  GtkWidget *keyring_row;
  AdwPreferencesGroup *snippets_group;
  AdwPreferencesGroup *dev_server_group;
  AdwPreferencesGroup *server_group;
  GtkSwitch *beyond_loopback_switch;
  AdwPreferencesPage *authenticator_page;
  AdwPreferencesGroup *pin_group;
  AdwActionRow *pin_state_row;
  GtkWidget *remove_pin_button;
  GtkSwitch *backup_eligible_switch;
  GtkSwitch *backed_up_switch;
  GtkSwitch *sign_counter_switch;

  /* Rows made in code */
  SesameCheckedRow *new_tenant_row;
  SesameCheckedRow *rp_id_row;
  SesameCheckedRow *rp_name_row;
  SesameCheckedRow *new_origin_row;
  SesameCheckedRow *token_lifetime_row;
  SesameCheckedRow *challenge_lifetime_row;
  SesameCheckedRow *dev_port_row;
  SesameCheckedRow *port_row;
  GtkWidget *pin_row;
  GPtrArray *tenant_rows;      /* what tenants_group holds now */
  GPtrArray *origin_rows;      /* SesameCheckedRow, one per stored origin */
  GPtrArray *algorithm_rows;   /* AdwActionRow with a switch, one per supported algorithm */
  GPtrArray *snippet_rows;

  SesameApplication *app;      /* weak */
  GSettings *settings;
  SesameTenant *tenant;        /* the tenant in use, as last read */
  char *secret;                /* its secret key when known, wiped when dropped */
  GCancellable *lookup_cancellable; /* of the secret key's lookup */
  gboolean refreshing;         /* rows are being filled from the store */
};

G_DEFINE_FINAL_TYPE (SesameSettingsView, sesame_settings_view, ADW_TYPE_BIN)

static void refresh (SesameSettingsView *self);

/* Helpers */

static void
wipe_string (char **secret)
{
  if (*secret)
    memset (*secret, 0, strlen (*secret));
  g_clear_pointer (secret, g_free);
}

static void
toast (SesameSettingsView *self,
       const char         *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (message));
  else
    g_message ("%s", message);
}

static void
toast_error (SesameSettingsView *self,
             const char         *what,
             const GError       *error)
{
  /* Translators: the first %s says what failed ("Could not rotate the
   * key"), the second why. */
  g_autofree char *message = g_strdup_printf (_("%s: %s"), what, error->message);

  toast (self, message);
}

static SesameServer *
get_server (SesameSettingsView *self)
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
static void
show_value (SesameCheckedRow *row,
            const char       *value)
{
  if (!row_has_focus (GTK_WIDGET (row)))
    sesame_checked_row_set_text (row, value);
}

static void
clear_rows (AdwPreferencesGroup *group,
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

/* Stores a copy of the tenant in use changed by @change; on failure shows
 * the error on @row (or in a toast) and returns FALSE. */
typedef void (*ChangeFunc) (SesameTenant *tenant,
                            gconstpointer data);

static gboolean
update_tenant (SesameSettingsView *self,
               ChangeFunc          change,
               gconstpointer       data,
               SesameCheckedRow   *row)
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
      toast_error (self, _("Not saved"), error);
      refresh (self);
    }
  return FALSE;
}

static gboolean
parse_number (const char  *text,
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

static gboolean
check_name (const char  *text,
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

static gboolean
check_token_lifetime (const char  *text,
                      gpointer     user_data,
                      GError     **error)
{
  gint64 value;

  return parse_number (text, SESAME_TOKEN_LIFETIME_MIN, SESAME_TOKEN_LIFETIME_MAX, &value, error);
}

static gboolean
check_challenge_lifetime (const char  *text,
                          gpointer     user_data,
                          GError     **error)
{
  gint64 value;

  return parse_number (text, SESAME_CHALLENGE_LIFETIME_MIN, SESAME_CHALLENGE_LIFETIME_MAX,
                       &value, error);
}

static gboolean
check_port (const char  *text,
            gpointer     user_data,
            GError     **error)
{
  gint64 value;

  return parse_number (text, 0, G_MAXUINT16, &value, error);
}

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

  if (!parse_number (text, 1, G_MAXUINT16, &value, error))
    return FALSE;
  origin = dev_server_origin (text);
  return sesame_tenant_validate_origin (origin, self->tenant ? self->tenant->rp_id : NULL, error);
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

static AdwMessageDialog *
field_dialog_new (SesameSettingsView *self,
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

static const char *
dialog_field_text (AdwMessageDialog *dialog)
{
  return gtk_editable_get_text (GTK_EDITABLE (g_object_get_data (G_OBJECT (dialog), "field")));
}

static AdwMessageDialog *
confirm_dialog_new (SesameSettingsView *self,
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
  SesameServer *server;
  GtkRoot *root;

  if (!sesame_tenant_admin_switch_finish (SESAME_APPLICATION (source), result, &rotated, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast_error (self, _("Could not switch tenants"), error);
      return;
    }
  server = get_server (self);
  tenant = sesame_application_dup_tenant (self->app, NULL);
  if (tenant)
    {
      g_autofree char *message = NULL;

      if (rotated)
        message = g_strdup_printf (_("Now using “%s”. Its secret key was not in the keyring, so "
                                     "it was rotated: see it under API Keys."), tenant->name);
      else
        message = g_strdup_printf (_("Now using “%s”"), tenant->name);
      toast (self, message);
    }
  /* The sample app's backend talks to the new tenant: reload the Demo
   * view so that its page does too. */
  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (server && SESAME_IS_WINDOW (root))
    {
      GtkWidget *stack = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_VIEW_STACK);

      sesame_window_open_url (SESAME_WINDOW (root), sesame_server_get_app_url (server));
      /* Opening a page shows the Demo view; the user is still here. */
      if (stack)
        adw_view_stack_set_visible_child (ADW_VIEW_STACK (stack), GTK_WIDGET (self));
    }
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
  if (!sesame_tenant_admin_rename (self->app, tenant_id, dialog_field_text (dialog), &error))
    toast_error (self, _("Could not rename the tenant"), error);
}

static void
rename_tenant_clicked_cb (GtkButton          *button,
                          SesameSettingsView *self)
{
  SesameCheckedRow *field = SESAME_CHECKED_ROW (sesame_checked_row_new (_("Name"), check_name,
                                                                        NULL, NULL));
  AdwMessageDialog *dialog;

  sesame_checked_row_set_text (field, g_object_get_data (G_OBJECT (button), "tenant-name"));
  dialog = field_dialog_new (self, _("Rename Tenant"), NULL, field, "rename", _("_Rename"));
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
    toast_error (self, _("Could not remove the tenant"), error);
}

static void
remove_tenant_clicked_cb (GtkButton          *button,
                          SesameSettingsView *self)
{
  g_autofree char *heading = g_strdup_printf (_("Remove “%s”?"),
                                              (char *) g_object_get_data (G_OBJECT (button),
                                                                          "tenant-name"));
  AdwMessageDialog *dialog =
    confirm_dialog_new (self, heading,
                        _("Its users, passkeys, events and secret key are deleted. Apps that "
                          "use its tenant ID stop working."),
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

static void
refresh_tenants (SesameSettingsView *self)
{
  g_autoptr(GPtrArray) tenants = NULL;
  g_autoptr(GError) error = NULL;
  const char *local_id = sesame_application_get_local_tenant_id (self->app);

  clear_rows (self->tenants_group, self->tenant_rows);
  tenants = sesame_store_list_tenants (sesame_application_get_store (self->app), &error);
  if (!tenants)
    {
      toast_error (self, _("Could not read the tenants"), error);
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
  toast (self, message);
  gtk_editable_set_text (GTK_EDITABLE (row), "");
  sesame_checked_row_show_error (row, NULL);
}

/* Passkeys: "Set up passkey" asks for the Relying Party ID, then for the
 * first expected origin (more can be added afterwards). */

static void
setup_origin_response_cb (AdwMessageDialog   *dialog,
                          const char         *response,
                          SesameSettingsView *self)
{
  const char *rp_id = g_object_get_data (G_OBJECT (dialog), "rp-id");
  const char *origins[] = { dialog_field_text (dialog), NULL };
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "set-up") || !self->tenant)
    return;
  if (!sesame_tenant_admin_set_up_passkeys (self->app, self->tenant->id, rp_id, NULL, origins,
                                            &error))
    toast_error (self, _("Passkeys were not set up"), error);
  else
    toast (self, _("Passkeys are set up: this tenant answers passkey calls now"));
}

static char *
suggest_origin (SesameSettingsView *self,
                const char         *rp_id)
{
  SesameServer *server = get_server (self);

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
  rp_id = g_strdup (dialog_field_text (dialog));
  field = SESAME_CHECKED_ROW (sesame_checked_row_new (_("Expected Origin"), check_origin_for,
                                                      g_strdup (rp_id), g_free));
  suggestion = suggest_origin (self, rp_id);
  sesame_checked_row_set_text (field, suggestion);
  /* Translators: %s is a Relying Party ID such as example.com. */
  body = g_strdup_printf (_("The exact origin of a page that uses passkeys of %s: its scheme, "
                            "host and port, such as https://app.%s or, for a dev server, "
                            "http://localhost:5173. You can add more later."),
                          rp_id, rp_id);
  next = field_dialog_new (self, _("Expected Origin"), body, field, "set-up", _("_Set Up"));
  g_object_set_data_full (G_OBJECT (next), "rp-id", g_steal_pointer (&rp_id), g_free);
  g_signal_connect_object (next, "response", G_CALLBACK (setup_origin_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (next));
}

static void
setup_clicked_cb (SesameSettingsView *self)
{
  SesameCheckedRow *field = SESAME_CHECKED_ROW (sesame_checked_row_new (_("Relying Party ID"),
                                                                        check_rp_id, NULL, NULL));
  AdwMessageDialog *dialog;

  dialog = field_dialog_new (self, _("Set Up Passkey"),
                             _("The Relying Party ID is the domain your app runs on, such as "
                               "example.com, or localhost for local development: no scheme, "
                               "port or path."),
                             field, "next", _("_Next"));
  g_signal_connect_object (dialog, "response", G_CALLBACK (setup_rp_id_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
rp_id_commit_cb (SesameCheckedRow   *row,
                 const char         *text,
                 SesameSettingsView *self)
{
  g_autoptr(GError) error = NULL;

  if (!self->tenant)
    return;
  /* The origins must fit the new ID: set_up_passkeys checks them with it,
   * and the message says which does not. */
  if (!sesame_tenant_admin_set_up_passkeys (self->app, self->tenant->id, text,
                                            self->tenant->rp_name,
                                            (const char * const *) self->tenant->expected_origins,
                                            &error))
    sesame_checked_row_show_error (row, error);
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
  update_tenant (self, set_rp_name, text, row);
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

  return update_tenant (self, set_origins, origins, row);
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

      toast (self, message);
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

static void
refresh_passkeys (SesameSettingsView *self)
{
  gboolean set_up = self->tenant && self->tenant->passkeys_set_up;
  guint n = self->tenant && self->tenant->expected_origins
              ? g_strv_length (self->tenant->expected_origins) : 0;

  gtk_widget_set_visible (GTK_WIDGET (self->setup_group), self->tenant && !set_up);
  gtk_widget_set_visible (GTK_WIDGET (self->rp_group), set_up);
  gtk_widget_set_visible (GTK_WIDGET (self->origins_group), set_up);

  clear_rows (self->origins_group, self->origin_rows);
  if (!set_up)
    return;

  show_value (self->rp_id_row, self->tenant->rp_id);
  show_value (self->rp_name_row, self->tenant->rp_name);

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

/* Policy */

static const char * const uv_values[] = { "required", "preferred", "discouraged" };
static const char * const attestation_values[] = { "none", "direct" };
static const char * const attachment_values[] = { NULL, "platform", "cross-platform" };

static guint
find_value (const char * const *values,
            guint               n_values,
            const char         *value)
{
  for (guint i = 0; i < n_values; i++)
    if (g_strcmp0 (values[i], value) == 0)
      return i;
  return 0;
}

typedef struct
{
  const char *uv;
  const char *attestation;
  const char *attachment;
} Policy;

static void
set_policy (SesameTenant  *tenant,
            gconstpointer  data)
{
  const Policy *policy = data;

  g_free (tenant->user_verification);
  tenant->user_verification = g_strdup (policy->uv);
  g_free (tenant->attestation);
  tenant->attestation = g_strdup (policy->attestation);
  g_free (tenant->authenticator_attachment);
  tenant->authenticator_attachment = g_strdup (policy->attachment);
}

static void
policy_changed_cb (SesameSettingsView *self)
{
  Policy policy;

  if (self->refreshing || !self->tenant)
    return;
  policy.uv = uv_values[MIN (adw_combo_row_get_selected (self->uv_row),
                             G_N_ELEMENTS (uv_values) - 1)];
  policy.attestation = attestation_values[MIN (adw_combo_row_get_selected (self->attestation_row),
                                               G_N_ELEMENTS (attestation_values) - 1)];
  policy.attachment = attachment_values[MIN (adw_combo_row_get_selected (self->attachment_row),
                                             G_N_ELEMENTS (attachment_values) - 1)];
  update_tenant (self, set_policy, &policy, NULL);
}

typedef struct
{
  const int *algs;
  gsize      n_algs;
} Algorithms;

static void
set_algorithms (SesameTenant  *tenant,
                gconstpointer  data)
{
  const Algorithms *algorithms = data;

  g_free (tenant->allowed_algorithms);
  tenant->allowed_algorithms = g_memdup2 (algorithms->algs, algorithms->n_algs * sizeof (int));
  tenant->n_allowed_algorithms = algorithms->n_algs;
}

static void
algorithm_toggled_cb (GtkSwitch          *toggle,
                      GParamSpec         *pspec,
                      SesameSettingsView *self)
{
  int alg = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (toggle), "alg"));
  g_autoptr(GArray) algs = g_array_new (FALSE, FALSE, sizeof (int));
  Algorithms algorithms;

  if (self->refreshing || !self->tenant)
    return;
  /* The stored order stays (it is the order of preference); a newly
   * allowed one comes last. */
  for (gsize i = 0; i < self->tenant->n_allowed_algorithms; i++)
    if (self->tenant->allowed_algorithms[i] != alg)
      g_array_append_val (algs, self->tenant->allowed_algorithms[i]);
  if (gtk_switch_get_active (toggle))
    g_array_append_val (algs, alg);
  algorithms.algs = (const int *) algs->data;
  algorithms.n_algs = algs->len;
  update_tenant (self, set_algorithms, &algorithms, NULL);
}

static gboolean
tenant_allows (const SesameTenant *tenant,
               int                 alg)
{
  for (gsize i = 0; i < tenant->n_allowed_algorithms; i++)
    if (tenant->allowed_algorithms[i] == alg)
      return TRUE;
  return FALSE;
}

static void
build_algorithm_rows (SesameSettingsView *self)
{
  gsize n_algs;
  const int *algs = sesame_cose_supported_algorithms (&n_algs);

  for (gsize i = 0; i < n_algs; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *toggle = gtk_switch_new ();
      g_autofree char *subtitle = g_strdup_printf (_("COSE algorithm %d"), algs[i]);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     sesame_cose_algorithm_to_string (algs[i]));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (toggle), "alg", GINT_TO_POINTER (algs[i]));
      g_object_set_data (G_OBJECT (row), "switch", toggle);
      g_signal_connect_object (toggle, "notify::active", G_CALLBACK (algorithm_toggled_cb), self,
                               0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
      adw_preferences_group_add (self->algorithms_group, row);
      g_ptr_array_add (self->algorithm_rows, row);
    }
}

static void
set_token_lifetime (SesameTenant  *tenant,
                    gconstpointer  data)
{
  tenant->token_lifetime = *(const gint64 *) data;
}

static void
set_challenge_lifetime (SesameTenant  *tenant,
                        gconstpointer  data)
{
  tenant->challenge_lifetime = *(const gint64 *) data;
}

static void
lifetime_commit_cb (SesameCheckedRow   *row,
                    const char         *text,
                    SesameSettingsView *self)
{
  gboolean token = row == self->token_lifetime_row;
  gint64 value;

  /* Checked already by the row. */
  if (!parse_number (text, token ? SESAME_TOKEN_LIFETIME_MIN : SESAME_CHALLENGE_LIFETIME_MIN,
                     token ? SESAME_TOKEN_LIFETIME_MAX : SESAME_CHALLENGE_LIFETIME_MAX,
                     &value, NULL))
    return;
  update_tenant (self, token ? set_token_lifetime : set_challenge_lifetime, &value, row);
}

static void
refresh_policy (SesameSettingsView *self)
{
  g_autofree char *token = NULL;
  g_autofree char *challenge = NULL;

  if (!self->tenant)
    return;
  adw_combo_row_set_selected (self->uv_row, find_value (uv_values, G_N_ELEMENTS (uv_values),
                                                        self->tenant->user_verification));
  adw_combo_row_set_selected (self->attestation_row,
                              find_value (attestation_values, G_N_ELEMENTS (attestation_values),
                                          self->tenant->attestation));
  adw_combo_row_set_selected (self->attachment_row,
                              find_value (attachment_values, G_N_ELEMENTS (attachment_values),
                                          self->tenant->authenticator_attachment));
  for (guint i = 0; i < self->algorithm_rows->len; i++)
    {
      GtkSwitch *toggle = g_object_get_data (self->algorithm_rows->pdata[i], "switch");
      int alg = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (toggle), "alg"));

      gtk_switch_set_active (toggle, tenant_allows (self->tenant, alg));
    }
  token = g_strdup_printf ("%" G_GINT64_FORMAT, self->tenant->token_lifetime);
  challenge = g_strdup_printf ("%" G_GINT64_FORMAT, self->tenant->challenge_lifetime);
  show_value (self->token_lifetime_row, token);
  show_value (self->challenge_lifetime_row, challenge);
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
  wipe_string (&self->secret);
  self->secret = g_strdup (secret);
  show_secret (self);
}

static void refresh_snippets (SesameSettingsView *self);

static void
secret_lookup_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SesameSettingsView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *tenant_id = NULL;
  char *secret;

  secret = sesame_secret_store_lookup_finish (SESAME_SECRET_STORE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_secret (self, secret);
  refresh_snippets (self);
  wipe_string (&secret);
}

static void
reveal_toggled_cb (SesameSettingsView *self)
{
  show_secret (self);
}

static void
copy_secret_clicked_cb (SesameSettingsView *self)
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
      toast_error (self, _("Could not rotate the secret key"), error);
      return;
    }
  set_secret (self, secret);
  wipe_string (&secret);
  refresh_snippets (self);
  /* Shown once now: without a keyring it is gone when Sesame quits. */
  gtk_toggle_button_set_active (self->reveal_button, TRUE);
  toast (self, sesame_secret_store_get_available (sesame_application_get_secret_store (self->app))
               ? _("New secret key made and kept in the keyring; the old one is refused now")
               : _("New secret key made; the old one is refused now. Copy it: without a "
                   "keyring it is not kept after Sesame quits."));
}

static void
rotate_clicked_cb (SesameSettingsView *self)
{
  AdwMessageDialog *dialog =
    confirm_dialog_new (self, _("Rotate the Secret Key?"),
                        _("The current key stops working at once: every backend that uses it "
                          "is refused until it gets the new one."),
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

static void
keyring_available_cb (SesameSettingsView *self)
{
  gtk_widget_set_visible (self->keyring_row,
                          !sesame_secret_store_get_available (
                            sesame_application_get_secret_store (self->app)));
}

static void
refresh_keys (SesameSettingsView *self,
              gboolean            tenant_switched)
{
  SesameServer *server = get_server (self);
  SesameSecretStore *secrets = sesame_application_get_secret_store (self->app);

  set_copyable (self->tenant_id_row, self->tenant ? self->tenant->id : NULL);
  set_copyable (self->base_url_row, server ? sesame_server_get_base_url (server) : NULL);
  keyring_available_cb (self);
  if (!tenant_switched)
    return;

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
  wipe_string (&code);
  g_free (shown);
}

static void
refresh_snippets (SesameSettingsView *self)
{
  SesameServer *server = get_server (self);
  const char *base_url;

  clear_rows (self->snippets_group, self->snippet_rows);
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
  toast (self, message);
}

/* Server */

static gboolean
relisten (SesameSettingsView *self,
          const char         *address,
          guint               port,
          GError            **error)
{
  SesameServer *server = get_server (self);
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
        {
          GtkWidget *stack = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_VIEW_STACK);

          sesame_window_open_url (SESAME_WINDOW (root), sesame_server_get_app_url (server));
          if (stack)
            adw_view_stack_set_visible_child (ADW_VIEW_STACK (stack), GTK_WIDGET (self));
        }
    }
  return TRUE;
}

static void
port_commit_cb (SesameCheckedRow   *row,
                const char         *text,
                SesameSettingsView *self)
{
  SesameServer *server = get_server (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gint64 port;

  if (!server || !parse_number (text, 0, G_MAXUINT16, &port, NULL))
    return;
  if (!relisten (self, sesame_server_get_address (server), (guint) port, &error))
    {
      sesame_checked_row_show_error (row, error);
      return;
    }
  g_settings_set_uint (self->settings, "port", (guint) port);
  message = g_strdup_printf (_("The tenant listens on port %u now"),
                             sesame_server_get_port (server));
  toast (self, message);
}

static void
beyond_loopback_cb (SesameSettingsView *self)
{
  SesameServer *server = get_server (self);
  gboolean beyond = gtk_switch_get_active (self->beyond_loopback_switch);
  g_autoptr(GError) error = NULL;

  if (self->refreshing || !server)
    return;
  if (!relisten (self, beyond ? "0.0.0.0" : "127.0.0.1", sesame_server_get_port (server), &error))
    {
      toast_error (self, _("Could not change where the tenant listens"), error);
      refresh (self);
      return;
    }
  g_settings_set_boolean (self->settings, "listen-beyond-loopback", beyond);
  toast (self, beyond ? _("Anyone on your network can reach the tenant now")
                      : _("Only this computer can reach the tenant now"));
}

static void
refresh_server (SesameSettingsView *self)
{
  SesameServer *server = get_server (self);
  g_autofree char *port = NULL;

  if (!server)
    return;
  port = g_strdup_printf ("%u", sesame_server_get_port (server));
  show_value (self->port_row, port);
  gtk_switch_set_active (self->beyond_loopback_switch,
                         !g_str_has_prefix (sesame_server_get_address (server), "127.") &&
                         !g_str_equal (sesame_server_get_address (server), "::1"));
}

/* Built-in authenticator */

static void
refresh_pin (SesameSettingsView *self)
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
      toast (self, _("Type the new PIN first; Remove takes the PIN away"));
      return;
    }
  if (!sesame_soft_authenticator_set_pin (authenticator, pin, &error))
    {
      toast_error (self, _("PIN not set"), error);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (row), "");
  refresh_pin (self);
  toast (self, _("PIN set: user verification asks for it now"));
}

static void
remove_pin_clicked_cb (SesameSettingsView *self)
{
  SesameSoftAuthenticator *authenticator = sesame_application_get_authenticator (self->app);
  g_autoptr(GError) error = NULL;

  if (!authenticator)
    return;
  if (!sesame_soft_authenticator_set_pin (authenticator, NULL, &error))
    toast_error (self, _("PIN not removed"), error);
  refresh_pin (self);
}

static void
authenticator_flags_changed_cb (SesameSettingsView *self)
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

/* The whole view */

static void
refresh (SesameSettingsView *self)
{
  g_autoptr(SesameTenant) tenant = NULL;
  gboolean switched;

  if (!self->app || !get_server (self))
    return;
  tenant = sesame_application_dup_tenant (self->app, NULL);
  switched = !self->tenant || !tenant || !g_str_equal (self->tenant->id, tenant->id);
  g_clear_pointer (&self->tenant, sesame_tenant_free);
  self->tenant = g_steal_pointer (&tenant);

  self->refreshing = TRUE;
  refresh_tenants (self);
  refresh_passkeys (self);
  refresh_policy (self);
  refresh_keys (self, switched);
  refresh_snippets (self);
  refresh_server (self);
  refresh_pin (self);
  self->refreshing = FALSE;
}

static void
tenant_changed_cb (SesameSettingsView *self)
{
  refresh (self);
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
                           G_CALLBACK (keyring_available_cb), self, G_CONNECT_SWAPPED);
  authenticator_flags_changed_cb (self);
  refresh (self);
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

static SesameCheckedRow *
add_checked_row (SesameSettingsView  *self,
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
  wipe_string (&self->secret);
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
  gtk_widget_class_bind_template_callback (widget_class, setup_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, reveal_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_secret_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, rotate_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, beyond_loopback_cb);
  gtk_widget_class_bind_template_callback (widget_class, remove_pin_clicked_cb);
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

  self->new_tenant_row = add_checked_row (self, self->new_tenant_group, _("Name of a New Tenant"),
                                          check_name, G_CALLBACK (new_tenant_commit_cb));
  self->rp_id_row = add_checked_row (self, self->rp_group, _("Relying Party ID"), check_rp_id,
                                     G_CALLBACK (rp_id_commit_cb));
  self->rp_name_row = add_checked_row (self, self->rp_group, _("Relying Party Name"), check_name,
                                       G_CALLBACK (rp_name_commit_cb));
  self->new_origin_row = add_checked_row (self, self->origins_group, _("Add an Origin"),
                                          check_origin, G_CALLBACK (new_origin_commit_cb));
  self->token_lifetime_row = add_checked_row (self, self->lifetimes_group,
                                              _("Token Lifetime (seconds)"),
                                              check_token_lifetime,
                                              G_CALLBACK (lifetime_commit_cb));
  self->challenge_lifetime_row = add_checked_row (self, self->lifetimes_group,
                                                  _("Challenge Lifetime (seconds)"),
                                                  check_challenge_lifetime,
                                                  G_CALLBACK (lifetime_commit_cb));
  self->dev_port_row = add_checked_row (self, self->dev_server_group, _("Dev Server Port"),
                                        check_dev_port, G_CALLBACK (dev_port_commit_cb));
  sesame_checked_row_set_action_label (self->dev_port_row, _("_Add Origin"));
  adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (self->dev_port_row), GTK_INPUT_PURPOSE_DIGITS);
  sesame_checked_row_set_action_label (self->new_tenant_row, _("_Add"));
  sesame_checked_row_set_action_label (self->new_origin_row, _("_Add"));
  self->port_row = add_checked_row (self, self->server_group, _("Port"), check_port,
                                    G_CALLBACK (port_commit_cb));
  adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (self->port_row), GTK_INPUT_PURPOSE_DIGITS);

  self->pin_row = adw_password_entry_row_new ();
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (self->pin_row), TRUE);
  g_signal_connect_object (self->pin_row, "apply", G_CALLBACK (pin_apply_cb), self, 0);
  adw_preferences_group_add (self->pin_group, self->pin_row);

  build_algorithm_rows (self);
  g_signal_connect_object (self->uv_row, "notify::selected", G_CALLBACK (policy_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->attestation_row, "notify::selected",
                           G_CALLBACK (policy_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->attachment_row, "notify::selected",
                           G_CALLBACK (policy_changed_cb), self, G_CONNECT_SWAPPED);

  g_settings_bind (self->settings, "authenticator-backup-eligible", self->backup_eligible_switch,
                   "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "authenticator-backed-up", self->backed_up_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "authenticator-sign-counter", self->sign_counter_switch,
                   "active", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (authenticator_flags_changed_cb),
                           self, G_CONNECT_SWAPPED);
}
