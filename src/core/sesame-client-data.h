/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Parsed CollectedClientData (WebAuthn L3 §5.8.1). Read-only after parsing. */
typedef struct
{
  char     *type;
  char     *challenge;        /* as sent: base64url text */
  GBytes   *challenge_bytes;  /* decoded */
  char     *origin;
  gboolean  cross_origin;
  gboolean  has_cross_origin;
  char     *top_origin;       /* NULL when absent */
  char     *token_binding_status; /* NULL when absent */
  GBytes   *raw;              /* the exact clientDataJSON bytes */
  guint8    hash[32];         /* SHA-256 of raw */
} SesameClientData;

SesameClientData *sesame_client_data_parse    (const guint8 *data,
                                               gsize         len,
                                               GError      **error);
void              sesame_client_data_free     (SesameClientData *client_data);
void              sesame_client_data_describe (const SesameClientData *client_data,
                                               JsonBuilder            *builder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameClientData, sesame_client_data_free)

G_END_DECLS
