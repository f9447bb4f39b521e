/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Helpers for the HTTP API tests: they run the real sesame-server binary on
 * loopback (its path comes from $SESAME_SERVER), read the lines it prints,
 * talk to it with libsoup, make real passkeys with the software test
 * authenticator, and look at its SQLite file read-only to prove that a
 * refused request changed nothing. */

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sesame-test-authenticator.h"
#include "sesame-test-util.h"

G_BEGIN_DECLS

/* Client API routes (WIRE-PROTOCOL.md §3) */
#define SESAME_TEST_C1 "/v1/client/challenge"
#define SESAME_TEST_C2 "/v1/client/user-authenticators/passkey/registration-options"
#define SESAME_TEST_C3 "/v1/client/user-authenticators/passkey"
#define SESAME_TEST_C4 "/v1/client/user-authenticators/passkey/authentication-options"
#define SESAME_TEST_C5 "/v1/client/verify/passkey"
#define SESAME_TEST_C6 "/v1/client/user-authenticators/passkey?credentialIds="
#define SESAME_TEST_C7 "/v1/client/user-authenticators"

/* Seconds a test waits for the server to print its lines or to exit. */
#define SESAME_TEST_SERVER_TIMEOUT 10

/* What a well-formed body may weigh at most (WIRE §Errors: 413 above it). */
#define SESAME_TEST_MAX_BODY (64 * 1024)

typedef struct
{
  GSubprocess *process;
  char        *root;          /* temp dir: data/ and server.log */
  char        *data_dir;
  char        *log_path;
  gboolean     owns_root;     /* remove root when freed */
  guint        port;
  char        *origin;        /* http://localhost:PORT, the sample app's origin */
  char        *base_url;      /* "API base URL" as printed */
  char        *app_url;       /* "Sample app" as printed */
  char        *tenant_id;     /* as printed */
  char        *secret_key;    /* as printed */
  char        *db_path;       /* found on first use */
  SoupSession *session;
} SesameTestServer;

/* NULL when $SESAME_SERVER is unset; the test should then skip. */
const char       *sesame_test_server_binary    (void);
/* TRUE when there is a server to test; otherwise marks the test skipped. */
gboolean          sesame_test_require_server   (void);

/* Runs `sesame-server --port 0 --data-dir DIR` plus the NULL-terminated
 * arguments and waits for the five startup lines, checking their exact
 * form. @data_dir NULL: a fresh temp dir (owned, removed when freed). */
SesameTestServer *sesame_test_server_start     (const char *data_dir,
                                                ...) G_GNUC_NULL_TERMINATED;
SesameTestServer *sesame_test_server_start_argv (const char         *data_dir,
                                                 const char * const *args);
/* SIGTERM; asserts that it exits with status 0 in time. */
void              sesame_test_server_stop      (SesameTestServer *self);
/* The same with another signal (SIGINT). */
void              sesame_test_server_stop_with (SesameTestServer *self,
                                                int               signum);
/* Stops the server and starts it again on the same data dir, with
 * --tenant-id and --secret-key pinned to the current ones when @pin is
 * set, plus the extra arguments. The data dir moves to the new server. */
SesameTestServer *sesame_test_server_restart   (SesameTestServer *self,
                                                gboolean          pin,
                                                ...) G_GNUC_NULL_TERMINATED;
void              sesame_test_server_free      (SesameTestServer *self);

/* Runs sesame-server with exactly these arguments (HOME and XDG dirs in a
 * temp dir) and returns its exit status once it exits; stdout and stderr
 * together go to @output. Asserts that it exits (not by a signal) in time. */
int               sesame_test_server_run_to_exit (const char * const *args,
                                                  char              **output);

/* The unsigned integer in the environment variable @name (at least 1), or
 * @fallback when it is unset or empty; anything else fails the test. */
guint             sesame_test_env_uint         (const char *name,
                                                guint       fallback);

/* Iterates the thread-default main context for @ms milliseconds (so that
 * asynchronous clients run meanwhile). */
void              sesame_test_iterate_for      (guint ms);

/* HTTP */

typedef struct
{
  guint               status;       /* 0: no HTTP reply at all */
  GBytes             *body;
  SoupMessageHeaders *headers;
  JsonNode           *json;         /* NULL: empty body */
  char               *label;        /* "METHOD path", for messages */
} SesameTestReply;

/* Sends a request to origin + @path with Origin set to the server's origin
 * (as the browser SDK's fetch does). @body NULL: no body; @len -1: strlen.
 * @content_type NULL with a body: application/json. @extra_headers is a
 * NULL-terminated name, value, name, value… list (may be NULL).
 * Every reply must carry CORS headers (unless @extra_headers set another
 * Origin), and a non-empty body must be strict JSON labelled
 * application/json: that is asserted here. */
