/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-window.h"

#include "sesame-activity-view.h"
#include "sesame-address.h"
#include "sesame-tenant-rules.h"
#include "sesame-autofill-popover.h"
#include "sesame-credentials-bridge.h"
#include "sesame-passkey-prompt.h"
#include "sesame-security-keys-group.h"
#include "sesame-users-view.h"

#include <glib/gi18n.h>
#include <string.h>

struct _SesameWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  GtkStack *main_stack;
  AdwStatusPage *failed_page;
  GtkWidget *another_port_button;
  AdwViewStack *view_stack;
  GtkBox *demo_box;
  GtkEntry *address_entry;
  GtkLabel *origin_label;
  GtkRevealer *banner_revealer;
  GtkLabel *banner_label;
  SesameSettingsView *settings_view;
  SesameActivityView *activity_view;
  SesameUsersView *users_view;

  GSettings *settings;
  WebKitWebView *web_view;
  char *page_origin;            /* of the committed main-frame URI, NULL for none */
  GTask *pending_load;          /* of sesame_window_open_url_async */
  gboolean pending_load_committed; /* committed under its URI: its LOAD_FINISHED is the outcome */
  GError *pending_error;           /* it failed; reported once WebKit's error page is shown */
  char *pending_uri;
  gboolean loaded_once;

  SesamePromptResponse prompt_response;
  char *prompt_pin;
  char *prompt_key_path;              /* ACCEPT mode answers with this security key */
  char *prompt_key_pin;

  SesameCredentialsBridge *bridge;
  SesameCredentialRequest *prompted;  /* the request a prompt or popover shows */
  GtkWidget *prompt;                  /* the SesamePasskeyPrompt for it (weak), or NULL */
  GtkWidget *autofill;                /* the popover, made on first use */
};

G_DEFINE_FINAL_TYPE (SesameWindow, sesame_window, ADW_TYPE_APPLICATION_WINDOW)
G_DEFINE_QUARK (sesame-window-error-quark, sesame_window_error)

static SesameApplication *
get_app (SesameWindow *self)
{
  return SESAME_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
}

static void attach_to_application (SesameWindow *self);

SesameWindow *
sesame_window_new (SesameApplication *application)
{
  SesameWindow *self = g_object_new (SESAME_TYPE_WINDOW, "application", application, NULL);

  attach_to_application (self);
  return self;
}

WebKitWebView *
sesame_window_get_web_view (SesameWindow *self)
{
  g_return_val_if_fail (SESAME_IS_WINDOW (self), NULL);
  return self->web_view;
}

SesameCredentialsBridge *
sesame_window_get_credentials_bridge (SesameWindow *self)
{
  g_return_val_if_fail (SESAME_IS_WINDOW (self), NULL);
  return self->bridge;
}

SesameSettingsView *
sesame_window_get_settings_view (SesameWindow *self)
{
  g_return_val_if_fail (SESAME_IS_WINDOW (self), NULL);
  return self->settings_view;
}

gboolean
sesame_window_get_origin_warning_visible (SesameWindow *self)
{
  g_return_val_if_fail (SESAME_IS_WINDOW (self), FALSE);
  return gtk_revealer_get_reveal_child (self->banner_revealer);
}

/* Origin status */

static gboolean
page_host_is_ip_address (SesameWindow *self)
{
  g_autoptr(GUri) uri = g_uri_parse (self->page_origin, G_URI_FLAGS_NONE, NULL);
  const char *host = uri ? g_uri_get_host (uri) : NULL;

  return host && g_hostname_is_ip_address (host);
}

