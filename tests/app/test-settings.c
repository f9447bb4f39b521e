/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The Settings view on the real window: each wrong Relying Party ID or
 * origin shows the core's message under its field and is not saved; an
 * origin added there is expected by the running tenant at once (CORS and a
 * ceremony from a page on it pass) and a removed one is refused at once;
 * rotating the secret key refuses the old one on the Server API; a new
 * tenant refuses passkey calls until its passkeys are set up, and
 * switching to it switches the Demo view; a new port relistens in place. */

#include "config.h"

#include "app-test-util.h"
#include "sesame-checked-row.h"
#include "sesame-settings-view.h"
#include "sesame-tenant-rules.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* A page of another origin than the sample app's: a dev server's. */
#define DEV_ORIGIN "http://localhost:4999"

static SesameServer *
get_server (void)
{
  return sesame_application_get_server (app_test_get_application ());
}

static GtkWidget *
get_view (void)
{
  GtkWidget *view = app_test_find_widget (GTK_WIDGET (app_test_get_window ()),
                                          SESAME_TYPE_SETTINGS_VIEW, NULL, NULL);

  g_assert_nonnull (view);
  return view;
}

static SesameCheckedRow *
find_field (const char *title)
{
  GtkWidget *row = app_test_find_row (get_view (), title);

  g_assert_nonnull (row);
  g_assert_true (SESAME_IS_CHECKED_ROW (row));
  return SESAME_CHECKED_ROW (row);
}

static SesameTenant *
dup_tenant (void)
{
  g_autoptr(GError) error = NULL;
  SesameTenant *tenant = sesame_application_dup_tenant (app_test_get_application (), &error);

  g_assert_no_error (error);
  return tenant;
}

/* Types @text into @row and returns what shows under it (NULL: nothing),
 * asserting that the message row shows exactly that. */
static const char *
type_into (SesameCheckedRow *row,
           const char       *text)
{
  GtkWidget *message_row = sesame_checked_row_get_message_row (row);
  const char *message;

  gtk_editable_set_text (GTK_EDITABLE (row), text);
  message = sesame_checked_row_get_message (row);
  g_assert_cmpint (gtk_widget_get_visible (message_row), ==, message != NULL);
  if (message)
    {
      g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (message_row)), ==,
                       message);
      g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
    }
  return message;
}

static char *
basic (const char *user,
       gboolean    colon)
{
  g_autofree char *pair = g_strconcat (user, colon ? ":" : "", NULL);
  g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));

  return g_strconcat ("Basic ", encoded, NULL);
}

static gboolean
button_matches (GtkWidget *widget,
                gpointer   data)
{
  const char *name = data;

  return g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), name) == 0 ||
         g_strcmp0 (gtk_widget_get_tooltip_text (widget), name) == 0;
}

/* The button under @root labelled, or with the tooltip, @name. */
static GtkWidget *
find_button (GtkWidget  *root,
             const char *name)
{
  return app_test_find_widget (root, GTK_TYPE_BUTTON, button_matches, (gpointer) name);
}

/* Moving a tenant to another RP ID: without passkeys it applies at once;
 * with some it asks first, saying how many are stranded, and cancelling
 * keeps the ID (and the field shows it again). */
static void
check_rp_id_change (const char *tenant_id)
{
  SesameStore *store = sesame_application_get_store (app_test_get_application ());
  SesameCheckedRow *row = find_field ("Relying Party ID");
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(GError) error = NULL;
  SesamePasskey passkey = { 0 };
  const guint8 credential_id[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  const guint8 cose_key[] = { 0xa0 };
  GtkWidget *dialog;

  g_assert_null (type_into (row, "app.example.com"));
  g_assert_true (sesame_checked_row_apply (row));
  g_assert_null (app_test_find_dialog ());
  {
    g_autoptr(SesameTenant) tenant = dup_tenant ();

    g_assert_cmpstr (tenant->rp_id, ==, "app.example.com");
  }
  g_assert_null (type_into (row, "example.com"));
  g_assert_true (sesame_checked_row_apply (row));
  g_assert_null (app_test_find_dialog ());

  user = sesame_store_upsert_user (store, tenant_id, "rp-change-user", "rp-change", NULL, &error);
  g_assert_no_error (error);
  passkey.tenant_id = (char *) tenant_id;
  passkey.user_id = user->user_id;
  passkey.credential_id = g_bytes_new_static (credential_id, sizeof credential_id);
  passkey.public_key = g_bytes_new_static (cose_key, sizeof cose_key);
  passkey.alg = -7;
  g_assert_true (sesame_store_add_passkey (store, &passkey, &error));
  g_assert_no_error (error);
  g_clear_pointer (&passkey.credential_id, g_bytes_unref);
  g_clear_pointer (&passkey.public_key, g_bytes_unref);
  g_clear_pointer (&passkey.id, g_free);

  /* Cancelled: nothing changes. */
  g_assert_null (type_into (row, "app.example.com"));
  g_assert_true (sesame_checked_row_apply (row));
  dialog = app_test_find_dialog ();
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                            "1 passkey, made for “example.com”"));
  app_test_respond (dialog, "cancel");
  {
    g_autoptr(SesameTenant) tenant = dup_tenant ();

    g_assert_cmpstr (tenant->rp_id, ==, "example.com");
  }
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "example.com");

  /* Confirmed: changed. */
  g_assert_null (type_into (row, "app.example.com"));
  g_assert_true (sesame_checked_row_apply (row));
  dialog = app_test_find_dialog ();
  g_assert_nonnull (dialog);
  app_test_respond (dialog, "change");
  {
    g_autoptr(SesameTenant) tenant = dup_tenant ();

    g_assert_cmpstr (tenant->rp_id, ==, "app.example.com");
  }
}

