# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deploy/rollback roles through their playbooks: the rollback path, idempotence, preflight, check mode, canary."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys
import time

import pytest

from _helpers import STUB, stub

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEPLOY = os.path.join(REPO, 'playbooks', 'deploy.yml')
ROLLBACK = os.path.join(REPO, 'playbooks', 'rollback.yml')
SECRET = 'tok-9f3c2e-never-print-me'

# Odd formatting and keys the roles do not manage: a byte-identical rollback keeps all of it.
EXISTING = (
    '{\n'
    '    "globalShortcut": "Ctrl+Space",\n'
    '    "mcpServers": {\n'
    '        "keeper": {"command": "%s", "args": ["%s", "--mode=ok"], "disabled": false}\n'
    '    },\n'
    '    "preferences": {"theme": "dark"}\n'
    '}\n' % (sys.executable, STUB)
)


def host_vars(root, servers, **extra):
    values = {
        'mcp_config_path': root.config_path,
        'mcp_backup_dir': os.path.join(root.home, 'backups'),
        'mcp_servers': servers,
        'mcp_health_retry_delay': 1,
        'mcp_serial': [1, '100%'],
    }
    values.update(extra)
    return values


# Actions that run on the controller only; every other task is a module run on the host.
CONTROLLER_ACTIONS = frozenset(['set_fact', 'assert', 'debug', 'fail', 'meta', 'pause', 'include_tasks', 'import_tasks',
                                'include_role', 'import_role', 'validate_argument_spec', 'include_vars'])


def module_runs(run, host='localhost'):
    """Module runs on host: tasks that were not skipped and are not controller-only, retries counted."""
    count = 0
    for event in run.tasks(host=host):
        action = (event.get('action') or '').split('.')[-1]
        if event['status'] != 'skipped' and action not in CONTROLLER_ACTIONS:
            count += int(event['result'].get('attempts', 1) or 1)
    return count


def backups(root):
    directory = os.path.join(root.home, 'backups')
    # Backups only (a sidecar such as <backup>.meta may sit beside each one).
    return sorted(n for n in os.listdir(directory) if n.endswith('.json')) if os.path.isdir(directory) else []


def test_failed_deploy_rolls_back_byte_identical(run_playbook, config_root):
    config_root.write(EXISTING)
    before = config_root.read_bytes()
    servers = [stub('keeper', 'ok'), stub('broken', 'crash', secret_env={'STUB_API_TOKEN': SECRET})]

    run = run_playbook(DEPLOY, extravars=host_vars(config_root, servers, mcp_deploy_timeout=3), expect_rc=2)

    assert config_root.read_bytes() == before
    assert run.stats['localhost'].get('failures') == 1
    summary = run.tasks('Fail the host with a summary of what broke')[0]['result']['msg']
    assert 'broken: exited' in summary and 'Rolled back' in summary and 'byte-identical' in summary
    kinds = backups(config_root)
    assert len([b for b in kinds if b.endswith('_pre-restore.json')]) == 1
    assert len([b for b in kinds if not b.endswith('_pre-restore.json')]) == 1
    saved = [b for b in kinds if b.endswith('_pre-restore.json')][0]
    assert 'broken' in json.loads(config_root.read_bytes(os.path.join(config_root.home, 'backups', saved)))['mcpServers']
    assert SECRET not in run.all_text


def test_permanent_failure_rolls_back_without_waiting(run_playbook, config_root):
    config_root.write(EXISTING)
    before = config_root.read_bytes()
    servers = [stub('keeper', 'ok'), stub('badproto', 'bad_version')]

    started = time.time()
    run = run_playbook(DEPLOY, extravars=host_vars(config_root, servers, mcp_deploy_timeout=120), expect_rc=2)

    assert time.time() - started < 90
    assert config_root.read_bytes() == before
    wait = run.tasks('Wait until every deployed server answers the MCP handshake')[-1]['result']
    assert wait.get('attempts', 1) == 1
    assert 'badproto: protocol_error' in run.tasks('Fail the host with a summary of what broke')[0]['result']['msg']


