/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sesame-action-rules.h"
#include "sesame-webauthn.h"

G_BEGIN_DECLS

/*
 * The passkey ceremonies of a tenant, as plain functions (no HTTP): begin
 * hands out a single-use challenge bound to an action and its user (or, for
 * an open sign-in, to none), finish verifies a credential against it.
 *
 * A finish checks everything it can before anything changes: the credential
 * decodes, the token's action still exists, the credential is known (sign
 * in), the challenge is usable, the signature verifies. Then one write
 * transaction consumes the challenge (so that a replay, even one racing this
 * attempt, or an expired challenge is reported as such and changes nothing
 * else), writes the outcome and its event, and commits them together: the
 * challenge stays used whatever the verdict. An attempt that was
 * judged is logged as an event and sets *judged to TRUE (the wire then says
 * isVerified: false): an unknown credential or a refused challenge, or,
 * once the challenge is used, a refusal that says nothing about the
 * credential (another action's challenge, a closed action, a missing
 * scope), which only logs, and a failed verification, which also fails the
 * action (see sesame_action_state_after_ceremony()). Malformed input and
 * internal errors leave *judged FALSE.
 *
 * @claims is the verified action token the caller presented, or NULL where
 * the tenant ID alone may start a ceremony (sign-in).
 */

/* The WebAuthn user handle of a user: HMAC-SHA256 of the user id under the
 * tenant's token key, labelled. Stable without being stored, and it reveals
 * nothing about the user id to the authenticator or the page. */
GBytes  *sesame_tenant_user_handle (const SesameTenant *tenant,
                                    const char         *user_id);

/* The policy the verification applies: the tenant's RP ID, origins,
 * algorithms and user verification. The options borrow from @tenant,
 * @challenge and @rp_ids (two entries). */
void     sesame_tenant_verify_options (SesameVerifyOptions   *options,
                                       const SesameTenant    *tenant,
                                       const SesameChallenge *challenge,
                                       const char           **rp_ids);

/* A sign-in challenge for @action_code (the SDK's signIn({action})). With
 * @claims, or with the @idempotency_key of a tracked action, it is bound to
 * that action, which must have that code and be open; otherwise it is open
 * to any user and carries the code in its id. */
SesameChallenge *
sesame_tenant_begin_sign_in (SesameStore            *store,
                             const SesameTenant     *tenant,
                             const SesameCaller     *caller,
                             const SesameTokenClaims*claims,
                             const char             *action_code,
                             const char             *idempotency_key,
                             GError                **error);

typedef struct
{
  SesameChallenge  *challenge;
  SesameUser       *user;        /* saved with the names given */
  GPtrArray        *passkeys;    /* the user's (SesamePasskey), to exclude */
  SesameAttachment  attachment;  /* the tenant's policy, else the page's wish */
} SesameRegistrationOptions;

void sesame_registration_options_free (SesameRegistrationOptions *options);

/* Registration options for the token's action: the action must be open and
 * the token may add a passkey (sesame_scope_check_add_passkey()). The
 * user's names are saved (NULL keeps them). */
SesameRegistrationOptions *
sesame_tenant_begin_registration (SesameStore             *store,
                                  const SesameTenant      *tenant,
                                  const SesameCaller      *caller,
                                  const SesameTokenClaims *claims,
                                  const char              *username,
                                  const char              *display_name,
                                  SesameAttachment         attachment,
                                  GError                 **error);

typedef struct
{
  SesameChallenge *challenge;
  GPtrArray       *passkeys;      /* allowCredentials (SesamePasskey); NULL: any */
  char            *action_code;   /* of the sign-in */
} SesameAuthenticationOptions;

void sesame_authentication_options_free (SesameAuthenticationOptions *options);

/* Authentication options. A @previous_challenge_id from
 * sesame_tenant_begin_sign_in() is consumed and its binding inherited; with
 * @claims the sign-in is for the token's (open) action. An open sign-in may
 * name a @username, which narrows the allowed credentials. */
SesameAuthenticationOptions *
sesame_tenant_begin_authentication (SesameStore             *store,
                                    const SesameTenant      *tenant,
                                    const SesameCaller      *caller,
                                    const SesameTokenClaims *claims,
                                    const char              *previous_challenge_id,
                                    const char              *username,
                                    GError                 **error);

typedef struct
{
  SesameAction  *action;    /* CHALLENGE_SUCCEEDED, completed by the passkey */
  SesamePasskey *passkey;   /* registered, or used to sign in (as stored before) */
  SesameUser    *user;      /* NULL when it could not be read back */
} SesameCeremonyResult;

void sesame_ceremony_result_free (SesameCeremonyResult *result);

/* Registers the credential of a registration response for the token's
 * action. @conditional_create: the page asked for WebAuthn Level 3's
 * conditional create (mediation "conditional" on create()), which the
 * browser completes without user presence; only then is a credential
 * without UP accepted (§7.1 step 14), and the event says so. */
SesameCeremonyResult *
sesame_tenant_finish_registration (SesameStore                *store,
                                   const SesameTenant         *tenant,
                                   const SesameCaller         *caller,
                                   const SesameTokenClaims    *claims,
                                   const char                 *challenge_id,
                                   const SesameCredentialJson *credential,
                                   gboolean                    conditional_create,
                                   gboolean                   *judged,
                                   GError                    **error);

/* Signs in with the credential of an authentication response. The
 * passkey's owner must be the user the challenge (or @claims) is for; an
 * open sign-in gets a new action of the owner with the challenge's code. */
SesameCeremonyResult *
sesame_tenant_finish_authentication (SesameStore                *store,
                                     const SesameTenant         *tenant,
                                     const SesameCaller         *caller,
                                     const SesameTokenClaims    *claims,
                                     const char                 *challenge_id,
                                     const SesameCredentialJson *credential,
                                     gboolean                   *judged,
                                     GError                    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameRegistrationOptions, sesame_registration_options_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameAuthenticationOptions, sesame_authentication_options_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameCeremonyResult, sesame_ceremony_result_free)

G_END_DECLS
