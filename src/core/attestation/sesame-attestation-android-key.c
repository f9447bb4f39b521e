/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-attestation-private.h"
#include "sesame-cbor.h"
#include "sesame-cose-key.h"
#include "sesame-der.h"
#include "sesame-openssl.h"
#include "sesame-webauthn-error.h"
#include "sesame-x509.h"

#include <string.h>

/* WebAuthn L3 §8.4, the Android Key attestation statement format. The
 * Android keystore signs with the credential key itself and vouches for
 * that key in the leaf certificate's KeyDescription extension. */

#define OID_ANDROID_KEY_DESCRIPTION "1.3.6.1.4.1.11129.2.1.17"

/* Universal ASN.1 tags the KeyDescription uses */
enum
{
  DER_INTEGER = 2,
  DER_OCTET_STRING = 4,
  DER_ENUMERATED = 10,
  DER_SEQUENCE = 16,
  DER_SET = 17,
};

#define DER_CLASS_UNIVERSAL 0
#define DER_CLASS_CONTEXT 2

/* Keymaster tag numbers of the AuthorizationList fields we check, and the
 * values they must have (keymaster_defs.h). */
enum
{
  KM_TAG_PURPOSE = 1,
  KM_TAG_ALL_APPLICATIONS = 600,
  KM_TAG_ORIGIN = 702,
};

#define KM_ORIGIN_GENERATED 0
#define KM_PURPOSE_SIGN 2

typedef struct
{
  const char *name;
  gboolean    all_applications;
  gboolean    has_origin;
  gint64      origin;
  gboolean    has_purpose;
  gboolean    purpose_sign;
} AuthorizationList;

static gboolean G_GNUC_PRINTF (3, 4)
fail (GError    **error,
      int         code,
      const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (SESAME_WEBAUTHN_ERROR, code, format, args));
  va_end (args);
  return FALSE;
}

#define bad_key_description(error, ...) \
  fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID, \
        "android-key certificate's KeyDescription extension (" OID_ANDROID_KEY_DESCRIPTION \
        ") is malformed: " __VA_ARGS__)

static gboolean
is_universal (const SesameDerItem *item,
              guint32              tag)
{
  return item->cls == DER_CLASS_UNIVERSAL && item->tag == tag &&
         item->constructed == (tag == DER_SEQUENCE || tag == DER_SET);
}

/* purpose [1] EXPLICIT SET OF INTEGER */
static gboolean
parse_purpose (const SesameDerItem *value,
               AuthorizationList   *list,
               GError             **error)
{
  SesameDer set;
  SesameDerItem item;
  gint64 purpose;

  if (!is_universal (value, DER_SET) || !sesame_der_enter (value, &set))
    return bad_key_description (error, "%s purpose is not a SET", list->name);
  while (!sesame_der_at_end (&set))
    {
      if (!sesame_der_next (&set, &item) || !sesame_der_get_int (&item, &purpose) ||
          item.tag != DER_INTEGER)
        return bad_key_description (error, "%s purpose has a member that is not an INTEGER",
                                    list->name);
      if (purpose == KM_PURPOSE_SIGN)
        list->purpose_sign = TRUE;
    }
  list->has_purpose = TRUE;
  return TRUE;
}

/* AuthorizationList ::= SEQUENCE { every field [tag] EXPLICIT … OPTIONAL }.
 * Only the fields §8.4 asks about are read; the rest are skipped. A field
 * we read may appear once: with two, which one counts would be a guess. */
