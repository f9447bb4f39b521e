#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs one libFuzzer target for a bounded time on a private copy of its
seed corpus, so that the source and build trees are never written to.
Exits non-zero when libFuzzer finds a crash, a leak, undefined behaviour or
a timeout; the reproducer is kept under ARTIFACTS.

  run-fuzzer.py FUZZER SEEDS ARTIFACTS SECONDS [LIBFUZZER-OPTION...]

With SESAME_FUZZ_LEAK_REPLAY=1 in the environment, the fuzzing runs with
leak detection off and the corpus it ends with is then replayed once with
LeakSanitizer on and full malloc stacks, so that the suppressions of
lsan.supp (which name third-party functions deep in those stacks) apply:
for a target whose every input goes through libsoup, that is much faster
than unwinding every malloc while fuzzing.

Or replays, once each, the saved reproducers of that target (the files in
CRASHES named after it, e.g. crashes/token-*), so that a fixed bug stays
fixed:

  run-fuzzer.py --replay FUZZER CRASHES
"""

import os
import shutil
import subprocess
import sys
import tempfile


def sanitizer_env(full_stacks=False):
    env = dict(os.environ)
    # GLib 2.74 still has its slice allocator, which hides overflows and
    # leaks from AddressSanitizer.
    env.setdefault('G_SLICE', 'always-malloc')
    env.setdefault('ASAN_OPTIONS', 'detect_leaks=1:symbolize=1')
    env.setdefault('UBSAN_OPTIONS', 'halt_on_error=1:print_stacktrace=1')
    if full_stacks:
        # Suppressions match functions of libraries built without frame
        # pointers, which only the slow unwinder finds.
        env['ASAN_OPTIONS'] += ':fast_unwind_on_malloc=0'
    return env


def replay(fuzzer, crashes):
    target = os.path.basename(fuzzer).removeprefix('fuzz-')
    files = sorted(os.path.join(crashes, f) for f in os.listdir(crashes)
                   if f.startswith(target + '-'))
    if not files:
        print(f'no saved reproducers for {target}')
        return 0
    failed = []
    for f in files:
        result = subprocess.run([fuzzer, f], env=sanitizer_env(full_stacks=True))
        if result.returncode != 0:
            failed.append(f)
    for f in failed:
        print(f'still failing: {fuzzer} {f}', file=sys.stderr)
    return 1 if failed else 0


def main(argv):
    if len(argv) == 4 and argv[1] == '--replay':
        return replay(os.path.abspath(argv[2]), os.path.abspath(argv[3]))
    if len(argv) < 5:
        sys.exit(__doc__)
    fuzzer, seeds, artifacts = (os.path.abspath(a) for a in argv[1:4])
    seconds = argv[4]
    extra = argv[5:]
    name = os.path.basename(fuzzer)
    os.makedirs(artifacts, exist_ok=True)
    earlier = set(os.listdir(artifacts))

    leak_replay = os.environ.get('SESAME_FUZZ_LEAK_REPLAY') == '1'
    env = sanitizer_env()
    if leak_replay:
        env['ASAN_OPTIONS'] = env['ASAN_OPTIONS'].replace('detect_leaks=1', 'detect_leaks=0')
        extra = ['-detect_leaks=0', *extra]
    with tempfile.TemporaryDirectory(prefix=f'sesame-{name}-') as tmp:
        corpus = os.path.join(tmp, 'corpus')
        if os.path.isdir(seeds):
            shutil.copytree(seeds, corpus)
        else:
            os.makedirs(corpus)
        command = [
            fuzzer,
            f'-max_total_time={seconds}',
            '-rss_limit_mb=2048',
            '-timeout=10',
            '-print_final_stats=1',
            f'-artifact_prefix={os.path.join(artifacts, name)}-',
            *extra,
            corpus,
        ]
        print('$', ' '.join(command), flush=True)
        result = subprocess.run(command, env=env, cwd=tmp)
        if result.returncode == 0 and leak_replay:
            command = [
                fuzzer,
                '-runs=0',
                '-rss_limit_mb=2048',
                '-timeout=10',
                f'-artifact_prefix={os.path.join(artifacts, name)}-',
                *[o for o in extra if not o.startswith('-dict=') and o != '-detect_leaks=0'],
                corpus,
            ]
            print('$ (leak check of the corpus)', ' '.join(command), flush=True)
            result = subprocess.run(command, env=sanitizer_env(full_stacks=True), cwd=tmp)

    if result.returncode != 0:
        found = sorted(set(os.listdir(artifacts)) - earlier)
        print(f'\n{name} failed (exit status {result.returncode}).', file=sys.stderr)
        for f in found:
            print(f'  reproduce: {fuzzer} {os.path.join(artifacts, f)}', file=sys.stderr)
        # libFuzzer's own exit status for a finding is 77, which meson
        # would take for "skipped".
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
