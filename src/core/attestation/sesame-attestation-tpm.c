/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The "tpm" attestation statement format (WebAuthn L3 §8.3).
 *
 * A TPM does not sign authenticator data itself. It certifies the new key
 * (TPM2_Certify): certInfo is a TPMS_ATTEST that names the key's public
 * area (pubArea) and carries, as extraData, a digest of authenticator data
 * and the client data hash; sig is the AIK's signature over certInfo. So the
 * checks chain up: pubArea is the credential key, certInfo names that
 * pubArea and binds this ceremony, the AIK certificate is a TPM AIK
 * certificate, and the AIK signed certInfo. TPM structures are big-endian
 * and are laid out in TPM 2.0 Part 2 (TPMT_PUBLIC §12.2.4, TPMS_ATTEST
 * §10.12.12). */

#include "config.h"

#include "sesame-attestation-private.h"
#include "sesame-cbor.h"
#include "sesame-cose-key.h"
#include "sesame-openssl.h"
#include "sesame-webauthn-error.h"
#include "sesame-x509.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include <string.h>

#define TPM_GENERATED_VALUE   0xff544347u
#define TPM_ST_ATTEST_CERTIFY 0x8017

#define TPM_ALG_RSA    0x0001
#define TPM_ALG_SHA1   0x0004
#define TPM_ALG_SHA256 0x000b
#define TPM_ALG_SHA384 0x000c
#define TPM_ALG_SHA512 0x000d
#define TPM_ALG_NULL   0x0010
#define TPM_ALG_RSAES  0x0015
#define TPM_ALG_ECDAA  0x001a
#define TPM_ALG_ECC    0x0023

#define TPM_ECC_NIST_P256 0x0003
#define TPM_ECC_NIST_P384 0x0004
#define TPM_ECC_NIST_P521 0x0005

#define OID_TCG_AT_TPM_MANUFACTURER "2.23.133.2.1"
#define OID_TCG_AT_TPM_MODEL        "2.23.133.2.2"
#define OID_TCG_AT_TPM_VERSION      "2.23.133.2.3"
#define OID_TCG_KP_AIK_CERTIFICATE  "2.23.133.8.3"

/* A cursor over one TPM structure. A structure that ends early is reported
 * with the code of the step that reads it. */
typedef struct
{
  const guint8 *data;
  gsize         len;
  gsize         pos;
  const char   *what;
  int           code;
} TpmReader;

/* TPMT_PUBLIC, as much of it as the checks need. */
typedef struct
{
  guint16       type;
  guint16       name_alg;
  guint32       exponent;     /* RSA; 0 stands for 65537 */
  guint16       curve_id;     /* ECC */
  const guint8 *unique_a;     /* RSA modulus, or ECC x */
  gsize         unique_a_len;
  const guint8 *unique_b;     /* ECC y */
  gsize         unique_b_len;
} TpmPublic;

/* TPMS_ATTEST of type TPM_ST_ATTEST_CERTIFY, the fields WebAuthn checks. */
typedef struct
{
  const guint8 *extra_data;
  gsize         extra_data_len;
  const guint8 *name;
  gsize         name_len;
} TpmCertifyInfo;

static gboolean
bad_statement (GError    **error,
               const char *message)
{
  g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
               "tpm attestation: %s", message);
  return FALSE;
}

static void
tpm_reader_init (TpmReader    *r,
                 const guint8 *data,
                 gsize         len,
                 const char   *what,
                 int           code)
{
  r->data = data;
  r->len = len;
  r->pos = 0;
  r->what = what;
  r->code = code;
}

static gboolean
tpm_read_uint (TpmReader  *r,
               gsize       size,
               const char *field,
               guint64    *out,
               GError    **error)
{
  guint64 value = 0;

  if (r->len - r->pos < size)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, r->code,
                   "tpm attestation: attStmt.%s ends inside %s (byte %" G_GSIZE_FORMAT
                   " of %" G_GSIZE_FORMAT ")", r->what, field, r->pos, r->len);
      return FALSE;
    }
  for (gsize i = 0; i < size; i++)
    value = value << 8 | r->data[r->pos + i];
  r->pos += size;
  *out = value;
  return TRUE;
}