static gboolean
parse_authorization_list (const SesameDerItem *item,
                          AuthorizationList   *list,
                          GError             **error)
{
  SesameDer fields;

  if (!is_universal (item, DER_SEQUENCE) || !sesame_der_enter (item, &fields))
    return bad_key_description (error, "%s is not a SEQUENCE", list->name);

  while (!sesame_der_at_end (&fields))
    {
      SesameDerItem field, value;
      SesameDer inner;

      if (!sesame_der_next (&fields, &field))
        return bad_key_description (error, "%s has a field that is not valid DER", list->name);
      if (field.cls != DER_CLASS_CONTEXT || !sesame_der_enter (&field, &inner) ||
          !sesame_der_next (&inner, &value) || !sesame_der_at_end (&inner))
        return bad_key_description (error, "%s field [%u] is not one explicitly tagged value",
                                    list->name, field.tag);

      switch (field.tag)
        {
        case KM_TAG_PURPOSE:
          if (list->has_purpose)
            return bad_key_description (error, "%s has purpose twice", list->name);
          if (!parse_purpose (&value, list, error))
            return FALSE;
          break;

        case KM_TAG_ALL_APPLICATIONS:
          if (list->all_applications)
            return bad_key_description (error, "%s has allApplications twice", list->name);
          list->all_applications = TRUE;
          break;

        case KM_TAG_ORIGIN:
          if (list->has_origin)
            return bad_key_description (error, "%s has origin twice", list->name);
          if (value.tag != DER_INTEGER || !sesame_der_get_int (&value, &list->origin))
            return bad_key_description (error, "%s origin is not an INTEGER", list->name);
          list->has_origin = TRUE;
          break;

        default:
          break;
        }
    }
  return TRUE;
}

/* KeyDescription ::= SEQUENCE {
 *   attestationVersion INTEGER, attestationSecurityLevel ENUMERATED,
 *   keymasterVersion INTEGER, keymasterSecurityLevel ENUMERATED,
 *   attestationChallenge OCTET STRING, uniqueId OCTET STRING,
 *   softwareEnforced AuthorizationList, teeEnforced AuthorizationList }
 * Later schema versions keep this prefix, so fields after teeEnforced
 * would not change what is checked here and are not refused. */
static gboolean
parse_key_description (const guint8      *data,
                       gsize              len,
                       SesameDerItem     *challenge,
                       AuthorizationList *software,
                       AuthorizationList *tee,
                       GError           **error)
{
  static const struct
  {
    guint32     tag;
    const char *name;
  } fields[] = {
    { DER_INTEGER,      "attestationVersion" },
    { DER_ENUMERATED,   "attestationSecurityLevel" },
    { DER_INTEGER,      "keymasterVersion" },
    { DER_ENUMERATED,   "keymasterSecurityLevel" },
    { DER_OCTET_STRING, "attestationChallenge" },
    { DER_OCTET_STRING, "uniqueId" },
    { DER_SEQUENCE,     "softwareEnforced" },
    { DER_SEQUENCE,     "teeEnforced" },
  };
  SesameDerItem items[G_N_ELEMENTS (fields)];
  SesameDer der, seq;
  SesameDerItem top;

  sesame_der_init (&der, data, len);
  if (!sesame_der_next (&der, &top) || !sesame_der_at_end (&der) ||
      !is_universal (&top, DER_SEQUENCE) || !sesame_der_enter (&top, &seq))
    return bad_key_description (error, "it is not exactly one SEQUENCE");

  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      if (!sesame_der_next (&seq, &items[i]))
        return bad_key_description (error, "it ends before %s", fields[i].name);
      if (!is_universal (&items[i], fields[i].tag))
        return bad_key_description (error, "%s has the wrong type", fields[i].name);
    }

  *challenge = items[4];
  return parse_authorization_list (&items[6], software, error) &&
         parse_authorization_list (&items[7], tee, error);
}

/* §8.4 asks for allApplications to be absent from both lists and, in the
 * union of the two, for origin to be "generated" and purpose to include
 * "sign". A field that neither list carries cannot be judged: the W3C test
 * vector's lists are empty and are meant to verify, so absence is allowed,
 * and a field that is present anywhere must say the right thing. */
static gboolean
check_authorizations (const AuthorizationList *software,
                      const AuthorizationList *tee,
                      GError                 **error)
{
  const AuthorizationList *lists[] = { software, tee };
  gboolean any_purpose = FALSE, purpose_sign = FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      if (lists[i]->all_applications)
        return fail (error, SESAME_WEBAUTHN_ERROR_ANDROID_KEY_AUTHORIZATION,
                     "android-key %s has allApplications: the key may be used by every "
                     "app on the device, but a credential must be scoped to its RP ID",
                     lists[i]->name);
      if (lists[i]->has_origin && lists[i]->origin != KM_ORIGIN_GENERATED)
        return fail (error, SESAME_WEBAUTHN_ERROR_ANDROID_KEY_AUTHORIZATION,
                     "android-key %s origin is %" G_GINT64_FORMAT "; the key must have "
                     "been generated in the keystore (KM_ORIGIN_GENERATED, %d)",
                     lists[i]->name, lists[i]->origin, KM_ORIGIN_GENERATED);
      any_purpose |= lists[i]->has_purpose;
      purpose_sign |= lists[i]->purpose_sign;
    }

  if (any_purpose && !purpose_sign)
    return fail (error, SESAME_WEBAUTHN_ERROR_ANDROID_KEY_AUTHORIZATION,
                 "android-key authorization lists give the key purposes that do not "
                 "include signing (KM_PURPOSE_SIGN, %d)", KM_PURPOSE_SIGN);
  return TRUE;
}

