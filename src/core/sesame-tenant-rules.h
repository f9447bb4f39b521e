/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SESAME_TENANT_ERROR (sesame_tenant_error_quark ())

/**
 * SesameTenantError:
 *
 * Every mistake the tenant settings checks can find in a Relying Party ID
 * or an expected origin. Each mistake has its own code, and the message
 * names the value and says what to write instead, so that a settings row or
 * `sesame-server --rp-id` can show it as is.
 */
typedef enum
{
  /* Relying Party ID */
  SESAME_TENANT_ERROR_RP_ID_EMPTY,
  SESAME_TENANT_ERROR_RP_ID_HAS_SCHEME,
  SESAME_TENANT_ERROR_RP_ID_HAS_PORT,
  SESAME_TENANT_ERROR_RP_ID_HAS_PATH,
  SESAME_TENANT_ERROR_RP_ID_TRAILING_DOT,
  SESAME_TENANT_ERROR_RP_ID_NOT_LOWERCASE,
  SESAME_TENANT_ERROR_RP_ID_IP_ADDRESS,
  SESAME_TENANT_ERROR_RP_ID_INVALID,

  /* One expected origin */
  SESAME_TENANT_ERROR_ORIGIN_INVALID,
  SESAME_TENANT_ERROR_ORIGIN_BAD_SCHEME,
  SESAME_TENANT_ERROR_ORIGIN_NOT_LOWERCASE,
  SESAME_TENANT_ERROR_ORIGIN_HAS_USERINFO,
  SESAME_TENANT_ERROR_ORIGIN_BAD_PORT,
  SESAME_TENANT_ERROR_ORIGIN_TRAILING_SLASH,
  SESAME_TENANT_ERROR_ORIGIN_HAS_PATH,
  SESAME_TENANT_ERROR_ORIGIN_HAS_QUERY_OR_FRAGMENT,
  SESAME_TENANT_ERROR_ORIGIN_OUTSIDE_RP_ID,
  SESAME_TENANT_ERROR_ORIGIN_HTTPS_REQUIRED,

  /* The list of expected origins */
  SESAME_TENANT_ERROR_ORIGINS_EMPTY,
  SESAME_TENANT_ERROR_ORIGIN_DUPLICATE,
} SesameTenantError;

GQuark   sesame_tenant_error_quark      (void);

/* A Relying Party ID is a lowercase ASCII host name: letters, digits and
 * hyphens in dot-separated labels of 1–63 characters, at most 253 in all, no
 * scheme, port, path, trailing dot or IP address. Internationalised names
 * must be written in their punycode (xn--) form. Whether the name is a
 * public suffix ("com", "github.io") is not checked: browsers refuse those
 * themselves. */
gboolean sesame_tenant_validate_rp_id   (const char         *rp_id,
                                         GError            **error);

/* An expected origin is exactly what a browser puts in clientDataJSON:
 * "https://" or "http://", a lowercase host, an optional non-default port,
 * and nothing after it (no slash, path, query, fragment or user name). The
 * host must be the RP ID or a subdomain of it. Plain http is accepted only
 * for "localhost" and its subdomains ("app.localhost"), which browsers
 * resolve to the loopback interface and treat as secure contexts.
 *
 * The RP ID is checked too, and its own error is reported first. */
gboolean sesame_tenant_validate_origin  (const char         *origin,
                                         const char         *rp_id,
                                         GError            **error);

/* A NULL-terminated, non-empty list of valid origins without repeats. The
 * message of an error about one origin starts with its position. */
gboolean sesame_tenant_validate_origins (const char * const *origins,
                                         const char         *rp_id,
                                         GError            **error);

/* The browser rule: TRUE when @host equals @rp_id or ends with "." @rp_id.
 * An IP address host is covered only by an equal @rp_id. Both are compared
 * byte for byte, so pass them lowercase, as browsers serialise hosts. */
gboolean sesame_rp_id_covers_host       (const char         *rp_id,
                                         const char         *host);

G_END_DECLS
