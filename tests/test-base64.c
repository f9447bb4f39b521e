/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Credential ids, challenges and signatures all arrive as base64url text.
 * The decoder is strict on purpose (one spelling per byte string), so these
 * tests pin down both what it accepts and every way it refuses. */

#include "config.h"

#include "sesame-base64.h"
#include "sesame-webauthn-error.h"

#include <string.h>

/* Marks the test failed without stopping it, and logs every failure (the
 * TAP line only shows the last), so that one wrongly accepted input does not
 * hide the others. */
static void report_failure (const char *format,
                            ...) G_GNUC_PRINTF (1, 2);

static void
report_failure (const char *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_test_message ("FAIL: %s", message);
  g_test_fail_printf ("%s", message);
}

typedef struct
{
  const char *plain;
  const char *url;        /* base64url, no padding */
  const char *standard;   /* base64, padded */
} Vector;

/* RFC 4648 §10 */
static const Vector rfc4648[] = {
  { "", "", "" },
  { "f", "Zg", "Zg==" },
  { "fo", "Zm8", "Zm8=" },
  { "foo", "Zm9v", "Zm9v" },
  { "foob", "Zm9vYg", "Zm9vYg==" },
  { "fooba", "Zm9vYmE", "Zm9vYmE=" },
  { "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};

static void
assert_bytes_equal (GBytes       *bytes,
                    const guint8 *expected,
                    gsize         expected_len)
{
  gsize len;
  const guint8 *data;

  g_assert_nonnull (bytes);
  data = g_bytes_get_data (bytes, &len);
  g_assert_cmpmem (data, len, expected, expected_len);
}

/* Decodes text (of text_len bytes) with the chosen decoder and checks that it
 * is refused as BAD_BASE64URL with a message that contains needle. */
static void
assert_rejected_len (gboolean    standard,
                     const char *text,
                     gsize       text_len,
                     const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (standard)
    bytes = sesame_base64_decode_strict (text, &error);
  else
    bytes = sesame_base64url_decode_len (text, text_len, &error);

  if (bytes)
    {
      g_autofree char *shown = g_strescape (text, NULL);
      report_failure ("\"%s\" was accepted; it should be refused (%s)", shown, needle);
      return;
    }
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_BASE64URL);
  if (!strstr (error->message, needle))
    report_failure ("the message \"%s\" does not mention \"%s\"", error->message, needle);
}

static void
assert_url_rejected (const char *text,
                     const char *needle)
{
  assert_rejected_len (FALSE, text, strlen (text), needle);
}

static void
assert_std_rejected (const char *text,
                     const char *needle)
{
  assert_rejected_len (TRUE, text, strlen (text), needle);
}

static void
test_rfc4648_encode (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (rfc4648); i++)
    {
      const Vector *v = &rfc4648[i];
      g_autofree char *text = sesame_base64url_encode ((const guint8 *) v->plain,
                                                       strlen (v->plain));
      g_autoptr(GBytes) bytes = g_bytes_new_static (v->plain, strlen (v->plain));
      g_autofree char *from_bytes = sesame_base64url_encode_bytes (bytes);

      g_assert_cmpstr (text, ==, v->url);
      g_assert_cmpstr (from_bytes, ==, v->url);
    }
}

static void
test_rfc4648_decode (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (rfc4648); i++)
    {
      const Vector *v = &rfc4648[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) url = sesame_base64url_decode (v->url, &error);
      g_autoptr(GBytes) standard = NULL;

      g_assert_no_error (error);
      assert_bytes_equal (url, (const guint8 *) v->plain, strlen (v->plain));

      standard = sesame_base64_decode_strict (v->standard, &error);
      g_assert_no_error (error);
      assert_bytes_equal (standard, (const guint8 *) v->plain, strlen (v->plain));
    }
}

static void
test_decode_len_stops_at_length (void)
{
  g_autoptr(GError) error = NULL;
  /* Only the first four characters are the value: the rest of the buffer
   * (here an invalid character) must not be looked at. */
  g_autoptr(GBytes) bytes = sesame_base64url_decode_len ("Zm9v!!", 4, &error);

  g_assert_no_error (error);
  assert_bytes_equal (bytes, (const guint8 *) "foo", 3);
}

