/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-sample-app.h"
#include "sesame-web-resources.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/random.h>

/*
 * Routes (all JSON, same origin, session in the cookie acme_session):
 *
 *   GET    /api/config          {tenantId, baseUrl}
 *   POST   /api/signup          {username, displayName?} -> {token, username, userId}
 *   POST   /api/session         {token} -> {userId, username, displayName}, sets the cookie
 *   GET    /api/me              {userId, username, displayName, passkeys: [...]} or 401
 *   POST   /api/passkeys/token  {token, username, displayName} (signed in)
 *   DELETE /api/passkeys/{id}   {removed} (signed in; not the last passkey)
 *   POST   /api/signout         {signedOut: true}, clears the cookie
 *
 * Every state-changing request must carry Origin equal to the app's own
 * origin (CSRF). The tenant is reached only through the Server API, with
 * asynchronous requests: the tenant may be served by this very main loop, so
 * a handler pauses its message and resumes it from the reply's callback.
 */

#define BODY_LIMIT          (16 * 1024)
#define UPSTREAM_LIMIT      (1024 * 1024)
#define SESSION_COOKIE      "acme_session"
#define SESSION_LIFETIME_S  (12 * 60 * 60)
#define MAX_SESSIONS        10000
#define USED_TOKEN_KEEP_S   (60 * 60)
#define MAX_USED_TOKENS     100000
#define USERNAME_MAX        64
#define DISPLAY_NAME_MAX    64
#define TOKEN_MAX           8192
#define WEB_RESOURCE_PREFIX "/io/github/sesame/Sesame/web/"
#define DEVICE_COOKIE       "__as_aid"

typedef struct
{
  char   *user_id;
  gint64  expires_at;           /* g_get_real_time () */
} AppSession;

typedef struct
{
  SoupSession  *http;           /* created on first use, in the serving thread */
  GCancellable *cancellable;    /* cancelled when the routes go away */
  char         *api_base_url;   /* without a trailing slash */
  char         *tenant_id;
  char         *authorization;  /* "Basic base64(secret:)" */
  char         *origin;         /* the app's own origin, e.g. "http://localhost:7878" */
  GHashTable   *sessions;       /* session id -> AppSession */
  GHashTable   *used_tokens;    /* "action/user/idempotency key" -> expiry (gint64 *) */
  GHashTable   *usernames;      /* username -> user id reserved by a signup here */
} SampleApp;

typedef struct _AppRequest AppRequest;

/* Continues a route with the Server API's reply: @status is the HTTP status,
 * @reply the parsed JSON (never NULL). It must end in request_reply(). */
typedef void (*UpstreamFunc) (AppRequest *req,
                              guint       status,
                              JsonNode   *reply);

struct _AppRequest
{
  SampleApp         *app;       /* a reference */
  SoupServerMessage *msg;       /* paused until request_reply () */
  SoupMessage       *upstream;
  UpstreamFunc       next;

  char              *user_id;
  char              *username;
  char              *display_name;
  char              *passkey_id;
  char              *user_agent;
  char              *ip_address;
  char              *device_id;
};

/* Small JSON helpers */

/* Parses JSON as an integrator's backend would, with json-glib alone. A NUL
 * byte inside would end the text early for json-glib, so it is refused
 * rather than letting the rest go unread. */
static JsonNode *
parse_json (const char  *data,
            gsize        len,
            char       **problem)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;

  if (memchr (data, '\0', len))
    {
      *problem = g_strdup ("it contains a NUL byte");
      return NULL;
    }
  if (!g_utf8_validate (data, len, NULL))
    {
      *problem = g_strdup ("it is not UTF-8");
      return NULL;
    }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, len, &error))
    {
      *problem = g_strdup (error->message);
      return NULL;
    }
  if (!json_parser_get_root (parser))
    {
      *problem = g_strdup ("it is empty");
      return NULL;
    }
  return json_parser_steal_root (parser);
}

static JsonObject *
node_object (JsonNode *node)
{
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static const char *
object_string (JsonObject *object,
               const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

static gboolean
object_true (JsonObject *object,
             const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

static void
builder_add_string (JsonBuilder *builder,
                    const char  *member,
                    const char  *value)
{
  json_builder_set_member_name (builder, member);
  if (value)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

/* Copies @member of @from into @builder if it is a string, boolean or number. */
static void
builder_copy_scalar (JsonBuilder *builder,
                     const char  *as,
                     JsonObject  *from,
                     const char  *member)
{
  JsonNode *node = from ? json_object_get_member (from, member) : NULL;

  json_builder_set_member_name (builder, as);
  if (node && JSON_NODE_HOLDS_VALUE (node))
    json_builder_add_value (builder, json_node_copy (node));
  else
    json_builder_add_null_value (builder);
}

/* Replies */

static void
reply_json (SoupServerMessage *msg,
            guint              status,
            JsonNode          *node)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  char *text = json_to_string (node, FALSE);
  gsize len = strlen (text);

  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, len);
}

static void
reply_builder (SoupServerMessage *msg,
               guint              status,
               JsonBuilder       *builder)
{
  g_autoptr(JsonNode) node = json_builder_get_root (builder);

  reply_json (msg, status, node);
}

static void
reply_error (SoupServerMessage *msg,
             guint              status,
             const char        *code,
             const char        *description)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  builder_add_string (builder, "error", code);
  builder_add_string (builder, "errorCode", code);
  builder_add_string (builder, "errorDescription", description);
  json_builder_end_object (builder);
  reply_builder (msg, status, builder);
}

static void
reply_method_not_allowed (SoupServerMessage *msg,
                          const char        *allow)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
  reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
               "This method is not allowed here.");
}

/* The app */

static void
app_session_free (gpointer data)
{
  AppSession *session = data;

  g_free (session->user_id);
  g_free (session);
}

