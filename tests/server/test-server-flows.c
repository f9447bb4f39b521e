/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The happy paths of the Client and Server APIs, as the Authsignal SDKs
 * drive them (WIRE-PROTOCOL.md §3, §5, §6), against the real server. */

#include "config.h"

#include "server-test-util.h"

#include <string.h>

typedef SesameTestSession Fixture;

static JsonObject *
validate (Fixture    *f,
          const char *token,
          const char *extra_members)
{
  g_autofree char *body = g_strdup_printf ("{\"token\":\"%s\"%s%s}", token,
                                           extra_members ? "," : "",
                                           extra_members ? extra_members : "");
  g_autoptr(SesameTestReply) reply = sesame_test_request (f->server, "POST", "/v1/validate",
                                                          f->secret_auth, body);

  sesame_test_assert_ok (reply);
  return json_object_ref (sesame_test_reply_object (reply));
}

static gboolean
array_has_string (JsonArray  *array,
                  const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
          g_str_equal (json_node_get_string (node), value))
        return TRUE;
    }
  return FALSE;
}

static gboolean
is_iso8601 (const char *text)
{
  g_autoptr(GDateTime) time = text ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  return time != NULL;
}

static void
test_register (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(JsonObject) tracked = NULL;
  g_autoptr(JsonObject) options = NULL;
  g_autoptr(SesameTestPasskey) passkey = NULL;
  g_autoptr(JsonObject) credential = NULL;
  g_autoptr(SesameTestReply) reply = NULL;
  g_autoptr(JsonObject) valid = NULL;
  g_autoptr(GBytes) challenge = NULL;
  g_autoptr(GBytes) user_handle = NULL;
  g_autofree char *token = NULL;
  g_autofree char *bearer = NULL;
  g_autofree char *body = NULL;
  g_autofree char *access_token = NULL;
  JsonObject *public_key, *object, *authenticator, *webauthn;
  JsonArray *params;
  gboolean has_es256 = FALSE;

  if (!sesame_test_require_server ())
    return;

  /* Server API track: a token and CHALLENGE_REQUIRED. */
  token = sesame_test_track (f->server, "alice", "addPasskey",
                             "{\"username\":\"alice\",\"redirectUrl\":\"http://localhost/\"}",
                             &tracked);
  g_assert_cmpuint (strlen (token), >, 20);
  g_assert_cmpstr (sesame_test_get_string (tracked, "state"), ==, "CHALLENGE_REQUIRED");
  g_assert_cmpstr (sesame_test_get_string (tracked, "idempotencyKey"), !=, "");
  g_assert_false (sesame_test_get_bool (tracked, "isEnrolled"));

  /* C2, with the 1.16 body: no displayName. */
  options = sesame_test_registration_options (f->server, token, "alice");
  public_key = sesame_test_get_object (options, "options");
  g_assert_cmpstr (sesame_test_get_string (options, "challengeId"), !=, "");
  challenge = sesame_test_b64url_decode (sesame_test_get_string (public_key, "challenge"));
  g_assert_cmpuint (g_bytes_get_size (challenge), ==, 32);
  user_handle = sesame_test_b64url_decode (
    sesame_test_get_string (sesame_test_get_object (public_key, "user"), "id"));
  g_assert_cmpuint (g_bytes_get_size (user_handle), >, 0);
  g_assert_cmpuint (g_bytes_get_size (user_handle), <=, 64);
  g_assert_cmpstr (sesame_test_get_string (sesame_test_get_object (public_key, "user"), "name"),
                   ==, "alice");
  g_assert_cmpstr (sesame_test_get_string (sesame_test_get_object (public_key, "rp"), "id"), ==,
                   "localhost");
  sesame_test_get_string (sesame_test_get_object (public_key, "rp"), "name");
  params = sesame_test_get_array (public_key, "pubKeyCredParams");
  for (guint i = 0; i < json_array_get_length (params); i++)
    {
      JsonObject *param = json_array_get_object_element (params, i);
      if (json_object_get_int_member_with_default (param, "alg", 0) == -7 &&
          g_strcmp0 (json_object_get_string_member_with_default (param, "type", ""),
                     "public-key") == 0)
        has_es256 = TRUE;
    }
  g_assert_true (has_es256);

  /* C3 with a real packed self attestation for origin http://localhost:PORT. */
  passkey = sesame_test_passkey_new ();
  credential = sesame_test_registration_credential (
    passkey, sesame_test_get_string (public_key, "challenge"), f->server->origin, "localhost",
    SESAME_TEST_FLAGS_REGISTER, "packed");
  body = sesame_test_c3_body (credential, sesame_test_get_string (options, "challengeId"));
  bearer = sesame_test_bearer (token);
  reply = sesame_test_request (f->server, "POST", "/v1/client/user-authenticators/passkey",
                               bearer, body);
  sesame_test_assert_ok (reply);
  object = sesame_test_reply_object (reply);
  g_assert_true (sesame_test_get_bool (object, "isVerified"));
  access_token = g_strdup (sesame_test_get_string (object, "accessToken"));
  g_assert_cmpstr (sesame_test_get_string (object, "userId"), ==, "alice");
  authenticator = sesame_test_get_object (object, "userAuthenticator");
  g_assert_cmpstr (sesame_test_get_string (authenticator, "userAuthenticatorId"), ==,
                   sesame_test_get_string (object, "userAuthenticatorId"));
  g_assert_cmpstr (sesame_test_get_string (authenticator, "verificationMethod"), ==, "PASSKEY");
  webauthn = sesame_test_get_object (authenticator, "webauthnCredential");
  g_assert_cmpstr (sesame_test_get_string (webauthn, "credentialId"), ==, passkey->credential_id);

  /* The new token validates as a succeeded passkey challenge of the action. */
  valid = validate (f, access_token, NULL);
  g_assert_true (sesame_test_get_bool (valid, "isValid"));
  g_assert_cmpstr (sesame_test_get_string (valid, "state"), ==, "CHALLENGE_SUCCEEDED");
  g_assert_cmpstr (sesame_test_get_string (valid, "verificationMethod"), ==, "PASSKEY");
  g_assert_cmpstr (sesame_test_get_string (valid, "action"), ==, "addPasskey");
  g_assert_cmpstr (sesame_test_get_string (valid, "actionCode"), ==, "addPasskey");
  g_assert_cmpstr (sesame_test_get_string (valid, "userId"), ==, "alice");
  g_assert_cmpstr (sesame_test_get_string (valid, "idempotencyKey"), ==,
                   sesame_test_get_string (tracked, "idempotencyKey"));
  g_assert_true (is_iso8601 (sesame_test_get_string (valid, "stateUpdatedAt")));

  /* On disk: one user, one passkey with its counter, the action succeeded. */
  g_assert_cmpint (sesame_test_db_int (f->server, "SELECT count(*) FROM users"), ==, 1);
  g_assert_cmpint (sesame_test_db_int (f->server, "SELECT count(*) FROM passkeys"), ==, 1);
  g_assert_cmpint (sesame_test_db_int (f->server,
                                       "SELECT count(*) FROM actions WHERE action_code = "
                                       "'addPasskey' AND state = 'CHALLENGE_SUCCEEDED'"), ==, 1);
  g_assert_cmpint (sesame_test_db_int (f->server,
                                       "SELECT count(*) FROM challenges WHERE used = 0 AND "
                                       "type = 'registration'"), ==, 0);
  g_assert_cmpint (sesame_test_db_int (f->server, "SELECT count(*) FROM events"), >, 0);

  /* Events are shown to users: no secret key, token or challenge in them. */
  {
    g_autofree char *events = sesame_test_db_text (f->server,
      "SELECT group_concat (kind || ' ' || ifnull (origin, '') || ' ' || ifnull (user_agent, '')"
      " || ' ' || ifnull (outcome, '') || ' ' || ifnull (reason, '') || ' ' ||"
      " ifnull (details, ''), char (10)) FROM events");
    const char *secrets[] = {
      f->server->secret_key, token, access_token,
      sesame_test_get_string (public_key, "challenge"),
    };

    for (gsize i = 0; i < G_N_ELEMENTS (secrets); i++)
      if (strstr (events, secrets[i]))
        {
          g_test_message ("an event holds a secret (%.12s…): %s", secrets[i], events);
          g_test_fail ();
        }
  }
}

