/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "server-test-util.h"
#include "sesame-base64.h"
#include "sesame-cose-key.h"
#include "sesame-json.h"
#include "sesame-token.h"

#include <glib/gstdio.h>
#include <openssl/rand.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/prctl.h>

const char *
sesame_test_server_binary (void)
{
  const char *path = g_getenv ("SESAME_SERVER");

  return path && *path ? path : NULL;
}

gboolean
sesame_test_require_server (void)
{
  if (sesame_test_server_binary ())
    return TRUE;
  g_test_skip ("SESAME_SERVER is not set: the sesame-server target is not built yet");
  return FALSE;
}

/* Main-loop waiting with a deadline, so that a hung server fails the test
 * instead of hanging it. */

static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
iterate_until (const gboolean *done,
               guint           timeout_seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (timeout_seconds, set_flag_cb, &timed_out);

  while (!*done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return *done;
}

guint
sesame_test_env_uint (const char *name,
                      guint       fallback)
{
  const char *value = g_getenv (name);
  guint64 parsed;

  if (!value || !*value)
    return fallback;
  if (!g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT32, &parsed, NULL))
    g_error ("%s=%s is not a positive integer", name, value);
  return (guint) parsed;
}

void
sesame_test_iterate_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct
{
  gboolean  done;
  char     *line;
  GError   *error;
} LineRead;

static void
read_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LineRead *read = user_data;

  read->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, &read->error);
  read->done = TRUE;
}

static char *
read_line (GDataInputStream *stream,
           GError          **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  LineRead read = { 0 };

  g_data_input_stream_read_line_async (stream, G_PRIORITY_DEFAULT, cancellable, read_line_cb,
                                       &read);
  if (!iterate_until (&read.done, SESAME_TEST_SERVER_TIMEOUT))
    {
      g_cancellable_cancel (cancellable);
      while (!read.done)
        g_main_context_iteration (NULL, TRUE);
      g_clear_error (&read.error);
      g_free (read.line);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no line within %d s",
                   SESAME_TEST_SERVER_TIMEOUT);
      return NULL;
    }
  if (read.error)
    {
      g_propagate_error (error, read.error);
      return NULL;
    }
  if (!read.line)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "stdout closed");
  return read.line;
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

static gboolean
wait_for_exit (GSubprocess *process,
               guint        timeout_seconds)
{
  gboolean done = FALSE;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  g_subprocess_wait_async (process, cancellable, wait_cb, &done);
  if (iterate_until (&done, timeout_seconds))
    return TRUE;
  g_cancellable_cancel (cancellable);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  return FALSE;
}

/* If the test process dies on a failed assertion, its servers go too. */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static GSubprocessLauncher *
launcher_new (GSubprocessFlags flags,
              const char      *home)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);
  g_autofree char *data = g_build_filename (home, "xdg-data", NULL);
  g_autofree char *config = g_build_filename (home, "xdg-config", NULL);

  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  return launcher;
}

