/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "server-test-util.h"
#include "sesame-cose-key.h"
#include "sesame-openssl.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The relying party as a whole, over HTTP. The real sesame-server binary
 * is started on loopback (port 0, a fresh data dir), N users each register
 * an ES256 passkey through the real API (track, registration options,
 * register), and then C clients, each with its own keep-alive connection,
 * do complete discoverable sign-ins in a loop for S seconds:
 *
 *   C4 authentication-options (Basic tenant, {}) → sign the challenge with
 *   the software authenticator → C5 verify → isVerified and an accessToken.
 *
 * The latency of a sign-in is the wall clock of those three steps. The
 * clients all run on one thread and one main loop of this process (libsoup
 * async API), so a client's signing queues behind the other clients' work:
 * that is part of what a reader sees in the latencies, and why the table
 * also says how much CPU this process used.
 *
 * In the same run, with the server idle, OpenSSL alone verifies (and
 * makes) ES256 signatures for a couple of seconds on one thread: the
 * floor under any passkey server's cost per sign-in. The server's own CPU
 * time per sign-in comes from /proc/PID/stat before and after. */

#ifndef SESAME_BENCH_SERVER
#define SESAME_BENCH_SERVER NULL
#endif
#ifndef SESAME_BENCH_REFERENCE
#define SESAME_BENCH_REFERENCE NULL
#endif

#define MAX_ERRORS_PRINTED 20
#define REQUEST_TIMEOUT_SECONDS 30

typedef struct _Bench Bench;

typedef struct
{
  Bench             *bench;
  guint              index;
  SoupSession       *session;
  GPtrArray         *passkeys;      /* borrowed: this client's users only */
  guint              next;
  SesameTestPasskey *passkey;       /* the one signing in now */
  SoupMessage       *message;       /* in flight */
  gint64             started;       /* the sign-in */
  gint64             step_started;
  gint64             options_usec;
  gint64             sign_usec;
  gboolean           no_reply;      /* the last request got no HTTP reply */
} Client;

/* One measured run with a number of clients. */
typedef struct
{
  guint   clients;
  guint64 sign_ins;          /* completed inside the window */
  double  window_seconds;
  GArray *total;             /* gint64 µs per sign-in, window only */
  GArray *options;           /* C4 round trip */
  GArray *sign;              /* local: clientDataJSON, signature, JSON */
  GArray *verify;            /* C5 round trip */
  guint64 errors;            /* warm-up and drain included */
  double  server_user;       /* CPU seconds inside the window; -1: unknown */
  double  server_sys;
  double  bench_user;
  double  bench_sys;
  double  machine_busy;      /* 0…1 of all CPUs */
} Run;

struct _Bench
{
  SesameTestServer *server;
  const char       *server_pid;
  char             *auth;            /* Basic base64(tenantId), the browser SDK's form */
  char             *c4_uri;
  char             *c5_uri;
  GPtrArray        *passkeys;
  Run              *run;
  gboolean          measuring;
  gboolean          stopping;
  guint             active;          /* clients not yet stopped */
  guint64           errors_printed;
  /* CPU at the start of the window */
  double            server_user0;
  double            server_sys0;
  double            bench_user0;
  double            bench_sys0;
  guint64           machine_busy0;
  guint64           machine_total0;
  gint64            window_start;
  double            seconds;         /* the window's length */
};

/* CPU accounting */

/* User and system CPU seconds of a process. */
static gboolean
proc_cpu_seconds (const char *pid,
                  double     *user,
                  double     *system)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *text = NULL;
  unsigned long long utime, stime;
  const char *p;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  /* The command name may hold spaces and parentheses: fields are counted
   * from the last ')'. utime and stime are fields 14 and 15. */
  p = strrchr (text, ')');
  if (!p ||
      sscanf (p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
              &utime, &stime) != 2)
    return FALSE;
  *user = (double) utime / (double) sysconf (_SC_CLK_TCK);
  *system = (double) stime / (double) sysconf (_SC_CLK_TCK);
  return TRUE;
}

static void
self_cpu_seconds (double *user,
                  double *system)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  *user = (double) usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6;
  *system = (double) usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

