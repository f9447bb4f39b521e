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

/* Adds @event's members to the object @builder is building: id, time
 * (ISO 8601), kind, actionKey, userId, outcome, reason, origin, userAgent
 * and details (an object or null). */
void      sesame_event_build_json    (JsonBuilder       *builder,
                                      const SesameEvent *event);
/* Adds @member with @time (µs since the epoch) in ISO 8601 UTC, or null. */
void      sesame_json_builder_add_time (JsonBuilder *builder,
                                        const char  *member,
                                        gint64       time);

G_END_DECLS
