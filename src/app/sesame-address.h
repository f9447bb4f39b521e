/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * What the user types into the Demo view's address entry (or an
 * automation client passes to OpenUrl), turned into the URI to load.
 */

#include <glib.h>

G_BEGIN_DECLS

#define SESAME_ADDRESS_ERROR (sesame_address_error_quark ())

typedef enum
{
  SESAME_ADDRESS_ERROR_EMPTY,              /* nothing but white space */
  SESAME_ADDRESS_ERROR_INVALID,            /* not a URI, or an http(s) URI without a host */
  SESAME_ADDRESS_ERROR_UNSUPPORTED_SCHEME, /* e.g. ftp:, javascript: */
} SesameAddressError;

GQuark  sesame_address_error_quark (void);

/* "localhost:3000" → "http://localhost:3000/", "example.com" →
 * "https://example.com/"; an http, https, file or about URI is kept as it
 * is (normalized). Loopback hosts get http, every other bare host https. */
char   *sesame_address_to_uri      (const char  *text,
                                    GError     **error);

/* The origin of @uri as a browser serializes it ("http://localhost:7878"),
 * or NULL for a URI without one (about:, file:). */
char   *sesame_address_get_origin  (const char  *uri);

G_END_DECLS
