/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "fuzz-common.h"
#include "sesame-authenticator-data.h"
#include "sesame-webauthn-error.h"

/* Authenticator data as it arrives in an assertion or inside an
 * attestation object, then described as sesame-inspect would show it. */

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
  g_autoptr(SesameAuthenticatorData) ad = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;
  g_autofree char *aaguid = NULL;

  ad = sesame_authenticator_data_parse (data, size, &error);
  fuzz_check_result (ad != NULL, error, SESAME_WEBAUTHN_ERROR);
  if (!ad)
    return 0;

  g_assert_nonnull (ad->raw);
  g_assert_cmpmem (g_bytes_get_data (ad->raw, NULL), g_bytes_get_size (ad->raw), data, size);
  g_assert_cmpmem (ad->rp_id_hash, 32, data, 32);
  g_assert_cmpuint (ad->flags, ==, data[32]);
  g_assert_true (ad->has_attested_data == ((ad->flags & SESAME_AUTH_DATA_FLAG_AT) != 0));
  g_assert_true ((ad->extensions != NULL) == ((ad->flags & SESAME_AUTH_DATA_FLAG_ED) != 0));
  if (ad->has_attested_data)
    {
      g_assert_nonnull (ad->credential_id);
      g_assert_cmpuint (g_bytes_get_size (ad->credential_id), <=, SESAME_CREDENTIAL_ID_MAX_LEN);
      g_assert_nonnull (ad->public_key);
      g_assert_nonnull (sesame_cose_key_get_pkey (ad->public_key));
      aaguid = sesame_aaguid_to_string (ad->aaguid);
      g_assert_cmpuint (strlen (aaguid), ==, 36);
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_authenticator_data_describe (ad, builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  g_assert_nonnull (root);
  json = json_to_string (root, TRUE);
  /* The description is meant for JSON output: it must be valid UTF-8. */
  g_assert_true (g_utf8_validate (json, -1, NULL));
  return 0;
}
