/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Tokens, challenges and tenants under attack: action tokens that are
 * expired, not yet valid, of another tenant, badly signed, unsigned, of
 * another algorithm, truncated or oversized; challenges used by another
 * tenant, by the other ceremony, or by several clients at once (exactly one
 * wins); the Client API called from a page on an origin the tenant does
 * not expect; the Server API with another tenant's secret key. Each is
 * refused with its own error code and changes nothing. */

#include "config.h"

#include "server-test-util.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#define N_RACERS 8

typedef struct
{
  SesameTestServer  *server;
  char              *secret_auth;
  char              *tenant_auth;
  SesameTestPasskey *alice;
  char              *alice_access;    /* accessToken of alice's registration */
  char              *alice_action;    /* a pending action of alice: "code/key" */
  char              *other_id;        /* a second tenant on the same server */
  char              *other_secret_auth;
  char              *other_tenant_auth;
} Fixture;

static void
create_other_tenant (Fixture *f)
{
  const char *args[] = {
    "tenant", "create", "Other", "--rp-id", "localhost", "--origin", f->server->origin,
    "--json", "--data-dir", f->server->data_dir, NULL,
  };
  g_autofree char *output = NULL;
  g_autoptr(JsonObject) tenant = NULL;

  g_assert_cmpint (sesame_test_server_run_to_exit (args, &output), ==, 0);
  tenant = sesame_test_parse_object (output);
  f->other_id = g_strdup (sesame_test_get_string (tenant, "id"));
  f->other_secret_auth = sesame_test_basic (sesame_test_get_string (tenant, "secretKey"), TRUE);
  f->other_tenant_auth = sesame_test_basic (f->other_id, FALSE);
}

static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  g_autoptr(JsonObject) tracked = NULL;
  g_autofree char *token = NULL;

  if (!sesame_test_server_binary ())
    return;
  f->server = sesame_test_server_start (NULL, NULL);
  f->secret_auth = sesame_test_secret_auth (f->server);
  f->tenant_auth = sesame_test_tenant_auth (f->server);
  f->alice = sesame_test_register (f->server, "alice", "alice", NULL, &f->alice_access);
  token = sesame_test_track (f->server, "alice", "transfer", NULL, &tracked);
  f->alice_action = g_strdup_printf ("transfer/%s",
                                     sesame_test_get_string (tracked, "idempotencyKey"));
  create_other_tenant (f);
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data)
{
  if (f->server && f->server->process)
    sesame_test_server_stop (f->server);
  g_clear_pointer (&f->server, sesame_test_server_free);
  g_clear_pointer (&f->alice, sesame_test_passkey_free);
  g_free (f->secret_auth);
  g_free (f->tenant_auth);
  g_free (f->alice_access);
  g_free (f->alice_action);
  g_free (f->other_id);
  g_free (f->other_secret_auth);
  g_free (f->other_tenant_auth);
}

/* Sends a request that must be refused with @code, whose description
 * must contain @words (when not NULL), and that must change nothing at
 * all. */
static SesameTestReply *
refused (Fixture            *f,
         const char         *what,
         const char         *method,
         const char         *path,
         const char         *auth,
         const char         *body,
         const char * const *headers,
         const char         *code,
         const char         *words)
{
  g_autoptr(SesameTestSnapshot) before = sesame_test_snapshot (f->server);
  SesameTestReply *reply = sesame_test_request_full (f->server, method, path, auth, NULL, body, -1,
                                                     headers);
  g_autoptr(SesameTestSnapshot) after = sesame_test_snapshot (f->server);
  JsonObject *object = sesame_test_reply_object (reply);
  const char *description = json_object_get_string_member_with_default (object,
                                                                        "errorDescription", "");

  g_free (reply->label);
  reply->label = g_strdup_printf ("%s %s (%s)", method, path, what);
  sesame_test_assert_error (reply, code);
  if (words && !strstr (description, words))
    {
      g_test_message ("%s: the description “%s” does not say “%s”", reply->label, description,
                      words);
      g_test_fail ();
    }
  sesame_test_assert_unchanged (before, after, reply->label);
  return reply;
}

/* Forged tokens */

static char *
b64url_text (const char *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

  return sesame_test_b64url_encode (bytes);
}

