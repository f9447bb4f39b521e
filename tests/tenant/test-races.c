/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Two requests side by side on one database file: every check the rules
 * make before verifying a signature must still hold when they write. Each
 * race is run by two threads of this process with a store connection each
 * (as the server's workers have), and by two forked children (as two
 * sesame-server processes on one data directory are), many rounds, so that
 * a check-then-write that is not one atomic step is caught: the
 * signature's verification between the read and the write leaves a wide
 * window. */

#include "config.h"

#include "sesame-authenticator-data.h"
#include "sesame-base64.h"
#include "sesame-ceremony-rules.h"
#include "sesame-test-authenticator.h"
#include "sesame-test-util.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ORIGIN "http://localhost:7878"
#define UP_UV  (SESAME_AUTH_DATA_FLAG_UP | SESAME_AUTH_DATA_FLAG_UV)
#define ROUNDS 50

typedef enum
{
  RACE_THREADS,
  RACE_PROCESSES,
} RaceKind;

typedef struct
{
  char                    *dir;
  char                    *path;
  SesameStore             *store;
  SesameTenant            *tenant;
  SesameCaller             caller;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static const char * const origins[] = { ORIGIN, NULL };
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("sesame-races-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "sesame.db", NULL);
  f->store = sesame_store_open (f->path, &error);
  g_assert_no_error (error);
  f->tenant = sesame_tenant_new ("acme", "localhost");
  f->tenant->expected_origins = g_strdupv ((char **) origins);
  sesame_store_insert_tenant (f->store, f->tenant, "sk_test_races", &error);
  g_assert_no_error (error);
  f->caller.origin = ORIGIN;
  f->caller.user_agent = "test-races";
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  sesame_tenant_free (f->tenant);
  g_clear_object (&f->store);
  sesame_test_remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

/* One side of a race: a ceremony to finish, prepared beforehand so that
 * the race itself is only the rules' work. */
typedef struct
{
  Fixture              *f;
  gboolean              registration;
  const SesameTokenClaims *claims; /* borrowed */
  char                 *challenge_id;
  SesameCredentialJson *credential;
  /* out */
  gboolean              succeeded;
  GError               *error;
} Contender;

static void
contender_clear (Contender *c)
{
  g_clear_pointer (&c->challenge_id, g_free);
  g_clear_pointer (&c->credential, sesame_credential_json_free);
  g_clear_error (&c->error);
}

/* Finishes the ceremony on a store connection of its own. */
static void
contender_run (Contender *c)
{
  g_autoptr(SesameStore) store = NULL;
  g_autoptr(SesameCeremonyResult) result = NULL;
  gboolean judged = FALSE;

  store = sesame_store_open (c->f->path, &c->error);
  if (!store)
    return;
  if (c->registration)
    result = sesame_tenant_finish_registration (store, c->f->tenant, &c->f->caller, c->claims,
                                                c->challenge_id, c->credential, FALSE, &judged,
                                                &c->error);
  else
    result = sesame_tenant_finish_authentication (store, c->f->tenant, &c->f->caller,
                                                  c->claims, c->challenge_id, c->credential,
                                                  &judged, &c->error);
  c->succeeded = result != NULL;
}

/* Threads: both wait on one gate, opened once both have started. */

typedef struct
{
  GMutex    lock;
  GCond     cond;
  gboolean  open;
  Contender *contender;
} Gate;

static gpointer
gated_thread (gpointer user_data)
{
  Gate *gate = user_data;

  g_mutex_lock (&gate->lock);
  while (!gate->open)
    g_cond_wait (&gate->cond, &gate->lock);
  g_mutex_unlock (&gate->lock);
  contender_run (gate->contender);
  return NULL;
}

static void
race_threads (Contender *a,
              Contender *b)
{
  Gate gates[2] = { { .contender = a }, { .contender = b } };
  GThread *threads[2];

  for (int i = 0; i < 2; i++)
    {
      g_mutex_init (&gates[i].lock);
      g_cond_init (&gates[i].cond);
      threads[i] = g_thread_new ("race", gated_thread, &gates[i]);
    }
  for (int i = 0; i < 2; i++)
    {
      g_mutex_lock (&gates[i].lock);
      gates[i].open = TRUE;
      g_cond_signal (&gates[i].cond);
      g_mutex_unlock (&gates[i].lock);
    }
  for (int i = 0; i < 2; i++)
    {
      g_thread_join (threads[i]);
      g_mutex_clear (&gates[i].lock);
      g_cond_clear (&gates[i].cond);
    }
}

/* Processes: both children block on a pipe that the parent closes. A
 * child's exit status says how its ceremony ended: 0 succeeded, 1 the
 * rules refused it, 2 anything else (its message on stderr). */

static void
race_processes (Contender *a,
                Contender *b)
{
  Contender *contenders[2] = { a, b };
  pid_t pids[2];
  int gate[2];

  g_assert_cmpint (pipe (gate), ==, 0);
  for (int i = 0; i < 2; i++)
    {
      pids[i] = fork ();
      g_assert_cmpint (pids[i], >=, 0);
      if (pids[i] == 0)
        {
          char byte;
          ssize_t n;

          close (gate[1]);
          do
            n = read (gate[0], &byte, 1);
          while (n < 0 && errno == EINTR);
          contender_run (contenders[i]);
          if (!contenders[i]->succeeded &&
              (!contenders[i]->error ||
               (contenders[i]->error->domain != SESAME_RULE_ERROR &&
                contenders[i]->error->domain != SESAME_WEBAUTHN_ERROR)))
            {
              g_printerr ("child: %s\n", contenders[i]->error ? contenders[i]->error->message : "?");
              _exit (2);
            }
          _exit (contenders[i]->succeeded ? 0 : 1);
        }
    }
  close (gate[0]);
  close (gate[1]);
  for (int i = 0; i < 2; i++)
    {
      int status;

      g_assert_cmpint (waitpid (pids[i], &status, 0), ==, pids[i]);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), <=, 1);
      contenders[i]->succeeded = WEXITSTATUS (status) == 0;
      if (!contenders[i]->succeeded)
        g_set_error_literal (&contenders[i]->error, SESAME_RULE_ERROR, 0, "refused in a child");
    }
}

