/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-credential-request-private.h"

#include <string.h>

#include "sesame-base64.h"
#include "sesame-bridge-error.h"
#include "sesame-bridge-reply.h"
#include "sesame-rp-id.h"
#include "sesame-security-key.h"

#define AUTHENTICATOR_NAME "Sesame passkeys"

struct _SesameCredentialRequest
{
  GObject parent_instance;

  SesameCredentialRequestKind    kind;
  SesameCredentialRequestOutcome outcome;
  SesameSoftAuthenticator       *authenticator;
  SesameCredentialOptions       *opts;       /* what the page asked for, read */
  GPtrArray                     *candidates; /* SesameCredentialCandidate */
  gboolean                       conditional;

  SesameInjectedFailure injected;
  JsonNode *options;         /* the page's publicKey options, as sent */
  JsonNode *credential;      /* the credential the page got, toJSON() form; NULL: none */
  GError   *error;           /* why a failed request failed */

  WebKitScriptMessageReply *reply;
  JSCContext *context;
  gint64      page_id;
  guint       timeout_id;

  /* While a security key works on the request; cancelled when the
   * request ends, so that the key stops waiting for its touch. */
  GCancellable *key_cancellable;
};

G_DEFINE_FINAL_TYPE (SesameCredentialRequest, sesame_credential_request, G_TYPE_OBJECT)

enum {
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

SesameCredentialCandidate *
sesame_credential_candidate_copy (const SesameCredentialCandidate *candidate)
{
  SesameCredentialCandidate *copy;

  g_return_val_if_fail (candidate != NULL, NULL);

  copy = g_new0 (SesameCredentialCandidate, 1);
  copy->credential_id = candidate->credential_id ? g_bytes_ref (candidate->credential_id) : NULL;
  copy->user_name = g_strdup (candidate->user_name);
  copy->user_display_name = g_strdup (candidate->user_display_name);
  copy->authenticator_name = g_strdup (candidate->authenticator_name);

  return copy;
}

void
sesame_credential_candidate_free (SesameCredentialCandidate *candidate)
{
  if (candidate == NULL)
    return;

  g_clear_pointer (&candidate->credential_id, g_bytes_unref);
  g_free (candidate->user_name);
  g_free (candidate->user_display_name);
  g_free (candidate->authenticator_name);
  g_free (candidate);
}

static void
sesame_credential_request_finalize (GObject *object)
{
  SesameCredentialRequest *self = SESAME_CREDENTIAL_REQUEST (object);

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_pointer (&self->reply, webkit_script_message_reply_unref);
  g_clear_object (&self->context);
  g_clear_object (&self->authenticator);
  g_clear_object (&self->key_cancellable);
  g_clear_pointer (&self->opts, sesame_credential_options_free);
  g_clear_pointer (&self->candidates, g_ptr_array_unref);
  g_clear_pointer (&self->options, json_node_unref);
  g_clear_pointer (&self->credential, json_node_unref);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (sesame_credential_request_parent_class)->finalize (object);
}

static void
sesame_credential_request_class_init (SesameCredentialRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sesame_credential_request_finalize;

  signals[FINISHED] =
    g_signal_new ("finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
sesame_credential_request_init (SesameCredentialRequest *self)
{
  self->outcome = SESAME_CREDENTIAL_REQUEST_PENDING;
  self->candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) sesame_credential_candidate_free);
}

static gboolean
id_in_list (GPtrArray *ids,
            GBytes    *id)
{
  for (guint i = 0; i < ids->len; i++)
    {
      if (g_bytes_equal (g_ptr_array_index (ids, i), id))
        return TRUE;
    }
  return FALSE;
}

static gboolean
collect_candidates (SesameCredentialRequest  *self,
                    GError                  **error)
{
  g_autoptr(GPtrArray) held = NULL;
  g_autoptr(GError) local_error = NULL;

  held = sesame_soft_authenticator_list_credentials (self->authenticator, self->opts->rp_id, &local_error);
  if (held == NULL)
    {
      g_set_error (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_UNKNOWN,
                   "The passkey store cannot be read: %s", local_error->message);
      return FALSE;
    }

  for (guint i = 0; i < held->len; i++)
    {
      SesameSoftCredential *credential = g_ptr_array_index (held, i);
      SesameCredentialCandidate candidate = {
        .credential_id = credential->credential_id,
        .user_name = credential->user_name,
        .user_display_name = credential->user_display_name,
        .authenticator_name = (char *) AUTHENTICATOR_NAME,
      };

      if (self->opts->credential_ids->len > 0 && !id_in_list (self->opts->credential_ids, credential->credential_id))
        continue;

      g_ptr_array_add (self->candidates, sesame_credential_candidate_copy (&candidate));
    }

  return TRUE;
}

SesameCredentialRequest *
sesame_credential_request_new_from_json (SesameCredentialRequestKind kind,
                                         SesameSoftAuthenticator    *authenticator,
                                         const char                 *origin,
                                         const char                 *host,
                                         JsonObject                 *public_key,
                                         gboolean                    conditional,
                                         GError                    **error)
{
  g_autoptr(SesameCredentialRequest) self = NULL;
  g_autoptr(SesameCredentialOptions) opts = NULL;

  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (authenticator), NULL);
  g_return_val_if_fail (!conditional || kind == SESAME_CREDENTIAL_REQUEST_GET, NULL);