/* The payload of @token as an object. */
static JsonObject *
token_payload (const char *token)
{
  g_auto(GStrv) parts = g_strsplit (token, ".", -1);
  g_autoptr(GBytes) payload = NULL;
  g_autofree char *text = NULL;

  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  payload = sesame_test_b64url_decode (parts[1]);
  text = g_strndup (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  return sesame_test_parse_object (text);
}

/* header.payload.signature, the signature an HMAC with @digest ("SHA256",
 * "SHA384", "SHA512") under @key, or empty when @digest is NULL. */
static char *
forge (const char *header,
       JsonObject *payload,
       const char *digest,
       GBytes     *key)
{
  g_autofree char *payload_json = sesame_test_to_json (payload);
  g_autofree char *head = b64url_text (header);
  g_autofree char *body = b64url_text (payload_json);
  g_autofree char *input = g_strconcat (head, ".", body, NULL);
  guint8 mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  g_autoptr(GBytes) signature = NULL;
  g_autofree char *encoded = NULL;

  if (!digest)
    return g_strconcat (input, ".", NULL);
  g_assert_nonnull (HMAC (EVP_get_digestbyname (digest), g_bytes_get_data (key, NULL),
                          (int) g_bytes_get_size (key), (const guint8 *) input, strlen (input),
                          mac, &mac_len));
  signature = g_bytes_new (mac, mac_len);
  encoded = sesame_test_b64url_encode (signature);
  return g_strconcat (input, ".", encoded, NULL);
}

#define HS256 "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

typedef enum
{
  CLAIMS_AS_ISSUED,
  CLAIMS_EXPIRED,
  CLAIMS_NOT_YET_VALID,
  CLAIMS_ISSUED_IN_FUTURE,
  CLAIMS_OTHER_TENANT,
  CLAIMS_HUGE,
} Claims;

static JsonObject *
claims_of (Fixture *f,
           Claims   kind)
{
  JsonObject *payload = token_payload (f->alice_access);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *padding = NULL;

  switch (kind)
    {
    case CLAIMS_EXPIRED:
      /* Well past the clock skew the server allows. */
      json_object_set_int_member (payload, "iat", now - 2400);
      json_object_set_int_member (payload, "exp", now - 1800);
      break;
    case CLAIMS_NOT_YET_VALID:
      json_object_set_int_member (payload, "nbf", now + 3600);
      break;
    case CLAIMS_ISSUED_IN_FUTURE:
      json_object_set_int_member (payload, "iat", now + 3600);
      json_object_set_int_member (payload, "exp", now + 4200);
      break;
    case CLAIMS_OTHER_TENANT:
      json_object_set_string_member (json_object_get_object_member (payload, "other"),
                                     "tenantId", f->other_id);
      break;
    case CLAIMS_HUGE:
      padding = g_strnfill (SESAME_TEST_MAX_BODY / 8, 'x');
      json_object_set_string_member (payload, "zz", padding);
      break;
    case CLAIMS_AS_ISSUED:
    default:
      break;
    }
  return payload;
}

static char *
truncated (const char *token,
           int         which)
{
  const char *last_dot = strrchr (token, '.');
  const char *first_dot = strchr (token, '.');

  switch (which)
    {
    case 0:   /* header.payload */
      return g_strndup (token, last_dot - token);
    case 1:   /* half the signature */
      return g_strndup (token, (last_dot - token) + 1 + strlen (last_dot + 1) / 2);
    case 2:   /* header. and half the payload */
      return g_strndup (token, (first_dot - token) + 1 + (last_dot - first_dot) / 2);
    default:  /* the header alone */
      return g_strndup (token, first_dot - token);
    }
}

typedef struct
{
  const char *what;
  char       *token;
  const char *code;
  const char *words;   /* in the description of the Client API refusal */
  const char *validate_code;   /* in the body of validate, if not @code */
} TokenCase;

static void
test_forged_tokens (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GBytes) other_key = NULL;
  g_autoptr(JsonObject) issued = NULL;
  g_autoptr(JsonObject) expired = NULL;
  g_autoptr(JsonObject) early = NULL;
  g_autoptr(JsonObject) future = NULL;
  g_autoptr(JsonObject) other = NULL;
  g_autoptr(JsonObject) huge = NULL;
  g_autofree char *garbage = NULL;
  TokenCase cases[24];
  guint n = 0;

  if (!sesame_test_require_server ())
    return;
  key = sesame_test_token_key (f->server, NULL);
  other_key = sesame_test_token_key (f->server, f->other_id);
  issued = claims_of (f, CLAIMS_AS_ISSUED);
  expired = claims_of (f, CLAIMS_EXPIRED);
  early = claims_of (f, CLAIMS_NOT_YET_VALID);
  future = claims_of (f, CLAIMS_ISSUED_IN_FUTURE);
  other = claims_of (f, CLAIMS_OTHER_TENANT);
  huge = claims_of (f, CLAIMS_HUGE);
  garbage = g_strnfill (20000, 'A');

  /* The forger's own HS256 with the tenant's key must be a valid token, or
   * every refusal below would prove nothing. */
  {
    g_autofree char *control = forge (HS256, issued, "SHA256", key);
    g_autofree char *auth = sesame_test_bearer (control);
    g_autoptr(SesameTestReply) reply = sesame_test_request (f->server, "GET", SESAME_TEST_C7,
                                                            auth, NULL);
    sesame_test_assert_ok (reply);
  }

  cases[n++] = (TokenCase) { "expired", forge (HS256, expired, "SHA256", key),
                             "expired_token", "expired" };
  cases[n++] = (TokenCase) { "not valid before an hour from now (nbf)",
                             forge (HS256, early, "SHA256", key), "invalid_token",
                             "not valid for another" };
  cases[n++] = (TokenCase) { "issued an hour in the future (iat)",
                             forge (HS256, future, "SHA256", key), "invalid_token",
                             "in the future" };
  cases[n++] = (TokenCase) { "another tenant's id, signed with this tenant's key",
                             forge (HS256, other, "SHA256", key), "invalid_token",
                             "signature" };
  cases[n++] = (TokenCase) { "signed with a key of no tenant",
                             sesame_test_foreign_token (f->server, f->alice_access),
                             "invalid_token", "signature" };
  cases[n++] = (TokenCase) { "one character of the signature changed",
                             sesame_test_tampered_token (f->alice_access), "invalid_token",
                             "signature" };
  cases[n++] = (TokenCase) { "alg none, no signature",
                             forge ("{\"alg\":\"none\",\"typ\":\"JWT\"}", issued, NULL, NULL),
                             "invalid_token", "unsigned" };
  cases[n++] = (TokenCase) { "alg NONE, no signature",
                             forge ("{\"alg\":\"NONE\"}", issued, NULL, NULL), "invalid_token",
                             "unsigned" };
  cases[n++] = (TokenCase) { "alg none with an HS256 signature",
                             forge ("{\"alg\":\"none\"}", issued, "SHA256", key),
                             "invalid_token", "unsigned" };
  cases[n++] = (TokenCase) { "HS384 with the tenant's key",
                             forge ("{\"alg\":\"HS384\",\"typ\":\"JWT\"}", issued, "SHA384", key),
                             "invalid_token", "HS256 only" };
  cases[n++] = (TokenCase) { "HS512 with the tenant's key",
                             forge ("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", issued, "SHA512", key),
                             "invalid_token", "HS256 only" };
  cases[n++] = (TokenCase) { "RS256 header over an HS256 signature (key confusion)",
                             forge ("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", issued, "SHA256", key),
                             "invalid_token", "HS256 only" };
  cases[n++] = (TokenCase) { "ES256 header over an HS256 signature",
                             forge ("{\"alg\":\"ES256\"}", issued, "SHA256", key),
                             "invalid_token", "HS256 only" };
  cases[n++] = (TokenCase) { "no alg", forge ("{\"typ\":\"JWT\"}", issued, "SHA256", key),
                             "invalid_token", "no \"alg\"" };
  cases[n++] = (TokenCase) { "typ JWE", forge ("{\"alg\":\"HS256\",\"typ\":\"JWE\"}", issued,
                                               "SHA256", key), "invalid_token", "typ" };
  cases[n++] = (TokenCase) { "crit", forge ("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", issued,
                                            "SHA256", key), "invalid_token", "crit" };
  cases[n++] = (TokenCase) { "truncated: no signature segment", truncated (f->alice_access, 0),
                             "invalid_token", NULL };
  cases[n++] = (TokenCase) { "truncated: half the signature", truncated (f->alice_access, 1),
                             "invalid_token", NULL };
  cases[n++] = (TokenCase) { "truncated: half the payload", truncated (f->alice_access, 2),
                             "invalid_token", NULL };
  cases[n++] = (TokenCase) { "truncated: the header alone", truncated (f->alice_access, 3),
                             "invalid_token", NULL };
  cases[n++] = (TokenCase) { "base64 padding added",
                             g_strconcat (f->alice_access, "=", NULL), "invalid_token", NULL };
  cases[n++] = (TokenCase) { "oversized: 8 KiB of claims, signed with the tenant's key",
                             forge (HS256, huge, "SHA256", key), "invalid_token", NULL,
                             /* a body member too long to be a token */
                             "invalid_request" };
  cases[n++] = (TokenCase) { "oversized: 20,000 characters of garbage", g_strdup (garbage),
                             "invalid_token", NULL, "invalid_request" };
  g_assert_cmpuint (n, <=, G_N_ELEMENTS (cases));

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *auth = sesame_test_bearer (cases[i].token);
      g_autofree char *body = g_strdup_printf ("{\"token\":\"%s\"}", cases[i].token);
      g_autoptr(SesameTestReply) client = NULL;
      g_autoptr(SesameTestReply) validate = NULL;

      g_test_message ("token: %s", cases[i].what);
      /* As the Bearer of the Client API: 401. */
      client = refused (f, cases[i].what, "GET", SESAME_TEST_C7, auth, NULL, NULL, cases[i].code,
                        cases[i].words);
      g_assert_cmpuint (client->status, ==, 401);
      /* In the body of the Server API's validate: 400. */
      validate = refused (f, cases[i].what, "POST", "/v1/validate", f->secret_auth, body, NULL,
                          cases[i].validate_code ? cases[i].validate_code : cases[i].code, NULL);
      g_assert_cmpuint (validate->status, ==, 400);
      g_free (cases[i].token);
    }
}

