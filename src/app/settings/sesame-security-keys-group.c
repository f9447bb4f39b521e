/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-security-keys-group.h"

#include "sesame-aaguid.h"
#include "sesame-authenticator-data.h"
#include "sesame-security-key.h"

#include <glib/gi18n.h>
#include <string.h>

#define POLL_SECONDS 1

struct _SesameSecurityKeysGroup
{
  AdwPreferencesGroup parent_instance;

  SesameApplication *app;
  GtkWidget         *empty_row;     /* "No security key is plugged in" */
  GtkWidget         *virtual_row;
  GtkWidget         *virtual_switch;
  GtkWidget         *pin_row;
  GHashTable        *rows;          /* path → AdwExpanderRow */
  GPtrArray         *keys;          /* SesameSecurityKeyInfo, as last listed */
  GCancellable      *cancellable;
  guint              poll_id;
  gboolean           listing;
  gboolean           reread;        /* read every key's details again */
  gboolean           syncing;       /* the switch follows the app, not the user */
};

G_DEFINE_FINAL_TYPE (SesameSecurityKeysGroup, sesame_security_keys_group,
                     ADW_TYPE_PREFERENCES_GROUP)

static GtkWidget *
detail_row (GtkWidget  *expander,
            const char *title,
            const char *value)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
  return row;
}

static const char *
algorithm_name (int algorithm)
{
  switch (algorithm)
    {
    case -7: return "ES256";
    case -8: return "EdDSA";
    case -35: return "ES384";
    case -257: return "RS256";
    default: return NULL;
    }
}

static char *
describe_options (const SesameSecurityKeyDetails *details)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (gsize i = 0; i < details->n_options; i++)
    {
      if (text->len > 0)
        g_string_append (text, ", ");
      /* "rk: yes" reads better than "rk=true" for anyone but a parser */
      g_string_append_printf (text, "%s: %s", details->option_names[i],
                              details->option_values[i] ? _("yes") : _("no"));
    }
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : g_strdup (_("None"));
}

static char *
describe_algorithms (const SesameSecurityKeyDetails *details)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (gsize i = 0; i < details->n_algorithms; i++)
    {
      const char *name = algorithm_name (details->algorithms[i]);

      if (text->len > 0)
        g_string_append (text, ", ");
      if (name)
        g_string_append (text, name);
      else
        g_string_append_printf (text, "%d", details->algorithms[i]);
    }
  /* CTAP 2.0 keys do not list theirs; they all make ES256 */
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE)
                       : g_strdup (_("Not listed (ES256)"));
}

static char *
describe_pin (const SesameSecurityKeyDetails *details)
{
  if (details->pin_retries < 0 && !details->has_pin &&
      sesame_security_key_details_get_option (details, "clientPin") < 0)
    return g_strdup (_("Not supported"));
  if (!details->has_pin)
    return g_strdup (_("Not set"));
  if (details->pin_retries == 0)
    return g_strdup (_("Blocked: only a reset of the key unblocks it"));
  if (details->pin_retries > 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Set, %d attempt left",
                                         "Set, %d attempts left", details->pin_retries),
                            details->pin_retries);
  return g_strdup (_("Set"));
}

typedef struct
{
  SesameSecurityKeysGroup *self;  /* NULL once the group is gone */
  char                    *path;
} DetailsRequest;

static void
details_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  DetailsRequest *request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameSecurityKeyDetails) details = sesame_security_key_get_details_finish (result,
                                                                                       &error);
  SesameSecurityKeysGroup *self = request->self;
  GtkWidget *expander;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_CANCELLED))
    goto out;
  expander = self ? g_hash_table_lookup (self->rows, request->path) : NULL;
  if (!expander)
    goto out;

  if (!details)
    {
      detail_row (expander, _("Details"), error->message);
    }
  else
    {
      g_autofree char *versions = g_strjoinv (", ", details->versions);
      g_autofree char *extensions = g_strjoinv (", ", details->extensions);
      g_autofree char *options = describe_options (details);
      g_autofree char *algorithms = describe_algorithms (details);
      g_autofree char *pin = describe_pin (details);
      g_autofree char *aaguid = sesame_aaguid_to_string (details->aaguid);
      g_autofree char *name = sesame_aaguid_dup_display_name (aaguid, NULL);
      g_autofree char *aaguid_text = NULL;

      aaguid_text = g_strdup_printf ("%s (%s)", aaguid, name);

      detail_row (expander, _("Versions"), *versions ? versions : _("None"));
      detail_row (expander, _("Options"), options);
      detail_row (expander, _("AAGUID"), aaguid_text);
      detail_row (expander, _("Algorithms"), algorithms);
      detail_row (expander, _("Extensions"), *extensions ? extensions : _("None"));
      detail_row (expander, _("PIN"), pin);
    }

