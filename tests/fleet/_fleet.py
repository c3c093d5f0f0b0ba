# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers for the fleet tests: real ansible-playbook runs over SSH against tests/fleet/fleet.sh hosts.

``fleet`` (per test) -> :class:`Fleet`: the hosts of a running fleet, every host's homes wiped and its
sshd running before the test.  ``fleet.deploy(extravars, host_vars=None, expect_rc=0)`` runs
``ansible-playbook mcpops.mcp.deploy`` and returns the integration harness's ``PlaybookRun``
(per-task events from tests/integration/callback_plugins, ``stats`` from the recap).

conftest.py holds the fixtures.  The fleet is brought up once per session (``fleet.sh up``, MCPOPS_FLEET_HOSTS hosts, default 6) unless it is
already up (``make fleet`` brings it up and takes it down around pytest); a fleet this session brought up is
taken down at the end.  Without root, sshd or namespaces the tests skip with the reason.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import time

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
FLEET_SH = os.path.join(HERE, 'fleet.sh')
REPO = os.path.dirname(os.path.dirname(HERE))
HOSTS = int(os.environ.get('MCPOPS_FLEET_HOSTS', '6'))
CONFIG_REL = os.path.join('.config', 'Claude', 'claude_desktop_config.json')
SERVERS_DIR = os.path.join(REPO, 'tests', 'servers')
# npm servers live in the checkout (MCPOPS_REPO under make), not in the build tree these tests run from.
NODE_BIN = os.path.join(os.environ.get('MCPOPS_REPO') or REPO, 'node_modules', '.bin')
HOST_PYTHON = '/usr/bin/python3'


