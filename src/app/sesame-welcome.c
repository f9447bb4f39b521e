/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-welcome.h"

#define WELCOME_SHOWN_KEY "welcome-shown"

struct _SesameWelcome
{
  AdwWindow parent_instance;

  /* Template widgets */
  AdwStatusPage *status_page;
  GtkButton *start_button;

  GSettings *settings;
};

G_DEFINE_FINAL_TYPE (SesameWelcome, sesame_welcome, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Recorded when the window goes away, however the user closes it, rather
 * than when it appears: a start that crashes before the user could read it
 * shows it again. */
static gboolean
sesame_welcome_close_request (GtkWindow *window)
{
  SesameWelcome *self = SESAME_WELCOME (window);

  g_settings_set_boolean (self->settings, WELCOME_SHOWN_KEY, TRUE);
  return GTK_WINDOW_CLASS (sesame_welcome_parent_class)->close_request (window);
}

static void
start_clicked_cb (SesameWelcome *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

static void
sesame_welcome_constructed (GObject *object)
{
  SesameWelcome *self = SESAME_WELCOME (object);

  G_OBJECT_CLASS (sesame_welcome_parent_class)->constructed (object);

  /* The profile's icon: the development build shows its striped one. */
  adw_status_page_set_icon_name (self->status_page, APP_ID);
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->start_button));
}

static void
sesame_welcome_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  SesameWelcome *self = SESAME_WELCOME (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_set_object (&self->settings, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sesame_welcome_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SesameWelcome *self = SESAME_WELCOME (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sesame_welcome_dispose (GObject *object)
{
  SesameWelcome *self = SESAME_WELCOME (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sesame_welcome_parent_class)->dispose (object);
}

static void
sesame_welcome_class_init (SesameWelcomeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = sesame_welcome_constructed;
  object_class->set_property = sesame_welcome_set_property;
  object_class->get_property = sesame_welcome_get_property;
  object_class->dispose = sesame_welcome_dispose;

  window_class->close_request = sesame_welcome_close_request;

  /**
   * SesameWelcome:settings:
   *
   * The app's settings, with the "welcome-shown" key.
   */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sesame/Sesame/sesame-welcome.ui");
  gtk_widget_class_bind_template_child (widget_class, SesameWelcome, status_page);
  gtk_widget_class_bind_template_child (widget_class, SesameWelcome, start_button);
  gtk_widget_class_bind_template_callback (widget_class, start_clicked_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sesame_welcome_init (SesameWelcome *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * sesame_welcome_new:
 * @parent: (nullable): the window it is transient for
 * @settings: the app's settings (schema SCHEMA_ID)
 *
 * Returns: (transfer floating): a new welcome window, not yet presented
 */
SesameWelcome *
sesame_welcome_new (GtkWindow *parent,
                    GSettings *settings)
{
  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (SESAME_TYPE_WELCOME,
                       "settings", settings,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       "application", parent ? gtk_window_get_application (parent) : NULL,
                       NULL);
}

/**
 * sesame_welcome_present_once:
 * @parent: (nullable): the main window
 * @settings: the app's settings (schema SCHEMA_ID)
 *
 * Presents the welcome unless it has been seen before.
 *
 * Returns: (transfer none) (nullable): the window presented, or %NULL when
 *   "welcome-shown" was already set
 */
SesameWelcome *
sesame_welcome_present_once (GtkWindow *parent,
                             GSettings *settings)
{
  SesameWelcome *welcome;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  if (g_settings_get_boolean (settings, WELCOME_SHOWN_KEY))
    return NULL;

  welcome = sesame_welcome_new (parent, settings);
  gtk_window_present (GTK_WINDOW (welcome));
  return welcome;
}
