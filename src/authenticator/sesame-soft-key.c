/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-soft-key.h"
#include "sesame-soft-authenticator.h"

#include "sesame-cbor.h"
#include "sesame-cose-key.h"
#include "sesame-openssl.h"

#include <cbor.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

/* RSA keys are made at the size every WebAuthn RP accepts; larger would
 * only slow down the prompt. */
#define RSA_BITS 2048
/* P-256 coordinates are exactly 32 bytes in a COSE_Key (RFC 9053 §7.1.1). */
#define P256_FIELD_LEN 32

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free)

gboolean
sesame_soft_key_algorithm_is_supported (int alg)
{
  return alg == SESAME_COSE_ALG_ES256 ||
         alg == SESAME_COSE_ALG_EDDSA ||
         alg == SESAME_COSE_ALG_RS256;
}

/* The OpenSSL key type each algorithm needs, to refuse a stored key that
 * does not belong to the algorithm recorded beside it. */
static int
key_type_for (int alg)
{
  switch (alg)
    {
    case SESAME_COSE_ALG_ES256:
      return EVP_PKEY_EC;
    case SESAME_COSE_ALG_EDDSA:
      return EVP_PKEY_ED25519;
    case SESAME_COSE_ALG_RS256:
      return EVP_PKEY_RSA;
    default:
      return EVP_PKEY_NONE;
    }
}

EVP_PKEY *
sesame_soft_key_generate (int      alg,
                          GError **error)
{
  EVP_PKEY *key = NULL;

  switch (alg)
    {
    case SESAME_COSE_ALG_ES256:
      key = EVP_EC_gen ("P-256");
      break;
    case SESAME_COSE_ALG_EDDSA:
      key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
      break;
    case SESAME_COSE_ALG_RS256:
      key = EVP_RSA_gen (RSA_BITS);
      break;
    default:
      break;
    }

  if (key == NULL)
    {
      ERR_clear_error ();
      g_set_error (error, SESAME_AUTHENTICATOR_ERROR,
                   SESAME_AUTHENTICATOR_ERROR_UNSUPPORTED_ALGORITHM,
                   "Could not make a %s key pair", sesame_cose_algorithm_to_string (alg));
    }
  return key;
}

guint8 *
sesame_soft_key_to_pkcs8 (EVP_PKEY *key,
                          gsize    *len,
                          GError  **error)
{
  g_autoptr(PKCS8_PRIV_KEY_INFO) info = EVP_PKEY2PKCS8 (key);
  unsigned char *der = NULL;
  int der_len;

  der_len = info != NULL ? i2d_PKCS8_PRIV_KEY_INFO (info, &der) : -1;
  if (der_len <= 0)
    {
      ERR_clear_error ();
      g_set_error_literal (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE,
                           "Could not encode the credential's private key");
      return NULL;
    }
  *len = der_len;
  return der;
}

/* Exactly one unencrypted PKCS#8 structure, nothing after it. */
static EVP_PKEY *
parse_pkcs8 (const guint8 *der,
             gsize         len)
{
  const unsigned char *p = der;
  g_autoptr(PKCS8_PRIV_KEY_INFO) info = NULL;
  g_autoptr(EVP_PKEY) key = NULL;

  if (len == 0 || len > G_MAXLONG)
    return NULL;
  info = d2i_PKCS8_PRIV_KEY_INFO (NULL, &p, (long) len);
  if (info == NULL || p != der + len)
    return NULL;
  key = EVP_PKCS82PKEY (info);
  return g_steal_pointer (&key);
}

static gboolean
is_p256 (EVP_PKEY *key)
{
  char group[32];

  return EVP_PKEY_get_utf8_string_param (key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                         NULL) &&
         g_strcmp0 (group, "prime256v1") == 0;
}

