/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-activity-model.h"

#include "sesame-event-details.h"

#include <json-glib/json-glib.h>

struct _SesameActivityModel
{
  GObject parent_instance;

  SesameServer *server;
  char *tenant_id;
  gulong event_handler;
  guint load_id;
  gint64 last_id;          /* the newest event taken in (or cleared) */
  guint n_events;

  GPtrArray *items;        /* SesameActivityItem, oldest first (the list is newest first) */
  GHashTable *by_key;      /* action key → item (borrowed) */
  GHashTable *by_challenge; /* challenge id → item (borrowed) */
  GHashTable *record_items; /* SesameCeremonyRecord → item (borrowed) */
  GPtrArray *pending;      /* SesameCeremonyRecord waiting for the tenant's verdict */
  gboolean batch;          /* taking a batch of events: no per-item signals */
  guint batch_lowest;      /* the oldest index the batch touched */
  GPtrArray *queue;        /* SesameEvent announced, not taken in yet */
  gboolean discard;        /* cleared while loading: read on, take nothing */
  guint flush_id;

  GtkStringList *user_names;
  GHashTable *seen_users;
  GtkStringList *action_codes;
  GHashTable *seen_codes;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SesameActivityModel, sesame_activity_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  LOADED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* GListModel */

static GType
get_item_type (GListModel *model)
{
  return SESAME_TYPE_ACTIVITY_ITEM;
}

static guint
get_n_items (GListModel *model)
{
  return SESAME_ACTIVITY_MODEL (model)->items->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  SesameActivityModel *self = SESAME_ACTIVITY_MODEL (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (self->items->pdata[self->items->len - 1 - position]);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

/* Items */

static gboolean
position_of (SesameActivityModel *self,
             SesameActivityItem  *item,
             guint               *position)
{
  guint index;

  if (!g_ptr_array_find (self->items, item, &index))
    return FALSE;
  *position = self->items->len - 1 - index;
  return TRUE;
}

static void
item_changed_cb (SesameActivityItem  *item,
                 SesameActivityModel *self)
{
  guint position;

  if (!position_of (self, item, &position))
    return;
  if (self->batch)
    self->batch_lowest = MIN (self->batch_lowest, self->items->len - 1 - position);
  else
    g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
}

static void
note_choice (GtkStringList *list,
             GHashTable    *seen,
             const char    *value)
{
  if (!value || g_hash_table_contains (seen, value))
    return;
  g_hash_table_add (seen, g_strdup (value));
  gtk_string_list_append (list, value);
}

static void
note_choices (SesameActivityModel *self,
              SesameActivityItem  *item)
{
  note_choice (self->user_names, self->seen_users, sesame_activity_item_get_user_name (item));
  note_choice (self->action_codes, self->seen_codes, sesame_activity_item_get_action_code (item));
}

static SesameActivityItem *
append_item (SesameActivityModel *self,
             const char          *action_key)
{
  SesameActivityItem *item = sesame_activity_item_new (action_key);

  if (self->batch)
    self->batch_lowest = MIN (self->batch_lowest, self->items->len);
  g_ptr_array_add (self->items, item);
  g_signal_connect_object (item, "changed", G_CALLBACK (item_changed_cb), self, 0);
  if (action_key)
    g_hash_table_insert (self->by_key, g_strdup (action_key), item);
  if (!self->batch)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, 1);
  return item;
}

static gboolean
remove_challenge_of (gpointer key,
                     gpointer value,
                     gpointer item)
{
  return value == item;
}

static void
remove_item (SesameActivityModel *self,
             SesameActivityItem  *item)
{
  guint position;

  if (!position_of (self, item, &position))
    return;
  g_hash_table_foreach_remove (self->by_challenge, remove_challenge_of, item);
  if (sesame_activity_item_get_action_key (item))
    g_hash_table_remove (self->by_key, sesame_activity_item_get_action_key (item));
  g_signal_handlers_disconnect_by_data (item, self);
  if (self->batch)
    self->batch_lowest = MIN (self->batch_lowest, self->items->len - 1 - position);
  g_ptr_array_remove_index (self->items, self->items->len - 1 - position);
  if (!self->batch)
    g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
}

/* Events */


static void
refresh_action (SesameActivityModel *self,
                SesameActivityItem  *item)
{
  SesameStore *store = sesame_server_get_store (self->server);
  const char *key = sesame_activity_item_get_action_key (item);
  g_autoptr(SesameAction) action = NULL;
  g_autoptr(SesameUser) user = NULL;
  const char *user_id;

  /* Gone with its user: the events still say what happened. */
  action = key ? sesame_store_get_action (store, self->tenant_id, key, NULL) : NULL;
  if (action)
    sesame_activity_item_set_action (item, action);
  user_id = sesame_activity_item_get_user_id (item);
  if (user_id)
    user = sesame_store_get_user (store, self->tenant_id, user_id, NULL);
  if (user && user->username)
    sesame_activity_item_set_user_name (item, user->username);
}

/* A sign-in names the passkey, not its AAGUID: read that from the passkey. */
static void
refresh_authenticator (SesameActivityModel *self,
                       SesameActivityItem  *item,
                       const SesameEvent   *event)
{
  g_autofree char *passkey_id = NULL;
  g_autoptr(SesamePasskey) passkey = NULL;

  if (!g_str_equal (event->kind, "authentication") || g_strcmp0 (event->outcome, "success") != 0)
    return;
  passkey_id = sesame_event_dup_detail (event, "userAuthenticatorId");
  if (passkey_id)
    passkey = sesame_store_get_passkey (sesame_server_get_store (self->server), self->tenant_id,
                                        passkey_id, NULL);
  if (passkey && passkey->aaguid)
    sesame_activity_item_set_aaguid (item, passkey->aaguid);
}

static void
attach_record (SesameActivityModel  *self,
               SesameCeremonyRecord *record,
               SesameActivityItem   *item)
{
  SesameActivityItem *old = g_hash_table_lookup (self->record_items, record);

  if (old == item)
    return;
  g_object_ref (record);
  if (old)
    {
      sesame_activity_item_remove_ceremony (old, record);
      /* A ceremony the tenant never heard of had an item of its own. */
      if (sesame_activity_item_get_events (old)->len == 0 &&
          sesame_activity_item_get_ceremonies (old)->len == 0)
        remove_item (self, old);
    }
  g_hash_table_insert (self->record_items, record, item);
  sesame_activity_item_add_ceremony (item, record);
  g_object_unref (record);
}

/* The tenant judged a credential: join the ceremony that produced it, the
 * newest one with that credential (a passkey signs in many times; an older
 * ceremony whose credential the page never posted waits in vain). */
static void
match_pending (SesameActivityModel *self,
               SesameActivityItem  *item,
               const SesameEvent   *event)
{
  for (guint i = self->pending->len; i > 0; i--)
    {
      SesameCeremonyRecord *record = self->pending->pdata[i - 1];

      if (sesame_ceremony_record_is_verdict (record, event))
        {
          sesame_ceremony_record_set_verdict (record, event);
          attach_record (self, record, item);
          g_ptr_array_remove_index (self->pending, i - 1);
          return;
        }
    }
}

/* The SDK's signIn() asks for a sign-in challenge, then for the options,
 * which replace it with a challenge of their own; the tenant logs each
 * with its own id and does not say that one replaced the other. Join the
 * options to the newest lone sign-in challenge from the same origin. */
static SesameActivityItem *
find_sign_in_start (SesameActivityModel *self,
                    const SesameEvent   *event)
{
  guint looked = 0;

  if (!g_str_equal (event->kind, "authentication-options") || event->action_key)
    return NULL;
  for (guint i = self->items->len; i > 0 && looked < 16; i--, looked++)
    {
      SesameActivityItem *item = self->items->pdata[i - 1];
      GPtrArray *events = sesame_activity_item_get_events (item);
      SesameEvent *first = events->len == 1 ? events->pdata[0] : NULL;

      if (first && g_str_equal (first->kind, "challenge") && !first->action_key &&
          g_strcmp0 (first->origin, event->origin) == 0 &&
          sesame_activity_item_get_ceremonies (item)->len == 0)
        return item;
    }
  return NULL;
}

static void
take_event (SesameActivityModel *self,
            const SesameEvent   *event,
            GHashTable          *touched)
{
  /* Called in a batch (begin_batch()); @touched collects the items whose
   * action is read again once the batch is in. */
  g_autofree char *challenge_id = sesame_event_dup_detail (event, "challengeId");
  SesameActivityItem *item = NULL;
  SesameActivityItem *by_challenge = NULL;

  if (event->id <= self->last_id || g_strcmp0 (event->tenant_id, self->tenant_id) != 0)
    return;
  self->last_id = event->id;
  self->n_events++;

  if (event->action_key)
    item = g_hash_table_lookup (self->by_key, event->action_key);
  if (challenge_id)
    by_challenge = g_hash_table_lookup (self->by_challenge, challenge_id);

  if (by_challenge && !item)
    {
      item = by_challenge;
      if (event->action_key && !sesame_activity_item_get_action_key (item))
        {
          sesame_activity_item_set_action_key (item, event->action_key);
          g_hash_table_insert (self->by_key, g_strdup (event->action_key), item);
        }
    }
  else if (by_challenge && item != by_challenge && !sesame_activity_item_get_action_key (by_challenge))
    {
      /* An open sign-in's challenge, and the action it became. */
      sesame_activity_item_absorb (item, by_challenge);
      remove_item (self, by_challenge);
    }
  if (!item)
    item = find_sign_in_start (self, event);
  if (!item)
    item = append_item (self, event->action_key);
  if (challenge_id)
    g_hash_table_replace (self->by_challenge, g_steal_pointer (&challenge_id), item);

  sesame_activity_item_add_event (item, event);
  g_hash_table_add (touched, item);
  refresh_authenticator (self, item, event);
  match_pending (self, item, event);
}

/* Events come in batches (a page read from the store, or what was
 * announced since the last main-loop iteration) and the list hears of a
 * batch once: a burst of thousands then costs the views one update, not
 * one each. Items only join at the newest end, so the batch changed the
 * list from the oldest item it touched to the newest. */
static void
take_batch (SesameActivityModel *self,
            GPtrArray           *events)
{
  g_autoptr(GHashTable) touched = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer item;
  guint before = self->items->len;

  self->batch = TRUE;
  self->batch_lowest = G_MAXUINT;
  for (guint i = 0; i < events->len; i++)
    take_event (self, events->pdata[i], touched);
  g_hash_table_iter_init (&iter, touched);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    {
      refresh_action (self, item);
      note_choices (self, item);
    }
  self->batch = FALSE;

  if (self->batch_lowest != G_MAXUINT)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, before - MIN (before, self->batch_lowest),
                                self->items->len - self->batch_lowest);
}

/* Takes in at most @limit queued events (0: all). */
static void
flush_queue (SesameActivityModel *self,
             guint                limit)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) sesame_event_free);
  guint n = limit ? MIN (limit, self->queue->len) : self->queue->len;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (events, g_steal_pointer (&self->queue->pdata[i]));
  g_ptr_array_remove_range (self->queue, 0, n);
  if (events->len > 0)
    take_batch (self, events);
}

