/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Many, slow and silent clients, on raw TCP sockets: a burst of
 * simultaneous connections is accepted in full (the listen backlog), a
 * crowd of clients trickling their headers does not stop a normal client,
 * connections that stay silent or never finish their request are closed by
 * the server, and connections the clients close are let go of at once. */

#include "config.h"

#include "server-test-util.h"

#include <signal.h>
#include <string.h>

#define BURST            300
#define SLOW_CLIENTS     200
#define TRICKLE_MS       100
/* Generous bounds for a loaded CI machine; what is measured is printed. */
#define REPLY_WITHIN_S   10
#define CLOSING_CLIENTS  400

static const char simple_request[] =
  "GET /v1/users HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

static GSocket *
connect_socket (SesameTestServer *server,
                gboolean          blocking)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, server->port);
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_socket_set_blocking (socket, blocking);
  if (!g_socket_connect (socket, address, NULL, &error))
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  return g_steal_pointer (&socket);
}

static void
send_text (GSocket    *socket,
           const char *text)
{
  g_autoptr(GError) error = NULL;
  gsize len = strlen (text);

  for (gsize sent = 0; sent < len;)
    {
      gssize n = g_socket_send (socket, text + sent, len - sent, NULL, &error);

      g_assert_no_error (error);
      sent += n;
    }
}

/* Reads until the server closes the connection or @timeout_s pass; the
 * text read goes to @text (may be NULL). Returns TRUE when the server
 * closed it (end of file or reset). */
static gboolean
read_until_closed (GSocket  *socket,
                   guint     timeout_s,
                   GString  *text)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  g_socket_set_blocking (socket, TRUE);
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) error = NULL;
      char buffer[4096];
      gssize n;

      g_socket_set_timeout (socket,
                            MAX (1, (deadline - g_get_monotonic_time ()) / G_USEC_PER_SEC));
      n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);
      if (n == 0 || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
        return TRUE;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        return FALSE;
      g_assert_no_error (error);
      if (text)
        g_string_append_len (text, buffer, n);
    }
  return FALSE;
}

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

/* The backlog the kernel keeps for the server's listening socket: for a
 * listening socket, ss reports it as Send-Q. */
static gint64
listen_backlog (guint port)
{
  g_autofree char *filter = g_strdup_printf ("sport = :%u", port);
  const char *argv[] = { "ss", "-ltnH", "-4", filter, NULL };
  g_autofree char *out = NULL;
  g_auto(GStrv) fields = NULL;
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, &status, NULL) || status != 0 || !*out)
    return -1;
  /* State Recv-Q Send-Q Local Peer */
  fields = g_regex_split_simple ("\\s+", g_strstrip (out), 0, 0);
  return g_strv_length (fields) >= 3 ? g_ascii_strtoll (fields[2], NULL, 10) : -1;
}

/* 300 clients connect at the same moment while the server is not
 * accepting at all (stopped): the kernel completes every handshake only
 * if the backlog holds them all. Then every one of them is answered. */
static void
test_burst (void)
{
  g_autoptr(SesameTestServer) server = NULL;
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  guint connected = 0, answered = 0;
  gint64 backlog, start, deadline;

  if (!sesame_test_require_server ())
    return;
  server = sesame_test_server_start (NULL, NULL);
  backlog = listen_backlog (server->port);
  g_test_message ("listen backlog: %" G_GINT64_FORMAT, backlog);
  if (backlog >= 0)
    g_assert_cmpint (backlog, >=, BURST);

  g_subprocess_send_signal (server->process, SIGSTOP);
  for (guint i = 0; i < BURST; i++)
    g_ptr_array_add (sockets, connect_socket (server, FALSE));

  /* Loopback handshakes take microseconds; the kernel does them alone. */
  deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  for (guint i = 0; i < sockets->len; i++)
    {
      GSocket *socket = g_ptr_array_index (sockets, i);
      gint64 left = MAX (deadline - g_get_monotonic_time (), 0);

      if (g_socket_condition_timed_wait (socket, G_IO_OUT, left, NULL, NULL) &&
          g_socket_check_connect_result (socket, NULL))
        {
          connected++;
          g_socket_set_blocking (socket, TRUE);
          send_text (socket, simple_request);
        }
    }
  g_test_message ("%u of %u connections established while the server was stopped", connected,
                  BURST);
  g_assert_cmpuint (connected, ==, BURST);

  g_subprocess_send_signal (server->process, SIGCONT);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < sockets->len; i++)
    {
      g_autoptr(GString) reply = g_string_new (NULL);

      if (read_until_closed (g_ptr_array_index (sockets, i), REPLY_WITHIN_S, reply) &&
          g_str_has_prefix (reply->str, "HTTP/1.1 401 "))
        answered++;
    }
  g_test_message ("%u of %u answered, the last %.3f s after the server went on", answered,
                  BURST, seconds_since (start));
  g_assert_cmpuint (answered, ==, BURST);
  sesame_test_server_stop (server);
}

