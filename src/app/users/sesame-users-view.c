/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-users-view.h"

#include "sesame-aaguid.h"
#include "sesame-action-rules.h"
#include "sesame-base64.h"

#include <glib/gi18n.h>

struct _SesameUsersView
{
  AdwBin parent_instance;

  GtkWidget *tenant_group;
  GtkWidget *device_group;
  GPtrArray *tenant_rows;   /* what tenant_group holds now */
  GPtrArray *device_rows;

  SesameApplication *app;   /* weak */
  SesameServer *server;
  SesameSoftAuthenticator *authenticator;
  gulong event_handler;
  gulong credentials_handler;
  guint refresh_id;
  gboolean stale;           /* changed while off screen: read again when shown */
  gint64 last_refresh;      /* monotonic µs */
};

G_DEFINE_FINAL_TYPE (SesameUsersView, sesame_users_view, ADW_TYPE_BIN)

/* What a delete button deletes, kept on the button. */
typedef enum
{
  DELETE_TENANT_PASSKEY,
  DELETE_USER,
  DELETE_DEVICE_PASSKEY,
} DeleteKind;

typedef struct
{
  DeleteKind kind;
  char *user_id;
  char *passkey_id;
  GBytes *credential_id;
  char *label;              /* what the dialog names */
} DeleteTarget;

static void
delete_target_free (DeleteTarget *target)
{
  g_free (target->user_id);
  g_free (target->passkey_id);
  g_clear_pointer (&target->credential_id, g_bytes_unref);
  g_free (target->label);
  g_free (target);
}

/* Text */

static char *
format_time (gint64 time)
{
  g_autoptr(GDateTime) date_time = NULL;

  if (!time)
    return g_strdup (_("never"));
  date_time = g_date_time_new_from_unix_local (time / G_USEC_PER_SEC);
  return date_time ? g_date_time_format (date_time, "%x %X") : g_strdup ("");
}

static const char *
yes_no (gboolean value)
{
  return value ? _("yes") : _("no");
}

static const guint8 *
builtin_aaguid (SesameUsersView *self)
{
  return self->authenticator ? sesame_soft_authenticator_get_aaguid (self->authenticator) : NULL;
}

static char *
passkey_subtitle (SesameUsersView     *self,
                  const SesamePasskey *passkey,
                  gboolean             on_device)
{
  g_autofree char *created = format_time (passkey->created);
  g_autofree char *last_used = format_time (passkey->last_used);
  g_autofree char *transports = passkey->transports && passkey->transports[0]
                                  ? g_strjoinv (", ", passkey->transports)
                                  : g_strdup (_("none reported"));
  const char *verdict = passkey->attestation_trusted ? _("trusted") : _("not anchored");

  /* Translators: the details of a passkey on the tenant, one line each. */
  return g_strdup_printf (_("AAGUID %s\n"
                            "Created %s · last used %s · sign count %u\n"
                            "Backup eligible: %s · backed up: %s · transports: %s\n"
                            "Attestation: %s (%s), %s\n"
                            "%s"),
                          passkey->aaguid ? passkey->aaguid : _("none"), created, last_used,
                          passkey->sign_count, yes_no (passkey->backup_eligible),
                          yes_no (passkey->backed_up), transports,
                          passkey->attestation_format ? passkey->attestation_format : "none",
                          passkey->attestation_type ? passkey->attestation_type : "none", verdict,
                          on_device ? _("Also held by the built-in authenticator")
                                    : _("Not on this device"));
}

/* Deleting */

static void
toast (SesameUsersView *self,
       const char      *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (message));
}

