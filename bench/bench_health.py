# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of mcp_health on this machine: prints ratios measured side by side, no pass/fail.

  python bench/bench_health.py [--timeout 5] [--runs 3] [--claude PATH] [--mixed] [--no-playbook]

1. Five servers (good, hanging, crashing, missing, wrong protocol), timeout 5 s: the mcp_health module run
   as Ansible runs it (its own process, arguments from a file) against `claude mcp list` (npm
   @anthropic-ai/claude-code, MCP_TIMEOUT=5000, the same servers in ~/.claude.json of a temporary HOME):
   the module's own time (process start to result on stdout) and its exit, claude's wall time, whether each
   gave a reason for all five, and processes left behind by each.
2. What the dual-era probe costs on real servers (mcp-server-time from PyPI, server-everything,
   server-filesystem and server-memory from npm) and on the stub kinds: the handshake latency with the
   probe (era unknown) against the same server with its era remembered (as history_file does).
3. With --mixed: 20 mixed servers sequential vs concurrent vs the CPU floor, and the set with one hanging
   server (the engine's throughput; slow on a shared machine), then the same via ansible-playbook.

Run it from the repository root with the venv that has mcp-server-time and ansible-core, after `make venv`
(node_modules/.bin has the npm servers and claude).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import resource
import signal
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

from _collection import collections_root

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STUB = os.path.join(REPO, 'tests', 'servers', 'mcp_stub.py')
MARKER = 'mcpops-bench-%s' % uuid.uuid4().hex[:10]


COLLECTIONS = collections_root()

from ansible_collections.mcpops.mcp.plugins.module_utils import _health, _protocol  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.mcpops.mcp.tests.servers.procs import processes_with  # noqa: E402  pylint: disable=wrong-import-position


def find(name):
    for directory in (os.environ.get('MCPOPS_NODE_BIN'), os.path.join(REPO, 'node_modules', '.bin'),
                      os.path.dirname(sys.executable)):
        if directory and os.access(os.path.join(directory, name), os.X_OK):
            return os.path.join(directory, name)
    found = shutil.which(name)
    if not found:
        sys.exit('%s is not installed (make venv)' % name)
    return found


def mixed_servers(fs_root, hang=False):
    """name -> config entry: 13 real servers and 7 stubs (one of them a hanging one with hang=True)."""
    env = {'MCPOPS_TEST_MARKER': MARKER}
    servers = {}
    for i in range(4):
        servers['time%d' % i] = {'command': find('mcp-server-time'), 'args': [], 'env': env}
    for i in range(3):
        servers['everything%d' % i] = {'command': find('mcp-server-everything'), 'args': [], 'env': env}
        servers['filesystem%d' % i] = {'command': find('mcp-server-filesystem'), 'args': [fs_root], 'env': env}
        servers['memory%d' % i] = {'command': find('mcp-server-memory'), 'args': [], 'env': env}
    stubs = ['ok', 'ok', 'ok', 'paginate', 'paginate', 'banner', 'crash']
    if hang:
        stubs[0] = 'hang'
    for i, mode in enumerate(stubs):
        servers['stub%d_%s' % (i, mode)] = {'command': sys.executable,
                                            'args': [STUB, '--mode=' + mode, '--marker=' + MARKER], 'env': env}
    return servers


def cpu_now():
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def sequential(targets):
    """Wall time and per-check CPU seconds (the check's own thread + its reaped server processes)."""
    cpu = []
    started = time.monotonic()
    results = []
    for target in targets:
        before = cpu_now()
        results.extend(_health.run_checks([target], concurrency=1))
        cpu.append(cpu_now() - before)
    return time.monotonic() - started, cpu, results


def concurrent(targets, concurrency=None):
    started = time.monotonic()
    results = _health.run_checks(targets, concurrency=concurrency)
    return time.monotonic() - started, results


def leftovers():
    return len(processes_with(MARKER))


def kill_leftovers():
    """Clean up after a tool that leaves servers running (only processes carrying our marker)."""
    for pid, _argv in processes_with(MARKER):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def run_playbook(home, task):
    """Wall seconds and rc of ansible-playbook running one task on localhost."""
    playbook = os.path.join(home, 'play-%s.json' % uuid.uuid4().hex[:6])
    with open(playbook, 'w') as handle:
        json.dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': [task]}], handle)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    ansible_playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    started = time.monotonic()
    proc = subprocess.run([ansible_playbook, '-i', 'localhost,', '-c', 'local',
                           '-e', 'ansible_python_interpreter=' + sys.executable, playbook],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    return time.monotonic() - started, proc.returncode


def find_claude(explicit):
    for candidate in (explicit, os.path.join(REPO, 'node_modules', '.bin', 'claude'), shutil.which('claude')):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def run_claude(claude, servers, timeout):
    home = tempfile.mkdtemp(prefix='mcpops-bench-claude-')
    with open(os.path.join(home, '.claude.json'), 'w') as handle:
        json.dump({'mcpServers': dict((n, dict(e, type='stdio')) for n, e in servers.items())}, handle)
    env = dict(os.environ, HOME=home, MCP_TIMEOUT=str(int(timeout * 1000)), DISABLE_AUTOUPDATER='1',
               CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC='1')
    started = time.monotonic()
    try:
        proc = subprocess.run([claude, 'mcp', 'list'], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=max(120, 10 * timeout), check=False)
    except subprocess.TimeoutExpired:
        return None, None, 'timed out', home
    wall = time.monotonic() - started
    text = proc.stdout.decode('utf-8', 'replace')
    return wall, proc.returncode, text, home


def ratio(a, b):
    return a / b if b else float('nan')


def five_servers(hang_mode='hang_term'):
    """name -> config entry: the five kinds of the comparison, each carrying the marker for the leftover count.

    hang_mode: the stub mode of the hanging server; hang_term (default) also ignores SIGTERM, so stopping it
    takes the full SIGTERM grace before SIGKILL (the case where shutdown used to sit on the critical path).
    """
    env = {'MCPOPS_TEST_MARKER': MARKER}

    def stub(mode):
        return {'command': sys.executable, 'args': [STUB, '--mode=' + mode, '--marker=' + MARKER], 'env': env}
    return {
        'good': {'command': find('mcp-server-time'), 'args': [], 'env': env},
        'hanging': stub(hang_mode),
        'crashing': stub('crash'),
        'missing': {'command': 'mcpops-no-such-server-' + MARKER, 'args': [], 'env': env},
        'wrong_protocol': stub('bad_version'),
    }


def run_module(home, config_path, timeout, root=None):
    """The module as Ansible runs it: its own Python process, arguments from a file.

    root: another collections root to run the module from (a baseline checkout), default this one.
    Returns (seconds to the result on stdout, seconds to exit, result dict).
    """
    args_path = os.path.join(home, 'args-%s.json' % uuid.uuid4().hex[:6])
    with open(args_path, 'w') as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': {'config_path': config_path, 'timeout': int(timeout),
                                           'fail_on_unhealthy': False}}, handle)
    root = root or COLLECTIONS
    module = os.path.join(root, 'ansible_collections', 'mcpops', 'mcp', 'plugins', 'modules', 'mcp_health.py')
    env = dict(os.environ, PYTHONPATH=root, HOME=home)
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, module, args_path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=home)
    result, result_at = None, None
    for line in proc.stdout:
        text = line.decode('utf-8', 'replace').strip()
        if text.startswith('{'):
            result_at = time.monotonic() - started
            result = json.loads(text)
            break
    proc.stdout.read()
    proc.wait()
    exited = time.monotonic() - started
    return result_at, exited, result


