/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The Client API: what @authsignal/browser (and Sesame's Web SDK) call
 * from the page, authenticated with the tenant ID or an action token.
 *
 * HTTP only: each handler reads its JSON body, calls the ceremony rules of
 * src/tenant (sesame-ceremony-rules.h), which check, consume the challenge,
 * verify and record, and shapes their result as the wire expects. A
 * ceremony's attempt that the rules judged (and logged) answers with
 * isVerified: false beside the error. */

#include "config.h"

#include "sesame-base64.h"
#include "sesame-server-private.h"
#include "sesame-tenant-settings.h"

#include <string.h>

/* The token of a Bearer request; NULL when the tenant ID authenticated it. */
static const SesameTokenClaims *
request_claims (SesameRequest *req)
{
  return req->auth == SESAME_AUTH_TOKEN ? req->claims : NULL;
}

static void
mark_not_verified (SesameReply *reply)
{
  sesame_reply_add_error_member (reply, "isVerified", json_node_init_boolean (json_node_alloc (),
                                 FALSE));
}

/* Request bodies */

static SesameCredentialJson *
parse_credential (JsonObject *body,
                  const char *member,
                  gboolean    registration,
                  GError    **error)
{
  JsonNode *node = json_object_get_member (body, member);
  g_autoptr(GError) local_error = NULL;
  SesameCredentialJson *credential;

  if (!node || JSON_NODE_HOLDS_NULL (node))
    return sesame_api_fail (error, SESAME_API_ERROR_INVALID_REQUEST, "The request needs \"%s\"",
                             member), NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return sesame_api_fail (error, SESAME_API_ERROR_INVALID_REQUEST, "\"%s\" must be an object",
                             member), NULL;
  credential = sesame_credential_json_parse (node, registration, &local_error);
  if (!credential)
    {
      /* A missing or mistyped member is bad input, not a bad credential. */
      if (g_error_matches (local_error, SESAME_WEBAUTHN_ERROR,
                           SESAME_WEBAUTHN_ERROR_BAD_CREDENTIAL))
        sesame_api_fail (error, SESAME_API_ERROR_INVALID_REQUEST, "\"%s\": %s", member,
                         local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (g_bytes_get_size (credential->raw_id) == 0 ||
      g_bytes_get_size (credential->raw_id) > SESAME_CREDENTIAL_ID_MAX_LEN)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_CREDENTIAL_ID_TOO_LONG,
                   "A credential id is 1 to %d bytes; this one is %" G_GSIZE_FORMAT,
                   SESAME_CREDENTIAL_ID_MAX_LEN, g_bytes_get_size (credential->raw_id));
      sesame_credential_json_free (credential);
      return NULL;
    }
  return credential;
}

/* JSON */

static void
add_credential_descriptors (JsonBuilder *builder,
                            GPtrArray   *passkeys)
{
  json_builder_begin_array (builder);
  for (guint i = 0; passkeys && i < passkeys->len; i++)
    {
      SesamePasskey *passkey = g_ptr_array_index (passkeys, i);
      g_autofree char *id = sesame_base64url_encode_bytes (passkey->credential_id);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, id);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "public-key");
      if (passkey->transports && passkey->transports[0])
        {
          json_builder_set_member_name (builder, "transports");
          json_builder_begin_array (builder);
          for (guint j = 0; passkey->transports[j]; j++)
            json_builder_add_string_value (builder, passkey->transports[j]);
          json_builder_end_array (builder);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

/* C1: POST /client/challenge {action, idempotencyKey?} → {challengeId}. The SDK
 * sends it only for signIn({action}), so the action is required. */

gboolean
sesame_client_api_challenge (SesameRequest  *req,
                             SesameReply    *reply,
                             GError        **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SesameChallenge) challenge = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  const char *code, *idempotency_key;
  JsonObject *body;

  root = sesame_request_read_object (req, error);
  if (!root)
    return FALSE;
  body = json_node_get_object (root);
  if (!sesame_json_get_string (body, "action", TRUE, SESAME_ACTION_CODE_MAX_LEN, &code, error) ||
      !sesame_json_get_string (body, "idempotencyKey", FALSE, SESAME_ID_MAX_LEN,
                               &idempotency_key, error))
    return FALSE;
  challenge = sesame_tenant_begin_sign_in (req->store, req->tenant, &req->caller,
                                           request_claims (req), code, idempotency_key, error);
  if (!challenge)
    return FALSE;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "challengeId", challenge->id);
  json_builder_end_object (builder);
  sesame_reply_builder (reply, SOUP_STATUS_OK, builder);
  return TRUE;
}

