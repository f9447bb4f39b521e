/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Nothing acknowledged is lost: while clients register passkeys and sign
 * in, the server is killed with SIGKILL at a random moment, many times
 * over. After each restart every registration and sign-in that was
 * answered with success must be there and usable, a replayed counter must
 * still be refused, and SQLite must find the file intact.
 *
 * SESAME_CRASH_ROUNDS sets the number of rounds (default 10, a few
 * seconds); SESAME_CRASH_SEED replays one run. */

#include "config.h"

#include "server-test-load.h"

#include <signal.h>
#include <sqlite3.h>

#define DEFAULT_ROUNDS 10
#define N_CLIENTS      4
/* How long the load runs before the kill: long enough for some dozens of
 * acknowledged writes, short enough that rounds are cheap. */
#define MIN_RUN_MS     20
#define MAX_RUN_MS     250

typedef struct
{
  guint64 checked;   /* acknowledged writes looked at after a restart */
  guint64 lost;      /* of those, missing or not usable */
} Tally;

static sqlite3 *
open_db (SesameTestServer *server)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (sesame_test_server_db_path (server), &db,
                                    SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

/* One integer from @sql with one text parameter; -1 when there is no row. */
static gint64
query_int (sqlite3    *db,
           const char *sql,
           const char *param)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, param, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static void
lost (Tally      *tally,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
lost (Tally      *tally,
      const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_test_message ("LOST: %s", message);
  tally->lost++;
}

/* What the file says: every acknowledged registration has its passkey,
 * with at least the last acknowledged counter, and every acknowledged
 * sign-in its event. */
static void
check_file (SesameTestServer *server,
            GPtrArray        *accounts,
            Tally            *tally)
{
  sqlite3 *db = NULL;

  sesame_test_assert_intact (server);
  db = open_db (server);

  for (guint i = 0; i < accounts->len; i++)
    {
      SesameTestAccount *account = g_ptr_array_index (accounts, i);
      gint64 count = query_int (db, "SELECT sign_count FROM passkeys WHERE id = ?1",
                                account->passkey->passkey_id);
      gint64 events = query_int (db, "SELECT count(*) FROM events WHERE user_id = ?1 AND "
                                     "kind = 'authentication' AND outcome = 'success'",
                                 account->user_id);

      tally->checked += 1 + account->n_sign_ins;
      if (count < 0)
        lost (tally, "the passkey of %s (registration acknowledged) is gone", account->user_id);
      else if (count < account->acked)
        lost (tally, "%s's passkey has sign count %" G_GINT64_FORMAT ", but %u was acknowledged",
              account->user_id, count, account->acked);
      if (events < account->n_sign_ins)
        lost (tally, "%s has %" G_GINT64_FORMAT " sign-in events, %u were acknowledged",
              account->user_id, events, account->n_sign_ins);
    }
  sqlite3_close (db);
}

/* What the server says about the accounts written to in the last round:
 * each sign-in's token still names an action that validates, the last
 * acknowledged counter is refused as a replay, and a new sign-in works. */
static void
check_usable (SesameTestServer  *server,
              SesameTestAccount *account,
              Tally             *tally)
{
  g_autofree char *secret_auth = sesame_test_secret_auth (server);
  g_autofree char *tenant_auth = sesame_test_tenant_auth (server);
  g_autoptr(JsonObject) signed_in = NULL;

  for (guint i = 0; i < account->tokens->len; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"token\":\"%s\"}",
                                               (char *) g_ptr_array_index (account->tokens, i));
      g_autoptr(SesameTestReply) reply = sesame_test_request (server, "POST", "/v1/validate",
                                                              secret_auth, body);

      if (reply->status != SOUP_STATUS_OK ||
          !sesame_test_get_bool (sesame_test_reply_object (reply), "isValid"))
        lost (tally, "%s: an acknowledged sign-in no longer validates (HTTP %u)",
              account->user_id, reply->status);
    }
  g_ptr_array_set_size (account->tokens, 0);

  if (account->acked > 0)
    {
      g_autoptr(JsonObject) options = sesame_test_authentication_options (server, tenant_auth,
                                                                          NULL);
      g_autoptr(JsonObject) credential = NULL;
      g_autofree char *body = NULL;
      g_autoptr(SesameTestReply) replay = NULL;

      credential = sesame_test_authentication_credential (
        account->passkey,
        sesame_test_get_string (sesame_test_get_object (options, "options"), "challenge"),
        server->origin, "localhost", SESAME_TEST_FLAGS_ASSERT, account->acked, FALSE);
      body = sesame_test_c5_body (credential, sesame_test_get_string (options, "challengeId"));
      replay = sesame_test_request (server, "POST", SESAME_TEST_C5, tenant_auth, body);
      if (SOUP_STATUS_IS_SUCCESSFUL (replay->status))
        lost (tally, "%s: counter %u was accepted again after the restart", account->user_id,
              account->acked);
      else
        sesame_test_assert_error (replay, "invalid_credential");
    }

  /* A counter above every one ever sent, acknowledged or not. */
  account->passkey->sign_count = account->sent_max;
  signed_in = sesame_test_sign_in (server, account->passkey, NULL);
  g_assert_cmpstr (sesame_test_get_string (signed_in, "userId"), ==, account->user_id);
  account->sent_max = account->acked = account->passkey->sign_count;
  account->n_sign_ins++;
  account->touched = FALSE;
}

static void
kill_server (SesameTestServer *server)
{
  g_clear_object (&server->session);
  g_subprocess_send_signal (server->process, SIGKILL);
  g_assert_true (g_subprocess_wait (server->process, NULL, NULL));
  g_assert_true (g_subprocess_get_if_signaled (server->process));
  g_assert_cmpint (g_subprocess_get_term_sig (server->process), ==, SIGKILL);
  g_clear_object (&server->process);
}

static void
test_kill_during_load (void)
{
  g_autoptr(SesameTestServer) server = NULL;
  g_autoptr(SesameTestLoad) load = NULL;
  guint rounds = sesame_test_env_uint ("SESAME_CRASH_ROUNDS", DEFAULT_ROUNDS);
  guint32 seed = sesame_test_env_uint ("SESAME_CRASH_SEED",
                                       g_test_rand_int_range (1, G_MAXINT32));
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  const SesameTestLoadCounts *counts;
  Tally tally = { 0 };

  if (!sesame_test_require_server ())
    return;
  g_test_message ("SESAME_CRASH_SEED=%u SESAME_CRASH_ROUNDS=%u", seed, rounds);

  server = sesame_test_server_start (NULL, NULL);
  load = sesame_test_load_new (SESAME_TEST_LOAD_CEREMONIES, N_CLIENTS, seed);
  for (guint round = 0; round < rounds; round++)
    {
      GPtrArray *accounts = sesame_test_load_accounts (load);
      guint run_ms = g_rand_int_range (rand, MIN_RUN_MS, MAX_RUN_MS + 1);

      sesame_test_load_set_server (load, server);
      sesame_test_load_start (load);
      sesame_test_iterate_for (run_ms);
      /* The kill lands wherever the server happens to be: parsing, in a
       * transaction, committing, or writing the reply. */
      sesame_test_load_expect_loss (load);
      kill_server (server);
      sesame_test_load_stop (load);

      server = sesame_test_server_restart (server, TRUE, NULL);
      check_file (server, accounts, &tally);
      for (guint i = 0; i < accounts->len; i++)
        {
          SesameTestAccount *account = g_ptr_array_index (accounts, i);

          if (account->touched)
            check_usable (server, account, &tally);
        }
    }

  counts = sesame_test_load_counts (load);
  g_test_message ("crash test: %u rounds, %" G_GUINT64_FORMAT " requests, %" G_GUINT64_FORMAT
                  " registrations and %" G_GUINT64_FORMAT " sign-ins acknowledged, %"
                  G_GUINT64_FORMAT " replies cut off by a kill; %" G_GUINT64_FORMAT
                  " acknowledged writes checked, %" G_GUINT64_FORMAT " lost",
                  rounds, counts->requests, counts->registrations, counts->sign_ins,
                  counts->lost_replies, tally.checked, tally.lost);
  g_assert_cmpuint (counts->unexpected, ==, 0);
  g_assert_cmpuint (tally.lost, ==, 0);
  /* Each round must have had something to lose. */
  g_assert_cmpuint (counts->registrations + counts->sign_ins, >=, rounds);
  g_assert_cmpuint (tally.checked, >, 0);
  sesame_test_server_stop (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sesame/server/crash/kill-during-load", test_kill_during_load);
  return g_test_run ();
}
