/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/*
 * The Acme Bank sample app's backend ("your backend"): JSON routes under
 * /api on @server, for the page served at "/". It talks to the tenant only
 * through the Server API at @api_base_url (e.g. "http://localhost:7878/v1")
 * with @secret_key, over HTTP, as an integrator's backend would; its own
 * state (sessions) lives in memory.
 *
 * Call it after @server listens, on the thread whose main context serves
 * @server. Calling it again (e.g. after the secret key was rotated) replaces
 * the previous routes; their sessions end.
 */
void sesame_sample_app_register (SoupServer *server,
                                 const char *api_base_url,
                                 const char *tenant_id,
                                 const char *secret_key);

/* The sample app's pages and the Web SDK by name ("index.html",
 * "sesame.js", …), compiled into the program; NULL for any other name. The
 * server serves them at "/" beside the APIs. */
GBytes *sesame_sample_app_lookup_file (const char *name);

G_END_DECLS
