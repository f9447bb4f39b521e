/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-tenant-admin.h"

#include "sesame-secret-store.h"
#include "sesame-tenant-settings.h"

#include <glib/gi18n.h>
#include <string.h>

G_DEFINE_QUARK (sesame-tenant-admin-error-quark, sesame_tenant_admin_error)

static SesameServer *
require_server (SesameApplication  *app,
                GError            **error)
{
  SesameServer *server = sesame_application_get_server (app);

  if (!server)
    g_set_error_literal (error, SESAME_TENANT_ADMIN_ERROR, SESAME_TENANT_ADMIN_ERROR_NOT_RUNNING,
                         _("The local tenant is not running"));
  return server;
}

static void
wipe_free (char *secret)
{
  if (secret)
    memset (secret, 0, strlen (secret));
  g_free (secret);
}

/* A secret key in a string that is wiped when freed. */
typedef char SesameSecret;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameSecret, wipe_free)

SesameTenant *
sesame_tenant_admin_create (SesameApplication  *app,
                            const char         *name,
                            GError            **error)
{
  g_autoptr(SesameSecret) secret = NULL;
  SesameTenant *tenant;

  g_return_val_if_fail (SESAME_IS_APPLICATION (app), NULL);

  if (!require_server (app, error))
    return NULL;
  secret = sesame_server_generate_secret_key (error);
  if (!secret)
    return NULL;
  tenant = sesame_tenant_settings_create (sesame_application_get_store (app), name, secret, error);
  if (!tenant)
    return NULL;
  sesame_secret_store_save (sesame_application_get_secret_store (app), tenant->id, tenant->name,
                            secret);
  sesame_application_tenant_changed (app);
  return tenant;
}

gboolean
sesame_tenant_admin_update (SesameApplication  *app,
                            const SesameTenant *tenant,
                            GError            **error)
{
  g_return_val_if_fail (SESAME_IS_APPLICATION (app), FALSE);
  g_return_val_if_fail (tenant != NULL, FALSE);

  if (!require_server (app, error) ||
      !sesame_tenant_settings_update (sesame_application_get_store (app), tenant, error))
    return FALSE;
  sesame_application_tenant_changed (app);
  return TRUE;
}

gboolean
sesame_tenant_admin_rename (SesameApplication  *app,
                            const char         *tenant_id,
                            const char         *name,
                            GError            **error)
{
  g_autoptr(SesameTenant) tenant = NULL;

  g_return_val_if_fail (SESAME_IS_APPLICATION (app), FALSE);
  g_return_val_if_fail (tenant_id != NULL, FALSE);

  tenant = sesame_store_get_tenant (sesame_application_get_store (app), tenant_id, error);
  if (!tenant)
    return FALSE;
  g_free (tenant->name);
  tenant->name = g_strstrip (g_strdup (name ? name : ""));
  return sesame_tenant_admin_update (app, tenant, error);
}

gboolean
sesame_tenant_admin_set_up_passkeys (SesameApplication  *app,
                                     const char         *tenant_id,
                                     const char         *rp_id,
                                     const char         *rp_name,
                                     const char * const *origins,
                                     GError            **error)
{
  g_return_val_if_fail (SESAME_IS_APPLICATION (app), FALSE);

  if (!require_server (app, error) ||
      !sesame_tenant_settings_set_up_passkeys (sesame_application_get_store (app), tenant_id,
                                               rp_id, rp_name, origins, error))
    return FALSE;
  sesame_application_tenant_changed (app);
  return TRUE;
}

gboolean
sesame_tenant_admin_remove (SesameApplication  *app,
                            const char         *tenant_id,
                            GError            **error)
{
  SesameServer *server;

  g_return_val_if_fail (SESAME_IS_APPLICATION (app), FALSE);
  g_return_val_if_fail (tenant_id != NULL, FALSE);

  server = require_server (app, error);
  if (!server)
    return FALSE;
  if (g_strcmp0 (tenant_id, sesame_application_get_local_tenant_id (app)) == 0)
    {
      g_set_error_literal (error, SESAME_TENANT_ADMIN_ERROR, SESAME_TENANT_ADMIN_ERROR_LOCAL_TENANT,
                           _("The Local development tenant always exists: the sample app "
                             "starts on it"));
      return FALSE;
    }
  if (g_strcmp0 (tenant_id, sesame_server_get_tenant_id (server)) == 0)
    {
      g_set_error_literal (error, SESAME_TENANT_ADMIN_ERROR, SESAME_TENANT_ADMIN_ERROR_ACTIVE_TENANT,
                           _("This tenant is in use: switch to another one before removing it"));
      return FALSE;
    }
  if (!sesame_tenant_settings_delete (sesame_application_get_store (app), tenant_id, error))
    return FALSE;
  sesame_secret_store_forget (sesame_application_get_secret_store (app), tenant_id);
  sesame_application_tenant_changed (app);
  return TRUE;
}

