/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-security-key.h"

#include "sesame-authenticator-data.h"
#include "sesame-cbor.h"
#include "sesame-cose-key.h"
#include "sesame-openssl.h"

#include <cbor.h>
#include <fido.h>
#include <string.h>

/*
 * Decisions, written down once:
 *
 * - The PIN is asked for before the key is touched, as browsers do: a key
 *   with a PIN needs it to make a credential at all, and for an assertion
 *   when the RP does not discourage UV. UV required on a key without a
 *   PIN is PIN_NOT_SET (the prompt offers to set one); on a key with no
 *   PIN support at all it is UV_UNAVAILABLE.
 * - The algorithm is the RP's first one the key lists in GetInfo
 *   (libfido2 sends one pubKeyCredParam).
 * - A failed read or write is a key that went away, unless the caller
 *   cancelled (CANCELLED) or the ceremony's time ran out (TIMEOUT); then
 *   CTAPHID_CANCEL goes out so the key stops waiting for its touch.
 * - The attestation object is rebuilt from what libfido2 read: fmt,
 *   the attStmt CBOR as the key sent it, and the raw authenticator data,
 *   in CTAP2 canonical order ("fmt", "attStmt", "authData").
 */

#define MAX_DEVICES 64
#define SELECT_POLL_MS 50

G_DEFINE_QUARK (sesame-security-key-error-quark, sesame_security_key_error)

/* libfido2's free functions take the pointer's address */
static void cred_free (fido_cred_t *cred) { fido_cred_free (&cred); }
static void assert_free (fido_assert_t *assertion) { fido_assert_free (&assertion); }
static void cbor_info_free (fido_cbor_info_t *info) { fido_cbor_info_free (&info); }

G_DEFINE_AUTOPTR_CLEANUP_FUNC (fido_cred_t, cred_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (fido_assert_t, assert_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (fido_cbor_info_t, cbor_info_free)

static void
ensure_init (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      fido_init (g_getenv ("SESAME_FIDO_DEBUG") != NULL ? FIDO_DEBUG : 0);
      g_once_init_leave (&initialised, 1);
    }
}

/* Virtual keys: a registry of path → key, read by libfido2's io.open. */

G_LOCK_DEFINE_STATIC (virtual_keys);
static GHashTable *virtual_keys;  /* char *path → SesameVirtualKey */
static guint next_virtual_id;

char *
sesame_security_key_plug_virtual (SesameVirtualKey *key)
{
  char *path;

  g_return_val_if_fail (SESAME_IS_VIRTUAL_KEY (key), NULL);

  G_LOCK (virtual_keys);
  if (virtual_keys == NULL)
    virtual_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  path = g_strdup_printf (SESAME_SECURITY_KEY_VIRTUAL_PREFIX "%u", next_virtual_id++);
  g_hash_table_insert (virtual_keys, g_strdup (path), g_object_ref (key));
  G_UNLOCK (virtual_keys);

  sesame_virtual_key_plug (key);
  return path;
}

void
sesame_security_key_unplug_virtual (SesameVirtualKey *key)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (SESAME_IS_VIRTUAL_KEY (key));

  sesame_virtual_key_unplug (key);

  G_LOCK (virtual_keys);
  if (virtual_keys != NULL)
    {
      g_hash_table_iter_init (&iter, virtual_keys);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (value == key)
          g_hash_table_iter_remove (&iter);
    }
  G_UNLOCK (virtual_keys);
}

SesameVirtualKey *
sesame_security_key_get_virtual (const char *path)
{
  SesameVirtualKey *key = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  G_LOCK (virtual_keys);
  if (virtual_keys != NULL)
    key = g_hash_table_lookup (virtual_keys, path);
  if (key != NULL)
    g_object_ref (key);
  G_UNLOCK (virtual_keys);
  return key;
}

/* libfido2's io functions for a virtual key. libfido2 writes a report
 * with its report id (0) in front and reads bare 64-byte reports. */

static void *
virtual_io_open (const char *path)
{
  SesameVirtualKey *key = sesame_security_key_get_virtual (path);

  if (key != NULL && !sesame_virtual_key_is_plugged (key))
    g_clear_object (&key);
  return key;
}

static void
virtual_io_close (void *handle)
{
  g_object_unref (handle);
}

static int
virtual_io_read (void          *handle,
                 unsigned char *buffer,
                 size_t         len,
                 int            ms)
{
  int n = sesame_virtual_key_read_report (handle, buffer, len, ms);

  /* a timeout is a failed read, as on hidraw */
  return n > 0 ? n : -1;
}

static int
virtual_io_write (void                *handle,
                  const unsigned char *buffer,
                  size_t               len)
{
  if (len != SESAME_VIRTUAL_KEY_REPORT_LEN + 1 || len > G_MAXINT ||
      !sesame_virtual_key_write_report (handle, buffer + 1, SESAME_VIRTUAL_KEY_REPORT_LEN))
    return -1;
  return (int) len;
}

static const fido_dev_io_t virtual_io = {
  .open = virtual_io_open,
  .close = virtual_io_close,
  .read = virtual_io_read,
  .write = virtual_io_write,
};

static gboolean
is_virtual_path (const char *path)
{
  return g_str_has_prefix (path, SESAME_SECURITY_KEY_VIRTUAL_PREFIX);
}

/* Listing */

SesameSecurityKeyInfo *
sesame_security_key_info_copy (const SesameSecurityKeyInfo *info)
{
  SesameSecurityKeyInfo *copy = g_new0 (SesameSecurityKeyInfo, 1);

  copy->path = g_strdup (info->path);
  copy->product = g_strdup (info->product);
  copy->manufacturer = g_strdup (info->manufacturer);
  copy->is_virtual = info->is_virtual;
  return copy;
}

