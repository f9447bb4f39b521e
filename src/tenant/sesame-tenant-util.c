/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-tenant-private.h"

#include <openssl/rand.h>

gboolean
sesame_refuse (GError          **error,
               SesameRuleError   code,
               const char       *format,
               ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (SESAME_RULE_ERROR, code, format, args));
  va_end (args);
  return FALSE;
}

char *
sesame_random_uuid (void)
{
  guint8 b[16];

  if (RAND_bytes (b, sizeof b) != 1)
    return NULL;
  b[6] = (b[6] & 0x0f) | 0x40;   /* version 4 */
  b[8] = (b[8] & 0x3f) | 0x80;   /* RFC 4122 variant */
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                          "%02x%02x%02x%02x%02x%02x",
                          b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                          b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}
