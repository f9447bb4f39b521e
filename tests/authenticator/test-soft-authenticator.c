/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The built-in authenticator, on a real credential file: every algorithm
 * and attestation it makes is verified by the relying-party core, and
 * every rule (exclude and allow lists, PIN, flags, storage) is shown from
 * the outside. */

#include "config.h"

#include "sesame-authenticator-data.h"
#include "sesame-cbor.h"
#include "sesame-soft-authenticator.h"
#include "sesame-openssl.h"
#include "sesame-soft-key.h"
#include "sesame-test-authenticator.h"
#include "sesame-webauthn.h"

#include <glib/gstdio.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <sqlite3.h>
#include <openssl/x509.h>
#include <string.h>
#include <sys/stat.h>

#define RP_ID "localhost"
#define ORIGIN "http://localhost:3000"
#define PIN "1234"

static const int es256_only[] = { SESAME_COSE_ALG_ES256 };

typedef struct
{
  char *dir;
  char *path;
  SesameSoftAuthenticator *authenticator;
  guint changes;

  /* the ceremony the relying party expects */
  GBytes *challenge;
  const char *origins[2];
  const char *rp_ids[2];
  SesameVerifyOptions options;
} Fixture;

static void
count_change (SesameSoftAuthenticator *authenticator,
              Fixture                 *f)
{
  f->changes++;
}

static void
open_authenticator (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->authenticator = sesame_soft_authenticator_new (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->authenticator);
  g_signal_connect (f->authenticator, "credentials-changed", G_CALLBACK (count_change), f);
}

static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("sesame-authenticator-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "passkeys", "credentials.db", NULL);
  open_authenticator (f);

  f->challenge = g_bytes_new ("a challenge of thirty-two bytes!", 32);
  f->origins[0] = ORIGIN;
  f->rp_ids[0] = RP_ID;
  sesame_verify_options_init (&f->options);
  f->options.challenge = f->challenge;
  f->options.origins = f->origins;
  f->options.rp_ids = f->rp_ids;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_assert_cmpint (g_unlink (child), ==, 0);
    }
  g_assert_cmpint (g_rmdir (path), ==, 0);
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data)
{
  g_clear_object (&f->authenticator);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_bytes_unref (f->challenge);
}

static void
reopen (Fixture *f)
{
  g_clear_object (&f->authenticator);
  open_authenticator (f);
}

static GBytes *
hash_of (GBytes *data)
{
  guint8 hash[SHA256_DIGEST_LENGTH];

  SHA256 (g_bytes_get_data (data, NULL), g_bytes_get_size (data), hash);
  return g_bytes_new (hash, sizeof hash);
}

/* A makeCredential request for a user; the test changes what it needs. */
typedef struct
{
  SesameSoftMakeCredential request;
  GBytes *client_data;
  GBytes *client_data_hash;
  GBytes *user_handle;
} Create;

/* The same request for another user (name and handle). */
static void
create_set_user (Create     *c,
                 const char *user)
{
  g_autofree char *handle = g_strdup_printf ("handle-%s", user);

  g_clear_pointer (&c->user_handle, g_bytes_unref);
  c->user_handle = g_bytes_new (handle, strlen (handle));
  c->request.user_handle = c->user_handle;
  c->request.user_name = user;
}

static void
create_init (Fixture    *f,
             Create     *c,
             const char *user)
{
  memset (c, 0, sizeof *c);
  c->client_data = sesame_test_client_data ("webauthn.create", f->challenge, ORIGIN, NULL);
  c->client_data_hash = hash_of (c->client_data);
  c->request.client_data_hash = c->client_data_hash;
  c->request.rp_id = RP_ID;
  c->request.rp_name = "Sesame demo";
  c->request.user_display_name = "A user";
  c->request.algorithms = es256_only;
  c->request.n_algorithms = G_N_ELEMENTS (es256_only);
  c->request.resident_key = TRUE;
  c->request.attestation = SESAME_SOFT_ATTESTATION_NONE;
  create_set_user (c, user);
}

static void
create_clear (Create *c)
{
  g_clear_pointer (&c->client_data, g_bytes_unref);
  g_clear_pointer (&c->client_data_hash, g_bytes_unref);
  g_clear_pointer (&c->user_handle, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Create, create_clear)

/* What the RP keeps after a verified registration. */
typedef struct
{
  GBytes *credential_id;
  SesameCoseKey *public_key;
  GBytes *user_handle;
  guint32 sign_count;
  gboolean backup_eligible;
  gboolean backed_up;
} Registered;

static void
registered_clear (Registered *r)
{
  g_clear_pointer (&r->credential_id, g_bytes_unref);
  g_clear_pointer (&r->public_key, sesame_cose_key_unref);
  g_clear_pointer (&r->user_handle, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Registered, registered_clear)

/* Makes a credential and has the core verify it as an RP would. */
static SesameRegistration *
create_and_verify (Fixture    *f,
                   Create     *c,
                   Registered *registered)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameSoftAttestationResult) result = NULL;
  SesameRegistration *registration;

  result = sesame_soft_authenticator_make_credential (f->authenticator, &c->request, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);

  registration = sesame_verify_registration (&f->options, c->client_data,
                                             result->attestation_object, &error);
  g_assert_no_error (error);
  g_assert_nonnull (registration);

  g_assert_true (g_bytes_equal (registration->auth_data->credential_id, result->credential_id));
  g_assert_true (g_bytes_equal (registration->auth_data->raw, result->authenticator_data));
  g_assert_cmpint (sesame_cose_key_get_algorithm (registration->auth_data->public_key), ==,
                   result->algorithm);
  g_assert_cmpint (!!(registration->auth_data->flags & SESAME_AUTH_DATA_FLAG_UV), ==,
                   !!result->user_verified);

  /* getPublicKey(): the SPKI is the same key as the COSE key */
  {
    const guint8 *p = g_bytes_get_data (result->public_key_der, NULL);
    EVP_PKEY *spki = d2i_PUBKEY (NULL, &p, (long) g_bytes_get_size (result->public_key_der));

    g_assert_nonnull (spki);
    g_assert_true (sesame_cose_key_matches_pkey (registration->auth_data->public_key, spki));
    EVP_PKEY_free (spki);
  }

  if (registered != NULL)
    {
      registered->credential_id = g_bytes_ref (result->credential_id);
      registered->public_key = sesame_cose_key_ref (registration->auth_data->public_key);
      registered->user_handle = g_bytes_ref (c->user_handle);
      registered->sign_count = registration->auth_data->sign_count;
      registered->backup_eligible = !!(registration->auth_data->flags & SESAME_AUTH_DATA_FLAG_BE);
      registered->backed_up = !!(registration->auth_data->flags & SESAME_AUTH_DATA_FLAG_BS);
    }
  return registration;
}

/* A getAssertion request; the test changes what it needs. */
typedef struct
{
  SesameSoftGetAssertion request;
  GBytes *client_data;
  GBytes *client_data_hash;
} Get;

static void
get_init (Fixture *f,
          Get     *g)
{
  memset (g, 0, sizeof *g);
  g->client_data = sesame_test_client_data ("webauthn.get", f->challenge, ORIGIN, NULL);
  g->client_data_hash = hash_of (g->client_data);
  g->request.client_data_hash = g->client_data_hash;
  g->request.rp_id = RP_ID;
}

