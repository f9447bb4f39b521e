/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameSoftAuthenticator: the built-in software platform authenticator,
 * the user's device in Sesame. It speaks CTAP2 semantics (makeCredential,
 * getAssertion) in C terms: the caller (the app's credentials bridge) has
 * already built clientDataJSON and passes its SHA-256.
 *
 * Its credentials (private keys included) live in their own SQLite file,
 * created with mode 0600, never in the tenant's database. It knows nothing
 * of the relying party's store or of HTTP.
 *
 * Threads: an instance belongs to the thread that made it; every call is
 * synchronous and fast (one key generation or one signature and one SQLite
 * write).
 */

#include <gio/gio.h>

G_BEGIN_DECLS

#define SESAME_AUTHENTICATOR_ERROR (sesame_authenticator_error_quark ())

typedef enum
{
  SESAME_AUTHENTICATOR_ERROR_INVALID_ARGUMENT,      /* a malformed request (caller bug or hostile page) */
  SESAME_AUTHENTICATOR_ERROR_UNSUPPORTED_ALGORITHM, /* none of pubKeyCredParams can be made */
  SESAME_AUTHENTICATOR_ERROR_EXCLUDED,              /* a credential in the exclude list is held here */
  SESAME_AUTHENTICATOR_ERROR_NO_CREDENTIALS,        /* nothing held for this RP ID (and allow list) */
  SESAME_AUTHENTICATOR_ERROR_PIN_REQUIRED,          /* UV asked for a PIN and none was given */
  SESAME_AUTHENTICATOR_ERROR_PIN_INVALID,           /* the PIN given is wrong */
  SESAME_AUTHENTICATOR_ERROR_PIN_BLOCKED,           /* too many wrong PINs */
  SESAME_AUTHENTICATOR_ERROR_PIN_POLICY,            /* a new PIN is too short or too long */
  SESAME_AUTHENTICATOR_ERROR_NOT_FOUND,             /* no credential with that id */
  SESAME_AUTHENTICATOR_ERROR_STORAGE,               /* the credential file failed */
} SesameAuthenticatorError;

GQuark sesame_authenticator_error_quark (void);

/* The attestation a credential is made with. */
typedef enum
{
  SESAME_SOFT_ATTESTATION_NONE,        /* fmt "none" */
  SESAME_SOFT_ATTESTATION_PACKED_SELF, /* fmt "packed", self attestation (no x5c) */
} SesameSoftAttestation;

/* One credential as a user sees it. Private keys never leave the store. */
typedef struct
{
  GBytes *credential_id;
  char   *rp_id;
  char   *user_name;
  char   *user_display_name;
  GBytes *user_handle;
  int     algorithm;       /* COSE: -7 ES256, -8 EdDSA, -257 RS256 */
  guint32 sign_count;
  gint64  created;         /* µs since the epoch */
  gint64  last_used;       /* µs since the epoch, 0 when never */
} SesameSoftCredential;

SesameSoftCredential *sesame_soft_credential_copy (const SesameSoftCredential *credential);
void                  sesame_soft_credential_free (SesameSoftCredential *credential);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameSoftCredential, sesame_soft_credential_free)

/* authenticatorMakeCredential's parameters. */
typedef struct
{
  GBytes             *client_data_hash;  /* 32 bytes */
  const char         *rp_id;
  const char         *rp_name;           /* may be NULL */
  GBytes             *user_handle;       /* 1..64 bytes */
  const char         *user_name;
  const char         *user_display_name; /* may be NULL */
  const int          *algorithms;        /* pubKeyCredParams in the RP's order */
  gsize               n_algorithms;
  GPtrArray          *exclude_list;      /* of GBytes credential ids, may be NULL */
  gboolean            resident_key;      /* always made discoverable; recorded only */
  gboolean            user_verification; /* TRUE: UV requested (a PIN must be set and given) */
  const char         *pin;               /* the PIN the user typed, or NULL */
  SesameSoftAttestation attestation;
  gboolean            user_verified;     /* the caller verified the user itself (a security
                                            key's PIN token); @pin must then be NULL */
} SesameSoftMakeCredential;

