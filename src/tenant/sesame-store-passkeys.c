/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-store-private.h"

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

/* Passkeys */

#define PASSKEY_COLUMNS \
  "id, tenant, user_id, credential_id, public_key, alg, sign_count, aaguid, transports, " \
  "backup_eligible, backed_up, attestation_format, attestation_type, attestation_trusted, " \
  "user_agent, created, last_used"

static gpointer
passkey_from_row (sqlite3_stmt *stmt)
{
  SesamePasskey *passkey = g_new0 (SesamePasskey, 1);

  passkey->id = sesame_sql_column_text (stmt, 0);
  passkey->tenant_id = sesame_sql_column_text (stmt, 1);
  passkey->user_id = sesame_sql_column_text (stmt, 2);
  passkey->credential_id = sesame_sql_column_bytes (stmt, 3);
  passkey->public_key = sesame_sql_column_bytes (stmt, 4);
  passkey->alg = sqlite3_column_int (stmt, 5);
  passkey->sign_count = (guint32) sqlite3_column_int64 (stmt, 6);
  passkey->aaguid = sesame_sql_column_text (stmt, 7);
  passkey->transports = sesame_sql_column_strv (stmt, 8);
  passkey->backup_eligible = sqlite3_column_int (stmt, 9) != 0;
  passkey->backed_up = sqlite3_column_int (stmt, 10) != 0;
  passkey->attestation_format = sesame_sql_column_text (stmt, 11);
  passkey->attestation_type = sesame_sql_column_text (stmt, 12);
  passkey->attestation_trusted = sqlite3_column_int (stmt, 13) != 0;
  passkey->user_agent = sesame_sql_column_text (stmt, 14);
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
  g_autoptr(SesameStoreStmt) stmt = NULL;
  g_autofree char *id = NULL;
  g_autofree char *transports = NULL;
  gint64 created;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (passkey && passkey->tenant_id && passkey->user_id, FALSE);

  id = passkey->id ? g_strdup (passkey->id) : sesame_store_random_uuid (error);
  if (!id)
    return FALSE;
  created = passkey->created ? passkey->created : g_get_real_time ();
  transports = sesame_sql_strv_to_json ((const char * const *) passkey->transports);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
                               "INSERT INTO passkeys (" PASSKEY_COLUMNS ")"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
                               "         ?16, ?17)",
                               error);
  if (!stmt)
    return FALSE;
  sesame_sql_bind_text (stmt, 1, id);
  sesame_sql_bind_text (stmt, 2, passkey->tenant_id);
  sesame_sql_bind_text (stmt, 3, passkey->user_id);
  sesame_sql_bind_bytes (stmt, 4, passkey->credential_id);
  sesame_sql_bind_bytes (stmt, 5, passkey->public_key);
  sesame_sql_bind_int64 (stmt, 6, passkey->alg);
  sesame_sql_bind_int64 (stmt, 7, passkey->sign_count);
  sesame_sql_bind_text (stmt, 8, passkey->aaguid);
  sesame_sql_bind_text (stmt, 9, transports);
  sesame_sql_bind_int64 (stmt, 10, passkey->backup_eligible ? 1 : 0);
  sesame_sql_bind_int64 (stmt, 11, passkey->backed_up ? 1 : 0);
  sesame_sql_bind_text (stmt, 12, passkey->attestation_format);
  sesame_sql_bind_text (stmt, 13, passkey->attestation_type);
  sesame_sql_bind_int64 (stmt, 14, passkey->attestation_trusted ? 1 : 0);
  sesame_sql_bind_text (stmt, 15, passkey->user_agent);
  sesame_sql_bind_int64 (stmt, 16, created);
  sesame_sql_bind_time (stmt, 17, passkey->last_used);

  rc = sesame_sql_step_done (stmt);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT,
                   "Cannot add a passkey for user “%s”: tenant “%s” has no such user",
                   passkey->user_id, passkey->tenant_id);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot add a passkey for user “%s” of tenant “%s”",
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
  g_autoptr(SesameStoreStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && passkey_id, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
                               "SELECT " PASSKEY_COLUMNS " FROM passkeys WHERE tenant = ?1 AND id = ?2",
                               error);
  if (!stmt)
    return NULL;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  sesame_sql_bind_text (stmt, 2, passkey_id);
  return sesame_store_fetch_one (self, stmt, passkey_from_row, error,
                                 "passkey “%s” in tenant “%s”", passkey_id, tenant_id);
}

