/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameSecurityKeysGroup: Settings › Authenticators › Security keys. The
 * FIDO2 keys plugged in (looked for once a second while the group is on
 * screen), each with what its authenticatorGetInfo says through
 * fido_cbor_info: versions, options (rk, up, uv, clientPin…), AAGUID and
 * the authenticator's name, algorithms and the PIN's state; and a switch
 * that plugs in the virtual security key, with an optional PIN, for demos
 * without hardware.
 */

#include <adwaita.h>

#include "sesame-application.h"

G_BEGIN_DECLS

#define SESAME_TYPE_SECURITY_KEYS_GROUP (sesame_security_keys_group_get_type ())
G_DECLARE_FINAL_TYPE (SesameSecurityKeysGroup, sesame_security_keys_group,
                      SESAME, SECURITY_KEYS_GROUP, AdwPreferencesGroup)

GtkWidget *sesame_security_keys_group_new     (SesameApplication       *app);

/* Looks for keys now (the group also does so by itself). */
void       sesame_security_keys_group_refresh (SesameSecurityKeysGroup *self);

G_END_DECLS
