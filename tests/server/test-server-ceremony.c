/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Ceremonies that must fail, over HTTP: replayed, expired and foreign
 * challenges, wrong origins, RP IDs, types, signatures and counters, user
 * presence and verification, and passkeys used where they do not belong.
 * Each gets its own error and stores nothing. */

#include "config.h"

#include "server-test-util.h"
#include "sesame-store.h"

#include <string.h>

typedef struct
{
  SesameTestServer  *server;
  char              *secret_auth;
  char              *tenant_auth;
  SesameTestPasskey *alice;
  SesameTestPasskey *bob;
} Fixture;

static void fixture_start (Fixture *f, ...) G_GNUC_NULL_TERMINATED;

static void
fixture_start (Fixture *f,
               ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, f);
  for (const char *arg = va_arg (ap, const char *); arg; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  f->server = sesame_test_server_start_argv (NULL, (const char * const *) args->pdata);
  f->secret_auth = sesame_test_secret_auth (f->server);
  f->tenant_auth = sesame_test_tenant_auth (f->server);
  f->alice = sesame_test_register (f->server, "alice", "alice", NULL, NULL);
  f->bob = sesame_test_register (f->server, "bob", "bob", NULL, NULL);
}

static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  if (!sesame_test_server_binary () || data)
    return;
  fixture_start (f, NULL);
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
}

#define NO_SERVER_START GINT_TO_POINTER (1)

