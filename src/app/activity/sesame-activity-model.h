/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameActivityModel: the tenant's activity as a GListModel of
 * SesameActivityItem, newest first, for a GtkListView. It reads the
 * stored events in pages from a low-priority idle (so that thousands do
 * not stall the window), then follows SesameServer::event-added, taking
 * what was announced in batches from an idle, so that a burst costs the
 * views one update per batch rather than one per event. Events
 * are grouped by action; an open sign-in's challenge joins the action it
 * became through the challenge id both events carry. The ceremonies the
 * built-in authenticator answered are added by the window and joined to
 * the action whose challenge they answered, then to the tenant's verdict
 * on their credential.
 */

#include <gtk/gtk.h>

#include "sesame-activity-item.h"
#include "sesame-server.h"

G_BEGIN_DECLS

/* Events taken in per idle callback, while loading and after a burst. */
#define SESAME_ACTIVITY_MODEL_PAGE 500

#define SESAME_TYPE_ACTIVITY_MODEL (sesame_activity_model_get_type ())
G_DECLARE_FINAL_TYPE (SesameActivityModel, sesame_activity_model, SESAME, ACTIVITY_MODEL, GObject)

SesameActivityModel *sesame_activity_model_new            (void);

/* Shows the activity of @server's tenant (NULL: none), from the start. */
void                 sesame_activity_model_set_server     (SesameActivityModel  *self,
                                                           SesameServer         *server);
/* TRUE until the stored events have been read. */
gboolean             sesame_activity_model_is_loading     (SesameActivityModel  *self);
guint                sesame_activity_model_get_n_events   (SesameActivityModel  *self);

void                 sesame_activity_model_add_ceremony   (SesameActivityModel  *self,
                                                           SesameCeremonyRecord *record);
/* The item @record was joined to, or NULL. */
SesameActivityItem  *sesame_activity_model_find_ceremony_item (SesameActivityModel  *self,
                                                               SesameCeremonyRecord *record);

/* Empties the list; events up to now stay in the tenant's log but are not
 * shown again (until the model is given a server again). */
void                 sesame_activity_model_clear          (SesameActivityModel  *self);

/* The users (their usernames where the tenant knows them, else their ids)
 * and action codes seen, in order of appearance: GtkStringList. */
GListModel          *sesame_activity_model_get_user_names (SesameActivityModel  *self);
GListModel          *sesame_activity_model_get_action_codes (SesameActivityModel *self);

/* Every shown event and ceremony as JSON Lines, action by action, oldest
 * first (see sesame_activity_item_append_json_lines()). */
char                *sesame_activity_model_dup_json_lines (SesameActivityModel  *self);

/*
 * SesameActivityModel::loaded (SesameActivityModel *self)
 *   The stored events have been read.
 */

G_END_DECLS
