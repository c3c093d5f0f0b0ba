# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_protocol against real processes: the misbehaving stub servers in tests/servers, and HTTP stubs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import os
import sys
import time
import uuid

import pytest

from ansible_collections.mcpops.mcp.plugins.module_utils import _protocol as p
from ansible_collections.mcpops.mcp.tests.servers.procs import processes_with

SERVERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'servers')
STUB = os.path.abspath(os.path.join(SERVERS, 'mcp_stub.py'))
MARKER = 'mcpops-unit-protocol-%s' % uuid.uuid4().hex[:12]


def _load_http_stub():
    spec = importlib.util.spec_from_file_location('mcp_http_stub', os.path.join(SERVERS, 'mcp_http_stub.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


http_stub = _load_http_stub()


@pytest.fixture(autouse=True)
def no_leftovers():
    yield
    assert [pid for pid, _argv in processes_with(MARKER)] == [], 'a stub server outlived its check'


def stub(mode, timeout=5.0, strict=False, env=None, extra=()):
    environment = p.server_environment(env)
    return p.probe_stdio(mode, sys.executable, [STUB, '--mode=' + mode, '--marker=' + MARKER] + list(extra),
                         environment, timeout=timeout, strict_stdout=strict)


# --------------------------------------------------------------------------------------------- env


def test_environment_inherits_only_the_sdk_keys_then_env_then_secret_env():
    host = {'HOME': '/h', 'PATH': '/bin', 'USER': 'u', 'LOGNAME': 'u', 'SHELL': '/bin/sh', 'TERM': 'xterm',
            'SSH_AUTH_SOCK': '/tmp/agent', 'AWS_SECRET_ACCESS_KEY': 'x'}
    env = p.server_environment({'A': 1, 'B': 'entry', 'FLAG': True}, {'B': 'secret'}, host_env=host)
    assert env == {'HOME': '/h', 'PATH': '/bin', 'USER': 'u', 'LOGNAME': 'u', 'SHELL': '/bin/sh', 'TERM': 'xterm',
                   'A': '1', 'B': 'secret', 'FLAG': 'true'}


def test_environment_for_another_account_and_missing_path():
    env = p.server_environment(host_env={'HOME': '/root', 'USER': 'root'},
                               account={'home': '/home/alice', 'user': 'alice', 'shell': '/bin/zsh'})
    assert env['HOME'] == '/home/alice' and env['USER'] == env['LOGNAME'] == 'alice' and env['SHELL'] == '/bin/zsh'
    assert env['PATH'] == os.defpath


# ------------------------------------------------------------------------------------ executables


def test_resolve_executable_uses_the_servers_path(tmp_path):
    tool = tmp_path / 'bin' / 'my-server'
    tool.parent.mkdir()
    tool.write_text('#!/bin/sh\n')
    tool.chmod(0o755)
    assert p.resolve_executable('my-server', str(tool.parent))[0] == str(tool)
    assert p.resolve_executable('my-server', '/nonexistent')[1] == 'not_found'
    tool.chmod(0o644)
    path, reason, message = p.resolve_executable('my-server', str(tool.parent))
    assert (path, reason) == (None, 'not_executable') and 'chmod +x' in message
    assert p.resolve_executable(str(tmp_path), '/bin')[1] == 'not_executable'
    assert p.resolve_executable('', '/bin')[1] == 'not_found'
    assert p.resolve_executable(str(tmp_path / 'missing'), '/bin')[1] == 'not_found'


@pytest.fixture
def wrapper(tmp_path):
    """An executable script for the stub, made at test time (the committed stub has no #! line)."""
    path = tmp_path / 'stub-server'
    path.write_text('#!%s\nimport runpy, sys\nsys.argv[0] = %r\nrunpy.run_path(%r, run_name="__main__")\n'
                    % (sys.executable, STUB, STUB))
    path.chmod(0o755)
    return path


def test_exec_bit_decides_between_healthy_and_not_executable(wrapper):
    args = ['--mode=ok', '--marker=' + MARKER]
    assert p.probe_stdio('w', str(wrapper), args, p.server_environment(), timeout=5)['reason'] == 'ok'
    wrapper.chmod(0o644)
    result = p.probe_stdio('w', str(wrapper), args, p.server_environment(), timeout=5)
    assert (result['status'], result['reason']) == ('unhealthy', 'not_executable')


def test_missing_interpreter_in_shebang_is_not_found(tmp_path):
    script = tmp_path / 'broken'
    script.write_text('#!/nonexistent/python\n')
    script.chmod(0o755)
    result = p.probe_stdio('b', str(script), [], p.server_environment(), timeout=5)
    assert result['reason'] == 'not_found' and 'interpreter' in result['message']


# ------------------------------------------------------------------------------------ stub servers


CASES = [
    # mode, status, reason, extra checks
    ('ok', 'healthy', 'ok', {'tool_count': 3, 'protocol_version': '2025-11-25'}),
    ('old_version', 'healthy', 'ok', {'protocol_version': '2024-11-05'}),
    ('crash', 'unhealthy', 'exited', {'exit_code': 1}),
    ('need_env', 'unhealthy', 'exited', {'exit_code': 2}),
    ('bad_version', 'unhealthy', 'protocol_error', {}),
    ('init_error', 'unhealthy', 'protocol_error', {}),
    ('not_jsonrpc', 'unhealthy', 'protocol_error', {}),
    ('cursor_loop', 'unhealthy', 'protocol_error', {}),
    ('paginate', 'healthy', 'ok', {'tool_count': 500}),
    ('banner', 'healthy', 'ok', {}),
    ('ping_first', 'healthy', 'ok', {}),
    ('no_tools', 'healthy', 'ok', {'tool_count': 0}),
    ('grandchild', 'healthy', 'ok', {}),
]


@pytest.mark.parametrize('mode,status,reason,extra', CASES, ids=[c[0] for c in CASES])
def test_stub_classification(mode, status, reason, extra):
    result = stub(mode)
    assert (result['status'], result['reason']) == (status, reason), result
    for key, value in extra.items():
        assert result[key] == value, (key, result)
    assert set(result) == set(p.new_result('x', 'stdio'))
    assert result['duration_ms'] is not None
    if status == 'healthy':
        assert result['server_info'] == {'name': 'stub-' + mode, 'version': '0.1'}
        assert result['latency_ms'] <= result['duration_ms']
        assert len(result['tools']) == result['tool_count']


def test_crash_keeps_the_traceback_tail():
    result = stub('crash')
    assert 'Traceback' in result['stderr_tail'] and 'RuntimeError' in result['stderr_tail']
    assert 'exited with code 1' in result['message']


def test_messages_name_the_problem():
    assert '1999-01-01' in stub('bad_version')['message']
    assert 'database is locked' in stub('init_error')['message']
    assert 'repeats' in stub('cursor_loop')['message']


def test_need_env_is_healthy_with_the_variable():
    assert stub('need_env', env={'STUB_API_TOKEN': 'x'})['reason'] == 'ok'


def test_paginated_tools_come_in_order():
    result = stub('paginate', extra=['--tools=120', '--page=7'])
    assert result['tools'] == ['tool_%03d' % i for i in range(120)]


def test_banner_is_a_warning_by_default_and_an_error_when_strict():
    loose = stub('banner')
    assert loose['reason'] == 'ok' and 'not JSON-RPC' in loose['warnings'][0]
    strict = stub('banner', strict=True)
    assert strict['reason'] == 'protocol_error' and 'strict_stdout' in strict['message']


def test_slow_start_within_timeout_is_healthy_with_its_latency():
    result = stub('slow', extra=['--delay=0.6'])
    assert result['reason'] == 'ok' and result['latency_ms'] >= 600


def test_slow_start_beyond_timeout_is_a_timeout():
    result = stub('slow', timeout=0.5, extra=['--delay=3'])
    assert result['reason'] == 'timeout'


def test_hang_times_out_on_time_and_is_killed():
    started = time.monotonic()
    result = stub('hang', timeout=1.5)
    elapsed = time.monotonic() - started
    assert result['reason'] == 'timeout' and 'initialize' in result['message']
    assert 1.5 <= elapsed < 2.5


def test_server_ignoring_sigterm_is_killed_within_the_grace_periods():
    started = time.monotonic()
    result = stub('hang_term', timeout=1)
    assert result['reason'] == 'timeout'
    assert time.monotonic() - started < 1 + 2 * p.SHUTDOWN_GRACE + 0.5


def test_healthy_server_ignoring_eof_and_sigterm_is_still_stopped():
    started = time.monotonic()
    result = stub('ignore_term')
    assert result['reason'] == 'ok'
    assert time.monotonic() - started < 3 * p.SHUTDOWN_GRACE + 0.5


def test_grandchild_in_its_own_session_is_killed():
    assert stub('grandchild')['reason'] == 'ok'
    # the autouse fixture asserts the grandchild (which carries the marker) is gone


# ------------------------------------------------------------------------------------- pure parts


def test_check_jsonrpc_rejects_non_messages():
    for bad in (1, [], {'id': 1, 'result': {}}, {'jsonrpc': '2.0', 'id': 1}):
        with pytest.raises(p.ProbeFailure):
            p._check_jsonrpc(bad)
    p._check_jsonrpc({'jsonrpc': '2.0', 'id': 1, 'result': {}})


def test_validate_initialize():
    warnings = []
    assert p.validate_initialize({'protocolVersion': '2025-06-18', 'capabilities': {'tools': {}},
                                  'serverInfo': {'name': 'n', 'version': '1'}}, warnings) == \
        ('2025-06-18', {'name': 'n', 'version': '1'}, True)
    assert warnings == []
    assert p.validate_initialize({'protocolVersion': '2025-03-26'}, warnings)[2] is False
    assert len(warnings) == 2
    for bad in ({'protocolVersion': '2026-01-01'}, {}, []):
        with pytest.raises(p.ProbeFailure):
            p.validate_initialize(bad, [])


def test_tool_names():
    assert p.tool_names({'tools': [{'name': 'a'}], 'nextCursor': 'c'}, 1) == (['a'], 'c')
    assert p.tool_names({'tools': []}, 1) == ([], None)
    for bad in ({}, {'tools': [{}]}, {'tools': [], 'nextCursor': 3}):
        with pytest.raises(p.ProbeFailure):
            p.tool_names(bad, 1)


def test_process_table_sees_us():
    table = p.process_table()
    assert table[os.getpid()][0] == os.getppid()


# ------------------------------------------------------------------------------------------- HTTP


@pytest.fixture
def http_server():
    servers = []

    def start(mode):
        server, url = http_stub.start_server(mode)
        servers.append(server)
        return url
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize('mode', ['json', 'sse', 'session'])
def test_http_healthy(http_server, mode):
    result = p.probe_http(mode, http_server(mode), timeout=5)
    assert (result['status'], result['transport'], result['tools']) == ('healthy', 'http', ['remote_echo']), result
    assert result['server_info']['name'] == 'http-stub-' + mode


def test_http_auth_header(http_server):
    url = http_server('auth')
    denied = p.probe_http('a', url, timeout=5)
    assert denied['reason'] == 'protocol_error' and '401' in denied['message']
    assert p.probe_http('a', url, {'Authorization': http_stub.TOKEN}, timeout=5)['reason'] == 'ok'


def test_http_hang_times_out(http_server):
    started = time.monotonic()
    result = p.probe_http('h', http_server('hang'), timeout=1)
    assert result['reason'] == 'timeout' and time.monotonic() - started < 1.8


def test_http_stalled_sse_stream_ends_at_the_deadline(http_server):
    started = time.monotonic()
    result = p.probe_http('s', http_server('stall'), timeout=1)
    assert result['reason'] == 'timeout' and time.monotonic() - started < 1.8


def test_http_nothing_there(http_server):
    url = http_server('json')
    assert p.probe_http('x', url.replace('/mcp', '/nope'), timeout=5)['reason'] == 'not_found'
    assert p.probe_http('x', 'http://127.0.0.1:9/mcp', timeout=5)['reason'] == 'not_found'
