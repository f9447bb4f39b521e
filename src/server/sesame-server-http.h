/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Private to src/server: one request as the API handlers see it, and the
 * helpers every handler shares (JSON replies and error bodies, CORS,
 * Authorization parsing, the body cap, path and JSON member checks). */

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sesame-server.h"
#include "sesame-store.h"
#include "sesame-token.h"

G_BEGIN_DECLS

/* Wire errors. Each has one "error"/"errorCode" string and one HTTP status
 * (see sesame_api_error_code() and sesame_api_error_status()). */
#define SESAME_API_ERROR (sesame_api_error_quark ())

typedef enum
{
  SESAME_API_ERROR_INVALID_REQUEST,        /* 400 invalid_request */
  SESAME_API_ERROR_INVALID_BASE64URL,      /* 400 invalid_base64url */
  SESAME_API_ERROR_INVALID_CREDENTIAL,     /* 400 invalid_credential */
  SESAME_API_ERROR_UNKNOWN_CREDENTIAL,     /* 404 unknown_credential */
  SESAME_API_ERROR_EXPIRED_TOKEN,          /* 401 expired_token */
  SESAME_API_ERROR_INVALID_TOKEN,          /* 401 invalid_token */
  SESAME_API_ERROR_UNAUTHORIZED,           /* 401 unauthorized */
  SESAME_API_ERROR_FORBIDDEN,              /* 403 forbidden */
  SESAME_API_ERROR_NOT_FOUND,              /* 404 not_found */
  SESAME_API_ERROR_METHOD_NOT_ALLOWED,     /* 405 method_not_allowed */
  SESAME_API_ERROR_CONFLICT,               /* 409 conflict */
  SESAME_API_ERROR_PAYLOAD_TOO_LARGE,      /* 413 payload_too_large */
  SESAME_API_ERROR_UNSUPPORTED_MEDIA_TYPE, /* 415 invalid_request */
  SESAME_API_ERROR_CHALLENGE_EXPIRED,      /* 400 challenge_expired */
  SESAME_API_ERROR_CHALLENGE_REPLAYED,     /* 409 challenge_replayed */
  SESAME_API_ERROR_CHALLENGE_NOT_FOUND,    /* 404 challenge_not_found */
  SESAME_API_ERROR_INTERNAL,               /* 500 internal_error */
} SesameApiError;

GQuark      sesame_api_error_quark  (void);
const char *sesame_api_error_code   (SesameApiError code);
guint       sesame_api_error_status (SesameApiError code);

typedef enum
{
  SESAME_AUTH_NONE   = 0,
  SESAME_AUTH_TENANT = 1 << 0,  /* Basic base64(tenantId) or base64(tenantId:) */
  SESAME_AUTH_TOKEN  = 1 << 1,  /* Bearer <action token> */
  SESAME_AUTH_SECRET = 1 << 2,  /* Basic base64(secretKey:) or base64(secretKey) */
} SesameAuth;

typedef struct
{
  SesameServer      *server;
  SesameStore       *store;
  SoupServerMessage *msg;
  const char        *method;
  GStrv              params;          /* the route's decoded path parameters, in order */
  GHashTable        *query;           /* decoded query, may be NULL */
  GBytes            *body;            /* POST and PATCH only */
  char              *origin;          /* the Origin header, NULL when absent */
  char              *user_agent;      /* the User-Agent header, NULL when absent */
  gboolean           with_credentials; /* a /web (cookie) variant */

  /* Filled in by authentication. */
  SesameAuth         auth;
  SesameTenant      *tenant;
  SesameTokenClaims *claims;

  guint              status;          /* of the reply, once there is one */
} SesameRequest;

void     sesame_request_clear            (SesameRequest *req);

/* Authenticates with one of @allowed, filling in tenant (and claims for a
 * Bearer token). Never logs or echoes the credential. */
gboolean sesame_request_authenticate     (SesameRequest *req,
                                          SesameAuth     allowed,
                                          GError       **error);

/* The body as one JSON object: strict syntax, UTF-8, at most
 * SESAME_SERVER_MAX_BODY bytes; an empty body reads as {}. */
