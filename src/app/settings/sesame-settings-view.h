/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameSettingsView: the tenant's portal inside the app, one
 * AdwPreferencesPage per subject (tenants, passkeys, policy, API keys,
 * connect your app, server, authenticators). Its pages edit the tenant in
 * use; each change is checked as it is typed, applied to the running
 * tenant at once and stored, and a wrong value is never saved.
 */

#include <adwaita.h>

#include "sesame-application.h"

G_BEGIN_DECLS

/* The pages another part of the app may add a group to. */
typedef enum
{
  SESAME_SETTINGS_PAGE_PASSKEYS,
  SESAME_SETTINGS_PAGE_POLICY,
  /* Authenticators: the built-in one first; security keys (libfido2)
   * belong here, after it. */
  SESAME_SETTINGS_PAGE_AUTHENTICATORS,
} SesameSettingsPage;

#define SESAME_TYPE_SETTINGS_VIEW (sesame_settings_view_get_type ())
G_DECLARE_FINAL_TYPE (SesameSettingsView, sesame_settings_view, SESAME, SETTINGS_VIEW, AdwBin)

void sesame_settings_view_attach    (SesameSettingsView  *self,
                                     SesameApplication   *app);

/* Adds @group at the end of @page (the view takes a reference): the slot
 * where the security keys group goes. */
void sesame_settings_view_add_group (SesameSettingsView  *self,
                                     SesameSettingsPage   page,
                                     AdwPreferencesGroup *group);

/* Shows the page named "tenants", "passkeys", "policy", "api-keys",
 * "connect", "server" or "authenticator". */
void sesame_settings_view_show_page (SesameSettingsView  *self,
                                     const char          *name);

G_END_DECLS