/* Slow clients: each trickles an endless header, one byte at a time. */

typedef struct
{
  GPtrArray *sockets;
  gint       stop;
  GArray    *closed_after;   /* double seconds, per socket; 0: still open */
  gint64     start;
} Trickle;

static gpointer
trickle_thread (gpointer user_data)
{
  Trickle *trickle = user_data;
  guint n_open = trickle->sockets->len;

  while (!g_atomic_int_get (&trickle->stop) && n_open > 0)
    {
      for (guint i = 0; i < trickle->sockets->len; i++)
        {
          GSocket *socket = g_ptr_array_index (trickle->sockets, i);
          double *closed = &g_array_index (trickle->closed_after, double, i);
          char byte[1] = { 'a' };
          char buffer[256];
          g_autoptr(GError) error = NULL;
          gssize n;

          if (*closed > 0)
            continue;
          /* The server closing it shows as end of file, or as a reset. */
          n = g_socket_receive_with_blocking (socket, buffer, sizeof buffer, FALSE, NULL, &error);
          if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_clear_error (&error);
              n = g_socket_send_with_blocking (socket, byte, 1, FALSE, NULL, &error);
              if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
                n = 1;
            }
          if (n <= 0)
            {
              *closed = seconds_since (trickle->start);
              n_open--;
            }
        }
      g_usleep (TRICKLE_MS * 1000);
    }
  return NULL;
}

static Trickle *
trickle_start (SesameTestServer *server,
               guint             n_clients)
{
  Trickle *trickle = g_new0 (Trickle, 1);

  trickle->sockets = g_ptr_array_new_with_free_func (g_object_unref);
  trickle->closed_after = g_array_new (FALSE, TRUE, sizeof (double));
  g_array_set_size (trickle->closed_after, n_clients);
  for (guint i = 0; i < n_clients; i++)
    {
      GSocket *socket = connect_socket (server, TRUE);

      send_text (socket, "GET /v1/users HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
      g_ptr_array_add (trickle->sockets, socket);
    }
  trickle->start = g_get_monotonic_time ();
  return trickle;
}

static guint
trickle_n_closed (Trickle *trickle)
{
  guint n = 0;

  for (guint i = 0; i < trickle->closed_after->len; i++)
    if (g_array_index (trickle->closed_after, double, i) > 0)
      n++;
  return n;
}

static void
trickle_free (Trickle *trickle)
{
  g_ptr_array_unref (trickle->sockets);
  g_array_unref (trickle->closed_after);
  g_free (trickle);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Trickle, trickle_free)

static void
test_slow_clients (void)
{
  g_autoptr(SesameTestServer) server = NULL;
  g_autoptr(Trickle) trickle = NULL;
  g_autoptr(GThread) thread = NULL;
  double slowest = 0, first_closed = G_MAXDOUBLE, last_closed = 0;
  const guint request_timeout = 4;

  if (!sesame_test_require_server ())
    return;
  server = sesame_test_server_start (NULL, "--request-timeout", "4", NULL);
  trickle = trickle_start (server, SLOW_CLIENTS);
  thread = g_thread_new ("trickle", trickle_thread, trickle);

  /* A normal client meanwhile: registrations and sign-ins, each timed. */
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *user = g_strdup_printf ("normal-%u", i);
      gint64 start = g_get_monotonic_time ();
      g_autoptr(SesameTestPasskey) passkey = sesame_test_register (server, user, user, NULL, NULL);
      g_autoptr(JsonObject) signed_in = sesame_test_sign_in (server, passkey, NULL);

      g_assert_cmpstr (sesame_test_get_string (signed_in, "userId"), ==, user);
      slowest = MAX (slowest, seconds_since (start));
    }
  g_test_message ("with %u clients trickling headers, the slowest registration + sign-in took "
                  "%.3f s", SLOW_CLIENTS, slowest);
  g_assert_cmpfloat (slowest, <, 2.0);
  /* They were all still there while the normal client worked. */
  g_assert_cmpfloat (seconds_since (trickle->start), <, request_timeout);
  g_assert_cmpuint (trickle_n_closed (trickle), ==, 0);

  /* And the server drops them once their time is up. */
  g_thread_join (g_steal_pointer (&thread));
  for (guint i = 0; i < trickle->closed_after->len; i++)
    {
      double closed = g_array_index (trickle->closed_after, double, i);

      g_assert_cmpfloat (closed, >, 0);
      first_closed = MIN (first_closed, closed);
      last_closed = MAX (last_closed, closed);
    }
  g_test_message ("the server closed the slow connections after %.2f to %.2f s (request "
                  "timeout %u s)", first_closed, last_closed, request_timeout);
  g_assert_cmpfloat (first_closed, >=, request_timeout - 0.5);
  g_assert_cmpfloat (last_closed, <, request_timeout + 4);
  sesame_test_server_stop (server);
}