static void
sample_app_clear (gpointer data)
{
  SampleApp *app = data;

  g_clear_object (&app->http);
  g_clear_object (&app->cancellable);
  g_free (app->api_base_url);
  g_free (app->tenant_id);
  if (app->authorization)
    memset (app->authorization, 0, strlen (app->authorization));
  g_free (app->authorization);
  g_free (app->origin);
  g_hash_table_unref (app->sessions);
  g_hash_table_unref (app->used_tokens);
  g_hash_table_unref (app->usernames);
}

static void
sample_app_unref (gpointer data)
{
  g_rc_box_release_full (data, sample_app_clear);
}

/* The routes go away (replaced, or the server is finalized): requests still
 * waiting for the tenant end as soon as their callbacks run. */
static void
sample_app_destroy (gpointer data)
{
  SampleApp *app = data;

  g_cancellable_cancel (app->cancellable);
  sample_app_unref (app);
}

static SoupSession *
sample_app_get_http (SampleApp *app)
{
  if (!app->http)
    {
      app->http = soup_session_new_with_options ("max-conns-per-host", 8,
                                                 "timeout", 30,
                                                 "idle-timeout", 60,
                                                 "user-agent", "acme-bank-sample/" PACKAGE_VERSION,
                                                 NULL);
      /* The tenant is local: never send it (and the secret) through a proxy. */
      soup_session_set_proxy_resolver (app->http, NULL);
    }
  return app->http;
}

static char *
random_token (void)
{
  guint8 bytes[32];
  gsize done = 0;
  g_autofree char *text = NULL;

  while (done < sizeof bytes)
    {
      ssize_t n = getrandom (bytes + done, sizeof bytes - done, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        g_error ("getrandom failed: %s", g_strerror (errno));
      done += (gsize) n;
    }

  text = g_base64_encode (bytes, sizeof bytes);
  memset (bytes, 0, sizeof bytes);
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  g_strdelimit (text, "=", '\0');
  return g_strdup (text);
}

static void
sample_app_prune (SampleApp *app)
{
  gint64 now = g_get_real_time ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, app->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((AppSession *) value)->expires_at <= now)
      g_hash_table_iter_remove (&iter);

  g_hash_table_iter_init (&iter, app->used_tokens);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (*(gint64 *) value <= now)
      g_hash_table_iter_remove (&iter);
}

/* Makes room for one more entry in @table: prunes, then evicts any entry. */
static void
sample_app_make_room (SampleApp  *app,
                      GHashTable *table,
                      guint       max)
{
  GHashTableIter iter;

  if (g_hash_table_size (table) < max)
    return;
  sample_app_prune (app);
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_size (table) >= max && g_hash_table_iter_next (&iter, NULL, NULL))
    g_hash_table_iter_remove (&iter);
}

/* The value of the cookie @name (the first one) from the Cookie header. */
static const char *
request_cookie (SoupServerMessage *msg,
                const char        *name,
                char             **out_value)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Cookie");
  g_auto(GStrv) pairs = NULL;

  *out_value = NULL;
  if (!header)
    return NULL;
  pairs = g_strsplit (header, ";", 64);
  for (guint i = 0; pairs[i]; i++)
    {
      char *pair = g_strstrip (pairs[i]);
      char *eq = strchr (pair, '=');

      if (!eq)
        continue;
      *eq = '\0';
      if (g_str_equal (g_strchomp (pair), name))
        {
          *out_value = g_strdup (g_strchug (eq + 1));
          break;
        }
    }
  return *out_value;
}

/* The signed-in user's session, or NULL. */
static AppSession *
sample_app_lookup_session (SampleApp          *app,
                           SoupServerMessage  *msg,
                           char              **out_id)
{
  g_autofree char *id = NULL;
  AppSession *session;

  if (out_id)
    *out_id = NULL;
  if (!request_cookie (msg, SESSION_COOKIE, &id) || !*id)
    return NULL;

  session = g_hash_table_lookup (app->sessions, id);
  if (!session)
    return NULL;
  if (session->expires_at <= g_get_real_time ())
    {
      g_hash_table_remove (app->sessions, id);
      return NULL;
    }
  if (out_id)
    *out_id = g_steal_pointer (&id);
  return session;
}

static void
set_session_cookie (SoupServerMessage *msg,
                    const char        *value,
                    int                max_age)
{
  g_autofree char *cookie = g_strdup_printf (SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%d",
                                             value, max_age);

  soup_message_headers_append (soup_server_message_get_response_headers (msg), "Set-Cookie", cookie);
}

/* Requests that wait for the tenant */

/* The client's address, for track's ipAddress. Read from the socket here
 * rather than with soup_server_message_get_remote_host(): libsoup 3.2 warns
 * when the client has already gone (a page that navigated away), and a
 * vanished client is no reason for a warning. NULL when it is gone. */
static char *
remote_host (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  g_autoptr(GSocketAddress) address = NULL;
  GInetAddress *inet;

  if (!socket)
    return NULL;
  address = g_socket_get_remote_address (socket, NULL);
  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  return g_inet_address_to_string (inet);
}

static AppRequest *
app_request_new (SampleApp         *app,
                 SoupServerMessage *msg)
{
  AppRequest *req = g_new0 (AppRequest, 1);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *user_agent = soup_message_headers_get_one (headers, "User-Agent");
  g_autofree char *device_id = NULL;

  req->app = g_rc_box_acquire (app);
  req->msg = g_object_ref (msg);
  if (user_agent && strlen (user_agent) <= 512 && g_utf8_validate (user_agent, -1, NULL))
    req->user_agent = g_strdup (user_agent);
  req->ip_address = remote_host (msg);

  /* The Web SDK's device id cookie: passed on to track, as the docs advise. */
  if (request_cookie (msg, DEVICE_COOKIE, &device_id) && strlen (device_id) <= 64 &&
      strspn (device_id, "0123456789abcdefABCDEF-") == strlen (device_id))
    req->device_id = g_steal_pointer (&device_id);

  soup_server_message_pause (msg);
  return req;
}

