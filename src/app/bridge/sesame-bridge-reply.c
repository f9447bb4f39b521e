/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-bridge-reply.h"

#include "sesame-bridge-error.h"
#include "sesame-security-key.h"
#include "sesame-soft-authenticator.h"

void
sesame_bridge_reply_send (WebKitScriptMessageReply *reply,
                          JSCContext               *context,
                          JsonNode                 *node)
{
  g_autofree char *text = NULL;
  g_autoptr(JSCValue) value = NULL;

  g_return_if_fail (reply != NULL);
  g_return_if_fail (JSC_IS_CONTEXT (context));
  g_return_if_fail (JSON_NODE_HOLDS_OBJECT (node));

  text = json_to_string (node, FALSE);
  value = jsc_value_new_string (context, text);
  webkit_script_message_reply_return_value (reply, value);
}

void
sesame_bridge_reply_send_error (WebKitScriptMessageReply *reply,
                                JSCContext               *context,
                                gint64                    page_id,
                                const GError             *error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  const char *name = sesame_bridge_error_dom_name_for (error);
  const char *message = error->message;

  /* The authenticator's own reasons stay in the app (the prompt shows
   * them); the page gets what a browser would tell it. */
  if (error->domain == SESAME_AUTHENTICATOR_ERROR || error->domain == SESAME_SECURITY_KEY_ERROR)
    {
      if (g_str_equal (name, "NotAllowedError"))
        message = SESAME_BRIDGE_NOT_ALLOWED_MESSAGE;
      else if (g_str_equal (name, "InvalidStateError"))
        message = "The user attempted to register an authenticator that contains one of the credentials already registered with the relying party.";
      else if (g_str_equal (name, "NotSupportedError"))
        message = "None of the algorithms in pubKeyCredParams is supported.";
      else
        message = "The authenticator failed.";
    }
  else if (error->domain != SESAME_BRIDGE_ERROR)
    {
      message = "The request failed.";
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, page_id);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);

  node = json_builder_get_root (builder);
  sesame_bridge_reply_send (reply, context, node);
}
