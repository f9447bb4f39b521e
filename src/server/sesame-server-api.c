/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The Server API: what an integrator's backend (@authsignal/node) calls
 * with the tenant's secret key. HTTP only: each handler checks its path,
 * query and body, calls the tenant's rules (sesame-action-rules.h), which
 * write each change in one transaction with its event, and shapes the
 * answer. */

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
  return sesame_tenant_check_identifier (user_id, "user id", SESAME_ID_MAX_LEN, error);
}

static JsonNode *
boolean_node (gboolean value)
{
  return json_node_init_boolean (json_node_alloc (), value);
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

/* The optional username and display name of a user; "" reads as absent.
 * The rules check what they hold. */
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
  return TRUE;
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

static void
reply_empty (SesameReply *reply)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_end_object (builder);
  sesame_reply_builder (reply, SOUP_STATUS_OK, builder);
}

/* POST /users/{userId}/actions/{action} → {idempotencyKey, state, url, token, isEnrolled, …} */

gboolean
sesame_server_api_track (SesameRequest  *req,
                         SesameReply    *reply,
                         GError        **error)
{
  static const char * const strings[] = {
    "redirectUrl", "ipAddress", "userAgent", "deviceId", "email", "phoneNumber", "challengeId",
    "locale", "customDomain", NULL,
  };
  static const char * const booleans[] = { "redirectToSettings", NULL };
  static const char * const objects[] = { "custom", NULL };
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

  /* The path first: a bad one is refused whatever the body holds. */
  if (!check_user_id (user_id, error) || !sesame_tenant_check_action_code (code, error))
    return FALSE;
  root = sesame_request_read_object (req, error);
  if (!root)
    return FALSE;
  body = json_node_get_object (root);
  if (!check_member_types (body, strings, booleans, objects, error) ||
      !sesame_json_get_string (body, "idempotencyKey", FALSE, SESAME_ID_MAX_LEN,
                               &idempotency_key, error) ||
      !sesame_json_get_string (body, "scope", FALSE, 256, &requested_scope, error) ||
      !get_user_names (body, &username, &display_name, error))
    return FALSE;
  scope = sesame_scope_for_track (requested_scope, error);
  if (!scope)
    return FALSE;

  action = sesame_tenant_track_action (req->store, req->tenant, &req->caller, user_id, code,
                                       idempotency_key, username, display_name, scope, error);
  if (!action)
    return FALSE;
  passkeys = sesame_store_list_passkeys (req->store, req->tenant->id, user_id, error);
  if (!passkeys)
    return FALSE;
  token = sesame_server_issue_token (req, req->tenant, action, scope, error);
  if (!token)
    return FALSE;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "idempotencyKey", action->idempotency_key);
  sesame_json_add_string (builder, "state", action->state);
  /* There is no pre-built UI here; the sample app stands in for it. */
  sesame_json_add_string (builder, "url", req->app_url);
  sesame_json_add_string (builder, "token", token);
  add_enrollment (builder, passkeys->len);
  add_empty_array (builder, "ruleIds");
  json_builder_end_object (builder);
  sesame_reply_builder (reply, SOUP_STATUS_OK, builder);
  return TRUE;
}

/* POST /validate {token, userId?, action?} → {isValid, state, …} */

