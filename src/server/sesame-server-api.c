/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The Server API: what an integrator's backend (@authsignal/node) calls
 * with the tenant's secret key. Every request is checked in full before
 * anything is written; every write is one transaction with its event. */

#include "config.h"

#include "sesame-server-private.h"

#include <string.h>

static void
add_empty_array (JsonBuilder *builder,
                 const char  *member)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  json_builder_end_array (builder);
}

static gboolean
check_user_id (const char *user_id,
               GError    **error)
{
  return sesame_check_identifier (user_id, "user id", SESAME_ID_MAX_LEN, error);
}

/* Members documented as strings (or a boolean, or an object) are checked
 * for their type even when this server does not use them, so that a
 * malformed request is refused the same way whatever it carries. */
static gboolean
check_member_types (JsonObject         *body,
                    const char * const *strings,
                    const char * const *booleans,
                    const char * const *objects,
                    GError            **error)
{
  const char *text;
  gboolean flag;

  for (guint i = 0; strings && strings[i]; i++)
    if (!sesame_json_get_string (body, strings[i], FALSE, SESAME_SERVER_MAX_BODY, &text, error))
      return FALSE;
  for (guint i = 0; booleans && booleans[i]; i++)
    if (!sesame_json_get_boolean (body, booleans[i], &flag, error))
      return FALSE;
  for (guint i = 0; objects && objects[i]; i++)
    {
      JsonNode *node = json_object_get_member (body, objects[i]);
      if (node && !JSON_NODE_HOLDS_NULL (node) && !JSON_NODE_HOLDS_OBJECT (node))
        return sesame_api_fail (error, SESAME_API_ERROR_INVALID_REQUEST, "\"%s\" must be an object",
                          objects[i]);
    }
  return TRUE;
}

/* The optional username and display name of a user, checked. */
static gboolean
get_user_names (JsonObject  *body,
                const char **username,
                const char **display_name,
                GError     **error)
{
  if (!sesame_json_get_string (body, "username", FALSE, SESAME_ID_MAX_LEN, username, error) ||
      !sesame_json_get_string (body, "displayName", FALSE, SESAME_ID_MAX_LEN, display_name,
                               error))
    return FALSE;
  if (*username && !**username)
    *username = NULL;
  if (*display_name && !**display_name)
    *display_name = NULL;
  return (!*username || sesame_check_identifier (*username, "username", SESAME_ID_MAX_LEN,
                                                 error)) &&
         (!*display_name || sesame_check_identifier (*display_name, "display name",
                                                     SESAME_ID_MAX_LEN, error));
}

static GPtrArray *
list_passkeys (SesameRequest *req,
               const char    *user_id,
               GError       **error)
{
  return sesame_store_list_passkeys (req->store, req->tenant->id, user_id, error);
}

static void
add_enrollment (JsonBuilder *builder,
                guint        n_passkeys)
{
  sesame_json_add_boolean (builder, "isEnrolled", n_passkeys > 0);
  json_builder_set_member_name (builder, "enrolledVerificationMethods");
  json_builder_begin_array (builder);
  if (n_passkeys > 0)
    json_builder_add_string_value (builder, "PASSKEY");
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "allowedVerificationMethods");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, "PASSKEY");
  json_builder_end_array (builder);
  if (n_passkeys > 0)
    sesame_json_add_string (builder, "defaultVerificationMethod", "PASSKEY");
}

