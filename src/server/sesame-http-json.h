/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Private to src/server: reading JSON members from request bodies and the
 * JSON shapes both APIs answer with. */

#include <json-glib/json-glib.h>

#include "sesame-store.h"

G_BEGIN_DECLS

/* JSON members. Absent and null read as NULL; anything but a string (or a
 * boolean) is an invalid_request error that names the member. */
gboolean sesame_json_get_string          (JsonObject          *object,
                                          const char          *member,
                                          gboolean             required,
                                          gsize                max_len,
                                          const char         **out,
                                          GError             **error);
gboolean sesame_json_get_boolean         (JsonObject          *object,
                                          const char          *member,
                                          gboolean            *out,
                                          GError             **error);

/* JSON members; a NULL string adds nothing, as absent fields are omitted
 * on the wire. */
void     sesame_json_add_string          (JsonBuilder         *builder,
                                          const char          *member,
                                          const char          *value);
void     sesame_json_add_int             (JsonBuilder         *builder,
                                          const char          *member,
                                          gint64               value);
void     sesame_json_add_boolean         (JsonBuilder         *builder,
                                          const char          *member,
                                          gboolean             value);
char    *sesame_http_format_time         (gint64               usec);
void     sesame_json_add_time            (JsonBuilder         *builder,
                                          const char          *member,
                                          gint64               usec);

/* JSON shapes both APIs share. */
void     sesame_json_add_authenticator   (JsonBuilder         *builder,
                                          const SesamePasskey *passkey,
                                          const SesameUser    *user);
/* The members of an action object (the caller begins and ends it). */
void     sesame_json_add_action_members  (JsonBuilder         *builder,
                                          const SesameAction  *action);

G_END_DECLS
