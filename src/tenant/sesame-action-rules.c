/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-action-rules.h"
#include "sesame-tenant-private.h"

#include <string.h>

gboolean
sesame_store_error_is_not_found (const GError *error)
{
  return g_error_matches (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
}

/* Input */

gboolean
sesame_tenant_check_identifier (const char  *value,
                                const char  *what,
                                gsize        max_len,
                                GError     **error)
{
  gsize len = value ? strlen (value) : 0;

  if (len == 0)
    return sesame_refuse (error, SESAME_RULE_ERROR_INVALID_INPUT, "The %s must not be empty", what);
  if (len > max_len)
    return sesame_refuse (error, SESAME_RULE_ERROR_INVALID_INPUT,
                          "The %s is longer than %" G_GSIZE_FORMAT " bytes", what, max_len);
  for (gsize i = 0; i < len; i++)
    if ((guchar) value[i] < 0x20 || value[i] == 0x7f)
      return sesame_refuse (error, SESAME_RULE_ERROR_INVALID_INPUT,
                            "The %s contains a control character", what);
  return TRUE;
}

gboolean
sesame_tenant_check_action_code (const char  *code,
                                 GError     **error)
{
  gsize len = code ? strlen (code) : 0;

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (code[i]) && code[i] != '_' && code[i] != '-')
      {
        len = 0;
        break;
      }
  if (len == 0 || len > SESAME_ACTION_CODE_MAX_LEN)
    return sesame_refuse (error, SESAME_RULE_ERROR_INVALID_INPUT,
                          "An action code is 1 to 64 letters, digits, '_' or '-'");
  return TRUE;
}

static gboolean
check_user_id (const char  *user_id,
               GError     **error)
{
  return sesame_tenant_check_identifier (user_id, "user id", SESAME_ID_MAX_LEN, error);
}

/* Scopes */

char *
sesame_scope_for_track (const char  *requested,
                        GError     **error)
{
  static const char * const known[] = {
    SESAME_SCOPE_READ_AUTHENTICATORS, SESAME_SCOPE_ADD_AUTHENTICATORS,
    "update:authenticators", "remove:authenticators", NULL,
  };
  g_autoptr(GPtrArray) scopes = g_ptr_array_new ();
  g_auto(GStrv) parts = NULL;

  g_ptr_array_add (scopes, (gpointer) SESAME_SCOPE_READ_AUTHENTICATORS);
  parts = g_strsplit (requested ? requested : "", " ", -1);
  for (guint i = 0; parts[i]; i++)
    {
      gboolean seen = FALSE;

      if (!*parts[i])
        continue;
      if (!g_strv_contains (known, parts[i]))
        {
          sesame_refuse (error, SESAME_RULE_ERROR_INVALID_INPUT,
                         "\"scope\" holds “%s”; the scopes are read:authenticators, "
                         "add:authenticators, update:authenticators and remove:authenticators",
                         parts[i]);
          return NULL;
        }
      for (guint j = 0; j < scopes->len; j++)
        seen = seen || g_str_equal (g_ptr_array_index (scopes, j), parts[i]);
      if (!seen)
        g_ptr_array_add (scopes, parts[i]);
    }
  g_ptr_array_add (scopes, NULL);
  return g_strjoinv (" ", (char **) scopes->pdata);
}

/* The tokens returned by a ceremony carry only "read:authenticators", so a
 * sign-in never adds a passkey by itself. */
gboolean
sesame_scope_check_add_passkey (const SesameTokenClaims *claims,
                                guint                    n_passkeys,
                                GError                 **error)
{
  g_return_val_if_fail (claims != NULL, FALSE);

  if (n_passkeys == 0 || sesame_token_claims_has_scope (claims, SESAME_SCOPE_ADD_AUTHENTICATORS))
    return TRUE;
  return sesame_refuse (error, SESAME_RULE_ERROR_SCOPE_MISSING,
                        "User “%s” already has a passkey: adding another needs a token tracked"
                        " with "
                        "scope \"add:authenticators\"", claims->user_id);
}

gboolean
sesame_scope_check_read_passkeys (const SesameTokenClaims *claims,
                                  GError                 **error)
{
  g_return_val_if_fail (claims != NULL, FALSE);

  if (sesame_token_claims_has_scope (claims, SESAME_SCOPE_READ_AUTHENTICATORS))
    return TRUE;
  return sesame_refuse (error, SESAME_RULE_ERROR_SCOPE_MISSING,
                        "Listing passkeys needs a token with scope \"read:authenticators\"");
}