JsonNode *sesame_request_read_object     (SesameRequest *req,
                                          GError       **error);

/* Replies. Every reply is JSON (except the 204 of a preflight) and carries
 * the CORS headers. */
void     sesame_request_reply            (SesameRequest *req,
                                          guint          status,
                                          JsonNode      *node);
void     sesame_request_reply_builder    (SesameRequest *req,
                                          guint          status,
                                          JsonBuilder   *builder);
/* {"error":code,"errorCode":code,"errorDescription":message} for any
 * GError (store, token, WebAuthn and API errors are mapped to their wire
 * codes; a WebAuthn error adds "webauthnError"). Members of @extra (may be
 * NULL) are added; @status 0 means the code's own status. */
void     sesame_request_reply_error      (SesameRequest *req,
                                          const GError  *error,
                                          JsonObject    *extra,
                                          guint          status);
void     sesame_request_reply_preflight  (SesameRequest *req);

/* CORS: the request's Origin is echoed only when it is one of the expected
 * origins of the request's tenant, or of any tenant while the tenant is not
 * known (preflights, failed authentication). */
void     sesame_request_apply_cors       (SesameRequest *req,
                                          gboolean       preflight);

/* An event about this request (origin and user agent come from it). */
gboolean sesame_request_record_event     (SesameRequest *req,
                                          const char    *action_key,
                                          const char    *user_id,
                                          const char    *kind,
                                          const char    *outcome,
                                          const char    *reason,
                                          JsonBuilder   *details,
                                          GError       **error);

/* Path handling: split the raw (still percent-encoded) path into decoded
 * segments. A '+' stays a '+'; "%2F" stays inside its segment. */
GStrv    sesame_http_split_path          (const char    *raw_path,
                                          GError       **error);

/* JSON members. Absent and null read as NULL; anything but a string (or a
 * boolean) is an invalid_request error that names the member. */
gboolean sesame_json_get_string          (JsonObject    *object,
                                          const char    *member,
                                          gboolean       required,
                                          gsize          max_len,
                                          const char   **out,
                                          GError       **error);
gboolean sesame_json_get_boolean         (JsonObject    *object,
                                          const char    *member,
                                          gboolean      *out,
                                          GError       **error);

/* An identifier from a path or body (user id, idempotency key, …): not
 * empty, at most @max_len bytes, no control characters. */
gboolean sesame_check_identifier         (const char    *value,
                                          const char    *what,
                                          gsize          max_len,
                                          GError       **error);
/* ^[a-zA-Z0-9_-]{1,64}$, as the Server API requires of action codes. */
gboolean sesame_check_action_code        (const char    *code,
                                          GError       **error);
gboolean sesame_is_action_state          (const char    *state);

/* JSON shapes both APIs share. */
char    *sesame_http_format_time         (gint64         usec);
void     sesame_json_add_time            (JsonBuilder   *builder,
                                          const char    *member,
                                          gint64         usec);
void     sesame_json_add_authenticator   (JsonBuilder         *builder,
                                          const SesamePasskey *passkey,
                                          const SesameUser    *user);
/* The members of an action object (the caller begins and ends it). */
void     sesame_json_add_action_members  (JsonBuilder         *builder,
                                          const SesameAction  *action);

/* Sets @error in SESAME_API_ERROR and returns FALSE, for "return
 * sesame_api_fail (error, …);" in handlers. */
gboolean    sesame_api_fail         (GError        **error,
                                     SesameApiError  code,
                                     const char     *format,
                                     ...) G_GNUC_PRINTF (3, 4);

/* JSON members; a NULL string adds nothing, as absent fields are omitted
 * on the wire. */
void        sesame_json_add_string  (JsonBuilder *builder,
                                     const char  *member,
                                     const char  *value);
void        sesame_json_add_int     (JsonBuilder *builder,
                                     const char  *member,
                                     gint64       value);
void        sesame_json_add_boolean (JsonBuilder *builder,
                                     const char  *member,
                                     gboolean     value);

G_END_DECLS
