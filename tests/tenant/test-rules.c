/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The tenant's rules in process, without HTTP: every state an action can
 * go through, and every refusal of track, validate, the scopes and the
 * passkey ceremonies, against a real SQLite file in a temporary folder and
 * real signatures made by the test authenticator. Each refusal is also
 * checked for what it must not change. */

#include "config.h"

#include "sesame-authenticator-data.h"
#include "sesame-base64.h"
#include "sesame-ceremony-rules.h"
#include "sesame-test-authenticator.h"
#include "sesame-test-util.h"

#include <openssl/evp.h>
#include <string.h>

#define ORIGIN "http://localhost:7878"
#define UP_UV  (SESAME_AUTH_DATA_FLAG_UP | SESAME_AUTH_DATA_FLAG_UV)

typedef struct
{
  char                    *dir;
  SesameStore             *store;
  SesameTenant            *tenant;
  SesameCaller             caller;
  SesameTestAuthenticator *auth;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static const char * const origins[] = { ORIGIN, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("sesame-rules-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "sesame.db", NULL);
  f->store = sesame_store_open (path, &error);
  g_assert_no_error (error);
  f->tenant = sesame_tenant_new ("acme", "localhost");
  f->tenant->expected_origins = g_strdupv ((char **) origins);
  sesame_store_insert_tenant (f->store, f->tenant, "sk_test_rules", &error);
  g_assert_no_error (error);
  f->caller.origin = ORIGIN;
  f->caller.user_agent = "test-rules";
  f->auth = sesame_test_authenticator_new (-7);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  sesame_test_authenticator_free (f->auth);
  sesame_tenant_free (f->tenant);
  g_clear_object (&f->store);
  sesame_test_remove_tree (f->dir);
  g_free (f->dir);
}

/* Helpers */

static SesameAction *
track (Fixture    *f,
       const char *user_id,
       const char *code)
{
  g_autoptr(GError) error = NULL;
  SesameAction *action;

  action = sesame_tenant_track_action (f->store, f->tenant, &f->caller, user_id, code, NULL,
                                       NULL, NULL, SESAME_SCOPE_READ_AUTHENTICATORS, &error);
  g_assert_no_error (error);
  g_assert_nonnull (action);
  return action;
}

/* The claims a verified token of @action would carry. */
static SesameTokenClaims *
claims_for (const SesameAction *action,
            const char         *scope)
{
  SesameTokenClaims *claims = g_new0 (SesameTokenClaims, 1);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  claims->user_id = g_strdup (action->user_id);
  claims->tenant_id = g_strdup (action->tenant_id);
  claims->action_code = g_strdup (action->action_code);
  claims->idempotency_key = g_strdup (action->idempotency_key);
  claims->scope = g_strdup (scope);
  claims->issuer = g_strdup ("test-rules");
  claims->issued_at = now;
  claims->expires_at = now + 600;
  return claims;
}

static char *
issue_token (const guint8       *key,
             gsize               key_len,
             const SesameAction *action,
             gint64              issued_at,
             gint64              expires_at)
{
  g_autoptr(SesameTokenClaims) claims = claims_for (action, SESAME_SCOPE_READ_AUTHENTICATORS);
  g_autoptr(GError) error = NULL;
  char *token;

  claims->issued_at = issued_at;
  claims->expires_at = expires_at;
  token = sesame_token_issue (key, key_len, claims, &error);
  g_assert_no_error (error);
  return token;
}

static char *
tenant_token (Fixture            *f,
              const SesameAction *action)
{
  gsize len;
  const guint8 *key = g_bytes_get_data (f->tenant->token_key, &len);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  return issue_token (key, len, action, now, now + 600);
}

static char *
action_state (Fixture    *f,
              const char *key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameAction) action = sesame_store_get_action (f->store, f->tenant->id, key, &error);

  g_assert_no_error (error);
  return g_strdup (action->state);
}

static SesameEvent *
last_event (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = sesame_store_list_events (f->store, f->tenant->id, 0, NULL, 0,
                                                          &error);

  g_assert_no_error (error);
  g_assert_cmpuint (events->len, >, 0);
  return sesame_event_copy (g_ptr_array_index (events, events->len - 1));
}

static guint
count_events (Fixture *f)
{
  g_autoptr(GPtrArray) events = sesame_store_list_events (f->store, f->tenant->id, 0, NULL, 0,
                                                          NULL);

  return events->len;
}

static guint
count_passkeys (Fixture    *f,
                const char *user_id)
{
  g_autoptr(GPtrArray) passkeys = sesame_store_list_passkeys (f->store, f->tenant->id, user_id,
                                                              NULL);

  return passkeys->len;
}

/* A challenge the store already holds is unused when it can be consumed. */
static gboolean
challenge_unused (Fixture               *f,
                  const SesameChallenge *challenge)
{
  g_autoptr(SesameChallenge) consumed = sesame_store_consume_challenge (f->store, f->tenant->id,
                                                                        challenge->id, NULL);

  return consumed != NULL;
}

static SesameCredentialJson *
registration_credential (SesameTestAuthenticator *auth,
                         const SesameChallenge   *challenge,
                         guint8                   flags,
                         const char              *origin)
{
  g_autoptr(GBytes) auth_data = NULL;
  SesameCredentialJson *credential = g_new0 (SesameCredentialJson, 1);

  /* Without AT the authenticator data carries no credential. */
  auth_data = sesame_test_auth_data ("localhost", flags, 0,
                                     (flags & SESAME_AUTH_DATA_FLAG_AT) ? auth : NULL, NULL);
  credential->raw_id = g_bytes_ref (auth->credential_id);
  credential->id = sesame_base64url_encode_bytes (auth->credential_id);
  credential->client_data_json = sesame_test_client_data ("webauthn.create", challenge->bytes,
                                                          origin, NULL);
  credential->attestation_object = sesame_test_attestation_object ("none", auth_data, NULL);
  return credential;
}

static SesameCredentialJson *
assertion_credential (SesameTestAuthenticator *auth,
                      const SesameChallenge   *challenge,
                      guint32                  sign_count)
{
  SesameCredentialJson *credential = g_new0 (SesameCredentialJson, 1);

  credential->raw_id = g_bytes_ref (auth->credential_id);
  credential->id = sesame_base64url_encode_bytes (auth->credential_id);
  credential->client_data_json = sesame_test_client_data ("webauthn.get", challenge->bytes,
                                                          ORIGIN, NULL);
  credential->authenticator_data = sesame_test_auth_data ("localhost", UP_UV, sign_count, NULL,
                                                          NULL);
  credential->signature = sesame_test_authenticator_sign (auth, credential->authenticator_data,
                                                          credential->client_data_json);
  return credential;
}

static SesameRegistrationOptions *
begin_registration (Fixture                 *f,
                    const SesameTokenClaims *claims)
{
  g_autoptr(GError) error = NULL;
  SesameRegistrationOptions *options;

  options = sesame_tenant_begin_registration (f->store, f->tenant, &f->caller, claims, NULL, NULL,
                                              SESAME_ATTACHMENT_ANY, &error);
  g_assert_no_error (error);
  return options;
}

/* Tracks an action for @user_id and registers @auth's passkey with it. */
static SesameCeremonyResult *
register_passkey (Fixture                 *f,
                  const char              *user_id,
                  SesameTestAuthenticator *auth)
{
  g_autoptr(SesameAction) action = track (f, user_id, "addPasskey");
  g_autoptr(SesameTokenClaims) claims = claims_for (action, SESAME_SCOPE_ADD_AUTHENTICATORS);
  g_autoptr(SesameRegistrationOptions) options = begin_registration (f, claims);
  g_autoptr(SesameCredentialJson) credential = NULL;
  g_autoptr(GError) error = NULL;
  SesameCeremonyResult *result;
  gboolean judged = FALSE;

  credential = registration_credential (auth, options->challenge,
                                        UP_UV | SESAME_AUTH_DATA_FLAG_AT, ORIGIN);
  result = sesame_tenant_finish_registration (f->store, f->tenant, &f->caller, claims,
                                              options->challenge->id, credential, FALSE, &judged,
                                              &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

static SesameAuthenticationOptions *
begin_authentication (Fixture                 *f,
                      const SesameTokenClaims *claims,
                      const char              *previous)
{
  g_autoptr(GError) error = NULL;
  SesameAuthenticationOptions *options;

  options = sesame_tenant_begin_authentication (f->store, f->tenant, &f->caller, claims, previous,
                                                NULL, &error);
  g_assert_no_error (error);
  return options;
}

static SesameCeremonyResult *
finish_authentication (Fixture                 *f,
                       const SesameTokenClaims *claims,
                       const char              *challenge_id,
                       SesameCredentialJson    *credential,
                       gboolean                *judged,
                       GError                 **error)
{
  return sesame_tenant_finish_authentication (f->store, f->tenant, &f->caller, claims,
                                              challenge_id, credential, judged, error);
}

/* Finishes a sign-in that the rules must judge and refuse with @domain and
 * @code; with @action_key, that action must then be in @state. */
static void
assert_sign_in_refused (Fixture                 *f,
                        const SesameTokenClaims *claims,
                        const char              *challenge_id,
                        SesameCredentialJson    *credential,
                        GQuark                   domain,
                        int                      code,
                        const char              *action_key,
                        const char              *state)
{
  g_autoptr(SesameCeremonyResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean judged = FALSE;

  result = finish_authentication (f, claims, challenge_id, credential, &judged, &error);
  g_assert_null (result);
  g_assert_error (error, domain, code);
  g_assert_true (judged);
  if (action_key)
    {
      g_autofree char *actual = action_state (f, action_key);

      g_assert_cmpstr (actual, ==, state);
    }
}

/* Input and scopes */

static void
test_identifiers (void)
{
  g_autofree char *long_id = g_strnfill (SESAME_ID_MAX_LEN + 1, 'a');
  g_autofree char *long_code = g_strnfill (65, 'a');
  const char *bad_codes[] = { "", "sign in", "sign.in", "ä", long_code };

  g_assert_true (sesame_tenant_check_identifier ("alice@example.com", "user id",
                                                 SESAME_ID_MAX_LEN, NULL));
  for (gsize i = 0; i < 3; i++)
    {
      const char *bad[] = { "", long_id, "tab\there" };
      g_autoptr(GError) error = NULL;

      g_assert_false (sesame_tenant_check_identifier (bad[i], "user id", SESAME_ID_MAX_LEN,
                                                      &error));
      g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_INVALID_INPUT);
    }
  g_assert_true (sesame_tenant_check_action_code ("signIn_2-fa", NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (bad_codes); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (sesame_tenant_check_action_code (bad_codes[i], &error));
      g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_INVALID_INPUT);
    }
}

static void
test_scopes (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *plain = sesame_scope_for_track (NULL, &error);
  g_autofree char *added = sesame_scope_for_track ("add:authenticators  read:authenticators "
                                                   "add:authenticators", &error);
  g_autofree char *unknown = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (plain, ==, "read:authenticators");
  g_assert_cmpstr (added, ==, "read:authenticators add:authenticators");
  unknown = sesame_scope_for_track ("read:authenticators admin", &error);
  g_assert_null (unknown);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_INVALID_INPUT);
}

static void
test_scope_checks (void)
{
  SesameAction action = { .tenant_id = "acme", .user_id = "alice", .action_code = "addPasskey",
                          .idempotency_key = "k" };
  g_autoptr(SesameTokenClaims) read = claims_for (&action, "read:authenticators");
  g_autoptr(SesameTokenClaims) add = claims_for (&action, "read:authenticators add:authenticators");
  g_autoptr(SesameTokenClaims) none = claims_for (&action, "");
  g_autoptr(GError) error = NULL;

  /* The first passkey needs no scope; the second needs add:authenticators. */
  g_assert_true (sesame_scope_check_add_passkey (read, 0, NULL));
  g_assert_true (sesame_scope_check_add_passkey (add, 3, NULL));
  g_assert_false (sesame_scope_check_add_passkey (read, 1, &error));
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_SCOPE_MISSING);
  g_clear_error (&error);

  g_assert_true (sesame_scope_check_read_passkeys (read, NULL));
  g_assert_false (sesame_scope_check_read_passkeys (none, &error));
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_SCOPE_MISSING);
}

