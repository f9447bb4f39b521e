/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Credential public keys (RFC 9052/9053 COSE_Key, as WebAuthn §5.8.5 uses
 * them). Valid keys come from the test authenticator, which signs with
 * OpenSSL; every broken key is built with libcbor by changing exactly one
 * thing in a valid one, so that each test refuses for the reason it names. */

#include "config.h"

#include "sesame-base64.h"
#include "sesame-cbor.h"
#include "sesame-cose-key.h"
#include "sesame-openssl.h"
#include "sesame-test-authenticator.h"
#include "sesame-webauthn-error.h"

#include <openssl/core_names.h>
#include <openssl/rsa.h>
#include <string.h>

/* Marks the test failed without stopping it, and logs every failure (the
 * TAP line only shows the last), so that one wrongly accepted input does not
 * hide the others. */
static void report_failure (const char *format,
                            ...) G_GNUC_PRINTF (1, 2);

static void
report_failure (const char *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_test_message ("FAIL: %s", message);
  g_test_fail_printf ("%s", message);
}

/* COSE_Key labels (RFC 9052 §7.1, RFC 9053 §7) */
enum { LABEL_KTY = 1, LABEL_ALG = 3, LABEL_CRV = -1, LABEL_N = -1, LABEL_X = -2,
       LABEL_E = -2, LABEL_Y = -3 };
/* COSE elliptic curves (RFC 9053 §7.1) */
enum { CRV_P256 = 1, CRV_P384 = 2, CRV_P521 = 3, CRV_X25519 = 4, CRV_ED25519 = 6,
       CRV_ED448 = 7, CRV_SECP256K1 = 8 };
#define COSE_ALG_ES256K (-47)

/* libcbor helpers */

static cbor_item_t *
int_item (gint64 v)
{
  return v >= 0 ? cbor_build_uint64 ((guint64) v) : cbor_build_negint64 ((guint64) (-1 - v));
}

static gboolean
item_is_int (const cbor_item_t *item,
             gint64             v)
{
  if (cbor_isa_uint (item))
    return v >= 0 && cbor_get_int (item) == (guint64) v;
  if (cbor_isa_negint (item))
    return v < 0 && cbor_get_int (item) == (guint64) (-1 - v);
  return FALSE;
}

/* Takes the caller's reference to value. */
static void
put (cbor_item_t *map,
     gint64       label,
     cbor_item_t *value)
{
  g_assert_true (cbor_map_add (map, (struct cbor_pair) { .key = cbor_move (int_item (label)),
                                                         .value = cbor_move (value) }));
}

static GBytes *
serialize (const cbor_item_t *item)
{
  unsigned char *buf = NULL;
  size_t size = 0;
  size_t len = cbor_serialize_alloc (item, &buf, &size);
  GBytes *bytes;

  g_assert_cmpuint (len, >, 0);
  bytes = g_bytes_new (buf, len);
  free (buf);
  return bytes;
}

static cbor_item_t *
load (GBytes *bytes)
{
  struct cbor_load_result result;
  cbor_item_t *item = cbor_load (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                 &result);

  g_assert_nonnull (item);
  g_assert_cmpint (result.error.code, ==, CBOR_ERR_NONE);
  return item;
}

/* A copy of the byte string at label in the COSE key cose */
static GBytes *
dup_label_bytes (GBytes *cose,
                 gint64  label)
{
  g_autoptr(cbor_item_t) map = load (cose);
  struct cbor_pair *pairs = cbor_map_handle (map);

  for (gsize i = 0; i < cbor_map_size (map); i++)
    if (item_is_int (pairs[i].key, label) && cbor_isa_bytestring (pairs[i].value))
      return g_bytes_new (cbor_bytestring_handle (pairs[i].value),
                          cbor_bytestring_length (pairs[i].value));
  g_assert_not_reached ();
}

typedef enum
{
  EDIT_REPLACE,   /* replace the label's value in place, or append it */
  EDIT_APPEND,    /* append, even if the label is already there */
} EditMode;

/* A copy of the COSE key cose with label set to value (NULL: removed).
 * Takes the caller's reference to value. */
static GBytes *
edit_key_full (GBytes      *cose,
               gint64       label,
               cbor_item_t *value,
               EditMode     mode,
               gboolean     indefinite)
{
  g_autoptr(cbor_item_t) map = load (cose);
  g_autoptr(cbor_item_t) out = NULL;
  struct cbor_pair *pairs = cbor_map_handle (map);
  gsize n = cbor_map_size (map);
  gboolean done = FALSE;

  out = indefinite ? cbor_new_indefinite_map () : cbor_new_definite_map (n + 1);
  for (gsize i = 0; i < n; i++)
    {
      if (mode == EDIT_REPLACE && item_is_int (pairs[i].key, label))
        {
          if (value)
            put (out, label, cbor_incref (value));
          done = TRUE;
          continue;
        }
      g_assert_true (cbor_map_add (out, pairs[i]));
    }
  if (!done && value)
    put (out, label, cbor_incref (value));
  if (value)
    cbor_decref (&value);
  return serialize (out);
}

static GBytes *
edit_key (GBytes      *cose,
          gint64       label,
          cbor_item_t *value)
{
  return edit_key_full (cose, label, value, EDIT_REPLACE, FALSE);
}

static GBytes *
append_to_key (GBytes      *cose,
               gint64       label,
               cbor_item_t *value)
{
  return edit_key_full (cose, label, value, EDIT_APPEND, FALSE);
}

