/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The About window: version, license, credits, and where to report bugs. */

#include "config.h"

#include "sesame-about.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#define PROJECT_URL "https://github.com/sesame-passkeys/sesame"

/**
 * sesame_show_about:
 * @parent: (nullable): the window it belongs to
 *
 * Presents a new About window, transient for @parent.
 *
 * Returns: (transfer none): the window
 */
GtkWindow *
sesame_show_about (GtkWindow *parent)
{
  static const char *developers[] = {
    "The Sesame developers " PROJECT_URL,
    NULL
  };
  /* The libraries whose work Sesame rests on, beyond GTK and GLib, which
   * the window names by default. */
  static const char *built_on[] = {
    "libadwaita https://gnome.pages.gitlab.gnome.org/libadwaita/",
    "WebKitGTK https://webkitgtk.org",
    "libsoup https://libsoup.org",
    "libfido2 https://developers.yubico.com/libfido2/",
    "libcbor https://github.com/PJK/libcbor",
    "libjwt https://github.com/benmcollins/libjwt",
    "OpenSSL https://www.openssl.org",
    "SQLite https://www.sqlite.org",
    NULL
  };
  GtkWidget *about;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "modal", parent != NULL,
                        "application-name", _("Sesame"),
                        "application-icon", APP_ID,
                        "developer-name", _("The Sesame developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Show, develop and test passkey sign-in with a local "
                                      "Authsignal-compatible tenant."),
                        "website", PROJECT_URL,
                        "issue-url", PROJECT_URL "/issues",
                        "developers", developers,
                        "copyright", "© 2026 The Sesame developers",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* Translators: your names, one a line, for the credits. */
                        "translator-credits", _("translator-credits"),
                        NULL);
  adw_about_window_add_acknowledgement_section (ADW_ABOUT_WINDOW (about), _("Built On"), built_on);

  gtk_window_present (GTK_WINDOW (about));
  return GTK_WINDOW (about);
}
