/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The data directory on a small file system of the test's own (a tmpfs in
 * a private mount namespace, so nothing outlives the test): when the disk
 * fills up, writes are refused with a JSON 503 that says why, nothing is
 * half-written, reads go on, and the same request succeeds once space
 * returns, without a restart. A read-only or full data directory at start
 * is a clear error.
 *
 * Mounting needs CAP_SYS_ADMIN; without it the tests are skipped. */

#include "config.h"

#include "server-test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#define FS_OPTIONS "size=4m,mode=0700"
/* A write fits in the WAL's free pages for a while; this many tries are
 * more than enough for the disk to be really full. */
#define MAX_TRIES 400

static gboolean can_mount;
static char *cannot_mount_reason;

typedef struct
{
  char *root;      /* on the ordinary disk: the server's log is here */
  char *data_dir;  /* the tmpfs */
  char *filler;
} Disk;

static Disk *
disk_new (void)
{
  g_autoptr(GError) error = NULL;
  Disk *disk = g_new0 (Disk, 1);

  disk->root = g_dir_make_tmp ("sesame-storage-test-XXXXXX", &error);
  g_assert_no_error (error);
  disk->data_dir = g_build_filename (disk->root, "data", NULL);
  disk->filler = g_build_filename (disk->data_dir, "filler", NULL);
  g_assert_cmpint (g_mkdir (disk->data_dir, 0700), ==, 0);
  if (mount ("tmpfs", disk->data_dir, "tmpfs", MS_NOSUID | MS_NODEV, FS_OPTIONS) != 0)
    g_error ("mount tmpfs on %s: %s", disk->data_dir, g_strerror (errno));
  return disk;
}

static void
disk_free (Disk *disk)
{
  umount2 (disk->data_dir, MNT_DETACH);
  sesame_test_remove_tree (disk->root);
  g_free (disk->root);
  g_free (disk->data_dir);
  g_free (disk->filler);
  g_free (disk);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Disk, disk_free)

