#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs a GTK + WebKit test program headless: its own X server (Xvfb), its
# own D-Bus session (so that nothing is autolaunched and left behind), and
# throw-away XDG folders (WebKit writes caches there). Without Xvfb the
# program is reported as skipped, in TAP.

if ! command -v xvfb-run >/dev/null 2>&1 || ! command -v dbus-run-session >/dev/null 2>&1; then
  echo "1..0 # SKIP xvfb-run or dbus-run-session is not installed"
  exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sesame-headless-XXXXXX") || exit 1
# The document portal may mount a FUSE file system in the runtime folder.
cleanup () {
  if grep -qs " $tmp/runtime/doc " /proc/mounts; then
    fusermount3 -u "$tmp/runtime/doc" 2>/dev/null || fusermount -u "$tmp/runtime/doc" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
mkdir -m 0700 "$tmp/runtime"
mkdir "$tmp/cache" "$tmp/data" "$tmp/config" "$tmp/home"

export XDG_RUNTIME_DIR="$tmp/runtime"
export XDG_CACHE_HOME="$tmp/cache"
export XDG_DATA_HOME="$tmp/data"
export XDG_CONFIG_HOME="$tmp/config"
export HOME="$tmp/home"
# Less memory, and no GPU paths that Xvfb lacks.
export GSK_RENDERER=cairo
export WEBKIT_DISABLE_COMPOSITING_MODE=1

xvfb-run -a -s "-screen 0 1024x768x24" "$(dirname "$0")/../support/run-session.sh" "$@"
