/* SPDX-License-Identifier: GPL-3.0-or-later */

/* What the Settings view stands on, in the app's own process: the secret
 * store where no Secret Service runs (this test session has none: it keeps
 * keys in memory and says it is unavailable), and the running server's
 * listener restart and tenant switch, including their refusals. */

#include "config.h"

#include "app-test-util.h"
#include "sesame-secret-store.h"
#include "sesame-settings-snippets.h"
#include "sesame-tenant-settings.h"

#include <string.h>

static SesameServer *
get_server (void)
{
  return sesame_application_get_server (app_test_get_application ());
}

/* Secret store */

static gboolean
unavailable (gpointer data)
{
  return !sesame_secret_store_get_available (data);
}

static void
test_secret_store_without_keyring (void)
{
  g_autoptr(SesameSecretStore) store = sesame_secret_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *found = NULL;
  char key[] = "sk_first";

  /* Nothing is known before the keyring was asked. */
  g_assert_true (sesame_secret_store_get_available (store));
  g_assert_null (sesame_secret_store_peek (store, "tenant-a"));

  /* The keyring cannot be read: an error that says so, and the store
   * reports it unavailable. */
  found = app_test_lookup_secret (store, "tenant-a", &error);
  g_assert_null (found);
  g_assert_error (error, SESAME_SECRET_STORE_ERROR, SESAME_SECRET_STORE_ERROR_UNAVAILABLE);
  g_assert_true (app_test_wait_for (unavailable, store, 5000));
  g_clear_error (&error);

  /* Saved in memory: peek and lookup find a copy of it. */
  sesame_secret_store_save (store, "tenant-a", "Tenant A", key);
  memset (key, 'x', sizeof key - 1);
  g_assert_cmpstr (sesame_secret_store_peek (store, "tenant-a"), ==, "sk_first");
  found = app_test_lookup_secret (store, "tenant-a", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, "sk_first");
  g_clear_pointer (&found, g_free);

  /* A new key replaces it; other tenants are apart. */
  sesame_secret_store_save (store, "tenant-a", "Tenant A", "sk_second");
  sesame_secret_store_save (store, "tenant-b", NULL, "sk_other");
  g_assert_cmpstr (sesame_secret_store_peek (store, "tenant-a"), ==, "sk_second");
  g_assert_cmpstr (sesame_secret_store_peek (store, "tenant-b"), ==, "sk_other");

  /* Forgotten: gone, and without a keyring nothing else has it. */
  sesame_secret_store_forget (store, "tenant-a");
  g_assert_null (sesame_secret_store_peek (store, "tenant-a"));
  found = app_test_lookup_secret (store, "tenant-a", &error);
  g_assert_null (found);
  g_assert_error (error, SESAME_SECRET_STORE_ERROR, SESAME_SECRET_STORE_ERROR_UNAVAILABLE);
  g_assert_cmpstr (sesame_secret_store_peek (store, "tenant-b"), ==, "sk_other");
}

/* The application's own store is the same: its local tenant's key is
 * known this run, and the Settings view says there is no keyring. */
static void
test_app_secret_store (void)
{
  SesameApplication *app = app_test_get_application ();
  SesameSecretStore *store = sesame_application_get_secret_store (app);
  const char *tenant_id = sesame_application_get_local_tenant_id (app);
  GtkWidget *row;

  g_assert_nonnull (sesame_secret_store_peek (store, tenant_id));
  g_assert_true (g_str_has_prefix (sesame_secret_store_peek (store, tenant_id), "sk_"));
  g_assert_true (app_test_wait_for (unavailable, store, 5000));
  row = app_test_find_row (GTK_WIDGET (app_test_get_window ()), "No Keyring");
  g_assert_nonnull (row);
  g_assert_true (gtk_widget_get_visible (row));
}

/* Changes made outside the window */

/* Runs `sesame-server tenant ARGS…` on the app's data folder, another
 * process, as a developer would from a terminal; returns its stdout. */
