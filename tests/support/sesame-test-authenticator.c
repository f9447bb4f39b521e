/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-test-authenticator.h"
#include "sesame-authenticator-data.h"
#include "sesame-base64.h"
#include "sesame-cbor.h"
#include "sesame-cose-key.h"
#include "sesame-openssl.h"

#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <string.h>

static void
map_add (cbor_item_t *map,
         cbor_item_t *key,
         cbor_item_t *value)
{
  g_assert_true (cbor_map_add (map, (struct cbor_pair) { .key = cbor_move (key),
                                                         .value = cbor_move (value) }));
}

/* In the shortest form, as CTAP2's canonical CBOR has it: libcbor's
 * 64-bit builders always write eight bytes, which strict decoders (such
 * as the one in @simplewebauthn/server) refuse for a value below 24. */
static cbor_item_t *
int_item (gint64 v)
{
  guint64 n = v >= 0 ? (guint64) v : (guint64) (-1 - v);
  cbor_item_t *item;

  if (n <= G_MAXUINT8)
    item = v >= 0 ? cbor_build_uint8 ((guint8) n) : cbor_build_negint8 ((guint8) n);
  else if (n <= G_MAXUINT16)
    item = v >= 0 ? cbor_build_uint16 ((guint16) n) : cbor_build_negint16 ((guint16) n);
  else if (n <= G_MAXUINT32)
    item = v >= 0 ? cbor_build_uint32 ((guint32) n) : cbor_build_negint32 ((guint32) n);
  else
    item = v >= 0 ? cbor_build_uint64 (n) : cbor_build_negint64 (n);
  return item;
}

static GBytes *
serialize_and_free (cbor_item_t *item)
{
  unsigned char *buf = NULL;
  size_t size = 0;
  size_t len = cbor_serialize_alloc (item, &buf, &size);
  GBytes *bytes;

  g_assert_cmpuint (len, >, 0);
  bytes = g_bytes_new (buf, len);
  free (buf);
  cbor_decref (&item);
  return bytes;
}

static cbor_item_t *
bn_bytes (EVP_PKEY   *key,
          const char *param,
          gsize       pad_to)
{
  BIGNUM *bn = NULL;
  g_autofree guint8 *buf = NULL;
  gsize n;
  cbor_item_t *item;

  g_assert_true (EVP_PKEY_get_bn_param (key, param, &bn) == 1);
  n = MAX ((gsize) BN_num_bytes (bn), pad_to);
  buf = g_malloc0 (n);
  BN_bn2binpad (bn, buf, (int) n);
  BN_free (bn);
  item = cbor_build_bytestring (buf, n);
  return item;
}

static GBytes *
make_cose_key (int       alg,
               EVP_PKEY *key)
{
  cbor_item_t *map = cbor_new_definite_map (5);

  switch (alg)
    {
    case SESAME_COSE_ALG_ES256:
    case SESAME_COSE_ALG_ES384:
    case SESAME_COSE_ALG_ES512:
      {
        int crv = alg == SESAME_COSE_ALG_ES256 ? 1 : alg == SESAME_COSE_ALG_ES384 ? 2 : 3;
        gsize field = crv == 1 ? 32 : crv == 2 ? 48 : 66;
        map_add (map, int_item (1), int_item (SESAME_COSE_KTY_EC2));
        map_add (map, int_item (3), int_item (alg));
        map_add (map, int_item (-1), int_item (crv));
        map_add (map, int_item (-2), bn_bytes (key, OSSL_PKEY_PARAM_EC_PUB_X, field));
        map_add (map, int_item (-3), bn_bytes (key, OSSL_PKEY_PARAM_EC_PUB_Y, field));
        break;
      }
    case SESAME_COSE_ALG_EDDSA:
    case SESAME_COSE_ALG_ED448:
      {
        guint8 raw[57];
        size_t len = sizeof raw;
        g_assert_true (EVP_PKEY_get_raw_public_key (key, raw, &len) == 1);
        map_add (map, int_item (1), int_item (SESAME_COSE_KTY_OKP));
        map_add (map, int_item (3), int_item (alg));
        map_add (map, int_item (-1), int_item (len == 32 ? 6 : 7));
        map_add (map, int_item (-2), cbor_build_bytestring (raw, len));
        break;
      }
    default:
      map_add (map, int_item (1), int_item (SESAME_COSE_KTY_RSA));
      map_add (map, int_item (3), int_item (alg));
      map_add (map, int_item (-1), bn_bytes (key, OSSL_PKEY_PARAM_RSA_N, 0));
      map_add (map, int_item (-2), bn_bytes (key, OSSL_PKEY_PARAM_RSA_E, 0));
      break;
    }
  return serialize_and_free (map);
}

