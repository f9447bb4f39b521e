/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesamePasskeyPrompt: the question a modal navigator.credentials call
 * puts to the user, in plain words ("Create a passkey for alice on
 * localhost?"), with a choice of account when a get() has several, and
 * the PIN when the request wants one. Continue answers the request with
 * sesame_credential_request_accept(); a wrong PIN keeps the prompt open
 * and says how many attempts are left; Cancel, Escape or closing the
 * window cancel the request. The prompt destroys itself when the request
 * finishes, for whatever reason (answered, aborted, timed out, navigated).
 *
 * While it is open it looks for FIDO2 security keys (once a second, off
 * the main thread) and, when there is one, offers "Security key" beside
 * the built-in authenticator. With a key chosen, Continue asks the user to
 * touch it (with several keys, the one touched is used), asks for its PIN
 * when it needs one, offers to set a first PIN when the site requires user
 * verification and the key has none, and says what went wrong in plain
 * words. Cancel stops the key waiting for its touch.
 */

#include <adwaita.h>

#include "sesame-credential-request.h"

G_BEGIN_DECLS

#define SESAME_TYPE_PASSKEY_PROMPT (sesame_passkey_prompt_get_type ())
G_DECLARE_FINAL_TYPE (SesamePasskeyPrompt, sesame_passkey_prompt, SESAME, PASSKEY_PROMPT, AdwWindow)

/* A modal prompt over @parent for a pending @request; present it. */
GtkWidget               *sesame_passkey_prompt_new          (GtkWindow               *parent,
                                                             SesameCredentialRequest *request);
SesameCredentialRequest *sesame_passkey_prompt_get_request  (SesamePasskeyPrompt     *self);

/* What the controls do, for the window's automation and for tests: */
/* selects the @index-th candidate (newest first), as a click on its row */
gboolean                 sesame_passkey_prompt_select_candidate (SesamePasskeyPrompt *self,
                                                                 guint                index);
/* types @pin into the PIN entry shown (the built-in authenticator's, the
 * security key's, or both entries of a new PIN); FALSE when no PIN is
 * asked for */
gboolean                 sesame_passkey_prompt_set_pin      (SesamePasskeyPrompt     *self,
                                                             const char              *pin);
/* Chooses the security key (TRUE) or the built-in authenticator (FALSE),
 * as a click on its row would; FALSE when no security key is offered. */
gboolean                 sesame_passkey_prompt_choose_security_key (SesamePasskeyPrompt *self,
                                                                    gboolean             security_key);
/* TRUE while "Security key" is offered (a key is plugged in). */
gboolean                 sesame_passkey_prompt_has_security_key (SesamePasskeyPrompt *self);

/* Where the prompt is. */
typedef enum
{
  SESAME_PASSKEY_PROMPT_STEP_CHOOSE,  /* the question, the authenticator, the account */
  SESAME_PASSKEY_PROMPT_STEP_TOUCH,   /* waiting for the security key */
  SESAME_PASSKEY_PROMPT_STEP_KEY_PIN, /* the security key's PIN */
  SESAME_PASSKEY_PROMPT_STEP_NEW_PIN, /* a first PIN for the security key */
} SesamePasskeyPromptStep;

SesamePasskeyPromptStep  sesame_passkey_prompt_get_step     (SesamePasskeyPrompt     *self);
/* The words under the spinner in the TOUCH step ("Touch your security key"). */
const char              *sesame_passkey_prompt_get_status   (SesamePasskeyPrompt     *self);

/* Continue: TRUE when the request was answered. With a security key it
 * starts (or goes on with) the key's work and returns FALSE: the request
 * finishes when the key has answered. */
gboolean                 sesame_passkey_prompt_accept       (SesamePasskeyPrompt     *self);
/* Cancel */
void                     sesame_passkey_prompt_cancel       (SesamePasskeyPrompt     *self);
/* The problem shown under the controls ("Wrong PIN, 7 attempts left"), or NULL. */
const char              *sesame_passkey_prompt_get_problem  (SesamePasskeyPrompt     *self);

/* What the user reads about a security key's refusal @error (in
 * SESAME_SECURITY_KEY_ERROR), translated; @retries are the PIN attempts
 * left (-1: unknown). NULL for a cancellation, which needs no words. */
char                    *sesame_passkey_prompt_describe_key_error (const GError *error,
                                                                   int           retries);

/*
 * SesamePasskeyPrompt::failed (SesamePasskeyPrompt *self, const GError *error)
 *
 * Emitted when the authenticator refused in a way that ends the request
 * (an excluded credential, a blocked PIN…), just before the prompt closes,
 * so that the window can say why.
 */

G_END_DECLS
