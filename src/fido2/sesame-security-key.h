/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Security keys through libfido2: the FIDO2 keys plugged in (hidraw
 * devices from fido_dev_info_manifest, and virtual keys plugged in with
 * sesame_security_key_plug_virtual()), what each says of itself
 * (authenticatorGetInfo), and the two ceremonies, whose answers come back
 * in the built-in authenticator's result types so the credentials bridge
 * answers the page the same way.
 *
 * A virtual key sits beneath libfido2 through fido_dev_set_io_functions:
 * libfido2 frames its CTAPHID messages into 64-byte reports and the
 * virtual key reads them, so everything above the HID device (framing,
 * keepalives, cancel, the PIN protocol, CBOR) is libfido2's own code.
 *
 * Threads: the synchronous calls block on the device (a touch may take
 * seconds): run them in a worker thread, or use the _async forms, which
 * do so in a GTask thread and call back on the caller's main context.
 * Cancelling the GCancellable sends CTAPHID_CANCEL, so the key stops
 * waiting for its touch.
 */

#include <gio/gio.h>

#include "sesame-soft-authenticator.h"
#include "sesame-virtual-key.h"

G_BEGIN_DECLS

#define SESAME_SECURITY_KEY_ERROR (sesame_security_key_error_quark ())

typedef enum
{
  SESAME_SECURITY_KEY_ERROR_FAILED,                /* anything else the key or libfido2 said */
  SESAME_SECURITY_KEY_ERROR_INVALID_ARGUMENT,      /* a malformed request */
  SESAME_SECURITY_KEY_ERROR_NOT_FOUND,             /* no such key plugged in */
  SESAME_SECURITY_KEY_ERROR_REMOVED,               /* the key went away mid-ceremony */
  SESAME_SECURITY_KEY_ERROR_TIMEOUT,               /* nobody touched the key in time */
  SESAME_SECURITY_KEY_ERROR_CANCELLED,             /* the caller cancelled */
  SESAME_SECURITY_KEY_ERROR_PIN_REQUIRED,          /* the key has a PIN and none was given */
  SESAME_SECURITY_KEY_ERROR_PIN_INVALID,           /* wrong PIN, attempts left */
  SESAME_SECURITY_KEY_ERROR_PIN_AUTH_BLOCKED,      /* 3 wrong in a row: unplug and plug back */
  SESAME_SECURITY_KEY_ERROR_PIN_BLOCKED,           /* no attempts left: the key must be reset */
  SESAME_SECURITY_KEY_ERROR_PIN_NOT_SET,           /* UV required and the key has no PIN yet */
  SESAME_SECURITY_KEY_ERROR_PIN_POLICY,            /* a new PIN the key does not take */
  SESAME_SECURITY_KEY_ERROR_UV_UNAVAILABLE,        /* UV required; the key cannot verify users */
  SESAME_SECURITY_KEY_ERROR_EXCLUDED,              /* the key already holds an excluded credential */
  SESAME_SECURITY_KEY_ERROR_NO_CREDENTIALS,        /* the key holds nothing for this RP */
  SESAME_SECURITY_KEY_ERROR_UNSUPPORTED_ALGORITHM, /* none of the RP's algorithms */
} SesameSecurityKeyError;

GQuark sesame_security_key_error_quark (void);

/* Paths of virtual keys start with this. */
#define SESAME_SECURITY_KEY_VIRTUAL_PREFIX "sesame-virtual:"

/* One key as the device list shows it. */
typedef struct
{
  char    *path;
  char    *product;       /* "YubiKey 5 NFC", never NULL */
  char    *manufacturer;  /* may be "" */
  gboolean is_virtual;
} SesameSecurityKeyInfo;

SesameSecurityKeyInfo *sesame_security_key_info_copy (const SesameSecurityKeyInfo *info);
void                   sesame_security_key_info_free (SesameSecurityKeyInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameSecurityKeyInfo, sesame_security_key_info_free)

/* The keys plugged in, hidraw ones first; a GPtrArray of
 * SesameSecurityKeyInfo (empty when there are none). Fast: no device is
 * opened. */
GPtrArray *sesame_security_key_list (void);
/* The same in a GTask thread (libudev enumerates the hidraw devices). */
void       sesame_security_key_list_async  (GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
GPtrArray *sesame_security_key_list_finish (GAsyncResult        *result,
                                            GError             **error);

/* Virtual keys: plugging registers @key under a new path (returned) and
 * plugs it in; unplugging takes it out of the list and pulls it out, so a
 * ceremony running on it fails as REMOVED. */
char             *sesame_security_key_plug_virtual   (SesameVirtualKey *key);
void              sesame_security_key_unplug_virtual (SesameVirtualKey *key);
/* The virtual key behind @path, or NULL. (transfer full) */
SesameVirtualKey *sesame_security_key_get_virtual    (const char       *path);

/* What authenticatorGetInfo says, through fido_cbor_info. */
typedef struct
{
  char   **versions;        /* "FIDO_2_0", "FIDO_2_1", "U2F_V2"… */
  char   **extensions;
  char   **option_names;    /* "rk", "up", "uv", "clientPin", "plat"… */
  gboolean *option_values;
  gsize     n_options;
  guint8    aaguid[16];
  int      *algorithms;     /* COSE, the key's order */
  gsize     n_algorithms;
  gboolean  has_pin;        /* clientPin is true */
  int       pin_retries;    /* -1 when the key has no PIN support */
} SesameSecurityKeyDetails;

void sesame_security_key_details_free (SesameSecurityKeyDetails *details);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameSecurityKeyDetails, sesame_security_key_details_free)