static void
app_request_free (AppRequest *req)
{
  sample_app_unref (req->app);
  g_object_unref (req->msg);
  g_clear_object (&req->upstream);
  g_free (req->user_id);
  g_free (req->username);
  g_free (req->display_name);
  g_free (req->passkey_id);
  g_free (req->user_agent);
  g_free (req->ip_address);
  g_free (req->device_id);
  g_free (req);
}

/* Ends @req: its reply is set on req->msg by the caller. */
static void
request_done (AppRequest *req)
{
  soup_server_message_unpause (req->msg);
  app_request_free (req);
}

static void
request_reply (AppRequest  *req,
               guint        status,
               JsonBuilder *builder)
{
  reply_builder (req->msg, status, builder);
  request_done (req);
}

static void
request_fail (AppRequest *req,
              guint       status,
              const char *code,
              const char *description)
{
  reply_error (req->msg, status, code, description);
  request_done (req);
}

/* A Server API reply that is not what the route expected. */
static void
request_fail_upstream (AppRequest *req,
                       guint       status,
                       JsonNode   *reply,
                       const char *what)
{
  const char *description = object_string (node_object (reply), "errorDescription");
  g_autofree char *text = NULL;

  if (status == SOUP_STATUS_UNAUTHORIZED)
    text = g_strdup_printf ("%s: the passkey service refused the backend's secret key.", what);
  else if (description)
    text = g_strdup_printf ("%s: %s", what, description);
  else
    text = g_strdup_printf ("%s: the passkey service answered HTTP %u.", what, status);
  request_fail (req, SOUP_STATUS_BAD_GATEWAY, "upstream_error", text);
}

static void
request_call_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AppRequest *req = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *problem = NULL;
  const char *data;
  gsize len;
  guint status;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (!bytes)
    {
      g_autofree char *text = NULL;

      g_debug ("Sample app: Server API request failed: %s", error->message);
      text = g_strdup_printf ("The passkey service cannot be reached: %s", error->message);
      request_fail (req, SOUP_STATUS_BAD_GATEWAY, "upstream_unreachable", text);
      return;
    }

  status = soup_message_get_status (req->upstream);
  data = g_bytes_get_data (bytes, &len);
  if (len > 0 && len <= UPSTREAM_LIMIT)
    root = parse_json (data, len, &problem);
  if (!root)
    {
      g_autofree char *text = g_strdup_printf ("The passkey service answered HTTP %u without valid JSON.",
                                               status);

      request_fail (req, SOUP_STATUS_BAD_GATEWAY, "upstream_error", text);
      return;
    }

  req->next (req, status, root);
}

/* Calls the Server API: @path (already escaped) under the base URL. */
static void
request_call (AppRequest   *req,
              const char   *method,
              const char   *path,
              JsonBuilder  *body,
              UpstreamFunc  next)
{
  SampleApp *app = req->app;
  g_autofree char *url = g_strconcat (app->api_base_url, path, NULL);
  SoupMessage *message = soup_message_new (method, url);
  SoupMessageHeaders *headers;

  if (!message)
    {
      request_fail (req, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal_error",
                    "The passkey service URL is not valid.");
      return;
    }

  headers = soup_message_get_request_headers (message);
  soup_message_headers_replace (headers, "Authorization", app->authorization);
  soup_message_headers_replace (headers, "Accept", "application/json");
  if (body)
    {
      g_autoptr(JsonNode) root = json_builder_get_root (body);
      char *text = json_to_string (root, FALSE);
      g_autoptr(GBytes) bytes = g_bytes_new_take (text, strlen (text));

      soup_message_set_request_body_from_bytes (message, "application/json", bytes);
    }

  g_set_object (&req->upstream, message);
  g_object_unref (message);
  req->next = next;
  soup_session_send_and_read_async (sample_app_get_http (app), message, G_PRIORITY_DEFAULT,
                                    app->cancellable, request_call_cb, req);
}

static char *
users_path (const char *user_id,
            const char *rest)
{
  g_autofree char *escaped = g_uri_escape_string (user_id, NULL, FALSE);

  return g_strconcat ("/users/", escaped, rest, NULL);
}

/* Starts the body of a track request (the caller adds members and ends it). */
static JsonBuilder *
track_body (AppRequest *req)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  if (req->username)
    builder_add_string (builder, "username", req->username);
  if (req->display_name)
    builder_add_string (builder, "displayName", req->display_name);
  if (req->user_agent)
    builder_add_string (builder, "userAgent", req->user_agent);
  if (req->ip_address)
    builder_add_string (builder, "ipAddress", req->ip_address);
  if (req->device_id)
    builder_add_string (builder, "deviceId", req->device_id);
  return builder;
}

/* Request bodies */

/* Parses the request body as a JSON object into @out. An empty body is an
 * empty object when @optional. On failure it has replied. */
