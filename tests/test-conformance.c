/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Runs every case of tests/vectors (see tests/vectors/README.md for where
 * they come from) and checks the expected outcome: a verified case must
 * verify, and reach its trust anchors when the case supplies them; a
 * rejected case must be rejected for the reason upstream gives, which is
 * mapped to our own error code below. Known gaps are reported as TODO, not
 * as passes, and must still fail in exactly the way the gap says. */

#include "config.h"

#include "sesame-test-util.h"
#include "sesame-webauthn.h"

#include <string.h>

typedef struct
{
  const char *needle;           /* a substring of expected.error */
  SesameWebauthnError code;
} ErrorMapping;

/* Most specific first. */
static const ErrorMapping error_map[] = {
  { "InvalidCBORData", SESAME_WEBAUTHN_ERROR_BAD_CBOR },
  { "token_binding", SESAME_WEBAUTHN_ERROR_TOKEN_BINDING_INVALID },
  { "response challenge", SESAME_WEBAUTHN_ERROR_CHALLENGE_MISMATCH },
  { "response origin", SESAME_WEBAUTHN_ERROR_ORIGIN_MISMATCH },
  { "response type", SESAME_WEBAUTHN_ERROR_TYPE_MISMATCH },
  { "Unexpected RP ID", SESAME_WEBAUTHN_ERROR_RP_ID_MISMATCH },
  { "device integrity", SESAME_WEBAUTHN_ERROR_SAFETYNET_DEVICE_INTEGRITY },
  { "1.3.6.1.4.1.45724.1.1.4", SESAME_WEBAUTHN_ERROR_ATTESTATION_AAGUID_MISMATCH },
  { "revoked certificate", SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_REVOKED },
  { "User verification is required", SESAME_WEBAUTHN_ERROR_USER_NOT_VERIFIED },
  { "counter value", SESAME_WEBAUTHN_ERROR_SIGN_COUNT_REGRESSION },
  { "signature", SESAME_WEBAUTHN_ERROR_SIGNATURE_INVALID },
};

/* Cases rejected, as expected, but for a reason that comes earlier in the
 * spec's order than the one upstream names. */
static const struct
{
  const char *name;
  SesameWebauthnError code;
} refined_reasons[] = {
  /* The stored credential is another one than the response names; §7.2
   * step 6 (the response's credential must be the one looked up) comes
   * before the signature check that upstream fails on. */
  { "simplewebauthn/return-authenticator-extension-output-2",
    SESAME_WEBAUTHN_ERROR_CREDENTIAL_ID_MISMATCH },
};

/* Cases whose expected outcome cannot be reached here, and why. Each must
 * still end with the error named, so a change in behaviour is noticed. */
typedef struct
{
  const char *name;
  gboolean expect_error;        /* FALSE: we verify it where upstream rejects */
  SesameWebauthnError code;
  const char *reason;
} KnownGap;

static const KnownGap known_gaps[] = {
  { "py_webauthn/verify_ml_dsa_44_response", TRUE, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM,
    "ML-DSA needs OpenSSL 3.5; Debian 12 has 3.0" },
  { "py_webauthn/verify_ml_dsa_65_response", TRUE, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM,
    "ML-DSA needs OpenSSL 3.5; Debian 12 has 3.0" },
  { "py_webauthn/verify_ml_dsa_87_response", TRUE, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM,
    "ML-DSA needs OpenSSL 3.5; Debian 12 has 3.0" },
  { "simplewebauthn/safetynet-safetyNetUsingGSR1RootCert", FALSE, 0,
    "upstream learns of the revocation from Google's live CRL; the vector carries no CRL and "
    "there is no network here (revocation itself is tested with a local CRL in test-registration)" },
};

static const KnownGap *
find_gap (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (known_gaps); i++)
    if (g_str_equal (known_gaps[i].name, name))
      return &known_gaps[i];
  return NULL;
}

static SesameWebauthnError
expected_code (const char *name,
               const char *expected_error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (refined_reasons); i++)
    if (g_str_equal (refined_reasons[i].name, name))
      return refined_reasons[i].code;
  for (gsize i = 0; i < G_N_ELEMENTS (error_map); i++)
    if (strstr (expected_error, error_map[i].needle))
      return error_map[i].code;
  g_error ("no error code mapped for expected error \"%s\"", expected_error);
}

static JsonObject *
expected_of (JsonObject *test_case)
{
  return json_object_get_object_member (test_case, "expected");
}

