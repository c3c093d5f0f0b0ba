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


def stub(mode, timeout=5.0, strict=False, env=None, extra=(), era=None):
    environment = p.server_environment(env)
    return p.probe_stdio(mode, sys.executable, [STUB, '--mode=' + mode, '--marker=' + MARKER] + list(extra),
                         environment, timeout=timeout, strict_stdout=strict, era=era)


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
    assert p.resolve_executable(str(tmp_path), '/bin')[1:] == ('not_executable', "command %r (%s) is a directory, "
                                                               "not a program." % (str(tmp_path), tmp_path))
    assert p.resolve_executable('', '/bin')[1] == 'not_found'
    assert p.resolve_executable(str(tmp_path / 'missing'), '/bin')[1] == 'not_found'


def test_resolve_executable_words_problems_like_commands(tmp_path):
    """One lookup and one message set for mcp_health and mcp_server (_commands), with the PATH searched named."""
    from ansible_collections.mcpops.mcp.plugins.module_utils import _commands
    for command, path in (('nope-server', '/nonexistent'), (str(tmp_path / 'missing'), '/bin')):
        _path, reason, message = p.resolve_executable(command, path)
        resolved, located = _commands.locate_command(command, path)
        assert reason == located and message == _commands.command_problem(command, located, resolved, path)
    assert '(searched PATH=/nonexistent)' in p.resolve_executable('nope-server', '/nonexistent')[2]
    # mcp_server's wording is the same sentence plus its own remedy
    assert _commands.find_command('nope-server', '/nonexistent')[1].startswith(
        "command 'nope-server' was not found on the PATH the server gets; install it or give its absolute path (or "
        "set validate_command=false")


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
    ('ok', 'healthy', 'ok', {'tool_count': 3, 'protocol_version': '2025-11-25', 'era': 'legacy'}),
    ('old_version', 'healthy', 'ok', {'protocol_version': '2024-11-05', 'era': 'legacy'}),
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
        assert result['era'] == 'legacy' and result['protocol_version'] in p.SUPPORTED_PROTOCOL_VERSIONS
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
    assert denied['reason'] == 'auth_required' and '401' in denied['message']
    assert denied['resource_metadata'] is None  # a bare 401 and no metadata document: still a clear reason
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


# ------------------------------------------------------------------------------- protocol eras (stdio)


ERA_CASES = [
    # mode, remembered era, reason, era, protocol_version, server_info version
    ('modern', None, 'ok', 'modern', '2026-07-28', '0.2'),
    ('dual', None, 'ok', 'modern', '2026-07-28', '0.2'),
    ('ok', None, 'ok', 'legacy', '2025-11-25', '0.1'),            # legacy answering -32601 to the probe
    ('legacy_silent', None, 'ok', 'legacy', '2025-11-25', '0.1'),  # legacy ignoring the probe
    ('legacy_lenient', None, 'ok', 'legacy', '2025-11-25', '0.1'),  # legacy answering the probe with {}
    ('offers_legacy', None, 'ok', 'legacy', '2025-06-18', '0.1'),  # -32022 naming a legacy version
    ('modern', 'legacy', 'ok', 'modern', '2026-07-28', '0.2'),     # remembered wrong: initialize refused, re-probed
    ('dual', 'legacy', 'ok', 'legacy', '2025-11-25', '0.1'),       # remembered legacy: no probe at all
    ('legacy_silent', 'modern', 'ok', 'legacy', '2025-11-25', '0.1'),  # remembered wrong the other way
    ('ok', 'modern', 'ok', 'legacy', '2025-11-25', '0.1'),
]


@pytest.mark.parametrize('mode,remembered,reason,era,version,info_version', ERA_CASES,
                         ids=['%s-%s' % (c[0], c[1]) for c in ERA_CASES])
def test_stdio_era(mode, remembered, reason, era, version, info_version):
    result = stub(mode, era=remembered)
    assert (result['reason'], result['era'], result['protocol_version']) == (reason, era, version), result
    assert result['server_info'] == {'name': 'stub-' + mode, 'version': info_version}
    assert result['tools'] == ['echo', 'add', 'now'] and result['status'] == 'healthy'
    assert era in result['message'] and version in result['message']


