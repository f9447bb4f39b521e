/* SPDX-License-Identifier: GPL-3.0-or-later */

/* sesame-server: the local tenant without the window. It serves the
 * Authsignal-compatible Client and Server APIs and the sample app on
 * loopback, prints where they are (tests read these lines), and runs until
 * SIGINT or SIGTERM. */

#include "config.h"

#include "sesame-server.h"
#include "sesame-store.h"
#include "sesame-tenant-command.h"
#include "sesame-tenant-types.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>

enum
{
  EXIT_OK = 0,
  EXIT_FAILED = 1,   /* a bad setting, a busy port, an unusable data directory */
  EXIT_USAGE = 2,    /* the command line itself is wrong */
};

#define DATABASE_NAME "sesame.db"
/* Often enough that the WAL stays small under load (a passive checkpoint
 * copies only what no reader still needs), rarely enough to cost nothing. */
#define CHECKPOINT_INTERVAL_MS 1000

static int opt_port = SESAME_SERVER_DEFAULT_PORT;
static char *opt_bind;
static char *opt_data_dir;
static char *opt_rp_id;
static char **opt_origins;
static char *opt_tenant_id;
static char *opt_secret_key;
static gint64 opt_challenge_lifetime = -1;   /* -1: not given */
static char *opt_user_verification;
static int opt_idle_timeout = -1;      /* -1: not given */
static int opt_request_timeout = -1;
static gint64 opt_event_retention = -1;
static int opt_workers = -1;           /* -1: one per processor */
static gboolean opt_version;

static const GOptionEntry entries[] = {
  { "port", 0, 0, G_OPTION_ARG_INT, &opt_port,
    "Port to listen on (default 7878; 0: any free port)", "N" },
  { "bind", 0, 0, G_OPTION_ARG_STRING, &opt_bind,
    "IP address to listen on (default 127.0.0.1)", "ADDR" },
  { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_data_dir,
    "Where the tenant's data lives (default $XDG_DATA_HOME/sesame)", "DIR" },
  { "rp-id", 0, 0, G_OPTION_ARG_STRING, &opt_rp_id,
    "Relying Party ID of the tenant (default localhost)", "ID" },
  { "origin", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_origins,
    "An expected origin besides the sample app's own (repeatable)", "URL" },
  { "tenant-id", 0, 0, G_OPTION_ARG_STRING, &opt_tenant_id,
    "Use this tenant ID instead of a random one", "ID" },
  { "secret-key", 0, 0, G_OPTION_ARG_STRING, &opt_secret_key,
    "Set this secret key instead of rotating it on every start (or set "
    "SESAME_SECRET_KEY, which other users cannot see in the process list)", "KEY" },
  { "challenge-lifetime", 0, 0, G_OPTION_ARG_INT64, &opt_challenge_lifetime,
    "Seconds a WebAuthn challenge stays valid (default 300)", "SECONDS" },
  { "user-verification", 0, 0, G_OPTION_ARG_STRING, &opt_user_verification,
    "The tenant's user verification policy: required, preferred or discouraged "
    "(default preferred; kept between starts)", "POLICY" },
  { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &opt_idle_timeout,
    "Seconds a connection may stay silent before it is closed (default 60; 0: never)",
    "SECONDS" },
  { "request-timeout", 0, 0, G_OPTION_ARG_INT, &opt_request_timeout,
    "Seconds a request has to arrive in full (default 30; 0: no limit)", "SECONDS" },
  { "event-retention", 0, 0, G_OPTION_ARG_INT64, &opt_event_retention,
    "Events kept per tenant, the newest ones (default 100000; 0: keep all)", "N" },
  { "workers", 0, 0, G_OPTION_ARG_INT, &opt_workers,
    "Worker threads for the API's requests (default: one per processor; 0: none, "
    "every request on the main thread)", "N" },
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version,
    "Print the version and exit", NULL },
  { NULL }
};

static gboolean stopping;

