/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The secret store on a real Secret Service: this program runs in a
 * session where run-keyring.sh started gnome-keyring with an unlocked
 * login keyring. Each key the app makes reaches the keyring (another
 * SesameSecretStore, which shares no memory with the app's, finds it), a
 * key kept there by an earlier run is used without rotating, a stale one
 * is replaced, and removing a tenant clears its entry. */

#include "config.h"

#include "app-test-util.h"
#include "sesame-secret-store.h"
#include "sesame-tenant-admin.h"

#include <string.h>

static SesameServer *
get_server (void)
{
  return sesame_application_get_server (app_test_get_application ());
}

/* What the keyring holds for @tenant_id now, read by a new store (so
 * nothing comes from a cache); NULL for no entry. A failed read fails the
 * test: this session has a Secret Service. */
static char *
keyring_lookup (const char *tenant_id)
{
  g_autoptr(SesameSecretStore) store = sesame_secret_store_new ();
  g_autoptr(GError) error = NULL;
  char *secret = app_test_lookup_secret (store, tenant_id, &error);

  g_assert_no_error (error);
  g_assert_true (sesame_secret_store_get_available (store));
  return secret;
}

/* Stores are written asynchronously: waits until the keyring holds
 * @expected for @tenant_id (NULL: no entry), up to five seconds. */
static gboolean
keyring_holds (const char *tenant_id,
               const char *expected)
{
  for (guint tries = 0; tries < 50; tries++)
    {
      g_autofree char *found = keyring_lookup (tenant_id);

      if (g_strcmp0 (found, expected) == 0)
        return TRUE;
      app_test_spin (100);
    }
  return FALSE;
}

static guint
track_status (const char *secret_key)
{
  g_autofree char *url = g_strdup_printf ("%s/users/keyring-user/actions/signIn",
                                          sesame_server_get_base_url (get_server ()));
  g_autofree char *pair = g_strconcat (secret_key, ":", NULL);
  g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));
  g_autofree char *auth = g_strconcat ("Basic ", encoded, NULL);
  g_autofree char *reply = NULL;
  guint status = 0;

  reply = app_test_http ("POST", url, auth, NULL, "{}", &status);
  return status;
}

typedef struct
{
  gboolean done;
  gboolean ok;
  gboolean rotated;
  GError *error;
} Switch;

static gboolean
switch_done (gpointer data)
{
  return ((Switch *) data)->done;
}

static void
switch_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Switch *call = user_data;

  call->ok = sesame_tenant_admin_switch_finish (SESAME_APPLICATION (source), result,
                                                &call->rotated, &call->error);
  call->done = TRUE;
}

/* Switches the app to @tenant_id; returns whether its key was rotated. */
static gboolean
switch_to (const char *tenant_id)
{
  Switch call = { 0 };

  sesame_tenant_admin_switch_async (app_test_get_application (), tenant_id, NULL,
                                    switch_cb, &call);
  g_assert_true (app_test_wait_for (switch_done, &call, 10000));
  g_assert_no_error (call.error);
  g_assert_true (call.ok);
  g_assert_cmpstr (sesame_server_get_tenant_id (get_server ()), ==, tenant_id);
  return call.rotated;
}

/* A tenant made outside this run (as `sesame-server tenant create` or an
 * earlier Sesame would), with @secret_key. */
static void
insert_tenant (const char *tenant_id,
               const char *secret_key)
{
  SesameStore *store = sesame_application_get_store (app_test_get_application ());
  SesameTenant *tenant = sesame_tenant_new (tenant_id, "localhost");
  g_autoptr(GError) error = NULL;

  g_free (tenant->name);
  tenant->name = g_strdup (tenant_id);
  g_assert_true (sesame_store_insert_tenant (store, tenant, secret_key, &error));
  g_assert_no_error (error);
  sesame_tenant_free (tenant);
}

/* Tests */

/* The local tenant's key, made at start, is in the keyring, and the
 * Settings view does not claim there is none. */
