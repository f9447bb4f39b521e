/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Registration (§7.1): one valid ceremony made by a software authenticator,
 * then each check shown failing on its own, with its own error code. */

#include "config.h"

#include "sesame-authenticator-data.h"
#include "sesame-cbor.h"
#include "sesame-test-authenticator.h"
#include "sesame-webauthn.h"

#include <string.h>

#define RP_ID "localhost"
#define ORIGIN "http://localhost:3000"

typedef struct
{
  SesameTestAuthenticator *authenticator;
  GBytes *challenge;
  const char *origins[3];
  const char *rp_ids[2];
  SesameVerifyOptions options;
} Fixture;

static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  int alg = GPOINTER_TO_INT (data);

  f->authenticator = sesame_test_authenticator_new (alg ? alg : SESAME_COSE_ALG_ES256);
  f->challenge = g_bytes_new ("0123456789abcdef0123456789abcdef", 32);
  f->origins[0] = ORIGIN;
  f->rp_ids[0] = RP_ID;
  sesame_verify_options_init (&f->options);
  f->options.challenge = f->challenge;
  f->options.origins = f->origins;
  f->options.rp_ids = f->rp_ids;
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data)
{
  sesame_test_authenticator_free (f->authenticator);
  g_bytes_unref (f->challenge);
}

#define FLAGS_OK (SESAME_AUTH_DATA_FLAG_UP | SESAME_AUTH_DATA_FLAG_UV | SESAME_AUTH_DATA_FLAG_AT)

/* A self-attested packed registration, with the given changes. */
static SesameRegistration *
register_with (Fixture    *f,
               const char *type,
               const char *origin,
               const char *extra_client_data,
               const char *rp_id,
               guint8      flags,
               GError    **error)
{
  g_autoptr(GBytes) cd = sesame_test_client_data (type, f->challenge, origin, extra_client_data);
  g_autoptr(GBytes) ad = sesame_test_auth_data (rp_id, flags, 0, f->authenticator, NULL);
  g_autoptr(GBytes) object = sesame_test_packed_self (f->authenticator, ad, cd);

  return sesame_verify_registration (&f->options, cd, object, error);
}

static SesameRegistration *
register_ok (Fixture *f,
             GError **error)
{
  return register_with (f, "webauthn.create", ORIGIN, NULL, RP_ID, FLAGS_OK, error);
}