static void
test_register_with_display_name (Fixture      *f,
                                 gconstpointer data)
{
  g_autofree char *token = NULL;
  g_autofree char *auth = NULL;
  g_autoptr(SesameTestReply) reply = NULL;
  JsonObject *user;

  if (!sesame_test_require_server ())
    return;
  /* The v1.21 body: displayName, no authenticatorAttachment. */
  token = sesame_test_track (f->server, "bob", "addPasskey", NULL, NULL);
  auth = sesame_test_bearer (token);
  reply = sesame_test_request (f->server, "POST",
                               SESAME_TEST_C2, auth,
                               "{\"username\":\"bob\",\"displayName\":\"Bob Smith\"}");
  sesame_test_assert_ok (reply);
  user = sesame_test_get_object (sesame_test_get_object (sesame_test_reply_object (reply),
                                                         "options"), "user");
  g_assert_cmpstr (sesame_test_get_string (user, "name"), ==, "bob");
  g_assert_cmpstr (sesame_test_get_string (user, "displayName"), ==, "Bob Smith");
}

static void
check_sign_in_reply (Fixture           *f,
                     JsonObject        *reply,
                     SesameTestPasskey *passkey,
                     const char        *action_code)
{
  g_autoptr(JsonObject) valid = NULL;
  g_autofree char *sql = NULL;

  g_assert_true (sesame_test_get_bool (reply, "isVerified"));
  g_assert_cmpstr (sesame_test_get_string (reply, "userId"), ==, "alice");
  g_assert_cmpstr (sesame_test_get_string (reply, "userAuthenticatorId"), ==, passkey->passkey_id);
  g_assert_cmpstr (sesame_test_get_string (reply, "username"), ==, "alice");

  valid = validate (f, sesame_test_get_string (reply, "accessToken"), NULL);
  g_assert_true (sesame_test_get_bool (valid, "isValid"));
  g_assert_cmpstr (sesame_test_get_string (valid, "state"), ==, "CHALLENGE_SUCCEEDED");
  g_assert_cmpstr (sesame_test_get_string (valid, "verificationMethod"), ==, "PASSKEY");
  g_assert_cmpstr (sesame_test_get_string (valid, "action"), ==, action_code);
  g_assert_cmpstr (sesame_test_get_string (valid, "actionCode"), ==, action_code);
  g_assert_cmpstr (sesame_test_get_string (valid, "userId"), ==, "alice");

  /* The stored counter follows the authenticator's. */
  sql = g_strdup_printf ("SELECT sign_count FROM passkeys WHERE id = '%s'", passkey->passkey_id);
  g_assert_cmpint (sesame_test_db_int (f->server, sql), ==, passkey->sign_count);
}