static char *
tenant_command (const char *first_arg,
                ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *data_dir = g_build_filename (app_test_get_tmp_dir (), "sesame", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = -1;
  va_list args;

  g_ptr_array_add (argv, g_strdup (g_getenv ("SESAME_SERVER")));
  g_ptr_array_add (argv, g_strdup ("tenant"));
  g_ptr_array_add (argv, g_strdup_printf ("--data-dir=%s", data_dir));
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("sesame-server tenant failed: %s", err);
  return out;
}

static gboolean
origin_shown (gpointer data)
{
  return app_test_find_entry_row (GTK_WIDGET (app_test_get_window ()), data) != NULL;
}

static gboolean
key_forgotten (gpointer data)
{
  SesameSecretStore *store = sesame_application_get_secret_store (app_test_get_application ());

  return sesame_secret_store_peek (store, data) == NULL;
}

/* `sesame-server tenant set` on the data folder the window uses: the
 * Settings view shows the new origin by itself; a secret rotated there
 * is no longer offered as the tenant's key here. */
static void
test_outside_changes (void)
{
  SesameApplication *app = app_test_get_application ();
  SesameServer *server = get_server ();
  g_autofree char *tenant_id = g_strdup (sesame_server_get_tenant_id (server));
  const char *origin = "http://localhost:4319";
  g_autofree char *out = NULL;
  GtkWidget *secret_row;

  g_assert_false (origin_shown ((gpointer) origin));
  out = tenant_command ("set", tenant_id, "--add-origin", origin, NULL);
  g_assert_true (app_test_wait_for (origin_shown, (gpointer) origin, 5000));
  g_clear_pointer (&out, g_free);

  g_assert_nonnull (sesame_secret_store_peek (sesame_application_get_secret_store (app),
                                              tenant_id));
  out = tenant_command ("set", tenant_id, "--rotate-secret", NULL);
  g_assert_true (app_test_wait_for (key_forgotten, tenant_id, 5000));
  secret_row = app_test_find_row (GTK_WIDGET (app_test_get_window ()), "Secret Key");
  g_assert_nonnull (secret_row);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (secret_row)),
                            "Not known in this session"));
}

/* Listener restart */

static guint
status_of (const char *url)
{
  g_autofree char *body = NULL;
  guint status;

  body = app_test_http ("GET", url, NULL, NULL, NULL, &status);
  return status;
}

static guint
free_port (void)
{
  g_autoptr(GSocketListener) probe = g_socket_listener_new ();
  guint port = g_socket_listener_add_any_inet_port (probe, NULL, NULL);

  g_socket_listener_close (probe);
  return port;
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    data)
{
  (*(int *) data)++;
}