static const char *
string_or_empty (JsonObject *object,
                 const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (!node || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return "";
  return json_node_get_string (node);
}

/* Sends a request that must fail with one of the codes (and, when given,
 * that webauthnError) and store nothing. */
static SesameTestReply *
refused (Fixture    *f,
         const char *what,
         const char *path,
         const char *auth,
         const char *body,
         const char *webauthn_error,
         const char *code,
         ...)
{
  g_autoptr(SesameTestSnapshot) before = sesame_test_snapshot (f->server);
  SesameTestReply *reply = sesame_test_request (f->server, "POST", path, auth, body);
  g_autoptr(SesameTestSnapshot) after = sesame_test_snapshot (f->server);
  g_autoptr(GString) codes = g_string_new (NULL);
  JsonObject *object = sesame_test_reply_object (reply);
  gboolean matched = FALSE;
  va_list ap;

  g_free (reply->label);
  reply->label = g_strdup_printf ("POST %s (%s)", path, what);
  va_start (ap, code);
  for (const char *c = code; c; c = va_arg (ap, const char *))
    {
      g_string_append_printf (codes, "%s ", c);
      matched = matched || g_strcmp0 (string_or_empty (object, "error"), c) == 0;
    }
  va_end (ap);
  /* The status and the other members are checked against the first code
   * that matches. */
  if (matched)
    sesame_test_assert_error (reply, string_or_empty (object, "error"));
  else
    {
      gsize size;
      const char *text = g_bytes_get_data (reply->body, &size);
      g_test_message ("%s: expected %sgot HTTP %u %.*s", reply->label, codes->str, reply->status,
                      (int) MIN (size, 400), text);
      g_test_fail ();
    }
  if (webauthn_error && g_strcmp0 (sesame_test_webauthn_error (reply), webauthn_error) != 0)
    {
      g_test_message ("%s: webauthnError %s, expected %s", reply->label,
                      sesame_test_webauthn_error (reply), webauthn_error);
      g_test_fail ();
    }
  g_assert_false (json_object_has_member (object, "accessToken"));
  sesame_test_assert_no_data_change (before, after, reply->label);
  return reply;
}

/* A registration in flight: a tracked user, C2's options. */
typedef struct
{
  char              *user;
  char              *token;
  char              *bearer;
  char              *action_key;
  JsonObject        *options;
  SesameTestPasskey *passkey;
} Pending;

static void
pending_clear (Pending *p)
{
  g_clear_pointer (&p->user, g_free);
  g_clear_pointer (&p->token, g_free);
  g_clear_pointer (&p->bearer, g_free);
  g_clear_pointer (&p->action_key, g_free);
  g_clear_pointer (&p->options, json_object_unref);
  g_clear_pointer (&p->passkey, sesame_test_passkey_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Pending, pending_clear)

static void
pending_start (Fixture    *f,
               Pending    *p,
               const char *user)
{
  g_autoptr(JsonObject) tracked = NULL;

  p->user = g_strdup (user);
  p->token = sesame_test_track (f->server, user, "addPasskey", NULL, &tracked);
  p->bearer = sesame_test_bearer (p->token);
  p->action_key = g_strdup (sesame_test_get_string (tracked, "idempotencyKey"));
  p->options = sesame_test_registration_options (f->server, p->token, user);
  p->passkey = sesame_test_passkey_new ();
  p->passkey->user_handle = g_strdup (sesame_test_get_string (
    sesame_test_get_object (sesame_test_get_object (p->options, "options"), "user"), "id"));
}

static const char *
pending_challenge (Pending *p)
{
  return sesame_test_get_string (sesame_test_get_object (p->options, "options"), "challenge");
}

static const char *
pending_challenge_id (Pending *p)
{
  return sesame_test_get_string (p->options, "challengeId");
}

static char *
pending_body (Fixture    *f,
              Pending    *p,
              const char *origin,
              const char *rp_id,
              guint8      flags)
{
  g_autoptr(JsonObject) credential = sesame_test_registration_credential (
    p->passkey, pending_challenge (p), origin ? origin : f->server->origin,
    rp_id ? rp_id : "localhost", flags, "packed");

  return sesame_test_c3_body (credential, pending_challenge_id (p));
}

static char *
action_state (Fixture    *f,
              const char *key)
{
  g_autofree char *sql = g_strdup_printf ("SELECT state FROM actions WHERE idempotency_key = '%s'",
                                          key);

  return sesame_test_db_text (f->server, sql);
}

/* A sign-in in flight: C4's options (after C1 when @action is set). */
static JsonObject *
sign_in_options (Fixture    *f,
                 const char *auth,
                 const char *action)
{
  g_autofree char *body = NULL;

  if (action)
    {
      g_autofree char *challenge_body = g_strdup_printf ("{\"action\":\"%s\"}", action);
      g_autoptr(SesameTestReply) challenge =
        sesame_test_request (f->server, "POST", "/v1/client/challenge", auth, challenge_body);

      sesame_test_assert_ok (challenge);
      body = g_strdup_printf ("{\"challengeId\":\"%s\"}",
                              sesame_test_get_string (sesame_test_reply_object (challenge),
                                                      "challengeId"));
    }
  return sesame_test_authentication_options (f->server, auth, body);
}

static char *
assertion_body (Fixture           *f,
                JsonObject        *options,
                SesameTestPasskey *passkey,
                const char        *origin,
                const char        *rp_id,
                guint8             flags,
                guint32            sign_count,
                gboolean           tamper)
{
  g_autoptr(JsonObject) credential = sesame_test_authentication_credential (
    passkey, sesame_test_get_string (sesame_test_get_object (options, "options"), "challenge"),
    origin ? origin : f->server->origin, rp_id ? rp_id : "localhost", flags, sign_count, tamper);

  return sesame_test_c5_body (credential, sesame_test_get_string (options, "challengeId"));
}

#define C3 "/v1/client/user-authenticators/passkey"
#define C5 "/v1/client/verify/passkey"

static void
test_replayed_registration_challenge (Fixture      *f,
                                      gconstpointer data)
{
  g_auto(Pending) p = { 0 };
  g_autofree char *body = NULL;
  g_autofree char *other_body = NULL;
  g_autoptr(SesameTestReply) first = NULL;
  g_autoptr(SesameTestReply) again = NULL;
  g_autoptr(SesameTestReply) other = NULL;
  g_autoptr(SesameTestPasskey) second = sesame_test_passkey_new ();
  g_autoptr(JsonObject) credential = NULL;

  if (!sesame_test_require_server ())
    return;
  pending_start (f, &p, "carol");
  body = pending_body (f, &p, NULL, NULL, SESAME_TEST_FLAGS_REGISTER);
  first = sesame_test_request (f->server, "POST", C3, p.bearer, body);
  sesame_test_assert_ok (first);

  /* The very same request again, and another credential over the same
   * challenge: both are replays. */
  again = refused (f, "the same body again", C3, p.bearer, body, NULL, "challenge_replayed", NULL);
  credential = sesame_test_registration_credential (second, pending_challenge (&p),
                                                    f->server->origin, "localhost",
                                                    SESAME_TEST_FLAGS_REGISTER, "none");
  other_body = sesame_test_c3_body (credential, pending_challenge_id (&p));
  other = refused (f, "another credential, same challenge", C3, p.bearer, other_body, NULL,
                   "challenge_replayed", NULL);
}

static void
test_replayed_authentication_challenge (Fixture      *f,
                                        gconstpointer data)
{
  g_autoptr(JsonObject) options = NULL;
  g_autofree char *body = NULL;
  g_autofree char *again_body = NULL;
  g_autoptr(SesameTestReply) first = NULL;
  g_autoptr(SesameTestReply) again = NULL;
  g_autoptr(SesameTestReply) same = NULL;

  if (!sesame_test_require_server ())
    return;
  options = sign_in_options (f, f->tenant_auth, "login");
  body = assertion_body (f, options, f->alice, NULL, NULL, SESAME_TEST_FLAGS_ASSERT,
                         ++f->alice->sign_count, FALSE);
  first = sesame_test_request (f->server, "POST", C5, f->tenant_auth, body);
  sesame_test_assert_ok (first);

  same = refused (f, "the same assertion again", C5, f->tenant_auth, body, NULL,
                  "challenge_replayed", NULL);
  again_body = assertion_body (f, options, f->alice, NULL, NULL, SESAME_TEST_FLAGS_ASSERT,
                               ++f->alice->sign_count, FALSE);
  again = refused (f, "a new assertion, same challenge", C5, f->tenant_auth, again_body, NULL,
                   "challenge_replayed", NULL);
}

static void
test_expired_challenge (Fixture      *f,
                        gconstpointer data)
{
  g_auto(Pending) p = { 0 };
  g_autoptr(JsonObject) options = NULL;
  g_autofree char *c3_body = NULL;
  g_autofree char *c5_body = NULL;
  g_autoptr(SesameTestReply) registration = NULL;
  g_autoptr(SesameTestReply) authentication = NULL;

  if (!sesame_test_require_server ())
    return;
  fixture_start (f, "--challenge-lifetime", "1", NULL);
  pending_start (f, &p, "carol");
  options = sign_in_options (f, f->tenant_auth, NULL);
  c3_body = pending_body (f, &p, NULL, NULL, SESAME_TEST_FLAGS_REGISTER);
  c5_body = assertion_body (f, options, f->alice, NULL, NULL, SESAME_TEST_FLAGS_ASSERT,
                            ++f->alice->sign_count, FALSE);
  g_usleep (2100 * G_TIME_SPAN_MILLISECOND);
  registration = refused (f, "registration after 2 s", C3, p.bearer, c3_body, NULL,
                          "challenge_expired", NULL);
  authentication = refused (f, "sign-in after 2 s", C5, f->tenant_auth, c5_body, NULL,
                            "challenge_expired", NULL);
}

static void
test_challenge_of_another_server (Fixture      *f,
                                  gconstpointer data)
{
  g_autoptr(SesameTestServer) other = NULL;
  g_autofree char *other_tenant = NULL;
  g_autoptr(JsonObject) options = NULL;
  g_autoptr(JsonObject) credential = NULL;
  g_autofree char *body = NULL;
  g_autoptr(SesameTestReply) authentication = NULL;
  g_autoptr(SesameTestReply) registration = NULL;
  g_auto(Pending) p = { 0 };
  g_autofree char *token = NULL;
  g_autofree char *other_token = NULL;
  g_autofree char *bearer = NULL;
  g_autoptr(JsonObject) other_options = NULL;

  if (!sesame_test_require_server ())
    return;
  /* A challenge id minted by another tenant (another data dir): unknown
   * here. */
  other = sesame_test_server_start (NULL, NULL);
  other_tenant = sesame_test_tenant_auth (other);
  options = sesame_test_authentication_options (other, other_tenant, NULL);
  credential = sesame_test_authentication_credential (
    f->alice, sesame_test_get_string (sesame_test_get_object (options, "options"), "challenge"),
    f->server->origin, "localhost", SESAME_TEST_FLAGS_ASSERT, ++f->alice->sign_count, FALSE);
  body = sesame_test_c5_body (credential, sesame_test_get_string (options, "challengeId"));
  authentication = refused (f, "another tenant's sign-in challenge", C5, f->tenant_auth, body,
                            NULL, "challenge_not_found", NULL);

  g_clear_pointer (&body, g_free);
  g_clear_pointer (&credential, json_object_unref);
  other_token = sesame_test_track (other, "carol", "addPasskey", NULL, NULL);
  other_options = sesame_test_registration_options (other, other_token, "carol");
  token = sesame_test_track (f->server, "carol", "addPasskey", NULL, NULL);
  bearer = sesame_test_bearer (token);
  p.passkey = sesame_test_passkey_new ();
  credential = sesame_test_registration_credential (
    p.passkey, sesame_test_get_string (sesame_test_get_object (other_options, "options"),
                                       "challenge"),
    f->server->origin, "localhost", SESAME_TEST_FLAGS_REGISTER, "packed");
  body = sesame_test_c3_body (credential, sesame_test_get_string (other_options, "challengeId"));
  registration = refused (f, "another tenant's registration challenge", C3, bearer, body, NULL,
                          "challenge_not_found", NULL);
  sesame_test_server_stop (other);
}

/* A second tenant in the same file, made through the store as a
 * management tool would; the server has no route or option for it. */
static gboolean
add_tenant (Fixture    *f,
            const char *id,
            const char *secret)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameStore) store = sesame_store_open (sesame_test_server_db_path (f->server), &error);
  g_autoptr(SesameTenant) tenant = sesame_tenant_new (id, "localhost");

  g_assert_no_error (error);
  if (!store)
    return FALSE;
  tenant->expected_origins = g_new0 (char *, 2);
  tenant->expected_origins[0] = g_strdup (f->server->origin);
  g_assert_true (sesame_store_insert_tenant (store, tenant, secret, &error));
  g_assert_no_error (error);
  return error == NULL;
}

