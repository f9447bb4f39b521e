/* SPDX-License-Identifier: GPL-3.0-or-later */

/*
 * The credentials bridge in a real WebKitWebView under Xvfb, answered by a
 * real SesameSoftAuthenticator on a temporary file, with pages from
 * load_html (any origin, no server) or from a SoupServer on loopback (two
 * origins for cross-origin frames, a response held back to catch a
 * navigation in flight). Requests are answered as the app's prompt does:
 * through ::request-started and the request's accept/cancel. What a page
 * receives is checked in the page; credentials are verified by the
 * relying-party core.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <libsoup/soup.h>
#include <string.h>
#include <webkit/webkit.h>

#include "sesame-credentials-bridge.h"
#include "sesame-soft-authenticator.h"
#include "sesame-webauthn.h"

/* Under AddressSanitizer the app suite records every allocation's whole
 * stack (see tests/support/lsan.supp), and the PIN's PBKDF2 rounds then
 * take tens of seconds. */
#ifdef __SANITIZE_ADDRESS__
#define WAIT_TIMEOUT_MS 120000
#else
#define WAIT_TIMEOUT_MS 10000
#endif

/* SimpleWebAuthn's browser bundle, the WebAuthn code of @authsignal/browser
 * (npm ci at the top of the source tree installs it). */
static char *simplewebauthn_path;

typedef enum
{
  RESPOND_NONE,   /* leave requests pending: the test answers */
  RESPOND_ACCEPT, /* accept modal requests, as a user confirming */
  RESPOND_CANCEL, /* cancel modal requests, as a user declining */
} Respond;

typedef struct
{
  char                    *dir;
  SesameSoftAuthenticator *authenticator;
  GtkWidget               *window;
  WebKitWebView           *view;
  SesameCredentialsBridge *bridge;

  Respond    respond;
  GPtrArray *requests;  /* SesameCredentialRequest, as started */
  GPtrArray *finished;  /* SesameCredentialRequest, as finished */
  int        autofill_requested;
  int        autofill_dismissed;
  GdkRectangle autofill_rect;

  gboolean   load_finished;
  gboolean   load_started;

  SoupServer        *server;
  guint              port;
  SoupServerMessage *held;  /* the /slow response, paused */
} Fixture;

/* Helpers every page gets, before the test's own code. */
static const char js_helpers[] =
  "const enc = (s) => new TextEncoder().encode(s);\n"
  "const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))"
  "  .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');\n"
  "const fromB64 = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));\n"
  "const creation = (extra = {}) => ({ publicKey: Object.assign({\n"
  "  rp: { name: 'Test RP' },\n"
  "  user: { id: enc('user-1'), name: 'alice', displayName: 'Alice' },\n"
  "  challenge: enc('create-challenge-0123456789'),\n"
  "  pubKeyCredParams: [{ type: 'public-key', alg: -7 }],\n"
  "}, extra) });\n"
  "const request = (extra = {}) => ({ publicKey: Object.assign({\n"
  "  challenge: enc('get-challenge-0123456789'),\n"
  "}, extra) });\n"
  "const outcome = async (promise) => {\n"
  "  try {\n"
  "    const c = await promise;\n"
  "    return { ok: true, json: c.toJSON(), isPKC: c instanceof PublicKeyCredential,\n"
  "             attachment: c.authenticatorAttachment };\n"
  "  } catch (e) {\n"
  "    return { ok: false, name: e.name, message: String(e.message),\n"
  "             isDOMException: e instanceof DOMException, isTypeError: e instanceof TypeError };\n"
  "  }\n"
  "};\n"
  "const later = (promise) => { window.result = undefined; outcome(promise).then((r) => { window.result = r; }); return true; };\n";

static const char plain_page[] =
  "<!DOCTYPE html><html><head><title>t</title></head><body>"
  "<input id='user' autocomplete='username webauthn'>"
  "<input id='other'>"
  "</body></html>";

/* Main loop helpers. */

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main loop until *@flag is TRUE. */
static void
wait_for_flag (gboolean *flag)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (WAIT_TIMEOUT_MS, timeout_cb, &timed_out);

  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);
  g_assert_false (timed_out);
}

static void
wait_for_count (GPtrArray *array,
                guint      count)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (WAIT_TIMEOUT_MS, timeout_cb, &timed_out);

  while (array->len < count && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);
  g_assert_cmpuint (array->len, >=, count);
}

static void
wait_for_counter (int *counter,
                  int  target)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (WAIT_TIMEOUT_MS, timeout_cb, &timed_out);

  while (*counter < target && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);
  g_assert_cmpint (*counter, >=, target);
}

static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
load_changed_cb (WebKitWebView   *view,
                 WebKitLoadEvent  event,
                 Fixture         *fixture)
{
  if (event == WEBKIT_LOAD_STARTED)
    fixture->load_started = TRUE;
  if (event == WEBKIT_LOAD_FINISHED)
    fixture->load_finished = TRUE;
}

static void
load_html (Fixture    *fixture,
           const char *html,
           const char *base_uri)
{
  fixture->load_finished = FALSE;
  webkit_web_view_load_html (fixture->view, html, base_uri);
  wait_for_flag (&fixture->load_finished);
}

static void
load_uri (Fixture    *fixture,
          const char *path,
          const char *host)
{
  g_autofree char *uri = g_strdup_printf ("http://%s:%u%s", host, fixture->port, path);

  fixture->load_finished = FALSE;
  webkit_web_view_load_uri (fixture->view, uri);
  wait_for_flag (&fixture->load_finished);
}

typedef struct
{
  gboolean  done;
  JSCValue *value;
  GError   *error;
} JsResult;

static void
js_done_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  JsResult *js = user_data;

  js->value = webkit_web_view_evaluate_javascript_finish (WEBKIT_WEB_VIEW (source), result, &js->error);
  js->done = TRUE;
}

/* Runs @body (an async function body, helpers in scope) in the page's
 * world and returns what it returned, as parsed JSON. */
static JsonNode *
run_js (Fixture    *fixture,
        const char *body)
{
  g_autofree char *script = g_strdup_printf ("%s\nconst __r = await (async () => {\n%s\n})();\n"
                                             "return JSON.stringify(__r === undefined ? null : __r);",
                                             js_helpers, body);
  g_autofree char *text = NULL;
  JsResult js = { 0 };
  JsonNode *node;
  g_autoptr(GError) error = NULL;

  webkit_web_view_call_async_javascript_function (fixture->view, script, -1, NULL, NULL, NULL,
                                                  NULL, js_done_cb, &js);
  wait_for_flag (&js.done);
  if (js.error != NULL)
    g_error ("JavaScript failed: %s\n%s", js.error->message, body);

  g_assert_true (jsc_value_is_string (js.value));
  text = jsc_value_to_string (js.value);
  g_object_unref (js.value);

  node = json_from_string (text, &error);
  g_assert_no_error (error);
  return node;
}

static JsonObject *
js_object (JsonNode *node)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

