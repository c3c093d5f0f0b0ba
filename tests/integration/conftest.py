# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures for integration tests: real ``ansible-playbook`` runs against fake HOMEs.

Fixtures
--------
``run_playbook(playbook, extravars=None, check=False, diff=False, verbosity=0, env=None,
expect_rc=0, inventory=None, limit=None, timeout=300)`` -> :class:`PlaybookRun`
    ``playbook`` is YAML text, a list of plays (dumped as JSON, which is YAML), or a path.
    The default inventory is ``localhost`` over the local connection with this venv's Python.
    ``expect_rc=None`` skips the exit-code check; otherwise a mismatch fails the test with the output.

``config_root`` -> :class:`ConfigRoot`
    A fake HOME for one simulated host (``config_root.home``), with the Claude Desktop Linux
    config path under it (``config_root.config_path``, not created).  ``new_config_root(name)``
    makes more, one per simulated host.

``local_inventory(hosts, path=None)`` -> path of an inventory file
    ``hosts`` is a list of names or a dict ``{name: {hostvar: value}}``; every host gets
    ``ansible_connection=local`` and ``ansible_python_interpreter=<this venv's Python>``.

Run through ``make integration`` (it builds the collection tree and sets ANSIBLE_COLLECTIONS_PATH,
PATH with the venv and node_modules/.bin first, and MCPOPS_REPO); running pytest by hand inside
build/collections/ansible_collections/mcpops/mcp also works.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
CALLBACK_DIR = os.path.join(HERE, 'callback_plugins')
CALLBACK_NAME = 'mcpops_test_results'
CLAUDE_DESKTOP_LINUX = os.path.join('.config', 'Claude', 'claude_desktop_config.json')


def _collections_path():
    """The collections dir of the build tree this file sits in, else MCPOPS_COLLECTIONS_PATH from make.

    Not ANSIBLE_COLLECTIONS_PATH: pytest-ansible appends ~/.ansible/collections to it at start-up,
    and a stray installed copy of mcpops.mcp there must never be the one under test.
    """
    parts = HERE.split(os.sep)
    if 'ansible_collections' in parts:
        return os.sep.join(parts[:len(parts) - parts[::-1].index('ansible_collections') - 1])
    if os.environ.get('MCPOPS_COLLECTIONS_PATH'):
        return os.environ['MCPOPS_COLLECTIONS_PATH']
    raise RuntimeError('cannot find the collection: run `make integration` (it builds the ansible_collections tree)')


def _ansible_bin(name):
    """The ansible-* script of the venv running pytest, so `make matrix` tests the core it installed."""
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    return candidate if os.path.exists(candidate) else name


def pytest_configure(config):
    config.addinivalue_line('markers', 'slow: long-running integration test (still run by make test)')
    config.addinivalue_line('markers', 'flow: a playbook flow built on the deploy role; the matrix lanes skip it '
                            '(make test runs it with the main ansible-core; the deploy role itself runs on every core)')


class PlaybookRun(object):
    """One finished ansible-playbook run.

    rc, stdout, stderr, command (list), playbook (path), inventory (path);
    events: every per-task-and-host record, in order, as dicts with keys
      play, task, action, host, status ('ok'|'changed'|'failed'|'skipped'|'unreachable'),
      ignore_errors, result (the module result the default callback would show);
    stats: {host: {'ok', 'changed', 'failures', 'unreachable', 'skipped', 'rescued', 'ignored'}};
    results_text: the raw JSON lines (for "no secret anywhere" checks, see all_text).
    """

    def __init__(self, rc, stdout, stderr, command, playbook, inventory, results_text):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.command = command
        self.playbook = playbook
        self.inventory = inventory
        self.results_text = results_text
        self.events = []
        self.stats = {}
        for line in results_text.splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            if record.get('event') == 'stats':
                self.stats = record['stats']
            else:
                self.events.append(record)

    @property
    def all_text(self):
        """stdout + stderr + every recorded result: assert a secret is not in here."""
        return '\n'.join((self.stdout, self.stderr, self.results_text))

    def tasks(self, name=None, host=None):
        """Events for the task called ``name`` (all when None), optionally on one host."""
        return [e for e in self.events if (name is None or e['task'] == name) and (host is None or e['host'] == host)]

    def result(self, name, host=None):
        """The module result of the last run of task ``name`` (on ``host``); KeyError lists known tasks."""
        matches = self.tasks(name, host)
        if not matches:
            raise KeyError('no result for task %r%s; tasks seen: %s' % (
                name, ' on %s' % host if host else '', sorted(set(e['task'] for e in self.events))))
        return matches[-1]['result']

    @property
    def changed(self):
        """Total changed count over all hosts (0 on an idempotent rerun)."""
        return sum(s.get('changed', 0) for s in self.stats.values())

    @property
    def failed(self):
        return sum(s.get('failures', 0) + s.get('unreachable', 0) for s in self.stats.values())

    def __repr__(self):
        return 'PlaybookRun(rc=%r, changed=%r, failed=%r, tasks=%d)' % (self.rc, self.changed, self.failed, len(self.events))


