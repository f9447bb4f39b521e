/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "fuzz-common.h"
#include "fuzz-http-common.h"
#include "sesame-server.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* The local tenant's HTTP layer, whole: a real SesameServer listens on
 * loopback (started once, with a real store in a temporary folder), and
 * every input is sent to it as raw bytes over a TCP connection, so that
 * libsoup's parser, the routes, the Host rule, authentication, CORS and
 * each handler's JSON body checks all see it.
 *
 * Before it is sent the input gets three substitutions (see
 * fuzz-http-common.h): FUZZ_HTTP_TOKEN becomes a real action token the
 * tenant issued at start-up, so that the Bearer routes get past
 * authentication; FUZZ_HTTP_LENGTH becomes the number of bytes after the
 * first blank line, so that a mutated body keeps its framing.
 *
 * What every answer must be: when it says it is JSON, valid UTF-8 and one
 * JSON value, whatever the request held. A warning or critical from the
 * server (a 500 is logged as one) aborts, as do the sanitizers. */

/* A connection that is idle, or a request that has not arrived in full,
 * is closed by the server after SERVER_TIMEOUT_S (a slow input, not a
 * failure); the client gives up, and the run fails, only well after. */
#define SERVER_TIMEOUT_S 2
#define CLIENT_TIMEOUT_S 8

/* The connection the client thread makes for one input. */
typedef struct
{
  GBytes     *request;
  GByteArray *response;   /* NULL: not kept */
  gboolean    done;
} Exchange;

static SesameServer *server;
static guint16 port;
static char *data_dir;
static char *token;
static GAsyncQueue *exchanges;
static guint64 n_checked;

static void
remove_data_dir (void)
{
  const char *names[] = { "sesame.db", "sesame.db-wal", "sesame.db-shm", NULL };

  if (!data_dir)
    return;
  for (guint i = 0; names[i]; i++)
    {
      g_autofree char *path = g_build_filename (data_dir, names[i], NULL);
      g_unlink (path);
    }
  g_rmdir (data_dir);
  if (fuzz_debug)
    g_printerr ("fuzz-http: %" G_GUINT64_FORMAT " JSON replies checked\n", n_checked);
}

/* Blocking socket I/O on the client thread: the server answers on the main
 * context, which the fuzzing thread iterates meanwhile. */
