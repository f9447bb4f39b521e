/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-activity-view.h"

#include "sesame-aaguid.h"
#include "sesame-views.h"

#include <glib/gi18n.h>
#include <string.h>

struct _SesameActivityView
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkStack *stack;
  GtkSearchEntry *search_entry;
  GtkDropDown *user_dropdown;
  GtkDropDown *action_dropdown;
  GtkDropDown *outcome_dropdown;
  GtkMenuButton *failure_button;
  GtkListView *list_view;
  GtkLabel *count_label;
  GtkStack *detail_stack;
  GtkLabel *detail_title;
  GtkLabel *detail_subtitle;
  GtkLabel *detail_badge;
  GtkStack *detail_pages;
  GtkListBox *timeline;
  SesameFlowDiagram *diagram;
  GtkLabel *diagram_text;
  SesameInspector *inspector;

  SesameApplication *app;       /* weak */
  SesameCredentialsBridge *bridge; /* weak */
  char *injected_failure;       /* the bridge's, for the menu's radio items */
  SesameActivityModel *model;
  GtkCustomFilter *filter;
  GtkFilterListModel *filtered;
  GtkSingleSelection *selection;
  SesameActivityItem *shown;    /* the item the details show */
  gulong shown_handler;
  gboolean follow_latest;
  gboolean model_changing;      /* the selection moves with the list, not the user */

  char *filter_user;
  char *filter_code;
  int filter_outcome;
  char *filter_search;          /* case-folded */
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (SesameActivityView, sesame_activity_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_INJECTED_FAILURE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The outcome drop-down's rows, in order, and what each filters for. */
static const struct { const char *label; int outcome; } outcome_choices[] = {
  { N_("All outcomes"), -1 },
  { N_("Succeeded"), SESAME_ACTIVITY_OUTCOME_SUCCEEDED },
  { N_("Failed"), SESAME_ACTIVITY_OUTCOME_FAILED },
  { N_("In progress"), SESAME_ACTIVITY_OUTCOME_IN_PROGRESS },
  { N_("Other"), SESAME_ACTIVITY_OUTCOME_OTHER },
};

/* Words and colours */

const char *
sesame_activity_view_get_state_label (SesameActivityItem *item)
{
  static const struct { const char *state; const char *label; } states[] = {
    { "ALLOW", N_("Allowed") },
    { "BLOCK", N_("Blocked") },
    { "CHALLENGE_REQUIRED", N_("Challenge required") },
    { "CHALLENGE_SUCCEEDED", N_("Succeeded") },
    { "CHALLENGE_FAILED", N_("Failed") },
    { "REVIEW_REQUIRED", N_("Review required") },
    { "REVIEW_SUCCEEDED", N_("Review succeeded") },
    { "REVIEW_FAILED", N_("Review failed") },
  };
  const char *state = sesame_activity_item_get_state (item);

  /* A refused ceremony leaves a tracked action open: say what happened. */
  if (sesame_activity_item_get_outcome (item) == SESAME_ACTIVITY_OUTCOME_FAILED &&
      g_strcmp0 (state, "CHALLENGE_REQUIRED") == 0)
    return _("Refused");
  for (gsize i = 0; state && i < G_N_ELEMENTS (states); i++)
    if (g_str_equal (states[i].state, state))
      return _(states[i].label);
  switch (sesame_activity_item_get_outcome (item))
    {
    case SESAME_ACTIVITY_OUTCOME_SUCCEEDED: return _("Succeeded");
    case SESAME_ACTIVITY_OUTCOME_FAILED: return _("Failed");
    case SESAME_ACTIVITY_OUTCOME_IN_PROGRESS: return _("In progress");
    case SESAME_ACTIVITY_OUTCOME_OTHER:
    default:
      return _("Done");
    }
}

static void
style_badge (GtkWidget          *badge,
             SesameActivityItem *item)
{
  static const char *classes[] = { "success", "error", "warning", "neutral" };
  const char *css;

  for (gsize i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (badge, classes[i]);
  switch (sesame_activity_item_get_outcome (item))
    {
    case SESAME_ACTIVITY_OUTCOME_SUCCEEDED: css = "success"; break;
    case SESAME_ACTIVITY_OUTCOME_FAILED: css = "error"; break;
    case SESAME_ACTIVITY_OUTCOME_IN_PROGRESS: css = "warning"; break;
    case SESAME_ACTIVITY_OUTCOME_OTHER:
    default: css = "neutral"; break;
    }
  gtk_widget_add_css_class (badge, css);
  gtk_label_set_text (GTK_LABEL (badge), sesame_activity_view_get_state_label (item));
}

static char *
format_time (gint64 time)
{
  g_autoptr(GDateTime) date_time = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (!time)
    return g_strdup ("");
  date_time = g_date_time_new_from_unix_local (time / G_USEC_PER_SEC);
  if (!date_time)
    return g_strdup ("");
  if (g_date_time_get_year (date_time) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (date_time) == g_date_time_get_day_of_year (now))
    return g_date_time_format (date_time, "%X");
  return g_date_time_format (date_time, "%x %X");
}

static char *
dup_authenticator_name (SesameActivityView *self,
                        SesameActivityItem *item)
{
  const char *aaguid = sesame_activity_item_get_aaguid (item);
  SesameSoftAuthenticator *builtin = self->app ? sesame_application_get_authenticator (self->app)
                                               : NULL;

  if (!aaguid)
    return NULL;
  return sesame_aaguid_dup_display_name (aaguid, builtin ? sesame_soft_authenticator_get_aaguid (builtin)
                                                         : NULL);
}

/* user · method · authenticator · origin, whichever are known. */
static char *
dup_summary (SesameActivityView *self,
             SesameActivityItem *item)
{
  g_autofree char *authenticator = dup_authenticator_name (self, item);
  const char *parts[] = {
    sesame_activity_item_get_user_name (item),
    sesame_activity_item_get_verification_method (item),
    authenticator,
    sesame_activity_item_get_origin (item),
  };
  GString *text = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      if (!parts[i])
        continue;
      if (text->len)
        g_string_append (text, " · ");
      g_string_append (text, parts[i]);
    }
  return g_string_free (text, FALSE);
}

/* Rows */

typedef struct
{
  GtkWidget *badge;
  GtkWidget *title;
  GtkWidget *summary;
  GtkWidget *time;
} RowWidgets;

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              SesameActivityView       *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  RowWidgets *row = g_new0 (RowWidgets, 1);

  gtk_widget_add_css_class (box, "activity-row");
  row->badge = gtk_label_new (NULL);
  gtk_widget_set_valign (row->badge, GTK_ALIGN_CENTER);
  gtk_label_set_width_chars (GTK_LABEL (row->badge), 10);
  gtk_widget_add_css_class (row->badge, "state-badge");
  row->title = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (row->title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (row->title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (row->title, "heading");
  row->summary = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (row->summary), 0);
  gtk_label_set_ellipsize (GTK_LABEL (row->summary), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (row->summary, "dim-label");
  gtk_widget_add_css_class (row->summary, "caption");
  row->time = gtk_label_new (NULL);
  gtk_widget_set_valign (row->time, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (row->time, "dim-label");
  gtk_widget_add_css_class (row->time, "numeric");

  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (texts), row->title);
  gtk_box_append (GTK_BOX (texts), row->summary);
  gtk_box_append (GTK_BOX (box), row->badge);
  gtk_box_append (GTK_BOX (box), texts);
  gtk_box_append (GTK_BOX (box), row->time);
  g_object_set_data_full (G_OBJECT (box), "sesame-row", row, g_free);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             SesameActivityView       *self)
{
  SesameActivityItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  RowWidgets *row = g_object_get_data (G_OBJECT (box), "sesame-row");
  g_autofree char *summary = dup_summary (self, item);
  g_autofree char *time = format_time (sesame_activity_item_get_updated (item));

  style_badge (row->badge, item);
  gtk_label_set_text (GTK_LABEL (row->title), sesame_activity_item_get_title (item));
  gtk_label_set_text (GTK_LABEL (row->summary), summary);
  gtk_label_set_text (GTK_LABEL (row->time), time);
}

/* Details */

static void
show_record (SesameActivityView   *self,
             SesameCeremonyRecord *record)
{
  sesame_inspector_set_record (self->inspector, record);
  gtk_stack_set_visible_child_name (self->detail_pages, "inspector");
}

static void
inspect_clicked_cb (GtkButton          *button,
                    SesameActivityView *self)
{
  show_record (self, g_object_get_data (G_OBJECT (button), "sesame-record"));
}

static GtkWidget *
timeline_row (SesameActivityView *self,
              SesameActivityStep *step)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (step->failed ? "window-close-symbolic"
                                                               : "object-select-symbolic");
  g_autofree char *time = format_time (step->time);
  g_autofree char *subtitle = NULL;

  /* The title and subtitle say whether the step failed: the icon is a mark. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  gtk_widget_add_css_class (icon, step->failed ? "error" : "success");
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), step->title);
  if (step->detail)
    subtitle = g_strdup_printf ("%s — %s", time, step->detail);
  else
    subtitle = g_strdup (time);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  if (step->failed)
    gtk_widget_add_css_class (row, "failed");

  if (step->record && sesame_ceremony_record_get_credential (step->record))
    {
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Inspect"));

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      g_object_set_data_full (G_OBJECT (button), "sesame-record", g_object_ref (step->record),
                              g_object_unref);
      g_signal_connect (button, "clicked", G_CALLBACK (inspect_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  return row;
}

static void
update_details (SesameActivityView *self)
{
  SesameActivityItem *item = self->shown;
  g_autoptr(GPtrArray) steps = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *text = NULL;
  GtkWidget *child;

  if (!item)
    {
      gtk_stack_set_visible_child_name (self->detail_stack, "none");
      sesame_flow_diagram_set_steps (self->diagram, NULL);
      sesame_inspector_set_record (self->inspector, NULL);
      return;
    }
  gtk_stack_set_visible_child_name (self->detail_stack, "item");

  gtk_label_set_text (self->detail_title, sesame_activity_item_get_title (item));
  summary = dup_summary (self, item);
  if (sesame_activity_item_get_reason (item))
    {
      g_autofree char *with_reason = g_strdup_printf ("%s\n%s", summary,
                                                      sesame_activity_item_get_reason (item));
      gtk_label_set_text (self->detail_subtitle, with_reason);
    }
  else
    gtk_label_set_text (self->detail_subtitle, summary);
  style_badge (GTK_WIDGET (self->detail_badge), item);

  steps = sesame_activity_item_dup_steps (item);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->timeline))))
    gtk_list_box_remove (self->timeline, child);
  for (guint i = 0; i < steps->len; i++)
    gtk_list_box_append (self->timeline, timeline_row (self, steps->pdata[i]));

  sesame_flow_diagram_set_steps (self->diagram, steps);
  text = sesame_flow_diagram_dup_text (self->diagram);
  gtk_label_set_text (self->diagram_text, text);

  /* The latest ceremony, unless one of this item was chosen to inspect. */
  {
    SesameCeremonyRecord *record = sesame_inspector_get_record (self->inspector);
    GPtrArray *ceremonies = sesame_activity_item_get_ceremonies (item);

    if (!record || !g_ptr_array_find (ceremonies, record, NULL))
      sesame_inspector_set_record (self->inspector, sesame_activity_item_get_latest_ceremony (item));
  }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "activity.replay", steps->len > 0);
}

