/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-store.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>
#include <string.h>

/* Long enough for another connection's write transaction to finish (they
 * are all short), short enough that a stuck writer surfaces as an error. */
#define BUSY_TIMEOUT_MS 5000
#define TOKEN_KEY_LEN 32
#define CHALLENGE_LEN 32
#define SECRET_HASH_LEN 32

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
};

struct _SesameStore
{
  GObject       parent_instance;

  char         *path;
  GThread      *owner;           /* opened the store; receives "event-added" */
  GMainContext *context;         /* owner's thread-default context at open */

  /* Guarded by lock: */
  GRecMutex     lock;
  sqlite3      *db;
  GHashTable   *statements;      /* SQL text → prepared sqlite3_stmt */
  guint         depth;           /* 0: no transaction; 1: BEGIN; more: savepoints */
  gboolean      doomed;          /* SQLite rolled back the transaction by itself */
  GArray       *marks;           /* pending_events->len when each level began */
  GPtrArray    *pending_events;  /* appended in the open transaction, not yet announced */
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

/* Records */

SesameTenant *
sesame_tenant_new (const char *id,
                   const char *rp_id)
{
  static const int default_algorithms[] = { -7, -8, -257 };   /* ES256, EdDSA, RS256 */
  SesameTenant *tenant = g_new0 (SesameTenant, 1);

  tenant->id = g_strdup (id);
  tenant->name = g_strdup (id);
  tenant->rp_id = g_strdup (rp_id);
  tenant->rp_name = g_strdup (rp_id);
  tenant->user_verification = g_strdup ("preferred");
  tenant->attestation = g_strdup ("none");
  tenant->allowed_algorithms = g_memdup2 (default_algorithms, sizeof default_algorithms);
  tenant->n_allowed_algorithms = G_N_ELEMENTS (default_algorithms);
  /* Authsignal's tokens live 10 minutes; WebAuthn suggests 5 for a ceremony. */
  tenant->token_lifetime = 600;
  tenant->challenge_lifetime = 300;
  return tenant;
}

void
sesame_tenant_free (SesameTenant *tenant)
{
  if (!tenant)
    return;
  g_free (tenant->id);
  g_free (tenant->name);
  g_clear_pointer (&tenant->token_key, g_bytes_unref);
  g_free (tenant->rp_id);
  g_free (tenant->rp_name);
  g_strfreev (tenant->expected_origins);
  g_free (tenant->user_verification);
  g_free (tenant->attestation);
  g_free (tenant->authenticator_attachment);
  g_free (tenant->allowed_algorithms);
  g_free (tenant);
}

void
sesame_user_free (SesameUser *user)
{
  if (!user)
    return;
  g_free (user->tenant_id);
  g_free (user->user_id);
  g_free (user->username);
  g_free (user->display_name);
  g_free (user);
}

void
sesame_passkey_free (SesamePasskey *passkey)
{
  if (!passkey)
    return;
  g_free (passkey->id);
  g_free (passkey->tenant_id);
  g_free (passkey->user_id);
  g_clear_pointer (&passkey->credential_id, g_bytes_unref);
  g_clear_pointer (&passkey->public_key, g_bytes_unref);
  g_free (passkey->aaguid);
  g_strfreev (passkey->transports);
  g_free (passkey->attestation_format);
  g_free (passkey->attestation_type);
  g_free (passkey->user_agent);
  g_free (passkey);
}

void
sesame_action_free (SesameAction *action)
{
  if (!action)
    return;
  g_free (action->tenant_id);
  g_free (action->user_id);
  g_free (action->action_code);
  g_free (action->idempotency_key);
  g_free (action->state);
  g_free (action->verification_method);
  g_free (action->authenticator_id);
  g_free (action);
}

void
sesame_challenge_free (SesameChallenge *challenge)
{
  if (!challenge)
    return;
  g_free (challenge->id);
  g_free (challenge->tenant_id);
  g_free (challenge->action_key);
  g_clear_pointer (&challenge->bytes, g_bytes_unref);
  g_free (challenge->user_id);
  g_free (challenge);
}

SesameEvent *
sesame_event_copy (const SesameEvent *event)
{
  SesameEvent *copy = g_new0 (SesameEvent, 1);

  copy->id = event->id;
  copy->tenant_id = g_strdup (event->tenant_id);
  copy->action_key = g_strdup (event->action_key);
  copy->user_id = g_strdup (event->user_id);
  copy->kind = g_strdup (event->kind);
  copy->time = event->time;
  copy->origin = g_strdup (event->origin);
  copy->user_agent = g_strdup (event->user_agent);
  copy->outcome = g_strdup (event->outcome);
  copy->reason = g_strdup (event->reason);
  copy->details = g_strdup (event->details);
  return copy;
}

void
sesame_event_free (SesameEvent *event)
{
  if (!event)
    return;
  g_free (event->tenant_id);
  g_free (event->action_key);
  g_free (event->user_id);
  g_free (event->kind);
  g_free (event->origin);
  g_free (event->user_agent);
  g_free (event->outcome);
  g_free (event->reason);
  g_free (event->details);
  g_free (event);
}

G_DEFINE_BOXED_TYPE (SesameEvent, sesame_event, sesame_event_copy, sesame_event_free)

const char *
sesame_challenge_type_to_string (SesameChallengeType type)
{
  switch (type)
    {
    case SESAME_CHALLENGE_REGISTRATION: return "registration";
    case SESAME_CHALLENGE_AUTHENTICATION: return "authentication";
    default: return "unknown";
    }
}

/* Errors */

static void set_error_from_db (SesameStore *self,
                               GError     **error,
                               int          rc,
                               const char  *format,
                               ...) G_GNUC_PRINTF (4, 5);

/* Maps SQLite's extended result code to one of ours, keeping SQLite's own
 * message (which names the constraint or the I/O failure) after ours. */
static void
set_error_from_db (SesameStore *self,
                   GError     **error,
                   int          rc,
                   const char  *format,
                   ...)
{
  g_autofree char *what = NULL;
  const char *detail = self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc);
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONFLICT, "%s: %s", what, detail);
  else if ((rc & 0xff) == SQLITE_CONSTRAINT)
    g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT, "%s: %s", what, detail);
  else
    g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO, "%s (database %s): %s",
                 what, self->path, detail);
}

/* Statements */

/* A statement borrowed from the cache; the cleanup returns it, reset. */
typedef sqlite3_stmt CachedStmt;

static void
cached_stmt_release (CachedStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CachedStmt, cached_stmt_release)

static CachedStmt *
prepare (SesameStore *self,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (!self->db)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "The store for %s is closed", self->path);
      return NULL;
    }
  stmt = g_hash_table_lookup (self->statements, sql);
  if (stmt)
    return stmt;
  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_error_from_db (self, error, rc, "Cannot prepare a query");
      return NULL;
    }
  /* The SQL is always a string literal, so it can serve as its own key. */
  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

/* Runs a statement to its end; SQLITE_DONE on success. */
static int
step_done (sqlite3_stmt *stmt)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  return rc;
}

/* Binding only fails for a wrong index (a bug, which the tests turn into a
 * failure through G_DEBUG=fatal-warnings) or when out of memory. */
