/* SPDX-License-Identifier: GPL-3.0-or-later */

/* `sesame-server tenant list|show|create|set|delete` on a data directory:
 * the tenant layer's messages for bad values, an exit status per kind of
 * failure, nothing written by a refused command, JSON with --json, and a
 * running server on the same directory that sees each change on its next
 * request. */

#include "config.h"

#include "server-test-util.h"
#include "sesame-tenant-rules.h"

#include <string.h>

/* The statuses sesame-tenant-command.h documents. */
#define EXIT_OK        0
#define EXIT_USAGE     2
#define EXIT_INVALID   3
#define EXIT_NOT_FOUND 4

typedef struct
{
  char *root;
  char *data_dir;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->root = g_dir_make_tmp ("sesame-tenant-command-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->data_dir = g_build_filename (fixture->root, "data", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  sesame_test_remove_tree (fixture->root);
  g_free (fixture->root);
  g_free (fixture->data_dir);
}

/* Runs `sesame-server tenant ARGS… --data-dir DIR`; returns the status,
 * the output (standard output and error) in @output. */
static int
run_tenant (Fixture     *fixture,
            char       **output,
            const char  *first,
            ...) G_GNUC_NULL_TERMINATED;

static int
run_tenant (Fixture     *fixture,
            char       **output,
            const char  *first,
            ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *out = NULL;
  va_list ap;
  int status;

  g_ptr_array_add (args, (gpointer) "tenant");
  va_start (ap, first);
  for (const char *arg = first; arg; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, (gpointer) "--data-dir");
  g_ptr_array_add (args, fixture->data_dir);
  g_ptr_array_add (args, NULL);

  status = sesame_test_server_run_to_exit ((const char * const *) args->pdata, &out);
  g_test_message ("tenant %s → %d: %s", first ? first : "(none)", status, out);
  if (output)
    *output = g_steal_pointer (&out);
  return status;
}

static JsonObject *
parse (const char *text)
{
  return sesame_test_parse_object (text);
}

/* Creates a tenant named @name; returns its JSON, with its secret key. */
static JsonObject *
create (Fixture    *fixture,
        const char *name)
{
  g_autofree char *out = NULL;

  g_assert_cmpint (run_tenant (fixture, &out, "create", name, "--json", NULL), ==, EXIT_OK);
  return parse (out);
}

static JsonObject *
show (Fixture    *fixture,
      const char *tenant)
{
  g_autofree char *out = NULL;

  g_assert_cmpint (run_tenant (fixture, &out, "show", tenant, "--json", NULL), ==, EXIT_OK);
  return parse (out);
}

static void
test_create_list_show_delete (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(JsonObject) created = create (fixture, "Staging");
  g_autoptr(JsonObject) shown = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL;
  const char *id = sesame_test_get_string (created, "id");
  JsonArray *list;

  /* New: no passkeys yet, a secret key shown once. */
  g_assert_false (sesame_test_get_bool (created, "passkeysSetUp"));
  g_assert_true (g_str_has_prefix (sesame_test_get_string (created, "secretKey"), "sk_"));
  g_assert_true (json_object_get_null_member (created, "rpId"));

  g_assert_cmpint (run_tenant (fixture, &out, "list", "--json", NULL), ==, EXIT_OK);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  list = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 0), "id"),
                   ==, id);
  g_clear_pointer (&out, g_free);

  /* By ID or by name; never the secret key again. */
  shown = show (fixture, "Staging");
  g_assert_cmpstr (sesame_test_get_string (shown, "id"), ==, id);
  g_assert_false (json_object_has_member (shown, "secretKey"));
  g_clear_pointer (&shown, json_object_unref);
  shown = show (fixture, id);
  g_assert_cmpstr (sesame_test_get_string (shown, "name"), ==, "Staging");

  /* Text, too. */
  g_assert_cmpint (run_tenant (fixture, &out, "show", id, NULL), ==, EXIT_OK);
  g_assert_nonnull (strstr (out, "not set up"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_tenant (fixture, &out, "delete", id, NULL), ==, EXIT_OK);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_tenant (fixture, &out, "show", id, NULL), ==, EXIT_NOT_FOUND);
  g_assert_nonnull (strstr (out, id));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_tenant (fixture, &out, "delete", id, "--json", NULL), ==, EXIT_NOT_FOUND);
  g_assert_nonnull (strstr (out, "\"not_found\""));
}

