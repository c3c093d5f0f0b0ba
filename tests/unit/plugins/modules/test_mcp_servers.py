# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_servers through its real entry point, on real temporary files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.mcpops.mcp.plugins.modules import mcp_server, mcp_servers

SECRET = 'ghp_unit_servers_secret_5678'
ENV_SECRET = 'env-looking-secret-4321'
ARG_SECRET = 'arg-secret-8765'

EXISTING = (b'{\n    "globalShortcut": "Alt+Space",\n    "mcpServers": {\n'
            b'        "keep": {"command": "sh", "disabled": true},\n'
            b'        "Framelink Figma MCP": {"command": "npx", "args": ["figma"]}\n    }\n}\n')


def _servers():
    return [
        {'name': 'fs', 'command': 'sh', 'args': ['-c', 'true']},
        {'name': 'gh', 'command': 'sh', 'args': ['--token', ARG_SECRET], 'secret_env': {'GITHUB_TOKEN': SECRET},
         'env': {'API_KEY': ENV_SECRET, 'DEBUG': True}},
        {'name': 'keep', 'command': 'sh'},
    ]


def _args(path, servers=None, **kw):
    args = dict(config_path=str(path), servers=_servers() if servers is None else servers)
    args.update(kw)
    return args


def _load(path):
    return json.loads(path.read_bytes())


def _secret_free(text):
    for value in (SECRET, ENV_SECRET, ARG_SECRET):
        assert value not in text


def test_one_write_one_backup_then_an_unchanged_rerun(tmp_path, run_module):
    path = tmp_path / 'c.json'
    path.write_bytes(EXISTING)
    first = run_module(mcp_servers.main, _args(path))
    assert first.result['changed'] and not first.result['created']
    assert first.result['changes'] == {'added': ['fs', 'gh'], 'updated': [], 'removed': [], 'unchanged': ['keep']}
    backups = sorted(os.listdir(str(tmp_path / 'backups')))
    backups_json = [b for b in backups if b.endswith('.json')]  # a sidecar may sit beside it
    assert len(backups_json) == 1 and backups_json[0].endswith('_pre-change.json')
    assert (tmp_path / 'backups' / backups_json[0]).read_bytes() == EXISTING
    data = _load(path)
    assert list(data['mcpServers']) == ['keep', 'Framelink Figma MCP', 'fs', 'gh']
    assert data['mcpServers']['gh']['env'] == {'API_KEY': ENV_SECRET, 'DEBUG': 'true', 'GITHUB_TOKEN': SECRET}
    assert data['mcpServers']['keep'] == {'command': 'sh', 'disabled': True}
    assert [s['name'] for s in first.result['servers']] == ['fs', 'gh', 'keep']
    assert first.result['servers'][1]['env'] == {'API_KEY': '********', 'DEBUG': '********', 'GITHUB_TOKEN': '********'}
    _secret_free(first.stdout)

    written = path.read_bytes()
    again = run_module(mcp_servers.main, _args(path))
    assert not again.result['changed'] and 'backup_file' not in again.result
    assert again.result['changes'] == {'added': [], 'updated': [], 'removed': [], 'unchanged': ['fs', 'gh', 'keep']}
    assert path.read_bytes() == written
    assert sorted(os.listdir(str(tmp_path / 'backups'))) == backups


def test_every_problem_is_reported_at_once_and_nothing_is_touched(tmp_path, run_module):
    path = tmp_path / 'Claude' / 'c.json'
    servers = [{'name': 'nocmd'}, {'name': 'bad name', 'command': 'sh'}, {'name': 'dup', 'command': 'sh'},
               {'name': 'dup', 'command': 'sh'}, {'name': 'empty', 'command': 'sh', 'secret_env': {'T': ''}},
               {'name': 'missing', 'command': 'definitely-not-a-command-xyz'},
               {'name': 'both', 'command': 'sh', 'env': {'A': '1'}, 'secret_env': {'A': SECRET}},
               {'name': 'types', 'command': 'sh', 'args': [None], 'env': {'B': [1]}}]
    run = run_module(mcp_servers.main, _args(path, servers))
    assert run.failed
    problems = run.result['problems']
    for words in ('server nocmd: command (or url) is required', 'server bad name: invalid name',
                  'server dup: declared more than once', 'server empty: secret_env T has no value',
                  "server missing: command 'definitely-not-a-command-xyz' was not found",
                  'server both: A set in both env and secret_env', 'server types: args[0]', 'server types: env B'):
        assert [p for p in problems if words in p], (words, problems)
    assert run.result['msg'].startswith('%d problem(s) in the declared servers; nothing was changed' % len(problems))
    assert not path.parent.exists()
    _secret_free(run.stdout)


def test_problems_and_a_corrupt_config_are_reported_together(tmp_path, run_module):
    path = tmp_path / 'c.json'
    path.write_bytes(b'{"mcpServers": {},}')
    run = run_module(mcp_servers.main, _args(path, [{'name': 'nocmd'}]))
    assert run.failed and len(run.result['problems']) == 2
    assert run.result['problems'][0].startswith('Refusing to edit: %s:1:19' % path)
    assert path.read_bytes() == b'{"mcpServers": {},}'
    corrupt_only = run_module(mcp_servers.main, _args(path))
    assert corrupt_only.failed and 'trailing comma' in corrupt_only.result['msg']


