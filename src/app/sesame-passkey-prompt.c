/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-passkey-prompt.h"

#include "sesame-soft-authenticator.h"

#include <glib/gi18n.h>
#include <string.h>

struct _SesamePasskeyPrompt
{
  AdwWindow                parent_instance;

  SesameCredentialRequest *request;
  GtkWidget               *heading;
  GtkWidget               *body;
  GtkWidget               *accounts;     /* GtkListBox, get() only */
  GPtrArray               *checks;       /* GtkCheckButton per candidate, when there is a choice */
  GtkWidget               *pin_entry;    /* AdwPasswordEntryRow, or NULL */
  GtkWidget               *problem;
  GtkWidget               *accept_button;

  /* accept() can finish the request, which would destroy the prompt in
   * the middle of handling its own click: the destruction waits. */
  gboolean                 accepting;
  gboolean                 finished;
};

G_DEFINE_FINAL_TYPE (SesamePasskeyPrompt, sesame_passkey_prompt, ADW_TYPE_WINDOW)

enum {
  FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
close_now (SesamePasskeyPrompt *self)
{
  if (self->request != NULL)
    g_signal_handlers_disconnect_by_data (self->request, self);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
request_finished_cb (SesameCredentialRequest        *request,
                     SesameCredentialRequestOutcome  outcome,
                     SesamePasskeyPrompt            *self)
{
  self->finished = TRUE;
  if (!self->accepting)
    close_now (self);
}

static void
show_problem (SesamePasskeyPrompt *self,
              const char          *text)
{
  gtk_label_set_text (GTK_LABEL (self->problem), text);
  gtk_widget_set_visible (self->problem, text != NULL);
  /* The PIN entry is described by the problem, so a screen reader reads
   * "Wrong PIN…" when focus returns to it (GTK 4.8 cannot announce). */
  if (self->pin_entry != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->pin_entry),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text ? text : "", -1);
}

static GBytes *
chosen_credential (SesamePasskeyPrompt *self)
{
  GPtrArray *candidates = sesame_credential_request_get_candidates (self->request);

  for (guint i = 0; self->checks != NULL && i < self->checks->len; i++)
    if (gtk_check_button_get_active (g_ptr_array_index (self->checks, i)))
      return ((SesameCredentialCandidate *) g_ptr_array_index (candidates, i))->credential_id;
  /* one candidate (or none): the request takes its first */
  return NULL;
}

gboolean
sesame_passkey_prompt_accept (SesamePasskeyPrompt *self)
{
  g_autoptr(GError) error = NULL;
  const char *pin = NULL;
  gboolean answered;

  g_return_val_if_fail (SESAME_IS_PASSKEY_PROMPT (self), FALSE);

  if (self->finished ||
      sesame_credential_request_get_outcome (self->request) != SESAME_CREDENTIAL_REQUEST_PENDING)
    return FALSE;

  if (self->pin_entry != NULL)
    {
      pin = gtk_editable_get_text (GTK_EDITABLE (self->pin_entry));
      /* An empty entry is no PIN: the authenticator says one is needed. */
      if (*pin == '\0')
        pin = NULL;
    }

  g_object_ref (self);
  self->accepting = TRUE;
  answered = sesame_credential_request_accept (self->request, chosen_credential (self), pin,
                                               &error);
  self->accepting = FALSE;

  if (!answered && !self->finished)
    {
      /* Still pending: the user may try again. */
      if (g_error_matches (error, SESAME_AUTHENTICATOR_ERROR,
                           SESAME_AUTHENTICATOR_ERROR_PIN_REQUIRED))
        show_problem (self, _("Enter the PIN of Sesame passkeys"));
      else
        show_problem (self, error->message);
      if (self->pin_entry != NULL)
        {
          gtk_editable_set_text (GTK_EDITABLE (self->pin_entry), "");
          gtk_widget_grab_focus (self->pin_entry);
        }
    }
  else if (!answered)
    {
      g_signal_emit (self, signals[FAILED], 0, error);
    }

  if (self->finished)
    close_now (self);
  g_object_unref (self);
  return answered;
}

void
sesame_passkey_prompt_cancel (SesamePasskeyPrompt *self)
{
  g_return_if_fail (SESAME_IS_PASSKEY_PROMPT (self));

  if (sesame_credential_request_get_outcome (self->request) == SESAME_CREDENTIAL_REQUEST_PENDING)
    sesame_credential_request_cancel (self->request);  /* ::finished closes the prompt */
  else
    close_now (self);
}

gboolean
sesame_passkey_prompt_select_candidate (SesamePasskeyPrompt *self,
                                        guint                index)
{
  g_return_val_if_fail (SESAME_IS_PASSKEY_PROMPT (self), FALSE);

  if (self->checks == NULL || index >= self->checks->len)
    return FALSE;
  gtk_check_button_set_active (g_ptr_array_index (self->checks, index), TRUE);
  return TRUE;
}

gboolean
sesame_passkey_prompt_set_pin (SesamePasskeyPrompt *self,
                               const char          *pin)
{
  g_return_val_if_fail (SESAME_IS_PASSKEY_PROMPT (self), FALSE);

  if (self->pin_entry == NULL)
    return FALSE;
  gtk_editable_set_text (GTK_EDITABLE (self->pin_entry), pin ? pin : "");
  return TRUE;
}

const char *
sesame_passkey_prompt_get_problem (SesamePasskeyPrompt *self)
{
  g_return_val_if_fail (SESAME_IS_PASSKEY_PROMPT (self), NULL);

  if (!gtk_widget_get_visible (self->problem))
    return NULL;
  return gtk_label_get_text (GTK_LABEL (self->problem));
}

SesameCredentialRequest *
sesame_passkey_prompt_get_request (SesamePasskeyPrompt *self)
{
  g_return_val_if_fail (SESAME_IS_PASSKEY_PROMPT (self), NULL);

  return self->request;
}

static void
accept_clicked_cb (SesamePasskeyPrompt *self)
{
  sesame_passkey_prompt_accept (self);
}

static gboolean
sesame_passkey_prompt_close_request (GtkWindow *window)
{
  SesamePasskeyPrompt *self = SESAME_PASSKEY_PROMPT (window);

  /* Closing the window is saying no. */
  if (self->request != NULL && !self->finished &&
      sesame_credential_request_get_outcome (self->request) == SESAME_CREDENTIAL_REQUEST_PENDING)
    {
      sesame_credential_request_cancel (self->request);
      return GDK_EVENT_STOP;  /* ::finished destroyed it */
    }
  return GTK_WINDOW_CLASS (sesame_passkey_prompt_parent_class)->close_request (window);
}

/* The account as a person reads it: "Alice Liddell (alice)", or the one
 * name there is. */
static char *
account_label (const char *user_name,
               const char *display_name)
{
  if (display_name != NULL && *display_name != '\0' && g_strcmp0 (display_name, user_name) != 0)
    return g_strdup_printf (_("%s (%s)"), display_name, user_name);
  return g_strdup (user_name != NULL && *user_name != '\0' ? user_name : _("an unnamed account"));
}

static GtkWidget *
boxed_list (const char *accessible_name)
{
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible_name, -1);
  return list;
}

