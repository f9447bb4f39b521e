/* SPDX-License-Identifier: GPL-3.0-or-later */

/* `sesame --automation` as a separate process, driven through a real
 * GDBusProxy on the session bus: every method, and its errors. */

#include "config.h"

#include "app-test-util.h"
#include "sesame-automation.h"
#include "sesame-base64.h"
#include "sesame-cose-key.h"
#include "sesame-openssl.h"
#include "sesame-webauthn.h"

#include <json-glib/json-glib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>

#define BUS_NAME APP_ID

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free)

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
#define SIGN_IN \
    SIGN_OUT \
    "document.getElementById('status').dataset.kind = '';" \
    "document.getElementById('signin-button').click();" \
    AWAIT_OUTCOME
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
  result = call_json ("RunJavascript", g_variant_new ("(s)", SIGN_IN));
  g_assert_nonnull (strstr (json_node_get_string (result), "signature does not verify"));

  g_clear_pointer (&result, json_node_unref);
  result = call_json ("RunJavascript", g_variant_new ("(s)", SIGN_IN));
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

/* Each of these calls must succeed, or fail with the D-Bus error @name. */
static void
call_ok (const char *method,
         GVariant   *parameters)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (method, parameters, &error);

  g_assert_no_error (error);
}

static void
call_fails (const char *method,
            GVariant   *parameters,
            const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (method, parameters, &error);

  g_assert_null (reply);
  assert_remote_error (error, name);
}

static void
open_sample_app (const char *query)
{
  g_autofree char *base = sample_app_url ();
  g_autofree char *url = g_strconcat (base, query, NULL);

  call_ok ("OpenUrl", g_variant_new ("(s)", url));
}

static JsonArray *
get_events (const char  *filter,
            JsonNode   **holder)
{
  *holder = call_json ("GetEvents", g_variant_new ("(s)", filter));
  g_assert_true (JSON_NODE_HOLDS_ARRAY (*holder));
  return json_node_get_array (*holder);
}

static gboolean
any_reason_contains (JsonArray  *events,
                     const char *text)
{
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);

      if (!json_object_get_null_member (event, "reason") &&
          strstr (json_object_get_string_member (event, "reason"), text))
        return TRUE;
    }
  return FALSE;
}

/* SetUserPresence(false): the tenant refuses the sign-in for the missing
 * UP flag, and GetEvents finds the refusal by its filters. */
static void
test_user_presence_and_events (void)
{
  const char *bad_filters[] = { "nonsense", "colour:red", "user:", "user:a user:b", ":x" };
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) holder = NULL;
  JsonArray *events;

  call_ok ("RemoveAllCredentials", NULL);
  call_ok ("SetPromptResponse", g_variant_new ("(s)", "accept"));
  open_sample_app ("?autofill=off");
  result = call_json ("RunJavascript", g_variant_new ("(s)", SIGN_OUT "return true;"));
  g_clear_pointer (&result, json_node_unref);
  result = call_json ("RunJavascript", sign_up_script ("dbus-presence"));
  g_assert_cmpstr (json_node_get_string (result), ==, "signed-in");

  call_ok ("SetUserPresence", g_variant_new ("(b)", FALSE));
  g_clear_pointer (&result, json_node_unref);
  result = call_json ("RunJavascript", g_variant_new ("(s)", SIGN_IN));
  g_assert_nonnull (strstr (json_node_get_string (result), "user presence"));

  call_ok ("SetUserPresence", g_variant_new ("(b)", TRUE));
  g_clear_pointer (&result, json_node_unref);
  result = call_json ("RunJavascript", g_variant_new ("(s)", SIGN_IN));
  g_assert_cmpstr (json_node_get_string (result), ==, "signed-in");

  /* All of them, oldest first. */
  events = get_events ("", &holder);
  g_assert_cmpuint (json_array_get_length (events), >=, 4);
  for (guint i = 1; i < json_array_get_length (events); i++)
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (events, i - 1), "id"),
                     <, json_object_get_int_member (json_array_get_object_element (events, i), "id"));

  /* The refusal, by action and outcome; and only refusals. */
  g_clear_pointer (&holder, json_node_unref);
  events = get_events ("action:signInWithPasskey  outcome:refused", &holder);
  g_assert_cmpuint (json_array_get_length (events), >=, 1);
  g_assert_true (any_reason_contains (events, "user presence"));
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      const char *outcome = json_object_get_string_member (event, "outcome");

      g_assert_cmpstr (json_object_get_string_member (event, "actionCode"), ==,
                       "signInWithPasskey");
      g_assert_true (g_str_equal (outcome, "failure") || g_str_equal (outcome, "invalid"));
    }

  /* By user name: the sign-up's registration, and nobody else's events. */
  g_clear_pointer (&holder, json_node_unref);
  events = get_events ("user:dbus-presence kind:registration", &holder);
  g_assert_cmpuint (json_array_get_length (events), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (events, 0),
                                                  "outcome"), ==, "success");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (events, 0),
                                                  "userName"), ==, "dbus-presence");

  g_clear_pointer (&holder, json_node_unref);
  events = get_events ("user:nobody-has-this-name", &holder);
  g_assert_cmpuint (json_array_get_length (events), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (bad_filters); i++)
    call_fails ("GetEvents", g_variant_new ("(s)", bad_filters[i]), INVALID_ARGS);
  call_fails ("SetUserPresence", g_variant_new ("(s)", "no"), INVALID_ARGS);
}

