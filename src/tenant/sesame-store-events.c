/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-store-private.h"

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

/* Events */

/* The retention bound is enforced every this many appends (and on demand),
 * so that a tenant holds at most retention + TRIM_EVERY events while the
 * cost of trimming, one index walk per tenant, stays off most requests. */
#define TRIM_EVERY 256

#define EVENT_COLUMNS \
  "id, tenant, action_key, user_id, kind, time, origin, user_agent, outcome, reason, details"

static gpointer
event_from_row (sqlite3_stmt *stmt)
{
  SesameEvent *event = g_new0 (SesameEvent, 1);

  event->id = sqlite3_column_int64 (stmt, 0);
  event->tenant_id = sesame_sql_column_text (stmt, 1);
  event->action_key = sesame_sql_column_text (stmt, 2);
  event->user_id = sesame_sql_column_text (stmt, 3);
  event->kind = sesame_sql_column_text (stmt, 4);
  event->time = sqlite3_column_int64 (stmt, 5);
  event->origin = sesame_sql_column_text (stmt, 6);
  event->user_agent = sesame_sql_column_text (stmt, 7);
  event->outcome = sesame_sql_column_text (stmt, 8);
  event->reason = sesame_sql_column_text (stmt, 9);
  event->details = sesame_sql_column_text (stmt, 10);
  return event;
}

/* The id of @tenant_id's retention-th newest event, or 0 when it has no
 * more than that. */
static gboolean
retention_cut (SesameStore *self,
               const char  *tenant_id,
               gint64      *cut,
               GError     **error)
{
  g_autoptr(SesameStoreStmt) stmt = NULL;
  int rc;

  *cut = 0;
  stmt = sesame_store_prepare (self,
                               "SELECT id FROM events WHERE tenant = ?1"
                               " ORDER BY id DESC LIMIT 1 OFFSET ?2",
                               error);
  if (!stmt)
    return FALSE;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  sesame_sql_bind_int64 (stmt, 2, (gint64) g_atomic_int_get (&self->shared->event_retention) - 1);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *cut = sqlite3_column_int64 (stmt, 0);
      rc = sesame_sql_step_done (stmt);
    }
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot trim the event log");
      return FALSE;
    }
  return TRUE;
}

static gpointer
tenant_id_from_row (sqlite3_stmt *stmt)
{
  return sesame_sql_column_text (stmt, 0);
}

/* Keeps the newest event_retention events of each tenant: one walk down
 * the (tenant, id) index to find where that tenant's log is cut, then one
 * range delete below it. Call with the lock held. */
static gboolean
trim_locked (SesameStore *self,
             guint       *n_removed,
             GError     **error)
{
  g_autoptr(GPtrArray) tenants = NULL;
  guint removed = 0;

  if (n_removed)
    *n_removed = 0;
  if (!g_atomic_int_get (&self->shared->event_retention))
    return TRUE;

  {
    g_autoptr(SesameStoreStmt) stmt = sesame_store_prepare (self, "SELECT id FROM tenants", error);

    if (!stmt)
      return FALSE;
    tenants = sesame_store_collect_rows (self, stmt, tenant_id_from_row, g_free, "tenants",
                                         error);
    if (!tenants)
      return FALSE;
  }

  for (guint i = 0; i < tenants->len; i++)
    {
      const char *tenant_id = g_ptr_array_index (tenants, i);
      g_autoptr(SesameStoreStmt) stmt = NULL;
      gint64 cut;
      int rc;

      if (!retention_cut (self, tenant_id, &cut, error))
        return FALSE;
      if (cut == 0)
        continue;
      stmt = sesame_store_prepare (self, "DELETE FROM events WHERE tenant = ?1 AND id < ?2",
                                   error);
      if (!stmt)
        return FALSE;
      sesame_sql_bind_text (stmt, 1, tenant_id);
      sesame_sql_bind_int64 (stmt, 2, cut);
      rc = sesame_sql_step_done (stmt);
      if (rc != SQLITE_DONE)
        {
          sesame_store_set_error_from_db (self, error, rc, "Cannot trim the event log of %s",
                                          tenant_id);
          return FALSE;
        }
      removed += (guint) sqlite3_changes (self->db);
    }
  g_atomic_int_set (&self->shared->appends_since_trim, 0);
  if (n_removed)
    *n_removed = removed;
  return TRUE;
}

static gboolean
trim_in_transaction (SesameStore *self,
                     gpointer     user_data,
                     GError     **error)
{
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&self->lock);

  return trim_locked (self, user_data, error);
}

void
sesame_store_set_event_retention (SesameStore *self,
                                  guint        max_per_tenant)
{
  g_return_if_fail (SESAME_IS_STORE (self));

  /* Shared with the siblings. The next append trims, so that a lowered
   * bound holds at once. */
  g_atomic_int_set (&self->shared->event_retention, max_per_tenant);
  g_atomic_int_set (&self->shared->appends_since_trim, TRIM_EVERY);
}