def test_timeout_is_retried_until_the_deadline(run_playbook, config_root):
    config_root.write(EXISTING)
    before = config_root.read_bytes()
    servers = [stub('hangs', 'hang')]

    run = run_playbook(DEPLOY, extravars=host_vars(config_root, servers, mcp_deploy_timeout=12, mcp_health_timeout=1),
                       expect_rc=2)

    assert config_root.read_bytes() == before
    wait = run.tasks('Wait until every deployed server answers the MCP handshake')[-1]['result']
    assert wait.get('attempts', 1) > 1
    assert 'hangs: timeout' in run.tasks('Fail the host with a summary of what broke')[0]['result']['msg']


def test_failed_deploy_on_a_fresh_host_leaves_no_config(run_playbook, config_root):
    run = run_playbook(DEPLOY, extravars=host_vars(config_root, [stub('broken', 'crash')], mcp_deploy_timeout=2),
                       expect_rc=2)

    assert not os.path.exists(config_root.config_path)
    assert 'did not exist' in run.tasks('Fail the host with a summary of what broke')[0]['result']['msg']


def test_unchanged_rerun_is_changed_0_without_a_new_backup(run_playbook, config_root):
    config_root.write(EXISTING)
    extravars = host_vars(config_root, [stub('keeper', 'ok'), stub('extra', 'ok', secret_env={'STUB_API_TOKEN': SECRET})])

    first = run_playbook(DEPLOY, extravars=extravars)
    assert first.changed > 0
    deployed = config_root.read_bytes()
    listing = backups(config_root)
    assert len(listing) == 1

    again = run_playbook(DEPLOY, extravars=extravars)
    assert again.changed == 0
    assert backups(config_root) == listing
    assert config_root.read_bytes() == deployed
    # No health wait: the whole change block (included, so it is one skipped task) did not run.
    assert again.tasks('Back up, apply and wait for health, one client after the other')[0]['status'] == 'skipped'
    assert again.tasks('Wait for health') == []
    assert again.tasks('Wait until every deployed server answers the MCP handshake') == []
    assert SECRET not in first.all_text + again.all_text


def test_check_mode_changes_nothing_and_shows_the_redacted_change(run_playbook, config_root):
    config_root.write(EXISTING)
    before = config_root.read_bytes()
    servers = [stub('keeper', 'ok'), stub('plain', 'ok'), stub('secretive', 'ok', secret_env={'STUB_API_TOKEN': SECRET})]

    run = run_playbook(DEPLOY, extravars=host_vars(config_root, servers), check=True, diff=True)

    assert config_root.read_bytes() == before
    assert backups(config_root) == []
    assert '+        "plain": {' in run.stdout or '"plain"' in run.stdout
    assert 'secretive' in run.stdout and '********' in run.stdout
    assert SECRET not in run.all_text
    assert run.tasks('Back up, apply and wait for health, one client after the other')[0]['status'] == 'skipped'
    assert run.tasks('Back up the current config (the rollback target)') == []


def test_preflight_reports_every_problem_at_once(run_playbook, config_root):
    config_root.write(EXISTING)
    before = config_root.read_bytes()
    servers = [{'name': 'nocommand'}, {'name': 'missing', 'command': '/nonexistent/mcp-server'},
               {'name': 'bad name', 'command': sys.executable},
               {'name': 'types', 'command': sys.executable, 'args': [STUB, None], 'env': {'LEVEL': None}},
               {'name': 'nosecret', 'command': sys.executable, 'secret_env': {'STUB_API_TOKEN': ''}},
               {'name': 'twice', 'command': sys.executable}, {'name': 'twice', 'command': sys.executable}]

    run = run_playbook(DEPLOY, extravars=host_vars(config_root, servers, mcp_sever='typo'), expect_rc=2)

    message = run.tasks('Report every preflight problem at once')[0]['result']['msg']
    assert 'Preflight found 8 problem(s)' in message, message
    assert 'unknown variable mcp_sever' in message
    assert 'nocommand: command (or url) is required' in message
    assert 'missing' in message and 'not found' in message
    assert 'bad name: invalid name' in message
    assert 'types: args[1] must be a string, number or boolean, found null' in message
    assert 'types: env LEVEL has no value' in message
    assert 'nosecret: secret_env STUB_API_TOKEN has no value' in message
    assert 'twice: declared more than once' in message
    assert config_root.read_bytes() == before and backups(config_root) == []
    # One module run found them all: the dry run; nothing else touched the host.
    assert module_runs(run) == 1