static char *
read_log (SesameTestServer *self)
{
  char *text = NULL;

  if (!self->log_path || !g_file_get_contents (self->log_path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

static void
report_log (SesameTestServer *self)
{
  g_autofree char *log = read_log (self);

  if (*log)
    g_test_message ("server log (%s):\n%s", self->log_path, log);
}

/* "  Label:   value" → value, or NULL when the line has another form. */
static char *
line_value (const char *line,
            const char *label)
{
  g_autofree char *prefix = g_strdup_printf ("  %s:", label);
  const char *value;

  if (!line || !g_str_has_prefix (line, prefix))
    return NULL;
  value = line + strlen (prefix);
  if (*value != ' ')
    return NULL;
  while (*value == ' ')
    value++;
  return *value ? g_strdup (value) : NULL;
}

SesameTestServer *
sesame_test_server_start_argv (const char         *data_dir,
                               const char * const *args)
{
  g_autoptr(SesameTestServer) self = g_new0 (SesameTestServer, 1);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *api_line = NULL, *tenant_line = NULL, *secret_line = NULL;
  g_autofree char *app_line = NULL, *first = NULL, *expected_base = NULL, *expected_app = NULL;
  const char *binary = sesame_test_server_binary ();
  guint64 port = 0;

  g_assert_nonnull (binary);
  if (data_dir)
    {
      self->data_dir = g_strdup (data_dir);
      self->root = g_path_get_dirname (data_dir);
    }
  else
    {
      self->root = g_dir_make_tmp ("sesame-server-test-XXXXXX", &error);
      g_assert_no_error (error);
      self->data_dir = g_build_filename (self->root, "data", NULL);
      self->owns_root = TRUE;
    }
  self->log_path = g_build_filename (self->root, "server.log", NULL);

  g_ptr_array_add (argv, (gpointer) binary);
  g_ptr_array_add (argv, (gpointer) "--port");
  g_ptr_array_add (argv, (gpointer) "0");
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, self->data_dir);
  for (gsize i = 0; args && args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, self->root);
  g_subprocess_launcher_set_stderr_file_path (launcher, self->log_path);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                &error);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  first = read_line (out, &error);
  if (first && g_str_equal (first, "Sesame local tenant is running."))
    api_line = read_line (out, &error);
  if (api_line)
    tenant_line = read_line (out, &error);
  if (tenant_line)
    secret_line = read_line (out, &error);
  if (secret_line)
    app_line = read_line (out, &error);
  if (!app_line)
    {
      report_log (self);
      g_test_message ("startup output so far: %s | %s | %s | %s | (%s)", first, api_line,
                      tenant_line, secret_line, error ? error->message : "unexpected line");
      g_assert_cmpstr (first, ==, "Sesame local tenant is running.");
      g_assert_no_error (error);
    }

  self->base_url = line_value (api_line, "API base URL");
  self->tenant_id = line_value (tenant_line, "Tenant ID");
  self->secret_key = line_value (secret_line, "Secret key");
  self->app_url = line_value (app_line, "Sample app");
  /* The values line up in one column, as the brief prints them. */
  g_assert_true (g_str_has_prefix (api_line, "  API base URL: "));
  g_assert_true (g_str_has_prefix (tenant_line, "  Tenant ID:    "));
  g_assert_true (g_str_has_prefix (secret_line, "  Secret key:   "));
  g_assert_true (g_str_has_prefix (app_line, "  Sample app:   "));
  g_assert_nonnull (self->base_url);
  g_assert_nonnull (self->tenant_id);
  g_assert_nonnull (self->secret_key);
  g_assert_nonnull (self->app_url);

  g_assert_true (g_str_has_prefix (self->base_url, "http://localhost:"));
  g_assert_cmpint (sscanf (self->base_url, "http://localhost:%" G_GUINT64_FORMAT "/v1", &port),
                   ==, 1);
  g_assert_cmpuint (port, >, 0);
  g_assert_cmpuint (port, <, 65536);
  self->port = (guint) port;
  self->origin = g_strdup_printf ("http://localhost:%u", self->port);
  expected_base = g_strdup_printf ("%s/v1", self->origin);
  expected_app = g_strdup_printf ("%s/", self->origin);
  g_assert_cmpstr (self->base_url, ==, expected_base);
  g_assert_cmpstr (self->app_url, ==, expected_app);

  self->session = soup_session_new_with_options ("timeout", SESAME_TEST_SERVER_TIMEOUT,
                                                 "idle-timeout", SESAME_TEST_SERVER_TIMEOUT,
                                                 NULL);
  return g_steal_pointer (&self);
}

SesameTestServer *
sesame_test_server_start (const char *data_dir,
                          ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, data_dir);
  for (const char *arg = va_arg (ap, const char *); arg; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return sesame_test_server_start_argv (data_dir, (const char * const *) args->pdata);
}

void
sesame_test_server_stop (SesameTestServer *self)
{
  sesame_test_server_stop_with (self, SIGTERM);
}

void
sesame_test_server_stop_with (SesameTestServer *self,
                              int               signum)
{
  g_assert_nonnull (self->process);
  g_clear_object (&self->session);
  g_subprocess_send_signal (self->process, signum);
  if (!wait_for_exit (self->process, SESAME_TEST_SERVER_TIMEOUT))
    {
      report_log (self);
      g_subprocess_force_exit (self->process);
      wait_for_exit (self->process, SESAME_TEST_SERVER_TIMEOUT);
      g_clear_object (&self->process);
      g_test_message ("sesame-server did not exit within %d s of signal %d",
                      SESAME_TEST_SERVER_TIMEOUT, signum);
      g_test_fail ();
      return;
    }
  if (!g_subprocess_get_if_exited (self->process))
    {
      report_log (self);
      g_test_message ("sesame-server died of signal %d",
                      g_subprocess_get_if_signaled (self->process) ?
                      g_subprocess_get_term_sig (self->process) : -1);
      g_test_fail ();
    }
  else if (g_subprocess_get_exit_status (self->process) != 0)
    {
      report_log (self);
      g_test_message ("sesame-server exited with status %d",
                      g_subprocess_get_exit_status (self->process));
      g_test_fail ();
    }
  g_clear_object (&self->process);
}

SesameTestServer *
sesame_test_server_restart (SesameTestServer *self,
                            gboolean          pin,
                            ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  SesameTestServer *next;
  va_list ap;

  if (self->process)
    sesame_test_server_stop (self);
  if (pin)
    {
      g_ptr_array_add (args, (gpointer) "--tenant-id");
      g_ptr_array_add (args, self->tenant_id);
      g_ptr_array_add (args, (gpointer) "--secret-key");
      g_ptr_array_add (args, self->secret_key);
    }
  va_start (ap, pin);
  for (const char *arg = va_arg (ap, const char *); arg; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  next = sesame_test_server_start_argv (self->data_dir, (const char * const *) args->pdata);
  next->owns_root = self->owns_root;
  self->owns_root = FALSE;
  sesame_test_server_free (self);
  return next;
}

void
sesame_test_server_free (SesameTestServer *self)
{
  if (!self)
    return;
  g_clear_object (&self->session);
  if (self->process)
    {
      g_subprocess_force_exit (self->process);
      wait_for_exit (self->process, SESAME_TEST_SERVER_TIMEOUT);
      g_clear_object (&self->process);
    }
  if (g_test_failed ())
    report_log (self);
  if (self->owns_root && self->root)
    {
      if (g_test_failed ())
        g_test_message ("keeping %s for inspection", self->root);
      else
        sesame_test_remove_tree (self->root);
    }
  g_free (self->root);
  g_free (self->data_dir);
  g_free (self->log_path);
  g_free (self->origin);
  g_free (self->base_url);
  g_free (self->app_url);
  g_free (self->tenant_id);
  g_free (self->secret_key);
  g_free (self->db_path);
  g_free (self);
}

typedef struct
{
  gboolean  done;
  char     *out;
  GError   *error;
} Communicate;

static void
communicate_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Communicate *c = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &c->out, NULL, &c->error);
  c->done = TRUE;
}

int
sesame_test_server_run_to_exit (const char * const *args,
                                char              **output)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *home = g_dir_make_tmp ("sesame-server-test-XXXXXX", &error);
  Communicate c = { 0 };
  int status = -1;

  g_assert_no_error (error);
  g_ptr_array_add (argv, (gpointer) sesame_test_server_binary ());
  for (gsize i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, home);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicate_cb, &c);
  if (!iterate_until (&c.done, SESAME_TEST_SERVER_TIMEOUT))
    {
      /* It kept running: that is a failure of its own. */
      g_subprocess_force_exit (process);
      while (!c.done)
        g_main_context_iteration (NULL, TRUE);
      g_test_message ("sesame-server did not exit within %d s", SESAME_TEST_SERVER_TIMEOUT);
      g_test_fail ();
    }
  else
    {
      g_assert_no_error (c.error);
      wait_for_exit (process, SESAME_TEST_SERVER_TIMEOUT);
      g_assert_true (g_subprocess_get_if_exited (process));
      if (g_subprocess_get_if_exited (process))
        status = g_subprocess_get_exit_status (process);
    }
  g_clear_error (&c.error);
  if (output)
    *output = c.out ? c.out : g_strdup ("");
  else
    g_free (c.out);
  sesame_test_remove_tree (home);
  return status;
}

