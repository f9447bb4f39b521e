/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-credentials-bridge.h"

#include <string.h>

#include "sesame-bridge-error.h"
#include "sesame-bridge-reply.h"
#include "sesame-bridge-resources.h"
#include "sesame-credential-request-private.h"
#include "sesame-json.h"
#include "sesame-rp-id.h"

/* The relay's world and the handler only it can reach. */
#define BRIDGE_WORLD   "sesame-bridge"
#define HANDLER_NAME   "sesameWebAuthn"
#define RESOURCE_PATH  "/io/github/sesame/Sesame/bridge/"

/* More than any honest request with 64 descriptors of 1 KiB ids. */
#define MAX_MESSAGE_LEN (256 * 1024)

/* Numbers the page uses to match answers: JavaScript's safe integers. */
#define MAX_PAGE_ID G_GINT64_CONSTANT (9007199254740991)

struct _SesameCredentialsBridge
{
  GObject parent_instance;

  WebKitWebView            *view;          /* weak */
  WebKitUserContentManager *manager;
  SesameSoftAuthenticator  *authenticator;
  WebKitUserScript         *shim;
  WebKitUserScript         *relay;

  /* The committed main-frame document; NULL until one commits or when
   * its origin is opaque. */
  char *origin;
  char *scheme;
  char *host;

  SesameCredentialRequest  *pending;
  gboolean                  autofill_shown;
  SesameInjectedFailure     next_failure;  /* for the next get() */

  /* The reply of a request abandoned at LOAD_STARTED, kept until the next
   * document commits so that the old page gets no answer. */
  WebKitScriptMessageReply *orphaned_reply;
  JSCContext               *orphaned_context;
  gint64                    orphaned_page_id;
  gboolean                  committed_since_start;
};

G_DEFINE_FINAL_TYPE (SesameCredentialsBridge, sesame_credentials_bridge, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_VIEW,
  PROP_AUTHENTICATOR,
  PROP_INJECTED_FAILURE,
  N_PROPS
};

