/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-store-private.h"

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

/* Users */

#define USER_COLUMNS "tenant, user_id, username, display_name, created"

static gpointer
user_from_row (sqlite3_stmt *stmt)
{
  SesameUser *user = g_new0 (SesameUser, 1);

  user->tenant_id = sesame_sql_column_text (stmt, 0);
  user->user_id = sesame_sql_column_text (stmt, 1);
  user->username = sesame_sql_column_text (stmt, 2);
  user->display_name = sesame_sql_column_text (stmt, 3);
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
  g_autoptr(SesameStoreStmt) stmt = NULL;
  SesameUser *user;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && user_id, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
                               "INSERT INTO users (tenant, user_id, username, display_name, created)"
                               " VALUES (?1, ?2, ?3, ?4, ?5)"
                               " ON CONFLICT (tenant, user_id) DO UPDATE SET"
                               "   username = coalesce (excluded.username, username),"
                               "   display_name = coalesce (excluded.display_name, display_name)"
                               " RETURNING " USER_COLUMNS,
                               error);
  if (!stmt)
    return NULL;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  sesame_sql_bind_text (stmt, 2, user_id);
  sesame_sql_bind_text (stmt, 3, username);
  sesame_sql_bind_text (stmt, 4, display_name);
  sesame_sql_bind_int64 (stmt, 5, g_get_real_time ());

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_CONSTRAINT_UNIQUE)
        g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONFLICT,
                     "Another user of tenant “%s” already has the username “%s”",
                     tenant_id, username);
      else
        sesame_store_set_error_from_db (self, error, rc, "Cannot save user “%s” of tenant “%s”",
                                        user_id, tenant_id);
      return NULL;
    }
  user = user_from_row (stmt);
  rc = sesame_sql_step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot save user “%s” of tenant “%s”",
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
  g_autoptr(SesameStoreStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && user_id, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
                               "SELECT " USER_COLUMNS " FROM users WHERE tenant = ?1 AND user_id = ?2",
                               error);
  if (!stmt)
    return NULL;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  sesame_sql_bind_text (stmt, 2, user_id);
  return sesame_store_fetch_one (self, stmt, user_from_row, error,
                                 "user “%s” in tenant “%s”", user_id, tenant_id);
}

SesameUser *
sesame_store_find_user_by_username (SesameStore *self,
                                    const char  *tenant_id,
                                    const char  *username,
                                    GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(SesameStoreStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && username, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
                               "SELECT " USER_COLUMNS " FROM users WHERE tenant = ?1 AND username = ?2",
                               error);
  if (!stmt)
    return NULL;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  sesame_sql_bind_text (stmt, 2, username);
  return sesame_store_fetch_one (self, stmt, user_from_row, error,
                                 "user named “%s” in tenant “%s”", username, tenant_id);
}

GPtrArray *
sesame_store_list_users (SesameStore *self,
                         const char  *tenant_id,
                         GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(SesameStoreStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
                               "SELECT " USER_COLUMNS " FROM users WHERE tenant = ?1 ORDER BY created, user_id",
                               error);
  if (!stmt)
    return NULL;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  return sesame_store_collect_rows (self, stmt, user_from_row, (GDestroyNotify) sesame_user_free,
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
  g_autoptr(SesameStoreStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id, NULL);

  /* User ids are never empty, so "" stands for "from the first"; the
   * primary key (tenant, user_id) gives the order. A negative LIMIT means
   * none. */
  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
                               "SELECT " USER_COLUMNS " FROM users"
                               " WHERE tenant = ?1 AND user_id > ?2 ORDER BY user_id LIMIT ?3",
                               error);
  if (!stmt)
    return NULL;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  sesame_sql_bind_text (stmt, 2, after_user_id ? after_user_id : "");
  sesame_sql_bind_int64 (stmt, 3, limit ? (gint64) limit : -1);
  return sesame_store_collect_rows (self, stmt, user_from_row, (GDestroyNotify) sesame_user_free,
                                    "users", error);
}

gboolean
sesame_store_delete_user (SesameStore *self,
                          const char  *tenant_id,
                          const char  *user_id,
                          GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(SesameStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (tenant_id && user_id, FALSE);

  /* One statement, so atomic; the foreign keys cascade to the user's
   * passkeys, actions and challenges within it. */
  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self, "DELETE FROM users WHERE tenant = ?1 AND user_id = ?2", error);
  if (!stmt)
    return FALSE;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  sesame_sql_bind_text (stmt, 2, user_id);
  rc = sesame_sql_step_done (stmt);
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot delete user “%s” of tenant “%s”",
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
