/* SPDX-License-Identifier: GPL-3.0-or-later */

/* `sesame-server tenant`: what the app's Settings view does to tenants,
 * for people who never open the window. Every value goes through the
 * tenant layer's checks (sesame-tenant-settings.h), so the messages are the
 * Settings view's, and a refused change writes nothing. */

#include "config.h"

#include "sesame-tenant-command.h"

#include "sesame-cose-key.h"
#include "sesame-json.h"
#include "sesame-server.h"
#include "sesame-store.h"
#include "sesame-tenant-rules.h"
#include "sesame-tenant-settings.h"
#include "sesame-tenant-types.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#define DATABASE_NAME "sesame.db"

typedef struct
{
  char *data_dir;
  gboolean json;
  char *name;
  char *rp_id;
  char *rp_name;
  char **origins;          /* replace the list */
  char **add_origins;
  char **remove_origins;
  char *user_verification;
  char *attestation;
  char *attachment;
  char *algorithms;        /* comma-separated names or COSE numbers */
  gint64 token_lifetime;   /* -1: not given */
  gint64 challenge_lifetime;
  gboolean rotate_secret;
} Options;

static void
options_clear (Options *options)
{
  g_free (options->data_dir);
  g_free (options->name);
  g_free (options->rp_id);
  g_free (options->rp_name);
  g_strfreev (options->origins);
  g_strfreev (options->add_origins);
  g_strfreev (options->remove_origins);
  g_free (options->user_verification);
  g_free (options->attestation);
  g_free (options->attachment);
  g_free (options->algorithms);
}

static gboolean
has_changes (const Options *options)
{
  return options->name || options->rp_id || options->rp_name || options->origins ||
         options->add_origins || options->remove_origins || options->user_verification ||
         options->attestation || options->attachment || options->algorithms ||
         options->token_lifetime != -1 || options->challenge_lifetime != -1 ||
         options->rotate_secret;
}

/* Output */

static void
print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
}

/* Prints @message on standard error and, with --json, as {error, message}
 * on standard output too; returns @status. */
static int
fail (const Options *options,
      int            status,
      const char    *message)
{
  static const char * const codes[] = {
    [SESAME_TENANT_EXIT_FAILED] = "failed",
    [SESAME_TENANT_EXIT_USAGE] = "usage",
    [SESAME_TENANT_EXIT_INVALID] = "invalid_value",
    [SESAME_TENANT_EXIT_NOT_FOUND] = "not_found",
  };

  g_printerr ("sesame-server tenant: %s\n", message);
  if (status == SESAME_TENANT_EXIT_USAGE)
    g_printerr ("Try “sesame-server tenant --help”.\n");
  if (options && options->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, codes[status]);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, message);
      json_builder_end_object (builder);
      print_json (builder);
    }
  return status;
}

/* The exit status for a refusal of the tenant layer. */
static int
fail_with_error (const Options *options,
                 const GError  *error)
{
  int status = SESAME_TENANT_EXIT_FAILED;

  if (error->domain == SESAME_TENANT_ERROR || error->domain == SESAME_SETTINGS_ERROR)
    status = SESAME_TENANT_EXIT_INVALID;
  else if (g_error_matches (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND))
    status = SESAME_TENANT_EXIT_NOT_FOUND;
  return fail (options, status, error->message);
}

static char *
format_time (gint64 time)
{
  g_autoptr(GDateTime) date_time = g_date_time_new_from_unix_utc (time / G_USEC_PER_SEC);

  return date_time ? g_date_time_format_iso8601 (date_time) : g_strdup ("");
}

