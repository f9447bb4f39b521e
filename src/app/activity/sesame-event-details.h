/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The JSON details of a tenant event, as the app's views read them. */

#include <json-glib/json-glib.h>

#include "sesame-store.h"

G_BEGIN_DECLS

/* The details object, or NULL when the event has none (or they are not a
 * JSON object). */
JsonNode *sesame_event_parse_details (const SesameEvent *event);
/* A string member of the details, or NULL. */
char     *sesame_event_dup_detail    (const SesameEvent *event,
                                      const char        *member);

G_END_DECLS