static void
test_relisten (void)
{
  SesameServer *server = get_server ();
  SesameStore *store = sesame_server_get_store (server);
  g_autoptr(GSocketListener) holder = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameTenant) tenant = NULL;
  g_autofree char *old_app_url = g_strdup (sesame_server_get_app_url (server));
  g_autofree char *old_origin = g_strdup (sesame_server_get_app_origin (server));
  guint old_port = sesame_server_get_port (server);
  guint busy, port;
  int notified = 0;
  gulong handler;

  /* A busy port: refused with ADDRESS_IN_USE, still on the old one. */
  busy = g_socket_listener_add_any_inet_port (holder, NULL, NULL);
  g_assert_false (sesame_server_relisten (server, "127.0.0.1", busy, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);
  g_assert_cmpuint (sesame_server_get_port (server), ==, old_port);
  g_assert_cmpuint (status_of (old_app_url), ==, 200);

  /* Not an address, or not a port: refused before anything closes. */
  g_assert_false (sesame_server_relisten (server, "localhost", old_port, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (sesame_server_relisten (server, "127.0.0.1", 70000, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpuint (status_of (old_app_url), ==, 200);

  /* The same address and port: nothing to do, nothing closes. */
  g_assert_true (sesame_server_relisten (server, "127.0.0.1", old_port, &error));
  g_assert_no_error (error);

  /* A free port: the URLs follow (notified), the old port is closed, and
   * the tenant expects the sample app at its new origin. */
  handler = g_signal_connect (server, "notify::base-url", G_CALLBACK (count_notify), &notified);
  port = free_port ();
  g_assert_true (sesame_server_relisten (server, "127.0.0.1", port, &error));
  g_assert_no_error (error);
  g_signal_handler_disconnect (server, handler);
  g_assert_cmpint (notified, ==, 1);
  g_assert_cmpuint (sesame_server_get_port (server), ==, port);
  g_assert_cmpuint (status_of (sesame_server_get_app_url (server)), ==, 200);
  g_assert_cmpuint (status_of (old_app_url), ==, 0);
  tenant = sesame_store_get_tenant (store, sesame_server_get_tenant_id (server), &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) tenant->expected_origins,
                                  sesame_server_get_app_origin (server)));
  g_assert_false (g_strv_contains ((const char * const *) tenant->expected_origins, old_origin));

  /* Beyond loopback and back. */
  g_assert_true (sesame_server_relisten (server, "0.0.0.0", port, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (sesame_server_get_address (server), ==, "0.0.0.0");
  g_assert_cmpuint (status_of (sesame_server_get_app_url (server)), ==, 200);
  g_assert_true (sesame_server_relisten (server, "127.0.0.1", port, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (sesame_server_get_address (server), ==, "127.0.0.1");
}

/* Tenant switch */

static gboolean
page_idle (gpointer data)
{
  return !webkit_web_view_is_loading (sesame_window_get_web_view (app_test_get_window ()));
}

static void
test_use_tenant (void)
{
  SesameServer *server = get_server ();
  SesameStore *store = sesame_server_get_store (server);
  g_autofree char *local_id = g_strdup (sesame_server_get_tenant_id (server));
  g_autofree char *secret = sesame_server_generate_secret_key (NULL);
  g_autoptr(SesameTenant) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;
  const char *local_key;

  other = sesame_tenant_settings_create (store, "Other", secret, &error);
  g_assert_no_error (error);

  /* Refused: a key that is not the tenant's, a tenant that does not exist. */
  g_assert_false (sesame_server_use_tenant (server, other->id, "sk_wrong", &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_SECRET_KEY_MISMATCH);
  g_clear_error (&error);
  g_assert_false (sesame_server_use_tenant (server, "no-such-tenant", secret, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpstr (sesame_server_get_tenant_id (server), ==, local_id);

  /* Switched: the sample app's backend is the other tenant's now. */
  g_assert_true (sesame_server_use_tenant (server, other->id, secret, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (sesame_server_get_tenant_id (server), ==, other->id);
  /* A load still running from the listener's move (the Demo view follows
   * the sample app's URL) would cancel ours: let it end first. */
  g_assert_true (app_test_wait_for (page_idle, NULL, 10000));
  g_assert_true (app_test_open (sesame_server_get_app_url (server), &error));
  g_assert_no_error (error);
  config = app_test_run_js ("return (await (await fetch ('/api/config')).json ()).tenantId", NULL);
  g_assert_nonnull (strstr (config, other->id));

  /* And back, with the local tenant's key. */
  local_key = sesame_secret_store_peek (
    sesame_application_get_secret_store (app_test_get_application ()), local_id);
  g_assert_true (sesame_server_use_tenant (server, local_id, local_key, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (sesame_server_get_tenant_id (server), ==, local_id);
}

/* Snippets: the values land in JavaScript string literals, escaped, and
 * the .env lines carry the key only when it is known. */
static void
test_snippets (void)
{
  g_autofree char *browser = sesame_snippet_browser ("t\"x\\y", "http://localhost:1/v1");
  g_autofree char *node = sesame_snippet_node ("http://localhost:1/v1");
  g_autofree char *env = sesame_snippet_env ("tenant", "http://localhost:1/v1", "sk_abc");
  g_autofree char *env_without = sesame_snippet_env ("tenant", "http://localhost:1/v1", NULL);

  g_assert_nonnull (strstr (browser, "import { Authsignal } from \"@authsignal/browser\";"));
  g_assert_nonnull (strstr (browser, "tenantId: \"t\\\"x\\\\y\","));
  g_assert_nonnull (strstr (browser, "baseUrl: \"http://localhost:1/v1\","));
  g_assert_nonnull (strstr (node, "import { Authsignal } from \"@authsignal/node\";"));
  g_assert_nonnull (strstr (node, "apiUrl: \"http://localhost:1/v1\","));
  g_assert_cmpstr (env, ==,
                   "AUTHSIGNAL_TENANT_ID=tenant\n"
                   "AUTHSIGNAL_API_URL=http://localhost:1/v1\n"
                   "AUTHSIGNAL_SECRET_KEY=sk_abc");
  g_assert_true (g_str_has_suffix (env_without, "\nAUTHSIGNAL_SECRET_KEY="));
  g_assert_nonnull (strstr (env_without, "# "));
}

/* The slot for other groups (the security keys' is one): a group added
 * to the Authenticators page stands after the built-in authenticator's
 * and after every group added before it. */
static void
test_add_group (void)
{
  SesameSettingsView *view = sesame_window_get_settings_view (app_test_get_window ());
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *builtin, *page, *flags, *sibling;

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), "Security Keys");
  sesame_settings_view_add_group (view, SESAME_SETTINGS_PAGE_AUTHENTICATORS,
                                  ADW_PREFERENCES_GROUP (group));
  page = gtk_widget_get_ancestor (group, ADW_TYPE_PREFERENCES_PAGE);
  g_assert_nonnull (page);
  g_assert_true (gtk_widget_is_ancestor (page, GTK_WIDGET (view)));
  builtin = app_test_find_row (page, "Backup Eligible");
  g_assert_nonnull (builtin);
  /* After it, in the page's order, and last. */
  flags = gtk_widget_get_ancestor (builtin, ADW_TYPE_PREFERENCES_GROUP);
  for (sibling = gtk_widget_get_next_sibling (flags); sibling && sibling != group;
       sibling = gtk_widget_get_next_sibling (sibling))
    ;
  g_assert_true (sibling == group);
  g_assert_null (gtk_widget_get_next_sibling (group));
  sesame_settings_view_show_page (view, "authenticator");
}

int
main (int    argc,
      char **argv)
{
  app_test_init (&argc, &argv);

  g_test_add_func ("/sesame/app/secret-store/without-keyring", test_secret_store_without_keyring);
  g_test_add_func ("/sesame/app/secret-store/application", test_app_secret_store);
  g_test_add_func ("/sesame/app/server/relisten", test_relisten);
  g_test_add_func ("/sesame/app/server/use-tenant", test_use_tenant);
  g_test_add_func ("/sesame/app/settings/add-group", test_add_group);
  g_test_add_func ("/sesame/app/settings/snippets", test_snippets);
  g_test_add_func ("/sesame/app/settings/outside-changes", test_outside_changes);

  return app_test_run (NULL);
}
