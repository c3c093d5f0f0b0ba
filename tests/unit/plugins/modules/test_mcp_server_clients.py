# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine across every client of the table, through mcp_server/mcp_servers/mcp_server_info/mcp_backup's real
entry points on real files: splices (bytes outside the edited entry identical), scopes, secret_mode=env_ref, refusals."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.mcpops.mcp.plugins.module_utils._clients import CLIENT_NAMES, CLIENTS
from ansible_collections.mcpops.mcp.plugins.modules import mcp_backup, mcp_server, mcp_server_info, mcp_servers

SECRET = 'ghp_clients_secret_value_5678'
JSON_CLIENTS = [n for n in CLIENT_NAMES if CLIENTS[n]['format'] != 'toml']


def _start(name):
    """A file the client could hold: other settings with odd spellings (and comments where the format has them),
    and one entry of the user's with a key we do not manage."""
    row = CLIENTS[name]
    key = row['servers_path'][0]
    if row['format'] == 'toml':
        return (u'# my settings\nmodel = "o3"  # keep me\nnumbers = [1, -0, 1.50]\n\n'
                u'[mcp_servers.mine]\ncommand = "sh"\nstartup_timeout_sec = 20 # mine\n').encode('utf-8')
    comment = u'  // comment kept\n' if row['format'] == 'jsonc' else u''
    return (u'{\n%s  "keep": {"inline": [1, -0, 1.50, "\\u00e9"]},\n  "%s": {\n'
            u'    "mine": {"command": "sh", "disabled": true}\n  },\n  "tail": 1e5\n}\n' % (comment, key)).encode('utf-8')


def _servers(name):
    servers = [dict(name='fs', command='sh', args=['-c', 'true'], env={'A': '1'}, secret_env={'API_TOKEN': SECRET})]
    if 'url' in CLIENTS[name]['fields']:
        servers.append(dict(name='remote', url='https://mcp.example.invalid/mcp', headers={'Authorization': 'Bearer ' + SECRET}))
    return servers


def _path(tmp_path, name):
    return tmp_path / name / ('config.toml' if CLIENTS[name]['format'] == 'toml' else 'config.json')


@pytest.mark.parametrize('name', CLIENT_NAMES)
def test_add_rerun_remove_splices_only_the_entries(tmp_path, run_module, name):
    path = _path(tmp_path, name)
    path.parent.mkdir()
    start = _start(name)
    path.write_bytes(start)
    args = dict(client=name, config_path=str(path), servers=_servers(name), validate_command=False)
    check = run_module(mcp_servers.main, args, check=True, diff=True)
    assert check.result['changed'] and path.read_bytes() == start, check.result
    assert SECRET not in check.stdout
    run = run_module(mcp_servers.main, args, diff=True)
    assert run.result['changed'] and run.result['diff'] == check.result['diff']
    assert SECRET not in run.stdout
    with open(run.result['backup_file'], 'rb') as handle:
        assert handle.read() == start
    text = path.read_bytes()
    # The text before the servers object is as it was: comments, inline objects, -0, 1.50 and \u00e9 included.
    head = start.split(b'"mine"')[0] if CLIENTS[name]['format'] != 'toml' else start.split(b'[mcp_servers.mine]')[0]
    assert text.startswith(head)
    assert b'"disabled": true' in text or b'startup_timeout_sec = 20 # mine' in text
    assert SECRET.encode() in text  # literal mode: the value is in the file
    again = run_module(mcp_servers.main, args)
    assert not again.result['changed'] and path.read_bytes() == text
    info = run_module(mcp_server_info.main, dict(client=name, config_path=str(path)))
    assert [s['name'] for s in info.result['servers']] == ['mine', 'fs'] + (['remote'] if len(_servers(name)) > 1 else [])
    assert SECRET not in info.stdout
    if len(_servers(name)) > 1:
        assert info.result['servers'][2]['url'] == 'https://mcp.example.invalid/mcp'
    for gone in [s['name'] for s in _servers(name)]:
        assert run_module(mcp_server.main, dict(client=name, config_path=str(path), name=gone, state='absent')).result['changed']
    assert path.read_bytes() == start


