# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hosts that differ, in one rollout over SSH: each ends with a clear per-host outcome and nothing is lost.

fleet1 corrupt config, fleet2 no config yet, fleet3 read-only config directory (a read-only bind mount in
that host's mount namespace, which stops root too), fleet4 config as a symlink into a dotfiles repo,
fleet5 reached as the unprivileged user mcpfleet with become + mcp_user, fleet6 an ordinary host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import pwd
import re

from _fleet import base_vars, failure_text, npm_server, outcome, stub_server, tree

SEED = {'globalShortcut': 'Ctrl+Space', 'mcpServers': {'legacy': {'command': '/bin/true', 'disabled': True}}}
CORRUPT = b'{\n  "globalShortcut": "Ctrl+Space",\n  "mcpServers": {\n    "legacy": {"command": "/bin/true"},\n  }\n}\n'
DECLARED = ['memory', 'stub']


def test_every_differing_host_gets_a_clear_outcome_and_loses_nothing(fleet, tmp_path):
    corrupt, fresh, readonly, linked, unprivileged, plain = fleet.hosts[:6]
    corrupt.write_config(CORRUPT)
    readonly.write_config(SEED)
    linked_target = os.path.join(linked.home, 'dotfiles', 'claude.json')
    linked.write_config(SEED, path=linked_target, mode=0o640)
    os.makedirs(linked.config_dir)
    os.symlink(os.path.join('..', '..', 'dotfiles', 'claude.json'), linked.config_path)
    user = pwd.getpwnam('mcpfleet')
    unprivileged.owner_home = unprivileged.user_home
    unprivileged.write_config(SEED)
    for root, dirs, files in os.walk(os.path.join(unprivileged.user_home, '.config')):
        for name in dirs + files + ['.']:
            os.chown(os.path.join(root, name), user.pw_uid, user.pw_gid)
    plain.write_config(SEED)
    fleet.host_exec(readonly.name, 'mount', '--bind', '-o', 'ro', '/root/.config/Claude', '/root/.config/Claude')
    before = dict((h.name, h.snapshot()) for h in fleet.hosts)
    corrupt_bytes, readonly_bytes = corrupt.read(), readonly.read()

    run = fleet.deploy(
        tmp_path / 'differ',
        base_vars([stub_server('stub'), npm_server('memory', 'mcp-server-memory')],
                  mcp_serial=len(fleet.hosts), mcp_max_fail_percentage=100),
        host_vars={unprivileged.name: {'ansible_user': 'mcpfleet', 'ansible_become': True, 'mcp_user': 'mcpfleet'}},
        expect_rc=2)

    # Corrupt: refused before anything was written, with the place of the error.
    assert outcome(run, corrupt.name) in ('started', 'failed_before_change', None), outcome(run, corrupt.name)
    why = failure_text(run, corrupt.name)
    assert corrupt.config_path.replace(corrupt.home, '/root') in why, why
    assert re.search(r'(:5:\d+|line 5)', why), why
    assert corrupt.read() == corrupt_bytes
    assert corrupt.snapshot() == before[corrupt.name]

    # No config yet: created with exactly the declared servers, private.
    assert outcome(run, fresh.name) == 'deployed', failure_text(run, fresh.name)
    assert sorted(fresh.servers()) == DECLARED
    assert os.stat(fresh.config_path).st_mode & 0o777 == 0o600

    # Read-only directory: fails, says why, nothing changed.
    why = failure_text(run, readonly.name)
    assert run.stats[readonly.name]['failures'] >= 1
    assert 'read-only' in why.lower(), why
    assert 'Nothing was changed' in why, why
    assert outcome(run, readonly.name) == 'failed_before_change'
    assert readonly.read() == readonly_bytes
    assert readonly.snapshot() == before[readonly.name]

    # Symlink: the link stays a link to the same file, which now holds the servers; the write kept its mode
    # and the deploy's access step (mcp_access_enforce) then made the real file 0600 and its directory 0700.
    assert outcome(run, linked.name) == 'deployed', failure_text(run, linked.name)
    assert os.path.islink(linked.config_path)
    assert os.readlink(linked.config_path) == os.path.join('..', '..', 'dotfiles', 'claude.json')
    assert sorted(linked.servers()) == sorted(DECLARED + ['legacy'])
    assert os.stat(linked_target).st_mode & 0o777 == 0o600
    assert os.stat(os.path.dirname(linked_target)).st_mode & 0o777 == 0o700

    # Unprivileged user with become: the user's own config, still the user's own file; root's home untouched.
    assert outcome(run, unprivileged.name) == 'deployed', failure_text(run, unprivileged.name)
    assert sorted(unprivileged.servers()) == sorted(DECLARED + ['legacy'])
    owned = tree(os.path.join(unprivileged.user_home, '.config'))
    assert owned and all(uid == user.pw_uid for _what, _mode, uid in owned.values()), owned
    assert os.stat(unprivileged.config_path).st_mode & 0o777 == 0o600
    assert not os.path.exists(os.path.join(unprivileged.home, '.config', 'Claude'))

    # Ordinary host: deployed, its other keys kept.
    assert outcome(run, plain.name) == 'deployed', failure_text(run, plain.name)
    assert plain.servers()['legacy'] == SEED['mcpServers']['legacy']
    for host in (fresh, linked, unprivileged, plain):
        assert run.stats[host.name]['failures'] == 0 and run.stats[host.name]['unreachable'] == 0, host.name
    for host in (linked, unprivileged, plain):
        with open(host.config_path, 'rb') as handle:
            assert b'"globalShortcut": "Ctrl+Space"' in handle.read(), host.name
