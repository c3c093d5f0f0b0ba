# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_health in real ansible-playbook runs: real MCP servers from PyPI/npm and misbehaving stubs.

Real servers are required, not optional: `make venv` installs them (mcp-server-time in the venv,
the npm servers in node_modules/.bin, or MCPOPS_NODE_BIN). If they are missing the tests fail.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest

from ansible_collections.mcpops.mcp.tests.servers.procs import processes_with

from _helpers import real_server

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(os.path.dirname(HERE))
STUB = os.path.join(COLLECTION, 'tests', 'servers', 'mcp_stub.py')
HTTP_STUB = os.path.join(COLLECTION, 'tests', 'servers', 'mcp_http_stub.py')
HEALTH_PLAYBOOK = os.path.join(COLLECTION, 'playbooks', 'health.yml')
MARKER = 'mcpops-it-health-%s' % uuid.uuid4().hex[:12]
ENTRY_SECRET = 'entry-secret-token-5511'
VAULT_SECRET = 'vault-secret-token-7723'
HEADER_SECRET = 'header-secret-token-3391'


# ------------------------------------------------------------------------------------------ helpers


def stub(mode, *extra, **kw):
    entry = {'command': sys.executable, 'args': [STUB, '--mode=' + mode, '--marker=' + MARKER] + list(extra)}
    entry['env'] = dict(kw.get('env') or {}, MCPOPS_TEST_MARKER=MARKER)
    return entry


def real(name, *args):
    return {'command': real_server(name), 'args': list(args), 'env': {'MCPOPS_TEST_MARKER': MARKER}}


def marked_processes():
    """Live processes whose argv or environment carries this file's marker."""
    return processes_with(MARKER)


@pytest.fixture(autouse=True)
def no_process_left_behind():
    yield
    assert marked_processes() == [], 'processes outlived ansible-playbook'


def health_task(**options):
    return [{'hosts': 'all', 'gather_facts': False, 'tasks': [
        {'name': 'health', 'mcpops.mcp.mcp_health': options}]}]


def free_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


# -------------------------------------------------------------------------------------------- tests


