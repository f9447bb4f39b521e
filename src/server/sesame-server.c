/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-server.h"
#include "sesame-base64.h"
#include "sesame-http-connection.h"
#include "sesame-sample-app.h"
#include "sesame-server-private.h"
#include "sesame-tenant-rules.h"
#include "sesame-tenant-settings.h"
#include "sesame-token.h"

#include <openssl/rand.h>
#include <string.h>

#define LOCAL_TENANT_NAME   "Local development"
#define SECRET_KEY_BYTES    32
#define SECRET_KEY_MAX_LEN  256
#define TENANT_ID_MAX_LEN   128
/* Used challenges are kept until they expire so that a replay is reported
 * as one; after that they are only clutter. */
#define PURGE_INTERVAL_S    60

struct _SesameServer
{
  GObject      parent_instance;

  SesameStore *store;
  SoupServer  *soup;
  gulong       event_handler;

  guint        port;
  char        *base_url;
  char        *app_url;
  char        *app_origin;
  char        *tenant_id;
  guint        purge_source;
  gboolean     sample_app_started;
  gboolean     loopback_only;   /* listening on loopback: only local Host names */
  guint        idle_timeout;    /* seconds; see sesame-http-connection.h */
  guint        request_timeout;
  char        *address;         /* what it listens on, as given to listen */
  char        *sample_app_key;  /* the secret key the sample app's backend uses */

  /* The workers (none: requests run inline on the main context). */
  GMainContext *context;        /* thread-default at construction: replies go here */
  GAsyncQueue  *jobs;           /* Job; NULL: no workers */
  GPtrArray    *workers;        /* Worker */
  gboolean      housekeeping_queued;   /* main context only */
};

G_DEFINE_FINAL_TYPE (SesameServer, sesame_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STORE,
  PROP_PORT,
  PROP_BASE_URL,
  PROP_APP_URL,
  PROP_TENANT_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  EVENT_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Routes */

#define CLIENT_AUTH (SESAME_AUTH_TENANT | SESAME_AUTH_TOKEN)

typedef struct
{
  const char      *method;
  const char      *pattern;   /* "{name}" segments are parameters */
  SesameAuth       auth;
  gboolean         web;       /* a cookie variant: credentialed CORS */
  SesameRouteFunc  func;
} Route;

static const Route routes[] = {
  /* Client API: what @authsignal/browser's passkey flows call. */
  { "POST", "/v1/client/challenge", CLIENT_AUTH, FALSE, sesame_client_api_challenge },
  { "POST", "/v1/client/challenge/web", CLIENT_AUTH, TRUE, sesame_client_api_challenge },
  { "POST", "/v1/client/user-authenticators/passkey/registration-options", SESAME_AUTH_TOKEN,
    FALSE, sesame_client_api_registration_options },
  { "POST", "/v1/client/user-authenticators/passkey/registration-options/web", SESAME_AUTH_TOKEN,
    TRUE, sesame_client_api_registration_options },
  { "POST", "/v1/client/user-authenticators/passkey", SESAME_AUTH_TOKEN, FALSE,
    sesame_client_api_add_passkey },
  { "POST", "/v1/client/user-authenticators/passkey/web", SESAME_AUTH_TOKEN, TRUE,
    sesame_client_api_add_passkey },
  { "GET", "/v1/client/user-authenticators/passkey", CLIENT_AUTH, FALSE,
    sesame_client_api_passkey_exists },
  { "POST", "/v1/client/user-authenticators/passkey/authentication-options", CLIENT_AUTH, FALSE,
    sesame_client_api_authentication_options },
  { "POST", "/v1/client/user-authenticators/passkey/authentication-options/web", CLIENT_AUTH,
    TRUE, sesame_client_api_authentication_options },
  { "POST", "/v1/client/verify/passkey", CLIENT_AUTH, FALSE, sesame_client_api_verify_passkey },
  { "POST", "/v1/client/verify/passkey/web", CLIENT_AUTH, TRUE, sesame_client_api_verify_passkey },
  { "GET", "/v1/client/user-authenticators", SESAME_AUTH_TOKEN, FALSE,
    sesame_client_api_list_authenticators },

  /* Server API: what @authsignal/node calls with the secret key. */
  { "POST", "/v1/users/{userId}/actions/{action}", SESAME_AUTH_SECRET, FALSE,
    sesame_server_api_track },
  { "POST", "/v1/validate", SESAME_AUTH_SECRET, FALSE, sesame_server_api_validate },
  { "GET", "/v1/users", SESAME_AUTH_SECRET, FALSE, sesame_server_api_query_users },
  { "GET", "/v1/users/{userId}", SESAME_AUTH_SECRET, FALSE, sesame_server_api_get_user },
  { "PATCH", "/v1/users/{userId}", SESAME_AUTH_SECRET, FALSE, sesame_server_api_update_user },
  { "DELETE", "/v1/users/{userId}", SESAME_AUTH_SECRET, FALSE, sesame_server_api_delete_user },
  { "GET", "/v1/users/{userId}/authenticators", SESAME_AUTH_SECRET, FALSE,
    sesame_server_api_list_authenticators },
  { "DELETE", "/v1/users/{userId}/authenticators/{userAuthenticatorId}", SESAME_AUTH_SECRET,
    FALSE, sesame_server_api_delete_authenticator },
  { "GET", "/v1/users/{userId}/actions/{action}/{idempotencyKey}", SESAME_AUTH_SECRET, FALSE,
    sesame_server_api_get_action },
  { "PATCH", "/v1/users/{userId}/actions/{action}/{idempotencyKey}", SESAME_AUTH_SECRET, FALSE,
    sesame_server_api_update_action },
  { "GET", "/v1/users/{userId}/actions", SESAME_AUTH_SECRET, FALSE,
    sesame_server_api_query_actions },
};

/* TRUE when @segments fit @route's pattern; the parameters go to @params. */
static gboolean
route_matches (const Route  *route,
               char        **segments,
               GStrvBuilder *params)
{
  g_auto(GStrv) pattern = g_strsplit (route->pattern + 1, "/", -1);

  if (g_strv_length (pattern) != g_strv_length (segments))
    return FALSE;
  for (guint i = 0; pattern[i]; i++)
    {
      if (pattern[i][0] == '{')
        {
          if (!*segments[i])
            return FALSE;
        }
      else if (!g_str_equal (pattern[i], segments[i]))
        return FALSE;
    }
  for (guint i = 0; params && pattern[i]; i++)
    if (pattern[i][0] == '{')
      g_strv_builder_add (params, segments[i]);
  return TRUE;
}

/* The dispatcher. A request goes through three steps:
 *
 *   1. request_from_message(): everything a handler may read is copied out
 *      of the SoupServerMessage (main context);
 *   2. handle_request(): routing, the body checks, authentication, the
 *      route's handler, the error reply and CORS. It touches neither the
 *      message nor the SoupServer nor a main context: it runs on a worker,
 *      with that worker's connection to the store, while the message is
 *      paused;
 *   3. send_reply(): the SesameReply becomes the message's response, and
 *      the message is unpaused (main context, from an idle source the
 *      worker attached).
 *
 * A server without workers runs the three one after the other in
 * api_cb(). */

static SesameRequest *
request_from_message (SesameServer      *self,
                      SoupServerMessage *msg,
                      const char        *path,
                      GHashTable        *query)
{
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GBytes) body = NULL;

  if (g_str_equal (method, SOUP_METHOD_POST) || g_str_equal (method, "PATCH"))
    body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  return sesame_request_new (self, method, path, query, headers, body);
}