def test_modern_server_refusing_every_version_we_speak():
    result = stub('unsupported_version')
    assert (result['reason'], result['era']) == ('protocol_error', None)
    assert '-32022' in result['message'] and '2030-01-01' in result['message'] and '2026-07-28' in result['message']


def test_modern_error_is_not_a_reason_to_fall_back():
    # -32021 comes only from a modern server: initialize would be refused too, so report it as it is.
    result = stub('modern_header_error')
    assert result['reason'] == 'protocol_error' and 'MissingRequiredClientCapability' in result['message']


def test_modern_tools_are_paginated_with_meta():
    result = stub('modern', extra=['--paged=1', '--tools=120', '--page=7'])
    assert result['era'] == 'modern' and result['tools'] == ['tool_%03d' % i for i in range(120)]


def test_silent_legacy_costs_at_most_the_probe_window():
    probed = stub('legacy_silent')
    known = stub('legacy_silent', era='legacy')
    assert probed['era'] == known['era'] == 'legacy'
    # the probe waited PROBE_WINDOW from the spawn, less whatever start-up took meanwhile
    assert probed['latency_ms'] >= p.PROBE_WINDOW * 1000
    assert probed['latency_ms'] - known['latency_ms'] <= p.PROBE_WINDOW * 1000 + 300


def test_probe_window_runs_alongside_a_slow_start():
    """A modern server slower to start than the window gets initialize too; its discover answer still wins."""
    started = time.monotonic()
    result = stub('modern', extra=['--start-delay=%g' % (p.PROBE_WINDOW + 0.4)])
    assert (result['reason'], result['era']) == ('ok', 'modern')
    assert time.monotonic() - started < p.PROBE_WINDOW + 0.4 + 1.5  # no second probe, no restart
    legacy = stub('legacy_silent', extra=['--start-delay=%g' % (p.PROBE_WINDOW + 0.4)])
    # the silent legacy server's start-up already covered the window: it costs no more than the start
    assert legacy['era'] == 'legacy' and legacy['latency_ms'] < (p.PROBE_WINDOW + 0.4) * 1000 + 500


def test_hang_names_both_requests():
    result = stub('hang', timeout=1)
    assert result['reason'] == 'timeout'
    assert result['message'] == 'no answer to server/discover or initialize within the 1 s timeout.'
    assert stub('hang', timeout=1, era='legacy')['message'] == 'no answer to initialize within the 1 s timeout.'


def test_validate_discover():
    warnings = []
    ok = {'resultType': 'complete', 'supportedVersions': ['2026-07-28'], 'capabilities': {'tools': {}},
          '_meta': {'io.modelcontextprotocol/serverInfo': {'name': 'n', 'version': '1'}}}
    assert p.validate_discover(ok, warnings) == ('2026-07-28', {'name': 'n', 'version': '1'}, True) and not warnings
    # identity from a serverInfo field (the draft page's example) and resultType absent (= complete)
    older = {'supportedVersions': ['2026-07-28', '2025-11-25'], 'capabilities': {}, 'serverInfo': {'name': 'o'}}
    assert p.validate_discover(older, warnings) == ('2026-07-28', {'name': 'o', 'version': None}, False)
    assert p.validate_discover({'supportedVersions': ['2026-07-28']}, warnings)[1] == {}
    assert warnings == ['server/discover result has no serverInfo.', 'server/discover result has no capabilities object.']
    for bad in ([], {}, {'supportedVersions': ['2030-01-01']}, dict(ok, resultType='input_required')):
        with pytest.raises(p.ProbeFailure):
            p.validate_discover(bad, [])


def test_modern_meta_carries_version_identity_and_capabilities():
    meta = p.modern_meta()
    assert meta['io.modelcontextprotocol/protocolVersion'] == '2026-07-28'
    assert meta['io.modelcontextprotocol/clientCapabilities'] == {}
    assert meta['io.modelcontextprotocol/clientInfo'] == p.CLIENT_INFO


# ------------------------------------------------------------------------------- shutdown off the path


