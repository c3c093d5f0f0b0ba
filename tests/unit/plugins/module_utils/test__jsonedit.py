# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven and property tests for the JSON/JSONC codec: byte-exact splicing, rendering, and the parse
properties that draw from the random document writer (parse's table tests: test__jsonparse.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
from unittest import mock

import pytest
from hypothesis import given, settings, HealthCheck
from hypothesis import strategies as st

from ansible_collections.mcpops.mcp.plugins.module_utils import _jsonedit as je
from ansible_collections.mcpops.mcp.plugins.module_utils import _jsonparse as jp
from ansible_collections.mcpops.mcp.plugins.module_utils._errors import DELETE, ConfigError

PATH = '/home/alice/.claude.json'


# ---------------------------------------------------------------------------------------------
# The codec API in one module (parse and its refusals are tested in test__jsonparse.py)

def test_parse_is_re_exported_from_jsonparse():
    assert (je.parse, je.RawFloat, je.BOM, je.FLAVORS) == (jp.parse, jp.RawFloat, jp.BOM, jp.FLAVORS)


def test_parsed_floats_render_back_as_written():
    value = je.parse(b'{"z": 1, "a": [1.50, 1e5, -0.0, -0, 2], "m": {"y": 1, "b": 2}}')[0]
    assert je.render_new(value) == '{\n  "z": 1,\n  "a": [\n    1.50,\n    1e5,\n    -0.0,\n    0,\n    2\n  ],\n' \
                                   '  "m": {\n    "y": 1,\n    "b": 2\n  }\n}\n'


def test_unknown_flavor():
    with pytest.raises(ValueError):
        je.apply_ops('{}', [], flavor='toml')
    with pytest.raises(ValueError):
        je.render_new({}, 'yaml')


# ---------------------------------------------------------------------------------------------
# render_new

def test_render_new_is_two_space_lf_raw_utf8():
    assert je.render_new({'mcpServers': {'t': {'command': 'npx', 'args': ['-y', '\xe9'], 'env': {}}}}) == (
        '{\n  "mcpServers": {\n    "t": {\n      "command": "npx",\n      "args": [\n        "-y",\n'
        '        "\xe9"\n      ],\n      "env": {}\n    }\n  }\n}\n')
    assert je.render_new({}) == '{}\n'
    assert je.render_new({}, 'jsonc') == '{}\n'


@pytest.mark.parametrize('value', [float('nan'), float('inf'), object()])
def test_render_refuses_what_json_cannot_hold(value):
    with pytest.raises((ValueError, TypeError)):
        je.render_new({'a': value})


# ---------------------------------------------------------------------------------------------
# apply_ops: one case per rule, exact bytes

CLAUDE = (
    '{\n'
    '  "numStartups": 3,\n'
    '  "mcpServers": {\n'
    '    "time": {\n'
    '      "command": "uvx",\n'
    '      "args": ["mcp-server-time", "--tz=\\u00e9"],\n'
    '      "env": {}\n'
    '    },\n'
    '    "fs": {\n'
    '      "command": "npx",\n'
    '      "timeout": 1.50\n'
    '    }\n'
    '  },\n'
    '  "projects": {\n'
    '    "/home/u/p": {\n'
    '      "mcpServers": {},\n'
    '      "lastCost": -0\n'
    '    }\n'
    '  }\n'
    '}\n')

EDITS = [
    ('replace a scalar: only its bytes',
     CLAUDE, [(('mcpServers', 'time', 'command'), 'npx')],
     CLAUDE.replace('"command": "uvx"', '"command": "npx"')),
    ('update an entry: only the changed member, inline list stays inline',
     CLAUDE, [(('mcpServers', 'time'), {'command': 'uvx', 'args': ['mcp-server-time', '--tz=UTC'], 'env': {}})],
     CLAUDE.replace('"--tz=\\u00e9"', '"--tz=UTC"')),
    ('same data, other spelling: nothing changes',
     CLAUDE, [(('mcpServers', 'fs'), {'command': 'npx', 'timeout': 1.5}),
              (('projects', '/home/u/p', 'lastCost'), 0),
              (('mcpServers', 'time', 'args'), ['mcp-server-time', '--tz=\xe9'])],
     CLAUDE),
    ('insert at the end of the servers object, in the file style',
     CLAUDE, [(('mcpServers', 'new'), {'command': 'x', 'args': ['\xe9']})],
     CLAUDE.replace('      "timeout": 1.50\n    }\n', '      "timeout": 1.50\n    },\n    "new": {\n'
                    '      "command": "x",\n      "args": [\n        "\xe9"\n      ]\n    }\n')),
    ('insert into an empty object of a multi-line file: expanded',
     CLAUDE, [(('projects', '/home/u/p', 'mcpServers', 'loc'), {'type': 'http', 'url': 'https://h/mcp'})],
     CLAUDE.replace('"mcpServers": {},', '"mcpServers": {\n        "loc": {\n          "type": "http",\n'
                    '          "url": "https://h/mcp"\n        }\n      },')),
    ('missing parents are created',
     CLAUDE, [(('projects', '/home/u/q', 'mcpServers', 'x'), {'command': 'c'})],
     CLAUDE.replace('      "lastCost": -0\n    }\n', '      "lastCost": -0\n    },\n    "/home/u/q": {\n'
                    '      "mcpServers": {\n        "x": {\n          "command": "c"\n        }\n      }\n    }\n')),
    ('delete a middle member: its lines go, nothing else',
     CLAUDE, [(('mcpServers', 'time'), DELETE)],
     CLAUDE.replace('    "time": {\n      "command": "uvx",\n      "args": ["mcp-server-time", "--tz=\\u00e9"],\n'
                    '      "env": {}\n    },\n', '')),
    ('delete the last member: the comma before it goes',
     CLAUDE, [(('mcpServers', 'fs'), DELETE)],
     CLAUDE.replace('    },\n    "fs": {\n      "command": "npx",\n      "timeout": 1.50\n    }\n', '    }\n')),
    ('delete every member: {} as JSON.stringify writes it',
     CLAUDE, [(('mcpServers', 'fs'), DELETE), (('mcpServers', 'time'), DELETE)],
     CLAUDE.replace(CLAUDE[CLAUDE.index('{\n    "time"'):CLAUDE.index('  "projects"')], '{},\n')),
    ('delete a missing member or under a missing parent: no change',
     CLAUDE, [(('mcpServers', 'nope'), DELETE), (('nope', 'x', 'y'), DELETE)],
     CLAUDE),
    ('one-line document stays one line',
     '{"a":1,"mcpServers":{"x":{"command":"c"}}}',
     [(('mcpServers', 'y'), {'command': 'd', 'args': ['1']}), (('b',), {'k': []})],
     '{"a":1,"mcpServers":{"x":{"command":"c"},"y":{"command":"d","args":["1"]}},"b":{"k":[]}}'),
    ('one-line spaced document', '{"a": 1, "s": {}}\n', [(('s', 'x'), {'c': 1})],
     '{"a": 1, "s": {"x": {"c": 1}}}\n'),
    ('empty document {}', '{}', [(('mcpServers', 'x'), {'command': 'c'})], '{"mcpServers": {"x": {"command": "c"}}}'),
    ('multi-line empty document', '{\n}\n', [(('mcpServers', 'x'), {})], '{\n  "mcpServers": {\n    "x": {}\n  }\n}\n'),
    ('CRLF and tabs are kept',
     '{\r\n\t"mcpServers": {\r\n\t\t"a": {\r\n\t\t\t"command": "x"\r\n\t\t}\r\n\t}\r\n}',
     [(('mcpServers', 'b'), {'command': 'y', 'env': {'K': 'v'}})],
     '{\r\n\t"mcpServers": {\r\n\t\t"a": {\r\n\t\t\t"command": "x"\r\n\t\t},\r\n\t\t"b": {\r\n\t\t\t"command": "y",'
     '\r\n\t\t\t"env": {\r\n\t\t\t\t"K": "v"\r\n\t\t\t}\r\n\t\t}\r\n\t}\r\n}'),
    ('tight key separator is followed', '{\n  "s":{\n    "a":1\n  }\n}', [(('s', 'b'), {'c': [1]})],
     '{\n  "s":{\n    "a":1,\n    "b":{\n      "c":[\n        1\n      ]\n    }\n  }\n}'),
    ('inline object in a multi-line file stays inline',
     '{\n  "s": {"a": {"c": 1}, "b": 2}\n}\n', [(('s', 'n'), {'x': [1, 2]}), (('s', 'a', 'd'), True)],
     '{\n  "s": {"a": {"c": 1, "d": true}, "b": 2, "n": {"x": [1, 2]}}\n}\n'),
    ('delete from an inline object', '{"s": {"a": 1, "b": 2, "c": 3}}', [(('s', 'b'), DELETE), (('s', 'c'), DELETE)],
     '{"s": {"a": 1}}'),
    ('replace a whole entry when the key order changes: rendered at its depth',
     '{\n  "s": {\n    "a": {\n      "command": "x",\n      "args": []\n    }\n  }\n}',
     [(('s', 'a'), {'args': ['1'], 'command': 'y'})],
     '{\n  "s": {\n    "a": {\n      "args": [\n        "1"\n      ],\n      "command": "y"\n    }\n  }\n}'),
    ('a scalar becomes an object', '{\n  "s": 1\n}', [(('s',), {'a': 1})], '{\n  "s": {\n    "a": 1\n  }\n}'),
    ('replace the whole document', '{\n  "a": 1,\n  "b": 2\n}', [((), {'a': 1, 'c': 3})],
     '{\n  "a": 1,\n  "c": 3\n}'),
    ('escapes and number spellings elsewhere stay', '{"x": "\\u00e9\\/", "n": [1E+2, -0, 0.10], "s": {}}',
     [(('s', 'k'), 'é')], '{"x": "\\u00e9\\/", "n": [1E+2, -0, 0.10], "s": {"k": "é"}}'),
    ('an inline value keeps its own separators', '{\n  "s": {\n    "args": ["a","b"]\n  }\n}',
     [(('s', 'args'), ['a', 'c'])], '{\n  "s": {\n    "args": ["a","c"]\n  }\n}'),
    ('a file without indentation', '{\n"a": 1\n}', [(('b',), {'c': [1]})], '{\n"a": 1,\n"b": {\n"c": [\n1\n]\n}\n}'),
    ('keys of new values are written as JSON writes them', '{"s": {}}', [(('s', 'x'), {1: True, None: (1, 2)})],
     '{"s": {"x": {"1": true, "null": [1, 2]}}}'),
    ('blank lines between members stay', '{\n  "a": 1,\n\n  "b": 2,\n\n  "c": 3\n}',
     [(('b',), DELETE), (('d',), 4)], '{\n  "a": 1,\n\n\n  "c": 3,\n  "d": 4\n}'),
]


@pytest.mark.parametrize('name,text,ops,expected', EDITS, ids=[c[0] for c in EDITS])
def test_apply_ops_json(name, text, ops, expected):
    result = je.apply_ops(text, ops)
    assert result == expected
    _check_data(text, ops, result, 'json')


VSCODE = (
    '{\n'
    '  // MCP servers for this workspace\n'
    '  "inputs": [{"id": "tok", "type": "promptString", "password": true},],\n'
    '  "servers": {\n'
    '    /* the time server */\n'
    '    "time": {\n'
    '      "type": "stdio",\n'
    '      "command": "uvx", // from PyPI\n'
    '      "args": ["mcp-server-time",],\n'
    '    },\n'
    '    "gh": {"type": "http", "url": "https://api.githubcopilot.com/mcp/"}, // remote\n'
    '  },\n'
    '}\n')

EDITS_JSONC = [
    ('insert follows the trailing-comma habit',
     VSCODE, [(('servers', 'new'), {'type': 'stdio', 'command': 'x'})],
     VSCODE.replace('}, // remote\n  },', '}, // remote\n    "new": {\n      "type": "stdio",\n'
                    '      "command": "x"\n    },\n  },')),
    ('update keeps comments and trailing commas around the changed value',
     VSCODE, [(('servers', 'time', 'command'), 'npx')],
     VSCODE.replace('"command": "uvx", // from PyPI', '"command": "npx", // from PyPI')),
    ('delete takes the comment on its line, keeps the one above',
     VSCODE, [(('servers', 'gh'), DELETE)],
     VSCODE.replace('    "gh": {"type": "http", "url": "https://api.githubcopilot.com/mcp/"}, // remote\n', '')),
    ('delete a member inside an entry, its comment goes with it',
     VSCODE, [(('servers', 'time', 'command'), DELETE)],
     VSCODE.replace('      "command": "uvx", // from PyPI\n', '')),
    ('a comment before the member on its line stays',
     '{\n  "s": {\n    "a": 1,\n    /* b */ "b": 2\n  }\n}', [(('s', 'b'), DELETE)],
     '{\n  "s": {\n    "a": 1\n    /* b */\n  }\n}'),
    ('comments between inline members stay',
     '{"s": {"a": 1, /* b */ "b": 2}}', [(('s', 'b'), DELETE)], '{"s": {"a": 1 /* b */}}'),
    ('comments after the comma of a deleted previous member stay',
     '{\n  "a": 1, // one\n  "b": 2\n}', [(('b',), DELETE)], '{\n  "a": 1 // one\n}'),
    ('empty object with a comment inside gets the member before its brace',
     '{\n  "servers": {\n    // none yet\n  }\n}', [(('servers', 'x'), {'command': 'c'})],
     '{\n  "servers": {\n    // none yet\n    "x": {\n      "command": "c"\n    }\n  }\n}'),
    ('trailing comment without trailing comma: the comma goes before the comment',
     '{\n  "a": 1 // one\n}', [(('b',), 2)], '{\n  "a": 1, // one\n  "b": 2\n}'),
    ('block comment spanning lines after the last member',
     '{\n  "a": 1 /* x\n  y */\n}', [(('b',), 2)], '{\n  "a": 1, /* x\n  y */\n  "b": 2\n}'),
    ('inline trailing comma kept', '{"a": 1,}', [(('b',), 2)], '{"a": 1, "b": 2,}'),
    ('delete the last inline member with a trailing comma', '{"a": 1, "b": 2,}', [(('b',), DELETE)],
     '{"a": 1,}'),
    ('slashes inside strings are not comments', '{"u": "http://x/*y*/", "s": {}}', [(('s', 'k'), 1)],
     '{"u": "http://x/*y*/", "s": {"k": 1}}'),
]


@pytest.mark.parametrize('name,text,ops,expected', EDITS_JSONC, ids=[c[0] for c in EDITS_JSONC])
def test_apply_ops_jsonc(name, text, ops, expected):
    result = _apply_checked(text, ops, 'jsonc')
    assert result == expected
    _check_data(text, ops, result, 'jsonc')


def test_setting_under_a_non_object_is_refused_with_its_position():
    with pytest.raises(ConfigError) as info:
        je.apply_ops('{\n  "mcpServers": []\n}', [(('mcpServers', 'x'), {})])
    assert (info.value.line, info.value.column) == (2, 3)
    assert '"mcpServers" is a list, not an object' in str(info.value)


def test_errors_name_the_file_when_given():
    with pytest.raises(ConfigError) as info:
        je.apply_ops('{"s": 1}', [(('s', 'x'), 1)], path=PATH)
    assert str(info.value).startswith(PATH + ':1:2: "s" is a number, not an object')
    with pytest.raises(ConfigError) as info:
        je.apply_ops('{"s": 1} /* open', [(('s',), 2)], 'jsonc', path=PATH)
    assert str(info.value).startswith(PATH + ':1:10: invalid JSONC: a /* comment is never closed')


def test_bad_ops_are_refused():
    with pytest.raises(TypeError):
        je.apply_ops('{}', [((1,), 1)])
    with pytest.raises(ValueError):
        je.apply_ops('{}', [((), DELETE)])
    with pytest.raises(ConfigError):
        je.apply_ops('[1]', [(('a',), 1)])
    with pytest.raises(ValueError):
        je.apply_ops('{}', [(('a',), {1: 'x', '1': 'y'})])
    with pytest.raises(ConfigError):
        je.apply_ops('{"a": 1, // x\n}', [(('b',), 1)], 'json')


def test_a_large_document_is_edited_without_rewriting_it():
    projects = dict(('/p/%d' % n, {'history': [{'display': 'x %d' % i} for i in range(5)], 'mcpServers': {}})
                    for n in range(2000))
    text = json.dumps({'projects': projects, 'mcpServers': {'a': {'command': 'a'}}}, indent=2) + '\n'
    ops = [(('mcpServers', 'b'), {'command': 'b'}), (('projects', '/p/1000', 'mcpServers', 'c'), {'command': 'c'}),
           (('mcpServers', 'a'), DELETE)]
    result = je.apply_ops(text, ops)
    expected = json.loads(text)
    expected['mcpServers'] = {'b': {'command': 'b'}}
    expected['projects']['/p/1000']['mcpServers'] = {'c': {'command': 'c'}}
    assert json.loads(result) == expected
    assert result == json.dumps(expected, indent=2) + '\n'


# ---------------------------------------------------------------------------------------------
# Helpers shared with the property tests


def _apply_to_data(data, ops):
    data = copy.deepcopy(data)
    for path, value in ops:
        if not path:
            data = json.loads(json.dumps(value))
            continue
        node = data
        for key in path[:-1]:
            if key not in node:
                if value is DELETE:
                    node = None
                    break
                node[key] = {}
            node = node[key]
        if node is None:
            continue
        if value is DELETE:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = json.loads(json.dumps(value))  # as JSON data: {1: x} is {"1": x}
    return data


def _ordered(value):
    """Comparable form that keeps key order and tells booleans from numbers (1.0 == 1 stays equal)."""
    if isinstance(value, dict):
        return [(key, _ordered(item)) for key, item in value.items()]
    if isinstance(value, (list, tuple)):
        return [_ordered(item) for item in value]
    if isinstance(value, bool):
        return ('bool', value)
    return value


def _check_data(text, ops, result, flavor):
    before = je.parse(text.encode('utf-8'), flavor=flavor)[0]
    after = je.parse(result.encode('utf-8'), flavor=flavor)[0]
    assert _ordered(after) == _ordered(_apply_to_data(before, ops))
    if flavor == 'json':
        assert json.loads(result) == after


# ---------------------------------------------------------------------------------------------
# Property tests: random documents in random styles, random edits on servers-like paths

NUMBERS = ['0', '-0', '7', '-12', '1.50', '1e5', '1E+2', '-0.0', '2.5e-3', '123456789012345678901234567890']


class Spelled(object):
    """A number the writer spells as given (1.50, -0, 1e5)."""

    def __init__(self, text):
        self.text = text
        self.value = json.loads(text)


def _plain(value):
    if isinstance(value, Spelled):
        return value.value
    if isinstance(value, dict):
        return dict((k, _plain(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class Writer(object):
    """Writes a document in a random style and records where every member and object is."""

    def __init__(self, rnd, unit, newline, key_sep, item_sep, jsonc, one_line):
        self.rnd = rnd
        self.unit = unit
        self.newline = newline
        self.key_sep = key_sep
        self.item_sep = item_sep
        self.jsonc = jsonc
        self.one_line = one_line
        self.trailing = jsonc and rnd.random() < 0.5
        self.out = []
        self.pos = 0
        self.members = {}  # path -> (key start, value start, value end)
        self.objects = {}  # path -> (open, close, keys)
        self.comments = []  # (position, text)
        self.trailing_brackets = []  # positions of the brackets that follow a trailing comma

    def put(self, text):
        self.out.append(text)
        self.pos += len(text)

    def comment(self, kind):
        number = len(self.comments)
        text = ('// c%d , } "x' % number) if kind == 'line' else ('/* c%d {"a": 1,} */' % number)
        self.comments.append((self.pos, text))
        self.put(text)

    def chance(self, p):
        return self.rnd.random() < p

    def string(self, text):
        out = json.dumps(text, ensure_ascii=self.chance(0.5))
        return out.replace('/', '\\/') if self.chance(0.2) else out

    def document(self, data):
        self.value(data, '', False, ())
        if self.chance(0.7):
            self.put(self.newline)
        return ''.join(self.out)

    def value(self, value, indent, inline, path):
        if isinstance(value, dict):
            self.container(list(value.items()), '{}', indent, inline, path)
        elif isinstance(value, list):
            self.container([(None, v) for v in value], '[]', indent, inline, None)
        elif isinstance(value, Spelled):
            self.put(value.text)
        elif isinstance(value, str):
            self.put(self.string(value))
        else:
            self.put(json.dumps(value))

    def container(self, items, brackets, indent, inline, path):
        start = self.pos
        self.put(brackets[0])
        inline = inline or self.one_line or not items or self.chance(0.2)
        if self.jsonc and items and not inline and self.chance(0.1):
            self.put(' ')
            self.comment('line')
        if not items and not self.one_line and self.chance(0.2):
            self.put(self.newline + indent)
        inner = indent + self.unit
        for number, (key, item) in enumerate(items):
            if inline:
                if number:
                    self.put(self.item_sep)
                if self.jsonc and self.chance(0.1):
                    self.comment('block')
                    self.put(' ')
            else:
                if number:
                    self.put(',')
                    if self.jsonc and self.chance(0.2):
                        self.put(' ')
                        self.comment('line')
                self.put(self.newline)
                if self.chance(0.1):
                    self.put(self.newline)
                if self.jsonc and self.chance(0.15):
                    self.put(inner)
                    self.comment('line')
                    self.put(self.newline)
                self.put(inner)
                if self.jsonc and self.chance(0.1):
                    self.comment('block')
                    self.put(' ')
            key_start = self.pos
            if key is not None:
                self.put(self.string(key))
                if self.jsonc and self.chance(0.05):
                    self.put(' ')
                    self.comment('block')
                self.put(self.key_sep)
                if self.jsonc and self.chance(0.05):
                    self.comment('block')
                    self.put(' ')
            value_start = self.pos
            self.value(item, inner, inline, path + (key,) if path is not None else None)
            if path is not None:
                self.members[path + (key,)] = (key_start, value_start, self.pos)
        trailing = items and self.trailing and (not inline or self.chance(0.5))
        if trailing:
            self.put(',')
        if items and not inline:
            if self.jsonc and self.chance(0.15):
                self.put(' ')
                self.comment('line')
            if self.jsonc and self.chance(0.1):
                self.put(self.newline + inner)
                self.comment('line')
            self.put(self.newline + indent)
        close = self.pos
        if trailing:
            self.trailing_brackets.append(close)
        self.put(brackets[1])
        if path is not None:
            self.objects[path] = (start, close, [key for key, _item in items])


ALPHABET = st.sampled_from(list('ab/*"\\,{}[]:\xe9 \n\t\u2028') + ['\U0001f600', '//', '/*', '*/'])
texts = st.lists(ALPHABET, max_size=5).map(''.join) | st.text(max_size=5)
keys = st.from_regex(r'\A[A-Za-z0-9_-]{1,6}\Z') | texts
numbers = st.sampled_from(NUMBERS).map(Spelled)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(keys, inner, max_size=3)), max_leaves=6)
entries = st.fixed_dictionaries({'command': texts}, optional={
    'args': st.lists(texts, max_size=3), 'env': st.dictionaries(keys, texts, max_size=3),
    'disabled': st.booleans(), 'timeout': numbers, 'x-extra': values})
servers = st.dictionaries(keys, entries, max_size=3)
documents = st.fixed_dictionaries({}, optional={
    'numStartups': numbers, 'mcpServers': st.dictionaries(keys, entries, min_size=1, max_size=4), 'servers': servers,
    'projects': st.dictionaries(st.sampled_from(['/home/u/a', '/home/u/b', '/srv/\xe9']),
                                st.fixed_dictionaries({}, optional={'mcpServers': servers, 'history': values}),
                                max_size=2),
    'zzz': values})
new_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10, 10), st.sampled_from([1.5, -0.0, 1e20]),
                                    texts),
                          lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)),
                          max_leaves=5)
