/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Private to the built-in authenticator: the credential key pairs it makes
 * (ES256, EdDSA, RS256), how they are kept in its file (PKCS#8 DER) and
 * what it publishes of them (the COSE key, SubjectPublicKeyInfo). */

#include <glib.h>
#include <openssl/evp.h>

G_BEGIN_DECLS

gboolean  sesame_soft_key_algorithm_is_supported (int alg);
EVP_PKEY *sesame_soft_key_generate    (int            alg,
                                       GError       **error);
/* PKCS#8 DER in OpenSSL memory: free it with OPENSSL_clear_free (), which
 * wipes it first. */
guint8   *sesame_soft_key_to_pkcs8    (EVP_PKEY      *key,
                                       gsize         *len,
                                       GError       **error);
EVP_PKEY *sesame_soft_key_from_pkcs8  (const guint8  *der,
                                       gsize          len,
                                       int            alg,
                                       GError       **error);
/* A key pair made elsewhere, from unencrypted PKCS#8 DER; @alg gets the
 * COSE algorithm it signs with here. INVALID_ARGUMENT when it is not a
 * key this authenticator can use. */
EVP_PKEY *sesame_soft_key_import_pkcs8 (const guint8  *der,
                                        gsize          len,
                                        int           *alg,
                                        GError       **error);
/* The credential public key as a COSE_Key in CTAP2 canonical CBOR. */
GBytes   *sesame_soft_key_cose_public (EVP_PKEY      *key,
                                       int            alg,
                                       GError       **error);
GBytes   *sesame_soft_key_spki        (EVP_PKEY      *key,
                                       GError       **error);
/* The WebAuthn signature over part1 ‖ part2 (authData ‖ clientDataHash):
 * ES256 DER-encoded ECDSA, EdDSA raw, RS256 PKCS#1 v1.5. */
GBytes   *sesame_soft_key_sign        (EVP_PKEY      *key,
                                       int            alg,
                                       GBytes        *part1,
                                       GBytes        *part2,
                                       GError       **error);

G_END_DECLS