/* C2: POST /client/user-authenticators/passkey/registration-options
 * {username?, displayName?, authenticatorAttachment?} → {challengeId, options} */

static void
add_registration_options (JsonBuilder        *builder,
                          const SesameTenant *tenant,
                          SesameChallenge    *challenge,
                          const SesameUser   *user,
                          SesameAttachment    attachment,
                          GPtrArray          *passkeys)
{
  g_autofree char *challenge_text = sesame_base64url_encode_bytes (challenge->bytes);
  g_autoptr(GBytes) handle = sesame_tenant_user_handle (tenant, user->user_id);
  g_autofree char *handle_text = sesame_base64url_encode_bytes (handle);
  const char *name = user->username ? user->username : user->user_id;

  json_builder_set_member_name (builder, "options");
  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "challenge", challenge_text);

  json_builder_set_member_name (builder, "rp");
  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "id", tenant->rp_id);
  sesame_json_add_string (builder, "name", tenant->rp_name);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "user");
  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "id", handle_text);
  sesame_json_add_string (builder, "name", name);
  sesame_json_add_string (builder, "displayName", user->display_name ? user->display_name : name);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "pubKeyCredParams");
  json_builder_begin_array (builder);
  for (gsize i = 0; i < tenant->n_allowed_algorithms; i++)
    {
      json_builder_begin_object (builder);
      sesame_json_add_string (builder, "type", "public-key");
      sesame_json_add_int (builder, "alg", tenant->allowed_algorithms[i]);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  sesame_json_add_int (builder, "timeout", tenant->challenge_lifetime * 1000);
  sesame_json_add_string (builder, "attestation", tenant->attestation);

  json_builder_set_member_name (builder, "authenticatorSelection");
  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "residentKey", "required");
  sesame_json_add_boolean (builder, "requireResidentKey", TRUE);
  sesame_json_add_string (builder, "userVerification", tenant->user_verification);
  sesame_json_add_string (builder, "authenticatorAttachment",
                          sesame_attachment_to_string (attachment));
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "excludeCredentials");
  add_credential_descriptors (builder, passkeys);

  json_builder_set_member_name (builder, "extensions");
  json_builder_begin_object (builder);
  sesame_json_add_boolean (builder, "credProps", TRUE);
  json_builder_end_object (builder);

  json_builder_end_object (builder);
}

gboolean
sesame_client_api_registration_options (SesameRequest  *req,
                                        SesameReply    *reply,
                                        GError        **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SesameRegistrationOptions) options = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  const char *username, *display_name, *attachment_text;
  SesameAttachment attachment;
  JsonObject *body;

  root = sesame_request_read_object (req, error);
  if (!root)
    return FALSE;
  body = json_node_get_object (root);
  if (!sesame_json_get_string (body, "username", FALSE, SESAME_ID_MAX_LEN, &username, error) ||
      !sesame_json_get_string (body, "displayName", FALSE, SESAME_ID_MAX_LEN, &display_name,
                               error) ||
      !sesame_json_get_string (body, "authenticatorAttachment", FALSE, 32, &attachment_text,
                               error))
    return FALSE;
  /* The SDKs send "" for "not given". */
  if (username && !*username)
    username = NULL;
  if (display_name && !*display_name)
    display_name = NULL;
  if (!sesame_attachment_from_string (attachment_text, &attachment))
    return sesame_api_fail (error, SESAME_API_ERROR_INVALID_REQUEST,
                            "\"authenticatorAttachment\" is \"platform\" or \"cross-platform\"");

  options = sesame_tenant_begin_registration (req->store, req->tenant, &req->caller, req->claims,
                                              username, display_name, attachment, error);
  if (!options)
    return FALSE;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "challengeId", options->challenge->id);
  add_registration_options (builder, req->tenant, options->challenge, options->user,
                            options->attachment, options->passkeys);
  json_builder_end_object (builder);
  sesame_reply_builder (reply, SOUP_STATUS_OK, builder);
  return TRUE;
}

/* C3: POST /client/user-authenticators/passkey
 * {registrationCredential, challengeId, conditionalCreate?}
 * → {isVerified, accessToken, userAuthenticatorId, userId, userAuthenticator} */

