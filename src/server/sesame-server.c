/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-server.h"
#include "sesame-base64.h"
#include "sesame-server-http.h"
#include "sesame-server-private.h"
#include "sesame-tenant-rules.h"
#include "sesame-token.h"

#include "sesame-sample-app.h"

#include <openssl/rand.h>
#include <string.h>

#define LOCAL_TENANT_NAME   "Local development"
#define SECRET_KEY_BYTES    32
#define SECRET_KEY_MAX_LEN  256
#define TENANT_ID_MAX_LEN   128
/* Used challenges are kept until they expire so that a replay is reported
 * as one; after that they are only clutter. */
#define PURGE_INTERVAL_S    60
/* Header values recorded in events are cut here. */
#define HEADER_MAX_LEN      1024

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

/* A header value fit for an event: valid UTF-8, bounded. */
static char *
header_for_event (SoupServerMessage *msg,
                  const char        *name)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *value = soup_message_headers_get_one (headers, name);
  g_autofree char *valid = NULL;

  if (!value)
    return NULL;
  valid = g_utf8_make_valid (value, MIN (strlen (value), HEADER_MAX_LEN));
  return g_steal_pointer (&valid);
}

static void
request_init (SesameRequest     *req,
              SesameServer      *self,
              SoupServerMessage *msg,
              GHashTable        *query)
{
  memset (req, 0, sizeof *req);
  req->server = self;
  req->store = self->store;
  req->msg = msg;
  req->method = soup_server_message_get_method (msg);
  req->query = query;
  req->origin = header_for_event (msg, "Origin");
  req->user_agent = header_for_event (msg, "User-Agent");
}

static void
reply_api_error (SesameRequest  *req,
                 SesameApiError  code,
                 const char     *message)
{
  g_autoptr(GError) error = g_error_new_literal (SESAME_API_ERROR, code, message);

  sesame_request_reply_error (req, error, NULL, 0);
}

static gboolean
is_json_media_type (const char *type)
{
  return g_ascii_strcasecmp (type, "application/json") == 0 ||
         (g_str_has_prefix (type, "application/") && g_str_has_suffix (type, "+json"));
}

/* Reads the body of a POST or PATCH; FALSE (with the reply sent) when it
 * is too large or not JSON. */
static gboolean
read_body (SesameRequest *req)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (req->msg);
  SoupMessageBody *body = soup_server_message_get_request_body (req->msg);
  const char *content_type;

  req->body = soup_message_body_flatten (body);
  if (g_bytes_get_size (req->body) > SESAME_SERVER_MAX_BODY)
    {
      g_autofree char *message =
        g_strdup_printf ("The request body is larger than the %d bytes accepted",
                         SESAME_SERVER_MAX_BODY);
      reply_api_error (req, SESAME_API_ERROR_PAYLOAD_TOO_LARGE, message);
      return FALSE;
    }
  content_type = soup_message_headers_get_content_type (headers, NULL);
  if (g_bytes_get_size (req->body) > 0 && content_type && !is_json_media_type (content_type))
    {
      g_autofree char *message =
        g_strdup_printf ("The request body must be application/json, not %s", content_type);
      reply_api_error (req, SESAME_API_ERROR_UNSUPPORTED_MEDIA_TYPE, message);
      return FALSE;
    }
  return TRUE;
}