/* Writes a file until the file system has no block left. */
static void
disk_fill (Disk *disk)
{
  static const gsize sizes[] = { 64 * 1024, 4096, 512 };
  char block[64 * 1024] = { 0 };
  int fd = g_open (disk->filler, O_WRONLY | O_CREAT | O_APPEND, 0600);

  g_assert_cmpint (fd, >=, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    while (write (fd, block, sizes[i]) > 0)
      ;
  g_assert_cmpint (errno, ==, ENOSPC);
  close (fd);
}

static void
disk_free_space (Disk *disk)
{
  g_assert_cmpint (g_unlink (disk->filler), ==, 0);
}

static void
disk_set_read_only (Disk     *disk,
                    gboolean  read_only)
{
  if (mount (NULL, disk->data_dir, NULL, MS_REMOUNT | MS_NOSUID | MS_NODEV |
             (read_only ? MS_RDONLY : 0), FS_OPTIONS) != 0)
    g_error ("remount %s: %s", disk->data_dir, g_strerror (errno));
}

static gboolean
require_mount (void)
{
  if (!sesame_test_require_server ())
    return FALSE;
  if (!can_mount)
    {
      g_test_skip (cannot_mount_reason);
      return FALSE;
    }
  return TRUE;
}

static void
assert_unavailable (SesameTestReply *reply,
                    const char      *word)
{
  JsonObject *object = sesame_test_reply_object (reply);

  sesame_test_assert_error (reply, "service_unavailable");
  g_assert_cmpuint (reply->status, ==, 503);
  g_assert_nonnull (strstr (sesame_test_get_string (object, "errorDescription"), word));
  g_assert_cmpstr (soup_message_headers_get_one (reply->headers, "Retry-After"), ==, "10");
}

static void
test_disk_full (void)
{
  g_autoptr(Disk) disk = NULL;
  g_autoptr(SesameTestServer) server = NULL;
  g_autoptr(SesameTestPasskey) alice = NULL;
  g_autoptr(SesameTestReply) refused = NULL;
  g_autoptr(SesameTestReply) again = NULL;
  g_autoptr(SesameTestReply) read = NULL;
  g_autoptr(SesameTestReply) options = NULL;
  g_autofree char *secret_auth = NULL;
  g_autofree char *tenant_auth = NULL;
  g_autofree char *path = NULL;
  guint tries;

  if (!require_mount ())
    return;
  disk = disk_new ();
  server = sesame_test_server_start (disk->data_dir, NULL);
  secret_auth = sesame_test_secret_auth (server);
  tenant_auth = sesame_test_tenant_auth (server);
  alice = sesame_test_register (server, "alice", "alice", NULL, NULL);

  disk_fill (disk);
  /* Each try writes a new user, an action and an event; the first that
   * needs a block the disk no longer has is refused, and must have changed
   * nothing at all. */
  for (tries = 0; tries < MAX_TRIES; tries++)
    {
      g_autoptr(SesameTestSnapshot) before = sesame_test_snapshot (server);
      g_autoptr(SesameTestSnapshot) after = NULL;

      g_free (path);
      path = g_strdup_printf ("/v1/users/user-%u/actions/signIn", tries);
      refused = sesame_test_request (server, "POST", path, secret_auth, "{}");
      if (refused->status == 503)
        {
          after = sesame_test_snapshot (server);
          sesame_test_assert_unchanged (before, after, "a write refused on a full disk");
          break;
        }
      sesame_test_assert_ok (refused);
      g_clear_pointer (&refused, sesame_test_reply_free);
    }
  g_test_message ("the disk was full after %u more writes", tries);
  g_assert_nonnull (refused);
  g_assert_cmpuint (tries, <, MAX_TRIES);
  assert_unavailable (refused, "full");

  /* Reads go on; a ceremony, which writes its challenge, is refused. */
  read = sesame_test_request (server, "GET", "/v1/users/alice", secret_auth, NULL);
  sesame_test_assert_ok (read);
  options = sesame_test_request (server, "POST", SESAME_TEST_C4, tenant_auth, "{}");
  assert_unavailable (options, "full");
  sesame_test_assert_intact (server);

  /* Space returns: the very same request now succeeds, same process. */
  disk_free_space (disk);
  again = sesame_test_request (server, "POST", path, secret_auth, "{}");
  sesame_test_assert_ok (again);
  sesame_test_assert_signs_in (server, alice, "alice");
  sesame_test_assert_intact (server);
  sesame_test_server_stop (server);
}

/* The start-up errors: a clear line and exit status 1, and a normal start
 * once the cause is gone. */
static void
assert_start_fails (Disk       *disk,
                    const char *expected)
{
  const char *args[] = { "--port", "0", "--data-dir", disk->data_dir, NULL };
  g_autofree char *output = NULL;

  g_assert_cmpint (sesame_test_server_run_to_exit (args, &output), ==, 1);
  g_test_message ("%s", output);
  g_assert_true (g_str_has_prefix (output, "sesame-server: "));
  g_assert_nonnull (strstr (output, expected));
}

typedef void (*DiskFunc) (Disk *disk);

/* A server that knows alice stops; @harm breaks its disk, and a new one
 * must refuse to start with @expected in its message; once @repair undid
 * it, the next start serves alice as before. */
static void
refuses_to_start_until_repaired (DiskFunc    harm,
                                 DiskFunc    repair,
                                 const char *expected)
{
  g_autoptr(Disk) disk = NULL;
  g_autoptr(SesameTestServer) server = NULL;
  g_autoptr(SesameTestPasskey) alice = NULL;

  if (!require_mount ())
    return;
  disk = disk_new ();
  server = sesame_test_server_start (disk->data_dir, NULL);
  alice = sesame_test_register (server, "alice", "alice", NULL, NULL);
  sesame_test_server_stop (server);

  harm (disk);
  assert_start_fails (disk, expected);

  repair (disk);
  server = sesame_test_server_restart (server, TRUE, NULL);
  sesame_test_assert_signs_in (server, alice, "alice");
  sesame_test_assert_intact (server);
  sesame_test_server_stop (server);
}

static void
disk_make_read_only (Disk *disk)
{
  disk_set_read_only (disk, TRUE);
}

static void
disk_make_writable (Disk *disk)
{
  disk_set_read_only (disk, FALSE);
}

static void
test_read_only_at_start (void)
{
  refuses_to_start_until_repaired (disk_make_read_only, disk_make_writable,
                                   "Read-only file system");
}

static void
test_full_at_start (void)
{
  refuses_to_start_until_repaired (disk_fill, disk_free_space, "the disk is full");
}

/* A mount namespace of our own: the tmpfs mounts vanish with this process,
 * whatever happens to it. */
static void
enter_private_mount_namespace (void)
{
  if (unshare (CLONE_NEWNS) != 0)
    cannot_mount_reason = g_strdup_printf ("cannot make a mount namespace: %s",
                                           g_strerror (errno));
  else if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
    cannot_mount_reason = g_strdup_printf ("cannot make the mounts private: %s",
                                           g_strerror (errno));
  else
    can_mount = TRUE;
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  enter_private_mount_namespace ();

  g_test_add_func ("/sesame/server/storage/disk-full", test_disk_full);
  g_test_add_func ("/sesame/server/storage/read-only-at-start", test_read_only_at_start);
  g_test_add_func ("/sesame/server/storage/full-at-start", test_full_at_start);
  status = g_test_run ();
  g_free (cannot_mount_reason);
  return status;
}
