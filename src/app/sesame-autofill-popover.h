/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameAutofillPopover: passkey autofill (conditional mediation). While a
 * get({mediation: 'conditional'}) waits, focusing the page's username
 * field shows this popover at the field, listing the passkeys for the RP
 * ID (user name, display name, authenticator). Choosing one answers the
 * request with sesame_credential_request_accept(). Escape, or closing it
 * any other way, only hides it: the request stays pending, as in a
 * browser. The caller parents it (gtk_widget_set_parent) on the widget the
 * rectangle is relative to, and unparents it when that widget goes.
 */

#include <gtk/gtk.h>

#include "sesame-credential-request.h"

G_BEGIN_DECLS

#define SESAME_TYPE_AUTOFILL_POPOVER (sesame_autofill_popover_get_type ())
G_DECLARE_FINAL_TYPE (SesameAutofillPopover, sesame_autofill_popover,
                      SESAME, AUTOFILL_POPOVER, GtkPopover)

GtkWidget               *sesame_autofill_popover_new         (void);
/* Lists @request's candidates and pops up pointing at @rect (in the
 * parent's coordinates). FALSE, and nothing shown, when there are none. */
gboolean                 sesame_autofill_popover_show_request (SesameAutofillPopover   *self,
                                                               SesameCredentialRequest *request,
                                                               const GdkRectangle      *rect);
SesameCredentialRequest *sesame_autofill_popover_get_request (SesameAutofillPopover   *self);
/* Chooses the @index-th passkey, as a click on its row; TRUE when the
 * request was answered. */
gboolean                 sesame_autofill_popover_choose      (SesameAutofillPopover   *self,
                                                              guint                    index);

/*
 * SesameAutofillPopover::failed (SesameAutofillPopover *self, const GError *error)
 *
 * Emitted when choosing a passkey did not answer the request, so that the
 * window can say why.
 */

G_END_DECLS