static void
shown_changed_cb (SesameActivityView *self)
{
  update_details (self);
}

static void
show_item (SesameActivityView *self,
           SesameActivityItem *item)
{
  if (item == self->shown)
    {
      update_details (self);
      return;
    }
  if (self->shown)
    g_clear_signal_handler (&self->shown_handler, self->shown);
  g_set_object (&self->shown, item);
  if (item)
    self->shown_handler = g_signal_connect_swapped (item, "changed", G_CALLBACK (shown_changed_cb),
                                                    self);
  /* Another action: its newest ceremony, on the page the user had open. */
  sesame_inspector_set_record (self->inspector, NULL);
  update_details (self);
}

static void
selection_changed_cb (SesameActivityView *self)
{
  guint selected = gtk_single_selection_get_selected (self->selection);

  /* Only the user's choice says whether to follow the newest action. */
  if (!self->model_changing)
    self->follow_latest = selected == 0 || selected == GTK_INVALID_LIST_POSITION;
  show_item (self, gtk_single_selection_get_selected_item (self->selection));
}

static void
update_count (SesameActivityView *self)
{
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  guint all = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  g_autofree char *text = NULL;

  if (shown == all)
    text = g_strdup_printf (ngettext ("%u action", "%u actions", all), all);
  else
    /* Translators: "3 of 10 actions", after filtering. */
    text = g_strdup_printf (ngettext ("%u of %u action", "%u of %u actions", all), shown, all);
  gtk_label_set_text (self->count_label, text);
}