static void
get_clear (Get *g)
{
  g_clear_pointer (&g->client_data, g_bytes_unref);
  g_clear_pointer (&g->client_data_hash, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Get, get_clear)

/* Gets an assertion and has the core verify it against what the RP
 * registered; the RP's sign count moves on as a real RP's would. */
static SesameAssertion *
get_and_verify (Fixture    *f,
                Get        *g,
                Registered *registered)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameSoftAssertionResult) result = NULL;
  SesameStoredCredential stored = { 0 };
  SesameAssertion *assertion;

  result = sesame_soft_authenticator_get_assertion (f->authenticator, &g->request, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_true (g_bytes_equal (result->credential_id, registered->credential_id));
  g_assert_true (g_bytes_equal (result->user_handle, registered->user_handle));

  stored.credential_id = registered->credential_id;
  stored.public_key = registered->public_key;
  stored.sign_count = registered->sign_count;
  stored.user_handle = registered->user_handle;
  stored.has_backup_flags = TRUE;
  stored.backup_eligible = registered->backup_eligible;
  stored.backed_up = registered->backed_up;

  assertion = sesame_verify_authentication (&f->options, &stored, g->client_data,
                                            result->authenticator_data, result->signature,
                                            result->user_handle, &error);
  g_assert_no_error (error);
  g_assert_nonnull (assertion);
  g_assert_cmpint (!!assertion->user_verified, ==, !!result->user_verified);
  g_assert_cmpuint (assertion->sign_count, >, registered->sign_count);
  registered->sign_count = assertion->sign_count;
  return assertion;
}

static const int *
algorithm_list (int     first,
                gsize  *n)
{
  /* the RP's preference first, then others this authenticator also makes:
   * the first supported one must win, not the "best" */
  static int list[4];

  list[0] = SESAME_COSE_ALG_ES384;  /* not made here: skipped */
  list[1] = first;
  list[2] = first == SESAME_COSE_ALG_ES256 ? SESAME_COSE_ALG_RS256 : SESAME_COSE_ALG_ES256;
  list[3] = SESAME_COSE_ALG_EDDSA;
  *n = G_N_ELEMENTS (list);
  return list;
}

/* Every algorithm with both attestations, registered and then used twice,
 * each time verified by the core. */
static void
test_round_trip (Fixture      *f,
                 gconstpointer data)
{
  const int algs[] = { SESAME_COSE_ALG_ES256, SESAME_COSE_ALG_EDDSA, SESAME_COSE_ALG_RS256 };
  const SesameSoftAttestation attestations[] = {
    SESAME_SOFT_ATTESTATION_NONE, SESAME_SOFT_ATTESTATION_PACKED_SELF,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (algs); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (attestations); j++)
      {
        g_autofree char *user = g_strdup_printf ("user-%d-%d", algs[i], attestations[j]);
        g_auto(Create) c;
        g_auto(Get) g;
        g_auto(Registered) registered = { 0 };
        g_autoptr(SesameRegistration) registration = NULL;
        gsize n_algs = 0;

        g_test_message ("%s, %s", sesame_cose_algorithm_to_string (algs[i]),
                        attestations[j] == SESAME_SOFT_ATTESTATION_NONE ? "none" : "packed");
        create_init (f, &c, user);
        c.request.algorithms = algorithm_list (algs[i], &n_algs);
        c.request.n_algorithms = n_algs;
        c.request.attestation = attestations[j];
        registration = create_and_verify (f, &c, &registered);

        g_assert_cmpint (sesame_cose_key_get_algorithm (registered.public_key), ==, algs[i]);
        g_assert_cmpstr (registration->fmt, ==,
                         attestations[j] == SESAME_SOFT_ATTESTATION_NONE ? "none" : "packed");
        g_assert_cmpint (registration->attestation_type, ==,
                         attestations[j] == SESAME_SOFT_ATTESTATION_NONE
                           ? SESAME_ATTESTATION_TYPE_NONE : SESAME_ATTESTATION_TYPE_SELF);
        g_assert_cmpuint (registration->certificates ? registration->certificates->len : 0, ==, 0);
        g_assert_cmpmem (registration->auth_data->aaguid, 16,
                         sesame_soft_authenticator_get_aaguid (f->authenticator), 16);
        g_assert_cmpuint (registration->auth_data->flags, ==,
                          SESAME_AUTH_DATA_FLAG_UP | SESAME_AUTH_DATA_FLAG_AT);
        g_assert_cmpuint (registration->auth_data->sign_count, ==, 0);

        get_init (f, &g);
        for (guint32 use = 1; use <= 2; use++)
          {
            g_autoptr(SesameAssertion) assertion = get_and_verify (f, &g, &registered);

            g_assert_cmpuint (assertion->sign_count, ==, use);
            g_assert_cmpuint (assertion->auth_data->flags, ==, SESAME_AUTH_DATA_FLAG_UP);
          }
      }
}

/* The AAGUID is Sesame's fixed one, the same in every file. */
static void
test_aaguid (Fixture      *f,
             gconstpointer data)
{
  static const guint8 expected[16] = {
    0xf3, 0xbf, 0x4f, 0x4a, 0x91, 0x5b, 0x4d, 0xbe,
    0xbb, 0xeb, 0xf8, 0x36, 0x87, 0x64, 0x5e, 0xad,
  };

  g_assert_cmpmem (sesame_soft_authenticator_get_aaguid (f->authenticator), 16, expected, 16);
}

/* The COSE key is canonical CBOR: keys 1, 3, -1, -2, -3 in that order,
 * and re-encoding it gives the same bytes. */
static void
test_canonical_cose_key (Fixture      *f,
                         gconstpointer data)
{
  g_auto(Create) c;
  g_auto(Registered) registered = { 0 };
  g_autoptr(SesameRegistration) registration = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(cbor_item_t) item = NULL;
  GBytes *encoded;
  const guint8 *bytes;
  gsize len;
  const gint64 order[] = { 1, 3, -1, -2, -3 };
  struct cbor_pair *pairs;
  unsigned char *again = NULL;
  size_t again_size = 0;
  size_t again_len;

  create_init (f, &c, "alice");
  registration = create_and_verify (f, &c, &registered);
  encoded = sesame_cose_key_get_encoded (registered.public_key);
  bytes = g_bytes_get_data (encoded, &len);
  item = sesame_cbor_load (bytes, len, NULL, "COSE key", &error);
  g_assert_no_error (error);
  g_assert_true (cbor_isa_map (item));
  g_assert_cmpuint (cbor_map_size (item), ==, G_N_ELEMENTS (order));
  /* integers in their shortest form: kty is the single byte 0x01 */
  g_assert_cmpuint (len, >, 2);
  g_assert_cmpint (bytes[1], ==, 0x01);
  pairs = cbor_map_handle (item);
  for (gsize i = 0; i < G_N_ELEMENTS (order); i++)
    {
      gint64 key = 0;

      g_assert_true (sesame_cbor_get_int (pairs[i].key, &key));
      g_assert_cmpint (key, ==, order[i]);
    }
  /* x and y are full 32-byte coordinates */
  g_assert_cmpuint (cbor_bytestring_length (pairs[3].value), ==, 32);
  g_assert_cmpuint (cbor_bytestring_length (pairs[4].value), ==, 32);

  again_len = cbor_serialize_alloc (item, &again, &again_size);
  g_assert_cmpmem (again, again_len, bytes, len);
  free (again);
}