static GBytes *
concat (GBytes       *a,
        const guint8 *b,
        gsize         b_len)
{
  GByteArray *out = g_byte_array_new ();

  g_byte_array_append (out, g_bytes_get_data (a, NULL), g_bytes_get_size (a));
  g_byte_array_append (out, b, b_len);
  return g_byte_array_free_to_bytes (out);
}

static GBytes *
sha256 (GBytes *data)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;

  g_checksum_update (checksum, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  g_checksum_get_digest (checksum, digest, &len);
  return g_bytes_new (digest, len);
}

static GBytes *
random_bytes (gsize len)
{
  guint8 *data = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) g_random_int_range (0, 256);
  return g_bytes_new_take (data, len);
}

static cbor_item_t *
bytes_item (GBytes *bytes)
{
  return cbor_build_bytestring (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static GBytes *
bn_param (EVP_PKEY   *pkey,
          const char *param)
{
  g_autoptr(BIGNUM) bn = NULL;
  guint8 *buf;
  int n;

  g_assert_true (EVP_PKEY_get_bn_param (pkey, param, &bn) == 1);
  n = BN_num_bytes (bn);
  buf = g_malloc (n);
  BN_bn2bin (bn, buf);
  return g_bytes_new_take (buf, n);
}

/* Parses cose, which must be refused, and checks the code and that the
 * message names the problem. */
static void
assert_key_refused (GBytes     *cose,
                    int         code,
                    const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameCoseKey) key = sesame_cose_key_new_from_cbor (g_bytes_get_data (cose, NULL),
                                                                g_bytes_get_size (cose),
                                                                NULL, &error);

  if (key)
    {
      report_failure ("a COSE key that should be refused (%s) was accepted", needle);
      return;
    }
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, code);
  if (!strstr (error->message, needle))
    report_failure ("the message \"%s\" does not mention \"%s\"", error->message, needle);
}