def test_argument_specs_refuse_unknown_keys_in_servers(run_playbook, config_root):
    servers = [{'name': 'x', 'comand': sys.executable}]
    run = run_playbook(DEPLOY, extravars=host_vars(config_root, servers), expect_rc=2)
    assert 'comand' in run.stdout + run.stderr
    assert not os.path.exists(config_root.config_path)


def test_rollback_playbook_restores_the_config_before_the_last_deploy(run_playbook, config_root):
    config_root.write(EXISTING)
    original = config_root.read_bytes()
    run_playbook(DEPLOY, extravars=host_vars(config_root, [stub('keeper', 'ok'), stub('second', 'ok')]))
    assert config_root.read_bytes() != original

    run = run_playbook(ROLLBACK, extravars=host_vars(config_root, []))

    assert config_root.read_bytes() == original
    assert run.tasks('Fail when a check failed')[0]['status'] == 'ok'
    # verify counts valid backups as mcp_backup_info does (the pre-restore one included), and names the rollback target.
    listed = run.result('List the backups')  # verify's listing, after the restore
    table = run.result('Show the verification table')['msg']
    assert [b['kind'] for b in listed['backups'] if b['valid']] == ['pre-restore', 'manual'], listed['backups']
    assert listed['valid_count'] == 2 and listed['latest'] == listed['backups'][1]['path']
    row = '| valid backup | %d valid, newest rollback target %s' % (listed['valid_count'], os.path.basename(listed['latest']))
    assert [r for r in table if r.endswith(row)], table
    assert run_playbook(ROLLBACK, extravars=host_vars(config_root, [])).changed == 0


def test_a_failing_canary_stops_the_rollout(run_playbook, new_config_root, local_inventory):
    roots = dict((name, new_config_root(name)) for name in ('canary', 'second', 'third'))
    for root in roots.values():
        root.write(EXISTING)
    before = dict((name, root.read_bytes()) for name, root in roots.items())
    inventory = local_inventory(dict(
        (name, {'mcp_config_path': root.config_path, 'mcp_backup_dir': os.path.join(root.home, 'backups')})
        for name, root in roots.items()))
    extravars = {'mcp_servers': [stub('keeper', 'ok'), stub('broken', 'crash')], 'mcp_deploy_timeout': 2,
                 'mcp_health_retry_delay': 1, 'mcp_serial': [1, '100%']}

    run = run_playbook(DEPLOY, extravars=extravars, inventory=inventory, expect_rc=2)

    for name, root in roots.items():
        assert root.read_bytes() == before[name], name
    assert run.stats['canary'].get('failures') == 1
    assert backups(roots['second']) == [] and backups(roots['third']) == []


def deploy_role_only(**play_vars):
    """The deploy role alone (playbooks/deploy.yml also runs verify), so module runs count the role only."""
    return [{'name': 'deploy only', 'hosts': 'all', 'gather_facts': False, 'roles': [{'role': 'mcpops.mcp.deploy'}],
             'vars': play_vars}]


def test_a_server_that_exits_the_same_way_twice_fails_the_wait_at_once(run_playbook, config_root):
    config_root.write(EXISTING)
    before = config_root.read_bytes()

    started = time.time()
    run = run_playbook(DEPLOY, extravars=host_vars(config_root, [stub('keeper', 'ok'), stub('broken', 'crash')],
                                                   mcp_deploy_timeout=120), expect_rc=2)

    assert time.time() - started < 60
    assert config_root.read_bytes() == before
    first = run.result('Check every deployed server answers the MCP handshake')['servers']
    assert [s['reason'] for s in first if s['name'] == 'broken'] == ['exited']
    assert run.result('Wait until every deployed server answers the MCP handshake').get('attempts', 1) == 1
    failed = run.tasks('Fail when a server is not healthy')[0]['result']['msg']
    assert 'broken exited twice with the same exit code and stderr' in failed
    assert 'broken: exited' in run.tasks('Fail the host with a summary of what broke')[0]['result']['msg']


