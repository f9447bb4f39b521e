/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Private to src/server: the one place where an error becomes an HTTP
 * status and a wire error code. Handlers return FALSE with a GError of any
 * domain (API, rule, store, token, WebAuthn); sesame_reply_set_error() makes
 * the reply.
 */

#include "sesame-http-request.h"

G_BEGIN_DECLS

/* Errors of the HTTP layer itself: bad JSON, a wrong method, a missing
 * Authorization header, … */
#define SESAME_API_ERROR (sesame_api_error_quark ())

typedef enum
{
  SESAME_API_ERROR_INVALID_REQUEST,        /* 400 invalid_request */
  SESAME_API_ERROR_INVALID_TOKEN,          /* 401 invalid_token */
  SESAME_API_ERROR_EXPIRED_TOKEN,          /* 401 expired_token */
  SESAME_API_ERROR_UNAUTHORIZED,           /* 401 unauthorized */
  SESAME_API_ERROR_FORBIDDEN,              /* 403 forbidden */
  SESAME_API_ERROR_NOT_FOUND,              /* 404 not_found */
  SESAME_API_ERROR_METHOD_NOT_ALLOWED,     /* 405 method_not_allowed */
  SESAME_API_ERROR_PAYLOAD_TOO_LARGE,      /* 413 payload_too_large */
  SESAME_API_ERROR_UNSUPPORTED_MEDIA_TYPE, /* 415 invalid_request */
  SESAME_API_ERROR_ORIGIN_NOT_ALLOWED,     /* 403 origin_not_allowed */
  SESAME_API_ERROR_INTERNAL,               /* 500 internal_error */
} SesameApiError;

GQuark   sesame_api_error_quark (void);

/* Sets @error in SESAME_API_ERROR and returns FALSE, for "return
 * sesame_api_fail (error, …);" in handlers. */
gboolean sesame_api_fail        (GError        **error,
                                 SesameApiError  code,
                                 const char     *format,
                                 ...) G_GNUC_PRINTF (3, 4);

/* The wire code ("challenge_replayed", …) and HTTP status of any error. */
const char *sesame_http_error_code (const GError *error,
                                    guint        *status);

/* {"error":code,"errorCode":code,"errorDescription":message} with the
 * error's status; a WebAuthn error adds "webauthnError", and the members
 * the handler put in reply->error_extra are added. An internal error's
 * message is logged, not sent. */
void     sesame_reply_set_error (SesameReply         *reply,
                                 const SesameRequest *req,
                                 const GError        *error);

G_END_DECLS
