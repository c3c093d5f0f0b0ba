# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a 10-server deploy costs per host, against the same play written with ansible.builtin.copy.

For every host count it runs, side by side in one invocation (contenders interleaved per round, best of N):

  empty        a play with one controller-side debug task (start-up, inventory, no host contact: the floor)
  mcp_servers  one mcpops.mcp.mcp_servers task applying 10 servers to a host without a config
  copy         one ansible.builtin.copy task writing the same final bytes (mode 0600)
  deploy       the deploy role (preflight, dry run, backup, apply, health wait, report) on a fresh host;
               its health-wait tasks are timed separately (from the per-task callback) and reported apart,
               since the copy play has no counterpart to them
  deploy_rerun the same deploy again (nothing changes: it must stop after the dry run)
  copy_rerun   the copy play again (nothing changes)

Hosts: 10/25/50 over the local connection (separate config roots) and 1/3/6 real SSH hosts from
tests/fleet/fleet.sh (root only; skipped otherwise).  For the SSH fleet it also tries forks, pipelining
and ControlPersist.  Module runs per host are counted from the per-task callback (tasks that ran a module on
the host: not set_fact/debug/assert/include/meta, not skipped).  Ratios are printed; nothing is pass/fail.

    python bench/bench_fleet.py [--local 10,25,50] [--ssh 1,3,6] [--rounds 1] [--forks 10] [--no-variants]
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from _collection import collections_root

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLEET = os.path.join(REPO, 'tests', 'fleet', 'fleet.sh')
CALLBACK_DIR = os.path.join(REPO, 'tests', 'integration', 'callback_plugins')
STUB = os.path.join(REPO, 'tests', 'servers', 'mcp_stub.py')
CONFIG_REL = os.path.join('.config', 'Claude', 'claude_desktop_config.json')
# Actions that run on the controller only: they cost no module run on the host.
_CONTROLLER_ONLY = ('set_fact', 'debug', 'assert', 'fail', 'include_tasks', 'import_tasks', 'include_role',
                    'import_role', 'meta', 'set_stats', 'add_host', 'group_by', 'include_vars',
                    'validate_argument_spec')
CONTROLLER_ACTIONS = frozenset(_CONTROLLER_ONLY) | frozenset('ansible.builtin.' + a for a in _CONTROLLER_ONLY)
TARGETS = dict(task=1.2, deploy=2.0, rerun=1.5, runs=5, runs_rerun=3)


# The stub needs only the standard library; /usr/bin/python3 is visible on the SSH fleet's hosts too (their
# home directories, where pyenv and this venv's base may live, are mounted over).
SERVER_PYTHON = '/usr/bin/python3' if os.path.exists('/usr/bin/python3') else sys.executable


def declared_servers(count):
    return [dict(name='bench-%02d' % n, command=SERVER_PYTHON, args=[STUB, '--mode=ok', '--marker=bench-fleet'],
                 env=dict(LOG_LEVEL='info')) for n in range(count)]


def health_wait_task_names():
    """Task names of roles/deploy/tasks/wait_for_health.yml: the part of a deploy copy has no counterpart to."""
    path = os.path.join(REPO, 'roles', 'deploy', 'tasks', 'wait_for_health.yml')
    names = set()
    with open(path, encoding='utf-8') as handle:
        for line in handle:
            stripped = line.strip()
            if stripped.startswith('- name:') or stripped.startswith('name:'):
                names.add(stripped.split(':', 1)[1].strip().strip('"\''))
    return names


class Fleet(object):
    """A set of hosts: an inventory file and how to reset each host's config between runs."""

    def __init__(self, label, inventory, homes, transport):
        self.label = label
        self.inventory = inventory
        self.homes = homes  # host -> home directory as seen from this machine
        self.transport = transport

    @property
    def size(self):
        return len(self.homes)

    def reset(self):
        for home in self.homes.values():
            claude = os.path.join(home, '.config', 'Claude')
            shutil.rmtree(claude, ignore_errors=True)
            os.makedirs(claude, mode=0o700)
            if os.stat(home).st_uid != os.getuid():
                os.chown(os.path.join(home, '.config'), os.stat(home).st_uid, os.stat(home).st_gid)
                os.chown(claude, os.stat(home).st_uid, os.stat(home).st_gid)


