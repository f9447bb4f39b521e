/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses of `sesame-server tenant …`; 0, 1 and 2 are those of
 * sesame-server itself. */
enum
{
  SESAME_TENANT_EXIT_OK = 0,
  SESAME_TENANT_EXIT_FAILED = 1,        /* the data directory or the store failed */
  SESAME_TENANT_EXIT_USAGE = 2,         /* the command line itself is wrong */
  SESAME_TENANT_EXIT_INVALID = 3,       /* a value the tenant's rules refuse; nothing changed */
  SESAME_TENANT_EXIT_NOT_FOUND = 4,     /* no such tenant */
};

/* `sesame-server tenant list|show|create|set|delete …`: administers the
 * tenants of a data directory (which a running server may be using: it
 * sees each change on its next request). @argv[0] is "tenant". */
int sesame_tenant_command_run (int    argc,
                               char **argv);

G_END_DECLS
