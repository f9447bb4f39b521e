/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Load for the crash and soak tests: a number of concurrent clients, each
 * a small state machine of asynchronous libsoup requests on the test's
 * main context, that register passkeys and sign in with them (and, in the
 * mixed load, track, validate, query and delete). The load remembers what
 * the server acknowledged, so that a test can check, after a crash, that
 * every acknowledged write is still there. */

#include "server-test-util.h"

G_BEGIN_DECLS

typedef struct
{
  SesameTestPasskey *passkey;
  char              *user_id;
  guint32            sent_max;      /* the highest sign count ever sent in a C5 */
  guint32            acked;         /* the highest sign count answered with success */
  guint              n_sign_ins;    /* sign-ins answered with success */
  GPtrArray         *tokens;        /* their accessTokens, not checked yet */
  gboolean           busy;          /* a client is using it */
  gboolean           touched;       /* registered or signed in since the last check */
} SesameTestAccount;

typedef enum
{
  SESAME_TEST_LOAD_CEREMONIES,   /* register and sign in */
  SESAME_TEST_LOAD_MIXED,        /* + track, validate, queries, deletes */
} SesameTestLoadKind;

typedef struct _SesameTestLoad SesameTestLoad;

SesameTestLoad *sesame_test_load_new        (SesameTestLoadKind kind,
                                             guint              n_clients,
                                             guint32            seed);
void            sesame_test_load_free       (SesameTestLoad *self);

/* Points the load at @server (after a restart, at the new one; the
 * accounts stay). */
void            sesame_test_load_set_server (SesameTestLoad   *self,
                                             SesameTestServer *server);
/* Starts the clients; they loop until sesame_test_load_stop(). */
void            sesame_test_load_start      (SesameTestLoad *self);
/* From now on a request without a reply is expected (the test is killing
 * the server) and ends that client instead of failing the test. */
void            sesame_test_load_expect_loss (SesameTestLoad *self);
/* Asks the clients to stop and iterates the main context until the last
 * one has; each finishes the request it has in flight. */
void            sesame_test_load_stop       (SesameTestLoad *self);

/* The accounts whose registration was acknowledged (and not deleted). */
GPtrArray      *sesame_test_load_accounts   (SesameTestLoad *self);

typedef struct
{
  guint64 requests;          /* sent */
  guint64 replies;           /* answered with any HTTP status */
  guint64 lost_replies;      /* no reply while loss was expected */
  guint64 unexpected;        /* a failure nothing explains: must stay 0 */
  guint64 registrations;     /* acknowledged */
  guint64 sign_ins;          /* acknowledged */
  guint64 deletes;           /* acknowledged */
} SesameTestLoadCounts;

const SesameTestLoadCounts *sesame_test_load_counts (SesameTestLoad *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesameTestLoad, sesame_test_load_free)

G_END_DECLS
