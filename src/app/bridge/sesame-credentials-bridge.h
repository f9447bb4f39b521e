/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameCredentialsBridge: WebAuthn for one WebKitWebView, which has none.
 *
 * It adds two document-start user scripts to the view's user content
 * manager: a shim in the page's world that supplies navigator.credentials,
 * PublicKeyCredential and the response types, and a relay in an isolated
 * script world that alone can reach the native message handler. Native
 * code decides as a browser does: the origin is the committed main-frame
 * URI, never what the page says; a request from a cross-origin iframe is
 * refused; the RP ID must be the origin's host or a registrable suffix of
 * it (public suffix list, libpsl); clientDataJSON is built here; one
 * request at a time; timeouts honoured; a pending request is cancelled
 * when the page navigates.
 *
 * Each checked request becomes a SesameCredentialRequest, announced with
 * ::request-started; the app answers it (prompt, autofill popover).
 * Everything runs on the main thread.
 */

#include <webkit/webkit.h>

#include "sesame-credential-request.h"
#include "sesame-soft-authenticator.h"

G_BEGIN_DECLS

#define SESAME_TYPE_CREDENTIALS_BRIDGE (sesame_credentials_bridge_get_type ())
G_DECLARE_FINAL_TYPE (SesameCredentialsBridge, sesame_credentials_bridge,
                      SESAME, CREDENTIALS_BRIDGE, GObject)

/* Installs the bridge in @view (its user content manager, which must be
 * the view's own) before the view loads anything. The built-in
 * authenticator answers the requests. The caller keeps the reference for
 * the view's lifetime: the bridge holds the view weakly, and dropping the
 * last reference removes its scripts and handler again (a pending request
 * is then cancelled). */
SesameCredentialsBridge *sesame_credentials_bridge_new (WebKitWebView           *view,
                                                        SesameSoftAuthenticator *authenticator);

WebKitWebView           *sesame_credentials_bridge_get_view          (SesameCredentialsBridge *self);
SesameSoftAuthenticator *sesame_credentials_bridge_get_authenticator (SesameCredentialsBridge *self);

/* Makes the next get() answer carry @failure (NONE: cancels one set
 * before), so that a demo shows the tenant refusing it and why. The
 * failure is used once, by the first get() that answers the page with a
 * credential; "injected-failure" (its string form) says what is set and
 * goes back to "none" then. */
void                     sesame_credentials_bridge_inject_failure      (SesameCredentialsBridge *self,
                                                                        SesameInjectedFailure    failure);
SesameInjectedFailure    sesame_credentials_bridge_get_injected_failure (SesameCredentialsBridge *self);

/* The request being answered, or NULL. */
SesameCredentialRequest *sesame_credentials_bridge_get_pending (SesameCredentialsBridge *self);

/*
 * Signals:
 *
 * ::request-started (SesameCredentialsBridge *self, SesameCredentialRequest *request)
 *   A checked request waits for the user. For a conditional get the app
 *   shows nothing yet: it waits for ::autofill-requested.
 *
 * ::autofill-requested (SesameCredentialsBridge *self, SesameCredentialRequest *request,
 *                       int x, int y, int width, int height)
 *   While a conditional get is pending, the user focused an input whose
 *   autocomplete attribute ends with "webauthn". The rectangle is the
 *   input's, in the view's coordinates: anchor the popover there.
 *
 * ::autofill-dismissed (SesameCredentialsBridge *self, SesameCredentialRequest *request)
 *   Focus left that input (or Escape was pressed in it): hide the popover;
 *   the request stays pending.
 *
 * ::ceremony-finished (SesameCredentialsBridge *self, SesameCredentialRequest *request)
 *   A request ended (any outcome); for the activity and inspector panes.
 */

G_END_DECLS
