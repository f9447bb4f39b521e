/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameActivityView: the Activity view. A GtkListView of the tenant's
 * actions, newest first (state badge in words and colour, user,
 * verification method, authenticator, origin, time), filtered by user,
 * action and outcome and by a search; export as JSON Lines; clear. The
 * chosen action shows its timeline, its flow diagram and the inspector of
 * its ceremony. With nothing chosen it follows the newest action.
 */

#include <adwaita.h>

#include "sesame-activity-model.h"
#include "sesame-application.h"
#include "sesame-credentials-bridge.h"
#include "sesame-flow-diagram.h"
#include "sesame-inspector.h"

G_BEGIN_DECLS

#define SESAME_TYPE_ACTIVITY_VIEW (sesame_activity_view_get_type ())
G_DECLARE_FINAL_TYPE (SesameActivityView, sesame_activity_view, SESAME, ACTIVITY_VIEW, GtkWidget)

/* Follows @app's tenant and the ceremonies @bridge answers (the caller
 * keeps @bridge; the view holds no reference to it). */
void                 sesame_activity_view_attach          (SesameActivityView      *self,
                                                           SesameApplication       *app,
                                                           SesameCredentialsBridge *bridge);

SesameActivityModel *sesame_activity_view_get_model       (SesameActivityView *self);
/* What the list shows after the filters. */
GListModel          *sesame_activity_view_get_shown       (SesameActivityView *self);

/* The filters, as the drop-downs and the search entry set them; NULL: any.
 * @outcome is a SesameActivityOutcome or -1 for any. Returns FALSE, and
 * changes nothing, when a drop-down does not offer @user or @action_code
 * (nothing seen has it). */
gboolean             sesame_activity_view_set_filters     (SesameActivityView *self,
                                                           const char         *user,
                                                           const char         *action_code,
                                                           int                 outcome,
                                                           const char         *search);

/* The chosen action (NULL: none); choosing one shows its details. */
SesameActivityItem  *sesame_activity_view_get_selected    (SesameActivityView *self);
void                 sesame_activity_view_select          (SesameActivityView *self,
                                                           guint               position);
/* "timeline", "flow" or "inspector". */
void                 sesame_activity_view_show_page       (SesameActivityView *self,
                                                           const char         *page);

SesameInspector     *sesame_activity_view_get_inspector   (SesameActivityView *self);
SesameFlowDiagram   *sesame_activity_view_get_diagram     (SesameActivityView *self);
/* The timeline's rows: AdwActionRow, one a step. */
GtkListBox          *sesame_activity_view_get_timeline    (SesameActivityView *self);

/* The badge words for an item's state. */
const char          *sesame_activity_view_get_state_label (SesameActivityItem *item);

/* Writes the activity (all of it but what Clear removed, whatever the
 * filters) to @file as JSON Lines, replacing it whole. */
gboolean             sesame_activity_view_export          (SesameActivityView  *self,
                                                           GFile               *file,
                                                           GError             **error);

G_END_DECLS
