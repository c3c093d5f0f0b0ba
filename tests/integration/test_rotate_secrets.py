# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/rotate_secrets.yml: new tokens from Ansible Vault or a lookup, health-checked, rolled back when refused.

The server is tests/servers/mcp_stub.py --mode=need_token: it accepts only the token written in a file the test
controls (the "provider" side of the rotation) and exits with a clear stderr line for any other token.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

from _helpers import STUB

# A flow built on the deploy role: make test runs it with the main ansible-core only (see Makefile, matrix-*).
pytestmark = pytest.mark.flow


HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ROTATE = os.path.join(REPO, 'playbooks', 'rotate_secrets.yml')
OLD = 'old-tok-4b1e77-rotate-me'
NEW = 'new-tok-9d2c51-from-vault'
WRONG = 'wrong-tok-63fa0e-typo'
TOKENS = (OLD, NEW, WRONG)
VAULT_PASSWORD = 'vault-pass-for-the-rotation-test'


class Provider(object):
    """The config with a token-checking server, and the token file its "provider" accepts."""

    def __init__(self, root):
        self.root = root
        self.token_file = os.path.join(root.home, 'provider-token')
        self.accept(OLD)
        self.server = {'name': 'tokened', 'command': sys.executable,
                       'args': [STUB, '--mode=need_token', '--token-file=' + self.token_file]}
        self.keeper = {'name': 'keeper', 'command': sys.executable, 'args': [STUB, '--mode=ok']}
        # The file as a person left it: its own key order and keys the role does not manage.
        root.write({'globalShortcut': 'Ctrl+Space', 'mcpServers': {
            'tokened': {'command': sys.executable, 'args': self.server['args'], 'env': {'STUB_API_TOKEN': OLD}},
            'keeper': {'command': sys.executable, 'args': self.keeper['args']}}})
        os.chmod(root.config_path, 0o600)

    def accept(self, token):
        with open(self.token_file, 'w') as handle:
            handle.write(token + '\n')

    def extravars(self, rotation=None, **extra):
        values = {
            'mcp_config_path': self.root.config_path,
            'mcp_backup_dir': self.backup_dir,
            'mcp_servers': [self.server, self.keeper],
            'mcp_health_retry_delay': 1,
            'mcp_deploy_timeout': 20,
        }
        if rotation is not None:
            values['mcp_rotate'] = {'tokened': {'secret_env': {'STUB_API_TOKEN': rotation}}}
        values.update(extra)
        return values

    @property
    def backup_dir(self):
        return os.path.join(self.root.home, 'backups')

    def backups(self):
        return sorted(os.listdir(self.backup_dir)) if os.path.isdir(self.backup_dir) else []

    def token_in_config(self):
        return self.root.read_json()['mcpServers']['tokened']['env']['STUB_API_TOKEN']


@pytest.fixture
def provider(config_root):
    return Provider(config_root)


def assert_no_token_anywhere(run, provider):
    text = run.all_text
    # The values did pass through the output paths, masked: the -vvv invocations show no-log placeholders.
    assert '<localhost> EXEC' in text or 'ESTABLISH LOCAL CONNECTION' in text, 'not a -vvv run'
    assert 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' in text or '********' in text
    for token in TOKENS:
        assert token not in text, 'token %s leaked into the output' % token[:8]
    listing = '\n'.join(provider.backups())
    for token in TOKENS:
        assert token not in listing


def vault_inventory(tmp_path, value):
    """An inventory directory whose group_vars hold the new token as an inline !vault value."""
    inv = tmp_path / 'inventory'
    (inv / 'group_vars').mkdir(parents=True)
    password_file = tmp_path / 'vault-pass'
    password_file.write_text(VAULT_PASSWORD)
    encrypted = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-vault'), 'encrypt_string', '--vault-password-file',
         str(password_file), '--stdin-name', 'vault_mcp_tokened_token'],
        input=value, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=True).stdout
    assert value not in encrypted
    (inv / 'group_vars' / 'all.yml').write_text(u'---\n' + encrypted)
    (inv / 'hosts.yml').write_text(json.dumps({'all': {'hosts': {'localhost': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}}}}))
    return str(inv), str(password_file)


def test_right_token_from_vault_is_rotated_and_healthy(run_playbook, provider, tmp_path):
    inventory, password_file = vault_inventory(tmp_path, NEW)
    provider.accept(NEW)   # the provider has issued the new token; the old one no longer works

    run = run_playbook(ROTATE, extravars=provider.extravars('{{ vault_mcp_tokened_token }}'), inventory=inventory,
                       verbosity=3, diff=True, env={'ANSIBLE_VAULT_PASSWORD_FILE': password_file})

    assert provider.token_in_config() == NEW
    assert sorted(provider.root.read_json()['mcpServers']) == ['keeper', 'tokened']
    assert provider.root.read_json()['globalShortcut'] == 'Ctrl+Space'
    assert oct(os.stat(provider.root.config_path).st_mode & 0o777) == '0o600'
    health = run.result('Check every deployed server answers the MCP handshake')
    assert health['healthy'] and sorted(s['name'] for s in health['servers']) == ['keeper', 'tokened']
    assert 'rotated tokened: secret_env.STUB_API_TOKEN' in run.result('Summarise the rotation')['msg']
    # One pre-change backup, holding the old token (the way back).
    backups = [b for b in provider.backups() if b.endswith('.json')]
    assert len(backups) == 1
    with open(os.path.join(provider.backup_dir, backups[0])) as handle:
        assert OLD in handle.read()
    assert_no_token_anywhere(run, provider)

    # Rotating to the value already in place writes nothing.
    again = run_playbook(ROTATE, extravars=provider.extravars('{{ vault_mcp_tokened_token }}'), inventory=inventory,
                         env={'ANSIBLE_VAULT_PASSWORD_FILE': password_file})
    assert again.stats['localhost']['changed'] == 0
    assert 'already current' in again.result('Summarise the rotation')['msg']
    assert [b for b in provider.backups() if b.endswith('.json')] == backups


