/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Private to the virtual security key: the CTAP2 authenticator API
 * (FIDO CTAP 2.1 §6) on top of the built-in authenticator's key code.
 * A SesameCtap2 takes one CBOR command (command byte, CBOR map) and
 * answers with a status byte and, on success, a CBOR map: the
 * authenticatorGetInfo, MakeCredential, GetAssertion, GetNextAssertion
 * and ClientPIN commands, with PIN/UV auth protocol 1.
 *
 * The PIN is the device's own, as on a hardware key: it is kept as
 * LEFT(SHA-256(PIN), 16), which is what the protocol sends, with the
 * retries counter and the per-power-up key agreement key and PIN token.
 * The credentials and their private keys are the built-in
 * authenticator's (a SesameSoftAuthenticator of the key's own, without
 * a PIN: the device verifies the user and tells it so).
 *
 * Not thread-safe: the virtual key calls it from its one worker thread.
 */

#include <glib.h>

#include "sesame-soft-authenticator.h"

G_BEGIN_DECLS

/* CTAP2 command bytes */
#define SESAME_CTAP2_MAKE_CREDENTIAL    0x01
#define SESAME_CTAP2_GET_ASSERTION      0x02
#define SESAME_CTAP2_GET_INFO           0x04
#define SESAME_CTAP2_CLIENT_PIN         0x06
#define SESAME_CTAP2_RESET              0x07
#define SESAME_CTAP2_GET_NEXT_ASSERTION 0x08
#define SESAME_CTAP2_SELECTION          0x0b

/* Status codes (CTAP 2.1 §8.2) */
#define SESAME_CTAP2_OK                        0x00
#define SESAME_CTAP1_ERR_INVALID_COMMAND       0x01
#define SESAME_CTAP1_ERR_INVALID_PARAMETER     0x02
#define SESAME_CTAP1_ERR_INVALID_LENGTH        0x03
#define SESAME_CTAP2_ERR_CBOR_UNEXPECTED_TYPE  0x11
#define SESAME_CTAP2_ERR_INVALID_CBOR          0x12
#define SESAME_CTAP2_ERR_MISSING_PARAMETER     0x14
#define SESAME_CTAP2_ERR_CREDENTIAL_EXCLUDED   0x19
#define SESAME_CTAP2_ERR_PROCESSING            0x21
#define SESAME_CTAP2_ERR_UNSUPPORTED_ALGORITHM 0x26
#define SESAME_CTAP2_ERR_KEY_STORE_FULL        0x28
#define SESAME_CTAP2_ERR_UNSUPPORTED_OPTION    0x2b
#define SESAME_CTAP2_ERR_INVALID_OPTION        0x2c
#define SESAME_CTAP2_ERR_KEEPALIVE_CANCEL      0x2d
#define SESAME_CTAP2_ERR_NO_CREDENTIALS        0x2e
#define SESAME_CTAP2_ERR_USER_ACTION_TIMEOUT   0x2f
#define SESAME_CTAP2_ERR_NOT_ALLOWED           0x30
#define SESAME_CTAP2_ERR_PIN_INVALID           0x31
#define SESAME_CTAP2_ERR_PIN_BLOCKED           0x32
#define SESAME_CTAP2_ERR_PIN_AUTH_INVALID      0x33
#define SESAME_CTAP2_ERR_PIN_AUTH_BLOCKED      0x34
#define SESAME_CTAP2_ERR_PIN_NOT_SET           0x35
#define SESAME_CTAP2_ERR_PIN_REQUIRED          0x36
#define SESAME_CTAP2_ERR_PIN_POLICY_VIOLATION  0x37
#define SESAME_CTAP2_ERR_REQUEST_TOO_LARGE     0x39
#define SESAME_CTAP1_ERR_OTHER                 0x7f

/* The largest message the key takes (and says so in GetInfo). */
#define SESAME_CTAP2_MAX_MSG_SIZE 1200

typedef struct _SesameCtap2 SesameCtap2;

/* Waits for the user to touch the key: SESAME_CTAP2_OK when touched,
 * KEEPALIVE_CANCEL when the platform cancelled, USER_ACTION_TIMEOUT, or
 * PROCESSING when the key went away meanwhile. */
typedef guint8 (*SesameCtap2PresenceFunc) (gpointer user_data);

/* @pin NULL or "": no PIN set. Fails on a PIN outside 4..63 bytes. */
SesameCtap2 *sesame_ctap2_new          (SesameSoftAuthenticator *authenticator,
                                        const char              *pin,
                                        SesameCtap2PresenceFunc  presence,
                                        gpointer                 presence_data,
                                        GError                 **error);
void         sesame_ctap2_free         (SesameCtap2 *ctap);

/* Power-up: a new key agreement key and PIN token, the consecutive wrong
 * PIN count back to zero (CTAP 2.1 §6.5.2); the retries stay. */
void         sesame_ctap2_power_up     (SesameCtap2 *ctap);

/* One command: @request is the command byte followed by its CBOR
 * parameters; the answer (status byte, then CBOR) goes into @response. */
void         sesame_ctap2_handle       (SesameCtap2  *ctap,
                                        const guint8 *request,
                                        gsize         len,
                                        GByteArray   *response);

gboolean     sesame_ctap2_has_pin      (SesameCtap2 *ctap);
int          sesame_ctap2_get_retries  (SesameCtap2 *ctap);

G_END_DECLS
