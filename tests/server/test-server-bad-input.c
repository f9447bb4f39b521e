/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The bad-input matrix: for every endpoint, broken JSON, an oversized body,
 * every wrong or missing authorization, a wrong method, a page on an origin
 * the tenant does not expect, and the wrong types and missing fields of
 * that endpoint; for any route, unknown paths and foreign Host names. Each
 * must get its own clear error and change nothing on disk; each case starts
 * from a request that succeeds as is, so a lax server fails the case
 * instead of passing it by accident.
 *
 * Every case tried becomes a row of docs/BAD-INPUT.md (route, bad input,
 * status, error code, what changed). The last test renders the table from
 * what the server really answered and fails when the committed file
 * ($SESAME_BAD_INPUT_DOC, set by meson) differs. To regenerate it after a
 * deliberate change:
 *
 *   SESAME_BAD_INPUT_WRITE=1 meson test -C _build server-bad-input
 */

#include "config.h"

#include "server-test-util.h"

#include <string.h>

typedef struct
{
  SesameTestServer  *server;
  char              *secret_auth;
  char              *tenant_auth;
  SesameTestPasskey *alice;
  SesameTestPasskey *bob;
  char              *alice_access;     /* accessToken of alice's registration */
  char              *alice_action_key; /* a pending action of alice */
  char              *bob_action_key;   /* a pending action of bob */
  guint              serial;
  const void        *endpoint;         /* the Endpoint under test; NULL: any route */
} Fixture;

/* One request that succeeds as is. */
typedef struct
{
  char *path;
  char *auth;
  char *body;   /* NULL: none */
} Request;

typedef enum
{
  AUTH_CLIENT,  /* Basic tenant or Bearer */
  AUTH_BEARER,  /* Bearer only */
  AUTH_SECRET,  /* Server API: Basic secret key */
} AuthKind;

typedef enum
{
  STRICT,       /* nothing at all may change */
  DATA,         /* a failed ceremony: events and CHALLENGE_FAILED allowed */
} Level;

typedef struct Endpoint Endpoint;
struct Endpoint
{
  const char *name;
  const char *method;
  const char *route;     /* "METHOD /v1/…/{param}", as the table shows it */
  const char *allowed;   /* every method its path takes */
  AuthKind    auth;
  void      (*prepare) (Fixture *f, Request *r);
  void      (*fields)  (Fixture *f, const Endpoint *e);
};

static void
request_clear (Request *r)
{
  g_clear_pointer (&r->path, g_free);
  g_clear_pointer (&r->auth, g_free);
  g_clear_pointer (&r->body, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Request, request_clear)

static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  g_autoptr(JsonObject) tracked = NULL;
  g_autofree char *token = NULL;
  g_autofree char *bob_token = NULL;

  f->endpoint = data;
  if (!sesame_test_server_binary ())
    return;
  f->server = sesame_test_server_start (NULL, NULL);
  f->secret_auth = sesame_test_secret_auth (f->server);
  f->tenant_auth = sesame_test_tenant_auth (f->server);
  f->alice = sesame_test_register (f->server, "alice", "alice", NULL, &f->alice_access);
  f->bob = sesame_test_register (f->server, "bob", "bob", NULL, NULL);
  token = sesame_test_track (f->server, "alice", "transfer", NULL, &tracked);
  f->alice_action_key = g_strdup (sesame_test_get_string (tracked, "idempotencyKey"));
  g_clear_pointer (&tracked, json_object_unref);
  bob_token = sesame_test_track (f->server, "bob", "transfer", NULL, &tracked);
  f->bob_action_key = g_strdup (sesame_test_get_string (tracked, "idempotencyKey"));
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data)
{
  if (f->server && f->server->process)
    sesame_test_server_stop (f->server);
  g_clear_pointer (&f->server, sesame_test_server_free);
  g_clear_pointer (&f->alice, sesame_test_passkey_free);
  g_clear_pointer (&f->bob, sesame_test_passkey_free);
  g_free (f->secret_auth);
  g_free (f->tenant_auth);
  g_free (f->alice_access);
  g_free (f->alice_action_key);
  g_free (f->bob_action_key);
}

/* The table of docs/BAD-INPUT.md, filled as the cases run. */

typedef struct
{
  char  *route;
  char  *input;
  guint  status;
  char  *code;
  char  *change;
} Row;

static GPtrArray *table_rows;
static guint n_table_tests;       /* tests that add rows */
static guint n_table_tests_done;

static void
row_free (Row *row)
{
  g_free (row->route);
  g_free (row->input);
  g_free (row->code);
  g_free (row->change);
  g_free (row);
}

static const char *endpoint_route (const void *endpoint);

static void
append_difference (GString    *out,
                   gint64      before,
                   gint64      after,
                   const char *one,
                   const char *many)
{
  gint64 delta = after - before;

  if (delta == 0)
    return;
  g_string_append_printf (out, "%s%+" G_GINT64_FORMAT " %s", out->len ? ", " : "", delta,
                          delta == 1 || delta == -1 ? one : many);
}