static void
test_set_up_and_policy (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(JsonObject) created = create (fixture, "Shop");
  g_autoptr(JsonObject) shown = NULL;
  g_autofree char *out = NULL;
  const char *id = sesame_test_get_string (created, "id");
  JsonArray *origins, *algs;

  g_assert_cmpint (run_tenant (fixture, &out, "set", id, "--rp-id", "example.com",
                               "--origin", "https://example.com",
                               "--origin", "https://app.example.com",
                               "--rp-name", "Example Shop",
                               "--user-verification", "required", "--attestation", "direct",
                               "--attachment", "cross-platform", "--algorithms", "EdDSA,-7",
                               "--token-lifetime", "120", "--challenge-lifetime", "60", NULL),
                   ==, EXIT_OK);
  g_clear_pointer (&out, g_free);
  shown = show (fixture, id);
  g_assert_true (sesame_test_get_bool (shown, "passkeysSetUp"));
  g_assert_cmpstr (sesame_test_get_string (shown, "rpId"), ==, "example.com");
  g_assert_cmpstr (sesame_test_get_string (shown, "rpName"), ==, "Example Shop");
  origins = sesame_test_get_array (shown, "expectedOrigins");
  g_assert_cmpuint (json_array_get_length (origins), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (origins, 1), ==, "https://app.example.com");
  g_assert_cmpstr (sesame_test_get_string (shown, "userVerification"), ==, "required");
  g_assert_cmpstr (sesame_test_get_string (shown, "attestation"), ==, "direct");
  g_assert_cmpstr (sesame_test_get_string (shown, "authenticatorAttachment"), ==,
                   "cross-platform");
  algs = sesame_test_get_array (shown, "allowedAlgorithms");
  g_assert_cmpuint (json_array_get_length (algs), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (algs, 0), ==, "EdDSA");
  g_assert_cmpstr (json_array_get_string_element (algs, 1), ==, "ES256");
  g_assert_cmpint (json_object_get_int_member (shown, "tokenLifetime"), ==, 120);
  g_assert_cmpint (json_object_get_int_member (shown, "challengeLifetime"), ==, 60);
  g_clear_pointer (&shown, json_object_unref);

  /* Add and remove one origin; "any" attachment again. */
  g_assert_cmpint (run_tenant (fixture, NULL, "set", id, "--add-origin", "https://shop.example.com",
                               "--remove-origin", "https://example.com", "--attachment", "any",
                               NULL), ==, EXIT_OK);
  shown = show (fixture, id);
  origins = sesame_test_get_array (shown, "expectedOrigins");
  g_assert_cmpuint (json_array_get_length (origins), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (origins, 0), ==, "https://app.example.com");
  g_assert_cmpstr (json_array_get_string_element (origins, 1), ==, "https://shop.example.com");
  g_assert_true (json_object_get_null_member (shown, "authenticatorAttachment"));
}

/* Each bad value: its own message (the core's, for RP IDs and origins),
 * status 3, nothing written. */