enum {
  REQUEST_STARTED,
  AUTOFILL_REQUESTED,
  AUTOFILL_DISMISSED,
  CEREMONY_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
drop_orphaned_reply (SesameCredentialsBridge *self)
{
  g_clear_pointer (&self->orphaned_reply, webkit_script_message_reply_unref);
  g_clear_object (&self->orphaned_context);
}

static void
request_finished_cb (SesameCredentialRequest        *request,
                     SesameCredentialRequestOutcome  outcome,
                     SesameCredentialsBridge        *self)
{
  g_autoptr(SesameCredentialRequest) finished = NULL;

  if (request != self->pending)
    return;

  g_signal_handlers_disconnect_by_func (request, request_finished_cb, self);
  finished = g_steal_pointer (&self->pending);
  if (outcome == SESAME_CREDENTIAL_REQUEST_SUCCEEDED &&
      sesame_credential_request_get_injected_failure (finished) != SESAME_INJECTED_FAILURE_NONE)
    sesame_credentials_bridge_inject_failure (self, SESAME_INJECTED_FAILURE_NONE);

  if (self->autofill_shown)
    {
      self->autofill_shown = FALSE;
      g_signal_emit (self, signals[AUTOFILL_DISMISSED], 0, finished);
    }

  g_signal_emit (self, signals[CEREMONY_FINISHED], 0, finished);
}

/* Ends the pending request because the page is going away. */
static void
abandon_pending (SesameCredentialsBridge *self)
{
  g_autoptr(SesameCredentialRequest) request = NULL;
  WebKitScriptMessageReply *reply;
  JSCContext *context;

  if (self->pending == NULL)
    return;

  request = g_object_ref (self->pending);
  drop_orphaned_reply (self);

  /* Keep what is needed to answer the old page should it stay after all
   * (a navigation that fails before committing). */
  self->orphaned_page_id = sesame_credential_request_get_page_id (request);
  context = sesame_credential_request_get_context (request);
  if (context != NULL)
    self->orphaned_context = g_object_ref (context);
  reply = sesame_credential_request_abandon (request);
  if (reply != NULL)
    self->orphaned_reply = reply;
  else
    g_clear_object (&self->orphaned_context);
}

static void
update_origin (SesameCredentialsBridge *self)
{
  g_autoptr(WebKitSecurityOrigin) origin = NULL;
  const char *uri = webkit_web_view_get_uri (self->view);

  g_clear_pointer (&self->origin, g_free);
  g_clear_pointer (&self->scheme, g_free);
  g_clear_pointer (&self->host, g_free);

  if (uri == NULL)
    return;

  origin = webkit_security_origin_new_for_uri (uri);
  self->origin = webkit_security_origin_to_string (origin);
  if (self->origin == NULL)
    return;

  self->scheme = g_strdup (webkit_security_origin_get_protocol (origin));
  self->host = g_strdup (webkit_security_origin_get_host (origin));
  if (self->scheme == NULL || self->host == NULL || *self->host == '\0')
    {
      /* Opaque or host-less (file:, data:): no WebAuthn there. */
      g_clear_pointer (&self->origin, g_free);
      g_clear_pointer (&self->scheme, g_free);
      g_clear_pointer (&self->host, g_free);
    }
}

static void
load_changed_cb (WebKitWebView           *view,
                 WebKitLoadEvent          event,
                 SesameCredentialsBridge *self)
{
  switch (event)
    {
    case WEBKIT_LOAD_STARTED:
      /* get_uri still shows the old page here; the new origin is known
       * only at commit. Until then the old page may not start anything. */
      self->committed_since_start = FALSE;
      abandon_pending (self);
      break;

    case WEBKIT_LOAD_COMMITTED:
      self->committed_since_start = TRUE;
      /* A request the old document made while the new one was loading. */
      abandon_pending (self);
      drop_orphaned_reply (self);
      update_origin (self);
      break;

    case WEBKIT_LOAD_REDIRECTED:
    case WEBKIT_LOAD_FINISHED:
    default:
      break;
    }
}

static gboolean
load_failed_cb (WebKitWebView           *view,
                WebKitLoadEvent          event,
                const char              *failing_uri,
                GError                  *error,
                SesameCredentialsBridge *self)
{
  /* The navigation ended before a new document replaced the old one: the
   * old page stays, and its promise must settle after all. */
  if (!self->committed_since_start && self->orphaned_reply != NULL)
    {
      g_autoptr(GError) not_allowed = g_error_new_literal (SESAME_BRIDGE_ERROR,
                                                           SESAME_BRIDGE_ERROR_NOT_ALLOWED,
                                                           SESAME_BRIDGE_NOT_ALLOWED_MESSAGE);

      sesame_bridge_reply_send_error (self->orphaned_reply, self->orphaned_context,
                                      self->orphaned_page_id, not_allowed);
      drop_orphaned_reply (self);
    }

  return FALSE;
}

/* Reading what the relay forwards. */

static JsonObject *
parse_object (const char  *text,
              gsize        len,
              JsonNode   **root,
              GError     **error)
{
  g_autofree char *problem = NULL;

  *root = sesame_json_parse_strict (text, len, &problem);
  if (*root == NULL)
    {
      g_set_error (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_TYPE,
                   "The request is not valid JSON: %s", problem);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (*root))
    {
      g_set_error_literal (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_TYPE,
                           "The request is not a JSON object");
      return NULL;
    }

  return json_node_get_object (*root);
}

static const char *
get_string_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* The frame the relay says the message came from. The relay runs in the
 * isolated world, where the page cannot change what window.top and
 * location report; the origin of the whole page is still our own record
 * of the committed URI, never this. */
typedef struct
{
  gboolean    top;
  const char *origin;
} FrameInfo;

static gboolean
read_frame (JsonObject  *envelope,
            FrameInfo   *frame,
            GError     **error)
{
  JsonNode *node = json_object_get_member (envelope, "frame");
  JsonNode *top;
  JsonObject *object;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    goto malformed;

  object = json_node_get_object (node);
  top = json_object_get_member (object, "top");
  frame->origin = get_string_member (object, "origin");
  if (top == NULL || !JSON_NODE_HOLDS_VALUE (top) || json_node_get_value_type (top) != G_TYPE_BOOLEAN ||
      frame->origin == NULL || strlen (frame->origin) > SESAME_REQUEST_MAX_STRING)
    goto malformed;

  frame->top = json_node_get_boolean (top);
  return TRUE;

malformed:
  g_set_error_literal (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_UNKNOWN,
                       "The relay sent no frame description");
  return FALSE;
}

/* Whether the document the message came from may act for the page: the
 * main frame's current document, or a same-origin subframe of it. */
static gboolean
check_frame (SesameCredentialsBridge  *self,
             const FrameInfo          *frame,
             GError                  **error)
{
  if (self->origin == NULL)
    {
      g_set_error_literal (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_NOT_ALLOWED,
                           "The page has no origin that can use passkeys");
      return FALSE;
    }

  if (!g_str_equal (frame->origin, self->origin))
    {
      if (frame->top)
        g_set_error_literal (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_NOT_ALLOWED,
                             "The document that made the request is no longer shown");
      else
        g_set_error (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_NOT_ALLOWED,
                     "The 'publickey-credentials' feature is not enabled in this document: "
                     "a frame of %s cannot use passkeys on a page of %s",
                     frame->origin, self->origin);
      return FALSE;
    }

  return TRUE;
}

static void
start_request (SesameCredentialsBridge  *self,
               SesameCredentialRequest  *request,
               WebKitScriptMessageReply *reply,
               JSCContext               *context,
               gint64                    page_id)
{
  sesame_credential_request_start (request, reply, context, page_id);

  self->pending = g_object_ref (request);
  self->autofill_shown = FALSE;
  g_signal_connect_object (request, "finished", G_CALLBACK (request_finished_cb), self, 0);

  g_signal_emit (self, signals[REQUEST_STARTED], 0, request);
}

/* navigator.credentials.create/get, checked as a browser does. Returns
 * FALSE with the exception for the page. */
static gboolean
handle_ceremony (SesameCredentialsBridge  *self,
                 JsonObject               *body,
                 const char               *kind_name,
                 WebKitScriptMessageReply *reply,
                 JSCContext               *context,
                 gint64                    page_id,
                 GError                  **error)
{
  g_autoptr(SesameCredentialRequest) request = NULL;
  SesameCredentialRequestKind kind;
  JsonNode *public_key = json_object_get_member (body, "publicKey");
  const char *mediation = get_string_member (body, "mediation");
  gboolean conditional = g_strcmp0 (mediation, "conditional") == 0;

  kind = g_str_equal (kind_name, "create") ? SESAME_CREDENTIAL_REQUEST_CREATE
                                           : SESAME_CREDENTIAL_REQUEST_GET;

  if (!sesame_rp_id_origin_is_secure (self->scheme, self->host))
    {
      g_set_error (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_SECURITY,
                   "%s is not a secure context: passkeys need https, or http on localhost",
                   self->origin);
      return FALSE;
    }

  if (public_key == NULL || !JSON_NODE_HOLDS_OBJECT (public_key))
    {
      g_set_error_literal (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_NOT_SUPPORTED,
                           "Only publicKey credentials are supported");
      return FALSE;
    }

  /* Creating a passkey silently after a password sign-in needs a password
   * manager; Chrome refuses the same way when it has no password to
   * upgrade. */
  if (conditional && kind == SESAME_CREDENTIAL_REQUEST_CREATE)
    {
      g_set_error_literal (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_NOT_ALLOWED,
                           SESAME_BRIDGE_NOT_ALLOWED_MESSAGE);
      return FALSE;
    }

  if (self->pending != NULL)
    {
      if (sesame_credential_request_is_conditional (self->pending) && !conditional)
        {
          /* A modal request replaces a waiting autofill one, as in Chrome. */
          g_autoptr(GError) abort_error =
            g_error_new_literal (SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_ABORT,
                                 "A modal request replaced the pending conditional one");
          sesame_credential_request_fail (self->pending, SESAME_CREDENTIAL_REQUEST_ABORTED, abort_error);
        }
      else
        {
          g_set_error_literal (error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_NOT_ALLOWED,
                               "A request is already pending.");
          return FALSE;
        }
    }

  request = sesame_credential_request_new_from_json (kind, self->authenticator,
                                                     self->origin, self->host,
                                                     json_node_get_object (public_key),
                                                     conditional, error);
  if (request == NULL)
    return FALSE;

  /* An injected failure is for one assertion: each get() is made with it,
   * and the first that answers the page uses it up (request_finished_cb);
   * an autofill request that is never chosen does not. */
  if (kind == SESAME_CREDENTIAL_REQUEST_GET && self->next_failure != SESAME_INJECTED_FAILURE_NONE)
    sesame_credential_request_set_injected_failure (request, self->next_failure);

  start_request (self, request, reply, context, page_id);
  return TRUE;
}

static void
handle_abort (SesameCredentialsBridge *self,
              gint64                   page_id)
{
  g_autoptr(GError) error = NULL;

  /* The shim has already rejected the promise; this ends the request here
   * and closes the prompt. An unknown id is an abort that crossed the
   * answer: nothing to do. */
  if (self->pending == NULL || sesame_credential_request_get_page_id (self->pending) != page_id)
    return;

  g_set_error_literal (&error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_ABORT,
                       "The operation was aborted.");
  sesame_credential_request_fail (self->pending, SESAME_CREDENTIAL_REQUEST_ABORTED, error);
}

static gboolean
read_rect_member (JsonObject *rect,
                  const char *name,
                  double     *out)
{
  return sesame_credential_options_json_number (json_object_get_member (rect, name), out) &&
         *out > -1e6 && *out < 1e6;
}

/* Focus moved to or from a sign-in field (the relay watches them). */
static void
handle_autofill_event (SesameCredentialsBridge *self,
                       JsonObject              *event)
{
  const char *kind = get_string_member (event, "kind");
  JsonNode *rect_node;

  if (kind == NULL || self->pending == NULL || !sesame_credential_request_is_conditional (self->pending))
    return;

  if (g_str_equal (kind, "focus"))
    {
      double x, y, width, height, zoom;
      int view_width, view_height;
      JsonObject *rect;
      int left, top, right, bottom;

      rect_node = json_object_get_member (event, "rect");
      if (rect_node == NULL || !JSON_NODE_HOLDS_OBJECT (rect_node))
        return;
      rect = json_node_get_object (rect_node);
      if (!read_rect_member (rect, "x", &x) || !read_rect_member (rect, "y", &y) ||
          !read_rect_member (rect, "width", &width) || !read_rect_member (rect, "height", &height) ||
          width < 0 || height < 0)
        return;

      /* CSS pixels of the viewport → the view's pixels, kept inside the
       * view so that the popover always has an anchor on screen. */
      zoom = webkit_web_view_get_zoom_level (self->view);
      view_width = MAX (gtk_widget_get_width (GTK_WIDGET (self->view)), 1);
      view_height = MAX (gtk_widget_get_height (GTK_WIDGET (self->view)), 1);
      left = CLAMP ((int) (x * zoom), 0, view_width - 1);
      top = CLAMP ((int) (y * zoom), 0, view_height - 1);
      right = CLAMP ((int) ((x + width) * zoom + 0.5), left + 1, view_width);
      bottom = CLAMP ((int) ((y + height) * zoom + 0.5), top + 1, view_height);

      self->autofill_shown = TRUE;
      g_signal_emit (self, signals[AUTOFILL_REQUESTED], 0, self->pending,
                     left, top, right - left, bottom - top);
    }
  else if (g_str_equal (kind, "blur") || g_str_equal (kind, "escape"))
    {
      if (!self->autofill_shown)
        return;
      self->autofill_shown = FALSE;
      g_signal_emit (self, signals[AUTOFILL_DISMISSED], 0, self->pending);
    }
}

static void
reply_null (JSCContext               *context,
            WebKitScriptMessageReply *reply)
{
  g_autoptr(JSCValue) value = jsc_value_new_null (context);

  webkit_script_message_reply_return_value (reply, value);
}

/*
 * The relay's envelope: {"frame": {"top": bool, "origin": "…"}, and
 * either "body": "<the page's JSON text>" or "event": {…} (its own
 * observations of the sign-in field). The body is the page's and is read
 * as hostile input.
 */
static gboolean
script_message_cb (WebKitUserContentManager *manager,
                   JSCValue                 *value,
                   WebKitScriptMessageReply *reply,
                   SesameCredentialsBridge  *self)
{
  /* The context WebKit made the message's value in answers it too. */
  JSCContext *context = jsc_value_get_context (value);
  g_autoptr(JsonNode) envelope_root = NULL;
  g_autoptr(JsonNode) body_root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JsonObject *envelope, *body;
  JsonNode *event, *id_node;
  const char *body_text, *kind;
  FrameInfo frame;
  gint64 page_id = 0;

  if (!jsc_value_is_string (value))
    {
      webkit_script_message_reply_return_error_message (reply, "The bridge takes JSON text only");
      return TRUE;
    }

  text = jsc_value_to_string (value);
  if (strlen (text) > MAX_MESSAGE_LEN)
    {
      webkit_script_message_reply_return_error_message (reply, "The request is too large");
      return TRUE;
    }

  envelope = parse_object (text, strlen (text), &envelope_root, &error);
  if (envelope == NULL || !read_frame (envelope, &frame, &error))
    {
      webkit_script_message_reply_return_error_message (reply, error->message);
      return TRUE;
    }

  event = json_object_get_member (envelope, "event");
  if (event != NULL)
    {
      /* Only the main frame's fields anchor the popover: a subframe's
       * rectangle would be in its own coordinates. */
      if (JSON_NODE_HOLDS_OBJECT (event) && frame.top && check_frame (self, &frame, NULL))
        handle_autofill_event (self, json_node_get_object (event));
      reply_null (context, reply);
      return TRUE;
    }

  body_text = get_string_member (envelope, "body");
  if (body_text == NULL)
    {
      webkit_script_message_reply_return_error_message (reply, "The relay sent neither body nor event");
      return TRUE;
    }

  body = parse_object (body_text, strlen (body_text), &body_root, &error);
  if (body == NULL)
    goto refuse;

  id_node = json_object_get_member (body, "id");
  if (id_node == NULL || !JSON_NODE_HOLDS_VALUE (id_node) ||
      json_node_get_value_type (id_node) != G_TYPE_INT64 ||
      json_node_get_int (id_node) < 0 || json_node_get_int (id_node) > MAX_PAGE_ID)
    {
      g_set_error_literal (&error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_TYPE,
                           "The request has no valid id");
      goto refuse;
    }
  page_id = json_node_get_int (id_node);

  if (!check_frame (self, &frame, &error))
    goto refuse;

  kind = get_string_member (body, "kind");
  if (g_strcmp0 (kind, "abort") == 0)
    {
      handle_abort (self, page_id);
      reply_null (context, reply);
      return TRUE;
    }

  if (g_strcmp0 (kind, "create") != 0 && g_strcmp0 (kind, "get") != 0)
    {
      g_set_error_literal (&error, SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_TYPE,
                           "The request is neither create nor get");
      goto refuse;
    }

  if (handle_ceremony (self, body, kind, reply, context, page_id, &error))
    return TRUE;

refuse:
  sesame_bridge_reply_send_error (reply, context, page_id, error);
  return TRUE;
}

static WebKitUserScript *
load_script (const char *name,
             const char *world)
{
  g_autofree char *path = g_strconcat (RESOURCE_PATH, name, NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;
  gsize len;

  /* Built into the binary: missing means a broken build. */
  bytes = g_resource_lookup_data (sesame_bridge_get_resource (), path,
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (bytes == NULL)
    g_error ("The bridge script %s is missing: %s", path, error->message);

  source = g_strndup (g_bytes_get_data (bytes, &len), g_bytes_get_size (bytes));

  /* Every frame: the shim so that a subframe's call is seen and refused
   * (not left undefined), the relay so that it can say which frame. */
  if (world == NULL)
    return webkit_user_script_new (source,
                                   WEBKIT_USER_CONTENT_INJECT_ALL_FRAMES,
                                   WEBKIT_USER_SCRIPT_INJECT_AT_DOCUMENT_START,
                                   NULL, NULL);

  return webkit_user_script_new_for_world (source,
                                           WEBKIT_USER_CONTENT_INJECT_ALL_FRAMES,
                                           WEBKIT_USER_SCRIPT_INJECT_AT_DOCUMENT_START,
                                           world, NULL, NULL);
}

static void
sesame_credentials_bridge_constructed (GObject *object)
{
  SesameCredentialsBridge *self = SESAME_CREDENTIALS_BRIDGE (object);

  G_OBJECT_CLASS (sesame_credentials_bridge_parent_class)->constructed (object);

  g_assert (WEBKIT_IS_WEB_VIEW (self->view));
  g_assert (SESAME_IS_SOFT_AUTHENTICATOR (self->authenticator));

  self->manager = g_object_ref (webkit_web_view_get_user_content_manager (self->view));

  self->shim = load_script ("sesame-webauthn-shim.js", NULL);
  self->relay = load_script ("sesame-webauthn-relay.js", BRIDGE_WORLD);
  webkit_user_content_manager_add_script (self->manager, self->shim);
  webkit_user_content_manager_add_script (self->manager, self->relay);

  if (!webkit_user_content_manager_register_script_message_handler_with_reply (self->manager,
                                                                               HANDLER_NAME,
                                                                               BRIDGE_WORLD))
    g_critical ("The view's user content manager already has a %s handler: one bridge per view",
                HANDLER_NAME);

  g_signal_connect_object (self->manager, "script-message-with-reply-received::" HANDLER_NAME,
                           G_CALLBACK (script_message_cb), self, 0);
  g_signal_connect_object (self->view, "load-changed", G_CALLBACK (load_changed_cb), self, 0);
  g_signal_connect_object (self->view, "load-failed", G_CALLBACK (load_failed_cb), self, 0);

  /* A page may already be shown. */
  update_origin (self);
}

static void
sesame_credentials_bridge_dispose (GObject *object)
{
  SesameCredentialsBridge *self = SESAME_CREDENTIALS_BRIDGE (object);

  if (self->pending != NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (SESAME_BRIDGE_ERROR, SESAME_BRIDGE_ERROR_NOT_ALLOWED,
                                                     SESAME_BRIDGE_NOT_ALLOWED_MESSAGE);
      sesame_credential_request_fail (self->pending, SESAME_CREDENTIAL_REQUEST_CANCELLED, error);
    }
  drop_orphaned_reply (self);

  if (self->manager != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->manager, self);
      webkit_user_content_manager_unregister_script_message_handler (self->manager, HANDLER_NAME,
                                                                     BRIDGE_WORLD);
      if (self->shim != NULL)
        webkit_user_content_manager_remove_script (self->manager, self->shim);
      if (self->relay != NULL)
        webkit_user_content_manager_remove_script (self->manager, self->relay);
    }

  if (self->view != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->view, self);
      g_object_remove_weak_pointer (G_OBJECT (self->view), (gpointer *) &self->view);
      self->view = NULL;
    }

  g_clear_pointer (&self->shim, webkit_user_script_unref);
  g_clear_pointer (&self->relay, webkit_user_script_unref);
  g_clear_object (&self->manager);
  g_clear_object (&self->authenticator);

  G_OBJECT_CLASS (sesame_credentials_bridge_parent_class)->dispose (object);
}

static void
sesame_credentials_bridge_finalize (GObject *object)
{
  SesameCredentialsBridge *self = SESAME_CREDENTIALS_BRIDGE (object);

  g_free (self->origin);
  g_free (self->scheme);
  g_free (self->host);

  G_OBJECT_CLASS (sesame_credentials_bridge_parent_class)->finalize (object);
}

static void
sesame_credentials_bridge_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  SesameCredentialsBridge *self = SESAME_CREDENTIALS_BRIDGE (object);