void
sesame_security_key_info_free (SesameSecurityKeyInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->path);
  g_free (info->product);
  g_free (info->manufacturer);
  g_free (info);
}

static gint
compare_paths (gconstpointer a,
               gconstpointer b)
{
  const SesameSecurityKeyInfo *x = *(SesameSecurityKeyInfo * const *) a;
  const SesameSecurityKeyInfo *y = *(SesameSecurityKeyInfo * const *) b;

  return g_strcmp0 (x->path, y->path);
}

GPtrArray *
sesame_security_key_list (void)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func ((GDestroyNotify) sesame_security_key_info_free);
  g_autoptr(GPtrArray) virtual_infos = g_ptr_array_new ();
  fido_dev_info_t *devices;
  size_t n = 0;

  ensure_init ();

  devices = fido_dev_info_new (MAX_DEVICES);
  if (devices != NULL && fido_dev_info_manifest (devices, MAX_DEVICES, &n) == FIDO_OK)
    {
      for (size_t i = 0; i < n; i++)
        {
          const fido_dev_info_t *device = fido_dev_info_ptr (devices, i);
          const char *product = fido_dev_info_product_string (device);
          SesameSecurityKeyInfo info = {
            .path = (char *) fido_dev_info_path (device),
            .product = (char *) (product != NULL && *product != '\0' ? product : "Security key"),
            .manufacturer = (char *) (fido_dev_info_manufacturer_string (device) != NULL
                                      ? fido_dev_info_manufacturer_string (device) : ""),
          };

          if (info.path != NULL)
            g_ptr_array_add (keys, sesame_security_key_info_copy (&info));
        }
    }
  fido_dev_info_free (&devices, MAX_DEVICES);

  G_LOCK (virtual_keys);
  if (virtual_keys != NULL)
    {
      GHashTableIter iter;
      gpointer path, key;

      g_hash_table_iter_init (&iter, virtual_keys);
      while (g_hash_table_iter_next (&iter, &path, &key))
        {
          SesameSecurityKeyInfo info = {
            .path = path,
            .product = (char *) SESAME_VIRTUAL_KEY_PRODUCT_NAME,
            .manufacturer = (char *) "Sesame",
            .is_virtual = TRUE,
          };

          if (sesame_virtual_key_is_plugged (key))
            g_ptr_array_add (virtual_infos, sesame_security_key_info_copy (&info));
        }
    }
  G_UNLOCK (virtual_keys);

  g_ptr_array_sort (virtual_infos, compare_paths);
  for (guint i = 0; i < virtual_infos->len; i++)
    g_ptr_array_add (keys, g_ptr_array_index (virtual_infos, i));
  return keys;
}

/* Opening, with cancellation and the time limit */

typedef struct
{
  fido_dev_t   *dev;
  char         *path;
  GCancellable *cancellable;
  gulong        cancel_id;
  gint64        deadline;   /* monotonic µs, 0: none */
} Device;

static void
device_cancelled (GCancellable *cancellable,
                  gpointer      user_data)
{
  Device *device = user_data;

  /* libfido2 allows this from another thread while a call waits */
  fido_dev_cancel (device->dev);
}

static void
device_close (Device *device)
{
  if (device == NULL)
    return;
  /* waits for a running cancel handler, so dev outlives it */
  if (device->cancel_id != 0)
    g_cancellable_disconnect (device->cancellable, device->cancel_id);
  g_clear_object (&device->cancellable);
  if (device->dev != NULL)
    {
      fido_dev_close (device->dev);
      fido_dev_free (&device->dev);
    }
  g_free (device->path);
  g_free (device);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Device, device_close)

static gboolean
path_listed (const char *path)
{
  g_autoptr(GPtrArray) keys = sesame_security_key_list ();

  for (guint i = 0; i < keys->len; i++)
    if (g_str_equal (((SesameSecurityKeyInfo *) g_ptr_array_index (keys, i))->path, path))
      return TRUE;
  return FALSE;
}

static gboolean
check_cancelled (GCancellable  *cancellable,
                 GError       **error)
{
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_set_error_literal (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_CANCELLED,
                           "The request was cancelled");
      return TRUE;
    }
  return FALSE;
}

