/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * What the Settings view's pages share. The view is one widget (one
 * template, sesame-settings-view.ui); each page's behaviour lives in a file
 * of its own (sesame-settings-<page>.c) with an init function, called once
 * from the view's init, and a refresh function, called whenever the tenant
 * changed.
 */

#include "sesame-settings-view.h"

#include "sesame-checked-row.h"

G_BEGIN_DECLS

struct _SesameSettingsView
{
  AdwBin parent_instance;

  /* Template widgets */
  GtkStack *page_stack;
  AdwPreferencesGroup *tenants_group;
  AdwPreferencesGroup *new_tenant_group;
  AdwPreferencesGroup *setup_group;
  AdwPreferencesGroup *rp_group;
  AdwPreferencesGroup *origins_group;
  AdwComboRow *uv_row;
  AdwComboRow *attestation_row;
  AdwComboRow *attachment_row;
  AdwPreferencesGroup *algorithms_group;
  AdwPreferencesGroup *lifetimes_group;
  AdwActionRow *tenant_id_row;
  AdwActionRow *base_url_row;
  AdwActionRow *secret_row;
  GtkToggleButton *reveal_button;
  GtkWidget *keyring_row;
  AdwPreferencesGroup *snippets_group;
  AdwPreferencesGroup *dev_server_group;
  AdwPreferencesGroup *server_group;
  GtkSwitch *beyond_loopback_switch;
  AdwPreferencesPage *authenticator_page;
  AdwPreferencesGroup *pin_group;
  AdwActionRow *pin_state_row;
  GtkWidget *remove_pin_button;
  GtkSwitch *backup_eligible_switch;
  GtkSwitch *backed_up_switch;
  GtkSwitch *sign_counter_switch;

  /* Rows made in code */
  SesameCheckedRow *new_tenant_row;
  SesameCheckedRow *rp_id_row;
  SesameCheckedRow *rp_name_row;
  SesameCheckedRow *new_origin_row;
  SesameCheckedRow *token_lifetime_row;
  SesameCheckedRow *challenge_lifetime_row;
  SesameCheckedRow *dev_port_row;
  SesameCheckedRow *port_row;
  GtkWidget *pin_row;
  GPtrArray *tenant_rows;      /* what tenants_group holds now */
  GPtrArray *origin_rows;      /* SesameCheckedRow, one per stored origin */
  GPtrArray *algorithm_rows;   /* AdwActionRow with a switch, one per supported algorithm */
  GPtrArray *snippet_rows;

  SesameApplication *app;      /* weak */
  GSettings *settings;
  SesameTenant *tenant;        /* the tenant in use, as last read */
  char *secret;                /* its secret key when known, wiped when dropped */
  GCancellable *lookup_cancellable; /* of the secret key's lookup */
  gboolean refreshing;         /* rows are being filled from the store */
};

/* Helpers (sesame-settings-view.c) */

/* Wipes and frees a secret string, and clears the pointer. */
void              sesame_settings_wipe_string            (char               **secret);
void              sesame_settings_view_toast             (SesameSettingsView  *self,
                                                          const char          *message);
/* "@what: the error's message" in a toast. */
void              sesame_settings_view_toast_error       (SesameSettingsView  *self,
                                                          const char          *what,
                                                          const GError        *error);
SesameServer     *sesame_settings_view_get_server        (SesameSettingsView  *self);
/* Opens the sample app again in the Demo view, behind Settings. */
void              sesame_settings_view_reload_demo       (SesameSettingsView  *self);
/* Sets a stored value into a field, unless the user is typing there. */
void              sesame_settings_show_value             (SesameCheckedRow    *row,
                                                          const char          *value);
/* Removes @rows (checked rows with their message rows) from @group. */
void              sesame_settings_clear_rows             (AdwPreferencesGroup *group,
                                                          GPtrArray           *rows);

/* Changes a copy of the tenant in use; sesame_settings_view_update_tenant()
 * stores it (checked) and, when that is refused, shows why on @row (or in
 * a toast, going back to what is stored). */
typedef void (*SesameSettingsChange) (SesameTenant  *tenant,
                                      gconstpointer  data);
gboolean          sesame_settings_view_update_tenant     (SesameSettingsView  *self,
                                                          SesameSettingsChange change,
                                                          gconstpointer        data,
                                                          SesameCheckedRow    *row);
gboolean          sesame_settings_parse_number           (const char          *text,
                                                          gint64               min,
                                                          gint64               max,
                                                          gint64              *out,
                                                          GError             **error);
/* A SesameCheckFunc: a tenant's or a Relying Party's name. */
gboolean          sesame_settings_check_name             (const char          *text,
                                                          gpointer             user_data,
                                                          GError             **error);
/* A checked row in @group, kept by the view, whose ::commit calls @commit. */
SesameCheckedRow *sesame_settings_view_add_checked_row   (SesameSettingsView  *self,
                                                          AdwPreferencesGroup *group,
                                                          const char          *title,
                                                          SesameCheckFunc      check,
                                                          GCallback            commit);
/* A dialog with @field (taken) and a response @accept that is enabled only
 * while the field is right. */
AdwMessageDialog *sesame_settings_view_field_dialog_new  (SesameSettingsView  *self,
                                                          const char          *heading,
                                                          const char          *body,
                                                          SesameCheckedRow    *field,
                                                          const char          *accept,
                                                          const char          *accept_label);
const char       *sesame_settings_dialog_field_text      (AdwMessageDialog    *dialog);
/* A confirmation with a destructive @accept; Cancel is the default. */
AdwMessageDialog *sesame_settings_view_confirm_dialog_new (SesameSettingsView *self,
                                                           const char         *heading,
                                                           const char         *body,
                                                           const char         *accept,
                                                           const char         *accept_label);
/* Reads the tenant in use again and refreshes every page. */
void              sesame_settings_view_refresh           (SesameSettingsView  *self);

/* Pages */

void sesame_settings_view_init_tenants     (SesameSettingsView *self);
void sesame_settings_view_refresh_tenants  (SesameSettingsView *self);

void sesame_settings_view_init_passkeys    (SesameSettingsView *self);
void sesame_settings_view_refresh_passkeys (SesameSettingsView *self);
void sesame_settings_view_setup_clicked_cb (SesameSettingsView *self);

void sesame_settings_view_init_policy      (SesameSettingsView *self);
void sesame_settings_view_refresh_policy   (SesameSettingsView *self);

void sesame_settings_view_init_keys        (SesameSettingsView *self);
/* @tenant_switched: another tenant is in use, whose key is looked up. */
void sesame_settings_view_refresh_keys     (SesameSettingsView *self,
                                            gboolean            tenant_switched);
void sesame_settings_view_refresh_snippets (SesameSettingsView *self);
void sesame_settings_view_keyring_changed  (SesameSettingsView *self);
void sesame_settings_view_reveal_toggled_cb     (SesameSettingsView *self);
void sesame_settings_view_copy_secret_clicked_cb (SesameSettingsView *self);
void sesame_settings_view_rotate_clicked_cb     (SesameSettingsView *self);

void sesame_settings_view_init_server      (SesameSettingsView *self);
void sesame_settings_view_refresh_server   (SesameSettingsView *self);
void sesame_settings_view_refresh_pin      (SesameSettingsView *self);
/* Applies the authenticator flags kept in GSettings to the built-in one. */
void sesame_settings_view_apply_authenticator_flags (SesameSettingsView *self);
void sesame_settings_view_beyond_loopback_cb    (SesameSettingsView *self);
void sesame_settings_view_remove_pin_clicked_cb (SesameSettingsView *self);

G_END_DECLS