def test_real_servers_and_misbehaving_stubs_in_one_run(config_root, run_playbook, tmp_path):
    not_exec = tmp_path / 'not-executable-server'
    not_exec.write_text('#!%s\nprint("never runs")\n' % sys.executable)
    not_exec.chmod(0o644)
    allowed = tmp_path / 'fs-root'
    allowed.mkdir()
    config_root.write({'globalShortcut': 'Alt+Space', 'mcpServers': {
        'time': real('mcp-server-time'),
        'everything': real('mcp-server-everything'),
        'filesystem': real('mcp-server-filesystem', str(allowed)),
        'memory': real('mcp-server-memory'),
        'ok': stub('ok'),
        'crash': stub('crash', env={'STUB_API_TOKEN': ENTRY_SECRET}),
        'banner': stub('banner'),
        'slow': stub('slow', '--delay=1'),
        'bad_version': stub('bad_version'),
        'init_error': stub('init_error'),
        'needs_env_ok': stub('need_env', '--var=STUB_VAULT_TOKEN'),
        'needs_env_missing': stub('need_env', '--var=STUB_MISSING_TOKEN'),
        'paginate': stub('paginate'),
        'ignore_term': stub('ignore_term'),
        'grandchild': stub('grandchild'),
        'picky': stub('ok'),
        'not_executable': {'command': str(not_exec)},
        'not_found': {'command': 'mcpops-no-such-server'},
    }})
    hang = dict(stub('hang'), name='hang', timeout=2)
    hang_term = dict(stub('hang_term'), name='hang_term', timeout=2)
    started = time.monotonic()
    run = run_playbook(health_task(
        config_path=config_root.config_path, names=list(config_root.read_json()['mcpServers']),
        specs=[hang, hang_term], fail_on_unhealthy=False, timeout=20,
        secret_env={'STUB_VAULT_TOKEN': VAULT_SECRET},
        expect_tools={'time': ['get_current_time', 'convert_time'], 'picky': ['echo', 'frobnicate']}))
    elapsed = time.monotonic() - started
    result = run.result('health')
    by_name = dict((s['name'], s) for s in result['servers'])
    summary = dict((n, (s['status'], s['reason'])) for n, s in by_name.items())
    healthy = ('healthy', 'ok')
    assert summary == {
        'time': healthy, 'everything': healthy, 'filesystem': healthy, 'memory': healthy, 'ok': healthy,
        'crash': ('unhealthy', 'exited'), 'banner': healthy, 'slow': healthy,
        'bad_version': ('unhealthy', 'protocol_error'), 'init_error': ('unhealthy', 'protocol_error'),
        'needs_env_ok': healthy, 'needs_env_missing': ('unhealthy', 'exited'), 'paginate': healthy,
        'ignore_term': healthy, 'grandchild': healthy, 'picky': ('unhealthy', 'missing_tools'),
        'not_executable': ('unhealthy', 'not_executable'), 'not_found': ('unhealthy', 'not_found'),
        'hang': ('unhealthy', 'timeout'), 'hang_term': ('unhealthy', 'timeout'),
    }, json.dumps(result['servers'], indent=1)[:6000]
    assert result['changed'] is False and result['healthy'] is False and result['unhealthy_count'] == 9
    assert list(by_name)[-2:] == ['hang', 'hang_term']

    # Real servers with their real tool lists.
    assert by_name['time']['tools'] == ['get_current_time', 'convert_time']
    assert by_name['time']['server_info']['name'] == 'mcp-time'
    assert {'echo', 'get-sum'} <= set(by_name['everything']['tools'])
    assert {'read_text_file', 'list_directory', 'write_file'} <= set(by_name['filesystem']['tools'])
    assert {'create_entities', 'read_graph', 'search_nodes'} <= set(by_name['memory']['tools'])
    for name in ('time', 'everything', 'filesystem', 'memory'):
        server = by_name[name]
        # mcp-server-time (PyPI) is dual-era and answers the server/discover probe; the npm servers are legacy
        assert (server['era'], server['protocol_version']) == (
            ('modern', '2026-07-28') if name == 'time' else ('legacy', '2025-11-25')), server
        assert server['tool_count'] == len(server['tools']) > 0
        assert 0 < server['latency_ms'] <= server['duration_ms']

    # Each misbehaviour, precisely.
    assert by_name['crash']['exit_code'] == 1 and 'RuntimeError' in by_name['crash']['stderr_tail']
    assert 'STUB_API_TOKEN=********' in by_name['crash']['stderr_tail']
    assert by_name['needs_env_missing']['exit_code'] == 2
    assert 'STUB_MISSING_TOKEN is not set' in by_name['needs_env_missing']['stderr_tail']
    assert by_name['banner']['warnings'] and 'not JSON-RPC' in by_name['banner']['warnings'][0]
    assert by_name['slow']['latency_ms'] >= 1000
    assert '1999-01-01' in by_name['bad_version']['message']
    assert 'database is locked' in by_name['init_error']['message']
    assert by_name['paginate']['tool_count'] == 500 and by_name['paginate']['tools'][-1] == 'tool_499'
    assert by_name['picky']['missing_tools'] == ['frobnicate']
    assert 'chmod +x' in by_name['not_executable']['message']
    assert by_name['hang']['duration_ms'] < 3000 and by_name['hang_term']['duration_ms'] < 4500
    assert elapsed < 25

    # No secret anywhere: not in results, not in ansible-playbook's output.
    for secret in (ENTRY_SECRET, VAULT_SECRET):
        assert secret not in run.all_text


def test_fails_on_unhealthy_and_history_counts_runs(config_root, run_playbook, tmp_path):
    config_root.write({'mcpServers': {'ok': stub('ok'), 'crash': stub('crash')}})
    history = tmp_path / 'state' / 'health.jsonl'
    play = health_task(config_path=config_root.config_path, history_file=str(history))

    checked = run_playbook(play, check=True, expect_rc=2)
    assert not history.exists()
    first = checked.result('health')
    assert checked.tasks('health')[-1]['status'] == 'failed'
    assert 'crash (exited 1' in first['msg'] and first['changed'] is False

    run_playbook(play, expect_rc=2)
    second = run_playbook(play, expect_rc=2)
    assert second.changed == 0
    crash = [s for s in second.result('health')['servers'] if s['name'] == 'crash'][0]
    ok = [s for s in second.result('health')['servers'] if s['name'] == 'ok'][0]
    assert crash['consecutive_failures'] == 2 and crash['last_seen'] is None
    assert ok['consecutive_failures'] == 0 and ok['last_seen'].endswith('Z')
    records = [json.loads(line) for line in history.read_text().splitlines()]
    assert [(r['name'], r['status']) for r in records] == [('ok', 'healthy'), ('crash', 'unhealthy')] * 2


