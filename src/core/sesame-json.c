/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-json.h"

#include <string.h>

typedef struct
{
  const char *p;
  const char *end;
  const char *problem;
} Scanner;

static gboolean scan_value (Scanner *s, int depth);

static void
skip_ws (Scanner *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static gboolean
fail (Scanner    *s,
      const char *problem)
{
  if (!s->problem)
    s->problem = problem;
  return FALSE;
}

static gboolean
scan_literal (Scanner    *s,
              const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (s->end - s->p) < n || memcmp (s->p, word, n) != 0)
    return fail (s, "unexpected characters");
  s->p += n;
  return TRUE;
}

static gboolean
scan_string (Scanner *s)
{
  gboolean high_surrogate = FALSE;   /* the previous escape opened a pair */
  guint unit;

  s->p++;   /* opening quote */
  while (s->p < s->end)
    {
      guchar c = (guchar) *s->p++;

      if (high_surrogate && (c != '\\' || s->p >= s->end || *s->p != 'u'))
        return fail (s, "a lone surrogate \\u escape");
      if (c == '"')
        return TRUE;
      if (c < 0x20)
        return fail (s, "a control character inside a string");
      if (c != '\\')
        continue;
      if (s->p >= s->end)
        break;
      c = (guchar) *s->p++;
      if (c == 'u')
        {
          if (s->end - s->p < 4 || !g_ascii_isxdigit (s->p[0]) || !g_ascii_isxdigit (s->p[1]) ||
              !g_ascii_isxdigit (s->p[2]) || !g_ascii_isxdigit (s->p[3]))
            return fail (s, "a bad \\u escape");
          unit = (guint) g_ascii_xdigit_value (s->p[0]) << 12 |
                 (guint) g_ascii_xdigit_value (s->p[1]) << 8 |
                 (guint) g_ascii_xdigit_value (s->p[2]) << 4 |
                 (guint) g_ascii_xdigit_value (s->p[3]);
          s->p += 4;
          if (unit == 0)
            return fail (s, "a \\u0000 escape");
          /* UTF-16 surrogates come in pairs; a lone one is no character
           * and json-glib would turn it into invalid UTF-8. */
          if (unit >= 0xdc00 && unit <= 0xdfff && !high_surrogate)
            return fail (s, "a lone surrogate \\u escape");
          if (high_surrogate && !(unit >= 0xdc00 && unit <= 0xdfff))
            return fail (s, "a lone surrogate \\u escape");
          high_surrogate = unit >= 0xd800 && unit <= 0xdbff;
          continue;
        }
      else if (!strchr ("\"\\/bfnrt", c) || c == '\0')
        return fail (s, "a bad escape");
    }
  return fail (s, "an unterminated string");
}

static gboolean
scan_digits (Scanner *s)
{
  const char *start = s->p;

  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return s->p > start;
}

static gboolean
scan_number (Scanner *s)
{
  if (*s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (!scan_digits (s))
    return fail (s, "a bad number");
  if (s->p < s->end && *s->p == '.')
    {
      s->p++;
      if (!scan_digits (s))
        return fail (s, "a bad number");
    }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      s->p++;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        s->p++;
      if (!scan_digits (s))
        return fail (s, "a bad number");
    }
  return TRUE;
}

static gboolean
scan_container (Scanner *s,
                int      depth,
                char     close)
{
  gboolean first = TRUE;

  if (depth >= SESAME_JSON_MAX_DEPTH)
    return fail (s, "nesting that is too deep");
  s->p++;
  for (;;)
    {
      skip_ws (s);
      if (s->p >= s->end)
        return fail (s, "an unterminated object or array");
      if (*s->p == close)
        {
          if (!first)
            return fail (s, "a trailing comma");
          s->p++;
          return TRUE;
        }
      if (close == '}')
        {
          if (*s->p != '"')
            return fail (s, "an object key that is not a double-quoted string");
          if (!scan_string (s))
            return FALSE;
          skip_ws (s);
          if (s->p >= s->end || *s->p != ':')
            return fail (s, "a missing ':'");
          s->p++;
        }
      if (!scan_value (s, depth + 1))
        return FALSE;
      skip_ws (s);
      if (s->p < s->end && *s->p == ',')
        {
          s->p++;
          first = FALSE;
          skip_ws (s);
          if (s->p < s->end && *s->p == close)
            return fail (s, "a trailing comma");
          continue;
        }
      if (s->p < s->end && *s->p == close)
        {
          s->p++;
          return TRUE;
        }
      return fail (s, "a missing ',' or closing bracket");
    }
}

static gboolean
scan_value (Scanner *s,
            int      depth)
{
  skip_ws (s);
  if (s->p >= s->end)
    return fail (s, "a missing value");
  switch (*s->p)
    {
    case '{': return scan_container (s, depth, '}');
    case '[': return scan_container (s, depth, ']');
    case '"': return scan_string (s);
    case 't': return scan_literal (s, "true");
    case 'f': return scan_literal (s, "false");
    case 'n': return scan_literal (s, "null");
    default:
      if (*s->p == '-' || g_ascii_isdigit (*s->p))
        return scan_number (s);
      return fail (s, "unexpected characters (comments and single quotes are not JSON)");
    }
}

gboolean
sesame_json_check_syntax (const char *text,
                          gsize       len,
                          char      **problem)
{
  Scanner s = { text, text + len, NULL };

  if (scan_value (&s, 0))
    {
      skip_ws (&s);
      if (s.p == s.end)
        return TRUE;
      fail (&s, "text after the JSON value");
    }
  if (problem)
    *problem = g_strdup_printf ("%s at byte %" G_GSSIZE_FORMAT, s.problem, (gssize) (s.p - text));
  return FALSE;
}

JsonNode *
sesame_json_parse_strict (const char *text,
                          gsize       len,
                          char      **problem)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;

  if (!sesame_json_check_syntax (text, len, problem))
    return NULL;
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, text, (gssize) len, &error))
    {
      if (problem)
        *problem = g_strdup (error->message);
      return NULL;
    }
  return json_parser_steal_root (parser);
}

JsonObject *
sesame_json_member_object (JsonObject *object,
                           const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
sesame_json_member_array (JsonObject *object,
                          const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

const char *
sesame_json_member_string (JsonObject *object,
                           const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  if (!node || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gboolean
sesame_json_member_true (JsonObject *object,
                         const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

void
sesame_json_builder_add_string (JsonBuilder *builder,
                                const char  *member,
                                const char  *value)
{
  json_builder_set_member_name (builder, member);
  if (value)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}
