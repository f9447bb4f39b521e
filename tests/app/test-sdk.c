/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The real @authsignal/browser SDK (node_modules) in the embedded view, on
 * a page of another local origin served here, with a backend of its own
 * that talks to the tenant's Server API with the secret key: track an
 * action, run the passkey ceremony in the page, validate the token. */

#include "config.h"

#include "app-test-util.h"

#include <json-glib/json-glib.h>
#include <string.h>

static SoupServer *site;
static SoupSession *session;
static char *site_origin;
static char *secret_key;
static char *sdk_source;

static const char page[] =
  "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>SDK</title></head><body>"
  "<label for=\"username\">Username</label>"
  "<input id=\"username\" name=\"username\" autocomplete=\"username webauthn\">"
  "<script type=\"module\">"
  "import { Authsignal } from \"/sdk.js\";"
  "window.AuthsignalSdk = Authsignal;"
  "document.body.dataset.ready = \"true\";"
  "</script></body></html>";

typedef struct
{
  SoupServerMessage *message;
} Forward;

static void
forwarded_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Forward *forward = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                              &error);
  SoupMessage *sent = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  if (body)
    {
      soup_server_message_set_status (forward->message, soup_message_get_status (sent), NULL);
      soup_server_message_set_response (forward->message, "application/json", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (body, NULL), g_bytes_get_size (body));
    }
  else
    soup_server_message_set_status (forward->message, SOUP_STATUS_BAD_GATEWAY, error->message);
  soup_server_message_unpause (forward->message);
  g_object_unref (forward->message);
  g_free (forward);
}

