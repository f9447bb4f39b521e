/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-cose-key.h"
#include "sesame-openssl.h"
#include "sesame-test-authenticator.h"
#include "sesame-webauthn.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

/* How much the relying-party core costs on top of the signature check it
 * exists to make. One valid ES256 assertion, made by the test
 * authenticator, is verified over and over through the whole core path
 * (sesame_verify_authentication: client data and authenticator data
 * parsed, hashed, checked, signature verified) and, in the same rounds, by
 * OpenSSL alone (EVP_DigestVerify of authenticatorData ‖ SHA-256
 * (clientDataJSON), same key, same signature). Within a round the two
 * alternate in short slices, and each round compares its own pair, so that
 * other load on the machine weighs on both alike; the verdict is the median
 * of those ratios. The stored key is parsed once, as a server keeps
 * it. A packed self-attested registration is measured for information. */

#define TARGET_RATIO 0.85

typedef struct
{
  SesameVerifyOptions     options;
  SesameVerifyOptions     registration_options;
  SesameStoredCredential  stored;
  GBytes                 *client_data_json;
  GBytes                 *auth_data;
  GBytes                 *signature;
  GBytes                 *registration_client_data_json;
  GBytes                 *attestation_object;
  EVP_PKEY               *pkey;      /* the stored key's, borrowed */
  guint8                 *message;   /* authData ‖ SHA-256(clientDataJSON) */
  gsize                   message_len;
} Bench;

typedef void (*BenchOp) (Bench *bench);

static void
raw_verify (Bench *bench)
{
  g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  gsize sig_len;
  const guint8 *sig = g_bytes_get_data (bench->signature, &sig_len);

  if (EVP_DigestVerifyInit_ex (ctx, NULL, "SHA256", NULL, NULL, bench->pkey, NULL) != 1 ||
      EVP_DigestVerify (ctx, sig, sig_len, bench->message, bench->message_len) != 1)
    g_error ("OpenSSL refused the benchmark's own signature");
}

static void
full_verify (Bench *bench)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameAssertion) assertion = NULL;

  assertion = sesame_verify_authentication (&bench->options, &bench->stored,
                                            bench->client_data_json, bench->auth_data,
                                            bench->signature, NULL, &error);
  if (!assertion)
    g_error ("sesame_verify_authentication: %s", error->message);
}

static void
full_register (Bench *bench)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) registration = NULL;

  registration = sesame_verify_registration (&bench->registration_options,
                                             bench->registration_client_data_json,
                                             bench->attestation_object, &error);
  if (!registration)
    g_error ("sesame_verify_registration: %s", error->message);
}

/* Operations per second over at least @seconds. */
static double
measure (BenchOp  op,
         Bench   *bench,
         double   seconds)
{
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64) (seconds * G_USEC_PER_SEC);
  gint64 now;
  guint64 n = 0;

  do
    {
      for (int i = 0; i < 16; i++)
        op (bench);
      n += 16;
      now = g_get_monotonic_time ();
    }
  while (now < deadline);
  return (double) n * G_USEC_PER_SEC / (double) (now - start);
}

/* Two operations for @seconds each, in alternating slices of SLICE_USEC,
 * so that a burst of load elsewhere hits both about equally. */
#define SLICE_USEC 50000

