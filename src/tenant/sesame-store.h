/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "sesame-cose-key.h"

G_BEGIN_DECLS

/*
 * SesameStore: the local tenant's data (tenants, users, passkeys, actions,
 * challenges, events) in one SQLite file.
 *
 * Times: every timestamp (created, updated, expires, last_used, an event's
 * time, the from-date of a query) is Unix time in microseconds, as
 * g_get_real_time() gives it; 0 means "unset" on input and "never" for
 * last_used. Lifetimes (token_lifetime, challenge_lifetime) are in seconds.
 *
 * Threads: one SesameStore may be shared by any number of threads. Each call
 * holds the store's lock for its whole duration, so calls never interleave on
 * the connection; sesame_store_run_in_transaction() holds it until its
 * callback returns, so other threads wait for the whole transaction. For
 * threads that should not wait for each other, sesame_store_open_sibling()
 * gives each its own connection to the same file: siblings read side by
 * side (WAL), and their write transactions queue on a lock the family
 * shares before they take SQLite's write lock. Other processes on the same
 * file are safe too: SQLite's WAL and busy timeout serialize their writers.
 * Records are plain structs owned by the caller. "event-added" is always
 * emitted by the first store of a family on the thread that opened it (see
 * below), never while a lock is held, so a handler may call the store.
 *
 * Secrets: a tenant's secret key is stored only as its SHA-256 hash and never
 * appears in an error message; callers must keep secrets (keys, tokens,
 * challenge bytes) out of events, which are shown to users.
 */

#define SESAME_STORE_ERROR (sesame_store_error_quark ())

typedef enum
{
  SESAME_STORE_ERROR_NOT_FOUND,            /* no such row (in that tenant) */
  SESAME_STORE_ERROR_CONFLICT,             /* a unique key is taken: credential id, username, … */
  SESAME_STORE_ERROR_CONSTRAINT,           /* a foreign key or check: unknown user, bad setting */
  SESAME_STORE_ERROR_SCHEMA_TOO_NEW,       /* the file was written by a newer Sesame */
  SESAME_STORE_ERROR_IO,                   /* cannot open, corrupt, locked, closed */
  SESAME_STORE_ERROR_ALREADY_USED,         /* the challenge was consumed before: a replay */
  SESAME_STORE_ERROR_EXPIRED,              /* the challenge is past its expiry */
  SESAME_STORE_ERROR_SECRET_KEY_MISMATCH,  /* the presented secret key is not the tenant's */
  SESAME_STORE_ERROR_STALE,                /* the row moved on since it was read: a sign count */
  SESAME_STORE_ERROR_FULL,                 /* the disk (or quota) is full: nothing was written */
  SESAME_STORE_ERROR_READ_ONLY,            /* the file or its folder cannot be written */
} SesameStoreError;

GQuark sesame_store_error_quark (void);

/* TRUE for FULL and READ_ONLY: the store works again, without being
 * reopened, once the disk has room or is writable again. */
gboolean sesame_store_error_is_unavailable (const GError *error);

/* Records. Allocate with g_new0() (or sesame_tenant_new()); every pointer
 * member is owned by the record and freed by its _free function. */

typedef struct
{
  char    *id;
  char    *name;
  GBytes  *token_key;                /* signs action tokens; NULL on insert: 32 random bytes */
  char    *rp_id;
  char    *rp_name;
  char   **expected_origins;         /* NULL-terminated; NULL: none */
  char    *user_verification;        /* "required", "preferred" or "discouraged" */
  char    *attestation;              /* "none" or "direct" */
  char    *authenticator_attachment; /* NULL (either), "platform" or "cross-platform" */
  int     *allowed_algorithms;       /* COSE algorithm identifiers, at least one */
  gsize    n_allowed_algorithms;
  gint64   token_lifetime;           /* seconds */
  gint64   challenge_lifetime;       /* seconds */
  gint64   created;
  /* FALSE: a new tenant whose Relying Party is not configured yet (its
   * rp_id and expected_origins are placeholders) and whose passkey calls
   * are refused until it is; sesame_tenant_new() sets TRUE. */
  gboolean passkeys_set_up;
} SesameTenant;

typedef struct
{
  char   *tenant_id;
  char   *user_id;
  char   *username;                  /* NULL: none; unique in the tenant otherwise */
  char   *display_name;
  gint64  created;
} SesameUser;