static void
test_local_tenant (void)
{
  SesameApplication *app = app_test_get_application ();
  SesameSecretStore *store = sesame_application_get_secret_store (app);
  const char *tenant_id = sesame_application_get_local_tenant_id (app);
  const char *key = sesame_secret_store_peek (store, tenant_id);
  GtkWidget *row;

  g_assert_nonnull (key);
  g_assert_true (keyring_holds (tenant_id, key));
  g_assert_true (sesame_secret_store_get_available (store));
  row = app_test_find_row (GTK_WIDGET (app_test_get_window ()), "No Keyring");
  g_assert_true (row == NULL || !gtk_widget_get_visible (row));
}

/* A tenant made in Settings keeps its key in the keyring; a rotation
 * replaces the entry; removing the tenant clears it. */
static void
test_tenant_lifecycle (void)
{
  SesameApplication *app = app_test_get_application ();
  SesameSecretStore *store = sesame_application_get_secret_store (app);
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameTenant) tenant = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  tenant = sesame_tenant_admin_create (app, "Keyring Tenant", &error);
  g_assert_no_error (error);
  g_assert_nonnull (tenant);
  first = g_strdup (sesame_secret_store_peek (store, tenant->id));
  g_assert_nonnull (first);
  g_assert_true (keyring_holds (tenant->id, first));

  second = sesame_tenant_admin_rotate_secret_key (app, tenant->id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (second);
  g_assert_cmpstr (first, !=, second);
  g_assert_true (keyring_holds (tenant->id, second));

  g_assert_true (sesame_tenant_admin_remove (app, tenant->id, &error));
  g_assert_no_error (error);
  g_assert_null (sesame_secret_store_peek (store, tenant->id));
  g_assert_true (keyring_holds (tenant->id, NULL));
}

/* A key that an earlier run left in the keyring: switching to its tenant
 * uses it as it is (no rotation), and the Server API takes it. */
static void
test_key_from_earlier_run (void)
{
  SesameApplication *app = app_test_get_application ();
  g_autofree char *local_id = g_strdup (sesame_application_get_local_tenant_id (app));
  g_autoptr(SesameSecretStore) earlier = sesame_secret_store_new ();
  const char *key = "sk_test_kept_by_an_earlier_run_0123456789";

  insert_tenant ("keyring-earlier", key);
  sesame_secret_store_save (earlier, "keyring-earlier", "keyring-earlier", key);
  g_assert_true (keyring_holds ("keyring-earlier", key));
  g_assert_null (sesame_secret_store_peek (sesame_application_get_secret_store (app),
                                           "keyring-earlier"));

  g_assert_false (switch_to ("keyring-earlier"));
  g_assert_cmpuint (track_status (key), ==, 200);

  g_assert_false (switch_to (local_id));
}

/* A keyring entry that is no longer the tenant's key (it was rotated
 * elsewhere): switching rotates, and the keyring gets the new key. */
static void
test_stale_key (void)
{
  SesameApplication *app = app_test_get_application ();
  SesameSecretStore *store = sesame_application_get_secret_store (app);
  g_autofree char *local_id = g_strdup (sesame_application_get_local_tenant_id (app));
  g_autoptr(SesameSecretStore) earlier = sesame_secret_store_new ();
  const char *stale = "sk_test_stale_key_from_before_a_rotation_00";
  const char *current;

  insert_tenant ("keyring-stale", "sk_test_the_key_nobody_kept_here_000000000");
  sesame_secret_store_save (earlier, "keyring-stale", "keyring-stale", stale);
  g_assert_true (keyring_holds ("keyring-stale", stale));

  g_assert_true (switch_to ("keyring-stale"));
  current = sesame_secret_store_peek (store, "keyring-stale");
  g_assert_nonnull (current);
  g_assert_cmpstr (current, !=, stale);
  g_assert_true (keyring_holds ("keyring-stale", current));
  g_assert_cmpuint (track_status (current), ==, 200);
  g_assert_cmpuint (track_status (stale), ==, 401);

  g_assert_false (switch_to (local_id));
}

int
main (int    argc,
      char **argv)
{
  app_test_init (&argc, &argv);

  g_test_add_func ("/sesame/app/keyring/local-tenant", test_local_tenant);
  g_test_add_func ("/sesame/app/keyring/tenant-lifecycle", test_tenant_lifecycle);
  g_test_add_func ("/sesame/app/keyring/key-from-earlier-run", test_key_from_earlier_run);
  g_test_add_func ("/sesame/app/keyring/stale-key", test_stale_key);

  return app_test_run (NULL);
}