static gboolean
read_body (SoupServerMessage *msg,
           gboolean           optional,
           JsonNode         **out)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *problem = NULL;
  const char *content_type;
  const char *data;
  gsize len;

  *out = NULL;
  if (body->length > BODY_LIMIT)
    {
      reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
                   "The request body is larger than 16 KiB.");
      return FALSE;
    }

  if (body->length == 0)
    {
      if (!optional)
        {
          reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "A JSON body is required.");
          return FALSE;
        }
      *out = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (*out, json_object_new ());
      return TRUE;
    }

  content_type = soup_message_headers_get_content_type (headers, NULL);
  if (!content_type || g_ascii_strcasecmp (content_type, "application/json") != 0)
    {
      reply_error (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                   "The request body must be application/json.");
      return FALSE;
    }

  bytes = soup_message_body_flatten (body);
  data = g_bytes_get_data (bytes, &len);
  root = parse_json (data, len, &problem);
  if (!root)
    {
      g_autofree char *text = g_strdup_printf ("The request body is not valid JSON%s%s",
                                               problem ? ": " : ".", problem ? problem : "");

      reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", text);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                   "The request body must be a JSON object.");
      return FALSE;
    }

  *out = g_steal_pointer (&root);
  return TRUE;
}

/* A member that must be a string if present. FALSE (after replying) if it
 * is of another type. */
static gboolean
body_string (SoupServerMessage *msg,
             JsonObject        *object,
             const char        *member,
             const char       **out)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = NULL;
  if (!node || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_autofree char *text = g_strdup_printf ("“%s” must be a string.", member);

      reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", text);
      return FALSE;
    }
  *out = json_node_get_string (node);
  return TRUE;
}

/* Lowercased and checked; NULL with @problem set if not acceptable. */
static char *
normalize_username (const char  *text,
                    const char **problem)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  gsize len = strlen (stripped);

  if (len == 0)
    {
      *problem = "Choose a username.";
      return NULL;
    }
  if (len > USERNAME_MAX)
    {
      *problem = "A username has at most 64 characters.";
      return NULL;
    }
  for (const char *p = stripped; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("._-@", *p))
      {
        *problem = "A username may contain only letters, digits and . _ - @";
        return NULL;
      }
  return g_ascii_strdown (stripped, -1);
}

static char *
normalize_display_name (const char  *text,
                        const char **problem)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (g_utf8_strlen (stripped, -1) > DISPLAY_NAME_MAX)
    {
      *problem = "A name has at most 64 characters.";
      return NULL;
    }
  for (const char *p = stripped; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || g_unichar_type (c) == G_UNICODE_FORMAT ||
          c == 0x2028 || c == 0x2029)
        {
          *problem = "A name may not contain control characters.";
          return NULL;
        }
    }
  return *stripped ? g_steal_pointer (&stripped) : NULL;
}

static gboolean
origin_allowed (SampleApp         *app,
                SoupServerMessage *msg)
{
  const char *origin = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Origin");

  if (origin && g_str_equal (origin, app->origin))
    return TRUE;
  reply_error (msg, SOUP_STATUS_FORBIDDEN, "forbidden",
               "This request must come from the Acme Bank page (Origin mismatch).");
  return FALSE;
}

/* GET /api/config */

static void
handle_config (SampleApp         *app,
               SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  builder_add_string (builder, "tenantId", app->tenant_id);
  builder_add_string (builder, "baseUrl", app->api_base_url);
  json_builder_end_object (builder);
  reply_builder (msg, SOUP_STATUS_OK, builder);
}

/* POST /api/signup: query users -> (get user) -> track addPasskey */

static void signup_track (AppRequest *req);

static void
signup_track_cb (AppRequest *req,
                 guint       status,
                 JsonNode   *reply)
{
  JsonObject *object = node_object (reply);
  const char *token = object_string (object, "token");
  g_autoptr(JsonBuilder) builder = NULL;

  if (status == SOUP_STATUS_CONFLICT)
    {
      request_fail (req, SOUP_STATUS_CONFLICT, "conflict", "That username is taken.");
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status) || !token)
    {
      request_fail_upstream (req, status, reply, "The account could not be created");
      return;
    }

  g_hash_table_replace (req->app->usernames, g_strdup (req->username), g_strdup (req->user_id));

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  builder_add_string (builder, "token", token);
  builder_add_string (builder, "username", req->username);
  builder_add_string (builder, "userId", req->user_id);
  json_builder_end_object (builder);
  request_reply (req, SOUP_STATUS_OK, builder);
}

static void
signup_track (AppRequest *req)
{
  g_autoptr(JsonBuilder) body = track_body (req);
  g_autofree char *path = users_path (req->user_id, "/actions/addPasskey");

  json_builder_end_object (body);
  request_call (req, "POST", path, body, signup_track_cb);
}

/* The user found for this username: a user with a passkey owns it; one
 * without (an abandoned signup) may finish signing up. */
static void
signup_user_cb (AppRequest *req,
                guint       status,
                JsonNode   *reply)
{
  JsonObject *object = node_object (reply);
  const char *username = object_string (object, "username");

  if (status == SOUP_STATUS_NOT_FOUND)
    {
      signup_track (req);
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      request_fail_upstream (req, status, reply, "The account could not be created");
      return;
    }
  if (object_true (object, "isEnrolled"))
    {
      request_fail (req, SOUP_STATUS_CONFLICT, "conflict", "That username is taken.");
      return;
    }
  if (username && g_ascii_strcasecmp (username, req->username) != 0)
    {
      /* The remembered user now has another name: start afresh. */
      g_free (req->user_id);
      req->user_id = g_uuid_string_random ();
    }
  signup_track (req);
}

static void
signup_check_user (AppRequest *req)
{
  g_autofree char *path = users_path (req->user_id, "");

  request_call (req, "GET", path, NULL, signup_user_cb);
}

