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

G_END_DECLS