  opts = sesame_credential_options_parse (kind, origin, host, public_key, error);
  if (opts == NULL)
    return NULL;

  self = g_object_new (SESAME_TYPE_CREDENTIAL_REQUEST, NULL);
  self->kind = kind;
  self->authenticator = g_object_ref (authenticator);
  self->opts = g_steal_pointer (&opts);
  self->conditional = conditional;

  if (kind == SESAME_CREDENTIAL_REQUEST_GET && !collect_candidates (self, error))
    return NULL;

  self->options = json_node_init_object (json_node_alloc (), public_key);
  return g_steal_pointer (&self);
}

static gboolean
timeout_cb (gpointer user_data)
{
  SesameCredentialRequest *self = user_data;
  g_autoptr(GError) error = NULL;

  self->timeout_id = 0;

  g_set_error_literal (&error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_NOT_ALLOWED,
                       SESAME_BRIDGE_NOT_ALLOWED_MESSAGE);
  sesame_credential_request_fail (self, SESAME_CREDENTIAL_REQUEST_TIMED_OUT, error);

  return G_SOURCE_REMOVE;
}

void
sesame_credential_request_start (SesameCredentialRequest  *self,
                                 WebKitScriptMessageReply *reply,
                                 JSCContext               *context,
                                 gint64                    page_id)
{
  g_return_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self));
  g_return_if_fail (reply != NULL);
  g_return_if_fail (JSC_IS_CONTEXT (context));
  g_return_if_fail (self->reply == NULL);

  self->reply = webkit_script_message_reply_ref (reply);
  self->context = g_object_ref (context);
  self->page_id = page_id;

  /* A conditional request waits as long as the page stays: the user may
   * come to the sign-in field at any time. */
  if (!self->conditional)
    self->timeout_id = g_timeout_add (self->opts->timeout_ms, timeout_cb, self);
}

/* Leaves PENDING. The caller answered the page (or decided not to). */
static void
finish (SesameCredentialRequest        *self,
        SesameCredentialRequestOutcome  outcome)
{
  g_autoptr(SesameCredentialRequest) hold = g_object_ref (self);

  g_assert (self->outcome == SESAME_CREDENTIAL_REQUEST_PENDING);
  g_assert (outcome != SESAME_CREDENTIAL_REQUEST_PENDING);

  self->outcome = outcome;
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_pointer (&self->reply, webkit_script_message_reply_unref);
  if (self->key_cancellable != NULL)
    g_cancellable_cancel (self->key_cancellable);

  g_signal_emit (self, signals[FINISHED], 0, (int) outcome);
}

void
sesame_credential_request_fail (SesameCredentialRequest        *self,
                                SesameCredentialRequestOutcome  outcome,
                                const GError                   *error)
{
  g_return_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self));
  g_return_if_fail (error != NULL);
  g_return_if_fail (self->outcome == SESAME_CREDENTIAL_REQUEST_PENDING);

  if (self->reply != NULL)
    sesame_bridge_reply_send_error (self->reply, self->context, self->page_id, error);

  self->error = g_error_copy (error);
  finish (self, outcome);
}