static void
test_rp_id_messages (void)
{
  const char *wrong[] = {
    "localhost:3000", "https://example.com", "example.com/", "Example.com", "127.0.0.1",
    "example.com.", "exa mple.com",
  };
  SesameCheckedRow *row = find_field ("Relying Party ID");

  for (guint i = 0; i < G_N_ELEMENTS (wrong); i++)
    {
      g_autoptr(GError) expected = NULL;
      g_autoptr(SesameTenant) tenant = NULL;

      g_test_message ("RP ID %s", wrong[i]);
      g_assert_false (sesame_tenant_validate_rp_id (wrong[i], &expected));
      /* The core's own words, as it is typed. */
      g_assert_cmpstr (type_into (row, wrong[i]), ==, expected->message);
      /* Applying refuses and keeps saying why. */
      g_assert_false (sesame_checked_row_apply (row));
      g_assert_cmpstr (sesame_checked_row_get_message (row), ==, expected->message);
      tenant = dup_tenant ();
      g_assert_cmpstr (tenant->rp_id, ==, "localhost");
    }

  /* Right again: the message goes. */
  g_assert_null (type_into (row, "localhost"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));

  /* A valid ID the origins do not fit is refused by the save, and the
   * message says which origin. */
  g_assert_null (type_into (row, "example.com"));
  g_assert_false (sesame_checked_row_apply (row));
  g_assert_nonnull (strstr (sesame_checked_row_get_message (row), "example.com"));
  {
    g_autoptr(SesameTenant) tenant = dup_tenant ();

    g_assert_cmpstr (tenant->rp_id, ==, "localhost");
  }
  type_into (row, "localhost");
}

static void
test_origin_messages (void)
{
  const char *wrong[] = {
    "http://localhost:3000/", "http://example.com", "https://localhost:3000/app",
    "localhost:3000", "ftp://localhost", "http://LOCALHOST:3000", "http://localhost:99999",
    "http://user@localhost:3000", "https://localhost?x=1",
  };
  SesameCheckedRow *row = find_field ("Add an Origin");
  g_autoptr(SesameTenant) before = dup_tenant ();

  for (guint i = 0; i < G_N_ELEMENTS (wrong); i++)
    {
      g_autoptr(GError) expected = NULL;
      g_autoptr(SesameTenant) tenant = NULL;

      g_test_message ("origin %s", wrong[i]);
      g_assert_false (sesame_tenant_validate_origin (wrong[i], "localhost", &expected));
      g_assert_cmpstr (type_into (row, wrong[i]), ==, expected->message);
      g_assert_false (sesame_checked_row_apply (row));
      tenant = dup_tenant ();
      g_assert_cmpuint (g_strv_length (tenant->expected_origins), ==,
                        g_strv_length (before->expected_origins));
    }

  /* An origin that is there already: valid alone, refused by the save. */
  g_assert_null (type_into (row, before->expected_origins[0]));
  g_assert_false (sesame_checked_row_apply (row));
  g_assert_nonnull (sesame_checked_row_get_message (row));
  type_into (row, "");
}

/* Loads an empty page of @origin in the Demo view. */
static void
open_page_at (const char *origin)
{
  WebKitWebView *web_view = sesame_window_get_web_view (app_test_get_window ());
  g_autofree char *base = g_strconcat (origin, "/", NULL);

  webkit_web_view_load_html (web_view,
                             "<!doctype html><html><body data-ready=\"yes\">dev server</body></html>",
                             base);
  g_assert_true (app_test_wait_for_js ("document.body && document.body.dataset.ready === 'yes' && "
                                       "location.href.startsWith('" DEV_ORIGIN "')", 10000));
}

/* fetch() from the page to the Client API: the preflight and the reply
 * need the tenant's CORS headers. Returns the HTTP status, or 0 when the
 * browser refused the reply. */