static gboolean
perform_delete (SesameUsersView     *self,
                const DeleteTarget  *target,
                GError             **error)
{
  g_autoptr(SesameTenant) tenant = NULL;
  SesameCaller caller = { NULL, "Sesame" };

  if (target->kind == DELETE_DEVICE_PASSKEY)
    return sesame_soft_authenticator_remove_credential (self->authenticator,
                                                         target->credential_id, error);
  if (!self->app || !self->server)
    {
      g_set_error_literal (error, SESAME_APPLICATION_ERROR, SESAME_APPLICATION_ERROR_NOT_READY,
                           _("The local tenant is not running"));
      return FALSE;
    }
  tenant = sesame_application_dup_tenant (self->app, error);
  if (!tenant)
    return FALSE;
  if (target->kind == DELETE_USER)
    return sesame_tenant_delete_user (sesame_server_get_store (self->server), tenant, &caller,
                                      target->user_id, error);
  return sesame_tenant_delete_passkey (sesame_server_get_store (self->server), tenant, &caller,
                                       target->user_id, target->passkey_id, error);
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    SesameUsersView  *self)
{
  DeleteTarget *target = g_object_get_data (G_OBJECT (dialog), "sesame-target");
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!g_str_equal (response, "delete"))
    return;
  if (!perform_delete (self, target, &error))
    {
      /* Translators: the first %s names what was to be deleted. */
      message = g_strdup_printf (_("Could not delete %s: %s"), target->label, error->message);
      toast (self, message);
    }
  sesame_users_view_refresh (self);
}

static void
delete_clicked_cb (GtkButton       *button,
                   SesameUsersView *self)
{
  const DeleteTarget *target = g_object_get_data (G_OBJECT (button), "sesame-target");
  DeleteTarget *copy = g_new0 (DeleteTarget, 1);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (button));
  g_autofree char *heading = NULL;
  const char *body;
  GtkWidget *dialog;

  switch (target->kind)
    {
    case DELETE_TENANT_PASSKEY:
      heading = g_strdup (_("Delete Passkey on the Tenant?"));
      body = _("The tenant forgets this passkey, so signing in with it will be refused. "
               "The device that holds it keeps it and will still offer it.");
      break;
    case DELETE_USER:
      heading = g_strdup_printf (_("Delete User “%s”?"), target->label);
      body = _("The tenant deletes the user with their passkeys and actions. Devices keep "
               "their passkeys, which the tenant will refuse.");
      break;
    case DELETE_DEVICE_PASSKEY:
    default:
      heading = g_strdup (_("Delete Passkey on This Device?"));
      body = _("The built-in authenticator forgets this passkey. The tenant still lists it, "
               "but no device can sign in with it any more.");
      break;
    }

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  copy->kind = target->kind;
  copy->user_id = g_strdup (target->user_id);
  copy->passkey_id = g_strdup (target->passkey_id);
  copy->credential_id = target->credential_id ? g_bytes_ref (target->credential_id) : NULL;
  copy->label = g_strdup (target->label);
  g_object_set_data_full (G_OBJECT (dialog), "sesame-target", copy,
                          (GDestroyNotify) delete_target_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static GtkWidget *
delete_button (SesameUsersView *self,
               DeleteTarget    *target,
               const char      *tooltip)
{
  GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip,
                                  -1);
  g_object_set_data_full (G_OBJECT (button), "sesame-target", target,
                          (GDestroyNotify) delete_target_free);
  g_signal_connect (button, "clicked", G_CALLBACK (delete_clicked_cb), self);
  return button;
}

/* Filling the lists */

static void
clear_group (GtkWidget *group,
             GPtrArray *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (ADW_PREFERENCES_GROUP (group), rows->pdata[i]);
  g_ptr_array_set_size (rows, 0);
}

static void
add_placeholder (GtkWidget  *group,
                 GPtrArray  *rows,
                 const char *title)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_widget_add_css_class (row, "dim-label");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  g_ptr_array_add (rows, row);
}

