/* SPDX-License-Identifier: GPL-3.0-or-later */

/* What the real Authsignal SDKs depend on (WIRE-PROTOCOL.md §2, §5, §9,
 * §10): both Basic forms, unencoded '+' in paths, CORS everywhere, JSON
 * everywhere, /validate's quirks and the meaning of unknown_credential. */

#include "config.h"

#include "server-test-util.h"

#include <string.h>

typedef SesameTestSession Fixture;

static void
test_basic_tenant_forms (Fixture      *f,
                         gconstpointer data)
{
  g_autofree char *without = NULL;
  g_autofree char *with = NULL;

  if (!sesame_test_require_server ())
    return;
  without = sesame_test_basic (f->server->tenant_id, FALSE);
  with = sesame_test_basic (f->server->tenant_id, TRUE);
  for (int i = 0; i < 2; i++)
    {
      const char *auth = i ? with : without;
      g_autoptr(SesameTestReply) challenge =
        sesame_test_request (f->server, "POST", "/v1/client/challenge", auth,
                             "{\"action\":\"signInWithPasskey\"}");
      g_autoptr(JsonObject) options = NULL;

      sesame_test_assert_ok (challenge);
      g_assert_cmpstr (sesame_test_get_string (sesame_test_reply_object (challenge), "challengeId"),
                       !=, "");
      options = sesame_test_authentication_options (f->server, auth, NULL);
      sesame_test_get_string (options, "challengeId");
    }
}

/* DNS rebinding: a page on another site that points its host name at
 * 127.0.0.1 reaches the server with its own name in Host. A loopback
 * tenant answers only to local names, and changes nothing for others. */
static void
test_foreign_host (Fixture      *f,
                   gconstpointer data)
{
  static const char * const foreign[] = { "evil.example", "evil.example:7878", "localhost.evil.example",
                                          "127.0.0.1.evil.example", "[::2]:80" };
  static const char * const local[] = { "localhost", "127.0.0.1", "[::1]", "app.localhost" };
  g_autoptr(SesameTestSnapshot) before = NULL;
  g_autoptr(SesameTestSnapshot) after = NULL;
  g_autofree char *auth = NULL;

  if (!sesame_test_require_server ())
    return;
  auth = sesame_test_basic (f->server->tenant_id, FALSE);
  before = sesame_test_snapshot (f->server);
  for (gsize i = 0; i < G_N_ELEMENTS (foreign); i++)
    {
      const char * const headers[] = { "Host", foreign[i], NULL };
      g_autoptr(SesameTestReply) challenge =
        sesame_test_request_full (f->server, "POST", "/v1/client/challenge", auth, NULL,
                                  "{\"action\":\"signInWithPasskey\"}", -1, headers);
      g_autoptr(SesameTestReply) config =
        sesame_test_request_full (f->server, "GET", "/api/config", NULL, NULL, NULL, 0, headers);

      sesame_test_assert_error (challenge, "forbidden");
      g_assert_cmpuint (config->status, ==, 403);
    }
  after = sesame_test_snapshot (f->server);
  sesame_test_assert_unchanged (before, after, "requests for a foreign Host");

  for (gsize i = 0; i < G_N_ELEMENTS (local); i++)
    {
      const char * const headers[] = { "Host", local[i], NULL };
      g_autoptr(SesameTestReply) challenge =
        sesame_test_request_full (f->server, "POST", "/v1/client/challenge", auth, NULL,
                                  "{\"action\":\"signInWithPasskey\"}", -1, headers);

      sesame_test_assert_ok (challenge);
    }
}

static void
test_basic_secret_forms (Fixture      *f,
                         gconstpointer data)
{
  if (!sesame_test_require_server ())
    return;
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *auth = sesame_test_basic (f->server->secret_key, i == 1);
      g_autoptr(SesameTestReply) user = sesame_test_request (f->server, "GET", "/v1/users/alice",
                                                             auth, NULL);
      g_autoptr(SesameTestReply) track =
        sesame_test_request (f->server, "POST", "/v1/users/alice/actions/signIn", auth, "{}");

      sesame_test_assert_ok (user);
      sesame_test_assert_ok (track);
    }
}