static void
test_bad_values (Fixture       *fixture,
                 gconstpointer  data)
{
  struct
  {
    const char *option;
    const char *value;
    const char *message;   /* NULL: the core's message for an RP ID or origin */
  } cases[] = {
    { "--rp-id", "localhost:3000", NULL },
    { "--rp-id", "https://localhost", NULL },
    { "--rp-id", "Localhost", NULL },
    { "--origin", "http://localhost:3000/", NULL },
    { "--origin", "http://example.com", NULL },
    { "--origin", "localhost:3000", NULL },
    { "--name", "  ", "name" },
    { "--user-verification", "always", "user verification" },
    { "--attestation", "indirect", "attestation" },
    { "--attachment", "usb", "attachment" },
    { "--algorithms", "ES999", "ES999" },
    { "--algorithms", "-7,-7", "twice" },
    { "--algorithms", "-9999", "-9999" },
    { "--token-lifetime", "5", "token lifetime" },
    { "--challenge-lifetime", "99999", "challenge lifetime" },
    { "--remove-origin", "https://nowhere.localhost", "not an expected origin" },
  };
  g_autoptr(JsonObject) created = create (fixture, "Checked");
  const char *id = sesame_test_get_string (created, "id");
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autofree char *before_text = NULL;
  g_autofree char *after_text = NULL;

  g_assert_cmpint (run_tenant (fixture, NULL, "set", id, "--rp-id", "localhost", "--origin",
                               "http://localhost:5173", NULL), ==, EXIT_OK);
  before = show (fixture, id);
  before_text = sesame_test_to_json (before);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autoptr(GError) expected = NULL;
      const char *rp_id = "localhost";

      if (g_str_equal (cases[i].option, "--rp-id"))
        {
          g_assert_false (sesame_tenant_validate_rp_id (cases[i].value, &expected));
          /* Keep the origins from fitting nothing: only the ID is wrong. */
        }
      else if (g_str_equal (cases[i].option, "--origin"))
        g_assert_false (sesame_tenant_validate_origin (cases[i].value, rp_id, &expected));

      g_assert_cmpint (run_tenant (fixture, &out, "set", id, cases[i].option, cases[i].value,
                                   NULL), ==, EXIT_INVALID);
      g_assert_nonnull (strstr (out, expected ? expected->message : cases[i].message));
      g_clear_pointer (&out, g_free);

      /* The same with --json: the status and an error object. */
      g_assert_cmpint (run_tenant (fixture, &out, "set", id, cases[i].option, cases[i].value,
                                   "--json", NULL), ==, EXIT_INVALID);
      g_assert_nonnull (strstr (out, "\"error\" : \"invalid_value\""));
    }

  after = show (fixture, id);
  after_text = sesame_test_to_json (after);
  g_assert_cmpstr (after_text, ==, before_text);

  /* A new tenant with a bad origin is not made at all. */
  {
    g_autofree char *out = NULL;
    g_autoptr(JsonParser) parser = json_parser_new ();

    g_assert_cmpint (run_tenant (fixture, &out, "create", "Half", "--rp-id", "example.com",
                                 "--origin", "https://example.org", NULL), ==, EXIT_INVALID);
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (run_tenant (fixture, &out, "list", "--json", NULL), ==, EXIT_OK);
    g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
    g_assert_cmpuint (json_array_get_length (json_node_get_array (json_parser_get_root (parser))),
                      ==, 1);
  }
}

static void
test_usage (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(JsonObject) created = create (fixture, "Twin");
  g_autoptr(JsonObject) twin = create (fixture, "Twin");
  g_autofree char *out = NULL;

  g_assert_cmpint (run_tenant (fixture, &out, NULL, NULL), ==, EXIT_USAGE);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_tenant (fixture, &out, "frob", NULL), ==, EXIT_USAGE);
  g_assert_nonnull (strstr (out, "frob"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_tenant (fixture, &out, "show", NULL), ==, EXIT_USAGE);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_tenant (fixture, &out, "list", "--rp-id", "localhost", NULL), ==,
                   EXIT_USAGE);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_tenant (fixture, &out, "set", "Twin", NULL), ==, EXIT_USAGE);
  g_clear_pointer (&out, g_free);
  /* Two share the name: the ID is needed. */
  g_assert_cmpint (run_tenant (fixture, &out, "show", "Twin", NULL), ==, EXIT_USAGE);
  g_assert_nonnull (strstr (out, "tenant ID"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_tenant (fixture, &out, "set", sesame_test_get_string (twin, "id"),
                               "--token-lifetime", "soon", NULL), ==, EXIT_USAGE);
  g_clear_pointer (&out, g_free);
  /* A tenant without passkeys needs an RP ID before its origins. */
  g_assert_cmpint (run_tenant (fixture, &out, "set", sesame_test_get_string (created, "id"),
                               "--origin", "https://example.com", NULL), ==, EXIT_INVALID);
  g_assert_nonnull (strstr (out, "--rp-id"));
}