static void
test_challenge_of_another_tenant (Fixture      *f,
                                  gconstpointer data)
{
  g_autofree char *tenant_b = NULL;
  g_autofree char *secret_b = NULL;
  g_autoptr(SesameTestReply) probe = NULL;
  g_autoptr(JsonObject) options_b = NULL;
  g_autoptr(JsonObject) credential = NULL;
  g_autofree char *body = NULL;
  g_autoptr(SesameTestReply) authentication = NULL;
  g_autoptr(SesameTestReply) alice_in_b = NULL;

  if (!sesame_test_require_server ())
    return;
  if (!add_tenant (f, "tenant-b", "sk_tenant_b_0123456789abcdef"))
    return;
  tenant_b = sesame_test_basic ("tenant-b", FALSE);
  secret_b = sesame_test_basic ("sk_tenant_b_0123456789abcdef", TRUE);

  probe = sesame_test_request (f->server, "POST",
                               "/v1/client/user-authenticators/passkey/authentication-options",
                               tenant_b, "{}");
  if (probe->status == 401)
    {
      g_test_message ("the server answers only for the tenant it created: a challenge of "
                      "another tenant in the same store cannot be made (see "
                      "/sesame/server/ceremony/challenge-of-another-server)");
      g_test_skip ("sesame-server serves one tenant only");
      return;
    }
  sesame_test_assert_ok (probe);
  options_b = json_object_ref (sesame_test_reply_object (probe));

  /* Tenant B's challenge, signed correctly by alice's passkey, sent to
   * tenant A: not found there. */
  credential = sesame_test_authentication_credential (
    f->alice, sesame_test_get_string (sesame_test_get_object (options_b, "options"), "challenge"),
    f->server->origin, "localhost", SESAME_TEST_FLAGS_ASSERT, ++f->alice->sign_count, FALSE);
  body = sesame_test_c5_body (credential, sesame_test_get_string (options_b, "challengeId"));
  authentication = refused (f, "tenant B's challenge at tenant A", C5, f->tenant_auth, body, NULL,
                            "challenge_not_found", NULL);

  /* Tenant B's secret sees none of tenant A's users. */
  alice_in_b = sesame_test_request (f->server, "GET", "/v1/users/alice", secret_b, NULL);
  sesame_test_assert_ok (alice_in_b);
  g_assert_false (sesame_test_get_bool (sesame_test_reply_object (alice_in_b), "isEnrolled"));
}