SesamePasskey *
sesame_store_find_passkey (SesameStore *self,
                           const char  *tenant_id,
                           GBytes      *credential_id,
                           GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(SesameStoreStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && credential_id, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
                               "SELECT " PASSKEY_COLUMNS " FROM passkeys"
                               " WHERE tenant = ?1 AND credential_id = ?2",
                               error);
  if (!stmt)
    return NULL;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  sesame_sql_bind_bytes (stmt, 2, credential_id);
  return sesame_store_fetch_one (self, stmt, passkey_from_row, error,
                                 "passkey with this credential id in tenant “%s”", tenant_id);
}

GPtrArray *
sesame_store_list_passkeys (SesameStore *self,
                            const char  *tenant_id,
                            const char  *user_id,
                            GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(SesameStoreStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && user_id, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
                               "SELECT " PASSKEY_COLUMNS " FROM passkeys WHERE tenant = ?1 AND user_id = ?2"
                               " ORDER BY created, id",
                               error);
  if (!stmt)
    return NULL;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  sesame_sql_bind_text (stmt, 2, user_id);
  return sesame_store_collect_rows (self, stmt, passkey_from_row, (GDestroyNotify) sesame_passkey_free,
                                    "passkeys", error);
}

gboolean
sesame_store_count_passkeys (SesameStore *self,
                             const char  *tenant_id,
                             guint       *n_passkeys,
                             GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(SesameStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (tenant_id && n_passkeys, FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self, "SELECT count(*) FROM passkeys WHERE tenant = ?1", error);
  if (!stmt)
    return FALSE;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot count the passkeys");
      return FALSE;
    }
  *n_passkeys = (guint) sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/* A compare-and-set: the counter moves only upwards (or stays at 0 for an
 * authenticator that keeps none), checked by SQLite in the same statement
 * that writes it. The check the verifier made against the row it read
 * earlier is not enough: another thread or process may have accepted an
 * assertion with the same count in between, and a plain UPDATE would let
 * both succeed, or set the counter back below one already accepted. */
gboolean
sesame_store_update_passkey_after_use (SesameStore *self,
                                       const char  *tenant_id,
                                       const char  *passkey_id,
                                       guint32      sign_count,
                                       gboolean     backed_up,
                                       GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(SesameStoreStmt) stmt = NULL;
  g_autoptr(SesameStoreStmt) current = NULL;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (tenant_id && passkey_id, FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
                               "UPDATE passkeys SET sign_count = ?3, backed_up = ?4, last_used = ?5"
                               " WHERE tenant = ?1 AND id = ?2"
                               " AND (sign_count < ?3 OR (sign_count = 0 AND ?3 = 0))",
                               error);
  if (!stmt)
    return FALSE;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  sesame_sql_bind_text (stmt, 2, passkey_id);
  sesame_sql_bind_int64 (stmt, 3, sign_count);
  sesame_sql_bind_int64 (stmt, 4, backed_up ? 1 : 0);
  sesame_sql_bind_int64 (stmt, 5, g_get_real_time ());
  rc = sesame_sql_step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot record the use of passkey “%s” of tenant “%s”",
                                      passkey_id, tenant_id);
      return FALSE;
    }
  if (sqlite3_changes (self->db) == 1)
    return TRUE;

  /* Nothing changed: either there is no such passkey, or its counter is
   * already at or above this one. */
  current = sesame_store_prepare (self, "SELECT sign_count FROM passkeys WHERE tenant = ?1 AND id = ?2",
                                  error);
  if (!current)
    return FALSE;
  sesame_sql_bind_text (current, 1, tenant_id);
  sesame_sql_bind_text (current, 2, passkey_id);
  rc = sqlite3_step (current);
  if (rc == SQLITE_ROW)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_STALE,
                   "Sign count %u of passkey “%s” is not above the stored %u",
                   sign_count, passkey_id, (guint32) sqlite3_column_int64 (current, 0));
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot read passkey “%s” of tenant “%s”",
                                      passkey_id, tenant_id);
      return FALSE;
    }
  g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND,
               "There is no passkey “%s” in tenant “%s”", passkey_id, tenant_id);
  return FALSE;
}

/* Parsed public keys. Bounded so that a tenant with many passkeys costs
 * a fixed amount of memory; the least recently used key goes first. An
 * entry is used only while its COSE bytes equal the stored ones, so a key
 * that a deleted user's passkeys left behind can never be handed out for
 * another. */

#define KEY_CACHE_SIZE 1024

typedef struct
{
  char          *passkey_id;
  GBytes        *cose;
  SesameCoseKey *key;
} SesameCachedKey;

static void
cached_key_free (SesameCachedKey *cached)
{
  g_free (cached->passkey_id);
  g_bytes_unref (cached->cose);
  sesame_cose_key_unref (cached->key);
  g_free (cached);
}

