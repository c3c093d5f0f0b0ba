# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the monitor role (documented in the .yml files beside this one); the logic is in module_utils/_alerts.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.mcpops.mcp.plugins.module_utils._alerts import AlertError, build_requests, commit_alerts, plan_alerts


def _host_var(hostvars, host, name):
    try:
        return hostvars[host].get(name)
    except KeyError:
        return None


def alert_plan(hostvars, hosts, health_var='monitor_health', state_var='monitor_state', state_path_var='monitor_state_file',
               threshold=2, storm_hosts=5, now=None):
    """hostvars + the hosts of this run -> the alert plan (actions and next states), see plan_alerts."""
    if isinstance(hosts, str) or not hasattr(hosts, '__iter__'):
        raise AnsibleFilterError('alert_plan: hosts must be a list of inventory host names, got %r' % (hosts,))
    items = [{'host': str(host), 'health': _host_var(hostvars, host, health_var),
              'state': _host_var(hostvars, host, state_var), 'state_path': _host_var(hostvars, host, state_path_var)}
             for host in hosts]
    try:
        return plan_alerts(items, threshold=int(threshold), storm_hosts=int(storm_hosts), now=now or None)
    except (AlertError, ValueError, TypeError) as exc:
        raise AnsibleFilterError('alert_plan: %s' % exc)


def alert_requests(plan, slack_url='', routing_key='', pagerduty_url='', webhook_url=''):
    """The plan's actions -> one request per configured sender (holds URLs and keys: no_log)."""
    if not isinstance(plan, dict) or 'actions' not in plan:
        raise AnsibleFilterError('alert_requests: expects the result of mcpops.mcp.alert_plan')
    try:
        return build_requests(plan['actions'], slack_url or '', routing_key or '', pagerduty_url or '', webhook_url or '')
    except AlertError as exc:
        raise AnsibleFilterError('alert_requests: %s' % exc)


def alert_commit(plan, results):
    """The plan + the send task's registered results -> states to write and a report without URLs or keys."""
    if not isinstance(plan, dict) or 'states' not in plan:
        raise AnsibleFilterError('alert_commit: expects the result of mcpops.mcp.alert_plan')
    if isinstance(results, dict):
        results = results.get('results') or []
    return commit_alerts(plan, results)


class FilterModule(object):
    def filters(self):
        return {
            'alert_plan': alert_plan,
            'alert_requests': alert_requests,
            'alert_commit': alert_commit,
        }