SesameTestReply *sesame_test_request_full      (SesameTestServer   *server,
                                                const char         *method,
                                                const char         *path,
                                                const char         *authorization,
                                                const char         *content_type,
                                                const char         *body,
                                                gssize              len,
                                                const char * const *extra_headers);
SesameTestReply *sesame_test_request           (SesameTestServer *server,
                                                const char       *method,
                                                const char       *path,
                                                const char       *authorization,
                                                const char       *body);
/* A CORS preflight, as a browser sends it before @method with
 * Authorization and Content-Type. No body requirement. */
SesameTestReply *sesame_test_preflight         (SesameTestServer *server,
                                                const char       *path,
                                                const char       *method);
void             sesame_test_reply_free        (SesameTestReply *reply);

/* Asserts a 2xx JSON reply with no "error" member. */
void             sesame_test_assert_ok         (SesameTestReply *reply);
/* Asserts the contract error body for @code: the HTTP status that goes with
 * it, "error" and "errorCode" equal to @code, a non-empty
 * "errorDescription". */
void             sesame_test_assert_error      (SesameTestReply *reply,
                                                const char      *code);
void             sesame_test_assert_error_one_of (SesameTestReply *reply,
                                                  const char      *first_code,
                                                  ...) G_GNUC_NULL_TERMINATED;
/* The "webauthnError" member of an error body, "(none)" when absent. */
const char      *sesame_test_webauthn_error    (SesameTestReply *reply);
/* The reply's body as an object (asserted); never NULL. */
JsonObject      *sesame_test_reply_object      (SesameTestReply *reply);
JsonArray       *sesame_test_reply_array       (SesameTestReply *reply);

/* Authorization header values */
char            *sesame_test_basic             (const char *user,
                                                gboolean    colon);
char            *sesame_test_bearer            (const char *token);
/* The browser SDK's form, no colon */
char            *sesame_test_tenant_auth       (SesameTestServer *server);
/* The node SDK's form, "key:" */
char            *sesame_test_secret_auth       (SesameTestServer *server);

/* JSON */
JsonObject      *sesame_test_parse_object      (const char *text);
char            *sesame_test_to_json           (JsonObject *object);
/* Members that must be there with that type; never NULL (an empty string
 * or a new empty container after a failed assertion). */
const char      *sesame_test_get_string        (JsonObject *object,
                                                const char *member);
gboolean         sesame_test_get_bool          (JsonObject *object,
                                                const char *member);
JsonObject      *sesame_test_get_object        (JsonObject *object,
                                                const char *member);
JsonArray       *sesame_test_get_array         (JsonObject *object,
                                                const char *member);

char            *sesame_test_b64url_encode     (GBytes *bytes);
GBytes          *sesame_test_b64url_decode     (const char *text);   /* asserted valid */
char            *sesame_test_random_b64url     (gsize n_bytes);

/* Ceremonies */

typedef struct
{
  SesameTestAuthenticator *authenticator;
  char                    *credential_id;  /* base64url */
  char                    *user_id;
  char                    *user_handle;    /* base64url user.id of the registration options */
  char                    *passkey_id;     /* userAuthenticatorId */
  guint32                  sign_count;     /* the last one signed */
} SesameTestPasskey;

SesameTestPasskey *sesame_test_passkey_new     (void);
void               sesame_test_passkey_free    (SesameTestPasskey *passkey);

#define SESAME_TEST_FLAGS_REGISTER 0x45  /* UP | UV | AT */
#define SESAME_TEST_FLAGS_ASSERT   0x05  /* UP | UV */

/* POST /v1/users/{user}/actions/{action} with @body (NULL: "{}"); asserts
 * success and returns the token; the reply object goes to @reply_out. */
char              *sesame_test_track           (SesameTestServer *server,
                                                const char       *user_path,
                                                const char       *action,
                                                const char       *body,
                                                JsonObject      **reply_out);
/* C2 with Bearer @token; asserts success; returns {challengeId, options}. */
JsonObject        *sesame_test_registration_options (SesameTestServer *server,
                                                     const char       *token,
                                                     const char       *username);
/* A RegistrationResponseJSON by @passkey for @challenge (base64url):
 * clientDataJSON with @origin, authenticator data for @rp_id with @flags,
 * attestation @fmt ("packed" self or "none"). */
JsonObject        *sesame_test_registration_credential (SesameTestPasskey *passkey,
                                                        const char        *challenge,
                                                        const char        *origin,
                                                        const char        *rp_id,
                                                        guint8             flags,
                                                        const char        *fmt);
/* An AuthenticationResponseJSON; @tamper flips a bit of the signature. */
JsonObject        *sesame_test_authentication_credential (SesameTestPasskey *passkey,
                                                          const char        *challenge,
                                                          const char        *origin,
                                                          const char        *rp_id,
                                                          guint8             flags,
                                                          guint32            sign_count,
                                                          gboolean           tamper);