static void
test_plus_in_user_id (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(SesameTestPasskey) passkey = NULL;
  g_autoptr(SesameTestReply) encoded = NULL;
  g_autoptr(SesameTestReply) raw = NULL;
  g_autoptr(SesameTestReply) spaced = NULL;
  g_autoptr(SesameTestReply) list = NULL;
  g_autoptr(JsonObject) signed_in = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *body = NULL;
  g_autoptr(SesameTestReply) valid = NULL;

  if (!sesame_test_require_server ())
    return;
  /* The node SDK interpolates "a+b@example.com" into the path as is. */
  passkey = sesame_test_register (f->server, "a+b@example.com", "a+b@example.com", NULL,
                                  &access_token);
  g_assert_cmpstr (passkey->user_id, ==, "a+b@example.com");
  g_assert_cmpint (sesame_test_db_int (f->server,
                                       "SELECT count(*) FROM users WHERE user_id = "
                                       "'a+b@example.com'"), ==, 1);
  g_assert_cmpint (sesame_test_db_int (f->server, "SELECT count(*) FROM users WHERE user_id "
                                       "LIKE '% %'"), ==, 0);

  body = g_strdup_printf ("{\"token\":\"%s\"}", access_token);
  valid = sesame_test_request (f->server, "POST", "/v1/validate", f->secret_auth, body);
  sesame_test_assert_ok (valid);
  g_assert_cmpstr (sesame_test_get_string (sesame_test_reply_object (valid), "userId"), ==,
                   "a+b@example.com");

  /* %2B decodes to '+': the same user. */
  encoded = sesame_test_request (f->server, "GET", "/v1/users/a%2Bb%40example.com",
                                 f->secret_auth, NULL);
  sesame_test_assert_ok (encoded);
  g_assert_true (sesame_test_get_bool (sesame_test_reply_object (encoded), "isEnrolled"));
  raw = sesame_test_request (f->server, "GET", "/v1/users/a+b@example.com", f->secret_auth, NULL);
  sesame_test_assert_ok (raw);
  g_assert_true (sesame_test_get_bool (sesame_test_reply_object (raw), "isEnrolled"));
  /* …and "a b" is somebody else. */
  spaced = sesame_test_request (f->server, "GET", "/v1/users/a%20b@example.com", f->secret_auth,
                                NULL);
  sesame_test_assert_ok (spaced);
  g_assert_false (sesame_test_get_bool (sesame_test_reply_object (spaced), "isEnrolled"));

  list = sesame_test_request (f->server, "GET", "/v1/users/a+b@example.com/authenticators",
                              f->secret_auth, NULL);
  sesame_test_assert_ok (list);
  g_assert_cmpuint (json_array_get_length (sesame_test_reply_array (list)), ==, 1);

  signed_in = sesame_test_sign_in (f->server, passkey, NULL);
  g_assert_cmpstr (sesame_test_get_string (signed_in, "userId"), ==, "a+b@example.com");
}

static gboolean
header_lists (SesameTestReply *reply,
              const char      *header,
              const char      *token)
{
  const char *value = reply->headers ? soup_message_headers_get_one (reply->headers, header) : NULL;
  g_auto(GStrv) items = NULL;

  if (!value)
    return FALSE;
  if (g_str_equal (value, "*"))
    return TRUE;
  items = g_strsplit (value, ",", -1);
  for (char **item = items; *item; item++)
    if (g_ascii_strcasecmp (g_strstrip (*item), token) == 0)
      return TRUE;
  return FALSE;
}

