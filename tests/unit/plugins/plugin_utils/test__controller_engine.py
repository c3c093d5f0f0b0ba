# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller engine's own pieces: engine choice, path mapping, sidecars, command lookups, the local run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.mcpops.mcp.plugins.plugin_utils import _controller_engine as engine


class Shell(object):
    def __init__(self, family, windows=False):
        self.SHELL_FAMILY = family
        if windows:
            self._IS_WINDOWS = True


class Connection(object):
    def __init__(self, shell):
        self._shell = shell


@pytest.mark.parametrize('option, windows, expected', [
    (None, False, 'host'), ('auto', False, 'host'), ('auto', True, 'controller'), ('controller', False, 'controller'),
    ('controller', True, 'controller'), ('host', False, 'host'),
])
def test_engine_choice(option, windows, expected):
    assert engine.choose_engine(option, windows) == expected


def test_engine_choice_refusals():
    with pytest.raises(engine.HostError, match='engine=host cannot run on a Windows host'):
        engine.choose_engine('host', True)
    with pytest.raises(engine.HostError, match='engine must be one of auto, host, controller'):
        engine.choose_engine('remote', False)


def test_windows_is_read_from_the_connection_shell():
    assert engine.is_windows(Connection(Shell('powershell', windows=True)))
    assert engine.is_windows(Connection(Shell('powershell')))
    assert not engine.is_windows(Connection(Shell('sh')))
    assert not engine.is_windows(Connection(None))


def test_windows_paths_round_trip_through_the_mirror():
    paths = engine.PathMap('/m/root', True)
    host = 'C:\\Users\\A B\\AppData\\Roaming\\Claude\\claude_desktop_config.json'
    mirror = paths.to_mirror(host)
    assert mirror == '/m/root/C/Users/A B/AppData/Roaming/Claude/claude_desktop_config.json'
    assert paths.to_host(mirror) == host
    assert paths.to_host('/m/root/C/Users/A B/AppData/Roaming/Claude/backups/b.json') == \
        'C:\\Users\\A B\\AppData\\Roaming\\Claude\\backups\\b.json'
    assert paths.norm('c:/Users//x/./y') == 'C:\\Users\\x\\y'
    assert paths.to_host(paths.to_mirror('\\\\server\\share\\c.json')) == '\\\\server\\share\\c.json'
    assert paths.ancestors('C:\\a\\b') == ['C:\\a\\b', 'C:\\a', 'C:\\']
    with pytest.raises(engine.HostError, match='not an absolute Windows path'):
        paths.norm('relative\\path')


def test_results_name_host_paths_only():
    paths = engine.PathMap('/m/root', True)
    config = paths.to_mirror('C:\\Users\\a\\Claude\\c.json')
    paths.known.setdefault('/m/root/C/Users/a/Claude/backups/x.json', 'C:\\Users\\a\\Claude\\backups\\x.json')
    result = paths.map_result({'config_path': config, 'msg': 'Refusing to edit: %s:1:1: bad' % config,
                               'list': ['/m/root/C/Users/a/Claude/backups/x.json', 3, None],
                               'other': '/m/root/C/Other/y.json was seen'})
    assert result == {'config_path': 'C:\\Users\\a\\Claude\\c.json', 'msg': 'Refusing to edit: C:\\Users\\a\\Claude\\c.json:1:1: bad',
                      'list': ['C:\\Users\\a\\Claude\\backups\\x.json', 3, None], 'other': 'C:\\Other\\y.json was seen'}
    posix = engine.PathMap('/m/root', False)
    assert posix.map_text('at /m/root/home/a/x y.json:2:3') == 'at /home/a/x y.json:2:3'


def test_sidecar_source_is_mapped_and_nothing_else_changes():
    data = json.dumps(dict(format=1, source='C:\\Users\\a\\c.json', sha256='ab', size=3), indent=2, sort_keys=True).encode() + b'\n'
    paths = engine.PathMap('/m/root', True)
    mirrored = engine.rewrite_meta(data, paths.to_mirror)
    assert json.loads(mirrored.decode())['source'] == '/m/root/C/Users/a/c.json'
    assert engine.rewrite_meta(mirrored, paths.to_host) == data
    assert engine.rewrite_meta(b'not json', paths.to_host) == b'not json'


def test_command_queries_follow_the_entry_path_rules():
    assert engine.command_queries('mcpops.mcp.mcp_server', dict(command='npx', env={'PATH': '/x'})) == [('npx', '/x')]
    assert engine.command_queries('mcpops.mcp.mcp_server', dict(command='npx', validate_command=False)) == []
    servers = '[{"name": "a", "command": "uvx", "secret_env": {"PATH": "/s"}}, {"name": "b", "command": "x", "state": "absent"}]'
    assert engine.command_queries('mcpops.mcp.mcp_servers', dict(servers=servers)) == [('uvx', '/s')]
    assert engine.command_queries('mcpops.mcp.mcp_backup', dict()) == []


def test_a_lookup_the_guess_missed_stops_the_local_run_before_anything_is_written(tmp_path):
    config = tmp_path / 'c.json'
    config.write_bytes(b'{"mcpServers": {}}\n')
    args = dict(name='n', command='some-tool', config_path=str(config), validate_command=True)
    result, missed = engine.run_local('mcpops.mcp.mcp_server', args, str(tmp_path), lookups=[])
    assert result is None and missed == ('some-tool', None)
    assert config.read_bytes() == b'{"mcpServers": {}}\n'
    result, missed = engine.run_local('mcpops.mcp.mcp_server', args, str(tmp_path),
                                      lookups=[['some-tool', None, ['/host/bin/some-tool', None]]])
    assert missed is None and result['changed'] and b'some-tool' in config.read_bytes()