/* The option @name's value: TRUE/FALSE, or -1 when the key does not list it. */
int  sesame_security_key_details_get_option (const SesameSecurityKeyDetails *details,
                                             const char                     *name);

SesameSecurityKeyDetails *sesame_security_key_get_details (const char    *path,
                                                           GCancellable  *cancellable,
                                                           GError       **error);

/* How much user verification the RP asks for. */
typedef enum
{
  SESAME_SECURITY_KEY_UV_DISCOURAGED,
  SESAME_SECURITY_KEY_UV_PREFERRED,
  SESAME_SECURITY_KEY_UV_REQUIRED,
} SesameSecurityKeyUserVerification;

/* A ceremony on a key. Pointers are borrowed; the _async forms copy. */
typedef struct
{
  GBytes     *client_data_hash;       /* 32 bytes, the bridge's */
  const char *rp_id;
  int         timeout_ms;             /* ≤ 0: no limit */
  SesameSecurityKeyUserVerification user_verification;
  const char *pin;                    /* NULL: none typed */

  /* make credential */
  const char *rp_name;
  GBytes     *user_handle;
  const char *user_name;
  const char *user_display_name;
  const int  *algorithms;             /* the RP's order */
  gsize       n_algorithms;
  gboolean    resident_key;
  GPtrArray  *exclude_list;           /* GBytes ids; for get: the allow list */
} SesameSecurityKeyRequest;

/* Make credential: the attestation object carries the key's own fmt and
 * attStmt. On failure *pin_retries (when not NULL) says the attempts left
 * where the error is about the PIN, else -1. */
SesameSoftAttestationResult *sesame_security_key_make_credential (const char                     *path,
                                                                  const SesameSecurityKeyRequest *request,
                                                                  GCancellable                   *cancellable,
                                                                  int                            *pin_retries,
                                                                  GError                        **error);
/* Get assertion (exclude_list is the allow list here). With several
 * discoverable credentials for the RP the newest is taken. */
SesameSoftAssertionResult   *sesame_security_key_get_assertion   (const char                     *path,
                                                                  const SesameSecurityKeyRequest *request,
                                                                  GCancellable                   *cancellable,
                                                                  int                            *pin_retries,
                                                                  GError                        **error);
/* Sets the first PIN of a key without one. */
gboolean                     sesame_security_key_set_pin         (const char                     *path,
                                                                  const char                     *pin,
                                                                  GCancellable                   *cancellable,
                                                                  GError                        **error);
/* With several keys: waits until one of @paths is touched and returns its
 * path; the others stop waiting. */
char                        *sesame_security_key_select          (GPtrArray                      *paths,
                                                                  int                             timeout_ms,
                                                                  GCancellable                   *cancellable,
                                                                  GError                        **error);

/* The same in a GTask thread. The make-credential and get-assertion
 * _finish return a SesameSoftAttestationResult or SesameSoftAssertionResult. */
typedef enum
{
  SESAME_SECURITY_KEY_MAKE_CREDENTIAL,
  SESAME_SECURITY_KEY_GET_ASSERTION,
} SesameSecurityKeyOperation;

void     sesame_security_key_run_async   (const char                     *path,
                                          SesameSecurityKeyOperation      operation,
                                          const SesameSecurityKeyRequest *request,
                                          GCancellable                   *cancellable,
                                          GAsyncReadyCallback             callback,
                                          gpointer                        user_data);
gpointer sesame_security_key_run_finish  (GAsyncResult                   *result,
                                          int                            *pin_retries,
                                          GError                        **error);
void     sesame_security_key_set_pin_async  (const char          *path,
                                             const char          *pin,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean sesame_security_key_set_pin_finish (GAsyncResult        *result,
                                             GError             **error);
void     sesame_security_key_select_async   (GPtrArray           *paths,
                                             int                  timeout_ms,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
char    *sesame_security_key_select_finish  (GAsyncResult        *result,
                                             GError             **error);
void     sesame_security_key_get_details_async  (const char          *path,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
SesameSecurityKeyDetails *sesame_security_key_get_details_finish (GAsyncResult  *result,
                                                                  GError       **error);

G_END_DECLS
