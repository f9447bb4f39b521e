/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <gio/gio.h>

#include "sesame-views.h"
#include "sesame-views-resources.h"

void
sesame_views_ensure_resources (void)
{
  static gsize once;

  /* Registered by hand: a constructor in a static library's object file
   * that nothing references would be dropped by the linker. */
  if (g_once_init_enter (&once))
    {
      sesame_views_register_resource ();
      g_once_init_leave (&once, 1);
    }
}
