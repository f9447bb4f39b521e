#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# dbus-run-session -- PROGRAM ARGS..., with one difference: the bus daemon
# and every service it starts (the accessibility bus and registry, which
# WebKit wakes) write to stderr, so that stdout carries nothing but the
# test program's TAP.

exec 3>&1 1>&2
exec dbus-run-session -- sh -c 'exec "$@" 1>&3 3>&-' sh "$@"
