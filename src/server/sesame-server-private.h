/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Private to src/server: the route handlers and what they need from
 * SesameServer. */

#include "sesame-ceremony-rules.h"
#include "sesame-http-auth.h"
#include "sesame-http-error.h"
#include "sesame-http-json.h"
#include "sesame-http-request.h"
#include "sesame-server.h"

G_BEGIN_DECLS

/* A route handler: reads @req (never the message), fills @reply and
 * returns TRUE, or returns FALSE with @error, which the dispatcher turns
 * into the error reply (sesame_reply_set_error()). It may add members to
 * that error reply with sesame_reply_add_error_member(). */
typedef gboolean (*SesameRouteFunc) (SesameRequest  *req,
                                     SesameReply    *reply,
                                     GError        **error);

/* Client API (sesame-client-api.c) */
gboolean sesame_client_api_challenge              (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);
gboolean sesame_client_api_registration_options   (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);
gboolean sesame_client_api_add_passkey            (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);
gboolean sesame_client_api_authentication_options (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);
gboolean sesame_client_api_verify_passkey         (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);
gboolean sesame_client_api_passkey_exists         (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);
gboolean sesame_client_api_list_authenticators    (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);

/* Server API (sesame-server-api.c) */
gboolean sesame_server_api_track                  (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);
gboolean sesame_server_api_validate               (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);
gboolean sesame_server_api_get_user               (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);
gboolean sesame_server_api_query_users            (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);
gboolean sesame_server_api_update_user            (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);
gboolean sesame_server_api_delete_user            (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);
gboolean sesame_server_api_list_authenticators    (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);
gboolean sesame_server_api_delete_authenticator   (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);
gboolean sesame_server_api_get_action             (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);
gboolean sesame_server_api_update_action          (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);
gboolean sesame_server_api_query_actions          (SesameRequest  *req,
                                                   SesameReply    *reply,
                                                   GError        **error);

/* Issues an action token for @action, valid for the tenant's token
 * lifetime, signed with the tenant's token key; the issuer is the server's
 * base URL when @req arrived. */
char    *sesame_server_issue_token  (SesameRequest      *req,
                                     const SesameTenant *tenant,
                                     const SesameAction *action,
                                     const char         *scope,
                                     GError            **error);

G_END_DECLS
