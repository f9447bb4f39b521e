/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The sesame-server command line: the lines it prints, what it keeps and
 * rotates between starts, the settings it refuses, and a clean exit. */

#include "config.h"

#include "server-test-util.h"

#include <signal.h>
#include <string.h>

/* GET /v1/users/{id} with a secret key: 200 when the key is the tenant's. */
static guint
server_api_status (SesameTestServer *server,
                   const char       *secret_key)
{
  g_autofree char *auth = sesame_test_basic (secret_key, TRUE);
  g_autoptr(SesameTestReply) reply = sesame_test_request (server, "GET", "/v1/users/nobody",
                                                          auth, NULL);

  return reply->status;
}

static char *
temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("sesame-server-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
test_lines (void)
{
  g_autoptr(SesameTestServer) server = NULL;
  g_autofree char *log = NULL;

  if (!sesame_test_require_server ())
    return;
  /* The start helper checks the five lines and their exact form. */
  server = sesame_test_server_start (NULL, NULL);
  g_assert_true (g_uuid_string_is_valid (server->tenant_id));
  g_assert_cmpuint (strlen (server->secret_key), >=, 16);
  g_assert_cmpstr (server->secret_key, !=, server->tenant_id);
  g_assert_cmpuint (server_api_status (server, server->secret_key), ==, 200);

  /* The tenant is "Local development" with RP ID localhost, and the store
   * keeps only a hash of the secret. */
  {
    g_autofree char *name = sesame_test_db_text (server, "SELECT name FROM tenants");
    g_autofree char *rp_id = sesame_test_db_text (server, "SELECT rp_id FROM tenants");
    g_autofree char *db = NULL;
    gsize len = 0;

    g_assert_cmpstr (name, ==, "Local development");
    g_assert_cmpstr (rp_id, ==, "localhost");
    g_assert_true (g_file_get_contents (sesame_test_server_db_path (server), &db, &len, NULL));
    g_assert_null (memmem (db, len, server->secret_key, strlen (server->secret_key)));
  }

  sesame_test_server_stop (server);
  /* Secrets appear only in the startup lines, never in the log. */
  if (g_file_get_contents (server->log_path, &log, NULL, NULL))
    g_assert_null (strstr (log, server->secret_key));
}

static void
test_pinned (void)
{
  g_autoptr(SesameTestServer) server = NULL;

  if (!sesame_test_require_server ())
    return;
  server = sesame_test_server_start (NULL, "--tenant-id", "acme-dev", "--secret-key",
                                     "sk_test_pinned_0123456789", NULL);
  g_assert_cmpstr (server->tenant_id, ==, "acme-dev");
  g_assert_cmpstr (server->secret_key, ==, "sk_test_pinned_0123456789");
  g_assert_cmpuint (server_api_status (server, "sk_test_pinned_0123456789"), ==, 200);

  /* The same again on the same data: the same tenant and key, one tenant. */
  server = sesame_test_server_restart (server, TRUE, NULL);
  g_assert_cmpstr (server->tenant_id, ==, "acme-dev");
  g_assert_cmpstr (server->secret_key, ==, "sk_test_pinned_0123456789");
  g_assert_cmpuint (server_api_status (server, "sk_test_pinned_0123456789"), ==, 200);
  g_assert_cmpint (sesame_test_db_int (server, "SELECT count(*) FROM tenants"), ==, 1);
  sesame_test_server_stop (server);
}

/* The key from the environment, where other local users cannot read it
 * (unlike an argument in /proc/PID/cmdline); the option wins over it. */
static void
test_secret_from_environment (void)
{
  g_autoptr(SesameTestServer) from_env = NULL;
  g_autoptr(SesameTestServer) from_option = NULL;

  if (!sesame_test_require_server ())
    return;
  g_setenv ("SESAME_SECRET_KEY", "sk_test_from_environment_0123", TRUE);
  from_env = sesame_test_server_start (NULL, NULL);
  from_option = sesame_test_server_start (NULL, "--secret-key", "sk_test_from_option_0123", NULL);
  g_unsetenv ("SESAME_SECRET_KEY");

  g_assert_cmpstr (from_env->secret_key, ==, "sk_test_from_environment_0123");
  g_assert_cmpuint (server_api_status (from_env, "sk_test_from_environment_0123"), ==, 200);
  g_assert_cmpstr (from_option->secret_key, ==, "sk_test_from_option_0123");
  sesame_test_server_stop (from_env);
  sesame_test_server_stop (from_option);
}

static void
test_secret_rotates (void)
{
  g_autoptr(SesameTestServer) server = NULL;
  g_autofree char *first_tenant = NULL;
  g_autofree char *first_key = NULL;

  if (!sesame_test_require_server ())
    return;
  server = sesame_test_server_start (NULL, NULL);
  first_tenant = g_strdup (server->tenant_id);
  first_key = g_strdup (server->secret_key);

  server = sesame_test_server_restart (server, FALSE, NULL);
  g_assert_cmpstr (server->tenant_id, ==, first_tenant);
  g_assert_cmpstr (server->secret_key, !=, first_key);
  g_assert_cmpuint (server_api_status (server, server->secret_key), ==, 200);
  {
    g_autofree char *auth = sesame_test_basic (first_key, TRUE);
    g_autoptr(SesameTestReply) reply = sesame_test_request (server, "GET", "/v1/users/nobody",
                                                            auth, NULL);
    sesame_test_assert_error (reply, "unauthorized");
  }
  g_assert_cmpint (sesame_test_db_int (server, "SELECT count(*) FROM tenants"), ==, 1);
  sesame_test_server_stop (server);
}

static void
run_refused (const char * const *extra,
             int                 expected_status,
             const char         *needle)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *output = NULL;
  int status;

  g_ptr_array_add (args, (gpointer) "--port");
  g_ptr_array_add (args, (gpointer) "0");
  g_ptr_array_add (args, (gpointer) "--data-dir");
  g_ptr_array_add (args, data);
  for (gsize i = 0; extra[i]; i++)
    g_ptr_array_add (args, (gpointer) extra[i]);
  g_ptr_array_add (args, NULL);

  status = sesame_test_server_run_to_exit ((const char * const *) args->pdata, &output);
  g_test_message ("output: %s", output);
  g_assert_cmpint (status, ==, expected_status);
  if (needle)
    g_assert_nonnull (strstr (output, needle));
  /* It must not have announced itself as running. */
  g_assert_null (strstr (output, "Sesame local tenant is running."));
  g_assert_null (strstr (output, "Secret key:"));

  sesame_test_remove_tree (dir);
}