static void
test_origin_not_expected (Fixture      *f,
                          gconstpointer data)
{
  g_auto(Pending) p = { 0 };
  g_autofree char *c3_body = NULL;
  g_autofree char *c5_body = NULL;
  g_autofree char *state = NULL;
  g_autoptr(JsonObject) options = NULL;
  g_autoptr(SesameTestReply) registration = NULL;
  g_autoptr(SesameTestReply) authentication = NULL;
  gint64 events;

  if (!sesame_test_require_server ())
    return;
  pending_start (f, &p, "carol");
  c3_body = pending_body (f, &p, "http://localhost:9999", NULL, SESAME_TEST_FLAGS_REGISTER);
  events = sesame_test_db_int (f->server, "SELECT count(*) FROM events");
  registration = refused (f, "registration from localhost:9999", C3, p.bearer, c3_body,
                          "origin_mismatch", "invalid_credential", NULL);
  /* A failed ceremony is recorded: the action and an event say so. */
  state = action_state (f, p.action_key);
  g_assert_cmpstr (state, ==, "CHALLENGE_FAILED");
  g_assert_cmpint (sesame_test_db_int (f->server, "SELECT count(*) FROM events"), >, events);

  options = sign_in_options (f, f->tenant_auth, "login");
  c5_body = assertion_body (f, options, f->alice, "http://localhost:9999", NULL,
                            SESAME_TEST_FLAGS_ASSERT, ++f->alice->sign_count, FALSE);
  authentication = refused (f, "sign-in from localhost:9999", C5, f->tenant_auth, c5_body,
                            "origin_mismatch", "invalid_credential", NULL);
  g_assert_cmpint (sesame_test_db_int (f->server,
                                       "SELECT count(*) FROM actions WHERE action_code = 'login' "
                                       "AND state = 'CHALLENGE_SUCCEEDED'"), ==, 0);
}

static void
test_rp_id_mismatch (Fixture      *f,
                     gconstpointer data)
{
  g_auto(Pending) p = { 0 };
  g_autofree char *c3_body = NULL;
  g_autofree char *c5_body = NULL;
  g_autoptr(JsonObject) options = NULL;
  g_autoptr(SesameTestReply) registration = NULL;
  g_autoptr(SesameTestReply) authentication = NULL;

  if (!sesame_test_require_server ())
    return;
  pending_start (f, &p, "carol");
  c3_body = pending_body (f, &p, NULL, "example.com", SESAME_TEST_FLAGS_REGISTER);
  registration = refused (f, "registration for example.com", C3, p.bearer, c3_body,
                          "rp_id_mismatch", "invalid_credential", NULL);
  options = sign_in_options (f, f->tenant_auth, NULL);
  c5_body = assertion_body (f, options, f->alice, NULL, "example.com", SESAME_TEST_FLAGS_ASSERT,
                            ++f->alice->sign_count, FALSE);
  authentication = refused (f, "sign-in for example.com", C5, f->tenant_auth, c5_body,
                            "rp_id_mismatch", "invalid_credential", NULL);
}