static int
page_fetch_status (void)
{
  g_autofree char *body = NULL;
  g_autofree char *result = NULL;
  g_autofree char *auth = basic (sesame_server_get_tenant_id (get_server ()), FALSE);

  body = g_strdup_printf ("try {"
                          "  const r = await fetch ('%s/client/user-authenticators/passkey/"
                          "authentication-options', {method: 'POST', headers: {"
                          "'Content-Type': 'application/json', Authorization: '%s'}, body: '{}'});"
                          "  return r.status;"
                          "} catch (e) { return 0; }",
                          sesame_server_get_base_url (get_server ()), auth);
  result = app_test_run_js (body, NULL);
  g_assert_nonnull (result);
  return atoi (result);
}

/* Tracks an action for @user with the Server API and returns its token. */
static char *
track (const char *user,
       const char *secret_key,
       guint      *status)
{
  g_autofree char *url = g_strdup_printf ("%s/users/%s/actions/addPasskey",
                                          sesame_server_get_base_url (get_server ()), user);
  g_autofree char *auth = basic (secret_key, TRUE);
  g_autofree char *reply = app_test_http ("POST", url, auth, NULL, "{}", status);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  if (*status != 200)
    return NULL;
  g_assert_true (json_parser_load_from_data (parser, reply, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  return g_strdup (json_object_get_string_member (object, "token"));
}

/* A registration from the page: C2, the built-in authenticator (the
 * prompt accepted), C3. Returns C3's JSON reply or the failing step. */
static char *
page_register (const char *token)
{
  g_autofree char *body = NULL;

  sesame_window_set_prompt_response (app_test_get_window (), SESAME_PROMPT_RESPONSE_ACCEPT, NULL);
  body = g_strdup_printf (
    "const base = '%s';"
    "const post = async (path, body) => {"
    "  const r = await fetch (base + path, {method: 'POST', headers: {"
    "    'Content-Type': 'application/json', Authorization: 'Bearer %s'},"
    "    body: JSON.stringify (body)});"
    "  return {status: r.status, json: await r.json ()};"
    "};"
    "try {"
    "  const options = await post ('/client/user-authenticators/passkey/registration-options',"
    "                              {username: 'dev-user'});"
    "  if (options.status !== 200) return {step: 'options', status: options.status};"
    "  const credential = await navigator.credentials.create ({publicKey:"
    "    PublicKeyCredential.parseCreationOptionsFromJSON (options.json.options)});"
    "  const done = await post ('/client/user-authenticators/passkey', {"
    "    challengeId: options.json.challengeId, registrationCredential: credential.toJSON ()});"
    "  return {step: 'verify', status: done.status, isVerified: done.json.isVerified === true,"
    "          error: done.json.error || null};"
    "} catch (e) { return {step: 'fetch', error: String (e)}; }",
    sesame_server_get_base_url (get_server ()), token);
  return app_test_run_js (body, NULL);
}

static void
test_origin_takes_effect (void)
{
  SesameApplication *app = app_test_get_application ();
  SesameSecretStore *secrets = sesame_application_get_secret_store (app);
  const char *secret = sesame_secret_store_peek (secrets,
                                                 sesame_server_get_tenant_id (get_server ()));
  SesameCheckedRow *row = find_field ("Add an Origin");
  g_autofree char *token = NULL;
  g_autofree char *result = NULL;
  g_autoptr(SesameTenant) tenant = NULL;
  GtkWidget *origin_row, *remove;
  guint status;

  g_assert_nonnull (secret);
  open_page_at (DEV_ORIGIN);
  /* Not expected yet: the browser refuses the tenant's reply. */
  g_assert_cmpint (page_fetch_status (), ==, 0);

  g_assert_null (type_into (row, DEV_ORIGIN));
  g_assert_true (sesame_checked_row_apply (row));
  tenant = dup_tenant ();
  g_assert_true (g_strv_contains ((const char * const *) tenant->expected_origins, DEV_ORIGIN));
  /* Its own field now, and the one for a new origin is empty again. */
  origin_row = app_test_find_entry_row (get_view (), DEV_ORIGIN);
  g_assert_nonnull (origin_row);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "");

  /* Edited in place: a wrong edit is refused and the stored one stays. */
  g_assert_nonnull (type_into (SESAME_CHECKED_ROW (origin_row), DEV_ORIGIN "/"));
  g_assert_false (sesame_checked_row_apply (SESAME_CHECKED_ROW (origin_row)));
  g_assert_null (type_into (SESAME_CHECKED_ROW (origin_row), "http://localhost:4998"));
  g_assert_true (sesame_checked_row_apply (SESAME_CHECKED_ROW (origin_row)));
  g_clear_pointer (&tenant, sesame_tenant_free);
  tenant = dup_tenant ();
  g_assert_true (g_strv_contains ((const char * const *) tenant->expected_origins,
                                  "http://localhost:4998"));
  g_assert_false (g_strv_contains ((const char * const *) tenant->expected_origins, DEV_ORIGIN));
  origin_row = app_test_find_entry_row (get_view (), "http://localhost:4998");
  g_assert_nonnull (origin_row);
  type_into (SESAME_CHECKED_ROW (origin_row), DEV_ORIGIN);
  g_assert_true (sesame_checked_row_apply (SESAME_CHECKED_ROW (origin_row)));
  origin_row = app_test_find_entry_row (get_view (), DEV_ORIGIN);
  g_assert_nonnull (origin_row);

  /* The next request sees it: CORS passes, and a ceremony verifies. */
  g_assert_cmpint (page_fetch_status (), ==, 200);
  token = track ("dev-user", secret, &status);
  g_assert_cmpuint (status, ==, 200);
  result = page_register (token);
  g_test_message ("registration: %s", result);
  g_assert_nonnull (strstr (result, "\"isVerified\":true"));

  /* Removed: refused at once. */
  remove = find_button (origin_row, "Remove " DEV_ORIGIN);
  g_assert_nonnull (remove);
  g_signal_emit_by_name (remove, "clicked");
  g_clear_pointer (&tenant, sesame_tenant_free);
  tenant = dup_tenant ();
  g_assert_false (g_strv_contains ((const char * const *) tenant->expected_origins, DEV_ORIGIN));
  g_assert_null (app_test_find_entry_row (get_view (), DEV_ORIGIN));
  g_assert_cmpint (page_fetch_status (), ==, 0);
}

static void
test_rotate (void)
{
  SesameApplication *app = app_test_get_application ();
  SesameSecretStore *secrets = sesame_application_get_secret_store (app);
  /* A copy: the server replaces its own when the sample app moves to the
   * new key. */
  g_autofree char *tenant_id = g_strdup (sesame_server_get_tenant_id (get_server ()));
  g_autofree char *old_key = g_strdup (sesame_secret_store_peek (secrets, tenant_id));
  g_autofree char *token = NULL;
  const char *new_key;
  GtkWidget *button, *dialog, *secret_row;
  guint status;

  g_assert_nonnull (old_key);
  token = track ("rotate-user", old_key, &status);
  g_assert_cmpuint (status, ==, 200);
  g_clear_pointer (&token, g_free);

  /* Hidden until revealed. */
  secret_row = app_test_find_row (get_view (), "Secret Key");
  g_assert_nonnull (secret_row);
  g_assert_null (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (secret_row)), old_key));

  /* Rotate asks first; cancelling keeps the key. */
  button = find_button (secret_row, "_Rotate…");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  dialog = app_test_find_dialog ();
  g_assert_nonnull (dialog);
  app_test_respond (dialog, "cancel");
  g_assert_cmpstr (sesame_secret_store_peek (secrets, tenant_id), ==, old_key);

  g_signal_emit_by_name (button, "clicked");
  dialog = app_test_find_dialog ();
  g_assert_nonnull (dialog);
  app_test_respond (dialog, "rotate");
  new_key = sesame_secret_store_peek (secrets, tenant_id);
  g_assert_nonnull (new_key);
  g_assert_cmpstr (new_key, !=, old_key);
  /* Shown once, right after the rotation. */
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (secret_row)), ==, new_key);

  /* The old key fails on the Server API at once; the new one works. */
  token = track ("rotate-user", old_key, &status);
  g_assert_cmpuint (status, ==, 401);
  g_assert_null (token);
  token = track ("rotate-user", new_key, &status);
  g_assert_cmpuint (status, ==, 200);
  /* The sample app's backend moved to the new key with it. */
  g_assert_true (app_test_open (sesame_server_get_app_url (get_server ()), NULL));
  g_assert_true (app_test_wait_for_js (SAMPLE_APP_READY, 10000));
}

