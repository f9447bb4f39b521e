/* SPDX-License-Identifier: GPL-3.0-or-later */

/* sesame: the window. Everything is in SesameApplication. */

#include "config.h"

#include "sesame-application.h"

#include <glib/gi18n.h>
#include <locale.h>

int
main (int    argc,
      char **argv)
{
  g_autoptr(SesameApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = sesame_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