static gboolean
tpm_read_u16 (TpmReader  *r,
              const char *field,
              guint16    *out,
              GError    **error)
{
  guint64 value;

  if (!tpm_read_uint (r, 2, field, &value, error))
    return FALSE;
  *out = (guint16) value;
  return TRUE;
}

static gboolean
tpm_read_u32 (TpmReader  *r,
              const char *field,
              guint32    *out,
              GError    **error)
{
  guint64 value;

  if (!tpm_read_uint (r, 4, field, &value, error))
    return FALSE;
  *out = (guint32) value;
  return TRUE;
}

static gboolean
tpm_skip (TpmReader  *r,
          gsize       size,
          const char *field,
          GError    **error)
{
  guint64 unused;

  /* Fields that are only skipped are at most 8 bytes wide. */
  g_assert (size <= 8);
  return tpm_read_uint (r, size, field, &unused, error);
}

/* A TPM2B_*: a 16-bit size, then that many bytes. */
static gboolean
tpm_read_tpm2b (TpmReader     *r,
                const char    *field,
                const guint8 **data,
                gsize         *len,
                GError       **error)
{
  guint16 size;

  if (!tpm_read_u16 (r, field, &size, error))
    return FALSE;
  if (r->len - r->pos < size)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, r->code,
                   "tpm attestation: attStmt.%s ends inside %s, which says it has %u bytes "
                   "but only %" G_GSIZE_FORMAT " are left", r->what, field, size, r->len - r->pos);
      return FALSE;
    }
  *data = r->data + r->pos;
  *len = size;
  r->pos += size;
  return TRUE;
}

static gboolean
tpm_reader_finish (TpmReader *r,
                   GError   **error)
{
  if (r->pos != r->len)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, r->code,
                   "tpm attestation: attStmt.%s has %" G_GSIZE_FORMAT " byte(s) after its end",
                   r->what, r->len - r->pos);
      return FALSE;
    }
  return TRUE;
}

/* TPMT_SYM_DEF_OBJECT: an algorithm, then key bits and mode unless NULL. */
static gboolean
tpm_skip_symmetric (TpmReader *r,
                    GError   **error)
{
  guint16 algorithm;

  if (!tpm_read_u16 (r, "parameters.symmetric.algorithm", &algorithm, error))
    return FALSE;
  if (algorithm != TPM_ALG_NULL &&
      !tpm_skip (r, 4, "parameters.symmetric.keyBits and mode", error))
    return FALSE;
  return TRUE;
}

/* TPMT_RSA_SCHEME / TPMT_ECC_SCHEME / TPMT_KDF_SCHEME: a scheme, then its
 * details. Most details are a TPMS_SCHEME_HASH (one hash algorithm); RSAES
 * has none and ECDAA adds a 16-bit count. */
static gboolean
tpm_skip_scheme (TpmReader  *r,
                 const char *field,
                 GError    **error)
{
  guint16 scheme;
  gsize details;

  if (!tpm_read_u16 (r, field, &scheme, error))
    return FALSE;
  switch (scheme)
    {
    case TPM_ALG_NULL:
    case TPM_ALG_RSAES:
      details = 0;
      break;
    case TPM_ALG_ECDAA:
      details = 4;
      break;
    default:
      details = 2;
      break;
    }
  return details == 0 || tpm_skip (r, details, field, error);
}