/* Turns a libfido2 status into an error of ours. */
static void
set_fido_error (Device      *device,
                int          status,
                const char  *what,
                GError     **error)
{
  SesameSecurityKeyError code;
  const char *message;

  switch (status)
    {
    case FIDO_ERR_PIN_REQUIRED:
      code = SESAME_SECURITY_KEY_ERROR_PIN_REQUIRED;
      message = "The security key needs its PIN";
      break;
    case FIDO_ERR_PIN_INVALID:
      code = SESAME_SECURITY_KEY_ERROR_PIN_INVALID;
      message = "Wrong PIN";
      break;
    case FIDO_ERR_PIN_AUTH_BLOCKED:
      code = SESAME_SECURITY_KEY_ERROR_PIN_AUTH_BLOCKED;
      message = "Too many wrong PINs in a row: unplug the key and plug it in again";
      break;
    case FIDO_ERR_PIN_BLOCKED:
      code = SESAME_SECURITY_KEY_ERROR_PIN_BLOCKED;
      message = "The PIN is blocked after too many wrong attempts; only a reset of the key helps";
      break;
    case FIDO_ERR_PIN_NOT_SET:
      code = SESAME_SECURITY_KEY_ERROR_PIN_NOT_SET;
      message = "The security key has no PIN";
      break;
    case FIDO_ERR_PIN_POLICY_VIOLATION:
      code = SESAME_SECURITY_KEY_ERROR_PIN_POLICY;
      message = "The security key does not accept this PIN (4 to 63 characters)";
      break;
    case FIDO_ERR_CREDENTIAL_EXCLUDED:
      code = SESAME_SECURITY_KEY_ERROR_EXCLUDED;
      message = "This security key already has a passkey for this account";
      break;
    case FIDO_ERR_NO_CREDENTIALS:
      code = SESAME_SECURITY_KEY_ERROR_NO_CREDENTIALS;
      message = "This security key has no passkey for this site";
      break;
    case FIDO_ERR_UNSUPPORTED_ALGORITHM:
      code = SESAME_SECURITY_KEY_ERROR_UNSUPPORTED_ALGORITHM;
      message = "The security key cannot make a key of any algorithm the site accepts";
      break;
    case FIDO_ERR_KEEPALIVE_CANCEL:
      code = SESAME_SECURITY_KEY_ERROR_CANCELLED;
      message = "The request was cancelled";
      break;
    case FIDO_ERR_ACTION_TIMEOUT:
    case FIDO_ERR_USER_ACTION_TIMEOUT:
      code = SESAME_SECURITY_KEY_ERROR_TIMEOUT;
      message = "The security key was not touched in time";
      break;
    case FIDO_ERR_RX:
    case FIDO_ERR_TX:
    case FIDO_ERR_RX_NOT_CBOR:
    case FIDO_ERR_RX_INVALID_CBOR:
      if (device != NULL && g_cancellable_is_cancelled (device->cancellable))
        {
          code = SESAME_SECURITY_KEY_ERROR_CANCELLED;
          message = "The request was cancelled";
        }
      else if (device != NULL && device->deadline != 0 &&
               g_get_monotonic_time () >= device->deadline)
        {
          /* the key still waits: tell it to stop */
          fido_dev_cancel (device->dev);
          code = SESAME_SECURITY_KEY_ERROR_TIMEOUT;
          message = "The security key was not touched in time";
        }
      else if (device != NULL && !path_listed (device->path))
        {
          code = SESAME_SECURITY_KEY_ERROR_REMOVED;
          message = "The security key was removed";
        }
      else
        {
          code = SESAME_SECURITY_KEY_ERROR_FAILED;
          message = "The security key stopped answering";
        }
      break;
    default:
      g_set_error (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_FAILED,
                   "%s: %s (0x%02x)", what, fido_strerr (status), status);
      return;
    }

  g_set_error_literal (error, SESAME_SECURITY_KEY_ERROR, code, message);
}

static Device *
device_open (const char   *path,
             int           timeout_ms,
             GCancellable *cancellable,
             GError      **error)
{
  g_autoptr(Device) device = NULL;
  int status;

  ensure_init ();

  if (check_cancelled (cancellable, error))
    return NULL;

  device = g_new0 (Device, 1);
  device->path = g_strdup (path);
  device->dev = fido_dev_new ();
  if (device->dev == NULL)
    {
      g_set_error_literal (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_FAILED,
                           "libfido2 could not make a device");
      return NULL;
    }
  if (is_virtual_path (path) &&
      fido_dev_set_io_functions (device->dev, &virtual_io) != FIDO_OK)
    {
      g_set_error_literal (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_FAILED,
                           "libfido2 did not take the virtual key's functions");
      return NULL;
    }

  if (timeout_ms > 0)
    {
      device->deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
      fido_dev_set_timeout (device->dev, timeout_ms);
    }

  status = fido_dev_open (device->dev, path);
  if (status != FIDO_OK)
    {
      if (!path_listed (path))
        g_set_error (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_NOT_FOUND,
                     "No security key at %s", path);
      else
        g_set_error (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_FAILED,
                     "The security key at %s cannot be opened: %s", path, fido_strerr (status));
      fido_dev_free (&device->dev);
      return NULL;
    }

  if (!fido_dev_is_fido2 (device->dev))
    {
      g_set_error_literal (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_FAILED,
                           "This is a U2F-only key: it cannot make passkeys");
      return NULL;
    }

  if (cancellable != NULL)
    {
      device->cancellable = g_object_ref (cancellable);
      device->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (device_cancelled),
                                                 device, NULL);
      if (check_cancelled (cancellable, error))
        return NULL;
    }

  return g_steal_pointer (&device);
}

/* Details */

void
sesame_security_key_details_free (SesameSecurityKeyDetails *details)
{
  if (details == NULL)
    return;
  g_strfreev (details->versions);
  g_strfreev (details->extensions);
  g_strfreev (details->option_names);
  g_free (details->option_values);
  g_free (details->algorithms);
  g_free (details);
}

int
sesame_security_key_details_get_option (const SesameSecurityKeyDetails *details,
                                        const char                     *name)
{
  g_return_val_if_fail (details != NULL, -1);

  for (gsize i = 0; i < details->n_options; i++)
    if (g_strcmp0 (details->option_names[i], name) == 0)
      return details->option_values[i] ? TRUE : FALSE;
  return -1;
}

static char **
copy_strv (char * const *strings,
           size_t        n)
{
  char **copy = g_new0 (char *, n + 1);

  for (size_t i = 0; i < n; i++)
    copy[i] = g_strdup (strings[i]);
  return copy;
}