new_entries = st.fixed_dictionaries({'command': texts}, optional={
    'args': st.lists(texts, max_size=3), 'env': st.dictionaries(keys, texts, max_size=2), 'x-extra': new_values})
styles = st.tuples(st.sampled_from(['  ', '    ', '\t', '']), st.sampled_from(['\n', '\r\n']),
                   st.sampled_from([': ', ':']), st.sampled_from([', ', ',']), st.booleans())


@st.composite
def cases(draw, flavor):
    data = draw(documents)
    unit, newline, key_sep, item_sep, one_line = draw(styles)
    writer = Writer(draw(st.randoms(use_true_random=False)), unit, newline, key_sep, item_sep, flavor == 'jsonc',
                    one_line)
    text = writer.document(data)
    data = _plain(data)
    bases = [('mcpServers',), ('servers',), ('projects', '/home/u/a', 'mcpServers'),
             ('projects', '/srv/\xe9', 'mcpServers'), ('projects', '/new', 'mcpServers')]
    present = [base for base in bases if _lookup(data, base)]
    base = draw(st.sampled_from(present if present and draw(st.integers(0, 4)) else bases))
    existing = _lookup(data, base)
    existing = list(existing) if isinstance(existing, dict) else []
    name = draw(st.sampled_from(existing) if existing and draw(st.integers(0, 4)) else keys)
    entry = _lookup(data, base + (name,))
    kind = draw(st.sampled_from(['set', 'set', 'delete', 'field', 'tweak']))
    if kind == 'delete':
        op = (base + (name,), DELETE)
    elif kind == 'field' and isinstance(entry, dict):
        field = draw(st.sampled_from(list(entry) + ['args', 'new']))
        op = (base + (name, field), draw(st.just(DELETE) | new_values))
    elif kind == 'tweak' and isinstance(entry, dict):
        changed = dict(entry)
        for field in draw(st.lists(st.sampled_from(list(entry) + ['cwd']), max_size=2, unique=True)):
            if field in changed and draw(st.booleans()):
                del changed[field]
            else:
                changed[field] = draw(new_values)
        op = (base + (name,), changed)
    else:
        op = (base + (name,), draw(new_entries))
    return text, writer, data, op