@pytest.mark.parametrize('name', CLIENT_NAMES)
def test_an_update_touches_only_the_managed_keys(tmp_path, run_module, name):
    path = _path(tmp_path, name)
    path.parent.mkdir()
    start = _start(name)
    path.write_bytes(start)
    run = run_module(mcp_server.main, dict(client=name, config_path=str(path), name='mine', command='sh',
                                           args=['-c', 'exit 0']))
    assert run.result['changed'], run.result
    text = path.read_bytes()
    if CLIENTS[name]['format'] == 'toml':
        assert b'startup_timeout_sec = 20 # mine' in text and text.startswith(start.split(b'[mcp_servers.mine]')[0])
    else:
        assert b'"disabled": true' in text and text.endswith(b'  },\n  "tail": 1e5\n}\n')
        assert text.startswith(start.split(b'"mine"')[0])
    assert run.result['server']['args'] == ['-c', 'exit 0']


@pytest.mark.parametrize('name,data,words', [
    ('cursor', b'{\n  // no comments in strict JSON\n  "mcpServers": {}\n}\n', 'comments are not allowed'),
    ('claude_code', b'{"mcpServers": {},}', 'trailing comma'),
    ('vscode', b'{\n  "servers": {"a": {}, "a": {}}\n}\n', 'duplicate key "a"'),
    ('zed', b'{\n  // fine\n  "context_servers": []\n}\n', '"context_servers" must be an object'),
    ('gemini', b'', 'empty'),
])
def test_refused_files_stay_byte_identical(tmp_path, run_module, name, data, words):
    path = tmp_path / 'c.json'
    path.write_bytes(data)
    run = run_module(mcp_server.main, dict(client=name, config_path=str(path), name='fs', command='sh'))
    assert run.failed and words in run.result['msg'], run.result
    assert path.read_bytes() == data
    assert [n for n in sorted(os.listdir(str(tmp_path))) if not n.endswith('.lock')] == ['c.json']


def test_jsonc_refusal_has_line_and_column_after_comments(tmp_path, run_module):
    path = tmp_path / 'mcp.json'
    path.write_bytes(b'{\n  // servers below\n  /* and more */ "servers": {\n    "a": "npx",\n  },\n}\n')
    run = run_module(mcp_server.main, dict(client='vscode', config_path=str(path), name='fs', command='sh'))
    assert run.failed and '%s:4:5' % path in run.result['msg'] and 'server "a" must be an object' in run.result['msg']


@pytest.mark.parametrize('name,kw,words', [
    ('claude_desktop', dict(url='https://h/mcp', headers={'A': 'b'}), "Claude Desktop does not support 'url'"),
    ('cursor', dict(command='sh', cwd='/srv'), "Cursor does not support 'cwd'"),
    ('codex', dict(url='https://h/mcp', env={'A': '1'}), "Codex does not allow 'env' on a URL entry"),
    ('zed', dict(url='https://h/mcp', type='sse'), "Zed does not support type 'sse'"),
    ('claude_code', dict(command='sh', secret_env={'T': SECRET}, secret_mode='env_ref', name='bad name'),
     'server bad name: invalid name "bad name": Claude Code takes only letters, digits, "_" and "-" in a new server '
     'name (names already in the config can be updated or removed as they are).'),
    ('claude_desktop', dict(command='sh', secret_env={'T': SECRET}, secret_mode='env_ref'),
     'Clients that can: Claude Code, Cursor'),
    ('zed', dict(command='sh', secret_env={'T': SECRET}, secret_mode='env_ref'),
     'Codex takes secret_env by name (env_vars) with secret_mode=env_ref.'),
])
def test_what_a_client_cannot_take_is_refused_naming_it(tmp_path, run_module, name, kw, words):
    path = tmp_path / 'c.json'
    args = dict(dict(client=name, config_path=str(path), name='fs'), **kw)
    run = run_module(mcp_server.main, args)
    assert run.failed and words in run.result['msg'], run.result
    assert SECRET not in run.stdout
    assert not path.exists()


