#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A journey through Sesame as a person clicks it, through the
accessibility tree (dogtail, AT-SPI): create an account in the Demo view
and confirm the native prompt by its button, find the sign-up in Activity,
open the inspector and read the UV flag, sign in through the autofill
popover, delete the passkey on the tenant
in Users (confirming the dialog) and see the next sign-in refused in
Activity; then inject a bad signature from Activity's menu and see the
refusal in the inspector and, in words, in the flow diagram. Web content is not in the tree on GTK 4.8: the page is driven
through the automation interface, the window only through its widgets.

Usage: test-journey.py SESAME [--tap-fd=N]  (under Xvfb and
dbus-run-session, DISPLAY exported before the bus starts: GTK starts the
AT-SPI bus itself). TAP goes to standard output, or to fd N.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data'))
from sesame_tap import Tap  # noqa: E402

from dogtail import config  # noqa: E402
config.config.checkForA11y = False
config.config.searchShowingOnly = False
config.config.defaultDelay = 0.2
config.config.searchCutoffCount = 40
config.config.logDebugToStdOut = False
config.config.logDebugToFile = False
from dogtail import tree  # noqa: E402

from gi.repository import Gio, GLib  # noqa: E402

BUS_NAME = 'io.github.sesame.Sesame'
OBJECT_PATH = '/io/github/sesame/Sesame'
INTERFACE = 'io.github.sesame.Sesame.Automation1'
USERNAME = 'ada'


class Automation:
    """Sesame's automation interface, for what only the page can do."""

    def __init__(self):
        self.bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)

    def call(self, method, args=None, signature=None, timeout=30000):
        params = GLib.Variant(signature, args) if signature else None
        reply = self.bus.call_sync(BUS_NAME, OBJECT_PATH, INTERFACE, method, params, None,
                                   Gio.DBusCallFlags.NONE, timeout, None)
        return reply.unpack() if reply else None

    def js(self, body):
        return json.loads(self.call('RunJavascript', (body,), '(s)')[0])

    def wait_js(self, expression, seconds=15):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.js('return !!(%s)' % expression):
                return True
            time.sleep(0.2)
        return False

    def has_owner(self):
        reply = self.bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                   'org.freedesktop.DBus', 'NameHasOwner',
                                   GLib.Variant('(s)', (BUS_NAME,)), None,
                                   Gio.DBusCallFlags.NONE, -1, None)
        return reply.unpack()[0]