def _lookup(data, path):
    node = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _allowed_span(writer, path, value):
    """The original's bytes an edit at path may touch; everything outside must stay identical."""
    if path in writer.members:
        key_start, value_start, value_end = writer.members[path]
        if value is not DELETE:
            return value_start, value_end
        parent = path[:-1]
        start, close, keys = writer.objects[parent]
        index = keys.index(path[-1])
        low = writer.members[parent + (keys[index - 1],)][2] if index else start + 1
        high = writer.members[parent + (keys[index + 1],)][0] if index + 1 < len(keys) else close
        return low, high
    if value is DELETE:
        return None
    for depth in range(len(path) - 1, -1, -1):
        if path[:depth] in writer.objects:
            start, close, keys = writer.objects[path[:depth]]
            low = writer.members[path[:depth] + (keys[-1],)][2] if keys else start + 1
            return low, close
    raise AssertionError('no parent object for %r' % (path,))


def _checked_splice(original):
    """_Editor._splice that also proves the incrementally updated blanked copies equal a full re-blank."""

    def splice(self, *args, **kwargs):
        original(self, *args, **kwargs)
        assert (self.nocomments, self.blanked) == jp.blank(self.text, self.flavor)

    return splice


def _apply_checked(text, ops, flavor):
    with mock.patch.object(je._Editor, '_splice', _checked_splice(je._Editor._splice)):
        return je.apply_ops(text, ops, flavor)