static gboolean
parse_pub_area (const guint8 *data,
                gsize         len,
                TpmPublic    *pub,
                GError      **error)
{
  TpmReader r;
  const guint8 *auth_policy;
  gsize auth_policy_len;
  guint32 object_attributes;

  tpm_reader_init (&r, data, len, "pubArea", SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT);
  memset (pub, 0, sizeof *pub);

  if (!tpm_read_u16 (&r, "type", &pub->type, error) ||
      !tpm_read_u16 (&r, "nameAlg", &pub->name_alg, error) ||
      !tpm_read_u32 (&r, "objectAttributes", &object_attributes, error) ||
      !tpm_read_tpm2b (&r, "authPolicy", &auth_policy, &auth_policy_len, error))
    return FALSE;

  switch (pub->type)
    {
    case TPM_ALG_RSA:
      if (!tpm_skip_symmetric (&r, error) ||
          !tpm_skip_scheme (&r, "parameters.scheme", error) ||
          !tpm_skip (&r, 2, "parameters.keyBits", error) ||
          !tpm_read_u32 (&r, "parameters.exponent", &pub->exponent, error) ||
          !tpm_read_tpm2b (&r, "unique (the RSA modulus)", &pub->unique_a,
                           &pub->unique_a_len, error))
        return FALSE;
      break;

    case TPM_ALG_ECC:
      if (!tpm_skip_symmetric (&r, error) ||
          !tpm_skip_scheme (&r, "parameters.scheme", error) ||
          !tpm_read_u16 (&r, "parameters.curveID", &pub->curve_id, error) ||
          !tpm_skip_scheme (&r, "parameters.kdf", error) ||
          !tpm_read_tpm2b (&r, "unique.x", &pub->unique_a, &pub->unique_a_len, error) ||
          !tpm_read_tpm2b (&r, "unique.y", &pub->unique_b, &pub->unique_b_len, error))
        return FALSE;
      break;

    default:
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
                   "tpm attestation: attStmt.pubArea has type 0x%04x; only TPM_ALG_RSA "
                   "(0x0001) and TPM_ALG_ECC (0x0023) keys can be credentials", pub->type);
      return FALSE;
    }

  return tpm_reader_finish (&r, error);
}

static gboolean
public_area_mismatch (GError    **error,
                      const char *message)
{
  g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_TPM_PUBLIC_AREA_MISMATCH,
               "tpm attestation: the key in attStmt.pubArea is not the credential public key: %s",
               message);
  return FALSE;
}

/* Compares one big-endian integer of pubArea with a parameter of the
 * credential's key. Comparing numbers, not bytes, lets a TPM omit leading
 * zeros of a coordinate. */
static gboolean
bn_param_equals (EVP_PKEY     *pkey,
                 const char   *param,
                 const guint8 *data,
                 gsize         len)
{
  g_autoptr(BIGNUM) ours = NULL;
  g_autoptr(BIGNUM) theirs = NULL;

  if (len > G_MAXINT || EVP_PKEY_get_bn_param (pkey, param, &ours) != 1)
    return FALSE;
  theirs = BN_bin2bn (data, (int) len, NULL);
  return theirs && BN_cmp (ours, theirs) == 0;
}

