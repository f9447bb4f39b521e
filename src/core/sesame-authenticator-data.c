/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-authenticator-data.h"
#include "sesame-base64.h"
#include "sesame-cbor.h"
#include "sesame-webauthn-error.h"

#include <string.h>

void
sesame_authenticator_data_free (SesameAuthenticatorData *ad)
{
  if (!ad)
    return;
  g_clear_pointer (&ad->raw, g_bytes_unref);
  g_clear_pointer (&ad->credential_id, g_bytes_unref);
  g_clear_pointer (&ad->public_key, sesame_cose_key_unref);
  if (ad->extensions)
    cbor_decref (&ad->extensions);
  g_free (ad);
}

static void *
bad (GError    **error,
     const char *message)
{
  g_set_error_literal (error, SESAME_WEBAUTHN_ERROR,
                       SESAME_WEBAUTHN_ERROR_BAD_AUTHENTICATOR_DATA, message);
  return NULL;
}

/* Layout: rpIdHash(32) flags(1) signCount(4)
 *         [aaguid(16) credIdLen(2) credId credentialPublicKey(CBOR)]  if AT
 *         [extensions(CBOR map)]                                      if ED
 * and nothing after. The COSE key has no length prefix, so it is decoded
 * with a length-aware parser to find where extensions start. */
SesameAuthenticatorData *
sesame_authenticator_data_parse (const guint8 *data,
                                 gsize         len,
                                 GError      **error)
{
  g_autoptr(SesameAuthenticatorData) ad = g_new0 (SesameAuthenticatorData, 1);
  gsize off = SESAME_AUTH_DATA_MIN_LEN;

  if (len < SESAME_AUTH_DATA_MIN_LEN)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_AUTHENTICATOR_DATA,
                   "authenticator data is %" G_GSIZE_FORMAT " bytes; it needs at least %d",
                   len, SESAME_AUTH_DATA_MIN_LEN);
      return NULL;
    }

  memcpy (ad->rp_id_hash, data, 32);
  ad->flags = data[32];
  ad->sign_count = (guint32) data[33] << 24 | (guint32) data[34] << 16 |
                   (guint32) data[35] << 8 | data[36];

  if (ad->flags & SESAME_AUTH_DATA_FLAG_AT)
    {
      g_autoptr(GError) key_error = NULL;
      gsize id_len, key_len = 0;

      if (len - off < 18)
        return bad (error, "authenticator data says it has attested credential data (AT), "
                           "but ends before the AAGUID and credential id length");
      memcpy (ad->aaguid, data + off, 16);
      id_len = (gsize) data[off + 16] << 8 | data[off + 17];
      off += 18;
      if (id_len > SESAME_CREDENTIAL_ID_MAX_LEN)
        {
          g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_CREDENTIAL_ID_TOO_LONG,
                       "credential id is %" G_GSIZE_FORMAT " bytes; at most %d are allowed",
                       id_len, SESAME_CREDENTIAL_ID_MAX_LEN);
          return NULL;
        }
      if (len - off < id_len)
        return bad (error, "authenticator data ends inside the credential id");
      ad->credential_id = g_bytes_new (data + off, id_len);
      off += id_len;

      ad->public_key = sesame_cose_key_new_from_cbor (data + off, len - off, &key_len, &key_error);
      if (!ad->public_key)
        {
          /* Keep the key's own precise code, but say where it came from. */
          g_set_error (error, SESAME_WEBAUTHN_ERROR, key_error->code,
                       "credential public key: %s", key_error->message);
          return NULL;
        }
      off += key_len;
      ad->has_attested_data = TRUE;
    }

  if (ad->flags & SESAME_AUTH_DATA_FLAG_ED)
    {
      g_autoptr(GError) ext_error = NULL;
      gsize ext_len = 0;

      if (off >= len)
        {
          g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_EXTENSION_DATA_MISMATCH,
                       "authenticator data sets the extension flag (ED) but has no extensions");
          return NULL;
        }
      ad->extensions = sesame_cbor_load (data + off, len - off, &ext_len,
                                         "authenticator extensions", &ext_error);
      if (!ad->extensions)
        {
          g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_AUTHENTICATOR_DATA,
                       "%s", ext_error->message);
          return NULL;
        }
      if (!cbor_isa_map (ad->extensions))
        return bad (error, "authenticator extensions are not a CBOR map");
      if (!sesame_cbor_map_check_keys (ad->extensions, "authenticator extensions", &ext_error))
        return bad (error, ext_error->message);
      off += ext_len;
    }

  if (off != len)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_EXTENSION_DATA_MISMATCH,
                   "authenticator data has %" G_GSIZE_FORMAT " bytes left over%s",
                   len - off,
                   (ad->flags & SESAME_AUTH_DATA_FLAG_ED) ? "" :
                   " (extension data without the ED flag?)");
      return NULL;
    }

  ad->raw = g_bytes_new (data, len);
  return g_steal_pointer (&ad);
}