static void
update_origin_status (SesameWindow *self)
{
  g_autoptr(SesameTenant) tenant = NULL;
  g_autoptr(GError) error = NULL;
  gboolean expected = FALSE;
  gboolean fits_rp_id = FALSE;

  gtk_widget_remove_css_class (GTK_WIDGET (self->origin_label), "expected");
  gtk_widget_remove_css_class (GTK_WIDGET (self->origin_label), "unexpected");

  if (!self->page_origin)
    {
      gtk_label_set_text (self->origin_label, "");
      gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
      return;
    }

  tenant = sesame_application_dup_tenant (get_app (self), &error);
  if (tenant)
    {
      expected = tenant->expected_origins &&
                 g_strv_contains ((const char * const *) tenant->expected_origins,
                                  self->page_origin);
      fits_rp_id = sesame_tenant_validate_origin (self->page_origin, tenant->rp_id, NULL);
    }

  if (expected)
    {
      g_autofree char *tooltip =
        g_strdup_printf (_("%s is an expected origin of the tenant: passkeys work here"),
                         self->page_origin);

      gtk_label_set_text (self->origin_label, self->page_origin);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->origin_label), tooltip);
      gtk_widget_add_css_class (GTK_WIDGET (self->origin_label), "expected");
      gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
      return;
    }

  {
    g_autofree char *label = g_strdup_printf (_("%s (not expected)"), self->page_origin);
    g_autofree char *banner = NULL;

    gtk_label_set_text (self->origin_label, label);
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->origin_label),
                                 _("Not an expected origin of the tenant"));
    gtk_widget_add_css_class (GTK_WIDGET (self->origin_label), "unexpected");

    if (!tenant)
      banner = g_strdup_printf (_("Passkeys will fail on %s: %s"), self->page_origin,
                                error->message);
    else if (fits_rp_id)
      /* Translators: the first %s is an origin, the second the same origin
       * in a command-line option. */
      banner = g_strdup_printf (_("Passkeys will fail on %s: the tenant refuses ceremonies "
                                  "from origins it does not expect. Add it here or start "
                                  "Sesame with --origin %s."),
                                self->page_origin, self->page_origin);
    else if (page_host_is_ip_address (self))
      banner = g_strdup_printf (_("Passkeys will fail on %s: an IP address cannot be a Relying "
                                  "Party ID. Open the page by a host name under “%s”, such as "
                                  "localhost, instead."),
                                self->page_origin, tenant->rp_id);
    else
      banner = g_strdup_printf (_("Passkeys will fail on %s: its host is not the tenant’s "
                                  "Relying Party ID “%s” or below it. Start Sesame with "
                                  "--rp-id set to this host and --origin %s."),
                                self->page_origin, tenant->rp_id, self->page_origin);
    gtk_label_set_text (self->banner_label, banner);
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.add-origin", tenant && fits_rp_id);
    gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
  }
}

/* Loading pages */

/* Whether WebKit's URI is the one asked for: it writes "http://host" as
 * "http://host/", and "HTTP://Host:80" as "http://host/". */
static char *
normalize_uri (const char *text)
{
  g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_SCHEME_NORMALIZE, NULL);

  return uri ? g_uri_to_string (uri) : g_strdup (text);
}

static gboolean
same_uri (const char *a,
          const char *b)
{
  g_autofree char *normal_a = NULL;
  g_autofree char *normal_b = NULL;

  if (!a || !b)
    return a == b;
  normal_a = normalize_uri (a);
  normal_b = normalize_uri (b);
  return g_str_equal (normal_a, normal_b);
}

static void
fail_pending_load (SesameWindow *self,
                   GError       *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->pending_load);

  g_clear_error (&self->pending_error);
  if (task)
    g_task_return_error (task, error);
  else
    g_error_free (error);
}

void
sesame_window_open_url (SesameWindow *self,
                        const char   *uri)
{
  g_return_if_fail (SESAME_IS_WINDOW (self));
  g_return_if_fail (uri != NULL);

  if (self->pending_load)
    fail_pending_load (self, g_error_new (SESAME_WINDOW_ERROR, SESAME_WINDOW_ERROR_SUPERSEDED,
                                          _("Another page was opened before %s loaded"), uri));
  self->loaded_once = TRUE;
  adw_view_stack_set_visible_child_name (self->view_stack, "demo");
  webkit_web_view_load_uri (self->web_view, uri);
}

void
sesame_window_open_url_async (SesameWindow        *self,
                              const char          *uri,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SESAME_IS_WINDOW (self));
  g_return_if_fail (uri != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sesame_window_open_url_async);
  sesame_window_open_url (self, uri);
  /* The load this replaces may still report that it finished or was
   * cancelled; only this load's own commit makes its end count. */
  self->pending_load = g_steal_pointer (&task);
  self->pending_load_committed = FALSE;
  g_free (self->pending_uri);
  self->pending_uri = g_strdup (uri);
  g_clear_error (&self->pending_error);
}

