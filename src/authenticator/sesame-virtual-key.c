/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-virtual-key.h"

#include "sesame-ctap2.h"
#include "sesame-soft-authenticator.h"

#include <glib/gstdio.h>
#include <openssl/rand.h>
#include <string.h>

/*
 * CTAPHID as this key speaks it:
 *
 * - One transaction at a time, as the spec allows: a frame of another
 *   channel meanwhile is answered with ERR_CHANNEL_BUSY.
 * - INIT on the broadcast channel allocates a channel even while busy;
 *   INIT on a busy channel aborts its transaction.
 * - CANCEL only counts for the channel whose request waits for a touch;
 *   the request then ends with CTAP2_ERR_KEEPALIVE_CANCEL.
 * - While it waits for a touch the key sends KEEPALIVE (UPNEEDED) every
 *   100 ms; after 30 s without a touch the request ends with
 *   CTAP2_ERR_USER_ACTION_TIMEOUT, as hardware keys do.
 * - No U2F (CTAPHID_MSG): the capabilities say NMSG.
 *
 * Why libfido2 reaches this key through fido_dev_set_io_functions alone,
 * without fido_dev_set_transport_functions: transport functions replace
 * libfido2's fido_tx/fido_rx, so they would receive whole CTAPHID
 * messages and libfido2 would skip its own framing (init and
 * continuation packets, sequence numbers), its skipping of KEEPALIVE
 * frames while a key waits for the touch, its per-read timeouts, and the
 * CTAPHID_CANCEL frame of fido_dev_cancel would arrive as a bare
 * message. That is exactly the code a real USB key exercises and where
 * the prompt's "touch", timeout and cancel behaviour come from. With io
 * functions the key gets the 64-byte HID reports a hidraw device gets,
 * and only the open/read/write/close syscalls are ours; the cost, the
 * framing here, is small and tested by the fido2 suite.
 */

#define CID_BROADCAST 0xffffffffu

#define CTAPHID_PING      0x01
#define CTAPHID_MSG       0x03
#define CTAPHID_INIT      0x06
#define CTAPHID_WINK      0x08
#define CTAPHID_CBOR      0x10
#define CTAPHID_CANCEL    0x11
#define CTAPHID_KEEPALIVE 0x3b
#define CTAPHID_ERROR     0x3f

#define ERR_INVALID_CMD     0x01
#define ERR_INVALID_LEN     0x03
#define ERR_INVALID_SEQ     0x04
#define ERR_CHANNEL_BUSY    0x06
#define ERR_INVALID_CHANNEL 0x0b

#define KEEPALIVE_UPNEEDED 0x02

#define CAPABILITY_WINK 0x01
#define CAPABILITY_CBOR 0x04
#define CAPABILITY_NMSG 0x08

#define INIT_DATA_LEN (SESAME_VIRTUAL_KEY_REPORT_LEN - 7)
#define CONT_DATA_LEN (SESAME_VIRTUAL_KEY_REPORT_LEN - 5)
/* what 128 sequence numbers can carry */
#define MAX_MESSAGE_LEN (INIT_DATA_LEN + 128 * CONT_DATA_LEN)

#define KEEPALIVE_INTERVAL_US (100 * 1000)
#define USER_ACTION_TIMEOUT_US (30 * G_USEC_PER_SEC)
/* keepalives the host has not read yet, at most */
#define MAX_QUEUED_KEEPALIVES 8

/* A random AAGUID drawn once for the virtual key, so that a relying
 * party (and the AAGUID list) can tell it from the built-in one. */
static const guint8 virtual_key_aaguid[16] = {
  0x5e, 0x5a, 0x3e, 0x0b, 0x7d, 0x21, 0x4c, 0x6f,
  0x9a, 0x41, 0x2f, 0xc8, 0x13, 0x6e, 0xd0, 0x57,
};

struct _SesameVirtualKey
{
  GObject parent_instance;

  char                    *folder;
  SesameSoftAuthenticator *authenticator;
  SesameCtap2             *ctap;
  GMutex                   ctap_lock;  /* held while a command runs */

  GMutex   lock;                       /* everything below */
  GCond    cond;
  GThread *worker;
  gboolean stopping;
  gboolean plugged;
  guint    generation;                 /* + 1 at each plug and unplug */
  gboolean power_up_pending;
  int      touch_delay_ms;
  gboolean waiting_for_touch;
  gboolean touched;
  gboolean cancelled;