/* All CPUs, from the first line of /proc/stat: busy and total ticks. */
static void
machine_ticks (guint64 *busy,
               guint64 *total)
{
  g_autofree char *text = NULL;
  unsigned long long v[8] = { 0 };

  *busy = *total = 0;
  if (!g_file_get_contents ("/proc/stat", &text, NULL, NULL) ||
      sscanf (text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
              &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 5)
    return;
  for (int i = 0; i < 8; i++)
    *total += v[i];
  *busy = *total - v[3] - v[4];   /* minus idle and iowait */
}

/* Errors */

static void
report_error (Client     *client,
              const char *step,
              guint       status,
              GBytes     *body,
              const char *problem)
{
  Bench *bench = client->bench;
  gsize size = 0;
  const char *text = body ? g_bytes_get_data (body, &size) : NULL;

  bench->run->errors++;
  if (bench->errors_printed++ >= MAX_ERRORS_PRINTED)
    {
      if (bench->errors_printed == MAX_ERRORS_PRINTED + 1)
        g_print ("error: (further errors are counted, not printed)\n");
      return;
    }
  g_print ("error: client %u, %s as %s: HTTP %u: %s%s%.*s\n", client->index + 1, step,
           client->passkey ? client->passkey->user_id : "?", status, problem,
           size ? ": " : "", (int) MIN (size, 400), text ? text : "");
}

/* The reply's body as a JSON object, or NULL (the error is reported). */
static JsonObject *
reply_object (Client     *client,
              const char *step,
              guint       status,
              GBytes     *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize size;
  const char *text = g_bytes_get_data (body, &size);
  JsonNode *root;

  if (status != SOUP_STATUS_OK)
    {
      report_error (client, step, status, body, "not 200");
      return NULL;
    }
  if (!json_parser_load_from_data (parser, text ? text : "", size, &error))
    {
      report_error (client, step, status, body, error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      report_error (client, step, status, body, "not a JSON object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static const char *
string_member (JsonObject *object,
               const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  if (!node || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* The client loop */

static void client_start_sign_in (Client *client);
static void options_cb (GObject *source, GAsyncResult *result, gpointer user_data);
static void verify_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
client_send (Client              *client,
             const char          *uri,
             char                *body,     /* taken */
             GAsyncReadyCallback  callback)
{
  Bench *bench = client->bench;
  g_autoptr(GBytes) bytes = g_bytes_new_take (body, strlen (body));
  SoupMessageHeaders *headers;

  g_assert (client->message == NULL);
  client->message = soup_message_new (SOUP_METHOD_POST, uri);
  headers = soup_message_get_request_headers (client->message);
  /* As the browser SDK's fetch sends them. */
  soup_message_headers_replace (headers, "Origin", bench->server->origin);
  soup_message_headers_replace (headers, "Authorization", bench->auth);
  soup_message_set_request_body_from_bytes (client->message, "application/json", bytes);
  /* libsoup sends a POST on an idle kept-alive connection only when told
   * that it may (it could not resend it if the server had just closed the
   * connection); without this flag every request opens a new connection,
   * which a browser's fetch does not. */
  soup_message_add_flags (client->message, SOUP_MESSAGE_IDEMPOTENT);
  client->step_started = g_get_monotonic_time ();
  soup_session_send_and_read_async (client->session, client->message, G_PRIORITY_DEFAULT, NULL,
                                    callback, client);
}

/* The reply to the message in flight; NULL (reported) when there was none. */
static GBytes *
client_finish (Client       *client,
               GAsyncResult *result,
               const char   *step,
               guint        *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) message = g_steal_pointer (&client->message);
  GBytes *body = soup_session_send_and_read_finish (client->session, result, &error);

  *status = soup_message_get_status (message);
  client->no_reply = body == NULL;
  if (!body)
    report_error (client, step, *status, NULL, error->message);
  return body;
}

static void
client_stop (Client *client)
{
  Bench *bench = client->bench;

  g_assert (bench->active > 0);
  bench->active--;
}

static gboolean
client_retry_cb (gpointer user_data)
{
  client_start_sign_in (user_data);
  return G_SOURCE_REMOVE;
}

static void
client_start_sign_in (Client *client)
{
  Bench *bench = client->bench;

  if (bench->stopping)
    {
      client_stop (client);
      return;
    }
  /* A server that is gone refuses at once: counting that thousands of
   * times a second would only burn the CPU. */
  if (client->no_reply)
    {
      client->no_reply = FALSE;
      g_timeout_add (100, client_retry_cb, client);
      return;
    }
  /* One client owns each user, so that its signature counter only ever
   * goes up, as a real authenticator's would. */
  client->passkey = g_ptr_array_index (client->passkeys, client->next);
  client->next = (client->next + 1) % client->passkeys->len;
  client->started = g_get_monotonic_time ();
  client_send (client, bench->c4_uri, g_strdup ("{}"), options_cb);
}

static void
options_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Client *client = user_data;
  Bench *bench = client->bench;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonObject) credential = NULL;
  JsonNode *options;
  const char *challenge_id, *challenge;
  guint status;
  gint64 signed_at;
  char *c5_body;

  body = client_finish (client, result, "authentication-options", &status);
  client->options_usec = g_get_monotonic_time () - client->step_started;
  if (body)
    object = reply_object (client, "authentication-options", status, body);
  options = object ? json_object_get_member (object, "options") : NULL;
  challenge_id = string_member (object, "challengeId");
  challenge = options && JSON_NODE_HOLDS_OBJECT (options) ?
              string_member (json_node_get_object (options), "challenge") : NULL;
  if (object && (!challenge_id || !challenge))
    report_error (client, "authentication-options", status, body,
                  "no challengeId or options.challenge");
  if (!challenge_id || !challenge || bench->stopping)
    {
      client_start_sign_in (client);
      return;
    }

  /* What the browser and the authenticator do between C4 and C5. */
  credential = sesame_test_authentication_credential (client->passkey, challenge,
                                                      bench->server->origin, "localhost",
                                                      SESAME_TEST_FLAGS_ASSERT,
                                                      ++client->passkey->sign_count, FALSE);
  c5_body = sesame_test_c5_body (credential, challenge_id);
  signed_at = g_get_monotonic_time ();
  client->sign_usec = signed_at - client->step_started - client->options_usec;
  client_send (client, bench->c5_uri, c5_body, verify_cb);
}

static void
verify_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Client *client = user_data;
  Bench *bench = client->bench;
  Run *run = bench->run;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) object = NULL;
  JsonNode *verified;
  const char *token;
  guint status;
  gint64 now;

  body = client_finish (client, result, "verify", &status);
  now = g_get_monotonic_time ();
  if (body)
    object = reply_object (client, "verify", status, body);
  if (object)
    {
      verified = json_object_get_member (object, "isVerified");
      token = string_member (object, "accessToken");
      if (!verified || !JSON_NODE_HOLDS_VALUE (verified) ||
          json_node_get_value_type (verified) != G_TYPE_BOOLEAN ||
          !json_node_get_boolean (verified))
        report_error (client, "verify", status, body, "isVerified is not true");
      else if (!token || !*token)
        report_error (client, "verify", status, body, "no accessToken");
      else if (bench->measuring && !bench->stopping)
        {
          gint64 total = now - client->started;
          gint64 verify = now - client->step_started;

          run->sign_ins++;
          g_array_append_val (run->total, total);
          g_array_append_val (run->options, client->options_usec);
          g_array_append_val (run->sign, client->sign_usec);
          g_array_append_val (run->verify, verify);
        }
    }
  client_start_sign_in (client);
}

/* The window */

static gboolean
end_window_cb (gpointer user_data)
{
  Bench *bench = user_data;
  Run *run = bench->run;
  double user, sys;
  guint64 busy, total;

  run->window_seconds = (g_get_monotonic_time () - bench->window_start) / (double) G_USEC_PER_SEC;
  bench->stopping = TRUE;
  if (bench->server_user0 >= 0 && proc_cpu_seconds (bench->server_pid, &user, &sys))
    {
      run->server_user = user - bench->server_user0;
      run->server_sys = sys - bench->server_sys0;
    }
  else
    run->server_user = run->server_sys = -1;
  self_cpu_seconds (&user, &sys);
  run->bench_user = user - bench->bench_user0;
  run->bench_sys = sys - bench->bench_sys0;
  machine_ticks (&busy, &total);
  run->machine_busy = total > bench->machine_total0 ?
                      (double) (busy - bench->machine_busy0) / (total - bench->machine_total0) : 0;
  return G_SOURCE_REMOVE;
}

static gboolean
begin_window_cb (gpointer user_data)
{
  Bench *bench = user_data;

  if (!proc_cpu_seconds (bench->server_pid, &bench->server_user0, &bench->server_sys0))
    bench->server_user0 = -1;
  self_cpu_seconds (&bench->bench_user0, &bench->bench_sys0);
  machine_ticks (&bench->machine_busy0, &bench->machine_total0);
  bench->window_start = g_get_monotonic_time ();
  bench->measuring = TRUE;
  g_timeout_add ((guint) (bench->seconds * 1000), end_window_cb, bench);
  return G_SOURCE_REMOVE;
}

static void
run_clients (Bench  *bench,
             Run    *run,
             double  warmup,
             double  seconds)
{
  g_autofree Client *clients = g_new0 (Client, run->clients);

  bench->run = run;
  bench->measuring = FALSE;
  bench->stopping = FALSE;
  bench->active = run->clients;
  bench->seconds = seconds;

  for (guint i = 0; i < run->clients; i++)
    {
      Client *client = &clients[i];

      client->bench = bench;
      client->index = i;
      /* A session each: one keep-alive connection per client, as many
       * browsers would have. */
      client->session = soup_session_new_with_options ("timeout", REQUEST_TIMEOUT_SECONDS,
                                                       "idle-timeout", 2 * REQUEST_TIMEOUT_SECONDS,
                                                       "user-agent", "sesame-bench-http",
                                                       NULL);
      client->passkeys = g_ptr_array_new ();
      for (guint j = i; j < bench->passkeys->len; j += run->clients)
        g_ptr_array_add (client->passkeys, g_ptr_array_index (bench->passkeys, j));
    }

  g_timeout_add ((guint) (warmup * 1000), begin_window_cb, bench);
  for (guint i = 0; i < run->clients; i++)
    client_start_sign_in (&clients[i]);
  /* Until the window has closed and every client finished what it had in
   * flight (the session timeout bounds a hung request). */
  while (bench->active > 0)
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < run->clients; i++)
    {
      g_object_unref (clients[i].session);
      g_ptr_array_unref (clients[i].passkeys);
    }
  bench->run = NULL;
}

/* The server's end. The helpers' own stop reports through g_test_fail (),
 * which outside a GTest case always reads as failed, so this one says
 * what happened itself. */

static void
server_wait_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
stop_server (SesameTestServer  *server,
             char             **problem)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSubprocess) process = g_steal_pointer (&server->process);
  gboolean exited = FALSE, timed_out = FALSE;
  guint timeout;

  g_clear_object (&server->session);
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait_async (process, cancellable, server_wait_cb, &exited);
  timeout = g_timeout_add_seconds (SESAME_TEST_SERVER_TIMEOUT, set_flag_cb, &timed_out);
  while (!exited && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (exited)
    g_source_remove (timeout);
  else
    {
      *problem = g_strdup_printf ("did not exit within %d s", SESAME_TEST_SERVER_TIMEOUT);
      g_subprocess_force_exit (process);
      g_cancellable_cancel (cancellable);
      while (!exited)
        g_main_context_iteration (NULL, TRUE);
      g_subprocess_wait (process, NULL, NULL);
      return FALSE;
    }
  if (!g_subprocess_get_if_exited (process))
    *problem = g_strdup_printf ("died of signal %d", g_subprocess_get_term_sig (process));
  else if (g_subprocess_get_exit_status (process) != 0)
    *problem = g_strdup_printf ("exited with status %d", g_subprocess_get_exit_status (process));
  return *problem == NULL;
}