/* The state machine */

static void
test_state_strings (void)
{
  for (int state = SESAME_ACTION_STATE_ALLOW; state <= SESAME_ACTION_STATE_REVIEW_FAILED; state++)
    {
      SesameActionState parsed;
      const char *text = sesame_action_state_to_string (state);

      g_assert_nonnull (text);
      g_assert_true (sesame_action_state_from_string (text, &parsed));
      g_assert_cmpint (parsed, ==, state);
    }
  {
    SesameActionState parsed = SESAME_ACTION_STATE_ALLOW;

    g_assert_cmpstr (sesame_action_state_to_string (SESAME_ACTION_STATE_CHALLENGE_REQUIRED), ==,
                     "CHALLENGE_REQUIRED");
    g_assert_false (sesame_action_state_from_string ("challenge_required", &parsed));
    g_assert_false (sesame_action_state_from_string (NULL, &parsed));
    g_assert_cmpint (parsed, ==, SESAME_ACTION_STATE_ALLOW);
  }
  {
    SesameAttachment attachment;
    SesameUserVerification uv;

    g_assert_true (sesame_attachment_from_string (NULL, &attachment));
    g_assert_cmpint (attachment, ==, SESAME_ATTACHMENT_ANY);
    g_assert_true (sesame_attachment_from_string ("cross-platform", &attachment));
    g_assert_cmpint (attachment, ==, SESAME_ATTACHMENT_CROSS_PLATFORM);
    g_assert_false (sesame_attachment_from_string ("any", &attachment));
    g_assert_false (sesame_attachment_from_string ("usb", &attachment));
    g_assert_null (sesame_attachment_to_string (SESAME_ATTACHMENT_ANY));
    g_assert_true (sesame_user_verification_from_string ("required", &uv));
    g_assert_cmpint (uv, ==, SESAME_USER_VERIFICATION_REQUIRED);
    g_assert_false (sesame_user_verification_from_string ("always", &uv));
    g_assert_cmpstr (sesame_attestation_conveyance_to_string (SESAME_ATTESTATION_CONVEYANCE_DIRECT),
                     ==, "direct");
  }
}

static void
test_state_machine (void)
{
  static const struct
  {
    SesameActionState state;
    gboolean          takes_ceremony;
    SesameActionState after_failure;
  } table[] = {
    { SESAME_ACTION_STATE_ALLOW, FALSE, SESAME_ACTION_STATE_CHALLENGE_FAILED },
    { SESAME_ACTION_STATE_BLOCK, FALSE, SESAME_ACTION_STATE_CHALLENGE_FAILED },
    { SESAME_ACTION_STATE_CHALLENGE_REQUIRED, TRUE, SESAME_ACTION_STATE_CHALLENGE_FAILED },
    { SESAME_ACTION_STATE_CHALLENGE_SUCCEEDED, TRUE, SESAME_ACTION_STATE_CHALLENGE_SUCCEEDED },
    { SESAME_ACTION_STATE_CHALLENGE_FAILED, TRUE, SESAME_ACTION_STATE_CHALLENGE_FAILED },
    { SESAME_ACTION_STATE_REVIEW_REQUIRED, FALSE, SESAME_ACTION_STATE_CHALLENGE_FAILED },
    { SESAME_ACTION_STATE_REVIEW_SUCCEEDED, FALSE, SESAME_ACTION_STATE_CHALLENGE_FAILED },
    { SESAME_ACTION_STATE_REVIEW_FAILED, FALSE, SESAME_ACTION_STATE_CHALLENGE_FAILED },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    {
      SesameAction action = { .action_code = "signIn" };

      action.state = (char *) sesame_action_state_to_string (table[i].state);
      g_assert_cmpint (sesame_action_state_takes_ceremony (table[i].state), ==,
                       table[i].takes_ceremony);
      g_assert_cmpint (sesame_action_state_after_ceremony (table[i].state, TRUE), ==,
                       SESAME_ACTION_STATE_CHALLENGE_SUCCEEDED);
      g_assert_cmpint (sesame_action_state_after_ceremony (table[i].state, FALSE), ==,
                       table[i].after_failure);
      if (table[i].takes_ceremony)
        g_assert_true (sesame_action_check_open (&action, NULL));
      else
        {
          g_autoptr(GError) error = NULL;

          g_assert_false (sesame_action_check_open (&action, &error));
          g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_ACTION_CLOSED);
        }
    }
}

