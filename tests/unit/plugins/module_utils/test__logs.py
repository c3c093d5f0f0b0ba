# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The log engine on the fixtures in tests/fixtures/logs; every expected value was counted by hand."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import json
import os
import shutil
import tracemalloc

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.mcpops.mcp.plugins.module_utils import _logreader, _logs
from ansible_collections.mcpops.mcp.plugins.module_utils._config import MASK

TESTS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
FIXTURES = os.path.join(TESTS, 'fixtures', 'logs')
DESKTOP = os.path.join(FIXTURES, 'desktop')
LEGACY = os.path.join(FIXTURES, 'legacy')
LIFECYCLE = os.path.join(FIXTURES, 'lifecycle')
ENTRY_KEYS = {'timestamp', 'server', 'level', 'message', 'metadata', 'stream', 'method', 'duration', 'file', 'line'}
# 2026-01-03T12:00:00Z, an hour after the desktop fixture starts
NOW = 1767441600


def collect(log_dir=DESKTOP, **kwargs):
    return _logs.collect(log_dir, **kwargs)


def by(entries, **match):
    return [e for e in entries if all(e[k] == v for k, v in match.items())]


# ------------------------------------------------------------------ shapes and counts

def test_every_entry_has_the_same_keys():
    result = collect()
    assert result['exists'] is True
    assert result['entries']
    for entry in result['entries']:
        assert set(entry) == ENTRY_KEYS
    assert set(result) == {'log_dir', 'exists', 'entries', 'counts', 'errors_grouped', 'lifecycle', 'files',
                           'matched', 'truncated'}


def test_counts_per_server_and_level_dedupe_mcp_log_and_server_file():
    # pyserver: 6 lines in mcp.log, 6 client lines + 1 stderr block in its own file -> 7 entries, not 13.
    counts = collect()['counts']
    assert counts == {
        'github': {'DEBUG': 0, 'INFO': 11, 'WARN': 1, 'ERROR': 0},
        'pyserver': {'DEBUG': 0, 'INFO': 5, 'WARN': 0, 'ERROR': 2},
        'weather': {'DEBUG': 0, 'INFO': 9, 'WARN': 0, 'ERROR': 1},
        'filesystem': {'DEBUG': 0, 'INFO': 3, 'WARN': 0, 'ERROR': 2},
        'remote': {'DEBUG': 0, 'INFO': 1, 'WARN': 0, 'ERROR': 0},
        'onenote': {'DEBUG': 0, 'INFO': 0, 'WARN': 0, 'ERROR': 1},
    }
    assert collect()['matched'] == 36


def test_entries_are_in_time_order_with_untimed_stderr_first():
    entries = collect()['entries']
    assert entries[0]['server'] == 'onenote' and entries[0]['timestamp'] is None
    stamps = [e['timestamp'] for e in entries[1:]]
    assert stamps == sorted(stamps)


def test_duplicate_one_millisecond_apart_is_counted_once():
    # 'Server disconnected' is .902 in mcp.log and .901 in mcp-server-pyserver.log.
    disconnected = by(collect()['entries'], server='pyserver', level='ERROR', stream='log')
    assert len(disconnected) == 1
    assert disconnected[0]['metadata'] == "{ metadata: { context: 'connection', stack: undefined } }"


def test_repeats_inside_one_file_are_kept():
    # The legacy spawn failure is logged twice in each file (1 ms apart): two entries, not one or four.
    spawn = by(collect(LEGACY)['entries'], server='filesystem', level='ERROR', message='spawn mcp-filesystem-server ENOENT')
    assert len(spawn) == 2
    assert spawn[0]['metadata'].startswith('{"context":"connection"')


# ------------------------------------------------------------------ line formats

def test_current_layout_fields():
    entry = by(collect()['entries'], server='github', line=2)[0]
    assert entry == {
        'timestamp': '2026-01-03T11:39:20.074Z', 'server': 'github', 'level': 'INFO',
        'message': 'Server started and connected successfully', 'metadata': None, 'stream': 'log',
        'method': None, 'duration': None, 'file': os.path.join(DESKTOP, 'mcp.log'), 'line': 2,
    }