static void
test_unsupported_algorithm (Fixture      *f,
                            gconstpointer data)
{
  const int others[] = { SESAME_COSE_ALG_ES384, SESAME_COSE_ALG_PS256, -12345 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_auto(Create) c;

  create_init (f, &c, "alice");
  c.request.algorithms = others;
  c.request.n_algorithms = G_N_ELEMENTS (others);
  g_assert_null (sesame_soft_authenticator_make_credential (f->authenticator, &c.request, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR,
                  SESAME_AUTHENTICATOR_ERROR_UNSUPPORTED_ALGORITHM);
  list = sesame_soft_authenticator_list_credentials (f->authenticator, NULL, NULL);
  g_assert_cmpuint (list->len, ==, 0);
  g_assert_cmpuint (f->changes, ==, 0);
}

/* The RP lists what the user already has: the authenticator refuses and
 * keeps what it holds; a list of other ids or another RP's is no hit. */
static void
test_exclude_list (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) exclude = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(SesameRegistration) first = NULL;
  g_autoptr(SesameRegistration) second = NULL;
  g_auto(Create) c;
  g_auto(Registered) alice = { 0 };
  g_auto(Registered) bob = { 0 };

  create_init (f, &c, "alice");
  first = create_and_verify (f, &c, &alice);
  g_assert_cmpuint (f->changes, ==, 1);

  g_ptr_array_add (exclude, g_bytes_new ("not one of ours", 15));
  g_ptr_array_add (exclude, g_bytes_ref (alice.credential_id));
  c.request.exclude_list = exclude;
  g_assert_null (sesame_soft_authenticator_make_credential (f->authenticator, &c.request, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_EXCLUDED);
  g_clear_error (&error);
  g_assert_cmpuint (f->changes, ==, 1);

  /* the same id listed by another RP is not held for it */
  {
    g_autoptr(SesameSoftAttestationResult) other = NULL;

    c.request.rp_id = "example.com";
    other = sesame_soft_authenticator_make_credential (f->authenticator, &c.request, &error);
    g_assert_no_error (error);
    g_assert_nonnull (other);
  }

  /* and a list without alice's id lets bob register on localhost */
  g_ptr_array_remove_index (exclude, 1);
  c.request.rp_id = RP_ID;
  create_set_user (&c, "bob");
  second = create_and_verify (f, &c, &bob);

  list = sesame_soft_authenticator_list_credentials (f->authenticator, RP_ID, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpuint (f->changes, ==, 3);
}

/* Three users on localhost, one elsewhere: discoverable requests answer
 * with the newest, the allow list narrows it down, the user's choice
 * wins, and another RP's credentials are never used. */
static void
test_selection (Fixture      *f,
                gconstpointer data)
{
  const char *users[] = { "alice", "bob", "carol" };
  Registered registered[3] = { { 0 } };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) allow = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) list = NULL;
  g_auto(Get) g;

  for (gsize i = 0; i < G_N_ELEMENTS (users); i++)
    {
      g_auto(Create) c;
      g_autoptr(SesameRegistration) registration = NULL;

      create_init (f, &c, users[i]);
      registration = create_and_verify (f, &c, &registered[i]);
    }
  {
    g_auto(Create) c;
    g_autoptr(SesameSoftAttestationResult) elsewhere = NULL;

    create_init (f, &c, "dave");
    c.request.rp_id = "example.org";
    elsewhere = sesame_soft_authenticator_make_credential (f->authenticator, &c.request, &error);
    g_assert_no_error (error);
  }

  /* listed newest first, each with what the user sees */
  list = sesame_soft_authenticator_list_credentials (f->authenticator, RP_ID, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      SesameSoftCredential *credential = g_ptr_array_index (list, i);

      g_assert_cmpstr (credential->user_name, ==, users[2 - i]);
      g_assert_cmpstr (credential->user_display_name, ==, "A user");
      g_assert_cmpstr (credential->rp_id, ==, RP_ID);
      g_assert_cmpint (credential->algorithm, ==, SESAME_COSE_ALG_ES256);
      g_assert_true (g_bytes_equal (credential->credential_id, registered[2 - i].credential_id));
      g_assert_true (g_bytes_equal (credential->user_handle, registered[2 - i].user_handle));
      g_assert_cmpint (credential->created, >, 0);
      g_assert_cmpint (credential->last_used, ==, 0);
    }
  g_clear_pointer (&list, g_ptr_array_unref);
  list = sesame_soft_authenticator_list_credentials (f->authenticator, NULL, &error);
  g_assert_cmpuint (list->len, ==, 4);

  get_init (f, &g);

  /* discoverable: the newest */
  sesame_assertion_free (get_and_verify (f, &g, &registered[2]));

  /* the user picked alice */
  g.request.credential_id = registered[0].credential_id;
  sesame_assertion_free (get_and_verify (f, &g, &registered[0]));

  /* the allow list names alice and bob: the newest of them is bob */
  g.request.credential_id = NULL;
  g_ptr_array_add (allow, g_bytes_ref (registered[0].credential_id));
  g_ptr_array_add (allow, g_bytes_ref (registered[1].credential_id));
  g.request.allow_list = allow;
  sesame_assertion_free (get_and_verify (f, &g, &registered[1]));

  /* a choice outside the allow list is refused */
  g.request.credential_id = registered[2].credential_id;
  g_assert_null (sesame_soft_authenticator_get_assertion (f->authenticator, &g.request, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* an allow list of ids not held here */
  g.request.credential_id = NULL;
  g_ptr_array_set_size (allow, 0);
  g_ptr_array_add (allow, g_bytes_new ("unknown id", 10));
  g_assert_null (sesame_soft_authenticator_get_assertion (f->authenticator, &g.request, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_NO_CREDENTIALS);
  g_clear_error (&error);

  /* an RP with nothing here */
  g.request.allow_list = NULL;
  g.request.rp_id = "nothing.example";
  g_assert_null (sesame_soft_authenticator_get_assertion (f->authenticator, &g.request, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_NO_CREDENTIALS);
  g_clear_error (&error);

  /* last_used and the counter were recorded for the ones used */
  g_clear_pointer (&list, g_ptr_array_unref);
  list = sesame_soft_authenticator_list_credentials (f->authenticator, RP_ID, &error);
  g_assert_cmpuint (((SesameSoftCredential *) g_ptr_array_index (list, 0))->sign_count, ==, 1);
  g_assert_cmpuint (((SesameSoftCredential *) g_ptr_array_index (list, 1))->sign_count, ==, 1);
  g_assert_cmpuint (((SesameSoftCredential *) g_ptr_array_index (list, 2))->sign_count, ==, 1);
  g_assert_cmpint (((SesameSoftCredential *) g_ptr_array_index (list, 2))->last_used, >=,
                   ((SesameSoftCredential *) g_ptr_array_index (list, 2))->created);

  for (gsize i = 0; i < G_N_ELEMENTS (registered); i++)
    registered_clear (&registered[i]);
}

/* A new credential for a user already held on that RP replaces the old
 * one (CTAP2 discoverable credentials), which then no longer signs. */
static void
test_same_user_replaces (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(SesameRegistration) first = NULL;
  g_autoptr(SesameRegistration) second = NULL;
  g_auto(Registered) old = { 0 };
  g_auto(Registered) new = { 0 };
  g_auto(Create) c;
  g_auto(Get) g;

  create_init (f, &c, "alice");
  first = create_and_verify (f, &c, &old);
  second = create_and_verify (f, &c, &new);
  g_assert_false (g_bytes_equal (old.credential_id, new.credential_id));

  list = sesame_soft_authenticator_list_credentials (f->authenticator, RP_ID, &error);
  g_assert_cmpuint (list->len, ==, 1);

  get_init (f, &g);
  g.request.credential_id = old.credential_id;
  g_assert_null (sesame_soft_authenticator_get_assertion (f->authenticator, &g.request, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_NOT_FOUND);
  g.request.credential_id = NULL;
  sesame_assertion_free (get_and_verify (f, &g, &new));
}

/* The counter is per credential and survives reopening the file. */
static void
test_sign_count (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr(SesameRegistration) ra = NULL;
  g_autoptr(SesameRegistration) rb = NULL;
  g_auto(Registered) alice = { 0 };
  g_auto(Registered) bob = { 0 };
  g_auto(Create) c;
  g_auto(Get) g;
  g_autoptr(SesameAssertion) last = NULL;

  create_init (f, &c, "alice");
  ra = create_and_verify (f, &c, &alice);
  create_set_user (&c, "bob");
  rb = create_and_verify (f, &c, &bob);

  get_init (f, &g);
  g.request.credential_id = alice.credential_id;
  for (int i = 0; i < 5; i++)
    sesame_assertion_free (get_and_verify (f, &g, &alice));
  g_assert_cmpuint (alice.sign_count, ==, 5);

  /* bob's counter did not move with alice's */
  g.request.credential_id = bob.credential_id;
  sesame_assertion_free (get_and_verify (f, &g, &bob));
  g_assert_cmpuint (bob.sign_count, ==, 1);

  reopen (f);
  g.request.credential_id = alice.credential_id;
  last = get_and_verify (f, &g, &alice);
  g_assert_cmpuint (last->sign_count, ==, 6);
}

/* Gets an assertion made with @fault and has the core judge it; returns
 * the core's error (NULL: verified). The RP's stored count stays. */
static GError *
get_with_fault (Fixture         *f,
                Get             *g,
                Registered      *registered,
                SesameSoftFault  fault,
                gboolean         require_uv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameSoftAssertionResult) result = NULL;
  g_autoptr(SesameAssertion) assertion = NULL;
  SesameStoredCredential stored = { 0 };
  SesameVerifyOptions options = f->options;

  g->request.fault = fault;
  result = sesame_soft_authenticator_get_assertion (f->authenticator, &g->request, &error);
  g->request.fault = SESAME_SOFT_FAULT_NONE;
  g_assert_no_error (error);

  stored.credential_id = registered->credential_id;
  stored.public_key = registered->public_key;
  stored.sign_count = registered->sign_count;
  stored.user_handle = registered->user_handle;
  options.require_user_verification = require_uv;
  assertion = sesame_verify_authentication (&options, &stored, g->client_data,
                                            result->authenticator_data, result->signature,
                                            result->user_handle, &error);
  g_assert_true ((assertion == NULL) == (error != NULL));
  if (assertion)
    registered->sign_count = assertion->sign_count;
  return g_steal_pointer (&error);
}

/* Each fault makes an assertion the core refuses for that reason, and
 * only that assertion: the next one verifies again. */
static void
test_faults (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(SesameRegistration) registration = NULL;
  g_auto(Registered) alice = { 0 };
  g_auto(Create) c;
  g_auto(Get) g;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) no_error = NULL;

  create_init (f, &c, "alice");
  registration = create_and_verify (f, &c, &alice);
  get_init (f, &g);
  g.request.credential_id = alice.credential_id;

  /* A counter of 0 on both sides means "no counter": sign in once first. */
  sesame_assertion_free (get_and_verify (f, &g, &alice));

  error = get_with_fault (f, &g, &alice, SESAME_SOFT_FAULT_BAD_SIGNATURE, FALSE);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGNATURE_INVALID);
  g_clear_error (&error);
  f->options.require_user_presence = TRUE;
  error = get_with_fault (f, &g, &alice, SESAME_SOFT_FAULT_NO_UP, FALSE);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_USER_NOT_PRESENT);
  g_clear_error (&error);
  error = get_with_fault (f, &g, &alice, SESAME_SOFT_FAULT_OLD_COUNTER, FALSE);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGN_COUNT_REGRESSION);
  g_clear_error (&error);
  /* The device's own counter did not go back with the clone's: uses 1 to
   * 3 (two of them faulty), 3 kept by the clone's, 4 now. */
  sesame_assertion_free (get_and_verify (f, &g, &alice));
  g_assert_cmpuint (alice.sign_count, ==, 4);

  /* With a PIN the user is verified, unless the fault drops UV. */
  g_assert_true (sesame_soft_authenticator_set_pin (f->authenticator, PIN, &error));
  g_assert_no_error (error);
  g.request.user_verification = TRUE;
  g.request.pin = PIN;
  error = get_with_fault (f, &g, &alice, SESAME_SOFT_FAULT_NO_UV, TRUE);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_USER_NOT_VERIFIED);
  g_clear_error (&error);

  no_error = get_with_fault (f, &g, &alice, SESAME_SOFT_FAULT_NONE, TRUE);
  g_assert_no_error (no_error);
}

