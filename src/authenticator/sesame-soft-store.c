/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-soft-store.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCHEMA_VERSION 1

/* The keys in this file are what a hardware authenticator keeps in its
 * secure element: only the owner may read it. */
#define FILE_MODE 0600
#define DIR_MODE 0700

struct _SesameSoftStore
{
  sqlite3 *db;
  char    *path;
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

static const char schema[] =
  "CREATE TABLE credentials ("
  "  id BLOB PRIMARY KEY NOT NULL,"
  "  rp_id TEXT NOT NULL,"
  "  user_handle BLOB NOT NULL,"
  "  user_name TEXT NOT NULL,"
  "  user_display_name TEXT,"
  "  algorithm INTEGER NOT NULL,"
  "  private_key BLOB NOT NULL,"
  "  sign_count INTEGER NOT NULL DEFAULT 0,"
  "  created INTEGER NOT NULL,"
  "  last_used INTEGER NOT NULL DEFAULT 0,"
  "  backup_eligible INTEGER NOT NULL,"
  "  resident_key INTEGER NOT NULL,"
  "  UNIQUE (rp_id, user_handle));"
  "CREATE INDEX credentials_by_rp ON credentials (rp_id, created);"
  /* One row at most: the PIN's salt and hash, and the retries left. */
  "CREATE TABLE pin ("
  "  one INTEGER PRIMARY KEY CHECK (one = 1),"
  "  salt BLOB NOT NULL,"
  "  hash BLOB NOT NULL,"
  "  iterations INTEGER NOT NULL,"
  "  retries INTEGER NOT NULL);";

void
sesame_soft_pin_record_clear (SesameSoftPinRecord *record)
{
  g_clear_pointer (&record->salt, g_bytes_unref);
  g_clear_pointer (&record->hash, g_bytes_unref);
  record->iterations = 0;
  record->retries = 0;
}

static gboolean
set_sqlite_error (SesameSoftStore *store,
                  GError         **error,
                  const char      *what)
{
  g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE,
               "The credential file %s: %s failed: %s",
               store->path, what, sqlite3_errmsg (store->db));
  return FALSE;
}

static sqlite3_stmt *
prepare (SesameSoftStore *store,
         const char      *sql,
         GError         **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (store->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (store, error, "preparing a statement");
      return NULL;
    }
  return stmt;
}

static gboolean
exec (SesameSoftStore *store,
      const char      *sql,
      const char      *what,
      GError         **error)
{
  if (sqlite3_exec (store->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return set_sqlite_error (store, error, what);
  return TRUE;
}

static void
bind_bytes (sqlite3_stmt *stmt,
            int           index,
            GBytes       *bytes)
{
  gsize len = 0;
  gconstpointer data = g_bytes_get_data (bytes, &len);

  /* A zero-length blob with a NULL pointer would be bound as SQL NULL. */
  sqlite3_bind_blob (stmt, index, data ? data : "", (int) len, SQLITE_TRANSIENT);
}

static GBytes *
column_bytes (sqlite3_stmt *stmt,
              int           column)
{
  const void *data = sqlite3_column_blob (stmt, column);
  int len = sqlite3_column_bytes (stmt, column);

  return g_bytes_new (data, len);
}

static char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* The file is made (or tightened) to mode 0600 before SQLite ever writes
 * to it: open(2)'s mode is filtered by the umask, which can only remove
 * bits, so fchmod(2) sets it exactly whatever the umask. SQLite gives its
 * journal the database file's mode. */
static gboolean
prepare_file (const char *path,
              GError    **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  struct stat st;
  int fd;
  int saved_errno;

  if (g_mkdir_with_parents (dir, DIR_MODE) != 0)
    {
      saved_errno = errno;
      g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE,
                   "Could not create the folder %s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }

  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, FILE_MODE);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE,
                   "Could not open the credential file %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) ||
      ((st.st_mode & 07777) != FILE_MODE && fchmod (fd, FILE_MODE) != 0))
    {
      saved_errno = errno;
      g_close (fd, NULL);
      g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE,
                   "The credential file %s cannot be made private (mode 0600): %s",
                   path, saved_errno ? g_strerror (saved_errno) : "not a regular file");
      return FALSE;
    }

  return g_close (fd, error);
}

static gboolean
migrate (SesameSoftStore *store,
         GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (store, "PRAGMA user_version", error);
  int version;

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return set_sqlite_error (store, error, "reading the schema version");
  version = sqlite3_column_int (stmt, 0);

  if (version == SCHEMA_VERSION)
    return TRUE;
  if (version > SCHEMA_VERSION)
    {
      g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE,
                   "The credential file %s was written by a newer Sesame (schema %d)",
                   store->path, version);
      return FALSE;
    }

  if (!sesame_soft_store_begin (store, error))
    return FALSE;
  if (!exec (store, schema, "creating the tables", error) ||
      !exec (store, "PRAGMA user_version = " G_STRINGIFY (SCHEMA_VERSION),
             "recording the schema version", error))
    {
      sesame_soft_store_rollback (store);
      return FALSE;
    }
  return sesame_soft_store_commit (store, error);
}