static void
test_wrong_type (Fixture      *f,
                 gconstpointer data)
{
  g_auto(Pending) p = { 0 };
  g_autoptr(GBytes) challenge = NULL;
  g_autoptr(GBytes) client_data = NULL;
  g_autoptr(GBytes) auth_data = NULL;
  g_autoptr(GBytes) object = NULL;
  g_autoptr(GBytes) signature = NULL;
  g_autoptr(JsonObject) credential = NULL;
  g_autoptr(JsonObject) assertion = NULL;
  g_autoptr(JsonObject) options = NULL;
  g_autofree char *c3_body = NULL;
  g_autofree char *c5_body = NULL;
  g_autoptr(SesameTestReply) registration = NULL;
  g_autoptr(SesameTestReply) authentication = NULL;

  if (!sesame_test_require_server ())
    return;
  pending_start (f, &p, "carol");
  challenge = sesame_test_b64url_decode (pending_challenge (&p));
  client_data = sesame_test_client_data ("webauthn.get", challenge, f->server->origin, NULL);
  auth_data = sesame_test_auth_data ("localhost", SESAME_TEST_FLAGS_REGISTER, 0,
                                     p.passkey->authenticator, NULL);
  object = sesame_test_packed_self (p.passkey->authenticator, auth_data, client_data);
  credential = sesame_test_registration_from_parts (p.passkey, client_data, object, auth_data);
  c3_body = sesame_test_c3_body (credential, pending_challenge_id (&p));
  registration = refused (f, "webauthn.get at registration", C3, p.bearer, c3_body,
                          "type_mismatch", "invalid_credential", NULL);

  g_clear_pointer (&challenge, g_bytes_unref);
  g_clear_pointer (&client_data, g_bytes_unref);
  g_clear_pointer (&auth_data, g_bytes_unref);
  options = sign_in_options (f, f->tenant_auth, NULL);
  challenge = sesame_test_b64url_decode (
    sesame_test_get_string (sesame_test_get_object (options, "options"), "challenge"));
  client_data = sesame_test_client_data ("webauthn.create", challenge, f->server->origin, NULL);
  auth_data = sesame_test_auth_data ("localhost", SESAME_TEST_FLAGS_ASSERT,
                                     ++f->alice->sign_count, NULL, NULL);
  signature = sesame_test_authenticator_sign (f->alice->authenticator, auth_data, client_data);
  assertion = sesame_test_assertion_from_parts (f->alice, client_data, auth_data, signature);
  c5_body = sesame_test_c5_body (assertion, sesame_test_get_string (options, "challengeId"));
  authentication = refused (f, "webauthn.create at sign-in", C5, f->tenant_auth, c5_body,
                            "type_mismatch", "invalid_credential", NULL);
}

static void
test_bad_signatures (Fixture      *f,
                     gconstpointer data)
{
  g_auto(Pending) p = { 0 };
  g_autoptr(SesameTestAuthenticator) impostor = sesame_test_authenticator_new (-7);
  g_autoptr(GBytes) challenge = NULL;
  g_autoptr(GBytes) client_data = NULL;
  g_autoptr(GBytes) auth_data = NULL;
  g_autoptr(GBytes) object = NULL;
  g_autoptr(JsonObject) credential = NULL;
  g_autoptr(JsonObject) options = NULL;
  g_autofree char *c3_body = NULL;
  g_autofree char *c5_body = NULL;
  g_autoptr(SesameTestReply) registration = NULL;
  g_autoptr(SesameTestReply) authentication = NULL;
  g_autofree char *count_sql = NULL;

  if (!sesame_test_require_server ())
    return;
  /* A packed self attestation signed by another key than the credential's. */
  pending_start (f, &p, "carol");
  challenge = sesame_test_b64url_decode (pending_challenge (&p));
  client_data = sesame_test_client_data ("webauthn.create", challenge, f->server->origin, NULL);
  auth_data = sesame_test_auth_data ("localhost", SESAME_TEST_FLAGS_REGISTER, 0,
                                     p.passkey->authenticator, NULL);
  object = sesame_test_packed_self (impostor, auth_data, client_data);
  credential = sesame_test_registration_from_parts (p.passkey, client_data, object, auth_data);
  c3_body = sesame_test_c3_body (credential, pending_challenge_id (&p));
  registration = refused (f, "attestation signed by another key", C3, p.bearer, c3_body, NULL,
                          "invalid_credential", NULL);
  g_assert_cmpstr (sesame_test_webauthn_error (registration), !=, "(none)");

  /* A flipped bit in an assertion signature of a known passkey. */
  options = sign_in_options (f, f->tenant_auth, "login");
  c5_body = assertion_body (f, options, f->alice, NULL, NULL, SESAME_TEST_FLAGS_ASSERT,
                            f->alice->sign_count + 1, TRUE);
  authentication = refused (f, "bogus assertion signature", C5, f->tenant_auth, c5_body,
                            "signature_invalid", "invalid_credential", NULL);
  count_sql = g_strdup_printf ("SELECT sign_count FROM passkeys WHERE id = '%s'",
                               f->alice->passkey_id);
  g_assert_cmpint (sesame_test_db_int (f->server, count_sql), ==, f->alice->sign_count);
}

static void
test_sign_count_regression (Fixture      *f,
                            gconstpointer data)
{
  g_autoptr(JsonObject) signed_in = NULL;
  g_autoptr(JsonObject) options = NULL;
  g_autofree char *body = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(SesameTestReply) reply = NULL;

  if (!sesame_test_require_server ())
    return;
  f->alice->sign_count = 4;
  signed_in = sesame_test_sign_in (f->server, f->alice, NULL);   /* counter 5 */
  sql = g_strdup_printf ("SELECT sign_count FROM passkeys WHERE id = '%s'", f->alice->passkey_id);
  g_assert_cmpint (sesame_test_db_int (f->server, sql), ==, 5);

  options = sign_in_options (f, f->tenant_auth, NULL);
  body = assertion_body (f, options, f->alice, NULL, NULL, SESAME_TEST_FLAGS_ASSERT, 3, FALSE);
  reply = refused (f, "counter 3 after 5", C5, f->tenant_auth, body, "sign_count_regression",
                   "invalid_credential", NULL);
  g_assert_cmpint (sesame_test_db_int (f->server, sql), ==, 5);
}

