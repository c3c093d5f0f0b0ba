#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_logs against a bare line-reading loop on the same generated 14 MB mcp.log (40 servers).

Prints ratios measured side by side in one run, and peak memory; no pass/fail.
With --long-line-mb N it also reads an mcp.log that is one N MB line (a server dumping a file into
its log): the message is capped, so time and memory must stay far below the bare loop's.
Run: python bench/bench_logs.py [--mb 14] [--repeat 3] [--long-line-mb 150]
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from _collection import collections_root

SERVERS = ['server-%02d' % i for i in range(40)]


def _ts(ms):
    secs, msec = divmod(ms, 1000)
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(secs)) + '.%03dZ' % msec


def generate(path, target_bytes, seed=7):
    """A realistic mcp.log: connects, request/response traffic, pings, some crashes and spawn failures."""
    rnd = random.Random(seed)
    ms = 1767440000000
    ids = dict((s, 0) for s in SERVERS)
    meta = ' { metadata: undefined }'
    with open(path, 'w') as out:
        written = 0
        while written < target_bytes:
            server = rnd.choice(SERVERS)
            ms += rnd.randint(1, 40)
            roll = rnd.random()
            lines = []
            if roll < 0.02:
                lines.append('%s [%s] [info] Initializing server...%s' % (_ts(ms), server, meta))
                lines.append('%s [%s] [info] Server started and connected successfully%s' % (_ts(ms + 12), server, meta))
                ids[server] = 0
            elif roll < 0.025:
                lines.append('%s [%s] [error] spawn npx ENOENT {' % (_ts(ms), server))
                lines.extend(["  metadata: {", "    context: 'connection',",
                              "    stack: 'Error: spawn npx ENOENT\\n' +",
                              "      '    at ChildProcess._handle.onexit (node:internal/child_process:285:19)'",
                              "  }", "}"])
                lines.append('%s [%s] [info] Server transport closed unexpectedly, this is likely due to the process '
                             'exiting early.%s' % (_ts(ms + 3), server, meta))
                lines.append('%s [%s] [error] Server disconnected. For troubleshooting guidance, please visit our '
                             '[debugging documentation](https://modelcontextprotocol.io/docs/tools/debugging) '
                             "{ metadata: { context: 'connection', stack: undefined } }" % (_ts(ms + 3), server))
            elif roll < 0.10:
                lines.append('%s [%s] [info] Message from server: {"jsonrpc":"2.0","id":%d,"method":"ping"}%s'
                             % (_ts(ms), server, rnd.randint(0, 999), meta))
            else:
                ids[server] += 1
                method = rnd.choice(['tools/call', 'tools/list', 'resources/list', 'prompts/list'])
                args = '{"name":"search","arguments":{"query":"%s"}}' % ('q' * rnd.randint(5, 120))
                lines.append('%s [%s] [info] Message from client: {"method":"%s","params":%s,"jsonrpc":"2.0","id":%d}%s'
                             % (_ts(ms), server, method, args, ids[server], meta))
                body = '{"content":[{"type":"text","text":"%s"}]}' % ('r' * rnd.randint(20, 400))
                if rnd.random() < 0.01:
                    failure = ('%s [%s] [error] Message from server: {"jsonrpc":"2.0","id":%d,"error":'
                               '{"code":-32603,"message":"Request %d failed"}}%s')
                    lines.append(failure % (_ts(ms + 900), server, ids[server], ids[server], meta))
                else:
                    lines.append('%s [%s] [info] Message from server: {"jsonrpc":"2.0","id":%d,"result":%s}%s'
                                 % (_ts(ms + rnd.randint(5, 7000)), server, ids[server], body, meta))
            text = '\n'.join(lines) + '\n'
            out.write(text)
            written += len(text)
    return os.path.getsize(path)


def generate_long_line(path, target_bytes):
    """One line of target_bytes: a JSON-RPC response whose text never ends."""
    head = ('2026-01-03T11:39:20.074Z [big] [error] Message from server: {"jsonrpc":"2.0","id":1,'
            '"result":{"text":"')
    piece = 'x' * (1 << 20)
    with open(path, 'w') as out:
        out.write(head)
        left = target_bytes - len(head) - 4
        while left > 0:
            out.write(piece[:min(left, len(piece))])
            left -= len(piece)
        out.write('"}}\n')
    return os.path.getsize(path)


def bare_loop(path):
    count = 0
    with open(path, encoding='utf-8') as handle:
        for _line in handle:
            count += 1
    return count