/* Scopes a track may ask for; the token always gets "read:authenticators". */
static char *
token_scope (const char *requested,
             GError    **error)
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
          sesame_api_fail (error, SESAME_API_ERROR_INVALID_REQUEST,
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

/* POST /users/{userId}/actions/{action} → {idempotencyKey, state, url, token, isEnrolled, …} */

typedef struct
{
  SesameRequest *req;
  SesameAction  *action;
  const char    *username;
  const char    *display_name;
  const char    *scope;
} TrackData;

static gboolean
track_in_transaction (SesameStore *store,
                      gpointer     user_data,
                      GError     **error)
{
  TrackData *data = user_data;
  SesameAction *action = data->action;
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(JsonBuilder) details = json_builder_new ();
  g_autofree char *reason = NULL;

  user = sesame_store_upsert_user (store, action->tenant_id, action->user_id, data->username,
                                   data->display_name, error);
  if (!user || !sesame_store_create_action (store, action, error))
    return FALSE;

  json_builder_begin_object (details);
  sesame_json_add_string (details, "actionCode", action->action_code);
  sesame_json_add_string (details, "state", action->state);
  sesame_json_add_string (details, "scope", data->scope);
  json_builder_end_object (details);
  reason = g_strdup_printf ("Tracked action %s for user %s", action->action_code,
                            action->user_id);
  return sesame_request_record_event (data->req, action->idempotency_key, action->user_id,
                                      "track", "success", reason, details, error);
}

void
sesame_server_api_track (SesameRequest *req)
{
  static const char * const strings[] = {
    "redirectUrl", "ipAddress", "userAgent", "deviceId", "email", "phoneNumber", "challengeId",
    "locale", "customDomain", NULL,
  };
  static const char * const booleans[] = { "redirectToSettings", NULL };
  static const char * const objects[] = { "custom", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SesameAction) action = NULL;
  g_autoptr(GPtrArray) passkeys = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *scope = NULL;
  g_autofree char *token = NULL;
  const char *user_id = req->params[0];
  const char *code = req->params[1];
  const char *idempotency_key, *requested_scope, *username, *display_name;
  JsonObject *body;

  if (!check_user_id (user_id, &error) || !sesame_check_action_code (code, &error))
    goto fail;
  root = sesame_request_read_object (req, &error);
  if (!root)
    goto fail;
  body = json_node_get_object (root);
  if (!check_member_types (body, strings, booleans, objects, &error) ||
      !sesame_json_get_string (body, "idempotencyKey", FALSE, SESAME_ID_MAX_LEN,
                               &idempotency_key, &error) ||
      !sesame_json_get_string (body, "scope", FALSE, 256, &requested_scope, &error) ||
      !get_user_names (body, &username, &display_name, &error))
    goto fail;
  if (idempotency_key &&
      !sesame_check_identifier (idempotency_key, "idempotency key", SESAME_ID_MAX_LEN, &error))
    goto fail;
  scope = token_scope (requested_scope, &error);
  if (!scope)
    goto fail;

  /* The same idempotency key again is the same action: answered as it
   * stands, with a fresh token. */
  if (idempotency_key)
    {
      g_autoptr(GError) local_error = NULL;

      action = sesame_store_get_action (req->store, req->tenant->id, idempotency_key,
                                        &local_error);
      if (!action && !g_error_matches (local_error, SESAME_STORE_ERROR,
                                       SESAME_STORE_ERROR_NOT_FOUND))
        {
          g_propagate_error (&error, g_steal_pointer (&local_error));
          goto fail;
        }
      if (action && (!g_str_equal (action->user_id, user_id) ||
                     !g_str_equal (action->action_code, code)))
        {
          sesame_api_fail (&error, SESAME_API_ERROR_CONFLICT,
                     "Idempotency key “%s” belongs to another action", idempotency_key);
          goto fail;
        }
    }

  if (!action)
    {
      TrackData data = { 0 };

      action = g_new0 (SesameAction, 1);
      action->tenant_id = g_strdup (req->tenant->id);
      action->user_id = g_strdup (user_id);
      action->action_code = g_strdup (code);
      action->idempotency_key = g_strdup (idempotency_key);
      action->state = g_strdup ("CHALLENGE_REQUIRED");
      data.req = req;
      data.action = action;
      data.username = username;
      data.display_name = display_name;
      data.scope = scope;
      if (!sesame_store_run_in_transaction (req->store, track_in_transaction, &data, &error))
        goto fail;
    }

  passkeys = list_passkeys (req, user_id, &error);
  if (!passkeys)
    goto fail;
  token = sesame_server_issue_token (req->server, req->tenant, action, scope, &error);
  if (!token)
    goto fail;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "idempotencyKey", action->idempotency_key);
  sesame_json_add_string (builder, "state", action->state);
  /* There is no pre-built UI here; the sample app stands in for it. */
  sesame_json_add_string (builder, "url", sesame_server_get_app_url (req->server));
  sesame_json_add_string (builder, "token", token);
  add_enrollment (builder, passkeys->len);
  add_empty_array (builder, "ruleIds");
  json_builder_end_object (builder);
  sesame_request_reply_builder (req, SOUP_STATUS_OK, builder);
  return;

fail:
  sesame_request_reply_error (req, error, NULL, 0);
}