static void
test_valid (Fixture      *f,
            gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r = register_ok (f, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  g_assert_cmpstr (r->fmt, ==, "packed");
  g_assert_cmpint (r->attestation_type, ==, SESAME_ATTESTATION_TYPE_SELF);
  g_assert_false (r->trust_anchored);
  g_assert_true (g_bytes_equal (r->auth_data->credential_id, f->authenticator->credential_id));
  g_assert_cmpmem (r->auth_data->aaguid, 16, f->authenticator->aaguid, 16);
  g_assert_true (g_bytes_equal (sesame_cose_key_get_encoded (r->auth_data->public_key),
                                f->authenticator->cose_key));
  g_assert_cmpint (sesame_cose_key_get_algorithm (r->auth_data->public_key), ==,
                   f->authenticator->alg);
  g_assert_cmpstr (r->client_data->origin, ==, ORIGIN);
}

static void
test_none (Fixture      *f,
           gconstpointer data)
{
  g_autoptr(GBytes) cd = sesame_test_client_data ("webauthn.create", f->challenge, ORIGIN, NULL);
  g_autoptr(GBytes) ad = sesame_test_auth_data (RP_ID, FLAGS_OK, 0, f->authenticator, NULL);
  g_autoptr(GBytes) object = sesame_test_attestation_object ("none", ad, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r = sesame_verify_registration (&f->options, cd, object, &error);

  g_assert_no_error (error);
  g_assert_cmpint (r->attestation_type, ==, SESAME_ATTESTATION_TYPE_NONE);
  g_assert_cmpuint (r->certificates->len, ==, 0);
}

static void
test_none_with_statement (Fixture      *f,
                          gconstpointer data)
{
  g_autoptr(GBytes) cd = sesame_test_client_data ("webauthn.create", f->challenge, ORIGIN, NULL);
  g_autoptr(GBytes) ad = sesame_test_auth_data (RP_ID, FLAGS_OK, 0, f->authenticator, NULL);
  g_autoptr(cbor_item_t) stmt = cbor_new_definite_map (1);
  g_autoptr(GBytes) object = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r = NULL;

  cbor_map_add (stmt, (struct cbor_pair) { cbor_move (cbor_build_string ("sig")),
                                           cbor_move (cbor_build_bytestring ((guint8 *) "x", 1)) });
  object = sesame_test_attestation_object ("none", ad, stmt);
  r = sesame_verify_registration (&f->options, cd, object, &error);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT);
}

/* Found by fuzzing: a duplicate attStmt key crashed when the caller passed
 * no GError. */
static void
test_duplicate_statement_key (Fixture      *f,
                              gconstpointer data)
{
  g_autoptr(GBytes) cd = sesame_test_client_data ("webauthn.create", f->challenge, ORIGIN, NULL);
  g_autoptr(GBytes) ad = sesame_test_auth_data (RP_ID, FLAGS_OK, 0, f->authenticator, NULL);
  g_autoptr(cbor_item_t) stmt = cbor_new_definite_map (2);
  g_autoptr(GBytes) object = NULL;
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < 2; i++)
    cbor_map_add (stmt, (struct cbor_pair) { cbor_move (cbor_build_string ("alg")),
                                             cbor_move (cbor_build_negint8 (6)) });
  object = sesame_test_attestation_object ("packed", ad, stmt);
  g_assert_null (sesame_verify_registration (&f->options, cd, object, NULL));
  g_assert_null (sesame_verify_registration (&f->options, cd, object, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT);
  g_assert_nonnull (strstr (error->message, "duplicate"));
}

static void
test_type (Fixture      *f,
           gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r =
    register_with (f, "webauthn.get", ORIGIN, NULL, RP_ID, FLAGS_OK, &error);

  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_TYPE_MISMATCH);
  g_assert_nonnull (strstr (error->message, "webauthn.create"));
}

static void
test_challenge (Fixture      *f,
                gconstpointer data)
{
  g_autoptr(GBytes) other = g_bytes_new ("another challenge, 32 bytes long", 32);
  g_autoptr(GBytes) cd = sesame_test_client_data ("webauthn.create", other, ORIGIN, NULL);
  g_autoptr(GBytes) ad = sesame_test_auth_data (RP_ID, FLAGS_OK, 0, f->authenticator, NULL);
  g_autoptr(GBytes) object = sesame_test_packed_self (f->authenticator, ad, cd);
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r = sesame_verify_registration (&f->options, cd, object, &error);

  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_CHALLENGE_MISMATCH);
}

static void
test_replayed_challenge (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r = NULL;

  f->options.challenge_used = TRUE;
  r = register_ok (f, &error);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_CHALLENGE_REPLAYED);
}

static void
test_origin (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r =
    register_with (f, "webauthn.create", "http://localhost:3001", NULL, RP_ID, FLAGS_OK, &error);

  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ORIGIN_MISMATCH);
  g_assert_cmpstr (error->message, ==, "origin http://localhost:3001 is not one of the expected "
                                       "origins http://localhost:3000");
}

static void
test_second_origin (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r = NULL;

  f->origins[1] = "http://localhost:5173";
  r = register_with (f, "webauthn.create", "http://localhost:5173", NULL, RP_ID, FLAGS_OK, &error);
  g_assert_no_error (error);
}

static void
test_cross_origin (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) refused =
    register_with (f, "webauthn.create", ORIGIN, "\"crossOrigin\":true", RP_ID, FLAGS_OK, &error);
  g_autoptr(SesameRegistration) allowed = NULL;

  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_CROSS_ORIGIN_NOT_ALLOWED);
  g_clear_error (&error);

  f->options.allow_cross_origin = TRUE;
  allowed = register_with (f, "webauthn.create", ORIGIN, "\"crossOrigin\":true", RP_ID,
                           FLAGS_OK, &error);
  g_assert_no_error (error);
  g_assert_true (allowed->client_data->cross_origin);
}

