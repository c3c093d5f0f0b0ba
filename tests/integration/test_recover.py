# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The recover role through playbooks/recover.yml: disaster recovery of corrupt configs (the corrupt bytes kept,
a healthy host left alone), a named backup, no backup at all, and partial recovery of one server."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from _helpers import stub

# A flow built on the deploy role: make test runs it with the main ansible-core only (see Makefile, matrix-*).
pytestmark = pytest.mark.flow


HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
RECOVER = os.path.join(REPO, 'playbooks', 'recover.yml')
SECRET = 'tok-recover-7c1d-never-print-me'

CORRUPTIONS = {
    'truncated': lambda good: good[:len(good) // 2],
    'trailing_comma': lambda good: good.replace(b'\n  }\n}', b',\n  }\n}'),
    'empty': lambda good: b'',
}


def render(doc):
    return (json.dumps(doc, indent=2) + '\n').encode('utf-8')


def good_doc(*servers):
    servers = dict((s['name'], dict((k, v) for k, v in s.items() if k != 'name')) for s in servers)
    return {'globalShortcut': 'Ctrl+Space', 'mcpServers': servers}


def host_vars(root, **extra):
    values = {'mcp_config_path': root.config_path, 'mcp_backup_dir': os.path.join(root.home, 'backups'),
              'mcp_health_retry_delay': 1}
    values.update(extra)
    return values


def backup_files(root):
    directory = os.path.join(root.home, 'backups')
    return sorted(n for n in os.listdir(directory) if n.endswith('.json')) if os.path.isdir(directory) else []


def read_backup(root, name):
    with open(os.path.join(root.home, 'backups', name), 'rb') as handle:
        return handle.read()


def take_backup(run_playbook, inventory):
    """A real backup of every host's current config (mcp_backup, as the deploy role takes one)."""
    run_playbook({'name': 'backup', 'hosts': 'all', 'gather_facts': False, 'tasks': [
        {'name': 'Back up', 'mcpops.mcp.mcp_backup': {'config_path': '{{ mcp_config_path }}', 'backup_dir': '{{ mcp_backup_dir }}'}}]},
        inventory=inventory)


def status(run, host):
    facts = [e['result'].get('ansible_facts', {}) for e in run.tasks('Note the outcome of the recovery', host=host)]
    return facts[-1]['recover_result'] if facts else None


@pytest.mark.parametrize('corruption', sorted(CORRUPTIONS))
def test_disaster_recovery_restores_the_corrupt_host_and_leaves_the_healthy_one(
        corruption, run_playbook, new_config_root, local_inventory):
    broken, healthy = new_config_root('broken'), new_config_root('healthy')
    good = render(good_doc(stub('keeper', 'ok'), stub('second', 'ok')))
    broken.write(good)
    healthy.write(render(good_doc(stub('old', 'ok'))))
    inventory = local_inventory({'broken': host_vars(broken), 'healthy': host_vars(healthy)})
    take_backup(run_playbook, inventory)
    # The healthy host changed since its backup: restoring it would lose "keeper" - it must be left alone.
    healthy.write(render(good_doc(stub('keeper', 'ok'))))
    healthy_before = healthy.read_bytes()
    healthy_backups = backup_files(healthy)
    corrupt = CORRUPTIONS[corruption](good)
    broken.write(corrupt)

    run = run_playbook(RECOVER, extravars={'mcp_serial': [1, '100%']}, inventory=inventory)

    assert broken.read_bytes() == good
    assert status(run, 'broken')['status'] == 'recovered'
    # The corrupt bytes are kept, exactly, in a pre-restore backup.
    saved = status(run, 'broken')['saved_current']
    assert saved.endswith('_pre-restore.json') and read_backup(broken, os.path.basename(saved)) == corrupt
    table = run.result('Show the recovery table', host='broken')['msg']
    assert [row for row in table if row.startswith('PASS | servers healthy | all 2 healthy')], table
    assert not [row for row in table if row.startswith('FAIL')], table
    # The healthy host: valid, every server healthy - not touched, no backup written.
    assert healthy.read_bytes() == healthy_before and backup_files(healthy) == healthy_backups
    assert status(run, 'healthy')['status'] == 'untouched'

    again = run_playbook(RECOVER, extravars={'mcp_serial': [1, '100%']}, inventory=inventory)
    assert again.changed == 0 and status(again, 'broken')['status'] == 'untouched'


def test_a_named_backup_is_restored_even_over_a_valid_config(run_playbook, config_root, local_inventory):
    first = render(good_doc(stub('keeper', 'ok')))
    config_root.write(first)
    inventory = local_inventory({'localhost': host_vars(config_root)})
    take_backup(run_playbook, inventory)
    named = backup_files(config_root)[0]
    config_root.write(render(good_doc(stub('keeper', 'ok'), stub('later', 'ok'))))

    run = run_playbook(RECOVER, extravars={'mcp_recover_backup': named}, inventory=inventory)

    assert config_root.read_bytes() == first
    assert status(run, 'localhost')['backup_file'] == os.path.join(config_root.home, 'backups', named)


def test_no_valid_backup_fails_clearly_and_changes_nothing(run_playbook, config_root, local_inventory):
    config_root.write(b'{"mcpServers": {')
    inventory = local_inventory({'localhost': host_vars(config_root)})

    run = run_playbook(RECOVER, inventory=inventory, expect_rc=2)

    message = run.result('2. Fail when there is no valid backup to restore')['msg']
    assert 'No valid backup of %s to restore' % config_root.config_path in message
    assert 'line 1' in message or ':1:' in message, message
    assert 'Nothing was changed' in message
    assert config_root.read_bytes() == b'{"mcpServers": {' and backup_files(config_root) == []


def test_a_restored_backup_whose_server_fails_fails_the_host_and_says_where_the_old_config_is(
        run_playbook, config_root, local_inventory):
    config_root.write(render(good_doc(stub('crashy', 'crash'))))
    inventory = local_inventory({'localhost': host_vars(config_root, mcp_recover_health_retries=1)})
    take_backup(run_playbook, inventory)
    config_root.write(b'')

    run = run_playbook(RECOVER, inventory=inventory, expect_rc=2)

    message = run.result('Fail when a check failed')['msg']
    assert 'servers healthy' in message and '_pre-restore.json' in message, message


def test_partial_recovery_redeploys_one_server_and_nothing_else_changes(run_playbook, config_root, local_inventory):
    seed = good_doc(stub('first', 'ok'), stub('broken', 'crash'), stub('last', 'ok', env={'LEVEL': 'debug'}))
    seed['preferences'] = {'theme': 'dark'}
    config_root.write(render(seed))
    fixed = stub('broken', 'need_env', secret_env={'STUB_API_TOKEN': SECRET}, expect_tools=['echo'])
    inventory = local_inventory({'localhost': host_vars(config_root)})

    run = run_playbook(RECOVER, extravars={'mcp_recover_server': 'broken', 'mcp_servers': [fixed, stub('first', 'crash')]},
                       inventory=inventory)

    after = json.loads(config_root.read_bytes().decode('utf-8'))
    entry = after['mcpServers']['broken']
    assert entry['args'][-1] == '--mode=need_env' and entry['env'] == {'STUB_API_TOKEN': SECRET}
    # Byte-compare: the file is the seed with only that entry replaced (undeploy + redeploy moves it to the end);
    # every other byte is the same, the other servers' specs in mcp_servers (first: crash) are not applied.
    expected = dict(seed, mcpServers=dict(
        [(k, v) for k, v in seed['mcpServers'].items() if k != 'broken'] + [('broken', entry)]))
    assert config_root.read_bytes() == render(expected)
    result = status(run, 'localhost')
    assert result['status'] == 'recovered' and result['failed_checks'] == []
    assert [c['check'] for c in result['checks']] == ['others healthy without it', 'others unchanged', 'server redeployed',
                                                      'server healthy']
    assert result['saved_current'].endswith('_pre-change.json')
    assert SECRET not in run.all_text


def test_partial_recovery_of_an_undeclared_server_changes_nothing(run_playbook, config_root, local_inventory):
    config_root.write(render(good_doc(stub('first', 'ok'))))
    before = config_root.read_bytes()
    inventory = local_inventory({'localhost': host_vars(config_root)})

    run = run_playbook(RECOVER, extravars={'mcp_recover_server': 'ghost', 'mcp_servers': [stub('first', 'ok')]},
                       inventory=inventory, expect_rc=2)

    assert 'ghost is not declared in mcp_servers' in run.result('1. Identify - fail when mcp_servers has no fixed spec for the server')['msg']
    assert config_root.read_bytes() == before and backup_files(config_root) == []


def test_restart_client_stops_and_starts_around_the_restore_and_says_when_there_is_no_session(
        run_playbook, config_root, local_inventory):
    good = render(good_doc(stub('keeper', 'ok')))
    config_root.write(good)
    inventory = local_inventory({'localhost': host_vars(config_root)})
    take_backup(run_playbook, inventory)
    config_root.write(b'{"mcpServers": {')

    run = run_playbook(RECOVER, extravars={'mcp_restart_client': True}, inventory=inventory)

    assert config_root.read_bytes() == good
    said = [e['result']['msg'] for e in run.tasks('Say what happened to the client')]
    # Stopped before the restore, started after it; this test machine has no desktop session, and the run says so.
    assert len(said) == 2, said
    restarts = [e['result'] for e in run.tasks('Restart the MCP client in the user\'s desktop session')]
    assert [r.get('acted') for r in restarts] == [False, False] and all(r['reason'] for r in restarts), restarts
    names = [e['task'] for e in run.events]
    assert names.index('3. Stop the client') < names.index(
        '4. Restore the backup byte for byte (the current config, corrupt or not, is kept as a pre-restore backup)') < names.index('6. Start the client')
