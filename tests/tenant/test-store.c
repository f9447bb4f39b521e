/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-store.h"
#include "sesame-test-util.h"

#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#define SECRET_ONE "sk_test_0123456789abcdef0123456789abcdef"
#define SECRET_TWO "sk_test_fedcba9876543210fedcba9876543210"

typedef struct
{
  char        *dir;
  char        *path;
  SesameStore *store;
} Fixture;

/* Raw access, through a connection of our own, to check what is really in
 * the file rather than what the store says. */

static sqlite3 *
raw_open (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                   ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static void
raw_exec (const char *path,
          const char *sql)
{
  sqlite3 *db = raw_open (path);
  char *message = NULL;
  int rc = sqlite3_exec (db, sql, NULL, NULL, &message);

  if (rc != SQLITE_OK)
    g_error ("raw “%s” failed: %s", sql, message);
  sqlite3_free (message);
  sqlite3_close (db);
}

static sqlite3_stmt *
raw_query (sqlite3    *db,
           const char *sql)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("raw “%s” failed: %s", sql, sqlite3_errmsg (db));
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return stmt;
}

static gint64
raw_int (const char *path,
         const char *sql)
{
  sqlite3 *db = raw_open (path);
  sqlite3_stmt *stmt = raw_query (db, sql);
  gint64 value = sqlite3_column_int64 (stmt, 0);

  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static char *
raw_text (const char *path,
          const char *sql)
{
  sqlite3 *db = raw_open (path);
  sqlite3_stmt *stmt = raw_query (db, sql);
  char *value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));

  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static GBytes *
raw_blob (const char *path,
          const char *sql)
{
  sqlite3 *db = raw_open (path);
  sqlite3_stmt *stmt = raw_query (db, sql);
  GBytes *value = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));

  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

/* Fixtures: "empty" gives a fresh folder and a path inside a subfolder
 * that does not exist yet; "seeded" also opens a store there with two
 * tenants, t1 and t2, and users alice and bob in t1. */