def local_fleet(workdir, count):
    homes = {}
    lines = ['all:', '  hosts:']
    for n in range(count):
        host = 'local%02d' % n
        home = os.path.join(workdir, 'homes', host)
        os.makedirs(home)
        homes[host] = home
        lines += ['    %s:' % host,
                  '      ansible_connection: local',
                  '      ansible_python_interpreter: %s' % sys.executable,
                  '      mcp_config_path: %s' % os.path.join(home, CONFIG_REL)]
    inventory = os.path.join(workdir, 'local-%d.yml' % count)
    with open(inventory, 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(lines) + '\n')
    return Fleet('local x%d' % count, inventory, homes, 'local')


def ssh_fleet(count):
    out = subprocess.run(['bash', FLEET, 'up', str(count)], check=True, stdout=subprocess.PIPE,
                         universal_newlines=True).stdout.strip().splitlines()
    inventory = out[-1].strip()
    homes = {}
    for n in range(1, count + 1):
        host = '%s%d' % (os.environ.get('FLEET_PREFIX', 'fleet'), n)
        homes[host] = subprocess.run(['bash', FLEET, 'home', host], check=True, stdout=subprocess.PIPE,
                                     universal_newlines=True).stdout.strip()
    return Fleet('ssh x%d' % count, inventory, homes, 'ssh')


class Bench(object):
    def __init__(self, workdir, servers, forks):
        self.workdir = workdir
        self.servers = declared_servers(servers)
        self.forks = forks
        self.collections = collections_root(workdir)
        self.playbook_bin = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
        if not os.path.exists(self.playbook_bin):
            self.playbook_bin = shutil.which('ansible-playbook')
        self.vars_file = os.path.join(workdir, 'servers.json')
        with open(self.vars_file, 'w', encoding='utf-8') as handle:
            json.dump(dict(mcp_servers=self.servers), handle)
        self.final_file = os.path.join(workdir, 'final.json')
        self.health_names = health_wait_task_names()
        self.playbooks = dict((kind, self._playbook(kind)) for kind in ('empty', 'mcp_servers', 'copy', 'deploy'))

    def _playbook(self, kind):
        play = dict(name='bench %s' % kind, hosts='all', gather_facts=False)
        config = "{{ mcp_config_path | default('~/' ~ '%s', true) }}" % CONFIG_REL
        if kind == 'empty':
            play['tasks'] = [dict(name='noop', **{'ansible.builtin.debug': dict(msg='noop', verbosity=1)})]
        elif kind == 'mcp_servers':
            play['tasks'] = [dict(name='servers', **{'mcpops.mcp.mcp_servers': dict(
                config_path=config, servers='{{ mcp_servers }}')})]
        elif kind == 'copy':
            play['tasks'] = [dict(name='copy', **{'ansible.builtin.copy': dict(
                src=self.final_file, dest=config, mode='0600')})]
        else:
            play['roles'] = [dict(role='mcpops.mcp.deploy')]
        path = os.path.join(self.workdir, '%s.yml' % kind)
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump([play], handle)
        return path

    def run(self, kind, fleet, extra_env=None, forks=None):
        events_path = os.path.join(self.workdir, 'events.jsonl')
        if os.path.exists(events_path):
            os.unlink(events_path)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=self.collections, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false',
                   ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='false', ANSIBLE_LOCALHOST_WARNING='false',
                   ANSIBLE_HOST_KEY_CHECKING='false', ANSIBLE_CALLBACK_PLUGINS=CALLBACK_DIR,
                   ANSIBLE_CALLBACKS_ENABLED='mcpops_test_results', MCPOPS_TEST_RESULTS=events_path,
                   ANSIBLE_FORKS=str(forks or self.forks), PYTHONDONTWRITEBYTECODE='1')
        env.pop('ANSIBLE_CONFIG', None)
        env.update(extra_env or {})
        started = time.time()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run([self.playbook_bin, '-i', fleet.inventory, '-e', '@' + self.vars_file,
                               self.playbooks[kind]], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False)
        wall = time.time() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.last_cpu = (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime)
        if proc.returncode != 0:
            raise RuntimeError('%s on %s failed (rc %d):\n%s' % (kind, fleet.label, proc.returncode,
                                                                 proc.stdout[-4000:]))
        events = []
        with open(events_path, encoding='utf-8') as handle:
            events = [json.loads(line) for line in handle if line.strip()]
        return wall, events

    def module_runs(self, events, fleet):
        runs = sum(1 for e in events if e.get('event') == 'task' and e.get('status') != 'skipped'
                   and e.get('action') not in CONTROLLER_ACTIONS)
        return runs / float(fleet.size)

    def health_wait(self, events):
        """Seconds from the event before the first health-wait task to the last health-wait event."""
        tasks = [e for e in events if e.get('event') == 'task']
        idx = [i for i, e in enumerate(tasks) if e.get('task') in self.health_names]
        if not idx:
            return 0.0
        start = tasks[idx[0] - 1]['time'] if idx[0] > 0 else tasks[idx[0]]['time']
        return max(0.0, tasks[idx[-1]]['time'] - start)

    def render_final(self, fleet):
        """The bytes mcp_servers writes: the copy contender writes exactly these."""
        fleet.reset()
        self.run('mcp_servers', fleet)
        home = sorted(fleet.homes.values())[0]
        shutil.copyfile(os.path.join(home, CONFIG_REL), self.final_file)

    def measure(self, fleet, rounds):
        """Best-of-rounds wall time per contender (interleaved), module runs per host, health wait."""
        self.render_final(fleet)
        best = {}
        runs = {}
        health = []
        for dummy in range(rounds):
            for kind in ('empty', 'mcp_servers', 'copy', 'deploy'):
                fleet.reset()
                wall, events = self.run(kind, fleet)
                best[kind] = min(best.get(kind, wall), wall)
                best[kind + '_cpu'] = min(best.get(kind + '_cpu', self.last_cpu), self.last_cpu)
                runs[kind] = self.module_runs(events, fleet)
                if kind == 'deploy':
                    health.append(self.health_wait(events))
                    wall, events = self.run('deploy', fleet)
                    best['deploy_rerun'] = min(best.get('deploy_rerun', wall), wall)
                    runs['deploy_rerun'] = self.module_runs(events, fleet)
                if kind == 'copy':
                    wall, events = self.run('copy', fleet)
                    best['copy_rerun'] = min(best.get('copy_rerun', wall), wall)
        best['health_wait'] = min(health)
        best['deploy_no_wait'] = best['deploy'] - best['health_wait']
        return best, runs


