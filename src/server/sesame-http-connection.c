/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-http-connection.h"

#include <netinet/in.h>

#define DEADLINE_KEY "sesame-request-deadline"
#define IDLE_KEY     "sesame-idle-timer"

GSocket *
sesame_http_listen_socket_new (GSocketAddress *address,
                               GError        **error)
{
  g_autoptr(GSocket) socket = NULL;

  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), NULL);

  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (!socket)
    return NULL;
  /* An IPv6 socket takes only IPv6: the IPv4 loopback has its own. */
  if (g_socket_address_get_family (address) == G_SOCKET_FAMILY_IPV6 &&
      !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, error))
    return NULL;
  /* allow_reuse: a restarted server takes its port back at once, even
   * while connections of the old one linger in TIME_WAIT. */
  if (!g_socket_bind (socket, address, TRUE, error))
    return NULL;
  g_socket_set_listen_backlog (socket, SESAME_HTTP_LISTEN_BACKLOG);
  if (!g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

/* The request did not arrive in time: whatever part of it came is
 * dropped, and the connection with it. Shutting the socket down (rather
 * than closing it under libsoup) makes libsoup's pending read end, and
 * libsoup then closes the connection the way it closes any other. */
static gboolean
deadline_cb (gpointer user_data)
{
  SoupServerMessage *msg = user_data;
  GSocket *socket = soup_server_message_get_socket (msg);
  /* The source is ending: the message lets go of it without destroying it. */
  GSource *source = g_object_steal_data (G_OBJECT (msg), DEADLINE_KEY);

  if (socket)
    {
      g_debug ("A request did not arrive in full in time; closing its connection");
      g_socket_shutdown (socket, TRUE, TRUE, NULL);
    }
  g_source_unref (source);
  return G_SOURCE_REMOVE;
}

static void
remove_deadline (gpointer data)
{
  GSource *source = data;

  g_source_destroy (source);
  g_source_unref (source);
}

static void
got_body_cb (SoupServerMessage *msg,
             gpointer           user_data)
{
  /* Read in full: from here on the handler's time is not the client's. */
  g_object_set_data (G_OBJECT (msg), DEADLINE_KEY, NULL);
}

/* A kept-alive connection is idle from the end of one reply until the
 * first byte of the next request; libsoup starts the next message only when
 * that byte comes, so the idle timer lives on the socket. */
static gboolean
idle_cb (gpointer user_data)
{
  GSocket *socket = user_data;
  GSource *source = g_object_steal_data (G_OBJECT (socket), IDLE_KEY);

  g_debug ("A kept-alive connection stayed idle; closing it");
  g_socket_shutdown (socket, TRUE, TRUE, NULL);
  g_source_unref (source);
  return G_SOURCE_REMOVE;
}

static void
finished_cb (SoupServerMessage *msg,
             gpointer           user_data)
{
  guint idle_timeout = GPOINTER_TO_UINT (user_data);
  GSocket *socket = soup_server_message_get_socket (msg);
  g_autoptr(GMainContext) context = NULL;
  GSource *source;

  g_object_set_data (G_OBJECT (msg), DEADLINE_KEY, NULL);
  if (!socket || !g_socket_is_connected (socket) || g_socket_is_closed (socket))
    return;
  context = g_main_context_ref_thread_default ();
  source = g_timeout_source_new (idle_timeout * 1000);
  g_source_set_callback (source, idle_cb, g_object_ref (socket), g_object_unref);
  g_source_set_static_name (source, "[sesame] idle connection");
  g_source_attach (source, context);
  g_object_set_data_full (G_OBJECT (socket), IDLE_KEY, source, remove_deadline);
}

void
sesame_http_watch_message (SoupServerMessage *msg,
                           guint              idle_timeout,
                           guint              request_timeout)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));

  if (socket && idle_timeout)
    {
      /* A request has begun: the connection is no longer idle. */
      g_object_set_data (G_OBJECT (socket), IDLE_KEY, NULL);
      /* A socket timeout makes a read or write that waits longer than that
       * fail with G_IO_ERROR_TIMED_OUT, upon which libsoup closes the
       * connection: a client silent from the start, a pause within a
       * request, or a client that stopped reading our reply. */
      g_socket_set_timeout (socket, idle_timeout);
      g_signal_connect (msg, "finished", G_CALLBACK (finished_cb), GUINT_TO_POINTER (idle_timeout));
    }

  if (request_timeout)
    {
      g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
      GSource *source = g_timeout_source_new (request_timeout * 1000);

      /* The message owns the source: if it goes first, so does the timer. */
      g_source_set_callback (source, deadline_cb, msg, NULL);
      g_source_set_static_name (source, "[sesame] request deadline");
      g_source_attach (source, context);
      g_object_set_data_full (G_OBJECT (msg), DEADLINE_KEY, source, remove_deadline);
      g_signal_connect (msg, "got-body", G_CALLBACK (got_body_cb), NULL);
    }
}