static gboolean
switched_to (gpointer data)
{
  return g_strcmp0 (sesame_server_get_tenant_id (get_server ()), data) == 0;
}

static GtkWidget *
tenant_row_button (const char *tenant_name,
                   const char *name)
{
  GtkWidget *row = app_test_find_row (get_view (), tenant_name);

  g_assert_nonnull (row);
  return find_button (row, name);
}

/* Clicks the tenant's Use button and waits until the Demo view has
 * reloaded the sample app on it. */
static void
use_tenant (const char *name,
            const char *tenant_id)
{
  GtkWidget *button = tenant_row_button (name, "_Use");
  AdwViewStack *stack = ADW_VIEW_STACK (gtk_widget_get_parent (get_view ()));
  g_autofree char *config = NULL;
  g_autofree char *marked = NULL;

  g_assert_nonnull (button);
  /* Gone once the page has been loaded again. */
  marked = app_test_run_js ("window.beforeSwitch = true; return true", NULL);
  g_assert_cmpstr (marked, ==, "true");
  /* Where a user clicks it. */
  adw_view_stack_set_visible_child_name (stack, "settings");
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (app_test_wait_for (switched_to, (gpointer) tenant_id, 5000));
  g_assert_true (app_test_wait_for_js ("!window.beforeSwitch && (" SAMPLE_APP_READY ")", 10000));
  /* Reloaded behind Settings, which stays in front. */
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "settings");
  adw_view_stack_set_visible_child_name (stack, "demo");
  g_assert_true (g_str_has_prefix (webkit_web_view_get_uri (sesame_window_get_web_view (
                                     app_test_get_window ())),
                                   sesame_server_get_app_url (get_server ())));
  /* The page's backend talks to that tenant. */
  config = app_test_run_js ("return (await (await fetch ('/api/config')).json ()).tenantId", NULL);
  g_assert_nonnull (strstr (config, tenant_id));
}

