/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <openssl/x509.h>

#include "sesame-trust-anchors.h"

G_BEGIN_DECLS

X509_STORE *sesame_trust_anchors_build_store (SesameTrustAnchors *anchors,
                                              const char         *fmt);
gboolean    sesame_trust_anchors_has_crls    (SesameTrustAnchors *anchors);

G_END_DECLS
