/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-store-private.h"
#include "sesame-tenant-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <openssl/rand.h>

/* Long enough for another connection's write transaction to finish (they
 * are all short), short enough that a stuck writer surfaces as an error. */
#define BUSY_TIMEOUT_MS 5000
/* When siblings start the background checkpoints themselves. */
#define SIBLING_CHECKPOINT_INTERVAL_MS 1000

G_DEFINE_QUARK (sesame-store-error-quark, sesame_store_error)

/* Schema migrations, in order: migrations[i] takes user_version i to i + 1.
 * A released migration is never edited; a change is a new entry. */
static const char * const migrations[] = {
  /* 1: the initial schema. STRICT tables so that a wrongly typed value is
   * refused instead of stored. */
  "CREATE TABLE tenants ("
  "  id TEXT PRIMARY KEY NOT NULL CHECK (length (id) > 0),"
  "  name TEXT NOT NULL,"
  "  secret_key_hash BLOB NOT NULL CHECK (length (secret_key_hash) = 32),"
  "  token_key BLOB NOT NULL CHECK (length (token_key) >= 32),"
  "  rp_id TEXT NOT NULL CHECK (length (rp_id) > 0),"
  "  rp_name TEXT NOT NULL,"
  "  expected_origins TEXT NOT NULL"
  "    CHECK (json_valid (expected_origins) AND json_type (expected_origins) = 'array'),"
  "  user_verification TEXT NOT NULL"
  "    CHECK (user_verification IN ('required', 'preferred', 'discouraged')),"
  "  attestation TEXT NOT NULL CHECK (attestation IN ('none', 'direct')),"
  "  authenticator_attachment TEXT"
  "    CHECK (authenticator_attachment IN ('platform', 'cross-platform')),"
  "  allowed_algorithms TEXT NOT NULL"
  "    CHECK (json_valid (allowed_algorithms) AND json_type (allowed_algorithms) = 'array'"
  "           AND json_array_length (allowed_algorithms) > 0),"
  "  token_lifetime INTEGER NOT NULL CHECK (token_lifetime > 0),"
  "  challenge_lifetime INTEGER NOT NULL CHECK (challenge_lifetime > 0),"
  "  created INTEGER NOT NULL"
  ") STRICT;"

  "CREATE TABLE users ("
  "  tenant TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,"
  "  user_id TEXT NOT NULL CHECK (length (user_id) > 0),"
  "  username TEXT,"
  "  display_name TEXT,"
  "  created INTEGER NOT NULL,"
  "  PRIMARY KEY (tenant, user_id)"
  ") STRICT;"
  "CREATE UNIQUE INDEX users_username ON users (tenant, username)"
  "  WHERE username IS NOT NULL;"

  /* WebAuthn caps credential ids at 1023 bytes; BS without BE is invalid. */
  "CREATE TABLE passkeys ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  tenant TEXT NOT NULL,"
  "  user_id TEXT NOT NULL,"
  "  credential_id BLOB NOT NULL CHECK (length (credential_id) BETWEEN 1 AND 1023),"
  "  public_key BLOB NOT NULL CHECK (length (public_key) > 0),"
  "  alg INTEGER NOT NULL,"
  "  sign_count INTEGER NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),"
  "  aaguid TEXT,"
  "  transports TEXT NOT NULL"
  "    CHECK (json_valid (transports) AND json_type (transports) = 'array'),"
  "  backup_eligible INTEGER NOT NULL CHECK (backup_eligible IN (0, 1)),"
  "  backed_up INTEGER NOT NULL CHECK (backed_up IN (0, 1) AND backed_up <= backup_eligible),"
  "  attestation_format TEXT,"
  "  attestation_type TEXT,"
  "  attestation_trusted INTEGER NOT NULL CHECK (attestation_trusted IN (0, 1)),"
  "  user_agent TEXT,"
  "  created INTEGER NOT NULL,"
  "  last_used INTEGER,"
  "  FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, user_id) ON DELETE CASCADE"
  ") STRICT;"
  "CREATE UNIQUE INDEX passkeys_credential ON passkeys (tenant, credential_id);"
  "CREATE INDEX passkeys_user ON passkeys (tenant, user_id);"

  "CREATE TABLE actions ("
  "  tenant TEXT NOT NULL,"
  "  user_id TEXT NOT NULL,"
  "  action_code TEXT NOT NULL CHECK (length (action_code) BETWEEN 1 AND 64),"
  "  idempotency_key TEXT NOT NULL CHECK (length (idempotency_key) > 0),"
  "  state TEXT NOT NULL CHECK (state IN ('ALLOW', 'BLOCK', 'CHALLENGE_REQUIRED',"
  "    'CHALLENGE_SUCCEEDED', 'CHALLENGE_FAILED', 'REVIEW_REQUIRED', 'REVIEW_SUCCEEDED',"
  "    'REVIEW_FAILED')),"
  "  verification_method TEXT,"
  "  authenticator_id TEXT,"
  "  created INTEGER NOT NULL,"
  "  updated INTEGER NOT NULL,"
  "  state_updated INTEGER NOT NULL,"
  "  PRIMARY KEY (tenant, idempotency_key),"
  "  FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, user_id) ON DELETE CASCADE"
  ") STRICT;"
  "CREATE INDEX actions_user ON actions (tenant, user_id, created);"

  /* A composite foreign key with a NULL column is not checked, so
   * action_key and user_id stay optional. */
  "CREATE TABLE challenges ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  tenant TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,"
  "  action_key TEXT,"
  "  bytes BLOB NOT NULL CHECK (length (bytes) >= 16),"
  "  type TEXT NOT NULL CHECK (type IN ('registration', 'authentication')),"
  "  user_id TEXT,"
  "  created INTEGER NOT NULL,"
  "  expires INTEGER NOT NULL,"
  "  used INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),"
  "  FOREIGN KEY (tenant, action_key) REFERENCES actions (tenant, idempotency_key)"
  "    ON DELETE CASCADE,"
  "  FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, user_id) ON DELETE CASCADE"
  ") STRICT;"
  "CREATE INDEX challenges_expires ON challenges (expires);"
  "CREATE INDEX challenges_action ON challenges (tenant, action_key);"
  "CREATE INDEX challenges_user ON challenges (tenant, user_id);"

  /* Events are a log: they outlive the actions and users they mention. */
  "CREATE TABLE events ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  tenant TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,"
  "  action_key TEXT,"
  "  user_id TEXT,"
  "  kind TEXT NOT NULL CHECK (length (kind) > 0),"
  "  time INTEGER NOT NULL,"
  "  origin TEXT,"
  "  user_agent TEXT,"
  "  outcome TEXT,"
  "  reason TEXT,"
  "  details TEXT CHECK (details IS NULL OR json_valid (details))"
  ") STRICT;"
  "CREATE INDEX events_tenant ON events (tenant, id);"
  "CREATE INDEX events_action ON events (tenant, action_key, id);",

  /* 2: whether a tenant's passkeys are set up. Tenants made before this
   * were set up when they were created. */
  "ALTER TABLE tenants ADD COLUMN passkeys_set_up INTEGER NOT NULL DEFAULT 1"
  "  CHECK (passkeys_set_up IN (0, 1));",
};

