# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_health through its real entry point, on real config files and stub servers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import json
import os
import pwd
import stat
import sys
import time
import uuid

import pytest

from ansible_collections.mcpops.mcp.plugins.modules import mcp_health
from ansible_collections.mcpops.mcp.tests.servers.procs import processes_with
from ansible_collections.mcpops.mcp.tests.unit.module_runner import run_module_main

SERVERS = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'servers'))
STUB = os.path.join(SERVERS, 'mcp_stub.py')
SECRET = 'vault-secret-value-9876'
MARKER = 'mcpops-unit-health-module-%s' % uuid.uuid4().hex[:12]


def run_with_output(args, check=False):
    """(result, stdout text) of one mcp_health run."""
    run = run_module_main(mcp_health.main, args, check=check)
    return run.result, run.stdout


def run(args, check=False):
    return run_with_output(args, check)[0]


def entry(mode, *extra):
    return {'command': sys.executable, 'args': [STUB, '--mode=' + mode, '--marker=' + MARKER] + list(extra)}


@pytest.fixture(autouse=True)
def no_leftovers():
    yield
    assert processes_with(MARKER) == [], 'a server outlived the module'


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
            'duration_ms', 'era', 'protocol_version', 'server_info', 'tools', 'tool_count', 'resource_metadata',
            'missing_tools', 'consecutive_failures', 'last_seen'}
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


def _load_http_stub():
    spec = importlib.util.spec_from_file_location('mcp_http_stub', os.path.join(SERVERS, 'mcp_http_stub.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_era_reported_with_its_version():
    result = run({'specs': [dict(entry('modern'), name='modern'), dict(entry('dual'), name='dual'),
                            dict(entry('ok'), name='legacy'), dict(entry('legacy_silent'), name='silent')]})
    assert [(s['name'], s['era'], s['protocol_version']) for s in result['servers']] == [
        ('modern', 'modern', '2026-07-28'), ('dual', 'modern', '2026-07-28'),
        ('legacy', 'legacy', '2025-11-25'), ('silent', 'legacy', '2025-11-25')]
    assert result['servers'][0]['server_info'] == {'name': 'stub-modern', 'version': '0.2'}
    assert all(s['tool_count'] == 3 for s in result['servers']) and result['healthy']


def test_history_remembers_the_era_and_skips_the_probe(tmp_path):
    history = tmp_path / 'h.jsonl'
    args = {'specs': [dict(entry('legacy_silent'), name='silent'), dict(entry('modern'), name='modern')],
            'history_file': str(history)}
    first = run(args)
    records = [json.loads(line) for line in history.read_text().splitlines()]
    assert [(r['name'], r['era']) for r in records] == [('silent', 'legacy'), ('modern', 'modern')]
    second = run(args)
    by_name = dict((s['name'], s) for s in second['servers'])
    assert by_name['silent']['era'] == 'legacy' and by_name['modern']['era'] == 'modern'
    # the silent legacy server no longer waits out the probe window
    first_silent = dict((s['name'], s) for s in first['servers'])['silent']
    assert first_silent['latency_ms'] >= 500 > by_name['silent']['latency_ms']


def test_history_directory_is_made_by_the_file_layer(tmp_path):
    history = tmp_path / 'a' / 'b' / 'h.jsonl'
    run({'specs': [dict(entry('ok'), name='x')], 'history_file': str(history)})
    assert stat.S_IMODE(os.stat(str(history.parent)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(str(history.parent.parent)).st_mode) == 0o700
    blocker = tmp_path / 'file'
    blocker.write_text('')
    result = run({'specs': [dict(entry('ok'), name='x')], 'history_file': str(blocker / 'sub' / 'h.jsonl')})
    assert result['failed'] and result['msg'] == 'Cannot read history_file %s: Not a directory.' % (
        blocker / 'sub' / 'h.jsonl')


def test_result_comes_before_the_shutdown_and_nothing_is_left(tmp_path):
    """hang_term ignores SIGTERM (1 s more to kill); the module still ends with every server gone."""
    started = time.monotonic()
    result = run({'specs': [dict(entry('hang_term'), name='stuck', timeout=1)], 'fail_on_unhealthy': False})
    assert result['servers'][0]['reason'] == 'timeout'
    assert result['servers'][0]['duration_ms'] < 1500  # the result was ready before the kill
    assert time.monotonic() - started >= 1  # and main() returned only after it (no_leftovers checks the rest)


def test_user_is_looked_up_like_every_module():
    me = pwd.getpwuid(os.geteuid())
    ctx = mcp_health.context_or_fail(type('M', (), {'params': {'client': 'claude_desktop', 'config_path': None,
                                                               'user': me.pw_name, 'backup_dir': None}})())
    account = mcp_health.account_for(None, ctx)
    assert account == {'user': me.pw_name, 'uid': me.pw_uid, 'gid': me.pw_gid, 'home': me.pw_dir, 'shell': me.pw_shell}
    result = run({'user': 'no-such-user-mcpops', 'specs': [dict(entry('ok'), name='x')]})
    assert result['failed'] and result['msg'] == "User 'no-such-user-mcpops' does not exist on this host."


@pytest.mark.parametrize('mode,reason', [('oauth', 'auth_required'), ('origin', 'forbidden')])
def test_remote_auth_and_origin_reasons(mode, reason):
    http_stub = _load_http_stub()
    server, url = http_stub.start_server(mode)
    try:
        result = run({'specs': [{'name': 'remote', 'url': url, 'headers': {'Authorization': 'Bearer stale-token-77'}}],
                      'fail_on_unhealthy': False})
    finally:
        server.shutdown()
        server.server_close()
    remote = result['servers'][0]
    assert (remote['reason'], remote['transport']) == (reason, 'http')
    if mode == 'oauth':
        assert remote['resource_metadata'] == url[:-len('/mcp')] + http_stub.METADATA_PATH
    else:
        assert remote['resource_metadata'] is None and 'Origin' in remote['message']
    assert 'stale-token-77' not in json.dumps(result)


def test_a_gemini_entry_timeout_is_read_in_milliseconds(tmp_path):
    """Gemini CLI's per-server `timeout` is in ms: 1500 there is 1.5 s, not 1500 s (nor the module's 15 s)."""
    path = tmp_path / 'settings.json'
    path.write_text(json.dumps({'mcpServers': {'stuck': dict(entry('hang'), timeout=1500)}}))
    started = time.monotonic()
    result = run({'client': 'gemini', 'config_path': str(path), 'fail_on_unhealthy': False})
    assert result['servers'][0]['reason'] == 'timeout', result
    assert 'within the 1.5 s timeout' in result['servers'][0]['message'], result
    assert time.monotonic() - started < 10