/* Track */

static void
test_track (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SesameAction) first = NULL;
  g_autoptr(SesameAction) again = NULL;
  g_autoptr(SesameAction) other = NULL;
  g_autoptr(SesameEvent) event = NULL;
  g_autoptr(SesameUser) user = NULL;
  guint n_events;

  first = sesame_tenant_track_action (f->store, f->tenant, &f->caller, "alice", "signIn", "key-1",
                                      "alice", "Alice", "read:authenticators", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first->state, ==, "CHALLENGE_REQUIRED");
  g_assert_cmpstr (first->idempotency_key, ==, "key-1");
  user = sesame_store_get_user (f->store, f->tenant->id, "alice", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (user->display_name, ==, "Alice");
  event = last_event (f);
  g_assert_cmpstr (event->kind, ==, "track");
  g_assert_cmpstr (event->origin, ==, ORIGIN);
  g_assert_cmpstr (event->user_agent, ==, "test-rules");
  n_events = count_events (f);

  /* The same key is the same action, as it stands, and nothing is written. */
  again = sesame_tenant_track_action (f->store, f->tenant, &f->caller, "alice", "signIn", "key-1",
                                      NULL, NULL, "read:authenticators", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->idempotency_key, ==, first->idempotency_key);
  g_assert_cmpuint (count_events (f), ==, n_events);

  /* A key of another user's, or another code's, action is refused. */
  other = sesame_tenant_track_action (f->store, f->tenant, &f->caller, "bob", "signIn", "key-1",
                                      NULL, NULL, "read:authenticators", &error);
  g_assert_null (other);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_IDEMPOTENCY_CONFLICT);
  g_clear_error (&error);
  other = sesame_tenant_track_action (f->store, f->tenant, &f->caller, "alice", "pay", "key-1",
                                      NULL, NULL, "read:authenticators", &error);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_IDEMPOTENCY_CONFLICT);
  g_clear_error (&error);
  g_assert_null (sesame_store_get_user (f->store, f->tenant->id, "bob", NULL));

  /* Bad input writes nothing. */
  other = sesame_tenant_track_action (f->store, f->tenant, &f->caller, "carol", "sign in", NULL,
                                      NULL, NULL, "read:authenticators", &error);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  other = sesame_tenant_track_action (f->store, f->tenant, &f->caller, "", "signIn", NULL,
                                      NULL, NULL, "read:authenticators", &error);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_INVALID_INPUT);
  g_assert_null (sesame_store_get_user (f->store, f->tenant->id, "carol", NULL));
  g_assert_cmpuint (count_events (f), ==, n_events);
}

static void
test_token_action (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SesameAction) action = track (f, "alice", "signIn");
  g_autoptr(SesameTokenClaims) claims = claims_for (action, "read:authenticators");
  g_autoptr(SesameAction) loaded = NULL;
  g_autoptr(GError) error = NULL;

  loaded = sesame_tenant_load_token_action (f->store, f->tenant, claims, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->idempotency_key, ==, action->idempotency_key);
  g_clear_pointer (&loaded, sesame_action_free);

  /* A token whose code is not its action's. */
  g_free (claims->action_code);
  claims->action_code = g_strdup ("pay");
  loaded = sesame_tenant_load_token_action (f->store, f->tenant, claims, &error);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_TOKEN_INVALID);
  g_clear_error (&error);

  /* The action went with its user. */
  g_free (claims->action_code);
  claims->action_code = g_strdup ("signIn");
  g_assert_true (sesame_tenant_delete_user (f->store, f->tenant, &f->caller, "alice", &error));
  loaded = sesame_tenant_load_token_action (f->store, f->tenant, claims, &error);
  g_assert_null (loaded);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_TOKEN_INVALID);
}

/* Validate */

static void
test_validate (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(SesameAction) action = track (f, "alice", "signIn");
  g_autoptr(SesameAction) validated = NULL;
  g_autoptr(SesameAction) updated = NULL;
  g_autoptr(SesameEvent) event = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = tenant_token (f, action);
  gboolean is_valid = TRUE;

  /* Not yet succeeded: the answer is "not valid", and it is recorded. */
  validated = sesame_tenant_validate (f->store, f->tenant, &f->caller, token, "alice", "signIn",
                                      &is_valid, &error);
  g_assert_no_error (error);
  g_assert_false (is_valid);
  event = last_event (f);
  g_assert_cmpstr (event->kind, ==, "validate");
  g_assert_cmpstr (event->outcome, ==, "invalid");
  g_clear_pointer (&validated, sesame_action_free);

  updated = sesame_tenant_set_action_state (f->store, f->tenant, &f->caller, "alice", "signIn",
                                            action->idempotency_key,
                                            SESAME_ACTION_STATE_CHALLENGE_SUCCEEDED, &error);
  g_assert_no_error (error);
  validated = sesame_tenant_validate (f->store, f->tenant, &f->caller, token, NULL, NULL,
                                      &is_valid, &error);
  g_assert_no_error (error);
  g_assert_true (is_valid);
  g_clear_pointer (&validated, sesame_action_free);

  /* Another user, another action. */
  validated = sesame_tenant_validate (f->store, f->tenant, &f->caller, token, "bob", NULL,
                                      &is_valid, &error);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_USER_MISMATCH);
  g_assert_false (is_valid);
  g_clear_error (&error);
  validated = sesame_tenant_validate (f->store, f->tenant, &f->caller, token, "alice", "pay",
                                      &is_valid, &error);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_ACTION_MISMATCH);
  g_clear_error (&error);
}

static void
test_validate_bad_tokens (Fixture       *f,
                          gconstpointer  data)
{
  static const guint8 other_key[32] = { 1, 2, 3 };
  g_autoptr(SesameAction) action = track (f, "alice", "signIn");
  g_autoptr(SesameAction) validated = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gsize key_len;
  const guint8 *key = g_bytes_get_data (f->tenant->token_key, &key_len);
  g_autofree char *expired = issue_token (key, key_len, action, now - 1200, now - 600);
  g_autofree char *foreign = issue_token (other_key, sizeof other_key, action, now, now + 600);
  gboolean is_valid;
  guint n_events = count_events (f);

  validated = sesame_tenant_validate (f->store, f->tenant, &f->caller, expired, NULL, NULL,
                                      &is_valid, &error);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_TOKEN_EXPIRED);
  g_clear_error (&error);
  validated = sesame_tenant_validate (f->store, f->tenant, &f->caller, foreign, NULL, NULL,
                                      &is_valid, &error);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_TOKEN_REFUSED);
  g_clear_error (&error);
  validated = sesame_tenant_validate (f->store, f->tenant, &f->caller, "not.a.token", NULL, NULL,
                                      &is_valid, &error);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_TOKEN_REFUSED);
  g_assert_null (validated);
  /* A refused token is not a validation: nothing is recorded. */
  g_assert_cmpuint (count_events (f), ==, n_events);
}

/* The backend's actions and users */

