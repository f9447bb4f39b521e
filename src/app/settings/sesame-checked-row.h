/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameCheckedRow: an AdwEntryRow whose text is checked as it is typed.
 * The check's message is shown in a row of its own right under the field
 * (sesame_checked_row_get_message_row(); add it to the same group after
 * this row), the field is marked as wrong, and applying (the apply button
 * or Enter) emits ::commit only while the text passes the check. A commit
 * that fails later (the store refused it) is shown the same way with
 * sesame_checked_row_show_error().
 */

#include <adwaita.h>

G_BEGIN_DECLS

/* Returns TRUE when @text is acceptable, FALSE with @error (whose message
 * is shown as is) when not. */
typedef gboolean (*SesameCheckFunc) (const char  *text,
                                     gpointer     user_data,
                                     GError     **error);

#define SESAME_TYPE_CHECKED_ROW (sesame_checked_row_get_type ())
G_DECLARE_FINAL_TYPE (SesameCheckedRow, sesame_checked_row, SESAME, CHECKED_ROW, AdwEntryRow)

GtkWidget  *sesame_checked_row_new             (const char        *title,
                                                SesameCheckFunc    check,
                                                gpointer           user_data,
                                                GDestroyNotify     destroy);
/* Replaces the apply button with a labelled one (such as "_Add") that is
 * sensitive only while the text is right and not empty; Enter applies too.
 * For fields that add something rather than edit it. */
void        sesame_checked_row_set_action_label (SesameCheckedRow *self,
                                                 const char       *label);
/* The row that shows the message; hidden while there is none. */
GtkWidget  *sesame_checked_row_get_message_row (SesameCheckedRow  *self);
/* Adds the row and its message row to @group. */
void        sesame_checked_row_add_to_group    (SesameCheckedRow  *self,
                                                AdwPreferencesGroup *group);
void        sesame_checked_row_remove_from_group (SesameCheckedRow  *self,
                                                  AdwPreferencesGroup *group);

/* Sets the text without a commit (what is stored now) and checks it. */
void        sesame_checked_row_set_text        (SesameCheckedRow  *self,
                                                const char        *text);
/* The message shown under the field, or NULL while the text is right. */
const char *sesame_checked_row_get_message     (SesameCheckedRow  *self);
/* Checks the text again (after what the check depends on changed). */
void        sesame_checked_row_recheck         (SesameCheckedRow  *self);
/* Shows @error under the field until the text changes (NULL: clears). */
void        sesame_checked_row_show_error      (SesameCheckedRow  *self,
                                                const GError      *error);
/* What a click on the apply button does: ::commit if the text is right;
 * returns whether it was committed. */
gboolean    sesame_checked_row_apply           (SesameCheckedRow  *self);

/*
 * SesameCheckedRow::commit (SesameCheckedRow *row, const char *text)
 *
 * The user applied a text that passed the check. The handler saves it,
 * and on failure calls sesame_checked_row_show_error().
 */

G_END_DECLS
