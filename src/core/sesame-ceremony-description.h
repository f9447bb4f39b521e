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

G_END_DECLS