static void
test_cors_preflight (Fixture      *f,
                     gconstpointer data)
{
  static const struct { const char *path; const char *method; } routes[] = {
    { "/v1/client/challenge", "POST" },
    { "/v1/client/challenge/web", "POST" },
    { "/v1/client/user-authenticators/passkey/registration-options", "POST" },
    { "/v1/client/user-authenticators/passkey", "POST" },
    { "/v1/client/user-authenticators/passkey?credentialIds=AAAA", "GET" },
    { "/v1/client/user-authenticators/passkey/authentication-options", "POST" },
    { "/v1/client/user-authenticators/passkey/authentication-options/web", "POST" },
    { "/v1/client/verify/passkey", "POST" },
    { "/v1/client/user-authenticators", "GET" },
    { "/v1/users/alice/actions/signIn", "POST" },
    { "/v1/validate", "POST" },
    { "/v1/users/alice", "GET" },
    { "/v1/users/alice", "PATCH" },
    { "/v1/users/alice", "DELETE" },
    { "/v1/users/alice/authenticators", "GET" },
    { "/v1/users/alice/authenticators/0000", "DELETE" },
    { "/v1/users/alice/actions/signIn/0000", "GET" },
    { "/v1/users/alice/actions/signIn/0000", "PATCH" },
    { "/v1/users/alice/actions?codes=signIn", "GET" },
  };

  if (!sesame_test_require_server ())
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      g_autoptr(SesameTestReply) reply = sesame_test_preflight (f->server, routes[i].path,
                                                                routes[i].method);
      const char *origin = reply->headers ?
        soup_message_headers_get_one (reply->headers, "Access-Control-Allow-Origin") : NULL;

      if (!SOUP_STATUS_IS_SUCCESSFUL (reply->status) || !origin ||
          (!g_str_equal (origin, "*") && !g_str_equal (origin, f->server->origin)) ||
          !header_lists (reply, "Access-Control-Allow-Headers", "Authorization") ||
          !header_lists (reply, "Access-Control-Allow-Headers", "Content-Type") ||
          !header_lists (reply, "Access-Control-Allow-Methods", routes[i].method))
        {
          g_test_message ("preflight of %s %s → %u, Allow-Origin %s, Allow-Headers %s, "
                          "Allow-Methods %s", routes[i].method, routes[i].path, reply->status,
                          origin,
                          reply->headers ? soup_message_headers_get_one (
                            reply->headers, "Access-Control-Allow-Headers") : NULL,
                          reply->headers ? soup_message_headers_get_one (
                            reply->headers, "Access-Control-Allow-Methods") : NULL);
          g_test_fail ();
        }
    }
}

static void
test_cors_on_errors (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(SesameTestReply) unauthorized = NULL;
  g_autoptr(SesameTestReply) bad = NULL;
  g_autoptr(SesameTestReply) missing = NULL;
  g_autoptr(SesameTestReply) unknown_route = NULL;

  if (!sesame_test_require_server ())
    return;
  /* The request helper fails the test on any reply without
   * Access-Control-Allow-Origin or with a non-JSON body. */
  unauthorized = sesame_test_request (f->server, "POST", "/v1/client/challenge", NULL,
                                      "{\"action\":\"signIn\"}");
  sesame_test_assert_error (unauthorized, "unauthorized");
  bad = sesame_test_request (f->server, "POST", "/v1/client/challenge", f->tenant_auth, "{");
  sesame_test_assert_error (bad, "invalid_request");
  missing = sesame_test_request (f->server, "GET", "/v1/users/alice/actions/signIn/nope",
                                 f->secret_auth, NULL);
  sesame_test_assert_error (missing, "not_found");
  unknown_route = sesame_test_request (f->server, "GET", "/v1/no/such/route", f->secret_auth,
                                       NULL);
  sesame_test_assert_error (unknown_route, "not_found");
}

static void
test_method_not_allowed (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(SesameTestReply) get_challenge = NULL;
  g_autoptr(SesameTestReply) put_user = NULL;

  if (!sesame_test_require_server ())
    return;
  get_challenge = sesame_test_request (f->server, "GET", "/v1/client/challenge", f->tenant_auth,
                                       NULL);
  sesame_test_assert_error (get_challenge, "method_not_allowed");
  put_user = sesame_test_request (f->server, "PUT", "/v1/users/alice", f->secret_auth, "{}");
  sesame_test_assert_error (put_user, "method_not_allowed");
}

