# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the fleet report (documented in the .yml files beside this one); the logic is in module_utils/_report.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.mcpops.mcp.plugins.module_utils._report import build_report, choose_health, render_html, render_json


def _host_var(hostvars, host, name):
    if not name:
        return None
    try:
        return hostvars[host].get(name)
    except KeyError:
        return None


def fleet_report(hostvars, hosts, health_var='mcp_report_health', deploy_var='deploy_result', generated_at=None, title=None):
    """hostvars + the hosts to report on -> the report (a dict, schema in docs/report.md)."""
    if isinstance(hosts, str) or not hasattr(hosts, '__iter__'):
        raise AnsibleFilterError('fleet_report: hosts must be a list of inventory host names, got %r' % (hosts,))
    names = [health_var] if isinstance(health_var, str) else list(health_var or [])
    items = []
    for host in hosts:
        host = str(host)
        health, source = choose_health([(name, _host_var(hostvars, host, name)) for name in names])
        items.append({
            'host': host,
            'health': health,
            'deploy_result': _host_var(hostvars, host, deploy_var),
            'source': source,
        })
    return build_report(items, generated_at=generated_at or None, title=title or None)


def fleet_report_html(report):
    """A report from fleet_report -> one self-contained static HTML page."""
    if not isinstance(report, dict) or 'rows' not in report:
        raise AnsibleFilterError('fleet_report_html: expects the result of mcpops.mcp.fleet_report')
    return render_html(report)


def fleet_report_json(report):
    """A report from fleet_report -> its JSON text (2-space indent, keys in schema order)."""
    if not isinstance(report, dict) or 'rows' not in report:
        raise AnsibleFilterError('fleet_report_json: expects the result of mcpops.mcp.fleet_report')
    return render_json(report)


class FilterModule(object):
    def filters(self):
        return {
            'fleet_report': fleet_report,
            'fleet_report_html': fleet_report_html,
            'fleet_report_json': fleet_report_json,
        }