typedef struct
{
  char     *id;                      /* UUID, the userAuthenticatorId; NULL on add: generated */
  char     *tenant_id;
  char     *user_id;
  GBytes   *credential_id;           /* unique in the tenant */
  GBytes   *public_key;              /* COSE_Key, as the authenticator encoded it */
  int       alg;                     /* COSE algorithm */
  guint32   sign_count;
  char     *aaguid;                  /* NULL: unknown */
  char    **transports;              /* NULL-terminated; NULL: none reported */
  gboolean  backup_eligible;
  gboolean  backed_up;
  char     *attestation_format;      /* "none", "packed", "tpm", … */
  char     *attestation_type;        /* "none", "self", "basic", "attca", "anonca" */
  gboolean  attestation_trusted;
  char     *user_agent;              /* of the browser that registered it */
  gint64    created;
  gint64    last_used;               /* 0: never used to sign in */
} SesamePasskey;

typedef struct
{
  char   *tenant_id;
  char   *user_id;
  char   *action_code;
  char   *idempotency_key;           /* unique in the tenant; NULL on create: a UUID */
  char   *state;                     /* "CHALLENGE_REQUIRED", "CHALLENGE_SUCCEEDED", … */
  char   *verification_method;       /* "PASSKEY", …; NULL: none yet */
  char   *authenticator_id;          /* the passkey that completed it; NULL: none */
  gint64  created;
  gint64  updated;
  gint64  state_updated;
} SesameAction;

typedef enum
{
  SESAME_CHALLENGE_REGISTRATION,
  SESAME_CHALLENGE_AUTHENTICATION,
} SesameChallengeType;

typedef struct
{
  char                *id;           /* NULL on create: a UUID */
  char                *tenant_id;
  char                *action_key;   /* the action's idempotency key; NULL: none */
  GBytes              *bytes;        /* NULL on create: 32 random bytes */
  SesameChallengeType  type;
  char                *user_id;      /* NULL: any user (discoverable sign-in) */
  gint64               created;
  gint64               expires;      /* 0 on create: now + the tenant's challenge lifetime */
  gboolean             used;
} SesameChallenge;

typedef struct
{
  gint64  id;                        /* assigned by append, increasing */
  char   *tenant_id;
  char   *action_key;                /* NULL: not about an action */
  char   *user_id;                   /* NULL: no known user */
  char   *kind;                      /* "track", "registration", "authentication", … */
  gint64  time;                      /* 0 on append: now */
  char   *origin;
  char   *user_agent;
  char   *outcome;                   /* "success", "failure", … */
  char   *reason;
  char   *details;                   /* JSON text; NULL: none */
} SesameEvent;

SesameTenant    *sesame_tenant_new      (const char *id,
                                         const char *rp_id);
void             sesame_tenant_free     (SesameTenant *tenant);
void             sesame_user_free       (SesameUser *user);
void             sesame_passkey_free    (SesamePasskey *passkey);
void             sesame_action_free     (SesameAction *action);
void             sesame_challenge_free  (SesameChallenge *challenge);

#define SESAME_TYPE_EVENT (sesame_event_get_type ())
GType            sesame_event_get_type  (void) G_GNUC_CONST;
SesameEvent     *sesame_event_copy      (const SesameEvent *event);
void             sesame_event_free      (SesameEvent *event);

const char      *sesame_challenge_type_to_string (SesameChallengeType type);

#define SESAME_TYPE_STORE (sesame_store_get_type ())
G_DECLARE_FINAL_TYPE (SesameStore, sesame_store, SESAME, STORE, GObject)

int              sesame_store_schema_version (void);

SesameStore     *sesame_store_open           (const char *path,
                                              GError    **error);
const char      *sesame_store_get_path       (SesameStore *self);

/* Another connection to @store's file, for one worker thread: it shares
 * @store's write lock, its cache of parsed keys and its event retention,
 * and the events it commits are announced as @store's "event-added", in
 * commit order with those of @store and its other siblings. Every write
 * on a sibling must happen inside sesame_store_run_in_transaction() (a
 * transaction that takes the write lock before its first read, so that it
 * never has to upgrade a read snapshot that another connection made stale);
 * the store's own writers that callers may use outside one (appending an
 * event, purging challenges, trimming events) open one themselves. A
 * sibling leaves WAL checkpoints to @store's background checkpointer
 * (started here if it is not running yet). */
SesameStore     *sesame_store_open_sibling   (SesameStore *store,
                                              GError     **error);

/* Runs @func inside one transaction: everything it does through the store
 * is committed if it returns TRUE and rolled back if it returns FALSE (with
 * @error set). Nested calls become savepoints. Events appended inside are
 * announced only after the outermost commit. */
typedef gboolean (*SesameStoreTransactionFunc) (SesameStore *store,
                                                gpointer     user_data,
                                                GError     **error);
gboolean         sesame_store_run_in_transaction (SesameStore                *self,
                                                  SesameStoreTransactionFunc  func,
                                                  gpointer                    user_data,
                                                  GError                    **error);

/* Tenants */
gboolean         sesame_store_insert_tenant  (SesameStore  *self,
                                              SesameTenant *tenant,
                                              const char   *secret_key,
                                              GError      **error);
