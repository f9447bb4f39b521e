#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks po/POTFILES.in against the sources, so that no translatable string
is left out of the template and no listed file has gone.

Usage: check-potfiles.py SOURCE-ROOT   (TAP on standard output)

A file needs listing when it marks a string for translation: _(), N_(),
C_(), NC_() or g_dngettext() in C, translatable="yes" in GtkBuilder files,
a desktop file template, a metainfo template or a schema with a gettext
domain. Every listed file must exist, and no file may be listed twice.
"""

import os
import re
import sys

# Directories whose files are ours to translate; build and dependency trees
# are skipped wherever they are.
SOURCE_DIRS = ('src', 'data')
SKIP_DIRS = {'node_modules', '.git'}

C_MARKER = re.compile(r'(?<![A-Za-z0-9_])(?:N?C?_|g_dn?gettext|ngettext)\s*\(')
UI_MARKER = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"')
SCHEMA_MARKER = re.compile(r'gettext-domain\s*=')


def needs_translation(path):
    name = os.path.basename(path)
    if name.endswith('.desktop.in') or name.endswith('.metainfo.xml.in'):
        return True
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except (UnicodeDecodeError, OSError):
        return False
    if name.endswith(('.c', '.h')):
        # Comments may mention _() without using it.
        code = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
        code = re.sub(r'//[^\n]*', '', code)
        return bool(C_MARKER.search(code))
    if name.endswith('.ui'):
        return bool(UI_MARKER.search(text))
    if name.endswith('.gschema.xml'):
        return bool(SCHEMA_MARKER.search(text))
    return False


def sources(root):
    for top in SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames
                                 if d not in SKIP_DIRS and not d.startswith('_build'))
            for filename in sorted(filenames):
                path = os.path.join(dirpath, filename)
                yield os.path.relpath(path, root)


def listed(root):
    entries = []
    with open(os.path.join(root, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                entries.append(line)
    return entries


def main():
    if len(sys.argv) != 2:
        print('usage: check-potfiles.py SOURCE-ROOT', file=sys.stderr)
        return 2
    root = sys.argv[1]
    entries = listed(root)
    results = []

    duplicates = sorted({e for e in entries if entries.count(e) > 1})
    results.append(('no file is listed twice', duplicates))

    gone = [e for e in entries if not os.path.isfile(os.path.join(root, e))]
    results.append(('every listed file exists', gone))

    untranslatable = [e for e in entries
                      if e not in gone and not needs_translation(os.path.join(root, e))]
    results.append(('every listed file has translatable strings', untranslatable))

    missing = [p for p in sources(root)
               if needs_translation(os.path.join(root, p)) and p not in entries]
    results.append(('every file with translatable strings is listed', missing))

    print('TAP version 13')
    print('1..%d' % len(results))
    failed = 0
    for number, (name, problems) in enumerate(results, 1):
        if problems:
            failed += 1
            print('not ok %d - %s' % (number, name))
            for problem in problems:
                print('# po/POTFILES.in: %s' % problem)
        else:
            print('ok %d - %s' % (number, name))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