FRESH = {
    'empty_object': '{}',
    'claude_keys_only': '{\n  "globalShortcut": "Ctrl+Space",\n  "preferences": {"theme": "dark"}\n}\n',
    'no_file': None,
}


@pytest.mark.parametrize('case', sorted(FRESH))
def test_deploy_on_a_fresh_claude_desktop_config(run_playbook, config_root, case):
    if FRESH[case] is not None:
        config_root.write(FRESH[case])
    original = FRESH[case] and config_root.read_bytes()
    extravars = host_vars(config_root, [stub('first', 'ok', secret_env={'STUB_API_TOKEN': SECRET})])

    run = run_playbook(DEPLOY, extravars=extravars)

    doc = config_root.read_json()
    assert list(doc['mcpServers']) == ['first']
    if case == 'claude_keys_only':
        assert doc['globalShortcut'] == 'Ctrl+Space' and doc['preferences'] == {'theme': 'dark'}
    listing = backups(config_root)
    assert len(listing) == 1, listing
    saved = config_root.read_bytes(os.path.join(config_root.home, 'backups', listing[0]))
    # An existing config is backed up before the change; a new one right after it is created.
    assert saved == (original if original is not None else config_root.read_bytes())
    assert run.tasks('Fail when a check failed')[0]['status'] == 'ok'
    # This host has no Claude logs: verify says it skipped that check instead of claiming it passed.
    table = run.result('Show the verification table')['msg']
    assert [row for row in table if row.startswith('SKIP | no log errors | no logs on this host')], table
    assert [row for row in table if row.startswith('PASS | servers healthy')], table
    assert SECRET not in run.all_text

    again = run_playbook(DEPLOY, extravars=extravars)
    assert again.changed == 0 and backups(config_root) == listing


def test_module_runs_for_a_ten_server_deploy(run_playbook, config_root, capsys):
    config_root.write(EXISTING)
    servers = [stub('keeper', 'ok')] + [stub('srv%02d' % n, 'ok') for n in range(1, 10)]
    play_vars = host_vars(config_root, servers)
    del play_vars['mcp_serial']

    first = run_playbook(deploy_role_only(**play_vars))
    assert len(config_root.read_json()['mcpServers']) == 10
    again = run_playbook(deploy_role_only(**play_vars))
    assert again.changed == 0

    with capsys.disabled():
        print('\nmodule runs for a 10-server deploy: first %d, unchanged rerun %d' % (module_runs(first), module_runs(again)))
    # dry run, backup, apply, health check; the rerun stops after the dry run.
    assert module_runs(first) <= 5
    assert module_runs(again) == 1


def test_verbose_deploy_and_check_diff_print_no_secret(run_playbook, config_root):
    config_root.write(EXISTING)
    env_secret, arg_secret = 'env-secret-71c2e9', 'arg-secret-5d1a44'
    servers = [stub('keeper', 'ok'), stub('secretive', 'ok', secret_env={'STUB_API_TOKEN': SECRET},
                                          env={'OTHER_API_KEY': env_secret})]
    servers[1]['args'] = servers[1]['args'] + ['--token', arg_secret]

    check = run_playbook(DEPLOY, extravars=host_vars(config_root, servers), check=True, diff=True, verbosity=3)
    run = run_playbook(DEPLOY, extravars=host_vars(config_root, servers), diff=True, verbosity=3)

    for text in (check.all_text, run.all_text):
        for value in (SECRET, env_secret, arg_secret):
            assert value not in text
    assert 'secretive' in check.stdout and '********' in check.stdout
    assert config_root.read_json()['mcpServers']['secretive']['env']['STUB_API_TOKEN'] == SECRET
