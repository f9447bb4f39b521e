/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * The app suite's fixture: the real SesameApplication and its window in
 * this process, on a fresh data folder and fresh XDG folders, its tenant
 * on a free loopback port. The test cases run inside the application's
 * main loop, spinning it while they wait for the page.
 */

#include "sesame-application.h"
#include "sesame-secret-store.h"
#include "sesame-window.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* True in the sample app once app.js has set itself up: it then shows one
 * of its two states. */
#define SAMPLE_APP_READY \
  "!document.getElementById('signed-out').hidden || !document.getElementById('account').hidden"

/* g_test_init, and temporary XDG folders before anything reads them. */
void               app_test_init            (int    *argc,
                                             char ***argv);
const char        *app_test_get_tmp_dir     (void);
/* Removes the temporary folders (app_test_run does it by itself). */
void               app_test_remove_tmp_dir  (void);

/* Runs the application with "--port 0 --data-dir TMP" and @extra_args
 * (NULL-terminated, may be NULL), the test cases once its window is up;
 * returns g_test_run()'s result. */
int                app_test_run             (const char * const *extra_args);

/* By default the run is not a first start: the welcome window was seen
 * already. TRUE before app_test_run() makes it the very first one. */
void               app_test_set_first_start (gboolean            first_start);

SesameApplication *app_test_get_application (void);
SesameWindow      *app_test_get_window      (void);

/* Spins the main context until @condition holds or @timeout_ms passes;
 * returns the condition's last value. */
gboolean           app_test_wait_for        (gboolean    (*condition) (gpointer data),
                                             gpointer      data,
                                             guint         timeout_ms);
/* Spins the main context for @ms milliseconds. */
void               app_test_spin            (guint         ms);

/* Opens @uri in the window's Demo view and waits until it has loaded. */
gboolean           app_test_open            (const char   *uri,
                                             GError      **error);
/* Runs @body as an async function in the page and returns its result as
 * JSON text, NULL with @error when it threw. */
char              *app_test_run_js          (const char   *body,
                                             GError      **error);
/* Waits until @expression (JavaScript) is truthy in the page. */
gboolean           app_test_wait_for_js     (const char   *expression,
                                             guint         timeout_ms);

/* The first widget under @root (depth first) of @type for which @match
 * (may be NULL) holds. */
GtkWidget         *app_test_find_widget     (GtkWidget    *root,
                                             GType         type,
                                             gboolean    (*match) (GtkWidget *widget,
                                                                   gpointer   data),
                                             gpointer      data);
/* The visible toplevel window of @type (a prompt, a dialog), or NULL. */
GtkWindow         *app_test_find_toplevel   (GType         type);
/* A match for app_test_find_widget: the window's stack of its states
 * (starting, failed, tenant). */
gboolean           app_test_is_main_stack   (GtkWidget    *widget,
                                             gpointer      data);
/* The AdwPreferencesRow titled @title. */
GtkWidget         *app_test_find_row        (GtkWidget    *root,
                                             const char   *title);

/* The AdwEntryRow under @root whose text is @text. */
GtkWidget         *app_test_find_entry_row  (GtkWidget    *root,
                                             const char   *text);
/* The AdwMessageDialog on screen (the newest when there are several), or
 * NULL; waits up to a second for one to appear. */
GtkWidget         *app_test_find_dialog     (void);
/* Answers @dialog with @response as its button would (it closes). */
void               app_test_respond         (GtkWidget    *dialog,
                                             const char   *response);

/* An HTTP request to the tenant, run while the main loop spins (the
 * tenant serves on this thread). @authorization, @origin and @body may be
 * NULL. Returns the reply's body; its status goes to @status (0: no reply). */
char              *app_test_http            (const char   *method,
                                             const char   *url,
                                             const char   *authorization,
                                             const char   *origin,
                                             const char   *body,
                                             guint        *status);

/* Serves @html at / on 127.0.0.1, a port of its own: another origin than
 * the tenant's. Returns the origin ("http://127.0.0.1:N"). */
char              *app_test_serve_page      (SoupServer  **server,
                                             const char   *html);

/* sesame_secret_store_lookup_async(), waited for (ten seconds at most). */
char              *app_test_lookup_secret   (SesameSecretStore  *store,
                                             const char         *tenant_id,
                                             GError            **error);

/* A loopback URL where nothing listens (a port just freed). */
char              *app_test_dead_url        (void);

G_END_DECLS
