/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "app-test-util.h"
#include "sesame-secret-store.h"

#include <glib/gstdio.h>
#include <string.h>

static char *tmp_dir;
static SesameApplication *application;
static int test_status;
static gboolean is_first_start;

static void
set_xdg_dir (const char *variable,
             const char *name,
             int         mode)
{
  g_autofree char *path = g_build_filename (tmp_dir, name, NULL);

  g_assert_no_errno (g_mkdir_with_parents (path, mode));
  g_setenv (variable, path, TRUE);
}

void
app_test_init (int    *argc,
               char ***argv)
{
  g_autoptr(GError) error = NULL;

  g_test_init (argc, argv, NULL);
  /* g_test_init names the program after its full path; WebKit makes
   * folder names of it. */
  {
    g_autofree char *name = g_path_get_basename ((*argv)[0]);

    g_set_prgname (name);
  }

  /* WebKit writes caches under these and never cleans some of them. */
  tmp_dir = g_dir_make_tmp ("sesame-app-test-XXXXXX", &error);
  g_assert_no_error (error);
  set_xdg_dir ("XDG_RUNTIME_DIR", "runtime", 0700);
  set_xdg_dir ("XDG_DATA_HOME", "data", 0700);
  set_xdg_dir ("XDG_CACHE_HOME", "cache", 0700);
  set_xdg_dir ("XDG_CONFIG_HOME", "config", 0700);
}

const char *
app_test_get_tmp_dir (void)
{
  return tmp_dir;
}

SesameApplication *
app_test_get_application (void)
{
  return application;
}

SesameWindow *
app_test_get_window (void)
{
  SesameWindow *window = sesame_application_get_window (application);

  g_assert_nonnull (window);
  return window;
}

static gboolean
run_tests_cb (gpointer user_data)
{
  test_status = g_test_run ();
  g_application_quit (G_APPLICATION (application));
  return G_SOURCE_REMOVE;
}

static void
activate_cb (GApplication *app,
             gpointer      user_data)
{
  static gboolean started;

  if (started)
    return;
  started = TRUE;
  g_idle_add (run_tests_cb, NULL);
}

static gboolean
remove_tree (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;
  GFile *child;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children && g_file_enumerator_iterate (children, &info, &child, NULL, NULL) && info)
    {
      g_autofree char *child_path = g_file_get_path (child);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child_path);
      else
        g_unlink (child_path);
    }
  return g_rmdir (path) == 0;
}

void
app_test_remove_tmp_dir (void)
{
  if (tmp_dir)
    remove_tree (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
}

void
app_test_set_first_start (gboolean first_start)
{
  is_first_start = first_start;
}

int
app_test_run (const char * const *extra_args)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *data_dir = g_build_filename (tmp_dir, "sesame", NULL);
  g_auto(GStrv) args = NULL;
  int status;

  g_strv_builder_add_many (builder, "sesame", "--port", "0", "--data-dir", data_dir, NULL);
  if (extra_args)
    g_strv_builder_addv (builder, (const char **) extra_args);
  args = g_strv_builder_end (builder);

  if (!is_first_start)
    {
      /* The settings live in memory, in this process only. */
      g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);

      g_settings_set_boolean (settings, "welcome-shown", TRUE);
    }

  application = sesame_application_new ();
  g_signal_connect_after (application, "activate", G_CALLBACK (activate_cb), NULL);
  status = g_application_run (G_APPLICATION (application), (int) g_strv_length (args), args);
  g_clear_object (&application);

  app_test_remove_tmp_dir ();
  return status != 0 ? status : test_status;
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
app_test_wait_for (gboolean (*condition) (gpointer data),
                   gpointer   data,
                   guint      timeout_ms)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add (timeout_ms, timeout_cb, &timed_out);
  /* A condition may depend on nothing the main loop hears of (another
   * process, a D-Bus name): look again every few milliseconds. */
  guint tick_id = g_timeout_add (10, tick_cb, NULL);
  gboolean met;

  while (!(met = condition (data)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout_id);
  g_source_remove (tick_id);
  return met;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
app_test_spin (guint ms)
{
  app_test_wait_for (never, NULL, ms);
}

typedef struct
{
  gboolean done;
  gboolean ok;
  char *json;
  GError *error;
} Call;

static gboolean
call_done (gpointer data)
{
  return ((Call *) data)->done;
}

static void
open_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Call *call = user_data;

  call->ok = sesame_window_open_url_finish (SESAME_WINDOW (source), result, &call->error);
  call->done = TRUE;
}

gboolean
app_test_open (const char  *uri,
               GError     **error)
{
  Call call = { 0 };

  sesame_window_open_url_async (app_test_get_window (), uri, NULL, open_cb, &call);
  g_assert_true (app_test_wait_for (call_done, &call, 30000));
  if (call.error)
    g_propagate_error (error, call.error);
  return call.ok;
}

static void
js_cb (GObject      *source,
       GAsyncResult *result,
       gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(JSCValue) value = NULL;

  value = webkit_web_view_call_async_javascript_function_finish (WEBKIT_WEB_VIEW (source),
                                                                 result, &call->error);
  if (value)
    call->json = jsc_value_is_undefined (value) ? g_strdup ("null") : jsc_value_to_json (value, 0);
  call->done = TRUE;
}

char *
app_test_run_js (const char  *body,
                 GError     **error)
{
  Call call = { 0 };

  webkit_web_view_call_async_javascript_function (sesame_window_get_web_view (app_test_get_window ()),
                                                  body, -1, NULL, NULL, NULL, NULL, js_cb, &call);
  g_assert_true (app_test_wait_for (call_done, &call, 30000));
  if (call.error)
    g_propagate_error (error, call.error);
  return call.json;
}