static gboolean
check_public_area_key (const TpmPublic     *pub,
                       const SesameCoseKey *key,
                       GError             **error)
{
  EVP_PKEY *pkey = sesame_cose_key_get_pkey (key);
  int kty = sesame_cose_key_get_key_type (key);

  if (pub->type == TPM_ALG_RSA)
    {
      g_autoptr(BIGNUM) e = NULL;
      g_autoptr(BIGNUM) credential_e = NULL;

      if (kty != SESAME_COSE_KTY_RSA)
        return public_area_mismatch (error, "pubArea holds an RSA key, the credential does not");
      if (!bn_param_equals (pkey, OSSL_PKEY_PARAM_RSA_N, pub->unique_a, pub->unique_a_len))
        return public_area_mismatch (error, "the RSA moduli differ");

      /* TPM 2.0 Part 2 §12.2.3.5: an exponent of zero means the default, 2^16 + 1. */
      e = BN_new ();
      BN_set_word (e, pub->exponent ? pub->exponent : 65537);
      if (EVP_PKEY_get_bn_param (pkey, OSSL_PKEY_PARAM_RSA_E, &credential_e) != 1 ||
          BN_cmp (e, credential_e) != 0)
        {
          g_autofree char *message =
            g_strdup_printf ("the RSA exponent in pubArea is %lu%s, the credential's differs",
                             (unsigned long) BN_get_word (e),
                             pub->exponent ? "" : " (0, the default)");
          return public_area_mismatch (error, message);
        }
      return TRUE;
    }
  else
    {
      /* COSE numbers the NIST curves 1, 2, 3; the TPM numbers them 3, 4, 5. */
      int want_crv;

      if (kty != SESAME_COSE_KTY_EC2)
        return public_area_mismatch (error, "pubArea holds an ECC key, the credential is not EC2");
      switch (pub->curve_id)
        {
        case TPM_ECC_NIST_P256: want_crv = 1; break;
        case TPM_ECC_NIST_P384: want_crv = 2; break;
        case TPM_ECC_NIST_P521: want_crv = 3; break;
        default: want_crv = 0; break;
        }
      if (want_crv != sesame_cose_key_get_curve (key))
        {
          g_autofree char *message =
            g_strdup_printf ("pubArea's curve is TPM_ECC 0x%04x, the credential's is COSE "
                             "curve %d", pub->curve_id, sesame_cose_key_get_curve (key));
          return public_area_mismatch (error, message);
        }
      if (!bn_param_equals (pkey, OSSL_PKEY_PARAM_EC_PUB_X, pub->unique_a, pub->unique_a_len) ||
          !bn_param_equals (pkey, OSSL_PKEY_PARAM_EC_PUB_Y, pub->unique_b, pub->unique_b_len))
        return public_area_mismatch (error, "the points differ");
      return TRUE;
    }
}

static gboolean
info_invalid (GError    **error,
              const char *message)
{
  g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID,
               "tpm attestation: %s", message);
  return FALSE;
}

static gboolean
parse_cert_info (const guint8   *data,
                 gsize           len,
                 TpmCertifyInfo *info,
                 GError        **error)
{
  TpmReader r;
  const guint8 *unused;
  gsize unused_len;
  guint32 magic;
  guint16 type;

  tpm_reader_init (&r, data, len, "certInfo", SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID);
  memset (info, 0, sizeof *info);

  if (!tpm_read_u32 (&r, "magic", &magic, error))
    return FALSE;
  if (magic != TPM_GENERATED_VALUE)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID,
                   "tpm attestation: attStmt.certInfo.magic is 0x%08x, not TPM_GENERATED_VALUE "
                   "(0xff544347): the TPM did not produce it", magic);
      return FALSE;
    }
  if (!tpm_read_u16 (&r, "type", &type, error))
    return FALSE;
  if (type != TPM_ST_ATTEST_CERTIFY)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID,
                   "tpm attestation: attStmt.certInfo.type is 0x%04x, not TPM_ST_ATTEST_CERTIFY "
                   "(0x8017)", type);
      return FALSE;
    }

  /* qualifiedSigner, clockInfo and firmwareVersion are not checked (§8.3.2),
   * but must be there for the structure to be whole. */
  if (!tpm_read_tpm2b (&r, "qualifiedSigner", &unused, &unused_len, error) ||
      !tpm_read_tpm2b (&r, "extraData", &info->extra_data, &info->extra_data_len, error) ||
      !tpm_skip (&r, 8, "clockInfo.clock", error) ||
      !tpm_skip (&r, 4, "clockInfo.resetCount", error) ||
      !tpm_skip (&r, 4, "clockInfo.restartCount", error) ||
      !tpm_skip (&r, 1, "clockInfo.safe", error) ||
      !tpm_skip (&r, 8, "firmwareVersion", error) ||
      !tpm_read_tpm2b (&r, "attested.name", &info->name, &info->name_len, error) ||
      !tpm_read_tpm2b (&r, "attested.qualifiedName", &unused, &unused_len, error))
    return FALSE;

  return tpm_reader_finish (&r, error);
}

/* The hash that extraData is made with: the one alg signs with. EdDSA has
 * none of its own to lend, so a TPM statement cannot use it. */
