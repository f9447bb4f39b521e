/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * SesameSecretStore: where the app keeps each tenant's secret key. The
 * tenant's database holds only a hash of it, so the key itself lives in the
 * user's keyring through libsecret (the Secret Service), labelled with the
 * tenant's name and found by its id. Where no Secret Service answers (CI, a
 * bare session) the keys this process made stay in memory only, until it
 * quits; "available" turns FALSE and says so.
 *
 * Every keyring call is asynchronous: unlocking a keyring may ask the user,
 * and the UI must not wait for that.
 */

#define SESAME_SECRET_STORE_ERROR (sesame_secret_store_error_quark ())

typedef enum
{
  SESAME_SECRET_STORE_ERROR_UNAVAILABLE,  /* no Secret Service answered */
} SesameSecretStoreError;

GQuark sesame_secret_store_error_quark (void);

#define SESAME_TYPE_SECRET_STORE (sesame_secret_store_get_type ())
G_DECLARE_FINAL_TYPE (SesameSecretStore, sesame_secret_store, SESAME, SECRET_STORE, GObject)

SesameSecretStore *sesame_secret_store_new           (void);

/* FALSE once a keyring call failed because no Secret Service runs. */
gboolean           sesame_secret_store_get_available (SesameSecretStore *self);

/* The key known in memory for @tenant_id (made or found during this run),
 * or NULL. */
const char        *sesame_secret_store_peek          (SesameSecretStore *self,
                                                      const char        *tenant_id);

/* Keeps @secret_key in memory and saves it in the keyring (in the
 * background; a failure only turns "available" off). */
void               sesame_secret_store_save          (SesameSecretStore *self,
                                                      const char        *tenant_id,
                                                      const char        *tenant_name,
                                                      const char        *secret_key);

/* The key from memory or else from the keyring; the result is NULL without
 * an error when the keyring has none, NULL with
 * SESAME_SECRET_STORE_ERROR_UNAVAILABLE when there is no keyring. */
void               sesame_secret_store_lookup_async  (SesameSecretStore   *self,
                                                      const char          *tenant_id,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
char              *sesame_secret_store_lookup_finish (SesameSecretStore  *self,
                                                      GAsyncResult       *result,
                                                      GError            **error);

/* Forgets the tenant's key, in memory and in the keyring. */
void               sesame_secret_store_forget        (SesameSecretStore *self,
                                                      const char        *tenant_id);

G_END_DECLS
