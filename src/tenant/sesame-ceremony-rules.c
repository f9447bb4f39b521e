/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-ceremony-rules.h"
#include "sesame-tenant-private.h"
#include "sesame-tenant-settings.h"

#include "sesame-base64.h"
#include "sesame-cbor.h"

#include <string.h>

/* Event details. A NULL string leaves its member out. */
static void
add_string (JsonBuilder *builder,
            const char  *member,
            const char  *value)
{
  if (!value)
    return;
  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, value);
}

static void
add_int (JsonBuilder *builder,
         const char  *member,
         gint64       value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_int_value (builder, value);
}

static void
add_boolean (JsonBuilder *builder,
             const char  *member,
             gboolean     value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_boolean_value (builder, value);
}

void
sesame_registration_options_free (SesameRegistrationOptions *options)
{
  if (!options)
    return;
  sesame_challenge_free (options->challenge);
  sesame_user_free (options->user);
  g_clear_pointer (&options->passkeys, g_ptr_array_unref);
  g_free (options);
}

void
sesame_authentication_options_free (SesameAuthenticationOptions *options)
{
  if (!options)
    return;
  sesame_challenge_free (options->challenge);
  g_clear_pointer (&options->passkeys, g_ptr_array_unref);
  g_free (options->action_code);
  g_free (options);
}

void
sesame_ceremony_result_free (SesameCeremonyResult *result)
{
  if (!result)
    return;
  sesame_action_free (result->action);
  sesame_passkey_free (result->passkey);
  sesame_user_free (result->user);
  g_free (result);
}

GBytes *
sesame_tenant_user_handle (const SesameTenant *tenant,
                           const char         *user_id)
{
  static const char label[] = "sesame user handle";
  g_autoptr(GHmac) hmac = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  const guint8 *key;
  gsize key_len;

  g_return_val_if_fail (tenant && tenant->token_key && user_id, NULL);

  key = g_bytes_get_data (tenant->token_key, &key_len);
  hmac = g_hmac_new (G_CHECKSUM_SHA256, key, key_len);
  /* The label, NUL included, keeps these MACs apart from the token
   * signatures made with the same key. */
  g_hmac_update (hmac, (const guchar *) label, sizeof label);
  g_hmac_update (hmac, (const guchar *) user_id, strlen (user_id));
  g_hmac_get_digest (hmac, digest, &digest_len);
  return g_bytes_new (digest, digest_len);
}

void
sesame_tenant_verify_options (SesameVerifyOptions   *options,
                              const SesameTenant    *tenant,
                              const SesameChallenge *challenge,
                              const char           **rp_ids)
{
  SesameUserVerification uv = SESAME_USER_VERIFICATION_PREFERRED;

  sesame_verify_options_init (options);
  rp_ids[0] = tenant->rp_id;
  rp_ids[1] = NULL;
  /* The schema admits only the three values; anything else is not "required". */
  sesame_user_verification_from_string (tenant->user_verification, &uv);
  options->challenge = challenge->bytes;
  options->origins = (const char * const *) tenant->expected_origins;
  options->rp_ids = rp_ids;
  options->require_user_verification = uv == SESAME_USER_VERIFICATION_REQUIRED;
  options->allowed_algorithms = tenant->allowed_algorithms;
  options->n_allowed_algorithms = tenant->n_allowed_algorithms;
  /* Attestation "none" and "direct" both accept any format: the format,
   * its type and whether it chained to an anchor are recorded instead. */
  options->allowed_formats = NULL;
}

/* Challenges */

/* A sign-in that starts without a tracked action has no action row until
 * the credential names its user, so its challenge id carries the action
 * code: "<uuid>.<code>". Action codes cannot hold a '.'; the id is looked
 * up in the store like any other, so a client cannot forge one. */
static char *
anonymous_challenge_id (const char  *action_code,
                        GError     **error)
{
  g_autofree char *uuid = sesame_random_uuid ();

  if (!uuid)
    {
      sesame_refuse (error, SESAME_RULE_ERROR_INTERNAL,
                                   "The system's random number generator failed");
      return NULL;
    }
  return g_strdup_printf ("%s.%s", uuid, action_code);
}

static const char *
anonymous_action_code (const SesameChallenge *challenge)
{
  const char *dot = strrchr (challenge->id, '.');

  return dot && dot[1] ? dot + 1 : SESAME_DEFAULT_SIGN_IN_ACTION;
}

/* Consumes the challenge (the store marks it used and checks tenant,
 * expiry and reuse in one step), then its ceremony type: a challenge of
 * the other ceremony is used up by the attempt. */
