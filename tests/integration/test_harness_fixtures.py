# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The integration fixtures themselves: real ansible-playbook runs with builtin modules only."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

PLAY = '''
- name: Harness check
  hosts: all
  gather_facts: false
  tasks:
    - name: Write a file
      ansible.builtin.copy:
        content: "{{ content | default('hello') }}\\n"
        dest: "{{ target }}"
        mode: "0600"
    - name: Report
      ansible.builtin.debug:
        msg: "wrote {{ target }}"
'''


def test_run_playbook_records_results_and_stats(run_playbook, tmp_path):
    target = str(tmp_path / 'out.txt')
    first = run_playbook(PLAY, extravars={'target': target})
    assert first.rc == 0
    assert first.result('Write a file')['changed'] is True
    assert first.tasks('Write a file')[0]['status'] == 'changed'
    assert first.tasks('Write a file')[0]['action'] in ('ansible.builtin.copy', 'copy')
    assert first.result('Report', host='localhost')['msg'] == 'wrote %s' % target
    assert first.stats['localhost']['changed'] == 1
    assert first.changed == 1 and first.failed == 0
    assert 'PLAY RECAP' in first.stdout

    again = run_playbook(PLAY, extravars={'target': target})
    assert again.changed == 0


def test_check_and_diff_do_not_write(run_playbook, tmp_path):
    target = tmp_path / 'out.txt'
    target.write_text('old\n')
    run = run_playbook(PLAY, extravars={'target': str(target), 'content': 'new'}, check=True, diff=True)
    assert run.result('Write a file')['changed'] is True
    assert target.read_text() == 'old\n'
    assert '+new' in run.stdout


def test_failure_expect_rc_and_no_log(run_playbook):
    run = run_playbook([{
        'name': 'Fails',
        'hosts': 'all',
        'gather_facts': False,
        'tasks': [
            {'name': 'Hidden', 'ansible.builtin.debug': {'msg': 's3cr3t-value'}, 'no_log': True},
            {'name': 'Boom', 'ansible.builtin.fail': {'msg': 'expected failure'}},
        ],
    }], expect_rc=2, verbosity=3)
    assert run.tasks('Boom')[0]['status'] == 'failed'
    assert run.result('Boom')['msg'] == 'expected failure'
    assert 's3cr3t-value' not in run.all_text
    assert run.failed == 1


def test_config_roots_and_multi_host_inventory(run_playbook, new_config_root, local_inventory):
    roots = dict((name, new_config_root(name)) for name in ('alpha', 'beta'))
    roots['alpha'].write({'mcpServers': {}, 'globalShortcut': 'Ctrl+Space'})
    assert roots['alpha'].read_json()['globalShortcut'] == 'Ctrl+Space'
    assert roots['alpha'].config_path.startswith(os.fspath(roots['alpha']))
    inventory = local_inventory(dict((name, {'mcp_home': root.home}) for name, root in roots.items()))
    run = run_playbook('''
- name: Per-host HOME
  hosts: all
  gather_facts: false
  tasks:
    - name: Stat config
      ansible.builtin.stat:
        path: "{{ mcp_home }}/.config/Claude/claude_desktop_config.json"
''', inventory=inventory)
    assert run.result('Stat config', host='alpha')['stat']['exists'] is True
    assert run.result('Stat config', host='beta')['stat']['exists'] is False
    assert sorted(run.stats) == ['alpha', 'beta']


def test_environment_from_make(run_playbook):
    run = run_playbook('''
- name: Environment
  hosts: all
  gather_facts: false
  tasks:
    - name: Collection path
      ansible.builtin.debug:
        msg: "{{ lookup('ansible.builtin.env', 'ANSIBLE_COLLECTIONS_PATH') }}"
''')
    collections = run.result('Collection path')['msg']
    assert os.path.isdir(os.path.join(collections, 'ansible_collections', 'mcpops', 'mcp'))
    assert json.loads(json.dumps(run.events))  # results stay plain JSON