static const char *
alg_digest_name (int alg)
{
  switch (alg)
    {
    case SESAME_COSE_ALG_RS1:
      return "SHA1";
    case SESAME_COSE_ALG_ES256:
    case SESAME_COSE_ALG_ESP256:
    case SESAME_COSE_ALG_RS256:
    case SESAME_COSE_ALG_PS256:
      return "SHA256";
    case SESAME_COSE_ALG_ES384:
    case SESAME_COSE_ALG_ESP384:
    case SESAME_COSE_ALG_RS384:
    case SESAME_COSE_ALG_PS384:
      return "SHA384";
    case SESAME_COSE_ALG_ES512:
    case SESAME_COSE_ALG_ESP512:
    case SESAME_COSE_ALG_RS512:
    case SESAME_COSE_ALG_PS512:
      return "SHA512";
    default:
      return NULL;
    }
}

static const char *
tpm_digest_name (guint16 tpm_alg)
{
  switch (tpm_alg)
    {
    case TPM_ALG_SHA1: return "SHA1";
    case TPM_ALG_SHA256: return "SHA256";
    case TPM_ALG_SHA384: return "SHA384";
    case TPM_ALG_SHA512: return "SHA512";
    default: return NULL;
    }
}

static gboolean
check_extra_data (const SesameAttestationInput *in,
                  const TpmCertifyInfo         *info,
                  int                           alg,
                  GError                      **error)
{
  g_autoptr(GBytes) att_to_be_signed = sesame_attestation_signed_data (in);
  const char *digest = alg_digest_name (alg);
  guint8 md[EVP_MAX_MD_SIZE];
  size_t md_len = 0;
  gsize len;
  const guint8 *data = g_bytes_get_data (att_to_be_signed, &len);

  if (EVP_Q_digest (NULL, digest, NULL, data, len, md, &md_len) != 1)
    return info_invalid (error, "attToBeSigned could not be hashed");
  if (info->extra_data_len != md_len || memcmp (info->extra_data, md, md_len) != 0)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID,
                   "tpm attestation: attStmt.certInfo.extraData (%" G_GSIZE_FORMAT " bytes) is "
                   "not the %s digest of authenticatorData followed by clientDataHash, which %s "
                   "calls for",
                   info->extra_data_len, digest, sesame_cose_algorithm_to_string (alg));
      return FALSE;
    }
  return TRUE;
}

/* TPM 2.0 Part 1 §16: an object's Name is nameAlg (big-endian) followed by
 * the nameAlg digest of its TPMT_PUBLIC. */
static gboolean
check_attested_name (const TpmCertifyInfo *info,
                     const TpmPublic      *pub,
                     const guint8         *pub_area,
                     gsize                 pub_area_len,
                     GError              **error)
{
  const char *digest = tpm_digest_name (pub->name_alg);
  guint8 name[2 + EVP_MAX_MD_SIZE];
  size_t md_len = 0;

  if (!digest)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID,
                   "tpm attestation: attStmt.pubArea.nameAlg 0x%04x is not SHA-1, SHA-256, "
                   "SHA-384 or SHA-512, so its Name cannot be checked", pub->name_alg);
      return FALSE;
    }
  name[0] = pub->name_alg >> 8;
  name[1] = pub->name_alg & 0xff;
  if (EVP_Q_digest (NULL, digest, NULL, pub_area, pub_area_len, name + 2, &md_len) != 1)
    return info_invalid (error, "attStmt.pubArea could not be hashed");
  if (info->name_len != 2 + md_len || memcmp (info->name, name, 2 + md_len) != 0)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID,
                   "tpm attestation: attStmt.certInfo.attested.name is not the Name of "
                   "attStmt.pubArea (nameAlg 0x%04x, then the %s digest of pubArea): the TPM "
                   "certified another key", pub->name_alg, digest);
      return FALSE;
    }
  return TRUE;
}

static gboolean
aik_invalid (GError    **error,
             const char *message)
{
  g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
               "tpm attestation: the AIK certificate %s", message);
  return FALSE;
}