/* The action state machine */

gboolean
sesame_action_state_takes_ceremony (SesameActionState state)
{
  switch (state)
    {
    case SESAME_ACTION_STATE_CHALLENGE_REQUIRED:
    case SESAME_ACTION_STATE_CHALLENGE_FAILED:
    case SESAME_ACTION_STATE_CHALLENGE_SUCCEEDED:
      return TRUE;
    case SESAME_ACTION_STATE_ALLOW:
    case SESAME_ACTION_STATE_BLOCK:
    case SESAME_ACTION_STATE_REVIEW_REQUIRED:
    case SESAME_ACTION_STATE_REVIEW_SUCCEEDED:
    case SESAME_ACTION_STATE_REVIEW_FAILED:
    default:
      return FALSE;
    }
}

SesameActionState
sesame_action_state_after_ceremony (SesameActionState state,
                                    gboolean          succeeded)
{
  if (succeeded)
    return SESAME_ACTION_STATE_CHALLENGE_SUCCEEDED;
  if (state == SESAME_ACTION_STATE_CHALLENGE_SUCCEEDED)
    return state;
  return SESAME_ACTION_STATE_CHALLENGE_FAILED;
}

SesameActionState
sesame_action_get_state (const SesameAction *action)
{
  SesameActionState state;

  if (!sesame_action_state_from_string (action->state, &state))
    return SESAME_ACTION_STATE_CHALLENGE_FAILED;
  return state;
}

gboolean
sesame_action_check_open (const SesameAction  *action,
                          GError             **error)
{
  if (sesame_action_state_takes_ceremony (sesame_action_get_state (action)))
    return TRUE;
  return sesame_refuse (error, SESAME_RULE_ERROR_ACTION_CLOSED,
                        "Action “%s” is %s, which takes no passkey ceremony: track the action"
                        " again "
                        "for a new token", action->action_code, action->state);
}

/* Events */

gboolean
sesame_tenant_record_event (SesameStore        *store,
                            const char         *tenant_id,
                            const SesameCaller *caller,
                            const char         *action_key,
                            const char         *user_id,
                            const char         *kind,
                            const char         *outcome,
                            const char         *reason,
                            JsonNode           *details,
                            GError            **error)
{
  g_autofree char *details_json = NULL;
  SesameEvent event = { 0 };

  g_return_val_if_fail (SESAME_IS_STORE (store), FALSE);
  g_return_val_if_fail (tenant_id && kind, FALSE);

  if (details)
    details_json = json_to_string (details, FALSE);
  event.tenant_id = (char *) tenant_id;
  event.action_key = (char *) action_key;
  event.user_id = (char *) user_id;
  event.kind = (char *) kind;
  event.origin = caller ? (char *) caller->origin : NULL;
  event.user_agent = caller ? (char *) caller->user_agent : NULL;
  event.outcome = (char *) outcome;
  event.reason = (char *) reason;
  event.details = details_json;
  return sesame_store_append_event (store, &event, error) != 0;
}

/* A JSON object of string members, for event details: name, value, …,
 * NULL; a NULL value leaves its member out. */
static JsonNode *
details_new (const char *first_name,
             ...) G_GNUC_NULL_TERMINATED;

static JsonNode *
details_new (const char *first_name,
             ...)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_init_object (json_node_alloc (), object);
  va_list args;

  va_start (args, first_name);
  for (const char *name = first_name; name; name = va_arg (args, const char *))
    {
      const char *value = va_arg (args, const char *);

      if (value)
        json_object_set_string_member (object, name, value);
    }
  va_end (args);
  json_object_unref (object);
  return node;
}

/* Track */

typedef struct
{
  const SesameCaller *caller;
  SesameAction       *action;
  const char         *username;
  const char         *display_name;
  const char         *scope;
} TrackData;

static gboolean
track_in_transaction (SesameStore *store,
                      gpointer     user_data,
                      GError     **error)
{
  TrackData *data = user_data;
  SesameAction *action = data->action;
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(JsonNode) details = NULL;
  g_autofree char *reason = NULL;

  user = sesame_store_upsert_user (store, action->tenant_id, action->user_id, data->username,
                                   data->display_name, error);
  if (!user || !sesame_store_create_action (store, action, error))
    return FALSE;

  details = details_new ("actionCode", action->action_code, "state", action->state,
                         "scope", data->scope, NULL);
  reason = g_strdup_printf ("Tracked action %s for user %s", action->action_code,
                            action->user_id);
  return sesame_tenant_record_event (store, action->tenant_id, data->caller,
                                     action->idempotency_key, action->user_id, "track",
                                     "success", reason, details, error);
}

