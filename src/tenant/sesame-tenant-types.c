/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-tenant-types.h"
#include "sesame-tenant-enums.h"

G_DEFINE_QUARK (sesame-rule-error-quark, sesame_rule_error)

/* The nicks of the generated GEnumValues are the wire strings, so the one
 * table of names is the enum's declaration. */
static const char *
enum_to_string (GType type,
                int   value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *found = g_enum_get_value (klass, value);

  g_return_val_if_fail (found != NULL, NULL);
  return found->value_nick;
}

static gboolean
enum_from_string (GType       type,
                  const char *text,
                  int        *value)
{
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *found;

  if (!text)
    return FALSE;
  klass = g_type_class_ref (type);
  found = g_enum_get_value_by_nick (klass, text);
  if (!found)
    return FALSE;
  *value = found->value;
  return TRUE;
}

const char *
sesame_action_state_to_string (SesameActionState state)
{
  return enum_to_string (SESAME_TYPE_ACTION_STATE, state);
}

gboolean
sesame_action_state_from_string (const char        *text,
                                 SesameActionState *state)
{
  int value;

  if (!enum_from_string (SESAME_TYPE_ACTION_STATE, text, &value))
    return FALSE;
  *state = value;
  return TRUE;
}

const char *
sesame_user_verification_to_string (SesameUserVerification uv)
{
  return enum_to_string (SESAME_TYPE_USER_VERIFICATION, uv);
}

gboolean
sesame_user_verification_from_string (const char             *text,
                                      SesameUserVerification *uv)
{
  int value;

  if (!enum_from_string (SESAME_TYPE_USER_VERIFICATION, text, &value))
    return FALSE;
  *uv = value;
  return TRUE;
}

const char *
sesame_attestation_conveyance_to_string (SesameAttestationConveyance conveyance)
{
  return enum_to_string (SESAME_TYPE_ATTESTATION_CONVEYANCE, conveyance);
}

gboolean
sesame_attestation_conveyance_from_string (const char                  *text,
                                           SesameAttestationConveyance *conveyance)
{
  int value;

  if (!enum_from_string (SESAME_TYPE_ATTESTATION_CONVEYANCE, text, &value))
    return FALSE;
  *conveyance = value;
  return TRUE;
}

const char *
sesame_attachment_to_string (SesameAttachment attachment)
{
  /* "any" is not a WebAuthn value: the member is left out instead. */
  if (attachment == SESAME_ATTACHMENT_ANY)
    return NULL;
  return enum_to_string (SESAME_TYPE_ATTACHMENT, attachment);
}

gboolean
sesame_attachment_from_string (const char       *text,
                               SesameAttachment *attachment)
{
  int value;

  if (!text || !*text)
    {
      *attachment = SESAME_ATTACHMENT_ANY;
      return TRUE;
    }
  if (g_str_equal (text, "any") ||
      !enum_from_string (SESAME_TYPE_ATTACHMENT, text, &value))
    return FALSE;
  *attachment = value;
  return TRUE;
}
