/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "sesame-webauthn.h"

G_BEGIN_DECLS

/* Everything a conformance case says the relying party expects, owned in
 * one place so that options (which only borrows) stay valid. */
typedef struct
{
  SesameVerifyOptions  options;
  GBytes              *challenge;
  GStrv                origins;
  GStrv                rp_ids;
  GStrv                types;
  GStrv                top_origins;
  SesameTrustAnchors  *anchors;
  guint                n_anchors_for_fmt;
} SesameTestExpectations;

JsonArray              *sesame_test_load_cases          (const char  *file);
GBytes                 *sesame_test_b64url              (const char  *text);
SesameTestExpectations *sesame_test_expectations_new    (JsonObject  *test_case,
                                                         const char  *fmt);
void                    sesame_test_expectations_free   (SesameTestExpectations *expectations);
gint64                  sesame_test_parse_time          (const char  *iso8601);
char                   *sesame_test_path_for_name       (const char  *prefix,
                                                         const char  *name);
/* rm -r */
void                    sesame_test_remove_tree         (const char  *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameTestExpectations, sesame_test_expectations_free)

G_END_DECLS