static guint
passkey_call_status (const char *tenant_id,
                     const char *origin,
                     char      **reply)
{
  g_autofree char *url = g_strconcat (sesame_server_get_base_url (get_server ()),
                                      "/client/user-authenticators/passkey/authentication-options",
                                      NULL);
  g_autofree char *auth = basic (tenant_id, FALSE);
  guint status;

  *reply = app_test_http ("POST", url, auth, origin, "{}", &status);
  return status;
}

static void
test_new_tenant (void)
{
  SesameApplication *app = app_test_get_application ();
  g_autofree char *local_id = g_strdup (sesame_server_get_tenant_id (get_server ()));
  SesameCheckedRow *name_row = find_field ("Name of a New Tenant");
  g_autoptr(GPtrArray) tenants = NULL;
  g_autofree char *new_id = NULL;
  g_autofree char *reply = NULL;
  GtkWidget *dialog, *button;
  SesameCheckedRow *field;

  /* An empty name is refused with a message. */
  g_assert_false (sesame_checked_row_apply (name_row));
  g_assert_nonnull (sesame_checked_row_get_message (name_row));

  type_into (name_row, "Staging");
  g_assert_true (sesame_checked_row_apply (name_row));
  tenants = sesame_store_list_tenants (sesame_application_get_store (app), NULL);
  for (guint i = 0; i < tenants->len; i++)
    if (g_str_equal (((SesameTenant *) tenants->pdata[i])->name, "Staging"))
      new_id = g_strdup (((SesameTenant *) tenants->pdata[i])->id);
  g_assert_nonnull (new_id);

  /* Renamed through its dialog; an empty name cannot be applied. */
  g_signal_emit_by_name (tenant_row_button ("Staging", "Rename"), "clicked");
  dialog = app_test_find_dialog ();
  g_assert_nonnull (dialog);
  field = SESAME_CHECKED_ROW (app_test_find_row (dialog, "Name"));
  type_into (field, "");
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "rename"));
  type_into (field, "Staging EU");
  app_test_respond (dialog, "rename");
  g_assert_null (app_test_find_row (get_view (), "Staging"));
  g_assert_nonnull (app_test_find_row (get_view (), "Staging EU"));

  /* Not set up: every passkey call names the missing setup. */
  g_assert_cmpuint (passkey_call_status (new_id, sesame_server_get_app_origin (get_server ()),
                                        &reply), ==, 409);
  g_assert_nonnull (strstr (reply, "passkeys_not_set_up"));
  g_clear_pointer (&reply, g_free);

  /* Switch: the Demo view's sample app now runs on it. */
  use_tenant ("Staging EU", new_id);
  /* The one in use cannot be removed; the local one never. */
  g_assert_null (tenant_row_button ("Staging EU", "Remove"));
  g_assert_null (tenant_row_button ("Local development", "Remove"));

  /* Set up passkey: the RP ID first, its mistakes shown as typed. */
  button = app_test_find_row (get_view (), "Set Up Passkey");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_ancestor (button,
                                                                  ADW_TYPE_PREFERENCES_GROUP)));
  g_signal_emit_by_name (find_button (button, "_Set Up"), "clicked");
  dialog = app_test_find_dialog ();
  g_assert_nonnull (dialog);
  field = SESAME_CHECKED_ROW (app_test_find_row (dialog, "Relying Party ID"));
  g_assert_nonnull (type_into (field, "example.com:443"));
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "next"));
  g_assert_null (type_into (field, "example.com"));
  app_test_respond (dialog, "next");

  /* Then the origin: http off localhost is refused. */
  dialog = app_test_find_dialog ();
  g_assert_nonnull (dialog);
  field = SESAME_CHECKED_ROW (app_test_find_row (dialog, "Expected Origin"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (field)), ==, "https://example.com");
  g_assert_nonnull (type_into (field, "http://app.example.com"));
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "set-up"));
  g_assert_nonnull (type_into (field, "https://app.example.org"));
  g_assert_null (type_into (field, "https://app.example.com"));
  app_test_respond (dialog, "set-up");
  {
    g_autoptr(SesameTenant) tenant = dup_tenant ();

    g_assert_true (tenant->passkeys_set_up);
    g_assert_cmpstr (tenant->rp_id, ==, "example.com");
    g_assert_cmpstr (tenant->expected_origins[0], ==, "https://app.example.com");
    g_assert_null (tenant->expected_origins[1]);
  }
  g_assert_cmpuint (passkey_call_status (new_id, "https://app.example.com", &reply), ==, 200);
  g_clear_pointer (&reply, g_free);
  /* Set up, it has origins of its own: the sample app's is not one. */
  g_assert_cmpuint (passkey_call_status (new_id, sesame_server_get_app_origin (get_server ()),
                                        &reply), ==, 403);
  g_assert_nonnull (strstr (reply, "origin_not_allowed"));
  g_clear_pointer (&reply, g_free);

  check_rp_id_change (new_id);

  /* Back to the local tenant, and remove Staging (after confirming). */
  use_tenant ("Local development", local_id);

  button = tenant_row_button ("Staging EU", "Remove");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  dialog = app_test_find_dialog ();
  app_test_respond (dialog, "cancel");
  g_assert_nonnull (app_test_find_row (get_view (), "Staging EU"));
  g_signal_emit_by_name (tenant_row_button ("Staging EU", "Remove"), "clicked");
  dialog = app_test_find_dialog ();
  app_test_respond (dialog, "remove");
  g_assert_null (app_test_find_row (get_view (), "Staging EU"));
  g_assert_cmpuint (passkey_call_status (new_id, "https://app.example.com", &reply), ==, 401);
}

