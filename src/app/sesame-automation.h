/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameAutomation: the io.github.sesame.Sesame.Automation1 D-Bus
 * interface (see io.github.sesame.Sesame.Automation1.xml), exported by
 * the application at /io/github/sesame/Sesame only when started with
 * --automation. Each method does what the window's own controls or the
 * authenticator's API do; nothing here is a separate code path.
 */

#include <gio/gio.h>

#include "sesame-application.h"

G_BEGIN_DECLS

#define SESAME_AUTOMATION_OBJECT_PATH    "/io/github/sesame/Sesame"
#define SESAME_AUTOMATION_INTERFACE      "io.github.sesame.Sesame.Automation1"

#define SESAME_AUTOMATION_ERROR (sesame_automation_error_quark ())

/* Each code has a D-Bus name: io.github.sesame.Sesame.Automation1.Error.<Name>. */
typedef enum
{
  SESAME_AUTOMATION_ERROR_FAILED,            /* .Failed */
  SESAME_AUTOMATION_ERROR_LOAD_FAILED,       /* .LoadFailed: OpenUrl's page did not load */
  SESAME_AUTOMATION_ERROR_JAVASCRIPT_FAILED, /* .JavascriptFailed: RunJavascript threw */
  SESAME_AUTOMATION_ERROR_NOT_FOUND,         /* .NotFound: no such credential */
  SESAME_AUTOMATION_ERROR_NOT_READY,         /* .NotReady: no tenant, no window or no authenticator */
  SESAME_AUTOMATION_ERROR_PIN_POLICY,        /* .PinPolicy: the PIN is too short or too long */
  SESAME_AUTOMATION_ERROR_NOT_PENDING,       /* .NotPending: no request waits for that answer */
} SesameAutomationError;

GQuark sesame_automation_error_quark (void);

#define SESAME_TYPE_AUTOMATION (sesame_automation_get_type ())
G_DECLARE_FINAL_TYPE (SesameAutomation, sesame_automation, SESAME, AUTOMATION, GObject)

SesameAutomation *sesame_automation_new      (SesameApplication *application);
gboolean          sesame_automation_export   (SesameAutomation  *self,
                                              GDBusConnection   *connection,
                                              GError           **error);
void              sesame_automation_unexport (SesameAutomation  *self);

G_END_DECLS