SesameTenant    *sesame_store_get_tenant     (SesameStore  *self,
                                              const char   *tenant_id,
                                              GError      **error);
GPtrArray       *sesame_store_list_tenants   (SesameStore  *self,
                                              GError      **error);
gboolean         sesame_store_update_tenant  (SesameStore        *self,
                                              const SesameTenant *tenant,
                                              GError            **error);
gboolean         sesame_store_set_tenant_secret_key (SesameStore *self,
                                                     const char  *tenant_id,
                                                     const char  *secret_key,
                                                     GError     **error);
gboolean         sesame_store_verify_secret_key (SesameStore *self,
                                                 const char  *tenant_id,
                                                 const char  *secret_key,
                                                 GError     **error);
/* A digest of every tenant's stored settings and secret key hash: it
 * changes when any of them changes, whichever process changed it, so that
 * a program can tell that another one (sesame-server tenant …) has. */
char            *sesame_store_dup_tenants_digest (SesameStore  *self,
                                                  GError      **error);
SesameTenant    *sesame_store_find_tenant_by_secret_key (SesameStore *self,
                                                         const char  *secret_key,
                                                         GError     **error);
/* Deletes the tenant with everything it holds (users, passkeys, actions,
 * challenges, events). */
gboolean         sesame_store_delete_tenant  (SesameStore  *self,
                                              const char   *tenant_id,
                                              GError      **error);

/* Users. Upsert keeps the stored username / display name where the new one
 * is NULL, and keeps created. Deleting a user deletes their passkeys,
 * actions and challenges. */
SesameUser      *sesame_store_upsert_user    (SesameStore *self,
                                              const char  *tenant_id,
                                              const char  *user_id,
                                              const char  *username,
                                              const char  *display_name,
                                              GError     **error);
SesameUser      *sesame_store_get_user       (SesameStore *self,
                                              const char  *tenant_id,
                                              const char  *user_id,
                                              GError     **error);
SesameUser      *sesame_store_find_user_by_username (SesameStore *self,
                                                     const char  *tenant_id,
                                                     const char  *username,
                                                     GError     **error);
GPtrArray       *sesame_store_list_users     (SesameStore *self,
                                              const char  *tenant_id,
                                              GError     **error);
/* A page of the tenant's users in user id order (bytewise): those whose
 * user id sorts after @after_user_id (NULL: from the first), at most @limit
 * of them (0: all). */
GPtrArray       *sesame_store_list_users_after (SesameStore *self,
                                                const char  *tenant_id,
                                                const char  *after_user_id,
                                                guint        limit,
                                                GError     **error);
gboolean         sesame_store_delete_user    (SesameStore *self,
                                              const char  *tenant_id,
                                              const char  *user_id,
                                              GError     **error);

/* Passkeys. Add fills in id (when NULL) and created (when 0). */
gboolean         sesame_store_add_passkey    (SesameStore   *self,
                                              SesamePasskey *passkey,
                                              GError       **error);
SesamePasskey   *sesame_store_get_passkey    (SesameStore *self,
                                              const char  *tenant_id,
                                              const char  *passkey_id,
                                              GError     **error);
SesamePasskey   *sesame_store_find_passkey   (SesameStore *self,
                                              const char  *tenant_id,
                                              GBytes      *credential_id,
                                              GError     **error);
GPtrArray       *sesame_store_list_passkeys  (SesameStore *self,
                                              const char  *tenant_id,
                                              const char  *user_id,
                                              GError     **error);
/* How many passkeys the tenant holds, of all its users. */
gboolean         sesame_store_count_passkeys (SesameStore *self,
                                              const char  *tenant_id,
                                              guint       *n_passkeys,
                                              GError     **error);
gboolean         sesame_store_update_passkey_after_use (SesameStore *self,
                                                        const char  *tenant_id,
                                                        const char  *passkey_id,
                                                        guint32      sign_count,
                                                        gboolean     backed_up,
                                                        GError     **error);
/* Moves WAL checkpoints off the request path: the store's own connection
 * stops checkpointing after commits (which makes the committing request
 * wait for an fsync), and a thread with a second connection runs a passive
 * checkpoint every @interval_ms instead. Passive checkpoints never block a
 * writer. The thread stops when the store is disposed. */
gboolean         sesame_store_checkpoint_in_background (SesameStore *self,
                                                        guint        interval_ms,
                                                        GError     **error);

/* The passkey's public key, parsed; from a bounded cache of recently used
 * keys (checked against the stored COSE bytes), so that a sign-in does not
 * decode CBOR and build an OpenSSL key again each time. Safe from any
 * thread; unref the result. */
SesameCoseKey   *sesame_store_get_public_key (SesameStore         *self,
                                              const SesamePasskey *passkey,
                                              GError             **error);
