/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "sesame-webauthn.h"

G_BEGIN_DECLS

typedef enum
{
  SESAME_CEREMONY_REGISTRATION,    /* navigator.credentials.create() */
  SESAME_CEREMONY_AUTHENTICATION,  /* navigator.credentials.get() */
} SesameCeremony;

const char *sesame_ceremony_to_string (SesameCeremony ceremony);

/*
 * A decoded description of a ceremony, for people: what the credential
 * (@credential, the parsed JSON of PublicKeyCredential.toJSON(); NULL or not
 * an object when it was not JSON) carried, part by part, and the verdict on
 * it. Each part is decoded independently of the verdict, so a refused
 * response still shows its content, and a part that does not decode holds
 * "error" and "message" in place of its content.
 *
 * The verdict is exactly one of: @registration (a verified registration),
 * @assertion (a verified authentication) or @error (why it was refused).
 * With @registration the attestation's type and trust are shown; without it
 * they are null, since only verification establishes them.
 *
 * Returns a new JSON object node with the members ceremony, credentialId,
 * userHandle (authentication, when sent), clientData, authenticatorData,
 * attestation (registration) and verdict (verified; error and message when
 * refused; signCount, userVerified, backupEligible and backedUp after an
 * authentication).
 */
JsonNode   *sesame_ceremony_describe  (SesameCeremony            ceremony,
                                       JsonNode                 *credential,
                                       const SesameRegistration *registration,
                                       const SesameAssertion    *assertion,
                                       const GError             *error);

/* The same description without its verdict member, for a caller that shows
 * a verdict reached elsewhere beside it (the app's inspector shows the
 * tenant's, from its event). The attestation's type and trust are null. */
JsonNode   *sesame_ceremony_describe_credential (SesameCeremony  ceremony,
                                                 JsonNode       *credential);

/*
 * The checks sesame_verify_registration() or sesame_verify_authentication()
 * runs, in the order it runs them, and how far a verification got: a JSON
 * array of {check, status, codes} where check names the check ("response",
 * "client-data", "type", "challenge", "origin", "authenticator-data",
 * "rp-id", "user-present", "user-verified", "backup-state",
 * "attested-data", "algorithm", "attestation" for a registration;
 * "response", "credential-id", "user-handle", "client-data", …,
 * "attested-data", "backup-eligibility", "signature", "sign-count" for an
 * authentication), status is "passed", "failed",
 * "not-run" or "not-required" (user verification when the relying party
 * does not ask for it) and codes lists the SesameWebauthnError names that
 * check can fail with.
 *
 * @error_name is the SesameWebauthnError name of the refusal
 * (sesame_webauthn_error_to_string()), or NULL for a verified ceremony.
 * A name no check fails with (not one of the core's) leaves every check
 * "not-run": the refusal came before verification.
 */
JsonNode   *sesame_ceremony_describe_checks (SesameCeremony  ceremony,
                                             const char     *error_name,
                                             gboolean        user_verification_required);

G_END_DECLS