/* A connection that never says anything is closed after the idle
 * timeout, and so is a kept-alive one after its last reply. */
static void
test_idle_timeout (void)
{
  g_autoptr(SesameTestServer) server = NULL;
  g_autoptr(GSocket) silent = NULL;
  g_autoptr(GSocket) kept = NULL;
  g_autoptr(GString) reply = g_string_new (NULL);
  gint64 start;
  double waited;

  if (!sesame_test_require_server ())
    return;
  server = sesame_test_server_start (NULL, "--idle-timeout", "1", NULL);

  start = g_get_monotonic_time ();
  silent = connect_socket (server, TRUE);
  g_assert_true (read_until_closed (silent, REPLY_WITHIN_S, NULL));
  waited = seconds_since (start);
  g_test_message ("a silent connection was closed after %.2f s", waited);
  g_assert_cmpfloat (waited, >=, 0.9);
  g_assert_cmpfloat (waited, <, 4);

  kept = connect_socket (server, TRUE);
  send_text (kept, "GET /v1/users HTTP/1.1\r\nHost: localhost\r\n\r\n");
  start = g_get_monotonic_time ();
  g_assert_true (read_until_closed (kept, REPLY_WITHIN_S, reply));
  waited = seconds_since (start);
  g_assert_true (g_str_has_prefix (reply->str, "HTTP/1.1 401 "));
  g_test_message ("a kept-alive connection was closed %.2f s after its request", waited);
  g_assert_cmpfloat (waited, >=, 0.9);
  g_assert_cmpfloat (waited, <, 4);
  sesame_test_server_stop (server);
}

/* A request whose headers or body stop short is dropped after the request
 * timeout, even though bytes keep coming; one that is slow but arrives in
 * time is answered. */
static void
test_request_timeout (void)
{
  g_autoptr(SesameTestServer) server = NULL;
  g_autoptr(GSocket) headers = NULL;
  g_autoptr(GSocket) body = NULL;
  g_autoptr(GSocket) slow = NULL;
  g_autoptr(GString) reply = g_string_new (NULL);
  g_autofree char *secret_auth = NULL;
  g_autofree char *request = NULL;
  gint64 start;
  double waited;

  if (!sesame_test_require_server ())
    return;
  server = sesame_test_server_start (NULL, "--request-timeout", "1", NULL);

  /* Headers that never end, a byte every 100 ms (so never idle). */
  headers = connect_socket (server, TRUE);
  start = g_get_monotonic_time ();
  send_text (headers, "GET /v1/users HTTP/1.1\r\nHost: localhost\r\n");
  while (seconds_since (start) < 5)
    {
      char byte[1] = { 'x' };

      if (g_socket_condition_check (headers, G_IO_IN | G_IO_HUP | G_IO_ERR) ||
          g_socket_send (headers, byte, 1, NULL, NULL) < 0)
        break;
      g_usleep (TRICKLE_MS * 1000);
    }
  g_assert_true (read_until_closed (headers, REPLY_WITHIN_S, NULL));
  waited = seconds_since (start);
  g_test_message ("unending headers were cut off after %.2f s", waited);
  g_assert_cmpfloat (waited, >=, 0.9);
  g_assert_cmpfloat (waited, <, 4);

  /* A body shorter than its Content-Length. */
  secret_auth = sesame_test_secret_auth (server);
  body = connect_socket (server, TRUE);
  request = g_strdup_printf ("POST /v1/users/alice/actions/signIn HTTP/1.1\r\nHost: localhost\r\n"
                             "Authorization: %s\r\nContent-Type: application/json\r\n"
                             "Content-Length: 100\r\n\r\n{\"redirectUrl\":", secret_auth);
  start = g_get_monotonic_time ();
  send_text (body, request);
  g_assert_true (read_until_closed (body, REPLY_WITHIN_S, reply));
  waited = seconds_since (start);
  g_test_message ("a body that stopped short was cut off after %.2f s", waited);
  g_assert_cmpstr (reply->str, ==, "");
  g_assert_cmpfloat (waited, >=, 0.9);
  g_assert_cmpfloat (waited, <, 4);
  g_assert_cmpint (sesame_test_db_int (server, "SELECT count(*) FROM actions"), ==, 0);

  /* Slow, but whole within the second. */
  slow = connect_socket (server, TRUE);
  for (gsize at = 0; at < strlen (simple_request); at += 8)
    {
      g_autofree char *part = g_strndup (simple_request + at, 8);

      send_text (slow, part);
      g_usleep (60 * 1000);
    }
  g_string_truncate (reply, 0);
  g_assert_true (read_until_closed (slow, REPLY_WITHIN_S, reply));
  g_assert_true (g_str_has_prefix (reply->str, "HTTP/1.1 401 "));
  sesame_test_server_stop (server);
}

