/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The sample app's journeys in the embedded view with the built-in
 * authenticator: sign-up (through the prompt), sign-in with the button,
 * sign-in through the autofill popover, a second passkey, signing out.
 * The prompt and the popover are answered through the widgets themselves. */

#include "config.h"

#include "app-test-util.h"
#include "sesame-autofill-popover.h"
#include "sesame-passkey-prompt.h"

#include <stdlib.h>
#include <string.h>

#define USERNAME "ada"

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
open_sample_app (const char *query)
{
  SesameServer *server = sesame_application_get_server (app_test_get_application ());
  g_autofree char *uri = g_strconcat (sesame_server_get_app_url (server), query, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (app_test_open (uri, &error));
  g_assert_no_error (error);
  /* app.js has set itself up once it shows one of its two states. */
  g_assert_true (app_test_wait_for_js (SAMPLE_APP_READY, 10000));
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

static void
test_sign_up (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *result = NULL;
  SesamePasskeyPrompt *prompt;
  SesameCredentialRequest *request;

  sesame_window_set_prompt_response (app_test_get_window (), SESAME_PROMPT_RESPONSE_ASK, NULL);
  open_sample_app ("?autofill=off");
  result = app_test_run_js ("document.getElementById('signup-username').value = '" USERNAME "';"
                            "document.getElementById('signup-display-name').value = 'Ada L.';"
                            "document.getElementById('signup-button').click(); return true",
                            &error);
  g_assert_no_error (error);

  /* The prompt asks about this account on this RP; Continue answers it. */
  if (!app_test_wait_for (prompt_shown, NULL, 15000))
    {
      g_autofree char *status = page_status ();

      g_error ("no prompt; the page says %s", status);
    }
  prompt = find_prompt ();
  request = sesame_passkey_prompt_get_request (prompt);
  g_assert_cmpint (sesame_credential_request_get_kind (request), ==,
                   SESAME_CREDENTIAL_REQUEST_CREATE);
  g_assert_cmpstr (sesame_credential_request_get_user_name (request), ==, USERNAME);
  g_assert_cmpstr (sesame_credential_request_get_rp_id (request), ==, "localhost");
  g_assert_true (sesame_passkey_prompt_accept (prompt));

  assert_signed_in ();
}

static void
sign_out (void)
{
  g_autofree char *result = app_test_run_js ("document.getElementById('signout-button').click();"
                                             "return true", NULL);

  g_assert_true (app_test_wait_for_js ("!document.getElementById('signed-out').hidden", 10000));
}

static void
test_sign_out_and_in (void)
{
  g_autofree char *result = NULL;

  sign_out ();
  sesame_window_set_prompt_response (app_test_get_window (), SESAME_PROMPT_RESPONSE_ACCEPT, NULL);
  open_sample_app ("?autofill=off");
  result = app_test_run_js ("document.getElementById('signin-button').click(); return true", NULL);
  assert_signed_in ();
  g_clear_pointer (&result, g_free);
  result = app_test_run_js ("return document.getElementById('account-username').textContent",
                            NULL);
  g_assert_cmpstr (result, ==, "\"" USERNAME "\"");
}

static GtkWidget *
find_popover (void)
{
  GtkWidget *view = GTK_WIDGET (sesame_window_get_web_view (app_test_get_window ()));

  for (GtkWidget *child = gtk_widget_get_first_child (view); child;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_POPOVER (child) && gtk_widget_get_visible (child))
      return child;
  return NULL;
}

static gboolean
popover_shown (gpointer data)
{
  return find_popover () != NULL;
}

static void
test_autofill (void)
{
  g_autofree char *result = NULL;
  GtkWidget *popover;
  GPtrArray *candidates;

  sign_out ();
  sesame_window_set_prompt_response (app_test_get_window (), SESAME_PROMPT_RESPONSE_ASK, NULL);
  open_sample_app ("");
  gtk_widget_grab_focus (GTK_WIDGET (sesame_window_get_web_view (app_test_get_window ())));
  /* Give the page time to start its conditional request, then focus the
   * field whose autocomplete ends with "webauthn". */
  app_test_spin (300);
  result = app_test_run_js ("document.getElementById('autofill-username').focus(); return true",
                            NULL);

  g_assert_true (app_test_wait_for (popover_shown, NULL, 15000));
  popover = find_popover ();
  g_assert_true (SESAME_IS_AUTOFILL_POPOVER (popover));
  candidates = sesame_credential_request_get_candidates (
    sesame_autofill_popover_get_request (SESAME_AUTOFILL_POPOVER (popover)));
  g_assert_cmpuint (candidates->len, ==, 1);
  g_assert_cmpstr (((SesameCredentialCandidate *) candidates->pdata[0])->user_name, ==, USERNAME);
  g_assert_true (sesame_autofill_popover_choose (SESAME_AUTOFILL_POPOVER (popover), 0));

  assert_signed_in ();
}

static int
passkey_rows (void)
{
  g_autofree char *count = app_test_run_js ("return document.querySelectorAll('#passkey-list li').length",
                                            NULL);

  return atoi (count);
}

static void
test_second_passkey (void)
{
  SesameSoftAuthenticator *authenticator =
    sesame_application_get_authenticator (app_test_get_application ());
  g_autofree char *result = NULL;
  g_autoptr(GPtrArray) credentials = NULL;
  g_autoptr(GError) error = NULL;

  sesame_window_set_prompt_response (app_test_get_window (), SESAME_PROMPT_RESPONSE_ACCEPT, NULL);
  g_assert_cmpint (passkey_rows (), ==, 1);

  /* The same authenticator already holds a passkey for this account: the
   * exclude list makes it refuse, and the page says so. */
  result = app_test_run_js ("document.getElementById('add-passkey-button').click(); return true",
                            NULL);
  g_assert_true (app_test_wait_for_js ("document.getElementById('status').dataset.kind === 'error'",
                                       15000));
  g_assert_cmpint (passkey_rows (), ==, 1);

  /* Another device: an empty built-in store. */
  g_assert_true (sesame_soft_authenticator_remove_all (authenticator, &error));
  g_assert_no_error (error);
  g_clear_pointer (&result, g_free);
  result = app_test_run_js ("document.getElementById('add-passkey-button').click(); return true",
                            NULL);
  g_assert_true (app_test_wait_for_js ("document.querySelectorAll('#passkey-list li').length === 2",
                                       15000));
  credentials = sesame_soft_authenticator_list_credentials (authenticator, "localhost", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (credentials->len, ==, 1);

  sign_out ();
  g_assert_true (app_test_wait_for_js ("document.getElementById('status').textContent === 'Signed out.'",
                                       5000));
}

int
main (int    argc,
      char **argv)
{
  app_test_init (&argc, &argv);

  g_test_add_func ("/sesame/app/flows/sign-up", test_sign_up);
  g_test_add_func ("/sesame/app/flows/sign-in-button", test_sign_out_and_in);
  g_test_add_func ("/sesame/app/flows/sign-in-autofill", test_autofill);
  g_test_add_func ("/sesame/app/flows/second-passkey-and-sign-out", test_second_passkey);

  return app_test_run (NULL);
}