static void
test_validate_challenge_required (Fixture      *f,
                                  gconstpointer data)
{
  g_autofree char *token = NULL;
  g_autofree char *body = NULL;
  g_autoptr(SesameTestReply) reply = NULL;
  JsonObject *object;

  if (!sesame_test_require_server ())
    return;
  token = sesame_test_track (f->server, "alice", "addPasskey", NULL, NULL);
  body = g_strdup_printf ("{\"token\":\"%s\",\"action\":\"addPasskey\"}", token);
  reply = sesame_test_request (f->server, "POST", "/v1/validate", f->secret_auth, body);
  /* 200 with isValid false, not an error. */
  g_assert_cmpuint (reply->status, ==, 200);
  object = sesame_test_reply_object (reply);
  g_assert_false (sesame_test_get_bool (object, "isValid"));
  g_assert_cmpstr (sesame_test_get_string (object, "state"), ==, "CHALLENGE_REQUIRED");
  g_assert_cmpstr (sesame_test_get_string (object, "action"), ==, "addPasskey");
  g_assert_cmpstr (sesame_test_get_string (object, "actionCode"), ==, "addPasskey");
  g_assert_cmpstr (sesame_test_get_string (object, "userId"), ==, "alice");
}

static void
test_validate_user_mismatch (Fixture      *f,
                             gconstpointer data)
{
  g_autoptr(SesameTestPasskey) passkey = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *body = NULL;
  g_autofree char *right = NULL;
  g_autoptr(SesameTestReply) reply = NULL;
  g_autoptr(SesameTestReply) ok = NULL;
  JsonObject *object;

  if (!sesame_test_require_server ())
    return;
  passkey = sesame_test_register (f->server, "alice", "alice", NULL, &access_token);
  body = g_strdup_printf ("{\"token\":\"%s\",\"userId\":\"mallory\"}", access_token);
  reply = sesame_test_request (f->server, "POST", "/v1/validate", f->secret_auth, body);
  g_assert_cmpuint (reply->status, ==, 400);
  object = sesame_test_reply_object (reply);
  g_assert_false (sesame_test_get_bool (object, "isValid"));
  g_assert_cmpstr (sesame_test_get_string (object, "error"), ==, "User is invalid.");

  /* The right user and action (as the node SDK sends both keys) pass. */
  right = g_strdup_printf ("{\"token\":\"%s\",\"userId\":\"alice\",\"action\":\"addPasskey\"}",
                           access_token);
  ok = sesame_test_request (f->server, "POST", "/v1/validate", f->secret_auth, right);
  sesame_test_assert_ok (ok);
  g_assert_true (sesame_test_get_bool (sesame_test_reply_object (ok), "isValid"));
}

static SesameTestReply *
verify_with (Fixture           *f,
             SesameTestPasskey *passkey,
             guint32            sign_count,
             gboolean           tamper)
{
  g_autoptr(JsonObject) options = sesame_test_authentication_options (f->server, f->tenant_auth,
                                                                      NULL);
  g_autoptr(JsonObject) credential = sesame_test_authentication_credential (
    passkey, sesame_test_get_string (sesame_test_get_object (options, "options"), "challenge"),
    f->server->origin, "localhost", SESAME_TEST_FLAGS_ASSERT, sign_count, tamper);
  g_autofree char *body = sesame_test_c5_body (credential,
                                               sesame_test_get_string (options, "challengeId"));

  return sesame_test_request (f->server, "POST", "/v1/client/verify/passkey", f->tenant_auth,
                              body);
}

static void
test_unknown_versus_invalid_credential (Fixture      *f,
                                        gconstpointer data)
{
  g_autoptr(SesameTestPasskey) known = NULL;
  g_autoptr(SesameTestPasskey) stranger = sesame_test_passkey_new ();
  g_autoptr(SesameTestReply) unknown = NULL;
  g_autoptr(SesameTestReply) bad_signature = NULL;

  if (!sesame_test_require_server ())
    return;
  known = sesame_test_register (f->server, "alice", "alice", NULL, NULL);

  unknown = verify_with (f, stranger, 1, FALSE);
  sesame_test_assert_error (unknown, "unknown_credential");

  /* A known credential with a bad signature must never make the browser
   * forget it. */
  bad_signature = verify_with (f, known, 1, TRUE);
  sesame_test_assert_error (bad_signature, "invalid_credential");
  g_assert_cmpstr (sesame_test_webauthn_error (bad_signature), ==, "signature_invalid");
}

