# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report (playbooks/report.yml, roles/report) over real hosts: local-connection hosts with their own
config roots, real MCP servers (mcp-server-time from the venv, server-filesystem from npm), a crashing stub, a
missing command, a host without a config and a host whose SSH port is closed (unreachable).

The JSON is compared with the mcp_health results the hosts really returned; the HTML is rendered in headless
Chromium (Debian `chromium`, installed by `make report-deps`): the failing hosts must come first in the page's
text, and the screenshot is kept under build/test-artifacts/report/ (or tests/output/ without MCPOPS_REPO).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import uuid

import pytest

from ansible_collections.mcpops.mcp.tests.servers.procs import processes_with

from _helpers import real_server

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(os.path.dirname(HERE))
STUB = os.path.join(COLLECTION, 'tests', 'servers', 'mcp_stub.py')
PLAYBOOKS = os.path.join(COLLECTION, 'playbooks')
MARKER = 'mcpops-it-report-%s' % uuid.uuid4().hex[:12]
SECRET = 'report-secret-token-8841'
HEALTH_TASK = 'Check every server for the report (initialize and tools/list)'
HEALTH_PLAYBOOK_TASK = 'Start each server and run initialize and tools/list'
# Host names unlike any status word; failures first is the reverse of their alphabetical order.
HEALTHY, BROKEN, EMPTY, GONE = 'alpha', 'bravo', 'charlie', 'delta'
FAILING = (GONE, EMPTY, BROKEN)


def stub(mode, **env):
    return {'command': sys.executable, 'args': [STUB, '--mode=' + mode, '--marker=' + MARKER],
            'env': dict(env, MCPOPS_TEST_MARKER=MARKER)}


def closed_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def artifacts_dir():
    base = os.environ.get('MCPOPS_REPO')
    path = os.path.join(base, 'build', 'test-artifacts', 'report') if base else os.path.join(COLLECTION, 'tests', 'output', 'report')
    if not os.path.isdir(path):
        os.makedirs(path)
    return path


@pytest.fixture(autouse=True)
def no_process_left_behind():
    yield
    assert processes_with(MARKER) == [], 'MCP server processes outlived ansible-playbook'


@pytest.fixture
def fleet(new_config_root, local_inventory, tmp_path):
    """4 hosts: broken (crashing stub with a secret, missing command, healthy time), healthy (time + filesystem
    from npm), empty (no config at all), gone (SSH to a closed port). Returns (inventory path, host configs)."""
    allowed = tmp_path / 'fs-root'
    allowed.mkdir()
    broken, healthy, empty = new_config_root(BROKEN), new_config_root(HEALTHY), new_config_root(EMPTY)
    broken.write({'mcpServers': {
        'crash': stub('crash', STUB_API_TOKEN=SECRET),
        'missing': {'command': 'mcpops-no-such-server-%s' % MARKER},
        'time': {'command': real_server('mcp-server-time'), 'env': {'MCPOPS_TEST_MARKER': MARKER}},
    }})
    healthy.write({'globalShortcut': 'Alt+Space', 'mcpServers': {
        'time': {'command': real_server('mcp-server-time'), 'env': {'MCPOPS_TEST_MARKER': MARKER}},
        'filesystem': {'command': real_server('mcp-server-filesystem'), 'args': [str(allowed)],
                       'env': {'MCPOPS_TEST_MARKER': MARKER}},
    }})
    inventory = local_inventory({
        HEALTHY: {'mcp_config_path': healthy.config_path},
        BROKEN: {'mcp_config_path': broken.config_path},
        EMPTY: {'mcp_config_path': empty.config_path},
        GONE: {'ansible_connection': 'ssh', 'ansible_host': '127.0.0.1', 'ansible_port': closed_port(),
               'ansible_ssh_common_args': '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5',
               'ansible_python_interpreter': '/usr/bin/python3'},
    })
    return inventory, {HEALTHY: healthy, BROKEN: broken, EMPTY: empty}


def read_report(report_dir):
    with open(os.path.join(report_dir, 'fleet-report.json'), encoding='utf-8') as handle:
        text = handle.read()
    with open(os.path.join(report_dir, 'fleet-report.html'), encoding='utf-8') as handle:
        page = handle.read()
    return text, json.loads(text), page


def rows_of(report, host):
    return [r for r in report['rows'] if r['host'] == host]


