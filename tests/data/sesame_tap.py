# SPDX-License-Identifier: GPL-3.0-or-later
"""TAP output for the Python checks of the data and install suites."""


class Tap:
    def __init__(self):
        self.number = 0
        self.failed = 0
        print('TAP version 13', flush=True)

    def check(self, ok, name, detail=''):
        """Reports one check; on failure the detail follows as comments."""
        self.number += 1
        print('%s %d - %s' % ('ok' if ok else 'not ok', self.number, name), flush=True)
        if not ok:
            self.failed += 1
            for line in str(detail).splitlines():
                print('# ' + line)
        return ok

    def finish(self):
        """Prints the plan; returns the exit status."""
        print('1..%d' % self.number)
        return 1 if self.failed else 0
