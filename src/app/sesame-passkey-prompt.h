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
/* types @pin into the PIN entry (FALSE when no PIN is asked for) */
gboolean                 sesame_passkey_prompt_set_pin      (SesamePasskeyPrompt     *self,
                                                             const char              *pin);
/* Continue: TRUE when the request was answered */
gboolean                 sesame_passkey_prompt_accept       (SesamePasskeyPrompt     *self);
/* Cancel */
void                     sesame_passkey_prompt_cancel       (SesamePasskeyPrompt     *self);
/* The problem shown under the controls ("Wrong PIN, 7 attempts left"), or NULL. */
const char              *sesame_passkey_prompt_get_problem  (SesamePasskeyPrompt     *self);

/*
 * SesamePasskeyPrompt::failed (SesamePasskeyPrompt *self, const GError *error)
 *
 * Emitted when the authenticator refused in a way that ends the request
 * (an excluded credential, a blocked PIN…), just before the prompt closes,
 * so that the window can say why.
 */

G_END_DECLS
