/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-soft-authenticator.h"
#include "sesame-soft-encoding.h"
#include "sesame-soft-key.h"
#include "sesame-soft-store.h"

#include "sesame-authenticator-data.h"
#include "sesame-cose-key.h"
#include "sesame-openssl.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

/*
 * Decisions a real authenticator makes too, written down once:
 *
 * - AAGUID f3bf4f4a-915b-4dbe-bbeb-f83687645ead: drawn at random once for
 *   Sesame and fixed, so an RP can tell the built-in authenticator apart
 *   (it is not in the FIDO metadata service; the attestation is self or
 *   none, so nothing is vouched for).
 * - The sign counter is per credential, starting at 0 and incremented by
 *   one per assertion. A global counter would let two RPs correlate the
 *   same device by comparing counters; per credential is what WebAuthn
 *   recommends and still lets an RP notice a cloned key.
 * - Every credential is discoverable (resident_key is only recorded); a
 *   new one for an RP ID and user handle already held replaces the old
 *   one, as CTAP2 requires.
 * - User presence is claimed: the authenticator is only called after
 *   the user confirmed the prompt. Only a test leaves it out
 *   (set_user_presence), to see a relying party refuse that.
 * - User verification is the PIN. A PIN is checked whenever one is set
 *   and the request asks for UV or carries a PIN; only a correct PIN sets
 *   the UV flag. With UV asked for and no PIN set, the ceremony goes on
 *   without UV, as a security key without a PIN would do for "preferred",
 *   and an RP that requires UV refuses it. A PIN given when none is set is
 *   a caller bug (INVALID_ARGUMENT).
 * - Eight wrong PINs in a row block UV. The wrong PIN that uses up the
 *   last attempt already answers PIN_BLOCKED, so the prompt never shows
 *   "0 attempts left". Only setting a new PIN unblocks it. A correct PIN
 *   restores the eight attempts. The counter lives in the file, so
 *   reopening does not reset it.
 * - The exclude list is looked at before the PIN, so a device that holds
 *   an excluded credential does not cost the user a PIN attempt.
 * - The PIN is stored as PBKDF2-HMAC-SHA256 over a random salt. It does not
 *   encrypt the private keys: the file's mode is what protects them, as
 *   for any software authenticator; the slow hash protects the PIN itself,
 *   which users reuse.
 */

#define PIN_MIN_LEN 4
#define PIN_MAX_LEN 63
#define PIN_MAX_RETRIES 8
#define PIN_SALT_LEN 16
#define PIN_HASH_LEN 32
/* Slow enough to make guessing a stolen verifier costly, fast enough
 * (tens of milliseconds) to run on the UI thread once per ceremony. */
#define PIN_ITERATIONS 100000

#define CLIENT_DATA_HASH_LEN 32
#define USER_HANDLE_MAX_LEN 64
#define CREDENTIAL_ID_LEN 32

static const guint8 sesame_aaguid[16] = {
  0xf3, 0xbf, 0x4f, 0x4a, 0x91, 0x5b, 0x4d, 0xbe,
  0xbb, 0xeb, 0xf8, 0x36, 0x87, 0x64, 0x5e, 0xad,
};

struct _SesameSoftAuthenticator
{
  GObject          parent_instance;

  char            *path;
  SesameSoftStore *store;
  gboolean         backup_eligible;
  gboolean         backup_state;
  gboolean         counter_off;     /* report 0 on every use, as synced passkeys do */
  gboolean         presence_off;    /* leave UP out (a test's setting) */
  SesameSoftUserVerification user_verification;
  guint8           aaguid[16];
};

G_DEFINE_FINAL_TYPE (SesameSoftAuthenticator, sesame_soft_authenticator, G_TYPE_OBJECT)