static void
send_reply (SoupServerMessage *msg,
            const SesameReply *reply)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (msg, reply->status, NULL);
  if (reply->body)
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      char *data;
      gsize len;

      json_generator_set_root (generator, reply->body);
      data = json_generator_to_data (generator, &len);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, data, len);
      soup_message_headers_replace (headers, "Cache-Control", "no-store");
      soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
    }
  else if (reply->data)
    {
      gsize len;
      const char *data = g_bytes_get_data (reply->data, &len);

      soup_server_message_set_response (msg, reply->content_type, SOUP_MEMORY_COPY, data, len);
      soup_message_headers_replace (headers, "Cache-Control", "no-cache");
      soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
    }
  for (guint i = 0; i + 1 < reply->headers->len; i += 2)
    soup_message_headers_replace (headers, g_ptr_array_index (reply->headers, i),
                                  g_ptr_array_index (reply->headers, i + 1));
}

/* The error reply of a refusal, with CORS like every JSON answer. */
static void
reply_error (SesameReply   *reply,
             SesameRequest *req,
             const GError  *error)
{
  sesame_reply_set_error (reply, req, error);
  sesame_reply_apply_cors (reply, req, FALSE);
}

static void
reply_api_error (SesameReply    *reply,
                 SesameRequest  *req,
                 SesameApiError  code,
                 const char     *message)
{
  g_autoptr(GError) error = g_error_new_literal (SESAME_API_ERROR, code, message);

  reply_error (reply, req, error);
}

static gboolean
is_json_media_type (const char *type)
{
  return g_ascii_strcasecmp (type, "application/json") == 0 ||
         (g_str_has_prefix (type, "application/") && g_str_has_suffix (type, "+json"));
}

/* The body of a POST or PATCH: not too large, and JSON if anything. */
static gboolean
check_body (SesameRequest  *req,
            GError        **error)
{
  g_autofree char *content_type = NULL;
  const char *header;

  if (req->body && g_bytes_get_size (req->body) > SESAME_SERVER_MAX_BODY)
    return sesame_api_fail (error, SESAME_API_ERROR_PAYLOAD_TOO_LARGE,
                            "The request body is larger than the %d bytes accepted",
                            SESAME_SERVER_MAX_BODY);
  header = sesame_request_get_header (req, "Content-Type");
  if (header)
    {
      /* The media type without its parameters ("; charset=utf-8"). */
      content_type = g_strstrip (g_strndup (header, strcspn (header, ";")));
    }
  if (req->body && g_bytes_get_size (req->body) > 0 && content_type && *content_type &&
      !is_json_media_type (content_type))
    {
      g_autofree char *quoted = sesame_http_quote (content_type);

      return sesame_api_fail (error, SESAME_API_ERROR_UNSUPPORTED_MEDIA_TYPE,
                              "The request body must be application/json, not %s", quoted);
    }
  return TRUE;
}

/* A Client API request that a page on an unexpected origin made: CORS
 * already keeps the reply from that page, but a request that needs no
 * preflight (or a client that ignores CORS) must not change anything
 * either, so it is refused before its handler runs. Requests without an
 * Origin (curl, a backend) are not from a page and pass. */
static gboolean
check_origin (SesameRequest  *req,
              const Route    *route,
              GError        **error)
{
  if (!(route->auth & CLIENT_AUTH) || sesame_request_origin_expected (req))
    return TRUE;
  /* A tenant whose passkeys are not set up has no origins of its own yet:
   * what the caller must hear first is the missing setup, which refuses
   * every passkey call just as well. */
  if (!sesame_tenant_check_passkeys_set_up (req->tenant, error))
    return FALSE;
  return sesame_api_fail (error, SESAME_API_ERROR_ORIGIN_NOT_ALLOWED,
                          "The origin %s is not one of this tenant's expected origins; add it "
                          "in the tenant's settings (--origin) to call the Client API from there",
                          req->origin);
}