static void
test_top_origin (Fixture      *f,
                 gconstpointer data)
{
  const char *top_origins[] = { "https://shop.example", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r = NULL;

  f->options.allow_cross_origin = TRUE;
  f->options.top_origins = top_origins;
  r = register_with (f, "webauthn.create", ORIGIN,
                     "\"crossOrigin\":true,\"topOrigin\":\"https://evil.example\"", RP_ID,
                     FLAGS_OK, &error);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_TOP_ORIGIN_MISMATCH);
  g_assert_nonnull (strstr (error->message, "https://evil.example"));
}

static void
test_token_binding (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r =
    register_with (f, "webauthn.create", ORIGIN, "\"tokenBinding\":{\"status\":\"bogus\"}",
                   RP_ID, FLAGS_OK, &error);

  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_TOKEN_BINDING_INVALID);
}

static void
test_rp_id (Fixture      *f,
            gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r =
    register_with (f, "webauthn.create", ORIGIN, NULL, "example.com", FLAGS_OK, &error);

  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_RP_ID_MISMATCH);
  g_assert_nonnull (strstr (error->message, "localhost"));
}

static void
test_user_presence (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r =
    register_with (f, "webauthn.create", ORIGIN, NULL, RP_ID,
                   FLAGS_OK & ~SESAME_AUTH_DATA_FLAG_UP, &error);

  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_USER_NOT_PRESENT);
}

static void
test_user_verification (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) preferred = NULL;
  g_autoptr(SesameRegistration) required = NULL;
  guint8 flags = FLAGS_OK & ~SESAME_AUTH_DATA_FLAG_UV;

  /* Without UV, fine unless the policy requires it. */
  preferred = register_with (f, "webauthn.create", ORIGIN, NULL, RP_ID, flags, &error);
  g_assert_no_error (error);

  f->options.require_user_verification = TRUE;
  required = register_with (f, "webauthn.create", ORIGIN, NULL, RP_ID, flags, &error);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_USER_NOT_VERIFIED);
}

static void
test_backup_state (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) bad =
    register_with (f, "webauthn.create", ORIGIN, NULL, RP_ID,
                   FLAGS_OK | SESAME_AUTH_DATA_FLAG_BS, &error);
  g_autoptr(SesameRegistration) synced = NULL;

  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BACKUP_STATE_INVALID);
  g_clear_error (&error);

  synced = register_with (f, "webauthn.create", ORIGIN, NULL, RP_ID,
                          FLAGS_OK | SESAME_AUTH_DATA_FLAG_BS | SESAME_AUTH_DATA_FLAG_BE, &error);
  g_assert_no_error (error);
  g_assert_true (synced->auth_data->flags & SESAME_AUTH_DATA_FLAG_BS);
}

static void
test_no_attested_data (Fixture      *f,
                       gconstpointer data)
{
  g_autoptr(GBytes) cd = sesame_test_client_data ("webauthn.create", f->challenge, ORIGIN, NULL);
  g_autoptr(GBytes) ad = sesame_test_auth_data (RP_ID, SESAME_AUTH_DATA_FLAG_UP, 0, NULL, NULL);
  g_autoptr(GBytes) object = sesame_test_attestation_object ("none", ad, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r = sesame_verify_registration (&f->options, cd, object, &error);

  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTED_DATA_MISSING);
}

static void
test_extensions (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr(GBytes) cd = sesame_test_client_data ("webauthn.create", f->challenge, ORIGIN, NULL);
  /* {"credProtect": 2} */
  static const guint8 ext[] = { 0xa1, 0x6b, 'c', 'r', 'e', 'd', 'P', 'r', 'o', 't', 'e', 'c', 't',
                                0x02 };
  g_autoptr(GBytes) ext_bytes = g_bytes_new_static (ext, sizeof ext);
  g_autoptr(GBytes) with_ed = sesame_test_auth_data (RP_ID, FLAGS_OK | SESAME_AUTH_DATA_FLAG_ED, 0,
                                                     f->authenticator, ext_bytes);
  g_autoptr(GBytes) without_ed = sesame_test_auth_data (RP_ID, FLAGS_OK, 0, f->authenticator,
                                                        ext_bytes);
  g_autoptr(GBytes) good = sesame_test_packed_self (f->authenticator, with_ed, cd);
  g_autoptr(GBytes) bad = sesame_test_packed_self (f->authenticator, without_ed, cd);
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r = sesame_verify_registration (&f->options, cd, good, &error);
  g_autoptr(SesameRegistration) r2 = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (r->auth_data->extensions);
  g_assert_nonnull (sesame_cbor_map_get_str (r->auth_data->extensions, "credProtect"));

  r2 = sesame_verify_registration (&f->options, cd, bad, &error);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_EXTENSION_DATA_MISMATCH);
}