/* POST /validate {token, userId?, action?} → {isValid, state, …} */

static void
reply_invalid (SesameRequest *req,
               guint          status,
               const char    *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  /* The shape the SDKs' tests show: the message itself is "error". */
  json_builder_begin_object (builder);
  sesame_json_add_boolean (builder, "isValid", FALSE);
  sesame_json_add_string (builder, "error", message);
  sesame_json_add_string (builder, "errorCode", "invalid_request");
  sesame_json_add_string (builder, "errorDescription", message);
  json_builder_end_object (builder);
  sesame_request_reply_builder (req, status, builder);
}

void
sesame_server_api_validate (SesameRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) token_error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SesameTokenClaims) claims = NULL;
  g_autoptr(SesameAction) action = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonBuilder) details = NULL;
  g_autoptr(JsonObject) invalid = json_object_new ();
  g_autofree char *reason = NULL;
  const char *token, *user_id, *action_code, *action_code_too;
  const guint8 *key;
  gsize key_len;
  gboolean is_valid;
  JsonObject *body;

  json_object_set_boolean_member (invalid, "isValid", FALSE);

  root = sesame_request_read_object (req, &error);
  if (!root)
    goto fail;
  body = json_node_get_object (root);
  if (!sesame_json_get_string (body, "token", TRUE, SESAME_TOKEN_MAX_LEN, &token, &error) ||
      !sesame_json_get_string (body, "userId", FALSE, SESAME_ID_MAX_LEN, &user_id, &error) ||
      !sesame_json_get_string (body, "action", FALSE, SESAME_ID_MAX_LEN, &action_code, &error) ||
      !sesame_json_get_string (body, "actionCode", FALSE, SESAME_ID_MAX_LEN, &action_code_too,
                               &error))
    goto fail;
  if (!action_code)
    action_code = action_code_too;

  key = g_bytes_get_data (req->tenant->token_key, &key_len);
  claims = sesame_token_verify (key, key_len, token, g_get_real_time () / G_USEC_PER_SEC,
                                &token_error);
  if (!claims)
    {
      /* The token is part of the body: a bad one is bad input (400), not a
       * failed authentication of the backend (401). */
      if (g_error_matches (token_error, SESAME_TOKEN_ERROR, SESAME_TOKEN_ERROR_EXPIRED))
        sesame_api_fail (&error, SESAME_API_ERROR_EXPIRED_TOKEN, "The token has expired (%s)",
                   token_error->message);
      else
        sesame_api_fail (&error, SESAME_API_ERROR_INVALID_TOKEN,
                   "The token is not valid for this tenant: %s", token_error->message);
      sesame_request_reply_error (req, error, invalid, SOUP_STATUS_BAD_REQUEST);
      return;
    }
  if (!g_str_equal (claims->tenant_id, req->tenant->id))
    {
      sesame_api_fail (&error, SESAME_API_ERROR_INVALID_TOKEN, "The token was issued for another tenant");
      sesame_request_reply_error (req, error, invalid, SOUP_STATUS_BAD_REQUEST);
      return;
    }
  if (user_id && !g_str_equal (user_id, claims->user_id))
    {
      reply_invalid (req, SOUP_STATUS_BAD_REQUEST, "User is invalid.");
      return;
    }
  if (action_code && !g_str_equal (action_code, claims->action_code))
    {
      reply_invalid (req, SOUP_STATUS_BAD_REQUEST, "Action is invalid.");
      return;
    }

  action = sesame_store_get_action (req->store, req->tenant->id, claims->idempotency_key, &error);
  if (!action)
    {
      sesame_request_reply_error (req, error, invalid, 0);
      return;
    }
  if (!g_str_equal (action->user_id, claims->user_id))
    {
      sesame_api_fail (&error, SESAME_API_ERROR_INVALID_TOKEN,
                 "The token does not match its action's user");
      sesame_request_reply_error (req, error, invalid, SOUP_STATUS_BAD_REQUEST);
      return;
    }
  is_valid = g_str_equal (action->state, "CHALLENGE_SUCCEEDED");

  details = json_builder_new ();
  json_builder_begin_object (details);
  sesame_json_add_string (details, "state", action->state);
  json_builder_end_object (details);
  reason = g_strdup_printf ("The backend validated a token of action %s: %s",
                            action->action_code, is_valid ? "valid" : action->state);
  if (!sesame_request_record_event (req, action->idempotency_key, action->user_id, "validate",
                                    is_valid ? "valid" : "invalid", reason, details, &error))
    goto fail;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_json_add_boolean (builder, "isValid", is_valid);
  sesame_json_add_string (builder, "state", action->state);
  sesame_json_add_time (builder, "stateUpdatedAt", action->state_updated);
  sesame_json_add_string (builder, "userId", action->user_id);
  /* @authsignal/node reads actionCode, the Go SDK and the docs action. */
  sesame_json_add_string (builder, "actionCode", action->action_code);
  sesame_json_add_string (builder, "action", action->action_code);
  sesame_json_add_string (builder, "idempotencyKey", action->idempotency_key);
  sesame_json_add_string (builder, "verificationMethod", action->verification_method);
  sesame_json_add_string (builder, "verifiedByAuthenticatorId", action->authenticator_id);
  json_builder_end_object (builder);
  sesame_request_reply_builder (req, SOUP_STATUS_OK, builder);
  return;