static gint64
count_lines_with (const char *rows,
                  const char *needle)
{
  gint64 n = 0;

  for (const char *p = rows ? strstr (rows, needle) : NULL; p; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* What a refused request left behind, in words: "nothing" unless a failed
 * ceremony was recorded. */
static char *
describe_change (const SesameTestSnapshot *before,
                 const SesameTestSnapshot *after)
{
  GString *out = g_string_new (NULL);

  append_difference (out, before->users, after->users, "user", "users");
  append_difference (out, before->passkeys, after->passkeys, "passkey", "passkeys");
  if (g_strcmp0 (before->passkey_rows, after->passkey_rows) != 0 &&
      before->passkeys == after->passkeys)
    g_string_append_printf (out, "%spasskey changed", out->len ? ", " : "");
  append_difference (out, before->actions, after->actions, "action", "actions");
  append_difference (out, count_lines_with (before->action_rows, " CHALLENGE_FAILED "),
                     count_lines_with (after->action_rows, " CHALLENGE_FAILED "),
                     "action CHALLENGE_FAILED", "actions CHALLENGE_FAILED");
  append_difference (out, before->challenges, after->challenges, "challenge", "challenges");
  append_difference (out, before->used_challenges, after->used_challenges, "challenge used",
                     "challenges used");
  append_difference (out, before->events, after->events, "event", "events");
  if (out->len == 0)
    g_string_append (out, "nothing");
  return g_string_free (out, FALSE);
}

static void
record (Fixture                  *f,
        const char               *what,
        SesameTestReply          *reply,
        const SesameTestSnapshot *before,
        const SesameTestSnapshot *after)
{
  JsonObject *object = reply->json && JSON_NODE_HOLDS_OBJECT (reply->json) ?
                       json_node_get_object (reply->json) : NULL;
  const char *code = object ? json_object_get_string_member_with_default (object, "errorCode",
                                                                           NULL) : NULL;
  const char *webauthn = object ? json_object_get_string_member_with_default (
                           object, "webauthnError", NULL) : NULL;
  Row *row = g_new0 (Row, 1);

  row->route = g_strdup (endpoint_route (f->endpoint));
  row->input = g_strdup (what);
  row->status = reply->status;
  if (code && webauthn)
    row->code = g_strdup_printf ("%s (%s)", code, webauthn);
  else
    row->code = g_strdup (code ? code : "-");
  row->change = describe_change (before, after);
  g_ptr_array_add (table_rows, row);
}

/* Sends one bad request, checks the error and that nothing changed, and
 * records the row. The reply is returned for more checks. */
static SesameTestReply *
try_bad (Fixture            *f,
         Level               level,
         const char         *what,
         const char         *method,
         const char         *path,
         const char         *auth,
         const char         *content_type,
         const char         *body,
         gssize              len,
         const char * const *headers,
         const char         *code,
         const char         *other_code)
{
  g_autoptr(SesameTestSnapshot) before = sesame_test_snapshot (f->server);
  SesameTestReply *reply = sesame_test_request_full (f->server, method, path, auth, content_type,
                                                     body, len, headers);
  g_autoptr(SesameTestSnapshot) after = sesame_test_snapshot (f->server);

  g_free (reply->label);
  reply->label = g_strdup_printf ("%s %s (%s)", method, path, what);
  sesame_test_assert_error_one_of (reply, code, other_code, NULL);
  if (level == STRICT)
    sesame_test_assert_unchanged (before, after, reply->label);
  else
    sesame_test_assert_no_data_change (before, after, reply->label);
  record (f, what, reply, before, after);
  return reply;
}

static void
expect_full (Fixture    *f,
             Level       level,
             const char *what,
             const char *method,
             const char *path,
             const char *auth,
             const char *body,
             gssize      len,
             const char *code,
             const char *other_code)
{
  g_autoptr(SesameTestReply) reply = try_bad (f, level, what, method, path, auth, NULL, body, len,
                                              NULL, code, other_code);
}

static void
expect (Fixture       *f,
        const Endpoint *e,
        Level          level,
        const char    *what,
        const Request *r,
        const char    *auth,
        const char    *body,
        const char    *code)
{
  expect_full (f, level, what, e->method, r->path, auth, body, -1, code, NULL);
}

static void
control (Fixture        *f,
         const Endpoint *e)
{
  g_auto(Request) r = { 0 };
  g_autoptr(SesameTestReply) reply = NULL;

  /* The unchanged request succeeds: the cases above were not refused for
   * some other reason. */
  e->prepare (f, &r);
  reply = sesame_test_request (f->server, e->method, r.path, r.auth, r.body);
  g_free (reply->label);
  reply->label = g_strdup_printf ("%s %s (control: the valid request)", e->method, r.path);
  sesame_test_assert_ok (reply);
}

/* The body with one more member in front: {"zz":…, rest}. */
static char *
with_member (const char *body,
             const char *member)
{
  g_assert_true (body[0] == '{');
  if (g_str_equal (body, "{}"))
    return g_strdup_printf ("{%s}", member);
  return g_strdup_printf ("{%s,%s", member, body + 1);
}

/* The body with one member replaced (or added, or removed when @value is
 * NULL); @value is JSON text. */
static char *
with_value (const char *body,
            const char *member,
            const char *value)
{
  g_autoptr(JsonObject) object = sesame_test_parse_object (body);
  g_autoptr(JsonParser) parser = json_parser_new ();

  json_object_remove_member (object, member);
  if (value)
    {
      g_assert_true (json_parser_load_from_data (parser, value, -1, NULL));
      json_object_set_member (object, member, json_node_copy (json_parser_get_root (parser)));
    }
  return sesame_test_to_json (object);
}

/* As with_value, one level down (e.g. a credential's "response"). */
static char *
with_nested_value (const char *body,
                   const char *outer,
                   const char *inner,
                   const char *member,
                   const char *value)
{
  g_autoptr(JsonObject) object = sesame_test_parse_object (body);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *target = json_object_get_object_member (object, outer);

  if (inner)
    target = json_object_get_object_member (target, inner);
  json_object_remove_member (target, member);
  if (value)
    {
      g_assert_true (json_parser_load_from_data (parser, value, -1, NULL));
      json_object_set_member (target, member, json_node_copy (json_parser_get_root (parser)));
    }
  return sesame_test_to_json (object);
}

static char *
quoted_b64url (const char *raw,
               gsize       len)
{
  g_autoptr(GBytes) bytes = g_bytes_new (raw, len);
  g_autofree char *text = sesame_test_b64url_encode (bytes);

  return g_strdup_printf ("\"%s\"", text);
}

/* Endpoints: each prepare makes a fresh request that succeeds as is. */

static char *
fresh_user (Fixture    *f,
            const char *prefix)
{
  return g_strdup_printf ("%s-%u", prefix, ++f->serial);
}

static void
prepare_challenge (Fixture *f,
                   Request *r)
{
  r->path = g_strdup ("/v1/client/challenge");
  r->auth = g_strdup (f->tenant_auth);
  r->body = g_strdup ("{\"action\":\"signInWithPasskey\"}");
}

static void
prepare_registration_options (Fixture *f,
                              Request *r)
{
  g_autofree char *user = fresh_user (f, "carol");
  g_autofree char *token = sesame_test_track (f->server, user, "addPasskey", NULL, NULL);

  r->path = g_strdup ("/v1/client/user-authenticators/passkey/registration-options");
  r->auth = sesame_test_bearer (token);
  r->body = g_strdup_printf ("{\"username\":\"%s\",\"authenticatorAttachment\":\"platform\"}",
                             user);
}

static void
prepare_add_passkey (Fixture *f,
                     Request *r)
{
  g_autofree char *user = fresh_user (f, "carol");
  g_autofree char *token = sesame_test_track (f->server, user, "addPasskey", NULL, NULL);
  g_autoptr(JsonObject) options = sesame_test_registration_options (f->server, token, user);
  g_autoptr(SesameTestPasskey) passkey = sesame_test_passkey_new ();
  g_autoptr(JsonObject) credential = sesame_test_registration_credential (
    passkey, sesame_test_get_string (sesame_test_get_object (options, "options"), "challenge"),
    f->server->origin, "localhost", SESAME_TEST_FLAGS_REGISTER, "packed");

  r->path = g_strdup ("/v1/client/user-authenticators/passkey");
  r->auth = sesame_test_bearer (token);
  r->body = sesame_test_c3_body (credential, sesame_test_get_string (options, "challengeId"));
}

static void
prepare_authentication_options (Fixture *f,
                                Request *r)
{
  g_autoptr(SesameTestReply) challenge =
    sesame_test_request (f->server, "POST", "/v1/client/challenge", f->tenant_auth,
                         "{\"action\":\"login\"}");

  sesame_test_assert_ok (challenge);
  r->path = g_strdup ("/v1/client/user-authenticators/passkey/authentication-options");
  r->auth = g_strdup (f->tenant_auth);
  r->body = g_strdup_printf ("{\"challengeId\":\"%s\"}",
                             sesame_test_get_string (sesame_test_reply_object (challenge),
                                                     "challengeId"));
}

static void
prepare_verify (Fixture *f,
                Request *r)
{
  g_autoptr(JsonObject) options = sesame_test_authentication_options (f->server, f->tenant_auth,
                                                                      NULL);
  g_autoptr(JsonObject) credential = sesame_test_authentication_credential (
    f->alice, sesame_test_get_string (sesame_test_get_object (options, "options"), "challenge"),
    f->server->origin, "localhost", SESAME_TEST_FLAGS_ASSERT, ++f->alice->sign_count, FALSE);

  r->path = g_strdup ("/v1/client/verify/passkey");
  r->auth = g_strdup (f->tenant_auth);
  r->body = sesame_test_c5_body (credential, sesame_test_get_string (options, "challengeId"));
}

static void
prepare_existence (Fixture *f,
                   Request *r)
{
  r->path = g_strdup_printf ("/v1/client/user-authenticators/passkey?credentialIds=%s",
                             f->alice->credential_id);
  r->auth = g_strdup (f->tenant_auth);
}

static void
prepare_client_authenticators (Fixture *f,
                               Request *r)
{
  r->path = g_strdup ("/v1/client/user-authenticators");
  r->auth = sesame_test_bearer (f->alice_access);
}

static void
prepare_track (Fixture *f,
               Request *r)
{
  g_autofree char *user = fresh_user (f, "dave");

  r->path = g_strdup_printf ("/v1/users/%s/actions/signIn", user);
  r->auth = g_strdup (f->secret_auth);
  r->body = g_strdup_printf ("{\"username\":\"%s\",\"redirectUrl\":\"http://localhost/\","
                             "\"custom\":{\"plan\":\"gold\"}}", user);
}

static void
prepare_validate (Fixture *f,
                  Request *r)
{
  r->path = g_strdup ("/v1/validate");
  r->auth = g_strdup (f->secret_auth);
  r->body = g_strdup_printf ("{\"token\":\"%s\",\"userId\":\"alice\",\"action\":\"addPasskey\"}",
                             f->alice_access);
}

static void
prepare_get_user (Fixture *f,
                  Request *r)
{
  r->path = g_strdup ("/v1/users/alice");
  r->auth = g_strdup (f->secret_auth);
}

static void
prepare_update_user (Fixture *f,
                     Request *r)
{
  r->path = g_strdup ("/v1/users/alice");
  r->auth = g_strdup (f->secret_auth);
  r->body = g_strdup ("{\"displayName\":\"Alice Liddell\"}");
}

static void
prepare_delete_user (Fixture *f,
                     Request *r)
{
  g_autofree char *user = fresh_user (f, "erin");
  g_autofree char *token = sesame_test_track (f->server, user, "signIn", NULL, NULL);

  r->path = g_strdup_printf ("/v1/users/%s", user);
  r->auth = g_strdup (f->secret_auth);
}

static void
prepare_authenticators (Fixture *f,
                        Request *r)
{
  r->path = g_strdup ("/v1/users/alice/authenticators");
  r->auth = g_strdup (f->secret_auth);
}

static void
prepare_delete_authenticator (Fixture *f,
                              Request *r)
{
  r->path = g_strdup_printf ("/v1/users/alice/authenticators/%s", f->alice->passkey_id);
  r->auth = g_strdup (f->secret_auth);
}

static void
prepare_get_action (Fixture *f,
                    Request *r)
{
  r->path = g_strdup_printf ("/v1/users/alice/actions/transfer/%s", f->alice_action_key);
  r->auth = g_strdup (f->secret_auth);
}

static void
prepare_update_action (Fixture *f,
                       Request *r)
{
  prepare_get_action (f, r);
  r->body = g_strdup ("{\"state\":\"REVIEW_REQUIRED\"}");
}

static void
prepare_query_actions (Fixture *f,
                       Request *r)
{
  r->path = g_strdup ("/v1/users/alice/actions?codes=addPasskey,transfer&state=CHALLENGE_REQUIRED");
  r->auth = g_strdup (f->secret_auth);
}

/* The cookie variants of @authsignal/browser: the same handlers under
 * another path, with credentialed CORS. */
static void
to_web (Request *r)
{
  char *web = g_strconcat (r->path, "/web", NULL);

  g_free (r->path);
  r->path = web;
}

static void
prepare_challenge_web (Fixture *f,
                       Request *r)
{
  prepare_challenge (f, r);
  to_web (r);
}

static void
prepare_registration_options_web (Fixture *f,
                                  Request *r)
{
  prepare_registration_options (f, r);
  to_web (r);
}

static void
prepare_add_passkey_web (Fixture *f,
                         Request *r)
{
  prepare_add_passkey (f, r);
  to_web (r);
}

static void
prepare_authentication_options_web (Fixture *f,
                                    Request *r)
{
  prepare_authentication_options (f, r);
  to_web (r);
}

static void
prepare_verify_web (Fixture *f,
                    Request *r)
{
  prepare_verify (f, r);
  to_web (r);
}

static void
prepare_query_users (Fixture *f,
                     Request *r)
{
  r->path = g_strdup ("/v1/users?username=alice&limit=10");
  r->auth = g_strdup (f->secret_auth);
}

/* Wrong types and missing fields, endpoint by endpoint */

static void
fields_challenge (Fixture        *f,
                  const Endpoint *e)
{
  static const char * const bad_actions[] = {
    "5", "null", "true", "{}", "[\"signIn\"]", "\"\"", "\"bad action!\"", "\"../etc\"",
    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",   /* 65 */
  };
  g_auto(Request) r = { 0 };
  g_autofree char *missing = NULL;
  g_autofree char *key = NULL;

  e->prepare (f, &r);
  missing = with_value (r.body, "action", NULL);
  expect (f, e, STRICT, "no action", &r, r.auth, missing, "invalid_request");
  for (gsize i = 0; i < G_N_ELEMENTS (bad_actions); i++)
    {
      g_autofree char *body = with_value (r.body, "action", bad_actions[i]);
      g_autofree char *what = g_strdup_printf ("action %s", bad_actions[i]);
      expect (f, e, STRICT, what, &r, r.auth, body, "invalid_request");
    }
  key = with_value (r.body, "idempotencyKey", "5");
  expect (f, e, STRICT, "idempotencyKey 5", &r, r.auth, key, "invalid_request");
}

static void
fields_registration_options (Fixture        *f,
                             const Endpoint *e)
{
  static const struct { const char *member, *value; } cases[] = {
    { "username", "5" },
    { "username", "{}" },
    { "displayName", "5" },
    { "displayName", "[\"x\"]" },
    { "authenticatorAttachment", "5" },
    { "authenticatorAttachment", "\"sideways\"" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Request) r = { 0 };
      g_autofree char *body = NULL;
      g_autofree char *what = g_strdup_printf ("%s %s", cases[i].member, cases[i].value);

      e->prepare (f, &r);
      body = with_value (r.body, cases[i].member, cases[i].value);
      expect (f, e, STRICT, what, &r, r.auth, body, "invalid_request");
    }
}

typedef struct
{
  const char *what;
  const char *inner;      /* NULL: the credential itself; "response": its response */
  const char *member;
  const char *value;      /* JSON; NULL: removed */
  const char *code;
  const char *other_code;
  const char *webauthn;   /* the webauthnError to expect, or NULL */
} CredentialCase;

static void
credential_cases (Fixture              *f,
                  const Endpoint       *e,
                  const char           *credential_member,
                  const CredentialCase *cases,
                  gsize                 n_cases)
{
  for (gsize i = 0; i < n_cases; i++)
    {
      g_auto(Request) r = { 0 };
      g_autofree char *body = NULL;
      g_autoptr(SesameTestReply) reply = NULL;

      e->prepare (f, &r);
      body = with_nested_value (r.body, credential_member, cases[i].inner, cases[i].member,
                                cases[i].value);
      reply = try_bad (f, DATA, cases[i].what, e->method, r.path, r.auth, NULL, body, -1, NULL,
                       cases[i].code, cases[i].other_code);
      if (cases[i].webauthn && g_strcmp0 (sesame_test_webauthn_error (reply), cases[i].webauthn))
        {
          g_test_message ("%s: webauthnError %s, expected %s", reply->label,
                          sesame_test_webauthn_error (reply), cases[i].webauthn);
          g_test_fail ();
        }
    }
}

static void
top_level_cases (Fixture        *f,
                 const Endpoint *e,
                 const char     *credential_member)
{
  /* Shape errors leave nothing to tie a failure to: nothing may change.
   * An unknown challenge is a failed attempt, which may be recorded. */
  const struct { const char *member, *value, *code; Level level; } cases[] = {
    { credential_member, NULL, "invalid_request", STRICT },
    { credential_member, "\"credential\"", "invalid_request", STRICT },
    { credential_member, "[]", "invalid_request", STRICT },
    { credential_member, "null", "invalid_request", STRICT },
    { "challengeId", NULL, "invalid_request", STRICT },
    { "challengeId", "5", "invalid_request", STRICT },
    { "challengeId", "null", "invalid_request", STRICT },
    { "challengeId", "[\"x\"]", "invalid_request", STRICT },
    { "challengeId", "\"9c0e1d2f-0000-4000-8000-000000000000\"", "challenge_not_found", DATA },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Request) r = { 0 };
      g_autofree char *body = NULL;
      g_autofree char *what = g_strdup_printf ("%s %s", cases[i].member,
                                               cases[i].value ? cases[i].value : "missing");

      e->prepare (f, &r);
      body = with_value (r.body, cases[i].member, cases[i].value);
      expect (f, e, cases[i].level, what, &r, r.auth, body, cases[i].code);
    }
}

static void
fields_add_passkey (Fixture        *f,
                    const Endpoint *e)
{
  g_autofree char *bad_cbor = quoted_b64url ("\xff\xff\x01\x02garbage", 11);
  g_autofree char *truncated_cbor = quoted_b64url ("\xa3\x63" "fmt\x64none", 10);
  g_autofree char *not_a_map = quoted_b64url ("\x83\x01\x02\x03", 4);
  g_autofree char *bad_client_data = quoted_b64url ("not json", 8);
  g_autofree char *other_id = g_strdup_printf ("\"%s\"", "AAECAwQFBgcICQoLDA0ODw");
  const CredentialCase cases[] = {
    { "no response", NULL, "response", NULL, "invalid_request",
      "invalid_credential", NULL },
    { "response a string", NULL, "response", "\"x\"", "invalid_request",
      "invalid_credential", NULL },
    { "type password", NULL, "type", "\"password\"", "invalid_request",
      "invalid_credential", NULL },
    { "id a number", NULL, "id", "5", "invalid_request",
      "invalid_credential", NULL },
    { "no rawId", NULL, "rawId", NULL, "invalid_request",
      "invalid_credential", NULL },
    { "rawId another id", NULL, "rawId", other_id, "invalid_credential", NULL, NULL },
    { "clientDataJSON a number", "response", "clientDataJSON", "5", "invalid_request",
      "invalid_credential", NULL },
    { "no clientDataJSON", "response", "clientDataJSON", NULL, "invalid_request",
      "invalid_credential", NULL },
    { "no attestationObject", "response", "attestationObject", NULL, "invalid_request",
      "invalid_credential", NULL },
    { "transports a string", "response", "transports", "\"usb\"", "invalid_request",
      "invalid_credential", NULL },
    { "clientDataJSON bad base64url", "response", "clientDataJSON", "\"!!not*base64url\"",
      "invalid_base64url", NULL, NULL },
    { "clientDataJSON with '*'", "response", "clientDataJSON", "\"e30*\"",
      "invalid_base64url", NULL, NULL },
    { "attestationObject bad base64url", "response", "attestationObject", "\"a+b/c==\"",
      "invalid_base64url", NULL, NULL },
    { "id bad base64url", NULL, "id", "\"%%%\"", "invalid_base64url", NULL, NULL },
    { "attestationObject bad CBOR", "response", "attestationObject", bad_cbor,
      "invalid_credential", NULL, "bad_cbor" },
    { "attestationObject truncated CBOR", "response", "attestationObject", truncated_cbor,
      "invalid_credential", NULL, "bad_cbor" },
    { "attestationObject not a map", "response", "attestationObject", not_a_map,
      "invalid_credential", NULL, "bad_attestation_object" },
    { "clientDataJSON not JSON", "response", "clientDataJSON", bad_client_data,
      "invalid_credential", NULL, "bad_client_data" },
  };
  g_auto(Request) r = { 0 };
  g_autofree char *conditional = NULL;

  top_level_cases (f, e, "registrationCredential");
  credential_cases (f, e, "registrationCredential", cases, G_N_ELEMENTS (cases));

  e->prepare (f, &r);
  conditional = with_value (r.body, "conditionalCreate", "\"no\"");
  expect (f, e, STRICT, "conditionalCreate a string", &r, r.auth, conditional, "invalid_request");
}

static void
fields_authentication_options (Fixture        *f,
                               const Endpoint *e)
{
  static const struct { const char *value, *code; } cases[] = {
    { "5", "invalid_request" },
    { "{}", "invalid_request" },
    { "\"9c0e1d2f-0000-4000-8000-000000000000\"", "challenge_not_found" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Request) r = { 0 };
      g_autofree char *body = NULL;
      g_autofree char *what = g_strdup_printf ("challengeId %s", cases[i].value);

      e->prepare (f, &r);
      body = with_value (r.body, "challengeId", cases[i].value);
      expect (f, e, STRICT, what, &r, r.auth, body, cases[i].code);
    }
}

static void
fields_verify (Fixture        *f,
               const Endpoint *e)
{
  g_autofree char *bad_client_data = quoted_b64url ("{\"type\":", 8);
  g_autofree char *short_auth_data = quoted_b64url ("0123456789", 10);
  const CredentialCase cases[] = {
    { "no response", NULL, "response", NULL, "invalid_request",
      "invalid_credential", NULL },
    { "type password", NULL, "type", "\"password\"", "invalid_request",
      "invalid_credential", NULL },
    { "signature a number", "response", "signature", "5", "invalid_request",
      "invalid_credential", NULL },
    { "no signature", "response", "signature", NULL, "invalid_request", "invalid_credential",
      NULL },
    { "no authenticatorData", "response", "authenticatorData", NULL, "invalid_request",
      "invalid_credential", NULL },
    { "userHandle an object", "response", "userHandle", "{}", "invalid_request",
      "invalid_credential", NULL },
    { "signature bad base64url", "response", "signature", "\"$$$\"", "invalid_base64url", NULL,
      NULL },
    { "authenticatorData bad base64url", "response", "authenticatorData", "\"a b\"",
      "invalid_base64url", NULL, NULL },
    { "userHandle bad base64url", "response", "userHandle", "\"@@\"", "invalid_base64url", NULL,
      NULL },
    { "clientDataJSON bad base64url", "response", "clientDataJSON", "\"====\"",
      "invalid_base64url", NULL, NULL },
    { "clientDataJSON not JSON", "response", "clientDataJSON", bad_client_data,
      "invalid_credential", NULL, "bad_client_data" },
    { "authenticatorData too short", "response", "authenticatorData", short_auth_data,
      "invalid_credential", NULL, "bad_authenticator_data" },
  };
  g_auto(Request) r = { 0 };
  g_autofree char *device = NULL;

  top_level_cases (f, e, "authenticationCredential");
  credential_cases (f, e, "authenticationCredential", cases, G_N_ELEMENTS (cases));

  e->prepare (f, &r);
  device = with_value (r.body, "deviceId", "5");
  expect (f, e, STRICT, "deviceId 5", &r, r.auth, device, "invalid_request");
}

static void
fields_existence (Fixture        *f,
                  const Endpoint *e)
{
  g_auto(Request) r = { 0 };

  e->prepare (f, &r);
  expect_full (f, STRICT, "no credentialIds", "GET", "/v1/client/user-authenticators/passkey",
               r.auth, NULL, 0, "invalid_request", NULL);
  expect_full (f, STRICT, "credentialIds not base64url", "GET",
               "/v1/client/user-authenticators/passkey?credentialIds=!!!,***", r.auth, NULL, 0,
               "invalid_base64url", "invalid_request");
}

static void
fields_track (Fixture        *f,
              const Endpoint *e)
{
  static const struct { const char *member, *value; } cases[] = {
    { "username", "5" },
    { "email", "[]" },
    { "scope", "5" },
    { "idempotencyKey", "5" },
    { "redirectUrl", "{}" },
    { "deviceId", "true" },
    { "custom", "\"not an object\"" },
  };
  static const char * const bad_actions[] = {
    "bad%20action", "sign.in", "sign%2Fin", "%C3%A9t%C3%A9",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",   /* 65 */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Request) r = { 0 };
      g_autofree char *body = NULL;
      g_autofree char *what = g_strdup_printf ("%s %s", cases[i].member, cases[i].value);

      e->prepare (f, &r);
      body = with_value (r.body, cases[i].member, cases[i].value);
      expect (f, e, STRICT, what, &r, r.auth, body, "invalid_request");
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad_actions); i++)
    {
      g_autofree char *path = g_strdup_printf ("/v1/users/alice/actions/%s", bad_actions[i]);
      g_autofree char *what = g_strdup_printf ("action code %s", bad_actions[i]);

      expect_full (f, STRICT, what, "POST", path, f->secret_auth, "{}", -1, "invalid_request",
                   NULL);
    }
}

