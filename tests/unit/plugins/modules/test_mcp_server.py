# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_server and mcp_server_info through their real entry points, on real temporary files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.mcpops.mcp.plugins.modules import mcp_server, mcp_server_info

SECRET = 'ghp_unit_secret_value_1234'


def _args(path, **kw):
    args = dict(config_path=str(path), name='fs', command='sh', args=['-c', 'true'])
    args.update(kw)
    return args


def test_add_then_rerun_is_unchanged(tmp_path, run_module):
    path = tmp_path / 'Claude' / 'claude_desktop_config.json'
    first = run_module(mcp_server.main, _args(path))
    assert first.result['changed'] and first.result['created']
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(path.parent)).st_mode) == 0o700
    second = run_module(mcp_server.main, _args(path))
    assert not second.result['changed']
    assert 'backup_file' not in second.result


def test_check_mode_writes_nothing_and_diff_is_exact(tmp_path, run_module):
    path = tmp_path / 'c.json'
    path.write_bytes(b'{\n  "globalShortcut": "Alt+Space"\n}\n')
    before = path.read_bytes()
    run = run_module(mcp_server.main, _args(path, secret_env={'API_KEY': SECRET}), check=True, diff=True)
    assert run.result['changed']
    assert path.read_bytes() == before
    assert not (tmp_path / 'backups').exists()
    assert SECRET not in run.stdout
    applied = run_module(mcp_server.main, _args(path, secret_env={'API_KEY': SECRET}), diff=True)
    assert applied.result['diff'] == run.result['diff']
    assert json.loads(path.read_bytes())['mcpServers']['fs']['env'] == {'API_KEY': SECRET}
    assert os.path.isfile(applied.result['backup_file'])
    with open(applied.result['backup_file'], 'rb') as handle:
        assert handle.read() == before


def test_corrupt_file_is_refused_and_untouched(tmp_path, run_module):
    path = tmp_path / 'c.json'
    path.write_bytes(b'{\n  "mcpServers": {},\n}\n')
    run = run_module(mcp_server.main, _args(path))
    assert run.failed
    assert '%s:3:1' % path in run.result['msg']
    assert path.read_bytes() == b'{\n  "mcpServers": {},\n}\n'
    info = run_module(mcp_server_info.main, dict(config_path=str(path)))
    assert not info.failed
    assert info.result['valid'] is False and 'trailing comma' in info.result['error']


@pytest.mark.parametrize('kw,words', [
    (dict(name='bad name'), 'invalid name "bad name": Claude Desktop takes only letters, digits'),
    (dict(command='definitely-not-a-command-xyz'), 'was not found'),
    (dict(url='https://example.invalid/mcp', args=None), 'mcp-remote'),
    (dict(command=None), 'command (or url) is required'),
    (dict(url='https://example.invalid/mcp'), 'mutually exclusive: command|url'),
    (dict(env={'A': '1'}, secret_env={'A': '2'}), 'both env and secret_env'),
    (dict(secret_env={'GITHUB_TOKEN': ''}), 'secret_env GITHUB_TOKEN has no value'),
    (dict(env={'A': None}), 'env A has no value'),
    (dict(env={'B': [1, 2]}), 'env B must be a string, number or boolean, found a list'),
    (dict(args=[True, None]), 'args[1] must be a string, number or boolean, found null'),
    (dict(args=[{'a': 1}]), 'args[0] must be a string, number or boolean, found a mapping'),
    (dict(args=['-y', '']), 'args[1] is an empty string'),
])
def test_bad_input_fails_clearly_and_writes_nothing(tmp_path, run_module, kw, words):
    path = tmp_path / 'Claude' / 'c.json'
    args = _args(path, **kw)
    if 'url' in kw and 'args' in kw:
        del args['command'], args['args']
    run = run_module(mcp_server.main, args)
    assert run.failed and words in run.result['msg'], run.result
    assert not path.parent.exists()


def test_not_executable_command(tmp_path, run_module):
    script = tmp_path / 'server.sh'
    script.write_text('echo hi\n')
    os.chmod(str(script), 0o644)
    run = run_module(mcp_server.main, _args(tmp_path / 'c.json', command=str(script)))
    assert run.failed and 'not executable' in run.result['msg']