static void
add_accounts (SesamePasskeyPrompt *self,
              GtkBox              *box)
{
  GPtrArray *candidates = sesame_credential_request_get_candidates (self->request);
  GtkCheckButton *group = NULL;

  if (candidates == NULL || candidates->len == 0)
    return;

  self->accounts = boxed_list (_("Accounts"));
  if (candidates->len > 1)
    self->checks = g_ptr_array_new ();

  for (guint i = 0; i < candidates->len; i++)
    {
      SesameCredentialCandidate *candidate = g_ptr_array_index (candidates, i);
      g_autofree char *title = account_label (candidate->user_name, candidate->user_display_name);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), candidate->authenticator_name);
      if (self->checks != NULL)
        {
          GtkWidget *check = gtk_check_button_new ();

          gtk_check_button_set_group (GTK_CHECK_BUTTON (check), group);
          group = group ? group : GTK_CHECK_BUTTON (check);
          gtk_check_button_set_active (GTK_CHECK_BUTTON (check), i == 0);
          gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          title, -1);
          adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
          adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
          g_ptr_array_add (self->checks, check);
        }
      gtk_list_box_append (GTK_LIST_BOX (self->accounts), row);
    }
  gtk_box_append (box, self->accounts);
}

static void
build (SesamePasskeyPrompt *self)
{
  SesameCredentialRequest *request = self->request;
  gboolean create = sesame_credential_request_get_kind (request) == SESAME_CREDENTIAL_REQUEST_CREATE;
  GPtrArray *candidates = sesame_credential_request_get_candidates (request);
  const char *rp_id = sesame_credential_request_get_rp_id (request);
  const char *origin = sesame_credential_request_get_origin (request);
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-password-symbolic");
  GtkWidget *cancel_button;

  gtk_widget_set_margin_top (box, 24);
  gtk_widget_set_margin_bottom (box, 24);
  gtk_widget_set_margin_start (box, 24);
  gtk_widget_set_margin_end (box, 24);
  gtk_image_set_pixel_size (GTK_IMAGE (icon), 48);
  gtk_widget_add_css_class (icon, "dim-label");
  gtk_box_append (GTK_BOX (box), icon);

  if (create)
    {
      g_autofree char *account = account_label (sesame_credential_request_get_user_name (request),
                                                sesame_credential_request_get_user_display_name (request));

      heading = g_strdup_printf (_("Create a passkey for %s on %s?"),
                                 sesame_credential_request_get_user_name (request), rp_id);
      body = g_strdup_printf (_("%s asks to save a passkey for %s in Sesame passkeys, the "
                                "built-in authenticator. It lets you sign in without a password."),
                              origin, account);
    }
  else
    {
      heading = g_strdup_printf (_("Sign in to %s with a passkey"), rp_id);
      if (candidates == NULL || candidates->len == 0)
        body = g_strdup_printf (_("Sesame passkeys holds no passkey that %s can use."), origin);
      else if (candidates->len == 1)
        body = g_strdup_printf (_("%s asks for your passkey from Sesame passkeys."), origin);
      else
        body = g_strdup_printf (_("%s asks for a passkey from Sesame passkeys. Choose the "
                                  "account to sign in with."), origin);
    }

  gtk_window_set_title (GTK_WINDOW (self), heading);
  self->heading = gtk_label_new (heading);
  gtk_label_set_wrap (GTK_LABEL (self->heading), TRUE);
  gtk_label_set_justify (GTK_LABEL (self->heading), GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (self->heading, "title-2");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->heading), GTK_ACCESSIBLE_PROPERTY_LEVEL,
                                  1, -1);
  gtk_box_append (GTK_BOX (box), self->heading);

  self->body = gtk_label_new (body);
  gtk_label_set_wrap (GTK_LABEL (self->body), TRUE);
  gtk_label_set_justify (GTK_LABEL (self->body), GTK_JUSTIFY_CENTER);
  gtk_box_append (GTK_BOX (box), self->body);

  if (!create)
    add_accounts (self, GTK_BOX (box));

  if (sesame_credential_request_wants_pin (request))
    {
      GtkWidget *list = boxed_list (_("PIN"));

      self->pin_entry = adw_password_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->pin_entry), _("PIN"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->pin_entry),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("PIN of Sesame passkeys"),
                                      -1);
      g_signal_connect_swapped (self->pin_entry, "entry-activated",
                                G_CALLBACK (accept_clicked_cb), self);
      gtk_list_box_append (GTK_LIST_BOX (list), self->pin_entry);
      gtk_box_append (GTK_BOX (box), list);
    }

  self->problem = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->problem), TRUE);
  gtk_widget_add_css_class (self->problem, "error");
  gtk_widget_set_visible (self->problem, FALSE);
  gtk_box_append (GTK_BOX (box), self->problem);

  gtk_box_set_homogeneous (GTK_BOX (buttons), TRUE);
  cancel_button = gtk_button_new_with_mnemonic (_("_Cancel"));
  g_signal_connect_swapped (cancel_button, "clicked", G_CALLBACK (sesame_passkey_prompt_cancel),
                            self);
  gtk_box_append (GTK_BOX (buttons), cancel_button);
  self->accept_button = gtk_button_new_with_mnemonic (create ? _("C_reate") : _("_Sign In"));
  gtk_widget_add_css_class (self->accept_button, "suggested-action");
  gtk_widget_set_sensitive (self->accept_button,
                            create || (candidates != NULL && candidates->len > 0));
  g_signal_connect_swapped (self->accept_button, "clicked", G_CALLBACK (accept_clicked_cb), self);
  gtk_box_append (GTK_BOX (buttons), self->accept_button);
  gtk_box_append (GTK_BOX (box), buttons);

  adw_window_set_content (ADW_WINDOW (self), box);
  gtk_window_set_default_widget (GTK_WINDOW (self), self->accept_button);
  if (self->pin_entry != NULL)
    gtk_window_set_focus (GTK_WINDOW (self), self->pin_entry);
}

