/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "fuzz-ctap2-common.h"
#include "sesame-ctap2.h"
#include "sesame-virtual-key.h"

#include <errno.h>
#include <glib/gstdio.h>

/* Writes the seed corpus of fuzz-ctap2-reply into the directory given:
 * the answers a real CTAP2 authenticator (Sesame's own, the one inside
 * the virtual key) gives to the ceremonies the fuzz target runs, each
 * after its mode byte, recorded on their way to libfido2. */

typedef struct
{
  SesameCtap2 *ctap;
  const char  *dir;
} Recorder;

static guint8
present_cb (gpointer user_data)
{
  return SESAME_CTAP2_OK;
}

static void
write_seed (const char   *dir,
            guint8        mode,
            const guint8 *answer,
            gsize         len)
{
  g_autoptr(GByteArray) seed = g_byte_array_new ();
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  g_byte_array_append (seed, &mode, 1);
  g_byte_array_append (seed, answer, len);
  name = g_compute_checksum_for_data (G_CHECKSUM_SHA1, seed->data, seed->len);
  path = g_build_filename (dir, name, NULL);
  if (!g_file_set_contents (path, (const char *) seed->data, seed->len, &error))
    g_error ("%s", error->message);
}

/* Answers like the key would, and keeps the answers. */
static gboolean
record_cb (const guint8 *request,
           gsize         len,
           GByteArray   *response,
           gpointer      user_data)
{
  Recorder *recorder = user_data;

  sesame_ctap2_handle (recorder->ctap, request, len, response);
  if (len == 0 || response->len == 0 || response->data[0] != SESAME_CTAP2_OK)
    return TRUE;
  switch (request[0])
    {
    case SESAME_CTAP2_MAKE_CREDENTIAL:
      write_seed (recorder->dir, FUZZ_CTAP2_MAKE_CREDENTIAL, response->data, response->len);
      break;
    case SESAME_CTAP2_GET_ASSERTION:
    case SESAME_CTAP2_GET_NEXT_ASSERTION:
      write_seed (recorder->dir, FUZZ_CTAP2_GET_ASSERTION, response->data, response->len);
      break;
    case SESAME_CTAP2_GET_INFO:
      write_seed (recorder->dir, FUZZ_CTAP2_GET_INFO, response->data, response->len);
      break;
    default:
      break;
    }
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameVirtualKey) key = NULL;
  g_autoptr(SesameSoftAuthenticator) authenticator = NULL;
  g_autoptr(GBytes) hash = NULL;
  g_autoptr(GBytes) user_handle = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *store = NULL;
  g_autofree char *path = NULL;
  SesameSecurityKeyRequest request;
  Recorder recorder;

  if (argc != 2)
    {
      g_printerr ("usage: %s OUTDIR\n", argv[0]);
      return 2;
    }
  if (g_mkdir_with_parents (argv[1], 0755) != 0)
    g_error ("%s: %s", argv[1], g_strerror (errno));

  folder = g_dir_make_tmp ("sesame-ctap2-seed-XXXXXX", &error);
  g_assert_no_error (error);
  store = g_build_filename (folder, "credentials.sqlite", NULL);
  authenticator = sesame_soft_authenticator_new (store, &error);
  g_assert_no_error (error);
  recorder.ctap = sesame_ctap2_new (authenticator, NULL, present_cb, NULL, &error);
  g_assert_no_error (error);
  recorder.dir = argv[1];

  key = sesame_virtual_key_new (NULL, &error);
  g_assert_no_error (error);
  sesame_virtual_key_set_answer_func (key, record_cb, &recorder);
  path = sesame_security_key_plug_virtual (key);

  fuzz_ctap2_request_init (&request, &hash, &user_handle);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(SesameSoftAttestationResult) made = NULL;

      /* Two passkeys, so that the assertion has a next one. */
      request.user_handle = i == 0 ? user_handle : hash;
      made = sesame_security_key_make_credential (path, &request, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  {
    g_autoptr(SesameSoftAssertionResult) asserted = NULL;

    asserted = sesame_security_key_get_assertion (path, &request, NULL, NULL, &error);
    g_assert_no_error (error);
  }

  sesame_security_key_unplug_virtual (key);
  sesame_ctap2_free (recorder.ctap);
  g_clear_object (&authenticator);
  g_unlink (store);
  g_rmdir (folder);
  return 0;
}
