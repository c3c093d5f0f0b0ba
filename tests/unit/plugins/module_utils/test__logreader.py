# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The log readers: line shapes, the chunk scanner against the line reader, bounded lines.

What they make of the fixtures end to end (through _logs.collect) is in test__logs.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import os
import shutil

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.mcpops.mcp.plugins.module_utils import _logreader, _logs

TESTS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DESKTOP = os.path.join(TESTS, 'fixtures', 'logs', 'desktop')
ENTRY_KEYS = {'timestamp', 'server', 'level', 'message', 'metadata', 'stream', 'method', 'duration', 'file', 'line'}


def collect(log_dir=DESKTOP, **kwargs):
    return _logs.collect(log_dir, **kwargs)


@pytest.mark.parametrize('line, expected', [
    ('2026-01-03T11:39:20.074Z [github] [info] hi', ('2026-01-03T11:39:20.074Z', 'github', 'INFO', 'hi')),
    ('2026-01-03T11:39:20.074Z [info] [github] hi', ('2026-01-03T11:39:20.074Z', 'github', 'INFO', 'hi')),
    ('2026-01-03T11:39:20.074Z [Control your Mac] [warn] x', ('2026-01-03T11:39:20.074Z', 'Control your Mac', 'WARN', 'x')),
    ('2026-01-03T11:39:20.074Z [s] [ERROR] x', ('2026-01-03T11:39:20.074Z', 's', 'ERROR', 'x')),
    ('2026-01-03T11:39:20.074Z [warning] x', ('2026-01-03T11:39:20.074Z', '', 'WARN', 'x')),
    ('2026-01-03T11:39:20.074Z plain', ('2026-01-03T11:39:20.074Z', '', 'INFO', 'plain')),
    ('not a header at all, long enough to be checked', None),
    ('  at Object.<anonymous> (/x.js:1:1)', None),
])
def test_split_header(line, expected):
    assert _logreader._split_header(line) == expected


@pytest.mark.parametrize('level', ['debug', 'info', 'warn', 'error'])
def test_fast_and_line_readers_agree(level, tmp_path):
    # mcp.log alone goes through the chunk scanner when a level filter applies; compare with the line reader.
    shutil.copy(os.path.join(DESKTOP, 'mcp.log'), str(tmp_path / 'mcp.log'))
    log_file = _logreader.LogFile(str(tmp_path / 'mcp.log'), None, False)
    opts = _logreader.Options(level=level)
    fast = list(_logreader.read_entries(log_file, opts))
    slow = list(_logreader._read_lines(log_file, opts, 0, None))
    slow = [e for e in slow if e['_keep'] or e['message'].startswith(_logreader.LIFECYCLE_PREFIXES)]
    assert fast == slow


@pytest.mark.parametrize('level', ['debug', 'info', 'warn', 'error'])
def test_readers_agree_on_over_long_lines(tmp_path, level):
    with open(str(tmp_path / 'mcp.log'), 'w') as handle:
        handle.write('2026-01-03T10:00:00.000Z [a] [error] spawn x ENOENT {\n')
        for i in range(3000):
            handle.write("    line %d of a long metadata block,\n" % i)
        handle.write('}\n')
        handle.write('2026-01-03T10:00:01.000Z [a] [warn] ' + 'w' * 30000 + ' { metadata: undefined }\n')
        handle.write('2026-01-03T10:00:02.000Z [a] [info] Message from client: {"method":"ping","jsonrpc":"2.0","id":'
                     + '1' * 20000 + '}\n')
        handle.write('2026-01-03T10:00:03.000Z [a] [error] done\n')
    log_file = _logreader.LogFile(str(tmp_path / 'mcp.log'), None, False)
    opts = _logreader.Options(level=level, max_message_chars=500)
    fast = list(_logreader.read_entries(log_file, opts))
    slow = [e for e in _logreader._read_lines(log_file, opts, 0, None)
            if e['_keep'] or e['message'].startswith(_logreader.LIFECYCLE_PREFIXES)]
    assert fast == slow
    spawn = slow[0]
    assert spawn['message'] == 'spawn x ENOENT' and spawn['metadata'].startswith('{\n    line 0 of')
    assert spawn['metadata'].endswith(' characters]') and len(spawn['metadata']) < 600
    assert [e['line'] for e in slow if e['level'] == 'ERROR'] == [1, 3005]


LINE = st.one_of(
    st.builds(lambda s, l, m: '2026-01-03T11:00:00.000Z [%s] [%s] %s' % (s, l, m),
              st.sampled_from(['a', 'b', 'c d']), st.sampled_from(['info', 'error', 'warn', 'debug']),
              st.text(st.characters(blacklist_categories=('Cs', 'Cc')), max_size=30)),
    st.text(st.characters(blacklist_categories=('Cs', 'Cc')), max_size=30),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(LINE, max_size=30), st.sampled_from(['debug', 'info', 'warn', 'error']))
def test_any_mcp_log_parses_and_readers_agree(tmp_path_factory, lines, level):
    log_dir = str(tmp_path_factory.mktemp('prop'))
    with open(os.path.join(log_dir, 'mcp.log'), 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(lines) + ('\n' if lines else ''))
    result = collect(log_dir, level=level)
    headers = [l for l in lines if _logreader._split_header(l) is not None]
    per_level = [l for l in headers if _logreader.LEVEL_RANK[_logreader._split_header(l)[2]] >= _logreader.LEVEL_RANK[level.upper()]]
    assert result['matched'] == len(per_level)
    for entry in result['entries']:
        assert set(entry) == ENTRY_KEYS
    log_file = _logreader.LogFile(os.path.join(log_dir, 'mcp.log'), None, False)
    opts = _logreader.Options(level=level)
    slow = [e for e in _logreader._read_lines(log_file, opts, 0, None)
            if e['_keep'] or e['message'].startswith(_logreader.LIFECYCLE_PREFIXES)]
    assert list(_logreader.read_entries(log_file, opts)) == slow


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=('Cs',), blacklist_characters='\r\n'), max_size=80),
       st.integers(4, 40))
def test_streamed_and_in_block_cuts_agree(text, limit):
    # The line reader cuts while streaming, the chunk scanner cuts a line it holds: same head, same count.
    content = text.encode('utf-8')
    lines = _logreader._BoundedLines(io.BytesIO(content + b'\nnext\n'), limit)
    got = list(lines)
    assert [line.rstrip(b'\n') for line in got[1:]] == [b'next']  # at limit 4 'next' fills a read
    if len(content) > limit:
        head, cut, tail = _logreader._cut_line(content, limit)
        assert (got[0], lines.cut, lines.cut_last, lines.tail) == (head, cut, cut, tail)
        assert lines.cut_line is got[0]
        # Nothing is lost or counted twice: kept characters plus cut ones are the line's.
        assert len(head.decode('utf-8')) + cut == len(text)
        assert not head.endswith((b' ', b'\t'))
    else:
        assert got[0].rstrip(b'\n') == content and lines.cut == 0


def test_bounded_lines_strip_a_byte_order_mark_even_on_a_cut_first_line():
    lines = _logreader._BoundedLines(io.BytesIO(b'\xef\xbb\xbfword ' + b'y' * 100 + b'\nnext\n'), 20)
    assert list(lines) == [b'word', b'next\n']
    assert lines.cut == 101
