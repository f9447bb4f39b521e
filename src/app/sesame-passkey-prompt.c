/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-passkey-prompt.h"

#include "sesame-security-key.h"
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
  GtkWidget               *pin_list;     /* holds pin_entry */
  GtkWidget               *problem;
  GtkWidget               *accept_button;

  /* Security keys: the choice of authenticator, once a key is found */
  GtkWidget               *authenticators; /* GtkListBox, hidden without keys */
  GtkWidget               *builtin_check;
  GtkWidget               *key_check;
  GtkWidget               *key_row;
  GtkWidget               *key_pin_list;
  GtkWidget               *key_pin_entry;
  GtkWidget               *new_pin_list;
  GtkWidget               *new_pin_entry;
  GtkWidget               *confirm_pin_entry;
  GtkWidget               *waiting;        /* spinner and status */
  GtkWidget               *status;
  GPtrArray               *keys;           /* SesameSecurityKeyInfo, as last listed */
  char                    *key_path;       /* the key at work, once chosen */
  GCancellable            *cancellable;    /* listing, selecting, setting a PIN */
  guint                    poll_id;
  gboolean                 listing;
  gboolean                 switching;      /* the prompt, not the user, changes the choice */
  SesamePasskeyPromptStep  step;

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

static void emit_key_failed (SesamePasskeyPrompt *self,
                             const GError        *error,
                             int                  retries);

static void
request_finished_cb (SesameCredentialRequest        *request,
                     SesameCredentialRequestOutcome  outcome,
                     SesamePasskeyPrompt            *self)
{
  const GError *error = sesame_credential_request_get_error (request);

  /* A security key's refusal ended the request: say why before the
   * prompt (and the handlers of ::failed) goes. The built-in
   * authenticator's refusals are told by accept(). */
  if (outcome == SESAME_CREDENTIAL_REQUEST_FAILED && error != NULL &&
      error->domain == SESAME_SECURITY_KEY_ERROR)
    emit_key_failed (self, error, -1);

  self->finished = TRUE;
  if (!self->accepting)
    close_now (self);
}

static char *account_label (const char *user_name,
                            const char *display_name);

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
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->key_pin_entry),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text ? text : "", -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->new_pin_entry),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text ? text : "", -1);
}

static gboolean
key_chosen (SesamePasskeyPrompt *self)
{
  return self->keys != NULL && self->keys->len > 0 &&
         gtk_check_button_get_active (GTK_CHECK_BUTTON (self->key_check));
}

/* "YubiKey 5 NFC", or the names of all the keys plugged in. */
static const char *
key_products (SesamePasskeyPrompt *self)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (self->key_row));
}

/* The body's words for the authenticator chosen. */
static void
update_body (SesamePasskeyPrompt *self)
{
  SesameCredentialRequest *request = self->request;
  GPtrArray *candidates = sesame_credential_request_get_candidates (request);
  const char *origin = sesame_credential_request_get_origin (request);
  g_autofree char *body = NULL;

  if (sesame_credential_request_get_kind (request) == SESAME_CREDENTIAL_REQUEST_CREATE)
    {
      g_autofree char *account = account_label (sesame_credential_request_get_user_name (request),
                                                sesame_credential_request_get_user_display_name (request));

      if (key_chosen (self))
        body = g_strdup_printf (_("%s asks to save a passkey for %s on your security key (%s). "
                                  "It lets you sign in without a password."),
                                origin, account, key_products (self));
      else
        body = g_strdup_printf (_("%s asks to save a passkey for %s in Sesame passkeys, the "
                                  "built-in authenticator. It lets you sign in without a password."),
                                origin, account);
    }
  else if (key_chosen (self))
    body = g_strdup_printf (_("%s asks for a passkey from your security key (%s)."),
                            origin, key_products (self));
  else if (candidates == NULL || candidates->len == 0)
    body = g_strdup_printf (_("Sesame passkeys holds no passkey that %s can use."), origin);
  else if (candidates->len == 1)
    body = g_strdup_printf (_("%s asks for your passkey from Sesame passkeys."), origin);
  else
    body = g_strdup_printf (_("%s asks for a passkey from Sesame passkeys. Choose the "
                              "account to sign in with."), origin);

  gtk_label_set_text (GTK_LABEL (self->body), body);
}

