/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-autofill-popover.h"

#include <adwaita.h>
#include <glib/gi18n.h>

struct _SesameAutofillPopover
{
  GtkPopover               parent_instance;

  SesameCredentialRequest *request;
  GtkWidget               *list;
};

G_DEFINE_FINAL_TYPE (SesameAutofillPopover, sesame_autofill_popover, GTK_TYPE_POPOVER)

enum {
  FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
forget_request (SesameAutofillPopover *self)
{
  if (self->request != NULL)
    g_signal_handlers_disconnect_by_data (self->request, self);
  g_clear_object (&self->request);
}

static void
request_finished_cb (SesameCredentialRequest        *request,
                     SesameCredentialRequestOutcome  outcome,
                     SesameAutofillPopover          *self)
{
  /* Answered, aborted or gone: nothing is left to choose. */
  forget_request (self);
  gtk_popover_popdown (GTK_POPOVER (self));
}

gboolean
sesame_autofill_popover_choose (SesameAutofillPopover *self,
                                guint                  index)
{
  g_autoptr(SesameCredentialRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *candidates;
  SesameCredentialCandidate *candidate;

  g_return_val_if_fail (SESAME_IS_AUTOFILL_POPOVER (self), FALSE);

  if (self->request == NULL ||
      sesame_credential_request_get_outcome (self->request) != SESAME_CREDENTIAL_REQUEST_PENDING)
    return FALSE;
  candidates = sesame_credential_request_get_candidates (self->request);
  if (candidates == NULL || index >= candidates->len)
    return FALSE;
  candidate = g_ptr_array_index (candidates, index);

  /* accept() finishes the request, and ::finished drops it here */
  request = g_object_ref (self->request);
  gtk_popover_popdown (GTK_POPOVER (self));
  if (sesame_credential_request_accept (request, candidate->credential_id, NULL, &error))
    return TRUE;

  g_signal_emit (self, signals[FAILED], 0, error);
  return FALSE;
}

static void
row_activated_cb (SesameAutofillPopover *self,
                  GtkListBoxRow         *row)
{
  int index = gtk_list_box_row_get_index (row);

  if (index >= 0)
    sesame_autofill_popover_choose (self, (guint) index);
}

static GtkWidget *
candidate_row (const SesameCredentialCandidate *candidate)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *subtitle = NULL;
  g_autofree char *accessible = NULL;
  gboolean has_display_name = candidate->user_display_name != NULL &&
                              *candidate->user_display_name != '\0' &&
                              g_strcmp0 (candidate->user_display_name, candidate->user_name) != 0;

  if (has_display_name)
    /* Translators: the account's display name, then the authenticator */
    subtitle = g_strdup_printf (_("%s · %s"), candidate->user_display_name,
                                candidate->authenticator_name);
  else
    subtitle = g_strdup (candidate->authenticator_name);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), candidate->user_name);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                             gtk_image_new_from_icon_name ("dialog-password-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);

  accessible = g_strdup_printf (_("Sign in as %s with a passkey from %s"), candidate->user_name,
                                candidate->authenticator_name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  return row;
}

gboolean
sesame_autofill_popover_show_request (SesameAutofillPopover   *self,
                                      SesameCredentialRequest *request,
                                      const GdkRectangle      *rect)
{
  GPtrArray *candidates;
  GtkWidget *child;
  g_autofree char *list_name = NULL;

  g_return_val_if_fail (SESAME_IS_AUTOFILL_POPOVER (self), FALSE);
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (request), FALSE);
  g_return_val_if_fail (rect != NULL, FALSE);

  candidates = sesame_credential_request_get_candidates (request);
  if (sesame_credential_request_get_outcome (request) != SESAME_CREDENTIAL_REQUEST_PENDING ||
      candidates == NULL || candidates->len == 0)
    {
      gtk_popover_popdown (GTK_POPOVER (self));
      return FALSE;
    }

  if (self->request != request)
    {
      forget_request (self);
      self->request = g_object_ref (request);
      g_signal_connect (request, "finished", G_CALLBACK (request_finished_cb), self);
    }

  while ((child = gtk_widget_get_first_child (self->list)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (self->list), child);
  for (guint i = 0; i < candidates->len; i++)
    gtk_list_box_append (GTK_LIST_BOX (self->list),
                         candidate_row (g_ptr_array_index (candidates, i)));

  list_name = g_strdup_printf (_("Passkeys for %s"), sesame_credential_request_get_rp_id (request));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  list_name, -1);

  gtk_popover_set_pointing_to (GTK_POPOVER (self), rect);
  gtk_popover_popup (GTK_POPOVER (self));
  return TRUE;
}

SesameCredentialRequest *
sesame_autofill_popover_get_request (SesameAutofillPopover *self)
{
  g_return_val_if_fail (SESAME_IS_AUTOFILL_POPOVER (self), NULL);

  return self->request;
}

static gboolean
escape_cb (GtkWidget *widget,
           GVariant  *args,
           gpointer   user_data)
{
  gtk_popover_popdown (GTK_POPOVER (widget));
  return GDK_EVENT_STOP;
}

static void
sesame_autofill_popover_dispose (GObject *object)
{
  SesameAutofillPopover *self = SESAME_AUTOFILL_POPOVER (object);

  forget_request (self);

  G_OBJECT_CLASS (sesame_autofill_popover_parent_class)->dispose (object);
}

static void
sesame_autofill_popover_class_init (SesameAutofillPopoverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sesame_autofill_popover_dispose;

  signals[FAILED] =
    g_signal_new ("failed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);

  /* Escape only hides it; the page's request keeps waiting */
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Escape, 0, escape_cb, NULL);
}

static void
sesame_autofill_popover_init (SesameAutofillPopover *self)
{
  GtkWidget *scroller = gtk_scrolled_window_new ();

  /* The page keeps the keyboard focus in its field, as in a browser:
   * the popover does not grab it and hides only when told to. */
  gtk_popover_set_autohide (GTK_POPOVER (self), FALSE);
  gtk_popover_set_has_arrow (GTK_POPOVER (self), FALSE);
  gtk_popover_set_position (GTK_POPOVER (self), GTK_POS_BOTTOM);
  gtk_widget_add_css_class (GTK_WIDGET (self), "menu");

  self->list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (self->list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (self->list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Passkeys"), -1);
  g_signal_connect_swapped (self->list, "row-activated", G_CALLBACK (row_activated_cb), self);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 320);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), self->list);
  gtk_widget_set_size_request (scroller, 280, -1);
  gtk_popover_set_child (GTK_POPOVER (self), scroller);
}

GtkWidget *
sesame_autofill_popover_new (void)
{
  return g_object_new (SESAME_TYPE_AUTOFILL_POPOVER, NULL);
}