/* A token the other tenant really issued is a good token, but of another
 * tenant: it grants nothing here. */
static void
test_other_tenant_token (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(GBytes) other_key = NULL;
  g_autoptr(JsonObject) other = NULL;
  g_autofree char *token = NULL;
  g_autofree char *body = NULL;
  g_autoptr(SesameTestReply) validate = NULL;
  g_autoptr(SesameTestReply) list = NULL;
  g_autofree char *auth = NULL;

  if (!sesame_test_require_server ())
    return;
  other_key = sesame_test_token_key (f->server, f->other_id);
  other = claims_of (f, CLAIMS_OTHER_TENANT);
  token = forge (HS256, other, "SHA256", other_key);
  body = g_strdup_printf ("{\"token\":\"%s\"}", token);

  /* This tenant's backend validating it. */
  validate = refused (f, "the other tenant's token", "POST", "/v1/validate", f->secret_auth, body,
                      NULL, "invalid_token", "this tenant");
  /* As a Bearer it authenticates as the other tenant, which has no alice:
   * her passkeys stay out of reach. */
  auth = sesame_test_bearer (token);
  list = sesame_test_request (f->server, "GET", SESAME_TEST_C7, auth, NULL);
  sesame_test_assert_ok (list);
  g_assert_cmpuint (json_array_get_length (sesame_test_reply_array (list)), ==, 0);
}