static SesameSecurityKeyDetails *
read_details (Device  *device,
              GError **error)
{
  g_autoptr(fido_cbor_info_t) info = fido_cbor_info_new ();
  SesameSecurityKeyDetails *details;
  int status;

  if (info == NULL)
    {
      g_set_error_literal (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_FAILED,
                           "libfido2 could not make a cbor_info");
      return NULL;
    }
  status = fido_dev_get_cbor_info (device->dev, info);
  if (status != FIDO_OK)
    {
      set_fido_error (device, status, "authenticatorGetInfo failed", error);
      return NULL;
    }

  details = g_new0 (SesameSecurityKeyDetails, 1);
  details->versions = copy_strv (fido_cbor_info_versions_ptr (info), fido_cbor_info_versions_len (info));
  details->extensions = copy_strv (fido_cbor_info_extensions_ptr (info), fido_cbor_info_extensions_len (info));
  details->n_options = fido_cbor_info_options_len (info);
  details->option_names = copy_strv (fido_cbor_info_options_name_ptr (info), details->n_options);
  details->option_values = g_new0 (gboolean, details->n_options + 1);
  for (gsize i = 0; i < details->n_options; i++)
    details->option_values[i] = fido_cbor_info_options_value_ptr (info)[i];
  if (fido_cbor_info_aaguid_len (info) == sizeof details->aaguid)
    memcpy (details->aaguid, fido_cbor_info_aaguid_ptr (info), sizeof details->aaguid);
  details->n_algorithms = fido_cbor_info_algorithm_count (info);
  details->algorithms = g_new0 (int, details->n_algorithms + 1);
  for (gsize i = 0; i < details->n_algorithms; i++)
    details->algorithms[i] = fido_cbor_info_algorithm_cose (info, i);
  details->has_pin = fido_dev_has_pin (device->dev);
  details->pin_retries = -1;
  if (fido_dev_supports_pin (device->dev))
    {
      int retries = -1;

      if (fido_dev_get_retry_count (device->dev, &retries) == FIDO_OK)
        details->pin_retries = retries;
    }
  return details;
}

SesameSecurityKeyDetails *
sesame_security_key_get_details (const char    *path,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  g_autoptr(Device) device = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  device = device_open (path, 0, cancellable, error);
  if (device == NULL)
    return NULL;
  return read_details (device, error);
}

/* The ceremonies */

static gboolean
invalid (GError    **error,
         const char *message)
{
  g_set_error_literal (error, SESAME_SECURITY_KEY_ERROR,
                       SESAME_SECURITY_KEY_ERROR_INVALID_ARGUMENT, message);
  return FALSE;
}

static gboolean
check_request (const SesameSecurityKeyRequest *request,
               gboolean                        create,
               GError                        **error)
{
  if (request == NULL)
    return invalid (error, "No request was given");
  if (request->client_data_hash == NULL || g_bytes_get_size (request->client_data_hash) != 32)
    return invalid (error, "The client data hash must be 32 bytes (SHA-256)");
  if (request->rp_id == NULL || *request->rp_id == '\0')
    return invalid (error, "The RP ID is missing");
  if (create)
    {
      if (request->user_handle == NULL || g_bytes_get_size (request->user_handle) == 0 ||
          g_bytes_get_size (request->user_handle) > 64)
        return invalid (error, "The user handle must be 1 to 64 bytes");
      if (request->user_name == NULL)
        return invalid (error, "The user name is missing");
      if (request->algorithms == NULL || request->n_algorithms == 0)
        return invalid (error, "The list of acceptable algorithms is empty");
    }
  for (guint i = 0; request->exclude_list != NULL && i < request->exclude_list->len; i++)
    {
      GBytes *id = g_ptr_array_index (request->exclude_list, i);

      if (id == NULL || g_bytes_get_size (id) == 0 || g_bytes_get_size (id) > SESAME_CREDENTIAL_ID_MAX_LEN)
        return invalid (error, "A credential id must be 1 to 1023 bytes");
    }
  if (request->pin != NULL && (*request->pin == '\0' || !g_utf8_validate (request->pin, -1, NULL)))
    return invalid (error, "The PIN must be non-empty UTF-8");
  return TRUE;
}

/* Whether to send the PIN, and whether one is missing; see the top. */
static gboolean
prepare_user_verification (Device                         *device,
                           const SesameSecurityKeyRequest *request,
                           gboolean                        create,
                           const char                    **pin,
                           int                            *pin_retries,
                           GError                        **error)
{
  gboolean has_pin = fido_dev_has_pin (device->dev);
  gboolean wants_uv = request->user_verification != SESAME_SECURITY_KEY_UV_DISCOURAGED;
  int retries = -1;

  *pin = NULL;

  if (!has_pin)
    {
      if (request->user_verification == SESAME_SECURITY_KEY_UV_REQUIRED)
        {
          if (fido_dev_supports_pin (device->dev))
            g_set_error_literal (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_PIN_NOT_SET,
                                 "The site requires user verification: set a PIN on the security key first");
          else
            g_set_error_literal (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_UV_UNAVAILABLE,
                                 "The site requires user verification, which this security key cannot do");
          return FALSE;
        }
      if (request->pin != NULL)
        return invalid (error, "A PIN was given, but the security key has none");
      return TRUE;
    }

  if (!create && !wants_uv)
    return TRUE;

  if (fido_dev_get_retry_count (device->dev, &retries) != FIDO_OK)
    retries = -1;
  if (pin_retries != NULL)
    *pin_retries = retries;
  if (retries == 0)
    {
      set_fido_error (device, FIDO_ERR_PIN_BLOCKED, NULL, error);
      return FALSE;
    }
  if (request->pin == NULL)
    {
      set_fido_error (device, FIDO_ERR_PIN_REQUIRED, NULL, error);
      return FALSE;
    }
  *pin = request->pin;
  return TRUE;
}