static void
test_sign_in (Fixture      *f,
              gconstpointer data)
{
  g_autoptr(SesameTestPasskey) passkey = NULL;
  g_autoptr(JsonObject) with_action = NULL;
  g_autoptr(JsonObject) without_action = NULL;
  g_autoptr(JsonObject) options = NULL;
  JsonObject *public_key;

  if (!sesame_test_require_server ())
    return;
  passkey = sesame_test_register (f->server, "alice", "alice", "{\"username\":\"alice\"}", NULL);

  /* The options of a discoverable sign-in. */
  options = sesame_test_authentication_options (f->server, f->tenant_auth, NULL);
  public_key = sesame_test_get_object (options, "options");
  g_assert_cmpstr (sesame_test_get_string (public_key, "rpId"), ==, "localhost");
  {
    g_autoptr(GBytes) challenge =
      sesame_test_b64url_decode (sesame_test_get_string (public_key, "challenge"));
    g_assert_cmpuint (g_bytes_get_size (challenge), ==, 32);
  }
  sesame_test_get_array (public_key, "allowCredentials");
  sesame_test_get_string (public_key, "userVerification");

  /* signIn({action}): C1, C4 {challengeId}, C5. */
  with_action = sesame_test_sign_in (f->server, passkey, "login");
  check_sign_in_reply (f, with_action, passkey, "login");

  /* signIn(): C4 {}, C5; the action code is signInWithPasskey. */
  without_action = sesame_test_sign_in (f->server, passkey, NULL);
  check_sign_in_reply (f, without_action, passkey, "signInWithPasskey");
  g_assert_cmpint (sesame_test_db_int (f->server,
                                       "SELECT count(*) FROM actions WHERE action_code = "
                                       "'signInWithPasskey' AND user_id = 'alice'"), ==, 1);
}

static void
check_authenticator (JsonObject        *authenticator,
                     SesameTestPasskey *passkey)
{
  JsonObject *webauthn = sesame_test_get_object (authenticator, "webauthnCredential");

  g_assert_cmpstr (sesame_test_get_string (authenticator, "userAuthenticatorId"), ==,
                   passkey->passkey_id);
  g_assert_cmpstr (sesame_test_get_string (authenticator, "verificationMethod"), ==, "PASSKEY");
  g_assert_true (is_iso8601 (sesame_test_get_string (authenticator, "createdAt")));
  g_assert_cmpstr (sesame_test_get_string (webauthn, "credentialId"), ==, passkey->credential_id);
}

static void
test_authenticators (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(SesameTestPasskey) passkey = NULL;
  g_autoptr(SesameTestPasskey) other = NULL;
  g_autoptr(SesameTestReply) server_list = NULL;
  g_autoptr(SesameTestReply) client_list = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *bearer = NULL;
  JsonArray *array;

  if (!sesame_test_require_server ())
    return;
  passkey = sesame_test_register (f->server, "alice", "alice", NULL, &access_token);
  other = sesame_test_register (f->server, "bob", "bob", NULL, NULL);

  /* Server API: only alice's passkey, with its userId. */
  server_list = sesame_test_request (f->server, "GET", "/v1/users/alice/authenticators",
                                     f->secret_auth, NULL);
  sesame_test_assert_ok (server_list);
  array = sesame_test_reply_array (server_list);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  if (json_array_get_length (array) == 1)
    {
      JsonObject *authenticator = json_array_get_object_element (array, 0);
      check_authenticator (authenticator, passkey);
      g_assert_cmpstr (sesame_test_get_string (authenticator, "userId"), ==, "alice");
    }

  /* C7 with the accessToken of the registration. */
  bearer = sesame_test_bearer (access_token);
  client_list = sesame_test_request (f->server, "GET", "/v1/client/user-authenticators", bearer,
                                     NULL);
  sesame_test_assert_ok (client_list);
  array = sesame_test_reply_array (client_list);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  if (json_array_get_length (array) == 1)
    check_authenticator (json_array_get_object_element (array, 0), passkey);
}

static guint
existence_status (Fixture    *f,
                  const char *ids)
{
  g_autofree char *path = g_strconcat (SESAME_TEST_C6, ids, NULL);
  /* The SDK sends Content-Type on this GET too. */
  g_autoptr(SesameTestReply) reply = sesame_test_request_full (f->server, "GET", path,
                                                               f->tenant_auth, "application/json",
                                                               NULL, 0, NULL);

  if (!SOUP_STATUS_IS_SUCCESSFUL (reply->status))
    g_assert_true (json_object_has_member (sesame_test_reply_object (reply), "error"));
  return reply->status;
}

static void
test_existence_check (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(SesameTestPasskey) passkey = NULL;
  g_autofree char *unknown = NULL;
  g_autofree char *both = NULL;

  if (!sesame_test_require_server ())
    return;
  passkey = sesame_test_register (f->server, "alice", "alice", NULL, NULL);
  unknown = sesame_test_random_b64url (16);
  both = g_strdup_printf ("%s,%s", unknown, passkey->credential_id);

  g_assert_true (SOUP_STATUS_IS_SUCCESSFUL (existence_status (f, passkey->credential_id)));
  g_assert_false (SOUP_STATUS_IS_SUCCESSFUL (existence_status (f, unknown)));
  g_assert_true (SOUP_STATUS_IS_SUCCESSFUL (existence_status (f, both)));
  g_assert_false (SOUP_STATUS_IS_SUCCESSFUL (existence_status (f, "")));
}