static void
check_outcome (JsonObject *test_case,
               gboolean    verified,
               GError     *error,
               gboolean    anchored,
               guint       n_anchors)
{
  const char *name = json_object_get_string_member (test_case, "name");
  JsonObject *expected = expected_of (test_case);
  const char *outcome = json_object_get_string_member (expected, "outcome");
  const KnownGap *gap = find_gap (name);

  if (gap)
    {
      if (gap->expect_error)
        g_assert_error (error, SESAME_WEBAUTHN_ERROR, (int) gap->code);
      else
        g_assert_no_error (error);
      g_test_incomplete (gap->reason);
      return;
    }

  if (g_str_equal (outcome, "verified"))
    {
      g_assert_no_error (error);
      g_assert_true (verified);
      /* Where the case brings the roots for its format and the
       * attestation has a certificate path, the path must actually reach
       * them, at the case's verification time. */
      if (n_anchors > 0)
        g_assert_true (anchored);
    }
  else
    {
      const char *reason = json_object_get_string_member (expected, "error");
      g_assert_false (verified);
      g_assert_error (error, SESAME_WEBAUTHN_ERROR, (int) expected_code (name, reason));
      g_test_message ("rejected as expected: %s", error->message);
    }
}

static void
test_registration (gconstpointer data)
{
  JsonObject *test_case = json_node_get_object ((JsonNode *) data);
  const char *fmt = json_object_get_string_member (test_case, "fmt");
  g_autoptr(SesameTestExpectations) e = sesame_test_expectations_new (test_case, fmt);
  g_autoptr(SesameCredentialJson) credential = NULL;
  g_autoptr(SesameRegistration) registration = NULL;
  g_autoptr(GError) error = NULL;

  credential = sesame_credential_json_parse (json_object_get_member (test_case, "credential"),
                                             TRUE, &error);
  g_assert_no_error (error);
  registration = sesame_verify_registration_json (&e->options, credential, &error);

  if (registration)
    {
      g_test_message ("%s attestation, type %s: %s", registration->fmt,
                      sesame_attestation_type_to_string (registration->attestation_type),
                      registration->trust_detail);
      g_assert_cmpstr (registration->fmt, ==, fmt);
      if (json_object_has_member (test_case, "expectedCredentialPublicKey"))
        {
          g_autoptr(GBytes) want = sesame_test_b64url (
            json_object_get_string_member (test_case, "expectedCredentialPublicKey"));
          g_assert_true (g_bytes_equal (want, sesame_cose_key_get_encoded (
                                          registration->auth_data->public_key)));
        }
    }
  check_outcome (test_case, registration != NULL, error,
                 registration && registration->trust_anchored,
                 registration && registration->certificates->len > 0 ? e->n_anchors_for_fmt : 0);
}

static void
test_authentication (gconstpointer data)
{
  JsonObject *test_case = json_node_get_object ((JsonNode *) data);
  JsonObject *stored_json = json_object_get_object_member (test_case, "storedCredential");
  g_autoptr(SesameTestExpectations) e = sesame_test_expectations_new (test_case, NULL);
  g_autoptr(SesameCredentialJson) credential = NULL;
  g_autoptr(SesameAssertion) assertion = NULL;
  g_autoptr(SesameCoseKey) key = NULL;
  g_autoptr(GBytes) key_bytes = NULL;
  g_autoptr(GBytes) stored_id = NULL;
  g_autoptr(GError) error = NULL;
  SesameStoredCredential stored = { 0 };

  credential = sesame_credential_json_parse (json_object_get_member (test_case, "credential"),
                                             FALSE, &error);
  g_assert_no_error (error);

  key_bytes = sesame_test_b64url (json_object_get_string_member (stored_json, "publicKey"));
  stored_id = sesame_test_b64url (json_object_get_string_member (stored_json, "id"));
  key = sesame_cose_key_new_from_cbor (g_bytes_get_data (key_bytes, NULL),
                                       g_bytes_get_size (key_bytes), NULL, &error);
  if (key)
    {
      stored.credential_id = stored_id;
      stored.public_key = key;
      stored.sign_count = (guint32) json_object_get_int_member (stored_json, "counter");
      assertion = sesame_verify_authentication_json (&e->options, &stored, credential, &error);
    }
  check_outcome (test_case, assertion != NULL, error, FALSE, 0);
}

static void
add_cases (const char    *file,
           const char    *prefix,
           GTestDataFunc  func)
{
  g_autoptr(JsonArray) cases = sesame_test_load_cases (file);

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonNode *node = json_array_get_element (cases, i);
      JsonObject *test_case = json_node_get_object (node);
      const char *name = json_object_get_string_member (test_case, "name");
      /* Two upstream tests share a name across formats: the format keeps
       * the paths apart. */
      const char *fmt = json_object_get_string_member_with_default (test_case, "fmt", NULL);
      g_autofree char *full = fmt ? g_strdup_printf ("%s/%s", fmt, name) : g_strdup (name);
      g_autofree char *path = sesame_test_path_for_name (prefix, full);

      g_test_add_data_func_full (path, json_node_ref (node), func,
                                 (GDestroyNotify) json_node_unref);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  add_cases ("registration.json", "/sesame/conformance/registration/", test_registration);
  add_cases ("authentication.json", "/sesame/conformance/authentication/", test_authentication);
  return g_test_run ();
}