static SesameCoseKey *
parse_key (GBytes *cose)
{
  g_autoptr(GError) error = NULL;
  SesameCoseKey *key = sesame_cose_key_new_from_cbor (g_bytes_get_data (cose, NULL),
                                                      g_bytes_get_size (cose), NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (key);
  return key;
}

/* Valid keys and signatures */

typedef struct
{
  int alg;
  int kty;
  int crv;
} KeyCase;

static const KeyCase key_cases[] = {
  { SESAME_COSE_ALG_ES256, SESAME_COSE_KTY_EC2, CRV_P256 },
  { SESAME_COSE_ALG_ES384, SESAME_COSE_KTY_EC2, CRV_P384 },
  { SESAME_COSE_ALG_ES512, SESAME_COSE_KTY_EC2, CRV_P521 },
  { SESAME_COSE_ALG_EDDSA, SESAME_COSE_KTY_OKP, CRV_ED25519 },
  { SESAME_COSE_ALG_ED448, SESAME_COSE_KTY_OKP, CRV_ED448 },
  { SESAME_COSE_ALG_RS256, SESAME_COSE_KTY_RSA, 0 },
  { SESAME_COSE_ALG_PS256, SESAME_COSE_KTY_RSA, 0 },
};

static void
test_verify (gconstpointer data)
{
  const KeyCase *c = data;
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (c->alg);
  g_autoptr(SesameCoseKey) key = parse_key (auth->cose_key);
  g_autoptr(GBytes) challenge = random_bytes (32);
  g_autoptr(GBytes) client_data = sesame_test_client_data ("webauthn.get", challenge,
                                                           "https://example.com", NULL);
  g_autoptr(GBytes) auth_data = sesame_test_auth_data ("example.com",
                                                       0x01 | 0x04, 42, NULL, NULL);
  g_autoptr(GBytes) hash = sha256 (client_data);
  g_autoptr(GBytes) signature = sesame_test_authenticator_sign (auth, auth_data, client_data);
  g_autoptr(GBytes) message = concat (auth_data, g_bytes_get_data (hash, NULL), 32);
  g_autoptr(GBytes) other_data = sesame_test_auth_data ("example.com", 0x01 | 0x04, 43,
                                                        NULL, NULL);
  g_autofree guint8 *flipped = g_memdup2 (g_bytes_get_data (signature, NULL),
                                          g_bytes_get_size (signature));
  gsize sig_len = g_bytes_get_size (signature);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (sesame_cose_key_get_algorithm (key), ==, c->alg);
  g_assert_cmpint (sesame_cose_key_get_key_type (key), ==, c->kty);
  g_assert_cmpint (sesame_cose_key_get_curve (key), ==, c->crv);
  g_assert_true (g_bytes_equal (sesame_cose_key_get_encoded (key), auth->cose_key));
  g_assert_true (sesame_cose_algorithm_is_supported (c->alg));

  /* authData ‖ SHA-256(clientDataJSON), passed in two parts as a verifier does */
  g_assert_true (sesame_cose_verify_signature_parts (sesame_cose_key_get_pkey (key), c->alg,
                                                     g_bytes_get_data (auth_data, NULL),
                                                     g_bytes_get_size (auth_data),
                                                     g_bytes_get_data (hash, NULL), 32,
                                                     g_bytes_get_data (signature, NULL),
                                                     sig_len, &error));
  g_assert_no_error (error);

  /* and in one part */
  g_assert_true (sesame_cose_key_verify (key, g_bytes_get_data (message, NULL),
                                         g_bytes_get_size (message),
                                         g_bytes_get_data (signature, NULL), sig_len, &error));
  g_assert_no_error (error);

  /* One bit of the signature */
  flipped[sig_len - 1] ^= 0x01;
  g_assert_false (sesame_cose_verify_signature_parts (sesame_cose_key_get_pkey (key), c->alg,
                                                      g_bytes_get_data (auth_data, NULL),
                                                      g_bytes_get_size (auth_data),
                                                      g_bytes_get_data (hash, NULL), 32,
                                                      flipped, sig_len, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGNATURE_INVALID);
  g_assert_nonnull (strstr (error->message, sesame_cose_algorithm_to_string (c->alg)));
  g_clear_error (&error);

  /* The same signature over other authenticator data (sign count 43, not 42) */
  g_assert_false (sesame_cose_verify_signature_parts (sesame_cose_key_get_pkey (key), c->alg,
                                                      g_bytes_get_data (other_data, NULL),
                                                      g_bytes_get_size (other_data),
                                                      g_bytes_get_data (hash, NULL), 32,
                                                      g_bytes_get_data (signature, NULL),
                                                      sig_len, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGNATURE_INVALID);
  g_clear_error (&error);

  /* An empty signature */
  g_assert_false (sesame_cose_key_verify (key, g_bytes_get_data (message, NULL),
                                          g_bytes_get_size (message), NULL, 0, &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGNATURE_INVALID);
}

static void
test_verify_wrong_algorithm (void)
{
  g_autoptr(SesameTestAuthenticator) ec = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(SesameTestAuthenticator) rsa = sesame_test_authenticator_new (SESAME_COSE_ALG_RS256);
  g_autoptr(GBytes) challenge = random_bytes (32);
  g_autoptr(GBytes) client_data = sesame_test_client_data ("webauthn.get", challenge,
                                                           "https://example.com", NULL);
  g_autoptr(GBytes) auth_data = sesame_test_auth_data ("example.com", 0x01, 1, NULL, NULL);
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GBytes) hash = sha256 (client_data);
  g_autoptr(GBytes) ec_sig = sesame_test_authenticator_sign (ec, auth_data, client_data);
  g_autoptr(GBytes) rsa_sig = sesame_test_authenticator_sign (rsa, auth_data, client_data);
  g_autoptr(GError) error = NULL;

  message = concat (auth_data, g_bytes_get_data (hash, NULL), 32);

  /* An EC key is never "tried" as RSA, nor an RSA key as EdDSA. */
  g_assert_false (sesame_cose_verify_signature (ec->key, SESAME_COSE_ALG_RS256,
                                                g_bytes_get_data (message, NULL),
                                                g_bytes_get_size (message),
                                                g_bytes_get_data (ec_sig, NULL),
                                                g_bytes_get_size (ec_sig), &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ALGORITHM_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_false (sesame_cose_verify_signature (rsa->key, SESAME_COSE_ALG_EDDSA,
                                                g_bytes_get_data (message, NULL),
                                                g_bytes_get_size (message),
                                                g_bytes_get_data (rsa_sig, NULL),
                                                g_bytes_get_size (rsa_sig), &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ALGORITHM_NOT_ALLOWED);
  g_clear_error (&error);

  /* An RS256 (PKCS#1 v1.5) signature is not a PS256 one, nor SHA-384. */
  g_assert_true (sesame_cose_verify_signature (rsa->key, SESAME_COSE_ALG_RS256,
                                               g_bytes_get_data (message, NULL),
                                               g_bytes_get_size (message),
                                               g_bytes_get_data (rsa_sig, NULL),
                                               g_bytes_get_size (rsa_sig), &error));
  g_assert_no_error (error);
  g_assert_false (sesame_cose_verify_signature (rsa->key, SESAME_COSE_ALG_PS256,
                                                g_bytes_get_data (message, NULL),
                                                g_bytes_get_size (message),
                                                g_bytes_get_data (rsa_sig, NULL),
                                                g_bytes_get_size (rsa_sig), &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGNATURE_INVALID);
  g_clear_error (&error);
  g_assert_false (sesame_cose_verify_signature (rsa->key, SESAME_COSE_ALG_RS384,
                                                g_bytes_get_data (message, NULL),
                                                g_bytes_get_size (message),
                                                g_bytes_get_data (rsa_sig, NULL),
                                                g_bytes_get_size (rsa_sig), &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGNATURE_INVALID);
  g_clear_error (&error);

  /* An algorithm the verifier does not know at all */
  g_assert_false (sesame_cose_verify_signature (ec->key, COSE_ALG_ES256K,
                                                g_bytes_get_data (message, NULL),
                                                g_bytes_get_size (message),
                                                g_bytes_get_data (ec_sig, NULL),
                                                g_bytes_get_size (ec_sig), &error));
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM);
}

static void
test_matches_pkey (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(SesameTestAuthenticator) other = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(SesameTestAuthenticator) rsa = sesame_test_authenticator_new (SESAME_COSE_ALG_RS256);
  g_autoptr(SesameCoseKey) key = parse_key (auth->cose_key);
  g_autoptr(SesameCoseKey) rsa_key = parse_key (rsa->cose_key);

  g_assert_true (sesame_cose_key_matches_pkey (key, auth->key));
  g_assert_false (sesame_cose_key_matches_pkey (key, other->key));
  g_assert_false (sesame_cose_key_matches_pkey (key, rsa->key));
  g_assert_false (sesame_cose_key_matches_pkey (key, NULL));
  g_assert_true (sesame_cose_key_matches_pkey (rsa_key, rsa->key));
  g_assert_false (sesame_cose_key_matches_pkey (rsa_key, auth->key));
}

/* Keys that must be refused */

static void
test_missing_kty (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(GBytes) cose = edit_key (auth->cose_key, LABEL_KTY, NULL);
  g_autoptr(GBytes) text_kty = edit_key (auth->cose_key, LABEL_KTY, cbor_build_string ("EC2"));

  assert_key_refused (cose, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "key type (label 1)");
  assert_key_refused (text_kty, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "key type (label 1)");
}

static void
test_missing_alg (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(GBytes) cose = edit_key (auth->cose_key, LABEL_ALG, NULL);
  g_autoptr(GBytes) text_alg = edit_key (auth->cose_key, LABEL_ALG, cbor_build_string ("ES256"));

  assert_key_refused (cose, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "algorithm (label 3)");
  assert_key_refused (text_alg, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "algorithm (label 3)");
}

static void
test_kty_alg_mismatch (void)
{
  g_autoptr(SesameTestAuthenticator) ec = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(SesameTestAuthenticator) rsa = sesame_test_authenticator_new (SESAME_COSE_ALG_RS256);
  g_autoptr(GBytes) ec_rs256 = edit_key (ec->cose_key, LABEL_ALG,
                                         int_item (SESAME_COSE_ALG_RS256));
  g_autoptr(GBytes) rsa_es256 = edit_key (rsa->cose_key, LABEL_ALG,
                                          int_item (SESAME_COSE_ALG_ES256));
  g_autoptr(GBytes) ec_eddsa = edit_key (ec->cose_key, LABEL_ALG,
                                         int_item (SESAME_COSE_ALG_EDDSA));

  assert_key_refused (ec_rs256, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                      "key type 2 cannot be used with RS256");
  assert_key_refused (rsa_es256, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                      "key type 3 cannot be used with ES256");
  assert_key_refused (ec_eddsa, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                      "key type 2 cannot be used with EdDSA");
}

static void
test_curve_alg_mismatch (void)
{
  g_autoptr(SesameTestAuthenticator) p384 = sesame_test_authenticator_new (SESAME_COSE_ALG_ES384);
  g_autoptr(SesameTestAuthenticator) p256 = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(SesameTestAuthenticator) ed448 = sesame_test_authenticator_new (SESAME_COSE_ALG_ED448);
  /* A real P-384 key that claims ES256 (which is ECDSA on P-256 only) */
  g_autoptr(GBytes) p384_es256 = edit_key (p384->cose_key, LABEL_ALG,
                                           int_item (SESAME_COSE_ALG_ES256));
  /* A P-256 key whose curve says P-384 */
  g_autoptr(GBytes) p256_crv2 = edit_key (p256->cose_key, LABEL_CRV, int_item (CRV_P384));
  g_autoptr(GBytes) no_crv = edit_key (p256->cose_key, LABEL_CRV, NULL);
  /* Ed448 key that claims the fully specified Ed25519 algorithm */
  g_autoptr(GBytes) ed448_ed25519 = edit_key (ed448->cose_key, LABEL_ALG,
                                              int_item (SESAME_COSE_ALG_ED25519));

  assert_key_refused (p384_es256, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                      "curve 2 cannot be used with ES256");
  assert_key_refused (p256_crv2, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                      "curve 2 cannot be used with ES256");
  assert_key_refused (no_crv, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "curve (label -1)");
  assert_key_refused (ed448_ed25519, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                      "curve 7 cannot be used with Ed25519");
}

static void
test_ec2_x_wrong_length (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(GBytes) x = dup_label_bytes (auth->cose_key, LABEL_X);
  const guint8 *x_data = g_bytes_get_data (x, NULL);
  guint8 padded[33] = { 0 };
  g_autoptr(GBytes) short_x = NULL;
  g_autoptr(GBytes) long_x = NULL;

  g_assert_cmpuint (g_bytes_get_size (x), ==, 32);
  memcpy (padded + 1, x_data, 32);
  short_x = edit_key (auth->cose_key, LABEL_X, cbor_build_bytestring (x_data + 1, 31));
  long_x = edit_key (auth->cose_key, LABEL_X, cbor_build_bytestring (padded, 33));

  assert_key_refused (short_x, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                      "coordinates are 31 and 32 bytes, the curve needs 32");
  assert_key_refused (long_x, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                      "coordinates are 33 and 32 bytes, the curve needs 32");
}

static void
test_ec2_compressed_point (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  /* RFC 9053 §7.1.1: y may be a boolean sign bit (point compression).
   * WebAuthn §5.8.5 requires the uncompressed form. */
  g_autoptr(GBytes) compressed = edit_key (auth->cose_key, LABEL_Y, cbor_build_bool (true));
  g_autoptr(GBytes) no_y = edit_key (auth->cose_key, LABEL_Y, NULL);

  assert_key_refused (compressed, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "uncompressed y (-3)");
  assert_key_refused (no_y, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "uncompressed y (-3)");
}

static void
test_ec2_not_on_curve (void)
{
  static const struct { int alg; const char *group; } cases[] = {
    { SESAME_COSE_ALG_ES256, "prime256v1" },
    { SESAME_COSE_ALG_ES384, "secp384r1" },
    { SESAME_COSE_ALG_ES512, "secp521r1" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (cases[i].alg);
      g_autoptr(GBytes) y = dup_label_bytes (auth->cose_key, LABEL_Y);
      gsize y_len = g_bytes_get_size (y);
      g_autofree guint8 *bad_y = g_memdup2 (g_bytes_get_data (y, NULL), y_len);
      g_autoptr(GBytes) cose = NULL;
      g_autoptr(GBytes) zeros = NULL;
      g_autofree guint8 *zero = g_malloc0 (y_len);

      bad_y[y_len - 1] ^= 0x01;
      cose = edit_key (auth->cose_key, LABEL_Y, cbor_build_bytestring (bad_y, y_len));
      assert_key_refused (cose, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, cases[i].group);

      /* (0, 0) is not on any of these curves either */
      zeros = edit_key (auth->cose_key, LABEL_X, cbor_build_bytestring (zero, y_len));
      g_clear_pointer (&cose, g_bytes_unref);
      cose = edit_key (zeros, LABEL_Y, cbor_build_bytestring (zero, y_len));
      assert_key_refused (cose, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "not a point");
    }
}

static GBytes *
rsa_cose_key (int     alg,
              GBytes *n,
              GBytes *e)
{
  g_autoptr(cbor_item_t) map = cbor_new_definite_map (4);

  put (map, LABEL_KTY, int_item (SESAME_COSE_KTY_RSA));
  put (map, LABEL_ALG, int_item (alg));
  put (map, LABEL_N, bytes_item (n));
  put (map, LABEL_E, bytes_item (e));
  return serialize (map);
}

static void
test_rsa_short_modulus (void)
{
  g_autoptr(EVP_PKEY) pkey = EVP_RSA_gen (1024);
  g_autoptr(GBytes) n = NULL;
  g_autoptr(GBytes) e = NULL;
  g_autoptr(GBytes) cose = NULL;

  g_assert_nonnull (pkey);
  n = bn_param (pkey, OSSL_PKEY_PARAM_RSA_N);
  e = bn_param (pkey, OSSL_PKEY_PARAM_RSA_E);
  g_assert_cmpuint (g_bytes_get_size (n), ==, 128);
  cose = rsa_cose_key (SESAME_COSE_ALG_RS256, n, e);

  assert_key_refused (cose, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "1024 bits");
}

static void
test_rsa_bad_exponent (void)
{
  static const struct { guint8 e[3]; gsize len; } exponents[] = {
    { { 0x01, 0x00, 0x00 }, 3 },   /* 65536: even */
    { { 0x02 }, 1 },
    { { 0x01 }, 1 },               /* 1: no encryption at all */
    { { 0x00, 0x00, 0x01 }, 3 },   /* 1 again, with leading zeros */
    { { 0x00 }, 1 },
  };
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_RS256);
  g_autoptr(GBytes) good_e = bn_param (auth->key, OSSL_PKEY_PARAM_RSA_E);

  /* The key as generated uses 65537 */
  g_assert_cmpmem (g_bytes_get_data (good_e, NULL), g_bytes_get_size (good_e),
                   ((guint8[]) { 0x01, 0x00, 0x01 }), 3);

  for (gsize i = 0; i < G_N_ELEMENTS (exponents); i++)
    {
      g_autoptr(GBytes) cose = edit_key (auth->cose_key, LABEL_E,
                                         cbor_build_bytestring (exponents[i].e,
                                                                exponents[i].len));
      assert_key_refused (cose, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "exponent");
    }
}

static void
test_okp_short_x (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_EDDSA);
  g_autoptr(GBytes) x = dup_label_bytes (auth->cose_key, LABEL_X);
  g_autoptr(GBytes) short_x = NULL;
  g_autoptr(GBytes) text_x = NULL;

  g_assert_cmpuint (g_bytes_get_size (x), ==, 32);
  short_x = edit_key (auth->cose_key, LABEL_X,
                      cbor_build_bytestring (g_bytes_get_data (x, NULL), 31));
  text_x = edit_key (auth->cose_key, LABEL_X, cbor_build_string ("not a key"));

  assert_key_refused (short_x, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "32-byte string");
  assert_key_refused (text_x, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "32-byte string");
}

static void
test_okp_x25519 (void)
{
  g_autoptr(EVP_PKEY) pkey = EVP_PKEY_Q_keygen (NULL, NULL, "X25519");
  g_autoptr(cbor_item_t) map = cbor_new_definite_map (4);
  g_autoptr(GBytes) cose = NULL;
  guint8 raw[32];
  size_t raw_len = sizeof raw;

  /* X25519 is a key-agreement curve: a real key, but no signatures. */
  g_assert_nonnull (pkey);
  g_assert_true (EVP_PKEY_get_raw_public_key (pkey, raw, &raw_len) == 1);
  put (map, LABEL_KTY, int_item (SESAME_COSE_KTY_OKP));
  put (map, LABEL_ALG, int_item (SESAME_COSE_ALG_EDDSA));
  put (map, LABEL_CRV, int_item (CRV_X25519));
  put (map, LABEL_X, cbor_build_bytestring (raw, raw_len));
  cose = serialize (map);

  assert_key_refused (cose, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM, "OKP curve 4");
}

static void
test_ml_dsa (void)
{
  static const struct { int alg; gsize pub_len; const char *name; } cases[] = {
    { SESAME_COSE_ALG_ML_DSA_44, 1312, "ML-DSA-44" },
    { SESAME_COSE_ALG_ML_DSA_65, 1952, "ML-DSA-65" },
    { SESAME_COSE_ALG_ML_DSA_87, 2592, "ML-DSA-87" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      /* An AKP key (draft-ietf-cose-dilithium): kty 7, alg, pub (-1) */
      g_autoptr(cbor_item_t) map = cbor_new_definite_map (3);
      g_autoptr(GBytes) pub = random_bytes (cases[i].pub_len);
      g_autoptr(GBytes) cose = NULL;

      put (map, LABEL_KTY, int_item (SESAME_COSE_KTY_AKP));
      put (map, LABEL_ALG, int_item (cases[i].alg));
      put (map, -1, bytes_item (pub));
      cose = serialize (map);

      assert_key_refused (cose, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM, "ML-DSA");
      assert_key_refused (cose, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM, cases[i].name);
      g_assert_cmpstr (sesame_cose_algorithm_to_string (cases[i].alg), ==, cases[i].name);
      g_assert_false (sesame_cose_algorithm_is_supported (cases[i].alg));
    }
}

static void
test_unknown_alg (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  /* ES256K (ECDSA on secp256k1) is registered, but not supported here */
  g_autoptr(GBytes) es256k_alg = edit_key (auth->cose_key, LABEL_ALG,
                                           int_item (COSE_ALG_ES256K));
  g_autoptr(GBytes) es256k = edit_key (es256k_alg, LABEL_CRV, int_item (CRV_SECP256K1));
  g_autoptr(GBytes) unassigned = edit_key (auth->cose_key, LABEL_ALG, int_item (-12345));
  g_autoptr(GBytes) huge = edit_key (auth->cose_key, LABEL_ALG, int_item (G_MININT64 / 2));

  assert_key_refused (es256k, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM, "-47");
  assert_key_refused (unassigned, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM, "-12345");
  assert_key_refused (huge, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM, "not supported");
  g_assert_cmpstr (sesame_cose_algorithm_to_string (-12345), ==, "unknown");
}

static void
test_duplicate_label (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  /* Two algorithms: which one a parser sees would depend on the parser. */
  g_autoptr(GBytes) two_algs = append_to_key (auth->cose_key, LABEL_ALG,
                                              int_item (SESAME_COSE_ALG_ES384));
  g_autoptr(GBytes) same_twice = append_to_key (auth->cose_key, LABEL_ALG,
                                                int_item (SESAME_COSE_ALG_ES256));

  assert_key_refused (two_algs, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "duplicate key");
  assert_key_refused (same_twice, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "duplicate key");
}

static void
test_trailing_bytes (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(cbor_item_t) extensions = cbor_new_definite_map (1);
  g_autoptr(GBytes) ext_bytes = NULL;
  g_autoptr(GBytes) with_zero = concat (auth->cose_key, (const guint8 *) "\0", 1);
  g_autoptr(GBytes) with_map = NULL;
  g_autoptr(SesameCoseKey) key = NULL;
  g_autoptr(GError) error = NULL;
  gsize consumed = 0;

  g_assert_true (cbor_map_add (extensions, (struct cbor_pair) {
                   .key = cbor_move (cbor_build_string ("credProtect")),
                   .value = cbor_move (cbor_build_uint8 (2)) }));
  ext_bytes = serialize (extensions);
  with_map = concat (auth->cose_key, g_bytes_get_data (ext_bytes, NULL),
                     g_bytes_get_size (ext_bytes));

  /* A key on its own must be exactly one CBOR item */
  assert_key_refused (with_zero, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "1 unexpected bytes");

  /* In authenticator data, the caller asks where the key ends */
  key = sesame_cose_key_new_from_cbor (g_bytes_get_data (with_map, NULL),
                                       g_bytes_get_size (with_map), &consumed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (key);
  g_assert_cmpuint (consumed, ==, g_bytes_get_size (auth->cose_key));
  g_assert_true (g_bytes_equal (sesame_cose_key_get_encoded (key), auth->cose_key));
  g_assert_true (sesame_cose_key_matches_pkey (key, auth->key));
}

static void
test_not_a_map (void)
{
  g_autoptr(cbor_item_t) array = cbor_new_definite_array (2);
  g_autoptr(cbor_item_t) bytes = cbor_build_bytestring ((const guint8 *) "\x04\x01\x02", 3);
  g_autoptr(cbor_item_t) number = cbor_build_uint8 (2);
  g_autoptr(GBytes) array_bytes = NULL;
  g_autoptr(GBytes) bytes_bytes = serialize (bytes);
  g_autoptr(GBytes) number_bytes = serialize (number);

  g_assert_true (cbor_array_push (array, cbor_move (int_item (SESAME_COSE_KTY_EC2))));
  g_assert_true (cbor_array_push (array, cbor_move (int_item (SESAME_COSE_ALG_ES256))));
  array_bytes = serialize (array);

  assert_key_refused (array_bytes, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "not a CBOR map");
  assert_key_refused (bytes_bytes, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "not a CBOR map");
  assert_key_refused (number_bytes, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "not a CBOR map");
}

static void
test_truncated (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  const guint8 *data = g_bytes_get_data (auth->cose_key, NULL);
  gsize len = g_bytes_get_size (auth->cose_key);
  g_autoptr(GError) error = NULL;

  /* Every proper prefix, with and without a caller that accepts trailing
   * data: no prefix of a key is itself a key. */
  for (gsize cut = 0; cut < len; cut++)
    {
      g_autoptr(GBytes) prefix = g_bytes_new (data, cut);
      g_autoptr(SesameCoseKey) key = NULL;
      gsize consumed = 0;

      assert_key_refused (prefix, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                          cut == 0 ? "empty" : "not well-formed CBOR");
      key = sesame_cose_key_new_from_cbor (data, cut, &consumed, &error);
      g_assert_null (key);
      g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY);
      g_clear_error (&error);
    }
}

static void
test_indefinite_length_map (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  /* The same members, in an indefinite-length map (0xbf … 0xff) */
  g_autoptr(GBytes) cose = edit_key_full (auth->cose_key, 99, NULL, EDIT_REPLACE, TRUE);
  const guint8 *data = g_bytes_get_data (cose, NULL);

  g_assert_cmphex (data[0], ==, 0xbf);
  g_assert_cmphex (data[g_bytes_get_size (cose) - 1], ==, 0xff);
  assert_key_refused (cose, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "indefinite-length");
}

/* A key with an extra member (label 99) holding `arrays` nested arrays
 * around an integer. The map is at depth 0, so the integer is at depth
 * arrays + 1. */
static GBytes *
key_with_nesting (GBytes *cose,
                  int     arrays)
{
  cbor_item_t *inner = cbor_build_uint8 (0);

  for (int i = 0; i < arrays; i++)
    {
      cbor_item_t *array = cbor_new_definite_array (1);
      g_assert_true (cbor_array_push (array, cbor_move (inner)));
      inner = array;
    }
  return append_to_key (cose, 99, inner);
}

static void
test_nesting_depth (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  g_autoptr(GBytes) at_limit = key_with_nesting (auth->cose_key, SESAME_CBOR_MAX_DEPTH - 1);
  g_autoptr(GBytes) too_deep = key_with_nesting (auth->cose_key, SESAME_CBOR_MAX_DEPTH);
  g_autoptr(GBytes) far_too_deep = key_with_nesting (auth->cose_key, 10000);
  g_autoptr(SesameCoseKey) key = NULL;

  /* Unknown labels are ignored, however deep, up to the limit… */
  key = parse_key (at_limit);
  g_assert_cmpint (sesame_cose_key_get_algorithm (key), ==, SESAME_COSE_ALG_ES256);
  g_assert_true (sesame_cose_key_matches_pkey (key, auth->key));

  /* …and refused one level past it, before libcbor builds anything */
  assert_key_refused (too_deep, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "nested more than 16 levels");
  assert_key_refused (far_too_deep, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY, "nested");
}

/* describe() */

static JsonObject *
describe (const SesameCoseKey *key)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  sesame_cose_key_describe (key, builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static void
assert_member_decodes_to (JsonObject *object,
                          const char *member,
                          GBytes     *expected)
{
  gsize expected_len = g_bytes_get_size (expected);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const char *text;

  g_assert_true (json_object_has_member (object, member));
  text = json_object_get_string_member (object, member);
  bytes = sesame_base64url_decode (text, &error);
  g_assert_no_error (error);
  if (g_bytes_get_size (bytes) != expected_len ||
      memcmp (g_bytes_get_data (bytes, NULL), g_bytes_get_data (expected, NULL),
              expected_len) != 0)
    report_failure ("\"%s\" is \"%s\" (%" G_GSIZE_FORMAT " bytes); the key has %"
                    G_GSIZE_FORMAT " bytes", member, text, g_bytes_get_size (bytes),
                    expected_len);
}

static void
check_ec2_description (SesameTestAuthenticator *auth)
{
  g_autoptr(SesameCoseKey) key = parse_key (auth->cose_key);
  g_autoptr(JsonObject) object = describe (key);
  g_autofree char *cose = sesame_base64url_encode_bytes (auth->cose_key);
  g_autoptr(GBytes) x = dup_label_bytes (auth->cose_key, LABEL_X);
  g_autoptr(GBytes) y = dup_label_bytes (auth->cose_key, LABEL_Y);

  g_assert_cmpstr (json_object_get_string_member (object, "kty"), ==, "EC2");
  g_assert_cmpint (json_object_get_int_member (object, "alg"), ==, SESAME_COSE_ALG_ES256);
  g_assert_cmpstr (json_object_get_string_member (object, "algName"), ==, "ES256");
  g_assert_cmpstr (json_object_get_string_member (object, "crv"), ==, "P-256");
  g_assert_cmpstr (json_object_get_string_member (object, "cose"), ==, cose);
  g_assert_false (json_object_has_member (object, "n"));
  g_assert_false (json_object_has_member (object, "bits"));
  /* The coordinates as in the key: full-length, like a JWK (RFC 7518 §6.2.1.2) */
  assert_member_decodes_to (object, "x", x);
  assert_member_decodes_to (object, "y", y);
}

static void
test_describe_ec2 (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);

  check_ec2_description (auth);
}

static void
test_describe_ec2_leading_zero (void)
{
  g_autoptr(SesameTestAuthenticator) auth = NULL;

  /* About one key in 128 has a coordinate that starts with a zero byte:
   * make one, since that is where a big-number conversion drops bytes. */
  for (int i = 0; i < 10000; i++)
    {
      g_autoptr(GBytes) x = NULL;
      g_autoptr(GBytes) y = NULL;

      g_clear_pointer (&auth, sesame_test_authenticator_free);
      auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
      x = dup_label_bytes (auth->cose_key, LABEL_X);
      y = dup_label_bytes (auth->cose_key, LABEL_Y);
      if (((const guint8 *) g_bytes_get_data (x, NULL))[0] == 0 ||
          ((const guint8 *) g_bytes_get_data (y, NULL))[0] == 0)
        break;
    }
  check_ec2_description (auth);
}

static void
test_describe_rsa (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_RS256);
  g_autoptr(SesameCoseKey) key = parse_key (auth->cose_key);
  g_autoptr(JsonObject) object = describe (key);
  g_autoptr(GBytes) n = bn_param (auth->key, OSSL_PKEY_PARAM_RSA_N);
  g_autofree char *cose = sesame_base64url_encode_bytes (auth->cose_key);

  g_assert_cmpstr (json_object_get_string_member (object, "kty"), ==, "RSA");
  g_assert_cmpint (json_object_get_int_member (object, "alg"), ==, SESAME_COSE_ALG_RS256);
  g_assert_cmpstr (json_object_get_string_member (object, "algName"), ==, "RS256");
  g_assert_cmpint (json_object_get_int_member (object, "bits"), ==, 2048);
  g_assert_cmpstr (json_object_get_string_member (object, "e"), ==, "AQAB");
  g_assert_cmpstr (json_object_get_string_member (object, "cose"), ==, cose);
  g_assert_false (json_object_has_member (object, "crv"));
  g_assert_false (json_object_has_member (object, "x"));
  assert_member_decodes_to (object, "n", n);
}

static void
test_describe_okp (void)
{
  g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (SESAME_COSE_ALG_ED448);
  g_autoptr(SesameCoseKey) key = parse_key (auth->cose_key);
  g_autoptr(JsonObject) object = describe (key);
  g_autoptr(GBytes) x = dup_label_bytes (auth->cose_key, LABEL_X);

  g_assert_cmpstr (json_object_get_string_member (object, "kty"), ==, "OKP");
  g_assert_cmpint (json_object_get_int_member (object, "alg"), ==, SESAME_COSE_ALG_ED448);
  g_assert_cmpstr (json_object_get_string_member (object, "algName"), ==, "Ed448");
  g_assert_cmpstr (json_object_get_string_member (object, "crv"), ==, "Ed448");
  g_assert_cmpuint (g_bytes_get_size (x), ==, 57);
  assert_member_decodes_to (object, "x", x);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (key_cases); i++)
    {
      g_autofree char *path =
        g_strdup_printf ("/sesame/cose-key/verify/%s",
                         sesame_cose_algorithm_to_string (key_cases[i].alg));
      g_test_add_data_func (path, &key_cases[i], test_verify);
    }
  g_test_add_func ("/sesame/cose-key/verify/wrong-algorithm", test_verify_wrong_algorithm);
  g_test_add_func ("/sesame/cose-key/matches-pkey", test_matches_pkey);

  g_test_add_func ("/sesame/cose-key/refuse/missing-kty", test_missing_kty);
  g_test_add_func ("/sesame/cose-key/refuse/missing-alg", test_missing_alg);
  g_test_add_func ("/sesame/cose-key/refuse/kty-alg-mismatch", test_kty_alg_mismatch);
  g_test_add_func ("/sesame/cose-key/refuse/curve-alg-mismatch", test_curve_alg_mismatch);
  g_test_add_func ("/sesame/cose-key/refuse/ec2-x-wrong-length", test_ec2_x_wrong_length);
  g_test_add_func ("/sesame/cose-key/refuse/ec2-compressed-point", test_ec2_compressed_point);
  g_test_add_func ("/sesame/cose-key/refuse/ec2-not-on-curve", test_ec2_not_on_curve);
  g_test_add_func ("/sesame/cose-key/refuse/rsa-1024-bits", test_rsa_short_modulus);
  g_test_add_func ("/sesame/cose-key/refuse/rsa-bad-exponent", test_rsa_bad_exponent);
  g_test_add_func ("/sesame/cose-key/refuse/ed25519-short-x", test_okp_short_x);
  g_test_add_func ("/sesame/cose-key/refuse/okp-x25519", test_okp_x25519);
  g_test_add_func ("/sesame/cose-key/refuse/ml-dsa", test_ml_dsa);
  g_test_add_func ("/sesame/cose-key/refuse/unknown-alg", test_unknown_alg);
  g_test_add_func ("/sesame/cose-key/refuse/duplicate-label", test_duplicate_label);
  g_test_add_func ("/sesame/cose-key/refuse/not-a-map", test_not_a_map);
  g_test_add_func ("/sesame/cose-key/refuse/truncated", test_truncated);
  g_test_add_func ("/sesame/cose-key/refuse/indefinite-length-map", test_indefinite_length_map);
  g_test_add_func ("/sesame/cose-key/trailing-bytes", test_trailing_bytes);
  g_test_add_func ("/sesame/cose-key/nesting-depth", test_nesting_depth);

  g_test_add_func ("/sesame/cose-key/describe/ec2", test_describe_ec2);
  g_test_add_func ("/sesame/cose-key/describe/ec2-leading-zero", test_describe_ec2_leading_zero);
  g_test_add_func ("/sesame/cose-key/describe/rsa", test_describe_rsa);
  g_test_add_func ("/sesame/cose-key/describe/okp", test_describe_okp);

  return g_test_run ();
}