G_DEFINE_FINAL_TYPE (SesameStore, sesame_store, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  EVENT_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Randomness */

/* Token keys, challenges and the ids handed to clients must be unguessable,
 * so they come from OpenSSL's CSPRNG rather than GLib's PRNG. */
GBytes *
sesame_store_random_bytes (gsize    len,
                           GError **error)
{
  g_autofree guint8 *data = g_malloc (len);

  if (RAND_bytes (data, (int) len) != 1)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "The system random number generator failed");
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

char *
sesame_store_random_uuid (GError **error)
{
  char *uuid = sesame_random_uuid ();

  if (!uuid)
    g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                 "The system random number generator failed");
  return uuid;
}

/* Transactions */

static gboolean
exec_sql (SesameStore *self,
          const char  *sql,
          const char  *what,
          GError     **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      sesame_store_set_error_from_db (self, error, rc, "%s", what);
      return FALSE;
    }
  return TRUE;
}

/* The outermost level takes the write lock at once (BEGIN IMMEDIATE): a
 * deferred transaction that reads first and writes later can fail with
 * SQLITE_BUSY without waiting, when another connection wrote in between. */
static gboolean
txn_begin (SesameStore *self,
           GError     **error)
{
  g_autofree char *sql = NULL;

  if (!self->db)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "The store for %s is closed", self->path);
      return FALSE;
    }
  if (self->depth == 0)
    {
      /* The process's writers queue on write_lock first (see
       * sesame-store-private.h); SQLite's busy timeout is left for writers
       * in other processes. */
      g_mutex_lock (&self->shared->write_lock);
      if (!exec_sql (self, "BEGIN IMMEDIATE", "Cannot start a transaction", error))
        {
          g_mutex_unlock (&self->shared->write_lock);
          return FALSE;
        }
      self->doomed = FALSE;
    }
  else
    {
      sql = g_strdup_printf ("SAVEPOINT level%u", self->depth);
      if (!exec_sql (self, sql, "Cannot start a savepoint", error))
        return FALSE;
    }
  g_array_append_val (self->marks, self->pending_events->len);
  self->depth++;
  return TRUE;
}