enum {
  CREDENTIALS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_QUARK (sesame-authenticator-error-quark, sesame_authenticator_error)

SesameSoftCredential *
sesame_soft_credential_copy (const SesameSoftCredential *credential)
{
  SesameSoftCredential *copy;

  g_return_val_if_fail (credential != NULL, NULL);

  copy = g_new0 (SesameSoftCredential, 1);
  copy->credential_id = credential->credential_id ? g_bytes_ref (credential->credential_id) : NULL;
  copy->rp_id = g_strdup (credential->rp_id);
  copy->user_name = g_strdup (credential->user_name);
  copy->user_display_name = g_strdup (credential->user_display_name);
  copy->user_handle = credential->user_handle ? g_bytes_ref (credential->user_handle) : NULL;
  copy->algorithm = credential->algorithm;
  copy->sign_count = credential->sign_count;
  copy->created = credential->created;
  copy->last_used = credential->last_used;
  return copy;
}

void
sesame_soft_credential_free (SesameSoftCredential *credential)
{
  if (credential == NULL)
    return;
  g_clear_pointer (&credential->credential_id, g_bytes_unref);
  g_clear_pointer (&credential->user_handle, g_bytes_unref);
  g_free (credential->rp_id);
  g_free (credential->user_name);
  g_free (credential->user_display_name);
  g_free (credential);
}

void
sesame_soft_attestation_result_free (SesameSoftAttestationResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->credential_id, g_bytes_unref);
  g_clear_pointer (&result->authenticator_data, g_bytes_unref);
  g_clear_pointer (&result->attestation_object, g_bytes_unref);
  g_clear_pointer (&result->public_key_der, g_bytes_unref);
  g_free (result);
}

void
sesame_soft_assertion_result_free (SesameSoftAssertionResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->credential_id, g_bytes_unref);
  g_clear_pointer (&result->authenticator_data, g_bytes_unref);
  g_clear_pointer (&result->signature, g_bytes_unref);
  g_clear_pointer (&result->user_handle, g_bytes_unref);
  g_free (result);
}

static void
sesame_soft_authenticator_finalize (GObject *object)
{
  SesameSoftAuthenticator *self = SESAME_SOFT_AUTHENTICATOR (object);

  g_clear_pointer (&self->store, sesame_soft_store_free);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (sesame_soft_authenticator_parent_class)->finalize (object);
}

static void
sesame_soft_authenticator_class_init (SesameSoftAuthenticatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sesame_soft_authenticator_finalize;

  signals[CREDENTIALS_CHANGED] =
    g_signal_new ("credentials-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
sesame_soft_authenticator_init (SesameSoftAuthenticator *self)
{
  memcpy (self->aaguid, sesame_aaguid, sizeof self->aaguid);
}

SesameSoftAuthenticator *
sesame_soft_authenticator_new (const char *path,
                               GError    **error)
{
  SesameSoftAuthenticator *self;
  SesameSoftStore *store;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (path == NULL || *path == '\0')
    {
      g_set_error_literal (error, SESAME_AUTHENTICATOR_ERROR,
                           SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT,
                           "No path was given for the credential file");
      return NULL;
    }

  store = sesame_soft_store_open (path, error);
  if (store == NULL)
    return NULL;

  self = g_object_new (SESAME_TYPE_SOFT_AUTHENTICATOR, NULL);
  self->path = g_strdup (path);
  self->store = store;
  return self;
}

const char *
sesame_soft_authenticator_get_path (SesameSoftAuthenticator *self)
{
  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self), NULL);

  return self->path;
}

const guint8 *
sesame_soft_authenticator_get_aaguid (SesameSoftAuthenticator *self)
{
  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self), NULL);

  return self->aaguid;
}

void
sesame_soft_authenticator_set_aaguid (SesameSoftAuthenticator *self,
                                      const guint8             aaguid[16])
{
  g_return_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self));
  g_return_if_fail (aaguid != NULL);

  memcpy (self->aaguid, aaguid, sizeof self->aaguid);
}

void
sesame_soft_authenticator_set_backup_flags (SesameSoftAuthenticator *self,
                                            gboolean                 eligible,
                                            gboolean                 state)
{
  g_return_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self));
  /* WebAuthn §6.1.3: a credential that cannot be backed up is never
   * backed up (BS without BE is invalid authenticator data). */
  g_return_if_fail (eligible || !state);

  self->backup_eligible = !!eligible;
  self->backup_state = !!state;
}

void
sesame_soft_authenticator_set_sign_counter (SesameSoftAuthenticator *self,
                                            gboolean                 increments)
{
  g_return_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self));
  self->counter_off = !increments;
}

gboolean
sesame_soft_authenticator_get_sign_counter (SesameSoftAuthenticator *self)
{
  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self), TRUE);
  return !self->counter_off;
}

