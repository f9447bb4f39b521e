/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-base64.h"
#include "sesame-webauthn-error.h"

#include <string.h>

static const char url_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char std_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
sesame_base64url_encode (const guint8 *data,
                         gsize         len)
{
  GString *out = g_string_sized_new ((len + 2) / 3 * 4 + 1);
  gsize i;

  for (i = 0; i + 2 < len; i += 3)
    {
      guint32 v = (guint32) data[i] << 16 | (guint32) data[i + 1] << 8 | data[i + 2];
      g_string_append_c (out, url_alphabet[(v >> 18) & 63]);
      g_string_append_c (out, url_alphabet[(v >> 12) & 63]);
      g_string_append_c (out, url_alphabet[(v >> 6) & 63]);
      g_string_append_c (out, url_alphabet[v & 63]);
    }
  if (len - i == 1)
    {
      guint32 v = (guint32) data[i] << 16;
      g_string_append_c (out, url_alphabet[(v >> 18) & 63]);
      g_string_append_c (out, url_alphabet[(v >> 12) & 63]);
    }
  else if (len - i == 2)
    {
      guint32 v = (guint32) data[i] << 16 | (guint32) data[i + 1] << 8;
      g_string_append_c (out, url_alphabet[(v >> 18) & 63]);
      g_string_append_c (out, url_alphabet[(v >> 12) & 63]);
      g_string_append_c (out, url_alphabet[(v >> 6) & 63]);
    }
  return g_string_free (out, FALSE);
}

char *
sesame_base64url_encode_bytes (GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return sesame_base64url_encode (data, len);
}

static int
alphabet_value (const char *alphabet,
                char        c)
{
  const char *p;

  if (c == '\0')
    return -1;
  p = strchr (alphabet, c);
  return p ? (int) (p - alphabet) : -1;
}

/* One decoder for both alphabets. It is strict about what cannot come from
 * a conforming encoder: stray characters, bad padding, impossible lengths.
 * Non-zero bits in the last character are ignored, as RFC 4648 §3.5 lets a
 * decoder do: hand-edited credential ids in the wild have them. Ids are
 * therefore always compared as decoded bytes, never as text. */
static GBytes *
decode (const char *alphabet,
        const char *what,
        gboolean    padding_required,
        const char *text,
        gsize       len,
        GError    **error)
{
  g_autoptr(GByteArray) out = NULL;
  gsize pad = 0;
  gsize i;
  guint32 acc = 0;
  int bits = 0;

  while (pad < 2 && len > 0 && text[len - 1] == '=')
    {
      len--;
      pad++;
    }
  if (len > 0 && text[len - 1] == '=')
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_BASE64URL,
                   "%s has more than two padding characters", what);
      return NULL;
    }
  if (pad > 0 && (len + pad) % 4 != 0)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_BASE64URL,
                   "%s has padding that does not complete a 4-character group", what);
      return NULL;
    }
  if (padding_required && pad == 0 && len % 4 != 0)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_BASE64URL,
                   "%s is missing its padding", what);
      return NULL;
    }
  if (len % 4 == 1)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_BASE64URL,
                   "%s has a length (%" G_GSIZE_FORMAT ") that no byte string encodes to",
                   what, len);
      return NULL;
    }

  out = g_byte_array_sized_new (len * 3 / 4 + 1);
  for (i = 0; i < len; i++)
    {
      int v = alphabet_value (alphabet, text[i]);

      if (v < 0)
        {
          if (g_ascii_isprint (text[i]))
            g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_BASE64URL,
                         "%s has a character '%c' at position %" G_GSIZE_FORMAT
                         " that is not in its alphabet", what, text[i], i);
          else
            g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_BASE64URL,
                         "%s has a byte 0x%02x at position %" G_GSIZE_FORMAT
                         " that is not in its alphabet", what, (guint8) text[i], i);
          return NULL;
        }
      acc = (acc << 6) | (guint32) v;
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          g_byte_array_append (out, (guint8[]) { (acc >> bits) & 0xff }, 1);
        }
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

GBytes *
sesame_base64url_decode_len (const char *text,
                             gsize       text_len,
                             GError    **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  return decode (url_alphabet, "base64url text", FALSE, text, text_len, error);
}

GBytes *
sesame_base64url_decode (const char *text,
                         GError    **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  return decode (url_alphabet, "base64url text", FALSE, text, strlen (text), error);
}

GBytes *
sesame_base64_decode_strict (const char *text,
                             GError    **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  return decode (std_alphabet, "base64 text", TRUE, text, strlen (text), error);
}
