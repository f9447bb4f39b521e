/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-cose-key.h"
#include "sesame-base64.h"
#include "sesame-cbor.h"
#include "sesame-openssl.h"
#include "sesame-webauthn-error.h"

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <string.h>

#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 16384

struct _SesameCoseKey
{
  gatomicrefcount ref_count;
  int kty;
  int alg;
  int crv;
  EVP_PKEY *pkey;
  GBytes *encoded;
};

typedef struct
{
  int alg;
  const char *name;
  int kty;
  int crv;          /* 0: any curve of the key type */
  const char *md;   /* NULL: the algorithm hashes internally (EdDSA) */
  gboolean pss;
} AlgInfo;

/* COSE EC2 curves 1–3, OKP curves 6–7 */
enum { CRV_P256 = 1, CRV_P384 = 2, CRV_P521 = 3, CRV_ED25519 = 6, CRV_ED448 = 7 };

static const AlgInfo algorithms[] = {
  { SESAME_COSE_ALG_ES256,   "ES256",   SESAME_COSE_KTY_EC2, CRV_P256,    "SHA256", FALSE },
  { SESAME_COSE_ALG_ESP256,  "ESP256",  SESAME_COSE_KTY_EC2, CRV_P256,    "SHA256", FALSE },
  { SESAME_COSE_ALG_ES384,   "ES384",   SESAME_COSE_KTY_EC2, CRV_P384,    "SHA384", FALSE },
  { SESAME_COSE_ALG_ESP384,  "ESP384",  SESAME_COSE_KTY_EC2, CRV_P384,    "SHA384", FALSE },
  { SESAME_COSE_ALG_ES512,   "ES512",   SESAME_COSE_KTY_EC2, CRV_P521,    "SHA512", FALSE },
  { SESAME_COSE_ALG_ESP512,  "ESP512",  SESAME_COSE_KTY_EC2, CRV_P521,    "SHA512", FALSE },
  { SESAME_COSE_ALG_EDDSA,   "EdDSA",   SESAME_COSE_KTY_OKP, 0,           NULL,     FALSE },
  { SESAME_COSE_ALG_ED25519, "Ed25519", SESAME_COSE_KTY_OKP, CRV_ED25519, NULL,     FALSE },
  { SESAME_COSE_ALG_ED448,   "Ed448",   SESAME_COSE_KTY_OKP, CRV_ED448,   NULL,     FALSE },
  { SESAME_COSE_ALG_RS256,   "RS256",   SESAME_COSE_KTY_RSA, 0,           "SHA256", FALSE },
  { SESAME_COSE_ALG_RS384,   "RS384",   SESAME_COSE_KTY_RSA, 0,           "SHA384", FALSE },
  { SESAME_COSE_ALG_RS512,   "RS512",   SESAME_COSE_KTY_RSA, 0,           "SHA512", FALSE },
  { SESAME_COSE_ALG_RS1,     "RS1",     SESAME_COSE_KTY_RSA, 0,           "SHA1",   FALSE },
  { SESAME_COSE_ALG_PS256,   "PS256",   SESAME_COSE_KTY_RSA, 0,           "SHA256", TRUE },
  { SESAME_COSE_ALG_PS384,   "PS384",   SESAME_COSE_KTY_RSA, 0,           "SHA384", TRUE },
  { SESAME_COSE_ALG_PS512,   "PS512",   SESAME_COSE_KTY_RSA, 0,           "SHA512", TRUE },
};

static const int supported_algorithms[] = {
  SESAME_COSE_ALG_ES256, SESAME_COSE_ALG_ESP256, SESAME_COSE_ALG_ES384, SESAME_COSE_ALG_ESP384,
  SESAME_COSE_ALG_ES512, SESAME_COSE_ALG_ESP512, SESAME_COSE_ALG_EDDSA, SESAME_COSE_ALG_ED25519,
  SESAME_COSE_ALG_ED448, SESAME_COSE_ALG_RS256, SESAME_COSE_ALG_RS384, SESAME_COSE_ALG_RS512,
  SESAME_COSE_ALG_RS1, SESAME_COSE_ALG_PS256, SESAME_COSE_ALG_PS384, SESAME_COSE_ALG_PS512,
};

static const AlgInfo *
lookup_alg (int alg)
{
  for (gsize i = 0; i < G_N_ELEMENTS (algorithms); i++)
    if (algorithms[i].alg == alg)
      return &algorithms[i];
  return NULL;
}

