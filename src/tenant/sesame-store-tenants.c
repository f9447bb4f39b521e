/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-store-private.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#define TOKEN_KEY_LEN 32
#define SECRET_HASH_LEN 32

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
  tenant->passkeys_set_up = TRUE;
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

/* Tenants */

#define TENANT_COLUMNS \
  "id, name, token_key, rp_id, rp_name, expected_origins, user_verification, attestation, " \
  "authenticator_attachment, allowed_algorithms, token_lifetime, challenge_lifetime, created, " \
  "passkeys_set_up"

static gpointer
tenant_from_row (sqlite3_stmt *stmt)
{
  SesameTenant *tenant = g_new0 (SesameTenant, 1);

  tenant->id = sesame_sql_column_text (stmt, 0);
  tenant->name = sesame_sql_column_text (stmt, 1);
  tenant->token_key = sesame_sql_column_bytes (stmt, 2);
  tenant->rp_id = sesame_sql_column_text (stmt, 3);
  tenant->rp_name = sesame_sql_column_text (stmt, 4);
  tenant->expected_origins = sesame_sql_column_strv (stmt, 5);
  tenant->user_verification = sesame_sql_column_text (stmt, 6);
  tenant->attestation = sesame_sql_column_text (stmt, 7);
  tenant->authenticator_attachment = sesame_sql_column_text (stmt, 8);
  tenant->allowed_algorithms = sesame_sql_column_ints (stmt, 9, &tenant->n_allowed_algorithms);
  tenant->token_lifetime = sqlite3_column_int64 (stmt, 10);
  tenant->challenge_lifetime = sqlite3_column_int64 (stmt, 11);
  tenant->created = sqlite3_column_int64 (stmt, 12);
  tenant->passkeys_set_up = sqlite3_column_int (stmt, 13) != 0;
  return tenant;
}

/* Binds the settings that insert and update share, as ?2 … ?11 and ?15
 * (passkeys_set_up, numbered after insert's own ?12 … ?14). */
static void
bind_tenant_settings (sqlite3_stmt       *stmt,
                      const SesameTenant *tenant)
{
  g_autofree char *origins = sesame_sql_strv_to_json ((const char * const *) tenant->expected_origins);
  g_autofree char *algorithms = sesame_sql_ints_to_json (tenant->allowed_algorithms,
                                                         tenant->n_allowed_algorithms);

  sesame_sql_bind_text (stmt, 2, tenant->name);
  sesame_sql_bind_text (stmt, 3, tenant->rp_id);
  sesame_sql_bind_text (stmt, 4, tenant->rp_name);
  sesame_sql_bind_text (stmt, 5, origins);
  sesame_sql_bind_text (stmt, 6, tenant->user_verification);
  sesame_sql_bind_text (stmt, 7, tenant->attestation);
  sesame_sql_bind_text (stmt, 8, tenant->authenticator_attachment);
  sesame_sql_bind_text (stmt, 9, algorithms);
  sesame_sql_bind_int64 (stmt, 10, tenant->token_lifetime);
  sesame_sql_bind_int64 (stmt, 11, tenant->challenge_lifetime);
  sesame_sql_bind_int64 (stmt, 15, tenant->passkeys_set_up ? 1 : 0);
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
  g_autoptr(SesameStoreStmt) stmt = NULL;
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
                                : sesame_store_random_bytes (TOKEN_KEY_LEN, error);
  if (!token_key)
    return FALSE;
  created = tenant->created ? tenant->created : g_get_real_time ();

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
                               "INSERT INTO tenants (id, name, rp_id, rp_name, expected_origins,"
                               "  user_verification, attestation, authenticator_attachment, allowed_algorithms,"
                               "  token_lifetime, challenge_lifetime, secret_key_hash, token_key, created, passkeys_set_up)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                               error);
  if (!stmt)
    return FALSE;
  sesame_sql_bind_text (stmt, 1, tenant->id);
  bind_tenant_settings (stmt, tenant);
  rc = sqlite3_bind_blob (stmt, 12, hash, sizeof hash, SQLITE_TRANSIENT);
  g_warn_if_fail (rc == SQLITE_OK);
  sesame_sql_bind_bytes (stmt, 13, token_key);
  sesame_sql_bind_int64 (stmt, 14, created);

  rc = sesame_sql_step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot add tenant “%s”", tenant->id);
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
  g_autoptr(SesameStoreStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self, "SELECT " TENANT_COLUMNS " FROM tenants WHERE id = ?1", error);
  if (!stmt)
    return NULL;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  return sesame_store_fetch_one (self, stmt, tenant_from_row, error, "tenant “%s”", tenant_id);
}

