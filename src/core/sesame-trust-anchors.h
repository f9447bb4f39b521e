/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Root certificates (and optional CRLs) that attestation certificate paths
 * are checked against, per attestation format or for every format. */
typedef struct _SesameTrustAnchors SesameTrustAnchors;

SesameTrustAnchors *sesame_trust_anchors_new      (void);
SesameTrustAnchors *sesame_trust_anchors_ref      (SesameTrustAnchors *anchors);
void                sesame_trust_anchors_unref    (SesameTrustAnchors *anchors);
gboolean            sesame_trust_anchors_add_der  (SesameTrustAnchors *anchors,
                                                   const char         *fmt,
                                                   const guint8       *der,
                                                   gsize               len,
                                                   GError            **error);
gboolean            sesame_trust_anchors_add_pem  (SesameTrustAnchors *anchors,
                                                   const char         *fmt,
                                                   const char         *pem,
                                                   GError            **error);
gboolean            sesame_trust_anchors_add_crl_der (SesameTrustAnchors *anchors,
                                                      const guint8       *der,
                                                      gsize               len,
                                                      GError            **error);
guint               sesame_trust_anchors_count    (SesameTrustAnchors *anchors,
                                                   const char         *fmt);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameTrustAnchors, sesame_trust_anchors_unref)

G_END_DECLS
