/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The Client API: what @authsignal/browser (and Sesame's Web SDK) call
 * from the page, authenticated with the tenant ID or an action token.
 *
 * A ceremony's request is checked in full before anything changes: the
 * body's shape, every base64url buffer, the client data and authenticator
 * data (and the attestation object's CBOR), the token, and whether the
 * credential is known at all. Then the challenge is consumed, atomically,
 * so that a replay or an expired challenge is reported as such and changes
 * nothing. From that point on the challenge stays used whatever happens,
 * so a retry needs new options: a refusal that says nothing about the
 * credential (the challenge was for another action, the action is already
 * complete, the token lacks a scope) is logged as an event; a failed
 * verification also fails the action (CHALLENGE_FAILED). */

#include "config.h"

#include "sesame-authenticator-data.h"
#include "sesame-base64.h"
#include "sesame-cbor.h"
#include "sesame-client-data.h"
#include "sesame-cose-key.h"
#include "sesame-server-private.h"
#include "sesame-webauthn.h"

#include <openssl/rand.h>
#include <string.h>

static void
reply_failure (SesameRequest *req,
               const GError  *error)
{
  sesame_request_reply_error (req, error, NULL, 0);
}

/* Challenge ids */

static char *
random_uuid (GError **error)
{
  guint8 b[16];

  if (RAND_bytes (b, sizeof b) != 1)
    {
      sesame_api_fail (error, SESAME_API_ERROR_INTERNAL, "The system's random number generator failed");
      return NULL;
    }
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                          b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* A sign-in that starts without a tracked action has no action row until
 * the credential names its user, so its challenge id carries the action
 * code: "<uuid>.<code>". Action codes cannot hold a '.'; the id is looked
 * up in the store like any other, so a client cannot forge one. */
static char *
anonymous_challenge_id (const char *action_code,
                        GError    **error)
{
  g_autofree char *uuid = random_uuid (error);

  return uuid ? g_strdup_printf ("%s.%s", uuid, action_code) : NULL;
}

static const char *
anonymous_action_code (const SesameChallenge *challenge)
{
  const char *dot = strrchr (challenge->id, '.');

  return dot && dot[1] ? dot + 1 : SESAME_DEFAULT_SIGN_IN_ACTION;
}

/* Consumes the challenge (the store marks it used and checks tenant,
 * expiry and reuse in one step), then its ceremony type: a challenge of
 * the other ceremony is used up by the attempt. */
static SesameChallenge *
consume_challenge (SesameRequest       *req,
                   const char          *challenge_id,
                   SesameChallengeType  type,
                   GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SesameChallenge) challenge = NULL;

  challenge = sesame_store_consume_challenge (req->store, req->tenant->id, challenge_id,
                                              &local_error);
  if (!challenge)
    {
      if (g_error_matches (local_error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND))
        sesame_api_fail (error, SESAME_API_ERROR_CHALLENGE_NOT_FOUND,
                   "This tenant has no challenge “%s”; ask for new options", challenge_id);
      else if (g_error_matches (local_error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_ALREADY_USED))
        sesame_api_fail (error, SESAME_API_ERROR_CHALLENGE_REPLAYED,
                   "Challenge “%s” was already used: a challenge is good for one attempt; ask "
                   "for new options", challenge_id);
      else if (g_error_matches (local_error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_EXPIRED))
        sesame_api_fail (error, SESAME_API_ERROR_CHALLENGE_EXPIRED,
                   "%s; ask for new options", local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (challenge->type != type)
    {
      sesame_api_fail (error, SESAME_API_ERROR_CHALLENGE_NOT_FOUND,
                 "Challenge “%s” is for a %s, not a %s (it is used up now)", challenge_id,
                 sesame_challenge_type_to_string (challenge->type),
                 sesame_challenge_type_to_string (type));
      return NULL;
    }
  return g_steal_pointer (&challenge);
}

/* Tokens and actions */

/* The action a Bearer token was issued for: it must still exist and still
 * be that user's action with that code. */
static SesameAction *
load_token_action (SesameRequest *req,
                   GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SesameAction) action = NULL;

  action = sesame_store_get_action (req->store, req->tenant->id, req->claims->idempotency_key,
                                    &local_error);
  if (!action)
    {
      if (g_error_matches (local_error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND))
        sesame_api_fail (error, SESAME_API_ERROR_INVALID_TOKEN,
                   "The action this token was issued for no longer exists (was its user "
                   "deleted?)");
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!g_str_equal (action->user_id, req->claims->user_id) ||
      !g_str_equal (action->action_code, req->claims->action_code))
    {
      sesame_api_fail (error, SESAME_API_ERROR_INVALID_TOKEN,
                 "The token does not match its action's user and code");
      return NULL;
    }
  return g_steal_pointer (&action);
}

/* A ceremony may run for an action while it waits for one, after a failed
 * attempt, and again after a success: its tokens stay good for their
 * lifetime (the SDK caches the last one), and a later failure does not
 * undo the success (see fail_in_transaction()). An action the backend
 * decided otherwise (ALLOW, BLOCK, REVIEW_*) takes no ceremony. */
static gboolean
check_action_open (const SesameAction *action,
                   GError            **error)
{
  if (g_str_equal (action->state, "CHALLENGE_REQUIRED") ||
      g_str_equal (action->state, "CHALLENGE_FAILED") ||
      g_str_equal (action->state, "CHALLENGE_SUCCEEDED"))
    return TRUE;
  return sesame_api_fail (error, SESAME_API_ERROR_CONFLICT,
                    "Action “%s” is %s, which takes no passkey ceremony: track the action again "
                    "for a new token", action->action_code, action->state);
}

/* Who may add a passkey: any valid token of the user while the user has
 * none; once the user has one, only a token tracked with the scope
 * "add:authenticators". The tokens returned by a ceremony carry only
 * "read:authenticators", so a sign-in never adds a passkey by itself. */
static gboolean
check_may_add_passkey (SesameRequest *req,
                       guint          n_passkeys,
                       GError       **error)
{
  if (n_passkeys == 0 ||
      sesame_token_claims_has_scope (req->claims, SESAME_SCOPE_ADD_AUTHENTICATORS))
    return TRUE;
  return sesame_api_fail (error, SESAME_API_ERROR_FORBIDDEN,
                    "User “%s” already has a passkey: adding another needs a token tracked with "
                    "scope \"add:authenticators\"", req->claims->user_id);
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

/* The parts of a registration response that can be decoded without the
 * challenge: malformed ones are refused before it is consumed. Returns the
 * authenticator data, which names the new credential. */
static SesameAuthenticatorData *
precheck_registration (const SesameCredentialJson *credential,
                       GError                    **error)
{
  g_autoptr(SesameClientData) client_data = NULL;
  g_autoptr(SesameAuthenticatorData) auth_data = NULL;
  g_autoptr(cbor_item_t) object = NULL;
  cbor_item_t *auth_item;
  const guint8 *data;
  gsize len;

  data = g_bytes_get_data (credential->client_data_json, &len);
  client_data = sesame_client_data_parse (data, len, error);
  if (!client_data)
    return NULL;

  data = g_bytes_get_data (credential->attestation_object, &len);
  object = sesame_cbor_load (data, len, NULL, "attestation object", error);
  if (!object)
    return NULL;
  auth_item = cbor_isa_map (object) ? sesame_cbor_map_get_str (object, "authData") : NULL;
  if (!sesame_cbor_is_bytes (auth_item))
    {
      g_set_error_literal (error, SESAME_WEBAUTHN_ERROR,
                           SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_OBJECT,
                           "attestation object needs a map with authData (bytes)");
      return NULL;
    }
  auth_data = sesame_authenticator_data_parse (cbor_bytestring_handle (auth_item),
                                               cbor_bytestring_length (auth_item), error);
  if (!auth_data)
    return NULL;
  if (!auth_data->has_attested_data)
    {
      g_set_error_literal (error, SESAME_WEBAUTHN_ERROR,
                           SESAME_WEBAUTHN_ERROR_ATTESTED_DATA_MISSING,
                           "authenticator data of a registration must carry the new credential "
                           "(AT flag not set)");
      return NULL;
    }
  return g_steal_pointer (&auth_data);
}

static gboolean
precheck_authentication (const SesameCredentialJson *credential,
                         GError                    **error)
{
  g_autoptr(SesameClientData) client_data = NULL;
  g_autoptr(SesameAuthenticatorData) auth_data = NULL;
  const guint8 *data;
  gsize len;

  data = g_bytes_get_data (credential->client_data_json, &len);
  client_data = sesame_client_data_parse (data, len, error);
  if (!client_data)
    return FALSE;
  data = g_bytes_get_data (credential->authenticator_data, &len);
  auth_data = sesame_authenticator_data_parse (data, len, error);
  return auth_data != NULL;
}

/* Verification options from the tenant's policy; they borrow from
 * @tenant and @challenge. */
static void
verify_options_for (SesameVerifyOptions *options,
                    const SesameTenant  *tenant,
                    const char         **rp_ids,
                    SesameChallenge     *challenge)
{
  sesame_verify_options_init (options);
  rp_ids[0] = tenant->rp_id;
  rp_ids[1] = NULL;
  options->challenge = challenge->bytes;
  options->origins = (const char * const *) tenant->expected_origins;
  options->rp_ids = rp_ids;
  options->require_user_verification = g_strcmp0 (tenant->user_verification, "required") == 0;
  options->allowed_algorithms = tenant->allowed_algorithms;
  options->n_allowed_algorithms = tenant->n_allowed_algorithms;
  /* Attestation "none" and "direct" both accept any format: the format,
   * its type and whether it chained to an anchor are recorded instead. */
  options->allowed_formats = NULL;
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

static JsonBuilder *
failure_details (const GError *failure,
                 const char   *challenge_id,
                 GBytes       *credential_id)
{
  JsonBuilder *details = json_builder_new ();

  json_builder_begin_object (details);
  if (failure->domain == SESAME_WEBAUTHN_ERROR)
    sesame_json_add_string (details, "webauthnError", sesame_webauthn_error_to_string (failure->code));
  else if (failure->domain == SESAME_API_ERROR)
    sesame_json_add_string (details, "errorCode", sesame_api_error_code (failure->code));
  sesame_json_add_string (details, "challengeId", challenge_id);
  if (credential_id)
    {
      g_autofree char *id = sesame_base64url_encode_bytes (credential_id);
      sesame_json_add_string (details, "credentialId", id);
    }
  json_builder_end_object (details);
  return details;
}

/* Writing */

typedef struct
{
  SesameRequest   *req;
  SesameChallenge *challenge;
  const char      *kind;
  const char      *reason;
  /* Registration options save the user's names first. */
  gboolean         save_user;
  const char      *username;
  const char      *display_name;
  SesameUser      *user;          /* out */
} IssueData;

static gboolean
issue_in_transaction (SesameStore *store,
                      gpointer     user_data,
                      GError     **error)
{
  IssueData *data = user_data;
  SesameChallenge *challenge = data->challenge;
  g_autoptr(JsonBuilder) details = json_builder_new ();

  if (data->save_user)
    {
      data->user = sesame_store_upsert_user (store, challenge->tenant_id, challenge->user_id,
                                             data->username, data->display_name, error);
      if (!data->user)
        return FALSE;
    }
  if (!sesame_store_create_challenge (store, challenge, error))
    return FALSE;

  json_builder_begin_object (details);
  sesame_json_add_string (details, "challengeId", challenge->id);
  sesame_json_add_string (details, "ceremony", sesame_challenge_type_to_string (challenge->type));
  sesame_json_add_int (details, "expiresInSeconds",
                  (challenge->expires - challenge->created) / G_USEC_PER_SEC);
  json_builder_end_object (details);
  return sesame_request_record_event (data->req, challenge->action_key, challenge->user_id,
                                      data->kind, "success", data->reason, details, error);
}

/* Records a ceremony that failed after its challenge was consumed: the
 * action becomes CHALLENGE_FAILED unless it had already succeeded (an
 * anonymous sign-in of a known passkey gets a new action for its owner),
 * and an event says why. Then replies with the failure. */
typedef struct
{
  SesameRequest *req;
  const char    *kind;
  const char    *action_key;     /* the action to fail; NULL: see new_action */
  SesameAction  *new_action;     /* created as CHALLENGE_FAILED; NULL: none */
  const char    *user_id;
  const GError  *failure;
  JsonBuilder   *details;
} FailureData;

static gboolean
fail_in_transaction (SesameStore *store,
                     gpointer     user_data,
                     GError     **error)
{
  FailureData *data = user_data;
  const char *action_key = data->action_key;

  if (action_key)
    {
      g_autoptr(SesameAction) action = NULL;

      /* A failed retry must not turn an action the backend may already
       * have validated into a failed one: that is only logged. */
      action = sesame_store_get_action (store, data->req->tenant->id, action_key, error);
      if (!action)
        return FALSE;
      if (!g_str_equal (action->state, "CHALLENGE_SUCCEEDED"))
        {
          g_autoptr(SesameAction) updated = NULL;

          updated = sesame_store_update_action (store, data->req->tenant->id, action_key,
                                                "CHALLENGE_FAILED", NULL, NULL, error);
          if (!updated)
            return FALSE;
        }
    }
  else if (data->new_action)
    {
      if (!sesame_store_create_action (store, data->new_action, error))
        return FALSE;
      action_key = data->new_action->idempotency_key;
    }
  return sesame_request_record_event (data->req, action_key, data->user_id, data->kind, "failure",
                                      data->failure->message, data->details, error);
}

static void
fail_ceremony (SesameRequest *req,
               const char    *kind,
               const char    *action_key,
               SesameAction  *new_action,
               const char    *user_id,
               const char    *challenge_id,
               GBytes        *credential_id,
               const GError  *failure)
{
  g_autoptr(JsonBuilder) details = failure_details (failure, challenge_id, credential_id);
  g_autoptr(JsonObject) extra = json_object_new ();
  g_autoptr(GError) error = NULL;
  FailureData data = { req, kind, action_key, new_action, user_id, failure, details };

  if (!sesame_store_run_in_transaction (req->store, fail_in_transaction, &data, &error))
    g_warning ("Cannot record the failed %s: %s", kind, error->message);
  json_object_set_boolean_member (extra, "isVerified", FALSE);
  sesame_request_reply_error (req, failure, extra, 0);
}

/* Refused before the challenge was touched: only an event, so that the
 * activity log shows replays, expired challenges and unknown credentials. */
static void
refuse_attempt (SesameRequest *req,
                const char    *kind,
                const char    *action_key,
                const char    *user_id,
                const char    *challenge_id,
                GBytes        *credential_id,
                const GError  *failure)
{
  g_autoptr(JsonBuilder) details = failure_details (failure, challenge_id, credential_id);
  g_autoptr(JsonObject) extra = json_object_new ();
  g_autoptr(GError) error = NULL;

  if (!sesame_request_record_event (req, action_key, user_id, kind, "failure", failure->message,
                                    details, &error))
    g_warning ("Cannot record the refused %s: %s", kind, error->message);
  json_object_set_boolean_member (extra, "isVerified", FALSE);
  sesame_request_reply_error (req, failure, extra, 0);
}

/* C1: POST /client/challenge {action, idempotencyKey?} → {challengeId}. The SDK
 * sends it only for signIn({action}), so the action is required. */

void
sesame_client_api_challenge (SesameRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SesameAction) action = NULL;
  g_autoptr(SesameChallenge) challenge = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *reason = NULL;
  const char *code, *idempotency_key;
  JsonObject *body;
  IssueData data = { 0 };

  root = sesame_request_read_object (req, &error);
  if (!root)
    goto fail;
  body = json_node_get_object (root);
  if (!sesame_json_get_string (body, "action", TRUE, 64, &code, &error) ||
      !sesame_json_get_string (body, "idempotencyKey", FALSE, SESAME_ID_MAX_LEN,
                               &idempotency_key, &error))
    goto fail;
  if (!sesame_check_action_code (code, &error))
    goto fail;

  challenge = g_new0 (SesameChallenge, 1);
  challenge->tenant_id = g_strdup (req->tenant->id);
  challenge->type = SESAME_CHALLENGE_AUTHENTICATION;

  /* With a token, or (newer SDKs) with the idempotency key of an action the
   * backend tracked, the sign-in is bound to that action and its user. */
  if (req->auth == SESAME_AUTH_TOKEN)
    action = load_token_action (req, &error);
  else if (idempotency_key)
    action = sesame_store_get_action (req->store, req->tenant->id, idempotency_key, &error);
  if (req->auth == SESAME_AUTH_TOKEN || idempotency_key)
    {
      if (!action)
        goto fail;
      if (!g_str_equal (action->action_code, code))
        {
          sesame_api_fail (&error, SESAME_API_ERROR_INVALID_REQUEST,
                     "The action is “%s”, not “%s”", action->action_code, code);
          goto fail;
        }
      if (!check_action_open (action, &error))
        goto fail;
      challenge->action_key = g_strdup (action->idempotency_key);
      challenge->user_id = g_strdup (action->user_id);
      code = action->action_code;
    }
  else if (!(challenge->id = anonymous_challenge_id (code, &error)))
    goto fail;

  reason = g_strdup_printf ("Sign-in challenge for action %s", code);
  data.req = req;
  data.challenge = challenge;
  data.kind = "challenge";
  data.reason = reason;
  if (!sesame_store_run_in_transaction (req->store, issue_in_transaction, &data, &error))
    goto fail;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "challengeId", challenge->id);
  json_builder_end_object (builder);
  sesame_request_reply_builder (req, SOUP_STATUS_OK, builder);
  return;

fail:
  reply_failure (req, error);
}

/* C2: POST /client/user-authenticators/passkey/registration-options
 * {username?, displayName?, authenticatorAttachment?} → {challengeId, options} */

static void
add_registration_options (JsonBuilder        *builder,
                          const SesameTenant *tenant,
                          SesameChallenge    *challenge,
                          const SesameUser   *user,
                          const char         *attachment,
                          GPtrArray          *passkeys)
{
  g_autofree char *challenge_text = sesame_base64url_encode_bytes (challenge->bytes);
  g_autoptr(GBytes) handle = sesame_server_user_handle (tenant, user->user_id);
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
  sesame_json_add_string (builder, "authenticatorAttachment", attachment);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "excludeCredentials");
  add_credential_descriptors (builder, passkeys);

  json_builder_set_member_name (builder, "extensions");
  json_builder_begin_object (builder);
  sesame_json_add_boolean (builder, "credProps", TRUE);
  json_builder_end_object (builder);

  json_builder_end_object (builder);
}

void
sesame_client_api_registration_options (SesameRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SesameAction) action = NULL;
  g_autoptr(GPtrArray) passkeys = NULL;
  g_autoptr(SesameChallenge) challenge = NULL;
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *reason = NULL;
  const char *username, *display_name, *attachment;
  JsonObject *body;
  IssueData data = { 0 };

  root = sesame_request_read_object (req, &error);
  if (!root)
    goto fail;
  body = json_node_get_object (root);
  if (!sesame_json_get_string (body, "username", FALSE, SESAME_ID_MAX_LEN, &username, &error) ||
      !sesame_json_get_string (body, "displayName", FALSE, SESAME_ID_MAX_LEN, &display_name,
                               &error) ||
      !sesame_json_get_string (body, "authenticatorAttachment", FALSE, 32, &attachment, &error))
    goto fail;
  if (username && !*username)
    username = NULL;
  if (display_name && !*display_name)
    display_name = NULL;
  if ((username && !sesame_check_identifier (username, "username", SESAME_ID_MAX_LEN, &error)) ||
      (display_name &&
       !sesame_check_identifier (display_name, "display name", SESAME_ID_MAX_LEN, &error)))
    goto fail;
  if (attachment && *attachment && !g_str_equal (attachment, "platform") &&
      !g_str_equal (attachment, "cross-platform"))
    {
      sesame_api_fail (&error, SESAME_API_ERROR_INVALID_REQUEST,
                 "\"authenticatorAttachment\" is \"platform\" or \"cross-platform\"");
      goto fail;
    }
  if (attachment && !*attachment)
    attachment = NULL;
  /* The tenant's policy, when it has one, wins over the page's wish. */
  if (req->tenant->authenticator_attachment)
    attachment = req->tenant->authenticator_attachment;

  action = load_token_action (req, &error);
  if (!action || !check_action_open (action, &error))
    goto fail;
  passkeys = sesame_store_list_passkeys (req->store, req->tenant->id, action->user_id, &error);
  if (!passkeys || !check_may_add_passkey (req, passkeys->len, &error))
    goto fail;

  challenge = g_new0 (SesameChallenge, 1);
  challenge->tenant_id = g_strdup (req->tenant->id);
  challenge->type = SESAME_CHALLENGE_REGISTRATION;
  challenge->action_key = g_strdup (action->idempotency_key);
  challenge->user_id = g_strdup (action->user_id);

  reason = g_strdup_printf ("Registration options for action %s", action->action_code);
  data.req = req;
  data.challenge = challenge;
  data.kind = "registration-options";
  data.reason = reason;
  data.save_user = TRUE;
  data.username = username;
  data.display_name = display_name;
  if (!sesame_store_run_in_transaction (req->store, issue_in_transaction, &data, &error))
    {
      g_clear_pointer (&data.user, sesame_user_free);
      goto fail;
    }
  user = g_steal_pointer (&data.user);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "challengeId", challenge->id);
  add_registration_options (builder, req->tenant, challenge, user, attachment, passkeys);
  json_builder_end_object (builder);
  sesame_request_reply_builder (req, SOUP_STATUS_OK, builder);
  return;

fail:
  reply_failure (req, error);
}