static void
fields_validate (Fixture        *f,
                 const Endpoint *e)
{
  static const struct { const char *member, *value, *code; } cases[] = {
    { "token", NULL, "invalid_request" },
    { "token", "5", "invalid_request" },
    { "token", "null", "invalid_request" },
    { "token", "\"\"", "invalid_request" },
    { "token", "\"not-a-token\"", "invalid_token" },
    { "userId", "5", "invalid_request" },
    { "action", "[]", "invalid_request" },
  };
  g_autofree char *tampered = sesame_test_tampered_token (f->alice_access);
  g_autofree char *foreign = sesame_test_foreign_token (f->server, f->alice_access);
  g_autofree char *expired = sesame_test_expired_token (f->server, f->alice_access);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Request) r = { 0 };
      g_autofree char *body = NULL;
      g_autofree char *what = g_strdup_printf ("%s %s", cases[i].member,
                                               cases[i].value ? cases[i].value : "missing");

      e->prepare (f, &r);
      body = with_value (r.body, cases[i].member, cases[i].value);
      expect (f, e, STRICT, what, &r, r.auth, body, cases[i].code);
    }

  for (int i = 0; i < 3; i++)
    {
      const char *token = i == 0 ? tampered : i == 1 ? foreign : expired;
      const char *what = i == 0 ? "token with a changed signature" :
                         i == 1 ? "token signed with another key" : "expired token";
      g_autofree char *body = g_strdup_printf ("{\"token\":\"%s\"}", token);

      expect_full (f, STRICT, what, "POST", "/v1/validate", f->secret_auth, body, -1,
                   i == 2 ? "expired_token" : "invalid_token", NULL);
    }
}

