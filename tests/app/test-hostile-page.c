/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The credentials bridge of the real window against pages that misbehave:
 * one that lies about its origin, one that posts malformed messages to
 * the relay itself (wrong types, missing members, unknown kinds, text
 * that is not JSON, huge and deeply nested bodies), one that floods
 * create() and get(), and one that navigates away mid-ceremony. Each gets
 * a clean refusal (the exception a browser gives, or nothing for a
 * message that names no request), the app stays up, and a normal
 * ceremony works afterwards. */

#include "config.h"

#include "app-test-util.h"
#include "sesame-credentials-bridge.h"
#include "sesame-passkey-prompt.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* Helpers every script below starts with. outcome() turns a ceremony into
 * {ok, …} or {ok: false, name, message}; raw() sends @detail to the relay
 * as the shim would and waits @ms for the answer to request @id. */
#define PRELUDE \
  "const rnd = (n) => crypto.getRandomValues(new Uint8Array(n));\n" \
  "const creation = (extra) => ({ publicKey: Object.assign({ rp: { name: 'Hostile page' },\n" \
  "  user: { id: rnd(16), name: 'mallory', displayName: 'Mallory' }, challenge: rnd(32),\n" \
  "  pubKeyCredParams: [{ type: 'public-key', alg: -7 }], timeout: 60000 }, extra || {}) });\n" \
  "const outcome = (p) => p.then((c) => ({ ok: true, rawId: Array.from(new Uint8Array(c.rawId)),\n" \
  "  clientData: JSON.parse(new TextDecoder().decode(c.response.clientDataJSON)) }),\n" \
  "  (e) => ({ ok: false, name: e.name, message: String(e.message) }));\n" \
  "const within = (p, ms) => Promise.race([p, new Promise((r) => setTimeout(() => r('no answer'), ms))]);\n" \
  "const raw = (detail, id, ms) => new Promise((resolve) => {\n" \
  "  const on = (e) => { let a; try { a = JSON.parse(e.detail); } catch { return; }\n" \
  "    if (a.id === id) { removeEventListener('sesame-webauthn-reply', on); resolve(a); } };\n" \
  "  addEventListener('sesame-webauthn-reply', on);\n" \
  "  dispatchEvent(new CustomEvent('sesame-webauthn-request', { detail }));\n" \
  "  setTimeout(() => { removeEventListener('sesame-webauthn-reply', on); resolve('no answer'); }, ms);\n" \
  "});\n"

static guint n_started;

static void
request_started_cb (SesameCredentialsBridge *bridge,
                    SesameCredentialRequest *request,
                    gpointer                 user_data)
{
  n_started++;
}

