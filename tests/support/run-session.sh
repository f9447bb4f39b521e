#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# dbus-run-session -- PROGRAM ARGS..., with two differences: the bus is
# configured by dbus/session.conf beside this script (the same session for
# every test, whatever the machine could activate), and the bus daemon and
# every service it starts (the accessibility bus and registry, which
# WebKit wakes) write to stderr, so that stdout carries nothing but the
# test program's TAP.

here=$(cd "$(dirname "$0")" && pwd)
exec 3>&1 1>&2
exec dbus-run-session --config-file="$here/dbus/session.conf" -- \
  sh -c 'exec "$@" 1>&3 3>&-' sh "$@"