static void
build_tenant (JsonBuilder        *builder,
              const SesameTenant *tenant,
              const char         *secret_key)
{
  g_autofree char *created = format_time (tenant->created);

  json_builder_begin_object (builder);
  sesame_json_builder_add_string (builder, "id", tenant->id);
  sesame_json_builder_add_string (builder, "name", tenant->name);
  json_builder_set_member_name (builder, "passkeysSetUp");
  json_builder_add_boolean_value (builder, tenant->passkeys_set_up);
  /* A tenant that is not set up has placeholders, not settings. */
  sesame_json_builder_add_string (builder, "rpId", tenant->passkeys_set_up ? tenant->rp_id : NULL);
  sesame_json_builder_add_string (builder, "rpName",
                                  tenant->passkeys_set_up ? tenant->rp_name : NULL);
  json_builder_set_member_name (builder, "expectedOrigins");
  json_builder_begin_array (builder);
  for (guint i = 0; tenant->passkeys_set_up && tenant->expected_origins &&
                    tenant->expected_origins[i]; i++)
    json_builder_add_string_value (builder, tenant->expected_origins[i]);
  json_builder_end_array (builder);
  sesame_json_builder_add_string (builder, "userVerification", tenant->user_verification);
  sesame_json_builder_add_string (builder, "attestation", tenant->attestation);
  sesame_json_builder_add_string (builder, "authenticatorAttachment",
                                  tenant->authenticator_attachment);
  json_builder_set_member_name (builder, "allowedAlgorithms");
  json_builder_begin_array (builder);
  for (gsize i = 0; i < tenant->n_allowed_algorithms; i++)
    json_builder_add_string_value (builder,
                                   sesame_cose_algorithm_to_string (tenant->allowed_algorithms[i]));
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "tokenLifetime");
  json_builder_add_int_value (builder, tenant->token_lifetime);
  json_builder_set_member_name (builder, "challengeLifetime");
  json_builder_add_int_value (builder, tenant->challenge_lifetime);
  sesame_json_builder_add_string (builder, "created", created);
  if (secret_key)
    sesame_json_builder_add_string (builder, "secretKey", secret_key);
  json_builder_end_object (builder);
}

static void
print_tenant_text (const SesameTenant *tenant,
                   const char         *secret_key)
{
  g_autofree char *created = format_time (tenant->created);
  g_autoptr(GString) algorithms = g_string_new (NULL);

  for (gsize i = 0; i < tenant->n_allowed_algorithms; i++)
    g_string_append_printf (algorithms, "%s%s", i ? ", " : "",
                            sesame_cose_algorithm_to_string (tenant->allowed_algorithms[i]));

  printf ("Tenant ID:                %s\n", tenant->id);
  printf ("Name:                     %s\n", tenant->name);
  if (tenant->passkeys_set_up)
    {
      printf ("Relying Party ID:         %s\n", tenant->rp_id);
      printf ("Relying Party name:       %s\n", tenant->rp_name);
      for (guint i = 0; tenant->expected_origins && tenant->expected_origins[i]; i++)
        printf ("%s%s\n", i == 0 ? "Expected origins:         " : "                          ",
                tenant->expected_origins[i]);
    }
  else
    printf ("Passkeys:                 not set up (set --rp-id and --origin)\n");
  printf ("User verification:        %s\n", tenant->user_verification);
  printf ("Attestation:              %s\n", tenant->attestation);
  printf ("Authenticator attachment: %s\n",
          tenant->authenticator_attachment ? tenant->authenticator_attachment : "any");
  printf ("Allowed algorithms:       %s\n", algorithms->str);
  printf ("Token lifetime:           %" G_GINT64_FORMAT " s\n", tenant->token_lifetime);
  printf ("Challenge lifetime:       %" G_GINT64_FORMAT " s\n", tenant->challenge_lifetime);
  printf ("Created:                  %s\n", created);
  if (secret_key)
    printf ("Secret key:               %s\n"
            "  (shown once: the data directory keeps only its hash)\n", secret_key);
}

static void
print_tenant (const Options      *options,
              const SesameTenant *tenant,
              const char         *secret_key)
{
  if (options->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      build_tenant (builder, tenant, secret_key);
      print_json (builder);
    }
  else
    print_tenant_text (tenant, secret_key);
}

