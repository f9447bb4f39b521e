/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * The options a page passes to navigator.credentials.create() or .get()
 * (its publicKey member, buffers as base64url strings), checked and read
 * into native form, with the clientDataJSON the request will sign.
 *
 * This is where page input first meets native code, so it is kept apart
 * from WebKit and GTK: plain GLib and json-glib, linked by the bridge and
 * by the fuzz target that feeds it hostile options.
 */

#include <json-glib/json-glib.h>

#include "sesame-credential-request.h"
#include "sesame-soft-authenticator.h"

G_BEGIN_DECLS

/* Limits on what a page may send; a browser has similar ones. */
#define SESAME_REQUEST_MAX_CHALLENGE     4096
#define SESAME_REQUEST_MAX_ID            1024
#define SESAME_REQUEST_MAX_USER_ID       64
#define SESAME_REQUEST_MAX_STRING        1024
#define SESAME_REQUEST_MAX_DESCRIPTORS   64

/* Modal requests: Chrome's default and range, in milliseconds. The lower
 * bound is lower than Chrome's 10 s because Sesame is where developers
 * try out their timeout handling. */
#define SESAME_REQUEST_DEFAULT_TIMEOUT_MS 300000
#define SESAME_REQUEST_MIN_TIMEOUT_MS       1000
#define SESAME_REQUEST_MAX_TIMEOUT_MS     600000

typedef enum
{
  SESAME_CREDENTIAL_UV_DISCOURAGED,
  SESAME_CREDENTIAL_UV_PREFERRED,
  SESAME_CREDENTIAL_UV_REQUIRED,
} SesameCredentialUserVerification;

typedef struct
{
  SesameCredentialRequestKind      kind;
  char                            *origin;
  char                            *rp_id;
  char                            *rp_name;           /* create only */
  char                            *user_name;         /* create only */
  char                            *user_display_name; /* create only */
  GBytes                          *user_handle;       /* create only */
  GBytes                          *challenge;
  GArray                          *algorithms;        /* int, the RP's order (create) */
  GPtrArray                       *credential_ids;    /* GBytes: exclude (create) or allow (get) list */
  SesameCredentialUserVerification user_verification;
  gboolean                         resident_key;
  gboolean                         cred_props;
  SesameSoftAttestation            attestation;
  guint                            timeout_ms;
  GBytes                          *client_data_json;
  GBytes                          *client_data_hash;  /* SHA-256 of client_data_json */
} SesameCredentialOptions;

/*
 * Checks @public_key for a request of @kind from @origin, whose host is
 * @host, and reads it. Errors are in SESAME_BRIDGE_ERROR and name the
 * exception the page gets: TYPE for a malformed member, SECURITY for the
 * RP ID, NOT_SUPPORTED for no usable algorithm.
 */
SesameCredentialOptions *sesame_credential_options_parse (SesameCredentialRequestKind   kind,
                                                          const char                   *origin,
                                                          const char                   *host,
                                                          JsonObject                   *public_key,
                                                          GError                      **error);
void                     sesame_credential_options_free  (SesameCredentialOptions      *options);

/* Writes clientDataJSON (and its hash) again, claiming @origin: the
 * request's own, or the wrong one of an injected failure. */
void     sesame_credential_options_build_client_data (SesameCredentialOptions *options,
                                                      const char              *origin);

/* A JSON number (integer or not) in @node; FALSE for anything else. */
gboolean sesame_credential_options_json_number       (JsonNode                *node,
                                                      double                  *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameCredentialOptions, sesame_credential_options_free)

G_END_DECLS
