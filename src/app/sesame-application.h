/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameApplication: the single instance of the app. Its primary instance
 * runs the local tenant in-process (a SesameServer on the data
 * directory's sesame.db), the built-in authenticator (passkeys.db beside
 * it, never the tenant's file) and, with --automation, the automation
 * D-Bus interface. A second `sesame` passes its --url to the first.
 */

#include <adwaita.h>

#include "sesame-secret-store.h"
#include "sesame-server.h"
#include "sesame-soft-authenticator.h"
#include "sesame-virtual-key.h"

G_BEGIN_DECLS

#define SESAME_APPLICATION_ERROR (sesame_application_error_quark ())

typedef enum
{
  SESAME_APPLICATION_ERROR_DATA_DIR,  /* the data directory cannot be created */
  SESAME_APPLICATION_ERROR_NOT_READY, /* the local tenant is not running */
} SesameApplicationError;

GQuark sesame_application_error_quark (void);

#define SESAME_TYPE_APPLICATION (sesame_application_get_type ())
G_DECLARE_FINAL_TYPE (SesameApplication, sesame_application, SESAME, APPLICATION, AdwApplication)

/* Declared in sesame-window.h, which includes this header. */
typedef struct _SesameWindow SesameWindow;

SesameApplication *sesame_application_new                (void);

/* The running tenant, or NULL while it is not (see get_start_error). */
SesameServer      *sesame_application_get_server         (SesameApplication *self);
/* Why the tenant is not running, or NULL. */
const GError      *sesame_application_get_start_error    (SesameApplication *self);
SesameSoftAuthenticator *sesame_application_get_authenticator (SesameApplication *self);
SesameWindow      *sesame_application_get_window         (SesameApplication *self);
/* The page the Demo view opens first: --url, or NULL for the default. */
const char        *sesame_application_get_start_url      (SesameApplication *self);

SesameStore       *sesame_application_get_store          (SesameApplication *self);
/* Where each tenant's secret key is kept (the keyring, or memory). */
SesameSecretStore *sesame_application_get_secret_store   (SesameApplication *self);
/* The tenant that the sample app used at start, which cannot be removed. */
const char        *sesame_application_get_local_tenant_id (SesameApplication *self);
/* Emits ::tenant-changed: call it after changing the tenant. */
void               sesame_application_tenant_changed     (SesameApplication *self);

/* After a busy port: listens again on any free port and, when that works,
 * brings the tenant up there. */
gboolean           sesame_application_use_another_port   (SesameApplication *self,
                                                          GError           **error);

/* The tenant's record as it is stored now (origins may change at runtime). */
SesameTenant      *sesame_application_dup_tenant         (SesameApplication *self,
                                                          GError           **error);
/* Adds @origin to the tenant's expected origins, after checking that it
 * fits the tenant's RP ID; a SESAME_TENANT_ERROR says why it does not. */
gboolean           sesame_application_add_expected_origin (SesameApplication *self,
                                                           const char        *origin,
                                                           GError           **error);

/* The virtual security key for demos and tests, one at a time: plugging
 * in a new one (with @pin, NULL or "": none) pulls out the one before
 * (its passkeys go with it, as with another physical key). Errors are
 * SESAME_AUTHENTICATOR_ERROR_PIN_POLICY and _STORAGE. The key is listed
 * by sesame_security_key_list() like any USB key. */
gboolean           sesame_application_plug_virtual_key   (SesameApplication *self,
                                                          const char        *pin,
                                                          GError           **error);
void               sesame_application_unplug_virtual_key (SesameApplication *self);
/* The plugged virtual key and its device path, or NULL. */
SesameVirtualKey  *sesame_application_get_virtual_key    (SesameApplication *self);
const char        *sesame_application_get_virtual_key_path (SesameApplication *self);

/*
 * SesameApplication::tenant-changed (SesameApplication *self)
 *   The tenant started, failed to start, or its expected origins changed.
 *
 * SesameApplication::virtual-key-changed (SesameApplication *self)
 *   The virtual security key was plugged in or pulled out.
 */

G_END_DECLS
