# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_clients over SSH: two hosts, Claude Desktop and Cursor on each. The same servers reach both clients of the
canary; on the second host the server breaks on its second client, so both of that host's clients go back to their
exact bytes while the canary keeps both; a rerun changes nothing; the rollback playbook restores both clients."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess

from _fleet import base_vars, failure_text, outcome, strict_json, stub_server

STUB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'servers', 'mcp_stub.py')
CURSOR_REL = os.path.join('.cursor', 'mcp.json')
# A working server already there (the rollback's verify checks the restored servers answer).
LEGACY = '{"command": "/usr/bin/python3", "args": ["%s", "--mode=ok"], "disabled": false}' % STUB
CLAUDE_SEED = '{\n  "globalShortcut": "Ctrl+Space",\n  "mcpServers": {\n    "legacy": %s\n  }\n}\n' % LEGACY
CURSOR_SEED = '{"mcpServers": {"legacy": %s}}\n' % LEGACY
GOOD_WRAPPER = '#!/bin/sh\nexec /usr/bin/python3 %s --mode=ok "$@"\n'
# Starts once (the first client's health wait), then fails the same way every time (the second client's).
ONCE_WRAPPER = ('#!/bin/sh\nn=$(cat /root/.weather-starts 2>/dev/null || echo 0); n=$((n + 1)); echo $n > /root/.weather-starts\n'
                'if [ $n -ge 2 ]; then echo "weather: its licence file is gone" >&2; exit 3; fi\n'
                'exec /usr/bin/python3 %s --mode=ok "$@"\n')


def cursor_path(host):
    return os.path.join(host.owner_home, CURSOR_REL)


def read(path):
    with open(path, 'rb') as handle:
        return handle.read()


def cursor_backups(host):
    directory = os.path.join(os.path.dirname(cursor_path(host)), 'backups')
    return sorted(n for n in os.listdir(directory) if n.endswith('.json')) if os.path.isdir(directory) else []


def run_playbook(fleet, workdir, playbook, extravars, expect_rc=0):
    argv, env, results, workdir = fleet.command(workdir, extravars, playbook=playbook)
    proc = subprocess.run(argv, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=600, check=False)
    return fleet.finish(proc.returncode, proc.stdout, proc.stderr, argv, workdir, results, expect_rc)


def test_two_clients_on_two_hosts_deploy_roll_back_per_host_and_rerun(fleet, tmp_path):
    canary, second = fleet.hosts[:2]
    for host, wrapper in ((canary, GOOD_WRAPPER), (second, ONCE_WRAPPER)):
        host.write_config(CLAUDE_SEED)
        host.write_config(CURSOR_SEED, path=cursor_path(host))
        weather = host.write_script('.local/bin/weather-mcp', wrapper % STUB)
    servers = [{'name': 'weather', 'command': weather}, stub_server('alpha')]
    clients = ['claude_desktop', 'cursor']
    extravars = base_vars(servers, mcp_clients=clients, mcp_hosts=','.join([canary.name, second.name]))

    run = fleet.deploy(tmp_path / 'first', extravars, expect_rc=2)

    assert outcome(run, canary.name) == 'deployed', failure_text(run, canary.name)
    expected = {'legacy': {'command': '/usr/bin/python3', 'args': [STUB, '--mode=ok'], 'disabled': False},
                'weather': {'command': weather},
                'alpha': {'command': servers[1]['command'], 'args': servers[1]['args']}}
    assert canary.servers() == expected
    assert strict_json(read(cursor_path(canary)))['mcpServers'] == expected
    assert len(canary.backups()) == 1 and len(cursor_backups(canary)) == 1
    # The second host: its Claude Desktop passed, its Cursor failed; both are back to their exact bytes.
    assert outcome(run, second.name) == 'rolled_back'
    assert second.read() == CLAUDE_SEED.encode('utf-8')
    assert read(cursor_path(second)) == CURSOR_SEED.encode('utf-8')
    message = failure_text(run, second.name)
    assert 'on cursor: weather not healthy' in message, message
    assert 'Rollout so far: deployed: %s; rolled back: %s.' % (canary.name, second.name) in message, message
    assert ('Clients on %s: deployed, then rolled back: claude_desktop; failed and rolled back: cursor.'
            % second.name) in message, message
    assert 'Rolled back (cursor): /root/.cursor/mcp.json is byte-identical to ' in message

    canary_bytes = (canary.read(), read(cursor_path(canary)))
    again = fleet.deploy(tmp_path / 'again', dict(extravars, mcp_hosts=canary.name))
    assert again.changed == 0, [(e['task'], e['host']) for e in again.events if e['status'] == 'changed']
    assert (canary.read(), read(cursor_path(canary))) == canary_bytes
    assert len(canary.backups()) == 1 and len(cursor_backups(canary)) == 1

    back = run_playbook(fleet, tmp_path / 'rollback', 'mcpops.mcp.rollback', dict(extravars, mcp_hosts=canary.name))
    assert canary.read() == CLAUDE_SEED.encode('utf-8')
    assert read(cursor_path(canary)) == CURSOR_SEED.encode('utf-8')
    assert len(back.tasks('Show the verification table', host=canary.name)) == 2