/* C3: POST /client/user-authenticators/passkey
 * {registrationCredential, challengeId, conditionalCreate?}
 * → {isVerified, accessToken, userAuthenticatorId, userId, userAuthenticator} */

typedef struct
{
  SesameRequest      *req;
  SesamePasskey      *passkey;
  SesameRegistration *registration;
  SesameAction       *action;       /* out */
} RegisterData;

static gboolean
register_in_transaction (SesameStore *store,
                         gpointer     user_data,
                         GError     **error)
{
  RegisterData *data = user_data;
  SesamePasskey *passkey = data->passkey;
  g_autoptr(JsonBuilder) details = json_builder_new ();
  g_autofree char *credential_id = NULL;
  g_autofree char *reason = NULL;

  if (!sesame_store_add_passkey (store, passkey, error))
    return FALSE;
  data->action = sesame_store_update_action (store, passkey->tenant_id,
                                             data->req->claims->idempotency_key,
                                             "CHALLENGE_SUCCEEDED", "PASSKEY", passkey->id, error);
  if (!data->action)
    return FALSE;

  credential_id = sesame_base64url_encode_bytes (passkey->credential_id);
  json_builder_begin_object (details);
  sesame_json_add_string (details, "userAuthenticatorId", passkey->id);
  sesame_json_add_string (details, "credentialId", credential_id);
  sesame_json_add_string (details, "aaguid", passkey->aaguid);
  sesame_json_add_int (details, "alg", passkey->alg);
  sesame_json_add_string (details, "attestationFormat", passkey->attestation_format);
  sesame_json_add_string (details, "attestationType", passkey->attestation_type);
  sesame_json_add_boolean (details, "attestationTrusted", passkey->attestation_trusted);
  sesame_json_add_boolean (details, "userVerified",
                      (data->registration->auth_data->flags & SESAME_AUTH_DATA_FLAG_UV) != 0);
  sesame_json_add_boolean (details, "backupEligible", passkey->backup_eligible);
  sesame_json_add_boolean (details, "backedUp", passkey->backed_up);
  sesame_json_add_string (details, "clientOrigin", data->registration->client_data->origin);
  json_builder_end_object (details);
  reason = g_strdup_printf ("Passkey registered (%s, %s attestation)",
                            sesame_cose_algorithm_to_string (passkey->alg),
                            passkey->attestation_format);
  return sesame_request_record_event (data->req, data->action->idempotency_key, passkey->user_id,
                                      "registration", "success", reason, details, error);
}

