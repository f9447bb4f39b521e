/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A minimal, bounds-checked DER reader for the few ASN.1 structures that
 * OpenSSL has no parser for (Android KeyDescription, TPM SAN attributes,
 * Apple's nonce extension). */

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const guint8 *data;
  gsize         len;
  gsize         pos;
} SesameDer;

typedef struct
{
  guint8        cls;          /* 0 universal, 1 application, 2 context, 3 private */
  gboolean      constructed;
  guint32       tag;          /* tag number (high-tag-number form supported) */
  const guint8 *content;
  gsize         len;
} SesameDerItem;

void     sesame_der_init      (SesameDer       *der,
                               const guint8    *data,
                               gsize            len);
gboolean sesame_der_at_end    (const SesameDer *der);
gboolean sesame_der_next      (SesameDer       *der,
                               SesameDerItem   *item);
gboolean sesame_der_enter     (const SesameDerItem *item,
                               SesameDer           *inner);
gboolean sesame_der_get_int   (const SesameDerItem *item,
                               gint64              *out);

G_END_DECLS