void
sesame_soft_authenticator_set_user_verification (SesameSoftAuthenticator    *self,
                                                 SesameSoftUserVerification  mode)
{
  g_return_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self));
  g_return_if_fail (mode == SESAME_SOFT_USER_VERIFICATION_PIN ||
                    mode == SESAME_SOFT_USER_VERIFICATION_ALWAYS ||
                    mode == SESAME_SOFT_USER_VERIFICATION_NEVER);
  self->user_verification = mode;
}

SesameSoftUserVerification
sesame_soft_authenticator_get_user_verification (SesameSoftAuthenticator *self)
{
  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self), SESAME_SOFT_USER_VERIFICATION_PIN);
  return self->user_verification;
}

void
sesame_soft_authenticator_set_user_presence (SesameSoftAuthenticator *self,
                                             gboolean                 present)
{
  g_return_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self));
  self->presence_off = !present;
}

gboolean
sesame_soft_authenticator_get_user_presence (SesameSoftAuthenticator *self)
{
  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self), TRUE);
  return !self->presence_off;
}

static gboolean invalid (GError **error, const char *message);

/* PIN */

static gboolean
pin_hash (const char   *pin,
          GBytes       *salt,
          int           iterations,
          guint8        out[PIN_HASH_LEN],
          GError      **error)
{
  if (PKCS5_PBKDF2_HMAC (pin, (int) strlen (pin),
                         g_bytes_get_data (salt, NULL), (int) g_bytes_get_size (salt),
                         iterations, EVP_sha256 (), PIN_HASH_LEN, out) != 1)
    {
      g_set_error_literal (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE,
                           "Could not derive the PIN's hash");
      return FALSE;
    }
  return TRUE;
}

gboolean
sesame_soft_authenticator_set_pin (SesameSoftAuthenticator *self,
                                   const char              *pin,
                                   GError                 **error)
{
  g_auto(SesameSoftPinRecord) record = { 0 };
  guint8 salt[PIN_SALT_LEN];
  guint8 hash[PIN_HASH_LEN];
  gsize len;

  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (pin == NULL || *pin == '\0')
    return sesame_soft_store_set_pin (self->store, NULL, error);

  len = strlen (pin);
  if (!g_utf8_validate (pin, len, NULL))
    {
      g_set_error_literal (error, SESAME_AUTHENTICATOR_ERROR,
                           SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT,
                           "The PIN is not valid UTF-8");
      return FALSE;
    }
  if (len < PIN_MIN_LEN || len > PIN_MAX_LEN)
    {
      g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_POLICY,
                   "A PIN must be %d to %d bytes long", PIN_MIN_LEN, PIN_MAX_LEN);
      return FALSE;
    }

  if (RAND_bytes (salt, sizeof salt) != 1)
    {
      g_set_error_literal (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE,
                           "No random bytes for the PIN's salt");
      return FALSE;
    }
  record.salt = g_bytes_new (salt, sizeof salt);
  if (!pin_hash (pin, record.salt, PIN_ITERATIONS, hash, error))
    return FALSE;
  record.hash = g_bytes_new (hash, sizeof hash);
  record.iterations = PIN_ITERATIONS;
  record.retries = PIN_MAX_RETRIES;
  OPENSSL_cleanse (hash, sizeof hash);

  return sesame_soft_store_set_pin (self->store, &record, error);
}

gboolean
sesame_soft_authenticator_has_pin (SesameSoftAuthenticator *self)
{
  g_auto(SesameSoftPinRecord) record = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean has_pin = FALSE;

  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self), FALSE);

  if (!sesame_soft_store_get_pin (self->store, &has_pin, &record, &error))
    {
      g_warning ("%s", error->message);
      return FALSE;
    }
  return has_pin;
}

/* The attempts left; PIN_MAX_RETRIES while no PIN is set, as nothing was
 * used up. */
int
sesame_soft_authenticator_get_pin_retries (SesameSoftAuthenticator *self)
{
  g_auto(SesameSoftPinRecord) record = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean has_pin = FALSE;

  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self), 0);

  if (!sesame_soft_store_get_pin (self->store, &has_pin, &record, &error))
    {
      g_warning ("%s", error->message);
      return 0;
    }
  return has_pin ? record.retries : PIN_MAX_RETRIES;
}

/* User verification, shared by both operations; see the decisions at the
 * top. On success *verified tells whether the UV flag may be set. */