static void
test_bad_timeouts (void)
{
  const char *negative[] = { "--idle-timeout", "-5", NULL };
  const char *huge[] = { "--request-timeout", "100000", NULL };
  g_autofree char *out1 = NULL, *out2 = NULL;

  if (!sesame_test_require_server ())
    return;
  g_assert_cmpint (sesame_test_server_run_to_exit (negative, &out1), ==, 2);
  g_assert_nonnull (strstr (out1, "--idle-timeout takes 0 to 86400 seconds"));
  g_assert_cmpint (sesame_test_server_run_to_exit (huge, &out2), ==, 2);
  g_assert_nonnull (strstr (out2, "--request-timeout takes 0 to 86400 seconds"));
}

static guint
count_descriptors (SesameTestServer *server)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/fd",
                                           g_subprocess_get_identifier (server->process));
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (dir && g_dir_read_name (dir))
    n++;
  return n;
}

/* Clients that close their kept-alive connection after one reply, as many
 * HTTP clients do: libsoup 3.2 alone keeps each such connection, in
 * CLOSE_WAIT, for good, until the server runs out of descriptors. The
 * server must let go of every one of them. */
static void
test_closed_by_client (void)
{
  g_autoptr(SesameTestServer) server = NULL;
  g_autoptr(SesameTestReply) reply = NULL;
  guint before, after = 0;
  gint64 deadline;

  if (!sesame_test_require_server ())
    return;
  server = sesame_test_server_start (NULL, NULL);
  before = count_descriptors (server);
  for (guint i = 0; i < CLOSING_CLIENTS; i++)
    {
      g_autoptr(GSocket) socket = connect_socket (server, TRUE);
      g_autoptr(GString) text = g_string_new (NULL);
      gint64 until = g_get_monotonic_time () + REPLY_WITHIN_S * G_USEC_PER_SEC;

      /* Half keep the connection alive and close it themselves; half ask
       * the server to close it. */
      send_text (socket, i % 2 ? "GET /v1/users HTTP/1.1\r\nHost: localhost\r\n\r\n"
                               : simple_request);
      /* The whole reply: its body is a JSON object. */
      while (!g_str_has_suffix (text->str, "}") && g_get_monotonic_time () < until)
        {
          g_autoptr(GError) error = NULL;
          char buffer[4096];
          gssize n;

          g_socket_set_timeout (socket, REPLY_WITHIN_S);
          n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);
          g_assert_no_error (error);
          if (n <= 0)
            break;
          g_string_append_len (text, buffer, n);
        }
      g_assert_true (g_str_has_prefix (text->str, "HTTP/1.1 401"));
      g_socket_close (socket, NULL);
    }

  deadline = g_get_monotonic_time () + REPLY_WITHIN_S * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    {
      after = count_descriptors (server);
      if (after <= before + 2)
        break;
      g_usleep (50 * 1000);
    }
  g_test_message ("%u connections closed by their clients: the server had %u descriptors "
                  "before, %u after", CLOSING_CLIENTS, before, after);
  g_assert_cmpuint (after, <=, before + 2);

  reply = sesame_test_request (server, "GET", "/v1/users", NULL, NULL);
  sesame_test_assert_error (reply, "unauthorized");
  sesame_test_server_stop (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sesame/server/connections/burst", test_burst);
  g_test_add_func ("/sesame/server/connections/slow-clients", test_slow_clients);
  g_test_add_func ("/sesame/server/connections/idle-timeout", test_idle_timeout);
  g_test_add_func ("/sesame/server/connections/request-timeout", test_request_timeout);
  g_test_add_func ("/sesame/server/connections/bad-timeouts", test_bad_timeouts);
  g_test_add_func ("/sesame/server/connections/closed-by-client", test_closed_by_client);
  return g_test_run ();
}