static void
dispatch (SesameRequest *req,
          const char    *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) params = g_strv_builder_new ();
  g_autoptr(GString) allow = g_string_new (NULL);
  g_auto(GStrv) segments = NULL;
  const char *method = req->method;
  const Route *route = NULL;
  gboolean web = FALSE;

  segments = sesame_http_split_path (path, &error);
  if (!segments)
    {
      sesame_request_reply_error (req, error, NULL, 0);
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
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (req->msg);

      req->with_credentials = web;
      if (allow->len == 0)
        {
          g_autofree char *message = g_strdup_printf ("There is no %s endpoint here", path);
          reply_api_error (req, SESAME_API_ERROR_NOT_FOUND, message);
        }
      else if (g_str_equal (method, SOUP_METHOD_OPTIONS))
        sesame_request_reply_preflight (req);
      else
        {
          g_autofree char *message = NULL;

          g_string_append (allow, "OPTIONS");
          message = g_strdup_printf ("%s takes %s, not %s", path, allow->str, req->method);
          reply_api_error (req, SESAME_API_ERROR_METHOD_NOT_ALLOWED, message);
          soup_message_headers_replace (headers, "Allow", allow->str);
        }
      return;
    }

  req->with_credentials = route->web;
  req->params = g_strv_builder_end (params);
  if ((g_str_equal (method, SOUP_METHOD_POST) || g_str_equal (method, "PATCH")) &&
      !read_body (req))
    return;
  if (!sesame_request_authenticate (req, route->auth, &error))
    {
      sesame_request_reply_error (req, error, NULL, 0);
      return;
    }
  route->func (req);
  if (!req->status)
    {
      g_critical ("%s %s sent no reply", req->method, route->pattern);
      reply_api_error (req, SESAME_API_ERROR_INTERNAL, "The request was not answered");
    }
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
  SesameRequest req;

  request_init (&req, self, msg, query);
  dispatch (&req, path);
  /* The path may carry user ids but never a secret; neither headers nor
   * bodies are logged. */
  g_debug ("%s %s → %u in %.3f ms", req.method, path, req.status,
           (g_get_monotonic_time () - start) / 1000.0);
  sesame_request_clear (&req);
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
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GBytes) data = NULL;
  const char *name = path + 1;
  SesameRequest req;
  gsize len;

  request_init (&req, self, msg, query);
  if (!g_str_equal (method, SOUP_METHOD_GET) && !g_str_equal (method, SOUP_METHOD_HEAD))
    {
      g_autofree char *message = g_strdup_printf ("%s takes GET, not %s", path, method);
      reply_api_error (&req, SESAME_API_ERROR_METHOD_NOT_ALLOWED, message);
      soup_message_headers_replace (headers, "Allow", "GET, HEAD");
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
      g_autofree char *message = g_strdup_printf ("There is no %s here", path);
      reply_api_error (&req, SESAME_API_ERROR_NOT_FOUND, message);
      goto out;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, content_type_for (name), SOUP_MEMORY_COPY,
                                    g_bytes_get_data (data, &len), g_bytes_get_size (data));
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  req.status = SOUP_STATUS_OK;

out:
  g_debug ("%s %s → %u", method, path, req.status);
  sesame_request_clear (&req);
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
  SesameRequest req;

  /* The rest of the body is still read off the connection, but dropped. */
  soup_message_body_set_accumulate (body, FALSE);
  soup_message_body_truncate (body);

  request_init (&req, self, msg, NULL);
  error = g_error_new (SESAME_API_ERROR, SESAME_API_ERROR_PAYLOAD_TOO_LARGE,
                       "The request body is larger than the %d bytes accepted",
                       SESAME_SERVER_MAX_BODY);
  sesame_request_reply_error (&req, error, NULL, 0);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
  g_debug ("%s %s → 413 (body over %d bytes)", req.method,
           g_uri_get_path (soup_server_message_get_uri (msg)), SESAME_SERVER_MAX_BODY);
  sesame_request_clear (&req);
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
  SesameRequest req;

  request_init (&req, self, msg, NULL);
  error = g_error_new (SESAME_API_ERROR, SESAME_API_ERROR_FORBIDDEN,
                       "This local tenant answers only to localhost; the request was for “%s”",
                       host);
  sesame_request_reply_error (&req, error, NULL, 0);
  g_debug ("%s %s → 403 (Host “%s” is not local)", req.method,
           g_uri_get_path (soup_server_message_get_uri (msg)), host);
  sesame_request_clear (&req);
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

  g_signal_connect_object (msg, "got-headers", G_CALLBACK (got_headers_cb), self, 0);
  g_signal_connect_object (msg, "got-chunk", G_CALLBACK (got_chunk_cb), self, 0);
}

/* Housekeeping and events */

