/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The passkey prompt and the autofill popover on real requests (made by
 * the credentials bridge's own parser) answered by the real built-in
 * authenticator on a credential file, under Xvfb. */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "sesame-autofill-popover.h"
#include "sesame-credential-request-private.h"
#include "sesame-passkey-prompt.h"
#include "sesame-soft-authenticator.h"

#define ORIGIN "http://localhost:3000"
#define HOST "localhost"
#define PIN "2468"

typedef struct
{
  char *dir;
  SesameSoftAuthenticator *authenticator;
  GtkWidget *window;
  guint failures;
} Fixture;

static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("sesame-widgets-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "credentials.db", NULL);
  f->authenticator = sesame_soft_authenticator_new (path, &error);
  g_assert_no_error (error);
  f->window = gtk_window_new ();
  gtk_window_present (GTK_WINDOW (f->window));
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "credentials.db", NULL);

  gtk_window_destroy (GTK_WINDOW (f->window));
  g_clear_object (&f->authenticator);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->dir);
}

static SesameCredentialRequest *
request_from (Fixture                    *f,
              SesameCredentialRequestKind kind,
              gboolean                    conditional,
              const char                 *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);
  SesameCredentialRequest *request;

  g_assert_no_error (error);
  request = sesame_credential_request_new_from_json (kind, f->authenticator, ORIGIN, HOST,
                                                     json_node_get_object (node), conditional,
                                                     &error);
  g_assert_no_error (error);
  return request;
}

/* navigator.credentials.create() options for a user, as a page sends them
 * (buffers base64url). */
static SesameCredentialRequest *
create_request (Fixture    *f,
                const char *user_id,
                const char *user_name,
                const char *extra)
{
  g_autofree char *json = g_strdup_printf (
    "{\"challenge\":\"Y3JlYXRlLWNoYWxsZW5nZQ\","
    "\"rp\":{\"id\":\"localhost\",\"name\":\"Demo\"},"
    "\"user\":{\"id\":\"%s\",\"name\":\"%s\",\"displayName\":\"Alice Liddell\"},"
    "\"pubKeyCredParams\":[{\"type\":\"public-key\",\"alg\":-7}]%s%s}",
    user_id, user_name, extra ? "," : "", extra ? extra : "");

  return request_from (f, SESAME_CREDENTIAL_REQUEST_CREATE, FALSE, json);
}

static SesameCredentialRequest *
get_request (Fixture    *f,
             gboolean    conditional,
             const char *extra)
{
  g_autofree char *json = g_strdup_printf ("{\"challenge\":\"Z2V0LWNoYWxsZW5nZQ\","
                                           "\"rpId\":\"localhost\"%s%s}",
                                           extra ? "," : "", extra ? extra : "");

  return request_from (f, SESAME_CREDENTIAL_REQUEST_GET, conditional, json);
}

/* Makes a passkey straight through a prompt, accepted. */
static void
make_passkey (Fixture    *f,
              const char *user_id,
              const char *user_name)
{
  g_autoptr(SesameCredentialRequest) request = create_request (f, user_id, user_name, NULL);
  GtkWidget *prompt = sesame_passkey_prompt_new (GTK_WINDOW (f->window), request);

  g_assert_true (sesame_passkey_prompt_accept (SESAME_PASSKEY_PROMPT (prompt)));
}

/* Shows a prompt for @request; *prompt is cleared when it destroys itself. */
static void
present_prompt (Fixture                 *f,
                SesameCredentialRequest *request,
                GtkWidget              **prompt)
{
  *prompt = sesame_passkey_prompt_new (GTK_WINDOW (f->window), request);
  g_object_add_weak_pointer (G_OBJECT (*prompt), (gpointer *) prompt);
  gtk_window_present (GTK_WINDOW (*prompt));
}

static void
count_failure (GtkWidget    *widget,
               const GError *error,
               Fixture      *f)
{
  g_assert_nonnull (error);
  f->failures++;
}

static GPtrArray *
held (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *list = sesame_soft_authenticator_list_credentials (f->authenticator, "localhost",
                                                                &error);

  g_assert_no_error (error);
  return list;
}

/* The words the user reads, then Continue: a passkey is made and the
 * prompt closes itself. */
static void
test_create (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(SesameCredentialRequest) request = create_request (f, "YWxpY2U", "alice", NULL);
  g_autoptr(GPtrArray) list = NULL;
  GtkWidget *prompt = NULL;

  present_prompt (f, request, &prompt);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (prompt)), ==,
                   "Create a passkey for alice on localhost?");
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (prompt)));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (prompt)) == GTK_WINDOW (f->window));
  g_assert_null (sesame_passkey_prompt_get_problem (SESAME_PASSKEY_PROMPT (prompt)));
  /* no PIN set: none is asked for */
  g_assert_false (sesame_passkey_prompt_set_pin (SESAME_PASSKEY_PROMPT (prompt), PIN));

  g_assert_true (sesame_passkey_prompt_accept (SESAME_PASSKEY_PROMPT (prompt)));
  g_assert_null (prompt);
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==,
                   SESAME_CREDENTIAL_REQUEST_SUCCEEDED);
  list = held (f);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((SesameSoftCredential *) g_ptr_array_index (list, 0))->user_name, ==, "alice");
}