static void
test_policy (void)
{
  GtkWidget *uv = app_test_find_row (get_view (), "User Verification");
  SesameCheckedRow *lifetime = find_field ("Challenge Lifetime (seconds)");
  g_autoptr(SesameTenant) tenant = NULL;

  g_assert_nonnull (uv);
  adw_combo_row_set_selected (ADW_COMBO_ROW (uv), 2);
  tenant = dup_tenant ();
  g_assert_cmpstr (tenant->user_verification, ==, "discouraged");
  adw_combo_row_set_selected (ADW_COMBO_ROW (uv), 0);
  g_clear_pointer (&tenant, sesame_tenant_free);
  tenant = dup_tenant ();
  g_assert_cmpstr (tenant->user_verification, ==, "required");

  g_assert_nonnull (type_into (lifetime, "5"));
  g_assert_false (sesame_checked_row_apply (lifetime));
  g_assert_nonnull (type_into (lifetime, "ten"));
  g_assert_null (type_into (lifetime, "120"));
  g_assert_true (sesame_checked_row_apply (lifetime));
  g_clear_pointer (&tenant, sesame_tenant_free);
  tenant = dup_tenant ();
  g_assert_cmpint (tenant->challenge_lifetime, ==, 120);
}

static void
test_port (void)
{
  SesameServer *server = get_server ();
  SesameCheckedRow *row = find_field ("Port");
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  g_autoptr(GSocketListener) holder = g_socket_listener_new ();
  g_autofree char *old_url = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *text = NULL;
  guint old_port = sesame_server_get_port (server);
  guint free_port, busy_port, status;

  /* A port that is taken: refused, said under the field, still on the old one. */
  busy_port = g_socket_listener_add_any_inet_port (holder, NULL, NULL);
  g_assert_cmpuint (busy_port, !=, 0);
  text = g_strdup_printf ("%u", busy_port);
  g_assert_null (type_into (row, text));
  /* (Listening on 127.0.0.1 and the holder on any address clash.) */
  g_assert_false (sesame_checked_row_apply (row));
  g_assert_nonnull (sesame_checked_row_get_message (row));
  g_assert_cmpuint (sesame_server_get_port (server), ==, old_port);
  g_clear_pointer (&text, g_free);

  g_assert_nonnull (type_into (row, "70000"));
  g_assert_false (sesame_checked_row_apply (row));

  /* A free one: the listener moves there in place. */
  {
    g_autoptr(GSocketListener) probe = g_socket_listener_new ();

    free_port = g_socket_listener_add_any_inet_port (probe, NULL, NULL);
    g_socket_listener_close (probe);
  }
  old_url = g_strdup (sesame_server_get_base_url (server));
  text = g_strdup_printf ("%u", free_port);
  g_assert_null (type_into (row, text));
  g_assert_true (sesame_checked_row_apply (row));
  g_assert_cmpuint (sesame_server_get_port (server), ==, free_port);
  g_assert_cmpuint (g_settings_get_uint (settings, "port"), ==, free_port);

  reply = app_test_http ("GET", sesame_server_get_app_url (server), NULL, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_clear_pointer (&reply, g_free);
  reply = app_test_http ("GET", old_url, NULL, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 0);
  /* The API keys page shows the new base URL. */
  {
    GtkWidget *base_url_row = app_test_find_row (get_view (), "API Base URL");

    g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (base_url_row)), ==,
                     sesame_server_get_base_url (server));
  }
}

