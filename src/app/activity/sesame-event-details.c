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
