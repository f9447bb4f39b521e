/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-ctap2.h"

#include "sesame-cbor.h"
#include "sesame-openssl.h"

#include <cbor.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>

/*
 * What this device does where CTAP leaves a choice, written down once:
 *
 * - It speaks CTAP 2.0 and 2.1 with PIN/UV auth protocol 1 only, and
 *   offers pinUvAuthToken, so a 2.1 platform asks for a token with
 *   permissions (subcommand 9) bound to the RP ID; 2.0's getPinToken
 *   (subcommand 5) gets a token for makeCredential and getAssertion.
 *   A token serves one ceremony: using it clears its permissions.
 * - It has no built-in UV (no "uv" option): the PIN is its only UV.
 *   With a PIN set, makeCredential needs the PIN (PIN_REQUIRED), as 2.0
 *   keys do; getAssertion without it signs without UV.
 * - Eight retries; three wrong PINs in a row block PIN entry until the
 *   next power-up (PIN_AUTH_BLOCKED); the wrong PIN that uses up the
 *   last retry answers PIN_BLOCKED, and then only a reset would help,
 *   which this key does not offer: unplug it and plug a new one.
 * - The excluded credential is refused after a touch, so a page cannot
 *   find out silently which keys hold which credentials (CTAP 2.1
 *   §6.1.2 step 11); "no credentials" is answered at once, as 2.0 keys do.
 * - The attestation is packed self attestation (the credential key signs
 *   it); the AAGUID is the virtual key's.
 */

#define PIN_HASH_LEN       16
#define PIN_TOKEN_LEN      32
#define PIN_AUTH_LEN       16   /* protocol 1: LEFT(HMAC-SHA-256, 16) */
#define PIN_MAX_RETRIES    8
#define PIN_MAX_MISMATCHES 3
#define PIN_MIN_LEN        4
#define PIN_PADDED_LEN     64
#define CLIENT_DATA_HASH_LEN 32

#define PERMISSION_MC 0x01
#define PERMISSION_GA 0x02

#define COSE_ALG_ECDH_ES_HKDF_256 (-25)

/* ClientPIN subcommands */
enum {
  PIN_GET_RETRIES = 0x01,
  PIN_GET_KEY_AGREEMENT = 0x02,
  PIN_SET_PIN = 0x03,
  PIN_CHANGE_PIN = 0x04,
  PIN_GET_PIN_TOKEN = 0x05,
  PIN_GET_TOKEN_WITH_PERMISSIONS = 0x09,
};

static const int supported_algorithms[] = { -7, -8, -257 };

struct _SesameCtap2
{
  SesameSoftAuthenticator *authenticator;
  SesameCtap2PresenceFunc  presence;
  gpointer                 presence_data;

  gboolean  has_pin;         /* atomic: read by other threads */
  guint8    pin_hash[PIN_HASH_LEN];
  int       retries;         /* atomic: read by other threads */
  int       mismatches;      /* in a row, since power-up */

  EVP_PKEY *key_agreement;   /* P-256, new at each power-up and wrong PIN */
  guint8    pin_token[PIN_TOKEN_LEN];
  guint     permissions;     /* 0: no valid token */
  char     *token_rp_id;     /* NULL: not bound */

  /* what GetNextAssertion continues */
  GPtrArray *next_credentials; /* GBytes ids still to answer */
  GBytes    *next_client_data_hash;
  char      *next_rp_id;
  GPtrArray *next_allow_list;
  gboolean   next_up;
  gboolean   next_uv;
  gint64     next_deadline;  /* monotonic µs */
};

/* CBOR building: maps are filled in ascending key order, which is CTAP2's
 * canonical order for the integer and short text keys used here. */

static void
map_add (cbor_item_t *map,
         cbor_item_t *key,
         cbor_item_t *value)
{
  if (!cbor_map_add (map, (struct cbor_pair) { .key = cbor_move (key), .value = cbor_move (value) }))
    g_error ("libcbor could not grow a map");
}

#define build_int sesame_cbor_build_int

static cbor_item_t *
build_bytes (const guint8 *data,
             gsize         len)
{
  return cbor_build_bytestring (data, len);
}