gboolean
sesame_window_open_url_finish (SesameWindow  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
open_start_page (SesameWindow *self)
{
  SesameApplication *app = get_app (self);
  SesameServer *server = sesame_application_get_server (app);
  g_autofree char *last = g_settings_get_string (self->settings, "last-url");
  const char *uri = sesame_application_get_start_url (app);

  if (!uri && *last)
    uri = last;
  if (!uri)
    uri = sesame_server_get_app_url (server);
  sesame_window_open_url (self, uri);
}

static void
tenant_changed_cb (SesameWindow      *self,
                   SesameApplication *app)
{
  SesameServer *server = sesame_application_get_server (app);
  const GError *error = sesame_application_get_start_error (app);

  if (server)
    {
      gtk_stack_set_visible_child_name (self->main_stack, "tenant");
      update_origin_status (self);
      if (!self->loaded_once)
        open_start_page (self);
    }
  else if (error)
    {
      gboolean busy = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
      g_autofree char *description = NULL;

      if (busy)
        description = g_strdup_printf (_("The port is already in use: %s. Stop what uses it, "
                                         "or let Sesame pick a free port."), error->message);
      else
        description = g_strdup (error->message);
      adw_status_page_set_description (self->failed_page, description);
      gtk_widget_set_visible (self->another_port_button, busy);
      gtk_stack_set_visible_child_name (self->main_stack, "failed");
    }
  else
    gtk_stack_set_visible_child_name (self->main_stack, "starting");
}

static void
update_address (SesameWindow *self)
{
  const char *uri = webkit_web_view_get_uri (self->web_view);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  /* Do not overwrite what the user is typing. */
  if (!focus || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->address_entry)))
    gtk_editable_set_text (GTK_EDITABLE (self->address_entry), uri ? uri : "");
}

static void
update_navigation_actions (SesameWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.back",
                                 webkit_web_view_can_go_back (self->web_view));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.forward",
                                 webkit_web_view_can_go_forward (self->web_view));
}

static void
load_changed_cb (SesameWindow    *self,
                 WebKitLoadEvent  event,
                 WebKitWebView   *web_view)
{
  switch (event)
    {
    case WEBKIT_LOAD_COMMITTED:
      {
        const char *uri = webkit_web_view_get_uri (web_view);

        g_free (self->page_origin);
        self->page_origin = sesame_address_get_origin (uri);
        update_address (self);
        update_origin_status (self);
        if (uri && g_str_has_prefix (uri, "http"))
          g_settings_set_string (self->settings, "last-url", uri);
        /* Which load is this?  The one this request replaced may still
         * commit or finish, and WebKit's error page for a load that failed
         * just before is a load of its own under the failed URI; neither
         * end is this request's outcome.  The URI is known from here on
         * (not yet at LOAD_STARTED), so the commit decides. */
        if (self->pending_load)
          self->pending_load_committed = same_uri (uri, self->pending_uri);
      }
      break;
    case WEBKIT_LOAD_FINISHED:
      if (self->pending_load && self->pending_load_committed)
        {
          g_autoptr(GTask) task = g_steal_pointer (&self->pending_load);

          if (self->pending_error)
            g_task_return_error (task, g_steal_pointer (&self->pending_error));
          else
            g_task_return_boolean (task, TRUE);
        }
      break;
    case WEBKIT_LOAD_REDIRECTED:
      /* A load replaced by this request stops at once, so a redirect is
       * this request's own: it commits under the new address. */
      if (self->pending_load)
        {
          g_free (self->pending_uri);
          self->pending_uri = g_strdup (webkit_web_view_get_uri (web_view));
        }
      break;
    case WEBKIT_LOAD_STARTED:
    default:
      break;
    }
  update_navigation_actions (self);
}