/* Shows what @step needs, and only that. */
static void
set_step (SesamePasskeyPrompt     *self,
          SesamePasskeyPromptStep  step)
{
  GPtrArray *candidates = sesame_credential_request_get_candidates (self->request);
  gboolean create = sesame_credential_request_get_kind (self->request) == SESAME_CREDENTIAL_REQUEST_CREATE;
  gboolean choose = step == SESAME_PASSKEY_PROMPT_STEP_CHOOSE;
  gboolean key = key_chosen (self);

  self->step = step;
  gtk_widget_set_visible (self->body, choose);
  gtk_widget_set_visible (self->authenticators,
                          choose && self->keys != NULL && self->keys->len > 0);
  if (self->accounts != NULL)
    gtk_widget_set_visible (self->accounts, choose && !key);
  if (self->pin_list != NULL)
    gtk_widget_set_visible (self->pin_list, choose && !key);
  gtk_widget_set_visible (self->key_pin_list, step == SESAME_PASSKEY_PROMPT_STEP_KEY_PIN);
  gtk_widget_set_visible (self->new_pin_list, step == SESAME_PASSKEY_PROMPT_STEP_NEW_PIN);
  gtk_widget_set_visible (self->waiting, step == SESAME_PASSKEY_PROMPT_STEP_TOUCH);
  gtk_spinner_set_spinning (GTK_SPINNER (gtk_widget_get_first_child (self->waiting)),
                            step == SESAME_PASSKEY_PROMPT_STEP_TOUCH);

  gtk_widget_set_sensitive (self->accept_button,
                            step != SESAME_PASSKEY_PROMPT_STEP_TOUCH &&
                            (!choose || create || key || (candidates != NULL && candidates->len > 0)));
  if (step == SESAME_PASSKEY_PROMPT_STEP_KEY_PIN)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->key_pin_entry), "");
      gtk_widget_grab_focus (self->key_pin_entry);
    }
  else if (step == SESAME_PASSKEY_PROMPT_STEP_NEW_PIN)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->new_pin_entry), "");
      gtk_editable_set_text (GTK_EDITABLE (self->confirm_pin_entry), "");
      gtk_widget_grab_focus (self->new_pin_entry);
    }
  if (choose)
    update_body (self);
}

static void
set_status (SesamePasskeyPrompt *self,
            const char          *text)
{
  gtk_label_set_text (GTK_LABEL (self->status), text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->waiting), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  text, -1);
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

/* Security keys */

