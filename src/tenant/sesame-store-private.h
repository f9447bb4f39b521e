/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * What the files of SesameStore share and nobody else sees: the instance
 * struct, the statement helpers (sesame-store-sql.c), randomness and the
 * event announcement of sesame-store.c. Each table has its own file
 * (sesame-store-tenants.c, -users.c, -passkeys.c, -actions.c, -challenges.c,
 * -events.c) built on these.
 */

#include "sesame-store.h"

#include <sqlite3.h>

G_BEGIN_DECLS

/* What a store and its siblings (sesame_store_open_sibling()) share: one
 * process's connections to one file. Reference counted; the store that was
 * opened first owns the signal. */
typedef struct
{
  gatomicrefcount  ref;

  /* Taken before BEGIN IMMEDIATE (and released after COMMIT or ROLLBACK)
   * by every connection of the family, so that in-process writers queue
   * here instead of in SQLite's sleeping busy handler. The order is always
   * this lock, then SQLite's write lock: nobody waits for it while holding
   * SQLite's lock, so the two cannot deadlock. Other processes meet only
   * SQLite's lock and its busy timeout. */
  GMutex           write_lock;

  GThread         *owner;           /* opened the first store; receives "event-added" */
  GMainContext    *context;         /* owner's thread-default context at open */
  GWeakRef         first;           /* the store that emits "event-added" */

  /* Committed events not announced yet, in commit order: they are queued
   * while write_lock is still held. */
  GMutex           queue_lock;
  GQueue           queue;
  gboolean         drain_scheduled;

  /* The parsed public keys (sesame-store-passkeys.c). */
  GMutex           key_lock;
  GHashTable      *key_cache;       /* passkey id → its GList link in key_lru */
  GQueue           key_lru;         /* SesameCachedKey, most recently used first */

  guint            event_retention; /* events kept per tenant; 0: all (atomic) */
  int              appends_since_trim;  /* atomic */
} SesameStoreShared;

struct _SesameStore
{
  GObject            parent_instance;

  char              *path;
  SesameStoreShared *shared;
  gboolean           sibling;       /* opened by sesame_store_open_sibling() */

  /* Guarded by lock: */
  GRecMutex     lock;
  sqlite3      *db;
  GHashTable   *statements;      /* SQL text → prepared sqlite3_stmt */
  guint         depth;           /* 0: no transaction; 1: BEGIN; more: savepoints */
  gboolean      doomed;          /* SQLite rolled back the transaction by itself */
  GArray       *marks;           /* pending_events->len when each level began */
  GPtrArray    *pending_events;  /* appended in the open transaction, not yet announced */

  /* The background checkpointer, when started: its own connection, and a
   * stop flag under checkpoint_lock. */
  GThread      *checkpointer;
  sqlite3      *checkpoint_db;
  GMutex        checkpoint_lock;
  GCond         checkpoint_cond;
  gboolean      checkpoint_stop;
  guint         checkpoint_interval_ms;
};

/* The parsed public keys of passkeys (sesame-store-passkeys.c), in the
 * shared part. */
void             sesame_store_key_cache_init  (SesameStoreShared *shared);
void             sesame_store_key_cache_clear (SesameStoreShared *shared);

/* Errors: maps SQLite's extended result code to a SesameStoreError. */
void             sesame_store_set_error_from_db (SesameStore *self,
                                                 GError     **error,
                                                 int          rc,
                                                 const char  *format,
                                                 ...) G_GNUC_PRINTF (4, 5);

/* A statement borrowed from the store's cache (call with the lock held);
 * its autoptr cleanup resets it and clears its bindings. */
typedef sqlite3_stmt SesameStoreStmt;

SesameStoreStmt *sesame_store_prepare       (SesameStore *self,
                                             const char  *sql,
                                             GError     **error);
void             sesame_store_stmt_release  (SesameStoreStmt *stmt);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameStoreStmt, sesame_store_stmt_release)

int              sesame_sql_step_done       (sqlite3_stmt *stmt);
void             sesame_sql_bind_text       (sqlite3_stmt *stmt,
                                             int           index,
                                             const char   *value);
void             sesame_sql_bind_int64      (sqlite3_stmt *stmt,
                                             int           index,
                                             gint64        value);
void             sesame_sql_bind_time       (sqlite3_stmt *stmt,
                                             int           index,
                                             gint64        value);
void             sesame_sql_bind_bytes      (sqlite3_stmt *stmt,
                                             int           index,
                                             GBytes       *bytes);
char            *sesame_sql_column_text     (sqlite3_stmt *stmt,
                                             int           column);
GBytes          *sesame_sql_column_bytes    (sqlite3_stmt *stmt,
                                             int           column);
/* JSON array columns (the schema checks that they hold arrays). */
char            *sesame_sql_strv_to_json    (const char * const *strv);
char            *sesame_sql_ints_to_json    (const int *values,
                                             gsize      n_values);
char           **sesame_sql_column_strv     (sqlite3_stmt *stmt,
                                             int           column);
int             *sesame_sql_column_ints     (sqlite3_stmt *stmt,
                                             int           column,
                                             gsize        *n_values);

/* Reading rows: a SesameStoreRowFunc makes a record of the current row. */
typedef gpointer (*SesameStoreRowFunc) (sqlite3_stmt *stmt);

GPtrArray       *sesame_store_collect_rows  (SesameStore        *self,
                                             sqlite3_stmt       *stmt,
                                             SesameStoreRowFunc  func,
                                             GDestroyNotify      free_func,
                                             const char         *what,
                                             GError            **error);
gpointer         sesame_store_fetch_one     (SesameStore        *self,
                                             sqlite3_stmt       *stmt,
                                             SesameStoreRowFunc  func,
                                             GError            **error,
                                             const char         *format,
                                             ...) G_GNUC_PRINTF (5, 6);

/* Randomness from OpenSSL's CSPRNG, for keys, challenges and ids. */
GBytes          *sesame_store_random_bytes  (gsize    len,
                                             GError **error);
char            *sesame_store_random_uuid   (GError **error);

/* Events: once the outermost transaction committed, announce them: on the
 * owner's thread at once, from anywhere else through its main context. */
void             sesame_store_announce      (SesameStore *self);

/* Runs @func in a transaction unless one is open already (then it is part
 * of that one). For the writes that callers may make outside one. */
gboolean         sesame_store_ensure_transaction (SesameStore                *self,
                                                  SesameStoreTransactionFunc  func,
                                                  gpointer                    user_data,
                                                  GError                    **error);

G_END_DECLS
