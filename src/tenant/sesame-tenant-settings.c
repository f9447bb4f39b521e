/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-tenant-settings.h"
#include "sesame-tenant-private.h"

#include "sesame-cose-key.h"
#include "sesame-tenant-rules.h"
#include "sesame-tenant-types.h"

#include <string.h>

G_DEFINE_QUARK (sesame-settings-error-quark, sesame_settings_error)

static gboolean
check_name (const char  *name,
            const char  *what,
            GError     **error)
{
  g_autofree char *stripped = NULL;

  if (!name || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_NAME_EMPTY,
                   "The %s must be text", what);
      return FALSE;
    }
  stripped = g_strstrip (g_strdup (name));
  if (!*stripped)
    {
      g_set_error (error, SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_NAME_EMPTY,
                   "The %s cannot be empty", what);
      return FALSE;
    }
  if (g_utf8_strlen (name, -1) > SESAME_TENANT_NAME_MAX_LEN)
    {
      g_set_error (error, SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_NAME_TOO_LONG,
                   "The %s is longer than %d characters", what, SESAME_TENANT_NAME_MAX_LEN);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_policy (const SesameTenant  *tenant,
              GError             **error)
{
  SesameUserVerification uv;
  SesameAttestationConveyance conveyance;
  SesameAttachment attachment;

  if (!tenant->user_verification ||
      !sesame_user_verification_from_string (tenant->user_verification, &uv))
    {
      g_set_error (error, SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_BAD_POLICY,
                   "User verification “%s” is not required, preferred or discouraged",
                   tenant->user_verification ? tenant->user_verification : "");
      return FALSE;
    }
  if (!tenant->attestation ||
      !sesame_attestation_conveyance_from_string (tenant->attestation, &conveyance))
    {
      g_set_error (error, SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_BAD_POLICY,
                   "Attestation “%s” is not none or direct",
                   tenant->attestation ? tenant->attestation : "");
      return FALSE;
    }
  /* "any" is the absence of a policy: the store keeps NULL for it. */
  if (tenant->authenticator_attachment &&
      (!sesame_attachment_from_string (tenant->authenticator_attachment, &attachment) ||
       attachment == SESAME_ATTACHMENT_ANY))
    {
      g_set_error (error, SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_BAD_POLICY,
                   "Authenticator attachment “%s” is not platform or cross-platform",
                   tenant->authenticator_attachment);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_algorithms (const SesameTenant  *tenant,
                  GError             **error)
{
  if (!tenant->allowed_algorithms || tenant->n_allowed_algorithms == 0)
    {
      g_set_error_literal (error, SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_NO_ALGORITHMS,
                           "At least one algorithm must be allowed, or no passkey can be made");
      return FALSE;
    }
  for (gsize i = 0; i < tenant->n_allowed_algorithms; i++)
    {
      int alg = tenant->allowed_algorithms[i];

      if (!sesame_cose_algorithm_is_supported (alg))
        {
          g_set_error (error, SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_UNSUPPORTED_ALGORITHM,
                       "COSE algorithm %d is not one the tenant can verify", alg);
          return FALSE;
        }
      for (gsize j = 0; j < i; j++)
        if (tenant->allowed_algorithms[j] == alg)
          {
            g_set_error (error, SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_DUPLICATE_ALGORITHM,
                         "COSE algorithm %d (%s) is listed twice", alg,
                         sesame_cose_algorithm_to_string (alg));
            return FALSE;
          }
    }
  return TRUE;
}

static gboolean
check_lifetimes (const SesameTenant  *tenant,
                 GError             **error)
{
  if (tenant->token_lifetime < SESAME_TOKEN_LIFETIME_MIN ||
      tenant->token_lifetime > SESAME_TOKEN_LIFETIME_MAX)
    {
      g_set_error (error, SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_TOKEN_LIFETIME,
                   "A token lifetime of %" G_GINT64_FORMAT " s is outside %d s to %d s",
                   tenant->token_lifetime, SESAME_TOKEN_LIFETIME_MIN, SESAME_TOKEN_LIFETIME_MAX);
      return FALSE;
    }
  if (tenant->challenge_lifetime < SESAME_CHALLENGE_LIFETIME_MIN ||
      tenant->challenge_lifetime > SESAME_CHALLENGE_LIFETIME_MAX)
    {
      g_set_error (error, SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_CHALLENGE_LIFETIME,
                   "A challenge lifetime of %" G_GINT64_FORMAT " s is outside %d s to %d s",
                   tenant->challenge_lifetime, SESAME_CHALLENGE_LIFETIME_MIN,
                   SESAME_CHALLENGE_LIFETIME_MAX);
      return FALSE;
    }
  return TRUE;
}

gboolean
sesame_tenant_settings_validate (const SesameTenant  *tenant,
                                 GError             **error)
{
  g_return_val_if_fail (tenant != NULL, FALSE);

  if (!check_name (tenant->name, "tenant’s name", error) ||
      !check_policy (tenant, error) ||
      !check_algorithms (tenant, error) ||
      !check_lifetimes (tenant, error))
    return FALSE;
  if (!tenant->passkeys_set_up)
    return TRUE;
  return sesame_tenant_validate_rp_id (tenant->rp_id, error) &&
         check_name (tenant->rp_name, "Relying Party’s name", error) &&
         sesame_tenant_validate_origins ((const char * const *) tenant->expected_origins,
                                         tenant->rp_id, error);
}

/* Events */

static gboolean
append_tenant_event (SesameStore *store,
                     const char  *tenant_id,
                     const char  *reason,
                     GError     **error)
{
  SesameEvent event = { 0 };

  event.tenant_id = (char *) tenant_id;
  event.kind = (char *) "tenant";
  event.outcome = (char *) "success";
  event.reason = (char *) reason;
  return sesame_store_append_event (store, &event, error) != 0;
}

static gboolean
strv_equal0 (char **a,
             char **b)
{
  if (!a || !b)
    return (!a || !*a) && (!b || !*b);
  return g_strv_equal ((const char * const *) a, (const char * const *) b);
}

/* The names of the settings that differ, for the event ("rp_id, policy"). */
static char *
describe_changes (const SesameTenant *before,
                  const SesameTenant *after)
{
  g_autoptr(GPtrArray) changed = g_ptr_array_new ();

  if (g_strcmp0 (before->name, after->name) != 0)
    g_ptr_array_add (changed, (gpointer) "name");
  if (before->passkeys_set_up != after->passkeys_set_up)
    g_ptr_array_add (changed, (gpointer) (after->passkeys_set_up ? "passkeys set up"
                                                                 : "passkeys turned off"));
  if (g_strcmp0 (before->rp_id, after->rp_id) != 0)
    g_ptr_array_add (changed, (gpointer) "Relying Party ID");
  if (g_strcmp0 (before->rp_name, after->rp_name) != 0)
    g_ptr_array_add (changed, (gpointer) "Relying Party name");
  if (!strv_equal0 (before->expected_origins, after->expected_origins))
    g_ptr_array_add (changed, (gpointer) "expected origins");
  if (g_strcmp0 (before->user_verification, after->user_verification) != 0)
    g_ptr_array_add (changed, (gpointer) "user verification");
  if (g_strcmp0 (before->attestation, after->attestation) != 0)
    g_ptr_array_add (changed, (gpointer) "attestation");
  if (g_strcmp0 (before->authenticator_attachment, after->authenticator_attachment) != 0)
    g_ptr_array_add (changed, (gpointer) "authenticator attachment");
  if (before->n_allowed_algorithms != after->n_allowed_algorithms ||
      memcmp (before->allowed_algorithms, after->allowed_algorithms,
              after->n_allowed_algorithms * sizeof (int)) != 0)
    g_ptr_array_add (changed, (gpointer) "allowed algorithms");
  if (before->token_lifetime != after->token_lifetime)
    g_ptr_array_add (changed, (gpointer) "token lifetime");
  if (before->challenge_lifetime != after->challenge_lifetime)
    g_ptr_array_add (changed, (gpointer) "challenge lifetime");
  if (changed->len == 0)
    return NULL;
  g_ptr_array_add (changed, NULL);
  return g_strjoinv (", ", (char **) changed->pdata);
}

/* Create */

typedef struct
{
  SesameTenant *tenant;
  const char   *secret_key;
} CreateData;

static gboolean
create_in_transaction (SesameStore *store,
                       gpointer     user_data,
                       GError     **error)
{
  CreateData *data = user_data;
  g_autofree char *reason = NULL;

  if (!sesame_store_insert_tenant (store, data->tenant, data->secret_key, error))
    return FALSE;
  reason = g_strdup_printf ("Created tenant “%s”; its passkeys are not set up yet",
                            data->tenant->name);
  return append_tenant_event (store, data->tenant->id, reason, error);
}

SesameTenant *
sesame_tenant_settings_create (SesameStore  *store,
                               const char   *name,
                               const char   *secret_key,
                               GError      **error)
{
  g_autoptr(SesameTenant) tenant = NULL;
  g_autofree char *id = NULL;
  CreateData data;

  g_return_val_if_fail (SESAME_IS_STORE (store), NULL);

  if (!check_name (name, "tenant’s name", error))
    return NULL;
  id = sesame_random_uuid ();
  if (!id)
    {
      sesame_refuse (error, SESAME_RULE_ERROR_INTERNAL,
                     "The system's random number generator failed");
      return NULL;
    }

  tenant = sesame_tenant_new (id, SESAME_TENANT_PLACEHOLDER_RP_ID);
  g_free (tenant->name);
  tenant->name = g_strstrip (g_strdup (name));
  g_free (tenant->rp_name);
  tenant->rp_name = g_strdup (tenant->name);
  tenant->passkeys_set_up = FALSE;

  data.tenant = tenant;
  data.secret_key = secret_key;
  if (!sesame_store_run_in_transaction (store, create_in_transaction, &data, error))
    return NULL;
  return g_steal_pointer (&tenant);
}

/* Update */

static gboolean
update_in_transaction (SesameStore *store,
                       gpointer     user_data,
                       GError     **error)
{
  const SesameTenant *tenant = user_data;
  g_autoptr(SesameTenant) before = NULL;
  g_autofree char *changes = NULL;
  g_autofree char *reason = NULL;

  before = sesame_store_get_tenant (store, tenant->id, error);
  if (!before)
    return FALSE;
  changes = describe_changes (before, tenant);
  if (!changes)
    return TRUE;   /* nothing to write, nothing to log */
  if (!sesame_store_update_tenant (store, tenant, error))
    return FALSE;
  reason = g_strdup_printf ("Changed the settings of tenant “%s”: %s", tenant->name, changes);
  return append_tenant_event (store, tenant->id, reason, error);
}

gboolean
sesame_tenant_settings_update (SesameStore         *store,
                               const SesameTenant  *tenant,
                               GError             **error)
{
  g_return_val_if_fail (SESAME_IS_STORE (store), FALSE);
  g_return_val_if_fail (tenant && tenant->id, FALSE);

  if (!sesame_tenant_settings_validate (tenant, error))
    return FALSE;
  return sesame_store_run_in_transaction (store, update_in_transaction, (gpointer) tenant, error);
}

gboolean
sesame_tenant_settings_set_up_passkeys (SesameStore         *store,
                                        const char          *tenant_id,
                                        const char          *rp_id,
                                        const char          *rp_name,
                                        const char * const  *origins,
                                        GError             **error)
{
  g_autoptr(SesameTenant) tenant = NULL;

  g_return_val_if_fail (SESAME_IS_STORE (store), FALSE);
  g_return_val_if_fail (tenant_id, FALSE);

  /* The RP ID first: its message is the one to show when both are wrong. */
  if (!sesame_tenant_validate_rp_id (rp_id, error) ||
      !sesame_tenant_validate_origins (origins, rp_id, error))
    return FALSE;

  tenant = sesame_store_get_tenant (store, tenant_id, error);
  if (!tenant)
    return FALSE;
  g_free (tenant->rp_id);
  tenant->rp_id = g_strdup (rp_id);
  g_free (tenant->rp_name);
  tenant->rp_name = g_strdup (rp_name && *rp_name ? rp_name : rp_id);
  g_strfreev (tenant->expected_origins);
  tenant->expected_origins = g_strdupv ((char **) origins);
  tenant->passkeys_set_up = TRUE;
  return sesame_tenant_settings_update (store, tenant, error);
}

/* Secret key and deletion */

static gboolean
rotate_in_transaction (SesameStore *store,
                       gpointer     user_data,
                       GError     **error)
{
  const char * const *args = user_data;

  return sesame_store_set_tenant_secret_key (store, args[0], args[1], error) &&
         append_tenant_event (store, args[0],
                              "Rotated the secret key: the previous one is refused from now on",
                              error);
}

gboolean
sesame_tenant_settings_rotate_secret_key (SesameStore  *store,
                                          const char   *tenant_id,
                                          const char   *secret_key,
                                          GError      **error)
{
  const char *args[] = { tenant_id, secret_key };

  g_return_val_if_fail (SESAME_IS_STORE (store), FALSE);
  g_return_val_if_fail (tenant_id && secret_key, FALSE);

  return sesame_store_run_in_transaction (store, rotate_in_transaction, args, error);
}

gboolean
sesame_tenant_settings_delete (SesameStore  *store,
                               const char   *tenant_id,
                               GError      **error)
{
  g_return_val_if_fail (SESAME_IS_STORE (store), FALSE);
  g_return_val_if_fail (tenant_id, FALSE);

  /* No event: the tenant's events go with it. */
  return sesame_store_delete_tenant (store, tenant_id, error);
}

gboolean
sesame_tenant_check_passkeys_set_up (const SesameTenant  *tenant,
                                     GError             **error)
{
  g_return_val_if_fail (tenant != NULL, FALSE);

  if (tenant->passkeys_set_up)
    return TRUE;
  return sesame_refuse (error, SESAME_RULE_ERROR_PASSKEYS_NOT_SET_UP,
                        "Passkeys are not set up for tenant “%s”: it has no Relying Party ID "
                        "and no expected origins yet. Set them up first (in Sesame: Settings, "
                        "Passkeys, Set Up Passkey; or sesame-server tenant set %s --rp-id … "
                        "--origin …)",
                        tenant->name, tenant->id);
}