SesameTestAuthenticator *
sesame_test_authenticator_new (int alg)
{
  SesameTestAuthenticator *self = g_new0 (SesameTestAuthenticator, 1);
  guint8 id[16];

  self->alg = alg;
  switch (alg)
    {
    case SESAME_COSE_ALG_ES256: self->key = EVP_EC_gen ("P-256"); break;
    case SESAME_COSE_ALG_ES384: self->key = EVP_EC_gen ("P-384"); break;
    case SESAME_COSE_ALG_ES512: self->key = EVP_EC_gen ("P-521"); break;
    case SESAME_COSE_ALG_EDDSA: self->key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519"); break;
    case SESAME_COSE_ALG_ED448: self->key = EVP_PKEY_Q_keygen (NULL, NULL, "ED448"); break;
    default: self->key = EVP_RSA_gen (2048); break;
    }
  g_assert_nonnull (self->key);
  g_assert_true (RAND_bytes (id, sizeof id) == 1);
  g_assert_true (RAND_bytes (self->aaguid, sizeof self->aaguid) == 1);
  self->credential_id = g_bytes_new (id, sizeof id);
  self->cose_key = make_cose_key (alg, self->key);
  return self;
}

void
sesame_test_authenticator_free (SesameTestAuthenticator *self)
{
  if (!self)
    return;
  EVP_PKEY_free (self->key);
  g_bytes_unref (self->credential_id);
  g_bytes_unref (self->cose_key);
  g_free (self);
}

GBytes *
sesame_test_client_data (const char *type,
                         GBytes     *challenge,
                         const char *origin,
                         const char *extra)
{
  g_autofree char *challenge_text = sesame_base64url_encode_bytes (challenge);
  char *json = g_strdup_printf ("{\"type\":\"%s\",\"challenge\":\"%s\",\"origin\":\"%s\""
                                "%s%s}", type, challenge_text, origin,
                                extra ? "," : "", extra ? extra : "");

  return g_bytes_new_take (json, strlen (json));
}

GBytes *
sesame_test_auth_data (const char              *rp_id,
                       guint8                   flags,
                       guint32                  sign_count,
                       SesameTestAuthenticator *attested,
                       GBytes                  *extensions)
{
  GByteArray *out = g_byte_array_new ();
  guint8 hash[32];
  guint8 count[4] = { sign_count >> 24, sign_count >> 16, sign_count >> 8, sign_count };

  SHA256 ((const guint8 *) rp_id, strlen (rp_id), hash);
  g_byte_array_append (out, hash, 32);
  g_byte_array_append (out, &flags, 1);
  g_byte_array_append (out, count, 4);
  if (attested)
    {
      gsize id_len = g_bytes_get_size (attested->credential_id);
      guint8 len[2] = { id_len >> 8, id_len & 0xff };

      g_byte_array_append (out, attested->aaguid, 16);
      g_byte_array_append (out, len, 2);
      g_byte_array_append (out, g_bytes_get_data (attested->credential_id, NULL), id_len);
      g_byte_array_append (out, g_bytes_get_data (attested->cose_key, NULL),
                           g_bytes_get_size (attested->cose_key));
    }
  if (extensions)
    g_byte_array_append (out, g_bytes_get_data (extensions, NULL), g_bytes_get_size (extensions));
  return g_byte_array_free_to_bytes (out);
}