static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *value)
{
  int rc = sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);

  g_warn_if_fail (rc == SQLITE_OK);
}

static void
bind_int64 (sqlite3_stmt *stmt,
            int           index,
            gint64        value)
{
  int rc = sqlite3_bind_int64 (stmt, index, value);

  g_warn_if_fail (rc == SQLITE_OK);
}

/* 0 stands for "unset" in our records and becomes SQL NULL. */
static void
bind_time (sqlite3_stmt *stmt,
           int           index,
           gint64        value)
{
  int rc = value ? sqlite3_bind_int64 (stmt, index, value) : sqlite3_bind_null (stmt, index);

  g_warn_if_fail (rc == SQLITE_OK);
}

static void
bind_bytes (sqlite3_stmt *stmt,
            int           index,
            GBytes       *bytes)
{
  gsize len = 0;
  const void *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;
  int rc;

  if (!bytes)
    rc = sqlite3_bind_null (stmt, index);
  else if (len == 0)
    /* A NULL data pointer would bind SQL NULL, not an empty blob. */
    rc = sqlite3_bind_zeroblob (stmt, index, 0);
  else
    rc = sqlite3_bind_blob64 (stmt, index, data, len, SQLITE_TRANSIENT);
  g_warn_if_fail (rc == SQLITE_OK);
}

static char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return text ? g_strdup ((const char *) text) : NULL;
}

static GBytes *
column_bytes (sqlite3_stmt *stmt,
              int           column)
{
  const void *data;

  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return NULL;
  data = sqlite3_column_blob (stmt, column);
  return g_bytes_new (data, sqlite3_column_bytes (stmt, column));
}

/* JSON columns */

static char *
strv_to_json (const char * const *strv)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (gsize i = 0; strv && strv[i]; i++)
    json_builder_add_string_value (builder, strv[i]);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static char *
ints_to_json (const int *values,
              gsize      n_values)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (gsize i = 0; values && i < n_values; i++)
    json_builder_add_int_value (builder, values[i]);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* The schema's checks guarantee an array; elements of the wrong type (which
 * only a hand-edited file could hold) are skipped rather than failing a read. */
static JsonArray *
column_json_array (sqlite3_stmt *stmt,
                   int           column,
                   JsonNode    **root)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  *root = text ? json_from_string (text, NULL) : NULL;
  if (!*root || !JSON_NODE_HOLDS_ARRAY (*root))
    return NULL;
  return json_node_get_array (*root);
}

static char **
column_strv (sqlite3_stmt *stmt,
             int           column)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonArray *array = column_json_array (stmt, column, &root);
  guint n = array ? json_array_get_length (array) : 0;

  if (n == 0)
    return NULL;
  builder = g_strv_builder_new ();
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        g_strv_builder_add (builder, json_node_get_string (node));
    }
  return g_strv_builder_end (builder);
}

static int *
column_ints (sqlite3_stmt *stmt,
             int           column,
             gsize        *n_values)
{
  g_autoptr(JsonNode) root = NULL;
  JsonArray *array = column_json_array (stmt, column, &root);
  guint n = array ? json_array_get_length (array) : 0;
  int *values = g_new0 (int, MAX (n, 1));
  gsize count = 0;

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
        values[count++] = (int) json_node_get_int (node);
    }
  *n_values = count;
  return values;
}

/* Randomness and hashing */

/* Token keys, challenges and the ids handed to clients must be unguessable,
 * so they come from OpenSSL's CSPRNG rather than GLib's PRNG. */
static GBytes *
random_bytes (gsize    len,
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

static char *
random_uuid (GError **error)
{
  guint8 b[16];

  if (RAND_bytes (b, sizeof b) != 1)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "The system random number generator failed");
      return NULL;
    }
  b[6] = (b[6] & 0x0f) | 0x40;   /* version 4 */
  b[8] = (b[8] & 0x3f) | 0x80;   /* RFC 4122 variant */
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                          "%02x%02x%02x%02x%02x%02x",
                          b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                          b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* Secret keys are long random strings, so an unsalted SHA-256 is enough to
 * keep a copy of the database from revealing them. */
static gboolean
hash_secret_key (const char *secret_key,
                 guint8      hash[SECRET_HASH_LEN],
                 GError    **error)
{
  unsigned int len = 0;

  if (EVP_Digest (secret_key, strlen (secret_key), hash, &len, EVP_sha256 (), NULL) != 1 ||
      len != SECRET_HASH_LEN)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "Cannot hash the secret key: SHA-256 is unavailable");
      return FALSE;
    }
  return TRUE;
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
      set_error_from_db (self, error, rc, "%s", what);
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
      if (!exec_sql (self, "BEGIN IMMEDIATE", "Cannot start a transaction", error))
        return FALSE;
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
    {
      self->doomed = self->depth > 0;
      return;
    }
  if (self->depth == 0)
    sql = g_strdup ("ROLLBACK");
  else
    sql = g_strdup_printf ("ROLLBACK TO level%u; RELEASE level%u", self->depth, self->depth);
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    g_debug ("Rolling back in %s failed: %s", self->path, sqlite3_errmsg (self->db));
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
  return TRUE;
}

/* Event announcements */

typedef struct
{
  GWeakRef   store;
  GPtrArray *events;
} Announcement;

static void
announcement_free (gpointer data)
{
  Announcement *announcement = data;

  g_weak_ref_clear (&announcement->store);
  g_ptr_array_unref (announcement->events);
  g_free (announcement);
}

static void
emit_events (SesameStore *self,
             GPtrArray   *events)
{
  for (guint i = 0; i < events->len; i++)
    g_signal_emit (self, signals[EVENT_ADDED], 0, g_ptr_array_index (events, i));
}

static gboolean
announce_idle_cb (gpointer data)
{
  Announcement *announcement = data;
  g_autoptr(SesameStore) self = g_weak_ref_get (&announcement->store);

  if (self)
    emit_events (self, announcement->events);
  return G_SOURCE_REMOVE;
}

/* Takes the events committed by the outermost transaction; call with the
 * lock held, then announce() them once it is released. */
static GPtrArray *
take_committed_events (SesameStore *self)
{
  GPtrArray *events;

  if (self->depth > 0 || self->pending_events->len == 0)
    return NULL;
  events = self->pending_events;
  self->pending_events = g_ptr_array_new_with_free_func ((GDestroyNotify) sesame_event_free);
  return events;
}

/* A UI connects on its own thread; a worker's events travel there through
 * the main context rather than running UI code on the worker. The source
 * holds only a weak reference, so a queued announcement never keeps a
 * closed store alive. */
static void
announce (SesameStore *self,
          GPtrArray   *events)
{
  Announcement *announcement;
  GSource *source;

  if (!events)
    return;
  if (g_thread_self () == self->owner)
    {
      emit_events (self, events);
      g_ptr_array_unref (events);
      return;
    }
  announcement = g_new0 (Announcement, 1);
  g_weak_ref_init (&announcement->store, self);
  announcement->events = events;
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, announce_idle_cb, announcement, announcement_free);
  g_source_set_static_name (source, "[sesame] event-added");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