static gboolean
load_failed_cb (SesameWindow    *self,
                WebKitLoadEvent  event,
                const char      *failing_uri,
                GError          *error,
                WebKitWebView   *web_view)
{
  /* The load this one replaced reports its cancellation with its own URI;
   * a refused port fails before this load has even started. */
  if (!same_uri (failing_uri, self->pending_uri))
    return FALSE;
  if (g_error_matches (error, WEBKIT_NETWORK_ERROR, WEBKIT_NETWORK_ERROR_CANCELLED))
    fail_pending_load (self, g_error_new (SESAME_WINDOW_ERROR, SESAME_WINDOW_ERROR_SUPERSEDED,
                                          _("Loading %s was stopped"), failing_uri));
  else
    {
      GError *failure = g_error_new (SESAME_WINDOW_ERROR, SESAME_WINDOW_ERROR_LOAD_FAILED,
                                     _("%s did not load: %s"), failing_uri, error->message);

      /* WebKit shows an error page for every other failure but this one. */
      if (g_error_matches (error, WEBKIT_POLICY_ERROR,
                           WEBKIT_POLICY_ERROR_FRAME_LOAD_INTERRUPTED_BY_POLICY_CHANGE))
        {
          fail_pending_load (self, failure);
        }
      else
        {
          /* The error page is a load of its own under the failed URI, and
           * it would replace whatever is opened before it commits: the
           * request ends when that page has finished. */
          g_clear_error (&self->pending_error);
          self->pending_error = failure;
          self->pending_load_committed = FALSE;
        }
    }
  return FALSE;
}

static void
address_activate_cb (SesameWindow *self,
                     GtkEntry     *entry)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = sesame_address_to_uri (gtk_editable_get_text (GTK_EDITABLE (entry)),
                                                &error);

  if (!uri)
    {
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  sesame_window_open_url (self, uri);
  gtk_widget_grab_focus (GTK_WIDGET (self->web_view));
}

/* Prompts */

static void
forget_pin (char **pin)
{
  if (*pin)
    memset (*pin, 0, strlen (*pin));
  g_clear_pointer (pin, g_free);
}

void
sesame_window_set_prompt_response (SesameWindow         *self,
                                   SesamePromptResponse  response,
                                   const char           *pin)
{
  g_return_if_fail (SESAME_IS_WINDOW (self));

  self->prompt_response = response;
  forget_pin (&self->prompt_pin);
  self->prompt_pin = pin && *pin ? g_strdup (pin) : NULL;
}

void
sesame_window_set_prompt_security_key (SesameWindow *self,
                                       const char   *path,
                                       const char   *pin)
{
  g_return_if_fail (SESAME_IS_WINDOW (self));

  g_free (self->prompt_key_path);
  self->prompt_key_path = g_strdup (path);
  forget_pin (&self->prompt_key_pin);
  self->prompt_key_pin = path && pin && *pin ? g_strdup (pin) : NULL;
}

static void
close_prompt (SesameWindow *self)
{
  /* The prompt closes itself with its request; the popover only hides. */
  if (self->autofill)
    gtk_popover_popdown (GTK_POPOVER (self->autofill));
  if (self->prompted)
    g_signal_handlers_disconnect_by_data (self->prompted, self);
  g_clear_object (&self->prompted);
}

static void
request_finished_cb (SesameCredentialRequest        *request,
                     SesameCredentialRequestOutcome  outcome,
                     SesameWindow                   *self)
{
  /* Aborted, timed out or navigated away: the question is gone. */
  close_prompt (self);
}

static void
watch_request (SesameWindow            *self,
               SesameCredentialRequest *request)
{
  if (self->prompted == request)
    return;
  close_prompt (self);
  self->prompted = g_object_ref (request);
  g_signal_connect (request, "finished", G_CALLBACK (request_finished_cb), self);
}

static void
show_accept_failure (SesameWindow *self,
                     const GError *error)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
}

/* Answers @request with @credential_id (NULL: the first) in ACCEPT mode. */
static void
accept_now (SesameWindow            *self,
            SesameCredentialRequest *request,
            GBytes                  *credential_id)
{
  g_autoptr(GError) error = NULL;
  const char *pin = sesame_credential_request_wants_pin (request) ? self->prompt_pin : NULL;

  if (!sesame_credential_request_accept (request, credential_id, pin, &error))
    {
      /* Nobody is there to retype a PIN: give up on this request. */
      if (sesame_credential_request_get_outcome (request) == SESAME_CREDENTIAL_REQUEST_PENDING)
        sesame_credential_request_cancel (request);
      show_accept_failure (self, error);
    }
}