fail:
  sesame_request_reply_error (req, error, NULL, 0);
}

/* GET, PATCH, DELETE /users/{userId} */

static void
reply_user (SesameRequest *req,
            const char    *user_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) lookup_error = NULL;
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(GPtrArray) passkeys = NULL;
  g_autoptr(JsonBuilder) builder = NULL;

  user = sesame_store_get_user (req->store, req->tenant->id, user_id, &lookup_error);
  if (!user && !g_error_matches (lookup_error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND))
    {
      sesame_request_reply_error (req, lookup_error, NULL, 0);
      return;
    }
  passkeys = list_passkeys (req, user_id, &error);
  if (!passkeys)
    {
      sesame_request_reply_error (req, error, NULL, 0);
      return;
    }

  /* An unknown (or deleted) user is simply not enrolled. */
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "userId", user_id);
  add_enrollment (builder, passkeys->len);
  if (user)
    {
      sesame_json_add_string (builder, "username", user->username);
      sesame_json_add_string (builder, "displayName", user->display_name);
    }
  sesame_json_add_boolean (builder, "emailVerified", FALSE);
  sesame_json_add_boolean (builder, "phoneNumberVerified", FALSE);
  json_builder_end_object (builder);
  sesame_request_reply_builder (req, SOUP_STATUS_OK, builder);
}

void
sesame_server_api_get_user (SesameRequest *req)
{
  g_autoptr(GError) error = NULL;

  if (!check_user_id (req->params[0], &error))
    {
      sesame_request_reply_error (req, error, NULL, 0);
      return;
    }
  reply_user (req, req->params[0]);
}

/* GET /users?username=&limit=&lastEvaluatedUserId= → {users, lastEvaluatedUserId?} */

#define QUERY_USERS_DEFAULT_LIMIT 20
#define QUERY_USERS_MAX_LIMIT     100