static void
test_get_user (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(SesameTestPasskey) passkey = NULL;
  g_autoptr(SesameTestReply) known = NULL;
  g_autoptr(SesameTestReply) unknown = NULL;
  JsonObject *object;

  if (!sesame_test_require_server ())
    return;
  passkey = sesame_test_register (f->server, "alice", "alice", NULL, NULL);

  known = sesame_test_request (f->server, "GET", "/v1/users/alice", f->secret_auth, NULL);
  sesame_test_assert_ok (known);
  object = sesame_test_reply_object (known);
  g_assert_true (sesame_test_get_bool (object, "isEnrolled"));
  g_assert_true (array_has_string (sesame_test_get_array (object, "enrolledVerificationMethods"),
                                   "PASSKEY"));

  /* An unknown user is 200 with isEnrolled false (§5). */
  unknown = sesame_test_request (f->server, "GET", "/v1/users/nobody", f->secret_auth, NULL);
  sesame_test_assert_ok (unknown);
  g_assert_false (sesame_test_get_bool (sesame_test_reply_object (unknown), "isEnrolled"));
}

/* GET /v1/users: the ids of the page, space-separated, and its cursor
 * ("(none)" when the reply has no lastEvaluatedUserId). */
static char *
query_users (Fixture     *f,
             const char  *query,
             char       **cursor)
{
  g_autofree char *path = g_strconcat ("/v1/users", query, NULL);
  g_autoptr(SesameTestReply) reply = sesame_test_request (f->server, "GET", path, f->secret_auth,
                                                          NULL);
  g_autoptr(GString) ids = g_string_new (NULL);
  JsonObject *object;
  JsonArray *users;

  sesame_test_assert_ok (reply);
  object = sesame_test_reply_object (reply);
  users = sesame_test_get_array (object, "users");
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);

      g_assert_nonnull (user);
      if (!user)
        continue;
      g_string_append_printf (ids, "%s%s", i ? " " : "", sesame_test_get_string (user, "userId"));
    }
  if (json_object_has_member (object, "lastEvaluatedUserId"))
    *cursor = g_strdup (sesame_test_get_string (object, "lastEvaluatedUserId"));
  else
    *cursor = g_strdup ("(none)");
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static void
test_query_users (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(SesameTestPasskey) passkey = NULL;
  g_autoptr(SesameTestReply) found = NULL;
  g_autoptr(SesameTestReply) unenrolled = NULL;
  g_autoptr(SesameTestReply) preflight = NULL;
  g_autofree char *bob_token = NULL;
  g_autofree char *carol_token = NULL;
  g_autofree char *wrong_secret = NULL;
  JsonObject *object, *user;
  JsonArray *users;

  if (!sesame_test_require_server ())
    return;
  passkey = sesame_test_register (f->server, "alice", "alice", "{\"username\":\"alice\"}", NULL);
  bob_token = sesame_test_track (f->server, "bob", "addPasskey",
                                 "{\"username\":\"bob\",\"displayName\":\"Bob Smith\"}", NULL);
  carol_token = sesame_test_track (f->server, "carol", "addPasskey", "{\"username\":\"carol\"}",
                                   NULL);

  /* By username: an exact match, with its enrolment; never a cursor. */
  found = sesame_test_request (f->server, "GET", "/v1/users?username=alice", f->secret_auth,
                               NULL);
  sesame_test_assert_ok (found);
  object = sesame_test_reply_object (found);
  users = sesame_test_get_array (object, "users");
  g_assert_cmpuint (json_array_get_length (users), ==, 1);
  g_assert_false (json_object_has_member (object, "lastEvaluatedUserId"));
  if (json_array_get_length (users) == 1)
    {
      user = json_array_get_object_element (users, 0);
      g_assert_cmpstr (sesame_test_get_string (user, "userId"), ==, "alice");
      g_assert_cmpstr (sesame_test_get_string (user, "username"), ==, "alice");
      g_assert_true (sesame_test_get_bool (user, "isEnrolled"));
      g_assert_false (json_object_has_member (user, "displayName"));
    }

  unenrolled = sesame_test_request (f->server, "GET", "/v1/users?username=bob&limit=5",
                                    f->secret_auth, NULL);
  sesame_test_assert_ok (unenrolled);
  users = sesame_test_get_array (sesame_test_reply_object (unenrolled), "users");
  g_assert_cmpuint (json_array_get_length (users), ==, 1);
  if (json_array_get_length (users) == 1)
    {
      user = json_array_get_object_element (users, 0);
      g_assert_cmpstr (sesame_test_get_string (user, "userId"), ==, "bob");
      g_assert_cmpstr (sesame_test_get_string (user, "displayName"), ==, "Bob Smith");
      g_assert_false (sesame_test_get_bool (user, "isEnrolled"));
    }

  {
    static const struct
    {
      const char *query;
      const char *ids;
      const char *cursor;
    } pages[] = {
      /* Not found, or not an exact match: an empty list. */
      { "?username=nobody", "", "(none)" },
      { "?username=ALICE", "", "(none)" },
      { "?username=", "", "(none)" },
      /* Everyone, by user id; the cursor only while more follow. */
      { "", "alice bob carol", "(none)" },
      { "?limit=2", "alice bob", "bob" },
      { "?limit=2&lastEvaluatedUserId=bob", "carol", "(none)" },
      { "?limit=3", "alice bob carol", "(none)" },
      { "?limit=1&lastEvaluatedUserId=alice", "bob", "bob" },
      { "?lastEvaluatedUserId=carol", "", "(none)" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (pages); i++)
      {
        g_autofree char *cursor = NULL;
        g_autofree char *ids = query_users (f, pages[i].query, &cursor);

        if (!g_str_equal (ids, pages[i].ids) || !g_str_equal (cursor, pages[i].cursor))
          {
            g_test_message ("GET /v1/users%s → [%s] cursor %s, expected [%s] cursor %s",
                            pages[i].query, ids, cursor, pages[i].ids, pages[i].cursor);
            g_test_fail ();
          }
      }
  }

  /* Following the cursor visits everyone once. */
  {
    g_autoptr(GString) all = g_string_new (NULL);
    g_autofree char *cursor = NULL;
    guint n_pages = 0;

    do
      {
        g_autofree char *query = cursor ? g_strdup_printf ("?limit=2&lastEvaluatedUserId=%s",
                                                           cursor)
                                        : g_strdup ("?limit=2");
        g_autofree char *ids = NULL;

        g_clear_pointer (&cursor, g_free);
        ids = query_users (f, query, &cursor);
        g_string_append_printf (all, "%s%s", all->len ? " " : "", ids);
        if (g_str_equal (cursor, "(none)"))
          g_clear_pointer (&cursor, g_free);
      }
    while (cursor && ++n_pages < 10);
    g_assert_cmpstr (all->str, ==, "alice bob carol");
  }

  /* A bad limit, and the filters the local tenant cannot apply. */
  {
    static const char * const bad[] = {
      "?limit=0", "?limit=101", "?limit=-1", "?limit=abc", "?limit=2.5", "?limit=",
      "?limit=%2B5", "?limit=1e2",
    };
    static const char * const unsupported[] = {
      "?email=alice%40example.com", "?phoneNumber=%2B15555550100", "?token=abc",
      "?username=alice&email=alice%40example.com",
    };

    for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *path = g_strconcat ("/v1/users", bad[i], NULL);
        g_autoptr(SesameTestReply) reply = sesame_test_request (f->server, "GET", path,
                                                                f->secret_auth, NULL);
        sesame_test_assert_error (reply, "invalid_request");
      }
    for (gsize i = 0; i < G_N_ELEMENTS (unsupported); i++)
      {
        g_autofree char *path = g_strconcat ("/v1/users", unsupported[i], NULL);
        g_autoptr(SesameTestReply) reply = sesame_test_request (f->server, "GET", path,
                                                                f->secret_auth, NULL);
        sesame_test_assert_error (reply, "invalid_request");
        g_assert_nonnull (strstr (sesame_test_get_string (sesame_test_reply_object (reply),
                                                          "errorDescription"),
                                  "not supported by the local tenant"));
      }
  }

  /* The secret key only: not the tenant id, not another key, not none. */
  wrong_secret = sesame_test_basic ("sk_not-the-key", TRUE);
  {
    const char *auths[] = { NULL, f->tenant_auth, wrong_secret };

    for (gsize i = 0; i < G_N_ELEMENTS (auths); i++)
      {
        g_autoptr(SesameTestReply) reply = sesame_test_request (f->server, "GET",
                                                                "/v1/users?username=alice",
                                                                auths[i], NULL);
        sesame_test_assert_error (reply, "unauthorized");
      }
  }

  /* The node SDK calls it cross-origin too. */
  preflight = sesame_test_preflight (f->server, "/v1/users?username=alice", "GET");
  g_assert_true (SOUP_STATUS_IS_SUCCESSFUL (preflight->status));
  g_assert_cmpstr (soup_message_headers_get_one (preflight->headers,
                                                 "Access-Control-Allow-Origin"), ==,
                   f->server->origin);
  g_assert_nonnull (strstr (soup_message_headers_get_one (preflight->headers,
                                                          "Access-Control-Allow-Methods"),
                            "GET"));
}

