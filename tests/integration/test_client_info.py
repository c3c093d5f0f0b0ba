# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_client_info run for real by ansible-playbook over two simulated hosts, each with its own fake HOME.

Host ws-1 has Cursor, Claude Code (with a local-scope project), VS Code (JSONC with comments), Codex (TOML)
and a broken Windsurf file; host ws-2 has nothing but a Gemini directory and a `zed` program on its PATH.
The run is also made under module_defaults for the collection's group with client set (the module ignores it),
in check mode, and must leave every file byte-identical and untouched.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

from _helpers import run_playbook, snapshot, write

try:
    import tomlkit  # noqa: F401 pylint: disable=unused-import
    HAVE_TOML = True
except ImportError:
    HAVE_TOML = False

WS1_FILES = {
    '.cursor/mcp.json': '{\n  "mcpServers": {\n    "github": {"command": "npx", "args": ["-y", "gh"]},\n'
                        '    "docs": {"url": "https://docs.example.com/mcp", "headers": {"X": "1"}}\n  }\n}\n',
    '.claude.json': '{"numStartups": 41, "projects": {"/srv/app": {"mcpServers": {"p": {"command": "x"}}}},'
                    ' "mcpServers": {"time": {"type": "stdio", "command": "uvx", "args": ["mcp-server-time"]}}}',
    '.config/Code/User/mcp.json': '// my servers\n{\n  "inputs": [],\n  "servers": {\n    "mem": {"type": "stdio",'
                                  ' "command": "npx"}, // memory\n  },\n}\n',
    '.codex/config.toml': '# codex\nmodel = "o3"\n\n[mcp_servers.time]\ncommand = "uvx"\nargs = ["mcp-server-time"]\n',
    '.codeium/windsurf/mcp_config.json': '{"mcpServers": {"a": {"command": "x"},}}\n',
}


def make_hosts(tmp_path):
    ws1 = tmp_path / 'ws-1'
    for rel, text in WS1_FILES.items():
        write(ws1 / rel, text)
    ws2 = tmp_path / 'ws-2'
    os.makedirs(str(ws2 / '.gemini'))
    bindir = ws2 / '.local' / 'bin'
    bindir.mkdir(parents=True)
    (bindir / 'zed').write_text(u'#!/bin/sh\nexit 0\n')
    (bindir / 'zed').chmod(stat.S_IRWXU)
    return {'ws-1': {'fake_home': str(ws1)}, 'ws-2': {'fake_home': str(ws2)}}


def info_task(**params):
    return {'name': 'clients', 'mcpops.mcp.mcp_client_info': params, 'register': 'found',
            'environment': {'HOME': '{{ fake_home }}', 'PATH': '/usr/bin:/bin', 'CODEX_HOME': ''}}


def items(result):
    return dict((i['name'], i) for i in result['clients'])


def test_client_info_over_two_hosts(tmp_path):
    host_vars = make_hosts(tmp_path)
    files = [str(tmp_path / 'ws-1' / rel) for rel in WS1_FILES]
    before = dict((p, snapshot(p)) for p in files)
    run = run_playbook(tmp_path, [info_task()], hosts=tuple(host_vars), host_vars=host_vars, check=True).assert_ok()
    assert run.changed('ws-1') == 0 and run.changed('ws-2') == 0
    ws1 = run.result('clients', 'ws-1')
    got = items(ws1)
    home = host_vars['ws-1']['fake_home']
    assert [i['name'] for i in ws1['clients']] == sorted(got)
    assert got['cursor']['installed'] and got['cursor']['config_path'] == os.path.join(home, '.cursor', 'mcp.json')
    assert (got['cursor']['valid'], got['cursor']['server_count'], got['cursor']['servers']) == (True, 2, ['github', 'docs'])
    assert got['cursor']['size'] == len(WS1_FILES['.cursor/mcp.json'])
    assert (got['claude_code']['server_count'], got['claude_code']['servers']) == (1, ['time'])  # user scope only
    assert got['vscode']['format'] == 'jsonc' and got['vscode']['installed']
    assert got['windsurf']['valid'] is False and got['windsurf']['error'].startswith(
        os.path.join(home, '.codeium', 'windsurf', 'mcp_config.json') + ':1:')
    if HAVE_TOML:
        assert (got['codex']['format'], got['codex']['valid'], got['codex']['server_count']) == ('toml', True, 1)
    assert not got['zed']['installed'] and not got['claude_desktop']['installed']
    assert set(ws1['installed']) == {'claude_code', 'codex', 'cursor', 'vscode', 'windsurf'}

    ws2 = items(run.result('clients', 'ws-2'))
    assert ws2['gemini']['evidence'] == ['config_dir'] and ws2['gemini']['exists'] is False
    assert ws2['zed']['evidence'] == ['binary:%s' % os.path.join(host_vars['ws-2']['fake_home'], '.local', 'bin', 'zed')]
    assert run.result('clients', 'ws-2')['installed'] == ['gemini', 'zed']

    after = dict((p, snapshot(p)) for p in files)
    assert after == before
    assert sorted(os.listdir(str(tmp_path / 'ws-1' / '.cursor'))) == ['mcp.json']


def test_client_info_under_module_defaults_filters_with_clients(tmp_path):
    host_vars = make_hosts(tmp_path)
    play = [info_task(clients=['cursor', 'zed'])]
    run = run_playbook(tmp_path, play, hosts=('ws-1',), host_vars={'ws-1': host_vars['ws-1']},
                       play_vars=None, extra_vars=None)
    run.assert_ok()
    assert [i['name'] for i in run.result('clients', 'ws-1')['clients']] == ['cursor', 'zed']
    # the group's shared options (client, config_path, backup_dir) are accepted and ignored
    task = info_task()
    grouped = {'name': 'grouped', 'block': [task],
               'module_defaults': {'group/mcpops.mcp.mcp': {'client': 'claude_desktop', 'config_path': '/nowhere.json'}}}
    run = run_playbook(tmp_path, [grouped], hosts=('ws-1',), host_vars={'ws-1': host_vars['ws-1']}).assert_ok()
    assert len(run.result('clients', 'ws-1')['clients']) == 8


def test_unknown_client_is_refused_by_the_argument_spec(tmp_path):
    host_vars = make_hosts(tmp_path)
    task = dict(info_task(clients=['emacs']), ignore_errors=True)
    run = run_playbook(tmp_path, [task], hosts=('ws-1',), host_vars={'ws-1': host_vars['ws-1']})
    assert run.failed('clients', 'ws-1')
    assert 'emacs' in run.result('clients', 'ws-1')['msg']