/* HTTP */

SesameTestReply *
sesame_test_request_full (SesameTestServer   *server,
                          const char         *method,
                          const char         *path,
                          const char         *authorization,
                          const char         *content_type,
                          const char         *body,
                          gssize              len,
                          const char * const *extra_headers)
{
  SesameTestReply *reply = g_new0 (SesameTestReply, 1);
  g_autofree char *uri = g_strconcat (server->origin, path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new (method, uri);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  const char *type;

  reply->label = g_strdup_printf ("%s %s", method, path);
  g_assert_nonnull (message);
  if (!message)
    return reply;
  headers = soup_message_get_request_headers (message);
  soup_message_headers_replace (headers, "Origin", server->origin);
  if (authorization)
    soup_message_headers_replace (headers, "Authorization", authorization);
  for (gsize i = 0; extra_headers && extra_headers[i] && extra_headers[i + 1]; i += 2)
    soup_message_headers_replace (headers, extra_headers[i], extra_headers[i + 1]);
  if (body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, len < 0 ? strlen (body) : (gsize) len);

      soup_message_set_request_body_from_bytes (message,
                                                content_type ? content_type : "application/json",
                                                bytes);
    }
  else if (content_type)
    soup_message_headers_replace (headers, "Content-Type", content_type);

  reply->body = soup_session_send_and_read (server->session, message, NULL, &error);
  if (!reply->body)
    {
      g_test_message ("%s: no reply: %s", reply->label, error->message);
      g_test_fail ();
      reply->body = g_bytes_new (NULL, 0);
      return reply;
    }
  reply->status = soup_message_get_status (message);
  reply->headers = soup_message_headers_ref (soup_message_get_response_headers (message));

  if (g_str_equal (method, "OPTIONS"))
    return reply;

  /* A test that sends another Origin checks the CORS reply itself. */
  if (g_strcmp0 (soup_message_headers_get_one (headers, "Origin"), server->origin) == 0 &&
      !soup_message_headers_get_one (reply->headers, "Access-Control-Allow-Origin"))
    {
      g_test_message ("%s → %u has no Access-Control-Allow-Origin", reply->label, reply->status);
      g_test_fail ();
    }

  if (g_bytes_get_size (reply->body) > 0)
    {
      gsize size;
      const char *data = g_bytes_get_data (reply->body, &size);
      g_autofree char *problem = NULL;

      type = soup_message_headers_get_content_type (reply->headers, NULL);
      if (g_strcmp0 (type, "application/json") != 0)
        {
          g_test_message ("%s → %u is labelled %s, not application/json", reply->label,
                          reply->status, type);
          g_test_fail ();
        }
      if (!sesame_json_check_syntax (data, size, &problem))
        {
          g_test_message ("%s → %u body is not strict JSON (%s): %.*s", reply->label,
                          reply->status, problem, (int) MIN (size, 300), data);
          g_test_fail ();
        }
      else
        {
          g_autoptr(JsonParser) parser = json_parser_new ();

          if (json_parser_load_from_data (parser, data, size, &error))
            reply->json = json_node_copy (json_parser_get_root (parser));
          g_assert_no_error (error);
        }
    }
  else if (reply->status != SOUP_STATUS_NO_CONTENT)
    {
      g_test_message ("%s → %u has an empty body; every reply must be JSON", reply->label,
                      reply->status);
      g_test_fail ();
    }
  return reply;
}

SesameTestReply *
sesame_test_request (SesameTestServer *server,
                     const char       *method,
                     const char       *path,
                     const char       *authorization,
                     const char       *body)
{
  return sesame_test_request_full (server, method, path, authorization, NULL, body, -1, NULL);
}

SesameTestReply *
sesame_test_preflight (SesameTestServer *server,
                       const char       *path,
                       const char       *method)
{
  const char *headers[] = {
    "Access-Control-Request-Method", method,
    "Access-Control-Request-Headers", "authorization,content-type",
    NULL,
  };

  return sesame_test_request_full (server, "OPTIONS", path, NULL, NULL, NULL, 0, headers);
}

void
sesame_test_reply_free (SesameTestReply *reply)
{
  if (!reply)
    return;
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_clear_pointer (&reply->headers, soup_message_headers_unref);
  g_clear_pointer (&reply->json, json_node_unref);
  g_free (reply->label);
  g_free (reply);
}

static const char *
body_text (SesameTestReply *reply,
           gsize           *size)
{
  return reply->body ? g_bytes_get_data (reply->body, size) : (*size = 0, "");
}

void
sesame_test_assert_ok (SesameTestReply *reply)
{
  gsize size;
  const char *text = body_text (reply, &size);

  if (!SOUP_STATUS_IS_SUCCESSFUL (reply->status) ||
      (reply->json && JSON_NODE_HOLDS_OBJECT (reply->json) &&
       json_object_has_member (json_node_get_object (reply->json), "error")))
    g_test_message ("%s → %u %.*s", reply->label, reply->status, (int) MIN (size, 400), text);
  g_assert_cmpuint (reply->status, >=, 200);
  g_assert_cmpuint (reply->status, <, 300);
  if (reply->json && JSON_NODE_HOLDS_OBJECT (reply->json))
    g_assert_false (json_object_has_member (json_node_get_object (reply->json), "error"));
}

/* The status that goes with each wire error code (brief, "Errors"). Some
 * codes may honestly be said with either of two statuses. */