typedef struct
{
  GBytes *credential_id;
  GBytes *authenticator_data;
  GBytes *attestation_object;  /* CBOR {fmt, attStmt, authData} */
  GBytes *public_key_der;      /* SubjectPublicKeyInfo, for getPublicKey() */
  int     algorithm;
  gboolean user_verified;      /* UV flag set */
} SesameSoftAttestationResult;

void sesame_soft_attestation_result_free (SesameSoftAttestationResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameSoftAttestationResult, sesame_soft_attestation_result_free)

/* A fault the next assertion is made with, for demos and tests of a
 * relying party: each is something a broken or cloned authenticator
 * does, and a correct relying party refuses it (a missing UV only when it
 * requires user verification). */
typedef enum
{
  SESAME_SOFT_FAULT_NONE,
  SESAME_SOFT_FAULT_BAD_SIGNATURE, /* the signature does not verify */
  SESAME_SOFT_FAULT_NO_UP,         /* signed without the UP flag */
  SESAME_SOFT_FAULT_NO_UV,         /* signed without the UV flag, even after a PIN */
  SESAME_SOFT_FAULT_OLD_COUNTER,   /* signed with the first use's count again, as a clone
                                      made then would; 0 before any use */
} SesameSoftFault;

/* authenticatorGetAssertion's parameters. */
typedef struct
{
  GBytes     *client_data_hash;  /* 32 bytes */
  const char *rp_id;
  GPtrArray  *allow_list;        /* of GBytes credential ids; NULL or empty: discoverable */
  GBytes     *credential_id;     /* the one the user chose (prompt, autofill); NULL: the
                                    newest that matches */
  gboolean    user_verification;
  const char *pin;
  SesameSoftFault fault;         /* SESAME_SOFT_FAULT_NONE: a correct assertion */
  gboolean    user_verified;     /* as in SesameSoftMakeCredential */
} SesameSoftGetAssertion;

typedef struct
{
  GBytes *credential_id;
  GBytes *authenticator_data;
  GBytes *signature;
  GBytes *user_handle;
  gboolean user_verified;
} SesameSoftAssertionResult;

void sesame_soft_assertion_result_free (SesameSoftAssertionResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameSoftAssertionResult, sesame_soft_assertion_result_free)

#define SESAME_TYPE_SOFT_AUTHENTICATOR (sesame_soft_authenticator_get_type ())
G_DECLARE_FINAL_TYPE (SesameSoftAuthenticator, sesame_soft_authenticator,
                      SESAME, SOFT_AUTHENTICATOR, GObject)

/* Opens (or creates, mode 0600) the credential file at @path. */
SesameSoftAuthenticator *sesame_soft_authenticator_new (const char *path,
                                                        GError    **error);
const char *sesame_soft_authenticator_get_path (SesameSoftAuthenticator *self);

/* The AAGUID this authenticator puts in attested credential data; a
 * device built on it (the virtual security key) sets its own. */
const guint8 *sesame_soft_authenticator_get_aaguid (SesameSoftAuthenticator *self);
void          sesame_soft_authenticator_set_aaguid (SesameSoftAuthenticator *self,
                                                    const guint8             aaguid[16]);

/* Backup flags it reports (BE, BS), default FALSE/FALSE. */
void sesame_soft_authenticator_set_backup_flags (SesameSoftAuthenticator *self,
                                                 gboolean                 eligible,
                                                 gboolean                 state);

/* Whether each use increments the passkey's signature counter (default
 * TRUE); FALSE reports 0 on every use, as synced passkeys do. */
void     sesame_soft_authenticator_set_sign_counter (SesameSoftAuthenticator *self,
                                                     gboolean                 increments);
gboolean sesame_soft_authenticator_get_sign_counter (SesameSoftAuthenticator *self);

