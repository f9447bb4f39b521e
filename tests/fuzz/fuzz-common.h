/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What every fuzz target shares: the libFuzzer entry points, and the
 * contract every fallible core function keeps (GLib's): it returns a
 * result, or fails with a GError of its module's domain, never both, never
 * neither. GLib criticals and warnings (a g_return_if_fail that fired) are
 * made fatal, so that libFuzzer reports them as crashes. With
 * SESAME_FUZZ_DEBUG set, each outcome is printed: handy to see how far a
 * seed gets (run the target with the seed file as its argument). */

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

G_BEGIN_DECLS

int LLVMFuzzerInitialize   (int       *argc,
                            char    ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static gboolean fuzz_debug;

static inline void
fuzz_init (void)
{
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  fuzz_debug = g_getenv ("SESAME_FUZZ_DEBUG") != NULL;
}

static inline void
fuzz_check_result (gboolean      ok,
                   const GError *error,
                   GQuark        domain)
{
  if (fuzz_debug)
    g_printerr ("fuzz: %s\n", ok ? "accepted" : error ? error->message : "refused, no error");
  if (ok)
    {
      g_assert_null (error);
      return;
    }
  g_assert_nonnull (error);
  g_assert_true (error->domain == domain);
  g_assert_nonnull (error->message);
  g_assert_cmpuint (strlen (error->message), >, 0);
}

G_END_DECLS