static gboolean
aaguid_is_zero (const guint8 aaguid[16])
{
  for (int i = 0; i < 16; i++)
    if (aaguid[i])
      return FALSE;
  return TRUE;
}

void
sesame_client_api_add_passkey (SesameRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SesameCredentialJson) credential = NULL;
  g_autoptr(SesameAuthenticatorData) auth_data = NULL;
  g_autoptr(SesameAction) action = NULL;
  g_autoptr(GPtrArray) passkeys = NULL;
  g_autoptr(SesamePasskey) existing = NULL;
  g_autoptr(SesameChallenge) challenge = NULL;
  g_autoptr(SesameRegistration) registration = NULL;
  g_autoptr(SesamePasskey) passkey = NULL;
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *token = NULL;
  SesameVerifyOptions options;
  const char *rp_ids[2];
  const char *challenge_id;
  gboolean conditional_create;
  JsonObject *body;
  RegisterData data = { 0 };

  /* Everything that can be checked without the challenge, first. */
  root = sesame_request_read_object (req, &error);
  if (!root)
    goto fail;
  body = json_node_get_object (root);
  if (!sesame_json_get_string (body, "challengeId", TRUE, SESAME_ID_MAX_LEN, &challenge_id,
                               &error) ||
      !sesame_json_get_boolean (body, "conditionalCreate", &conditional_create, &error))
    goto fail;
  credential = parse_credential (body, "registrationCredential", TRUE, &error);
  if (!credential)
    goto fail;
  auth_data = precheck_registration (credential, &error);
  if (!auth_data)
    goto fail;

  action = load_token_action (req, &error);
  if (!action)
    goto fail;

  /* The challenge next, so that a replay is reported as one whatever else
   * changed since; a refused challenge changes nothing but the log. */
  challenge = consume_challenge (req, challenge_id, SESAME_CHALLENGE_REGISTRATION,
                                 &error);
  if (!challenge)
    {
      if (error->domain == SESAME_API_ERROR)
        refuse_attempt (req, "registration", action->idempotency_key, action->user_id,
                        challenge_id, auth_data->credential_id, error);
      else
        reply_failure (req, error);
      return;
    }

  /* From here on the challenge is used up. A refusal that says nothing
   * about the credential is logged; a failed ceremony fails the action. */
  if (g_strcmp0 (challenge->action_key, action->idempotency_key) != 0 ||
      g_strcmp0 (challenge->user_id, action->user_id) != 0)
    {
      sesame_api_fail (&error, SESAME_API_ERROR_CHALLENGE_NOT_FOUND,
                 "Challenge “%s” was issued for another action (it is used up now)",
                 challenge_id);
      goto refused;
    }
  if (!check_action_open (action, &error))
    goto refused;
  passkeys = sesame_store_list_passkeys (req->store, req->tenant->id, action->user_id, &error);
  if (!passkeys)
    goto fail;
  if (!check_may_add_passkey (req, passkeys->len, &error))
    goto refused;
  existing = sesame_store_find_passkey (req->store, req->tenant->id, auth_data->credential_id,
                                       NULL);
  if (existing)
    {
      sesame_api_fail (&error, SESAME_API_ERROR_CONFLICT,
                 "This passkey is already registered%s", g_str_equal (existing->user_id,
                                                                      action->user_id)
                                                         ? " for this user" : "");
      goto failed_ceremony;
    }

  verify_options_for (&options, req->tenant, rp_ids, challenge);
  registration = sesame_verify_registration_json (&options, credential, &error);
  if (!registration)
    goto failed_ceremony;

  passkey = g_new0 (SesamePasskey, 1);
  passkey->tenant_id = g_strdup (req->tenant->id);
  passkey->user_id = g_strdup (action->user_id);
  passkey->credential_id = g_bytes_ref (registration->auth_data->credential_id);
  passkey->public_key =
    g_bytes_ref (sesame_cose_key_get_encoded (registration->auth_data->public_key));
  passkey->alg = sesame_cose_key_get_algorithm (registration->auth_data->public_key);
  passkey->sign_count = registration->auth_data->sign_count;
  if (!aaguid_is_zero (registration->auth_data->aaguid))
    passkey->aaguid = sesame_aaguid_to_string (registration->auth_data->aaguid);
  passkey->transports = g_strdupv (credential->transports);
  passkey->backup_eligible = (registration->auth_data->flags & SESAME_AUTH_DATA_FLAG_BE) != 0;
  passkey->backed_up = (registration->auth_data->flags & SESAME_AUTH_DATA_FLAG_BS) != 0;
  passkey->attestation_format = g_strdup (registration->fmt);
  passkey->attestation_type =
    g_strdup (sesame_attestation_type_to_string (registration->attestation_type));
  passkey->attestation_trusted = registration->trust_anchored;
  passkey->user_agent = g_strdup (req->user_agent);

  data.req = req;
  data.passkey = passkey;
  data.registration = registration;
  if (!sesame_store_run_in_transaction (req->store, register_in_transaction, &data, &error))
    {
      g_clear_pointer (&data.action, sesame_action_free);
      goto failed_ceremony;
    }
  g_clear_pointer (&action, sesame_action_free);
  action = g_steal_pointer (&data.action);

  token = sesame_server_issue_token (req->server, req->tenant, action,
                                     SESAME_SCOPE_READ_AUTHENTICATORS, &error);
  if (!token)
    goto fail;
  user = sesame_store_get_user (req->store, req->tenant->id, action->user_id, NULL);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_json_add_boolean (builder, "isVerified", TRUE);
  sesame_json_add_string (builder, "accessToken", token);
  sesame_json_add_string (builder, "userAuthenticatorId", passkey->id);
  sesame_json_add_string (builder, "userId", action->user_id);
  json_builder_set_member_name (builder, "userAuthenticator");
  sesame_json_add_authenticator (builder, passkey, user);
  json_builder_end_object (builder);
  sesame_request_reply_builder (req, SOUP_STATUS_OK, builder);
  return;

