/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The bad-input matrix: for every endpoint, broken JSON, an oversized body,
 * every wrong or missing authorization, and the wrong types and missing
 * fields of that endpoint. Each must get its own clear error and change
 * nothing on disk; each case starts from a request that succeeds as is, so
 * a lax server fails the case instead of passing it by accident. */

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

/* Sends one bad request and checks the error and that nothing changed. */
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
  g_autoptr(SesameTestSnapshot) before = sesame_test_snapshot (f->server);
  g_autoptr(SesameTestReply) reply = sesame_test_request_full (f->server, method, path, auth, NULL,
                                                               body, len, NULL);
  g_autoptr(SesameTestSnapshot) after = sesame_test_snapshot (f->server);

  g_free (reply->label);
  reply->label = g_strdup_printf ("%s %s (%s)", method, path, what);
  sesame_test_assert_error_one_of (reply, code, other_code, NULL);
  if (level == STRICT)
    sesame_test_assert_unchanged (before, after, reply->label);
  else
    sesame_test_assert_no_data_change (before, after, reply->label);
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
      g_autoptr(SesameTestSnapshot) before = NULL;
      g_autoptr(SesameTestSnapshot) after = NULL;
      g_autoptr(SesameTestReply) reply = NULL;

      e->prepare (f, &r);
      body = with_nested_value (r.body, credential_member, cases[i].inner, cases[i].member,
                                cases[i].value);
      before = sesame_test_snapshot (f->server);
      reply = sesame_test_request (f->server, e->method, r.path, r.auth, body);
      after = sesame_test_snapshot (f->server);
      g_free (reply->label);
      reply->label = g_strdup_printf ("%s %s (%s)", e->method, r.path, cases[i].what);
      sesame_test_assert_error_one_of (reply, cases[i].code, cases[i].other_code, NULL);
      if (cases[i].webauthn && g_strcmp0 (sesame_test_webauthn_error (reply), cases[i].webauthn))
        {
          g_test_message ("%s: webauthnError %s, expected %s", reply->label,
                          sesame_test_webauthn_error (reply), cases[i].webauthn);
          g_test_fail ();
        }
      sesame_test_assert_no_data_change (before, after, reply->label);
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
      g_autofree char *body = g_strdup_printf ("{\"token\":\"%s\"}", token);
      g_autoptr(SesameTestReply) reply = sesame_test_request (f->server, "POST", "/v1/validate",
                                                              f->secret_auth, body);
      JsonObject *object = sesame_test_reply_object (reply);

      /* Either a token error, or a 200 that says plainly it is not valid. */
      if (reply->status == 200)
        {
          g_assert_false (sesame_test_get_bool (object, "isValid"));
          g_assert_true (json_object_has_member (object, "error"));
        }
      else
        sesame_test_assert_error (reply, i == 2 ? "expired_token" : "invalid_token");
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

static const Endpoint endpoints[] = {
  { "client-challenge", "POST", AUTH_CLIENT, prepare_challenge, fields_challenge },
  { "registration-options", "POST", AUTH_BEARER, prepare_registration_options,
    fields_registration_options },
  { "add-passkey", "POST", AUTH_BEARER, prepare_add_passkey, fields_add_passkey },
  { "authentication-options", "POST", AUTH_CLIENT, prepare_authentication_options,
    fields_authentication_options },
  { "verify-passkey", "POST", AUTH_CLIENT, prepare_verify, fields_verify },
  { "existence-check", "GET", AUTH_CLIENT, prepare_existence, fields_existence },
  { "client-authenticators", "GET", AUTH_BEARER, prepare_client_authenticators, NULL },
  { "track", "POST", AUTH_SECRET, prepare_track, fields_track },
  { "validate", "POST", AUTH_SECRET, prepare_validate, fields_validate },
  { "get-user", "GET", AUTH_SECRET, prepare_get_user, NULL },
  { "update-user", "PATCH", AUTH_SECRET, prepare_update_user, fields_update_user },
  { "delete-user", "DELETE", AUTH_SECRET, prepare_delete_user, NULL },
  { "authenticators", "GET", AUTH_SECRET, prepare_authenticators, NULL },
  { "delete-authenticator", "DELETE", AUTH_SECRET, prepare_delete_authenticator,
    fields_delete_authenticator },
  { "get-action", "GET", AUTH_SECRET, prepare_get_action, fields_get_action },
  { "update-action", "PATCH", AUTH_SECRET, prepare_update_action, fields_update_action },
  { "query-actions", "GET", AUTH_SECRET, prepare_query_actions, fields_query_actions },
};

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

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  for (gsize i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      const Endpoint *e = &endpoints[i];
      gboolean has_body = g_str_equal (e->method, "POST") || g_str_equal (e->method, "PATCH");
      g_autofree char *auth = g_strdup_printf ("/sesame/server/bad-input/%s/auth", e->name);

      if (has_body)
        {
          g_autofree char *json = g_strdup_printf ("/sesame/server/bad-input/%s/json", e->name);
          g_autofree char *size = g_strdup_printf ("/sesame/server/bad-input/%s/oversized",
                                                   e->name);
          g_test_add (json, Fixture, e, fixture_set_up, test_json, fixture_tear_down);
          g_test_add (size, Fixture, e, fixture_set_up, test_oversized, fixture_tear_down);
        }
      g_test_add (auth, Fixture, e, fixture_set_up, test_auth, fixture_tear_down);
      if (e->fields)
        {
          g_autofree char *fields = g_strdup_printf ("/sesame/server/bad-input/%s/fields", e->name);
          g_test_add (fields, Fixture, e, fixture_set_up, test_fields, fixture_tear_down);
        }
    }
  g_test_add ("/sesame/server/bad-input/body-limit-boundary", Fixture, NULL, fixture_set_up,
              test_body_limit_boundary, fixture_tear_down);
  return g_test_run ();
}
