/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char   *sesame_base64url_encode        (const guint8 *data,
                                        gsize         len);
char   *sesame_base64url_encode_bytes  (GBytes       *bytes);
GBytes *sesame_base64url_decode        (const char   *text,
                                        GError      **error);
GBytes *sesame_base64url_decode_len    (const char   *text,
                                        gsize         text_len,
                                        GError      **error);
GBytes *sesame_base64_decode_strict    (const char   *text,
                                        GError      **error);

G_END_DECLS