/* ChooseAutofill: the sample app's conditional sign-in, answered with
 * the passkey the test names. */
static void
test_choose_autofill (void)
{
  g_autoptr(JsonNode) holder = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *credentials;
  const char *unknown = "AAAAAAAAAAAAAAAAAAAAAA";
  const char *id = NULL;
  gboolean pending = FALSE;

  credentials = list_credentials (&holder);
  for (guint i = 0; i < json_array_get_length (credentials); i++)
    {
      JsonObject *credential = json_array_get_object_element (credentials, i);

      if (g_str_equal (json_object_get_string_member (credential, "userName"), "dbus-presence"))
        id = json_object_get_string_member (credential, "id");
    }
  g_assert_nonnull (id);

  /* In "ask" mode: nothing answers the autofill but this method. */
  call_ok ("SetPromptResponse", g_variant_new ("(s)", "ask"));
  open_sample_app ("?autofill=off");
  result = call_json ("RunJavascript", g_variant_new ("(s)", SIGN_OUT "return true;"));
  call_fails ("ChooseAutofill", g_variant_new ("(s)", id), AUTOMATION_ERROR ("NotPending"));
  call_fails ("ChooseAutofill", g_variant_new ("(s)", "not base64url!"), INVALID_ARGS);
  call_fails ("ChooseAutofill", g_variant_new ("(s)", ""), INVALID_ARGS);

  /* The page starts its conditional request once loaded: an unknown
   * passkey is NotFound from then on, and leaves the request waiting. */
  open_sample_app ("");
  for (guint i = 0; i < 100 && !pending; i++)
    {
      g_autoptr(GVariant) reply = call ("ChooseAutofill", g_variant_new ("(s)", unknown), &error);
      g_autofree char *name = NULL;

      g_assert_null (reply);
      name = g_dbus_error_get_remote_error (error);
      pending = g_strcmp0 (name, AUTOMATION_ERROR ("NotFound")) == 0;
      if (!pending)
        g_assert_cmpstr (name, ==, AUTOMATION_ERROR ("NotPending"));
      g_clear_error (&error);
      if (!pending)
        g_usleep (50000);
    }
  g_assert_true (pending);

  call_ok ("ChooseAutofill", g_variant_new ("(s)", id));
  g_clear_pointer (&result, json_node_unref);
  result = call_json ("RunJavascript", g_variant_new ("(s)", AWAIT_OUTCOME));
  g_assert_cmpstr (json_node_get_string (result), ==, "signed-in");
  /* Answered: nothing is pending any more. */
  call_fails ("ChooseAutofill", g_variant_new ("(s)", id), AUTOMATION_ERROR ("NotPending"));
}

/* A key pair made here, as a test of one's own relying party would. */
static EVP_PKEY *
make_key (int alg)
{
  EVP_PKEY *key = alg == -8 ? EVP_PKEY_Q_keygen (NULL, NULL, "ED25519") : EVP_EC_gen ("P-256");

  g_assert_nonnull (key);
  return key;
}

