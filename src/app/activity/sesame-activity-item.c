/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-activity-item.h"

#include "sesame-event-details.h"
#include "sesame-json.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

struct _SesameActivityItem
{
  GObject parent_instance;

  char *action_key;
  char *action_code;
  char *user_id;
  char *user_name;
  char *state;
  char *verification_method;
  char *aaguid;
  char *origin;
  char *title;
  char *reason;
  gint64 created;
  gint64 updated;
  SesameActivityOutcome outcome;

  GPtrArray *events;       /* SesameEvent, oldest first */
  GPtrArray *ceremonies;   /* SesameCeremonyRecord, oldest first */
};

G_DEFINE_FINAL_TYPE (SesameActivityItem, sesame_activity_item, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
sesame_activity_step_free (SesameActivityStep *step)
{
  if (!step)
    return;
  g_free (step->title);
  g_free (step->request);
  g_free (step->answer);
  g_free (step->detail);
  g_free (step);
}

static void
sesame_activity_item_finalize (GObject *object)
{
  SesameActivityItem *self = SESAME_ACTIVITY_ITEM (object);

  g_free (self->action_key);
  g_free (self->action_code);
  g_free (self->user_id);
  g_free (self->user_name);
  g_free (self->state);
  g_free (self->verification_method);
  g_free (self->aaguid);
  g_free (self->origin);
  g_free (self->title);
  g_free (self->reason);
  g_clear_pointer (&self->events, g_ptr_array_unref);
  if (self->ceremonies)
    for (guint i = 0; i < self->ceremonies->len; i++)
      g_signal_handlers_disconnect_by_data (self->ceremonies->pdata[i], self);
  g_clear_pointer (&self->ceremonies, g_ptr_array_unref);

  G_OBJECT_CLASS (sesame_activity_item_parent_class)->finalize (object);
}

static void
sesame_activity_item_class_init (SesameActivityItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sesame_activity_item_finalize;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sesame_activity_item_init (SesameActivityItem *self)
{
  self->events = g_ptr_array_new_with_free_func ((GDestroyNotify) sesame_event_free);
  self->ceremonies = g_ptr_array_new_with_free_func (g_object_unref);
}

SesameActivityItem *
sesame_activity_item_new (const char *action_key)
{
  SesameActivityItem *self = g_object_new (SESAME_TYPE_ACTIVITY_ITEM, NULL);

  self->action_key = g_strdup (action_key);
  return self;
}


static void
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
}

/* Steps */

static SesameActivityStep *
step_new (gint64          time,
          SesameFlowLane  from,
          SesameFlowLane  to,
          const char     *request,
          const char     *answer,
          gboolean        failed)
{
  SesameActivityStep *step = g_new0 (SesameActivityStep, 1);

  step->time = time;
  step->from = from;
  step->to = to;
  step->request = g_strdup (request);
  step->answer = g_strdup (answer);
  step->failed = failed;
  return step;
}

static SesameActivityStep *
step_for_event (const SesameEvent *event)
{
  gboolean success = g_strcmp0 (event->outcome, "success") == 0;
  SesameActivityStep *step;
  const char *kind = event->kind;

  if (g_str_equal (kind, "track"))
    {
      g_autofree char *code = sesame_event_dup_detail (event, "actionCode");

      step = step_new (event->time, SESAME_FLOW_LANE_BACKEND, SESAME_FLOW_LANE_TENANT, "track",
                       success ? _("token") : _("refused"), !success);
      step->title = code ? g_strdup_printf (_("Tracked “%s”"), code) : g_strdup (_("Tracked"));
    }
  else if (g_str_equal (kind, "challenge") || g_str_equal (kind, "registration-options") ||
           g_str_equal (kind, "authentication-options"))
    {
      step = step_new (event->time, SESAME_FLOW_LANE_PAGE, SESAME_FLOW_LANE_TENANT,
                       g_str_equal (kind, "challenge") ? "challenge" : "options",
                       success ? _("challenge") : _("refused"), !success);
      if (g_str_equal (kind, "registration-options"))
        step->title = g_strdup (_("Challenge issued for a new passkey"));
      else
        step->title = g_strdup (_("Challenge issued for a sign-in"));
    }
  else if (g_str_equal (kind, "registration") || g_str_equal (kind, "authentication"))
    {
      gboolean registration = g_str_equal (kind, "registration");

      step = step_new (event->time, SESAME_FLOW_LANE_PAGE, SESAME_FLOW_LANE_TENANT, "verify",
                       success ? _("verified") : _("refused"), !success);
      if (registration)
        step->title = g_strdup (success ? _("Passkey verified and registered")
                                        : _("Registration refused"));
      else
        step->title = g_strdup (success ? _("Sign-in verified") : _("Sign-in refused"));
    }
  else if (g_str_equal (kind, "validate"))
    {
      success = g_strcmp0 (event->outcome, "valid") == 0;
      step = step_new (event->time, SESAME_FLOW_LANE_BACKEND, SESAME_FLOW_LANE_TENANT, "validate",
                       success ? _("valid") : _("not valid"), !success);
      step->title = g_strdup (success ? _("Token validated by the backend")
                                      : _("The backend’s token was not valid"));
    }
  else if (g_str_equal (kind, "authenticator-delete") || g_str_equal (kind, "user-delete"))
    {
      step = step_new (event->time, SESAME_FLOW_LANE_BACKEND, SESAME_FLOW_LANE_TENANT, "delete",
                       success ? _("deleted") : _("refused"), !success);
      step->title = g_strdup (g_str_equal (kind, "user-delete") ? _("User deleted")
                                                                 : _("Passkey deleted"));
    }
  else if (g_str_equal (kind, "tenant"))
    {
      step = step_new (event->time, SESAME_FLOW_LANE_BACKEND, SESAME_FLOW_LANE_TENANT, "tenant",
                       event->outcome ? event->outcome : "", FALSE);
      step->title = g_strdup (_("Local tenant started"));
    }
  else
    {
      /* A kind of a newer tenant: shown as it is named. */
      step = step_new (event->time, SESAME_FLOW_LANE_BACKEND, SESAME_FLOW_LANE_TENANT, kind,
                       event->outcome ? event->outcome : "", FALSE);
      step->title = g_strdup (kind);
    }
  step->detail = g_strdup (event->reason);
  step->event = event;
  return step;
}

static SesameActivityStep *
step_for_record (SesameCeremonyRecord *record)
{
  gboolean create = sesame_ceremony_record_get_ceremony (record) == SESAME_CEREMONY_REGISTRATION;
  gboolean success = sesame_ceremony_record_get_outcome (record) ==
                     SESAME_CREDENTIAL_REQUEST_SUCCEEDED;
  SesameActivityStep *step;

  step = step_new (sesame_ceremony_record_get_time (record), SESAME_FLOW_LANE_PAGE,
                   SESAME_FLOW_LANE_AUTHENTICATOR, create ? "create()" : "get()",
                   success ? _("credential") : _("no credential"), !success);
  if (success)
    step->title = g_strdup (create ? _("Credential created by the authenticator")
                                   : _("Credential asserted by the authenticator"));
  else
    step->title = g_strdup (_("The authenticator gave no credential"));
  step->detail = g_strdup (sesame_ceremony_record_get_failure (record));
  step->record = record;
  return step;
}

static int
compare_steps (gconstpointer a,
               gconstpointer b)
{
  const SesameActivityStep *x = *(SesameActivityStep * const *) a;
  const SesameActivityStep *y = *(SesameActivityStep * const *) b;

  return x->time < y->time ? -1 : x->time > y->time;
}

GPtrArray *
sesame_activity_item_dup_steps (SesameActivityItem *self)
{
  GPtrArray *steps;

  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), NULL);

  steps = g_ptr_array_new_with_free_func ((GDestroyNotify) sesame_activity_step_free);
  for (guint i = 0; i < self->events->len; i++)
    g_ptr_array_add (steps, step_for_event (self->events->pdata[i]));
  for (guint i = 0; i < self->ceremonies->len; i++)
    g_ptr_array_add (steps, step_for_record (self->ceremonies->pdata[i]));
  /* g_ptr_array_sort() is stable: an event and a ceremony of the same
   * microsecond keep their order of arrival. */
  g_ptr_array_sort (steps, compare_steps);
  return steps;
}

