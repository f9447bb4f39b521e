/* SPDX-License-Identifier: GPL-3.0-or-later */

/* sesame-inspect: decode a WebAuthn credential response as the browser's
 * PublicKeyCredential.toJSON() gives it, verify it with the relying-party
 * core, and print both as one JSON object. The content is decoded part by
 * part, independently of the verdict, so that a rejected response still
 * shows what it carried and a developer can see why it was refused. */

#include "config.h"

#include "sesame-base64.h"
#include "sesame-ceremony-description.h"
#include "sesame-json.h"
#include "sesame-webauthn.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>

enum
{
  EXIT_VERIFIED = 0,
  EXIT_REJECTED = 1,
  EXIT_USAGE = 2,
};

static const struct
{
  const char     *name;
  SesameCeremony  ceremony;
  const char     *what;
} commands[] = {
  { "registration", SESAME_CEREMONY_REGISTRATION,
    "Verify the response to navigator.credentials.create()" },
  { "authentication", SESAME_CEREMONY_AUTHENTICATION,
    "Verify the response to navigator.credentials.get()" },
};

#define EXIT_STATUS_TEXT \
  "Exit status:\n" \
  "  0  the response was verified\n" \
  "  1  the response was rejected: verdict.error names the check that failed,\n" \
  "     verdict.message says what was expected and what arrived\n" \
  "  2  usage error: a missing or malformed option, or FILE cannot be read\n" \
  "     (the reason goes to standard error, nothing to standard output)"

static const char registration_summary[] =
  "Decode a registration response (the JSON of PublicKeyCredential.toJSON() after\n"
  "navigator.credentials.create()) from FILE, or from standard input when FILE is\n"
  "'-', verify it as the relying party would, and print the decoded content and\n"
  "the verdict as one JSON object on standard output.\n"
  "\n"
  EXIT_STATUS_TEXT;

static const char authentication_summary[] =
  "Decode an authentication response (the JSON of PublicKeyCredential.toJSON() after\n"
  "navigator.credentials.get()) from FILE, or from standard input when FILE is '-',\n"
  "verify it against the credential public key the relying party stored, and print\n"
  "the decoded content and the verdict as one JSON object on standard output.\n"
  "\n"
  EXIT_STATUS_TEXT;

static const char registration_description[] =
  "Output members: ceremony, credentialId, clientData, authenticatorData (flags,\n"
  "signCount, aaguid, credentialId, credentialPublicKey), attestation (fmt, type,\n"
  "trustAnchored, trustDetail, certificates) and verdict (verified, and error and\n"
  "message when rejected). A part that cannot be decoded holds error and message\n"
  "in place of its content. type and trustAnchored are only known once the\n"
  "attestation statement has been verified; until then they are null.\n"
  "\n"
  "Example:\n"
  "  sesame-inspect registration --rp-id example.org --origin https://example.org \\\n"
  "      --challenge wRhKX934BF4T3Ef1S2H1pla2ZrWQGPFthw6SVumVIBI \\\n"
  "      data/examples/registration-packed-es256.json\n";

static const char authentication_description[] =
  "Output members: ceremony, credentialId, userHandle (when sent), clientData,\n"
  "authenticatorData (flags, signCount) and verdict (verified, and error and\n"
  "message when rejected; signCount, userVerified, backupEligible and backedUp\n"
  "when verified). A part that cannot be decoded holds error and message in place\n"
  "of its content. Store verdict.signCount: it is the next --counter.\n"
  "\n"
  "Example:\n"
  "  sesame-inspect authentication --rp-id example.org --origin https://example.org \\\n"
  "      --challenge sRBvpGpXvvF4FRHAVX3ImKA0E9Xw8X0kRjDBlMfhrbU \\\n"
  "      --public-key pQECAyYgASFYIBzyfyXaWRIIpCOcLjJPEE9YVSVHmint7t2DD0jneurl"
  "IlggWeS32mwBBuIGzjkMk6uYoVpew4h-V_DMK-zoA7kgxCM \\\n"
  "      --counter 0 data/examples/authentication-packed-es256.json\n";

/* The command line: first as given, then as checked by request_check(). */
typedef struct
{
  SesameCeremony       ceremony;

  gboolean             help;
  char               **rp_ids;
  char               **origins;
  char                *challenge_text;
  gboolean             require_uv;
  gboolean             allow_cross_origin;
  char               **trust_anchor_files;  /* registration */
  char                *time_text;           /* registration */
  char                *public_key_text;     /* authentication */
  char                *counter_text;        /* authentication */
  char               **files;

  GBytes              *challenge;
  SesameTrustAnchors  *trust_anchors;
  gint64               verification_time;
  SesameCoseKey       *public_key;
  guint32              counter;
} Request;

