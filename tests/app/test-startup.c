/* SPDX-License-Identifier: GPL-3.0-or-later */

/* A busy port: the window says so and offers another port, which works. */

#include "config.h"

#include "app-test-util.h"

#include <string.h>

static guint busy_port;

static const char *
main_page (void)
{
  GtkWidget *stack = app_test_find_widget (GTK_WIDGET (app_test_get_window ()), GTK_TYPE_STACK,
                                           app_test_is_main_stack, NULL);

  g_assert_nonnull (stack);
  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

static gboolean
sample_app_loaded (gpointer data)
{
  WebKitWebView *view = sesame_window_get_web_view (app_test_get_window ());
  SesameServer *server = sesame_application_get_server (app_test_get_application ());

  return server && !webkit_web_view_is_loading (view) && webkit_web_view_get_uri (view) &&
         g_str_equal (webkit_web_view_get_uri (view), sesame_server_get_app_url (server));
}

static void
test_busy_port (void)
{
  SesameApplication *app = app_test_get_application ();
  GtkWidget *window = GTK_WIDGET (app_test_get_window ());
  const GError *error = sesame_application_get_start_error (app);
  GtkWidget *status;
  GtkWidget *button;
  SesameServer *server;

  g_assert_null (sesame_application_get_server (app));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_cmpstr (main_page (), ==, "failed");

  status = gtk_stack_get_visible_child (GTK_STACK (app_test_find_widget (window, GTK_TYPE_STACK,
                                                                          app_test_is_main_stack,
                                                                          NULL)));
  g_assert_true (ADW_IS_STATUS_PAGE (status));
  g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (status)),
                            "already in use"));
  button = adw_status_page_get_child (ADW_STATUS_PAGE (status));
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==,
                   "app.use-another-port");

  /* The way out: any free port. */
  g_signal_emit_by_name (button, "clicked");
  server = sesame_application_get_server (app);
  g_assert_nonnull (server);
  g_assert_null (sesame_application_get_start_error (app));
  g_assert_cmpuint (sesame_server_get_port (server), !=, busy_port);
  g_assert_cmpstr (main_page (), ==, "tenant");
  g_assert_true (app_test_wait_for (sample_app_loaded, NULL, 30000));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *port = NULL;
  const char *extra[] = { "--port", NULL, NULL };

  app_test_init (&argc, &argv);

  /* Take a port, then ask Sesame for it. */
  g_assert_true (g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
  g_assert_no_error (error);
  busy_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  port = g_strdup_printf ("%u", busy_port);
  extra[1] = port;

  g_test_add_func ("/sesame/app/startup/busy-port", test_busy_port);

  return app_test_run (extra);
}