static SesameChallenge *
check_challenge (SesameChallenge      *found,
                 GError               *local_error,
                 const char           *challenge_id,
                 SesameChallengeType   type,
                 gboolean              consumed,
                 GError              **error)
{
  g_autoptr(SesameChallenge) challenge = found;

  if (!challenge)
    {
      if (g_error_matches (local_error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND))
        sesame_refuse (error, SESAME_RULE_ERROR_CHALLENGE_NOT_FOUND,
                       "This tenant has no challenge “%s”; ask for new options", challenge_id);
      else if (g_error_matches (local_error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_ALREADY_USED))
        sesame_refuse (error, SESAME_RULE_ERROR_CHALLENGE_REPLAYED,
                       "Challenge “%s” was already used: a challenge is good for one attempt; ask "
                       "for new options", challenge_id);
      else if (g_error_matches (local_error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_EXPIRED))
        sesame_refuse (error, SESAME_RULE_ERROR_CHALLENGE_EXPIRED,
                       "%s; ask for new options", local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      g_clear_error (&local_error);
      return NULL;
    }
  if (challenge->type != type)
    {
      sesame_refuse (error, SESAME_RULE_ERROR_CHALLENGE_NOT_FOUND,
                     "Challenge “%s” is for a %s, not a %s (%s)", challenge_id,
                     sesame_challenge_type_to_string (challenge->type),
                     sesame_challenge_type_to_string (type),
                     consumed ? "it is used up now" : "the attempt uses it up");
      return NULL;
    }
  return g_steal_pointer (&challenge);
}

/* @consume FALSE: the same checks before the request's transaction, which
 * consumes it; nothing is written yet. */
static SesameChallenge *
take_challenge (SesameStore          *store,
                const SesameTenant   *tenant,
                const char           *challenge_id,
                SesameChallengeType   type,
                gboolean              consume,
                GError              **error)
{
  GError *local_error = NULL;
  SesameChallenge *challenge;

  if (consume)
    challenge = sesame_store_consume_challenge (store, tenant->id, challenge_id, &local_error);
  else
    challenge = sesame_store_get_challenge (store, tenant->id, challenge_id, &local_error);
  return check_challenge (challenge, local_error, challenge_id, type, consume, error);
}

/* Issuing challenges */

typedef struct
{
  const SesameCaller *caller;
  SesameChallenge    *challenge;
  const char         *kind;
  const char         *reason;
  /* Registration options save the user's names first. */
  gboolean            save_user;
  const char         *username;
  const char         *display_name;
  SesameUser         *user;          /* out */
} IssueData;

static gboolean
issue_in_transaction (SesameStore *store,
                      gpointer     user_data,
                      GError     **error)
{
  IssueData *data = user_data;
  SesameChallenge *challenge = data->challenge;
  g_autoptr(JsonBuilder) details = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  if (data->save_user)
    {
      data->user = sesame_store_upsert_user (store, challenge->tenant_id, challenge->user_id,
                                             data->username, data->display_name, error);
      if (!data->user)
        return FALSE;
    }
  if (!sesame_store_create_challenge (store, challenge, error))
    return FALSE;

  /* The challenge bytes are a secret of the ceremony: only its id is logged. */
  json_builder_begin_object (details);
  add_string (details, "challengeId", challenge->id);
  add_string (details, "ceremony", sesame_challenge_type_to_string (challenge->type));
  add_int (details, "expiresInSeconds",
           (challenge->expires - challenge->created) / G_USEC_PER_SEC);
  json_builder_end_object (details);
  root = json_builder_get_root (details);
  return sesame_tenant_record_event (store, challenge->tenant_id, data->caller,
                                     challenge->action_key, challenge->user_id, data->kind,
                                     "success", data->reason, root, error);
}

static gboolean
issue_challenge (SesameStore        *store,
                 const SesameCaller *caller,
                 SesameChallenge    *challenge,
                 const char         *kind,
                 const char         *action_code,
                 GError            **error)
{
  g_autofree char *reason = NULL;
  IssueData data = { 0 };

  if (g_str_equal (kind, "challenge"))
    reason = g_strdup_printf ("Sign-in challenge for action %s", action_code);
  else if (g_str_equal (kind, "registration-options"))
    reason = g_strdup_printf ("Registration options for action %s", action_code);
  else
    reason = g_strdup_printf ("Authentication options for action %s", action_code);
  data.caller = caller;
  data.challenge = challenge;
  data.kind = kind;
  data.reason = reason;
  return sesame_store_run_in_transaction (store, issue_in_transaction, &data, error);
}

static SesameChallenge *
challenge_new (const SesameTenant  *tenant,
               SesameChallengeType  type,
               const SesameAction  *action)
{
  SesameChallenge *challenge = g_new0 (SesameChallenge, 1);

  challenge->tenant_id = g_strdup (tenant->id);
  challenge->type = type;
  if (action)
    {
      challenge->action_key = g_strdup (action->idempotency_key);
      challenge->user_id = g_strdup (action->user_id);
    }
  return challenge;
}

SesameChallenge *
sesame_tenant_begin_sign_in (SesameStore             *store,
                             const SesameTenant      *tenant,
                             const SesameCaller      *caller,
                             const SesameTokenClaims *claims,
                             const char              *action_code,
                             const char              *idempotency_key,
                             GError                 **error)
{
  g_autoptr(SesameAction) action = NULL;
  g_autoptr(SesameChallenge) challenge = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (store), NULL);
  g_return_val_if_fail (tenant != NULL, NULL);

  if (!sesame_tenant_check_passkeys_set_up (tenant, error) ||
      !sesame_tenant_check_action_code (action_code, error))
    return NULL;

  /* With a token, or (newer SDKs) with the idempotency key of an action the
   * backend tracked, the sign-in is bound to that action and its user. */
  if (claims)
    action = sesame_tenant_load_token_action (store, tenant, claims, error);
  else if (idempotency_key)
    action = sesame_store_get_action (store, tenant->id, idempotency_key, error);
  if (claims || idempotency_key)
    {
      if (!action)
        return NULL;
      if (!g_str_equal (action->action_code, action_code))
        {
          sesame_refuse (error, SESAME_RULE_ERROR_INVALID_INPUT, "The action is “%s”, not “%s”",
                         action->action_code, action_code);
          return NULL;
        }
      if (!sesame_action_check_open (action, error))
        return NULL;
    }

  challenge = challenge_new (tenant, SESAME_CHALLENGE_AUTHENTICATION, action);
  if (!action && !(challenge->id = anonymous_challenge_id (action_code, error)))
    return NULL;
  if (!issue_challenge (store, caller, challenge, "challenge", action_code, error))
    return NULL;
  return g_steal_pointer (&challenge);
}

SesameRegistrationOptions *
sesame_tenant_begin_registration (SesameStore             *store,
                                  const SesameTenant      *tenant,
                                  const SesameCaller      *caller,
                                  const SesameTokenClaims *claims,
                                  const char              *username,
                                  const char              *display_name,
                                  SesameAttachment         attachment,
                                  GError                 **error)
{
  g_autoptr(SesameRegistrationOptions) options = g_new0 (SesameRegistrationOptions, 1);
  g_autoptr(SesameAction) action = NULL;
  g_autofree char *reason = NULL;
  SesameAttachment policy;
  IssueData data = { 0 };

  g_return_val_if_fail (SESAME_IS_STORE (store), NULL);
  g_return_val_if_fail (tenant && claims, NULL);

  if (!sesame_tenant_check_passkeys_set_up (tenant, error))
    return NULL;
  if ((username && !sesame_tenant_check_identifier (username, "username", SESAME_ID_MAX_LEN,
                                                    error)) ||
      (display_name && !sesame_tenant_check_identifier (display_name, "display name",
                                                        SESAME_ID_MAX_LEN, error)))
    return NULL;
  /* The tenant's policy, when it has one, wins over the page's wish. */
  options->attachment = attachment;
  if (sesame_attachment_from_string (tenant->authenticator_attachment, &policy) &&
      policy != SESAME_ATTACHMENT_ANY)
    options->attachment = policy;

  action = sesame_tenant_load_token_action (store, tenant, claims, error);
  if (!action || !sesame_action_check_open (action, error))
    return NULL;
  options->passkeys = sesame_store_list_passkeys (store, tenant->id, action->user_id, error);
  if (!options->passkeys || !sesame_scope_check_add_passkey (claims, options->passkeys->len,
                                                             error))
    return NULL;

  options->challenge = challenge_new (tenant, SESAME_CHALLENGE_REGISTRATION, action);
  reason = g_strdup_printf ("Registration options for action %s", action->action_code);
  data.caller = caller;
  data.challenge = options->challenge;
  data.kind = "registration-options";
  data.reason = reason;
  data.save_user = TRUE;
  data.username = username;
  data.display_name = display_name;
  if (!sesame_store_run_in_transaction (store, issue_in_transaction, &data, error))
    {
      g_clear_pointer (&data.user, sesame_user_free);
      return NULL;
    }
  options->user = data.user;
  return g_steal_pointer (&options);
}