def test_older_layouts_level_first_and_no_server():
    entries = collect(LEGACY)['entries']
    first = entries[0]
    assert (first['server'], first['level'], first['message']) == ('neo4j', 'INFO', 'Attempting to connect to MCP server neo4j...')
    perplexity = by(entries, server='perplexity-mcp')
    assert len(perplexity) == 6
    assert perplexity[0]['message'] == 'Initializing server...'


def test_multi_line_metadata_is_one_entry():
    entries = collect()['entries']
    spawn = by(entries, server='filesystem', level='ERROR', message='spawn npx ENOENT')[0]
    assert spawn['line'] == 30
    assert spawn['metadata'].splitlines()[0] == '{'
    assert spawn['metadata'].splitlines()[-1] == '}'
    assert len(spawn['metadata'].splitlines()) == 8
    # The next entry is the line after the metadata block.
    assert by(entries, server='filesystem', line=38)[0]['message'] == 'Server transport closed'


def test_json_with_brackets_in_message_is_not_a_new_header():
    entry = by(collect()['entries'], server='github', line=11)[0]
    assert entry['message'].endswith('"text":"[info] [fake] not a header ] ["}]}}')
    assert entry['level'] == 'INFO'


def test_traceback_in_server_file_is_one_stderr_error_entry():
    stderr = by(collect()['entries'], server='pyserver', stream='stderr')
    assert len(stderr) == 1
    entry = stderr[0]
    assert entry['level'] == 'ERROR'
    assert entry['line'] == 4
    assert entry['timestamp'] == '2026-01-03T11:40:00.012Z'  # the line before it
    assert entry['message'].splitlines()[0] == 'Starting pyserver 0.4.1 on stdio'
    assert entry['message'].splitlines()[-1] == "ModuleNotFoundError: No module named 'anyio'"
    assert len(entry['message'].splitlines()) == 7  # lines 4-10 of mcp-server-pyserver.log


def test_npm_block_without_any_timestamp():
    entry = by(collect()['entries'], server='onenote')[0]
    assert entry['stream'] == 'stderr' and entry['level'] == 'ERROR'
    assert entry['timestamp'] is None and entry['line'] == 1
    assert len(entry['message'].splitlines()) == 4


def test_multi_line_message_in_mcp_log():
    entry = by(collect(LEGACY)['entries'], server='cosmos')[0]
    assert entry['message'].splitlines()[0] == '['
    assert entry['message'].splitlines()[-1] == ']'
    assert len(entry['message'].splitlines()) == 9


# ------------------------------------------------------------------ pairing

def test_response_gets_method_and_duration_of_its_request():
    github = by(collect()['entries'], server='github')
    durations = dict((e['line'], (e['method'], e['duration'])) for e in github)
    assert durations[4] == ('initialize', 85)        # 20.185 - 20.100
    assert durations[7] == ('tools/list', 6200)      # 26.400 - 20.200: a slow operation
    assert durations[9] == ('ping', 3)               # server asked, client answered: 30.003 - 30.000
    assert durations[11] == ('tools/call', 250)
    assert durations[5] == ('notifications/initialized', None)
    assert durations[3] == ('initialize', None)      # the request itself has no duration


def test_slow_operations_filter():
    slow = [e for e in collect()['entries'] if (e['duration'] or 0) > 5000]
    assert [(e['server'], e['method'], e['duration']) for e in slow] == [('github', 'tools/list', 6200)]


def test_pairing_does_not_cross_connection_attempts():
    # weather: the first attempt's initialize (id 0) is never answered; the second one is, in 120 ms.
    weather = by(collect()['entries'], server='weather', method='initialize')
    assert [(e['line'], e['duration']) for e in weather] == [(21, None), (27, None), (28, 120)]


def test_error_response_in_legacy_log_is_paired():
    entry = by(collect(LEGACY)['entries'], server='perplexity-mcp', level='ERROR')[0]
    assert (entry['method'], entry['duration']) == ('tools/call', 7500)


def test_key_value_message_form():
    assert _logs._rpc_fields('method="initialize" id=0 params') == ('initialize', '0', False)


# ------------------------------------------------------------------ lifecycle

