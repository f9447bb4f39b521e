/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-attestation-private.h"
#include "sesame-webauthn-error.h"

#include <string.h>

GBytes *
sesame_attestation_signed_data (const SesameAttestationInput *in)
{
  gsize len;
  const guint8 *auth_data = g_bytes_get_data (in->auth_data->raw, &len);
  guint8 *buf = g_malloc (len + 32);

  memcpy (buf, auth_data, len);
  memcpy (buf + len, in->client_data_hash, 32);
  return g_bytes_new_take (buf, len + 32);
}

/* §8.7: "none" carries nothing, and must carry nothing. */
gboolean
sesame_attestation_verify_none (const SesameAttestationInput *in,
                                SesameAttestationOutput      *out,
                                GError                      **error)
{
  if (cbor_map_size (in->att_stmt) != 0)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
                   "\"none\" attestation statement must be an empty map; it has %" G_GSIZE_FORMAT
                   " entries", cbor_map_size (in->att_stmt));
      return FALSE;
    }
  out->type = SESAME_ATTESTATION_TYPE_NONE;
  out->detail = g_strdup ("no attestation: nothing to anchor");
  return TRUE;
}