#define DEV_ORIGIN "http://localhost:5173"

/* A browser's preflight from a page on DEV_ORIGIN. */
static SesameTestReply *
dev_preflight (SesameTestServer *server)
{
  const char *headers[] = {
    "Origin", DEV_ORIGIN,
    "Access-Control-Request-Method", "POST",
    "Access-Control-Request-Headers", "authorization,content-type",
    NULL,
  };

  return sesame_test_request_full (server, "OPTIONS", SESAME_TEST_C4, NULL, NULL, NULL, 0,
                                   headers);
}

/* A running server on the same data directory sees each change on its
 * next request. */
static void
test_running_server (Fixture       *fixture,
                     gconstpointer  data)
{
  SesameTestServer *server;
  g_autofree char *out = NULL;
  g_autofree char *new_key = NULL;
  g_autoptr(JsonObject) rotated = NULL;
  SesameTestReply *reply;

  if (!sesame_test_require_server ())
    return;
  server = sesame_test_server_start (fixture->data_dir, NULL);

  /* A dev server's origin: refused by CORS until it is added. */
  reply = dev_preflight (server);
  g_assert_null (soup_message_headers_get_one (reply->headers, "Access-Control-Allow-Origin"));
  sesame_test_reply_free (reply);

  g_assert_cmpint (run_tenant (fixture, NULL, "set", server->tenant_id, "--add-origin",
                               DEV_ORIGIN, NULL), ==, EXIT_OK);
  reply = dev_preflight (server);
  g_assert_cmpstr (soup_message_headers_get_one (reply->headers, "Access-Control-Allow-Origin"),
                   ==, DEV_ORIGIN);
  sesame_test_reply_free (reply);

  /* Removed: refused again at once. */
  g_assert_cmpint (run_tenant (fixture, NULL, "set", server->tenant_id, "--remove-origin",
                               DEV_ORIGIN, NULL), ==, EXIT_OK);
  reply = dev_preflight (server);
  g_assert_null (soup_message_headers_get_one (reply->headers, "Access-Control-Allow-Origin"));
  sesame_test_reply_free (reply);

  /* Rotated: the old key is refused at once, the new one works. */
  g_assert_cmpint (run_tenant (fixture, &out, "set", server->tenant_id, "--rotate-secret",
                               "--json", NULL), ==, EXIT_OK);
  rotated = parse (out);
  new_key = g_strdup (sesame_test_get_string (rotated, "secretKey"));
  g_assert_cmpstr (new_key, !=, server->secret_key);
  {
    g_autofree char *auth = sesame_test_secret_auth (server);

    reply = sesame_test_request (server, "POST", "/v1/users/cli-user/actions/signIn", auth, "{}");
    g_assert_cmpuint (reply->status, ==, 401);
    sesame_test_reply_free (reply);
  }
  g_free (server->secret_key);
  server->secret_key = g_steal_pointer (&new_key);
  {
    g_autofree char *auth = sesame_test_secret_auth (server);

    reply = sesame_test_request (server, "POST", "/v1/users/cli-user/actions/signIn", auth, "{}");
    sesame_test_assert_ok (reply);
    sesame_test_reply_free (reply);
  }

  sesame_test_server_stop (server);
  sesame_test_server_free (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/sesame/server/tenant-command/create-list-show-delete", Fixture, NULL,
              fixture_set_up, test_create_list_show_delete, fixture_tear_down);
  g_test_add ("/sesame/server/tenant-command/set-up-and-policy", Fixture, NULL,
              fixture_set_up, test_set_up_and_policy, fixture_tear_down);
  g_test_add ("/sesame/server/tenant-command/bad-values", Fixture, NULL,
              fixture_set_up, test_bad_values, fixture_tear_down);
  g_test_add ("/sesame/server/tenant-command/usage", Fixture, NULL,
              fixture_set_up, test_usage, fixture_tear_down);
  g_test_add ("/sesame/server/tenant-command/running-server", Fixture, NULL,
              fixture_set_up, test_running_server, fixture_tear_down);

  return g_test_run ();
}