static void
test_rp_id_with_port (void)
{
  const char *args[] = { "--rp-id", "localhost:3000", NULL };

  if (!sesame_test_require_server ())
    return;
  /* The tenant rules' own message, naming the fix. */
  run_refused (args, 1, "without a port");
}

static void
test_origin_outside_rp_id (void)
{
  const char *args[] = { "--origin", "https://example.com", NULL };
  const char *args_with_rp[] = { "--rp-id", "example.com", "--origin", "https://login.example.org",
                                 NULL };

  if (!sesame_test_require_server ())
    return;
  run_refused (args, 1, "is not on the Relying Party ID");
  run_refused (args_with_rp, 1, "is not on the Relying Party ID");
}

static void
test_busy_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *port = NULL;
  const char *args[] = { "--port", NULL, NULL };

  if (!sesame_test_require_server ())
    return;
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  g_assert_true (g_socket_listen (socket, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_strdup_printf ("%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  args[1] = port;
  /* The later --port wins over the helper's --port 0; the message names
   * the port. */
  run_refused (args, 1, port);
}

static void
test_bad_usage (void)
{
  const char *bad_port[] = { "--port", "seventy", NULL };
  const char *unknown[] = { "--no-such-option", NULL };
  const char *bad_lifetime[] = { "--challenge-lifetime", "soon", NULL };

  if (!sesame_test_require_server ())
    return;
  run_refused (bad_port, 2, NULL);
  run_refused (unknown, 2, NULL);
  run_refused (bad_lifetime, 2, NULL);
}

static void
test_signals (void)
{
  g_autoptr(SesameTestServer) server = NULL;

  if (!sesame_test_require_server ())
    return;
  /* SIGTERM: the helper asserts exit status 0. */
  server = sesame_test_server_start (NULL, NULL);
  sesame_test_server_stop (server);

  /* SIGINT, as Ctrl+C sends it, exits cleanly too, and the data survives. */
  server = sesame_test_server_restart (server, TRUE, NULL);
  sesame_test_server_stop_with (server, SIGINT);
  g_assert_cmpint (sesame_test_db_int (server, "SELECT count(*) FROM tenants"), ==, 1);
}

static void
test_serves_after_restart (void)
{
  g_autoptr(SesameTestServer) server = NULL;
  g_autoptr(SesameTestPasskey) passkey = NULL;

  if (!sesame_test_require_server ())
    return;
  /* What was registered before a restart signs in after it. */
  server = sesame_test_server_start (NULL, NULL);
  passkey = sesame_test_register (server, "alice", "alice", NULL, NULL);
  server = sesame_test_server_restart (server, FALSE, NULL);
  sesame_test_assert_signs_in (server, passkey, "alice");
  sesame_test_server_stop (server);
}

/* Durability: what was answered with success is committed before the
 * reply, so a SIGKILL right after it (no shutdown, no checkpoint) loses
 * nothing: the WAL holds it, and a new server reads it. */
static void
test_survives_sigkill (void)
{
  g_autoptr(SesameTestServer) server = NULL;
  g_autoptr(SesameTestPasskey) passkey = NULL;
  g_autoptr(JsonObject) signed_in = NULL;
  g_autoptr(JsonObject) again = NULL;

  if (!sesame_test_require_server ())
    return;
  server = sesame_test_server_start (NULL, NULL);
  passkey = sesame_test_register (server, "alice", "alice", NULL, NULL);
  signed_in = sesame_test_sign_in (server, passkey, NULL);
  g_assert_cmpstr (sesame_test_get_string (signed_in, "userId"), ==, "alice");

  g_clear_object (&server->session);
  g_subprocess_force_exit (server->process);
  g_assert_true (g_subprocess_wait (server->process, NULL, NULL));
  g_assert_true (g_subprocess_get_if_signaled (server->process));
  g_assert_cmpint (g_subprocess_get_term_sig (server->process), ==, SIGKILL);
  g_clear_object (&server->process);

  g_assert_cmpint (sesame_test_db_int (server, "SELECT count(*) FROM passkeys"), ==, 1);
  g_assert_cmpint (sesame_test_db_int (server, "SELECT sign_count FROM passkeys"), ==,
                   passkey->sign_count);
  g_assert_cmpint (sesame_test_db_int (server, "SELECT count(*) FROM events WHERE "
                                               "kind = 'authentication' AND outcome = 'success'"),
                   ==, 1);

  /* The counter it kept is the one the next sign-in must pass. */
  server = sesame_test_server_restart (server, TRUE, NULL);
  again = sesame_test_sign_in (server, passkey, NULL);
  g_assert_cmpstr (sesame_test_get_string (again, "userId"), ==, "alice");
  sesame_test_server_stop (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/sesame/server/startup/lines", test_lines);
  g_test_add_func ("/sesame/server/startup/pinned-tenant-and-key", test_pinned);
  g_test_add_func ("/sesame/server/startup/secret-rotates", test_secret_rotates);
  g_test_add_func ("/sesame/server/startup/secret-from-environment", test_secret_from_environment);
  g_test_add_func ("/sesame/server/startup/rp-id-with-port", test_rp_id_with_port);
  g_test_add_func ("/sesame/server/startup/origin-outside-rp-id", test_origin_outside_rp_id);
  g_test_add_func ("/sesame/server/startup/busy-port", test_busy_port);
  g_test_add_func ("/sesame/server/startup/bad-usage", test_bad_usage);
  g_test_add_func ("/sesame/server/startup/signals", test_signals);
  g_test_add_func ("/sesame/server/startup/serves-after-restart", test_serves_after_restart);
  g_test_add_func ("/sesame/server/startup/survives-sigkill", test_survives_sigkill);
  return g_test_run ();
}