/* Polls @expression until it is not null. */
static JsonNode *
wait_for_js (Fixture    *fixture,
             const char *expression)
{
  g_autofree char *body = g_strdup_printf ("return %s;", expression);
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_MS * G_GINT64_CONSTANT (1000);

  for (;;)
    {
      JsonNode *node = run_js (fixture, body);

      if (!JSON_NODE_HOLDS_NULL (node))
        return node;
      json_node_unref (node);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      spin (20);
    }
}

static void
assert_rejected (JsonNode   *node,
                 const char *name)
{
  JsonObject *result = js_object (node);

  g_assert_false (json_object_get_boolean_member (result, "ok"));
  g_assert_cmpstr (json_object_get_string_member (result, "name"), ==, name);
  if (g_str_equal (name, "TypeError"))
    g_assert_true (json_object_get_boolean_member (result, "isTypeError"));
  else
    g_assert_true (json_object_get_boolean_member (result, "isDOMException"));
}

/* The prompt's part. */

static gboolean
accept_idle_cb (gpointer user_data)
{
  SesameCredentialRequest *request = user_data;
  g_autoptr(GError) error = NULL;

  if (sesame_credential_request_get_outcome (request) == SESAME_CREDENTIAL_REQUEST_PENDING)
    {
      /* A failure (an excluded credential) ends the request by itself. */
      if (!sesame_credential_request_accept (request, NULL, NULL, &error))
        g_assert_nonnull (error);
    }

  return G_SOURCE_REMOVE;
}

static gboolean
cancel_idle_cb (gpointer user_data)
{
  SesameCredentialRequest *request = user_data;

  if (sesame_credential_request_get_outcome (request) == SESAME_CREDENTIAL_REQUEST_PENDING)
    sesame_credential_request_cancel (request);

  return G_SOURCE_REMOVE;
}

static void
request_started_cb (SesameCredentialsBridge *bridge,
                    SesameCredentialRequest *request,
                    Fixture                 *fixture)
{
  g_assert_true (sesame_credentials_bridge_get_pending (bridge) == request);
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==, SESAME_CREDENTIAL_REQUEST_PENDING);
  g_ptr_array_add (fixture->requests, g_object_ref (request));

  /* Like the app: the prompt answers later, from the main loop. */
  if (sesame_credential_request_is_conditional (request))
    return;
  if (fixture->respond == RESPOND_ACCEPT)
    g_idle_add_full (G_PRIORITY_DEFAULT, accept_idle_cb, g_object_ref (request), g_object_unref);
  else if (fixture->respond == RESPOND_CANCEL)
    g_idle_add_full (G_PRIORITY_DEFAULT, cancel_idle_cb, g_object_ref (request), g_object_unref);
}

static void
ceremony_finished_cb (SesameCredentialsBridge *bridge,
                      SesameCredentialRequest *request,
                      Fixture                 *fixture)
{
  g_assert_cmpint (sesame_credential_request_get_outcome (request), !=, SESAME_CREDENTIAL_REQUEST_PENDING);
  g_assert_null (sesame_credentials_bridge_get_pending (bridge));
  g_ptr_array_add (fixture->finished, g_object_ref (request));
}

static void
autofill_requested_cb (SesameCredentialsBridge *bridge,
                       SesameCredentialRequest *request,
                       int                      x,
                       int                      y,
                       int                      width,
                       int                      height,
                       Fixture                 *fixture)
{
  g_assert_true (sesame_credential_request_is_conditional (request));
  fixture->autofill_requested++;
  fixture->autofill_rect = (GdkRectangle) { x, y, width, height };
}

static void
autofill_dismissed_cb (SesameCredentialsBridge *bridge,
                       SesameCredentialRequest *request,
                       Fixture                 *fixture)
{
  fixture->autofill_dismissed++;
}

/* Pages of the loopback server. */

static void
server_cb (SoupServer        *server,
           SoupServerMessage *message,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Fixture *fixture = user_data;
  g_autofree char *body = NULL;

  if (g_str_equal (path, "/top") || g_str_equal (path, "/same-top"))
    {
      /* The frame reports its result to the top page by postMessage. */
      body = g_strdup_printf ("<!DOCTYPE html><html><body>"
                              "<script>window.frameResult = null;"
                              "addEventListener('message', (e) => { window.frameResult = e.data; });</script>"
                              "<iframe src='http://%s:%u/frame'></iframe></body></html>",
                              g_str_equal (path, "/top") ? "127.0.0.1" : "localhost", fixture->port);
    }
  else if (g_str_equal (path, "/frame"))
    {
      body = g_strdup_printf ("<!DOCTYPE html><html><body><script>%s\n"
                              "outcome(navigator.credentials.create(creation()))"
                              ".then((r) => parent.postMessage({ origin: location.origin, result: r }, '*'));"
                              "</script></body></html>", js_helpers);
    }
  else if (g_str_equal (path, "/page") || g_str_equal (path, "/refused"))
    {
      body = g_strdup (plain_page);
    }
  else if (g_str_equal (path, "/swa"))
    {
      body = g_strdup_printf ("<!DOCTYPE html><html><head><script src='/simplewebauthn.js'></script></head>"
                              "<body><input id='user' autocomplete='username webauthn'></body></html>");
    }
  else if (g_str_equal (path, "/simplewebauthn.js"))
    {
      g_autoptr(GError) error = NULL;
      gsize len;

      if (!g_file_get_contents (simplewebauthn_path, &body, &len, &error))
        g_error ("%s", error->message);
      soup_server_message_set_status (message, 200, NULL);
      soup_server_message_set_response (message, "text/javascript", SOUP_MEMORY_COPY, body, len);
      return;
    }
  else if (g_str_equal (path, "/slow"))
    {
      /* Held until the test lets it go: the navigation stays in flight. */
      soup_server_message_set_status (message, 200, NULL);
      soup_server_message_set_response (message, "text/html", SOUP_MEMORY_STATIC,
                                        plain_page, strlen (plain_page));
      soup_server_message_pause (message);
      g_set_object (&fixture->held, message);
      return;
    }
  else
    {
      soup_server_message_set_status (message, 404, NULL);
      return;
    }

  soup_server_message_set_status (message, 200, NULL);
  soup_server_message_set_response (message, "text/html", SOUP_MEMORY_COPY, body, strlen (body));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(WebKitNetworkSession) session = NULL;
  g_autoptr(GSList) listeners = NULL;
  g_autoptr(GSocketAddress) local = NULL;

  fixture->dir = g_dir_make_tmp ("sesame-bridge-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (fixture->dir, "passkeys.db", NULL);
  fixture->authenticator = sesame_soft_authenticator_new (path, &error);
  g_assert_no_error (error);

  session = webkit_network_session_new_ephemeral ();
  fixture->view = g_object_new (WEBKIT_TYPE_WEB_VIEW, "network-session", session, NULL);
  fixture->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 800, 600);
  gtk_window_set_child (GTK_WINDOW (fixture->window), GTK_WIDGET (fixture->view));
  gtk_window_present (GTK_WINDOW (fixture->window));
  g_signal_connect (fixture->view, "load-changed", G_CALLBACK (load_changed_cb), fixture);

  fixture->bridge = sesame_credentials_bridge_new (fixture->view, fixture->authenticator);
  fixture->requests = g_ptr_array_new_with_free_func (g_object_unref);
  fixture->finished = g_ptr_array_new_with_free_func (g_object_unref);
  fixture->respond = RESPOND_ACCEPT;
  g_signal_connect (fixture->bridge, "request-started", G_CALLBACK (request_started_cb), fixture);
  g_signal_connect (fixture->bridge, "ceremony-finished", G_CALLBACK (ceremony_finished_cb), fixture);
  g_signal_connect (fixture->bridge, "autofill-requested", G_CALLBACK (autofill_requested_cb), fixture);
  g_signal_connect (fixture->bridge, "autofill-dismissed", G_CALLBACK (autofill_dismissed_cb), fixture);

  fixture->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fixture->server, NULL, server_cb, fixture, NULL);
  soup_server_listen_local (fixture->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  /* The port from the socket itself: soup_server_get_uris() in libsoup
   * 3.2 leaks the address it reads. */
  listeners = soup_server_get_listeners (fixture->server);
  g_assert_nonnull (listeners);
  local = g_socket_get_local_address (listeners->data, &error);
  g_assert_no_error (error);
  fixture->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "passkeys.db", NULL);

  g_clear_object (&fixture->bridge);
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->held);
  g_clear_object (&fixture->server);
  g_clear_object (&fixture->authenticator);
  g_ptr_array_unref (fixture->requests);
  g_ptr_array_unref (fixture->finished);

  /* The store may keep a journal beside its file. */
  {
    g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *file = g_build_filename (fixture->dir, name, NULL);
        g_unlink (file);
      }
  }
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
}