static gboolean
is_ceremony_kind (const char *kind)
{
  static const char * const kinds[] = {
    "track", "challenge", "registration-options", "authentication-options", "registration",
    "authentication", "validate", NULL
  };

  return g_strv_contains (kinds, kind);
}

/* What the row shows, recomputed after each change. */
static void
recompute (SesameActivityItem *self)
{
  g_autoptr(GPtrArray) steps = sesame_activity_item_dup_steps (self);
  SesameActivityOutcome outcome = SESAME_ACTIVITY_OUTCOME_IN_PROGRESS;
  const char *failure = NULL;
  const char *last_reason = NULL;
  /* Administration (a deletion, the tenant's set-up) is neither a success
   * nor a failure of a sign-in or sign-up. */
  gboolean administrative = steps->len > 0;

  for (guint i = 0; i < steps->len; i++)
    {
      SesameActivityStep *step = steps->pdata[i];
      const char *kind = step->event ? step->event->kind : NULL;

      if (!kind || is_ceremony_kind (kind))
        administrative = FALSE;
      if (step->detail)
        last_reason = step->detail;
      if (step->failed)
        {
          outcome = SESAME_ACTIVITY_OUTCOME_FAILED;
          failure = step->detail ? step->detail : step->title;
        }
      else if (kind && (g_str_equal (kind, "registration") || g_str_equal (kind, "authentication")))
        {
          outcome = SESAME_ACTIVITY_OUTCOME_SUCCEEDED;
          failure = NULL;
        }
    }
  if (administrative)
    outcome = SESAME_ACTIVITY_OUTCOME_OTHER;

  /* The tenant's own state, when known, has the last word. */
  if (self->state)
    {
      if (g_str_equal (self->state, "CHALLENGE_SUCCEEDED") || g_str_equal (self->state, "ALLOW") ||
          g_str_equal (self->state, "REVIEW_SUCCEEDED"))
        outcome = SESAME_ACTIVITY_OUTCOME_SUCCEEDED;
      else if (g_str_equal (self->state, "CHALLENGE_FAILED") || g_str_equal (self->state, "BLOCK") ||
               g_str_equal (self->state, "REVIEW_FAILED"))
        outcome = SESAME_ACTIVITY_OUTCOME_FAILED;
    }
  self->outcome = outcome;
  set_string (&self->reason, outcome == SESAME_ACTIVITY_OUTCOME_FAILED && failure ? failure
                                                                                  : last_reason);

  if (steps->len > 0)
    {
      self->created = ((SesameActivityStep *) steps->pdata[0])->time;
      self->updated = ((SesameActivityStep *) steps->pdata[steps->len - 1])->time;
    }
  if (self->action_code)
    set_string (&self->title, self->action_code);
  else if (steps->len > 0)
    set_string (&self->title, ((SesameActivityStep *) steps->pdata[0])->title);
}