static void
request_free (Request *request)
{
  g_strfreev (request->rp_ids);
  g_strfreev (request->origins);
  g_free (request->challenge_text);
  g_strfreev (request->trust_anchor_files);
  g_free (request->time_text);
  g_free (request->public_key_text);
  g_free (request->counter_text);
  g_strfreev (request->files);
  g_clear_pointer (&request->challenge, g_bytes_unref);
  g_clear_pointer (&request->trust_anchors, sesame_trust_anchors_unref);
  g_clear_pointer (&request->public_key, sesame_cose_key_unref);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

/* What came of the verification. */
typedef struct
{
  SesameRegistration *registration;
  SesameAssertion    *assertion;
  GError             *error;
} Verdict;

static void
verdict_clear (Verdict *verdict)
{
  g_clear_pointer (&verdict->registration, sesame_registration_free);
  g_clear_pointer (&verdict->assertion, sesame_assertion_free);
  g_clear_error (&verdict->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Verdict, verdict_clear)

/* Command line */

static GOptionContext *
option_context_new (Request *request)
{
  const GOptionEntry common_entries[] = {
    { "rp-id", 0, 0, G_OPTION_ARG_STRING_ARRAY, &request->rp_ids,
      "The relying party ID the credential is scoped to (required; repeat to accept several)",
      "ID" },
    { "origin", 0, 0, G_OPTION_ARG_STRING_ARRAY, &request->origins,
      "An origin the response may come from (required; repeat to accept several)", "URL" },
    { "challenge", 0, 0, G_OPTION_ARG_STRING, &request->challenge_text,
      "The challenge the relying party issued, in base64url (required)", "B64URL" },
    { "require-uv", 0, 0, G_OPTION_ARG_NONE, &request->require_uv,
      "Reject the response unless the authenticator verified the user (UV flag)", NULL },
    { "allow-cross-origin", 0, 0, G_OPTION_ARG_NONE, &request->allow_cross_origin,
      "Accept a response made in a cross-origin iframe", NULL },
    { "help", 'h', 0, G_OPTION_ARG_NONE, &request->help, "Show this help", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &request->files, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };
  const GOptionEntry registration_entries[] = {
    { "trust-anchor", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &request->trust_anchor_files,
      "PEM root certificates the attestation may chain to (repeatable)", "FILE.pem" },
    { "time", 0, 0, G_OPTION_ARG_STRING, &request->time_text,
      "Check certificate validity at this time instead of now", "ISO8601" },
    G_OPTION_ENTRY_NULL
  };
  const GOptionEntry authentication_entries[] = {
    { "public-key", 0, 0, G_OPTION_ARG_STRING, &request->public_key_text,
      "The credential public key stored at registration: a COSE key in base64url (required)",
      "COSE_B64URL" },
    { "counter", 0, 0, G_OPTION_ARG_STRING, &request->counter_text,
      "The sign count stored for the credential, 0 to 4294967295 (default 0)", "N" },
    G_OPTION_ENTRY_NULL
  };
  gboolean registration = request->ceremony == SESAME_CEREMONY_REGISTRATION;
  GOptionContext *context;

  context = g_option_context_new (registration
                                  ? "--rp-id ID --origin URL --challenge B64URL FILE"
                                  : "--rp-id ID --origin URL --challenge B64URL "
                                    "--public-key COSE_B64URL FILE");
  /* --help is ours, so that it returns through main() instead of exit(). */
  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_set_summary (context, registration ? registration_summary
                                                      : authentication_summary);
  g_option_context_set_description (context, registration ? registration_description
                                                          : authentication_description);
  g_option_context_add_main_entries (context, common_entries, NULL);
  g_option_context_add_main_entries (context, registration ? registration_entries
                                                           : authentication_entries, NULL);
  return context;
}

static gboolean usage (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
usage (GError    **error,
       const char *format,
       ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                                format, args));
  va_end (args);
  return FALSE;
}

static gboolean
load_trust_anchors (Request  *request,
                    GError  **error)
{
  request->trust_anchors = sesame_trust_anchors_new ();
  for (char **file = request->trust_anchor_files; file && *file; file++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *pem = NULL;

      if (!g_file_get_contents (*file, &pem, NULL, &local_error) ||
          !sesame_trust_anchors_add_pem (request->trust_anchors, NULL, pem, &local_error))
        return usage (error, "--trust-anchor %s: %s", *file, local_error->message);
    }
  return TRUE;
}

static gboolean
check_registration_options (Request  *request,
                            GError  **error)
{
  if (request->time_text)
    {
      g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
      g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (request->time_text, utc);

      if (!time)
        return usage (error, "--time '%s' is not an ISO 8601 date and time "
                      "(like 2024-06-01T12:00:00Z)", request->time_text);
      request->verification_time = g_date_time_to_unix (time);
    }
  return load_trust_anchors (request, error);
}

static gboolean
check_authentication_options (Request  *request,
                              GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) encoded = NULL;
  guint64 counter = 0;

  if (!request->public_key_text)
    return usage (error, "--public-key is required: the COSE key stored at registration");
  encoded = sesame_base64url_decode (request->public_key_text, &local_error);
  if (!encoded)
    return usage (error, "--public-key is not base64url: %s", local_error->message);
  request->public_key = sesame_cose_key_new_from_cbor (g_bytes_get_data (encoded, NULL),
                                                       g_bytes_get_size (encoded), NULL,
                                                       &local_error);
  if (!request->public_key)
    return usage (error, "--public-key is not a usable COSE key: %s", local_error->message);

  if (request->counter_text &&
      !g_ascii_string_to_unsigned (request->counter_text, 10, 0, G_MAXUINT32, &counter,
                                   &local_error))
    return usage (error, "--counter: %s", local_error->message);
  request->counter = (guint32) counter;
  return TRUE;
}

static gboolean
request_check (Request  *request,
               GError  **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!request->rp_ids)
    return usage (error, "--rp-id is required");
  if (!request->origins)
    return usage (error, "--origin is required");
  if (!request->challenge_text)
    return usage (error, "--challenge is required");
  request->challenge = sesame_base64url_decode (request->challenge_text, &local_error);
  if (!request->challenge)
    return usage (error, "--challenge is not base64url: %s", local_error->message);
  if (g_bytes_get_size (request->challenge) == 0)
    return usage (error, "--challenge is empty");

  if (request->ceremony == SESAME_CEREMONY_REGISTRATION
      ? !check_registration_options (request, error)
      : !check_authentication_options (request, error))
    return FALSE;

  if (!request->files)
    return usage (error, "no FILE given: name the credential JSON file, or '-' for standard input");
  if (request->files[1])
    return usage (error, "only one FILE can be inspected at a time");
  return TRUE;
}