/* Routes @req and runs its handler. Never touches a SoupServerMessage. */
static void
handle_request (SesameRequest *req,
                SesameReply   *reply)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) params = g_strv_builder_new ();
  g_autoptr(GString) allow = g_string_new (NULL);
  g_auto(GStrv) segments = NULL;
  const char *method = req->method;
  const Route *route = NULL;
  gboolean web = FALSE;

  segments = sesame_http_split_path (req->path, &error);
  if (!segments || !sesame_http_check_query (req->query, &error))
    {
      reply_error (reply, req, error);
      return;
    }

  if (g_str_equal (method, SOUP_METHOD_HEAD))
    method = SOUP_METHOD_GET;
  for (gsize i = 0; i < G_N_ELEMENTS (routes) && !route; i++)
    {
      if (!route_matches (&routes[i], segments, NULL))
        continue;
      web = web || routes[i].web;
      if (g_str_equal (routes[i].method, method))
        {
          route = &routes[i];
          route_matches (route, segments, params);
        }
      else
        g_string_append_printf (allow, "%s, ", routes[i].method);
    }

  if (!route)
    {
      req->with_credentials = web;
      if (allow->len == 0)
        {
          g_autofree char *path = sesame_http_quote (req->path);
          g_autofree char *message = g_strdup_printf ("There is no %s endpoint here", path);
          reply_api_error (reply, req, SESAME_API_ERROR_NOT_FOUND, message);
        }
      else if (g_str_equal (method, SOUP_METHOD_OPTIONS))
        {
          sesame_reply_preflight (reply);
          sesame_reply_apply_cors (reply, req, TRUE);
        }
      else
        {
          g_autofree char *path = sesame_http_quote (req->path);
          g_autofree char *quoted_method = sesame_http_quote (req->method);
          g_autofree char *message = NULL;

          g_string_append (allow, "OPTIONS");
          message = g_strdup_printf ("%s takes %s, not %s", path, allow->str, quoted_method);
          reply_api_error (reply, req, SESAME_API_ERROR_METHOD_NOT_ALLOWED, message);
          sesame_reply_set_header (reply, "Allow", allow->str);
        }
      return;
    }

  req->with_credentials = route->web;
  req->params = g_strv_builder_end (params);
  g_clear_pointer (&params, g_strv_builder_unref);
  if (!check_body (req, &error) ||
      !sesame_request_authenticate (req, route->auth, &error) ||
      !check_origin (req, route, &error) ||
      !route->func (req, reply, &error))
    {
      /* A handler that failed must not leave half a reply behind. */
      g_clear_pointer (&reply->body, json_node_unref);
      if (!error)
        {
          g_critical ("%s %s failed without saying why", req->method, route->pattern);
          error = g_error_new_literal (SESAME_API_ERROR, SESAME_API_ERROR_INTERNAL,
                                       "The request failed without an error");
        }
      reply_error (reply, req, error);
      return;
    }
  if (!reply->status)
    {
      g_critical ("%s %s sent no reply", req->method, route->pattern);
      reply_api_error (reply, req, SESAME_API_ERROR_INTERNAL, "The request was not answered");
      return;
    }
  sesame_reply_apply_cors (reply, req, FALSE);
}

/* One request on its way through a worker, or the housekeeping (no
 * message). Owned by the main context except while the worker runs it. */
typedef struct
{
  SoupServerMessage *msg;
  SesameRequest     *req;           /* holds a reference on the server */
  SesameServer      *server;        /* the housekeeping's reference */
  SesameReply       *reply;
  gint64             start;
  gulong             disconnected_handler;
  gboolean           disconnected;  /* the client went away meanwhile */
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  if (job->msg)
    {
      g_clear_signal_handler (&job->disconnected_handler, job->msg);
      g_object_unref (job->msg);
    }
  /* Last, since it may drop the last reference on the server. */
  g_clear_pointer (&job->reply, sesame_reply_free);
  g_clear_pointer (&job->req, sesame_request_free);
  g_clear_object (&job->server);
  g_free (job);
}

static void
log_request (SesameRequest     *req,
             const SesameReply *reply,
             gint64             start)
{
  /* The path may carry user ids but never a secret; neither headers nor
   * bodies are logged. */
  g_debug ("%s %s → %u in %.3f ms", req->method, req->path, reply->status,
           (g_get_monotonic_time () - start) / 1000.0);
}

static gboolean
reply_cb (gpointer data)
{
  Job *job = data;

  if (!job->disconnected)
    {
      send_reply (job->msg, job->reply);
      soup_server_message_unpause (job->msg);
    }
  log_request (job->req, job->reply, job->start);
  return G_SOURCE_REMOVE;
}

static void
job_disconnected_cb (SoupServerMessage *msg,
                     gpointer           user_data)
{
  Job *job = user_data;

  job->disconnected = TRUE;
}

static void     run_housekeeping     (SesameStore *store);
static gboolean housekeeping_done_cb (gpointer     data);

/* A worker thread and its own connection to the store. The threads are
 * the server's own rather than a GThreadPool's so that disposing the
 * server joins them: a thread's OpenSSL state is freed when it exits,
 * which must happen before the process does. */
typedef struct
{
  SesameServer *server;
  SesameStore  *store;
  GThread      *thread;
} Worker;

/* Tells a worker to stop. */
static Job stop_job;