static void
key_accepted_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SesameWindow) self = user_data;
  SesameCredentialRequest *request = SESAME_CREDENTIAL_REQUEST (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  int retries = -1;

  if (sesame_credential_request_accept_security_key_finish (request, result, &retries, &error))
    return;
  g_debug ("The security key did not answer the request: %s", error->message);
  /* Nobody is there to type a PIN or plug the key in again. */
  if (sesame_credential_request_get_outcome (request) == SESAME_CREDENTIAL_REQUEST_PENDING)
    sesame_credential_request_cancel (request);
  text = sesame_passkey_prompt_describe_key_error (error, retries);
  if (text)
    adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

/* ACCEPT mode with a security key: its PIN is sent when it has one. */
static void
accept_with_key_now (SesameWindow            *self,
                     SesameCredentialRequest *request)
{
  sesame_credential_request_accept_security_key_async (request, self->prompt_key_path,
                                                       self->prompt_key_pin, key_accepted_cb,
                                                       g_object_ref (self));
}

static void
widget_failed_cb (GtkWidget    *widget,
                  const GError *error,
                  SesameWindow *self)
{
  show_accept_failure (self, error);
}

static void
show_prompt (SesameWindow            *self,
             SesameCredentialRequest *request)
{
  GtkWidget *prompt = sesame_passkey_prompt_new (GTK_WINDOW (self), request);

  /* The prompt destroys itself when the request finishes. */
  self->prompt = prompt;
  g_object_add_weak_pointer (G_OBJECT (prompt), (gpointer *) &self->prompt);
  g_signal_connect_object (prompt, "failed", G_CALLBACK (widget_failed_cb), self, 0);
  gtk_window_present (GTK_WINDOW (prompt));
}

static void
request_started_cb (SesameWindow            *self,
                    SesameCredentialRequest *request,
                    SesameCredentialsBridge *bridge)
{
  /* A conditional get waits for the user to focus the username field. */
  if (sesame_credential_request_is_conditional (request))
    return;

  switch (self->prompt_response)
    {
    case SESAME_PROMPT_RESPONSE_ACCEPT:
      if (self->prompt_key_path)
        accept_with_key_now (self, request);
      else
        accept_now (self, request, NULL);
      return;
    case SESAME_PROMPT_RESPONSE_CANCEL:
      sesame_credential_request_cancel (request);
      return;
    case SESAME_PROMPT_RESPONSE_ASK:
    default:
      watch_request (self, request);
      show_prompt (self, request);
      return;
    }
}

static void
show_autofill (SesameWindow            *self,
               SesameCredentialRequest *request,
               const GdkRectangle      *rect)
{
  if (!self->autofill)
    {
      self->autofill = sesame_autofill_popover_new ();
      gtk_widget_set_parent (self->autofill, GTK_WIDGET (self->web_view));
      g_signal_connect_object (self->autofill, "failed", G_CALLBACK (widget_failed_cb), self, 0);
    }
  sesame_autofill_popover_show_request (SESAME_AUTOFILL_POPOVER (self->autofill), request, rect);
}

static void
autofill_requested_cb (SesameWindow            *self,
                       SesameCredentialRequest *request,
                       int                      x,
                       int                      y,
                       int                      width,
                       int                      height,
                       SesameCredentialsBridge *bridge)
{
  GdkRectangle rect = { x, y, MAX (width, 1), MAX (height, 1) };
  GPtrArray *candidates = sesame_credential_request_get_candidates (request);

  /* Nothing to offer: a browser shows no autofill either. */
  if (!candidates || candidates->len == 0)
    return;

  switch (self->prompt_response)
    {
    case SESAME_PROMPT_RESPONSE_ACCEPT:
      accept_now (self, request,
                  ((SesameCredentialCandidate *) candidates->pdata[0])->credential_id);
      return;
    case SESAME_PROMPT_RESPONSE_CANCEL:
      /* As Escape would: no popover, the request stays pending. */
      return;
    case SESAME_PROMPT_RESPONSE_ASK:
    default:
      watch_request (self, request);
      show_autofill (self, request, &rect);
      return;
    }
}

gboolean
sesame_window_choose_autofill (SesameWindow  *self,
                               GBytes        *credential_id,
                               GError       **error)
{
  SesameCredentialRequest *request;
  GPtrArray *candidates;
  gboolean offered = FALSE;
  const char *pin;

  g_return_val_if_fail (SESAME_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (credential_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  request = sesame_credentials_bridge_get_pending (self->bridge);
  if (request == NULL || !sesame_credential_request_is_conditional (request) ||
      sesame_credential_request_get_outcome (request) != SESAME_CREDENTIAL_REQUEST_PENDING)
    {
      g_set_error_literal (error, SESAME_WINDOW_ERROR, SESAME_WINDOW_ERROR_NO_AUTOFILL,
                           "No passkey autofill is waiting: the page has no conditional "
                           "sign-in pending");
      return FALSE;
    }

  candidates = sesame_credential_request_get_candidates (request);
  for (guint i = 0; candidates && i < candidates->len && !offered; i++)
    {
      SesameCredentialCandidate *candidate = g_ptr_array_index (candidates, i);
      offered = g_bytes_equal (candidate->credential_id, credential_id);
    }
  if (!offered)
    {
      g_set_error_literal (error, SESAME_WINDOW_ERROR, SESAME_WINDOW_ERROR_NOT_OFFERED,
                           "No passkey with that id is offered for this sign-in");
      return FALSE;
    }

  /* As a click on the row: the popover goes, the request is answered. */
  if (self->autofill)
    gtk_popover_popdown (GTK_POPOVER (self->autofill));
  pin = sesame_credential_request_wants_pin (request) ? self->prompt_pin : NULL;
  return sesame_credential_request_accept (request, credential_id, pin, error);
}

static void
autofill_dismissed_cb (SesameWindow            *self,
                       SesameCredentialRequest *request,
                       SesameCredentialsBridge *bridge)
{
  if (self->autofill)
    gtk_popover_popdown (GTK_POPOVER (self->autofill));
}

/* Actions */

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  webkit_web_view_go_back (SESAME_WINDOW (widget)->web_view);
}

static void
forward_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  webkit_web_view_go_forward (SESAME_WINDOW (widget)->web_view);
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  webkit_web_view_reload (SESAME_WINDOW (widget)->web_view);
}

static void
focus_address_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  SesameWindow *self = SESAME_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->view_stack, "demo");
  gtk_widget_grab_focus (GTK_WIDGET (self->address_entry));
}

