/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The event log's retention bound, on a real SQLite file: each tenant keeps
 * its newest events and no more than the bound (plus the few hundred that
 * may come between two trims), other tenants are not touched, and what a
 * rolled-back transaction trimmed comes back. */

#include "config.h"

#include "sesame-store.h"
#include "sesame-test-util.h"

/* Must match the store's trimming period; the bound is retention + this. */
#define TRIM_EVERY 256

typedef struct
{
  char        *dir;
  SesameStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  const char *tenants[] = { "busy", "quiet" };

  f->dir = g_dir_make_tmp ("sesame-events-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "store.db", NULL);
  f->store = sesame_store_open (path, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (tenants); i++)
    {
      g_autoptr(SesameTenant) tenant = sesame_tenant_new (tenants[i], "localhost");

      g_assert_true (sesame_store_insert_tenant (f->store, tenant, "sk_test_events", &error));
      g_assert_no_error (error);
    }
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->store);
  sesame_test_remove_tree (f->dir);
  g_free (f->dir);
}

static gint64
append (SesameStore *store,
        const char  *tenant_id,
        guint        n)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = g_strdup_printf ("event %u", n);
  SesameEvent event = { 0 };
  gint64 id;

  event.tenant_id = (char *) tenant_id;
  event.kind = (char *) "track";
  event.outcome = (char *) "success";
  event.reason = reason;
  id = sesame_store_append_event (store, &event, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static GPtrArray *
list (SesameStore *store,
      const char  *tenant_id)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *events = sesame_store_list_events (store, tenant_id, 0, NULL, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (events);
  return events;
}

static void
test_default (Fixture       *f,
              gconstpointer  data)
{
  g_assert_cmpuint (sesame_store_get_event_retention (f->store), ==, 100000);
  g_assert_cmpuint (SESAME_STORE_DEFAULT_EVENT_RETENTION, ==, 100000);
}

static void
test_bound (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GPtrArray) busy = NULL;
  g_autoptr(GPtrArray) quiet = NULL;
  g_autoptr(GError) error = NULL;
  const guint retention = 10;
  gint64 last = 0;
  guint n_removed = 0;

  sesame_store_set_event_retention (f->store, retention);
  for (guint i = 0; i < 5; i++)
    append (f->store, "quiet", i);
  for (guint i = 0; i < 3 * TRIM_EVERY; i++)
    {
      g_autoptr(GPtrArray) so_far = NULL;

      last = append (f->store, "busy", i);
      /* Never beyond the bound by more than one trimming period. */
      if (i % 50 == 0)
        {
          so_far = list (f->store, "busy");
          g_assert_cmpuint (so_far->len, <=, retention + TRIM_EVERY);
        }
    }

  g_assert_true (sesame_store_trim_events (f->store, &n_removed, &error));
  g_assert_no_error (error);
  busy = list (f->store, "busy");
  quiet = list (f->store, "quiet");
  /* The newest ten, in order, ending with the last one appended. */
  g_assert_cmpuint (busy->len, ==, retention);
  for (guint i = 0; i < busy->len; i++)
    {
      SesameEvent *event = g_ptr_array_index (busy, i);

      g_assert_cmpint (event->id, ==, last - (retention - 1) + i);
    }
  g_assert_cmpuint (quiet->len, ==, 5);

  /* A second trim has nothing to do. */
  g_assert_true (sesame_store_trim_events (f->store, &n_removed, &error));
  g_assert_cmpuint (n_removed, ==, 0);
}

static void
test_unbounded (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  guint n_removed = 1;

  sesame_store_set_event_retention (f->store, 0);
  for (guint i = 0; i < 2 * TRIM_EVERY; i++)
    append (f->store, "busy", i);
  g_assert_true (sesame_store_trim_events (f->store, &n_removed, &error));
  g_assert_cmpuint (n_removed, ==, 0);
  events = list (f->store, "busy");
  g_assert_cmpuint (events->len, ==, 2 * TRIM_EVERY);
}

/* A trim made inside a transaction that fails is rolled back with it. */
static gboolean
append_then_fail (SesameStore *store,
                  gpointer     user_data,
                  GError     **error)
{
  for (guint i = 0; i < TRIM_EVERY; i++)
    append (store, "busy", 1000 + i);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "changed my mind");
  return FALSE;
}

static void
test_rolled_back (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 40; i++)
    append (f->store, "busy", i);
  before = list (f->store, "busy");
  sesame_store_set_event_retention (f->store, 10);
  g_assert_false (sesame_store_run_in_transaction (f->store, append_then_fail, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  after = list (f->store, "busy");
  g_assert_cmpuint (after->len, ==, before->len);
}

/* What trimming costs at the default bound, with a full log. */
static gboolean
fill_log (SesameStore *store,
          gpointer     user_data,
          GError     **error)
{
  guint n = GPOINTER_TO_UINT (user_data);

  for (guint i = 0; i < n; i++)
    append (store, "busy", i);
  return TRUE;
}

static void
test_cost_at_default (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const guint n = SESAME_STORE_DEFAULT_EVENT_RETENTION + 1000;
  guint n_removed = 0;
  gint64 start;
  double ms;

  if (!g_test_slow ())
    {
      g_test_skip ("a hundred thousand events: run with -m slow");
      return;
    }
  sesame_store_set_event_retention (f->store, 0);
  g_assert_true (sesame_store_run_in_transaction (f->store, fill_log, GUINT_TO_POINTER (n),
                                                  &error));
  sesame_store_set_event_retention (f->store, SESAME_STORE_DEFAULT_EVENT_RETENTION);
  start = g_get_monotonic_time ();
  g_assert_true (sesame_store_trim_events (f->store, &n_removed, &error));
  ms = (g_get_monotonic_time () - start) / 1000.0;
  g_test_message ("trimming %u of %u events took %.1f ms (once every %d appends)", n_removed, n,
                  ms, TRIM_EVERY);
  g_assert_cmpuint (n_removed, ==, 1000);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/sesame/tenant/events/" path, Fixture, NULL, fixture_set_up, func, \
              fixture_tear_down)
  ADD ("default", test_default);
  ADD ("bound", test_bound);
  ADD ("unbounded", test_unbounded);
  ADD ("rolled-back", test_rolled_back);
  ADD ("cost-at-default", test_cost_at_default);
#undef ADD
  return g_test_run ();
}