failed_ceremony:
  fail_ceremony (req, "registration", action->idempotency_key, NULL, action->user_id,
                 challenge_id, auth_data->credential_id, error);
  return;

refused:
  refuse_attempt (req, "registration", action->idempotency_key, action->user_id, challenge_id,
                  auth_data->credential_id, error);
  return;

fail:
  reply_failure (req, error);
}

/* C4: POST /client/user-authenticators/passkey/authentication-options
 * {challengeId?, username?} → {challengeId, options} */

void
sesame_client_api_authentication_options (SesameRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SesameAction) action = NULL;
  g_autoptr(SesameChallenge) previous = NULL;
  g_autoptr(SesameChallenge) challenge = NULL;
  g_autoptr(GPtrArray) passkeys = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *challenge_text = NULL;
  const char *previous_id, *username;
  const char *code = SESAME_DEFAULT_SIGN_IN_ACTION;
  const char *list_user = NULL;
  JsonObject *body;
  IssueData data = { 0 };

  root = sesame_request_read_object (req, &error);
  if (!root)
    goto fail;
  body = json_node_get_object (root);
  if (!sesame_json_get_string (body, "challengeId", FALSE, SESAME_ID_MAX_LEN, &previous_id,
                               &error) ||
      !sesame_json_get_string (body, "username", FALSE, SESAME_ID_MAX_LEN, &username, &error))
    goto fail;
  if (previous_id && !*previous_id)
    previous_id = NULL;

  if (req->auth == SESAME_AUTH_TOKEN)
    {
      action = load_token_action (req, &error);
      if (!action || !check_action_open (action, &error))
        goto fail;
    }

  challenge = g_new0 (SesameChallenge, 1);
  challenge->tenant_id = g_strdup (req->tenant->id);
  challenge->type = SESAME_CHALLENGE_AUTHENTICATION;

  /* The challenge from /client/challenge names the action; these options
   * get a fresh challenge that inherits its binding. */
  if (previous_id)
    {
      previous = consume_challenge (req, previous_id, SESAME_CHALLENGE_AUTHENTICATION,
                                    &error);
      if (!previous)
        goto fail;
      if (action && g_strcmp0 (previous->action_key, action->idempotency_key) != 0)
        {
          sesame_api_fail (&error, SESAME_API_ERROR_CHALLENGE_NOT_FOUND,
                     "Challenge “%s” was issued for another action than this token's (it is "
                     "used up now)", previous_id);
          goto fail;
        }
      if (!action && previous->action_key)
        {
          action = sesame_store_get_action (req->store, req->tenant->id, previous->action_key,
                                            &error);
          if (!action || !check_action_open (action, &error))
            goto fail;
        }
      if (!action)
        code = anonymous_action_code (previous);
    }

  if (action)
    {
      challenge->action_key = g_strdup (action->idempotency_key);
      challenge->user_id = g_strdup (action->user_id);
      code = action->action_code;
      list_user = action->user_id;
    }
  else
    {
      if (!(challenge->id = anonymous_challenge_id (code, &error)))
        goto fail;
      /* The docs' optional username narrows allowCredentials (the SDKs
       * never send it); the sign-in stays open to any passkey. */
      if (username && *username)
        {
          g_autoptr(SesameUser) named = sesame_store_find_user_by_username (req->store,
                                                                          req->tenant->id,
                                                                          username, NULL);
          if (named)
            {
              passkeys = sesame_store_list_passkeys (req->store, req->tenant->id,
                                                     named->user_id, &error);
              if (!passkeys)
                goto fail;
            }
        }
    }
  if (list_user)
    {
      passkeys = sesame_store_list_passkeys (req->store, req->tenant->id, list_user, &error);
      if (!passkeys)
        goto fail;
    }

  reason = g_strdup_printf ("Authentication options for action %s", code);
  data.req = req;
  data.challenge = challenge;
  data.kind = "authentication-options";
  data.reason = reason;
  if (!sesame_store_run_in_transaction (req->store, issue_in_transaction, &data, &error))
    goto fail;

  challenge_text = sesame_base64url_encode_bytes (challenge->bytes);
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "challengeId", challenge->id);
  json_builder_set_member_name (builder, "options");
  json_builder_begin_object (builder);
  sesame_json_add_string (builder, "challenge", challenge_text);
  sesame_json_add_string (builder, "rpId", req->tenant->rp_id);
  sesame_json_add_int (builder, "timeout", req->tenant->challenge_lifetime * 1000);
  sesame_json_add_string (builder, "userVerification", req->tenant->user_verification);
  json_builder_set_member_name (builder, "allowCredentials");
  add_credential_descriptors (builder, passkeys);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  sesame_request_reply_builder (req, SOUP_STATUS_OK, builder);
  return;