out:
  if (self)
    g_object_remove_weak_pointer (G_OBJECT (self), (gpointer *) &request->self);
  g_free (request->path);
  g_free (request);
}

static void
add_key_row (SesameSecurityKeysGroup     *self,
             const SesameSecurityKeyInfo *info)
{
  GtkWidget *row = adw_expander_row_new ();
  g_autofree char *subtitle = NULL;
  DetailsRequest *request = g_new0 (DetailsRequest, 1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), info->product);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
  if (info->is_virtual)
    subtitle = g_strdup (_("Virtual, in this app"));
  else if (*info->manufacturer)
    subtitle = g_strdup_printf ("%s · %s", info->manufacturer, info->path);
  else
    subtitle = g_strdup (info->path);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
  g_hash_table_insert (self->rows, g_strdup (info->path), row);

  /* authenticatorGetInfo needs the device opened: off the main thread */
  request->self = self;
  request->path = g_strdup (info->path);
  g_object_add_weak_pointer (G_OBJECT (self), (gpointer *) &request->self);
  sesame_security_key_get_details_async (info->path, self->cancellable, details_cb, request);
}

static gboolean
same_keys (GPtrArray *a,
           GPtrArray *b)
{
  if (!a || !b || a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!g_str_equal (((SesameSecurityKeyInfo *) a->pdata[i])->path,
                      ((SesameSecurityKeyInfo *) b->pdata[i])->path))
      return FALSE;
  return TRUE;
}

static void
show_keys (SesameSecurityKeysGroup *self,
           GPtrArray               *keys)
{
  GHashTableIter iter;
  gpointer row;

  if (!self->reread && same_keys (keys, self->keys))
    return;
  self->reread = FALSE;

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, &row))
    adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), row);
  g_hash_table_remove_all (self->rows);

  /* the switch rows stay last (libadwaita 1.2 cannot insert a row) */
  g_object_ref (self->virtual_row);
  g_object_ref (self->pin_row);
  adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), self->virtual_row);
  adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), self->pin_row);
  for (guint i = 0; i < keys->len; i++)
    add_key_row (self, keys->pdata[i]);
  gtk_widget_set_visible (self->empty_row, keys->len == 0);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), self->virtual_row);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), self->pin_row);
  g_object_unref (self->virtual_row);
  g_object_unref (self->pin_row);

  g_clear_pointer (&self->keys, g_ptr_array_unref);
  self->keys = g_ptr_array_ref (keys);
}

static void
listed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = sesame_security_key_list_finish (result, &error);
  SesameSecurityKeysGroup *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;  /* the group is gone */
  self = user_data;
  self->listing = FALSE;
  if (keys)
    show_keys (self, keys);
}

void
sesame_security_keys_group_refresh (SesameSecurityKeysGroup *self)
{
  g_return_if_fail (SESAME_IS_SECURITY_KEYS_GROUP (self));

  if (self->listing)
    return;
  self->listing = TRUE;
  sesame_security_key_list_async (self->cancellable, listed_cb, self);
}

static gboolean
poll_cb (gpointer user_data)
{
  sesame_security_keys_group_refresh (user_data);
  return G_SOURCE_CONTINUE;
}

static void
sesame_security_keys_group_map (GtkWidget *widget)
{
  SesameSecurityKeysGroup *self = SESAME_SECURITY_KEYS_GROUP (widget);

  GTK_WIDGET_CLASS (sesame_security_keys_group_parent_class)->map (widget);
  /* A PIN may have been set or tried since: what is shown is read anew
   * each time the group comes on screen. */
  self->reread = TRUE;
  sesame_security_keys_group_refresh (self);
  if (!self->poll_id)
    self->poll_id = g_timeout_add_seconds (POLL_SECONDS, poll_cb, self);
}

static void
sesame_security_keys_group_unmap (GtkWidget *widget)
{
  SesameSecurityKeysGroup *self = SESAME_SECURITY_KEYS_GROUP (widget);

  g_clear_handle_id (&self->poll_id, g_source_remove);
  GTK_WIDGET_CLASS (sesame_security_keys_group_parent_class)->unmap (widget);
}