gboolean
sesame_store_run_in_transaction (SesameStore                *self,
                                 SesameStoreTransactionFunc  func,
                                 gpointer                    user_data,
                                 GError                    **error)
{
  GPtrArray *committed = NULL;
  gboolean ok;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (func, FALSE);

  g_rec_mutex_lock (&self->lock);
  ok = txn_begin (self, error);
  if (ok)
    {
      ok = func (self, user_data, error);
      if (ok)
        ok = txn_commit (self, error);
      else
        txn_rollback (self);
      committed = take_committed_events (self);
    }
  g_rec_mutex_unlock (&self->lock);

  announce (self, committed);
  return ok;
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
      *text = column_text (stmt, 0);
      sqlite3_finalize (stmt);
      return TRUE;
    }
  if (rc == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT)
    g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                 "%s is not a Sesame database, or it is damaged: %s",
                 self->path, sqlite3_errmsg (self->db));
  else
    set_error_from_db (self, error, rc == SQLITE_DONE ? SQLITE_ERROR : rc, "Cannot run “%s”", sql);
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
  int version, fd, rc;

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
  self->owner = g_thread_self ();
  self->context = g_main_context_ref_thread_default ();

  /* NOMUTEX: our own lock already serializes every use of the connection. */
  rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "Cannot open the database %s: %s", path,
                   self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);

  /* Refuse a newer file before anything (even the journal mode) touches it. */
  if (!read_user_version (self, &version, error) ||
      !check_version (self, version, error) ||
      !configure (self, error) ||
      !migrate (self, version, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
sesame_store_get_path (SesameStore *self)
{
  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);

  return self->path;
}

static void
sesame_store_dispose (GObject *object)
{
  SesameStore *self = (SesameStore *) object;

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
  g_clear_pointer (&self->context, g_main_context_unref);
  g_array_unref (self->marks);
  g_ptr_array_unref (self->pending_events);
  g_rec_mutex_clear (&self->lock);

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
}

/* Reading rows */

typedef gpointer (*RowFunc) (sqlite3_stmt *stmt);

static GPtrArray *
collect_rows (SesameStore    *self,
              sqlite3_stmt   *stmt,
              RowFunc         func,
              GDestroyNotify  free_func,
              const char     *what,
              GError        **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (free_func);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, func (stmt));
  if (rc != SQLITE_DONE)
    {
      set_error_from_db (self, error, rc, "Cannot list %s", what);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

static gpointer fetch_one (SesameStore  *self,
                           sqlite3_stmt *stmt,
                           RowFunc       func,
                           GError      **error,
                           const char   *format,
                           ...) G_GNUC_PRINTF (5, 6);

/* One row or NOT_FOUND; @format names the thing sought ("user “a” in …"). */
static gpointer
fetch_one (SesameStore  *self,
           sqlite3_stmt *stmt,
           RowFunc       func,
           GError      **error,
           const char   *format,
           ...)
{
  g_autofree char *what = NULL;
  va_list args;
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    return func (stmt);

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  if (rc == SQLITE_DONE)
    g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND, "There is no %s", what);
  else
    set_error_from_db (self, error, rc, "Cannot read %s", what);
  return NULL;
}

/* Tenants */

#define TENANT_COLUMNS \
  "id, name, token_key, rp_id, rp_name, expected_origins, user_verification, attestation, " \
  "authenticator_attachment, allowed_algorithms, token_lifetime, challenge_lifetime, created"

static gpointer
tenant_from_row (sqlite3_stmt *stmt)
{
  SesameTenant *tenant = g_new0 (SesameTenant, 1);

  tenant->id = column_text (stmt, 0);
  tenant->name = column_text (stmt, 1);
  tenant->token_key = column_bytes (stmt, 2);
  tenant->rp_id = column_text (stmt, 3);
  tenant->rp_name = column_text (stmt, 4);
  tenant->expected_origins = column_strv (stmt, 5);
  tenant->user_verification = column_text (stmt, 6);
  tenant->attestation = column_text (stmt, 7);
  tenant->authenticator_attachment = column_text (stmt, 8);
  tenant->allowed_algorithms = column_ints (stmt, 9, &tenant->n_allowed_algorithms);
  tenant->token_lifetime = sqlite3_column_int64 (stmt, 10);
  tenant->challenge_lifetime = sqlite3_column_int64 (stmt, 11);
  tenant->created = sqlite3_column_int64 (stmt, 12);
  return tenant;
}

/* Binds the settings that insert and update share, as ?2 … ?11. */
static void
bind_tenant_settings (sqlite3_stmt       *stmt,
                      const SesameTenant *tenant)
{
  g_autofree char *origins = strv_to_json ((const char * const *) tenant->expected_origins);
  g_autofree char *algorithms = ints_to_json (tenant->allowed_algorithms,
                                              tenant->n_allowed_algorithms);

  bind_text (stmt, 2, tenant->name);
  bind_text (stmt, 3, tenant->rp_id);
  bind_text (stmt, 4, tenant->rp_name);
  bind_text (stmt, 5, origins);
  bind_text (stmt, 6, tenant->user_verification);
  bind_text (stmt, 7, tenant->attestation);
  bind_text (stmt, 8, tenant->authenticator_attachment);
  bind_text (stmt, 9, algorithms);
  bind_int64 (stmt, 10, tenant->token_lifetime);
  bind_int64 (stmt, 11, tenant->challenge_lifetime);
}

static gboolean
check_secret_key_present (const char  *tenant_id,
                          const char  *secret_key,
                          GError     **error)
{
  if (secret_key && *secret_key)
    return TRUE;
  g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT,
               "Tenant “%s” needs a secret key that is not empty", tenant_id);
  return FALSE;
}

gboolean
sesame_store_insert_tenant (SesameStore  *self,
                            SesameTenant *tenant,
                            const char   *secret_key,
                            GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  g_autoptr(GBytes) token_key = NULL;
  guint8 hash[SECRET_HASH_LEN];
  gint64 created;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (tenant && tenant->id, FALSE);

  if (!check_secret_key_present (tenant->id, secret_key, error) ||
      !hash_secret_key (secret_key, hash, error))
    return FALSE;
  token_key = tenant->token_key ? g_bytes_ref (tenant->token_key)
                                : random_bytes (TOKEN_KEY_LEN, error);
  if (!token_key)
    return FALSE;
  created = tenant->created ? tenant->created : g_get_real_time ();

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self,
                  "INSERT INTO tenants (id, name, rp_id, rp_name, expected_origins,"
                  "  user_verification, attestation, authenticator_attachment, allowed_algorithms,"
                  "  token_lifetime, challenge_lifetime, secret_key_hash, token_key, created)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                  error);
  if (!stmt)
    return FALSE;
  bind_text (stmt, 1, tenant->id);
  bind_tenant_settings (stmt, tenant);
  rc = sqlite3_bind_blob (stmt, 12, hash, sizeof hash, SQLITE_TRANSIENT);
  g_warn_if_fail (rc == SQLITE_OK);
  bind_bytes (stmt, 13, token_key);
  bind_int64 (stmt, 14, created);

  rc = step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      set_error_from_db (self, error, rc, "Cannot add tenant “%s”", tenant->id);
      return FALSE;
    }
  if (!tenant->token_key)
    tenant->token_key = g_steal_pointer (&token_key);
  tenant->created = created;
  return TRUE;
}