def _check_case(case, flavor):
    text, writer, data, op = case
    value, decoded = je.parse(text.encode('utf-8'), flavor=flavor)
    assert decoded == text
    assert _ordered(value) == _ordered(data)
    path, new = op
    if not isinstance(_lookup(data, path[:-1]), dict) and any(
            _lookup(data, path[:d]) is not None and not isinstance(_lookup(data, path[:d]), dict)
            for d in range(1, len(path))):
        return
    result = _apply_checked(text, [op], flavor)
    # (c) valid in its flavor, (b) equal to the edit applied to the data
    _check_data(text, [op], result, flavor)
    # (a) bytes outside the edited member are identical
    span = _allowed_span(writer, path, new)
    if span is None:
        assert result == text
        return
    low, high = span
    assert result.startswith(text[:low]) and result.endswith(text[high:]), (span, text, result)
    assert len(result) >= low + len(text) - high
    # comments outside the member's own lines survive
    if path in writer.members:
        key_start, value_start, value_end = writer.members[path]
        line_end = text.find('\n', value_end)
        line_end = len(text) if line_end < 0 else line_end
        first = value_start if new is not DELETE else key_start
        for position, comment in writer.comments:
            if not first <= position < (line_end if new is DELETE else value_end):
                assert comment in result, comment
    else:
        for _position, comment in writer.comments:
            assert comment in result, comment
    # the file's style: CRLF stays CRLF, a one-line document stays one line
    if writer.newline == '\r\n':
        assert result.count('\n') == result.count('\r\n')
    if writer.one_line:
        assert result.count('\n') == text.count('\n')


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases('json'))
def test_property_json_edit_is_byte_exact(case):
    _check_case(case, 'json')


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases('jsonc'))
def test_property_jsonc_edit_is_byte_exact(case):
    _check_case(case, 'jsonc')


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases('jsonc'))
def test_property_strict_refuses_at_the_first_comment_or_trailing_comma(case):
    text, writer, data, _op = case
    assert _ordered(je.parse(text.encode('utf-8'), flavor='jsonc')[0]) == _ordered(data)
    problems = sorted([(pos, 'comments are not allowed') for pos, _comment in writer.comments]
                      + [(pos, 'trailing comma before') for pos in writer.trailing_brackets])
    if not problems:
        assert _ordered(je.parse(text.encode('utf-8'))[0]) == _ordered(data)
        return
    with pytest.raises(ConfigError) as info:
        je.parse(text.encode('utf-8'), PATH)
    pos, words = problems[0]
    assert (info.value.line, info.value.column) == je.line_col(text, pos)
    assert words in str(info.value)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(['json', 'jsonc']))