/* Finding the tenant */

/* By its ID or else by its name, which must then be unique. */
static SesameTenant *
find_tenant (SesameStore    *store,
             const char     *key,
             const Options  *options,
             int            *status)
{
  g_autoptr(GPtrArray) tenants = NULL;
  g_autoptr(GError) error = NULL;
  SesameTenant *found = NULL;
  guint matches = 0;

  tenants = sesame_store_list_tenants (store, &error);
  if (!tenants)
    {
      *status = fail (options, SESAME_TENANT_EXIT_FAILED, error->message);
      return NULL;
    }
  for (guint i = 0; i < tenants->len; i++)
    if (g_str_equal (((SesameTenant *) tenants->pdata[i])->id, key))
      return sesame_store_get_tenant (store, key, NULL);
  for (guint i = 0; i < tenants->len; i++)
    if (g_str_equal (((SesameTenant *) tenants->pdata[i])->name, key))
      {
        found = tenants->pdata[i];
        matches++;
      }
  if (matches == 1)
    return sesame_store_get_tenant (store, found->id, NULL);

  {
    g_autofree char *message = NULL;

    if (matches > 1)
      message = g_strdup_printf ("%u tenants are named “%s”: give the tenant ID instead "
                                 "(sesame-server tenant list)", matches, key);
    else
      message = g_strdup_printf ("No tenant has the ID or the name “%s” "
                                 "(sesame-server tenant list shows them)", key);
    *status = fail (options, matches > 1 ? SESAME_TENANT_EXIT_USAGE : SESAME_TENANT_EXIT_NOT_FOUND,
                    message);
  }
  return NULL;
}

/* Changes */

static gboolean
parse_algorithms (const char    *text,
                  SesameTenant  *tenant,
                  GError       **error)
{
  g_auto(GStrv) names = g_strsplit (text, ",", -1);
  g_autoptr(GArray) algs = g_array_new (FALSE, FALSE, sizeof (int));
  gsize n_supported;
  const int *supported = sesame_cose_supported_algorithms (&n_supported);

  for (guint i = 0; names[i]; i++)
    {
      const char *name = g_strstrip (names[i]);
      gint64 number;
      gboolean known = FALSE;

      for (gsize j = 0; j < n_supported && !known; j++)
        if (g_ascii_strcasecmp (name, sesame_cose_algorithm_to_string (supported[j])) == 0)
          {
            g_array_append_val (algs, supported[j]);
            known = TRUE;
          }
      if (!known && g_ascii_string_to_signed (name, 10, G_MININT32, G_MAXINT32, &number, NULL))
        {
          int alg = (int) number;

          /* The tenant layer says whether it can verify it. */
          g_array_append_val (algs, alg);
          known = TRUE;
        }
      if (!known)
        {
          g_set_error (error, SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_UNSUPPORTED_ALGORITHM,
                       "“%s” is not a COSE algorithm name (such as ES256, EdDSA, RS256) or number",
                       name);
          return FALSE;
        }
    }
  g_free (tenant->allowed_algorithms);
  tenant->n_allowed_algorithms = algs->len;
  tenant->allowed_algorithms = (int *) (void *) g_array_free (g_steal_pointer (&algs), FALSE);
  return TRUE;
}

static gboolean
check_choice (const char  *value,
              gboolean   (*from_string) (const char *, int *),
              const char  *what,
              const char  *choices,
              GError     **error)
{
  int parsed;

  if (from_string (value, &parsed))
    return TRUE;
  g_set_error (error, SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_BAD_POLICY,
               "“%s” is not a %s: use %s", value, what, choices);
  return FALSE;
}