static GHashTable *
credential_set (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static void
fill_tenant (SesameUsersView *self,
             GHashTable      *device_ids,
             GHashTable      *tenant_ids)
{
  SesameStore *store = self->server ? sesame_server_get_store (self->server) : NULL;
  const char *tenant_id = self->server ? sesame_server_get_tenant_id (self->server) : NULL;
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GError) error = NULL;

  clear_group (self->tenant_group, self->tenant_rows);
  if (!store)
    {
      add_placeholder (self->tenant_group, self->tenant_rows, _("The local tenant is not running"));
      return;
    }
  users = sesame_store_list_users (store, tenant_id, &error);
  if (!users)
    {
      g_autofree char *message = g_strdup_printf (_("Cannot read the users: %s"), error->message);

      add_placeholder (self->tenant_group, self->tenant_rows, message);
      return;
    }
  if (users->len == 0)
    add_placeholder (self->tenant_group, self->tenant_rows, _("No users yet"));

  for (guint i = 0; i < users->len; i++)
    {
      SesameUser *user = users->pdata[i];
      g_autoptr(GPtrArray) passkeys = sesame_store_list_passkeys (store, tenant_id, user->user_id,
                                                                  NULL);
      GtkWidget *expander = adw_expander_row_new ();
      const char *name = user->username ? user->username : user->user_id;
      g_autofree char *subtitle = NULL;
      g_autofree char *tooltip = g_strdup_printf (_("Delete user %s"), name);
      DeleteTarget *target = g_new0 (DeleteTarget, 1);
      guint n = passkeys ? passkeys->len : 0;

      /* Translators: a user's row: "user id · 2 passkeys". */
      subtitle = g_strdup_printf (ngettext ("%s · %u passkey", "%s · %u passkeys", n),
                                  user->user_id, n);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (expander), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), name);
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), subtitle);
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander), TRUE);
      target->kind = DELETE_USER;
      target->user_id = g_strdup (user->user_id);
      target->label = g_strdup (name);
      adw_expander_row_add_action (ADW_EXPANDER_ROW (expander),
                                   delete_button (self, target, tooltip));

      for (guint j = 0; j < n; j++)
        {
          SesamePasskey *passkey = passkeys->pdata[j];
          g_autofree char *id = sesame_base64url_encode_bytes (passkey->credential_id);
          gboolean on_device = g_hash_table_contains (device_ids, id);
          g_autofree char *title = sesame_aaguid_dup_display_name (passkey->aaguid,
                                                                  builtin_aaguid (self));
          g_autofree char *details = passkey_subtitle (self, passkey, on_device);
          GtkWidget *row = adw_action_row_new ();
          DeleteTarget *passkey_target = g_new0 (DeleteTarget, 1);

          adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), details);
          adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
          gtk_widget_add_css_class (row, on_device ? "on-device" : "not-on-device");
          passkey_target->kind = DELETE_TENANT_PASSKEY;
          passkey_target->user_id = g_strdup (user->user_id);
          passkey_target->passkey_id = g_strdup (passkey->id);
          passkey_target->label = g_strdup (title);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                     delete_button (self, passkey_target,
                                                    _("Delete passkey on the tenant")));
          adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
          g_hash_table_add (tenant_ids, g_steal_pointer (&id));
        }
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->tenant_group), expander);
      g_ptr_array_add (self->tenant_rows, expander);
    }
}