static gboolean
status_fits_code (guint       status,
                  const char *code)
{
  static const struct { const char *code; guint status[2]; } table[] = {
    /* 415 for a body that is not labelled JSON */
    { "invalid_request", { 400, 415 } },
    { "invalid_base64url", { 400, 0 } },
    { "invalid_credential", { 400, 0 } },
    { "unknown_credential", { 400, 404 } },
    /* 400 when the token came in a body (POST /v1/validate). */
    { "expired_token", { 401, 400 } },
    { "invalid_token", { 401, 400 } },
    { "unauthorized", { 401, 0 } },
    { "forbidden", { 403, 0 } },
    { "origin_not_allowed", { 403, 0 } },
    { "not_found", { 404, 0 } },
    { "conflict", { 409, 0 } },
    { "payload_too_large", { 413, 0 } },
    { "challenge_expired", { 400, 410 } },
    { "challenge_replayed", { 400, 409 } },
    { "challenge_not_found", { 404, 400 } },
    { "method_not_allowed", { 405, 0 } },
    /* The disk is full or read-only. */
    { "service_unavailable", { 503, 0 } },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_str_equal (table[i].code, code))
      return status == table[i].status[0] || (table[i].status[1] && status == table[i].status[1]);
  g_assert_not_reached ();
  return FALSE;
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

static gboolean
error_matches (SesameTestReply *reply,
               const char      *code)
{
  JsonObject *object = reply->json && JSON_NODE_HOLDS_OBJECT (reply->json) ?
                       json_node_get_object (reply->json) : NULL;
  const char *description = string_member (object, "errorDescription");

  return status_fits_code (reply->status, code) &&
         g_strcmp0 (string_member (object, "error"), code) == 0 &&
         g_strcmp0 (string_member (object, "errorCode"), code) == 0 &&
         description && *description;
}

void
sesame_test_assert_error (SesameTestReply *reply,
                          const char      *code)
{
  sesame_test_assert_error_one_of (reply, code, NULL);
}

void
sesame_test_assert_error_one_of (SesameTestReply *reply,
                                 const char      *first_code,
                                 ...)
{
  g_autoptr(GString) codes = g_string_new (NULL);
  gboolean matched = FALSE;
  gsize size;
  const char *text = body_text (reply, &size);
  va_list ap;

  va_start (ap, first_code);
  for (const char *code = first_code; code; code = va_arg (ap, const char *))
    {
      g_string_append_printf (codes, "%s%s", codes->len ? " or " : "", code);
      matched = matched || error_matches (reply, code);
    }
  va_end (ap);
  if (!matched)
    {
      g_test_message ("%s: expected %s, got HTTP %u %.*s", reply->label, codes->str,
                      reply->status, (int) MIN (size, 400), text);
      g_test_fail ();
    }
}

const char *
sesame_test_webauthn_error (SesameTestReply *reply)
{
  JsonObject *object = reply->json && JSON_NODE_HOLDS_OBJECT (reply->json) ?
                       json_node_get_object (reply->json) : NULL;
  const char *value = string_member (object, "webauthnError");

  return value ? value : "(none)";
}

JsonObject *
sesame_test_reply_object (SesameTestReply *reply)
{
  static JsonObject *empty;

  if (reply->json && JSON_NODE_HOLDS_OBJECT (reply->json))
    return json_node_get_object (reply->json);
  g_test_message ("%s → %u: the reply is not a JSON object", reply->label, reply->status);
  g_test_fail ();
  if (!empty)
    empty = json_object_new ();
  return empty;
}

JsonArray *
sesame_test_reply_array (SesameTestReply *reply)
{
  static JsonArray *empty;

  if (reply->json && JSON_NODE_HOLDS_ARRAY (reply->json))
    return json_node_get_array (reply->json);
  g_test_message ("%s → %u: the reply is not a JSON array", reply->label, reply->status);
  g_test_fail ();
  if (!empty)
    empty = json_array_new ();
  return empty;
}

/* Authorization */

char *
sesame_test_basic (const char *user,
                   gboolean    colon)
{
  g_autofree char *plain = g_strconcat (user, colon ? ":" : "", NULL);
  g_autofree char *encoded = g_base64_encode ((const guint8 *) plain, strlen (plain));

  return g_strconcat ("Basic ", encoded, NULL);
}

char *
sesame_test_bearer (const char *token)
{
  return g_strconcat ("Bearer ", token, NULL);
}

char *
sesame_test_tenant_auth (SesameTestServer *server)
{
  return sesame_test_basic (server->tenant_id, FALSE);
}

char *
sesame_test_secret_auth (SesameTestServer *server)
{
  return sesame_test_basic (server->secret_key, TRUE);
}

void
sesame_test_session_set_up (SesameTestSession *session,
                            gconstpointer      data)
{
  if (!sesame_test_server_binary ())
    return;
  session->server = sesame_test_server_start (NULL, NULL);
  session->secret_auth = sesame_test_secret_auth (session->server);
  session->tenant_auth = sesame_test_tenant_auth (session->server);
}

void
sesame_test_session_tear_down (SesameTestSession *session,
                               gconstpointer      data)
{
  if (session->server && session->server->process)
    sesame_test_server_stop (session->server);
  g_clear_pointer (&session->server, sesame_test_server_free);
  g_clear_pointer (&session->secret_auth, g_free);
  g_clear_pointer (&session->tenant_auth, g_free);
}

/* JSON */

JsonObject *
sesame_test_parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

char *
sesame_test_to_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

static JsonNode *
member_of_type (JsonObject *object,
                const char *member,
                JsonNodeType type,
                GType        value_type)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  if (node && JSON_NODE_TYPE (node) == type &&
      (type != JSON_NODE_VALUE || json_node_get_value_type (node) == value_type))
    return node;
  if (object)
    {
      g_autofree char *text = sesame_test_to_json (object);
      g_test_message ("member \"%s\" is missing or of the wrong type in %.400s", member, text);
    }
  g_test_fail ();
  return NULL;
}

const char *
sesame_test_get_string (JsonObject *object,
                        const char *member)
{
  JsonNode *node = member_of_type (object, member, JSON_NODE_VALUE, G_TYPE_STRING);

  return node ? json_node_get_string (node) : "";
}

gboolean
sesame_test_get_bool (JsonObject *object,
                      const char *member)
{
  JsonNode *node = member_of_type (object, member, JSON_NODE_VALUE, G_TYPE_BOOLEAN);

  return node ? json_node_get_boolean (node) : FALSE;
}