static SesameAuthenticationOptions *
begin_authentication (SesameStore             *store,
                      const SesameTenant      *tenant,
                      const SesameCaller      *caller,
                      const SesameTokenClaims *claims,
                      const char              *previous_challenge_id,
                      const char              *username,
                      GError                 **error)
{
  g_autoptr(SesameAuthenticationOptions) options = g_new0 (SesameAuthenticationOptions, 1);
  g_autoptr(SesameAction) action = NULL;
  g_autoptr(SesameChallenge) previous = NULL;
  const char *code = SESAME_DEFAULT_SIGN_IN_ACTION;

  if (!sesame_tenant_check_passkeys_set_up (tenant, error))
    return NULL;
  if (claims)
    {
      action = sesame_tenant_load_token_action (store, tenant, claims, error);
      if (!action || !sesame_action_check_open (action, error))
        return NULL;
    }

  /* The challenge from sesame_tenant_begin_sign_in() names the action;
   * these options get a fresh challenge that inherits its binding. */
  if (previous_challenge_id)
    {
      previous = take_challenge (store, tenant, previous_challenge_id,
                                 SESAME_CHALLENGE_AUTHENTICATION, TRUE, error);
      if (!previous)
        return NULL;
      if (action && g_strcmp0 (previous->action_key, action->idempotency_key) != 0)
        {
          sesame_refuse (error, SESAME_RULE_ERROR_CHALLENGE_NOT_FOUND,
                         "Challenge “%s” was issued for another action than this token's (it is "
                         "used up now)", previous_challenge_id);
          return NULL;
        }
      if (!action && previous->action_key)
        {
          action = sesame_store_get_action (store, tenant->id, previous->action_key, error);
          if (!action || !sesame_action_check_open (action, error))
            return NULL;
        }
      if (!action)
        code = anonymous_action_code (previous);
    }

  options->challenge = challenge_new (tenant, SESAME_CHALLENGE_AUTHENTICATION, action);
  if (action)
    {
      code = action->action_code;
      options->passkeys = sesame_store_list_passkeys (store, tenant->id, action->user_id, error);
      if (!options->passkeys)
        return NULL;
    }
  else
    {
      if (!(options->challenge->id = anonymous_challenge_id (code, error)))
        return NULL;
      /* The docs' optional username narrows allowCredentials (the SDKs
       * never send it); the sign-in stays open to any passkey. */
      if (username && *username)
        {
          g_autoptr(SesameUser) named = sesame_store_find_user_by_username (store, tenant->id,
                                                                          username, NULL);
          if (named)
            {
              options->passkeys = sesame_store_list_passkeys (store, tenant->id, named->user_id,
                                                              error);
              if (!options->passkeys)
                return NULL;
            }
        }
    }

  /* @code may point into @action or @previous, which go away here. */
  options->action_code = g_strdup (code);
  if (!issue_challenge (store, caller, options->challenge, "authentication-options",
                        options->action_code, error))
    return NULL;
  return g_steal_pointer (&options);
}

typedef struct
{
  const SesameTenant          *tenant;
  const SesameCaller          *caller;
  const SesameTokenClaims     *claims;
  const char                  *previous_challenge_id;
  const char                  *username;
  SesameAuthenticationOptions *options;   /* out */
  GError                      *refusal;   /* out: committed all the same */
} BeginAuthenticationData;

/* The previous challenge is consumed and the new one issued in one
 * transaction; a refusal after the consumption commits it, so that the
 * previous challenge stays used up. */
