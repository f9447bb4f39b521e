/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Authentication (§7.2): a valid assertion from a software authenticator,
 * then each check shown failing on its own, with its own error code. */

#include "config.h"

#include "sesame-authenticator-data.h"
#include "sesame-base64.h"
#include "sesame-test-authenticator.h"
#include "sesame-webauthn.h"

#include <string.h>

#define RP_ID "localhost"
#define ORIGIN "http://localhost:3000"
#define FLAGS_OK (SESAME_AUTH_DATA_FLAG_UP | SESAME_AUTH_DATA_FLAG_UV)

typedef struct
{
  SesameTestAuthenticator *authenticator;
  SesameCoseKey *key;
  GBytes *challenge;
  GBytes *user_handle;
  const char *origins[2];
  const char *rp_ids[2];
  SesameVerifyOptions options;
  SesameStoredCredential stored;
} Fixture;

static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  int alg = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;

  f->authenticator = sesame_test_authenticator_new (alg ? alg : SESAME_COSE_ALG_ES256);
  f->key = sesame_cose_key_new_from_cbor (g_bytes_get_data (f->authenticator->cose_key, NULL),
                                          g_bytes_get_size (f->authenticator->cose_key),
                                          NULL, &error);
  g_assert_no_error (error);
  f->challenge = g_bytes_new ("fedcba9876543210fedcba9876543210", 32);
  f->user_handle = g_bytes_new ("user-alice", 10);
  f->origins[0] = ORIGIN;
  f->rp_ids[0] = RP_ID;
  sesame_verify_options_init (&f->options);
  f->options.challenge = f->challenge;
  f->options.origins = f->origins;
  f->options.rp_ids = f->rp_ids;
  f->stored.credential_id = f->authenticator->credential_id;
  f->stored.public_key = f->key;
  f->stored.sign_count = 10;
  f->stored.user_handle = f->user_handle;
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data)
{
  sesame_cose_key_unref (f->key);
  sesame_test_authenticator_free (f->authenticator);
  g_bytes_unref (f->challenge);
  g_bytes_unref (f->user_handle);
}

typedef struct
{
  const char *type;
  const char *origin;
  const char *rp_id;
  guint8 flags;
  guint32 count;
  gboolean attested;
} Ceremony;

static const Ceremony ok = { "webauthn.get", ORIGIN, RP_ID, FLAGS_OK, 11, FALSE };

static SesameAssertion *
authenticate (Fixture        *f,
              const Ceremony *c,
              GError        **error)
{
  g_autoptr(GBytes) cd = sesame_test_client_data (c->type, f->challenge, c->origin, NULL);
  g_autoptr(GBytes) ad = sesame_test_auth_data (c->rp_id, c->flags, c->count,
                                                c->attested ? f->authenticator : NULL, NULL);
  g_autoptr(GBytes) sig = sesame_test_authenticator_sign (f->authenticator, ad, cd);

  return sesame_verify_authentication (&f->options, &f->stored, cd, ad, sig, f->user_handle,
                                       error);
}

static void
test_valid (Fixture      *f,
            gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameAssertion) a = authenticate (f, &ok, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (a->sign_count, ==, 11);
  g_assert_true (a->user_verified);
  g_assert_false (a->backup_state_changed);
}

