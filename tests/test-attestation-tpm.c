/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Negative cases for the "tpm" attestation format (WebAuthn L3 §8.3).
 *
 * The conformance test runs the TPM vectors as they are; here a valid vector
 * is decoded, one thing in its attestation statement is changed, and the
 * result must be refused with the code (and message) of the check that the
 * change breaks. Certificate rules are reached with an AIK certificate made
 * on the spot by a throwaway CA, with certInfo re-signed by its key, so that
 * the certificate differs from a passing one in exactly one property. */

#include "config.h"

#include "sesame-base64.h"
#include "sesame-openssl.h"
#include "sesame-webauthn.h"
#include "sesame-x509.h"

#include <cbor.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

/* ECC pubArea, ES256 AIK, one multi-valued RDN in the SAN, vendor id:00000000 */
#define CASE_ECC "w3c/tpm-es256"
/* RSA pubArea (exponent 0), RS256 AIK */
#define CASE_RSA "simplewebauthn/validate-TPM-RSA-response-SHA256"

/* Inside every vector's verification time and the present. */
#define CERT_NOT_BEFORE 1577836800 /* 2020-01-01 */
#define CERT_NOT_AFTER  2524607999 /* 2049-12-31 */

static JsonParser *vectors;

static struct
{
  EVP_PKEY *key;
  X509     *cert;
  EVP_PKEY *aik_ec;
  EVP_PKEY *aik_rsa;
  long      serial;
} ca;

/* One vector, with its attestation object decoded so that a test can
 * change it before verifying. */
typedef struct
{
  JsonObject  *vector;
  cbor_item_t *attestation;
} TpmCase;

static void
tpm_case_free (TpmCase *tc)
{
  if (tc->attestation)
    cbor_decref (&tc->attestation);
  g_free (tc);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TpmCase, tpm_case_free)

static JsonObject *
find_vector (const char *name)
{
  JsonArray *cases = json_object_get_array_member (json_node_get_object (
                       json_parser_get_root (vectors)), "cases");

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *vector = json_array_get_object_element (cases, i);
      if (g_strcmp0 (json_object_get_string_member (vector, "name"), name) == 0)
        return vector;
    }
  g_error ("vector %s is not in registration.json", name);
  return NULL;
}

static GBytes *
decode_b64url (const char *text)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = sesame_base64url_decode (text, &error);

  g_assert_no_error (error);
  return bytes;
}

static JsonObject *
vector_response (JsonObject *vector)
{
  return json_object_get_object_member (json_object_get_object_member (vector, "credential"),
                                        "response");
}

static TpmCase *
tpm_case_load (const char *name)
{
  TpmCase *tc = g_new0 (TpmCase, 1);
  g_autoptr(GBytes) raw = NULL;
  struct cbor_load_result result;
  gsize len;
  const guint8 *data;

  tc->vector = find_vector (name);
  g_assert_cmpstr (json_object_get_string_member (tc->vector, "fmt"), ==, "tpm");
  raw = decode_b64url (json_object_get_string_member (vector_response (tc->vector),
                                                      "attestationObject"));
  data = g_bytes_get_data (raw, &len);
  tc->attestation = cbor_load (data, len, &result);
  g_assert_nonnull (tc->attestation);
  g_assert_cmpint (result.error.code, ==, CBOR_ERR_NONE);
  g_assert_true (cbor_isa_map (tc->attestation));
  return tc;
}

static struct cbor_pair *
map_find (cbor_item_t *map,
          const char  *key)
{
  struct cbor_pair *pairs = cbor_map_handle (map);

  for (gsize i = 0; i < cbor_map_size (map); i++)
    if (cbor_isa_string (pairs[i].key) &&
        cbor_string_length (pairs[i].key) == strlen (key) &&
        memcmp (cbor_string_handle (pairs[i].key), key, strlen (key)) == 0)
      return &pairs[i];
  return NULL;
}

static cbor_item_t *
att_stmt (TpmCase *tc)
{
  struct cbor_pair *pair = map_find (tc->attestation, "attStmt");

  g_assert_nonnull (pair);
  return pair->value;
}

static GByteArray *
get_bytes (cbor_item_t *map,
           const char  *key)
{
  struct cbor_pair *pair = map_find (map, key);
  GByteArray *copy = g_byte_array_new ();

  g_assert_nonnull (pair);
  g_assert_true (cbor_isa_bytestring (pair->value));
  g_byte_array_append (copy, cbor_bytestring_handle (pair->value),
                       cbor_bytestring_length (pair->value));
  return copy;
}

static GByteArray *
stmt_get_bytes (TpmCase    *tc,
                const char *key)
{
  return get_bytes (att_stmt (tc), key);
}

/* Replaces the value of an existing attStmt key; takes the value. */
static void
stmt_set (TpmCase     *tc,
          const char  *key,
          cbor_item_t *value)
{
  struct cbor_pair *pair = map_find (att_stmt (tc), key);

  g_assert_nonnull (pair);
  cbor_decref (&pair->value);
  pair->value = value;
}

static void
stmt_set_bytes (TpmCase      *tc,
                const char   *key,
                const guint8 *data,
                gsize         len)
{
  stmt_set (tc, key, cbor_build_bytestring (data, len));
}

/* Rebuilds attStmt without `drop` and, if add_key is set, with one more
 * entry (a definite map cannot grow in place). Takes add_value. */
