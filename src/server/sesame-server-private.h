/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Private to src/server: the route handlers and what they need from
 * SesameServer. */

#include "sesame-server.h"
#include "sesame-server-http.h"

G_BEGIN_DECLS

/* The action code of a passkey sign-in that names none. */
#define SESAME_DEFAULT_SIGN_IN_ACTION "signInWithPasskey"

/* Longest user id, idempotency key, challenge id, username or display
 * name accepted from a request. */
#define SESAME_ID_MAX_LEN 256

#define SESAME_SCOPE_READ_AUTHENTICATORS "read:authenticators"
#define SESAME_SCOPE_ADD_AUTHENTICATORS  "add:authenticators"

typedef void (*SesameRouteFunc) (SesameRequest *req);

/* Client API (sesame-client-api.c) */
void     sesame_client_api_challenge              (SesameRequest *req);
void     sesame_client_api_registration_options   (SesameRequest *req);
void     sesame_client_api_add_passkey            (SesameRequest *req);
void     sesame_client_api_authentication_options (SesameRequest *req);
void     sesame_client_api_verify_passkey         (SesameRequest *req);
void     sesame_client_api_passkey_exists         (SesameRequest *req);
void     sesame_client_api_list_authenticators    (SesameRequest *req);

/* Server API (sesame-server-api.c) */
void     sesame_server_api_track                  (SesameRequest *req);
void     sesame_server_api_validate               (SesameRequest *req);
void     sesame_server_api_get_user               (SesameRequest *req);
void     sesame_server_api_query_users            (SesameRequest *req);
void     sesame_server_api_update_user            (SesameRequest *req);
void     sesame_server_api_delete_user            (SesameRequest *req);
void     sesame_server_api_list_authenticators    (SesameRequest *req);
void     sesame_server_api_delete_authenticator   (SesameRequest *req);
void     sesame_server_api_get_action             (SesameRequest *req);
void     sesame_server_api_update_action          (SesameRequest *req);
void     sesame_server_api_query_actions          (SesameRequest *req);

/* Issues an action token for @action, valid for the tenant's token
 * lifetime, signed with the tenant's token key. */
char    *sesame_server_issue_token  (SesameServer       *self,
                                     const SesameTenant *tenant,
                                     const SesameAction *action,
                                     const char         *scope,
                                     GError            **error);

/* The WebAuthn user handle of a user: HMAC-SHA256 of the user id under the
 * tenant's token key. Stable without being stored, and it reveals nothing
 * about the user id to the authenticator or the page. */
GBytes  *sesame_server_user_handle  (const SesameTenant *tenant,
                                     const char         *user_id);

G_END_DECLS