WebKitScriptMessageReply *
sesame_credential_request_abandon (SesameCredentialRequest *self)
{
  WebKitScriptMessageReply *reply;

  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);
  g_return_val_if_fail (self->outcome == SESAME_CREDENTIAL_REQUEST_PENDING, NULL);

  reply = g_steal_pointer (&self->reply);
  finish (self, SESAME_CREDENTIAL_REQUEST_NAVIGATED);

  return reply;
}

gint64
sesame_credential_request_get_page_id (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), 0);

  return self->page_id;
}

JSCContext *
sesame_credential_request_get_context (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->context;
}

static const char * const injected_failure_names[] = {
  [SESAME_INJECTED_FAILURE_NONE] = "none",
  [SESAME_INJECTED_FAILURE_BAD_SIGNATURE] = "bad-signature",
  [SESAME_INJECTED_FAILURE_NO_UP] = "no-up",
  [SESAME_INJECTED_FAILURE_NO_UV] = "no-uv",
  [SESAME_INJECTED_FAILURE_OLD_COUNTER] = "old-counter",
  [SESAME_INJECTED_FAILURE_WRONG_ORIGIN] = "wrong-origin",
};

const char *
sesame_injected_failure_to_string (SesameInjectedFailure failure)
{
  g_return_val_if_fail ((guint) failure < G_N_ELEMENTS (injected_failure_names), NULL);
  return injected_failure_names[failure];
}

gboolean
sesame_injected_failure_from_string (const char            *text,
                                     SesameInjectedFailure *failure)
{
  g_return_val_if_fail (failure != NULL, FALSE);

  for (guint i = 0; text && i < G_N_ELEMENTS (injected_failure_names); i++)
    if (g_str_equal (text, injected_failure_names[i]))
      {
        *failure = (SesameInjectedFailure) i;
        return TRUE;
      }
  return FALSE;
}

void
sesame_credential_request_set_injected_failure (SesameCredentialRequest *self,
                                                SesameInjectedFailure    failure)
{
  g_return_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self));
  g_return_if_fail (self->kind == SESAME_CREDENTIAL_REQUEST_GET);
  g_return_if_fail (self->outcome == SESAME_CREDENTIAL_REQUEST_PENDING);

  self->injected = failure;
  /* The page's own origin, or the wrong one the answer is to claim. */
  sesame_credential_options_build_client_data (self->opts,
                                               failure == SESAME_INJECTED_FAILURE_WRONG_ORIGIN
                                               ? SESAME_INJECTED_WRONG_ORIGIN : self->opts->origin);
}

SesameInjectedFailure
sesame_credential_request_get_injected_failure (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), SESAME_INJECTED_FAILURE_NONE);
  return self->injected;
}

JsonNode *
sesame_credential_request_get_options (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->options;
}

JsonNode *
sesame_credential_request_get_credential (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->credential;
}

const GError *
sesame_credential_request_get_error (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->error;
}

GBytes *
sesame_credential_request_get_client_data_json (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->opts->client_data_json;
}

SesameCredentialRequestKind
sesame_credential_request_get_kind (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), SESAME_CREDENTIAL_REQUEST_GET);

  return self->kind;
}

SesameCredentialRequestOutcome
sesame_credential_request_get_outcome (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), SESAME_CREDENTIAL_REQUEST_FAILED);

  return self->outcome;
}

const char *
sesame_credential_request_get_origin (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->opts->origin;
}

const char *
sesame_credential_request_get_rp_id (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->opts->rp_id;
}

const char *
sesame_credential_request_get_rp_name (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->opts->rp_name;
}

const char *
sesame_credential_request_get_user_name (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->opts->user_name;
}

const char *
sesame_credential_request_get_user_display_name (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->opts->user_display_name;
}

gboolean
sesame_credential_request_is_conditional (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), FALSE);

  return self->conditional;
}

gboolean
sesame_credential_request_wants_pin (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), FALSE);

  /* Without a PIN the built-in store cannot verify the user: it answers
   * without claiming UV, and an RP that requires UV refuses, as with a
   * real authenticator that has no UV. */
  if (!sesame_soft_authenticator_has_pin (self->authenticator))
    return FALSE;
  /* A test set what the authenticator claims: it asks for no PIN then. */
  if (sesame_soft_authenticator_get_user_verification (self->authenticator) !=
      SESAME_SOFT_USER_VERIFICATION_PIN)
    return FALSE;

  return self->opts->user_verification != SESAME_CREDENTIAL_UV_DISCOURAGED;
}

