/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The RP ID and secure-context rules on their own, with the system's
 * public suffix list, and the exceptions failures become: no web view
 * needed. */

#include "config.h"

#include <gio/gio.h>

#include "sesame-bridge-error.h"
#include "sesame-rp-id.h"
#include "sesame-soft-authenticator.h"

static void
test_secure_origins (void)
{
  g_assert_true (sesame_rp_id_origin_is_secure ("https", "example.com"));
  g_assert_true (sesame_rp_id_origin_is_secure ("HTTPS", "10.1.2.3"));
  g_assert_true (sesame_rp_id_origin_is_secure ("http", "localhost"));
  g_assert_true (sesame_rp_id_origin_is_secure ("http", "app.localhost"));
  g_assert_true (sesame_rp_id_origin_is_secure ("http", "127.0.0.1"));
  g_assert_true (sesame_rp_id_origin_is_secure ("http", "127.8.9.10"));
  g_assert_true (sesame_rp_id_origin_is_secure ("http", "[::1]"));
  g_assert_true (sesame_rp_id_origin_is_secure ("http", "::1"));

  g_assert_false (sesame_rp_id_origin_is_secure ("http", "example.com"));
  g_assert_false (sesame_rp_id_origin_is_secure ("http", "localhost.example.com"));
  g_assert_false (sesame_rp_id_origin_is_secure ("http", "192.168.1.1"));
  g_assert_false (sesame_rp_id_origin_is_secure ("file", "localhost"));
  g_assert_false (sesame_rp_id_origin_is_secure ("ftp", "localhost"));
  g_assert_false (sesame_rp_id_origin_is_secure ("https", ""));
  g_assert_false (sesame_rp_id_origin_is_secure (NULL, "localhost"));
}

static void
assert_resolves (const char *requested,
                 const char *host,
                 const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *rp_id = sesame_rp_id_resolve (requested, host, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (rp_id, ==, expected);
}

static void
assert_refused (const char *requested,
                const char *host)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *rp_id = sesame_rp_id_resolve (requested, host, &error);

  g_assert_null (rp_id);
  g_assert_error (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_SECURITY);
  g_assert_cmpstr (sesame_bridge_error_dom_name_for (error), ==, "SecurityError");
}

static void
test_rp_id_rule (void)
{
  /* The host itself, by default or named, in any case. */
  assert_resolves (NULL, "App.Example.com", "app.example.com");
  assert_resolves ("APP.example.com", "app.example.com", "app.example.com");
  assert_resolves ("localhost", "localhost", "localhost");
  assert_resolves (NULL, "[::1]", "::1");

  /* A registrable suffix. */
  assert_resolves ("example.com", "login.app.example.com", "example.com");
  assert_resolves ("example.co.uk", "app.example.co.uk", "example.co.uk");
  assert_resolves ("app.example.co.uk", "a.app.example.co.uk", "app.example.co.uk");

  /* Public suffixes, private ones included (github.io). */
  assert_refused ("co.uk", "app.example.co.uk");
  assert_refused ("uk", "app.example.co.uk");
  assert_refused ("com", "example.com");
  assert_refused ("github.io", "someone.github.io");

  /* Not a suffix on a label boundary, or not a suffix at all. */
  assert_refused ("le.com", "example.com");
  assert_refused ("example.org", "example.com");
  assert_refused ("sub.example.com", "example.com");
  assert_refused ("", "example.com");
  assert_refused (".example.com", "app.example.com");
  assert_refused ("example.com.", "app.example.com");
  assert_refused ("exämple.com", "app.xn--exmple-cua.com");

  /* Addresses have no parent domain; localhost names share nothing. */
  assert_resolves ("127.0.0.1", "127.0.0.1", "127.0.0.1");
  assert_refused ("0.0.1", "127.0.0.1");
  assert_refused ("1", "127.0.0.1");
  assert_refused ("localhost", "app.localhost");
}

static void
assert_dom_name (GQuark      domain,
                 int         code,
                 const char *expected)
{
  g_autoptr(GError) error = g_error_new_literal (domain, code, "x");

  g_assert_cmpstr (sesame_bridge_error_dom_name_for (error), ==, expected);
}

static void
test_exception_names (void)
{
  assert_dom_name (SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_NOT_ALLOWED, "NotAllowedError");
  assert_dom_name (SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_SECURITY, "SecurityError");
  assert_dom_name (SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_NOT_SUPPORTED, "NotSupportedError");
  assert_dom_name (SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_INVALID_STATE, "InvalidStateError");
  assert_dom_name (SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_ABORT, "AbortError");
  assert_dom_name (SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_TYPE, "TypeError");
  assert_dom_name (SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_UNKNOWN, "UnknownError");

  /* The authenticator's refusals as Chrome reports its own. */
  assert_dom_name (SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_EXCLUDED, "InvalidStateError");
  assert_dom_name (SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_UNSUPPORTED_ALGORITHM, "NotSupportedError");
  assert_dom_name (SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_NO_CREDENTIALS, "NotAllowedError");
  assert_dom_name (SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_BLOCKED, "NotAllowedError");
  assert_dom_name (SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_INVALID, "NotAllowedError");
  assert_dom_name (SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_NOT_FOUND, "NotAllowedError");
  assert_dom_name (SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE, "UnknownError");

  assert_dom_name (G_IO_ERROR, G_IO_ERROR_FAILED, "UnknownError");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rp-id/secure-origins", test_secure_origins);
  g_test_add_func ("/rp-id/rule", test_rp_id_rule);
  g_test_add_func ("/rp-id/exception-names", test_exception_names);

  return g_test_run ();
}
