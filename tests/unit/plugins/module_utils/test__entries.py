# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one entry engine of mcp_server and mcp_servers: declared entries -> problems, desired entries, changes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.mcpops.mcp.plugins.module_utils import _config as cfg
from ansible_collections.mcpops.mcp.plugins.module_utils import _entries as ent
from ansible_collections.mcpops.mcp.plugins.module_utils._clients import CLIENTS

DESKTOP = CLIENTS['claude_desktop']
REMOTE = CLIENTS['claude_code']


def _doc(data):
    return cfg.validate_config(json.dumps(data, indent=2).encode())


def _problems(server, client=None, find_command=None):
    return ent.plan_entries([server], DESKTOP if client is None else client, find_command).problems


# (declared entry, words one problem must contain); every row is refused on its own.
REFUSED = [
    ({'command': 'x'}, 'server (no name): name is required'),
    ({'name': '', 'command': 'x'}, 'server (no name): name is required'),
    ({'name': 'a'}, 'server a: command (or url) is required'),
    ({'name': 'a', 'command': '  '}, 'server a: command (or url) is required'),
    ({'name': 'a', 'command': 'x', 'url': 'https://h/mcp'}, 'server a: set command or url, not both'),
    ({'name': 'a', 'url': 'https://h/mcp'}, "server a: Claude Desktop does not support 'url'"),
    ({'name': 'a', 'command': 'x', 'headers': {'H': 'v'}}, "does not support 'headers'"),
    ({'name': 'a', 'command': 'x', 'args': ['-y', '']}, 'server a: args[1] is an empty string'),
    ({'name': 'a', 'command': 'x', 'args': [None]}, 'args[0] must be a string, number or boolean, found null'),
    ({'name': 'a', 'command': 'x', 'args': [[1]]}, 'args[0] must be a string, number or boolean, found a list'),
    ({'name': 'a', 'command': 'x', 'args': '-y'}, 'server a: args must be a list, found a str'),
    ({'name': 'a', 'command': 'x', 'env': {'A': None}}, 'server a: env A has no value'),
    ({'name': 'a', 'command': 'x', 'env': {'A': {'b': 1}}}, 'env A must be a string, number or boolean, found a mapping'),
    ({'name': 'a', 'command': 'x', 'env': ['A=1']}, 'env must be a mapping of names to values, found a list'),
    ({'name': 'a', 'command': 'x', 'secret_env': {'T': ''}}, 'secret_env T has no value (vault variable not set?)'),
    ({'name': 'a', 'command': 'x', 'secret_env': {'T': None}}, 'secret_env T has no value'),
    ({'name': 'a', 'command': 'x', 'env': {'T': '1'}, 'secret_env': {'T': '2'}}, 'T set in both env and secret_env'),
    ({'name': 'a', 'command': 'x', 'comand': 'y'}, 'unknown key(s) comand'),
    ({'name': 'a', 'state': 'gone'}, "state must be present or absent, found 'gone'"),
    ('a', 'each server must be a mapping'),
]


@pytest.mark.parametrize('server,words', REFUSED, ids=[str(r[1])[:40] for r in REFUSED])
def test_refused_entries_name_the_server_and_the_problem(server, words):
    problems = _problems(server)
    assert any(words in p for p in problems), problems


def test_every_problem_of_every_entry_is_reported_at_once():
    servers = [{'name': 'a'}, {'name': 'b', 'command': 'x', 'secret_env': {'T': ''}, 'env': {'N': None}},
               {'name': 'b', 'command': 'x'}, {'name': 'c', 'command': 'missing-cmd'}, {'name': 'ok', 'command': 'x'}]
    plan = ent.plan_entries(servers, DESKTOP, lambda cmd, path: (None, 'not found') if cmd == 'missing-cmd' else (cmd, None))
    assert plan.problems == [
        'server a: command (or url) is required with state=present and must not be empty.',
        'server b: env N has no value.',
        'server b: secret_env T has no value (vault variable not set?).',
        'server b: declared more than once; declare each server once.',
        'server c: not found',
    ]