static void
txn_rollback (SesameStore *self)
{
  g_autofree char *sql = NULL;
  guint mark;

  g_return_if_fail (self->depth > 0);

  self->depth--;
  mark = g_array_index (self->marks, guint, self->depth);
  g_array_set_size (self->marks, self->depth);
  g_ptr_array_set_size (self->pending_events, mark);

  /* After a full disk or an I/O error SQLite may already have rolled the
   * whole transaction back; the levels above must then not commit. */
  if (sqlite3_get_autocommit (self->db))
    self->doomed = self->depth > 0;
  else
    {
      if (self->depth == 0)
        sql = g_strdup ("ROLLBACK");
      else
        sql = g_strdup_printf ("ROLLBACK TO level%u; RELEASE level%u", self->depth, self->depth);
      if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        g_debug ("Rolling back in %s failed: %s", self->path, sqlite3_errmsg (self->db));
    }
  if (self->depth == 0)
    g_mutex_unlock (&self->shared->write_lock);
}

/* At the outermost commit, with write_lock still held: the events join the
 * shared queue in the order their transactions committed. */
static void
queue_committed_events (SesameStore *self)
{
  SesameStoreShared *shared = self->shared;

  if (self->pending_events->len == 0)
    return;
  g_mutex_lock (&shared->queue_lock);
  for (guint i = 0; i < self->pending_events->len; i++)
    g_queue_push_tail (&shared->queue, g_ptr_array_index (self->pending_events, i));
  g_mutex_unlock (&shared->queue_lock);
  g_ptr_array_set_free_func (self->pending_events, NULL);
  g_ptr_array_set_size (self->pending_events, 0);
  g_ptr_array_set_free_func (self->pending_events, (GDestroyNotify) sesame_event_free);
}

static gboolean
txn_commit (SesameStore *self,
            GError     **error)
{
  g_autofree char *sql = NULL;

  g_return_val_if_fail (self->depth > 0, FALSE);

  if (self->doomed)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "The transaction on %s was rolled back after an earlier error", self->path);
      txn_rollback (self);
      return FALSE;
    }
  if (self->depth == 1)
    sql = g_strdup ("COMMIT");
  else
    sql = g_strdup_printf ("RELEASE level%u", self->depth - 1);
  if (!exec_sql (self, sql, "Cannot commit a transaction", error))
    {
      txn_rollback (self);
      return FALSE;
    }
  self->depth--;
  g_array_set_size (self->marks, self->depth);
  if (self->depth == 0)
    {
      queue_committed_events (self);
      g_mutex_unlock (&self->shared->write_lock);
    }
  return TRUE;
}

/* Event announcements */

static SesameStoreShared *
shared_new (SesameStore *first)
{
  SesameStoreShared *shared = g_new0 (SesameStoreShared, 1);

  g_atomic_ref_count_init (&shared->ref);
  g_mutex_init (&shared->write_lock);
  g_mutex_init (&shared->queue_lock);
  g_mutex_init (&shared->key_lock);
  g_queue_init (&shared->queue);
  shared->owner = g_thread_self ();
  shared->context = g_main_context_ref_thread_default ();
  g_weak_ref_init (&shared->first, first);
  sesame_store_key_cache_init (shared);
  shared->event_retention = SESAME_STORE_DEFAULT_EVENT_RETENTION;
  return shared;
}

static SesameStoreShared *
shared_ref (SesameStoreShared *shared)
{
  g_atomic_ref_count_inc (&shared->ref);
  return shared;
}