SesameAction *
sesame_tenant_track_action (SesameStore        *store,
                            const SesameTenant *tenant,
                            const SesameCaller *caller,
                            const char         *user_id,
                            const char         *action_code,
                            const char         *idempotency_key,
                            const char         *username,
                            const char         *display_name,
                            const char         *scope,
                            GError            **error)
{
  g_autoptr(SesameAction) action = NULL;
  TrackData data = { 0 };

  g_return_val_if_fail (SESAME_IS_STORE (store), NULL);
  g_return_val_if_fail (tenant != NULL, NULL);

  if (!check_user_id (user_id, error) || !sesame_tenant_check_action_code (action_code, error))
    return NULL;
  if (idempotency_key &&
      !sesame_tenant_check_identifier (idempotency_key, "idempotency key", SESAME_ID_MAX_LEN,
                                       error))
    return NULL;
  if ((username && !sesame_tenant_check_identifier (username, "username", SESAME_ID_MAX_LEN,
                                                    error)) ||
      (display_name && !sesame_tenant_check_identifier (display_name, "display name",
                                                        SESAME_ID_MAX_LEN, error)))
    return NULL;

  if (idempotency_key)
    {
      g_autoptr(GError) local_error = NULL;

      action = sesame_store_get_action (store, tenant->id, idempotency_key, &local_error);
      if (!action && !sesame_store_error_is_not_found (local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (action && (!g_str_equal (action->user_id, user_id) ||
                     !g_str_equal (action->action_code, action_code)))
        {
          sesame_refuse (error, SESAME_RULE_ERROR_IDEMPOTENCY_CONFLICT,
                         "Idempotency key “%s” belongs to another action", idempotency_key);
          return NULL;
        }
      if (action)
        return g_steal_pointer (&action);
    }

  action = g_new0 (SesameAction, 1);
  action->tenant_id = g_strdup (tenant->id);
  action->user_id = g_strdup (user_id);
  action->action_code = g_strdup (action_code);
  action->idempotency_key = g_strdup (idempotency_key);
  action->state = g_strdup (sesame_action_state_to_string (SESAME_ACTION_STATE_CHALLENGE_REQUIRED));
  data.caller = caller;
  data.action = action;
  data.username = username;
  data.display_name = display_name;
  data.scope = scope;
  if (!sesame_store_run_in_transaction (store, track_in_transaction, &data, error))
    return NULL;
  return g_steal_pointer (&action);
}

SesameAction *
sesame_tenant_load_token_action (SesameStore             *store,
                                 const SesameTenant      *tenant,
                                 const SesameTokenClaims *claims,
                                 GError                 **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SesameAction) action = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (store), NULL);
  g_return_val_if_fail (tenant && claims, NULL);

  action = sesame_store_get_action (store, tenant->id, claims->idempotency_key, &local_error);
  if (!action)
    {
      if (sesame_store_error_is_not_found (local_error))
        sesame_refuse (error, SESAME_RULE_ERROR_TOKEN_INVALID,
                       "The action this token was issued for no longer exists (was its user "
                       "deleted?)");
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!g_str_equal (action->user_id, claims->user_id) ||
      !g_str_equal (action->action_code, claims->action_code))
    {
      sesame_refuse (error, SESAME_RULE_ERROR_TOKEN_INVALID,
                     "The token does not match its action's user and code");
      return NULL;
    }
  return g_steal_pointer (&action);
}

/* Validate */