static void
run_job (Worker *worker,
         Job    *job)
{
  SesameServer *self = worker->server;
  GSource *source;

  if (job->req)
    {
      job->req->store = worker->store;
      handle_request (job->req, job->reply);
      job->req->store = NULL;
    }
  else
    run_housekeeping (worker->store);

  /* Attached after the request's transaction committed, so after the
   * idle source that announces its events: a client that has the reply
   * finds the event-added emitted. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, job->req ? reply_cb : housekeeping_done_cb, job, job_free);
  g_source_set_static_name (source, "[sesame] reply");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static gpointer
worker_thread (gpointer data)
{
  Worker *worker = data;
  Job *job;

  while ((job = g_async_queue_pop (worker->server->jobs)) != &stop_job)
    run_job (worker, job);
  return NULL;
}

static void
worker_free (gpointer data)
{
  Worker *worker = data;

  g_clear_object (&worker->store);
  g_free (worker);
}

static void
api_cb (SoupServer        *soup,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  SesameServer *self = user_data;
  gint64 start = g_get_monotonic_time ();
  g_autoptr(SesameRequest) req = request_from_message (self, msg, path, query);
  g_autoptr(SesameReply) reply = sesame_reply_new ();
  Job *job;

  if (!self->jobs)
    {
      handle_request (req, reply);
      send_reply (msg, reply);
      log_request (req, reply, start);
      return;
    }

  job = g_new0 (Job, 1);
  job->msg = g_object_ref (msg);
  job->req = g_steal_pointer (&req);
  job->reply = g_steal_pointer (&reply);
  job->start = start;
  job->disconnected_handler = g_signal_connect (msg, "disconnected",
                                                G_CALLBACK (job_disconnected_cb), job);
  soup_server_message_pause (msg);
  g_async_queue_push (self->jobs, job);
}

/* The sample app's pages */

static const char *
content_type_for (const char *name)
{
  static const struct
  {
    const char *suffix;
    const char *type;
  } types[] = {
    { ".html", "text/html; charset=utf-8" },
    { ".js", "text/javascript; charset=utf-8" },
    { ".mjs", "text/javascript; charset=utf-8" },
    { ".css", "text/css; charset=utf-8" },
    { ".json", "application/json" },
    { ".svg", "image/svg+xml" },
    { ".png", "image/png" },
    { ".ico", "image/x-icon" },
    { ".txt", "text/plain; charset=utf-8" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_str_has_suffix (name, types[i].suffix))
      return types[i].type;
  return "application/octet-stream";
}

static void
static_cb (SoupServer        *soup,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  SesameServer *self = user_data;
  g_autoptr(SesameRequest) req = request_from_message (self, msg, path, query);
  g_autoptr(SesameReply) reply = sesame_reply_new ();
  g_autoptr(GBytes) data = NULL;
  const char *name = path + 1;

  if (!g_str_equal (req->method, SOUP_METHOD_GET) && !g_str_equal (req->method, SOUP_METHOD_HEAD))
    {
      g_autofree char *quoted_path = sesame_http_quote (path);
      g_autofree char *quoted_method = sesame_http_quote (req->method);
      g_autofree char *message = g_strdup_printf ("%s takes GET, not %s", quoted_path,
                                                  quoted_method);
      reply_api_error (reply, req, SESAME_API_ERROR_METHOD_NOT_ALLOWED, message);
      sesame_reply_set_header (reply, "Allow", "GET, HEAD");
      goto out;
    }

  if (g_str_equal (path, "/"))
    name = "index.html";
  /* Resource names are plain: anything escaped, hidden or climbing is not
   * one of ours. */
  if (*name && !strchr (name, '%') && !strchr (name, '\\') && name[0] != '.' &&
      !strstr (name, "/.") && !strstr (name, "//"))
    data = sesame_sample_app_lookup_file (name);
  if (!data)
    {
      g_autofree char *quoted_path = sesame_http_quote (path);
      g_autofree char *message = g_strdup_printf ("There is no %s here", quoted_path);
      reply_api_error (reply, req, SESAME_API_ERROR_NOT_FOUND, message);
      goto out;
    }

  reply->status = SOUP_STATUS_OK;
  reply->data = g_steal_pointer (&data);
  reply->content_type = g_strdup (content_type_for (name));

out:
  send_reply (msg, reply);
  g_debug ("%s %s → %u", req->method, path, reply->status);
}

/* Refusals made before the body is read (main context, from the message's
 * signals): a request with what is known of it, and an error reply. */
static void
refuse_early (SesameServer      *self,
              SoupServerMessage *msg,
              const GError      *error,
              const char        *connection)
{
  g_autoptr(SesameRequest) req = NULL;
  g_autoptr(SesameReply) reply = sesame_reply_new ();

  req = sesame_request_new (self, soup_server_message_get_method (msg),
                            g_uri_get_path (soup_server_message_get_uri (msg)), NULL,
                            soup_server_message_get_request_headers (msg), NULL);
  reply_error (reply, req, error);
  if (connection)
    sesame_reply_set_header (reply, "Connection", connection);
  send_reply (msg, reply);
  g_debug ("%s %s → %u (%s)", req->method, req->path, reply->status, error->message);
}

/* The body cap, applied before the body is read: a declared length that is
 * too large is refused at once (a client that sent "Expect: 100-continue"
 * never sends the body), and a chunked body is counted as it arrives. */

static void
refuse_too_large (SesameServer      *self,
                  SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GError) error = NULL;

  /* The rest of the body is still read off the connection, but dropped. */
  soup_message_body_set_accumulate (body, FALSE);
  soup_message_body_truncate (body);

  error = g_error_new (SESAME_API_ERROR, SESAME_API_ERROR_PAYLOAD_TOO_LARGE,
                       "The request body is larger than the %d bytes accepted",
                       SESAME_SERVER_MAX_BODY);
  refuse_early (self, msg, error, "close");
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  SesameServer *self = user_data;

  if (soup_server_message_get_status (msg) == 0 &&
      soup_server_message_get_request_body (msg)->length > SESAME_SERVER_MAX_BODY)
    refuse_too_large (self, msg);
}

/* A page on another site can point its own host name at 127.0.0.1 (DNS
 * rebinding) and then reach a loopback server as "same origin". Such a
 * request still names the other site in Host, so a server that only
 * listens on loopback answers only to local names. */
static gboolean
host_is_local (const char *host)
{
  g_autofree char *name = NULL;
  const char *end;

  if (!host)
    return TRUE;   /* HTTP/1.0 without Host: no name to rebind */
  if (host[0] == '[')
    {
      end = strchr (host, ']');
      if (!end)
        return FALSE;
      name = g_strndup (host + 1, end - host - 1);
      end++;
    }
  else
    {
      end = strchr (host, ':');
      name = end ? g_strndup (host, end - host) : g_strdup (host);
      if (!end)
        end = host + strlen (host);
    }
  if (*end != '\0' && *end != ':')
    return FALSE;
  return g_ascii_strcasecmp (name, "localhost") == 0 ||
         g_str_has_suffix (name, ".localhost") ||
         g_str_equal (name, "127.0.0.1") || g_str_equal (name, "::1");
}

static void
refuse_foreign_host (SesameServer      *self,
                     SoupServerMessage *msg,
                     const char        *host)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *quoted = sesame_http_quote (host);

  error = g_error_new (SESAME_API_ERROR, SESAME_API_ERROR_FORBIDDEN,
                       "This local tenant answers only to localhost; the request was for “%s”",
                       quoted);
  refuse_early (self, msg, error, NULL);
}

/* Connected to every message, whatever handler its path reaches (the
 * sample app's routes included), and run before libsoup answers an
 * "Expect: 100-continue". */
static void
got_headers_cb (SoupServerMessage *msg,
                gpointer           user_data)
{
  SesameServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *host = soup_message_headers_get_one (headers, "Host");

  if (self->loopback_only && soup_server_message_get_status (msg) == 0 && !host_is_local (host))
    {
      refuse_foreign_host (self, msg, host);
      return;
    }

  if (soup_server_message_get_status (msg) == 0 &&
      soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > SESAME_SERVER_MAX_BODY)
    refuse_too_large (self, msg);
}

static void
request_started_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  SesameServer *self = user_data;

  sesame_http_watch_message (msg, self->idle_timeout, self->request_timeout);
  g_signal_connect_object (msg, "got-headers", G_CALLBACK (got_headers_cb), self, 0);
  g_signal_connect_object (msg, "got-chunk", G_CALLBACK (got_chunk_cb), self, 0);
}

/* Housekeeping and events */

/* A full or read-only disk postpones housekeeping; anything else is worth
 * a warning. */
static void
housekeeping_failed (const char   *what,
                     const GError *error)
{
  if (sesame_store_error_is_unavailable (error))
    g_debug ("Cannot %s now: %s", what, error->message);
  else
    g_warning ("Cannot %s: %s", what, error->message);
}