static gboolean
purge_cb (gpointer user_data)
{
  SesameServer *self = user_data;
  g_autoptr(GError) error = NULL;
  guint n_purged = 0;

  if (!sesame_store_purge_challenges (self->store, &n_purged, &error))
    g_warning ("Cannot purge expired challenges: %s", error->message);
  else if (n_purged)
    g_debug ("Purged %u expired challenges", n_purged);
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
}

/* Public API */

SesameServer *
sesame_server_new (SesameStore *store,
                   GError     **error)
{
  g_return_val_if_fail (SESAME_IS_STORE (store), NULL);

  return g_object_new (SESAME_TYPE_SERVER, "store", store, NULL);
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

static guint
listening_port (SoupServer *soup)
{
  GSList *uris = soup_server_get_uris (soup);
  guint port = 0;

  if (uris)
    port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return port;
}

gboolean
sesame_server_listen (SesameServer *self,
                      const char   *address,
                      guint         port,
                      GError      **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;

  g_return_val_if_fail (SESAME_IS_SERVER (self), FALSE);

  if (!address)
    address = "127.0.0.1";
  inet = g_inet_address_new_from_string (address);
  if (!inet)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address to listen on (e.g. 127.0.0.1 or ::1)", address);
      return FALSE;
    }
  if (port > G_MAXUINT16)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Port %u is not a TCP port (0 to 65535)", port);
      return FALSE;
    }

  socket_address = g_inet_socket_address_new (inet, port);
  if (!soup_server_listen (self->soup, socket_address, 0, error))
    return FALSE;
  self->loopback_only = g_inet_address_get_is_loopback (inet);
  self->port = listening_port (self->soup);

  /* Browsers and Node may resolve "localhost" to ::1 first. */
  if (g_inet_address_get_is_loopback (inet) &&
      g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV4)
    {
      g_autoptr(GInetAddress) inet6 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
      g_autoptr(GSocketAddress) address6 = g_inet_socket_address_new (inet6, self->port);
      g_autoptr(GError) local_error = NULL;

      if (!soup_server_listen (self->soup, address6, 0, &local_error))
        g_debug ("Not listening on [::1]:%u as well: %s", self->port, local_error->message);
    }

  g_free (self->base_url);
  g_free (self->app_url);
  g_free (self->app_origin);
  self->app_origin = g_strdup_printf ("http://localhost:%u", self->port);
  self->app_url = g_strdup_printf ("%s/", self->app_origin);
  self->base_url = g_strdup_printf ("%s/v1", self->app_origin);

  if (!self->purge_source)
    self->purge_source = g_timeout_add_seconds (PURGE_INTERVAL_S, purge_cb, self);

  g_debug ("Listening on %s port %u", address, self->port);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE_URL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_APP_URL]);
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
  SetupData data = { 0 };

  g_return_val_if_fail (SESAME_IS_SERVER (self), FALSE);
  g_return_val_if_fail (self->app_origin != NULL, FALSE);

  if (!options)
    options = &no_options;
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
    }
  return TRUE;
}

/* For the APIs */

char *
sesame_server_issue_token (SesameServer       *self,
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
  claims.issuer = self->base_url ? self->base_url : (char *) "sesame";
  claims.issued_at = now;
  claims.expires_at = now + tenant->token_lifetime;
  key = g_bytes_get_data (tenant->token_key, &key_len);
  return sesame_token_issue (key, key_len, &claims, error);
}

GBytes *
sesame_server_user_handle (const SesameTenant *tenant,
                           const char         *user_id)
{
  static const char label[] = "sesame user handle";
  g_autoptr(GHmac) hmac = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  const guint8 *key;
  gsize key_len;

  key = g_bytes_get_data (tenant->token_key, &key_len);
  hmac = g_hmac_new (G_CHECKSUM_SHA256, key, key_len);
  /* The label, NUL included, keeps these MACs apart from the token
   * signatures made with the same key. */
  g_hmac_update (hmac, (const guchar *) label, sizeof label);
  g_hmac_update (hmac, (const guchar *) user_id, strlen (user_id));
  g_hmac_get_digest (hmac, digest, &digest_len);
  return g_bytes_new (digest, digest_len);
}