/* Cancel, Escape (window close) and the page going away each end it. */
static void
test_cancel (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(SesameCredentialRequest) first = create_request (f, "YWxpY2U", "alice", NULL);
  g_autoptr(SesameCredentialRequest) second = create_request (f, "YWxpY2U", "alice", NULL);
  g_autoptr(SesameCredentialRequest) third = create_request (f, "YWxpY2U", "alice", NULL);
  g_autoptr(GPtrArray) list = NULL;
  GtkWidget *prompt;

  present_prompt (f, first, &prompt);
  sesame_passkey_prompt_cancel (SESAME_PASSKEY_PROMPT (prompt));
  g_assert_null (prompt);
  g_assert_cmpint (sesame_credential_request_get_outcome (first), ==,
                   SESAME_CREDENTIAL_REQUEST_CANCELLED);

  present_prompt (f, second, &prompt);
  /* what Escape does */
  g_assert_true (gtk_widget_activate_action (prompt, "window.close", NULL));
  g_assert_null (prompt);
  g_assert_cmpint (sesame_credential_request_get_outcome (second), ==,
                   SESAME_CREDENTIAL_REQUEST_CANCELLED);

  /* finished from elsewhere (the bridge: abort, timeout, navigation) */
  present_prompt (f, third, &prompt);
  sesame_credential_request_cancel (third);
  g_assert_null (prompt);

  list = held (f);
  g_assert_cmpuint (list->len, ==, 0);
}

/* With a PIN set and UV asked for, the prompt asks for it; a wrong one
 * keeps it open and says how many attempts are left. */
static void
test_pin (Fixture      *f,
          gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameCredentialRequest) request = NULL;
  GtkWidget *prompt;

  g_assert_true (sesame_soft_authenticator_set_pin (f->authenticator, PIN, &error));
  request = create_request (f, "YWxpY2U", "alice",
                            "\"authenticatorSelection\":{\"userVerification\":\"required\"}");
  g_assert_true (sesame_credential_request_wants_pin (request));
  present_prompt (f, request, &prompt);

  /* nothing typed */
  g_assert_false (sesame_passkey_prompt_accept (SESAME_PASSKEY_PROMPT (prompt)));
  g_assert_nonnull (prompt);
  g_assert_cmpstr (sesame_passkey_prompt_get_problem (SESAME_PASSKEY_PROMPT (prompt)), ==,
                   "Enter the PIN of Sesame passkeys");

  g_assert_true (sesame_passkey_prompt_set_pin (SESAME_PASSKEY_PROMPT (prompt), "1111"));
  g_assert_false (sesame_passkey_prompt_accept (SESAME_PASSKEY_PROMPT (prompt)));
  g_assert_nonnull (prompt);
  g_assert_cmpstr (sesame_passkey_prompt_get_problem (SESAME_PASSKEY_PROMPT (prompt)), ==,
                   "Wrong PIN, 7 attempts left");
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==,
                   SESAME_CREDENTIAL_REQUEST_PENDING);

  g_assert_true (sesame_passkey_prompt_set_pin (SESAME_PASSKEY_PROMPT (prompt), PIN));
  g_assert_true (sesame_passkey_prompt_accept (SESAME_PASSKEY_PROMPT (prompt)));
  g_assert_null (prompt);
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==,
                   SESAME_CREDENTIAL_REQUEST_SUCCEEDED);
  g_assert_cmpint (sesame_soft_authenticator_get_pin_retries (f->authenticator), ==, 8);
}

/* Sign-in with two accounts: the chooser picks the one signed with. */
static void
test_chooser (Fixture      *f,
              gconstpointer data)
{
  g_autoptr(SesameCredentialRequest) request = NULL;
  g_autoptr(GPtrArray) list = NULL;
  GtkWidget *prompt;

  make_passkey (f, "YWxpY2U", "alice");
  make_passkey (f, "Ym9i", "bob");
  request = get_request (f, FALSE, NULL);
  g_assert_cmpuint (sesame_credential_request_get_candidates (request)->len, ==, 2);

  present_prompt (f, request, &prompt);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (prompt)), ==,
                   "Sign in to localhost with a passkey");
  g_assert_false (sesame_passkey_prompt_select_candidate (SESAME_PASSKEY_PROMPT (prompt), 2));
  /* newest first: bob, then alice */
  g_assert_true (sesame_passkey_prompt_select_candidate (SESAME_PASSKEY_PROMPT (prompt), 1));
  g_assert_true (sesame_passkey_prompt_accept (SESAME_PASSKEY_PROMPT (prompt)));
  g_assert_null (prompt);

  list = held (f);
  g_assert_cmpstr (((SesameSoftCredential *) g_ptr_array_index (list, 1))->user_name, ==, "alice");
  g_assert_cmpuint (((SesameSoftCredential *) g_ptr_array_index (list, 1))->sign_count, ==, 1);
  g_assert_cmpuint (((SesameSoftCredential *) g_ptr_array_index (list, 0))->sign_count, ==, 0);
}