static void
fields_update_user (Fixture        *f,
                    const Endpoint *e)
{
  static const struct { const char *member, *value; } cases[] = {
    { "displayName", "5" },
    { "username", "[]" },
    { "email", "{}" },
    { "custom", "\"x\"" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Request) r = { 0 };
      g_autofree char *body = NULL;
      g_autofree char *what = g_strdup_printf ("%s %s", cases[i].member, cases[i].value);

      e->prepare (f, &r);
      body = with_value (r.body, cases[i].member, cases[i].value);
      expect (f, e, STRICT, what, &r, r.auth, body, "invalid_request");
    }
}

static void
fields_delete_authenticator (Fixture        *f,
                             const Endpoint *e)
{
  g_autofree char *bobs = g_strdup_printf ("/v1/users/alice/authenticators/%s", f->bob->passkey_id);

  expect_full (f, STRICT, "unknown id", "DELETE",
               "/v1/users/alice/authenticators/0b6c7d8e-0000-4000-8000-000000000000",
               f->secret_auth, NULL, 0, "not_found", NULL);
  /* Another user's passkey id under alice: not hers, so not found. */
  expect_full (f, STRICT, "bob's passkey under alice", "DELETE", bobs, f->secret_auth, NULL, 0,
               "not_found", NULL);
}