def test_lifecycle_crash_restart_never_started_and_legacy():
    lifecycle = collect()['lifecycle']
    assert dict((k, v['last_event']) for k, v in lifecycle.items()) == {
        'github': 'connected', 'pyserver': 'disconnected', 'weather': 'connected', 'filesystem': 'never_started'}
    assert lifecycle['filesystem']['at'] == '2026-01-03T11:42:00.020Z'
    assert lifecycle['filesystem']['message'] == 'spawn npx ENOENT'
    assert lifecycle['weather']['at'] == '2026-01-03T11:41:05.040Z'
    # 'Server transport closed' (.900) ends the connection; the 'unexpectedly' line after it adds nothing.
    assert lifecycle['pyserver']['at'] == '2026-01-03T11:40:00.900Z'
    assert lifecycle['pyserver']['message'] == 'Server transport closed'
    legacy = collect(LEGACY)['lifecycle']
    assert dict((k, v['last_event']) for k, v in legacy.items()) == {
        'neo4j': 'connected', 'perplexity-mcp': 'connected', 'filesystem': 'never_started'}


def test_lifecycle_ignores_level_and_pattern_filters():
    result = collect(level='error', pattern='nothing matches this')
    assert result['entries'] == []
    assert result['lifecycle']['weather']['last_event'] == 'connected'


@pytest.mark.parametrize('messages, expected', [
    (['Initializing server...'], 'initializing'),
    (['Initializing server...', 'Server transport closed unexpectedly, x', 'Server disconnected. x'], 'never_started'),
    (['Initializing server...', 'Server started and connected successfully', 'Server disconnected. x'], 'disconnected'),
    (['Initializing server...', 'spawn uv ENOENT', 'Server disconnected. x'], 'never_started'),
    (['Server started and connected successfully', 'Shutting down server...'], 'stopped'),
    (['Initializing server...', 'Server started and connected successfully', 'Server transport closed unexpectedly',
      'Initializing server...', 'Server started and connected successfully'], 'connected'),
    # Without "unexpectedly" the transport lines end a connection too, whichever side closed it.
    (['Initializing server...', 'Server started and connected successfully', 'Client transport closed'], 'disconnected'),
    (['Initializing server...', 'Server started and connected successfully', 'Server transport closed'], 'disconnected'),
    (['Initializing server...', 'Server transport closed'], 'never_started'),
    (['Initializing server...', 'Client transport closed'], 'never_started'),
    (['Server started and connected successfully', 'Shutting down server...', 'Client transport closed',
      'Server transport closed'], 'stopped'),
    (['Initializing server...', 'spawn uv ENOENT', 'Server transport closed', 'Client transport closed'], 'never_started'),
])
def test_lifecycle_transitions(messages, expected):
    lifecycle = _logs.Lifecycle()
    for i, message in enumerate(messages):
        lifecycle.feed(_logreader._new_entry('2026-01-03T11:00:00.%03dZ' % i, 's', 'INFO', message, 'log', 'f', i))
    assert lifecycle.result()['s']['last_event'] == expected


@pytest.mark.parametrize('level', ['debug', 'error'])
def test_lifecycle_transport_closed_lines_in_a_log(level):
    # level=error reads mcp.log with the chunk scanner, which must find the closing lines too.
    lifecycle = collect(LIFECYCLE, level=level)['lifecycle']
    assert dict((k, (v['last_event'], v['at'], v['message'])) for k, v in lifecycle.items()) == {
        'notes': ('disconnected', '2026-02-10T09:05:00.000Z', 'Client transport closed'),
        'calendar': ('stopped', '2026-02-10T09:06:00.000Z', 'Shutting down server...'),
        'search': ('never_started', '2026-02-10T09:00:02.300Z', 'Server transport closed'),
        # The first of the three closing lines says when; the two after it add nothing.
        'memory': ('disconnected', '2026-02-10T09:07:00.000Z', 'Server transport closed'),
        'oldbuild': ('disconnected', '2026-02-10T09:08:00.000Z', 'Client transport closed'),
        'tasks': ('connected', '2026-02-10T09:09:05.030Z', 'Server started and connected successfully'),
    }


# ------------------------------------------------------------------ filters