/* Raw OpenSSL, one thread */

typedef struct
{
  EVP_PKEY *public_key;    /* as a server keeps it, parsed from COSE */
  EVP_PKEY *private_key;
  guint8   *message;       /* authData ‖ SHA-256(clientDataJSON) */
  gsize     message_len;
  GBytes   *signature;
} Raw;

static void
raw_verify (Raw *raw)
{
  g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  gsize sig_len;
  const guint8 *sig = g_bytes_get_data (raw->signature, &sig_len);

  if (EVP_DigestVerifyInit_ex (ctx, NULL, "SHA256", NULL, NULL, raw->public_key, NULL) != 1 ||
      EVP_DigestVerify (ctx, sig, sig_len, raw->message, raw->message_len) != 1)
    g_error ("OpenSSL refused the benchmark's own signature");
}

static void
raw_sign (Raw *raw)
{
  g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  guint8 sig[256];
  gsize sig_len = sizeof sig;

  if (EVP_DigestSignInit_ex (ctx, NULL, "SHA256", NULL, NULL, raw->private_key, NULL) != 1 ||
      EVP_DigestSign (ctx, sig, &sig_len, raw->message, raw->message_len) != 1)
    g_error ("OpenSSL could not sign");
}

static double
raw_rate (void    (*op) (Raw *),
          Raw      *raw,
          double    seconds)
{
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64) (seconds * G_USEC_PER_SEC);
  gint64 now;
  guint64 n = 0;

  do
    {
      for (int i = 0; i < 16; i++)
        op (raw);
      n += 16;
      now = g_get_monotonic_time ();
    }
  while (now < deadline);
  return (double) n * G_USEC_PER_SEC / (double) (now - start);
}