def test_exclusive_removes_undeclared_entries_including_odd_names(tmp_path, run_module):
    path = tmp_path / 'c.json'
    path.write_bytes(EXISTING)
    run = run_module(mcp_servers.main, _args(path, [{'name': 'keep', 'command': 'sh'}], exclusive=True))
    assert run.result['changes'] == {'added': [], 'updated': [], 'removed': ['Framelink Figma MCP'], 'unchanged': ['keep']}
    data = _load(path)
    assert data == {'globalShortcut': 'Alt+Space', 'mcpServers': {'keep': {'command': 'sh', 'disabled': True}}}
    empty = run_module(mcp_servers.main, _args(path, [], exclusive=True))
    assert empty.result['changes']['removed'] == ['keep'] and _load(path)['mcpServers'] == {}


def test_existing_odd_names_can_be_updated_and_removed_new_ones_are_refused(tmp_path, run_module):
    path = tmp_path / 'c.json'
    path.write_bytes(EXISTING)
    run = run_module(mcp_servers.main, _args(path, [{'name': 'Framelink Figma MCP', 'command': 'npx', 'args': ['figma', '-y']},
                                                    {'name': 'keep', 'state': 'absent'}]))
    assert run.result['changes'] == {'added': [], 'updated': ['Framelink Figma MCP'], 'removed': ['keep'], 'unchanged': []}
    refused = run_module(mcp_servers.main, _args(path, [{'name': 'Another Odd Name', 'command': 'sh'}]))
    assert refused.failed and 'invalid name "Another Odd Name"' in refused.result['msg']


def test_check_mode_is_exact_and_writes_nothing(tmp_path, run_module):
    path = tmp_path / 'c.json'
    path.write_bytes(EXISTING)
    check = run_module(mcp_servers.main, _args(path, exclusive=True), check=True, diff=True)
    assert check.result['changed'] and path.read_bytes() == EXISTING
    assert not (tmp_path / 'backups').exists() and 'backup_file' not in check.result
    applied = run_module(mcp_servers.main, _args(path, exclusive=True), diff=True)
    for key in ('changes', 'servers', 'diff', 'created', 'changed'):
        assert check.result[key] == applied.result[key], key
    assert '"fs"' in check.result['diff']['after'] and 'Framelink' in check.result['diff']['before']
    _secret_free(check.stdout + applied.stdout)


def test_a_missing_file_is_created_and_nothing_to_add_creates_nothing(tmp_path, run_module):
    path = tmp_path / 'Claude' / 'c.json'
    nothing = run_module(mcp_servers.main, _args(path, [{'name': 'x', 'state': 'absent'}]))
    assert not nothing.result['changed'] and not path.exists()
    run = run_module(mcp_servers.main, _args(path, backup=False))
    assert run.result['created'] and run.result['changed'] and 'backup_file' not in run.result
    assert oct(os.stat(str(path)).st_mode & 0o777) == '0o600'


def test_same_result_as_mcp_server_one_by_one(tmp_path, run_module):
    one, many = tmp_path / 'one.json', tmp_path / 'many.json'
    one.write_bytes(EXISTING)
    many.write_bytes(EXISTING)
    for server in _servers():
        assert not run_module(mcp_server.main, dict(server, config_path=str(one), backup=False)).failed
    run_module(mcp_servers.main, _args(many, backup=False))
    assert one.read_bytes() == many.read_bytes()


def test_validate_command_false_declares_a_command_before_it_is_installed(tmp_path, run_module):
    path = tmp_path / 'c.json'
    run = run_module(mcp_servers.main, _args(path, [{'name': 'later', 'command': 'not-installed-yet-xyz'}], validate_command=False))
    assert run.result['changed'] and _load(path)['mcpServers']['later'] == {'command': 'not-installed-yet-xyz'}


def test_servers_as_json_or_yaml_text_act_like_the_list(tmp_path, run_module):
    # An AWX survey text field passes text: the module reads it as the list it holds, secrets masked alike.
    listed, as_json, as_yaml = tmp_path / 'list.json', tmp_path / 'json.json', tmp_path / 'yaml.json'
    for path in (listed, as_json, as_yaml):
        path.write_bytes(EXISTING)
    yaml_text = ''.join('- %s\n' % json.dumps(server) for server in _servers())  # YAML block list of flow maps
    runs = [run_module(mcp_servers.main, _args(listed)),
            run_module(mcp_servers.main, _args(as_json, json.dumps(_servers(), indent=2))),
            run_module(mcp_servers.main, _args(as_yaml, yaml_text))]
    for run in runs:
        assert run.result['changed'] and run.result['changes']['added'] == ['fs', 'gh']
        _secret_free(run.stdout)
    assert listed.read_bytes() == as_json.read_bytes() == as_yaml.read_bytes()


def test_servers_text_that_does_not_parse_is_refused_unseen(tmp_path, run_module):
    path = tmp_path / 'c.json'
    path.write_bytes(EXISTING)
    text = '[\n  {"name": "gh", "command": "sh", "secret_env": {"GITHUB_TOKEN": "%s"}}\n  {"name": "x"}\n]' % SECRET
    run = run_module(mcp_servers.main, _args(path, text, exclusive=True))
    assert run.failed
    assert run.result['problems'] == ["servers is not valid JSON (line 3 column 3: Expecting ',' delimiter) nor YAML "
                                      "(line 3 column 3: expected ',' or ']', but got '{')."]
    assert path.read_bytes() == EXISTING and not (tmp_path / 'backups').exists()
    _secret_free(run.stdout)
    empty = run_module(mcp_servers.main, _args(path, '', exclusive=True))
    assert empty.failed and empty.result['problems'] == [
        'servers is an empty text; give a list of servers (JSON or YAML), or [] to declare none.']
    # ansible-core >= 2.21 leaves the invocation out of a module's own result
    if 'invocation' in empty.result:
        assert empty.result['invocation']['module_args']['servers'] == []
    assert path.read_bytes() == EXISTING