def test_level_filter_error():
    result = collect(level='error')
    assert result['matched'] == 6
    assert set(e['level'] for e in result['entries']) == {'ERROR'}


def test_level_filter_warn_includes_error():
    assert collect(level='warn')['matched'] == 7


def test_names_filter():
    result = collect(names=['weather'])
    assert set(result['counts']) == {'weather'}
    assert set(result['lifecycle']) == {'weather'}
    assert [f['path'] for f in result['files']] == [os.path.join(DESKTOP, 'mcp.log')]


def test_since_until_absolute_and_relative():
    result = collect(since='2026-01-03T11:41:00Z', until='2026-01-03T11:41:59Z')
    assert set(e['server'] for e in result['entries']) == {'weather'}
    assert result['matched'] == 10
    # 20 minutes before 12:00 is 11:40; the untimed npm block is left out.
    relative = collect(since='20m', now=NOW)
    assert relative['entries'][0]['timestamp'] == '2026-01-03T11:40:00.000Z'
    assert collect(since='20 minutes ago', now=NOW)['matched'] == relative['matched']


def test_pattern_searches_message():
    result = collect(pattern=r'ENOENT')
    assert [(e['server'], e['message']) for e in result['entries']] == [('filesystem', 'spawn npx ENOENT')]


def test_pattern_does_not_see_secrets():
    assert collect(pattern='ghp_SECRET')['matched'] == 0


def test_tail_returns_last_matching_entries_and_matches_full_read():
    full = collect(level='error')['entries']
    tail = collect(level='error', tail=2)
    assert [(e['server'], e['timestamp']) for e in tail['entries']] == [(e['server'], e['timestamp']) for e in full[-2:]]
    assert tail['counts'] == {'filesystem': {'DEBUG': 0, 'INFO': 0, 'WARN': 0, 'ERROR': 2}}


