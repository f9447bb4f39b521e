/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cbor.h>
#include <glib.h>

G_BEGIN_DECLS

/* Nesting deeper than this is refused before libcbor sees it: nothing a
 * WebAuthn authenticator sends nests more than a few levels. */
#define SESAME_CBOR_MAX_DEPTH 16

static inline void
sesame_cbor_unref (cbor_item_t *item)
{
  cbor_decref (&item);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (cbor_item_t, sesame_cbor_unref)

cbor_item_t *sesame_cbor_load         (const guint8 *data,
                                       gsize         len,
                                       gsize        *consumed,
                                       const char   *what,
                                       GError      **error);
gboolean     sesame_cbor_get_int      (const cbor_item_t *item,
                                       gint64            *out);
gboolean     sesame_cbor_map_check_keys (const cbor_item_t *map,
                                         const char        *what,
                                         GError           **error);
cbor_item_t *sesame_cbor_map_get_int  (const cbor_item_t *map,
                                       gint64             key);
cbor_item_t *sesame_cbor_map_get_str  (const cbor_item_t *map,
                                       const char        *key);
gboolean     sesame_cbor_is_bytes     (const cbor_item_t *item);
gboolean     sesame_cbor_is_text      (const cbor_item_t *item);
GBytes      *sesame_cbor_dup_bytes    (const cbor_item_t *item);
char        *sesame_cbor_dup_text     (const cbor_item_t *item);
/* An integer in its shortest encoding, as CTAP2 canonical CBOR wants
 * (libcbor's 64-bit builders always write nine bytes). */
cbor_item_t *sesame_cbor_build_int    (gint64             value);

G_END_DECLS