static void
stmt_rebuild (TpmCase     *tc,
              const char  *drop,
              const char  *add_key,
              cbor_item_t *add_value)
{
  struct cbor_pair *holder = map_find (tc->attestation, "attStmt");
  cbor_item_t *old = holder->value;
  struct cbor_pair *pairs = cbor_map_handle (old);
  cbor_item_t *map = cbor_new_definite_map (cbor_map_size (old) + 1);

  for (gsize i = 0; i < cbor_map_size (old); i++)
    {
      if (drop && map_find (old, drop) == &pairs[i])
        continue;
      g_assert_true (cbor_map_add (map, (struct cbor_pair) { pairs[i].key, pairs[i].value }));
    }
  if (add_key)
    {
      cbor_item_t *key = cbor_build_string (add_key);
      g_assert_true (cbor_map_add (map, (struct cbor_pair) { key, add_value }));
      cbor_decref (&key);
      cbor_decref (&add_value);
    }
  holder->value = map;
  cbor_decref (&old);
}

static char **
strv_from_member (JsonObject *object,
                  const char *member)
{
  JsonArray *array = json_object_get_array_member (object, member);
  char **strv = g_new0 (char *, json_array_get_length (array) + 1);

  for (guint i = 0; i < json_array_get_length (array); i++)
    strv[i] = g_strdup (json_array_get_string_element (array, i));
  return strv;
}

static SesameRegistration *
tpm_case_verify (TpmCase *tc,
                 GError **error)
{
  JsonObject *vector = tc->vector;
  SesameVerifyOptions options;
  g_auto(GStrv) origins = strv_from_member (vector, "expectedOrigin");
  g_auto(GStrv) rp_ids = strv_from_member (vector, "expectedRPID");
  g_autoptr(GBytes) challenge = NULL;
  g_autoptr(GBytes) client_data = NULL;
  g_autoptr(GBytes) attestation = NULL;
  unsigned char *buffer = NULL;
  size_t buffer_size = 0;
  size_t len;

  len = cbor_serialize_alloc (tc->attestation, &buffer, &buffer_size);
  g_assert_cmpuint (len, >, 0);
  attestation = g_bytes_new (buffer, len);
  free (buffer);

  challenge = decode_b64url (json_object_get_string_member (vector, "expectedChallenge"));
  client_data = decode_b64url (json_object_get_string_member (vector_response (vector),
                                                              "clientDataJSON"));

  sesame_verify_options_init (&options);
  options.challenge = challenge;
  options.origins = (const char * const *) origins;
  options.rp_ids = (const char * const *) rp_ids;
  options.require_user_presence =
    json_object_get_boolean_member_with_default (vector, "requireUserPresence", TRUE);
  options.require_user_verification =
    json_object_get_boolean_member_with_default (vector, "requireUserVerification", FALSE);
  options.allow_cross_origin =
    json_object_get_boolean_member_with_default (vector, "allowCrossOrigin", FALSE);
  if (json_object_has_member (vector, "verificationTime"))
    {
      g_autoptr(GDateTime) time =
        g_date_time_new_from_iso8601 (json_object_get_string_member (vector, "verificationTime"),
                                      NULL);
      g_assert_nonnull (time);
      options.verification_time = g_date_time_to_unix (time);
    }

  return sesame_verify_registration (&options, client_data, attestation, error);
}

static void
assert_verified (TpmCase *tc)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) registration = tpm_case_verify (tc, &error);

  g_assert_no_error (error);
  g_assert_nonnull (registration);
  g_assert_cmpstr (registration->fmt, ==, "tpm");
  g_assert_cmpint (registration->attestation_type, ==, SESAME_ATTESTATION_TYPE_ATTCA);
  g_assert_cmpuint (registration->certificates->len, >=, 1);
}

/* The code tells the checks' families apart; `needle`, a piece of the
 * message, tells apart the checks that share a code. */
static char *
check_refused (TpmCase    *tc,
               int         code,
               const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) registration = tpm_case_verify (tc, &error);

  g_assert_null (registration);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, code);
  if (needle && !strstr (error->message, needle))
    g_error ("error message \"%s\" does not mention \"%s\"", error->message, needle);
  return g_strdup (error->message);
}

static void
assert_refused (TpmCase    *tc,
                int         code,
                const char *needle)
{
  g_autofree char *message = check_refused (tc, code, needle);

  g_test_message ("refused: %s", message);
}

/* Where the fields of a TPMS_ATTEST of type CERTIFY sit: offsets of the
 * size prefixes of extraData and attested.name. */
typedef struct
{
  gsize extra_data;
  gsize name;
} CertInfoLayout;

