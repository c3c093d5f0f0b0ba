# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report engine: host results -> rows (failures first), counts, JSON and the static HTML page."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from collections.abc import Mapping

import pytest

from ansible_collections.mcpops.mcp.plugins.module_utils import _report as rep

GENERATED = '2026-12-04T12:00:00Z'


def server(name, status='healthy', reason='ok', **extra):
    entry = {'name': name, 'status': status, 'reason': reason, 'message': 'handshake complete.', 'transport': 'stdio',
             'latency_ms': 120, 'tool_count': 3, 'tools': ['a', 'b', 'c'], 'exit_code': None, 'stderr_tail': None}
    if status != 'healthy':
        entry.update(latency_ms=None, tool_count=None, tools=[], message='it broke.')
    entry.update(extra)
    return entry


def health(*servers, **extra):
    result = {'changed': False, 'servers': list(servers), 'healthy': all(s['status'] == 'healthy' for s in servers),
              'config_path': '/home/u/.config/Claude/claude_desktop_config.json'}
    result.update(extra)
    return result


UNREACHABLE = {'unreachable': True, 'changed': False,
               'msg': 'Task failed: Failed to connect to the host via ssh: ssh: connect to host 10.0.0.9 port 22: No route to host'}
NO_CONFIG = {'failed': True, 'changed': False, 'msg': 'No MCP config at /home/u/x.json; pass config_path.'}
SKIPPED = {'skipped': True, 'changed': False, 'false_condition': 'verify_deployed | length > 0'}


# ------------------------------------------------------------------------------------ one host


@pytest.mark.parametrize('result, status, reason, message', [
    (None, 'not_checked', 'no_result', 'No health result for this host in this run'),
    (UNREACHABLE, 'unreachable', 'unreachable', 'Failed to connect to the host via ssh'),
    (NO_CONFIG, 'error', 'check_failed', 'No MCP config at /home/u/x.json'),
    (SKIPPED, 'not_checked', 'skipped', 'The health check was skipped on this host (verify_deployed | length > 0).'),
    (health(), 'not_checked', 'no_servers', 'No MCP servers in the config (/home/u/.config/Claude'),
    ({'failed': True}, 'error', 'check_failed', 'The health check failed without a message.'),
])
def test_a_host_without_server_results_is_one_row_that_says_why(result, status, reason, message):
    entry, rows = rep.host_rows('h1', result)
    assert [(r['host'], r['server'], r['status'], r['reason']) for r in rows] == [('h1', None, status, reason)]
    assert rows[0]['message'].startswith(message)
    assert entry['status'] == status and entry['message'] == rows[0]['message']
    assert rows[0]['attention'] is True
    assert rows[0]['deploy_status'] == 'unknown' and rows[0]['deploy_changed'] is None


def test_ansible_core_task_failed_prefix_is_dropped():
    dummy, rows = rep.host_rows('h1', UNREACHABLE)
    assert not rows[0]['message'].startswith('Task failed')


def test_every_server_is_a_row_with_status_reason_latency_tools():
    result = health(server('time'), server('crash', 'unhealthy', 'exited', exit_code=1, stderr_tail='boom\n'),
                    server('gone', 'unhealthy', 'not_found'))
    entry, rows = rep.host_rows('web1', result, source='report')
    by_name = dict((r['server'], r) for r in rows)
    assert by_name['time']['status'] == 'healthy' and by_name['time']['latency_ms'] == 120
    assert by_name['time']['tool_count'] == 3 and by_name['time']['tools'] == ['a', 'b', 'c']
    assert by_name['time']['attention'] is False
    assert (by_name['crash']['status'], by_name['crash']['reason'], by_name['crash']['exit_code']) == ('unhealthy', 'exited', 1)
    assert by_name['crash']['stderr_tail'] == 'boom'
    assert by_name['gone']['tool_count'] is None and by_name['gone']['latency_ms'] is None
    assert entry == {'host': 'web1', 'status': 'unhealthy', 'source': 'report', 'config_path': result['config_path'],
                     'message': None, 'server_count': 3, 'healthy_count': 1, 'deploy': entry['deploy']}


def test_a_health_task_that_failed_on_unhealthy_servers_still_reports_them():
    result = health(server('crash', 'unhealthy', 'exited'), failed=True, msg='1 unhealthy MCP server: crash')
    dummy, rows = rep.host_rows('h', result)
    assert [(r['server'], r['status']) for r in rows] == [('crash', 'unhealthy')]


def test_stderr_keeps_its_last_lines_only():
    tail = '\n'.join('line %d' % i for i in range(30))
    dummy, rows = rep.host_rows('h', health(server('x', 'unhealthy', 'exited', stderr_tail=tail)))
    assert rows[0]['stderr_tail'].splitlines() == ['line %d' % i for i in range(30 - rep.STDERR_REPORT_LINES, 30)]


# ------------------------------------------------------------------------------------ deploy outcome


def test_deploy_outcome_absent_is_unknown():
    assert rep.deploy_outcome(None) == {'status': 'unknown', 'changes': [], 'message': None, 'backup_file': None}
    assert rep.deploy_outcome({'changes': []})['status'] == 'unknown'