gboolean
sesame_server_api_validate (SesameRequest  *req,
                            SesameReply    *reply,
                            GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SesameAction) action = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  const char *token, *user_id, *action_code, *action_code_too;
  gboolean is_valid;
  JsonObject *body;

  root = sesame_request_read_object (req, error);
  if (!root)
    return FALSE;
  body = json_node_get_object (root);
  if (!sesame_json_get_string (body, "token", TRUE, SESAME_TOKEN_MAX_LEN, &token, error) ||
      !sesame_json_get_string (body, "userId", FALSE, SESAME_ID_MAX_LEN, &user_id, error) ||
      !sesame_json_get_string (body, "action", FALSE, SESAME_ID_MAX_LEN, &action_code, error) ||
      !sesame_json_get_string (body, "actionCode", FALSE, SESAME_ID_MAX_LEN, &action_code_too,
                               error))
    return FALSE;
  /* @authsignal/node sends actionCode, the Go SDK and the docs action. */
  if (!action_code)
    action_code = action_code_too;

  action = sesame_tenant_validate (req->store, req->tenant, &req->caller, token, user_id,
                                   action_code, &is_valid, &local_error);
  if (!action)
    {
      /* The shape the SDKs' tests show for a token of another user or
       * action: an answer, with the message itself as "error". */
      if (g_error_matches (local_error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_USER_MISMATCH) ||
          g_error_matches (local_error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_ACTION_MISMATCH))
        {
          builder = json_builder_new ();
          json_builder_begin_object (builder);
          sesame_json_add_boolean (builder, "isValid", FALSE);
          sesame_json_add_string (builder, "error", local_error->message);
          sesame_json_add_string (builder, "errorCode",
                                  sesame_http_error_code (local_error, NULL));
          sesame_json_add_string (builder, "errorDescription", local_error->message);
          json_builder_end_object (builder);
          sesame_reply_builder (reply, SOUP_STATUS_BAD_REQUEST, builder);
          return TRUE;
        }
      sesame_reply_add_error_member (reply, "isValid", boolean_node (FALSE));
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_json_add_boolean (builder, "isValid", is_valid);
  sesame_json_add_string (builder, "state", action->state);
  sesame_json_add_time (builder, "stateUpdatedAt", action->state_updated);
  sesame_json_add_string (builder, "userId", action->user_id);
  sesame_json_add_string (builder, "actionCode", action->action_code);
  sesame_json_add_string (builder, "action", action->action_code);
  sesame_json_add_string (builder, "idempotencyKey", action->idempotency_key);
  sesame_json_add_string (builder, "verificationMethod", action->verification_method);
  sesame_json_add_string (builder, "verifiedByAuthenticatorId", action->authenticator_id);
  json_builder_end_object (builder);
  sesame_reply_builder (reply, SOUP_STATUS_OK, builder);
  return TRUE;
}

/* GET, PATCH, DELETE /users/{userId} */

static gboolean
reply_user (SesameRequest  *req,
            SesameReply    *reply,
            const char     *user_id,
            GError        **error)
{
  g_autoptr(GError) lookup_error = NULL;
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(GPtrArray) passkeys = NULL;
  g_autoptr(JsonBuilder) builder = NULL;

  user = sesame_store_get_user (req->store, req->tenant->id, user_id, &lookup_error);
  if (!user && !sesame_store_error_is_not_found (lookup_error))
    {
      g_propagate_error (error, g_steal_pointer (&lookup_error));
      return FALSE;
    }
  passkeys = sesame_store_list_passkeys (req->store, req->tenant->id, user_id, error);
  if (!passkeys)
    return FALSE;

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
  sesame_reply_builder (reply, SOUP_STATUS_OK, builder);
  return TRUE;
}