static void
test_algorithm_not_allowed (Fixture      *f,
                            gconstpointer data)
{
  static const int only_eddsa[] = { SESAME_COSE_ALG_EDDSA };
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r = NULL;

  f->options.allowed_algorithms = only_eddsa;
  f->options.n_allowed_algorithms = G_N_ELEMENTS (only_eddsa);
  r = register_ok (f, &error);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ALGORITHM_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, "ES256"));
}

static void
test_formats (Fixture      *f,
              gconstpointer data)
{
  const char *only_none[] = { "none", NULL };
  g_autoptr(GBytes) cd = sesame_test_client_data ("webauthn.create", f->challenge, ORIGIN, NULL);
  g_autoptr(GBytes) ad = sesame_test_auth_data (RP_ID, FLAGS_OK, 0, f->authenticator, NULL);
  g_autoptr(GBytes) unknown = sesame_test_attestation_object ("made-up", ad, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r = sesame_verify_registration (&f->options, cd, unknown, &error);
  g_autoptr(SesameRegistration) r2 = NULL;

  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ATTESTATION_FORMAT);
  g_clear_error (&error);

  f->options.allowed_formats = only_none;
  r2 = register_ok (f, &error);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_FORMAT_NOT_ALLOWED);
}

static void
test_packed_self_tampered (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr(GBytes) cd = sesame_test_client_data ("webauthn.create", f->challenge, ORIGIN, NULL);
  g_autoptr(GBytes) other_cd = sesame_test_client_data ("webauthn.create", f->challenge, ORIGIN,
                                                        "\"extra\":1");
  g_autoptr(GBytes) ad = sesame_test_auth_data (RP_ID, FLAGS_OK, 0, f->authenticator, NULL);
  g_autoptr(GBytes) object = sesame_test_packed_self (f->authenticator, ad, cd);
  g_autoptr(GByteArray) flipped = g_byte_array_new ();
  g_autoptr(GBytes) flipped_bytes = NULL;
  g_autoptr(GError) error = NULL;
  SesameRegistration *r;

  /* clientDataJSON swapped for another that passes every client data check */
  r = sesame_verify_registration (&f->options, other_cd, object, &error);
  g_assert_null (r);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID);
  g_clear_error (&error);

  /* Flip the last byte of the signature inside the attestation object.
   * libcbor decodes into copies, so find the signature bytes by value. */
  g_byte_array_append (flipped, g_bytes_get_data (object, NULL), g_bytes_get_size (object));
  {
    g_autoptr(cbor_item_t) map = sesame_cbor_load (flipped->data, flipped->len, NULL, "x", NULL);
    cbor_item_t *sig = sesame_cbor_map_get_str (sesame_cbor_map_get_str (map, "attStmt"), "sig");
    gsize sig_len = cbor_bytestring_length (sig);
    gsize offset = 0;

    for (gsize i = 0; i + sig_len <= flipped->len; i++)
      if (memcmp (flipped->data + i, cbor_bytestring_handle (sig), sig_len) == 0)
        {
          offset = i;
          break;
        }
    g_assert_cmpuint (offset, >, 0);
    flipped->data[offset + sig_len - 1] ^= 0x01;
  }
  flipped_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&flipped));
  r = sesame_verify_registration (&f->options, cd, flipped_bytes, &error);
  g_assert_null (r);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID);
}