/* Challenges */

static JsonObject *
assertion_for (Fixture    *f,
               const char *challenge)
{
  return sesame_test_authentication_credential (f->alice, challenge, f->server->origin,
                                                "localhost", SESAME_TEST_FLAGS_ASSERT,
                                                f->alice->sign_count + 1, FALSE);
}

static const char *
options_challenge (JsonObject *options)
{
  return sesame_test_get_string (sesame_test_get_object (options, "options"), "challenge");
}

static void
test_challenge_other_tenant (Fixture      *f,
                             gconstpointer data)
{
  g_autoptr(JsonObject) options = NULL;
  g_autoptr(JsonObject) credential = NULL;
  g_autoptr(SesameTestReply) c1 = NULL;
  g_autoptr(SesameTestReply) c4 = NULL;
  g_autoptr(SesameTestReply) c5 = NULL;
  g_autoptr(SesameTestReply) ok = NULL;
  g_autofree char *c4_body = NULL;
  g_autofree char *c5_body = NULL;
  g_autoptr(SesameTestSnapshot) before = NULL;
  g_autoptr(SesameTestSnapshot) after = NULL;

  if (!sesame_test_require_server ())
    return;
  /* C1's challenge id of this tenant, in the other tenant's C4. */
  c1 = sesame_test_request (f->server, "POST", SESAME_TEST_C1, f->tenant_auth,
                            "{\"action\":\"signIn\"}");
  sesame_test_assert_ok (c1);
  c4_body = g_strdup_printf ("{\"challengeId\":\"%s\"}",
                             sesame_test_get_string (sesame_test_reply_object (c1),
                                                     "challengeId"));
  c4 = sesame_test_request (f->server, "POST", SESAME_TEST_C4, f->other_tenant_auth, c4_body);
  sesame_test_assert_error (c4, "challenge_not_found");

  /* C4's challenge of this tenant, answered by alice, sent to C5 as the
   * other tenant: her passkey is unknown there (a failed attempt, which
   * the other tenant records), and the challenge is still unused here. */
  options = sesame_test_authentication_options (f->server, f->tenant_auth, NULL);
  credential = assertion_for (f, options_challenge (options));
  c5_body = sesame_test_c5_body (credential, sesame_test_get_string (options, "challengeId"));
  before = sesame_test_snapshot (f->server);
  c5 = sesame_test_request (f->server, "POST", SESAME_TEST_C5, f->other_tenant_auth, c5_body);
  after = sesame_test_snapshot (f->server);
  sesame_test_assert_error (c5, "unknown_credential");
  sesame_test_assert_no_data_change (before, after, "this tenant's challenge in the other's C5");
  g_assert_cmpint (after->used_challenges, ==, before->used_challenges);
  ok = sesame_test_request (f->server, "POST", SESAME_TEST_C5, f->tenant_auth, c5_body);
  sesame_test_assert_ok (ok);
  f->alice->sign_count++;
}