SesameSoftStore *
sesame_soft_store_open (const char *path,
                        GError    **error)
{
  SesameSoftStore *store;
  sqlite3 *db = NULL;
  int rc;

  if (!prepare_file (path, error))
    return NULL;

  rc = sqlite3_open_v2 (path, &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE,
                   "Could not open the credential file %s: %s",
                   path, db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      return NULL;
    }

  store = g_new0 (SesameSoftStore, 1);
  store->db = db;
  store->path = g_strdup (path);
  sqlite3_extended_result_codes (db, TRUE);
  sqlite3_busy_timeout (db, 2000);

  /* secure_delete: a removed credential's private key is overwritten in
   * the file, not left in a free page. */
  if (!exec (store, "PRAGMA secure_delete = ON", "configuring", error) ||
      !migrate (store, error))
    {
      sesame_soft_store_free (store);
      return NULL;
    }
  return store;
}

void
sesame_soft_store_free (SesameSoftStore *store)
{
  if (store == NULL)
    return;
  sqlite3_close (store->db);
  g_free (store->path);
  g_free (store);
}

gboolean
sesame_soft_store_begin (SesameSoftStore *store,
                         GError         **error)
{
  return exec (store, "BEGIN IMMEDIATE", "starting a transaction", error);
}

gboolean
sesame_soft_store_commit (SesameSoftStore *store,
                          GError         **error)
{
  if (!exec (store, "COMMIT", "committing", error))
    {
      sesame_soft_store_rollback (store);
      return FALSE;
    }
  return TRUE;
}

void
sesame_soft_store_rollback (SesameSoftStore *store)
{
  if (!sqlite3_get_autocommit (store->db))
    sqlite3_exec (store->db, "ROLLBACK", NULL, NULL, NULL);
}