static gboolean
verify_user (SesameSoftAuthenticator *self,
             gboolean                 requested,
             const char              *pin,
             gboolean                 preverified,
             gboolean                *verified,
             GError                 **error)
{
  g_auto(SesameSoftPinRecord) record = { 0 };
  guint8 hash[PIN_HASH_LEN];
  gboolean has_pin = FALSE;
  gboolean match;
  int retries;

  *verified = FALSE;
  /* A device built on this authenticator (the virtual security key) runs
   * CTAP2's PIN protocol itself and only says the outcome. */
  if (preverified)
    {
      if (pin != NULL)
        return invalid (error, "A PIN was given although the user is already verified");
      *verified = TRUE;
      return TRUE;
    }
  /* A test said what to claim: no PIN is involved then. */
  if (self->user_verification != SESAME_SOFT_USER_VERIFICATION_PIN)
    {
      *verified = self->user_verification == SESAME_SOFT_USER_VERIFICATION_ALWAYS;
      return TRUE;
    }
  if (!sesame_soft_store_get_pin (self->store, &has_pin, &record, error))
    return FALSE;

  if (!has_pin)
    {
      if (pin != NULL)
        {
          g_set_error_literal (error, SESAME_AUTHENTICATOR_ERROR,
                               SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT,
                               "A PIN was given, but none is set on this authenticator");
          return FALSE;
        }
      return TRUE;
    }

  if (!requested && pin == NULL)
    return TRUE;

  if (record.retries <= 0)
    {
      g_set_error_literal (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_BLOCKED,
                           "The PIN is blocked after too many wrong attempts; set a new PIN");
      return FALSE;
    }

  if (pin == NULL)
    {
      g_set_error_literal (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_REQUIRED,
                           "User verification needs the authenticator's PIN");
      return FALSE;
    }

  if (!pin_hash (pin, record.salt, record.iterations, hash, error))
    return FALSE;
  match = g_bytes_get_size (record.hash) == PIN_HASH_LEN &&
          CRYPTO_memcmp (hash, g_bytes_get_data (record.hash, NULL), PIN_HASH_LEN) == 0;
  OPENSSL_cleanse (hash, sizeof hash);

  if (match)
    {
      if (record.retries != PIN_MAX_RETRIES &&
          !sesame_soft_store_set_pin_retries (self->store, PIN_MAX_RETRIES, error))
        return FALSE;
      *verified = TRUE;
      return TRUE;
    }

  retries = record.retries - 1;
  if (!sesame_soft_store_set_pin_retries (self->store, retries, error))
    return FALSE;
  if (retries == 0)
    g_set_error_literal (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_BLOCKED,
                         "Wrong PIN; the PIN is now blocked, set a new PIN");
  else
    g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_INVALID,
                 retries == 1 ? "Wrong PIN, %d attempt left" : "Wrong PIN, %d attempts left",
                 retries);
  return FALSE;
}

/* Argument checks */

static gboolean
invalid (GError    **error,
         const char *message)
{
  g_set_error_literal (error, SESAME_AUTHENTICATOR_ERROR,
                       SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT, message);
  return FALSE;
}

static gboolean
check_client_data_hash (GBytes  *hash,
                        GError **error)
{
  if (hash == NULL || g_bytes_get_size (hash) != CLIENT_DATA_HASH_LEN)
    return invalid (error, "The client data hash must be 32 bytes (SHA-256)");
  return TRUE;
}

static gboolean
check_rp_id (const char *rp_id,
             GError    **error)
{
  if (rp_id == NULL || *rp_id == '\0' || !g_utf8_validate (rp_id, -1, NULL))
    return invalid (error, "The RP ID must be a non-empty UTF-8 string");
  return TRUE;
}