def test_tail_reads_only_the_end_of_a_big_file(tmp_path):
    path = str(tmp_path / 'mcp.log')
    with open(path, 'w') as handle:
        for i in range(40000):
            handle.write('2026-01-03T10:%02d:%02d.%03dZ [big] [info] Message from server: {"jsonrpc":"2.0","id":%d,'
                         '"method":"ping"} { metadata: undefined }\n' % (i // 3600 % 60, i // 60 % 60, i % 1000, i))
        handle.write('2026-01-03T11:00:00.000Z [big] [error] the last error\n')
    size = os.path.getsize(path)
    result = collect(str(tmp_path), tail=3)
    assert [e['message'] for e in result['entries']][-1] == 'the last error'
    assert len(result['entries']) == 3
    assert result['files'][0]['bytes_read'] < size / 10
    assert result['entries'][0]['line'] is None
    errors = collect(str(tmp_path), tail=1, level='error')
    assert [e['message'] for e in errors['entries']] == ['the last error']


def test_tail_widens_until_enough_entries(tmp_path):
    path = str(tmp_path / 'mcp.log')
    with open(path, 'w') as handle:
        handle.write('2026-01-03T10:00:00.000Z [a] [error] early error\n')
        for i in range(20000):
            handle.write('2026-01-03T10:00:01.%03dZ [a] [info] filler line number %d\n' % (i % 1000, i))
        handle.write('2026-01-03T11:00:00.000Z [a] [error] late error\n')
    result = collect(str(tmp_path), tail=2, level='error')
    assert [e['message'] for e in result['entries']] == ['early error', 'late error']
    # Four windows were read (64K, 256K, 1M, whole): bytes_read is the last one, not their sum.
    assert result['files'][0]['bytes_read'] == os.path.getsize(path)


def test_tail_bytes_read_is_at_most_the_file_size(tmp_path):
    path = str(tmp_path / 'mcp.log')
    with open(path, 'w') as handle:
        for i in range(6000):
            handle.write('2026-01-03T10:00:%02d.%03dZ [a] [info] filler line number %d\n' % (i // 1000, i % 1000, i))
        handle.write('2026-01-03T11:00:00.000Z [a] [error] late error\n')
    size = os.path.getsize(path)
    for level in ('debug', 'error'):
        for tail in (1, 2000, 100000):
            read = collect(str(tmp_path), tail=tail, level=level)['files'][0]['bytes_read']
            assert 0 < read <= size, (level, tail, read, size)
    assert collect(str(tmp_path), tail=100000)['files'][0]['bytes_read'] == size


def test_max_entries_keeps_newest_and_flags_truncation():
    result = collect(max_entries=3)
    assert result['truncated'] is True
    assert result['matched'] == 36
    assert [e['line'] for e in result['entries']] == [39, 40, 41]
    assert sum(sum(c.values()) for c in result['counts'].values()) == 36


# ------------------------------------------------------------------ over-long messages

HEAD = '2026-01-03T10:00:00.000Z [big] [info] '


def _write(path, *parts):
    """Write text parts; an int part is that many 'x' characters, written in pieces."""
    with open(str(path), 'w', encoding='utf-8') as handle:
        for part in parts:
            if isinstance(part, int):
                for start in range(0, part, 1 << 20):
                    handle.write('x' * min(1 << 20, part - start))
            else:
                handle.write(part)


@pytest.fixture
def huge_dir(tmp_path):
    """tmp_path for a test that writes tens of MB, emptied afterwards (pytest keeps recent tmp dirs)."""
    yield tmp_path
    for name in os.listdir(str(tmp_path)):
        os.remove(str(tmp_path / name))


def _marker(count):
    return ' \u2026 [truncated {:,} characters]'.format(count)


@pytest.mark.parametrize('level', ['debug', 'error'])
def test_one_huge_line_keeps_the_head_and_says_how_much_was_cut(huge_dir, level):
    # 20 MB in one line, then a normal line; level=error goes through the chunk scanner.
    body = 'Message from server: {"jsonrpc":"2.0","id":1,"error":{"message":"'
    _write(huge_dir / 'mcp.log', HEAD.replace('[info]', '[error]') + body, 20 * 10 ** 6, '"}}\n',
           '2026-01-03T10:00:01.000Z [big] [error] after the big one\n')
    result = collect(str(huge_dir), level=level)
    first, second = result['entries']
    # The head ends where the word that the cap falls into starts: the run of x is dropped whole.
    assert first['message'] == body + _marker(20 * 10 ** 6 + 3)
    assert (second['message'], second['line']) == ('after the big one', 2)
    assert result['files'][0]['bytes_read'] == os.path.getsize(str(huge_dir / 'mcp.log'))


@pytest.mark.parametrize('level, tail', [('debug', None), ('error', None), ('debug', 1)])
def test_reading_a_huge_line_allocates_little(huge_dir, level, tail):
    _write(huge_dir / 'mcp.log', HEAD + 'Message from server: "', 40 * 10 ** 6, '"\n')
    tracemalloc.start()
    try:
        result = collect(str(huge_dir), level=level, tail=tail)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Lines are read in pieces of at most 1 MB, and the chunk scanner holds at most 3 MB of them:
    # nothing near the 40 MB line (the code before this cap peaked at twice its size).
    assert peak < 12 * 1024 * 1024, peak
    if level == 'debug':
        assert result['entries'][0]['message'] == 'Message from server: "' + _marker(40 * 10 ** 6 + 1)


def test_cap_counts_characters_not_bytes(tmp_path):
    message = u'\u00e9t\u00e9 ' * 3000  # 12000 characters, 18000 bytes
    _write(tmp_path / 'mcp.log', HEAD + message + '\n')
    for cap in (100, 4096, 1000):
        text = collect(str(tmp_path), max_message_chars=cap)['entries'][0]['message']
        kept = text[:text.index(' \u2026 [truncated')]
        assert len(kept) <= cap and kept.endswith(u'\u00e9t\u00e9')
        assert text == kept + _marker(12000 - len(kept))
    assert collect(str(tmp_path), max_message_chars=12000)['entries'][0]['message'] == message


def test_a_cut_never_leaves_part_of_a_secret(tmp_path):
    # The cap falls inside the token: its visible prefix would escape the masking, so it goes whole.
    token = 'ghp_' + 'A1b2C3d4' * 5
    for pad in range(4060, 4100, 3):
        message = 'x ' * (pad // 2) + 'Authorization: Bearer ' + token + ' end'
        _write(tmp_path / 'mcp.log', HEAD + message + '\n')
        text = collect(str(tmp_path))['entries'][0]['message']
        assert 'ghp_' not in text and 'A1b2' not in text, pad


def test_pairing_survives_a_cut_request(tmp_path):
    # A client request logs its id last; the cut head alone could not be paired with the response.
    request = '{"method":"tools/call","params":{"name":"write","arguments":{"text":"%s"}},"jsonrpc":"2.0","id":7}'
    _write(tmp_path / 'mcp.log',
           '2026-01-03T10:00:00.000Z [w] [info] Message from client: ' + request % ('y ' * 50000) +
           ' { metadata: undefined }\n',
           '2026-01-03T10:00:02.500Z [w] [info] Message from server: {"jsonrpc":"2.0","id":7,"result":{}}'
           ' { metadata: undefined }\n')
    entries = collect(str(tmp_path))['entries']
    assert [(e['method'], e['duration']) for e in entries] == [('tools/call', None), ('tools/call', 2500)]
    assert ' \u2026 [truncated ' in entries[0]['message'] and len(entries[0]['message']) < 4200
    assert set(entries[0]) == ENTRY_KEYS


def test_chunk_scanner_hands_a_huge_entry_to_the_line_reader(huge_dir):
    # Lines before and after an entry longer than the scanner's chunks keep their numbers and order.
    _write(huge_dir / 'mcp.log',
           '2026-01-03T10:00:00.000Z [a] [error] before\n',
           '2026-01-03T10:00:01.000Z [a] [info] filler\n' * 1000,
           '2026-01-03T10:00:02.000Z [a] [error] huge ', 9 * 10 ** 6, '\n',
           '2026-01-03T10:00:03.000Z [a] [info] filler\n' * 1000,
           '2026-01-03T10:00:04.000Z [a] [error] after\n')
    fast = collect(str(huge_dir), level='error')['entries']
    assert [(e['message'], e['line']) for e in fast] == [
        ('before', 1), ('huge' + _marker(9 * 10 ** 6 + 1), 1002), ('after', 2003)]


def test_long_stderr_block_keeps_head_and_last_line(tmp_path):
    with open(str(tmp_path / 'mcp-server-py.log'), 'w') as handle:
        handle.write('2026-01-03T10:00:00.000Z [py] [info] Initializing server...\n')
        handle.write('Traceback (most recent call last):\n')
        for i in range(400):
            handle.write('  File "/srv/app/module_%d.py", line %d, in run\n    await step()\n' % (i, i))
        handle.write("ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)\n\n\n")
    entry = by(collect(str(tmp_path))['entries'], stream='stderr')[0]
    lines = entry['message'].split('\n')
    assert lines[0] == 'Traceback (most recent call last):'
    assert lines[-1] == 'ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)'
    assert lines[-2].endswith(' characters]') and ' \u2026 [truncated ' in lines[-2]
    assert len(entry['message']) < 4200 and entry['level'] == 'ERROR'
    groups = collect(str(tmp_path))['errors_grouped']
    assert [g['signature'] for g in groups] == ['ExceptionGroup: unhandled errors in a TaskGroup (<n> sub-exception)']


@pytest.mark.parametrize('level', ['debug', 'error'])
def test_tail_when_the_window_falls_inside_one_long_line(tmp_path, level):
    # The first windows hold no line start; they must widen instead of trusting the other files.
    shutil.copy(os.path.join(DESKTOP, 'mcp-server-pyserver.log'), str(tmp_path))
    _write(tmp_path / 'mcp.log', '2026-01-03T12:00:00.000Z [big] [error] dump ', 300000, '\n')
    result = collect(str(tmp_path), tail=1, level=level)
    assert [e['message'] for e in result['entries']] == ['dump' + _marker(300001)]
    assert result['files'][0]['bytes_read'] == os.path.getsize(str(tmp_path / 'mcp.log'))


@pytest.mark.parametrize('last', [True, False])
def test_a_cut_stderr_line_is_counted_for_stderr_not_for_the_entry_before(tmp_path, last):
    with open(str(tmp_path / 'mcp-server-s.log'), 'w') as handle:
        handle.write('2026-01-03T10:00:00.000Z [s] [info] Initializing server...\n')
        handle.write('Error: ' + 'e' * 50000 + '\n')
        if not last:
            handle.write('2026-01-03T10:00:01.000Z [s] [info] Server started and connected successfully\n')
    entries = collect(str(tmp_path), max_message_chars=100)['entries']
    assert [(e['stream'], e['message']) for e in entries][:2] == [
        ('log', 'Initializing server...'), ('stderr', 'Error:' + _marker(50001))]


def test_max_message_chars_must_be_positive():
    with pytest.raises(_logs.LogsError, match='max_message_chars must be at least 1'):
        collect(max_message_chars=0)


# ------------------------------------------------------------------ errors_grouped

def test_errors_grouped():
    groups = collect()['errors_grouped']
    assert [(g['signature'], g['count'], g['servers']) for g in groups] == [
        ('Server disconnected. For troubleshooting guidance, please visit our [debugging documentation]'
         '(https://modelcontextprotocol.io/docs/tools/debugging)', 3, ['filesystem', 'pyserver', 'weather']),
        ("ModuleNotFoundError: No module named 'anyio'", 1, ['pyserver']),
        ('npm ERR! code E<n>', 1, ['onenote']),
        ('spawn npx ENOENT', 1, ['filesystem']),
    ]
    assert groups[0]['first'] == '2026-01-03T11:40:00.901Z'
    assert groups[0]['last'] == '2026-01-03T11:42:00.026Z'
    assert groups[2]['first'] is None


@pytest.mark.parametrize('message, expected', [
    ('Request 42 failed after 3001 ms', 'Request <n> failed after <n> ms'),
    ('cannot open /home/alice/data/x.db', 'cannot open <path>'),
    (r'cannot open C:\Users\bob\x.db', 'cannot open <path>'),
    ('session 0b5f3a9c-1d2e-4f00-9abc-0123456789ab gone', 'session <uuid> gone'),
    ('{"jsonrpc":"2.0","id":"abc","error":{}}', '{"id":<id>,"error":{}}'),
    ('Traceback (most recent call last):\n  File "/x.py", line 1\nValueError: bad 7', 'ValueError: bad <n>'),
])
def test_signature(message, expected):
    assert _logs.signature(message) == expected


# ------------------------------------------------------------------ secrets

def test_secrets_masked_in_messages_and_metadata():
    result = collect()
    text = repr(result)
    for secret in ('ghp_SECRETVALUE123456', 'hunter2', 'sk-live-abcdef123456'):
        assert secret not in text
    call = by(result['entries'], server='github', line=10)[0]
    assert '"api_key":"%s"' % MASK in call['message']
    remote = by(result['entries'], server='remote')[0]
    assert 'https://bob:%s@example.com/mcp' % MASK in remote['metadata']
    assert 'Bearer %s' % MASK in remote['metadata']


# The masking itself (one table for every caller): tests/unit/plugins/module_utils/test__redact.py


# ------------------------------------------------------------------ files

def test_missing_log_dir_is_not_an_error(tmp_path):
    result = collect(str(tmp_path / 'nope'))
    assert result['exists'] is False
    assert result['entries'] == [] and result['files'] == [] and result['counts'] == {}


def test_rotated_files_only_when_asked():
    plain = collect(LEGACY)
    rotated = collect(LEGACY, include_rotated=True)
    assert [os.path.basename(f['path']) for f in plain['files']] == ['mcp.log', 'mcp-server-filesystem.log']
    assert [os.path.basename(f['path']) for f in rotated['files']] == [
        'mcp.log', 'mcp-server-filesystem.old.log', 'mcp-server-filesystem.log']
    assert rotated['counts']['filesystem']['INFO'] == plain['counts']['filesystem']['INFO'] + 2


def test_gzipped_rotated_file(tmp_path):
    with open(os.path.join(DESKTOP, 'mcp.log'), 'rb') as src:
        data = src.read()
    with gzip.open(str(tmp_path / 'mcp.log.1.gz'), 'wb') as dst:
        dst.write(data)
    assert collect(str(tmp_path))['files'] == []
    result = collect(str(tmp_path), include_rotated=True, level='error')
    assert result['matched'] == 4
    assert result['files'][0]['bytes_read'] == len(data)


def test_bytes_read_is_the_file_size():
    for level in ('debug', 'error'):
        for item in collect(level=level)['files']:
            assert item['bytes_read'] == os.path.getsize(item['path'])


def _essentials(entries):
    return [(e['timestamp'], e['server'], e['level'], e['message'], e['metadata'], e['line']) for e in entries]


def test_crlf_and_bom_logs(tmp_path):
    # Written at test time: committed CRLF/BOM fixtures would trip ansible-test's code-smell checks.
    for name in ('mcp.log', 'mcp-server-pyserver.log'):
        with open(os.path.join(DESKTOP, name), 'rb') as src:
            data = src.read()
        with open(str(tmp_path / name), 'wb') as dst:
            dst.write(b'\xef\xbb\xbf' + data.replace(b'\n', b'\r\n'))
    for level in ('debug', 'error'):
        expected = collect(DESKTOP, level=level, names=['pyserver', 'github', 'weather', 'filesystem', 'remote'])
        got = collect(str(tmp_path), level=level)
        assert _essentials(got['entries']) == _essentials(expected['entries'])
        assert got['lifecycle'] == expected['lifecycle']


def test_invalid_inputs():
    with pytest.raises(_logs.LogsError, match='valid regular expression'):
        collect(pattern='(')
    with pytest.raises(_logs.LogsError, match='Unknown time unit'):
        collect(since='3 fortnights')
    with pytest.raises(_logs.LogsError, match='Cannot read'):
        collect(since='yesterday-ish')


@pytest.mark.parametrize('text, expected', [
    ('2024-01-15T14:30:00Z', '2024-01-15T14:30:00.000Z'),
    ('2024-01-15T14:30:00.5+02:00', '2024-01-15T12:30:00.500Z'),
    ('2024-01-15 14:30', '2024-01-15T14:30:00.000Z'),
    ('2024-01-15', '2024-01-15T00:00:00.000Z'),
    ('30m', '2026-01-03T11:30:00.000Z'),
    ('1h', '2026-01-03T11:00:00.000Z'),
    ('2 days', '2026-01-01T12:00:00.000Z'),
    ('1 hour ago', '2026-01-03T11:00:00.000Z'),
    ('now', '2026-01-03T12:00:00.000Z'),
])
def test_parse_time(text, expected):
    assert _logs.parse_time(text, now=NOW) == expected


# ------------------------------------------------------------------ properties

def _rpc_by_json(body):
    data = json.loads(body)
    method = data.get('method')
    msg_id = data.get('id')
    return method, (None if msg_id is None else json.dumps(msg_id)), method is None and ('result' in data or 'error' in data)


RPC_ID = st.one_of(st.integers(-5, 10 ** 6), st.text('abc-_09', min_size=1, max_size=8))
PAYLOAD = st.recursive(st.one_of(st.integers(), st.text(max_size=8), st.booleans()),
                       lambda inner: st.dictionaries(st.sampled_from(['id', 'method', 'x', 'result']), inner, max_size=3)
                       | st.lists(inner, max_size=3), max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(RPC_ID, st.sampled_from(['tools/call', 'ping', 'x/y']), PAYLOAD, st.sampled_from(['client', 'server', 'reply', 'notify']))
def test_fast_rpc_fields_agree_with_json(msg_id, method, payload, shape):
    # The orders Claude Desktop logs: client requests end with the id, server messages start with it.
    if shape == 'client':
        body = '{"method":%s,"params":%s,"jsonrpc":"2.0","id":%s}' % (json.dumps(method), json.dumps(payload), json.dumps(msg_id))
    elif shape == 'server':
        body = '{"jsonrpc":"2.0","id":%s,"result":%s}' % (json.dumps(msg_id), json.dumps(payload))
    elif shape == 'reply':
        body = '{"result":%s,"jsonrpc":"2.0","id":%s}' % (json.dumps(payload), json.dumps(msg_id))
    else:
        body = '{"method":%s,"params":%s,"jsonrpc":"2.0"}' % (json.dumps(method), json.dumps(payload))
    assert _logs._rpc_fields(body) == _rpc_by_json(body)
