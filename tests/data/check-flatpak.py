#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the Flatpak manifests offline, as far as that is possible without a
runtime: flatpak-builder must parse each one, and what it reads back must
name the right app ID, command, runtime and SDK, build the libraries the
GNOME runtime lacks before Sesame itself, and grant exactly the intended
sandbox holes (the README gives the reason for each).

Usage: check-flatpak.py FLATPAK-BUILDER MANIFEST-DIR   (TAP on standard output)
"""

import json
import os
import re
import subprocess
import sys
import tempfile

from sesame_tap import Tap

BASE_ID = 'io.github.sesame.Sesame'
RUNTIME_VERSION = '48'
FINISH_ARGS = {
    '--share=ipc',
    '--socket=wayland',
    '--socket=fallback-x11',
    '--share=network',
    '--device=all',
    '--talk-name=org.freedesktop.secrets',
}
# What meson.build asks for that org.gnome.Platform does not ship, in the
# order they depend on each other.
NEEDED_MODULES = ['libcbor', 'libfido2', 'jansson', 'libjwt']
SHA256 = re.compile(r'^[0-9a-f]{64}$')
COMMIT = re.compile(r'^[0-9a-f]{40}$')


def show_manifest(flatpak_builder, path):
    # flatpak-builder leaves its state directory in the working directory;
    # keep it out of the source tree.
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run([flatpak_builder, '--show-manifest',
                               os.path.abspath(path)],
                              capture_output=True, text=True, timeout=60,
                              cwd=scratch)
    if done.returncode != 0:
        return None, done.stderr
    return json.loads(done.stdout), ''


def check_source(tap, prefix, source):
    kind = source.get('type')
    if kind == 'archive':
        tap.check(source.get('url', '').startswith('https://'),
                  prefix + ' archive comes over HTTPS', source)
        tap.check(bool(SHA256.match(source.get('sha256', ''))),
                  prefix + ' archive has a sha256', source)
    elif kind == 'git':
        tap.check(source.get('url', '').startswith('https://'),
                  prefix + ' git source comes over HTTPS', source)
        tap.check(bool(source.get('tag')) and bool(COMMIT.match(source.get('commit', ''))),
                  prefix + ' git source is pinned to a tag and its commit', source)
    elif kind in ('shell', 'dir'):
        pass
    else:
        tap.check(False, prefix + ' source type is known', source)


def check_manifest(tap, flatpak_builder, directory, app_id, profile):
    path = os.path.join(directory, app_id + '.json')
    manifest, error = show_manifest(flatpak_builder, path)
    tap.check(manifest is not None, '%s: flatpak-builder parses it' % app_id, error)
    if manifest is None:
        return

    tap.check(manifest.get('id', manifest.get('app-id')) == app_id,
              '%s: app ID' % app_id, manifest.get('id'))
    tap.check(manifest.get('command') == 'sesame', '%s: command is sesame' % app_id,
              manifest.get('command'))
    tap.check(manifest.get('runtime') == 'org.gnome.Platform'
              and manifest.get('sdk') == 'org.gnome.Sdk'
              and manifest.get('runtime-version') == RUNTIME_VERSION,
              '%s: GNOME %s runtime and SDK' % (app_id, RUNTIME_VERSION),
              (manifest.get('runtime'), manifest.get('sdk'), manifest.get('runtime-version')))

    args = manifest.get('finish-args', [])
    tap.check(len(args) == len(set(args)) and set(args) == FINISH_ARGS,
              '%s: finish-args are exactly the intended ones' % app_id,
              'extra: %s\nmissing: %s' % (sorted(set(args) - FINISH_ARGS),
                                          sorted(FINISH_ARGS - set(args))))

    modules = manifest.get('modules', [])
    names = [m.get('name') for m in modules if isinstance(m, dict)]
    tap.check(names == NEEDED_MODULES + ['sesame'],
              '%s: modules %s, then sesame last' % (app_id, ', '.join(NEEDED_MODULES)), names)

    for module in modules:
        if not isinstance(module, dict):
            continue
        for source in module.get('sources', []):
            check_source(tap, '%s: %s' % (app_id, module.get('name')), source)

    sesame = modules[-1] if modules and isinstance(modules[-1], dict) else {}
    tap.check(sesame.get('buildsystem') == 'meson', '%s: sesame builds with meson' % app_id)
    tap.check('-Dprofile=' + profile in sesame.get('config-opts', []),
              '%s: sesame is built with -Dprofile=%s' % (app_id, profile),
              sesame.get('config-opts'))
    tap.check(sesame.get('sources') == [{'type': 'dir', 'path': '..'}],
              '%s: sesame builds from this checkout' % app_id, sesame.get('sources'))


def main():
    if len(sys.argv) != 3:
        print('usage: check-flatpak.py FLATPAK-BUILDER MANIFEST-DIR', file=sys.stderr)
        return 2
    flatpak_builder, directory = sys.argv[1:]
    tap = Tap()
    check_manifest(tap, flatpak_builder, directory, BASE_ID, 'default')
    check_manifest(tap, flatpak_builder, directory, BASE_ID + '.Devel', 'development')

    # Both variants must build the same dependencies from the same sources,
    # so that the Devel build tests what the stable one ships.
    stable, _ = show_manifest(flatpak_builder, os.path.join(directory, BASE_ID + '.json'))
    devel, _ = show_manifest(flatpak_builder, os.path.join(directory, BASE_ID + '.Devel.json'))
    if stable and devel:
        tap.check(stable['modules'][:-1] == devel['modules'][:-1],
                  'both variants build the same dependencies')
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