const char *
sesame_cose_algorithm_to_string (int alg)
{
  const AlgInfo *info = lookup_alg (alg);

  if (info)
    return info->name;
  switch (alg)
    {
    case SESAME_COSE_ALG_ML_DSA_44: return "ML-DSA-44";
    case SESAME_COSE_ALG_ML_DSA_65: return "ML-DSA-65";
    case SESAME_COSE_ALG_ML_DSA_87: return "ML-DSA-87";
    default: return "unknown";
    }
}

gboolean
sesame_cose_algorithm_is_supported (int alg)
{
  return lookup_alg (alg) != NULL;
}

const int *
sesame_cose_supported_algorithms (gsize *n_algs)
{
  *n_algs = G_N_ELEMENTS (supported_algorithms);
  return supported_algorithms;
}

static gboolean
unsupported (int alg,
             GError **error)
{
  if (alg == SESAME_COSE_ALG_ML_DSA_44 || alg == SESAME_COSE_ALG_ML_DSA_65 ||
      alg == SESAME_COSE_ALG_ML_DSA_87)
    g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM,
                 "COSE algorithm %d (%s) is not supported: OpenSSL 3.0 has no ML-DSA",
                 alg, sesame_cose_algorithm_to_string (alg));
  else
    g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM,
                 "COSE algorithm %d is not supported", alg);
  return FALSE;
}

static EVP_PKEY *
pkey_from_params (const char   *type,
                  OSSL_PARAM_BLD *bld)
{
  g_autoptr(EVP_PKEY_CTX) ctx = EVP_PKEY_CTX_new_from_name (NULL, type, NULL);
  OSSL_PARAM *params = OSSL_PARAM_BLD_to_param (bld);
  EVP_PKEY *pkey = NULL;

  if (ctx && params && EVP_PKEY_fromdata_init (ctx) == 1)
    {
      if (EVP_PKEY_fromdata (ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
        pkey = NULL;
    }
  OSSL_PARAM_free (params);
  return pkey;
}

static const guint8 *
get_bytes (const cbor_item_t *map,
           gint64             label,
           gsize             *len)
{
  cbor_item_t *item = sesame_cbor_map_get_int (map, label);

  if (!sesame_cbor_is_bytes (item))
    return NULL;
  *len = cbor_bytestring_length (item);
  return cbor_bytestring_handle (item);
}

static EVP_PKEY *
ec2_pkey (const cbor_item_t *map,
          int                crv,
          GError           **error)
{
  const char *group;
  gsize field, x_len = 0, y_len = 0;
  const guint8 *x, *y;
  g_autofree guint8 *point = NULL;
  OSSL_PARAM_BLD *bld;
  EVP_PKEY *pkey;

  switch (crv)
    {
    case CRV_P256: group = "prime256v1"; field = 32; break;
    case CRV_P384: group = "secp384r1"; field = 48; break;
    case CRV_P521: group = "secp521r1"; field = 66; break;
    default:
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM,
                   "EC2 curve %d is not supported (P-256, P-384 and P-521 are)", crv);
      return NULL;
    }

  x = get_bytes (map, -2, &x_len);
  y = get_bytes (map, -3, &y_len);
  if (!x || !y)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                   "EC2 key needs x (-2) and uncompressed y (-3) as byte strings");
      return NULL;
    }
  if (x_len != field || y_len != field)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                   "EC2 key coordinates are %" G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT
                   " bytes, the curve needs %" G_GSIZE_FORMAT, x_len, y_len, field);
      return NULL;
    }

  point = g_malloc (1 + 2 * field);
  point[0] = 0x04;
  memcpy (point + 1, x, field);
  memcpy (point + 1 + field, y, field);

  bld = OSSL_PARAM_BLD_new ();
  OSSL_PARAM_BLD_push_utf8_string (bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
  OSSL_PARAM_BLD_push_octet_string (bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * field);
  pkey = pkey_from_params ("EC", bld);
  OSSL_PARAM_BLD_free (bld);

  /* The import decodes the point, which refuses one that is not on the curve. */
  if (!pkey)
    g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                 "EC2 key is not a point on %s", group);
  return pkey;
}

static EVP_PKEY *
okp_pkey (const cbor_item_t *map,
          int                crv,
          GError           **error)
{
  gsize x_len = 0, want;
  const guint8 *x = get_bytes (map, -2, &x_len);
  int type;
  EVP_PKEY *pkey;

  switch (crv)
    {
    case CRV_ED25519: type = EVP_PKEY_ED25519; want = 32; break;
    case CRV_ED448: type = EVP_PKEY_ED448; want = 57; break;
    default:
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM,
                   "OKP curve %d is not a signature curve (Ed25519 and Ed448 are)", crv);
      return NULL;
    }
  if (!x || x_len != want)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                   "OKP key needs x (-2) as a %" G_GSIZE_FORMAT "-byte string", want);
      return NULL;
    }
  pkey = EVP_PKEY_new_raw_public_key (type, NULL, x, x_len);
  if (!pkey)
    g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                 "OKP key x is not a valid public key");
  return pkey;
}