static void
replace_string (char       **field,
                const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

/* The origins after --origin, --add-origin and --remove-origin. */
static gboolean
edit_origins (SesameTenant   *tenant,
              const Options  *options,
              GError        **error)
{
  g_autoptr(GPtrArray) origins = g_ptr_array_new_with_free_func (g_free);
  char **start = options->origins ? options->origins
                                  : tenant->passkeys_set_up ? tenant->expected_origins : NULL;

  for (guint i = 0; start && start[i]; i++)
    g_ptr_array_add (origins, g_strdup (start[i]));
  for (guint i = 0; options->add_origins && options->add_origins[i]; i++)
    g_ptr_array_add (origins, g_strdup (options->add_origins[i]));
  for (guint i = 0; options->remove_origins && options->remove_origins[i]; i++)
    {
      guint index;

      if (!g_ptr_array_find_with_equal_func (origins, options->remove_origins[i], g_str_equal,
                                             &index))
        {
          g_set_error (error, SESAME_TENANT_ERROR, SESAME_TENANT_ERROR_ORIGIN_INVALID,
                       "“%s” is not an expected origin of this tenant",
                       options->remove_origins[i]);
          return FALSE;
        }
      g_ptr_array_remove_index (origins, index);
    }
  g_ptr_array_add (origins, NULL);
  g_strfreev (tenant->expected_origins);
  tenant->expected_origins = (char **) g_ptr_array_steal (origins, NULL);
  return TRUE;
}

static gboolean
user_verification_from_string (const char *text,
                               int        *value)
{
  SesameUserVerification uv;
  gboolean ok = sesame_user_verification_from_string (text, &uv);

  *value = (int) uv;
  return ok;
}

static gboolean
attestation_from_string (const char *text,
                         int        *value)
{
  SesameAttestationConveyance conveyance;
  gboolean ok = sesame_attestation_conveyance_from_string (text, &conveyance);

  *value = (int) conveyance;
  return ok;
}

static gboolean
attachment_from_string (const char *text,
                        int        *value)
{
  SesameAttachment attachment;
  gboolean ok = sesame_attachment_from_string (text, &attachment);

  *value = (int) attachment;
  return ok;
}

/* Applies the options to @tenant (in memory); the tenant layer checks the
 * result before anything is stored. */
static gboolean
apply_options (SesameTenant   *tenant,
               const Options  *options,
               GError        **error)
{
  if (options->name)
    {
      g_free (tenant->name);
      tenant->name = g_strstrip (g_strdup (options->name));
    }
  if (options->user_verification &&
      !check_choice (options->user_verification, user_verification_from_string,
                     "user verification policy", "required, preferred or discouraged", error))
    return FALSE;
  if (options->attestation &&
      !check_choice (options->attestation, attestation_from_string,
                     "attestation preference", "none or direct", error))
    return FALSE;
  if (options->attachment && !g_str_equal (options->attachment, "any") &&
      !check_choice (options->attachment, attachment_from_string,
                     "authenticator attachment", "any, platform or cross-platform", error))
    return FALSE;
  if (options->user_verification)
    replace_string (&tenant->user_verification, options->user_verification);
  if (options->attestation)
    replace_string (&tenant->attestation, options->attestation);
  if (options->attachment)
    replace_string (&tenant->authenticator_attachment,
                    g_str_equal (options->attachment, "any") ? NULL : options->attachment);
  if (options->algorithms && !parse_algorithms (options->algorithms, tenant, error))
    return FALSE;
  if (options->token_lifetime != -1)
    tenant->token_lifetime = options->token_lifetime;
  if (options->challenge_lifetime != -1)
    tenant->challenge_lifetime = options->challenge_lifetime;

  /* The Relying Party: setting it up the first time, or changing it. */
  if (options->rp_id || options->rp_name || options->origins || options->add_origins ||
      options->remove_origins)
    {
      if (!tenant->passkeys_set_up && !options->rp_id)
        {
          g_set_error_literal (error, SESAME_TENANT_ERROR, SESAME_TENANT_ERROR_RP_ID_EMPTY,
                               "This tenant's passkeys are not set up: give --rp-id (the "
                               "domain your app runs on) with --origin");
          return FALSE;
        }
      if (!edit_origins (tenant, options, error))
        return FALSE;
      if (options->rp_id)
        replace_string (&tenant->rp_id, options->rp_id);
      if (options->rp_name)
        replace_string (&tenant->rp_name, options->rp_name);
      else if (!tenant->passkeys_set_up)
        replace_string (&tenant->rp_name, tenant->rp_id);
      tenant->passkeys_set_up = TRUE;
    }
  return TRUE;
}

/* Subcommands */

static int
list_tenants (SesameStore   *store,
              const Options *options)
{
  g_autoptr(GPtrArray) tenants = NULL;
  g_autoptr(GError) error = NULL;

  tenants = sesame_store_list_tenants (store, &error);
  if (!tenants)
    return fail (options, SESAME_TENANT_EXIT_FAILED, error->message);

  if (options->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < tenants->len; i++)
        build_tenant (builder, tenants->pdata[i], NULL);
      json_builder_end_array (builder);
      print_json (builder);
      return SESAME_TENANT_EXIT_OK;
    }
  for (guint i = 0; i < tenants->len; i++)
    {
      const SesameTenant *tenant = tenants->pdata[i];

      printf ("%s  %s  (%s)\n", tenant->id, tenant->name,
              tenant->passkeys_set_up ? tenant->rp_id : "passkeys not set up");
    }
  return SESAME_TENANT_EXIT_OK;
}

