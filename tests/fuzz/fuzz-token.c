/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "fuzz-common.h"
#include "fuzz-token-common.h"
#include "sesame-base64.h"
#include "sesame-token.h"

/* The action-token verifier. The input is either a token, verified as it
 * is and again re-signed (everything up to its last '.' signed with the
 * key), or header JSON, a NUL and payload JSON, which the target encodes
 * and signs: only a correctly signed token has its payload parsed. */

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init ();
  return 0;
}

static void
check_token (const char *token)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameTokenClaims) claims = NULL;

  claims = sesame_token_verify ((const guint8 *) FUZZ_TOKEN_KEY, FUZZ_TOKEN_KEY_LEN, token,
                                FUZZ_TOKEN_NOW, &error);
  fuzz_check_result (claims != NULL, error, SESAME_TOKEN_ERROR);
  if (!claims)
    return;

  /* What the header promises of every verified token. */
  g_assert_true (claims->user_id && *claims->user_id && g_utf8_validate (claims->user_id, -1, NULL));
  g_assert_true (claims->tenant_id && *claims->tenant_id &&
                 g_utf8_validate (claims->tenant_id, -1, NULL));
  g_assert_true (claims->action_code && *claims->action_code &&
                 g_utf8_validate (claims->action_code, -1, NULL));
  g_assert_true (claims->idempotency_key && *claims->idempotency_key &&
                 g_utf8_validate (claims->idempotency_key, -1, NULL));
  g_assert_true (claims->issuer && *claims->issuer && g_utf8_validate (claims->issuer, -1, NULL));
  g_assert_true (claims->scope && g_utf8_validate (claims->scope, -1, NULL));
  g_assert_cmpint (claims->expires_at, >, FUZZ_TOKEN_NOW);
  g_assert_cmpint (claims->expires_at, >, claims->issued_at);
  g_assert_cmpint (claims->issued_at, <=, FUZZ_TOKEN_NOW + SESAME_TOKEN_CLOCK_SKEW);
  (void) sesame_token_claims_has_scope (claims, "read:authenticators");
  (void) sesame_token_claims_has_scope (claims, "");
}

/* signing_input "." base64url(HMAC-SHA256 (key, signing_input)) */
static char *
sign (const char *signing_input,
      gsize       len)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guint8 *) FUZZ_TOKEN_KEY,
                                      FUZZ_TOKEN_KEY_LEN);
  guint8 mac[32];
  gsize mac_len = sizeof mac;
  g_autofree char *mac_text = NULL;

  g_hmac_update (hmac, (const guint8 *) signing_input, len);
  g_hmac_get_digest (hmac, mac, &mac_len);
  mac_text = sesame_base64url_encode (mac, mac_len);
  return g_strdup_printf ("%.*s.%s", (int) len, signing_input, mac_text);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const guint8 *nul = memchr (data, 0, size);

  if (nul)
    {
      g_autofree char *header = sesame_base64url_encode (data, nul - data);
      g_autofree char *payload = sesame_base64url_encode (nul + 1, size - (nul - data) - 1);
      g_autofree char *signing_input = g_strconcat (header, ".", payload, NULL);
      g_autofree char *token = sign (signing_input, strlen (signing_input));

      check_token (token);
    }
  else
    {
      /* A copy, NUL-terminated, as the verifier takes a C string. */
      g_autofree char *token = g_strndup ((const char *) data, size);
      const char *last_dot = strrchr (token, '.');
      g_autofree char *resigned = sign (token, last_dot ? (gsize) (last_dot - token) : size);

      check_token (token);
      check_token (resigned);
    }
  return 0;
}