static void
fields_get_action (Fixture        *f,
                   const Endpoint *e)
{
  g_autofree char *bobs = g_strdup_printf ("/v1/users/alice/actions/transfer/%s",
                                           f->bob_action_key);
  g_autofree char *wrong_code = g_strdup_printf ("/v1/users/alice/actions/signIn/%s",
                                                 f->alice_action_key);

  expect_full (f, STRICT, "unknown key", e->method,
               "/v1/users/alice/actions/transfer/0b6c7d8e-0000-4000-8000-000000000000",
               f->secret_auth, NULL, 0, "not_found", NULL);
  expect_full (f, STRICT, "bob's action under alice", e->method, bobs, f->secret_auth, NULL, 0,
               "not_found", NULL);
  expect_full (f, STRICT, "another action code", e->method, wrong_code, f->secret_auth, NULL, 0,
               "not_found", NULL);
}

static void
fields_update_action (Fixture        *f,
                      const Endpoint *e)
{
  static const char * const states[] = {
    NULL, "5", "null", "\"BOGUS\"", "\"challenge_succeeded\"",
  };
  g_autofree char *bobs = g_strdup_printf ("/v1/users/alice/actions/transfer/%s",
                                           f->bob_action_key);

  for (gsize i = 0; i < G_N_ELEMENTS (states); i++)
    {
      g_auto(Request) r = { 0 };
      g_autofree char *body = NULL;
      g_autofree char *what = g_strdup_printf ("state %s", states[i] ? states[i] : "missing");

      e->prepare (f, &r);
      body = with_value (r.body, "state", states[i]);
      expect (f, e, STRICT, what, &r, r.auth, body, "invalid_request");
    }
  expect_full (f, STRICT, "unknown key", "PATCH",
               "/v1/users/alice/actions/transfer/0b6c7d8e-0000-4000-8000-000000000000",
               f->secret_auth, "{\"state\":\"REVIEW_REQUIRED\"}", -1, "not_found", NULL);
  expect_full (f, STRICT, "bob's action under alice", "PATCH", bobs, f->secret_auth,
               "{\"state\":\"CHALLENGE_SUCCEEDED\"}", -1, "not_found", NULL);
}

static void
fields_query_actions (Fixture        *f,
                      const Endpoint *e)
{
  expect_full (f, STRICT, "fromDate not a date", "GET",
               "/v1/users/alice/actions?fromDate=yesterday", f->secret_auth, NULL, 0,
               "invalid_request", NULL);
  expect_full (f, STRICT, "unknown state", "GET", "/v1/users/alice/actions?state=BOGUS",
               f->secret_auth, NULL, 0, "invalid_request", NULL);
}

static void
fields_query_users (Fixture        *f,
                    const Endpoint *e)
{
  static const struct { const char *query, *code; } cases[] = {
    { "limit=0", "invalid_request" },
    { "limit=-1", "invalid_request" },
    { "limit=1e2", "invalid_request" },
    { "limit=abc", "invalid_request" },
    { "limit=100000", "invalid_request" },
    { "email=alice@example.com", "invalid_request" },
    { "phoneNumber=123", "invalid_request" },
    { "token=x", "invalid_request" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/v1/users?%s", cases[i].query);

      expect_full (f, STRICT, cases[i].query, "GET", path, f->secret_auth, NULL, 0,
                   cases[i].code, NULL);
    }
}

#define PASSKEY_PATH "/v1/client/user-authenticators/passkey"

static const Endpoint endpoints[] = {
  { "client-challenge", "POST", "POST /v1/client/challenge", "POST", AUTH_CLIENT,
    prepare_challenge, fields_challenge },
  { "client-challenge-web", "POST", "POST /v1/client/challenge/web", "POST", AUTH_CLIENT,
    prepare_challenge_web, fields_challenge },
  { "registration-options", "POST", "POST " PASSKEY_PATH "/registration-options", "POST",
    AUTH_BEARER, prepare_registration_options, fields_registration_options },
  { "registration-options-web", "POST", "POST " PASSKEY_PATH "/registration-options/web",
    "POST", AUTH_BEARER, prepare_registration_options_web, fields_registration_options },
  { "add-passkey", "POST", "POST " PASSKEY_PATH, "GET POST", AUTH_BEARER, prepare_add_passkey,
    fields_add_passkey },
  { "add-passkey-web", "POST", "POST " PASSKEY_PATH "/web", "POST", AUTH_BEARER,
    prepare_add_passkey_web, fields_add_passkey },
  { "authentication-options", "POST", "POST " PASSKEY_PATH "/authentication-options", "POST",
    AUTH_CLIENT, prepare_authentication_options, fields_authentication_options },
  { "authentication-options-web", "POST", "POST " PASSKEY_PATH "/authentication-options/web",
    "POST", AUTH_CLIENT, prepare_authentication_options_web, fields_authentication_options },
  { "verify-passkey", "POST", "POST /v1/client/verify/passkey", "POST", AUTH_CLIENT,
    prepare_verify, fields_verify },
  { "verify-passkey-web", "POST", "POST /v1/client/verify/passkey/web", "POST", AUTH_CLIENT,
    prepare_verify_web, fields_verify },
  { "existence-check", "GET", "GET " PASSKEY_PATH "?credentialIds=…", "GET POST", AUTH_CLIENT,
    prepare_existence, fields_existence },
  { "client-authenticators", "GET", "GET /v1/client/user-authenticators", "GET", AUTH_BEARER,
    prepare_client_authenticators, NULL },
  { "track", "POST", "POST /v1/users/{userId}/actions/{action}", "POST", AUTH_SECRET,
    prepare_track, fields_track },
  { "validate", "POST", "POST /v1/validate", "POST", AUTH_SECRET, prepare_validate,
    fields_validate },
  { "query-users", "GET", "GET /v1/users", "GET", AUTH_SECRET, prepare_query_users,
    fields_query_users },
  { "get-user", "GET", "GET /v1/users/{userId}", "GET PATCH DELETE", AUTH_SECRET,
    prepare_get_user, NULL },
  { "update-user", "PATCH", "PATCH /v1/users/{userId}", "GET PATCH DELETE", AUTH_SECRET,
    prepare_update_user, fields_update_user },
  { "delete-user", "DELETE", "DELETE /v1/users/{userId}", "GET PATCH DELETE", AUTH_SECRET,
    prepare_delete_user, NULL },
  { "authenticators", "GET", "GET /v1/users/{userId}/authenticators", "GET", AUTH_SECRET,
    prepare_authenticators, NULL },
  { "delete-authenticator", "DELETE",
    "DELETE /v1/users/{userId}/authenticators/{userAuthenticatorId}", "DELETE", AUTH_SECRET,
    prepare_delete_authenticator, fields_delete_authenticator },
  { "get-action", "GET", "GET /v1/users/{userId}/actions/{action}/{idempotencyKey}",
    "GET PATCH", AUTH_SECRET, prepare_get_action, fields_get_action },
  { "update-action", "PATCH", "PATCH /v1/users/{userId}/actions/{action}/{idempotencyKey}",
    "GET PATCH", AUTH_SECRET, prepare_update_action, fields_update_action },
  { "query-actions", "GET", "GET /v1/users/{userId}/actions", "GET", AUTH_SECRET,
    prepare_query_actions, fields_query_actions },
};

static const char *
endpoint_route (const void *endpoint)
{
  const Endpoint *e = endpoint;

  return e ? e->route : "Any route";
}

/* Broken JSON, built from the valid body so that only the flaw is wrong. */

static void
test_json (Fixture      *f,
           gconstpointer data)
{
  const Endpoint *e = data;
  g_autofree char *deep_open = g_strnfill (100, '[');
  g_autofree char *deep_close = g_strnfill (100, ']');
  g_autofree char *deep = g_strdup_printf ("\"zz\":%s%s", deep_open, deep_close);
  struct { const char *what; char *(*make) (const char *body, const char *arg); const char *arg; }
  cases[] = {
    { "truncated", NULL, "truncate" },
    { "line comment", NULL, "suffix: // comment" },
    { "block comment", NULL, "prefix:/* comment */ " },
    { "trailing object", NULL, "suffix: {}" },
    { "trailing letter", NULL, "suffix:x" },
    { "trailing comma", NULL, "trailing-comma" },
    { "array around", NULL, "array" },
    { "single-quoted member", with_member, "'zz':1" },
    { "unquoted member", with_member, "zz:1" },
    { "NaN", with_member, "\"zz\":NaN" },
    { "\\u0000 in a string", with_member, "\"zz\":\"a\\u0000b\"" },
    { "raw tab in a string", with_member, "\"zz\":\"a\tb\"" },
    { "invalid UTF-8", with_member, "\"zz\":\"\xff\xfe\"" },
    { "lone surrogate", with_member, "\"zz\":\"\\ud800\"" },
    { "nested 100 deep", with_member, deep },
  };
  /* An empty body is left out: a server may read it as {} (curl -X POST). */
  static const char * const not_objects[] = { "null", "42", "\"text\"", "[]", "true" };
  static const char * const not_json_types[] = {
    "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
  };

  if (!sesame_test_require_server ())
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Request) r = { 0 };
      g_autofree char *body = NULL;

      e->prepare (f, &r);
      if (cases[i].make)
        body = cases[i].make (r.body, cases[i].arg);
      else if (g_str_equal (cases[i].arg, "truncate"))
        body = g_strndup (r.body, strlen (r.body) - 1);
      else if (g_str_has_prefix (cases[i].arg, "suffix:"))
        body = g_strconcat (r.body, cases[i].arg + strlen ("suffix:"), NULL);
      else if (g_str_has_prefix (cases[i].arg, "prefix:"))
        body = g_strconcat (cases[i].arg + strlen ("prefix:"), r.body, NULL);
      else if (g_str_equal (cases[i].arg, "trailing-comma"))
        body = g_strdup_printf ("%.*s,}", (int) strlen (r.body) - 1, r.body);
      else
        body = g_strdup_printf ("[%s]", r.body);
      expect (f, e, STRICT, cases[i].what, &r, r.auth, body, "invalid_request");
    }
  for (gsize i = 0; i < G_N_ELEMENTS (not_objects); i++)
    {
      g_auto(Request) r = { 0 };
      g_autofree char *what = g_strdup_printf ("body '%s'", not_objects[i]);

      e->prepare (f, &r);
      expect (f, e, STRICT, what, &r, r.auth, not_objects[i], "invalid_request");
    }
  for (gsize i = 0; i < G_N_ELEMENTS (not_json_types); i++)
    {
      g_auto(Request) r = { 0 };
      g_autoptr(SesameTestReply) reply = NULL;
      g_autofree char *what = g_strdup_printf ("the valid body as %s", not_json_types[i]);

      e->prepare (f, &r);
      reply = try_bad (f, STRICT, what, e->method, r.path, r.auth, not_json_types[i], r.body, -1,
                       NULL, "invalid_request", NULL);
      g_assert_cmpuint (reply->status, ==, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE);
    }
  control (f, e);
}