def test_report_matches_the_hosts_real_health_results(fleet, run_playbook, tmp_path):
    inventory, configs = fleet
    report_dir = str(tmp_path / 'reports' / 'today')
    started = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    run = run_playbook(os.path.join(PLAYBOOKS, 'report.yml'), inventory=inventory,
                       extravars={'mcp_report_dir': report_dir, 'mcp_health_timeout': 20})
    text, report, page = read_report(report_dir)

    # The file is the filter's own rendering (no templating round trip reformatted it).
    assert text == json.dumps(report, indent=2, ensure_ascii=False) + '\n'
    assert text.startswith('{\n  "schema_version": 1,')

    # The report never fails a host for what it finds; the unreachable host is a row, not a stop.
    assert run.stats[GONE]['failures'] == 0 and run.stats[GONE]['unreachable'] == 0
    assert sorted(e['host'] for e in report['hosts']) == [HEALTHY, BROKEN, EMPTY, GONE]

    # Each reachable host's rows are exactly what its mcp_health task returned.
    for host in (HEALTHY, BROKEN):
        real = run.result(HEALTH_TASK, host)
        assert real['config_path'] == configs[host].config_path
        expected = sorted((s['name'], s['status'], s['reason'], s['latency_ms'], s['tool_count'], s['tools'], s['exit_code'])
                          for s in real['servers'])
        got = sorted((r['server'], r['status'], r['reason'], r['latency_ms'], r['tool_count'], r['tools'], r['exit_code'])
                     for r in rows_of(report, host))
        assert got == expected
    # ... and those results are what the fixtures make them.
    summary = dict(((r['host'], r['server']), (r['status'], r['reason'])) for r in report['rows'])
    assert summary == {
        (GONE, None): ('unreachable', 'unreachable'),
        (EMPTY, None): ('error', 'check_failed'),
        (BROKEN, 'crash'): ('unhealthy', 'exited'),
        (BROKEN, 'missing'): ('unhealthy', 'not_found'),
        (BROKEN, 'time'): ('healthy', 'ok'),
        (HEALTHY, 'time'): ('healthy', 'ok'),
        (HEALTHY, 'filesystem'): ('healthy', 'ok'),
    }
    healthy_time = [r for r in rows_of(report, HEALTHY) if r['server'] == 'time'][0]
    assert healthy_time['tool_count'] == 2 and sorted(healthy_time['tools']) == ['convert_time', 'get_current_time']
    assert healthy_time['latency_ms'] > 0
    assert run.result(HEALTH_TASK, GONE)['unreachable'] is True
    assert 'No MCP config at %s' % configs[EMPTY].config_path in rows_of(report, EMPTY)[0]['message']
    assert 'Connection refused' in rows_of(report, GONE)[0]['message']

    # Failures first, counts per status, deploy outcome unknown without a deploy in this run.
    assert [r['host'] for r in report['rows']][:4] == [GONE, EMPTY, BROKEN, BROKEN]
    assert report['counts'] == {'unreachable': 1, 'error': 1, 'unhealthy': 2, 'not_checked': 0, 'healthy': 3}
    assert report['totals'] == {'hosts': 4, 'servers': 5, 'rows': 7, 'attention': 4}
    assert set(r['deploy_status'] for r in report['rows']) == {'unknown'}
    assert set(e['source'] for e in report['hosts']) == {'report'}
    generated = datetime.datetime.strptime(report['generated_at'], '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc)
    assert started <= generated <= datetime.datetime.now(datetime.timezone.utc)

    # The crashing server printed a secret to stderr: masked in both files and in all output.
    crash = [r for r in rows_of(report, BROKEN) if r['server'] == 'crash'][0]
    assert crash['exit_code'] == 1 and crash['stderr_tail']
    for where in (text, page, run.all_text):
        assert SECRET not in where
    for name in ('fleet-report.json', 'fleet-report.html'):
        assert stat.S_IMODE(os.stat(os.path.join(report_dir, name)).st_mode) == 0o644

    for name in ('fleet-report.json', 'fleet-report.html'):
        shutil.copy(os.path.join(report_dir, name), os.path.join(artifacts_dir(), name))
    browser_checks(os.path.join(report_dir, 'fleet-report.html'), tmp_path)


def browser_checks(html_path, tmp_path):
    """Headless Chromium: the failing hosts lead the page's text; the screenshot is kept as an artefact."""
    chromium = shutil.which('chromium') or shutil.which('chromium-browser')
    if not chromium:
        pytest.skip('chromium is not installed (run `make report-deps`): the HTML report was not rendered in a browser')
    profile = str(tmp_path / 'chromium-profile')
    base = [chromium, '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run',
            '--user-data-dir=' + profile, '--window-size=1360,1100']
    url = 'file://' + html_path
    dom = subprocess.run(base + ['--dump-dom', url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                         universal_newlines=True, check=False)
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.sub(r'(?s)<(style|head)\b.*?</\1>', ' ', dom.stdout)
    text = re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', ' ', body))
    first_seen = dict((host, re.search(r'\b%s\b' % host, text).start()) for host in FAILING + (HEALTHY,))
    assert min(first_seen, key=first_seen.get) == GONE, text[:600]
    assert all(first_seen[host] < first_seen[HEALTHY] for host in FAILING), text[:600]
    assert re.search(r'1 unreachable 1 check failed 2 unhealthy 0 not checked 3 healthy', text), text[:600]
    assert '<script' not in dom.stdout.lower()

    screenshot = os.path.join(artifacts_dir(), 'fleet-report.png')
    if os.path.exists(screenshot):
        os.remove(screenshot)
    shot = subprocess.run(base + ['--screenshot=' + screenshot, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=120, universal_newlines=True, check=False)
    assert shot.returncode == 0, shot.stderr[-2000:]
    with open(screenshot, 'rb') as handle:
        png = handle.read()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 20000, 'screenshot %s looks empty' % screenshot


def test_health_playbook_writes_the_report_and_a_later_report_play_reuses_its_results(fleet, run_playbook, tmp_path):
    """health.yml with mcp_report_dir writes the report itself; report.yml in the same run checks nothing again."""
    inventory, dummy = fleet
    first_dir, second_dir = str(tmp_path / 'from-health'), str(tmp_path / 'from-report')
    playbook = [
        {'import_playbook': os.path.join(PLAYBOOKS, 'health.yml'), 'vars': {'mcp_report_dir': first_dir}},
        {'import_playbook': os.path.join(PLAYBOOKS, 'report.yml'), 'vars': {'mcp_report_dir': second_dir}},
    ]
    inventory_with_paths = json.load(open(inventory))
    for host, hostvars in inventory_with_paths['all']['hosts'].items():
        if 'mcp_config_path' in hostvars:
            hostvars['mcp_health_config_path'] = hostvars['mcp_config_path']
    with open(inventory, 'w') as handle:
        json.dump(inventory_with_paths, handle)
    run = run_playbook(playbook, inventory=inventory, expect_rc=None,
                       extravars={'mcp_health_fail': False, 'mcp_health_timeout': 20})
    # health.yml fails the host without a config and loses the unreachable one; the report still has both.
    assert run.rc != 0
    dummy, from_health, dummy = read_report(first_dir)
    dummy, from_report, dummy = read_report(second_dir)
    for report in (from_health, from_report):
        statuses = dict((e['host'], (e['status'], e['source'])) for e in report['hosts'])
        assert statuses == {GONE: ('unreachable', 'health'), EMPTY: ('error', 'health'),
                            BROKEN: ('unhealthy', 'health'), HEALTHY: ('healthy', 'health')}
    # The report play found the health playbook's results and started no server again.
    assert sorted((e['host'], e['status']) for e in run.tasks(HEALTH_TASK)) == sorted([(BROKEN, 'skipped'), (HEALTHY, 'skipped')])
    for host in (BROKEN, HEALTHY):
        real = run.result(HEALTH_PLAYBOOK_TASK, host)
        assert sorted((s['name'], s['status'], s['latency_ms']) for s in real['servers']) == sorted(
            (r['server'], r['status'], r['latency_ms']) for r in rows_of(from_report, host))


def test_verify_role_writes_the_report_also_when_a_check_failed(fleet, run_playbook, tmp_path):
    """The verify role's optional last step runs in an always: the host that failed verification is in the report."""
    inventory, dummy = fleet
    report_dir = str(tmp_path / 'from-verify')
    playbook = [{'hosts': '%s,%s' % (HEALTHY, BROKEN), 'gather_facts': False, 'roles': [{'role': 'mcpops.mcp.verify'}]}]
    run = run_playbook(playbook, inventory=inventory, expect_rc=None, extravars={
        'mcp_report_dir': report_dir, 'mcp_verify_require_backup': False, 'mcp_health_timeout': 20,
        'mcp_servers': [{'name': 'time'}, {'name': 'crash'}]})
    # bravo's declared crash server is unhealthy; alpha has no crash entry (missing), so only its time is checked.
    assert run.stats[BROKEN]['failures'] == 1 and run.rc != 0
    dummy, report, dummy = read_report(report_dir)
    assert dict((e['host'], (e['status'], e['source'])) for e in report['hosts']) == {
        BROKEN: ('unhealthy', 'verify'), HEALTHY: ('healthy', 'verify')}
    assert [(r['host'], r['server'], r['status']) for r in report['rows']] == [
        (BROKEN, 'crash', 'unhealthy'), (HEALTHY, 'time', 'healthy'), (BROKEN, 'time', 'healthy')]


def test_deploy_playbook_leaves_a_report_with_the_deploy_outcome(fleet, run_playbook, tmp_path):
    """mcp_report_dir passes the deploy preflight (a documented variable) and the report carries deploy_result."""
    inventory, configs = fleet
    report_dir = str(tmp_path / 'from-deploy')
    run = run_playbook(os.path.join(PLAYBOOKS, 'deploy.yml'), inventory=inventory, limit=HEALTHY, extravars={
        'mcp_report_dir': report_dir, 'mcp_health_timeout': 20, 'mcp_config_path': configs[HEALTHY].config_path,
        'mcp_servers': [{'name': 'clock', 'command': real_server('mcp-server-time'), 'env': {'MCPOPS_TEST_MARKER': MARKER}}]})
    assert run.rc == 0
    dummy, report, page = read_report(report_dir)
    assert [e['host'] for e in report['hosts']] == [HEALTHY]
    deploy = report['hosts'][0]['deploy']
    assert (deploy['status'], deploy['changes']) == ('deployed', ['clock'])
    assert deploy['backup_file'] and os.path.exists(deploy['backup_file'])
    assert [(r['server'], r['status'], r['deploy_status'], r['deploy_changed']) for r in report['rows']] == [
        ('clock', 'healthy', 'deployed', True)]
    assert report['hosts'][0]['source'] == 'verify' and report['deploy_counts'] == {'deployed': 1}
    assert 'deployed \u00b7 changed' in page