static guint16
be16 (const guint8 *p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

static CertInfoLayout
cert_info_layout (GByteArray *info)
{
  CertInfoLayout layout;
  gsize off = 6;

  off += 2 + be16 (info->data + off);     /* qualifiedSigner */
  layout.extra_data = off;
  off += 2 + be16 (info->data + off);     /* extraData */
  off += 17 + 8;                          /* clockInfo, firmwareVersion */
  layout.name = off;
  g_assert_cmpuint (off + 2 + be16 (info->data + off), <=, info->len);
  return layout;
}

/* Replaces the TPM2B at `off` (size prefix included) with `data`. */
static void
splice_tpm2b (GByteArray   *buffer,
              gsize         off,
              const guint8 *data,
              gsize         len)
{
  guint8 size[2] = { len >> 8, len & 0xff };
  gsize end = off + 2 + be16 (buffer->data + off);
  g_autoptr(GByteArray) tail = g_byte_array_new ();

  g_byte_array_append (tail, buffer->data + end, buffer->len - end);
  g_byte_array_set_size (buffer, off);
  g_byte_array_append (buffer, size, 2);
  g_byte_array_append (buffer, data, len);
  g_byte_array_append (buffer, tail->data, tail->len);
}

static GBytes *
sign_data (EVP_PKEY     *key,
           const char   *md,
           const guint8 *data,
           gsize         len)
{
  g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  size_t sig_len = 0;
  guint8 *sig;

  g_assert_cmpint (EVP_DigestSignInit_ex (ctx, NULL, md, NULL, NULL, key, NULL), ==, 1);
  g_assert_cmpint (EVP_DigestSign (ctx, NULL, &sig_len, data, len), ==, 1);
  sig = g_malloc (sig_len);
  g_assert_cmpint (EVP_DigestSign (ctx, sig, &sig_len, data, len), ==, 1);
  return g_bytes_new_take (sig, sig_len);
}

/* What the AIK certificate looks like; aik_spec_valid() is one that meets
 * §8.3.1, and each test changes one field. */
typedef struct
{
  long          version;
  const char   *subject_cn;        /* NULL: empty subject */
  gboolean      san;
  gboolean      san_one_rdn;       /* the common multi-valued RDN form */
  const char   *manufacturer;      /* NULL: attribute left out */
  const char   *manufacturer_2;    /* a second tcg-at-tpmManufacturer, if set */
  const char   *model;
  const char   *tpm_version;
  const char   *eku;               /* NULL: no Extended Key Usage */
  gboolean      basic_constraints;
  gboolean      ca;
  const guint8 *aaguid;            /* NULL: no id-fido-gen-ce-aaguid */
} AikSpec;

static AikSpec
aik_spec_valid (void)
{
  return (AikSpec) {
    .version = X509_VERSION_3,
    .san = TRUE,
    .manufacturer = "id:FFFFF1D0",
    .model = "Sesame test TPM",
    .tpm_version = "id:00000001",
    .eku = "2.23.133.8.3",
    .basic_constraints = TRUE,
  };
}

static void
add_tpm_san (X509          *cert,
             const AikSpec *spec)
{
  const char *attributes[][2] = {
    { "2.23.133.2.1", spec->manufacturer },
    { "2.23.133.2.2", spec->model },
    { "2.23.133.2.3", spec->tpm_version },
    { "2.23.133.2.1", spec->manufacturer_2 },
  };
  X509_NAME *dir = X509_NAME_new ();
  GENERAL_NAME *name = GENERAL_NAME_new ();
  GENERAL_NAMES *names = sk_GENERAL_NAME_new_null ();
  gboolean first = TRUE;

  for (gsize i = 0; i < G_N_ELEMENTS (attributes); i++)
    {
      g_autoptr(ASN1_OBJECT) oid = OBJ_txt2obj (attributes[i][0], 1);

      if (!attributes[i][1])
        continue;
      /* set -1 adds to the previous RDN, 0 starts a new one */
      g_assert_cmpint (X509_NAME_add_entry_by_OBJ (dir, oid, MBSTRING_UTF8,
                                                   (const unsigned char *) attributes[i][1],
                                                   -1, -1,
                                                   spec->san_one_rdn && !first ? -1 : 0), ==, 1);
      first = FALSE;
    }
  GENERAL_NAME_set0_value (name, GEN_DIRNAME, dir);
  sk_GENERAL_NAME_push (names, name);
  g_assert_cmpint (X509_add1_ext_i2d (cert, NID_subject_alt_name, names, 1,
                                      X509V3_ADD_DEFAULT), ==, 1);
  GENERAL_NAMES_free (names);
}

static void
add_aaguid_extension (X509         *cert,
                      const guint8 *aaguid)
{
  ASN1_OCTET_STRING *inner = ASN1_OCTET_STRING_new ();
  ASN1_OCTET_STRING *outer = ASN1_OCTET_STRING_new ();
  g_autoptr(ASN1_OBJECT) oid = OBJ_txt2obj (SESAME_OID_FIDO_GEN_CE_AAGUID, 1);
  unsigned char *der = NULL;
  X509_EXTENSION *extension;
  int der_len;

  ASN1_OCTET_STRING_set (inner, aaguid, 16);
  der_len = i2d_ASN1_OCTET_STRING (inner, &der);
  g_assert_cmpint (der_len, >, 0);
  ASN1_OCTET_STRING_set (outer, der, der_len);
  extension = X509_EXTENSION_create_by_OBJ (NULL, oid, 0, outer);
  g_assert_cmpint (X509_add_ext (cert, extension, -1), ==, 1);
  X509_EXTENSION_free (extension);
  ASN1_OCTET_STRING_free (outer);
  ASN1_OCTET_STRING_free (inner);
  OPENSSL_free (der);
}

static X509 *
make_certificate (EVP_PKEY   *key,
                  long        version,
                  const char *subject_cn)
{
  X509 *cert = X509_new ();

  X509_set_version (cert, version);
  ASN1_INTEGER_set (X509_get_serialNumber (cert), ++ca.serial);
  if (subject_cn)
    X509_NAME_add_entry_by_txt (X509_get_subject_name (cert), "CN", MBSTRING_UTF8,
                                (const unsigned char *) subject_cn, -1, -1, 0);
  if (ca.cert)
    X509_set_issuer_name (cert, X509_get_subject_name (ca.cert));
  else
    X509_set_issuer_name (cert, X509_get_subject_name (cert));
  ASN1_TIME_set (X509_getm_notBefore (cert), CERT_NOT_BEFORE);
  ASN1_TIME_set (X509_getm_notAfter (cert), CERT_NOT_AFTER);
  X509_set_pubkey (cert, key);
  return cert;
}

static void
add_basic_constraints (X509    *cert,
                       gboolean is_ca)
{
  BASIC_CONSTRAINTS *constraints = BASIC_CONSTRAINTS_new ();

  constraints->ca = is_ca ? 0xff : 0;
  g_assert_cmpint (X509_add1_ext_i2d (cert, NID_basic_constraints, constraints, 1,
                                      X509V3_ADD_DEFAULT), ==, 1);
  BASIC_CONSTRAINTS_free (constraints);
}

static void
ensure_test_ca (void)
{
  if (ca.cert)
    return;
  ca.key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
  ca.cert = make_certificate (ca.key, X509_VERSION_3, "Sesame throwaway TPM CA");
  add_basic_constraints (ca.cert, TRUE);
  g_assert_cmpint (X509_sign (ca.cert, ca.key, NULL), >, 0);
  ca.aik_ec = EVP_EC_gen ("P-256");
  ca.aik_rsa = EVP_RSA_gen (2048);
  g_assert_nonnull (ca.aik_ec);
  g_assert_nonnull (ca.aik_rsa);
}

static X509 *
make_aik_certificate (const AikSpec *spec,
                      EVP_PKEY      *key)
{
  X509 *cert;

  ensure_test_ca ();
  cert = make_certificate (key, spec->version, spec->subject_cn);
  if (spec->san)
    add_tpm_san (cert, spec);
  if (spec->eku)
    {
      EXTENDED_KEY_USAGE *usage = sk_ASN1_OBJECT_new_null ();

      sk_ASN1_OBJECT_push (usage, OBJ_txt2obj (spec->eku, 1));
      g_assert_cmpint (X509_add1_ext_i2d (cert, NID_ext_key_usage, usage, 0,
                                          X509V3_ADD_DEFAULT), ==, 1);
      sk_ASN1_OBJECT_pop_free (usage, ASN1_OBJECT_free);
    }
  if (spec->basic_constraints)
    add_basic_constraints (cert, spec->ca);
  if (spec->aaguid)
    add_aaguid_extension (cert, spec->aaguid);
  g_assert_cmpint (X509_sign (cert, ca.key, NULL), >, 0);
  g_assert_cmpint (X509_get_version (cert), ==, spec->version);
  return cert;
}

static cbor_item_t *
cbor_from_cert (X509 *cert)
{
  unsigned char *der = NULL;
  int len = i2d_X509 (cert, &der);
  cbor_item_t *item;

  g_assert_cmpint (len, >, 0);
  item = cbor_build_bytestring (der, len);
  OPENSSL_free (der);
  return item;
}

/* x5c becomes [aik, throwaway CA]; with a key, certInfo is re-signed with
 * it using `md`, so that only the certificate differs from the vector. */
static void
use_aik (TpmCase    *tc,
         X509       *aik,
         EVP_PKEY   *key,
         const char *md)
{
  cbor_item_t *x5c = cbor_new_definite_array (2);

  g_assert_true (cbor_array_push (x5c, cbor_move (cbor_from_cert (aik))));
  g_assert_true (cbor_array_push (x5c, cbor_move (cbor_from_cert (ca.cert))));
  stmt_set (tc, "x5c", x5c);

  if (key)
    {
      g_autoptr(GByteArray) info = stmt_get_bytes (tc, "certInfo");
      g_autoptr(GBytes) sig = sign_data (key, md, info->data, info->len);

      stmt_set_bytes (tc, "sig", g_bytes_get_data (sig, NULL), g_bytes_get_size (sig));
    }
}

/* The ECC vector with a fresh ES256 AIK certificate made to `spec`. */
static TpmCase *
ecc_case_with_aik (const AikSpec *spec)
{
  TpmCase *tc = tpm_case_load (CASE_ECC);
  g_autoptr(X509) aik = NULL;

  ensure_test_ca ();
  aik = make_aik_certificate (spec, ca.aik_ec);
  use_aik (tc, aik, ca.aik_ec, "SHA256");
  return tc;
}

static void
flip_byte (TpmCase    *tc,
           const char *key,
           gsize       index)
{
  g_autoptr(GByteArray) bytes = stmt_get_bytes (tc, key);

  g_assert_cmpuint (index, <, bytes->len);
  bytes->data[index] ^= 0x01;
  stmt_set_bytes (tc, key, bytes->data, bytes->len);
}

/* Baselines: without them a negative test could pass for a wrong reason. */

static void
test_baseline_vectors (void)
{
  const char *names[] = { CASE_ECC, CASE_RSA };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      /* Decoded and re-encoded, but not changed. */
      g_autoptr(TpmCase) tc = tpm_case_load (names[i]);
      assert_verified (tc);
    }
}

