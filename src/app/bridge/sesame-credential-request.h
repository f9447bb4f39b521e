/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameCredentialRequest: one navigator.credentials.create() or .get()
 * call of a page, after the credentials bridge has checked it (origin from
 * the committed main-frame URI, RP ID rule, options shape) and before the
 * user has answered. The app's prompt (or the autofill popover, for a
 * conditional get) shows what it describes and answers it with accept or
 * cancel. The bridge finishes it by itself when the page aborts, the
 * timeout passes or the page navigates: then ::finished says why and the
 * prompt closes.
 *
 * Everything here runs on the main thread.
 */

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  SESAME_CREDENTIAL_REQUEST_CREATE, /* navigator.credentials.create */
  SESAME_CREDENTIAL_REQUEST_GET,    /* navigator.credentials.get */
} SesameCredentialRequestKind;

/* How a request ended; what the page sees for each is in brackets. */
typedef enum
{
  SESAME_CREDENTIAL_REQUEST_PENDING,
  SESAME_CREDENTIAL_REQUEST_SUCCEEDED, /* the promise resolves with a credential */
  SESAME_CREDENTIAL_REQUEST_CANCELLED, /* the user said no [NotAllowedError] */
  SESAME_CREDENTIAL_REQUEST_ABORTED,   /* the page's AbortSignal [AbortError] */
  SESAME_CREDENTIAL_REQUEST_TIMED_OUT, /* options.timeout passed [NotAllowedError] */
  SESAME_CREDENTIAL_REQUEST_NAVIGATED, /* the page went away (no answer reaches it) */
  SESAME_CREDENTIAL_REQUEST_FAILED,    /* the authenticator refused [a DOMException per error] */
} SesameCredentialRequestOutcome;

/* A failure a get() is answered with, for demos (see
 * sesame_credentials_bridge_inject_failure()): the authenticator's faults,
 * and an origin that is not the page's in the client data it signs. */
typedef enum
{
  SESAME_INJECTED_FAILURE_NONE,
  SESAME_INJECTED_FAILURE_BAD_SIGNATURE,
  SESAME_INJECTED_FAILURE_NO_UP,
  SESAME_INJECTED_FAILURE_NO_UV,
  SESAME_INJECTED_FAILURE_OLD_COUNTER,
  SESAME_INJECTED_FAILURE_WRONG_ORIGIN,
} SesameInjectedFailure;

/* The origin a WRONG_ORIGIN answer claims: a reserved name no tenant
 * expects. */
#define SESAME_INJECTED_WRONG_ORIGIN "https://phishing.example"

/* "none", "bad-signature", "no-up", "no-uv", "old-counter", "wrong-origin". */
const char *sesame_injected_failure_to_string   (SesameInjectedFailure  failure);
gboolean    sesame_injected_failure_from_string (const char            *text,
                                                 SesameInjectedFailure *failure);

/* A credential a get() could use, as the chooser shows it. */
typedef struct
{
  GBytes *credential_id;
  char   *user_name;
  char   *user_display_name;
  char   *authenticator_name; /* "Sesame passkeys" for the built-in store */
} SesameCredentialCandidate;

#define SESAME_TYPE_CREDENTIAL_REQUEST (sesame_credential_request_get_type ())
G_DECLARE_FINAL_TYPE (SesameCredentialRequest, sesame_credential_request,
                      SESAME, CREDENTIAL_REQUEST, GObject)

SesameCredentialRequestKind    sesame_credential_request_get_kind    (SesameCredentialRequest *self);
SesameCredentialRequestOutcome sesame_credential_request_get_outcome (SesameCredentialRequest *self);

/* The page's origin as the bridge established it ("http://localhost:7878"). */
const char *sesame_credential_request_get_origin    (SesameCredentialRequest *self);
const char *sesame_credential_request_get_rp_id     (SesameCredentialRequest *self);
const char *sesame_credential_request_get_rp_name   (SesameCredentialRequest *self); /* create only, may be NULL */
/* create: the account the passkey is for; get: NULL. */
const char *sesame_credential_request_get_user_name         (SesameCredentialRequest *self);
const char *sesame_credential_request_get_user_display_name (SesameCredentialRequest *self);

