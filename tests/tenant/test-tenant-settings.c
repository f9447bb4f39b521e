/* SPDX-License-Identifier: GPL-3.0-or-later */

/* A tenant's settings as its administrator changes them, on a real SQLite
 * file: every bad value is refused with its own code and changes nothing,
 * a new tenant refuses passkey ceremonies until it is set up, a rotated
 * secret key replaces the old one at once, deletion takes everything. */

#include "config.h"

#include "sesame-ceremony-rules.h"
#include "sesame-tenant-rules.h"
#include "sesame-tenant-settings.h"
#include "sesame-test-util.h"

#include <sqlite3.h>
#include <string.h>

#define SECRET_ONE "sk_test_settings_one_0123456789"
#define SECRET_TWO "sk_test_settings_two_9876543210"

typedef struct
{
  char        *dir;
  char        *path;
  SesameStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("sesame-settings-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "sesame.db", NULL);
  f->store = sesame_store_open (f->path, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->store);
  sesame_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

/* g_set_str() is GLib 2.76. */
static void
set_str (char       **field,
         const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

static guint
count_events (Fixture    *f,
              const char *tenant_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = sesame_store_list_events (f->store, tenant_id, 0, NULL, 0, &error);

  g_assert_no_error (error);
  return events->len;
}

static SesameTenant *
create (Fixture    *f,
        const char *name)
{
  g_autoptr(GError) error = NULL;
  SesameTenant *tenant = sesame_tenant_settings_create (f->store, name, SECRET_ONE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (tenant);
  return tenant;
}

static SesameTenant *
reload (Fixture      *f,
        SesameTenant *tenant)
{
  g_autoptr(GError) error = NULL;
  SesameTenant *stored = sesame_store_get_tenant (f->store, tenant->id, &error);

  g_assert_no_error (error);
  return stored;
}

static void
test_create (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(SesameTenant) tenant = create (f, "  Staging  ");
  g_autoptr(SesameTenant) stored = reload (f, tenant);
  g_autoptr(SesameTenant) other = create (f, "Staging");
  g_autoptr(GPtrArray) tenants = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (stored->name, ==, "Staging");
  g_assert_false (stored->passkeys_set_up);
  g_assert_true (stored->expected_origins == NULL || stored->expected_origins[0] == NULL);
  /* The default policy, as sesame_tenant_new() gives it. */
  g_assert_cmpstr (stored->user_verification, ==, "preferred");
  g_assert_cmpint (stored->challenge_lifetime, ==, 300);
  g_assert_true (sesame_store_verify_secret_key (f->store, tenant->id, SECRET_ONE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_events (f, tenant->id), ==, 1);
  /* A name may repeat; the id never does. */
  g_assert_cmpstr (other->id, !=, tenant->id);

  for (guint i = 0; i < 3; i++)
    {
      const char *bad[] = { "", "   ", NULL };
      g_autofree char *long_name = g_strnfill (SESAME_TENANT_NAME_MAX_LEN + 1, 'x');
      const char *name = i < 2 ? bad[i] : long_name;
      SesameTenant *refused = sesame_tenant_settings_create (f->store, name, SECRET_TWO, &error);

      int expected = i < 2 ? SESAME_SETTINGS_ERROR_NAME_EMPTY : SESAME_SETTINGS_ERROR_NAME_TOO_LONG;

      g_assert_null (refused);
      g_assert_error (error, SESAME_SETTINGS_ERROR, expected);
      g_clear_error (&error);
    }
  tenants = sesame_store_list_tenants (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tenants->len, ==, 2);
}

/* Each bad setting, its code, and the tenant as it was. */
static void
test_update_refusals (Fixture       *f,
                      gconstpointer  data)
{
  static const int unsupported[] = { -7, 12345 };
  static const int twice[] = { -7, -257, -7 };
  g_autoptr(SesameTenant) tenant = create (f, "Acme");
  guint events = count_events (f, tenant->id);
  struct
  {
    const char *what;
    GQuark      domain;
    int         code;
  } cases[] = {
    { "uv", SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_BAD_POLICY },
    { "attestation", SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_BAD_POLICY },
    { "attachment", SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_BAD_POLICY },
    { "no-algorithms", SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_NO_ALGORITHMS },
    { "unsupported", SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_UNSUPPORTED_ALGORITHM },
    { "twice", SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_DUPLICATE_ALGORITHM },
    { "token-short", SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_TOKEN_LIFETIME },
    { "challenge-long", SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_CHALLENGE_LIFETIME },
    { "name", SESAME_SETTINGS_ERROR, SESAME_SETTINGS_ERROR_NAME_EMPTY },
    { "rp-port", SESAME_TENANT_ERROR, SESAME_TENANT_ERROR_RP_ID_HAS_PORT },
    { "no-origins", SESAME_TENANT_ERROR, SESAME_TENANT_ERROR_ORIGINS_EMPTY },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SesameTenant) changed = reload (f, tenant);
      g_autoptr(SesameTenant) after = NULL;
      g_autoptr(GError) error = NULL;
      const char *what = cases[i].what;

      if (g_str_equal (what, "uv"))
        set_str (&changed->user_verification, "always");
      else if (g_str_equal (what, "attestation"))
        set_str (&changed->attestation, "enterprise");
      else if (g_str_equal (what, "attachment"))
        set_str (&changed->authenticator_attachment, "any");
      else if (g_str_equal (what, "no-algorithms"))
        changed->n_allowed_algorithms = 0;
      else if (g_str_equal (what, "unsupported") || g_str_equal (what, "twice"))
        {
          const int *algs = g_str_equal (what, "twice") ? twice : unsupported;
          gsize n = g_str_equal (what, "twice") ? G_N_ELEMENTS (twice) : G_N_ELEMENTS (unsupported);

          g_free (changed->allowed_algorithms);
          changed->allowed_algorithms = g_memdup2 (algs, n * sizeof (int));
          changed->n_allowed_algorithms = n;
        }
      else if (g_str_equal (what, "token-short"))
        changed->token_lifetime = SESAME_TOKEN_LIFETIME_MIN - 1;
      else if (g_str_equal (what, "challenge-long"))
        changed->challenge_lifetime = SESAME_CHALLENGE_LIFETIME_MAX + 1;
      else if (g_str_equal (what, "name"))
        set_str (&changed->name, " ");
      else if (g_str_equal (what, "rp-port"))
        {
          /* Set up, with an RP ID that is wrong: the RP is checked now. */
          changed->passkeys_set_up = TRUE;
          set_str (&changed->rp_id, "localhost:3000");
        }
      else if (g_str_equal (what, "no-origins"))
        changed->passkeys_set_up = TRUE;

      g_assert_false (sesame_tenant_settings_update (f->store, changed, &error));
      g_assert_error (error, cases[i].domain, cases[i].code);
      g_assert_nonnull (error->message);

      after = reload (f, tenant);
      g_assert_cmpstr (after->user_verification, ==, tenant->user_verification);
      g_assert_cmpstr (after->attestation, ==, tenant->attestation);
      g_assert_null (after->authenticator_attachment);
      g_assert_cmpuint (after->n_allowed_algorithms, ==, tenant->n_allowed_algorithms);
      g_assert_cmpint (after->token_lifetime, ==, tenant->token_lifetime);
      g_assert_cmpint (after->challenge_lifetime, ==, tenant->challenge_lifetime);
      g_assert_cmpstr (after->name, ==, tenant->name);
      g_assert_false (after->passkeys_set_up);
    }
  g_assert_cmpuint (count_events (f, tenant->id), ==, events);
}

static void
test_update_policy (Fixture       *f,
                    gconstpointer  data)
{
  static const int algs[] = { -8, -7 };
  g_autoptr(SesameTenant) tenant = create (f, "Acme");
  g_autoptr(SesameTenant) changed = reload (f, tenant);
  g_autoptr(SesameTenant) after = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  guint before = count_events (f, tenant->id);
  SesameEvent *last;

  set_str (&changed->user_verification, "required");
  set_str (&changed->attestation, "direct");
  set_str (&changed->authenticator_attachment, "platform");
  g_free (changed->allowed_algorithms);
  changed->allowed_algorithms = g_memdup2 (algs, sizeof algs);
  changed->n_allowed_algorithms = G_N_ELEMENTS (algs);
  changed->token_lifetime = SESAME_TOKEN_LIFETIME_MIN;
  changed->challenge_lifetime = SESAME_CHALLENGE_LIFETIME_MAX;
  g_assert_true (sesame_tenant_settings_update (f->store, changed, &error));
  g_assert_no_error (error);

  after = reload (f, tenant);
  g_assert_cmpstr (after->user_verification, ==, "required");
  g_assert_cmpstr (after->attestation, ==, "direct");
  g_assert_cmpstr (after->authenticator_attachment, ==, "platform");
  g_assert_cmpuint (after->n_allowed_algorithms, ==, 2);
  g_assert_cmpint (after->allowed_algorithms[0], ==, -8);
  g_assert_cmpint (after->token_lifetime, ==, SESAME_TOKEN_LIFETIME_MIN);
  g_assert_cmpint (after->challenge_lifetime, ==, SESAME_CHALLENGE_LIFETIME_MAX);
  g_assert_true (g_bytes_equal (after->token_key, tenant->token_key));

  /* One event naming what changed; an update that changes nothing logs
   * nothing. */
  events = sesame_store_list_events (f->store, tenant->id, 0, NULL, 0, &error);
  g_assert_cmpuint (events->len, ==, before + 1);
  last = events->pdata[events->len - 1];
  g_assert_cmpstr (last->kind, ==, "tenant");
  g_assert_nonnull (strstr (last->reason, "user verification"));
  g_assert_nonnull (strstr (last->reason, "allowed algorithms"));
  g_assert_null (strstr (last->reason, "name"));
  g_assert_true (sesame_tenant_settings_update (f->store, after, &error));
  g_assert_cmpuint (count_events (f, tenant->id), ==, before + 1);
}

/* A new tenant refuses every ceremony with the setup error (and makes no
 * challenge) until its passkeys are set up; a wrong RP ID or origin in the
 * setup is refused with the core's message and leaves it as it was. */
static void
test_set_up_passkeys (Fixture       *f,
                      gconstpointer  data)
{
  static const char * const good[] = { "https://example.com", "https://app.example.com", NULL };
  static const char * const outside[] = { "https://example.org", NULL };
  g_autoptr(SesameTenant) tenant = create (f, "Example");
  g_autoptr(SesameTenant) stored = NULL;
  g_autoptr(SesameChallenge) challenge = NULL;
  g_autoptr(SesameAuthenticationOptions) options = NULL;
  g_autoptr(GError) error = NULL;
  SesameCaller caller = { "https://example.com", "test" };

  challenge = sesame_tenant_begin_sign_in (f->store, tenant, &caller, NULL, "signIn", NULL, &error);
  g_assert_null (challenge);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_PASSKEYS_NOT_SET_UP);
  g_assert_nonnull (strstr (error->message, "not set up"));
  g_assert_nonnull (strstr (error->message, "Relying Party ID"));
  g_clear_error (&error);
  options = sesame_tenant_begin_authentication (f->store, tenant, &caller, NULL, NULL, NULL,
                                                &error);
  g_assert_null (options);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_PASSKEYS_NOT_SET_UP);
  g_clear_error (&error);

  g_assert_false (sesame_tenant_settings_set_up_passkeys (f->store, tenant->id, "https://example.com",
                                                          NULL, good, &error));
  g_assert_error (error, SESAME_TENANT_ERROR, SESAME_TENANT_ERROR_RP_ID_HAS_SCHEME);
  g_clear_error (&error);
  g_assert_false (sesame_tenant_settings_set_up_passkeys (f->store, tenant->id, "example.com",
                                                          NULL, outside, &error));
  g_assert_error (error, SESAME_TENANT_ERROR, SESAME_TENANT_ERROR_ORIGIN_OUTSIDE_RP_ID);
  g_clear_error (&error);
  stored = reload (f, tenant);
  g_assert_false (stored->passkeys_set_up);
  g_clear_pointer (&stored, sesame_tenant_free);

  g_assert_true (sesame_tenant_settings_set_up_passkeys (f->store, tenant->id, "example.com",
                                                         "Example Inc.", good, &error));
  g_assert_no_error (error);
  stored = reload (f, tenant);
  g_assert_true (stored->passkeys_set_up);
  g_assert_cmpstr (stored->rp_id, ==, "example.com");
  g_assert_cmpstr (stored->rp_name, ==, "Example Inc.");
  g_assert_true (g_strv_equal ((const char * const *) stored->expected_origins, good));

  challenge = sesame_tenant_begin_sign_in (f->store, stored, &caller, NULL, "signIn", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (challenge);
}

static void
test_rotate_secret_key (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(SesameTenant) tenant = create (f, "Acme");
  g_autoptr(SesameTenant) found = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (sesame_tenant_settings_rotate_secret_key (f->store, tenant->id, SECRET_TWO,
                                                           &error));
  g_assert_no_error (error);
  g_assert_false (sesame_store_verify_secret_key (f->store, tenant->id, SECRET_ONE, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_SECRET_KEY_MISMATCH);
  g_clear_error (&error);
  found = sesame_store_find_tenant_by_secret_key (f->store, SECRET_TWO, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->id, ==, tenant->id);

  /* An empty key is refused and the current one stays. */
  g_assert_false (sesame_tenant_settings_rotate_secret_key (f->store, tenant->id, "", &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);
  g_assert_true (sesame_store_verify_secret_key (f->store, tenant->id, SECRET_TWO, &error));
  g_assert_no_error (error);
  g_assert_false (sesame_tenant_settings_rotate_secret_key (f->store, "nobody", SECRET_ONE, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
}

static void
test_delete (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(SesameTenant) tenant = create (f, "Doomed");
  g_autoptr(SesameTenant) kept = create (f, "Kept");
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(SesameTenant) gone = NULL;
  g_autoptr(GError) error = NULL;

  user = sesame_store_upsert_user (f->store, tenant->id, "alice", "alice", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (sesame_tenant_settings_delete (f->store, tenant->id, &error));
  g_assert_no_error (error);

  gone = sesame_store_get_tenant (f->store, tenant->id, &error);
  g_assert_null (gone);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (sesame_store_get_user (f->store, tenant->id, "alice", &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpuint (count_events (f, tenant->id), ==, 0);

  g_assert_false (sesame_tenant_settings_delete (f->store, tenant->id, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_pointer (&gone, sesame_tenant_free);
  gone = reload (f, kept);
  g_assert_cmpstr (gone->name, ==, "Kept");
}

/* A file of schema version 1 (before passkeys_set_up) is migrated, and its
 * tenants count as set up: they were, when they were made. */
static void
test_migration (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(SesameTenant) tenant = sesame_tenant_new ("old", "localhost");
  g_autoptr(SesameTenant) stored = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;

  tenant->expected_origins = g_strsplit ("http://localhost:7878", " ", -1);
  g_assert_true (sesame_store_insert_tenant (f->store, tenant, SECRET_ONE, &error));
  g_assert_no_error (error);
  g_clear_object (&f->store);

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "ALTER TABLE tenants DROP COLUMN passkeys_set_up;"
                                     "PRAGMA user_version = 1", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  f->store = sesame_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sesame_store_schema_version (), ==, 2);
  stored = sesame_store_get_tenant (f->store, "old", &error);
  g_assert_no_error (error);
  g_assert_true (stored->passkeys_set_up);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/sesame/tenant-settings/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("create", test_create);
  ADD ("update-refusals", test_update_refusals);
  ADD ("update-policy", test_update_policy);
  ADD ("set-up-passkeys", test_set_up_passkeys);
  ADD ("rotate-secret-key", test_rotate_secret_key);
  ADD ("delete", test_delete);
  ADD ("migration", test_migration);

  return g_test_run ();
}
