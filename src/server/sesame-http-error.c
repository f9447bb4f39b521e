/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-http-error.h"

#include "sesame-tenant-types.h"
#include "sesame-webauthn.h"

G_DEFINE_QUARK (sesame-api-error-quark, sesame_api_error)

typedef struct
{
  const char *code;
  guint       status;
} WireError;

static const WireError internal_error = { "internal_error", SOUP_STATUS_INTERNAL_SERVER_ERROR };
/* The disk is full or read-only: nothing was changed, and the same request
 * works once the machine has room again, without a restart. */
static const WireError unavailable = { "service_unavailable", SOUP_STATUS_SERVICE_UNAVAILABLE };

/* Seconds a client is asked to wait before trying again. */
#define RETRY_AFTER "10"
/* A full disk refuses every write: say so in the log now and then, not for
 * every request. */
#define UNAVAILABLE_LOG_INTERVAL_US (10 * G_USEC_PER_SEC)

static const WireError api_errors[] = {
  [SESAME_API_ERROR_INVALID_REQUEST] = { "invalid_request", SOUP_STATUS_BAD_REQUEST },
  [SESAME_API_ERROR_INVALID_TOKEN] = { "invalid_token", SOUP_STATUS_UNAUTHORIZED },
  [SESAME_API_ERROR_EXPIRED_TOKEN] = { "expired_token", SOUP_STATUS_UNAUTHORIZED },
  [SESAME_API_ERROR_UNAUTHORIZED] = { "unauthorized", SOUP_STATUS_UNAUTHORIZED },
  [SESAME_API_ERROR_FORBIDDEN] = { "forbidden", SOUP_STATUS_FORBIDDEN },
  [SESAME_API_ERROR_NOT_FOUND] = { "not_found", SOUP_STATUS_NOT_FOUND },
  [SESAME_API_ERROR_METHOD_NOT_ALLOWED] = { "method_not_allowed", SOUP_STATUS_METHOD_NOT_ALLOWED },
  [SESAME_API_ERROR_PAYLOAD_TOO_LARGE] = { "payload_too_large",
                                           SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE },
  /* The wire has no code of its own for this: the body is bad input. */
  [SESAME_API_ERROR_UNSUPPORTED_MEDIA_TYPE] = { "invalid_request",
                                                SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE },
  /* A page on an origin its tenant does not expect: refused before the
   * handler, whatever a browser would have done with the reply. */
  [SESAME_API_ERROR_ORIGIN_NOT_ALLOWED] = { "origin_not_allowed", SOUP_STATUS_FORBIDDEN },
  [SESAME_API_ERROR_INTERNAL] = { "internal_error", SOUP_STATUS_INTERNAL_SERVER_ERROR },
};