static void
run_housekeeping (SesameStore *store)
{
  g_autoptr(GError) error = NULL;
  guint n_purged = 0;

  if (!sesame_store_purge_challenges (store, &n_purged, &error))
    housekeeping_failed ("purge expired challenges", error);
  else if (n_purged)
    g_debug ("Purged %u expired challenges", n_purged);
  g_clear_error (&error);
  /* Appends trim the event log too; this covers a quiet tenant. */
  if (!sesame_store_trim_events (store, &n_purged, &error))
    housekeeping_failed ("trim the event log", error);
  else if (n_purged)
    g_debug ("Trimmed %u old events", n_purged);
}

static gboolean
housekeeping_done_cb (gpointer data)
{
  Job *job = data;

  job->server->housekeeping_queued = FALSE;
  return G_SOURCE_REMOVE;
}

/* With workers, a worker does it: the main context never waits for the
 * write lock that the requests' transactions hold. */
static gboolean
purge_cb (gpointer user_data)
{
  SesameServer *self = user_data;
  Job *job;

  if (!self->jobs)
    {
      run_housekeeping (self->store);
      return G_SOURCE_CONTINUE;
    }
  if (self->housekeeping_queued)
    return G_SOURCE_CONTINUE;
  self->housekeeping_queued = TRUE;
  job = g_new0 (Job, 1);
  job->server = g_object_ref (self);
  g_async_queue_push (self->jobs, job);
  return G_SOURCE_CONTINUE;
}

static void
event_added_cb (SesameStore  *store,
                SesameEvent  *event,
                SesameServer *self)
{
  g_signal_emit (self, signals[EVENT_ADDED], 0, event);
}

/* GObject */

static void
sesame_server_constructed (GObject *object)
{
  SesameServer *self = SESAME_SERVER (object);
  g_autofree char *server_header = g_strdup_printf ("Sesame/%s", PACKAGE_VERSION);

  G_OBJECT_CLASS (sesame_server_parent_class)->constructed (object);

  /* Raw paths: libsoup would otherwise decode the whole path at once, and
   * a user id with "%2F" in it would split into two segments. */
  self->soup = soup_server_new ("server-header", server_header,
                                "raw-paths", TRUE,
                                NULL);
  g_signal_connect_object (self->soup, "request-started", G_CALLBACK (request_started_cb), self,
                           0);
  soup_server_add_handler (self->soup, "/v1", api_cb, self, NULL);
  soup_server_add_handler (self->soup, "/", static_cb, self, NULL);

  self->event_handler = g_signal_connect (self->store, "event-added",
                                          G_CALLBACK (event_added_cb), self);
  self->context = g_main_context_ref_thread_default ();
}

static void
sesame_server_dispose (GObject *object)
{
  SesameServer *self = SESAME_SERVER (object);

  g_clear_handle_id (&self->purge_source, g_source_remove);
  if (self->soup)
    {
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
    }
  /* Every job holds a reference, so none is queued any more: each worker
   * finds its stop at once (or once it returned from its last job). */
  if (self->workers)
    {
      for (guint i = 0; i < self->workers->len; i++)
        g_async_queue_push (self->jobs, &stop_job);
      for (guint i = 0; i < self->workers->len; i++)
        {
          Worker *worker = g_ptr_array_index (self->workers, i);

          if (worker->thread)
            g_thread_join (g_steal_pointer (&worker->thread));
        }
      g_clear_pointer (&self->workers, g_ptr_array_unref);
    }
  g_clear_pointer (&self->jobs, g_async_queue_unref);
  if (self->store)
    g_clear_signal_handler (&self->event_handler, self->store);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sesame_server_parent_class)->dispose (object);
}

static void
sesame_server_finalize (GObject *object)
{
  SesameServer *self = SESAME_SERVER (object);

  g_free (self->base_url);
  g_free (self->app_url);
  g_free (self->app_origin);
  g_free (self->tenant_id);
  g_free (self->address);
  if (self->sample_app_key)
    memset (self->sample_app_key, 0, strlen (self->sample_app_key));
  g_free (self->sample_app_key);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (sesame_server_parent_class)->finalize (object);
}

