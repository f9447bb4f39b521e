/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-trust-anchors.h"
#include "sesame-openssl.h"
#include "sesame-trust-anchors-private.h"
#include "sesame-webauthn-error.h"

#include <openssl/err.h>
#include <openssl/pem.h>

typedef struct
{
  char *fmt;      /* NULL: every format */
  X509 *cert;
} Anchor;

struct _SesameTrustAnchors
{
  gatomicrefcount ref_count;
  GArray *anchors;            /* Anchor */
  STACK_OF (X509_CRL) *crls;
};

static void
anchor_clear (Anchor *anchor)
{
  g_free (anchor->fmt);
  X509_free (anchor->cert);
}

SesameTrustAnchors *
sesame_trust_anchors_new (void)
{
  SesameTrustAnchors *self = g_new0 (SesameTrustAnchors, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->anchors = g_array_new (FALSE, TRUE, sizeof (Anchor));
  g_array_set_clear_func (self->anchors, (GDestroyNotify) anchor_clear);
  self->crls = sk_X509_CRL_new_null ();
  return self;
}

SesameTrustAnchors *
sesame_trust_anchors_ref (SesameTrustAnchors *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
sesame_trust_anchors_unref (SesameTrustAnchors *self)
{
  if (self && g_atomic_ref_count_dec (&self->ref_count))
    {
      g_array_unref (self->anchors);
      sk_X509_CRL_pop_free (self->crls, X509_CRL_free);
      g_free (self);
    }
}

static void
add_cert (SesameTrustAnchors *self,
          const char         *fmt,
          X509               *cert)
{
  Anchor anchor = { g_strdup (fmt), cert };

  g_array_append_val (self->anchors, anchor);
}

gboolean
sesame_trust_anchors_add_der (SesameTrustAnchors *self,
                              const char         *fmt,
                              const guint8       *der,
                              gsize               len,
                              GError            **error)
{
  const unsigned char *p = der;
  X509 *cert = d2i_X509 (NULL, &p, (long) len);

  if (!cert || p != der + len)
    {
      X509_free (cert);
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                   "trust anchor is not a DER X.509 certificate");
      return FALSE;
    }
  add_cert (self, fmt, cert);
  return TRUE;
}

gboolean
sesame_trust_anchors_add_pem (SesameTrustAnchors *self,
                              const char         *fmt,
                              const char         *pem,
                              GError            **error)
{
  BIO *bio = BIO_new_mem_buf (pem, -1);
  guint added = 0;
  X509 *cert;

  while ((cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL)))
    {
      add_cert (self, fmt, cert);
      added++;
    }
  BIO_free (bio);
  /* The read loop ends on an expected "no start line" error; leave no
   * stale entry on the thread's OpenSSL error queue. */
  ERR_clear_error ();
  if (added == 0)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                   "trust anchor text holds no PEM certificate");
      return FALSE;
    }
  return TRUE;
}

gboolean
sesame_trust_anchors_add_crl_der (SesameTrustAnchors *self,
                                  const guint8       *der,
                                  gsize               len,
                                  GError            **error)
{
  const unsigned char *p = der;
  X509_CRL *crl = d2i_X509_CRL (NULL, &p, (long) len);

  if (!crl || p != der + len)
    {
      X509_CRL_free (crl);
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID,
                   "revocation list is not a DER X.509 CRL");
      return FALSE;
    }
  sk_X509_CRL_push (self->crls, crl);
  return TRUE;
}

guint
sesame_trust_anchors_count (SesameTrustAnchors *self,
                            const char         *fmt)
{
  guint n = 0;

  for (guint i = 0; i < self->anchors->len; i++)
    {
      Anchor *a = &g_array_index (self->anchors, Anchor, i);
      if (!a->fmt || !fmt || g_str_equal (a->fmt, fmt))
        n++;
    }
  return n;
}

X509_STORE *
sesame_trust_anchors_build_store (SesameTrustAnchors *self,
                                  const char         *fmt)
{
  X509_STORE *store = X509_STORE_new ();

  for (guint i = 0; i < self->anchors->len; i++)
    {
      Anchor *a = &g_array_index (self->anchors, Anchor, i);
      if (!a->fmt || g_str_equal (a->fmt, fmt))
        X509_STORE_add_cert (store, a->cert);
    }
  for (int i = 0; i < sk_X509_CRL_num (self->crls); i++)
    X509_STORE_add_crl (store, sk_X509_CRL_value (self->crls, i));
  return store;
}

gboolean
sesame_trust_anchors_has_crls (SesameTrustAnchors *self)
{
  return sk_X509_CRL_num (self->crls) > 0;
}