static void
changed (SesameActivityItem *self)
{
  recompute (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* Accessors */

const char *
sesame_activity_item_get_action_key (SesameActivityItem *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), NULL);
  return self->action_key;
}

void
sesame_activity_item_set_action_key (SesameActivityItem *self,
                                     const char         *action_key)
{
  g_return_if_fail (SESAME_IS_ACTIVITY_ITEM (self));
  set_string (&self->action_key, action_key);
}

void
sesame_activity_item_set_action (SesameActivityItem *self,
                                 const SesameAction *action)
{
  g_return_if_fail (SESAME_IS_ACTIVITY_ITEM (self));
  g_return_if_fail (action != NULL);

  set_string (&self->action_code, action->action_code);
  set_string (&self->user_id, action->user_id);
  set_string (&self->state, action->state);
  if (action->verification_method)
    set_string (&self->verification_method, action->verification_method);
  changed (self);
}

const char *
sesame_activity_item_get_action_code (SesameActivityItem *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), NULL);
  return self->action_code;
}

const char *
sesame_activity_item_get_user_id (SesameActivityItem *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), NULL);
  return self->user_id;
}

const char *
sesame_activity_item_get_user_name (SesameActivityItem *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), NULL);
  return self->user_name ? self->user_name : self->user_id;
}

void
sesame_activity_item_set_user_name (SesameActivityItem *self,
                                    const char         *user_name)
{
  g_return_if_fail (SESAME_IS_ACTIVITY_ITEM (self));
  if (g_strcmp0 (self->user_name, user_name) == 0)
    return;
  set_string (&self->user_name, user_name);
  changed (self);
}

const char *
sesame_activity_item_get_state (SesameActivityItem *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), NULL);
  return self->state;
}

const char *
sesame_activity_item_get_verification_method (SesameActivityItem *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), NULL);
  return self->verification_method;
}

const char *
sesame_activity_item_get_aaguid (SesameActivityItem *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), NULL);
  return self->aaguid;
}

void
sesame_activity_item_set_aaguid (SesameActivityItem *self,
                                 const char         *aaguid)
{
  g_return_if_fail (SESAME_IS_ACTIVITY_ITEM (self));
  if (g_strcmp0 (self->aaguid, aaguid) == 0)
    return;
  set_string (&self->aaguid, aaguid);
  changed (self);
}

const char *
sesame_activity_item_get_origin (SesameActivityItem *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), NULL);
  return self->origin;
}

gint64
sesame_activity_item_get_created (SesameActivityItem *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), 0);
  return self->created;
}