static void
test_oversized (Fixture      *f,
                gconstpointer data)
{
  const Endpoint *e = data;
  static const gsize sizes[] = { SESAME_TEST_MAX_BODY + 1, 1024 * 1024 };

  if (!sesame_test_require_server ())
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_auto(Request) r = { 0 };
      g_autofree char *padding = NULL;
      g_autofree char *member = NULL;
      g_autofree char *body = NULL;
      g_autofree char *what = g_strdup_printf ("a valid body of %" G_GSIZE_FORMAT " bytes",
                                               sizes[i]);
      gsize overhead;

      e->prepare (f, &r);
      /* {"zz":"xxx…", + the rest of the valid body */
      overhead = strlen (r.body) + strlen ("\"zz\":\"\"") + (g_str_equal (r.body, "{}") ? 0 : 1);
      padding = g_strnfill (sizes[i] - overhead, 'x');
      member = g_strdup_printf ("\"zz\":\"%s\"", padding);
      body = with_member (r.body, member);
      g_assert_cmpuint (strlen (body), ==, sizes[i]);
      expect_full (f, STRICT, what, e->method, r.path, r.auth, body, -1, "payload_too_large",
                   NULL);
    }
  control (f, e);
}

static char *
token_of (const char *authorization)
{
  g_assert_true (g_str_has_prefix (authorization, "Bearer "));
  return g_strdup (authorization + strlen ("Bearer "));
}

static void
test_auth (Fixture      *f,
           gconstpointer data)
{
  const Endpoint *e = data;
  g_autofree char *unknown_tenant = sesame_test_basic ("0d6f4c1e-0000-4000-8000-000000000000",
                                                       FALSE);
  g_autofree char *unknown_tenant_colon = sesame_test_basic ("0d6f4c1e-0000-4000-8000-000000000000",
                                                             TRUE);
  g_autofree char *empty_basic = sesame_test_basic ("", FALSE);
  g_autofree char *secret_as_tenant = NULL;
  g_autofree char *wrong_secret = sesame_test_basic ("sk_wrong_0123456789abcdef", TRUE);
  g_autofree char *longer_secret = NULL;
  g_autofree char *password_secret = NULL;
  g_autofree char *bearer_secret = NULL;
  g_autofree char *plain_secret = NULL;
  g_auto(Request) r = { 0 };

  if (!sesame_test_require_server ())
    return;
  secret_as_tenant = sesame_test_secret_auth (f->server);
  e->prepare (f, &r);

  expect (f, e, STRICT, "no Authorization", &r, NULL, r.body, "unauthorized");
  expect (f, e, STRICT, "Digest scheme", &r, "Digest username=\"x\"", r.body, "unauthorized");
  expect (f, e, STRICT, "Basic not base64", &r, "Basic !!!not-base64!!!", r.body, "unauthorized");
  expect (f, e, STRICT, "Basic empty", &r, empty_basic, r.body, "unauthorized");
  expect (f, e, STRICT, "Basic with no value", &r, "Basic", r.body, "unauthorized");

  if (e->auth == AUTH_SECRET)
    {
      g_autofree char *with_x = g_strconcat (f->server->secret_key, "x", NULL);
      g_autofree char *as_password = g_strconcat (":", f->server->secret_key, NULL);
      g_autofree char *encoded = g_base64_encode ((const guint8 *) as_password,
                                                  strlen (as_password));
      g_autofree char *tenant_basic = sesame_test_tenant_auth (f->server);
      g_autofree char *access_bearer = sesame_test_bearer (f->alice_access);

      longer_secret = sesame_test_basic (with_x, TRUE);
      password_secret = g_strconcat ("Basic ", encoded, NULL);
      bearer_secret = sesame_test_bearer (f->server->secret_key);
      plain_secret = g_strconcat ("Basic ", f->server->secret_key, NULL);
      expect (f, e, STRICT, "wrong secret key", &r, wrong_secret, r.body, "unauthorized");
      expect (f, e, STRICT, "secret key plus a letter", &r, longer_secret, r.body, "unauthorized");
      expect (f, e, STRICT, "secret key as the password", &r, password_secret, r.body,
              "unauthorized");
      expect (f, e, STRICT, "secret key not base64", &r, plain_secret, r.body, "unauthorized");
      expect (f, e, STRICT, "secret key as Bearer", &r, bearer_secret, r.body, "unauthorized");
      expect (f, e, STRICT, "tenant id (client credential)", &r, tenant_basic, r.body,
              "unauthorized");
      expect_full (f, STRICT, "client access token", e->method, r.path, access_bearer, r.body, -1,
                   "unauthorized", "forbidden");
    }
  else
    {
      const char *token_auth = e->auth == AUTH_BEARER ? r.auth : NULL;
      g_autofree char *token = token_auth ? token_of (token_auth) : g_strdup (f->alice_access);
      g_autofree char *tampered = sesame_test_tampered_token (token);
      g_autofree char *foreign = sesame_test_foreign_token (f->server, token);
      g_autofree char *expired = sesame_test_expired_token (f->server, token);
      g_autofree char *tampered_auth = sesame_test_bearer (tampered);
      g_autofree char *foreign_auth = sesame_test_bearer (foreign);
      g_autofree char *expired_auth = sesame_test_bearer (expired);

      expect (f, e, STRICT, "unknown tenant", &r, unknown_tenant, r.body, "unauthorized");
      expect (f, e, STRICT, "unknown tenant with colon", &r, unknown_tenant_colon, r.body,
              "unauthorized");
      expect (f, e, STRICT, "secret key as tenant", &r, secret_as_tenant, r.body, "unauthorized");
      expect_full (f, STRICT, "Bearer with no token", e->method, r.path, "Bearer ", r.body, -1,
                   "unauthorized", "invalid_token");
      expect (f, e, STRICT, "Bearer garbage", &r, "Bearer not.a.token", r.body, "invalid_token");
      expect (f, e, STRICT, "tampered token", &r, tampered_auth, r.body, "invalid_token");
      expect (f, e, STRICT, "token signed by another key", &r, foreign_auth, r.body,
              "invalid_token");
      expect (f, e, STRICT, "expired token", &r, expired_auth, r.body, "expired_token");
      if (e->auth == AUTH_BEARER)
        expect_full (f, STRICT, "Basic tenant where a token is needed", e->method, r.path,
                     f->tenant_auth, r.body, -1, "unauthorized", "forbidden");
    }

  /* The request itself, with its own authorization, still works. */
  {
    g_autoptr(SesameTestReply) reply = sesame_test_request (f->server, e->method, r.path, r.auth,
                                                            r.body);
    g_free (reply->label);
    reply->label = g_strdup_printf ("%s %s (control: the valid request)", e->method, r.path);
    sesame_test_assert_ok (reply);
  }
}