static void
race (RaceKind   kind,
      Contender *a,
      Contender *b)
{
  if (kind == RACE_THREADS)
    race_threads (a, b);
  else
    race_processes (a, b);
}

/* Set-up through the rules, on the fixture's own connection */

static SesameTokenClaims *
claims_for (const SesameAction *action,
            const char         *scope)
{
  SesameTokenClaims *claims = g_new0 (SesameTokenClaims, 1);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  claims->user_id = g_strdup (action->user_id);
  claims->tenant_id = g_strdup (action->tenant_id);
  claims->action_code = g_strdup (action->action_code);
  claims->idempotency_key = g_strdup (action->idempotency_key);
  claims->scope = g_strdup (scope);
  claims->issuer = g_strdup ("test-races");
  claims->issued_at = now;
  claims->expires_at = now + 600;
  return claims;
}

static SesameAction *
track (Fixture    *f,
       const char *user_id,
       const char *code)
{
  g_autoptr(GError) error = NULL;
  SesameAction *action;

  action = sesame_tenant_track_action (f->store, f->tenant, &f->caller, user_id, code, NULL,
                                       NULL, NULL, SESAME_SCOPE_READ_AUTHENTICATORS, &error);
  g_assert_no_error (error);
  return action;
}

/* A registration of @auth's passkey with @claims, ready to finish. */
static void
prepare_registration (Fixture                 *f,
                      const SesameTokenClaims *claims,
                      SesameTestAuthenticator *auth,
                      Contender               *c)
{
  g_autoptr(SesameRegistrationOptions) options = NULL;
  g_autoptr(GBytes) auth_data = NULL;
  g_autoptr(GError) error = NULL;
  SesameCredentialJson *credential = g_new0 (SesameCredentialJson, 1);

  options = sesame_tenant_begin_registration (f->store, f->tenant, &f->caller, claims, NULL, NULL,
                                              SESAME_ATTACHMENT_ANY, &error);
  g_assert_no_error (error);
  auth_data = sesame_test_auth_data ("localhost", UP_UV | SESAME_AUTH_DATA_FLAG_AT, 0, auth, NULL);
  credential->raw_id = g_bytes_ref (auth->credential_id);
  credential->id = sesame_base64url_encode_bytes (auth->credential_id);
  credential->client_data_json = sesame_test_client_data ("webauthn.create",
                                                          options->challenge->bytes, ORIGIN, NULL);
  credential->attestation_object = sesame_test_attestation_object ("none", auth_data, NULL);

  c->f = f;
  c->registration = TRUE;
  c->claims = claims;
  c->challenge_id = g_strdup (options->challenge->id);
  c->credential = credential;
}

/* An open sign-in by @auth's passkey with @sign_count, ready to finish. */
static void
prepare_sign_in (Fixture                 *f,
                 SesameTestAuthenticator *auth,
                 guint32                  sign_count,
                 Contender               *c)
{
  g_autoptr(SesameAuthenticationOptions) options = NULL;
  g_autoptr(GError) error = NULL;
  SesameCredentialJson *credential = g_new0 (SesameCredentialJson, 1);

  options = sesame_tenant_begin_authentication (f->store, f->tenant, &f->caller, NULL, NULL, NULL,
                                                &error);
  g_assert_no_error (error);
  credential->raw_id = g_bytes_ref (auth->credential_id);
  credential->id = sesame_base64url_encode_bytes (auth->credential_id);
  credential->client_data_json = sesame_test_client_data ("webauthn.get",
                                                          options->challenge->bytes, ORIGIN, NULL);
  credential->authenticator_data = sesame_test_auth_data ("localhost", UP_UV, sign_count, NULL,
                                                          NULL);
  credential->signature = sesame_test_authenticator_sign (auth, credential->authenticator_data,
                                                          credential->client_data_json);
  c->f = f;
  c->registration = FALSE;
  c->challenge_id = g_strdup (options->challenge->id);
  c->credential = credential;
}