gboolean
sesame_server_api_get_user (SesameRequest  *req,
                            SesameReply    *reply,
                            GError        **error)
{
  return check_user_id (req->params[0], error) &&
         reply_user (req, reply, req->params[0], error);
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

gboolean
sesame_server_api_query_users (SesameRequest  *req,
                              SesameReply    *reply,
                              GError        **error)
{
  /* The local tenant keeps no email address or phone number, and the
   * token filter is not implemented: refused rather than ignored, so that
   * a backend never takes an unfiltered list for a match. */
  static const char * const unsupported[] = { "email", "phoneNumber", "token", NULL };
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
        sesame_api_fail (error, SESAME_API_ERROR_INVALID_REQUEST,
                         "Querying users by \"%s\" is not supported by the local tenant; "
                         "query by \"username\" or page through them all", unsupported[i]);
        return FALSE;
      }
  if (limit_text && !parse_limit (limit_text, &limit, error))
    return FALSE;
  if (after && !*after)
    after = NULL;
  if (after && !check_user_id (after, error))
    return FALSE;

  if (username)
    {
      g_autoptr(GError) lookup_error = NULL;
      g_autoptr(SesameUser) user = NULL;

      /* An exact match: at most one user, so never a next page. An empty
       * or impossible name matches nobody. */
      users = g_ptr_array_new_with_free_func ((GDestroyNotify) sesame_user_free);
      if (*username)
        {
          if (!sesame_tenant_check_identifier (username, "username", SESAME_ID_MAX_LEN, error))
            return FALSE;
          user = sesame_store_find_user_by_username (req->store, req->tenant->id, username,
                                                     &lookup_error);
          if (!user && !sesame_store_error_is_not_found (lookup_error))
            {
              g_propagate_error (error, g_steal_pointer (&lookup_error));
              return FALSE;
            }
        }
      if (user && (!after || strcmp (user->user_id, after) > 0))
        g_ptr_array_add (users, g_steal_pointer (&user));
    }
  else
    {
      /* One more than asked for tells whether another page follows. */
      users = sesame_store_list_users_after (req->store, req->tenant->id, after, limit + 1,
                                             error);
      if (!users)
        return FALSE;
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
      g_autoptr(GPtrArray) passkeys = sesame_store_list_passkeys (req->store, req->tenant->id,
                                                              user->user_id, error);

      if (!passkeys)
        return FALSE;
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
  sesame_reply_builder (reply, SOUP_STATUS_OK, builder);
  return TRUE;
}

gboolean
sesame_server_api_update_user (SesameRequest  *req,
                               SesameReply    *reply,
                               GError        **error)
{
  static const char * const strings[] = { "email", "phoneNumber", NULL };
  static const char * const objects[] = { "custom", NULL };
  g_autoptr(JsonNode) root = NULL;
  const char *user_id = req->params[0];
  const char *username, *display_name;
  JsonObject *body;

  if (!check_user_id (user_id, error))
    return FALSE;
  root = sesame_request_read_object (req, error);
  if (!root)
    return FALSE;
  body = json_node_get_object (root);
  if (!check_member_types (body, strings, NULL, objects, error) ||
      !get_user_names (body, &username, &display_name, error) ||
      !sesame_tenant_update_user (req->store, req->tenant, &req->caller, user_id, username,
                                  display_name, error))
    return FALSE;
  return reply_user (req, reply, user_id, error);
}

gboolean
sesame_server_api_delete_user (SesameRequest  *req,
                               SesameReply    *reply,
                               GError        **error)
{
  if (!sesame_tenant_delete_user (req->store, req->tenant, &req->caller, req->params[0], error))
    return FALSE;
  reply_empty (reply);
  return TRUE;
}

/* GET /users/{userId}/authenticators, DELETE /users/{userId}/authenticators/{id} */

gboolean
sesame_server_api_list_authenticators (SesameRequest  *req,
                                       SesameReply    *reply,
                                       GError        **error)
{
  g_autoptr(GPtrArray) passkeys = NULL;
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  const char *user_id = req->params[0];

  if (!check_user_id (user_id, error))
    return FALSE;
  passkeys = sesame_store_list_passkeys (req->store, req->tenant->id, user_id, error);
  if (!passkeys)
    return FALSE;
  user = sesame_store_get_user (req->store, req->tenant->id, user_id, NULL);

  builder = json_builder_new ();
  json_builder_begin_array (builder);
  for (guint i = 0; i < passkeys->len; i++)
    sesame_json_add_authenticator (builder, g_ptr_array_index (passkeys, i), user);
  json_builder_end_array (builder);
  sesame_reply_builder (reply, SOUP_STATUS_OK, builder);
  return TRUE;
}

gboolean
sesame_server_api_delete_authenticator (SesameRequest  *req,
                                        SesameReply    *reply,
                                        GError        **error)
{
  if (!sesame_tenant_delete_passkey (req->store, req->tenant, &req->caller, req->params[0],
                                     req->params[1], error))
    return FALSE;
  reply_empty (reply);
  return TRUE;
}

/* GET, PATCH /users/{userId}/actions/{action}/{idempotencyKey} */

static void
reply_action (SesameReply        *reply,
              const SesameAction *action)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  sesame_json_add_action_members (builder, action);
  /* No rules run here. */
  add_empty_array (builder, "rules");
  add_empty_array (builder, "ruleIds");
  json_builder_end_object (builder);
  sesame_reply_builder (reply, SOUP_STATUS_OK, builder);
}