static gboolean
check_optional_text (const char *text,
                     const char *what,
                     GError    **error)
{
  if (text != NULL && !g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT,
                   "The %s is not valid UTF-8", what);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_credential_id (GBytes  *id,
                     GError **error)
{
  if (id == NULL || g_bytes_get_size (id) == 0 ||
      g_bytes_get_size (id) > SESAME_CREDENTIAL_ID_MAX_LEN)
    return invalid (error, "A credential id must be 1 to 1023 bytes");
  return TRUE;
}

static gboolean
check_credential_list (GPtrArray *list,
                       GError   **error)
{
  for (guint i = 0; list != NULL && i < list->len; i++)
    if (!check_credential_id (g_ptr_array_index (list, i), error))
      return FALSE;
  return TRUE;
}

static gboolean
check_make_credential (const SesameSoftMakeCredential *request,
                       GError                        **error)
{
  gsize handle_len = request->user_handle ? g_bytes_get_size (request->user_handle) : 0;

  if (!check_client_data_hash (request->client_data_hash, error) ||
      !check_rp_id (request->rp_id, error))
    return FALSE;
  if (handle_len == 0 || handle_len > USER_HANDLE_MAX_LEN)
    return invalid (error, "The user handle must be 1 to 64 bytes");
  if (request->user_name == NULL)
    return invalid (error, "The user name is missing");
  if (!check_optional_text (request->user_name, "user name", error) ||
      !check_optional_text (request->user_display_name, "user display name", error) ||
      !check_optional_text (request->rp_name, "RP name", error) ||
      !check_optional_text (request->pin, "PIN", error))
    return FALSE;
  if (request->algorithms == NULL || request->n_algorithms == 0)
    return invalid (error, "The list of acceptable algorithms is empty");
  if (request->attestation != SESAME_SOFT_ATTESTATION_NONE &&
      request->attestation != SESAME_SOFT_ATTESTATION_PACKED_SELF)
    return invalid (error, "Unknown attestation kind");
  return check_credential_list (request->exclude_list, error);
}

static guint8
backup_flags (gboolean eligible,
              gboolean state)
{
  return (eligible ? SESAME_AUTH_DATA_FLAG_BE : 0) |
         (eligible && state ? SESAME_AUTH_DATA_FLAG_BS : 0);
}

/* The old credential of the same user (if any) goes in the same
 * transaction as the new one comes, so a failure keeps the old. */
static gboolean
store_credential (SesameSoftAuthenticator    *self,
                  const SesameSoftCredential *credential,
                  gboolean                    resident_key,
                  const guint8               *pkcs8,
                  gsize                       pkcs8_len,
                  GError                    **error)
{
  if (!sesame_soft_store_begin (self->store, error))
    return FALSE;
  if (sesame_soft_store_add (self->store, credential, self->backup_eligible, resident_key, pkcs8,
                             pkcs8_len, error) &&
      sesame_soft_store_commit (self->store, error))
    return TRUE;
  sesame_soft_store_rollback (self->store);
  return FALSE;
}

SesameSoftAttestationResult *
sesame_soft_authenticator_make_credential (SesameSoftAuthenticator        *self,
                                           const SesameSoftMakeCredential *request,
                                           GError                        **error)
{
  g_autoptr(SesameSoftAttestationResult) result = NULL;
  g_autoptr(EVP_PKEY) key = NULL;
  g_autoptr(GBytes) cose_key = NULL;
  g_autoptr(GBytes) signature = NULL;
  SesameSoftCredential credential = { 0 };
  guint8 id[CREDENTIAL_ID_LEN];
  guint8 *pkcs8 = NULL;
  gsize pkcs8_len = 0;
  gboolean verified = FALSE;
  gboolean stored;
  guint8 flags;
  int alg = 0;

  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (request == NULL)
    {
      invalid (error, "No request was given");
      return NULL;
    }
  if (!check_make_credential (request, error))
    return NULL;

  /* The RP's first preference this authenticator can make (CTAP2 §6.1.2) */
  for (gsize i = 0; i < request->n_algorithms && alg == 0; i++)
    if (sesame_soft_key_algorithm_is_supported (request->algorithms[i]))
      alg = request->algorithms[i];
  if (alg == 0)
    {
      g_set_error_literal (error, SESAME_AUTHENTICATOR_ERROR,
                           SESAME_AUTHENTICATOR_ERROR_UNSUPPORTED_ALGORITHM,
                           "None of the requested algorithms is supported "
                           "(Sesame passkeys make ES256, EdDSA and RS256 keys)");
      return NULL;
    }

  for (guint i = 0; request->exclude_list != NULL && i < request->exclude_list->len; i++)
    {
      gboolean held = FALSE;

      if (!sesame_soft_store_holds (self->store, request->rp_id,
                                    g_ptr_array_index (request->exclude_list, i), &held, error))
        return NULL;
      if (held)
        {
          g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_EXCLUDED,
                       "A passkey for this account on %s is already saved here", request->rp_id);
          return NULL;
        }
    }

  if (!verify_user (self, request->user_verification, request->pin, request->user_verified,
                    &verified, error))
    return NULL;

  key = sesame_soft_key_generate (alg, error);
  if (key == NULL)
    return NULL;
  if (RAND_bytes (id, sizeof id) != 1)
    {
      g_set_error_literal (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE,
                           "No random bytes for a credential id");
      return NULL;
    }

  result = g_new0 (SesameSoftAttestationResult, 1);
  result->credential_id = g_bytes_new (id, sizeof id);
  result->algorithm = alg;
  result->user_verified = verified;
  cose_key = sesame_soft_key_cose_public (key, alg, error);
  if (cose_key == NULL)
    return NULL;
  result->public_key_der = sesame_soft_key_spki (key, error);
  if (result->public_key_der == NULL)
    return NULL;

  flags = (self->presence_off ? 0 : SESAME_AUTH_DATA_FLAG_UP) | SESAME_AUTH_DATA_FLAG_AT |
          (verified ? SESAME_AUTH_DATA_FLAG_UV : 0) |
          backup_flags (self->backup_eligible, self->backup_state);
  result->authenticator_data = sesame_soft_auth_data_build (request->rp_id, flags, 0,
                                                            self->aaguid,
                                                            result->credential_id, cose_key);

  if (request->attestation == SESAME_SOFT_ATTESTATION_PACKED_SELF)
    {
      /* Self attestation: the new credential key signs authData ‖
       * clientDataHash (WebAuthn §8.2) */
      signature = sesame_soft_key_sign (key, alg, result->authenticator_data,
                                        request->client_data_hash, error);
      if (signature == NULL)
        return NULL;
    }
  result->attestation_object = sesame_soft_attestation_object_build (result->authenticator_data,
                                                                     alg, signature);

  pkcs8 = sesame_soft_key_to_pkcs8 (key, &pkcs8_len, error);
  if (pkcs8 == NULL)
    return NULL;

  credential.credential_id = result->credential_id;
  credential.rp_id = (char *) request->rp_id;
  credential.user_name = (char *) request->user_name;
  credential.user_display_name = (char *) request->user_display_name;
  credential.user_handle = request->user_handle;
  credential.algorithm = alg;
  credential.sign_count = 0;
  credential.created = g_get_real_time ();
  credential.last_used = 0;

  stored = store_credential (self, &credential, request->resident_key, pkcs8, pkcs8_len, error);
  OPENSSL_clear_free (pkcs8, pkcs8_len);
  if (!stored)
    return NULL;

  g_signal_emit (self, signals[CREDENTIALS_CHANGED], 0);
  return g_steal_pointer (&result);
}