/* The authenticator refuses for good (an excluded credential): ::failed
 * says so and the prompt closes. */
static void
test_failed (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(SesameCredentialRequest) request = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *exclude = NULL;
  g_autofree char *id = NULL;
  GtkWidget *prompt;

  make_passkey (f, "YWxpY2U", "alice");
  list = held (f);
  {
    gsize len = 0;
    const guint8 *raw = g_bytes_get_data (((SesameSoftCredential *) g_ptr_array_index (list, 0))->credential_id, &len);
    g_autofree char *b64 = g_base64_encode (raw, len);

    /* base64url without padding, as a page sends it */
    g_strdelimit (b64, "+", '-');
    g_strdelimit (b64, "/", '_');
    *strchrnul (b64, '=') = '\0';
    id = g_steal_pointer (&b64);
  }
  exclude = g_strdup_printf ("\"excludeCredentials\":[{\"type\":\"public-key\",\"id\":\"%s\"}]", id);
  request = create_request (f, "YWxpY2U", "alice", exclude);

  present_prompt (f, request, &prompt);
  g_signal_connect (prompt, "failed", G_CALLBACK (count_failure), f);
  g_assert_false (sesame_passkey_prompt_accept (SESAME_PASSKEY_PROMPT (prompt)));
  g_assert_cmpuint (f->failures, ==, 1);
  g_assert_null (prompt);
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==,
                   SESAME_CREDENTIAL_REQUEST_FAILED);
}

/* Autofill: listed, hidden without failing the request, then chosen. */
static void
test_autofill (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(SesameCredentialRequest) request = NULL;
  g_autoptr(SesameCredentialRequest) empty = NULL;
  g_autoptr(GPtrArray) list = NULL;
  GdkRectangle field = { 10, 20, 200, 30 };
  GtkWidget *anchor = gtk_label_new ("page");
  GtkWidget *popover = sesame_autofill_popover_new ();

  gtk_window_set_child (GTK_WINDOW (f->window), anchor);
  gtk_widget_set_parent (popover, anchor);

  /* nothing held yet: nothing shown */
  empty = get_request (f, TRUE, NULL);
  g_assert_false (sesame_autofill_popover_show_request (SESAME_AUTOFILL_POPOVER (popover), empty,
                                                        &field));
  g_assert_false (gtk_widget_get_visible (popover));

  make_passkey (f, "YWxpY2U", "alice");
  make_passkey (f, "Ym9i", "bob");
  request = get_request (f, TRUE, NULL);
  g_assert_true (sesame_credential_request_is_conditional (request));

  g_assert_true (sesame_autofill_popover_show_request (SESAME_AUTOFILL_POPOVER (popover), request,
                                                       &field));
  g_assert_true (gtk_widget_get_visible (popover));
  g_assert_true (sesame_autofill_popover_get_request (SESAME_AUTOFILL_POPOVER (popover)) == request);

  /* Escape / focus elsewhere: hidden, the request still waits */
  gtk_popover_popdown (GTK_POPOVER (popover));
  g_assert_false (gtk_widget_get_visible (popover));
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==,
                   SESAME_CREDENTIAL_REQUEST_PENDING);

  /* shown again and alice (the older) chosen */
  g_assert_true (sesame_autofill_popover_show_request (SESAME_AUTOFILL_POPOVER (popover), request,
                                                       &field));
  g_assert_false (sesame_autofill_popover_choose (SESAME_AUTOFILL_POPOVER (popover), 5));
  g_assert_true (sesame_autofill_popover_choose (SESAME_AUTOFILL_POPOVER (popover), 1));
  g_assert_false (gtk_widget_get_visible (popover));
  g_assert_cmpint (sesame_credential_request_get_outcome (request), ==,
                   SESAME_CREDENTIAL_REQUEST_SUCCEEDED);
  g_assert_null (sesame_autofill_popover_get_request (SESAME_AUTOFILL_POPOVER (popover)));
  list = held (f);
  g_assert_cmpuint (((SesameSoftCredential *) g_ptr_array_index (list, 1))->sign_count, ==, 1);

  gtk_widget_unparent (popover);
}

#define ADD(name, func) \
  g_test_add ("/app-widgets/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  ADD ("create", test_create);
  ADD ("cancel", test_cancel);
  ADD ("pin", test_pin);
  ADD ("chooser", test_chooser);
  ADD ("failed", test_failed);
  ADD ("autofill", test_autofill);

  return g_test_run ();
}
