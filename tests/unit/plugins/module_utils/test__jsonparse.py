# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests for reading JSON/JSONC: strict refusals with file:line:col, comment/trailing-comma blanking.

The property tests of parse (agreement with json.loads, strict refusal at the first comment) draw from the random
document writer in test__jsonedit.py and live there.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.mcpops.mcp.plugins.module_utils import _jsonparse as jp
from ansible_collections.mcpops.mcp.plugins.module_utils._errors import ConfigError

PATH = '/home/alice/.claude.json'


# ---------------------------------------------------------------------------------------------
# parse: refusals with file:line:col (strict: the messages _config.parse_json gives today)

# (name, bytes, expected line, expected column, words the message must contain)
REFUSED_JSON = [
    ('trailing comma', b'{\n  "mcpServers": {},\n}\n', 3, 1, 'trailing comma before \'}\' is not allowed'),
    ('trailing comma in list', b'{"a": [1, 2,]}', 1, 13, 'trailing comma before \']\''),
    ('line comment', b'{\n  // my servers\n  "mcpServers": {}\n}\n', 2, 3, 'comments are not allowed in JSON'),
    ('block comment', b'{\n  /* x */ "a": 1\n}', 2, 3, 'comments are not allowed in JSON'),
    ('hash comment', b'{\n  # x\n  "a": 1\n}', 2, 3, 'comments are not allowed in JSON'),
    ('byte-order mark', b'\xef\xbb\xbf{"mcpServers": {}}', 1, 1, 'byte-order mark, which Claude cannot read'),
    ('empty file', b'', 1, 1, 'empty or whitespace only'),
    ('whitespace only', b'   \n\n', 1, 1, 'empty or whitespace only'),
    ('truncated', b'{\n  "mcpServers": {\n    "a": {"command": "npx"', 3, 27, 'ends early'),
    ('list at root', b'[{"mcpServers": {}}]', 1, 1, 'top level must be a JSON object, found a list'),
    ('string at root', b'"hello"', 1, 1, 'top level must be a JSON object, found a string'),
    ('duplicate top-level key', b'{\n  "a": 1,\n  "a": 2\n}', 3, 3, 'duplicate key "a"; the document is ambiguous'),
    ('duplicate server', b'{"mcpServers": {\n "x": {},\n "x": {}}}', 3, 2, 'duplicate key "x"'),
    ('duplicate nested key', b'{"mcpServers": {"x": {"env": {"A": "1", "A": "2"}}}}', 1, 41, 'duplicate key "A"'),
    ('duplicate after a same-named nested key', b'{"a": {"b": 1}, "b": 2, "b": 3}', 1, 25, 'duplicate key "b"'),
    ('third occurrence points at the second', b'{"k": 1, "k": 2, "k": 3}', 1, 10, 'duplicate key "k"'),
    ('escaped duplicate', b'{"\\u00e9": 1, "\xc3\xa9": 2}', 1, 15, 'duplicate key "\xe9"'),
    ('NaN', b'{"a": NaN}', 1, 7, 'NaN is not valid JSON (JSON.parse rejects it)'),
    ('NaN after a string holding NaN', b'{"NaN": "NaN", "b": [-Infinity]}', 1, 22, '-Infinity is not valid JSON'),
    ('extra data', b'{} {}', 1, 4, 'extra data after the document'),
    ('single quotes', b"{'a': 1}", 1, 2, 'invalid JSON: expecting property name enclosed in double quotes'),
    ('invalid utf-8', b'{"a": "\xff"}', 1, 8, 'not valid UTF-8'),
    ('invalid utf-8 on line 2', b'{\n  "\xc3\xa9": "\xc3"}', 2, 9, 'not valid UTF-8'),
    ('control character in a string', b'{"a": "x\ty"}', 1, 9, 'invalid control character'),
]


@pytest.mark.parametrize('name,data,line,column,words', REFUSED_JSON, ids=[c[0] for c in REFUSED_JSON])
def test_strict_refusals_name_file_line_and_column(name, data, line, column, words):
    with pytest.raises(ConfigError) as info:
        jp.parse(data, PATH)
    message = str(info.value)
    assert message.startswith('%s:%d:%d: ' % (PATH, line, column)), message
    assert words in message, message
    assert (info.value.path, info.value.line, info.value.column) == (PATH, line, column)