static gboolean
begin_authentication_in_transaction (SesameStore *store,
                                     gpointer     user_data,
                                     GError     **error)
{
  BeginAuthenticationData *data = user_data;
  g_autoptr(GError) local_error = NULL;

  data->options = begin_authentication (store, data->tenant, data->caller, data->claims,
                                        data->previous_challenge_id, data->username,
                                        &local_error);
  if (data->options)
    return TRUE;
  if (local_error->domain == SESAME_RULE_ERROR)
    {
      data->refusal = g_steal_pointer (&local_error);
      return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

SesameAuthenticationOptions *
sesame_tenant_begin_authentication (SesameStore             *store,
                                    const SesameTenant      *tenant,
                                    const SesameCaller      *caller,
                                    const SesameTokenClaims *claims,
                                    const char              *previous_challenge_id,
                                    const char              *username,
                                    GError                 **error)
{
  BeginAuthenticationData data = { tenant, caller, claims, previous_challenge_id, username };

  g_return_val_if_fail (SESAME_IS_STORE (store), NULL);
  g_return_val_if_fail (tenant != NULL, NULL);

  /* Without a previous challenge the only write is the new challenge's
   * own transaction. */
  if (!previous_challenge_id)
    return begin_authentication (store, tenant, caller, claims, NULL, username, error);
  if (!sesame_store_run_in_transaction (store, begin_authentication_in_transaction, &data, error))
    return NULL;
  if (data.refusal)
    {
      g_propagate_error (error, data.refusal);
      return NULL;
    }
  return data.options;
}

/* The refusal goes out all the same; only its record is missing. A full or
 * read-only disk is the machine's state, not a fault of ours, and the
 * reply already says so to whoever retries. */
static void
log_unrecorded (const char   *kind,
                const char   *what,
                const GError *error)
{
  if (sesame_store_error_is_unavailable (error))
    g_debug ("Cannot record the %s %s: %s", what, kind, error->message);
  else
    g_warning ("Cannot record the %s %s: %s", what, kind, error->message);
}

/* Finishing: one transaction for the whole attempt
 *
 * Everything that only reads (decoding, the token's action, the passkey,
 * a look at the challenge, the signature) happens before; then one write
 * transaction consumes the challenge, writes what the verdict calls for
 * (the ceremony's result, a failed action, or nothing) and the event, and
 * commits them together. The transaction holds the write lock from its
 * start (BEGIN IMMEDIATE), so nothing it reads can be changed under it:
 * a challenge that a concurrent attempt consumed meanwhile turns this one
 * into a replay, and the result's own rechecks (sign count, open action,
 * first passkey) are compare-and-set. */

typedef enum
{
  VERDICT_ACCEPT,
  VERDICT_REFUSE,   /* logged; says nothing about the credential */
  VERDICT_FAIL,     /* logged, and the action fails */
} Verdict;

typedef struct
{
  const SesameTenant         *tenant;
  const SesameCaller         *caller;
  const char                 *kind;             /* "registration", "authentication" */
  const char                 *challenge_id;
  SesameChallengeType         type;
  gboolean                    consume;          /* FALSE: refused before the challenge counts */
  GBytes                     *credential_id;

  Verdict                     verdict;
  GError                     *failure;          /* why, unless accepted */
  SesameStoreTransactionFunc  accept;           /* what an accepted attempt writes */
  gpointer                    accept_data;

  /* Whom the record is about. */
  const char                 *refuse_action_key;
  const char                 *fail_action_key;  /* the action to fail; NULL: fail_new_action */
  SesameAction               *fail_new_action;  /* created as CHALLENGE_FAILED; NULL: none */
  const char                 *user_id;
  guint32                     sign_count;       /* the assertion's, for a late regression */
} FinishData;

static void
finish_data_clear (FinishData *data)
{
  g_clear_error (&data->failure);
}

static void
set_verdict (FinishData *data,
             Verdict     verdict,
             GError     *failure)
{
  data->verdict = verdict;
  g_clear_error (&data->failure);
  data->failure = failure;
}

static JsonNode *
failure_details (const GError *failure,
                 const char   *challenge_id,
                 GBytes       *credential_id)
{
  g_autoptr(JsonBuilder) details = json_builder_new ();

  json_builder_begin_object (details);
  if (failure->domain == SESAME_WEBAUTHN_ERROR)
    {
      add_string (details, "webauthnError", sesame_webauthn_error_to_string (failure->code));
    }
  else if (failure->domain == SESAME_RULE_ERROR)
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (SESAME_TYPE_RULE_ERROR);
      GEnumValue *value = g_enum_get_value (klass, failure->code);

      if (value)
        {
          add_string (details, "refusal", value->value_nick);
        }
    }
  add_string (details, "challengeId", challenge_id);
  if (credential_id)
    {
      g_autofree char *id = sesame_base64url_encode_bytes (credential_id);

      add_string (details, "credentialId", id);
    }
  json_builder_end_object (details);
  return json_builder_get_root (details);
}

/* A failed ceremony's action follows sesame_action_state_after_ceremony()
 * (an open sign-in of a known passkey gets a new action for its owner). An
 * action deleted since it was read is not there to fail. */
static gboolean
fail_action (SesameStore  *store,
             FinishData   *data,
             const char  **action_key,
             GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SesameAction) action = NULL;
  SesameActionState state, next;

  *action_key = data->fail_action_key;
  if (!*action_key)
    {
      if (!data->fail_new_action)
        return TRUE;
      if (!sesame_store_create_action (store, data->fail_new_action, error))
        return FALSE;
      *action_key = data->fail_new_action->idempotency_key;
      return TRUE;
    }

  action = sesame_store_get_action (store, data->tenant->id, *action_key, &local_error);
  if (!action)
    {
      if (sesame_store_error_is_not_found (local_error))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  state = sesame_action_get_state (action);
  next = sesame_action_state_after_ceremony (state, FALSE);
  if (next != state)
    {
      g_autoptr(SesameAction) updated = NULL;

      updated = sesame_store_update_action (store, data->tenant->id, *action_key,
                                            sesame_action_state_to_string (next), NULL, NULL,
                                            error);
      if (!updated)
        return FALSE;
    }
  return TRUE;
}

static gboolean
finish_in_transaction (SesameStore *store,
                       gpointer     user_data,
                       GError     **error)
{
  FinishData *data = user_data;
  g_autoptr(SesameChallenge) challenge = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) details = NULL;
  const char *action_key;

  if (data->consume)
    {
      challenge = take_challenge (store, data->tenant, data->challenge_id, data->type, TRUE,
                                  &local_error);
      if (!challenge)
        {
          if (local_error->domain != SESAME_RULE_ERROR)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          /* Unusable when it was looked at, or consumed since by a
           * concurrent attempt: either way this attempt is a refusal. */
          set_verdict (data, VERDICT_REFUSE, g_steal_pointer (&local_error));
        }
    }

  if (data->verdict == VERDICT_ACCEPT)
    {
      /* A savepoint: a recheck that fails leaves only the challenge and
       * the record below. */
      if (sesame_store_run_in_transaction (store, data->accept, data->accept_data, &local_error))
        return TRUE;
      if (g_error_matches (local_error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_STALE))
        {
          /* Another attempt had this count or a higher one accepted after
           * the passkey was read: the verdict the verifier gives a
           * regression it sees itself. */
          set_verdict (data, VERDICT_FAIL,
                       g_error_new (SESAME_WEBAUTHN_ERROR,
                                    SESAME_WEBAUTHN_ERROR_SIGN_COUNT_REGRESSION,
                                    "sign count %u is not greater than the one stored meanwhile: "
                                    "the authenticator may have been cloned", data->sign_count));
          g_clear_error (&local_error);
        }
      else if (local_error->domain == SESAME_RULE_ERROR)
        set_verdict (data, VERDICT_REFUSE, g_steal_pointer (&local_error));
      else if (local_error->domain == SESAME_STORE_ERROR &&
               (local_error->code == SESAME_STORE_ERROR_IO ||
                sesame_store_error_is_unavailable (local_error)))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      else
        set_verdict (data, VERDICT_FAIL, g_steal_pointer (&local_error));
    }

  details = failure_details (data->failure, data->challenge_id, data->credential_id);
  action_key = data->refuse_action_key;
  if (data->verdict == VERDICT_FAIL && !fail_action (store, data, &action_key, error))
    return FALSE;
  return sesame_tenant_record_event (store, data->tenant->id, data->caller, action_key,
                                     data->user_id, data->kind, "failure",
                                     data->failure->message, details, error);
}