GPtrArray *
sesame_credential_request_get_candidates (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), NULL);

  return self->candidates;
}

/* The answers, in the JSON the shim turns into a PublicKeyCredential. */

static void
add_buffer (JsonBuilder *builder,
            const char  *name,
            GBytes      *bytes)
{
  g_autofree char *text = sesame_base64url_encode_bytes (bytes);

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

static void
begin_credential (SesameCredentialRequest *self,
                  JsonBuilder             *builder,
                  GBytes                  *credential_id,
                  gboolean                 security_key)
{
  g_autofree char *id = sesame_base64url_encode_bytes (credential_id);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, self->page_id);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "credential");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "public-key");
  json_builder_set_member_name (builder, "authenticatorAttachment");
  json_builder_add_string_value (builder, security_key ? "cross-platform" : "platform");
}

static void
answer (SesameCredentialRequest *self,
        JsonBuilder             *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  JsonNode *credential = json_object_get_member (json_node_get_object (root), "credential");

  self->credential = json_node_copy (credential);
  if (self->reply != NULL)
    sesame_bridge_reply_send (self->reply, self->context, root);
  finish (self, SESAME_CREDENTIAL_REQUEST_SUCCEEDED);
}

static void
answer_attestation (SesameCredentialRequest     *self,
                    SesameSoftAttestationResult *result,
                    gboolean                     security_key)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  begin_credential (self, builder, result->credential_id, security_key);

  json_builder_set_member_name (builder, "response");
  json_builder_begin_object (builder);
  add_buffer (builder, "clientDataJSON", self->opts->client_data_json);
  add_buffer (builder, "attestationObject", result->attestation_object);
  add_buffer (builder, "authenticatorData", result->authenticator_data);
  add_buffer (builder, "publicKey", result->public_key_der);
  json_builder_set_member_name (builder, "publicKeyAlgorithm");
  json_builder_add_int_value (builder, result->algorithm);
  json_builder_set_member_name (builder, "transports");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, security_key ? "usb" : "internal");
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "clientExtensionResults");
  json_builder_begin_object (builder);
  if (self->opts->cred_props)
    {
      /* Every credential the built-in store makes is discoverable; a
       * security key makes one when the RP asked for it. */
      json_builder_set_member_name (builder, "credProps");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "rk");
      json_builder_add_boolean_value (builder, !security_key || self->opts->resident_key);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  json_builder_end_object (builder);
  json_builder_end_object (builder);

  answer (self, builder);
}

static void
answer_assertion (SesameCredentialRequest   *self,
                  SesameSoftAssertionResult *result,
                  gboolean                   security_key)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  begin_credential (self, builder, result->credential_id, security_key);

  json_builder_set_member_name (builder, "response");
  json_builder_begin_object (builder);
  add_buffer (builder, "clientDataJSON", self->opts->client_data_json);
  add_buffer (builder, "authenticatorData", result->authenticator_data);
  add_buffer (builder, "signature", result->signature);
  if (result->user_handle != NULL)
    add_buffer (builder, "userHandle", result->user_handle);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "clientExtensionResults");
  json_builder_begin_object (builder);
  json_builder_end_object (builder);

  json_builder_end_object (builder);
  json_builder_end_object (builder);

  answer (self, builder);
}

static SesameSoftFault
soft_fault (SesameInjectedFailure failure)
{
  switch (failure)
    {
    case SESAME_INJECTED_FAILURE_BAD_SIGNATURE: return SESAME_SOFT_FAULT_BAD_SIGNATURE;
    case SESAME_INJECTED_FAILURE_NO_UP: return SESAME_SOFT_FAULT_NO_UP;
    case SESAME_INJECTED_FAILURE_NO_UV: return SESAME_SOFT_FAULT_NO_UV;
    case SESAME_INJECTED_FAILURE_OLD_COUNTER: return SESAME_SOFT_FAULT_OLD_COUNTER;
    case SESAME_INJECTED_FAILURE_WRONG_ORIGIN: /* the client data says it */
    case SESAME_INJECTED_FAILURE_NONE:
    default:
      return SESAME_SOFT_FAULT_NONE;
    }
}

/* The user may try again after these; everything else ends the request. */
static gboolean
is_retryable (const GError *error)
{
  return g_error_matches (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_INVALID) ||
         g_error_matches (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_REQUIRED);
}