def test_empty_file_points_to_restore():
    with pytest.raises(ConfigError) as info:
        jp.parse(b'\n', PATH)
    assert 'mcp_backup state=restored' in info.value.hint


REFUSED_JSONC = [
    ('duplicate key', b'{\n  // servers\n  "a": 1,\n  /* again */ "a": 2,\n}', 4, 15, 'duplicate key "a"'),
    ('duplicate with a comment holding the key', b'{"a": 1, /* "a": 0, */ "b": {}, "a": 2}', 1, 33,
     'duplicate key "a"'),
    ('byte-order mark', b'\xef\xbb\xbf{}', 1, 1, 'byte-order mark'),
    ('empty', b'  \n', 1, 1, 'empty or whitespace only'),
    ('only a comment', b'// nothing\n', 1, 1, 'only comments'),
    ('NaN', b'{\n  // NaN here is fine\n  "a": NaN\n}', 3, 8, 'NaN is not valid JSON'),
    ('unterminated block comment', b'{\n  "a": 1 /* open\n}', 2, 10, 'never closed'),
    ('comma alone in a list', b'{"a": [,]}', 1, 8, 'invalid JSON: expecting value'),
    ('two commas', b'{"a": [1,,]}', 1, 10, 'invalid JSON: expecting value'),
    ('comma after the brace', b'{,}', 1, 2, 'invalid JSON'),
    ('extra data after a comment', b'{} // x\n{}', 2, 1, 'extra data'),
    ('top level list', b'// list\n[1,]', 2, 1, 'top level must be a JSON object'),
    ('hash comment', b'{\n  # x\n}', 2, 3, 'invalid JSON'),
    ('unterminated string holding //', b'{"a": "x // y\n}', 1, 14, 'invalid control character'),
]


@pytest.mark.parametrize('name,data,line,column,words', REFUSED_JSONC, ids=[c[0] for c in REFUSED_JSONC])
def test_jsonc_refusals(name, data, line, column, words):
    with pytest.raises(ConfigError) as info:
        jp.parse(data, PATH, flavor='jsonc')
    message = str(info.value)
    assert message.startswith('%s:%d:%d: ' % (PATH, line, column)), message
    assert words in message, message


ACCEPTED_JSONC = [
    (b'{\n  // servers\n  "servers": {},\n}\n', {'servers': {}}),
    (b'{"a": [1, 2,], "b": {"c": 3,},}', {'a': [1, 2], 'b': {'c': 3}}),
    (b'/* head */ {"a": "// not a comment", "b": "/* nor this */"} // tail',
     {'a': '// not a comment', 'b': '/* nor this */'}),
    (b'{"a": "x\\" // still a string", "b": 1 /* , } */ }', {'a': 'x" // still a string', 'b': 1}),
    (b'{\r\n  "a": 1, // one\r\n  "b": "\\u00e9,]"\r\n}', {'a': 1, 'b': '\xe9,]'}),
    (b'{"url": "https://example.com/a//b", "c": [1 /* one */, 2] /* x */,}',
     {'url': 'https://example.com/a//b', 'c': [1, 2]}),
]


@pytest.mark.parametrize('data,expected', ACCEPTED_JSONC)
def test_jsonc_accepts_comments_and_trailing_commas(data, expected):
    value, text = jp.parse(data, flavor='jsonc')
    assert value == expected
    assert text == data.decode('utf-8')
    with pytest.raises(ConfigError):
        jp.parse(data, flavor='json')


def test_parse_keeps_key_order_and_float_spelling():
    value, text = jp.parse(b'{"z": 1, "a": [1.50, 1e5, -0.0, -0, 2], "m": {"y": 1, "b": 2}}')
    assert list(value) == ['z', 'a', 'm'] and list(value['m']) == ['y', 'b']
    floats = value['a']
    assert [getattr(f, 'raw', None) for f in floats] == ['1.50', '1e5', '-0.0', None, None]
    assert isinstance(floats[0], jp.RawFloat) and floats[0] == 1.5
    assert text == '{"z": 1, "a": [1.50, 1e5, -0.0, -0, 2], "m": {"y": 1, "b": 2}}'