static void
signup_query_cb (AppRequest *req,
                 guint       status,
                 JsonNode   *reply)
{
  JsonObject *object = node_object (reply);
  JsonArray *users = NULL;
  JsonNode *users_node;

  /* 404/405: the tenant cannot look users up by name. The user id this
   * backend reserved for the name (in handle_signup) stands. */
  if (status != SOUP_STATUS_NOT_FOUND && status != SOUP_STATUS_METHOD_NOT_ALLOWED)
    {
      if (!SOUP_STATUS_IS_SUCCESSFUL (status))
        {
          request_fail_upstream (req, status, reply, "The account could not be created");
          return;
        }

      if (JSON_NODE_HOLDS_ARRAY (reply))
        users = json_node_get_array (reply);
      else if (object && (users_node = json_object_get_member (object, "users")) &&
               JSON_NODE_HOLDS_ARRAY (users_node))
        users = json_node_get_array (users_node);

      for (guint i = 0; users && i < json_array_get_length (users); i++)
        {
          JsonObject *user = node_object (json_array_get_element (users, i));
          const char *user_id = object_string (user, "userId");
          const char *username = object_string (user, "username");

          if (user_id && username && g_ascii_strcasecmp (username, req->username) == 0)
            {
              g_free (req->user_id);
              req->user_id = g_strdup (user_id);
              break;
            }
        }
    }

  signup_check_user (req);
}

static void
handle_signup (SampleApp         *app,
               SoupServerMessage *msg)
{
  g_autoptr(JsonNode) body = NULL;
  JsonObject *object;
  const char *username;
  const char *display_name;
  const char *problem = NULL;
  g_autofree char *clean_username = NULL;
  g_autofree char *clean_display_name = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;
  AppRequest *req;

  if (!origin_allowed (app, msg) || !read_body (msg, FALSE, &body))
    return;
  object = json_node_get_object (body);
  if (!body_string (msg, object, "username", &username) ||
      !body_string (msg, object, "displayName", &display_name))
    return;
  if (!username)
    {
      reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "Choose a username.");
      return;
    }
  clean_username = normalize_username (username, &problem);
  if (!clean_username)
    {
      reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", problem);
      return;
    }
  if (display_name)
    {
      clean_display_name = normalize_display_name (display_name, &problem);
      if (problem)
        {
          reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", problem);
          return;
        }
    }

  req = app_request_new (app, msg);
  req->username = g_steal_pointer (&clean_username);
  req->display_name = g_steal_pointer (&clean_display_name);

  /* Reserve a user id for the name at once, so that signups racing for it
   * end up on the same user (whose first passkey then decides). */
  req->user_id = g_strdup (g_hash_table_lookup (app->usernames, req->username));
  if (!req->user_id)
    {
      req->user_id = g_uuid_string_random ();
      sample_app_make_room (app, app->usernames, MAX_SESSIONS);
      g_hash_table_insert (app->usernames, g_strdup (req->username), g_strdup (req->user_id));
    }

  escaped = g_uri_escape_string (req->username, NULL, FALSE);
  path = g_strconcat ("/users?username=", escaped, "&limit=10", NULL);
  request_call (req, "GET", path, NULL, signup_query_cb);
}

/* POST /api/session: validate -> get user -> cookie */

static void
session_user_cb (AppRequest *req,
                 guint       status,
                 JsonNode   *reply)
{
  SampleApp *app = req->app;
  JsonObject *object = node_object (reply);
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *old_id = NULL;
  g_autofree char *session_id = NULL;
  AppSession *session;
  const char *username;

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      request_fail_upstream (req, status, reply, "The sign-in could not be completed");
      return;
    }
  username = object_string (object, "username");

  /* A new sign-in replaces the session this browser had. */
  if (sample_app_lookup_session (app, req->msg, &old_id))
    g_hash_table_remove (app->sessions, old_id);

  sample_app_make_room (app, app->sessions, MAX_SESSIONS);
  session_id = random_token ();
  session = g_new0 (AppSession, 1);
  session->user_id = g_strdup (req->user_id);
  session->expires_at = g_get_real_time () + (gint64) SESSION_LIFETIME_S * G_USEC_PER_SEC;
  g_hash_table_insert (app->sessions, g_strdup (session_id), session);
  set_session_cookie (req->msg, session_id, SESSION_LIFETIME_S);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  builder_add_string (builder, "userId", req->user_id);
  builder_add_string (builder, "username", username ? username : req->user_id);
  builder_add_string (builder, "displayName", object_string (object, "displayName"));
  json_builder_end_object (builder);
  request_reply (req, SOUP_STATUS_OK, builder);
}

static void
session_validate_cb (AppRequest *req,
                     guint       status,
                     JsonNode   *reply)
{
  SampleApp *app = req->app;
  JsonObject *object = node_object (reply);
  const char *state = object_string (object, "state");
  const char *user_id = object_string (object, "userId");
  const char *action = object_string (object, "actionCode");
  const char *method = object_string (object, "verificationMethod");
  const char *key = object_string (object, "idempotencyKey");
  g_autofree char *path = NULL;
  gint64 *expiry;

  if (!action)
    action = object_string (object, "action");

  if (status == SOUP_STATUS_UNAUTHORIZED && !object_string (object, "errorCode"))
    {
      request_fail_upstream (req, status, reply, "The sign-in could not be checked");
      return;
    }
  if (status >= 500)
    {
      request_fail_upstream (req, status, reply, "The sign-in could not be checked");
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status) || !object_true (object, "isValid") ||
      g_strcmp0 (state, "CHALLENGE_SUCCEEDED") != 0 || !user_id || !*user_id)
    {
      const char *code = object_string (object, "errorCode");
      const char *description = object_string (object, "errorDescription");

      if (g_strcmp0 (code, "unauthorized") == 0)
        {
          request_fail_upstream (req, status, reply, "The sign-in could not be checked");
          return;
        }
      if (g_strcmp0 (code, "expired_token") == 0)
        description = "The sign-in took too long. Please try again.";
      request_fail (req, SOUP_STATUS_UNAUTHORIZED, "invalid_token",
                    description ? description : "The passkey sign-in could not be confirmed.");
      return;
    }
  if (g_strcmp0 (action, "signInWithPasskey") != 0 && g_strcmp0 (action, "addPasskey") != 0)
    {
      request_fail (req, SOUP_STATUS_UNAUTHORIZED, "invalid_token",
                    "This token is not from a passkey sign-in.");
      return;
    }
  if (method && g_strcmp0 (method, "PASSKEY") != 0)
    {
      request_fail (req, SOUP_STATUS_UNAUTHORIZED, "invalid_token",
                    "This sign-in did not use a passkey.");
      return;
    }

  /* A token starts one session: a copy of it is worth nothing later. */
  if (key)
    {
      g_autofree char *used = g_strconcat (action, "/", user_id, "/", key, NULL);

      if (g_hash_table_contains (app->used_tokens, used))
        {
          request_fail (req, SOUP_STATUS_UNAUTHORIZED, "invalid_token",
                        "This sign-in was already used.");
          return;
        }
      sample_app_make_room (app, app->used_tokens, MAX_USED_TOKENS);
      expiry = g_new (gint64, 1);
      *expiry = g_get_real_time () + (gint64) USED_TOKEN_KEEP_S * G_USEC_PER_SEC;
      g_hash_table_insert (app->used_tokens, g_steal_pointer (&used), expiry);
    }

  req->user_id = g_strdup (user_id);
  path = users_path (req->user_id, "");
  request_call (req, "GET", path, NULL, session_user_cb);
}