static void
test_set_action_state (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(SesameAction) action = track (f, "alice", "signIn");
  g_autoptr(GError) error = NULL;

  /* The backend decides: any state may follow any other, and back. */
  for (int state = SESAME_ACTION_STATE_ALLOW; state <= SESAME_ACTION_STATE_REVIEW_FAILED; state++)
    {
      g_autoptr(SesameAction) updated = NULL;
      g_autoptr(SesameEvent) event = NULL;

      updated = sesame_tenant_set_action_state (f->store, f->tenant, &f->caller, "alice",
                                                "signIn", action->idempotency_key, state, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (updated->state, ==, sesame_action_state_to_string (state));
      event = last_event (f);
      g_assert_cmpstr (event->kind, ==, "action-update");
    }

  /* The path must name that user's action with that code. */
  g_assert_null (sesame_tenant_set_action_state (f->store, f->tenant, &f->caller, "bob", "signIn",
                                                 action->idempotency_key,
                                                 SESAME_ACTION_STATE_ALLOW, &error));
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_ACTION_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (sesame_tenant_get_user_action (f->store, f->tenant, "alice", "pay",
                                                action->idempotency_key, &error));
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_ACTION_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (sesame_tenant_get_user_action (f->store, f->tenant, "alice", "signIn", "nope",
                                                &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  {
    g_autofree char *state = action_state (f, action->idempotency_key);

    g_assert_cmpstr (state, ==, "REVIEW_FAILED");
  }
}

static void
test_users (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(SesameCeremonyResult) result = register_passkey (f, "alice", f->auth);
  g_autoptr(SesameUser) user = NULL;
  g_autoptr(SesameEvent) event = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (sesame_tenant_update_user (f->store, f->tenant, &f->caller, "alice", "alice",
                                            "Alice A.", &error));
  g_assert_no_error (error);
  user = sesame_store_get_user (f->store, f->tenant->id, "alice", &error);
  g_assert_cmpstr (user->display_name, ==, "Alice A.");
  event = last_event (f);
  g_assert_cmpstr (event->kind, ==, "user-update");
  g_clear_pointer (&event, sesame_event_free);

  g_assert_false (sesame_tenant_update_user (f->store, f->tenant, &f->caller, "alice", "al\x01",
                                             NULL, &error));
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* Removing a passkey that is someone else's removes nothing. */
  g_assert_false (sesame_tenant_delete_passkey (f->store, f->tenant, &f->caller, "bob",
                                                result->passkey->id, &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpuint (count_passkeys (f, "alice"), ==, 1);
  g_assert_true (sesame_tenant_delete_passkey (f->store, f->tenant, &f->caller, "alice",
                                               result->passkey->id, &error));
  g_assert_cmpuint (count_passkeys (f, "alice"), ==, 0);
  event = last_event (f);
  g_assert_cmpstr (event->kind, ==, "authenticator-delete");
  g_clear_pointer (&event, sesame_event_free);

  g_assert_true (sesame_tenant_delete_user (f->store, f->tenant, &f->caller, "alice", &error));
  g_assert_null (sesame_store_get_user (f->store, f->tenant->id, "alice", NULL));
  event = last_event (f);
  g_assert_cmpstr (event->kind, ==, "user-delete");
  g_assert_false (sesame_tenant_delete_user (f->store, f->tenant, &f->caller, "alice", &error));
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
}

/* Starting ceremonies */

static void
test_begin_sign_in (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(SesameAction) action = track (f, "alice", "signIn");
  g_autoptr(SesameTokenClaims) claims = claims_for (action, "read:authenticators");
  g_autoptr(SesameChallenge) open = NULL;
  g_autoptr(SesameChallenge) bound = NULL;
  g_autoptr(SesameChallenge) by_key = NULL;
  g_autoptr(SesameChallenge) refused = NULL;
  g_autoptr(SesameAction) closed = NULL;
  g_autoptr(GError) error = NULL;

  /* Open: no user, and the code travels in the id. */
  open = sesame_tenant_begin_sign_in (f->store, f->tenant, &f->caller, NULL, "login", NULL,
                                      &error);
  g_assert_no_error (error);
  g_assert_null (open->user_id);
  g_assert_null (open->action_key);
  g_assert_true (g_str_has_suffix (open->id, ".login"));
  g_assert_cmpint (open->type, ==, SESAME_CHALLENGE_AUTHENTICATION);

  bound = sesame_tenant_begin_sign_in (f->store, f->tenant, &f->caller, claims, "signIn", NULL,
                                       &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bound->user_id, ==, "alice");
  g_assert_cmpstr (bound->action_key, ==, action->idempotency_key);
  by_key = sesame_tenant_begin_sign_in (f->store, f->tenant, &f->caller, NULL, "signIn",
                                        action->idempotency_key, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by_key->action_key, ==, action->idempotency_key);

  refused = sesame_tenant_begin_sign_in (f->store, f->tenant, &f->caller, claims, "pay", NULL,
                                         &error);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  refused = sesame_tenant_begin_sign_in (f->store, f->tenant, &f->caller, NULL, "signIn",
                                         "no-such-key", &error);
  g_assert_error (error, SESAME_STORE_ERROR, SESAME_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  refused = sesame_tenant_begin_sign_in (f->store, f->tenant, &f->caller, NULL, "sign in", NULL,
                                         &error);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* An action the backend decided takes no ceremony. */
  closed = sesame_tenant_set_action_state (f->store, f->tenant, &f->caller, "alice", "signIn",
                                           action->idempotency_key, SESAME_ACTION_STATE_BLOCK,
                                           &error);
  g_assert_no_error (error);
  refused = sesame_tenant_begin_sign_in (f->store, f->tenant, &f->caller, claims, "signIn", NULL,
                                         &error);
  g_assert_null (refused);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_ACTION_CLOSED);
}

static void
test_begin_registration (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(SesameCeremonyResult) first = register_passkey (f, "alice", f->auth);
  g_autoptr(SesameAction) action = track (f, "alice", "addPasskey");
  g_autoptr(SesameTokenClaims) read = claims_for (action, "read:authenticators");
  g_autoptr(SesameTokenClaims) add = claims_for (action, "read:authenticators add:authenticators");
  g_autoptr(SesameRegistrationOptions) options = NULL;
  g_autoptr(SesameAction) closed = NULL;
  g_autoptr(GError) error = NULL;

  /* A second passkey needs add:authenticators. */
  options = sesame_tenant_begin_registration (f->store, f->tenant, &f->caller, read, NULL, NULL,
                                              SESAME_ATTACHMENT_ANY, &error);
  g_assert_null (options);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_SCOPE_MISSING);
  g_clear_error (&error);

  options = sesame_tenant_begin_registration (f->store, f->tenant, &f->caller, add, "alice",
                                              "Alice", SESAME_ATTACHMENT_PLATFORM, &error);
  g_assert_no_error (error);
  g_assert_cmpint (options->challenge->type, ==, SESAME_CHALLENGE_REGISTRATION);
  g_assert_cmpstr (options->challenge->action_key, ==, action->idempotency_key);
  g_assert_cmpstr (options->user->display_name, ==, "Alice");
  g_assert_cmpuint (options->passkeys->len, ==, 1);
  g_assert_cmpint (options->attachment, ==, SESAME_ATTACHMENT_PLATFORM);
  g_clear_pointer (&options, sesame_registration_options_free);

  /* The tenant's policy wins over the page's wish. */
  g_free (f->tenant->authenticator_attachment);
  f->tenant->authenticator_attachment = g_strdup ("cross-platform");
  options = sesame_tenant_begin_registration (f->store, f->tenant, &f->caller, add, NULL, NULL,
                                              SESAME_ATTACHMENT_PLATFORM, &error);
  g_assert_no_error (error);
  g_assert_cmpint (options->attachment, ==, SESAME_ATTACHMENT_CROSS_PLATFORM);
  g_clear_pointer (&options, sesame_registration_options_free);

  options = sesame_tenant_begin_registration (f->store, f->tenant, &f->caller, add, "bad\nname",
                                              NULL, SESAME_ATTACHMENT_ANY, &error);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  closed = sesame_tenant_set_action_state (f->store, f->tenant, &f->caller, "alice", "addPasskey",
                                           action->idempotency_key, SESAME_ACTION_STATE_ALLOW,
                                           &error);
  options = sesame_tenant_begin_registration (f->store, f->tenant, &f->caller, add, NULL, NULL,
                                              SESAME_ATTACHMENT_ANY, &error);
  g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_ACTION_CLOSED);
}

/* Finishing a registration */

static void
test_registration (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SesameCeremonyResult) result = register_passkey (f, "alice", f->auth);
  g_autoptr(SesameEvent) event = NULL;
  g_autoptr(SesamePasskey) stored = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (result->action->state, ==, "CHALLENGE_SUCCEEDED");
  g_assert_cmpstr (result->action->verification_method, ==, "PASSKEY");
  g_assert_cmpstr (result->action->authenticator_id, ==, result->passkey->id);
  g_assert_cmpstr (result->user->user_id, ==, "alice");
  stored = sesame_store_find_passkey (f->store, f->tenant->id, f->auth->credential_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored->id, ==, result->passkey->id);
  g_assert_cmpstr (stored->user_agent, ==, "test-rules");
  g_assert_cmpstr (stored->attestation_format, ==, "none");
  event = last_event (f);
  g_assert_cmpstr (event->kind, ==, "registration");
  g_assert_cmpstr (event->outcome, ==, "success");
  g_assert_nonnull (strstr (event->details, "\"conditionalCreate\":false"));
}

typedef enum
{
  REFUSE_REPLAY,
  REFUSE_UNKNOWN_CHALLENGE,
  REFUSE_WRONG_CEREMONY,
  REFUSE_OTHER_ACTION,
  REFUSE_CLOSED_ACTION,
  REFUSE_SCOPE,
} Refusal;

/* Refusals once the challenge is known: each is judged and logged and
 * leaves the action as it was. */
static void
test_registration_refused (Fixture       *f,
                           gconstpointer  data)
{
  for (Refusal refusal = REFUSE_REPLAY; refusal <= REFUSE_SCOPE; refusal++)
    {
      g_autofree char *user_id = g_strdup_printf ("user%d", refusal);
      g_autoptr(SesameAction) action = track (f, user_id, "addPasskey");
      g_autoptr(SesameTokenClaims) claims = claims_for (action, "read:authenticators");
      g_autoptr(SesameRegistrationOptions) options = begin_registration (f, claims);
      g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (-7);
      g_autoptr(SesameCredentialJson) credential = NULL;
      g_autoptr(SesameCeremonyResult) result = NULL;
      g_autoptr(SesameChallenge) other = NULL;
      g_autoptr(SesameRegistrationOptions) other_options = NULL;
      g_autoptr(SesameEvent) event = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *before = action_state (f, action->idempotency_key);
      g_autofree char *after = NULL;
      const char *challenge_id = options->challenge->id;
      GQuark domain = SESAME_RULE_ERROR;
      int code = SESAME_RULE_ERROR_CHALLENGE_NOT_FOUND;
      gboolean judged = FALSE;

      credential = registration_credential (auth, options->challenge,
                                            UP_UV | SESAME_AUTH_DATA_FLAG_AT, ORIGIN);
      switch (refusal)
        {
        case REFUSE_REPLAY:
          g_assert_true (challenge_unused (f, options->challenge));
          code = SESAME_RULE_ERROR_CHALLENGE_REPLAYED;
          break;
        case REFUSE_UNKNOWN_CHALLENGE:
          challenge_id = "no-such-challenge";
          break;
        case REFUSE_WRONG_CEREMONY:
          other = sesame_tenant_begin_sign_in (f->store, f->tenant, &f->caller, NULL, "login",
                                               NULL, &error);
          g_assert_no_error (error);
          challenge_id = other->id;
          break;
        case REFUSE_OTHER_ACTION:
          {
            g_autoptr(SesameAction) second = track (f, user_id, "addPasskey");
            g_autoptr(SesameTokenClaims) second_claims = claims_for (second, "");

            other_options = begin_registration (f, second_claims);
            challenge_id = other_options->challenge->id;
          }
          break;
        case REFUSE_CLOSED_ACTION:
          {
            g_autoptr(SesameAction) closed = NULL;

            closed = sesame_tenant_set_action_state (f->store, f->tenant, &f->caller, user_id,
                                                     "addPasskey", action->idempotency_key,
                                                     SESAME_ACTION_STATE_REVIEW_REQUIRED, &error);
            g_assert_no_error (error);
            g_free (before);
            before = g_strdup ("REVIEW_REQUIRED");
            code = SESAME_RULE_ERROR_ACTION_CLOSED;
          }
          break;
        case REFUSE_SCOPE:
          {
            /* The user got a passkey in the meantime. */
            g_autoptr(SesameCeremonyResult) first = register_passkey (f, user_id, f->auth);

            code = SESAME_RULE_ERROR_SCOPE_MISSING;
          }
          break;
        default:
          g_assert_not_reached ();
        }

      result = sesame_tenant_finish_registration (f->store, f->tenant, &f->caller, claims,
                                                  challenge_id, credential, FALSE, &judged,
                                                  &error);
      g_assert_null (result);
      g_assert_error (error, domain, code);
      g_assert_true (judged);
      g_assert_null (sesame_store_find_passkey (f->store, f->tenant->id, auth->credential_id,
                                                NULL));
      after = action_state (f, action->idempotency_key);
      g_assert_cmpstr (after, ==, before);
      event = last_event (f);
      g_assert_cmpstr (event->kind, ==, "registration");
      g_assert_cmpstr (event->outcome, ==, "failure");
      g_assert_nonnull (strstr (event->details, "\"refusal\""));
    }
}

/* Failures once the challenge is used: the action fails, except that a
 * success stays a success. */
static void
test_registration_failed (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(SesameCeremonyResult) first = register_passkey (f, "alice", f->auth);
  g_autoptr(SesameAction) action = track (f, "bob", "addPasskey");
  g_autoptr(SesameTokenClaims) claims = claims_for (action, "read:authenticators");
  g_autoptr(GError) error = NULL;
  gboolean judged = FALSE;

  /* alice's credential again, for bob: a conflict, and bob's action fails. */
  {
    g_autoptr(SesameRegistrationOptions) options = begin_registration (f, claims);
    g_autoptr(SesameCredentialJson) credential = NULL;
    g_autoptr(SesameCeremonyResult) result = NULL;
    g_autofree char *state = NULL;

    credential = registration_credential (f->auth, options->challenge,
                                          UP_UV | SESAME_AUTH_DATA_FLAG_AT, ORIGIN);
    result = sesame_tenant_finish_registration (f->store, f->tenant, &f->caller, claims,
                                                options->challenge->id, credential, FALSE,
                                                &judged, &error);
    g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_ALREADY_REGISTERED);
    g_assert_true (judged);
    g_clear_error (&error);
    state = action_state (f, action->idempotency_key);
    g_assert_cmpstr (state, ==, "CHALLENGE_FAILED");
    g_assert_cmpuint (count_passkeys (f, "bob"), ==, 0);
  }

  /* A response from another origin: verification fails, and so does the
   * action; then a good one succeeds. */
  {
    g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (-7);
    g_autoptr(SesameRegistrationOptions) options = begin_registration (f, claims);
    g_autoptr(SesameRegistrationOptions) retry = NULL;
    g_autoptr(SesameCredentialJson) credential = NULL;
    g_autoptr(SesameCeremonyResult) result = NULL;
    g_autoptr(SesameEvent) event = NULL;

    credential = registration_credential (auth, options->challenge,
                                          UP_UV | SESAME_AUTH_DATA_FLAG_AT, "https://evil.example");
    result = sesame_tenant_finish_registration (f->store, f->tenant, &f->caller, claims,
                                                options->challenge->id, credential, FALSE,
                                                &judged, &error);
    g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ORIGIN_MISMATCH);
    g_assert_true (judged);
    g_clear_error (&error);
    event = last_event (f);
    g_assert_cmpstr (event->outcome, ==, "failure");
    g_assert_nonnull (strstr (event->details, "\"webauthnError\""));

    retry = begin_registration (f, claims);
    g_clear_pointer (&credential, sesame_credential_json_free);
    credential = registration_credential (auth, retry->challenge,
                                          UP_UV | SESAME_AUTH_DATA_FLAG_AT, ORIGIN);
    result = sesame_tenant_finish_registration (f->store, f->tenant, &f->caller, claims,
                                                retry->challenge->id, credential, FALSE,
                                                &judged, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (result->action->state, ==, "CHALLENGE_SUCCEEDED");
  }

  /* A failed retry after the success does not undo it. */
  {
    g_autoptr(SesameTokenClaims) add = claims_for (action, "add:authenticators");
    g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (-7);
    g_autoptr(SesameRegistrationOptions) options = begin_registration (f, add);
    g_autoptr(SesameCredentialJson) credential = NULL;
    g_autoptr(SesameCeremonyResult) result = NULL;
    g_autofree char *state = NULL;

    credential = registration_credential (auth, options->challenge,
                                          UP_UV | SESAME_AUTH_DATA_FLAG_AT, "https://evil.example");
    result = sesame_tenant_finish_registration (f->store, f->tenant, &f->caller, add,
                                                options->challenge->id, credential, FALSE,
                                                &judged, &error);
    g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ORIGIN_MISMATCH);
    state = action_state (f, action->idempotency_key);
    g_assert_cmpstr (state, ==, "CHALLENGE_SUCCEEDED");
  }
}

