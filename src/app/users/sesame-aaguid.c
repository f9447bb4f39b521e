/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-aaguid.h"

#include "sesame-authenticator-data.h"
#include "sesame-virtual-key.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define AAGUID_RESOURCE "/io/github/sesame/Sesame/views/aaguids.json"

typedef struct
{
  GHashTable *names;   /* lowercase AAGUID → name */
  char       *version;
} AaguidTable;

/* A damaged resource is a build error, not a user's: say so once and go on
 * with an empty table, so that every authenticator shows as unknown. */
static AaguidTable *
load_table (void)
{
  AaguidTable *table = g_new0 (AaguidTable, 1);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root, *names, *source;
  g_autoptr(GList) members = NULL;

  table->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  bytes = g_resources_lookup_data (AAGUID_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (!bytes || !json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                             g_bytes_get_size (bytes), &error))
    {
      g_critical ("Cannot read the AAGUID names: %s", error->message);
      return table;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_critical ("Cannot read the AAGUID names: not a JSON object");
      return table;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  source = json_object_has_member (root, "source") ? json_object_get_object_member (root, "source")
                                                   : NULL;
  if (source && json_object_has_member (source, "version"))
    table->version = g_strdup (json_object_get_string_member (source, "version"));
  names = json_object_has_member (root, "aaguids") ? json_object_get_object_member (root, "aaguids")
                                                   : NULL;
  if (!names)
    {
      g_critical ("Cannot read the AAGUID names: no “aaguids” object");
      return table;
    }
  members = json_object_get_members (names);
  for (GList *l = members; l; l = l->next)
    {
      JsonNode *node = json_object_get_member (names, l->data);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        g_hash_table_insert (table->names, g_ascii_strdown (l->data, -1),
                             g_strdup (json_node_get_string (node)));
    }
  return table;
}

static AaguidTable *
get_table (void)
{
  static gsize once;
  static AaguidTable *table;

  if (g_once_init_enter (&once))
    {
      table = load_table ();
      g_once_init_leave (&once, 1);
    }
  return table;
}

static gboolean
is_aaguid (const char *text)
{
  if (!text || strlen (text) != 36)
    return FALSE;
  for (int i = 0; i < 36; i++)
    {
      gboolean dash = i == 8 || i == 13 || i == 18 || i == 23;

      if (dash ? text[i] != '-' : !g_ascii_isxdigit (text[i]))
        return FALSE;
    }
  return TRUE;
}

const char *
sesame_aaguid_lookup (const char *aaguid)
{
  g_autofree char *key = NULL;

  if (!is_aaguid (aaguid))
    return NULL;
  key = g_ascii_strdown (aaguid, -1);
  return g_hash_table_lookup (get_table ()->names, key);
}

char *
sesame_aaguid_dup_display_name (const char   *aaguid,
                                const guint8 *builtin_aaguid)
{
  const char *name;

  if (builtin_aaguid && is_aaguid (aaguid))
    {
      g_autofree char *builtin = sesame_aaguid_to_string (builtin_aaguid);

      if (g_ascii_strcasecmp (builtin, aaguid) == 0)
        return g_strdup (_("Sesame built-in authenticator"));
    }
  if (is_aaguid (aaguid))
    {
      g_autofree char *virtual_key = sesame_aaguid_to_string (sesame_virtual_key_aaguid ());

      /* Sesame's own virtual security key: a product name, as a key's */
      if (g_ascii_strcasecmp (virtual_key, aaguid) == 0)
        return g_strdup (SESAME_VIRTUAL_KEY_PRODUCT_NAME);
    }
  name = sesame_aaguid_lookup (aaguid);
  return g_strdup (name ? name : _("Unknown authenticator"));
}

guint
sesame_aaguid_get_n_known (void)
{
  return g_hash_table_size (get_table ()->names);
}

const char *
sesame_aaguid_get_source_version (void)
{
  return get_table ()->version;
}
