/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-x509.h"
#include "sesame-cbor.h"
#include "sesame-der.h"
#include "sesame-openssl.h"
#include "sesame-trust-anchors-private.h"
#include "sesame-webauthn-error.h"

#include <string.h>

#define X5C_MAX_CERTIFICATES 10

STACK_OF (X509) *
sesame_x509_chain_from_x5c (const cbor_item_t *x5c,
                            const char        *fmt,
                            GError           **error)
{
  g_autoptr(SesameX509Stack) chain = NULL;
  gsize n;

  if (!x5c || !cbor_isa_array (x5c) || cbor_array_size (x5c) == 0)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
                   "%s attestation statement needs x5c: a non-empty array of certificates", fmt);
      return NULL;
    }
  n = cbor_array_size (x5c);
  if (n > X5C_MAX_CERTIFICATES)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
                   "%s attestation statement has %" G_GSIZE_FORMAT
                   " certificates in x5c; at most %d are accepted", fmt, n, X5C_MAX_CERTIFICATES);
      return NULL;
    }

  chain = sk_X509_new_null ();
  for (gsize i = 0; i < n; i++)
    {
      const cbor_item_t *item = cbor_array_handle (x5c)[i];
      const unsigned char *p;
      gsize len;
      X509 *cert;

      if (!sesame_cbor_is_bytes (item))
        {
          g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT,
                       "%s x5c[%" G_GSIZE_FORMAT "] is not a byte string", fmt, i);
          return NULL;
        }
      p = cbor_bytestring_handle (item);
      len = cbor_bytestring_length (item);
      cert = d2i_X509 (NULL, &p, (long) len);
      if (!cert || p != cbor_bytestring_handle (item) + len)
        {
          X509_free (cert);
          g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                       "%s x5c[%" G_GSIZE_FORMAT "] is not a DER X.509 certificate", fmt, i);
          return NULL;
        }
      sk_X509_push (chain, cert);
    }
  return g_steal_pointer (&chain);
}

time_t
sesame_x509_verification_time (const SesameVerifyOptions *options)
{
  return options->verification_time ? (time_t) options->verification_time : time (NULL);
}

/* Without a CRL for an issuer there is nothing to say about revocation:
 * that is not a failure of the path. */
static int
verify_cb (int             ok,
           X509_STORE_CTX *ctx)
{
  int err = X509_STORE_CTX_get_error (ctx);

  if (!ok && err == X509_V_ERR_UNABLE_TO_GET_CRL)
    return 1;
  return ok;
}

static char *
name_of (X509 *cert)
{
  char buf[256];

  X509_NAME_oneline (X509_get_subject_name (cert), buf, sizeof buf);
  return g_strdup (buf);
}