/* Malformed input is refused before the challenge is touched. */
static void
test_registration_malformed (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(SesameAction) action = track (f, "alice", "addPasskey");
  g_autoptr(SesameTokenClaims) claims = claims_for (action, "read:authenticators");
  g_autoptr(SesameRegistrationOptions) options = begin_registration (f, claims);
  g_autoptr(SesameCredentialJson) credential = NULL;
  g_autoptr(SesameCeremonyResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  guint n_events = count_events (f);
  gboolean judged = TRUE;

  /* No attested credential data (AT flag clear). */
  credential = registration_credential (f->auth, options->challenge, UP_UV, ORIGIN);
  result = sesame_tenant_finish_registration (f->store, f->tenant, &f->caller, claims,
                                              options->challenge->id, credential, FALSE, &judged,
                                              &error);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ATTESTED_DATA_MISSING);
  g_assert_false (judged);
  g_clear_error (&error);

  /* Client data that is not JSON. */
  g_clear_pointer (&credential->client_data_json, g_bytes_unref);
  credential->client_data_json = g_bytes_new_static ("{", 1);
  result = sesame_tenant_finish_registration (f->store, f->tenant, &f->caller, claims,
                                              options->challenge->id, credential, FALSE, &judged,
                                              &error);
  g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_BAD_CLIENT_DATA);
  g_assert_false (judged);

  g_assert_cmpuint (count_events (f), ==, n_events);
  state = action_state (f, action->idempotency_key);
  g_assert_cmpstr (state, ==, "CHALLENGE_REQUIRED");
  g_assert_true (challenge_unused (f, options->challenge));
}

