/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameActivityItem: one row of the Activity view. Usually a tenant
 * action (its idempotency key groups its events: tracked, challenge
 * issued, credential verified or refused, token validated) together with
 * the ceremonies the built-in authenticator answered for it; otherwise a
 * lone event (a deletion) or a ceremony the tenant never heard of (a page
 * that made up its own options). Events are kept oldest first.
 */

#include "sesame-ceremony-record.h"
#include "sesame-store.h"

G_BEGIN_DECLS

typedef enum
{
  SESAME_ACTIVITY_OUTCOME_IN_PROGRESS, /* no verdict yet */
  SESAME_ACTIVITY_OUTCOME_SUCCEEDED,
  SESAME_ACTIVITY_OUTCOME_FAILED,
  SESAME_ACTIVITY_OUTCOME_OTHER,       /* not a sign-in or sign-up: a deletion, … */
} SesameActivityOutcome;

/* Who talks to whom in a flow, left to right as the diagram draws them. */
typedef enum
{
  SESAME_FLOW_LANE_PAGE,
  SESAME_FLOW_LANE_BACKEND,
  SESAME_FLOW_LANE_TENANT,
  SESAME_FLOW_LANE_AUTHENTICATOR,
  SESAME_FLOW_N_LANES,
} SesameFlowLane;

/* One step of an item's timeline: a request from one lane to another and
 * its answer. */
typedef struct
{
  gint64          time;        /* µs */
  SesameFlowLane  from;
  SesameFlowLane  to;
  char           *title;       /* "Tracked sign-up", translated */
  char           *request;     /* the arrow's label: "track", "create()", … */
  char           *answer;      /* the answer's label: "token", "refused", … */
  char           *detail;      /* the reason or other words, may be NULL */
  gboolean        failed;
  const SesameEvent    *event;  /* borrowed from the item, or NULL */
  SesameCeremonyRecord *record; /* borrowed from the item, or NULL */
} SesameActivityStep;

void sesame_activity_step_free (SesameActivityStep *step);

#define SESAME_TYPE_ACTIVITY_ITEM (sesame_activity_item_get_type ())
G_DECLARE_FINAL_TYPE (SesameActivityItem, sesame_activity_item, SESAME, ACTIVITY_ITEM, GObject)

SesameActivityItem   *sesame_activity_item_new              (const char *action_key);

/* NULL for an item that is not an action. */
const char           *sesame_activity_item_get_action_key   (SesameActivityItem *self);
void                  sesame_activity_item_set_action_key   (SesameActivityItem *self,
                                                             const char         *action_key);
/* From the tenant's action record when the model could read it, else
 * from the events. */
void                  sesame_activity_item_set_action       (SesameActivityItem *self,
                                                             const SesameAction *action);
const char           *sesame_activity_item_get_action_code  (SesameActivityItem *self);
const char           *sesame_activity_item_get_user_id      (SesameActivityItem *self);
/* The user's username on the tenant when known, else the user id. */
const char           *sesame_activity_item_get_user_name    (SesameActivityItem *self);
void                  sesame_activity_item_set_user_name    (SesameActivityItem *self,
                                                             const char         *user_name);
/* The action's state ("CHALLENGE_SUCCEEDED", …), NULL when not an action. */
const char           *sesame_activity_item_get_state        (SesameActivityItem *self);
const char           *sesame_activity_item_get_verification_method (SesameActivityItem *self);
/* The AAGUID of the passkey involved, NULL when not known. */
const char           *sesame_activity_item_get_aaguid       (SesameActivityItem *self);
void                  sesame_activity_item_set_aaguid       (SesameActivityItem *self,
                                                             const char         *aaguid);
const char           *sesame_activity_item_get_origin       (SesameActivityItem *self);
gint64                sesame_activity_item_get_created      (SesameActivityItem *self);
gint64                sesame_activity_item_get_updated      (SesameActivityItem *self);
SesameActivityOutcome sesame_activity_item_get_outcome      (SesameActivityItem *self);
/* The most telling reason: the refusal's when it failed, else the last. */
const char           *sesame_activity_item_get_reason       (SesameActivityItem *self);
/* A short title: the action code, or what the lone event was. */
const char           *sesame_activity_item_get_title        (SesameActivityItem *self);

/* SesameEvent, oldest first, owned by the item. */
GPtrArray            *sesame_activity_item_get_events       (SesameActivityItem *self);
void                  sesame_activity_item_add_event        (SesameActivityItem *self,
                                                             const SesameEvent  *event);
/* Moves @other's events and ceremonies into @self (an open sign-in's
 * options joined to the action it became). */
void                  sesame_activity_item_absorb           (SesameActivityItem *self,
                                                             SesameActivityItem *other);

/* SesameCeremonyRecord, oldest first. */
GPtrArray            *sesame_activity_item_get_ceremonies   (SesameActivityItem   *self);
void                  sesame_activity_item_add_ceremony     (SesameActivityItem   *self,
                                                             SesameCeremonyRecord *record);
void                  sesame_activity_item_remove_ceremony  (SesameActivityItem   *self,
                                                             SesameCeremonyRecord *record);
/* The newest ceremony, or NULL. */
SesameCeremonyRecord *sesame_activity_item_get_latest_ceremony (SesameActivityItem *self);
/* The kind of the newest tenant event ("registration-options", …), or NULL. */
const char           *sesame_activity_item_get_last_kind    (SesameActivityItem *self);

/* The steps of the timeline and of the flow diagram, in time order: a new
 * array of SesameActivityStep that borrows from the item. */
GPtrArray            *sesame_activity_item_dup_steps        (SesameActivityItem *self);

/* The filters of the Activity view: NULL (or "") matches anything; @user
 * is compared with sesame_activity_item_get_user_name();
 * @search is matched, case-folded, against code, user, state, origin,
 * authenticator and every event's reason. */
gboolean              sesame_activity_item_matches          (SesameActivityItem *self,
                                                             const char         *user,
                                                             const char         *action_code,
                                                             int                 outcome,
                                                             const char         *search_folded);

/* One JSON object per event (id, time as ISO 8601, kind, actionKey,
 * userId, outcome, reason, origin, userAgent, details), appended to
 * @out, one a line. */
void                  sesame_activity_item_append_json_lines (SesameActivityItem *self,
                                                              GString            *out);

/*
 * SesameActivityItem::changed (SesameActivityItem *self)
 *   An event or a ceremony was added, or a verdict came.
 */

G_END_DECLS