static EVP_PKEY *
rsa_pkey (const cbor_item_t *map,
          GError           **error)
{
  gsize n_len = 0, e_len = 0;
  const guint8 *n = get_bytes (map, -1, &n_len);
  const guint8 *e = get_bytes (map, -2, &e_len);
  BIGNUM *bn_n, *bn_e;
  OSSL_PARAM_BLD *bld;
  EVP_PKEY *pkey = NULL;
  int bits;

  if (!n || !e || n_len == 0 || e_len == 0)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                   "RSA key needs n (-1) and e (-2) as byte strings");
      return NULL;
    }
  bn_n = BN_bin2bn (n, (int) MIN (n_len, (gsize) G_MAXINT), NULL);
  bn_e = BN_bin2bn (e, (int) MIN (e_len, (gsize) G_MAXINT), NULL);
  bits = BN_num_bits (bn_n);
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
    g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                 "RSA modulus has %d bits; it must have between %d and %d",
                 bits, RSA_MIN_BITS, RSA_MAX_BITS);
  else if (!BN_is_odd (bn_e) || BN_is_one (bn_e) || BN_num_bits (bn_e) > 64)
    g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                 "RSA public exponent is not a usable exponent (odd, > 1, ≤ 64 bits)");
  else
    {
      bld = OSSL_PARAM_BLD_new ();
      OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_RSA_N, bn_n);
      OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_RSA_E, bn_e);
      pkey = pkey_from_params ("RSA", bld);
      OSSL_PARAM_BLD_free (bld);
      if (!pkey)
        g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                     "RSA key could not be imported");
    }
  BN_free (bn_n);
  BN_free (bn_e);
  return pkey;
}

SesameCoseKey *
sesame_cose_key_new_from_cbor (const guint8 *data,
                               gsize         len,
                               gsize        *consumed,
                               GError      **error)
{
  g_autoptr(cbor_item_t) map = NULL;
  g_autoptr(GError) local_error = NULL;
  const AlgInfo *info;
  SesameCoseKey *key;
  EVP_PKEY *pkey = NULL;
  gint64 kty, alg, crv = 0;
  gsize used = 0;

  map = sesame_cbor_load (data, len, &used, "COSE key", &local_error);
  if (!map)
    {
      g_set_error_literal (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                           local_error->message);
      return NULL;
    }
  if (!consumed && used != len)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                   "COSE key is followed by %" G_GSIZE_FORMAT " unexpected bytes", len - used);
      return NULL;
    }
  if (!sesame_cbor_map_check_keys (map, "COSE key", &local_error))
    {
      g_set_error_literal (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                           local_error->message);
      return NULL;
    }
  if (!sesame_cbor_get_int (sesame_cbor_map_get_int (map, 1), &kty))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                   "COSE key has no integer key type (label 1)");
      return NULL;
    }
  if (!sesame_cbor_get_int (sesame_cbor_map_get_int (map, 3), &alg))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                   "COSE key has no integer algorithm (label 3)");
      return NULL;
    }
  if (alg < G_MININT || alg > G_MAXINT)
    {
      unsupported (G_MININT, error);
      return NULL;
    }

  if (kty == SESAME_COSE_KTY_AKP)
    {
      unsupported ((int) alg, error);
      return NULL;
    }
  info = lookup_alg ((int) alg);
  if (!info)
    {
      unsupported ((int) alg, error);
      return NULL;
    }
  if (info->kty != kty)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                   "COSE key type %" G_GINT64_FORMAT " cannot be used with %s", kty, info->name);
      return NULL;
    }
  if (kty != SESAME_COSE_KTY_RSA &&
      !sesame_cbor_get_int (sesame_cbor_map_get_int (map, -1), &crv))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                   "COSE key has no integer curve (label -1)");
      return NULL;
    }
  if (info->crv != 0 && crv != info->crv)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY,
                   "COSE curve %" G_GINT64_FORMAT " cannot be used with %s", crv, info->name);
      return NULL;
    }

  switch (kty)
    {
    case SESAME_COSE_KTY_EC2: pkey = ec2_pkey (map, (int) crv, error); break;
    case SESAME_COSE_KTY_OKP: pkey = okp_pkey (map, (int) crv, error); break;
    case SESAME_COSE_KTY_RSA: pkey = rsa_pkey (map, error); break;
    default: g_assert_not_reached ();
    }
  if (!pkey)
    return NULL;

  key = g_new0 (SesameCoseKey, 1);
  g_atomic_ref_count_init (&key->ref_count);
  key->kty = (int) kty;
  key->alg = (int) alg;
  key->crv = (int) crv;
  key->pkey = pkey;
  key->encoded = g_bytes_new (data, used);
  if (consumed)
    *consumed = used;
  return key;
}