/* WebAuthn Level 3 conditional create: no user presence, accepted only
 * when the page asked for it. */
static void
test_conditional_create (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(SesameAction) action = track (f, "alice", "addPasskey");
  g_autoptr(SesameTokenClaims) claims = claims_for (action, "read:authenticators");
  g_autoptr(GError) error = NULL;
  gboolean judged = FALSE;

  {
    g_autoptr(SesameRegistrationOptions) options = begin_registration (f, claims);
    g_autoptr(SesameCredentialJson) credential = NULL;
    g_autoptr(SesameCeremonyResult) result = NULL;
    g_autofree char *state = NULL;

    credential = registration_credential (f->auth, options->challenge, SESAME_AUTH_DATA_FLAG_AT,
                                          ORIGIN);
    result = sesame_tenant_finish_registration (f->store, f->tenant, &f->caller, claims,
                                                options->challenge->id, credential, FALSE,
                                                &judged, &error);
    g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_USER_NOT_PRESENT);
    g_assert_true (judged);
    g_clear_error (&error);
    state = action_state (f, action->idempotency_key);
    g_assert_cmpstr (state, ==, "CHALLENGE_FAILED");
    g_assert_cmpuint (count_passkeys (f, "alice"), ==, 0);
  }

  {
    g_autoptr(SesameRegistrationOptions) options = begin_registration (f, claims);
    g_autoptr(SesameCredentialJson) credential = NULL;
    g_autoptr(SesameCeremonyResult) result = NULL;
    g_autoptr(SesameEvent) event = NULL;

    credential = registration_credential (f->auth, options->challenge, SESAME_AUTH_DATA_FLAG_AT,
                                          ORIGIN);
    result = sesame_tenant_finish_registration (f->store, f->tenant, &f->caller, claims,
                                                options->challenge->id, credential, TRUE,
                                                &judged, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (result->action->state, ==, "CHALLENGE_SUCCEEDED");
    g_assert_cmpuint (count_passkeys (f, "alice"), ==, 1);
    event = last_event (f);
    g_assert_cmpstr (event->kind, ==, "registration");
    g_assert_nonnull (strstr (event->details, "\"conditionalCreate\":true"));
    g_assert_nonnull (strstr (event->details, "\"userPresent\":false"));
    g_assert_nonnull (strstr (event->reason, "conditional create"));
  }

  /* Conditional create relaxes presence only: a wrong origin still fails. */
  {
    g_autoptr(SesameTokenClaims) add = claims_for (action, "add:authenticators");
    g_autoptr(SesameTestAuthenticator) auth = sesame_test_authenticator_new (-7);
    g_autoptr(SesameRegistrationOptions) options = begin_registration (f, add);
    g_autoptr(SesameCredentialJson) credential = NULL;
    g_autoptr(SesameCeremonyResult) result = NULL;

    credential = registration_credential (auth, options->challenge, SESAME_AUTH_DATA_FLAG_AT,
                                          "https://evil.example");
    result = sesame_tenant_finish_registration (f->store, f->tenant, &f->caller, add,
                                                options->challenge->id, credential, TRUE,
                                                &judged, &error);
    g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_ORIGIN_MISMATCH);
  }
}

/* Authentication */

static void
test_begin_authentication (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(SesameCeremonyResult) alice = register_passkey (f, "alice", f->auth);
  g_autoptr(SesameAction) action = track (f, "alice", "signIn");
  g_autoptr(SesameAction) other = track (f, "alice", "pay");
  g_autoptr(SesameTokenClaims) claims = claims_for (action, "read:authenticators");
  g_autoptr(SesameTokenClaims) other_claims = claims_for (other, "read:authenticators");
  g_autoptr(GError) error = NULL;

  /* Open: any passkey, a fresh challenge with the default code. */
  {
    g_autoptr(SesameAuthenticationOptions) options = begin_authentication (f, NULL, NULL);

    g_assert_null (options->passkeys);
    g_assert_null (options->challenge->user_id);
    g_assert_cmpstr (options->action_code, ==, SESAME_DEFAULT_SIGN_IN_ACTION);
  }
  /* Named: the user's passkeys are offered, the sign-in stays open. */
  {
    g_autoptr(SesameAuthenticationOptions) options = NULL;
    g_autoptr(SesameAuthenticationOptions) nobody = NULL;

    g_assert_true (sesame_tenant_update_user (f->store, f->tenant, &f->caller, "alice",
                                              "alice@example.com", NULL, &error));
    options = sesame_tenant_begin_authentication (f->store, f->tenant, &f->caller, NULL, NULL,
                                                  "alice@example.com", &error);
    g_assert_no_error (error);
    g_assert_null (options->challenge->user_id);
    g_assert_cmpuint (options->passkeys->len, ==, 1);
    /* An unknown name narrows nothing (and says nothing about who exists). */
    nobody = sesame_tenant_begin_authentication (f->store, f->tenant, &f->caller, NULL, NULL,
                                                 "mallory", &error);
    g_assert_no_error (error);
    g_assert_null (nobody->passkeys);
  }
  /* Through a sign-in challenge: its code and binding are inherited, and
   * it is used up. */
  {
    g_autoptr(SesameChallenge) first = NULL;
    g_autoptr(SesameAuthenticationOptions) options = NULL;
    g_autoptr(SesameAuthenticationOptions) again = NULL;

    first = sesame_tenant_begin_sign_in (f->store, f->tenant, &f->caller, NULL, "signIn",
                                         action->idempotency_key, &error);
    g_assert_no_error (error);
    options = begin_authentication (f, NULL, first->id);
    g_assert_cmpstr (options->action_code, ==, "signIn");
    g_assert_cmpstr (options->challenge->user_id, ==, "alice");
    g_assert_cmpuint (options->passkeys->len, ==, 1);
    again = sesame_tenant_begin_authentication (f->store, f->tenant, &f->caller, NULL, first->id,
                                                NULL, &error);
    g_assert_null (again);
    g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_CHALLENGE_REPLAYED);
    g_clear_error (&error);
  }
  /* A sign-in challenge of an open sign-in keeps its code. */
  {
    g_autoptr(SesameChallenge) first = NULL;
    g_autoptr(SesameAuthenticationOptions) options = NULL;

    first = sesame_tenant_begin_sign_in (f->store, f->tenant, &f->caller, NULL, "login", NULL,
                                         &error);
    options = begin_authentication (f, NULL, first->id);
    g_assert_cmpstr (options->action_code, ==, "login");
    g_assert_true (g_str_has_suffix (options->challenge->id, ".login"));
  }
  /* A token's sign-in may not take another action's challenge. */
  {
    g_autoptr(SesameChallenge) first = NULL;
    g_autoptr(SesameAuthenticationOptions) options = NULL;

    first = sesame_tenant_begin_sign_in (f->store, f->tenant, &f->caller, other_claims, "pay",
                                         NULL, &error);
    g_assert_no_error (error);
    options = sesame_tenant_begin_authentication (f->store, f->tenant, &f->caller, claims,
                                                  first->id, NULL, &error);
    g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_CHALLENGE_NOT_FOUND);
    g_clear_error (&error);
  }
  /* A registration challenge is not a sign-in's. */
  {
    g_autoptr(SesameAction) add = track (f, "alice", "addPasskey");
    g_autoptr(SesameTokenClaims) add_claims = claims_for (add, "add:authenticators");
    g_autoptr(SesameRegistrationOptions) registration = begin_registration (f, add_claims);
    g_autoptr(SesameAuthenticationOptions) options = NULL;

    options = sesame_tenant_begin_authentication (f->store, f->tenant, &f->caller, NULL,
                                                  registration->challenge->id, NULL, &error);
    g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_CHALLENGE_NOT_FOUND);
  }
}