static void
handle_session (SampleApp         *app,
                SoupServerMessage *msg)
{
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonBuilder) validate = NULL;
  const char *token;
  AppRequest *req;

  if (!origin_allowed (app, msg) || !read_body (msg, FALSE, &body) ||
      !body_string (msg, json_node_get_object (body), "token", &token))
    return;
  if (!token || !*token || strlen (token) > TOKEN_MAX)
    {
      reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "“token” is required.");
      return;
    }

  validate = json_builder_new ();
  json_builder_begin_object (validate);
  builder_add_string (validate, "token", token);
  json_builder_end_object (validate);

  req = app_request_new (app, msg);
  request_call (req, "POST", "/validate", validate, session_validate_cb);
}

/* Routes for the signed-in user */

/* Starts a request for the signed-in user, or replies 401 and returns NULL. */
static AppRequest *
signed_in_request (SampleApp         *app,
                   SoupServerMessage *msg)
{
  AppSession *session = sample_app_lookup_session (app, msg, NULL);
  AppRequest *req;

  if (!session)
    {
      reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized", "You are not signed in.");
      return NULL;
    }
  req = app_request_new (app, msg);
  req->user_id = g_strdup (session->user_id);
  return req;
}

static gboolean
is_passkey (JsonObject *authenticator)
{
  const char *method = object_string (authenticator, "verificationMethod");

  return authenticator && object_string (authenticator, "userAuthenticatorId") &&
         (!method || g_str_equal (method, "PASSKEY"));
}

static guint
count_passkeys (JsonArray *list)
{
  guint n = 0;

  for (guint i = 0; list && i < json_array_get_length (list); i++)
    if (is_passkey (node_object (json_array_get_element (list, i))))
      n++;
  return n;
}

static void
add_passkey (JsonBuilder *builder,
             JsonObject  *authenticator)
{
  JsonNode *credential_node = json_object_get_member (authenticator, "webauthnCredential");
  JsonObject *credential = node_object (credential_node);
  JsonObject *mapping = credential ? node_object (json_object_get_member (credential, "aaguidMapping"))
                                   : NULL;
  const char *name = object_string (mapping, "name");
  const char *last_used = object_string (authenticator, "lastVerifiedAt");

  if (!name)
    name = object_string (credential, "name");
  if (!last_used)
    last_used = object_string (authenticator, "verifiedAt");

  json_builder_begin_object (builder);
  builder_add_string (builder, "id", object_string (authenticator, "userAuthenticatorId"));
  builder_add_string (builder, "name", name);
  builder_add_string (builder, "aaguid", object_string (credential, "aaguid"));
  builder_add_string (builder, "credentialId", object_string (credential, "credentialId"));
  builder_add_string (builder, "createdAt", object_string (authenticator, "createdAt"));
  builder_add_string (builder, "lastUsedAt", last_used);
  builder_copy_scalar (builder, "backedUp", credential, "credentialBackedUp");
  builder_copy_scalar (builder, "deviceType", credential, "credentialDeviceType");
  builder_copy_scalar (builder, "authenticatorAttachment", credential, "authenticatorAttachment");
  json_builder_end_object (builder);
}

/* GET /api/me: get user -> get authenticators */

static void
me_authenticators_cb (AppRequest *req,
                      guint       status,
                      JsonNode   *reply)
{
  g_autoptr(JsonBuilder) builder = NULL;
  JsonArray *list;

  if (!SOUP_STATUS_IS_SUCCESSFUL (status) || !JSON_NODE_HOLDS_ARRAY (reply))
    {
      request_fail_upstream (req, status, reply, "Your passkeys could not be loaded");
      return;
    }
  list = json_node_get_array (reply);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  builder_add_string (builder, "userId", req->user_id);
  builder_add_string (builder, "username", req->username ? req->username : req->user_id);
  builder_add_string (builder, "displayName", req->display_name);
  json_builder_set_member_name (builder, "passkeys");
  json_builder_begin_array (builder);
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *authenticator = node_object (json_array_get_element (list, i));

      if (is_passkey (authenticator))
        add_passkey (builder, authenticator);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  request_reply (req, SOUP_STATUS_OK, builder);
}

