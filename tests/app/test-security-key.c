/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The sample app with a security key, in the real window: the virtual
 * key is plugged in through the automation interface on the session bus
 * (a real D-Bus call to this process), the prompt finds it through the
 * same device listing as USB keys, and the ceremonies run through
 * libfido2, for a tenant that requires user verification. Sign-up in the
 * prompt with a wrong PIN first, sign-in with the prompts accepted by the
 * automation, an excluded credential, the touched one of two keys used,
 * cancel and the key pulled out while
 * it waits for its touch, a fresh key without a passkey for the site, a
 * key without a PIN that gets its first one from the prompt, and the
 * Settings group. */

#include "config.h"

#include "app-test-util.h"
#include "sesame-authenticator-data.h"
#include "sesame-automation.h"
#include "sesame-passkey-prompt.h"
#include "sesame-security-key.h"

#include <string.h>

#define USERNAME "hedy"
#define SECOND_USERNAME "grace"
#define KEY_PIN  "2468"

/* D-Bus calls to ourselves: the reply comes while the main loop spins. */

typedef struct
{
  gboolean  done;
  GVariant *reply;
  GError   *error;
} Call;

static void
call_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Call *call = user_data;

  call->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &call->error);
  call->done = TRUE;
}

static gboolean
call_done (gpointer data)
{
  return ((Call *) data)->done;
}

static gboolean
automation_call (const char  *method,
                 GVariant    *parameters,
                 GError     **error)
{
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (app_test_get_application ()));
  Call call = { 0 };

  g_assert_nonnull (bus);
  g_dbus_connection_call (bus, APP_ID, SESAME_AUTOMATION_OBJECT_PATH, SESAME_AUTOMATION_INTERFACE,
                          method, parameters, NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL,
                          call_done_cb, &call);
  g_assert_true (app_test_wait_for (call_done, &call, 15000));
  g_clear_pointer (&call.reply, g_variant_unref);
  if (call.error)
    {
      g_propagate_error (error, call.error);
      return FALSE;
    }
  return TRUE;
}

static SesameVirtualKey *
virtual_key (void)
{
  return sesame_application_get_virtual_key (app_test_get_application ());
}

static char *
page_status (void)
{
  return app_test_run_js ("return document.getElementById('status').textContent", NULL);
}

static void
assert_signed_in (void)
{
  if (!app_test_wait_for_js ("!document.getElementById('account').hidden", 15000))
    {
      g_autofree char *status = page_status ();

      g_error ("not signed in; the page says %s", status);
    }
}

static void
sign_out (void)
{
  g_autofree char *result = app_test_run_js ("document.getElementById('signout-button').click();"
                                             "return true", NULL);

  g_assert_true (app_test_wait_for_js ("!document.getElementById('signed-out').hidden", 10000));
}