static void
request_get_options (const Request       *request,
                     SesameVerifyOptions *options)
{
  sesame_verify_options_init (options);
  options->challenge = request->challenge;
  options->rp_ids = (const char * const *) request->rp_ids;
  options->origins = (const char * const *) request->origins;
  options->allow_cross_origin = request->allow_cross_origin;
  options->require_user_verification = request->require_uv;
  options->trust_anchors = request->trust_anchors;
  options->verification_time = request->verification_time;
}

/* Input */

static GBytes *
read_stdin (GError **error)
{
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  guint8 chunk[4096];
  size_t n;

  while ((n = fread (chunk, 1, sizeof chunk, stdin)) > 0)
    g_byte_array_append (buffer, chunk, (guint) n);
  if (ferror (stdin))
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "cannot read standard input: %s", g_strerror (saved_errno));
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

static GBytes *
read_input (const char  *file,
            GError     **error)
{
  g_autofree char *contents = NULL;
  gsize len;

  if (g_str_equal (file, "-"))
    return read_stdin (error);
  if (!g_file_get_contents (file, &contents, &len, error))
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&contents), len);
}

/* The input is the thing being judged: anything that is not a credential
 * is a rejection (bad_credential), not a usage error. */
static JsonNode *
load_json (GBytes  *input,
           GError **error)
{
  g_autofree char *problem = NULL;
  gsize len;
  const char *data = g_bytes_get_data (input, &len);
  JsonNode *root;

  if (len == 0 || len > G_MAXSSIZE)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CREDENTIAL,
                   "the input is empty: expected the JSON of a PublicKeyCredential");
      return NULL;
    }
  root = sesame_json_parse_strict (data, len, &problem);
  if (!root)
    {
      g_set_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CREDENTIAL,
                   "the input is not JSON: %s", problem);
      return NULL;
    }
  return root;
}