static const WireError rule_errors[] = {
  [SESAME_RULE_ERROR_INVALID_INPUT] = { "invalid_request", SOUP_STATUS_BAD_REQUEST },
  [SESAME_RULE_ERROR_TOKEN_INVALID] = { "invalid_token", SOUP_STATUS_UNAUTHORIZED },
  /* A token in the body of validate is bad input (400), not a failed
   * authentication of the backend (401). */
  [SESAME_RULE_ERROR_TOKEN_EXPIRED] = { "expired_token", SOUP_STATUS_BAD_REQUEST },
  [SESAME_RULE_ERROR_TOKEN_REFUSED] = { "invalid_token", SOUP_STATUS_BAD_REQUEST },
  [SESAME_RULE_ERROR_USER_MISMATCH] = { "invalid_request", SOUP_STATUS_BAD_REQUEST },
  [SESAME_RULE_ERROR_ACTION_MISMATCH] = { "invalid_request", SOUP_STATUS_BAD_REQUEST },
  [SESAME_RULE_ERROR_ACTION_NOT_FOUND] = { "not_found", SOUP_STATUS_NOT_FOUND },
  [SESAME_RULE_ERROR_ACTION_CLOSED] = { "conflict", SOUP_STATUS_CONFLICT },
  [SESAME_RULE_ERROR_IDEMPOTENCY_CONFLICT] = { "conflict", SOUP_STATUS_CONFLICT },
  [SESAME_RULE_ERROR_SCOPE_MISSING] = { "forbidden", SOUP_STATUS_FORBIDDEN },
  [SESAME_RULE_ERROR_CHALLENGE_NOT_FOUND] = { "challenge_not_found", SOUP_STATUS_NOT_FOUND },
  [SESAME_RULE_ERROR_CHALLENGE_REPLAYED] = { "challenge_replayed", SOUP_STATUS_CONFLICT },
  [SESAME_RULE_ERROR_CHALLENGE_EXPIRED] = { "challenge_expired", SOUP_STATUS_BAD_REQUEST },
  [SESAME_RULE_ERROR_UNKNOWN_CREDENTIAL] = { "unknown_credential", SOUP_STATUS_NOT_FOUND },
  [SESAME_RULE_ERROR_WRONG_USER] = { "invalid_credential", SOUP_STATUS_BAD_REQUEST },
  [SESAME_RULE_ERROR_ALREADY_REGISTERED] = { "conflict", SOUP_STATUS_CONFLICT },
  [SESAME_RULE_ERROR_INTERNAL] = { "internal_error", SOUP_STATUS_INTERNAL_SERVER_ERROR },
  /* The request is fine; the tenant is not ready to take it. */
  [SESAME_RULE_ERROR_PASSKEYS_NOT_SET_UP] = { "passkeys_not_set_up", SOUP_STATUS_CONFLICT },
};

static const WireError *
classify (const GError *error)
{
  static const WireError not_found = { "not_found", SOUP_STATUS_NOT_FOUND };
  static const WireError conflict = { "conflict", SOUP_STATUS_CONFLICT };
  static const WireError invalid_request = { "invalid_request", SOUP_STATUS_BAD_REQUEST };
  static const WireError replayed = { "challenge_replayed", SOUP_STATUS_CONFLICT };
  static const WireError expired = { "challenge_expired", SOUP_STATUS_BAD_REQUEST };
  static const WireError unauthorized = { "unauthorized", SOUP_STATUS_UNAUTHORIZED };
  static const WireError token_expired = { "expired_token", SOUP_STATUS_UNAUTHORIZED };
  static const WireError token_invalid = { "invalid_token", SOUP_STATUS_UNAUTHORIZED };
  static const WireError bad_base64url = { "invalid_base64url", SOUP_STATUS_BAD_REQUEST };
  static const WireError bad_credential = { "invalid_credential", SOUP_STATUS_BAD_REQUEST };

  if (error->domain == SESAME_API_ERROR && (gsize) error->code < G_N_ELEMENTS (api_errors))
    return &api_errors[error->code];
  if (error->domain == SESAME_RULE_ERROR && (gsize) error->code < G_N_ELEMENTS (rule_errors) &&
      rule_errors[error->code].code)
    return &rule_errors[error->code];
  if (error->domain == SESAME_STORE_ERROR)
    switch ((SesameStoreError) error->code)
      {
      case SESAME_STORE_ERROR_NOT_FOUND: return &not_found;
      case SESAME_STORE_ERROR_CONFLICT: return &conflict;
      case SESAME_STORE_ERROR_CONSTRAINT: return &invalid_request;
      case SESAME_STORE_ERROR_ALREADY_USED: return &replayed;
      case SESAME_STORE_ERROR_EXPIRED: return &expired;
      case SESAME_STORE_ERROR_SECRET_KEY_MISMATCH: return &unauthorized;
      /* The rules turn a stale sign count into a refused assertion; one
       * that reaches here is a conflict all the same. */
      case SESAME_STORE_ERROR_STALE: return &conflict;
      case SESAME_STORE_ERROR_FULL:
      case SESAME_STORE_ERROR_READ_ONLY: return &unavailable;
      case SESAME_STORE_ERROR_SCHEMA_TOO_NEW:
      case SESAME_STORE_ERROR_IO:
      default: return &internal_error;
      }
  if (error->domain == SESAME_TOKEN_ERROR)
    return error->code == SESAME_TOKEN_ERROR_EXPIRED ? &token_expired : &token_invalid;
  if (error->domain == SESAME_WEBAUTHN_ERROR)
    return error->code == SESAME_WEBAUTHN_ERROR_BAD_BASE64URL ? &bad_base64url : &bad_credential;
  return &internal_error;
}