static void
measure_raw (double  seconds,
             double *verify_rate,
             double *sign_rate)
{
  g_autoptr(SesameTestAuthenticator) authenticator =
    sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(SesameCoseKey) key = NULL;
  g_autoptr(GBytes) challenge = NULL;
  g_autoptr(GBytes) client_data = NULL;
  g_autoptr(GBytes) auth_data = NULL;
  g_autoptr(GError) error = NULL;
  guint8 challenge_buf[32];
  Raw raw = { 0 };
  gsize ad_len;

  for (gsize i = 0; i < sizeof challenge_buf; i++)
    challenge_buf[i] = g_random_int_range (0, 256);
  challenge = g_bytes_new (challenge_buf, sizeof challenge_buf);
  key = sesame_cose_key_new_from_cbor (g_bytes_get_data (authenticator->cose_key, NULL),
                                       g_bytes_get_size (authenticator->cose_key), NULL, &error);
  g_assert_no_error (error);
  raw.public_key = sesame_cose_key_get_pkey (key);
  raw.private_key = authenticator->key;

  client_data = sesame_test_client_data ("webauthn.get", challenge, "http://localhost:7878", NULL);
  auth_data = sesame_test_auth_data ("localhost", SESAME_TEST_FLAGS_ASSERT, 1, NULL, NULL);
  raw.signature = sesame_test_authenticator_sign (authenticator, auth_data, client_data);
  ad_len = g_bytes_get_size (auth_data);
  raw.message_len = ad_len + SHA256_DIGEST_LENGTH;
  raw.message = g_malloc (raw.message_len);
  memcpy (raw.message, g_bytes_get_data (auth_data, NULL), ad_len);
  SHA256 (g_bytes_get_data (client_data, NULL), g_bytes_get_size (client_data),
          raw.message + ad_len);

  /* Warm the algorithm fetch cache and the allocator first. */
  raw_rate (raw_verify, &raw, 0.2);
  raw_rate (raw_sign, &raw, 0.2);
  *verify_rate = raw_rate (raw_verify, &raw, seconds);
  *sign_rate = raw_rate (raw_sign, &raw, seconds / 2);

  g_bytes_unref (raw.signature);
  g_free (raw.message);
}

/* Statistics */