def test_health_playbook_prints_a_table_per_host(new_config_root, run_playbook, local_inventory):
    roots = {}
    for host in ('web1', 'web2'):
        roots[host] = new_config_root(host)
        roots[host].write({'mcpServers': {'time': real('mcp-server-time'), 'ok': stub('ok'),
                                          'crash_%s' % host: stub('crash')}})
    inventory = local_inventory(dict((h, {'mcp_health_config_path': r.config_path}) for h, r in roots.items()))
    run = run_playbook(HEALTH_PLAYBOOK, inventory=inventory, extravars={'mcp_health_names': 'time, ok'})
    for host in ('web1', 'web2'):
        table = run.result('Show the table', host)['msg']
        assert table[0].split() == ['SERVER', 'STATUS', 'REASON', 'LATENCY', 'TOOLS']
        assert [line.split()[:3] for line in table[1:]] == [['time', 'healthy', 'ok'], ['ok', 'healthy', 'ok']]
        assert 'get_current_time' in table[1] and table[1].split()[3].endswith('ms')
    failing = run_playbook(HEALTH_PLAYBOOK, inventory=inventory, expect_rc=2)
    assert 'crash_web1' in failing.result('Fail when a server is unhealthy', 'web1')['msg']
    table = failing.result('Show the table', 'web2')['msg']
    assert any(line.startswith('crash_web2') and 'exited' in line for line in table)


@pytest.fixture
def everything_http():
    """server-everything in Streamable HTTP mode on a free port; its process group is killed afterwards."""
    port = free_port()
    env = dict(os.environ, PORT=str(port), MCPOPS_TEST_MARKER=MARKER)
    proc = subprocess.Popen([real_server('mcp-server-everything'), 'streamableHttp'], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(('127.0.0.1', port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail('server-everything streamableHttp did not start on port %d' % port)
                time.sleep(0.1)
        yield 'http://127.0.0.1:%d/mcp' % port
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture
def http_stub_server():
    port = free_port()
    proc = subprocess.Popen([sys.executable, HTTP_STUB, '--mode=auth', '--port=%d' % port, '--marker=' + MARKER],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        url = proc.stdout.readline().decode().strip()
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_remote_servers_over_streamable_http(config_root, run_playbook, everything_http, http_stub_server):
    config_root.write({'mcpServers': {'remote': {'type': 'http', 'url': everything_http}}})
    run = run_playbook(health_task(
        config_path=config_root.config_path, names=['remote'], fail_on_unhealthy=False, timeout=10,
        specs=[{'name': 'authed', 'url': http_stub_server, 'headers': {'Authorization': 'Bearer letmein'}},
               {'name': 'denied', 'url': http_stub_server, 'headers': {'Authorization': 'Bearer ' + HEADER_SECRET}},
               {'name': 'nothing', 'url': 'http://127.0.0.1:%d/mcp' % free_port(), 'timeout': 2}]))
    servers = dict((s['name'], s) for s in run.result('health')['servers'])
    assert (servers['remote']['status'], servers['remote']['transport']) == ('healthy', 'http'), servers['remote']
    assert 'echo' in servers['remote']['tools']
    assert servers['remote']['server_info']['name'] == 'mcp-servers/everything'
    assert servers['authed']['reason'] == 'ok' and servers['authed']['tools'] == ['remote_echo']
    assert servers['denied']['reason'] == 'auth_required' and '401' in servers['denied']['message']
    assert servers['nothing']['reason'] == 'not_found'
    assert HEADER_SECRET not in run.all_text