/* Connected before the selection model's own handler. */
static void
filtered_changing_cb (SesameActivityView *self)
{
  self->model_changing = TRUE;
}

static void
filtered_changed_cb (GListModel         *model,
                     guint               position,
                     guint               removed,
                     guint               added,
                     SesameActivityView *self)
{
  gboolean empty = g_list_model_get_n_items (G_LIST_MODEL (self->model)) == 0;

  self->model_changing = FALSE;
  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "list");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "activity.export", !empty);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "activity.clear", !empty);
  update_count (self);

  /* Nothing chosen, or the newest: follow what happens. */
  if (self->follow_latest && position == 0 && added > 0)
    gtk_single_selection_set_selected (self->selection, 0);
}

/* Filtering */

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  SesameActivityView *self = user_data;

  return sesame_activity_item_matches (item, self->filter_user, self->filter_code,
                                       self->filter_outcome, self->filter_search);
}

static void
refilter (SesameActivityView *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static char *
dup_dropdown_choice (GtkDropDown *dropdown)
{
  GObject *item = gtk_drop_down_get_selected_item (dropdown);

  /* The first row is "all". */
  if (!item || gtk_drop_down_get_selected (dropdown) == 0)
    return NULL;
  return g_strdup (gtk_string_object_get_string (GTK_STRING_OBJECT (item)));
}

static void
dropdowns_changed_cb (SesameActivityView *self)
{
  guint outcome = gtk_drop_down_get_selected (self->outcome_dropdown);

  g_free (self->filter_user);
  self->filter_user = dup_dropdown_choice (self->user_dropdown);
  g_free (self->filter_code);
  self->filter_code = dup_dropdown_choice (self->action_dropdown);
  self->filter_outcome = outcome < G_N_ELEMENTS (outcome_choices) ? outcome_choices[outcome].outcome
                                                                  : -1;
  refilter (self);
}

static void
search_changed_cb (SesameActivityView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  g_free (self->filter_search);
  self->filter_search = *text ? g_utf8_casefold (text, -1) : NULL;
  refilter (self);
}

/* The position of @value among the choices of @dropdown: 0 ("all") for
 * NULL, GTK_INVALID_LIST_POSITION when it is not offered. */
static guint
find_choice (GtkDropDown *dropdown,
             const char  *value)
{
  GListModel *model = gtk_drop_down_get_model (dropdown);

  if (!value)
    return 0;
  for (guint i = 1; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_str_equal (gtk_string_object_get_string (item), value))
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

gboolean
sesame_activity_view_set_filters (SesameActivityView *self,
                                  const char         *user,
                                  const char         *action_code,
                                  int                 outcome,
                                  const char         *search)
{
  guint user_position, code_position, outcome_position = GTK_INVALID_LIST_POSITION;

  g_return_val_if_fail (SESAME_IS_ACTIVITY_VIEW (self), FALSE);

  user_position = find_choice (self->user_dropdown, user);
  code_position = find_choice (self->action_dropdown, action_code);
  for (guint i = 0; i < G_N_ELEMENTS (outcome_choices); i++)
    if (outcome_choices[i].outcome == outcome)
      outcome_position = i;
  if (user_position == GTK_INVALID_LIST_POSITION || code_position == GTK_INVALID_LIST_POSITION ||
      outcome_position == GTK_INVALID_LIST_POSITION)
    return FALSE;

  gtk_drop_down_set_selected (self->user_dropdown, user_position);
  gtk_drop_down_set_selected (self->action_dropdown, code_position);
  gtk_drop_down_set_selected (self->outcome_dropdown, outcome_position);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), search ? search : "");
  /* The entry's search-changed comes after a delay; filter now. */
  search_changed_cb (self);
  dropdowns_changed_cb (self);
  return TRUE;
}