/* POST to the sample app's backend as its page does: same Origin, JSON.
 * Its replies are same-origin, so no CORS check here. */
static guint
app_post (Fixture     *f,
          const char  *path,
          const char  *body,
          JsonObject **reply_out)
{
  g_autofree char *uri = g_strconcat (f->server->origin, path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", uri);
  g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (message), "Origin",
                                f->server->origin);
  soup_message_set_request_body_from_bytes (message, "application/json", request);
  reply = soup_session_send_and_read (f->server->session, message, NULL, &error);
  g_assert_no_error (error);
  if (!reply)
    return 0;
  text = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
  if (soup_message_get_status (message) != SOUP_STATUS_OK)
    g_test_message ("POST %s %s → %u %s", path, body, soup_message_get_status (message), text);
  if (reply_out)
    *reply_out = sesame_test_parse_object (text);
  return soup_message_get_status (message);
}

static void
test_sample_app_signup_after_restart (Fixture      *f,
                                      gconstpointer data)
{
  g_autoptr(JsonObject) carol = NULL;
  g_autoptr(JsonObject) dave = NULL;
  g_autoptr(JsonObject) dave_again = NULL;
  g_autoptr(JsonObject) carol_again = NULL;
  g_autoptr(JsonObject) options = NULL;
  g_autoptr(JsonObject) credential = NULL;
  g_autoptr(SesameTestPasskey) passkey = NULL;
  g_autoptr(SesameTestReply) added = NULL;
  g_autofree char *bearer = NULL;
  g_autofree char *body = NULL;
  g_autofree char *dave_id = NULL;

  if (!sesame_test_require_server ())
    return;

  /* carol signs up and gets her passkey; dave signs up and stops there. */
  g_assert_cmpuint (app_post (f, "/api/signup", "{\"username\":\"carol\"}", &carol), ==,
                    SOUP_STATUS_OK);
  options = sesame_test_registration_options (f->server, sesame_test_get_string (carol, "token"),
                                              "carol");
  passkey = sesame_test_passkey_new ();
  credential = sesame_test_registration_credential (
    passkey, sesame_test_get_string (sesame_test_get_object (options, "options"), "challenge"),
    f->server->origin, "localhost", SESAME_TEST_FLAGS_REGISTER, "none");
  body = sesame_test_c3_body (credential, sesame_test_get_string (options, "challengeId"));
  bearer = sesame_test_bearer (sesame_test_get_string (carol, "token"));
  added = sesame_test_request (f->server, "POST", SESAME_TEST_C3, bearer, body);
  sesame_test_assert_ok (added);
  g_assert_cmpuint (app_post (f, "/api/signup", "{\"username\":\"dave\"}", &dave), ==,
                    SOUP_STATUS_OK);
  dave_id = g_strdup (sesame_test_get_string (dave, "userId"));

  /* A restart empties the backend's memory: only the tenant's
   * GET /v1/users?username= knows the names now. */
  f->server = sesame_test_server_restart (f->server, TRUE, NULL);

  g_assert_cmpuint (app_post (f, "/api/signup", "{\"username\":\"carol\"}", &carol_again), ==,
                    SOUP_STATUS_CONFLICT);
  g_assert_cmpstr (sesame_test_get_string (carol_again, "error"), ==, "conflict");

  /* An abandoned signup may be finished, on the same user: without the
   * query the backend would pick a new user id, which the tenant refuses
   * (the username is taken). */
  g_assert_cmpuint (app_post (f, "/api/signup", "{\"username\":\"dave\"}", &dave_again), ==,
                    SOUP_STATUS_OK);
  g_assert_cmpstr (sesame_test_get_string (dave_again, "userId"), ==, dave_id);
  g_assert_cmpint (sesame_test_db_int (f->server, "SELECT count(*) FROM users"), ==, 2);
}

