# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven and property tests for the pure config engine."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.mcpops.mcp.plugins.module_utils import _config as cfg

PATH = '/home/alice/.config/Claude/claude_desktop_config.json'

# (name, bytes, expected line, expected column, words the message must contain)
REFUSED = [
    ('trailing comma', b'{\n  "mcpServers": {},\n}\n', 3, 1, 'trailing comma'),
    ('trailing comma in list', b'{"a": [1, 2,]}', 1, 13, 'trailing comma'),
    ('line comment', b'{\n  // my servers\n  "mcpServers": {}\n}\n', 2, 3, 'comments'),
    ('block comment', b'{\n  /* x */ "a": 1\n}', 2, 3, 'comments'),
    ('byte-order mark', b'\xef\xbb\xbf{"mcpServers": {}}', 1, 1, 'byte-order mark'),
    ('empty file', b'', 1, 1, 'empty'),
    ('whitespace only', b'   \n\n', 1, 1, 'empty'),
    ('truncated', b'{\n  "mcpServers": {\n    "a": {"command": "npx"', 3, 27, 'ends early'),
    ('list at root', b'[{"mcpServers": {}}]', 1, 1, 'top level must be a JSON object'),
    ('string at root', b'"hello"', 1, 1, 'top level must be a JSON object'),
    ('mcpServers a list', b'{\n  "mcpServers": []\n}', 2, 3, '"mcpServers" must be an object'),
    ('mcpServers a string', b'{"mcpServers": "x"}', 1, 2, '"mcpServers" must be an object'),
    ('entry not an object', b'{"mcpServers": {\n "a": "npx"}}', 2, 2, 'server "a" must be an object'),
    ('duplicate top-level key', b'{\n  "a": 1,\n  "a": 2\n}', 3, 3, 'duplicate key "a"'),
    ('duplicate server', b'{"mcpServers": {\n "x": {},\n "x": {}}}', 3, 2, 'duplicate key "x"'),
    ('duplicate nested key', b'{"mcpServers": {"x": {"env": {"A": "1", "A": "2"}}}}', 1, 41, 'duplicate key "A"'),
    ('NaN', b'{"a": NaN}', 1, 7, 'NaN'),
    ('extra data', b'{} {}', 1, 4, 'extra data'),
    ('single quotes', b"{'a': 1}", 1, 2, 'invalid JSON'),
    ('invalid utf-8', b'{"a": "\xff"}', 1, 8, 'UTF-8'),
]