static gboolean
js_truthy (gpointer data)
{
  g_autofree char *body = g_strdup_printf ("return !!(%s);", (const char *) data);
  g_autofree char *json = app_test_run_js (body, NULL);

  return json && g_str_equal (json, "true");
}

gboolean
app_test_wait_for_js (const char *expression,
                      guint       timeout_ms)
{
  return app_test_wait_for (js_truthy, (gpointer) expression, timeout_ms);
}

GtkWindow *
app_test_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return GTK_WINDOW (window);
    }
  return NULL;
}

GtkWidget *
app_test_find_widget (GtkWidget  *root,
                      GType       type,
                      gboolean  (*match) (GtkWidget *widget,
                                          gpointer   data),
                      gpointer    data)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && (!match || match (root, data)))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = app_test_find_widget (child, type, match, data);

      if (found)
        return found;
    }
  return NULL;
}

gboolean
app_test_is_main_stack (GtkWidget *widget,
                        gpointer   data)
{
  return gtk_stack_get_child_by_name (GTK_STACK (widget), "tenant") != NULL;
}

static gboolean
row_has_title (GtkWidget *widget,
               gpointer   data)
{
  return g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), data) == 0;
}

GtkWidget *
app_test_find_row (GtkWidget  *root,
                   const char *title)
{
  return app_test_find_widget (root, ADW_TYPE_PREFERENCES_ROW, row_has_title, (gpointer) title);
}

static gboolean
entry_has_text (GtkWidget *widget,
                gpointer   data)
{
  return g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (widget)), data) == 0;
}

GtkWidget *
app_test_find_entry_row (GtkWidget  *root,
                         const char *text)
{
  return app_test_find_widget (root, ADW_TYPE_ENTRY_ROW, entry_has_text, (gpointer) text);
}

static GtkWidget *
visible_dialog (void)
{
  g_autoptr(GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());
  GtkWidget *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (window))
        found = window;
    }
  return found;
}

static gboolean
dialog_shown (gpointer data)
{
  return visible_dialog () != NULL;
}

GtkWidget *
app_test_find_dialog (void)
{
  app_test_wait_for (dialog_shown, NULL, 1000);
  return visible_dialog ();
}

void
app_test_respond (GtkWidget  *dialog,
                  const char *response)
{
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), response));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), response);
  gtk_window_close (GTK_WINDOW (dialog));
  app_test_spin (50);
}

typedef struct
{
  gboolean done;
  GBytes *body;
} HttpCall;

static gboolean
http_done (gpointer data)
{
  return ((HttpCall *) data)->done;
}

static void
http_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  HttpCall *call = user_data;

  call->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  call->done = TRUE;
}

char *
app_test_http (const char *method,
               const char *url,
               const char *authorization,
               const char *origin,
               const char *body,
               guint      *status)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = soup_message_new (method, url);
  SoupMessageHeaders *headers;
  HttpCall call = { 0 };
  char *text;

  g_assert_nonnull (message);
  headers = soup_message_get_request_headers (message);
  if (authorization)
    soup_message_headers_replace (headers, "Authorization", authorization);
  if (origin)
    soup_message_headers_replace (headers, "Origin", origin);
  if (body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (message, "application/json", bytes);
    }
  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL, http_cb, &call);
  g_assert_true (app_test_wait_for (http_done, &call, 10000));
  *status = call.body ? soup_message_get_status (message) : 0;
  text = call.body ? g_strndup (g_bytes_get_data (call.body, NULL), g_bytes_get_size (call.body))
                   : NULL;
  g_clear_pointer (&call.body, g_bytes_unref);
  return text;
}

static void
page_cb (SoupServer        *server,
         SoupServerMessage *message,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  const char *html = user_data;

  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (message, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                    html, strlen (html));
}

char *
app_test_serve_page (SoupServer **server,
                     const char  *html)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) listeners = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);

  *server = soup_server_new (NULL, NULL);
  soup_server_add_handler (*server, NULL, page_cb, g_strdup (html), g_free);
  g_assert_true (soup_server_listen (*server, address, 0, &error));
  g_assert_no_error (error);
  /* The port from the socket itself: soup_server_get_uris() in libsoup
   * 3.2 leaks the address it reads. */
  listeners = soup_server_get_listeners (*server);
  g_assert_nonnull (listeners);
  local = g_socket_get_local_address (listeners->data, &error);
  g_assert_no_error (error);
  return g_strdup_printf ("http://127.0.0.1:%u",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
}

char *
app_test_dead_url (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint port;

  g_assert_true (g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_listener_close (listener);
  return g_strdup_printf ("http://127.0.0.1:%u/", port);
}

typedef struct
{
  gboolean done;
  char *secret;
  GError *error;
} SecretLookup;

static gboolean
secret_lookup_done (gpointer data)
{
  return ((SecretLookup *) data)->done;
}

static void
secret_lookup_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SecretLookup *lookup = user_data;

  lookup->secret = sesame_secret_store_lookup_finish (SESAME_SECRET_STORE (source), result,
                                                      &lookup->error);
  lookup->done = TRUE;
}

char *
app_test_lookup_secret (SesameSecretStore  *store,
                        const char         *tenant_id,
                        GError            **error)
{
  SecretLookup call = { 0 };

  sesame_secret_store_lookup_async (store, tenant_id, NULL, secret_lookup_cb, &call);
  g_assert_true (app_test_wait_for (secret_lookup_done, &call, 10000));
  if (call.error)
    g_propagate_error (error, call.error);
  return call.secret;
}