static void
test_malformed_object (Fixture      *f,
                       gconstpointer data)
{
  g_autoptr(GBytes) cd = sesame_test_client_data ("webauthn.create", f->challenge, ORIGIN, NULL);
  g_autoptr(GBytes) ad = sesame_test_auth_data (RP_ID, FLAGS_OK, 0, f->authenticator, NULL);
  g_autoptr(GBytes) good = sesame_test_packed_self (f->authenticator, ad, cd);
  g_autoptr(GBytes) garbage = g_bytes_new_static ("\xff\x00\x01", 3);
  g_autoptr(GBytes) not_a_map = g_bytes_new_static ("\x83\x01\x02\x03", 4);
  g_autoptr(GByteArray) trailing = g_byte_array_new ();
  g_autoptr(GBytes) trailing_bytes = NULL;
  g_autoptr(cbor_item_t) map = cbor_new_definite_map (1);
  g_autoptr(GBytes) no_auth_data = NULL;
  GError *error = NULL;

  g_assert_null (sesame_verify_registration (&f->options, cd, garbage, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CBOR);
  g_clear_error (&error);

  g_assert_null (sesame_verify_registration (&f->options, cd, not_a_map, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CBOR);
  g_clear_error (&error);

  g_byte_array_append (trailing, g_bytes_get_data (good, NULL), g_bytes_get_size (good));
  g_byte_array_append (trailing, (guint8 *) "\x00", 1);
  trailing_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&trailing));
  g_assert_null (sesame_verify_registration (&f->options, cd, trailing_bytes, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CBOR);
  g_clear_error (&error);

  cbor_map_add (map, (struct cbor_pair) { cbor_move (cbor_build_string ("fmt")),
                                          cbor_move (cbor_build_string ("none")) });
  {
    unsigned char *buf = NULL;
    size_t size = 0, len = cbor_serialize_alloc (map, &buf, &size);
    no_auth_data = g_bytes_new (buf, len);
    free (buf);
  }
  g_assert_null (sesame_verify_registration (&f->options, cd, no_auth_data, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_OBJECT);
  g_clear_error (&error);
}

static void
test_untrusted_required (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r = NULL;

  f->options.require_trusted_attestation = TRUE;
  r = register_ok (f, &error);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_UNTRUSTED);
}

/* Full packed attestation with a certificate path of our own making. */
typedef struct
{
  SesameTestCert *root;
  SesameTestCert *leaf;
  gint64 now;
} Pki;

static void
pki_init (Pki        *pki,
          const char *leaf_subject,
          gboolean    leaf_is_ca,
          gint64      leaf_not_after)
{
  pki->now = g_get_real_time () / G_USEC_PER_SEC;
  pki->root = sesame_test_cert_new ("/C=AA/O=Sesame tests/CN=Test Root", NULL, NULL, TRUE, 1,
                                    pki->now - 86400, pki->now + 86400 * 365);
  pki->leaf = sesame_test_cert_new (leaf_subject, pki->root, NULL, leaf_is_ca, 42,
                                    pki->now - 86400, leaf_not_after);
}

static void
pki_clear (Pki *pki)
{
  sesame_test_cert_free (pki->root);
  sesame_test_cert_free (pki->leaf);
}

#define GOOD_LEAF "/C=AA/O=Sesame tests/OU=Authenticator Attestation/CN=Test Authenticator"

static SesameRegistration *
register_x5c (Fixture *f,
              Pki     *pki,
              GError **error)
{
  g_autoptr(GBytes) cd = sesame_test_client_data ("webauthn.create", f->challenge, ORIGIN, NULL);
  g_autoptr(GBytes) ad = sesame_test_auth_data (RP_ID, FLAGS_OK, 0, f->authenticator, NULL);
  g_autoptr(GBytes) object = sesame_test_packed_x5c (&pki->leaf, 1, ad, cd);

  return sesame_verify_registration (&f->options, cd, object, error);
}

static void
test_packed_x5c_anchored (Fixture      *f,
                          gconstpointer data)
{
  g_autoptr(SesameTrustAnchors) anchors = sesame_trust_anchors_new ();
  g_autoptr(SesameTrustAnchors) other_format = sesame_trust_anchors_new ();
  g_autoptr(GBytes) root_der = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) unanchored = NULL;
  g_autoptr(SesameRegistration) anchored = NULL;
  g_autoptr(SesameRegistration) wrong_format = NULL;
  Pki pki;

  pki_init (&pki, GOOD_LEAF, FALSE, g_get_real_time () / G_USEC_PER_SEC + 86400 * 30);
  root_der = sesame_test_cert_der (pki.root);

  unanchored = register_x5c (f, &pki, &error);
  g_assert_no_error (error);
  g_assert_cmpint (unanchored->attestation_type, ==, SESAME_ATTESTATION_TYPE_BASIC);
  g_assert_false (unanchored->trust_anchored);
  g_assert_cmpuint (unanchored->certificates->len, ==, 1);

  g_assert_true (sesame_trust_anchors_add_der (anchors, "packed", g_bytes_get_data (root_der, NULL),
                                               g_bytes_get_size (root_der), &error));
  f->options.trust_anchors = anchors;
  f->options.require_trusted_attestation = TRUE;
  anchored = register_x5c (f, &pki, &error);
  g_assert_no_error (error);
  g_assert_true (anchored->trust_anchored);
  g_assert_nonnull (strstr (anchored->trust_detail, "Test Root"));

  /* An anchor for another format does not vouch for packed. */
  g_assert_true (sesame_trust_anchors_add_der (other_format, "tpm",
                                               g_bytes_get_data (root_der, NULL),
                                               g_bytes_get_size (root_der), &error));
  f->options.trust_anchors = other_format;
  wrong_format = register_x5c (f, &pki, &error);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_UNTRUSTED);
  pki_clear (&pki);
}

