# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-task cost of mcp_server vs ansible.builtin.lineinfile vs ansible.builtin.copy, side by side.

Each contender edits 20 files of the same size on localhost in one ansible-playbook run: mcp_server
adds a server to 20 Claude configs, lineinfile appends a line to 20 files, copy writes the bytes
mcp_server produces. Per-task cost = (run time - empty-play run time) / 20, best of N rounds, the
contenders interleaved in every round so load from other processes hits them alike. Wall time and
CPU time (this process's children: controller, workers and modules) are both reported; CPU time is
the steadier number on a shared machine. Prints ratios; it is not a pass/fail test.

    python bench/bench_server.py [--rounds 3] [--files 20] [--profile]

Target: mcp_server <= 1.2x lineinfile.
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
TARGET = 1.2


def sample_config():
    """A Claude Desktop config of a realistic size: its own keys plus ten servers."""
    servers = {}
    for n in range(10):
        servers['server-%02d' % n] = {
            'command': 'npx',
            'args': ['-y', '@modelcontextprotocol/server-filesystem', '/home/alice/projects/%02d' % n],
            'env': {'LOG_LEVEL': 'info', 'ROOT': '/srv/data/%02d' % n},
        }
    doc = {'globalShortcut': 'Ctrl+Space', 'mcpServers': servers,
           'preferences': {'menuBarEnabled': True, 'quickEntryShortcut': 'Alt+Space'}}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + '\n').encode('utf-8')


def added_config(original):
    doc = json.loads(original.decode('utf-8'))
    doc['mcpServers']['bench'] = {'command': '/bin/true', 'args': ['--bench']}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + '\n').encode('utf-8')