static SesameCredentialRequest *
last_request (Fixture *fixture)
{
  g_assert_cmpuint (fixture->requests->len, >, 0);
  return g_ptr_array_index (fixture->requests, fixture->requests->len - 1);
}

static SesameCredentialRequestOutcome
last_outcome (Fixture *fixture)
{
  g_assert_cmpuint (fixture->finished->len, >, 0);
  return sesame_credential_request_get_outcome (g_ptr_array_index (fixture->finished,
                                                                   fixture->finished->len - 1));
}

/* Tests. */

static void
test_feature_detection (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) insecure = NULL;
  JsonObject *r;

  load_html (fixture, plain_page, "http://localhost/feature");
  node = run_js (fixture,
    "let illegal = null;\n"
    "try { new PublicKeyCredential(); } catch (e) { illegal = e instanceof TypeError && e.message; }\n"
    "const caps = await PublicKeyCredential.getClientCapabilities();\n"
    "const parsed = PublicKeyCredential.parseCreationOptionsFromJSON({\n"
    "  rp: { name: 'x' }, user: { id: 'dXNlcg', name: 'u', displayName: 'U' },\n"
    "  challenge: 'AAEC', pubKeyCredParams: [], excludeCredentials: [{ type: 'public-key', id: 'AQ' }] });\n"
    "const req = PublicKeyCredential.parseRequestOptionsFromJSON({ challenge: 'AAEC', allowCredentials: [] });\n"
    "let badB64 = null;\n"
    "try { PublicKeyCredential.parseRequestOptionsFromJSON({ challenge: '***' }); } catch (e) { badB64 = e.name; }\n"
    "return {\n"
    "  pkc: typeof PublicKeyCredential,\n"
    "  container: navigator.credentials instanceof CredentialsContainer,\n"
    "  create: typeof navigator.credentials.create, get: typeof navigator.credentials.get,\n"
    "  illegal,\n"
    "  conditional: await PublicKeyCredential.isConditionalMediationAvailable(),\n"
    "  uvpa: await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable(),\n"
    "  conditionalGet: caps.conditionalGet, conditionalCreate: caps.conditionalCreate,\n"
    "  challengeIsBuffer: parsed.challenge instanceof ArrayBuffer && parsed.challenge.byteLength === 3,\n"
    "  userId: new TextDecoder().decode(parsed.user.id),\n"
    "  excludeIsBuffer: parsed.excludeCredentials[0].id instanceof ArrayBuffer,\n"
    "  reqChallenge: req.challenge.byteLength, badB64,\n"
    "  handlerHidden: !(window.webkit && window.webkit.messageHandlers &&\n"
    "                   window.webkit.messageHandlers.sesameWebAuthn),\n"
    "  responseTypes: typeof AuthenticatorAttestationResponse === 'function' &&\n"
    "                 typeof AuthenticatorAssertionResponse === 'function',\n"
    "};");
  r = js_object (node);
  g_assert_cmpstr (json_object_get_string_member (r, "pkc"), ==, "function");
  g_assert_true (json_object_get_boolean_member (r, "container"));
  g_assert_cmpstr (json_object_get_string_member (r, "create"), ==, "function");
  g_assert_cmpstr (json_object_get_string_member (r, "get"), ==, "function");
  g_assert_cmpstr (json_object_get_string_member (r, "illegal"), ==, "Illegal constructor");
  g_assert_true (json_object_get_boolean_member (r, "conditional"));
  g_assert_true (json_object_get_boolean_member (r, "uvpa"));
  g_assert_true (json_object_get_boolean_member (r, "conditionalGet"));
  g_assert_false (json_object_get_boolean_member (r, "conditionalCreate"));
  g_assert_true (json_object_get_boolean_member (r, "challengeIsBuffer"));
  g_assert_cmpstr (json_object_get_string_member (r, "userId"), ==, "user");
  g_assert_true (json_object_get_boolean_member (r, "excludeIsBuffer"));
  g_assert_cmpint (json_object_get_int_member (r, "reqChallenge"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (r, "badB64"), ==, "EncodingError");
  g_assert_true (json_object_get_boolean_member (r, "responseTypes"));
  /* Only the relay's isolated world can reach native code. */
  g_assert_true (json_object_get_boolean_member (r, "handlerHidden"));

  /* Not a secure context: no API, as in a browser. */
  load_html (fixture, plain_page, "http://app.example.com/");
  insecure = run_js (fixture, "return { pkc: typeof PublicKeyCredential, creds: typeof navigator.credentials };");
  g_assert_cmpstr (json_object_get_string_member (js_object (insecure), "pkc"), ==, "undefined");
  g_assert_cmpstr (json_object_get_string_member (js_object (insecure), "creds"), ==, "undefined");
}