static void
sesame_server_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SesameServer *self = SESAME_SERVER (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;
    case PROP_APP_URL:
      g_value_set_string (value, self->app_url);
      break;
    case PROP_TENANT_ID:
      g_value_set_string (value, self->tenant_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sesame_server_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  SesameServer *self = SESAME_SERVER (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sesame_server_class_init (SesameServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sesame_server_constructed;
  object_class->dispose = sesame_server_dispose;
  object_class->finalize = sesame_server_finalize;
  object_class->get_property = sesame_server_get_property;
  object_class->set_property = sesame_server_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL,
                         SESAME_TYPE_STORE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL,
                       0, G_MAXUINT16, 0,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));
  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));
  properties[PROP_APP_URL] =
    g_param_spec_string ("app-url", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));
  properties[PROP_TENANT_ID] =
    g_param_spec_string ("tenant-id", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[EVENT_ADDED] =
    g_signal_new ("event-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 1,
                  SESAME_TYPE_EVENT | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
sesame_server_init (SesameServer *self)
{
  self->idle_timeout = SESAME_SERVER_IDLE_TIMEOUT;
  self->request_timeout = SESAME_SERVER_REQUEST_TIMEOUT;
}

/* Public API */

SesameServer *
sesame_server_new (SesameStore *store,
                   GError     **error)
{
  g_return_val_if_fail (SESAME_IS_STORE (store), NULL);

  return sesame_server_new_full (store, g_get_num_processors (), error);
}

SesameServer *
sesame_server_new_full (SesameStore *store,
                        guint        n_workers,
                        GError     **error)
{
  g_autoptr(SesameServer) self = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (store), NULL);
  g_return_val_if_fail (n_workers <= SESAME_SERVER_MAX_WORKERS, NULL);

  self = g_object_new (SESAME_TYPE_SERVER, "store", store, NULL);
  if (n_workers == 0)
    return g_steal_pointer (&self);

  /* One connection per worker, opened now, so that a store that cannot
   * be opened again fails here rather than on the first request. */
  self->jobs = g_async_queue_new ();
  self->workers = g_ptr_array_new_with_free_func (worker_free);
  for (guint i = 0; i < n_workers; i++)
    {
      Worker *worker = g_new0 (Worker, 1);

      worker->server = self;
      g_ptr_array_add (self->workers, worker);
      worker->store = sesame_store_open_sibling (store, error);
      if (!worker->store)
        return NULL;
    }
  for (guint i = 0; i < n_workers; i++)
    {
      Worker *worker = g_ptr_array_index (self->workers, i);

      worker->thread = g_thread_try_new ("sesame-worker", worker_thread, worker, error);
      if (!worker->thread)
        return NULL;
    }
  return g_steal_pointer (&self);
}

guint
sesame_server_get_n_workers (SesameServer *self)
{
  g_return_val_if_fail (SESAME_IS_SERVER (self), 0);
  return self->workers ? self->workers->len : 0;
}

SesameStore *
sesame_server_get_store (SesameServer *self)
{
  g_return_val_if_fail (SESAME_IS_SERVER (self), NULL);
  return self->store;
}

SoupServer *
sesame_server_get_soup_server (SesameServer *self)
{
  g_return_val_if_fail (SESAME_IS_SERVER (self), NULL);
  return self->soup;
}

void
sesame_server_set_timeouts (SesameServer *self,
                            guint         idle_timeout,
                            guint         request_timeout)
{
  g_return_if_fail (SESAME_IS_SERVER (self));

  self->idle_timeout = idle_timeout;
  self->request_timeout = request_timeout;
}

/* soup_server_listen() would ask for a backlog of 10. Sets *@port, if
 * given, to the port the socket is bound to: asked of the socket itself,
 * since soup_server_get_uris() in libsoup 3.2 leaks the address it reads. */
static gboolean
listen_socket (SesameServer   *self,
               GSocketAddress *address,
               guint          *port,
               GError        **error)
{
  g_autoptr(GSocket) socket = sesame_http_listen_socket_new (address, error);
  g_autoptr(GSocketAddress) local = NULL;

  if (!socket)
    return FALSE;
  if (port)
    {
      local = g_socket_get_local_address (socket, error);
      if (!local)
        return FALSE;
    }
  if (!soup_server_listen_socket (self->soup, socket, 0, error))
    return FALSE;
  if (port)
    *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return TRUE;
}

static GInetAddress *
parse_listen_address (const char  *address,
                      guint        port,
                      GError     **error)
{
  GInetAddress *inet = g_inet_address_new_from_string (address);

  if (!inet)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address to listen on (e.g. 127.0.0.1 or ::1)", address);
      return NULL;
    }
  if (port > G_MAXUINT16)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Port %u is not a TCP port (0 to 65535)", port);
      g_object_unref (inet);
      return NULL;
    }
  return inet;
}

/* Listens on @inet and @port, and on [::1] beside the IPv4 loopback;
 * sets port, address and the URLs (without notifying). */
static gboolean
listen_on (SesameServer  *self,
           GInetAddress  *inet,
           guint          port,
           GError       **error)
{
  g_autoptr(GSocketAddress) socket_address = g_inet_socket_address_new (inet, port);
  guint bound_port;

  if (!listen_socket (self, socket_address, &bound_port, error))
    return FALSE;
  self->loopback_only = g_inet_address_get_is_loopback (inet);
  self->port = bound_port;
  g_free (self->address);
  self->address = g_inet_address_to_string (inet);

  /* Browsers and Node may resolve "localhost" to ::1 first. */
  if (g_inet_address_get_is_loopback (inet) &&
      g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV4)
    {
      g_autoptr(GInetAddress) inet6 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
      g_autoptr(GSocketAddress) address6 = g_inet_socket_address_new (inet6, self->port);
      g_autoptr(GError) local_error = NULL;

      if (!listen_socket (self, address6, NULL, &local_error))
        g_debug ("Not listening on [::1]:%u as well: %s", self->port, local_error->message);
    }

  g_free (self->base_url);
  g_free (self->app_url);
  g_free (self->app_origin);
  self->app_origin = g_strdup_printf ("http://localhost:%u", self->port);
  self->app_url = g_strdup_printf ("%s/", self->app_origin);
  self->base_url = g_strdup_printf ("%s/v1", self->app_origin);
  return TRUE;
}

static void
notify_urls (SesameServer *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE_URL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_APP_URL]);
}

gboolean
sesame_server_listen (SesameServer *self,
                      const char   *address,
                      guint         port,
                      GError      **error)
{
  g_autoptr(GInetAddress) inet = NULL;

  g_return_val_if_fail (SESAME_IS_SERVER (self), FALSE);

  if (!address)
    address = "127.0.0.1";
  inet = parse_listen_address (address, port, error);
  if (!inet || !listen_on (self, inet, port, error))
    return FALSE;

  if (!self->purge_source)
    self->purge_source = g_timeout_add_seconds (PURGE_INTERVAL_S, purge_cb, self);

  g_debug ("Listening on %s port %u", address, self->port);
  notify_urls (self);
  return TRUE;
}

void
sesame_server_disconnect (SesameServer *self)
{
  g_return_if_fail (SESAME_IS_SERVER (self));

  g_clear_handle_id (&self->purge_source, g_source_remove);
  soup_server_disconnect (self->soup);
}

guint
sesame_server_get_port (SesameServer *self)
{
  g_return_val_if_fail (SESAME_IS_SERVER (self), 0);
  return self->port;
}

const char *
sesame_server_get_base_url (SesameServer *self)
{
  g_return_val_if_fail (SESAME_IS_SERVER (self), NULL);
  return self->base_url;
}

const char *
sesame_server_get_app_url (SesameServer *self)
{
  g_return_val_if_fail (SESAME_IS_SERVER (self), NULL);
  return self->app_url;
}

const char *
sesame_server_get_app_origin (SesameServer *self)
{
  g_return_val_if_fail (SESAME_IS_SERVER (self), NULL);
  return self->app_origin;
}

const char *
sesame_server_get_tenant_id (SesameServer *self)
{
  g_return_val_if_fail (SESAME_IS_SERVER (self), NULL);
  return self->tenant_id;
}

char *
sesame_server_generate_secret_key (GError **error)
{
  guint8 bytes[SECRET_KEY_BYTES];
  g_autofree char *encoded = NULL;
  char *key;

  if (RAND_bytes (bytes, sizeof bytes) != 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "The system's random number generator failed");
      return NULL;
    }
  encoded = sesame_base64url_encode (bytes, sizeof bytes);
  OPENSSL_cleanse (bytes, sizeof bytes);
  /* The prefix makes it recognisable (and secret scanners can match it),
   * and it never starts with '-', which a command line would take for an
   * option. */
  key = g_strconcat ("sk_", encoded, NULL);
  OPENSSL_cleanse (encoded, strlen (encoded));
  return key;
}

