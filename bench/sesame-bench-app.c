/* SPDX-License-Identifier: GPL-3.0-or-later */

/* sesame-bench-app: how fast the window is ready, and what it costs.
 *
 * Starts `sesame --automation --port 0` (the binary in $SESAME_APP or the
 * first argument) on a fresh data folder, and measures through the
 * automation interface:
 *   - process start → the sample app loaded in the view, the first run on
 *     an empty cache (cold) and the median of the warm runs after it;
 *   - PSS of the app and its WebKit processes (GSK_RENDERER=cairo), read
 *     from /proc/PID/smaps_rollup after the page has loaded.
 * Run it inside a display and a session bus, e.g.
 *   xvfb-run -a dbus-run-session -- _build/bench/sesame-bench-app */

#include "config.h"

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
  return 0;
}