static void
test_round_trip (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(SesameCredentialJson) reg_json = NULL;
  g_autoptr(SesameCredentialJson) auth_json = NULL;
  g_autoptr(SesameRegistration) registration = NULL;
  g_autoptr(SesameAssertion) assertion = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) create_challenge = g_bytes_new_static ("create-challenge-0123456789", 27);
  g_autoptr(GBytes) get_challenge = g_bytes_new_static ("get-challenge-0123456789", 24);
  const char *origins[] = { "http://localhost", NULL };
  const char *rp_ids[] = { "localhost", NULL };
  SesameVerifyOptions options;
  SesameStoredCredential stored = { 0 };
  SesameCredentialRequest *request;
  JsonObject *r;

  load_html (fixture, plain_page, "http://localhost/round-trip");

  /* The page lies about its origin in every place it can: none of it
   * reaches clientDataJSON. */
  created = run_js (fixture,
    "const o = creation({ attestation: 'direct', extensions: { credProps: true },\n"
    "  origin: 'https://evil.example', clientDataJSON: 'eyJ9' });\n"
    "o.origin = 'https://evil.example';\n"
    "const start = performance.now();\n"
    "const r = await outcome(navigator.credentials.create(o));\n"
    "if (r.ok) {\n"
    "  r.clientData = new TextDecoder().decode(fromB64(r.json.response.clientDataJSON));\n"
    "  const c = await navigator.credentials.get(request({ allowCredentials: [{ type: 'public-key', id: fromB64(r.json.rawId) }] }));\n"
    "  r.get = c.toJSON();\n"
    "  r.getIsAssertion = c.response instanceof AuthenticatorAssertionResponse;\n"
    "  r.ms = performance.now() - start;\n"
    "}\n"
    "return r;");
  r = js_object (created);
  g_assert_true (json_object_get_boolean_member (r, "ok"));
  g_assert_true (json_object_get_boolean_member (r, "isPKC"));
  g_assert_cmpstr (json_object_get_string_member (r, "attachment"), ==, "platform");
  g_assert_true (json_object_get_boolean_member (r, "getIsAssertion"));
  g_test_message ("create + get, prompts accepted from the main loop: %.1f ms",
                  json_object_get_double_member (r, "ms"));
  /* Exactly what a browser writes, members in its order. */
  g_assert_cmpstr (json_object_get_string_member (r, "clientData"), ==,
                   "{\"type\":\"webauthn.create\",\"challenge\":\"Y3JlYXRlLWNoYWxsZW5nZS0wMTIzNDU2Nzg5\","
                   "\"origin\":\"http://localhost\",\"crossOrigin\":false}");

  g_assert_cmpuint (fixture->requests->len, ==, 2);
  request = g_ptr_array_index (fixture->requests, 0);
  g_assert_cmpint (sesame_credential_request_get_kind (request), ==, SESAME_CREDENTIAL_REQUEST_CREATE);
  g_assert_cmpstr (sesame_credential_request_get_origin (request), ==, "http://localhost");
  g_assert_cmpstr (sesame_credential_request_get_rp_id (request), ==, "localhost");
  g_assert_cmpstr (sesame_credential_request_get_rp_name (request), ==, "Test RP");
  g_assert_cmpstr (sesame_credential_request_get_user_name (request), ==, "alice");
  g_assert_cmpstr (sesame_credential_request_get_user_display_name (request), ==, "Alice");
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==, SESAME_CREDENTIAL_REQUEST_SUCCEEDED);
  request = g_ptr_array_index (fixture->requests, 1);
  g_assert_cmpint (sesame_credential_request_get_kind (request), ==, SESAME_CREDENTIAL_REQUEST_GET);
  g_assert_cmpuint (sesame_credential_request_get_candidates (request)->len, ==, 1);

  /* The registration, as the relying-party core judges it. */
  reg_json = sesame_credential_json_parse (json_object_get_member (r, "json"), TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reg_json->authenticator_attachment, ==, "platform");
  g_assert_nonnull (reg_json->transports);
  g_assert_cmpstr (reg_json->transports[0], ==, "internal");

  sesame_verify_options_init (&options);
  options.challenge = create_challenge;
  options.origins = origins;
  options.rp_ids = rp_ids;
  options.require_user_presence = TRUE;
  registration = sesame_verify_registration_json (&options, reg_json, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (registration->client_data->origin, ==, "http://localhost");
  g_assert_cmpstr (registration->client_data->type, ==, "webauthn.create");
  g_assert_false (registration->client_data->cross_origin);
  g_assert_cmpstr (registration->fmt, ==, "packed");
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (
                   json_object_get_object_member (json_object_get_object_member (r, "json"),
                                                  "clientExtensionResults"), "credProps"), "rk"));

  /* The assertion, against what the registration stored. */
  auth_json = sesame_credential_json_parse (json_object_get_member (r, "get"), FALSE, &error);
  g_assert_no_error (error);
  stored.credential_id = registration->auth_data->credential_id;
  stored.public_key = registration->auth_data->public_key;
  stored.sign_count = registration->auth_data->sign_count;
  options.challenge = get_challenge;
  assertion = sesame_verify_authentication_json (&options, &stored, auth_json, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (assertion->client_data->origin, ==, "http://localhost");
  g_assert_cmpstr (assertion->client_data->type, ==, "webauthn.get");
  g_assert_nonnull (auth_json->user_handle);
  g_assert_cmpmem (g_bytes_get_data (auth_json->user_handle, NULL), g_bytes_get_size (auth_json->user_handle),
                   "user-1", 6);
}

static void
test_cross_origin_frame (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(JsonNode) cross = NULL;
  g_autoptr(JsonNode) same = NULL;
  JsonObject *report;
  g_autofree char *frame_origin = g_strdup_printf ("http://127.0.0.1:%u", fixture->port);

  /* A frame of another origin asks: refused before any prompt. */
  load_uri (fixture, "/top", "localhost");
  cross = wait_for_js (fixture, "window.frameResult");
  report = js_object (cross);
  g_assert_cmpstr (json_object_get_string_member (report, "origin"), ==, frame_origin);
  assert_rejected (json_object_get_member (report, "result"), "NotAllowedError");
  g_assert_cmpuint (fixture->requests->len, ==, 0);

  /* A same-origin frame acts for its page, with the page's origin. */
  load_uri (fixture, "/same-top", "localhost");
  same = wait_for_js (fixture, "window.frameResult");
  report = js_object (same);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (report, "result"), "ok"));
  g_assert_cmpuint (fixture->requests->len, ==, 1);
}

