# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_clients in the deploy/verify/rollback roles: one fake home with Claude Desktop, Cursor and VS Code (JSONC
with comments) configs at their default paths. The same servers land in each file in its native shape, comments
kept byte-identical; a rerun changes nothing; one client failing its health wait rolls every changed client back to
its exact bytes (and the message says which clients were deployed, rolled back, not reached); verify and rollback
go over the list."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

from ansible_collections.mcpops.mcp.plugins.module_utils._jsonedit import parse

from _helpers import STUB, stub

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEPLOY = os.path.join(REPO, 'playbooks', 'deploy.yml')
VERIFY = os.path.join(REPO, 'playbooks', 'verify.yml')
ROLLBACK = os.path.join(REPO, 'playbooks', 'rollback.yml')
SECRET = 'tok-clients-5e1d-never-print-me'
CLIENTS = ['claude_desktop', 'cursor', 'vscode']
PATHS = {
    'claude_desktop': os.path.join('.config', 'Claude', 'claude_desktop_config.json'),
    'cursor': os.path.join('.cursor', 'mcp.json'),
    'vscode': os.path.join('.config', 'Code', 'User', 'mcp.json'),
    'zed': os.path.join('.config', 'zed', 'settings.json'),
}
KEEPER = '{"command": "%s", "args": ["%s", "--mode=ok"]}' % (sys.executable, STUB)
ORIGINAL = {
    'claude_desktop': (
        '{\n'
        '    "globalShortcut": "Ctrl+Space",\n'
        '    "mcpServers": {\n'
        '        "keeper": %s\n'
        '    }\n'
        '}\n' % KEEPER),
    'cursor': '{"mcpServers": {"keeper": %s}}\n' % KEEPER,
    'vscode': (
        '{\n'
        '  // Managed by hand: this comment must survive every edit.\n'
        '  "servers": {\n'
        '    /* the one I use */ "keeper": {"type": "stdio", "command": "%s", "args": ["%s", "--mode=ok"]},\n'
        '  },\n'
        '  "inputs": [\n'
        '    {"type": "promptString", "id": "tok", "password": true}, // asked once\n'
        '  ],\n'
        '}\n' % (sys.executable, STUB)),
}
VSCODE_HEAD = ORIGINAL['vscode'][:ORIGINAL['vscode'].index('  },\n')]
VSCODE_TAIL = ORIGINAL['vscode'][ORIGINAL['vscode'].index('  },\n'):]


def write_clients(root, clients=CLIENTS):  # pylint: disable=dangerous-default-value
    for client in clients:
        root.write(ORIGINAL[client], os.path.join(root.home, PATHS[client]))


def read(root, client):
    path = os.path.join(root.home, PATHS[client])
    return root.read_bytes(path).decode('utf-8') if os.path.exists(path) else None


def servers_of(root, client):
    value, _text = parse(read(root, client).encode('utf-8'), flavor='jsonc' if client in ('vscode', 'zed') else 'json')
    return value['context_servers' if client == 'zed' else 'servers' if client == 'vscode' else 'mcpServers']


def backups(root, client):
    directory = os.path.join(os.path.dirname(os.path.join(root.home, PATHS[client])), 'backups')
    return sorted(n for n in os.listdir(directory) if n.endswith('.json')) if os.path.isdir(directory) else []


def extravars(servers, clients=CLIENTS, **extra):  # pylint: disable=dangerous-default-value
    values = {'mcp_clients': clients, 'mcp_servers': servers, 'mcp_health_retry_delay': 1, 'mcp_serial': [1, '100%']}
    values.update(extra)
    return values