char *
sesame_passkey_prompt_describe_key_error (const GError *error,
                                          int           retries)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != SESAME_SECURITY_KEY_ERROR)
    return g_strdup (error->message);

  switch (error->code)
    {
    case SESAME_SECURITY_KEY_ERROR_CANCELLED:
      return NULL;
    case SESAME_SECURITY_KEY_ERROR_PIN_REQUIRED:
      if (retries > 0)
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "Enter the PIN of your security key (%d attempt left).",
                                             "Enter the PIN of your security key (%d attempts left).",
                                             retries), retries);
      return g_strdup (_("Enter the PIN of your security key."));
    case SESAME_SECURITY_KEY_ERROR_PIN_INVALID:
      if (retries > 0)
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "Wrong PIN. %d attempt left before the PIN is blocked.",
                                             "Wrong PIN. %d attempts left before the PIN is blocked.",
                                             retries), retries);
      return g_strdup (_("Wrong PIN."));
    case SESAME_SECURITY_KEY_ERROR_PIN_AUTH_BLOCKED:
      return g_strdup (_("Too many wrong PINs in a row. Unplug the security key and plug it in "
                         "again before you try once more."));
    case SESAME_SECURITY_KEY_ERROR_PIN_BLOCKED:
      return g_strdup (_("The PIN of this security key is blocked: it was entered wrongly too "
                         "many times. Only a reset of the key unblocks it, and a reset deletes "
                         "every passkey on it."));
    case SESAME_SECURITY_KEY_ERROR_PIN_NOT_SET:
      return g_strdup (_("This site requires a PIN, and your security key has none yet. Choose "
                         "one to set on the key."));
    case SESAME_SECURITY_KEY_ERROR_PIN_POLICY:
      return g_strdup (_("The security key does not accept this PIN. Use 4 to 63 characters."));
    case SESAME_SECURITY_KEY_ERROR_UV_UNAVAILABLE:
      return g_strdup (_("This site requires user verification, which this security key cannot "
                         "do."));
    case SESAME_SECURITY_KEY_ERROR_EXCLUDED:
      return g_strdup (_("This security key already has a passkey for this account."));
    case SESAME_SECURITY_KEY_ERROR_NO_CREDENTIALS:
      return g_strdup (_("There is no passkey for this site on this security key."));
    case SESAME_SECURITY_KEY_ERROR_UNSUPPORTED_ALGORITHM:
      return g_strdup (_("The security key cannot make a passkey of any type this site "
                         "accepts."));
    case SESAME_SECURITY_KEY_ERROR_REMOVED:
    case SESAME_SECURITY_KEY_ERROR_NOT_FOUND:
      return g_strdup (_("The security key was removed. Plug it in again, or choose another "
                         "authenticator."));
    case SESAME_SECURITY_KEY_ERROR_TIMEOUT:
      return g_strdup (_("The security key was not touched in time."));
    default:
      return g_strdup_printf (_("The security key failed: %s"), error->message);
    }
}

/* The refusal, in the user's words, for ::failed. */
static void
emit_key_failed (SesamePasskeyPrompt *self,
                 const GError        *error,
                 int                  retries)
{
  g_autofree char *text = sesame_passkey_prompt_describe_key_error (error, retries);
  g_autoptr(GError) described = NULL;

  if (text == NULL)
    return;
  described = g_error_new_literal (error->domain, error->code, text);
  g_signal_emit (self, signals[FAILED], 0, described);
}

static gboolean
request_pending (SesamePasskeyPrompt *self)
{
  return !self->finished && self->request != NULL &&
         sesame_credential_request_get_outcome (self->request) == SESAME_CREDENTIAL_REQUEST_PENDING;
}

static void
key_answered_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SesamePasskeyPrompt) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  int retries = -1;

  if (sesame_credential_request_accept_security_key_finish (SESAME_CREDENTIAL_REQUEST (source),
                                                            result, &retries, &error))
    return;  /* answered: ::finished closed the prompt */

  /* A refusal that ended the request was told by request_finished_cb. */
  if (!request_pending (self))
    return;

  text = sesame_passkey_prompt_describe_key_error (error, retries);
  if (g_error_matches (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_PIN_REQUIRED) ||
      g_error_matches (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_PIN_INVALID))
    set_step (self, SESAME_PASSKEY_PROMPT_STEP_KEY_PIN);
  else if (g_error_matches (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_PIN_NOT_SET) ||
           g_error_matches (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_PIN_POLICY))
    set_step (self, SESAME_PASSKEY_PROMPT_STEP_NEW_PIN);
  else
    {
      g_clear_pointer (&self->key_path, g_free);
      set_step (self, SESAME_PASSKEY_PROMPT_STEP_CHOOSE);
    }
  show_problem (self, text);
}

static void
run_key (SesamePasskeyPrompt *self,
         const char          *pin)
{
  set_status (self, _("Touch your security key"));
  set_step (self, SESAME_PASSKEY_PROMPT_STEP_TOUCH);
  show_problem (self, NULL);
  sesame_credential_request_accept_security_key_async (self->request, self->key_path, pin,
                                                       key_answered_cb, g_object_ref (self));
}

/* For the async calls the prompt makes itself (each holds a reference):
 * FALSE once the prompt was cancelled or closed, or the request ended. */
static gboolean
still_wanted (SesamePasskeyPrompt *self,
              const GError        *error)
{
  if (g_cancellable_is_cancelled (self->cancellable) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_CANCELLED))
    return FALSE;
  return request_pending (self);
}