static cbor_item_t *
build_gbytes (GBytes *bytes)
{
  return cbor_build_bytestring (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
array_push (cbor_item_t *array,
            cbor_item_t *item)
{
  if (!cbor_array_push (array, cbor_move (item)))
    g_error ("libcbor could not grow an array");
}

static void
respond (GByteArray  *response,
         cbor_item_t *map)
{
  guint8 *buffer = NULL;
  gsize size = 0;
  gsize len;
  guint8 ok = SESAME_CTAP2_OK;

  len = cbor_serialize_alloc (map, &buffer, &size);
  if (len == 0)
    g_error ("libcbor could not serialize an answer");
  g_byte_array_append (response, &ok, 1);
  g_byte_array_append (response, buffer, len);
  free (buffer);
}

/* CBOR reading */

static gboolean
get_uint (const cbor_item_t *map,
          gint64             key,
          gint64            *out,
          guint8            *status)
{
  cbor_item_t *item = sesame_cbor_map_get_int (map, key);

  if (item == NULL)
    return TRUE;
  if (!sesame_cbor_get_int (item, out))
    {
      *status = SESAME_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_bytes (const cbor_item_t *map,
           gint64             key,
           GBytes           **out,
           guint8            *status)
{
  cbor_item_t *item = sesame_cbor_map_get_int (map, key);

  if (item == NULL)
    return TRUE;
  if (!sesame_cbor_is_bytes (item))
    {
      *status = SESAME_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
      return FALSE;
    }
  *out = sesame_cbor_dup_bytes (item);
  return TRUE;
}

static gboolean
get_text (const cbor_item_t *map,
          gboolean           text_key,
          gint64             key,
          const char        *name,
          char             **out,
          guint8            *status)
{
  cbor_item_t *item = text_key ? sesame_cbor_map_get_str (map, name)
                               : sesame_cbor_map_get_int (map, key);

  if (item == NULL)
    return TRUE;
  if (!sesame_cbor_is_text (item))
    {
      *status = SESAME_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
      return FALSE;
    }
  *out = sesame_cbor_dup_text (item);
  if (*out == NULL || !g_utf8_validate (*out, -1, NULL))
    {
      g_clear_pointer (out, g_free);
      *status = SESAME_CTAP2_ERR_INVALID_CBOR;
      return FALSE;
    }
  return TRUE;
}

/* An options map's boolean @name: *out untouched when absent. */
static gboolean
get_option (const cbor_item_t *options,
            const char        *name,
            gboolean          *out,
            guint8            *status)
{
  cbor_item_t *item;

  if (options == NULL)
    return TRUE;
  item = sesame_cbor_map_get_str (options, name);
  if (item == NULL)
    return TRUE;
  if (!cbor_is_bool (item))
    {
      *status = SESAME_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
      return FALSE;
    }
  *out = cbor_get_bool (item);
  return TRUE;
}

/* A list of PublicKeyCredentialDescriptors: the ids of type "public-key"
 * (other types are skipped, as the spec says). */
static gboolean
get_descriptors (const cbor_item_t *map,
                 gint64             key,
                 GPtrArray        **out,
                 guint8            *status)
{
  cbor_item_t *list = sesame_cbor_map_get_int (map, key);
  g_autoptr(GPtrArray) ids = NULL;

  if (list == NULL)
    return TRUE;
  if (!cbor_isa_array (list) || !cbor_array_is_definite (list))
    {
      *status = SESAME_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
      return FALSE;
    }

  ids = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (gsize i = 0; i < cbor_array_size (list); i++)
    {
      cbor_item_t *descriptor = cbor_array_handle (list)[i];
      g_autofree char *type = NULL;
      g_autoptr(GBytes) id = NULL;
      cbor_item_t *id_item;

      if (!cbor_isa_map (descriptor) ||
          !get_text (descriptor, TRUE, 0, "type", &type, status))
        {
          *status = SESAME_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
          return FALSE;
        }
      id_item = sesame_cbor_map_get_str (descriptor, "id");
      if (type == NULL || id_item == NULL)
        {
          *status = SESAME_CTAP2_ERR_MISSING_PARAMETER;
          return FALSE;
        }
      if (!sesame_cbor_is_bytes (id_item))
        {
          *status = SESAME_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
          return FALSE;
        }
      if (!g_str_equal (type, "public-key"))
        continue;
      id = sesame_cbor_dup_bytes (id_item);
      if (g_bytes_get_size (id) == 0)
        continue;
      g_ptr_array_add (ids, g_steal_pointer (&id));
    }

  *out = g_steal_pointer (&ids);
  return TRUE;
}

/* PIN/UV auth protocol 1 (CTAP 2.1 §6.5.6) */

static void
new_key_agreement (SesameCtap2 *ctap)
{
  g_clear_pointer (&ctap->key_agreement, EVP_PKEY_free);
  ctap->key_agreement = EVP_EC_gen ("P-256");
  if (ctap->key_agreement == NULL)
    g_error ("OpenSSL could not make a P-256 key");
}

static void
new_pin_token (SesameCtap2 *ctap)
{
  if (RAND_bytes (ctap->pin_token, sizeof ctap->pin_token) != 1)
    g_error ("No random bytes for a PIN token");
  ctap->permissions = 0;
  g_clear_pointer (&ctap->token_rp_id, g_free);
}

static gboolean
get_coordinates (EVP_PKEY *key,
                 guint8    x[32],
                 guint8    y[32])
{
  g_autoptr(BIGNUM) bx = NULL;
  g_autoptr(BIGNUM) by = NULL;

  return EVP_PKEY_get_bn_param (key, OSSL_PKEY_PARAM_EC_PUB_X, &bx) == 1 &&
         EVP_PKEY_get_bn_param (key, OSSL_PKEY_PARAM_EC_PUB_Y, &by) == 1 &&
         BN_bn2binpad (bx, x, 32) == 32 &&
         BN_bn2binpad (by, y, 32) == 32;
}

static cbor_item_t *
build_key_agreement (SesameCtap2 *ctap)
{
  cbor_item_t *cose = cbor_new_definite_map (5);
  guint8 x[32], y[32];

  if (!get_coordinates (ctap->key_agreement, x, y))
    g_error ("OpenSSL could not give the key agreement key's coordinates");

  map_add (cose, build_int (1), build_int (2));   /* kty: EC2 */
  map_add (cose, build_int (3), build_int (COSE_ALG_ECDH_ES_HKDF_256));
  map_add (cose, build_int (-1), build_int (1));  /* crv: P-256 */
  map_add (cose, build_int (-2), build_bytes (x, sizeof x));
  map_add (cose, build_int (-3), build_bytes (y, sizeof y));
  return cose;
}

/* The platform's key agreement key, as a P-256 public key. */
static EVP_PKEY *
read_platform_key (const cbor_item_t *cose)
{
  g_autoptr(EVP_PKEY_CTX) ctx = NULL;
  OSSL_PARAM_BLD *builder = NULL;
  OSSL_PARAM *params = NULL;
  EVP_PKEY *key = NULL;
  cbor_item_t *x, *y;
  guint8 point[65];
  gint64 kty = 0, crv = 0;

  if (cose == NULL || !cbor_isa_map (cose) ||
      !sesame_cbor_get_int (sesame_cbor_map_get_int (cose, 1), &kty) ||
      !sesame_cbor_get_int (sesame_cbor_map_get_int (cose, -1), &crv) ||
      kty != 2 || crv != 1)
    return NULL;
  x = sesame_cbor_map_get_int (cose, -2);
  y = sesame_cbor_map_get_int (cose, -3);
  if (!sesame_cbor_is_bytes (x) || !sesame_cbor_is_bytes (y) ||
      cbor_bytestring_length (x) != 32 || cbor_bytestring_length (y) != 32)
    return NULL;

  point[0] = 0x04;
  memcpy (point + 1, cbor_bytestring_handle (x), 32);
  memcpy (point + 33, cbor_bytestring_handle (y), 32);

  builder = OSSL_PARAM_BLD_new ();
  if (builder == NULL ||
      !OSSL_PARAM_BLD_push_utf8_string (builder, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) ||
      !OSSL_PARAM_BLD_push_octet_string (builder, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point) ||
      (params = OSSL_PARAM_BLD_to_param (builder)) == NULL)
    goto out;

  ctx = EVP_PKEY_CTX_new_from_name (NULL, "EC", NULL);
  /* fromdata checks that the point is on the curve */
  if (ctx == NULL || EVP_PKEY_fromdata_init (ctx) != 1 ||
      EVP_PKEY_fromdata (ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
    key = NULL;

out:
  OSSL_PARAM_free (params);
  OSSL_PARAM_BLD_free (builder);
  return key;
}

/* Protocol 1's shared secret: SHA-256 of the ECDH x coordinate. */
static gboolean
shared_secret (SesameCtap2       *ctap,
               const cbor_item_t *platform_cose,
               guint8             secret[32])
{
  g_autoptr(EVP_PKEY) peer = read_platform_key (platform_cose);
  g_autoptr(EVP_PKEY_CTX) ctx = NULL;
  guint8 z[32];
  gsize z_len = sizeof z;

  if (peer == NULL)
    return FALSE;
  ctx = EVP_PKEY_CTX_new (ctap->key_agreement, NULL);
  if (ctx == NULL || EVP_PKEY_derive_init (ctx) != 1 ||
      EVP_PKEY_derive_set_peer (ctx, peer) != 1 ||
      EVP_PKEY_derive (ctx, z, &z_len) != 1 || z_len != sizeof z)
    return FALSE;
  SHA256 (z, sizeof z, secret);
  OPENSSL_cleanse (z, sizeof z);
  return TRUE;
}

/* AES-256-CBC with a zero IV and no padding, as protocol 1 has it. */
static gboolean
aes_cbc (const guint8 key[32],
         gboolean     encrypt,
         const guint8 *in,
         gsize         len,
         guint8       *out)
{
  static const guint8 iv[16] = { 0 };
  EVP_CIPHER_CTX *ctx;
  int n = 0, tail = 0;
  gboolean ok;

  if (len == 0 || len % 16 != 0 || len > G_MAXINT)
    return FALSE;
  ctx = EVP_CIPHER_CTX_new ();
  ok = ctx != NULL &&
       EVP_CipherInit_ex (ctx, EVP_aes_256_cbc (), NULL, key, iv, encrypt) == 1 &&
       EVP_CIPHER_CTX_set_padding (ctx, 0) == 1 &&
       EVP_CipherUpdate (ctx, out, &n, in, (int) len) == 1 &&
       EVP_CipherFinal_ex (ctx, out + n, &tail) == 1 &&
       (gsize) (n + tail) == len;
  EVP_CIPHER_CTX_free (ctx);
  return ok;
}

/* LEFT(HMAC-SHA-256(key, part1 ‖ part2), 16) == @auth, in constant time. */
static gboolean
verify_pin_auth (const guint8 *key,
                 gsize         key_len,
                 const guint8 *part1,
                 gsize         part1_len,
                 const guint8 *part2,
                 gsize         part2_len,
                 GBytes       *auth)
{
  g_autofree guint8 *message = g_malloc (part1_len + part2_len + 1);
  guint8 mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  gboolean ok;

  if (auth == NULL || g_bytes_get_size (auth) != PIN_AUTH_LEN)
    return FALSE;
  memcpy (message, part1, part1_len);
  if (part2_len > 0)
    memcpy (message + part1_len, part2, part2_len);
  if (HMAC (EVP_sha256 (), key, (int) key_len, message, part1_len + part2_len,
            mac, &mac_len) == NULL || mac_len < PIN_AUTH_LEN)
    return FALSE;
  ok = CRYPTO_memcmp (mac, g_bytes_get_data (auth, NULL), PIN_AUTH_LEN) == 0;
  OPENSSL_cleanse (mac, sizeof mac);
  return ok;
}

/* newPinEnc: the padded PIN, at least 4 bytes, NUL-padded to 64 (2.1
 * §6.5.5.5: exactly 64 bytes for protocol 1). */
static guint8
decrypt_new_pin (const guint8  secret[32],
                 GBytes       *new_pin_enc,
                 guint8        hash[PIN_HASH_LEN])
{
  guint8 padded[PIN_PADDED_LEN];
  gsize len;
  guint8 status = SESAME_CTAP2_OK;

  if (g_bytes_get_size (new_pin_enc) != PIN_PADDED_LEN)
    return SESAME_CTAP2_ERR_PIN_POLICY_VIOLATION;
  if (!aes_cbc (secret, FALSE, g_bytes_get_data (new_pin_enc, NULL), PIN_PADDED_LEN, padded))
    return SESAME_CTAP1_ERR_INVALID_PARAMETER;

  len = strnlen ((const char *) padded, sizeof padded);
  /* the last byte must be padding: a PIN is at most 63 bytes */
  if (len < PIN_MIN_LEN || len == sizeof padded ||
      !g_utf8_validate ((const char *) padded, (gssize) len, NULL) ||
      g_utf8_strlen ((const char *) padded, (gssize) len) < PIN_MIN_LEN)
    status = SESAME_CTAP2_ERR_PIN_POLICY_VIOLATION;
  else
    {
      guint8 digest[SHA256_DIGEST_LENGTH];

      SHA256 (padded, len, digest);
      memcpy (hash, digest, PIN_HASH_LEN);
      OPENSSL_cleanse (digest, sizeof digest);
    }
  OPENSSL_cleanse (padded, sizeof padded);
  return status;
}

static void
set_pin_hash (SesameCtap2  *ctap,
              const guint8  hash[PIN_HASH_LEN])
{
  memcpy (ctap->pin_hash, hash, PIN_HASH_LEN);
  g_atomic_int_set (&ctap->has_pin, TRUE);
  g_atomic_int_set (&ctap->retries, PIN_MAX_RETRIES);
  ctap->mismatches = 0;
}

/* Checks pinHashEnc against the PIN, counting retries (2.1 §6.5.5.7.1
 * steps 4-8): a retry is used up before the comparison, so pulling the
 * key out mid-check costs one. */
static guint8
check_pin_hash (SesameCtap2  *ctap,
                const guint8  secret[32],
                GBytes       *pin_hash_enc)
{
  guint8 hash[PIN_HASH_LEN];
  gboolean match;
  int retries;

  if (g_atomic_int_get (&ctap->retries) <= 0)
    return SESAME_CTAP2_ERR_PIN_BLOCKED;
  if (ctap->mismatches >= PIN_MAX_MISMATCHES)
    return SESAME_CTAP2_ERR_PIN_AUTH_BLOCKED;
  if (pin_hash_enc == NULL || g_bytes_get_size (pin_hash_enc) != PIN_HASH_LEN)
    return SESAME_CTAP1_ERR_INVALID_PARAMETER;

  retries = g_atomic_int_add (&ctap->retries, -1) - 1;
  if (!aes_cbc (secret, FALSE, g_bytes_get_data (pin_hash_enc, NULL), PIN_HASH_LEN, hash))
    return SESAME_CTAP1_ERR_INVALID_PARAMETER;
  match = CRYPTO_memcmp (hash, ctap->pin_hash, PIN_HASH_LEN) == 0;
  OPENSSL_cleanse (hash, sizeof hash);

  if (!match)
    {
      /* a new key agreement key, so the platform must start over */
      new_key_agreement (ctap);
      ctap->mismatches++;
      if (retries <= 0)
        return SESAME_CTAP2_ERR_PIN_BLOCKED;
      if (ctap->mismatches >= PIN_MAX_MISMATCHES)
        return SESAME_CTAP2_ERR_PIN_AUTH_BLOCKED;
      return SESAME_CTAP2_ERR_PIN_INVALID;
    }

  g_atomic_int_set (&ctap->retries, PIN_MAX_RETRIES);
  ctap->mismatches = 0;
  return SESAME_CTAP2_OK;
}

static void
client_pin (SesameCtap2       *ctap,
            const cbor_item_t *params,
            GByteArray        *response)
{
  g_autoptr(GBytes) pin_auth = NULL;
  g_autoptr(GBytes) new_pin_enc = NULL;
  g_autoptr(GBytes) pin_hash_enc = NULL;
  g_autofree char *rp_id = NULL;
  g_autoptr(cbor_item_t) answer = NULL;
  cbor_item_t *platform_key;
  gint64 protocol = 0, subcommand = 0, permissions = -1;
  guint8 status = SESAME_CTAP2_OK;
  guint8 secret[32];

  if (!get_uint (params, 1, &protocol, &status) ||
      !get_uint (params, 2, &subcommand, &status) ||
      !get_bytes (params, 4, &pin_auth, &status) ||
      !get_bytes (params, 5, &new_pin_enc, &status) ||
      !get_bytes (params, 6, &pin_hash_enc, &status) ||
      !get_uint (params, 9, &permissions, &status) ||
      !get_text (params, FALSE, 10, NULL, &rp_id, &status))
    goto fail;
  if (subcommand == 0)
    {
      status = SESAME_CTAP2_ERR_MISSING_PARAMETER;
      goto fail;
    }
  if (subcommand != PIN_GET_RETRIES && protocol != 1)
    {
      status = protocol == 0 ? SESAME_CTAP2_ERR_MISSING_PARAMETER
                             : SESAME_CTAP1_ERR_INVALID_PARAMETER;
      goto fail;
    }

  platform_key = sesame_cbor_map_get_int (params, 3);

  switch (subcommand)
    {
    case PIN_GET_RETRIES:
      answer = cbor_new_definite_map (1);
      map_add (answer, build_int (3), build_int (g_atomic_int_get (&ctap->retries)));
      respond (response, answer);
      return;

    case PIN_GET_KEY_AGREEMENT:
      answer = cbor_new_definite_map (1);
      map_add (answer, build_int (1), build_key_agreement (ctap));
      respond (response, answer);
      return;

    case PIN_SET_PIN:
    case PIN_CHANGE_PIN:
      {
        guint8 hash[PIN_HASH_LEN];
        gboolean change = subcommand == PIN_CHANGE_PIN;

        if (platform_key == NULL || pin_auth == NULL || new_pin_enc == NULL ||
            (change && pin_hash_enc == NULL))
          {
            status = SESAME_CTAP2_ERR_MISSING_PARAMETER;
            goto fail;
          }
        if (ctap->has_pin != change)
          {
            status = change ? SESAME_CTAP2_ERR_PIN_NOT_SET : SESAME_CTAP2_ERR_NOT_ALLOWED;
            goto fail;
          }
        if (change && g_atomic_int_get (&ctap->retries) <= 0)
          {
            status = SESAME_CTAP2_ERR_PIN_BLOCKED;
            goto fail;
          }
        if (!shared_secret (ctap, platform_key, secret))
          {
            status = SESAME_CTAP1_ERR_INVALID_PARAMETER;
            goto fail;
          }
        if (!verify_pin_auth (secret, sizeof secret,
                              g_bytes_get_data (new_pin_enc, NULL), g_bytes_get_size (new_pin_enc),
                              change ? g_bytes_get_data (pin_hash_enc, NULL) : NULL,
                              change ? g_bytes_get_size (pin_hash_enc) : 0,
                              pin_auth))
          {
            status = SESAME_CTAP2_ERR_PIN_AUTH_INVALID;
            goto fail_secret;
          }
        if (change && (status = check_pin_hash (ctap, secret, pin_hash_enc)) != SESAME_CTAP2_OK)
          goto fail_secret;
        status = decrypt_new_pin (secret, new_pin_enc, hash);
        if (status != SESAME_CTAP2_OK)
          goto fail_secret;

        set_pin_hash (ctap, hash);
        OPENSSL_cleanse (hash, sizeof hash);
        OPENSSL_cleanse (secret, sizeof secret);
        /* a new PIN makes every token handed out before it worthless */
        new_pin_token (ctap);
        g_byte_array_append (response, &status, 1);
        return;
      }

    case PIN_GET_PIN_TOKEN:
    case PIN_GET_TOKEN_WITH_PERMISSIONS:
      {
        guint8 token_enc[PIN_TOKEN_LEN];
        gboolean with_permissions = subcommand == PIN_GET_TOKEN_WITH_PERMISSIONS;

        if (platform_key == NULL || pin_hash_enc == NULL || (with_permissions && permissions < 0))
          {
            status = SESAME_CTAP2_ERR_MISSING_PARAMETER;
            goto fail;
          }
        if (with_permissions &&
            (permissions == 0 || (permissions & ~(PERMISSION_MC | PERMISSION_GA)) != 0))
          {
            /* credential management, bio enrolment, large blobs, config:
             * nothing this key does */
            status = permissions == 0 ? SESAME_CTAP1_ERR_INVALID_PARAMETER
                                      : SESAME_CTAP2_ERR_UNSUPPORTED_OPTION;
            goto fail;
          }
        if (!ctap->has_pin)
          {
            status = SESAME_CTAP2_ERR_PIN_NOT_SET;
            goto fail;
          }
        if (!shared_secret (ctap, platform_key, secret))
          {
            status = SESAME_CTAP1_ERR_INVALID_PARAMETER;
            goto fail;
          }
        status = check_pin_hash (ctap, secret, pin_hash_enc);
        if (status != SESAME_CTAP2_OK)
          goto fail_secret;

        new_pin_token (ctap);
        ctap->permissions = with_permissions ? (guint) permissions : PERMISSION_MC | PERMISSION_GA;
        ctap->token_rp_id = with_permissions ? g_steal_pointer (&rp_id) : NULL;
        if (!aes_cbc (secret, TRUE, ctap->pin_token, sizeof ctap->pin_token, token_enc))
          {
            status = SESAME_CTAP1_ERR_OTHER;
            goto fail_secret;
          }
        OPENSSL_cleanse (secret, sizeof secret);
        answer = cbor_new_definite_map (1);
        map_add (answer, build_int (2), build_bytes (token_enc, sizeof token_enc));
        respond (response, answer);
        return;
      }

    default:
      status = SESAME_CTAP1_ERR_INVALID_PARAMETER;
      goto fail;
    }

fail_secret:
  OPENSSL_cleanse (secret, sizeof secret);
fail:
  g_byte_array_append (response, &status, 1);
}

/* The pinUvAuthParam of makeCredential / getAssertion, checked against
 * the current token (2.1 §6.1.2 step 11, §6.2.2 step 9). */
static guint8
check_token (SesameCtap2  *ctap,
             GBytes       *pin_auth,
             gint64        protocol,
             GBytes       *client_data_hash,
             guint         permission,
             const char   *rp_id)
{
  if (protocol == 0)
    return SESAME_CTAP2_ERR_MISSING_PARAMETER;
  if (protocol != 1)
    return SESAME_CTAP2_ERR_PIN_AUTH_INVALID;
  if (!ctap->has_pin)
    return SESAME_CTAP2_ERR_PIN_NOT_SET;
  if (!verify_pin_auth (ctap->pin_token, sizeof ctap->pin_token,
                        g_bytes_get_data (client_data_hash, NULL), CLIENT_DATA_HASH_LEN,
                        NULL, 0, pin_auth))
    return SESAME_CTAP2_ERR_PIN_AUTH_INVALID;
  if ((ctap->permissions & permission) == 0 ||
      (ctap->token_rp_id != NULL && g_strcmp0 (ctap->token_rp_id, rp_id) != 0))
    return SESAME_CTAP2_ERR_PIN_AUTH_INVALID;
  return SESAME_CTAP2_OK;
}

/* An empty pinUvAuthParam: the platform asks which key the user touches
 * (2.0 §5.5.8's "touch to select"). Answered after the touch. */
static guint8
touch_probe (SesameCtap2 *ctap)
{
  guint8 status = ctap->presence (ctap->presence_data);

  if (status != SESAME_CTAP2_OK)
    return status;
  return ctap->has_pin ? SESAME_CTAP2_ERR_PIN_INVALID : SESAME_CTAP2_ERR_PIN_NOT_SET;
}

static guint8
soft_status (const GError *error)
{
  if (error->domain != SESAME_AUTHENTICATOR_ERROR)
    return SESAME_CTAP1_ERR_OTHER;
  switch (error->code)
    {
    case SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT:
      return SESAME_CTAP1_ERR_INVALID_PARAMETER;
    case SESAME_AUTHENTICATOR_ERROR_UNSUPPORTED_ALGORITHM:
      return SESAME_CTAP2_ERR_UNSUPPORTED_ALGORITHM;
    case SESAME_AUTHENTICATOR_ERROR_EXCLUDED:
      return SESAME_CTAP2_ERR_CREDENTIAL_EXCLUDED;
    case SESAME_AUTHENTICATOR_ERROR_NO_CREDENTIALS:
    case SESAME_AUTHENTICATOR_ERROR_NOT_FOUND:
      return SESAME_CTAP2_ERR_NO_CREDENTIALS;
    case SESAME_AUTHENTICATOR_ERROR_STORAGE:
      return SESAME_CTAP2_ERR_KEY_STORE_FULL;
    default:
      return SESAME_CTAP1_ERR_OTHER;
    }
}

static gboolean
holds_any (SesameCtap2 *ctap,
           const char  *rp_id,
           GPtrArray   *ids,
           GPtrArray  **matching,
           guint8      *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) held = sesame_soft_authenticator_list_credentials (ctap->authenticator,
                                                                          rp_id, &error);

  if (held == NULL)
    {
      g_warning ("The virtual key's credentials cannot be read: %s", error->message);
      *status = SESAME_CTAP1_ERR_OTHER;
      return FALSE;
    }

  *matching = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < held->len; i++)
    {
      SesameSoftCredential *credential = g_ptr_array_index (held, i);
      gboolean listed = ids == NULL;

      for (guint j = 0; ids != NULL && j < ids->len && !listed; j++)
        listed = g_bytes_equal (g_ptr_array_index (ids, j), credential->credential_id);
      if (listed)
        g_ptr_array_add (*matching, g_bytes_ref (credential->credential_id));
    }
  return TRUE;
}

static gboolean
check_client_data_hash (GBytes *hash,
                        guint8 *status)
{
  if (hash == NULL)
    {
      *status = SESAME_CTAP2_ERR_MISSING_PARAMETER;
      return FALSE;
    }
  if (g_bytes_get_size (hash) != CLIENT_DATA_HASH_LEN)
    {
      *status = SESAME_CTAP1_ERR_INVALID_PARAMETER;
      return FALSE;
    }
  return TRUE;
}

static void
make_credential (SesameCtap2       *ctap,
                 const cbor_item_t *params,
                 GByteArray        *response)
{
  g_autoptr(GBytes) client_data_hash = NULL;
  g_autoptr(GBytes) pin_auth = NULL;
  g_autoptr(GBytes) user_id = NULL;
  g_autoptr(GPtrArray) exclude = NULL;
  g_autoptr(GPtrArray) excluded = NULL;
  g_autoptr(GArray) algorithms = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(SesameSoftAttestationResult) result = NULL;
  g_autoptr(cbor_item_t) attestation = NULL;
  g_autoptr(cbor_item_t) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rp_id = NULL;
  g_autofree char *rp_name = NULL;
  g_autofree char *user_name = NULL;
  g_autofree char *display_name = NULL;
  cbor_item_t *rp, *user, *pub_key_params, *options, *fmt, *att_stmt, *auth_data;
  gboolean rk = FALSE, uv = FALSE, up = TRUE, verified = FALSE;
  gint64 protocol = 0;
  guint8 status = SESAME_CTAP2_OK;

  rp = sesame_cbor_map_get_int (params, 2);
  user = sesame_cbor_map_get_int (params, 3);
  pub_key_params = sesame_cbor_map_get_int (params, 4);
  options = sesame_cbor_map_get_int (params, 7);

  if (!get_bytes (params, 1, &client_data_hash, &status) ||
      !get_descriptors (params, 5, &exclude, &status) ||
      !get_bytes (params, 8, &pin_auth, &status) ||
      !get_uint (params, 9, &protocol, &status))
    goto fail;
  if (!check_client_data_hash (client_data_hash, &status))
    goto fail;
  if (rp == NULL || user == NULL || pub_key_params == NULL)
    {
      status = SESAME_CTAP2_ERR_MISSING_PARAMETER;
      goto fail;
    }
  if (!cbor_isa_map (rp) || !cbor_isa_map (user) || !cbor_isa_array (pub_key_params) ||
      (options != NULL && !cbor_isa_map (options)))
    {
      status = SESAME_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
      goto fail;
    }
  if (!get_text (rp, TRUE, 0, "id", &rp_id, &status) ||
      !get_text (rp, TRUE, 0, "name", &rp_name, &status) ||
      !get_text (user, TRUE, 0, "name", &user_name, &status) ||
      !get_text (user, TRUE, 0, "displayName", &display_name, &status))
    goto fail;
  if (sesame_cbor_map_get_str (user, "id") != NULL)
    {
      if (!sesame_cbor_is_bytes (sesame_cbor_map_get_str (user, "id")))
        {
          status = SESAME_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
          goto fail;
        }
      user_id = sesame_cbor_dup_bytes (sesame_cbor_map_get_str (user, "id"));
    }
  if (rp_id == NULL || user_id == NULL)
    {
      status = SESAME_CTAP2_ERR_MISSING_PARAMETER;
      goto fail;
    }

  for (gsize i = 0; i < cbor_array_size (pub_key_params); i++)
    {
      cbor_item_t *param = cbor_array_handle (pub_key_params)[i];
      g_autofree char *type = NULL;
      gint64 alg;

      if (!cbor_isa_map (param) || !get_text (param, TRUE, 0, "type", &type, &status) ||
          !sesame_cbor_get_int (sesame_cbor_map_get_str (param, "alg"), &alg))
        {
          status = SESAME_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
          goto fail;
        }
      if (type != NULL && g_str_equal (type, "public-key") && alg >= G_MININT && alg <= G_MAXINT)
        {
          int value = (int) alg;
          g_array_append_val (algorithms, value);
        }
    }

  if (!get_option (options, "rk", &rk, &status) ||
      !get_option (options, "uv", &uv, &status) ||
      !get_option (options, "up", &up, &status))
    goto fail;
  if (!up)
    {
      /* makeCredential always tests user presence */
      status = SESAME_CTAP2_ERR_INVALID_OPTION;
      goto fail;
    }

  if (pin_auth != NULL && g_bytes_get_size (pin_auth) == 0)
    {
      status = touch_probe (ctap);
      goto fail;
    }
  if (pin_auth != NULL)
    {
      status = check_token (ctap, pin_auth, protocol, client_data_hash, PERMISSION_MC, rp_id);
      if (status != SESAME_CTAP2_OK)
        goto fail;
      verified = TRUE;
    }
  else if (uv)
    {
      /* no built-in user verification */
      status = SESAME_CTAP2_ERR_INVALID_OPTION;
      goto fail;
    }
  else if (ctap->has_pin)
    {
      status = SESAME_CTAP2_ERR_PIN_REQUIRED;
      goto fail;
    }

  if (exclude != NULL && exclude->len > 0)
    {
      if (!holds_any (ctap, rp_id, exclude, &excluded, &status))
        goto fail;
      if (excluded->len > 0)
        {
          status = ctap->presence (ctap->presence_data);
          if (status == SESAME_CTAP2_OK)
            status = SESAME_CTAP2_ERR_CREDENTIAL_EXCLUDED;
          goto fail;
        }
    }

  {
    gboolean supported = FALSE;

    for (guint i = 0; i < algorithms->len && !supported; i++)
      for (gsize j = 0; j < G_N_ELEMENTS (supported_algorithms); j++)
        supported |= g_array_index (algorithms, int, i) == supported_algorithms[j];
    if (!supported)
      {
        status = SESAME_CTAP2_ERR_UNSUPPORTED_ALGORITHM;
        goto fail;
      }
  }

  status = ctap->presence (ctap->presence_data);
  if (status != SESAME_CTAP2_OK)
    goto fail;

  {
    SesameSoftMakeCredential make = {
      .client_data_hash = client_data_hash,
      .rp_id = rp_id,
      .rp_name = rp_name,
      .user_handle = user_id,
      .user_name = user_name != NULL ? user_name : "",
      .user_display_name = display_name,
      .algorithms = (const int *) (gpointer) algorithms->data,
      .n_algorithms = algorithms->len,
      .resident_key = rk,
      .attestation = SESAME_SOFT_ATTESTATION_PACKED_SELF,
      .user_verified = verified,
    };

    result = sesame_soft_authenticator_make_credential (ctap->authenticator, &make, &error);
  }
  if (result == NULL)
    {
      status = soft_status (error);
      goto fail;
    }
  /* the token served its ceremony */
  ctap->permissions = 0;

  /* The built-in authenticator writes a WebAuthn attestation object;
   * CTAP2 answers with its three members under integer keys. */
  attestation = sesame_cbor_load (g_bytes_get_data (result->attestation_object, NULL),
                                  g_bytes_get_size (result->attestation_object),
                                  NULL, "The attestation object", &error);
  if (attestation == NULL)
    g_error ("The built-in authenticator wrote a bad attestation object: %s", error->message);
  fmt = sesame_cbor_map_get_str (attestation, "fmt");
  att_stmt = sesame_cbor_map_get_str (attestation, "attStmt");
  auth_data = sesame_cbor_map_get_str (attestation, "authData");
  g_assert (fmt != NULL && att_stmt != NULL && auth_data != NULL);

  answer = cbor_new_definite_map (3);
  map_add (answer, build_int (1), cbor_incref (fmt));
  map_add (answer, build_int (2), cbor_incref (auth_data));
  map_add (answer, build_int (3), cbor_incref (att_stmt));
  respond (response, answer);
  return;

fail:
  g_byte_array_append (response, &status, 1);
}

static void
clear_next (SesameCtap2 *ctap)
{
  g_clear_pointer (&ctap->next_credentials, g_ptr_array_unref);
  g_clear_pointer (&ctap->next_allow_list, g_ptr_array_unref);
  g_clear_pointer (&ctap->next_client_data_hash, g_bytes_unref);
  g_clear_pointer (&ctap->next_rp_id, g_free);
}

/* Signs with @credential_id and answers with the getAssertion map. */
static void
answer_assertion (SesameCtap2 *ctap,
                  GBytes      *credential_id,
                  guint        n_credentials,
                  GByteArray  *response)
{
  g_autoptr(SesameSoftAssertionResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(cbor_item_t) answer = NULL;
  g_autoptr(GPtrArray) held = NULL;
  cbor_item_t *credential, *user;
  guint8 status;
  SesameSoftGetAssertion get = {
    .client_data_hash = ctap->next_client_data_hash,
    .rp_id = ctap->next_rp_id,
    .allow_list = ctap->next_allow_list,
    .credential_id = credential_id,
    /* Silent (up=false) assertions are signed without UP: the fault the
     * built-in authenticator has for that is exactly this. */
    .fault = ctap->next_up ? SESAME_SOFT_FAULT_NONE : SESAME_SOFT_FAULT_NO_UP,
    .user_verified = ctap->next_uv,
  };

  result = sesame_soft_authenticator_get_assertion (ctap->authenticator, &get, &error);
  if (result == NULL)
    {
      status = soft_status (error);
      g_byte_array_append (response, &status, 1);
      return;
    }

  credential = cbor_new_definite_map (2);
  map_add (credential, cbor_build_string ("id"), build_gbytes (result->credential_id));
  map_add (credential, cbor_build_string ("type"), cbor_build_string ("public-key"));

  /* Names only after UV and when the user must choose (2.1 §6.2.2). */
  user = cbor_new_definite_map (3);
  map_add (user, cbor_build_string ("id"), build_gbytes (result->user_handle));
  if (ctap->next_uv && n_credentials > 1)
    held = sesame_soft_authenticator_list_credentials (ctap->authenticator, ctap->next_rp_id, NULL);
  for (guint i = 0; held != NULL && i < held->len; i++)
    {
      SesameSoftCredential *c = g_ptr_array_index (held, i);

      if (!g_bytes_equal (c->credential_id, result->credential_id))
        continue;
      if (c->user_name != NULL)
        map_add (user, cbor_build_string ("name"), cbor_build_string (c->user_name));
      if (c->user_display_name != NULL)
        map_add (user, cbor_build_string ("displayName"), cbor_build_string (c->user_display_name));
    }

  answer = cbor_new_definite_map (5);
  map_add (answer, build_int (1), credential);
  map_add (answer, build_int (2), build_gbytes (result->authenticator_data));
  map_add (answer, build_int (3), build_gbytes (result->signature));
  map_add (answer, build_int (4), user);
  if (n_credentials > 1)
    map_add (answer, build_int (5), build_int (n_credentials));
  respond (response, answer);
}

static void
get_assertion (SesameCtap2       *ctap,
               const cbor_item_t *params,
               GByteArray        *response)
{
  g_autoptr(GBytes) client_data_hash = NULL;
  g_autoptr(GBytes) pin_auth = NULL;
  g_autoptr(GPtrArray) allow = NULL;
  g_autoptr(GPtrArray) matching = NULL;
  g_autofree char *rp_id = NULL;
  cbor_item_t *options;
  gboolean uv = FALSE, up = TRUE, verified = FALSE;
  gint64 protocol = 0;
  guint8 status = SESAME_CTAP2_OK;
  GBytes *first;
  guint n;

  clear_next (ctap);
  options = sesame_cbor_map_get_int (params, 5);

  if (!get_text (params, FALSE, 1, NULL, &rp_id, &status) ||
      !get_bytes (params, 2, &client_data_hash, &status) ||
      !get_descriptors (params, 3, &allow, &status) ||
      !get_bytes (params, 6, &pin_auth, &status) ||
      !get_uint (params, 7, &protocol, &status))
    goto fail;
  if (rp_id == NULL)
    {
      status = SESAME_CTAP2_ERR_MISSING_PARAMETER;
      goto fail;
    }
  if (!check_client_data_hash (client_data_hash, &status))
    goto fail;
  if (options != NULL && !cbor_isa_map (options))
    {
      status = SESAME_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
      goto fail;
    }
  if (!get_option (options, "uv", &uv, &status) ||
      !get_option (options, "up", &up, &status))
    goto fail;
  if (options != NULL && sesame_cbor_map_get_str (options, "rk") != NULL)
    {
      status = SESAME_CTAP2_ERR_UNSUPPORTED_OPTION;
      goto fail;
    }

  if (pin_auth != NULL && g_bytes_get_size (pin_auth) == 0)
    {
      status = touch_probe (ctap);
      goto fail;
    }
  if (pin_auth != NULL)
    {
      status = check_token (ctap, pin_auth, protocol, client_data_hash, PERMISSION_GA, rp_id);
      if (status != SESAME_CTAP2_OK)
        goto fail;
      verified = TRUE;
    }
  else if (uv)
    {
      status = SESAME_CTAP2_ERR_INVALID_OPTION;
      goto fail;
    }

  if (!holds_any (ctap, rp_id, allow != NULL && allow->len > 0 ? allow : NULL, &matching, &status))
    goto fail;
  if (matching->len == 0)
    {
      status = SESAME_CTAP2_ERR_NO_CREDENTIALS;
      goto fail;
    }

  if (up)
    {
      status = ctap->presence (ctap->presence_data);
      if (status != SESAME_CTAP2_OK)
        goto fail;
    }
  if (verified)
    ctap->permissions = 0;

  ctap->next_client_data_hash = g_bytes_ref (client_data_hash);
  ctap->next_rp_id = g_steal_pointer (&rp_id);
  ctap->next_allow_list = allow != NULL && allow->len > 0 ? g_steal_pointer (&allow) : NULL;
  ctap->next_up = up;
  ctap->next_uv = verified;
  /* With an allow list the platform knows the credentials: one answer
   * (2.1 §6.2.2 step 9); without, every discoverable one in turn. */
  n = ctap->next_allow_list != NULL ? 1 : matching->len;
  first = g_ptr_array_steal_index (matching, 0);
  answer_assertion (ctap, first, n, response);
  g_bytes_unref (first);
  if (n > 1 && response->len > 0 && response->data[0] == SESAME_CTAP2_OK)
    {
      ctap->next_credentials = g_steal_pointer (&matching);
      ctap->next_deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
    }
  else
    clear_next (ctap);
  return;

fail:
  g_byte_array_append (response, &status, 1);
}

static void
get_next_assertion (SesameCtap2 *ctap,
                    GByteArray  *response)
{
  guint8 status = SESAME_CTAP2_ERR_NOT_ALLOWED;
  GBytes *next;

  if (ctap->next_credentials == NULL || ctap->next_credentials->len == 0 ||
      g_get_monotonic_time () > ctap->next_deadline)
    {
      clear_next (ctap);
      g_byte_array_append (response, &status, 1);
      return;
    }

  next = g_ptr_array_steal_index (ctap->next_credentials, 0);
  answer_assertion (ctap, next, 0, response);
  g_bytes_unref (next);
  if (ctap->next_credentials->len == 0)
    clear_next (ctap);
}

static void
get_info (SesameCtap2 *ctap,
          GByteArray  *response)
{
  g_autoptr(cbor_item_t) answer = cbor_new_definite_map (10);
  cbor_item_t *versions = cbor_new_definite_array (2);
  cbor_item_t *options = cbor_new_definite_map (5);
  cbor_item_t *protocols = cbor_new_definite_array (1);
  cbor_item_t *transports = cbor_new_definite_array (1);
  cbor_item_t *algorithms = cbor_new_definite_array (G_N_ELEMENTS (supported_algorithms));

  array_push (versions, cbor_build_string ("FIDO_2_0"));
  array_push (versions, cbor_build_string ("FIDO_2_1"));

  /* text keys in canonical order: shorter first, then bytewise */
  map_add (options, cbor_build_string ("rk"), cbor_build_bool (true));
  map_add (options, cbor_build_string ("up"), cbor_build_bool (true));
  map_add (options, cbor_build_string ("plat"), cbor_build_bool (false));
  map_add (options, cbor_build_string ("clientPin"), cbor_build_bool (ctap->has_pin));
  map_add (options, cbor_build_string ("pinUvAuthToken"), cbor_build_bool (true));

  array_push (protocols, build_int (1));
  array_push (transports, cbor_build_string ("usb"));
  for (gsize i = 0; i < G_N_ELEMENTS (supported_algorithms); i++)
    {
      cbor_item_t *param = cbor_new_definite_map (2);

      map_add (param, cbor_build_string ("alg"), build_int (supported_algorithms[i]));
      map_add (param, cbor_build_string ("type"), cbor_build_string ("public-key"));
      array_push (algorithms, param);
    }

  map_add (answer, build_int (1), versions);
  map_add (answer, build_int (3), build_bytes (sesame_soft_authenticator_get_aaguid (ctap->authenticator), 16));
  map_add (answer, build_int (4), options);
  map_add (answer, build_int (5), build_int (SESAME_CTAP2_MAX_MSG_SIZE));
  map_add (answer, build_int (6), protocols);
  map_add (answer, build_int (7), build_int (8));    /* maxCredentialCountInList */
  map_add (answer, build_int (8), build_int (128));  /* maxCredentialIdLength */
  map_add (answer, build_int (9), transports);
  map_add (answer, build_int (10), algorithms);
  map_add (answer, build_int (13), build_int (PIN_MIN_LEN)); /* minPINLength */
  respond (response, answer);
}

void
sesame_ctap2_handle (SesameCtap2  *ctap,
                     const guint8 *request,
                     gsize         len,
                     GByteArray   *response)
{
  g_autoptr(cbor_item_t) params = NULL;
  g_autoptr(GError) error = NULL;
  guint8 status;
  guint8 command;

  g_return_if_fail (ctap != NULL);
  g_return_if_fail (response != NULL);

  if (request == NULL || len == 0)
    {
      status = SESAME_CTAP1_ERR_INVALID_LENGTH;
      g_byte_array_append (response, &status, 1);
      return;
    }
  command = request[0];

  if (len > 1)
    {
      params = sesame_cbor_load (request + 1, len - 1, NULL, "The command's parameters", &error);
      if (params == NULL || !cbor_isa_map (params) ||
          !sesame_cbor_map_check_keys (params, "The command's parameters", NULL))
        {
          status = params == NULL ? SESAME_CTAP2_ERR_INVALID_CBOR
                                  : SESAME_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
          g_byte_array_append (response, &status, 1);
          return;
        }
    }

  /* Any other command ends a run of GetNextAssertion. */
  if (command != SESAME_CTAP2_GET_NEXT_ASSERTION && command != SESAME_CTAP2_GET_ASSERTION)
    clear_next (ctap);

  switch (command)
    {
    case SESAME_CTAP2_GET_INFO:
      get_info (ctap, response);
      return;
    case SESAME_CTAP2_GET_NEXT_ASSERTION:
      get_next_assertion (ctap, response);
      return;
    case SESAME_CTAP2_SELECTION:
      status = ctap->presence (ctap->presence_data);
      g_byte_array_append (response, &status, 1);
      return;
    case SESAME_CTAP2_MAKE_CREDENTIAL:
    case SESAME_CTAP2_GET_ASSERTION:
    case SESAME_CTAP2_CLIENT_PIN:
      if (params == NULL)
        {
          status = SESAME_CTAP2_ERR_MISSING_PARAMETER;
          g_byte_array_append (response, &status, 1);
          return;
        }
      if (command == SESAME_CTAP2_MAKE_CREDENTIAL)
        make_credential (ctap, params, response);
      else if (command == SESAME_CTAP2_GET_ASSERTION)
        get_assertion (ctap, params, response);
      else
        client_pin (ctap, params, response);
      return;
    default:
      status = SESAME_CTAP1_ERR_INVALID_COMMAND;
      g_byte_array_append (response, &status, 1);
      return;
    }
}

SesameCtap2 *
sesame_ctap2_new (SesameSoftAuthenticator *authenticator,
                  const char              *pin,
                  SesameCtap2PresenceFunc  presence,
                  gpointer                 presence_data,
                  GError                 **error)
{
  SesameCtap2 *ctap;

  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (authenticator), NULL);
  g_return_val_if_fail (presence != NULL, NULL);

  if (pin != NULL && *pin != '\0')
    {
      gsize len = strlen (pin);

      if (!g_utf8_validate (pin, (gssize) len, NULL) ||
          g_utf8_strlen (pin, (gssize) len) < PIN_MIN_LEN || len >= PIN_PADDED_LEN)
        {
          g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_POLICY,
                       "A security key PIN must be %d to %d characters long",
                       PIN_MIN_LEN, PIN_PADDED_LEN - 1);
          return NULL;
        }
    }

  ctap = g_new0 (SesameCtap2, 1);
  ctap->authenticator = g_object_ref (authenticator);
  ctap->presence = presence;
  ctap->presence_data = presence_data;
  ctap->retries = PIN_MAX_RETRIES;
  if (pin != NULL && *pin != '\0')
    {
      guint8 digest[SHA256_DIGEST_LENGTH];

      SHA256 ((const guint8 *) pin, strlen (pin), digest);
      set_pin_hash (ctap, digest);
      OPENSSL_cleanse (digest, sizeof digest);
    }
  sesame_ctap2_power_up (ctap);
  return ctap;
}

void
sesame_ctap2_power_up (SesameCtap2 *ctap)
{
  g_return_if_fail (ctap != NULL);

  new_key_agreement (ctap);
  new_pin_token (ctap);
  ctap->mismatches = 0;
  clear_next (ctap);
}

void
sesame_ctap2_free (SesameCtap2 *ctap)
{
  if (ctap == NULL)
    return;
  clear_next (ctap);
  g_clear_pointer (&ctap->key_agreement, EVP_PKEY_free);
  g_clear_pointer (&ctap->token_rp_id, g_free);
  OPENSSL_cleanse (ctap->pin_token, sizeof ctap->pin_token);
  OPENSSL_cleanse (ctap->pin_hash, sizeof ctap->pin_hash);
  g_clear_object (&ctap->authenticator);
  g_free (ctap);
}

gboolean
sesame_ctap2_has_pin (SesameCtap2 *ctap)
{
  g_return_val_if_fail (ctap != NULL, FALSE);
  return g_atomic_int_get (&ctap->has_pin);
}

int
sesame_ctap2_get_retries (SesameCtap2 *ctap)
{
  g_return_val_if_fail (ctap != NULL, 0);
  return g_atomic_int_get (&ctap->retries);
}
