/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameCeremonyRecord: one create() or get() the credentials bridge
 * answered, kept for the Activity view and the inspector: the options the
 * page passed, the credential the built-in authenticator returned (or why
 * there was none), and, once the tenant has judged that credential, the
 * tenant's event with its verdict. It decodes nothing itself: the
 * description comes from the core (sesame_ceremony_describe_credential()
 * and sesame_ceremony_describe_checks()).
 */

#include "sesame-ceremony-description.h"
#include "sesame-credential-request.h"
#include "sesame-store.h"

G_BEGIN_DECLS

#define SESAME_TYPE_CEREMONY_RECORD (sesame_ceremony_record_get_type ())
G_DECLARE_FINAL_TYPE (SesameCeremonyRecord, sesame_ceremony_record, SESAME, CEREMONY_RECORD, GObject)

/* @request must have finished. */
SesameCeremonyRecord *sesame_ceremony_record_new          (SesameCredentialRequest *request);

SesameCeremony        sesame_ceremony_record_get_ceremony (SesameCeremonyRecord *self);
SesameCredentialRequestOutcome sesame_ceremony_record_get_outcome (SesameCeremonyRecord *self);
gint64                sesame_ceremony_record_get_time     (SesameCeremonyRecord *self); /* µs */
const char           *sesame_ceremony_record_get_origin   (SesameCeremonyRecord *self);
const char           *sesame_ceremony_record_get_rp_id    (SesameCeremonyRecord *self);
/* The account of a create(), NULL for a get(). */
const char           *sesame_ceremony_record_get_user_name (SesameCeremonyRecord *self);
/* base64url, NULL when no credential was returned. */
const char           *sesame_ceremony_record_get_credential_id (SesameCeremonyRecord *self);
JsonNode             *sesame_ceremony_record_get_options  (SesameCeremonyRecord *self);
JsonNode             *sesame_ceremony_record_get_credential (SesameCeremonyRecord *self);
/* The failure the answer was made to carry (see failure injection). */
SesameInjectedFailure sesame_ceremony_record_get_injected_failure (SesameCeremonyRecord *self);
/* Why no credential was returned (the DOMException's message), or NULL. */
const char           *sesame_ceremony_record_get_failure  (SesameCeremonyRecord *self);

/* The core's description of the credential (no verdict member); NULL when
 * no credential was returned. */
JsonNode             *sesame_ceremony_record_get_description (SesameCeremonyRecord *self);

/* The tenant's "registration" or "authentication" event about this
 * credential, or NULL while none came. Setting it notifies "verdict". */
const SesameEvent    *sesame_ceremony_record_get_verdict  (SesameCeremonyRecord *self);
void                  sesame_ceremony_record_set_verdict  (SesameCeremonyRecord *self,
                                                           const SesameEvent    *event);
/* TRUE when @event is the tenant's verdict on this record's credential: a
 * registration (for create) or authentication (for get) event naming the
 * same credential id. */
gboolean              sesame_ceremony_record_is_verdict   (SesameCeremonyRecord *self,
                                                           const SesameEvent    *event);
/* The verdict's refusal code (a SesameWebauthnError name such as
 * "signature_invalid", or a tenant rule's such as "unknown_credential"),
 * NULL when verified or not judged yet. */
const char           *sesame_ceremony_record_get_refusal_code (SesameCeremonyRecord *self);

/* The checks the tenant ran, from the core's list and the verdict (see
 * sesame_ceremony_describe_checks()); NULL until the verdict came. */
JsonNode             *sesame_ceremony_record_dup_checks   (SesameCeremonyRecord *self,
                                                           gboolean              user_verification_required);

G_END_DECLS