/* The page's backend: what a real app's server does with the Node SDK. */
static void
backend_cb (SoupServer        *server,
            SoupServerMessage *message,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  SesameServer *tenant = sesame_application_get_server (app_test_get_application ());
  SoupMessageBody *request = soup_server_message_get_request_body (message);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *url = NULL;
  g_autofree char *forward_body = NULL;
  g_autofree char *credentials = NULL;
  g_autofree char *authorization = NULL;
  g_autoptr(SoupMessage) call = NULL;
  g_autoptr(GBytes) bytes = NULL;
  JsonObject *object;
  Forward *forward;

  if (!json_parser_load_from_data (parser, request->data, request->length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      soup_server_message_set_status (message, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }
  object = json_node_get_object (json_parser_get_root (parser));

  if (g_str_equal (path, "/api/track"))
    {
      g_autofree char *user = g_uri_escape_string (json_object_get_string_member (object, "userId"),
                                                   NULL, FALSE);

      url = g_strdup_printf ("%s/users/%s/actions/%s", sesame_server_get_base_url (tenant), user,
                             json_object_get_string_member (object, "action"));
      forward_body = g_strdup_printf ("{\"username\": \"%s\"}",
                                      json_object_get_string_member (object, "userId"));
    }
  else
    {
      url = g_strdup_printf ("%s/validate", sesame_server_get_base_url (tenant));
      forward_body = g_strdup_printf ("{\"token\": \"%s\"}",
                                      json_object_get_string_member (object, "token"));
    }

  call = soup_message_new ("POST", url);
  credentials = g_strconcat (secret_key, ":", NULL);
  {
    g_autofree char *encoded = g_base64_encode ((const guchar *) credentials, strlen (credentials));

    authorization = g_strconcat ("Basic ", encoded, NULL);
  }
  soup_message_headers_replace (soup_message_get_request_headers (call), "Authorization",
                                authorization);
  bytes = g_bytes_new (forward_body, strlen (forward_body));
  soup_message_set_request_body_from_bytes (call, "application/json", bytes);

  forward = g_new0 (Forward, 1);
  forward->message = g_object_ref (message);
  soup_server_message_pause (message);
  soup_session_send_and_read_async (session, call, G_PRIORITY_DEFAULT, NULL, forwarded_cb,
                                    forward);
}

static void
site_cb (SoupServer        *server,
         SoupServerMessage *message,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  if (g_str_equal (path, "/sdk.js"))
    soup_server_message_set_response (message, "text/javascript", SOUP_MEMORY_STATIC, sdk_source,
                                      strlen (sdk_source));
  else if (g_str_equal (path, "/"))
    soup_server_message_set_response (message, "text/html; charset=utf-8", SOUP_MEMORY_STATIC,
                                      page, strlen (page));
  else
    {
      soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
}

static JsonObject *
run_in_page (const char *body_format,
             ...)
{
  SesameServer *tenant = sesame_application_get_server (app_test_get_application ());
  g_autofree char *script = NULL;
  g_autofree char *body = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;
  va_list args;

  va_start (args, body_format);
  body = g_strdup_vprintf (body_format, args);
  va_end (args);
  script = g_strdup_printf (
    "const sdk = new window.AuthsignalSdk ({tenantId: '%s', baseUrl: '%s'});"
    "const post = async (path, body) => (await fetch (path, {method: 'POST', "
    "  headers: {'Content-Type': 'application/json'}, body: JSON.stringify (body)})).json ();"
    "%s",
    sesame_server_get_tenant_id (tenant), sesame_server_get_base_url (tenant), body);
  json = app_test_run_js (script, &error);
  g_assert_no_error (error);
  g_test_message ("page: %s", json);
  node = json_from_string (json, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  {
    JsonObject *object = json_object_ref (json_node_get_object (node));

    json_node_unref (node);
    return object;
  }
}

static void
open_site (void)
{
  g_autofree char *uri = g_strconcat (site_origin, "/", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (app_test_open (uri, &error));
  g_assert_no_error (error);
  g_assert_true (app_test_wait_for_js ("document.body.dataset.ready === 'true'", 10000));
  /* Another origin, but an expected one (--origin): no warning. */
  g_assert_false (sesame_window_get_origin_warning_visible (app_test_get_window ()));
}

static void
assert_valid (JsonObject *validation,
              const char *user_id)
{
  g_assert_true (json_object_get_boolean_member (validation, "isValid"));
  g_assert_cmpstr (json_object_get_string_member (validation, "state"), ==, "CHALLENGE_SUCCEEDED");
  g_assert_cmpstr (json_object_get_string_member (validation, "userId"), ==, user_id);
}

static void
test_sign_up (void)
{
  g_autoptr(JsonObject) result = NULL;

  sesame_window_set_prompt_response (app_test_get_window (), SESAME_PROMPT_RESPONSE_ACCEPT, NULL);
  open_site ();
  result = run_in_page (
    "const tracked = await post ('/api/track', {userId: 'sdk-user', action: 'enroll'});"
    "const r = await sdk.passkey.signUp ({token: tracked.token, username: 'sdk-user'});"
    "if (!r.data) return {error: r.error || 'no data'};"
    "return await post ('/api/validate', {token: r.data.token});");
  assert_valid (result, "sdk-user");
}

static void
test_sign_in (void)
{
  g_autoptr(JsonObject) result = NULL;

  open_site ();
  result = run_in_page (
    "const r = await sdk.passkey.signIn ({action: 'signInWithPasskey'});"
    "if (!r.data) return {error: r.error || 'no data'};"
    "return await post ('/api/validate', {token: r.data.token});");
  assert_valid (result, "sdk-user");
}

static void
test_sign_in_autofill (void)
{
  g_autoptr(JsonObject) result = NULL;

  /* In accept mode the autofill popover takes the first passkey as soon
   * as the webauthn field is focused. */
  open_site ();
  result = run_in_page (
    "const pending = sdk.passkey.signIn ({autofill: true});"
    "await new Promise (r => setTimeout (r, 300));"
    "document.getElementById ('username').focus ();"
    "const r = await pending;"
    "if (!r || !r.data) return {error: (r && r.error) || 'no data'};"
    "return await post ('/api/validate', {token: r.data.token});");
  assert_valid (result, "sdk-user");
}

static void
test_no_sdk (void)
{
  g_test_skip ("no node_modules/@authsignal/browser: run npm ci");
}

static int
run_skipped (void)
{
  int status;

  g_test_add_func ("/sesame/app/sdk", test_no_sdk);
  status = g_test_run ();
  app_test_remove_tmp_dir ();
  return status;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sdk_path = g_build_filename (g_getenv ("SESAME_SOURCE_ROOT"), "node_modules",
                                                "@authsignal", "browser", "dist", "index.js",
                                                NULL);
  g_autoptr(GSList) listeners = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree char *origin_arg = NULL;
  const char *extra[5] = { NULL };
  int status;

  app_test_init (&argc, &argv);
  if (!g_file_get_contents (sdk_path, &sdk_source, NULL, NULL))
    return run_skipped ();

  site = soup_server_new (NULL, NULL);
  soup_server_add_handler (site, "/", site_cb, NULL, NULL);
  soup_server_add_handler (site, "/api", backend_cb, NULL, NULL);
  g_assert_true (soup_server_listen_local (site, 0, 0, &error));
  g_assert_no_error (error);
  /* The port from the socket itself: soup_server_get_uris() in libsoup
   * 3.2 leaks the address it reads. */
  listeners = soup_server_get_listeners (site);
  local = g_socket_get_local_address (listeners->data, &error);
  g_assert_no_error (error);
  site_origin = g_strdup_printf ("http://localhost:%u",
                                 g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
  session = soup_session_new ();
  secret_key = sesame_server_generate_secret_key (&error);
  g_assert_no_error (error);

  extra[0] = "--origin";
  extra[1] = site_origin;
  extra[2] = "--secret-key";
  extra[3] = secret_key;

  g_test_add_func ("/sesame/app/sdk/sign-up", test_sign_up);
  g_test_add_func ("/sesame/app/sdk/sign-in", test_sign_in);
  g_test_add_func ("/sesame/app/sdk/sign-in-autofill", test_sign_in_autofill);

  status = app_test_run (extra);
  g_clear_object (&session);
  soup_server_disconnect (site);
  g_clear_object (&site);
  g_free (site_origin);
  g_free (secret_key);
  g_free (sdk_source);
  return status;
}