def test_deploy_outcome_from_the_deploy_roles_fact():
    deployed = rep.deploy_outcome({'status': 'deployed', 'changes': ['time', 'fs'], 'backup_file': '/b/x.json', 'message': ''})
    assert deployed == {'status': 'deployed', 'changes': ['fs', 'time'], 'message': None, 'backup_file': '/b/x.json'}
    rolled = rep.deploy_outcome({'status': 'rolled_back', 'changes': ['gh'], 'backup_file': '', 'failed_task': 'Wait',
                                 'message': 'gh not healthy after the health wait',
                                 'unhealthy': ['gh: exited - died; stderr: GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789']})
    assert rolled['status'] == 'rolled_back' and rolled['backup_file'] is None
    assert rolled['message'].startswith('gh not healthy after the health wait; gh: exited - died')
    assert 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' not in rolled['message']


def test_rows_carry_the_deploy_status_and_whether_the_server_changed():
    dummy, rows = rep.host_rows('h', health(server('time'), server('fs')), {'status': 'deployed', 'changes': ['time']})
    assert dict((r['server'], (r['deploy_status'], r['deploy_changed'])) for r in rows) == {
        'time': ('deployed', True), 'fs': ('deployed', False)}


def test_a_failed_deploy_puts_healthy_rows_among_the_failures():
    dummy, rows = rep.host_rows('h', health(server('time')), {'status': 'rolled_back', 'changes': ['time'], 'message': 'x'})
    assert rows[0]['status'] == 'healthy' and rows[0]['attention'] is True


# ------------------------------------------------------------------------------------ choosing the health result


def test_choose_health_takes_the_first_result_that_ran():
    ran = health(server('a'))
    assert rep.choose_health([('mcp_report_health', None), ('verify_health', SKIPPED), ('mcp_health_result', ran)]) == (ran, 'health')
    assert rep.choose_health([('mcp_report_health', UNREACHABLE), ('verify_health', ran)]) == (UNREACHABLE, 'report')
    assert rep.choose_health([('verify_health', SKIPPED), ('other', None)]) == (SKIPPED, 'verify')
    assert rep.choose_health([('my_health', ran)]) == (ran, 'my_health')
    assert rep.choose_health([('a', None), ('b', 'not a result')]) == (None, None)


# ------------------------------------------------------------------------------------ the whole report


def fleet():
    return [
        {'host': 'fleet10', 'health': health(server('time'), server('fs')), 'source': 'report'},
        {'host': 'fleet2', 'health': health(server('time'), server('zz', 'unhealthy', 'timeout')), 'source': 'report'},
        {'host': 'fleet1', 'health': UNREACHABLE, 'source': 'report'},
        {'host': 'fleet3', 'health': NO_CONFIG, 'source': 'report',
         'deploy_result': {'status': 'unchanged', 'changes': []}},
        {'host': 'fleet4', 'health': health(server('time')), 'source': 'verify',
         'deploy_result': {'status': 'rolled_back', 'changes': ['time'], 'message': 'time broke'}},
        {'host': 'fleet5', 'health': None},
    ]


def test_rows_come_failures_first_by_severity_then_natural_host_order():
    report = rep.build_report(fleet(), generated_at=GENERATED)
    assert [(r['host'], r['server'], r['status']) for r in report['rows']] == [
        ('fleet1', None, 'unreachable'),
        ('fleet3', None, 'error'),
        ('fleet2', 'zz', 'unhealthy'),
        ('fleet5', None, 'not_checked'),
        ('fleet4', 'time', 'healthy'),      # healthy, but its host's deploy was rolled back
        ('fleet2', 'time', 'healthy'),
        ('fleet10', 'fs', 'healthy'),
        ('fleet10', 'time', 'healthy'),
    ]
    assert [e['host'] for e in report['hosts']] == ['fleet1', 'fleet3', 'fleet2', 'fleet5', 'fleet4', 'fleet10']


def test_counts_totals_and_keys_are_stable():
    report = rep.build_report(fleet(), generated_at=GENERATED, title='Ops <fleet>')
    assert list(report) == ['schema_version', 'title', 'generated_at', 'totals', 'counts', 'host_counts',
                            'deploy_counts', 'hosts', 'rows']
    assert report['schema_version'] == 1 and report['generated_at'] == GENERATED and report['title'] == 'Ops <fleet>'
    assert list(report['counts']) == list(rep.STATUSES)
    assert report['counts'] == {'unreachable': 1, 'error': 1, 'unhealthy': 1, 'not_checked': 1, 'healthy': 4}
    assert report['host_counts'] == {'unreachable': 1, 'error': 1, 'unhealthy': 1, 'not_checked': 1, 'healthy': 2}
    assert report['totals'] == {'hosts': 6, 'servers': 5, 'rows': 8, 'attention': 5}
    assert report['deploy_counts'] == {'rolled_back': 1, 'unchanged': 1, 'unknown': 4}
    row_keys = ['host', 'server', 'status', 'reason', 'message', 'latency_ms', 'tool_count', 'tools', 'exit_code',
                'stderr_tail', 'transport', 'deploy_status', 'deploy_changed', 'attention']
    assert all(sorted(r) == sorted(row_keys) for r in report['rows'])


