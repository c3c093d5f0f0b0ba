# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_audit through its real entry point over the policy fixtures: every class, wildcard URLs, deny wins, no secrets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil

from ansible_collections.mcpops.mcp.plugins.modules import mcp_audit

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'policy')
CONFIG = os.path.join(FIXTURES, 'configs', 'claude_desktop_config.json')
SECRETS = ('ghp_fixtureSecretValue1234567890', 'fixture-api-key-secret-42', 'fixture-bearer-secret-77',
           'declared-secret-value-9876')


def _declared():
    return [
        {'name': 'github', 'command': 'npx', 'args': ['-y', '@modelcontextprotocol/server-github'],
         'secret_env': {'GITHUB_PERSONAL_ACCESS_TOKEN': 'ghp_fixtureSecretValue1234567890'}},
        {'name': 'fs', 'command': 'npx', 'args': ['-y', '@modelcontextprotocol/server-filesystem', '/home'],
         'env': {'TOKEN': 'declared-secret-value-9876'}},
        {'name': 'time', 'command': 'uvx', 'args': ['mcp-server-time']},
        {'name': 'old', 'state': 'absent'},
    ]


def _by_name(result):
    return dict((f['name'], f['classes']) for f in result['findings'])


def test_every_class_over_the_claude_code_fixture(run_module):
    run = run_module(mcp_audit.main, dict(config_path=CONFIG, servers=_declared(), policy_client='claude_code',
                                          policy_dir=os.path.join(FIXTURES, 'claude_code')))
    assert not run.failed, run.result
    assert _by_name(run.result) == {
        'github': ['declared'],
        'fs': ['changed'],
        'time': ['missing', 'not_allowed'],   # declared, not configured, and the allowlist would block it
        'old': ['declared'],                  # declared absent and not there
        'evil': ['unmanaged', 'denied'],      # denied by name in the base file
        'remote-bad': ['unmanaged', 'denied'],  # https://*.untrusted.example/* in a drop-in
        'sneaky': ['unmanaged', 'denied'],    # allowed by name, denied by exact argv: deny wins
        'stranger': ['unmanaged', 'not_allowed'],
        'remote-ok': ['unmanaged'],           # https://mcp.company.example/* lets it load
    }
    fs = [f for f in run.result['findings'] if f['name'] == 'fs'][0]
    assert fs['fields'] == ['args', 'env'] and fs['client'] == 'claude_desktop'
    assert run.result['counts'] == {'declared': 2, 'changed': 1, 'missing': 1, 'unmanaged': 5, 'denied': 3,
                                    'not_allowed': 2}
    assert [f['classes'][-1] for f in run.result['findings'][:3]] == ['denied'] * 3  # worst first
    assert run.result['changed'] is False
    for secret in SECRETS:
        assert secret not in run.stdout


def test_copilot_policy_file_and_the_policy_option(run_module):
    copilot = run_module(mcp_audit.main, dict(config_path=CONFIG, policy_client='copilot',
                                              policy_dir=os.path.join(FIXTURES, 'copilot')))
    assert _by_name(copilot.result) == {'evil': ['denied'], 'fs': ['not_allowed'], 'remote-ok': ['not_allowed'],
                                        'remote-bad': ['not_allowed'], 'stranger': ['not_allowed'],
                                        'sneaky': ['not_allowed']}
    option = run_module(mcp_audit.main, dict(config_path=CONFIG, policy={'allowed': []}))
    assert set(option.result['findings'][0]['classes']) == {'not_allowed'} and option.result['counts']['not_allowed'] == 7
    for secret in SECRETS:
        assert secret not in copilot.stdout + option.stdout


def test_fail_on_turns_findings_into_a_failure_with_the_findings(run_module):
    run = run_module(mcp_audit.main, dict(config_path=CONFIG, servers=_declared(), fail_on=['denied', 'unmanaged'],
                                          policy={'denied': [{'serverUrl': 'https://*.untrusted.example/*'}]}))
    assert run.failed
    assert '1 denied' in run.result['msg'] and '5 unmanaged' in run.result['msg'] and 'remote-bad' in run.result['msg']
    assert run.result['counts']['denied'] == 1 and run.result['findings']
    clean = run_module(mcp_audit.main, dict(config_path=CONFIG, fail_on=['denied']))
    assert not clean.failed and clean.result['findings'] == [] and clean.result['policy'] is None
    for secret in SECRETS:
        assert secret not in run.stdout


def test_invalid_config_and_policy_fail_with_a_place_and_change_nothing(run_module, tmp_path):
    bad = tmp_path / 'c.json'
    bad.write_bytes(b'{"mcpServers": {"a": {"command": "x"},}}')
    before = bad.read_bytes()
    run = run_module(mcp_audit.main, dict(config_path=str(bad)))
    assert run.failed and 'c.json:1:' in run.result['msg'] and bad.read_bytes() == before
    assert sorted(os.listdir(str(tmp_path))) == ['c.json']  # no lock, no backups
    policy_dir = tmp_path / 'p'
    shutil.copytree(os.path.join(FIXTURES, 'claude_code'), str(policy_dir))
    (policy_dir / 'managed-settings.d' / '60-x.json').write_text(json.dumps({'allowedMcpServers': [{'serverName': 'a', 'serverUrl': 'b'}]}))
    run = run_module(mcp_audit.main, dict(config_path=CONFIG, policy_client='claude_code', policy_dir=str(policy_dir)))
    assert run.failed and '60-x.json' in run.result['msg'] and 'serverName and serverUrl' in run.result['msg']
    run = run_module(mcp_audit.main, dict(config_path=CONFIG, policy_dir=str(policy_dir)))
    assert run.failed and 'policy_client' in run.result['msg']


def test_a_missing_config_has_every_declared_server_missing(run_module, tmp_path):
    run = run_module(mcp_audit.main, dict(config_path=str(tmp_path / 'none.json'), servers=_declared()[:3]))
    assert _by_name(run.result) == {'github': ['missing'], 'fs': ['missing'], 'time': ['missing']}
    assert not os.path.exists(str(tmp_path / 'none.json'))