static gboolean
actions_have (JsonArray  *array,
              const char *code)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *action = json_array_get_object_element (array, i);
      const char *action_code = action ?
        json_object_get_string_member_with_default (action, "actionCode", "") : "";

      if (g_strcmp0 (action_code, code) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_query_actions (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(SesameTestPasskey) passkey = NULL;
  g_autoptr(JsonObject) signed_in = NULL;
  g_autoptr(SesameTestReply) all = NULL;
  g_autoptr(SesameTestReply) by_code = NULL;
  g_autoptr(SesameTestReply) by_state = NULL;
  g_autoptr(SesameTestReply) future = NULL;
  g_autofree char *pending = NULL;
  JsonArray *array;

  if (!sesame_test_require_server ())
    return;
  passkey = sesame_test_register (f->server, "alice", "alice", NULL, NULL);
  signed_in = sesame_test_sign_in (f->server, passkey, "login");
  pending = sesame_test_track (f->server, "alice", "transfer", NULL, NULL);

  all = sesame_test_request (f->server, "GET", "/v1/users/alice/actions", f->secret_auth, NULL);
  sesame_test_assert_ok (all);
  array = sesame_test_reply_array (all);
  g_assert_cmpuint (json_array_get_length (array), ==, 3);
  g_assert_true (actions_have (array, "addPasskey"));
  g_assert_true (actions_have (array, "login"));
  g_assert_true (actions_have (array, "transfer"));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *action = json_array_get_object_element (array, i);
      sesame_test_get_string (action, "idempotencyKey");
      sesame_test_get_string (action, "state");
      g_assert_true (is_iso8601 (sesame_test_get_string (action, "createdAt")));
    }

  by_code = sesame_test_request (f->server, "GET", "/v1/users/alice/actions?codes=login,transfer",
                                 f->secret_auth, NULL);
  sesame_test_assert_ok (by_code);
  array = sesame_test_reply_array (by_code);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_false (actions_have (array, "addPasskey"));

  by_state = sesame_test_request (f->server, "GET",
                                  "/v1/users/alice/actions?state=CHALLENGE_REQUIRED",
                                  f->secret_auth, NULL);
  sesame_test_assert_ok (by_state);
  array = sesame_test_reply_array (by_state);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_true (actions_have (array, "transfer"));

  future = sesame_test_request (f->server, "GET",
                                "/v1/users/alice/actions?fromDate=2999-01-01T00:00:00.000Z",
                                f->secret_auth, NULL);
  sesame_test_assert_ok (future);
  g_assert_cmpuint (json_array_get_length (sesame_test_reply_array (future)), ==, 0);
}

static void
test_get_update_action (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(JsonObject) tracked = NULL;
  g_autofree char *token = NULL;
  g_autofree char *path = NULL;
  g_autoptr(SesameTestReply) got = NULL;
  g_autoptr(SesameTestReply) patched = NULL;
  g_autoptr(SesameTestReply) again = NULL;
  g_autoptr(JsonObject) valid = NULL;
  JsonObject *object;

  if (!sesame_test_require_server ())
    return;
  token = sesame_test_track (f->server, "alice", "transfer",
                             "{\"idempotencyKey\":\"6f1c2d3e-0000-4000-8000-00000000abcd\"}",
                             &tracked);
  g_assert_cmpstr (sesame_test_get_string (tracked, "idempotencyKey"), ==,
                   "6f1c2d3e-0000-4000-8000-00000000abcd");
  path = g_strdup_printf ("/v1/users/alice/actions/transfer/%s",
                          sesame_test_get_string (tracked, "idempotencyKey"));

  got = sesame_test_request (f->server, "GET", path, f->secret_auth, NULL);
  sesame_test_assert_ok (got);
  object = sesame_test_reply_object (got);
  g_assert_cmpstr (sesame_test_get_string (object, "state"), ==, "CHALLENGE_REQUIRED");
  g_assert_true (is_iso8601 (sesame_test_get_string (object, "createdAt")));
  g_assert_true (is_iso8601 (sesame_test_get_string (object, "stateUpdatedAt")));

  patched = sesame_test_request (f->server, "PATCH", path, f->secret_auth,
                                 "{\"state\":\"REVIEW_SUCCEEDED\"}");
  sesame_test_assert_ok (patched);
  g_assert_cmpstr (sesame_test_get_string (sesame_test_reply_object (patched), "state"), ==,
                   "REVIEW_SUCCEEDED");

  again = sesame_test_request (f->server, "GET", path, f->secret_auth, NULL);
  sesame_test_assert_ok (again);
  g_assert_cmpstr (sesame_test_get_string (sesame_test_reply_object (again), "state"), ==,
                   "REVIEW_SUCCEEDED");

  /* /validate reports the new state; not a succeeded challenge, so not valid. */
  valid = validate (f, token, NULL);
  g_assert_cmpstr (sesame_test_get_string (valid, "state"), ==, "REVIEW_SUCCEEDED");
}

