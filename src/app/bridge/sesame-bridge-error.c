/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-bridge-error.h"
#include "sesame-security-key.h"
#include "sesame-soft-authenticator.h"

G_DEFINE_QUARK (sesame-bridge-error-quark, sesame_bridge_error)

const char *
sesame_bridge_error_to_dom_name (SesameBridgeError code)
{
  switch (code)
    {
    case SESAME_BRIDGE_ERROR_NOT_ALLOWED:
      return "NotAllowedError";
    case SESAME_BRIDGE_ERROR_SECURITY:
      return "SecurityError";
    case SESAME_BRIDGE_ERROR_NOT_SUPPORTED:
      return "NotSupportedError";
    case SESAME_BRIDGE_ERROR_INVALID_STATE:
      return "InvalidStateError";
    case SESAME_BRIDGE_ERROR_ABORT:
      return "AbortError";
    case SESAME_BRIDGE_ERROR_TYPE:
      return "TypeError";
    case SESAME_BRIDGE_ERROR_UNKNOWN:
    default:
      return "UnknownError";
    }
}

const char *
sesame_bridge_error_dom_name_for (const GError *error)
{
  g_return_val_if_fail (error != NULL, "UnknownError");

  if (error->domain == SESAME_BRIDGE_ERROR)
    return sesame_bridge_error_to_dom_name (error->code);

  /* What Chrome reports when its platform authenticator refuses: an
   * excluded credential is the one case the page may learn about
   * (InvalidStateError); everything about the user or the store is
   * NotAllowedError, so that a page cannot probe for credentials. */
  if (error->domain == SESAME_AUTHENTICATOR_ERROR)
    {
      switch (error->code)
        {
        case SESAME_AUTHENTICATOR_ERROR_EXCLUDED:
          return "InvalidStateError";
        case SESAME_AUTHENTICATOR_ERROR_UNSUPPORTED_ALGORITHM:
          return "NotSupportedError";
        case SESAME_AUTHENTICATOR_ERROR_STORAGE:
          return "UnknownError";
        default:
          return "NotAllowedError";
        }
    }

  /* A security key's refusals, as Chrome reports them. */
  if (error->domain == SESAME_SECURITY_KEY_ERROR)
    {
      switch (error->code)
        {
        case SESAME_SECURITY_KEY_ERROR_EXCLUDED:
          return "InvalidStateError";
        case SESAME_SECURITY_KEY_ERROR_UNSUPPORTED_ALGORITHM:
          return "NotSupportedError";
        default:
          return "NotAllowedError";
        }
    }

  return "UnknownError";
}