static void
test_challenge_other_ceremony (Fixture      *f,
                               gconstpointer data)
{
  g_autofree char *token = NULL;
  g_autofree char *bearer = NULL;
  g_autoptr(JsonObject) registration = NULL;
  g_autoptr(JsonObject) authentication = NULL;
  g_autoptr(JsonObject) assertion = NULL;
  g_autoptr(JsonObject) attestation = NULL;
  g_autoptr(SesameTestPasskey) carol = sesame_test_passkey_new ();
  g_autoptr(SesameTestReply) as_sign_in = NULL;
  g_autoptr(SesameTestReply) as_registration = NULL;
  g_autoptr(SesameTestSnapshot) before = NULL;
  g_autoptr(SesameTestSnapshot) after = NULL;
  g_autofree char *c5_body = NULL;
  g_autofree char *c3_body = NULL;

  if (!sesame_test_require_server ())
    return;
  token = sesame_test_track (f->server, "carol", "addPasskey", NULL, NULL);
  bearer = sesame_test_bearer (token);
  registration = sesame_test_registration_options (f->server, token, "carol");
  authentication = sesame_test_authentication_options (f->server, f->tenant_auth, NULL);

  /* A registration challenge signed by alice's passkey, sent as a sign-in. */
  assertion = assertion_for (f, options_challenge (registration));
  c5_body = sesame_test_c5_body (assertion, sesame_test_get_string (registration, "challengeId"));
  before = sesame_test_snapshot (f->server);
  as_sign_in = sesame_test_request (f->server, "POST", SESAME_TEST_C5, f->tenant_auth, c5_body);
  after = sesame_test_snapshot (f->server);
  sesame_test_assert_error (as_sign_in, "challenge_not_found");
  sesame_test_assert_no_data_change (before, after, "a registration challenge in C5");
  g_clear_pointer (&before, sesame_test_snapshot_free);
  g_clear_pointer (&after, sesame_test_snapshot_free);

  /* A sign-in challenge in a registration. */
  attestation = sesame_test_registration_credential (carol, options_challenge (authentication),
                                                     f->server->origin, "localhost",
                                                     SESAME_TEST_FLAGS_REGISTER, "packed");
  c3_body = sesame_test_c3_body (attestation,
                                 sesame_test_get_string (authentication, "challengeId"));
  before = sesame_test_snapshot (f->server);
  as_registration = sesame_test_request (f->server, "POST", SESAME_TEST_C3, bearer, c3_body);
  after = sesame_test_snapshot (f->server);
  sesame_test_assert_error (as_registration, "challenge_not_found");
  sesame_test_assert_no_data_change (before, after, "a sign-in challenge in C3");
}