static void
test_failure_carries_error (Fixture      *f,
                            gconstpointer data)
{
  g_autoptr(SesameTestPasskey) known = NULL;
  g_autoptr(SesameTestReply) reply = NULL;
  JsonObject *object;

  if (!sesame_test_require_server ())
    return;
  known = sesame_test_register (f->server, "alice", "alice", NULL, NULL);
  /* A failed verification is never a bare {isVerified:false}. */
  reply = verify_with (f, known, 1, TRUE);
  object = sesame_test_reply_object (reply);
  g_assert_true (json_object_has_member (object, "error"));
  g_assert_false (json_object_has_member (object, "accessToken"));
  if (json_object_has_member (object, "isVerified"))
    g_assert_false (sesame_test_get_bool (object, "isVerified"));
}

static void
test_client_data_extra_member (Fixture      *f,
                               gconstpointer data)
{
  g_autoptr(SesameTestPasskey) passkey = NULL;
  g_autoptr(JsonObject) options = NULL;
  g_autoptr(GBytes) challenge = NULL;
  g_autoptr(GBytes) client_data = NULL;
  g_autoptr(GBytes) auth_data = NULL;
  g_autoptr(GBytes) signature = NULL;
  g_autoptr(JsonObject) credential = NULL;
  g_autoptr(SesameTestReply) reply = NULL;
  g_autofree char *client_data_text = NULL;
  g_autofree char *auth_data_text = NULL;
  g_autofree char *signature_text = NULL;
  g_autofree char *body = NULL;
  JsonObject *response;

  if (!sesame_test_require_server ())
    return;
  passkey = sesame_test_register (f->server, "alice", "alice", NULL, NULL);
  /* Chrome sometimes adds other_keys_can_be_added_here (§10.7). */
  options = sesame_test_authentication_options (f->server, f->tenant_auth, NULL);
  challenge = sesame_test_b64url_decode (
    sesame_test_get_string (sesame_test_get_object (options, "options"), "challenge"));
  client_data = sesame_test_client_data ("webauthn.get", challenge, f->server->origin,
                                         "\"crossOrigin\":false,\"other_keys_can_be_added_here\":"
                                         "\"do not compare clientDataJSON against a template. "
                                         "See https://goo.gl/yabPex\"");
  auth_data = sesame_test_auth_data ("localhost", SESAME_TEST_FLAGS_ASSERT, 1, NULL, NULL);
  signature = sesame_test_authenticator_sign (passkey->authenticator, auth_data, client_data);
  credential = sesame_test_authentication_credential (passkey, "AAAA", f->server->origin,
                                                      "localhost", SESAME_TEST_FLAGS_ASSERT, 1,
                                                      FALSE);
  response = sesame_test_get_object (credential, "response");
  client_data_text = sesame_test_b64url_encode (client_data);
  auth_data_text = sesame_test_b64url_encode (auth_data);
  signature_text = sesame_test_b64url_encode (signature);
  json_object_set_string_member (response, "clientDataJSON", client_data_text);
  json_object_set_string_member (response, "authenticatorData", auth_data_text);
  json_object_set_string_member (response, "signature", signature_text);
  body = sesame_test_c5_body (credential, sesame_test_get_string (options, "challengeId"));
  reply = sesame_test_request (f->server, "POST", "/v1/client/verify/passkey", f->tenant_auth,
                               body);
  sesame_test_assert_ok (reply);
}

static void
test_sign_in_with_token (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(SesameTestPasskey) passkey = NULL;
  g_autofree char *token = NULL;
  g_autofree char *bearer = NULL;
  g_autoptr(JsonObject) options = NULL;
  g_autoptr(JsonObject) credential = NULL;
  g_autofree char *body = NULL;
  g_autoptr(SesameTestReply) reply = NULL;
  g_autofree char *validate_body = NULL;
  g_autoptr(SesameTestReply) valid = NULL;

  if (!sesame_test_require_server ())
    return;
  /* signIn({token}): an MFA step for a tracked action, C4 and C5 with Bearer. */
  passkey = sesame_test_register (f->server, "alice", "alice", NULL, NULL);
  token = sesame_test_track (f->server, "alice", "transfer", NULL, NULL);
  bearer = sesame_test_bearer (token);
  options = sesame_test_authentication_options (f->server, bearer, NULL);
  credential = sesame_test_authentication_credential (
    passkey, sesame_test_get_string (sesame_test_get_object (options, "options"), "challenge"),
    f->server->origin, "localhost", SESAME_TEST_FLAGS_ASSERT, 1, FALSE);
  body = sesame_test_c5_body (credential, sesame_test_get_string (options, "challengeId"));
  reply = sesame_test_request (f->server, "POST", "/v1/client/verify/passkey", bearer, body);
  sesame_test_assert_ok (reply);
  g_assert_true (sesame_test_get_bool (sesame_test_reply_object (reply), "isVerified"));

  validate_body = g_strdup_printf ("{\"token\":\"%s\"}",
                                   sesame_test_get_string (sesame_test_reply_object (reply),
                                                           "accessToken"));
  valid = sesame_test_request (f->server, "POST", "/v1/validate", f->secret_auth, validate_body);
  sesame_test_assert_ok (valid);
  g_assert_true (sesame_test_get_bool (sesame_test_reply_object (valid), "isValid"));
  g_assert_cmpstr (sesame_test_get_string (sesame_test_reply_object (valid), "actionCode"), ==,
                   "transfer");
}