static void
test_fields (Fixture      *f,
             gconstpointer data)
{
  const Endpoint *e = data;

  if (!sesame_test_require_server ())
    return;
  e->fields (f, e);
  control (f, e);
}

/* Every method the endpoint's path does not take: 405 with Allow. */
static void
test_methods (Fixture      *f,
              gconstpointer data)
{
  const Endpoint *e = data;
  static const char * const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE" };
  g_auto(GStrv) allowed = g_strsplit (e->allowed, " ", -1);

  if (!sesame_test_require_server ())
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_auto(Request) r = { 0 };
      g_autoptr(SesameTestReply) reply = NULL;
      g_autofree char *what = g_strdup_printf ("method %s", methods[i]);
      gboolean with_body = g_str_equal (methods[i], "POST") || g_str_equal (methods[i], "PATCH") ||
                           g_str_equal (methods[i], "PUT");
      const char *allow;

      if (g_strv_contains ((const char * const *) allowed, methods[i]))
        continue;
      e->prepare (f, &r);
      reply = try_bad (f, STRICT, what, methods[i], r.path, r.auth, NULL,
                       with_body ? (r.body ? r.body : "{}") : NULL, -1, NULL,
                       "method_not_allowed", NULL);
      allow = reply->headers ? soup_message_headers_get_one (reply->headers, "Allow") : NULL;
      g_assert_nonnull (allow);
      for (guint j = 0; allow && allowed[j]; j++)
        g_assert_nonnull (strstr (allow, allowed[j]));
    }
  control (f, e);
}

/* A page on an origin the tenant does not expect: refused before anything
 * happens, and the reply is not readable by that page (no
 * Access-Control-Allow-Origin). */
static void
test_origin (Fixture      *f,
             gconstpointer data)
{
  const Endpoint *e = data;
  g_autofree char *https = NULL;
  g_autofree char *slash = NULL;
  struct { const char *what, *origin; } cases[] = {
    { "Origin http://evil.example", "http://evil.example" },
    { "Origin null (a sandboxed or file: page)", "null" },
    { "Origin http://localhost:1 (another port)", "http://localhost:1" },
    { "Origin of the sample app over https", NULL },
    { "Origin of the sample app with a path", NULL },
    { "Origin http://localhost (no port)", "http://localhost" },
  };

  if (!sesame_test_require_server ())
    return;
  https = g_strdup_printf ("https://localhost:%u", f->server->port);
  slash = g_strdup_printf ("%s/", f->server->origin);
  cases[3].origin = https;
  cases[4].origin = slash;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Request) r = { 0 };
      g_autoptr(SesameTestReply) reply = NULL;
      const char * const headers[] = { "Origin", cases[i].origin, NULL };

      e->prepare (f, &r);
      reply = try_bad (f, STRICT, cases[i].what, e->method, r.path, r.auth, NULL, r.body, -1,
                       headers, "origin_not_allowed", NULL);
      g_assert_null (reply->headers ? soup_message_headers_get_one (
                       reply->headers, "Access-Control-Allow-Origin") : NULL);
    }
  control (f, e);
}

/* Paths no route takes, and Host names a loopback tenant does not answer
 * to, whatever the route. */
static void
test_any_route (Fixture      *f,
                gconstpointer data)
{
  static const struct { const char *method, *path, *code; } paths[] = {
    { "GET", "/v1/client/nothing", "not_found" },
    { "POST", "/v1/client/challenge/", "not_found" },
    { "POST", "/v1/client/Challenge", "not_found" },
    /* Outside /v1/ are the sample app's pages, which only take GET. */
    { "POST", "/V1/client/challenge", "method_not_allowed" },
    { "POST", "/v2/client/challenge", "method_not_allowed" },
    { "GET", "/v2/client/challenge", "not_found" },
    { "GET", "/v1", "not_found" },
    { "GET", "/v1/users/alice/nothing", "not_found" },
    { "GET", "/v1/users//authenticators", "not_found" },
    { "POST", "/v1/users/alice/actions//", "not_found" },
    { "GET", "/v1/users/alice/actions/signIn/key/more", "not_found" },
    { "GET", "/v1/users/a%00b", "invalid_request" },
    { "GET", "/v1/users/%C3%28", "invalid_request" },
  };
  static const char * const hosts[] = {
    "evil.example", "evil.example:7878", "localhost.evil.example", "127.0.0.1.evil.example",
    "[::2]:80", "localhost@evil.example",
  };

  if (!sesame_test_require_server ())
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *what = g_strdup_printf ("%s %s", paths[i].method, paths[i].path);
      const char *body = g_str_equal (paths[i].method, "POST") ? "{}" : NULL;

      expect_full (f, STRICT, what, paths[i].method, paths[i].path, f->secret_auth, body, -1,
                   paths[i].code, NULL);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      const char * const headers[] = { "Host", hosts[i], NULL };
      g_autofree char *client = g_strdup_printf ("Host %s, Client API", hosts[i]);
      g_autofree char *server = g_strdup_printf ("Host %s, Server API", hosts[i]);
      g_autoptr(SesameTestReply) challenge = NULL;
      g_autoptr(SesameTestReply) track = NULL;

      challenge = try_bad (f, STRICT, client, "POST", "/v1/client/challenge", f->tenant_auth, NULL,
                           "{\"action\":\"signIn\"}", -1, headers, "forbidden", NULL);
      track = try_bad (f, STRICT, server, "POST", "/v1/users/alice/actions/signIn",
                       f->secret_auth, NULL, "{}", -1, headers, "forbidden", NULL);
    }
}

