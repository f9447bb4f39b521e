/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-soft-encoding.h"

#include "sesame-cbor.h"

#include <cbor.h>
#include <openssl/sha.h>
#include <string.h>

GBytes *
sesame_soft_auth_data_build (const char   *rp_id,
                             guint8        flags,
                             guint32       sign_count,
                             const guint8  aaguid[16],
                             GBytes       *credential_id,
                             GBytes       *cose_key)
{
  GByteArray *out = g_byte_array_sized_new (256);
  guint8 rp_id_hash[SHA256_DIGEST_LENGTH];
  guint8 count[4] = {
    sign_count >> 24, (sign_count >> 16) & 0xff, (sign_count >> 8) & 0xff, sign_count & 0xff
  };

  SHA256 ((const guint8 *) rp_id, strlen (rp_id), rp_id_hash);
  g_byte_array_append (out, rp_id_hash, sizeof rp_id_hash);
  g_byte_array_append (out, &flags, 1);
  g_byte_array_append (out, count, sizeof count);

  if (credential_id != NULL && cose_key != NULL)
    {
      gsize id_len = g_bytes_get_size (credential_id);
      /* big-endian length; credential ids here are 32 bytes, far below
       * the 1023 the format allows */
      guint8 len[2] = { (id_len >> 8) & 0xff, id_len & 0xff };

      g_byte_array_append (out, aaguid, 16);
      g_byte_array_append (out, len, sizeof len);
      g_byte_array_append (out, g_bytes_get_data (credential_id, NULL), id_len);
      g_byte_array_append (out, g_bytes_get_data (cose_key, NULL), g_bytes_get_size (cose_key));
    }

  return g_byte_array_free_to_bytes (out);
}

static void
map_put_text (cbor_item_t *map,
              const char  *key,
              cbor_item_t *value)
{
  if (!cbor_map_add (map, (struct cbor_pair) { .key = cbor_move (cbor_build_string (key)),
                                               .value = cbor_move (value) }))
    g_error ("libcbor could not grow a map");
}

static cbor_item_t *
bytes_item (GBytes *bytes)
{
  return cbor_build_bytestring (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

GBytes *
sesame_soft_attestation_object_build (GBytes *auth_data,
                                      int     algorithm,
                                      GBytes *signature)
{
  g_autoptr(cbor_item_t) object = cbor_new_definite_map (3);
  cbor_item_t *statement;
  unsigned char *buf = NULL;
  size_t size = 0;
  size_t len;
  GBytes *bytes;

  /* Canonical order sorts text keys by length first: "fmt", "attStmt",
   * "authData"; and "alg" before "sig". */
  if (signature != NULL)
    {
      statement = cbor_new_definite_map (2);
      map_put_text (statement, "alg",
                    sesame_cbor_build_int (algorithm));
      map_put_text (statement, "sig", bytes_item (signature));
    }
  else
    {
      statement = cbor_new_definite_map (0);
    }

  map_put_text (object, "fmt", cbor_build_string (signature != NULL ? "packed" : "none"));
  map_put_text (object, "attStmt", statement);
  map_put_text (object, "authData", bytes_item (auth_data));

  len = cbor_serialize_alloc (object, &buf, &size);
  if (len == 0)
    g_error ("libcbor could not serialize an attestation object");
  bytes = g_bytes_new (buf, len);
  free (buf);
  return bytes;
}
