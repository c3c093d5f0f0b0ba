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

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEPLOY = os.path.join(REPO, 'playbooks', 'deploy.yml')
ROLLBACK = os.path.join(REPO, 'playbooks', 'rollback.yml')
STUB = os.path.join(REPO, 'tests', 'servers', 'mcp_stub.py')
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


def stub(name, mode, **extra):
    server = {'name': name, 'command': sys.executable, 'args': [STUB, '--mode=' + mode]}
    server.update(extra)
    return server


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
    assert again.tasks('Wait for health')[0]['status'] == 'skipped'
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
    assert run.tasks('Back up the current config')[0]['status'] == 'skipped'
    assert run.tasks('Back up the current config (the rollback target)') == []


def test_preflight_reports_every_problem_at_once(run_playbook, config_root):
    config_root.write(EXISTING)
    before = config_root.read_bytes()
    servers = [{'name': 'nocommand'}, {'name': 'missing', 'command': '/nonexistent/mcp-server'},
               {'name': 'bad name', 'command': sys.executable}]

    run = run_playbook(DEPLOY, extravars=host_vars(config_root, servers, mcp_sever='typo'), expect_rc=2)

    message = run.tasks('Report every preflight problem at once')[0]['result']['msg']
    assert 'unknown variable mcp_sever' in message
    assert 'nocommand: command (or url) is required' in message
    assert 'missing' in message and 'not found' in message
    assert 'bad name: invalid name' in message
    assert config_root.read_bytes() == before and backups(config_root) == []


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