EVP_PKEY *
sesame_soft_key_from_pkcs8 (const guint8 *der,
                            gsize         len,
                            int           alg,
                            GError      **error)
{
  g_autoptr(EVP_PKEY) key = parse_pkcs8 (der, len);

  if (key != NULL && EVP_PKEY_get_base_id (key) == key_type_for (alg) &&
      (alg != SESAME_COSE_ALG_ES256 || is_p256 (key)))
    return g_steal_pointer (&key);

  ERR_clear_error ();
  g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE,
               "The credential file holds a damaged %s private key",
               sesame_cose_algorithm_to_string (alg));
  return NULL;
}

EVP_PKEY *
sesame_soft_key_import_pkcs8 (const guint8  *der,
                              gsize          len,
                              int           *alg,
                              GError       **error)
{
  g_autoptr(EVP_PKEY) key = parse_pkcs8 (der, len);
  const char *problem = NULL;

  if (key == NULL)
    problem = "The private key is not an unencrypted PKCS#8 key";
  else
    switch (EVP_PKEY_get_base_id (key))
      {
      case EVP_PKEY_EC:
        if (!is_p256 (key))
          problem = "The private key is an EC key on a curve other than P-256";
        else
          *alg = SESAME_COSE_ALG_ES256;
        break;
      case EVP_PKEY_ED25519:
        *alg = SESAME_COSE_ALG_EDDSA;
        break;
      case EVP_PKEY_RSA:
        /* What RPs accept; shorter keys are refused by most of them. */
        if (EVP_PKEY_get_bits (key) < RSA_BITS)
          problem = "The private key is an RSA key shorter than 2048 bits";
        else
          *alg = SESAME_COSE_ALG_RS256;
        break;
      default:
        problem = "The private key is not a P-256, Ed25519 or RSA key";
        break;
      }

  ERR_clear_error ();
  if (problem != NULL)
    {
      g_set_error_literal (error, SESAME_AUTHENTICATOR_ERROR,
                           SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT, problem);
      return NULL;
    }
  return g_steal_pointer (&key);
}

static void
map_put (cbor_item_t *map,
         gint64       key,
         cbor_item_t *value)
{
  cbor_item_t *key_item = sesame_cbor_build_int (key);

  /* libcbor only fails here on allocation, which GLib treats as fatal too */
  if (!cbor_map_add (map, (struct cbor_pair) { .key = cbor_move (key_item),
                                               .value = cbor_move (value) }))
    g_error ("libcbor could not grow a map");
}

static cbor_item_t *
int_item (gint64 v)
{
  return sesame_cbor_build_int (v);
}

static cbor_item_t *
bn_param_item (EVP_PKEY   *key,
               const char *param,
               gsize       pad_to)
{
  g_autoptr(BIGNUM) bn = NULL;
  g_autofree guint8 *buf = NULL;
  gsize len;

  if (!EVP_PKEY_get_bn_param (key, param, &bn))
    return NULL;
  len = MAX ((gsize) BN_num_bytes (bn), pad_to);
  buf = g_malloc0 (len);
  if (BN_bn2binpad (bn, buf, (int) len) < 0)
    return NULL;
  return cbor_build_bytestring (buf, len);
}

