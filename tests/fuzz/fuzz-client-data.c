/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "fuzz-common.h"
#include "sesame-client-data.h"
#include "sesame-webauthn-error.h"

#include <openssl/sha.h>

/* clientDataJSON, then described as sesame-inspect would show it. */

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameClientData) cd = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;
  guint8 hash[32];

  cd = sesame_client_data_parse (data, size, &error);
  fuzz_check_result (cd != NULL, error, SESAME_WEBAUTHN_ERROR);
  if (!cd)
    return 0;

  g_assert_nonnull (cd->type);
  g_assert_nonnull (cd->challenge);
  g_assert_nonnull (cd->challenge_bytes);
  g_assert_nonnull (cd->origin);
  g_assert_true (cd->has_cross_origin || !cd->cross_origin);
  g_assert_cmpmem (g_bytes_get_data (cd->raw, NULL), g_bytes_get_size (cd->raw), data, size);
  SHA256 (data, size, hash);
  g_assert_cmpmem (cd->hash, sizeof cd->hash, hash, sizeof hash);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_client_data_describe (cd, builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  g_assert_nonnull (root);
  json = json_to_string (root, TRUE);
  g_assert_true (g_utf8_validate (json, -1, NULL));
  return 0;
}