static gboolean
parse_limit (const char *text,
             guint      *limit,
             GError    **error)
{
  guint64 value;

  /* Digits only: no sign, space or exponent slips through. */
  if (!text[0] || strlen (text) > 3 || strspn (text, "0123456789") != strlen (text) ||
      !g_ascii_string_to_unsigned (text, 10, 1, QUERY_USERS_MAX_LIMIT, &value, NULL))
    return sesame_api_fail (error, SESAME_API_ERROR_INVALID_REQUEST,
                            "\"limit\" must be a whole number from 1 to %d, not “%s”",
                            QUERY_USERS_MAX_LIMIT, text);
  *limit = (guint) value;
  return TRUE;
}

void
sesame_server_api_query_users (SesameRequest *req)
{
  /* The local tenant keeps no email address or phone number, and the
   * token filter is not implemented: refused rather than ignored, so that
   * a backend never takes an unfiltered list for a match. */
  static const char * const unsupported[] = { "email", "phoneNumber", "token", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  const char *username = req->query ? g_hash_table_lookup (req->query, "username") : NULL;
  const char *limit_text = req->query ? g_hash_table_lookup (req->query, "limit") : NULL;
  const char *after = req->query ? g_hash_table_lookup (req->query, "lastEvaluatedUserId") : NULL;
  guint limit = QUERY_USERS_DEFAULT_LIMIT;
  gboolean more = FALSE;

  for (guint i = 0; unsupported[i]; i++)
    if (req->query && g_hash_table_contains (req->query, unsupported[i]))
      {
        sesame_api_fail (&error, SESAME_API_ERROR_INVALID_REQUEST,
                         "Querying users by \"%s\" is not supported by the local tenant; "
                         "query by \"username\" or page through them all", unsupported[i]);
        goto fail;
      }
  if (limit_text && !parse_limit (limit_text, &limit, &error))
    goto fail;
  if (after && !*after)
    after = NULL;
  if (after && !check_user_id (after, &error))
    goto fail;

  if (username)
    {
      g_autoptr(GError) lookup_error = NULL;
      g_autoptr(SesameUser) user = NULL;

      /* An exact match: at most one user, so never a next page. An empty
       * or impossible name matches nobody. */
      users = g_ptr_array_new_with_free_func ((GDestroyNotify) sesame_user_free);
      if (*username)
        {
          if (!sesame_check_identifier (username, "username", SESAME_ID_MAX_LEN, &error))
            goto fail;
          user = sesame_store_find_user_by_username (req->store, req->tenant->id, username,
                                                     &lookup_error);
          if (!user && !g_error_matches (lookup_error, SESAME_STORE_ERROR,
                                         SESAME_STORE_ERROR_NOT_FOUND))
            {
              g_propagate_error (&error, g_steal_pointer (&lookup_error));
              goto fail;
            }
        }
      if (user && (!after || strcmp (user->user_id, after) > 0))
        g_ptr_array_add (users, g_steal_pointer (&user));
    }
  else
    {
      /* One more than asked for tells whether another page follows. */
      users = sesame_store_list_users_after (req->store, req->tenant->id, after, limit + 1,
                                             &error);
      if (!users)
        goto fail;
      more = users->len > limit;
      if (more)
        g_ptr_array_set_size (users, limit);
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "users");
  json_builder_begin_array (builder);
  for (guint i = 0; i < users->len; i++)
    {
      SesameUser *user = g_ptr_array_index (users, i);
      g_autoptr(GPtrArray) passkeys = list_passkeys (req, user->user_id, &error);

      if (!passkeys)
        goto fail;
      json_builder_begin_object (builder);
      sesame_json_add_string (builder, "userId", user->user_id);
      sesame_json_add_string (builder, "username", user->username);
      sesame_json_add_string (builder, "displayName", user->display_name);
      sesame_json_add_boolean (builder, "isEnrolled", passkeys->len > 0);
      /* Required booleans of the node SDK's QueryUsersResponse. */
      sesame_json_add_boolean (builder, "emailVerified", FALSE);
      sesame_json_add_boolean (builder, "phoneNumberVerified", FALSE);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  if (more)
    {
      SesameUser *last = g_ptr_array_index (users, users->len - 1);
      sesame_json_add_string (builder, "lastEvaluatedUserId", last->user_id);
    }
  json_builder_end_object (builder);
  sesame_request_reply_builder (req, SOUP_STATUS_OK, builder);
  return;

fail:
  sesame_request_reply_error (req, error, NULL, 0);
}

typedef struct
{
  SesameRequest *req;
  const char    *user_id;
  const char    *username;
  const char    *display_name;
  const char    *kind;
  const char    *passkey_id;
} UserChangeData;

static gboolean
update_user_in_transaction (SesameStore *store,
                            gpointer     user_data,
                            GError     **error)
{
  UserChangeData *data = user_data;
  g_autoptr(SesameUser) user = NULL;
  g_autofree char *reason = NULL;

  user = sesame_store_upsert_user (store, data->req->tenant->id, data->user_id, data->username,
                                   data->display_name, error);
  if (!user)
    return FALSE;
  reason = g_strdup_printf ("The backend updated user %s", data->user_id);
  return sesame_request_record_event (data->req, NULL, data->user_id, "user-update", "success",
                                      reason, NULL, error);
}

void
sesame_server_api_update_user (SesameRequest *req)
{
  static const char * const strings[] = { "email", "phoneNumber", NULL };
  static const char * const objects[] = { "custom", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  UserChangeData data = { 0 };
  JsonObject *body;

  data.req = req;
  data.user_id = req->params[0];
  if (!check_user_id (data.user_id, &error))
    goto fail;
  root = sesame_request_read_object (req, &error);
  if (!root)
    goto fail;
  body = json_node_get_object (root);
  if (!check_member_types (body, strings, NULL, objects, &error) ||
      !get_user_names (body, &data.username, &data.display_name, &error))
    goto fail;
  if (!sesame_store_run_in_transaction (req->store, update_user_in_transaction, &data, &error))
    goto fail;
  reply_user (req, data.user_id);
  return;

fail:
  sesame_request_reply_error (req, error, NULL, 0);
}

static gboolean
delete_in_transaction (SesameStore *store,
                       gpointer     user_data,
                       GError     **error)
{
  UserChangeData *data = user_data;
  const char *tenant_id = data->req->tenant->id;
  g_autofree char *reason = NULL;

  if (data->passkey_id)
    {
      if (!sesame_store_delete_passkey (store, tenant_id, data->user_id, data->passkey_id, error))
        return FALSE;
      reason = g_strdup_printf ("The backend removed passkey %s of user %s", data->passkey_id,
                                data->user_id);
    }
  else
    {
      if (!sesame_store_delete_user (store, tenant_id, data->user_id, error))
        return FALSE;
      reason = g_strdup_printf ("The backend deleted user %s with their passkeys and actions",
                                data->user_id);
    }
  return sesame_request_record_event (data->req, NULL, data->user_id, data->kind, "success",
                                      reason, NULL, error);
}

static void
reply_empty (SesameRequest *req)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_end_object (builder);
  sesame_request_reply_builder (req, SOUP_STATUS_OK, builder);
}

void
sesame_server_api_delete_user (SesameRequest *req)
{
  g_autoptr(GError) error = NULL;
  UserChangeData data = { 0 };

  data.req = req;
  data.user_id = req->params[0];
  data.kind = "user-delete";
  if (!check_user_id (data.user_id, &error) ||
      !sesame_store_run_in_transaction (req->store, delete_in_transaction, &data, &error))
    {
      sesame_request_reply_error (req, error, NULL, 0);
      return;
    }
  reply_empty (req);
}

/* GET /users/{userId}/authenticators, DELETE /users/{userId}/authenticators/{id} */

void
sesame_server_api_list_authenticators (SesameRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) passkeys = NULL;
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  const char *user_id = req->params[0];

  if (!check_user_id (user_id, &error) || !(passkeys = list_passkeys (req, user_id, &error)))
    {
      sesame_request_reply_error (req, error, NULL, 0);
      return;
    }
  user = sesame_store_get_user (req->store, req->tenant->id, user_id, NULL);

  builder = json_builder_new ();
  json_builder_begin_array (builder);
  for (guint i = 0; i < passkeys->len; i++)
    sesame_json_add_authenticator (builder, g_ptr_array_index (passkeys, i), user);
  json_builder_end_array (builder);
  sesame_request_reply_builder (req, SOUP_STATUS_OK, builder);
}

void
sesame_server_api_delete_authenticator (SesameRequest *req)
{
  g_autoptr(GError) error = NULL;
  UserChangeData data = { 0 };

  data.req = req;
  data.user_id = req->params[0];
  data.passkey_id = req->params[1];
  data.kind = "authenticator-delete";
  if (!check_user_id (data.user_id, &error) ||
      !sesame_check_identifier (data.passkey_id, "authenticator id", SESAME_ID_MAX_LEN, &error) ||
      !sesame_store_run_in_transaction (req->store, delete_in_transaction, &data, &error))
    {
      sesame_request_reply_error (req, error, NULL, 0);
      return;
    }
  reply_empty (req);
}

/* GET, PATCH /users/{userId}/actions/{action}/{idempotencyKey} */

/* The action named by the path, which must be that user's, with that code. */
static SesameAction *
load_path_action (SesameRequest *req,
                  GError       **error)
{
  const char *user_id = req->params[0];
  const char *code = req->params[1];
  const char *key = req->params[2];
  g_autoptr(SesameAction) action = NULL;

  if (!check_user_id (user_id, error) || !sesame_check_action_code (code, error) ||
      !sesame_check_identifier (key, "idempotency key", SESAME_ID_MAX_LEN, error))
    return NULL;
  action = sesame_store_get_action (req->store, req->tenant->id, key, error);
  if (!action)
    return NULL;
  if (!g_str_equal (action->user_id, user_id) || !g_str_equal (action->action_code, code))
    {
      sesame_api_fail (error, SESAME_API_ERROR_NOT_FOUND,
                 "User “%s” has no action “%s” with idempotency key “%s”", user_id, code, key);
      return NULL;
    }
  return g_steal_pointer (&action);
}

static void
reply_action (SesameRequest      *req,
              const SesameAction *action)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  sesame_json_add_action_members (builder, action);
  /* No rules run here. */
  add_empty_array (builder, "rules");
  add_empty_array (builder, "ruleIds");
  json_builder_end_object (builder);
  sesame_request_reply_builder (req, SOUP_STATUS_OK, builder);
}

