/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SESAME_TOKEN_ERROR (sesame_token_error_quark ())

/* A tenant's signing key is raw bytes; shorter keys are refused because
 * HS256 is only as strong as its key. */
#define SESAME_TOKEN_KEY_MIN_LEN      32
#define SESAME_TOKEN_KEY_MAX_LEN      1024
/* Tokens travel in an Authorization header; ours are well under 1 KiB. */
#define SESAME_TOKEN_MAX_LEN          8192
/* How far the clock of whoever issued a token may run ahead of ours. */
#define SESAME_TOKEN_CLOCK_SKEW       60
/* "Valid for 10 minutes", as Authsignal documents its tokens. */
#define SESAME_TOKEN_DEFAULT_LIFETIME 600

/**
 * SesameTokenError:
 *
 * Why an action token was refused (or could not be made). An expired token
 * has its own code so that the server can answer `expired_token`, which
 * makes the Web SDK call its onTokenExpired() callback.
 */
typedef enum
{
  SESAME_TOKEN_ERROR_MALFORMED,
  SESAME_TOKEN_ERROR_TOO_LARGE,
  SESAME_TOKEN_ERROR_UNSUPPORTED_ALGORITHM,
  SESAME_TOKEN_ERROR_BAD_SIGNATURE,
  SESAME_TOKEN_ERROR_MISSING_CLAIM,
  SESAME_TOKEN_ERROR_BAD_CLAIM,
  SESAME_TOKEN_ERROR_EXPIRED,
  SESAME_TOKEN_ERROR_NOT_YET_VALID,
  SESAME_TOKEN_ERROR_BAD_KEY,
  SESAME_TOKEN_ERROR_FAILED,
} SesameTokenError;

/**
 * SesameTokenClaims:
 * @user_id: `sub` and `other.userId`
 * @tenant_id: `other.tenantId`
 * @action_code: `other.actionCode`
 * @idempotency_key: `other.idempotencyKey`, the action's id
 * @scope: `scope`, space-separated (e.g. "read:authenticators"), may be ""
 * @issuer: `iss`
 * @issued_at: `iat`, seconds since the Unix epoch
 * @expires_at: `exp`, seconds since the Unix epoch, after @issued_at
 *
 * What an action token says, in the layout of WIRE-PROTOCOL.md §7. Every
 * string is required, non-empty (except @scope) and valid UTF-8.
 */
typedef struct
{
  char *user_id;
  char *tenant_id;
  char *action_code;
  char *idempotency_key;
  char *scope;
  char *issuer;
  gint64 issued_at;
  gint64 expires_at;
} SesameTokenClaims;

GQuark             sesame_token_error_quark     (void);

void               sesame_token_claims_free     (SesameTokenClaims       *claims);
/* TRUE when @scope is one of the space-separated entries of claims->scope. */
gboolean           sesame_token_claims_has_scope (const SesameTokenClaims *claims,
                                                  const char              *scope);

/* Signs @claims with HS256 under @key (SESAME_TOKEN_KEY_MIN_LEN to
 * SESAME_TOKEN_KEY_MAX_LEN bytes). The JWT is built by libjwt. Fails with
 * MISSING_CLAIM or BAD_CLAIM for claims that sesame_token_verify() would
 * refuse, and with TOO_LARGE when the token would exceed
 * SESAME_TOKEN_MAX_LEN, so every issued token verifies until it expires. */
char              *sesame_token_issue           (const guint8            *key,
                                                 gsize                    key_len,
                                                 const SesameTokenClaims *claims,
                                                 GError                 **error);

/* Checks @token strictly and returns its claims: three unpadded base64url
 * segments, a header whose alg is exactly "HS256" (and typ, if present,
 * "JWT"; no crit), an HMAC-SHA256 signature under @key compared in constant
 * time, then a payload with every claim of the right type, other.userId
 * equal to sub, exp > @now, and iat and nbf no more than
 * SESAME_TOKEN_CLOCK_SKEW seconds after @now. The payload is parsed only
 * once the signature matched. Claims other than those are ignored. The
 * caller still compares the tenant, action and scope with what the request
 * is about. */
SesameTokenClaims *sesame_token_verify          (const guint8            *key,
                                                 gsize                    key_len,
                                                 const char              *token,
                                                 gint64                   now,
                                                 GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameTokenClaims, sesame_token_claims_free)

G_END_DECLS