  GQueue  *out;                        /* GBytes, whole reports */
  guint    queued_keepalives;
  GArray  *channels;                   /* guint32, allocated by INIT */
  guint32  next_cid;

  /* the message being received */
  gboolean    assembling;
  guint32     assembly_cid;
  guint8      assembly_cmd;
  gsize       assembly_len;
  guint8      assembly_seq;
  GByteArray *assembly;

  /* the transaction the worker runs */
  gboolean    busy;
  guint32     busy_cid;
  guint8      request_cmd;
  GByteArray *request;                 /* NULL: none waiting for the worker */

  SesameVirtualKeyAnswerFunc answer_func;
  gpointer                   answer_data;
};

G_DEFINE_FINAL_TYPE (SesameVirtualKey, sesame_virtual_key, G_TYPE_OBJECT)

static void
put_be32 (guint8  *p,
          guint32  value)
{
  p[0] = value >> 24;
  p[1] = (value >> 16) & 0xff;
  p[2] = (value >> 8) & 0xff;
  p[3] = value & 0xff;
}

/* Queues @data as the answer @cmd on @cid, cut into reports. Called with
 * the lock held. */
static void
queue_message (SesameVirtualKey *self,
               guint32           cid,
               guint8            cmd,
               const guint8     *data,
               gsize             len)
{
  gsize offset = 0;
  guint8 seq = 0;

  g_assert (len <= MAX_MESSAGE_LEN);

  do
    {
      guint8 *report = g_malloc0 (SESAME_VIRTUAL_KEY_REPORT_LEN);
      gsize chunk;

      put_be32 (report, cid);
      if (offset == 0)
        {
          report[4] = 0x80 | cmd;
          report[5] = (len >> 8) & 0xff;
          report[6] = len & 0xff;
          chunk = MIN (len, INIT_DATA_LEN);
          if (chunk > 0)
            memcpy (report + 7, data, chunk);
        }
      else
        {
          report[4] = seq++;
          chunk = MIN (len - offset, CONT_DATA_LEN);
          memcpy (report + 5, data + offset, chunk);
        }
      offset += chunk;
      g_queue_push_tail (self->out, g_bytes_new_take (report, SESAME_VIRTUAL_KEY_REPORT_LEN));
    }
  while (offset < len);

  if (cmd == CTAPHID_KEEPALIVE)
    self->queued_keepalives++;
  g_cond_broadcast (&self->cond);
}

static void
queue_error (SesameVirtualKey *self,
             guint32           cid,
             guint8            code)
{
  queue_message (self, cid, CTAPHID_ERROR, &code, 1);
}

static gboolean
channel_known (SesameVirtualKey *self,
               guint32           cid)
{
  for (guint i = 0; i < self->channels->len; i++)
    if (g_array_index (self->channels, guint32, i) == cid)
      return TRUE;
  return FALSE;
}

/* The presence check SesameCtap2 calls from the worker. */
static guint8
wait_for_touch (gpointer user_data)
{
  SesameVirtualKey *self = user_data;
  gint64 start = g_get_monotonic_time ();
  gint64 limit = start + USER_ACTION_TIMEOUT_US;
  gint64 automatic;
  guint generation;
  guint8 status;

  g_mutex_lock (&self->lock);
  generation = self->generation;
  automatic = self->touch_delay_ms >= 0 ? start + (gint64) self->touch_delay_ms * 1000 : G_MAXINT64;
  self->waiting_for_touch = TRUE;
  self->touched = FALSE;

  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 wake;

      if (!self->plugged || self->stopping || self->generation != generation)
        {
          status = SESAME_CTAP2_ERR_PROCESSING;
          break;
        }
      if (self->cancelled)
        {
          status = SESAME_CTAP2_ERR_KEEPALIVE_CANCEL;
          break;
        }
      if (self->touched || now >= automatic)
        {
          status = SESAME_CTAP2_OK;
          break;
        }
      if (now >= limit)
        {
          status = SESAME_CTAP2_ERR_USER_ACTION_TIMEOUT;
          break;
        }

      if (self->queued_keepalives < MAX_QUEUED_KEEPALIVES)
        {
          guint8 keepalive = KEEPALIVE_UPNEEDED;
          queue_message (self, self->busy_cid, CTAPHID_KEEPALIVE, &keepalive, 1);
        }
      wake = MIN (MIN (now + KEEPALIVE_INTERVAL_US, automatic), limit);
      g_cond_wait_until (&self->cond, &self->lock, wake);
    }

  self->waiting_for_touch = FALSE;
  self->touched = FALSE;
  g_mutex_unlock (&self->lock);
  return status;
}