void
sesame_server_api_get_action (SesameRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameAction) action = load_path_action (req, &error);

  if (!action)
    {
      sesame_request_reply_error (req, error, NULL, 0);
      return;
    }
  reply_action (req, action);
}

typedef struct
{
  SesameRequest *req;
  const char    *key;
  const char    *state;
  SesameAction  *action;   /* out */
} ActionChangeData;

static gboolean
update_action_in_transaction (SesameStore *store,
                              gpointer     user_data,
                              GError     **error)
{
  ActionChangeData *data = user_data;
  g_autofree char *reason = NULL;

  data->action = sesame_store_update_action (store, data->req->tenant->id, data->key, data->state,
                                             NULL, NULL, error);
  if (!data->action)
    return FALSE;
  reason = g_strdup_printf ("The backend set action %s to %s", data->action->action_code,
                            data->state);
  return sesame_request_record_event (data->req, data->key, data->action->user_id,
                                      "action-update", "success", reason, NULL, error);
}

void
sesame_server_api_update_action (SesameRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SesameAction) action = NULL;
  g_autoptr(SesameAction) updated = NULL;
  ActionChangeData data = { 0 };
  const char *state;
  JsonObject *body;

  root = sesame_request_read_object (req, &error);
  if (!root)
    goto fail;
  body = json_node_get_object (root);
  if (!sesame_json_get_string (body, "state", TRUE, 64, &state, &error))
    goto fail;
  if (!sesame_is_action_state (state))
    {
      sesame_api_fail (&error, SESAME_API_ERROR_INVALID_REQUEST,
                 "\"state\" “%s” is not an action state (ALLOW, BLOCK, CHALLENGE_REQUIRED, "
                 "CHALLENGE_SUCCEEDED, CHALLENGE_FAILED, REVIEW_REQUIRED, REVIEW_SUCCEEDED, "
                 "REVIEW_FAILED)", state);
      goto fail;
    }
  action = load_path_action (req, &error);
  if (!action)
    goto fail;

  data.req = req;
  data.key = action->idempotency_key;
  data.state = state;
  if (!sesame_store_run_in_transaction (req->store, update_action_in_transaction, &data, &error))
    {
      g_clear_pointer (&data.action, sesame_action_free);
      goto fail;
    }
  updated = g_steal_pointer (&data.action);
  reply_action (req, updated);
  return;

