# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jobs run the way AWX runs them: ansible-runner on a private data dir laid out as AWX lays it out.

    <pdd>/inventory/hosts      the job's inventory (local connection here; one fake HOME per host)
    <pdd>/env/extravars        extra vars and survey answers (mcp_servers as survey text)
    <pdd>/env/passwords        prompt -> answer, as AWX answers the vault password prompt of a vault credential
    <pdd>/env/cmdline          --ask-vault-pass (what AWX adds for a vault credential), or --vault-password-file
    <pdd>/env/settings         job_timeout (the job template's timeout), idle_timeout
    <pdd>/env/envvars          ANSIBLE_COLLECTIONS_PATH (the EE's collection path)
    <pdd>/project/             the project checkout: thin playbooks importing mcpops.mcp.<flow>

The assertions read what AWX reads: artifacts/<ident>/status and rc, and the job events in
artifacts/<ident>/job_events/*.json. Every artefact file is searched for the vaulted secret.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import subprocess
import sys

import pytest

from _helpers import STUB, collections_root, stub

BIN = os.path.dirname(sys.executable)
RUNNER = os.path.join(BIN, 'ansible-runner')
VAULT_PASSWORD = 'awx-vault-credential-pw-31337'
SECRET = 'tok-awx-vaulted-5e1f-never-print-me'

pytestmark = pytest.mark.skipif(not os.path.exists(RUNNER), reason='ansible-runner is not installed (requirements-test.txt)')

EXISTING = (
    '{\n'
    '    "globalShortcut": "Ctrl+Space",\n'
    '    "mcpServers": {\n'
    '        "keeper": {"command": "%s", "args": ["%s", "--mode=ok"]}\n'
    '    }\n'
    '}\n' % (sys.executable, STUB)
)


def _write(path, text, mode=0o600):
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path))
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)
    os.chmod(path, mode)
    return path


class Job(object):
    """One finished ansible-runner job: status, rc and events as AWX stores them."""

    def __init__(self, pdd, ident, proc):
        self.pdd = pdd
        self.ident = ident
        self.proc = proc
        self.artifacts = os.path.join(pdd, 'artifacts', ident)
        self.status = self._read('status')
        self.rc = int(self._read('rc') or -1)
        self.events = []
        for path in glob.glob(os.path.join(self.artifacts, 'job_events', '*.json')):
            with open(path, encoding='utf-8') as handle:
                self.events.append(json.load(handle))
        self.events.sort(key=lambda e: e['counter'])

    def _read(self, name):
        path = os.path.join(self.artifacts, name)
        if not os.path.exists(path):
            return ''
        with open(path, encoding='utf-8') as handle:
            return handle.read().strip()

    def of(self, event, host=None):
        return [e for e in self.events if e['event'] == event and (host is None or e['event_data'].get('host') == host)]

    @property
    def stats(self):
        found = self.of('playbook_on_stats')
        assert len(found) == 1, self.describe()
        return found[0]['event_data']

    def artefact_files(self):
        out = []
        for top, _dirs, files in os.walk(self.artifacts):
            out.extend(os.path.join(top, name) for name in files)
        return out

    def describe(self):
        return 'status=%s rc=%s\n%s\n%s' % (self.status, self.rc, self._read('stdout')[-6000:], self.proc.stderr[-2000:])


class PrivateDataDir(object):
    """An AWX-style private data dir for one job."""

    def __init__(self, root, hosts, extravars, job_timeout=600):
        self.root = root
        lines = ['[mcp_hosts]']
        for name, hostvars in hosts.items():
            pairs = dict(ansible_connection='local', ansible_python_interpreter=sys.executable)
            pairs.update(hostvars)
            lines.append(name + ''.join(' %s=%s' % (k, json.dumps(v) if not isinstance(v, str) else v)
                                        for k, v in sorted(pairs.items())))
        _write(os.path.join(root, 'inventory', 'hosts'), '\n'.join(lines) + '\n')
        _write(os.path.join(root, 'env', 'extravars'), json.dumps(extravars, indent=2))
        # AWX's defaults for a job: the template's timeout, no output-idle limit below it.
        _write(os.path.join(root, 'env', 'settings'), json.dumps(
            {'job_timeout': job_timeout, 'idle_timeout': job_timeout, 'pexpect_timeout': 5, 'suppress_ansible_output': True}))
        _write(os.path.join(root, 'env', 'envvars'), json.dumps({
            'ANSIBLE_COLLECTIONS_PATH': collections_root(),
            'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
            'ANSIBLE_DEPRECATION_WARNINGS': 'false',
            'ANSIBLE_LOCALHOST_WARNING': 'false',
            'ANSIBLE_FORCE_COLOR': 'false',
            'ANSIBLE_NOCOLOR': 'true',
        }))
        for flow in ('deploy', 'verify', 'health', 'rollback'):
            _write(os.path.join(root, 'project', flow + '.yml'),
                   '---\n# The project playbook of the "%s" job template.\n'
                   '- name: MCP %s (AWX job)\n  ansible.builtin.import_playbook: mcpops.mcp.%s\n' % (flow, flow, flow), 0o644)

    def vault_file(self, relpath, variables, password_file):
        """Encrypt a vars file beside the inventory with ansible-vault (an SCM inventory's group_vars/all/vault.yml).

        Beside the inventory, not the project playbook: group_vars next to a playbook that imports
        mcpops.mcp.deploy were not loaded for the imported play (measured with ansible-core 2.19).
        """
        path = _write(os.path.join(self.root, 'inventory', relpath),
                      ''.join('%s: %s\n' % (k, json.dumps(v)) for k, v in variables.items()))
        subprocess.run([os.path.join(BIN, 'ansible-vault'), 'encrypt', '--vault-password-file', password_file, path],
                       check=True, capture_output=True)
        with open(path, encoding='utf-8') as handle:
            assert handle.read().startswith('$ANSIBLE_VAULT;')
        return path

    def run(self, playbook, ident, cmdline='', extravars=None):
        if extravars is not None:  # another job template (or launch) with its own extra vars
            _write(os.path.join(self.root, 'env', 'extravars'), json.dumps(extravars, indent=2))
        if cmdline:
            _write(os.path.join(self.root, 'env', 'cmdline'), cmdline)
        env = dict(os.environ, PATH=os.pathsep.join([BIN, os.environ.get('PATH', os.defpath)]), PYTHONDONTWRITEBYTECODE='1')
        env.pop('ANSIBLE_CONFIG', None)
        proc = subprocess.run([RUNNER, 'run', self.root, '-p', playbook, '--ident', ident],
                              env=env, capture_output=True, text=True, timeout=900, check=False)
        return Job(self.root, ident, proc)


def _host(root, servers=None):
    values = {'mcp_config_path': root.config_path, 'mcp_health_config_path': root.config_path,
              'mcp_backup_dir': os.path.join(root.home, 'backups')}
    if servers is not None:
        values['mcp_servers'] = servers
    return values


def _secret_free(job):
    files = job.artefact_files()
    assert len(files) > 10, files  # status, rc, stdout, command, job_events/...
    for path in files:
        with open(path, 'rb') as handle:
            data = handle.read()
        assert SECRET.encode() not in data, path
        assert VAULT_PASSWORD.encode() not in data, path


def test_survey_text_deploy_succeeds_on_every_host_then_verify_and_health(tmp_path, new_config_root):
    roots = {'ws1': new_config_root('ws1'), 'ws2': new_config_root('ws2')}
    roots['ws1'].write(EXISTING)
    survey = json.dumps([stub('time', 'ok', expect_tools=['echo']), stub('legacy', 'old_version')], indent=2)
    pdd = PrivateDataDir(str(tmp_path / 'pdd'), dict((n, _host(r)) for n, r in roots.items()),
                         {'mcp_servers': survey, 'mcp_serial': [1, '100%'], 'mcp_health_retry_delay': 1})

    job = pdd.run('deploy.yml', 'deploy-1')

    assert (job.status, job.rc) == ('successful', 0), job.describe()
    stats = job.stats
    assert not stats['failures'] and not stats['dark'] and set(stats['ok']) == {'ws1', 'ws2'}
    for name, root in roots.items():
        assert job.of('runner_on_ok', name), name
        assert not job.of('runner_on_failed', name), name
        servers = root.read_json()['mcpServers']
        assert servers['time']['args'] == [STUB, '--mode=ok'] and 'legacy' in servers
    assert 'keeper' in roots['ws1'].read_json()['mcpServers']  # the survey declares, it does not replace
    apply = [e for e in job.of('runner_on_ok', 'ws2') if e['event_data']['task'].startswith('Apply every server')]
    assert apply and apply[0]['event_data']['res']['changes']['added'] == ['time', 'legacy']

    verify = pdd.run('verify.yml', 'verify-1')
    assert (verify.status, verify.rc) == ('successful', 0), verify.describe()
    health = pdd.run('health.yml', 'health-1')
    assert (health.status, health.rc) == ('successful', 0), health.describe()
    assert set(health.stats['ok']) == {'ws1', 'ws2'} and not health.stats['failures']

    # The rollback job template (limited to ws1, the host that had a config) restores the pre-deploy backup.
    rollback = pdd.run('rollback.yml', 'rollback-1', extravars={'mcp_hosts': 'ws1', 'mcp_serial': [1, '100%']})
    assert (rollback.status, rollback.rc) == ('successful', 0), rollback.describe()
    assert roots['ws1'].read_bytes() == EXISTING.encode()


def test_bad_survey_text_fails_every_host_before_anything_changes(tmp_path, new_config_root):
    root = new_config_root('ws1')
    root.write(EXISTING)
    before = root.read_bytes()
    survey = '[\n  {"name": "time", "command": "python3"}\n  {"name": "b"}\n]'
    pdd = PrivateDataDir(str(tmp_path / 'pdd'), {'ws1': _host(root)}, {'mcp_servers': survey, 'mcp_exclusive': True})

    job = pdd.run('deploy.yml', 'bad-survey')

    assert (job.status, job.rc) == ('failed', 2), job.describe()
    failed = job.of('runner_on_failed', 'ws1')
    assert len(failed) == 1 and failed[0]['event_data']['task'] == 'Read mcp_servers (a list, or JSON/YAML text from an AWX survey)'
    assert "mcp_servers is not valid JSON (line 3 column 3: Expecting ',' delimiter)" in failed[0]['event_data']['res']['msg']
    assert root.read_bytes() == before


def test_vaulted_secret_reaches_the_server_and_no_artefact(tmp_path, new_config_root):
    # The vault password as a file (the ansible-playbook way; AWX itself answers the prompt, next test).
    root = new_config_root('ws1')
    root.write(EXISTING)
    pdd = PrivateDataDir(str(tmp_path / 'pdd'), {'ws1': _host(root)}, {'mcp_serial': [1, '100%'], 'mcp_health_retry_delay': 1})
    password_file = _write(str(tmp_path / 'vault-pass'), VAULT_PASSWORD + '\n')
    pdd.vault_file('group_vars/all/vault.yml', {'vault_stub_token': SECRET}, password_file)
    # need_env exits 2 unless STUB_API_TOKEN is set: healthy only when the vaulted value was decrypted and deployed.
    _write(os.path.join(pdd.root, 'inventory', 'group_vars', 'all', 'servers.yml'),
           'mcp_servers:\n  - name: needs-token\n    command: %s\n    args: [%s, --mode=need_env]\n'
           '    secret_env:\n      STUB_API_TOKEN: "{{ vault_stub_token }}"\n' % (sys.executable, STUB), 0o644)

    job = pdd.run('deploy.yml', 'vault-file', cmdline='--vault-password-file %s' % password_file)

    assert (job.status, job.rc) == ('successful', 0), job.describe()
    assert root.read_json()['mcpServers']['needs-token']['env'] == {'STUB_API_TOKEN': SECRET}
    assert job.of('runner_on_ok', 'ws1') and not job.of('runner_on_failed', 'ws1')
    _secret_free(job)


def test_broken_server_fails_the_job_and_rolls_the_host_back(tmp_path, new_config_root):
    # Vault credential answered at the prompt from env/passwords, as AWX does for --ask-vault-pass.
    roots = {'ws1': new_config_root('ws1'), 'ws2': new_config_root('ws2')}
    for root in roots.values():
        root.write(EXISTING)
    before = dict((n, r.read_bytes()) for n, r in roots.items())
    pdd = PrivateDataDir(str(tmp_path / 'pdd'), dict((n, _host(r)) for n, r in roots.items()),
                         {'mcp_serial': [1, '100%'], 'mcp_deploy_timeout': 3, 'mcp_health_retry_delay': 1}, job_timeout=300)
    password_file = _write(str(tmp_path / 'vault-pass'), VAULT_PASSWORD + '\n')
    pdd.vault_file('group_vars/all/vault.yml', {'vault_stub_token': SECRET}, password_file)
    os.remove(password_file)  # the job only gets the password at the prompt
    _write(os.path.join(pdd.root, 'inventory', 'group_vars', 'all', 'servers.yml'),
           'mcp_servers:\n  - name: keeper\n    command: %s\n    args: [%s, --mode=ok]\n'
           '  - name: broken\n    command: %s\n    args: [%s, --mode=crash]\n'
           '    secret_env:\n      STUB_API_TOKEN: "{{ vault_stub_token }}"\n' % (sys.executable, STUB, sys.executable, STUB), 0o644)
    _write(os.path.join(pdd.root, 'env', 'passwords'), json.dumps({r'^Vault password:\s*?$': VAULT_PASSWORD}))

    job = pdd.run('deploy.yml', 'broken', cmdline='--ask-vault-pass')

    assert (job.status, job.rc) == ('failed', 2), job.describe()
    stats = job.stats
    assert stats['failures'] == {'ws1': 1}, stats
    failed = job.of('runner_on_failed', 'ws1')
    summary = failed[-1]['event_data']['res']['msg']
    assert failed[-1]['event_data']['task'].startswith('Fail the host with a summary of what broke')
    assert 'broken: exited' in summary and 'Rolled back' in summary and 'byte-identical' in summary
    assert roots['ws1'].read_bytes() == before['ws1']
    # The canary failed, so the rollout stopped: the second host was never touched.
    assert roots['ws2'].read_bytes() == before['ws2'] and not job.of('runner_on_ok', 'ws2')
    _secret_free(job)