static void
me_user_cb (AppRequest *req,
            guint       status,
            JsonNode   *reply)
{
  JsonObject *object = node_object (reply);
  g_autofree char *path = NULL;

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      request_fail_upstream (req, status, reply, "Your account could not be loaded");
      return;
    }
  req->username = g_strdup (object_string (object, "username"));
  req->display_name = g_strdup (object_string (object, "displayName"));

  path = users_path (req->user_id, "/authenticators");
  request_call (req, "GET", path, NULL, me_authenticators_cb);
}

static void
handle_me (SampleApp         *app,
           SoupServerMessage *msg)
{
  AppRequest *req = signed_in_request (app, msg);
  g_autofree char *path = NULL;

  if (!req)
    return;
  path = users_path (req->user_id, "");
  request_call (req, "GET", path, NULL, me_user_cb);
}

/* POST /api/passkeys/token: get user -> track addPasskey (add:authenticators) */

static void
passkey_token_track_cb (AppRequest *req,
                        guint       status,
                        JsonNode   *reply)
{
  const char *token = object_string (node_object (reply), "token");
  g_autoptr(JsonBuilder) builder = NULL;

  if (!SOUP_STATUS_IS_SUCCESSFUL (status) || !token)
    {
      request_fail_upstream (req, status, reply, "A passkey cannot be added now");
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  builder_add_string (builder, "token", token);
  builder_add_string (builder, "username", req->username);
  builder_add_string (builder, "displayName", req->display_name);
  json_builder_end_object (builder);
  request_reply (req, SOUP_STATUS_OK, builder);
}

static void
passkey_token_user_cb (AppRequest *req,
                       guint       status,
                       JsonNode   *reply)
{
  JsonObject *object = node_object (reply);
  g_autoptr(JsonBuilder) body = NULL;
  g_autofree char *path = NULL;

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      request_fail_upstream (req, status, reply, "A passkey cannot be added now");
      return;
    }
  req->username = g_strdup (object_string (object, "username"));
  req->display_name = g_strdup (object_string (object, "displayName"));

  body = track_body (req);
  builder_add_string (body, "scope", "add:authenticators");
  json_builder_end_object (body);
  path = users_path (req->user_id, "/actions/addPasskey");
  request_call (req, "POST", path, body, passkey_token_track_cb);
}

static void
handle_passkey_token (SampleApp         *app,
                      SoupServerMessage *msg)
{
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = NULL;
  AppRequest *req;

  if (!origin_allowed (app, msg) || !read_body (msg, TRUE, &body))
    return;
  req = signed_in_request (app, msg);
  if (!req)
    return;
  path = users_path (req->user_id, "");
  request_call (req, "GET", path, NULL, passkey_token_user_cb);
}

/* DELETE /api/passkeys/{id}: list (is it the user's?) -> delete */

static void
passkey_delete_cb (AppRequest *req,
                   guint       status,
                   JsonNode   *reply)
{
  g_autoptr(JsonBuilder) builder = NULL;

  if (status == SOUP_STATUS_NOT_FOUND)
    {
      request_fail (req, SOUP_STATUS_NOT_FOUND, "not_found", "That passkey no longer exists.");
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      request_fail_upstream (req, status, reply, "The passkey could not be removed");
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  builder_add_string (builder, "removed", req->passkey_id);
  json_builder_end_object (builder);
  request_reply (req, SOUP_STATUS_OK, builder);
}

static void
passkey_list_cb (AppRequest *req,
                 guint       status,
                 JsonNode   *reply)
{
  JsonArray *list;
  gboolean found = FALSE;
  g_autofree char *escaped = NULL;
  g_autofree char *rest = NULL;
  g_autofree char *path = NULL;

  if (!SOUP_STATUS_IS_SUCCESSFUL (status) || !JSON_NODE_HOLDS_ARRAY (reply))
    {
      request_fail_upstream (req, status, reply, "Your passkeys could not be loaded");
      return;
    }
  list = json_node_get_array (reply);

  for (guint i = 0; i < json_array_get_length (list) && !found; i++)
    {
      JsonObject *authenticator = node_object (json_array_get_element (list, i));

      found = is_passkey (authenticator) &&
              g_str_equal (object_string (authenticator, "userAuthenticatorId"), req->passkey_id);
    }
  if (!found)
    {
      request_fail (req, SOUP_STATUS_NOT_FOUND, "not_found", "You have no passkey with that id.");
      return;
    }
  if (count_passkeys (list) <= 1)
    {
      request_fail (req, SOUP_STATUS_CONFLICT, "conflict",
                    "This is your only passkey. Add another one before removing it.");
      return;
    }

  escaped = g_uri_escape_string (req->passkey_id, NULL, FALSE);
  rest = g_strconcat ("/authenticators/", escaped, NULL);
  path = users_path (req->user_id, rest);
  request_call (req, "DELETE", path, NULL, passkey_delete_cb);
}

static void
handle_passkey_delete (SampleApp         *app,
                       SoupServerMessage *msg,
                       const char        *escaped_id)
{
  g_autofree char *id = g_uri_unescape_string (escaped_id, "/");
  g_autofree char *path = NULL;
  AppRequest *req;

  if (!origin_allowed (app, msg))
    return;
  if (!id || !*id || strlen (id) > 256 || !g_utf8_validate (id, -1, NULL))
    {
      reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "That is not a passkey id.");
      return;
    }
  req = signed_in_request (app, msg);
  if (!req)
    return;
  req->passkey_id = g_steal_pointer (&id);
  path = users_path (req->user_id, "/authenticators");
  request_call (req, "GET", path, NULL, passkey_list_cb);
}

/* POST /api/signout */

static void
handle_signout (SampleApp         *app,
                SoupServerMessage *msg)
{
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *session_id = NULL;

  if (!origin_allowed (app, msg) || !read_body (msg, TRUE, &body))
    return;
  if (sample_app_lookup_session (app, msg, &session_id))
    g_hash_table_remove (app->sessions, session_id);
  set_session_cookie (msg, "", 0);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "signedOut");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);
  reply_builder (msg, SOUP_STATUS_OK, builder);
}