static void
sesame_passkey_prompt_dispose (GObject *object)
{
  SesamePasskeyPrompt *self = SESAME_PASSKEY_PROMPT (object);

  if (self->request != NULL)
    g_signal_handlers_disconnect_by_data (self->request, self);
  g_clear_object (&self->request);
  g_clear_pointer (&self->checks, g_ptr_array_unref);

  G_OBJECT_CLASS (sesame_passkey_prompt_parent_class)->dispose (object);
}

static void
sesame_passkey_prompt_class_init (SesamePasskeyPromptClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sesame_passkey_prompt_dispose;
  window_class->close_request = sesame_passkey_prompt_close_request;

  signals[FAILED] =
    g_signal_new ("failed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);

  /* Escape is Cancel, as in any dialog */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sesame_passkey_prompt_init (SesamePasskeyPrompt *self)
{
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);
  gtk_window_set_resizable (GTK_WINDOW (self), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (self), 420, -1);
}

GtkWidget *
sesame_passkey_prompt_new (GtkWindow               *parent,
                           SesameCredentialRequest *request)
{
  SesamePasskeyPrompt *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (request), NULL);
  g_return_val_if_fail (sesame_credential_request_get_outcome (request) ==
                        SESAME_CREDENTIAL_REQUEST_PENDING, NULL);

  self = g_object_new (SESAME_TYPE_PASSKEY_PROMPT,
                       "transient-for", parent,
                       NULL);
  self->request = g_object_ref (request);
  g_signal_connect (request, "finished", G_CALLBACK (request_finished_cb), self);
  build (self);
  return GTK_WIDGET (self);
}
