/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "server-test-load.h"

#include <string.h>

/* Beyond this many accounts the mixed load deletes as often as it
 * registers, so that the population (and the database) stays level. */
#define MIXED_POPULATION 40
/* Failures are counted always, printed only this many times. */
#define MAX_REPORTED 20

typedef struct _Client Client;
typedef void (*ReplyFunc) (Client     *client,
                           guint       status,
                           JsonObject *object);

struct _Client
{
  SesameTestLoad    *load;
  guint              index;
  SesameTestAccount *account;       /* borrowed from the load's accounts */
  SesameTestAccount *pending;       /* owned: a registration in progress */
  char              *user_id;
  char              *token;
  char              *challenge_id;
  char              *challenge;
  char              *user_handle;
  char              *label;         /* "METHOD path" of the request in flight */
  gboolean           got_array;     /* the last reply's body was a JSON array */
  ReplyFunc          next;
};

struct _SesameTestLoad
{
  SesameTestLoadKind    kind;
  GRand                *rand;
  SesameTestServer     *server;     /* not owned */
  SoupSession          *session;
  char                 *tenant_auth;
  char                 *secret_auth;
  Client               *clients;
  guint                 n_clients;
  guint                 n_running;
  guint                 next_user;
  gboolean              stopping;
  gboolean              loss_expected;
  GPtrArray            *accounts;   /* SesameTestAccount, registration acknowledged */
  SesameTestLoadCounts  counts;
};

static void client_step (Client *client);

static void
account_free (SesameTestAccount *account)
{
  sesame_test_passkey_free (account->passkey);
  g_free (account->user_id);
  g_ptr_array_unref (account->tokens);
  g_free (account);
}

static void
client_clear (Client *client)
{
  if (client->account)
    client->account->busy = FALSE;
  client->account = NULL;
  g_clear_pointer (&client->pending, account_free);
  g_clear_pointer (&client->user_id, g_free);
  g_clear_pointer (&client->token, g_free);
  g_clear_pointer (&client->challenge_id, g_free);
  g_clear_pointer (&client->challenge, g_free);
  g_clear_pointer (&client->user_handle, g_free);
}

SesameTestLoad *
sesame_test_load_new (SesameTestLoadKind kind,
                      guint              n_clients,
                      guint32            seed)
{
  SesameTestLoad *self = g_new0 (SesameTestLoad, 1);

  self->kind = kind;
  self->rand = g_rand_new_with_seed (seed);
  self->n_clients = n_clients;
  self->clients = g_new0 (Client, n_clients);
  for (guint i = 0; i < n_clients; i++)
    {
      self->clients[i].load = self;
      self->clients[i].index = i;
    }
  self->accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) account_free);
  return self;
}

void
sesame_test_load_free (SesameTestLoad *self)
{
  if (!self)
    return;
  g_assert_cmpuint (self->n_running, ==, 0);
  for (guint i = 0; i < self->n_clients; i++)
    {
      client_clear (&self->clients[i]);
      g_free (self->clients[i].label);
    }
  g_free (self->clients);
  g_clear_object (&self->session);
  g_free (self->tenant_auth);
  g_free (self->secret_auth);
  g_ptr_array_unref (self->accounts);
  g_rand_free (self->rand);
  g_free (self);
}

void
sesame_test_load_set_server (SesameTestLoad   *self,
                             SesameTestServer *server)
{
  g_assert_cmpuint (self->n_running, ==, 0);
  self->server = server;
  g_clear_object (&self->session);
  /* One connection per client, so that they really run side by side. */
  self->session = soup_session_new_with_options ("timeout", SESAME_TEST_SERVER_TIMEOUT,
                                                 "max-conns", self->n_clients + 2,
                                                 "max-conns-per-host", self->n_clients + 2,
                                                 NULL);
  g_free (self->tenant_auth);
  g_free (self->secret_auth);
  self->tenant_auth = sesame_test_tenant_auth (server);
  self->secret_auth = sesame_test_secret_auth (server);
  self->loss_expected = FALSE;
}

GPtrArray *
sesame_test_load_accounts (SesameTestLoad *self)
{
  return self->accounts;
}

const SesameTestLoadCounts *
sesame_test_load_counts (SesameTestLoad *self)
{
  return &self->counts;
}

void
sesame_test_load_expect_loss (SesameTestLoad *self)
{
  self->loss_expected = TRUE;
}

static void
report (SesameTestLoad *self,
        const char     *format,
        ...) G_GNUC_PRINTF (2, 3);