static void
open_sample_app (void)
{
  SesameServer *server = sesame_application_get_server (app_test_get_application ());
  g_autofree char *uri = g_strconcat (sesame_server_get_app_url (server), "?autofill=off", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (app_test_open (uri, &error));
  g_assert_no_error (error);
  g_assert_true (app_test_wait_for_js (SAMPLE_APP_READY, 10000));
}

static SesamePasskeyPrompt *
find_prompt (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (SESAME_IS_PASSKEY_PROMPT (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return SESAME_PASSKEY_PROMPT (window);
    }
  return NULL;
}

static gboolean
prompt_offers_key (gpointer data)
{
  SesamePasskeyPrompt *prompt = find_prompt ();

  return prompt && sesame_passkey_prompt_has_security_key (prompt);
}

static gboolean
prompt_at_step (gpointer data)
{
  SesamePasskeyPrompt *prompt = find_prompt ();

  return prompt && (int) sesame_passkey_prompt_get_step (prompt) == GPOINTER_TO_INT (data) &&
         !sesame_credential_request_is_key_busy (sesame_passkey_prompt_get_request (prompt));
}

/* @data: a key, or NULL for the application's */
static gboolean
key_waits_for_touch (gpointer data)
{
  return sesame_virtual_key_is_waiting_for_touch (data ? data : virtual_key ());
}

/* @data: a key, or NULL for the application's */
static gboolean
key_idle (gpointer data)
{
  return !sesame_virtual_key_is_waiting_for_touch (data ? data : virtual_key ());
}

/* A prompt with the security key chosen. */
static SesamePasskeyPrompt *
prompt_with_key (void)
{
  SesamePasskeyPrompt *prompt;

  if (!app_test_wait_for (prompt_offers_key, NULL, 15000))
    {
      g_autofree char *status = page_status ();

      g_error ("no prompt offering the security key; the page says %s", status);
    }
  prompt = find_prompt ();
  g_assert_true (sesame_passkey_prompt_choose_security_key (prompt, TRUE));
  return prompt;
}

/* Clicks "Sign in", chooses the key in the prompt and types its PIN;
 * with @wait_for_touch the key is left waiting for its touch. Returns the
 * prompt; *request gets its request. */
static SesamePasskeyPrompt *
sign_in_with_key (SesameCredentialRequest **request,
                  gboolean                  wait_for_touch)
{
  g_autofree char *result = NULL;
  SesamePasskeyPrompt *prompt;

  open_sample_app ();
  result = app_test_run_js ("document.getElementById('signin-button').click(); return true", NULL);
  prompt = prompt_with_key ();
  *request = g_object_ref (sesame_passkey_prompt_get_request (prompt));
  sesame_virtual_key_set_touch_delay (virtual_key (), wait_for_touch ? -1 : 0);
  g_assert_false (sesame_passkey_prompt_accept (prompt));
  g_assert_true (app_test_wait_for (prompt_at_step, GINT_TO_POINTER (SESAME_PASSKEY_PROMPT_STEP_KEY_PIN),
                                    10000));
  g_assert_true (sesame_passkey_prompt_set_pin (prompt, KEY_PIN));
  g_assert_false (sesame_passkey_prompt_accept (prompt));
  if (wait_for_touch)
    g_assert_true (app_test_wait_for (key_waits_for_touch, NULL, 10000));
  return prompt;
}

static void
test_plug (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  gboolean listed = FALSE;

  g_assert_null (virtual_key ());
  g_assert_true (automation_call ("PlugVirtualSecurityKey", g_variant_new ("(s)", KEY_PIN), &error));
  g_assert_no_error (error);
  g_assert_nonnull (virtual_key ());
  g_assert_true (sesame_virtual_key_has_pin (virtual_key ()));

  /* The listing that finds USB keys finds it. */
  keys = sesame_security_key_list ();
  for (guint i = 0; i < keys->len; i++)
    {
      SesameSecurityKeyInfo *info = keys->pdata[i];

      if (g_str_equal (info->path, sesame_application_get_virtual_key_path (app_test_get_application ())))
        {
          g_assert_cmpstr (info->product, ==, SESAME_VIRTUAL_KEY_PRODUCT_NAME);
          listed = TRUE;
        }
    }
  g_assert_true (listed);

  /* A PIN the key refuses is a bad argument, and changes nothing. */
  {
    SesameVirtualKey *before = virtual_key ();

    g_assert_false (automation_call ("PlugVirtualSecurityKey", g_variant_new ("(s)", "12"), &error));
    g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
    g_assert_true (virtual_key () == before);
  }
}

static void
test_sign_up (void)
{
  SesameApplication *app = app_test_get_application ();
  SesameServer *server = sesame_application_get_server (app);
  SesameStore *store = sesame_server_get_store (server);
  g_autoptr(SesameCredentialRequest) request = NULL;
  g_autoptr(GPtrArray) on_key = NULL;
  g_autoptr(GPtrArray) built_in = NULL;
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GPtrArray) passkeys = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *result = NULL;
  g_autofree char *aaguid = NULL;
  SesamePasskeyPrompt *prompt;
  JsonObject *credential;
  JsonArray *transports;
  const char *problem;

  sesame_window_set_prompt_response (app_test_get_window (), SESAME_PROMPT_RESPONSE_ASK, NULL);
  open_sample_app ();
  result = app_test_run_js ("document.getElementById('signup-username').value = '" USERNAME "';"
                            "document.getElementById('signup-button').click(); return true",
                            &error);
  g_assert_no_error (error);

  prompt = prompt_with_key ();
  request = g_object_ref (sesame_passkey_prompt_get_request (prompt));

  /* The key has a PIN: the prompt asks for it, with the attempts left. */
  sesame_virtual_key_set_touch_delay (virtual_key (), -1);
  g_assert_false (sesame_passkey_prompt_accept (prompt));
  g_assert_true (app_test_wait_for (prompt_at_step, GINT_TO_POINTER (SESAME_PASSKEY_PROMPT_STEP_KEY_PIN),
                                    10000));
  problem = sesame_passkey_prompt_get_problem (prompt);
  g_test_message ("first: %s", problem);
  g_assert_nonnull (strstr (problem, "8 attempts left"));

  /* A wrong PIN says so and lets the user try again. */
  g_assert_true (sesame_passkey_prompt_set_pin (prompt, "9999"));
  g_assert_false (sesame_passkey_prompt_accept (prompt));
  g_assert_true (app_test_wait_for (prompt_at_step, GINT_TO_POINTER (SESAME_PASSKEY_PROMPT_STEP_KEY_PIN),
                                    10000));
  problem = sesame_passkey_prompt_get_problem (prompt);
  g_test_message ("wrong PIN: %s", problem);
  g_assert_nonnull (strstr (problem, "Wrong PIN"));
  g_assert_nonnull (strstr (problem, "7 attempts left"));
  g_assert_cmpint (sesame_virtual_key_get_pin_retries (virtual_key ()), ==, 7);

  /* The right one: the prompt asks for the touch, the key waits for it. */
  g_assert_true (sesame_passkey_prompt_set_pin (prompt, KEY_PIN));
  g_assert_false (sesame_passkey_prompt_accept (prompt));
  g_assert_true (app_test_wait_for (key_waits_for_touch, NULL, 10000));
  g_assert_cmpint (sesame_passkey_prompt_get_step (prompt), ==, SESAME_PASSKEY_PROMPT_STEP_TOUCH);
  g_assert_cmpstr (sesame_passkey_prompt_get_status (prompt), ==, "Touch your security key");
  sesame_virtual_key_touch (virtual_key ());
  assert_signed_in ();

  /* The page got a cross-platform USB credential… */
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==,
                   SESAME_CREDENTIAL_REQUEST_SUCCEEDED);
  credential = json_node_get_object (sesame_credential_request_get_credential (request));
  g_assert_cmpstr (json_object_get_string_member (credential, "authenticatorAttachment"), ==,
                   "cross-platform");
  transports = json_object_get_array_member (json_object_get_object_member (credential, "response"),
                                             "transports");
  g_assert_cmpuint (json_array_get_length (transports), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (transports, 0), ==, "usb");

  /* …made on the key, not in the built-in store… */
  on_key = sesame_virtual_key_list_credentials (virtual_key (), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (on_key->len, ==, 1);
  built_in = sesame_soft_authenticator_list_credentials (sesame_application_get_authenticator (app),
                                                         NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (built_in->len, ==, 0);

  /* …and the tenant's passkey carries the key's AAGUID. */
  aaguid = sesame_aaguid_to_string (sesame_virtual_key_get_aaguid (virtual_key ()));
  users = sesame_store_list_users (store, sesame_server_get_tenant_id (server), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (users->len, ==, 1);
  passkeys = sesame_store_list_passkeys (store, ((SesameUser *) users->pdata[0])->tenant_id,
                                         ((SesameUser *) users->pdata[0])->user_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (passkeys->len, ==, 1);
  g_assert_cmpstr (((SesamePasskey *) passkeys->pdata[0])->aaguid, ==, aaguid);
  g_assert_true (g_strv_contains ((const char * const *) ((SesamePasskey *) passkeys->pdata[0])->transports,
                                  "usb"));
}

static void
test_sign_in_accepted (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) on_key = NULL;
  g_autofree char *result = NULL;
  gint64 start;

  sign_out ();
  sesame_virtual_key_set_touch_delay (virtual_key (), 0);
  g_assert_true (automation_call ("SetPromptResponse", g_variant_new ("(s)", "accept"), &error));
  g_assert_no_error (error);

  /* The built-in store is empty: only the key can sign in. */
  open_sample_app ();
  start = g_get_monotonic_time ();
  result = app_test_run_js ("document.getElementById('signin-button').click(); return true", NULL);
  assert_signed_in ();
  g_test_message ("sign-in with the virtual key, prompt accepted: %.0f ms (click to signed-in page)",
                  (g_get_monotonic_time () - start) / 1000.0);
  g_clear_pointer (&result, g_free);
  result = app_test_run_js ("return document.getElementById('account-username').textContent", NULL);
  g_assert_cmpstr (result, ==, "\"" USERNAME "\"");
  on_key = sesame_virtual_key_list_credentials (virtual_key (), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (((SesameSoftCredential *) on_key->pdata[0])->sign_count, >, 0);

  /* The same key again for the same account: the exclude list. */
  g_clear_pointer (&result, g_free);
  result = app_test_run_js ("document.getElementById('add-passkey-button').click(); return true",
                            NULL);
  g_assert_true (app_test_wait_for_js ("document.getElementById('status').dataset.kind === 'error'",
                                       15000));
  g_clear_pointer (&on_key, g_ptr_array_unref);
  on_key = sesame_virtual_key_list_credentials (virtual_key (), &error);
  g_assert_cmpuint (on_key->len, ==, 1);

  g_assert_true (automation_call ("SetPromptResponse", g_variant_new ("(s)", "ask"), &error));
  g_assert_no_error (error);
}

/* Two keys: the prompt asks for a touch, and the key touched is used. */
static void
test_touched_key_wins (void)
{
  g_autoptr(SesameVirtualKey) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *other_path = NULL;
  g_autofree char *result = NULL;
  SesamePasskeyPrompt *prompt;

  sign_out ();
  g_assert_true (automation_call ("SetPromptResponse", g_variant_new ("(s)", "ask"), &error));
  g_assert_no_error (error);
  other = sesame_virtual_key_new (NULL, &error);
  g_assert_no_error (error);
  sesame_virtual_key_set_touch_delay (other, -1);
  other_path = sesame_security_key_plug_virtual (other);
  sesame_virtual_key_set_touch_delay (virtual_key (), -1);

  open_sample_app ();
  result = app_test_run_js ("document.getElementById('signin-button').click(); return true", NULL);
  prompt = prompt_with_key ();
  g_assert_false (sesame_passkey_prompt_accept (prompt));
  g_assert_cmpint (sesame_passkey_prompt_get_step (prompt), ==, SESAME_PASSKEY_PROMPT_STEP_TOUCH);
  g_assert_cmpstr (sesame_passkey_prompt_get_status (prompt), ==,
                   "Touch the security key you want to use");
  g_assert_true (app_test_wait_for (key_waits_for_touch, NULL, 10000));
  g_assert_true (app_test_wait_for (key_waits_for_touch, other, 10000));

  /* The app's key (which holds the passkey) is touched: the other one
   * stops waiting, and the ceremony goes on with the touched one. */
  sesame_virtual_key_touch (virtual_key ());
  g_assert_true (app_test_wait_for (prompt_at_step, GINT_TO_POINTER (SESAME_PASSKEY_PROMPT_STEP_KEY_PIN),
                                    10000));
  /* Its cancel travels through its own device thread: soon, not at once. */
  g_assert_true (app_test_wait_for (key_idle, other, 5000));
  g_assert_true (sesame_passkey_prompt_set_pin (prompt, KEY_PIN));
  sesame_virtual_key_set_touch_delay (virtual_key (), 0);
  g_assert_false (sesame_passkey_prompt_accept (prompt));
  assert_signed_in ();

  sesame_security_key_unplug_virtual (other);
}

static gboolean
prompt_gone (gpointer data)
{
  return find_prompt () == NULL;
}

static void
test_cancel_while_waiting (void)
{
  g_autoptr(SesameCredentialRequest) request = NULL;
  SesamePasskeyPrompt *prompt;

  sign_out ();
  prompt = sign_in_with_key (&request, TRUE);

  /* Cancel: the page is refused and the key stops waiting. */
  sesame_passkey_prompt_cancel (prompt);
  g_assert_true (app_test_wait_for (prompt_gone, NULL, 5000));
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==,
                   SESAME_CREDENTIAL_REQUEST_CANCELLED);
  g_assert_true (app_test_wait_for (key_idle, NULL, 5000));
  g_assert_true (app_test_wait_for_js ("document.getElementById('status').dataset.kind === 'error'",
                                       10000));
  g_assert_cmpint (sesame_virtual_key_get_pin_retries (virtual_key ()), ==, 8);
}

static void
test_removed_while_waiting (void)
{
  g_autoptr(SesameCredentialRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  SesamePasskeyPrompt *prompt = sign_in_with_key (&request, TRUE);

  /* Pulled out: the prompt says so and stays, the request still pending. */
  g_assert_true (automation_call ("UnplugVirtualSecurityKey", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (app_test_wait_for (prompt_at_step, GINT_TO_POINTER (SESAME_PASSKEY_PROMPT_STEP_CHOOSE),
                                    10000));
  g_assert_true (find_prompt () == prompt);
  g_assert_cmpstr (sesame_passkey_prompt_get_problem (prompt), ==,
                   "The security key was removed. Plug it in again, or choose another authenticator.");
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==,
                   SESAME_CREDENTIAL_REQUEST_PENDING);
  sesame_passkey_prompt_cancel (prompt);
  g_assert_true (app_test_wait_for (prompt_gone, NULL, 5000));
  g_assert_true (app_test_wait_for_js ("document.getElementById('status').dataset.kind === 'error'",
                                       10000));
}

static void
failed_cb (SesamePasskeyPrompt  *prompt,
           const GError         *error,
           char                **message)
{
  g_free (*message);
  *message = g_strdup (error->message);
}

static void
test_no_passkey_on_key (void)
{
  g_autoptr(SesameCredentialRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  SesamePasskeyPrompt *prompt;

  /* Another key, empty like any new one. */
  g_assert_true (automation_call ("PlugVirtualSecurityKey", g_variant_new ("(s)", KEY_PIN), &error));
  g_assert_no_error (error);
  g_assert_true (app_test_wait_for (prompt_gone, NULL, 5000));
  prompt = sign_in_with_key (&request, FALSE);
  g_signal_connect (prompt, "failed", G_CALLBACK (failed_cb), &message);

  /* The key says it holds nothing for the site; the window is told in
   * the user's words, the page gets NotAllowedError. */
  g_assert_true (app_test_wait_for (prompt_gone, NULL, 10000));
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==,
                   SESAME_CREDENTIAL_REQUEST_FAILED);
  g_assert_cmpstr (message, ==, "There is no passkey for this site on this security key.");
  g_assert_true (app_test_wait_for_js ("document.getElementById('status').dataset.kind === 'error'",
                                       10000));
}

static void
test_first_pin (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) on_key = NULL;
  g_autofree char *result = NULL;
  SesamePasskeyPrompt *prompt;

  /* A key without a PIN cannot verify the user this tenant requires. */
  g_assert_true (automation_call ("PlugVirtualSecurityKey", g_variant_new ("(s)", ""), &error));
  g_assert_no_error (error);
  g_assert_false (sesame_virtual_key_has_pin (virtual_key ()));
  open_sample_app ();
  result = app_test_run_js ("document.getElementById('signup-username').value = '" SECOND_USERNAME "';"
                            "document.getElementById('signup-button').click(); return true",
                            &error);
  g_assert_no_error (error);
  prompt = prompt_with_key ();
  g_assert_false (sesame_passkey_prompt_accept (prompt));
  g_assert_true (app_test_wait_for (prompt_at_step, GINT_TO_POINTER (SESAME_PASSKEY_PROMPT_STEP_NEW_PIN),
                                    10000));
  g_assert_cmpstr (sesame_passkey_prompt_get_problem (prompt), ==,
                   "This site requires a PIN, and your security key has none yet. Choose one to "
                   "set on the key.");

  /* Too short: refused before the key hears of it. */
  g_assert_true (sesame_passkey_prompt_set_pin (prompt, "12"));
  g_assert_false (sesame_passkey_prompt_accept (prompt));
  g_assert_cmpstr (sesame_passkey_prompt_get_problem (prompt), ==, "A PIN has 4 to 63 characters.");
  g_assert_false (sesame_virtual_key_has_pin (virtual_key ()));

  /* A good one is set on the key, and the ceremony goes on with it. */
  g_assert_true (sesame_passkey_prompt_set_pin (prompt, KEY_PIN));
  g_assert_false (sesame_passkey_prompt_accept (prompt));
  assert_signed_in ();
  g_assert_true (sesame_virtual_key_has_pin (virtual_key ()));
  on_key = sesame_virtual_key_list_credentials (virtual_key (), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (on_key->len, ==, 1);
  g_assert_cmpstr (((SesameSoftCredential *) on_key->pdata[0])->user_name, ==, SECOND_USERNAME);
}

/* Settings › Authenticators › Security keys */

static GtkWidget *
settings_view (void)
{
  GtkWidget *view = app_test_find_widget (GTK_WIDGET (app_test_get_window ()),
                                          SESAME_TYPE_SETTINGS_VIEW, NULL, NULL);

  g_assert_nonnull (view);
  return view;
}

/* A detail of the virtual key's row. */
static GtkWidget *
key_detail (const char *title)
{
  GtkWidget *key_row = app_test_find_row (settings_view (), SESAME_VIRTUAL_KEY_PRODUCT_NAME);

  return key_row ? app_test_find_row (key_row, title) : NULL;
}

static gboolean
row_subtitle_is (gpointer data)
{
  const char * const *wanted = data;
  GtkWidget *row = key_detail (wanted[0]);

  return row && ADW_IS_ACTION_ROW (row) &&
         g_strcmp0 (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), wanted[1]) == 0;
}

static gboolean
key_row_shown (gpointer data)
{
  GtkWidget *row = app_test_find_row (settings_view (), SESAME_VIRTUAL_KEY_PRODUCT_NAME);

  return (row != NULL) == GPOINTER_TO_INT (data);
}

static void
test_settings_group (void)
{
  AdwViewStack *stack = ADW_VIEW_STACK (app_test_find_widget (GTK_WIDGET (app_test_get_window ()),
                                                              ADW_TYPE_VIEW_STACK, NULL, NULL));
  g_autoptr(GError) error = NULL;
  g_autofree char *aaguid = sesame_aaguid_to_string (sesame_virtual_key_get_aaguid (virtual_key ()));
  g_autofree char *aaguid_text = g_strdup_printf ("%s (%s)", aaguid, SESAME_VIRTUAL_KEY_PRODUCT_NAME);
  const char *aaguid_row[] = { "AAGUID", aaguid_text };
  const char *pin_row[] = { "PIN", "Set, 8 attempts left" };
  GtkWidget *options;
  GtkWidget *switch_widget;
  GtkWidget *pin_entry;
  const char *text;

  adw_view_stack_set_visible_child_name (stack, "settings");
  sesame_settings_view_show_page (SESAME_SETTINGS_VIEW (settings_view ()), "authenticator");

  /* The plugged key, with what its GetInfo says. */
  g_assert_true (app_test_wait_for (key_row_shown, GINT_TO_POINTER (TRUE), 5000));
  g_assert_true (app_test_wait_for (row_subtitle_is, aaguid_row, 5000));
  g_assert_true (app_test_wait_for (row_subtitle_is, pin_row, 5000));
  options = key_detail ("Options");
  text = adw_action_row_get_subtitle (ADW_ACTION_ROW (options));
  g_test_message ("options: %s", text);
  g_assert_nonnull (strstr (text, "rk: yes"));
  g_assert_nonnull (strstr (text, "clientPin: yes"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (key_detail ("Versions"))),
                            "FIDO_2_"));

  /* Pulled out through the automation: the row goes. */
  g_assert_true (automation_call ("UnplugVirtualSecurityKey", NULL, &error));
  g_assert_no_error (error);
  g_assert_null (virtual_key ());
  g_assert_true (app_test_wait_for (key_row_shown, GINT_TO_POINTER (FALSE), 5000));
  g_assert_false (automation_call ("UnplugVirtualSecurityKey", NULL, &error));
  g_assert_error (error, SESAME_AUTOMATION_ERROR, SESAME_AUTOMATION_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The switch plugs one in, with the PIN typed below it; a PIN the key
   * refuses plugs nothing in and leaves the switch off. */
  switch_widget = app_test_find_widget (app_test_find_row (settings_view (), "Virtual security key"),
                                        GTK_TYPE_SWITCH, NULL, NULL);
  pin_entry = app_test_find_row (settings_view (),
                                 "PIN for the virtual key (optional, set when plugged in)");
  g_assert_nonnull (switch_widget);
  g_assert_nonnull (pin_entry);
  gtk_editable_set_text (GTK_EDITABLE (pin_entry), "12");
  gtk_switch_set_active (GTK_SWITCH (switch_widget), TRUE);
  g_assert_null (virtual_key ());
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (switch_widget)));
  gtk_editable_set_text (GTK_EDITABLE (pin_entry), "8642");
  gtk_switch_set_active (GTK_SWITCH (switch_widget), TRUE);
  g_assert_nonnull (virtual_key ());
  g_assert_true (sesame_virtual_key_has_pin (virtual_key ()));
  g_assert_true (app_test_wait_for (key_row_shown, GINT_TO_POINTER (TRUE), 5000));
  gtk_switch_set_active (GTK_SWITCH (switch_widget), FALSE);
  g_assert_null (virtual_key ());
  g_assert_true (app_test_wait_for (key_row_shown, GINT_TO_POINTER (FALSE), 5000));
  adw_view_stack_set_visible_child_name (stack, "demo");
}

int
main (int    argc,
      char **argv)
{
  const char *extra[] = { "--automation", "--user-verification", "required", NULL };

  app_test_init (&argc, &argv);
  g_test_add_func ("/sesame/app/security-key/plug", test_plug);
  g_test_add_func ("/sesame/app/security-key/sign-up-with-pin", test_sign_up);
  g_test_add_func ("/sesame/app/security-key/sign-in-accepted", test_sign_in_accepted);
  g_test_add_func ("/sesame/app/security-key/touched-key-wins", test_touched_key_wins);
  g_test_add_func ("/sesame/app/security-key/cancel-while-waiting", test_cancel_while_waiting);
  g_test_add_func ("/sesame/app/security-key/removed-while-waiting", test_removed_while_waiting);
  g_test_add_func ("/sesame/app/security-key/no-passkey-on-key", test_no_passkey_on_key);
  g_test_add_func ("/sesame/app/security-key/first-pin", test_first_pin);
  g_test_add_func ("/sesame/app/security-key/settings-group", test_settings_group);
  return app_test_run (extra);
}