/* Several clients at once */

typedef struct
{
  const char *uri;
  const char *origin;
  const char *authorization;
  const char *body;
  GMutex     *lock;
  GCond      *cond;
  gboolean   *go;
  guint       status;
  char       *code;
} Racer;

static gpointer
racer_thread (gpointer user_data)
{
  Racer *racer = user_data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_main_context_push_thread_default (context);
  session = soup_session_new_with_options ("timeout", SESAME_TEST_SERVER_TIMEOUT, NULL);
  message = soup_message_new ("POST", racer->uri);
  soup_message_headers_replace (soup_message_get_request_headers (message), "Origin",
                                racer->origin);
  soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization",
                                racer->authorization);
  body = g_bytes_new (racer->body, strlen (racer->body));
  soup_message_set_request_body_from_bytes (message, "application/json", body);

  g_mutex_lock (racer->lock);
  while (!*racer->go)
    g_cond_wait (racer->cond, racer->lock);
  g_mutex_unlock (racer->lock);

  reply = soup_session_send_and_read (session, message, NULL, NULL);
  racer->status = soup_message_get_status (message);
  if (reply && json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL),
                                           g_bytes_get_size (reply), NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    racer->code = g_strdup (json_object_get_string_member_with_default (
                              json_node_get_object (json_parser_get_root (parser)), "errorCode",
                              NULL));
  g_clear_object (&message);
  g_clear_object (&session);
  g_main_context_pop_thread_default (context);
  return NULL;
}

/* Sends @body to @path from N_RACERS threads at once; asserts that
 * exactly one succeeded and that every other got @loser_code. */
static void
race (Fixture    *f,
      const char *path,
      const char *authorization,
      const char *body,
      const char *loser_code)
{
  g_autofree char *uri = g_strconcat (f->server->origin, path, NULL);
  Racer racers[N_RACERS] = { { 0 } };
  GThread *threads[N_RACERS];
  GMutex lock;
  GCond cond;
  gboolean go = FALSE;
  guint winners = 0;

  g_mutex_init (&lock);
  g_cond_init (&cond);
  for (guint i = 0; i < N_RACERS; i++)
    {
      racers[i] = (Racer) { uri, f->server->origin, authorization, body, &lock, &cond, &go, 0,
                            NULL };
      threads[i] = g_thread_new ("racer", racer_thread, &racers[i]);
    }
  /* Let them all get ready, then start them together. */
  g_usleep (100 * 1000);
  g_mutex_lock (&lock);
  go = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);
  for (guint i = 0; i < N_RACERS; i++)
    g_thread_join (threads[i]);

  for (guint i = 0; i < N_RACERS; i++)
    {
      g_test_message ("%s racer %u: %u %s", path, i, racers[i].status,
                      racers[i].code ? racers[i].code : "");
      if (SOUP_STATUS_IS_SUCCESSFUL (racers[i].status) && !racers[i].code)
        winners++;
      else
        g_assert_cmpstr (racers[i].code, ==, loser_code);
      g_free (racers[i].code);
    }
  g_assert_cmpuint (winners, ==, 1);
  g_mutex_clear (&lock);
  g_cond_clear (&cond);
}