static GtkWidget *
row_switch (const char *title)
{
  GtkWidget *row = app_test_find_row (get_view (), title);
  GtkWidget *toggle;

  g_assert_nonnull (row);
  toggle = app_test_find_widget (row, GTK_TYPE_SWITCH, NULL, NULL);
  g_assert_nonnull (toggle);
  return toggle;
}

static void
test_algorithms (void)
{
  GtkWidget *eddsa = row_switch ("EdDSA");
  GtkWidget *es256 = row_switch ("ES256");
  GtkWidget *rs256 = row_switch ("RS256");
  g_autoptr(SesameTenant) tenant = dup_tenant ();
  gsize n = tenant->n_allowed_algorithms;

  g_assert_true (gtk_switch_get_active (GTK_SWITCH (es256)));
  /* Off: the others stay in their order. */
  gtk_switch_set_active (GTK_SWITCH (eddsa), FALSE);
  g_clear_pointer (&tenant, sesame_tenant_free);
  tenant = dup_tenant ();
  g_assert_cmpuint (tenant->n_allowed_algorithms, ==, n - 1);
  g_assert_cmpint (tenant->allowed_algorithms[0], ==, -7);
  /* Back on: last in preference. */
  gtk_switch_set_active (GTK_SWITCH (eddsa), TRUE);
  g_clear_pointer (&tenant, sesame_tenant_free);
  tenant = dup_tenant ();
  g_assert_cmpuint (tenant->n_allowed_algorithms, ==, n);
  g_assert_cmpint (tenant->allowed_algorithms[n - 1], ==, -8);

  /* The last one cannot go: refused, and the switch comes back on. */
  gtk_switch_set_active (GTK_SWITCH (eddsa), FALSE);
  gtk_switch_set_active (GTK_SWITCH (rs256), FALSE);
  gtk_switch_set_active (GTK_SWITCH (es256), FALSE);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (es256)));
  g_clear_pointer (&tenant, sesame_tenant_free);
  tenant = dup_tenant ();
  g_assert_cmpuint (tenant->n_allowed_algorithms, ==, 1);
  g_assert_cmpint (tenant->allowed_algorithms[0], ==, -7);
  gtk_switch_set_active (GTK_SWITCH (eddsa), TRUE);
  gtk_switch_set_active (GTK_SWITCH (rs256), TRUE);
}

static void
test_authenticator (void)
{
  SesameSoftAuthenticator *authenticator =
    sesame_application_get_authenticator (app_test_get_application ());
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  GtkWidget *pin = app_test_find_row (get_view (), "Set PIN");
  GtkWidget *state = app_test_find_row (get_view (), "PIN");
  GtkWidget *eligible = row_switch ("Backup Eligible");
  GtkWidget *backed_up = row_switch ("Backed Up");
  GtkWidget *counter = row_switch ("Sign Counter Increments");

  g_assert_nonnull (pin);
  g_assert_false (sesame_soft_authenticator_has_pin (authenticator));

  /* Too short: refused, no PIN. */
  gtk_editable_set_text (GTK_EDITABLE (pin), "12");
  g_signal_emit_by_name (pin, "apply");
  g_assert_false (sesame_soft_authenticator_has_pin (authenticator));

  gtk_editable_set_text (GTK_EDITABLE (pin), "1234");
  g_signal_emit_by_name (pin, "apply");
  g_assert_true (sesame_soft_authenticator_has_pin (authenticator));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (pin)), ==, "");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (pin)), ==, "Change PIN");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (state)), ==, "A PIN is set");

  g_signal_emit_by_name (find_button (state, "_Remove"), "clicked");
  g_assert_false (sesame_soft_authenticator_has_pin (authenticator));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (state)), ==, "No PIN");

  /* Backed up only with backup eligibility; kept in GSettings. */
  g_assert_false (gtk_widget_get_sensitive (backed_up));
  gtk_switch_set_active (GTK_SWITCH (eligible), TRUE);
  g_assert_true (g_settings_get_boolean (settings, "authenticator-backup-eligible"));
  g_assert_true (gtk_widget_get_sensitive (backed_up));
  gtk_switch_set_active (GTK_SWITCH (eligible), FALSE);
  g_assert_false (gtk_widget_get_sensitive (backed_up));

  gtk_switch_set_active (GTK_SWITCH (counter), FALSE);
  g_assert_false (sesame_soft_authenticator_get_sign_counter (authenticator));
  gtk_switch_set_active (GTK_SWITCH (counter), TRUE);
  g_assert_true (sesame_soft_authenticator_get_sign_counter (authenticator));
}