static gboolean
flush_cb (gpointer user_data)
{
  SesameActivityModel *self = user_data;

  flush_queue (self, SESAME_ACTIVITY_MODEL_PAGE);
  if (self->queue->len > 0)
    return G_SOURCE_CONTINUE;
  self->flush_id = 0;
  return G_SOURCE_REMOVE;
}

static void
event_added_cb (SesameServer        *server,
                SesameEvent         *event,
                SesameActivityModel *self)
{
  /* While loading, the pages will read it. */
  if (self->load_id)
    return;
  g_ptr_array_add (self->queue, sesame_event_copy (event));
  if (!self->flush_id)
    self->flush_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, flush_cb, self, NULL);
}

static gboolean
load_page_cb (gpointer user_data)
{
  SesameActivityModel *self = user_data;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  events = sesame_store_list_events (sesame_server_get_store (self->server), self->tenant_id,
                                     self->last_id, NULL, SESAME_ACTIVITY_MODEL_PAGE, &error);
  if (!events)
    {
      g_warning ("Cannot read the tenant’s events: %s", error->message);
      self->load_id = 0;
      self->discard = FALSE;
      g_signal_emit (self, signals[LOADED], 0);
      return G_SOURCE_REMOVE;
    }

  if (self->discard && events->len > 0)
    self->last_id = ((SesameEvent *) events->pdata[events->len - 1])->id;
  else
    take_batch (self, events);

  if (events->len < SESAME_ACTIVITY_MODEL_PAGE)
    {
      self->load_id = 0;
      self->discard = FALSE;
      g_signal_emit (self, signals[LOADED], 0);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
reset (SesameActivityModel *self)
{
  guint removed = self->items->len;

  g_hash_table_remove_all (self->by_key);
  g_hash_table_remove_all (self->by_challenge);
  g_hash_table_remove_all (self->record_items);
  g_ptr_array_set_size (self->pending, 0);
  for (guint i = 0; i < self->items->len; i++)
    g_signal_handlers_disconnect_by_data (self->items->pdata[i], self);
  g_ptr_array_set_size (self->items, 0);
  self->n_events = 0;
  if (removed)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
}

static void
stop_following (SesameActivityModel *self)
{
  g_clear_handle_id (&self->load_id, g_source_remove);
  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (self->queue)
    g_ptr_array_set_size (self->queue, 0);
  if (self->server)
    g_clear_signal_handler (&self->event_handler, self->server);
  g_clear_object (&self->server);
  g_clear_pointer (&self->tenant_id, g_free);
}

void
sesame_activity_model_set_server (SesameActivityModel *self,
                                  SesameServer        *server)
{
  g_return_if_fail (SESAME_IS_ACTIVITY_MODEL (self));
  g_return_if_fail (!server || SESAME_IS_SERVER (server));

  if (server == self->server)
    return;
  stop_following (self);
  reset (self);
  self->last_id = 0;
  self->discard = FALSE;
  if (!server)
    return;

  self->server = g_object_ref (server);
  self->tenant_id = g_strdup (sesame_server_get_tenant_id (server));
  self->event_handler = g_signal_connect (server, "event-added", G_CALLBACK (event_added_cb), self);
  self->load_id = g_idle_add_full (G_PRIORITY_LOW, load_page_cb, self, NULL);
}

gboolean
sesame_activity_model_is_loading (SesameActivityModel *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_MODEL (self), FALSE);
  return self->load_id != 0;
}

guint
sesame_activity_model_get_n_events (SesameActivityModel *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_MODEL (self), 0);
  return self->n_events;
}

