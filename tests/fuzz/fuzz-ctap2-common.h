/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What fuzz-ctap2-reply asks of its hostile key, and make-ctap2-seed of
 * a real one: the same ceremonies, so that a recorded answer fits. An
 * input (and a seed) is one mode byte, then the key's answer to the
 * command that mode takes over: its status byte and CBOR. */

#include "sesame-security-key.h"

enum
{
  FUZZ_CTAP2_MAKE_CREDENTIAL, /* answers authenticatorMakeCredential (0x01) */
  FUZZ_CTAP2_GET_ASSERTION,   /* answers authenticatorGetAssertion (0x02) and GetNextAssertion */
  FUZZ_CTAP2_GET_INFO,        /* answers authenticatorGetInfo (0x04), which opening the key sends */
  FUZZ_CTAP2_N_MODES
};

#define FUZZ_CTAP2_RP_ID "login.example.com"

static const int fuzz_ctap2_algorithms[] = { -7, -8, -257 };

/* A make-credential (resident) and a get-assertion (discoverable) request. */
static inline void
fuzz_ctap2_request_init (SesameSecurityKeyRequest *request,
                         GBytes                  **hash,
                         GBytes                  **user_handle)
{
  static const guint8 hash_bytes[32] = "client data hash of 32 bytes....";

  *hash = g_bytes_new_static (hash_bytes, sizeof hash_bytes);
  *user_handle = g_bytes_new_static ("user-handle-1", 13);
  *request = (SesameSecurityKeyRequest) {
    .client_data_hash = *hash,
    .rp_id = FUZZ_CTAP2_RP_ID,
    .timeout_ms = 5000,
    .user_verification = SESAME_SECURITY_KEY_UV_DISCOURAGED,
    .rp_name = "Example",
    .user_handle = *user_handle,
    .user_name = "alice",
    .user_display_name = "Alice",
    .algorithms = fuzz_ctap2_algorithms,
    .n_algorithms = G_N_ELEMENTS (fuzz_ctap2_algorithms),
    .resident_key = TRUE,
  };
}
