/* SPDX-License-Identifier: GPL-3.0-or-later */

/* `sesame`'s command line: --version, --help, and wrong options refused
 * with a clear message and status 2 before anything starts. */

#include "config.h"

#include "app-test-util.h"

#include <string.h>

/* Runs sesame with @args; returns its exit status, the output in @out and
 * @err. */
static int
run_sesame (const char * const *args,
            char              **out,
            char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_build_filename (app_test_get_tmp_dir (), "sesame", NULL);

  g_ptr_array_add (argv, (gpointer) g_getenv ("SESAME_APP"));
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, data_dir);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, out, err, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

static void
test_version (void)
{
  const char *args[] = { "--version", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_sesame (args, &out, &err), ==, 0);
  g_assert_cmpstr (out, ==, "sesame " PACKAGE_VERSION "\n");
}

static void
test_help (void)
{
  const char *args[] = { "--help", NULL };
  const char *options[] = { "--port", "--bind", "--data-dir", "--rp-id", "--origin",
                            "--tenant-id", "--secret-key", "--user-verification", "--url",
                            "--automation", "--version" };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_sesame (args, &out, &err), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    g_assert_nonnull (strstr (out, options[i]));
}

static void
test_refused (void)
{
  const struct
  {
    const char *args[4];
    const char *message;
  } cases[] = {
    { { "--port", "65536", NULL }, "--port takes a port number" },
    { { "--port", "http", NULL }, "--port takes a port number" },
    { { "--port", "-1", NULL }, "--port takes a port number" },
    { { "--bind", "localhost", NULL }, "--bind takes an IP address" },
    { { "--user-verification", "always", NULL }, "--user-verification takes" },
    { { "--url", "javascript:alert(1)", NULL }, "javascript" },
    { { "--url", "   ", NULL }, "Type an address" },
    { { "stray", NULL }, "unexpected argument “stray”" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autofree char *db = g_build_filename (app_test_get_tmp_dir (), "sesame", "sesame.db",
                                              NULL);

      g_assert_cmpint (run_sesame (cases[i].args, &out, &err), ==, 2);
      if (!strstr (err, cases[i].message))
        g_error ("%s %s: expected “%s” in: %s", cases[i].args[0], cases[i].args[1],
                 cases[i].message, err);
      /* Refused before anything was made. */
      g_assert_false (g_file_test (db, G_FILE_TEST_EXISTS));
    }
}

int
main (int    argc,
      char **argv)
{
  int status;

  app_test_init (&argc, &argv);
  g_test_add_func ("/sesame/app/command-line/version", test_version);
  g_test_add_func ("/sesame/app/command-line/help", test_help);
  g_test_add_func ("/sesame/app/command-line/refused", test_refused);
  status = g_test_run ();
  app_test_remove_tmp_dir ();
  return status;
}
