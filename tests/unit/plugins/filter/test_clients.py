# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles' mcp_clients filters: problems with the list, the outcome of a failed multi-client deploy, log dirs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mcpops.mcp.plugins.filter.clients import FilterModule
from ansible_collections.mcpops.mcp.plugins.module_utils._clients import CLIENT_NAMES, CLIENTS

FILTERS = FilterModule().filters()
PROBLEMS = FILTERS['clients_problems']
OUTCOME = FILTERS['clients_outcome']
LOGS_KNOWN = FILTERS['client_logs_known']


@pytest.mark.parametrize('clients, single, expected', [
    (['claude_desktop'], {'mcp_config_path': '/x/c.json'}, []),
    (['cursor', 'vscode'], {'mcp_config_path': ''}, []),
    (['cursor', 'vscode'], {}, []),
    (['cursor', 'vscode'], {'mcp_config_path': '/x/c.json'}, [
        "mcp_config_path is set while mcp_clients names 2 clients (cursor, vscode): one file cannot be several "
        "clients' configs; leave mcp_config_path empty so each client uses its own, or run once per client."]),
    (['cursor', 'cursor'], {'mcp_config_path': '/x/c.json'}, [
        'mcp_clients names cursor more than once; give each client once.']),
    (['zed', 'codex', 'zed'], {'mcp_rollback_backup': '/b', 'mcp_config_path': ''}, [
        'mcp_clients names zed more than once; give each client once.',
        "mcp_rollback_backup is set while mcp_clients names 2 clients (zed, codex): one file cannot be several "
        "clients' configs; leave mcp_rollback_backup empty so each client uses its own, or run once per client."]),
])
def test_problems(clients, single, expected):
    assert PROBLEMS(clients, single) == expected


def test_problems_refuse_a_value_that_is_not_a_list_of_names():
    with pytest.raises(AnsibleFilterError):
        PROBLEMS('cursor')
    with pytest.raises(AnsibleFilterError):
        PROBLEMS([{'name': 'cursor'}])


def _state(status, path, rollback_to='', was=None, saved=''):
    return {'status': status, 'was': was, 'config_path': path, 'rollback_to': rollback_to, 'saved_current': saved}


def test_one_client_rolled_back_reads_as_before_mcp_clients():
    state = {'claude_desktop': _state('rolled_back', '/h/c.json', '/h/b/1.json', was='applying', saved='/h/b/2.json')}
    assert OUTCOME(state, ['claude_desktop']) == {
        'status': 'rolled_back',
        'rollout': ['failed and rolled back: claude_desktop'],
        'lines': ['Rolled back: /h/c.json is byte-identical to /h/b/1.json.', 'The broken config was saved as /h/b/2.json.']}


def test_a_new_config_removed_again_says_it_did_not_exist():
    out = OUTCOME({'cursor': _state('rolled_back', '/h/m.json', '', was='applying')}, ['cursor'])
    assert out['lines'] == ['Rolled back: /h/m.json is byte-identical to before the deploy (it did not exist).']


def test_several_clients_name_each_fate_in_a_fixed_order():
    state = {
        'claude_desktop': _state('rolled_back', '/h/c.json', '/h/b1', was='deployed'),
        'zed': _state('unchanged', '/h/z.json'),
        'cursor': _state('rolled_back', '/h/m.json', '/h/b2', was='applying'),
    }
    out = OUTCOME(state, ['claude_desktop', 'zed', 'cursor', 'vscode', 'codex'])
    assert out['status'] == 'rolled_back'
    assert out['rollout'] == ['unchanged: zed', 'deployed, then rolled back: claude_desktop',
                              'failed and rolled back: cursor', 'not reached: vscode, codex']
    assert out['lines'] == ['Rolled back (claude_desktop): /h/c.json is byte-identical to /h/b1.',
                            'Rolled back (cursor): /h/m.json is byte-identical to /h/b2.']


def test_one_failed_rollback_makes_the_host_rollback_failed():
    state = {'cursor': _state('rolled_back', '/h/m.json', '/h/b2', was='deployed'),
             'vscode': _state('rollback_failed', '/h/v.json', '/h/b3', was='applying')}
    out = OUTCOME(state, ['cursor', 'vscode'])
    assert out['status'] == 'rollback_failed'
    assert 'ROLLBACK FAILED: vscode' in out['rollout']
    assert out['lines'][-1] == 'ROLLBACK FAILED (vscode): /h/v.json does not match /h/b3; restore it by hand.'


def test_a_failure_before_any_write_changed_nothing():
    state = {'cursor': _state('unchanged', '/h/m.json'), 'vscode': _state('starting', '/h/v.json')}
    out = OUTCOME(state, ['cursor', 'vscode'])
    assert out == {'status': 'failed_before_change',
                   'rollout': ['unchanged: cursor', 'failed before any change: vscode'],
                   'lines': ['Nothing was changed (the failure came before the first write).']}
    assert OUTCOME({}, ['cursor'])['rollout'] == ['not reached: cursor']


def test_outcome_refuses_state_that_is_not_a_mapping():
    with pytest.raises(AnsibleFilterError):
        OUTCOME([], ['cursor'])


def test_log_dirs_follow_the_client_table():
    assert LOGS_KNOWN('claude_desktop') is True
    assert [n for n in CLIENT_NAMES if LOGS_KNOWN(n)] == [n for n in CLIENT_NAMES if CLIENTS[n].get('log_dirs')]
    with pytest.raises(AnsibleFilterError) as err:
        LOGS_KNOWN('notepad')
    assert 'supported clients' in str(err.value)