static int
compare_int64 (const void *a,
               const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
sort_samples (GArray *samples)
{
  if (samples->len)
    qsort (samples->data, samples->len, sizeof (gint64), compare_int64);
}

/* Nearest rank, @permille of the sorted samples, in ms; -1 with none. */
static double
percentile_ms (GArray *sorted,
               guint   permille)
{
  guint64 rank;

  if (sorted->len == 0)
    return -1;
  rank = ((guint64) sorted->len * permille + 999) / 1000;
  rank = CLAMP (rank, 1, sorted->len);
  return g_array_index (sorted, gint64, rank - 1) / 1000.0;
}

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->total, g_array_unref);
  g_clear_pointer (&run->options, g_array_unref);
  g_clear_pointer (&run->sign, g_array_unref);
  g_clear_pointer (&run->verify, g_array_unref);
}

static gboolean
parse_clients (const char  *text,
               GArray      *out,
               GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);

  for (gsize i = 0; parts[i]; i++)
    {
      guint64 n;
      guint count;

      if (!g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 1, 1024, &n, error))
        return FALSE;
      count = (guint) n;
      g_array_append_val (out, count);
    }
  if (out->len == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "no client count");
      return FALSE;
    }
  return TRUE;
}

static const char *
format_ms (char   *buf,
           gsize   size,
           double  ms)
{
  if (ms < 0)
    g_strlcpy (buf, "-", size);
  else
    g_snprintf (buf, size, "%.2f", ms);
  return buf;
}

/* "p50 / p99" of a step, in ms */
static char *
step_ms (GArray *sorted)
{
  char a[32], b[32];

  return g_strdup_printf ("%s / %s", format_ms (a, sizeof a, percentile_ms (sorted, 500)),
                          format_ms (b, sizeof b, percentile_ms (sorted, 990)));
}