/* Dispatch */

static gboolean
method_is (SoupServerMessage *msg,
           const char        *method,
           const char        *allow)
{
  if (g_str_equal (soup_server_message_get_method (msg), method))
    return TRUE;
  reply_method_not_allowed (msg, allow);
  return FALSE;
}

static void
sample_app_handler (SoupServer        *server,
                    SoupServerMessage *msg,
                    const char        *decoded_path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  SampleApp *app = user_data;
  /* The path as sent (percent-encoded), whatever the server's raw-paths
   * setting: a passkey id is decoded exactly once, below. */
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));

  if (g_str_equal (path, "/api/config"))
    {
      if (method_is (msg, "GET", "GET"))
        handle_config (app, msg);
    }
  else if (g_str_equal (path, "/api/signup"))
    {
      if (method_is (msg, "POST", "POST"))
        handle_signup (app, msg);
    }
  else if (g_str_equal (path, "/api/session"))
    {
      if (method_is (msg, "POST", "POST"))
        handle_session (app, msg);
    }
  else if (g_str_equal (path, "/api/me"))
    {
      if (method_is (msg, "GET", "GET"))
        handle_me (app, msg);
    }
  else if (g_str_equal (path, "/api/passkeys/token"))
    {
      if (method_is (msg, "POST", "POST"))
        handle_passkey_token (app, msg);
    }
  else if (g_str_has_prefix (path, "/api/passkeys/") && !strchr (path + strlen ("/api/passkeys/"), '/'))
    {
      if (method_is (msg, "DELETE", "DELETE"))
        handle_passkey_delete (app, msg, path + strlen ("/api/passkeys/"));
    }
  else if (g_str_equal (path, "/api/signout"))
    {
      if (method_is (msg, "POST", "POST"))
        handle_signout (app, msg);
    }
  else
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", "There is no such route.");
    }
}

/* Before the body is read: refuse what would exceed the cap. */
static void
refuse_body (SoupServerMessage *msg,
             guint              status,
             const char        *code,
             const char        *description)
{
  /* libsoup still reads the body off the connection: drop it as it comes. */
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  reply_error (msg, status, code, description);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
}

static void
sample_app_early_handler (SoupServer        *server,
                          SoupServerMessage *msg,
                          const char        *path,
                          GHashTable        *query,
                          gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_NONE:
      break;
    case SOUP_ENCODING_CONTENT_LENGTH:
      if (soup_message_headers_get_content_length (headers) > BODY_LIMIT)
        refuse_body (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
                     "The request body is larger than 16 KiB.");
      break;
    case SOUP_ENCODING_UNRECOGNIZED:
    case SOUP_ENCODING_EOF:
    case SOUP_ENCODING_CHUNKED:
    case SOUP_ENCODING_BYTERANGES:
    default:
      /* Browsers send a Content-Length with every fetch() body. */
      refuse_body (msg, SOUP_STATUS_LENGTH_REQUIRED, "length_required",
                   "A request body needs a Content-Length.");
      break;
    }
}

static char *
origin_of (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *scheme;
  int port;

  if (!uri || !g_uri_get_host (uri))
    return NULL;
  scheme = g_uri_get_scheme (uri);
  port = g_uri_get_port (uri);
  if (port < 0 || (g_str_equal (scheme, "http") && port == 80) ||
      (g_str_equal (scheme, "https") && port == 443))
    return g_strdup_printf ("%s://%s", scheme, g_uri_get_host (uri));
  return g_strdup_printf ("%s://%s:%d", scheme, g_uri_get_host (uri), port);
}

void
sesame_sample_app_register (SoupServer *server,
                            const char *api_base_url,
                            const char *tenant_id,
                            const char *secret_key)
{
  SampleApp *app;
  g_autofree char *credentials = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *origin = NULL;

  g_return_if_fail (SOUP_IS_SERVER (server));
  g_return_if_fail (api_base_url);
  g_return_if_fail (tenant_id);
  g_return_if_fail (secret_key);

  origin = origin_of (api_base_url);
  g_return_if_fail (origin);

  credentials = g_strconcat (secret_key, ":", NULL);
  encoded = g_base64_encode ((const guchar *) credentials, strlen (credentials));
  memset (credentials, 0, strlen (credentials));

  app = g_rc_box_new0 (SampleApp);
  app->cancellable = g_cancellable_new ();
  app->api_base_url = g_strdup (api_base_url);
  while (g_str_has_suffix (app->api_base_url, "/"))
    app->api_base_url[strlen (app->api_base_url) - 1] = '\0';
  app->tenant_id = g_strdup (tenant_id);
  app->authorization = g_strconcat ("Basic ", encoded, NULL);
  app->origin = g_steal_pointer (&origin);
  app->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, app_session_free);
  app->used_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  app->usernames = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  memset (encoded, 0, strlen (encoded));

  /* Replacing an earlier registration drops it (its destroy notify runs). */
  soup_server_remove_handler (server, "/api");
  soup_server_add_early_handler (server, "/api", sample_app_early_handler, NULL, NULL);
  soup_server_add_handler (server, "/api", sample_app_handler, app, sample_app_destroy);
}

GBytes *
sesame_sample_app_lookup_file (const char *name)
{
  g_autofree char *resource_path = NULL;

  g_return_val_if_fail (name, NULL);

  resource_path = g_strconcat (WEB_RESOURCE_PREFIX, name, NULL);
  /* Looked up in our own GResource: the reference also keeps the generated
   * object file in the static library's link. */
  return g_resource_lookup_data (sesame_web_get_resource (), resource_path,
                                 G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
}
