/* SPDX-License-Identifier: GPL-3.0-or-later */

/* sesame-bench-app: how fast the window is ready, and what it costs.
 *
 * Starts `sesame --automation --port 0` (the binary in $SESAME_APP or the
 * first argument) on a fresh data folder, and measures through the
 * automation interface:
 *   - process start → the sample app loaded in the view, the first run on
 *     an empty cache (cold) and the median of the warm runs after it;
 *   - PSS of the app and its WebKit processes (GSK_RENDERER=cairo), read
 *     from /proc/PID/smaps_rollup after the page has loaded;
 *   - "Sign in with a passkey" clicked → the signed-in page, the prompt
 *     answered by automation (SetPromptResponse accept), timed in the page;
 *   - the longest main-loop stall while a load client does complete
 *     passkey sign-ins (the tests' software authenticator, over HTTP)
 *     against the in-process tenant: the slowest round trip of GetTenant,
 *     which the app answers on its main loop, called back to back from
 *     another thread.
 * Run it inside a display and a session bus, e.g.
 *   xvfb-run -a dbus-run-session -- _build/bench/sesame-bench-app */

#include "config.h"

#include "server-test-util.h"

#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUS_NAME  "io.github.sesame.Sesame"
#define PATH      "/io/github/sesame/Sesame"
#define INTERFACE "io.github.sesame.Sesame.Automation1"
#define WARM_RUNS 5

static GDBusConnection *bus;

static gboolean
name_owned (void)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", BUS_NAME), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static char *
run_js (const char *body)
{
  g_autoptr(GVariant) reply = NULL;
  char *json = NULL;

  reply = g_dbus_connection_call_sync (bus, BUS_NAME, PATH, INTERFACE, "RunJavascript",
                                       g_variant_new ("(s)", body), G_VARIANT_TYPE ("(s)"),
                                       G_DBUS_CALL_FLAGS_NONE, 30000, NULL, NULL);
  if (reply)
    g_variant_get (reply, "(s)", &json);
  return json;
}

/* PSS in KiB of @pid, from smaps_rollup; 0 when unreadable. */
static guint64
pss_kib (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/smaps_rollup", pid);
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  line = strstr (text, "\nPss:");
  return line ? g_ascii_strtoull (line + 5, NULL, 10) : 0;
}

static int
parent_of (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  const char *end;

  if (!g_file_get_contents (path, &text, NULL, NULL) || !(end = strrchr (text, ')')))
    return -1;
  /* ") S PPID" */
  return atoi (end + 4);
}

/* The app and every process below it (WebKit's web and network processes,
 * under bubblewrap). */
static guint64
tree_pss_kib (int root)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  g_autoptr(GArray) tree = g_array_new (FALSE, FALSE, sizeof (int));
  const char *name;
  guint64 total = 0;
  gboolean grew = TRUE;
  g_autoptr(GArray) pids = g_array_new (FALSE, FALSE, sizeof (int));

  while (proc && (name = g_dir_read_name (proc)))
    if (g_ascii_isdigit (name[0]))
      {
        int pid = atoi (name);

        g_array_append_val (pids, pid);
      }
  g_array_append_val (tree, root);
  while (grew)
    {
      grew = FALSE;
      for (guint i = 0; i < pids->len; i++)
        {
          int pid = g_array_index (pids, int, i);
          int parent = parent_of (pid);

          for (guint j = 0; j < tree->len; j++)
            if (g_array_index (tree, int, j) == parent)
              {
                g_array_append_val (tree, pid);
                g_array_remove_index_fast (pids, i--);
                grew = TRUE;
                break;
              }
        }
    }
  for (guint i = 0; i < tree->len; i++)
    total += pss_kib (g_array_index (tree, int, i));
  return total;
}

static void
quit_app (GSubprocess *process)
{
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (bus, BUS_NAME, PATH, "org.gtk.Actions", "Activate",
                                       g_variant_new ("(sava{sv})", "quit", NULL, NULL), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (!g_subprocess_wait (process, NULL, NULL) || !reply)
    g_subprocess_force_exit (process);
}

/* One start: seconds from spawn to the sample app loaded; @pss gets the
 * tree's PSS when not NULL. */
static double
one_start (const char *app,
           const char *data_dir,
           guint64    *pss)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  gint64 start = g_get_monotonic_time ();
  double elapsed;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, app, "--automation",
                              "--port", "0", "--data-dir", data_dir, NULL);
  if (!process)
    g_error ("cannot start %s: %s", app, error->message);
  while (!name_owned ())
    g_usleep (2000);
  for (;;)
    {
      g_autofree char *json = run_js ("return document.readyState === 'complete' && "
                                      "!!document.getElementById('signin-button')");

      if (json && g_str_equal (json, "true"))
        break;
      if (g_get_monotonic_time () - start > 60 * G_USEC_PER_SEC)
        g_error ("the sample app did not load within a minute");
      g_usleep (2000);
    }
  elapsed = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  if (pss)
    *pss = tree_pss_kib (atoi (g_subprocess_get_identifier (process)));
  quit_app (process);
  return elapsed;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