SesameTenant *
sesame_store_get_tenant (SesameStore *self,
                         const char  *tenant_id,
                         GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self, "SELECT " TENANT_COLUMNS " FROM tenants WHERE id = ?1", error);
  if (!stmt)
    return NULL;
  bind_text (stmt, 1, tenant_id);
  return fetch_one (self, stmt, tenant_from_row, error, "tenant “%s”", tenant_id);
}

GPtrArray *
sesame_store_list_tenants (SesameStore *self,
                           GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self, "SELECT " TENANT_COLUMNS " FROM tenants ORDER BY created, id", error);
  if (!stmt)
    return NULL;
  return collect_rows (self, stmt, tenant_from_row, (GDestroyNotify) sesame_tenant_free,
                       "tenants", error);
}

gboolean
sesame_store_update_tenant (SesameStore        *self,
                            const SesameTenant *tenant,
                            GError            **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (tenant && tenant->id, FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self,
                  "UPDATE tenants SET name = ?2, rp_id = ?3, rp_name = ?4, expected_origins = ?5,"
                  "  user_verification = ?6, attestation = ?7, authenticator_attachment = ?8,"
                  "  allowed_algorithms = ?9, token_lifetime = ?10, challenge_lifetime = ?11"
                  " WHERE id = ?1",
                  error);
  if (!stmt)
    return FALSE;
  bind_text (stmt, 1, tenant->id);
  bind_tenant_settings (stmt, tenant);
  rc = step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      set_error_from_db (self, error, rc, "Cannot update the settings of tenant “%s”",
                         tenant->id);
      return FALSE;
    }
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND,
                   "There is no tenant “%s” to update", tenant->id);
      return FALSE;
    }
  return TRUE;
}

gboolean
sesame_store_set_tenant_secret_key (SesameStore *self,
                                    const char  *tenant_id,
                                    const char  *secret_key,
                                    GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  guint8 hash[SECRET_HASH_LEN];
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (tenant_id, FALSE);

  if (!check_secret_key_present (tenant_id, secret_key, error) ||
      !hash_secret_key (secret_key, hash, error))
    return FALSE;

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self, "UPDATE tenants SET secret_key_hash = ?2 WHERE id = ?1", error);
  if (!stmt)
    return FALSE;
  bind_text (stmt, 1, tenant_id);
  rc = sqlite3_bind_blob (stmt, 2, hash, sizeof hash, SQLITE_TRANSIENT);
  g_warn_if_fail (rc == SQLITE_OK);
  rc = step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      set_error_from_db (self, error, rc, "Cannot change the secret key of tenant “%s”",
                         tenant_id);
      return FALSE;
    }
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND,
                   "There is no tenant “%s”", tenant_id);
      return FALSE;
    }
  return TRUE;
}

/* Compares in constant time, so the answer's timing says nothing about how
 * much of the hash matched. */
static gboolean
hash_matches (sqlite3_stmt *stmt,
              int           column,
              const guint8  hash[SECRET_HASH_LEN])
{
  const void *stored = sqlite3_column_blob (stmt, column);

  return stored && sqlite3_column_bytes (stmt, column) == SECRET_HASH_LEN &&
         CRYPTO_memcmp (stored, hash, SECRET_HASH_LEN) == 0;
}

gboolean
sesame_store_verify_secret_key (SesameStore *self,
                                const char  *tenant_id,
                                const char  *secret_key,
                                GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  guint8 hash[SECRET_HASH_LEN];
  gboolean matches;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (tenant_id, FALSE);

  /* An empty key is hashed and compared too (it can never match: insert
   * refuses one), so that it costs the same as a wrong key. */
  if (!hash_secret_key (secret_key ? secret_key : "", hash, error))
    return FALSE;

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self, "SELECT secret_key_hash FROM tenants WHERE id = ?1", error);
  if (!stmt)
    return FALSE;
  bind_text (stmt, 1, tenant_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND,
                   "There is no tenant “%s”", tenant_id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      set_error_from_db (self, error, rc, "Cannot read the secret key hash of tenant “%s”",
                         tenant_id);
      return FALSE;
    }
  matches = hash_matches (stmt, 0, hash) && secret_key && *secret_key;
  if (!matches)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_SECRET_KEY_MISMATCH,
                   "The secret key presented for tenant “%s” is not its secret key", tenant_id);
      return FALSE;
    }
  return TRUE;
}

SesameTenant *
sesame_store_find_tenant_by_secret_key (SesameStore *self,
                                        const char  *secret_key,
                                        GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  g_autofree char *found = NULL;
  guint8 hash[SECRET_HASH_LEN];
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);

  if (!hash_secret_key (secret_key ? secret_key : "", hash, error))
    return NULL;

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self, "SELECT id, secret_key_hash FROM tenants", error);
  if (!stmt)
    return NULL;
  /* Every tenant is compared, even after a match, so that the time taken
   * does not depend on which one matched. */
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    if (hash_matches (stmt, 1, hash) && !found)
      found = column_text (stmt, 0);
  if (rc != SQLITE_DONE)
    {
      set_error_from_db (self, error, rc, "Cannot read the tenants’ secret key hashes");
      return NULL;
    }
  if (!found || !secret_key || !*secret_key)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_SECRET_KEY_MISMATCH,
                   "The secret key presented is not the secret key of any tenant");
      return NULL;
    }
  return sesame_store_get_tenant (self, found, error);
}

/* Users */

#define USER_COLUMNS "tenant, user_id, username, display_name, created"

static gpointer
user_from_row (sqlite3_stmt *stmt)
{
  SesameUser *user = g_new0 (SesameUser, 1);

  user->tenant_id = column_text (stmt, 0);
  user->user_id = column_text (stmt, 1);
  user->username = column_text (stmt, 2);
  user->display_name = column_text (stmt, 3);
  user->created = sqlite3_column_int64 (stmt, 4);
  return user;
}

SesameUser *
sesame_store_upsert_user (SesameStore *self,
                          const char  *tenant_id,
                          const char  *user_id,
                          const char  *username,
                          const char  *display_name,
                          GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  SesameUser *user;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && user_id, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self,
                  "INSERT INTO users (tenant, user_id, username, display_name, created)"
                  " VALUES (?1, ?2, ?3, ?4, ?5)"
                  " ON CONFLICT (tenant, user_id) DO UPDATE SET"
                  "   username = coalesce (excluded.username, username),"
                  "   display_name = coalesce (excluded.display_name, display_name)"
                  " RETURNING " USER_COLUMNS,
                  error);
  if (!stmt)
    return NULL;
  bind_text (stmt, 1, tenant_id);
  bind_text (stmt, 2, user_id);
  bind_text (stmt, 3, username);
  bind_text (stmt, 4, display_name);
  bind_int64 (stmt, 5, g_get_real_time ());

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_CONSTRAINT_UNIQUE)
        g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONFLICT,
                     "Another user of tenant “%s” already has the username “%s”",
                     tenant_id, username);
      else
        set_error_from_db (self, error, rc, "Cannot save user “%s” of tenant “%s”",
                           user_id, tenant_id);
      return NULL;
    }
  user = user_from_row (stmt);
  rc = step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      set_error_from_db (self, error, rc, "Cannot save user “%s” of tenant “%s”",
                         user_id, tenant_id);
      sesame_user_free (user);
      return NULL;
    }
  return user;
}