def module_run(log_dir, level, tail=None):
    collections_root()
    from ansible_collections.mcpops.mcp.plugins.module_utils._logs import collect
    return collect(log_dir, level=level, tail=tail)


def timed(func, *args):
    start = time.perf_counter()
    value = func(*args)
    return time.perf_counter() - start, value


def child(log_dir, what, level):
    """Run one measurement in a fresh process so peak RSS is its own."""
    if what == 'bare':
        seconds, value = timed(bare_loop, os.path.join(log_dir, 'mcp.log'))
        summary = {'lines': value}
    else:
        seconds, value = timed(module_run, log_dir, level, 50 if what == 'tail' else None)
        summary = {'matched': value['matched'], 'errors_grouped': len(value['errors_grouped']),
                   'bytes_read': sum(f['bytes_read'] for f in value['files']),
                   'longest_message': max([len(e['message']) for e in value['entries']] or [0])}
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({'seconds': seconds, 'peak_kb': peak_kb, 'summary': summary}))


def measure(log_dir, what, level=None):
    cmd = [sys.executable, __file__, '--child', what, '--dir', log_dir, '--level', level or 'error']
    output = subprocess.check_output(cmd, env=os.environ)
    return json.loads(output.decode('utf-8').strip().splitlines()[-1])


def long_line(tmp, megabytes):
    log_dir = os.path.join(tmp, 'long-line')
    os.mkdir(log_dir)
    size = generate_long_line(os.path.join(log_dir, 'mcp.log'), int(megabytes * 1000 * 1000))
    bare = measure(log_dir, 'bare')
    print('one-line mcp.log of %.0f MB: bare loop %.3fs, peak RSS %.1f MB'
          % (size / 1e6, bare['seconds'], bare['peak_kb'] / 1024.0))
    for what, level in (('module', 'debug'), ('module', 'error'), ('tail', 'error')):
        mod = measure(log_dir, what, level)
        print('  %-6s level=%-5s %.3fs (%.2fx the bare loop), peak RSS %.1f MB, longest message %d characters'
              % (what, level, mod['seconds'], mod['seconds'] / bare['seconds'], mod['peak_kb'] / 1024.0,
                 mod['summary']['longest_message']))
    os.remove(os.path.join(log_dir, 'mcp.log'))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--mb', type=float, default=14)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--child')
    parser.add_argument('--dir')
    parser.add_argument('--level', default='error')
    parser.add_argument('--long-line-mb', type=float, default=0)
    args = parser.parse_args()
    if args.child:
        child(args.dir, args.child, args.level)
        return
    tmp = tempfile.mkdtemp(prefix='bench-logs-')
    try:
        # One collection root for every child process, inside tmp so it goes with it.
        os.environ['MCPOPS_COLLECTIONS_PATH'] = collections_root(tmp)
        size = generate(os.path.join(tmp, 'mcp.log'), int(args.mb * 1024 * 1024))
        print('mcp.log: %.1f MB, %d servers' % (size / 1048576.0, len(SERVERS)))
        baseline = measure(tmp, 'bare')
        print('baseline process (bare loop) peak RSS: %.1f MB, %d lines'
              % (baseline['peak_kb'] / 1024.0, baseline['summary']['lines']))
        for level in ('error', 'debug'):
            best_ratio = None
            for _round in range(args.repeat):
                bare = measure(tmp, 'bare')
                mod = measure(tmp, 'module', level)
                ratio = mod['seconds'] / bare['seconds']
                if best_ratio is None or ratio < best_ratio[0]:
                    best_ratio = (ratio, bare, mod)
            ratio, bare, mod = best_ratio
            print('level=%-5s module %.3fs vs bare loop %.3fs -> %.2fx (target <= 6x for level=error); '
                  'peak RSS %.1f MB (bare %.1f MB); matched %d'
                  % (level, mod['seconds'], bare['seconds'], ratio, mod['peak_kb'] / 1024.0,
                     bare['peak_kb'] / 1024.0, mod['summary']['matched']))
        bare = measure(tmp, 'bare')
        tail = measure(tmp, 'tail', 'error')
        print('tail=50 level=error: %.3fs (%.2fx the bare loop), read %.2f MB of %.1f MB; peak RSS %.1f MB'
              % (tail['seconds'], tail['seconds'] / bare['seconds'], tail['summary']['bytes_read'] / 1048576.0,
                 size / 1048576.0, tail['peak_kb'] / 1024.0))
        if args.long_line_mb:
            long_line(tmp, args.long_line_mb)
    finally:
        shutil.rmtree(tmp)


if __name__ == '__main__':
    main()