fail:
  reply_failure (req, error);
}

/* C5: POST /client/verify/passkey {authenticationCredential, challengeId, deviceId?}
 * → {isVerified, accessToken, userId, userAuthenticatorId, username, userDisplayName} */

typedef struct
{
  SesameRequest   *req;
  SesamePasskey   *passkey;
  SesameAssertion *assertion;
  const char      *action_key;   /* the bound action; NULL: create new_action */
  SesameAction    *new_action;
  const char      *challenge_id;
  SesameAction    *action;       /* out */
} SignInData;

static gboolean
sign_in_in_transaction (SesameStore *store,
                        gpointer     user_data,
                        GError     **error)
{
  SignInData *data = user_data;
  SesamePasskey *passkey = data->passkey;
  SesameAssertion *assertion = data->assertion;
  g_autoptr(JsonBuilder) details = json_builder_new ();
  g_autofree char *credential_id = NULL;

  if (!sesame_store_update_passkey_after_use (store, passkey->tenant_id, passkey->id,
                                              assertion->sign_count, assertion->backed_up, error))
    return FALSE;
  if (data->action_key)
    data->action = sesame_store_update_action (store, passkey->tenant_id, data->action_key,
                                               "CHALLENGE_SUCCEEDED", "PASSKEY", passkey->id,
                                               error);
  else if (sesame_store_create_action (store, data->new_action, error))
    data->action = sesame_store_get_action (store, passkey->tenant_id,
                                            data->new_action->idempotency_key, error);
  if (!data->action)
    return FALSE;

  credential_id = sesame_base64url_encode_bytes (passkey->credential_id);
  json_builder_begin_object (details);
  sesame_json_add_string (details, "challengeId", data->challenge_id);
  sesame_json_add_string (details, "userAuthenticatorId", passkey->id);
  sesame_json_add_string (details, "credentialId", credential_id);
  sesame_json_add_int (details, "signCount", assertion->sign_count);
  sesame_json_add_int (details, "storedSignCount", passkey->sign_count);
  sesame_json_add_boolean (details, "userVerified", assertion->user_verified);
  sesame_json_add_boolean (details, "backedUp", assertion->backed_up);
  sesame_json_add_boolean (details, "backupStateChanged", assertion->backup_state_changed);
  sesame_json_add_string (details, "clientOrigin", assertion->client_data->origin);
  json_builder_end_object (details);
  return sesame_request_record_event (data->req, data->action->idempotency_key, passkey->user_id,
                                      "authentication", "success", "Signed in with a passkey",
                                      details, error);
}