static void
test_packed_x5c_expired (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(SesameTrustAnchors) anchors = sesame_trust_anchors_new ();
  g_autoptr(GBytes) root_der = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r = NULL;
  g_autoptr(SesameRegistration) then = NULL;
  Pki pki;

  pki_init (&pki, GOOD_LEAF, FALSE, g_get_real_time () / G_USEC_PER_SEC - 3600);
  root_der = sesame_test_cert_der (pki.root);
  sesame_trust_anchors_add_der (anchors, NULL, g_bytes_get_data (root_der, NULL),
                                g_bytes_get_size (root_der), &error);
  f->options.trust_anchors = anchors;

  r = register_x5c (f, &pki, &error);
  g_assert_no_error (error);
  g_assert_false (r->trust_anchored);
  g_assert_nonnull (strstr (r->trust_detail, "expired"));

  /* Judged at a time when the certificate was valid, it is anchored. */
  f->options.verification_time = pki.now - 7200;
  then = register_x5c (f, &pki, &error);
  g_assert_no_error (error);
  g_assert_true (then->trust_anchored);
  pki_clear (&pki);
}

static void
test_packed_x5c_revoked (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(SesameTrustAnchors) anchors = sesame_trust_anchors_new ();
  g_autoptr(GBytes) root_der = NULL;
  g_autoptr(GBytes) crl = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) r = NULL;
  Pki pki;

  pki_init (&pki, GOOD_LEAF, FALSE, g_get_real_time () / G_USEC_PER_SEC + 86400);
  root_der = sesame_test_cert_der (pki.root);
  crl = sesame_test_crl_der (pki.root, 42, pki.now - 60);
  sesame_trust_anchors_add_der (anchors, NULL, g_bytes_get_data (root_der, NULL),
                                g_bytes_get_size (root_der), &error);
  g_assert_true (sesame_trust_anchors_add_crl_der (anchors, g_bytes_get_data (crl, NULL),
                                                   g_bytes_get_size (crl), &error));
  g_assert_no_error (error);
  f->options.trust_anchors = anchors;

  r = register_x5c (f, &pki, &error);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_REVOKED);
  g_assert_nonnull (strstr (error->message, "Test Authenticator"));
  pki_clear (&pki);
}