static void
test_user_presence (Fixture      *f,
                    gconstpointer data)
{
  g_auto(Pending) p = { 0 };
  g_autoptr(JsonObject) options = NULL;
  g_autofree char *c3_body = NULL;
  g_autofree char *c5_body = NULL;
  g_autoptr(SesameTestReply) registration = NULL;
  g_autoptr(SesameTestReply) authentication = NULL;

  if (!sesame_test_require_server ())
    return;
  pending_start (f, &p, "carol");
  c3_body = pending_body (f, &p, NULL, NULL, 0x44 /* UV | AT, no UP */);
  registration = refused (f, "registration without UP", C3, p.bearer, c3_body, "user_not_present",
                          "invalid_credential", NULL);
  options = sign_in_options (f, f->tenant_auth, NULL);
  c5_body = assertion_body (f, options, f->alice, NULL, NULL, 0x04 /* UV, no UP */,
                            ++f->alice->sign_count, FALSE);
  authentication = refused (f, "sign-in without UP", C5, f->tenant_auth, c5_body,
                            "user_not_present", "invalid_credential", NULL);
}

/* WebAuthn Level 3 conditional create (the automatic passkey upgrade after a
 * password sign-in) comes without UP: accepted when the request says
 * conditionalCreate, refused like any other credential without UP when it
 * does not, and recorded on the event. */
static void
test_conditional_create (Fixture      *f,
                         gconstpointer data)
{
  g_auto(Pending) plain = { 0 };
  g_auto(Pending) conditional = { 0 };
  g_autofree char *plain_body = NULL;
  g_autofree char *conditional_text = NULL;
  g_autofree char *conditional_body = NULL;
  g_autofree char *details = NULL;
  g_autofree char *state = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(SesameTestReply) refusal = NULL;
  g_autoptr(SesameTestReply) reply = NULL;

  if (!sesame_test_require_server ())
    return;
  pending_start (f, &plain, "carol");
  plain_body = pending_body (f, &plain, NULL, NULL, 0x44 /* UV | AT, no UP */);
  refusal = refused (f, "no UP without conditionalCreate", C3, plain.bearer, plain_body,
                     "user_not_present", "invalid_credential", NULL);

  pending_start (f, &conditional, "dave");
  conditional_text = pending_body (f, &conditional, NULL, NULL, 0x44);
  body = sesame_test_parse_object (conditional_text);
  json_object_set_boolean_member (body, "conditionalCreate", TRUE);
  conditional_body = sesame_test_to_json (body);
  reply = sesame_test_request (f->server, "POST", C3, conditional.bearer, conditional_body);
  sesame_test_assert_ok (reply);
  g_assert_true (sesame_test_get_bool (sesame_test_reply_object (reply), "isVerified"));
  state = action_state (f, conditional.action_key);
  g_assert_cmpstr (state, ==, "CHALLENGE_SUCCEEDED");
  g_assert_cmpint (sesame_test_db_int (f->server,
                                       "SELECT count(*) FROM passkeys WHERE user_id = 'dave'"),
                   ==, 1);
  details = sesame_test_db_text (f->server,
                                 "SELECT details FROM events WHERE kind = 'registration' AND "
                                 "outcome = 'success' AND user_id = 'dave'");
  g_assert_nonnull (strstr (details, "\"conditionalCreate\":true"));
  g_assert_nonnull (strstr (details, "\"userPresent\":false"));
}

static void
test_user_verification_preferred (Fixture      *f,
                                  gconstpointer data)
{
  g_autoptr(JsonObject) options = NULL;
  g_autofree char *body = NULL;
  g_autoptr(SesameTestReply) reply = NULL;

  if (!sesame_test_require_server ())
    return;
  /* The default policy is "preferred": UP alone signs in. */
  options = sign_in_options (f, f->tenant_auth, NULL);
  body = assertion_body (f, options, f->alice, NULL, NULL, 0x01, ++f->alice->sign_count, FALSE);
  reply = sesame_test_request (f->server, "POST", C5, f->tenant_auth, body);
  sesame_test_assert_ok (reply);
}

static void
set_user_verification (Fixture    *f,
                       const char *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameStore) store = NULL;
  g_autoptr(SesameTenant) tenant = NULL;

  /* No command-line option or route sets the policy: change it on disk
   * while the server is stopped, then start it again. */
  sesame_test_server_stop (f->server);
  store = sesame_store_open (sesame_test_server_db_path (f->server), &error);
  g_assert_no_error (error);
  tenant = sesame_store_get_tenant (store, f->server->tenant_id, &error);
  g_assert_no_error (error);
  g_free (tenant->user_verification);
  tenant->user_verification = g_strdup (value);
  g_assert_true (sesame_store_update_tenant (store, tenant, &error));
  g_assert_no_error (error);
  g_clear_object (&store);
  f->server = sesame_test_server_restart (f->server, TRUE, NULL);
  g_free (f->secret_auth);
  g_free (f->tenant_auth);
  f->secret_auth = sesame_test_secret_auth (f->server);
  f->tenant_auth = sesame_test_tenant_auth (f->server);
}