static void
shared_unref (gpointer data)
{
  SesameStoreShared *shared = data;

  if (!g_atomic_ref_count_dec (&shared->ref))
    return;
  g_queue_clear_full (&shared->queue, (GDestroyNotify) sesame_event_free);
  sesame_store_key_cache_clear (shared);
  g_clear_pointer (&shared->key_cache, g_hash_table_unref);
  g_weak_ref_clear (&shared->first);
  g_main_context_unref (shared->context);
  g_mutex_clear (&shared->write_lock);
  g_mutex_clear (&shared->queue_lock);
  g_mutex_clear (&shared->key_lock);
  g_free (shared);
}

/* On the owner's thread: emits the queued events, oldest first. A handler
 * may write (and so queue more); those follow in order. */
static void
drain_events (SesameStoreShared *shared)
{
  g_autoptr(SesameStore) first = g_weak_ref_get (&shared->first);

  for (;;)
    {
      SesameEvent *event;

      g_mutex_lock (&shared->queue_lock);
      event = g_queue_pop_head (&shared->queue);
      g_mutex_unlock (&shared->queue_lock);
      if (!event)
        break;
      if (first)
        g_signal_emit (first, signals[EVENT_ADDED], 0, event);
      sesame_event_free (event);
    }
}

static gboolean
drain_idle_cb (gpointer data)
{
  SesameStoreShared *shared = data;

  g_mutex_lock (&shared->queue_lock);
  shared->drain_scheduled = FALSE;
  g_mutex_unlock (&shared->queue_lock);
  drain_events (shared);
  return G_SOURCE_REMOVE;
}

/* A UI connects on its own thread; a worker's events travel there through
 * the main context rather than running UI code on the worker. One idle
 * source at a time drains the whole queue, so the order is the commit
 * order whichever thread committed. */
void
sesame_store_announce (SesameStore *self)
{
  SesameStoreShared *shared = self->shared;
  GSource *source;

  if (g_thread_self () == shared->owner)
    {
      drain_events (shared);
      return;
    }
  g_mutex_lock (&shared->queue_lock);
  if (shared->queue.length > 0 && !shared->drain_scheduled)
    {
      shared->drain_scheduled = TRUE;
      source = g_idle_source_new ();
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, drain_idle_cb, shared_ref (shared), shared_unref);
      g_source_set_static_name (source, "[sesame] event-added");
      g_source_attach (source, shared->context);
      g_source_unref (source);
    }
  g_mutex_unlock (&shared->queue_lock);
}

gboolean
sesame_store_run_in_transaction (SesameStore                *self,
                                 SesameStoreTransactionFunc  func,
                                 gpointer                    user_data,
                                 GError                    **error)
{
  gboolean ok, outermost;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (func, FALSE);

  g_rec_mutex_lock (&self->lock);
  outermost = self->depth == 0;
  ok = txn_begin (self, error);
  if (ok)
    {
      ok = func (self, user_data, error);
      if (ok)
        ok = txn_commit (self, error);
      else
        txn_rollback (self);
    }
  g_rec_mutex_unlock (&self->lock);

  if (outermost)
    sesame_store_announce (self);
  return ok;
}

gboolean
sesame_store_ensure_transaction (SesameStore                *self,
                                 SesameStoreTransactionFunc  func,
                                 gpointer                    user_data,
                                 GError                    **error)
{
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&self->lock);

  if (self->depth > 0)
    return func (self, user_data, error);
  g_clear_pointer (&locker, g_rec_mutex_locker_free);
  return sesame_store_run_in_transaction (self, func, user_data, error);
}

/* Opening and migrating */

static gboolean
query_pragma (SesameStore *self,
              const char  *sql,
              char       **text,
              GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *text = sesame_sql_column_text (stmt, 0);
      sqlite3_finalize (stmt);
      return TRUE;
    }
  if (rc == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT)
    g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                 "%s is not a Sesame database, or it is damaged: %s",
                 self->path, sqlite3_errmsg (self->db));
  else
    sesame_store_set_error_from_db (self, error, rc == SQLITE_DONE ? SQLITE_ERROR : rc, "Cannot run “%s”", sql);
  sqlite3_finalize (stmt);
  return FALSE;
}

static gboolean
read_user_version (SesameStore *self,
                   int         *version,
                   GError     **error)
{
  g_autofree char *text = NULL;

  if (!query_pragma (self, "PRAGMA user_version", &text, error))
    return FALSE;
  *version = atoi (text ? text : "0");
  return TRUE;
}