static void
test_beyond_loopback (void)
{
  SesameServer *server = get_server ();
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  GtkWidget *toggle = row_switch ("Listen Beyond This Computer");

  g_assert_false (gtk_switch_get_active (GTK_SWITCH (toggle)));
  g_assert_cmpstr (sesame_server_get_address (server), ==, "127.0.0.1");
  gtk_switch_set_active (GTK_SWITCH (toggle), TRUE);
  g_assert_cmpstr (sesame_server_get_address (server), ==, "0.0.0.0");
  g_assert_true (g_settings_get_boolean (settings, "listen-beyond-loopback"));
  gtk_switch_set_active (GTK_SWITCH (toggle), FALSE);
  g_assert_cmpstr (sesame_server_get_address (server), ==, "127.0.0.1");
  g_assert_false (g_settings_get_boolean (settings, "listen-beyond-loopback"));
}

static const char *
copied_text (GtkWidget *row)
{
  GtkWidget *button = find_button (row, "Copy");
  GVariant *target;

  g_assert_nonnull (button);
  target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (button));
  g_assert_nonnull (target);
  return g_variant_get_string (target, NULL);
}

static void
test_connect (void)
{
  SesameServer *server = get_server ();
  const char *tenant_id = sesame_server_get_tenant_id (server);
  const char *base_url = sesame_server_get_base_url (server);
  const char *secret = sesame_secret_store_peek (
    sesame_application_get_secret_store (app_test_get_application ()), tenant_id);
  g_autofree char *tenant_line = g_strdup_printf ("tenantId: \"%s\"", tenant_id);
  g_autofree char *base_line = g_strdup_printf ("baseUrl: \"%s\"", base_url);
  g_autofree char *api_line = g_strdup_printf ("apiUrl: \"%s\"", base_url);
  g_autofree char *secret_line = g_strdup_printf ("AUTHSIGNAL_SECRET_KEY=%s", secret);
  SesameCheckedRow *port = find_field ("Dev Server Port");
  GtkWidget *env, *browser, *node;
  g_autoptr(SesameTenant) tenant = NULL;

  /* The .env lines: the key is copied, not shown. */
  env = app_test_find_row (get_view (), ".env");
  g_assert_nonnull (env);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (env)), tenant_id));
  g_assert_null (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (env)), secret));
  g_assert_nonnull (strstr (copied_text (env), secret_line));

  browser = app_test_find_row (get_view (), "Browser: @authsignal/browser");
  g_assert_nonnull (browser);
  g_assert_nonnull (strstr (copied_text (browser), "new Authsignal({"));
  g_assert_nonnull (strstr (copied_text (browser), tenant_line));
  g_assert_nonnull (strstr (copied_text (browser), base_line));
  node = app_test_find_row (get_view (), "Backend: @authsignal/node");
  g_assert_nonnull (node);
  g_assert_nonnull (strstr (copied_text (node), "apiSecretKey: process.env.AUTHSIGNAL_SECRET_KEY"));
  g_assert_nonnull (strstr (copied_text (node), api_line));
  g_assert_null (strstr (copied_text (node), secret));

  /* One click adds a dev server's origin; a wrong port is refused. */
  g_assert_nonnull (type_into (port, "51a"));
  g_assert_nonnull (type_into (port, "0"));
  g_assert_false (gtk_widget_get_sensitive (find_button (GTK_WIDGET (port), "_Add Origin")));
  g_assert_null (type_into (port, "5174"));
  g_assert_true (gtk_widget_get_sensitive (find_button (GTK_WIDGET (port), "_Add Origin")));
  g_signal_emit_by_name (find_button (GTK_WIDGET (port), "_Add Origin"), "clicked");
  tenant = dup_tenant ();
  g_assert_true (g_strv_contains ((const char * const *) tenant->expected_origins,
                                  "http://localhost:5174"));
}

int
main (int    argc,
      char **argv)
{
  app_test_init (&argc, &argv);

  g_test_add_func ("/sesame/app/settings/rp-id-messages", test_rp_id_messages);
  g_test_add_func ("/sesame/app/settings/origin-messages", test_origin_messages);
  g_test_add_func ("/sesame/app/settings/origin-takes-effect", test_origin_takes_effect);
  g_test_add_func ("/sesame/app/settings/rotate", test_rotate);
  g_test_add_func ("/sesame/app/settings/new-tenant", test_new_tenant);
  g_test_add_func ("/sesame/app/settings/policy", test_policy);
  g_test_add_func ("/sesame/app/settings/algorithms", test_algorithms);
  g_test_add_func ("/sesame/app/settings/connect", test_connect);
  g_test_add_func ("/sesame/app/settings/authenticator", test_authenticator);
  g_test_add_func ("/sesame/app/settings/beyond-loopback", test_beyond_loopback);
  g_test_add_func ("/sesame/app/settings/port", test_port);

  return app_test_run (NULL);
}
