/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-rp-id.h"

#include <gio/gio.h>
#include <libpsl.h>
#include <string.h>

#include "sesame-bridge-error.h"

/* The list the system keeps up to date (publicsuffix package), else the
 * copy built into libpsl. Loaded once; it is never freed, like libsoup's. */
static const psl_ctx_t *
get_public_suffix_list (void)
{
  static gsize initialized;
  static const psl_ctx_t *list;

  if (g_once_init_enter (&initialized))
    {
      list = psl_latest (NULL);
      if (list == NULL)
        list = psl_builtin ();
      g_once_init_leave (&initialized, 1);
    }

  return list;
}

/* "[::1]" → "::1", lower case: the host as the rules compare it. */
static char *
canonical_host (const char *host)
{
  gsize len = strlen (host);

  if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
    return g_ascii_strdown (host + 1, len - 2);

  return g_ascii_strdown (host, len);
}

static gboolean
is_loopback_address (const char *host)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

  return address != NULL && g_inet_address_get_is_loopback (address);
}

static gboolean
is_localhost_name (const char *host)
{
  return g_str_equal (host, "localhost") || g_str_has_suffix (host, ".localhost");
}

gboolean
sesame_rp_id_origin_is_secure (const char *scheme,
                               const char *host)
{
  g_autofree char *canonical = NULL;

  if (scheme == NULL || host == NULL || *host == '\0')
    return FALSE;

  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;
  if (g_ascii_strcasecmp (scheme, "http") != 0)
    return FALSE;

  canonical = canonical_host (host);
  return is_localhost_name (canonical) || is_loopback_address (canonical);
}

/* A DNS name as an RP ID may be: printable ASCII (IDNs arrive as
 * punycode), no empty labels, no spaces. */
static gboolean
is_plausible_domain (const char *name)
{
  gsize len = strlen (name);

  if (len == 0 || len > 253 || name[0] == '.' || name[len - 1] == '.' || strstr (name, "..") != NULL)
    return FALSE;

  for (const char *p = name; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && *p != '_')
        return FALSE;
    }

  return TRUE;
}

char *
sesame_rp_id_resolve (const char  *requested,
                      const char  *host,
                      GError     **error)
{
  g_autofree char *canonical = NULL;
  g_autofree char *rp_id = NULL;
  g_autofree char *dotted = NULL;
  const psl_ctx_t *list;

  g_return_val_if_fail (host != NULL, NULL);

  canonical = canonical_host (host);
  if (requested == NULL)
    return g_steal_pointer (&canonical);

  if (!g_str_is_ascii (requested))
    {
      g_set_error (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_SECURITY,
                   "The RP ID must be an ASCII domain (punycode for international names)");
      return NULL;
    }

  rp_id = canonical_host (requested);
  if (g_str_equal (rp_id, canonical))
    return g_steal_pointer (&rp_id);

  /* An address has no parent domain: only the address itself will do. */
  if (g_hostname_is_ip_address (canonical))
    {
      g_set_error (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_SECURITY,
                   "The RP ID “%s” is not the origin's address %s", rp_id, canonical);
      return NULL;
    }

  dotted = g_strconcat (".", rp_id, NULL);
  if (!is_plausible_domain (rp_id) || !g_str_has_suffix (canonical, dotted))
    {
      g_set_error (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_SECURITY,
                   "The RP ID “%s” is neither the origin's host %s nor a parent domain of it",
                   rp_id, canonical);
      return NULL;
    }

  list = get_public_suffix_list ();
  if (list == NULL)
    {
      /* Without the list a suffix cannot be judged: refuse rather than
       * let a page claim a whole registry. */
      g_set_error (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_SECURITY,
                   "The public suffix list is not available, so the RP ID must be the host %s",
                   canonical);
      return NULL;
    }

  if (psl_is_public_suffix (list, rp_id))
    {
      g_set_error (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_SECURITY,
                   "The RP ID “%s” is a public suffix: passkeys cannot be shared across all of it",
                   rp_id);
      return NULL;
    }

  return g_steal_pointer (&rp_id);
}
