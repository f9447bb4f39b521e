/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sesame-store.h"

G_BEGIN_DECLS

/*
 * A tenant's settings as its administrator changes them (the app's
 * Settings view, `sesame-server tenant`): every value is checked before
 * anything is written, a bad one changes nothing, and each change is one
 * transaction with its "tenant" event. The running server reads the tenant
 * from the store on every request, so the next request sees a change.
 *
 * Errors: SESAME_TENANT_ERROR (from the core) for a Relying Party ID or an
 * origin, SESAME_SETTINGS_ERROR for the rest, SESAME_STORE_ERROR passed
 * through. Messages name the value and can be shown as they are.
 */

#define SESAME_SETTINGS_ERROR (sesame_settings_error_quark ())

typedef enum
{
  SESAME_SETTINGS_ERROR_NAME_EMPTY,             /* the tenant's or the Relying Party's name */
  SESAME_SETTINGS_ERROR_NAME_TOO_LONG,
  SESAME_SETTINGS_ERROR_BAD_POLICY,             /* not a known user verification, attestation or attachment */
  SESAME_SETTINGS_ERROR_NO_ALGORITHMS,
  SESAME_SETTINGS_ERROR_UNSUPPORTED_ALGORITHM,
  SESAME_SETTINGS_ERROR_DUPLICATE_ALGORITHM,
  SESAME_SETTINGS_ERROR_TOKEN_LIFETIME,         /* outside its range */
  SESAME_SETTINGS_ERROR_CHALLENGE_LIFETIME,     /* outside its range */
} SesameSettingsError;

GQuark sesame_settings_error_quark (void);

#define SESAME_TENANT_NAME_MAX_LEN        128
/* An action token is good for a sign-in's round trip, not for a session. */
#define SESAME_TOKEN_LIFETIME_MIN         30
#define SESAME_TOKEN_LIFETIME_MAX         86400
/* A ceremony needs time for a person to find a security key; WebAuthn
 * suggests 5 to 10 minutes. */
#define SESAME_CHALLENGE_LIFETIME_MIN     10
#define SESAME_CHALLENGE_LIFETIME_MAX     3600

/* The Relying Party ID a tenant carries until its passkeys are set up. */
#define SESAME_TENANT_PLACEHOLDER_RP_ID   "localhost"

/* Checks every setting of @tenant. The Relying Party and the expected
 * origins are checked only when its passkeys are set up. */
gboolean      sesame_tenant_settings_validate (const SesameTenant *tenant,
                                               GError            **error);

/* A new tenant named @name with a random UUID, the default policy and its
 * passkeys not set up. @secret_key is its first secret key. */
SesameTenant *sesame_tenant_settings_create   (SesameStore        *store,
                                               const char         *name,
                                               const char         *secret_key,
                                               GError            **error);

/* "Set up passkey": the Relying Party ID, its name (NULL: the ID) and the
 * expected origins, which must fit the ID. Works on a tenant that is set
 * up already too (it replaces the three). */
gboolean      sesame_tenant_settings_set_up_passkeys (SesameStore        *store,
                                                      const char         *tenant_id,
                                                      const char         *rp_id,
                                                      const char         *rp_name,
                                                      const char * const *origins,
                                                      GError            **error);

/* Stores every setting of @tenant (found by its id) after checking them.
 * The token key and the creation time are not settings and stay. */
gboolean      sesame_tenant_settings_update   (SesameStore        *store,
                                               const SesameTenant *tenant,
                                               GError            **error);

/* Replaces the tenant's secret key with @secret_key: from the next request
 * on the old key is refused. */
gboolean      sesame_tenant_settings_rotate_secret_key (SesameStore *store,
                                                        const char  *tenant_id,
                                                        const char  *secret_key,
                                                        GError     **error);

gboolean      sesame_tenant_settings_delete   (SesameStore        *store,
                                               const char         *tenant_id,
                                               GError            **error);

/* The refusal of every passkey call of a tenant whose passkeys are not set
 * up: SESAME_RULE_ERROR_PASSKEYS_NOT_SET_UP, naming what is missing. */
gboolean      sesame_tenant_check_passkeys_set_up (const SesameTenant *tenant,
                                                   GError            **error);

G_END_DECLS
