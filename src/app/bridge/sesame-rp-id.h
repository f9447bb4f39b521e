/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The browser's rules for where WebAuthn may run and for which RP ID:
 * a secure context (https, or http on a loopback host), and an RP ID that
 * is the origin's host or a registrable domain suffix of it, judged with
 * the public suffix list. Plain C on host strings, so that it can be
 * tested without a web view. Errors are in SESAME_BRIDGE_ERROR.
 */

/* TRUE when @scheme://@host is a potentially trustworthy origin as the
 * Secure Contexts spec and browsers define it: https on any host, http on
 * localhost, *.localhost, 127.0.0.0/8 or ::1. @host is as in a URI
 * (IPv6 with or without brackets). */
gboolean sesame_rp_id_origin_is_secure (const char *scheme,
                                        const char *host);

/* The RP ID a request uses: @requested (the page's rp.id / rpId), or the
 * origin's @host when @requested is NULL. Returns the RP ID in canonical
 * (lower-case) form, or NULL with SECURITY (outside the origin, a public
 * suffix, not ASCII) or TYPE (empty) errors. */
char    *sesame_rp_id_resolve          (const char  *requested,
                                        const char  *host,
                                        GError     **error);

G_END_DECLS
