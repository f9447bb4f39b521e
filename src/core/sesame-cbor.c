/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-cbor.h"
#include "sesame-webauthn-error.h"

#include <string.h>

/* Walks the encoded items without building them, so that absurd nesting is
 * refused before libcbor's builder allocates a stack for it. Returns the
 * number of bytes of the first item, or 0 if it is malformed, truncated or
 * nested deeper than SESAME_CBOR_MAX_DEPTH. */
static gsize
scan_item (const guint8 *p,
           gsize         len,
           int           depth)
{
  guint8 major, info;
  guint64 arg = 0;
  gsize head = 1;
  gsize off;
  guint64 i;

  if (len < 1 || depth > SESAME_CBOR_MAX_DEPTH)
    return 0;
  major = p[0] >> 5;
  info = p[0] & 0x1f;

  if (info < 24)
    arg = info;
  else if (info <= 27)
    {
      gsize n = (gsize) 1 << (info - 24);
      if (len < 1 + n)
        return 0;
      for (gsize k = 0; k < n; k++)
        arg = (arg << 8) | p[1 + k];
      head += n;
    }
  else if (info == 31)
    {
      /* Indefinite lengths: CTAP2 canonical CBOR never uses them. */
      return 0;
    }
  else
    return 0;

  switch (major)
    {
    case 0: /* unsigned */
    case 1: /* negative */
      return head;
    case 2: /* bytes */
    case 3: /* text */
      if (arg > len - head)
        return 0;
      return head + (gsize) arg;
    case 4: /* array */
    case 5: /* map */
      off = head;
      if (arg > len) /* every element takes at least a byte */
        return 0;
      for (i = 0; i < (major == 5 ? arg * 2 : arg); i++)
        {
          gsize n = scan_item (p + off, len - off, depth + 1);
          if (n == 0)
            return 0;
          off += n;
        }
      return off;
    case 6: /* tag */
      {
        gsize n = scan_item (p + head, len - head, depth + 1);
        return n ? head + n : 0;
      }
    case 7: /* simple and floats */
      if (info == 24 && arg < 32)
        return 0;
      return head;
    default:
      return 0;
    }
}

cbor_item_t *
sesame_cbor_load (const guint8 *data,
                  gsize         len,
                  gsize        *consumed,
                  const char   *what,
                  GError      **error)
{
  struct cbor_load_result result;
  cbor_item_t *item;
  gsize scanned;

  if (len == 0)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CBOR,
                   "%s is empty", what);
      return NULL;
    }

  scanned = scan_item (data, len, 0);
  if (scanned == 0)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CBOR,
                   "%s is not well-formed CBOR (truncated, indefinite-length or nested "
                   "more than %d levels)", what, SESAME_CBOR_MAX_DEPTH);
      return NULL;
    }
  if (!consumed && scanned != len)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CBOR,
                   "%s has %" G_GSIZE_FORMAT " bytes after its CBOR item",
                   what, len - scanned);
      return NULL;
    }

  item = cbor_load (data, scanned, &result);
  if (!item || result.error.code != CBOR_ERR_NONE || result.read != scanned)
    {
      if (item)
        cbor_decref (&item);
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CBOR,
                   "%s could not be decoded as CBOR (error %d at byte %" G_GSIZE_FORMAT ")",
                   what, (int) result.error.code, result.error.position);
      return NULL;
    }

  if (consumed)
    *consumed = scanned;
  return item;
}

gboolean
sesame_cbor_get_int (const cbor_item_t *item,
                     gint64            *out)
{
  guint64 v;

  if (!item || !(cbor_isa_uint (item) || cbor_isa_negint (item)))
    return FALSE;
  v = cbor_get_int (item);
  if (v > G_MAXINT64)
    return FALSE;
  *out = cbor_isa_uint (item) ? (gint64) v : -1 - (gint64) v;
  return TRUE;
}

static gboolean
keys_equal (const cbor_item_t *a,
            const cbor_item_t *b)
{
  gint64 ia, ib;

  if (sesame_cbor_get_int (a, &ia) && sesame_cbor_get_int (b, &ib))
    return ia == ib;
  if (sesame_cbor_is_text (a) && sesame_cbor_is_text (b))
    return cbor_string_length (a) == cbor_string_length (b) &&
           memcmp (cbor_string_handle (a), cbor_string_handle (b), cbor_string_length (a)) == 0;
  return FALSE;
}