class ConfigRoot(object):
    """A fake HOME for one simulated host; os.fspath(root) is the HOME directory."""

    def __init__(self, home):
        self.home = home
        self.config_path = os.path.join(home, CLAUDE_DESKTOP_LINUX)

    def __fspath__(self):
        return self.home

    def write(self, content, path=None):
        """Write str/bytes as-is, anything else as indented JSON; returns the path."""
        path = path or self.config_path
        if not os.path.isdir(os.path.dirname(path)):
            os.makedirs(os.path.dirname(path))
        if not isinstance(content, (bytes, str)):
            content = json.dumps(content, indent=2) + '\n'
        with open(path, 'wb') as handle:
            handle.write(content.encode('utf-8') if isinstance(content, str) else content)
        return path

    def read_bytes(self, path=None):
        with open(path or self.config_path, 'rb') as handle:
            return handle.read()

    def read_json(self, path=None):
        return json.loads(self.read_bytes(path).decode('utf-8'))

    @property
    def env(self):
        """Environment overrides that make this root the HOME of an ansible-playbook run."""
        return {'HOME': self.home}


def write_local_inventory(path, hosts=('localhost',)):
    """Write a YAML (JSON-form) inventory of local-connection hosts to ``path`` and return it."""
    if not isinstance(hosts, dict):
        hosts = dict((name, {}) for name in hosts)
    inventory = {'all': {'hosts': {}}}
    for name, hostvars in hosts.items():
        entry = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}
        entry.update(hostvars or {})
        inventory['all']['hosts'][name] = entry
    with open(path, 'w') as handle:
        json.dump(inventory, handle, indent=2)
    return path


@pytest.fixture
def local_inventory(tmp_path):
    counter = [0]

    def make(hosts=('localhost',), path=None):
        counter[0] += 1
        return write_local_inventory(str(path or tmp_path / ('inventory-%d.yml' % counter[0])), hosts)
    return make


@pytest.fixture
def new_config_root(tmp_path):
    def make(name='localhost'):
        home = str(tmp_path / 'hosts' / name / 'home')
        if not os.path.isdir(home):
            os.makedirs(home)
        return ConfigRoot(home)
    return make


@pytest.fixture
def config_root(new_config_root):
    return new_config_root('localhost')


@pytest.fixture
def run_playbook(tmp_path):
    counter = [0]

    def run(playbook, extravars=None, check=False, diff=False, verbosity=0, env=None, expect_rc=0,
            inventory=None, limit=None, timeout=300):
        counter[0] += 1
        workdir = tmp_path / ('run-%d' % counter[0])
        workdir.mkdir()
        if isinstance(playbook, (list, dict)):
            playbook_path = str(workdir / 'playbook.yml')
            with open(playbook_path, 'w') as handle:
                json.dump(playbook if isinstance(playbook, list) else [playbook], handle, indent=2)
        elif '\n' not in str(playbook) and os.path.exists(str(playbook)):
            playbook_path = str(playbook)
        else:
            playbook_path = str(workdir / 'playbook.yml')
            with open(playbook_path, 'w') as handle:
                handle.write(playbook)
        inventory = str(inventory) if inventory else write_local_inventory(str(workdir / 'inventory.yml'))
        results_path = str(workdir / 'results.jsonl')

        command = [_ansible_bin('ansible-playbook'), '-i', inventory, playbook_path]
        if extravars:
            extravars_path = str(workdir / 'extravars.json')
            with open(extravars_path, 'w') as handle:
                json.dump(extravars, handle)
            command += ['-e', '@' + extravars_path]
        if check:
            command.append('--check')
        if diff:
            command.append('--diff')
        if limit:
            command += ['--limit', limit]
        if verbosity:
            command.append('-' + 'v' * verbosity)

        run_env = dict(os.environ)
        enabled = [c for c in run_env.get('ANSIBLE_CALLBACKS_ENABLED', '').split(',') if c.strip()]
        run_env.update({
            'ANSIBLE_COLLECTIONS_PATH': _collections_path(),
            'ANSIBLE_CALLBACK_PLUGINS': CALLBACK_DIR,
            'ANSIBLE_CALLBACKS_ENABLED': ','.join(enabled + [CALLBACK_NAME]),
            'MCPOPS_TEST_RESULTS': results_path,
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_FORCE_COLOR': '0',
            'ANSIBLE_RETRY_FILES_ENABLED': 'false',
            'ANSIBLE_LOCALHOST_WARNING': 'false',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
            'PYTHONDONTWRITEBYTECODE': '1',
        })
        run_env.update(env or {})

        proc = subprocess.run(command, cwd=str(workdir), env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=timeout, check=False)
        results_text = ''
        if os.path.exists(results_path):
            with open(results_path) as handle:
                results_text = handle.read()
        outcome = PlaybookRun(proc.returncode, proc.stdout, proc.stderr, command, playbook_path, inventory, results_text)
        if expect_rc is not None and proc.returncode != expect_rc:
            pytest.fail('ansible-playbook exited %d, expected %d: %s\n--- stdout (tail) ---\n%s\n--- stderr (tail) ---\n%s' % (
                proc.returncode, expect_rc, ' '.join(command), proc.stdout[-6000:], proc.stderr[-3000:]), pytrace=False)
        return outcome
    return run