static guint32
stored_sign_count (Fixture                 *f,
                   SesameTestAuthenticator *auth)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesamePasskey) passkey = sesame_store_find_passkey (f->store, f->tenant->id,
                                                                auth->credential_id, &error);

  g_assert_no_error (error);
  return passkey->sign_count;
}

/* The races */

/* Two assertions with the same count: a cloned authenticator. At most one
 * is accepted, the other is refused as a regression. Then two assertions
 * with different counts: whichever commits, the stored counter ends at
 * the highest one accepted and never below what it was. */
static void
test_sign_count (Fixture       *f,
                 gconstpointer  data)
{
  RaceKind kind = GPOINTER_TO_INT (data);
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (-7);
  g_autoptr(SesameAction) action = track (f, "alice", "addPasskey");
  g_autoptr(SesameTokenClaims) claims = claims_for (action, SESAME_SCOPE_ADD_AUTHENTICATORS);
  Contender reg = { 0 };
  guint32 count = 0;
  guint both_same = 0;

  prepare_registration (f, claims, auth, &reg);
  contender_run (&reg);
  g_assert_no_error (reg.error);
  g_assert_true (reg.succeeded);
  contender_clear (&reg);

  for (int round = 0; round < ROUNDS; round++)
    {
      Contender a = { 0 }, b = { 0 };
      guint32 before = stored_sign_count (f, auth);
      guint32 after;

      count = before + 1;
      prepare_sign_in (f, auth, count, &a);
      prepare_sign_in (f, auth, count, &b);
      race (kind, &a, &b);
      g_assert_false (a.succeeded && b.succeeded);
      if (!a.succeeded && !b.succeeded)
        both_same++;
      if (kind == RACE_THREADS)
        {
          Contender *loser = a.succeeded ? &b : &a;

          g_assert_error (loser->error, SESAME_WEBAUTHN_ERROR,
                          SESAME_WEBAUTHN_ERROR_SIGN_COUNT_REGRESSION);
        }
      after = stored_sign_count (f, auth);
      g_assert_cmpuint (after, ==, a.succeeded || b.succeeded ? count : before);
      contender_clear (&a);
      contender_clear (&b);

      /* Different counts: the lower one may lose, the counter may not. */
      before = after;
      prepare_sign_in (f, auth, before + 2, &a);
      prepare_sign_in (f, auth, before + 1, &b);
      race (kind, &a, &b);
      g_assert_true (a.succeeded || b.succeeded);
      after = stored_sign_count (f, auth);
      g_assert_cmpuint (after, >=, before);
      g_assert_cmpuint (after, ==, a.succeeded ? before + 2 : before + 1);
      contender_clear (&a);
      contender_clear (&b);
    }
  /* One of the two always wins: the refusal is for the copy only. */
  g_assert_cmpuint (both_same, ==, 0);
}

/* One token without "add:authenticators" for a user with no passkey, used
 * for two registrations at once: the user ends with one passkey. */
static void
test_first_passkey (Fixture       *f,
                    gconstpointer  data)
{
  RaceKind kind = GPOINTER_TO_INT (data);

  for (int round = 0; round < ROUNDS; round++)
    {
      g_autofree char *user_id = g_strdup_printf ("user-%02d", round);
      g_autoptr(SesameAction) action = track (f, user_id, "addPasskey");
      g_autoptr(SesameTokenClaims) claims = claims_for (action, SESAME_SCOPE_READ_AUTHENTICATORS);
      g_autoptr(SesameTestAuthenticator) one = sesame_test_authenticator_new (-7);
      g_autoptr(SesameTestAuthenticator) two = sesame_test_authenticator_new (-7);
      g_autoptr(GPtrArray) passkeys = NULL;
      g_autoptr(GError) error = NULL;
      Contender a = { 0 }, b = { 0 };

      prepare_registration (f, claims, one, &a);
      prepare_registration (f, claims, two, &b);
      race (kind, &a, &b);
      g_assert_true (a.succeeded != b.succeeded);
      passkeys = sesame_store_list_passkeys (f->store, f->tenant->id, user_id, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (passkeys->len, ==, 1);
      contender_clear (&a);
      contender_clear (&b);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/sesame/tenant/races/sign-count/threads", Fixture,
              GINT_TO_POINTER (RACE_THREADS), fixture_set_up, test_sign_count, fixture_tear_down);
  g_test_add ("/sesame/tenant/races/sign-count/processes", Fixture,
              GINT_TO_POINTER (RACE_PROCESSES), fixture_set_up, test_sign_count,
              fixture_tear_down);
  g_test_add ("/sesame/tenant/races/first-passkey/threads", Fixture,
              GINT_TO_POINTER (RACE_THREADS), fixture_set_up, test_first_passkey,
              fixture_tear_down);
  g_test_add ("/sesame/tenant/races/first-passkey/processes", Fixture,
              GINT_TO_POINTER (RACE_PROCESSES), fixture_set_up, test_first_passkey,
              fixture_tear_down);
  return g_test_run ();
}