static void
key_selected_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SesamePasskeyPrompt) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = sesame_security_key_select_finish (result, &error);
  g_autofree char *text = NULL;

  if (!still_wanted (self, error))
    return;
  if (path == NULL)
    {
      text = sesame_passkey_prompt_describe_key_error (error, -1);
      set_step (self, SESAME_PASSKEY_PROMPT_STEP_CHOOSE);
      show_problem (self, text);
      return;
    }
  self->key_path = g_steal_pointer (&path);
  run_key (self, NULL);
}

static void
pin_set_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SesamePasskeyPrompt) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean set = sesame_security_key_set_pin_finish (result, &error);
  g_autofree char *text = NULL;
  g_autofree char *pin = NULL;

  if (!still_wanted (self, error))
    return;
  if (!set)
    {
      text = sesame_passkey_prompt_describe_key_error (error, -1);
      if (g_error_matches (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_PIN_POLICY))
        set_step (self, SESAME_PASSKEY_PROMPT_STEP_NEW_PIN);
      else
        {
          g_clear_pointer (&self->key_path, g_free);
          set_step (self, SESAME_PASSKEY_PROMPT_STEP_CHOOSE);
        }
      show_problem (self, text);
      return;
    }
  /* The key has its PIN now: go on with the ceremony. */
  pin = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->new_pin_entry)));
  run_key (self, pin);
  memset (pin, 0, strlen (pin));
}

static void
accept_with_key (SesamePasskeyPrompt *self)
{
  const char *pin;
  const char *confirm;
  glong length;

  switch (self->step)
    {
    case SESAME_PASSKEY_PROMPT_STEP_CHOOSE:
      if (self->keys == NULL || self->keys->len == 0)
        return;
      if (self->keys->len == 1)
        {
          g_free (self->key_path);
          self->key_path = g_strdup (((SesameSecurityKeyInfo *) g_ptr_array_index (self->keys, 0))->path);
          run_key (self, NULL);
        }
      else
        {
          g_autoptr(GPtrArray) paths = g_ptr_array_new ();

          for (guint i = 0; i < self->keys->len; i++)
            g_ptr_array_add (paths, ((SesameSecurityKeyInfo *) g_ptr_array_index (self->keys, i))->path);
          set_status (self, _("Touch the security key you want to use"));
          set_step (self, SESAME_PASSKEY_PROMPT_STEP_TOUCH);
          show_problem (self, NULL);
          sesame_security_key_select_async (paths, 0, self->cancellable, key_selected_cb,
                                            g_object_ref (self));
        }
      return;

    case SESAME_PASSKEY_PROMPT_STEP_KEY_PIN:
      pin = gtk_editable_get_text (GTK_EDITABLE (self->key_pin_entry));
      if (*pin == '\0')
        {
          show_problem (self, _("Enter the PIN of your security key."));
          return;
        }
      {
        g_autofree char *copy = g_strdup (pin);

        gtk_editable_set_text (GTK_EDITABLE (self->key_pin_entry), "");
        run_key (self, copy);
        memset (copy, 0, strlen (copy));
      }
      return;

    case SESAME_PASSKEY_PROMPT_STEP_NEW_PIN:
      pin = gtk_editable_get_text (GTK_EDITABLE (self->new_pin_entry));
      confirm = gtk_editable_get_text (GTK_EDITABLE (self->confirm_pin_entry));
      length = g_utf8_strlen (pin, -1);
      if (length < 4 || length > 63)
        {
          show_problem (self, _("A PIN has 4 to 63 characters."));
          return;
        }
      if (!g_str_equal (pin, confirm))
        {
          show_problem (self, _("The two PINs differ. Type the same PIN twice."));
          return;
        }
      set_status (self, _("Setting the PIN on your security key…"));
      set_step (self, SESAME_PASSKEY_PROMPT_STEP_TOUCH);
      show_problem (self, NULL);
      sesame_security_key_set_pin_async (self->key_path, pin, self->cancellable, pin_set_cb,
                                         g_object_ref (self));
      return;

    case SESAME_PASSKEY_PROMPT_STEP_TOUCH:
    default:
      return;
    }
}