def test_claude_code_scopes(tmp_path, run_module, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    project = tmp_path / 'src' / 'app'
    project.mkdir(parents=True)
    claude = tmp_path / '.claude.json'
    start = (u'{\n  "numStartups": 42,\n  "mcpServers": {\n    "global": {"command": "sh"}\n  },\n  "projects": {\n'
             u'    "%s": {\n      "allowedTools": [],\n      "mcpServers": {}\n    }\n  }\n}\n' % project).encode('utf-8')
    claude.write_bytes(start)
    base = dict(client='claude_code', name='time', command='sh', args=['-c', 'true'])
    local = run_module(mcp_server.main, dict(base, scope='local', project_path=str(project)))
    assert local.result['changed'] and local.result['config_path'] == str(claude), local.result
    data = json.loads(claude.read_bytes())
    assert data['projects'][str(project)]['mcpServers'] == {'time': {'command': 'sh', 'args': ['-c', 'true']}}
    assert data['mcpServers'] == {'global': {'command': 'sh'}} and data['numStartups'] == 42
    assert claude.read_bytes().startswith(start.split(b'      "mcpServers": {}')[0])
    assert not run_module(mcp_server.main, dict(base, scope='local', project_path=str(project))).result['changed']
    info = run_module(mcp_server_info.main, dict(client='claude_code', scope='local', project_path=str(project)))
    assert [s['name'] for s in info.result['servers']] == ['time']
    user = run_module(mcp_server_info.main, dict(client='claude_code'))
    assert [s['name'] for s in user.result['servers']] == ['global']
    shared = run_module(mcp_server.main, dict(base, scope='project', project_path=str(project)))
    assert shared.result['config_path'] == str(project / '.mcp.json') and shared.result['created']
    assert json.loads((project / '.mcp.json').read_bytes()) == {'mcpServers': {'time': {'command': 'sh', 'args': ['-c', 'true']}}}
    # A project the file does not list yet: its entry is created (parents as objects).
    other = tmp_path / 'other'
    other.mkdir()
    assert run_module(mcp_server.main, dict(base, scope='local', project_path=str(other))).result['changed']
    assert json.loads(claude.read_bytes())['projects'][str(other)] == {'mcpServers': {'time': {'command': 'sh', 'args': ['-c', 'true']}}}


@pytest.mark.parametrize('kw,words', [
    (dict(client='cursor', scope='local', project_path='/srv/p'), "Cursor has no 'local' scope; its scopes: user, project"),
    (dict(client='claude_code', scope='local'), 'needs project_path'),
])
def test_scope_refusals(tmp_path, run_module, kw, words):
    run = run_module(mcp_server.main, dict(kw, name='fs', command='sh', config_path=str(tmp_path / 'c.json')))
    assert run.failed and words in run.result['msg'], run.result
    assert not (tmp_path / 'c.json').exists()


@pytest.mark.parametrize('name,reference', [('claude_code', '${API_TOKEN}'), ('cursor', '${env:API_TOKEN}'),
                                            ('windsurf', '${env:API_TOKEN}'), ('gemini', '${API_TOKEN}')])
def test_env_ref_writes_references_never_values(tmp_path, run_module, name, reference):
    path = tmp_path / 'c.json'
    args = dict(client=name, config_path=str(path), name='fs', command='sh', env={'A': '1'},
                secret_env={'API_TOKEN': SECRET}, secret_mode='env_ref')
    run = run_module(mcp_server.main, args, diff=True)
    assert run.result['changed'] and SECRET not in run.stdout
    assert SECRET.encode() not in path.read_bytes()
    entry = json.loads(path.read_bytes())[CLIENTS[name]['servers_path'][0]]['fs']
    assert entry['env'] == {'A': '1', 'API_TOKEN': reference}
    assert not run_module(mcp_server.main, args).result['changed']
    literal = run_module(mcp_server.main, dict(args, secret_mode='literal'))
    assert literal.result['changed'] and json.loads(path.read_bytes())[CLIENTS[name]['servers_path'][0]]['fs']['env']['API_TOKEN'] == SECRET


def test_env_ref_for_vscode_writes_a_0600_env_file(tmp_path, run_module):
    path = tmp_path / 'User' / 'mcp.json'
    path.parent.mkdir()
    path.write_bytes(b'{\n  // mine\n  "inputs": [],\n  "servers": {}\n}\n')
    args = dict(client='vscode', config_path=str(path), name='gh', command='sh', env={'A': '1'},
                secret_env={'GITHUB_TOKEN': SECRET, 'NOTE': 'two words'}, secret_mode='env_ref')
    check = run_module(mcp_server.main, args, check=True)
    assert check.result['changed'] and not (tmp_path / 'User' / 'mcp-gh.env').exists()
    run = run_module(mcp_server.main, args, diff=True)
    env_file = tmp_path / 'User' / 'mcp-gh.env'
    assert run.result['env_file'] == str(env_file) and SECRET not in run.stdout
    assert stat.S_IMODE(os.stat(str(env_file)).st_mode) == 0o600
    assert env_file.read_bytes() == ('GITHUB_TOKEN=%s\nNOTE="two words"\n' % SECRET).encode()
    text = path.read_bytes()
    assert SECRET.encode() not in text and text.startswith(b'{\n  // mine\n  "inputs": [],\n')
    assert json.loads(text.replace(b'  // mine\n', b''))['servers']['gh'] == {
        'type': 'stdio', 'command': 'sh', 'env': {'A': '1'}, 'envFile': str(env_file)}
    assert not run_module(mcp_server.main, args).result['changed']
    rotated = run_module(mcp_server.main, dict(args, secret_env={'GITHUB_TOKEN': 'ghp_rotated_value_0000', 'NOTE': 'x'}))
    assert rotated.result['changed'] and path.read_bytes() == text  # only the env file changed
    assert b'ghp_rotated_value_0000' in env_file.read_bytes()
    # Back to literal: the value goes into the entry and the envFile we set is removed (a user's own one would stay).
    literal = run_module(mcp_server.main, dict(args, secret_mode='literal'))
    entry = json.loads(path.read_bytes().replace(b'  // mine\n', b''))['servers']['gh']
    assert literal.result['changed'] and 'envFile' not in entry and entry['env']['GITHUB_TOKEN'] == SECRET
    assert not env_file.exists()  # no entry loads it any more: the stale copy of the secrets goes too


def test_removing_a_vscode_entry_removes_its_env_file_with_a_backup(tmp_path, run_module):
    path = tmp_path / 'User' / 'mcp.json'
    path.parent.mkdir()
    own = tmp_path / 'User' / 'mine.env'  # a user's own envFile: never ours to delete
    own.write_bytes(b'X=1\n')
    path.write_bytes(json.dumps({'servers': {'keep': {'command': 'sh', 'envFile': str(own)}}}).encode())
    backups = tmp_path / 'backups'
    base = dict(client='vscode', config_path=str(path), backup_dir=str(backups))
    args = dict(base, name='gh', command='sh', secret_env={'GITHUB_TOKEN': SECRET}, secret_mode='env_ref')
    assert run_module(mcp_server.main, args).result['changed']
    env_file = tmp_path / 'User' / 'mcp-gh.env'
    assert env_file.exists()
    kept = sorted(backups.iterdir())

    check = run_module(mcp_server.main, dict(base, name='gh', state='absent'), check=True)
    assert check.result['changed'] and env_file.exists() and sorted(backups.iterdir()) == kept
    gone = run_module(mcp_server.main, dict(base, name='gh', state='absent'))
    assert gone.result['changed'] and SECRET not in gone.stdout
    assert 'gh' not in json.loads(path.read_bytes())['servers'] and not env_file.exists()
    # The env file was backed up like the config (0600), tied to the file it came from.
    new = [p for p in sorted(backups.iterdir()) if p not in kept and not p.name.endswith('.meta')]
    saved = [p for p in new if p.read_bytes() == ('GITHUB_TOKEN=%s\n' % SECRET).encode()]
    assert len(saved) == 1 and stat.S_IMODE(os.stat(str(saved[0])).st_mode) == 0o600
    assert str(env_file) in (saved[0].parent / (saved[0].name + '.meta')).read_text()
    assert not run_module(mcp_server.main, dict(base, name='gh', state='absent')).result['changed']

    # mcp_servers: an entry removed by exclusive takes its env file along; the user's own one stays.
    assert run_module(mcp_server.main, args).result['changed'] and env_file.exists()
    only = run_module(mcp_servers.main, dict(base, servers=[dict(name='other', command='sh')], exclusive=True))
    assert only.result['changed'] and not env_file.exists()
    assert own.read_bytes() == b'X=1\n' and list(json.loads(path.read_bytes())['servers']) == ['other']


def test_per_server_restore_keeps_the_rest_of_a_jsonc_file(tmp_path, run_module):
    path = tmp_path / 'settings.json'
    start = b'{\n  // my settings\n  "theme": "dark",\n  "mcpServers": {\n    "a": {"command": "sh", "trust": true},\n  },\n}\n'
    path.write_bytes(start)
    base = dict(client='gemini', config_path=str(path))
    made = run_module(mcp_backup.main, base)
    assert made.result['changed'], made.result
    run_module(mcp_server.main, dict(base, name='a', state='absent'))
    run_module(mcp_server.main, dict(base, name='b', command='sh'))
    restored = run_module(mcp_backup.main, dict(base, state='restored', src=made.result['backup_file'], names=['a']))
    assert restored.result['changed'], restored.result
    text = path.read_bytes()
    assert text.startswith(b'{\n  // my settings\n  "theme": "dark",\n')
    assert b'"trust": true' in text and b'"b"' in text


def test_backup_and_per_server_restore_of_a_toml_config(tmp_path, run_module):
    path = tmp_path / 'config.toml'
    start = b'# codex\nmodel = "o3"\n\n[mcp_servers.a]\ncommand = "sh"  # mine\nstartup_timeout_sec = 20\n'
    path.write_bytes(start)
    base = dict(client='codex', config_path=str(path))
    made = run_module(mcp_backup.main, base)
    assert made.result['changed'] and made.result['server_names'] == ['a'], made.result
    run_module(mcp_server.main, dict(base, name='a', state='absent'))
    run_module(mcp_server.main, dict(base, name='b', command='sh'))
    assert b'[mcp_servers.a]' not in path.read_bytes()
    restored = run_module(mcp_backup.main, dict(base, state='restored', src=made.result['backup_file'], names=['a']),
                          diff=True)
    assert restored.result['changed'], restored.result
    text = path.read_bytes()
    assert text.startswith(b'# codex\nmodel = "o3"\n') and b'[mcp_servers.b]' in text and b'startup_timeout_sec = 20' in text
    full = run_module(mcp_backup.main, dict(base, state='restored', src=made.result['backup_file']))
    assert full.result['changed'] and path.read_bytes() == start


def test_env_ref_for_codex_forwards_the_variables_by_name(tmp_path, run_module):
    path = tmp_path / 'config.toml'
    args = dict(client='codex', config_path=str(path), name='gh', command='sh', env={'A': '1'},
                secret_env={'GITHUB_TOKEN': SECRET}, secret_mode='env_ref')
    run = run_module(mcp_server.main, args, diff=True)
    assert run.result['changed'] and SECRET not in run.stdout, run.result
    text = path.read_bytes()
    assert SECRET.encode() not in text and b'env_vars = ["GITHUB_TOKEN"]' in text
    assert not run_module(mcp_server.main, args).result['changed']
    literal = run_module(mcp_server.main, dict(args, secret_mode='literal'))
    assert literal.result['changed'] and b'env_vars' not in path.read_bytes() and SECRET.encode() in path.read_bytes()
    remote_args = dict((k, v) for k, v in args.items() if k not in ('command', 'env'))
    remote = run_module(mcp_server.main, dict(remote_args, url='https://h/mcp'))
    assert remote.failed and 'stdio servers only' in remote.result['msg']