/* The PIN, end to end: UV without a PIN set, PIN required, wrong PINs
 * counted (across reopening), a right one restores the count, eight
 * wrong ones block, a new PIN unblocks. */
static void
test_pin (Fixture      *f,
          gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameRegistration) registration = NULL;
  g_auto(Registered) alice = { 0 };
  g_auto(Create) c;
  g_auto(Get) g;

  g_assert_false (sesame_soft_authenticator_has_pin (f->authenticator));
  g_assert_cmpint (sesame_soft_authenticator_get_pin_retries (f->authenticator), ==, 8);

  /* UV asked for, no PIN set: made without UV, which an RP requiring UV
   * refuses */
  create_init (f, &c, "alice");
  c.request.user_verification = TRUE;
  registration = create_and_verify (f, &c, &alice);
  g_assert_false (registration->auth_data->flags & SESAME_AUTH_DATA_FLAG_UV);
  {
    g_autoptr(SesameSoftAttestationResult) result = NULL;
    g_autoptr(SesameRegistration) refused = NULL;

    c.request.user_handle = alice.user_handle;
    result = sesame_soft_authenticator_make_credential (f->authenticator, &c.request, &error);
    g_assert_no_error (error);
    f->options.require_user_verification = TRUE;
    refused = sesame_verify_registration (&f->options, c.client_data, result->attestation_object,
                                          &error);
    g_assert_null (refused);
    g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_USER_NOT_VERIFIED);
    g_clear_error (&error);
    f->options.require_user_verification = FALSE;
    /* the RP refused it: drop what the authenticator made and make the
     * one that it registers below */
    g_assert_true (sesame_soft_authenticator_remove_credential (f->authenticator,
                                                                result->credential_id, &error));
  }
  /* a PIN given where none is set is a caller bug */
  c.request.pin = PIN;
  g_assert_null (sesame_soft_authenticator_make_credential (f->authenticator, &c.request, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* PIN policy: 4..63 bytes */
  g_assert_false (sesame_soft_authenticator_set_pin (f->authenticator, "123", &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_POLICY);
  g_clear_error (&error);
  {
    g_autofree char *long_pin = g_strnfill (64, '7');

    g_assert_false (sesame_soft_authenticator_set_pin (f->authenticator, long_pin, &error));
    g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_POLICY);
    g_clear_error (&error);
    long_pin[63] = '\0';
    g_assert_true (sesame_soft_authenticator_set_pin (f->authenticator, long_pin, &error));
    g_assert_no_error (error);
  }
  g_assert_false (sesame_soft_authenticator_set_pin (f->authenticator, "\xff\xfe\xfd\xfc", &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* "ü" is two bytes: four of them make a valid eight-byte PIN */
  g_assert_true (sesame_soft_authenticator_set_pin (f->authenticator, "üüüü", &error));
  g_assert_true (sesame_soft_authenticator_set_pin (f->authenticator, PIN, &error));
  g_assert_no_error (error);
  g_assert_true (sesame_soft_authenticator_has_pin (f->authenticator));

  /* UV asked for with a PIN set: a PIN is required */
  c.request.pin = NULL;
  g_assert_null (sesame_soft_authenticator_make_credential (f->authenticator, &c.request, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_REQUIRED);
  g_clear_error (&error);

  /* with the right PIN, UV is set and an RP requiring it accepts */
  {
    g_autoptr(SesameRegistration) verified = NULL;
    g_auto(Registered) again = { 0 };

    c.request.pin = PIN;
    f->options.require_user_verification = TRUE;
    verified = create_and_verify (f, &c, &again);
    g_assert_true (verified->auth_data->flags & SESAME_AUTH_DATA_FLAG_UV);
    registered_clear (&alice);
    alice = again;
    memset (&again, 0, sizeof again);
  }

  /* UV not asked for and no PIN given: no UV, no PIN needed */
  get_init (f, &g);
  f->options.require_user_verification = FALSE;
  {
    g_autoptr(SesameAssertion) a = get_and_verify (f, &g, &alice);
    g_assert_false (a->user_verified);
  }

  /* a PIN given without UV asked for is still checked, and then claimed */
  g.request.pin = PIN;
  {
    g_autoptr(SesameAssertion) a = get_and_verify (f, &g, &alice);
    g_assert_true (a->user_verified);
  }
  g.request.pin = NULL;

  /* wrong PINs count down, also across reopening */
  g.request.user_verification = TRUE;
  g.request.pin = "0000";
  for (int left = 7; left >= 5; left--)
    {
      g_autofree char *expected = g_strdup_printf ("Wrong PIN, %d attempts left", left);

      g_assert_null (sesame_soft_authenticator_get_assertion (f->authenticator, &g.request,
                                                              &error));
      g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_INVALID);
      g_assert_cmpstr (error->message, ==, expected);
      g_clear_error (&error);
      g_assert_cmpint (sesame_soft_authenticator_get_pin_retries (f->authenticator), ==, left);
    }
  reopen (f);
  g_assert_cmpint (sesame_soft_authenticator_get_pin_retries (f->authenticator), ==, 5);

  /* the right PIN restores the attempts and sets UV */
  g.request.pin = PIN;
  f->options.require_user_verification = TRUE;
  {
    g_autoptr(SesameAssertion) a = get_and_verify (f, &g, &alice);
    g_assert_true (a->user_verified);
  }
  g_assert_cmpint (sesame_soft_authenticator_get_pin_retries (f->authenticator), ==, 8);

  /* eight wrong ones block: the eighth already says so */
  g.request.pin = "9999";
  for (int i = 0; i < 8; i++)
    {
      g_assert_null (sesame_soft_authenticator_get_assertion (f->authenticator, &g.request,
                                                              &error));
      if (i < 7)
        g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_INVALID);
      else
        g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_BLOCKED);
      g_clear_error (&error);
    }
  g_assert_cmpint (sesame_soft_authenticator_get_pin_retries (f->authenticator), ==, 0);

  /* blocked: even the right PIN is refused, and it stays so reopened */
  reopen (f);
  g.request.pin = PIN;
  g_assert_null (sesame_soft_authenticator_get_assertion (f->authenticator, &g.request, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_BLOCKED);
  g_clear_error (&error);
  g_assert_null (sesame_soft_authenticator_make_credential (f->authenticator, &c.request, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_BLOCKED);
  g_clear_error (&error);

  /* a new PIN unblocks; the old one is wrong now */
  g_assert_true (sesame_soft_authenticator_set_pin (f->authenticator, "abcdef", &error));
  g_assert_cmpint (sesame_soft_authenticator_get_pin_retries (f->authenticator), ==, 8);
  g_assert_null (sesame_soft_authenticator_get_assertion (f->authenticator, &g.request, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_PIN_INVALID);
  g_clear_error (&error);
  g.request.pin = "abcdef";
  {
    g_autoptr(SesameAssertion) a = get_and_verify (f, &g, &alice);
    g_assert_true (a->user_verified);
  }

  /* removing the PIN: UV is no longer claimed */
  g_assert_true (sesame_soft_authenticator_set_pin (f->authenticator, "", &error));
  g_assert_false (sesame_soft_authenticator_has_pin (f->authenticator));
  g.request.pin = NULL;
  f->options.require_user_verification = FALSE;
  {
    g_autoptr(SesameAssertion) a = get_and_verify (f, &g, &alice);
    g_assert_false (a->user_verified);
  }
  g_assert_true (sesame_soft_authenticator_set_pin (f->authenticator, PIN, &error));
  g_assert_true (sesame_soft_authenticator_set_pin (f->authenticator, NULL, &error));
  g_assert_false (sesame_soft_authenticator_has_pin (f->authenticator));
}

/* The PIN is kept as a salted hash: neither it nor a plain digest of it
 * is anywhere in the file. */
static void
test_pin_not_stored (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;
  const char *pin = "correct horse battery";
  guint8 digest[SHA256_DIGEST_LENGTH];

  g_assert_true (sesame_soft_authenticator_set_pin (f->authenticator, pin, &error));
  g_clear_object (&f->authenticator);
  g_assert_true (g_file_get_contents (f->path, &contents, &len, &error));
  g_assert_null (memmem (contents, len, pin, strlen (pin)));
  SHA256 ((const guint8 *) pin, strlen (pin), digest);
  g_assert_null (memmem (contents, len, digest, sizeof digest));
  open_authenticator (f);
  g_assert_true (sesame_soft_authenticator_has_pin (f->authenticator));
}

/* BE and BS as configured; BE stays what it was when the credential was
 * made, so the RP never sees eligibility change. */
static void
test_backup_flags (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(SesameRegistration) synced = NULL;
  g_autoptr(SesameRegistration) local = NULL;
  g_auto(Registered) alice = { 0 };
  g_auto(Registered) bob = { 0 };
  g_auto(Create) c;
  g_auto(Get) g;

  sesame_soft_authenticator_set_backup_flags (f->authenticator, TRUE, TRUE);
  create_init (f, &c, "alice");
  synced = create_and_verify (f, &c, &alice);
  g_assert_cmpuint (synced->auth_data->flags & (SESAME_AUTH_DATA_FLAG_BE | SESAME_AUTH_DATA_FLAG_BS),
                    ==, SESAME_AUTH_DATA_FLAG_BE | SESAME_AUTH_DATA_FLAG_BS);

  sesame_soft_authenticator_set_backup_flags (f->authenticator, FALSE, FALSE);
  create_set_user (&c, "bob");
  local = create_and_verify (f, &c, &bob);
  g_assert_cmpuint (local->auth_data->flags & (SESAME_AUTH_DATA_FLAG_BE | SESAME_AUTH_DATA_FLAG_BS),
                    ==, 0);

  get_init (f, &g);
  /* alice's credential stays backup eligible; its state now says "not
   * backed up", which the RP sees as a state change */
  g.request.credential_id = alice.credential_id;
  {
    g_autoptr(SesameAssertion) a = get_and_verify (f, &g, &alice);

    g_assert_true (a->backup_eligible);
    g_assert_false (a->backed_up);
    g_assert_true (a->backup_state_changed);
  }
  sesame_soft_authenticator_set_backup_flags (f->authenticator, TRUE, TRUE);
  g.request.credential_id = bob.credential_id;
  {
    g_autoptr(SesameAssertion) a = get_and_verify (f, &g, &bob);

    g_assert_false (a->backup_eligible);
    g_assert_false (a->backed_up);
  }

  /* BS without BE is refused and changes nothing */
  g_test_expect_message ("Sesame-Authenticator", G_LOG_LEVEL_CRITICAL, "*eligible || !state*");
  sesame_soft_authenticator_set_backup_flags (f->authenticator, FALSE, TRUE);
  g_test_assert_expected_messages ();
  g.request.credential_id = alice.credential_id;
  {
    g_autoptr(SesameAssertion) a = get_and_verify (f, &g, &alice);

    g_assert_true (a->backed_up);
  }
}

static void
assert_private (const char *path)
{
  struct stat st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
}

/* The file is 0600 whatever the umask, an existing looser one is
 * tightened, and nothing is left readable after writes. */
static void
test_file_mode (Fixture      *f,
                gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *other = g_build_filename (f->dir, "loose.db", NULL);
  g_autofree char *dir_path = g_path_get_dirname (f->path);
  g_autoptr(SesameSoftAuthenticator) second = NULL;
  g_autoptr(SesameRegistration) registration = NULL;
  g_auto(Create) c;
  struct stat st;
  mode_t old_umask;

  assert_private (f->path);
  g_assert_cmpint (g_stat (dir_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0077, ==, 0);

  create_init (f, &c, "alice");
  registration = create_and_verify (f, &c, NULL);
  assert_private (f->path);

  /* a umask that would remove the owner's write bit, and a file that
   * already exists world-readable */
  g_assert_true (g_file_set_contents (other, "", 0, &error));
  g_assert_cmpint (g_chmod (other, 0644), ==, 0);
  old_umask = umask (0277);
  second = sesame_soft_authenticator_new (other, &error);
  umask (old_umask);
  g_assert_no_error (error);
  assert_private (other);
  g_assert_true (sesame_soft_authenticator_set_pin (second, PIN, &error));
  g_assert_no_error (error);
  assert_private (other);
}

/* What is made survives closing and reopening, keys included. */
static void
test_persistence (Fixture      *f,
                  gconstpointer data)
{
  const int algs[] = { SESAME_COSE_ALG_ES256, SESAME_COSE_ALG_EDDSA, SESAME_COSE_ALG_RS256 };
  Registered registered[3] = { { 0 } };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (algs); i++)
    {
      g_autofree char *user = g_strdup_printf ("user%zu", i);
      g_autoptr(SesameRegistration) registration = NULL;
      g_auto(Create) c;

      create_init (f, &c, user);
      c.request.algorithms = &algs[i];
      c.request.n_algorithms = 1;
      registration = create_and_verify (f, &c, &registered[i]);
    }

  reopen (f);
  list = sesame_soft_authenticator_list_credentials (f->authenticator, RP_ID, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);

  for (gsize i = 0; i < G_N_ELEMENTS (algs); i++)
    {
      g_auto(Get) g;

      get_init (f, &g);
      g.request.credential_id = registered[i].credential_id;
      sesame_assertion_free (get_and_verify (f, &g, &registered[i]));
      registered_clear (&registered[i]);
    }
}

static void
test_remove (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GBytes) unknown = g_bytes_new ("unknown", 7);
  g_auto(Registered) alice = { 0 };
  g_auto(Registered) bob = { 0 };
  g_autoptr(SesameRegistration) ra = NULL;
  g_autoptr(SesameRegistration) rb = NULL;
  g_auto(Create) c;
  g_auto(Get) g;

  /* nothing to remove: no signal */
  g_assert_true (sesame_soft_authenticator_remove_all (f->authenticator, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->changes, ==, 0);

  create_init (f, &c, "alice");
  ra = create_and_verify (f, &c, &alice);
  create_set_user (&c, "bob");
  rb = create_and_verify (f, &c, &bob);
  g_assert_cmpuint (f->changes, ==, 2);

  /* using a credential is a change too (its counter) */
  get_init (f, &g);
  sesame_assertion_free (get_and_verify (f, &g, &bob));
  g_assert_cmpuint (f->changes, ==, 3);

  g_assert_false (sesame_soft_authenticator_remove_credential (f->authenticator, unknown, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpuint (f->changes, ==, 3);

  g_assert_true (sesame_soft_authenticator_remove_credential (f->authenticator, bob.credential_id,
                                                              &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->changes, ==, 4);
  list = sesame_soft_authenticator_list_credentials (f->authenticator, NULL, &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_true (g_bytes_equal (((SesameSoftCredential *) g_ptr_array_index (list, 0))->credential_id,
                                alice.credential_id));
  g_clear_pointer (&list, g_ptr_array_unref);

  /* the removed one is gone for good; alice answers a discoverable get */
  g.request.credential_id = bob.credential_id;
  g_assert_null (sesame_soft_authenticator_get_assertion (f->authenticator, &g.request, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g.request.credential_id = NULL;
  sesame_assertion_free (get_and_verify (f, &g, &alice));

  g_assert_true (sesame_soft_authenticator_remove_all (f->authenticator, &error));
  g_assert_cmpuint (f->changes, ==, 6);
  reopen (f);
  list = sesame_soft_authenticator_list_credentials (f->authenticator, NULL, &error);
  g_assert_cmpuint (list->len, ==, 0);
  g_assert_null (sesame_soft_authenticator_get_assertion (f->authenticator, &g.request, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_NO_CREDENTIALS);
}

/* The whole file as bytes, to show that a refused request wrote nothing. */
static GBytes *
file_snapshot (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (f->path, &contents, &len, &error));
  return g_bytes_new_take (contents, len);
}

static void
assert_invalid_create (Fixture                        *f,
                       const SesameSoftMakeCredential *request,
                       const char                     *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = file_snapshot (f);
  g_autoptr(GBytes) after = NULL;
  guint changes = f->changes;

  g_test_message ("create: %s", what);
  g_assert_null (sesame_soft_authenticator_make_credential (f->authenticator, request, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, !=, "");
  after = file_snapshot (f);
  g_assert_true (g_bytes_equal (before, after));
  g_assert_cmpuint (f->changes, ==, changes);
}

static void
assert_invalid_get (Fixture                      *f,
                    const SesameSoftGetAssertion *request,
                    const char                   *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = file_snapshot (f);
  g_autoptr(GBytes) after = NULL;
  guint changes = f->changes;

  g_test_message ("get: %s", what);
  g_assert_null (sesame_soft_authenticator_get_assertion (f->authenticator, request, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT);
  after = file_snapshot (f);
  g_assert_true (g_bytes_equal (before, after));
  g_assert_cmpuint (f->changes, ==, changes);
}

static void
test_invalid_arguments (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) short_hash = g_bytes_new ("0123456789", 10);
  g_autoptr(GBytes) empty = g_bytes_new ("", 0);
  g_autofree char *long_handle_text = g_strnfill (65, 'h');
  g_autoptr(GBytes) long_handle = g_bytes_new (long_handle_text, 65);
  g_autoptr(GPtrArray) bad_list = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(SesameRegistration) registration = NULL;
  g_auto(Registered) alice = { 0 };
  g_auto(Create) c;
  g_auto(Get) g;
  SesameSoftMakeCredential bad;
  SesameSoftGetAssertion bad_get;

  g_assert_null (sesame_soft_authenticator_new ("", &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* something held and a PIN set, so that a refused request could do harm */
  create_init (f, &c, "alice");
  registration = create_and_verify (f, &c, &alice);
  g_assert_true (sesame_soft_authenticator_set_pin (f->authenticator, PIN, &error));

  assert_invalid_create (f, NULL, "no request");
  bad = c.request, bad.client_data_hash = NULL;
  assert_invalid_create (f, &bad, "no client data hash");
  bad = c.request, bad.client_data_hash = short_hash;
  assert_invalid_create (f, &bad, "short client data hash");
  bad = c.request, bad.client_data_hash = empty;
  assert_invalid_create (f, &bad, "empty client data hash");
  bad = c.request, bad.rp_id = NULL;
  assert_invalid_create (f, &bad, "no RP ID");
  bad = c.request, bad.rp_id = "";
  assert_invalid_create (f, &bad, "empty RP ID");
  bad = c.request, bad.rp_id = "\xc3\x28";
  assert_invalid_create (f, &bad, "RP ID not UTF-8");
  bad = c.request, bad.user_handle = NULL;
  assert_invalid_create (f, &bad, "no user handle");
  bad = c.request, bad.user_handle = empty;
  assert_invalid_create (f, &bad, "empty user handle");
  bad = c.request, bad.user_handle = long_handle;
  assert_invalid_create (f, &bad, "user handle of 65 bytes");
  bad = c.request, bad.user_name = NULL;
  assert_invalid_create (f, &bad, "no user name");
  bad = c.request, bad.user_display_name = "\xff";
  assert_invalid_create (f, &bad, "display name not UTF-8");
  bad = c.request, bad.algorithms = NULL;
  assert_invalid_create (f, &bad, "no algorithms");
  bad = c.request, bad.n_algorithms = 0;
  assert_invalid_create (f, &bad, "empty algorithm list");
  bad = c.request, bad.attestation = 7;
  assert_invalid_create (f, &bad, "unknown attestation");
  g_ptr_array_add (bad_list, g_bytes_ref (empty));
  bad = c.request, bad.exclude_list = bad_list;
  assert_invalid_create (f, &bad, "empty id in the exclude list");
  /* a wrong PIN in a malformed request is not counted */
  bad = c.request, bad.pin = "0000", bad.user_verification = TRUE, bad.n_algorithms = 0;
  assert_invalid_create (f, &bad, "malformed with a wrong PIN");
  g_assert_cmpint (sesame_soft_authenticator_get_pin_retries (f->authenticator), ==, 8);

  get_init (f, &g);
  assert_invalid_get (f, NULL, "no request");
  bad_get = g.request, bad_get.client_data_hash = NULL;
  assert_invalid_get (f, &bad_get, "no client data hash");
  bad_get = g.request, bad_get.client_data_hash = short_hash;
  assert_invalid_get (f, &bad_get, "short client data hash");
  bad_get = g.request, bad_get.rp_id = NULL;
  assert_invalid_get (f, &bad_get, "no RP ID");
  bad_get = g.request, bad_get.rp_id = "";
  assert_invalid_get (f, &bad_get, "empty RP ID");
  bad_get = g.request, bad_get.allow_list = bad_list;
  assert_invalid_get (f, &bad_get, "empty id in the allow list");
  bad_get = g.request, bad_get.credential_id = empty;
  assert_invalid_get (f, &bad_get, "empty chosen id");
  bad_get = g.request, bad_get.pin = "0000", bad_get.credential_id = empty;
  assert_invalid_get (f, &bad_get, "malformed with a wrong PIN");
  g_assert_cmpint (sesame_soft_authenticator_get_pin_retries (f->authenticator), ==, 8);

  g_assert_false (sesame_soft_authenticator_remove_credential (f->authenticator, empty, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (sesame_soft_authenticator_remove_credential (f->authenticator, NULL, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* and everything still works */
  g.request.user_verification = TRUE;
  g.request.pin = PIN;
  sesame_assertion_free (get_and_verify (f, &g, &alice));
}

/* A file that is not a credential file is refused with a clear error,
 * and left as it was. */
static void
test_damaged_file (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "not-sqlite.db", NULL);
  g_autofree char *contents = NULL;
  const char *garbage = "this is not an SQLite database, just some text of some length";

  g_assert_true (g_file_set_contents (path, garbage, -1, &error));
  g_assert_null (sesame_soft_authenticator_new (path, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_cmpstr (contents, ==, garbage);

  /* a directory where the file should be */
  g_assert_null (sesame_soft_authenticator_new (f->dir, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE);
}

static void
run_sql (const char *path,
         const char *sql)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* A key damaged in the file: the assertion fails with STORAGE and the
 * counter does not move; a file from a newer Sesame is not touched. */
static void
test_damaged_key (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(SesameRegistration) registration = NULL;
  g_auto(Registered) alice = { 0 };
  g_auto(Create) c;
  g_auto(Get) g;

  create_init (f, &c, "alice");
  registration = create_and_verify (f, &c, &alice);
  g_clear_object (&f->authenticator);
  run_sql (f->path, "UPDATE credentials SET private_key = x'300102'");
  open_authenticator (f);
  f->changes = 0;

  get_init (f, &g);
  g_assert_null (sesame_soft_authenticator_get_assertion (f->authenticator, &g.request, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE);
  g_clear_error (&error);
  list = sesame_soft_authenticator_list_credentials (f->authenticator, NULL, &error);
  g_assert_cmpuint (((SesameSoftCredential *) g_ptr_array_index (list, 0))->sign_count, ==, 0);
  g_assert_cmpuint (f->changes, ==, 0);

  g_clear_object (&f->authenticator);
  run_sql (f->path, "PRAGMA user_version = 99");
  g_assert_null (sesame_soft_authenticator_new (f->path, &error));
  g_assert_error (error, SESAME_AUTHENTICATOR_ERROR, SESAME_AUTHENTICATOR_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "newer"));
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free)

static GBytes *
pkcs8_of (EVP_PKEY *key)
{
  g_autoptr(PKCS8_PRIV_KEY_INFO) info = EVP_PKEY2PKCS8 (key);
  unsigned char *der = NULL;
  int len = i2d_PKCS8_PRIV_KEY_INFO (info, &der);
  GBytes *bytes;

  g_assert_cmpint (len, >, 0);
  bytes = g_bytes_new (der, len);
  OPENSSL_free (der);
  return bytes;
}

/* A key pair made outside, imported, then used: the core verifies its
 * assertions against the public key the importer kept, with the sign
 * count it gave. Every bad import is refused and stores nothing. */
static void
test_import (Fixture      *f,
             gconstpointer data)
{
  static const struct
  {
    const char *type;
    const char *curve;
    int         alg;
  } keys[] = {
    { "EC", "P-256", SESAME_COSE_ALG_ES256 },
    { "ED25519", NULL, SESAME_COSE_ALG_EDDSA },
    { "RSA", NULL, SESAME_COSE_ALG_RS256 },
  };
  g_autoptr(EVP_PKEY) p384 = EVP_EC_gen ("P-384");
  g_autoptr(EVP_PKEY) rsa1024 = EVP_RSA_gen (1024);
  g_autoptr(GBytes) p384_der = pkcs8_of (p384);
  g_autoptr(GBytes) rsa1024_der = pkcs8_of (rsa1024);
  g_autoptr(GBytes) garbage = g_bytes_new ("\x30\x03\x02\x01\x00", 5);
  g_autoptr(GBytes) long_handle = g_bytes_new_take (g_malloc0 (65), 65);
  g_autoptr(GPtrArray) held = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(EVP_PKEY) key = NULL;
      g_autoptr(GBytes) der = NULL;
      g_autoptr(GBytes) cose = NULL;
      g_autofree char *user = g_strdup_printf ("imported-%u", i);
      g_auto(Registered) registered = { 0 };
      g_auto(Get) g;
      SesameSoftImport import = { 0 };
      guint changes = f->changes;
      int alg = 0;

      key = keys[i].curve ? EVP_EC_gen (keys[i].curve)
                          : keys[i].alg == SESAME_COSE_ALG_RS256 ? EVP_RSA_gen (2048)
                                                                 : EVP_PKEY_Q_keygen (NULL, NULL,
                                                                                      keys[i].type);
      g_assert_nonnull (key);
      der = pkcs8_of (key);
      registered.credential_id = g_bytes_new (user, strlen (user));
      registered.user_handle = g_bytes_new (user, strlen (user));
      registered.public_key = NULL;
      registered.sign_count = 7;

      import.rp_id = RP_ID;
      import.credential_id = registered.credential_id;
      import.user_handle = registered.user_handle;
      import.user_name = user;
      import.private_key = der;
      import.sign_count = 7;
      g_assert_true (sesame_soft_authenticator_import_credential (f->authenticator, &import, &alg,
                                                                  &error));
      g_assert_no_error (error);
      g_assert_cmpint (alg, ==, keys[i].alg);
      g_assert_cmpuint (f->changes, ==, changes + 1);

      /* The importer's public key: from its own key pair. */
      cose = sesame_soft_key_cose_public (key, alg, &error);
      g_assert_no_error (error);
      registered.public_key = sesame_cose_key_new_from_cbor (g_bytes_get_data (cose, NULL),
                                                             g_bytes_get_size (cose), NULL, &error);
      g_assert_no_error (error);
      g_assert_true (sesame_cose_key_matches_pkey (registered.public_key, key));

      get_init (f, &g);
      g.request.credential_id = registered.credential_id;
      sesame_assertion_free (get_and_verify (f, &g, &registered));
      g_assert_cmpuint (registered.sign_count, ==, 8);

      /* Its id is taken now, for any RP. */
      import.rp_id = "example.com";
      g_assert_false (sesame_soft_authenticator_import_credential (f->authenticator, &import,
                                                                   NULL, &error));
      g_assert_error (error, SESAME_AUTHENTICATOR_ERROR,
                      SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }

  held = sesame_soft_authenticator_list_credentials (f->authenticator, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (held->len, ==, G_N_ELEMENTS (keys));

  /* Refused, each for its reason, and nothing stored. */
  {
    g_autoptr(GBytes) id = g_bytes_new ("fresh", 5);
    g_autoptr(EVP_PKEY) good = EVP_EC_gen ("P-256");
    g_autoptr(GBytes) good_der = pkcs8_of (good);
    g_autoptr(GBytes) trailing = NULL;
    GByteArray *padded = g_byte_array_new ();
    SesameSoftImport base = { RP_ID, id, id, "fresh", NULL, good_der, 0 };
    SesameSoftImport bad[9];
    guint changes = f->changes;

    g_byte_array_append (padded, g_bytes_get_data (good_der, NULL), g_bytes_get_size (good_der));
    g_byte_array_append (padded, (const guint8 *) "", 1);
    trailing = g_byte_array_free_to_bytes (padded);

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      bad[i] = base;
    bad[0].private_key = p384_der;
    bad[1].private_key = rsa1024_der;
    bad[2].private_key = garbage;
    bad[3].private_key = trailing;
    bad[4].private_key = NULL;
    bad[5].user_handle = long_handle;
    bad[6].user_name = "";
    bad[7].rp_id = "";
    bad[8].credential_id = NULL;
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_assert_false (sesame_soft_authenticator_import_credential (f->authenticator, &bad[i],
                                                                     NULL, &error));
        g_assert_error (error, SESAME_AUTHENTICATOR_ERROR,
                        SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT);
        g_clear_error (&error);
      }
    g_assert_cmpuint (f->changes, ==, changes);
    g_clear_pointer (&held, g_ptr_array_unref);
    held = sesame_soft_authenticator_list_credentials (f->authenticator, NULL, &error);
    g_assert_cmpuint (held->len, ==, G_N_ELEMENTS (keys));
  }
}

/* What a test tells the authenticator to claim: UV always (no PIN asked
 * although one is set) or never (even with the PIN), UP left out of
 * both ceremonies; the core sees each. */
static void
test_claims (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(SesameRegistration) registration = NULL;
  g_autoptr(SesameSoftAttestationResult) made = NULL;
  g_auto(Registered) alice = { 0 };
  g_auto(Create) c;
  g_auto(Get) g;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (sesame_soft_authenticator_get_user_verification (f->authenticator), ==,
                   SESAME_SOFT_USER_VERIFICATION_PIN);
  g_assert_true (sesame_soft_authenticator_get_user_presence (f->authenticator));
  g_assert_true (sesame_soft_authenticator_set_pin (f->authenticator, PIN, &error));

  /* ALWAYS: verified, with UV asked for and no PIN given. */
  sesame_soft_authenticator_set_user_verification (f->authenticator,
                                                   SESAME_SOFT_USER_VERIFICATION_ALWAYS);
  create_init (f, &c, "alice");
  c.request.user_verification = TRUE;
  f->options.require_user_verification = TRUE;
  registration = create_and_verify (f, &c, &alice);
  g_assert_true (registration->auth_data->flags & SESAME_AUTH_DATA_FLAG_UV);
  get_init (f, &g);
  g.request.credential_id = alice.credential_id;
  g.request.user_verification = TRUE;
  sesame_assertion_free (get_and_verify (f, &g, &alice));

  /* NEVER: not verified even with the right PIN, and refused where UV
   * is required. */
  sesame_soft_authenticator_set_user_verification (f->authenticator,
                                                   SESAME_SOFT_USER_VERIFICATION_NEVER);
  g.request.pin = PIN;
  error = get_with_fault (f, &g, &alice, SESAME_SOFT_FAULT_NONE, TRUE);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_USER_NOT_VERIFIED);
  g_clear_error (&error);

  /* No presence: neither a new credential nor an assertion claims UP. */
  sesame_soft_authenticator_set_user_verification (f->authenticator,
                                                   SESAME_SOFT_USER_VERIFICATION_PIN);
  sesame_soft_authenticator_set_user_presence (f->authenticator, FALSE);
  error = get_with_fault (f, &g, &alice, SESAME_SOFT_FAULT_NONE, FALSE);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_USER_NOT_PRESENT);
  g_clear_error (&error);
  create_set_user (&c, "bob");
  c.request.pin = PIN;
  made = sesame_soft_authenticator_make_credential (f->authenticator, &c.request, &error);
  g_assert_no_error (error);
  g_assert_false (((const guint8 *) g_bytes_get_data (made->authenticator_data, NULL))[32] &
                  SESAME_AUTH_DATA_FLAG_UP);
  g_clear_pointer (&registration, sesame_registration_free);
  registration = sesame_verify_registration (&f->options, c.client_data, made->attestation_object,
                                             &error);
  g_assert_null (registration);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_USER_NOT_PRESENT);
  g_clear_error (&error);

  /* Back to the default: UP again, UV by the PIN. */
  sesame_soft_authenticator_set_user_presence (f->authenticator, TRUE);
  g_assert_null (get_with_fault (f, &g, &alice, SESAME_SOFT_FAULT_NONE, TRUE));
}

#define ADD(name, func) \
  g_test_add ("/soft-authenticator/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD ("round-trip", test_round_trip);
  ADD ("aaguid", test_aaguid);
  ADD ("canonical-cose-key", test_canonical_cose_key);
  ADD ("unsupported-algorithm", test_unsupported_algorithm);
  ADD ("exclude-list", test_exclude_list);
  ADD ("selection", test_selection);
  ADD ("same-user-replaces", test_same_user_replaces);
  ADD ("sign-count", test_sign_count);
  ADD ("faults", test_faults);
  ADD ("import", test_import);
  ADD ("claims", test_claims);
  ADD ("pin", test_pin);
  ADD ("pin-not-stored", test_pin_not_stored);
  ADD ("backup-flags", test_backup_flags);
  ADD ("file-mode", test_file_mode);
  ADD ("persistence", test_persistence);
  ADD ("remove", test_remove);
  ADD ("invalid-arguments", test_invalid_arguments);
  ADD ("damaged-file", test_damaged_file);
  ADD ("damaged-key", test_damaged_key);

  return g_test_run ();
}