def test_an_empty_fleet_is_a_valid_report():
    report = rep.build_report([], generated_at=GENERATED)
    assert report['totals'] == {'hosts': 0, 'servers': 0, 'rows': 0, 'attention': 0}
    assert 'All 0 servers on 0 hosts healthy' in rep.render_html(report)


def test_generated_at_defaults_to_now_in_utc():
    assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$', rep.build_report([])['generated_at'])


def test_json_round_trips_with_the_schema_order():
    report = rep.build_report(fleet(), generated_at=GENERATED)
    text = rep.render_json(report)
    assert text.endswith('}\n') and text.startswith('{\n  "schema_version": 1,\n  "title"')
    assert json.loads(text) == report


class LazyMapping(Mapping):
    """Stands in for the lazy containers hostvars hand to filters in ansible-core 2.19."""

    def __init__(self, data):
        self._data = data

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)


class TaggedStr(str):
    pass


def test_lazy_containers_and_str_subclasses_become_plain_data():
    result = LazyMapping({'servers': (LazyMapping(dict(server('t'), name=TaggedStr('t'))),), 'config_path': TaggedStr('/c')})
    report = rep.build_report([{'host': TaggedStr('h'), 'health': result}], generated_at=GENERATED)
    assert not isinstance(report['rows'][0]['server'], TaggedStr) and not isinstance(report['rows'][0]['host'], TaggedStr)
    assert json.loads(rep.render_json(report)) == report


# ------------------------------------------------------------------------------------ redaction


SECRETS = ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'hunter2hunter2', 's3cr3t-pa55']


def test_free_text_is_masked_everywhere_in_json_and_html():
    hosts = [
        {'host': 'a', 'health': {'unreachable': True, 'msg': 'ssh: connect to https://bob:hunter2hunter2@example.com failed'}},
        {'host': 'b', 'health': {'failed': True, 'msg': 'Cannot read: API_TOKEN=s3cr3t-pa55'}},
        {'host': 'c', 'health': health(server('gh', 'unhealthy', 'exited', message='bad token ghp_abcdefghijklmnopqrstuvwxyz0123456789',
                                              stderr_tail='Error: GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789'))},
    ]
    report = rep.build_report(hosts, generated_at=GENERATED)
    for text in (rep.render_json(report), rep.render_html(report)):
        for secret in SECRETS:
            assert secret not in text
        assert '********' in text


# ------------------------------------------------------------------------------------ HTML


def visible_text(page):
    page = re.sub(r'(?s)<style>.*?</style>', '', page)
    page = re.sub(r'(?s)<head>.*?</head>', '', page)
    return re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', ' ', page))


def test_page_is_static_and_self_contained():
    page = rep.render_html(rep.build_report(fleet(), generated_at=GENERATED))
    assert page.startswith('<!DOCTYPE html>')
    lowered = page.lower()
    for forbidden in ('<script', '<link', '<img', '<iframe', 'src=', 'url(', '@import', 'http://', 'https://'):
        assert forbidden not in lowered


def test_page_shows_counts_then_failures_first():
    page = rep.render_html(rep.build_report(fleet(), generated_at=GENERATED))
    text = visible_text(page)
    assert 'Generated 2026-12-04 12:00:00 UTC' in text
    assert re.search(r'1 unreachable 1 check failed 1 unhealthy 1 not checked 4 healthy', text)
    hosts_in_order = re.findall(r'\bfleet\d+\b', text)
    assert hosts_in_order[:4] == ['fleet1', 'fleet3', 'fleet2', 'fleet5']
    assert '5 need attention, on 5 of 6 hosts' in text
    assert 'rolled back' in text and 'time broke' in text


def test_page_for_a_healthy_fleet_says_so():
    page = rep.render_html(rep.build_report([fleet()[0]], generated_at=GENERATED))
    assert 'All 2 servers on 1 host healthy' in visible_text(page)
    assert 'Needs attention' not in page


def test_every_value_is_html_escaped():
    evil = '<script>alert("x")</script>'
    evil_server = server(evil, 'unhealthy', 'exited', message=evil, stderr_tail=evil, tools=[evil])
    hosts = [{'host': 'h<b>&"', 'health': health(evil_server, config_path=evil),
              'deploy_result': {'status': evil, 'changes': [evil], 'message': evil}}]
    page = rep.render_html(rep.build_report(hosts, generated_at=evil, title=evil))
    assert '<script' not in page and '<b>' not in page
    assert '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;' in page
    assert 'h&lt;b&gt;&amp;&quot;' in page


@pytest.mark.parametrize('latency, text', [(None, ''), (0, '0 ms'), (999, '999 ms'), (1000, '1.0 s'), (2345, '2.3 s'),
                                           (15000, '15 s')])
def test_latency_is_readable(latency, text):
    assert rep.format_latency(latency) == text
