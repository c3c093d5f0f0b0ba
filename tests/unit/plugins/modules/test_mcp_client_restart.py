# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_client_restart through its real entry point: the paths that need no desktop (the rest runs in
tests/integration/test_client_restart.py with a stand-in client in a test user's session)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mcpops.mcp.plugins.modules import mcp_client_restart


def test_a_client_without_a_table_entry_is_left_alone_and_says_so(run_module):
    run = run_module(mcp_client_restart.main, {'client': 'codex'})
    assert run.result['changed'] is False and run.result['acted'] is False and run.result['app'] is None
    assert run.result['reason'].startswith('no process table entry for client codex on Linux')


def test_an_unknown_user_fails_with_a_reason(run_module):
    run = run_module(mcp_client_restart.main, {'user': 'no-such-user-mcpops'})
    assert run.failed and "User 'no-such-user-mcpops' does not exist on this host." in run.result['msg']


def test_process_names_and_start_command_make_any_app_restartable(run_module):
    # A made-up app nobody runs: no session needed to see that it is not running, but the session decides first.
    run = run_module(mcp_client_restart.main, {'client': 'codex', 'process_names': ['mcpops-no-such-app'],
                                               'start_command': ['mcpops-no-such-app'], 'state': 'stopped'}, check=True)
    assert run.result['changed'] is False and run.result['app'] == 'codex' and run.result['was_running'] is False
    assert run.result['stopped'] == [] and run.result['started'] == []
