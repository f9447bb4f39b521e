/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-application.h"

#include "sesame-about.h"
#include "sesame-address.h"
#include "sesame-app-resources.h"
#include "sesame-automation.h"
#include "sesame-secret-store.h"
#include "sesame-security-key.h"
#include "sesame-tenant-rules.h"
#include "sesame-welcome.h"
#include "sesame-window.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#define DATABASE_NAME     "sesame.db"
#define AUTHENTICATOR_NAME "passkeys.db"

/* Exit statuses, as sesame-server has them. */
enum
{
  EXIT_OK = 0,
  EXIT_USAGE = 2,
};

struct _SesameApplication
{
  AdwApplication parent_instance;

  /* What the command line of the primary instance asked for. */
  char *bind;
  char *data_dir;
  char *rp_id;
  char **origins;
  char *tenant_id;
  char *secret_key;
  char *user_verification;
  char *start_url;
  int port;
  gboolean automation_requested;

  SesameStore *store;
  SesameServer *server;        /* NULL until it listens and has its tenant */
  GError *start_error;
  SesameSoftAuthenticator *authenticator;
  SesameAutomation *automation;
  SesameSecretStore *secrets;
  char *local_tenant_id;       /* the "Local development" tenant, which always exists */
  char *tenants_digest;        /* the tenants as last shown (see watch_tenants) */
  guint watch_tenants_id;
  gboolean started;
  SesameVirtualKey *virtual_key; /* plugged in, or NULL */
  char *virtual_key_path;
};

G_DEFINE_FINAL_TYPE (SesameApplication, sesame_application, ADW_TYPE_APPLICATION)
G_DEFINE_QUARK (sesame-application-error-quark, sesame_application_error)

enum
{
  TENANT_CHANGED,
  VIRTUAL_KEY_CHANGED,
  N_SIGNALS
};

/* How long the virtual key's "user" takes to touch it: long enough that a
 * demo shows the prompt asking for the touch. */
#define VIRTUAL_KEY_TOUCH_DELAY_MS 600

static guint signals[N_SIGNALS];