JsonObject *
sesame_test_get_object (JsonObject *object,
                        const char *member)
{
  static JsonObject *empty;
  JsonNode *node = member_of_type (object, member, JSON_NODE_OBJECT, G_TYPE_INVALID);

  if (node)
    return json_node_get_object (node);
  if (!empty)
    empty = json_object_new ();
  return empty;
}

JsonArray *
sesame_test_get_array (JsonObject *object,
                       const char *member)
{
  static JsonArray *empty;
  JsonNode *node = member_of_type (object, member, JSON_NODE_ARRAY, G_TYPE_INVALID);

  if (node)
    return json_node_get_array (node);
  if (!empty)
    empty = json_array_new ();
  return empty;
}

char *
sesame_test_b64url_encode (GBytes *bytes)
{
  return sesame_base64url_encode_bytes (bytes);
}

GBytes *
sesame_test_b64url_decode (const char *text)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = sesame_base64url_decode (text, &error);

  if (!bytes)
    {
      g_test_message ("\"%s\" is not base64url: %s", text, error->message);
      g_test_fail ();
      return g_bytes_new (NULL, 0);
    }
  return bytes;
}

char *
sesame_test_random_b64url (gsize n_bytes)
{
  g_autofree guint8 *buf = g_malloc (n_bytes);

  g_assert_true (RAND_bytes (buf, (int) n_bytes) == 1);
  return sesame_base64url_encode (buf, n_bytes);
}

/* Ceremonies */

SesameTestPasskey *
sesame_test_passkey_new (void)
{
  SesameTestPasskey *self = g_new0 (SesameTestPasskey, 1);

  self->authenticator = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  self->credential_id = sesame_base64url_encode_bytes (self->authenticator->credential_id);
  return self;
}

void
sesame_test_passkey_free (SesameTestPasskey *self)
{
  if (!self)
    return;
  sesame_test_authenticator_free (self->authenticator);
  g_free (self->credential_id);
  g_free (self->user_id);
  g_free (self->user_handle);
  g_free (self->passkey_id);
  g_free (self);
}

char *
sesame_test_track (SesameTestServer *server,
                   const char       *user_path,
                   const char       *action,
                   const char       *body,
                   JsonObject      **reply_out)
{
  g_autofree char *auth = sesame_test_secret_auth (server);
  g_autofree char *path = g_strdup_printf ("/v1/users/%s/actions/%s", user_path, action);
  g_autoptr(SesameTestReply) reply = sesame_test_request (server, "POST", path, auth,
                                                          body ? body : "{}");
  JsonObject *object;

  sesame_test_assert_ok (reply);
  object = sesame_test_reply_object (reply);
  if (reply_out)
    *reply_out = json_object_ref (object);
  return g_strdup (sesame_test_get_string (object, "token"));
}

JsonObject *
sesame_test_registration_options (SesameTestServer *server,
                                  const char       *token,
                                  const char       *username)
{
  g_autofree char *auth = sesame_test_bearer (token);
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\","
                                           "\"authenticatorAttachment\":\"platform\"}", username);
  g_autoptr(SesameTestReply) reply =
    sesame_test_request (server, "POST", SESAME_TEST_C2, auth, body);

  sesame_test_assert_ok (reply);
  return json_object_ref (sesame_test_reply_object (reply));
}

static void
add_b64url (JsonBuilder *builder,
            const char  *member,
            GBytes      *bytes)
{
  g_autofree char *text = sesame_base64url_encode_bytes (bytes);

  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, text);
}

static JsonObject *
builder_object (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  return json_object_ref (json_node_get_object (root));
}

/* Opens a PublicKeyCredential's toJSON() object and its "response". */
static void
begin_credential (JsonBuilder       *builder,
                  SesameTestPasskey *passkey)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, passkey->credential_id);
  json_builder_set_member_name (builder, "rawId");
  json_builder_add_string_value (builder, passkey->credential_id);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "public-key");
  json_builder_set_member_name (builder, "response");
  json_builder_begin_object (builder);
}

JsonObject *
sesame_test_registration_from_parts (SesameTestPasskey *passkey,
                                     GBytes            *client_data,
                                     GBytes            *attestation_object,
                                     GBytes            *auth_data)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  begin_credential (builder, passkey);
  add_b64url (builder, "clientDataJSON", client_data);
  add_b64url (builder, "attestationObject", attestation_object);
  /* What simplewebauthn adds from getAuthenticatorData() and friends. */
  add_b64url (builder, "authenticatorData", auth_data);
  add_b64url (builder, "publicKey", passkey->authenticator->cose_key);
  json_builder_set_member_name (builder, "publicKeyAlgorithm");
  json_builder_add_int_value (builder, passkey->authenticator->alg);
  json_builder_set_member_name (builder, "transports");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, "internal");
  json_builder_add_string_value (builder, "hybrid");
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "authenticatorAttachment");
  json_builder_add_string_value (builder, "platform");
  json_builder_set_member_name (builder, "clientExtensionResults");
  json_builder_begin_object (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  return builder_object (builder);
}

JsonObject *
sesame_test_registration_credential (SesameTestPasskey *passkey,
                                     const char        *challenge,
                                     const char        *origin,
                                     const char        *rp_id,
                                     guint8             flags,
                                     const char        *fmt)
{
  g_autoptr(GBytes) challenge_bytes = sesame_test_b64url_decode (challenge);
  g_autoptr(GBytes) client_data = sesame_test_client_data ("webauthn.create", challenge_bytes,
                                                           origin, NULL);
  g_autoptr(GBytes) auth_data = sesame_test_auth_data (rp_id, flags, 0, passkey->authenticator,
                                                       NULL);
  g_autoptr(GBytes) object = g_str_equal (fmt, "packed") ?
    sesame_test_packed_self (passkey->authenticator, auth_data, client_data) :
    sesame_test_attestation_object ("none", auth_data, NULL);

  return sesame_test_registration_from_parts (passkey, client_data, object, auth_data);
}