GBytes *
sesame_test_authenticator_sign (SesameTestAuthenticator *self,
                                GBytes                  *auth_data,
                                GBytes                  *client_data)
{
  g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  g_autoptr(GByteArray) message = g_byte_array_new ();
  EVP_PKEY_CTX *pctx = NULL;
  guint8 hash[32];
  const char *md;
  size_t sig_len = 0;
  guint8 *sig;

  SHA256 (g_bytes_get_data (client_data, NULL), g_bytes_get_size (client_data), hash);
  g_byte_array_append (message, g_bytes_get_data (auth_data, NULL), g_bytes_get_size (auth_data));
  g_byte_array_append (message, hash, 32);

  switch (self->alg)
    {
    case SESAME_COSE_ALG_EDDSA:
    case SESAME_COSE_ALG_ED448: md = NULL; break;
    case SESAME_COSE_ALG_ES384: md = "SHA384"; break;
    case SESAME_COSE_ALG_ES512: md = "SHA512"; break;
    default: md = "SHA256"; break;
    }
  g_assert_true (EVP_DigestSignInit_ex (ctx, &pctx, md, NULL, NULL, self->key, NULL) == 1);
  if (self->alg == SESAME_COSE_ALG_PS256)
    {
      EVP_PKEY_CTX_set_rsa_padding (pctx, RSA_PKCS1_PSS_PADDING);
      EVP_PKEY_CTX_set_rsa_pss_saltlen (pctx, RSA_PSS_SALTLEN_DIGEST);
    }
  g_assert_true (EVP_DigestSign (ctx, NULL, &sig_len, message->data, message->len) == 1);
  sig = g_malloc (sig_len);
  g_assert_true (EVP_DigestSign (ctx, sig, &sig_len, message->data, message->len) == 1);
  return g_bytes_new_take (sig, sig_len);
}

GBytes *
sesame_test_attestation_object (const char  *fmt,
                                GBytes      *auth_data,
                                cbor_item_t *att_stmt)
{
  cbor_item_t *map = cbor_new_definite_map (3);

  map_add (map, cbor_build_string ("fmt"), cbor_build_string (fmt));
  map_add (map, cbor_build_string ("attStmt"),
           att_stmt ? cbor_incref (att_stmt) : cbor_new_definite_map (0));
  map_add (map, cbor_build_string ("authData"),
           cbor_build_bytestring (g_bytes_get_data (auth_data, NULL), g_bytes_get_size (auth_data)));
  return serialize_and_free (map);
}

GBytes *
sesame_test_packed_self (SesameTestAuthenticator *self,
                         GBytes                  *auth_data,
                         GBytes                  *client_data)
{
  g_autoptr(GBytes) sig = sesame_test_authenticator_sign (self, auth_data, client_data);
  cbor_item_t *stmt = cbor_new_definite_map (2);
  GBytes *object;

  map_add (stmt, cbor_build_string ("alg"), int_item (self->alg));
  map_add (stmt, cbor_build_string ("sig"),
           cbor_build_bytestring (g_bytes_get_data (sig, NULL), g_bytes_get_size (sig)));
  object = sesame_test_attestation_object ("packed", auth_data, stmt);
  cbor_decref (&stmt);
  return object;
}

