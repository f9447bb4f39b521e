/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Private to the built-in authenticator: its credential file, an SQLite
 * database of its own (mode 0600) holding the credentials with their
 * private keys and the PIN's verifier. Errors are
 * SESAME_AUTHENTICATOR_ERROR_STORAGE. */

#include <glib.h>

#include "sesame-soft-authenticator.h"

G_BEGIN_DECLS

typedef struct _SesameSoftStore SesameSoftStore;

/* The PIN as kept: never the PIN itself, only what verifies it. */
typedef struct
{
  GBytes *salt;
  GBytes *hash;
  int     iterations;
  int     retries;
} SesameSoftPinRecord;

void sesame_soft_pin_record_clear (SesameSoftPinRecord *record);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SesameSoftPinRecord, sesame_soft_pin_record_clear)

SesameSoftStore      *sesame_soft_store_open        (const char       *path,
                                                     GError          **error);
void                  sesame_soft_store_free        (SesameSoftStore  *store);

gboolean              sesame_soft_store_begin       (SesameSoftStore  *store,
                                                     GError          **error);
gboolean              sesame_soft_store_commit      (SesameSoftStore  *store,
                                                     GError          **error);
void                  sesame_soft_store_rollback    (SesameSoftStore  *store);

/* Adds @credential with its key. A credential already held for the same
 * RP ID and user handle is replaced, as CTAP2 requires of discoverable
 * credentials. */
gboolean              sesame_soft_store_add         (SesameSoftStore            *store,
                                                     const SesameSoftCredential *credential,
                                                     gboolean                    backup_eligible,
                                                     gboolean                    resident_key,
                                                     const guint8               *private_key,
                                                     gsize                       private_key_len,
                                                     GError                    **error);
/* Newest first; @rp_id NULL: every credential. */
GPtrArray            *sesame_soft_store_list        (SesameSoftStore  *store,
                                                     const char       *rp_id,
                                                     GError          **error);
/* Whether @credential_id is held for @rp_id; FALSE with @error on failure. */
gboolean              sesame_soft_store_holds       (SesameSoftStore  *store,
                                                     const char       *rp_id,
                                                     GBytes           *credential_id,
                                                     gboolean         *held,
                                                     GError          **error);
/* The private key (PKCS#8 DER, g_malloc'd: wipe before freeing) and the
 * backup eligibility recorded at creation. */
guint8               *sesame_soft_store_load_key    (SesameSoftStore  *store,
                                                     GBytes           *credential_id,
                                                     gsize            *len,
                                                     gboolean         *backup_eligible,
                                                     GError          **error);
gboolean              sesame_soft_store_record_use  (SesameSoftStore  *store,
                                                     GBytes           *credential_id,
                                                     guint32           sign_count,
                                                     gint64            last_used,
                                                     GError          **error);
/* How many were removed, or -1 with @error. @credential_id NULL: all. */
int                   sesame_soft_store_remove      (SesameSoftStore  *store,
                                                     GBytes           *credential_id,
                                                     GError          **error);

/* FALSE with @error on failure; *has_pin tells whether a PIN is set. */
gboolean              sesame_soft_store_get_pin     (SesameSoftStore     *store,
                                                     gboolean            *has_pin,
                                                     SesameSoftPinRecord *record,
                                                     GError             **error);
/* @record NULL removes the PIN. */
gboolean              sesame_soft_store_set_pin     (SesameSoftStore           *store,
                                                     const SesameSoftPinRecord *record,
                                                     GError                   **error);
gboolean              sesame_soft_store_set_pin_retries (SesameSoftStore  *store,
                                                         int               retries,
                                                         GError          **error);

G_END_DECLS