static void
test_concurrent_sign_in (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(JsonObject) options = NULL;
  g_autoptr(JsonObject) credential = NULL;
  g_autofree char *body = NULL;
  gint64 events_before;
  gint64 count_before;

  if (!sesame_test_require_server ())
    return;
  options = sesame_test_authentication_options (f->server, f->tenant_auth, NULL);
  credential = assertion_for (f, options_challenge (options));
  body = sesame_test_c5_body (credential, sesame_test_get_string (options, "challengeId"));
  events_before = sesame_test_db_int (f->server, "SELECT count(*) FROM events WHERE "
                                                 "kind = 'authentication' AND outcome = 'success'");
  count_before = sesame_test_db_int (f->server, "SELECT sign_count FROM passkeys");

  race (f, SESAME_TEST_C5, f->tenant_auth, body, "challenge_replayed");
  /* One sign-in, counted once. */
  g_assert_cmpint (sesame_test_db_int (f->server, "SELECT count(*) FROM events WHERE "
                                                  "kind = 'authentication' AND "
                                                  "outcome = 'success'"), ==, events_before + 1);
  g_assert_cmpint (sesame_test_db_int (f->server, "SELECT sign_count FROM passkeys"), ==,
                   count_before + 1);
  g_assert_cmpint (sesame_test_db_int (f->server, "SELECT count(*) FROM challenges WHERE used = 0 "
                                                  "AND type = 'authentication'"), ==, 0);
}

static void
test_concurrent_registration (Fixture      *f,
                              gconstpointer data)
{
  g_autofree char *token = NULL;
  g_autofree char *bearer = NULL;
  g_autoptr(JsonObject) options = NULL;
  g_autoptr(JsonObject) credential = NULL;
  g_autoptr(SesameTestPasskey) dave = sesame_test_passkey_new ();
  g_autofree char *body = NULL;

  if (!sesame_test_require_server ())
    return;
  token = sesame_test_track (f->server, "dave", "addPasskey", NULL, NULL);
  bearer = sesame_test_bearer (token);
  options = sesame_test_registration_options (f->server, token, "dave");
  credential = sesame_test_registration_credential (dave, options_challenge (options),
                                                    f->server->origin, "localhost",
                                                    SESAME_TEST_FLAGS_REGISTER, "packed");
  body = sesame_test_c3_body (credential, sesame_test_get_string (options, "challengeId"));

  race (f, SESAME_TEST_C3, bearer, body, "challenge_replayed");
  g_assert_cmpint (sesame_test_db_int (f->server, "SELECT count(*) FROM passkeys WHERE "
                                                  "user_id = 'dave'"), ==, 1);
}

/* CORS */

static void
test_unexpected_origin (Fixture      *f,
                        gconstpointer data)
{
  const char * const evil[] = { "Origin", "http://evil.example", NULL };
  const char * const preflight_headers[] = {
    "Origin", "http://evil.example",
    "Access-Control-Request-Method", "POST",
    "Access-Control-Request-Headers", "authorization,content-type",
    NULL,
  };
  g_autoptr(SesameTestReply) preflight = NULL;
  g_autoptr(SesameTestReply) c1 = NULL;
  g_autoptr(SesameTestReply) c4 = NULL;
  g_autoptr(SesameTestReply) c5 = NULL;
  g_autoptr(SesameTestReply) ok = NULL;
  g_autoptr(JsonObject) options = NULL;
  g_autoptr(JsonObject) credential = NULL;
  g_autofree char *c5_body = NULL;

  if (!sesame_test_require_server ())
    return;
  /* The browser asks first and gets no permission. */
  preflight = sesame_test_request_full (f->server, "OPTIONS", SESAME_TEST_C4, NULL, NULL, NULL, 0,
                                        preflight_headers);
  g_assert_cmpuint (preflight->status, ==, 204);
  g_assert_null (soup_message_headers_get_one (preflight->headers,
                                               "Access-Control-Allow-Origin"));

  /* A client that sends anyway is refused, and nothing is written. */
  c1 = refused (f, "a sign-in from http://evil.example", "POST", SESAME_TEST_C1, f->tenant_auth,
                "{\"action\":\"signIn\"}", evil, "origin_not_allowed", "http://evil.example");
  c4 = refused (f, "a sign-in from http://evil.example", "POST", SESAME_TEST_C4, f->tenant_auth,
                "{}", evil, "origin_not_allowed", NULL);

  /* A good assertion relayed from that origin: refused before its
   * challenge is consumed, so the real page can still use it. */
  options = sesame_test_authentication_options (f->server, f->tenant_auth, NULL);
  credential = assertion_for (f, options_challenge (options));
  c5_body = sesame_test_c5_body (credential, sesame_test_get_string (options, "challengeId"));
  c5 = refused (f, "a good assertion relayed from http://evil.example", "POST", SESAME_TEST_C5,
                f->tenant_auth, c5_body, evil, "origin_not_allowed", NULL);
  g_assert_null (soup_message_headers_get_one (c5->headers, "Access-Control-Allow-Origin"));
  ok = sesame_test_request (f->server, "POST", SESAME_TEST_C5, f->tenant_auth, c5_body);
  sesame_test_assert_ok (ok);
  f->alice->sign_count++;
}