def test_absent_entries_need_only_a_name():
    assert _problems({'name': 'a', 'state': 'absent'}) == []
    assert _problems({'name': 'a', 'state': 'absent', 'env': {'A': None}}) == []


def test_remote_fields_are_allowed_where_the_client_supports_them():
    plan = ent.plan_entries([{'name': 'r', 'url': 'https://h/mcp', 'type': 'http', 'headers': {'Authorization': 'x'}}], REMOTE)
    assert plan.problems == []
    assert plan.entries[0].desired == {'type': 'http', 'url': 'https://h/mcp', 'headers': {'Authorization': 'x'}}


@pytest.mark.parametrize('value,text', [
    (True, 'true'), (False, 'false'), (1, '1'), (0, '0'), (-7, '-7'), (1.5, '1.5'), (1e100, '1e+100'), ('s', 's'), ('', ''),
    (None, None), ([1], None), ({'a': 1}, None),
])
def test_value_text_is_what_a_json_user_expects(value, text):
    assert ent.value_text(value) == text


def test_desired_entry_merges_secret_env_and_writes_scalars_as_text():
    plan = ent.plan_entries([{'name': 'a', 'command': ' npx ', 'args': ['-y', True, 3],
                              'env': {'DEBUG': False, 'N': 2}, 'secret_env': {'TOKEN': 'abc'}}], DESKTOP)
    assert plan.problems == []
    assert plan.entries[0].desired == {'command': 'npx', 'args': ['-y', 'true', '3'],
                                       'env': {'DEBUG': 'false', 'N': '2', 'TOKEN': 'abc'}}


def test_secret_looking_env_warns_without_the_value():
    plan = ent.plan_entries([{'name': 'a', 'command': 'x', 'env': {'GITHUB_TOKEN': 'ghp_x1', 'DEBUG': '1'}}], DESKTOP)
    assert plan.problems == [] and len(plan.warnings) == 1
    assert 'GITHUB_TOKEN' in plan.warnings[0] and 'ghp_x1' not in plan.warnings[0]


def test_command_lookup_uses_the_entry_path():
    seen = []
    ent.plan_entries([{'name': 'a', 'command': 'x', 'env': {'PATH': '/opt/bin'}}], DESKTOP,
                     lambda cmd, path: seen.append((cmd, path)) or (cmd, None))
    assert seen == [('x', '/opt/bin')]


def test_secret_values_cover_secret_env_headers_secret_env_names_args_and_urls():
    server = {'name': 'a', 'command': 'x', 'secret_env': {'S': 's3cret', 'N': 12345},
              'headers': {'Authorization': 'Bearer hdr'}, 'env': {'API_KEY': 'k1', 'DEBUG': 'dbg'},
              'args': ['--token', 'tok1', 'postgres://u:pw1@db/x'], 'url': 'https://u:pw2@h/mcp'}
    found = ent.secret_values(server)
    assert set(['s3cret', '12345', 'Bearer hdr', 'k1', 'tok1', 'pw1', 'pw2']) <= set(found), found
    assert 'dbg' not in found and 'x' not in found and 'a' not in found  # plain values stay printable
    assert ent.secret_values('not a mapping') == []


# ---------------------------------------------------------------------------------------------
# Names


def test_new_names_must_match_the_pattern_existing_ones_may_not():
    entries = [ent.DeclaredEntry('Framelink Figma MCP', 'absent'), ent.DeclaredEntry('new one', 'present', {'command': 'x'}),
               ent.DeclaredEntry('ok-1', 'present', {'command': 'x'})]
    problems = ent.name_problems(entries, {'Framelink Figma MCP': {}})
    assert problems == ['server new one: invalid name "new one": a new server name may use only letters, digits, "_" and "-" '
                        '(names already in the config can be updated or removed as they are).']
    plan = ent.Plan()
    plan.entries = entries
    assert ent.needs_the_file(plan)
    plan.entries = entries[2:]
    assert not ent.needs_the_file(plan)


# ---------------------------------------------------------------------------------------------
# Applying a set


def _entries(*specs):
    return [ent.DeclaredEntry(name, state, desired) for name, state, desired in specs]