static char *
pkcs8_base64url (EVP_PKEY *key)
{
  g_autoptr(PKCS8_PRIV_KEY_INFO) info = EVP_PKEY2PKCS8 (key);
  unsigned char *der = NULL;
  int len = i2d_PKCS8_PRIV_KEY_INFO (info, &der);
  char *text;

  g_assert_cmpint (len, >, 0);
  text = sesame_base64url_encode (der, len);
  OPENSSL_free (der);
  return text;
}

static char *
pkcs8_pem (EVP_PKEY *key)
{
  g_autoptr(BIO) bio = BIO_new (BIO_s_mem ());
  char *data;
  long len;

  g_assert_cmpint (PEM_write_bio_PKCS8PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL), ==, 1);
  len = BIO_get_mem_data (bio, &data);
  return g_strndup (data, len);
}

/* The Ed25519 public key as a COSE_Key (RFC 9053): {1: 1, 3: -8, -1: 6, -2: x}. */
static SesameCoseKey *
cose_ed25519 (EVP_PKEY *key)
{
  guint8 cbor[10 + 32] = { 0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20 };
  size_t len = 32;
  g_autoptr(GError) error = NULL;
  SesameCoseKey *cose;

  g_assert_cmpint (EVP_PKEY_get_raw_public_key (key, cbor + 10, &len), ==, 1);
  cose = sesame_cose_key_new_from_cbor (cbor, sizeof cbor, NULL, &error);
  g_assert_no_error (error);
  return cose;
}

static char *
random_base64url (gsize len)
{
  g_autofree guint8 *bytes = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    bytes[i] = g_random_int_range (0, 256);
  return sesame_base64url_encode (bytes, len);
}

/* AddCredential's JSON; NULL leaves a member out. */
static GVariant *
credential_json (const char *rp_id,
                 const char *id,
                 const char *handle,
                 const char *user_name,
                 const char *private_key,
                 gint64      sign_count)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  const char *names[] = { "rpId", "credentialId", "userHandle", "userName", "privateKey" };
  const char *values[] = { rp_id, id, handle, user_name, private_key };

  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (values[i])
      {
        json_builder_set_member_name (builder, names[i]);
        json_builder_add_string_value (builder, values[i]);
      }
  json_builder_set_member_name (builder, "displayName");
  json_builder_add_string_value (builder, "Imported User");
  json_builder_set_member_name (builder, "signCount");
  json_builder_add_int_value (builder, sign_count);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  return g_variant_new ("(s)", text);
}

static guint
count_credentials (void)
{
  g_autoptr(JsonNode) holder = NULL;

  return json_array_get_length (list_credentials (&holder));
}

/* The page's get() for one credential on localhost, as toJSON() gives it. */
static JsonNode *
get_assertion (const char *id,
               const char *challenge)
{
  g_autofree char *body = g_strdup_printf (
    "const b = s => Uint8Array.from (atob (s.replace (/-/g, '+').replace (/_/g, '/')),"
    "                                c => c.charCodeAt (0));"
    "const c = await navigator.credentials.get ({ publicKey: {"
    "  challenge: b ('%s'), rpId: 'localhost', userVerification: 'discouraged',"
    "  allowCredentials: [{ type: 'public-key', id: b ('%s') }] } });"
    "return c.toJSON ();", challenge, id);

  return call_json ("RunJavascript", g_variant_new ("(s)", body));
}

static guint8
flags_of (JsonNode *credential)
{
  JsonObject *response = json_object_get_object_member (json_node_get_object (credential),
                                                        "response");
  g_autoptr(GBytes) data =
    sesame_base64url_decode (json_object_get_string_member (response, "authenticatorData"), NULL);

  g_assert_nonnull (data);
  g_assert_cmpuint (g_bytes_get_size (data), >=, 37);
  return ((const guint8 *) g_bytes_get_data (data, NULL))[32];
}