/* Ceremonies */

static const char *
options_kind (SesameCeremonyRecord *record)
{
  return sesame_ceremony_record_get_ceremony (record) == SESAME_CEREMONY_REGISTRATION
           ? "registration-options" : "authentication-options";
}

/* The action whose challenge the ceremony answered: the newest whose last
 * event handed out a challenge of that kind. The tenant logs only a
 * challenge's id, never its bytes, so this is a guess that the verdict
 * corrects (match_pending()). */
static SesameActivityItem *
find_waiting_item (SesameActivityModel  *self,
                   SesameCeremonyRecord *record)
{
  const char *kind = options_kind (record);
  gboolean get = sesame_ceremony_record_get_ceremony (record) == SESAME_CEREMONY_AUTHENTICATION;

  for (guint i = self->items->len; i > 0; i--)
    {
      SesameActivityItem *item = self->items->pdata[i - 1];
      const char *last = sesame_activity_item_get_last_kind (item);

      if (g_strcmp0 (last, kind) == 0 || (get && g_strcmp0 (last, "challenge") == 0))
        return item;
    }
  return NULL;
}

void
sesame_activity_model_add_ceremony (SesameActivityModel  *self,
                                    SesameCeremonyRecord *record)
{
  SesameActivityItem *item;

  g_return_if_fail (SESAME_IS_ACTIVITY_MODEL (self));
  g_return_if_fail (SESAME_IS_CEREMONY_RECORD (record));

  /* The bridge reports a ceremony before the page can post its
   * credential, so the tenant's verdict is always still to come. */
  if (g_hash_table_contains (self->record_items, record))
    return;
  /* The options the ceremony answered may still wait in the queue. */
  flush_queue (self, 0);
  item = find_waiting_item (self, record);
  if (!item)
    item = append_item (self, NULL);
  attach_record (self, record, item);
  if (sesame_ceremony_record_get_credential_id (record))
    g_ptr_array_add (self->pending, g_object_ref (record));
}