@pytest.mark.parametrize('name,data,line,column,words', REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_documents_name_file_line_and_column(name, data, line, column, words):
    with pytest.raises(cfg.ConfigError) as info:
        cfg.validate_config(data, PATH)
    message = str(info.value)
    assert message.startswith('%s:%d:%d: ' % (PATH, line, column)), message
    assert words in message
    assert (info.value.line, info.value.column) == (line, column)


def test_empty_file_points_to_restore():
    with pytest.raises(cfg.ConfigError) as info:
        cfg.validate_config(b'', PATH)
    assert 'mcp_backup' in str(info.value)


@pytest.mark.parametrize('data', [b'{}', b'{"globalShortcut": "Ctrl+Space"}', b'{"mcpServers": {}}'])
def test_missing_or_empty_servers_is_valid(data):
    doc = cfg.validate_config(data, PATH)
    assert doc.servers() == {}


# Documents as Claude (JSON.stringify(x, null, 2)) and people write them; render must give the same bytes.
ROUND_TRIP = [
    b'{}\n',
    b'{\n  "mcpServers": {\n    "a": {\n      "command": "npx",\n      "args": [\n        "-y"\n      ]\n    }\n  }\n}',
    b'{\n    "globalShortcut": "Ctrl+Space",\n    "mcpServers": {}\n}\n',
    b'{\n\t"a": 1,\n\t"b": [\n\t\t1.50,\n\t\t1e5,\n\t\t-0.0\n\t]\n}\n',
    b'{\r\n  "a": "\xc3\xa9t\xc3\xa9 \xe2\x9c\x93",\r\n  "b": {}\r\n}\r\n',
    b'{"mcpServers": {"a": {"command": "x", "args": []}}}',
    b'{"a":{"b":[1,2]}}\n',
    b'{\n"a": 1,\n"b": {\n"c": [\n2\n]\n}\n}\n',
    b'{\n  "big": 123456789012345678901234567890,\n  "n": null,\n  "t": true\n}\n',
]


@pytest.mark.parametrize('data', ROUND_TRIP)
def test_render_round_trips_bytes(data):
    assert cfg.validate_config(data).render() == data


def test_style_detection():
    doc = cfg.validate_config(b'{\r\n    "a": 1\r\n}')
    assert doc.style.indent == '    '
    assert doc.style.newline == '\r\n'
    assert doc.style.trailing_newline is False


def _doc(data):
    return cfg.validate_config(json.dumps(data, indent=2).encode())


def test_add_server_creates_mcp_servers_and_keeps_other_keys():
    doc = _doc({'globalShortcut': 'Ctrl+Space', 'preferences': {'x': 1}})
    data, changed = cfg.apply_server(doc, 'fs', 'present', {'command': 'npx', 'args': ['-y']})
    assert changed
    assert list(data) == ['globalShortcut', 'preferences', 'mcpServers']
    assert data['mcpServers'] == {'fs': {'command': 'npx', 'args': ['-y']}}
    assert 'mcpServers' not in doc.data  # the input is not modified


def test_update_keeps_unknown_keys_and_key_order():
    doc = _doc({'mcpServers': {
        'a': {'disabled': True, 'command': 'old', 'args': ['1'], 'env': {'A': '1'}, 'x-note': 'keep'},
        'b': {'command': 'b'}}})
    data, changed = cfg.apply_server(doc, 'a', 'present', {'command': 'new', 'env': {'A': '1'}})
    assert changed
    assert list(data['mcpServers']) == ['a', 'b']
    assert data['mcpServers']['a'] == {'disabled': True, 'command': 'new', 'env': {'A': '1'}, 'x-note': 'keep'}
    assert list(data['mcpServers']['a']) == ['disabled', 'command', 'env', 'x-note']


@pytest.mark.parametrize('existing', [
    {'command': 'npx'},
    {'command': 'npx', 'args': []},
    {'command': 'npx', 'args': [], 'env': {}},
    {'command': 'npx', 'env': {}, 'disabled': False},
])
def test_existing_empty_values_count_as_equal(existing):
    doc = _doc({'mcpServers': {'a': existing}})
    data, changed = cfg.apply_server(doc, 'a', 'present', cfg.build_entry({'command': 'npx', 'args': [], 'env': {}}))
    assert not changed
    assert data is doc.data


def test_absent_removes_only_that_server():
    doc = _doc({'k': 1, 'mcpServers': {'a': {'command': 'a'}, 'b': {'command': 'b'}}})
    data, changed = cfg.apply_server(doc, 'a', 'absent')
    assert changed and data == {'k': 1, 'mcpServers': {'b': {'command': 'b'}}}
    data, changed = cfg.apply_server(_doc({'k': 1}), 'a', 'absent')
    assert not changed


@pytest.mark.parametrize('name', ['', 'a b', 'a/b', 'a.b', '../x', 'ünï', 'a;rm', '-' * 0])
def test_invalid_names_are_rejected(name):
    with pytest.raises(ValueError):
        cfg.validate_name(name)


def test_a_name_already_in_the_config_is_accepted_as_it_is():
    assert cfg.validate_name('Framelink Figma MCP', existing={'Framelink Figma MCP': {}}) == 'Framelink Figma MCP'
    with pytest.raises(ValueError):
        cfg.validate_name('Framelink Figma MCP', existing={'other': {}})
    with pytest.raises(ValueError):
        cfg.validate_name(None, existing={None: {}})


# looks_secret_key and the masking of args: tests/unit/plugins/module_utils/test__redact.py


def test_redact_document_masks_every_server_and_secret_keys_elsewhere():
    data = {'mcpServers': {'a': {'command': 'x', 'env': {'DEBUG': '1', 'T': 's3cret'}, 'headers': {'H': 'v'}}},
            'preferences': {'apiToken': 'tok', 'theme': 'dark'}}
    text = cfg.redacted_text(data, 'mcpServers')
    for value in ('s3cret', '"1"', 'tok', '"v"'):
        assert value not in text
    assert 'dark' in text and '"DEBUG"' in text


def test_summarize_entry_shape():
    item = cfg.summarize_entry('a', {'command': 'x', 'args': ['--password', 'p'], 'env': {'B': '2', 'A': '1'},
                                     'disabled': True})
    assert item == {'name': 'a', 'command': 'x', 'args': ['--password', cfg.MASK], 'env': {'B': cfg.MASK, 'A': cfg.MASK},
                    'env_keys': ['A', 'B'], 'cwd': None, 'url': None, 'type': None, 'extra': {'disabled': True}}


# ---------------------------------------------------------------------------------------------
# Property tests

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)), max_leaves=12)
names = st.from_regex(r'\A[A-Za-z0-9_-]{1,12}\Z')
entries = st.fixed_dictionaries({'command': st.text(min_size=1, max_size=10)}, optional={
    'args': st.lists(st.text(max_size=6), max_size=3),
    'env': st.dictionaries(st.text(min_size=1, max_size=6), st.text(max_size=6), max_size=3),
    'disabled': st.booleans()})