void
sesame_client_api_verify_passkey (SesameRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) lookup_error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SesameCredentialJson) credential = NULL;
  g_autoptr(SesameAction) token_action = NULL;
  g_autoptr(SesamePasskey) passkey = NULL;
  g_autoptr(SesameChallenge) challenge = NULL;
  g_autoptr(SesameAction) new_action = NULL;
  g_autoptr(SesameCoseKey) public_key = NULL;
  g_autoptr(GBytes) user_handle = NULL;
  g_autoptr(SesameAssertion) assertion = NULL;
  g_autoptr(SesameAction) action = NULL;
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *token = NULL;
  SesameStoredCredential stored = { 0 };
  SesameVerifyOptions options;
  const char *rp_ids[2];
  const char *challenge_id, *device_id;
  const char *action_key = NULL;
  const guint8 *key_data;
  gsize key_len;
  JsonObject *body;
  SignInData data = { 0 };

  root = sesame_request_read_object (req, &error);
  if (!root)
    goto fail;
  body = json_node_get_object (root);
  if (!sesame_json_get_string (body, "challengeId", TRUE, SESAME_ID_MAX_LEN, &challenge_id,
                               &error) ||
      !sesame_json_get_string (body, "deviceId", FALSE, SESAME_ID_MAX_LEN, &device_id, &error))
    goto fail;
  credential = parse_credential (body, "authenticationCredential", FALSE, &error);
  if (!credential || !precheck_authentication (credential, &error))
    goto fail;

  if (req->auth == SESAME_AUTH_TOKEN)
    {
      token_action = load_token_action (req, &error);
      if (!token_action)
        goto fail;
    }

  /* Only a credential id this tenant has never seen is "unknown": newer
   * SDKs then tell the browser to delete that passkey. */
  passkey = sesame_store_find_passkey (req->store, req->tenant->id, credential->raw_id,
                                       &lookup_error);
  if (!passkey)
    {
      if (!g_error_matches (lookup_error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND))
        {
          g_propagate_error (&error, g_steal_pointer (&lookup_error));
          goto fail;
        }
      sesame_api_fail (&error, SESAME_API_ERROR_UNKNOWN_CREDENTIAL,
                 "This tenant has no passkey with credential id %s", credential->id);
      refuse_attempt (req, "authentication",
                      token_action ? token_action->idempotency_key : NULL,
                      token_action ? token_action->user_id : NULL,
                      challenge_id, credential->raw_id, error);
      return;
    }

  challenge = consume_challenge (req, challenge_id, SESAME_CHALLENGE_AUTHENTICATION,
                                 &error);
  if (!challenge)
    {
      if (error->domain == SESAME_API_ERROR)
        refuse_attempt (req, "authentication",
                        token_action ? token_action->idempotency_key : NULL, passkey->user_id,
                        challenge_id, credential->raw_id, error);
      else
        reply_failure (req, error);
      return;
    }

  /* From here on the challenge is used up. A refusal that says nothing
   * about the credential is logged; a failed ceremony fails the action it
   * was for (or, for an open sign-in, a new action of the passkey's
   * owner). */
  action_key = challenge->action_key;
  if (token_action && g_strcmp0 (challenge->action_key, token_action->idempotency_key) != 0)
    {
      sesame_api_fail (&error, SESAME_API_ERROR_CHALLENGE_NOT_FOUND,
                 "Challenge “%s” was not issued for this token's action (it is used up now)",
                 challenge_id);
      goto refused;
    }
  if (action_key)
    {
      g_autoptr(SesameAction) bound = NULL;

      bound = sesame_store_get_action (req->store, req->tenant->id, action_key, &error);
      if (!bound)
        goto fail;
      if (!check_action_open (bound, &error))
        goto refused;
    }
  else
    {
      new_action = g_new0 (SesameAction, 1);
      new_action->tenant_id = g_strdup (req->tenant->id);
      new_action->user_id = g_strdup (passkey->user_id);
      new_action->action_code = g_strdup (anonymous_action_code (challenge));
      new_action->state = g_strdup ("CHALLENGE_FAILED");
    }

  /* A sign-in for a given user (token, tracked action) is completed only by
   * that user's passkey. Another user's passkey proves nothing about the
   * user the action is for, and anyone with the tenant ID can present one:
   * it is logged and refused, but must not fail that user's action. */
  if (challenge->user_id && !g_str_equal (challenge->user_id, passkey->user_id))
    {
      sesame_api_fail (&error, SESAME_API_ERROR_INVALID_CREDENTIAL,
                 "This passkey belongs to another user than the one this sign-in is for");
      goto refused;
    }

  key_data = g_bytes_get_data (passkey->public_key, &key_len);
  public_key = sesame_cose_key_new_from_cbor (key_data, key_len, NULL, &error);
  if (!public_key)
    goto failed_ceremony;
  user_handle = sesame_server_user_handle (req->tenant, passkey->user_id);
  stored.credential_id = passkey->credential_id;
  stored.public_key = public_key;
  stored.sign_count = passkey->sign_count;
  stored.user_handle = user_handle;
  stored.has_backup_flags = TRUE;
  stored.backup_eligible = passkey->backup_eligible;
  stored.backed_up = passkey->backed_up;

  verify_options_for (&options, req->tenant, rp_ids, challenge);
  assertion = sesame_verify_authentication_json (&options, &stored, credential, &error);
  if (!assertion)
    goto failed_ceremony;

  if (new_action)
    {
      g_free (new_action->state);
      new_action->state = g_strdup ("CHALLENGE_SUCCEEDED");
      new_action->verification_method = g_strdup ("PASSKEY");
      new_action->authenticator_id = g_strdup (passkey->id);
    }
  data.req = req;
  data.passkey = passkey;
  data.assertion = assertion;
  data.action_key = action_key;
  data.new_action = new_action;
  data.challenge_id = challenge_id;
  if (!sesame_store_run_in_transaction (req->store, sign_in_in_transaction, &data, &error))
    {
      g_clear_pointer (&data.action, sesame_action_free);
      if (new_action)
        {
          g_clear_pointer (&new_action->idempotency_key, g_free);
          g_free (new_action->state);
          new_action->state = g_strdup ("CHALLENGE_FAILED");
        }
      goto failed_ceremony;
    }
  action = g_steal_pointer (&data.action);

  token = sesame_server_issue_token (req->server, req->tenant, action,
                                     SESAME_SCOPE_READ_AUTHENTICATORS, &error);
  if (!token)
    goto fail;
  user = sesame_store_get_user (req->store, req->tenant->id, passkey->user_id, NULL);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  sesame_json_add_boolean (builder, "isVerified", TRUE);
  sesame_json_add_string (builder, "accessToken", token);
  sesame_json_add_string (builder, "userId", passkey->user_id);
  sesame_json_add_string (builder, "userAuthenticatorId", passkey->id);
  if (user)
    {
      sesame_json_add_string (builder, "username", user->username);
      sesame_json_add_string (builder, "userDisplayName", user->display_name);
    }
  json_builder_end_object (builder);
  sesame_request_reply_builder (req, SOUP_STATUS_OK, builder);
  return;

