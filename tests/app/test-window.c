/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The real window on a running tenant: its views, the Demo view's
 * navigation and origin judgement, Settings, GSettings. */

#include "config.h"

#include "app-test-util.h"
#include "sesame-address.h"

#include <string.h>

#define EXTRA_ORIGIN "http://localhost:3000"

static SesameServer *
get_server (void)
{
  SesameServer *server = sesame_application_get_server (app_test_get_application ());

  g_assert_nonnull (server);
  return server;
}

static const char *
visible_name (GtkWidget *root,
              GType      type)
{
  GtkWidget *stack = app_test_find_widget (root, type,
                                           type == GTK_TYPE_STACK ? app_test_is_main_stack : NULL,
                                           NULL);

  g_assert_nonnull (stack);
  if (type == GTK_TYPE_STACK)
    return gtk_stack_get_visible_child_name (GTK_STACK (stack));
  return adw_view_stack_get_visible_child_name (ADW_VIEW_STACK (stack));
}

static void
test_views (void)
{
  GtkWidget *window = GTK_WIDGET (app_test_get_window ());
  AdwViewStack *views = ADW_VIEW_STACK (app_test_find_widget (window, ADW_TYPE_VIEW_STACK,
                                                              NULL, NULL));
  const char *names[] = { "demo", "activity", "users", "settings" };

  g_assert_cmpstr (visible_name (window, GTK_TYPE_STACK), ==, "tenant");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_assert_nonnull (adw_view_stack_get_child_by_name (views, names[i]));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (views), ==, "demo");

  /* The empty states say what will come. */
  g_assert_nonnull (app_test_find_widget (adw_view_stack_get_child_by_name (views, "activity"),
                                          ADW_TYPE_STATUS_PAGE, NULL, NULL));
  g_assert_nonnull (app_test_find_row (adw_view_stack_get_child_by_name (views, "users"),
                                       "No users yet"));
  g_assert_nonnull (app_test_find_row (adw_view_stack_get_child_by_name (views, "users"),
                                       "No passkeys on this device"));
}

static gboolean
is_loaded (gpointer data)
{
  WebKitWebView *view = sesame_window_get_web_view (app_test_get_window ());

  return !webkit_web_view_is_loading (view) && webkit_web_view_get_uri (view) &&
         g_str_equal (webkit_web_view_get_uri (view), data);
}

static void
test_sample_app (void)
{
  SesameWindow *window = app_test_get_window ();
  const char *app_url = sesame_server_get_app_url (get_server ());
  g_autofree char *title = NULL;

  /* The window opens the sample app by itself. */
  g_assert_true (app_test_wait_for (is_loaded, (gpointer) app_url, 30000));
  g_assert_true (app_test_wait_for_js ("document.getElementById('signin-button')", 10000));
  title = app_test_run_js ("return document.title", NULL);
  g_assert_nonnull (title);
  g_assert_cmpstr (title, !=, "\"\"");
  g_assert_false (sesame_window_get_origin_warning_visible (window));
}

static void
test_settings_view (void)
{
  GtkWidget *window = GTK_WIDGET (app_test_get_window ());
  SesameServer *server = get_server ();
  g_autoptr(SesameTenant) tenant = sesame_application_dup_tenant (app_test_get_application (),
                                                                  NULL);
  GtkWidget *row;

  g_assert_nonnull (tenant);
  row = app_test_find_row (window, "API Base URL");
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   sesame_server_get_base_url (server));
  row = app_test_find_row (window, "Tenant ID");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   sesame_server_get_tenant_id (server));
  row = app_test_find_row (window, "Relying Party ID");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "localhost");

  /* The sample app's origin and the one given with --origin, each a field. */
  g_assert_nonnull (app_test_find_entry_row (window, sesame_server_get_app_origin (server)));
  g_assert_nonnull (app_test_find_entry_row (window, EXTRA_ORIGIN));
  g_assert_true (g_strv_contains ((const char * const *) tenant->expected_origins, EXTRA_ORIGIN));
}

static void
test_copy (void)
{
  GtkWidget *window = GTK_WIDGET (app_test_get_window ());
  const char *tenant_id = sesame_server_get_tenant_id (get_server ());

  g_assert_true (gtk_widget_activate_action (window, "win.copy", "s", tenant_id));
  g_assert_true (gdk_clipboard_is_local (gtk_widget_get_clipboard (window)));
}

static gboolean
warning_shown (gpointer data)
{
  return sesame_window_get_origin_warning_visible (app_test_get_window ()) == GPOINTER_TO_INT (data);
}