static int
create_tenant (SesameStore   *store,
               const char    *name,
               Options       *options)
{
  g_autoptr(SesameTenant) tenant = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *secret_key = NULL;

  secret_key = sesame_server_generate_secret_key (&error);
  if (!secret_key)
    return fail (options, SESAME_TENANT_EXIT_FAILED, error->message);

  /* The whole result is checked before the tenant is made, so that a bad
   * --origin leaves no half-made tenant behind. */
  tenant = sesame_tenant_new ("00000000-0000-0000-0000-000000000000",
                              SESAME_TENANT_PLACEHOLDER_RP_ID);
  replace_string (&tenant->name, name);
  tenant->passkeys_set_up = FALSE;
  g_clear_pointer (&tenant->expected_origins, g_strfreev);
  if (!apply_options (tenant, options, &error) ||
      !sesame_tenant_settings_validate (tenant, &error))
    return fail_with_error (options, error);
  g_clear_pointer (&tenant, sesame_tenant_free);

  tenant = sesame_tenant_settings_create (store, name, secret_key, &error);
  if (!tenant)
    return fail_with_error (options, error);
  if (has_changes (options))
    {
      if (!apply_options (tenant, options, &error) ||
          !sesame_tenant_settings_update (store, tenant, &error))
        {
          /* Checked above: only the store can fail here. Leave nothing. */
          sesame_tenant_settings_delete (store, tenant->id, NULL);
          return fail_with_error (options, error);
        }
      {
        g_autofree char *id = g_strdup (tenant->id);

        g_clear_pointer (&tenant, sesame_tenant_free);
        tenant = sesame_store_get_tenant (store, id, &error);
        if (!tenant)
          return fail_with_error (options, error);
      }
    }
  print_tenant (options, tenant, secret_key);
  memset (secret_key, 0, strlen (secret_key));
  return SESAME_TENANT_EXIT_OK;
}