static void
print_results (Run    *runs,
               guint   n_runs,
               double  raw_verify_rate,
               double  raw_sign_rate,
               long    n_cpus)
{
  double raw_verify_us = 1e6 / raw_verify_rate;

  g_print ("%7s %9s %11s %8s %8s %8s %8s %7s %14s\n", "clients", "sign-ins", "sign-ins/s",
           "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "/ raw verify/s");
  for (guint r = 0; r < n_runs; r++)
    {
      Run *run = &runs[r];
      double rate = run->sign_ins / run->window_seconds;
      char p50[32], p90[32], p99[32], max[32];

      g_print ("%7u %9" G_GUINT64_FORMAT " %11.1f %8s %8s %8s %8s %7" G_GUINT64_FORMAT
               " %14.3f\n",
               run->clients, run->sign_ins, rate,
               format_ms (p50, sizeof p50, percentile_ms (run->total, 500)),
               format_ms (p90, sizeof p90, percentile_ms (run->total, 900)),
               format_ms (p99, sizeof p99, percentile_ms (run->total, 990)),
               format_ms (max, sizeof max, percentile_ms (run->total, 1000)),
               run->errors, rate / raw_verify_rate);
    }

  g_print ("\nCPU over the measured window, per sign-in (user + system) and as a share of one "
           "CPU; %ld CPUs in all:\n", n_cpus);
  g_print ("%7s %24s %12s %14s %24s %11s %9s %9s\n", "clients", "server us/sign-in",
           "server busy", "= raw verifies", "bench us/sign-in", "bench busy", "others", "all CPUs");
  for (guint r = 0; r < n_runs; r++)
    {
      Run *run = &runs[r];
      double n = run->sign_ins ? (double) run->sign_ins : 1;
      g_autofree char *server = NULL, *server_busy = NULL, *verifies = NULL, *client = NULL;
      g_autofree char *others = NULL;
      double bench_busy = (run->bench_user + run->bench_sys) * 100 / run->window_seconds;
      double all_busy = run->machine_busy * 100 * n_cpus;

      if (run->server_user >= 0 && run->sign_ins)
        {
          double us = (run->server_user + run->server_sys) * 1e6 / n;

          server = g_strdup_printf ("%.0f (%.0f + %.0f)", us, run->server_user * 1e6 / n,
                                    run->server_sys * 1e6 / n);
          verifies = g_strdup_printf ("%.1f", us / raw_verify_us);
        }
      if (run->server_user >= 0)
        {
          double server_pct = (run->server_user + run->server_sys) * 100 / run->window_seconds;

          server_busy = g_strdup_printf ("%.0f%%", server_pct);
          /* Whatever else ran on the machine meanwhile: it makes the
           * figures worth less. */
          others = g_strdup_printf ("%.0f%%", MAX (0, all_busy - server_pct - bench_busy));
        }
      if (run->sign_ins)
        client = g_strdup_printf ("%.0f (%.0f + %.0f)",
                                  (run->bench_user + run->bench_sys) * 1e6 / n,
                                  run->bench_user * 1e6 / n, run->bench_sys * 1e6 / n);
      g_print ("%7u %24s %12s %14s %24s %10.0f%% %9s %8.0f%%\n", run->clients,
               server ? server : "-", server_busy ? server_busy : "-", verifies ? verifies : "-",
               client ? client : "-", bench_busy, others ? others : "-", all_busy);
    }

  g_print ("\nThe steps of a sign-in, wall clock (ms, p50 / p99):\n");
  g_print ("%7s %20s %20s %20s\n", "clients", "C4 options", "sign + JSON (local)", "C5 verify");
  for (guint r = 0; r < n_runs; r++)
    {
      g_autofree char *options = step_ms (runs[r].options);
      g_autofree char *sign = step_ms (runs[r].sign);
      g_autofree char *verify = step_ms (runs[r].verify);

      g_print ("%7u %20s %20s %20s\n", runs[r].clients, options, sign, verify);
    }

  g_print ("\nReading it: sesame-server's workers (one per CPU unless --workers says otherwise) "
           "can keep every CPU busy, so sign-ins/s can never pass (CPUs x 1e6) / (server us "
           "per sign-in), and whatever the clients and other processes take comes off that. The clients "
           "share one thread of this process and the same %ld CPUs: each sign-in also costs "
           "them an ES256 signature (%.0f us raw), JSON and libsoup, so once \"all CPUs\" "
           "nears %ld00%% the two sides compete; \"others\" is CPU that other processes took "
           "meanwhile (keep it near 0%% for figures worth comparing). \"/ raw verify/s\" is sign-ins/s over raw "
           "OpenSSL verifications/s on one thread; \"= raw verifies\" is the server's CPU per "
           "sign-in in raw verifications (%.1f us each): what is above 1 is two HTTP requests, "
           "JSON, SQLite and a new token.\n",
           n_cpus, 1e6 / raw_sign_rate, n_cpus, raw_verify_us);
}

/* One server under the whole load: started, its users registered (the
 * registrations measured on their own), each client count run in turn,
 * stopped. */
typedef struct
{
  const char *name;
  const char *binary;
  Run        *runs;
  guint       n_runs;
  guint64     errors;
  int         registrations;
  double      reg_seconds;       /* wall clock, one after another */
  double      reg_cpu;           /* the server's CPU seconds; -1: unknown */
} ServerResult;

static void
measure_server (ServerResult *result,
                GArray       *client_counts,
                int           users,
                double        warmup,
                double        seconds,
                double        raw_verify_rate,
                double        raw_sign_rate,
                long          n_cpus)
{
  g_autoptr(GPtrArray) passkeys = g_ptr_array_new_with_free_func (
    (GDestroyNotify) sesame_test_passkey_free);
  g_autofree char *problem = NULL;
  Bench bench = { 0 };
  double user0, sys0, user1, sys1;
  gboolean cpu_known;
  gint64 reg_start;

  /* The helpers spawn $SESAME_SERVER. */
  g_setenv ("SESAME_SERVER", result->binary, TRUE);
  bench.server = sesame_test_server_start (NULL, NULL);
  bench.server_pid = g_subprocess_get_identifier (bench.server->process);
  bench.auth = sesame_test_tenant_auth (bench.server);
  bench.c4_uri = g_strconcat (bench.server->origin, SESAME_TEST_C4, NULL);
  bench.c5_uri = g_strconcat (bench.server->origin, SESAME_TEST_C5, NULL);
  bench.passkeys = passkeys;

  /* The users, with their passkeys, through the real API, one after
   * another: what each registration costs the server. */
  cpu_known = proc_cpu_seconds (bench.server_pid, &user0, &sys0);
  reg_start = g_get_monotonic_time ();
  for (int i = 0; i < users; i++)
    {
      g_autofree char *user_id = g_strdup_printf ("bench-user-%03d", i + 1);
      g_autofree char *username = g_strdup_printf ("bench-user-%03d@example.org", i + 1);

      g_ptr_array_add (passkeys, sesame_test_register (bench.server, user_id, username, NULL,
                                                       NULL));
    }
  result->reg_seconds = (g_get_monotonic_time () - reg_start) / (double) G_USEC_PER_SEC;
  result->registrations = users;
  cpu_known = cpu_known && proc_cpu_seconds (bench.server_pid, &user1, &sys1);
  result->reg_cpu = cpu_known ? (user1 - user0) + (sys1 - sys0) : -1;
  /* The helpers' session opened a connection per request; let the server
   * drop them before the load. */
  soup_session_abort (bench.server->session);

  g_print ("== %s: %s (pid %s) at %s\n", result->name, result->binary, bench.server_pid,
           bench.server->origin);
  g_print ("%d users with ES256 passkeys registered in %.1f ms (%.2f ms each: track, "
           "registration-options, register)\n\n",
           users, result->reg_seconds * 1000, result->reg_seconds * 1000 / users);

  result->n_runs = client_counts->len;
  result->runs = g_new0 (Run, client_counts->len);
  for (guint r = 0; r < client_counts->len; r++)
    {
      Run *run = &result->runs[r];

      run->clients = g_array_index (client_counts, guint, r);
      run->total = g_array_new (FALSE, FALSE, sizeof (gint64));
      run->options = g_array_new (FALSE, FALSE, sizeof (gint64));
      run->sign = g_array_new (FALSE, FALSE, sizeof (gint64));
      run->verify = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_printerr ("%s: running %u client%s for %.1f s...\n", result->name, run->clients,
                  run->clients == 1 ? "" : "s", warmup + seconds);
      run_clients (&bench, run, warmup, seconds);
      sort_samples (run->total);
      sort_samples (run->options);
      sort_samples (run->sign);
      sort_samples (run->verify);
      result->errors += run->errors;
    }

  print_results (result->runs, result->n_runs, raw_verify_rate, raw_sign_rate, n_cpus);

  /* A server that does not shut down cleanly after the load is an error
   * of its own. */
  if (!stop_server (bench.server, &problem))
    {
      g_print ("error: %s did not exit cleanly on SIGTERM: it %s; its data and log are kept "
               "in %s\n", result->name, problem, bench.server->root);
      bench.server->owns_root = FALSE;
      result->errors++;
    }
  else if (bench.server->owns_root)
    {
      /* The helpers would keep it, taking the missing GTest case for a
       * failure. */
      sesame_test_remove_tree (bench.server->root);
      bench.server->owns_root = FALSE;
      g_clear_pointer (&bench.server->log_path, g_free);
    }
  g_print ("\n");
  g_clear_pointer (&bench.server, sesame_test_server_free);
  g_free (bench.auth);
  g_free (bench.c4_uri);
  g_free (bench.c5_uri);
}

static void
server_result_clear (ServerResult *result)
{
  for (guint r = 0; r < result->n_runs; r++)
    run_clear (&result->runs[r]);
  g_clear_pointer (&result->runs, g_free);
}

/* Server CPU per sign-in in raw verifications; -1 when unknown. */
static double
run_verifies (const Run *run,
              double     raw_verify_rate)
{
  if (run->server_user < 0 || run->sign_ins == 0)
    return -1;
  return (run->server_user + run->server_sys) / run->sign_ins * raw_verify_rate;
}

/* The two servers' figures next to each other, run by run. */
static void
print_comparison (const ServerResult *ours,
                  const ServerResult *reference,
                  double              raw_verify_rate)
{
  g_print ("== Side by side (%s | %s)\n", ours->name, reference->name);
  g_print ("%7s %21s %7s %17s %25s %19s %15s\n", "clients", "sign-ins/s", "ratio",
           "CPU / raw verify", "p50 / p99 ms", "bench CPU share", "errors");
  for (guint r = 0; r < MIN (ours->n_runs, reference->n_runs); r++)
    {
      const Run *a = &ours->runs[r], *b = &reference->runs[r];
      double rate_a = a->sign_ins / a->window_seconds;
      double rate_b = b->sign_ins / b->window_seconds;
      g_autofree char *rates = g_strdup_printf ("%.0f | %.0f", rate_a, rate_b);
      g_autofree char *cpu = g_strdup_printf ("%.1f | %.1f", run_verifies (a, raw_verify_rate),
                                              run_verifies (b, raw_verify_rate));
      g_autofree char *latency = g_strdup_printf ("%.2f/%.2f | %.2f/%.2f",
                                                  percentile_ms (a->total, 500),
                                                  percentile_ms (a->total, 990),
                                                  percentile_ms (b->total, 500),
                                                  percentile_ms (b->total, 990));
      g_autofree char *share = g_strdup_printf (
        "%.0f%% | %.0f%%", (a->bench_user + a->bench_sys) * 100 / a->window_seconds,
        (b->bench_user + b->bench_sys) * 100 / b->window_seconds);
      g_autofree char *errors = g_strdup_printf ("%" G_GUINT64_FORMAT " | %" G_GUINT64_FORMAT,
                                                 a->errors, b->errors);

      g_print ("%7u %21s %6.2fx %17s %25s %19s %15s\n", a->clients, rates,
               rate_b > 0 ? rate_a / rate_b : 0, cpu, latency, share, errors);
    }
  g_print ("\nRegistrations, one after another (track, registration-options, register):\n");
  for (int i = 0; i < 2; i++)
    {
      const ServerResult *result = i == 0 ? ours : reference;
      g_autofree char *cpu = NULL;

      if (result->reg_cpu >= 0)
        cpu = g_strdup_printf ("%.0f us (%.1f raw verifies)",
                               result->reg_cpu * 1e6 / result->registrations,
                               result->reg_cpu / result->registrations * raw_verify_rate);
      g_print ("  %-22s %6.1f/s, server CPU %s per registration\n", result->name,
               result->registrations / result->reg_seconds, cpu ? cpu : "unknown");
    }
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *opt_clients = NULL;
  g_autofree char *opt_server = NULL;
  g_autofree char *opt_reference = NULL;
  int users = 20;
  double seconds = 10.0;
  double warmup = 1.0;
  double raw_seconds = 2.0;
  gboolean check = FALSE;
  gboolean no_reference = FALSE;
  const GOptionEntry entries[] = {
    { "clients", 'c', 0, G_OPTION_ARG_STRING, &opt_clients,
      "Concurrent clients; a comma-separated list runs each in turn (default 1,8,16)", "N[,N…]" },
    { "seconds", 's', 0, G_OPTION_ARG_DOUBLE, &seconds,
      "Seconds measured per run (default 10)", "S" },
    { "warmup", 'w', 0, G_OPTION_ARG_DOUBLE, &warmup,
      "Seconds of load before each measured window (default 1)", "S" },
    { "users", 'u', 0, G_OPTION_ARG_INT, &users,
      "Users, each with an ES256 passkey (default 20; at least the largest client count)", "N" },
    { "raw-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &raw_seconds,
      "Seconds of raw OpenSSL verification (default 2)", "S" },
    { "server", 0, 0, G_OPTION_ARG_FILENAME, &opt_server,
      "The sesame-server binary (default $SESAME_SERVER, else the build tree's)", "PATH" },
    { "reference", 0, 0, G_OPTION_ARG_FILENAME, &opt_reference,
      "The reference server (default bench/reference/server.mjs of the source tree)", "PATH" },
    { "no-reference", 0, 0, G_OPTION_ARG_NONE, &no_reference,
      "Measure sesame-server alone", NULL },
    { "check", 0, 0, G_OPTION_ARG_NONE, &check,
      "Exit with status 1 when any sign-in failed", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new ("[SERVER] - passkey sign-ins per second through sesame-server");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) client_counts = g_array_new (FALSE, FALSE, sizeof (guint));
  const char *binary, *reference;
  guint max_clients = 0;
  guint64 total_errors;
  double raw_verify_rate, raw_sign_rate;
  ServerResult ours = { .name = "sesame-server" };
  ServerResult theirs = { .name = "@simplewebauthn/server" };
  long n_cpus = sysconf (_SC_NPROCESSORS_ONLN);

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (!parse_clients (opt_clients ? opt_clients : "1,8,16", client_counts, &error))
    {
      g_printerr ("--clients: %s\n", error->message);
      return 2;
    }
  if (argc > 2 || users < 1 || seconds <= 0 || warmup < 0 || raw_seconds <= 0)
    {
      g_printerr ("Usage: %s [OPTION…] [SERVER] (see --help)\n", g_get_prgname ());
      return 2;
    }
  for (guint i = 0; i < client_counts->len; i++)
    max_clients = MAX (max_clients, g_array_index (client_counts, guint, i));

  binary = argc == 2 ? argv[1] : opt_server ? opt_server : g_getenv ("SESAME_SERVER");
  if (!binary || !*binary)
    binary = SESAME_BENCH_SERVER;
  if (!binary || !g_file_test (binary, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("No sesame-server binary%s%s: give its path as an argument, with --server "
                  "or in $SESAME_SERVER\n", binary ? " at " : "", binary ? binary : "");
      return 2;
    }
  reference = no_reference ? NULL : opt_reference ? opt_reference : SESAME_BENCH_REFERENCE;
  if (reference && !g_file_test (reference, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("No reference server at %s (run npm ci in the source tree for its "
                  "@simplewebauthn/server, or pass --no-reference)\n", reference);
      return 2;
    }
  ours.binary = binary;
  theirs.binary = reference;
  /* A server that logs every request (G_MESSAGES_DEBUG) would measure its
   * logging. */
  g_unsetenv ("G_MESSAGES_DEBUG");

  if ((guint) users < max_clients)
    {
      g_printerr ("note: %d users for %u clients; using %u users, one client per user at most\n",
                  users, max_clients, max_clients);
      users = (int) max_clients;
    }

  /* Raw OpenSSL while no server runs. */
  measure_raw (raw_seconds, &raw_verify_rate, &raw_sign_rate);

  g_print ("Passkey sign-ins over HTTP: sesame-server%s, vs. raw OpenSSL ES256\n",
           reference ? " and a reference server on @simplewebauthn/server" : "");
  g_print ("%s; %ld CPUs online; %d users with ES256 passkeys\n",
           OpenSSL_version (OPENSSL_VERSION), n_cpus, users);
  g_print ("A sign-in: C4 authentication-options (Basic tenant, {}), ES256 signature by the "
           "software authenticator, C5 verify; isVerified and an accessToken required.\n");
  g_print ("%.1f s of warm-up, then %.1f s measured per run; one keep-alive connection per "
           "client\n\n", warmup, seconds);
  g_print ("raw OpenSSL ES256, one thread, no server running: verify %.0f/s (%.1f us each), "
           "sign %.0f/s (%.1f us each)\n\n",
           raw_verify_rate, 1e6 / raw_verify_rate, raw_sign_rate, 1e6 / raw_sign_rate);

  measure_server (&ours, client_counts, users, warmup, seconds, raw_verify_rate, raw_sign_rate,
                  n_cpus);
  total_errors = ours.errors;
  if (reference)
    {
      measure_server (&theirs, client_counts, users, warmup, seconds, raw_verify_rate,
                      raw_sign_rate, n_cpus);
      total_errors += theirs.errors;
      print_comparison (&ours, &theirs, raw_verify_rate);
    }

  g_print ("\nerrors: %" G_GUINT64_FORMAT "%s\n", total_errors,
           total_errors ? " (each one is printed above, up to the first 20 per server)" : "");

  server_result_clear (&ours);
  server_result_clear (&theirs);
  return check && total_errors > 0 ? 1 : 0;
}