static void
test_baseline_fresh_aik (void)
{
  AikSpec spec = aik_spec_valid ();
  g_autoptr(TpmCase) spec_form = NULL;
  g_autoptr(TpmCase) one_rdn = NULL;

  /* Each attribute in its own RDN, as the TCG profile says, and all three
   * in one multi-valued RDN, as many TPMs do; both with a vendor id no one
   * registered. */
  spec_form = ecc_case_with_aik (&spec);
  assert_verified (spec_form);
  spec.san_one_rdn = TRUE;
  one_rdn = ecc_case_with_aik (&spec);
  assert_verified (one_rdn);
}

/* 1. The statement's shape */

static void
test_ver_wrong (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);

  stmt_set (tc, "ver", cbor_build_string ("1.2"));
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT, "\"1.2\"");
}

static void
test_ver_missing (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);

  stmt_rebuild (tc, "ver", NULL, NULL);
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT, "attStmt.ver");
}

static void
test_alg_unsupported (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);

  stmt_set (tc, "alg", cbor_build_negint16 (999)); /* -1000 */
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM, "-1000");
}

static void
test_alg_eddsa (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);

  /* Supported for credentials, but extraData needs a hash EdDSA lacks. */
  stmt_set (tc, "alg", cbor_build_negint8 (7)); /* -8 */
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM, "EdDSA");
}

static void
test_alg_not_integer (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);

  stmt_set (tc, "alg", cbor_build_string ("ES256"));
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT, "attStmt.alg");
}

static void
test_ecdaa (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);
  guint8 key_id[32] = { 0 };

  stmt_rebuild (tc, "x5c", "ecdaaKeyId", cbor_build_bytestring (key_id, sizeof key_id));
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT, "ecdaaKeyId");
}

static void
test_x5c_missing (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);

  stmt_rebuild (tc, "x5c", NULL, NULL);
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT, "has no x5c");
}