/* After a PIN error: how many attempts the key has left. */
static void
report_retries (Device *device,
                GError *error,
                int    *pin_retries)
{
  int retries = -1;

  if (pin_retries == NULL || error == NULL || error->domain != SESAME_SECURITY_KEY_ERROR)
    return;
  if (error->code != SESAME_SECURITY_KEY_ERROR_PIN_INVALID &&
      error->code != SESAME_SECURITY_KEY_ERROR_PIN_AUTH_BLOCKED &&
      error->code != SESAME_SECURITY_KEY_ERROR_PIN_BLOCKED)
    return;
  if (error->code == SESAME_SECURITY_KEY_ERROR_PIN_BLOCKED)
    retries = 0;
  else if (fido_dev_get_retry_count (device->dev, &retries) != FIDO_OK)
    retries = -1;
  *pin_retries = retries;
}

/* A ceremony the key refused: its error, and after a PIN error how many
 * attempts are left. */
static void
ceremony_failed (Device     *device,
                 int         status,
                 const char *what,
                 int        *pin_retries,
                 GError    **error)
{
  g_autoptr(GError) local_error = NULL;

  set_fido_error (device, status, what, &local_error);
  report_retries (device, local_error, pin_retries);
  g_propagate_error (error, g_steal_pointer (&local_error));
}

static int
choose_algorithm (Device                         *device,
                  const SesameSecurityKeyRequest *request,
                  GError                        **error)
{
  g_autoptr(SesameSecurityKeyDetails) details = read_details (device, error);

  if (details == NULL)
    return 0;
  for (gsize i = 0; i < request->n_algorithms; i++)
    {
      int alg = request->algorithms[i];

      if (alg != COSE_ES256 && alg != COSE_EDDSA && alg != COSE_RS256 && alg != COSE_ES384)
        continue;
      /* a key that lists no algorithms (CTAP 2.0) makes ES256 */
      if (details->n_algorithms == 0 && alg == COSE_ES256)
        return alg;
      for (gsize j = 0; j < details->n_algorithms; j++)
        if (details->algorithms[j] == alg)
          return alg;
    }
  set_fido_error (device, FIDO_ERR_UNSUPPORTED_ALGORITHM, NULL, error);
  return 0;
}

static void
map_put (cbor_item_t *map,
         const char  *key,
         cbor_item_t *value)
{
  if (!cbor_map_add (map, (struct cbor_pair) { .key = cbor_move (cbor_build_string (key)),
                                               .value = cbor_move (value) }))
    g_error ("libcbor could not grow a map");
}

/* What src/core found wrong with a key's answer, as this module's error:
 * the caller learns that the key failed, and why. */
static void
key_sent_malformed (GError    **error,
                    GError     *core_error,
                    const char *what)
{
  g_set_error (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_FAILED,
               "The security key sent malformed %s: %s", what, core_error->message);
  g_error_free (core_error);
}

/* {fmt, attStmt, authData}, from what libfido2 read. */
static GBytes *
build_attestation_object (const char   *fmt,
                          const guint8 *att_stmt,
                          gsize         att_stmt_len,
                          GBytes       *auth_data,
                          GError      **error)
{
  g_autoptr(cbor_item_t) statement = NULL;
  g_autoptr(cbor_item_t) object = cbor_new_definite_map (3);
  GError *local_error = NULL;
  guint8 *buffer = NULL;
  gsize size = 0, len;
  GBytes *bytes;

  if (att_stmt != NULL && att_stmt_len > 0)
    statement = sesame_cbor_load (att_stmt, att_stmt_len, NULL, "The attestation statement",
                                  &local_error);
  else
    statement = cbor_new_definite_map (0);
  if (statement == NULL)
    {
      key_sent_malformed (error, local_error, "an attestation statement");
      return NULL;
    }

  map_put (object, "fmt", cbor_build_string (fmt));
  map_put (object, "attStmt", cbor_incref (statement));
  map_put (object, "authData", cbor_build_bytestring (g_bytes_get_data (auth_data, NULL),
                                                      g_bytes_get_size (auth_data)));
  len = cbor_serialize_alloc (object, &buffer, &size);
  if (len == 0)
    g_error ("libcbor could not serialize an attestation object");
  bytes = g_bytes_new (buffer, len);
  free (buffer);
  return bytes;
}

static GBytes *
spki_from_auth_data (GBytes  *auth_data,
                     GError **error)
{
  g_autoptr(SesameAuthenticatorData) parsed = NULL;
  GError *local_error = NULL;
  EVP_PKEY *pkey;
  guint8 *der = NULL;
  int len;
  GBytes *spki;

  parsed = sesame_authenticator_data_parse (g_bytes_get_data (auth_data, NULL),
                                            g_bytes_get_size (auth_data), &local_error);
  if (parsed == NULL)
    {
      key_sent_malformed (error, local_error, "authenticator data");
      return NULL;
    }
  if (!parsed->has_attested_data || parsed->public_key == NULL)
    {
      g_set_error_literal (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_FAILED,
                           "The security key's authenticator data has no credential key");
      return NULL;
    }
  pkey = sesame_cose_key_get_pkey (parsed->public_key);
  len = pkey != NULL ? i2d_PUBKEY (pkey, &der) : -1;
  if (len <= 0)
    {
      g_set_error_literal (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_FAILED,
                           "The credential key cannot be written as SubjectPublicKeyInfo");
      return NULL;
    }
  spki = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  return spki;
}

static gboolean
flag_set (GBytes *auth_data,
          guint8  flag)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (auth_data, &len);

  return len > 32 && (data[32] & flag) != 0;
}