static gboolean
list_contains (GPtrArray *list,
               GBytes    *id)
{
  for (guint i = 0; i < list->len; i++)
    if (g_bytes_equal (g_ptr_array_index (list, i), id))
      return TRUE;
  return FALSE;
}

/* Which credential answers: the one the user chose, or else the newest
 * held for the RP ID (and in the allow list, when there is one). */
static SesameSoftCredential *
select_credential (SesameSoftAuthenticator      *self,
                   const SesameSoftGetAssertion *request,
                   GError                      **error)
{
  g_autoptr(GPtrArray) held = sesame_soft_store_list (self->store, request->rp_id, error);
  gboolean filtered = request->allow_list != NULL && request->allow_list->len > 0;
  gboolean any = FALSE;

  if (held == NULL)
    return NULL;

  for (guint i = 0; i < held->len; i++)
    {
      SesameSoftCredential *candidate = g_ptr_array_index (held, i);

      if (filtered && !list_contains (request->allow_list, candidate->credential_id))
        continue;
      any = TRUE;
      if (request->credential_id == NULL ||
          g_bytes_equal (request->credential_id, candidate->credential_id))
        return sesame_soft_credential_copy (candidate);
    }

  if (!any)
    g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_NO_CREDENTIALS,
                 filtered ? "None of the passkeys %s asks for is saved here"
                          : "No passkey for %s is saved here",
                 request->rp_id);
  else
    g_set_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_NOT_FOUND,
                 "The chosen passkey is not one %s can use here", request->rp_id);
  return NULL;
}