gboolean
sesame_passkey_prompt_accept (SesamePasskeyPrompt *self)
{
  g_autoptr(GError) error = NULL;
  const char *pin = NULL;
  gboolean answered;

  g_return_val_if_fail (SESAME_IS_PASSKEY_PROMPT (self), FALSE);

  if (!request_pending (self) || sesame_credential_request_is_key_busy (self->request))
    return FALSE;

  if (key_chosen (self) || self->step != SESAME_PASSKEY_PROMPT_STEP_CHOOSE)
    {
      accept_with_key (self);
      return FALSE;
    }

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

  /* A key waiting for its touch (selection) stops waiting. */
  g_cancellable_cancel (self->cancellable);
  if (sesame_credential_request_get_outcome (self->request) == SESAME_CREDENTIAL_REQUEST_PENDING)
    sesame_credential_request_cancel (self->request);  /* ::finished closes the prompt, and the
                                                        * request stops its key */
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

  switch (self->step)
    {
    case SESAME_PASSKEY_PROMPT_STEP_KEY_PIN:
      gtk_editable_set_text (GTK_EDITABLE (self->key_pin_entry), pin ? pin : "");
      return TRUE;
    case SESAME_PASSKEY_PROMPT_STEP_NEW_PIN:
      gtk_editable_set_text (GTK_EDITABLE (self->new_pin_entry), pin ? pin : "");
      gtk_editable_set_text (GTK_EDITABLE (self->confirm_pin_entry), pin ? pin : "");
      return TRUE;
    case SESAME_PASSKEY_PROMPT_STEP_CHOOSE:
      if (self->pin_entry == NULL || key_chosen (self))
        return FALSE;
      gtk_editable_set_text (GTK_EDITABLE (self->pin_entry), pin ? pin : "");
      return TRUE;
    case SESAME_PASSKEY_PROMPT_STEP_TOUCH:
    default:
      return FALSE;
    }
}

gboolean
sesame_passkey_prompt_choose_security_key (SesamePasskeyPrompt *self,
                                           gboolean             security_key)
{
  g_return_val_if_fail (SESAME_IS_PASSKEY_PROMPT (self), FALSE);

  if (self->step != SESAME_PASSKEY_PROMPT_STEP_CHOOSE || !sesame_passkey_prompt_has_security_key (self))
    return FALSE;
  gtk_check_button_set_active (GTK_CHECK_BUTTON (security_key ? self->key_check : self->builtin_check),
                               TRUE);
  return TRUE;
}

gboolean
sesame_passkey_prompt_has_security_key (SesamePasskeyPrompt *self)
{
  g_return_val_if_fail (SESAME_IS_PASSKEY_PROMPT (self), FALSE);

  return self->keys != NULL && self->keys->len > 0;
}

SesamePasskeyPromptStep
sesame_passkey_prompt_get_step (SesamePasskeyPrompt *self)
{
  g_return_val_if_fail (SESAME_IS_PASSKEY_PROMPT (self), SESAME_PASSKEY_PROMPT_STEP_CHOOSE);

  return self->step;
}

const char *
sesame_passkey_prompt_get_status (SesamePasskeyPrompt *self)
{
  g_return_val_if_fail (SESAME_IS_PASSKEY_PROMPT (self), NULL);

  if (self->step != SESAME_PASSKEY_PROMPT_STEP_TOUCH)
    return NULL;
  return gtk_label_get_text (GTK_LABEL (self->status));
}

/* Looking for keys while the prompt is open */

static gboolean
same_keys (GPtrArray *a,
           GPtrArray *b)
{
  if ((a ? a->len : 0) != (b ? b->len : 0))
    return FALSE;
  for (guint i = 0; a != NULL && i < a->len; i++)
    {
      SesameSecurityKeyInfo *x = g_ptr_array_index (a, i);
      SesameSecurityKeyInfo *y = g_ptr_array_index (b, i);

      if (!g_str_equal (x->path, y->path) || !g_str_equal (x->product, y->product))
        return FALSE;
    }
  return TRUE;
}