static void
test_rp_id (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *r;
  SesameCredentialRequest *request;

  load_html (fixture, plain_page, "https://app.example.co.uk/sign-in");
  node = run_js (fixture,
    "const c = (id) => outcome(navigator.credentials.create(creation({ rp: { name: 'x', id } })));\n"
    "const g = (rpId) => outcome(navigator.credentials.get(request({ rpId })));\n"
    "return {\n"
    "  other: await c('example.com'), suffix: await c('co.uk'), tld: await c('uk'),\n"
    "  partial: await c('le.co.uk'), child: await c('x.app.example.co.uk'),\n"
    "  getOther: await g('evil.example'),\n"
    "  registrable: await c('example.co.uk'), host: await c('APP.example.co.uk'),\n"
    "};");
  r = js_object (node);
  assert_rejected (json_object_get_member (r, "other"), "SecurityError");
  assert_rejected (json_object_get_member (r, "suffix"), "SecurityError");
  assert_rejected (json_object_get_member (r, "tld"), "SecurityError");
  assert_rejected (json_object_get_member (r, "partial"), "SecurityError");
  assert_rejected (json_object_get_member (r, "child"), "SecurityError");
  assert_rejected (json_object_get_member (r, "getOther"), "SecurityError");
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (r, "registrable"), "ok"));
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (r, "host"), "ok"));

  g_assert_cmpuint (fixture->requests->len, ==, 2);
  request = g_ptr_array_index (fixture->requests, 0);
  g_assert_cmpstr (sesame_credential_request_get_rp_id (request), ==, "example.co.uk");
  g_assert_cmpstr (sesame_credential_request_get_origin (request), ==, "https://app.example.co.uk");
  request = g_ptr_array_index (fixture->requests, 1);
  g_assert_cmpstr (sesame_credential_request_get_rp_id (request), ==, "app.example.co.uk");
}

static void
test_ip_origin (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *r;

  /* An address is its own RP ID and has no parent. */
  load_html (fixture, plain_page, "http://127.0.0.1/");
  node = run_js (fixture,
    "const c = (id) => outcome(navigator.credentials.create(creation({ rp: { name: 'x', id } })));\n"
    "return { parent: await c('0.0.1'), same: await c('127.0.0.1'), implicit: await c(undefined) };");
  r = js_object (node);
  assert_rejected (json_object_get_member (r, "parent"), "SecurityError");
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (r, "same"), "ok"));
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (r, "implicit"), "ok"));
  g_assert_cmpstr (sesame_credential_request_get_rp_id (last_request (fixture)), ==, "127.0.0.1");
}

static void
test_navigation_cancels (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(JsonNode) started = NULL;
  g_autoptr(JsonNode) still = NULL;
  g_autoptr(JsonNode) fresh = NULL;
  g_autofree char *slow = g_strdup_printf ("http://localhost:%u/slow", fixture->port);
  g_autofree char *script = NULL;
  SesameCredentialRequest *request;

  fixture->respond = RESPOND_NONE;
  load_uri (fixture, "/page", "localhost");
  started = run_js (fixture, "window.settled = false; navigator.credentials.create(creation())"
                             ".then(() => { window.settled = 'resolved'; }, (e) => { window.settled = e.name; });"
                             "return true;");
  wait_for_count (fixture->requests, 1);
  request = last_request (fixture);

  /* The page navigates; the response is held back so that the old page
   * stays while the navigation is in flight. */
  fixture->load_started = FALSE;
  fixture->load_finished = FALSE;
  fixture->held = NULL;
  script = g_strdup_printf ("location.href = '%s'; return true;", slow);
  json_node_unref (run_js (fixture, script));
  wait_for_flag (&fixture->load_started);
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==, SESAME_CREDENTIAL_REQUEST_NAVIGATED);
  g_assert_cmpint (last_outcome (fixture), ==, SESAME_CREDENTIAL_REQUEST_NAVIGATED);
  g_assert_null (sesame_credentials_bridge_get_pending (fixture->bridge));

  for (int i = 0; fixture->held == NULL; i++)
    {
      g_assert_cmpint (i, <, WAIT_TIMEOUT_MS / 10);
      spin (10);
    }
  spin (200);
  still = run_js (fixture, "return { settled: window.settled, href: location.pathname };");
  g_assert_false (json_object_get_boolean_member (js_object (still), "settled"));
  g_assert_cmpstr (json_object_get_string_member (js_object (still), "href"), ==, "/page");

  soup_server_message_unpause (fixture->held);
  wait_for_flag (&fixture->load_finished);
  fresh = run_js (fixture, "return location.pathname;");
  g_assert_cmpstr (json_node_get_string (fresh), ==, "/slow");
  g_assert_cmpuint (fixture->finished->len, ==, 1);
}

/* The app's policy refuses this response: the navigation ends without a
 * new document. */
static gboolean
decide_policy_cb (WebKitWebView            *view,
                  WebKitPolicyDecision     *decision,
                  WebKitPolicyDecisionType  type,
                  Fixture                  *fixture)
{
  WebKitURIResponse *response;

  if (type != WEBKIT_POLICY_DECISION_TYPE_RESPONSE)
    return FALSE;

  response = webkit_response_policy_decision_get_response (WEBKIT_RESPONSE_POLICY_DECISION (decision));
  if (!g_str_has_suffix (webkit_uri_response_get_uri (response), "/refused"))
    return FALSE;

  webkit_policy_decision_ignore (decision);
  return TRUE;
}

static void
test_navigation_fails (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(JsonNode) settled = NULL;
  SesameCredentialRequest *request;

  fixture->respond = RESPOND_NONE;
  g_signal_connect (fixture->view, "decide-policy", G_CALLBACK (decide_policy_cb), fixture);
  load_uri (fixture, "/page", "localhost");
  json_node_unref (run_js (fixture, "window.settled = null; navigator.credentials.create(creation())"
                                    ".then(() => { window.settled = 'resolved'; }, (e) => { window.settled = e.name; });"
                                    "return true;"));
  wait_for_count (fixture->requests, 1);
  request = last_request (fixture);

  /* The request ends when the navigation starts; when no new page
   * replaces this one after all, its promise settles. */
  json_node_unref (run_js (fixture, "location.href = '/refused'; return true;"));
  settled = wait_for_js (fixture, "window.settled");
  g_assert_cmpstr (json_node_get_string (settled), ==, "NotAllowedError");
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==, SESAME_CREDENTIAL_REQUEST_NAVIGATED);
}

static void
test_abort (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) during = NULL;
  g_autoptr(JsonNode) reason = NULL;
  JsonObject *r;

  fixture->respond = RESPOND_NONE;
  load_html (fixture, plain_page, "http://localhost/abort");

  before = run_js (fixture,
    "const c = new AbortController(); c.abort();\n"
    "return await outcome(navigator.credentials.create(Object.assign(creation(), { signal: c.signal })));");
  assert_rejected (before, "AbortError");
  g_assert_cmpuint (fixture->requests->len, ==, 0);

  json_node_unref (run_js (fixture,
    "window.controller = new AbortController();\n"
    "return later(navigator.credentials.get(Object.assign(request(), { signal: controller.signal })));"));
  wait_for_count (fixture->requests, 1);
  json_node_unref (run_js (fixture, "controller.abort(); return true;"));
  during = wait_for_js (fixture, "window.result");
  assert_rejected (during, "AbortError");
  wait_for_count (fixture->finished, 1);
  g_assert_cmpint (last_outcome (fixture), ==, SESAME_CREDENTIAL_REQUEST_ABORTED);

  /* SimpleWebAuthn's WebAuthnAbortService aborts with its own Error named
   * AbortError: the page gets that very reason back, as in Chrome. */
  json_node_unref (run_js (fixture,
    "window.controller = new AbortController();\n"
    "window.reason = null;\n"
    "navigator.credentials.create(Object.assign(creation(), { signal: controller.signal }))"
    "  .catch((e) => { window.reason = { same: e === window.mine, name: e.name }; });\n"
    "return true;"));
  wait_for_count (fixture->requests, 2);
  json_node_unref (run_js (fixture,
    "window.mine = new Error('Cancelling existing WebAuthn API call for new one');\n"
    "mine.name = 'AbortError'; controller.abort(mine); return true;"));
  reason = wait_for_js (fixture, "window.reason");
  r = js_object (reason);
  g_assert_true (json_object_get_boolean_member (r, "same"));
  g_assert_cmpstr (json_object_get_string_member (r, "name"), ==, "AbortError");
  wait_for_count (fixture->finished, 2);
  g_assert_cmpint (last_outcome (fixture), ==, SESAME_CREDENTIAL_REQUEST_ABORTED);
}