guint
sesame_store_get_event_retention (SesameStore *self)
{
  g_return_val_if_fail (SESAME_IS_STORE (self), 0);
  return g_atomic_int_get (&self->shared->event_retention);
}

gboolean
sesame_store_trim_events (SesameStore *self,
                          guint       *n_removed,
                          GError     **error)
{
  g_return_val_if_fail (SESAME_IS_STORE (self), FALSE);

  return sesame_store_ensure_transaction (self, trim_in_transaction, n_removed, error);
}

typedef struct
{
  SesameEvent *event;
  gint64       id;
} AppendData;

/* In a transaction (the caller's, or one of its own), so that the event
 * is queued for announcement in commit order. */
static gboolean
append_in_transaction (SesameStore *self,
                       gpointer     user_data,
                       GError     **error)
{
  AppendData *data = user_data;
  SesameEvent *event = data->event;
  gint64 time = event->time ? event->time : g_get_real_time ();
  gint64 id = 0;

  g_rec_mutex_lock (&self->lock);
  {
    g_autoptr(SesameStoreStmt) stmt = sesame_store_prepare (self,
                                                       "INSERT INTO events (tenant, action_key, user_id, kind,"
                                                       "  time, origin, user_agent, outcome, reason, details)"
                                                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                                                       " RETURNING id",
                                                       error);
    int rc;

    if (stmt)
      {
        sesame_sql_bind_text (stmt, 1, event->tenant_id);
        sesame_sql_bind_text (stmt, 2, event->action_key);
        sesame_sql_bind_text (stmt, 3, event->user_id);
        sesame_sql_bind_text (stmt, 4, event->kind);
        sesame_sql_bind_int64 (stmt, 5, time);
        sesame_sql_bind_text (stmt, 6, event->origin);
        sesame_sql_bind_text (stmt, 7, event->user_agent);
        sesame_sql_bind_text (stmt, 8, event->outcome);
        sesame_sql_bind_text (stmt, 9, event->reason);
        sesame_sql_bind_text (stmt, 10, event->details);
        rc = sqlite3_step (stmt);
        if (rc == SQLITE_ROW)
          {
            id = sqlite3_column_int64 (stmt, 0);
            rc = sesame_sql_step_done (stmt);
          }
        if (rc != SQLITE_DONE)
          {
            sesame_store_set_error_from_db (self, error, rc, "Cannot record a “%s” event for tenant “%s”",
                                            event->kind, event->tenant_id);
            id = 0;
          }
      }
  }
  if (id && g_atomic_int_get (&self->shared->event_retention) &&
      g_atomic_int_add (&self->shared->appends_since_trim, 1) + 1 >= TRIM_EVERY)
    {
      g_autoptr(GError) local_error = NULL;

      /* Inside the caller's transaction: it commits or rolls back with it.
       * A failure here costs only the trim, never the event. */
      if (!trim_locked (self, NULL, &local_error) &&
          !sesame_store_error_is_unavailable (local_error))
        g_warning ("Cannot trim the event log: %s", local_error->message);
    }
  if (id)
    {
      event->id = id;
      event->time = time;
      /* The event waits for the outermost commit. */
      g_ptr_array_add (self->pending_events, sesame_event_copy (event));
    }
  g_rec_mutex_unlock (&self->lock);
  data->id = id;
  return id != 0;
}

gint64
sesame_store_append_event (SesameStore *self,
                           SesameEvent *event,
                           GError     **error)
{
  AppendData data = { event, 0 };

  g_return_val_if_fail (SESAME_IS_STORE (self), 0);
  g_return_val_if_fail (event && event->tenant_id && event->kind, 0);

  if (!sesame_store_ensure_transaction (self, append_in_transaction, &data, error))
    return 0;
  return data.id;
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
  g_autoptr(SesameStoreStmt) stmt = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (self), NULL);
  g_return_val_if_fail (tenant_id, NULL);

  /* Two statements rather than "?3 IS NULL OR …", so that each can use its
   * index. A negative LIMIT means none. */
  locker = g_rec_mutex_locker_new (&self->lock);
  if (action_key)
    stmt = sesame_store_prepare (self,
                                 "SELECT " EVENT_COLUMNS " FROM events"
                                 " WHERE tenant = ?1 AND action_key = ?3 AND id > ?2 ORDER BY id LIMIT ?4",
                                 error);
  else
    stmt = sesame_store_prepare (self,
                                 "SELECT " EVENT_COLUMNS " FROM events"
                                 " WHERE tenant = ?1 AND id > ?2 ORDER BY id LIMIT ?4",
                                 error);
  if (!stmt)
    return NULL;
  sesame_sql_bind_text (stmt, 1, tenant_id);
  sesame_sql_bind_int64 (stmt, 2, after_id);
  if (action_key)
    sesame_sql_bind_text (stmt, 3, action_key);
  sesame_sql_bind_int64 (stmt, 4, limit ? (gint64) limit : -1);
  return sesame_store_collect_rows (self, stmt, event_from_row, (GDestroyNotify) sesame_event_free,
                                    "events", error);
}