JsonObject *
sesame_test_assertion_from_parts (SesameTestPasskey *passkey,
                                  GBytes            *client_data,
                                  GBytes            *auth_data,
                                  GBytes            *signature)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  begin_credential (builder, passkey);
  add_b64url (builder, "clientDataJSON", client_data);
  add_b64url (builder, "authenticatorData", auth_data);
  add_b64url (builder, "signature", signature);
  if (passkey->user_handle)
    {
      json_builder_set_member_name (builder, "userHandle");
      json_builder_add_string_value (builder, passkey->user_handle);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "authenticatorAttachment");
  json_builder_add_string_value (builder, "platform");
  json_builder_set_member_name (builder, "clientExtensionResults");
  json_builder_begin_object (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  return builder_object (builder);
}

JsonObject *
sesame_test_authentication_credential (SesameTestPasskey *passkey,
                                       const char        *challenge,
                                       const char        *origin,
                                       const char        *rp_id,
                                       guint8             flags,
                                       guint32            sign_count,
                                       gboolean           tamper)
{
  g_autoptr(GBytes) challenge_bytes = sesame_test_b64url_decode (challenge);
  g_autoptr(GBytes) client_data = sesame_test_client_data ("webauthn.get", challenge_bytes,
                                                           origin, NULL);
  g_autoptr(GBytes) auth_data = sesame_test_auth_data (rp_id, flags, sign_count, NULL, NULL);
  g_autoptr(GBytes) signature = sesame_test_authenticator_sign (passkey->authenticator, auth_data,
                                                                client_data);

  if (tamper)
    {
      gsize size;
      guint8 *copy = g_bytes_unref_to_data (g_steal_pointer (&signature), &size);

      copy[size / 2] ^= 0x01;
      signature = g_bytes_new_take (copy, size);
    }
  return sesame_test_assertion_from_parts (passkey, client_data, auth_data, signature);
}

char *
sesame_test_c3_body (JsonObject *credential,
                     const char *challenge_id)
{
  g_autoptr(JsonObject) body = json_object_new ();

  json_object_set_object_member (body, "registrationCredential", json_object_ref (credential));
  json_object_set_string_member (body, "challengeId", challenge_id);
  json_object_set_boolean_member (body, "conditionalCreate", FALSE);
  return sesame_test_to_json (body);
}

char *
sesame_test_c5_body (JsonObject *credential,
                     const char *challenge_id)
{
  g_autoptr(JsonObject) body = json_object_new ();

  json_object_set_object_member (body, "authenticationCredential", json_object_ref (credential));
  json_object_set_string_member (body, "challengeId", challenge_id);
  json_object_set_string_member (body, "deviceId", "5a3b2c1d-0000-4000-8000-000000000001");
  return sesame_test_to_json (body);
}

SesameTestPasskey *
sesame_test_register (SesameTestServer *server,
                      const char       *user_path,
                      const char       *username,
                      const char       *track_body,
                      char            **access_token)
{
  g_autoptr(SesameTestPasskey) passkey = sesame_test_passkey_new ();
  g_autofree char *token = sesame_test_track (server, user_path, "addPasskey", track_body, NULL);
  g_autofree char *auth = sesame_test_bearer (token);
  g_autoptr(JsonObject) options = sesame_test_registration_options (server, token, username);
  JsonObject *public_key = sesame_test_get_object (options, "options");
  JsonObject *user = sesame_test_get_object (public_key, "user");
  g_autoptr(JsonObject) credential = NULL;
  g_autofree char *body = NULL;
  g_autoptr(SesameTestReply) reply = NULL;
  JsonObject *object;

  passkey->user_handle = g_strdup (sesame_test_get_string (user, "id"));
  credential = sesame_test_registration_credential (
    passkey, sesame_test_get_string (public_key, "challenge"), server->origin, "localhost",
    SESAME_TEST_FLAGS_REGISTER, "packed");
  body = sesame_test_c3_body (credential, sesame_test_get_string (options, "challengeId"));
  reply = sesame_test_request (server, "POST", SESAME_TEST_C3, auth, body);
  sesame_test_assert_ok (reply);
  object = sesame_test_reply_object (reply);
  g_assert_true (sesame_test_get_bool (object, "isVerified"));
  passkey->user_id = g_strdup (sesame_test_get_string (object, "userId"));
  passkey->passkey_id = g_strdup (sesame_test_get_string (object, "userAuthenticatorId"));
  if (access_token)
    *access_token = g_strdup (sesame_test_get_string (object, "accessToken"));
  return g_steal_pointer (&passkey);
}

JsonObject *
sesame_test_authentication_options (SesameTestServer *server,
                                    const char       *authorization,
                                    const char       *body)
{
  g_autoptr(SesameTestReply) reply =
    sesame_test_request (server, "POST", SESAME_TEST_C4, authorization, body ? body : "{}");

  sesame_test_assert_ok (reply);
  return json_object_ref (sesame_test_reply_object (reply));
}

void
sesame_test_assert_signs_in (SesameTestServer  *server,
                             SesameTestPasskey *passkey,
                             const char        *user_id)
{
  g_autoptr(JsonObject) signed_in = sesame_test_sign_in (server, passkey, NULL);

  g_assert_cmpstr (sesame_test_get_string (signed_in, "userId"), ==, user_id);
}