char *
sesame_aaguid_to_string (const guint8 aaguid[16])
{
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                          "%02x%02x%02x%02x%02x%02x",
                          aaguid[0], aaguid[1], aaguid[2], aaguid[3], aaguid[4], aaguid[5],
                          aaguid[6], aaguid[7], aaguid[8], aaguid[9], aaguid[10], aaguid[11],
                          aaguid[12], aaguid[13], aaguid[14], aaguid[15]);
}

static void
add_flag (JsonBuilder *builder,
          const char  *name,
          gboolean     set)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, set);
}

static void
describe_cbor (JsonBuilder       *builder,
               const cbor_item_t *item)
{
  gint64 i;

  if (sesame_cbor_get_int (item, &i))
    json_builder_add_int_value (builder, i);
  else if (sesame_cbor_is_text (item))
    {
      g_autofree char *s = sesame_cbor_dup_text (item);
      json_builder_add_string_value (builder, g_utf8_validate (s, -1, NULL) ? s : "(invalid UTF-8)");
    }
  else if (sesame_cbor_is_bytes (item))
    {
      g_autofree char *s = sesame_base64url_encode (cbor_bytestring_handle (item),
                                                    cbor_bytestring_length (item));
      json_builder_add_string_value (builder, s);
    }
  else if (cbor_isa_float_ctrl (item) && cbor_float_get_width (item) == CBOR_FLOAT_0 &&
           cbor_is_bool (item))
    json_builder_add_boolean_value (builder, cbor_get_bool (item));
  else if (cbor_isa_float_ctrl (item) && cbor_float_get_width (item) != CBOR_FLOAT_0)
    json_builder_add_double_value (builder, cbor_float_get_float (item));
  else if (cbor_isa_array (item))
    {
      json_builder_begin_array (builder);
      for (gsize k = 0; k < cbor_array_size (item); k++)
        describe_cbor (builder, cbor_array_handle (item)[k]);
      json_builder_end_array (builder);
    }
  else if (cbor_isa_map (item))
    {
      struct cbor_pair *pairs = cbor_map_handle (item);
      json_builder_begin_object (builder);
      for (gsize k = 0; k < cbor_map_size (item); k++)
        {
          g_autofree char *name = NULL;
          if (sesame_cbor_get_int (pairs[k].key, &i))
            name = g_strdup_printf ("%" G_GINT64_FORMAT, i);
          else
            name = sesame_cbor_dup_text (pairs[k].key);
          json_builder_set_member_name (builder, name && g_utf8_validate (name, -1, NULL) ? name : "?");
          describe_cbor (builder, pairs[k].value);
        }
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);
}

void
sesame_authenticator_data_describe (const SesameAuthenticatorData *ad,
                                    JsonBuilder                   *builder)
{
  g_autofree char *rp_id_hash = sesame_base64url_encode (ad->rp_id_hash, 32);

  json_builder_set_member_name (builder, "rpIdHash");
  json_builder_add_string_value (builder, rp_id_hash);
  json_builder_set_member_name (builder, "flags");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "value");
  json_builder_add_int_value (builder, ad->flags);
  add_flag (builder, "userPresent", (ad->flags & SESAME_AUTH_DATA_FLAG_UP) != 0);
  add_flag (builder, "userVerified", (ad->flags & SESAME_AUTH_DATA_FLAG_UV) != 0);
  add_flag (builder, "backupEligible", (ad->flags & SESAME_AUTH_DATA_FLAG_BE) != 0);
  add_flag (builder, "backedUp", (ad->flags & SESAME_AUTH_DATA_FLAG_BS) != 0);
  add_flag (builder, "attestedCredentialData", (ad->flags & SESAME_AUTH_DATA_FLAG_AT) != 0);
  add_flag (builder, "extensionData", (ad->flags & SESAME_AUTH_DATA_FLAG_ED) != 0);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "signCount");
  json_builder_add_int_value (builder, ad->sign_count);

  if (ad->has_attested_data)
    {
      g_autofree char *aaguid = sesame_aaguid_to_string (ad->aaguid);
      g_autofree char *id = sesame_base64url_encode_bytes (ad->credential_id);

      json_builder_set_member_name (builder, "aaguid");
      json_builder_add_string_value (builder, aaguid);
      json_builder_set_member_name (builder, "credentialId");
      json_builder_add_string_value (builder, id);
      json_builder_set_member_name (builder, "credentialPublicKey");
      json_builder_begin_object (builder);
      sesame_cose_key_describe (ad->public_key, builder);
      json_builder_end_object (builder);
    }
  if (ad->extensions)
    {
      json_builder_set_member_name (builder, "extensions");
      describe_cbor (builder, ad->extensions);
    }
}
