/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The resources of the Activity and Users views (their templates and the
 * AAGUID names), registered once by the first view class that needs them. */

#include <glib.h>

G_BEGIN_DECLS

void sesame_views_ensure_resources (void);

G_END_DECLS