  switch (prop_id)
    {
    case PROP_VIEW:
      g_value_set_object (value, self->view);
      break;

    case PROP_AUTHENTICATOR:
      g_value_set_object (value, self->authenticator);
      break;

    case PROP_INJECTED_FAILURE:
      g_value_set_string (value, sesame_injected_failure_to_string (self->next_failure));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sesame_credentials_bridge_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec)
{
  SesameCredentialsBridge *self = SESAME_CREDENTIALS_BRIDGE (object);

  switch (prop_id)
    {
    case PROP_VIEW:
      /* Weak: the bridge lives as long as the view, not the other way. */
      self->view = g_value_get_object (value);
      if (self->view != NULL)
        g_object_add_weak_pointer (G_OBJECT (self->view), (gpointer *) &self->view);
      break;

    case PROP_AUTHENTICATOR:
      self->authenticator = g_value_dup_object (value);
      break;

    case PROP_INJECTED_FAILURE:
      {
        SesameInjectedFailure failure;

        if (sesame_injected_failure_from_string (g_value_get_string (value), &failure))
          sesame_credentials_bridge_inject_failure (self, failure);
        else
          g_warning ("“%s” is not a failure Sesame can inject", g_value_get_string (value));
      }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sesame_credentials_bridge_class_init (SesameCredentialsBridgeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sesame_credentials_bridge_constructed;
  object_class->dispose = sesame_credentials_bridge_dispose;
  object_class->finalize = sesame_credentials_bridge_finalize;
  object_class->get_property = sesame_credentials_bridge_get_property;
  object_class->set_property = sesame_credentials_bridge_set_property;

  properties[PROP_VIEW] =
    g_param_spec_object ("view", NULL, NULL,
                         WEBKIT_TYPE_WEB_VIEW,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTHENTICATOR] =
    g_param_spec_object ("authenticator", NULL, NULL,
                         SESAME_TYPE_SOFT_AUTHENTICATOR,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INJECTED_FAILURE] =
    g_param_spec_string ("injected-failure", NULL, NULL, "none",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[REQUEST_STARTED] =
    g_signal_new ("request-started",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, SESAME_TYPE_CREDENTIAL_REQUEST);
  signals[AUTOFILL_REQUESTED] =
    g_signal_new ("autofill-requested",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 5, SESAME_TYPE_CREDENTIAL_REQUEST,
                  G_TYPE_INT, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT);
  signals[AUTOFILL_DISMISSED] =
    g_signal_new ("autofill-dismissed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, SESAME_TYPE_CREDENTIAL_REQUEST);
  signals[CEREMONY_FINISHED] =
    g_signal_new ("ceremony-finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, SESAME_TYPE_CREDENTIAL_REQUEST);
}

static void
sesame_credentials_bridge_init (SesameCredentialsBridge *self)
{
}

SesameCredentialsBridge *
sesame_credentials_bridge_new (WebKitWebView           *view,
                               SesameSoftAuthenticator *authenticator)
{
  g_return_val_if_fail (WEBKIT_IS_WEB_VIEW (view), NULL);
  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (authenticator), NULL);

  return g_object_new (SESAME_TYPE_CREDENTIALS_BRIDGE,
                       "view", view,
                       "authenticator", authenticator,
                       NULL);
}

WebKitWebView *
sesame_credentials_bridge_get_view (SesameCredentialsBridge *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIALS_BRIDGE (self), NULL);

  return self->view;
}

SesameSoftAuthenticator *
sesame_credentials_bridge_get_authenticator (SesameCredentialsBridge *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIALS_BRIDGE (self), NULL);

  return self->authenticator;
}

void
sesame_credentials_bridge_inject_failure (SesameCredentialsBridge *self,
                                          SesameInjectedFailure    failure)
{
  g_return_if_fail (SESAME_IS_CREDENTIALS_BRIDGE (self));
  g_return_if_fail ((guint) failure <= SESAME_INJECTED_FAILURE_WRONG_ORIGIN);

  if (self->next_failure == failure)
    return;
  self->next_failure = failure;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INJECTED_FAILURE]);
}

SesameInjectedFailure
sesame_credentials_bridge_get_injected_failure (SesameCredentialsBridge *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIALS_BRIDGE (self), SESAME_INJECTED_FAILURE_NONE);
  return self->next_failure;
}

SesameCredentialRequest *
sesame_credentials_bridge_get_pending (SesameCredentialsBridge *self)
{
  g_return_val_if_fail (SESAME_IS_CREDENTIALS_BRIDGE (self), NULL);

  return self->pending;
}
