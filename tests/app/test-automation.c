/* SPDX-License-Identifier: GPL-3.0-or-later */

/* `sesame --automation` as a separate process, driven through a real
 * GDBusProxy on the session bus: every method, and its errors. */

#include "config.h"

#include "app-test-util.h"
#include "sesame-automation.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define BUS_NAME APP_ID

static GSubprocess *app_process;
static GDBusProxy *proxy;

static gboolean
name_owned (gpointer data)
{
  GDBusConnection *bus = data;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", BUS_NAME), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply)
    {
      gboolean owned;

      g_variant_get (reply, "(b)", &owned);
      return owned;
    }
  return FALSE;
}

static GSubprocess *
launch (gboolean automation)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autofree char *data_dir = g_build_filename (app_test_get_tmp_dir (), "sesame", NULL);
  GSubprocess *process;

  g_assert_no_error (error);
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, g_getenv ("SESAME_APP"),
                              "--port", "0", "--data-dir", data_dir,
                              automation ? "--automation" : "--url", automation ? NULL : "about:blank",
                              NULL);
  g_assert_no_error (error);
  g_assert_true (app_test_wait_for (name_owned, bus, 30000));
  return process;
}

/* Quits the app the way any D-Bus client can: its "quit" action. */
static void
quit (GSubprocess *process)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (bus, BUS_NAME, SESAME_AUTOMATION_OBJECT_PATH,
                                       "org.gtk.Actions", "Activate",
                                       g_variant_new ("(sava{sv})", "quit", NULL, NULL), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

static GVariant *
call (const char  *method,
      GVariant    *parameters,
      GError     **error)
{
  return g_dbus_proxy_call_sync (proxy, method, parameters, G_DBUS_CALL_FLAGS_NONE, 60000, NULL,
                                 error);
}

/* Calls a method returning (s) and parses the JSON. */
static JsonNode *
call_json (const char *method,
           GVariant   *parameters)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (method, parameters, &error);
  const char *text;
  JsonNode *node;

  g_assert_no_error (error);
  g_variant_get (reply, "(&s)", &text);
  node = json_from_string (text, &error);
  g_assert_no_error (error);
  return node;
}

static void
assert_remote_error (GError     *error,
                     const char *name)
{
  g_autofree char *remote = NULL;

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, name);
}

#define AUTOMATION_ERROR(name) SESAME_AUTOMATION_INTERFACE ".Error." name
#define INVALID_ARGS "org.freedesktop.DBus.Error.InvalidArgs"

static void
test_not_exported_without_flag (void)
{
  g_autoptr(GSubprocess) process = launch (FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr(GVariant) reply = NULL;
  const char *xml;

  reply = g_dbus_connection_call_sync (bus, BUS_NAME, SESAME_AUTOMATION_OBJECT_PATH,
                                       "org.freedesktop.DBus.Introspectable", "Introspect", NULL,
                                       G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&s)", &xml);
  g_assert_nonnull (strstr (xml, "org.gtk.Application"));
  g_assert_null (strstr (xml, SESAME_AUTOMATION_INTERFACE));
  quit (process);
}

static void
test_get_tenant (void)
{
  g_autoptr(JsonNode) node = call_json ("GetTenant", NULL);
  JsonObject *tenant = json_node_get_object (node);
  JsonArray *origins = json_object_get_array_member (tenant, "expectedOrigins");
  const char *app_url = json_object_get_string_member (tenant, "sampleAppUrl");
  const char *base_url = json_object_get_string_member (tenant, "baseUrl");
  g_autofree char *expected_base = g_strconcat (app_url, "v1", NULL);
  g_autofree char *app_origin = g_strndup (app_url, strlen (app_url) - 1);

  g_assert_true (g_str_has_prefix (app_url, "http://localhost:"));
  g_assert_cmpstr (base_url, ==, expected_base);
  g_assert_cmpstr (json_object_get_string_member (tenant, "rpId"), ==, "localhost");
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (tenant, "tenantId")));
  g_assert_cmpuint (json_array_get_length (origins), >=, 1);
  g_assert_cmpstr (json_array_get_string_element (origins, 0), ==, app_origin);
}

static char *
sample_app_url (void)
{
  g_autoptr(JsonNode) node = call_json ("GetTenant", NULL);

  return g_strdup (json_object_get_string_member (json_node_get_object (node), "sampleAppUrl"));
}

