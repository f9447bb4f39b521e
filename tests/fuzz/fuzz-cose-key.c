/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "fuzz-common.h"
#include "sesame-cose-key.h"
#include "sesame-webauthn-error.h"

/* A COSE public key, alone (nothing may follow it) and as the head of
 * longer data (as inside authenticator data); then described, and used to
 * check signatures that should not verify. */

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init ();
  return 0;
}

static void
check_verify (const SesameCoseKey *key,
              const guint8        *message,
              gsize                message_len,
              const guint8        *signature,
              gsize                signature_len)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = sesame_cose_key_verify (key, message, message_len, signature, signature_len, &error);
  fuzz_check_result (ok, error, SESAME_WEBAUTHN_ERROR);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  /* An ECDSA signature of r = s = 1: well-formed DER, and wrong. */
  static const guint8 der_signature[] = { 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01 };
  static const guint8 message[] = "authenticator data and client data hash";
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) prefix_error = NULL;
  g_autoptr(SesameCoseKey) key = NULL;
  g_autoptr(SesameCoseKey) prefix_key = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;
  g_autofree guint8 *zeros = NULL;
  gsize consumed = 0;
  GBytes *encoded;
  int alg;

  key = sesame_cose_key_new_from_cbor (data, size, NULL, &error);
  fuzz_check_result (key != NULL, error, SESAME_WEBAUTHN_ERROR);
  prefix_key = sesame_cose_key_new_from_cbor (data, size, &consumed, &prefix_error);
  fuzz_check_result (prefix_key != NULL, prefix_error, SESAME_WEBAUTHN_ERROR);

  /* Whatever parses whole also parses as a prefix, and all of it. */
  g_assert_true (!key || (prefix_key && consumed == size));
  if (!prefix_key)
    return 0;
  g_assert_cmpuint (consumed, >, 0);
  g_assert_cmpuint (consumed, <=, size);
  encoded = sesame_cose_key_get_encoded (prefix_key);
  g_assert_cmpmem (g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded), data, consumed);

  alg = sesame_cose_key_get_algorithm (prefix_key);
  g_assert_true (sesame_cose_algorithm_is_supported (alg));
  (void) sesame_cose_key_get_key_type (prefix_key);
  (void) sesame_cose_key_get_curve (prefix_key);
  g_assert_nonnull (sesame_cose_key_get_pkey (prefix_key));
  g_assert_true (sesame_cose_key_matches_pkey (prefix_key, sesame_cose_key_get_pkey (prefix_key)));
  if (key)
    g_assert_true (sesame_cose_key_matches_pkey (key, sesame_cose_key_get_pkey (prefix_key)));
  sesame_cose_key_unref (sesame_cose_key_ref (prefix_key));

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_cose_key_describe (prefix_key, builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  g_assert_true (g_utf8_validate (json, -1, NULL));

  zeros = g_malloc0 (512);
  check_verify (prefix_key, message, sizeof message - 1, NULL, 0);
  check_verify (prefix_key, message, sizeof message - 1, der_signature, sizeof der_signature);
  check_verify (prefix_key, message, sizeof message - 1, zeros, 64);
  check_verify (prefix_key, message, sizeof message - 1, zeros, 512);
  check_verify (prefix_key, data, size, data + consumed, size - consumed);
  return 0;
}