/* Printable ASCII without spaces: it travels in a Basic header. A colon
 * would end the user name there, so it is refused too. */
static gboolean
check_credential_text (const char *value,
                       const char *what,
                       gsize       max_len,
                       GError    **error)
{
  gsize len = strlen (value);

  for (gsize i = 0; i < len; i++)
    if (value[i] <= ' ' || value[i] > '~' || value[i] == ':')
      {
        len = 0;
        break;
      }
  if (len == 0 || len > max_len)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "The %s must be 1 to %" G_GSIZE_FORMAT " printable ASCII characters, without "
                   "spaces or ':'", what, max_len);
      return FALSE;
    }
  return TRUE;
}

static void
add_origin (GPtrArray  *origins,
            const char *origin)
{
  for (guint i = 0; i < origins->len; i++)
    if (g_str_equal (g_ptr_array_index (origins, i), origin))
      return;
  g_ptr_array_add (origins, g_strdup (origin));
}

typedef struct
{
  SesameTenant *tenant;
  const char   *secret_key;
  gboolean      is_new;
  gboolean      rotated;
} SetupData;

static gboolean
setup_in_transaction (SesameStore *store,
                      gpointer     user_data,
                      GError     **error)
{
  SetupData *data = user_data;
  g_autofree char *origins = NULL;
  g_autofree char *reason = NULL;
  SesameEvent event = { 0 };

  if (data->is_new)
    {
      if (!sesame_store_insert_tenant (store, data->tenant, data->secret_key, error))
        return FALSE;
    }
  else if (!sesame_store_update_tenant (store, data->tenant, error) ||
           !sesame_store_set_tenant_secret_key (store, data->tenant->id, data->secret_key, error))
    return FALSE;

  origins = g_strjoinv (", ", data->tenant->expected_origins);
  reason = g_strdup_printf ("%s tenant “%s”: RP ID %s, expected origins %s; the secret key was %s",
                            data->is_new ? "Created" : "Started", data->tenant->name,
                            data->tenant->rp_id, origins,
                            data->rotated ? "rotated" : "set from the command line");
  event.tenant_id = data->tenant->id;
  event.kind = (char *) "tenant";
  event.outcome = (char *) "success";
  event.reason = reason;
  return sesame_store_append_event (store, &event, error) != 0;
}

gboolean
sesame_server_setup_local_tenant (SesameServer                   *self,
                                  const SesameLocalTenantOptions *options,
                                  char                          **secret_key,
                                  GError                        **error)
{
  static const SesameLocalTenantOptions no_options = { 0 };
  g_autoptr(SesameTenant) tenant = NULL;
  g_autoptr(GPtrArray) origins = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *secret = NULL;
  SesameUserVerification user_verification;
  SetupData data = { 0 };

  g_return_val_if_fail (SESAME_IS_SERVER (self), FALSE);
  g_return_val_if_fail (self->app_origin != NULL, FALSE);

  if (!options)
    options = &no_options;
  /* The documented values only: the caller parses what a user typed. */
  g_return_val_if_fail (!options->user_verification ||
                        sesame_user_verification_from_string (options->user_verification,
                                                              &user_verification), FALSE);
  if (options->rp_id && !sesame_tenant_validate_rp_id (options->rp_id, error))
    return FALSE;
  if (options->tenant_id &&
      !check_credential_text (options->tenant_id, "tenant ID", TENANT_ID_MAX_LEN, error))
    return FALSE;
  if (options->secret_key &&
      !check_credential_text (options->secret_key, "secret key", SECRET_KEY_MAX_LEN, error))
    return FALSE;

  if (options->tenant_id)
    {
      tenant = sesame_store_get_tenant (self->store, options->tenant_id, &local_error);
      if (!tenant && !g_error_matches (local_error, SESAME_STORE_ERROR,
                                       SESAME_STORE_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  else
    {
      g_autoptr(GPtrArray) tenants = sesame_store_list_tenants (self->store, error);

      if (!tenants)
        return FALSE;
      if (tenants->len > 0)
        tenant = g_ptr_array_steal_index (tenants, 0);
    }

  data.is_new = tenant == NULL;
  if (data.is_new)
    {
      g_autofree char *id = options->tenant_id ? g_strdup (options->tenant_id)
                                               : g_uuid_string_random ();

      tenant = sesame_tenant_new (id, "localhost");
      g_free (tenant->name);
      tenant->name = g_strdup (LOCAL_TENANT_NAME);
      g_free (tenant->rp_name);
      tenant->rp_name = g_strdup (LOCAL_TENANT_NAME);
    }
  if (options->rp_id)
    {
      g_free (tenant->rp_id);
      tenant->rp_id = g_strdup (options->rp_id);
    }
  if (options->challenge_lifetime > 0)
    tenant->challenge_lifetime = options->challenge_lifetime;
  if (options->user_verification)
    {
      g_free (tenant->user_verification);
      tenant->user_verification = g_strdup (options->user_verification);
    }

  /* The sample app's origin first (when the RP ID covers it), then the
   * origins asked for, or else those kept from before that still fit the
   * RP ID. */
  origins = g_ptr_array_new_with_free_func (g_free);
  if (sesame_tenant_validate_origin (self->app_origin, tenant->rp_id, NULL))
    add_origin (origins, self->app_origin);
  if (options->origins)
    {
      for (guint i = 0; options->origins[i]; i++)
        {
          if (!sesame_tenant_validate_origin (options->origins[i], tenant->rp_id, error))
            return FALSE;
          add_origin (origins, options->origins[i]);
        }
    }
  else if (!data.is_new)
    {
      for (guint i = 0; tenant->expected_origins && tenant->expected_origins[i]; i++)
        if (sesame_tenant_validate_origin (tenant->expected_origins[i], tenant->rp_id, NULL))
          add_origin (origins, tenant->expected_origins[i]);
    }
  g_ptr_array_add (origins, NULL);
  if (!sesame_tenant_validate_origins ((const char * const *) origins->pdata, tenant->rp_id,
                                       error))
    return FALSE;
  g_strfreev (tenant->expected_origins);
  tenant->expected_origins = (char **) g_ptr_array_steal (origins, NULL);

  if (options->secret_key)
    secret = g_strdup (options->secret_key);
  else if (!(secret = sesame_server_generate_secret_key (error)))
    return FALSE;

  data.tenant = tenant;
  data.secret_key = secret;
  data.rotated = options->secret_key == NULL;
  if (!sesame_store_run_in_transaction (self->store, setup_in_transaction, &data, error))
    return FALSE;

  g_free (self->tenant_id);
  self->tenant_id = g_strdup (tenant->id);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TENANT_ID]);
  if (secret_key)
    *secret_key = g_steal_pointer (&secret);
  return TRUE;
}

gboolean
sesame_server_start_sample_app (SesameServer *self,
                                const char   *secret_key)
{
  g_return_val_if_fail (SESAME_IS_SERVER (self), FALSE);
  g_return_val_if_fail (self->base_url && self->tenant_id && secret_key, FALSE);

  if (!self->sample_app_started)
    {
      sesame_sample_app_register (self->soup, self->base_url, self->tenant_id, secret_key);
      self->sample_app_started = TRUE;
      self->sample_app_key = g_strdup (secret_key);
    }
  return TRUE;
}

/* For the APIs */

char *
sesame_server_issue_token (SesameRequest      *req,
                           const SesameTenant *tenant,
                           const SesameAction *action,
                           const char         *scope,
                           GError            **error)
{
  SesameTokenClaims claims = { 0 };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const guint8 *key;
  gsize key_len;

  claims.user_id = action->user_id;
  claims.tenant_id = tenant->id;
  claims.action_code = action->action_code;
  claims.idempotency_key = action->idempotency_key;
  claims.scope = (char *) scope;
  claims.issuer = req->base_url ? req->base_url : (char *) "sesame";
  claims.issued_at = now;
  claims.expires_at = now + tenant->token_lifetime;
  key = g_bytes_get_data (tenant->token_key, &key_len);
  return sesame_token_issue (key, key_len, &claims, error);
}

/* Settings at runtime */

const char *
sesame_server_get_address (SesameServer *self)
{
  g_return_val_if_fail (SESAME_IS_SERVER (self), NULL);
  return self->address;
}

gboolean
sesame_server_use_tenant (SesameServer *self,
                          const char   *tenant_id,
                          const char   *secret_key,
                          GError      **error)
{
  g_autoptr(SesameTenant) tenant = NULL;

  g_return_val_if_fail (SESAME_IS_SERVER (self), FALSE);
  g_return_val_if_fail (tenant_id && secret_key, FALSE);
  g_return_val_if_fail (self->base_url != NULL, FALSE);

  /* The sample app would only fail later, on every request, with a key
   * that is not this tenant's. */
  tenant = sesame_store_get_tenant (self->store, tenant_id, error);
  if (!tenant || !sesame_store_verify_secret_key (self->store, tenant_id, secret_key, error))
    return FALSE;

  g_free (self->tenant_id);
  self->tenant_id = g_strdup (tenant_id);
  if (self->sample_app_key != secret_key)
    {
      if (self->sample_app_key)
        memset (self->sample_app_key, 0, strlen (self->sample_app_key));
      g_free (self->sample_app_key);
      self->sample_app_key = g_strdup (secret_key);
    }
  sesame_sample_app_register (self->soup, self->base_url, self->tenant_id, self->sample_app_key);
  self->sample_app_started = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TENANT_ID]);
  return TRUE;
}

