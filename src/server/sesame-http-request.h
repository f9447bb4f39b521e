/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Private to src/server: one request as a route handler sees it, and the
 * reply it fills in.
 *
 * The contract that lets a handler run on any thread: the dispatcher (in
 * sesame-server.c) copies what the handler may read out of the
 * SoupServerMessage into a SesameRequest before the handler runs, and turns
 * the SesameReply into the message's response after it returns. A handler
 * never touches the message, the SoupServer or a main context; everything
 * it reads is owned by the request and not changed while it runs, and the
 * store it writes to is thread-safe.
 */

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sesame-action-rules.h"
#include "sesame-server.h"
#include "sesame-store.h"
#include "sesame-token.h"

G_BEGIN_DECLS

typedef enum
{
  SESAME_AUTH_NONE   = 0,
  SESAME_AUTH_TENANT = 1 << 0,  /* Basic base64(tenantId) or base64(tenantId:) */
  SESAME_AUTH_TOKEN  = 1 << 1,  /* Bearer <action token> */
  SESAME_AUTH_SECRET = 1 << 2,  /* Basic base64(secretKey:) or base64(secretKey) */
} SesameAuth;

typedef struct
{
  /* What the client sent, copied from the message (immutable). */
  char               *method;
  char               *path;             /* raw, still percent-encoded */
  GHashTable         *query;            /* decoded query (owned copy), may be NULL */
  SoupMessageHeaders *headers;          /* a private copy: its reference count is never shared */
  GBytes             *body;             /* POST and PATCH only */
  char               *origin;           /* Origin, valid UTF-8, bounded; NULL: absent */
  char               *user_agent;       /* likewise the User-Agent header */

  /* Where it is handled. The server is referenced, and its URLs are
   * copied, since a restarted listener changes them on the main context
   * while a worker may be reading them. The store is the connection of the
   * worker that handles the request (the server's own store inline). */
  SesameServer       *server;
  SesameStore        *store;
  char               *base_url;
  char               *app_url;

  /* Filled in by routing and authentication. */
  GStrv               params;           /* the route's decoded path parameters, in order */
  gboolean            with_credentials; /* a /web (cookie) variant */
  SesameAuth          auth;
  SesameTenant       *tenant;
  SesameTokenClaims  *claims;
  SesameCaller        caller;           /* origin and user agent, for the events */
} SesameRequest;

/* Takes a reference on @server; copies everything else. */
SesameRequest *sesame_request_new         (SesameServer       *server,
                                           const char         *method,
                                           const char         *path,
                                           GHashTable         *query,
                                           SoupMessageHeaders *headers,
                                           GBytes             *body);
void           sesame_request_free        (SesameRequest      *req);
const char    *sesame_request_get_header  (SesameRequest      *req,
                                           const char         *name);

/* The body as one JSON object: strict syntax, UTF-8, at most
 * SESAME_SERVER_MAX_BODY bytes; an empty body reads as {}. */
JsonNode      *sesame_request_read_object (SesameRequest      *req,
                                           GError            **error);

typedef struct
{
  guint       status;         /* 0: not answered yet */
  JsonNode   *body;           /* JSON to send; NULL: see data */
  GBytes     *data;           /* a file to send as is (the sample app's pages) */
  char       *content_type;   /* of data */
  GPtrArray  *headers;        /* extra response headers: name, value, name, value, … */
  JsonObject *error_extra;    /* members an error reply adds, e.g. isVerified: false */
} SesameReply;

SesameReply   *sesame_reply_new           (void);
void           sesame_reply_free          (SesameReply        *reply);
/* Takes @body. */
void           sesame_reply_take_json     (SesameReply        *reply,
                                           guint               status,
                                           JsonNode           *body);
void           sesame_reply_builder       (SesameReply        *reply,
                                           guint               status,
                                           JsonBuilder        *builder);
void           sesame_reply_set_header    (SesameReply        *reply,
                                           const char         *name,
                                           const char         *value);
/* Adds a member to the body of the error reply the handler may still make. */
void           sesame_reply_add_error_member (SesameReply     *reply,
                                              const char      *member,
                                              JsonNode        *value);
void           sesame_reply_preflight     (SesameReply        *reply);

/* CORS: the request's Origin is echoed only when it is one of the expected
 * origins of the request's tenant, or of any tenant while the tenant is not
 * known (preflights, failed authentication). Reads the store. */
void           sesame_reply_apply_cors    (SesameReply        *reply,
                                           SesameRequest      *req,
                                           gboolean            preflight);

/* TRUE when @req names no Origin (not sent by a browser) or one of the
 * expected origins of its tenant, which must be known by now. */
gboolean       sesame_request_origin_expected (const SesameRequest *req);

/* Path handling: split the raw (still percent-encoded) path into decoded
 * segments. A '+' stays a '+'; "%2F" stays inside its segment. */
GStrv          sesame_http_split_path     (const char         *raw_path,
                                           GError            **error);

/* Request text (a path, method or header value) fit to quote in a reply:
 * invalid UTF-8 replaced, cut to a few hundred bytes. A reply is JSON, and
 * JSON is UTF-8 whatever the client sent. */
char          *sesame_http_quote          (const char         *text);

/* The decoded query is UTF-8 (its names and values are quoted in errors
 * and compared with stored text); a client error otherwise. */
gboolean       sesame_http_check_query    (GHashTable         *query,
                                           GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameRequest, sesame_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameReply, sesame_reply_free)

G_END_DECLS