SesameUser *
sesame_store_get_user (SesameStore *self,
                       const char  *tenant_id,
                       const char  *user_id,
                       GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && user_id, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self,
                  "SELECT " USER_COLUMNS " FROM users WHERE tenant = ?1 AND user_id = ?2",
                  error);
  if (!stmt)
    return NULL;
  bind_text (stmt, 1, tenant_id);
  bind_text (stmt, 2, user_id);
  return fetch_one (self, stmt, user_from_row, error,
                    "user “%s” in tenant “%s”", user_id, tenant_id);
}

SesameUser *
sesame_store_find_user_by_username (SesameStore *self,
                                    const char  *tenant_id,
                                    const char  *username,
                                    GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && username, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self,
                  "SELECT " USER_COLUMNS " FROM users WHERE tenant = ?1 AND username = ?2",
                  error);
  if (!stmt)
    return NULL;
  bind_text (stmt, 1, tenant_id);
  bind_text (stmt, 2, username);
  return fetch_one (self, stmt, user_from_row, error,
                    "user named “%s” in tenant “%s”", username, tenant_id);
}

GPtrArray *
sesame_store_list_users (SesameStore *self,
                         const char  *tenant_id,
                         GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self,
                  "SELECT " USER_COLUMNS " FROM users WHERE tenant = ?1 ORDER BY created, user_id",
                  error);
  if (!stmt)
    return NULL;
  bind_text (stmt, 1, tenant_id);
  return collect_rows (self, stmt, user_from_row, (GDestroyNotify) sesame_user_free,
                       "users", error);
}

GPtrArray *
sesame_store_list_users_after (SesameStore *self,
                               const char  *tenant_id,
                               const char  *after_user_id,
                               guint        limit,
                               GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id, NULL);

  /* User ids are never empty, so "" stands for "from the first"; the
   * primary key (tenant, user_id) gives the order. A negative LIMIT means
   * none. */
  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self,
                  "SELECT " USER_COLUMNS " FROM users"
                  " WHERE tenant = ?1 AND user_id > ?2 ORDER BY user_id LIMIT ?3",
                  error);
  if (!stmt)
    return NULL;
  bind_text (stmt, 1, tenant_id);
  bind_text (stmt, 2, after_user_id ? after_user_id : "");
  bind_int64 (stmt, 3, limit ? (gint64) limit : -1);
  return collect_rows (self, stmt, user_from_row, (GDestroyNotify) sesame_user_free,
                       "users", error);
}

gboolean
sesame_store_delete_user (SesameStore *self,
                          const char  *tenant_id,
                          const char  *user_id,
                          GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (tenant_id && user_id, FALSE);

  /* One statement, so atomic; the foreign keys cascade to the user's
   * passkeys, actions and challenges within it. */
  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self, "DELETE FROM users WHERE tenant = ?1 AND user_id = ?2", error);
  if (!stmt)
    return FALSE;
  bind_text (stmt, 1, tenant_id);
  bind_text (stmt, 2, user_id);
  rc = step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      set_error_from_db (self, error, rc, "Cannot delete user “%s” of tenant “%s”",
                         user_id, tenant_id);
      return FALSE;
    }
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND,
                   "There is no user “%s” in tenant “%s”", user_id, tenant_id);
      return FALSE;
    }
  return TRUE;
}

/* Passkeys */

#define PASSKEY_COLUMNS \
  "id, tenant, user_id, credential_id, public_key, alg, sign_count, aaguid, transports, " \
  "backup_eligible, backed_up, attestation_format, attestation_type, attestation_trusted, " \
  "user_agent, created, last_used"

static gpointer
passkey_from_row (sqlite3_stmt *stmt)
{
  SesamePasskey *passkey = g_new0 (SesamePasskey, 1);

  passkey->id = column_text (stmt, 0);
  passkey->tenant_id = column_text (stmt, 1);
  passkey->user_id = column_text (stmt, 2);
  passkey->credential_id = column_bytes (stmt, 3);
  passkey->public_key = column_bytes (stmt, 4);
  passkey->alg = sqlite3_column_int (stmt, 5);
  passkey->sign_count = (guint32) sqlite3_column_int64 (stmt, 6);
  passkey->aaguid = column_text (stmt, 7);
  passkey->transports = column_strv (stmt, 8);
  passkey->backup_eligible = sqlite3_column_int (stmt, 9) != 0;
  passkey->backed_up = sqlite3_column_int (stmt, 10) != 0;
  passkey->attestation_format = column_text (stmt, 11);
  passkey->attestation_type = column_text (stmt, 12);
  passkey->attestation_trusted = sqlite3_column_int (stmt, 13) != 0;
  passkey->user_agent = column_text (stmt, 14);
  passkey->created = sqlite3_column_int64 (stmt, 15);
  passkey->last_used = sqlite3_column_int64 (stmt, 16);
  return passkey;
}

gboolean
sesame_store_add_passkey (SesameStore   *self,
                          SesamePasskey *passkey,
                          GError       **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  g_autofree char *id = NULL;
  g_autofree char *transports = NULL;
  gint64 created;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (passkey && passkey->tenant_id && passkey->user_id, FALSE);

  id = passkey->id ? g_strdup (passkey->id) : random_uuid (error);
  if (!id)
    return FALSE;
  created = passkey->created ? passkey->created : g_get_real_time ();
  transports = strv_to_json ((const char * const *) passkey->transports);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self,
                  "INSERT INTO passkeys (" PASSKEY_COLUMNS ")"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
                  "         ?16, ?17)",
                  error);
  if (!stmt)
    return FALSE;
  bind_text (stmt, 1, id);
  bind_text (stmt, 2, passkey->tenant_id);
  bind_text (stmt, 3, passkey->user_id);
  bind_bytes (stmt, 4, passkey->credential_id);
  bind_bytes (stmt, 5, passkey->public_key);
  bind_int64 (stmt, 6, passkey->alg);
  bind_int64 (stmt, 7, passkey->sign_count);
  bind_text (stmt, 8, passkey->aaguid);
  bind_text (stmt, 9, transports);
  bind_int64 (stmt, 10, passkey->backup_eligible ? 1 : 0);
  bind_int64 (stmt, 11, passkey->backed_up ? 1 : 0);
  bind_text (stmt, 12, passkey->attestation_format);
  bind_text (stmt, 13, passkey->attestation_type);
  bind_int64 (stmt, 14, passkey->attestation_trusted ? 1 : 0);
  bind_text (stmt, 15, passkey->user_agent);
  bind_int64 (stmt, 16, created);
  bind_time (stmt, 17, passkey->last_used);

  rc = step_done (stmt);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT,
                   "Cannot add a passkey for user “%s”: tenant “%s” has no such user",
                   passkey->user_id, passkey->tenant_id);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      set_error_from_db (self, error, rc, "Cannot add a passkey for user “%s” of tenant “%s”",
                         passkey->user_id, passkey->tenant_id);
      return FALSE;
    }
  g_free (passkey->id);
  passkey->id = g_steal_pointer (&id);
  passkey->created = created;
  return TRUE;
}