gboolean
sesame_client_api_add_passkey (SesameRequest  *req,
                               SesameReply    *reply,
                               GError        **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SesameCredentialJson) credential = NULL;
  g_autoptr(SesameCeremonyResult) result = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *token = NULL;
  const char *challenge_id;
  gboolean conditional_create;
  gboolean judged = FALSE;
  JsonObject *body;

  root = sesame_request_read_object (req, error);
  if (!root)
    return FALSE;
  body = json_node_get_object (root);
  if (!sesame_json_get_string (body, "challengeId", TRUE, SESAME_ID_MAX_LEN, &challenge_id,
                               error) ||
      !sesame_json_get_boolean (body, "conditionalCreate", &conditional_create, error))
    return FALSE;
  credential = parse_credential (body, "registrationCredential", TRUE, error);
  if (!credential)
    return FALSE;

  result = sesame_tenant_finish_registration (req->store, req->tenant, &req->caller, req->claims,
                                              challenge_id, credential, conditional_create,
                                              &judged, error);
  if (!result)
    {
      if (judged)
        mark_not_verified (reply);
      return FALSE;
    }

  token = sesame_server_issue_token (req, req->tenant, result->action,
                                     SESAME_SCOPE_READ_AUTHENTICATORS, error);
  if (!token)
    return FALSE;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_json_add_boolean (builder, "isVerified", TRUE);
  sesame_json_add_string (builder, "accessToken", token);
  sesame_json_add_string (builder, "userAuthenticatorId", result->passkey->id);
  sesame_json_add_string (builder, "userId", result->action->user_id);
  json_builder_set_member_name (builder, "userAuthenticator");
  sesame_json_add_authenticator (builder, result->passkey, result->user);
  json_builder_end_object (builder);
  sesame_reply_builder (reply, SOUP_STATUS_OK, builder);
  return TRUE;
}

/* C4: POST /client/user-authenticators/passkey/authentication-options
 * {challengeId?, username?} → {challengeId, options} */

gboolean
sesame_client_api_authentication_options (SesameRequest  *req,
                                          SesameReply    *reply,
                                          GError        **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SesameAuthenticationOptions) options = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *challenge_text = NULL;
  const char *previous_id, *username;
  JsonObject *body;

  root = sesame_request_read_object (req, error);
  if (!root)
    return FALSE;
  body = json_node_get_object (root);
  if (!sesame_json_get_string (body, "challengeId", FALSE, SESAME_ID_MAX_LEN, &previous_id,
                               error) ||
      !sesame_json_get_string (body, "username", FALSE, SESAME_ID_MAX_LEN, &username, error))
    return FALSE;
  if (previous_id && !*previous_id)
    previous_id = NULL;

  options = sesame_tenant_begin_authentication (req->store, req->tenant, &req->caller,
                                                request_claims (req), previous_id, username,
                                                error);
  if (!options)
    return FALSE;

  challenge_text = sesame_base64url_encode_bytes (options->challenge->bytes);
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "challengeId", options->challenge->id);
  json_builder_set_member_name (builder, "options");
  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "challenge", challenge_text);
  sesame_json_add_string (builder, "rpId", req->tenant->rp_id);
  sesame_json_add_int (builder, "timeout", req->tenant->challenge_lifetime * 1000);
  sesame_json_add_string (builder, "userVerification", req->tenant->user_verification);
  json_builder_set_member_name (builder, "allowCredentials");
  add_credential_descriptors (builder, options->passkeys);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  sesame_reply_builder (reply, SOUP_STATUS_OK, builder);
  return TRUE;
}

/* C5: POST /client/verify/passkey {authenticationCredential, challengeId, deviceId?}
 * → {isVerified, accessToken, userId, userAuthenticatorId, username, userDisplayName} */

gboolean
sesame_client_api_verify_passkey (SesameRequest  *req,
                                  SesameReply    *reply,
                                  GError        **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SesameCredentialJson) credential = NULL;
  g_autoptr(SesameCeremonyResult) result = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *token = NULL;
  const char *challenge_id, *device_id;
  gboolean judged = FALSE;
  JsonObject *body;

  root = sesame_request_read_object (req, error);
  if (!root)
    return FALSE;
  body = json_node_get_object (root);
  /* deviceId is checked for its type only: the local tenant has no devices. */
  if (!sesame_json_get_string (body, "challengeId", TRUE, SESAME_ID_MAX_LEN, &challenge_id,
                               error) ||
      !sesame_json_get_string (body, "deviceId", FALSE, SESAME_ID_MAX_LEN, &device_id, error))
    return FALSE;
  credential = parse_credential (body, "authenticationCredential", FALSE, error);
  if (!credential)
    return FALSE;

  result = sesame_tenant_finish_authentication (req->store, req->tenant, &req->caller,
                                                request_claims (req), challenge_id, credential,
                                                &judged, error);
  if (!result)
    {
      if (judged)
        mark_not_verified (reply);
      return FALSE;
    }

  token = sesame_server_issue_token (req, req->tenant, result->action,
                                     SESAME_SCOPE_READ_AUTHENTICATORS, error);
  if (!token)
    return FALSE;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_json_add_boolean (builder, "isVerified", TRUE);
  sesame_json_add_string (builder, "accessToken", token);
  sesame_json_add_string (builder, "userId", result->passkey->user_id);
  sesame_json_add_string (builder, "userAuthenticatorId", result->passkey->id);
  if (result->user)
    {
      sesame_json_add_string (builder, "username", result->user->username);
      sesame_json_add_string (builder, "userDisplayName", result->user->display_name);
    }
  json_builder_end_object (builder);
  sesame_reply_builder (reply, SOUP_STATUS_OK, builder);
  return TRUE;
}

