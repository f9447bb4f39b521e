/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <webkit/webkit.h>

G_BEGIN_DECLS

/*
 * Answers to the relay. Every answer is one JSON text, handed over as a
 * JavaScript string (objects lose their shape crossing to the page:
 * see the relay), with the page's request id so the shim can match it:
 *
 *   {"id": N, "ok": true, "credential": {…}}
 *   {"id": N, "ok": false, "name": "NotAllowedError", "message": "…"}
 */

/* Sends @node (an object) as the answer to @reply. */
void      sesame_bridge_reply_send      (WebKitScriptMessageReply *reply,
                                         JSCContext               *context,
                                         JsonNode                 *node);

/* Sends the exception @error stands for (see sesame-bridge-error.h). */
void      sesame_bridge_reply_send_error (WebKitScriptMessageReply *reply,
                                          JSCContext               *context,
                                          gint64                    page_id,
                                          const GError             *error);

G_END_DECLS
