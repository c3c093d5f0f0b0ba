# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one redaction path, end to end: a real -vvv --diff play never shows a secret.

The secrets sit where the issue found them readable: `--<anything>-key=value` and an
`Authorization: Bearer` header inside args (the mcp-remote pattern the README recommends),
credentials inside env values that are URLs or tokens, mcp_health specs[].args/env, a server's
stderr and the client logs. Every module that takes them runs, including failures inside
AnsibleModule's own validation (before the module's main() could register anything).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

SECRETS = {
    'figma': 'FIGSECRET123',
    'bearer': 'BEARERSECRET',
    'pg': 'PGSECRET',
    'stripe': 'sk_' + 'live_' + '51HfakeSTRIPEsecret0001',
    'github': 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8',
    'health_arg': 'HEALTHARGSECRET7',
    'health_env': 'HEALTHENVSECRET8',
    'log': 'LOGSECRET9000',
}
ARGS = ['--figma-api-key=' + SECRETS['figma'], '--header', 'Authorization: Bearer ' + SECRETS['bearer']]
ENV = {'DATABASE_URL': 'postgres://u:%s@db/x' % SECRETS['pg'], 'STRIPE': SECRETS['stripe']}
# A server that prints its arguments and environment to stderr and exits: mcp_health shows the tail.
STDERR_SCRIPT = 'printf "%s\\n" "$@" >&2; echo "DATABASE_URL=$DATABASE_URL STRIPE=$STRIPE" >&2; exit 3'


def _play(config_path, log_dir):
    server = dict(name='figma', command='/bin/true', args=ARGS, env=ENV, config_path=config_path, validate_command=False)
    spec = dict(name='probe', command='sh', args=['-c', STDERR_SCRIPT, 'sh', '--x-token', SECRETS['health_arg']] + ARGS,
                env=dict(ENV, GITHUB_TOKEN=SECRETS['health_env']))
    tasks = [
        {'name': 'add', 'mcpops.mcp.mcp_server': server, 'register': 'added'},
        {'name': 'again in check mode', 'mcpops.mcp.mcp_server': server, 'check_mode': True},
        {'name': 'refused by the argument spec', 'ignore_errors': True,
         'mcpops.mcp.mcp_server': dict(server, url='https://mcp.example.com/mcp')},
        {'name': 'add as a set', 'mcpops.mcp.mcp_servers': {
            'config_path': config_path, 'validate_command': False,
            'servers': [dict((k, v) for k, v in server.items() if k not in ('config_path', 'validate_command'))]}},
        {'name': 'health', 'mcpops.mcp.mcp_health': {'specs': [spec], 'timeout': 5, 'fail_on_unhealthy': False},
         'register': 'health'},
        {'name': 'health refused by the argument spec', 'ignore_errors': True,
         'mcpops.mcp.mcp_health': {'specs': [dict(spec, url='https://mcp.example.com/mcp')]}},
        {'name': 'health failing', 'ignore_errors': True,
         'mcpops.mcp.mcp_health': {'specs': [spec], 'timeout': 5}},
        {'name': 'logs', 'mcpops.mcp.mcp_logs': {'log_dir': log_dir}, 'register': 'logs'},
        {'name': 'info', 'mcpops.mcp.mcp_server_info': {'config_path': config_path}, 'register': 'info'},
        {'name': 'show', 'ansible.builtin.debug': {'var': 'info'}},
        {'name': 'show health', 'ansible.builtin.debug': {'msg': '{{ health.servers[0].stderr_tail }}'}},
    ]
    return [{'hosts': 'all', 'gather_facts': False, 'tasks': tasks}]


def test_no_secret_anywhere_in_a_vvv_diff_run(run_playbook, config_root, tmp_path):
    log_dir = str(tmp_path / 'logs')
    os.makedirs(log_dir)
    with open(os.path.join(log_dir, 'mcp-server-figma.log'), 'w') as handle:
        handle.write('2026-01-03T11:39:20.074Z [figma] [error] Error: GITHUB_TOKEN=%s is invalid\n' % SECRETS['github'])
        handle.write('2026-01-03T11:39:20.100Z [figma] [info] Message from client: {"method":"x","params":'
                     '{"args":["--figma-api-key=%s"],"apiKey":"%s"}}\n' % (SECRETS['figma'], SECRETS['log']))
        handle.write('2026-01-03T11:39:21.000Z [figma] [info] Server transport closed unexpectedly, '
                     'env STRIPE=%s\n' % SECRETS['stripe'])
    outcome = run_playbook(_play(config_root.config_path, log_dir), diff=True, verbosity=3)

    for name, secret in SECRETS.items():
        assert secret not in outcome.all_text, '%s leaked' % name

    # The modules ran (and failed where they should), so the output above was really produced.
    assert outcome.tasks('refused by the argument spec')[0]['status'] == 'failed'
    assert outcome.tasks('health refused by the argument spec')[0]['status'] == 'failed'
    assert outcome.tasks('health failing')[0]['status'] == 'failed'
    # -vvv printed the invocations (ansible-core >= 2.21 no longer prints module_args in the task result text,
    # but still prints each module's connection and execution lines)
    assert ("'module_args'" in outcome.stdout or '"module_args"' in outcome.stdout
            or 'ESTABLISH LOCAL CONNECTION' in outcome.stdout)
    assert 'before' in json.dumps(outcome.result('add'))  # --diff was produced

    # Masked, not dropped: the shape stays readable.
    masked_args = ['--figma-api-key=********', '--header', 'Authorization: Bearer ********']
    info = outcome.result('info')['servers'][0]
    assert info['args'] == masked_args and info['env_keys'] == ['DATABASE_URL', 'STRIPE']
    assert outcome.result('add')['server']['args'] == masked_args
    health = outcome.result('health')['servers'][0]
    assert health['reason'] == 'exited'
    assert 'postgres://u:********@db/x' in health['stderr_tail'] and '--figma-api-key=********' in health['stderr_tail']
    logs = outcome.result('logs')
    messages = [entry['message'] for entry in logs['entries']]
    assert 'Error: GITHUB_TOKEN=******** is invalid' in messages
    assert logs['lifecycle']['figma']['message'].endswith('STRIPE=********')

    # The file holds the real values: the module writes them, it only never shows them.
    with open(config_root.config_path) as handle:
        entry = json.load(handle)['mcpServers']['figma']
    assert entry['args'] == ARGS and entry['env'] == ENV