const char *
sesame_http_error_code (const GError *error,
                        guint        *status)
{
  const WireError *wire = classify (error);

  if (status)
    *status = wire->status;
  return wire->code;
}

void
sesame_reply_set_error (SesameReply         *reply,
                        const SesameRequest *req,
                        const GError        *error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const WireError *wire = classify (error);
  const char *description = error->message;
  g_autofree char *valid_description = NULL;

  g_return_if_fail (reply && req && error);

  if (wire == &unavailable)
    {
      static GMutex log_lock;
      static gint64 last_logged;
      gint64 now = g_get_monotonic_time ();
      gboolean log;

      /* Not a warning: the tenant is fine, its machine is not, and the
       * reply tells the client exactly that. Handlers may run on several
       * threads, hence the lock. */
      g_mutex_lock (&log_lock);
      log = last_logged == 0 || now - last_logged >= UNAVAILABLE_LOG_INTERVAL_US;
      if (log)
        last_logged = now;
      g_mutex_unlock (&log_lock);
      if (log)
        g_message ("%s %s refused: %s", req->method, req->path, error->message);
      description = g_error_matches (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_FULL) ?
        "The disk that holds the local tenant's data is full, so the request changed nothing; "
        "free some space and send it again" :
        "The local tenant's data cannot be written (the file or its folder is read-only), so "
        "the request changed nothing; make it writable and send it again";
      sesame_reply_set_header (reply, "Retry-After", RETRY_AFTER);
    }
  /* An internal failure's message may name files; the log has it. */
  else if (wire == &internal_error || wire->status == SOUP_STATUS_INTERNAL_SERVER_ERROR)
    {
      g_warning ("%s %s failed: %s", req->method, req->path, error->message);
      description = "The local tenant could not complete the request; its log says why";
    }

  /* Messages that quote the request do so through sesame_http_quote();
   * one that does not is a bug (the fuzz target aborts on this warning),
   * and the reply stays JSON all the same. */
  if (!g_utf8_validate (description, -1, NULL))
    {
      g_warning ("%s: the message of a %s error is not valid UTF-8", G_STRFUNC, wire->code);
      description = valid_description = g_utf8_make_valid (description, -1);
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, wire->code);
  json_builder_set_member_name (builder, "errorCode");
  json_builder_add_string_value (builder, wire->code);
  json_builder_set_member_name (builder, "errorDescription");
  json_builder_add_string_value (builder, description);
  if (error->domain == SESAME_WEBAUTHN_ERROR)
    {
      json_builder_set_member_name (builder, "webauthnError");
      json_builder_add_string_value (builder, sesame_webauthn_error_to_string (error->code));
    }
  if (reply->error_extra)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init (&iter, reply->error_extra);
      while (json_object_iter_next (&iter, &name, &value))
        {
          json_builder_set_member_name (builder, name);
          json_builder_add_value (builder, json_node_copy (value));
        }
    }
  json_builder_end_object (builder);
  sesame_reply_builder (reply, wire->status, builder);
}

gboolean
sesame_api_fail (GError        **error,
                 SesameApiError  code,
                 const char     *format,
                 ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (SESAME_API_ERROR, code, format, args));
  va_end (args);
  return FALSE;
}