/* Runs the attempt's transaction. TRUE when it was accepted; otherwise the
 * refusal or failure goes to @error (with *judged TRUE), or an internal
 * error that changed nothing. A record that could not be written (a full
 * disk) does not change the verdict. */
static gboolean
finish_attempt (SesameStore  *store,
                FinishData   *data,
                gboolean     *judged,
                GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean ok = sesame_store_run_in_transaction (store, finish_in_transaction, data,
                                                 &local_error);

  if (ok && data->verdict == VERDICT_ACCEPT)
    return TRUE;
  if (!ok && data->verdict == VERDICT_ACCEPT)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!ok)
    log_unrecorded (data->kind, data->verdict == VERDICT_FAIL ? "failed" : "refused",
                    local_error);
  *judged = TRUE;
  g_propagate_error (error, g_steal_pointer (&data->failure));
  return FALSE;
}

/* The state a ceremony leaves its action in when it succeeds, as stored. */
static const char *
succeeded_state (void)
{
  return sesame_action_state_to_string (sesame_action_state_after_ceremony (
    SESAME_ACTION_STATE_CHALLENGE_REQUIRED, TRUE));
}

/* Decoding before the challenge */

/* The parts of a registration response that can be decoded without the
 * challenge: malformed ones are refused before it is consumed. Returns the
 * authenticator data, which names the new credential. */
static SesameAuthenticatorData *
precheck_registration (const SesameCredentialJson  *credential,
                       GError                     **error)
{
  g_autoptr(SesameClientData) client_data = NULL;
  g_autoptr(SesameAuthenticatorData) auth_data = NULL;
  g_autoptr(cbor_item_t) object = NULL;
  cbor_item_t *auth_item;
  const guint8 *data;
  gsize len;

  data = g_bytes_get_data (credential->client_data_json, &len);
  client_data = sesame_client_data_parse (data, len, error);
  if (!client_data)
    return NULL;

  data = g_bytes_get_data (credential->attestation_object, &len);
  object = sesame_cbor_load (data, len, NULL, "attestation object", error);
  if (!object)
    return NULL;
  auth_item = cbor_isa_map (object) ? sesame_cbor_map_get_str (object, "authData") : NULL;
  if (!sesame_cbor_is_bytes (auth_item))
    {
      g_set_error_literal (error, SESAME_WEBAUTHN_ERROR,
                           SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_OBJECT,
                           "attestation object needs a map with authData (bytes)");
      return NULL;
    }
  auth_data = sesame_authenticator_data_parse (cbor_bytestring_handle (auth_item),
                                               cbor_bytestring_length (auth_item), error);
  if (!auth_data)
    return NULL;
  if (!auth_data->has_attested_data)
    {
      g_set_error_literal (error, SESAME_WEBAUTHN_ERROR,
                           SESAME_WEBAUTHN_ERROR_ATTESTED_DATA_MISSING,
                           "authenticator data of a registration must carry the new credential "
                           "(AT flag not set)");
      return NULL;
    }
  return g_steal_pointer (&auth_data);
}

static gboolean
precheck_authentication (const SesameCredentialJson  *credential,
                         GError                     **error)
{
  g_autoptr(SesameClientData) client_data = NULL;
  g_autoptr(SesameAuthenticatorData) auth_data = NULL;
  const guint8 *data;
  gsize len;

  data = g_bytes_get_data (credential->client_data_json, &len);
  client_data = sesame_client_data_parse (data, len, error);
  if (!client_data)
    return FALSE;
  data = g_bytes_get_data (credential->authenticator_data, &len);
  auth_data = sesame_authenticator_data_parse (data, len, error);
  return auth_data != NULL;
}

/* The checks made before the signature was verified, made again inside the
 * request's transaction. That transaction holds the database's write lock
 * (BEGIN IMMEDIATE) from its first statement, so what it reads cannot
 * change before it commits: another thread or another process on the same
 * file may have finished the same action in between, and two requests that
 * both passed the first check would otherwise both write. */
static gboolean
recheck_action_open (SesameStore *store,
                     const char  *tenant_id,
                     const char  *action_key,
                     GError     **error)
{
  g_autoptr(SesameAction) action = sesame_store_get_action (store, tenant_id, action_key, error);

  return action && sesame_action_check_open (action, error);
}

/* Finishing a registration */

typedef struct
{
  const SesameTenant      *tenant;
  const SesameCaller      *caller;
  const SesameTokenClaims *claims;
  const char              *action_key;
  SesamePasskey      *passkey;
  SesameRegistration *registration;
  gboolean            conditional_create;
  SesameAction       *action;       /* out */
} RegisterData;