gboolean
sesame_credential_request_accept (SesameCredentialRequest  *self,
                                  GBytes                   *credential_id,
                                  const char               *pin,
                                  GError                  **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean user_verification;

  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), FALSE);
  g_return_val_if_fail (self->outcome == SESAME_CREDENTIAL_REQUEST_PENDING, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  user_verification = sesame_credential_request_wants_pin (self);

  if (self->kind == SESAME_CREDENTIAL_REQUEST_CREATE)
    {
      g_autoptr(SesameSoftAttestationResult) result = NULL;
      SesameSoftMakeCredential make = {
        .client_data_hash = self->opts->client_data_hash,
        .rp_id = self->opts->rp_id,
        .rp_name = self->opts->rp_name,
        .user_handle = self->opts->user_handle,
        .user_name = self->opts->user_name,
        .user_display_name = self->opts->user_display_name,
        .algorithms = (const int *) (gpointer) self->opts->algorithms->data,
        .n_algorithms = self->opts->algorithms->len,
        .exclude_list = self->opts->credential_ids,
        .resident_key = self->opts->resident_key,
        .user_verification = user_verification,
        .pin = user_verification ? pin : NULL,
        .attestation = self->opts->attestation,
      };

      result = sesame_soft_authenticator_make_credential (self->authenticator, &make, &local_error);
      if (result != NULL)
        {
          answer_attestation (self, result, FALSE);
          return TRUE;
        }
    }
  else
    {
      g_autoptr(SesameSoftAssertionResult) result = NULL;
      SesameSoftGetAssertion get = {
        .client_data_hash = self->opts->client_data_hash,
        .rp_id = self->opts->rp_id,
        .allow_list = self->opts->credential_ids,
        .credential_id = credential_id,
        .user_verification = user_verification,
        .pin = user_verification ? pin : NULL,
        .fault = soft_fault (self->injected),
      };

      /* Only what the page allowed and the chooser showed. */
      if (credential_id != NULL)
        {
          gboolean offered = FALSE;

          for (guint i = 0; i < self->candidates->len && !offered; i++)
            {
              SesameCredentialCandidate *candidate = g_ptr_array_index (self->candidates, i);
              offered = g_bytes_equal (candidate->credential_id, credential_id);
            }

          if (!offered)
            {
              g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_NOT_FOUND,
                           "That passkey is not one this request may use");
              return FALSE;
            }
        }
      else if (self->candidates->len > 0)
        {
          SesameCredentialCandidate *first = g_ptr_array_index (self->candidates, 0);
          get.credential_id = first->credential_id;
        }

      result = sesame_soft_authenticator_get_assertion (self->authenticator, &get, &local_error);
      if (result != NULL)
        {
          answer_assertion (self, result, FALSE);
          return TRUE;
        }
    }

  if (!is_retryable (local_error))
    sesame_credential_request_fail (self, SESAME_CREDENTIAL_REQUEST_FAILED, local_error);

  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

void
sesame_credential_request_cancel (SesameCredentialRequest *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self));
  g_return_if_fail (self->outcome == SESAME_CREDENTIAL_REQUEST_PENDING);

  g_set_error_literal (&error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_NOT_ALLOWED,
                       SESAME_BRIDGE_NOT_ALLOWED_MESSAGE);
  sesame_credential_request_fail (self, SESAME_CREDENTIAL_REQUEST_CANCELLED, error);
}

/* Security keys */

/* What leaves a security-key request pending: the user types a PIN, sets
 * one, or plugs the key in again (or picks another authenticator). */
static gboolean
is_retryable_on_key (const GError *error)
{
  if (error->domain != SESAME_SECURITY_KEY_ERROR)
    return FALSE;
  switch (error->code)
    {
    case SESAME_SECURITY_KEY_ERROR_PIN_REQUIRED:
    case SESAME_SECURITY_KEY_ERROR_PIN_INVALID:
    case SESAME_SECURITY_KEY_ERROR_PIN_NOT_SET:
    case SESAME_SECURITY_KEY_ERROR_PIN_POLICY:
    case SESAME_SECURITY_KEY_ERROR_REMOVED:
    case SESAME_SECURITY_KEY_ERROR_NOT_FOUND:
      return TRUE;
    default:
      return FALSE;
    }
}

