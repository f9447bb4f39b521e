/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Private to src/server: what the server asks of its sockets, apart from
 * HTTP itself.
 *
 * - The listening socket is made here, with a backlog large enough for a
 *   burst of connections: libsoup's own listen() asks for 10, and the
 *   kernel drops the SYNs beyond that while the main context is busy, so
 *   a burst of a few hundred clients sees many of them time out.
 * - Connections that say nothing are closed after the idle timeout, and a
 *   request whose headers and body have not all arrived within the
 *   request timeout is dropped with its connection, so slow or stalled
 *   clients cannot hold sockets for ever.
 */

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Asked of listen(); the kernel caps it at net.core.somaxconn. */
#define SESAME_HTTP_LISTEN_BACKLOG      1024

/* A TCP socket bound to @address and listening with
 * SESAME_HTTP_LISTEN_BACKLOG, for soup_server_listen_socket(). */
GSocket *sesame_http_listen_socket_new (GSocketAddress *address,
                                        GError        **error);

/* Applies the timeouts (seconds; 0: none) to a message that has just
 * started: its connection's idle timeout, and a deadline for the request
 * to be read in full, after which the connection is shut down. */
void     sesame_http_watch_message     (SoupServerMessage *msg,
                                        guint              idle_timeout,
                                        guint              request_timeout);

G_END_DECLS
