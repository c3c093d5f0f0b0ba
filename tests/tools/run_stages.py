# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run `make` stages: the setup ones in order, then the rest in a pool of parallel lanes.

    python run_stages.py --jobs 2 --setup venv,build-tree --parallel sanity,units,... [--make-arg X=Y]

Each parallel stage runs as `make <stage> <make args>` with its output in build/test-logs/<stage>.log;
the log is printed whole when the stage ends (so CI output keeps every test runner's closing lines) and a
summary with per-stage times closes the run.  A failing setup stage stops the run; every parallel stage
runs and is reported.  Exit status is non-zero when any stage failed.  Standard library only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import os
import subprocess
import sys
import threading
import time


def run_stage(repo, stage, make_args, log_dir, print_lock):
    log_path = os.path.join(log_dir, stage + '.log')
    started = time.time()
    with open(log_path, 'wb') as log:
        proc = subprocess.Popen(['make', '-f', os.path.join(repo, 'Makefile'), stage] + make_args,
                                cwd=repo, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        rc = proc.wait()
    elapsed = time.time() - started
    with print_lock:
        sys.stdout.write('\n==> [%s] %s in %ds (log %s)\n' % (stage, 'ok' if rc == 0 else 'FAILED rc=%d' % rc,
                                                              elapsed, log_path))
        with open(log_path, 'rb') as log:
            sys.stdout.write(log.read().decode('utf-8', 'replace'))
        sys.stdout.write('==> [%s] end\n' % stage)
        sys.stdout.flush()
    return rc, elapsed


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument('--repo', default=os.getcwd())
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--setup', default='')
    parser.add_argument('--parallel', default='')
    parser.add_argument('--make-arg', action='append', default=[])
    opts = parser.parse_args(argv)
    log_dir = os.path.join(opts.repo, 'build', 'test-logs')
    if not os.path.isdir(log_dir):
        os.makedirs(log_dir)
    print_lock = threading.Lock()
    results = []
    t_all = time.time()

    failed_setup = False
    for stage in [s for s in opts.setup.split(',') if s]:
        rc, elapsed = run_stage(opts.repo, stage, [], log_dir, print_lock)
        results.append((stage, rc, elapsed))
        if rc != 0:
            failed_setup = True
            break

    if not failed_setup:
        queue = [s for s in opts.parallel.split(',') if s]
        queue_lock = threading.Lock()

        def lane():
            while True:
                with queue_lock:
                    if not queue:
                        return
                    stage = queue.pop(0)
                rc, elapsed = run_stage(opts.repo, stage, opts.make_arg, log_dir, print_lock)
                with queue_lock:
                    results.append((stage, rc, elapsed))

        lanes = [threading.Thread(target=lane) for dummy in range(max(1, opts.jobs))]
        for thread in lanes:
            thread.start()
        for thread in lanes:
            thread.join()

    print('\n==> make test summary (%d parallel lanes)' % opts.jobs)
    for stage, rc, elapsed in results:
        print('%-18s %-7s %5ds' % (stage, 'ok' if rc == 0 else 'FAILED', elapsed))
    print('total              %5ds' % (time.time() - t_all))
    failed = [stage for stage, rc, dummy in results if rc != 0]
    if failed:
        print('make test: FAILED: %s' % ' '.join(failed))
        return 1
    print('make test: all stages passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