static void
test_body_limit_boundary (Fixture      *f,
                          gconstpointer data)
{
  g_autofree char *padding = NULL;
  g_autofree char *body = NULL;
  g_autoptr(SesameTestReply) reply = NULL;
  const char *prefix = "{\"action\":\"signInWithPasskey\",\"zz\":\"";

  if (!sesame_test_require_server ())
    return;
  /* Exactly 64 KiB is still allowed. */
  padding = g_strnfill (SESAME_TEST_MAX_BODY - strlen (prefix) - 2, 'x');
  body = g_strconcat (prefix, padding, "\"}", NULL);
  g_assert_cmpuint (strlen (body), ==, SESAME_TEST_MAX_BODY);
  reply = sesame_test_request (f->server, "POST", "/v1/client/challenge", f->tenant_auth, body);
  sesame_test_assert_ok (reply);
}

/* Markdown table cells: no pipe, and nothing read as emphasis or markup. */
static void
append_cell (GString    *out,
             const char *text)
{
  g_string_append (out, " ");
  for (const char *p = text; *p; p++)
    {
      if (strchr ("\\`*_[]<>|", *p))
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append (out, " |");
}

static char *
render_table (void)
{
  GString *out = g_string_new (NULL);
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  const char *route = NULL;

  g_string_append (out,
    "<!-- Generated by tests/server/test-server-bad-input.c: do not edit. After a deliberate\n"
    "     change, regenerate it with\n"
    "     SESAME_BAD_INPUT_WRITE=1 meson test -C _build server-bad-input -->\n"
    "\n"
    "# Bad input: what the local tenant answers\n"
    "\n"
    "Every row is a request that the `server` suite sends to a real `sesame-server` on\n"
    "loopback, starting from a request that succeeds as it is and changing one thing. The\n"
    "status and error code are what the server answered in that run (the test asserts the\n"
    "expected ones and fails when this file no longer matches), and *Changed* is what the\n"
    "SQLite file shows afterwards: users, passkeys, actions, challenges and events counted\n"
    "before and after. Only a failed ceremony may leave a trace: its event, its consumed\n"
    "challenge, or its action marked `CHALLENGE_FAILED`.\n"
    "\n"
    "Every error body is `{\"error\": code, \"errorCode\": code, \"errorDescription\": text}`;\n"
    "a WebAuthn failure adds `webauthnError`, shown in brackets. A refused preflight or\n"
    "request from an unexpected origin carries no `Access-Control-Allow-Origin`.\n");

  for (guint i = 0; i < table_rows->len; i++)
    {
      Row *row = g_ptr_array_index (table_rows, i);

      if (g_strcmp0 (route, row->route) != 0)
        {
          route = row->route;
          g_string_append_printf (out, "\n## `%s`\n\n", route);
          g_string_append (out, "| Bad input | Status | Error code | Changed |\n"
                                "|---|---|---|---|\n");
        }
      g_string_append (out, "|");
      append_cell (out, row->input);
      g_string_append_printf (out, " %u |", row->status);
      append_cell (out, row->code);
      append_cell (out, row->change);
      g_string_append (out, "\n");
    }
  g_string_append_printf (out, "\n%u cases.\n", table_rows->len);
  return g_string_free (out, FALSE);
}

/* Rows come in the order the tests ran; sections keep the order in which
 * their route first appeared, the routes of the table first. */
static void
group_rows_by_route (void)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
  g_autoptr(GPtrArray) routes = g_ptr_array_new ();

  for (guint i = 0; i < table_rows->len; i++)
    {
      Row *row = g_ptr_array_index (table_rows, i);
      gboolean seen = FALSE;

      for (guint j = 0; j < routes->len && !seen; j++)
        seen = g_str_equal (g_ptr_array_index (routes, j), row->route);
      if (!seen)
        g_ptr_array_add (routes, row->route);
    }
  /* "Any route" last */
  if (routes->len > 1 && g_str_equal (g_ptr_array_index (routes, 0), endpoint_route (NULL)))
    {
      g_ptr_array_add (routes, g_ptr_array_index (routes, 0));
      g_ptr_array_remove_index (routes, 0);
    }
  for (guint j = 0; j < routes->len; j++)
    for (guint i = 0; i < table_rows->len; i++)
      {
        Row *row = g_ptr_array_index (table_rows, i);

        if (row && g_str_equal (row->route, g_ptr_array_index (routes, j)))
          {
            g_ptr_array_add (sorted, row);
            g_ptr_array_index (table_rows, i) = NULL;
          }
      }
  g_ptr_array_set_free_func (table_rows, NULL);
  g_ptr_array_unref (table_rows);
  table_rows = g_steal_pointer (&sorted);
}

static void
test_docs_table (void)
{
  const char *path = g_getenv ("SESAME_BAD_INPUT_DOC");
  g_autofree char *rendered = NULL;
  g_autofree char *committed = NULL;
  g_autoptr(GError) error = NULL;

  if (!sesame_test_require_server ())
    return;
  if (n_table_tests_done != n_table_tests)
    {
      g_test_skip ("the table needs every case of this program (run it without -p)");
      return;
    }
  if (!path)
    {
      g_test_skip ("SESAME_BAD_INPUT_DOC names no file to compare with");
      return;
    }
  group_rows_by_route ();
  rendered = render_table ();
  if (g_getenv ("SESAME_BAD_INPUT_WRITE"))
    {
      g_file_set_contents (path, rendered, -1, &error);
      g_assert_no_error (error);
      g_test_message ("wrote %s (%u cases)", path, table_rows->len);
      return;
    }
  if (!g_file_get_contents (path, &committed, NULL, &error))
    {
      g_test_message ("%s: %s; SESAME_BAD_INPUT_WRITE=1 writes it", path, error->message);
      g_test_fail ();
      return;
    }
  if (!g_str_equal (committed, rendered))
    {
      g_auto(GStrv) old_lines = g_strsplit (committed, "\n", -1);
      g_auto(GStrv) new_lines = g_strsplit (rendered, "\n", -1);
      guint line = 0;

      while (old_lines[line] && new_lines[line] && g_str_equal (old_lines[line], new_lines[line]))
        line++;
      g_test_message ("%s differs from what the server answers now, from line %u:\n"
                      "  committed: %s\n  now:       %s\n"
                      "If the change is deliberate: SESAME_BAD_INPUT_WRITE=1 meson test -C _build "
                      "server-bad-input", path, line + 1,
                      old_lines[line] ? old_lines[line] : "(end of file)",
                      new_lines[line] ? new_lines[line] : "(end of file)");
      g_test_fail ();
    }
}

typedef void (*FixtureFunc) (Fixture *f, gconstpointer data);

static void
count_done (Fixture      *f,
            gconstpointer data)
{
  n_table_tests_done++;
  fixture_tear_down (f, data);
}

/* Each test that adds rows counts itself done, so that the table is only
 * compared when every case ran. */
static void
add_table_test (const char     *name,
                const Endpoint *e,
                FixtureFunc     func)
{
  g_autofree char *path = NULL;

  if (e)
    path = g_strdup_printf ("/sesame/server/bad-input/%s/%s", e->name, name);
  else
    path = g_strdup_printf ("/sesame/server/bad-input/%s", name);
  n_table_tests++;
  g_test_add_vtable (path, sizeof (Fixture), e, (GTestFixtureFunc) fixture_set_up,
                     (GTestFixtureFunc) func, (GTestFixtureFunc) count_done);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  table_rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);

  for (gsize i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      const Endpoint *e = &endpoints[i];
      gboolean has_body = g_str_equal (e->method, "POST") || g_str_equal (e->method, "PATCH");

      if (has_body)
        {
          add_table_test ("json", e, test_json);
          add_table_test ("oversized", e, test_oversized);
        }
      add_table_test ("auth", e, test_auth);
      add_table_test ("method", e, test_methods);
      if (e->auth != AUTH_SECRET)
        add_table_test ("origin", e, test_origin);
      if (e->fields)
        add_table_test ("fields", e, test_fields);
    }
  add_table_test ("any-route", NULL, test_any_route);
  g_test_add ("/sesame/server/bad-input/body-limit-boundary", Fixture, NULL, fixture_set_up,
              test_body_limit_boundary, fixture_tear_down);
  /* A suite of its own, created last, so that it runs after the others. */
  g_test_add_func ("/sesame/server/bad-input-table/docs", test_docs_table);
  status = g_test_run ();
  g_ptr_array_unref (table_rows);
  return status;
}