gboolean
sesame_server_api_get_action (SesameRequest  *req,
                              SesameReply    *reply,
                              GError        **error)
{
  g_autoptr(SesameAction) action = NULL;

  action = sesame_tenant_get_user_action (req->store, req->tenant, req->params[0],
                                          req->params[1], req->params[2], error);
  if (!action)
    return FALSE;
  reply_action (reply, action);
  return TRUE;
}

gboolean
sesame_server_api_update_action (SesameRequest  *req,
                                 SesameReply    *reply,
                                 GError        **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SesameAction) action = NULL;
  SesameActionState state;
  const char *state_text;
  JsonObject *body;

  root = sesame_request_read_object (req, error);
  if (!root)
    return FALSE;
  body = json_node_get_object (root);
  if (!sesame_json_get_string (body, "state", TRUE, 64, &state_text, error))
    return FALSE;
  if (!sesame_action_state_from_string (state_text, &state))
    return sesame_api_fail (error, SESAME_API_ERROR_INVALID_REQUEST,
                            "\"state\" “%s” is not an action state (ALLOW, BLOCK, "
                            "CHALLENGE_REQUIRED, CHALLENGE_SUCCEEDED, CHALLENGE_FAILED, "
                            "REVIEW_REQUIRED, REVIEW_SUCCEEDED, REVIEW_FAILED)", state_text);
  action = sesame_tenant_set_action_state (req->store, req->tenant, &req->caller, req->params[0],
                                           req->params[1], req->params[2], state, error);
  if (!action)
    return FALSE;
  reply_action (reply, action);
  return TRUE;
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

gboolean
sesame_server_api_query_actions (SesameRequest  *req,
                                SesameReply    *reply,
                                GError        **error)
{
  g_autoptr(GPtrArray) actions = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GStrvBuilder) codes_builder = g_strv_builder_new ();
  g_auto(GStrv) codes = NULL;
  const char *user_id = req->params[0];
  const char *from_text = req->query ? g_hash_table_lookup (req->query, "fromDate") : NULL;
  const char *codes_text = req->query ? g_hash_table_lookup (req->query, "codes") : NULL;
  const char *state = req->query ? g_hash_table_lookup (req->query, "state") : NULL;
  SesameActionState parsed;
  gint64 from = 0;

  if (!check_user_id (user_id, error))
    return FALSE;
  if (from_text && *from_text && !parse_from_date (from_text, &from, error))
    return FALSE;
  if (codes_text && *codes_text)
    {
      g_auto(GStrv) parts = g_strsplit (codes_text, ",", -1);

      for (guint i = 0; parts[i]; i++)
        {
          g_strstrip (parts[i]);
          if (!*parts[i])
            continue;
          if (!sesame_tenant_check_action_code (parts[i], error))
            return FALSE;
          g_strv_builder_add (codes_builder, parts[i]);
        }
    }
  codes = g_strv_builder_end (codes_builder);
  if (state && !*state)
    state = NULL;
  if (state && !sesame_action_state_from_string (state, &parsed))
    return sesame_api_fail (error, SESAME_API_ERROR_INVALID_REQUEST,
                            "\"state\" “%s” is not an action state", state);

  actions = sesame_store_query_actions (req->store, req->tenant->id, user_id, from,
                                        (const char * const *) codes, state, error);
  if (!actions)
    return FALSE;

  builder = json_builder_new ();
  json_builder_begin_array (builder);
  for (guint i = 0; i < actions->len; i++)
    {
      json_builder_begin_object (builder);
      sesame_json_add_action_members (builder, g_ptr_array_index (actions, i));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  sesame_reply_builder (reply, SOUP_STATUS_OK, builder);
  return TRUE;
}
