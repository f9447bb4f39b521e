/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-http-connection.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define DEADLINE_KEY "sesame-request-deadline"
#define IDLE_KEY     "sesame-idle-timer"
#define HANGUP_KEY   "sesame-hangup-watch"
#define EXTRA_REF_KEY "sesame-extra-ref-dropped"

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

/* libsoup 3.1.2 to 3.3.x keep one reference too many to every socket they
 * accept (fixed in 3.4 by its commit b545d5f0): each connection left its
 * GSocket behind once closed, some 340 bytes, which the soak test saw as
 * memory growing with every connection. The extra reference is dropped
 * once per socket, when its first message has finished: libsoup's
 * connection and its GSocketConnection hold theirs then (not yet when the
 * first request starts, which libsoup announces before it makes the
 * GSocketConnection), so the socket lives on exactly as long as they need
 * it. Only for the versions that have the bug, and only while those two
 * references are there, since one reference too few would free a socket
 * in use. */
static gboolean
libsoup_keeps_accepted_sockets (void)
{
  guint version = soup_get_major_version () * 10000 + soup_get_minor_version () * 100 +
                  soup_get_micro_version ();

  return version >= 30102 && version < 30400;
}

static void
drop_extra_reference (GSocket *socket)
{
  if (!libsoup_keeps_accepted_sockets () || g_object_get_data (G_OBJECT (socket), EXTRA_REF_KEY))
    return;
  if (g_atomic_int_get (&G_OBJECT (socket)->ref_count) < 3)
    return;
  g_object_set_data (G_OBJECT (socket), EXTRA_REF_KEY, GINT_TO_POINTER (TRUE));
  g_object_unref (socket);
}

/* libsoup 3.2 does not notice that a client closed a kept-alive
 * connection between two requests (fixed in 3.3 by its commit d20c6601):
 * the connection, its buffers and its socket stayed for good, in
 * CLOSE_WAIT, and a client that reconnects often ran the server out of
 * file descriptors and memory. So an idle connection is watched; once the
 * client's end is closed (or the idle timer shut it), the connection is
 * taken back from libsoup with soup_server_message_steal_connection(),
 * which makes it forget the connection, and closed. The watch runs before
 * libsoup's own reader (a higher priority), while libsoup still waits for
 * the next request, which is the state in which stealing is safe. The
 * first byte of a next request ends the watch untouched (MSG_PEEK), and
 * libsoup reads the request as usual. */
typedef struct
{
  GSource           *source;
  SoupServerMessage *msg;   /* the connection's last message */
} Hangup;

static void
hangup_free (gpointer data)
{
  Hangup *hangup = data;

  g_source_destroy (hangup->source);
  g_source_unref (hangup->source);
  g_object_unref (hangup->msg);
  g_free (hangup);
}

static gboolean
hangup_cb (GSocket      *socket,
           GIOCondition  condition,
           gpointer      user_data)
{
  Hangup *hangup = g_object_steal_data (G_OBJECT (socket), HANGUP_KEY);
  gboolean closed_by_client = FALSE;
  char byte;
  gssize n;

  /* libsoup let go of the connection already (it closes the socket when
   * it does): nothing to take back. */
  if (!g_socket_is_closed (socket) && soup_server_message_get_socket (hangup->msg) == socket)
    {
      do
        n = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      while (n < 0 && errno == EINTR);
      closed_by_client = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
    }
  if (closed_by_client)
    {
      g_autoptr(GIOStream) stream = soup_server_message_steal_connection (hangup->msg);

      g_debug ("A kept-alive connection was closed; releasing it");
      if (stream)
        g_io_stream_close (stream, NULL, NULL);
    }
  /* The source is ending: destroying it here is allowed. */
  hangup_free (hangup);
  return G_SOURCE_REMOVE;
}

static void
watch_hangup (SoupServerMessage *msg,
              GSocket           *socket,
              GMainContext      *context)
{
  Hangup *hangup = g_new0 (Hangup, 1);

  hangup->msg = g_object_ref (msg);
  hangup->source = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_priority (hangup->source, G_PRIORITY_HIGH);
  /* No reference to the socket: it owns the watch. */
  g_source_set_callback (hangup->source, (GSourceFunc) (void (*) (void)) hangup_cb, socket, NULL);
  g_source_set_static_name (hangup->source, "[sesame] hang-up watch");
  g_source_attach (hangup->source, context);
  g_object_set_data_full (G_OBJECT (socket), HANGUP_KEY, hangup, hangup_free);
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
  if (!socket)
    return;
  drop_extra_reference (socket);
  if (!g_socket_is_connected (socket) || g_socket_is_closed (socket))
    return;
  context = g_main_context_ref_thread_default ();
  watch_hangup (msg, socket, context);
  if (!idle_timeout)
    return;
  source = g_timeout_source_new (idle_timeout * 1000);
  /* No reference: the socket owns the timer (below), so the timer cannot
   * outlive it; a reference would keep the socket open for as long as the
   * timer runs. */
  g_source_set_callback (source, idle_cb, socket, NULL);
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

  if (socket)
    {
      /* libsoup reads the peer's address only when first asked, and
       * stealing the connection (hangup_cb) asks; by then the client may
       * have reset the connection, or the idle timer shut it down, and
       * libsoup warns that it cannot read it. Asked now, while a request
       * is coming in, the address is there, and libsoup keeps it. */
      (void) soup_server_message_get_remote_address (msg);
      /* A request has begun: the connection is no longer idle. */
      g_object_set_data (G_OBJECT (socket), IDLE_KEY, NULL);
      g_object_set_data (G_OBJECT (socket), HANGUP_KEY, NULL);
      /* A socket timeout makes a read or write that waits longer than that
       * fail with G_IO_ERROR_TIMED_OUT, upon which libsoup closes the
       * connection: a client silent from the start, a pause within a
       * request, or a client that stopped reading our reply. */
      if (idle_timeout)
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