static void
test_fields_not_bytes (void)
{
  const char *keys[] = { "sig", "certInfo", "pubArea" };

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);

      stmt_set (tc, keys[i], cbor_build_string ("not bytes"));
      assert_refused (tc, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT, keys[i]);
    }
}

/* 2. pubArea */

static void
test_pub_area_truncated (void)
{
  const char *names[] = { CASE_ECC, CASE_RSA };

  /* Every proper prefix, so that each field's bounds check is reached. */
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(TpmCase) tc = tpm_case_load (names[i]);
      g_autoptr(GByteArray) pub_area = stmt_get_bytes (tc, "pubArea");

      for (gsize len = 0; len < pub_area->len; len++)
        {
          stmt_set_bytes (tc, "pubArea", pub_area->data, len);
          g_free (check_refused (tc, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
                                 "attStmt.pubArea ends inside"));
        }
      g_test_message ("%s: every one of %u prefixes refused", names[i], pub_area->len);
    }
}

static void
test_pub_area_trailing (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);
  g_autoptr(GByteArray) pub_area = stmt_get_bytes (tc, "pubArea");

  g_byte_array_append (pub_area, (const guint8 *) "\0", 1);
  stmt_set_bytes (tc, "pubArea", pub_area->data, pub_area->len);
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT, "after its end");
}

static void
test_pub_area_unknown_type (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);
  g_autoptr(GByteArray) pub_area = stmt_get_bytes (tc, "pubArea");

  pub_area->data[0] = 0x00;
  pub_area->data[1] = 0x08; /* TPM_ALG_KEYEDHASH */
  stmt_set_bytes (tc, "pubArea", pub_area->data, pub_area->len);
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT, "0x0008");
}

/* The w3c vector's pubArea: type, nameAlg, objectAttributes, empty
 * authPolicy, NULL symmetric and scheme, curve, NULL kdf, then x and y. */
#define ECC_CURVE_OFFSET 14
#define ECC_X_OFFSET     20

static void
test_pub_area_ecc_point_differs (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);
  g_autoptr(GByteArray) pub_area = stmt_get_bytes (tc, "pubArea");

  g_assert_cmpuint (be16 (pub_area->data + ECC_X_OFFSET - 2), ==, 32);
  flip_byte (tc, "pubArea", ECC_X_OFFSET + 31);
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_TPM_PUBLIC_AREA_MISMATCH, "points differ");
}

static void
test_pub_area_ecc_curve_differs (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);
  g_autoptr(GByteArray) pub_area = stmt_get_bytes (tc, "pubArea");

  g_assert_cmpuint (be16 (pub_area->data + ECC_CURVE_OFFSET), ==, 0x0003);
  pub_area->data[ECC_CURVE_OFFSET + 1] = 0x04; /* P-384, with P-256 coordinates */
  stmt_set_bytes (tc, "pubArea", pub_area->data, pub_area->len);
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_TPM_PUBLIC_AREA_MISMATCH, "curve");
}

/* The RSA vector's pubArea: 8 bytes, a 32-byte authPolicy, NULL symmetric
 * and scheme, keyBits 2048, exponent 0, then the 256-byte modulus. */
#define RSA_EXPONENT_OFFSET 48
#define RSA_MODULUS_OFFSET  54

static GByteArray *
rsa_pub_area (TpmCase *tc)
{
  GByteArray *pub_area = stmt_get_bytes (tc, "pubArea");

  g_assert_cmpuint (be16 (pub_area->data), ==, 0x0001);
  g_assert_cmpuint (be16 (pub_area->data + RSA_EXPONENT_OFFSET - 2), ==, 2048);
  g_assert_cmpuint (be16 (pub_area->data + RSA_MODULUS_OFFSET - 2), ==, 256);
  return pub_area;
}

static void
test_pub_area_rsa_modulus_differs (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_RSA);
  g_autoptr(GByteArray) pub_area = rsa_pub_area (tc);

  flip_byte (tc, "pubArea", RSA_MODULUS_OFFSET + 100);
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_TPM_PUBLIC_AREA_MISMATCH, "moduli");
}

static void
test_pub_area_rsa_exponent_differs (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_RSA);
  g_autoptr(GByteArray) pub_area = rsa_pub_area (tc);

  pub_area->data[RSA_EXPONENT_OFFSET + 3] = 3;
  stmt_set_bytes (tc, "pubArea", pub_area->data, pub_area->len);
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_TPM_PUBLIC_AREA_MISMATCH, "exponent");
}

static void
test_pub_area_key_type_differs (void)
{
  g_autoptr(TpmCase) ecc = tpm_case_load (CASE_ECC);
  g_autoptr(TpmCase) rsa = tpm_case_load (CASE_RSA);
  g_autoptr(GByteArray) rsa_area = rsa_pub_area (rsa);
  g_autoptr(GByteArray) ecc_area = stmt_get_bytes (ecc, "pubArea");

  /* Well-formed pubAreas of the other key type, both ways round. */
  stmt_set_bytes (ecc, "pubArea", rsa_area->data, rsa_area->len);
  assert_refused (ecc, SESAME_WEBAUTHN_ERROR_TPM_PUBLIC_AREA_MISMATCH, "pubArea holds an RSA key");
  stmt_set_bytes (rsa, "pubArea", ecc_area->data, ecc_area->len);
  assert_refused (rsa, SESAME_WEBAUTHN_ERROR_TPM_PUBLIC_AREA_MISMATCH, "pubArea holds an ECC key");
}

/* Exponent 0 stands for 65537: spelling it out is the same key. pubArea
 * changes, so its Name in certInfo is recomputed and certInfo re-signed by
 * a fresh AIK; the run also shows the Name is computed as §8.3.2 says. */
