#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Settings as a person uses it, through the accessibility tree (dogtail,
AT-SPI): open Settings, go to Passkeys, type a Relying Party ID with a
port and read the message under the field, correct it and see the message
go; then add an expected origin for a dev server and see the running
tenant expect it (read back through the automation interface), and a
wrong origin refused with its message.

Usage: test-settings-journey.py SESAME [--tap-fd=N], as test-journey.py
(whose helpers it uses) is run.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location('journey', os.path.join(HERE, 'test-journey.py'))
journey = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(journey)

from gi.repository import Gio, GLib  # noqa: E402

DEV_ORIGIN = 'http://localhost:5173'


def field(app, title):
    """An entry row, by its title."""
    return journey.wait_for(lambda: next(
        iter(app.findChildren(lambda n: n.roleName == 'text' and n.name == title)), None))


def retype(node, text):
    """Replaces the field's text, as typing over a selection does (through
    AT-SPI's EditableText: raw key events need screen coordinates, which
    GTK 4.8 does not report)."""
    node.queryEditableText().setTextContents(text)


def press(node, name):
    """A button of the row: only labelled ones are in the tree (the entry
    row's own apply button is not, on libadwaita 1.2)."""
    button = journey.find(node, name, 'push button', 5)
    if button is None or not button.sensitive:
        return False
    journey.click(button)
    return True


def message(app, words, shown=True):
    """Whether a message with these words is shown under a field (or, with
    shown False, is not)."""
    def look():
        labels = app.findChildren(lambda n: n.roleName == 'label' and words in (n.name or ''))
        return any(n.visible for n in labels) == shown
    return journey.wait_for(look, 5)


def show_page(app, name):
    """Selects the page in the Settings sidebar (its rows have no action on
    GTK 4.8, but the list takes a selection)."""
    label = journey.find(app, name, 'label')
    if label is None:
        return False
    row = label.parent
    sidebar = row.parent
    return sidebar.querySelection().selectChild(row.indexInParent)


def main():
    sesame = sys.argv[1]
    for argument in sys.argv[2:]:
        if argument.startswith('--tap-fd='):
            sys.stdout = os.fdopen(int(argument[len('--tap-fd='):]), 'w', buffering=1)
    tap = journey.Tap()
    home = tempfile.mkdtemp(prefix='sesame-ui-')
    env = dict(os.environ)
    for name in ('XDG_RUNTIME_DIR', 'XDG_CACHE_HOME', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME'):
        path = os.path.join(home, name.lower())
        os.makedirs(path, mode=0o700)
        env[name] = path
    process = subprocess.Popen([sesame, '--port', '0', '--data-dir', os.path.join(home, 'data'),
                                '--automation'], env=env)
    automation = journey.Automation()
    try:
        if not tap.check(journey.wait_for(automation.has_owner, 30), 'Sesame is on the session bus'):
            return tap.finish()
        app = journey.wait_for(lambda: journey.tree.root.application('sesame'), 30)
        if not tap.check(app is not None, 'Sesame is in the accessibility tree'):
            return tap.finish()

        settings = journey.find(app, 'Settings', 'page tab')
        if not tap.check(settings is not None, 'the Settings view is in the switcher'):
            return tap.finish()
        journey.click(settings)
        tap.check(show_page(app, 'Passkeys'), 'Settings has a Passkeys page')

        rp_id = field(app, 'Relying Party ID')
        if not tap.check(rp_id is not None, 'the Passkeys page shows the Relying Party ID field'):
            return tap.finish()
        retype(rp_id, 'localhost:3000')
        tap.check(message(app, 'without a port'),
                  'a port in the RP ID is explained under the field as it is typed')
        tenant = json.loads(automation.call('GetTenant')[0])
        tap.check(tenant['rpId'] == 'localhost', 'and the wrong ID was not saved', tenant['rpId'])
        retype(rp_id, 'localhost')
        tap.check(message(app, 'without a port', shown=False), 'corrected, the message goes away')

        origin = field(app, 'Add an Origin')
        if not tap.check(origin is not None, 'there is a field for a new origin'):
            return tap.finish()
        retype(origin, DEV_ORIGIN + '/')
        tap.check(message(app, 'ends with a slash'),
                  'a trailing slash in the origin is explained as it is typed')
        tap.check(not press(origin, 'Add'), 'and Add refuses it')
        retype(origin, DEV_ORIGIN)
        tap.check(message(app, 'ends with a slash', shown=False),
                  'without the slash the message goes away')
        tap.check(press(origin, 'Add'), 'Add takes it')
        expected = journey.wait_for(
            lambda: DEV_ORIGIN in json.loads(automation.call('GetTenant')[0])['expectedOrigins'])
        tap.check(expected, 'the running tenant expects the new origin at once')
        tap.check(field(app, 'Origin 2') is not None, 'the new origin has its own field')
        return tap.finish()
    finally:
        try:
            automation.bus.call_sync(journey.BUS_NAME, journey.OBJECT_PATH, 'org.gtk.Actions',
                                     'Activate', GLib.Variant('(sava{sv})', ('quit', [], {})),
                                     None, Gio.DBusCallFlags.NONE, 10000, None)
            process.wait(20)
        except Exception:
            process.kill()
            process.wait()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
