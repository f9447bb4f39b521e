/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-store-private.h"

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

/* Actions */

#define ACTION_COLUMNS \
  "tenant, user_id, action_code, idempotency_key, state, verification_method, " \
  "authenticator_id, created, updated, state_updated"

static gpointer
action_from_row (sqlite3_stmt *stmt)
{
  SesameAction *action = g_new0 (SesameAction, 1);

  action->tenant_id = sesame_sql_column_text (stmt, 0);
  action->user_id = sesame_sql_column_text (stmt, 1);
  action->action_code = sesame_sql_column_text (stmt, 2);
  action->idempotency_key = sesame_sql_column_text (stmt, 3);
  action->state = sesame_sql_column_text (stmt, 4);
  action->verification_method = sesame_sql_column_text (stmt, 5);
  action->authenticator_id = sesame_sql_column_text (stmt, 6);
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
  g_autoptr(SesameStoreStmt) stmt = NULL;
  g_autofree char *key = NULL;
  gint64 created, updated, state_updated;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);
  g_return_val_if_fail (action && action->tenant_id && action->user_id, FALSE);

  key = action->idempotency_key ? g_strdup (action->idempotency_key) : sesame_store_random_uuid (error);
  if (!key)
    return FALSE;
  created = action->created ? action->created : g_get_real_time ();
  updated = action->updated ? action->updated : created;
  state_updated = action->state_updated ? action->state_updated : created;

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
                               "INSERT INTO actions (" ACTION_COLUMNS ")"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                               error);
  if (!stmt)
    return FALSE;
  sesame_sql_bind_text (stmt, 1, action->tenant_id);
  sesame_sql_bind_text (stmt, 2, action->user_id);
  sesame_sql_bind_text (stmt, 3, action->action_code);
  sesame_sql_bind_text (stmt, 4, key);
  sesame_sql_bind_text (stmt, 5, action->state);
  sesame_sql_bind_text (stmt, 6, action->verification_method);
  sesame_sql_bind_text (stmt, 7, action->authenticator_id);
  sesame_sql_bind_int64 (stmt, 8, created);
  sesame_sql_bind_int64 (stmt, 9, updated);
  sesame_sql_bind_int64 (stmt, 10, state_updated);

  rc = sesame_sql_step_done (stmt);
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    {
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONFLICT,
                   "Tenant “%s” already has an action with idempotency key “%s”",
                   action->tenant_id, key);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot create action “%s” for user “%s” of tenant “%s”",
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
  g_autoptr(SesameStoreStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && idempotency_key, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
                               "SELECT " ACTION_COLUMNS " FROM actions"
                               " WHERE tenant = ?1 AND idempotency_key = ?2",
                               error);
  if (!stmt)
    return NULL;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  sesame_sql_bind_text (stmt, 2, idempotency_key);
  return sesame_store_fetch_one (self, stmt, action_from_row, error,
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
  g_autoptr(SesameStoreStmt) stmt = NULL;
  SesameAction *action = NULL;
  int rc;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && idempotency_key && state, NULL);

  /* SET expressions all see the row as it was, so the CASE compares with
   * the old state. */
  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
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
  sesame_sql_bind_text (stmt, 1, tenant_id);
  sesame_sql_bind_text (stmt, 2, idempotency_key);
  sesame_sql_bind_text (stmt, 3, state);
  sesame_sql_bind_text (stmt, 4, verification_method);
  sesame_sql_bind_text (stmt, 5, authenticator_id);
  sesame_sql_bind_int64 (stmt, 6, g_get_real_time ());

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
      rc = sesame_sql_step_done (stmt);
    }
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot set action “%s” of tenant “%s” to %s",
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
  g_autoptr(SesameStoreStmt) stmt = NULL;
  g_autofree char *codes_json = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id && user_id, NULL);

  /* The codes travel as one JSON array, so that one cached statement
   * serves any number of them. */
  if (codes && codes[0])
    codes_json = sesame_sql_strv_to_json (codes);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = sesame_store_prepare (self,
                               "SELECT " ACTION_COLUMNS " FROM actions"
                               " WHERE tenant = ?1 AND user_id = ?2 AND created >= ?3"
                               "   AND (?4 IS NULL OR action_code IN (SELECT value FROM json_each (?4)))"
                               "   AND (?5 IS NULL OR state = ?5)"
                               " ORDER BY created DESC, rowid DESC",
                               error);
  if (!stmt)
    return NULL;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  sesame_sql_bind_text (stmt, 2, user_id);
  sesame_sql_bind_int64 (stmt, 3, from);
  sesame_sql_bind_text (stmt, 4, codes_json);
  sesame_sql_bind_text (stmt, 5, state);
  return sesame_store_collect_rows (self, stmt, action_from_row, (GDestroyNotify) sesame_action_free,
                                    "actions", error);
}