static gboolean
object_is (const ASN1_OBJECT *object,
           const char        *oid)
{
  char text[80];

  return OBJ_obj2txt (text, sizeof text, object, 1) > 0 && strcmp (text, oid) == 0;
}

/* "id:" and four bytes in hex, the TCG's form of a vendor id. Which vendors
 * exist is a question for trust policy, not for the format. */
static gboolean
is_tpm_vendor_id (const ASN1_STRING *value)
{
  unsigned char *utf8 = NULL;
  int len = ASN1_STRING_to_UTF8 (&utf8, value);
  gboolean ok = len == 11 && memcmp (utf8, "id:", 3) == 0;

  for (int i = 3; ok && i < len; i++)
    ok = g_ascii_isxdigit (utf8[i]);
  OPENSSL_free (utf8);
  return ok;
}

/* TPMv2 EK profile §3.2.9: the SAN holds a directoryName with the TPM's
 * manufacturer, model and version. The profile puts each attribute in its
 * own RDN; many TPMs put all three in one multi-valued RDN. OpenSSL flattens
 * both into a list of entries, so both are read the same way. */
static gboolean
check_subject_alt_name (X509    *aik,
                        GError **error)
{
  static const struct
  {
    const char *oid;
    const char *name;
  } wanted[] = {
    { OID_TCG_AT_TPM_MANUFACTURER, "tcg-at-tpmManufacturer" },
    { OID_TCG_AT_TPM_MODEL, "tcg-at-tpmModel" },
    { OID_TCG_AT_TPM_VERSION, "tcg-at-tpmVersion" },
  };
  const ASN1_STRING *values[G_N_ELEMENTS (wanted)] = { NULL };
  g_autofree char *problem = NULL;
  GENERAL_NAMES *names;
  int critical = -1;

  names = X509_get_ext_d2i (aik, NID_subject_alt_name, &critical, NULL);
  if (!names)
    return aik_invalid (error, critical == -1 ?
                        "has no Subject Alternative Name extension (it must name the TPM)" :
                        "has a malformed or repeated Subject Alternative Name extension");

  for (int i = 0; !problem && i < sk_GENERAL_NAME_num (names); i++)
    {
      int type;
      const X509_NAME *dir = GENERAL_NAME_get0_value (sk_GENERAL_NAME_value (names, i), &type);

      if (type != GEN_DIRNAME)
        continue;
      for (int j = 0; !problem && j < X509_NAME_entry_count (dir); j++)
        {
          const X509_NAME_ENTRY *entry = X509_NAME_get_entry (dir, j);

          for (gsize k = 0; k < G_N_ELEMENTS (wanted); k++)
            {
              if (!object_is (X509_NAME_ENTRY_get_object (entry), wanted[k].oid))
                continue;
              /* Two values for one attribute would leave it open which TPM this is. */
              if (values[k])
                problem = g_strdup_printf ("names %s (%s) twice in its Subject Alternative Name",
                                           wanted[k].name, wanted[k].oid);
              values[k] = X509_NAME_ENTRY_get_data (entry);
            }
        }
    }

  for (gsize k = 0; !problem && k < G_N_ELEMENTS (wanted); k++)
    {
      if (!values[k] || ASN1_STRING_length (values[k]) == 0)
        problem = g_strdup_printf ("has no %s (%s) in a directoryName of its Subject "
                                   "Alternative Name", wanted[k].name, wanted[k].oid);
    }
  if (!problem && !is_tpm_vendor_id (values[0]))
    problem = g_strdup ("has a tcg-at-tpmManufacturer that is not of the form \"id:\" and "
                        "8 hex digits");

  GENERAL_NAMES_free (names);
  if (problem)
    return aik_invalid (error, problem);
  return TRUE;
}