class Bench(object):
    def __init__(self, workdir, files):
        self.workdir = workdir
        self.files = files
        self.original = sample_config()
        self.after = added_config(self.original)
        self.collections = collections_root(workdir)
        self.playbook_bin = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
        if not os.path.exists(self.playbook_bin):
            self.playbook_bin = shutil.which('ansible-playbook')
        self.inventory = os.path.join(workdir, 'inventory.ini')
        with open(self.inventory, 'w', encoding='utf-8') as handle:
            handle.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=self.collections, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false',
                        ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='false', ANSIBLE_LOCALHOST_WARNING='false',
                        ANSIBLE_LOCAL_TEMP=os.path.join(workdir, 'tmp'), PYTHONDONTWRITEBYTECODE='1')
        self.env.pop('ANSIBLE_CONFIG', None)
        self.paths = dict((kind, [os.path.join(workdir, kind, 'f%02d' % n, 'claude_desktop_config.json')
                                  for n in range(files)]) for kind in ('mcp_server', 'lineinfile', 'copy'))
        self.playbooks = dict((kind, self._playbook(kind)) for kind in ('empty', 'mcp_server', 'lineinfile', 'copy'))

    def _playbook(self, kind):
        if kind == 'empty':
            tasks = []
        elif kind == 'mcp_server':
            tasks = [{'name': 'add', 'loop': self.paths[kind], 'mcpops.mcp.mcp_server': {
                'name': 'bench', 'command': '/bin/true', 'args': ['--bench'], 'config_path': '{{ item }}'}}]
        elif kind == 'lineinfile':
            tasks = [{'name': 'append', 'loop': self.paths[kind], 'ansible.builtin.lineinfile': {
                'path': '{{ item }}', 'line': '"bench": "appended line"', 'insertafter': 'EOF'}}]
        else:
            tasks = [{'name': 'write', 'loop': self.paths[kind], 'ansible.builtin.copy': {
                'content': self.after.decode('utf-8'), 'dest': '{{ item }}', 'mode': '0600'}}]
        path = os.path.join(self.workdir, '%s.yml' % kind)
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump([{'name': kind, 'hosts': 'all', 'gather_facts': False, 'tasks': tasks}], handle)
        return path

    def reset(self):
        """Fresh files, so every run really changes all of them (mcp_server keeps backups: clear them)."""
        for kind, paths in self.paths.items():
            shutil.rmtree(os.path.join(self.workdir, kind), ignore_errors=True)
            for path in paths:
                os.makedirs(os.path.dirname(path))
                with open(path, 'wb') as handle:
                    handle.write(self.original)
                os.chmod(path, 0o600)

    def run(self, kind):
        """(wall seconds, children CPU seconds) of one ansible-playbook run."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.time()
        proc = subprocess.run([self.playbook_bin, '-i', self.inventory, self.playbooks[kind]], env=self.env,
                              cwd=self.workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        wall = time.time() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            sys.exit('%s run failed:\n%s' % (kind, proc.stdout.decode('utf-8', 'replace')[-4000:]))
        if kind != 'empty':
            text = proc.stdout.decode('utf-8', 'replace')
            if 'changed=1' not in text:
                sys.exit('%s run did not change anything:\n%s' % (kind, text[-2000:]))
        if kind == 'mcp_server':
            self.check_output()
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return wall, cpu

    def check_output(self):
        """mcp_server wrote exactly the bytes copy writes: both contenders do the same work."""
        for path in self.paths['mcp_server']:
            with open(path, 'rb') as handle:
                if handle.read() != self.after:
                    sys.exit('mcp_server output in %s differs from the copy content' % path)


def profile(bench):
    """Where a module run's time goes, outside Ansible's controller."""
    env = dict(os.environ, PYTHONPATH=bench.collections, PYTHONDONTWRITEBYTECODE='1')

    def best(code, n=5):
        times = []
        for dummy in range(n):
            start = time.time()
            subprocess.check_call([sys.executable, '-c', code], env=env)
            times.append(time.time() - start)
        return min(times)

    bare = best('pass')
    basic = best('import ansible.module_utils.basic')
    ours = best('import ansible.module_utils.basic\n'
                'import ansible_collections.mcpops.mcp.plugins.module_utils._files\n'
                'import ansible_collections.mcpops.mcp.plugins.module_utils._common\n'
                'import ansible_collections.mcpops.mcp.plugins.module_utils._commands')
    lineinfile_deps = best('import ansible.module_utils.basic\nimport ansible.module_utils.common.text.converters')
    sys.path.insert(0, bench.collections)
    from ansible_collections.mcpops.mcp.plugins.module_utils._common import resolve_context
    from ansible_collections.mcpops.mcp.plugins.module_utils._config import apply_server
    from ansible_collections.mcpops.mcp.plugins.module_utils._files import edit_config
    path = os.path.join(bench.workdir, 'profile', 'claude_desktop_config.json')
    os.makedirs(os.path.dirname(path))
    ctx = resolve_context(dict(client='claude_desktop', config_path=path, user=None, backup_dir=None))
    edits = []
    for _n in range(20):
        with open(path, 'wb') as handle:
            handle.write(bench.original)
        start = time.time()
        edit_config(ctx, lambda doc: apply_server(doc, 'bench', 'present', {'command': '/bin/true', 'args': ['--bench']}))
        edits.append(time.time() - start)
    print('\nprofile (best of 5 process starts; no controller):')
    print('  python start                          %6.1f ms' % (bare * 1000))
    print('  + import ansible.module_utils.basic   %6.1f ms' % (basic * 1000))
    print('  + mcpops module_utils imports         %6.1f ms (+%.1f ms over basic)' % (ours * 1000, (ours - basic) * 1000))
    print('  lineinfile-like imports               %6.1f ms' % (lineinfile_deps * 1000))
    print('  edit_config on a %d-byte config       %6.1f ms (lock, parse, backup, write, fsync x2)'
          % (len(bench.original), min(edits) * 1000))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--files', type=int, default=20)
    parser.add_argument('--profile', action='store_true', help='also show where one module run spends its time')
    options = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix='bench-server-')
    try:
        bench = Bench(workdir, options.files)
        kinds = ('empty', 'mcp_server', 'lineinfile', 'copy')
        walls = dict((k, []) for k in kinds)
        cpus = dict((k, []) for k in kinds)
        for round_no in range(options.rounds):
            for kind in kinds if round_no % 2 == 0 else tuple(reversed(kinds)):
                bench.reset()
                wall, cpu = bench.run(kind)
                print('  round %d %-10s wall %6.2f s  cpu %6.2f s' % (round_no + 1, kind, wall, cpu), file=sys.stderr)
                walls[kind].append(wall)
                cpus[kind].append(cpu)

        def per_task(samples, kind):
            return (min(samples[kind]) - min(samples['empty'])) / options.files

        print('%d files of %d bytes, %d rounds, best of each; ansible-playbook %s'
              % (options.files, len(bench.original), options.rounds, bench.playbook_bin))
        print('%-12s %12s %12s %14s %14s' % ('', 'run wall s', 'run cpu s', 'task wall ms', 'task cpu ms'))
        for kind in kinds:
            line = '%-12s %12.2f %12.2f' % (kind, min(walls[kind]), min(cpus[kind]))
            if kind != 'empty':
                line += ' %14.1f %14.1f' % (per_task(walls, kind) * 1000, per_task(cpus, kind) * 1000)
            print(line)
        for metric, samples in (('wall', walls), ('cpu', cpus)):
            ours = per_task(samples, 'mcp_server')
            print('ratio (%s): mcp_server / lineinfile = %.2f   mcp_server / copy = %.2f'
                  % (metric, ours / per_task(samples, 'lineinfile'), ours / per_task(samples, 'copy')))
        ratio = per_task(cpus, 'mcp_server') / per_task(cpus, 'lineinfile')
        print('target: mcp_server <= %.1fx lineinfile -> %s (cpu ratio %.2f)'
              % (TARGET, 'met' if ratio <= TARGET else 'NOT met', ratio))
        if options.profile:
            profile(bench)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
