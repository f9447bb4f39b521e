/* SPDX-License-Identifier: GPL-3.0-or-later */

/* What fuzz-http found, against the real sesame-server: request text that
 * is not UTF-8 once decoded is refused with a JSON error that is itself
 * valid UTF-8 (every reply is JSON, and JSON is UTF-8), and an empty body
 * reads as {} on every route that takes one. */

#include "config.h"

#include "server-test-util.h"

#include <string.h>

typedef struct
{
  SesameTestServer *server;
  char             *secret_auth;
  char             *tenant_auth;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = sesame_test_server_start (NULL, NULL);
  f->secret_auth = sesame_test_secret_auth (f->server);
  f->tenant_auth = sesame_test_tenant_auth (f->server);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  sesame_test_server_stop (f->server);
  sesame_test_server_free (f->server);
  g_free (f->secret_auth);
  g_free (f->tenant_auth);
}

static void
assert_utf8_error (SesameTestReply *reply,
                   const char      *code)
{
  gsize len;
  const char *body = g_bytes_get_data (reply->body, &len);

  g_assert_true (g_utf8_validate_len (body, len, NULL));
  sesame_test_assert_error (reply, code);
}

static void
test_query_not_utf8 (Fixture       *f,
                     gconstpointer  data)
{
  static const char * const paths[] = {
    "/v1/users?limit=%FF%C3",
    "/v1/users?username=%C3%28",
    "/v1/users/alice/actions?fromDate=%FF",
    "/v1/users/alice/actions?state=%80",
    "/v1/users?%FF=1",
  };

  if (!sesame_test_require_server ())
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(SesameTestReply) reply = sesame_test_request (f->server, "GET", paths[i],
                                                              f->secret_auth, NULL);

      assert_utf8_error (reply, "invalid_request");
      g_assert_nonnull (strstr (sesame_test_get_string (sesame_test_reply_object (reply),
                                                        "errorDescription"), "UTF-8"));
    }
}

static void
test_quoted_text_is_utf8 (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(SesameTestReply) limit = NULL;
  g_autoptr(SesameTestReply) type = NULL;
  g_autoptr(SesameTestReply) path = NULL;

  if (!sesame_test_require_server ())
    return;
  /* Valid text is still quoted, so the client sees what it sent. */
  limit = sesame_test_request (f->server, "GET", "/v1/users?limit=%C3%A9t%C3%A9", f->secret_auth,
                               NULL);
  assert_utf8_error (limit, "invalid_request");
  g_assert_nonnull (strstr (sesame_test_get_string (sesame_test_reply_object (limit),
                                                    "errorDescription"), "“été”"));

  type = sesame_test_request_full (f->server, "POST", "/v1/validate", f->secret_auth,
                                   "text/plain; charset=utf-8", "{}", -1, NULL);
  g_assert_cmpuint (type->status, ==, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE);
  g_assert_cmpstr (sesame_test_get_string (sesame_test_reply_object (type), "error"), ==,
                   "invalid_request");
  g_assert_nonnull (strstr (sesame_test_get_string (sesame_test_reply_object (type),
                                                    "errorDescription"), "text/plain"));

  /* A long unknown path is quoted cut short. */
  {
    g_autofree char *xs = g_strnfill (4000, 'x');
    g_autofree char *long_path = g_strconcat ("/v1/", xs, NULL);
    const char *description;

    path = sesame_test_request (f->server, "GET", long_path, f->tenant_auth, NULL);
    assert_utf8_error (path, "not_found");
    description = sesame_test_get_string (sesame_test_reply_object (path), "errorDescription");
    g_assert_cmpuint (strlen (description), <, 400);
  }
}

static void
test_empty_body (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(SesameTestReply) options = NULL;
  g_autoptr(SesameTestReply) validate = NULL;

  if (!sesame_test_require_server ())
    return;
  /* {} is what authentication-options takes for a sign-in. */
  options = sesame_test_request_full (f->server, "POST", SESAME_TEST_C4, f->tenant_auth,
                                      "application/json", "", 0, NULL);
  sesame_test_assert_ok (options);
  /* validate needs a token: the same refusal as for {}. */
  validate = sesame_test_request_full (f->server, "POST", "/v1/validate", f->secret_auth,
                                       "application/json", "", 0, NULL);
  sesame_test_assert_error (validate, "invalid_request");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/sesame/server/request-text/query-not-utf8", test_query_not_utf8);
  ADD ("/sesame/server/request-text/quoted-text-is-utf8", test_quoted_text_is_utf8);
  ADD ("/sesame/server/request-text/empty-body", test_empty_body);
#undef ADD

  return g_test_run ();
}