static void
fixture_set_up_empty (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("sesame-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "data", "sesame", "store.db", NULL);
}

static void
add_tenant (SesameStore *store,
            const char  *id,
            const char  *secret)
{
  g_autoptr(SesameTenant) tenant = sesame_tenant_new (id, "localhost");
  g_autoptr(GError) error = NULL;

  g_assert_true (sesame_store_insert_tenant (store, tenant, secret, &error));
  g_assert_no_error (error);
}

static void
add_user (SesameStore *store,
          const char  *tenant_id,
          const char  *user_id)
{
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(GError) error = NULL;

  user = sesame_store_upsert_user (store, tenant_id, user_id, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (user);
}

static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  fixture_set_up_empty (f, data);
  f->store = sesame_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
  add_tenant (f->store, "t1", SECRET_ONE);
  add_tenant (f->store, "t2", SECRET_TWO);
  add_user (f->store, "t1", "alice");
  add_user (f->store, "t1", "bob");
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data)
{
  g_clear_object (&f->store);
  sesame_test_remove_tree (f->dir);
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
  g_free (f->dir);
  g_free (f->path);
}

static SesamePasskey *
make_passkey (const char *tenant_id,
              const char *user_id,
              const char *credential_id)
{
  SesamePasskey *passkey = g_new0 (SesamePasskey, 1);
  static const guint8 cose[] = { 0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01 };

  passkey->tenant_id = g_strdup (tenant_id);
  passkey->user_id = g_strdup (user_id);
  passkey->credential_id = g_bytes_new (credential_id, strlen (credential_id));
  passkey->public_key = g_bytes_new_static (cose, sizeof cose);
  passkey->alg = -7;
  passkey->sign_count = 1;
  passkey->attestation_format = g_strdup ("none");
  passkey->attestation_type = g_strdup ("none");
  return passkey;
}

static SesameChallenge *
create_challenge (SesameStore *store,
                  const char  *tenant_id,
                  gint64       expires)
{
  SesameChallenge *challenge = g_new0 (SesameChallenge, 1);
  g_autoptr(GError) error = NULL;

  challenge->tenant_id = g_strdup (tenant_id);
  challenge->type = SESAME_CHALLENGE_AUTHENTICATION;
  challenge->expires = expires;
  g_assert_true (sesame_store_create_challenge (store, challenge, &error));
  g_assert_no_error (error);
  return challenge;
}

static SesameAction *
make_action (const char *tenant_id,
             const char *user_id,
             const char *code,
             const char *key,
             const char *state,
             gint64      created)
{
  SesameAction *action = g_new0 (SesameAction, 1);

  action->tenant_id = g_strdup (tenant_id);
  action->user_id = g_strdup (user_id);
  action->action_code = g_strdup (code);
  action->idempotency_key = g_strdup (key);
  action->state = g_strdup (state);
  action->created = created;
  return action;
}

/* Opening */

static void
test_open_creates_wal (Fixture      *f,
                       gconstpointer data)
{
  g_autoptr(SesameStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_path_get_dirname (f->path);
  g_autofree char *mode = NULL;
  GStatBuf st;

  g_assert_false (g_file_test (folder, G_FILE_TEST_EXISTS));
  store = sesame_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpstr (sesame_store_get_path (store), ==, f->path);

  g_assert_cmpint (g_stat (folder, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* WAL is a property of the file, so a second connection sees it. */
  mode = raw_text (f->path, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (sesame_store_schema_version (), ==, 2);
  g_assert_cmpint (raw_int (f->path, "PRAGMA user_version"), ==, sesame_store_schema_version ());
  g_assert_cmpint (raw_int (f->path,
                            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN"
                            " ('tenants', 'users', 'passkeys', 'actions', 'challenges', 'events')"),
                   ==, 6);
}

static void
test_open_reopen (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(SesameTenant) before = NULL;
  g_autoptr(SesameTenant) after = NULL;
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(GError) error = NULL;

  before = sesame_store_get_tenant (f->store, "t1", &error);
  g_assert_no_error (error);
  g_clear_object (&f->store);

  f->store = sesame_store_open (f->path, &error);
  g_assert_no_error (error);
  after = sesame_store_get_tenant (f->store, "t1", &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (before->token_key, after->token_key));
  g_assert_cmpint (before->created, ==, after->created);
  user = sesame_store_get_user (f->store, "t1", "alice", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (user->user_id, ==, "alice");
  g_assert_cmpint (raw_int (f->path, "PRAGMA user_version"), ==, sesame_store_schema_version ());
  g_assert_true (sesame_store_verify_secret_key (f->store, "t1", SECRET_ONE, &error));
  g_assert_no_error (error);
}

static void
test_open_too_new (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(SesameStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d",
                                           sesame_store_schema_version () + 1);

  g_clear_object (&f->store);
  raw_exec (f->path, bump);

  store = sesame_store_open (f->path, &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_SCHEMA_TOO_NEW);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, f->path));
  /* Left as it was: version and data. */
  g_assert_cmpint (raw_int (f->path, "PRAGMA user_version"),
                   ==, sesame_store_schema_version () + 1);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM tenants"), ==, 2);
}

static void
test_open_not_a_database (Fixture      *f,
                          gconstpointer data)
{
  g_autoptr(SesameStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_path_get_dirname (f->path);
  g_autofree char *junk = g_strnfill (4096, 'x');
  g_autofree char *nested = NULL;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_assert_true (g_file_set_contents (f->path, junk, -1, NULL));

  store = sesame_store_open (f->path, &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, f->path));
  g_clear_error (&error);

  /* A folder that cannot be created: its parent is a file. */
  nested = g_build_filename (f->path, "inside", "store.db", NULL);
  store = sesame_store_open (nested, &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO);
  g_assert_null (store);
}

/* A migration runs in one transaction: when it fails halfway, the tables it
 * created before the failure are gone and the version is unchanged. */
static void
test_open_migration_rollback (Fixture      *f,
                              gconstpointer data)
{
  g_autoptr(SesameStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_path_get_dirname (f->path);

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  raw_exec (f->path, "CREATE TABLE passkeys (foreign_thing TEXT)");

  store = sesame_store_open (f->path, &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, "version 0 to 1"));

  g_assert_cmpint (raw_int (f->path, "PRAGMA user_version"), ==, 0);
  g_assert_cmpint (raw_int (f->path,
                            "SELECT count(*) FROM sqlite_schema WHERE name IN ('tenants', 'users')"),
                   ==, 0);
  g_assert_cmpint (raw_int (f->path,
                            "SELECT count(*) FROM pragma_table_info ('passkeys')"
                            " WHERE name = 'foreign_thing'"),
                   ==, 1);
}

/* Tenants */

static void
test_tenant_roundtrip (Fixture      *f,
                       gconstpointer data)
{
  g_autoptr(SesameTenant) tenant = sesame_tenant_new ("t3", "example.test");
  g_autoptr(SesameTenant) got = NULL;
  g_autoptr(SesameTenant) updated = NULL;
  g_autoptr(SesameTenant) duplicate = sesame_tenant_new ("t3", "other.test");
  g_autoptr(SesameTenant) unknown = sesame_tenant_new ("nobody", "example.test");
  g_autoptr(GPtrArray) tenants = NULL;
  g_autoptr(GBytes) stored_hash = NULL;
  g_autoptr(GError) error = NULL;
  const char * const origins[] = { "https://example.test", "http://localhost:3000", NULL };
  static const int algorithms[] = { -7, -257 };
  guint8 hash[32];
  unsigned int hash_len = 0;

  g_strfreev (tenant->expected_origins);
  tenant->expected_origins = g_strdupv ((char **) origins);
  g_free (tenant->user_verification);
  tenant->user_verification = g_strdup ("required");
  tenant->authenticator_attachment = g_strdup ("platform");
  g_free (tenant->allowed_algorithms);
  tenant->allowed_algorithms = g_memdup2 (algorithms, sizeof algorithms);
  tenant->n_allowed_algorithms = G_N_ELEMENTS (algorithms);

  g_assert_true (sesame_store_insert_tenant (f->store, tenant, "sk_three", &error));
  g_assert_no_error (error);
  g_assert_nonnull (tenant->token_key);
  g_assert_cmpuint (g_bytes_get_size (tenant->token_key), ==, 32);
  g_assert_cmpint (tenant->created, >, 0);

  got = sesame_store_get_tenant (f->store, "t3", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->rp_id, ==, "example.test");
  g_assert_cmpstrv (got->expected_origins, origins);
  g_assert_cmpstr (got->user_verification, ==, "required");
  g_assert_cmpstr (got->attestation, ==, "none");
  g_assert_cmpstr (got->authenticator_attachment, ==, "platform");
  g_assert_cmpmem (got->allowed_algorithms, got->n_allowed_algorithms * sizeof (int),
                   algorithms, sizeof algorithms);
  g_assert_cmpint (got->token_lifetime, ==, 600);
  g_assert_cmpint (got->challenge_lifetime, ==, 300);
  g_assert_true (g_bytes_equal (got->token_key, tenant->token_key));

  /* Only the hash of the secret key is in the file. */
  g_assert_cmpint (EVP_Digest ("sk_three", 8, hash, &hash_len, EVP_sha256 (), NULL), ==, 1);
  stored_hash = raw_blob (f->path, "SELECT secret_key_hash FROM tenants WHERE id = 't3'");
  g_assert_cmpmem (g_bytes_get_data (stored_hash, NULL), g_bytes_get_size (stored_hash),
                   hash, sizeof hash);
  g_assert_cmpint (raw_int (f->path,
                            "SELECT count(*) FROM tenants WHERE"
                            " instr (CAST (secret_key_hash AS TEXT), 'sk_') > 0"),
                   ==, 0);

  g_clear_pointer (&got->authenticator_attachment, g_free);
  g_free (got->user_verification);
  got->user_verification = g_strdup ("discouraged");
  g_clear_pointer (&got->expected_origins, g_strfreev);
  got->token_lifetime = 60;
  g_assert_true (sesame_store_update_tenant (f->store, got, &error));
  g_assert_no_error (error);
  updated = sesame_store_get_tenant (f->store, "t3", &error);
  g_assert_no_error (error);
  g_assert_null (updated->authenticator_attachment);
  g_assert_null (updated->expected_origins);
  g_assert_cmpstr (updated->user_verification, ==, "discouraged");
  g_assert_cmpint (updated->token_lifetime, ==, 60);
  g_assert_true (g_bytes_equal (updated->token_key, tenant->token_key));

  g_assert_false (sesame_store_update_tenant (f->store, unknown, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (sesame_store_insert_tenant (f->store, duplicate, "sk_other", &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONFLICT);
  g_clear_error (&error);

  tenants = sesame_store_list_tenants (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tenants->len, ==, 3);
  g_assert_cmpstr (((SesameTenant *) g_ptr_array_index (tenants, 0))->id, ==, "t1");
  g_assert_cmpstr (((SesameTenant *) g_ptr_array_index (tenants, 2))->id, ==, "t3");

  g_clear_pointer (&got, sesame_tenant_free);
  got = sesame_store_get_tenant (f->store, "nobody", &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_assert_null (got);
}

static void
test_tenant_invalid_settings (Fixture      *f,
                              gconstpointer data)
{
  g_autoptr(SesameTenant) tenant = sesame_tenant_new ("t3", "localhost");
  g_autoptr(GError) error = NULL;

  g_free (tenant->user_verification);
  tenant->user_verification = g_strdup ("sometimes");
  g_assert_false (sesame_store_insert_tenant (f->store, tenant, "sk", &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT);
  g_assert_nonnull (strstr (error->message, "t3"));
  g_clear_error (&error);
  g_free (tenant->user_verification);
  tenant->user_verification = g_strdup ("preferred");

  tenant->n_allowed_algorithms = 0;
  g_assert_false (sesame_store_insert_tenant (f->store, tenant, "sk", &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);
  tenant->n_allowed_algorithms = 1;

  tenant->challenge_lifetime = 0;
  g_assert_false (sesame_store_insert_tenant (f->store, tenant, "sk", &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);
  tenant->challenge_lifetime = 300;

  g_assert_false (sesame_store_insert_tenant (f->store, tenant, "", &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);

  g_assert_null (tenant->token_key);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM tenants"), ==, 2);

  g_assert_true (sesame_store_insert_tenant (f->store, tenant, "sk", &error));
  g_assert_no_error (error);
}

static void
test_tenant_secret_key (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(SesameTenant) found = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (sesame_store_verify_secret_key (f->store, "t1", SECRET_ONE, &error));
  g_assert_no_error (error);

  g_assert_false (sesame_store_verify_secret_key (f->store, "t1", SECRET_ONE "x", &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_SECRET_KEY_MISMATCH);
  g_assert_null (strstr (error->message, SECRET_ONE));
  g_clear_error (&error);

  /* Another tenant's key is as wrong as any. */
  g_assert_false (sesame_store_verify_secret_key (f->store, "t1", SECRET_TWO, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_SECRET_KEY_MISMATCH);
  g_clear_error (&error);

  g_assert_false (sesame_store_verify_secret_key (f->store, "t1", "", &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_SECRET_KEY_MISMATCH);
  g_clear_error (&error);
  g_assert_false (sesame_store_verify_secret_key (f->store, "t1", NULL, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_SECRET_KEY_MISMATCH);
  g_clear_error (&error);

  g_assert_false (sesame_store_verify_secret_key (f->store, "nobody", SECRET_ONE, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The Server API sends only the key: find the tenant it belongs to. */
  found = sesame_store_find_tenant_by_secret_key (f->store, SECRET_TWO, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->id, ==, "t2");
  g_clear_pointer (&found, sesame_tenant_free);
  found = sesame_store_find_tenant_by_secret_key (f->store, "sk_nope", &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_SECRET_KEY_MISMATCH);
  g_assert_null (found);
  g_clear_error (&error);
  found = sesame_store_find_tenant_by_secret_key (f->store, "", &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_SECRET_KEY_MISMATCH);
  g_assert_null (found);
  g_clear_error (&error);

  /* Rotation: the old key stops working at once. */
  g_assert_true (sesame_store_set_tenant_secret_key (f->store, "t1", "sk_rotated", &error));
  g_assert_no_error (error);
  g_assert_false (sesame_store_verify_secret_key (f->store, "t1", SECRET_ONE, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_SECRET_KEY_MISMATCH);
  g_clear_error (&error);
  g_assert_true (sesame_store_verify_secret_key (f->store, "t1", "sk_rotated", &error));
  g_assert_no_error (error);
  g_assert_false (sesame_store_set_tenant_secret_key (f->store, "t1", "", &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);
  g_assert_false (sesame_store_set_tenant_secret_key (f->store, "nobody", "sk", &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
}

/* Users */

static void
test_user_upsert (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(SesameUser) first = NULL;
  g_autoptr(SesameUser) second = NULL;
  g_autoptr(SesameUser) clash = NULL;
  g_autoptr(SesameUser) found = NULL;
  g_autoptr(SesameUser) orphan = NULL;
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GError) error = NULL;

  first = sesame_store_upsert_user (f->store, "t1", "carol", "carol@example.test", "Carol",
                                    &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first->username, ==, "carol@example.test");

  /* NULL keeps what is stored; created never changes. */
  second = sesame_store_upsert_user (f->store, "t1", "carol", NULL, "Carol C.", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second->username, ==, "carol@example.test");
  g_assert_cmpstr (second->display_name, ==, "Carol C.");
  g_assert_cmpint (second->created, ==, first->created);

  clash = sesame_store_upsert_user (f->store, "t1", "dave", "carol@example.test", NULL, &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONFLICT);
  g_assert_null (clash);
  g_clear_error (&error);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM users WHERE user_id = 'dave'"), ==, 0);

  /* Unique per tenant only. */
  clash = sesame_store_upsert_user (f->store, "t2", "dave", "carol@example.test", NULL, &error);
  g_assert_no_error (error);

  found = sesame_store_find_user_by_username (f->store, "t1", "carol@example.test", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->user_id, ==, "carol");

  orphan = sesame_store_upsert_user (f->store, "nobody", "erin", NULL, NULL, &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT);
  g_assert_null (orphan);
  g_clear_error (&error);

  users = sesame_store_list_users (f->store, "t1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (users->len, ==, 3);
  g_assert_cmpstr (((SesameUser *) g_ptr_array_index (users, 0))->user_id, ==, "alice");
  g_assert_cmpstr (((SesameUser *) g_ptr_array_index (users, 2))->user_id, ==, "carol");

  g_clear_pointer (&found, sesame_user_free);
  found = sesame_store_get_user (f->store, "t2", "alice", &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_assert_null (found);
}

static void
assert_user_ids (GPtrArray  *users,
                 const char *expected)
{
  g_autoptr(GString) ids = g_string_new (NULL);

  g_assert_nonnull (users);
  for (guint i = 0; i < users->len; i++)
    g_string_append_printf (ids, "%s%s", i ? " " : "",
                            ((SesameUser *) g_ptr_array_index (users, i))->user_id);
  g_assert_cmpstr (ids->str, ==, expected);
}

static void
test_user_list_after (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *users;

  /* Added out of order; "Zed" sorts first (bytewise). */
  add_user (f->store, "t1", "dave");
  add_user (f->store, "t1", "carol");
  add_user (f->store, "t1", "Zed");
  add_user (f->store, "t2", "aaron");

  users = sesame_store_list_users_after (f->store, "t1", NULL, 0, &error);
  g_assert_no_error (error);
  assert_user_ids (users, "Zed alice bob carol dave");
  g_clear_pointer (&users, g_ptr_array_unref);

  /* Pages of two, each starting after the last id of the one before. */
  users = sesame_store_list_users_after (f->store, "t1", NULL, 2, &error);
  g_assert_no_error (error);
  assert_user_ids (users, "Zed alice");
  g_clear_pointer (&users, g_ptr_array_unref);
  users = sesame_store_list_users_after (f->store, "t1", "alice", 2, &error);
  g_assert_no_error (error);
  assert_user_ids (users, "bob carol");
  g_clear_pointer (&users, g_ptr_array_unref);
  users = sesame_store_list_users_after (f->store, "t1", "carol", 2, &error);
  g_assert_no_error (error);
  assert_user_ids (users, "dave");
  g_clear_pointer (&users, g_ptr_array_unref);
  users = sesame_store_list_users_after (f->store, "t1", "dave", 2, &error);
  g_assert_no_error (error);
  assert_user_ids (users, "");
  g_clear_pointer (&users, g_ptr_array_unref);

  /* The cursor need not be a user (one deleted meanwhile, say). */
  users = sesame_store_list_users_after (f->store, "t1", "b", 0, &error);
  g_assert_no_error (error);
  assert_user_ids (users, "bob carol dave");
  g_clear_pointer (&users, g_ptr_array_unref);

  /* Only the tenant's own users. */
  users = sesame_store_list_users_after (f->store, "t2", NULL, 10, &error);
  g_assert_no_error (error);
  assert_user_ids (users, "aaron");
  g_clear_pointer (&users, g_ptr_array_unref);
  users = sesame_store_list_users_after (f->store, "nobody", NULL, 10, &error);
  g_assert_no_error (error);
  assert_user_ids (users, "");
  g_clear_pointer (&users, g_ptr_array_unref);
}

static void
test_user_delete_cascades (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr(SesamePasskey) a1 = make_passkey ("t1", "alice", "alice-1");
  g_autoptr(SesamePasskey) a2 = make_passkey ("t1", "alice", "alice-2");
  g_autoptr(SesamePasskey) b1 = make_passkey ("t1", "bob", "bob-1");
  g_autoptr(SesameAction) action = make_action ("t1", "alice", "signIn", "k-alice",
                                                "CHALLENGE_REQUIRED", 0);
  g_autoptr(SesameChallenge) challenge = g_new0 (SesameChallenge, 1);
  SesameEvent event = { .tenant_id = (char *) "t1", .kind = (char *) "track",
                        .action_key = (char *) "k-alice", .user_id = (char *) "alice" };
  g_autoptr(GError) error = NULL;

  g_assert_true (sesame_store_add_passkey (f->store, a1, &error));
  g_assert_true (sesame_store_add_passkey (f->store, a2, &error));
  g_assert_true (sesame_store_add_passkey (f->store, b1, &error));
  g_assert_true (sesame_store_create_action (f->store, action, &error));
  challenge->tenant_id = g_strdup ("t1");
  challenge->action_key = g_strdup ("k-alice");
  challenge->user_id = g_strdup ("alice");
  g_assert_true (sesame_store_create_challenge (f->store, challenge, &error));
  g_assert_cmpint (sesame_store_append_event (f->store, &event, &error), >, 0);
  g_assert_no_error (error);

  g_assert_true (sesame_store_delete_user (f->store, "t1", "alice", &error));
  g_assert_no_error (error);

  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM users WHERE user_id = 'alice'"), ==, 0);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM passkeys WHERE user_id = 'alice'"),
                   ==, 0);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM passkeys WHERE user_id = 'bob'"), ==, 1);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM actions"), ==, 0);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM challenges"), ==, 0);
  /* The log keeps what happened. */
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM events"), ==, 1);

  g_assert_false (sesame_store_delete_user (f->store, "t1", "alice", &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
}

/* Passkeys */

static void
test_passkey_unknown_user (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr(SesamePasskey) ghost = make_passkey ("t1", "ghost", "cred-ghost");
  g_autoptr(SesamePasskey) elsewhere = make_passkey ("t2", "alice", "cred-elsewhere");
  g_autoptr(GError) error = NULL;

  g_assert_false (sesame_store_add_passkey (f->store, ghost, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT);
  g_assert_nonnull (strstr (error->message, "ghost"));
  g_assert_null (ghost->id);
  g_clear_error (&error);

  /* alice exists, but in t1: the key is (tenant, user). */
  g_assert_false (sesame_store_add_passkey (f->store, elsewhere, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT);

  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM passkeys"), ==, 0);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM pragma_foreign_key_check"), ==, 0);
}

static void
test_passkey_duplicate (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(SesamePasskey) first = make_passkey ("t1", "alice", "same-credential");
  g_autoptr(SesamePasskey) second = make_passkey ("t1", "bob", "same-credential");
  g_autoptr(SesamePasskey) other_tenant = NULL;
  g_autoptr(SesamePasskey) found = NULL;
  g_autoptr(GError) error = NULL;
  static const guint8 other_key[] = { 0xa1, 0x01, 0x01 };

  g_assert_true (sesame_store_add_passkey (f->store, first, &error));
  g_assert_no_error (error);

  g_bytes_unref (second->public_key);
  second->public_key = g_bytes_new_static (other_key, sizeof other_key);
  second->sign_count = 99;
  g_assert_false (sesame_store_add_passkey (f->store, second, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONFLICT);
  g_clear_error (&error);

  found = sesame_store_find_passkey (f->store, "t1", first->credential_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->id, ==, first->id);
  g_assert_cmpstr (found->user_id, ==, "alice");
  g_assert_true (g_bytes_equal (found->public_key, first->public_key));
  g_assert_cmpuint (found->sign_count, ==, 1);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM passkeys"), ==, 1);

  /* Credential ids are unique per tenant, not across tenants. */
  add_user (f->store, "t2", "alice");
  other_tenant = make_passkey ("t2", "alice", "same-credential");
  g_assert_true (sesame_store_add_passkey (f->store, other_tenant, &error));
  g_assert_no_error (error);
}

static void
test_passkey_lifecycle (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(SesamePasskey) passkey = make_passkey ("t1", "alice", "cred-1");
  g_autoptr(SesamePasskey) second = make_passkey ("t1", "alice", "cred-2");
  g_autoptr(SesamePasskey) got = NULL;
  g_autoptr(SesamePasskey) used = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GBytes) unknown = g_bytes_new_static ("nope", 4);
  g_autoptr(GError) error = NULL;
  const char * const transports[] = { "internal", "hybrid", NULL };
  guint n_deleted = 0;

  passkey->transports = g_strdupv ((char **) transports);
  passkey->aaguid = g_strdup ("fbfc3007-154e-4ecc-8c0b-6e020557d7bd");
  passkey->backup_eligible = TRUE;
  passkey->attestation_trusted = TRUE;
  passkey->user_agent = g_strdup ("Mozilla/5.0 (X11; Linux x86_64)");
  g_assert_true (sesame_store_add_passkey (f->store, passkey, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (passkey->id), ==, 36);
  g_assert_cmpint (passkey->created, >, 0);
  second->created = passkey->created + 1;
  g_assert_true (sesame_store_add_passkey (f->store, second, &error));
  g_assert_no_error (error);

  got = sesame_store_get_passkey (f->store, "t1", passkey->id, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (got->credential_id, passkey->credential_id));
  g_assert_true (g_bytes_equal (got->public_key, passkey->public_key));
  g_assert_cmpint (got->alg, ==, -7);
  g_assert_cmpuint (got->sign_count, ==, 1);
  g_assert_cmpstrv (got->transports, transports);
  g_assert_cmpstr (got->aaguid, ==, passkey->aaguid);
  g_assert_true (got->backup_eligible);
  g_assert_false (got->backed_up);
  g_assert_true (got->attestation_trusted);
  g_assert_cmpstr (got->attestation_format, ==, "none");
  g_assert_cmpstr (got->user_agent, ==, passkey->user_agent);
  g_assert_cmpint (got->created, ==, passkey->created);
  g_assert_cmpint (got->last_used, ==, 0);
  g_clear_pointer (&got, sesame_passkey_free);

  got = sesame_store_get_passkey (f->store, "t2", passkey->id, &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  got = sesame_store_find_passkey (f->store, "t1", unknown, &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  list = sesame_store_list_passkeys (f->store, "t1", "alice", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((SesamePasskey *) g_ptr_array_index (list, 0))->id, ==, passkey->id);
  g_assert_cmpstr (((SesamePasskey *) g_ptr_array_index (list, 1))->id, ==, second->id);
  g_clear_pointer (&list, g_ptr_array_unref);

  g_assert_true (sesame_store_update_passkey_after_use (f->store, "t1", passkey->id, 5, TRUE,
                                                        &error));
  g_assert_no_error (error);
  used = sesame_store_find_passkey (f->store, "t1", passkey->credential_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (used->sign_count, ==, 5);
  g_assert_true (used->backed_up);
  g_assert_cmpint (used->last_used, >=, passkey->created);
  g_assert_false (sesame_store_update_passkey_after_use (f->store, "t2", passkey->id, 6, TRUE,
                                                         &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A passkey is deleted only through its own user. */
  g_assert_false (sesame_store_delete_passkey (f->store, "t1", "bob", passkey->id, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (sesame_store_delete_passkey (f->store, "t1", "alice", passkey->id, &error));
  g_assert_no_error (error);
  list = sesame_store_list_passkeys (f->store, "t1", "alice", &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_clear_pointer (&list, g_ptr_array_unref);

  g_assert_true (sesame_store_delete_user_passkeys (f->store, "t1", "alice", &n_deleted, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_deleted, ==, 1);
  list = sesame_store_list_passkeys (f->store, "t1", "alice", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM users WHERE user_id = 'alice'"), ==, 1);
}

/* Challenges */

static void
test_challenge_single_use (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr(SesameChallenge) challenge = create_challenge (f->store, "t1", 0);
  g_autoptr(SesameChallenge) consumed = NULL;
  g_autoptr(SesameChallenge) replayed = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (strlen (challenge->id), ==, 36);
  g_assert_cmpuint (g_bytes_get_size (challenge->bytes), ==, 32);
  g_assert_cmpint (challenge->expires, ==, challenge->created + 300 * G_USEC_PER_SEC);
  g_assert_false (challenge->used);

  consumed = sesame_store_consume_challenge (f->store, "t1", challenge->id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (consumed);
  g_assert_true (consumed->used);
  g_assert_true (g_bytes_equal (consumed->bytes, challenge->bytes));
  g_assert_cmpint (consumed->type, ==, SESAME_CHALLENGE_AUTHENTICATION);

  replayed = sesame_store_consume_challenge (f->store, "t1", challenge->id, &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_ALREADY_USED);
  g_assert_null (replayed);
}

static void
test_challenge_expired (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(SesameChallenge) old = create_challenge (f->store, "t1",
                                                     g_get_real_time () - G_USEC_PER_SEC);
  g_autoptr(SesameChallenge) fresh = create_challenge (f->store, "t1",
                                                       g_get_real_time () + G_TIME_SPAN_HOUR);
  g_autoptr(SesameChallenge) consumed = NULL;
  g_autoptr(GError) error = NULL;

  consumed = sesame_store_consume_challenge (f->store, "t1", old->id, &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_EXPIRED);
  g_assert_null (consumed);
  g_clear_error (&error);
  /* Refused, not used: asking again says expired again, not replayed. */
  consumed = sesame_store_consume_challenge (f->store, "t1", old->id, &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_EXPIRED);
  g_clear_error (&error);

  consumed = sesame_store_consume_challenge (f->store, "t1", fresh->id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (consumed);
}

static void
test_challenge_other_tenant (Fixture      *f,
                             gconstpointer data)
{
  g_autoptr(SesameChallenge) challenge = create_challenge (f->store, "t1", 0);
  g_autoptr(SesameChallenge) consumed = NULL;
  g_autoptr(GError) error = NULL;

  consumed = sesame_store_consume_challenge (f->store, "t2", challenge->id, &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_assert_null (consumed);
  g_clear_error (&error);

  consumed = sesame_store_consume_challenge (f->store, "t1", "no-such-challenge", &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The other tenant's attempt did not burn it. */
  consumed = sesame_store_consume_challenge (f->store, "t1", challenge->id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (consumed);
}

#define N_RACED 100

typedef struct
{
  SesameStore  *store;
  char        **ids;
  gint         *ready;
  gint          wins[N_RACED];
  gint          replays[N_RACED];
  gint          failures;
} Racer;

static gpointer
race_thread (gpointer data)
{
  Racer *racer = data;

  /* Start together, so that the two really contend. */
  g_atomic_int_inc (racer->ready);
  while (g_atomic_int_get (racer->ready) < 2)
    g_thread_yield ();

  for (guint i = 0; i < N_RACED; i++)
    {
      g_autoptr(SesameChallenge) challenge = NULL;
      g_autoptr(GError) error = NULL;

      challenge = sesame_store_consume_challenge (racer->store, "t1", racer->ids[i], &error);
      if (challenge)
        racer->wins[i]++;
      else if (g_error_matches (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_ALREADY_USED))
        racer->replays[i]++;
      else
        {
          g_test_message ("consume %s: %s", racer->ids[i], error->message);
          racer->failures++;
        }
    }
  return NULL;
}

static void
race (Fixture     *f,
      SesameStore *first,
      SesameStore *second)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  Racer *racers = g_new0 (Racer, 2);
  GThread *threads[2];
  gint ready = 0;

  for (guint i = 0; i < N_RACED; i++)
    {
      g_autoptr(SesameChallenge) challenge = create_challenge (f->store, "t1", 0);

      g_ptr_array_add (ids, g_steal_pointer (&challenge->id));
    }
  racers[0].store = first;
  racers[1].store = second;
  for (guint t = 0; t < 2; t++)
    {
      racers[t].ids = (char **) ids->pdata;
      racers[t].ready = &ready;
      threads[t] = g_thread_new ("racer", race_thread, &racers[t]);
    }
  for (guint t = 0; t < 2; t++)
    g_thread_join (threads[t]);

  g_assert_cmpint (racers[0].failures, ==, 0);
  g_assert_cmpint (racers[1].failures, ==, 0);
  for (guint i = 0; i < N_RACED; i++)
    {
      g_assert_cmpint (racers[0].wins[i] + racers[1].wins[i], ==, 1);
      g_assert_cmpint (racers[0].replays[i] + racers[1].replays[i], ==, 1);
    }
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM challenges WHERE used = 0"), ==, 0);
  g_free (racers);
}

static void
test_challenge_concurrent (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr(SesameStore) other = NULL;
  g_autoptr(GError) error = NULL;

  other = sesame_store_open (f->path, &error);
  g_assert_no_error (error);
  race (f, f->store, other);
}

/* One store shared by two threads: its lock serializes them. */
static void
test_challenge_concurrent_shared (Fixture      *f,
                                  gconstpointer data)
{
  race (f, f->store, f->store);
}

static void
test_challenge_purge (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(SesameChallenge) old = create_challenge (f->store, "t1",
                                                     g_get_real_time () - G_USEC_PER_SEC);
  g_autoptr(SesameChallenge) used = create_challenge (f->store, "t1", 0);
  g_autoptr(SesameChallenge) fresh = create_challenge (f->store, "t2", 0);
  g_autoptr(SesameChallenge) consumed = NULL;
  g_autoptr(GError) error = NULL;
  guint n_purged = 0;

  consumed = sesame_store_consume_challenge (f->store, "t1", used->id, &error);
  g_assert_no_error (error);
  g_clear_pointer (&consumed, sesame_challenge_free);

  g_assert_true (sesame_store_purge_challenges (f->store, &n_purged, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_purged, ==, 1);

  consumed = sesame_store_consume_challenge (f->store, "t1", old->id, &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* A used, unexpired challenge stays, so a replay is still named one. */
  consumed = sesame_store_consume_challenge (f->store, "t1", used->id, &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_ALREADY_USED);
  g_clear_error (&error);
  consumed = sesame_store_consume_challenge (f->store, "t2", fresh->id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (consumed);
}

/* Actions */

static void
test_action_idempotency (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(SesameAction) first = make_action ("t1", "alice", "signIn", "key-1",
                                               "CHALLENGE_REQUIRED", 0);
  g_autoptr(SesameAction) again = make_action ("t1", "bob", "addPasskey", "key-1",
                                               "ALLOW", 0);
  g_autoptr(SesameAction) other_tenant = NULL;
  g_autoptr(SesameAction) generated = make_action ("t1", "alice", "signIn", NULL,
                                                   "CHALLENGE_REQUIRED", 0);
  g_autoptr(SesameAction) orphan = make_action ("t1", "ghost", "signIn", NULL, "ALLOW", 0);
  g_autoptr(SesameAction) bad_state = make_action ("t1", "alice", "signIn", NULL, "MAYBE", 0);
  g_autoptr(SesameAction) stored = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (sesame_store_create_action (f->store, first, &error));
  g_assert_no_error (error);
  g_assert_cmpint (first->created, >, 0);
  g_assert_cmpint (first->updated, ==, first->created);
  g_assert_cmpint (first->state_updated, ==, first->created);

  g_assert_false (sesame_store_create_action (f->store, again, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "key-1"));
  g_clear_error (&error);
  stored = sesame_store_get_action (f->store, "t1", "key-1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored->action_code, ==, "signIn");
  g_assert_cmpstr (stored->user_id, ==, "alice");
  g_assert_cmpstr (stored->state, ==, "CHALLENGE_REQUIRED");

  add_user (f->store, "t2", "alice");
  other_tenant = make_action ("t2", "alice", "signIn", "key-1", "ALLOW", 0);
  g_assert_true (sesame_store_create_action (f->store, other_tenant, &error));
  g_assert_no_error (error);

  g_assert_true (sesame_store_create_action (f->store, generated, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (generated->idempotency_key), ==, 36);

  g_assert_false (sesame_store_create_action (f->store, orphan, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);
  g_assert_false (sesame_store_create_action (f->store, bad_state, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM actions"), ==, 3);

  g_clear_pointer (&stored, sesame_action_free);
  stored = sesame_store_get_action (f->store, "t1", "no-such-key", &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_assert_null (stored);
}

static void
assert_codes (GPtrArray  *actions,
              const char *expected)
{
  g_autoptr(GString) keys = g_string_new (NULL);

  for (guint i = 0; i < actions->len; i++)
    {
      SesameAction *action = g_ptr_array_index (actions, i);

      g_string_append_printf (keys, "%s%s", i ? " " : "", action->idempotency_key);
    }
  g_assert_cmpstr (keys->str, ==, expected);
}

static void
test_action_update_query (Fixture      *f,
                          gconstpointer data)
{
  gint64 t0 = g_get_real_time () - 10 * G_USEC_PER_SEC;
  g_autoptr(SesameAction) a = make_action ("t1", "alice", "signIn", "a", "CHALLENGE_REQUIRED", t0);
  g_autoptr(SesameAction) b = make_action ("t1", "alice", "addPasskey", "b", "CHALLENGE_REQUIRED",
                                           t0 + G_USEC_PER_SEC);
  g_autoptr(SesameAction) c = make_action ("t1", "alice", "signIn", "c", "ALLOW",
                                           t0 + 2 * G_USEC_PER_SEC);
  g_autoptr(SesameAction) d = make_action ("t1", "bob", "signIn", "d", "ALLOW", t0);
  g_autoptr(SesameAction) succeeded = NULL;
  g_autoptr(SesameAction) again = NULL;
  g_autoptr(SesameAction) missing = NULL;
  g_autoptr(SesameAction) stored = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  const char * const sign_in[] = { "signIn", NULL };
  const char * const both[] = { "signIn", "addPasskey", NULL };
  const char * const none[] = { NULL };

  g_assert_true (sesame_store_create_action (f->store, a, &error));
  g_assert_true (sesame_store_create_action (f->store, b, &error));
  g_assert_true (sesame_store_create_action (f->store, c, &error));
  g_assert_true (sesame_store_create_action (f->store, d, &error));
  g_assert_no_error (error);

  succeeded = sesame_store_update_action (f->store, "t1", "a", "CHALLENGE_SUCCEEDED", "PASSKEY",
                                          "passkey-1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (succeeded->state, ==, "CHALLENGE_SUCCEEDED");
  g_assert_cmpstr (succeeded->verification_method, ==, "PASSKEY");
  g_assert_cmpstr (succeeded->authenticator_id, ==, "passkey-1");
  g_assert_cmpint (succeeded->created, ==, t0);
  g_assert_cmpint (succeeded->state_updated, >, t0);
  g_assert_cmpint (succeeded->updated, ==, succeeded->state_updated);

  /* Same state: state_updated stays; NULL keeps the method. */
  again = sesame_store_update_action (f->store, "t1", "a", "CHALLENGE_SUCCEEDED", NULL, NULL,
                                      &error);
  g_assert_no_error (error);
  g_assert_cmpint (again->state_updated, ==, succeeded->state_updated);
  g_assert_cmpint (again->updated, >=, succeeded->updated);
  g_assert_cmpstr (again->verification_method, ==, "PASSKEY");
  g_assert_cmpstr (again->authenticator_id, ==, "passkey-1");

  missing = sesame_store_update_action (f->store, "t2", "a", "ALLOW", NULL, NULL, &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_assert_null (missing);
  g_clear_error (&error);
  missing = sesame_store_update_action (f->store, "t1", "a", "SOMETHING", NULL, NULL, &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT);
  g_assert_null (missing);
  g_clear_error (&error);
  stored = sesame_store_get_action (f->store, "t1", "a", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored->state, ==, "CHALLENGE_SUCCEEDED");

  found = sesame_store_query_actions (f->store, "t1", "alice", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_codes (found, "c b a");
  g_clear_pointer (&found, g_ptr_array_unref);

  found = sesame_store_query_actions (f->store, "t1", "alice", t0 + G_USEC_PER_SEC, NULL, NULL,
                                      &error);
  assert_codes (found, "c b");
  g_clear_pointer (&found, g_ptr_array_unref);

  found = sesame_store_query_actions (f->store, "t1", "alice", 0, sign_in, NULL, &error);
  assert_codes (found, "c a");
  g_clear_pointer (&found, g_ptr_array_unref);

  found = sesame_store_query_actions (f->store, "t1", "alice", 0, both, NULL, &error);
  assert_codes (found, "c b a");
  g_clear_pointer (&found, g_ptr_array_unref);

  found = sesame_store_query_actions (f->store, "t1", "alice", 0, none, NULL, &error);
  assert_codes (found, "c b a");
  g_clear_pointer (&found, g_ptr_array_unref);

  found = sesame_store_query_actions (f->store, "t1", "alice", 0, NULL, "ALLOW", &error);
  assert_codes (found, "c");
  g_clear_pointer (&found, g_ptr_array_unref);

  found = sesame_store_query_actions (f->store, "t1", "alice", 0, sign_in, "CHALLENGE_SUCCEEDED",
                                      &error);
  assert_codes (found, "a");
  g_clear_pointer (&found, g_ptr_array_unref);

  found = sesame_store_query_actions (f->store, "t1", "bob", 0, NULL, NULL, &error);
  assert_codes (found, "d");
  g_clear_pointer (&found, g_ptr_array_unref);

  found = sesame_store_query_actions (f->store, "t2", "alice", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_codes (found, "");
}

/* Events */

typedef struct
{
  SesameStore *store;
  GPtrArray   *events;
  GThread     *thread;
  gboolean     store_usable;
} Listener;

static void
event_added_cb (SesameStore *store,
                SesameEvent *event,
                Listener    *listener)
{
  g_autoptr(SesameTenant) tenant = NULL;

  g_ptr_array_add (listener->events, sesame_event_copy (event));
  listener->thread = g_thread_self ();
  /* The lock is released before emission, so a handler may use the store. */
  tenant = sesame_store_get_tenant (store, event->tenant_id, NULL);
  listener->store_usable = tenant != NULL;
}

static void
test_event_append_list_signal (Fixture      *f,
                               gconstpointer data)
{
  Listener listener = { .events = g_ptr_array_new_with_free_func ((GDestroyNotify) sesame_event_free) };
  SesameEvent track = { .tenant_id = (char *) "t1", .kind = (char *) "track",
                        .action_key = (char *) "k1", .user_id = (char *) "alice",
                        .outcome = (char *) "success",
                        .details = (char *) "{\"action\":\"signIn\"}" };
  SesameEvent registration = { .tenant_id = (char *) "t1", .kind = (char *) "registration",
                               .origin = (char *) "http://localhost:3000",
                               .user_agent = (char *) "test", .outcome = (char *) "failure",
                               .reason = (char *) "origin_mismatch" };
  SesameEvent other = { .tenant_id = (char *) "t2", .kind = (char *) "track" };
  SesameEvent broken = { .tenant_id = (char *) "t1", .kind = (char *) "track",
                         .details = (char *) "{not json" };
  SesameEvent authentication = { .tenant_id = (char *) "t1", .kind = (char *) "authentication",
                                 .time = 12345 };
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id1, id2, id3, id4;
  gulong handler;

  handler = g_signal_connect (f->store, "event-added", G_CALLBACK (event_added_cb), &listener);

  id1 = sesame_store_append_event (f->store, &track, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id1, >, 0);
  g_assert_cmpint (track.id, ==, id1);
  g_assert_cmpint (track.time, >, 0);
  id2 = sesame_store_append_event (f->store, &registration, &error);
  id3 = sesame_store_append_event (f->store, &other, &error);
  id4 = sesame_store_append_event (f->store, &authentication, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id2, >, id1);
  g_assert_cmpint (id3, >, id2);
  g_assert_cmpint (id4, >, id3);

  g_assert_cmpint (sesame_store_append_event (f->store, &broken, &error), ==, 0);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);

  /* Emitted synchronously on this (the opening) thread, in order, once each. */
  g_assert_cmpuint (listener.events->len, ==, 4);
  g_assert_cmpint (((SesameEvent *) g_ptr_array_index (listener.events, 0))->id, ==, id1);
  g_assert_cmpstr (((SesameEvent *) g_ptr_array_index (listener.events, 0))->details, ==,
                   track.details);
  g_assert_cmpint (((SesameEvent *) g_ptr_array_index (listener.events, 3))->id, ==, id4);
  g_assert_true (listener.thread == g_thread_self ());
  g_assert_true (listener.store_usable);

  list = sesame_store_list_events (f->store, "t1", 0, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpint (((SesameEvent *) g_ptr_array_index (list, 0))->id, ==, id1);
  g_assert_cmpstr (((SesameEvent *) g_ptr_array_index (list, 0))->user_id, ==, "alice");
  g_assert_cmpstr (((SesameEvent *) g_ptr_array_index (list, 1))->reason, ==, "origin_mismatch");
  g_assert_cmpint (((SesameEvent *) g_ptr_array_index (list, 2))->id, ==, id4);
  g_assert_cmpint (((SesameEvent *) g_ptr_array_index (list, 2))->time, ==, 12345);
  g_clear_pointer (&list, g_ptr_array_unref);

  list = sesame_store_list_events (f->store, "t1", id1, NULL, 0, &error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpint (((SesameEvent *) g_ptr_array_index (list, 0))->id, ==, id2);
  g_clear_pointer (&list, g_ptr_array_unref);

  list = sesame_store_list_events (f->store, "t1", 0, NULL, 1, &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpint (((SesameEvent *) g_ptr_array_index (list, 0))->id, ==, id1);
  g_clear_pointer (&list, g_ptr_array_unref);

  list = sesame_store_list_events (f->store, "t1", 0, "k1", 0, &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((SesameEvent *) g_ptr_array_index (list, 0))->kind, ==, "track");
  g_clear_pointer (&list, g_ptr_array_unref);

  list = sesame_store_list_events (f->store, "t2", 0, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpint (((SesameEvent *) g_ptr_array_index (list, 0))->id, ==, id3);

  g_signal_handler_disconnect (f->store, handler);
  g_ptr_array_unref (listener.events);
}

static gpointer
append_from_thread (gpointer data)
{
  SesameStore *store = data;
  SesameEvent event = { .tenant_id = (char *) "t1", .kind = (char *) "track" };
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (sesame_store_append_event (store, &event, &error), >, 0);
  g_assert_no_error (error);
  return NULL;
}

/* A worker's event reaches handlers on the thread that opened the store. */
static void
test_event_signal_from_thread (Fixture      *f,
                               gconstpointer data)
{
  Listener listener = { .events = g_ptr_array_new_with_free_func ((GDestroyNotify) sesame_event_free) };
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  gulong handler;

  handler = g_signal_connect (f->store, "event-added", G_CALLBACK (event_added_cb), &listener);
  g_thread_join (g_thread_new ("worker", append_from_thread, f->store));

  g_assert_cmpuint (listener.events->len, ==, 0);
  while (listener.events->len == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (listener.events->len, ==, 1);
  g_assert_true (listener.thread == g_thread_self ());

  g_signal_handler_disconnect (f->store, handler);
  g_ptr_array_unref (listener.events);
}

/* Transactions */

typedef struct
{
  Listener *listener;
  gboolean  fail;
} Work;

static gboolean
enroll_cb (SesameStore *store,
           gpointer     data,
           GError     **error)
{
  Work *work = data;
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(SesamePasskey) passkey = make_passkey ("t1", "carol", "carol-1");
  g_autoptr(SesamePasskey) duplicate = make_passkey ("t1", "carol", "carol-1");
  SesameEvent event = { .tenant_id = (char *) "t1", .kind = (char *) "registration",
                        .user_id = (char *) "carol" };

  user = sesame_store_upsert_user (store, "t1", "carol", "carol", NULL, error);
  if (!user || !sesame_store_add_passkey (store, passkey, error))
    return FALSE;
  if (!sesame_store_append_event (store, &event, error))
    return FALSE;
  /* Not announced before the commit. */
  g_assert_cmpuint (work->listener->events->len, ==, 0);
  if (work->fail)
    return sesame_store_add_passkey (store, duplicate, error);
  return TRUE;
}

static gboolean
add_dave_then_fail_cb (SesameStore *store,
                       gpointer     data,
                       GError     **error)
{
  g_autoptr(SesameUser) user = sesame_store_upsert_user (store, "t1", "dave", NULL, NULL, error);

  g_assert_nonnull (user);
  g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT, "made to fail");
  return FALSE;
}

static gboolean
nested_cb (SesameStore *store,
           gpointer     data,
           GError     **error)
{
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(GError) inner_error = NULL;

  /* The inner failure rolls back to its savepoint; the outer carries on. */
  g_assert_false (sesame_store_run_in_transaction (store, add_dave_then_fail_cb, NULL,
                                                   &inner_error));
  g_assert_error (inner_error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT);
  user = sesame_store_upsert_user (store, "t1", "erin", NULL, NULL, error);
  return user != NULL;
}

static void
test_transaction_rollback (Fixture      *f,
                           gconstpointer data)
{
  Listener listener = { .events = g_ptr_array_new_with_free_func ((GDestroyNotify) sesame_event_free) };
  Work work = { .listener = &listener, .fail = TRUE };
  g_autoptr(SesameUser) carol = NULL;
  g_autoptr(GError) error = NULL;
  gulong handler;

  handler = g_signal_connect (f->store, "event-added", G_CALLBACK (event_added_cb), &listener);

  g_assert_false (sesame_store_run_in_transaction (f->store, enroll_cb, &work, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONFLICT);
  g_clear_error (&error);
  carol = sesame_store_get_user (f->store, "t1", "carol", &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_assert_null (carol);
  g_clear_error (&error);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM passkeys"), ==, 0);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM events"), ==, 0);
  g_assert_cmpuint (listener.events->len, ==, 0);

  /* The store is usable afterwards, and the same work commits as a whole. */
  work.fail = FALSE;
  g_assert_true (sesame_store_run_in_transaction (f->store, enroll_cb, &work, &error));
  g_assert_no_error (error);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM users WHERE user_id = 'carol'"), ==, 1);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM passkeys"), ==, 1);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM events"), ==, 1);
  g_assert_cmpuint (listener.events->len, ==, 1);
  g_assert_cmpstr (((SesameEvent *) g_ptr_array_index (listener.events, 0))->kind,
                   ==, "registration");

  g_assert_true (sesame_store_run_in_transaction (f->store, nested_cb, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM users WHERE user_id = 'dave'"), ==, 0);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM users WHERE user_id = 'erin'"), ==, 1);

  g_signal_handler_disconnect (f->store, handler);
  g_ptr_array_unref (listener.events);
}

/* Whether the database file itself (not its WAL) holds @marker: only a
 * checkpoint copies a commit there. */
static gboolean
main_file_holds (const char *path,
                 const char *marker)
{
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  return memmem (contents, len, marker, strlen (marker)) != NULL;
}

/* Commits reach the database file from the background thread, although
 * the store's own connection no longer checkpoints; and without it a small
 * commit stays in the WAL, which is what makes the first half meaningful. */
static void
test_background_checkpoints (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(SesameStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline;

  store = sesame_store_open (f->path, &error);
  g_assert_no_error (error);
  add_tenant (store, "tenant-before-checkpoints", "sk_before");
  g_assert_false (main_file_holds (f->path, "tenant-before-checkpoints"));

  g_assert_true (sesame_store_checkpoint_in_background (store, 20, &error));
  g_assert_no_error (error);
  add_tenant (store, "tenant-with-checkpoints", "sk_with");
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!main_file_holds (f->path, "tenant-with-checkpoints") &&
         g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  g_assert_true (main_file_holds (f->path, "tenant-with-checkpoints"));
  g_assert_true (main_file_holds (f->path, "tenant-before-checkpoints"));

  /* Disposing stops the thread; the data stays readable. */
  g_clear_object (&store);
  store = sesame_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM tenants"), ==, 2);
}

/* Siblings: the connections of worker threads. */

typedef struct
{
  SesameStore *sibling;
  guint        n_events;
} SiblingWork;

static gboolean
append_two_in_transaction (SesameStore *store,
                           gpointer     user_data,
                           GError     **error)
{
  for (int i = 0; i < 2; i++)
    {
      SesameEvent event = { 0 };

      event.tenant_id = (char *) "t1";
      event.kind = (char *) "track";
      if (!sesame_store_append_event (store, &event, error))
        return FALSE;
    }
  return TRUE;
}

static gpointer
sibling_thread (gpointer data)
{
  SiblingWork *work = data;

  for (guint i = 0; i < work->n_events / 2; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (sesame_store_run_in_transaction (work->sibling, append_two_in_transaction,
                                                      NULL, &error));
      g_assert_no_error (error);
    }
  return NULL;
}

static void
collect_event_id_cb (SesameStore *store,
                     SesameEvent *event,
                     GArray      *ids)
{
  g_array_append_val (ids, event->id);
}

/* Two siblings write from two threads: every event comes once, from the
 * first store, on this thread, in id (commit) order; a sibling refuses a
 * write outside a transaction and changes nothing. */
static void
test_siblings (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(SesameStore) first = NULL;
  g_autoptr(SesameStore) second = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameAction) action = g_new0 (SesameAction, 1);
  SiblingWork work[2];
  GThread *threads[2];
  gint64 deadline;
  gulong handler;

  first = sesame_store_open_sibling (f->store, &error);
  g_assert_no_error (error);
  second = sesame_store_open_sibling (f->store, &error);
  g_assert_no_error (error);

  action->tenant_id = g_strdup ("t1");
  action->user_id = g_strdup ("alice");
  action->action_code = g_strdup ("signIn");
  action->state = g_strdup ("CHALLENGE_REQUIRED");
  g_test_expect_message ("Sesame", G_LOG_LEVEL_CRITICAL, "*wrote outside a transaction*");
  g_assert_false (sesame_store_create_action (first, action, &error));
  g_test_assert_expected_messages ();
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO);
  g_clear_error (&error);
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM actions"), ==, 0);

  handler = g_signal_connect (f->store, "event-added", G_CALLBACK (collect_event_id_cb), ids);
  work[0] = (SiblingWork) { first, 40 };
  work[1] = (SiblingWork) { second, 40 };
  for (int i = 0; i < 2; i++)
    threads[i] = g_thread_new ("sibling", sibling_thread, &work[i]);
  for (int i = 0; i < 2; i++)
    g_thread_join (threads[i]);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (ids->len < 80 && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  g_signal_handler_disconnect (f->store, handler);

  g_assert_cmpuint (ids->len, ==, 80);
  for (guint i = 1; i < ids->len; i++)
    g_assert_cmpint (g_array_index (ids, gint64, i - 1), <, g_array_index (ids, gint64, i));
  g_assert_cmpint (raw_int (f->path, "SELECT count(*) FROM events WHERE kind = 'track'"), ==, 80);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, setup, func) \
  g_test_add ("/sesame/store/" path, Fixture, NULL, setup, func, fixture_tear_down)

  ADD ("open/creates-wal", fixture_set_up_empty, test_open_creates_wal);
  ADD ("open/background-checkpoints", fixture_set_up_empty, test_background_checkpoints);
  ADD ("open/reopen", fixture_set_up, test_open_reopen);
  ADD ("open/too-new", fixture_set_up, test_open_too_new);
  ADD ("open/not-a-database", fixture_set_up_empty, test_open_not_a_database);
  ADD ("open/migration-rollback", fixture_set_up_empty, test_open_migration_rollback);
  ADD ("tenant/roundtrip", fixture_set_up, test_tenant_roundtrip);
  ADD ("tenant/invalid-settings", fixture_set_up, test_tenant_invalid_settings);
  ADD ("tenant/secret-key", fixture_set_up, test_tenant_secret_key);
  ADD ("user/upsert", fixture_set_up, test_user_upsert);
  ADD ("user/list-after", fixture_set_up, test_user_list_after);
  ADD ("user/delete-cascades", fixture_set_up, test_user_delete_cascades);
  ADD ("passkey/unknown-user", fixture_set_up, test_passkey_unknown_user);
  ADD ("passkey/duplicate", fixture_set_up, test_passkey_duplicate);
  ADD ("passkey/lifecycle", fixture_set_up, test_passkey_lifecycle);
  ADD ("challenge/single-use", fixture_set_up, test_challenge_single_use);
  ADD ("challenge/expired", fixture_set_up, test_challenge_expired);
  ADD ("challenge/other-tenant", fixture_set_up, test_challenge_other_tenant);
  ADD ("challenge/concurrent", fixture_set_up, test_challenge_concurrent);
  ADD ("challenge/concurrent-shared", fixture_set_up, test_challenge_concurrent_shared);
  ADD ("challenge/purge", fixture_set_up, test_challenge_purge);
  ADD ("action/idempotency", fixture_set_up, test_action_idempotency);
  ADD ("action/update-and-query", fixture_set_up, test_action_update_query);
  ADD ("event/append-list-signal", fixture_set_up, test_event_append_list_signal);
  ADD ("event/signal-from-thread", fixture_set_up, test_event_signal_from_thread);
  ADD ("transaction/rollback", fixture_set_up, test_transaction_rollback);
  ADD ("sibling/threads", fixture_set_up, test_siblings);

#undef ADD

  return g_test_run ();
}