static void
test_authentication (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(SesameCeremonyResult) alice = register_passkey (f, "alice", f->auth);
  g_autoptr(GError) error = NULL;
  gboolean judged = FALSE;

  /* Open sign-in: a new action of the passkey's owner. */
  {
    g_autoptr(SesameAuthenticationOptions) options = begin_authentication (f, NULL, NULL);
    g_autoptr(SesameCredentialJson) credential = NULL;
    g_autoptr(SesameCeremonyResult) result = NULL;
    g_autoptr(SesamePasskey) stored = NULL;
    g_autoptr(SesameEvent) event = NULL;

    credential = assertion_credential (f->auth, options->challenge, 1);
    result = finish_authentication (f, NULL, options->challenge->id, credential, &judged, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (result->action->user_id, ==, "alice");
    g_assert_cmpstr (result->action->action_code, ==, SESAME_DEFAULT_SIGN_IN_ACTION);
    g_assert_cmpstr (result->action->state, ==, "CHALLENGE_SUCCEEDED");
    g_assert_cmpstr (result->action->authenticator_id, ==, alice->passkey->id);
    stored = sesame_store_get_passkey (f->store, f->tenant->id, alice->passkey->id, &error);
    g_assert_cmpuint (stored->sign_count, ==, 1);
    g_assert_cmpint (stored->last_used, >, 0);
    event = last_event (f);
    g_assert_cmpstr (event->kind, ==, "authentication");
    g_assert_cmpstr (event->outcome, ==, "success");
  }

  /* A tracked sign-in, with its token. */
  {
    g_autoptr(SesameAction) action = track (f, "alice", "signIn");
    g_autoptr(SesameTokenClaims) claims = claims_for (action, "read:authenticators");
    g_autoptr(SesameAuthenticationOptions) options = begin_authentication (f, claims, NULL);
    g_autoptr(SesameCredentialJson) credential = NULL;
    g_autoptr(SesameCeremonyResult) result = NULL;

    credential = assertion_credential (f->auth, options->challenge, 2);
    result = finish_authentication (f, claims, options->challenge->id, credential, &judged,
                                    &error);
    g_assert_no_error (error);
    g_assert_cmpstr (result->action->idempotency_key, ==, action->idempotency_key);
    g_assert_cmpstr (result->action->state, ==, "CHALLENGE_SUCCEEDED");
  }
}

static void
test_authentication_refused (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(SesameCeremonyResult) alice = register_passkey (f, "alice", f->auth);
  g_autoptr(SesameTestAuthenticator) bob_auth = sesame_test_authenticator_new (-7);
  g_autoptr(SesameCeremonyResult) bob = register_passkey (f, "bob", bob_auth);
  g_autoptr(SesameAction) action = track (f, "alice", "signIn");
  g_autoptr(SesameTokenClaims) claims = claims_for (action, "read:authenticators");
  g_autoptr(GError) error = NULL;
  gboolean judged = FALSE;

  /* A credential this tenant never saw. */
  {
    g_autoptr(SesameTestAuthenticator) stranger = sesame_test_authenticator_new (-7);
    g_autoptr(SesameAuthenticationOptions) options = begin_authentication (f, NULL, NULL);
    g_autoptr(SesameCredentialJson) credential = NULL;
    guint n_events = count_events (f);

    credential = assertion_credential (stranger, options->challenge, 1);
    assert_sign_in_refused (f, NULL, options->challenge->id, credential, SESAME_RULE_ERROR,
                            SESAME_RULE_ERROR_UNKNOWN_CREDENTIAL, NULL, NULL);
    g_assert_cmpuint (count_events (f), ==, n_events + 1);
    /* The challenge was not touched: alice may still use it. */
    g_assert_true (challenge_unused (f, options->challenge));
  }

  /* bob's passkey for alice's sign-in: refused, and alice's action is not
   * failed by it. */
  {
    g_autoptr(SesameAuthenticationOptions) options = begin_authentication (f, claims, NULL);
    g_autoptr(SesameCredentialJson) credential = NULL;

    credential = assertion_credential (bob_auth, options->challenge, 1);
    assert_sign_in_refused (f, claims, options->challenge->id, credential, SESAME_RULE_ERROR,
                            SESAME_RULE_ERROR_WRONG_USER, action->idempotency_key,
                            "CHALLENGE_REQUIRED");
  }

  /* A replay. */
  {
    g_autoptr(SesameAuthenticationOptions) options = begin_authentication (f, NULL, NULL);
    g_autoptr(SesameCredentialJson) credential = NULL;
    g_autoptr(SesameCeremonyResult) result = NULL;

    credential = assertion_credential (f->auth, options->challenge, 5);
    result = finish_authentication (f, NULL, options->challenge->id, credential, &judged, &error);
    g_assert_no_error (error);
    assert_sign_in_refused (f, NULL, options->challenge->id, credential, SESAME_RULE_ERROR,
                            SESAME_RULE_ERROR_CHALLENGE_REPLAYED, NULL, NULL);
  }

  /* An expired challenge. */
  {
    g_autoptr(SesameChallenge) challenge = g_new0 (SesameChallenge, 1);
    g_autoptr(SesameCredentialJson) credential = NULL;
    g_autoptr(SesameCeremonyResult) result = NULL;

    challenge->tenant_id = g_strdup (f->tenant->id);
    challenge->type = SESAME_CHALLENGE_AUTHENTICATION;
    challenge->created = g_get_real_time () - 20 * G_USEC_PER_SEC;
    challenge->expires = g_get_real_time () - 10 * G_USEC_PER_SEC;
    g_assert_true (sesame_store_create_challenge (f->store, challenge, &error));
    credential = assertion_credential (f->auth, challenge, 6);
    result = finish_authentication (f, NULL, challenge->id, credential, &judged, &error);
    g_assert_error (error, SESAME_RULE_ERROR, SESAME_RULE_ERROR_CHALLENGE_EXPIRED);
    g_clear_error (&error);
  }

  /* The token's action must be the challenge's. */
  {
    g_autoptr(SesameAuthenticationOptions) options = begin_authentication (f, NULL, NULL);
    g_autoptr(SesameCredentialJson) credential = NULL;

    credential = assertion_credential (f->auth, options->challenge, 7);
    assert_sign_in_refused (f, claims, options->challenge->id, credential, SESAME_RULE_ERROR,
                            SESAME_RULE_ERROR_CHALLENGE_NOT_FOUND, action->idempotency_key,
                            "CHALLENGE_REQUIRED");
  }
}

static void
test_authentication_failed (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(SesameCeremonyResult) alice = register_passkey (f, "alice", f->auth);
  g_autoptr(SesameAction) action = track (f, "alice", "signIn");
  g_autoptr(SesameTokenClaims) claims = claims_for (action, "read:authenticators");
  g_autoptr(GError) error = NULL;
  gboolean judged = FALSE;

  /* A signature over something else: the action fails. */
  {
    g_autoptr(SesameAuthenticationOptions) options = begin_authentication (f, claims, NULL);
    g_autoptr(SesameCredentialJson) credential = NULL;
    guint8 *data_copy;
    gsize len;

    credential = assertion_credential (f->auth, options->challenge, 3);
    data_copy = g_bytes_unref_to_data (g_steal_pointer (&credential->signature), &len);
    data_copy[len - 1] ^= 0x01;
    credential->signature = g_bytes_new_take (data_copy, len);
    assert_sign_in_refused (f, claims, options->challenge->id, credential, SESAME_WEBAUTHN_ERROR,
                            SESAME_WEBAUTHN_ERROR_SIGNATURE_INVALID, action->idempotency_key,
                            "CHALLENGE_FAILED");
  }

  /* A counter that went back (a cloned authenticator?): refused, and the
   * stored counter stays. */
  {
    g_autoptr(SesameAuthenticationOptions) options = begin_authentication (f, claims, NULL);
    g_autoptr(SesameAuthenticationOptions) second = NULL;
    g_autoptr(SesameCredentialJson) credential = NULL;
    g_autoptr(SesameCredentialJson) older = NULL;
    g_autoptr(SesameCeremonyResult) result = NULL;
    g_autoptr(SesamePasskey) stored = NULL;
    g_autofree char *state = NULL;

    credential = assertion_credential (f->auth, options->challenge, 10);
    result = finish_authentication (f, claims, options->challenge->id, credential, &judged,
                                    &error);
    g_assert_no_error (error);
    g_clear_pointer (&result, sesame_ceremony_result_free);
    second = begin_authentication (f, claims, NULL);
    older = assertion_credential (f->auth, second->challenge, 9);
    result = finish_authentication (f, claims, second->challenge->id, older, &judged, &error);
    g_assert_error (error, SESAME_WEBAUTHN_ERROR, SESAME_WEBAUTHN_ERROR_SIGN_COUNT_REGRESSION);
    g_clear_error (&error);
    stored = sesame_store_get_passkey (f->store, f->tenant->id, alice->passkey->id, &error);
    g_assert_cmpuint (stored->sign_count, ==, 10);
    /* The earlier success stands. */
    state = action_state (f, action->idempotency_key);
    g_assert_cmpstr (state, ==, "CHALLENGE_SUCCEEDED");
  }

  /* An open sign-in that fails gets a failed action of the owner. */
  {
    g_autoptr(SesameAuthenticationOptions) options = begin_authentication (f, NULL, NULL);
    g_autoptr(SesameCredentialJson) credential = NULL;
    g_autoptr(GPtrArray) failed = NULL;
    const char * const codes[] = { SESAME_DEFAULT_SIGN_IN_ACTION, NULL };

    credential = assertion_credential (f->auth, options->challenge, 2);
    assert_sign_in_refused (f, NULL, options->challenge->id, credential, SESAME_WEBAUTHN_ERROR,
                            SESAME_WEBAUTHN_ERROR_SIGN_COUNT_REGRESSION, NULL, NULL);
    failed = sesame_store_query_actions (f->store, f->tenant->id, "alice", 0, codes,
                                         "CHALLENGE_FAILED", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (failed->len, ==, 1);
  }
}

/* A sign-in uses the parsed key the store keeps for the passkey, parsed
 * again only when the stored bytes differ or the passkey was deleted. */
static void
test_public_key_cache (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(SesameCeremonyResult) alice = register_passkey (f, "alice", f->auth);
  g_autoptr(SesameTestAuthenticator) other = sesame_test_authenticator_new (-7);
  g_autoptr(SesameCoseKey) first = NULL;
  g_autoptr(SesameCoseKey) again = NULL;
  g_autoptr(SesameCoseKey) changed = NULL;
  g_autoptr(SesameCoseKey) after_delete = NULL;
  g_autoptr(SesameCoseKey) unparsable = NULL;
  g_autoptr(SesameCoseKey) restored = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stored_key = g_bytes_ref (alice->passkey->public_key);

  first = sesame_store_get_public_key (f->store, alice->passkey, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sesame_cose_key_get_algorithm (first), ==, -7);
  again = sesame_store_get_public_key (f->store, alice->passkey, &error);
  g_assert_no_error (error);
  g_assert_true (again == first);

  /* Other bytes under the same id: never the cached key. */
  g_bytes_unref (alice->passkey->public_key);
  alice->passkey->public_key = g_bytes_ref (other->cose_key);
  changed = sesame_store_get_public_key (f->store, alice->passkey, &error);
  g_assert_no_error (error);
  g_assert_true (changed != first);
  g_assert_false (EVP_PKEY_eq (sesame_cose_key_get_pkey (changed),
                               sesame_cose_key_get_pkey (first)) == 1);
  g_bytes_unref (alice->passkey->public_key);
  alice->passkey->public_key = g_bytes_new_static ("\xa0", 1);
  unparsable = sesame_store_get_public_key (f->store, alice->passkey, &error);
  g_assert_null (unparsable);
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* Deleting the passkey drops its entry. */
  g_bytes_unref (alice->passkey->public_key);
  alice->passkey->public_key = g_bytes_ref (stored_key);
  restored = sesame_store_get_public_key (f->store, alice->passkey, &error);
  g_assert_no_error (error);
  g_assert_nonnull (restored);
  g_assert_true (sesame_store_delete_passkey (f->store, f->tenant->id, "alice", alice->passkey->id,
                                              &error));
  g_assert_no_error (error);
  after_delete = sesame_store_get_public_key (f->store, alice->passkey, &error);
  g_assert_no_error (error);
  g_assert_true (after_delete != first);
  g_assert_true (EVP_PKEY_eq (sesame_cose_key_get_pkey (after_delete),
                              sesame_cose_key_get_pkey (first)) == 1);
}

static void
add (const char *path,
     void      (*func) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sesame/tenant/rules/identifiers", test_identifiers);
  g_test_add_func ("/sesame/tenant/rules/scopes", test_scopes);
  g_test_add_func ("/sesame/tenant/rules/scope-checks", test_scope_checks);
  g_test_add_func ("/sesame/tenant/rules/state-strings", test_state_strings);
  g_test_add_func ("/sesame/tenant/rules/state-machine", test_state_machine);
  add ("/sesame/tenant/rules/track", test_track);
  add ("/sesame/tenant/rules/token-action", test_token_action);
  add ("/sesame/tenant/rules/validate", test_validate);
  add ("/sesame/tenant/rules/validate-bad-tokens", test_validate_bad_tokens);
  add ("/sesame/tenant/rules/set-action-state", test_set_action_state);
  add ("/sesame/tenant/rules/users", test_users);
  add ("/sesame/tenant/ceremony/begin-sign-in", test_begin_sign_in);
  add ("/sesame/tenant/ceremony/begin-registration", test_begin_registration);
  add ("/sesame/tenant/ceremony/registration", test_registration);
  add ("/sesame/tenant/ceremony/registration-refused", test_registration_refused);
  add ("/sesame/tenant/ceremony/registration-failed", test_registration_failed);
  add ("/sesame/tenant/ceremony/registration-malformed", test_registration_malformed);
  add ("/sesame/tenant/ceremony/conditional-create", test_conditional_create);
  add ("/sesame/tenant/ceremony/begin-authentication", test_begin_authentication);
  add ("/sesame/tenant/ceremony/authentication", test_authentication);
  add ("/sesame/tenant/ceremony/authentication-refused", test_authentication_refused);
  add ("/sesame/tenant/ceremony/authentication-failed", test_authentication_failed);
  add ("/sesame/tenant/ceremony/public-key-cache", test_public_key_cache);

  return g_test_run ();
}
