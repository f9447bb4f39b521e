/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The "Connect your app" snippets, filled with a tenant's values. Values
 * are written as JavaScript string literals (escaped), so that any tenant
 * ID or URL gives code that parses.
 */

/* .env lines; @secret_key NULL gives a placeholder line saying where the
 * key is. */
char *sesame_snippet_env     (const char *tenant_id,
                              const char *base_url,
                              const char *secret_key);
/* @authsignal/browser: new Authsignal({tenantId, baseUrl}). */
char *sesame_snippet_browser (const char *tenant_id,
                              const char *base_url);
/* @authsignal/node: new Authsignal({apiSecretKey, apiUrl}), the key read
 * from the environment the .env lines fill. */
char *sesame_snippet_node    (const char *base_url);

G_END_DECLS
