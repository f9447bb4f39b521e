/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameVirtualKey: a USB FIDO2 security key in software, for demos
 * without hardware and for the tests of the security-key code. It speaks
 * CTAPHID (CTAP 2.1 §11.2) in 64-byte HID reports: INIT, PING, WINK,
 * CBOR, CANCEL, KEEPALIVE while it waits for a touch, and ERROR frames;
 * the CBOR commands are SesameCtap2's (GetInfo, MakeCredential,
 * GetAssertion, GetNextAssertion, ClientPIN). Its credentials and their
 * keys are a SesameSoftAuthenticator's, in a file of its own in a
 * private temporary folder that goes away with the key: like a new
 * hardware key, a virtual key starts empty.
 *
 * A key works like hardware: commands are answered by a thread of its
 * own, so the host reads KEEPALIVE frames while it waits for the touch and
 * may send CANCEL from any thread. The touch comes after
 * sesame-virtual-key-set-touch-delay() milliseconds by itself, or, with a
 * delay of -1, only when sesame_virtual_key_touch() is called.
 *
 * Every function may be called from any thread.
 */

#include <glib-object.h>

G_BEGIN_DECLS

/* One HID report (without the report id byte). */
#define SESAME_VIRTUAL_KEY_REPORT_LEN 64

#define SESAME_VIRTUAL_KEY_PRODUCT_NAME "Sesame Virtual Security Key"

#define SESAME_TYPE_VIRTUAL_KEY (sesame_virtual_key_get_type ())
G_DECLARE_FINAL_TYPE (SesameVirtualKey, sesame_virtual_key, SESAME, VIRTUAL_KEY, GObject)

/* A new key, plugged in. @pin NULL or "": no PIN set. Errors are
 * SESAME_AUTHENTICATOR_ERROR_PIN_POLICY (PIN not 4..63 characters) and
 * _STORAGE (its credential file). */
SesameVirtualKey *sesame_virtual_key_new            (const char       *pin,
                                                     GError          **error);

const guint8     *sesame_virtual_key_get_aaguid     (SesameVirtualKey *self);
/* The AAGUID every virtual key has (16 bytes), to name its passkeys. */
const guint8     *sesame_virtual_key_aaguid         (void);

/* How long the "user" takes to touch the key, in ms; -1: until
 * sesame_virtual_key_touch(). The default is 0 (at once). */
void              sesame_virtual_key_set_touch_delay (SesameVirtualKey *self,
                                                      int               delay_ms);
/* Touches the key: counts only while it is waiting for a touch. */
void              sesame_virtual_key_touch          (SesameVirtualKey *self);
gboolean          sesame_virtual_key_is_waiting_for_touch (SesameVirtualKey *self);

/* Unplugging ends what the key was doing: the host's reads and writes
 * fail, as for a key pulled out. Plugging it in again is a power-up:
 * channels, key agreement key and PIN token are new, the PIN and the
 * credentials stay. */
void              sesame_virtual_key_unplug         (SesameVirtualKey *self);
void              sesame_virtual_key_plug           (SesameVirtualKey *self);
gboolean          sesame_virtual_key_is_plugged     (SesameVirtualKey *self);

gboolean          sesame_virtual_key_has_pin        (SesameVirtualKey *self);
int               sesame_virtual_key_get_pin_retries (SesameVirtualKey *self);
/* The passkeys on the key, as SesameSoftCredential, newest first. */
GPtrArray        *sesame_virtual_key_list_credentials (SesameVirtualKey *self,
                                                       GError          **error);

/* The USB side. A write takes one report; FALSE when unplugged. A read
 * waits up to @timeout_ms (-1: no limit) for the next report of the key
 * and returns SESAME_VIRTUAL_KEY_REPORT_LEN, 0 on timeout, or -1 when the
 * key is (or gets) unplugged. */
gboolean          sesame_virtual_key_write_report   (SesameVirtualKey *self,
                                                     const guint8     *report,
                                                     gsize             len);
int               sesame_virtual_key_read_report    (SesameVirtualKey *self,
                                                     guint8           *report,
                                                     gsize             len,
                                                     int               timeout_ms);

/*
 * A hostile key, for testing the host's side (the fuzz target of what
 * libfido2 and src/fido2 make of a key's answers). Each CTAP2 command
 * (command byte, CBOR) the key receives is first given to @func: when it
 * returns TRUE, what it put into @response (status byte, then CBOR) is
 * sent instead of the CTAP2 authenticator's answer, framed as usual and
 * without waiting for a touch. NULL: the authenticator answers everything.
 * Called on the key's worker thread.
 */
typedef gboolean (*SesameVirtualKeyAnswerFunc) (const guint8 *request,
                                                gsize         len,
                                                GByteArray   *response,
                                                gpointer      user_data);

void              sesame_virtual_key_set_answer_func (SesameVirtualKey           *self,
                                                      SesameVirtualKeyAnswerFunc  func,
                                                      gpointer                    user_data);

G_END_DECLS
