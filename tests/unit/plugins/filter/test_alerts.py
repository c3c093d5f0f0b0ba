# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monitor filters: wiring from hostvars to module_utils/_alerts.py (the logic is tested in test__alerts.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mcpops.mcp.plugins.filter.alerts import FilterModule

FILTERS = FilterModule().filters()
FAILING = {'name': 'gh', 'status': 'unhealthy', 'reason': 'timeout', 'message': 'm', 'consecutive_failures': 2}
HOSTVARS = {
    'web1': {'monitor_health': {'servers': [FAILING]}, 'monitor_state': {'failed': True, 'msg': 'file not found'},
             'monitor_state_file': '/b/mcp-alert-state.json'},
    'web2': {'monitor_health': {'unreachable': True}},
}


def test_plan_reads_each_hosts_health_and_state():
    plan = FILTERS['alert_plan'](HOSTVARS, ['web1', 'web2', 'web3'], threshold='2', storm_hosts=5, now='2026-12-04T12:00:00Z')
    assert [(a['event'], a['host'], a['severity']) for a in plan['actions']] == [('trigger', 'web1', 'error')]
    assert plan['skipped_hosts'] == [{'host': 'web2', 'reason': 'unreachable'}, {'host': 'web3', 'reason': 'no health result'}]
    assert list(plan['states']) == ['web1']


def test_requests_and_commit_round_trip():
    plan = FILTERS['alert_plan'](HOSTVARS, ['web1'], now='2026-12-04T12:00:00Z')
    requests = FILTERS['alert_requests'](plan, webhook_url='https://w/x')
    assert [(r['sender'], r['url']) for r in requests] == [('webhook', 'https://w/x')]
    registered = {'results': [{'item': requests[0], 'status': 200}], 'changed': True}
    done = FILTERS['alert_commit'](plan, registered)
    assert list(done['states']['web1']['open']) == ['gh'] and done['failed'] == []


@pytest.mark.parametrize('name, args, kwargs', [
    ('alert_plan', ({}, 'web1'), {}),
    ('alert_plan', ({}, []), {'threshold': 0}),
    ('alert_requests', ({},), {}),
    ('alert_requests', (FILTERS['alert_plan'](HOSTVARS, ['web1']),), {'routing_key': 'RK'}),
    ('alert_commit', ([], []), {}),
])
def test_wrong_input_is_a_filter_error(name, args, kwargs):
    with pytest.raises(AnsibleFilterError):
        FILTERS[name](*args, **kwargs)
