# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/logs.yml and mcp_logs through real ansible-playbook runs, one fake HOME per host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(REPO, 'tests', 'fixtures', 'logs')
PLAYBOOK = os.path.join(REPO, 'playbooks', 'logs.yml')
LINUX_LOG_DIR = os.path.join('.config', 'Claude', 'logs')


def _host_with_logs(new_config_root, name, fixture):
    root = new_config_root(name)
    log_dir = os.path.join(root.home, LINUX_LOG_DIR)
    if fixture:
        shutil.copytree(os.path.join(FIXTURES, fixture), log_dir)
    return log_dir


def test_fleet_export_and_grouped_errors(run_playbook, new_config_root, local_inventory, tmp_path):
    hosts = {
        'desk1': {'mcp_logs_log_dir': _host_with_logs(new_config_root, 'desk1', 'desktop')},
        'desk2': {'mcp_logs_log_dir': _host_with_logs(new_config_root, 'desk2', 'legacy')},
        'headless': {'mcp_logs_log_dir': _host_with_logs(new_config_root, 'headless', None)},
    }
    export = str(tmp_path / 'export')
    run = run_playbook(PLAYBOOK, inventory=local_inventory(hosts),
                       extravars={'mcp_logs_export_dir': export, 'mcp_logs_level': 'debug'})
    assert run.stats['headless']['failures'] == 0
    assert run.result('Read the logs', 'headless')['exists'] is False
    desk1 = run.result('Read the logs', 'desk1')
    assert desk1['changed'] is False and desk1['matched'] == 36
    # One JSON file per host on the controller, holding that host's entries.
    assert sorted(os.listdir(export)) == ['desk1.json', 'desk2.json', 'headless.json']
    with open(os.path.join(export, 'desk1.json')) as handle:
        exported = json.load(handle)
    assert len(exported) == 36 and exported[1]['server'] == 'github'
    with open(os.path.join(export, 'headless.json')) as handle:
        assert json.load(handle) == []
    # Errors grouped across hosts: the 'Server disconnected' line is 3x on desk1 and 1x on desk2.
    lines = run.result('Errors grouped across the fleet')['msg']
    assert lines[0].startswith('4 | Server disconnected.') and lines[0].endswith('| desk1,desk2')
    assert 'ghp_SECRETVALUE123456' not in run.all_text
    assert 'hunter2' not in run.all_text
    # A second run changes nothing (same logs, same export).
    again = run_playbook(PLAYBOOK, inventory=local_inventory(hosts),
                         extravars={'mcp_logs_export_dir': export, 'mcp_logs_level': 'debug'})
    assert again.changed == 0


def test_module_in_check_mode_with_filters(run_playbook, config_root):
    shutil.copytree(os.path.join(FIXTURES, 'desktop'), os.path.join(config_root.home, LINUX_LOG_DIR))
    playbook = [{
        'hosts': 'all', 'gather_facts': False,
        'tasks': [
            {'name': 'slow', 'mcpops.mcp.mcp_logs': {'names': ['github']}, 'register': 'logs'},
            {'name': 'errors', 'mcpops.mcp.mcp_logs': {'level': 'error', 'since': '2026-01-03T11:40:30Z'}},
            {'name': 'show slow', 'ansible.builtin.debug': {
                'msg': "{{ logs.entries | selectattr('duration', 'number') | selectattr('duration', 'gt', 5000)"
                       " | map(attribute='method') | list }}"}},
        ],
    }]
    run = run_playbook(playbook, check=True, env=config_root.env)
    assert run.changed == 0
    assert run.result('show slow')['msg'] == ['tools/list']
    errors = run.result('errors')
    assert [e['server'] for e in errors['entries']] == ['weather', 'filesystem', 'filesystem']