GPtrArray *
sesame_store_list_tenants (SesameStore *self,
                           GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(SesameStoreStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self, "SELECT " TENANT_COLUMNS " FROM tenants ORDER BY created, id", error);
  if (!stmt)
    return NULL;
  return sesame_store_collect_rows (self, stmt, tenant_from_row, (GDestroyNotify) sesame_tenant_free,
                                    "tenants", error);
}

gboolean
sesame_store_update_tenant (SesameStore        *self,
                            const SesameTenant *tenant,
                            GError            **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(SesameStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (tenant && tenant->id, FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
                               "UPDATE tenants SET name = ?2, rp_id = ?3, rp_name = ?4, expected_origins = ?5,"
                               "  user_verification = ?6, attestation = ?7, authenticator_attachment = ?8,"
                               "  allowed_algorithms = ?9, token_lifetime = ?10, challenge_lifetime = ?11,"
                               "  passkeys_set_up = ?15"
                               " WHERE id = ?1",
                               error);
  if (!stmt)
    return FALSE;
  sesame_sql_bind_text (stmt, 1, tenant->id);
  bind_tenant_settings (stmt, tenant);
  rc = sesame_sql_step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot update the settings of tenant “%s”",
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
  g_autoptr(SesameStoreStmt) stmt = NULL;
  guint8 hash[SECRET_HASH_LEN];
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (tenant_id, FALSE);

  if (!check_secret_key_present (tenant_id, secret_key, error) ||
      !hash_secret_key (secret_key, hash, error))
    return FALSE;

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self, "UPDATE tenants SET secret_key_hash = ?2 WHERE id = ?1", error);
  if (!stmt)
    return FALSE;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  rc = sqlite3_bind_blob (stmt, 2, hash, sizeof hash, SQLITE_TRANSIENT);
  g_warn_if_fail (rc == SQLITE_OK);
  rc = sesame_sql_step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot change the secret key of tenant “%s”",
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
  g_autoptr(SesameStoreStmt) stmt = NULL;
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
  stmt = sesame_store_prepare (self, "SELECT secret_key_hash FROM tenants WHERE id = ?1", error);
  if (!stmt)
    return FALSE;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND,
                   "There is no tenant “%s”", tenant_id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot read the secret key hash of tenant “%s”",
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
  g_autoptr(SesameStoreStmt) stmt = NULL;
  g_autofree char *found = NULL;
  guint8 hash[SECRET_HASH_LEN];
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);

  if (!hash_secret_key (secret_key ? secret_key : "", hash, error))
    return NULL;

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self, "SELECT id, secret_key_hash FROM tenants", error);
  if (!stmt)
    return NULL;
  /* Every tenant is compared, even after a match, so that the time taken
   * does not depend on which one matched. */
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    if (hash_matches (stmt, 1, hash) && !found)
      found = sesame_sql_column_text (stmt, 0);
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot read the tenants’ secret key hashes");
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

gboolean
sesame_store_delete_tenant (SesameStore *self,
                            const char  *tenant_id,
                            GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(SesameStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (tenant_id, FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  /* The foreign keys cascade to everything the tenant holds. */
  stmt = sesame_store_prepare (self, "DELETE FROM tenants WHERE id = ?1", error);
  if (!stmt)
    return FALSE;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  rc = sesame_sql_step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot delete tenant “%s”", tenant_id);
      return FALSE;
    }
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND,
                   "There is no tenant “%s” to delete", tenant_id);
      return FALSE;
    }
  return TRUE;
}

char *
sesame_store_dup_tenants_digest (SesameStore  *self,
                                 GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(SesameStoreStmt) stmt = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self, "SELECT * FROM tenants ORDER BY id", error);
  if (!stmt)
    return NULL;
  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    for (int i = 0; i < sqlite3_column_count (stmt); i++)
      {
        /* Each value with its type and length first, so that no two
         * different rows feed the same bytes. */
        const guint8 *value = sqlite3_column_blob (stmt, i);
        guint32 header[2] = {
          GUINT32_TO_LE ((guint32) sqlite3_column_type (stmt, i)),
          GUINT32_TO_LE ((guint32) sqlite3_column_bytes (stmt, i)),
        };

        g_checksum_update (checksum, (const guint8 *) header, sizeof header);
        if (value)
          g_checksum_update (checksum, value, sqlite3_column_bytes (stmt, i));
      }
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot read the tenants");
      return NULL;
    }
  return g_strdup (g_checksum_get_string (checksum));
}