/* "All …" and then the values the model has seen. */
static GListModel *
choices_model (const char *all,
               GListModel *values)
{
  const char *first[] = { all, NULL };
  GListStore *parts = g_list_store_new (G_TYPE_LIST_MODEL);
  g_autoptr(GtkStringList) head = gtk_string_list_new (first);

  g_list_store_append (parts, head);
  g_list_store_append (parts, values);
  return G_LIST_MODEL (gtk_flatten_list_model_new (G_LIST_MODEL (parts)));
}

static void
setup_dropdowns (SesameActivityView *self)
{
  g_autoptr(GtkStringList) outcomes = gtk_string_list_new (NULL);
  g_autoptr(GListModel) users = choices_model (_("All users"),
                                               sesame_activity_model_get_user_names (self->model));
  g_autoptr(GListModel) codes = choices_model (_("All actions"),
                                               sesame_activity_model_get_action_codes (self->model));

  for (gsize i = 0; i < G_N_ELEMENTS (outcome_choices); i++)
    gtk_string_list_append (outcomes, _(outcome_choices[i].label));
  gtk_drop_down_set_model (self->user_dropdown, users);
  gtk_drop_down_set_model (self->action_dropdown, codes);
  gtk_drop_down_set_model (self->outcome_dropdown, G_LIST_MODEL (outcomes));
  g_signal_connect_swapped (self->user_dropdown, "notify::selected",
                            G_CALLBACK (dropdowns_changed_cb), self);
  g_signal_connect_swapped (self->action_dropdown, "notify::selected",
                            G_CALLBACK (dropdowns_changed_cb), self);
  g_signal_connect_swapped (self->outcome_dropdown, "notify::selected",
                            G_CALLBACK (dropdowns_changed_cb), self);
}