def test_deploy_to_three_clients_rerun_verify_and_rollback(run_playbook, config_root):
    write_clients(config_root)
    servers = [stub('alpha', 'ok'), stub('beta', 'ok', secret_env={'STUB_API_TOKEN': SECRET})]
    home = config_root.env

    first = run_playbook(DEPLOY, extravars=extravars(servers), env=home)

    assert first.changed > 0
    alpha = {'command': sys.executable, 'args': [STUB, '--mode=ok']}
    beta = dict(alpha, env={'STUB_API_TOKEN': SECRET})
    for client in ('claude_desktop', 'cursor'):
        assert servers_of(config_root, client) == {'keeper': servers_of(config_root, client)['keeper'],
                                                   'alpha': alpha, 'beta': beta}, client
    assert servers_of(config_root, 'vscode')['alpha'] == dict(alpha, type='stdio')
    assert servers_of(config_root, 'vscode')['beta'] == dict(beta, type='stdio')
    vscode = read(config_root, 'vscode')
    # Comments, trailing commas and the untouched entry stay byte-identical; only the servers object grew.
    assert vscode.startswith(VSCODE_HEAD) and vscode.endswith(VSCODE_TAIL), vscode
    assert read(config_root, 'claude_desktop').startswith('{\n    "globalShortcut": "Ctrl+Space",\n    "mcpServers": {\n')
    assert [len(backups(config_root, c)) for c in CLIENTS] == [1, 1, 1]
    deployed = dict((c, read(config_root, c)) for c in CLIENTS)

    again = run_playbook(DEPLOY, extravars=extravars(servers), env=home)

    assert again.changed == 0
    assert again.tasks('Back up, apply and wait for health, one client after the other')[0]['status'] == 'skipped'
    assert dict((c, read(config_root, c)) for c in CLIENTS) == deployed
    assert [len(backups(config_root, c)) for c in CLIENTS] == [1, 1, 1]
    assert [e['status'] for e in again.tasks('Dry run - validate every server and compute the whole change')] == ['ok'] * 3

    verify = run_playbook(VERIFY, extravars=extravars(servers), env=home)

    tables = [e['result']['msg'] for e in verify.tasks('Show the verification table')]
    assert len(tables) == 3
    for client, table in zip(CLIENTS, tables):
        assert all(row.startswith(('PASS | %s |' % client, 'SKIP | %s |' % client)) for row in table), table
    assert 'SKIP | cursor | no log errors | cursor has no known log directory' in '\n'.join(tables[1])

    rollback = run_playbook(ROLLBACK, extravars=extravars(servers), env=home)

    for client in CLIENTS:
        assert read(config_root, client) == ORIGINAL[client], client
    assert len(rollback.tasks('Show the verification table')) == 3
    assert [e['status'] for e in rollback.tasks('Restore the backup byte for byte (the current config is saved as pre-restore first)')] == ['changed'] * 3
    assert SECRET not in first.all_text + again.all_text + verify.all_text + rollback.all_text


def test_one_client_failing_its_health_wait_rolls_every_client_back(run_playbook, config_root, tmp_path):
    write_clients(config_root)
    counter = str(tmp_path / 'starts')
    wrapper = str(tmp_path / 'flaky.py')
    # Answers the first two starts (Claude Desktop's and Cursor's health waits), then dies the same way each time.
    with open(wrapper, 'w') as handle:
        handle.write(
            'import os, sys\n'
            'path = %r\n'
            'count = int(open(path).read()) + 1 if os.path.exists(path) else 1\n'
            'open(path, "w").write(str(count))\n'
            'if count >= 3:\n'
            '    sys.stderr.write("flaky: cannot open its database\\n")\n'
            '    sys.exit(3)\n'
            'os.execv(sys.executable, [sys.executable, %r, "--mode=ok"])\n' % (counter, STUB))
    servers = [stub('alpha', 'ok'), {'name': 'flaky', 'command': sys.executable, 'args': [wrapper]}]
    clients = CLIENTS + ['zed']

    run = run_playbook(DEPLOY, extravars=extravars(servers, clients, mcp_deploy_timeout=30), env=config_root.env,
                       expect_rc=2)

    for client in CLIENTS:
        assert read(config_root, client) == ORIGINAL[client], client
    assert read(config_root, 'zed') is None
    summary = run.tasks('Fail the host with a summary of what broke')[0]['result']['msg']
    assert 'failed at "Fail when a server is not healthy" on vscode: flaky not healthy' in summary, summary
    assert ('Clients on localhost: deployed, then rolled back: claude_desktop, cursor; failed and rolled back: vscode; '
            'not reached: zed.') in summary, summary
    assert 'flaky: exited' in summary
    for client in CLIENTS:
        assert 'Rolled back (%s): %s is byte-identical to ' % (client, os.path.join(config_root.home, PATHS[client])) in summary
    facts = run.tasks('Note the outcome of the rollback')[0]['result']['ansible_facts']['deploy_result']
    assert facts['status'] == 'rolled_back' and facts['failed_client'] == 'vscode'
    assert dict((c, s['status']) for c, s in facts['clients'].items()) == {
        'claude_desktop': 'rolled_back', 'cursor': 'rolled_back', 'vscode': 'rolled_back', 'zed': 'pending'}
    with open(counter) as handle:
        assert int(handle.read()) == 4   # two good starts, then the same exit twice: no third try


def test_config_path_with_several_clients_is_refused_before_anything_changes(run_playbook, config_root):
    write_clients(config_root)
    path = os.path.join(config_root.home, PATHS['cursor'])

    run = run_playbook(DEPLOY, extravars=extravars([stub('alpha', 'ok')], ['cursor', 'vscode', 'cursor'],
                                                   mcp_config_path=path), env=config_root.env, expect_rc=2)

    message = run.tasks('Report every preflight problem at once')[0]['result']['msg']
    assert 'mcp_clients names cursor more than once' in message
    assert 'mcp_config_path is set while mcp_clients names 2 clients (cursor, vscode): one file cannot be' in message
    assert run.tasks('Dry run - validate every server and compute the whole change') == []
    for client in CLIENTS:
        assert read(config_root, client) == ORIGINAL[client]
        assert backups(config_root, client) == []
