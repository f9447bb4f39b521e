/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SESAME_BRIDGE_ERROR (sesame_bridge_error_quark ())

/*
 * Why the credentials bridge refused or ended a page's request. Each code
 * is one of the exceptions a browser's navigator.credentials rejects with,
 * so that the page sees exactly what it would see in Chrome or Firefox.
 */
typedef enum
{
  SESAME_BRIDGE_ERROR_NOT_ALLOWED,   /* NotAllowedError */
  SESAME_BRIDGE_ERROR_SECURITY,      /* SecurityError */
  SESAME_BRIDGE_ERROR_NOT_SUPPORTED, /* NotSupportedError */
  SESAME_BRIDGE_ERROR_INVALID_STATE, /* InvalidStateError */
  SESAME_BRIDGE_ERROR_ABORT,         /* AbortError */
  SESAME_BRIDGE_ERROR_TYPE,          /* TypeError (malformed options) */
  SESAME_BRIDGE_ERROR_UNKNOWN,       /* UnknownError (our own failure) */
} SesameBridgeError;

/* Chrome's words for every NotAllowedError: a page must not learn whether
 * the user declined, the time ran out, there was no passkey or a PIN was
 * wrong (privacy considerations of the WebAuthn spec). */
#define SESAME_BRIDGE_NOT_ALLOWED_MESSAGE \
  "The operation either timed out or was not allowed. See: https://www.w3.org/TR/webauthn-2/#sctn-privacy-considerations-client."

GQuark      sesame_bridge_error_quark       (void);

/* The exception's name a page sees for @code ("NotAllowedError"…). */
const char *sesame_bridge_error_to_dom_name (SesameBridgeError code);

/* The name for any GError: bridge errors by code, the authenticator's as a
 * browser reports an authenticator's refusal, anything else UnknownError. */
const char *sesame_bridge_error_dom_name_for (const GError *error);

G_END_DECLS
