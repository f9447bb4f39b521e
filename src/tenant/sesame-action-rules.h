/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "sesame-store.h"
#include "sesame-tenant-enums.h"
#include "sesame-tenant-types.h"
#include "sesame-token.h"

G_BEGIN_DECLS

/*
 * The tenant's rules about actions, users and scopes, as plain functions:
 * no HTTP, typed errors (SESAME_RULE_ERROR for a refusal, SESAME_STORE_ERROR
 * and SESAME_TOKEN_ERROR passed through), and every write one transaction
 * with its event. The server calls them from its route handlers, the app
 * can call them in process; they may run on any thread (SesameStore is
 * thread-safe).
 */

/* The action code of a passkey sign-in that names none. */
#define SESAME_DEFAULT_SIGN_IN_ACTION "signInWithPasskey"

/* Longest user id, idempotency key, challenge id, username or display
 * name accepted. */
#define SESAME_ID_MAX_LEN 256
#define SESAME_ACTION_CODE_MAX_LEN 64

#define SESAME_SCOPE_READ_AUTHENTICATORS "read:authenticators"
#define SESAME_SCOPE_ADD_AUTHENTICATORS  "add:authenticators"

/* Who asked, for the events (which users see): never a secret. */
typedef struct
{
  const char *origin;       /* the Origin the request came from; NULL: none */
  const char *user_agent;   /* NULL: none */
} SesameCaller;

/* Input */

/* An identifier (user id, idempotency key, …): not empty, at most @max_len
 * bytes, no control characters. */
gboolean           sesame_tenant_check_identifier  (const char  *value,
                                                    const char  *what,
                                                    gsize        max_len,
                                                    GError     **error);
/* ^[a-zA-Z0-9_-]{1,64}$, as the Server API requires of action codes. */
gboolean           sesame_tenant_check_action_code (const char  *code,
                                                    GError     **error);

/* Scopes */

/* The scope of a token issued by track: "read:authenticators" always, then
 * the requested ones (space-separated, each known, no repeats). */
char              *sesame_scope_for_track          (const char  *requested,
                                                    GError     **error);
/* Who may add a passkey: any token of the user while the user has none;
 * once the user has one, only a token with "add:authenticators". */
gboolean           sesame_scope_check_add_passkey  (const SesameTokenClaims *claims,
                                                    guint                    n_passkeys,
                                                    GError                 **error);
gboolean           sesame_scope_check_read_passkeys (const SesameTokenClaims *claims,
                                                     GError                 **error);

/* The action state machine */

/* CHALLENGE_REQUIRED, CHALLENGE_FAILED and CHALLENGE_SUCCEEDED take a
 * passkey ceremony (a success may be repeated while its token lives); a
 * state the backend decided (ALLOW, BLOCK, REVIEW_*) takes none. */
gboolean           sesame_action_state_takes_ceremony (SesameActionState state);
/* The state after a ceremony: CHALLENGE_SUCCEEDED on success; on failure
 * CHALLENGE_FAILED, except that a success stays a success (a failed retry
 * must not undo what the backend may have validated). */
SesameActionState  sesame_action_state_after_ceremony (SesameActionState state,
                                                       gboolean          succeeded);
/* The state of a stored action; a state the schema does not know (only a
 * hand-edited file holds one) reads as CHALLENGE_FAILED, which is safe. */
SesameActionState  sesame_action_get_state         (const SesameAction *action);
gboolean           sesame_action_check_open        (const SesameAction *action,
                                                    GError            **error);

/* Events */

/* Appends an event of @tenant_id about @caller; @details (may be NULL) is a
 * JSON object. */
gboolean           sesame_tenant_record_event      (SesameStore        *store,
                                                    const char         *tenant_id,
                                                    const SesameCaller *caller,
                                                    const char         *action_key,
                                                    const char         *user_id,
                                                    const char         *kind,
                                                    const char         *outcome,
                                                    const char         *reason,
                                                    JsonNode           *details,
                                                    GError            **error);

/* Actions */

/* Track: the action of @user_id with @action_code. The same @idempotency_key
 * (NULL: a new one) again is the same action, returned as it stands; a key
 * of another user's or code's action is IDEMPOTENCY_CONFLICT. A new action
 * starts CHALLENGE_REQUIRED, with its user upserted (@username and
 * @display_name may be NULL: kept). @scope is the token's, recorded. */
SesameAction      *sesame_tenant_track_action      (SesameStore        *store,
                                                    const SesameTenant *tenant,
                                                    const SesameCaller *caller,
                                                    const char         *user_id,
                                                    const char         *action_code,
                                                    const char         *idempotency_key,
                                                    const char         *username,
                                                    const char         *display_name,
                                                    const char         *scope,
                                                    GError            **error);

/* The action an action token was issued for: it must still exist and still
 * be the token's user's action with the token's code (TOKEN_INVALID). */
SesameAction      *sesame_tenant_load_token_action (SesameStore             *store,
                                                    const SesameTenant      *tenant,
                                                    const SesameTokenClaims *claims,
                                                    GError                 **error);

/* Validate: the backend's check of a token it received from its page. The
 * token must verify under the tenant's key (TOKEN_EXPIRED, TOKEN_REFUSED),
 * and match @user_id and @action_code when given (USER_MISMATCH,
 * ACTION_MISMATCH). Returns the action and, in @is_valid, whether it
 * succeeded; the check is recorded as an event. */
SesameAction      *sesame_tenant_validate          (SesameStore        *store,
                                                    const SesameTenant *tenant,
                                                    const SesameCaller *caller,
                                                    const char         *token,
                                                    const char         *user_id,
                                                    const char         *action_code,
                                                    gboolean           *is_valid,
                                                    GError            **error);

/* The action @key of @user_id with @action_code (ACTION_NOT_FOUND when it
 * is another user's or code's). */
SesameAction      *sesame_tenant_get_user_action   (SesameStore        *store,
                                                    const SesameTenant *tenant,
                                                    const char         *user_id,
                                                    const char         *action_code,
                                                    const char         *key,
                                                    GError            **error);
/* The backend decides: any state may follow any other. Returns the
 * updated action. */
SesameAction      *sesame_tenant_set_action_state  (SesameStore        *store,
                                                    const SesameTenant *tenant,
                                                    const SesameCaller *caller,
                                                    const char         *user_id,
                                                    const char         *action_code,
                                                    const char         *key,
                                                    SesameActionState   state,
                                                    GError            **error);

/* Users */

gboolean           sesame_tenant_update_user       (SesameStore        *store,
                                                    const SesameTenant *tenant,
                                                    const SesameCaller *caller,
                                                    const char         *user_id,
                                                    const char         *username,
                                                    const char         *display_name,
                                                    GError            **error);
/* Deletes the user with their passkeys, actions and challenges. */
gboolean           sesame_tenant_delete_user       (SesameStore        *store,
                                                    const SesameTenant *tenant,
                                                    const SesameCaller *caller,
                                                    const char         *user_id,
                                                    GError            **error);
gboolean           sesame_tenant_delete_passkey    (SesameStore        *store,
                                                    const SesameTenant *tenant,
                                                    const SesameCaller *caller,
                                                    const char         *user_id,
                                                    const char         *passkey_id,
                                                    GError            **error);

/* Reads an error: TRUE when it is SESAME_STORE_ERROR_NOT_FOUND. */
gboolean           sesame_store_error_is_not_found (const GError *error);

G_END_DECLS