/* Maps we read must have unique integer or text keys: with a duplicate, two
 * parsers could read two different credentials out of the same bytes. */
gboolean
sesame_cbor_map_check_keys (const cbor_item_t *map,
                            const char        *what,
                            GError           **error)
{
  struct cbor_pair *pairs;
  gsize n, i, j;

  if (!map || !cbor_isa_map (map))
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CBOR,
                   "%s is not a CBOR map", what);
      return FALSE;
    }
  pairs = cbor_map_handle (map);
  n = cbor_map_size (map);
  for (i = 0; i < n; i++)
    {
      gint64 dummy;
      if (!sesame_cbor_get_int (pairs[i].key, &dummy) && !sesame_cbor_is_text (pairs[i].key))
        {
          g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CBOR,
                       "%s has a key that is neither an integer nor a text string", what);
          return FALSE;
        }
      for (j = 0; j < i; j++)
        if (keys_equal (pairs[i].key, pairs[j].key))
          {
            g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CBOR,
                         "%s has a duplicate key", what);
            return FALSE;
          }
    }
  return TRUE;
}

cbor_item_t *
sesame_cbor_map_get_int (const cbor_item_t *map,
                         gint64             key)
{
  struct cbor_pair *pairs;
  gsize n, i;

  if (!map || !cbor_isa_map (map))
    return NULL;
  pairs = cbor_map_handle (map);
  n = cbor_map_size (map);
  for (i = 0; i < n; i++)
    {
      gint64 k;
      if (sesame_cbor_get_int (pairs[i].key, &k) && k == key)
        return pairs[i].value;
    }
  return NULL;
}

cbor_item_t *
sesame_cbor_map_get_str (const cbor_item_t *map,
                         const char        *key)
{
  struct cbor_pair *pairs;
  gsize n, i, klen = strlen (key);

  if (!map || !cbor_isa_map (map))
    return NULL;
  pairs = cbor_map_handle (map);
  n = cbor_map_size (map);
  for (i = 0; i < n; i++)
    if (sesame_cbor_is_text (pairs[i].key) &&
        cbor_string_length (pairs[i].key) == klen &&
        memcmp (cbor_string_handle (pairs[i].key), key, klen) == 0)
      return pairs[i].value;
  return NULL;
}

gboolean
sesame_cbor_is_bytes (const cbor_item_t *item)
{
  return item && cbor_isa_bytestring (item) && cbor_bytestring_is_definite (item);
}

gboolean
sesame_cbor_is_text (const cbor_item_t *item)
{
  return item && cbor_isa_string (item) && cbor_string_is_definite (item);
}

GBytes *
sesame_cbor_dup_bytes (const cbor_item_t *item)
{
  if (!sesame_cbor_is_bytes (item))
    return NULL;
  return g_bytes_new (cbor_bytestring_handle (item), cbor_bytestring_length (item));
}

char *
sesame_cbor_dup_text (const cbor_item_t *item)
{
  if (!sesame_cbor_is_text (item))
    return NULL;
  return g_strndup ((const char *) cbor_string_handle (item), cbor_string_length (item));
}

cbor_item_t *
sesame_cbor_build_int (gint64 value)
{
  guint64 magnitude = value >= 0 ? (guint64) value : (guint64) (-1 - value);
  gboolean negative = value < 0;

  if (magnitude <= G_MAXUINT8)
    return negative ? cbor_build_negint8 ((guint8) magnitude) : cbor_build_uint8 ((guint8) magnitude);
  if (magnitude <= G_MAXUINT16)
    return negative ? cbor_build_negint16 ((guint16) magnitude) : cbor_build_uint16 ((guint16) magnitude);
  if (magnitude <= G_MAXUINT32)
    return negative ? cbor_build_negint32 ((guint32) magnitude) : cbor_build_uint32 ((guint32) magnitude);
  return negative ? cbor_build_negint64 (magnitude) : cbor_build_uint64 (magnitude);
}