SesameCoseKey *
sesame_cose_key_ref (SesameCoseKey *key)
{
  g_atomic_ref_count_inc (&key->ref_count);
  return key;
}

void
sesame_cose_key_unref (SesameCoseKey *key)
{
  if (key && g_atomic_ref_count_dec (&key->ref_count))
    {
      EVP_PKEY_free (key->pkey);
      g_bytes_unref (key->encoded);
      g_free (key);
    }
}

int
sesame_cose_key_get_algorithm (const SesameCoseKey *key)
{
  return key->alg;
}

int
sesame_cose_key_get_key_type (const SesameCoseKey *key)
{
  return key->kty;
}

int
sesame_cose_key_get_curve (const SesameCoseKey *key)
{
  return key->crv;
}

EVP_PKEY *
sesame_cose_key_get_pkey (const SesameCoseKey *key)
{
  return key->pkey;
}

GBytes *
sesame_cose_key_get_encoded (const SesameCoseKey *key)
{
  return key->encoded;
}

gboolean
sesame_cose_key_matches_pkey (const SesameCoseKey *key,
                              EVP_PKEY            *pkey)
{
  return pkey && EVP_PKEY_eq (key->pkey, pkey) == 1;
}

gboolean
sesame_cose_verify_signature_parts (EVP_PKEY     *pkey,
                                    int           alg,
                                    const guint8 *part1,
                                    gsize         part1_len,
                                    const guint8 *part2,
                                    gsize         part2_len,
                                    const guint8 *signature,
                                    gsize         signature_len,
                                    GError      **error)
{
  const AlgInfo *info = lookup_alg (alg);
  g_autoptr(EVP_MD_CTX) ctx = NULL;
  EVP_PKEY_CTX *pctx = NULL;
  int base_id;
  int ok;

  if (!info)
    return unsupported (alg, error);

  /* The key must be of the family the algorithm names: an attestation that
   * claims ES256 with an RSA certificate is refused, not "tried". */
  base_id = EVP_PKEY_get_base_id (pkey);
  if ((info->kty == SESAME_COSE_KTY_EC2 && base_id != EVP_PKEY_EC) ||
      (info->kty == SESAME_COSE_KTY_RSA && base_id != EVP_PKEY_RSA &&
       base_id != EVP_PKEY_RSA_PSS) ||
      (info->kty == SESAME_COSE_KTY_OKP && base_id != EVP_PKEY_ED25519 &&
       base_id != EVP_PKEY_ED448) ||
      (info->crv == CRV_ED25519 && base_id != EVP_PKEY_ED25519) ||
      (info->crv == CRV_ED448 && base_id != EVP_PKEY_ED448))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ALGORITHM_NOT_ALLOWED,
                   "algorithm %s does not fit a %s key", info->name,
                   EVP_PKEY_get0_type_name (pkey) ? EVP_PKEY_get0_type_name (pkey) : "?");
      return FALSE;
    }

  ctx = EVP_MD_CTX_new ();
  if (EVP_DigestVerifyInit_ex (ctx, &pctx, info->md, NULL, NULL, pkey, NULL) != 1)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGNATURE_INVALID,
                   "%s verification could not be set up for this key", info->name);
      return FALSE;
    }
  if (info->pss &&
      (EVP_PKEY_CTX_set_rsa_padding (pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen (pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGNATURE_INVALID,
                   "%s padding could not be set up", info->name);
      return FALSE;
    }

  if (info->md)
    {
      ok = EVP_DigestVerifyUpdate (ctx, part1, part1_len) == 1 &&
           (part2_len == 0 || EVP_DigestVerifyUpdate (ctx, part2, part2_len) == 1) &&
           EVP_DigestVerifyFinal (ctx, signature, signature_len) == 1;
    }
  else
    {
      /* EdDSA signs the whole message in one pass. */
      g_autofree guint8 *joined = g_malloc (part1_len + part2_len + 1);
      memcpy (joined, part1, part1_len);
      if (part2_len)
        memcpy (joined + part1_len, part2, part2_len);
      ok = EVP_DigestVerify (ctx, signature, signature_len, joined, part1_len + part2_len) == 1;
    }

  if (!ok)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGNATURE_INVALID,
                   "the %s signature does not verify with the public key", info->name);
      return FALSE;
    }
  return TRUE;
}