static void
test_all_bytes_round_trip (void)
{
  guint8 all[256];
  g_autofree char *text = NULL;
  g_autoptr(GBytes) decoded = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 256; i++)
    all[i] = (guint8) i;

  /* Every length 0..256 of the table, so that each of the three tails
   * (no remainder, one byte, two bytes) is met with every byte value. */
  for (gsize len = 0; len <= sizeof all; len++)
    {
      g_autofree char *t = sesame_base64url_encode (all, len);
      g_autoptr(GBytes) b = sesame_base64url_decode (t, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (strlen (t), ==, (len * 4 + 2) / 3);
      g_assert_null (strpbrk (t, "+/="));
      assert_bytes_equal (b, all, len);
    }

  /* And each byte value alone, in each of the three positions of a group. */
  for (guint i = 0; i < 256; i++)
    for (gsize pos = 0; pos < 3; pos++)
      {
        guint8 group[3] = { 0x5a, 0xa5, 0x00 };
        g_autofree char *t = NULL;
        g_autoptr(GBytes) b = NULL;

        group[pos] = (guint8) i;
        t = sesame_base64url_encode (group, sizeof group);
        b = sesame_base64url_decode (t, &error);
        g_assert_no_error (error);
        assert_bytes_equal (b, group, sizeof group);
      }

  text = sesame_base64url_encode (all, sizeof all);
  decoded = sesame_base64url_decode (text, &error);
  g_assert_no_error (error);
  assert_bytes_equal (decoded, all, sizeof all);
}

static void
test_alphabets (void)
{
  static const guint8 high[] = { 0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff };
  g_autofree char *text = sesame_base64url_encode (high, sizeof high);
  g_autoptr(GBytes) url = NULL;
  g_autoptr(GBytes) standard = NULL;
  g_autoptr(GError) error = NULL;

  /* 62 and 63 are the only values where the alphabets differ. */
  g_assert_cmpstr (text, ==, "----____");

  url = sesame_base64url_decode ("----____", &error);
  g_assert_no_error (error);
  assert_bytes_equal (url, high, sizeof high);

  standard = sesame_base64_decode_strict ("++++////", &error);
  g_assert_no_error (error);
  assert_bytes_equal (standard, high, sizeof high);

  assert_url_rejected ("++++", "'+' at position 0");
  assert_url_rejected ("AAA/", "'/' at position 3");
  assert_url_rejected ("Zm9v+w", "'+' at position 4");
  assert_std_rejected ("----", "'-' at position 0");
  assert_std_rejected ("AAA_", "'_' at position 3");
}

static void
test_padding_accepted (void)
{
  static const struct { const char *text; const char *plain; } cases[] = {
    { "Zg==", "f" },
    { "Zm8=", "fo" },
    { "Zm9vYg==", "foob" },
    { "Zm9vYmE=", "fooba" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = sesame_base64url_decode (cases[i].text, &error);

      g_assert_no_error (error);
      assert_bytes_equal (bytes, (const guint8 *) cases[i].plain, strlen (cases[i].plain));
    }
}

static void
test_padding_rejected (void)
{
  /* Wrong amount of padding for the group */
  assert_url_rejected ("Zg=", "does not complete a 4-character group");
  assert_url_rejected ("Zm8==", "does not complete a 4-character group");
  assert_url_rejected ("Zm9v==", "does not complete a 4-character group");
  assert_url_rejected ("Zm9v=", "does not complete a 4-character group");
  assert_url_rejected ("==", "does not complete a 4-character group");
  assert_std_rejected ("Zg=", "does not complete a 4-character group");
  assert_std_rejected ("Zm8==", "does not complete a 4-character group");

  /* Three padding characters never occur */
  assert_url_rejected ("Zg===", "more than two padding characters");
  assert_url_rejected ("Z===", "more than two padding characters");
  assert_url_rejected ("====", "more than two padding characters");
  assert_std_rejected ("Zm9vY===", "more than two padding characters");

  /* Padding anywhere but at the end */
  assert_url_rejected ("Zg==Zm8", "'=' at position 2");
  assert_url_rejected ("Zm=v", "'=' at position 2");
  assert_std_rejected ("Zg==Zm8=", "'=' at position 2");
}

static void
test_length_one_mod_four (void)
{
  assert_url_rejected ("Z", "length (1)");
  assert_url_rejected ("Zm9vY", "length (5)");
  assert_url_rejected ("Zm9vYmFyZ", "length (9)");
  assert_std_rejected ("Zm9vY", "missing its padding");
}

/* Spare bits in the last character are ignored (RFC 4648 §3.5 allows it;
 * upstream fixtures carry such hand-edited credential ids), so two
 * spellings decode to the same bytes. That is why ids and challenges are
 * always compared as bytes. */
static void
test_non_canonical_trailing_bits (void)
{
  static const struct { const char *spare, *canonical; } pairs[] = {
    { "QR", "QQ" }, { "QRF", "QRE" }, { "Zm9=", "Zm8=" }, { "Zh==", "Zg==" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) spare = sesame_base64url_decode (pairs[i].spare, &error);
      g_autoptr(GBytes) canonical = sesame_base64url_decode (pairs[i].canonical, &error);
      g_autofree char *reencoded = NULL;
      g_autofree char *unpadded = g_strndup (pairs[i].canonical,
                                             strcspn (pairs[i].canonical, "="));

      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (spare, canonical));
      /* and encoding always gives the canonical spelling */
      reencoded = sesame_base64url_encode_bytes (spare);
      g_assert_cmpstr (reencoded, ==, unpadded);
    }
}

