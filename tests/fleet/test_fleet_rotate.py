# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`ansible-playbook mcpops.mcp.rotate_secrets` over SSH: one host gets a wrong token and is rolled back there only.

Every host runs a token-checking server (tests/servers/mcp_stub.py --mode=need_token) whose accepted token is a
file in the host's own home (the provider side). The new tokens come per host from the inventory (as a vault
host_vars file would give them); the second host's is wrong. The canary goes first, then the rest in one batch
(mcp_serial [1, '100%']) where mcp_max_fail_percentage=50 tolerates the one failure (Ansible always stops a play
when every host of a batch fails, so a batch of one wrong host would end the rollout).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import time

from _fleet import base_vars, failure_text, outcome, stub_server

OLD = 'fleet-old-tok-2a9e41'
WRONG = 'fleet-wrong-tok-c07b13'


def new_token(name):
    return 'fleet-new-tok-%s-5e8d' % name


def rotate(fleet, workdir, extravars, host_vars, expect_rc, extra_args=()):
    argv, env, results, workdir = fleet.command(workdir, extravars, host_vars, playbook='mcpops.mcp.rotate_secrets',
                                                extra_args=extra_args)
    proc = subprocess.run(argv, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=600, check=False)
    return fleet.finish(proc.returncode, proc.stdout, proc.stderr, argv, workdir, results, expect_rc)


def test_rotation_rolls_back_the_host_with_a_wrong_token_and_rotates_the_others(fleet, tmp_path):
    tokened = stub_server('tokened', mode='need_token')
    tokened['args'].append('--token-file=/root/provider-token')
    keeper = stub_server('keeper')
    bad = fleet.hosts[1].name
    before = {}
    for host in fleet.hosts:
        host.write_config({'globalShortcut': 'Ctrl+Space', 'mcpServers': {
            'tokened': {'command': tokened['command'], 'args': tokened['args'], 'env': {'STUB_API_TOKEN': OLD}},
            'keeper': {'command': keeper['command'], 'args': keeper['args']}}})
        with open(os.path.join(host.home, 'provider-token'), 'w') as handle:
            handle.write(new_token(host.name) + '\n')   # every provider has issued its host's new token
        before[host.name] = host.read()

    host_vars = dict((h.name, {'rotate_new_token': WRONG if h.name == bad else new_token(h.name)}) for h in fleet.hosts)
    extravars = base_vars([tokened, keeper], mcp_serial=[1, '100%'], mcp_max_fail_percentage=50,
                          mcp_rotate={'tokened': {'secret_env': {'STUB_API_TOKEN': '{{ rotate_new_token }}'}}})

    t0 = time.monotonic()
    run = rotate(fleet, tmp_path / 'rotate', extravars, host_vars, expect_rc=2, extra_args=('-vvv', '--diff'))
    elapsed = time.monotonic() - t0

    for host in fleet.hosts:
        if host.name == bad:
            assert outcome(run, host.name) == 'rolled_back', host.name
            assert host.read() == before[host.name], 'not the old bytes on %s' % host.name
            text = failure_text(run, host.name)
            assert 'Rolled back' in text and 'not a valid token' in text, text
        else:
            assert outcome(run, host.name) == 'deployed', (host.name, outcome(run, host.name))
            assert host.servers()['tokened']['env']['STUB_API_TOKEN'] == new_token(host.name), host.name
            assert host.servers()['keeper'] == {'command': keeper['command'], 'args': keeper['args']}
            assert run.stats[host.name]['failures'] == 0, host.name
            assert len([b for b in host.backups() if b.endswith('.json')]) == 1, host.backups()
        assert run.stats[host.name]['unreachable'] == 0
    listing = '\n'.join(b for h in fleet.hosts for b in h.backups())
    for token in [OLD, WRONG] + [new_token(h.name) for h in fleet.hosts]:
        assert token not in run.all_text, 'a token leaked into the output'
        assert token not in listing
    print('rotation over %d hosts (-vvv --diff): %.1fs' % (len(fleet.hosts), elapsed))