call_void (const char *method,
           GVariant   *parameters)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (bus, BUS_NAME, PATH, INTERFACE, method, parameters, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &error);
  if (!reply)
    g_error ("%s: %s", method, error->message);
}

#define WAIT_FOR(condition) \
  "for (let i = 0; i < 400 && !(" condition "); i++) await new Promise (r => setTimeout (r, 5));"
#define SIGNED_IN "!document.getElementById('account').hidden"
#define SIGNED_OUT "!document.getElementById('signed-out').hidden"

/* Median ms from the sign-in click to the signed-in page, over @rounds. */
static double
measure_ceremony (const char *app,
                  const char *data_dir,
                  int         rounds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *url = NULL;
  g_autofree char *json = NULL;
  double median;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, app, "--automation",
                              "--port", "0", "--data-dir", data_dir, NULL);
  g_assert_no_error (error);
  while (!name_owned ())
    g_usleep (2000);
  call_void ("RemoveAllCredentials", NULL);
  call_void ("SetPromptResponse", g_variant_new ("(s)", "accept"));
  json = run_js ("return location.origin");
  while (!json || g_str_equal (json, "\"null\"") || !g_str_has_prefix (json, "\"http"))
    {
      g_free (json);
      g_usleep (10000);
      json = run_js ("return location.origin");
    }
  url = g_strdup_printf ("%.*s/?autofill=off", (int) strlen (json) - 2, json + 1);
  call_void ("OpenUrl", g_variant_new ("(s)", url));
  g_free (json);
  json = run_js (WAIT_FOR (SIGNED_OUT)
                 "document.getElementById('signup-username').value = 'bench-' + Date.now ();"
                 "document.getElementById('signup-button').click ();"
                 WAIT_FOR (SIGNED_IN) "return " SIGNED_IN);
  if (!json || !g_str_equal (json, "true"))
    g_error ("the sign-up did not complete: %s", json);

  for (int i = 0; i < rounds; i++)
    {
      g_autofree char *ms = NULL;

      g_free (json);
      json = run_js ("document.getElementById('signout-button').click ();"
                     WAIT_FOR (SIGNED_OUT) "return " SIGNED_OUT);
      ms = run_js ("const start = performance.now ();"
                   "document.getElementById('signin-button').click ();"
                   WAIT_FOR (SIGNED_IN)
                   "return " SIGNED_IN " ? performance.now () - start : -1");
      if (ms && g_ascii_strtod (ms, NULL) >= 0)
        {
          double value = g_ascii_strtod (ms, NULL);

          g_array_append_val (times, value);
        }
    }
  quit_app (process);
  if (times->len == 0)
    g_error ("no sign-in completed");
  g_array_sort (times, compare_doubles);
  median = g_array_index (times, double, times->len / 2);
  return median;
}

typedef struct
{
  gboolean stop;
  gint64 longest;     /* µs */
  guint calls;
} Pinger;

static gpointer
ping_thread (gpointer data)
{
  Pinger *pinger = data;

  while (!g_atomic_int_get (&pinger->stop))
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GVariant) reply = NULL;

      reply = g_dbus_connection_call_sync (bus, BUS_NAME, PATH, INTERFACE, "GetTenant", NULL,
                                           G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                           NULL, NULL);
      pinger->longest = MAX (pinger->longest, g_get_monotonic_time () - start);
      pinger->calls++;
      g_usleep (1000);
    }
  return NULL;
}