static void
test_pub_area_rsa_exponent_explicit (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_RSA);
  g_autoptr(GByteArray) pub_area = rsa_pub_area (tc);
  g_autoptr(GByteArray) info = stmt_get_bytes (tc, "certInfo");
  AikSpec spec = aik_spec_valid ();
  g_autoptr(X509) aik = NULL;
  guint8 name[2 + 32] = { 0x00, 0x0b };
  size_t md_len = 0;
  CertInfoLayout layout = cert_info_layout (info);

  g_assert_cmpuint (pub_area->data[RSA_EXPONENT_OFFSET + 2], ==, 0);
  pub_area->data[RSA_EXPONENT_OFFSET + 1] = 0x01;
  pub_area->data[RSA_EXPONENT_OFFSET + 3] = 0x01;
  stmt_set_bytes (tc, "pubArea", pub_area->data, pub_area->len);

  g_assert_cmpuint (be16 (pub_area->data + 2), ==, 0x000b); /* nameAlg SHA-256 */
  g_assert_cmpint (EVP_Q_digest (NULL, "SHA256", NULL, pub_area->data, pub_area->len,
                                 name + 2, &md_len), ==, 1);
  splice_tpm2b (info, layout.name, name, sizeof name);
  stmt_set_bytes (tc, "certInfo", info->data, info->len);

  ensure_test_ca ();
  aik = make_aik_certificate (&spec, ca.aik_rsa);
  use_aik (tc, aik, ca.aik_rsa, "SHA256");
  assert_verified (tc);
}

/* 3. certInfo */

static void
test_cert_info_magic (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);

  flip_byte (tc, "certInfo", 3);
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID, "magic");
}

static void
test_cert_info_type (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);
  g_autoptr(GByteArray) info = stmt_get_bytes (tc, "certInfo");

  info->data[5] = 0x14; /* TPM_ST_ATTEST_QUOTE, 0x8018 */
  stmt_set_bytes (tc, "certInfo", info->data, info->len);
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID, "0x8014");
}

static void
test_cert_info_extra_data (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);
  g_autoptr(GByteArray) info = stmt_get_bytes (tc, "certInfo");
  CertInfoLayout layout = cert_info_layout (info);

  flip_byte (tc, "certInfo", layout.extra_data + 2);
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID, "extraData");
}

static void
test_cert_info_name (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);
  g_autoptr(GByteArray) info = stmt_get_bytes (tc, "certInfo");
  CertInfoLayout layout = cert_info_layout (info);

  flip_byte (tc, "certInfo", layout.name + 2 + 2 + 5);
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID, "attested.name");
}

static void
test_cert_info_name_alg (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);
  g_autoptr(GByteArray) info = stmt_get_bytes (tc, "certInfo");
  CertInfoLayout layout = cert_info_layout (info);

  /* The right digest, labelled SHA-384. */
  g_assert_cmpuint (be16 (info->data + layout.name + 2), ==, 0x000b);
  info->data[layout.name + 3] = 0x0c;
  stmt_set_bytes (tc, "certInfo", info->data, info->len);
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID, "attested.name");
}

static void
test_cert_info_truncated (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_RSA);
  g_autoptr(GByteArray) info = stmt_get_bytes (tc, "certInfo");

  for (gsize len = 0; len < info->len; len++)
    {
      stmt_set_bytes (tc, "certInfo", info->data, len);
      g_free (check_refused (tc, SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID,
                             "attStmt.certInfo ends inside"));
    }
  g_test_message ("every one of %u prefixes refused", info->len);
}

static void
test_cert_info_trailing (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);
  g_autoptr(GByteArray) info = stmt_get_bytes (tc, "certInfo");

  g_byte_array_append (info, (const guint8 *) "\0", 1);
  stmt_set_bytes (tc, "certInfo", info->data, info->len);
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID, "after its end");
}

/* extraData is made with alg's hash. With alg RS384, the vector's SHA-256
 * extraData is refused even though the AIK signed it; with the SHA-384
 * digest in its place, the same statement verifies. */
static void
test_cert_info_extra_data_hash_follows_alg (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_RSA);
  g_autoptr(GByteArray) info = stmt_get_bytes (tc, "certInfo");
  g_autoptr(GByteArray) auth_data = get_bytes (tc->attestation, "authData");
  g_autoptr(GBytes) client_data = NULL;
  g_autoptr(X509) aik = NULL;
  AikSpec spec = aik_spec_valid ();
  CertInfoLayout layout = cert_info_layout (info);
  guint8 md[64];
  size_t md_len = 0;

  ensure_test_ca ();
  aik = make_aik_certificate (&spec, ca.aik_rsa);
  stmt_set (tc, "alg", cbor_build_negint16 (257)); /* RS384, -258 */
  use_aik (tc, aik, ca.aik_rsa, "SHA384");
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID, "SHA384");

  client_data = decode_b64url (json_object_get_string_member (vector_response (tc->vector),
                                                              "clientDataJSON"));
  g_assert_cmpint (EVP_Q_digest (NULL, "SHA256", NULL, g_bytes_get_data (client_data, NULL),
                                 g_bytes_get_size (client_data), md, &md_len), ==, 1);
  g_byte_array_append (auth_data, md, md_len);
  g_assert_cmpint (EVP_Q_digest (NULL, "SHA384", NULL, auth_data->data, auth_data->len,
                                 md, &md_len), ==, 1);
  splice_tpm2b (info, layout.extra_data, md, md_len);
  stmt_set_bytes (tc, "certInfo", info->data, info->len);
  use_aik (tc, aik, ca.aik_rsa, "SHA384");
  assert_verified (tc);
}

/* 4. The AIK certificate (§8.3.1) */

static void
assert_aik_refused (const AikSpec *spec,
                    int            code,
                    const char    *needle)
{
  g_autoptr(TpmCase) tc = ecc_case_with_aik (spec);

  assert_refused (tc, code, needle);
}

static void
test_aik_version (void)
{
  AikSpec spec = aik_spec_valid ();

  spec.version = X509_VERSION_2;
  assert_aik_refused (&spec, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID, "version 2");
}