SesameSoftAssertionResult *
sesame_soft_authenticator_get_assertion (SesameSoftAuthenticator      *self,
                                         const SesameSoftGetAssertion *request,
                                         GError                      **error)
{
  g_autoptr(SesameSoftAssertionResult) result = NULL;
  g_autoptr(SesameSoftCredential) credential = NULL;
  g_autoptr(EVP_PKEY) key = NULL;
  g_autofree guint8 *pkcs8 = NULL;
  gsize pkcs8_len = 0;
  gboolean backup_eligible = FALSE;
  gboolean verified = FALSE;
  guint32 sign_count;
  guint8 flags;

  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (request == NULL)
    {
      invalid (error, "No request was given");
      return NULL;
    }
  if (!check_client_data_hash (request->client_data_hash, error) ||
      !check_rp_id (request->rp_id, error) ||
      !check_credential_list (request->allow_list, error) ||
      (request->credential_id != NULL && !check_credential_id (request->credential_id, error)) ||
      !check_optional_text (request->pin, "PIN", error))
    return NULL;

  credential = select_credential (self, request, error);
  if (credential == NULL)
    return NULL;

  if (!verify_user (self, request->user_verification, request->pin, request->user_verified,
                    &verified, error))
    return NULL;

  pkcs8 = sesame_soft_store_load_key (self->store, credential->credential_id, &pkcs8_len,
                                      &backup_eligible, error);
  if (pkcs8 == NULL)
    return NULL;
  key = sesame_soft_key_from_pkcs8 (pkcs8, pkcs8_len, credential->algorithm, error);
  OPENSSL_cleanse (pkcs8, pkcs8_len);
  if (key == NULL)
    return NULL;

  /* At the top the counter stays: an RP then sees it did not grow and can
   * flag the credential, which is the honest answer after 2³² uses. A
   * clone made after the first use (the old-counter fault) signs with that
   * use's count: a relying party that has seen any use refuses it. */
  if (request->fault == SESAME_SOFT_FAULT_OLD_COUNTER)
    sign_count = MIN (credential->sign_count, 1);
  else
    sign_count = credential->sign_count < G_MAXUINT32 ? credential->sign_count + 1
                                                      : credential->sign_count;
  /* Without a counter the authenticator says 0 (WebAuthn §6.1.1), and
   * the RP then skips its clone check. */
  if (self->counter_off)
    sign_count = 0;
  if (request->fault == SESAME_SOFT_FAULT_NO_UV)
    verified = FALSE;
  /* BE belongs to the credential (fixed when it was made); BS follows
   * the current setting, as a synced passkey's state may change. */
  flags = (request->fault == SESAME_SOFT_FAULT_NO_UP || self->presence_off
             ? 0 : SESAME_AUTH_DATA_FLAG_UP) |
          (verified ? SESAME_AUTH_DATA_FLAG_UV : 0) |
          backup_flags (backup_eligible, self->backup_state);

  result = g_new0 (SesameSoftAssertionResult, 1);
  result->credential_id = g_bytes_ref (credential->credential_id);
  result->user_handle = g_bytes_ref (credential->user_handle);
  result->user_verified = verified;
  result->authenticator_data = sesame_soft_auth_data_build (request->rp_id, flags, sign_count,
                                                            NULL, NULL, NULL);
  result->signature = sesame_soft_key_sign (key, credential->algorithm,
                                            result->authenticator_data,
                                            request->client_data_hash, error);
  if (result->signature == NULL)
    return NULL;
  if (request->fault == SESAME_SOFT_FAULT_BAD_SIGNATURE)
    {
      gsize len;
      g_autofree guint8 *damaged = g_bytes_unref_to_data (g_steal_pointer (&result->signature),
                                                          &len);

      /* The last byte is part of the value in every encoding used here
       * (DER ECDSA, raw EdDSA, RSA), so the signature stays well formed
       * and only its check fails. */
      damaged[len - 1] ^= 0x01;
      result->signature = g_bytes_new_take (g_steal_pointer (&damaged), len);
    }

  /* The clone's count is not this device's: its own counter never goes back. */
  if (!sesame_soft_store_record_use (self->store, credential->credential_id,
                                     MAX (sign_count, credential->sign_count),
                                     g_get_real_time (), error))
    return NULL;

  g_signal_emit (self, signals[CREDENTIALS_CHANGED], 0);
  return g_steal_pointer (&result);
}

