/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-store-private.h"

#include <errno.h>

#include <json-glib/json-glib.h>

/* Errors */

/* Maps SQLite's extended result code to one of ours, keeping SQLite's own
 * message (which names the constraint or the I/O failure) after ours. */
void
sesame_store_set_error_from_db (SesameStore *self,
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

  /* SQLite says SQLITE_FULL only for ENOSPC; a quota, or a file system
   * remounted read-only under it, shows as an I/O error with that errno. */
  if (self->db && (rc & 0xff) == SQLITE_IOERR)
    {
      int sys_errno = sqlite3_system_errno (self->db);

      if (sys_errno == ENOSPC || sys_errno == EDQUOT)
        rc = SQLITE_FULL;
      else if (sys_errno == EROFS || sys_errno == EACCES || sys_errno == EPERM)
        rc = SQLITE_READONLY;
    }

  if ((rc & 0xff) == SQLITE_FULL)
    g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_FULL,
                 "%s (database %s): the disk is full", what, self->path);
  else if ((rc & 0xff) == SQLITE_READONLY)
    g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_READ_ONLY,
                 "%s (database %s): the database cannot be written: %s", what, self->path,
                 detail);
  else if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONFLICT, "%s: %s", what, detail);
  else if ((rc & 0xff) == SQLITE_CONSTRAINT)
    g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT, "%s: %s", what, detail);
  else
    g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO, "%s (database %s): %s",
                 what, self->path, detail);
}

gboolean
sesame_store_error_is_unavailable (const GError *error)
{
  return g_error_matches (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_FULL) ||
         g_error_matches (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_READ_ONLY);
}

/* Statements */

void
sesame_store_stmt_release (SesameStoreStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

SesameStoreStmt *
sesame_store_prepare (SesameStore *self,
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
  if (!stmt)
    {
      rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
      if (rc != SQLITE_OK)
        {
          sesame_store_set_error_from_db (self, error, rc, "Cannot prepare a query");
          return NULL;
        }
      /* The SQL is always a string literal, so it can serve as its own key. */
      g_hash_table_insert (self->statements, (gpointer) sql, stmt);
    }
  /* A write outside a transaction would take SQLite's write lock without
   * the family's write lock (see sesame_store_open_sibling()). */
  if (self->sibling && self->depth == 0 && !sqlite3_stmt_readonly (stmt))
    {
      g_critical ("A sibling of %s wrote outside a transaction: %s", self->path, sql);
      g_set_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_IO,
                   "A write to %s outside a transaction was refused", self->path);
      return NULL;
    }
  return stmt;
}

/* Runs a statement to its end; SQLITE_DONE on success. */
int
sesame_sql_step_done (sqlite3_stmt *stmt)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  return rc;
}

/* Binding only fails for a wrong index (a bug, which the tests turn into a
 * failure through G_DEBUG=fatal-warnings) or when out of memory. */
void
sesame_sql_bind_text (sqlite3_stmt *stmt,
                      int           index,
                      const char   *value)
{
  int rc = sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);

  g_warn_if_fail (rc == SQLITE_OK);
}

void
sesame_sql_bind_int64 (sqlite3_stmt *stmt,
                       int           index,
                       gint64        value)
{
  int rc = sqlite3_bind_int64 (stmt, index, value);

  g_warn_if_fail (rc == SQLITE_OK);
}

/* 0 stands for "unset" in our records and becomes SQL NULL. */
void
sesame_sql_bind_time (sqlite3_stmt *stmt,
                      int           index,
                      gint64        value)
{
  int rc = value ? sqlite3_bind_int64 (stmt, index, value) : sqlite3_bind_null (stmt, index);

  g_warn_if_fail (rc == SQLITE_OK);
}

void
sesame_sql_bind_bytes (sqlite3_stmt *stmt,
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

char *
sesame_sql_column_text (sqlite3_stmt *stmt,
                        int           column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return text ? g_strdup ((const char *) text) : NULL;
}

GBytes *
sesame_sql_column_bytes (sqlite3_stmt *stmt,
                         int           column)
{
  const void *data;

  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return NULL;
  data = sqlite3_column_blob (stmt, column);
  return g_bytes_new (data, sqlite3_column_bytes (stmt, column));
}

/* JSON columns */

char *
sesame_sql_strv_to_json (const char * const *strv)
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

char *
sesame_sql_ints_to_json (const int *values,
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

char **
sesame_sql_column_strv (sqlite3_stmt *stmt,
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

int *
sesame_sql_column_ints (sqlite3_stmt *stmt,
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

/* Reading rows */

GPtrArray *
sesame_store_collect_rows (SesameStore        *self,
                           sqlite3_stmt       *stmt,
                           SesameStoreRowFunc  func,
                           GDestroyNotify      free_func,
                           const char         *what,
                           GError            **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (free_func);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, func (stmt));
  if (rc != SQLITE_DONE)
    {
      sesame_store_set_error_from_db (self, error, rc, "Cannot list %s", what);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/* One row or NOT_FOUND; @format names the thing sought ("user “a” in …"). */
gpointer
sesame_store_fetch_one (SesameStore        *self,
                        sqlite3_stmt       *stmt,
                        SesameStoreRowFunc  func,
                        GError            **error,
                        const char         *format,
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
    sesame_store_set_error_from_db (self, error, rc, "Cannot read %s", what);
  return NULL;
}