static gboolean
check_version (SesameStore *self,
               int          version,
               GError     **error)
{
  if (version < 0)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "%s has the invalid schema version %d; it is not a Sesame database",
                   self->path, version);
      return FALSE;
    }
  if (version <= (int) G_N_ELEMENTS (migrations))
    return TRUE;
  g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_SCHEMA_TOO_NEW,
               "%s has schema version %d, but this Sesame knows versions up to %d; "
               "it was written by a newer Sesame and is left untouched",
               self->path, version, (int) G_N_ELEMENTS (migrations));
  return FALSE;
}

static gboolean
configure (SesameStore *self,
           GError     **error)
{
  g_autofree char *mode = NULL;
  g_autofree char *foreign_keys = NULL;

  /* WAL lets the UI read while the server writes, and survives a crash. */
  if (!query_pragma (self, "PRAGMA journal_mode = WAL", &mode, error))
    return FALSE;
  if (g_strcmp0 (mode, "wal") != 0)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "Cannot use write-ahead logging for %s (journal mode stays “%s”); "
                   "is it on a network file system?", self->path, mode ? mode : "?");
      return FALSE;
    }
  /* With WAL, NORMAL may lose the last commits on power loss but never
   * corrupts the file; for a local development server that is the trade. */
  if (!exec_sql (self, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL",
                 "Cannot configure the connection", error))
    return FALSE;
  /* A SQLite built without foreign keys accepts the pragma silently. */
  if (!query_pragma (self, "PRAGMA foreign_keys", &foreign_keys, error))
    return FALSE;
  if (g_strcmp0 (foreign_keys, "1") != 0)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "This SQLite cannot enforce foreign keys, which %s relies on", self->path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
migrate (SesameStore *self,
         int          version,
         GError     **error)
{
  const int latest = G_N_ELEMENTS (migrations);

  while (version < latest)
    {
      g_autofree char *bump = NULL;
      int rc;

      if (!txn_begin (self, error))
        return FALSE;
      /* Another process may have migrated the file since we looked. */
      if (!read_user_version (self, &version, error) || !check_version (self, version, error))
        {
          txn_rollback (self);
          return FALSE;
        }
      if (version == latest)
        return txn_commit (self, error);

      rc = sqlite3_exec (self->db, migrations[version], NULL, NULL, NULL);
      if (rc != SQLITE_OK)
        {
          g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                       "Cannot upgrade %s from schema version %d to %d: %s",
                       self->path, version, version + 1, sqlite3_errmsg (self->db));
          txn_rollback (self);
          return FALSE;
        }
      bump = g_strdup_printf ("PRAGMA user_version = %d", version + 1);
      if (!exec_sql (self, bump, "Cannot record the schema version", error))
        {
          txn_rollback (self);
          return FALSE;
        }
      if (!txn_commit (self, error))
        return FALSE;
      version++;
      g_debug ("Upgraded %s to schema version %d", self->path, version);
    }
  return TRUE;
}

/* NOMUTEX: our own lock already serializes every use of the connection.
 * The busy timeout is for writers in other processes on the same file
 * (the app and sesame-server share one by default). */
static gboolean
open_connection (SesameStore *self,
                 GError     **error)
{
  int rc = sqlite3_open_v2 (self->path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                            NULL);

  if (rc != SQLITE_OK)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "Cannot open the database %s: %s", self->path,
                   self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      g_clear_pointer (&self->db, sqlite3_close);
      return FALSE;
    }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);
  return TRUE;
}

int
sesame_store_schema_version (void)
{
  return G_N_ELEMENTS (migrations);
}

SesameStore *
sesame_store_open (const char *path,
                   GError    **error)
{
  g_autoptr(SesameStore) self = NULL;
  g_autofree char *dir = NULL;
  int version, fd;

  g_return_val_if_fail (path && *path, NULL);
  g_return_val_if_fail (!error || !*error, NULL);

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "Cannot create the folder %s for the database: %s",
                   dir, g_strerror (saved_errno));
      return NULL;
    }
  /* SQLite gives the -wal and -shm files the mode of the database, so
   * creating it 0600 keeps the tenants' token keys to this user. */
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "Cannot open the database %s: %s", path, g_strerror (saved_errno));
      return NULL;
    }
  g_close (fd, NULL);

  self = g_object_new (SESAME_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  self->shared = shared_new (self);

  /* Refuse a newer file before anything (even the journal mode) touches it. */
  if (!open_connection (self, error) ||
      !read_user_version (self, &version, error) ||
      !check_version (self, version, error) ||
      !configure (self, error) ||
      !migrate (self, version, error))
    return NULL;

  return g_steal_pointer (&self);
}