/* Sign-ins against the tenant of a running app while GetTenant is timed. */
static void
measure_stall (const char *app,
               const char *data_dir,
               int         n_sign_ins,
               double     *median_ms,
               double     *stall_ms,
               guint      *pings)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *random = sesame_test_random_b64url (32);
  g_autofree char *key = g_strconcat ("sk_", random, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  SesameTestServer server = { 0 };
  SesameTestPasskey *passkey;
  Pinger pinger = { 0 };
  GThread *thread;
  JsonObject *tenant;
  const char *text;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, app, "--automation",
                              "--port", "0", "--data-dir", data_dir, "--secret-key", key, NULL);
  g_assert_no_error (error);
  while (!name_owned ())
    g_usleep (2000);
  reply = g_dbus_connection_call_sync (bus, BUS_NAME, PATH, INTERFACE, "GetTenant", NULL,
                                       G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&s)", &text);
  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  tenant = json_node_get_object (json_parser_get_root (parser));

  /* The test helpers only need the addresses and the keys. */
  server.base_url = g_strdup (json_object_get_string_member (tenant, "baseUrl"));
  server.app_url = g_strdup (json_object_get_string_member (tenant, "sampleAppUrl"));
  server.origin = g_strndup (server.app_url, strlen (server.app_url) - 1);
  server.port = (guint) g_ascii_strtoull (strrchr (server.origin, ':') + 1, NULL, 10);
  server.tenant_id = g_strdup (json_object_get_string_member (tenant, "tenantId"));
  server.secret_key = g_strdup (key);
  server.session = soup_session_new ();

  passkey = sesame_test_register (&server, "bench-user", "bench-user", NULL, NULL);

  thread = g_thread_new ("ping", ping_thread, &pinger);
  for (int i = 0; i < n_sign_ins; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(JsonObject) verified = sesame_test_sign_in (&server, passkey, NULL);
      double ms = (g_get_monotonic_time () - start) / 1000.0;

      g_array_append_val (times, ms);
    }
  g_atomic_int_set (&pinger.stop, TRUE);
  g_thread_join (thread);

  g_array_sort (times, compare_doubles);
  *median_ms = g_array_index (times, double, times->len / 2);
  *stall_ms = pinger.longest / 1000.0;
  *pings = pinger.calls;

  sesame_test_passkey_free (passkey);
  g_clear_object (&server.session);
  g_free (server.base_url);
  g_free (server.app_url);
  g_free (server.origin);
  g_free (server.tenant_id);
  g_free (server.secret_key);
  quit_app (process);
}


int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("sesame-bench-app-XXXXXX", &error);
  g_autofree char *data_dir = NULL;
  g_autofree char *cache_dir = NULL;
  const char *app = argc > 1 ? argv[1] : g_getenv ("SESAME_APP");
  double warm[WARM_RUNS];
  double cold;
  guint64 pss = 0;
  double ceremony_ms, stall_ms;
  guint pings;

  if (!app)
    {
      g_printerr ("usage: sesame-bench-app SESAME-BINARY (or set SESAME_APP)\n");
      return 2;
    }
  g_assert_no_error (error);
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (!bus)
    {
      g_printerr ("sesame-bench-app: no session bus (run it in dbus-run-session): %s\n",
                  error->message);
      return 1;
    }

  /* A fresh cache for the cold start; the warm ones reuse it. */
  data_dir = g_build_filename (tmp, "sesame", NULL);
  cache_dir = g_build_filename (tmp, "cache", NULL);
  g_setenv ("XDG_CACHE_HOME", cache_dir, TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("WEBKIT_DISABLE_COMPOSITING_MODE", "1", FALSE);

  cold = one_start (app, data_dir, NULL);
  for (guint i = 0; i < WARM_RUNS; i++)
    warm[i] = one_start (app, data_dir, i == WARM_RUNS - 1 ? &pss : NULL);
  qsort (warm, WARM_RUNS, sizeof (double), compare_doubles);

  printf ("start → sample app loaded, cold:          %.3f s\n", cold);
  printf ("start → sample app loaded, warm (median): %.3f s (of %d, %.3f–%.3f)\n",
          warm[WARM_RUNS / 2], WARM_RUNS, warm[0], warm[WARM_RUNS - 1]);
  printf ("PSS, app + WebKit processes:              %.1f MiB\n", pss / 1024.0);

  printf ("sign-in click → signed-in page (median): %.1f ms (of 10, prompt auto-accepted)\n",
          measure_ceremony (app, data_dir, 10));

  measure_stall (app, data_dir, 200, &ceremony_ms, &stall_ms, &pings);
  printf ("HTTP sign-in against the in-process tenant: %.2f ms median (200, tests' authenticator)\n",
          ceremony_ms);
  printf ("longest main-loop stall under that load:  %.2f ms (slowest of %u GetTenant calls)\n",
          stall_ms, pings);
  return 0;
}