static void
test_add_credential (void)
{
  g_autoptr(EVP_PKEY) key = make_key (-8);
  g_autoptr(EVP_PKEY) p256 = make_key (-7);
  g_autoptr(EVP_PKEY) p384 = EVP_EC_gen ("P-384");
  g_autofree char *der = pkcs8_base64url (key);
  g_autofree char *pem = pkcs8_pem (p256);
  g_autofree char *p384_der = pkcs8_base64url (p384);
  g_autofree char *id = random_base64url (16);
  g_autofree char *pem_id = random_base64url (32);
  g_autofree char *handle = random_base64url (16);
  g_autofree char *long_handle = random_base64url (65);
  g_autofree char *broken_key = g_strndup (der, strlen (der) - 4);
  g_autoptr(JsonNode) holder = NULL;
  JsonArray *credentials;
  JsonObject *credential;
  guint before;

  call_ok ("RemoveAllCredentials", NULL);
  before = count_credentials ();

  /* Bad input of each kind: InvalidArgs, and nothing stored. */
  call_fails ("AddCredential", g_variant_new ("(s)", "{"), INVALID_ARGS);
  call_fails ("AddCredential", g_variant_new ("(s)", "[]"), INVALID_ARGS);
  call_fails ("AddCredential", g_variant_new ("(s)", "{\"rpID\": \"localhost\"}"), INVALID_ARGS);
  call_fails ("AddCredential", credential_json (NULL, id, handle, "imported", der, 0),
              INVALID_ARGS);
  call_fails ("AddCredential", credential_json ("localhost", "not base64url!", handle, "imported",
                                                der, 0), INVALID_ARGS);
  call_fails ("AddCredential", credential_json ("localhost", id, long_handle, "imported", der, 0),
              INVALID_ARGS);
  call_fails ("AddCredential", credential_json ("localhost", id, handle, NULL, der, 0),
              INVALID_ARGS);
  call_fails ("AddCredential", credential_json ("localhost", id, handle, "imported", NULL, 0),
              INVALID_ARGS);
  call_fails ("AddCredential", credential_json ("localhost", id, handle, "imported", broken_key, 0),
              INVALID_ARGS);
  call_fails ("AddCredential", credential_json ("localhost", id, handle, "imported", p384_der, 0),
              INVALID_ARGS);
  call_fails ("AddCredential", credential_json ("localhost", id, handle, "imported",
                                                "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n"
                                                "-----END RSA PRIVATE KEY-----\n", 0),
              INVALID_ARGS);
  call_fails ("AddCredential", credential_json ("localhost", id, handle, "imported", der, -1),
              INVALID_ARGS);
  call_fails ("AddCredential", credential_json ("localhost", id, handle, "imported", der,
                                                G_GINT64_CONSTANT (4294967296)), INVALID_ARGS);
  call_fails ("AddCredential", g_variant_new ("(i)", 1), INVALID_ARGS);
  g_assert_cmpuint (count_credentials (), ==, before);

  /* An Ed25519 key as base64url DER, with its sign count. */
  call_ok ("AddCredential", credential_json ("localhost", id, handle, "imported", der, 41));
  credentials = list_credentials (&holder);
  g_assert_cmpuint (json_array_get_length (credentials), ==, before + 1);
  credential = json_array_get_object_element (credentials, 0);
  g_assert_cmpstr (json_object_get_string_member (credential, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (credential, "rpId"), ==, "localhost");
  g_assert_cmpstr (json_object_get_string_member (credential, "userName"), ==, "imported");
  g_assert_cmpstr (json_object_get_string_member (credential, "userDisplayName"), ==,
                   "Imported User");
  g_assert_cmpstr (json_object_get_string_member (credential, "userHandle"), ==, handle);
  g_assert_cmpint (json_object_get_int_member (credential, "signCount"), ==, 41);

  /* The same id again, for another account: refused, nothing changed. */
  call_fails ("AddCredential", credential_json ("example.com", id, pem_id, "other", der, 0),
              INVALID_ARGS);
  g_assert_cmpuint (count_credentials (), ==, before + 1);

  /* A P-256 key in PEM, for another RP. */
  call_ok ("AddCredential", credential_json ("example.com", pem_id, handle, "pem-user", pem, 0));
  g_assert_cmpuint (count_credentials (), ==, before + 2);
  call_ok ("RemoveCredential", g_variant_new ("(s)", pem_id));
}

/* The imported passkey signs a real get() on the page; the core verifies
 * it against the public key made here, and the flags follow
 * SetUserVerified and SetUserPresence. */
static void
test_imported_sign_in (void)
{
  g_autoptr(EVP_PKEY) key = make_key (-8);
  g_autoptr(SesameCoseKey) public_key = cose_ed25519 (key);
  g_autofree char *der = pkcs8_base64url (key);
  g_autofree char *id = random_base64url (20);
  g_autofree char *handle = random_base64url (8);
  g_autofree char *origin = NULL;
  g_autoptr(GBytes) raw_id = NULL;
  g_autoptr(GError) error = NULL;
  const char *origins[2] = { NULL, NULL };
  const char *rp_ids[] = { "localhost", NULL };
  guint8 challenge_bytes[32];
  g_autofree char *challenge = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(SesameCredentialJson) parsed = NULL;
  g_autoptr(SesameAssertion) assertion = NULL;
  SesameStoredCredential stored = { 0 };
  SesameVerifyOptions options;

  for (guint i = 0; i < sizeof challenge_bytes; i++)
    challenge_bytes[i] = g_random_int_range (0, 256);
  challenge = sesame_base64url_encode (challenge_bytes, sizeof challenge_bytes);

  call_ok ("AddCredential", credential_json ("localhost", id, handle, "imported-signer", der, 41));
  call_ok ("SetPromptResponse", g_variant_new ("(s)", "accept"));
  open_sample_app ("?autofill=off");
  {
    g_autoptr(JsonNode) location = call_json ("RunJavascript",
                                              g_variant_new ("(s)", "return location.origin"));
    origin = g_strdup (json_node_get_string (location));
  }
  origins[0] = origin;

  call_ok ("SetUserVerified", g_variant_new ("(b)", TRUE));
  answer = get_assertion (id, challenge);
  parsed = sesame_credential_json_parse (answer, FALSE, &error);
  g_assert_no_error (error);

  raw_id = sesame_base64url_decode (id, NULL);
  stored.credential_id = raw_id;
  stored.public_key = public_key;
  stored.sign_count = 41;
  sesame_verify_options_init (&options);
  options.challenge = g_bytes_new (challenge_bytes, sizeof challenge_bytes);
  options.origins = origins;
  options.rp_ids = rp_ids;
  options.require_user_verification = TRUE;
  assertion = sesame_verify_authentication_json (&options, &stored, parsed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (assertion->sign_count, ==, 42);
  g_assert_true (assertion->user_verified);
  g_assert_cmpstr (parsed->id, ==, id);

  /* No UV claimed: the same check requiring it refuses. */
  call_ok ("SetUserVerified", g_variant_new ("(b)", FALSE));
  g_clear_pointer (&answer, json_node_unref);
  g_clear_pointer (&parsed, sesame_credential_json_free);
  g_clear_pointer (&assertion, sesame_assertion_free);
  answer = get_assertion (id, challenge);
  g_assert_cmpuint (flags_of (answer) & 0x05, ==, 0x01);
  parsed = sesame_credential_json_parse (answer, FALSE, &error);
  g_assert_no_error (error);
  stored.sign_count = 42;
  assertion = sesame_verify_authentication_json (&options, &stored, parsed, &error);
  g_assert_null (assertion);
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* No UP either. */
  call_ok ("SetUserPresence", g_variant_new ("(b)", FALSE));
  g_clear_pointer (&answer, json_node_unref);
  answer = get_assertion (id, challenge);
  g_assert_cmpuint (flags_of (answer) & 0x05, ==, 0x00);
  call_ok ("SetUserPresence", g_variant_new ("(b)", TRUE));
  call_ok ("SetUserVerified", g_variant_new ("(b)", TRUE));
  g_clear_pointer (&answer, json_node_unref);
  answer = get_assertion (id, challenge);
  g_assert_cmpuint (flags_of (answer) & 0x05, ==, 0x05);
  call_fails ("SetUserVerified", g_variant_new ("(s)", "yes"), INVALID_ARGS);

  g_bytes_unref (options.challenge);
  call_ok ("RemoveCredential", g_variant_new ("(s)", id));
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
  g_test_add_func ("/sesame/app/automation/user-presence-and-events",
                   test_user_presence_and_events);
  g_test_add_func ("/sesame/app/automation/choose-autofill", test_choose_autofill);
  g_test_add_func ("/sesame/app/automation/add-credential", test_add_credential);
  g_test_add_func ("/sesame/app/automation/imported-sign-in", test_imported_sign_in);
  g_test_add_func ("/sesame/app/automation/quit", test_stop);

  status = g_test_run ();
  app_test_remove_tmp_dir ();
  return status;
}