static gboolean
check_extended_key_usage (X509    *aik,
                          GError **error)
{
  EXTENDED_KEY_USAGE *usage;
  gboolean found = FALSE;
  int critical = -1;

  usage = X509_get_ext_d2i (aik, NID_ext_key_usage, &critical, NULL);
  if (!usage)
    return aik_invalid (error, critical == -1 ?
                        "has no Extended Key Usage extension (it must contain "
                        "tcg-kp-AIKCertificate, " OID_TCG_KP_AIK_CERTIFICATE ")" :
                        "has a malformed or repeated Extended Key Usage extension");
  for (int i = 0; !found && i < sk_ASN1_OBJECT_num (usage); i++)
    found = object_is (sk_ASN1_OBJECT_value (usage, i), OID_TCG_KP_AIK_CERTIFICATE);
  EXTENDED_KEY_USAGE_free (usage);

  if (!found)
    return aik_invalid (error, "has an Extended Key Usage without tcg-kp-AIKCertificate ("
                        OID_TCG_KP_AIK_CERTIFICATE ")");
  return TRUE;
}

static gboolean
check_basic_constraints (X509    *aik,
                         GError **error)
{
  BASIC_CONSTRAINTS *constraints;
  gboolean ca;
  int critical = -1;

  /* §8.3.1 asks for the extension with CA false, not merely for CA not
   * being claimed. */
  constraints = X509_get_ext_d2i (aik, NID_basic_constraints, &critical, NULL);
  if (!constraints)
    return aik_invalid (error, critical == -1 ?
                        "has no Basic Constraints extension (it must say CA:FALSE)" :
                        "has a malformed or repeated Basic Constraints extension");
  ca = constraints->ca != 0;
  BASIC_CONSTRAINTS_free (constraints);

  if (ca)
    return aik_invalid (error, "is a CA certificate (Basic Constraints CA:TRUE)");
  return TRUE;
}

/* WebAuthn L3 §8.3.1, TPM attestation statement certificate requirements. */
static gboolean
check_aik_certificate (X509         *aik,
                       const guint8  aaguid[16],
                       GError      **error)
{
  const X509_NAME *subject = X509_get_subject_name (aik);

  if (X509_get_version (aik) != X509_VERSION_3)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR,
                   SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                   "tpm attestation: the AIK certificate is X.509 version %ld; it must be "
                   "version 3", X509_get_version (aik) + 1);
      return FALSE;
    }
  if (X509_NAME_entry_count (subject) != 0)
    {
      g_autofree char *text = NULL;
      char *oneline = X509_NAME_oneline (subject, NULL, 0);

      text = g_strdup (oneline ? oneline : "?");
      OPENSSL_free (oneline);
      g_set_error (error, SESAME_WEBAUTHN_ERROR,
                   SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                   "tpm attestation: the AIK certificate has subject %s; it must be empty "
                   "(the TPM is named in the Subject Alternative Name)", text);
      return FALSE;
    }
  return check_subject_alt_name (aik, error) &&
         check_extended_key_usage (aik, error) &&
         check_basic_constraints (aik, error) &&
         sesame_x509_check_aaguid_extension (aik, aaguid, error);
}