static void
keys_listed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = sesame_security_key_list_finish (result, &error);
  SesamePasskeyPrompt *self;
  g_autoptr(GString) products = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;  /* the prompt is gone */
  self = user_data;
  self->listing = FALSE;
  if (keys == NULL || same_keys (keys, self->keys))
    return;

  g_clear_pointer (&self->keys, g_ptr_array_unref);
  self->keys = g_steal_pointer (&keys);

  products = g_string_new (NULL);
  for (guint i = 0; i < self->keys->len; i++)
    {
      if (i > 0)
        g_string_append (products, ", ");
      g_string_append (products, ((SesameSecurityKeyInfo *) g_ptr_array_index (self->keys, i))->product);
    }
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->key_row), products->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->key_check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  products->len > 0 ? products->str : _("Security key"), -1);

  /* The last key went away: back to the built-in authenticator, keeping
   * the problem shown (it may say the key was removed). */
  if (self->keys->len == 0)
    {
      self->switching = TRUE;
      gtk_check_button_set_active (GTK_CHECK_BUTTON (self->builtin_check), TRUE);
      self->switching = FALSE;
    }
  if (self->step == SESAME_PASSKEY_PROMPT_STEP_CHOOSE)
    set_step (self, SESAME_PASSKEY_PROMPT_STEP_CHOOSE);
}

static gboolean
poll_keys_cb (gpointer user_data)
{
  SesamePasskeyPrompt *self = user_data;

  if (!self->listing)
    {
      self->listing = TRUE;
      sesame_security_key_list_async (self->cancellable, keys_listed_cb, self);
    }
  return G_SOURCE_CONTINUE;
}

static void
authenticator_toggled_cb (SesamePasskeyPrompt *self)
{
  if (self->step == SESAME_PASSKEY_PROMPT_STEP_CHOOSE && !self->switching)
    {
      show_problem (self, NULL);
      set_step (self, SESAME_PASSKEY_PROMPT_STEP_CHOOSE);
    }
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

static GtkWidget *
password_row (SesamePasskeyPrompt *self,
              const char          *title,
              const char          *accessible_name)
{
  GtkWidget *row = adw_password_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible_name, -1);
  g_signal_connect_swapped (row, "entry-activated", G_CALLBACK (accept_clicked_cb), self);
  return row;
}

static GtkWidget *
authenticator_row (const char *title,
                   const char *subtitle,
                   GtkWidget  *check)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  title, -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  return row;
}

/* Built-in or security key; shown once a key is found. */
static void
add_authenticators (SesamePasskeyPrompt *self,
                    GtkBox              *box)
{
  self->authenticators = boxed_list (_("Authenticator"));
  self->builtin_check = gtk_check_button_new ();
  self->key_check = gtk_check_button_new ();
  gtk_check_button_set_group (GTK_CHECK_BUTTON (self->key_check),
                              GTK_CHECK_BUTTON (self->builtin_check));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->builtin_check), TRUE);
  gtk_list_box_append (GTK_LIST_BOX (self->authenticators),
                       authenticator_row (_("Sesame passkeys"), _("Built into this app"),
                                          self->builtin_check));
  self->key_row = authenticator_row (_("Security key"), "", self->key_check);
  gtk_list_box_append (GTK_LIST_BOX (self->authenticators), self->key_row);
  g_signal_connect_swapped (self->key_check, "toggled", G_CALLBACK (authenticator_toggled_cb), self);
  gtk_widget_set_visible (self->authenticators, FALSE);
  gtk_box_append (box, self->authenticators);
}

