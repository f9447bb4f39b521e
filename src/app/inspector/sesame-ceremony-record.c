/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-ceremony-record.h"

#include "sesame-event-details.h"
#include "sesame-json.h"

struct _SesameCeremonyRecord
{
  GObject parent_instance;

  SesameCeremony ceremony;
  SesameCredentialRequestOutcome outcome;
  gint64 time;
  char *origin;
  char *rp_id;
  char *user_name;
  char *credential_id;
  char *failure;
  SesameInjectedFailure injected;
  JsonNode *options;
  JsonNode *credential;
  JsonNode *description;       /* made on first use */
  SesameEvent *verdict;
  JsonNode *verdict_details;   /* the verdict's details, parsed */
};

G_DEFINE_FINAL_TYPE (SesameCeremonyRecord, sesame_ceremony_record, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_VERDICT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sesame_ceremony_record_finalize (GObject *object)
{
  SesameCeremonyRecord *self = SESAME_CEREMONY_RECORD (object);

  g_free (self->origin);
  g_free (self->rp_id);
  g_free (self->user_name);
  g_free (self->credential_id);
  g_free (self->failure);
  g_clear_pointer (&self->options, json_node_unref);
  g_clear_pointer (&self->credential, json_node_unref);
  g_clear_pointer (&self->description, json_node_unref);
  g_clear_pointer (&self->verdict, sesame_event_free);
  g_clear_pointer (&self->verdict_details, json_node_unref);

  G_OBJECT_CLASS (sesame_ceremony_record_parent_class)->finalize (object);
}

static void
sesame_ceremony_record_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  SesameCeremonyRecord *self = SESAME_CEREMONY_RECORD (object);

  switch (prop_id)
    {
    case PROP_VERDICT:
      g_value_set_boxed (value, self->verdict);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sesame_ceremony_record_class_init (SesameCeremonyRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sesame_ceremony_record_finalize;
  object_class->get_property = sesame_ceremony_record_get_property;

  properties[PROP_VERDICT] =
    g_param_spec_boxed ("verdict", NULL, NULL, SESAME_TYPE_EVENT,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sesame_ceremony_record_init (SesameCeremonyRecord *self)
{
}

SesameCeremonyRecord *
sesame_ceremony_record_new (SesameCredentialRequest *request)
{
  SesameCeremonyRecord *self;
  JsonNode *options, *credential;
  const GError *error;

  g_return_val_if_fail (SESAME_IS_CREDENTIAL_REQUEST (request), NULL);
  g_return_val_if_fail (sesame_credential_request_get_outcome (request) !=
                        SESAME_CREDENTIAL_REQUEST_PENDING, NULL);

  self = g_object_new (SESAME_TYPE_CEREMONY_RECORD, NULL);
  self->ceremony = sesame_credential_request_get_kind (request) == SESAME_CREDENTIAL_REQUEST_CREATE
                     ? SESAME_CEREMONY_REGISTRATION
                     : SESAME_CEREMONY_AUTHENTICATION;
  self->outcome = sesame_credential_request_get_outcome (request);
  self->time = g_get_real_time ();
  self->origin = g_strdup (sesame_credential_request_get_origin (request));
  self->rp_id = g_strdup (sesame_credential_request_get_rp_id (request));
  self->user_name = g_strdup (sesame_credential_request_get_user_name (request));
  self->injected = sesame_credential_request_get_injected_failure (request);

  options = sesame_credential_request_get_options (request);
  if (options)
    self->options = json_node_copy (options);
  credential = sesame_credential_request_get_credential (request);
  if (credential && JSON_NODE_HOLDS_OBJECT (credential))
    {
      JsonObject *object = json_node_get_object (credential);

      self->credential = json_node_copy (credential);
      if (json_object_has_member (object, "id"))
        self->credential_id = g_strdup (json_object_get_string_member (object, "id"));
    }
  error = sesame_credential_request_get_error (request);
  if (error)
    self->failure = g_strdup (error->message);
  return self;
}

SesameCeremony
sesame_ceremony_record_get_ceremony (SesameCeremonyRecord *self)
{
  g_return_val_if_fail (SESAME_IS_CEREMONY_RECORD (self), SESAME_CEREMONY_REGISTRATION);
  return self->ceremony;
}

SesameCredentialRequestOutcome
sesame_ceremony_record_get_outcome (SesameCeremonyRecord *self)
{
  g_return_val_if_fail (SESAME_IS_CEREMONY_RECORD (self), SESAME_CREDENTIAL_REQUEST_PENDING);
  return self->outcome;
}

gint64
sesame_ceremony_record_get_time (SesameCeremonyRecord *self)
{
  g_return_val_if_fail (SESAME_IS_CEREMONY_RECORD (self), 0);
  return self->time;
}

const char *
sesame_ceremony_record_get_origin (SesameCeremonyRecord *self)
{
  g_return_val_if_fail (SESAME_IS_CEREMONY_RECORD (self), NULL);
  return self->origin;
}

const char *
sesame_ceremony_record_get_rp_id (SesameCeremonyRecord *self)
{
  g_return_val_if_fail (SESAME_IS_CEREMONY_RECORD (self), NULL);
  return self->rp_id;
}

const char *
sesame_ceremony_record_get_user_name (SesameCeremonyRecord *self)
{
  g_return_val_if_fail (SESAME_IS_CEREMONY_RECORD (self), NULL);
  return self->user_name;
}

const char *
sesame_ceremony_record_get_credential_id (SesameCeremonyRecord *self)
{
  g_return_val_if_fail (SESAME_IS_CEREMONY_RECORD (self), NULL);
  return self->credential_id;
}

JsonNode *
sesame_ceremony_record_get_options (SesameCeremonyRecord *self)
{
  g_return_val_if_fail (SESAME_IS_CEREMONY_RECORD (self), NULL);
  return self->options;
}

JsonNode *
sesame_ceremony_record_get_credential (SesameCeremonyRecord *self)
{
  g_return_val_if_fail (SESAME_IS_CEREMONY_RECORD (self), NULL);
  return self->credential;
}

SesameInjectedFailure
sesame_ceremony_record_get_injected_failure (SesameCeremonyRecord *self)
{
  g_return_val_if_fail (SESAME_IS_CEREMONY_RECORD (self), SESAME_INJECTED_FAILURE_NONE);
  return self->injected;
}

const char *
sesame_ceremony_record_get_failure (SesameCeremonyRecord *self)
{
  g_return_val_if_fail (SESAME_IS_CEREMONY_RECORD (self), NULL);
  return self->failure;
}

JsonNode *
sesame_ceremony_record_get_description (SesameCeremonyRecord *self)
{
  g_return_val_if_fail (SESAME_IS_CEREMONY_RECORD (self), NULL);

  if (!self->credential)
    return NULL;
  if (!self->description)
    self->description = sesame_ceremony_describe_credential (self->ceremony, self->credential);
  return self->description;
}

const SesameEvent *
sesame_ceremony_record_get_verdict (SesameCeremonyRecord *self)
{
  g_return_val_if_fail (SESAME_IS_CEREMONY_RECORD (self), NULL);
  return self->verdict;
}



gboolean
sesame_ceremony_record_is_verdict (SesameCeremonyRecord *self,
                                   const SesameEvent    *event)
{
  g_autoptr(JsonNode) node = NULL;
  const char *kind;
  JsonObject *details;

  g_return_val_if_fail (SESAME_IS_CEREMONY_RECORD (self), FALSE);
  g_return_val_if_fail (event != NULL, FALSE);

  kind = self->ceremony == SESAME_CEREMONY_REGISTRATION ? "registration" : "authentication";
  if (!self->credential_id || g_strcmp0 (event->kind, kind) != 0)
    return FALSE;
  node = sesame_event_parse_details (event);
  details = node ? json_node_get_object (node) : NULL;
  return g_strcmp0 (sesame_json_member_string (details, "credentialId"), self->credential_id) == 0;
}

void
sesame_ceremony_record_set_verdict (SesameCeremonyRecord *self,
                                    const SesameEvent    *event)
{
  g_return_if_fail (SESAME_IS_CEREMONY_RECORD (self));
  g_return_if_fail (event != NULL);

  g_clear_pointer (&self->verdict, sesame_event_free);
  g_clear_pointer (&self->verdict_details, json_node_unref);
  self->verdict = sesame_event_copy (event);
  self->verdict_details = sesame_event_parse_details (self->verdict);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERDICT]);
}

const char *
sesame_ceremony_record_get_refusal_code (SesameCeremonyRecord *self)
{
  JsonObject *details;
  const char *code;

  g_return_val_if_fail (SESAME_IS_CEREMONY_RECORD (self), NULL);

  if (!self->verdict || g_strcmp0 (self->verdict->outcome, "success") == 0)
    return NULL;
  details = self->verdict_details ? json_node_get_object (self->verdict_details) : NULL;
  code = sesame_json_member_string (details, "webauthnError");
  if (!code)
    code = sesame_json_member_string (details, "refusal");
  /* A refusal the tenant gave no code for still stopped every check. */
  return code ? code : "refused";
}

JsonNode *
sesame_ceremony_record_dup_checks (SesameCeremonyRecord *self,
                                   gboolean              user_verification_required)
{
  g_return_val_if_fail (SESAME_IS_CEREMONY_RECORD (self), NULL);

  if (!self->verdict)
    return NULL;
  return sesame_ceremony_describe_checks (self->ceremony,
                                          sesame_ceremony_record_get_refusal_code (self),
                                          user_verification_required);
}