def report_row(fleet, best, runs):
    n = float(fleet.size)

    def per(kind):
        return (best[kind] - best['empty']) / n

    task_ratio = per('mcp_servers') / per('copy') if per('copy') > 0 else float('nan')
    deploy_ratio = best['deploy_no_wait'] / best['copy']
    rerun_ratio = best['deploy_rerun'] / best['copy_rerun']
    print('%-10s empty %6.2fs | mcp_servers %6.2fs copy %6.2fs -> task/host %5.3fs vs %5.3fs = %4.2fx (target <= %.1fx)'
          % (fleet.label, best['empty'], best['mcp_servers'], best['copy'], per('mcp_servers'), per('copy'),
             task_ratio, TARGETS['task']))
    print('%-10s deploy %6.2fs (health wait %5.2fs) -> without wait %6.2fs = %4.2fx the copy play (target <= %.1fx)'
          % ('', best['deploy'], best['health_wait'], best['deploy_no_wait'], deploy_ratio, TARGETS['deploy']))
    print('%-10s CPU (controller + local modules): mcp_servers %5.2fs copy %5.2fs deploy %5.2fs = %.3f CPU-s per host '
          'for a deploy' % ('', best['mcp_servers_cpu'], best['copy_cpu'], best['deploy_cpu'], best['deploy_cpu'] / n))
    print('%-10s rerun: deploy %6.2fs copy %6.2fs = %4.2fx (target <= %.1fx); module runs/host: deploy %.1f '
          '(target <= %d), rerun %.1f (target <= %d)'
          % ('', best['deploy_rerun'], best['copy_rerun'], rerun_ratio, TARGETS['rerun'], runs['deploy'],
             TARGETS['runs'], runs['deploy_rerun'], TARGETS['runs_rerun']))
    sys.stdout.flush()
    return dict(hosts=fleet.size, transport=fleet.transport, best=best, runs=runs, task_ratio=task_ratio,
                deploy_ratio=deploy_ratio, rerun_ratio=rerun_ratio)