def test_secret_looking_env_is_masked_with_warning(tmp_path, run_module, capsys):
    path = tmp_path / 'c.json'
    run = run_module(mcp_server.main, _args(path, env={'GITHUB_TOKEN': SECRET, 'DEBUG': '1'}), diff=True)
    assert SECRET not in run.stdout
    # ansible-core >= 2.19 reports in-process warnings on stderr instead of in the result
    # ... and some releases return each warning as a dict with its text under 'msg'.
    warnings = ' '.join(w.get('msg', '%s' % w) if isinstance(w, dict) else w
                        for w in run.result.get('warnings', [])) + capsys.readouterr().err
    assert 'GITHUB_TOKEN' in warnings and 'secret_env' in warnings and SECRET not in warnings
    assert json.loads(path.read_bytes())['mcpServers']['fs']['env']['GITHUB_TOKEN'] == SECRET


def test_absent_and_info(tmp_path, run_module):
    path = tmp_path / 'c.json'
    path.write_bytes(json.dumps({'mcpServers': {'fs': {'command': 'sh', 'env': {'T': SECRET}, 'disabled': True},
                                                'other': {'command': 'x'}}}, indent=2).encode())
    info = run_module(mcp_server_info.main, dict(config_path=str(path), names=['fs', 'nope']))
    assert info.result['server_count'] == 2
    assert info.result['servers'] == [{'name': 'fs', 'command': 'sh', 'args': [], 'env': {'T': '********'},
                                       'env_keys': ['T'], 'cwd': None, 'url': None, 'type': None, 'extra': {'disabled': True}}]
    assert info.result['missing'] == ['nope']
    assert SECRET not in info.stdout
    gone = run_module(mcp_server.main, dict(config_path=str(path), name='fs', state='absent'), diff=True)
    assert gone.result['changed'] and gone.result['server'] is None
    assert SECRET not in gone.stdout
    assert list(json.loads(path.read_bytes())['mcpServers']) == ['other']


def test_scalars_are_written_as_json_users_expect(tmp_path, run_module):
    path = tmp_path / 'c.json'
    run = run_module(mcp_server.main, _args(path, args=['--x', True, 1, 1.5, False], env={'A': True, 'B': 2, 'C': 'c'}))
    assert not run.failed, run.result
    entry = json.loads(path.read_bytes())['mcpServers']['fs']
    assert entry['args'] == ['--x', 'true', '1', '1.5', 'false']
    assert entry['env'] == {'A': 'true', 'B': '2', 'C': 'c'}
    assert not run_module(mcp_server.main, _args(path, args=['--x', 'true', '1', '1.5', 'false'],
                                                 env={'A': 'true', 'B': '2', 'C': 'c'})).result['changed']


FIGMA = 'Framelink Figma MCP'


def test_an_existing_name_outside_the_pattern_can_be_read_updated_and_removed(tmp_path, run_module):
    path = tmp_path / 'c.json'
    path.write_bytes(json.dumps({'mcpServers': {FIGMA: {'command': 'npx', 'args': ['figma'], 'disabled': True},
                                                'other': {'command': 'x'}}}, indent=2).encode())
    info = run_module(mcp_server_info.main, dict(config_path=str(path), names=[FIGMA]))
    assert [s['name'] for s in info.result['servers']] == [FIGMA] and info.result['missing'] == []
    updated = run_module(mcp_server.main, dict(config_path=str(path), name=FIGMA, command='sh', args=['-c', 'true']))
    assert updated.result['changed'], updated.result
    assert json.loads(path.read_bytes())['mcpServers'][FIGMA] == {'command': 'sh', 'args': ['-c', 'true'], 'disabled': True}
    gone = run_module(mcp_server.main, dict(config_path=str(path), name=FIGMA, state='absent'))
    assert gone.result['changed']
    assert list(json.loads(path.read_bytes())['mcpServers']) == ['other']
    again = run_module(mcp_server.main, dict(config_path=str(path), name=FIGMA, command='sh'))
    assert again.failed and 'invalid name' in again.result['msg']
    assert list(json.loads(path.read_bytes())['mcpServers']) == ['other']
