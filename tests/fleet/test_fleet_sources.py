# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Install from source over SSH: an npm tarball and a tagged git repository (both made here, no network) on two
hosts, the second reached as mcpfleet with become + mcp_user: the installs land in each user's own
~/.local/share/mcpops/servers, belong to that user, the servers answer the handshake, and a rerun changes nothing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import pwd
import sys

from _fleet import base_vars, failure_text, outcome, tree

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'integration'))
from test_sources import _run, node_package  # noqa: E402  (the same tiny Node server and git helper)


def test_sources_install_per_user_over_ssh_and_rerun_changes_nothing(fleet, tmp_path):
    root_host, user_host = fleet.hosts[:2]
    user = pwd.getpwnam('mcpfleet')
    user_host.owner_home = user_host.user_home
    # The hosts see this machine's /tmp; the installs run as root there (become on the second host).
    sources = tmp_path / 'sources'
    package = node_package(sources / 'node')
    tarball = os.path.join(str(sources), _run(['npm', 'pack', '--silent', '--pack-destination', str(sources)], package)
                           .strip().splitlines()[-1])
    work = node_package(sources / 'work')
    repo = str(sources / 'tiny.git')
    _run(['git', 'init', '--bare', '-q', repo], sources)
    for argv in (['git', 'init', '-q', '-b', 'main'], ['git', 'add', '.'], ['git', 'commit', '-q', '-m', 'tiny'],
                 ['git', 'tag', 'v1.0.0'], ['git', 'push', '-q', repo, 'main', 'v1.0.0']):
        _run(argv, work)
    servers = [
        {'name': 'from-npm', 'expect_tools': ['echo'],
         'source': {'type': 'npm', 'package': 'tiny-mcp-node', 'version': '1.0.0', 'tarball': tarball}},
        {'name': 'from-git', 'source': {'type': 'git', 'repo': repo, 'version': 'v1.0.0'}},
    ]
    extravars = base_vars(servers, mcp_hosts=','.join([root_host.name, user_host.name]), mcp_serial=2)
    host_vars = {user_host.name: {'ansible_user': 'mcpfleet', 'ansible_become': True, 'mcp_user': 'mcpfleet'}}

    run = fleet.deploy(tmp_path / 'first', extravars, host_vars=host_vars)

    for host, home in ((root_host, '/root'), (user_host, '/home/mcpfleet')):
        assert outcome(run, host.name) == 'deployed', failure_text(run, host.name)
        base = home + '/.local/share/mcpops/servers'
        assert host.servers() == {
            'from-npm': {'command': base + '/from-npm/npm-1.0.0/node_modules/.bin/tiny-mcp-node'},
            'from-git': {'command': base + '/from-git/git-v1.0.0/node_modules/.bin/tiny-mcp-node'}}
    installed = tree(os.path.join(user_host.user_home, '.local'))
    assert installed and all(uid == user.pw_uid for _what, _mode, uid in installed.values()), [
        path for path, (_what, _mode, uid) in installed.items() if uid != user.pw_uid][:5]
    assert not os.path.exists(os.path.join(user_host.home, '.local', 'share', 'mcpops'))

    again = fleet.deploy(tmp_path / 'again', extravars, host_vars=host_vars)
    assert again.changed == 0, [(e['task'], e['host']) for e in again.events if e['status'] == 'changed']