SesameSoftAttestationResult *
sesame_security_key_make_credential (const char                     *path,
                                     const SesameSecurityKeyRequest *request,
                                     GCancellable                   *cancellable,
                                     int                            *pin_retries,
                                     GError                        **error)
{
  g_autoptr(SesameSoftAttestationResult) result = NULL;
  g_autoptr(fido_cred_t) cred = NULL;
  g_autoptr(Device) device = NULL;
  const char *pin = NULL;
  int status, alg;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (pin_retries != NULL)
    *pin_retries = -1;
  if (!check_request (request, TRUE, error))
    return NULL;

  device = device_open (path, request->timeout_ms, cancellable, error);
  if (device == NULL)
    return NULL;
  if (!prepare_user_verification (device, request, TRUE, &pin, pin_retries, error))
    return NULL;
  alg = choose_algorithm (device, request, error);
  if (alg == 0)
    return NULL;

  cred = fido_cred_new ();
  if (cred == NULL ||
      fido_cred_set_type (cred, alg) != FIDO_OK ||
      fido_cred_set_clientdata_hash (cred, g_bytes_get_data (request->client_data_hash, NULL), 32) != FIDO_OK ||
      fido_cred_set_rp (cred, request->rp_id, request->rp_name) != FIDO_OK ||
      fido_cred_set_user (cred, g_bytes_get_data (request->user_handle, NULL),
                          g_bytes_get_size (request->user_handle), request->user_name,
                          request->user_display_name, NULL) != FIDO_OK ||
      fido_cred_set_rk (cred, request->resident_key ? FIDO_OPT_TRUE : FIDO_OPT_OMIT) != FIDO_OK)
    {
      invalid (error, "libfido2 refused the request's parameters");
      return NULL;
    }
  for (guint i = 0; request->exclude_list != NULL && i < request->exclude_list->len; i++)
    {
      GBytes *id = g_ptr_array_index (request->exclude_list, i);

      if (fido_cred_exclude (cred, g_bytes_get_data (id, NULL), g_bytes_get_size (id)) != FIDO_OK)
        {
          invalid (error, "libfido2 refused the exclude list");
          return NULL;
        }
    }

  if (check_cancelled (cancellable, error))
    return NULL;
  status = fido_dev_make_cred (device->dev, cred, pin);
  if (status != FIDO_OK)
    {
      ceremony_failed (device, status, "authenticatorMakeCredential failed", pin_retries, error);
      return NULL;
    }

  result = g_new0 (SesameSoftAttestationResult, 1);
  result->credential_id = g_bytes_new (fido_cred_id_ptr (cred), fido_cred_id_len (cred));
  result->authenticator_data = g_bytes_new (fido_cred_authdata_raw_ptr (cred),
                                            fido_cred_authdata_raw_len (cred));
  result->algorithm = fido_cred_type (cred);
  result->user_verified = flag_set (result->authenticator_data, SESAME_AUTH_DATA_FLAG_UV);
  result->attestation_object = build_attestation_object (fido_cred_fmt (cred) != NULL ? fido_cred_fmt (cred) : "none",
                                                         fido_cred_attstmt_ptr (cred),
                                                         fido_cred_attstmt_len (cred),
                                                         result->authenticator_data, error);
  if (result->attestation_object == NULL)
    return NULL;
  result->public_key_der = spki_from_auth_data (result->authenticator_data, error);
  if (result->public_key_der == NULL)
    return NULL;
  return g_steal_pointer (&result);
}

/* fido_assert_authdata_ptr is the CBOR byte string the key sent;
 * libfido2 1.12 has no getter for the bytes inside. */
static GBytes *
unwrap_auth_data (const guint8 *data,
                  gsize         len,
                  GError      **error)
{
  GError *local_error = NULL;
  g_autoptr(cbor_item_t) item = sesame_cbor_load (data, len, NULL, "The authenticator data",
                                                  &local_error);

  if (item == NULL)
    {
      key_sent_malformed (error, local_error, "authenticator data");
      return NULL;
    }
  if (!sesame_cbor_is_bytes (item))
    {
      g_set_error_literal (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_FAILED,
                           "The security key's authenticator data is not a byte string");
      return NULL;
    }
  return sesame_cbor_dup_bytes (item);
}

SesameSoftAssertionResult *
sesame_security_key_get_assertion (const char                     *path,
                                   const SesameSecurityKeyRequest *request,
                                   GCancellable                   *cancellable,
                                   int                            *pin_retries,
                                   GError                        **error)
{
  g_autoptr(SesameSoftAssertionResult) result = NULL;
  g_autoptr(fido_assert_t) assertion = NULL;
  g_autoptr(Device) device = NULL;
  const char *pin = NULL;
  int status;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (pin_retries != NULL)
    *pin_retries = -1;
  if (!check_request (request, FALSE, error))
    return NULL;

  device = device_open (path, request->timeout_ms, cancellable, error);
  if (device == NULL)
    return NULL;
  if (!prepare_user_verification (device, request, FALSE, &pin, pin_retries, error))
    return NULL;

  assertion = fido_assert_new ();
  if (assertion == NULL ||
      fido_assert_set_clientdata_hash (assertion, g_bytes_get_data (request->client_data_hash, NULL), 32) != FIDO_OK ||
      fido_assert_set_rp (assertion, request->rp_id) != FIDO_OK ||
      fido_assert_set_up (assertion, FIDO_OPT_TRUE) != FIDO_OK)
    {
      invalid (error, "libfido2 refused the request's parameters");
      return NULL;
    }
  for (guint i = 0; request->exclude_list != NULL && i < request->exclude_list->len; i++)
    {
      GBytes *id = g_ptr_array_index (request->exclude_list, i);

      if (fido_assert_allow_cred (assertion, g_bytes_get_data (id, NULL), g_bytes_get_size (id)) != FIDO_OK)
        {
          invalid (error, "libfido2 refused the allow list");
          return NULL;
        }
    }

  if (check_cancelled (cancellable, error))
    return NULL;
  status = fido_dev_get_assert (device->dev, assertion, pin);
  if (status != FIDO_OK)
    {
      ceremony_failed (device, status, "authenticatorGetAssertion failed", pin_retries, error);
      return NULL;
    }
  if (fido_assert_count (assertion) == 0)
    {
      set_fido_error (device, FIDO_ERR_NO_CREDENTIALS, NULL, error);
      return NULL;
    }

  /* the key answers its newest first */
  result = g_new0 (SesameSoftAssertionResult, 1);
  result->credential_id = g_bytes_new (fido_assert_id_ptr (assertion, 0), fido_assert_id_len (assertion, 0));
  result->authenticator_data = unwrap_auth_data (fido_assert_authdata_ptr (assertion, 0),
                                                 fido_assert_authdata_len (assertion, 0), error);
  if (result->authenticator_data == NULL)
    return NULL;
  result->signature = g_bytes_new (fido_assert_sig_ptr (assertion, 0), fido_assert_sig_len (assertion, 0));
  if (fido_assert_user_id_len (assertion, 0) > 0)
    result->user_handle = g_bytes_new (fido_assert_user_id_ptr (assertion, 0),
                                       fido_assert_user_id_len (assertion, 0));
  result->user_verified = flag_set (result->authenticator_data, SESAME_AUTH_DATA_FLAG_UV);
  return g_steal_pointer (&result);
}