static int
set_tenant (SesameStore   *store,
            SesameTenant  *tenant,
            const Options *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameTenant) stored = NULL;
  g_autofree char *secret_key = NULL;

  if (!has_changes (options))
    return fail (options, SESAME_TENANT_EXIT_USAGE,
                 "Nothing to set: give --name, --rp-id, --origin, --user-verification, … "
                 "or --rotate-secret");
  if (!apply_options (tenant, options, &error) ||
      !sesame_tenant_settings_update (store, tenant, &error))
    return fail_with_error (options, error);
  if (options->rotate_secret)
    {
      secret_key = sesame_server_generate_secret_key (&error);
      if (!secret_key ||
          !sesame_tenant_settings_rotate_secret_key (store, tenant->id, secret_key, &error))
        return fail_with_error (options, error);
    }
  stored = sesame_store_get_tenant (store, tenant->id, &error);
  if (!stored)
    return fail_with_error (options, error);
  print_tenant (options, stored, secret_key);
  if (secret_key)
    memset (secret_key, 0, strlen (secret_key));
  return SESAME_TENANT_EXIT_OK;
}

static int
delete_tenant (SesameStore   *store,
               SesameTenant  *tenant,
               const Options *options)
{
  g_autoptr(GError) error = NULL;

  if (!sesame_tenant_settings_delete (store, tenant->id, &error))
    return fail_with_error (options, error);
  if (options->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      sesame_json_builder_add_string (builder, "deleted", tenant->id);
      json_builder_end_object (builder);
      print_json (builder);
    }
  else
    printf ("Deleted tenant %s (%s) with its users, passkeys and events.\n", tenant->id,
            tenant->name);
  return SESAME_TENANT_EXIT_OK;
}

/* The command line */

static const char description[] =
  "Commands:\n"
  "  list                     The tenants of the data directory\n"
  "  show TENANT              One tenant's settings (TENANT: its ID or unique name)\n"
  "  create NAME [OPTION…]    A new tenant; prints its secret key once\n"
  "  set TENANT OPTION…       Changes settings; --rp-id with --origin sets up passkeys\n"
  "  delete TENANT            Deletes the tenant with its users, passkeys and events\n"
  "\n"
  "Every value is checked first; a refused one changes nothing. A running\n"
  "sesame-server on the same data directory sees a change on its next request.\n"
  "\n"
  "Exit status: 0 done, 1 the data directory failed, 2 a wrong command line,\n"
  "3 a value the tenant's rules refuse, 4 no such tenant.";

static int
usage (const Options *options,
       const char    *message)
{
  return fail (options, SESAME_TENANT_EXIT_USAGE, message);
}

static SesameStore *
open_store (const Options *options,
            int           *status)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *db_path = NULL;
  g_autoptr(GError) error = NULL;
  SesameStore *store;

  data_dir = options->data_dir ? g_strdup (options->data_dir)
                               : g_build_filename (g_get_user_data_dir (), "sesame", NULL);
  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_autofree char *message = g_strdup_printf ("cannot create the data directory %s: %s",
                                                  data_dir, g_strerror (saved_errno));

      *status = fail (options, SESAME_TENANT_EXIT_FAILED, message);
      return NULL;
    }
  db_path = g_build_filename (data_dir, DATABASE_NAME, NULL);
  store = sesame_store_open (db_path, &error);
  if (!store)
    *status = fail (options, SESAME_TENANT_EXIT_FAILED, error->message);
  return store;
}

