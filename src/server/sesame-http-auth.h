/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Private to src/server: the Authorization header of the Client API and
 * the Server API. */

#include "sesame-http-request.h"

G_BEGIN_DECLS

/* Authenticates with one of @allowed, filling in req->auth, req->tenant
 * (and req->claims for a Bearer token). Never logs or echoes the
 * credential. Reads the store; touches no message. */
gboolean sesame_request_authenticate (SesameRequest *req,
                                      SesameAuth     allowed,
                                      GError       **error);

G_END_DECLS
