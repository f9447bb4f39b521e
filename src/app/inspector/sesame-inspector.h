/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameInspector: one ceremony, part by part, as the core describes it:
 * the tenant's verdict and every check it ran (tick or cross, and why),
 * the options the page passed, the client data, the authenticator data
 * (RP ID hash and whether it matches, the flags as labelled chips, sign
 * count, AAGUID and its name, credential id, key algorithm and curve) and,
 * for a registration, the attestation with its certificates. Raw values
 * have copy buttons (the window's "win.copy" action).
 */

#include <adwaita.h>

#include "sesame-ceremony-record.h"

G_BEGIN_DECLS

#define SESAME_TYPE_INSPECTOR (sesame_inspector_get_type ())
G_DECLARE_FINAL_TYPE (SesameInspector, sesame_inspector, SESAME, INSPECTOR, AdwBin)

GtkWidget            *sesame_inspector_new        (void);

/* What the checks are judged against: the tenant's RP ID and whether it
 * requires user verification; the built-in authenticator's AAGUID (16
 * bytes, may be NULL) to name it. */
void                  sesame_inspector_set_policy (SesameInspector *self,
                                                   const char      *rp_id,
                                                   gboolean         user_verification_required,
                                                   const guint8    *builtin_aaguid);

/* Shows @record (NULL: an empty state), and follows its verdict. */
void                  sesame_inspector_set_record (SesameInspector      *self,
                                                   SesameCeremonyRecord *record);
SesameCeremonyRecord *sesame_inspector_get_record (SesameInspector      *self);

G_END_DECLS
