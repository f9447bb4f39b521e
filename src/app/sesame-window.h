/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameWindow: the main window. A header bar with the view switcher over
 * Demo (a WebKitWebView with the credentials bridge, its navigation and
 * the page's origin judged against the tenant), Activity, Users and
 * Settings (the tenant's addresses, read-only). When the tenant could not
 * start it shows why instead, with a way out when the port was busy.
 */

#include <adwaita.h>
#include <webkit/webkit.h>

#include "sesame-application.h"
#include "sesame-credentials-bridge.h"
#include "sesame-settings-view.h"

G_BEGIN_DECLS

#define SESAME_WINDOW_ERROR (sesame_window_error_quark ())

typedef enum
{
  SESAME_WINDOW_ERROR_LOAD_FAILED, /* the page did not load */
  SESAME_WINDOW_ERROR_SUPERSEDED,  /* another load started before this one finished */
  SESAME_WINDOW_ERROR_NO_AUTOFILL, /* no conditional get is waiting */
  SESAME_WINDOW_ERROR_NOT_OFFERED, /* that passkey is not one the autofill offers */
} SesameWindowError;

GQuark sesame_window_error_quark (void);

/* How prompts are answered: by the user, or at once (automation). */
typedef enum
{
  SESAME_PROMPT_RESPONSE_ASK,
  SESAME_PROMPT_RESPONSE_ACCEPT,
  SESAME_PROMPT_RESPONSE_CANCEL,
} SesamePromptResponse;

#define SESAME_TYPE_WINDOW (sesame_window_get_type ())
G_DECLARE_FINAL_TYPE (SesameWindow, sesame_window, SESAME, WINDOW, AdwApplicationWindow)

SesameWindow  *sesame_window_new                (SesameApplication *application);

WebKitWebView *sesame_window_get_web_view       (SesameWindow *self);
/* The Demo view's credentials bridge (failure injection goes through it). */
SesameCredentialsBridge *sesame_window_get_credentials_bridge (SesameWindow *self);
/* The Settings view, where other parts add their groups
 * (sesame_settings_view_add_group()). */
SesameSettingsView *sesame_window_get_settings_view (SesameWindow *self);

/* Opens @uri (already absolute) in the Demo view and shows that view. */
void           sesame_window_open_url           (SesameWindow *self,
                                                 const char   *uri);
/* The same, finishing when the page has loaded (or failed to). */
void           sesame_window_open_url_async     (SesameWindow        *self,
                                                 const char          *uri,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean       sesame_window_open_url_finish    (SesameWindow  *self,
                                                 GAsyncResult  *result,
                                                 GError       **error);

/* @pin answers a prompt that asks for one in ACCEPT mode (NULL: none). */
void           sesame_window_set_prompt_response (SesameWindow         *self,
                                                  SesamePromptResponse  response,
                                                  const char           *pin);

/* In ACCEPT mode, prompts are answered with the security key at @path
 * (typing @pin when the key asks for one) instead of the built-in
 * authenticator; @path NULL: the built-in authenticator again. Autofill
 * popovers always use the built-in authenticator, whose passkeys they list. */
void           sesame_window_set_prompt_security_key (SesameWindow *self,
                                                      const char   *path,
                                                      const char   *pin);
/* Answers the Demo view's pending conditional get (passkey autofill) with
 * the passkey @credential_id, as choosing its row in the popover does;
 * the popover need not be open. The PIN set with
 * sesame_window_set_prompt_response() is given when one is asked. FALSE
 * with NO_AUTOFILL or NOT_OFFERED, and nothing changed; or with the
 * authenticator's error when it refused. */
gboolean       sesame_window_choose_autofill    (SesameWindow  *self,
                                                 GBytes        *credential_id,
                                                 GError       **error);

/* TRUE while the Demo view's origin banner is shown. */
gboolean       sesame_window_get_origin_warning_visible (SesameWindow *self);

G_END_DECLS
