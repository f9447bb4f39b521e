/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-tenant-rules.h"

#include <string.h>

/* RFC 1035 §2.3.4, counted without the root's trailing dot. */
#define LABEL_MAX_LEN 63
#define HOST_MAX_LEN  253

G_DEFINE_QUARK (sesame-tenant-error-quark, sesame_tenant_error)

static gboolean
fail (GError           **error,
      SesameTenantError  code,
      const char        *format,
      ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError           **error,
      SesameTenantError  code,
      const char        *format,
      ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, SESAME_TENANT_ERROR, code, message);
  return FALSE;
}

static gboolean
is_localhost (const char *host)
{
  return strcmp (host, "localhost") == 0 || g_str_has_suffix (host, ".localhost");
}

static gboolean
has_uppercase (const char *text,
               gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (g_ascii_isupper (text[i]))
      return TRUE;
  return FALSE;
}

static gboolean
all_digits (const char *text,
            gsize       len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (text[i]))
      return FALSE;
  return TRUE;
}

/* "https://…" when the host needs it, "http://…" for localhost: what the
 * developer most likely meant when a suggestion needs a scheme. */
static const char *
likely_scheme (const char *host)
{
  return is_localhost (host) ? "http" : "https";
}

typedef enum
{
  DOMAIN_OK,
  DOMAIN_NON_ASCII,
  DOMAIN_TRAILING_DOT,
  DOMAIN_UPPERCASE,
  DOMAIN_WILDCARD,
  DOMAIN_BAD_CHARACTER,
  DOMAIN_EMPTY_LABEL,
  DOMAIN_LABEL_TOO_LONG,
  DOMAIN_HYPHEN_AT_EDGE,
  DOMAIN_NUMERIC_LAST_LABEL,
  DOMAIN_TOO_LONG,
} DomainProblem;

/* The host-name syntax shared by RP IDs and origin hosts: LDH labels only.
 * The URL standard lets browsers accept a few more characters (an
 * underscore, say), but a passkey bound to such a name would work in some
 * browsers and not others, so a development tool should not suggest it.
 * @where receives the offset of the offending character or label. */
static DomainProblem
check_domain (const char *name,
              gsize      *where)
{
  gsize len = strlen (name);
  gsize label_start = 0;

  *where = 0;
  for (gsize i = 0; i < len; i++)
    if ((guchar) name[i] >= 0x80)
      {
        *where = i;
        return DOMAIN_NON_ASCII;
      }
  if (len > 0 && name[len - 1] == '.')
    return DOMAIN_TRAILING_DOT;
  for (gsize i = 0; i < len; i++)
    {
      *where = i;
      if (g_ascii_isupper (name[i]))
        return DOMAIN_UPPERCASE;
      if (name[i] == '*')
        return DOMAIN_WILDCARD;
      if (name[i] != '.' && name[i] != '-' && !g_ascii_isalnum (name[i]))
        return DOMAIN_BAD_CHARACTER;
    }

  for (gsize i = 0; i <= len; i++)
    {
      gsize label_len;

      if (i < len && name[i] != '.')
        continue;
      label_len = i - label_start;
      *where = label_start;
      if (label_len == 0)
        return DOMAIN_EMPTY_LABEL;
      if (label_len > LABEL_MAX_LEN)
        return DOMAIN_LABEL_TOO_LONG;
      if (name[label_start] == '-' || name[i - 1] == '-')
        return DOMAIN_HYPHEN_AT_EDGE;
      /* The URL host parser reads a name whose last label is a number as
       * IPv4 ("example.123") and refuses it. */
      if (i == len && all_digits (name + label_start, label_len))
        return DOMAIN_NUMERIC_LAST_LABEL;
      label_start = i + 1;
    }

  *where = 0;
  if (len > HOST_MAX_LEN)
    return DOMAIN_TOO_LONG;
  return DOMAIN_OK;
}