static void
test_timeout (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(JsonNode) node = NULL;
  gint64 start;

  fixture->respond = RESPOND_NONE;
  load_html (fixture, plain_page, "http://localhost/timeout");

  /* 1 ms is clamped up to the bridge's minimum of one second. */
  start = g_get_monotonic_time ();
  node = run_js (fixture, "return await outcome(navigator.credentials.get(request({ timeout: 1 })));");
  assert_rejected (node, "NotAllowedError");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 1000 * 1000);
  g_assert_cmpint (last_outcome (fixture), ==, SESAME_CREDENTIAL_REQUEST_TIMED_OUT);
}

static void
test_exclude_list (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *r;

  load_html (fixture, plain_page, "http://localhost/exclude");
  node = run_js (fixture,
    "const first = await outcome(navigator.credentials.create(creation()));\n"
    "const again = await outcome(navigator.credentials.create(creation({\n"
    "  excludeCredentials: [{ type: 'public-key', id: fromB64(first.json.rawId) }] })));\n"
    "const other = await outcome(navigator.credentials.create(creation({\n"
    "  user: { id: enc('user-2'), name: 'bob', displayName: 'Bob' },\n"
    "  excludeCredentials: [{ type: 'public-key', id: enc('someone else') }] })));\n"
    "return { first, again, other };");
  r = js_object (node);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (r, "first"), "ok"));
  assert_rejected (json_object_get_member (r, "again"), "InvalidStateError");
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (r, "other"), "ok"));
  g_assert_cmpint (sesame_credential_request_get_outcome (g_ptr_array_index (fixture->finished, 1)), ==,
                   SESAME_CREDENTIAL_REQUEST_FAILED);
}

static void
test_user_cancel (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *r;

  fixture->respond = RESPOND_CANCEL;
  load_html (fixture, plain_page, "http://localhost/cancel");
  node = run_js (fixture,
    "return { create: await outcome(navigator.credentials.create(creation())),\n"
    "         get: await outcome(navigator.credentials.get(request())) };");
  r = js_object (node);
  assert_rejected (json_object_get_member (r, "create"), "NotAllowedError");
  assert_rejected (json_object_get_member (r, "get"), "NotAllowedError");
  /* Declined and no passkey at all read the same to the page. */
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (r, "create"), "message"), ==,
                   json_object_get_string_member (json_object_get_object_member (r, "get"), "message"));
  g_assert_cmpint (last_outcome (fixture), ==, SESAME_CREDENTIAL_REQUEST_CANCELLED);
}

static void
test_conditional (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) quiet = NULL;
  g_autoptr(JsonNode) done = NULL;
  g_autoptr(GError) error = NULL;
  SesameCredentialRequest *request;
  GPtrArray *candidates;
  SesameCredentialCandidate *candidate;
  JsonObject *r;

  load_html (fixture, plain_page, "http://localhost/autofill");
  created = run_js (fixture, "return await outcome(navigator.credentials.create(creation()));");
  g_assert_true (json_object_get_boolean_member (js_object (created), "ok"));

  json_node_unref (run_js (fixture,
    "return later(navigator.credentials.get(Object.assign(request(), { mediation: 'conditional' })));"));
  wait_for_count (fixture->requests, 2);
  request = last_request (fixture);
  g_assert_true (sesame_credential_request_is_conditional (request));
  candidates = sesame_credential_request_get_candidates (request);
  g_assert_cmpuint (candidates->len, ==, 1);
  candidate = g_ptr_array_index (candidates, 0);
  g_assert_cmpstr (candidate->user_name, ==, "alice");
  g_assert_cmpstr (candidate->user_display_name, ==, "Alice");
  g_assert_cmpstr (candidate->authenticator_name, ==, "Sesame passkeys");

  /* Silent: no timeout, no answer. */
  spin (300);
  quiet = run_js (fixture, "return window.result === undefined;");
  g_assert_true (json_node_get_boolean (quiet));
  g_assert_cmpint (fixture->autofill_requested, ==, 0);

  /* The sign-in field gets focus: the popover's anchor is its rectangle. */
  json_node_unref (run_js (fixture, "document.getElementById('user').focus(); return true;"));
  wait_for_counter (&fixture->autofill_requested, 1);
  g_assert_cmpint (fixture->autofill_rect.x, >=, 0);
  g_assert_cmpint (fixture->autofill_rect.y, >=, 0);
  g_assert_cmpint (fixture->autofill_rect.width, >, 20);
  g_assert_cmpint (fixture->autofill_rect.height, >, 5);
  g_assert_cmpint (fixture->autofill_rect.x + fixture->autofill_rect.width, <=,
                   gtk_widget_get_width (GTK_WIDGET (fixture->view)));

  /* Focus elsewhere dismisses, the request stays. */
  json_node_unref (run_js (fixture, "document.getElementById('other').focus(); return true;"));
  wait_for_counter (&fixture->autofill_dismissed, 1);
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==, SESAME_CREDENTIAL_REQUEST_PENDING);

  /* Escape in the field dismisses too. */
  json_node_unref (run_js (fixture, "document.getElementById('user').focus(); return true;"));
  wait_for_counter (&fixture->autofill_requested, 2);
  json_node_unref (run_js (fixture,
    "document.getElementById('user').dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));"
    "return true;"));
  wait_for_counter (&fixture->autofill_dismissed, 2);
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==, SESAME_CREDENTIAL_REQUEST_PENDING);

  /* A click in the focused field asks again. */
  json_node_unref (run_js (fixture, "document.getElementById('user').click(); return true;"));
  wait_for_counter (&fixture->autofill_requested, 3);

  /* The user picks the passkey. */
  g_assert_true (sesame_credential_request_accept (request, candidate->credential_id, NULL, &error));
  g_assert_no_error (error);
  done = wait_for_js (fixture, "window.result");
  r = js_object (done);
  g_assert_true (json_object_get_boolean_member (r, "ok"));
  g_assert_cmpint (last_outcome (fixture), ==, SESAME_CREDENTIAL_REQUEST_SUCCEEDED);
}