/* Something went wrong that nothing explains. */
static void
report (SesameTestLoad *self,
        const char     *format,
        ...)
{
  va_list args;

  self->counts.unexpected++;
  if (self->counts.unexpected <= MAX_REPORTED)
    {
      g_autofree char *message = NULL;

      va_start (args, format);
      message = g_strdup_vprintf (format, args);
      va_end (args);
      g_test_message ("load: %s", message);
    }
}

/* Requests */

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Client *client = user_data;
  SesameTestLoad *load = client->load;
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                              &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object = NULL;
  ReplyFunc next = client->next;
  guint status;

  client->next = NULL;
  if (!body)
    {
      if (load->loss_expected)
        load->counts.lost_replies++;
      else
        report (load, "%s: no reply: %s", client->label, error->message);
      /* The account's state is unknown now: the write may or may not have
       * been committed. Only what was acknowledged is checked later. */
      client_clear (client);
      load->n_running--;
      return;
    }

  load->counts.replies++;
  status = soup_message_get_status (message);
  client->got_array = FALSE;
  if (g_bytes_get_size (body) > 0 &&
      json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                  g_bytes_get_size (body), NULL))
    {
      JsonNode *root = json_parser_get_root (parser);

      if (JSON_NODE_HOLDS_OBJECT (root))
        object = json_node_get_object (root);
      client->got_array = JSON_NODE_HOLDS_ARRAY (root);
    }
  next (client, status, object);
}

