/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SESAME_JSON_MAX_DEPTH 64

/* RFC 8259 syntax, strictly: one value, no comments, no single quotes, no
 * trailing text, and no \u0000 (C strings would end there). json-glib 1.6
 * accepts all of those, so input from the outside is checked here first. */
gboolean sesame_json_check_syntax (const char *text,
                                   gsize       len,
                                   char      **problem);

/* The one way outside JSON is parsed here: sesame_json_check_syntax(),
 * then json-glib. Returns the root node (owned), or NULL with @problem
 * (owned) saying what is wrong. */
JsonNode *sesame_json_parse_strict (const char *text,
                                    gsize       len,
                                    char      **problem);

/* Members of a parsed JSON object, read without trusting its shape: NULL
 * (FALSE) when @object is NULL or the member is missing or of another type. */
JsonObject *sesame_json_member_object (JsonObject *object,
                                      const char *member);
JsonArray  *sesame_json_member_array  (JsonObject *object,
                                      const char *member);
const char *sesame_json_member_string (JsonObject *object,
                                      const char *member);
/* TRUE only for a boolean member that is true. */
gboolean    sesame_json_member_true   (JsonObject *object,
                                      const char *member);

/* Adds @member with the string @value, or with null when @value is NULL. */
void        sesame_json_builder_add_string (JsonBuilder *builder,
                                            const char  *member,
                                            const char  *value);

G_END_DECLS
