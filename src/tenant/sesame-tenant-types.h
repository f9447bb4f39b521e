/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/*
 * The tenant's vocabulary as C enums. Their strings (the nicks below, as
 * WIRE-PROTOCOL.md and the database spell them) are used only where a
 * value crosses into JSON or SQL: the rules work with the enums. The GTypes
 * come from gnome.mkenums_simple (sesame-tenant-enums.h).
 */

/* The state of an action, as Authsignal names it. */
typedef enum /*< prefix=SESAME_ACTION_STATE >*/
{
  SESAME_ACTION_STATE_ALLOW,               /*< nick=ALLOW >*/
  SESAME_ACTION_STATE_BLOCK,               /*< nick=BLOCK >*/
  SESAME_ACTION_STATE_CHALLENGE_REQUIRED,  /*< nick=CHALLENGE_REQUIRED >*/
  SESAME_ACTION_STATE_CHALLENGE_SUCCEEDED, /*< nick=CHALLENGE_SUCCEEDED >*/
  SESAME_ACTION_STATE_CHALLENGE_FAILED,    /*< nick=CHALLENGE_FAILED >*/
  SESAME_ACTION_STATE_REVIEW_REQUIRED,     /*< nick=REVIEW_REQUIRED >*/
  SESAME_ACTION_STATE_REVIEW_SUCCEEDED,    /*< nick=REVIEW_SUCCEEDED >*/
  SESAME_ACTION_STATE_REVIEW_FAILED,       /*< nick=REVIEW_FAILED >*/
} SesameActionState;

/* WebAuthn's UserVerificationRequirement, the tenant's policy. */
typedef enum /*< prefix=SESAME_USER_VERIFICATION >*/
{
  SESAME_USER_VERIFICATION_REQUIRED,       /*< nick=required >*/
  SESAME_USER_VERIFICATION_PREFERRED,      /*< nick=preferred >*/
  SESAME_USER_VERIFICATION_DISCOURAGED,    /*< nick=discouraged >*/
} SesameUserVerification;

/* WebAuthn's AttestationConveyancePreference, as far as a tenant offers it. */
typedef enum /*< prefix=SESAME_ATTESTATION_CONVEYANCE >*/
{
  SESAME_ATTESTATION_CONVEYANCE_NONE,      /*< nick=none >*/
  SESAME_ATTESTATION_CONVEYANCE_DIRECT,    /*< nick=direct >*/
} SesameAttestationConveyance;

/* WebAuthn's AuthenticatorAttachment; ANY is the absent member. */
typedef enum /*< prefix=SESAME_ATTACHMENT >*/
{
  SESAME_ATTACHMENT_ANY,                   /*< nick=any >*/
  SESAME_ATTACHMENT_PLATFORM,              /*< nick=platform >*/
  SESAME_ATTACHMENT_CROSS_PLATFORM,        /*< nick=cross-platform >*/
} SesameAttachment;

/*
 * SesameRuleError: the tenant's rules refused a request. Each code is one
 * reason a caller can act on; the message says what to do.
 */
#define SESAME_RULE_ERROR (sesame_rule_error_quark ())

typedef enum /*< prefix=SESAME_RULE_ERROR >*/
{
  SESAME_RULE_ERROR_INVALID_INPUT,        /* a malformed identifier, code, scope or state */
  SESAME_RULE_ERROR_TOKEN_INVALID,        /* the token's action is gone or is not its action */
  SESAME_RULE_ERROR_TOKEN_EXPIRED,        /* a token presented as data (validate) expired */
  SESAME_RULE_ERROR_TOKEN_REFUSED,        /* a token presented as data (validate) is not ours */
  SESAME_RULE_ERROR_USER_MISMATCH,        /* validate: the token is another user's */
  SESAME_RULE_ERROR_ACTION_MISMATCH,      /* validate: the token is for another action code */
  SESAME_RULE_ERROR_ACTION_NOT_FOUND,     /* the user has no such action with that code */
  SESAME_RULE_ERROR_ACTION_CLOSED,        /* the action's state takes no ceremony */
  SESAME_RULE_ERROR_IDEMPOTENCY_CONFLICT, /* the idempotency key names another action */
  SESAME_RULE_ERROR_SCOPE_MISSING,        /* the token lacks the scope the step needs */
  SESAME_RULE_ERROR_CHALLENGE_NOT_FOUND,  /* none, or not this ceremony's or action's */
  SESAME_RULE_ERROR_CHALLENGE_REPLAYED,   /* the challenge was used before */
  SESAME_RULE_ERROR_CHALLENGE_EXPIRED,    /* the challenge is past its lifetime */
  SESAME_RULE_ERROR_UNKNOWN_CREDENTIAL,   /* the tenant never saw this credential id */
  SESAME_RULE_ERROR_WRONG_USER,           /* a passkey of another user than the sign-in's */
  SESAME_RULE_ERROR_ALREADY_REGISTERED,   /* the credential id is registered already */
  SESAME_RULE_ERROR_INTERNAL,             /* the random number generator failed */
  SESAME_RULE_ERROR_PASSKEYS_NOT_SET_UP,  /* the tenant has no Relying Party configured yet */
} SesameRuleError;

GQuark      sesame_rule_error_quark (void);

/* Wire and database strings. to_string never returns NULL for a valid
 * value (SESAME_ATTACHMENT_ANY gives NULL: the member is absent);
 * from_string returns FALSE for anything that is not exactly a nick. */
const char *sesame_action_state_to_string            (SesameActionState            state);
gboolean    sesame_action_state_from_string          (const char                  *text,
                                                      SesameActionState           *state);
const char *sesame_user_verification_to_string       (SesameUserVerification       uv);
gboolean    sesame_user_verification_from_string     (const char                  *text,
                                                      SesameUserVerification      *uv);
const char *sesame_attestation_conveyance_to_string  (SesameAttestationConveyance  conveyance);
gboolean    sesame_attestation_conveyance_from_string (const char                 *text,
                                                       SesameAttestationConveyance *conveyance);
/* NULL and "" read as SESAME_ATTACHMENT_ANY. */
const char *sesame_attachment_to_string              (SesameAttachment             attachment);
gboolean    sesame_attachment_from_string            (const char                  *text,
                                                      SesameAttachment            *attachment);

G_END_DECLS
