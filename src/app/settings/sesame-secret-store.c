/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-secret-store.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>
#include <string.h>

struct _SesameSecretStore
{
  GObject     parent_instance;

  GHashTable *keys;        /* tenant id → secret key, wiped when dropped */
  gboolean    unavailable;
};

G_DEFINE_FINAL_TYPE (SesameSecretStore, sesame_secret_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (sesame-secret-store-error-quark, sesame_secret_store_error)

enum
{
  PROP_0,
  PROP_AVAILABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    APP_ID ".TenantSecretKey", SECRET_SCHEMA_NONE,
    {
      { "tenant-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  };

  return &schema;
}

static void
wipe_free (gpointer data)
{
  char *key = data;

  if (key)
    memset (key, 0, strlen (key));
  g_free (key);
}

/* A failed keyring call. A cancelled call or a refusal of the Secret
 * Service itself (a keyring the user did not unlock) leaves the store
 * usable for the next try; anything else means that no Secret Service
 * answers on this bus. */
static void
note_failure (SesameSecretStore *self,
              const GError      *error)
{
  gboolean missing = !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
                     error->domain != SECRET_ERROR;

  g_debug ("Keyring: %s", error->message);
  if (missing && !self->unavailable)
    {
      self->unavailable = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AVAILABLE]);
    }
}

SesameSecretStore *
sesame_secret_store_new (void)
{
  return g_object_new (SESAME_TYPE_SECRET_STORE, NULL);
}

gboolean
sesame_secret_store_get_available (SesameSecretStore *self)
{
  g_return_val_if_fail (SESAME_IS_SECRET_STORE (self), FALSE);
  return !self->unavailable;
}

const char *
sesame_secret_store_peek (SesameSecretStore *self,
                          const char        *tenant_id)
{
  g_return_val_if_fail (SESAME_IS_SECRET_STORE (self), NULL);
  g_return_val_if_fail (tenant_id != NULL, NULL);
  return g_hash_table_lookup (self->keys, tenant_id);
}

static void
store_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(SesameSecretStore) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    note_failure (self, error);
}

void
sesame_secret_store_save (SesameSecretStore *self,
                          const char        *tenant_id,
                          const char        *tenant_name,
                          const char        *secret_key)
{
  g_autofree char *label = NULL;

  g_return_if_fail (SESAME_IS_SECRET_STORE (self));
  g_return_if_fail (tenant_id && secret_key);

  g_hash_table_replace (self->keys, g_strdup (tenant_id), g_strdup (secret_key));
  if (self->unavailable)
    return;
  /* Translators: the label of a keyring item; %s is the tenant's name. */
  label = g_strdup_printf (_("Sesame secret key of tenant “%s”"),
                           tenant_name ? tenant_name : tenant_id);
  secret_password_store (get_schema (), SECRET_COLLECTION_DEFAULT, label, secret_key, NULL,
                         store_cb, g_object_ref (self), "tenant-id", tenant_id, NULL);
}

static void
lookup_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SesameSecretStore *self = g_task_get_source_object (task);
  const char *tenant_id = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *found = secret_password_lookup_finish (result, &error);

  if (error)
    {
      note_failure (self, error);
      g_task_return_new_error (task, SESAME_SECRET_STORE_ERROR,
                               SESAME_SECRET_STORE_ERROR_UNAVAILABLE,
                               _("The keyring could not be read: %s"), error->message);
      return;
    }
  if (found)
    {
      g_hash_table_replace (self->keys, g_strdup (tenant_id), g_strdup (found));
      secret_password_free (found);
      g_task_return_pointer (task, g_strdup (g_hash_table_lookup (self->keys, tenant_id)),
                             wipe_free);
      return;
    }
  g_task_return_pointer (task, NULL, NULL);
}

void
sesame_secret_store_lookup_async (SesameSecretStore   *self,
                                  const char          *tenant_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  const char *known;

  g_return_if_fail (SESAME_IS_SECRET_STORE (self));
  g_return_if_fail (tenant_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sesame_secret_store_lookup_async);
  g_task_set_task_data (task, g_strdup (tenant_id), g_free);

  known = g_hash_table_lookup (self->keys, tenant_id);
  if (known)
    {
      g_task_return_pointer (task, g_strdup (known), wipe_free);
      return;
    }
  if (self->unavailable)
    {
      g_task_return_new_error (task, SESAME_SECRET_STORE_ERROR,
                               SESAME_SECRET_STORE_ERROR_UNAVAILABLE,
                               _("No keyring (Secret Service) is running"));
      return;
    }
  secret_password_lookup (get_schema (), cancellable, lookup_cb, g_steal_pointer (&task),
                          "tenant-id", tenant_id, NULL);
}

char *
sesame_secret_store_lookup_finish (SesameSecretStore  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
clear_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(SesameSecretStore) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_clear_finish (result, &error) && error)
    note_failure (self, error);
}

void
sesame_secret_store_forget (SesameSecretStore *self,
                            const char        *tenant_id)
{
  g_return_if_fail (SESAME_IS_SECRET_STORE (self));
  g_return_if_fail (tenant_id != NULL);

  g_hash_table_remove (self->keys, tenant_id);
  if (!self->unavailable)
    secret_password_clear (get_schema (), NULL, clear_cb, g_object_ref (self),
                           "tenant-id", tenant_id, NULL);
}

static void
sesame_secret_store_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  SesameSecretStore *self = SESAME_SECRET_STORE (object);

  switch (prop_id)
    {
    case PROP_AVAILABLE:
      g_value_set_boolean (value, !self->unavailable);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sesame_secret_store_finalize (GObject *object)
{
  SesameSecretStore *self = SESAME_SECRET_STORE (object);

  g_clear_pointer (&self->keys, g_hash_table_unref);

  G_OBJECT_CLASS (sesame_secret_store_parent_class)->finalize (object);
}

static void
sesame_secret_store_class_init (SesameSecretStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = sesame_secret_store_get_property;
  object_class->finalize = sesame_secret_store_finalize;

  properties[PROP_AVAILABLE] =
    g_param_spec_boolean ("available", NULL, NULL,
                          TRUE,
                          (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sesame_secret_store_init (SesameSecretStore *self)
{
  self->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, wipe_free);
}
