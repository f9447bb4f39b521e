/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-address.h"

#include <glib/gi18n.h>
#include <string.h>

G_DEFINE_QUARK (sesame-address-error-quark, sesame_address_error)

static gboolean
is_loopback_host (const char *host)
{
  g_autofree char *lower = g_ascii_strdown (host, -1);

  return g_str_equal (lower, "localhost") ||
         g_str_has_suffix (lower, ".localhost") ||
         g_str_has_prefix (lower, "127.") ||
         g_str_equal (lower, "[::1]") ||
         g_str_equal (lower, "::1");
}

/* A scheme is present when the text starts with "scheme:" and what follows
 * is not a port number: "localhost:3000" has none, "about:blank" has. */
static gboolean
has_scheme (const char *text)
{
  const char *scheme = g_uri_peek_scheme (text);
  const char *rest;

  if (!scheme)
    return FALSE;
  rest = text + strlen (scheme) + 1;
  if (g_str_has_prefix (rest, "//"))
    return TRUE;
  /* host:port[/path] */
  if (g_ascii_isdigit (*rest))
    return FALSE;
  return TRUE;
}

char *
sesame_address_to_uri (const char  *text,
                       GError     **error)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *candidate = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *scheme;

  g_return_val_if_fail (text != NULL, NULL);

  trimmed = g_strstrip (g_strdup (text));
  if (!*trimmed)
    {
      g_set_error_literal (error, SESAME_ADDRESS_ERROR, SESAME_ADDRESS_ERROR_EMPTY,
                           _("Type an address to open"));
      return NULL;
    }

  if (has_scheme (trimmed))
    candidate = g_strdup (trimmed);
  else
    {
      g_autofree char *host = g_strdup (trimmed);
      char *end = strpbrk (host, "/?#");

      if (end)
        *end = '\0';
      /* Strip a port to judge the host alone; "[::1]:3000" keeps its
       * brackets. */
      if (host[0] != '[' && (end = strrchr (host, ':')))
        *end = '\0';
      else if (host[0] == '[' && (end = strchr (host, ']')))
        end[1] = '\0';
      candidate = g_strconcat (is_loopback_host (host) ? "http://" : "https://", trimmed, NULL);
    }

  uri = g_uri_parse (candidate, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, &local_error);
  if (!uri)
    {
      g_set_error (error, SESAME_ADDRESS_ERROR, SESAME_ADDRESS_ERROR_INVALID,
                   _("“%s” is not a valid address: %s"), trimmed, local_error->message);
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0)
    {
      g_autofree char *host = NULL;

      if (!g_uri_get_host (uri) || !*g_uri_get_host (uri))
        {
          g_set_error (error, SESAME_ADDRESS_ERROR, SESAME_ADDRESS_ERROR_INVALID,
                       _("“%s” has no host name"), trimmed);
          return NULL;
        }
      for (const char *c = g_uri_get_host (uri); *c; c++)
        if ((guchar) *c <= ' ' || strchr ("<>\"{}|\\^`%", *c))
          {
            g_set_error (error, SESAME_ADDRESS_ERROR, SESAME_ADDRESS_ERROR_INVALID,
                         _("“%s” is not a valid host name"), g_uri_get_host (uri));
            return NULL;
          }
      /* Host names are case-insensitive; a browser shows them in lower case. */
      host = g_ascii_strdown (g_uri_get_host (uri), -1);
      if (!g_str_equal (host, g_uri_get_host (uri)))
        {
          GUri *lower = g_uri_build (g_uri_get_flags (uri), g_uri_get_scheme (uri),
                                     g_uri_get_userinfo (uri), host, g_uri_get_port (uri),
                                     g_uri_get_path (uri), g_uri_get_query (uri),
                                     g_uri_get_fragment (uri));

          g_uri_unref (uri);
          uri = lower;
        }
    }
  else if (g_ascii_strcasecmp (scheme, "file") != 0 && g_ascii_strcasecmp (scheme, "about") != 0)
    {
      g_set_error (error, SESAME_ADDRESS_ERROR, SESAME_ADDRESS_ERROR_UNSUPPORTED_SCHEME,
                   _("Sesame opens http, https, file and about addresses, not “%s:”"), scheme);
      return NULL;
    }

  return g_uri_to_string (uri);
}

char *
sesame_address_get_origin (const char *uri)
{
  g_autoptr(GUri) parsed = NULL;
  const char *scheme;
  const char *host;
  int port;

  if (!uri)
    return NULL;
  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
  if (!parsed)
    return NULL;
  scheme = g_uri_get_scheme (parsed);
  host = g_uri_get_host (parsed);
  if ((g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
      !host || !*host)
    return NULL;

  port = g_uri_get_port (parsed);
  {
    g_autofree char *lower_scheme = g_ascii_strdown (scheme, -1);
    g_autofree char *lower_host = g_ascii_strdown (host, -1);
    gboolean ipv6 = strchr (lower_host, ':') != NULL;

    /* A browser leaves the scheme's default port out of an origin. */
    if ((g_str_equal (lower_scheme, "http") && port == 80) ||
        (g_str_equal (lower_scheme, "https") && port == 443))
      port = -1;

    if (port > 0)
      return g_strdup_printf ("%s://%s%s%s:%d", lower_scheme, ipv6 ? "[" : "", lower_host,
                              ipv6 ? "]" : "", port);
    return g_strdup_printf ("%s://%s%s%s", lower_scheme, ipv6 ? "[" : "", lower_host,
                            ipv6 ? "]" : "");
  }
}