gint64
sesame_activity_item_get_updated (SesameActivityItem *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), 0);
  return self->updated;
}

SesameActivityOutcome
sesame_activity_item_get_outcome (SesameActivityItem *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), SESAME_ACTIVITY_OUTCOME_OTHER);
  return self->outcome;
}

const char *
sesame_activity_item_get_reason (SesameActivityItem *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), NULL);
  return self->reason;
}

const char *
sesame_activity_item_get_title (SesameActivityItem *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), NULL);
  return self->title ? self->title : _("Passkey ceremony");
}

GPtrArray *
sesame_activity_item_get_events (SesameActivityItem *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), NULL);
  return self->events;
}

const char *
sesame_activity_item_get_last_kind (SesameActivityItem *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), NULL);

  if (self->events->len == 0)
    return NULL;
  return ((SesameEvent *) self->events->pdata[self->events->len - 1])->kind;
}

static void
take_event (SesameActivityItem *self,
            SesameEvent        *event)
{
  /* The model hands events over in id order; keep that order. */
  g_ptr_array_add (self->events, event);

  if (event->user_id && !self->user_id)
    self->user_id = g_strdup (event->user_id);
  if (event->origin)
    set_string (&self->origin, event->origin);
  if (g_str_equal (event->kind, "track") && !self->action_code)
    self->action_code = sesame_event_dup_detail (event, "actionCode");
  /* An open sign-in's challenge carries its action code in its id
   * ("<uuid>.signInWithPasskey"): name the attempt before it has an action. */
  if (!self->action_code && (g_str_equal (event->kind, "challenge") ||
                             g_str_equal (event->kind, "authentication-options")))
    {
      g_autofree char *challenge_id = sesame_event_dup_detail (event, "challengeId");
      const char *dot = challenge_id ? strrchr (challenge_id, '.') : NULL;

      if (dot && dot[1])
        self->action_code = g_strdup (dot + 1);
    }
  if (g_str_equal (event->kind, "track") && !self->state)
    self->state = sesame_event_dup_detail (event, "state");
  if (g_str_equal (event->kind, "registration") && g_strcmp0 (event->outcome, "success") == 0)
    {
      g_autofree char *aaguid = sesame_event_dup_detail (event, "aaguid");

      if (aaguid)
        set_string (&self->aaguid, aaguid);
    }
  if ((g_str_equal (event->kind, "registration") || g_str_equal (event->kind, "authentication")) &&
      g_strcmp0 (event->outcome, "success") == 0 && !self->verification_method)
    self->verification_method = g_strdup ("PASSKEY");
}

void
sesame_activity_item_add_event (SesameActivityItem *self,
                                const SesameEvent  *event)
{
  g_return_if_fail (SESAME_IS_ACTIVITY_ITEM (self));
  g_return_if_fail (event != NULL);

  take_event (self, sesame_event_copy (event));
  changed (self);
}

static void
record_verdict_cb (SesameActivityItem *self)
{
  changed (self);
}

static void
take_ceremony (SesameActivityItem   *self,
               SesameCeremonyRecord *record)
{
  g_ptr_array_add (self->ceremonies, record);
  g_signal_connect_swapped (record, "notify::verdict", G_CALLBACK (record_verdict_cb), self);
  if (!self->origin && sesame_ceremony_record_get_origin (record))
    self->origin = g_strdup (sesame_ceremony_record_get_origin (record));
}

static int
compare_events (gconstpointer a,
                gconstpointer b)
{
  const SesameEvent *x = *(SesameEvent * const *) a;
  const SesameEvent *y = *(SesameEvent * const *) b;

  return x->id < y->id ? -1 : x->id > y->id;
}

void
sesame_activity_item_absorb (SesameActivityItem *self,
                             SesameActivityItem *other)
{
  g_return_if_fail (SESAME_IS_ACTIVITY_ITEM (self));
  g_return_if_fail (SESAME_IS_ACTIVITY_ITEM (other));
  g_return_if_fail (self != other);

  while (other->events->len > 0)
    take_event (self, g_ptr_array_steal_index (other->events, 0));
  g_ptr_array_sort (self->events, compare_events);
  while (other->ceremonies->len > 0)
    {
      SesameCeremonyRecord *record = g_ptr_array_steal_index (other->ceremonies, 0);

      g_signal_handlers_disconnect_by_data (record, other);
      take_ceremony (self, record);
    }
  changed (other);
  changed (self);
}

GPtrArray *
sesame_activity_item_get_ceremonies (SesameActivityItem *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), NULL);
  return self->ceremonies;
}