gboolean
sesame_cose_verify_signature (EVP_PKEY     *pkey,
                              int           alg,
                              const guint8 *data,
                              gsize         data_len,
                              const guint8 *signature,
                              gsize         signature_len,
                              GError      **error)
{
  return sesame_cose_verify_signature_parts (pkey, alg, data, data_len, NULL, 0,
                                             signature, signature_len, error);
}

gboolean
sesame_cose_key_verify (const SesameCoseKey *key,
                        const guint8        *data,
                        gsize                data_len,
                        const guint8        *signature,
                        gsize                signature_len,
                        GError             **error)
{
  return sesame_cose_verify_signature (key->pkey, key->alg, data, data_len,
                                       signature, signature_len, error);
}

/* Big-endian, padded to pad_to bytes: JWK and COSE want EC coordinates at
 * full field length, and BN_num_bytes() drops leading zeros. */
static void
add_bn_param (JsonBuilder *builder,
              EVP_PKEY    *pkey,
              const char  *param,
              const char  *member,
              int          pad_to)
{
  BIGNUM *bn = NULL;

  if (EVP_PKEY_get_bn_param (pkey, param, &bn) == 1)
    {
      int n = MAX (BN_num_bytes (bn), pad_to);
      g_autofree guint8 *buf = g_malloc (MAX (n, 1));
      g_autofree char *text = NULL;

      BN_bn2binpad (bn, buf, n);
      text = sesame_base64url_encode (buf, n);
      json_builder_set_member_name (builder, member);
      json_builder_add_string_value (builder, text);
      BN_free (bn);
    }
}

static const char *
curve_name (int kty,
            int crv)
{
  if (kty == SESAME_COSE_KTY_EC2)
    return crv == CRV_P256 ? "P-256" : crv == CRV_P384 ? "P-384" : "P-521";
  if (kty == SESAME_COSE_KTY_OKP)
    return crv == CRV_ED25519 ? "Ed25519" : "Ed448";
  return NULL;
}

/* Adds members to the builder's current object: what a developer wants to
 * see of a credential public key. */
void
sesame_cose_key_describe (const SesameCoseKey *key,
                          JsonBuilder         *builder)
{
  static const char * const kty_names[] = { [1] = "OKP", [2] = "EC2", [3] = "RSA" };
  const char *kty = (gsize) key->kty < G_N_ELEMENTS (kty_names) ? kty_names[key->kty] : NULL;
  g_autofree char *cose = sesame_base64url_encode_bytes (key->encoded);

  json_builder_set_member_name (builder, "kty");
  json_builder_add_string_value (builder, kty ? kty : "unknown");
  json_builder_set_member_name (builder, "alg");
  json_builder_add_int_value (builder, key->alg);
  json_builder_set_member_name (builder, "algName");
  json_builder_add_string_value (builder, sesame_cose_algorithm_to_string (key->alg));
  if (curve_name (key->kty, key->crv))
    {
      json_builder_set_member_name (builder, "crv");
      json_builder_add_string_value (builder, curve_name (key->kty, key->crv));
    }
  if (key->kty == SESAME_COSE_KTY_RSA)
    {
      json_builder_set_member_name (builder, "bits");
      json_builder_add_int_value (builder, EVP_PKEY_get_bits (key->pkey));
      add_bn_param (builder, key->pkey, OSSL_PKEY_PARAM_RSA_N, "n", 0);
      add_bn_param (builder, key->pkey, OSSL_PKEY_PARAM_RSA_E, "e", 0);
    }
  else if (key->kty == SESAME_COSE_KTY_EC2)
    {
      int field = key->crv == CRV_P256 ? 32 : key->crv == CRV_P384 ? 48 : 66;
      add_bn_param (builder, key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, "x", field);
      add_bn_param (builder, key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, "y", field);
    }
  else
    {
      guint8 raw[64];
      size_t raw_len = sizeof raw;
      if (EVP_PKEY_get_raw_public_key (key->pkey, raw, &raw_len) == 1)
        {
          g_autofree char *x = sesame_base64url_encode (raw, raw_len);
          json_builder_set_member_name (builder, "x");
          json_builder_add_string_value (builder, x);
        }
    }
  json_builder_set_member_name (builder, "cose");
  json_builder_add_string_value (builder, cose);
}