int
sesame_tenant_command_run (int    argc,
                           char **argv)
{
  Options options = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameStore) store = NULL;
  g_autoptr(SesameTenant) tenant = NULL;
  const char *command;
  int status = SESAME_TENANT_EXIT_OK;
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &options.data_dir,
      "Where the tenants live (default $XDG_DATA_HOME/sesame)", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &options.json,
      "Print JSON (errors too, as {error, message})", NULL },
    { "name", 0, 0, G_OPTION_ARG_STRING, &options.name, "The tenant's name", "NAME" },
    { "rp-id", 0, 0, G_OPTION_ARG_STRING, &options.rp_id,
      "Relying Party ID: the domain the app runs on (example.com, localhost)", "ID" },
    { "rp-name", 0, 0, G_OPTION_ARG_STRING, &options.rp_name,
      "Relying Party name shown by authenticators", "NAME" },
    { "origin", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.origins,
      "Expected origin; repeat it; replaces the list (https://app.example.com)", "URL" },
    { "add-origin", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.add_origins,
      "Adds an expected origin (repeatable)", "URL" },
    { "remove-origin", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.remove_origins,
      "Removes an expected origin (repeatable)", "URL" },
    { "user-verification", 0, 0, G_OPTION_ARG_STRING, &options.user_verification,
      "required, preferred or discouraged", "POLICY" },
    { "attestation", 0, 0, G_OPTION_ARG_STRING, &options.attestation, "none or direct", "POLICY" },
    { "attachment", 0, 0, G_OPTION_ARG_STRING, &options.attachment,
      "any, platform or cross-platform", "ATTACHMENT" },
    { "algorithms", 0, 0, G_OPTION_ARG_STRING, &options.algorithms,
      "Allowed COSE algorithms in order of preference (ES256,EdDSA,RS256 or -7,-8,-257)",
      "LIST" },
    { "token-lifetime", 0, 0, G_OPTION_ARG_INT64, &options.token_lifetime,
      "Seconds an action token is valid", "SECONDS" },
    { "challenge-lifetime", 0, 0, G_OPTION_ARG_INT64, &options.challenge_lifetime,
      "Seconds a WebAuthn challenge is valid", "SECONDS" },
    { "rotate-secret", 0, 0, G_OPTION_ARG_NONE, &options.rotate_secret,
      "A new secret key (printed once); the old one is refused at once", NULL },
    { NULL }
  };

  options.token_lifetime = -1;
  options.challenge_lifetime = -1;
  context = g_option_context_new ("list|show|create|set|delete [TENANT|NAME]");
  g_option_context_set_summary (context, "Administer the tenants of a Sesame data directory.");
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_strict_posix (context, FALSE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      status = usage (&options, error->message);
      goto out;
    }
  if (argc < 2)
    {
      status = usage (&options, "Which command: list, show, create, set or delete?");
      goto out;
    }
  command = argv[1];

  if (g_str_equal (command, "list"))
    {
      if (argc != 2 || has_changes (&options))
        {
          status = usage (&options, "list takes no tenant and no settings");
          goto out;
        }
    }
  else if (g_str_equal (command, "show") || g_str_equal (command, "delete") ||
           g_str_equal (command, "set") || g_str_equal (command, "create"))
    {
      g_autofree char *message = NULL;

      if (argc != 3)
        message = g_strdup_printf ("%s takes one %s", command,
                                   g_str_equal (command, "create") ? "name" : "tenant");
      else if (!g_str_equal (command, "set") && !g_str_equal (command, "create") &&
               has_changes (&options))
        message = g_strdup_printf ("%s takes no settings: use set", command);
      else if (g_str_equal (command, "create") && options.rotate_secret)
        message = g_strdup ("create makes a secret key already: --rotate-secret is for set");
      if (message)
        {
          status = usage (&options, message);
          goto out;
        }
    }
  else
    {
      g_autofree char *message = g_strdup_printf ("Unknown command “%s”: use list, show, "
                                                  "create, set or delete", command);

      status = usage (&options, message);
      goto out;
    }

  store = open_store (&options, &status);
  if (!store)
    goto out;

  if (g_str_equal (command, "list"))
    status = list_tenants (store, &options);
  else if (g_str_equal (command, "create"))
    status = create_tenant (store, argv[2], &options);
  else
    {
      tenant = find_tenant (store, argv[2], &options, &status);
      if (!tenant)
        goto out;
      if (g_str_equal (command, "show"))
        print_tenant (&options, tenant, NULL);
      else if (g_str_equal (command, "set"))
        status = set_tenant (store, tenant, &options);
      else
        status = delete_tenant (store, tenant, &options);
    }

out:
  options_clear (&options);
  return status;
}
