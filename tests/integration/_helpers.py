# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run real ansible-playbook processes for the mcp_server integration tests.

Self-contained on purpose: it works with or without the harness's conftest.py, on ansible-core
2.16 through 2.19+. Per-task results come from the test-only notification callback in
callback_plugins/ (JSON lines); the PLAY RECAP text is parsed as a cross-check.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CALLBACK_DIR = os.path.join(HERE, 'callback_plugins')
STUB = os.path.join(REPO, 'tests', 'servers', 'mcp_stub.py')
TEST_USER = 'mcpops-test'
RECAP_RE = re.compile(r'^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+'
                      r'unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)', re.M)

_collections_root = []


def ansible_playbook():
    """ansible-playbook of the interpreter running the tests (the venv's), else the one on PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    return beside if os.path.exists(beside) else shutil.which('ansible-playbook')


def collections_root():
    """The dir holding ansible_collections/mcpops/mcp, found the way conftest.py finds it.

    The build tree this file sits in, else MCPOPS_COLLECTIONS_PATH (set by make), else
    ANSIBLE_COLLECTIONS_PATH, else a temp dir with a symlink to this checkout (pytest by hand).
    """
    if _collections_root:
        return _collections_root[0]
    parts = HERE.split(os.sep)
    candidates = []
    if 'ansible_collections' in parts:
        candidates.append(os.sep.join(parts[:len(parts) - parts[::-1].index('ansible_collections') - 1]))
    candidates.append(os.environ.get('MCPOPS_COLLECTIONS_PATH', ''))
    candidates += os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep)
    for entry in candidates:
        if entry and os.path.isdir(os.path.join(entry, 'ansible_collections', 'mcpops', 'mcp', 'plugins')):
            _collections_root.append(entry)
            return entry
    root = tempfile.mkdtemp(prefix='mcpops-collections-')
    os.makedirs(os.path.join(root, 'ansible_collections', 'mcpops'))
    os.symlink(REPO, os.path.join(root, 'ansible_collections', 'mcpops', 'mcp'))
    _collections_root.append(root)
    return root


def module_utils_env():
    """Environment for a bare python process importing the collection's module_utils."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join([collections_root()] + [p for p in [env.get('PYTHONPATH')] if p])
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    return env


def write_inventory(workdir, hosts=('localhost',), host_vars=None):
    """INI inventory; ansible_python_interpreter is pinned (discovery finds a broken pyenv shim here)."""
    path = os.path.join(str(workdir), 'inventory.ini')
    lines = []
    for host in hosts:
        extra = ''.join(' %s=%s' % (k, v) for k, v in sorted((host_vars or {}).get(host, {}).items()))
        lines.append('%s ansible_connection=local ansible_python_interpreter=%s%s' % (host, sys.executable, extra))
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(lines) + '\n')
    return path


def write_playbook(workdir, tasks, name='playbook.yml', play_vars=None, hosts='all'):
    """A one-play playbook; JSON is valid YAML, so no quoting surprises."""
    play = dict(name='mcpops test play', hosts=hosts, gather_facts=False, tasks=tasks)
    if play_vars:
        play['vars'] = play_vars
    path = os.path.join(str(workdir), name)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump([play], handle, indent=1)
    return path


def playbook_env(results_path, extra=None):
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': collections_root(),
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_CALLBACK_PLUGINS': CALLBACK_DIR,
        'ANSIBLE_CALLBACKS_ENABLED': 'mcpops_test_results',
        'MCPOPS_TEST_RESULTS': results_path,
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': 'false',
        'ANSIBLE_DEPRECATION_WARNINGS': 'false',
        'ANSIBLE_SYSTEM_WARNINGS': 'false',
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'ANSIBLE_HOST_KEY_CHECKING': 'false',
        'ANSIBLE_STDOUT_CALLBACK': 'default',
        'PYTHONDONTWRITEBYTECODE': '1',
        'PATH': os.pathsep.join([os.path.dirname(sys.executable), env.get('PATH', os.defpath)]),
    })
    env.pop('ANSIBLE_CONFIG', None)
    env.update(extra or {})
    return env


class PlaybookRun(object):
    """Outcome of one ansible-playbook process."""

    def __init__(self, argv, rc, stdout, stderr, results_path):
        self.argv = argv
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.events = []
        if os.path.exists(results_path):
            with open(results_path, encoding='utf-8') as handle:
                self.events = [json.loads(line) for line in handle if line.strip()]
        self.recap = dict((m.group('host'), dict((k, int(m.group(k))) for k in ('ok', 'changed', 'unreachable', 'failed')))
                          for m in RECAP_RE.finditer(stdout))

    @property
    def output(self):
        return self.stdout + self.stderr

    def tasks(self, name=None):
        return [e for e in self.events if e.get('event') == 'task' and (name is None or e.get('task') == name)]

    def result(self, name, host='localhost'):
        """The result dict of task `name` on `host` (the last one when the task ran more than once)."""
        found = [e['result'] for e in self.tasks(name) if e.get('host') == host]
        assert found, 'task %r did not report for %s\n%s' % (name, host, self.describe())
        return found[-1]

    def failed(self, name, host='localhost'):
        """Whether task `name` failed on `host` (ignored failures included)."""
        events = [e for e in self.tasks(name) if e.get('host') == host]
        assert events, 'task %r did not report for %s\n%s' % (name, host, self.describe())
        return events[-1]['status'] == 'failed' or bool(events[-1]['result'].get('failed'))

    def changed(self, host='localhost'):
        assert host in self.recap, 'no PLAY RECAP for %s\n%s' % (host, self.describe())
        return self.recap[host]['changed']

    def describe(self):
        return 'argv: %s\nrc: %s\n--- stdout\n%s\n--- stderr\n%s' % (' '.join(self.argv), self.rc, self.stdout[-6000:], self.stderr[-3000:])

    def assert_ok(self):
        assert self.rc == 0, self.describe()
        return self


