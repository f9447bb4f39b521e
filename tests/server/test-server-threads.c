/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The worker pool: a SesameServer with several workers in this process,
 * its main context run by the test's main thread (as the app's GTK loop
 * would run it), and clients on threads of their own that talk to it over
 * loopback HTTP with blocking requests. The main thread never makes a
 * request: it only runs the loop, measures how long the loop is ever kept
 * from running a 1 ms timeout, and collects SesameServer::event-added. */

#include "config.h"

#include "server-test-util.h"
#include "sesame-server.h"
#include "sesame-store.h"

#include <glib/gstdio.h>

#define N_WORKERS        4
#define N_CLIENTS        8
#define USERS_PER_CLIENT 2
#define SIGN_INS_PER_USER 4
#define N_RACE_ROUNDS    12
/* The loop ticks every millisecond; a gap is the time between two ticks.
 * Far above what one request costs, far below anything a user would
 * notice, and loose enough for a loaded CI machine. */
#define MAX_LOOP_GAP_MS  200

typedef struct
{
  char          *root;
  SesameStore   *store;
  SesameServer  *server;
  SesameTestServer target;     /* what the clients talk to; no process, no session */
  GThread       *main_thread;

  GArray        *event_ids;    /* gint64, in the order event-added came */
  gboolean       event_off_main;

  guint          ticker;
  gint64         last_tick;
  gint64         max_gap;      /* µs */
} Fixture;

static void
event_added_cb (SesameServer *server,
                SesameEvent  *event,
                Fixture      *f)
{
  if (g_thread_self () != f->main_thread)
    f->event_off_main = TRUE;
  g_array_append_val (f->event_ids, event->id);
}