SesameStore *
sesame_store_open_sibling (SesameStore  *store,
                           GError      **error)
{
  g_autoptr(SesameStore) self = NULL;
  int version;

  g_return_val_if_fail (SESAME_IS_STORE (store), NULL);
  g_return_val_if_fail (!error || !*error, NULL);

  /* The siblings never checkpoint after a commit; one thread does it for
   * all of them. */
  g_rec_mutex_lock (&store->lock);
  if (!store->checkpointer &&
      !sesame_store_checkpoint_in_background (store, SIBLING_CHECKPOINT_INTERVAL_MS, error))
    {
      g_rec_mutex_unlock (&store->lock);
      return NULL;
    }
  g_rec_mutex_unlock (&store->lock);

  self = g_object_new (SESAME_TYPE_STORE, NULL);
  self->path = g_strdup (store->path);
  self->shared = shared_ref (store->shared);
  self->sibling = TRUE;
  if (!open_connection (self, error) || !read_user_version (self, &version, error))
    return NULL;
  if (version != sesame_store_schema_version ())
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_SCHEMA_TOO_NEW,
                   "%s has schema version %d now, not %d as when it was opened; another "
                   "Sesame changed it", self->path, version, sesame_store_schema_version ());
      return NULL;
    }
  if (!configure (self, error) ||
      !exec_sql (self, "PRAGMA wal_autocheckpoint = 0", "Cannot configure the connection", error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
sesame_store_get_path (SesameStore *self)
{
  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);

  return self->path;
}

/* Background checkpoints */

/* The WAL's length (in pages, 16 MiB of them) from which the second step
 * below runs. A WAL that a light load leaves is copied in full by the
 * first step and started over by the next writer, with nobody waiting. */
#define CHECKPOINT_RESTART_FRAMES  4096

/* A passive checkpoint copies what it can without blocking anyone; but
 * under a steady load writers keep appending while it copies, so the WAL
 * is never found wholly copied, is never started over from its beginning,
 * and grows without end (hundreds of megabytes a minute). So once the WAL
 * is long, a second passive step runs under the process's write lock:
 * with no writer of ours appending, it copies the little that came
 * meanwhile, and the next writer can start the WAL over (as soon as no
 * reader still reads older frames; otherwise a later round does). Writers
 * wait for that step, its fsyncs included (about 10 ms once a second at
 * full load on the project's machine), which is why it is kept for a WAL
 * that a steady load made long; the first step does the bulk of the
 * copying and its fsyncs off the write lock. Neither step waits for a
 * reader. SQLITE_BUSY only means another checkpoint (or another process's
 * writer) was in the way; the next round tries again. */
static int
checkpoint_once (SesameStore *self)
{
  int rc, log_frames = 0;

  rc = sqlite3_wal_checkpoint_v2 (self->checkpoint_db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                  &log_frames, NULL);
  if (rc != SQLITE_OK || log_frames < CHECKPOINT_RESTART_FRAMES)
    return rc;
  g_mutex_lock (&self->shared->write_lock);
  rc = sqlite3_wal_checkpoint_v2 (self->checkpoint_db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                  NULL, NULL);
  g_mutex_unlock (&self->shared->write_lock);
  return rc;
}

static gpointer
checkpoint_thread (gpointer user_data)
{
  SesameStore *self = user_data;

  g_mutex_lock (&self->checkpoint_lock);
  while (!self->checkpoint_stop)
    {
      gint64 until = g_get_monotonic_time () + self->checkpoint_interval_ms * G_TIME_SPAN_MILLISECOND;
      int rc;

      while (!self->checkpoint_stop &&
             g_cond_wait_until (&self->checkpoint_cond, &self->checkpoint_lock, until))
        ;
      if (self->checkpoint_stop)
        break;
      g_mutex_unlock (&self->checkpoint_lock);
      rc = checkpoint_once (self);
      /* A full disk only postpones checkpoints: the WAL keeps what they
       * would have copied, and the next one catches up once there is room. */
      if ((rc & 0xff) == SQLITE_FULL ||
          ((rc & 0xff) == SQLITE_IOERR &&
           sqlite3_system_errno (self->checkpoint_db) == ENOSPC))
        g_debug ("Checkpointing %s postponed: the disk is full", self->path);
      else if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        g_warning ("Checkpointing %s failed: %s", self->path,
                   sqlite3_errmsg (self->checkpoint_db));
      g_mutex_lock (&self->checkpoint_lock);
    }
  g_mutex_unlock (&self->checkpoint_lock);
  return NULL;
}

gboolean
sesame_store_checkpoint_in_background (SesameStore *self,
                                       guint        interval_ms,
                                       GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (interval_ms > 0, FALSE);
  g_return_val_if_fail (self->checkpointer == NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!self->db)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "The store for %s is closed", self->path);
      return FALSE;
    }
  rc = sqlite3_open_v2 (self->path, &self->checkpoint_db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "Cannot open %s for checkpoints: %s", self->path,
                   self->checkpoint_db ? sqlite3_errmsg (self->checkpoint_db) : sqlite3_errstr (rc));
      g_clear_pointer (&self->checkpoint_db, sqlite3_close);
      return FALSE;
    }
  sqlite3_busy_timeout (self->checkpoint_db, BUSY_TIMEOUT_MS);
  /* A connection finds out that the file is in WAL mode (and opens the
   * WAL) only once it reads it; until then a checkpoint does nothing. */
  rc = sqlite3_exec (self->checkpoint_db, "PRAGMA schema_version", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "Cannot read %s for checkpoints: %s", self->path,
                   sqlite3_errmsg (self->checkpoint_db));
      g_clear_pointer (&self->checkpoint_db, sqlite3_close);
      return FALSE;
    }
  if (!exec_sql (self, "PRAGMA wal_autocheckpoint = 0", "Cannot configure the connection", error))
    {
      g_clear_pointer (&self->checkpoint_db, sqlite3_close);
      return FALSE;
    }
  self->checkpoint_interval_ms = interval_ms;
  self->checkpoint_stop = FALSE;
  self->checkpointer = g_thread_new ("sesame-checkpoint", checkpoint_thread, self);
  return TRUE;
}