static gboolean
label_mentions (GtkWidget *widget,
                gpointer   data)
{
  return strstr (gtk_label_get_text (GTK_LABEL (widget)), data) != NULL;
}

static void
test_unexpected_origin (void)
{
  SesameWindow *window = app_test_get_window ();
  g_autoptr(SoupServer) page_server = NULL;
  g_autofree char *origin = app_test_serve_page (&page_server,
                                                 "<!doctype html><title>Other</title><p>Hi");
  g_autofree char *uri = g_strconcat (origin, "/", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameTenant) tenant = NULL;
  GtkWidget *label;

  g_assert_true (app_test_open (uri, &error));
  g_assert_no_error (error);
  g_assert_true (app_test_wait_for (warning_shown, GINT_TO_POINTER (TRUE), 2000));

  /* The banner says why and what to do: 127.0.0.1 is not under the RP ID
   * "localhost", so adding the origin cannot help and the button is off. */
  label = app_test_find_widget (GTK_WIDGET (window), GTK_TYPE_LABEL, label_mentions,
                                "Passkeys will fail on");
  g_assert_nonnull (label);
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), origin));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)),
                            "an IP address cannot be a Relying Party ID"));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.add-origin", NULL);
  app_test_spin (100);
  g_assert_true (sesame_window_get_origin_warning_visible (window));
  tenant = sesame_application_dup_tenant (app_test_get_application (), NULL);
  g_assert_false (g_strv_contains ((const char * const *) tenant->expected_origins, origin));
}

static void
test_add_origin (void)
{
  SesameWindow *window = app_test_get_window ();
  g_autoptr(SoupServer) page_server = NULL;
  g_autofree char *ip_origin = app_test_serve_page (&page_server,
                                                    "<!doctype html><title>Dev</title><p>Dev");
  /* The same server by the name localhost: under the RP ID. */
  g_autofree char *origin = g_strdup_printf ("http://localhost:%s",
                                             strrchr (ip_origin, ':') + 1);
  g_autofree char *uri = g_strconcat (origin, "/", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameTenant) tenant = NULL;

  g_assert_true (app_test_open (uri, &error));
  g_assert_no_error (error);
  g_assert_true (app_test_wait_for (warning_shown, GINT_TO_POINTER (TRUE), 2000));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.add-origin", NULL));
  g_assert_true (app_test_wait_for (warning_shown, GINT_TO_POINTER (FALSE), 2000));
  tenant = sesame_application_dup_tenant (app_test_get_application (), NULL);
  g_assert_true (g_strv_contains ((const char * const *) tenant->expected_origins, origin));
  /* Settings lists it now. */
  g_assert_nonnull (app_test_find_entry_row (GTK_WIDGET (window), origin));
}

static void
test_address_entry (void)
{
  SesameWindow *window = app_test_get_window ();
  GtkWidget *entry = app_test_find_widget (GTK_WIDGET (window), GTK_TYPE_ENTRY, NULL, NULL);
  SesameServer *server = get_server ();
  g_autofree char *bare = g_strdup_printf ("localhost:%u", sesame_server_get_port (server));
  g_autofree char *expected = g_strdup_printf ("http://localhost:%u/",
                                               sesame_server_get_port (server));

  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), bare);
  g_signal_emit_by_name (entry, "activate");
  g_assert_true (app_test_wait_for (is_loaded, expected, 30000));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, expected);
  g_assert_false (sesame_window_get_origin_warning_visible (window));

  /* Nonsense changes nothing. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "javascript:alert(1)");
  g_signal_emit_by_name (entry, "activate");
  app_test_spin (200);
  g_assert_cmpstr (webkit_web_view_get_uri (sesame_window_get_web_view (window)), ==, expected);
  g_assert_true (gtk_widget_has_css_class (entry, "error"));
}

static void
test_load_failure (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dead = app_test_dead_url ();

  g_assert_false (app_test_open (dead, &error));
  g_assert_error (error, SESAME_WINDOW_ERROR, SESAME_WINDOW_ERROR_LOAD_FAILED);
}

static gboolean
is_action (GtkWidget *widget,
           gpointer   data)
{
  return g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), data) == 0;
}

static gboolean
is_loading_done_elsewhere (gpointer data)
{
  WebKitWebView *view = sesame_window_get_web_view (app_test_get_window ());

  return !webkit_web_view_is_loading (view) &&
         g_strcmp0 (webkit_web_view_get_uri (view), data) != 0;
}

static void
test_history (void)
{
  SesameWindow *window = app_test_get_window ();
  WebKitWebView *view = sesame_window_get_web_view (window);
  g_autoptr(SoupServer) page_server = NULL;
  g_autofree char *origin = app_test_serve_page (&page_server,
                                                 "<!doctype html><title>Page</title><p>Page");
  g_autofree char *first = g_strconcat (origin, "/one", NULL);
  g_autofree char *second = g_strconcat (origin, "/two", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (app_test_open (first, &error));
  g_assert_true (app_test_open (second, &error));
  g_assert_no_error (error);
  /* Back is there to take; forward is not, until back was taken. */
  g_assert_true (webkit_web_view_can_go_back (view));
  g_assert_true (gtk_widget_is_sensitive (app_test_find_widget (GTK_WIDGET (window),
                                                                GTK_TYPE_BUTTON, is_action,
                                                                "win.back")));
  g_assert_false (gtk_widget_is_sensitive (app_test_find_widget (GTK_WIDGET (window),
                                                                 GTK_TYPE_BUTTON, is_action,
                                                                 "win.forward")));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.back", NULL));
  g_assert_true (app_test_wait_for (is_loading_done_elsewhere, second, 10000));
  g_assert_true (webkit_web_view_can_go_forward (view));
}