static void
test_aik_subject (void)
{
  AikSpec spec = aik_spec_valid ();

  spec.subject_cn = "My TPM";
  assert_aik_refused (&spec, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID, "subject");
}

static void
test_aik_no_san (void)
{
  AikSpec spec = aik_spec_valid ();

  spec.san = FALSE;
  assert_aik_refused (&spec, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                      "no Subject Alternative Name");
}

static void
test_aik_san_attribute_missing (void)
{
  struct
  {
    const char *name;
    gboolean    one_rdn;
  } cases[] = {
    { "tcg-at-tpmManufacturer", FALSE }, { "tcg-at-tpmModel", FALSE },
    { "tcg-at-tpmVersion", FALSE }, { "tcg-at-tpmModel", TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      AikSpec spec = aik_spec_valid ();

      spec.san_one_rdn = cases[i].one_rdn;
      if (g_str_equal (cases[i].name, "tcg-at-tpmManufacturer"))
        spec.manufacturer = NULL;
      else if (g_str_equal (cases[i].name, "tcg-at-tpmModel"))
        spec.model = NULL;
      else
        spec.tpm_version = NULL;
      assert_aik_refused (&spec, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                          cases[i].name);
    }
}

static void
test_aik_san_attribute_twice (void)
{
  AikSpec spec = aik_spec_valid ();

  spec.manufacturer_2 = "id:4E544300";
  assert_aik_refused (&spec, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                      "tcg-at-tpmManufacturer (2.23.133.2.1) twice");
}

static void
test_aik_manufacturer_malformed (void)
{
  const char *values[] = { "NTC", "id:4E5443", "id:4E54430G", "id:4E5443000", "ID:4E544300" };

  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      AikSpec spec = aik_spec_valid ();

      spec.manufacturer = values[i];
      assert_aik_refused (&spec, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                          "tcg-at-tpmManufacturer");
    }
}

static void
test_aik_no_eku (void)
{
  AikSpec spec = aik_spec_valid ();

  spec.eku = NULL;
  assert_aik_refused (&spec, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                      "no Extended Key Usage");
}

static void
test_aik_wrong_eku (void)
{
  AikSpec spec = aik_spec_valid ();

  spec.eku = "1.3.6.1.5.5.7.3.2"; /* id-kp-clientAuth */
  assert_aik_refused (&spec, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                      "without tcg-kp-AIKCertificate");
}

static void
test_aik_ca (void)
{
  AikSpec spec = aik_spec_valid ();

  spec.ca = TRUE;
  assert_aik_refused (&spec, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID, "CA:TRUE");
}

static void
test_aik_no_basic_constraints (void)
{
  AikSpec spec = aik_spec_valid ();

  spec.basic_constraints = FALSE;
  assert_aik_refused (&spec, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                      "no Basic Constraints");
}

static void
test_aik_aaguid (void)
{
  g_autoptr(TpmCase) probe = tpm_case_load (CASE_ECC);
  g_autoptr(GByteArray) auth_data = get_bytes (probe->attestation, "authData");
  guint8 aaguid[16];
  AikSpec spec = aik_spec_valid ();
  g_autoptr(TpmCase) matching = NULL;
  g_autoptr(TpmCase) other = NULL;

  /* authData: rpIdHash(32) flags(1) signCount(4) aaguid(16) */
  memcpy (aaguid, auth_data->data + 37, sizeof aaguid);
  spec.aaguid = aaguid;
  matching = ecc_case_with_aik (&spec);
  assert_verified (matching);

  aaguid[15] ^= 0x01;
  other = ecc_case_with_aik (&spec);
  assert_refused (other, SESAME_WEBAUTHN_ERROR_ATTESTATION_AAGUID_MISMATCH, NULL);
}

/* 5. The signature */

static void
test_sig_flipped (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);
  g_autoptr(GByteArray) sig = stmt_get_bytes (tc, "sig");

  /* The last byte is inside the ECDSA s value, so the DER stays valid. */
  flip_byte (tc, "sig", sig->len - 1);
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID, "sig");
}

static void
test_sig_rsa_flipped (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_RSA);

  flip_byte (tc, "sig", 100);
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID, "sig");
}

static void
test_sig_other_aik (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);
  AikSpec spec = aik_spec_valid ();
  g_autoptr(X509) aik = NULL;

  /* A valid AIK certificate, but not the key that signed certInfo. */
  ensure_test_ca ();
  aik = make_aik_certificate (&spec, ca.aik_ec);
  use_aik (tc, aik, NULL, NULL);
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID, "sig");
}

static void
test_sig_alg_does_not_fit_aik (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);
  AikSpec spec = aik_spec_valid ();
  g_autoptr(X509) aik = NULL;

  /* alg says ES256, the AIK is RSA (and did sign certInfo, with RS256). */
  ensure_test_ca ();
  aik = make_aik_certificate (&spec, ca.aik_rsa);
  use_aik (tc, aik, ca.aik_rsa, "SHA256");
  assert_refused (tc, SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID, "ES256");
}

/* Fields that no rule reads (qualifiedSigner, clockInfo, firmwareVersion)
 * are still covered: any change to certInfo is refused. */