static void
test_web_variants (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(SesameTestReply) challenge = NULL;
  g_autoptr(SesameTestReply) options = NULL;

  if (!sesame_test_require_server ())
    return;
  /* The useCookies variants of C1 and C4 (§3) answer like the others. */
  challenge = sesame_test_request (f->server, "POST", SESAME_TEST_C1 "/web", f->tenant_auth,
                                   "{\"action\":\"signInWithPasskey\"}");
  sesame_test_assert_ok (challenge);
  sesame_test_get_string (sesame_test_reply_object (challenge), "challengeId");
  options = sesame_test_request (f->server, "POST", SESAME_TEST_C4 "/web", f->tenant_auth, "{}");
  sesame_test_assert_ok (options);
  sesame_test_get_string (sesame_test_reply_object (options), "challengeId");
  sesame_test_get_string (sesame_test_get_object (sesame_test_reply_object (options), "options"),
                          "challenge");

  /* They are fetched with credentials: "include", which needs the exact
   * origin and Allow-Credentials, on the preflight and on the reply (§2). */
  for (int i = 0; i < 2; i++)
    {
      const char *path = i ? SESAME_TEST_C4 "/web" : SESAME_TEST_C1 "/web";
      g_autoptr(SesameTestReply) preflight = sesame_test_preflight (f->server, path, "POST");
      SesameTestReply *reply = i ? options : challenge;

      for (int j = 0; j < 2; j++)
        {
          SesameTestReply *r = j ? preflight : reply;
          const char *origin = r->headers ?
            soup_message_headers_get_one (r->headers, "Access-Control-Allow-Origin") : NULL;
          const char *credentials = r->headers ?
            soup_message_headers_get_one (r->headers, "Access-Control-Allow-Credentials") : NULL;

          if (g_strcmp0 (origin, f->server->origin) != 0 || g_strcmp0 (credentials, "true") != 0)
            {
              g_test_message ("%s %s: Access-Control-Allow-Origin %s, "
                              "Access-Control-Allow-Credentials %s", j ? "OPTIONS" : "POST", path,
                              origin, credentials);
              g_test_fail ();
            }
        }
    }
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

  add ("/sesame/server/compat/basic-tenant-forms", test_basic_tenant_forms);
  add ("/sesame/server/compat/basic-secret-forms", test_basic_secret_forms);
  add ("/sesame/server/compat/foreign-host", test_foreign_host);
  add ("/sesame/server/compat/plus-in-user-id", test_plus_in_user_id);
  add ("/sesame/server/compat/cors-preflight", test_cors_preflight);
  add ("/sesame/server/compat/cors-and-json-on-errors", test_cors_on_errors);
  add ("/sesame/server/compat/method-not-allowed", test_method_not_allowed);
  add ("/sesame/server/compat/validate-challenge-required", test_validate_challenge_required);
  add ("/sesame/server/compat/validate-user-mismatch", test_validate_user_mismatch);
  add ("/sesame/server/compat/unknown-versus-invalid-credential",
       test_unknown_versus_invalid_credential);
  add ("/sesame/server/compat/failure-carries-error", test_failure_carries_error);
  add ("/sesame/server/compat/client-data-extra-member", test_client_data_extra_member);
  add ("/sesame/server/compat/sign-in-with-token", test_sign_in_with_token);
  add ("/sesame/server/compat/web-variants", test_web_variants);
  return g_test_run ();
}