def marginal(rows, kind):
    """Least-squares slope of wall time over host count: the cost of one more host."""
    xs = [float(r['hosts']) for r in rows]
    ys = [r['best'][kind] for r in rows]
    if len(xs) < 2:
        return float('nan')
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else float('nan')


def print_marginals(label, rows):
    if len(rows) < 2:
        return
    m = dict((k, marginal(rows, k)) for k in ('empty', 'mcp_servers', 'copy', 'deploy', 'deploy_no_wait',
                                              'deploy_rerun', 'copy_rerun', 'health_wait'))
    print('%s marginal cost per extra host: mcp_servers %.3fs, copy %.3fs (%.2fx); deploy w/o wait %.3fs (%.2fx copy); '
          'health wait %.3fs; rerun deploy %.3fs vs copy %.3fs (%.2fx)'
          % (label, m['mcp_servers'], m['copy'], m['mcp_servers'] / m['copy'], m['deploy_no_wait'],
             m['deploy_no_wait'] / m['copy'], m['health_wait'], m['deploy_rerun'], m['copy_rerun'],
             m['deploy_rerun'] / m['copy_rerun']))


def ssh_variants(bench, fleet):
    """forks, pipelining and ControlPersist on the mcp_servers task over SSH."""
    variants = [
        ('defaults', {}, None),
        ('pipelining', dict(ANSIBLE_PIPELINING='true'), None),
        ('no ControlPersist', dict(ANSIBLE_SSH_ARGS='-o ControlMaster=no'), None),
        ('forks=1', {}, 1),
    ]
    base = None
    for label, env, forks in variants:
        fleet.reset()
        wall, dummy = bench.run('mcp_servers', fleet, extra_env=env, forks=forks)
        fleet.reset()
        deploy, dummy = bench.run('deploy', fleet, extra_env=env, forks=forks)
        base = base or (wall, deploy)
        print('  %-18s mcp_servers %6.2fs (%4.2fx)  deploy %6.2fs (%4.2fx)'
              % (label, wall, wall / base[0], deploy, deploy / base[1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--local', default='10,25,50')
    parser.add_argument('--ssh', default='1,3,6')
    parser.add_argument('--servers', type=int, default=10)
    parser.add_argument('--rounds', type=int, default=1)
    parser.add_argument('--forks', type=int, default=10)
    parser.add_argument('--no-variants', action='store_true')
    opts = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix='mcpops-bench-fleet-')
    bench = Bench(workdir, opts.servers, opts.forks)
    print('bench_fleet: %d servers per host, forks %d, best of %d, ansible-playbook %s'
          % (opts.servers, opts.forks, opts.rounds, bench.playbook_bin))
    try:
        local_rows = []
        for count in [int(c) for c in opts.local.split(',') if c]:
            fleet = local_fleet(os.path.join(workdir, 'local-%d' % count), count)
            local_rows.append(report_row(fleet, *bench.measure(fleet, opts.rounds)))
        print_marginals('local', local_rows)
        ssh_counts = [int(c) for c in opts.ssh.split(',') if c]
        if ssh_counts and os.geteuid() != 0:
            print('SKIP ssh fleet: needs root (network namespaces)')
        elif ssh_counts:
            ssh_rows = []
            try:
                for count in ssh_counts:
                    fleet = ssh_fleet(count)
                    ssh_rows.append(report_row(fleet, *bench.measure(fleet, opts.rounds)))
                print_marginals('ssh', ssh_rows)
                if not opts.no_variants:
                    print('ssh x%d variants (wall, ratio to defaults):' % fleet.size)
                    ssh_variants(bench, fleet)
            finally:
                subprocess.run(['bash', FLEET, 'down'], stdout=subprocess.DEVNULL, check=False)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
