/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Security keys through the real libfido2 code path: the virtual key sits
 * beneath libfido2 as a HID device (fido_dev_set_io_functions), so
 * CTAPHID framing, keepalives, CANCEL, the PIN protocol and the CBOR are
 * libfido2's. Every credential and assertion it returns is verified by
 * the relying-party core as a tenant would. */

#include "config.h"

#include "sesame-authenticator-data.h"
#include "sesame-security-key.h"
#include "sesame-test-authenticator.h"
#include "sesame-virtual-key.h"
#include "sesame-webauthn.h"

#include <cbor.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <string.h>

#define RP_ID "localhost"
#define ORIGIN "http://localhost:3000"
#define PIN "1234"

static const int es256_first[] = { -7, -257 };

typedef struct
{
  SesameVirtualKey *key;
  char *path;

  GBytes *challenge;
  const char *origins[2];
  const char *rp_ids[2];
  SesameVerifyOptions options;

  GBytes *create_data;        /* clientDataJSON */
  GBytes *create_hash;
  GBytes *get_data;
  GBytes *get_hash;
  GBytes *user_handle;
} Fixture;

static GBytes *
hash_of (GBytes *data)
{
  guint8 hash[SHA256_DIGEST_LENGTH];

  SHA256 (g_bytes_get_data (data, NULL), g_bytes_get_size (data), hash);
  return g_bytes_new (hash, sizeof hash);
}

static void
plug_key (Fixture    *f,
          const char *pin)
{
  g_autoptr(GError) error = NULL;

  f->key = sesame_virtual_key_new (pin, &error);
  g_assert_no_error (error);
  f->path = sesame_security_key_plug_virtual (f->key);
}

static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  const char *pin = data;

  plug_key (f, pin);

  f->challenge = g_bytes_new ("a challenge of thirty-two bytes!", 32);
  f->origins[0] = ORIGIN;
  f->rp_ids[0] = RP_ID;
  sesame_verify_options_init (&f->options);
  f->options.challenge = f->challenge;
  f->options.origins = f->origins;
  f->options.rp_ids = f->rp_ids;

  f->create_data = sesame_test_client_data ("webauthn.create", f->challenge, ORIGIN, NULL);
  f->create_hash = hash_of (f->create_data);
  f->get_data = sesame_test_client_data ("webauthn.get", f->challenge, ORIGIN, NULL);
  f->get_hash = hash_of (f->get_data);
  f->user_handle = g_bytes_new ("handle-alice", 12);
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data)
{
  sesame_security_key_unplug_virtual (f->key);
  g_clear_object (&f->key);
  g_free (f->path);
  g_bytes_unref (f->challenge);
  g_bytes_unref (f->create_data);
  g_bytes_unref (f->create_hash);
  g_bytes_unref (f->get_data);
  g_bytes_unref (f->get_hash);
  g_bytes_unref (f->user_handle);
}

static void
create_request (Fixture                  *f,
                SesameSecurityKeyRequest *request)
{
  memset (request, 0, sizeof *request);
  request->client_data_hash = f->create_hash;
  request->rp_id = RP_ID;
  request->rp_name = "Sesame demo";
  request->user_handle = f->user_handle;
  request->user_name = "alice";
  request->user_display_name = "Alice";
  request->algorithms = es256_first;
  request->n_algorithms = G_N_ELEMENTS (es256_first);
  request->resident_key = TRUE;
  request->user_verification = SESAME_SECURITY_KEY_UV_PREFERRED;
  request->timeout_ms = 10000;
}

static void
get_request (Fixture                  *f,
             SesameSecurityKeyRequest *request)
{
  memset (request, 0, sizeof *request);
  request->client_data_hash = f->get_hash;
  request->rp_id = RP_ID;
  request->user_verification = SESAME_SECURITY_KEY_UV_PREFERRED;
  request->timeout_ms = 10000;
}

/* What the RP keeps */
typedef struct
{
  GBytes *credential_id;
  SesameCoseKey *public_key;
  guint32 sign_count;
} Registered;

