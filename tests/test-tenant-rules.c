/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-tenant-rules.h"

#include <string.h>

typedef struct
{
  const char *value;
  const char *rp_id;
  SesameTenantError code;
  const char *needles[4];
} Case;

static void
assert_message_has (const GError *error,
                    const char   *needle)
{
  if (!strstr (error->message, needle))
    g_test_message ("message \"%s\" lacks \"%s\"", error->message, needle);
  g_assert_nonnull (strstr (error->message, needle));
}

static void
check_rp_id_cases (const Case *cases,
                   gsize       n_cases)
{
  for (gsize i = 0; i < n_cases; i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("RP ID \"%s\"", cases[i].value ? cases[i].value : "(null)");
      g_assert_false (sesame_tenant_validate_rp_id (cases[i].value, &error));
      g_assert_error (error, SESAME_TENANT_ERROR, (int) cases[i].code);
      for (gsize j = 0; j < G_N_ELEMENTS (cases[i].needles) && cases[i].needles[j]; j++)
        assert_message_has (error, cases[i].needles[j]);
    }
}

static void
check_origin_cases (const Case *cases,
                    gsize       n_cases)
{
  for (gsize i = 0; i < n_cases; i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("origin \"%s\" for RP ID \"%s\"", cases[i].value, cases[i].rp_id);
      g_assert_false (sesame_tenant_validate_origin (cases[i].value, cases[i].rp_id, &error));
      g_assert_error (error, SESAME_TENANT_ERROR, (int) cases[i].code);
      for (gsize j = 0; j < G_N_ELEMENTS (cases[i].needles) && cases[i].needles[j]; j++)
        assert_message_has (error, cases[i].needles[j]);
    }
}

static void
test_rp_id_accepted (void)
{
  g_autofree char *label63 = g_strnfill (63, 'a');
  g_autofree char *longest = NULL;
  const char *accepted[] = {
    "localhost", "example.com", "login.example.com", "app.localhost", "intranet",
    "xn--bcher-kva.example", "a-b.c0m", "0.example.com",
  };

  /* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 characters */
  longest = g_strdup_printf ("%s.%s.%s.%.61s", label63, label63, label63, label63);
  g_assert_cmpuint (strlen (longest), ==, 253);

  for (gsize i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(GError) error = NULL;
      g_test_message ("RP ID \"%s\"", accepted[i]);
      g_assert_true (sesame_tenant_validate_rp_id (accepted[i], &error));
      g_assert_no_error (error);
    }
  g_assert_true (sesame_tenant_validate_rp_id (label63, NULL));
  g_assert_true (sesame_tenant_validate_rp_id (longest, NULL));
}