SesamePasskey *
sesame_store_get_passkey (SesameStore *self,
                          const char  *tenant_id,
                          const char  *passkey_id,
                          GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && passkey_id, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self,
                  "SELECT " PASSKEY_COLUMNS " FROM passkeys WHERE tenant = ?1 AND id = ?2",
                  error);
  if (!stmt)
    return NULL;
  bind_text (stmt, 1, tenant_id);
  bind_text (stmt, 2, passkey_id);
  return fetch_one (self, stmt, passkey_from_row, error,
                    "passkey “%s” in tenant “%s”", passkey_id, tenant_id);
}

SesamePasskey *
sesame_store_find_passkey (SesameStore *self,
                           const char  *tenant_id,
                           GBytes      *credential_id,
                           GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && credential_id, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self,
                  "SELECT " PASSKEY_COLUMNS " FROM passkeys"
                  " WHERE tenant = ?1 AND credential_id = ?2",
                  error);
  if (!stmt)
    return NULL;
  bind_text (stmt, 1, tenant_id);
  bind_bytes (stmt, 2, credential_id);
  return fetch_one (self, stmt, passkey_from_row, error,
                    "passkey with this credential id in tenant “%s”", tenant_id);
}

GPtrArray *
sesame_store_list_passkeys (SesameStore *self,
                            const char  *tenant_id,
                            const char  *user_id,
                            GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && user_id, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self,
                  "SELECT " PASSKEY_COLUMNS " FROM passkeys WHERE tenant = ?1 AND user_id = ?2"
                  " ORDER BY created, id",
                  error);
  if (!stmt)
    return NULL;
  bind_text (stmt, 1, tenant_id);
  bind_text (stmt, 2, user_id);
  return collect_rows (self, stmt, passkey_from_row, (GDestroyNotify) sesame_passkey_free,
                       "passkeys", error);
}

gboolean
sesame_store_update_passkey_after_use (SesameStore *self,
                                       const char  *tenant_id,
                                       const char  *passkey_id,
                                       guint32      sign_count,
                                       gboolean     backed_up,
                                       GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (tenant_id && passkey_id, FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self,
                  "UPDATE passkeys SET sign_count = ?3, backed_up = ?4, last_used = ?5"
                  " WHERE tenant = ?1 AND id = ?2",
                  error);
  if (!stmt)
    return FALSE;
  bind_text (stmt, 1, tenant_id);
  bind_text (stmt, 2, passkey_id);
  bind_int64 (stmt, 3, sign_count);
  bind_int64 (stmt, 4, backed_up ? 1 : 0);
  bind_int64 (stmt, 5, g_get_real_time ());
  rc = step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      set_error_from_db (self, error, rc, "Cannot record the use of passkey “%s” of tenant “%s”",
                         passkey_id, tenant_id);
      return FALSE;
    }
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND,
                   "There is no passkey “%s” in tenant “%s”", passkey_id, tenant_id);
      return FALSE;
    }
  return TRUE;
}

gboolean
sesame_store_delete_passkey (SesameStore *self,
                             const char  *tenant_id,
                             const char  *user_id,
                             const char  *passkey_id,
                             GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (tenant_id && user_id && passkey_id, FALSE);

  /* Scoped to the user, so a request about one user cannot delete the
   * passkey of another. */
  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self, "DELETE FROM passkeys WHERE tenant = ?1 AND user_id = ?2 AND id = ?3",
                  error);
  if (!stmt)
    return FALSE;
  bind_text (stmt, 1, tenant_id);
  bind_text (stmt, 2, user_id);
  bind_text (stmt, 3, passkey_id);
  rc = step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      set_error_from_db (self, error, rc, "Cannot delete passkey “%s” of user “%s”",
                         passkey_id, user_id);
      return FALSE;
    }
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND,
                   "User “%s” of tenant “%s” has no passkey “%s”",
                   user_id, tenant_id, passkey_id);
      return FALSE;
    }
  return TRUE;
}

gboolean
sesame_store_delete_user_passkeys (SesameStore *self,
                                   const char  *tenant_id,
                                   const char  *user_id,
                                   guint       *n_deleted,
                                   GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (tenant_id && user_id, FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self, "DELETE FROM passkeys WHERE tenant = ?1 AND user_id = ?2", error);
  if (!stmt)
    return FALSE;
  bind_text (stmt, 1, tenant_id);
  bind_text (stmt, 2, user_id);
  rc = step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      set_error_from_db (self, error, rc, "Cannot delete the passkeys of user “%s”", user_id);
      return FALSE;
    }
  if (n_deleted)
    *n_deleted = (guint) sqlite3_changes (self->db);
  return TRUE;
}

/* Actions */

#define ACTION_COLUMNS \
  "tenant, user_id, action_code, idempotency_key, state, verification_method, " \
  "authenticator_id, created, updated, state_updated"

static gpointer
action_from_row (sqlite3_stmt *stmt)
{
  SesameAction *action = g_new0 (SesameAction, 1);

  action->tenant_id = column_text (stmt, 0);
  action->user_id = column_text (stmt, 1);
  action->action_code = column_text (stmt, 2);
  action->idempotency_key = column_text (stmt, 3);
  action->state = column_text (stmt, 4);
  action->verification_method = column_text (stmt, 5);
  action->authenticator_id = column_text (stmt, 6);
  action->created = sqlite3_column_int64 (stmt, 7);
  action->updated = sqlite3_column_int64 (stmt, 8);
  action->state_updated = sqlite3_column_int64 (stmt, 9);
  return action;
}

gboolean
sesame_store_create_action (SesameStore  *self,
                            SesameAction *action,
                            GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  g_autofree char *key = NULL;
  gint64 created, updated, state_updated;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (action && action->tenant_id && action->user_id, FALSE);

  key = action->idempotency_key ? g_strdup (action->idempotency_key) : random_uuid (error);
  if (!key)
    return FALSE;
  created = action->created ? action->created : g_get_real_time ();
  updated = action->updated ? action->updated : created;
  state_updated = action->state_updated ? action->state_updated : created;

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self,
                  "INSERT INTO actions (" ACTION_COLUMNS ")"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                  error);
  if (!stmt)
    return FALSE;
  bind_text (stmt, 1, action->tenant_id);
  bind_text (stmt, 2, action->user_id);
  bind_text (stmt, 3, action->action_code);
  bind_text (stmt, 4, key);
  bind_text (stmt, 5, action->state);
  bind_text (stmt, 6, action->verification_method);
  bind_text (stmt, 7, action->authenticator_id);
  bind_int64 (stmt, 8, created);
  bind_int64 (stmt, 9, updated);
  bind_int64 (stmt, 10, state_updated);

  rc = step_done (stmt);
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONFLICT,
                   "Tenant “%s” already has an action with idempotency key “%s”",
                   action->tenant_id, key);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      set_error_from_db (self, error, rc, "Cannot create action “%s” for user “%s” of tenant “%s”",
                         action->action_code, action->user_id, action->tenant_id);
      return FALSE;
    }
  g_free (action->idempotency_key);
  action->idempotency_key = g_steal_pointer (&key);
  action->created = created;
  action->updated = updated;
  action->state_updated = state_updated;
  return TRUE;
}

