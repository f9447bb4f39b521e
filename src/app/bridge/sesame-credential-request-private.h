/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * What the credentials bridge alone does with a request: make it from the
 * options a page sent, attach the page's pending reply, and end it for
 * reasons that are not the user's (abort, navigation, a newer request).
 */

#include <json-glib/json-glib.h>
#include <webkit/webkit.h>

#include "sesame-credential-options.h"
#include "sesame-credential-request.h"
#include "sesame-soft-authenticator.h"

G_BEGIN_DECLS

/*
 * Checks @public_key (the page's options, buffers as base64url strings)
 * for a request of @kind from @origin, whose host is @host, and builds the
 * request with its clientDataJSON. Errors are in SESAME_BRIDGE_ERROR and
 * name the exception the page gets: TYPE for a malformed member,
 * SECURITY for the RP ID, NOT_SUPPORTED for no usable algorithm.
 */
SesameCredentialRequest *sesame_credential_request_new_from_json (SesameCredentialRequestKind kind,
                                                                  SesameSoftAuthenticator    *authenticator,
                                                                  const char                 *origin,
                                                                  const char                 *host,
                                                                  JsonObject                 *public_key,
                                                                  gboolean                    conditional,
                                                                  GError                    **error);

/* Makes the answer of a get() carry @failure (before it is accepted). */
void     sesame_credential_request_set_injected_failure (SesameCredentialRequest *self,
                                                         SesameInjectedFailure    failure);

/* Takes the page's reply and starts the timeout (modal requests only). */
void     sesame_credential_request_start          (SesameCredentialRequest  *self,
                                                   WebKitScriptMessageReply *reply,
                                                   JSCContext               *context,
                                                   gint64                    page_id);

gint64   sesame_credential_request_get_page_id    (SesameCredentialRequest *self);
/* The context the page's reply is answered in; NULL before start. */
JSCContext *sesame_credential_request_get_context (SesameCredentialRequest *self);
GBytes  *sesame_credential_request_get_client_data_json (SesameCredentialRequest *self);

/* Ends a pending request with @outcome; the page gets @error's exception. */
void     sesame_credential_request_fail           (SesameCredentialRequest        *self,
                                                   SesameCredentialRequestOutcome  outcome,
                                                   const GError                   *error);

/* Ends a pending request as NAVIGATED without answering the page (it is
 * going away). Returns the page's reply, for the caller to drop once the
 * next document has committed: answering, even with an error, would reach
 * a page that may still be shown if the navigation fails. */
WebKitScriptMessageReply *sesame_credential_request_abandon (SesameCredentialRequest *self);

G_END_DECLS
