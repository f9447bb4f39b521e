#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# run-keyring.sh PROGRAM ARGS...: runs PROGRAM with a Secret Service on the
# session bus, as a GNOME session has one: gnome-keyring with a login
# keyring of its own (in a temporary folder) unlocked by a password on its
# standard input. Run it inside run-session.sh; the daemon's output goes
# to stderr, so that stdout stays the program's TAP.

dir=$(mktemp -d) || exit 1
mkdir -m 0700 "$dir/run" "$dir/data"

# The daemon is not under test: the test's G_DEBUG=fatal-warnings would
# make its harmless warnings fatal.
printf 'sesame-test-keyring' |
  env -u G_DEBUG -u MALLOC_CHECK_ -u MALLOC_PERTURB_ HOME=$dir XDG_DATA_HOME=$dir/data XDG_RUNTIME_DIR=$dir/run \
  gnome-keyring-daemon --foreground --unlock --components=secrets >&2 &
daemon=$!

cleanup() {
  kill "$daemon" 2>/dev/null
  wait "$daemon" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

# The keyring is ready once it owns the Secret Service's name (asked
# without activating it) and has a default collection.
ready=
for _ in $(seq 100); do
  if gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
       --method org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets 2>/dev/null |
       grep -q true &&
     gdbus call --session --dest org.freedesktop.secrets \
       --object-path /org/freedesktop/secrets \
       --method org.freedesktop.Secret.Service.ReadAlias default 2>/dev/null |
       grep -q collection/; then
    ready=1
    break
  fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "run-keyring.sh: gnome-keyring did not start a Secret Service" >&2
  exit 1
fi

"$@"