/* Actions */

static void
toast (SesameActivityView *self,
       const char         *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (message));
}

gboolean
sesame_activity_view_export (SesameActivityView  *self,
                             GFile               *file,
                             GError             **error)
{
  g_autofree char *lines = NULL;

  g_return_val_if_fail (SESAME_IS_ACTIVITY_VIEW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  lines = sesame_activity_model_dup_json_lines (self->model);
  return g_file_replace_contents (file, lines, strlen (lines), NULL, FALSE,
                                  G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}

static void
export_response_cb (GtkNativeDialog    *chooser,
                    int                 response,
                    SesameActivityView *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_clear_object (&self->chooser);
  if (!file)
    return;
  if (sesame_activity_view_export (self, file, &error))
    {
      g_autofree char *name = g_file_get_basename (file);

      /* Translators: %s is a file name. */
      message = g_strdup_printf (_("Activity exported to %s"), name);
    }
  else
    message = g_strdup_printf (_("Could not export the activity: %s"), error->message);
  toast (self, message);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SesameActivityView *self = SESAME_ACTIVITY_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);

  if (self->chooser)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Export Activity"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                               _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), "sesame-activity.jsonl");
  g_signal_connect (self->chooser, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
clear_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  SesameActivityView *self = SESAME_ACTIVITY_VIEW (widget);

  sesame_activity_model_clear (self->model);
  self->follow_latest = TRUE;
  toast (self, _("Activity cleared. The tenant keeps its event log."));
}

static void
replay_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SesameActivityView *self = SESAME_ACTIVITY_VIEW (widget);

  gtk_stack_set_visible_child_name (self->detail_pages, "flow");
  sesame_flow_diagram_replay (self->diagram);
}

/* Following the application */

static void
update_policy (SesameActivityView *self)
{
  g_autoptr(SesameTenant) tenant = NULL;
  SesameSoftAuthenticator *builtin;

  if (!self->app)
    return;
  tenant = sesame_application_dup_tenant (self->app, NULL);
  builtin = sesame_application_get_authenticator (self->app);
  sesame_inspector_set_policy (self->inspector, tenant ? tenant->rp_id : NULL,
                               tenant && g_strcmp0 (tenant->user_verification, "required") == 0,
                               builtin ? sesame_soft_authenticator_get_aaguid (builtin) : NULL);
}

static void
tenant_changed_cb (SesameActivityView *self,
                   SesameApplication  *app)
{
  sesame_activity_model_set_server (self->model, sesame_application_get_server (app));
  update_policy (self);
}

static void
ceremony_finished_cb (SesameActivityView      *self,
                      SesameCredentialRequest *request,
                      SesameCredentialsBridge *bridge)
{
  g_autoptr(SesameCeremonyRecord) record = NULL;

  /* The page went away before an answer: nothing reached the tenant. The
   * window may be going away too (its bridge cancels what is pending). */
  if (!self->model ||
      sesame_credential_request_get_outcome (request) == SESAME_CREDENTIAL_REQUEST_NAVIGATED)
    return;
  record = sesame_ceremony_record_new (request);
  sesame_activity_model_add_ceremony (self->model, record);
}

void
sesame_activity_view_attach (SesameActivityView      *self,
                             SesameApplication       *app,
                             SesameCredentialsBridge *bridge)
{
  g_return_if_fail (SESAME_IS_ACTIVITY_VIEW (self));
  g_return_if_fail (SESAME_IS_APPLICATION (app));
  g_return_if_fail (SESAME_IS_CREDENTIALS_BRIDGE (bridge));
  g_return_if_fail (self->app == NULL);

  self->app = app;
  g_object_add_weak_pointer (G_OBJECT (app), (gpointer *) &self->app);
  g_signal_connect_object (app, "tenant-changed", G_CALLBACK (tenant_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (bridge, "ceremony-finished", G_CALLBACK (ceremony_finished_cb), self,
                           G_CONNECT_SWAPPED);
  /* The menu's choice is the bridge's: a get() that takes it resets both. */
  self->bridge = bridge;
  g_object_add_weak_pointer (G_OBJECT (bridge), (gpointer *) &self->bridge);
  g_object_bind_property (bridge, "injected-failure", self, "injected-failure",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  tenant_changed_cb (self, app);
}

/* Accessors */

SesameActivityModel *
sesame_activity_view_get_model (SesameActivityView *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_VIEW (self), NULL);
  return self->model;
}

GListModel *
sesame_activity_view_get_shown (SesameActivityView *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_VIEW (self), NULL);
  return G_LIST_MODEL (self->filtered);
}

SesameActivityItem *
sesame_activity_view_get_selected (SesameActivityView *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_VIEW (self), NULL);
  return gtk_single_selection_get_selected_item (self->selection);
}

void
sesame_activity_view_select (SesameActivityView *self,
                             guint               position)
{
  g_return_if_fail (SESAME_IS_ACTIVITY_VIEW (self));
  gtk_single_selection_set_selected (self->selection, position);
}

void
sesame_activity_view_show_page (SesameActivityView *self,
                                const char         *page)
{
  g_return_if_fail (SESAME_IS_ACTIVITY_VIEW (self));
  gtk_stack_set_visible_child_name (self->detail_pages, page);
}

SesameInspector *
sesame_activity_view_get_inspector (SesameActivityView *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_VIEW (self), NULL);
  return self->inspector;
}