gboolean
sesame_attestation_verify_android_key (const SesameAttestationInput *in,
                                       SesameAttestationOutput      *out,
                                       GError                      **error)
{
  g_autoptr(SesameX509Stack) chain = NULL;
  g_autoptr(GBytes) signed_data = NULL;
  g_autoptr(GError) local_error = NULL;
  AuthorizationList software = { .name = "softwareEnforced" };
  AuthorizationList tee = { .name = "teeEnforced" };
  const cbor_item_t *alg_item, *sig_item;
  const guint8 *extension;
  SesameDerItem challenge = { 0 };
  EVP_PKEY *leaf_key;
  X509 *leaf;
  gint64 alg;
  gsize extension_len = 0;

  alg_item = sesame_cbor_map_get_str (in->att_stmt, "alg");
  sig_item = sesame_cbor_map_get_str (in->att_stmt, "sig");
  if (!sesame_cbor_get_int (alg_item, &alg))
    return fail (error, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
                 "android-key attestation statement needs alg: an integer COSE algorithm");
  if (!sesame_cbor_is_bytes (sig_item) || cbor_bytestring_length (sig_item) == 0)
    return fail (error, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
                 "android-key attestation statement needs sig: a non-empty byte string");
  if (alg < G_MININT || alg > G_MAXINT || !sesame_cose_algorithm_is_supported ((int) alg))
    return fail (error, SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM,
                 "android-key attestation statement alg %" G_GINT64_FORMAT
                 " is not a supported COSE algorithm", alg);

  chain = sesame_x509_chain_from_x5c (sesame_cbor_map_get_str (in->att_stmt, "x5c"),
                                      in->fmt, error);
  if (!chain)
    return FALSE;
  leaf = sk_X509_value (chain, 0);
  leaf_key = X509_get0_pubkey (leaf);
  if (!leaf_key)
    return fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                 "android-key leaf certificate has no public key that can be used");

  signed_data = sesame_attestation_signed_data (in);
  if (!sesame_cose_verify_signature (leaf_key, (int) alg,
                                     g_bytes_get_data (signed_data, NULL),
                                     g_bytes_get_size (signed_data),
                                     cbor_bytestring_handle (sig_item),
                                     cbor_bytestring_length (sig_item), &local_error))
    return fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID,
                 "android-key signature over authenticator data and client data hash does "
                 "not verify with the leaf certificate: %s", local_error->message);

  /* The statement is made with the credential key itself; a certificate
   * for some other key proves nothing about this credential. */
  if (!sesame_cose_key_matches_pkey (in->auth_data->public_key, leaf_key))
    return fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_PUBLIC_KEY_MISMATCH,
                 "android-key leaf certificate is for a different key than the credential "
                 "public key");

  extension = sesame_x509_get_extension (leaf, OID_ANDROID_KEY_DESCRIPTION, &extension_len, NULL);
  if (!extension)
    return fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                 "android-key leaf certificate has no KeyDescription extension (%s)",
                 OID_ANDROID_KEY_DESCRIPTION);
  if (!parse_key_description (extension, extension_len, &challenge, &software, &tee, error))
    return FALSE;

  if (challenge.len != 32 || memcmp (challenge.content, in->client_data_hash, 32) != 0)
    return fail (error, SESAME_WEBAUTHN_ERROR_ATTESTATION_NONCE_MISMATCH,
                 "android-key attestationChallenge (%" G_GSIZE_FORMAT " bytes) is not the "
                 "hash of this ceremony's client data", challenge.len);

  if (!check_authorizations (&software, &tee, error))
    return FALSE;

  out->type = SESAME_ATTESTATION_TYPE_BASIC;
  out->chain = g_steal_pointer (&chain);
  return sesame_x509_check_path (in, out, error);
}