static void
test_last_url_saved (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *last = NULL;
  const char *app_url = sesame_server_get_app_url (get_server ());
  g_autoptr(GError) error = NULL;

  g_assert_true (app_test_open (app_url, &error));
  last = g_settings_get_string (settings, "last-url");
  g_assert_cmpstr (last, ==, app_url);
}

static void
test_address_rules (void)
{
  const struct { const char *text; const char *uri; } good[] = {
    { "localhost:3000", "http://localhost:3000/" },
    { "  localhost:3000/path?q=1 ", "http://localhost:3000/path?q=1" },
    { "127.0.0.1:8080", "http://127.0.0.1:8080/" },
    { "[::1]:8080", "http://[::1]:8080/" },
    { "app.localhost", "http://app.localhost/" },
    { "example.com", "https://example.com/" },
    { "HTTPS://Example.com/A", "https://example.com/A" },
    { "about:blank", "about:blank" },
  };
  const struct { const char *text; int code; } bad[] = {
    { "", SESAME_ADDRESS_ERROR_EMPTY },
    { "   ", SESAME_ADDRESS_ERROR_EMPTY },
    { "javascript:alert(1)", SESAME_ADDRESS_ERROR_UNSUPPORTED_SCHEME },
    { "ftp://example.com/", SESAME_ADDRESS_ERROR_UNSUPPORTED_SCHEME },
    { "http://", SESAME_ADDRESS_ERROR_INVALID },
    { "http://exa mple.com/", SESAME_ADDRESS_ERROR_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *uri = sesame_address_to_uri (good[i].text, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (uri, ==, good[i].uri);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *uri = sesame_address_to_uri (bad[i].text, &error);

      g_assert_null (uri);
      g_assert_error (error, SESAME_ADDRESS_ERROR, bad[i].code);
    }

  {
    g_autofree char *a = sesame_address_get_origin ("http://localhost:7878/x?y#z");
    g_autofree char *b = sesame_address_get_origin ("https://Example.com:443/");
    g_autofree char *c = sesame_address_get_origin ("about:blank");

    g_assert_cmpstr (a, ==, "http://localhost:7878");
    g_assert_cmpstr (b, ==, "https://example.com");
    g_assert_null (c);
  }
}

int
main (int    argc,
      char **argv)
{
  const char *extra[] = { "--origin", EXTRA_ORIGIN, NULL };

  app_test_init (&argc, &argv);

  g_test_add_func ("/sesame/app/address/rules", test_address_rules);
  g_test_add_func ("/sesame/app/window/views", test_views);
  g_test_add_func ("/sesame/app/window/sample-app", test_sample_app);
  g_test_add_func ("/sesame/app/window/settings", test_settings_view);
  g_test_add_func ("/sesame/app/window/copy", test_copy);
  g_test_add_func ("/sesame/app/window/unexpected-origin", test_unexpected_origin);
  g_test_add_func ("/sesame/app/window/add-origin", test_add_origin);
  g_test_add_func ("/sesame/app/window/address-entry", test_address_entry);
  g_test_add_func ("/sesame/app/window/load-failure", test_load_failure);
  g_test_add_func ("/sesame/app/window/history", test_history);
  g_test_add_func ("/sesame/app/window/last-url", test_last_url_saved);

  return app_test_run (extra);
}