/* The same JSON forms around parts a test made itself. */
JsonObject        *sesame_test_registration_from_parts (SesameTestPasskey *passkey,
                                                        GBytes            *client_data,
                                                        GBytes            *attestation_object,
                                                        GBytes            *auth_data);
JsonObject        *sesame_test_assertion_from_parts   (SesameTestPasskey *passkey,
                                                       GBytes            *client_data,
                                                       GBytes            *auth_data,
                                                       GBytes            *signature);
/* Request bodies of C3 and C5 around a credential. */
char              *sesame_test_c3_body         (JsonObject *credential,
                                                const char *challenge_id);
char              *sesame_test_c5_body         (JsonObject *credential,
                                                const char *challenge_id);
/* A whole registration: track addPasskey (with @track_body, NULL: "{}"),
 * C2, C3 with a new passkey; every step asserted. @access_token (may be
 * NULL) receives the C3 accessToken. */
SesameTestPasskey *sesame_test_register        (SesameTestServer *server,
                                                const char       *user_path,
                                                const char       *username,
                                                const char       *track_body,
                                                char            **access_token);
/* A sign-in with @passkey (no action) that must name @user_id. */
void               sesame_test_assert_signs_in (SesameTestServer  *server,
                                                SesameTestPasskey *passkey,
                                                const char        *user_id);
/* A whole sign-in with Basic tenant auth: C1 {action} when @action is set,
 * C4, C5; asserted successful; returns the C5 reply object. */
JsonObject        *sesame_test_sign_in         (SesameTestServer  *server,
                                                SesameTestPasskey *passkey,
                                                const char        *action);
/* C4 with @authorization and @body (NULL: "{}"); asserted; returns
 * {challengeId, options}. */
JsonObject        *sesame_test_authentication_options (SesameTestServer *server,
                                                       const char       *authorization,
                                                       const char       *body);

/* Tokens: one character of the signature changed; the same claims signed
 * with the tenant's own key (read from the SQLite file) but expired half an
 * hour ago; the same claims signed with another key. */
/* The signing key of @tenant_id (NULL: the server's first tenant), read
 * from the SQLite file. */
GBytes            *sesame_test_token_key       (SesameTestServer *server,
                                                const char       *tenant_id);
char              *sesame_test_tampered_token  (const char       *token);
char              *sesame_test_expired_token   (SesameTestServer *server,
                                                const char       *token);
char              *sesame_test_foreign_token   (SesameTestServer *server,
                                                const char       *token);

/* The SQLite file, read-only */

typedef struct
{
  gint64  tenants, users, passkeys, actions, challenges, used_challenges, events;
  char   *tenant_rows;
  char   *user_rows;
  char   *passkey_rows;   /* id, user, sign count, last used */
  char   *action_rows;    /* key, state, method */
} SesameTestSnapshot;

const char         *sesame_test_server_db_path (SesameTestServer *server);
gint64              sesame_test_db_int         (SesameTestServer *server,
                                                const char       *sql);
char               *sesame_test_db_text        (SesameTestServer *server,
                                                const char       *sql);
/* PRAGMA integrity_check says "ok". */
void                sesame_test_assert_intact  (SesameTestServer *server);
SesameTestSnapshot *sesame_test_snapshot       (SesameTestServer *server);
void                sesame_test_snapshot_free  (SesameTestSnapshot *snapshot);
/* Nothing at all changed: rows, events, challenges. */
void                sesame_test_assert_unchanged (const SesameTestSnapshot *before,
                                                  const SesameTestSnapshot *after,
                                                  const char               *label);
/* A refused ceremony: no tenant, user, passkey (or its counter) or
 * challenge changed or appeared; the only action change allowed is one
 * (new or existing) that now says CHALLENGE_FAILED; events may have been
 * written and challenges consumed. */
void                sesame_test_assert_no_data_change (const SesameTestSnapshot *before,
                                                       const SesameTestSnapshot *after,
                                                       const char               *label);

/* A server of one's own with its two Basic authorizations: the fixture of
 * most server tests. Start does nothing when there is no server binary. */
typedef struct
{
  SesameTestServer *server;
  char             *secret_auth;   /* Basic secret key, for the Server API */
  char             *tenant_auth;   /* Basic tenant ID, for the Client API */
} SesameTestSession;

void sesame_test_session_set_up    (SesameTestSession *session,
                                    gconstpointer      data);
void sesame_test_session_tear_down (SesameTestSession *session,
                                    gconstpointer      data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameTestServer, sesame_test_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameTestReply, sesame_test_reply_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameTestPasskey, sesame_test_passkey_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameTestSnapshot, sesame_test_snapshot_free)

G_END_DECLS
