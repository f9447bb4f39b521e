/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-copy-button.h"

#include <glib/gi18n.h>

GtkWidget *
sesame_copy_button_new (const char *text)
{
  GtkWidget *button = gtk_button_new_from_icon_name ("edit-copy-symbolic");

  g_return_val_if_fail (text != NULL, NULL);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, _("Copy"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Copy"), -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.copy");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", text);
  return button;
}