void
sesame_activity_item_add_ceremony (SesameActivityItem   *self,
                                   SesameCeremonyRecord *record)
{
  g_return_if_fail (SESAME_IS_ACTIVITY_ITEM (self));
  g_return_if_fail (SESAME_IS_CEREMONY_RECORD (record));

  take_ceremony (self, g_object_ref (record));
  changed (self);
}

void
sesame_activity_item_remove_ceremony (SesameActivityItem   *self,
                                      SesameCeremonyRecord *record)
{
  g_return_if_fail (SESAME_IS_ACTIVITY_ITEM (self));

  g_signal_handlers_disconnect_by_data (record, self);
  if (g_ptr_array_remove (self->ceremonies, record))
    changed (self);
}

SesameCeremonyRecord *
sesame_activity_item_get_latest_ceremony (SesameActivityItem *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), NULL);

  if (self->ceremonies->len == 0)
    return NULL;
  return self->ceremonies->pdata[self->ceremonies->len - 1];
}

/* Filtering */

static gboolean
contains_folded (const char *haystack,
                 const char *needle_folded)
{
  g_autofree char *folded = NULL;

  if (!haystack)
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle_folded) != NULL;
}

gboolean
sesame_activity_item_matches (SesameActivityItem *self,
                              const char         *user,
                              const char         *action_code,
                              int                 outcome,
                              const char         *search_folded)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_ITEM (self), FALSE);

  if (user && *user && g_strcmp0 (sesame_activity_item_get_user_name (self), user) != 0)
    return FALSE;
  if (action_code && *action_code && g_strcmp0 (self->action_code, action_code) != 0)
    return FALSE;
  if (outcome >= 0 && (int) self->outcome != outcome)
    return FALSE;
  if (!search_folded || !*search_folded)
    return TRUE;

  if (contains_folded (self->action_code, search_folded) ||
      contains_folded (self->user_id, search_folded) ||
      contains_folded (self->user_name, search_folded) ||
      contains_folded (self->state, search_folded) ||
      contains_folded (self->origin, search_folded) ||
      contains_folded (self->aaguid, search_folded) ||
      contains_folded (self->title, search_folded))
    return TRUE;
  for (guint i = 0; i < self->events->len; i++)
    {
      SesameEvent *event = self->events->pdata[i];

      if (contains_folded (event->reason, search_folded) ||
          contains_folded (event->kind, search_folded))
        return TRUE;
    }
  for (guint i = 0; i < self->ceremonies->len; i++)
    if (contains_folded (sesame_ceremony_record_get_failure (self->ceremonies->pdata[i]),
                         search_folded))
      return TRUE;
  return FALSE;
}

/* Export */

static void
append_line (GString     *out,
             JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = json_to_string (root, FALSE);

  g_string_append (out, text);
  g_string_append_c (out, '\n');
}

void
sesame_activity_item_append_json_lines (SesameActivityItem *self,
                                        GString            *out)
{
  g_return_if_fail (SESAME_IS_ACTIVITY_ITEM (self));
  g_return_if_fail (out != NULL);

  for (guint i = 0; i < self->events->len; i++)
    {
      SesameEvent *event = self->events->pdata[i];
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "source");
      json_builder_add_string_value (builder, "tenant");
      sesame_event_build_json (builder, event);
      json_builder_end_object (builder);
      append_line (out, builder);
    }
  for (guint i = 0; i < self->ceremonies->len; i++)
    {
      SesameCeremonyRecord *record = self->ceremonies->pdata[i];
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      gboolean create = sesame_ceremony_record_get_ceremony (record) == SESAME_CEREMONY_REGISTRATION;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "source");
      json_builder_add_string_value (builder, "authenticator");
      sesame_json_builder_add_time (builder, "time", sesame_ceremony_record_get_time (record));
      sesame_json_builder_add_string (builder, "kind", create ? "create" : "get");
      sesame_json_builder_add_string (builder, "actionKey", self->action_key);
      sesame_json_builder_add_string (builder, "outcome",
                  sesame_ceremony_record_get_outcome (record) == SESAME_CREDENTIAL_REQUEST_SUCCEEDED
                    ? "success" : "failure");
      sesame_json_builder_add_string (builder, "reason", sesame_ceremony_record_get_failure (record));
      sesame_json_builder_add_string (builder, "origin", sesame_ceremony_record_get_origin (record));
      sesame_json_builder_add_string (builder, "rpId", sesame_ceremony_record_get_rp_id (record));
      sesame_json_builder_add_string (builder, "credentialId", sesame_ceremony_record_get_credential_id (record));
      json_builder_end_object (builder);
      append_line (out, builder);
    }
}