SesameActivityItem *
sesame_activity_model_find_ceremony_item (SesameActivityModel  *self,
                                          SesameCeremonyRecord *record)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_MODEL (self), NULL);
  return g_hash_table_lookup (self->record_items, record);
}

void
sesame_activity_model_clear (SesameActivityModel *self)
{
  g_return_if_fail (SESAME_IS_ACTIVITY_MODEL (self));

  /* Still loading: what is not read yet is cleared too; the pages are
   * read on (a page at a time, never all at once) only to skip them. */
  if (self->load_id)
    self->discard = TRUE;
  /* What was announced is cleared too. */
  if (self->queue->len > 0)
    self->last_id = MAX (self->last_id,
                         ((SesameEvent *) self->queue->pdata[self->queue->len - 1])->id);
  g_clear_handle_id (&self->flush_id, g_source_remove);
  g_ptr_array_set_size (self->queue, 0);
  reset (self);
}

GListModel *
sesame_activity_model_get_user_names (SesameActivityModel *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_MODEL (self), NULL);
  return G_LIST_MODEL (self->user_names);
}

GListModel *
sesame_activity_model_get_action_codes (SesameActivityModel *self)
{
  g_return_val_if_fail (SESAME_IS_ACTIVITY_MODEL (self), NULL);
  return G_LIST_MODEL (self->action_codes);
}