gboolean
sesame_attestation_verify_tpm (const SesameAttestationInput *in,
                               SesameAttestationOutput      *out,
                               GError                      **error)
{
  g_autoptr(SesameX509Stack) chain = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *ver = NULL;
  const cbor_item_t *x5c, *sig, *cert_info, *pub_area;
  TpmPublic pub;
  TpmCertifyInfo info;
  EVP_PKEY *aik_key;
  gint64 alg;

  /* 1. The statement's shape: version, algorithm, and an AIK certificate
   *    rather than ECDAA, which WebAuthn L2 withdrew. */
  ver = sesame_cbor_dup_text (sesame_cbor_map_get_str (in->att_stmt, "ver"));
  if (!ver)
    return bad_statement (error, "attStmt.ver is missing or not a text string");
  if (strcmp (ver, "2.0") != 0)
    {
      /* The text comes from the authenticator; a GError message must be UTF-8. */
      g_autofree char *shown = g_utf8_make_valid (ver, -1);

      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
                   "tpm attestation: attStmt.ver is \"%s\"; only TPM \"2.0\" is defined", shown);
      return FALSE;
    }

  if (!sesame_cbor_get_int (sesame_cbor_map_get_str (in->att_stmt, "alg"), &alg))
    return bad_statement (error, "attStmt.alg is missing or not an integer");
  if (alg < G_MININT || alg > G_MAXINT || !sesame_cose_algorithm_is_supported ((int) alg))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM,
                   "tpm attestation: attStmt.alg %" G_GINT64_FORMAT " is not a supported COSE "
                   "algorithm", alg);
      return FALSE;
    }
  if (!alg_digest_name ((int) alg))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM,
                   "tpm attestation: attStmt.alg %s cannot be used: certInfo.extraData is a "
                   "digest made with alg's hash, and %s has none",
                   sesame_cose_algorithm_to_string ((int) alg),
                   sesame_cose_algorithm_to_string ((int) alg));
      return FALSE;
    }

  if (sesame_cbor_map_get_str (in->att_stmt, "ecdaaKeyId"))
    return bad_statement (error, "attStmt has ecdaaKeyId: ECDAA attestation is not supported "
                                 "(WebAuthn Level 2 removed it); an x5c chain is required");
  x5c = sesame_cbor_map_get_str (in->att_stmt, "x5c");
  if (!x5c)
    return bad_statement (error, "attStmt has no x5c: the AIK certificate is required");
  sig = sesame_cbor_map_get_str (in->att_stmt, "sig");
  if (!sesame_cbor_is_bytes (sig))
    return bad_statement (error, "attStmt.sig is missing or not a byte string");
  cert_info = sesame_cbor_map_get_str (in->att_stmt, "certInfo");
  if (!sesame_cbor_is_bytes (cert_info))
    return bad_statement (error, "attStmt.certInfo is missing or not a byte string");
  pub_area = sesame_cbor_map_get_str (in->att_stmt, "pubArea");
  if (!sesame_cbor_is_bytes (pub_area))
    return bad_statement (error, "attStmt.pubArea is missing or not a byte string");

  chain = sesame_x509_chain_from_x5c (x5c, in->fmt, error);
  if (!chain)
    return FALSE;

  /* 2. pubArea is the credential public key. */
  if (!parse_pub_area (cbor_bytestring_handle (pub_area), cbor_bytestring_length (pub_area),
                       &pub, error) ||
      !check_public_area_key (&pub, in->auth_data->public_key, error))
    return FALSE;

  /* 3. certInfo is the TPM's certification of that pubArea, for this
   *    ceremony. */
  if (!parse_cert_info (cbor_bytestring_handle (cert_info), cbor_bytestring_length (cert_info),
                        &info, error) ||
      !check_extra_data (in, &info, (int) alg, error) ||
      !check_attested_name (&info, &pub, cbor_bytestring_handle (pub_area),
                            cbor_bytestring_length (pub_area), error))
    return FALSE;

  /* 4. The leaf of x5c is an AIK certificate. */
  if (!check_aik_certificate (sk_X509_value (chain, 0), in->auth_data->aaguid, error))
    return FALSE;

  /* 5. The AIK signed certInfo. */
  aik_key = X509_get0_pubkey (sk_X509_value (chain, 0));
  if (!aik_key)
    return aik_invalid (error, "has a public key that cannot be read");
  if (!sesame_cose_verify_signature (aik_key, (int) alg,
                                     cbor_bytestring_handle (cert_info),
                                     cbor_bytestring_length (cert_info),
                                     cbor_bytestring_handle (sig),
                                     cbor_bytestring_length (sig), &local_error))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR,
                   SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID,
                   "tpm attestation: attStmt.sig over certInfo does not verify with the AIK "
                   "certificate: %s", local_error->message);
      return FALSE;
    }

  /* 6. Attestation CA: the AIK certificate's path decides the trust. */
  out->type = SESAME_ATTESTATION_TYPE_ATTCA;
  out->chain = g_steal_pointer (&chain);
  return sesame_x509_check_path (in, out, error);
}
