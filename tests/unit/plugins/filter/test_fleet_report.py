# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report filters: wiring from hostvars to module_utils/_report.py (the logic is tested in test__report.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mcpops.mcp.plugins.filter.fleet_report import FilterModule

FILTERS = FilterModule().filters()

TIME = {'name': 'time', 'status': 'healthy', 'reason': 'ok', 'latency_ms': 5, 'tool_count': 2, 'tools': ['a', 'b']}
HOSTVARS = {
    'web1': {'mcp_report_health': {'config_path': '/c', 'servers': [TIME]},
             'deploy_result': {'status': 'deployed', 'changes': ['time']}},
    'web2': {'verify_health': {'skipped': True},
             'mcp_health_result': {'unreachable': True, 'msg': 'Failed to connect'}},
    'web3': {},
}


def test_reads_each_hosts_first_result_and_deploy_outcome():
    report = FILTERS['fleet_report'](HOSTVARS, ['web1', 'web2', 'web3'],
                                     health_var=['mcp_report_health', 'verify_health', 'mcp_health_result'],
                                     generated_at='2026-12-04T12:00:00Z')
    hosts = dict((e['host'], e) for e in report['hosts'])
    assert (hosts['web1']['status'], hosts['web1']['source'], hosts['web1']['deploy']['status']) == ('healthy', 'report', 'deployed')
    assert (hosts['web2']['status'], hosts['web2']['source']) == ('unreachable', 'health')
    assert (hosts['web3']['status'], hosts['web3']['source'], hosts['web3']['deploy']['status']) == ('not_checked', None, 'unknown')
    assert [r['host'] for r in report['rows']] == ['web2', 'web3', 'web1']
    assert json.loads(FILTERS['fleet_report_json'](report)) == report
    assert FILTERS['fleet_report_html'](report).startswith('<!DOCTYPE html>')


def test_a_single_variable_name_works_too():
    report = FILTERS['fleet_report'](HOSTVARS, ['web1'], health_var='mcp_report_health')
    assert report['rows'][0]['server'] == 'time'


@pytest.mark.parametrize('call', [
    lambda: FILTERS['fleet_report'](HOSTVARS, 'web1'),
    lambda: FILTERS['fleet_report_html']({'not': 'a report'}),
    lambda: FILTERS['fleet_report_json']([]),
])
def test_wrong_input_is_a_clear_filter_error(call):
    with pytest.raises(AnsibleFilterError):
        call()