/* Every tenant that expected the sample app at @old_origin expects it at
 * the new one now. */
static void
move_app_origin (SesameServer *self,
                 const char   *old_origin)
{
  g_autoptr(GPtrArray) tenants = NULL;
  g_autoptr(GError) error = NULL;

  tenants = sesame_store_list_tenants (self->store, &error);
  if (!tenants)
    {
      g_warning ("Cannot move the tenants to the new port: %s", error->message);
      return;
    }
  for (guint i = 0; i < tenants->len; i++)
    {
      SesameTenant *tenant = tenants->pdata[i];
      g_autoptr(GError) local_error = NULL;
      gboolean moved = FALSE;

      for (guint j = 0; tenant->expected_origins && tenant->expected_origins[j]; j++)
        if (g_str_equal (tenant->expected_origins[j], old_origin))
          {
            g_free (tenant->expected_origins[j]);
            tenant->expected_origins[j] = g_strdup (self->app_origin);
            moved = TRUE;
          }
      /* The new origin may have been expected already: no repeats. */
      if (moved)
        {
          g_autoptr(GPtrArray) unique = g_ptr_array_new_with_free_func (g_free);

          for (guint j = 0; tenant->expected_origins[j]; j++)
            add_origin (unique, tenant->expected_origins[j]);
          g_ptr_array_add (unique, NULL);
          g_strfreev (tenant->expected_origins);
          tenant->expected_origins = (char **) g_ptr_array_steal (unique, NULL);
        }
      if (moved && !sesame_tenant_settings_update (self->store, tenant, &local_error))
        g_warning ("Tenant “%s” still expects %s: %s", tenant->name, old_origin,
                   local_error->message);
    }
}

gboolean
sesame_server_relisten (SesameServer *self,
                        const char   *address,
                        guint         port,
                        GError      **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GInetAddress) old_inet = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *old_origin = NULL;
  guint old_port;

  g_return_val_if_fail (SESAME_IS_SERVER (self), FALSE);
  g_return_val_if_fail (self->address != NULL, FALSE);

  if (!address)
    address = "127.0.0.1";
  inet = parse_listen_address (address, port, error);
  if (!inet)
    return FALSE;
  old_inet = g_inet_address_new_from_string (self->address);
  old_port = self->port;
  if (port == old_port && g_inet_address_equal (inet, old_inet))
    return TRUE;

  /* A socket cannot be bound to the wildcard address on a port that a
   * loopback socket of ours still holds, so the old listener goes first;
   * when the new one fails, the old one comes back on the same port. */
  soup_server_disconnect (self->soup);
  if (!listen_on (self, inet, port, &local_error))
    {
      g_autoptr(GError) back_error = NULL;

      if (!listen_on (self, old_inet, old_port, &back_error))
        g_warning ("Cannot listen on port %u again: %s", old_port, back_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  old_origin = g_strdup_printf ("http://localhost:%u", old_port);
  if (!g_str_equal (old_origin, self->app_origin))
    move_app_origin (self, old_origin);
  if (self->sample_app_started)
    sesame_sample_app_register (self->soup, self->base_url, self->tenant_id, self->sample_app_key);

  g_debug ("Listening on %s port %u now", self->address, self->port);
  notify_urls (self);
  return TRUE;
}