static void
test_open_url (void)
{
  g_autofree char *url = sample_app_url ();
  g_autofree char *dead = app_test_dead_url ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call ("OpenUrl", g_variant_new ("(s)", url), &error);
  g_autoptr(JsonNode) location = NULL;

  g_assert_no_error (error);
  /* It returned after the load: the page is there. */
  location = call_json ("RunJavascript",
                        g_variant_new ("(s)", "return [location.href, document.readyState !== 'loading', !!document.getElementById('signup-form')]"));
  g_assert_cmpstr (json_array_get_string_element (json_node_get_array (location), 0), ==, url);
  g_assert_true (json_array_get_boolean_element (json_node_get_array (location), 1));
  g_assert_true (json_array_get_boolean_element (json_node_get_array (location), 2));

  g_clear_pointer (&reply, g_variant_unref);
  reply = call ("OpenUrl", g_variant_new ("(s)", "javascript:alert(1)"), &error);
  g_assert_null (reply);
  assert_remote_error (error, INVALID_ARGS);
  g_clear_error (&error);

  reply = call ("OpenUrl", g_variant_new ("(s)", ""), &error);
  assert_remote_error (error, INVALID_ARGS);
  g_clear_error (&error);

  reply = call ("OpenUrl", g_variant_new ("(s)", dead), &error);
  g_assert_null (reply);
  assert_remote_error (error, AUTOMATION_ERROR ("LoadFailed"));
  g_clear_error (&error);

  /* Wrong argument types are refused by the introspection data. */
  reply = call ("OpenUrl", g_variant_new ("(i)", 7), &error);
  assert_remote_error (error, INVALID_ARGS);
}

static void
test_run_javascript (void)
{
  g_autofree char *url = sample_app_url ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call ("OpenUrl", g_variant_new ("(s)", url), &error);
  const char *text;

  g_assert_no_error (error);

  g_clear_pointer (&reply, g_variant_unref);
  reply = call ("RunJavascript",
                g_variant_new ("(s)", "await new Promise (r => setTimeout (r, 50)); "
                                      "return {sum: 1 + 2, list: ['a', null], ok: true}"),
                &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&s)", &text);
  {
    g_autoptr(JsonNode) node = json_from_string (text, &error);
    JsonObject *object = json_node_get_object (node);

    g_assert_no_error (error);
    g_assert_cmpint (json_object_get_int_member (object, "sum"), ==, 3);
    g_assert_true (json_object_get_boolean_member (object, "ok"));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "list")), ==, 2);
  }

  g_clear_pointer (&reply, g_variant_unref);
  reply = call ("RunJavascript", g_variant_new ("(s)", "let x = 1;"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&s)", &text);
  g_assert_cmpstr (text, ==, "null");

  g_clear_pointer (&reply, g_variant_unref);
  reply = call ("RunJavascript",
                g_variant_new ("(s)", "await null; throw new Error ('the page said no')"), &error);
  g_assert_null (reply);
  assert_remote_error (error, AUTOMATION_ERROR ("JavascriptFailed"));
  g_assert_nonnull (strstr (error->message, "the page said no"));
  g_clear_error (&error);

  reply = call ("RunJavascript", g_variant_new ("(s)", "return ((("), &error);
  assert_remote_error (error, AUTOMATION_ERROR ("JavascriptFailed"));
}

static void
test_set_prompt_response (void)
{
  const char *modes[] = { "accept", "cancel", "ask" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autoptr(GVariant) ok = call ("SetPromptResponse", g_variant_new ("(s)", modes[i]), &error);

      g_assert_no_error (error);
      g_assert_nonnull (ok);
    }
  reply = call ("SetPromptResponse", g_variant_new ("(s)", "always"), &error);
  g_assert_null (reply);
  assert_remote_error (error, INVALID_ARGS);
  g_clear_error (&error);
  reply = call ("SetPromptResponse", g_variant_new ("(s)", "ACCEPT"), &error);
  assert_remote_error (error, INVALID_ARGS);
}

static JsonArray *
list_credentials (JsonNode **holder)
{
  *holder = call_json ("ListCredentials", NULL);
  return json_node_get_array (*holder);
}