def test_apply_entries_reports_every_kind_of_change_in_one_document():
    doc = _doc({'globalShortcut': 'x', 'mcpServers': {
        'keep': {'command': 'k'}, 'upd': {'command': 'old', 'disabled': True}, 'gone': {'command': 'g'}, 'stray': {'command': 's'}}})
    data, changes = ent.apply_entries(doc, _entries(
        ('keep', 'present', {'command': 'k'}), ('upd', 'present', {'command': 'new'}), ('gone', 'absent', None),
        ('never', 'absent', None), ('add', 'present', {'command': 'a', 'args': ['1']})))
    assert changes == {'added': ['add'], 'updated': ['upd'], 'removed': ['gone'], 'unchanged': ['keep', 'never']}
    assert list(data) == ['globalShortcut', 'mcpServers']
    assert data['mcpServers'] == {'keep': {'command': 'k'}, 'upd': {'command': 'new', 'disabled': True},
                                  'stray': {'command': 's'}, 'add': {'command': 'a', 'args': ['1']}}
    assert 'add' not in doc.data['mcpServers'] and 'gone' in doc.data['mcpServers']  # the input is not modified


def test_exclusive_removes_every_undeclared_entry_and_keeps_other_keys():
    doc = _doc({'mcpServers': {'a': {'command': 'a'}, 'Framelink Figma MCP': {'command': 'f'}}, 'preferences': {}})
    data, changes = ent.apply_entries(doc, _entries(('a', 'present', {'command': 'a'})), exclusive=True)
    assert changes == {'added': [], 'updated': [], 'removed': ['Framelink Figma MCP'], 'unchanged': ['a']}
    assert data == {'mcpServers': {'a': {'command': 'a'}}, 'preferences': {}}


@pytest.mark.parametrize('data', [{}, {'globalShortcut': 'Ctrl+Space', 'preferences': {'x': 1}}, {'mcpServers': {}}])
def test_a_fresh_config_gets_the_servers_key_and_keeps_claudes_own_keys(data):
    doc = _doc(data)
    new, changes = ent.apply_entries(doc, _entries(('a', 'present', {'command': 'a'})))
    assert changes['added'] == ['a']
    assert new == dict(data, mcpServers={'a': {'command': 'a'}})
    assert list(new)[:len(data)] == list(data)


def test_nothing_to_do_returns_the_document_itself():
    doc = _doc({'mcpServers': {'a': {'command': 'a', 'args': []}}})
    data, changes = ent.apply_entries(doc, _entries(('a', 'present', {'command': 'a'}), ('b', 'absent', None)), exclusive=True)
    assert data is doc.data and ent.changed_names(changes) == []


def test_apply_entries_refuses_new_names_outside_the_pattern():
    with pytest.raises(ent.EntryProblems) as info:
        ent.apply_entries(_doc({}), _entries(('bad name', 'present', {'command': 'x'}), ('', 'absent', None)))
    assert len(info.value.problems) == 2
    assert isinstance(info.value, ValueError)  # apply_server's callers catch ValueError


def test_apply_server_is_one_entry_of_apply_entries():
    doc = _doc({'mcpServers': {'Framelink Figma MCP': {'command': 'f'}}})
    data, changed = cfg.apply_server(doc, 'Framelink Figma MCP', 'absent')
    assert changed and data == {'mcpServers': {}}


names = st.from_regex(r'\A[A-Za-z0-9_-]{1,8}\Z')
desired_entries = st.fixed_dictionaries({'command': st.text(min_size=1, max_size=6)}, optional={
    'args': st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=3),
    'env': st.dictionaries(st.text(min_size=1, max_size=4), st.text(max_size=4), min_size=1, max_size=2)})


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(names, desired_entries, max_size=4), st.dictionaries(names, desired_entries, max_size=4), st.booleans())
def test_applying_a_set_twice_changes_nothing_the_second_time(existing, declared, exclusive):
    doc = _doc({'mcpServers': existing})
    entries = _entries(*[(n, 'present', e) for n, e in declared.items()])
    data, changes = ent.apply_entries(doc, entries, exclusive)
    assert sorted(changes['added'] + changes['updated'] + changes['unchanged']) == sorted(declared)
    if exclusive:
        assert sorted(data['mcpServers']) == sorted(declared)
    again, changes2 = ent.apply_entries(cfg.validate_config(cfg.render_json(data, doc.style)), entries, exclusive)
    assert ent.changed_names(changes2) == [] and sorted(changes2['unchanged']) == sorted(declared)


