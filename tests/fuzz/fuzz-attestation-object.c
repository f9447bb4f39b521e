/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "fuzz-common.h"
#include "fuzz-vectors.h"
#include "sesame-base64.h"
#include "sesame-webauthn.h"

#include <string.h>

/* Registration with options that let everything through that can be let
 * through, so that the input reaches the attestation formats. The input is
 * either an attestation object, checked against a fixed clientDataJSON, or
 * clientDataJSON, a NUL and an attestation object: then the challenge and
 * origin are taken from that client data, and a vector's signature can
 * verify, which leads on to the certificate path checks. */

static const guint8 challenge[32] = {
  0x5e, 0x5a, 0x3e, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
  0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c,
};
static const char * const types[] = { "webauthn.create", "webauthn.get", NULL };

/* Mid-2024: most vector certificates are valid then, and a fixed time
 * keeps the target deterministic. */
#define VERIFICATION_TIME G_GINT64_CONSTANT (1717200000)

static SesameVerifyOptions options;
static GBytes *client_data_json;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  static SesameTrustAnchors *anchors;
  g_autoptr(GBytes) challenge_bytes = g_bytes_new_static (challenge, sizeof challenge);
  g_autofree char *challenge_text = NULL;
  char *json;

  fuzz_init ();

  anchors = sesame_trust_anchors_new ();
  for (gsize i = 0; i < G_N_ELEMENTS (fuzz_roots); i++)
    sesame_trust_anchors_add_der (anchors, NULL, fuzz_roots[i].der, fuzz_roots[i].len, NULL);

  challenge_text = sesame_base64url_encode (challenge, sizeof challenge);
  json = g_strdup_printf ("{\"type\":\"webauthn.create\",\"challenge\":\"%s\","
                          "\"origin\":\"https://example.org\",\"crossOrigin\":false}",
                          challenge_text);
  client_data_json = g_bytes_new_take (json, strlen (json));

  sesame_verify_options_init (&options);
  options.challenge = g_bytes_ref (challenge_bytes);
  options.origins = fuzz_origins;
  options.rp_ids = fuzz_rp_ids;
  options.types = types;
  options.allow_cross_origin = TRUE;
  options.require_user_presence = FALSE;
  options.require_user_verification = FALSE;
  options.trust_anchors = anchors;
  options.verification_time = VERIFICATION_TIME;
  options.safetynet_enforce_cts = FALSE;
  options.safetynet_max_age_ms = 0;
  return 0;
}

/* Callers may pass a NULL GError: that must work as well as a real one. */
static void
check_registration (const SesameVerifyOptions *opts,
                    GBytes                    *cdj,
                    GBytes                    *object,
                    gboolean                   with_error)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) registration = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;

  registration = sesame_verify_registration (opts, cdj, object, with_error ? &error : NULL);
  if (with_error)
    fuzz_check_result (registration != NULL, error, SESAME_WEBAUTHN_ERROR);
  if (!registration)
    return;

  g_assert_nonnull (registration->client_data);
  g_assert_nonnull (registration->auth_data);
  g_assert_nonnull (registration->fmt);
  g_assert_nonnull (registration->certificates);
  g_assert_true (registration->auth_data->has_attested_data);
  g_assert_nonnull (registration->auth_data->public_key);
  g_assert_true (g_bytes_equal (registration->attestation_object, object));
  (void) sesame_attestation_type_to_string (registration->attestation_type);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_authenticator_data_describe (registration->auth_data, builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  g_assert_true (g_utf8_validate (json, -1, NULL));
}

static void
append_cbor_head (GByteArray *out,
                  guint8      major,
                  guint64     value)
{
  guint8 head[9];
  gsize n = value < 24 ? 0 : value <= 0xff ? 1 : value <= 0xffff ? 2 : value <= 0xffffffff ? 4 : 8;

  head[0] = major << 5 | (n == 0 ? value : 24 + (guint64) g_bit_nth_lsf (n, -1));
  for (gsize k = 0; k < n; k++)
    head[1 + k] = value >> (8 * (n - 1 - k));
  g_byte_array_append (out, head, 1 + n);
}

/* {"fmt": "none", "attStmt": {}, "authData": data} */
static GBytes *
wrap_auth_data (const guint8 *data,
                gsize         size)
{
  static const guint8 head[] = {
    0xa3, 0x63, 'f', 'm', 't', 0x64, 'n', 'o', 'n', 'e',
    0x67, 'a', 't', 't', 'S', 't', 'm', 't', 0xa0,
    0x68, 'a', 'u', 't', 'h', 'D', 'a', 't', 'a',
  };
  GByteArray *out = g_byte_array_sized_new (sizeof head + 9 + size);

  g_byte_array_append (out, head, sizeof head);
  append_cbor_head (out, 2, size);
  g_byte_array_append (out, data, size);
  return g_byte_array_free_to_bytes (out);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const guint8 *nul = size > 0 && data[0] == '{' ? memchr (data, 0, size) : NULL;

  if (nul)
    {
      gsize cd_len = nul - data;
      g_autoptr(GBytes) cdj = g_bytes_new (data, cd_len);
      g_autoptr(GBytes) object = g_bytes_new (nul + 1, size - cd_len - 1);
      g_autoptr(SesameClientData) cd = sesame_client_data_parse (data, cd_len, NULL);
      SesameVerifyOptions opts = options;
      const char *origins[2] = { NULL, NULL };

      if (!cd)
        return 0;
      origins[0] = cd->origin;
      opts.challenge = cd->challenge_bytes;
      opts.origins = origins;
      check_registration (&opts, cdj, object, TRUE);
    }
  else
    {
      g_autoptr(GBytes) object = g_bytes_new (data, size);
      g_autoptr(GBytes) wrapped = wrap_auth_data (data, size);

      check_registration (&options, client_data_json, object, size % 2 == 0);
      check_registration (&options, client_data_json, wrapped, TRUE);
    }
  return 0;
}