static void
launch_uri_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SesameWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not open a browser: %s"),
                                                  error->message);

      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
    }
}

static void
open_in_browser_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  SesameWindow *self = SESAME_WINDOW (widget);
  const char *uri = webkit_web_view_get_uri (self->web_view);
  g_autoptr(GAppLaunchContext) context = NULL;

  if (!uri)
    return;
  context = G_APP_LAUNCH_CONTEXT (gdk_display_get_app_launch_context (gtk_widget_get_display (widget)));
  g_app_info_launch_default_for_uri_async (uri, context, NULL, launch_uri_cb,
                                           g_object_ref (self));
}

static void
add_origin_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SesameWindow *self = SESAME_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!self->page_origin)
    return;
  if (!sesame_application_add_expected_origin (get_app (self), self->page_origin, &error))
    message = g_strdup_printf (_("Could not add %s: %s"), self->page_origin, error->message);
  else
    message = g_strdup_printf (_("%s is now an expected origin"), self->page_origin);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SesameWindow *self = SESAME_WINDOW (widget);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          g_variant_get_string (parameter, NULL));
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Copied")));
}

/* Window state */

static gboolean
sesame_window_close_request (GtkWindow *window)
{
  SesameWindow *self = SESAME_WINDOW (window);
  gboolean maximized = gtk_window_is_maximized (window);

  g_settings_set_boolean (self->settings, "window-maximized", maximized);
  if (!maximized)
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  return GTK_WINDOW_CLASS (sesame_window_parent_class)->close_request (window);
}

/* GtkWindow:application is not a construct property: it is set after
 * constructed(), so the window takes up its application here. */
