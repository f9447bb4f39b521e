/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameFlowDiagram: a sequence diagram of one flow, drawn natively. Four
 * lanes (Web page, Your backend, Local tenant, Authenticator) and, for
 * each step, the request as a solid arrow and the answer as a dashed one
 * back; a failed step's answer is red and carries its reason. Large type
 * and thick lines, for a projector. Its accessible description (and
 * sesame_flow_diagram_dup_text()) says the same in words.
 */

#include <gtk/gtk.h>

#include "sesame-activity-item.h"

G_BEGIN_DECLS

/* Milliseconds between steps while replaying. */
#define SESAME_FLOW_DIAGRAM_REPLAY_INTERVAL 700

#define SESAME_TYPE_FLOW_DIAGRAM (sesame_flow_diagram_get_type ())
G_DECLARE_FINAL_TYPE (SesameFlowDiagram, sesame_flow_diagram, SESAME, FLOW_DIAGRAM, GtkWidget)

GtkWidget *sesame_flow_diagram_new        (void);

/* Shows @steps (SesameActivityStep; copied). A step added to the flow
 * shown before appears at once: the diagram follows the flow as it
 * happens. */
void       sesame_flow_diagram_set_steps  (SesameFlowDiagram *self,
                                           GPtrArray         *steps);
guint      sesame_flow_diagram_get_n_steps (SesameFlowDiagram *self);
/* Steps drawn now: fewer than all while replaying. */
guint      sesame_flow_diagram_get_n_shown (SesameFlowDiagram *self);

/* Draws the flow again from its first step, one step at a time. */
void       sesame_flow_diagram_replay     (SesameFlowDiagram *self);
gboolean   sesame_flow_diagram_is_replaying (SesameFlowDiagram *self);

/* The text alternative: one line a step. */
char      *sesame_flow_diagram_dup_text   (SesameFlowDiagram *self);

const char *sesame_flow_lane_get_name     (SesameFlowLane     lane);

G_END_DECLS
