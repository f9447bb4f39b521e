#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Installs this build with DESTDIR into a temporary folder, as a packager
would, and checks that what lands there is a working Sesame: the files a
desktop needs are in place, every executable answers --help and --version,
and the installed sesame-server serves the sample app and the Web SDK from
its own resources, run from a folder where no source tree can be found.

Usage: test-install.py MESON BUILD-DIR PREFIX APP-ID   (TAP on standard output)
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data'))
from sesame_tap import Tap  # noqa: E402

LINGUAS = ('de', 'fr')
EXECUTABLES = ('sesame', 'sesame-server', 'sesame-inspect')


def installed_files(root, prefix, app_id):
    share = os.path.join(root, prefix.lstrip('/'), 'share')
    files = {
        'desktop file': os.path.join(share, 'applications', app_id + '.desktop'),
        'metainfo': os.path.join(share, 'metainfo', app_id + '.metainfo.xml'),
        'app icon': os.path.join(share, 'icons/hicolor/scalable/apps', app_id + '.svg'),
        'symbolic icon': os.path.join(share, 'icons/hicolor/symbolic/apps',
                                      app_id + '-symbolic.svg'),
        'settings schema': os.path.join(share, 'glib-2.0/schemas',
                                        'io.github.sesame.Sesame.gschema.xml'),
    }
    for lang in LINGUAS:
        files['%s translation' % lang] = os.path.join(share, 'locale', lang, 'LC_MESSAGES',
                                                      'sesame.mo')
    return files


def start_server(server, workdir, env):
    proc = subprocess.Popen([server, '--port', '0', '--data-dir', os.path.join(workdir, 'data')],
                            cwd=workdir, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines = []
    # The server prints its addresses, then flushes (its documented contract).
    for _ in range(5):
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
    match = re.search(r'Sample app:\s+(\S+)', ''.join(lines))
    return proc, (match.group(1) if match else None), ''.join(lines)


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get('Content-Type', ''), \
            response.read().decode('utf-8')


def main():
    if len(sys.argv) != 5:
        print('usage: test-install.py MESON BUILD-DIR PREFIX APP-ID', file=sys.stderr)
        return 2
    meson, build_dir, prefix, app_id = sys.argv[1:]
    tap = Tap()

    with tempfile.TemporaryDirectory(prefix='sesame-install-') as tmp:
        destdir = os.path.join(tmp, 'destdir')
        done = subprocess.run([meson, 'install', '-C', build_dir, '--no-rebuild',
                               '--quiet', '--destdir', destdir],
                              capture_output=True, text=True, timeout=120)
        tap.check(done.returncode == 0, 'meson install --destdir succeeds',
                  done.stdout + done.stderr)

        for what, path in installed_files(destdir, prefix, app_id).items():
            tap.check(os.path.isfile(path) and os.path.getsize(path) > 0,
                      'installs the %s' % what, path)

        # The installed catalogues translate the app's own strings.
        localedir = os.path.join(destdir, prefix.lstrip('/'), 'share', 'locale')
        for lang, expected in (('de', 'Version ausgeben und beenden'),
                               ('fr', 'Afficher la version et quitter')):
            try:
                catalogue = gettext.translation('sesame', localedir, languages=[lang])
                got = catalogue.gettext('Print the version and exit')
            except OSError as e:
                got = str(e)
            tap.check(got == expected, 'the installed %s catalogue translates the app' % lang, got)

        bindir = os.path.join(destdir, prefix.lstrip('/'), 'bin')
        env = dict(os.environ)
        # Nothing may lead the installed programs back to this tree.
        for name in ('G_TEST_SRCDIR', 'G_TEST_BUILDDIR', 'SESAME_SOURCE_ROOT', 'SESAME_SERVER',
                     'GSETTINGS_SCHEMA_DIR'):
            env.pop(name, None)
        env['HOME'] = tmp
        workdir = os.path.join(tmp, 'elsewhere')
        os.mkdir(workdir)

        for name in EXECUTABLES:
            path = os.path.join(bindir, name)
            if not tap.check(os.access(path, os.X_OK), 'installs %s' % name, path):
                continue
            help_run = subprocess.run([path, '--help'], cwd=workdir, env=env,
                                      capture_output=True, text=True, timeout=30)
            tap.check(help_run.returncode == 0 and 'Usage' in help_run.stdout + help_run.stderr,
                      '%s --help prints its usage' % name,
                      help_run.stdout + help_run.stderr)
            version_run = subprocess.run([path, '--version'], cwd=workdir, env=env,
                                         capture_output=True, text=True, timeout=30)
            tap.check(version_run.returncode == 0 and re.search(r'\b\d+\.\d+\.\d+\b',
                                                                version_run.stdout),
                      '%s --version prints the version' % name,
                      version_run.stdout + version_run.stderr)

        server = os.path.join(bindir, 'sesame-server')
        if os.access(server, os.X_OK):
            proc, app_url, banner = start_server(server, workdir, env)
            try:
                if tap.check(app_url is not None, 'the installed sesame-server starts',
                             banner + (proc.stderr.read() if proc.poll() is not None else '')):
                    status, kind, page = fetch(app_url)
                    tap.check(status == 200 and kind.startswith('text/html')
                              and 'sesame.js' in page,
                              'it serves the sample app page', '%s %s' % (status, kind))
                    status, kind, script = fetch(app_url.rstrip('/') + '/sesame.js')
                    tap.check(status == 200 and 'javascript' in kind and len(script) > 1000,
                              'it serves the Web SDK sesame.js', '%s %s' % (status, kind))
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            tap.check(proc.returncode == 0, 'it stops cleanly on SIGTERM', proc.returncode)

    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