static void
exchange (GBytes     *request,
          GByteArray *response)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (port),
                                 .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  struct timeval timeout = { .tv_sec = CLIENT_TIMEOUT_S };
  gsize len;
  const guint8 *data = g_bytes_get_data (request, &len);
  guint8 buffer[16384];
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    g_error ("socket: %s", g_strerror (errno));
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (connect (fd, (struct sockaddr *) &address, sizeof address) != 0)
    g_error ("connect: %s", g_strerror (errno));

  for (gsize sent = 0; sent < len;)
    {
      ssize_t n = send (fd, data + sent, len - sent, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;   /* the server closed early, e.g. after a 413 */
      sent += n;
    }
  /* No more request: the server sees the end, answers what it has and
   * closes. */
  shutdown (fd, SHUT_WR);
  for (;;)
    {
      ssize_t n = recv (fd, buffer, sizeof buffer, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        g_error ("The server did not finish answering within %d s", CLIENT_TIMEOUT_S);
      if (n <= 0)
        break;
      if (response)
        g_byte_array_append (response, buffer, n);
    }
  close (fd);
}

static gpointer
client_thread (gpointer user_data)
{
  for (;;)
    {
      Exchange *ex = g_async_queue_pop (exchanges);

      exchange (ex->request, ex->response);
      g_atomic_int_set (&ex->done, TRUE);
      g_main_context_wakeup (NULL);
    }
  return NULL;
}

static void
run_exchange (GBytes     *request,
              GByteArray *response)
{
  Exchange ex = { .request = request, .response = response };

  g_async_queue_push (exchanges, &ex);
  while (!g_atomic_int_get (&ex.done))
    g_main_context_iteration (NULL, TRUE);
  /* Let the server finish with the closed connection. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* One request per connection: libsoup 3.2 does not notice a client's end
 * of stream while a kept-alive connection is idle, so the exchange would
 * last until the idle timeout. Set again once the body is read: a
 * "100 Continue" before it starts the response headers afresh. */
static void
close_after_reply (SoupServerMessage *msg)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
}

static void
request_cb (SoupServer        *soup,
            SoupServerMessage *msg,
            gpointer           user_data)
{
  close_after_reply (msg);
}

/* Every reply that says it is JSON must be. */
static void
request_finished_cb (SoupServer        *soup,
                     SoupServerMessage *msg,
                     gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *type = soup_message_headers_get_content_type (headers, NULL);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  const char *data;
  gsize len;

  if (!type || !g_str_equal (type, "application/json"))
    return;
  body = soup_message_body_flatten (soup_server_message_get_response_body (msg));
  data = g_bytes_get_data (body, &len);
  if (fuzz_debug)
    g_printerr ("fuzz-http: → %u %.*s\n", soup_server_message_get_status (msg),
                (int) MIN (len, 2048), data);
  if (len == 0)
    g_error ("%u reply with an empty JSON body", soup_server_message_get_status (msg));
  if (!g_utf8_validate_len (data, len, NULL))
    g_error ("%u reply is not valid UTF-8: %.*s", soup_server_message_get_status (msg),
             (int) MIN (len, 512), data);
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, len, &error))
    g_error ("%u reply is not JSON (%s): %.*s", soup_server_message_get_status (msg),
             error->message, (int) MIN (len, 512), data);
  /* An error reply always names its error. */
  if (soup_server_message_get_status (msg) >= 400)
    {
      JsonNode *root = json_parser_get_root (parser);

      if (!JSON_NODE_HOLDS_OBJECT (root) ||
          !json_object_has_member (json_node_get_object (root), "error"))
        g_error ("%u reply without an error member: %.*s", soup_server_message_get_status (msg),
                 (int) MIN (len, 512), data);
    }
  n_checked++;
}

/* A request made by the fuzzer itself at start-up; its JSON reply. */
static JsonNode *
setup_request (const char *method,
               const char *path,
               const char *authorization,
               const char *body)
{
  g_autofree char *text = g_strdup_printf ("%s %s HTTP/1.1\r\nHost: localhost\r\n"
                                           "Authorization: %s\r\n"
                                           "Content-Type: application/json\r\n"
                                           "Content-Length: %zu\r\n\r\n%s",
                                           method, path, authorization, strlen (body), body);
  g_autoptr(GBytes) request = g_bytes_new (text, strlen (text));
  g_autoptr(GByteArray) response = g_byte_array_new ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const guint8 *blank;

  run_exchange (request, response);
  blank = memmem (response->data, response->len, "\r\n\r\n", 4);
  if (!blank || response->len < 12 || memcmp (response->data + 9, "200", 3) != 0)
    g_error ("%s %s: %.*s", method, path, (int) response->len, (const char *) response->data);
  blank += 4;
  if (!json_parser_load_from_data (parser, (const char *) blank,
                                   response->len - (blank - response->data), &error))
    g_error ("%s %s: %s", method, path, error->message);
  return json_node_ref (json_parser_get_root (parser));
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  const char * const origins[] = { FUZZ_HTTP_ORIGIN, NULL };
  SesameLocalTenantOptions options = {
    .tenant_id = FUZZ_HTTP_TENANT_ID,
    .secret_key = FUZZ_HTTP_SECRET_KEY,
    .origins = origins,
  };
  g_autoptr(SesameStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) tracked = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *secret_basic = NULL;
  g_autofree char *secret_encoded = NULL;
  g_autofree char *secret_auth = NULL;

  fuzz_init ();
  data_dir = g_dir_make_tmp ("sesame-fuzz-http-XXXXXX", &error);
  g_assert_no_error (error);
  atexit (remove_data_dir);
  db_path = g_build_filename (data_dir, "sesame.db", NULL);
  store = sesame_store_open (db_path, &error);
  g_assert_no_error (error);
  /* Inputs add events by the thousand: keep the log small. */
  sesame_store_set_event_retention (store, 1000);

  server = sesame_server_new (store, &error);
  g_assert_no_error (error);
  sesame_server_set_timeouts (server, SERVER_TIMEOUT_S, SERVER_TIMEOUT_S);
  if (!sesame_server_listen (server, "127.0.0.1", 0, &error))
    g_error ("listen: %s", error->message);
  port = sesame_server_get_port (server);
  if (!sesame_server_setup_local_tenant (server, &options, NULL, &error))
    g_error ("tenant: %s", error->message);
  g_signal_connect (sesame_server_get_soup_server (server), "request-started",
                    G_CALLBACK (request_cb), NULL);
  g_signal_connect (sesame_server_get_soup_server (server), "request-read",
                    G_CALLBACK (request_cb), NULL);
  g_signal_connect (sesame_server_get_soup_server (server), "request-finished",
                    G_CALLBACK (request_finished_cb), NULL);

  exchanges = g_async_queue_new ();
  g_thread_unref (g_thread_new ("fuzz-http-client", client_thread, NULL));

  /* A real token, as a backend would get it to enrol a passkey. */
  secret_basic = g_strconcat (FUZZ_HTTP_SECRET_KEY, ":", NULL);
  secret_encoded = g_base64_encode ((const guchar *) secret_basic, strlen (secret_basic));
  secret_auth = g_strconcat ("Basic ", secret_encoded, NULL);
  tracked = setup_request ("POST", "/v1/users/" FUZZ_HTTP_USER_ID "/actions/signUp", secret_auth,
                           "{\"scope\":\"add:authenticators\",\"username\":\"alice\"}");
  token = g_strdup (json_object_get_string_member (json_node_get_object (tracked), "token"));
  g_assert_nonnull (token);
  return 0;
}

