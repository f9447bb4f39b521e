/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameUsersView: the tenant's users with their passkeys (authenticator
 * named from its AAGUID, created, last used, sign count, backup flags,
 * transports, attestation and verdict) and, beside them, the passkeys the
 * built-in authenticator holds. Each side says whether the other has the
 * same credential, so a demo can show "deleted on the device, still
 * registered on the tenant" and the reverse. Passkeys and users are
 * deleted after a confirmation.
 */

#include <adwaita.h>

#include "sesame-application.h"

G_BEGIN_DECLS

#define SESAME_TYPE_USERS_VIEW (sesame_users_view_get_type ())
G_DECLARE_FINAL_TYPE (SesameUsersView, sesame_users_view, SESAME, USERS_VIEW, AdwBin)

void                 sesame_users_view_attach    (SesameUsersView   *self,
                                                  SesameApplication *app);

/* Reads users and passkeys again now (it also does so by itself, soon
 * after each change). */
void                 sesame_users_view_refresh   (SesameUsersView   *self);

/* The two lists, for tests: AdwPreferencesGroup. */
AdwPreferencesGroup *sesame_users_view_get_tenant_group (SesameUsersView *self);
AdwPreferencesGroup *sesame_users_view_get_device_group (SesameUsersView *self);

G_END_DECLS