gboolean
sesame_soft_authenticator_import_credential (SesameSoftAuthenticator *self,
                                             const SesameSoftImport  *import,
                                             int                     *algorithm,
                                             GError                 **error)
{
  g_autoptr(GPtrArray) held = NULL;
  g_autoptr(EVP_PKEY) key = NULL;
  SesameSoftCredential credential = { 0 };
  gsize handle_len;
  guint8 *pkcs8 = NULL;
  gsize pkcs8_len = 0;
  gboolean stored;
  int alg = 0;

  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (import == NULL)
    return invalid (error, "No credential was given");
  handle_len = import->user_handle ? g_bytes_get_size (import->user_handle) : 0;
  if (!check_rp_id (import->rp_id, error) ||
      !check_credential_id (import->credential_id, error))
    return FALSE;
  if (handle_len == 0 || handle_len > USER_HANDLE_MAX_LEN)
    return invalid (error, "The user handle must be 1 to 64 bytes");
  if (import->user_name == NULL || *import->user_name == '\0')
    return invalid (error, "The user name is missing");
  if (!check_optional_text (import->user_name, "user name", error) ||
      !check_optional_text (import->user_display_name, "user display name", error))
    return FALSE;
  if (import->private_key == NULL)
    return invalid (error, "The private key is missing");

  key = sesame_soft_key_import_pkcs8 (g_bytes_get_data (import->private_key, NULL),
                                      g_bytes_get_size (import->private_key), &alg, error);
  if (key == NULL)
    return FALSE;

  /* A credential id names one credential only, whatever its RP. */
  held = sesame_soft_store_list (self->store, NULL, error);
  if (held == NULL)
    return FALSE;
  for (guint i = 0; i < held->len; i++)
    {
      SesameSoftCredential *other = g_ptr_array_index (held, i);

      if (g_bytes_equal (other->credential_id, import->credential_id))
        return invalid (error, "A passkey with this credential id is already saved here");
    }

  /* Stored in the form this authenticator writes itself. */
  pkcs8 = sesame_soft_key_to_pkcs8 (key, &pkcs8_len, error);
  if (pkcs8 == NULL)
    return FALSE;

  credential.credential_id = import->credential_id;
  credential.rp_id = (char *) import->rp_id;
  credential.user_name = (char *) import->user_name;
  credential.user_display_name = (char *) import->user_display_name;
  credential.user_handle = import->user_handle;
  credential.algorithm = alg;
  credential.sign_count = import->sign_count;
  credential.created = g_get_real_time ();

  stored = store_credential (self, &credential, TRUE, pkcs8, pkcs8_len, error);
  OPENSSL_clear_free (pkcs8, pkcs8_len);
  if (!stored)
    return FALSE;

  if (algorithm != NULL)
    *algorithm = alg;
  g_signal_emit (self, signals[CREDENTIALS_CHANGED], 0);
  return TRUE;
}

GPtrArray *
sesame_soft_authenticator_list_credentials (SesameSoftAuthenticator *self,
                                            const char              *rp_id,
                                            GError                 **error)
{
  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return sesame_soft_store_list (self->store, rp_id, error);
}

gboolean
sesame_soft_authenticator_remove_credential (SesameSoftAuthenticator *self,
                                             GBytes                  *credential_id,
                                             GError                 **error)
{
  int removed;

  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_credential_id (credential_id, error))
    return FALSE;

  removed = sesame_soft_store_remove (self->store, credential_id, error);
  if (removed < 0)
    return FALSE;
  if (removed == 0)
    {
      g_set_error_literal (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_NOT_FOUND,
                           "No passkey with that id is saved here");
      return FALSE;
    }

  g_signal_emit (self, signals[CREDENTIALS_CHANGED], 0);
  return TRUE;
}

gboolean
sesame_soft_authenticator_remove_all (SesameSoftAuthenticator *self,
                                      GError                 **error)
{
  int removed;

  g_return_val_if_fail (SESAME_IS_SOFT_AUTHENTICATOR (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  removed = sesame_soft_store_remove (self->store, NULL, error);
  if (removed < 0)
    return FALSE;
  if (removed > 0)
    g_signal_emit (self, signals[CREDENTIALS_CHANGED], 0);
  return TRUE;
}