/* What the authenticator claims in the flags of its next ceremonies, for
 * tests of a relying party (Automation1's SetUserVerified and
 * SetUserPresence). PIN, the default, is the decision written at the top
 * of the .c file: UV only after a correct PIN. ALWAYS claims UV in every
 * ceremony without asking for a PIN, as a device whose biometric check
 * always passes; NEVER never claims it. A PIN is then neither asked for
 * nor checked. */
typedef enum
{
  SESAME_SOFT_USER_VERIFICATION_PIN,
  SESAME_SOFT_USER_VERIFICATION_ALWAYS,
  SESAME_SOFT_USER_VERIFICATION_NEVER,
} SesameSoftUserVerification;

void                       sesame_soft_authenticator_set_user_verification (SesameSoftAuthenticator   *self,
                                                                            SesameSoftUserVerification mode);
SesameSoftUserVerification sesame_soft_authenticator_get_user_verification (SesameSoftAuthenticator   *self);
/* FALSE: the UP flag is left out of every ceremony (default TRUE). */
void                       sesame_soft_authenticator_set_user_presence     (SesameSoftAuthenticator   *self,
                                                                            gboolean                   present);
gboolean                   sesame_soft_authenticator_get_user_presence     (SesameSoftAuthenticator   *self);

/* PIN: NULL or "" removes it. A PIN is 4..63 UTF-8 bytes. With a PIN set,
 * a request with user_verification must carry it; 8 wrong PINs in a row
 * block UV until a new PIN is set. */
gboolean sesame_soft_authenticator_set_pin      (SesameSoftAuthenticator *self,
                                                 const char              *pin,
                                                 GError                 **error);
gboolean sesame_soft_authenticator_has_pin      (SesameSoftAuthenticator *self);
int      sesame_soft_authenticator_get_pin_retries (SesameSoftAuthenticator *self);

SesameSoftAttestationResult *sesame_soft_authenticator_make_credential (SesameSoftAuthenticator        *self,
                                                                        const SesameSoftMakeCredential *request,
                                                                        GError                        **error);
SesameSoftAssertionResult   *sesame_soft_authenticator_get_assertion   (SesameSoftAuthenticator      *self,
                                                                        const SesameSoftGetAssertion *request,
                                                                        GError                      **error);

/* A passkey made elsewhere (a test's own key pair, one exported from
 * another authenticator), to import as it is. */
typedef struct
{
  const char *rp_id;
  GBytes     *credential_id;     /* 1..1023 bytes, not held here yet */
  GBytes     *user_handle;       /* 1..64 bytes */
  const char *user_name;
  const char *user_display_name; /* may be NULL */
  GBytes     *private_key;       /* unencrypted PKCS#8 DER: P-256 (ES256), Ed25519 (EdDSA)
                                    or RSA of 2048 bits or more (RS256) */
  guint32     sign_count;
} SesameSoftImport;

/* Stores @import after checking every field (INVALID_ARGUMENT says which
 * one is wrong, and nothing is stored). Like a new credential, it replaces
 * one held for the same RP ID and user handle. On success the COSE
 * algorithm the key signs with is in @algorithm (may be NULL). */
gboolean   sesame_soft_authenticator_import_credential (SesameSoftAuthenticator *self,
                                                        const SesameSoftImport  *import,
                                                        int                     *algorithm,
                                                        GError                 **error);

/* Credentials for @rp_id (NULL: all), newest first; a GPtrArray of
 * SesameSoftCredential. */
GPtrArray *sesame_soft_authenticator_list_credentials (SesameSoftAuthenticator *self,
                                                       const char              *rp_id,
                                                       GError                 **error);
gboolean   sesame_soft_authenticator_remove_credential (SesameSoftAuthenticator *self,
                                                        GBytes                  *credential_id,
                                                        GError                 **error);
gboolean   sesame_soft_authenticator_remove_all        (SesameSoftAuthenticator *self,
                                                        GError                 **error);

/*
 * SesameSoftAuthenticator::credentials-changed (SesameSoftAuthenticator *self)
 *
 * Emitted after a credential was added, used, or removed.
 */

G_END_DECLS
