/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "fuzz-common.h"
#include "sesame-bridge-error.h"
#include "sesame-client-data.h"
#include "sesame-credential-options.h"
#include "sesame-json.h"
#include "sesame-rp-id.h"

#include <openssl/sha.h>

/* What a page sends through the credentials bridge for
 * navigator.credentials.create() and .get(): the body of the relay's
 * message ({"kind", "id", "publicKey", "mediation"}, buffers as base64url)
 * as the bridge parses it, its publicKey member read into native options
 * for a page on each of two origins (http on localhost, and https on a
 * host under a public suffix, so that the RP ID rule has a registrable
 * domain to compare with). The options the bridge accepts must be within
 * its limits, and the clientDataJSON it writes must be what the relying
 * party's own parser (src/core) reads back: the same type, challenge and
 * origin. */

static const struct
{
  const char *origin;
  const char *host;
} pages[] = {
  { "http://localhost:7878", "localhost" },
  { "https://login.example.co.uk", "login.example.co.uk" },
};

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init ();
  return 0;
}

static void
check_text (const char *text,
            gboolean    required)
{
  if (!text)
    {
      g_assert_false (required);
      return;
    }
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_cmpuint (strlen (text), <=, SESAME_REQUEST_MAX_STRING);
}

static void
check_options (const SesameCredentialOptions *options,
               SesameCredentialRequestKind    kind,
               const char                    *origin,
               const char                    *host)
{
  g_autoptr(SesameClientData) client_data = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *again = NULL;
  gsize len;
  const guint8 *json = g_bytes_get_data (options->client_data_json, &len);
  guint8 hash[SHA256_DIGEST_LENGTH];

  g_assert_cmpint (options->kind, ==, kind);
  g_assert_cmpstr (options->origin, ==, origin);
  g_assert_cmpuint (g_bytes_get_size (options->challenge), <=, SESAME_REQUEST_MAX_CHALLENGE);
  g_assert_cmpuint (options->timeout_ms, >=, SESAME_REQUEST_MIN_TIMEOUT_MS);
  g_assert_cmpuint (options->timeout_ms, <=, SESAME_REQUEST_MAX_TIMEOUT_MS);
  g_assert_cmpuint (options->credential_ids->len, <=, SESAME_REQUEST_MAX_DESCRIPTORS);
  for (guint i = 0; i < options->credential_ids->len; i++)
    g_assert_cmpuint (g_bytes_get_size (g_ptr_array_index (options->credential_ids, i)), <=,
                      SESAME_REQUEST_MAX_ID);

  /* The RP ID is one the page's host may use, and using it again gives it
   * back. */
  check_text (options->rp_id, TRUE);
  again = sesame_rp_id_resolve (options->rp_id, host, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, options->rp_id);

  if (kind == SESAME_CREDENTIAL_REQUEST_CREATE)
    {
      check_text (options->rp_name, TRUE);
      check_text (options->user_name, TRUE);
      check_text (options->user_display_name, TRUE);
      g_assert_cmpuint (g_bytes_get_size (options->user_handle), >=, 1);
      g_assert_cmpuint (g_bytes_get_size (options->user_handle), <=, SESAME_REQUEST_MAX_USER_ID);
      g_assert_cmpuint (options->algorithms->len, >, 0);
    }

  /* The client data, as the relying party reads it. */
  client_data = sesame_client_data_parse (json, len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (client_data->type, ==,
                   kind == SESAME_CREDENTIAL_REQUEST_CREATE ? "webauthn.create" : "webauthn.get");
  g_assert_cmpstr (client_data->origin, ==, origin);
  g_assert_true (client_data->has_cross_origin && !client_data->cross_origin);
  g_assert_true (g_bytes_equal (client_data->challenge_bytes, options->challenge));
  SHA256 (json, len, hash);
  g_assert_cmpmem (g_bytes_get_data (options->client_data_hash, NULL),
                   g_bytes_get_size (options->client_data_hash), hash, sizeof hash);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *problem = NULL;
  g_autoptr(JsonNode) root = NULL;
  SesameCredentialRequestKind kind;
  JsonObject *body;
  JsonNode *public_key, *kind_node;

  /* The bridge's first steps with the body (sesame-credentials-bridge.c):
   * a JSON object, a kind, a publicKey object. */
  root = sesame_json_parse_strict ((const char *) data, size, &problem);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return 0;
  body = json_node_get_object (root);
  kind_node = json_object_get_member (body, "kind");
  if (!kind_node || !JSON_NODE_HOLDS_VALUE (kind_node) ||
      json_node_get_value_type (kind_node) != G_TYPE_STRING)
    return 0;
  if (g_str_equal (json_node_get_string (kind_node), "create"))
    kind = SESAME_CREDENTIAL_REQUEST_CREATE;
  else if (g_str_equal (json_node_get_string (kind_node), "get"))
    kind = SESAME_CREDENTIAL_REQUEST_GET;
  else
    return 0;
  public_key = json_object_get_member (body, "publicKey");
  if (!public_key || !JSON_NODE_HOLDS_OBJECT (public_key))
    return 0;

  for (gsize i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SesameCredentialOptions) options = NULL;

      options = sesame_credential_options_parse (kind, pages[i].origin, pages[i].host,
                                                 json_node_get_object (public_key), &error);
      fuzz_check_result (options != NULL, error, SESAME_BRIDGE_ERROR);
      if (options)
        check_options (options, kind, pages[i].origin, pages[i].host);
      else
        g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
  return 0;
}