gboolean         sesame_store_delete_passkey (SesameStore *self,
                                              const char  *tenant_id,
                                              const char  *user_id,
                                              const char  *passkey_id,
                                              GError     **error);
gboolean         sesame_store_delete_user_passkeys (SesameStore *self,
                                                    const char  *tenant_id,
                                                    const char  *user_id,
                                                    guint       *n_deleted,
                                                    GError     **error);

/* Actions. Create fills in idempotency_key (when NULL) and the times (when
 * 0). Update sets the state; a NULL method or authenticator keeps the stored
 * one; state_updated changes only when the state does. Query returns the
 * user's actions newest first; from (0: any), codes (NULL or empty: any) and
 * state (NULL: any) narrow it. */
gboolean         sesame_store_create_action  (SesameStore  *self,
                                              SesameAction *action,
                                              GError      **error);
SesameAction    *sesame_store_get_action     (SesameStore *self,
                                              const char  *tenant_id,
                                              const char  *idempotency_key,
                                              GError     **error);
SesameAction    *sesame_store_update_action  (SesameStore *self,
                                              const char  *tenant_id,
                                              const char  *idempotency_key,
                                              const char  *state,
                                              const char  *verification_method,
                                              const char  *authenticator_id,
                                              GError     **error);
GPtrArray       *sesame_store_query_actions  (SesameStore        *self,
                                              const char         *tenant_id,
                                              const char         *user_id,
                                              gint64              from,
                                              const char * const *codes,
                                              const char         *state,
                                              GError            **error);

/* Challenges. Create fills in id, bytes, created and expires when unset.
 * Consume marks the challenge used and returns it, in one atomic step, only
 * if it belongs to @tenant_id, is unused and is unexpired; otherwise it fails
 * with NOT_FOUND, ALREADY_USED (a replay) or EXPIRED. A used challenge is
 * kept until it expires so that a replay is reported as one; purge deletes
 * every expired challenge. */
gboolean         sesame_store_create_challenge  (SesameStore     *self,
                                                 SesameChallenge *challenge,
                                                 GError         **error);
SesameChallenge *sesame_store_consume_challenge (SesameStore *self,
                                                 const char  *tenant_id,
                                                 const char  *challenge_id,
                                                 GError     **error);
/* The challenge as consume would return it, without consuming it: fails
 * the same way for one that is unknown, used or expired. For checks that
 * can run before the request's transaction. */
SesameChallenge *sesame_store_get_challenge     (SesameStore *self,
                                                 const char  *tenant_id,
                                                 const char  *challenge_id,
                                                 GError     **error);
gboolean         sesame_store_purge_challenges  (SesameStore *self,
                                                 guint       *n_purged,
                                                 GError     **error);

/* Events. Append fills in id and time (when 0) and returns the id, or 0 on
 * error; "event-added" follows once the event is committed. List returns the
 * events with an id above @after_id, oldest first, at most @limit of them
 * (0: all), optionally only those of one action. */
gint64           sesame_store_append_event   (SesameStore *self,
                                              SesameEvent *event,
                                              GError     **error);
GPtrArray       *sesame_store_list_events    (SesameStore *self,
                                              const char  *tenant_id,
                                              gint64       after_id,
                                              const char  *action_key,
                                              guint        limit,
                                              GError     **error);

/* The event log is bounded: each tenant keeps its newest @max_per_tenant
 * events (0: all of them; by default SESAME_STORE_DEFAULT_EVENT_RETENTION),
 * so a tenant that runs for weeks does not grow without end. Appending
 * trims now and then, so a tenant may briefly hold a few hundred more;
 * sesame_store_trim_events() applies the bound at once. */
#define SESAME_STORE_DEFAULT_EVENT_RETENTION 100000

void             sesame_store_set_event_retention (SesameStore *self,
                                                   guint        max_per_tenant);
guint            sesame_store_get_event_retention (SesameStore *self);
gboolean         sesame_store_trim_events    (SesameStore *self,
                                              guint       *n_removed,
                                              GError     **error);

/*
 * SesameStore::event-added (SesameStore *store, SesameEvent *event)
 *
 * Emitted after an appended event is committed, on the thread that opened
 * the store: synchronously when that thread appended it, otherwise from an
 * idle source in the main context that was thread-default when the store was
 * opened (so a worker's events reach the UI thread). The events of the
 * store's siblings are emitted here too. Events come in the order they were
 * committed. The event belongs to the emission; copy it to keep it.
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameTenant, sesame_tenant_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameUser, sesame_user_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesamePasskey, sesame_passkey_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameAction, sesame_action_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameChallenge, sesame_challenge_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameEvent, sesame_event_free)

G_END_DECLS
