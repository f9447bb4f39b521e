/* SPDX-License-Identifier: GPL-3.0-or-later */

/* sesame_ceremony_describe() as a library call (the app's inspector uses
 * it this way; sesame-inspect is tested through its command line): the
 * W3C packed ES256 example, verified and refused, and damaged parts that
 * must show as errors beside the parts that still decode. */

#include "config.h"

#include "sesame-base64.h"
#include "sesame-ceremony-description.h"
#include "sesame-json.h"

#define RP_ID                  "example.org"
#define ORIGIN                 "https://example.org"
#define REGISTRATION_CHALLENGE "wRhKX934BF4T3Ef1S2H1pla2ZrWQGPFthw6SVumVIBI"
#define SIGN_IN_CHALLENGE      "sRBvpGpXvvF4FRHAVX3ImKA0E9Xw8X0kRjDBlMfhrbU"

static JsonNode *
load_example (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "examples", name,
                                                 NULL);
  g_autofree char *text = NULL;
  g_autofree char *problem = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;
  JsonNode *root;

  g_file_get_contents (path, &text, &len, &error);
  g_assert_no_error (error);
  root = sesame_json_parse_strict (text, len, &problem);
  g_assert_cmpstr (problem, ==, NULL);
  return root;
}

/* Options for the example; they borrow @rp_ids and @origins. */
static void
options_for (SesameVerifyOptions *options,
             GBytes              *challenge,
             const char         **rp_ids,
             const char         **origins)
{
  sesame_verify_options_init (options);
  rp_ids[0] = RP_ID;
  rp_ids[1] = NULL;
  origins[0] = ORIGIN;
  origins[1] = NULL;
  options->challenge = challenge;
  options->rp_ids = rp_ids;
  options->origins = origins;
}

static SesameRegistration *
verify_registration (JsonNode    *root,
                     const char  *challenge_text,
                     GError     **error)
{
  g_autoptr(GBytes) challenge = sesame_base64url_decode (challenge_text, NULL);
  g_autoptr(SesameCredentialJson) credential = NULL;
  SesameVerifyOptions options;
  const char *rp_ids[2], *origins[2];

  options_for (&options, challenge, rp_ids, origins);
  credential = sesame_credential_json_parse (root, TRUE, error);
  g_assert_nonnull (credential);
  return sesame_verify_registration_json (&options, credential, error);
}

static JsonObject *
member_object (JsonObject *object,
               const char *member)
{
  g_assert_true (json_object_has_member (object, member));
  return json_object_get_object_member (object, member);
}

static void
test_registration_verified (void)
{
  g_autoptr(JsonNode) root = load_example ("registration-packed-es256.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) registration = verify_registration (root, REGISTRATION_CHALLENGE,
                                                                   &error);
  g_autoptr(JsonNode) description = NULL;
  JsonObject *object, *client_data, *auth_data, *attestation, *verdict;
  JsonArray *certificates;

  g_assert_no_error (error);
  description = sesame_ceremony_describe (SESAME_CEREMONY_REGISTRATION, root, registration, NULL,
                                          NULL);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (description));
  object = json_node_get_object (description);
  g_assert_cmpstr (json_object_get_string_member (object, "ceremony"), ==, "registration");
  g_assert_cmpstr (json_object_get_string_member (object, "credentialId"), ==,
                   json_object_get_string_member (json_node_get_object (root), "id"));

  client_data = member_object (object, "clientData");
  g_assert_cmpstr (json_object_get_string_member (client_data, "type"), ==, "webauthn.create");
  g_assert_cmpstr (json_object_get_string_member (client_data, "origin"), ==, ORIGIN);
  auth_data = member_object (object, "authenticatorData");
  g_assert_false (json_object_has_member (auth_data, "error"));
  g_assert_true (json_object_has_member (auth_data, "flags"));

  attestation = member_object (object, "attestation");
  g_assert_cmpstr (json_object_get_string_member (attestation, "fmt"), ==, "packed");
  g_assert_cmpint (json_object_get_int_member (attestation, "alg"), ==, -7);
  g_assert_cmpstr (json_object_get_string_member (attestation, "type"), ==, "basic");
  /* No anchors were given, so nothing is trusted. */
  g_assert_false (json_object_get_boolean_member (attestation, "trustAnchored"));
  certificates = json_object_get_array_member (attestation, "certificates");
  g_assert_cmpuint (json_array_get_length (certificates), ==, 1);
  g_assert_true (json_object_has_member (json_array_get_object_element (certificates, 0),
                                         "subject"));

  verdict = member_object (object, "verdict");
  g_assert_true (json_object_get_boolean_member (verdict, "verified"));
  g_assert_false (json_object_has_member (verdict, "error"));
}

/* A refusal still shows what the response carried; what only verification
 * can establish is null. */