/* Rotates without announcing it, so that a switch announces once. */
static char *
rotate (SesameApplication  *app,
        SesameServer       *server,
        const char         *tenant_id,
        GError            **error)
{
  SesameStore *store = sesame_application_get_store (app);
  g_autoptr(SesameSecret) secret = NULL;
  g_autoptr(SesameTenant) tenant = NULL;

  tenant = sesame_store_get_tenant (store, tenant_id, error);
  if (!tenant)
    return NULL;
  secret = sesame_server_generate_secret_key (error);
  if (!secret || !sesame_tenant_settings_rotate_secret_key (store, tenant_id, secret, error))
    return NULL;
  sesame_secret_store_save (sesame_application_get_secret_store (app), tenant_id, tenant->name,
                            secret);
  /* The sample app's backend would be refused with the old key. */
  if (g_strcmp0 (tenant_id, sesame_server_get_tenant_id (server)) == 0 &&
      !sesame_server_use_tenant (server, tenant_id, secret, error))
    return NULL;
  return g_steal_pointer (&secret);
}

char *
sesame_tenant_admin_rotate_secret_key (SesameApplication  *app,
                                       const char         *tenant_id,
                                       GError            **error)
{
  SesameServer *server;
  char *secret;

  g_return_val_if_fail (SESAME_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (tenant_id != NULL, NULL);

  server = require_server (app, error);
  if (!server)
    return NULL;
  secret = rotate (app, server, tenant_id, error);
  if (secret)
    sesame_application_tenant_changed (app);
  return secret;
}

/* Switching */

static void
switch_lookup_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SesameApplication *app = g_task_get_source_object (task);
  const char *tenant_id = g_task_get_task_data (task);
  SesameServer *server = sesame_application_get_server (app);
  g_autoptr(SesameSecret) secret = NULL;
  g_autoptr(GError) lookup_error = NULL;
  g_autoptr(GError) error = NULL;
  gboolean rotated = FALSE;

  secret = sesame_secret_store_lookup_finish (SESAME_SECRET_STORE (source), result, &lookup_error);
  if (!server)
    {
      g_task_return_new_error (task, SESAME_TENANT_ADMIN_ERROR,
                               SESAME_TENANT_ADMIN_ERROR_NOT_RUNNING,
                               _("The local tenant is not running"));
      return;
    }

  /* A key that is not the tenant's any more (rotated by sesame-server
   * tenant, say) is as good as none. */
  if (secret && !sesame_server_use_tenant (server, tenant_id, secret, &error))
    {
      if (!g_error_matches (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_SECRET_KEY_MISMATCH))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_clear_error (&error);
      g_clear_pointer (&secret, wipe_free);
    }
  if (!secret)
    {
      if (lookup_error)
        g_debug ("Switching to tenant %s without its key: %s", tenant_id, lookup_error->message);
      secret = rotate (app, server, tenant_id, &error);
      if (!secret || !sesame_server_use_tenant (server, tenant_id, secret, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      rotated = TRUE;
    }

  sesame_application_tenant_changed (app);
  g_task_return_int (task, rotated);
}

void
sesame_tenant_admin_switch_async (SesameApplication   *app,
                                  const char          *tenant_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SesameTenant) tenant = NULL;
  g_autoptr(GError) error = NULL;
  SesameServer *server;

  g_return_if_fail (SESAME_IS_APPLICATION (app));
  g_return_if_fail (tenant_id != NULL);

  task = g_task_new (app, cancellable, callback, user_data);
  g_task_set_source_tag (task, sesame_tenant_admin_switch_async);
  g_task_set_task_data (task, g_strdup (tenant_id), g_free);

  server = require_server (app, &error);
  if (server)
    tenant = sesame_store_get_tenant (sesame_application_get_store (app), tenant_id, &error);
  if (!tenant)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_str_equal (tenant_id, sesame_server_get_tenant_id (server)))
    {
      g_task_return_int (task, FALSE);
      return;
    }
  sesame_secret_store_lookup_async (sesame_application_get_secret_store (app), tenant_id,
                                    cancellable, switch_lookup_cb, g_steal_pointer (&task));
}

gboolean
sesame_tenant_admin_switch_finish (SesameApplication  *app,
                                   GAsyncResult       *result,
                                   gboolean           *rotated,
                                   GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  gssize value;

  g_return_val_if_fail (g_task_is_valid (result, app), FALSE);

  value = g_task_propagate_int (G_TASK (result), &local_error);
  if (local_error)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (rotated)
    *rotated = value != 0;
  return TRUE;
}