documents = st.fixed_dictionaries({}, optional={
    'mcpServers': st.dictionaries(names, entries, max_size=4),
    'globalShortcut': st.text(max_size=8),
    'preferences': st.dictionaries(st.text(max_size=6), json_values, max_size=3)})
styles = st.sampled_from([(2, '\n'), (4, '\n'), ('\t', '\n'), (2, '\r\n'), (None, '\n')])


def _render(data, style):
    indent, newline = style
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return (text.replace('\n', newline) + newline).encode('utf-8')


@settings(max_examples=200, deadline=None)
@given(documents, styles)
def test_parse_render_round_trip(data, style):
    raw = _render(data, style)
    doc = cfg.validate_config(raw)
    assert doc.data == data
    assert doc.render() == raw


@settings(max_examples=200, deadline=None)
@given(documents, names, entries, styles)
def test_present_then_absent_gives_back_the_same_document(data, name, entry, style):
    data.get('mcpServers', {}).pop(name, None)
    doc = cfg.validate_config(_render(data, style))
    desired = cfg.build_entry(entry)
    added, _changed = cfg.apply_server(doc, name, 'present', desired)
    doc2 = cfg.validate_config(cfg.render_json(added, doc.style))
    assert cfg.entry_matches(doc2.servers()[name], desired)
    again, changed = cfg.apply_server(doc2, name, 'present', desired)
    assert not changed
    removed, _changed = cfg.apply_server(doc2, name, 'absent')
    expected = dict(data)
    if 'mcpServers' not in data:
        expected['mcpServers'] = {}
    assert removed == expected


@given(st.text(max_size=12).filter(lambda s: not cfg.NAME_RE.match(s)))
def test_names_outside_the_pattern_are_rejected(name):
    with pytest.raises(ValueError):
        cfg.validate_name(name)


# ---------------------------------------------------------------------------------------------
# Layouts: format and servers path


NESTED = ('projects', '/home/alice/app', 'mcpServers')