SesameFlowDiagram *
sesame_activity_view_get_diagram (SesameActivityView *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_VIEW (self), NULL);
  return self->diagram;
}

GtkListBox *
sesame_activity_view_get_timeline (SesameActivityView *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_VIEW (self), NULL);
  return self->timeline;
}

/* GObject */

static void
sesame_activity_view_dispose (GObject *object)
{
  SesameActivityView *self = SESAME_ACTIVITY_VIEW (object);

  if (self->chooser)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  if (self->shown)
    g_clear_signal_handler (&self->shown_handler, self->shown);
  g_clear_object (&self->shown);
  if (self->app)
    g_object_remove_weak_pointer (G_OBJECT (self->app), (gpointer *) &self->app);
  self->app = NULL;
  if (self->bridge)
    g_object_remove_weak_pointer (G_OBJECT (self->bridge), (gpointer *) &self->bridge);
  self->bridge = NULL;
  if (self->filtered)
    g_signal_handlers_disconnect_by_data (self->filtered, self);
  if (self->selection)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->model)
    sesame_activity_model_set_server (self->model, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SESAME_TYPE_ACTIVITY_VIEW);
  g_clear_object (&self->selection);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (sesame_activity_view_parent_class)->dispose (object);
}

static void
sesame_activity_view_finalize (GObject *object)
{
  SesameActivityView *self = SESAME_ACTIVITY_VIEW (object);

  g_free (self->filter_user);
  g_free (self->filter_code);
  g_free (self->filter_search);
  g_free (self->injected_failure);
  G_OBJECT_CLASS (sesame_activity_view_parent_class)->finalize (object);
}