static void
test_one_at_a_time (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(JsonNode) cancelled = NULL;
  g_autoptr(JsonNode) replaced = NULL;
  g_autoptr(JsonNode) modal = NULL;

  fixture->respond = RESPOND_NONE;
  load_html (fixture, plain_page, "http://localhost/one");

  json_node_unref (run_js (fixture, "return later(navigator.credentials.create(creation()));"));
  wait_for_count (fixture->requests, 1);
  second = run_js (fixture, "return await outcome(navigator.credentials.get(request()));");
  assert_rejected (second, "NotAllowedError");
  g_assert_cmpuint (fixture->requests->len, ==, 1);
  g_assert_cmpint (sesame_credential_request_get_outcome (last_request (fixture)), ==,
                   SESAME_CREDENTIAL_REQUEST_PENDING);
  sesame_credential_request_cancel (last_request (fixture));
  cancelled = wait_for_js (fixture, "window.result");
  assert_rejected (cancelled, "NotAllowedError");

  /* A modal request replaces a waiting conditional one. */
  json_node_unref (run_js (fixture,
    "return later(navigator.credentials.get(Object.assign(request(), { mediation: 'conditional' })));"));
  wait_for_count (fixture->requests, 2);
  fixture->respond = RESPOND_CANCEL;
  modal = run_js (fixture, "return await outcome(navigator.credentials.get(request()));");
  assert_rejected (modal, "NotAllowedError");
  replaced = wait_for_js (fixture, "window.result");
  assert_rejected (replaced, "AbortError");
  g_assert_cmpuint (fixture->requests->len, ==, 3);
  g_assert_cmpint (sesame_credential_request_get_outcome (g_ptr_array_index (fixture->requests, 1)), ==,
                   SESAME_CREDENTIAL_REQUEST_ABORTED);
}

static void
test_malformed (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) raw = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *r;
  const char *type_errors[] = {
    "noChallenge", "stringChallenge", "longUserId", "emptyUserId", "noUser", "noRpName",
    "noParams", "getNoChallenge", "badDescriptor",
  };

  fixture->respond = RESPOND_CANCEL;
  load_html (fixture, plain_page, "http://localhost/malformed");
  node = run_js (fixture,
    "const c = (o) => outcome(navigator.credentials.create(o));\n"
    "const pk = (extra) => creation(extra).publicKey;\n"
    "const without = (name) => { const o = pk(); delete o[name]; return { publicKey: o }; };\n"
    "return {\n"
    "  noPublicKey: await c({}),\n"
    "  noOptions: await outcome(navigator.credentials.get()),\n"
    "  noChallenge: await c(without('challenge')),\n"
    "  stringChallenge: await c(creation({ challenge: 'abc' })),\n"
    "  longUserId: await c(creation({ user: { id: new Uint8Array(65), name: 'a', displayName: 'A' } })),\n"
    "  emptyUserId: await c(creation({ user: { id: new ArrayBuffer(0), name: 'a', displayName: 'A' } })),\n"
    "  noUser: await c(without('user')),\n"
    "  noRpName: await c(creation({ rp: {} })),\n"
    "  noParams: await c(without('pubKeyCredParams')),\n"
    "  unknownType: await c(creation({ pubKeyCredParams: [{ type: 'password', alg: -7 }] })),\n"
    "  getNoChallenge: await outcome(navigator.credentials.get({ publicKey: {} })),\n"
    "  badDescriptor: await outcome(navigator.credentials.get(request({ allowCredentials: [{ type: 'public-key' }] }))),\n"
    "  view: await c(creation({ challenge: new DataView(new ArrayBuffer(16)) })),\n"
    "};");
  r = js_object (node);
  assert_rejected (json_object_get_member (r, "noPublicKey"), "NotSupportedError");
  assert_rejected (json_object_get_member (r, "noOptions"), "NotSupportedError");
  assert_rejected (json_object_get_member (r, "unknownType"), "NotSupportedError");
  for (guint i = 0; i < G_N_ELEMENTS (type_errors); i++)
    assert_rejected (json_object_get_member (r, type_errors[i]), "TypeError");
  /* A DataView is a BufferSource: this one reached the prompt (and was declined). */
  assert_rejected (json_object_get_member (r, "view"), "NotAllowedError");
  g_assert_cmpuint (fixture->requests->len, ==, 1);

  /* A page that skips the shim and talks to the relay itself gets the
   * same checks from native code. */
  raw = run_js (fixture,
    "const send = (detail) => new Promise((resolve) => {\n"
    "  const on = (e) => { const a = JSON.parse(e.detail); if (a.id === 77) { removeEventListener('sesame-webauthn-reply', on); resolve(a); } };\n"
    "  addEventListener('sesame-webauthn-reply', on);\n"
    "  dispatchEvent(new CustomEvent('sesame-webauthn-request', { detail }));\n"
    "});\n"
    "const big = 'A'.repeat(6000);\n"
    "return {\n"
    "  hugeChallenge: await send(JSON.stringify({ kind: 'get', id: 77, publicKey: { challenge: big } })),\n"
    "  notBase64: await send(JSON.stringify({ kind: 'get', id: 77, publicKey: { challenge: '**' } })),\n"
    "  numberName: await send(JSON.stringify({ kind: 'create', id: 77, publicKey: { rp: { name: 5 },\n"
    "    user: { id: 'dQ', name: 'u', displayName: 'U' }, challenge: 'AA', pubKeyCredParams: [] } })),\n"
    "  manyAllowed: await send(JSON.stringify({ kind: 'get', id: 77, publicKey: { challenge: 'AA',\n"
    "    allowCredentials: Array.from({ length: 65 }, () => ({ type: 'public-key', id: 'AA' })) } })),\n"
    "  unknownKind: await send(JSON.stringify({ kind: 'store', id: 77 })),\n"
    "};");
  r = js_object (raw);
  members = json_object_get_members (r);
  g_assert_cmpuint (g_list_length (members), ==, 5);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonObject *answer = json_object_get_object_member (r, l->data);

      g_test_message ("%s: %s", (char *) l->data, json_object_get_string_member (answer, "message"));
      g_assert_false (json_object_get_boolean_member (answer, "ok"));
      g_assert_cmpstr (json_object_get_string_member (answer, "name"), ==, "TypeError");
    }
  g_assert_cmpuint (fixture->requests->len, ==, 1);
}

static gboolean
accept_with_pin_idle_cb (gpointer user_data)
{
  SesameCredentialRequest *request = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (sesame_credential_request_wants_pin (request));

  /* A wrong PIN: the prompt may ask again, the request waits. */
  g_assert_false (sesame_credential_request_accept (request, NULL, "0000", &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_INVALID);
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==, SESAME_CREDENTIAL_REQUEST_PENDING);
  g_clear_error (&error);

  g_assert_true (sesame_credential_request_accept (request, NULL, "4321", &error));
  g_assert_no_error (error);

  return G_SOURCE_REMOVE;
}

static void
pin_request_started_cb (SesameCredentialsBridge *bridge,
                        SesameCredentialRequest *request,
                        Fixture                 *fixture)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, accept_with_pin_idle_cb, g_object_ref (request), g_object_unref);
}

