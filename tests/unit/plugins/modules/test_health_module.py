# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_health through its real entry point, on real config files and stub servers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat
import sys

import pytest

from ansible_collections.mcpops.mcp.plugins.modules import mcp_health
from ansible_collections.mcpops.mcp.tests.unit.module_runner import run_module_main

STUB = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'servers',
                                    'mcp_stub.py'))
SECRET = 'vault-secret-value-9876'


def run_with_output(args, check=False):
    """(result, stdout text) of one mcp_health run."""
    run = run_module_main(mcp_health.main, args, check=check)
    return run.result, run.stdout


def run(args, check=False):
    return run_with_output(args, check)[0]


def entry(mode):
    return {'command': sys.executable, 'args': [STUB, '--mode=' + mode]}


@pytest.fixture
def config(tmp_path):
    path = tmp_path / 'claude_desktop_config.json'
    path.write_text(json.dumps({'globalShortcut': 'x', 'mcpServers': {
        'good': entry('ok'), 'crash': dict(entry('crash'), env={'STUB_API_TOKEN': 'entry-token-1234'}),
        'needy': entry('need_env')}}))
    return path


def test_all_servers_with_secret_env(config):
    result, text = run_with_output({'config_path': str(config), 'secret_env': {'STUB_API_TOKEN': SECRET},
                                    'fail_on_unhealthy': False, 'timeout': 5})
    assert not result.get('failed') and result['changed'] is False
    assert [(s['name'], s['reason']) for s in result['servers']] == [('good', 'ok'), ('crash', 'exited'), ('needy', 'ok')]
    assert (result['healthy'], result['unhealthy_count']) == (False, 1)
    assert result['config_path'] == str(config)
    assert SECRET not in text and 'entry-token-1234' not in text
    keys = {'name', 'transport', 'status', 'reason', 'message', 'exit_code', 'stderr_tail', 'warnings', 'latency_ms',
            'duration_ms', 'protocol_version', 'server_info', 'tools', 'tool_count', 'missing_tools',
            'consecutive_failures', 'last_seen'}
    assert all(set(s) == keys for s in result['servers'])


def test_fails_when_unhealthy_and_says_why(config):
    result = run({'config_path': str(config), 'names': ['good', 'needy'], 'timeout': 5})
    assert result['failed'] and result['unhealthy_count'] == 1
    assert 'needy (exited 2' in result['msg'] and len(result['servers']) == 2


def test_history_is_written_but_not_in_check_mode(config, tmp_path):
    history = tmp_path / 'hist' / 'h.jsonl'
    args = {'config_path': str(config), 'names': ['crash'], 'history_file': str(history), 'fail_on_unhealthy': False}
    result = run(args, check=True)
    assert result['servers'][0]['consecutive_failures'] == 1 and not history.exists()
    assert result['changed'] is False
    run(args)
    result = run(args)
    assert result['servers'][0]['consecutive_failures'] == 2 and result['changed'] is False
    assert len(history.read_text().splitlines()) == 2
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    good = run(dict(args, names=['good']))
    assert good['servers'][0]['consecutive_failures'] == 0 and good['servers'][0]['last_seen'].endswith('Z')


def test_specs_only_need_no_config(tmp_path):
    result = run({'config_path': str(tmp_path / 'missing.json'),
                  'specs': [dict(entry('ok'), name='pre'), dict(entry('hang'), name='slowpoke', timeout=1)],
                  'expect_tools': {'pre': ['echo'], 'other': ['x']}, 'fail_on_unhealthy': False})
    assert [(s['name'], s['reason']) for s in result['servers']] == [('pre', 'ok'), ('slowpoke', 'timeout')]
    assert result['config_path'] is None
    assert not result.get('failed')  # an expect_tools entry for an unchecked server only warns


def test_missing_config_and_unknown_name_and_bad_json(tmp_path, config):
    result = run({'config_path': str(tmp_path / 'missing.json')})
    assert result['failed'] and 'No MCP config at' in result['msg']
    result = run({'config_path': str(config), 'names': ['nope']})
    assert result['failed'] and "'nope'" in result['msg']
    bad = tmp_path / 'bad.json'
    bad.write_text('{"mcpServers": {},}')
    result = run({'config_path': str(bad)})
    assert result['failed'] and 'bad.json:1:' in result['msg']


def test_bad_numbers(config):
    assert 'timeout' in run({'config_path': str(config), 'timeout': 0})['msg']
    assert 'concurrency' in run({'config_path': str(config), 'concurrency': 0})['msg']


def test_spec_needs_command_or_url(tmp_path):
    result = run({'specs': [{'name': 'x'}]})
    assert result['failed'] and 'command' in result['msg']


def test_spec_env_secrets_masked_but_plain_values_do_not_mangle_output():
    result, text = run_with_output({'specs': [
        dict(entry('ok'), name='plain', env={'DEBUG': '1'}),
        dict(entry('crash'), name='leaky', env={'STUB_API_TOKEN': 'spec-secret-111'})], 'fail_on_unhealthy': False})
    servers = dict((s['name'], s) for s in result['servers'])
    assert servers['plain']['server_info'] == {'name': 'stub-ok', 'version': '0.1'}
    assert 'spec-secret-111' not in text and 'STUB_API_TOKEN=********' in servers['leaky']['stderr_tail']