static void
set_injected_failure (SesameActivityView *self,
                      const char         *failure)
{
  if (g_strcmp0 (self->injected_failure, failure) == 0)
    return;
  g_free (self->injected_failure);
  self->injected_failure = g_strdup (failure);
  /* Armed: the button says so, in its tooltip as well as its colour. */
  if (g_strcmp0 (failure, "none") != 0)
    {
      g_autofree char *tooltip = g_strdup_printf (_("The next sign-in carries a failure: %s"),
                                                  failure);

      gtk_widget_add_css_class (GTK_WIDGET (self->failure_button), "warning");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->failure_button), tooltip);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->failure_button), "warning");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->failure_button), _("Inject a Failure"));
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INJECTED_FAILURE]);
}

static void
sesame_activity_view_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  SesameActivityView *self = SESAME_ACTIVITY_VIEW (object);

  switch (prop_id)
    {
    case PROP_INJECTED_FAILURE:
      g_value_set_string (value, self->injected_failure);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sesame_activity_view_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  SesameActivityView *self = SESAME_ACTIVITY_VIEW (object);

  switch (prop_id)
    {
    case PROP_INJECTED_FAILURE:
      set_injected_failure (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sesame_activity_view_class_init (SesameActivityViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sesame_activity_view_dispose;
  object_class->finalize = sesame_activity_view_finalize;
  object_class->get_property = sesame_activity_view_get_property;
  object_class->set_property = sesame_activity_view_set_property;

  /* The failure the next sign-in carries ("none", "bad-signature", …),
   * as the bridge has it; the menu's radio items show and set it. */
  properties[PROP_INJECTED_FAILURE] =
    g_param_spec_string ("injected-failure", NULL, NULL, "none",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  sesame_views_ensure_resources ();
  g_type_ensure (SESAME_TYPE_FLOW_DIAGRAM);
  g_type_ensure (SESAME_TYPE_INSPECTOR);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sesame/Sesame/views/sesame-activity-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SesameActivityView, stack);
  gtk_widget_class_bind_template_child (widget_class, SesameActivityView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SesameActivityView, user_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SesameActivityView, action_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SesameActivityView, outcome_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SesameActivityView, failure_button);
  gtk_widget_class_bind_template_child (widget_class, SesameActivityView, list_view);
  gtk_widget_class_bind_template_child (widget_class, SesameActivityView, count_label);
  gtk_widget_class_bind_template_child (widget_class, SesameActivityView, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, SesameActivityView, detail_title);
  gtk_widget_class_bind_template_child (widget_class, SesameActivityView, detail_subtitle);
  gtk_widget_class_bind_template_child (widget_class, SesameActivityView, detail_badge);
  gtk_widget_class_bind_template_child (widget_class, SesameActivityView, detail_pages);
  gtk_widget_class_bind_template_child (widget_class, SesameActivityView, timeline);
  gtk_widget_class_bind_template_child (widget_class, SesameActivityView, diagram);
  gtk_widget_class_bind_template_child (widget_class, SesameActivityView, diagram_text);
  gtk_widget_class_bind_template_child (widget_class, SesameActivityView, inspector);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);

  gtk_widget_class_install_action (widget_class, "activity.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "activity.clear", NULL, clear_action);
  gtk_widget_class_install_action (widget_class, "activity.replay", NULL, replay_action);
  gtk_widget_class_install_property_action (widget_class, "activity.inject-failure",
                                            "injected-failure");
}

static void
sesame_activity_view_init (SesameActivityView *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->follow_latest = TRUE;
  self->filter_outcome = -1;
  self->injected_failure = g_strdup ("none");
  self->model = sesame_activity_model_new ();
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->model)),
                                              g_object_ref (GTK_FILTER (self->filter)));
  g_signal_connect_swapped (self->filtered, "items-changed", G_CALLBACK (filtered_changing_cb),
                            self);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->filtered)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect (self->filtered, "items-changed", G_CALLBACK (filtered_changed_cb), self);
  g_signal_connect_swapped (self->selection, "notify::selected", G_CALLBACK (selection_changed_cb),
                            self);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  setup_dropdowns (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "activity.export", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "activity.clear", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "activity.replay", FALSE);
  update_count (self);
}