# --------------------------------------------------------------------------------------------
# servers as JSON/YAML text (an AWX survey text field can only pass text)

SURVEY_SERVERS = [{'name': 'time', 'command': 'uvx', 'args': ['mcp-server-time', 1, True],
                   'secret_env': {'TOKEN': 'survey-secret-1234'}}, {'name': 'old', 'state': 'absent'}]


@pytest.mark.parametrize('text', [
    json.dumps(SURVEY_SERVERS),
    json.dumps(SURVEY_SERVERS, indent=2),
    u'\ufeff' + json.dumps(SURVEY_SERVERS),
    '- name: time\n  command: uvx\n  args: [mcp-server-time, 1, true]\n  secret_env:\n    TOKEN: survey-secret-1234\n'
    '- {name: old, state: absent}\n',
    "[{name: time, command: uvx, args: [mcp-server-time, 1, true], secret_env: {TOKEN: survey-secret-1234}},"
    " {name: old, state: absent}]",
])
def test_parse_servers_reads_json_and_yaml_text_as_the_same_list(text):
    # YAML flow style also takes JSON with a trailing comma: unambiguous, so it is read, not refused.
    assert ent.parse_servers(text) == SURVEY_SERVERS


@pytest.mark.parametrize('value', [None, [], (), SURVEY_SERVERS])
def test_parse_servers_keeps_a_list_as_it_is(value):
    assert ent.parse_servers(value) == list(value or [])


# (text, words the one problem must contain)
BAD_TEXT = [
    ('', 'servers is an empty text; give a list of servers (JSON or YAML), or [] to declare none.'),
    ('  \n', 'servers is an empty text'),
    ('[{"name": "a" "command": "x"}]', "servers is not valid JSON (line 1 column 15: Expecting ',' delimiter) nor YAML "
     "(line 1 column 15: expected ',' or '}', but got '<scalar>')."),
    ('[\n  {"name": "a"\n   "command": "x"}\n]', "servers is not valid JSON (line 3 column 4: Expecting ',' delimiter)"),
    ('[{"name": "a", "command": "x"}', "servers is not valid JSON (line 1 column 31: Expecting ',' delimiter) nor YAML"),
    ('- name: a\n  command: x\n - name: b\n', 'servers is not valid YAML (line 3 column 2:'),
    ('- name: a\n\tcommand: x\n', 'servers is not valid YAML (line 2 column 1: found character'),
    ('[{"name": "a", "name": "b"}]', 'servers is JSON with a key "name" given twice in one object; give each key once.'),
    ('{"name": "a", "command": "x"}', 'servers: the JSON text is a mapping, not a list of servers'),
    ('name: a\ncommand: x\n', 'servers: the YAML text is a mapping, not a list of servers'),
    ('just some words', 'servers: the YAML text is a str, not a list of servers'),
    ('42', 'servers: the JSON text is a int, not a list of servers'),
]


@pytest.mark.parametrize('text,words', BAD_TEXT)
def test_parse_servers_refuses_bad_text_naming_line_and_column(text, words):
    with pytest.raises(ent.EntryProblems) as err:
        ent.parse_servers(text)
    assert len(err.value.problems) == 1
    assert words in err.value.problems[0], err.value.problems


def test_parse_servers_never_quotes_the_text():
    secret = 'ghp_never_quoted_in_errors_0000'
    for text in ('[{"name": "a", "secret_env": {"T": "%s"}}' % secret,
                 '- name: a\n  secret_env: {T: %s\n' % secret,
                 '{"secret_env": {"T": "%s"}}' % secret):
        with pytest.raises(ent.EntryProblems) as err:
            ent.parse_servers(text)
        assert secret not in str(err.value)


