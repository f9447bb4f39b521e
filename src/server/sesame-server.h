/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <libsoup/soup.h>

#include "sesame-store.h"

G_BEGIN_DECLS

/*
 * SesameServer: the local tenant. It serves the Authsignal-compatible
 * Client API and Server API under /v1 (see WIRE-PROTOCOL.md), the sample
 * app's web resources under /, and forwards the store's "event-added".
 *
 * Threads: the main context that was thread-default when the server was
 * made accepts connections, reads requests and sends the replies; the API's
 * requests run on a pool of worker threads, each with its own connection
 * to the store's file (sesame_store_open_sibling()), while their messages
 * are paused. "event-added" still comes on the main context, in commit
 * order, and the main context never waits for a worker. A server made
 * with no workers handles every request on the main context itself. Each
 * request's time is logged at debug level.
 */

#define SESAME_SERVER_DEFAULT_PORT 7878
/* Seconds a connection may stay silent, and a request has to arrive in
 * full, unless sesame_server_set_timeouts() says otherwise. */
#define SESAME_SERVER_IDLE_TIMEOUT    60
#define SESAME_SERVER_REQUEST_TIMEOUT 30
/* Request bodies above this are refused with 413 before they are parsed. */
#define SESAME_SERVER_MAX_BODY     (64 * 1024)
/* More workers than this would only hold connections open. */
#define SESAME_SERVER_MAX_WORKERS  256

#define SESAME_TYPE_SERVER (sesame_server_get_type ())
G_DECLARE_FINAL_TYPE (SesameServer, sesame_server, SESAME, SERVER, GObject)

/* What sesame_server_setup_local_tenant() should make of the tenant. */
typedef struct
{
  const char         *tenant_id;          /* NULL: the oldest tenant, or a new one with a UUID */
  const char         *rp_id;              /* NULL: keep; a new tenant gets "localhost" */
  const char * const *origins;            /* NULL: keep the stored extra origins */
  const char         *secret_key;         /* NULL: generate a new one */
  gint64              challenge_lifetime; /* seconds; 0: keep */
  const char         *user_verification;  /* "required", "preferred", "discouraged"; NULL: keep */
} SesameLocalTenantOptions;

/* A server with a worker per processor (g_get_num_processors()). */
SesameServer *sesame_server_new                (SesameStore  *store,
                                                GError      **error);
/* A server with @n_workers workers (0: every request inline on the main
 * context; at most SESAME_SERVER_MAX_WORKERS). Fails when the store's file
 * cannot be opened once more for each worker. */
SesameServer *sesame_server_new_full           (SesameStore  *store,
                                                guint         n_workers,
                                                GError      **error);
guint         sesame_server_get_n_workers      (SesameServer *self);
SesameStore  *sesame_server_get_store          (SesameServer *self);
SoupServer   *sesame_server_get_soup_server    (SesameServer *self);

/* Listens on @address (an IP address; NULL: 127.0.0.1) and @port (0: any
 * free port). On the IPv4 loopback it also listens on [::1] with the same
 * port when it can, since "localhost" may resolve to either. */
gboolean      sesame_server_listen             (SesameServer *self,
                                                const char   *address,
                                                guint         port,
                                                GError      **error);
void          sesame_server_disconnect         (SesameServer *self);
/* Seconds a connection may stay silent, and a request has to arrive in
 * full (0: no limit); they apply to requests that start afterwards. */
void          sesame_server_set_timeouts       (SesameServer *self,
                                                guint         idle_timeout,
                                                guint         request_timeout);
guint         sesame_server_get_port           (SesameServer *self);
const char   *sesame_server_get_base_url       (SesameServer *self); /* http://localhost:PORT/v1 */
const char   *sesame_server_get_app_url        (SesameServer *self); /* http://localhost:PORT/ */
const char   *sesame_server_get_app_origin     (SesameServer *self); /* http://localhost:PORT */

/* Creates or updates the tenant that the sample app uses: "Local
 * development", RP ID localhost, its expected origins being the sample
 * app's own origin plus @options->origins (or, without them, the origins
 * stored before). Call it after listening, since the sample app's origin has
 * the port in it. Sets the tenant's secret key (the store keeps only its
 * hash) and returns it in @secret_key. Fails with a SESAME_TENANT_ERROR whose
 * message can be shown as is when the RP ID or an origin is not valid. */
gboolean      sesame_server_setup_local_tenant (SesameServer                   *self,
                                                const SesameLocalTenantOptions *options,
                                                char                          **secret_key,
                                                GError                        **error);
const char   *sesame_server_get_tenant_id      (SesameServer *self);

/* Registers the sample app's backend routes, which talk to this tenant
 * through the Server API with @secret_key. Returns TRUE (the sample app is
 * always built in; the return value stays for callers written earlier). */
gboolean      sesame_server_start_sample_app   (SesameServer *self,
                                                const char   *secret_key);

/* Changes, while running, what the server listens on: the old listener
 * closes (dropping the connections it had), the new one opens, the URLs
 * follow (notified), tenants that expected the sample app's old origin
 * expect its new one, and the sample app talks to the new base URL. When
 * the new address or port cannot be had, the old ones are taken again and
 * the error (G_IO_ERROR_ADDRESS_IN_USE for a busy port) says why. */
gboolean      sesame_server_relisten           (SesameServer *self,
                                                const char   *address,
                                                guint         port,
                                                GError      **error);
/* The IP address it listens on, as text (e.g. "127.0.0.1", "0.0.0.0"). */
const char   *sesame_server_get_address        (SesameServer *self);

/* Makes @tenant_id the tenant the sample app (and get_tenant_id) uses,
 * with @secret_key, which must be that tenant's: the sample app's backend
 * restarts on it (its sessions end). */
gboolean      sesame_server_use_tenant         (SesameServer *self,
                                                const char   *tenant_id,
                                                const char   *secret_key,
                                                GError      **error);

/* A new random secret key: "sk_" and 32 bytes from the system's CSPRNG,
 * base64url. */
char         *sesame_server_generate_secret_key (GError **error);

/*
 * SesameServer::event-added (SesameServer *server, SesameEvent *event)
 *
 * Re-emitted from the store's "event-added", on the same thread and with
 * the same ownership: the event belongs to the emission.
 */

G_END_DECLS
