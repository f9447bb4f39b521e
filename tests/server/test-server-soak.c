/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Soak: mixed load (track, register, sign in, validate, queries, deletes)
 * against one sesame-server process for a bounded time, with its resident
 * memory read from /proc after a warm-up and at the end. Memory that grows
 * with the number of requests is a leak, in our code or in libsoup's: the
 * growth per 10k requests after the warm-up must stay small, and no request
 * may fail unexpectedly.
 *
 * SESAME_SOAK_SECONDS sets the duration (default 60; 600 for the manual
 * ten-minute run), SESAME_SOAK_CLIENTS the number of concurrent clients and
 * SESAME_SOAK_SEED the load's random choices. Under a sanitizer the memory
 * bound is not asserted (AddressSanitizer keeps freed memory in quarantine
 * on purpose); the figures are still printed. */

#include "config.h"

#include "server-test-load.h"

#include <string.h>

#define DEFAULT_SECONDS 60
#define DEFAULT_CLIENTS 8
/* Generous, so that it never flakes, yet far below what a leak of a few
 * hundred bytes per request adds up to. */
#define MAX_GROWTH_PER_10K (8 * 1024 * 1024)
#define KIB 1024.0
#define MIB (1024.0 * 1024.0)

/* VmRSS of @pid in bytes, from /proc/PID/status. */
static gint64
resident_bytes (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", pid);
  g_autofree char *status = NULL;
  g_autoptr(GError) error = NULL;
  const char *line;
  guint64 kib = 0;

  g_file_get_contents (path, &status, NULL, &error);
  g_assert_no_error (error);
  if (!status)
    return 0;
  line = strstr (status, "\nVmRSS:");
  g_assert_nonnull (line);
  if (!line)
    return 0;
  line += strlen ("\nVmRSS:");
  while (*line == ' ' || *line == '\t')
    line++;
  kib = g_ascii_strtoull (line, NULL, 10);
  g_assert_cmpuint (kib, >, 0);
  return (gint64) kib * 1024;
}

/* Runs the load for @seconds more without stopping it, and says where
 * the memory stands. */
static void
run_for (SesameTestLoad *load,
         const char     *pid,
         guint           seconds,
         guint          *elapsed)
{
  const SesameTestLoadCounts *counts = sesame_test_load_counts (load);

  sesame_test_iterate_for (seconds * 1000);
  *elapsed += seconds;
  g_test_message ("soak: %4u s %8" G_GUINT64_FORMAT " requests, RSS %.1f MiB", *elapsed,
                  counts->requests, resident_bytes (pid) / MIB);
  g_assert_cmpuint (counts->unexpected, ==, 0);
}

static void
test_mixed_load (void)
{
  guint seconds = sesame_test_env_uint ("SESAME_SOAK_SECONDS", DEFAULT_SECONDS);
  guint n_clients = sesame_test_env_uint ("SESAME_SOAK_CLIENTS", DEFAULT_CLIENTS);
  guint32 seed = sesame_test_env_uint ("SESAME_SOAK_SEED",
                                       g_test_rand_int_range (1, G_MAXINT32));
  gboolean sanitized = g_getenv ("SESAME_TEST_SANITIZED") != NULL;
  /* The first quarter (at least 30 s) fills SQLite's page caches, the
   * heap's arenas and libsoup's buffers. */
  guint warm_up = MAX (30, seconds / 4);
  g_autoptr(SesameTestServer) server = NULL;
  g_autoptr(SesameTestLoad) load = NULL;
  const SesameTestLoadCounts *counts;
  const char *pid;
  gint64 start_rss, warm_rss, end_rss;
  guint64 warm_requests, measured;
  double growth, per_10k, limit;
  guint elapsed = 0;

  if (!sesame_test_require_server ())
    return;
  g_assert_cmpuint (seconds, >, warm_up);
  g_test_message ("SESAME_SOAK_SECONDS=%u SESAME_SOAK_CLIENTS=%u SESAME_SOAK_SEED=%u", seconds,
                  n_clients, seed);

  server = sesame_test_server_start (NULL, NULL);
  pid = g_subprocess_get_identifier (server->process);
  g_assert_nonnull (pid);
  start_rss = resident_bytes (pid);

  load = sesame_test_load_new (SESAME_TEST_LOAD_MIXED, n_clients, seed);
  sesame_test_load_set_server (load, server);
  sesame_test_load_start (load);
  counts = sesame_test_load_counts (load);

  while (elapsed < warm_up)
    run_for (load, pid, MIN (warm_up - elapsed, 10), &elapsed);
  warm_rss = resident_bytes (pid);
  warm_requests = counts->requests;
  while (elapsed < seconds)
    run_for (load, pid, MIN (seconds - elapsed, 10), &elapsed);
  end_rss = resident_bytes (pid);
  measured = counts->requests - warm_requests;
  sesame_test_load_stop (load);

  growth = (double) (end_rss - warm_rss);
  per_10k = measured ? growth * 10000.0 / measured : 0;
  g_test_message ("soak: %u s, %u clients: %" G_GUINT64_FORMAT " requests (%.0f/s), %"
                  G_GUINT64_FORMAT " registrations, %" G_GUINT64_FORMAT " sign-ins, %"
                  G_GUINT64_FORMAT " deletes, %" G_GUINT64_FORMAT " unexpected errors",
                  seconds, n_clients, counts->requests, counts->requests / (double) seconds,
                  counts->registrations, counts->sign_ins, counts->deletes, counts->unexpected);
  g_test_message ("soak: RSS %.1f MiB at start, %.1f MiB after %u s of warm-up, %.1f MiB at the "
                  "end; %+.1f KiB over the %" G_GUINT64_FORMAT " requests after warm-up, "
                  "%+.1f KiB per 10k requests",
                  start_rss / MIB, warm_rss / MIB, warm_up, end_rss / MIB, growth / KIB,
                  measured, per_10k / KIB);

  g_assert_cmpuint (counts->unexpected, ==, 0);
  /* Every kind of request ran, many times. */
  g_assert_cmpuint (counts->registrations, >, 0);
  g_assert_cmpuint (counts->sign_ins, >, 0);
  g_assert_cmpuint (counts->deletes, >, 0);
  g_assert_cmpuint (measured, >, 1000);
  /* Under 10k requests, the bound is the one for 10k: a few pages of
   * noise must not extrapolate into a leak. */
  limit = MAX_GROWTH_PER_10K * MAX (1.0, measured / 10000.0);
  if (sanitized)
    g_test_message ("soak: built with a sanitizer, so the memory bound (%.0f MiB) is not "
                    "asserted", limit / MIB);
  else
    g_assert_cmpfloat (growth, <, limit);
  sesame_test_server_stop (server);
}

static void
drop_message (const char     *domain,
              GLogLevelFlags  level,
              const char     *message,
              gpointer        user_data)
{
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* GIO says a few words for every connection the client opens, and it
   * opens tens of thousands. */
  g_log_set_handler ("GLib-GIO", G_LOG_LEVEL_DEBUG, drop_message, NULL);

  g_test_add_func ("/sesame/server/soak/mixed-load", test_mixed_load);
  return g_test_run ();
}
