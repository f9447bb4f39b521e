/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The very first start of the real app: the welcome window in front of the
 * main window, once; the About window; the keyboard shortcuts window. */

#include "config.h"

#include "app-test-util.h"
#include "sesame-welcome.h"

static GtkWindow *
find_window_of_type (GType type)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app_test_get_application ()));

  for (GList *l = windows; l; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
      return l->data;
  return NULL;
}

/* Top-level windows that are not the application's own (About, shortcuts
 * before GTK adds them) are found among all toplevels. */
static GtkWindow *
find_toplevel_of_type (GType type)
{
  g_autoptr(GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) &&
          gtk_widget_get_visible (GTK_WIDGET (window)))
        return GTK_WINDOW (window);
    }
  return NULL;
}

static gboolean
toplevel_shown (gpointer data)
{
  return find_toplevel_of_type ((GType) GPOINTER_TO_SIZE (data)) != NULL;
}

static gboolean
toplevel_gone (gpointer data)
{
  return !toplevel_shown (data);
}

static void
test_welcome (void)
{
  SesameWindow *window = app_test_get_window ();
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  GtkWindow *welcome;
  GtkWidget *start;

  /* It is up, modal over the main window, and not yet remembered: a start
   * that ends before the user read it shows it again. */
  g_assert_true (app_test_wait_for (toplevel_shown,
                                    GSIZE_TO_POINTER (SESAME_TYPE_WELCOME), 10000));
  welcome = find_window_of_type (SESAME_TYPE_WELCOME);
  g_assert_nonnull (welcome);
  g_assert_true (gtk_window_get_transient_for (welcome) == GTK_WINDOW (window));
  g_assert_true (gtk_window_get_modal (welcome));
  g_assert_false (g_settings_get_boolean (settings, "welcome-shown"));

  /* The main window is still the one the app hands out. */
  g_assert_true (sesame_application_get_window (app_test_get_application ()) == window);

  /* "Start" closes it, and it is remembered. */
  start = gtk_window_get_default_widget (welcome);
  g_assert_true (GTK_IS_BUTTON (start));
  g_signal_emit_by_name (start, "clicked");
  g_assert_true (app_test_wait_for (toplevel_gone,
                                    GSIZE_TO_POINTER (SESAME_TYPE_WELCOME), 10000));
  g_assert_true (g_settings_get_boolean (settings, "welcome-shown"));

  /* Activating the app again (a second `sesame`) does not bring it back. */
  g_application_activate (G_APPLICATION (app_test_get_application ()));
  app_test_spin (200);
  g_assert_null (find_toplevel_of_type (SESAME_TYPE_WELCOME));
  g_assert_null (sesame_welcome_present_once (GTK_WINDOW (window), settings));
}

static void
test_about (void)
{
  GtkWindow *about;

  g_action_group_activate_action (G_ACTION_GROUP (app_test_get_application ()), "about", NULL);
  g_assert_true (app_test_wait_for (toplevel_shown, GSIZE_TO_POINTER (ADW_TYPE_ABOUT_WINDOW),
                                    10000));
  about = find_toplevel_of_type (ADW_TYPE_ABOUT_WINDOW);
  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (about)), ==, PACKAGE_VERSION);
  g_assert_cmpstr (adw_about_window_get_application_icon (ADW_ABOUT_WINDOW (about)), ==, APP_ID);
  g_assert_cmpint (adw_about_window_get_license_type (ADW_ABOUT_WINDOW (about)), ==,
                   GTK_LICENSE_GPL_3_0);
  g_assert_true (gtk_window_get_transient_for (about) ==
                 GTK_WINDOW (app_test_get_window ()));
  gtk_window_destroy (about);
}

static void
test_shortcuts (void)
{
  SesameWindow *window = app_test_get_window ();
  GtkShortcutsWindow *overlay;
  g_auto(GStrv) accels = NULL;

  /* GtkApplication loads gtk/help-overlay.ui from the resource base path
   * and gives the window its action. */
  overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window));
  g_assert_nonnull (overlay);
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (window), "show-help-overlay"));

  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app_test_get_application ()),
                                                  "win.show-help-overlay");
  g_assert_nonnull (accels);
  g_assert_nonnull (accels[0]);

  g_action_group_activate_action (G_ACTION_GROUP (window), "show-help-overlay", NULL);
  g_assert_true (app_test_wait_for (toplevel_shown,
                                    GSIZE_TO_POINTER (GTK_TYPE_SHORTCUTS_WINDOW), 10000));
  gtk_window_close (GTK_WINDOW (overlay));
}

int
main (int    argc,
      char **argv)
{
  app_test_init (&argc, &argv);
  app_test_set_first_start (TRUE);

  g_test_add_func ("/sesame/app/first-run/welcome", test_welcome);
  g_test_add_func ("/sesame/app/first-run/about", test_about);
  g_test_add_func ("/sesame/app/first-run/shortcuts", test_shortcuts);

  return app_test_run (NULL);
}