static void
test_whitespace_nul_non_ascii (void)
{
  assert_url_rejected ("Zm9 ", "' ' at position 3");
  assert_url_rejected (" Zm9", "' ' at position 0");
  assert_url_rejected ("Zm\t9", "byte 0x09 at position 2");
  assert_url_rejected ("Zm9v\nYmF", "byte 0x0a at position 4");
  assert_url_rejected ("Zm9v\r\nYmFy", "byte 0x0d at position 4");
  assert_std_rejected ("Zm9 Zm8=", "' ' at position 3");
  assert_std_rejected ("Zm9\nYmE=", "byte 0x0a at position 3");

  /* An embedded NUL must not end the text early ("Zm" alone is "f"). */
  assert_rejected_len (FALSE, "Zm\0v", 4, "byte 0x00 at position 2");
  assert_rejected_len (FALSE, "Zm9v\0\0\0\0", 8, "byte 0x00 at position 4");

  /* UTF-8 lookalikes and raw high bytes */
  assert_url_rejected ("Zm\xc3\xa9", "byte 0xc3 at position 2");
  assert_url_rejected ("Zm9\xff", "byte 0xff at position 3");
  assert_url_rejected ("\xef\xbc\xbaZ", "byte 0xef at position 0");  /* fullwidth Z */
}

static void
test_strict_requires_padding (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) empty = sesame_base64_decode_strict ("", &error);

  g_assert_no_error (error);
  assert_bytes_equal (empty, NULL, 0);

  assert_std_rejected ("Zg", "missing its padding");
  assert_std_rejected ("Zm8", "missing its padding");
  assert_std_rejected ("Zm9vYmE", "missing its padding");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sesame/base64/rfc4648/encode", test_rfc4648_encode);
  g_test_add_func ("/sesame/base64/rfc4648/decode", test_rfc4648_decode);
  g_test_add_func ("/sesame/base64/decode-len", test_decode_len_stops_at_length);
  g_test_add_func ("/sesame/base64/all-bytes-round-trip", test_all_bytes_round_trip);
  g_test_add_func ("/sesame/base64/alphabets", test_alphabets);
  g_test_add_func ("/sesame/base64/padding/accepted", test_padding_accepted);
  g_test_add_func ("/sesame/base64/padding/rejected", test_padding_rejected);
  g_test_add_func ("/sesame/base64/length-one-mod-four", test_length_one_mod_four);
  g_test_add_func ("/sesame/base64/non-canonical-trailing-bits", test_non_canonical_trailing_bits);
  g_test_add_func ("/sesame/base64/whitespace-nul-non-ascii", test_whitespace_nul_non_ascii);
  g_test_add_func ("/sesame/base64/strict-requires-padding", test_strict_requires_padding);

  return g_test_run ();
}