/* The virtual key */

static void
sync_switch (SesameSecurityKeysGroup *self)
{
  SesameVirtualKey *key = sesame_application_get_virtual_key (self->app);

  self->syncing = TRUE;
  gtk_switch_set_active (GTK_SWITCH (self->virtual_switch), key != NULL);
  self->syncing = FALSE;
  if (key)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->virtual_row),
                                 sesame_virtual_key_has_pin (key)
                                 ? _("Plugged in, with a PIN")
                                 : _("Plugged in, without a PIN"));
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->virtual_row),
                                 _("A security key in software, for demos without hardware"));
}

static void
virtual_key_changed_cb (SesameSecurityKeysGroup *self)
{
  sync_switch (self);
  sesame_security_keys_group_refresh (self);
}

static gboolean
switch_state_set_cb (SesameSecurityKeysGroup *self,
                     gboolean                 state)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pin = NULL;
  gboolean plugged;

  if (self->syncing)
    return FALSE;

  if (!state)
    {
      sesame_application_unplug_virtual_key (self->app);
      return FALSE;
    }

  pin = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->pin_row)));
  plugged = sesame_application_plug_virtual_key (self->app, pin, &error);
  memset (pin, 0, strlen (pin));
  if (!plugged)
    {
      /* nothing was plugged in: the switch stays off and says why */
      gtk_widget_add_css_class (self->pin_row, "error");
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->virtual_row), error->message);
      gtk_switch_set_active (GTK_SWITCH (self->virtual_switch), FALSE);
      return TRUE;
    }
  gtk_widget_remove_css_class (self->pin_row, "error");
  gtk_editable_set_text (GTK_EDITABLE (self->pin_row), "");
  return FALSE;
}

static void
sesame_security_keys_group_dispose (GObject *object)
{
  SesameSecurityKeysGroup *self = SESAME_SECURITY_KEYS_GROUP (object);

  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  if (self->app)
    g_signal_handlers_disconnect_by_data (self->app, self);
  g_clear_object (&self->app);
  g_clear_pointer (&self->keys, g_ptr_array_unref);

  G_OBJECT_CLASS (sesame_security_keys_group_parent_class)->dispose (object);
}

static void
sesame_security_keys_group_finalize (GObject *object)
{
  SesameSecurityKeysGroup *self = SESAME_SECURITY_KEYS_GROUP (object);

  g_clear_object (&self->cancellable);
  g_hash_table_unref (self->rows);

  G_OBJECT_CLASS (sesame_security_keys_group_parent_class)->finalize (object);
}

static void
sesame_security_keys_group_class_init (SesameSecurityKeysGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sesame_security_keys_group_dispose;
  object_class->finalize = sesame_security_keys_group_finalize;
  widget_class->map = sesame_security_keys_group_map;
  widget_class->unmap = sesame_security_keys_group_unmap;
}

static void
sesame_security_keys_group_init (SesameSecurityKeysGroup *self)
{
  self->cancellable = g_cancellable_new ();
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Security keys"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self),
                                         _("FIDO2 keys plugged into this computer. The passkey "
                                           "prompt offers them beside Sesame passkeys."));

  self->empty_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->empty_row),
                                 _("No security key is plugged in"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), self->empty_row);

  self->virtual_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->virtual_row),
                                 _("Virtual security key"));
  self->virtual_switch = gtk_switch_new ();
  gtk_widget_set_valign (self->virtual_switch, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->virtual_switch),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Plug in the virtual security key"), -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (self->virtual_row), self->virtual_switch);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (self->virtual_row), self->virtual_switch);
  g_signal_connect_swapped (self->virtual_switch, "state-set", G_CALLBACK (switch_state_set_cb),
                            self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), self->virtual_row);

  self->pin_row = adw_password_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->pin_row),
                                 _("PIN for the virtual key (optional, set when plugged in)"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), self->pin_row);
}

GtkWidget *
sesame_security_keys_group_new (SesameApplication *app)
{
  SesameSecurityKeysGroup *self;

  g_return_val_if_fail (SESAME_IS_APPLICATION (app), NULL);

  self = g_object_new (SESAME_TYPE_SECURITY_KEYS_GROUP, NULL);
  self->app = g_object_ref (app);
  g_signal_connect_swapped (app, "virtual-key-changed", G_CALLBACK (virtual_key_changed_cb), self);
  sync_switch (self);
  return GTK_WIDGET (self);
}