JsonObject *
sesame_test_sign_in (SesameTestServer  *server,
                     SesameTestPasskey *passkey,
                     const char        *action)
{
  g_autofree char *auth = sesame_test_tenant_auth (server);
  g_autofree char *options_body = NULL;
  g_autoptr(JsonObject) options = NULL;
  g_autoptr(JsonObject) credential = NULL;
  g_autofree char *body = NULL;
  g_autoptr(SesameTestReply) reply = NULL;
  JsonObject *object;

  if (action)
    {
      g_autofree char *challenge_body = g_strdup_printf ("{\"action\":\"%s\"}", action);
      g_autoptr(SesameTestReply) challenge =
        sesame_test_request (server, "POST", "/v1/client/challenge", auth, challenge_body);

      sesame_test_assert_ok (challenge);
      options_body = g_strdup_printf ("{\"challengeId\":\"%s\"}",
                                      sesame_test_get_string (sesame_test_reply_object (challenge),
                                                              "challengeId"));
    }
  options = sesame_test_authentication_options (server, auth, options_body);
  credential = sesame_test_authentication_credential (
    passkey, sesame_test_get_string (sesame_test_get_object (options, "options"), "challenge"),
    server->origin, "localhost", SESAME_TEST_FLAGS_ASSERT, ++passkey->sign_count, FALSE);
  body = sesame_test_c5_body (credential, sesame_test_get_string (options, "challengeId"));
  reply = sesame_test_request (server, "POST", "/v1/client/verify/passkey", auth, body);
  sesame_test_assert_ok (reply);
  object = sesame_test_reply_object (reply);
  g_assert_true (sesame_test_get_bool (object, "isVerified"));
  return json_object_ref (object);
}

/* The SQLite file */

static gboolean
is_sqlite_file (const char *path)
{
  char header[16] = { 0 };
  FILE *file = fopen (path, "rb");
  gboolean ok;

  if (!file)
    return FALSE;
  ok = fread (header, 1, sizeof header, file) == sizeof header &&
       memcmp (header, "SQLite format 3", 16) == 0;
  fclose (file);
  return ok;
}

static char *
find_db (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle && (name = g_dir_read_name (handle)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          char *found = find_db (path);
          if (found)
            return found;
        }
      else if (is_sqlite_file (path))
        return g_steal_pointer (&path);
    }
  return NULL;
}

const char *
sesame_test_server_db_path (SesameTestServer *server)
{
  if (!server->db_path)
    server->db_path = find_db (server->data_dir);
  if (!server->db_path)
    g_test_message ("no SQLite file under %s", server->data_dir);
  g_assert_nonnull (server->db_path);
  return server->db_path;
}

static sqlite3 *
open_db (SesameTestServer *server)
{
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2 (sesame_test_server_db_path (server), &db, SQLITE_OPEN_READONLY, NULL);

  g_assert_cmpint (rc, ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static char *
query_text (sqlite3    *db,
            const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    g_test_message ("%s: %s", sql, sqlite3_errmsg (db));
  g_assert_cmpint (rc, ==, SQLITE_OK);
  if (rc == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0))
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return text ? text : g_strdup ("");
}

static gint64
query_int (sqlite3    *db,
           const char *sql)
{
  g_autofree char *text = query_text (db, sql);

  return g_ascii_strtoll (text, NULL, 10);
}

char *
sesame_test_db_text (SesameTestServer *server,
                     const char       *sql)
{
  sqlite3 *db = open_db (server);
  char *text = query_text (db, sql);

  sqlite3_close (db);
  return text;
}

gint64
sesame_test_db_int (SesameTestServer *server,
                    const char       *sql)
{
  g_autofree char *text = sesame_test_db_text (server, sql);

  return g_ascii_strtoll (text, NULL, 10);
}

void
sesame_test_assert_intact (SesameTestServer *server)
{
  g_autofree char *check = sesame_test_db_text (server, "PRAGMA integrity_check");

  g_assert_cmpstr (check, ==, "ok");
}

SesameTestSnapshot *
sesame_test_snapshot (SesameTestServer *server)
{
  SesameTestSnapshot *s = g_new0 (SesameTestSnapshot, 1);
  sqlite3 *db = open_db (server);

  /* One read transaction, so that the numbers agree with each other. */
  sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  s->tenants = query_int (db, "SELECT count(*) FROM tenants");
  s->users = query_int (db, "SELECT count(*) FROM users");
  s->passkeys = query_int (db, "SELECT count(*) FROM passkeys");
  s->actions = query_int (db, "SELECT count(*) FROM actions");
  s->challenges = query_int (db, "SELECT count(*) FROM challenges");
  s->used_challenges = query_int (db, "SELECT count(*) FROM challenges WHERE used");
  s->events = query_int (db, "SELECT count(*) FROM events");
  s->tenant_rows = query_text (db,
    "SELECT group_concat (r, char (10)) FROM (SELECT id || ' ' || hex (secret_key_hash) || ' ' ||"
    " rp_id || ' ' || expected_origins || ' ' || user_verification AS r FROM tenants ORDER BY id)");
  s->user_rows = query_text (db,
    "SELECT group_concat (r, char (10)) FROM (SELECT tenant || ' ' || user_id || ' ' ||"
    " ifnull (username, '-') || ' ' || ifnull (display_name, '-') AS r FROM users"
    " ORDER BY tenant, user_id)");
  s->passkey_rows = query_text (db,
    "SELECT group_concat (r, char (10)) FROM (SELECT id || ' ' || user_id || ' ' || sign_count ||"
    " ' ' || ifnull (last_used, 0) || ' ' || backed_up AS r FROM passkeys ORDER BY id)");
  s->action_rows = query_text (db,
    "SELECT group_concat (r, char (10)) FROM (SELECT idempotency_key || ' ' || action_code ||"
    " ' ' || user_id || ' ' || state || ' ' || ifnull (verification_method, '-') AS r FROM actions"
    " ORDER BY tenant, idempotency_key)");
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close (db);
  return s;
}

void
sesame_test_snapshot_free (SesameTestSnapshot *s)
{
  if (!s)
    return;
  g_free (s->tenant_rows);
  g_free (s->user_rows);
  g_free (s->passkey_rows);
  g_free (s->action_rows);
  g_free (s);
}

static void
compare (const char *label,
         const char *what,
         gint64      before,
         gint64      after)
{
  if (before != after)
    {
      g_test_message ("%s: %s changed from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                      label, what, before, after);
      g_test_fail ();
    }
}

static void
compare_rows (const char *label,
              const char *what,
              const char *before,
              const char *after)
{
  if (g_strcmp0 (before, after) != 0)
    {
      g_test_message ("%s: %s changed:\n  before: %s\n  after:  %s", label, what, before, after);
      g_test_fail ();
    }
}

static void
compare_data (const SesameTestSnapshot *before,
              const SesameTestSnapshot *after,
              const char               *label)
{
  compare (label, "number of tenants", before->tenants, after->tenants);
  compare_rows (label, "tenants", before->tenant_rows, after->tenant_rows);
  compare (label, "number of users", before->users, after->users);
  compare_rows (label, "users", before->user_rows, after->user_rows);
  compare (label, "number of passkeys", before->passkeys, after->passkeys);
  compare_rows (label, "passkeys", before->passkey_rows, after->passkey_rows);
  compare (label, "number of actions", before->actions, after->actions);
  compare (label, "number of challenges", before->challenges, after->challenges);
}

/* "key code user state method" rows by key. */
static GHashTable *
actions_by_key (const char *rows)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit (rows, "\n", -1);

  for (char **line = lines; *line; line++)
    {
      const char *space = strchr (*line, ' ');
      if (space)
        g_hash_table_insert (table, g_strndup (*line, space - *line), g_strdup (space + 1));
    }
  return table;
}

void
sesame_test_assert_no_data_change (const SesameTestSnapshot *before,
                                   const SesameTestSnapshot *after,
                                   const char               *label)
{
  g_autoptr(GHashTable) old_actions = actions_by_key (before->action_rows);
  g_autoptr(GHashTable) new_actions = actions_by_key (after->action_rows);
  GHashTableIter iter;
  gpointer key, value;

  compare (label, "number of tenants", before->tenants, after->tenants);
  compare_rows (label, "tenants", before->tenant_rows, after->tenant_rows);
  compare (label, "number of users", before->users, after->users);
  compare_rows (label, "users", before->user_rows, after->user_rows);
  compare (label, "number of passkeys", before->passkeys, after->passkeys);
  compare_rows (label, "passkeys", before->passkey_rows, after->passkey_rows);
  compare (label, "number of challenges", before->challenges, after->challenges);

  /* A failed ceremony may record itself as a CHALLENGE_FAILED action (a
   * sign-in's action is made once the credential names its user), and
   * nothing else. */
  g_hash_table_iter_init (&iter, old_actions);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (new_actions, key))
      {
        g_test_message ("%s: action %s %s disappeared", label, (char *) key, (char *) value);
        g_test_fail ();
      }
  g_hash_table_iter_init (&iter, new_actions);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *old = g_hash_table_lookup (old_actions, key);

      if (g_strcmp0 (old, value) != 0 && !strstr (value, " CHALLENGE_FAILED "))
        {
          g_test_message ("%s: action %s: %s → %s", label, (char *) key, old ? old : "(new)",
                          (char *) value);
          g_test_fail ();
        }
    }
}

