/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Private to the built-in authenticator: what it writes on the wire,
 * authenticator data (WebAuthn L3 §6.1) and attestation objects (§6.5),
 * in CTAP2 canonical CBOR. */

#include <glib.h>

G_BEGIN_DECLS

/* @credential_id and @cose_key NULL: no attested credential data. */
GBytes *sesame_soft_auth_data_build (const char   *rp_id,
                                     guint8        flags,
                                     guint32       sign_count,
                                     const guint8  aaguid[16],
                                     GBytes       *credential_id,
                                     GBytes       *cose_key);

/* fmt "none" with an empty attStmt when @signature is NULL; otherwise fmt
 * "packed" self attestation {alg, sig}, without x5c. */
GBytes *sesame_soft_attestation_object_build (GBytes *auth_data,
                                              int     algorithm,
                                              GBytes *signature);

G_END_DECLS