/* The input with its placeholders filled in. */
static GBytes *
expand (const guint8 *data,
        size_t        size)
{
  g_autoptr(GByteArray) out = g_byte_array_sized_new (size + 512);
  const guint8 *end = data + size;
  const guint8 *blank = memmem (data, size, "\r\n\r\n", 4);
  gsize body_len = 0;
  const guint8 *p = data;

  /* The body's length as it will be sent: the token may be in it. */
  if (blank)
    {
      const guint8 *body = blank + 4;
      gsize tokens = 0;

      for (const guint8 *q = body;
           (q = memmem (q, end - q, FUZZ_HTTP_TOKEN, strlen (FUZZ_HTTP_TOKEN)));
           q += strlen (FUZZ_HTTP_TOKEN))
        tokens++;
      body_len = (end - body) + tokens * (strlen (token) - strlen (FUZZ_HTTP_TOKEN));
    }

  while (p < end)
    {
      if ((gsize) (end - p) >= strlen (FUZZ_HTTP_TOKEN) &&
          memcmp (p, FUZZ_HTTP_TOKEN, strlen (FUZZ_HTTP_TOKEN)) == 0)
        {
          g_byte_array_append (out, (const guint8 *) token, strlen (token));
          p += strlen (FUZZ_HTTP_TOKEN);
        }
      else if ((gsize) (end - p) >= strlen (FUZZ_HTTP_LENGTH) &&
               memcmp (p, FUZZ_HTTP_LENGTH, strlen (FUZZ_HTTP_LENGTH)) == 0)
        {
          g_autofree char *text = g_strdup_printf ("%" G_GSIZE_FORMAT, body_len);

          g_byte_array_append (out, (const guint8 *) text, strlen (text));
          p += strlen (FUZZ_HTTP_LENGTH);
        }
      else
        g_byte_array_append (out, p++, 1);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GBytes) request = expand (data, size);

  if (fuzz_debug)
    g_printerr ("fuzz-http: %.*s\n", (int) MIN (g_bytes_get_size (request), 2048),
                (const char *) g_bytes_get_data (request, NULL));
  run_exchange (request, NULL);
  return 0;
}