def wait_for(condition, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception:  # the tree changes under our feet: look again
            pass
        time.sleep(0.2)
    return None


def named(node, name, contains=False):
    """A button's accessible name carries its mnemonic first ("C_reate
    Create"): match the words a person reads."""
    text = node.name or ''
    if contains:
        return name in text
    return text == name or text.endswith(' ' + name)


def find(root, name, roles, seconds=10, contains=False):
    """The first node under root (a window of the app, or all of them) with
    that name and one of those roles, waiting for it to appear."""
    roles = (roles,) if isinstance(roles, str) else roles

    def look():
        for node in root.findChildren(lambda n: n.roleName in roles and named(n, name, contains)):
            return node
        return None
    return wait_for(look, seconds)


def row_says(root, title, badge, seconds=10):
    """An Activity row: its title and its state badge side by side."""
    def look():
        for label in root.findChildren(lambda n: n.roleName == 'label' and n.name == title):
            row = label.parent.parent if label.parent else None
            if row and row.findChildren(lambda n: n.roleName == 'label' and n.name == badge):
                return row
        return None
    return wait_for(look, seconds)


def click(node):
    node.doActionNamed('click')


def main():
    sesame = sys.argv[1]
    for argument in sys.argv[2:]:
        if argument.startswith('--tap-fd='):
            sys.stdout = os.fdopen(int(argument[len('--tap-fd='):]), 'w', buffering=1)
    tap = Tap()
    home = tempfile.mkdtemp(prefix='sesame-ui-')
    env = dict(os.environ)
    for name in ('XDG_RUNTIME_DIR', 'XDG_CACHE_HOME', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME'):
        path = os.path.join(home, name.lower())
        os.makedirs(path, mode=0o700)
        env[name] = path
    process = subprocess.Popen([sesame, '--port', '0', '--data-dir', os.path.join(home, 'data'),
                                '--automation'], env=env)
    automation = Automation()
    try:
        if not tap.check(wait_for(automation.has_owner, 30), 'Sesame is on the session bus'):
            return tap.finish()
        app = wait_for(lambda: tree.root.application('sesame'), 30)
        if not tap.check(app is not None, 'Sesame is in the accessibility tree'):
            return tap.finish()
        tenant = json.loads(automation.call('GetTenant', signature=None)[0])
        automation.call('OpenUrl', (tenant['sampleAppUrl'] + '?autofill=off',), '(s)')
        tap.check(automation.wait_js("!document.getElementById('signed-out').hidden"),
                  'the sample app is loaded in the Demo view')

        # Create an account: the page asks, Sesame's own prompt answers.
        automation.js("document.getElementById('signup-username').value = '%s';"
                      "document.getElementById('signup-button').click(); return true" % USERNAME)
        create = find(app, 'Create', 'push button', 15)
        if tap.check(create is not None, 'the passkey prompt offers Create'):
            click(create)
        tap.check(automation.wait_js("!document.getElementById('account').hidden"),
                  'the page is signed in after Create')

        # Activity shows the sign-up, and the inspector its flags.
        activity = find(app, 'Activity', 'page tab')
        if tap.check(activity is not None, 'the Activity view is in the switcher'):
            click(activity)
        tap.check(row_says(app, 'addPasskey', 'Succeeded') is not None,
                  'Activity shows the sign-up (addPasskey) as Succeeded')
        inspector = find(app, 'Inspector', ('page tab', 'toggle button', 'push button'))
        if tap.check(inspector is not None, 'the action has an Inspector page'):
            click(inspector)
        uv = find(app, 'UV: no', 'label')
        tap.check(uv is not None, 'the inspector reads UV: no (no PIN, not verified)')
        tap.check(find(app, 'UP: yes', 'label') is not None, 'the inspector reads UP: yes')
        tap.check(find(app, 'Registration Verified', 'label') is not None,
                  'the inspector shows the tenant’s verdict')

        # Sign in through the autofill popover: focusing the username field
        # shows Sesame's popover with the passkey. GTK 4.8 gives its rows no
        # accessible action, so the choice goes through ChooseAutofill, as
        # a test of any page would make it.
        automation.js("if (!document.getElementById('account').hidden)"
                      "  document.getElementById('signout-button').click(); return true")
        automation.wait_js("!document.getElementById('signed-out').hidden")
        automation.call('OpenUrl', (tenant['sampleAppUrl'],), '(s)')
        automation.wait_js("!document.getElementById('signed-out').hidden")
        passkey = json.loads(automation.call('ListCredentials')[0])[0]
        row = None
        for _ in range(10):
            automation.js("document.getElementById('autofill-username').blur();"
                          "document.getElementById('autofill-username').focus(); return true")
            row = find(app, 'Sign in as %s with a passkey' % USERNAME,
                       ('list item', 'row', 'table row', 'push button', 'panel'), 2,
                       contains=True)
            if row is not None:
                break
        tap.check(row is not None, 'focusing the username field shows the autofill popover '
                  'with the passkey of %s' % USERNAME)
        automation.call('ChooseAutofill', (passkey['id'],), '(s)')
        tap.check(automation.wait_js("!document.getElementById('account').hidden"),
                  'choosing the passkey in the popover signs in')
        tap.check(wait_for(lambda: not find(app, 'Sign in as %s with a passkey' % USERNAME,
                                            ('list item', 'row', 'table row', 'push button',
                                             'panel'), 0.5, contains=True) or
                           not row.showing, 5),
                  'the popover is gone after the choice')
        if activity is not None:
            click(activity)
        tap.check(row_says(app, 'signInWithPasskey', 'Succeeded') is not None,
                  'Activity shows the autofill sign-in (signInWithPasskey) as Succeeded')
        # The rest of the journey uses the buttons: no conditional request.
        automation.call('OpenUrl', (tenant['sampleAppUrl'] + '?autofill=off',), '(s)')

        # Users: delete the passkey on the tenant, confirming the dialog.
        users = find(app, 'Users', 'page tab')
        if tap.check(users is not None, 'the Users view is in the switcher'):
            click(users)
        trash = find(app, 'Delete passkey on the tenant', 'push button')
        if tap.check(trash is not None, 'the tenant’s passkey has a delete button'):
            click(trash)
        confirm = find(app, 'Delete', 'push button')
        if tap.check(confirm is not None, 'a dialog asks before deleting'):
            click(confirm)
        tap.check(find(app, 'Not registered on this tenant', 'label', contains=True) is not None,
                  'the device’s passkey is no longer on the tenant')

        # The next sign-in: the device offers the passkey, the tenant refuses.
        automation.call('SetPromptResponse', ('accept',), '(s)')
        automation.js("if (!document.getElementById('account').hidden)"
                      "  document.getElementById('signout-button').click(); return true")
        automation.wait_js("!document.getElementById('signed-out').hidden")
        automation.js("document.getElementById('signin-button').click(); return true")
        tap.check(automation.wait_js("document.getElementById('status').dataset.kind === 'error'"),
                  'the page says the sign-in failed')
        status = automation.js("return document.getElementById('status').textContent")
        tap.check('no passkey' in status, 'the page says why: %s' % status, status)
        if activity is not None:
            click(activity)
        tap.check(row_says(app, 'signInWithPasskey', 'Failed') is not None,
                  'Activity shows the refused sign-in (signInWithPasskey) as Failed')

        # A fresh account, then a sign-in with a bad signature from the menu.
        automation.js("document.getElementById('signup-username').value = 'grace';"
                      "document.getElementById('signup-button').click(); return true")
        tap.check(automation.wait_js("!document.getElementById('account').hidden"),
                  'a second account signs up')
        # The menu button's own button is the one that clicks.
        menu = wait_for(lambda: next(iter(app.findChildren(
            lambda n: n.roleName == 'push button' and n.name == 'Inject a Failure' and
            'click' in n.actions)), None))
        if tap.check(menu is not None, 'Activity has the failure menu'):
            click(menu)
        item = find(app, 'Carries a Bad Signature', 'menu item')
        if tap.check(item is not None, 'the menu offers a bad signature'):
            click(item)
        automation.js("document.getElementById('signout-button').click(); return true")
        automation.wait_js("!document.getElementById('signed-out').hidden")
        automation.js("document.getElementById('status').dataset.kind = '';"
                      "document.getElementById('signin-button').click(); return true")
        tap.check(automation.wait_js("document.getElementById('status').dataset.kind === 'error'"),
                  'the sign-in with a bad signature fails')
        status = automation.js("return document.getElementById('status').textContent")
        tap.check('signature' in status, 'the page says why: %s' % status, status)
        check = find(app, 'The signature verifies with the stored public key', 'label')
        tap.check(check is not None, 'the inspector lists the signature check')
        tap.check(find(app, 'Failed: ' + status, 'label') is not None,
                  'and marks it failed, with the tenant’s reason')
        flow = find(app, 'Flow', 'page tab')
        if tap.check(flow is not None, 'the action has a Flow page'):
            click(flow)
        diagram = find(app, 'Flow diagram', 'image')
        description = diagram.description if diagram is not None else ''
        tap.check('Local tenant → Web page: refused' in description,
                  'the diagram says, in words, that the tenant refused it', description)
        return tap.finish()
    finally:
        try:
            automation.bus.call_sync(BUS_NAME, OBJECT_PATH, 'org.gtk.Actions', 'Activate',
                                     GLib.Variant('(sava{sv})', ('quit', [], {})), None,
                                     Gio.DBusCallFlags.NONE, 10000, None)
            process.wait(20)
        except Exception:
            process.kill()
            process.wait()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