static gboolean
tick_cb (gpointer user_data)
{
  Fixture *f = user_data;
  gint64 now = g_get_monotonic_time ();

  if (f->last_tick)
    f->max_gap = MAX (f->max_gap, now - f->last_tick);
  f->last_tick = now;
  return G_SOURCE_CONTINUE;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *secret_key = NULL;

  f->root = g_dir_make_tmp ("sesame-threads-XXXXXX", &error);
  g_assert_no_error (error);
  db_path = g_build_filename (f->root, "sesame.db", NULL);
  f->store = sesame_store_open (db_path, &error);
  g_assert_no_error (error);
  f->server = sesame_server_new_full (f->store, N_WORKERS, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sesame_server_get_n_workers (f->server), ==, N_WORKERS);
  g_assert_true (sesame_server_listen (f->server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  g_assert_true (sesame_server_setup_local_tenant (f->server, NULL, &secret_key, &error));
  g_assert_no_error (error);

  f->main_thread = g_thread_self ();
  f->event_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_signal_connect (f->server, "event-added", G_CALLBACK (event_added_cb), f);

  f->target.port = sesame_server_get_port (f->server);
  f->target.origin = g_strdup (sesame_server_get_app_origin (f->server));
  f->target.base_url = g_strdup (sesame_server_get_base_url (f->server));
  f->target.app_url = g_strdup (sesame_server_get_app_url (f->server));
  f->target.tenant_id = g_strdup (sesame_server_get_tenant_id (f->server));
  f->target.secret_key = g_steal_pointer (&secret_key);
  f->target.db_path = g_steal_pointer (&db_path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_handle_id (&f->ticker, g_source_remove);
  sesame_server_disconnect (f->server);
  g_clear_object (&f->server);
  /* Announcements still queued hold only weak references. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->store);
  g_array_unref (f->event_ids);
  g_free (f->target.origin);
  g_free (f->target.base_url);
  g_free (f->target.app_url);
  g_free (f->target.tenant_id);
  g_free (f->target.secret_key);
  g_free (f->target.db_path);
  sesame_test_remove_tree (f->root);
  g_free (f->root);
}

/* A client thread's own view of the server: the same URLs and keys, and a
 * session made on that thread. */
static SesameTestServer *
client_new (Fixture *f)
{
  SesameTestServer *client = g_new0 (SesameTestServer, 1);

  *client = f->target;
  client->session = soup_session_new_with_options ("timeout", SESAME_TEST_SERVER_TIMEOUT,
                                                   NULL);
  return client;
}

static void
client_free (SesameTestServer *client)
{
  g_object_unref (client->session);
  g_free (client);
}

/* Runs the main loop (with the ticker) until *@remaining is 0. */
static void
run_until_done (Fixture *f,
                int     *remaining)
{
  f->last_tick = 0;
  f->max_gap = 0;
  f->ticker = g_timeout_add (1, tick_cb, f);
  while (g_atomic_int_get (remaining) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_clear_handle_id (&f->ticker, g_source_remove);
}

/* Lets the announcements that are still queued arrive. */
static void
drain (void)
{
  gint64 until = g_get_monotonic_time () + 200 * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

/* Every event in the file reached event-added once, on the main thread,
 * in the order of their ids (which is the commit order). */
static void
assert_events_in_order (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = NULL;
  guint first = 0;

  g_assert_false (f->event_off_main);
  for (guint i = 1; i < f->event_ids->len; i++)
    g_assert_cmpint (g_array_index (f->event_ids, gint64, i - 1), <,
                     g_array_index (f->event_ids, gint64, i));

  events = sesame_store_list_events (f->store, f->target.tenant_id, 0, NULL, 0, &error);
  g_assert_no_error (error);
  /* The tenant's own set-up event came before the handler was connected. */
  while (first < events->len &&
         ((SesameEvent *) events->pdata[first])->id < g_array_index (f->event_ids, gint64, 0))
    first++;
  g_assert_cmpuint (events->len - first, ==, f->event_ids->len);
  for (guint i = 0; i < f->event_ids->len; i++)
    g_assert_cmpint (((SesameEvent *) events->pdata[first + i])->id, ==,
                     g_array_index (f->event_ids, gint64, i));
}

/* Concurrent registrations and sign-ins */

typedef struct
{
  Fixture *f;
  guint    index;
  int     *remaining;
  int     *completed;   /* sign-ins and registrations answered with success */
} ClientData;

static gpointer
ceremonies_thread (gpointer user_data)
{
  ClientData *data = user_data;
  SesameTestServer *client = client_new (data->f);

  for (guint u = 0; u < USERS_PER_CLIENT; u++)
    {
      g_autofree char *user = g_strdup_printf ("client%u-user%u", data->index, u);
      SesameTestPasskey *passkey;

      /* Every step is asserted: any refusal, 500 or 503 (what a busy
       * database would give) fails the test. */
      passkey = sesame_test_register (client, user, user, NULL, NULL);
      g_atomic_int_inc (data->completed);
      for (guint i = 0; i < SIGN_INS_PER_USER; i++)
        {
          g_autoptr(JsonObject) result = sesame_test_sign_in (client, passkey,
                                                              i % 2 ? "signIn" : NULL);

          g_atomic_int_inc (data->completed);
        }
      sesame_test_passkey_free (passkey);
    }
  client_free (client);
  g_atomic_int_add (data->remaining, -1);
  return NULL;
}

static void
test_concurrent_ceremonies (Fixture       *f,
                            gconstpointer  unused)
{
  ClientData data[N_CLIENTS];
  GThread *threads[N_CLIENTS];
  int remaining = N_CLIENTS;
  int completed = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = NULL;
  guint failures = 0;

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      data[i] = (ClientData) { f, i, &remaining, &completed };
      threads[i] = g_thread_new ("client", ceremonies_thread, &data[i]);
    }
  run_until_done (f, &remaining);
  for (guint i = 0; i < N_CLIENTS; i++)
    g_thread_join (threads[i]);
  drain ();

  g_assert_cmpint (completed, ==, N_CLIENTS * USERS_PER_CLIENT * (1 + SIGN_INS_PER_USER));
  g_test_message ("longest main loop gap under load: %.1f ms", f->max_gap / 1000.0);
  g_assert_cmpint (f->max_gap, <, MAX_LOOP_GAP_MS * G_TIME_SPAN_MILLISECOND);

  assert_events_in_order (f);
  events = sesame_store_list_events (f->store, f->target.tenant_id, 0, NULL, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    if (g_strcmp0 (((SesameEvent *) events->pdata[i])->outcome, "failure") == 0)
      failures++;
  g_assert_cmpuint (failures, ==, 0);
  g_assert_cmpint (sesame_test_db_int (&f->target, "SELECT count(*) FROM passkeys"), ==,
                   N_CLIENTS * USERS_PER_CLIENT);
  g_assert_cmpint (sesame_test_db_int (&f->target,
                                       "SELECT count(*) FROM events WHERE kind = 'authentication'"),
                   ==, N_CLIENTS * USERS_PER_CLIENT * SIGN_INS_PER_USER);
}

/* Two assertions with the same sign count at once */

typedef struct
{
  SesameTestServer *client;
  const char       *body;
  GMutex           *lock;
  GCond            *cond;
  int              *ready;
  SesameTestReply  *reply;     /* out */
} RacerData;

static gpointer
racer_thread (gpointer user_data)
{
  RacerData *data = user_data;
  g_autofree char *auth = sesame_test_tenant_auth (data->client);

  /* Both wait until both are ready, then send at once. */
  g_mutex_lock (data->lock);
  (*data->ready)++;
  g_cond_broadcast (data->cond);
  while (*data->ready < 2)
    g_cond_wait (data->cond, data->lock);
  g_mutex_unlock (data->lock);
  data->reply = sesame_test_request (data->client, "POST", SESAME_TEST_C5, auth, data->body);
  return NULL;
}

typedef struct
{
  Fixture *f;
  int     *remaining;
  guint    wins;
  guint    regressions;
  guint32  final_count;
} RaceData;

static gpointer
race_thread (gpointer user_data)
{
  RaceData *race = user_data;
  SesameTestServer *client = client_new (race->f);
  SesameTestServer *other = client_new (race->f);
  g_autofree char *auth = sesame_test_tenant_auth (client);
  SesameTestPasskey *passkey;

  passkey = sesame_test_register (client, "racer", "racer", NULL, NULL);
  for (guint round = 0; round < N_RACE_ROUNDS; round++)
    {
      char *bodies[2] = { NULL, NULL };
      GMutex lock;
      GCond cond;
      int ready = 0;
      RacerData racers[2];
      GThread *threads[2];
      guint32 count = ++passkey->sign_count;
      guint round_wins = 0;

      for (guint i = 0; i < 2; i++)
        {
          g_autoptr(JsonObject) options = sesame_test_authentication_options (client, auth, NULL);
          g_autoptr(JsonObject) credential = NULL;

          credential = sesame_test_authentication_credential (
            passkey, sesame_test_get_string (sesame_test_get_object (options, "options"),
                                             "challenge"),
            client->origin, "localhost", SESAME_TEST_FLAGS_ASSERT, count, FALSE);
          bodies[i] = sesame_test_c5_body (credential,
                                           sesame_test_get_string (options, "challengeId"));
        }
      g_mutex_init (&lock);
      g_cond_init (&cond);
      for (guint i = 0; i < 2; i++)
        {
          racers[i] = (RacerData) { i ? other : client, bodies[i], &lock, &cond, &ready, NULL };
          threads[i] = g_thread_new ("racer", racer_thread, &racers[i]);
        }
      for (guint i = 0; i < 2; i++)
        {
          SesameTestReply *reply;

          g_thread_join (threads[i]);
          reply = racers[i].reply;
          if (reply->status == SOUP_STATUS_OK &&
              sesame_test_get_bool (sesame_test_reply_object (reply), "isVerified"))
            round_wins++;
          else if (g_str_equal (sesame_test_webauthn_error (reply), "sign_count_regression"))
            race->regressions++;
          else
            g_error ("round %u: neither a win nor a regression: %u %s", round, reply->status,
                     reply->body ? (const char *) g_bytes_get_data (reply->body, NULL) : "");
          sesame_test_reply_free (reply);
        }
      g_mutex_clear (&lock);
      g_cond_clear (&cond);
      g_free (bodies[0]);
      g_free (bodies[1]);
      g_assert_cmpuint (round_wins, ==, 1);
      race->wins += round_wins;
    }
  race->final_count = passkey->sign_count;
  sesame_test_passkey_free (passkey);
  client_free (other);
  client_free (client);
  g_atomic_int_add (race->remaining, -1);
  return NULL;
}

static void
test_same_sign_count_race (Fixture       *f,
                           gconstpointer  unused)
{
  int remaining = 1;
  RaceData race = { f, &remaining };
  GThread *thread = g_thread_new ("race", race_thread, &race);
  g_autofree char *stored = NULL;

  run_until_done (f, &remaining);
  g_thread_join (thread);
  drain ();

  g_assert_cmpuint (race.wins, ==, N_RACE_ROUNDS);
  g_assert_cmpuint (race.regressions, ==, N_RACE_ROUNDS);
  g_assert_cmpint (sesame_test_db_int (&f->target, "SELECT sign_count FROM passkeys"), ==,
                   race.final_count);
  /* The loser's attempt is on record as a failure, in the same order. */
  g_assert_cmpint (sesame_test_db_int (&f->target,
                                       "SELECT count(*) FROM events WHERE kind = 'authentication'"
                                       " AND outcome = 'failure'"), ==, N_RACE_ROUNDS);
  assert_events_in_order (f);
}

/* Inline: no workers */

static void
test_inline (Fixture       *f,
             gconstpointer  unused)
{
  g_autoptr(GError) error = NULL;
  int remaining = 1;
  int completed = 0;
  ClientData data = { f, 0, &remaining, &completed };
  GThread *thread;

  /* The same store behind a server without workers. */
  sesame_server_disconnect (f->server);
  g_clear_object (&f->server);
  f->server = sesame_server_new_full (f->store, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sesame_server_get_n_workers (f->server), ==, 0);
  g_assert_true (sesame_server_listen (f->server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  /* The set-up rotates the tenant's secret key. */
  g_clear_pointer (&f->target.secret_key, g_free);
  g_assert_true (sesame_server_setup_local_tenant (f->server, NULL, &f->target.secret_key,
                                                   &error));
  g_assert_no_error (error);
  g_signal_connect (f->server, "event-added", G_CALLBACK (event_added_cb), f);
  g_array_set_size (f->event_ids, 0);
  g_free (f->target.origin);
  f->target.origin = g_strdup (sesame_server_get_app_origin (f->server));
  f->target.port = sesame_server_get_port (f->server);

  thread = g_thread_new ("client", ceremonies_thread, &data);
  run_until_done (f, &remaining);
  g_thread_join (thread);
  drain ();
  g_assert_cmpint (completed, ==, USERS_PER_CLIENT * (1 + SIGN_INS_PER_USER));
  assert_events_in_order (f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define add(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  add ("/sesame/server/threads/concurrent-ceremonies", test_concurrent_ceremonies);
  add ("/sesame/server/threads/same-sign-count-race", test_same_sign_count_race);
  add ("/sesame/server/threads/inline", test_inline);
#undef add

  return g_test_run ();
}