static void
fill_device (SesameUsersView *self,
             GPtrArray       *credentials,
             GHashTable      *tenant_ids)
{
  clear_group (self->device_group, self->device_rows);
  if (!credentials)
    {
      add_placeholder (self->device_group, self->device_rows,
                       _("Cannot read the built-in authenticator’s passkeys"));
      return;
    }
  if (credentials->len == 0)
    add_placeholder (self->device_group, self->device_rows, _("No passkeys on this device"));

  for (guint i = 0; i < credentials->len; i++)
    {
      SesameSoftCredential *credential = credentials->pdata[i];
      g_autofree char *id = sesame_base64url_encode_bytes (credential->credential_id);
      gboolean on_tenant = g_hash_table_contains (tenant_ids, id);
      g_autofree char *created = format_time (credential->created);
      g_autofree char *last_used = format_time (credential->last_used);
      g_autofree char *subtitle = NULL;
      GtkWidget *row = adw_action_row_new ();
      DeleteTarget *target = g_new0 (DeleteTarget, 1);

      /* Translators: a passkey on the device: RP ID, times, sign count,
       * whether the tenant has it. */
      subtitle = g_strdup_printf (_("%s · created %s · last used %s · sign count %u\n%s"),
                                  credential->rp_id, created, last_used, credential->sign_count,
                                  on_tenant ? _("Registered on this tenant")
                                            : _("Not registered on this tenant"));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), credential->user_name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      gtk_widget_add_css_class (row, on_tenant ? "on-tenant" : "not-on-tenant");
      target->kind = DELETE_DEVICE_PASSKEY;
      target->credential_id = g_bytes_ref (credential->credential_id);
      target->label = g_strdup (credential->user_name);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 delete_button (self, target, _("Delete passkey on this device")));
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->device_group), row);
      g_ptr_array_add (self->device_rows, row);
    }
}

void
sesame_users_view_refresh (SesameUsersView *self)
{
  g_autoptr(GHashTable) device_ids = credential_set ();
  g_autoptr(GHashTable) tenant_ids = credential_set ();
  g_autoptr(GPtrArray) credentials = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SESAME_IS_USERS_VIEW (self));

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  self->stale = FALSE;
  self->last_refresh = g_get_monotonic_time ();
  if (self->authenticator)
    {
      credentials = sesame_soft_authenticator_list_credentials (self->authenticator, NULL, &error);
      if (!credentials)
        g_warning ("Cannot list the built-in authenticator’s passkeys: %s", error->message);
    }
  for (guint i = 0; credentials && i < credentials->len; i++)
    g_hash_table_add (device_ids,
                      sesame_base64url_encode_bytes (((SesameSoftCredential *) credentials->pdata[i])->credential_id));
  /* The tenant first: the device list says which of its passkeys the
   * tenant knows. */
  fill_tenant (self, device_ids, tenant_ids);
  fill_device (self, credentials, tenant_ids);
}

static gboolean
refresh_cb (gpointer user_data)
{
  SesameUsersView *self = user_data;

  self->refresh_id = 0;
  sesame_users_view_refresh (self);
  return G_SOURCE_REMOVE;
}

/* Many events come in a burst (a sign-up is four): read once after them,
 * and at most twice a second under a steady load, since a refresh builds
 * every row again on the main loop. Off screen, nothing is built until the
 * view is shown. */
#define REFRESH_DELAY_MS     100
#define REFRESH_INTERVAL_MS  500

static void
schedule_refresh (SesameUsersView *self)
{
  gint64 since_ms;
  guint delay;

  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->stale = TRUE;
      return;
    }
  if (self->refresh_id)
    return;
  since_ms = (g_get_monotonic_time () - self->last_refresh) / 1000;
  delay = since_ms >= REFRESH_INTERVAL_MS ? REFRESH_DELAY_MS
                                          : MAX (REFRESH_DELAY_MS, REFRESH_INTERVAL_MS - since_ms);
  self->refresh_id = g_timeout_add (delay, refresh_cb, self);
}

static void
map_cb (SesameUsersView *self)
{
  if (self->stale)
    sesame_users_view_refresh (self);
}

static void
event_added_cb (SesameServer    *server,
                SesameEvent     *event,
                SesameUsersView *self)
{
  static const char * const kinds[] = {
    "track", "registration", "authentication", "authenticator-delete", "user-delete", NULL
  };

  if (g_strv_contains (kinds, event->kind))
    schedule_refresh (self);
}