static gboolean
register_in_transaction (SesameStore *store,
                         gpointer     user_data,
                         GError     **error)
{
  RegisterData *data = user_data;
  SesamePasskey *passkey = data->passkey;
  const SesameAuthenticatorData *auth_data = data->registration->auth_data;
  g_autoptr(JsonBuilder) details = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *credential_id = NULL;
  g_autofree char *reason = NULL;
  g_autoptr(GPtrArray) passkeys = NULL;

  /* Without the "add:authenticators" scope a token adds only a user's
   * first passkey: two registrations with one token at once must not
   * both find the user without one. */
  if (!recheck_action_open (store, passkey->tenant_id, data->action_key, error))
    return FALSE;
  passkeys = sesame_store_list_passkeys (store, passkey->tenant_id, passkey->user_id, error);
  if (!passkeys || !sesame_scope_check_add_passkey (data->claims, passkeys->len, error))
    return FALSE;
  if (!sesame_store_add_passkey (store, passkey, error))
    return FALSE;
  data->action = sesame_store_update_action (store, passkey->tenant_id, data->action_key,
                                             succeeded_state (), "PASSKEY", passkey->id, error);
  if (!data->action)
    return FALSE;

  credential_id = sesame_base64url_encode_bytes (passkey->credential_id);
  json_builder_begin_object (details);
  add_string (details, "userAuthenticatorId", passkey->id);
  add_string (details, "credentialId", credential_id);
  add_string (details, "aaguid", passkey->aaguid);
  add_int (details, "alg", passkey->alg);
  add_string (details, "attestationFormat", passkey->attestation_format);
  add_string (details, "attestationType", passkey->attestation_type);
  add_boolean (details, "attestationTrusted", passkey->attestation_trusted);
  add_boolean (details, "userPresent", (auth_data->flags & SESAME_AUTH_DATA_FLAG_UP) != 0);
  add_boolean (details, "userVerified", (auth_data->flags & SESAME_AUTH_DATA_FLAG_UV) != 0);
  add_boolean (details, "conditionalCreate", data->conditional_create);
  add_boolean (details, "backupEligible", passkey->backup_eligible);
  add_boolean (details, "backedUp", passkey->backed_up);
  add_string (details, "clientOrigin", data->registration->client_data->origin);
  json_builder_end_object (details);
  root = json_builder_get_root (details);
  reason = g_strdup_printf ("Passkey registered (%s, %s attestation%s)",
                            sesame_cose_algorithm_to_string (passkey->alg),
                            passkey->attestation_format,
                            data->conditional_create ? ", conditional create" : "");
  return sesame_tenant_record_event (store, passkey->tenant_id, data->caller,
                                     data->action->idempotency_key, passkey->user_id,
                                     "registration", "success", reason, root, error);
}

static gboolean
aaguid_is_zero (const guint8 aaguid[16])
{
  for (int i = 0; i < 16; i++)
    if (aaguid[i])
      return FALSE;
  return TRUE;
}

static SesamePasskey *
passkey_new (const SesameTenant         *tenant,
             const char                 *user_id,
             const SesameRegistration   *registration,
             const SesameCredentialJson *credential,
             const SesameCaller         *caller)
{
  const SesameAuthenticatorData *auth_data = registration->auth_data;
  SesamePasskey *passkey = g_new0 (SesamePasskey, 1);

  passkey->tenant_id = g_strdup (tenant->id);
  passkey->user_id = g_strdup (user_id);
  passkey->credential_id = g_bytes_ref (auth_data->credential_id);
  passkey->public_key = g_bytes_ref (sesame_cose_key_get_encoded (auth_data->public_key));
  passkey->alg = sesame_cose_key_get_algorithm (auth_data->public_key);
  passkey->sign_count = auth_data->sign_count;
  if (!aaguid_is_zero (auth_data->aaguid))
    passkey->aaguid = sesame_aaguid_to_string (auth_data->aaguid);
  passkey->transports = g_strdupv (credential->transports);
  passkey->backup_eligible = (auth_data->flags & SESAME_AUTH_DATA_FLAG_BE) != 0;
  passkey->backed_up = (auth_data->flags & SESAME_AUTH_DATA_FLAG_BS) != 0;
  passkey->attestation_format = g_strdup (registration->fmt);
  passkey->attestation_type =
    g_strdup (sesame_attestation_type_to_string (registration->attestation_type));
  passkey->attestation_trusted = registration->trust_anchored;
  passkey->user_agent = g_strdup (caller ? caller->user_agent : NULL);
  return passkey;
}

SesameCeremonyResult *
sesame_tenant_finish_registration (SesameStore                *store,
                                   const SesameTenant         *tenant,
                                   const SesameCaller         *caller,
                                   const SesameTokenClaims    *claims,
                                   const char                 *challenge_id,
                                   const SesameCredentialJson *credential,
                                   gboolean                    conditional_create,
                                   gboolean                   *judged,
                                   GError                    **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SesameAuthenticatorData) auth_data = NULL;
  g_autoptr(SesameAction) action = NULL;
  g_autoptr(GPtrArray) passkeys = NULL;
  g_autoptr(SesamePasskey) existing = NULL;
  g_autoptr(SesameChallenge) challenge = NULL;
  g_autoptr(SesameRegistration) registration = NULL;
  g_autoptr(SesameCeremonyResult) result = NULL;
  SesameVerifyOptions options;
  const char *rp_ids[2];
  RegisterData data = { 0 };
  FinishData finish = { 0 };

  g_return_val_if_fail (SESAME_IS_STORE (store), NULL);
  g_return_val_if_fail (tenant && claims && challenge_id && credential && judged, NULL);

  /* Everything that can be checked without the challenge, first. */
  *judged = FALSE;
  if (!sesame_tenant_check_passkeys_set_up (tenant, error))
    return NULL;
  auth_data = precheck_registration (credential, error);
  if (!auth_data)
    return NULL;
  action = sesame_tenant_load_token_action (store, tenant, claims, error);
  if (!action)
    return NULL;

  finish.tenant = tenant;
  finish.caller = caller;
  finish.kind = "registration";
  finish.challenge_id = challenge_id;
  finish.type = SESAME_CHALLENGE_REGISTRATION;
  finish.consume = TRUE;
  finish.credential_id = auth_data->credential_id;
  finish.refuse_action_key = action->idempotency_key;
  finish.fail_action_key = action->idempotency_key;
  finish.user_id = action->user_id;

  /* The challenge next, so that a replay is reported as one whatever else
   * changed since; a refused challenge changes nothing but the log. The
   * transaction uses the challenge up, whatever the verdict below. */
  challenge = take_challenge (store, tenant, challenge_id, SESAME_CHALLENGE_REGISTRATION,
                              FALSE, &local_error);
  if (!challenge)
    {
      if (local_error->domain != SESAME_RULE_ERROR)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      set_verdict (&finish, VERDICT_REFUSE, g_steal_pointer (&local_error));
      goto record;
    }

  if (g_strcmp0 (challenge->action_key, action->idempotency_key) != 0 ||
      g_strcmp0 (challenge->user_id, action->user_id) != 0)
    {
      sesame_refuse (&local_error, SESAME_RULE_ERROR_CHALLENGE_NOT_FOUND,
                     "Challenge “%s” was issued for another action (it is used up now)",
                     challenge_id);
      set_verdict (&finish, VERDICT_REFUSE, g_steal_pointer (&local_error));
      goto record;
    }
  if (!sesame_action_check_open (action, &local_error))
    {
      set_verdict (&finish, VERDICT_REFUSE, g_steal_pointer (&local_error));
      goto record;
    }
  passkeys = sesame_store_list_passkeys (store, tenant->id, action->user_id, error);
  if (!passkeys)
    return NULL;
  if (!sesame_scope_check_add_passkey (claims, passkeys->len, &local_error))
    {
      set_verdict (&finish, VERDICT_REFUSE, g_steal_pointer (&local_error));
      goto record;
    }
  existing = sesame_store_find_passkey (store, tenant->id, auth_data->credential_id, NULL);
  if (existing)
    {
      sesame_refuse (&local_error, SESAME_RULE_ERROR_ALREADY_REGISTERED,
                     "This passkey is already registered%s",
                     g_str_equal (existing->user_id, action->user_id) ? " for this user" : "");
      set_verdict (&finish, VERDICT_FAIL, g_steal_pointer (&local_error));
      goto record;
    }

  /* WebAuthn L3 §7.1 step 14: user presence is verified unless the page
   * asked for a conditional create, which the browser makes silently. */
  sesame_tenant_verify_options (&options, tenant, challenge, rp_ids);
  options.require_user_presence = !conditional_create;
  registration = sesame_verify_registration_json (&options, credential, &local_error);
  if (!registration)
    {
      set_verdict (&finish, VERDICT_FAIL, g_steal_pointer (&local_error));
      goto record;
    }

  data.tenant = tenant;
  data.caller = caller;
  data.claims = claims;
  data.action_key = action->idempotency_key;
  data.passkey = passkey_new (tenant, action->user_id, registration, credential, caller);
  data.registration = registration;
  data.conditional_create = conditional_create;
  result = g_new0 (SesameCeremonyResult, 1);
  result->passkey = data.passkey;
  finish.verdict = VERDICT_ACCEPT;
  finish.accept = register_in_transaction;
  finish.accept_data = &data;

