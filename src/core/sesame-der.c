/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-der.h"

void
sesame_der_init (SesameDer    *der,
                 const guint8 *data,
                 gsize         len)
{
  der->data = data;
  der->len = len;
  der->pos = 0;
}

gboolean
sesame_der_at_end (const SesameDer *der)
{
  return der->pos >= der->len;
}

/* Reads one TLV. Only definite lengths in their shortest form are DER;
 * anything else is refused rather than guessed at. */
gboolean
sesame_der_next (SesameDer     *der,
                 SesameDerItem *item)
{
  const guint8 *p = der->data + der->pos;
  gsize left = der->len - der->pos;
  gsize off = 1;
  gsize len;
  guint8 first;

  if (der->pos >= der->len || left < 2)
    return FALSE;

  first = p[0];
  item->cls = first >> 6;
  item->constructed = (first & 0x20) != 0;
  item->tag = first & 0x1f;
  if (item->tag == 0x1f)
    {
      guint32 tag = 0;
      int n = 0;
      do
        {
          if (off >= left || ++n > 4)
            return FALSE;
          if (n == 1 && p[off] == 0x80)
            return FALSE;   /* a leading zero group is not the shortest form */
          tag = (tag << 7) | (p[off] & 0x7f);
        }
      while (p[off++] & 0x80);
      if (tag < 0x1f)
        return FALSE;       /* fits the short form */
      item->tag = tag;
    }

  if (off >= left)
    return FALSE;
  if (p[off] < 0x80)
    len = p[off++];
  else
    {
      int n = p[off++] & 0x7f;
      if (n == 0 || n > 4 || (gsize) n > left - off)
        return FALSE;   /* indefinite, or absurdly long */
      len = 0;
      for (int k = 0; k < n; k++)
        len = (len << 8) | p[off++];
      if (len < 0x80 || (n > 1 && len >> (8 * (n - 1)) == 0))
        return FALSE;   /* not the shortest form */
    }
  if (len > left - off)
    return FALSE;

  item->content = p + off;
  item->len = len;
  der->pos += off + len;
  return TRUE;
}

gboolean
sesame_der_enter (const SesameDerItem *item,
                  SesameDer           *inner)
{
  if (!item->constructed)
    return FALSE;
  sesame_der_init (inner, item->content, item->len);
  return TRUE;
}

gboolean
sesame_der_get_int (const SesameDerItem *item,
                    gint64              *out)
{
  gint64 v;

  /* INTEGER (2) or ENUMERATED (10), universal, at most 8 bytes */
  if (item->cls != 0 || item->constructed || (item->tag != 2 && item->tag != 10) ||
      item->len == 0 || item->len > 8)
    return FALSE;
  v = (item->content[0] & 0x80) ? -1 : 0;
  for (gsize k = 0; k < item->len; k++)
    v = (gint64) ((guint64) v << 8) | item->content[k];
  *out = v;
  return TRUE;
}