static const GOptionEntry option_entries[] = {
  /* A string: GApplication leaves an integer option of 0 out of the
   * options dictionary, and --port 0 (any free port) must be seen. */
  { "port", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Port of the local tenant (default 7878; 0: any free port)"), N_("N") },
  { "bind", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("IP address to listen on (default 127.0.0.1)"), N_("ADDR") },
  { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Where the tenant’s data and the passkeys live (default $XDG_DATA_HOME/sesame)"),
    N_("DIR") },
  { "rp-id", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Relying Party ID of the tenant (default localhost)"), N_("ID") },
  { "origin", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
    N_("An expected origin besides the sample app’s own (repeatable)"), N_("URL") },
  { "tenant-id", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Use this tenant ID instead of a random one"), N_("ID") },
  { "secret-key", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Set this secret key instead of rotating it on every start (or set SESAME_SECRET_KEY)"),
    N_("KEY") },
  { "user-verification", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("The tenant’s user verification policy: required, preferred or discouraged"),
    N_("POLICY") },
  { "url", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Open this page in the Demo view instead of the sample app"), N_("URL") },
  { "automation", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Export the io.github.sesame.Sesame.Automation1 D-Bus interface for tests"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
  { NULL }
};

SesameApplication *
sesame_application_new (void)
{
  return g_object_new (SESAME_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       /* One resource path for both profiles: the Devel
                        * app ID would otherwise look for its style sheet
                        * and shortcuts window under …/Sesame/Devel. */
                       "resource-base-path", "/io/github/sesame/Sesame",
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       NULL);
}

SesameServer *
sesame_application_get_server (SesameApplication *self)
{
  g_return_val_if_fail (SESAME_IS_APPLICATION (self), NULL);
  return self->server;
}

const GError *
sesame_application_get_start_error (SesameApplication *self)
{
  g_return_val_if_fail (SESAME_IS_APPLICATION (self), NULL);
  return self->start_error;
}

SesameSoftAuthenticator *
sesame_application_get_authenticator (SesameApplication *self)
{
  g_return_val_if_fail (SESAME_IS_APPLICATION (self), NULL);
  return self->authenticator;
}

const char *
sesame_application_get_start_url (SesameApplication *self)
{
  g_return_val_if_fail (SESAME_IS_APPLICATION (self), NULL);
  return self->start_url;
}

SesameStore *
sesame_application_get_store (SesameApplication *self)
{
  g_return_val_if_fail (SESAME_IS_APPLICATION (self), NULL);
  return self->store;
}

SesameSecretStore *
sesame_application_get_secret_store (SesameApplication *self)
{
  g_return_val_if_fail (SESAME_IS_APPLICATION (self), NULL);
  return self->secrets;
}

const char *
sesame_application_get_local_tenant_id (SesameApplication *self)
{
  g_return_val_if_fail (SESAME_IS_APPLICATION (self), NULL);
  return self->local_tenant_id;
}

/* Remembers the tenants as they are now: what watch_tenants compares. */
static void
note_tenants (SesameApplication *self)
{
  g_autoptr(GError) error = NULL;
  char *digest;

  if (!self->store)
    return;
  digest = sesame_store_dup_tenants_digest (self->store, &error);
  if (!digest)
    {
      g_debug ("Cannot read the tenants: %s", error->message);
      return;
    }
  g_free (self->tenants_digest);
  self->tenants_digest = digest;
}

void
sesame_application_tenant_changed (SesameApplication *self)
{
  g_return_if_fail (SESAME_IS_APPLICATION (self));
  note_tenants (self);
  g_signal_emit (self, signals[TENANT_CHANGED], 0);
}

/* The data folder is shared: `sesame-server tenant set|rotate-secret|…`
 * may change a tenant while the window shows it. The running server reads
 * its tenant for each request, so it follows by itself; the views follow
 * here. A key this run knows that is no longer the tenant's (rotated
 * elsewhere) is forgotten, here and in the keyring, so that Settings does
 * not show a dead key. */
static gboolean
watch_tenants (gpointer data)
{
  SesameApplication *self = data;
  g_autofree char *before = g_strdup (self->tenants_digest);
  g_autoptr(GPtrArray) tenants = NULL;

  note_tenants (self);
  if (g_strcmp0 (before, self->tenants_digest) == 0)
    return G_SOURCE_CONTINUE;

  tenants = sesame_store_list_tenants (self->store, NULL);
  for (guint i = 0; tenants && i < tenants->len; i++)
    {
      const SesameTenant *tenant = g_ptr_array_index (tenants, i);
      const char *known = sesame_secret_store_peek (self->secrets, tenant->id);

      if (known && !sesame_store_verify_secret_key (self->store, tenant->id, known, NULL))
        {
          g_debug ("The secret key of tenant %s changed outside this window", tenant->id);
          sesame_secret_store_forget (self->secrets, tenant->id);
        }
    }
  g_debug ("The tenants changed outside this window");
  g_signal_emit (self, signals[TENANT_CHANGED], 0);
  return G_SOURCE_CONTINUE;
}

static void
set_start_error (SesameApplication *self,
                 GError            *error)
{
  g_clear_error (&self->start_error);
  self->start_error = error;
  g_signal_emit (self, signals[TENANT_CHANGED], 0);
}

/* Listens on @port and sets the tenant up on the new server; on success
 * the server replaces the one before (which never got to listen). */
static gboolean
bring_up_tenant (SesameApplication *self,
                 guint              port,
                 GError           **error)
{
  g_autoptr(SesameServer) server = NULL;
  g_autofree char *secret_key = NULL;
  SesameLocalTenantOptions options = { 0 };

  server = sesame_server_new (self->store, error);
  if (!server)
    return FALSE;
  if (!sesame_server_listen (server, self->bind, port, error))
    return FALSE;

  options.tenant_id = self->tenant_id;
  options.rp_id = self->rp_id;
  options.origins = (const char * const *) self->origins;
  options.secret_key = self->secret_key;
  options.user_verification = self->user_verification;
  if (!sesame_server_setup_local_tenant (server, &options, &secret_key, error))
    {
      sesame_server_disconnect (server);
      return FALSE;
    }
  sesame_server_start_sample_app (server, secret_key);
  g_free (self->local_tenant_id);
  self->local_tenant_id = g_strdup (sesame_server_get_tenant_id (server));
  sesame_secret_store_save (self->secrets, self->local_tenant_id, NULL, secret_key);

  g_message ("Local tenant %s at %s, sample app at %s",
             sesame_server_get_tenant_id (server), sesame_server_get_base_url (server),
             sesame_server_get_app_url (server));
  g_set_object (&self->server, server);
  return TRUE;
}

static gboolean
start_services (SesameApplication *self,
                GError           **error)
{
  g_autofree char *db_path = NULL;

  if (g_mkdir_with_parents (self->data_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, SESAME_APPLICATION_ERROR, SESAME_APPLICATION_ERROR_DATA_DIR,
                   _("Cannot create the data folder %s: %s"), self->data_dir,
                   g_strerror (saved_errno));
      return FALSE;
    }

  db_path = g_build_filename (self->data_dir, DATABASE_NAME, NULL);
  self->store = sesame_store_open (db_path, error);
  if (!self->store)
    return FALSE;
  /* One indexed read of a few rows a second: cheap enough to poll. */
  note_tenants (self);
  self->watch_tenants_id = g_timeout_add_seconds (1, watch_tenants, self);

  {
    g_autofree char *passkeys_path = g_build_filename (self->data_dir, AUTHENTICATOR_NAME, NULL);

    g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
    gboolean eligible = g_settings_get_boolean (settings, "authenticator-backup-eligible");

    self->authenticator = sesame_soft_authenticator_new (passkeys_path, error);
    if (!self->authenticator)
      return FALSE;
    sesame_soft_authenticator_set_backup_flags (
      self->authenticator, eligible,
      eligible && g_settings_get_boolean (settings, "authenticator-backed-up"));
    sesame_soft_authenticator_set_sign_counter (
      self->authenticator, g_settings_get_boolean (settings, "authenticator-sign-counter"));
  }

  return bring_up_tenant (self, (guint) self->port, error);
}

gboolean
sesame_application_use_another_port (SesameApplication *self,
                                     GError           **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SESAME_IS_APPLICATION (self), FALSE);

  if (self->server)
    return TRUE;
  if (!self->store)
    {
      g_set_error_literal (error, SESAME_APPLICATION_ERROR, SESAME_APPLICATION_ERROR_NOT_READY,
                           self->start_error ? self->start_error->message
                                             : _("The local tenant has no data folder"));
      return FALSE;
    }
  if (!bring_up_tenant (self, 0, &local_error))
    {
      if (error)
        *error = g_error_copy (local_error);
      set_start_error (self, g_steal_pointer (&local_error));
      return FALSE;
    }
  set_start_error (self, NULL);
  return TRUE;
}

SesameTenant *
sesame_application_dup_tenant (SesameApplication *self,
                               GError           **error)
{
  g_return_val_if_fail (SESAME_IS_APPLICATION (self), NULL);

  if (!self->server)
    {
      g_set_error_literal (error, SESAME_APPLICATION_ERROR, SESAME_APPLICATION_ERROR_NOT_READY,
                           _("The local tenant is not running"));
      return NULL;
    }
  return sesame_store_get_tenant (self->store, sesame_server_get_tenant_id (self->server), error);
}

gboolean
sesame_application_add_expected_origin (SesameApplication *self,
                                        const char        *origin,
                                        GError           **error)
{
  g_autoptr(SesameTenant) tenant = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) origins = NULL;

  g_return_val_if_fail (SESAME_IS_APPLICATION (self), FALSE);
  g_return_val_if_fail (origin != NULL, FALSE);

  tenant = sesame_application_dup_tenant (self, error);
  if (!tenant)
    return FALSE;
  if (tenant->expected_origins && g_strv_contains ((const char * const *) tenant->expected_origins,
                                                   origin))
    return TRUE;
  if (!sesame_tenant_validate_origin (origin, tenant->rp_id, error))
    return FALSE;

  builder = g_strv_builder_new ();
  if (tenant->expected_origins)
    g_strv_builder_addv (builder, (const char **) tenant->expected_origins);
  g_strv_builder_add (builder, origin);
  origins = g_strv_builder_end (builder);
  if (!sesame_tenant_validate_origins ((const char * const *) origins, tenant->rp_id, error))
    return FALSE;

  g_strfreev (tenant->expected_origins);
  tenant->expected_origins = g_steal_pointer (&origins);
  if (!sesame_store_update_tenant (self->store, tenant, error))
    return FALSE;

  g_signal_emit (self, signals[TENANT_CHANGED], 0);
  return TRUE;
}

static void
use_another_port_action (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  SesameApplication *self = user_data;

  /* A failure shows in the window through ::tenant-changed. */
  sesame_application_use_another_port (self, NULL);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GtkApplication *app = user_data;
  GList *windows = gtk_application_get_windows (app);

  /* Closing the windows saves their state before the app quits. */
  while (windows)
    {
      GList *next = windows->next;

      gtk_window_close (windows->data);
      windows = next;
    }
  g_application_quit (G_APPLICATION (app));
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkApplication *app = user_data;

  sesame_show_about (gtk_application_get_active_window (app));
}

static const GActionEntry app_actions[] = {
  { "use-another-port", use_another_port_action },
  { "about", about_action },
  { "quit", quit_action },
};

static void
sesame_application_startup (GApplication *application)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  SesameApplication *self = SESAME_APPLICATION (application);

  G_APPLICATION_CLASS (sesame_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
}

/**
 * sesame_application_get_window:
 * @self: the application
 *
 * The main window, which need not be the active one: the welcome, a
 * prompt or the About window may be in front of it.
 *
 * Returns: (transfer none) (nullable): the window, or %NULL before the
 *   first activation and after it was closed
 */
SesameWindow *
sesame_application_get_window (SesameApplication *self)
{
  g_return_val_if_fail (SESAME_IS_APPLICATION (self), NULL);

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    if (SESAME_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static SesameWindow *
ensure_window (SesameApplication *self)
{
  SesameWindow *window = sesame_application_get_window (self);

  if (!window)
    window = sesame_window_new (self);
  return window;
}

static void
sesame_application_activate (GApplication *application)
{
  SesameApplication *self = SESAME_APPLICATION (application);
  gboolean first = sesame_application_get_window (self) == NULL;
  SesameWindow *window = ensure_window (self);

  gtk_window_present (GTK_WINDOW (window));

  /* The first start explains itself, unless a test drives the app through
   * the automation interface: a modal window would stand in its way. */
  if (first && !self->automation_requested)
    {
      g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);

      sesame_welcome_present_once (GTK_WINDOW (window), settings);
    }
}

static int
sesame_application_handle_local_options (GApplication *application,
                                         GVariantDict *options)
{
  SesameApplication *self = SESAME_APPLICATION (application);

  /* Known before registration, so that the interface is on the bus as
   * soon as the name is: a client that sees the name can call it. */
  self->automation_requested = g_variant_dict_contains (options, "automation");
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("sesame %s\n", PACKAGE_VERSION);
      return EXIT_OK;
    }
  return -1;
}

static int
usage_error (GApplicationCommandLine *command_line,
             const char              *message)
{
  g_application_command_line_printerr (command_line, "sesame: %s\nTry “sesame --help”.\n",
                                       message);
  return EXIT_USAGE;
}

/* Reads the options of the first command line into @self; FALSE with the
 * exit status in @status when they are wrong. */
static gboolean
read_options (SesameApplication       *self,
              GApplicationCommandLine *command_line,
              GVariantDict            *options,
              int                     *status)
{
  g_autofree char *port = NULL;
  const char *env_key;
  guint64 port_number;

  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);

  /* Without --port and --bind, what Settings chose last. */
  port_number = g_settings_get_uint (settings, "port");
  if (g_variant_dict_lookup (options, "port", "s", &port) &&
      !g_ascii_string_to_unsigned (port, 10, 0, G_MAXUINT16, &port_number, NULL))
    {
      *status = usage_error (command_line, _("--port takes a port number from 0 to 65535"));
      return FALSE;
    }
  self->port = (int) port_number;
  if (!g_variant_dict_lookup (options, "bind", "s", &self->bind) &&
      g_settings_get_boolean (settings, "listen-beyond-loopback"))
    self->bind = g_strdup ("0.0.0.0");
  g_variant_dict_lookup (options, "data-dir", "^ay", &self->data_dir);
  g_variant_dict_lookup (options, "rp-id", "s", &self->rp_id);
  g_variant_dict_lookup (options, "origin", "^as", &self->origins);
  g_variant_dict_lookup (options, "tenant-id", "s", &self->tenant_id);
  g_variant_dict_lookup (options, "secret-key", "s", &self->secret_key);
  g_variant_dict_lookup (options, "user-verification", "s", &self->user_verification);

  if (self->bind && !g_hostname_is_ip_address (self->bind))
    {
      *status = usage_error (command_line,
                             _("--bind takes an IP address, e.g. 127.0.0.1 or 0.0.0.0"));
      return FALSE;
    }
  if (self->user_verification && !g_str_equal (self->user_verification, "required") &&
      !g_str_equal (self->user_verification, "preferred") &&
      !g_str_equal (self->user_verification, "discouraged"))
    {
      *status = usage_error (command_line,
                             _("--user-verification takes required, preferred or discouraged"));
      return FALSE;
    }

  /* The environment is not visible to other users in /proc, an argument
   * is; the option wins when both are given. */
  env_key = g_application_command_line_getenv (command_line, "SESAME_SECRET_KEY");
  if (!self->secret_key && env_key && *env_key)
    self->secret_key = g_strdup (env_key);

  if (!self->data_dir)
    self->data_dir = g_build_filename (g_get_user_data_dir (), "sesame", NULL);
  else if (!g_path_is_absolute (self->data_dir))
    {
      g_autofree char *relative = g_steal_pointer (&self->data_dir);

      self->data_dir = g_build_filename (g_application_command_line_get_cwd (command_line),
                                         relative, NULL);
    }
  return TRUE;
}

/* --url, as the user typed it, made absolute (a bare localhost:3000 is
 * http). */
static gboolean
read_url (GApplicationCommandLine *command_line,
          GVariantDict            *options,
          char                   **url,
          int                     *status)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  *url = NULL;
  if (!g_variant_dict_lookup (options, "url", "s", &text))
    return TRUE;
  *url = sesame_address_to_uri (text, &error);
  if (!*url)
    {
      *status = usage_error (command_line, error->message);
      return FALSE;
    }
  return TRUE;
}

static int
sesame_application_command_line (GApplication            *application,
                                 GApplicationCommandLine *command_line)
{
  SesameApplication *self = SESAME_APPLICATION (application);
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  g_autofree char *url = NULL;
  g_auto(GStrv) arguments = NULL;
  g_autoptr(GError) error = NULL;
  int argc = 0;
  int status = EXIT_OK;

  arguments = g_application_command_line_get_arguments (command_line, &argc);
  if (argc > 1)
    {
      g_autofree char *message = g_strdup_printf (_("unexpected argument “%s”"), arguments[1]);

      return usage_error (command_line, message);
    }
  if (!read_url (command_line, options, &url, &status))
    return status;

  if (self->started)
    {
      /* A second `sesame`: the tenant runs already, with the options of the
       * first; only --url means something now. */
      SesameWindow *window = ensure_window (self);

      if (url)
        sesame_window_open_url (window, url);
      gtk_window_present (GTK_WINDOW (window));
      return EXIT_OK;
    }

  if (!read_options (self, command_line, options, &status))
    return status;
  self->start_url = g_steal_pointer (&url);
  self->started = TRUE;

  if (!start_services (self, &error))
    {
      g_application_command_line_printerr (command_line, "sesame: %s\n", error->message);
      set_start_error (self, g_steal_pointer (&error));
    }

  g_application_activate (application);
  return EXIT_OK;
}

static gboolean
sesame_application_dbus_register (GApplication     *application,
                                  GDBusConnection  *connection,
                                  const char       *object_path,
                                  GError          **error)
{
  SesameApplication *self = SESAME_APPLICATION (application);

  if (!G_APPLICATION_CLASS (sesame_application_parent_class)->dbus_register (application,
                                                                            connection,
                                                                            object_path,
                                                                            error))
    return FALSE;
  if (!self->automation_requested)
    return TRUE;

  self->automation = sesame_automation_new (self);
  if (!sesame_automation_export (self->automation, connection, error))
    {
      g_prefix_error (error, "Cannot export the automation interface: ");
      g_clear_object (&self->automation);
      return FALSE;
    }
  return TRUE;
}

static void
sesame_application_dbus_unregister (GApplication    *application,
                                    GDBusConnection *connection,
                                    const char      *object_path)
{
  SesameApplication *self = SESAME_APPLICATION (application);

  if (self->automation)
    sesame_automation_unexport (self->automation);
  G_APPLICATION_CLASS (sesame_application_parent_class)->dbus_unregister (application,
                                                                         connection,
                                                                         object_path);
}

/* The virtual security key */

static void
pull_out_virtual_key (SesameApplication *self)
{
  if (!self->virtual_key)
    return;
  sesame_security_key_unplug_virtual (self->virtual_key);
  g_clear_object (&self->virtual_key);
  g_clear_pointer (&self->virtual_key_path, g_free);
}

gboolean
sesame_application_plug_virtual_key (SesameApplication  *self,
                                     const char         *pin,
                                     GError            **error)
{
  g_autoptr(SesameVirtualKey) key = NULL;

  g_return_val_if_fail (SESAME_IS_APPLICATION (self), FALSE);

  /* A PIN the key refuses leaves the plugged one as it was. */
  key = sesame_virtual_key_new (pin, error);
  if (!key)
    return FALSE;
  sesame_virtual_key_set_touch_delay (key, VIRTUAL_KEY_TOUCH_DELAY_MS);

  pull_out_virtual_key (self);
  self->virtual_key_path = sesame_security_key_plug_virtual (key);
  self->virtual_key = g_steal_pointer (&key);
  g_signal_emit (self, signals[VIRTUAL_KEY_CHANGED], 0);
  return TRUE;
}

void
sesame_application_unplug_virtual_key (SesameApplication *self)
{
  g_return_if_fail (SESAME_IS_APPLICATION (self));

  if (!self->virtual_key)
    return;
  pull_out_virtual_key (self);
  g_signal_emit (self, signals[VIRTUAL_KEY_CHANGED], 0);
}

SesameVirtualKey *
sesame_application_get_virtual_key (SesameApplication *self)
{
  g_return_val_if_fail (SESAME_IS_APPLICATION (self), NULL);

  return self->virtual_key;
}

const char *
sesame_application_get_virtual_key_path (SesameApplication *self)
{
  g_return_val_if_fail (SESAME_IS_APPLICATION (self), NULL);

  return self->virtual_key_path;
}

static void
sesame_application_shutdown (GApplication *application)
{
  SesameApplication *self = SESAME_APPLICATION (application);

  g_clear_handle_id (&self->watch_tenants_id, g_source_remove);
  pull_out_virtual_key (self);
  if (self->server)
    sesame_server_disconnect (self->server);

  G_APPLICATION_CLASS (sesame_application_parent_class)->shutdown (application);
}

static void
sesame_application_finalize (GObject *object)
{
  SesameApplication *self = SESAME_APPLICATION (object);

  pull_out_virtual_key (self);
  g_clear_object (&self->automation);
  g_clear_handle_id (&self->watch_tenants_id, g_source_remove);
  g_clear_object (&self->secrets);
  g_free (self->local_tenant_id);
  g_free (self->tenants_digest);
  g_clear_object (&self->server);
  g_clear_object (&self->authenticator);
  g_clear_object (&self->store);
  g_clear_error (&self->start_error);
  g_free (self->bind);
  g_free (self->data_dir);
  g_free (self->rp_id);
  g_strfreev (self->origins);
  g_free (self->tenant_id);
  if (self->secret_key)
    memset (self->secret_key, 0, strlen (self->secret_key));
  g_free (self->secret_key);
  g_free (self->user_verification);
  g_free (self->start_url);

  G_OBJECT_CLASS (sesame_application_parent_class)->finalize (object);
}

static void
sesame_application_class_init (SesameApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = sesame_application_finalize;

  sesame_app_register_resource ();

  app_class->startup = sesame_application_startup;
  app_class->activate = sesame_application_activate;
  app_class->handle_local_options = sesame_application_handle_local_options;
  app_class->command_line = sesame_application_command_line;
  app_class->shutdown = sesame_application_shutdown;
  app_class->dbus_register = sesame_application_dbus_register;
  app_class->dbus_unregister = sesame_application_dbus_unregister;

  signals[TENANT_CHANGED] =
    g_signal_new ("tenant-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  signals[VIRTUAL_KEY_CHANGED] =
    g_signal_new ("virtual-key-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
sesame_application_init (SesameApplication *self)
{
  self->secrets = sesame_secret_store_new ();
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Show, develop and test passkey sign-in with a "
                                              "local Authsignal-compatible tenant."));
}