/* Another tenant's secret key */

static void
test_other_tenant_secret (Fixture      *f,
                          gconstpointer data)
{
  g_autofree char *delete_path = g_strdup_printf ("/v1/users/alice/authenticators/%s",
                                                  f->alice->passkey_id);
  g_autofree char *action_path = g_strdup_printf ("/v1/users/alice/actions/%s", f->alice_action);
  g_autofree char *validate = g_strdup_printf ("{\"token\":\"%s\"}", f->alice_access);
  g_autoptr(SesameTestReply) deleted = NULL;
  g_autoptr(SesameTestReply) action = NULL;
  g_autoptr(SesameTestReply) updated = NULL;
  g_autoptr(SesameTestReply) valid = NULL;
  g_autoptr(SesameTestReply) list = NULL;
  g_autoptr(SesameTestReply) user = NULL;
  g_autoptr(SesameTestSnapshot) before = NULL;
  g_autoptr(SesameTestSnapshot) after = NULL;

  if (!sesame_test_require_server ())
    return;
  deleted = refused (f, "the other tenant's secret", "DELETE", delete_path, f->other_secret_auth,
                     NULL, NULL, "not_found", NULL);
  action = refused (f, "the other tenant's secret", "GET", action_path, f->other_secret_auth,
                    NULL, NULL, "not_found", NULL);
  updated = refused (f, "the other tenant's secret", "PATCH", action_path, f->other_secret_auth,
                     "{\"state\":\"CHALLENGE_SUCCEEDED\"}", NULL, "not_found", NULL);
  valid = refused (f, "the other tenant's secret", "POST", "/v1/validate", f->other_secret_auth,
                   validate, NULL, "invalid_token", "this tenant");

  /* Reads see the other tenant's (empty) world, not this one's. */
  before = sesame_test_snapshot (f->server);
  list = sesame_test_request (f->server, "GET", "/v1/users/alice/authenticators",
                              f->other_secret_auth, NULL);
  sesame_test_assert_ok (list);
  g_assert_cmpuint (json_array_get_length (sesame_test_reply_array (list)), ==, 0);
  user = sesame_test_request (f->server, "GET", "/v1/users/alice", f->other_secret_auth, NULL);
  sesame_test_assert_ok (user);
  g_assert_false (sesame_test_get_bool (sesame_test_reply_object (user), "isEnrolled"));
  after = sesame_test_snapshot (f->server);
  sesame_test_assert_unchanged (before, after, "reads with the other tenant's secret");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add ("/sesame/server/tokens/forged", Fixture, NULL, fixture_set_up, test_forged_tokens,
              fixture_tear_down);
  g_test_add ("/sesame/server/tokens/other-tenant", Fixture, NULL, fixture_set_up,
              test_other_tenant_token, fixture_tear_down);
  g_test_add ("/sesame/server/tokens/challenge-other-tenant", Fixture, NULL, fixture_set_up,
              test_challenge_other_tenant, fixture_tear_down);
  g_test_add ("/sesame/server/tokens/challenge-other-ceremony", Fixture, NULL, fixture_set_up,
              test_challenge_other_ceremony, fixture_tear_down);
  g_test_add ("/sesame/server/tokens/concurrent-sign-in", Fixture, NULL, fixture_set_up,
              test_concurrent_sign_in, fixture_tear_down);
  g_test_add ("/sesame/server/tokens/concurrent-registration", Fixture, NULL, fixture_set_up,
              test_concurrent_registration, fixture_tear_down);
  g_test_add ("/sesame/server/tokens/unexpected-origin", Fixture, NULL, fixture_set_up,
              test_unexpected_origin, fixture_tear_down);
  g_test_add ("/sesame/server/tokens/other-tenant-secret", Fixture, NULL, fixture_set_up,
              test_other_tenant_secret, fixture_tear_down);
  return g_test_run ();
}
