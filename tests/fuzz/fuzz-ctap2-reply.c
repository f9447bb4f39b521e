/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "fuzz-common.h"
#include "fuzz-ctap2-common.h"
#include "sesame-cbor.h"
#include "sesame-ctap2.h"
#include "sesame-virtual-key.h"

/* What the host makes of a security key's answers: the virtual key is
 * plugged in beneath libfido2 (src/fido2 opens it through its HID io
 * functions) and answers the command the input's mode byte names with the
 * rest of the input, as a hostile or broken key would; every other command
 * is answered by its real CTAP2 authenticator. The ceremony then runs
 * through libfido2's CTAPHID and CBOR decoding into src/fido2's own (the
 * attestation object it rebuilds, the authenticator data it unwraps, the
 * key details it copies), which must end in a result or a
 * SESAME_SECURITY_KEY_ERROR, never both or neither. */

static SesameVirtualKey *key;
static char *path;
static SesameSecurityKeyRequest request;
static GBytes *hash;
static GBytes *user_handle;

/* The input being answered; the key's worker thread reads it while the
 * fuzzing thread waits in the ceremony. */
static GMutex answer_lock;
static guint8 answer_command;
static const guint8 *answer;
static gsize answer_len;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GError) error = NULL;

  fuzz_init ();
  key = sesame_virtual_key_new (NULL, &error);
  g_assert_no_error (error);
  path = sesame_security_key_plug_virtual (key);
  fuzz_ctap2_request_init (&request, &hash, &user_handle);
  return 0;
}

static gboolean
answer_cb (const guint8 *command,
           gsize         len,
           GByteArray   *response,
           gpointer      user_data)
{
  gboolean taken;

  g_mutex_lock (&answer_lock);
  taken = len > 0 && answer &&
          (command[0] == answer_command ||
           (answer_command == SESAME_CTAP2_GET_ASSERTION &&
            command[0] == SESAME_CTAP2_GET_NEXT_ASSERTION));
  if (taken)
    g_byte_array_append (response, answer, answer_len);
  g_mutex_unlock (&answer_lock);
  return taken;
}

static void
check_error (const GError *error)
{
  g_assert_nonnull (error);
  if (fuzz_debug)
    g_printerr ("fuzz: %s: %s\n", g_quark_to_string (error->domain), error->message);
  g_assert_true (error->domain == SESAME_SECURITY_KEY_ERROR);
  g_assert_nonnull (error->message);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
make_credential (void)
{
  g_autoptr(SesameSoftAttestationResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(cbor_item_t) object = NULL;
  int retries = 0;

  result = sesame_security_key_make_credential (path, &request, NULL, &retries, &error);
  if (!result)
    {
      check_error (error);
      return;
    }
  g_assert_no_error (error);
  if (fuzz_debug)
    g_printerr ("fuzz: accepted\n");
  g_assert_nonnull (result->credential_id);
  g_assert_cmpuint (g_bytes_get_size (result->authenticator_data), >=, 37);
  /* The attestation object src/fido2 rebuilt is one CBOR map. */
  object = sesame_cbor_load (g_bytes_get_data (result->attestation_object, NULL),
                             g_bytes_get_size (result->attestation_object), NULL,
                             "The attestation object", &error);
  g_assert_no_error (error);
  g_assert_true (cbor_isa_map (object));
}

static void
get_assertion (void)
{
  g_autoptr(SesameSoftAssertionResult) result = NULL;
  g_autoptr(GError) error = NULL;
  int retries = 0;

  result = sesame_security_key_get_assertion (path, &request, NULL, &retries, &error);
  if (!result)
    {
      check_error (error);
      return;
    }
  g_assert_no_error (error);
  if (fuzz_debug)
    g_printerr ("fuzz: accepted\n");
  g_assert_nonnull (result->credential_id);
  g_assert_nonnull (result->signature);
  g_assert_cmpuint (g_bytes_get_size (result->authenticator_data), >=, 37);
}

static void
get_details (void)
{
  g_autoptr(SesameSecurityKeyDetails) details = NULL;
  g_autoptr(GError) error = NULL;

  details = sesame_security_key_get_details (path, NULL, &error);
  if (!details)
    {
      check_error (error);
      return;
    }
  g_assert_no_error (error);
  if (fuzz_debug)
    g_printerr ("fuzz: accepted\n");
  for (guint i = 0; details->versions && details->versions[i]; i++)
    g_assert_nonnull (details->versions[i]);
  for (gsize i = 0; i < details->n_options; i++)
    g_assert_nonnull (details->option_names[i]);
  (void) sesame_security_key_details_get_option (details, "rk");
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const guint8 commands[] = {
    [FUZZ_CTAP2_MAKE_CREDENTIAL] = SESAME_CTAP2_MAKE_CREDENTIAL,
    [FUZZ_CTAP2_GET_ASSERTION] = SESAME_CTAP2_GET_ASSERTION,
    [FUZZ_CTAP2_GET_INFO] = SESAME_CTAP2_GET_INFO,
  };
  guint mode;

  /* The key's largest message; a longer one libfido2 refuses unread. */
  if (size < 1 || size > SESAME_CTAP2_MAX_MSG_SIZE * 8)
    return 0;
  mode = data[0] % FUZZ_CTAP2_N_MODES;

  g_mutex_lock (&answer_lock);
  answer_command = commands[mode];
  answer = data + 1;
  answer_len = size - 1;
  g_mutex_unlock (&answer_lock);
  sesame_virtual_key_set_answer_func (key, answer_cb, NULL);

  switch (mode)
    {
    case FUZZ_CTAP2_MAKE_CREDENTIAL:
      make_credential ();
      break;
    case FUZZ_CTAP2_GET_ASSERTION:
      get_assertion ();
      break;
    default:
      get_details ();
      break;
    }

  sesame_virtual_key_set_answer_func (key, NULL, NULL);
  g_mutex_lock (&answer_lock);
  answer = NULL;
  g_mutex_unlock (&answer_lock);
  return 0;
}