static void
test_rp_id_empty (void)
{
  const Case cases[] = {
    { NULL, NULL, SESAME_TENANT_ERROR_RP_ID_EMPTY, { "empty", "\"localhost\"" } },
    { "", NULL, SESAME_TENANT_ERROR_RP_ID_EMPTY, { "empty", "\"example.com\"" } },
    { "   ", NULL, SESAME_TENANT_ERROR_RP_ID_EMPTY, { "only spaces" } },
  };
  check_rp_id_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_rp_id_scheme (void)
{
  const Case cases[] = {
    { "https://example.com", NULL, SESAME_TENANT_ERROR_RP_ID_HAS_SCHEME,
      { "has a scheme", "use \"example.com\"", "put \"https://example.com\" in the expected" } },
    { "http://localhost:3000", NULL, SESAME_TENANT_ERROR_RP_ID_HAS_SCHEME,
      { "use \"localhost\"", "\"http://localhost:3000\"" } },
    { "https://Login.Example.com/path", NULL, SESAME_TENANT_ERROR_RP_ID_HAS_SCHEME,
      { "use \"login.example.com\"", "\"https://login.example.com\"" } },
  };
  check_rp_id_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_rp_id_port (void)
{
  const Case cases[] = {
    { "localhost:3000", NULL, SESAME_TENANT_ERROR_RP_ID_HAS_PORT,
      { "the Relying Party ID is a host name without a port: use \"localhost\" and put the "
        "port in the expected origin (http://localhost:3000)" } },
    { "Example.com:8443", NULL, SESAME_TENANT_ERROR_RP_ID_HAS_PORT,
      { "use \"example.com\"", "(https://example.com:8443)" } },
  };
  check_rp_id_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_rp_id_path (void)
{
  const Case cases[] = {
    { "example.com/login", NULL, SESAME_TENANT_ERROR_RP_ID_HAS_PATH,
      { "without a path", "use \"example.com\"" } },
    { "localhost:3000/", NULL, SESAME_TENANT_ERROR_RP_ID_HAS_PATH, { "use \"localhost\"" } },
    { "example.com?x=1", NULL, SESAME_TENANT_ERROR_RP_ID_HAS_PATH, { "use \"example.com\"" } },
    { "/login", NULL, SESAME_TENANT_ERROR_RP_ID_HAS_PATH, { "is a path" } },
  };
  check_rp_id_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_rp_id_trailing_dot (void)
{
  const Case cases[] = {
    { "example.com.", NULL, SESAME_TENANT_ERROR_RP_ID_TRAILING_DOT,
      { "ends with a dot", "write \"example.com\"" } },
    { "localhost..", NULL, SESAME_TENANT_ERROR_RP_ID_TRAILING_DOT, { "write \"localhost\"" } },
  };
  check_rp_id_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_rp_id_not_lowercase (void)
{
  const Case cases[] = {
    { "Example.COM", NULL, SESAME_TENANT_ERROR_RP_ID_NOT_LOWERCASE,
      { "capital letters", "write \"example.com\"" } },
    { "LOCALHOST", NULL, SESAME_TENANT_ERROR_RP_ID_NOT_LOWERCASE, { "write \"localhost\"" } },
  };
  check_rp_id_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_rp_id_ip_address (void)
{
  const Case cases[] = {
    { "127.0.0.1", NULL, SESAME_TENANT_ERROR_RP_ID_IP_ADDRESS,
      { "is an IP address", "use \"localhost\"", "http://localhost:3000" } },
    { "192.168.1.10", NULL, SESAME_TENANT_ERROR_RP_ID_IP_ADDRESS, { "IP address" } },
    { "127.0.0.1:3000", NULL, SESAME_TENANT_ERROR_RP_ID_IP_ADDRESS, { "IP address" } },
    { "::1", NULL, SESAME_TENANT_ERROR_RP_ID_IP_ADDRESS, { "IP address" } },
    { "[::1]", NULL, SESAME_TENANT_ERROR_RP_ID_IP_ADDRESS, { "IP address" } },
    { "[::1]:3000", NULL, SESAME_TENANT_ERROR_RP_ID_IP_ADDRESS, { "IP address" } },
  };
  check_rp_id_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_rp_id_invalid (void)
{
  g_autofree char *label64 = g_strnfill (64, 'a');
  g_autofree char *long_label = g_strdup_printf ("%s.com", label64);
  g_autofree char *label63 = g_strnfill (63, 'a');
  /* 4 × 63 + 3 dots = 255 */
  g_autofree char *too_long = g_strdup_printf ("%s.%s.%s.%s", label63, label63, label63,
                                               label63);
  const Case cases[] = {
    { "exa mple.com", NULL, SESAME_TENANT_ERROR_RP_ID_INVALID, { "a space at position 4" } },
    { "my_app.example", NULL, SESAME_TENANT_ERROR_RP_ID_INVALID,
      { "'_' at position 3", "letters, digits, hyphens and dots" } },
    { "a..b", NULL, SESAME_TENANT_ERROR_RP_ID_INVALID, { "two dots in a row" } },
    { ".example.com", NULL, SESAME_TENANT_ERROR_RP_ID_INVALID, { "starts with a dot" } },
    { long_label, NULL, SESAME_TENANT_ERROR_RP_ID_INVALID, { "64 characters", "at most 63" } },
    { too_long, NULL, SESAME_TENANT_ERROR_RP_ID_INVALID, { "255 characters", "at most 253" } },
    { "-app.example.com", NULL, SESAME_TENANT_ERROR_RP_ID_INVALID,
      { "\"-app\"", "hyphen" } },
    { "app-.example.com", NULL, SESAME_TENANT_ERROR_RP_ID_INVALID, { "\"app-\"", "hyphen" } },
    { "*.example.com", NULL, SESAME_TENANT_ERROR_RP_ID_INVALID,
      { "wildcard", "write \"example.com\"" } },
    { "bücher.example", NULL, SESAME_TENANT_ERROR_RP_ID_INVALID,
      { "non-ASCII", "write \"xn--bcher-kva.example\"" } },
    { "alice@example.com", NULL, SESAME_TENANT_ERROR_RP_ID_INVALID,
      { "user name", "\"example.com\"" } },
    { "example.123", NULL, SESAME_TENANT_ERROR_RP_ID_INVALID, { "all-digit label \"123\"" } },
    { " example.com ", NULL, SESAME_TENANT_ERROR_RP_ID_INVALID,
      { "spaces around it", "write \"example.com\"" } },
    { "example.com:https", NULL, SESAME_TENANT_ERROR_RP_ID_INVALID, { "has a ':'" } },
  };
  check_rp_id_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_origin_accepted (void)
{
  const struct { const char *origin; const char *rp_id; } accepted[] = {
    { "http://localhost:3000", "localhost" },
    { "http://localhost", "localhost" },
    { "https://localhost:8443", "localhost" },
    { "http://app.localhost:8080", "localhost" },
    { "http://app.localhost", "app.localhost" },
    { "https://example.com", "example.com" },
    { "https://login.example.com", "example.com" },
    { "https://a.b.example.com:1", "example.com" },
    { "https://example.com:65535", "example.com" },
    { "https://example.com:8443", "example.com" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(GError) error = NULL;
      g_test_message ("origin \"%s\" for RP ID \"%s\"", accepted[i].origin, accepted[i].rp_id);
      g_assert_true (sesame_tenant_validate_origin (accepted[i].origin, accepted[i].rp_id,
                                                    &error));
      g_assert_no_error (error);
    }
}

static void
test_origin_invalid (void)
{
  const Case cases[] = {
    { "", "localhost", SESAME_TENANT_ERROR_ORIGIN_INVALID,
      { "empty", "\"http://localhost:3000\"" } },
    { "localhost:3000", "localhost", SESAME_TENANT_ERROR_ORIGIN_INVALID,
      { "has no scheme", "write \"http://localhost:3000\"" } },
    { "example.com", "example.com", SESAME_TENANT_ERROR_ORIGIN_INVALID,
      { "has no scheme", "write \"https://example.com\"" } },
    { "not an origin", "example.com", SESAME_TENANT_ERROR_ORIGIN_INVALID,
      { "is not an origin", "scheme://host[:port]" } },
    { "https://", "example.com", SESAME_TENANT_ERROR_ORIGIN_INVALID, { "has no host" } },
    { "://example.com", "example.com", SESAME_TENANT_ERROR_ORIGIN_INVALID,
      { "no scheme before" } },
    { " https://example.com", "example.com", SESAME_TENANT_ERROR_ORIGIN_INVALID,
      { "spaces around it", "write \"https://example.com\"" } },
    { "https://exa mple.com", "example.com", SESAME_TENANT_ERROR_ORIGIN_INVALID,
      { "\"exa mple.com\"", "a space" } },
    { "https://example.com.", "example.com", SESAME_TENANT_ERROR_ORIGIN_INVALID,
      { "ends with a dot", "\"example.com\"" } },
    { "https://ex%41mple.com", "example.com", SESAME_TENANT_ERROR_ORIGIN_INVALID,
      { "'%' at position 3" } },
    { "http://[::1", "localhost", SESAME_TENANT_ERROR_ORIGIN_INVALID, { "never closes" } },
    { "http://::1:3000", "localhost", SESAME_TENANT_ERROR_ORIGIN_INVALID,
      { "in brackets", "http://[::1]:3000" } },
    { "http://[example.com]", "localhost", SESAME_TENANT_ERROR_ORIGIN_INVALID,
      { "not an IPv6 address" } },
  };
  check_origin_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_origin_bad_scheme (void)
{
  const Case cases[] = {
    { "ftp://example.com", "example.com", SESAME_TENANT_ERROR_ORIGIN_BAD_SCHEME,
      { "the scheme \"ftp\"", "https://" } },
    { "ws://localhost:3000", "localhost", SESAME_TENANT_ERROR_ORIGIN_BAD_SCHEME,
      { "\"ws\"" } },
    { "chrome-extension://abcdef", "example.com", SESAME_TENANT_ERROR_ORIGIN_BAD_SCHEME,
      { "\"chrome-extension\"" } },
    { "android:apk-key-hash:AbCd-_", "example.com", SESAME_TENANT_ERROR_ORIGIN_BAD_SCHEME,
      { "Android app origin", "web pages only" } },
  };
  check_origin_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_origin_not_lowercase (void)
{
  const Case cases[] = {
    { "HTTPS://Example.com", "example.com", SESAME_TENANT_ERROR_ORIGIN_NOT_LOWERCASE,
      { "capital letters", "write \"https://example.com\"" } },
    { "http://LocalHost:3000/", "localhost", SESAME_TENANT_ERROR_ORIGIN_NOT_LOWERCASE,
      { "write \"http://localhost:3000\"" } },
  };
  check_origin_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_origin_userinfo (void)
{
  const Case cases[] = {
    { "https://alice:secret@example.com", "example.com",
      SESAME_TENANT_ERROR_ORIGIN_HAS_USERINFO,
      { "user name", "write \"https://example.com\"" } },
    { "http://a@b@localhost:3000/x", "localhost", SESAME_TENANT_ERROR_ORIGIN_HAS_USERINFO,
      { "write \"http://localhost:3000\"" } },
  };
  check_origin_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_origin_bad_port (void)
{
  const Case cases[] = {
    { "http://localhost:0", "localhost", SESAME_TENANT_ERROR_ORIGIN_BAD_PORT,
      { "the port 0", "from 1 to 65535" } },
    { "http://localhost:65536", "localhost", SESAME_TENANT_ERROR_ORIGIN_BAD_PORT,
      { "the port 65536", "from 1 to 65535" } },
    { "http://localhost:99999999999999999999", "localhost", SESAME_TENANT_ERROR_ORIGIN_BAD_PORT,
      { "from 1 to 65535" } },
    { "http://localhost:", "localhost", SESAME_TENANT_ERROR_ORIGIN_BAD_PORT,
      { "without a port", "\"http://localhost\"", "\"http://localhost:3000\"" } },
    { "http://localhost:abc", "localhost", SESAME_TENANT_ERROR_ORIGIN_BAD_PORT,
      { "\"abc\"", "not a number" } },
    { "http://localhost:03000", "localhost", SESAME_TENANT_ERROR_ORIGIN_BAD_PORT,
      { "leading zero", "write \"http://localhost:3000\"" } },
    { "https://example.com:443", "example.com", SESAME_TENANT_ERROR_ORIGIN_BAD_PORT,
      { "default port 443", "write \"https://example.com\"" } },
    { "http://localhost:80", "localhost", SESAME_TENANT_ERROR_ORIGIN_BAD_PORT,
      { "default port 80", "write \"http://localhost\"" } },
  };
  check_origin_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_origin_trailing_slash (void)
{
  const Case cases[] = {
    { "http://localhost:3000/", "localhost", SESAME_TENANT_ERROR_ORIGIN_TRAILING_SLASH,
      { "ends with a slash", "write \"http://localhost:3000\"" } },
    { "https://example.com/", "example.com", SESAME_TENANT_ERROR_ORIGIN_TRAILING_SLASH,
      { "write \"https://example.com\"" } },
  };
  check_origin_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_origin_path (void)
{
  const Case cases[] = {
    { "https://example.com/login", "example.com", SESAME_TENANT_ERROR_ORIGIN_HAS_PATH,
      { "a path (\"/login\")", "write \"https://example.com\"" } },
    { "http://localhost:3000/app/?x=1", "localhost", SESAME_TENANT_ERROR_ORIGIN_HAS_PATH,
      { "\"/app/\"", "write \"http://localhost:3000\"" } },
  };
  check_origin_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_origin_query_or_fragment (void)
{
  const Case cases[] = {
    { "https://example.com?next=/", "example.com",
      SESAME_TENANT_ERROR_ORIGIN_HAS_QUERY_OR_FRAGMENT,
      { "has a query", "write \"https://example.com\"" } },
    { "https://example.com#top", "example.com", SESAME_TENANT_ERROR_ORIGIN_HAS_QUERY_OR_FRAGMENT,
      { "has a fragment" } },
    { "http://localhost:3000/?x", "localhost", SESAME_TENANT_ERROR_ORIGIN_HAS_QUERY_OR_FRAGMENT,
      { "has a query", "write \"http://localhost:3000\"" } },
  };
  check_origin_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_origin_outside_rp_id (void)
{
  const Case cases[] = {
    { "https://other.com", "example.com", SESAME_TENANT_ERROR_ORIGIN_OUTSIDE_RP_ID,
      { "\"https://other.com\"", "Relying Party ID \"example.com\"", "end in \".example.com\"" } },
    { "https://evilexample.com", "example.com", SESAME_TENANT_ERROR_ORIGIN_OUTSIDE_RP_ID,
      { "\"evilexample.com\"", "same letters", "\"login.example.com\"" } },
    { "https://example.com", "login.example.com", SESAME_TENANT_ERROR_ORIGIN_OUTSIDE_RP_ID,
      { "never a subdomain", "set the RP ID to \"example.com\"" } },
    { "https://example.com.evil.net", "example.com", SESAME_TENANT_ERROR_ORIGIN_OUTSIDE_RP_ID,
      { "\"example.com.evil.net\"" } },
    { "http://127.0.0.1:3000", "localhost", SESAME_TENANT_ERROR_ORIGIN_OUTSIDE_RP_ID,
      { "IP address", "http://localhost:3000" } },
    { "http://[::1]:8080", "localhost", SESAME_TENANT_ERROR_ORIGIN_OUTSIDE_RP_ID,
      { "IP address", "http://localhost:8080" } },
    { "https://192.168.1.10", "example.com", SESAME_TENANT_ERROR_ORIGIN_OUTSIDE_RP_ID,
      { "IP address", "a host name on \"example.com\"" } },
  };
  check_origin_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_origin_https_required (void)
{
  const Case cases[] = {
    { "http://example.com", "example.com", SESAME_TENANT_ERROR_ORIGIN_HTTPS_REQUIRED,
      { "plain http", "only on localhost", "write \"https://example.com\"" } },
    { "http://login.example.com:8080", "example.com", SESAME_TENANT_ERROR_ORIGIN_HTTPS_REQUIRED,
      { "write \"https://login.example.com:8080\"" } },
    { "http://localhost.example.com", "example.com", SESAME_TENANT_ERROR_ORIGIN_HTTPS_REQUIRED,
      { "plain http" } },
    /* Only "localhost" and names under it, not names ending in its letters. */
    { "http://notlocalhost:3000", "notlocalhost", SESAME_TENANT_ERROR_ORIGIN_HTTPS_REQUIRED,
      { "write \"https://notlocalhost:3000\"" } },
  };
  check_origin_cases (cases, G_N_ELEMENTS (cases));
}

/* A bad RP ID is reported as such, not as an origin outside it. */
static void
test_origin_checks_rp_id (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (sesame_tenant_validate_origin ("https://example.com", "https://example.com",
                                                 &error));
  g_assert_error (error, SESAME_TENANT_ERROR, SESAME_TENANT_ERROR_RP_ID_HAS_SCHEME);
}

static void
test_origins_list (void)
{
  const char *good[] = { "http://localhost:3000", "http://localhost:5173",
                         "http://app.localhost:3000", NULL };
  const char *duplicate[] = { "http://localhost:3000", "http://localhost:5173",
                              "http://localhost:3000", NULL };
  const char *second_bad[] = { "http://localhost:3000", "http://localhost:5173/", NULL };
  const char *none[] = { NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (sesame_tenant_validate_origins (good, "localhost", &error));
  g_assert_no_error (error);

  g_assert_false (sesame_tenant_validate_origins (NULL, "localhost", &error));
  g_assert_error (error, SESAME_TENANT_ERROR, SESAME_TENANT_ERROR_ORIGINS_EMPTY);
  assert_message_has (error, "no expected origins");
  assert_message_has (error, "\"http://localhost:3000\"");
  g_clear_error (&error);

  g_assert_false (sesame_tenant_validate_origins (none, "example.com", &error));
  g_assert_error (error, SESAME_TENANT_ERROR, SESAME_TENANT_ERROR_ORIGINS_EMPTY);
  assert_message_has (error, "\"https://example.com\"");
  g_clear_error (&error);

  g_assert_false (sesame_tenant_validate_origins (duplicate, "localhost", &error));
  g_assert_error (error, SESAME_TENANT_ERROR, SESAME_TENANT_ERROR_ORIGIN_DUPLICATE);
  assert_message_has (error, "expected origins 1 and 3 are both \"http://localhost:3000\"");
  g_clear_error (&error);

  g_assert_false (sesame_tenant_validate_origins (second_bad, "localhost", &error));
  g_assert_error (error, SESAME_TENANT_ERROR, SESAME_TENANT_ERROR_ORIGIN_TRAILING_SLASH);
  assert_message_has (error, "expected origin 2: ");
  assert_message_has (error, "write \"http://localhost:5173\"");
  g_clear_error (&error);

  g_assert_false (sesame_tenant_validate_origins (good, "localhost:3000", &error));
  g_assert_error (error, SESAME_TENANT_ERROR, SESAME_TENANT_ERROR_RP_ID_HAS_PORT);
}

static void
test_covers_host (void)
{
  const struct { const char *rp_id; const char *host; gboolean covered; } cases[] = {
    { "example.com", "example.com", TRUE },
    { "example.com", "login.example.com", TRUE },
    { "example.com", "a.b.example.com", TRUE },
    { "localhost", "app.localhost", TRUE },
    { "example.com", "evilexample.com", FALSE },
    { "example.com", "example.com.evil.net", FALSE },
    { "example.com", ".example.com", FALSE },
    { "example.com", "xample.com", FALSE },
    { "login.example.com", "example.com", FALSE },
    { "127.0.0.1", "127.0.0.1", TRUE },
    { "0.0.1", "127.0.0.1", FALSE },
    { ".com", "example.com", FALSE },
    /* No public suffix list here: the browser refuses such an RP ID. */
    { "com", "example.com", TRUE },
    { "", "", FALSE },
    { NULL, "example.com", FALSE },
    { "example.com", NULL, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("RP ID \"%s\", host \"%s\"", cases[i].rp_id ? cases[i].rp_id : "(null)",
                      cases[i].host ? cases[i].host : "(null)");
      g_assert_cmpint (sesame_rp_id_covers_host (cases[i].rp_id, cases[i].host), ==,
                       cases[i].covered);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sesame/tenant-rules/rp-id/accepted", test_rp_id_accepted);
  g_test_add_func ("/sesame/tenant-rules/rp-id/empty", test_rp_id_empty);
  g_test_add_func ("/sesame/tenant-rules/rp-id/scheme", test_rp_id_scheme);
  g_test_add_func ("/sesame/tenant-rules/rp-id/port", test_rp_id_port);
  g_test_add_func ("/sesame/tenant-rules/rp-id/path", test_rp_id_path);
  g_test_add_func ("/sesame/tenant-rules/rp-id/trailing-dot", test_rp_id_trailing_dot);
  g_test_add_func ("/sesame/tenant-rules/rp-id/not-lowercase", test_rp_id_not_lowercase);
  g_test_add_func ("/sesame/tenant-rules/rp-id/ip-address", test_rp_id_ip_address);
  g_test_add_func ("/sesame/tenant-rules/rp-id/invalid", test_rp_id_invalid);
  g_test_add_func ("/sesame/tenant-rules/origin/accepted", test_origin_accepted);
  g_test_add_func ("/sesame/tenant-rules/origin/invalid", test_origin_invalid);
  g_test_add_func ("/sesame/tenant-rules/origin/bad-scheme", test_origin_bad_scheme);
  g_test_add_func ("/sesame/tenant-rules/origin/not-lowercase", test_origin_not_lowercase);
  g_test_add_func ("/sesame/tenant-rules/origin/userinfo", test_origin_userinfo);
  g_test_add_func ("/sesame/tenant-rules/origin/bad-port", test_origin_bad_port);
  g_test_add_func ("/sesame/tenant-rules/origin/trailing-slash", test_origin_trailing_slash);
  g_test_add_func ("/sesame/tenant-rules/origin/path", test_origin_path);
  g_test_add_func ("/sesame/tenant-rules/origin/query-or-fragment",
                   test_origin_query_or_fragment);
  g_test_add_func ("/sesame/tenant-rules/origin/outside-rp-id", test_origin_outside_rp_id);
  g_test_add_func ("/sesame/tenant-rules/origin/https-required", test_origin_https_required);
  g_test_add_func ("/sesame/tenant-rules/origin/checks-rp-id", test_origin_checks_rp_id);
  g_test_add_func ("/sesame/tenant-rules/origins/list", test_origins_list);
  g_test_add_func ("/sesame/tenant-rules/covers-host", test_covers_host);

  return g_test_run ();
}
