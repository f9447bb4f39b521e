/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cbor.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <openssl/evp.h>

G_BEGIN_DECLS

/* COSE algorithm identifiers (IANA "COSE Algorithms" registry). */
typedef enum
{
  SESAME_COSE_ALG_ES256 = -7,
  SESAME_COSE_ALG_EDDSA = -8,
  SESAME_COSE_ALG_ESP256 = -9,
  SESAME_COSE_ALG_ED25519 = -19,
  SESAME_COSE_ALG_ES384 = -35,
  SESAME_COSE_ALG_ES512 = -36,
  SESAME_COSE_ALG_PS256 = -37,
  SESAME_COSE_ALG_PS384 = -38,
  SESAME_COSE_ALG_PS512 = -39,
  SESAME_COSE_ALG_ML_DSA_44 = -48,
  SESAME_COSE_ALG_ML_DSA_65 = -49,
  SESAME_COSE_ALG_ML_DSA_87 = -50,
  SESAME_COSE_ALG_ESP384 = -51,
  SESAME_COSE_ALG_ESP512 = -52,
  SESAME_COSE_ALG_ED448 = -53,
  SESAME_COSE_ALG_RS256 = -257,
  SESAME_COSE_ALG_RS384 = -258,
  SESAME_COSE_ALG_RS512 = -259,
  SESAME_COSE_ALG_RS1 = -65535,
} SesameCoseAlgorithm;

typedef enum
{
  SESAME_COSE_KTY_OKP = 1,
  SESAME_COSE_KTY_EC2 = 2,
  SESAME_COSE_KTY_RSA = 3,
  SESAME_COSE_KTY_AKP = 7,
} SesameCoseKeyType;

typedef struct _SesameCoseKey SesameCoseKey;

SesameCoseKey *sesame_cose_key_new_from_cbor   (const guint8 *data,
                                                gsize         len,
                                                gsize        *consumed,
                                                GError      **error);
SesameCoseKey *sesame_cose_key_ref             (SesameCoseKey *key);
void           sesame_cose_key_unref           (SesameCoseKey *key);

int            sesame_cose_key_get_algorithm   (const SesameCoseKey *key);
int            sesame_cose_key_get_key_type    (const SesameCoseKey *key);
int            sesame_cose_key_get_curve       (const SesameCoseKey *key);
EVP_PKEY      *sesame_cose_key_get_pkey        (const SesameCoseKey *key);
GBytes        *sesame_cose_key_get_encoded     (const SesameCoseKey *key);
gboolean       sesame_cose_key_matches_pkey    (const SesameCoseKey *key,
                                                EVP_PKEY            *pkey);
gboolean       sesame_cose_key_verify          (const SesameCoseKey *key,
                                                const guint8        *data,
                                                gsize                data_len,
                                                const guint8        *signature,
                                                gsize                signature_len,
                                                GError             **error);
void           sesame_cose_key_describe        (const SesameCoseKey *key,
                                                JsonBuilder         *builder);

const char    *sesame_cose_algorithm_to_string (int alg);
gboolean       sesame_cose_algorithm_is_supported (int alg);
const int     *sesame_cose_supported_algorithms (gsize *n_algs);
gboolean       sesame_cose_verify_signature    (EVP_PKEY     *pkey,
                                                int           alg,
                                                const guint8 *data,
                                                gsize         data_len,
                                                const guint8 *signature,
                                                gsize         signature_len,
                                                GError      **error);
gboolean       sesame_cose_verify_signature_parts (EVP_PKEY     *pkey,
                                                   int           alg,
                                                   const guint8 *part1,
                                                   gsize         part1_len,
                                                   const guint8 *part2,
                                                   gsize         part2_len,
                                                   const guint8 *signature,
                                                   gsize         signature_len,
                                                   GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameCoseKey, sesame_cose_key_unref)

G_END_DECLS
