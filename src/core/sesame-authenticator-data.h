/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cbor.h>
#include <glib.h>
#include <json-glib/json-glib.h>

#include "sesame-cose-key.h"

G_BEGIN_DECLS

typedef enum
{
  SESAME_AUTH_DATA_FLAG_UP = 1 << 0,
  SESAME_AUTH_DATA_FLAG_UV = 1 << 2,
  SESAME_AUTH_DATA_FLAG_BE = 1 << 3,
  SESAME_AUTH_DATA_FLAG_BS = 1 << 4,
  SESAME_AUTH_DATA_FLAG_AT = 1 << 6,
  SESAME_AUTH_DATA_FLAG_ED = 1 << 7,
} SesameAuthDataFlags;

#define SESAME_AUTH_DATA_MIN_LEN 37
#define SESAME_CREDENTIAL_ID_MAX_LEN 1023

/* Parsed authenticator data (WebAuthn L3 §6.1). Pointers into raw stay
 * valid as long as the struct lives. */
typedef struct
{
  GBytes        *raw;
  guint8         rp_id_hash[32];
  guint8         flags;
  guint32        sign_count;

  /* Attested credential data, when the AT flag is set */
  gboolean       has_attested_data;
  guint8         aaguid[16];
  GBytes        *credential_id;
  SesameCoseKey *public_key;

  /* Extension outputs, when the ED flag is set */
  cbor_item_t   *extensions;
} SesameAuthenticatorData;

SesameAuthenticatorData *sesame_authenticator_data_parse    (const guint8 *data,
                                                             gsize         len,
                                                             GError      **error);
void                     sesame_authenticator_data_free     (SesameAuthenticatorData *auth_data);
void                     sesame_authenticator_data_describe (const SesameAuthenticatorData *auth_data,
                                                             JsonBuilder                   *builder);
char                    *sesame_aaguid_to_string            (const guint8 aaguid[16]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameAuthenticatorData, sesame_authenticator_data_free)

G_END_DECLS
