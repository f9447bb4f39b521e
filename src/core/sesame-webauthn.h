/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "sesame-authenticator-data.h"
#include "sesame-client-data.h"
#include "sesame-cose-key.h"
#include "sesame-trust-anchors.h"
#include "sesame-webauthn-error.h"

G_BEGIN_DECLS

/* What the relying party expects of a ceremony. Pointers are borrowed for
 * the duration of the call. Start from sesame_verify_options_init(). */
typedef struct
{
  /* The challenge this RP issued, as raw bytes, and whether the caller's
   * records say it was already used (a replay is then refused). */
  GBytes              *challenge;
  gboolean             challenge_used;

  const char * const  *origins;      /* any of; NULL-terminated */
  const char * const  *rp_ids;       /* any of; NULL-terminated */
  const char * const  *types;        /* NULL: "webauthn.create" / "webauthn.get" */

  gboolean             allow_cross_origin;
  const char * const  *top_origins;  /* NULL: any top origin when cross-origin is allowed */

  gboolean             require_user_presence;
  gboolean             require_user_verification;

  const int           *allowed_algorithms; /* NULL: every supported algorithm */
  gsize                n_allowed_algorithms;

  /* Attestation (registration only) */
  const char * const  *allowed_formats;    /* NULL: every supported format */
  SesameTrustAnchors  *trust_anchors;      /* NULL: no anchors, nothing is "trusted" */
  gint64               verification_time;  /* Unix seconds for certificate validity; 0: now */
  gboolean             require_trusted_attestation;
  gboolean             safetynet_enforce_cts;
  gint64               safetynet_max_age_ms; /* 0: the timestamp is not checked */
} SesameVerifyOptions;

void sesame_verify_options_init (SesameVerifyOptions *options);

typedef enum
{
  SESAME_ATTESTATION_TYPE_NONE,
  SESAME_ATTESTATION_TYPE_SELF,
  SESAME_ATTESTATION_TYPE_BASIC,
  SESAME_ATTESTATION_TYPE_ATTCA,
  SESAME_ATTESTATION_TYPE_ANONCA,
} SesameAttestationType;

const char *sesame_attestation_type_to_string (SesameAttestationType type);

/* A verified registration. */
typedef struct
{
  SesameClientData        *client_data;
  SesameAuthenticatorData *auth_data;      /* credential id, key, AAGUID, flags */
  char                    *fmt;
  SesameAttestationType    attestation_type;
  GPtrArray               *certificates;   /* GBytes (DER), leaf first */
  gboolean                 trust_anchored; /* the path reached a configured anchor */
  char                    *trust_detail;   /* which anchor, or why not */
  GBytes                  *attestation_object;
} SesameRegistration;

SesameRegistration *sesame_verify_registration (const SesameVerifyOptions *options,
                                                GBytes                    *client_data_json,
                                                GBytes                    *attestation_object,
                                                GError                   **error);
void                sesame_registration_free   (SesameRegistration *registration);

/* What the RP stored about a credential at registration. */
typedef struct
{
  GBytes        *credential_id;
  SesameCoseKey *public_key;
  guint32        sign_count;
  GBytes        *user_handle;        /* NULL: not checked */
  gboolean       has_backup_flags;   /* FALSE: backup eligibility unknown */
  gboolean       backup_eligible;
  gboolean       backed_up;
} SesameStoredCredential;

/* A verified assertion. */
typedef struct
{
  SesameClientData        *client_data;
  SesameAuthenticatorData *auth_data;
  guint32                  sign_count;
  gboolean                 user_verified;
  gboolean                 backup_eligible;
  gboolean                 backed_up;
  gboolean                 backup_state_changed;
} SesameAssertion;

SesameAssertion *sesame_verify_authentication (const SesameVerifyOptions    *options,
                                               const SesameStoredCredential *credential,
                                               GBytes                       *client_data_json,
                                               GBytes                       *authenticator_data,
                                               GBytes                       *signature,
                                               GBytes                       *user_handle,
                                               GError                      **error);
void             sesame_assertion_free        (SesameAssertion *assertion);

/* The browser's PublicKeyCredential.toJSON() forms, decoded and checked for
 * shape (id equals rawId, type "public-key", every buffer base64url). */
typedef struct
{
  char   *id;
  GBytes *raw_id;
  GBytes *client_data_json;
  GBytes *attestation_object;   /* registration */
  GBytes *authenticator_data;   /* authentication */
  GBytes *signature;            /* authentication */
  GBytes *user_handle;          /* authentication, may be NULL */
  char  **transports;           /* registration, may be NULL */
  char   *authenticator_attachment;
} SesameCredentialJson;

SesameCredentialJson *sesame_credential_json_parse (JsonNode   *node,
                                                    gboolean    registration,
                                                    GError    **error);
void                  sesame_credential_json_free  (SesameCredentialJson *credential);

/* The same checks, starting from the decoded toJSON() form: the credential
 * id the browser reports must be the one the ceremony is about. */
SesameRegistration   *sesame_verify_registration_json   (const SesameVerifyOptions    *options,
                                                         const SesameCredentialJson   *credential,
                                                         GError                      **error);
SesameAssertion      *sesame_verify_authentication_json (const SesameVerifyOptions    *options,
                                                         const SesameStoredCredential *stored,
                                                         const SesameCredentialJson   *credential,
                                                         GError                      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameRegistration, sesame_registration_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameAssertion, sesame_assertion_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameCredentialJson, sesame_credential_json_free)

G_END_DECLS