SesameAction *
sesame_tenant_validate (SesameStore        *store,
                        const SesameTenant *tenant,
                        const SesameCaller *caller,
                        const char         *token,
                        const char         *user_id,
                        const char         *action_code,
                        gboolean           *is_valid,
                        GError            **error)
{
  g_autoptr(GError) token_error = NULL;
  g_autoptr(SesameTokenClaims) claims = NULL;
  g_autoptr(SesameAction) action = NULL;
  g_autoptr(JsonNode) details = NULL;
  g_autofree char *reason = NULL;
  const guint8 *key;
  gsize key_len;
  gboolean valid;

  g_return_val_if_fail (SESAME_IS_STORE (store), NULL);
  g_return_val_if_fail (tenant && token && is_valid, NULL);

  *is_valid = FALSE;
  key = g_bytes_get_data (tenant->token_key, &key_len);
  claims = sesame_token_verify (key, key_len, token, g_get_real_time () / G_USEC_PER_SEC,
                                &token_error);
  if (!claims)
    {
      if (g_error_matches (token_error, SESAME_TOKEN_ERROR, SESAME_TOKEN_ERROR_EXPIRED))
        sesame_refuse (error, SESAME_RULE_ERROR_TOKEN_EXPIRED, "The token has expired (%s)",
                       token_error->message);
      else
        sesame_refuse (error, SESAME_RULE_ERROR_TOKEN_REFUSED,
                       "The token is not valid for this tenant: %s", token_error->message);
      return NULL;
    }
  if (!g_str_equal (claims->tenant_id, tenant->id))
    {
      sesame_refuse (error, SESAME_RULE_ERROR_TOKEN_REFUSED,
                     "The token was issued for another tenant");
      return NULL;
    }
  /* Authsignal's own words, which the SDKs' tests show. */
  if (user_id && !g_str_equal (user_id, claims->user_id))
    {
      sesame_refuse (error, SESAME_RULE_ERROR_USER_MISMATCH, "User is invalid.");
      return NULL;
    }
  if (action_code && !g_str_equal (action_code, claims->action_code))
    {
      sesame_refuse (error, SESAME_RULE_ERROR_ACTION_MISMATCH, "Action is invalid.");
      return NULL;
    }

  action = sesame_store_get_action (store, tenant->id, claims->idempotency_key, error);
  if (!action)
    return NULL;
  if (!g_str_equal (action->user_id, claims->user_id))
    {
      sesame_refuse (error, SESAME_RULE_ERROR_TOKEN_REFUSED,
                     "The token does not match its action's user");
      return NULL;
    }
  valid = sesame_action_get_state (action) == SESAME_ACTION_STATE_CHALLENGE_SUCCEEDED;

  details = details_new ("state", action->state, NULL);
  reason = g_strdup_printf ("The backend validated a token of action %s: %s",
                            action->action_code, valid ? "valid" : action->state);
  if (!sesame_tenant_record_event (store, tenant->id, caller, action->idempotency_key,
                                   action->user_id, "validate", valid ? "valid" : "invalid",
                                   reason, details, error))
    return NULL;
  *is_valid = valid;
  return g_steal_pointer (&action);
}

/* The backend's view of actions */

SesameAction *
sesame_tenant_get_user_action (SesameStore        *store,
                               const SesameTenant *tenant,
                               const char         *user_id,
                               const char         *action_code,
                               const char         *key,
                               GError            **error)
{
  g_autoptr(SesameAction) action = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (store), NULL);
  g_return_val_if_fail (tenant != NULL, NULL);

  if (!check_user_id (user_id, error) || !sesame_tenant_check_action_code (action_code, error) ||
      !sesame_tenant_check_identifier (key, "idempotency key", SESAME_ID_MAX_LEN, error))
    return NULL;
  action = sesame_store_get_action (store, tenant->id, key, error);
  if (!action)
    return NULL;
  if (!g_str_equal (action->user_id, user_id) || !g_str_equal (action->action_code, action_code))
    {
      sesame_refuse (error, SESAME_RULE_ERROR_ACTION_NOT_FOUND,
                     "User “%s” has no action “%s” with idempotency key “%s”", user_id, action_code,
                     key);
      return NULL;
    }
  return g_steal_pointer (&action);
}

typedef struct
{
  const SesameTenant *tenant;
  const SesameCaller *caller;
  const char         *key;
  SesameActionState   state;
  SesameAction       *action;   /* out */
} ActionChangeData;

static gboolean
set_state_in_transaction (SesameStore *store,
                          gpointer     user_data,
                          GError     **error)
{
  ActionChangeData *data = user_data;
  const char *state = sesame_action_state_to_string (data->state);
  g_autofree char *reason = NULL;

  data->action = sesame_store_update_action (store, data->tenant->id, data->key, state, NULL,
                                             NULL, error);
  if (!data->action)
    return FALSE;
  reason = g_strdup_printf ("The backend set action %s to %s", data->action->action_code, state);
  return sesame_tenant_record_event (store, data->tenant->id, data->caller, data->key,
                                     data->action->user_id, "action-update", "success", reason,
                                     NULL, error);
}