gboolean
sesame_security_key_set_pin (const char    *path,
                             const char    *pin,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_autoptr(Device) device = NULL;
  int status;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (pin == NULL || !g_utf8_validate (pin, -1, NULL) ||
      g_utf8_strlen (pin, -1) < 4 || strlen (pin) > 63)
    {
      set_fido_error (NULL, FIDO_ERR_PIN_POLICY_VIOLATION, NULL, error);
      return FALSE;
    }

  device = device_open (path, 0, cancellable, error);
  if (device == NULL)
    return FALSE;
  if (fido_dev_has_pin (device->dev))
    {
      g_set_error_literal (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_INVALID_ARGUMENT,
                           "The security key already has a PIN");
      return FALSE;
    }
  status = fido_dev_set_pin (device->dev, pin, NULL);
  if (status != FIDO_OK)
    {
      set_fido_error (device, status, "Setting the PIN failed", error);
      return FALSE;
    }
  return TRUE;
}

char *
sesame_security_key_select (GPtrArray     *paths,
                            int            timeout_ms,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func ((GDestroyNotify) device_close);
  gint64 deadline = timeout_ms > 0 ? g_get_monotonic_time () + (gint64) timeout_ms * 1000 : 0;
  char *chosen = NULL;

  g_return_val_if_fail (paths != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (paths->len == 1)
    return g_strdup (g_ptr_array_index (paths, 0));

  for (guint i = 0; i < paths->len; i++)
    {
      g_autoptr(GError) local_error = NULL;
      Device *device = device_open (g_ptr_array_index (paths, i), 0, cancellable, &local_error);

      if (device == NULL)
        {
          if (g_error_matches (local_error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          /* one key that cannot be opened does not stop the others */
          g_debug ("Not offering %s: %s", (char *) g_ptr_array_index (paths, i), local_error->message);
          continue;
        }
      if (fido_dev_get_touch_begin (device->dev) != FIDO_OK)
        {
          device_close (device);
          continue;
        }
      g_ptr_array_add (devices, device);
    }

  if (devices->len == 0)
    {
      g_set_error_literal (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_NOT_FOUND,
                           "None of the security keys can be used");
      return NULL;
    }

  while (chosen == NULL)
    {
      if (check_cancelled (cancellable, error))
        break;
      if (deadline != 0 && g_get_monotonic_time () >= deadline)
        {
          set_fido_error (NULL, FIDO_ERR_USER_ACTION_TIMEOUT, NULL, error);
          break;
        }
      for (guint i = 0; i < devices->len && chosen == NULL; i++)
        {
          Device *device = g_ptr_array_index (devices, i);
          int touched = 0;

          if (fido_dev_get_touch_status (device->dev, &touched, SELECT_POLL_MS) != FIDO_OK)
            {
              /* this key failed (or was pulled out): go on with the others */
              g_ptr_array_remove_index (devices, i--);
              continue;
            }
          if (touched)
            chosen = g_strdup (device->path);
        }
      if (chosen == NULL && devices->len == 0)
        {
          g_set_error_literal (error, SESAME_SECURITY_KEY_ERROR, SESAME_SECURITY_KEY_ERROR_REMOVED,
                               "The security keys were removed");
          break;
        }
    }

  /* the others stop waiting for their touch */
  for (guint i = 0; i < devices->len; i++)
    {
      Device *device = g_ptr_array_index (devices, i);

      if (chosen == NULL || !g_str_equal (device->path, chosen))
        fido_dev_cancel (device->dev);
    }
  return chosen;
}

/* Async forms */

typedef struct
{
  char                      *path;
  SesameSecurityKeyOperation operation;
  SesameSecurityKeyRequest   request;
  char                      *pin;
  GPtrArray                 *paths;
  int                        pin_retries;
} TaskData;

static void
task_data_free (TaskData *data)
{
  g_free (data->path);
  g_clear_pointer (&data->request.client_data_hash, g_bytes_unref);
  g_free ((char *) data->request.rp_id);
  g_free ((char *) data->request.rp_name);
  g_clear_pointer (&data->request.user_handle, g_bytes_unref);
  g_free ((char *) data->request.user_name);
  g_free ((char *) data->request.user_display_name);
  g_free ((int *) data->request.algorithms);
  g_clear_pointer (&data->request.exclude_list, g_ptr_array_unref);
  if (data->pin != NULL)
    {
      /* the PIN does not linger in freed memory */
      memset (data->pin, 0, strlen (data->pin));
      g_free (data->pin);
    }
  if (data->request.pin != NULL)
    {
      memset ((char *) data->request.pin, 0, strlen (data->request.pin));
      g_free ((char *) data->request.pin);
    }
  g_clear_pointer (&data->paths, g_ptr_array_unref);
  g_free (data);
}

static void
copy_request (SesameSecurityKeyRequest       *copy,
              const SesameSecurityKeyRequest *request)
{
  *copy = *request;
  copy->client_data_hash = request->client_data_hash ? g_bytes_ref (request->client_data_hash) : NULL;
  copy->rp_id = g_strdup (request->rp_id);
  copy->rp_name = g_strdup (request->rp_name);
  copy->user_handle = request->user_handle ? g_bytes_ref (request->user_handle) : NULL;
  copy->user_name = g_strdup (request->user_name);
  copy->user_display_name = g_strdup (request->user_display_name);
  copy->pin = g_strdup (request->pin);
  copy->algorithms = request->algorithms ? g_memdup2 (request->algorithms, request->n_algorithms * sizeof (int)) : NULL;
  copy->exclude_list = NULL;
  if (request->exclude_list != NULL)
    {
      copy->exclude_list = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      for (guint i = 0; i < request->exclude_list->len; i++)
        g_ptr_array_add (copy->exclude_list, g_bytes_ref (g_ptr_array_index (request->exclude_list, i)));
    }
}

static void
run_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  TaskData *data = task_data;
  GError *error = NULL;
  gpointer result;

  if (data->operation == SESAME_SECURITY_KEY_MAKE_CREDENTIAL)
    {
      result = sesame_security_key_make_credential (data->path, &data->request, cancellable,
                                                    &data->pin_retries, &error);
      if (result != NULL)
        g_task_return_pointer (task, result, (GDestroyNotify) sesame_soft_attestation_result_free);
    }
  else
    {
      result = sesame_security_key_get_assertion (data->path, &data->request, cancellable,
                                                  &data->pin_retries, &error);
      if (result != NULL)
        g_task_return_pointer (task, result, (GDestroyNotify) sesame_soft_assertion_result_free);
    }
  if (result == NULL)
    g_task_return_error (task, error);
}

void
sesame_security_key_run_async (const char                     *path,
                               SesameSecurityKeyOperation      operation,
                               const SesameSecurityKeyRequest *request,
                               GCancellable                   *cancellable,
                               GAsyncReadyCallback             callback,
                               gpointer                        user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  TaskData *data = g_new0 (TaskData, 1);

  g_return_if_fail (path != NULL && request != NULL);

  data->path = g_strdup (path);
  data->operation = operation;
  data->pin_retries = -1;
  copy_request (&data->request, request);
  g_task_set_source_tag (task, sesame_security_key_run_async);
  g_task_set_task_data (task, data, (GDestroyNotify) task_data_free);
  /* our own CANCELLED error says it, after the key was told */
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, run_thread);
}

gpointer
sesame_security_key_run_finish (GAsyncResult  *result,
                                int           *pin_retries,
                                GError       **error)
{
  TaskData *data;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  data = g_task_get_task_data (G_TASK (result));
  if (pin_retries != NULL)
    *pin_retries = data->pin_retries;
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
set_pin_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  TaskData *data = task_data;
  GError *error = NULL;

  if (sesame_security_key_set_pin (data->path, data->pin, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
sesame_security_key_set_pin_async (const char          *path,
                                   const char          *pin,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  TaskData *data = g_new0 (TaskData, 1);

  data->path = g_strdup (path);
  data->pin = g_strdup (pin);
  g_task_set_source_tag (task, sesame_security_key_set_pin_async);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, data, (GDestroyNotify) task_data_free);
  g_task_run_in_thread (task, set_pin_thread);
}

gboolean
sesame_security_key_set_pin_finish (GAsyncResult  *result,
                                    GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
select_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  TaskData *data = task_data;
  GError *error = NULL;
  char *path = sesame_security_key_select (data->paths, data->request.timeout_ms, cancellable, &error);

  if (path != NULL)
    g_task_return_pointer (task, path, g_free);
  else
    g_task_return_error (task, error);
}

void
sesame_security_key_select_async (GPtrArray           *paths,
                                  int                  timeout_ms,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  TaskData *data = g_new0 (TaskData, 1);

  data->paths = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < paths->len; i++)
    g_ptr_array_add (data->paths, g_strdup (g_ptr_array_index (paths, i)));
  data->request.timeout_ms = timeout_ms;
  g_task_set_source_tag (task, sesame_security_key_select_async);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, data, (GDestroyNotify) task_data_free);
  g_task_run_in_thread (task, select_thread);
}

char *
sesame_security_key_select_finish (GAsyncResult  *result,
                                   GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
list_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_task_return_pointer (task, sesame_security_key_list (), (GDestroyNotify) g_ptr_array_unref);
}

void
sesame_security_key_list_async (GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, sesame_security_key_list_async);
  g_task_run_in_thread (task, list_thread);
}

GPtrArray *
sesame_security_key_list_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
details_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  TaskData *data = task_data;
  GError *error = NULL;
  SesameSecurityKeyDetails *details = sesame_security_key_get_details (data->path, cancellable, &error);

  if (details != NULL)
    g_task_return_pointer (task, details, (GDestroyNotify) sesame_security_key_details_free);
  else
    g_task_return_error (task, error);
}

void
sesame_security_key_get_details_async (const char          *path,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  TaskData *data = g_new0 (TaskData, 1);

  data->path = g_strdup (path);
  g_task_set_source_tag (task, sesame_security_key_get_details_async);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, data, (GDestroyNotify) task_data_free);
  g_task_run_in_thread (task, details_thread);
}

SesameSecurityKeyDetails *
sesame_security_key_get_details_finish (GAsyncResult  *result,
                                        GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