GBytes *
sesame_soft_key_cose_public (EVP_PKEY *key,
                             int       alg,
                             GError  **error)
{
  g_autoptr(cbor_item_t) map = NULL;
  cbor_item_t *a = NULL;
  cbor_item_t *b = NULL;
  unsigned char *buf = NULL;
  size_t size = 0;
  size_t len;
  GBytes *bytes;

  /* CTAP2 canonical CBOR orders integer keys as their encodings sort:
   * 1, 3, then -1, -2, -3. libcbor writes pairs in insertion order, so
   * they are added in that order. */
  switch (alg)
    {
    case SESAME_COSE_ALG_ES256:
      a = bn_param_item (key, OSSL_PKEY_PARAM_EC_PUB_X, P256_FIELD_LEN);
      b = bn_param_item (key, OSSL_PKEY_PARAM_EC_PUB_Y, P256_FIELD_LEN);
      if (a == NULL || b == NULL)
        break;
      map = cbor_new_definite_map (5);
      map_put (map, 1, int_item (SESAME_COSE_KTY_EC2));
      map_put (map, 3, int_item (alg));
      map_put (map, -1, int_item (1));  /* crv: P-256 */
      map_put (map, -2, g_steal_pointer (&a));
      map_put (map, -3, g_steal_pointer (&b));
      break;

    case SESAME_COSE_ALG_EDDSA:
      {
        guint8 raw[32];
        size_t raw_len = sizeof raw;

        if (!EVP_PKEY_get_raw_public_key (key, raw, &raw_len) || raw_len != sizeof raw)
          break;
        map = cbor_new_definite_map (4);
        map_put (map, 1, int_item (SESAME_COSE_KTY_OKP));
        map_put (map, 3, int_item (alg));
        map_put (map, -1, int_item (6));  /* crv: Ed25519 */
        map_put (map, -2, cbor_build_bytestring (raw, raw_len));
        break;
      }

    case SESAME_COSE_ALG_RS256:
      a = bn_param_item (key, OSSL_PKEY_PARAM_RSA_N, 0);
      b = bn_param_item (key, OSSL_PKEY_PARAM_RSA_E, 0);
      if (a == NULL || b == NULL)
        break;
      map = cbor_new_definite_map (4);
      map_put (map, 1, int_item (SESAME_COSE_KTY_RSA));
      map_put (map, 3, int_item (alg));
      map_put (map, -1, g_steal_pointer (&a));
      map_put (map, -2, g_steal_pointer (&b));
      break;

    default:
      break;
    }

  if (a != NULL)
    cbor_decref (&a);
  if (b != NULL)
    cbor_decref (&b);

  len = map != NULL ? cbor_serialize_alloc (map, &buf, &size) : 0;
  if (len == 0)
    {
      ERR_clear_error ();
      g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE,
                   "Could not encode the %s public key", sesame_cose_algorithm_to_string (alg));
      return NULL;
    }
  bytes = g_bytes_new (buf, len);
  free (buf);
  return bytes;
}

GBytes *
sesame_soft_key_spki (EVP_PKEY *key,
                      GError  **error)
{
  unsigned char *der = NULL;
  int len = i2d_PUBKEY (key, &der);
  GBytes *bytes;

  if (len <= 0)
    {
      ERR_clear_error ();
      g_set_error_literal (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE,
                           "Could not encode the credential's public key");
      return NULL;
    }
  bytes = g_bytes_new (der, len);
  OPENSSL_free (der);
  return bytes;
}

GBytes *
sesame_soft_key_sign (EVP_PKEY *key,
                      int       alg,
                      GBytes   *part1,
                      GBytes   *part2,
                      GError  **error)
{
  g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  g_autoptr(GByteArray) message = g_byte_array_new ();
  EVP_PKEY_CTX *pctx = NULL;
  /* Ed25519 hashes inside the signature scheme and takes no digest */
  const char *md = alg == SESAME_COSE_ALG_EDDSA ? NULL : "SHA256";
  g_autofree guint8 *sig = NULL;
  size_t sig_len = 0;

  /* EdDSA cannot sign in pieces (EVP_DigestSignUpdate), so the message is
   * put together once for every algorithm. */
  g_byte_array_append (message, g_bytes_get_data (part1, NULL), g_bytes_get_size (part1));
  g_byte_array_append (message, g_bytes_get_data (part2, NULL), g_bytes_get_size (part2));

  if (ctx == NULL ||
      EVP_DigestSignInit_ex (ctx, &pctx, md, NULL, NULL, key, NULL) != 1 ||
      (alg == SESAME_COSE_ALG_RS256 &&
       EVP_PKEY_CTX_set_rsa_padding (pctx, RSA_PKCS1_PADDING) != 1) ||
      EVP_DigestSign (ctx, NULL, &sig_len, message->data, message->len) != 1)
    goto fail;
  sig = g_malloc (sig_len);
  if (EVP_DigestSign (ctx, sig, &sig_len, message->data, message->len) != 1)
    goto fail;
  return g_bytes_new_take (g_steal_pointer (&sig), sig_len);

fail:
  ERR_clear_error ();
  g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE,
               "The stored %s key could not sign", sesame_cose_algorithm_to_string (alg));
  return NULL;
}