def test_reaper_returns_the_result_before_the_shutdown_and_leaves_nothing():
    """hang_term ignores SIGTERM: its shutdown takes SHUTDOWN_GRACE; with a reaper the result does not wait."""
    reaper = p.Reaper()
    result, finish = p.start_probe_stdio('h', sys.executable, [STUB, '--mode=hang_term', '--marker=' + MARKER],
                                         p.server_environment(), timeout=0.5)
    started = time.monotonic()
    result = finish(reaper)
    assert time.monotonic() - started < 0.3 and result['reason'] == 'timeout' and result['duration_ms'] is not None
    assert processes_with(MARKER)  # still being stopped beside us
    assert reaper.join(timeout=3 * p.SHUTDOWN_GRACE + 1)
    assert processes_with(MARKER) == []


def test_reaper_join_waits_for_every_shutdown():
    reaper = p.Reaper()
    finishes = [p.start_probe_stdio(str(i), sys.executable, [STUB, '--mode=ok', '--marker=' + MARKER],
                                    p.server_environment(), timeout=5)[1] for i in range(2)]
    results = [finish(reaper) for finish in finishes]
    assert [r['reason'] for r in results] == ['ok', 'ok']
    assert reaper.join()


# ------------------------------------------------------------------------------- protocol eras (HTTP)


HTTP_ERA_CASES = [
    # stub mode, remembered era, era, protocol_version
    ('json', None, 'legacy', '2025-11-25'),      # legacy: 200 with -32601 to the modern request
    ('session', None, 'legacy', '2025-11-25'),   # legacy: bare 400 to a request without a session
    ('sse', None, 'legacy', '2025-11-25'),
    ('modern', None, 'modern', '2026-07-28'),
    ('dual', None, 'modern', '2026-07-28'),
    ('dual', 'legacy', 'legacy', '2025-11-25'),  # remembered: no probe
    ('modern', 'legacy', 'modern', '2026-07-28'),  # remembered wrong: initialize refused with -32022, re-probed
]


@pytest.mark.parametrize('mode,remembered,era,version', HTTP_ERA_CASES,
                         ids=['%s-%s' % (c[0], c[1]) for c in HTTP_ERA_CASES])
def test_http_era(http_server, mode, remembered, era, version):
    result = p.probe_http(mode, http_server(mode), timeout=5, era=remembered)
    assert (result['reason'], result['era'], result['protocol_version']) == ('ok', era, version), result
    assert result['tools'] == ['remote_echo']
    assert result['server_info'] == {'name': 'http-stub-' + mode, 'version': '0.2' if era == 'modern' else '0.1'}


def test_http_oauth_challenge_names_the_metadata(http_server):
    url = http_server('oauth')
    base = url[:-len('/mcp')]
    result = p.probe_http('o', url, timeout=5)
    assert (result['reason'], result['status']) == ('auth_required', 'unhealthy')
    assert result['resource_metadata'] == base + http_stub.METADATA_PATH
    assert result['resource_metadata'] in result['message'] and 'no Authorization header was sent' in result['message']
    expired = p.probe_http('o', url, {'Authorization': 'Bearer stale'}, timeout=5)
    assert expired['reason'] == 'auth_required' and 'invalid_token: The access token expired' in expired['message']
    assert 'stale' not in expired['message']
    assert p.probe_http('o', url, {'Authorization': http_stub.TOKEN}, timeout=5)['reason'] == 'ok'


def test_http_oauth_metadata_from_the_well_known_document(http_server):
    url = http_server('oauth_wellknown')
    result = p.probe_http('o', url, timeout=5)
    assert result['reason'] == 'auth_required'
    assert result['resource_metadata'] == url[:-len('/mcp')] + '/.well-known/oauth-protected-resource/mcp'


def test_well_known_metadata_urls():
    assert p.well_known_metadata_urls('https://h.example/api/mcp/') == [
        'https://h.example/.well-known/oauth-protected-resource/api/mcp',
        'https://h.example/.well-known/oauth-protected-resource']
    assert p.well_known_metadata_urls('https://h.example') == ['https://h.example/.well-known/oauth-protected-resource']


def test_http_forbidden_origin(http_server):
    result = p.probe_http('f', http_server('origin'), timeout=5)
    assert result['reason'] == 'forbidden' and '403' in result['message'] and 'Origin' in result['message']
    assert 'http://evil.example is not allowed' in result['message']
