/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Private to src/tenant: what the rules and the store share. */

#include <glib.h>

#include "sesame-tenant-types.h"

G_BEGIN_DECLS

/* Sets @error in SESAME_RULE_ERROR and returns FALSE. */
gboolean sesame_refuse      (GError          **error,
                             SesameRuleError   code,
                             const char       *format,
                             ...) G_GNUC_PRINTF (3, 4);

/* A version 4 UUID from OpenSSL's CSPRNG (ids handed to clients must be
 * unguessable); NULL when the generator fails. */
char    *sesame_random_uuid (void);

G_END_DECLS