static void
test_user_verification_required (Fixture      *f,
                                 gconstpointer data)
{
  g_auto(Pending) p = { 0 };
  g_autoptr(JsonObject) options = NULL;
  g_autoptr(JsonObject) ok_options = NULL;
  g_autofree char *c3_body = NULL;
  g_autofree char *c5_body = NULL;
  g_autofree char *ok_body = NULL;
  g_autoptr(SesameTestReply) registration = NULL;
  g_autoptr(SesameTestReply) authentication = NULL;
  g_autoptr(SesameTestReply) ok = NULL;
  JsonObject *selection;

  if (!sesame_test_require_server ())
    return;
  set_user_verification (f, "required");

  pending_start (f, &p, "carol");
  selection = sesame_test_get_object (sesame_test_get_object (p.options, "options"),
                                      "authenticatorSelection");
  g_assert_cmpstr (sesame_test_get_string (selection, "userVerification"), ==, "required");
  c3_body = pending_body (f, &p, NULL, NULL, 0x41 /* UP | AT, no UV */);
  registration = refused (f, "registration without UV", C3, p.bearer, c3_body,
                          "user_not_verified", "invalid_credential", NULL);

  options = sign_in_options (f, f->tenant_auth, NULL);
  g_assert_cmpstr (sesame_test_get_string (sesame_test_get_object (options, "options"),
                                           "userVerification"), ==, "required");
  c5_body = assertion_body (f, options, f->alice, NULL, NULL, 0x01 /* UP, no UV */,
                            ++f->alice->sign_count, FALSE);
  authentication = refused (f, "sign-in without UV", C5, f->tenant_auth, c5_body,
                            "user_not_verified", "invalid_credential", NULL);

  /* With UV it passes. */
  ok_options = sign_in_options (f, f->tenant_auth, NULL);
  ok_body = assertion_body (f, ok_options, f->alice, NULL, NULL, SESAME_TEST_FLAGS_ASSERT,
                            ++f->alice->sign_count, FALSE);
  ok = sesame_test_request (f->server, "POST", C5, f->tenant_auth, ok_body);
  sesame_test_assert_ok (ok);
}

static void
test_other_users_passkey_with_token (Fixture      *f,
                                     gconstpointer data)
{
  g_autoptr(JsonObject) tracked = NULL;
  g_autofree char *token = NULL;
  g_autofree char *bearer = NULL;
  g_autoptr(JsonObject) options = NULL;
  g_autofree char *body = NULL;
  g_autofree char *state = NULL;
  g_autoptr(SesameTestReply) reply = NULL;
  JsonArray *allowed;

  if (!sesame_test_require_server ())
    return;
  /* signIn({token}) for alice: her passkeys only. */
  token = sesame_test_track (f->server, "alice", "transfer", NULL, &tracked);
  bearer = sesame_test_bearer (token);
  options = sesame_test_authentication_options (f->server, bearer, NULL);
  allowed = sesame_test_get_array (sesame_test_get_object (options, "options"), "allowCredentials");
  for (guint i = 0; i < json_array_get_length (allowed); i++)
    {
      JsonObject *descriptor = json_array_get_object_element (allowed, i);
      g_assert_cmpstr (json_object_get_string_member_with_default (descriptor, "id", ""), !=,
                       f->bob->credential_id);
    }

  /* Bob's passkey, well signed, is a known credential that does not belong
   * here: refused, never "unknown". */
  body = assertion_body (f, options, f->bob, NULL, NULL, SESAME_TEST_FLAGS_ASSERT,
                         ++f->bob->sign_count, FALSE);
  reply = refused (f, "bob's passkey with alice's token", C5, bearer, body, NULL,
                   "invalid_credential", "forbidden", NULL);
  /* …and alice's action is untouched: another user's passkey proves nothing
   * about her, so it may not fail her sign-in either. */
  state = action_state (f, sesame_test_get_string (tracked, "idempotencyKey"));
  g_assert_cmpstr (state, ==, "CHALLENGE_REQUIRED");
}

static void
test_registration_challenge_at_sign_in (Fixture      *f,
                                        gconstpointer data)
{
  g_auto(Pending) p = { 0 };
  g_autoptr(JsonObject) credential = NULL;
  g_autofree char *body = NULL;
  g_autoptr(SesameTestReply) reply = NULL;

  if (!sesame_test_require_server ())
    return;
  /* Challenges are bound to their ceremony. */
  pending_start (f, &p, "carol");
  credential = sesame_test_authentication_credential (f->alice, pending_challenge (&p),
                                                      f->server->origin, "localhost",
                                                      SESAME_TEST_FLAGS_ASSERT,
                                                      ++f->alice->sign_count, FALSE);
  body = sesame_test_c5_body (credential, pending_challenge_id (&p));
  reply = refused (f, "a registration challenge at sign-in", C5, f->tenant_auth, body, NULL,
                   "challenge_not_found", "invalid_credential", "invalid_request", NULL);
}

