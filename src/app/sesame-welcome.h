/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * SesameWelcome: the window of the first start. It says what Sesame is,
 * names its two halves (the Demo and the local tenant) and where each one
 * starts, and closes with "Start". GSettings' "welcome-shown" remembers
 * that it was seen, so that it comes only once.
 */

#include <adwaita.h>

G_BEGIN_DECLS

#define SESAME_TYPE_WELCOME (sesame_welcome_get_type ())
G_DECLARE_FINAL_TYPE (SesameWelcome, sesame_welcome, SESAME, WELCOME, AdwWindow)

SesameWelcome *sesame_welcome_new          (GtkWindow *parent,
                                            GSettings *settings);
SesameWelcome *sesame_welcome_present_once (GtkWindow *parent,
                                            GSettings *settings);

G_END_DECLS
