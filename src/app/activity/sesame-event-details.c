/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-event-details.h"

#include "sesame-json.h"

JsonNode *
sesame_event_parse_details (const SesameEvent *event)
{
  g_autoptr(JsonParser) parser = NULL;

  g_return_val_if_fail (event != NULL, NULL);

  /* The tenant wrote them, but a damaged database may hold anything. */
  if (!event->details)
    return NULL;
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, event->details, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  return json_parser_steal_root (parser);
}

char *
sesame_event_dup_detail (const SesameEvent *event,
                         const char        *member)
{
  g_autoptr(JsonNode) root = sesame_event_parse_details (event);

  return root ? g_strdup (sesame_json_member_string (json_node_get_object (root), member)) : NULL;
}

void
sesame_json_builder_add_time (JsonBuilder *builder,
                              const char  *member,
                              gint64       time)
{
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc (time / G_USEC_PER_SEC);
  g_autoptr(GDateTime) date_time = seconds ? g_date_time_add (seconds, time % G_USEC_PER_SEC)
                                           : NULL;
  g_autofree char *text = date_time ? g_date_time_format_iso8601 (date_time) : NULL;

  json_builder_set_member_name (builder, member);
  if (text)
    json_builder_add_string_value (builder, text);
  else
    json_builder_add_null_value (builder);
}

void
sesame_event_build_json (JsonBuilder       *builder,
                         const SesameEvent *event)
{
  g_autoptr(JsonNode) details = NULL;

  g_return_if_fail (JSON_IS_BUILDER (builder));
  g_return_if_fail (event != NULL);

  details = sesame_event_parse_details (event);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, event->id);
  sesame_json_builder_add_time (builder, "time", event->time);
  sesame_json_builder_add_string (builder, "kind", event->kind);
  sesame_json_builder_add_string (builder, "actionKey", event->action_key);
  sesame_json_builder_add_string (builder, "userId", event->user_id);
  sesame_json_builder_add_string (builder, "outcome", event->outcome);
  sesame_json_builder_add_string (builder, "reason", event->reason);
  sesame_json_builder_add_string (builder, "origin", event->origin);
  sesame_json_builder_add_string (builder, "userAgent", event->user_agent);
  json_builder_set_member_name (builder, "details");
  if (details)
    json_builder_add_value (builder, g_steal_pointer (&details));
  else
    json_builder_add_null_value (builder);
}