static SesameSecurityKeyUserVerification
key_user_verification (SesameCredentialUserVerification user_verification)
{
  switch (user_verification)
    {
    case SESAME_CREDENTIAL_UV_REQUIRED: return SESAME_SECURITY_KEY_UV_REQUIRED;
    case SESAME_CREDENTIAL_UV_DISCOURAGED: return SESAME_SECURITY_KEY_UV_DISCOURAGED;
    case SESAME_CREDENTIAL_UV_PREFERRED:
    default:
      return SESAME_SECURITY_KEY_UV_PREFERRED;
    }
}

static void
key_ceremony_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SesameCredentialRequest *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  int retries = -1;
  gpointer answer = sesame_security_key_run_finish (result, &retries, &error);

  g_clear_object (&self->key_cancellable);
  g_task_set_task_data (task, GINT_TO_POINTER (retries), NULL);

  if (self->outcome != SESAME_CREDENTIAL_REQUEST_PENDING)
    {
      /* cancelled, aborted, timed out or navigated while the key worked */
      if (answer != NULL && self->kind == SESAME_CREDENTIAL_REQUEST_CREATE)
        sesame_soft_attestation_result_free (answer);
      else if (answer != NULL)
        sesame_soft_assertion_result_free (answer);
      g_task_return_new_error (task, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_CANCELLED,
                               "The request ended before the security key answered");
      return;
    }

  if (answer != NULL && self->kind == SESAME_CREDENTIAL_REQUEST_CREATE)
    {
      answer_attestation (self, answer, TRUE);
      sesame_soft_attestation_result_free (answer);
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (answer != NULL)
    {
      answer_assertion (self, answer, TRUE);
      sesame_soft_assertion_result_free (answer);
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (!is_retryable_on_key (error))
    sesame_credential_request_fail (self, SESAME_CREDENTIAL_REQUEST_FAILED, error);
  g_task_return_error (task, g_steal_pointer (&error));
}

void
sesame_credential_request_accept_security_key_async (SesameCredentialRequest *self,
                                                     const char              *path,
                                                     const char              *pin,
                                                     GAsyncReadyCallback      callback,
                                                     gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  SesameSecurityKeyRequest request = {
    .client_data_hash = self->opts->client_data_hash,
    .rp_id = self->opts->rp_id,
    .timeout_ms = (int) self->opts->timeout_ms,
    .user_verification = key_user_verification (self->opts->user_verification),
    .pin = pin,
    .rp_name = self->opts->rp_name,
    .user_handle = self->opts->user_handle,
    .user_name = self->opts->user_name,
    .user_display_name = self->opts->user_display_name,
    .algorithms = (const int *) (gpointer) self->opts->algorithms->data,
    .n_algorithms = self->opts->algorithms->len,
    .resident_key = self->opts->resident_key,
    .exclude_list = self->opts->credential_ids,
  };

  g_return_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, sesame_credential_request_accept_security_key_async);
  g_task_set_task_data (task, GINT_TO_POINTER (-1), NULL);

  if (self->outcome != SESAME_CREDENTIAL_REQUEST_PENDING)
    {
      g_task_return_new_error (task, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_CANCELLED,
                               "The request has ended");
      return;
    }
  if (self->key_cancellable != NULL)
    {
      g_task_return_new_error (task, SESAME_SECURITY_KEY_ERROR,
                               SESAME_SECURITY_KEY_ERROR_INVALID_ARGUMENT,
                               "A security key is already working on this request");
      return;
    }

  self->key_cancellable = g_cancellable_new ();
  sesame_security_key_run_async (path,
                                 self->kind == SESAME_CREDENTIAL_REQUEST_CREATE
                                 ? SESAME_SECURITY_KEY_MAKE_CREDENTIAL
                                 : SESAME_SECURITY_KEY_GET_ASSERTION,
                                 &request, self->key_cancellable, key_ceremony_cb,
                                 g_steal_pointer (&task));
}

gboolean
sesame_credential_request_accept_security_key_finish (SesameCredentialRequest  *self,
                                                      GAsyncResult             *result,
                                                      int                      *pin_retries,
                                                      GError                  **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (pin_retries != NULL)
    *pin_retries = GPOINTER_TO_INT (g_task_get_task_data (G_TASK (result)));
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
sesame_credential_request_is_key_busy (SesameCredentialRequest *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (self), FALSE);

  return self->key_cancellable != NULL;
}