static gboolean
quit_cb (gpointer user_data)
{
  GMainLoop *loop = user_data;

  stopping = TRUE;
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

static int
usage_error (GOptionContext *context,
             const char     *message)
{
  g_printerr ("sesame-server: %s\nTry “sesame-server --help”.\n", message);
  return EXIT_USAGE;
}

static int
run (GMainLoop *loop,
     int        argc,
     char     **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameStore) store = NULL;
  g_autoptr(SesameServer) server = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *secret_key = NULL;
  SesameLocalTenantOptions options = { 0 };
  SesameUserVerification user_verification;

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                "Run Sesame's local tenant: the Authsignal-compatible Client and "
                                "Server APIs\nunder /v1 and the sample app, on loopback.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (opt_version)
    {
      printf ("sesame-server %s\n", PACKAGE_VERSION);
      return EXIT_OK;
    }
  if (argc > 1)
    {
      g_autofree char *message = g_strdup_printf ("unexpected argument “%s”", argv[1]);
      return usage_error (context, message);
    }
  if (opt_port < 0 || opt_port > G_MAXUINT16)
    return usage_error (context, "--port takes a port number from 0 to 65535");
  if (opt_user_verification &&
      !sesame_user_verification_from_string (opt_user_verification, &user_verification))
    return usage_error (context, "--user-verification takes required, preferred or discouraged");
  if (opt_challenge_lifetime != -1 &&
      (opt_challenge_lifetime < 1 || opt_challenge_lifetime > 24 * 60 * 60))
    return usage_error (context, "--challenge-lifetime takes 1 to 86400 seconds");
  if (opt_idle_timeout < -1 || opt_idle_timeout > 24 * 60 * 60)
    return usage_error (context, "--idle-timeout takes 0 to 86400 seconds");
  if (opt_request_timeout < -1 || opt_request_timeout > 24 * 60 * 60)
    return usage_error (context, "--request-timeout takes 0 to 86400 seconds");
  if (opt_event_retention < -1 || opt_event_retention > G_MAXUINT32)
    return usage_error (context, "--event-retention takes a number of events (0: keep all)");
  if (opt_workers < -1 || opt_workers > SESAME_SERVER_MAX_WORKERS)
    return usage_error (context, "--workers takes 0 to 256 threads");
  if (opt_bind && !g_hostname_is_ip_address (opt_bind))
    return usage_error (context, "--bind takes an IP address, e.g. 127.0.0.1 or 0.0.0.0");

  data_dir = opt_data_dir ? g_strdup (opt_data_dir)
                          : g_build_filename (g_get_user_data_dir (), "sesame", NULL);
  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_printerr ("sesame-server: cannot create the data directory %s: %s\n", data_dir,
                  g_strerror (saved_errno));
      return EXIT_FAILED;
    }
  db_path = g_build_filename (data_dir, DATABASE_NAME, NULL);
  store = sesame_store_open (db_path, &error);
  if (!store)
    {
      g_printerr ("sesame-server: %s\n", error->message);
      return EXIT_FAILED;
    }
  if (opt_event_retention >= 0)
    sesame_store_set_event_retention (store, (guint) opt_event_retention);
  /* A request never waits for a checkpoint's fsync. */
  if (!sesame_store_checkpoint_in_background (store, CHECKPOINT_INTERVAL_MS, &error))
    {
      g_printerr ("sesame-server: %s\n", error->message);
      return EXIT_FAILED;
    }

  server = opt_workers >= 0 ? sesame_server_new_full (store, (guint) opt_workers, &error)
                            : sesame_server_new (store, &error);
  if (!server)
    {
      g_printerr ("sesame-server: %s\n", error->message);
      return EXIT_FAILED;
    }
  if (opt_idle_timeout >= 0 || opt_request_timeout >= 0)
    sesame_server_set_timeouts (server,
                                opt_idle_timeout >= 0 ? (guint) opt_idle_timeout
                                                      : SESAME_SERVER_IDLE_TIMEOUT,
                                opt_request_timeout >= 0 ? (guint) opt_request_timeout
                                                         : SESAME_SERVER_REQUEST_TIMEOUT);
  if (!sesame_server_listen (server, opt_bind, (guint) opt_port, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        g_printerr ("sesame-server: port %d on %s is already in use; stop what uses it or "
                    "choose another with --port (0 picks a free one)\n", opt_port,
                    opt_bind ? opt_bind : "127.0.0.1");
      else
        g_printerr ("sesame-server: cannot listen on %s port %d: %s\n",
                    opt_bind ? opt_bind : "127.0.0.1", opt_port, error->message);
      return EXIT_FAILED;
    }

  options.tenant_id = opt_tenant_id;
  options.rp_id = opt_rp_id;
  options.origins = (const char * const *) opt_origins;
  /* A command-line argument is visible to every local user in /proc; the
   * environment is not. The option wins when both are given. */
  if (!opt_secret_key && g_getenv ("SESAME_SECRET_KEY") && *g_getenv ("SESAME_SECRET_KEY"))
    opt_secret_key = g_strdup (g_getenv ("SESAME_SECRET_KEY"));
  options.secret_key = opt_secret_key;
  options.challenge_lifetime = MAX (opt_challenge_lifetime, 0);
  options.user_verification = opt_user_verification;
  if (!sesame_server_setup_local_tenant (server, &options, &secret_key, &error))
    {
      g_printerr ("sesame-server: %s\n", error->message);
      return EXIT_FAILED;
    }
  sesame_server_start_sample_app (server, secret_key);
  /* A bound lowered since the last run holds from the start. */
  if (!sesame_store_trim_events (store, NULL, &error))
    {
      g_printerr ("sesame-server: %s\n", error->message);
      return EXIT_FAILED;
    }

  /* The contract the tests parse: these lines, then a flush. */
  printf ("Sesame local tenant is running.\n"
          "  API base URL: %s\n"
          "  Tenant ID:    %s\n"
          "  Secret key:   %s\n"
          "  Sample app:   %s\n",
          sesame_server_get_base_url (server),
          sesame_server_get_tenant_id (server),
          secret_key,
          sesame_server_get_app_url (server));
  fflush (stdout);

  /* A signal that came during start-up is dispatched by this first
   * iteration. */
  while (g_main_context_iteration (NULL, FALSE) && !stopping)
    ;
  if (!stopping)
    g_main_loop_run (loop);

  sesame_server_disconnect (server);
  return EXIT_OK;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GMainLoop) loop = NULL;
  guint sigint, sigterm;
  int status;

  setlocale (LC_ALL, "");
  /* Standard output carries only the lines the tests parse; every log
   * message, debug ones included, goes to standard error. */
  g_log_writer_default_set_use_stderr (TRUE);

  /* `sesame-server tenant …` administers tenants and does not serve. */
  if (argc > 1 && g_str_equal (argv[1], "tenant"))
    return sesame_tenant_command_run (argc - 1, argv + 1);

  /* Handled from the start: a test may stop the server the moment it has
   * read the lines, and a signal that arrives before the loop runs must
   * still end it cleanly. */
  loop = g_main_loop_new (NULL, FALSE);
  sigint = g_unix_signal_add (SIGINT, quit_cb, loop);
  sigterm = g_unix_signal_add (SIGTERM, quit_cb, loop);

  status = run (loop, argc, argv);

  g_source_remove (sigint);
  g_source_remove (sigterm);

  g_free (opt_bind);
  g_free (opt_data_dir);
  g_free (opt_rp_id);
  g_strfreev (opt_origins);
  g_free (opt_tenant_id);
  g_free (opt_secret_key);
  return status;
}