record:
  if (!finish_attempt (store, &finish, judged, error))
    {
      g_clear_pointer (&data.action, sesame_action_free);
      finish_data_clear (&finish);
      return NULL;
    }
  result->action = data.action;
  result->user = sesame_store_get_user (store, tenant->id, action->user_id, NULL);
  return g_steal_pointer (&result);
}

/* Finishing a sign-in */

typedef struct
{
  const SesameTenant *tenant;
  const SesameCaller *caller;
  SesamePasskey      *passkey;
  SesameAssertion    *assertion;
  const char         *action_key;   /* the bound action; NULL: create new_action */
  SesameAction       *new_action;
  const char         *challenge_id;
  SesameAction       *action;       /* out */
} SignInData;

static gboolean
sign_in_in_transaction (SesameStore *store,
                        gpointer     user_data,
                        GError     **error)
{
  SignInData *data = user_data;
  SesamePasskey *passkey = data->passkey;
  SesameAssertion *assertion = data->assertion;
  g_autoptr(JsonBuilder) details = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *credential_id = NULL;

  if (data->action_key && !recheck_action_open (store, passkey->tenant_id, data->action_key, error))
    return FALSE;
  if (!sesame_store_update_passkey_after_use (store, passkey->tenant_id, passkey->id,
                                              assertion->sign_count, assertion->backed_up, error))
    return FALSE;
  if (data->action_key)
    data->action = sesame_store_update_action (store, passkey->tenant_id, data->action_key,
                                               succeeded_state (), "PASSKEY", passkey->id, error);
  else if (sesame_store_create_action (store, data->new_action, error))
    data->action = sesame_store_get_action (store, passkey->tenant_id,
                                            data->new_action->idempotency_key, error);
  if (!data->action)
    return FALSE;

  credential_id = sesame_base64url_encode_bytes (passkey->credential_id);
  json_builder_begin_object (details);
  add_string (details, "challengeId", data->challenge_id);
  add_string (details, "userAuthenticatorId", passkey->id);
  add_string (details, "credentialId", credential_id);
  add_int (details, "signCount", assertion->sign_count);
  add_int (details, "storedSignCount", passkey->sign_count);
  add_boolean (details, "userVerified", assertion->user_verified);
  add_boolean (details, "backedUp", assertion->backed_up);
  add_boolean (details, "backupStateChanged", assertion->backup_state_changed);
  add_string (details, "clientOrigin", assertion->client_data->origin);
  json_builder_end_object (details);
  root = json_builder_get_root (details);
  return sesame_tenant_record_event (store, passkey->tenant_id, data->caller,
                                     data->action->idempotency_key, passkey->user_id,
                                     "authentication", "success", "Signed in with a passkey",
                                     root, error);
}

static SesameAction *
new_sign_in_action (const SesameTenant    *tenant,
                    const SesamePasskey   *passkey,
                    const SesameChallenge *challenge,
                    SesameActionState      state)
{
  SesameAction *action = g_new0 (SesameAction, 1);

  action->tenant_id = g_strdup (tenant->id);
  action->user_id = g_strdup (passkey->user_id);
  action->action_code = g_strdup (anonymous_action_code (challenge));
  action->state = g_strdup (sesame_action_state_to_string (state));
  if (state == SESAME_ACTION_STATE_CHALLENGE_SUCCEEDED)
    {
      action->verification_method = g_strdup ("PASSKEY");
      action->authenticator_id = g_strdup (passkey->id);
    }
  return action;
}