def test_parse_takes_text_as_well_as_bytes():
    assert jp.parse('{"a": "\xe9"}')[0] == {'a': '\xe9'}
    with pytest.raises(ConfigError) as info:
        jp.parse(u'\ufeff{}', PATH)
    assert 'byte-order mark' in str(info.value)


def test_unknown_flavor():
    with pytest.raises(ValueError):
        jp.parse(b'{}', flavor='yaml')
    with pytest.raises(ValueError):
        jp.check_flavor('toml')


def test_deep_nesting_is_refused_not_a_crash():
    with pytest.raises(ConfigError) as info:
        jp.parse(b'{"a": ' + b'[' * 100000 + b']' * 100000 + b'}')
    assert 'nested too deeply' in str(info.value)


# ---------------------------------------------------------------------------------------------
# blank / reblank_span: the same-length copies the parser and the editor read

# (JSONC text, expected without comments, expected without comments and trailing commas)
BLANKED = [
    ('{"a": 1, // one\n "b": 2,\n}', '{"a": 1,       \n "b": 2,\n}', '{"a": 1,       \n "b": 2 \n}'),
    ('/* a\nb */{"c": [1 /* x */,]}', '         {"c": [1        ,]}', '         {"c": [1         ]}'),
    ('{"u": "https://x//y", "s": "/* ,] */",}', '{"u": "https://x//y", "s": "/* ,] */",}',
     '{"u": "https://x//y", "s": "/* ,] */" }'),
    ('{"q": "\\" // x", "r": [,]}', '{"q": "\\" // x", "r": [,]}', '{"q": "\\" // x", "r": [,]}'),
    ('{"a": 1 // end\r\n}', '{"a": 1       \r\n}', '{"a": 1       \r\n}'),
]


@pytest.mark.parametrize('text,nocomments,blanked', BLANKED)
def test_blank_turns_comments_and_trailing_commas_into_spaces(text, nocomments, blanked):
    assert jp.blank(text, 'jsonc') == (nocomments, blanked)
    assert jp.blank(text, 'json') == (text, text)


def test_blank_refuses_an_unclosed_block_comment_with_its_position():
    with pytest.raises(ConfigError) as info:
        jp.blank('{\n  "a": 1 /* open\n}', 'jsonc', PATH)
    assert (info.value.path, info.value.line, info.value.column) == (PATH, 2, 10)


# (text, the span replaced, its replacement): splices at member, value and bracket boundaries, as _jsonedit makes
RESPLICED = [
    ('{"a": 1,\n}', '', '\n "b": 2,'),                # a trailing comma stops trailing, the new one trails
    ('{"a": 1, "b": 2}', ' "b": 2', ''),               # the comma before a deleted member becomes trailing
    ('{"a": 1, /* c */ "b": 2,}', '2', '"/* not, ]"'),  # comment-like text inside a new string stays
    ('{"a": [1,], // x\n "b": {}}', '{}', '{"c": 3}'),  # comments and trailing commas elsewhere stay blanked
    ('{"a": 1}', '1', '[1, // one\n2,]'),               # comments and trailing commas inside the new text
]


@pytest.mark.parametrize('text,old,new', RESPLICED)
def test_reblank_span_equals_a_full_blank(text, old, new):
    start = text.rindex(old) if old else text.index(',') + 1
    end = start + len(old)
    after = text[:start] + new + text[end:]
    nocomments, blanked = jp.blank(text, 'jsonc')
    assert jp.reblank_span(nocomments, blanked, start, end, new) == jp.blank(after, 'jsonc')
    assert json.loads(jp.blank(after, 'jsonc')[1]) == jp.parse(after, flavor='jsonc')[0]


def test_line_col_counts_from_one():
    assert jp.line_col('{\n  "a"', 0) == (1, 1)
    assert jp.line_col('{\n  "a"', 4) == (2, 3)