/* TRUE for get({mediation: 'conditional'}): no prompt, the autofill popover. */
gboolean    sesame_credential_request_is_conditional      (SesameCredentialRequest *self);
/* TRUE when the prompt must ask for the PIN: the authenticator has one and
 * the RP did not discourage user verification ("required" or
 * "preferred"). Without a PIN the authenticator cannot verify the user:
 * the answer then does not claim UV, and an RP that requires it refuses,
 * as with a real authenticator that has no UV. */
gboolean    sesame_credential_request_wants_pin           (SesameCredentialRequest *self);

/* get: the credentials the user may choose from (allow list ∩ what the
 * authenticators hold, or every discoverable one for the RP ID), newest
 * first. create: empty. An array of SesameCredentialCandidate, owned by
 * the request. */
GPtrArray  *sesame_credential_request_get_candidates      (SesameCredentialRequest *self);

/* For the inspector: the publicKey options the page passed, as it passed
 * them (buffers as base64url strings); the credential it was answered with
 * in PublicKeyCredential.toJSON() form, NULL unless the request SUCCEEDED;
 * why it ended otherwise (NULL while pending, after success, or when the
 * page went away). */
JsonNode     *sesame_credential_request_get_options    (SesameCredentialRequest *self);
/* The failure this request's answer carries (get only). */
SesameInjectedFailure sesame_credential_request_get_injected_failure (SesameCredentialRequest *self);
JsonNode     *sesame_credential_request_get_credential (SesameCredentialRequest *self);
const GError *sesame_credential_request_get_error      (SesameCredentialRequest *self);

/*
 * The user's answer. @credential_id picks a candidate (get; NULL: the
 * first); @pin is the PIN typed (NULL when none was asked). Runs the
 * authenticator at once and answers the page. Returns FALSE with an error
 * in SESAME_AUTHENTICATOR_ERROR when the request is still pending and the
 * user may try again (PIN_INVALID: wrong PIN, see the retries left);
 * any other failure finishes the request (outcome FAILED) and also
 * returns FALSE with the error, for the prompt to show.
 */
gboolean    sesame_credential_request_accept (SesameCredentialRequest *self,
                                              GBytes                  *credential_id,
                                              const char              *pin,
                                              GError                 **error);
/*
 * The same answer from the FIDO2 security key at @path (see
 * sesame_security_key_list()), with @pin when the user typed one. The key
 * works in a thread of its own; the callback comes on this main context.
 * _finish returns TRUE when the page was answered (authenticatorAttachment
 * "cross-platform", transports ["usb"]). FALSE with an error in
 * SESAME_SECURITY_KEY_ERROR leaves the request pending when the user can
 * do something about it: PIN_REQUIRED and PIN_INVALID (type the PIN;
 * @pin_retries says how many attempts are left, -1 when unknown),
 * PIN_NOT_SET (set a first PIN), PIN_POLICY, REMOVED and NOT_FOUND (plug
 * the key in again, or choose another authenticator); anything else
 * finishes the request (FAILED). Cancelling, aborting or timing out the
 * request while the key waits for its touch makes the key stop waiting;
 * _finish then says CANCELLED.
 */
void        sesame_credential_request_accept_security_key_async  (SesameCredentialRequest  *self,
                                                                  const char               *path,
                                                                  const char               *pin,
                                                                  GAsyncReadyCallback       callback,
                                                                  gpointer                  user_data);
gboolean    sesame_credential_request_accept_security_key_finish (SesameCredentialRequest  *self,
                                                                  GAsyncResult             *result,
                                                                  int                      *pin_retries,
                                                                  GError                  **error);
/* TRUE while a security key works on the request. */
gboolean    sesame_credential_request_is_key_busy (SesameCredentialRequest *self);

/* The user declined: the page gets NotAllowedError. */
void        sesame_credential_request_cancel (SesameCredentialRequest *self);

/*
 * SesameCredentialRequest::finished (SesameCredentialRequest *self,
 *                                    SesameCredentialRequestOutcome outcome)
 * Emitted once, when the request leaves PENDING for any reason.
 */

SesameCredentialCandidate *sesame_credential_candidate_copy (const SesameCredentialCandidate *candidate);
void                       sesame_credential_candidate_free (SesameCredentialCandidate *candidate);

G_END_DECLS