SesameAction *
sesame_store_get_action (SesameStore *self,
                         const char  *tenant_id,
                         const char  *idempotency_key,
                         GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && idempotency_key, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self,
                  "SELECT " ACTION_COLUMNS " FROM actions"
                  " WHERE tenant = ?1 AND idempotency_key = ?2",
                  error);
  if (!stmt)
    return NULL;
  bind_text (stmt, 1, tenant_id);
  bind_text (stmt, 2, idempotency_key);
  return fetch_one (self, stmt, action_from_row, error,
                    "action “%s” in tenant “%s”", idempotency_key, tenant_id);
}

SesameAction *
sesame_store_update_action (SesameStore *self,
                            const char  *tenant_id,
                            const char  *idempotency_key,
                            const char  *state,
                            const char  *verification_method,
                            const char  *authenticator_id,
                            GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  SesameAction *action = NULL;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && idempotency_key && state, NULL);

  /* SET expressions all see the row as it was, so the CASE compares with
   * the old state. */
  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self,
                  "UPDATE actions SET"
                  "   state_updated = CASE WHEN state = ?3 THEN state_updated ELSE ?6 END,"
                  "   state = ?3,"
                  "   verification_method = coalesce (?4, verification_method),"
                  "   authenticator_id = coalesce (?5, authenticator_id),"
                  "   updated = ?6"
                  " WHERE tenant = ?1 AND idempotency_key = ?2"
                  " RETURNING " ACTION_COLUMNS,
                  error);
  if (!stmt)
    return NULL;
  bind_text (stmt, 1, tenant_id);
  bind_text (stmt, 2, idempotency_key);
  bind_text (stmt, 3, state);
  bind_text (stmt, 4, verification_method);
  bind_text (stmt, 5, authenticator_id);
  bind_int64 (stmt, 6, g_get_real_time ());

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND,
                   "There is no action “%s” in tenant “%s”", idempotency_key, tenant_id);
      return NULL;
    }
  if (rc == SQLITE_ROW)
    {
      action = action_from_row (stmt);
      rc = step_done (stmt);
    }
  if (rc != SQLITE_DONE)
    {
      set_error_from_db (self, error, rc, "Cannot set action “%s” of tenant “%s” to %s",
                         idempotency_key, tenant_id, state);
      sesame_action_free (action);
      return NULL;
    }
  return action;
}

GPtrArray *
sesame_store_query_actions (SesameStore        *self,
                            const char         *tenant_id,
                            const char         *user_id,
                            gint64              from,
                            const char * const *codes,
                            const char         *state,
                            GError            **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  g_autofree char *codes_json = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && user_id, NULL);

  /* The codes travel as one JSON array, so that one cached statement
   * serves any number of them. */
  if (codes && codes[0])
    codes_json = strv_to_json (codes);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self,
                  "SELECT " ACTION_COLUMNS " FROM actions"
                  " WHERE tenant = ?1 AND user_id = ?2 AND created >= ?3"
                  "   AND (?4 IS NULL OR action_code IN (SELECT value FROM json_each (?4)))"
                  "   AND (?5 IS NULL OR state = ?5)"
                  " ORDER BY created DESC, rowid DESC",
                  error);
  if (!stmt)
    return NULL;
  bind_text (stmt, 1, tenant_id);
  bind_text (stmt, 2, user_id);
  bind_int64 (stmt, 3, from);
  bind_text (stmt, 4, codes_json);
  bind_text (stmt, 5, state);
  return collect_rows (self, stmt, action_from_row, (GDestroyNotify) sesame_action_free,
                       "actions", error);
}

/* Challenges */

#define CHALLENGE_COLUMNS "id, tenant, action_key, bytes, type, user_id, created, expires, used"

static gpointer
challenge_from_row (sqlite3_stmt *stmt)
{
  SesameChallenge *challenge = g_new0 (SesameChallenge, 1);
  const char *type;

  challenge->id = column_text (stmt, 0);
  challenge->tenant_id = column_text (stmt, 1);
  challenge->action_key = column_text (stmt, 2);
  challenge->bytes = column_bytes (stmt, 3);
  type = (const char *) sqlite3_column_text (stmt, 4);
  challenge->type = g_strcmp0 (type, "registration") == 0 ? SESAME_CHALLENGE_REGISTRATION
                                                          : SESAME_CHALLENGE_AUTHENTICATION;
  challenge->user_id = column_text (stmt, 5);
  challenge->created = sqlite3_column_int64 (stmt, 6);
  challenge->expires = sqlite3_column_int64 (stmt, 7);
  challenge->used = sqlite3_column_int (stmt, 8) != 0;
  return challenge;
}

gboolean
sesame_store_create_challenge (SesameStore     *self,
                               SesameChallenge *challenge,
                               GError         **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gint64 created, expires = 0;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (challenge && challenge->tenant_id, FALSE);

  id = challenge->id ? g_strdup (challenge->id) : random_uuid (error);
  if (!id)
    return FALSE;
  bytes = challenge->bytes ? g_bytes_ref (challenge->bytes) : random_bytes (CHALLENGE_LEN, error);
  if (!bytes)
    return FALSE;
  created = challenge->created ? challenge->created : g_get_real_time ();

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self,
                  "INSERT INTO challenges (" CHALLENGE_COLUMNS ")"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                  "   coalesce (?8, ?7 + (SELECT challenge_lifetime FROM tenants WHERE id = ?2)"
                  "                      * 1000000),"
                  "   0)"
                  " RETURNING expires",
                  error);
  if (!stmt)
    return FALSE;
  bind_text (stmt, 1, id);
  bind_text (stmt, 2, challenge->tenant_id);
  bind_text (stmt, 3, challenge->action_key);
  bind_bytes (stmt, 4, bytes);
  bind_text (stmt, 5, sesame_challenge_type_to_string (challenge->type));
  bind_text (stmt, 6, challenge->user_id);
  bind_int64 (stmt, 7, created);
  bind_time (stmt, 8, challenge->expires);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      expires = sqlite3_column_int64 (stmt, 0);
      rc = step_done (stmt);
    }
  if (rc != SQLITE_DONE)
    {
      set_error_from_db (self, error, rc, "Cannot create a %s challenge for tenant “%s”",
                         sesame_challenge_type_to_string (challenge->type), challenge->tenant_id);
      return FALSE;
    }
  g_free (challenge->id);
  challenge->id = g_steal_pointer (&id);
  if (!challenge->bytes)
    challenge->bytes = g_steal_pointer (&bytes);
  challenge->created = created;
  challenge->expires = expires;
  challenge->used = FALSE;
  return TRUE;
}