char *
sesame_activity_model_dup_json_lines (SesameActivityModel *self)
{
  GString *out;

  g_return_val_if_fail (SESAME_IS_ACTIVITY_MODEL (self), NULL);

  out = g_string_new (NULL);
  for (guint i = 0; i < self->items->len; i++)
    sesame_activity_item_append_json_lines (self->items->pdata[i], out);
  return g_string_free (out, FALSE);
}

/* GObject */

static void
sesame_activity_model_dispose (GObject *object)
{
  SesameActivityModel *self = SESAME_ACTIVITY_MODEL (object);

  stop_following (self);
  G_OBJECT_CLASS (sesame_activity_model_parent_class)->dispose (object);
}

static void
sesame_activity_model_finalize (GObject *object)
{
  SesameActivityModel *self = SESAME_ACTIVITY_MODEL (object);

  for (guint i = 0; i < self->items->len; i++)
    g_signal_handlers_disconnect_by_data (self->items->pdata[i], self);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->by_key, g_hash_table_unref);
  g_clear_pointer (&self->by_challenge, g_hash_table_unref);
  g_clear_pointer (&self->record_items, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->queue, g_ptr_array_unref);
  g_clear_object (&self->user_names);
  g_clear_pointer (&self->seen_users, g_hash_table_unref);
  g_clear_object (&self->action_codes);
  g_clear_pointer (&self->seen_codes, g_hash_table_unref);

  G_OBJECT_CLASS (sesame_activity_model_parent_class)->finalize (object);
}

static void
sesame_activity_model_class_init (SesameActivityModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sesame_activity_model_dispose;
  object_class->finalize = sesame_activity_model_finalize;

  signals[LOADED] = g_signal_new ("loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sesame_activity_model_init (SesameActivityModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->by_challenge = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->record_items = g_hash_table_new (NULL, NULL);
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  self->queue = g_ptr_array_new_with_free_func ((GDestroyNotify) sesame_event_free);
  self->user_names = gtk_string_list_new (NULL);
  self->seen_users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->action_codes = gtk_string_list_new (NULL);
  self->seen_codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

SesameActivityModel *
sesame_activity_model_new (void)
{
  return g_object_new (SESAME_TYPE_ACTIVITY_MODEL, NULL);
}