gboolean
sesame_soft_store_add (SesameSoftStore            *store,
                       const SesameSoftCredential *credential,
                       gboolean                    backup_eligible,
                       gboolean                    resident_key,
                       const guint8               *private_key,
                       gsize                       private_key_len,
                       GError                    **error)
{
  g_autoptr(sqlite3_stmt) replace = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;

  replace = prepare (store, "DELETE FROM credentials WHERE rp_id = ?1 AND user_handle = ?2",
                     error);
  if (replace == NULL)
    return FALSE;
  sqlite3_bind_text (replace, 1, credential->rp_id, -1, SQLITE_TRANSIENT);
  bind_bytes (replace, 2, credential->user_handle);
  if (sqlite3_step (replace) != SQLITE_DONE)
    return set_sqlite_error (store, error, "replacing the user's old credential");

  insert = prepare (store,
                    "INSERT INTO credentials (id, rp_id, user_handle, user_name,"
                    " user_display_name, algorithm, private_key, sign_count, created,"
                    " last_used, backup_eligible, resident_key)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    error);
  if (insert == NULL)
    return FALSE;
  bind_bytes (insert, 1, credential->credential_id);
  sqlite3_bind_text (insert, 2, credential->rp_id, -1, SQLITE_TRANSIENT);
  bind_bytes (insert, 3, credential->user_handle);
  sqlite3_bind_text (insert, 4, credential->user_name, -1, SQLITE_TRANSIENT);
  if (credential->user_display_name != NULL)
    sqlite3_bind_text (insert, 5, credential->user_display_name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (insert, 6, credential->algorithm);
  sqlite3_bind_blob (insert, 7, private_key, (int) private_key_len, SQLITE_STATIC);
  sqlite3_bind_int64 (insert, 8, credential->sign_count);
  sqlite3_bind_int64 (insert, 9, credential->created);
  sqlite3_bind_int64 (insert, 10, credential->last_used);
  sqlite3_bind_int (insert, 11, backup_eligible ? 1 : 0);
  sqlite3_bind_int (insert, 12, resident_key ? 1 : 0);
  if (sqlite3_step (insert) != SQLITE_DONE)
    return set_sqlite_error (store, error, "adding a credential");
  return TRUE;
}

GPtrArray *
sesame_soft_store_list (SesameSoftStore *store,
                        const char      *rp_id,
                        GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) credentials = NULL;
  int rc;

  /* rowid breaks ties between credentials made in the same microsecond:
   * the one inserted last is the newest. */
  stmt = prepare (store,
                  "SELECT id, rp_id, user_name, user_display_name, user_handle, algorithm,"
                  " sign_count, created, last_used FROM credentials"
                  " WHERE ?1 IS NULL OR rp_id = ?1 ORDER BY created DESC, rowid DESC",
                  error);
  if (stmt == NULL)
    return NULL;
  if (rp_id != NULL)
    sqlite3_bind_text (stmt, 1, rp_id, -1, SQLITE_TRANSIENT);

  credentials = g_ptr_array_new_with_free_func ((GDestroyNotify) sesame_soft_credential_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      SesameSoftCredential *credential = g_new0 (SesameSoftCredential, 1);

      credential->credential_id = column_bytes (stmt, 0);
      credential->rp_id = column_text (stmt, 1);
      credential->user_name = column_text (stmt, 2);
      credential->user_display_name = column_text (stmt, 3);
      credential->user_handle = column_bytes (stmt, 4);
      credential->algorithm = sqlite3_column_int (stmt, 5);
      credential->sign_count = (guint32) sqlite3_column_int64 (stmt, 6);
      credential->created = sqlite3_column_int64 (stmt, 7);
      credential->last_used = sqlite3_column_int64 (stmt, 8);
      g_ptr_array_add (credentials, credential);
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (store, error, "listing credentials");
      return NULL;
    }
  return g_steal_pointer (&credentials);
}

gboolean
sesame_soft_store_holds (SesameSoftStore *store,
                         const char      *rp_id,
                         GBytes          *credential_id,
                         gboolean        *held,
                         GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare (store, "SELECT 1 FROM credentials WHERE id = ?1 AND rp_id = ?2", error);
  if (stmt == NULL)
    return FALSE;
  bind_bytes (stmt, 1, credential_id);
  sqlite3_bind_text (stmt, 2, rp_id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return set_sqlite_error (store, error, "looking up a credential");
  *held = rc == SQLITE_ROW;
  return TRUE;
}

guint8 *
sesame_soft_store_load_key (SesameSoftStore *store,
                            GBytes          *credential_id,
                            gsize           *len,
                            gboolean        *backup_eligible,
                            GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare (store, "SELECT private_key, backup_eligible FROM credentials WHERE id = ?1",
                  error);
  if (stmt == NULL)
    return NULL;
  bind_bytes (stmt, 1, credential_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error_literal (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_NOT_FOUND,
                           "No credential with that id is held");
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      set_sqlite_error (store, error, "reading a credential's key");
      return NULL;
    }
  *len = sqlite3_column_bytes (stmt, 0);
  *backup_eligible = sqlite3_column_int (stmt, 1) != 0;
  return g_memdup2 (sqlite3_column_blob (stmt, 0), *len);
}

gboolean
sesame_soft_store_record_use (SesameSoftStore *store,
                              GBytes          *credential_id,
                              guint32          sign_count,
                              gint64           last_used,
                              GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (store, "UPDATE credentials SET sign_count = ?2, last_used = ?3 WHERE id = ?1",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_bytes (stmt, 1, credential_id);
  sqlite3_bind_int64 (stmt, 2, sign_count);
  sqlite3_bind_int64 (stmt, 3, last_used);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_sqlite_error (store, error, "recording a credential's use");
  if (sqlite3_changes (store->db) != 1)
    {
      g_set_error_literal (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_NOT_FOUND,
                           "No credential with that id is held");
      return FALSE;
    }
  return TRUE;
}

int
sesame_soft_store_remove (SesameSoftStore *store,
                          GBytes          *credential_id,
                          GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (store, "DELETE FROM credentials WHERE ?1 IS NULL OR id = ?1", error);
  if (stmt == NULL)
    return -1;
  if (credential_id != NULL)
    bind_bytes (stmt, 1, credential_id);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      set_sqlite_error (store, error, "removing credentials");
      return -1;
    }
  return sqlite3_changes (store->db);
}

gboolean
sesame_soft_store_get_pin (SesameSoftStore     *store,
                           gboolean            *has_pin,
                           SesameSoftPinRecord *record,
                           GError             **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare (store, "SELECT salt, hash, iterations, retries FROM pin WHERE one = 1", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return set_sqlite_error (store, error, "reading the PIN");
  *has_pin = rc == SQLITE_ROW;
  if (*has_pin)
    {
      record->salt = column_bytes (stmt, 0);
      record->hash = column_bytes (stmt, 1);
      record->iterations = sqlite3_column_int (stmt, 2);
      record->retries = sqlite3_column_int (stmt, 3);
    }
  return TRUE;
}

gboolean
sesame_soft_store_set_pin (SesameSoftStore           *store,
                           const SesameSoftPinRecord *record,
                           GError                   **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (record == NULL)
    return exec (store, "DELETE FROM pin", "removing the PIN", error);

  stmt = prepare (store,
                  "INSERT OR REPLACE INTO pin (one, salt, hash, iterations, retries)"
                  " VALUES (1, ?1, ?2, ?3, ?4)",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_bytes (stmt, 1, record->salt);
  bind_bytes (stmt, 2, record->hash);
  sqlite3_bind_int (stmt, 3, record->iterations);
  sqlite3_bind_int (stmt, 4, record->retries);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_sqlite_error (store, error, "setting the PIN");
  return TRUE;
}

gboolean
sesame_soft_store_set_pin_retries (SesameSoftStore *store,
                                   int              retries,
                                   GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (store, "UPDATE pin SET retries = ?1 WHERE one = 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, retries);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_sqlite_error (store, error, "recording the PIN retries");
  return TRUE;
}