static void
test_challenge_of_another_user (Fixture      *f,
                                gconstpointer data)
{
  g_auto(Pending) carol = { 0 };
  g_auto(Pending) dave = { 0 };
  g_autoptr(JsonObject) credential = NULL;
  g_autofree char *body = NULL;
  g_autoptr(SesameTestReply) reply = NULL;

  if (!sesame_test_require_server ())
    return;
  /* Carol's registration challenge, completed with dave's token. */
  pending_start (f, &carol, "carol");
  pending_start (f, &dave, "dave");
  credential = sesame_test_registration_credential (carol.passkey, pending_challenge (&carol),
                                                    f->server->origin, "localhost",
                                                    SESAME_TEST_FLAGS_REGISTER, "packed");
  body = sesame_test_c3_body (credential, pending_challenge_id (&carol));
  reply = refused (f, "carol's challenge with dave's token", C3, dave.bearer, body, NULL,
                   "challenge_not_found", "invalid_credential", "forbidden", NULL);
}

static void
test_duplicate_credential (Fixture      *f,
                           gconstpointer data)
{
  g_auto(Pending) p = { 0 };
  g_autoptr(JsonObject) credential = NULL;
  g_autofree char *body = NULL;
  g_autoptr(SesameTestReply) reply = NULL;
  g_autofree char *owner = NULL;

  if (!sesame_test_require_server ())
    return;
  /* Alice's authenticator registering her credential again, for carol. */
  pending_start (f, &p, "carol");
  credential = sesame_test_registration_credential (f->alice, pending_challenge (&p),
                                                    f->server->origin, "localhost",
                                                    SESAME_TEST_FLAGS_REGISTER, "packed");
  body = sesame_test_c3_body (credential, pending_challenge_id (&p));
  reply = refused (f, "a credential id that is already registered", C3, p.bearer, body, NULL,
                   "conflict", "invalid_credential", NULL);
  owner = sesame_test_db_text (f->server, "SELECT group_concat (user_id) FROM"
                               " (SELECT user_id FROM passkeys ORDER BY user_id)");
  g_assert_cmpstr (owner, ==, "alice,bob");
}

static void
test_expired_token_ceremony (Fixture      *f,
                             gconstpointer data)
{
  g_auto(Pending) p = { 0 };
  g_autofree char *expired = NULL;
  g_autofree char *expired_bearer = NULL;
  g_autofree char *body = NULL;
  g_autoptr(SesameTestReply) reply = NULL;

  if (!sesame_test_require_server ())
    return;
  /* A registration whose token expired between C2 and C3 (the server has
   * no token-lifetime option, so the expired token is made with the
   * tenant's own key). */
  pending_start (f, &p, "carol");
  expired = sesame_test_expired_token (f->server, p.token);
  expired_bearer = sesame_test_bearer (expired);
  body = pending_body (f, &p, NULL, NULL, SESAME_TEST_FLAGS_REGISTER);
  reply = refused (f, "expired token at C3", C3, expired_bearer, body, NULL, "expired_token", NULL);
}

static void
add (const char *path,
     void      (*func) (Fixture *, gconstpointer),
     gconstpointer data)
{
  g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  add ("/sesame/server/ceremony/replayed-registration-challenge",
       test_replayed_registration_challenge, NULL);
  add ("/sesame/server/ceremony/replayed-authentication-challenge",
       test_replayed_authentication_challenge, NULL);
  add ("/sesame/server/ceremony/expired-challenge", test_expired_challenge, NO_SERVER_START);
  add ("/sesame/server/ceremony/challenge-of-another-server", test_challenge_of_another_server,
       NULL);
  add ("/sesame/server/ceremony/challenge-of-another-tenant", test_challenge_of_another_tenant,
       NULL);
  add ("/sesame/server/ceremony/origin-not-expected", test_origin_not_expected, NULL);
  add ("/sesame/server/ceremony/rp-id-mismatch", test_rp_id_mismatch, NULL);
  add ("/sesame/server/ceremony/wrong-type", test_wrong_type, NULL);
  add ("/sesame/server/ceremony/bad-signatures", test_bad_signatures, NULL);
  add ("/sesame/server/ceremony/sign-count-regression", test_sign_count_regression, NULL);
  add ("/sesame/server/ceremony/user-presence", test_user_presence, NULL);
  add ("/sesame/server/ceremony/conditional-create", test_conditional_create, NULL);
  add ("/sesame/server/ceremony/user-verification-preferred", test_user_verification_preferred,
       NULL);
  add ("/sesame/server/ceremony/user-verification-required", test_user_verification_required,
       NULL);
  add ("/sesame/server/ceremony/other-users-passkey-with-token",
       test_other_users_passkey_with_token, NULL);
  add ("/sesame/server/ceremony/registration-challenge-at-sign-in",
       test_registration_challenge_at_sign_in, NULL);
  add ("/sesame/server/ceremony/challenge-of-another-user", test_challenge_of_another_user, NULL);
  add ("/sesame/server/ceremony/duplicate-credential", test_duplicate_credential, NULL);
  add ("/sesame/server/ceremony/expired-token", test_expired_token_ceremony, NULL);
  return g_test_run ();
}