static JsonObject *
run (const char *body)
{
  g_autofree char *script = g_strconcat (PRELUDE, body, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *json = app_test_run_js (script, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
open_page (const char *query)
{
  static gboolean watching;
  SesameServer *server = sesame_application_get_server (app_test_get_application ());
  g_autofree char *uri = g_strconcat (sesame_server_get_app_url (server), query, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (app_test_open (uri, &error));
  g_assert_no_error (error);
  g_assert_true (app_test_wait_for_js (SAMPLE_APP_READY, 10000));
  gtk_widget_grab_focus (GTK_WIDGET (sesame_window_get_web_view (app_test_get_window ())));
  if (!watching)
    {
      g_signal_connect (sesame_window_get_credentials_bridge (app_test_get_window ()),
                        "request-started", G_CALLBACK (request_started_cb), NULL);
      watching = TRUE;
    }
}

static const char *
app_origin (void)
{
  return sesame_server_get_app_origin (sesame_application_get_server (app_test_get_application ()));
}

static void
assert_refused (JsonObject *result,
                const char *member,
                const char *name)
{
  JsonObject *answer;

  g_assert_true (json_object_has_member (result, member));
  if (!JSON_NODE_HOLDS_OBJECT (json_object_get_member (result, member)))
    g_error ("%s: no answer, expected %s", member, name);
  answer = json_object_get_object_member (result, member);
  g_test_message ("%s: %s: %s", member, json_object_get_string_member (answer, "name"),
                  json_object_get_string_member (answer, "message"));
  g_assert_false (json_object_get_boolean_member (answer, "ok"));
  g_assert_cmpstr (json_object_get_string_member (answer, "name"), ==, name);
}

static void
assert_no_answer (JsonObject *result,
                  const char *member)
{
  g_assert_cmpstr (json_object_get_string_member (result, member), ==, "no answer");
}

/* A passkey made and used, answered by the built-in authenticator. */
static void
assert_ceremony_works (void)
{
  g_autoptr(JsonObject) r = NULL;
  JsonObject *made, *used;
  guint before = n_started;

  sesame_window_set_prompt_response (app_test_get_window (), SESAME_PROMPT_RESPONSE_ACCEPT, NULL);
  r = run ("const made = await outcome(navigator.credentials.create(creation()));\n"
           "const used = made.ok ? await outcome(navigator.credentials.get({ publicKey: {\n"
           "  challenge: rnd(32), allowCredentials: [{ type: 'public-key',\n"
           "  id: new Uint8Array(made.rawId) }] } })) : null;\n"
           "return { made, used };");
  made = json_object_get_object_member (r, "made");
  g_assert_true (json_object_get_boolean_member (made, "ok"));
  used = json_object_get_object_member (r, "used");
  g_assert_true (json_object_get_boolean_member (used, "ok"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (used, "clientData"),
                                                  "type"), ==, "webauthn.get");
  g_assert_cmpuint (n_started, ==, before + 2);
}

static void
test_lying_origin (void)
{
  g_autoptr(JsonObject) r = NULL;
  JsonObject *forged;

  open_page ("?autofill=off");
  sesame_window_set_prompt_response (app_test_get_window (), SESAME_PROMPT_RESPONSE_ACCEPT, NULL);
  r = run ("const real = location.origin;\n"
           "Object.defineProperty(document, 'domain', { get: () => 'bank.example' });\n"
           "Object.defineProperty(window, 'origin', { get: () => 'https://bank.example' });\n"
           "history.replaceState(null, '', '/bank.example/login');\n"
           "return {\n"
           "  real,\n"
           "  handlerVisible: !!(window.webkit && window.webkit.messageHandlers &&\n"
           "                     window.webkit.messageHandlers.sesameWebAuthn),\n"
           "  originMember: await outcome(navigator.credentials.create(creation(\n"
           "    { origin: 'https://bank.example', topOrigin: 'https://bank.example' }))),\n"
           "  rpId: await outcome(navigator.credentials.create(creation(\n"
           "    { rp: { name: 'Bank', id: 'bank.example' } }))),\n"
           "  envelope: await raw(JSON.stringify({ frame: { top: true, origin: 'https://bank.example' },\n"
           "    origin: 'https://bank.example', kind: 'get', id: 1001,\n"
           "    publicKey: { challenge: 'AAAA', rpId: 'bank.example' } }), 1001, 5000),\n"
           "};");

  /* The page cannot reach the native handler: only the relay's world can. */
  g_assert_false (json_object_get_boolean_member (r, "handlerVisible"));
  g_assert_cmpstr (json_object_get_string_member (r, "real"), ==, app_origin ());

  /* Whatever the page says, the client data names its real origin. */
  forged = json_object_get_object_member (r, "originMember");
  g_assert_true (json_object_get_boolean_member (forged, "ok"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (forged, "clientData"),
                                                  "origin"), ==, app_origin ());
  g_assert_false (json_object_has_member (json_object_get_object_member (forged, "clientData"),
                                          "topOrigin"));
  assert_refused (r, "rpId", "SecurityError");
  assert_refused (r, "envelope", "SecurityError");

  assert_ceremony_works ();
}

static void
test_malformed_messages (void)
{
  g_autoptr(JsonObject) r = NULL;
  guint before;

  open_page ("?autofill=off");
  sesame_window_set_prompt_response (app_test_get_window (), SESAME_PROMPT_RESPONSE_CANCEL, NULL);
  before = n_started;
  r = run ("const big = 'A'.repeat(300 * 1024);\n"
           "const deep = '['.repeat(100000) + ']'.repeat(100000);\n"
           "for (const detail of [42, null, undefined, { kind: 'get', id: 1 }, ['x'], true])\n"
           "  dispatchEvent(new CustomEvent('sesame-webauthn-request', { detail }));\n"
           "const get = (publicKey, id) => JSON.stringify({ kind: 'get', id, publicKey });\n"
           "return {\n"
           "  notJson: await raw('{\"id\": 1010, \"kind\": ', 1010, 1500),\n"
           "  array: await raw('[1011]', 1011, 1500),\n"
           "  emptyText: await raw('', 1012, 1500),\n"
           "  noKind: await raw(JSON.stringify({ id: 1013 }), 1013, 3000),\n"
           "  unknownKind: await raw(JSON.stringify({ kind: 'store', id: 1014 }), 1014, 3000),\n"
           "  kindNumber: await raw(JSON.stringify({ kind: 7, id: 1015 }), 1015, 3000),\n"
           "  publicKeyText: await raw(JSON.stringify({ kind: 'create', id: 1016, publicKey: 'x' }), 1016, 3000),\n"
           "  noPublicKey: await raw(JSON.stringify({ kind: 'get', id: 1017 }), 1017, 3000),\n"
           "  wrongTypes: await raw(get({ challenge: 42, allowCredentials: 'all', timeout: 'soon' }, 1018), 1018, 3000),\n"
           "  createMissing: await raw(JSON.stringify({ kind: 'create', id: 1019, publicKey: { challenge: 'AAAA' } }), 1019, 3000),\n"
           "  idText: await raw(JSON.stringify({ kind: 'get', id: '1020', publicKey: { challenge: 'AAAA' } }), '1020', 1500),\n"
           "  idNegative: await raw(get({ challenge: 'AAAA' }, -1), -1, 1500),\n"
           "  hugeBody: await raw(get({ challenge: big }, 1021), 1021, 5000),\n"
           "  deepBody: await raw('{\"kind\":\"get\",\"id\":1022,\"publicKey\":' + deep + '}', 1022, 5000),\n"
           "  hugeName: await within(outcome(navigator.credentials.create(creation(\n"
           "    { user: { id: rnd(8), name: big, displayName: 'x' } }))), 5000),\n"
           "  hugeChallenge: await within(outcome(navigator.credentials.get({ publicKey: { challenge: new Uint8Array(600000) } })), 5000),\n"
           "};");

  /* Nothing that names no request can be answered. */
  assert_no_answer (r, "notJson");
  assert_no_answer (r, "array");
  assert_no_answer (r, "emptyText");
  assert_no_answer (r, "idText");
  assert_no_answer (r, "idNegative");
  /* Nested deeper than any parser here takes: not read, so not answered
   * (and the app is still up, see below). */
  assert_no_answer (r, "deepBody");
  /* Everything else is refused as a browser would. */
  assert_refused (r, "noKind", "TypeError");
  assert_refused (r, "unknownKind", "TypeError");
  assert_refused (r, "kindNumber", "TypeError");
  assert_refused (r, "publicKeyText", "NotSupportedError");
  assert_refused (r, "noPublicKey", "NotSupportedError");
  assert_refused (r, "wrongTypes", "TypeError");
  assert_refused (r, "createMissing", "TypeError");
  assert_refused (r, "hugeBody", "TypeError");
  assert_refused (r, "hugeName", "TypeError");
  assert_refused (r, "hugeChallenge", "TypeError");
  /* None of it reached the prompt. */
  g_assert_cmpuint (n_started, ==, before);

  assert_ceremony_works ();
}

static SesamePasskeyPrompt *
find_prompt (void)
{
  return (SesamePasskeyPrompt *) app_test_find_toplevel (SESAME_TYPE_PASSKEY_PROMPT);
}

static gboolean
prompt_shown (gpointer data)
{
  return find_prompt () != NULL;
}

static gboolean
prompt_gone (gpointer data)
{
  return find_prompt () == NULL;
}

#define FLOOD 150

static void
test_flood (void)
{
  g_autoptr(JsonObject) rest = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autofree char *started = NULL;
  SesamePasskeyPrompt *prompt;
  JsonArray *answers;
  guint before;

  open_page ("?autofill=off");
  sesame_window_set_prompt_response (app_test_get_window (), SESAME_PROMPT_RESPONSE_ASK, NULL);
  before = n_started;
  started = app_test_run_js (PRELUDE
    "window.flood = [];\n"
    "for (let i = 0; i < " G_STRINGIFY (FLOOD) "; i++) {\n"
    "  window.flood.push(outcome(navigator.credentials.create(creation())));\n"
    "  window.flood.push(outcome(navigator.credentials.get({ publicKey: { challenge: rnd(32) } })));\n"
    "}\n"
    "return true;", NULL);
  g_assert_cmpstr (started, ==, "true");

  /* The first is asked about; every other one is refused at once. */
  g_assert_true (app_test_wait_for (prompt_shown, NULL, 15000));
  rest = run ("return { answers: await within(Promise.all(window.flood.slice(1)), 20000) };");
  answers = json_object_get_array_member (rest, "answers");
  g_assert_cmpuint (json_array_get_length (answers), ==, 2 * FLOOD - 1);
  for (guint i = 0; i < json_array_get_length (answers); i++)
    {
      JsonObject *answer = json_array_get_object_element (answers, i);

      g_assert_false (json_object_get_boolean_member (answer, "ok"));
      g_assert_cmpstr (json_object_get_string_member (answer, "name"), ==, "NotAllowedError");
    }
  g_assert_cmpuint (n_started, ==, before + 1);

  prompt = find_prompt ();
  g_assert_cmpint (sesame_credential_request_get_kind (sesame_passkey_prompt_get_request (prompt)),
                   ==, SESAME_CREDENTIAL_REQUEST_CREATE);
  sesame_passkey_prompt_cancel (prompt);
  first = run ("return { answer: await within(window.flood[0], 5000) };");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (first, "answer"),
                                                  "name"), ==, "NotAllowedError");
  g_assert_true (app_test_wait_for (prompt_gone, NULL, 5000));

  assert_ceremony_works ();
}

/* The Demo view shows a page whose URI has @data in it, loaded in full. */
static gboolean
page_loaded (gpointer data)
{
  WebKitWebView *view = sesame_window_get_web_view (app_test_get_window ());
  const char *uri = webkit_web_view_get_uri (view);

  return uri && strstr (uri, data) && !webkit_web_view_is_loading (view);
}

static void
test_navigate_mid_ceremony (void)
{
  g_autofree char *started = NULL;
  g_autoptr(SesameCredentialRequest) request = NULL;

  open_page ("?autofill=off");
  sesame_window_set_prompt_response (app_test_get_window (), SESAME_PROMPT_RESPONSE_ASK, NULL);
  started = app_test_run_js (PRELUDE
    "navigator.credentials.create(creation()).then(() => {}, () => {});\n"
    "return true;", NULL);
  g_assert_true (app_test_wait_for (prompt_shown, NULL, 15000));
  request = g_object_ref (sesame_passkey_prompt_get_request (find_prompt ()));

  /* The page goes away; its ceremony ends and the prompt closes. */
  open_page ("?autofill=off&again=1");
  g_assert_true (app_test_wait_for (prompt_gone, NULL, 5000));
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==,
                   SESAME_CREDENTIAL_REQUEST_NAVIGATED);

  /* And again, the page navigating itself while the prompt is up. */
  g_clear_pointer (&started, g_free);
  started = app_test_run_js (PRELUDE
    "navigator.credentials.get({ publicKey: { challenge: rnd(32) } }).then(() => {}, () => {});\n"
    "setTimeout(() => { location.href = '/?autofill=off&third=1'; }, 300);\n"
    "return true;", NULL);
  g_assert_true (app_test_wait_for (prompt_shown, NULL, 15000));
  g_assert_true (app_test_wait_for (prompt_gone, NULL, 10000));
  /* A script sent while the old document unloads is never answered:
   * wait for the new one before talking to it. */
  g_assert_true (app_test_wait_for (page_loaded, "third=1", 10000));
  g_assert_true (app_test_wait_for_js (SAMPLE_APP_READY, 10000));

  assert_ceremony_works ();
}

int
main (int    argc,
      char **argv)
{
  app_test_init (&argc, &argv);

  g_test_add_func ("/sesame/app/hostile-page/lying-origin", test_lying_origin);
  g_test_add_func ("/sesame/app/hostile-page/malformed-messages", test_malformed_messages);
  g_test_add_func ("/sesame/app/hostile-page/flood", test_flood);
  g_test_add_func ("/sesame/app/hostile-page/navigate-mid-ceremony", test_navigate_mid_ceremony);

  return app_test_run (NULL);
}