static void
test_cert_info_every_byte_signed (void)
{
  g_autoptr(TpmCase) tc = tpm_case_load (CASE_ECC);
  g_autoptr(GByteArray) info = stmt_get_bytes (tc, "certInfo");

  for (gsize i = 0; i < info->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SesameRegistration) registration = NULL;

      info->data[i] ^= 0x80;
      stmt_set_bytes (tc, "certInfo", info->data, info->len);
      info->data[i] ^= 0x80;
      registration = tpm_case_verify (tc, &error);
      g_assert_null (registration);
      if (!g_error_matches (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID) &&
          !g_error_matches (error, SESAME_WEBAUTHN_ERROR,
                            SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID))
        g_error ("certInfo byte %" G_GSIZE_FORMAT " changed: unexpected error %s",
                 i, error ? error->message : "(none)");
    }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  path = g_test_build_filename (G_TEST_DIST, "vectors", "registration.json", NULL);
  vectors = json_parser_new ();
  if (!json_parser_load_from_file (vectors, path, &error))
    g_error ("%s: %s", path, error->message);

  g_test_add_func ("/sesame/attestation/tpm/baseline/vectors", test_baseline_vectors);
  g_test_add_func ("/sesame/attestation/tpm/baseline/fresh-aik", test_baseline_fresh_aik);

  g_test_add_func ("/sesame/attestation/tpm/statement/ver-wrong", test_ver_wrong);
  g_test_add_func ("/sesame/attestation/tpm/statement/ver-missing", test_ver_missing);
  g_test_add_func ("/sesame/attestation/tpm/statement/alg-unsupported", test_alg_unsupported);
  g_test_add_func ("/sesame/attestation/tpm/statement/alg-eddsa", test_alg_eddsa);
  g_test_add_func ("/sesame/attestation/tpm/statement/alg-not-integer", test_alg_not_integer);
  g_test_add_func ("/sesame/attestation/tpm/statement/ecdaa", test_ecdaa);
  g_test_add_func ("/sesame/attestation/tpm/statement/x5c-missing", test_x5c_missing);
  g_test_add_func ("/sesame/attestation/tpm/statement/fields-not-bytes", test_fields_not_bytes);

  g_test_add_func ("/sesame/attestation/tpm/pub-area/truncated", test_pub_area_truncated);
  g_test_add_func ("/sesame/attestation/tpm/pub-area/trailing", test_pub_area_trailing);
  g_test_add_func ("/sesame/attestation/tpm/pub-area/unknown-type", test_pub_area_unknown_type);
  g_test_add_func ("/sesame/attestation/tpm/pub-area/ecc-point-differs",
                   test_pub_area_ecc_point_differs);
  g_test_add_func ("/sesame/attestation/tpm/pub-area/ecc-curve-differs",
                   test_pub_area_ecc_curve_differs);
  g_test_add_func ("/sesame/attestation/tpm/pub-area/rsa-modulus-differs",
                   test_pub_area_rsa_modulus_differs);
  g_test_add_func ("/sesame/attestation/tpm/pub-area/rsa-exponent-differs",
                   test_pub_area_rsa_exponent_differs);
  g_test_add_func ("/sesame/attestation/tpm/pub-area/key-type-differs",
                   test_pub_area_key_type_differs);
  g_test_add_func ("/sesame/attestation/tpm/pub-area/rsa-exponent-explicit",
                   test_pub_area_rsa_exponent_explicit);

  g_test_add_func ("/sesame/attestation/tpm/cert-info/magic", test_cert_info_magic);
  g_test_add_func ("/sesame/attestation/tpm/cert-info/type", test_cert_info_type);
  g_test_add_func ("/sesame/attestation/tpm/cert-info/extra-data", test_cert_info_extra_data);
  g_test_add_func ("/sesame/attestation/tpm/cert-info/extra-data-hash-follows-alg",
                   test_cert_info_extra_data_hash_follows_alg);
  g_test_add_func ("/sesame/attestation/tpm/cert-info/name", test_cert_info_name);
  g_test_add_func ("/sesame/attestation/tpm/cert-info/name-alg", test_cert_info_name_alg);
  g_test_add_func ("/sesame/attestation/tpm/cert-info/truncated", test_cert_info_truncated);
  g_test_add_func ("/sesame/attestation/tpm/cert-info/trailing", test_cert_info_trailing);
  g_test_add_func ("/sesame/attestation/tpm/cert-info/every-byte-signed",
                   test_cert_info_every_byte_signed);

  g_test_add_func ("/sesame/attestation/tpm/aik/version", test_aik_version);
  g_test_add_func ("/sesame/attestation/tpm/aik/subject", test_aik_subject);
  g_test_add_func ("/sesame/attestation/tpm/aik/no-san", test_aik_no_san);
  g_test_add_func ("/sesame/attestation/tpm/aik/san-attribute-missing",
                   test_aik_san_attribute_missing);
  g_test_add_func ("/sesame/attestation/tpm/aik/san-attribute-twice",
                   test_aik_san_attribute_twice);
  g_test_add_func ("/sesame/attestation/tpm/aik/manufacturer-malformed",
                   test_aik_manufacturer_malformed);
  g_test_add_func ("/sesame/attestation/tpm/aik/no-eku", test_aik_no_eku);
  g_test_add_func ("/sesame/attestation/tpm/aik/wrong-eku", test_aik_wrong_eku);
  g_test_add_func ("/sesame/attestation/tpm/aik/ca", test_aik_ca);
  g_test_add_func ("/sesame/attestation/tpm/aik/no-basic-constraints",
                   test_aik_no_basic_constraints);
  g_test_add_func ("/sesame/attestation/tpm/aik/aaguid", test_aik_aaguid);

  g_test_add_func ("/sesame/attestation/tpm/sig/flipped", test_sig_flipped);
  g_test_add_func ("/sesame/attestation/tpm/sig/rsa-flipped", test_sig_rsa_flipped);
  g_test_add_func ("/sesame/attestation/tpm/sig/other-aik", test_sig_other_aik);
  g_test_add_func ("/sesame/attestation/tpm/sig/alg-does-not-fit-aik",
                   test_sig_alg_does_not_fit_aik);

  status = g_test_run ();

  g_clear_object (&vectors);
  EVP_PKEY_free (ca.key);
  EVP_PKEY_free (ca.aik_ec);
  EVP_PKEY_free (ca.aik_rsa);
  X509_free (ca.cert);
  return status;
}