SesameAction *
sesame_tenant_set_action_state (SesameStore        *store,
                                const SesameTenant *tenant,
                                const SesameCaller *caller,
                                const char         *user_id,
                                const char         *action_code,
                                const char         *key,
                                SesameActionState   state,
                                GError            **error)
{
  g_autoptr(SesameAction) action = NULL;
  ActionChangeData data = { 0 };

  g_return_val_if_fail (sesame_action_state_to_string (state) != NULL, NULL);

  action = sesame_tenant_get_user_action (store, tenant, user_id, action_code, key, error);
  if (!action)
    return NULL;
  data.tenant = tenant;
  data.caller = caller;
  data.key = action->idempotency_key;
  data.state = state;
  if (!sesame_store_run_in_transaction (store, set_state_in_transaction, &data, error))
    {
      g_clear_pointer (&data.action, sesame_action_free);
      return NULL;
    }
  return data.action;
}

/* Users */

typedef struct
{
  const SesameTenant *tenant;
  const SesameCaller *caller;
  const char         *user_id;
  const char         *username;
  const char         *display_name;
  const char         *passkey_id;
} UserChangeData;

static gboolean
update_user_in_transaction (SesameStore *store,
                            gpointer     user_data,
                            GError     **error)
{
  UserChangeData *data = user_data;
  g_autoptr(SesameUser) user = NULL;
  g_autofree char *reason = NULL;

  user = sesame_store_upsert_user (store, data->tenant->id, data->user_id, data->username,
                                   data->display_name, error);
  if (!user)
    return FALSE;
  reason = g_strdup_printf ("The backend updated user %s", data->user_id);
  return sesame_tenant_record_event (store, data->tenant->id, data->caller, NULL, data->user_id,
                                     "user-update", "success", reason, NULL, error);
}

gboolean
sesame_tenant_update_user (SesameStore        *store,
                           const SesameTenant *tenant,
                           const SesameCaller *caller,
                           const char         *user_id,
                           const char         *username,
                           const char         *display_name,
                           GError            **error)
{
  UserChangeData data = { tenant, caller, user_id, username, display_name, NULL };

  g_return_val_if_fail (SESAME_IS_STORE (store), FALSE);
  g_return_val_if_fail (tenant != NULL, FALSE);

  if (!check_user_id (user_id, error) ||
      (username && !sesame_tenant_check_identifier (username, "username", SESAME_ID_MAX_LEN,
                                                    error)) ||
      (display_name && !sesame_tenant_check_identifier (display_name, "display name",
                                                        SESAME_ID_MAX_LEN, error)))
    return FALSE;
  return sesame_store_run_in_transaction (store, update_user_in_transaction, &data, error);
}

static gboolean
delete_in_transaction (SesameStore *store,
                       gpointer     user_data,
                       GError     **error)
{
  UserChangeData *data = user_data;
  const char *tenant_id = data->tenant->id;
  g_autofree char *reason = NULL;
  const char *kind;

  if (data->passkey_id)
    {
      if (!sesame_store_delete_passkey (store, tenant_id, data->user_id, data->passkey_id, error))
        return FALSE;
      kind = "authenticator-delete";
      reason = g_strdup_printf ("The backend removed passkey %s of user %s", data->passkey_id,
                                data->user_id);
    }
  else
    {
      if (!sesame_store_delete_user (store, tenant_id, data->user_id, error))
        return FALSE;
      kind = "user-delete";
      reason = g_strdup_printf ("The backend deleted user %s with their passkeys and actions",
                                data->user_id);
    }
  return sesame_tenant_record_event (store, tenant_id, data->caller, NULL, data->user_id, kind,
                                     "success", reason, NULL, error);
}

gboolean
sesame_tenant_delete_user (SesameStore        *store,
                           const SesameTenant *tenant,
                           const SesameCaller *caller,
                           const char         *user_id,
                           GError            **error)
{
  UserChangeData data = { tenant, caller, user_id, NULL, NULL, NULL };

  g_return_val_if_fail (SESAME_IS_STORE (store), FALSE);
  g_return_val_if_fail (tenant != NULL, FALSE);

  return check_user_id (user_id, error) &&
         sesame_store_run_in_transaction (store, delete_in_transaction, &data, error);
}

gboolean
sesame_tenant_delete_passkey (SesameStore        *store,
                              const SesameTenant *tenant,
                              const SesameCaller *caller,
                              const char         *user_id,
                              const char         *passkey_id,
                              GError            **error)
{
  UserChangeData data = { tenant, caller, user_id, NULL, NULL, passkey_id };

  g_return_val_if_fail (SESAME_IS_STORE (store), FALSE);
  g_return_val_if_fail (tenant != NULL, FALSE);

  return check_user_id (user_id, error) &&
         sesame_tenant_check_identifier (passkey_id, "authenticator id", SESAME_ID_MAX_LEN,
                                         error) &&
         sesame_store_run_in_transaction (store, delete_in_transaction, &data, error);
}