static void
attach_to_application (SesameWindow *self)
{
  SesameApplication *app = get_app (self);

  self->bridge = sesame_credentials_bridge_new (self->web_view,
                                                sesame_application_get_authenticator (app));
  g_signal_connect_object (self->bridge, "request-started",
                           G_CALLBACK (request_started_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->bridge, "autofill-requested",
                           G_CALLBACK (autofill_requested_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->bridge, "autofill-dismissed",
                           G_CALLBACK (autofill_dismissed_cb), self, G_CONNECT_SWAPPED);

  g_signal_connect_object (app, "tenant-changed", G_CALLBACK (tenant_changed_cb), self,
                           G_CONNECT_SWAPPED);
  tenant_changed_cb (self, app);
  sesame_activity_view_attach (self->activity_view, app, self->bridge);
  sesame_users_view_attach (self->users_view, app);
  sesame_settings_view_attach (self->settings_view, app);
  sesame_settings_view_add_group (self->settings_view, SESAME_SETTINGS_PAGE_AUTHENTICATORS,
                                  ADW_PREFERENCES_GROUP (sesame_security_keys_group_new (app)));
}

static void
sesame_window_dispose (GObject *object)
{
  SesameWindow *self = SESAME_WINDOW (object);

  if (self->pending_load)
    fail_pending_load (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                                  _("The window was closed")));
  close_prompt (self);
  if (self->prompt)
    {
      GtkWidget *prompt = self->prompt;

      g_object_remove_weak_pointer (G_OBJECT (prompt), (gpointer *) &self->prompt);
      self->prompt = NULL;
      gtk_window_destroy (GTK_WINDOW (prompt));
    }
  g_clear_pointer (&self->autofill, gtk_widget_unparent);
  g_clear_object (&self->bridge);
  gtk_widget_dispose_template (GTK_WIDGET (self), SESAME_TYPE_WINDOW);

  G_OBJECT_CLASS (sesame_window_parent_class)->dispose (object);
}

static void
sesame_window_finalize (GObject *object)
{
  SesameWindow *self = SESAME_WINDOW (object);

  g_clear_object (&self->settings);
  g_free (self->page_origin);
  g_free (self->pending_uri);
  g_clear_error (&self->pending_error);
  sesame_window_set_prompt_response (self, SESAME_PROMPT_RESPONSE_ASK, NULL);
  sesame_window_set_prompt_security_key (self, NULL, NULL);

  G_OBJECT_CLASS (sesame_window_parent_class)->finalize (object);
}

static void
sesame_window_class_init (SesameWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sesame_window_dispose;
  object_class->finalize = sesame_window_finalize;
  window_class->close_request = sesame_window_close_request;

  g_type_ensure (SESAME_TYPE_ACTIVITY_VIEW);
  g_type_ensure (SESAME_TYPE_USERS_VIEW);
  g_type_ensure (SESAME_TYPE_SETTINGS_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sesame/Sesame/sesame-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SesameWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SesameWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, SesameWindow, failed_page);
  gtk_widget_class_bind_template_child (widget_class, SesameWindow, another_port_button);
  gtk_widget_class_bind_template_child (widget_class, SesameWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, SesameWindow, demo_box);
  gtk_widget_class_bind_template_child (widget_class, SesameWindow, address_entry);
  gtk_widget_class_bind_template_child (widget_class, SesameWindow, origin_label);
  gtk_widget_class_bind_template_child (widget_class, SesameWindow, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, SesameWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, SesameWindow, settings_view);
  gtk_widget_class_bind_template_child (widget_class, SesameWindow, activity_view);
  gtk_widget_class_bind_template_child (widget_class, SesameWindow, users_view);
  gtk_widget_class_bind_template_callback (widget_class, address_activate_cb);

  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "win.forward", NULL, forward_action);
  gtk_widget_class_install_action (widget_class, "win.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "win.focus-address", NULL,
                                   focus_address_action);
  gtk_widget_class_install_action (widget_class, "win.open-in-browser", NULL,
                                   open_in_browser_action);
  gtk_widget_class_install_action (widget_class, "win.add-origin", NULL, add_origin_action);
  gtk_widget_class_install_action (widget_class, "win.copy", "s", copy_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, GDK_ALT_MASK, "win.forward",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.reload",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.reload", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK,
                                       "win.focus-address", NULL);
}

static void
sesame_window_init (SesameWindow *self)
{
  g_autoptr(WebKitUserContentManager) content_manager = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (SCHEMA_ID);
  if (g_str_equal (PROFILE, "development"))
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  /* One user content manager per view: the bridge's scripts and message
   * handler belong to this view alone. */
  content_manager = webkit_user_content_manager_new ();
  self->web_view = g_object_new (WEBKIT_TYPE_WEB_VIEW,
                                 "user-content-manager", content_manager,
                                 "vexpand", TRUE,
                                 "hexpand", TRUE,
                                 NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->web_view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Page"), -1);
  gtk_box_append (self->demo_box, GTK_WIDGET (self->web_view));
  g_signal_connect_object (self->web_view, "load-changed", G_CALLBACK (load_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->web_view, "load-failed", G_CALLBACK (load_failed_cb), self,
                           G_CONNECT_SWAPPED);
  update_navigation_actions (self);
}