static void
test_delete_authenticator (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr(SesameTestPasskey) passkey = NULL;
  g_autoptr(SesameTestPasskey) other = NULL;
  g_autofree char *path = NULL;
  g_autoptr(SesameTestReply) deleted = NULL;
  g_autoptr(SesameTestReply) list = NULL;
  g_autoptr(SesameTestReply) user = NULL;
  g_autoptr(SesameTestReply) again = NULL;
  g_autofree char *bob_sql = NULL;

  if (!sesame_test_require_server ())
    return;
  passkey = sesame_test_register (f->server, "alice", "alice", NULL, NULL);
  other = sesame_test_register (f->server, "bob", "bob", NULL, NULL);
  path = g_strdup_printf ("/v1/users/alice/authenticators/%s", passkey->passkey_id);

  deleted = sesame_test_request (f->server, "DELETE", path, f->secret_auth, NULL);
  sesame_test_assert_ok (deleted);
  list = sesame_test_request (f->server, "GET", "/v1/users/alice/authenticators", f->secret_auth,
                              NULL);
  sesame_test_assert_ok (list);
  g_assert_cmpuint (json_array_get_length (sesame_test_reply_array (list)), ==, 0);
  user = sesame_test_request (f->server, "GET", "/v1/users/alice", f->secret_auth, NULL);
  g_assert_false (sesame_test_get_bool (sesame_test_reply_object (user), "isEnrolled"));
  g_assert_false (SOUP_STATUS_IS_SUCCESSFUL (existence_status (f, passkey->credential_id)));

  /* Gone means unknown now: the one case for unknown_credential. */
  {
    g_autoptr(JsonObject) options = sesame_test_authentication_options (f->server, f->tenant_auth,
                                                                        NULL);
    g_autoptr(JsonObject) credential = sesame_test_authentication_credential (
      passkey, sesame_test_get_string (sesame_test_get_object (options, "options"), "challenge"),
      f->server->origin, "localhost", SESAME_TEST_FLAGS_ASSERT, 1, FALSE);
    g_autofree char *body = sesame_test_c5_body (credential,
                                                 sesame_test_get_string (options, "challengeId"));
    g_autoptr(SesameTestReply) reply = sesame_test_request (f->server, "POST",
                                                            "/v1/client/verify/passkey",
                                                            f->tenant_auth, body);
    sesame_test_assert_error (reply, "unknown_credential");
  }

  again = sesame_test_request (f->server, "DELETE", path, f->secret_auth, NULL);
  sesame_test_assert_error (again, "not_found");
  bob_sql = g_strdup_printf ("SELECT count(*) FROM passkeys WHERE id = '%s'", other->passkey_id);
  g_assert_cmpint (sesame_test_db_int (f->server, bob_sql), ==, 1);
}

static void
test_update_and_delete_user (Fixture      *f,
                             gconstpointer data)
{
  g_autoptr(SesameTestPasskey) passkey = NULL;
  g_autoptr(SesameTestPasskey) other = NULL;
  g_autoptr(SesameTestReply) patched = NULL;
  g_autoptr(SesameTestReply) got = NULL;
  g_autoptr(SesameTestReply) deleted = NULL;
  g_autoptr(SesameTestReply) gone = NULL;
  g_autoptr(SesameTestReply) list = NULL;
  g_autoptr(JsonObject) options = NULL;
  g_autoptr(JsonObject) credential = NULL;
  g_autoptr(SesameTestReply) sign_in = NULL;
  g_autofree char *body = NULL;

  if (!sesame_test_require_server ())
    return;
  passkey = sesame_test_register (f->server, "alice", "alice", NULL, NULL);
  other = sesame_test_register (f->server, "bob", "bob", NULL, NULL);

  patched = sesame_test_request (f->server, "PATCH", "/v1/users/alice", f->secret_auth,
                                 "{\"displayName\":\"Alice Liddell\"}");
  sesame_test_assert_ok (patched);
  got = sesame_test_request (f->server, "GET", "/v1/users/alice", f->secret_auth, NULL);
  sesame_test_assert_ok (got);
  g_assert_cmpstr (sesame_test_get_string (sesame_test_reply_object (got), "displayName"), ==,
                   "Alice Liddell");
  g_assert_cmpstr (sesame_test_get_string (sesame_test_reply_object (got), "username"), ==,
                   "alice");

  /* Deleting a user deletes their passkeys and actions, nobody else's. */
  deleted = sesame_test_request (f->server, "DELETE", "/v1/users/alice", f->secret_auth, NULL);
  sesame_test_assert_ok (deleted);
  gone = sesame_test_request (f->server, "GET", "/v1/users/alice", f->secret_auth, NULL);
  sesame_test_assert_ok (gone);
  g_assert_false (sesame_test_get_bool (sesame_test_reply_object (gone), "isEnrolled"));
  list = sesame_test_request (f->server, "GET", "/v1/users/alice/authenticators", f->secret_auth,
                              NULL);
  sesame_test_assert_ok (list);
  g_assert_cmpuint (json_array_get_length (sesame_test_reply_array (list)), ==, 0);
  g_assert_cmpint (sesame_test_db_int (f->server, "SELECT count(*) FROM passkeys WHERE user_id = "
                                       "'alice'"), ==, 0);
  g_assert_cmpint (sesame_test_db_int (f->server, "SELECT count(*) FROM actions WHERE user_id = "
                                       "'alice'"), ==, 0);
  g_assert_cmpint (sesame_test_db_int (f->server, "SELECT count(*) FROM passkeys WHERE user_id = "
                                       "'bob'"), ==, 1);
  g_assert_false (SOUP_STATUS_IS_SUCCESSFUL (existence_status (f, passkey->credential_id)));

  options = sesame_test_authentication_options (f->server, f->tenant_auth, NULL);
  credential = sesame_test_authentication_credential (
    passkey, sesame_test_get_string (sesame_test_get_object (options, "options"), "challenge"),
    f->server->origin, "localhost", SESAME_TEST_FLAGS_ASSERT, 1, FALSE);
  body = sesame_test_c5_body (credential, sesame_test_get_string (options, "challengeId"));
  sign_in = sesame_test_request (f->server, "POST", SESAME_TEST_C5, f->tenant_auth, body);
  sesame_test_assert_error (sign_in, "unknown_credential");
}