def _load_integration_conftest():
    """tests/integration/conftest.py as a plain module (PlaybookRun, collections path, callback plugin)."""
    path = os.path.join(os.path.dirname(HERE), 'integration', 'conftest.py')
    spec = importlib.util.spec_from_file_location('mcpops_integration_harness', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


harness = _load_integration_conftest()


def fleet_sh(*args, **kwargs):
    check = kwargs.pop('check', True)
    proc = subprocess.run([FLEET_SH] + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=kwargs.pop('timeout', 120), check=False)
    if check and proc.returncode != 0:
        raise RuntimeError('fleet.sh %s failed (rc %d): %s%s' % (' '.join(map(str, args)), proc.returncode, proc.stdout, proc.stderr))
    return proc


def _cannot_run_reason():
    """Why this machine cannot run a fleet (None when it can)."""
    if os.geteuid() != 0:
        return 'fleet tests need root for network/mount namespaces (running as uid %d)' % os.geteuid()
    for tool in ('/usr/sbin/sshd', HOST_PYTHON):
        if not os.path.exists(tool):
            return '%s is missing (make fleet-deps installs Debian openssh-server)' % tool
    for tool in ('ip', 'unshare', 'nsenter', 'ssh', 'ssh-keygen', 'useradd'):
        if not shutil.which(tool):
            return '%s is not installed' % tool
    probe = subprocess.run(['unshare', '--net', '--mount', '--propagation', 'private', 'true'],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    if probe.returncode != 0:
        return 'cannot create namespaces here: %s' % probe.stdout.strip()
    return None


def sha256(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def tree(path):
    """{relative path: (sha256 or link target or 'dir', mode, uid)} of everything under path (lstat)."""
    out = {}
    if not os.path.lexists(path):
        return out
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            full = os.path.join(root, name)
            st = os.lstat(full)
            if os.path.islink(full):
                what = 'link:' + os.readlink(full)
            elif os.path.isdir(full):
                what = 'dir'
            else:
                what = sha256(full)
            out[os.path.relpath(full, path)] = (what, st.st_mode, st.st_uid)
    return out


def strict_json(data):
    """json.loads that refuses duplicate keys: 'nothing duplicated' means exactly that."""
    def pairs(items):
        keys = [k for k, _v in items]
        assert len(keys) == len(set(keys)), 'duplicate keys %r' % keys
        return dict(items)
    return json.loads(data.decode('utf-8') if isinstance(data, bytes) else data, object_pairs_hook=pairs)


class FleetHost(object):
    """One fleet host as seen from this machine."""

    def __init__(self, name, address):
        self.name = name
        self.address = address
        self.home = fleet_sh('home', name).stdout.strip()
        self.user_home = fleet_sh('home', name, 'mcpfleet').stdout.strip()
        self.owner_home = self.home       # whose config the deploy manages (user_home for the become host)
        self.remote_home = '/root'

    @property
    def config_path(self):
        return os.path.join(self.owner_home, CONFIG_REL)

    @property
    def config_dir(self):
        return os.path.dirname(self.config_path)

    @property
    def backup_dir(self):
        return os.path.join(self.config_dir, 'backups')

    def backups(self):
        if not os.path.isdir(self.backup_dir):
            return []
        return sorted(n for n in os.listdir(self.backup_dir) if not n.startswith('.') and not n.endswith('.meta'))

    def read(self):
        with open(self.config_path, 'rb') as handle:
            return handle.read()

    def servers(self):
        return strict_json(self.read()).get('mcpServers', {})

    def write_config(self, content, path=None, mode=0o600):
        path = path or self.config_path
        if not os.path.isdir(os.path.dirname(path)):
            os.makedirs(os.path.dirname(path))
        data = content if isinstance(content, bytes) else (
            content.encode('utf-8') if isinstance(content, str) else (json.dumps(content, indent=2) + '\n').encode('utf-8'))
        with open(path, 'wb') as handle:
            handle.write(data)
        os.chmod(path, mode)
        return path

    def write_script(self, relpath, text):
        """An executable in the host's home (e.g. .local/bin/x): the one thing hosts do not share."""
        path = os.path.join(self.home, relpath)
        if not os.path.isdir(os.path.dirname(path)):
            os.makedirs(os.path.dirname(path))
        with open(path, 'w') as handle:
            handle.write(text)
        os.chmod(path, 0o755)
        return os.path.join(self.remote_home, relpath)

    def snapshot(self):
        """Everything under the host's Claude config dir: bytes, modes, owners, links."""
        return tree(self.config_dir)

    def __repr__(self):
        return 'FleetHost(%s)' % self.name


class Fleet(object):
    def __init__(self, inventory):
        self.inventory = inventory
        with open(inventory) as handle:
            data = yaml.safe_load(handle)
        group = data['all']['children']['fleet']
        self.base = data

        def number(item):  # fleet10 after fleet9, whatever FLEET_PREFIX is
            return int(item[0].lstrip('abcdefghijklmnopqrstuvwxyz') or 0)

        self.hosts = [FleetHost(name, hv['ansible_host']) for name, hv in sorted(group['hosts'].items(), key=number)]
        self.by_name = dict((h.name, h) for h in self.hosts)
        self._restart = set()
        self._tmpfs = set()

    def __getitem__(self, name):
        return self.by_name[name]

    @property
    def names(self):
        return [h.name for h in self.hosts]

    # -- host changes that need undoing -----------------------------------------------------------------
    def tmpfs_home(self, name, size):
        fleet_sh('tmpfs', name, size)
        self._tmpfs.add(name)

    def host_exec(self, name, *argv):
        """Run argv inside the host's namespaces; the host's sshd is restarted after the test (drops its mounts)."""
        self._restart.add(name)
        return fleet_sh('exec', name, *argv)

    def stop(self, name):
        self._restart.add(name)
        fleet_sh('stop', name)

    def start(self, name):
        fleet_sh('start', name)

    def reset(self):
        for name in sorted(self._tmpfs):
            fleet_sh('untmpfs', name)
        for name in sorted(self._restart - self._tmpfs):
            fleet_sh('stop', name)
            fleet_sh('start', name)
        self._tmpfs.clear()
        self._restart.clear()
        for host in self.hosts:
            fleet_sh('start', host.name)   # idempotent: no-op when running
            for home in (host.home, host.user_home):
                for entry in os.listdir(home):
                    full = os.path.join(home, entry)
                    if os.path.isdir(full) and not os.path.islink(full):
                        for root, dirs, _files in os.walk(full):
                            for d in dirs:
                                os.chmod(os.path.join(root, d), 0o700)
                        os.chmod(full, 0o700)
                        shutil.rmtree(full)
                    else:
                        os.unlink(full)
            host.owner_home = host.home
            host.remote_home = '/root'

    # -- playbook runs --------------------------------------------------------------------------------
    def write_inventory(self, path, host_vars=None):
        data = json.loads(json.dumps(self.base))
        for name, extra in (host_vars or {}).items():
            data['all']['children']['fleet']['hosts'][name].update(extra)
        with open(path, 'w') as handle:
            json.dump(data, handle, indent=2)
        return path

    def command(self, workdir, extravars, host_vars=None, playbook='mcpops.mcp.deploy', extra_args=()):
        """(argv, env, results path) of one ansible-playbook run against the fleet."""
        workdir = str(workdir)
        os.makedirs(workdir)
        inventory = self.write_inventory(os.path.join(workdir, 'inventory.yml'), host_vars)
        extravars_path = os.path.join(workdir, 'extravars.json')
        with open(extravars_path, 'w') as handle:
            json.dump(extravars, handle)
        results = os.path.join(workdir, 'results.jsonl')
        argv = [harness._ansible_bin('ansible-playbook'), '-i', inventory, playbook, '-e', '@' + extravars_path] + list(extra_args)
        env = dict(os.environ)
        enabled = [c for c in env.get('ANSIBLE_CALLBACKS_ENABLED', '').split(',') if c.strip()]
        env.update({
            'ANSIBLE_COLLECTIONS_PATH': harness._collections_path(),
            'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
            'ANSIBLE_CALLBACK_PLUGINS': harness.CALLBACK_DIR,
            'ANSIBLE_CALLBACKS_ENABLED': ','.join(enabled + [harness.CALLBACK_NAME]),
            'MCPOPS_TEST_RESULTS': results,
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_FORCE_COLOR': '0',
            'ANSIBLE_RETRY_FILES_ENABLED': 'false',
            'ANSIBLE_FORKS': str(max(len(self.hosts), 5)),
            'ANSIBLE_TIMEOUT': '10',
            'ANSIBLE_LOCAL_TEMP': os.path.join(workdir, 'tmp'),
            'PYTHONDONTWRITEBYTECODE': '1',
        })
        env.pop('ANSIBLE_CONFIG', None)
        return argv, env, results, workdir

    def finish(self, proc_rc, stdout, stderr, argv, workdir, results, expect_rc):
        text = ''
        if os.path.exists(results):
            with open(results) as handle:
                text = handle.read()
        run = harness.PlaybookRun(proc_rc, stdout, stderr, argv, argv[3], argv[2], text)
        with open(os.path.join(workdir, 'stdout.txt'), 'w') as handle:
            handle.write(stdout + '\n--- stderr\n' + stderr)
        if expect_rc is not None and proc_rc != expect_rc:
            pytest.fail('ansible-playbook exited %d, expected %d: %s\n--- stdout (tail) ---\n%s\n--- stderr (tail) ---\n%s' % (
                proc_rc, expect_rc, ' '.join(argv), stdout[-8000:], stderr[-3000:]), pytrace=False)
        return run

    def deploy(self, workdir, extravars, host_vars=None, expect_rc=0, timeout=600, extra_args=()):
        argv, env, results, workdir = self.command(workdir, extravars, host_vars, extra_args=extra_args)
        proc = subprocess.run(argv, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=timeout, check=False)
        return self.finish(proc.returncode, proc.stdout, proc.stderr, argv, workdir, results, expect_rc)

    def deploy_background(self, workdir, extravars, host_vars=None):
        """Start a deploy; returns (popen, finish(expect_rc) -> PlaybookRun, results path)."""
        argv, env, results, workdir = self.command(workdir, extravars, host_vars)
        out = open(os.path.join(workdir, 'stdout.raw'), 'w+')
        err = open(os.path.join(workdir, 'stderr.raw'), 'w+')
        proc = subprocess.Popen(argv, cwd=workdir, env=env, stdout=out, stderr=err, universal_newlines=True)

        def finish(expect_rc=None, timeout=600):
            proc.wait(timeout=timeout)
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
            out.close()
            err.close()
            return self.finish(proc.returncode, stdout, stderr, argv, workdir, results, expect_rc)
        return proc, finish, results


def wait_for_event(results, predicate, proc, timeout=300):
    """Block until a JSON-lines record in results matches predicate (or the run ends / times out)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(results):
            with open(results) as handle:
                for line in handle:
                    if line.strip() and predicate(json.loads(line)):
                        return True
        if proc.poll() is not None:
            return False
        time.sleep(0.1)
    return False


def stub_server(name, mode='ok', **extra):
    """An mcp_servers entry for tests/servers/mcp_stub.py on the hosts' system Python."""
    entry = {'name': name, 'command': HOST_PYTHON, 'args': [os.path.join(SERVERS_DIR, 'mcp_stub.py'), '--mode=' + mode]}
    entry.update(extra)
    return entry


def npm_server(name, binary, *args):
    return {'name': name, 'command': os.path.join(NODE_BIN, binary), 'args': list(args)}


def base_vars(servers, **extra):
    """Deploy variables every fleet test shares: quick health retries, a short deadline."""
    data = {'mcp_servers': servers, 'mcp_health_retry_delay': 1, 'mcp_deploy_timeout': 60, 'mcp_health_timeout': 15}
    data.update(extra)
    return data


def outcome(run, host):
    """The deploy role's last recorded deploy_result.status on host (None when the role never got that far)."""
    status = None
    for event in run.tasks(host=host):
        facts = (event.get('result') or {}).get('ansible_facts') or {}
        if isinstance(facts.get('deploy_result'), dict):
            status = facts['deploy_result'].get('status')
    return status


def failure_text(run, host):
    """Every failure message the run recorded for host (failed or unreachable, ignored ones left out)."""
    return '\n'.join(str((e.get('result') or {}).get('msg', '')) for e in run.tasks(host=host)
                     if e['status'] in ('failed', 'unreachable') and not e.get('ignore_errors'))


def reached(run):
    """Hosts the run did anything on."""
    return set(e['host'] for e in run.events)
