/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-checked-row.h"

struct _SesameCheckedRow
{
  AdwEntryRow     parent_instance;

  GtkWidget      *message_row;
  GtkWidget      *action_button; /* NULL: the entry row's own apply button */
  SesameCheckFunc check;
  gpointer        check_data;
  GDestroyNotify  check_destroy;
  char           *message;       /* NULL: the text passes */
};

G_DEFINE_FINAL_TYPE (SesameCheckedRow, sesame_checked_row, ADW_TYPE_ENTRY_ROW)

enum
{
  COMMIT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_message (SesameCheckedRow *self,
             const char       *message)
{
  g_free (self->message);
  self->message = g_strdup (message);

  if (message)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->message_row), message);
      gtk_widget_add_css_class (GTK_WIDGET (self), "error");
      /* A screen reader reads the message with the field. */
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      message, -1);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self), "error");
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
  gtk_widget_set_visible (self->message_row, message != NULL);
  if (self->action_button)
    gtk_widget_set_sensitive (self->action_button,
                              !message && *gtk_editable_get_text (GTK_EDITABLE (self)));
}

static gboolean
run_check (SesameCheckedRow  *self,
           GError           **error)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self));

  return !self->check || self->check (text, self->check_data, error);
}

void
sesame_checked_row_recheck (SesameCheckedRow *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SESAME_IS_CHECKED_ROW (self));

  /* An empty field is not wrong yet: applying it says what is missing. */
  if (!*gtk_editable_get_text (GTK_EDITABLE (self)))
    set_message (self, NULL);
  else
    set_message (self, run_check (self, &error) ? NULL : error->message);
}

static void
changed_cb (SesameCheckedRow *self)
{
  sesame_checked_row_recheck (self);
}

gboolean
sesame_checked_row_apply (SesameCheckedRow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (SESAME_IS_CHECKED_ROW (self), FALSE);

  if (!run_check (self, &error))
    {
      /* Refused: the message stays and nothing is saved. */
      set_message (self, error->message);
      gtk_widget_error_bell (GTK_WIDGET (self));
      return FALSE;
    }
  set_message (self, NULL);
  text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self)));
  g_signal_emit (self, signals[COMMIT], 0, text);
  return self->message == NULL;
}

static void
apply_cb (SesameCheckedRow *self)
{
  sesame_checked_row_apply (self);
}

GtkWidget *
sesame_checked_row_new (const char      *title,
                        SesameCheckFunc  check,
                        gpointer         user_data,
                        GDestroyNotify   destroy)
{
  SesameCheckedRow *self = g_object_new (SESAME_TYPE_CHECKED_ROW,
                                         "title", title,
                                         "show-apply-button", TRUE,
                                         NULL);

  self->check = check;
  self->check_data = user_data;
  self->check_destroy = destroy;
  return GTK_WIDGET (self);
}

static void
action_clicked_cb (SesameCheckedRow *self)
{
  sesame_checked_row_apply (self);
}

void
sesame_checked_row_set_action_label (SesameCheckedRow *self,
                                     const char       *label)
{
  g_return_if_fail (SESAME_IS_CHECKED_ROW (self));
  g_return_if_fail (self->action_button == NULL);

  self->action_button = gtk_button_new_with_mnemonic (label);
  gtk_widget_set_valign (self->action_button, GTK_ALIGN_CENTER);
  g_signal_connect_object (self->action_button, "clicked", G_CALLBACK (action_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (self), self->action_button);
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (self), FALSE);
  /* Without the apply button, Enter is the entry's activation. */
  g_signal_connect (self, "entry-activated", G_CALLBACK (apply_cb), NULL);
  sesame_checked_row_recheck (self);
}

GtkWidget *
sesame_checked_row_get_message_row (SesameCheckedRow *self)
{
  g_return_val_if_fail (SESAME_IS_CHECKED_ROW (self), NULL);
  return self->message_row;
}

void
sesame_checked_row_add_to_group (SesameCheckedRow    *self,
                                 AdwPreferencesGroup *group)
{
  g_return_if_fail (SESAME_IS_CHECKED_ROW (self));

  adw_preferences_group_add (group, GTK_WIDGET (self));
  adw_preferences_group_add (group, self->message_row);
}

void
sesame_checked_row_remove_from_group (SesameCheckedRow    *self,
                                      AdwPreferencesGroup *group)
{
  g_return_if_fail (SESAME_IS_CHECKED_ROW (self));

  adw_preferences_group_remove (group, self->message_row);
  adw_preferences_group_remove (group, GTK_WIDGET (self));
}

void
sesame_checked_row_set_text (SesameCheckedRow *self,
                             const char       *text)
{
  g_return_if_fail (SESAME_IS_CHECKED_ROW (self));

  gtk_editable_set_text (GTK_EDITABLE (self), text ? text : "");
  sesame_checked_row_recheck (self);
}

const char *
sesame_checked_row_get_message (SesameCheckedRow *self)
{
  g_return_val_if_fail (SESAME_IS_CHECKED_ROW (self), NULL);
  return self->message;
}

void
sesame_checked_row_show_error (SesameCheckedRow *self,
                               const GError     *error)
{
  g_return_if_fail (SESAME_IS_CHECKED_ROW (self));
  set_message (self, error ? error->message : NULL);
}

static void
sesame_checked_row_dispose (GObject *object)
{
  SesameCheckedRow *self = SESAME_CHECKED_ROW (object);

  g_clear_object (&self->message_row);
  if (self->check_destroy)
    g_clear_pointer (&self->check_data, self->check_destroy);

  G_OBJECT_CLASS (sesame_checked_row_parent_class)->dispose (object);
}

static void
sesame_checked_row_finalize (GObject *object)
{
  SesameCheckedRow *self = SESAME_CHECKED_ROW (object);

  g_free (self->message);

  G_OBJECT_CLASS (sesame_checked_row_parent_class)->finalize (object);
}

static void
sesame_checked_row_class_init (SesameCheckedRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sesame_checked_row_dispose;
  object_class->finalize = sesame_checked_row_finalize;

  signals[COMMIT] =
    g_signal_new ("commit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
sesame_checked_row_init (SesameCheckedRow *self)
{
  /* A row of its own, so that the message sits right under the field in
   * the group's list and wraps there. */
  self->message_row = g_object_ref_sink (adw_action_row_new ());
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self->message_row), FALSE);
  gtk_widget_add_css_class (self->message_row, "error");
  gtk_widget_add_css_class (self->message_row, "checked-row-message");
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self->message_row), FALSE);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (self->message_row), FALSE);
  gtk_widget_set_visible (self->message_row, FALSE);

  g_signal_connect (self, "changed", G_CALLBACK (changed_cb), NULL);
  /* With the apply button shown, Enter applies too. */
  g_signal_connect (self, "apply", G_CALLBACK (apply_cb), NULL);
}