static void
test_packed_x5c_certificate_rules (Fixture      *f,
                                   gconstpointer data)
{
  gint64 later = g_get_real_time () / G_USEC_PER_SEC + 86400;
  struct { const char *subject; gboolean ca; const char *needle; } cases[] = {
    { "/C=AA/O=Sesame tests/OU=Something Else/CN=Test", FALSE, "Authenticator Attestation" },
    { "/O=Sesame tests/OU=Authenticator Attestation/CN=Test", FALSE, "country" },
    { "/C=AA/OU=Authenticator Attestation/CN=Test", FALSE, "organization" },
    { "/C=AA/O=Sesame tests/OU=Authenticator Attestation", FALSE, "common name" },
    { GOOD_LEAF, TRUE, "CA" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SesameRegistration) r = NULL;
      Pki pki;

      pki_init (&pki, cases[i].subject, cases[i].ca, later);
      r = register_x5c (f, &pki, &error);
      g_assert_error (error, SESAME_WEBAUTHN_ERROR,
                      SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].needle));
      pki_clear (&pki);
    }
}

static void
add (const char *path,
     void      (*func) (Fixture *, gconstpointer),
     int         alg)
{
  g_test_add (path, Fixture, GINT_TO_POINTER (alg), fixture_set_up, func, fixture_tear_down);
}

int
main (int    argc,
      char **argv)
{
  static const struct { const char *name; int alg; } algs[] = {
    { "es256", SESAME_COSE_ALG_ES256 }, { "es384", SESAME_COSE_ALG_ES384 },
    { "es512", SESAME_COSE_ALG_ES512 }, { "eddsa", SESAME_COSE_ALG_EDDSA },
    { "ed448", SESAME_COSE_ALG_ED448 }, { "rs256", SESAME_COSE_ALG_RS256 },
    { "ps256", SESAME_COSE_ALG_PS256 },
  };

  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (algs); i++)
    {
      g_autofree char *path = g_strdup_printf ("/sesame/registration/packed-self/%s", algs[i].name);
      add (path, test_valid, algs[i].alg);
    }
  add ("/sesame/registration/none", test_none, 0);
  add ("/sesame/registration/none-with-statement", test_none_with_statement, 0);
  add ("/sesame/registration/duplicate-statement-key", test_duplicate_statement_key, 0);
  add ("/sesame/registration/client-data/type", test_type, 0);
  add ("/sesame/registration/client-data/challenge", test_challenge, 0);
  add ("/sesame/registration/client-data/replayed-challenge", test_replayed_challenge, 0);
  add ("/sesame/registration/client-data/origin", test_origin, 0);
  add ("/sesame/registration/client-data/second-origin", test_second_origin, 0);
  add ("/sesame/registration/client-data/cross-origin", test_cross_origin, 0);
  add ("/sesame/registration/client-data/top-origin", test_top_origin, 0);
  add ("/sesame/registration/client-data/token-binding", test_token_binding, 0);
  add ("/sesame/registration/auth-data/rp-id", test_rp_id, 0);
  add ("/sesame/registration/auth-data/user-presence", test_user_presence, 0);
  add ("/sesame/registration/auth-data/user-verification", test_user_verification, 0);
  add ("/sesame/registration/auth-data/backup-state", test_backup_state, 0);
  add ("/sesame/registration/auth-data/no-attested-data", test_no_attested_data, 0);
  add ("/sesame/registration/auth-data/extensions", test_extensions, 0);
  add ("/sesame/registration/algorithm-not-allowed", test_algorithm_not_allowed, 0);
  add ("/sesame/registration/formats", test_formats, 0);
  add ("/sesame/registration/packed-self/tampered", test_packed_self_tampered, 0);
  add ("/sesame/registration/malformed-object", test_malformed_object, 0);
  add ("/sesame/registration/untrusted-required", test_untrusted_required, 0);
  add ("/sesame/registration/packed-x5c/anchored", test_packed_x5c_anchored, 0);
  add ("/sesame/registration/packed-x5c/expired", test_packed_x5c_expired, 0);
  add ("/sesame/registration/packed-x5c/revoked", test_packed_x5c_revoked, 0);
  add ("/sesame/registration/packed-x5c/certificate-rules", test_packed_x5c_certificate_rules, 0);
  return g_test_run ();
}
