/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-settings-snippets.h"

#include <glib/gi18n.h>

/* A double-quoted JavaScript string literal of @text. */
static void
append_js_string (GString    *out,
                  const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      switch (*p)
        {
        case '"':
        case '\\':
          g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        default:
          if ((guchar) *p < 0x20)
            g_string_append_printf (out, "\\x%02x", (guchar) *p);
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}

char *
sesame_snippet_env (const char *tenant_id,
                    const char *base_url,
                    const char *secret_key)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (tenant_id && base_url, NULL);

  g_string_append_printf (out, "AUTHSIGNAL_TENANT_ID=%s\n", tenant_id);
  g_string_append_printf (out, "AUTHSIGNAL_API_URL=%s\n", base_url);
  if (secret_key)
    g_string_append_printf (out, "AUTHSIGNAL_SECRET_KEY=%s", secret_key);
  else
    /* Translators: a comment line in a .env file; keep the leading "# ". */
    g_string_append_printf (out, "%s\nAUTHSIGNAL_SECRET_KEY=",
                            _("# The secret key: rotate it under API Keys to see it"));
  return g_string_free (out, FALSE);
}

char *
sesame_snippet_browser (const char *tenant_id,
                        const char *base_url)
{
  GString *out = g_string_new ("import { Authsignal } from \"@authsignal/browser\";\n\n"
                               "const authsignal = new Authsignal({\n  tenantId: ");

  g_return_val_if_fail (tenant_id && base_url, NULL);

  append_js_string (out, tenant_id);
  g_string_append (out, ",\n  baseUrl: ");
  append_js_string (out, base_url);
  g_string_append (out, ",\n});");
  return g_string_free (out, FALSE);
}

char *
sesame_snippet_node (const char *base_url)
{
  GString *out = g_string_new ("import { Authsignal } from \"@authsignal/node\";\n\n"
                               "const authsignal = new Authsignal({\n"
                               "  apiSecretKey: process.env.AUTHSIGNAL_SECRET_KEY,\n"
                               "  apiUrl: ");

  g_return_val_if_fail (base_url, NULL);

  append_js_string (out, base_url);
  g_string_append (out, ",\n});");
  return g_string_free (out, FALSE);
}