static void
test_second_passkey (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(SesameTestPasskey) first = NULL;
  g_autoptr(SesameTestPasskey) second = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *plain_token = NULL;
  g_autoptr(SesameTestReply) refused = NULL;
  g_autoptr(SesameTestReply) refused_access = NULL;
  g_autoptr(SesameTestReply) list = NULL;
  g_autofree char *auth = NULL;

  if (!sesame_test_require_server ())
    return;
  first = sesame_test_register (f->server, "alice", "alice", NULL, &access_token);

  /* A track token without add:authenticators cannot add to an enrolled user. */
  plain_token = sesame_test_track (f->server, "alice", "addPasskey", NULL, NULL);
  auth = sesame_test_bearer (plain_token);
  refused = sesame_test_request (f->server, "POST",
                                 SESAME_TEST_C2,
                                 auth, "{\"username\":\"alice\"}");
  sesame_test_assert_error (refused, "forbidden");
  g_clear_pointer (&auth, g_free);

  /* Nor can the accessToken of a ceremony, once the user has a passkey
   * (its action is complete, too). */
  auth = sesame_test_bearer (access_token);
  refused_access = sesame_test_request (f->server, "POST",
                                        SESAME_TEST_C2,
                                        auth, "{\"username\":\"alice\"}");
  sesame_test_assert_error_one_of (refused_access, "forbidden", "conflict", NULL);

  /* With the scope it can. */
  second = sesame_test_register (f->server, "alice", "alice", "{\"scope\":\"add:authenticators\"}",
                                 NULL);
  g_assert_cmpstr (second->user_id, ==, "alice");
  list = sesame_test_request (f->server, "GET", "/v1/users/alice/authenticators", f->secret_auth,
                              NULL);
  g_assert_cmpuint (json_array_get_length (sesame_test_reply_array (list)), ==, 2);
}

static void
test_extra_origin (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(SesameTestServer) server = NULL;
  g_autofree char *token = NULL;
  g_autofree char *auth = NULL;
  g_autofree char *body = NULL;
  g_autoptr(JsonObject) options = NULL;
  g_autoptr(JsonObject) credential = NULL;
  g_autoptr(SesameTestPasskey) passkey = NULL;
  g_autoptr(SesameTestPasskey) own = NULL;
  g_autoptr(SesameTestReply) reply = NULL;

  if (!sesame_test_require_server ())
    return;
  /* --origin adds an app on another port; the server's own stays expected. */
  server = sesame_test_server_start (NULL, "--origin", "http://localhost:3000", NULL);
  token = sesame_test_track (server, "alice", "addPasskey", NULL, NULL);
  options = sesame_test_registration_options (server, token, "alice");
  passkey = sesame_test_passkey_new ();
  credential = sesame_test_registration_credential (
    passkey, sesame_test_get_string (sesame_test_get_object (options, "options"), "challenge"),
    "http://localhost:3000", "localhost", SESAME_TEST_FLAGS_REGISTER, "none");
  body = sesame_test_c3_body (credential, sesame_test_get_string (options, "challengeId"));
  auth = sesame_test_bearer (token);
  reply = sesame_test_request (server, "POST", "/v1/client/user-authenticators/passkey", auth,
                               body);
  sesame_test_assert_ok (reply);
  own = sesame_test_register (server, "bob", "bob", NULL, NULL);
  g_assert_cmpstr (own->user_id, ==, "bob");
  sesame_test_server_stop (server);
}

static void
add (const char *path,
     void      (*func) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, sesame_test_session_set_up, func,
              sesame_test_session_tear_down);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  add ("/sesame/server/flow/register", test_register);
  add ("/sesame/server/flow/register-display-name", test_register_with_display_name);
  add ("/sesame/server/flow/sign-in", test_sign_in);
  add ("/sesame/server/flow/authenticators", test_authenticators);
  add ("/sesame/server/flow/existence-check", test_existence_check);
  add ("/sesame/server/flow/get-user", test_get_user);
  add ("/sesame/server/flow/query-users", test_query_users);
  add ("/sesame/server/flow/sample-app-signup-after-restart", test_sample_app_signup_after_restart);
  add ("/sesame/server/flow/query-actions", test_query_actions);
  add ("/sesame/server/flow/get-update-action", test_get_update_action);
  add ("/sesame/server/flow/delete-authenticator", test_delete_authenticator);
  add ("/sesame/server/flow/update-and-delete-user", test_update_and_delete_user);
  add ("/sesame/server/flow/second-passkey", test_second_passkey);
  add ("/sesame/server/flow/extra-origin", test_extra_origin);
  return g_test_run ();
}
