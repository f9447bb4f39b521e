/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * What the Settings view does to the application's tenants, on top of the
 * tenant layer's checked settings (sesame-tenant-settings.h): secret keys
 * are made here and kept in the application's SesameSecretStore, the
 * running server follows (the sample app talks to the active tenant with
 * its key), and every change ends with ::tenant-changed so that the window
 * shows it. A refused change changes nothing.
 */

#include "sesame-application.h"

G_BEGIN_DECLS

#define SESAME_TENANT_ADMIN_ERROR (sesame_tenant_admin_error_quark ())

typedef enum
{
  SESAME_TENANT_ADMIN_ERROR_LOCAL_TENANT,   /* the "Local development" tenant cannot be removed */
  SESAME_TENANT_ADMIN_ERROR_ACTIVE_TENANT,  /* the tenant in use cannot be removed */
  SESAME_TENANT_ADMIN_ERROR_NOT_RUNNING,    /* the local tenant did not start */
} SesameTenantAdminError;

GQuark        sesame_tenant_admin_error_quark (void);

/* A new tenant, its passkeys not set up, with a new secret key kept in the
 * secret store. */
SesameTenant *sesame_tenant_admin_create      (SesameApplication  *app,
                                               const char         *name,
                                               GError            **error);
gboolean      sesame_tenant_admin_rename      (SesameApplication  *app,
                                               const char         *tenant_id,
                                               const char         *name,
                                               GError            **error);
/* Removes a tenant other than the local and the active one, with its
 * users, passkeys and events, and forgets its secret key. */
gboolean      sesame_tenant_admin_remove      (SesameApplication  *app,
                                               const char         *tenant_id,
                                               GError            **error);
/* Stores @tenant's settings (see sesame_tenant_settings_update()). */
gboolean      sesame_tenant_admin_update      (SesameApplication  *app,
                                               const SesameTenant *tenant,
                                               GError            **error);
gboolean      sesame_tenant_admin_set_up_passkeys (SesameApplication  *app,
                                                   const char         *tenant_id,
                                                   const char         *rp_id,
                                                   const char         *rp_name,
                                                   const char * const *origins,
                                                   GError            **error);

/* A new secret key for the tenant, returned (to show once) and kept in the
 * secret store; the old key is refused from the next request on. The
 * sample app moves to the new key when it uses this tenant. */
char         *sesame_tenant_admin_rotate_secret_key (SesameApplication  *app,
                                                     const char         *tenant_id,
                                                     GError            **error);

/* Makes @tenant_id the active tenant: the sample app and the Demo view
 * use it. Its secret key comes from the secret store; when the store has
 * none (no keyring, or a key made elsewhere), the key is rotated, since
 * the tenant keeps only its hash, and *rotated says so. */
void          sesame_tenant_admin_switch_async  (SesameApplication   *app,
                                                 const char          *tenant_id,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean      sesame_tenant_admin_switch_finish (SesameApplication  *app,
                                                 GAsyncResult       *result,
                                                 gboolean           *rotated,
                                                 GError            **error);

G_END_DECLS