fail:
  sesame_request_reply_error (req, error, NULL, 0);
}

/* GET /users/{userId}/actions?fromDate=&codes=&state= */

static gboolean
parse_from_date (const char *text,
                 gint64     *usec,
                 GError    **error)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *fixed = g_strdup (text);

  /* Form decoding turns an unencoded '+' of a UTC offset into a space. */
  g_strdelimit (fixed, " ", '+');
  if (strlen (fixed) == 10)
    {
      g_autofree char *midnight = g_strconcat (fixed, "T00:00:00Z", NULL);
      time = g_date_time_new_from_iso8601 (midnight, utc);
    }
  else
    time = g_date_time_new_from_iso8601 (fixed, utc);
  if (!time)
    return sesame_api_fail (error, SESAME_API_ERROR_INVALID_REQUEST,
                      "\"fromDate\" “%s” is not an ISO 8601 date and time, e.g. "
                      "2024-01-31T12:00:00Z", text);
  *usec = g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
  return TRUE;
}

void
sesame_server_api_query_actions (SesameRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) actions = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GStrvBuilder) codes_builder = g_strv_builder_new ();
  g_auto(GStrv) codes = NULL;
  const char *user_id = req->params[0];
  const char *from_text = req->query ? g_hash_table_lookup (req->query, "fromDate") : NULL;
  const char *codes_text = req->query ? g_hash_table_lookup (req->query, "codes") : NULL;
  const char *state = req->query ? g_hash_table_lookup (req->query, "state") : NULL;
  gint64 from = 0;

  if (!check_user_id (user_id, &error))
    goto fail;
  if (from_text && *from_text && !parse_from_date (from_text, &from, &error))
    goto fail;
  if (codes_text && *codes_text)
    {
      g_auto(GStrv) parts = g_strsplit (codes_text, ",", -1);

      for (guint i = 0; parts[i]; i++)
        {
          g_strstrip (parts[i]);
          if (!*parts[i])
            continue;
          if (!sesame_check_action_code (parts[i], &error))
            goto fail;
          g_strv_builder_add (codes_builder, parts[i]);
        }
    }
  codes = g_strv_builder_end (codes_builder);
  if (state && !*state)
    state = NULL;
  if (state && !sesame_is_action_state (state))
    {
      sesame_api_fail (&error, SESAME_API_ERROR_INVALID_REQUEST,
                 "\"state\" “%s” is not an action state", state);
      goto fail;
    }

  actions = sesame_store_query_actions (req->store, req->tenant->id, user_id, from,
                                        (const char * const *) codes, state, &error);
  if (!actions)
    goto fail;

  builder = json_builder_new ();
  json_builder_begin_array (builder);
  for (guint i = 0; i < actions->len; i++)
    {
      json_builder_begin_object (builder);
      sesame_json_add_action_members (builder, g_ptr_array_index (actions, i));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  sesame_request_reply_builder (req, SOUP_STATUS_OK, builder);
  return;

fail:
  sesame_request_reply_error (req, error, NULL, 0);
}