/* Called from dispose, before the main connection closes. */
static void
stop_checkpoints (SesameStore *self)
{
  if (!self->checkpointer)
    return;
  g_mutex_lock (&self->checkpoint_lock);
  self->checkpoint_stop = TRUE;
  g_cond_signal (&self->checkpoint_cond);
  g_mutex_unlock (&self->checkpoint_lock);
  /* Waits at most for one passive checkpoint in progress. */
  g_thread_join (g_steal_pointer (&self->checkpointer));
  g_clear_pointer (&self->checkpoint_db, sqlite3_close);
}

static void
sesame_store_dispose (GObject *object)
{
  SesameStore *self = (SesameStore *) object;

  stop_checkpoints (self);
  g_rec_mutex_lock (&self->lock);
  /* Every statement must be finalized before the connection can close. */
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db)
    {
      if (sqlite3_close (self->db) != SQLITE_OK)
        g_warning ("Closing %s failed: %s", self->path, sqlite3_errmsg (self->db));
      self->db = NULL;
    }
  g_rec_mutex_unlock (&self->lock);

  G_OBJECT_CLASS (sesame_store_parent_class)->dispose (object);
}

static void
sesame_store_finalize (GObject *object)
{
  SesameStore *self = (SesameStore *) object;

  g_free (self->path);
  g_clear_pointer (&self->shared, shared_unref);
  g_array_unref (self->marks);
  g_ptr_array_unref (self->pending_events);
  g_rec_mutex_clear (&self->lock);
  g_mutex_clear (&self->checkpoint_lock);
  g_cond_clear (&self->checkpoint_cond);

  G_OBJECT_CLASS (sesame_store_parent_class)->finalize (object);
}

static void
sesame_store_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  SesameStore *self = SESAME_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sesame_store_class_init (SesameStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sesame_store_dispose;
  object_class->finalize = sesame_store_finalize;
  object_class->get_property = sesame_store_get_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[EVENT_ADDED] =
    g_signal_new ("event-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 1,
                  SESAME_TYPE_EVENT | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
sesame_store_init (SesameStore *self)
{
  g_rec_mutex_init (&self->lock);
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, finalize_statement);
  self->marks = g_array_new (FALSE, FALSE, sizeof (guint));
  self->pending_events = g_ptr_array_new_with_free_func ((GDestroyNotify) sesame_event_free);
  g_mutex_init (&self->checkpoint_lock);
  g_cond_init (&self->checkpoint_cond);
}