static void
follow_server (SesameUsersView *self,
               SesameServer    *server)
{
  if (server == self->server)
    return;
  if (self->server)
    g_clear_signal_handler (&self->event_handler, self->server);
  g_set_object (&self->server, server);
  if (server)
    self->event_handler = g_signal_connect (server, "event-added", G_CALLBACK (event_added_cb),
                                            self);
}

static void
tenant_changed_cb (SesameUsersView   *self,
                   SesameApplication *app)
{
  follow_server (self, sesame_application_get_server (app));
  sesame_users_view_refresh (self);
}

void
sesame_users_view_attach (SesameUsersView   *self,
                          SesameApplication *app)
{
  g_return_if_fail (SESAME_IS_USERS_VIEW (self));
  g_return_if_fail (SESAME_IS_APPLICATION (app));
  g_return_if_fail (self->app == NULL);

  self->app = app;
  g_object_add_weak_pointer (G_OBJECT (app), (gpointer *) &self->app);
  self->authenticator = g_object_ref (sesame_application_get_authenticator (app));
  self->credentials_handler = g_signal_connect_swapped (self->authenticator, "credentials-changed",
                                                        G_CALLBACK (schedule_refresh), self);
  g_signal_connect_object (app, "tenant-changed", G_CALLBACK (tenant_changed_cb), self,
                           G_CONNECT_SWAPPED);
  tenant_changed_cb (self, app);
}

AdwPreferencesGroup *
sesame_users_view_get_tenant_group (SesameUsersView *self)
{
  g_return_val_if_fail (SESAME_IS_USERS_VIEW (self), NULL);
  return ADW_PREFERENCES_GROUP (self->tenant_group);
}

AdwPreferencesGroup *
sesame_users_view_get_device_group (SesameUsersView *self)
{
  g_return_val_if_fail (SESAME_IS_USERS_VIEW (self), NULL);
  return ADW_PREFERENCES_GROUP (self->device_group);
}

/* GObject */

static void
sesame_users_view_dispose (GObject *object)
{
  SesameUsersView *self = SESAME_USERS_VIEW (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  follow_server (self, NULL);
  if (self->authenticator)
    g_clear_signal_handler (&self->credentials_handler, self->authenticator);
  g_clear_object (&self->authenticator);
  if (self->app)
    g_object_remove_weak_pointer (G_OBJECT (self->app), (gpointer *) &self->app);
  self->app = NULL;
  G_OBJECT_CLASS (sesame_users_view_parent_class)->dispose (object);
}

static void
sesame_users_view_finalize (GObject *object)
{
  SesameUsersView *self = SESAME_USERS_VIEW (object);

  g_clear_pointer (&self->tenant_rows, g_ptr_array_unref);
  g_clear_pointer (&self->device_rows, g_ptr_array_unref);
  G_OBJECT_CLASS (sesame_users_view_parent_class)->finalize (object);
}

static void
sesame_users_view_class_init (SesameUsersViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sesame_users_view_dispose;
  object_class->finalize = sesame_users_view_finalize;
}

static GtkWidget *
make_page (GtkWidget **group,
           const char *title,
           const char *description)
{
  GtkWidget *page = adw_preferences_page_new ();

  *group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (*group), title);
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (*group), description);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (*group));
  gtk_widget_set_hexpand (page, TRUE);
  return page;
}

static void
sesame_users_view_init (SesameUsersView *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

  self->tenant_rows = g_ptr_array_new ();
  self->device_rows = g_ptr_array_new ();
  gtk_box_append (GTK_BOX (box),
                  make_page (&self->tenant_group, _("Users on the Tenant"),
                             _("Each user’s passkeys as the tenant stores them.")));
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (box),
                  make_page (&self->device_group, _("Passkeys on This Device"),
                             _("Held by Sesame’s built-in authenticator, in its own file.")));
  adw_bin_set_child (ADW_BIN (self), box);
  g_signal_connect (self, "map", G_CALLBACK (map_cb), NULL);
}