def test_wrong_token_from_a_lookup_is_rolled_back_to_the_old_bytes(run_playbook, provider):
    before = provider.root.read_bytes()
    provider.accept(NEW)

    run = run_playbook(ROTATE, extravars=provider.extravars("{{ lookup('ansible.builtin.env', 'MCPOPS_NEW_TOKEN') }}"),
                       verbosity=3, diff=True, env={'MCPOPS_NEW_TOKEN': WRONG}, expect_rc=2)

    assert provider.root.read_bytes() == before          # the old token, the old bytes, exactly
    assert provider.token_in_config() == OLD
    summary = run.result('Fail the host with a summary of what broke')['msg']
    assert 'tokened' in summary and 'Rolled back' in summary and 'byte-identical' in summary, summary
    assert 'not a valid token' in summary, summary      # the server's own reason, from its stderr
    assert 'keeper' not in summary.split('Rolled back')[0].split('tokened')[0]
    assert_no_token_anywhere(run, provider)


def test_empty_value_from_an_unset_variable_is_refused_before_anything_changes(run_playbook, provider):
    before = provider.root.read_bytes()
    run = run_playbook(ROTATE, extravars=provider.extravars("{{ lookup('ansible.builtin.env', 'MCPOPS_UNSET_TOKEN') }}"),
                       env={'MCPOPS_UNSET_TOKEN': ''}, expect_rc=2)
    assert provider.root.read_bytes() == before and provider.backups() == []
    assert 'mcp_rotate.tokened.secret_env.STUB_API_TOKEN is empty' in run.stdout + run.stderr


def test_rotation_of_an_undeclared_server_is_refused(run_playbook, provider):
    before = provider.root.read_bytes()
    values = provider.extravars()
    values['mcp_rotate'] = {'tokenned': {'secret_env': {'STUB_API_TOKEN': NEW}}}
    run = run_playbook(ROTATE, extravars=values, expect_rc=2)
    assert "names server 'tokenned', which mcp_servers does not declare" in run.stdout + run.stderr
    assert provider.root.read_bytes() == before and provider.backups() == []
    assert NEW not in run.all_text


def test_nothing_to_rotate_is_refused(run_playbook, provider):
    run = run_playbook(ROTATE, extravars=provider.extravars(), expect_rc=2)
    assert 'mcp_rotate is empty' in run.stdout


# -- secret_mode env_ref: the config holds ${VAR}, the values live in the client's environment ----------------

def env_ref_vars(root, provider, rotation=None):
    values = provider.extravars(rotation, mcp_client='claude_code', mcp_secret_mode='env_ref',
                                mcp_config_path=os.path.join(root.home, '.claude.json'))
    values['mcp_servers'] = [dict(provider.server, secret_env={'STUB_API_TOKEN': '{{ lookup("ansible.builtin.env", "MCPOPS_CURRENT_TOKEN") }}'}),
                             provider.keeper]
    return values


def test_env_ref_rotation_checks_the_new_values_and_never_writes_them(run_playbook, provider):
    root = provider.root
    config = os.path.join(root.home, '.claude.json')
    # First run: the config is created with references; the deploy's health wait checks with the declared values.
    first = run_playbook(ROTATE, extravars=env_ref_vars(root, provider, "{{ lookup('ansible.builtin.env', 'MCPOPS_CURRENT_TOKEN') }}"),
                         env={'MCPOPS_CURRENT_TOKEN': OLD})
    assert first.result('Check every deployed server answers the MCP handshake')['healthy']
    with open(config, 'rb') as handle:
        deployed = handle.read()
    assert json.loads(deployed.decode('utf-8'))['mcpServers']['tokened']['env'] == {'STUB_API_TOKEN': '${STUB_API_TOKEN}'}
    assert OLD.encode() not in deployed

    # The provider issued NEW: rotating to it is verified against the server; the config does not change.
    provider.accept(NEW)
    good = run_playbook(ROTATE, extravars=env_ref_vars(root, provider, "{{ lookup('ansible.builtin.env', 'MCPOPS_NEW_TOKEN') }}"),
                        env={'MCPOPS_CURRENT_TOKEN': OLD, 'MCPOPS_NEW_TOKEN': NEW}, verbosity=3, diff=True)
    assert good.result('Check every rotated server with its new values (the config holds references only)')['healthy']
    assert 'new values verified' in good.result('Summarise the rotation')['msg']
    with open(config, 'rb') as handle:
        assert handle.read() == deployed

    # A wrong value fails the host, and still nothing is written.
    bad = run_playbook(ROTATE, extravars=env_ref_vars(root, provider, "{{ lookup('ansible.builtin.env', 'MCPOPS_NEW_TOKEN') }}"),
                       env={'MCPOPS_CURRENT_TOKEN': OLD, 'MCPOPS_NEW_TOKEN': WRONG}, verbosity=3, diff=True, expect_rc=2)
    msg = bad.result('Fail when a server refuses its new values')['msg']
    assert 'tokened: exited' in msg and 'not a valid token' in msg and 'unchanged' in msg, msg
    with open(config, 'rb') as handle:
        assert handle.read() == deployed
    for run in (good, bad):
        for token in TOKENS:
            assert token not in run.all_text
