/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-store-private.h"

#define CHALLENGE_LEN 32

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

/* Challenges */

#define CHALLENGE_COLUMNS "id, tenant, action_key, bytes, type, user_id, created, expires, used"

static gpointer
challenge_from_row (sqlite3_stmt *stmt)
{
  SesameChallenge *challenge = g_new0 (SesameChallenge, 1);
  const char *type;

  challenge->id = sesame_sql_column_text (stmt, 0);
  challenge->tenant_id = sesame_sql_column_text (stmt, 1);
  challenge->action_key = sesame_sql_column_text (stmt, 2);
  challenge->bytes = sesame_sql_column_bytes (stmt, 3);
  type = (const char *) sqlite3_column_text (stmt, 4);
  challenge->type = g_strcmp0 (type, "registration") == 0 ? SESAME_CHALLENGE_REGISTRATION
                                                          : SESAME_CHALLENGE_AUTHENTICATION;
  challenge->user_id = sesame_sql_column_text (stmt, 5);
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
  g_autoptr(SesameStoreStmt) stmt = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gint64 created, expires = 0;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (challenge && challenge->tenant_id, FALSE);

  id = challenge->id ? g_strdup (challenge->id) : sesame_store_random_uuid (error);
  if (!id)
    return FALSE;
  bytes = challenge->bytes ? g_bytes_ref (challenge->bytes) : sesame_store_random_bytes (CHALLENGE_LEN, error);
  if (!bytes)
    return FALSE;
  created = challenge->created ? challenge->created : g_get_real_time ();

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
                               "INSERT INTO challenges (" CHALLENGE_COLUMNS ")"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                               "   coalesce (?8, ?7 + (SELECT challenge_lifetime FROM tenants WHERE id = ?2)"
                               "                      * 1000000),"
                               "   0)"
                               " RETURNING expires",
                               error);
  if (!stmt)
    return FALSE;
  sesame_sql_bind_text (stmt, 1, id);
  sesame_sql_bind_text (stmt, 2, challenge->tenant_id);
  sesame_sql_bind_text (stmt, 3, challenge->action_key);
  sesame_sql_bind_bytes (stmt, 4, bytes);
  sesame_sql_bind_text (stmt, 5, sesame_challenge_type_to_string (challenge->type));
  sesame_sql_bind_text (stmt, 6, challenge->user_id);
  sesame_sql_bind_int64 (stmt, 7, created);
  sesame_sql_bind_time (stmt, 8, challenge->expires);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      expires = sqlite3_column_int64 (stmt, 0);
      rc = sesame_sql_step_done (stmt);
    }
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot create a %s challenge for tenant “%s”",
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
    g_autoptr(SesameStoreStmt) stmt = sesame_store_prepare (self,
                                                       "UPDATE challenges SET used = 1"
                                                       " WHERE id = ?1 AND tenant = ?2 AND used = 0"
                                                       "   AND expires > ?3"
                                                       " RETURNING " CHALLENGE_COLUMNS,
                                                       error);
    if (!stmt)
      return NULL;
    sesame_sql_bind_text (stmt, 1, challenge_id);
    sesame_sql_bind_text (stmt, 2, tenant_id);
    sesame_sql_bind_int64 (stmt, 3, now);
    rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
      {
        challenge = challenge_from_row (stmt);
        rc = sesame_sql_step_done (stmt);
      }
    if (rc != SQLITE_DONE)
      {
        sesame_store_set_error_from_db (self, error, rc, "Cannot consume challenge “%s” of tenant “%s”",
                                        challenge_id, tenant_id);
        sesame_challenge_free (challenge);
        return NULL;
      }
    if (challenge)
      return challenge;
  }

  /* Nothing was consumed; say why. Once used or expired a challenge stays
   * so, so this answer cannot be contradicted by a later write. */
  challenge = sesame_store_get_challenge (self, tenant_id, challenge_id, error);
  if (challenge)
    {
      /* Consumed and restored in between: impossible, since nothing
       * marks a challenge unused again. */
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "Challenge “%s” of tenant “%s” could not be consumed", challenge_id,
                   tenant_id);
      sesame_challenge_free (challenge);
    }
  return NULL;
}

SesameChallenge *
sesame_store_get_challenge (SesameStore *self,
                            const char  *tenant_id,
                            const char  *challenge_id,
                            GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(SesameStoreStmt) stmt = NULL;
  g_autoptr(SesameChallenge) challenge = NULL;
  gint64 now = g_get_real_time ();

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && challenge_id, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
                               "SELECT " CHALLENGE_COLUMNS " FROM challenges"
                               " WHERE id = ?1 AND tenant = ?2",
                               error);
  if (!stmt)
    return NULL;
  sesame_sql_bind_text (stmt, 1, challenge_id);
  sesame_sql_bind_text (stmt, 2, tenant_id);
  challenge = sesame_store_fetch_one (self, stmt, challenge_from_row, error,
                                      "challenge “%s” in tenant “%s”", challenge_id, tenant_id);
  if (!challenge)
    return NULL;
  if (challenge->used)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_ALREADY_USED,
                   "Challenge “%s” of tenant “%s” was already used: this is a replay",
                   challenge_id, tenant_id);
      return NULL;
    }
  if (challenge->expires <= now)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_EXPIRED,
                   "Challenge “%s” of tenant “%s” expired %" G_GINT64_FORMAT " s ago",
                   challenge_id, tenant_id,
                   (gint64) ((now - challenge->expires) / G_USEC_PER_SEC));
      return NULL;
    }
  return g_steal_pointer (&challenge);
}

static gboolean
purge_in_transaction (SesameStore *self,
                      gpointer     user_data,
                      GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(SesameStoreStmt) stmt = NULL;
  guint *n_purged = user_data;
  int rc;

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self, "DELETE FROM challenges WHERE expires <= ?1", error);
  if (!stmt)
    return FALSE;
  sesame_sql_bind_int64 (stmt, 1, g_get_real_time ());
  rc = sesame_sql_step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot purge expired challenges");
      return FALSE;
    }
  if (n_purged)
    *n_purged = (guint) sqlite3_changes (self->db);
  return TRUE;
}

gboolean
sesame_store_purge_challenges (SesameStore *self,
                               guint       *n_purged,
                               GError     **error)
{
  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);

  return sesame_store_ensure_transaction (self, purge_in_transaction, n_purged, error);
}