SesameChallenge *
sesame_store_consume_challenge (SesameStore *self,
                                const char  *tenant_id,
                                const char  *challenge_id,
                                GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  SesameChallenge *challenge = NULL;
  gint64 now = g_get_real_time ();
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && challenge_id, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);

  /* The check and the marking are one statement, so two connections (or
   * processes) racing for the same challenge cannot both win. */
  {
    g_autoptr(CachedStmt) stmt = prepare (self,
                                          "UPDATE challenges SET used = 1"
                                          " WHERE id = ?1 AND tenant = ?2 AND used = 0"
                                          "   AND expires > ?3"
                                          " RETURNING " CHALLENGE_COLUMNS,
                                          error);
    if (!stmt)
      return NULL;
    bind_text (stmt, 1, challenge_id);
    bind_text (stmt, 2, tenant_id);
    bind_int64 (stmt, 3, now);
    rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
      {
        challenge = challenge_from_row (stmt);
        rc = step_done (stmt);
      }
    if (rc != SQLITE_DONE)
      {
        set_error_from_db (self, error, rc, "Cannot consume challenge “%s” of tenant “%s”",
                           challenge_id, tenant_id);
        sesame_challenge_free (challenge);
        return NULL;
      }
    if (challenge)
      return challenge;
  }

  /* Nothing was consumed; say why. Once used or expired a challenge stays
   * so, so this answer cannot be contradicted by a later write. */
  {
    g_autoptr(CachedStmt) stmt = prepare (self,
                                          "SELECT used, expires FROM challenges"
                                          " WHERE id = ?1 AND tenant = ?2",
                                          error);
    if (!stmt)
      return NULL;
    bind_text (stmt, 1, challenge_id);
    bind_text (stmt, 2, tenant_id);
    rc = sqlite3_step (stmt);
    if (rc == SQLITE_DONE)
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND,
                   "Tenant “%s” has no challenge “%s”", tenant_id, challenge_id);
    else if (rc != SQLITE_ROW)
      set_error_from_db (self, error, rc, "Cannot read challenge “%s” of tenant “%s”",
                         challenge_id, tenant_id);
    else if (sqlite3_column_int (stmt, 0))
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_ALREADY_USED,
                   "Challenge “%s” of tenant “%s” was already used: this is a replay",
                   challenge_id, tenant_id);
    else
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_EXPIRED,
                   "Challenge “%s” of tenant “%s” expired %" G_GINT64_FORMAT " s ago",
                   challenge_id, tenant_id,
                   (gint64) ((now - sqlite3_column_int64 (stmt, 1)) / G_USEC_PER_SEC));
    return NULL;
  }
}

gboolean
sesame_store_purge_challenges (SesameStore *self,
                               guint       *n_purged,
                               GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = prepare (self, "DELETE FROM challenges WHERE expires <= ?1", error);
  if (!stmt)
    return FALSE;
  bind_int64 (stmt, 1, g_get_real_time ());
  rc = step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      set_error_from_db (self, error, rc, "Cannot purge expired challenges");
      return FALSE;
    }
  if (n_purged)
    *n_purged = (guint) sqlite3_changes (self->db);
  return TRUE;
}

/* Events */

#define EVENT_COLUMNS \
  "id, tenant, action_key, user_id, kind, time, origin, user_agent, outcome, reason, details"

static gpointer
event_from_row (sqlite3_stmt *stmt)
{
  SesameEvent *event = g_new0 (SesameEvent, 1);

  event->id = sqlite3_column_int64 (stmt, 0);
  event->tenant_id = column_text (stmt, 1);
  event->action_key = column_text (stmt, 2);
  event->user_id = column_text (stmt, 3);
  event->kind = column_text (stmt, 4);
  event->time = sqlite3_column_int64 (stmt, 5);
  event->origin = column_text (stmt, 6);
  event->user_agent = column_text (stmt, 7);
  event->outcome = column_text (stmt, 8);
  event->reason = column_text (stmt, 9);
  event->details = column_text (stmt, 10);
  return event;
}

gint64
sesame_store_append_event (SesameStore *self,
                           SesameEvent *event,
                           GError     **error)
{
  GPtrArray *committed = NULL;
  gint64 time, id = 0;

  g_return_val_if_fail (SESAME_IS_STORE (self), 0);
  g_return_val_if_fail (event && event->tenant_id && event->kind, 0);

  time = event->time ? event->time : g_get_real_time ();

  g_rec_mutex_lock (&self->lock);
  {
    g_autoptr(CachedStmt) stmt = prepare (self,
                                          "INSERT INTO events (tenant, action_key, user_id, kind,"
                                          "  time, origin, user_agent, outcome, reason, details)"
                                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                                          " RETURNING id",
                                          error);
    int rc;

    if (stmt)
      {
        bind_text (stmt, 1, event->tenant_id);
        bind_text (stmt, 2, event->action_key);
        bind_text (stmt, 3, event->user_id);
        bind_text (stmt, 4, event->kind);
        bind_int64 (stmt, 5, time);
        bind_text (stmt, 6, event->origin);
        bind_text (stmt, 7, event->user_agent);
        bind_text (stmt, 8, event->outcome);
        bind_text (stmt, 9, event->reason);
        bind_text (stmt, 10, event->details);
        rc = sqlite3_step (stmt);
        if (rc == SQLITE_ROW)
          {
            id = sqlite3_column_int64 (stmt, 0);
            rc = step_done (stmt);
          }
        if (rc != SQLITE_DONE)
          {
            set_error_from_db (self, error, rc, "Cannot record a “%s” event for tenant “%s”",
                               event->kind, event->tenant_id);
            id = 0;
          }
      }
  }
  if (id)
    {
      event->id = id;
      event->time = time;
      /* Inside a transaction the event waits for the outermost commit. */
      g_ptr_array_add (self->pending_events, sesame_event_copy (event));
      committed = take_committed_events (self);
    }
  g_rec_mutex_unlock (&self->lock);

  announce (self, committed);
  return id;
}

GPtrArray *
sesame_store_list_events (SesameStore *self,
                          const char  *tenant_id,
                          gint64       after_id,
                          const char  *action_key,
                          guint        limit,
                          GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id, NULL);

  /* Two statements rather than "?3 IS NULL OR …", so that each can use its
   * index. A negative LIMIT means none. */
  locker = g_rec_mutex_locker_new (&self->lock);
  if (action_key)
    stmt = prepare (self,
                    "SELECT " EVENT_COLUMNS " FROM events"
                    " WHERE tenant = ?1 AND action_key = ?3 AND id > ?2 ORDER BY id LIMIT ?4",
                    error);
  else
    stmt = prepare (self,
                    "SELECT " EVENT_COLUMNS " FROM events"
                    " WHERE tenant = ?1 AND id > ?2 ORDER BY id LIMIT ?4",
                    error);
  if (!stmt)
    return NULL;
  bind_text (stmt, 1, tenant_id);
  bind_int64 (stmt, 2, after_id);
  if (action_key)
    bind_text (stmt, 3, action_key);
  bind_int64 (stmt, 4, limit ? (gint64) limit : -1);
  return collect_rows (self, stmt, event_from_row, (GDestroyNotify) sesame_event_free,
                       "events", error);
}