static gpointer
worker_main (gpointer user_data)
{
  SesameVirtualKey *self = user_data;

  g_mutex_lock (&self->lock);
  for (;;)
    {
      g_autoptr(GByteArray) request = NULL;
      g_autoptr(GByteArray) response = NULL;
      SesameVirtualKeyAnswerFunc answer_func;
      gpointer answer_data;
      gboolean power_up;
      guint generation;
      guint32 cid;

      while (!self->stopping && self->request == NULL)
        g_cond_wait (&self->cond, &self->lock);
      if (self->stopping)
        break;

      request = g_steal_pointer (&self->request);
      cid = self->busy_cid;
      generation = self->generation;
      power_up = self->power_up_pending;
      self->power_up_pending = FALSE;
      answer_func = self->answer_func;
      answer_data = self->answer_data;
      g_mutex_unlock (&self->lock);

      response = g_byte_array_new ();
      g_mutex_lock (&self->ctap_lock);
      if (power_up)
        sesame_ctap2_power_up (self->ctap);
      if (answer_func == NULL || !answer_func (request->data, request->len, response, answer_data))
        {
          g_byte_array_set_size (response, 0);
          sesame_ctap2_handle (self->ctap, request->data, request->len, response);
        }
      g_mutex_lock (&self->lock);
      g_mutex_unlock (&self->ctap_lock);

      /* An answer for a transaction that was aborted, or from before an
       * unplug, goes nowhere. */
      if (self->plugged && self->generation == generation && self->busy && self->busy_cid == cid)
        {
          queue_message (self, cid, CTAPHID_CBOR, response->data, response->len);
          self->busy = FALSE;
        }
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

/* A whole message arrived on its channel. Called with the lock held. */
static void
dispatch (SesameVirtualKey *self)
{
  g_autoptr(GByteArray) message = g_steal_pointer (&self->assembly);
  guint32 cid = self->assembly_cid;
  guint8 cmd = self->assembly_cmd;

  self->assembling = FALSE;

  switch (cmd)
    {
    case CTAPHID_PING:
      queue_message (self, cid, CTAPHID_PING, message->data, message->len);
      return;
    case CTAPHID_WINK:
      queue_message (self, cid, CTAPHID_WINK, NULL, 0);
      return;
    case CTAPHID_CBOR:
      if (message->len == 0)
        {
          queue_error (self, cid, ERR_INVALID_LEN);
          return;
        }
      if (message->len > SESAME_CTAP2_MAX_MSG_SIZE)
        {
          guint8 status = SESAME_CTAP2_ERR_REQUEST_TOO_LARGE;
          queue_message (self, cid, CTAPHID_CBOR, &status, 1);
          return;
        }
      self->busy = TRUE;
      self->busy_cid = cid;
      self->cancelled = FALSE;
      self->request_cmd = cmd;
      self->request = g_steal_pointer (&message);
      g_cond_broadcast (&self->cond);
      return;
    case CTAPHID_MSG:
    default:
      queue_error (self, cid, ERR_INVALID_CMD);
      return;
    }
}

static void
handle_init (SesameVirtualKey *self,
             guint32           cid,
             const guint8     *report,
             gsize             bcnt)
{
  guint8 answer[17];
  guint32 new_cid;

  if (bcnt != 8)
    {
      queue_error (self, cid, ERR_INVALID_LEN);
      return;
    }

  if (cid == CID_BROADCAST)
    {
      do
        new_cid = self->next_cid++;
      while (new_cid == 0 || new_cid == CID_BROADCAST || channel_known (self, new_cid));
      g_array_append_val (self->channels, new_cid);
    }
  else if (channel_known (self, cid))
    {
      /* a resynchronisation: whatever ran on the channel is abandoned */
      new_cid = cid;
      if (self->busy && self->busy_cid == cid)
        {
          self->busy = FALSE;
          self->cancelled = TRUE;
          g_clear_pointer (&self->request, g_byte_array_unref);
          g_cond_broadcast (&self->cond);
        }
      if (self->assembling && self->assembly_cid == cid)
        {
          self->assembling = FALSE;
          g_clear_pointer (&self->assembly, g_byte_array_unref);
        }
    }
  else
    {
      queue_error (self, cid, ERR_INVALID_CHANNEL);
      return;
    }

  memcpy (answer, report + 7, 8);       /* the host's nonce */
  put_be32 (answer + 8, new_cid);
  answer[12] = 2;                       /* CTAPHID protocol version */
  answer[13] = 1;                       /* device version 1.0.0 */
  answer[14] = 0;
  answer[15] = 0;
  answer[16] = CAPABILITY_WINK | CAPABILITY_CBOR | CAPABILITY_NMSG;
  queue_message (self, cid, CTAPHID_INIT, answer, sizeof answer);
}

gboolean
sesame_virtual_key_write_report (SesameVirtualKey *self,
                                 const guint8     *report,
                                 gsize             len)
{
  guint32 cid;

  g_return_val_if_fail (SESAME_IS_VIRTUAL_KEY (self), FALSE);
  g_return_val_if_fail (report != NULL, FALSE);

  if (len != SESAME_VIRTUAL_KEY_REPORT_LEN)
    return FALSE;

  g_mutex_lock (&self->lock);
  if (!self->plugged)
    {
      g_mutex_unlock (&self->lock);
      return FALSE;
    }

  cid = ((guint32) report[0] << 24) | ((guint32) report[1] << 16) |
        ((guint32) report[2] << 8) | report[3];

  if (report[4] & 0x80)
    {
      guint8 cmd = report[4] & 0x7f;
      gsize bcnt = ((gsize) report[5] << 8) | report[6];

      if (cid == 0)
        queue_error (self, cid, ERR_INVALID_CHANNEL);
      else if (cmd == CTAPHID_INIT)
        handle_init (self, cid, report, bcnt);
      else if (cid == CID_BROADCAST || !channel_known (self, cid))
        queue_error (self, cid, ERR_INVALID_CHANNEL);
      else if (cmd == CTAPHID_CANCEL)
        {
          /* no answer of its own: the cancelled request answers */
          if (self->busy && self->busy_cid == cid)
            {
              self->cancelled = TRUE;
              g_cond_broadcast (&self->cond);
            }
        }
      else if ((self->busy && self->busy_cid != cid) ||
               (self->assembling && self->assembly_cid != cid))
        queue_error (self, cid, ERR_CHANNEL_BUSY);
      else if (self->busy)
        queue_error (self, cid, ERR_CHANNEL_BUSY);
      else if (bcnt > MAX_MESSAGE_LEN)
        queue_error (self, cid, ERR_INVALID_LEN);
      else
        {
          g_clear_pointer (&self->assembly, g_byte_array_unref);
          self->assembling = TRUE;
          self->assembly_cid = cid;
          self->assembly_cmd = cmd;
          self->assembly_len = bcnt;
          self->assembly_seq = 0;
          self->assembly = g_byte_array_sized_new (bcnt);
          g_byte_array_append (self->assembly, report + 7, MIN (bcnt, INIT_DATA_LEN));
          if (self->assembly->len == bcnt)
            dispatch (self);
        }
    }
  else if (self->assembling && self->assembly_cid == cid)
    {
      if (report[4] != self->assembly_seq)
        {
          self->assembling = FALSE;
          g_clear_pointer (&self->assembly, g_byte_array_unref);
          queue_error (self, cid, ERR_INVALID_SEQ);
        }
      else
        {
          gsize missing = self->assembly_len - self->assembly->len;

          self->assembly_seq++;
          g_byte_array_append (self->assembly, report + 5, MIN (missing, CONT_DATA_LEN));
          if (self->assembly->len == self->assembly_len)
            dispatch (self);
        }
    }
  else if (self->assembling || self->busy)
    queue_error (self, cid, ERR_CHANNEL_BUSY);
  /* else: a stray continuation frame, ignored as the spec says */

  g_mutex_unlock (&self->lock);
  return TRUE;
}

int
sesame_virtual_key_read_report (SesameVirtualKey *self,
                                guint8           *report,
                                gsize             len,
                                int               timeout_ms)
{
  g_autoptr(GBytes) frame = NULL;
  gint64 deadline = timeout_ms >= 0 ? g_get_monotonic_time () + (gint64) timeout_ms * 1000 : -1;

  g_return_val_if_fail (SESAME_IS_VIRTUAL_KEY (self), -1);
  g_return_val_if_fail (report != NULL, -1);

  if (len < SESAME_VIRTUAL_KEY_REPORT_LEN)
    return -1;

  g_mutex_lock (&self->lock);
  while (self->plugged && g_queue_is_empty (self->out))
    {
      if (deadline < 0)
        g_cond_wait (&self->cond, &self->lock);
      else if (!g_cond_wait_until (&self->cond, &self->lock, deadline) &&
               g_queue_is_empty (self->out))
        {
          g_mutex_unlock (&self->lock);
          return 0;
        }
    }
  if (!self->plugged)
    {
      g_mutex_unlock (&self->lock);
      return -1;
    }
  frame = g_queue_pop_head (self->out);
  if (((const guint8 *) g_bytes_get_data (frame, NULL))[4] == (0x80 | CTAPHID_KEEPALIVE))
    self->queued_keepalives--;
  g_mutex_unlock (&self->lock);

  memcpy (report, g_bytes_get_data (frame, NULL), SESAME_VIRTUAL_KEY_REPORT_LEN);
  return SESAME_VIRTUAL_KEY_REPORT_LEN;
}

/* Plugging */

static void
reset_link (SesameVirtualKey *self)
{
  g_queue_clear_full (self->out, (GDestroyNotify) g_bytes_unref);
  self->queued_keepalives = 0;
  g_array_set_size (self->channels, 0);
  self->assembling = FALSE;
  g_clear_pointer (&self->assembly, g_byte_array_unref);
  g_clear_pointer (&self->request, g_byte_array_unref);
  self->busy = FALSE;
  self->cancelled = FALSE;
  self->generation++;
}

void
sesame_virtual_key_unplug (SesameVirtualKey *self)
{
  g_return_if_fail (SESAME_IS_VIRTUAL_KEY (self));

  g_mutex_lock (&self->lock);
  if (self->plugged)
    {
      self->plugged = FALSE;
      reset_link (self);
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->lock);
}

void
sesame_virtual_key_plug (SesameVirtualKey *self)
{
  g_return_if_fail (SESAME_IS_VIRTUAL_KEY (self));

  g_mutex_lock (&self->lock);
  if (!self->plugged)
    {
      reset_link (self);
      self->plugged = TRUE;
      self->power_up_pending = TRUE;
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->lock);
}

gboolean
sesame_virtual_key_is_plugged (SesameVirtualKey *self)
{
  gboolean plugged;

  g_return_val_if_fail (SESAME_IS_VIRTUAL_KEY (self), FALSE);

  g_mutex_lock (&self->lock);
  plugged = self->plugged;
  g_mutex_unlock (&self->lock);
  return plugged;
}

void
sesame_virtual_key_set_touch_delay (SesameVirtualKey *self,
                                    int               delay_ms)
{
  g_return_if_fail (SESAME_IS_VIRTUAL_KEY (self));
  g_return_if_fail (delay_ms >= -1);

  g_mutex_lock (&self->lock);
  self->touch_delay_ms = delay_ms;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

void
sesame_virtual_key_touch (SesameVirtualKey *self)
{
  g_return_if_fail (SESAME_IS_VIRTUAL_KEY (self));

  g_mutex_lock (&self->lock);
  if (self->waiting_for_touch)
    {
      self->touched = TRUE;
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->lock);
}

gboolean
sesame_virtual_key_is_waiting_for_touch (SesameVirtualKey *self)
{
  gboolean waiting;

  g_return_val_if_fail (SESAME_IS_VIRTUAL_KEY (self), FALSE);

  g_mutex_lock (&self->lock);
  waiting = self->waiting_for_touch;
  g_mutex_unlock (&self->lock);
  return waiting;
}

const guint8 *
sesame_virtual_key_get_aaguid (SesameVirtualKey *self)
{
  g_return_val_if_fail (SESAME_IS_VIRTUAL_KEY (self), NULL);
  return virtual_key_aaguid;
}

const guint8 *
sesame_virtual_key_aaguid (void)
{
  return virtual_key_aaguid;
}

gboolean
sesame_virtual_key_has_pin (SesameVirtualKey *self)
{
  g_return_val_if_fail (SESAME_IS_VIRTUAL_KEY (self), FALSE);
  return sesame_ctap2_has_pin (self->ctap);
}

int
sesame_virtual_key_get_pin_retries (SesameVirtualKey *self)
{
  g_return_val_if_fail (SESAME_IS_VIRTUAL_KEY (self), 0);
  return sesame_ctap2_get_retries (self->ctap);
}

GPtrArray *
sesame_virtual_key_list_credentials (SesameVirtualKey *self,
                                     GError          **error)
{
  GPtrArray *credentials;

  g_return_val_if_fail (SESAME_IS_VIRTUAL_KEY (self), NULL);

  /* not while a command uses the store */
  g_mutex_lock (&self->ctap_lock);
  credentials = sesame_soft_authenticator_list_credentials (self->authenticator, NULL, error);
  g_mutex_unlock (&self->ctap_lock);
  return credentials;
}

/* Life cycle */

static void
remove_folder (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_unlink (path);
    }
  g_rmdir (folder);
}

static void
sesame_virtual_key_finalize (GObject *object)
{
  SesameVirtualKey *self = SESAME_VIRTUAL_KEY (object);

  if (self->worker != NULL)
    {
      g_mutex_lock (&self->lock);
      self->stopping = TRUE;
      self->plugged = FALSE;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      g_thread_join (self->worker);
    }

  g_clear_pointer (&self->ctap, sesame_ctap2_free);
  g_clear_object (&self->authenticator);
  if (self->folder != NULL)
    remove_folder (self->folder);
  g_clear_pointer (&self->folder, g_free);

  g_queue_free_full (self->out, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&self->channels, g_array_unref);
  g_clear_pointer (&self->assembly, g_byte_array_unref);
  g_clear_pointer (&self->request, g_byte_array_unref);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->ctap_lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (sesame_virtual_key_parent_class)->finalize (object);
}

static void
sesame_virtual_key_class_init (SesameVirtualKeyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sesame_virtual_key_finalize;
}

static void
sesame_virtual_key_init (SesameVirtualKey *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->ctap_lock);
  g_cond_init (&self->cond);
  self->out = g_queue_new ();
  self->channels = g_array_new (FALSE, FALSE, sizeof (guint32));
  if (RAND_bytes ((guint8 *) &self->next_cid, sizeof self->next_cid) != 1)
    self->next_cid = g_random_int ();
}

SesameVirtualKey *
sesame_virtual_key_new (const char *pin,
                        GError    **error)
{
  g_autoptr(SesameVirtualKey) self = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (SESAME_TYPE_VIRTUAL_KEY, NULL);
  self->folder = g_dir_make_tmp ("sesame-virtual-key-XXXXXX", &local_error);
  if (self->folder == NULL)
    {
      g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE,
                   "No folder for the virtual key's credentials: %s", local_error->message);
      return NULL;
    }
  path = g_build_filename (self->folder, "credentials.sqlite", NULL);
  self->authenticator = sesame_soft_authenticator_new (path, error);
  if (self->authenticator == NULL)
    return NULL;
  sesame_soft_authenticator_set_aaguid (self->authenticator, virtual_key_aaguid);

  self->ctap = sesame_ctap2_new (self->authenticator, pin, wait_for_touch, self, error);
  if (self->ctap == NULL)
    return NULL;

  self->plugged = TRUE;
  self->worker = g_thread_new ("sesame-virtual-key", worker_main, self);
  return g_steal_pointer (&self);
}

void
sesame_virtual_key_set_answer_func (SesameVirtualKey           *self,
                                    SesameVirtualKeyAnswerFunc  func,
                                    gpointer                    user_data)
{
  g_return_if_fail (SESAME_IS_VIRTUAL_KEY (self));

  g_mutex_lock (&self->lock);
  self->answer_func = func;
  self->answer_data = user_data;
  g_mutex_unlock (&self->lock);
}