@pytest.mark.parametrize('data,flavor,line,column,words', [
    (b'{\n  "projects": []\n}\n', 'json', 2, 3, '"projects" must be an object (it holds "projects" > "/home/alice/app"'),
    (b'{"projects": {"/home/alice/app": 1}}', 'json', 1, 15, '"projects" > "/home/alice/app" must be an object'),
    (b'{"projects": {"/home/alice/app": {"mcpServers": []}}}', 'json', 1, 35,
     '"projects" > "/home/alice/app" > "mcpServers" must be an object of name -> server entry'),
    (b'{\n  // c\n  "projects": {"/home/alice/app": {"mcpServers": {"x": 2,},},},\n}\n', 'jsonc', 3, 51,
     'server "x" must be an object'),
])
def test_every_parent_on_a_nested_servers_path_must_be_an_object(data, flavor, line, column, words):
    with pytest.raises(cfg.ConfigError) as info:
        cfg.validate_config(data, PATH, cfg.Layout(flavor, NESTED))
    assert (info.value.line, info.value.column) == (line, column), str(info.value)
    assert words in str(info.value)


def test_a_missing_parent_on_the_servers_path_is_valid_and_has_no_servers():
    doc = cfg.validate_config(b'{"projects": {}}', PATH, cfg.Layout('json', NESTED))
    assert doc.servers() == {} and doc.servers_path == NESTED and doc.servers_key == 'mcpServers'


@pytest.mark.parametrize('value,layout', [
    ('mcpServers', cfg.Layout('json', ('mcpServers',))),
    (('servers',), cfg.Layout('json', ('servers',))),
    (None, cfg.Layout('json', None)),
    (cfg.Layout('jsonc', ('servers',)), cfg.Layout('jsonc', ('servers',))),
])
def test_as_layout(value, layout):
    assert cfg.as_layout(value) == layout


def test_jsonc_is_parsed_by_its_codec_and_json_stays_strict():
    data = b'{\n  // mine\n  "servers": {"a": {"command": "x"},},\n}\n'
    assert cfg.validate_config(data, PATH, cfg.Layout('jsonc', ('servers',))).servers() == {'a': {'command': 'x'}}
    with pytest.raises(cfg.ConfigError):
        cfg.validate_config(data, PATH, 'servers')


def test_edit_splices_and_keeps_every_other_byte():
    data = b'{\n  // keep\n  "a": {"x": [1, -0, 1.50, "\\u00e9"]},\n  "servers": {\n    "s": {"command": "x", "k": 1}\n  }\n}\n'
    doc = cfg.validate_config(data, PATH, cfg.Layout('jsonc', ('servers',)))
    out = doc.edit([(('servers', 's', 'command'), 'y'), (('servers', 't'), {'command': 'z'})])
    assert out.startswith(data.split(b'"s"', maxsplit=1)[0])
    assert b'"s": {"command": "y", "k": 1}' in out
    assert cfg.validate_config(out, PATH, doc.layout).servers()['t'] == {'command': 'z'}


def test_ops_helpers():
    old = {'a': {'b': 1, 'c': [1]}, 'd': True, 'e': 1}
    new = {'a': {'b': 2, 'c': [1]}, 'd': 1, 'f': {}}
    ops = cfg.diff_ops(old, new)
    assert ops == [(('e',), cfg.DELETE), (('a', 'b'), 2), (('d',), 1), (('f',), {})]
    assert cfg.apply_ops_to_data(old, ops) == new and old['a']['b'] == 1
    assert cfg.apply_ops_to_data({}, [(('p', 'q', 'r'), 1)]) == {'p': {'q': {'r': 1}}}
    assert not cfg.same_json(True, 1) and not cfg.same_json(1, 1.0) and cfg.same_json({'a': [1]}, {'a': [1]})
    assert cfg.same_json(cfg.RawFloat('1.50'), 1.5)


def test_redacted_text_follows_a_nested_servers_path():
    data = {'projects': {'/p': {'mcpServers': {'a': {'command': 'x', 'env': {'PLAIN': 'visible-value'}}}}},
            'token': 'abc'}
    text = cfg.redacted_text(data, cfg.Layout('json', ('projects', '/p', 'mcpServers')))
    assert 'visible-value' not in text and 'abc' not in text and '"PLAIN"' in text
