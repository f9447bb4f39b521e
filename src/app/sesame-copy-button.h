/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A flat icon button that copies @text through the window's "win.copy"
 * action (which also says so in a toast). */
GtkWidget *sesame_copy_button_new (const char *text);

G_END_DECLS