static void
client_send (Client     *client,
             const char *method,
             const char *path,
             const char *authorization,
             const char *body,
             ReplyFunc   next)
{
  SesameTestLoad *load = client->load;
  g_autofree char *uri = g_strconcat (load->server->origin, path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new (method, uri);
  SoupMessageHeaders *headers = soup_message_get_request_headers (message);

  g_assert_nonnull (message);
  g_free (client->label);
  client->label = g_strdup_printf ("%s %s", method, path);
  soup_message_headers_replace (headers, "Origin", load->server->origin);
  soup_message_headers_replace (headers, "Authorization", authorization);
  if (body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (message, "application/json", bytes);
    }
  client->next = next;
  load->counts.requests++;
  soup_session_send_and_read_async (load->session, message, G_PRIORITY_DEFAULT, NULL, send_cb,
                                    client);
}

/* TRUE for a 2xx reply with an object and no "error" in it; otherwise the
 * failure is reported and the client moves on to its next operation. */
static gboolean
check_ok (Client     *client,
          guint       status,
          JsonObject *object)
{
  if (SOUP_STATUS_IS_SUCCESSFUL (status) && object && !json_object_has_member (object, "error"))
    return TRUE;
  report (client->load, "%s → %u %s", client->label, status,
          object && json_object_has_member (object, "errorDescription") ?
          json_object_get_string_member (object, "errorDescription") : "");
  client_clear (client);
  client_step (client);
  return FALSE;
}

static const char *
member_string (JsonObject *object,
               const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (!node || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
take_string (Client      *client,
             JsonObject  *object,
             const char  *member,
             char       **out)
{
  const char *value = object ? member_string (object, member) : NULL;

  if (!value)
    {
      report (client->load, "%s: the reply has no string “%s”", client->label, member);
      client_clear (client);
      client_step (client);
      return FALSE;
    }
  g_free (*out);
  *out = g_strdup (value);
  return TRUE;
}

/* Registration: track addPasskey, C2, C3 */

static void
registered_cb (Client     *client,
               guint       status,
               JsonObject *object)
{
  SesameTestLoad *load = client->load;
  SesameTestAccount *account;

  if (!check_ok (client, status, object) ||
      !take_string (client, object, "userAuthenticatorId", &client->pending->passkey->passkey_id))
    return;
  account = g_steal_pointer (&client->pending);
  account->passkey->user_id = g_strdup (account->user_id);
  account->touched = TRUE;
  account->busy = FALSE;
  g_ptr_array_add (load->accounts, account);
  load->counts.registrations++;
  client_clear (client);
  client_step (client);
}

static void
registration_options_cb (Client     *client,
                         guint       status,
                         JsonObject *object)
{
  g_autoptr(JsonObject) credential = NULL;
  g_autofree char *body = NULL;
  g_autofree char *auth = NULL;
  JsonObject *options;
  JsonObject *user;

  if (!check_ok (client, status, object) ||
      !take_string (client, object, "challengeId", &client->challenge_id))
    return;
  options = json_object_get_object_member (object, "options");
  user = options ? json_object_get_object_member (options, "user") : NULL;
  if (!take_string (client, options, "challenge", &client->challenge) ||
      !take_string (client, user, "id", &client->user_handle))
    return;

  /* The account exists on this side from now on, but joins the others only
   * once the server has acknowledged the registration. */
  client->pending = g_new0 (SesameTestAccount, 1);
  client->pending->passkey = sesame_test_passkey_new ();
  client->pending->passkey->user_handle = g_strdup (client->user_handle);
  client->pending->user_id = g_strdup (client->user_id);
  client->pending->tokens = g_ptr_array_new_with_free_func (g_free);
  credential = sesame_test_registration_credential (client->pending->passkey, client->challenge,
                                                    client->load->server->origin, "localhost",
                                                    SESAME_TEST_FLAGS_REGISTER, "packed");
  body = sesame_test_c3_body (credential, client->challenge_id);
  auth = sesame_test_bearer (client->token);
  client_send (client, "POST", SESAME_TEST_C3, auth, body, registered_cb);
}

static void
tracked_for_registration_cb (Client     *client,
                             guint       status,
                             JsonObject *object)
{
  g_autofree char *auth = NULL;
  g_autofree char *body = NULL;

  if (!check_ok (client, status, object) || !take_string (client, object, "token", &client->token))
    return;
  auth = sesame_test_bearer (client->token);
  body = g_strdup_printf ("{\"username\":\"%s\",\"authenticatorAttachment\":\"platform\"}",
                          client->user_id);
  client_send (client, "POST", SESAME_TEST_C2, auth, body, registration_options_cb);
}

static void
start_registration (Client *client)
{
  SesameTestLoad *load = client->load;
  g_autofree char *path = NULL;

  client->user_id = g_strdup_printf ("load-%u-%u", g_rand_int (load->rand) % 100000,
                                     load->next_user++);
  path = g_strdup_printf ("/v1/users/%s/actions/addPasskey", client->user_id);
  client_send (client, "POST", path, load->secret_auth, "{}", tracked_for_registration_cb);
}

/* Sign-in: C4, C5 */

static void
signed_in_cb (Client     *client,
              guint       status,
              JsonObject *object)
{
  SesameTestAccount *account = client->account;
  g_autofree char *token = NULL;

  if (!check_ok (client, status, object) || !take_string (client, object, "accessToken", &token))
    return;
  if (g_strcmp0 (member_string (object, "userId"), account->user_id) != 0)
    report (client->load, "%s signed in as %s, not %s", client->label,
            member_string (object, "userId"), account->user_id);
  account->acked = account->passkey->sign_count;
  account->n_sign_ins++;
  account->touched = TRUE;
  g_ptr_array_add (account->tokens, g_steal_pointer (&token));
  client->load->counts.sign_ins++;
  client_clear (client);
  client_step (client);
}

static void
authentication_options_cb (Client     *client,
                           guint       status,
                           JsonObject *object)
{
  SesameTestAccount *account = client->account;
  g_autoptr(JsonObject) credential = NULL;
  g_autofree char *body = NULL;
  JsonObject *options;

  if (!check_ok (client, status, object) ||
      !take_string (client, object, "challengeId", &client->challenge_id))
    return;
  options = json_object_get_object_member (object, "options");
  if (!take_string (client, options, "challenge", &client->challenge))
    return;
  /* The counter is spent when it is sent: whether or not the reply comes,
   * the next sign-in uses a greater one. */
  account->passkey->sign_count = ++account->sent_max;
  credential = sesame_test_authentication_credential (account->passkey, client->challenge,
                                                      client->load->server->origin, "localhost",
                                                      SESAME_TEST_FLAGS_ASSERT,
                                                      account->passkey->sign_count, FALSE);
  body = sesame_test_c5_body (credential, client->challenge_id);
  client_send (client, "POST", SESAME_TEST_C5, client->load->tenant_auth, body, signed_in_cb);
}

static void
start_sign_in (Client            *client,
               SesameTestAccount *account)
{
  client->account = account;
  account->busy = TRUE;
  client_send (client, "POST", SESAME_TEST_C4, client->load->tenant_auth, "{}",
               authentication_options_cb);
}

/* The mixed load's other operations */

static void
plain_ok_cb (Client     *client,
             guint       status,
             JsonObject *object)
{
  if (!check_ok (client, status, object))
    return;
  client_clear (client);
  client_step (client);
}

/* A list (authenticators, actions): a 2xx JSON array. */
static void
list_cb (Client     *client,
         guint       status,
         JsonObject *object)
{
  if (!SOUP_STATUS_IS_SUCCESSFUL (status) || !client->got_array)
    report (client->load, "%s → %u, not a JSON array", client->label, status);
  client_clear (client);
  client_step (client);
}

static void
validated_cb (Client     *client,
              guint       status,
              JsonObject *object)
{
  if (!check_ok (client, status, object))
    return;
  if (!json_object_get_boolean_member_with_default (object, "isValid", FALSE))
    report (client->load, "%s: a token of an acknowledged sign-in is not valid", client->label);
  client_clear (client);
  client_step (client);
}

static void
deleted_cb (Client     *client,
            guint       status,
            JsonObject *object)
{
  SesameTestLoad *load = client->load;
  SesameTestAccount *account = client->account;

  if (!check_ok (client, status, object))
    return;
  client->account = NULL;
  g_ptr_array_remove (load->accounts, account);
  load->counts.deletes++;
  client_clear (client);
  client_step (client);
}

typedef enum
{
  OTHER_VALIDATE,
  OTHER_GET_USER,
  OTHER_TRACK,
  OTHER_AUTHENTICATORS,
  OTHER_QUERY_ACTIONS,
  N_QUERIES,          /* the ones above change no account */
  OTHER_DELETE = N_QUERIES,
} Other;

static void
start_other (Client            *client,
             SesameTestAccount *account,
             Other              choice)
{
  SesameTestLoad *load = client->load;
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;

  client->account = account;
  account->busy = TRUE;
  switch (choice)
    {
    case OTHER_VALIDATE:
      if (account->tokens->len > 0)
        {
          const char *token = g_ptr_array_index (account->tokens, account->tokens->len - 1);

          body = g_strdup_printf ("{\"token\":\"%s\"}", token);
          client_send (client, "POST", "/v1/validate", load->secret_auth, body, validated_cb);
          return;
        }
      G_GNUC_FALLTHROUGH;
    case OTHER_GET_USER:
      path = g_strdup_printf ("/v1/users/%s", account->user_id);
      client_send (client, "GET", path, load->secret_auth, NULL, plain_ok_cb);
      return;
    case OTHER_TRACK:
      path = g_strdup_printf ("/v1/users/%s/actions/signIn", account->user_id);
      client_send (client, "POST", path, load->secret_auth, "{}", plain_ok_cb);
      return;
    case OTHER_AUTHENTICATORS:
      path = g_strdup_printf ("/v1/users/%s/authenticators", account->user_id);
      client_send (client, "GET", path, load->secret_auth, NULL, list_cb);
      return;
    case OTHER_QUERY_ACTIONS:
      path = g_strdup_printf ("/v1/users/%s/actions?codes=signIn,addPasskey", account->user_id);
      client_send (client, "GET", path, load->secret_auth, NULL, list_cb);
      return;
    case OTHER_DELETE:
    default:
      path = g_strdup_printf ("/v1/users/%s", account->user_id);
      client_send (client, "DELETE", path, load->secret_auth, NULL, deleted_cb);
      return;
    }
}

/* An account no other client is using, or NULL. */
static SesameTestAccount *
pick_account (SesameTestLoad *self)
{
  guint n = self->accounts->len;

  if (n == 0)
    return NULL;
  for (guint tries = 0, start = g_rand_int_range (self->rand, 0, n); tries < n; tries++)
    {
      SesameTestAccount *account = g_ptr_array_index (self->accounts, (start + tries) % n);

      if (!account->busy)
        return account;
    }
  return NULL;
}

/* The next operation of an idle client. */
static void
client_step (Client *client)
{
  SesameTestLoad *load = client->load;
  SesameTestAccount *account;
  guint dice;

  if (load->stopping)
    {
      load->n_running--;
      return;
    }
  account = pick_account (load);
  dice = g_rand_int_range (load->rand, 0, 100);
  if (!account || (load->kind == SESAME_TEST_LOAD_CEREMONIES && dice < 35))
    {
      start_registration (client);
      return;
    }
  if (load->kind == SESAME_TEST_LOAD_CEREMONIES || dice < 40)
    {
      start_sign_in (client, account);
      return;
    }
  if (dice < 55)
    {
      if (load->accounts->len > MIXED_POPULATION)
        start_other (client, account, OTHER_DELETE);
      else
        start_registration (client);
      return;
    }
  start_other (client, account, (dice - 55) % N_QUERIES);
}

void
sesame_test_load_start (SesameTestLoad *self)
{
  g_assert_nonnull (self->server);
  g_assert_cmpuint (self->n_running, ==, 0);
  self->stopping = FALSE;
  self->n_running = self->n_clients;
  for (guint i = 0; i < self->n_clients; i++)
    client_step (&self->clients[i]);
}

void
sesame_test_load_stop (SesameTestLoad *self)
{
  self->stopping = TRUE;
  while (self->n_running > 0)
    g_main_context_iteration (NULL, TRUE);
}