def median(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return float('nan')
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2.0


def compare(opts):
    """Section 1: mcp_health (module) vs claude mcp list on the five servers."""
    servers = five_servers(opts.hang_mode)
    home = tempfile.mkdtemp(prefix='mcpops-bench-home-')
    config_path = os.path.join(home, 'claude_desktop_config.json')
    with open(config_path, 'w') as handle:
        json.dump({'mcpServers': servers}, handle)
    claude = find_claude(opts.claude)
    print('\n1. five servers (good = mcp-server-time, hanging = stub %s, crashing, missing, wrong protocol), timeout %g s, '
          '%d runs each, alternating' % (opts.hang_mode, opts.timeout, opts.runs))
    own, exits, cl_walls, module_left, claude_left, base_own, base_exits = [], [], [], [], [], [], []
    reasons, claude_text = None, ''
    for _run in range(opts.runs):
        if opts.baseline:
            result_at, exited, _result = run_module(home, config_path, opts.timeout, opts.baseline)
            base_own.append(result_at)
            base_exits.append(exited)
            kill_leftovers()
        result_at, exited, result = run_module(home, config_path, opts.timeout)
        own.append(result_at)
        exits.append(exited)
        module_left.append(leftovers())
        kill_leftovers()
        if result:
            reasons = [(s['name'], s['reason'], s.get('era')) for s in result['servers']]
        if claude:
            cl_wall, _rc, claude_text, _home = run_claude(claude, servers, opts.timeout)
            cl_walls.append(cl_wall)
            time.sleep(1.0)
            claude_left.append(leftovers())
            kill_leftovers()
    print('   mcp_health own time (process start to result)  median %.2f s  (runs: %s)'
          % (median(own), ', '.join('%.2f' % v for v in own if v is not None)))
    print('   mcp_health process exit (all servers reaped)   median %.2f s' % median(exits))
    print('   mcp_health reasons: %s' % ', '.join('%s=%s%s' % (n, r, '/' + e if e else '') for n, r, e in reasons or []))
    print('   mcp_health processes left behind: %s' % module_left)
    if opts.baseline:
        print('   baseline mcp_health (%s): own time median %.2f s, exit %.2f s; this / baseline own time %.2fx'
              % (opts.baseline, median(base_own), median(base_exits), ratio(median(own), median(base_own))))
    if not claude:
        print('   claude: not installed (npm ci installs @anthropic-ai/claude-code); comparison skipped')
        return
    lines = [line for line in claude_text.splitlines() if ':' in line and ' - ' in line]
    print('   claude mcp list wall time                      median %.2f s  (runs: %s)'
          % (median(cl_walls), ', '.join('%.2f' % v for v in cl_walls if v is not None)))
    print('   claude mcp list says: %s' % ' | '.join(_short_line(line) for line in lines))
    print('   claude processes left behind: %s' % claude_left)
    print('   mcp_health own time / claude mcp list      %.2fx' % ratio(median(own), median(cl_walls)))
    print('   mcp_health process exit / claude mcp list  %.2fx' % ratio(median(exits), median(cl_walls)))


def _short_line(line):
    name, _sep, rest = line.partition(':')
    return '%s:%s' % (name.strip(), rest.rpartition(' - ')[2].strip())


def probe_cost(opts):
    """Section 2: handshake latency with the dual-era probe vs with the era remembered."""
    fs_root = tempfile.mkdtemp(prefix='mcpops-bench-fs-')
    env = {'MCPOPS_TEST_MARKER': MARKER}
    real = [('mcp-server-time (PyPI)', find('mcp-server-time'), []),
            ('server-everything (npm)', find('mcp-server-everything'), []),
            ('server-filesystem (npm)', find('mcp-server-filesystem'), [fs_root]),
            ('server-memory (npm)', find('mcp-server-memory'), [])]
    stubs = [('stub %s' % mode, sys.executable, [STUB, '--mode=' + mode, '--marker=' + MARKER])
             for mode in ('modern', 'dual', 'ok', 'legacy_silent')]
    print('\n2. cost of the era probe: handshake latency (ms) probing vs era remembered, median of %d each, '
          'probe window %.1f s' % (opts.probe_runs, _protocol.PROBE_WINDOW))
    print('   %-26s %-7s %9s %10s %8s %8s' % ('server', 'era', 'probed', 'remembered', 'cost', 'ratio'))
    for label, command, args in real + stubs:
        probed, known, era = [], [], None
        for _i in range(opts.probe_runs):
            environment = _protocol.server_environment(env)
            first = _protocol.probe_stdio(label, command, args, environment, timeout=15)
            era = first['era'] or era
            probed.append(first['latency_ms'])
            second = _protocol.probe_stdio(label, command, args, environment, timeout=15, era=era)
            known.append(second['latency_ms'])
        p_med, k_med = median(probed), median(known)
        print('   %-26s %-7s %9.0f %10.0f %+8.0f %7.2fx' % (label, era, p_med, k_med, p_med - k_med, ratio(p_med, k_med)))
    print('   (a modern server\'s remembered era still sends server/discover: it is its identity request,'
          ' so its cost is noise)')
    print('   the probe\'s own cost, without the start-up noise: round trip of server/discover on a started server')
    print('   (what the probe adds for a server that answers it; a silent one costs the window less its start-up)')
    for label, command, args in real + stubs[:3]:
        trips = probe_round_trips(command, args, env, opts.probe_runs * 4)
        print('   %-26s median %6.2f ms, max %6.2f ms over %d round trips' % (label, median(trips), max(trips), len(trips)))
    print('   processes left behind: %d' % leftovers())


def probe_round_trips(command, args, env, count):
    """Milliseconds per server/discover round trip on one started server (after its own handshake)."""
    environment = _protocol.server_environment(env)
    proc = subprocess.Popen([command] + list(args), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=environment, start_new_session=True)
    trips = []
    try:
        def ask(msg_id, method, params):
            proc.stdin.write((json.dumps({'jsonrpc': '2.0', 'id': msg_id, 'method': method, 'params': params})
                              + '\n').encode('utf-8'))
            proc.stdin.flush()
            while True:
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError('%s closed its stdout' % command)
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if isinstance(message, dict) and message.get('id') == msg_id:
                    return message
        first = ask(0, 'server/discover', {'_meta': _protocol.modern_meta()})
        if 'error' in first:  # legacy: open the session the way the check does, then time the probe on it
            ask(1, 'initialize', _protocol.initialize_params())
        for i in range(count):
            started = time.monotonic()
            ask(10 + i, 'server/discover', {'_meta': _protocol.modern_meta()})
            trips.append((time.monotonic() - started) * 1000.0)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.wait()
    return trips


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--timeout', type=float, default=5.0, help='per-server timeout for the comparison and the hang set')
    parser.add_argument('--runs', type=int, default=3, help='runs of each tool in the comparison')
    parser.add_argument('--probe-runs', type=int, default=5, help='runs per server for the probe cost')
    parser.add_argument('--claude', help='path of the claude CLI (default: node_modules/.bin, PATH)')
    parser.add_argument('--mixed', action='store_true', help='also the 20-server throughput sections')
    parser.add_argument('--no-playbook', action='store_true', help='with --mixed: skip the ansible-playbook run')
    parser.add_argument('--only', choices=('compare', 'probe'), help='run only this section')
    parser.add_argument('--hang-mode', default='hang_term', choices=('hang', 'hang_term'),
                        help='the hanging server: hang_term also ignores SIGTERM (default), hang dies on it')
    parser.add_argument('--baseline', help='a collections root with another mcp_health to time alongside (e.g. '
                                           'git archive of an older commit under ansible_collections/mcpops/mcp)')
    opts = parser.parse_args()
    print('mcp_health benchmark: %d cores, Python %s, load average %s'
          % (os.cpu_count() or 1, sys.version.split()[0], ' '.join('%.1f' % v for v in os.getloadavg())))
    if opts.only != 'probe':
        compare(opts)
    if opts.only != 'compare':
        probe_cost(opts)
    if opts.mixed:
        mixed(opts)


def mixed(opts):
    cores = os.cpu_count() or 1
    fs_root = tempfile.mkdtemp(prefix='mcpops-bench-fs-')
    servers = mixed_servers(fs_root)
    targets = [_health.target_from_entry(n, e, 15) for n, e in servers.items()]
    print('mcp_health benchmark: %d servers (%d real, %d stubs), %d cores, Python %s, load average %s'
          % (len(targets), sum(1 for n in servers if not n.startswith('stub')),
             sum(1 for n in servers if n.startswith('stub')), cores, sys.version.split()[0],
             ' '.join('%.1f' % v for v in os.getloadavg())))

    concurrent(targets[:4])  # warm the page cache for every binary
    seq_wall, cpu, seq_results = sequential(targets)
    floor = sum(cpu) / cores
    default_c = _health.default_concurrency(len(targets))
    conc_wall, conc_results = concurrent(targets)
    print('\n3a. 20 mixed servers')
    print('   sequential wall          %6.2f s  (sum of check durations %.2f s)'
          % (seq_wall, sum(r['duration_ms'] for r in seq_results) / 1000.0))
    print('   CPU of all checks        %6.2f s  -> CPU floor on %d cores %.2f s' % (sum(cpu), cores, floor))
    print('   concurrent wall (c=%d)    %6.2f s' % (default_c, conc_wall))
    print('   speed-up sequential/concurrent      %.2fx' % ratio(seq_wall, conc_wall))
    print('   concurrent / CPU floor              %.2fx  (target <= 1.2x)' % ratio(conc_wall, floor))
    for c in (2, 8):
        wall, _r = concurrent(targets, c)
        print('   concurrency %d: wall %.2f s, %.2fx of floor' % (c, wall, ratio(wall, floor)))
    unhealthy = [(r['name'], r['reason']) for r in conc_results if r['status'] != 'healthy']
    print('   unhealthy (expected: the crash stub only): %s' % unhealthy)

    print('\n3b. same set with one hanging server, timeout %g s (bound: timeout + 2 s = %g s)'
          % (opts.timeout, opts.timeout + 2))
    hang_servers = mixed_servers(fs_root, hang=True)
    for label, order in (('hanging server checked first', 'first'), ('hanging server checked last', 'last')):
        names = sorted(hang_servers, key=lambda n: ('hang' not in n) if order == 'first' else ('hang' in n))
        hang_targets = [_health.target_from_entry(n, hang_servers[n], opts.timeout) for n in names]
        hang_wall, hang_results = concurrent(hang_targets)
        hang = [r for r in hang_results if r['reason'] == 'timeout']
        others = [r['duration_ms'] for r in hang_results if r['reason'] != 'timeout']
        print('   %-29s wall %5.2f s = %.2fx of the bound; hanging check %s ms, slowest other %d ms; unhealthy: %s'
              % (label, hang_wall, ratio(hang_wall, opts.timeout + 2),
                 hang[0]['duration_ms'] if hang else '?', max(others),
                 ', '.join('%s (%s)' % (r['name'], r['reason']) for r in hang_results if r['status'] != 'healthy')))
    # As the module does with history_file: the second run starts last run's slowest servers first.
    names = sorted(hang_servers, key=lambda n: 'hang' in n)
    hang_targets = [_health.target_from_entry(n, hang_servers[n], opts.timeout) for n in names]
    history = os.path.join(tempfile.mkdtemp(prefix='mcpops-bench-hist-'), 'h.jsonl')
    for run in (1, 2):
        previous = _health.read_history(history, names)
        started = time.monotonic()
        results = _health.run_checks(hang_targets, order=_health.start_order(names, previous))
        wall = time.monotonic() - started
        _health.append_history(history, _health.history_records(results, _health.utc_now()))
    print('   %-29s wall %5.2f s = %.2fx of the bound (run 1 wrote the history, run 2 started the hung one first)'
          % ('hanging last, with history', wall, ratio(wall, opts.timeout + 2)))
    print('   processes left behind by mcp_health: %d' % leftovers())

    if opts.no_playbook:
        return
    home = tempfile.mkdtemp(prefix='mcpops-bench-home-')
    config_path = os.path.join(home, 'claude_desktop_config.json')
    with open(config_path, 'w') as handle:
        json.dump({'mcpServers': hang_servers}, handle)
    baseline, _rc = run_playbook(home, {'name': 'baseline', 'ansible.builtin.ping': {}})
    pb_wall, rc = run_playbook(home, {'name': 'health', 'mcpops.mcp.mcp_health': {
        'config_path': config_path, 'timeout': int(opts.timeout), 'fail_on_unhealthy': False}})
    task_seconds = pb_wall - baseline
    print('\n3c. same hang set (timeout %g s): ansible-playbook mcp_health vs claude mcp list' % opts.timeout)
    print('   ansible-playbook wall %.2f s (rc %d); minus a ping-only playbook (%.2f s) = module %.2f s;\n     '
          'left behind: %d' % (pb_wall, rc, baseline, task_seconds, leftovers()))
    claude = find_claude(opts.claude)
    if not claude:
        print('   claude: not installed (npm install --prefix /tmp/cc @anthropic-ai/claude-code); comparison skipped')
        return
    cl_wall, cl_rc, text, _home = run_claude(claude, hang_servers, opts.timeout)
    if cl_wall is None:
        print('   claude mcp list did not finish: %s' % text)
    else:
        failed = sum(1 for line in text.splitlines() if 'Failed' in line or '\u2718' in line)
        connected = sum(1 for line in text.splitlines() if 'Connected' in line)
        time.sleep(1.0)
        left = leftovers()
        print('   claude mcp list wall %.2f s (rc %d, %d connected, %d failed, no reasons); left behind: %d'
              % (cl_wall, cl_rc, connected, failed, left))
        print('   mcp_health playbook / claude mcp list   %.2fx' % ratio(pb_wall, cl_wall))
        print('   mcp_health module / claude mcp list     %.2fx' % ratio(task_seconds, cl_wall))
        if left:
            kill_leftovers()


if __name__ == '__main__':
    main()