def playbook_argv(playbook, inventory, check=False, diff=False, verbosity=0, extra_vars=None):
    argv = [ansible_playbook(), '-i', inventory, playbook]
    if check:
        argv.append('--check')
    if diff:
        argv.append('--diff')
    if verbosity:
        argv.append('-' + 'v' * verbosity)
    if extra_vars:
        argv += ['-e', json.dumps(extra_vars)]
    return argv


def run_playbook(workdir, tasks, check=False, diff=False, verbosity=0, extra_vars=None, play_vars=None,
                 hosts=('localhost',), host_vars=None, env=None, timeout=180, tag='run'):
    """Write a one-play playbook for `tasks`, run it with ansible-playbook, return a PlaybookRun."""
    workdir = str(workdir)
    rundir = tempfile.mkdtemp(prefix='%s-' % tag, dir=workdir)
    inventory = write_inventory(rundir, hosts, host_vars)
    playbook = write_playbook(rundir, tasks, play_vars=play_vars)
    results = os.path.join(rundir, 'results.jsonl')
    argv = playbook_argv(playbook, inventory, check, diff, verbosity, extra_vars)
    proc = subprocess.run(argv, cwd=rundir, env=playbook_env(results, dict(env or {}, ANSIBLE_LOCAL_TEMP=os.path.join(rundir, 'tmp'))),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, check=False)
    return PlaybookRun(argv, proc.returncode, proc.stdout.decode('utf-8', 'replace'),
                       proc.stderr.decode('utf-8', 'replace'), results)


def server_task(title='mcp_server', **params):
    """A mcpops.mcp.mcp_server task; validate_command is off unless asked (no real commands needed)."""
    params.setdefault('validate_command', False)
    return {'name': title, 'mcpops.mcp.mcp_server': params, 'register': 'out'}


def snapshot(path):
    """What 'byte-identical and untouched' means: bytes, inode, mode, owner, mtime."""
    st = os.lstat(path)
    with open(path, 'rb') as handle:
        data = handle.read()
    return dict(sha=hashlib.sha256(data).hexdigest(), ino=st.st_ino, mode=st.st_mode, uid=st.st_uid,
                gid=st.st_gid, mtime_ns=st.st_mtime_ns, size=st.st_size)


def read(path):
    with open(path, 'rb') as handle:
        return handle.read()


def write(path, data, mode=None):
    path = str(path)
    parent = os.path.dirname(path)
    if parent and not os.path.isdir(parent):
        os.makedirs(parent)
    with open(path, 'wb') as handle:
        handle.write(data if isinstance(data, bytes) else data.encode('utf-8'))
    if mode is not None:
        os.chmod(path, mode)
    return path


def strict_load(data):
    """json.loads that also refuses duplicate keys, NaN and a BOM: the file must be clean JSON."""
    def pairs(items):
        keys = [k for k, _v in items]
        assert len(keys) == len(set(keys)), 'duplicate keys %r' % keys
        return dict(items)

    def no_constants(name):
        raise ValueError(name)

    assert not data.startswith(b'\xef\xbb\xbf')
    return json.loads(data.decode('utf-8'), object_pairs_hook=pairs, parse_constant=no_constants)


def ensure_test_user():
    """(name, uid, gid, home) of a throwaway system user; skips visibly when not root."""
    if os.geteuid() != 0:
        pytest.skip('needs root to create/chown for user %s (running as uid %d)' % (TEST_USER, os.geteuid()))
    try:
        entry = pwd.getpwnam(TEST_USER)
    except KeyError:
        useradd = shutil.which('useradd') or '/usr/sbin/useradd'
        if not os.path.exists(useradd):
            pytest.skip('useradd not available to create %s' % TEST_USER)
        subprocess.check_call([useradd, '--system', '--user-group', '--no-create-home',
                               '--home-dir', '/var/tmp/%s-home' % TEST_USER, '--shell', '/usr/sbin/nologin', TEST_USER])
        entry = pwd.getpwnam(TEST_USER)
    return entry.pw_name, entry.pw_uid, entry.pw_gid, entry.pw_dir


def stub(name, mode, **extra):
    """An mcp_servers entry for tests/servers/mcp_stub.py in the given mode, run by this Python."""
    server = {'name': name, 'command': sys.executable, 'args': [STUB, '--mode=' + mode]}
    server.update(extra)
    return server


def node_bin_dirs():
    """Where npm's test servers may be: MCPOPS_NODE_BIN, the checkout make names, any node_modules above us."""
    dirs = [os.environ.get('MCPOPS_NODE_BIN')]
    if os.environ.get('MCPOPS_REPO'):
        dirs.append(os.path.join(os.environ['MCPOPS_REPO'], 'node_modules', '.bin'))
    path = HERE
    while path != os.path.dirname(path):
        dirs.append(os.path.join(path, 'node_modules', '.bin'))
        path = os.path.dirname(path)
    return [d for d in dirs if d]


def real_server(name):
    """Absolute path of an installed real server; fails (never skips) when it is missing."""
    candidates = [os.path.join(d, name) for d in node_bin_dirs()]
    candidates.append(os.path.join(os.path.dirname(sys.executable), name))
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    if found:
        return found
    pytest.fail('%s is not installed: run `make venv` (npm ci + pip install -r requirements-test.txt) '
                'or set MCPOPS_NODE_BIN' % name, pytrace=False)