def test_parse_servers_refuses_other_types():
    with pytest.raises(ent.EntryProblems) as err:
        ent.parse_servers({'name': 'a'})
    assert err.value.problems == ['servers must be a list of servers or a JSON/YAML text of one, found a mapping.']


def test_parse_servers_without_pyyaml_reads_json_and_asks_for_json(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, 'yaml', None)  # import yaml now raises ImportError, as on a host without PyYAML
    assert ent.parse_servers(json.dumps(SURVEY_SERVERS)) == SURVEY_SERVERS
    with pytest.raises(ent.EntryProblems) as err:
        ent.parse_servers('- name: a\n  command: x\n')
    assert err.value.problems == ["servers is not valid JSON (line 1 column 1: Expecting value); "
                                  "YAML text needs PyYAML on this host, so give JSON."]


# ---------------------------------------------------------------------------------------------
# Edit operations in the client's native shape


def _jdoc(data, client):
    return cfg.validate_config(json.dumps(data).encode(), None, cfg.Layout(client['format'], client['servers_path']))


def test_entry_ops_add_update_remove_in_native_shape():
    windsurf = CLIENTS['windsurf']
    doc = _jdoc({'mcpServers': {'keep': {'command': 'a', 'disabled': True, 'args': []},
                                'old': {'url': 'https://old/mcp', 'x-mine': 1},
                                'gone': {'command': 'g'}}}, windsurf)
    entries = [ent.DeclaredEntry('keep', 'present', {'command': 'a'}),
               ent.DeclaredEntry('old', 'present', {'url': 'https://new/mcp', 'headers': {'H': 'v'}}),
               ent.DeclaredEntry('new', 'present', {'url': 'https://n/mcp'}),
               ent.DeclaredEntry('gone', 'absent')]
    ops, changes = ent.entry_ops(doc, entries, client=windsurf)
    assert changes == {'added': ['new'], 'updated': ['old'], 'removed': ['gone'], 'unchanged': ['keep']}
    assert list(ops) == [
        (('mcpServers', 'old', 'serverUrl'), 'https://new/mcp'),
        (('mcpServers', 'old', 'url'), cfg.DELETE),
        (('mcpServers', 'old', 'headers'), {'H': 'v'}),
        (('mcpServers', 'new'), {'serverUrl': 'https://n/mcp'}),
        (('mcpServers', 'gone'), cfg.DELETE),
    ]


def test_entry_ops_exclusive_removes_undeclared_and_follows_a_nested_path():
    code = dict(CLIENTS['claude_code'], servers_path=('projects', '/p', 'mcpServers'))
    doc = _jdoc({'projects': {'/p': {'mcpServers': {'a': {'command': 'a'}, 'b': {'command': 'b'}}}}}, code)
    ops, changes = ent.entry_ops(doc, [ent.DeclaredEntry('a', 'present', {'command': 'a'})], exclusive=True, client=code)
    assert list(ops) == [(('projects', '/p', 'mcpServers', 'b'), cfg.DELETE)] and changes['removed'] == ['b']


def test_env_ref_references_in_the_clients_syntax_and_refusal_names_the_clients():
    server = {'name': 'a', 'command': 'x', 'secret_env': {'TOKEN': 's3cret'}}
    plan = ent.plan_entries([server], CLIENTS['cursor'], secret_mode='env_ref')
    assert plan.problems == [] and plan.entries[0].desired['env'] == {'TOKEN': '${env:TOKEN}'}
    plan = ent.plan_entries([server], CLIENTS['vscode'], secret_mode='env_ref')
    assert 'env' not in plan.entries[0].desired and plan.entries[0].env_file_values == {'TOKEN': 's3cret'}
    plan = ent.plan_entries([server], DESKTOP, secret_mode='env_ref')
    assert len(plan.problems) == 1 and 'Claude Desktop cannot read a reference' in plan.problems[0]
    assert 's3cret' not in plan.problems[0]


def test_canonical_entry_reads_the_clients_spelling_and_keeps_its_own_keys():
    assert ent.canonical_entry(CLIENTS['gemini'], {'httpUrl': 'https://h', 'timeout': 5}) == {
        'timeout': 5, 'type': 'http', 'url': 'https://h'}