static void
test_registration_refused (void)
{
  g_autoptr(JsonNode) root = load_example ("registration-packed-es256.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) registration = verify_registration (root, SIGN_IN_CHALLENGE,
                                                                   &error);
  g_autoptr(JsonNode) description = NULL;
  JsonObject *object, *attestation, *verdict;

  g_assert_null (registration);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_CHALLENGE_MISMATCH);
  description = sesame_ceremony_describe (SESAME_CEREMONY_REGISTRATION, root, NULL, NULL, error);
  object = json_node_get_object (description);
  g_assert_cmpstr (json_object_get_string_member (member_object (object, "clientData"),
                                                  "challenge"), ==, REGISTRATION_CHALLENGE);
  attestation = member_object (object, "attestation");
  g_assert_cmpstr (json_object_get_string_member (attestation, "fmt"), ==, "packed");
  g_assert_true (json_object_get_null_member (attestation, "type"));
  g_assert_true (json_object_get_null_member (attestation, "trustAnchored"));
  verdict = member_object (object, "verdict");
  g_assert_false (json_object_get_boolean_member (verdict, "verified"));
  g_assert_cmpstr (json_object_get_string_member (verdict, "error"), ==, "challenge_mismatch");
  g_assert_cmpstr (json_object_get_string_member (verdict, "message"), ==, error->message);
}

/* A damaged part holds error and message; the others still decode. */
static void
test_damaged_parts (void)
{
  g_autoptr(JsonNode) root = load_example ("registration-packed-es256.json");
  g_autoptr(GError) refusal = g_error_new_literal (SESAME_WEBAUTHN_ERROR,
                                                   SESAME_WEBAUTHN_ERROR_BAD_CBOR, "damaged");
  g_autoptr(JsonNode) description = NULL;
  JsonObject *response, *object, *attestation, *auth_data;

  response = json_object_get_object_member (json_node_get_object (root), "response");
  /* Valid base64url, but not a CBOR map. */
  json_object_set_string_member (response, "attestationObject", "AAAA");
  description = sesame_ceremony_describe (SESAME_CEREMONY_REGISTRATION, root, NULL, NULL,
                                          refusal);
  object = json_node_get_object (description);
  g_assert_false (json_object_has_member (member_object (object, "clientData"), "error"));
  attestation = member_object (object, "attestation");
  auth_data = member_object (object, "authenticatorData");
  g_assert_true (json_object_has_member (attestation, "error"));
  g_assert_true (json_object_has_member (attestation, "message"));
  g_assert_true (json_object_has_member (auth_data, "error"));

  /* Not base64url at all: the message names the member. */
  json_object_set_string_member (response, "clientDataJSON", "not base64url!");
  g_clear_pointer (&description, json_node_unref);
  description = sesame_ceremony_describe (SESAME_CEREMONY_REGISTRATION, root, NULL, NULL,
                                          refusal);
  object = json_node_get_object (description);
  g_assert_cmpstr (json_object_get_string_member (member_object (object, "clientData"), "error"),
                   ==, "bad_base64url");
}

/* Input that is not a credential object at all: only the ceremony and the
 * verdict. */
static void
test_not_a_credential (void)
{
  g_autoptr(GError) refusal = g_error_new_literal (SESAME_WEBAUTHN_ERROR,
                                                   SESAME_WEBAUTHN_ERROR_BAD_CREDENTIAL,
                                                   "not JSON");
  g_autoptr(JsonArray) empty = json_array_new ();
  g_autoptr(JsonNode) array = json_node_init_array (json_node_alloc (), empty);
  g_autoptr(JsonNode) none = sesame_ceremony_describe (SESAME_CEREMONY_AUTHENTICATION, NULL, NULL,
                                                       NULL, refusal);
  g_autoptr(JsonNode) other = sesame_ceremony_describe (SESAME_CEREMONY_AUTHENTICATION, array,
                                                        NULL, NULL, refusal);
  JsonNode *nodes[] = { none, other };

  for (gsize i = 0; i < G_N_ELEMENTS (nodes); i++)
    {
      JsonObject *object = json_node_get_object (nodes[i]);

      g_assert_cmpuint (json_object_get_size (object), ==, 2);
      g_assert_cmpstr (json_object_get_string_member (object, "ceremony"), ==, "authentication");
      g_assert_cmpstr (json_object_get_string_member (member_object (object, "verdict"), "error"),
                       ==, "bad_credential");
    }
}