void
sesame_test_assert_unchanged (const SesameTestSnapshot *before,
                              const SesameTestSnapshot *after,
                              const char               *label)
{
  compare_data (before, after, label);
  compare_rows (label, "actions", before->action_rows, after->action_rows);
  compare (label, "number of used challenges", before->used_challenges, after->used_challenges);
  compare (label, "number of events", before->events, after->events);
}

/* Tokens */

char *
sesame_test_tampered_token (const char *token)
{
  char *copy = g_strdup (token);
  char *signature = strrchr (copy, '.');
  gsize len;

  g_assert_nonnull (signature);
  if (!signature)
    return copy;
  signature++;
  len = strlen (signature);
  g_assert_cmpuint (len, >, 4);
  /* A middle character: the last one may only carry padding bits. */
  signature[len / 2] = signature[len / 2] == 'A' ? 'B' : 'A';
  return copy;
}

GBytes *
sesame_test_token_key (SesameTestServer *server,
                       const char       *tenant_id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT hex (token_key) FROM tenants WHERE id = '%s'",
                                          tenant_id ? tenant_id : server->tenant_id);
  g_autofree char *hex = sesame_test_db_text (server, sql);
  gsize len = strlen (hex) / 2;
  guint8 *key = g_malloc (len);

  g_assert_cmpuint (len, >, 0);
  for (gsize i = 0; i < len; i++)
    key[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) << 4 |
                       g_ascii_xdigit_value (hex[2 * i + 1]));
  return g_bytes_new_take (key, len);
}

static SesameTokenClaims *
token_claims (SesameTestServer *server,
              const char       *token,
              GBytes          **key_out)
{
  g_autoptr(GBytes) key = sesame_test_token_key (server, NULL);
  g_autoptr(GError) error = NULL;
  SesameTokenClaims *claims;

  claims = sesame_token_verify (g_bytes_get_data (key, NULL), g_bytes_get_size (key), token,
                                g_get_real_time () / G_USEC_PER_SEC, &error);
  if (!claims)
    g_test_message ("the server's token is not a sesame_token of the tenant's key: %s",
                    error->message);
  g_assert_nonnull (claims);
  *key_out = g_steal_pointer (&key);
  return claims;
}

char *
sesame_test_expired_token (SesameTestServer *server,
                           const char       *token)
{
  g_autoptr(GBytes) key = NULL;
  g_autoptr(SesameTokenClaims) claims = token_claims (server, token, &key);
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  char *expired;

  if (!claims)
    return g_strdup (token);
  /* Well past the clock skew the server may allow. */
  claims->issued_at = now - 3600;
  claims->expires_at = now - 1800;
  expired = sesame_token_issue (g_bytes_get_data (key, NULL), g_bytes_get_size (key), claims,
                                &error);
  g_assert_no_error (error);
  return expired ? expired : g_strdup (token);
}

char *
sesame_test_foreign_token (SesameTestServer *server,
                           const char       *token)
{
  g_autoptr(GBytes) key = NULL;
  g_autoptr(SesameTokenClaims) claims = token_claims (server, token, &key);
  g_autoptr(GError) error = NULL;
  guint8 other[32];
  char *foreign;

  if (!claims)
    return g_strdup (token);
  g_assert_true (RAND_bytes (other, sizeof other) == 1);
  foreign = sesame_token_issue (other, sizeof other, claims, &error);
  g_assert_no_error (error);
  return foreign ? foreign : g_strdup (token);
}
