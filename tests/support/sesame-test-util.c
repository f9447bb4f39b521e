/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-test-util.h"
#include "sesame-base64.h"

#include <glib/gstdio.h>
#include <string.h>

JsonArray *
sesame_test_load_cases (const char *file)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "vectors", file, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  return json_array_ref (json_object_get_array_member (root, "cases"));
}

GBytes *
sesame_test_b64url (const char *text)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = sesame_base64url_decode (text, &error);

  g_assert_no_error (error);
  return bytes;
}

gint64
sesame_test_parse_time (const char *iso8601)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (iso8601, NULL);

  g_assert_nonnull (time);
  return g_date_time_to_unix (time);
}

static GStrv
strv_from_member (JsonObject *object,
                  const char *member)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonArray *array;

  if (!node || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  builder = g_strv_builder_new ();
  if (JSON_NODE_HOLDS_VALUE (node))
    {
      g_strv_builder_add (builder, json_node_get_string (node));
      return g_strv_builder_end (builder);
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_strv_builder_add (builder, json_array_get_string_element (array, i));
  return g_strv_builder_end (builder);
}

static gboolean
get_bool (JsonObject *object,
          const char *member,
          gboolean    fallback)
{
  return json_object_has_member (object, member) ?
         json_object_get_boolean_member (object, member) : fallback;
}

SesameTestExpectations *
sesame_test_expectations_new (JsonObject *test_case,
                              const char *fmt)
{
  SesameTestExpectations *e = g_new0 (SesameTestExpectations, 1);
  const char *challenge = json_object_get_string_member (test_case, "expectedChallenge");
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  sesame_verify_options_init (&e->options);

  /* A few upstream tests expect a challenge that is not base64url at all
   * ("shouldhavebeenthisvalue"); it stands for whatever bytes it spells. */
  e->challenge = sesame_base64url_decode (challenge, &error);
  if (!e->challenge)
    e->challenge = g_bytes_new (challenge, strlen (challenge));

  e->origins = strv_from_member (test_case, "expectedOrigin");
  e->rp_ids = strv_from_member (test_case, "expectedRPID");
  if (!e->rp_ids)
    {
      /* No RP ID given: use the browser's default, the origin's host. */
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      for (char **origin = e->origins; *origin; origin++)
        {
          g_autoptr(GUri) uri = g_uri_parse (*origin, G_URI_FLAGS_NONE, NULL);
          g_assert_nonnull (uri);
          g_strv_builder_add (builder, g_uri_get_host (uri));
        }
      e->rp_ids = g_strv_builder_end (builder);
    }
  e->types = strv_from_member (test_case, "expectedType");
  e->top_origins = strv_from_member (test_case, "expectedTopOrigin");

  e->options.challenge = e->challenge;
  e->options.origins = (const char * const *) e->origins;
  e->options.rp_ids = (const char * const *) e->rp_ids;
  e->options.types = (const char * const *) e->types;
  e->options.top_origins = (const char * const *) e->top_origins;
  e->options.allow_cross_origin = get_bool (test_case, "allowCrossOrigin", FALSE);
  e->options.require_user_presence = get_bool (test_case, "requireUserPresence", TRUE);
  e->options.require_user_verification = get_bool (test_case, "requireUserVerification", FALSE);
  e->options.safetynet_enforce_cts = get_bool (test_case, "safetyNetEnforceCTSCheck", TRUE);
  if (json_object_has_member (test_case, "verificationTime"))
    e->options.verification_time =
      sesame_test_parse_time (json_object_get_string_member (test_case, "verificationTime"));

  /* The SafetyNet fixtures are years old; their upstream tests verify them
   * with the timestamp check switched off, and say so in the basis. */
  node = json_object_get_member (json_object_get_object_member (test_case, "expected"), "basis");
  if (node && strstr (json_node_get_string (node), "verifyTimestampMS:false"))
    e->options.safetynet_max_age_ms = 0;

  e->anchors = sesame_trust_anchors_new ();
  node = json_object_get_member (test_case, "attestationRootCertificates");
  if (node)
    {
      JsonArray *roots = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (roots); i++)
        {
          g_autoptr(GBytes) der = sesame_base64_decode_strict (
            json_array_get_string_element (roots, i), &error);
          g_assert_no_error (error);
          g_assert_true (sesame_trust_anchors_add_der (e->anchors, NULL,
                                                       g_bytes_get_data (der, NULL),
                                                       g_bytes_get_size (der), &error));
          g_assert_no_error (error);
        }
    }
  node = json_object_get_member (test_case, "referenceRootCertificatesPEM");
  if (node && fmt && json_object_has_member (json_node_get_object (node), fmt))
    {
      JsonArray *pems = json_object_get_array_member (json_node_get_object (node), fmt);
      for (guint i = 0; i < json_array_get_length (pems); i++)
        {
          g_assert_true (sesame_trust_anchors_add_pem (e->anchors, fmt,
                                                       json_array_get_string_element (pems, i),
                                                       &error));
          g_assert_no_error (error);
        }
    }
  e->n_anchors_for_fmt = fmt ? sesame_trust_anchors_count (e->anchors, fmt) : 0;
  e->options.trust_anchors = e->anchors;
  return e;
}

void
sesame_test_expectations_free (SesameTestExpectations *e)
{
  if (!e)
    return;
  g_bytes_unref (e->challenge);
  g_strfreev (e->origins);
  g_strfreev (e->rp_ids);
  g_strfreev (e->types);
  g_strfreev (e->top_origins);
  sesame_trust_anchors_unref (e->anchors);
  g_free (e);
}

/* GTest paths may not contain every character a case name has. */
char *
sesame_test_path_for_name (const char *prefix,
                           const char *name)
{
  g_autoptr(GString) path = g_string_new (prefix);

  for (const char *p = name; *p; p++)
    g_string_append_c (path, g_ascii_isalnum (*p) || *p == '/' || *p == '-' || *p == '_' ? *p : '-');
  return g_string_free (g_steal_pointer (&path), FALSE);
}

void
sesame_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir)
    while ((name = g_dir_read_name (dir)))
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          sesame_test_remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}