def test_property_several_ops_in_one_call(data, flavor):
    text, _writer, parsed, _op = data.draw(cases(flavor))
    ops = []
    for _number in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from([('mcpServers',), ('servers',), ('projects', '/home/u/a', 'mcpServers'),
                                          ('projects', '/p', 'mcpServers')]))
        name = data.draw(keys | st.sampled_from(sorted(_lookup(parsed, path) or {}) or ['x']))
        ops.append((path + (name,), data.draw(st.just(DELETE) | new_entries)))
    if any(_lookup(parsed, op[0][:d]) is not None and not isinstance(_lookup(parsed, op[0][:d]), dict)
           for op in ops for d in range(1, len(op[0]))):
        return
    result = _apply_checked(text, ops, flavor)
    _check_data(text, ops, result, flavor)


@settings(max_examples=200, deadline=None)
@given(st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(keys, inner, max_size=3)), max_leaves=10),
       st.booleans())
def test_property_strict_parse_agrees_with_json_loads(value, ascii_only):
    text = json.dumps({'v': _plain(value)}, ensure_ascii=ascii_only)
    parsed, _text = je.parse(text.encode('utf-8'))
    assert _ordered(parsed) == _ordered(json.loads(text))
    assert je.parse(text.encode('utf-8'), flavor='jsonc')[0] == parsed