static void
test_user_verification (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(JsonNode) without_pin = NULL;
  g_autoptr(JsonNode) with_pin = NULL;
  g_autoptr(GError) error = NULL;
  const char *script =
    "const uv = (r) => r.ok ? (fromB64(r.json.response.authenticatorData)[32] & 4) !== 0 : r.name;\n"
    "const made = await outcome(navigator.credentials.create(creation({\n"
    "  authenticatorSelection: { userVerification: 'required' } })));\n"
    "const got = await outcome(navigator.credentials.get(request({ userVerification: 'required' })));\n"
    "return { made: uv(made), got: uv(got) };";

  load_html (fixture, plain_page, "http://localhost/uv");

  /* No PIN: nothing to verify with, and the answer does not claim UV. */
  without_pin = run_js (fixture, script);
  g_assert_false (sesame_credential_request_wants_pin (g_ptr_array_index (fixture->requests, 0)));
  g_assert_false (json_object_get_boolean_member (js_object (without_pin), "made"));
  g_assert_false (json_object_get_boolean_member (js_object (without_pin), "got"));

  /* With a PIN the prompt asks for it, and the answer carries UV. */
  g_assert_true (sesame_soft_authenticator_set_pin (fixture->authenticator, "4321", &error));
  g_assert_no_error (error);
  fixture->respond = RESPOND_NONE;
  g_signal_connect (fixture->bridge, "request-started", G_CALLBACK (pin_request_started_cb), fixture);
  with_pin = run_js (fixture, script);
  g_assert_true (json_object_get_boolean_member (js_object (with_pin), "made"));
  g_assert_true (json_object_get_boolean_member (js_object (with_pin), "got"));
}

static void
test_simplewebauthn (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *r, *registration, *response;
  JsonArray *transports;

  if (!g_file_test (simplewebauthn_path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("node_modules/@simplewebauthn/browser is missing: run npm ci");
      return;
    }

  /* The SDK's own calls, unchanged: feature checks, both ceremonies from
   * the JSON options a server sends, and its abort service replacing a
   * pending autofill request with a modal one. */
  load_uri (fixture, "/swa", "localhost");
  node = run_js (fixture,
    "const S = window.SimpleWebAuthnBrowser;\n"
    "const text = (s) => b64(enc(s));\n"
    "const supports = S.browserSupportsWebAuthn();\n"
    "const autofill = await S.browserSupportsWebAuthnAutofill();\n"
    "const platform = await S.platformAuthenticatorIsAvailable();\n"
    "const registration = await S.startRegistration({ optionsJSON: {\n"
    "  rp: { name: 'Acme', id: 'localhost' },\n"
    "  user: { id: text('user-1'), name: 'alice', displayName: 'Alice' },\n"
    "  challenge: text('swa-registration'), pubKeyCredParams: [{ type: 'public-key', alg: -7 }],\n"
    "  timeout: 60000, excludeCredentials: [], attestation: 'none', hints: [],\n"
    "  authenticatorSelection: { residentKey: 'required', userVerification: 'preferred', authenticatorAttachment: 'platform' },\n"
    "  extensions: { credProps: true } } });\n"
    "const pending = S.startAuthentication({ optionsJSON: { challenge: text('swa-autofill'), rpId: 'localhost' },\n"
    "                                      useBrowserAutofill: true })\n"
    "  .then(() => 'resolved', (e) => e.name + ':' + e.code);\n"
    "await new Promise((resolve) => setTimeout(resolve, 50));\n"
    "const authentication = await S.startAuthentication({ optionsJSON: {\n"
    "  challenge: text('swa-authentication'), rpId: 'localhost', userVerification: 'preferred',\n"
    "  allowCredentials: [{ id: registration.id, type: 'public-key', transports: ['internal'] }] } });\n"
    "return { supports, autofill, platform, registration, authentication, replaced: await pending };");
  r = js_object (node);
  g_assert_true (json_object_get_boolean_member (r, "supports"));
  g_assert_true (json_object_get_boolean_member (r, "autofill"));
  g_assert_true (json_object_get_boolean_member (r, "platform"));

  registration = json_object_get_object_member (r, "registration");
  response = json_object_get_object_member (registration, "response");
  g_assert_cmpstr (json_object_get_string_member (registration, "type"), ==, "public-key");
  g_assert_cmpstr (json_object_get_string_member (registration, "authenticatorAttachment"), ==, "platform");
  g_assert_cmpint (json_object_get_int_member (response, "publicKeyAlgorithm"), ==, -7);
  g_assert_nonnull (json_object_get_string_member (response, "publicKey"));
  g_assert_nonnull (json_object_get_string_member (response, "authenticatorData"));
  transports = json_object_get_array_member (response, "transports");
  g_assert_cmpuint (json_array_get_length (transports), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (transports, 0), ==, "internal");
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (
                   json_object_get_object_member (registration, "clientExtensionResults"), "credProps"), "rk"));

  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (r, "authentication"), "id"), ==,
                   json_object_get_string_member (registration, "id"));
  g_assert_cmpstr (json_object_get_string_member (r, "replaced"), ==, "AbortError:ERROR_CEREMONY_ABORTED");

  /* The autofill request, then the modal one that replaced it. */
  g_assert_cmpuint (fixture->requests->len, ==, 3);
  g_assert_true (sesame_credential_request_is_conditional (g_ptr_array_index (fixture->requests, 1)));
  g_assert_cmpint (sesame_credential_request_get_outcome (g_ptr_array_index (fixture->requests, 1)), ==,
                   SESAME_CREDENTIAL_REQUEST_ABORTED);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  gtk_test_init (&argc, &argv, NULL);

  simplewebauthn_path = g_test_build_filename (G_TEST_DIST, "..", "node_modules", "@simplewebauthn", "browser",
                                               "dist", "bundle", "index.umd.min.js", NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/bridge/feature-detection", test_feature_detection);
  ADD ("/bridge/round-trip", test_round_trip);
  ADD ("/bridge/cross-origin-frame", test_cross_origin_frame);
  ADD ("/bridge/rp-id", test_rp_id);
  ADD ("/bridge/ip-origin", test_ip_origin);
  ADD ("/bridge/navigation-cancels", test_navigation_cancels);
  ADD ("/bridge/navigation-fails", test_navigation_fails);
  ADD ("/bridge/abort", test_abort);
  ADD ("/bridge/timeout", test_timeout);
  ADD ("/bridge/exclude-list", test_exclude_list);
  ADD ("/bridge/user-cancel", test_user_cancel);
  ADD ("/bridge/conditional", test_conditional);
  ADD ("/bridge/one-at-a-time", test_one_at_a_time);
  ADD ("/bridge/user-verification", test_user_verification);
  ADD ("/bridge/malformed", test_malformed);
  ADD ("/bridge/simplewebauthn", test_simplewebauthn);
#undef ADD

  status = g_test_run ();
  g_free (simplewebauthn_path);
  return status;
}