static void
test_tampered (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(GBytes) cd = sesame_test_client_data ("webauthn.get", f->challenge, ORIGIN, NULL);
  g_autoptr(GBytes) other_cd = sesame_test_client_data ("webauthn.get", f->challenge, ORIGIN,
                                                        "\"crossOrigin\":false");
  g_autoptr(GBytes) ad = sesame_test_auth_data (RP_ID, FLAGS_OK, 11, NULL, NULL);
  g_autoptr(GBytes) other_ad = sesame_test_auth_data (RP_ID, FLAGS_OK, 12, NULL, NULL);
  g_autoptr(GBytes) sig = sesame_test_authenticator_sign (f->authenticator, ad, cd);
  g_autoptr(GByteArray) flipped = g_byte_array_new ();
  g_autoptr(GBytes) flipped_sig = NULL;
  g_autoptr(SesameTestAuthenticator) other = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(GBytes) other_sig = sesame_test_authenticator_sign (other, ad, cd);
  GError *error = NULL;

  /* a flipped signature byte */
  g_byte_array_append (flipped, g_bytes_get_data (sig, NULL), g_bytes_get_size (sig));
  flipped->data[flipped->len / 2] ^= 0x40;
  flipped_sig = g_byte_array_free_to_bytes (g_steal_pointer (&flipped));
  g_assert_null (sesame_verify_authentication (&f->options, &f->stored, cd, ad, flipped_sig,
                                               NULL, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGNATURE_INVALID);
  g_clear_error (&error);

  /* clientDataJSON swapped for another that passes every client data check */
  g_assert_null (sesame_verify_authentication (&f->options, &f->stored, other_cd, ad, sig,
                                               NULL, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGNATURE_INVALID);
  g_clear_error (&error);

  /* authenticator data swapped (a higher counter the authenticator never signed) */
  g_assert_null (sesame_verify_authentication (&f->options, &f->stored, cd, other_ad, sig,
                                               NULL, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGNATURE_INVALID);
  g_clear_error (&error);

  /* signed by another key */
  g_assert_null (sesame_verify_authentication (&f->options, &f->stored, cd, ad, other_sig,
                                               NULL, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGNATURE_INVALID);
  g_clear_error (&error);
}

static void
test_client_data_checks (Fixture      *f,
                         gconstpointer data)
{
  Ceremony wrong_type = ok, wrong_origin = ok;
  g_autoptr(GBytes) other = g_bytes_new ("a challenge that was never issued", 33);
  g_autoptr(GBytes) cd = sesame_test_client_data ("webauthn.get", other, ORIGIN, NULL);
  g_autoptr(GBytes) ad = sesame_test_auth_data (RP_ID, FLAGS_OK, 11, NULL, NULL);
  g_autoptr(GBytes) sig = sesame_test_authenticator_sign (f->authenticator, ad, cd);
  GError *error = NULL;

  wrong_type.type = "webauthn.create";
  g_assert_null (authenticate (f, &wrong_type, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_TYPE_MISMATCH);
  g_clear_error (&error);

  wrong_origin.origin = "https://evil.example";
  g_assert_null (authenticate (f, &wrong_origin, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ORIGIN_MISMATCH);
  g_assert_nonnull (strstr (error->message, "https://evil.example"));
  g_clear_error (&error);

  g_assert_null (sesame_verify_authentication (&f->options, &f->stored, cd, ad, sig, NULL, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_CHALLENGE_MISMATCH);
  g_clear_error (&error);

  f->options.challenge_used = TRUE;
  g_assert_null (authenticate (f, &ok, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_CHALLENGE_REPLAYED);
  g_clear_error (&error);
}

static void
test_auth_data_checks (Fixture      *f,
                       gconstpointer data)
{
  Ceremony other_rp = ok, no_up = ok, no_uv = ok, bs_only = ok, attested = ok;
  g_autoptr(SesameAssertion) without_uv = NULL;
  GError *error = NULL;

  other_rp.rp_id = "example.com";
  g_assert_null (authenticate (f, &other_rp, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_RP_ID_MISMATCH);
  g_clear_error (&error);

  no_up.flags = SESAME_AUTH_DATA_FLAG_UV;
  g_assert_null (authenticate (f, &no_up, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_USER_NOT_PRESENT);
  g_clear_error (&error);

  no_uv.flags = SESAME_AUTH_DATA_FLAG_UP;
  without_uv = authenticate (f, &no_uv, &error);
  g_assert_no_error (error);
  g_assert_false (without_uv->user_verified);
  f->options.require_user_verification = TRUE;
  g_assert_null (authenticate (f, &no_uv, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_USER_NOT_VERIFIED);
  g_clear_error (&error);

  bs_only.flags = FLAGS_OK | SESAME_AUTH_DATA_FLAG_BS;
  g_assert_null (authenticate (f, &bs_only, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BACKUP_STATE_INVALID);
  g_clear_error (&error);

  attested.flags = FLAGS_OK | SESAME_AUTH_DATA_FLAG_AT;
  attested.attested = TRUE;
  g_assert_null (authenticate (f, &attested, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTED_DATA_UNEXPECTED);
  g_clear_error (&error);
}

static void
test_sign_count (Fixture      *f,
                 gconstpointer data)
{
  Ceremony same = ok, lower = ok, zero = ok;
  g_autoptr(SesameAssertion) both_zero = NULL;
  g_autoptr(SesameAssertion) first_use = NULL;
  GError *error = NULL;

  same.count = 10;
  g_assert_null (authenticate (f, &same, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGN_COUNT_REGRESSION);
  g_assert_nonnull (strstr (error->message, "10"));
  g_clear_error (&error);

  lower.count = 3;
  g_assert_null (authenticate (f, &lower, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGN_COUNT_REGRESSION);
  g_clear_error (&error);

  /* An authenticator that does not count (0) after one that did is a regression too. */
  zero.count = 0;
  g_assert_null (authenticate (f, &zero, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGN_COUNT_REGRESSION);
  g_clear_error (&error);

  /* Both zero: a counter-less authenticator, accepted. */
  f->stored.sign_count = 0;
  both_zero = authenticate (f, &zero, &error);
  g_assert_no_error (error);
  first_use = authenticate (f, &ok, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first_use->sign_count, ==, 11);
}

static void
test_backup_flags (Fixture      *f,
                   gconstpointer data)
{
  Ceremony synced = ok, not_eligible = ok;
  g_autoptr(SesameAssertion) a = NULL;
  GError *error = NULL;

  f->stored.has_backup_flags = TRUE;
  f->stored.backup_eligible = TRUE;
  f->stored.backed_up = FALSE;

  synced.flags = FLAGS_OK | SESAME_AUTH_DATA_FLAG_BE | SESAME_AUTH_DATA_FLAG_BS;
  a = authenticate (f, &synced, &error);
  g_assert_no_error (error);
  g_assert_true (a->backed_up);
  g_assert_true (a->backup_state_changed);

  not_eligible.flags = FLAGS_OK;
  g_assert_null (authenticate (f, &not_eligible, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BACKUP_ELIGIBILITY_CHANGED);
  g_clear_error (&error);
}

static void
test_user_handle (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(GBytes) cd = sesame_test_client_data ("webauthn.get", f->challenge, ORIGIN, NULL);
  g_autoptr(GBytes) ad = sesame_test_auth_data (RP_ID, FLAGS_OK, 11, NULL, NULL);
  g_autoptr(GBytes) sig = sesame_test_authenticator_sign (f->authenticator, ad, cd);
  g_autoptr(GBytes) mallory = g_bytes_new ("user-mallory", 12);
  g_autoptr(SesameAssertion) without = NULL;
  GError *error = NULL;

  g_assert_null (sesame_verify_authentication (&f->options, &f->stored, cd, ad, sig, mallory,
                                               &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_USER_HANDLE_MISMATCH);
  g_clear_error (&error);

  /* A non-discoverable credential may answer without a user handle. */
  without = sesame_verify_authentication (&f->options, &f->stored, cd, ad, sig, NULL, &error);
  g_assert_no_error (error);
}

static JsonNode *
credential_json (const char *id,
                 GBytes     *cd,
                 GBytes     *ad,
                 GBytes     *sig)
{
  g_autofree char *cd64 = sesame_base64url_encode_bytes (cd);
  g_autofree char *ad64 = sesame_base64url_encode_bytes (ad);
  g_autofree char *sig64 = sesame_base64url_encode_bytes (sig);
  g_autofree char *json = g_strdup_printf (
    "{\"id\":\"%s\",\"rawId\":\"%s\",\"type\":\"public-key\",\"response\":"
    "{\"clientDataJSON\":\"%s\",\"authenticatorData\":\"%s\",\"signature\":\"%s\","
    "\"userHandle\":null},\"clientExtensionResults\":{}}", id, id, cd64, ad64, sig64);

  return json_from_string (json, NULL);
}

static void
test_json (Fixture      *f,
           gconstpointer data)
{
  g_autoptr(GBytes) cd = sesame_test_client_data ("webauthn.get", f->challenge, ORIGIN, NULL);
  g_autoptr(GBytes) ad = sesame_test_auth_data (RP_ID, FLAGS_OK, 11, NULL, NULL);
  g_autoptr(GBytes) sig = sesame_test_authenticator_sign (f->authenticator, ad, cd);
  g_autofree char *id = sesame_base64url_encode_bytes (f->authenticator->credential_id);
  g_autoptr(JsonNode) good = credential_json (id, cd, ad, sig);
  g_autoptr(JsonNode) other = credential_json ("AAAAAAAAAAAAAAAAAAAAAA", cd, ad, sig);
  g_autoptr(JsonNode) bad64 = credential_json ("not+base64url", cd, ad, sig);
  g_autoptr(SesameCredentialJson) parsed = NULL;
  g_autoptr(SesameCredentialJson) parsed_other = NULL;
  g_autoptr(SesameAssertion) a = NULL;
  GError *error = NULL;

  parsed = sesame_credential_json_parse (good, FALSE, &error);
  g_assert_no_error (error);
  g_assert_null (parsed->user_handle);
  a = sesame_verify_authentication_json (&f->options, &f->stored, parsed, &error);
  g_assert_no_error (error);

  parsed_other = sesame_credential_json_parse (other, FALSE, &error);
  g_assert_no_error (error);
  g_assert_null (sesame_verify_authentication_json (&f->options, &f->stored, parsed_other, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_CREDENTIAL_ID_MISMATCH);
  g_clear_error (&error);

  g_assert_null (sesame_credential_json_parse (bad64, FALSE, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_BASE64URL);
  g_clear_error (&error);
}

static void
test_json_shape (void)
{
  static const char * const bad[] = {
    "[]",
    "{\"id\":\"AA\",\"rawId\":\"AA\",\"type\":\"secret\",\"response\":{}}",
    "{\"id\":1,\"rawId\":\"AA\",\"type\":\"public-key\",\"response\":{}}",
    "{\"id\":\"AA\",\"rawId\":\"AQ\",\"type\":\"public-key\",\"response\":{}}",
    "{\"id\":\"AA\",\"rawId\":\"AA\",\"type\":\"public-key\"}",
    "{\"id\":\"AA\",\"rawId\":\"AA\",\"type\":\"public-key\",\"response\":{\"clientDataJSON\":5}}",
    "{\"id\":\"AA\",\"rawId\":\"AA\",\"type\":\"public-key\",\"response\":"
      "{\"clientDataJSON\":\"e30\",\"authenticatorData\":\"AA\"}}",
  };
  static const SesameWebauthnError codes[] = {
    SESAME_WEBAUTHN_ERROR_BAD_CREDENTIAL, SESAME_WEBAUTHN_ERROR_BAD_CREDENTIAL,
    SESAME_WEBAUTHN_ERROR_BAD_CREDENTIAL, SESAME_WEBAUTHN_ERROR_CREDENTIAL_ID_MISMATCH,
    SESAME_WEBAUTHN_ERROR_BAD_CREDENTIAL, SESAME_WEBAUTHN_ERROR_BAD_CREDENTIAL,
    SESAME_WEBAUTHN_ERROR_BAD_CREDENTIAL,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) node = json_from_string (bad[i], NULL);
      g_autoptr(GError) error = NULL;

      g_assert_null (sesame_credential_json_parse (node, FALSE, &error));
      g_assert_error (error, SESAME_WEBAUTHN_ERROR, (int) codes[i]);
    }
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
      g_autofree char *valid = g_strdup_printf ("/sesame/authentication/valid/%s", algs[i].name);
      g_autofree char *tampered = g_strdup_printf ("/sesame/authentication/tampered/%s",
                                                   algs[i].name);
      g_test_add (valid, Fixture, GINT_TO_POINTER (algs[i].alg), fixture_set_up, test_valid,
                  fixture_tear_down);
      g_test_add (tampered, Fixture, GINT_TO_POINTER (algs[i].alg), fixture_set_up,
                  test_tampered, fixture_tear_down);
    }
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/sesame/authentication/client-data", test_client_data_checks);
  ADD ("/sesame/authentication/auth-data", test_auth_data_checks);
  ADD ("/sesame/authentication/sign-count", test_sign_count);
  ADD ("/sesame/authentication/backup-flags", test_backup_flags);
  ADD ("/sesame/authentication/user-handle", test_user_handle);
  ADD ("/sesame/authentication/json", test_json);
#undef ADD
  g_test_add_func ("/sesame/authentication/json-shape", test_json_shape);
  return g_test_run ();
}