/* What a security key may need: the touch, its PIN, a first PIN. */
static void
add_key_steps (SesamePasskeyPrompt *self,
               GtkBox              *box)
{
  GtkWidget *spinner = gtk_spinner_new ();

  self->waiting = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_size_request (spinner, 32, 32);
  gtk_box_append (GTK_BOX (self->waiting), spinner);
  self->status = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->status), TRUE);
  gtk_label_set_justify (GTK_LABEL (self->status), GTK_JUSTIFY_CENTER);
  gtk_box_append (GTK_BOX (self->waiting), self->status);
  gtk_box_append (box, self->waiting);

  self->key_pin_list = boxed_list (_("Security key PIN"));
  self->key_pin_entry = password_row (self, _("PIN"), _("PIN of the security key"));
  gtk_list_box_append (GTK_LIST_BOX (self->key_pin_list), self->key_pin_entry);
  gtk_box_append (box, self->key_pin_list);

  self->new_pin_list = boxed_list (_("New PIN for the security key"));
  self->new_pin_entry = password_row (self, _("New PIN"), _("New PIN of the security key"));
  self->confirm_pin_entry = password_row (self, _("Confirm PIN"),
                                          _("The new PIN of the security key, again"));
  gtk_list_box_append (GTK_LIST_BOX (self->new_pin_list), self->new_pin_entry);
  gtk_list_box_append (GTK_LIST_BOX (self->new_pin_list), self->confirm_pin_entry);
  gtk_box_append (box, self->new_pin_list);
}

static void
build (SesamePasskeyPrompt *self)
{
  SesameCredentialRequest *request = self->request;
  gboolean create = sesame_credential_request_get_kind (request) == SESAME_CREDENTIAL_REQUEST_CREATE;
  const char *rp_id = sesame_credential_request_get_rp_id (request);
  g_autofree char *heading = NULL;
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
    heading = g_strdup_printf (_("Create a passkey for %s on %s?"),
                               sesame_credential_request_get_user_name (request), rp_id);
  else
    heading = g_strdup_printf (_("Sign in to %s with a passkey"), rp_id);

  gtk_window_set_title (GTK_WINDOW (self), heading);
  self->heading = gtk_label_new (heading);
  gtk_label_set_wrap (GTK_LABEL (self->heading), TRUE);
  gtk_label_set_justify (GTK_LABEL (self->heading), GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (self->heading, "title-2");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->heading), GTK_ACCESSIBLE_PROPERTY_LEVEL,
                                  1, -1);
  gtk_box_append (GTK_BOX (box), self->heading);

  self->body = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->body), TRUE);
  gtk_label_set_justify (GTK_LABEL (self->body), GTK_JUSTIFY_CENTER);
  gtk_box_append (GTK_BOX (box), self->body);

  add_authenticators (self, GTK_BOX (box));

  if (!create)
    add_accounts (self, GTK_BOX (box));

  if (sesame_credential_request_wants_pin (request))
    {
      GtkWidget *list = self->pin_list = boxed_list (_("PIN"));

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

  add_key_steps (self, GTK_BOX (box));

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
  g_signal_connect_swapped (self->accept_button, "clicked", G_CALLBACK (accept_clicked_cb), self);
  gtk_box_append (GTK_BOX (buttons), self->accept_button);
  gtk_box_append (GTK_BOX (box), buttons);

  adw_window_set_content (ADW_WINDOW (self), box);
  gtk_window_set_default_widget (GTK_WINDOW (self), self->accept_button);
  set_step (self, SESAME_PASSKEY_PROMPT_STEP_CHOOSE);
  if (self->pin_entry != NULL)
    gtk_window_set_focus (GTK_WINDOW (self), self->pin_entry);

  /* Keys come and go while the prompt is open. */
  poll_keys_cb (self);
  self->poll_id = g_timeout_add_seconds (1, poll_keys_cb, self);
}

static void
sesame_passkey_prompt_dispose (GObject *object)
{
  SesamePasskeyPrompt *self = SESAME_PASSKEY_PROMPT (object);

  if (self->request != NULL)
    g_signal_handlers_disconnect_by_data (self->request, self);
  g_clear_object (&self->request);
  g_clear_pointer (&self->checks, g_ptr_array_unref);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->keys, g_ptr_array_unref);
  g_clear_pointer (&self->key_path, g_free);

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
  self->cancellable = g_cancellable_new ();
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