/* C6: GET /client/user-authenticators/passkey?credentialIds=a,b
 * → 200 {credentialId, verifiedAt} when any is known, else 404 */

#define CREDENTIAL_IDS_MAX 64

gboolean
sesame_client_api_passkey_exists (SesameRequest  *req,
                                  SesameReply    *reply,
                                  GError        **error)
{
  g_auto(GStrv) ids = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  const char *param = req->query ? g_hash_table_lookup (req->query, "credentialIds") : NULL;
  guint n_ids;

  if (!sesame_tenant_check_passkeys_set_up (req->tenant, error))
    return FALSE;
  if (!param || !*param)
    return sesame_api_fail (error, SESAME_API_ERROR_INVALID_REQUEST,
                            "The request needs ?credentialIds=<id>,<id>…");
  ids = g_strsplit (param, ",", -1);
  n_ids = g_strv_length (ids);
  if (n_ids > CREDENTIAL_IDS_MAX)
    return sesame_api_fail (error, SESAME_API_ERROR_INVALID_REQUEST,
                            "At most %d credential ids can be asked about at once",
                            CREDENTIAL_IDS_MAX);

  /* Every id is decoded before any is looked up: bad input gets one
   * answer, whatever the store holds. */
  {
    g_autoptr(GPtrArray) decoded = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

    for (guint i = 0; i < n_ids; i++)
      {
        GBytes *bytes = sesame_base64url_decode (ids[i], error);

        if (!bytes)
          return FALSE;
        if (g_bytes_get_size (bytes) == 0)
          {
            g_bytes_unref (bytes);
            return sesame_api_fail (error, SESAME_API_ERROR_INVALID_REQUEST,
                                    "Credential id %u is empty", i + 1);
          }
        g_ptr_array_add (decoded, bytes);
      }

    for (guint i = 0; i < decoded->len; i++)
      {
        g_autoptr(GError) local_error = NULL;
        g_autoptr(SesamePasskey) passkey =
          sesame_store_find_passkey (req->store, req->tenant->id,
                                     g_ptr_array_index (decoded, i), &local_error);

        if (!passkey)
          {
            if (!sesame_store_error_is_not_found (local_error))
              {
                g_propagate_error (error, g_steal_pointer (&local_error));
                return FALSE;
              }
            continue;
          }
        builder = json_builder_new ();
        json_builder_begin_object (builder);
        sesame_json_add_string (builder, "credentialId", ids[i]);
        sesame_json_add_time (builder, "verifiedAt",
                              passkey->last_used ? passkey->last_used : passkey->created);
        json_builder_end_object (builder);
        sesame_reply_builder (reply, SOUP_STATUS_OK, builder);
        return TRUE;
      }
  }

  g_set_error_literal (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_UNKNOWN_CREDENTIAL,
                       "This tenant has none of these passkeys");
  return FALSE;
}

/* C7: GET /client/user-authenticators (Bearer) → Authenticator[] */

gboolean
sesame_client_api_list_authenticators (SesameRequest  *req,
                                       SesameReply    *reply,
                                       GError        **error)
{
  g_autoptr(GPtrArray) passkeys = NULL;
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(JsonBuilder) builder = NULL;

  if (!sesame_scope_check_read_passkeys (req->claims, error))
    return FALSE;
  passkeys = sesame_store_list_passkeys (req->store, req->tenant->id, req->claims->user_id,
                                         error);
  if (!passkeys)
    return FALSE;
  user = sesame_store_get_user (req->store, req->tenant->id, req->claims->user_id, NULL);

  builder = json_builder_new ();
  json_builder_begin_array (builder);
  for (guint i = 0; i < passkeys->len; i++)
    sesame_json_add_authenticator (builder, g_ptr_array_index (passkeys, i), user);
  json_builder_end_array (builder);
  sesame_reply_builder (reply, SOUP_STATUS_OK, builder);
  return TRUE;
}