failed_ceremony:
  fail_ceremony (req, "authentication", action_key, action_key ? NULL : new_action,
                 passkey->user_id, challenge_id, credential->raw_id, error);
  return;

refused:
  refuse_attempt (req, "authentication", token_action ? token_action->idempotency_key : action_key,
                  passkey->user_id, challenge_id, credential->raw_id, error);
  return;

fail:
  reply_failure (req, error);
}

/* C6: GET /client/user-authenticators/passkey?credentialIds=a,b
 * → 200 {credentialId, verifiedAt} when any is known, else 404 */

#define CREDENTIAL_IDS_MAX 64

void
sesame_client_api_passkey_exists (SesameRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  const char *param = req->query ? g_hash_table_lookup (req->query, "credentialIds") : NULL;
  guint n_ids;

  if (!param || !*param)
    {
      sesame_api_fail (&error, SESAME_API_ERROR_INVALID_REQUEST,
                 "The request needs ?credentialIds=<id>,<id>…");
      goto fail;
    }
  ids = g_strsplit (param, ",", -1);
  n_ids = g_strv_length (ids);
  if (n_ids > CREDENTIAL_IDS_MAX)
    {
      sesame_api_fail (&error, SESAME_API_ERROR_INVALID_REQUEST,
                 "At most %d credential ids can be asked about at once", CREDENTIAL_IDS_MAX);
      goto fail;
    }

  /* Every id is decoded before any is looked up: bad input gets one
   * answer, whatever the store holds. */
  {
    g_autoptr(GPtrArray) decoded = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

    for (guint i = 0; i < n_ids; i++)
      {
        GBytes *bytes = sesame_base64url_decode (ids[i], &error);

        if (!bytes)
          goto fail;
        if (g_bytes_get_size (bytes) == 0)
          {
            g_bytes_unref (bytes);
            sesame_api_fail (&error, SESAME_API_ERROR_INVALID_REQUEST, "Credential id %u is empty",
                       i + 1);
            goto fail;
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
            if (!g_error_matches (local_error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND))
              {
                g_propagate_error (&error, g_steal_pointer (&local_error));
                goto fail;
              }
            continue;
          }
        builder = json_builder_new ();
        json_builder_begin_object (builder);
        sesame_json_add_string (builder, "credentialId", ids[i]);
        sesame_json_add_time (builder, "verifiedAt",
                              passkey->last_used ? passkey->last_used : passkey->created);
        json_builder_end_object (builder);
        sesame_request_reply_builder (req, SOUP_STATUS_OK, builder);
        return;
      }
  }

  sesame_api_fail (&error, SESAME_API_ERROR_UNKNOWN_CREDENTIAL,
             "This tenant has none of these passkeys");

fail:
  reply_failure (req, error);
}

/* C7: GET /client/user-authenticators (Bearer) → Authenticator[] */

void
sesame_client_api_list_authenticators (SesameRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) passkeys = NULL;
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(JsonBuilder) builder = NULL;

  if (!sesame_token_claims_has_scope (req->claims, SESAME_SCOPE_READ_AUTHENTICATORS))
    {
      sesame_api_fail (&error, SESAME_API_ERROR_FORBIDDEN,
                 "Listing passkeys needs a token with scope \"read:authenticators\"");
      goto fail;
    }
  passkeys = sesame_store_list_passkeys (req->store, req->tenant->id, req->claims->user_id,
                                         &error);
  if (!passkeys)
    goto fail;
  user = sesame_store_get_user (req->store, req->tenant->id, req->claims->user_id, NULL);

  builder = json_builder_new ();
  json_builder_begin_array (builder);
  for (guint i = 0; i < passkeys->len; i++)
    sesame_json_add_authenticator (builder, g_ptr_array_index (passkeys, i), user);
  json_builder_end_array (builder);
  sesame_request_reply_builder (req, SOUP_STATUS_OK, builder);
  return;

fail:
  reply_failure (req, error);
}