static void
registered_clear (Registered *r)
{
  g_clear_pointer (&r->credential_id, g_bytes_unref);
  g_clear_pointer (&r->public_key, sesame_cose_key_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Registered, registered_clear)

/* Registers through libfido2 and has the core verify the attestation
 * object as a tenant would; returns whether UV was claimed. */
static gboolean
register_and_verify (Fixture                        *f,
                     const SesameSecurityKeyRequest *request,
                     gboolean                        require_uv,
                     Registered                     *registered)
{
  g_autoptr(SesameSoftAttestationResult) result = NULL;
  g_autoptr(SesameRegistration) registration = NULL;
  g_autoptr(GError) error = NULL;
  SesameVerifyOptions options = f->options;
  const guint8 *p;
  EVP_PKEY *spki;
  /* the attempts left, as the key said before the PIN was checked */
  int expected_retries = sesame_virtual_key_has_pin (f->key) ? sesame_virtual_key_get_pin_retries (f->key) : -1;
  int retries = 99;

  result = sesame_security_key_make_credential (f->path, request, NULL, &retries, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpint (retries, ==, expected_retries);

  options.require_user_verification = require_uv;
  registration = sesame_verify_registration (&options, f->create_data, result->attestation_object, &error);
  g_assert_no_error (error);
  g_assert_nonnull (registration);

  /* the key's own attestation: packed, signed by the credential key */
  g_assert_cmpstr (registration->fmt, ==, "packed");
  g_assert_cmpint (registration->attestation_type, ==, SESAME_ATTESTATION_TYPE_SELF);
  g_assert_true (memcmp (registration->auth_data->aaguid, sesame_virtual_key_get_aaguid (f->key), 16) == 0);
  g_assert_true (g_bytes_equal (registration->auth_data->credential_id, result->credential_id));
  g_assert_true (g_bytes_equal (registration->auth_data->raw, result->authenticator_data));
  g_assert_cmpint (sesame_cose_key_get_algorithm (registration->auth_data->public_key), ==, result->algorithm);
  g_assert_true (registration->auth_data->flags & SESAME_AUTH_DATA_FLAG_UP);
  g_assert_cmpint (!!(registration->auth_data->flags & SESAME_AUTH_DATA_FLAG_UV), ==, !!result->user_verified);

  /* getPublicKey() is the same key */
  p = g_bytes_get_data (result->public_key_der, NULL);
  spki = d2i_PUBKEY (NULL, &p, (long) g_bytes_get_size (result->public_key_der));
  g_assert_nonnull (spki);
  g_assert_true (sesame_cose_key_matches_pkey (registration->auth_data->public_key, spki));
  EVP_PKEY_free (spki);

  if (registered != NULL)
    {
      registered_clear (registered);
      registered->credential_id = g_bytes_ref (result->credential_id);
      registered->public_key = sesame_cose_key_ref (registration->auth_data->public_key);
      registered->sign_count = registration->auth_data->sign_count;
    }
  return result->user_verified;
}

static gboolean
sign_in_and_verify (Fixture                        *f,
                    const SesameSecurityKeyRequest *request,
                    gboolean                        require_uv,
                    Registered                     *registered)
{
  g_autoptr(SesameSoftAssertionResult) result = NULL;
  g_autoptr(SesameAssertion) assertion = NULL;
  g_autoptr(GError) error = NULL;
  SesameVerifyOptions options = f->options;
  SesameStoredCredential stored = { 0 };

  result = sesame_security_key_get_assertion (f->path, request, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_true (g_bytes_equal (result->credential_id, registered->credential_id));
  g_assert_nonnull (result->user_handle);
  g_assert_true (g_bytes_equal (result->user_handle, f->user_handle));

  stored.credential_id = registered->credential_id;
  stored.public_key = registered->public_key;
  stored.sign_count = registered->sign_count;
  stored.user_handle = f->user_handle;
  options.require_user_verification = require_uv;
  assertion = sesame_verify_authentication (&options, &stored, f->get_data, result->authenticator_data,
                                            result->signature, result->user_handle, &error);
  g_assert_no_error (error);
  g_assert_nonnull (assertion);
  g_assert_cmpuint (assertion->sign_count, >, registered->sign_count);
  registered->sign_count = assertion->sign_count;
  g_assert_cmpint (!!assertion->user_verified, ==, !!result->user_verified);
  return assertion->user_verified;
}

static void
test_info (Fixture      *f,
           gconstpointer data)
{
  g_autoptr(SesameSecurityKeyDetails) details = NULL;
  g_autoptr(GPtrArray) keys = sesame_security_key_list ();
  g_autoptr(GError) error = NULL;
  gboolean listed = FALSE;

  for (guint i = 0; i < keys->len; i++)
    {
      SesameSecurityKeyInfo *info = g_ptr_array_index (keys, i);

      if (g_str_equal (info->path, f->path))
        {
          listed = TRUE;
          g_assert_true (info->is_virtual);
          g_assert_cmpstr (info->product, ==, SESAME_VIRTUAL_KEY_PRODUCT_NAME);
        }
    }
  g_assert_true (listed);

  details = sesame_security_key_get_details (f->path, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) details->versions, "FIDO_2_0"));
  g_assert_true (g_strv_contains ((const char * const *) details->versions, "FIDO_2_1"));
  g_assert_cmpint (sesame_security_key_details_get_option (details, "rk"), ==, TRUE);
  g_assert_cmpint (sesame_security_key_details_get_option (details, "up"), ==, TRUE);
  g_assert_cmpint (sesame_security_key_details_get_option (details, "clientPin"), ==, FALSE);
  g_assert_cmpint (sesame_security_key_details_get_option (details, "uv"), ==, -1);
  g_assert_false (details->has_pin);
  g_assert_cmpint (details->pin_retries, ==, 8);
  g_assert_true (memcmp (details->aaguid, sesame_virtual_key_get_aaguid (f->key), 16) == 0);
  g_assert_cmpuint (details->n_algorithms, ==, 3);
  g_assert_cmpint (details->algorithms[0], ==, -7);

  /* unplugged, it is no longer listed, and cannot be opened */
  sesame_security_key_unplug_virtual (f->key);
  g_clear_pointer (&keys, g_ptr_array_unref);
  keys = sesame_security_key_list ();
  for (guint i = 0; i < keys->len; i++)
    g_assert_cmpstr (((SesameSecurityKeyInfo *) g_ptr_array_index (keys, i))->path, !=, f->path);
  g_clear_pointer (&details, sesame_security_key_details_free);
  details = sesame_security_key_get_details (f->path, NULL, &error);
  g_assert_error (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_NOT_FOUND);
  g_assert_null (details);
}

/* Registration and two sign-ins for each algorithm the key makes. */
static void
test_round_trip (Fixture      *f,
                 gconstpointer data)
{
  static const int algorithms[][2] = { { -7, -257 }, { -8, -7 }, { -257, -7 }, { -35, -8 } };
  static const int expected[] = { -7, -8, -257, -8 };

  for (gsize i = 0; i < G_N_ELEMENTS (algorithms); i++)
    {
      g_auto(Registered) registered = { 0 };
      SesameSecurityKeyRequest create, get;
      g_autoptr(GBytes) handle = g_bytes_new (&i, sizeof i);

      g_bytes_unref (f->user_handle);
      f->user_handle = g_steal_pointer (&handle);
      create_request (f, &create);
      create.algorithms = algorithms[i];
      create.n_algorithms = 2;
      /* no PIN on the key: no UV, as a key without a PIN has none */
      g_assert_false (register_and_verify (f, &create, FALSE, &registered));
      g_assert_cmpint (sesame_cose_key_get_algorithm (registered.public_key), ==, expected[i]);

      get_request (f, &get);
      g_assert_false (sign_in_and_verify (f, &get, FALSE, &registered));
      g_assert_false (sign_in_and_verify (f, &get, FALSE, &registered));
    }
}

/* A PIN on the key: registration needs it; with it both ceremonies claim
 * UV, which an RP that requires UV accepts. */
static void
test_pin_required (Fixture      *f,
                   gconstpointer data)
{
  g_auto(Registered) registered = { 0 };
  g_autoptr(SesameSoftAttestationResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SesameSecurityKeyRequest create, get;
  int retries = 0;

  create_request (f, &create);
  create.user_verification = SESAME_SECURITY_KEY_UV_DISCOURAGED;
  result = sesame_security_key_make_credential (f->path, &create, NULL, &retries, &error);
  g_assert_error (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_PIN_REQUIRED);
  g_assert_null (result);
  g_assert_cmpint (retries, ==, 8);
  g_clear_error (&error);

  create.pin = PIN;
  g_assert_true (register_and_verify (f, &create, TRUE, &registered));

  get_request (f, &get);
  get.user_verification = SESAME_SECURITY_KEY_UV_REQUIRED;
  get.pin = PIN;
  g_assert_true (sign_in_and_verify (f, &get, TRUE, &registered));

  /* UV discouraged: no PIN asked, no UV claimed */
  get.user_verification = SESAME_SECURITY_KEY_UV_DISCOURAGED;
  get.pin = NULL;
  g_assert_false (sign_in_and_verify (f, &get, FALSE, &registered));

  /* A PIN "given" to a key without one is a mistake of the caller's */
  g_assert_cmpint (sesame_virtual_key_get_pin_retries (f->key), ==, 8);
}

/* UV required on a key without a PIN: the user sets one, then it works. */
static void
test_set_pin (Fixture      *f,
              gconstpointer data)
{
  g_auto(Registered) registered = { 0 };
  g_autoptr(SesameSoftAttestationResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SesameSecurityKeyRequest create;

  create_request (f, &create);
  create.user_verification = SESAME_SECURITY_KEY_UV_REQUIRED;
  result = sesame_security_key_make_credential (f->path, &create, NULL, NULL, &error);
  g_assert_error (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_PIN_NOT_SET);
  g_assert_null (result);
  g_clear_error (&error);

  /* the key's policy is checked before anything changes */
  g_assert_false (sesame_security_key_set_pin (f->path, "12", NULL, &error));
  g_assert_error (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_PIN_POLICY);
  g_clear_error (&error);
  g_assert_false (sesame_virtual_key_has_pin (f->key));

  g_assert_true (sesame_security_key_set_pin (f->path, "4321", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (sesame_virtual_key_has_pin (f->key));

  /* a second "first PIN" is refused */
  g_assert_false (sesame_security_key_set_pin (f->path, "5678", NULL, &error));
  g_assert_error (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  create.pin = "4321";
  g_assert_true (register_and_verify (f, &create, TRUE, &registered));
}

static void
expect_pin_error (Fixture *f,
                  const char *pin,
                  int      code,
                  int      retries_left)
{
  g_autoptr(SesameSoftAttestationResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SesameSecurityKeyRequest create;
  int retries = 99;

  create_request (f, &create);
  create.pin = pin;
  result = sesame_security_key_make_credential (f->path, &create, NULL, &retries, &error);
  g_assert_error (error, SESAME_SECURITY_KEY_ERROR, code);
  g_assert_null (result);
  g_assert_cmpint (retries, ==, retries_left);
  g_assert_cmpint (sesame_virtual_key_get_pin_retries (f->key), ==, retries_left);
}

static void
replug (Fixture *f)
{
  sesame_security_key_unplug_virtual (f->key);
  g_free (f->path);
  f->path = sesame_security_key_plug_virtual (f->key);
}

/* Wrong PINs: the attempts left go down; three in a row need a replug;
 * the right PIN restores all eight. */
static void
test_wrong_pin (Fixture      *f,
                gconstpointer data)
{
  g_autoptr(GPtrArray) credentials = NULL;
  g_auto(Registered) registered = { 0 };
  SesameSecurityKeyRequest create;

  expect_pin_error (f, "0000", SESAME_SECURITY_KEY_ERROR_PIN_INVALID, 7);
  expect_pin_error (f, "1111", SESAME_SECURITY_KEY_ERROR_PIN_INVALID, 6);
  expect_pin_error (f, "2222", SESAME_SECURITY_KEY_ERROR_PIN_AUTH_BLOCKED, 5);
  /* even the right PIN until the key is plugged in again */
  expect_pin_error (f, PIN, SESAME_SECURITY_KEY_ERROR_PIN_AUTH_BLOCKED, 5);

  credentials = sesame_virtual_key_list_credentials (f->key, NULL);
  g_assert_cmpuint (credentials->len, ==, 0);

  replug (f);
  create_request (f, &create);
  create.pin = PIN;
  g_assert_true (register_and_verify (f, &create, TRUE, &registered));
  g_assert_cmpint (sesame_virtual_key_get_pin_retries (f->key), ==, 8);
}

/* Eight wrong PINs block the key for good, the right one included. */
static void
test_blocked_pin (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(SesameSecurityKeyDetails) details = NULL;
  g_autoptr(GError) error = NULL;

  for (int left = 7; left >= 1; left--)
    {
      gboolean third = (8 - left) % 3 == 0;

      expect_pin_error (f, "9999", third ? SESAME_SECURITY_KEY_ERROR_PIN_AUTH_BLOCKED
                                         : SESAME_SECURITY_KEY_ERROR_PIN_INVALID, left);
      if (third)
        replug (f);
    }
  expect_pin_error (f, "9999", SESAME_SECURITY_KEY_ERROR_PIN_BLOCKED, 0);
  replug (f);
  expect_pin_error (f, PIN, SESAME_SECURITY_KEY_ERROR_PIN_BLOCKED, 0);

  details = sesame_security_key_get_details (f->path, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (details->has_pin);
  g_assert_cmpint (details->pin_retries, ==, 0);
}

static void
test_excluded (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(SesameSoftAttestationResult) result = NULL;
  g_autoptr(GPtrArray) exclude = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) credentials = NULL;
  g_auto(Registered) registered = { 0 };
  g_auto(Registered) other = { 0 };
  g_autoptr(GError) error = NULL;
  SesameSecurityKeyRequest create;

  create_request (f, &create);
  register_and_verify (f, &create, FALSE, &registered);

  /* a credential the key does not hold does not stop it */
  g_ptr_array_add (exclude, g_bytes_new ("not on this key", 15));
  create.exclude_list = exclude;
  register_and_verify (f, &create, FALSE, &other);

  g_ptr_array_add (exclude, g_bytes_ref (other.credential_id));
  result = sesame_security_key_make_credential (f->path, &create, NULL, NULL, &error);
  g_assert_error (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_EXCLUDED);
  g_assert_null (result);

  /* nothing was added or replaced */
  credentials = sesame_virtual_key_list_credentials (f->key, NULL);
  g_assert_cmpuint (credentials->len, ==, 1);
  g_assert_true (g_bytes_equal (((SesameSoftCredential *) g_ptr_array_index (credentials, 0))->credential_id,
                                other.credential_id));
}

static void
test_no_credentials (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(SesameSoftAssertionResult) result = NULL;
  g_autoptr(GPtrArray) allow = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_auto(Registered) registered = { 0 };
  g_autoptr(GError) error = NULL;
  SesameSecurityKeyRequest create, get;

  get_request (f, &get);
  result = sesame_security_key_get_assertion (f->path, &get, NULL, NULL, &error);
  g_assert_error (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_NO_CREDENTIALS);
  g_clear_error (&error);

  create_request (f, &create);
  register_and_verify (f, &create, FALSE, &registered);

  /* another site */
  get.rp_id = "example.org";
  result = sesame_security_key_get_assertion (f->path, &get, NULL, NULL, &error);
  g_assert_error (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_NO_CREDENTIALS);
  g_clear_error (&error);

  /* this site, but the allow list names another credential */
  get.rp_id = RP_ID;
  g_ptr_array_add (allow, g_bytes_new ("someone else's", 14));
  get.exclude_list = allow;
  result = sesame_security_key_get_assertion (f->path, &get, NULL, NULL, &error);
  g_assert_error (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_NO_CREDENTIALS);
  g_clear_error (&error);

  /* with it in the list, the key answers */
  g_ptr_array_add (allow, g_bytes_ref (registered.credential_id));
  sign_in_and_verify (f, &get, FALSE, &registered);
}

/* Several discoverable credentials: libfido2 reads them all with
 * GetNextAssertion; the newest answers and verifies. */
static void
test_discoverable (Fixture      *f,
                   gconstpointer data)
{
  g_auto(Registered) first = { 0 };
  g_auto(Registered) second = { 0 };
  SesameSecurityKeyRequest create, get;

  create_request (f, &create);
  register_and_verify (f, &create, FALSE, &first);
  g_bytes_unref (f->user_handle);
  f->user_handle = g_bytes_new ("handle-bob", 10);
  create_request (f, &create);
  create.user_name = "bob";
  register_and_verify (f, &create, FALSE, &second);

  get_request (f, &get);
  sign_in_and_verify (f, &get, FALSE, &second);
}

/* UV required: the RP refuses an assertion without it, and one with the
 * PIN passes. */
static void
test_uv_required (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(SesameSoftAssertionResult) result = NULL;
  g_autoptr(SesameAssertion) assertion = NULL;
  g_auto(Registered) registered = { 0 };
  g_autoptr(GError) error = NULL;
  SesameVerifyOptions options = f->options;
  SesameStoredCredential stored = { 0 };
  SesameSecurityKeyRequest create, get;

  create_request (f, &create);
  create.user_verification = SESAME_SECURITY_KEY_UV_REQUIRED;
  create.pin = PIN;
  g_assert_true (register_and_verify (f, &create, TRUE, &registered));

  get_request (f, &get);
  get.user_verification = SESAME_SECURITY_KEY_UV_REQUIRED;
  result = sesame_security_key_get_assertion (f->path, &get, NULL, NULL, &error);
  g_assert_error (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_PIN_REQUIRED);
  g_clear_error (&error);

  /* a client that skips UV gets an assertion the RP refuses */
  get.user_verification = SESAME_SECURITY_KEY_UV_DISCOURAGED;
  result = sesame_security_key_get_assertion (f->path, &get, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (result->user_verified);
  stored.credential_id = registered.credential_id;
  stored.public_key = registered.public_key;
  stored.sign_count = registered.sign_count;
  options.require_user_verification = TRUE;
  assertion = sesame_verify_authentication (&options, &stored, f->get_data, result->authenticator_data,
                                            result->signature, result->user_handle, &error);
  g_assert_null (assertion);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_USER_NOT_VERIFIED);
  g_clear_error (&error);

  get.user_verification = SESAME_SECURITY_KEY_UV_REQUIRED;
  get.pin = PIN;
  g_assert_true (sign_in_and_verify (f, &get, TRUE, &registered));
}

/* Async ceremonies, for removal, cancel and timeout */

typedef struct
{
  GError  *error;
  gpointer result;
  gboolean done;
} Outcome;

static void
ran (GObject      *source,
     GAsyncResult *result,
     gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->result = sesame_security_key_run_finish (result, NULL, &outcome->error);
  outcome->done = TRUE;
}

static void
wait_until (gboolean (*condition) (gpointer),
            gpointer  data)
{
  gint64 limit = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!condition (data))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, limit);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

static gboolean
is_done (gpointer data)
{
  return ((Outcome *) data)->done;
}

static gboolean
is_waiting (gpointer data)
{
  return sesame_virtual_key_is_waiting_for_touch (data);
}

static gboolean
is_idle (gpointer data)
{
  return !sesame_virtual_key_is_waiting_for_touch (data);
}

static void
start_registration (Fixture      *f,
                    GCancellable *cancellable,
                    int           timeout_ms,
                    Outcome      *outcome)
{
  SesameSecurityKeyRequest create;

  create_request (f, &create);
  create.timeout_ms = timeout_ms;
  sesame_virtual_key_set_touch_delay (f->key, -1);
  sesame_security_key_run_async (f->path, SESAME_SECURITY_KEY_MAKE_CREDENTIAL, &create,
                                 cancellable, ran, outcome);
}

static void
assert_nothing_stored (Fixture *f)
{
  g_autoptr(GPtrArray) credentials = sesame_virtual_key_list_credentials (f->key, NULL);

  g_assert_cmpuint (credentials->len, ==, 0);
}

static void
test_touch (Fixture      *f,
            gconstpointer data)
{
  Outcome outcome = { 0 };

  start_registration (f, NULL, 10000, &outcome);
  wait_until (is_waiting, f->key);
  /* it keeps waiting (and sending keepalives) until touched */
  g_usleep (300 * 1000);
  g_assert_false (outcome.done);
  sesame_virtual_key_touch (f->key);
  wait_until (is_done, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_nonnull (outcome.result);
  sesame_soft_attestation_result_free (outcome.result);
}

static void
test_removed (Fixture      *f,
              gconstpointer data)
{
  Outcome outcome = { 0 };

  start_registration (f, NULL, 10000, &outcome);
  wait_until (is_waiting, f->key);
  sesame_security_key_unplug_virtual (f->key);
  wait_until (is_done, &outcome);
  g_assert_error (outcome.error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_REMOVED);
  g_assert_null (outcome.result);
  g_clear_error (&outcome.error);
  g_assert_false (sesame_virtual_key_is_waiting_for_touch (f->key));

  /* plugged back in, it still has nothing */
  replug (f);
  assert_nothing_stored (f);
}

static void
test_cancel (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Outcome outcome = { 0 };
  g_auto(Registered) registered = { 0 };
  SesameSecurityKeyRequest create;

  start_registration (f, cancellable, 10000, &outcome);
  wait_until (is_waiting, f->key);
  g_cancellable_cancel (cancellable);
  wait_until (is_done, &outcome);
  g_assert_error (outcome.error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_CANCELLED);
  g_clear_error (&outcome.error);
  /* CTAPHID_CANCEL reached the key: it no longer waits for a touch */
  g_assert_false (sesame_virtual_key_is_waiting_for_touch (f->key));
  assert_nothing_stored (f);

  /* a cancel before anything reached the key */
  memset (&outcome, 0, sizeof outcome);
  start_registration (f, cancellable, 10000, &outcome);
  wait_until (is_done, &outcome);
  g_assert_error (outcome.error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_CANCELLED);
  g_clear_error (&outcome.error);

  /* and the key works afterwards */
  sesame_virtual_key_set_touch_delay (f->key, 0);
  create_request (f, &create);
  register_and_verify (f, &create, FALSE, &registered);
}

static void
test_timeout (Fixture      *f,
              gconstpointer data)
{
  Outcome outcome = { 0 };

  start_registration (f, NULL, 400, &outcome);
  wait_until (is_done, &outcome);
  g_assert_error (outcome.error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_TIMEOUT);
  g_clear_error (&outcome.error);
  /* told to stop waiting */
  wait_until (is_idle, f->key);
  assert_nothing_stored (f);
}

/* Several keys: the one touched wins, the other stops waiting. */
typedef struct
{
  char    *path;
  GError  *error;
  gboolean done;
} Selected;

static void
selected (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Selected *s = user_data;

  s->path = sesame_security_key_select_finish (result, &s->error);
  s->done = TRUE;
}

static gboolean
is_selected (gpointer data)
{
  return ((Selected *) data)->done;
}

static void
test_select (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(SesameVirtualKey) other = sesame_virtual_key_new (NULL, NULL);
  g_autofree char *other_path = sesame_security_key_plug_virtual (other);
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();
  Selected s = { 0 };

  sesame_virtual_key_set_touch_delay (f->key, -1);
  sesame_virtual_key_set_touch_delay (other, -1);
  g_ptr_array_add (paths, f->path);
  g_ptr_array_add (paths, other_path);

  sesame_security_key_select_async (paths, 10000, NULL, selected, &s);
  wait_until (is_waiting, f->key);
  wait_until (is_waiting, other);
  sesame_virtual_key_touch (other);
  wait_until (is_selected, &s);
  g_assert_no_error (s.error);
  g_assert_cmpstr (s.path, ==, other_path);
  g_free (s.path);

  /* the first key was told to stop */
  wait_until (is_idle, f->key);
  sesame_security_key_unplug_virtual (other);
}

/* CTAPHID below libfido2: what a confused host gets. */
static int
exchange (SesameVirtualKey *key,
          const guint8     *report,
          guint8           *answer)
{
  g_assert_true (sesame_virtual_key_write_report (key, report, SESAME_VIRTUAL_KEY_REPORT_LEN));
  return sesame_virtual_key_read_report (key, answer, SESAME_VIRTUAL_KEY_REPORT_LEN, 1000);
}

static void
test_ctaphid (Fixture      *f,
              gconstpointer data)
{
  guint8 report[SESAME_VIRTUAL_KEY_REPORT_LEN] = { 0xff, 0xff, 0xff, 0xff, 0x86, 0, 8,
                                                    1, 2, 3, 4, 5, 6, 7, 8 };
  guint8 answer[SESAME_VIRTUAL_KEY_REPORT_LEN];
  guint8 cid[4];
  guint8 ping[100];

  /* INIT: the nonce back and a new channel */
  g_assert_cmpint (exchange (f->key, report, answer), ==, SESAME_VIRTUAL_KEY_REPORT_LEN);
  g_assert_cmpint (answer[4], ==, 0x86);
  g_assert_cmpint (answer[6], ==, 17);
  g_assert_true (memcmp (answer + 7, report + 7, 8) == 0);
  memcpy (cid, answer + 15, 4);
  g_assert_true (answer[23] & 0x04); /* CBOR */

  /* an unknown channel */
  memset (report, 0, sizeof report);
  memcpy (report, "\x01\x02\x03\x04", 4);
  report[4] = 0x90;
  report[6] = 1;
  report[7] = 0x04;
  g_assert_cmpint (exchange (f->key, report, answer), ==, SESAME_VIRTUAL_KEY_REPORT_LEN);
  g_assert_cmpint (answer[4], ==, 0xbf);
  g_assert_cmpint (answer[7], ==, 0x0b);

  /* PING across a continuation frame comes back whole */
  for (gsize i = 0; i < sizeof ping; i++)
    ping[i] = (guint8) i;
  memset (report, 0, sizeof report);
  memcpy (report, cid, 4);
  report[4] = 0x81;
  report[6] = sizeof ping;
  memcpy (report + 7, ping, 57);
  g_assert_true (sesame_virtual_key_write_report (f->key, report, sizeof report));
  memset (report + 4, 0, sizeof report - 4);
  report[4] = 0;
  memcpy (report + 5, ping + 57, sizeof ping - 57);
  g_assert_cmpint (exchange (f->key, report, answer), ==, SESAME_VIRTUAL_KEY_REPORT_LEN);
  g_assert_cmpint (answer[4], ==, 0x81);
  g_assert_true (memcmp (answer + 7, ping, 57) == 0);
  g_assert_cmpint (sesame_virtual_key_read_report (f->key, answer, sizeof answer, 1000), ==, 64);
  g_assert_cmpint (answer[4], ==, 0);
  g_assert_true (memcmp (answer + 5, ping + 57, sizeof ping - 57) == 0);

  /* a continuation out of sequence */
  memset (report, 0, sizeof report);
  memcpy (report, cid, 4);
  report[4] = 0x81;
  report[6] = sizeof ping;
  g_assert_true (sesame_virtual_key_write_report (f->key, report, sizeof report));
  report[4] = 3;
  g_assert_cmpint (exchange (f->key, report, answer), ==, SESAME_VIRTUAL_KEY_REPORT_LEN);
  g_assert_cmpint (answer[4], ==, 0xbf);
  g_assert_cmpint (answer[7], ==, 0x04);

  /* U2F is not spoken */
  memset (report, 0, sizeof report);
  memcpy (report, cid, 4);
  report[4] = 0x83;
  g_assert_cmpint (exchange (f->key, report, answer), ==, SESAME_VIRTUAL_KEY_REPORT_LEN);
  g_assert_cmpint (answer[7], ==, 0x01);

  /* CBOR that is not CBOR */
  memset (report, 0, sizeof report);
  memcpy (report, cid, 4);
  report[4] = 0x90;
  report[6] = 3;
  report[7] = 0x01;
  report[8] = 0xff;
  report[9] = 0xff;
  g_assert_cmpint (exchange (f->key, report, answer), ==, SESAME_VIRTUAL_KEY_REPORT_LEN);
  g_assert_cmpint (answer[4], ==, 0x90);
  g_assert_cmpint (answer[7], ==, 0x12);

  /* nothing more to read: a timeout, not an error */
  g_assert_cmpint (sesame_virtual_key_read_report (f->key, answer, sizeof answer, 50), ==, 0);
  sesame_virtual_key_unplug (f->key);
  g_assert_cmpint (sesame_virtual_key_read_report (f->key, answer, sizeof answer, 50), ==, -1);
  g_assert_false (sesame_virtual_key_write_report (f->key, report, sizeof report));
}

/* A key that answers makeCredential with a credential key that is not a
 * point on P-256 (found by fuzz-ctap2-reply): libfido2 takes the answer
 * as it is, and src/fido2 refuses it with an error of its own. */
static gboolean
bad_point_answer_cb (const guint8 *request,
                     gsize         len,
                     GByteArray   *response,
                     gpointer      user_data)
{
  g_autoptr(GByteArray) auth_data = g_byte_array_new ();
  guint8 hash[SHA256_DIGEST_LENGTH];
  guint8 head[5] = { 0x41, 0, 0, 0, 1 };  /* UP | AT, sign count 1 */
  guint8 aaguid_and_id[16 + 2 + 16] = { [16] = 0, [17] = 16, [18] = 0x42 };
  guint8 cose[77] = { 0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20 };
  cbor_item_t *answer;
  guint8 status = 0;
  guint8 *cbor = NULL;
  gsize size = 0, cbor_len;

  if (len == 0 || request[0] != 0x01)
    return FALSE;

  SHA256 ((const guint8 *) RP_ID, strlen (RP_ID), hash);
  memset (cose + 10, 0x01, 32);
  cose[42] = 0x22;
  cose[43] = 0x58;
  cose[44] = 0x20;
  memset (cose + 45, 0x02, 32);
  g_byte_array_append (auth_data, hash, sizeof hash);
  g_byte_array_append (auth_data, head, sizeof head);
  g_byte_array_append (auth_data, aaguid_and_id, sizeof aaguid_and_id);
  g_byte_array_append (auth_data, cose, sizeof cose);

  answer = cbor_new_definite_map (3);
  g_assert_true (cbor_map_add (answer, (struct cbor_pair) { cbor_move (cbor_build_uint8 (1)),
                                                            cbor_move (cbor_build_string ("none")) }));
  g_assert_true (cbor_map_add (answer, (struct cbor_pair) {
    cbor_move (cbor_build_uint8 (2)), cbor_move (cbor_build_bytestring (auth_data->data, auth_data->len)) }));
  g_assert_true (cbor_map_add (answer, (struct cbor_pair) { cbor_move (cbor_build_uint8 (3)),
                                                            cbor_move (cbor_new_definite_map (0)) }));
  cbor_len = cbor_serialize_alloc (answer, &cbor, &size);
  cbor_decref (&answer);
  g_assert_cmpuint (cbor_len, >, 0);
  g_byte_array_append (response, &status, 1);
  g_byte_array_append (response, cbor, cbor_len);
  free (cbor);
  return TRUE;
}

static void
test_malformed_answer (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(SesameSoftAttestationResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SesameSecurityKeyRequest create;

  create_request (f, &create);
  sesame_virtual_key_set_answer_func (f->key, bad_point_answer_cb, NULL);
  result = sesame_security_key_make_credential (f->path, &create, NULL, NULL, &error);
  g_assert_error (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_FAILED);
  g_assert_null (result);
  g_assert_nonnull (strstr (error->message, "malformed"));

  /* The key answers for itself again: a normal registration works. */
  g_clear_error (&error);
  sesame_virtual_key_set_answer_func (f->key, NULL, NULL);
  result = sesame_security_key_make_credential (f->path, &create, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
}

static void
test_bad_pin_at_plug (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameVirtualKey) key = sesame_virtual_key_new ("12", &error);

  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_POLICY);
  g_assert_null (key);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, pin, func) \
  g_test_add ("/fido2/" name, Fixture, pin, fixture_set_up, func, fixture_tear_down)

  ADD ("info", NULL, test_info);
  ADD ("round-trip", NULL, test_round_trip);
  ADD ("pin-required", PIN, test_pin_required);
  ADD ("set-pin", NULL, test_set_pin);
  ADD ("wrong-pin", PIN, test_wrong_pin);
  ADD ("blocked-pin", PIN, test_blocked_pin);
  ADD ("excluded", NULL, test_excluded);
  ADD ("no-credentials", NULL, test_no_credentials);
  ADD ("discoverable", NULL, test_discoverable);
  ADD ("uv-required", PIN, test_uv_required);
  ADD ("touch", NULL, test_touch);
  ADD ("removed", NULL, test_removed);
  ADD ("cancel", NULL, test_cancel);
  ADD ("timeout", NULL, test_timeout);
  ADD ("select", NULL, test_select);
  ADD ("ctaphid", NULL, test_ctaphid);
  ADD ("malformed-answer", NULL, test_malformed_answer);
  g_test_add_func ("/fido2/bad-pin-at-plug", test_bad_pin_at_plug);

  return g_test_run ();
}