/* The second half of a message: "<name> <explanation>". */
static char *
explain_domain_problem (DomainProblem problem,
                        const char   *name,
                        gsize         where)
{
  gsize len = strlen (name);
  gsize label_len = strcspn (name + where, ".");

  switch (problem)
    {
    case DOMAIN_NON_ASCII:
      {
        g_autofree char *ascii = g_hostname_to_ascii (name);

        if (ascii)
          {
            g_autofree char *lower = g_ascii_strdown (ascii, -1);
            return g_strdup_printf ("has non-ASCII characters, which browsers turn into "
                                    "punycode: write \"%s\"", lower);
          }
        return g_strdup ("has non-ASCII characters: write the name in its punycode "
                         "(xn--) form");
      }

    case DOMAIN_TRAILING_DOT:
      {
        gsize end = len;

        while (end > 0 && name[end - 1] == '.')
          end--;
        return g_strdup_printf ("ends with a dot, which makes it a different name from the one "
                                "browsers see: write \"%.*s\"", (int) end, name);
      }

    case DOMAIN_UPPERCASE:
      {
        g_autofree char *lower = g_ascii_strdown (name, -1);
        return g_strdup_printf ("has capital letters; browsers lowercase host names and "
                                "compare them byte for byte: write \"%s\"", lower);
      }

    case DOMAIN_WILDCARD:
      if (g_str_has_prefix (name, "*.") && strchr (name + 2, '*') == NULL)
        return g_strdup_printf ("has a wildcard; none is needed, because \"%s\" already "
                                "covers all of its subdomains: write \"%s\"",
                                name + 2, name + 2);
      return g_strdup ("has a wildcard '*', which host names cannot have");

    case DOMAIN_BAD_CHARACTER:
      if (name[where] == ' ')
        return g_strdup_printf ("has a space at position %" G_GSIZE_FORMAT "; a host name "
                                "has only letters, digits, hyphens and dots", where + 1);
      if (g_ascii_isprint (name[where]))
        return g_strdup_printf ("has the character '%c' at position %" G_GSIZE_FORMAT "; a "
                                "host name has only letters, digits, hyphens and dots",
                                name[where], where + 1);
      return g_strdup_printf ("has the byte 0x%02x at position %" G_GSIZE_FORMAT "; a host "
                              "name has only letters, digits, hyphens and dots",
                              (guchar) name[where], where + 1);

    case DOMAIN_EMPTY_LABEL:
      if (where == 0)
        return g_strdup ("starts with a dot: remove it");
      return g_strdup ("has two dots in a row: remove one");

    case DOMAIN_LABEL_TOO_LONG:
      return g_strdup_printf ("has a label of %" G_GSIZE_FORMAT " characters (\"%.16s…\"); "
                              "DNS allows at most %d between two dots",
                              label_len, name + where, LABEL_MAX_LEN);

    case DOMAIN_HYPHEN_AT_EDGE:
      return g_strdup_printf ("has the label \"%.*s\", which starts or ends with a hyphen; "
                              "host names cannot", (int) label_len, name + where);

    case DOMAIN_NUMERIC_LAST_LABEL:
      return g_strdup_printf ("ends in the all-digit label \"%s\", which browsers read as "
                              "part of an IP address", name + where);

    case DOMAIN_TOO_LONG:
      return g_strdup_printf ("is %" G_GSIZE_FORMAT " characters long; a host name has at "
                              "most %d", len, HOST_MAX_LEN);

    case DOMAIN_OK:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
rp_id_has_scheme (const char *rp_id,
                  GError    **error)
{
  g_autoptr(GUri) uri = g_uri_parse (rp_id, G_URI_FLAGS_NONE, NULL);
  const char *host = uri ? g_uri_get_host (uri) : NULL;
  g_autofree char *lower_host = NULL;
  g_autofree char *origin = NULL;

  if (!host || !*host)
    return fail (error, SESAME_TENANT_ERROR_RP_ID_HAS_SCHEME,
                 "the Relying Party ID \"%s\" has a scheme; it is a host name alone: "
                 "write e.g. \"example.com\"", rp_id);

  lower_host = g_ascii_strdown (host, -1);
  if (g_uri_get_port (uri) > 0)
    origin = g_strdup_printf ("%s://%s:%d", g_uri_get_scheme (uri), lower_host,
                              g_uri_get_port (uri));
  else
    origin = g_strdup_printf ("%s://%s", g_uri_get_scheme (uri), lower_host);

  return fail (error, SESAME_TENANT_ERROR_RP_ID_HAS_SCHEME,
               "the Relying Party ID \"%s\" has a scheme; it is a host name alone: use "
               "\"%s\" and put \"%s\" in the expected origins",
               rp_id, lower_host, origin);
}

static gboolean
rp_id_is_ip (const char *rp_id,
             GError    **error)
{
  return fail (error, SESAME_TENANT_ERROR_RP_ID_IP_ADDRESS,
               "the Relying Party ID \"%s\" is an IP address, which WebAuthn does not "
               "allow: use \"localhost\" (with an expected origin like "
               "http://localhost:3000) or a host name", rp_id);
}

gboolean
sesame_tenant_validate_rp_id (const char *rp_id,
                              GError    **error)
{
  gsize len;
  const char *cut;
  const char *colon;
  DomainProblem problem;
  gsize where;

  if (!rp_id || !*rp_id)
    return fail (error, SESAME_TENANT_ERROR_RP_ID_EMPTY,
                 "the Relying Party ID is empty: use the site's host name, e.g. "
                 "\"localhost\" for local development or \"example.com\"");

  len = strlen (rp_id);
  if (g_ascii_isspace (rp_id[0]) || g_ascii_isspace (rp_id[len - 1]))
    {
      g_autofree char *trimmed = g_strstrip (g_strdup (rp_id));

      if (!*trimmed)
        return fail (error, SESAME_TENANT_ERROR_RP_ID_EMPTY,
                     "the Relying Party ID is only spaces: use the site's host name, e.g. "
                     "\"localhost\" for local development or \"example.com\"");
      return fail (error, SESAME_TENANT_ERROR_RP_ID_INVALID,
                   "the Relying Party ID \"%s\" has spaces around it: write \"%s\"",
                   rp_id, trimmed);
    }

  if (strstr (rp_id, "://"))
    return rp_id_has_scheme (rp_id, error);

  cut = strpbrk (rp_id, "/?#");
  if (cut)
    {
      gsize host_len = strcspn (rp_id, ":/?#");

      if (host_len == 0)
        return fail (error, SESAME_TENANT_ERROR_RP_ID_HAS_PATH,
                     "the Relying Party ID \"%s\" is a path; it is a host name alone: write "
                     "e.g. \"example.com\"", rp_id);
      return fail (error, SESAME_TENANT_ERROR_RP_ID_HAS_PATH,
                   "the Relying Party ID is a host name without a path: use \"%.*s\" "
                   "(a passkey works on every page of the site)", (int) host_len, rp_id);
    }

  if (strchr (rp_id, '@'))
    return fail (error, SESAME_TENANT_ERROR_RP_ID_INVALID,
                 "the Relying Party ID \"%s\" has a user name before '@': write the host "
                 "name alone, \"%s\"", rp_id, strrchr (rp_id, '@') + 1);

  if (rp_id[0] == '[' || g_hostname_is_ip_address (rp_id))
    return rp_id_is_ip (rp_id, error);

  colon = strchr (rp_id, ':');
  if (colon)
    {
      g_autofree char *host = g_strndup (rp_id, colon - rp_id);
      const char *port = colon + 1;

      /* Two colons or more: an unbracketed IPv6 address. */
      if (strchr (port, ':') || g_hostname_is_ip_address (host))
        return rp_id_is_ip (rp_id, error);
      if (all_digits (port, strlen (port)) && *host)
        {
          g_autofree char *lower_host = g_ascii_strdown (host, -1);

          return fail (error, SESAME_TENANT_ERROR_RP_ID_HAS_PORT,
                       "the Relying Party ID is a host name without a port: use \"%s\" and "
                       "put the port in the expected origin (%s://%s:%s)",
                       lower_host, likely_scheme (lower_host), lower_host, port);
        }
      return fail (error, SESAME_TENANT_ERROR_RP_ID_INVALID,
                   "the Relying Party ID \"%s\" has a ':'; it is a host name alone, e.g. "
                   "\"example.com\"", rp_id);
    }

  problem = check_domain (rp_id, &where);
  if (problem != DOMAIN_OK)
    {
      g_autofree char *explanation = explain_domain_problem (problem, rp_id, where);
      SesameTenantError code;

      switch (problem)
        {
        case DOMAIN_TRAILING_DOT: code = SESAME_TENANT_ERROR_RP_ID_TRAILING_DOT; break;
        case DOMAIN_UPPERCASE: code = SESAME_TENANT_ERROR_RP_ID_NOT_LOWERCASE; break;
        default: code = SESAME_TENANT_ERROR_RP_ID_INVALID; break;
        }
      return fail (error, code, "the Relying Party ID \"%s\" %s", rp_id, explanation);
    }

  return TRUE;
}

gboolean
sesame_rp_id_covers_host (const char *rp_id,
                          const char *host)
{
  gsize rp_len;
  gsize host_len;

  if (!rp_id || !host || !*rp_id || rp_id[0] == '.')
    return FALSE;
  if (strcmp (rp_id, host) == 0)
    return TRUE;
  /* A suffix of an address is not a parent domain of it. */
  if (g_hostname_is_ip_address (host))
    return FALSE;

  rp_len = strlen (rp_id);
  host_len = strlen (host);
  /* At least one character and the dot before the RP ID: the label boundary
   * is what keeps "evilexample.com" out of "example.com". */
  return host_len > rp_len + 1 &&
         host[host_len - rp_len - 1] == '.' &&
         strcmp (host + host_len - rp_len, rp_id) == 0;
}

static gboolean
origin_outside_rp_id (const char *origin,
                      const char *rp_id,
                      const char *host,
                      gboolean    host_is_ip,
                      const char *port,
                      GError    **error)
{
  if (host_is_ip)
    {
      g_autofree char *instead = NULL;

      if (g_str_has_prefix (host, "127.") || strcmp (host, "::1") == 0)
        instead = g_strdup_printf ("open the page as http://localhost%s%s and list that "
                                   "origin", port ? ":" : "", port ? port : "");
      else
        instead = g_strdup_printf ("open the page through a host name on \"%s\"", rp_id);
      return fail (error, SESAME_TENANT_ERROR_ORIGIN_OUTSIDE_RP_ID,
                   "the origin \"%s\" has an IP address as its host, which no Relying Party "
                   "ID (here \"%s\") can cover: %s", origin, rp_id, instead);
    }

  if (g_str_has_suffix (host, rp_id))
    return fail (error, SESAME_TENANT_ERROR_ORIGIN_OUTSIDE_RP_ID,
                 "the origin \"%s\" is not on the Relying Party ID \"%s\": its host \"%s\" "
                 "only ends with the same letters; a subdomain has a dot before the RP ID, "
                 "e.g. \"login.%s\"", origin, rp_id, host, rp_id);

  if (sesame_rp_id_covers_host (host, rp_id))
    return fail (error, SESAME_TENANT_ERROR_ORIGIN_OUTSIDE_RP_ID,
                 "the origin \"%s\" is not on the Relying Party ID \"%s\": the RP ID can be "
                 "the origin's host or a parent domain of it, never a subdomain; set the RP "
                 "ID to \"%s\" to cover both", origin, rp_id, host);

  return fail (error, SESAME_TENANT_ERROR_ORIGIN_OUTSIDE_RP_ID,
               "the origin \"%s\" is not on the Relying Party ID \"%s\": its host \"%s\" "
               "must be \"%s\" or end in \".%s\"; change the origin or the RP ID",
               origin, rp_id, host, rp_id, rp_id);
}

static gboolean
check_port (const char *origin,
            const char *scheme,
            const char *authority,
            const char *port,
            gsize       port_len,
            GError    **error)
{
  guint value = 0;
  gsize host_len = port - 1 - authority;

  if (port_len == 0)
    return fail (error, SESAME_TENANT_ERROR_ORIGIN_BAD_PORT,
                 "the origin \"%s\" ends in ':' without a port: write \"%s://%.*s\" or add the "
                 "port, e.g. \"%s://%.*s:3000\"", origin, scheme, (int) host_len, authority,
                 scheme, (int) host_len, authority);
  if (!all_digits (port, port_len))
    return fail (error, SESAME_TENANT_ERROR_ORIGIN_BAD_PORT,
                 "the origin \"%s\" has the port \"%.*s\", which is not a number",
                 origin, (int) port_len, port);

  for (gsize i = 0; i < port_len && value <= 65535; i++)
    value = value * 10 + (guint) (port[i] - '0');
  if (value == 0 || value > 65535)
    return fail (error, SESAME_TENANT_ERROR_ORIGIN_BAD_PORT,
                 "the origin \"%s\" has the port %.*s; a port is a number from 1 to 65535",
                 origin, (int) port_len, port);
  if (port[0] == '0')
    return fail (error, SESAME_TENANT_ERROR_ORIGIN_BAD_PORT,
                 "the origin \"%s\" writes its port with a leading zero, which browsers drop "
                 "from the origin: write \"%s://%.*s:%u\"", origin, scheme, (int) host_len,
                 authority, value);
  if ((value == 443 && strcmp (scheme, "https") == 0) ||
      (value == 80 && strcmp (scheme, "http") == 0))
    return fail (error, SESAME_TENANT_ERROR_ORIGIN_BAD_PORT,
                 "the origin \"%s\" names the default port %u, which browsers leave out of "
                 "the origin: write \"%s://%.*s\"", origin, value, scheme, (int) host_len,
                 authority);
  return TRUE;
}

/* One origin against an RP ID that is already known to be valid. Checks go
 * from the outside in (scheme, authority, what follows it), so that the
 * first message is about the first thing to fix. Raw string checks come
 * before GUri, which accepts things a browser never sends (an empty port,
 * port 0, a percent-encoded host). */
static gboolean
check_origin (const char *origin,
              const char *rp_id,
              GError    **error)
{
  const char *separator;
  const char *authority;
  const char *end;
  const char *port = NULL;
  gsize len;
  gboolean host_is_ip = FALSE;
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  g_autofree char *bare = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!origin || !*origin)
    return fail (error, SESAME_TENANT_ERROR_ORIGIN_INVALID,
                 "the origin is empty: write the origin of the page that uses passkeys, "
                 "e.g. \"http://localhost:3000\"");

  len = strlen (origin);
  if (g_ascii_isspace (origin[0]) || g_ascii_isspace (origin[len - 1]))
    {
      g_autofree char *trimmed = g_strstrip (g_strdup (origin));
      return fail (error, SESAME_TENANT_ERROR_ORIGIN_INVALID,
                   "the origin \"%s\" has spaces around it: write \"%s\"", origin, trimmed);
    }

  /* Authsignal also takes Android app origins; Sesame has no Android side,
   * so say that rather than "bad scheme". */
  if (g_str_has_prefix (origin, "android:"))
    return fail (error, SESAME_TENANT_ERROR_ORIGIN_BAD_SCHEME,
                 "the origin \"%s\" is an Android app origin; Sesame's local tenant serves "
                 "web pages only, so list their http:// or https:// origins", origin);

  separator = strstr (origin, "://");
  if (!separator)
    {
      gsize host_len = strcspn (origin, ":/?#");
      g_autofree char *guess_host = g_ascii_strdown (origin, host_len);
      gsize where;

      if (host_len > 0 && check_domain (guess_host, &where) == DOMAIN_OK)
        return fail (error, SESAME_TENANT_ERROR_ORIGIN_INVALID,
                     "the origin \"%s\" has no scheme: write \"%s://%.*s\"",
                     origin, likely_scheme (guess_host),
                     (int) strcspn (origin, "/?#"), origin);
      return fail (error, SESAME_TENANT_ERROR_ORIGIN_INVALID,
                   "\"%s\" is not an origin: write scheme://host[:port], e.g. "
                   "\"https://example.com\" or \"http://localhost:3000\"", origin);
    }

  scheme = g_strndup (origin, separator - origin);
  if (!*scheme)
    return fail (error, SESAME_TENANT_ERROR_ORIGIN_INVALID,
                 "the origin \"%s\" has no scheme before \"://\": write http:// or https://",
                 origin);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    return fail (error, SESAME_TENANT_ERROR_ORIGIN_BAD_SCHEME,
                 "the origin \"%s\" has the scheme \"%s\"; passkeys work on web pages, so "
                 "an expected origin starts with https:// (or http:// for localhost)",
                 origin, scheme);

  authority = separator + 3;
  end = authority + strcspn (authority, "/?#");

  if (memchr (authority, '@', end - authority))
    {
      const char *at = authority;

      /* The last '@' ends the user information, as in a URL parser. */
      for (const char *p = authority; p < end; p++)
        if (*p == '@')
          at = p;
      return fail (error, SESAME_TENANT_ERROR_ORIGIN_HAS_USERINFO,
                   "the origin \"%s\" has a user name in it, which browsers never put in an "
                   "origin: write \"%s://%.*s\"", origin, scheme, (int) (end - at - 1), at + 1);
    }

  if (has_uppercase (origin, end - origin))
    {
      g_autofree char *lower = g_ascii_strdown (origin, end - origin);
      return fail (error, SESAME_TENANT_ERROR_ORIGIN_NOT_LOWERCASE,
                   "the origin \"%s\" has capital letters; browsers send origins in lowercase "
                   "and they are compared byte for byte: write \"%s\"", origin, lower);
    }

  if (authority[0] == '[')
    {
      const char *close = memchr (authority, ']', end - authority);

      if (!close)
        return fail (error, SESAME_TENANT_ERROR_ORIGIN_INVALID,
                     "the origin \"%s\" opens an IPv6 address with '[' and never closes it",
                     origin);
      host = g_strndup (authority + 1, close - authority - 1);
      if (!g_hostname_is_ip_address (host))
        return fail (error, SESAME_TENANT_ERROR_ORIGIN_INVALID,
                     "the origin \"%s\" has \"[%s]\" as its host, which is not an IPv6 address",
                     origin, host);
      host_is_ip = TRUE;
      if (close + 1 < end && close[1] != ':')
        return fail (error, SESAME_TENANT_ERROR_ORIGIN_INVALID,
                     "the origin \"%s\" has text after its IPv6 address that is not a port",
                     origin);
      if (close + 1 < end)
        port = close + 2;
    }
  else
    {
      const char *colon = memchr (authority, ':', end - authority);

      if (colon && memchr (colon + 1, ':', end - colon - 1))
        return fail (error, SESAME_TENANT_ERROR_ORIGIN_INVALID,
                     "the origin \"%s\" has several ':' in its host; an IPv6 address goes in "
                     "brackets, e.g. \"http://[::1]:3000\"", origin);
      host = g_strndup (authority, (colon ? colon : end) - authority);
      if (colon)
        port = colon + 1;
      host_is_ip = g_hostname_is_ip_address (host);
    }

  if (!*host)
    return fail (error, SESAME_TENANT_ERROR_ORIGIN_INVALID,
                 "the origin \"%s\" has no host: write e.g. \"%s\"", origin,
                 strcmp (scheme, "http") == 0 ? "http://localhost:3000" : "https://example.com");

  if (!host_is_ip)
    {
      gsize where;
      DomainProblem problem = check_domain (host, &where);

      if (problem != DOMAIN_OK)
        {
          g_autofree char *explanation = explain_domain_problem (problem, host, where);
          return fail (error, SESAME_TENANT_ERROR_ORIGIN_INVALID,
                       "in the origin \"%s\", the host \"%s\" %s",
                       origin, host, explanation);
        }
    }

  if (port && !check_port (origin, scheme, authority, port, end - port, error))
    return FALSE;

  bare = g_strndup (origin, end - origin);
  if (*end)
    {
      gsize path_len = strcspn (end, "?#");

      if (end[0] == '/' && path_len > 1)
        return fail (error, SESAME_TENANT_ERROR_ORIGIN_HAS_PATH,
                     "the origin \"%s\" has a path (\"%.*s\"); an origin ends after the host "
                     "and port, and covers every page under it: write \"%s\"",
                     origin, (int) path_len, end, bare);
      if (end[path_len])
        return fail (error, SESAME_TENANT_ERROR_ORIGIN_HAS_QUERY_OR_FRAGMENT,
                     "the origin \"%s\" has a %s; an origin ends after the host and port: "
                     "write \"%s\"", origin, end[path_len] == '?' ? "query" : "fragment", bare);
      return fail (error, SESAME_TENANT_ERROR_ORIGIN_TRAILING_SLASH,
                   "the origin \"%s\" ends with a slash, which browsers never send in an "
                   "origin: write \"%s\"", origin, bare);
    }

  /* Everything above is stricter than GUri; this only guards against a
   * gap in those checks. */
  uri = g_uri_parse (origin, G_URI_FLAGS_NONE, &local_error);
  if (!uri)
    return fail (error, SESAME_TENANT_ERROR_ORIGIN_INVALID,
                 "the origin \"%s\" is not a valid URL: %s", origin, local_error->message);

  if (!sesame_rp_id_covers_host (rp_id, host))
    {
      g_autofree char *port_text = port ? g_strndup (port, end - port) : NULL;
      return origin_outside_rp_id (origin, rp_id, host, host_is_ip, port_text, error);
    }

  if (strcmp (scheme, "http") == 0 && !is_localhost (host))
    return fail (error, SESAME_TENANT_ERROR_ORIGIN_HTTPS_REQUIRED,
                 "the origin \"%s\" uses plain http, which browsers allow for passkeys only "
                 "on localhost: write \"https://%s\"", origin, authority);

  return TRUE;
}

gboolean
sesame_tenant_validate_origin (const char *origin,
                               const char *rp_id,
                               GError    **error)
{
  return sesame_tenant_validate_rp_id (rp_id, error) && check_origin (origin, rp_id, error);
}

gboolean
sesame_tenant_validate_origins (const char * const *origins,
                                const char         *rp_id,
                                GError            **error)
{
  if (!sesame_tenant_validate_rp_id (rp_id, error))
    return FALSE;

  if (!origins || !origins[0])
    {
      g_autofree char *example = is_localhost (rp_id)
        ? g_strdup_printf ("http://%s:3000", rp_id)
        : g_strdup_printf ("https://%s", rp_id);

      return fail (error, SESAME_TENANT_ERROR_ORIGINS_EMPTY,
                   "there are no expected origins, so no page could use a passkey: add the "
                   "origin of each page that does, e.g. \"%s\"", example);
    }

  for (guint i = 0; origins[i]; i++)
    {
      g_autoptr(GError) local_error = NULL;

      if (!check_origin (origins[i], rp_id, &local_error))
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      "expected origin %u: ", i + 1);
          return FALSE;
        }
      for (guint j = 0; j < i; j++)
        if (strcmp (origins[i], origins[j]) == 0)
          return fail (error, SESAME_TENANT_ERROR_ORIGIN_DUPLICATE,
                       "expected origins %u and %u are both \"%s\": list each origin once",
                       j + 1, i + 1, origins[i]);
    }

  return TRUE;
}
