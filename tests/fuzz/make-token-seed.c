/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "fuzz-token-common.h"
#include "sesame-base64.h"
#include "sesame-token.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

/* Writes the seed corpus of fuzz-token into the directory given: tokens
 * that sesame_token_issue() made, in both of the fuzzer's input forms (the
 * token itself; its header JSON, a NUL and its payload JSON). */

static void
write_seed (const char *dir,
            const char *data,
            gsize       len)
{
  g_autofree char *name = g_compute_checksum_for_data (G_CHECKSUM_SHA1, (const guint8 *) data, len);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (path, data, len, &error))
    g_error ("%s", error->message);
}

static void
write_token_seeds (const char              *dir,
                   const SesameTokenClaims *claims)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = sesame_token_issue ((const guint8 *) FUZZ_TOKEN_KEY, FUZZ_TOKEN_KEY_LEN,
                                               claims, &error);
  g_auto(GStrv) segments = NULL;
  g_autoptr(GBytes) header = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GByteArray) json = g_byte_array_new ();

  if (!token)
    g_error ("sesame_token_issue: %s", error->message);
  write_seed (dir, token, strlen (token));

  segments = g_strsplit (token, ".", -1);
  g_assert_cmpuint (g_strv_length (segments), ==, 3);
  header = sesame_base64url_decode (segments[0], &error);
  g_assert_no_error (error);
  payload = sesame_base64url_decode (segments[1], &error);
  g_assert_no_error (error);
  g_byte_array_append (json, g_bytes_get_data (header, NULL), g_bytes_get_size (header));
  g_byte_array_append (json, (const guint8 *) "", 1);
  g_byte_array_append (json, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  write_seed (dir, (const char *) json->data, json->len);
}

int
main (int    argc,
      char **argv)
{
  SesameTokenClaims claims = {
    .user_id = (char *) "alice",
    .tenant_id = (char *) "tenant-1",
    .action_code = (char *) "signIn",
    .idempotency_key = (char *) "6f1c2a0e-8a39-4a8f-9d55-0d0f4a3b9e21",
    .scope = (char *) "read:authenticators add:authenticators",
    .issuer = (char *) "https://sesame.example",
    .issued_at = FUZZ_TOKEN_ISSUED_AT,
    .expires_at = FUZZ_TOKEN_ISSUED_AT + SESAME_TOKEN_DEFAULT_LIFETIME,
  };

  if (argc != 2)
    {
      g_printerr ("usage: %s OUTDIR\n", argv[0]);
      return 2;
    }
  if (g_mkdir_with_parents (argv[1], 0755) != 0)
    g_error ("%s: %s", argv[1], g_strerror (errno));

  write_token_seeds (argv[1], &claims);
  claims.scope = (char *) "";
  claims.user_id = (char *) "bob \xc3\xa9";
  write_token_seeds (argv[1], &claims);
  return 0;
}