SesameCeremonyResult *
sesame_tenant_finish_authentication (SesameStore                *store,
                                     const SesameTenant         *tenant,
                                     const SesameCaller         *caller,
                                     const SesameTokenClaims    *claims,
                                     const char                 *challenge_id,
                                     const SesameCredentialJson *credential,
                                     gboolean                   *judged,
                                     GError                    **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SesameAction) token_action = NULL;
  g_autoptr(SesamePasskey) passkey = NULL;
  g_autoptr(SesameChallenge) challenge = NULL;
  g_autoptr(SesameAction) new_action = NULL;
  g_autoptr(SesameCoseKey) public_key = NULL;
  g_autoptr(GBytes) user_handle = NULL;
  g_autoptr(SesameAssertion) assertion = NULL;
  g_autoptr(SesameCeremonyResult) result = NULL;
  SesameStoredCredential stored = { 0 };
  SesameVerifyOptions options;
  const char *rp_ids[2];
  g_autoptr(SesameAction) failed_action = NULL;
  const char *action_key = NULL;
  SignInData data = { 0 };
  FinishData finish = { 0 };

  g_return_val_if_fail (SESAME_IS_STORE (store), NULL);
  g_return_val_if_fail (tenant && challenge_id && credential && judged, NULL);

  *judged = FALSE;
  if (!sesame_tenant_check_passkeys_set_up (tenant, error) ||
      !precheck_authentication (credential, error))
    return NULL;
  if (claims)
    {
      token_action = sesame_tenant_load_token_action (store, tenant, claims, error);
      if (!token_action)
        return NULL;
    }

  finish.tenant = tenant;
  finish.caller = caller;
  finish.kind = "authentication";
  finish.challenge_id = challenge_id;
  finish.type = SESAME_CHALLENGE_AUTHENTICATION;
  finish.credential_id = credential->raw_id;
  finish.refuse_action_key = token_action ? token_action->idempotency_key : NULL;

  /* Only a credential id this tenant has never seen is "unknown": newer
   * SDKs then tell the browser to delete that passkey. The challenge stays
   * usable. */
  passkey = sesame_store_find_passkey (store, tenant->id, credential->raw_id, &local_error);
  if (!passkey)
    {
      if (!sesame_store_error_is_not_found (local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_clear_error (&local_error);
      sesame_refuse (&local_error, SESAME_RULE_ERROR_UNKNOWN_CREDENTIAL,
                     "This tenant has no passkey with credential id %s", credential->id);
      finish.user_id = token_action ? token_action->user_id : NULL;
      set_verdict (&finish, VERDICT_REFUSE, g_steal_pointer (&local_error));
      goto record;
    }
  finish.consume = TRUE;
  finish.user_id = passkey->user_id;

  challenge = take_challenge (store, tenant, challenge_id, SESAME_CHALLENGE_AUTHENTICATION,
                              FALSE, &local_error);
  if (!challenge)
    {
      if (local_error->domain != SESAME_RULE_ERROR)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      set_verdict (&finish, VERDICT_REFUSE, g_steal_pointer (&local_error));
      goto record;
    }

  /* The transaction uses the challenge up whatever happens from here. A
   * failed ceremony fails the action it was for (or, for an open sign-in,
   * a new action of the passkey's owner). */
  action_key = challenge->action_key;
  if (!finish.refuse_action_key)
    finish.refuse_action_key = action_key;
  finish.fail_action_key = action_key;
  if (!action_key)
    {
      failed_action = new_sign_in_action (tenant, passkey, challenge,
                                        SESAME_ACTION_STATE_CHALLENGE_FAILED);
      finish.fail_new_action = failed_action;
    }
  if (token_action && g_strcmp0 (challenge->action_key, token_action->idempotency_key) != 0)
    {
      sesame_refuse (&local_error, SESAME_RULE_ERROR_CHALLENGE_NOT_FOUND,
                     "Challenge “%s” was not issued for this token's action (it is used up now)",
                     challenge_id);
      set_verdict (&finish, VERDICT_REFUSE, g_steal_pointer (&local_error));
      goto record;
    }
  if (action_key)
    {
      g_autoptr(SesameAction) bound = NULL;

      bound = sesame_store_get_action (store, tenant->id, action_key, error);
      if (!bound)
        return NULL;
      if (!sesame_action_check_open (bound, &local_error))
        {
          set_verdict (&finish, VERDICT_REFUSE, g_steal_pointer (&local_error));
          goto record;
        }
    }

  /* A sign-in for a given user (token, tracked action) is completed only by
   * that user's passkey. Another user's passkey proves nothing about the
   * user the action is for, and anyone with the tenant ID can present one:
   * it is logged and refused, but must not fail that user's action. */
  if (challenge->user_id && !g_str_equal (challenge->user_id, passkey->user_id))
    {
      sesame_refuse (&local_error, SESAME_RULE_ERROR_WRONG_USER,
                     "This passkey belongs to another user than the one this sign-in is for");
      set_verdict (&finish, VERDICT_REFUSE, g_steal_pointer (&local_error));
      goto record;
    }

  public_key = sesame_store_get_public_key (store, passkey, &local_error);
  if (!public_key)
    {
      set_verdict (&finish, VERDICT_FAIL, g_steal_pointer (&local_error));
      goto record;
    }
  user_handle = sesame_tenant_user_handle (tenant, passkey->user_id);
  stored.credential_id = passkey->credential_id;
  stored.public_key = public_key;
  stored.sign_count = passkey->sign_count;
  stored.user_handle = user_handle;
  stored.has_backup_flags = TRUE;
  stored.backup_eligible = passkey->backup_eligible;
  stored.backed_up = passkey->backed_up;

  sesame_tenant_verify_options (&options, tenant, challenge, rp_ids);
  assertion = sesame_verify_authentication_json (&options, &stored, credential, &local_error);
  if (!assertion)
    {
      set_verdict (&finish, VERDICT_FAIL, g_steal_pointer (&local_error));
      goto record;
    }

  data.tenant = tenant;
  data.caller = caller;
  data.passkey = passkey;
  data.assertion = assertion;
  data.action_key = action_key;
  data.challenge_id = challenge_id;
  if (!action_key)
    {
      new_action = new_sign_in_action (tenant, passkey, challenge,
                                       SESAME_ACTION_STATE_CHALLENGE_SUCCEEDED);
      data.new_action = new_action;
    }
  finish.verdict = VERDICT_ACCEPT;
  finish.accept = sign_in_in_transaction;
  finish.accept_data = &data;
  finish.sign_count = assertion->sign_count;

record:
  if (!finish_attempt (store, &finish, judged, error))
    {
      g_clear_pointer (&data.action, sesame_action_free);
      finish_data_clear (&finish);
      return NULL;
    }
  result = g_new0 (SesameCeremonyResult, 1);
  result->action = data.action;
  result->user = sesame_store_get_user (store, tenant->id, passkey->user_id, NULL);
  result->passkey = g_steal_pointer (&passkey);
  return g_steal_pointer (&result);
}