/* Verification */

static void
verify (const Request *request,
        JsonNode      *root,
        Verdict       *verdict)
{
  gboolean registration = request->ceremony == SESAME_CEREMONY_REGISTRATION;
  g_autoptr(SesameCredentialJson) credential = NULL;
  SesameStoredCredential stored = { 0 };
  SesameVerifyOptions options;

  request_get_options (request, &options);
  credential = sesame_credential_json_parse (root, registration, &verdict->error);
  if (!credential)
    return;
  if (registration)
    {
      verdict->registration = sesame_verify_registration_json (&options, credential,
                                                               &verdict->error);
      return;
    }
  /* No stored credential id: the response names the credential, and the key
   * given on the command line is the one it is judged against. */
  stored.public_key = request->public_key;
  stored.sign_count = request->counter;
  verdict->assertion = sesame_verify_authentication_json (&options, &stored, credential,
                                                          &verdict->error);
}

/* Returns the exit status. */
static int
inspect (const Request  *request,
         GBytes         *input,
         JsonNode      **description)
{
  g_auto(Verdict) verdict = { 0 };
  g_autoptr(JsonNode) root = load_json (input, &verdict.error);

  if (root)
    verify (request, root, &verdict);
  *description = sesame_ceremony_describe (request->ceremony, root, verdict.registration,
                                           verdict.assertion, verdict.error);
  return verdict.error ? EXIT_REJECTED : EXIT_VERIFIED;
}

static void
print_json (JsonNode *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  /* JSON is UTF-8 whatever the locale: no g_print() conversion. */
  fputs (text, stdout);
  fputc ('\n', stdout);
}

/* Commands */

static int
usage_error (const GError *error)
{
  g_printerr ("%s: %s\n", g_get_prgname (), error->message);
  g_printerr ("Try '%s --help' for more information.\n", g_get_prgname ());
  return EXIT_USAGE;
}

static int
run_ceremony (SesameCeremony   ceremony,
              char           **argv)
{
  g_autoptr(Request) request = g_new0 (Request, 1);
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(JsonNode) description = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = g_strdup_printf ("sesame-inspect %s", argv[0]);
  g_auto(GStrv) args = g_strdupv (argv);
  int status;

  g_set_prgname (prgname);
  request->ceremony = ceremony;
  context = option_context_new (request);
  if (!g_option_context_parse_strv (context, &args, &error))
    return usage_error (error);
  if (request->help)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      fputs (help, stdout);
      return EXIT_VERIFIED;
    }
  if (!request_check (request, &error))
    return usage_error (error);

  input = read_input (request->files[0], &error);
  if (!input)
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return EXIT_USAGE;
    }

  status = inspect (request, input, &description);
  print_json (description);
  return status;
}

static void
print_usage (FILE *stream)
{
  fputs ("Usage:\n"
         "  sesame-inspect COMMAND [OPTION…] FILE\n"
         "\n"
         "Decode a WebAuthn credential response as PublicKeyCredential.toJSON() gives it\n"
         "(FILE, or '-' for standard input), verify it as a relying party would, and\n"
         "print the decoded content and the verdict as JSON.\n"
         "\n"
         "Commands:\n", stream);
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-16s %s\n", commands[i].name, commands[i].what);
  fputs ("\n"
         "Run 'sesame-inspect COMMAND --help' for the options of a command.\n"
         "\n"
         "Exit status: 0 verified, 1 rejected, 2 usage error.\n", stream);
}

static int
run (int    argc,
     char **argv)
{
  const char *command = argc > 1 ? argv[1] : NULL;

  if (!command)
    {
      print_usage (stderr);
      return EXIT_USAGE;
    }
  if (g_str_equal (command, "--help") || g_str_equal (command, "-h") ||
      g_str_equal (command, "help"))
    {
      print_usage (stdout);
      return EXIT_VERIFIED;
    }
  if (g_str_equal (command, "--version"))
    {
      printf ("sesame-inspect %s\n", PACKAGE_VERSION);
      return EXIT_VERIFIED;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (command, commands[i].name))
      return run_ceremony (commands[i].ceremony, argv + 1);

  g_printerr ("sesame-inspect: unknown command '%s'\n", command);
  g_printerr ("Try 'sesame-inspect --help' for the list of commands.\n");
  return EXIT_USAGE;
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  g_set_prgname ("sesame-inspect");
  return run (argc, argv);
}