gboolean
sesame_x509_check_path (const SesameAttestationInput *in,
                        SesameAttestationOutput      *out,
                        GError                      **error)
{
  SesameTrustAnchors *anchors = in->options->trust_anchors;
  g_autoptr(X509_STORE) store = NULL;
  g_autoptr(X509_STORE_CTX) ctx = NULL;
  STACK_OF (X509) *untrusted;   /* borrows the chain's certificates */
  X509_VERIFY_PARAM *param;
  gboolean verified;
  X509 *leaf;
  int err;

  out->anchored = FALSE;
  g_clear_pointer (&out->detail, g_free);

  if (!out->chain || sk_X509_num (out->chain) == 0)
    {
      out->detail = g_strdup ("no certificate path: nothing to anchor");
      return TRUE;
    }
  if (!anchors || sesame_trust_anchors_count (anchors, in->fmt) == 0)
    {
      out->detail = g_strdup_printf ("no trust anchors are configured for %s attestation",
                                     in->fmt);
      return TRUE;
    }

  store = sesame_trust_anchors_build_store (anchors, in->fmt);
  X509_STORE_set_verify_cb (store, verify_cb);
  leaf = sk_X509_value (out->chain, 0);
  untrusted = sk_X509_new_null ();
  for (int i = 1; i < sk_X509_num (out->chain); i++)
    sk_X509_push (untrusted, sk_X509_value (out->chain, i));

  ctx = X509_STORE_CTX_new ();
  if (X509_STORE_CTX_init (ctx, store, leaf, untrusted) != 1)
    {
      sk_X509_free (untrusted);
      out->detail = g_strdup ("the certificate path could not be checked");
      return TRUE;
    }
  param = X509_STORE_CTX_get0_param (ctx);
  X509_VERIFY_PARAM_set_time (param, sesame_x509_verification_time (in->options));
  /* A configured anchor is trusted even when it is an intermediate. */
  X509_VERIFY_PARAM_set_flags (param, X509_V_FLAG_PARTIAL_CHAIN);
  if (sesame_trust_anchors_has_crls (anchors))
    X509_VERIFY_PARAM_set_flags (param, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);

  verified = X509_verify_cert (ctx) == 1;
  sk_X509_free (untrusted);
  if (verified)
    {
      STACK_OF (X509) *path = X509_STORE_CTX_get0_chain (ctx);
      g_autofree char *root = name_of (sk_X509_value (path, sk_X509_num (path) - 1));

      out->anchored = TRUE;
      out->detail = g_strdup_printf ("path of %d certificates reaches the anchor %s",
                                     sk_X509_num (path), root);
      return TRUE;
    }

  err = X509_STORE_CTX_get_error (ctx);
  if (err == X509_V_ERR_CERT_REVOKED)
    {
      X509 *bad = X509_STORE_CTX_get_current_cert (ctx);
      g_autofree char *who = bad ? name_of (bad) : g_strdup ("?");

      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_REVOKED,
                   "%s attestation certificate %s has been revoked", in->fmt, who);
      return FALSE;
    }
  out->detail = g_strdup_printf ("the path does not reach a %s trust anchor: %s (at depth %d)",
                                 in->fmt, X509_verify_cert_error_string (err),
                                 X509_STORE_CTX_get_error_depth (ctx));
  return TRUE;
}

const guint8 *
sesame_x509_get_extension (X509       *cert,
                           const char *oid,
                           gsize      *len,
                           gboolean   *critical)
{
  g_autoptr(ASN1_OBJECT) obj = OBJ_txt2obj (oid, 1);
  X509_EXTENSION *ext;
  ASN1_OCTET_STRING *value;
  int idx;

  if (!obj)
    return NULL;
  idx = X509_get_ext_by_OBJ (cert, obj, -1);
  if (idx < 0)
    return NULL;
  ext = X509_get_ext (cert, idx);
  value = X509_EXTENSION_get_data (ext);
  if (critical)
    *critical = X509_EXTENSION_get_critical (ext) != 0;
  *len = (gsize) ASN1_STRING_length (value);
  return ASN1_STRING_get0_data (value);
}

gboolean
sesame_x509_check_aaguid_extension (X509         *cert,
                                    const guint8  aaguid[16],
                                    GError      **error)
{
  gboolean critical = FALSE;
  gsize len = 0;
  const guint8 *value = sesame_x509_get_extension (cert, SESAME_OID_FIDO_GEN_CE_AAGUID,
                                                   &len, &critical);
  SesameDer der;
  SesameDerItem item;

  if (!value)
    return TRUE;
  if (critical)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                   "attestation certificate marks id-fido-gen-ce-aaguid (%s) critical; "
                   "it must not be", SESAME_OID_FIDO_GEN_CE_AAGUID);
      return FALSE;
    }
  sesame_der_init (&der, value, len);
  if (!sesame_der_next (&der, &item) || !sesame_der_at_end (&der) ||
      item.cls != 0 || item.tag != 4 || item.len != 16)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                   "attestation certificate extension id-fido-gen-ce-aaguid (%s) is not "
                   "a 16-byte OCTET STRING", SESAME_OID_FIDO_GEN_CE_AAGUID);
      return FALSE;
    }
  if (memcmp (item.content, aaguid, 16) != 0)
    {
      g_autofree char *cert_aaguid = sesame_aaguid_to_string (item.content);
      g_autofree char *data_aaguid = sesame_aaguid_to_string (aaguid);

      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_AAGUID_MISMATCH,
                   "attestation certificate extension id-fido-gen-ce-aaguid (%s) says %s, "
                   "but the authenticator data says %s",
                   SESAME_OID_FIDO_GEN_CE_AAGUID, cert_aaguid, data_aaguid);
      return FALSE;
    }
  return TRUE;
}