void
sesame_store_key_cache_init (SesameStoreShared *shared)
{
  shared->key_cache = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&shared->key_lru);
}

void
sesame_store_key_cache_clear (SesameStoreShared *shared)
{
  if (shared->key_cache)
    g_hash_table_remove_all (shared->key_cache);
  g_queue_clear_full (&shared->key_lru, (GDestroyNotify) cached_key_free);
}

/* Call with key_lock held. */
static void
key_cache_remove_locked (SesameStoreShared *shared,
                         const char        *passkey_id)
{
  GList *link = g_hash_table_lookup (shared->key_cache, passkey_id);

  if (!link)
    return;
  g_hash_table_remove (shared->key_cache, passkey_id);
  cached_key_free (link->data);
  g_queue_delete_link (&shared->key_lru, link);
}

static void
key_cache_remove (SesameStore *self,
                  const char  *passkey_id)
{
  g_mutex_lock (&self->shared->key_lock);
  key_cache_remove_locked (self->shared, passkey_id);
  g_mutex_unlock (&self->shared->key_lock);
}

SesameCoseKey *
sesame_store_get_public_key (SesameStore         *self,
                             const SesamePasskey *passkey,
                             GError             **error)
{
  SesameStoreShared *shared;
  SesameCachedKey *cached;
  SesameCoseKey *key;
  const guint8 *data;
  gsize len;
  GList *link;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (passkey && passkey->id && passkey->public_key, NULL);

  /* One cache for the store and its siblings, under its own lock: the key
   * is parsed once whichever worker sees the passkey first. */
  shared = self->shared;
  g_mutex_lock (&shared->key_lock);
  link = g_hash_table_lookup (shared->key_cache, passkey->id);
  if (link)
    {
      cached = link->data;
      if (g_bytes_equal (cached->cose, passkey->public_key))
        {
          g_queue_unlink (&shared->key_lru, link);
          g_queue_push_head_link (&shared->key_lru, link);
          key = sesame_cose_key_ref (cached->key);
          g_mutex_unlock (&shared->key_lock);
          return key;
        }
      key_cache_remove_locked (shared, passkey->id);
    }
  g_mutex_unlock (&shared->key_lock);

  /* Parsed outside the lock; two workers that miss at once both parse,
   * and the second entry replaces the first. */
  data = g_bytes_get_data (passkey->public_key, &len);
  key = sesame_cose_key_new_from_cbor (data, len, NULL, error);
  if (!key)
    return NULL;

  cached = g_new0 (SesameCachedKey, 1);
  cached->passkey_id = g_strdup (passkey->id);
  cached->cose = g_bytes_ref (passkey->public_key);
  cached->key = sesame_cose_key_ref (key);
  g_mutex_lock (&shared->key_lock);
  key_cache_remove_locked (shared, passkey->id);
  g_queue_push_head (&shared->key_lru, cached);
  g_hash_table_insert (shared->key_cache, cached->passkey_id, shared->key_lru.head);
  if (shared->key_lru.length > KEY_CACHE_SIZE)
    {
      SesameCachedKey *oldest = shared->key_lru.tail->data;

      key_cache_remove_locked (shared, oldest->passkey_id);
    }
  g_mutex_unlock (&shared->key_lock);
  return key;
}

gboolean
sesame_store_delete_passkey (SesameStore *self,
                             const char  *tenant_id,
                             const char  *user_id,
                             const char  *passkey_id,
                             GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(SesameStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (tenant_id && user_id && passkey_id, FALSE);

  /* Scoped to the user, so a request about one user cannot delete the
   * passkey of another. */
  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self, "DELETE FROM passkeys WHERE tenant = ?1 AND user_id = ?2 AND id = ?3",
                               error);
  if (!stmt)
    return FALSE;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  sesame_sql_bind_text (stmt, 2, user_id);
  sesame_sql_bind_text (stmt, 3, passkey_id);
  rc = sesame_sql_step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot delete passkey “%s” of user “%s”",
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
  key_cache_remove (self, passkey_id);
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
  g_autoptr(SesameStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (tenant_id && user_id, FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self, "DELETE FROM passkeys WHERE tenant = ?1 AND user_id = ?2", error);
  if (!stmt)
    return FALSE;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  sesame_sql_bind_text (stmt, 2, user_id);
  rc = sesame_sql_step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot delete the passkeys of user “%s”", user_id);
      return FALSE;
    }
  if (n_deleted)
    *n_deleted = (guint) sqlite3_changes (self->db);
  return TRUE;
}