static void
test_credentials (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(JsonNode) holder = NULL;
  JsonArray *credentials;

  reply = call ("RemoveAllCredentials", NULL, &error);
  g_assert_no_error (error);
  credentials = list_credentials (&holder);
  g_assert_cmpuint (json_array_get_length (credentials), ==, 0);

  /* A PIN outside 4..63 bytes is a bad argument; a good one sets, "" clears. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = call ("SetPin", g_variant_new ("(s)", "12"), &error);
  assert_remote_error (error, INVALID_ARGS);
  g_clear_error (&error);
  reply = call ("SetPin", g_variant_new ("(s)", "2468"), &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = call ("SetPin", g_variant_new ("(s)", ""), &error);
  g_assert_no_error (error);

  g_clear_pointer (&reply, g_variant_unref);
  reply = call ("RemoveCredential", g_variant_new ("(s)", "not base64url!"), &error);
  assert_remote_error (error, INVALID_ARGS);
  g_clear_error (&error);
  reply = call ("RemoveCredential", g_variant_new ("(s)", ""), &error);
  assert_remote_error (error, INVALID_ARGS);
  g_clear_error (&error);
  reply = call ("RemoveCredential", g_variant_new ("(s)", "AAAAAAAAAAAAAAAAAAAAAA"), &error);
  assert_remote_error (error, AUTOMATION_ERROR ("NotFound"));
}

/* Fills in the sample app's sign-up form and waits for its verdict. */
/* The end of a sign-up or sign-in script: "signed-in", the page's error
 * message, or "timeout". */
#define AWAIT_OUTCOME \
  "for (let i = 0; i < 200; i++) {" \
  "  if (!document.getElementById('account').hidden) return 'signed-in';" \
  "  if (document.getElementById('status').dataset.kind === 'error')" \
  "    return document.getElementById('status').textContent;" \
  "  await new Promise (r => setTimeout (r, 50));" \
  "}" \
  "return 'timeout';"

static GVariant *
sign_up_script (const char *username)
{
  g_autofree char *body = g_strdup_printf (
    "for (let i = 0; i < 200 && document.getElementById('signed-out').hidden; i++)"
    "  await new Promise (r => setTimeout (r, 50));"
    "document.getElementById('signup-username').value = '%s';"
    "document.getElementById('signup-display-name').value = 'D-Bus User';"
    "document.getElementById('signup-button').click();"
    AWAIT_OUTCOME, username);

  return g_variant_new ("(s)", body);
}

static void
test_ceremony (void)
{
  g_autofree char *url = g_strconcat (sample_app_url (), "?autofill=off", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) holder = NULL;
  JsonArray *credentials;
  JsonObject *credential;
  g_autofree char *id = NULL;

  reply = call ("SetPromptResponse", g_variant_new ("(s)", "cancel"), &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = call ("OpenUrl", g_variant_new ("(s)", url), &error);
  g_assert_no_error (error);

  /* Cancelled: the page hears NotAllowedError and says so; nothing stored. */
  result = call_json ("RunJavascript", sign_up_script ("dbus-user"));
  g_assert_cmpstr (json_node_get_string (result), !=, "signed-in");
  g_assert_cmpstr (json_node_get_string (result), !=, "timeout");
  credentials = list_credentials (&holder);
  g_assert_cmpuint (json_array_get_length (credentials), ==, 0);

  g_clear_pointer (&reply, g_variant_unref);
  reply = call ("SetPromptResponse", g_variant_new ("(s)", "accept"), &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = call ("OpenUrl", g_variant_new ("(s)", url), &error);
  g_assert_no_error (error);
  g_clear_pointer (&result, json_node_unref);
  result = call_json ("RunJavascript", sign_up_script ("dbus-user-2"));
  g_assert_cmpstr (json_node_get_string (result), ==, "signed-in");

  g_clear_pointer (&holder, json_node_unref);
  credentials = list_credentials (&holder);
  g_assert_cmpuint (json_array_get_length (credentials), ==, 1);
  credential = json_array_get_object_element (credentials, 0);
  g_assert_cmpstr (json_object_get_string_member (credential, "rpId"), ==, "localhost");
  g_assert_cmpstr (json_object_get_string_member (credential, "userName"), ==, "dbus-user-2");
  g_assert_cmpstr (json_object_get_string_member (credential, "userDisplayName"), ==,
                   "D-Bus User");
  g_assert_cmpuint (strlen (json_object_get_string_member (credential, "userHandle")), >, 0);
  g_assert_nonnull (g_date_time_new_from_iso8601 (json_object_get_string_member (credential,
                                                                                 "created"),
                                                  NULL));
  id = g_strdup (json_object_get_string_member (credential, "id"));

  g_clear_pointer (&reply, g_variant_unref);
  reply = call ("RemoveCredential", g_variant_new ("(s)", id), &error);
  g_assert_no_error (error);
  g_clear_pointer (&holder, json_node_unref);
  credentials = list_credentials (&holder);
  g_assert_cmpuint (json_array_get_length (credentials), ==, 0);
  g_clear_pointer (&reply, g_variant_unref);
  reply = call ("RemoveCredential", g_variant_new ("(s)", id), &error);
  assert_remote_error (error, AUTOMATION_ERROR ("NotFound"));
}

/* InjectFailure: the next sign-in's assertion is bad; the tenant says why
 * and the page shows it; the one after is good again. */
static void
test_inject_failure (void)
{
  g_autofree char *url = g_strconcat (sample_app_url (), "?autofill=off", NULL);
#define SIGN_OUT \
    "for (let i = 0; i < 200 && document.getElementById('signed-out').hidden &&" \
    "                 document.getElementById('account').hidden; i++)" \
    "  await new Promise (r => setTimeout (r, 50));" \
    "const idle = async () => {" \
    "  for (let i = 0; i < 200 && document.body.getAttribute('aria-busy') === 'true'; i++)" \
    "    await new Promise (r => setTimeout (r, 50));" \
    "};" \
    "await idle ();" \
    "if (!document.getElementById('account').hidden) {" \
    "  document.getElementById('signout-button').click();" \
    "  for (let i = 0; i < 200 && document.getElementById('signed-out').hidden; i++)" \
    "    await new Promise (r => setTimeout (r, 50));" \
    "}" \
    "await idle ();"
  const char *sign_in =
    SIGN_OUT
    "document.getElementById('status').dataset.kind = '';"
    "document.getElementById('signin-button').click();"
    AWAIT_OUTCOME;
  const char *wrong[] = { "bad_signature", "BAD-SIGNATURE", "", "nothing" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(JsonNode) result = NULL;

  reply = call ("SetPromptResponse", g_variant_new ("(s)", "accept"), &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = call ("OpenUrl", g_variant_new ("(s)", url), &error);
  g_assert_no_error (error);
  /* The session of the previous test's account may still be open. */
  result = call_json ("RunJavascript", g_variant_new ("(s)", SIGN_OUT "return true;"));
  g_clear_pointer (&result, json_node_unref);
  result = call_json ("RunJavascript", sign_up_script ("dbus-failure"));
  g_assert_cmpstr (json_node_get_string (result), ==, "signed-in");

  g_clear_pointer (&reply, g_variant_unref);
  reply = call ("InjectFailure", g_variant_new ("(s)", "bad-signature"), &error);
  g_assert_no_error (error);
  g_clear_pointer (&result, json_node_unref);
  result = call_json ("RunJavascript", g_variant_new ("(s)", sign_in));
  g_assert_nonnull (strstr (json_node_get_string (result), "signature does not verify"));

  g_clear_pointer (&result, json_node_unref);
  result = call_json ("RunJavascript", g_variant_new ("(s)", sign_in));
  g_assert_cmpstr (json_node_get_string (result), ==, "signed-in");

  for (guint i = 0; i < G_N_ELEMENTS (wrong); i++)
    {
      g_clear_pointer (&reply, g_variant_unref);
      reply = call ("InjectFailure", g_variant_new ("(s)", wrong[i]), &error);
      g_assert_null (reply);
      assert_remote_error (error, INVALID_ARGS);
      g_clear_error (&error);
    }
  g_clear_pointer (&reply, g_variant_unref);
  reply = call ("InjectFailure", g_variant_new ("(s)", "none"), &error);
  g_assert_no_error (error);
}

static void
start_automation (void)
{
  g_autoptr(GError) error = NULL;

  app_process = launch (TRUE);
  proxy = g_dbus_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                         G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                         G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS |
                                         G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                         NULL, BUS_NAME, SESAME_AUTOMATION_OBJECT_PATH,
                                         SESAME_AUTOMATION_INTERFACE, NULL, &error);
  g_assert_no_error (error);
}

static void
test_start (void)
{
  test_not_exported_without_flag ();
  start_automation ();
}

static void
test_stop (void)
{
  g_clear_object (&proxy);
  quit (app_process);
  g_clear_object (&app_process);
}

int
main (int    argc,
      char **argv)
{
  int status;

  app_test_init (&argc, &argv);

  g_test_add_func ("/sesame/app/automation/not-exported-without-flag", test_start);
  g_test_add_func ("/sesame/app/automation/get-tenant", test_get_tenant);
  g_test_add_func ("/sesame/app/automation/open-url", test_open_url);
  g_test_add_func ("/sesame/app/automation/run-javascript", test_run_javascript);
  g_test_add_func ("/sesame/app/automation/set-prompt-response", test_set_prompt_response);
  g_test_add_func ("/sesame/app/automation/credentials", test_credentials);
  g_test_add_func ("/sesame/app/automation/ceremony", test_ceremony);
  g_test_add_func ("/sesame/app/automation/inject-failure", test_inject_failure);
  g_test_add_func ("/sesame/app/automation/quit", test_stop);

  status = g_test_run ();
  app_test_remove_tmp_dir ();
  return status;
}