/* An authentication with the key the registration stored. */
static void
test_authentication_verified (void)
{
  g_autoptr(JsonNode) registration_root = load_example ("registration-packed-es256.json");
  g_autoptr(JsonNode) root = load_example ("authentication-packed-es256.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) registration = NULL;
  g_autoptr(SesameCredentialJson) credential = NULL;
  g_autoptr(SesameAssertion) assertion = NULL;
  g_autoptr(GBytes) challenge = sesame_base64url_decode (SIGN_IN_CHALLENGE, NULL);
  g_autoptr(JsonNode) description = NULL;
  SesameStoredCredential stored = { 0 };
  SesameVerifyOptions options;
  const char *rp_ids[2], *origins[2];
  JsonObject *object, *verdict;

  registration = verify_registration (registration_root, REGISTRATION_CHALLENGE, &error);
  g_assert_no_error (error);
  options_for (&options, challenge, rp_ids, origins);
  credential = sesame_credential_json_parse (root, FALSE, &error);
  g_assert_no_error (error);
  stored.public_key = registration->auth_data->public_key;
  stored.sign_count = 0;
  assertion = sesame_verify_authentication_json (&options, &stored, credential, &error);
  g_assert_no_error (error);

  description = sesame_ceremony_describe (SESAME_CEREMONY_AUTHENTICATION, root, NULL, assertion,
                                          NULL);
  object = json_node_get_object (description);
  g_assert_cmpstr (json_object_get_string_member (member_object (object, "clientData"), "type"),
                   ==, "webauthn.get");
  g_assert_false (json_object_has_member (object, "attestation"));
  verdict = member_object (object, "verdict");
  g_assert_true (json_object_get_boolean_member (verdict, "verified"));
  g_assert_cmpint (json_object_get_int_member (verdict, "signCount"), ==, assertion->sign_count);
  g_assert_cmpint (json_object_get_boolean_member (verdict, "userVerified"), ==,
                   assertion->user_verified);
}

/* Without a verdict: the same parts, no verdict member, nothing that only
 * verification establishes. */
static void
test_credential_only (void)
{
  g_autoptr(JsonNode) root = load_example ("registration-packed-es256.json");
  g_autoptr(JsonNode) description = sesame_ceremony_describe_credential (SESAME_CEREMONY_REGISTRATION,
                                                                         root);
  JsonObject *object = json_node_get_object (description);

  g_assert_false (json_object_has_member (object, "verdict"));
  g_assert_cmpstr (json_object_get_string_member (member_object (object, "clientData"), "type"),
                   ==, "webauthn.create");
  g_assert_cmpstr (json_object_get_string_member (member_object (object, "attestation"), "fmt"),
                   ==, "packed");
  g_assert_true (json_object_get_null_member (member_object (object, "attestation"), "type"));
}

static const char *
check_status (JsonNode   *checks,
              const char *check)
{
  JsonArray *array = json_node_get_array (checks);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);

      if (g_str_equal (json_object_get_string_member (object, "check"), check))
        return json_object_get_string_member (object, "status");
    }
  g_assert_not_reached ();
}

/* The list of checks follows what the verifier really did: the error a
 * real refusal carries marks its check failed, those before it passed and
 * those after it not run. */
static void
test_checks (void)
{
  g_autoptr(JsonNode) root = load_example ("registration-packed-es256.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) registration = verify_registration (root, SIGN_IN_CHALLENGE,
                                                                   &error);
  g_autoptr(JsonNode) refused = NULL;
  g_autoptr(JsonNode) verified = NULL;
  g_autoptr(JsonNode) signature = NULL;
  g_autoptr(JsonNode) unknown = NULL;

  g_assert_null (registration);
  refused = sesame_ceremony_describe_checks (SESAME_CEREMONY_REGISTRATION,
                                             sesame_webauthn_error_to_string (error->code), TRUE);
  g_assert_cmpstr (check_status (refused, "response"), ==, "passed");
  g_assert_cmpstr (check_status (refused, "type"), ==, "passed");
  g_assert_cmpstr (check_status (refused, "challenge"), ==, "failed");
  g_assert_cmpstr (check_status (refused, "origin"), ==, "not-run");
  g_assert_cmpstr (check_status (refused, "attestation"), ==, "not-run");

  verified = sesame_ceremony_describe_checks (SESAME_CEREMONY_REGISTRATION, NULL, FALSE);
  g_assert_cmpstr (check_status (verified, "attestation"), ==, "passed");
  g_assert_cmpstr (check_status (verified, "user-verified"), ==, "not-required");

  signature = sesame_ceremony_describe_checks (SESAME_CEREMONY_AUTHENTICATION,
                                               "signature_invalid", TRUE);
  g_assert_cmpstr (check_status (signature, "credential-id"), ==, "passed");
  g_assert_cmpstr (check_status (signature, "user-verified"), ==, "passed");
  g_assert_cmpstr (check_status (signature, "signature"), ==, "failed");
  g_assert_cmpstr (check_status (signature, "sign-count"), ==, "not-run");

  /* Refused before verification (a rule of the tenant): nothing ran. */
  unknown = sesame_ceremony_describe_checks (SESAME_CEREMONY_AUTHENTICATION, "unknown_credential",
                                             TRUE);
  g_assert_cmpstr (check_status (unknown, "response"), ==, "not-run");
  g_assert_cmpstr (check_status (unknown, "signature"), ==, "not-run");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sesame/ceremony-description/registration-verified",
                   test_registration_verified);
  g_test_add_func ("/sesame/ceremony-description/registration-refused",
                   test_registration_refused);
  g_test_add_func ("/sesame/ceremony-description/damaged-parts", test_damaged_parts);
  g_test_add_func ("/sesame/ceremony-description/not-a-credential", test_not_a_credential);
  g_test_add_func ("/sesame/ceremony-description/authentication-verified",
                   test_authentication_verified);
  g_test_add_func ("/sesame/ceremony-description/credential-only", test_credential_only);
  g_test_add_func ("/sesame/ceremony-description/checks", test_checks);

  return g_test_run ();
}