SesameTestCert *
sesame_test_cert_new (const char     *subject,
                      SesameTestCert *issuer,
                      EVP_PKEY       *key,
                      gboolean        is_ca,
                      long            serial,
                      gint64          not_before,
                      gint64          not_after)
{
  SesameTestCert *self = g_new0 (SesameTestCert, 1);
  X509_NAME *name = X509_NAME_new ();
  g_auto(GStrv) parts = g_strsplit (subject + 1, "/", -1);
  X509V3_CTX ctx;
  X509_EXTENSION *ext;

  self->key = key ? (EVP_PKEY_up_ref (key), key) : EVP_EC_gen ("P-256");
  self->cert = X509_new ();
  X509_set_version (self->cert, X509_VERSION_3);
  ASN1_INTEGER_set (X509_get_serialNumber (self->cert), serial);
  X509_time_adj_ex (X509_getm_notBefore (self->cert), 0, 0, (time_t *) &not_before);
  X509_time_adj_ex (X509_getm_notAfter (self->cert), 0, 0, (time_t *) &not_after);
  for (char **part = parts; *part; part++)
    {
      char *eq = strchr (*part, '=');
      g_assert_nonnull (eq);
      *eq = '\0';
      g_assert_true (X509_NAME_add_entry_by_txt (name, *part, MBSTRING_UTF8,
                                                 (const unsigned char *) eq + 1, -1, -1, 0));
    }
  X509_set_subject_name (self->cert, name);
  X509_set_issuer_name (self->cert, issuer ? X509_get_subject_name (issuer->cert) : name);
  X509_set_pubkey (self->cert, self->key);

  X509V3_set_ctx (&ctx, issuer ? issuer->cert : self->cert, self->cert, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid (NULL, &ctx, NID_basic_constraints,
                             is_ca ? "critical,CA:TRUE" : "CA:FALSE");
  X509_add_ext (self->cert, ext, -1);
  X509_EXTENSION_free (ext);
  if (is_ca)
    {
      ext = X509V3_EXT_conf_nid (NULL, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
      X509_add_ext (self->cert, ext, -1);
      X509_EXTENSION_free (ext);
    }
  g_assert_cmpint (X509_sign (self->cert, issuer ? issuer->key : self->key, EVP_sha256 ()), >, 0);
  X509_NAME_free (name);
  return self;
}

void
sesame_test_cert_free (SesameTestCert *self)
{
  if (!self)
    return;
  EVP_PKEY_free (self->key);
  X509_free (self->cert);
  g_free (self);
}

GBytes *
sesame_test_cert_der (SesameTestCert *self)
{
  unsigned char *der = NULL;
  int len = i2d_X509 (self->cert, &der);
  GBytes *bytes;

  g_assert_cmpint (len, >, 0);
  bytes = g_bytes_new (der, len);
  OPENSSL_free (der);
  return bytes;
}

GBytes *
sesame_test_crl_der (SesameTestCert *ca,
                     long            revoked_serial,
                     gint64          this_update)
{
  X509_CRL *crl = X509_CRL_new ();
  X509_REVOKED *revoked = X509_REVOKED_new ();
  ASN1_INTEGER *serial = ASN1_INTEGER_new ();
  ASN1_TIME *t = ASN1_TIME_new ();
  unsigned char *der = NULL;
  int len;
  GBytes *bytes;

  X509_CRL_set_version (crl, 1);
  X509_CRL_set_issuer_name (crl, X509_get_subject_name (ca->cert));
  X509_time_adj_ex (t, 0, 0, (time_t *) &this_update);
  X509_CRL_set1_lastUpdate (crl, t);
  X509_time_adj_ex (t, 30, 0, (time_t *) &this_update);
  X509_CRL_set1_nextUpdate (crl, t);
  ASN1_INTEGER_set (serial, revoked_serial);
  X509_REVOKED_set_serialNumber (revoked, serial);
  X509_time_adj_ex (t, 0, 0, (time_t *) &this_update);
  X509_REVOKED_set_revocationDate (revoked, t);
  X509_CRL_add0_revoked (crl, revoked);
  X509_CRL_sort (crl);
  g_assert_cmpint (X509_CRL_sign (crl, ca->key, EVP_sha256 ()), >, 0);
  len = i2d_X509_CRL (crl, &der);
  g_assert_cmpint (len, >, 0);
  bytes = g_bytes_new (der, len);
  OPENSSL_free (der);
  ASN1_INTEGER_free (serial);
  ASN1_TIME_free (t);
  X509_CRL_free (crl);
  return bytes;
}

GBytes *
sesame_test_packed_x5c (SesameTestCert **certs,
                        guint            n_certs,
                        GBytes          *auth_data,
                        GBytes          *client_data)
{
  SesameTestAuthenticator signer = { .alg = SESAME_COSE_ALG_ES256, .key = certs[0]->key };
  g_autoptr(GBytes) sig = sesame_test_authenticator_sign (&signer, auth_data, client_data);
  cbor_item_t *stmt = cbor_new_definite_map (3);
  cbor_item_t *x5c = cbor_new_definite_array (n_certs);
  GBytes *object;

  for (guint i = 0; i < n_certs; i++)
    {
      g_autoptr(GBytes) der = sesame_test_cert_der (certs[i]);
      g_assert_true (cbor_array_push (x5c, cbor_move (cbor_build_bytestring (
        g_bytes_get_data (der, NULL), g_bytes_get_size (der)))));
    }
  map_add (stmt, cbor_build_string ("alg"), int_item (SESAME_COSE_ALG_ES256));
  map_add (stmt, cbor_build_string ("sig"),
           cbor_build_bytestring (g_bytes_get_data (sig, NULL), g_bytes_get_size (sig)));
  map_add (stmt, cbor_build_string ("x5c"), x5c);
  object = sesame_test_attestation_object ("packed", auth_data, stmt);
  cbor_decref (&stmt);
  return object;
}