static void
measure_pair (BenchOp  a,
              BenchOp  b,
              Bench   *bench,
              double   seconds,
              double  *a_rate,
              double  *b_rate)
{
  BenchOp ops[2] = { a, b };
  gint64 spent[2] = { 0, 0 };
  guint64 done[2] = { 0, 0 };
  gint64 budget = (gint64) (seconds * G_USEC_PER_SEC);

  for (int k = 0; spent[0] < budget || spent[1] < budget; k ^= 1)
    {
      gint64 start = g_get_monotonic_time ();
      gint64 now;

      if (spent[k] >= budget)
        continue;
      do
        {
          for (int i = 0; i < 8; i++)
            ops[k] (bench);
          done[k] += 8;
          now = g_get_monotonic_time ();
        }
      while (now - start < SLICE_USEC);
      spent[k] += now - start;
    }
  *a_rate = (double) done[0] * G_USEC_PER_SEC / (double) spent[0];
  *b_rate = (double) done[1] * G_USEC_PER_SEC / (double) spent[1];
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (const double *values,
        int           n)
{
  g_autofree double *sorted = g_memdup2 (values, n * sizeof *values);

  qsort (sorted, n, sizeof *sorted, compare_doubles);
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

static void
bench_init (Bench                   *bench,
            SesameTestAuthenticator *authenticator)
{
  static const char * const origins[] = { "https://example.org", NULL };
  static const char * const rp_ids[] = { "example.org", NULL };
  static guint8 challenge[32];
  g_autoptr(GBytes) challenge_bytes = NULL;
  g_autoptr(GBytes) registration_auth_data = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 flags = SESAME_AUTH_DATA_FLAG_UP | SESAME_AUTH_DATA_FLAG_UV;
  gsize ad_len;

  for (gsize i = 0; i < sizeof challenge; i++)
    challenge[i] = g_random_int_range (0, 256);
  challenge_bytes = g_bytes_new_static (challenge, sizeof challenge);

  /* What the server kept at registration: the parsed key. */
  bench->stored.credential_id = authenticator->credential_id;
  bench->stored.public_key = sesame_cose_key_new_from_cbor (
    g_bytes_get_data (authenticator->cose_key, NULL), g_bytes_get_size (authenticator->cose_key),
    NULL, &error);
  g_assert_no_error (error);
  bench->stored.sign_count = 0;
  bench->pkey = sesame_cose_key_get_pkey (bench->stored.public_key);

  sesame_verify_options_init (&bench->options);
  bench->options.challenge = g_bytes_ref (challenge_bytes);
  bench->options.origins = origins;
  bench->options.rp_ids = rp_ids;
  bench->options.require_user_verification = TRUE;
  bench->registration_options = bench->options;

  bench->client_data_json = sesame_test_client_data ("webauthn.get", challenge_bytes,
                                                     "https://example.org", NULL);
  bench->auth_data = sesame_test_auth_data ("example.org", flags, 1, NULL, NULL);
  bench->signature = sesame_test_authenticator_sign (authenticator, bench->auth_data,
                                                     bench->client_data_json);

  ad_len = g_bytes_get_size (bench->auth_data);
  bench->message_len = ad_len + SHA256_DIGEST_LENGTH;
  bench->message = g_malloc (bench->message_len);
  memcpy (bench->message, g_bytes_get_data (bench->auth_data, NULL), ad_len);
  SHA256 (g_bytes_get_data (bench->client_data_json, NULL),
          g_bytes_get_size (bench->client_data_json), bench->message + ad_len);

  bench->registration_client_data_json = sesame_test_client_data ("webauthn.create",
                                                                  challenge_bytes,
                                                                  "https://example.org", NULL);
  registration_auth_data = sesame_test_auth_data ("example.org", flags | SESAME_AUTH_DATA_FLAG_AT,
                                                  0, authenticator, NULL);
  bench->attestation_object = sesame_test_packed_self (authenticator, registration_auth_data,
                                                       bench->registration_client_data_json);
}

static void
bench_clear (Bench *bench)
{
  g_bytes_unref ((GBytes *) bench->options.challenge);
  sesame_cose_key_unref (bench->stored.public_key);
  g_bytes_unref (bench->client_data_json);
  g_bytes_unref (bench->auth_data);
  g_bytes_unref (bench->signature);
  g_bytes_unref (bench->registration_client_data_json);
  g_bytes_unref (bench->attestation_object);
  g_free (bench->message);
}

int
main (int    argc,
      char **argv)
{
  int rounds = 5;
  double seconds = 2.0;
  gboolean check = FALSE;
  const GOptionEntry entries[] = {
    { "rounds", 'r', 0, G_OPTION_ARG_INT, &rounds, "Rounds of measurements (default 5)", "N" },
    { "seconds", 's', 0, G_OPTION_ARG_DOUBLE, &seconds,
      "Seconds per measurement (default 2)", "S" },
    { "check", 0, 0, G_OPTION_ARG_NONE, &check,
      "Exit with status 1 when full/raw is below the target", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- ES256 verifications per second");
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameTestAuthenticator) authenticator = NULL;
  g_autofree double *raw = NULL;
  g_autofree double *full = NULL;
  g_autofree double *reg = NULL;
  g_autofree double *ratios = NULL;
  double raw_median, full_median, reg_median, ratio;
  Bench bench = { 0 };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (rounds < 1 || seconds <= 0)
    {
      g_printerr ("--rounds and --seconds must be positive\n");
      return 2;
    }

  authenticator = sesame_test_authenticator_new (SESAME_COSE_ALG_ES256);
  bench_init (&bench, authenticator);
  raw = g_new0 (double, rounds);
  full = g_new0 (double, rounds);
  reg = g_new0 (double, rounds);
  ratios = g_new0 (double, rounds);

  /* Warm caches, the allocator and OpenSSL's algorithm fetch cache. */
  measure (raw_verify, &bench, 0.2);
  measure (full_verify, &bench, 0.2);
  measure (full_register, &bench, 0.2);

  g_print ("ES256 authentication: full core path vs. raw OpenSSL verification\n");
  g_print ("%s; %d rounds of %.1f s per measurement; raw and full alternate every %d ms, "
           "and which starts alternates between rounds\n\n",
           OpenSSL_version (OPENSSL_VERSION), rounds, seconds, SLICE_USEC / 1000);
  g_print ("%-8s %16s %16s %10s %16s\n", "round", "raw verify/s", "full verify/s", "full/raw",
           "registration/s");
  for (int r = 0; r < rounds; r++)
    {
      if (r % 2 == 0)
        measure_pair (raw_verify, full_verify, &bench, seconds, &raw[r], &full[r]);
      else
        measure_pair (full_verify, raw_verify, &bench, seconds, &full[r], &raw[r]);
      reg[r] = measure (full_register, &bench, seconds);
      ratios[r] = full[r] / raw[r];
      g_print ("%-8d %16.0f %16.0f %10.3f %16.0f\n", r + 1, raw[r], full[r], ratios[r], reg[r]);
    }

  raw_median = median (raw, rounds);
  full_median = median (full, rounds);
  reg_median = median (reg, rounds);
  ratio = median (ratios, rounds);
  g_print ("%-8s %16.0f %16.0f %10.3f %16.0f\n", "median", raw_median, full_median, ratio,
           reg_median);
  g_print ("\n(ratio of the median rates: %.3f; the verdict uses the median of the rounds' "
           "own ratios, which load on the machine disturbs less)\n", full_median / raw_median);
  g_print ("per operation: raw %.1f us, full %.1f us (core overhead %.1f us), "
           "registration %.1f us\n",
           1e6 / raw_median, 1e6 / full_median, 1e6 / full_median - 1e6 / raw_median,
           1e6 / reg_median);
  g_print ("full/raw = %.2f (target >= %.2f): %s\n", ratio, TARGET_RATIO,
           ratio >= TARGET_RATIO ? "PASS" : "FAIL");

  bench_clear (&bench);
  return check && ratio < TARGET_RATIO ? 1 : 0;
}
