/* SPDX-License-Identifier: GPL-3.0-or-later */

/* A tenant that requires user verification, and a built-in authenticator
 * without a PIN: the authenticator does not claim UV, the tenant refuses
 * the passkey, and the page tells the user why. */

#include "config.h"

#include "app-test-util.h"

#include <string.h>

static void
test_uv_required_without_pin (void)
{
  SesameServer *server = sesame_application_get_server (app_test_get_application ());
  g_autofree char *uri = g_strconcat (sesame_server_get_app_url (server), "?autofill=off", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  g_autofree char *lower = NULL;
  g_autofree char *result = NULL;

  g_assert_false (sesame_soft_authenticator_has_pin (
    sesame_application_get_authenticator (app_test_get_application ())));
  sesame_window_set_prompt_response (app_test_get_window (), SESAME_PROMPT_RESPONSE_ACCEPT, NULL);

  g_assert_true (app_test_open (uri, &error));
  g_assert_no_error (error);
  g_assert_true (app_test_wait_for_js (SAMPLE_APP_READY, 10000));
  result = app_test_run_js ("document.getElementById('signup-username').value = 'grace';"
                            "document.getElementById('signup-button').click(); return true",
                            &error);
  g_assert_no_error (error);

  g_assert_true (app_test_wait_for_js ("document.getElementById('status').dataset.kind === 'error'",
                                       15000));
  g_assert_true (app_test_wait_for_js ("document.getElementById('account').hidden", 1000));
  status = app_test_run_js ("return document.getElementById('status').textContent", &error);
  g_assert_no_error (error);
  lower = g_utf8_strdown (status, -1);
  g_test_message ("the page says %s", status);
  g_assert_nonnull (strstr (lower, "verif"));
}

int
main (int    argc,
      char **argv)
{
  const char *extra[] = { "--user-verification", "required", NULL };

  app_test_init (&argc, &argv);
  g_test_add_func ("/sesame/app/uv/required-without-pin", test_uv_required_without_pin);
  return app_test_run (extra);
}
