# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_health: target selection, redaction, concurrency with per-server deadlines, the history file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import stat
import sys
import time
import uuid

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.mcpops.mcp.plugins.module_utils import _health as h

STUB = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'servers',
                                    'mcp_stub.py'))
MARKER = 'mcpops-unit-health-%s' % uuid.uuid4().hex[:12]


def stub_entry(mode, *extra):
    return {'command': sys.executable, 'args': [STUB, '--mode=' + mode, '--marker=' + MARKER] + list(extra)}


def leftovers():
    found = []
    for name in os.listdir('/proc'):
        if name.isdigit() and int(name) != os.getpid():
            try:
                with open('/proc/%s/cmdline' % name, 'rb') as handle:
                    if MARKER.encode() in handle.read():
                        found.append(int(name))
            except (IOError, OSError):
                pass
    return found


# ------------------------------------------------------------------------------------------ targets


def test_default_concurrency():
    assert h.default_concurrency(20, cpus=2) == 4
    assert h.default_concurrency(3, cpus=8) == 3
    assert h.default_concurrency(50, cpus=16) == 8
    assert h.default_concurrency(0, cpus=2) == 1


def test_select_targets_defaults_to_every_config_server():
    servers = {'a': {'command': 'x'}, 'b': {'url': 'http://h/mcp', 'headers': {'Authorization': 't'}}}
    targets = h.select_targets(servers, None, None, 15)
    assert [(t['name'], t['transport'], t['timeout']) for t in targets] == [('a', 'stdio', 15), ('b', 'http', 15)]


def test_select_targets_specs_only_and_overrides():
    specs = [{'name': 'new', 'command': 'y', 'args': ['1'], 'timeout': 3}, {'name': 'a', 'command': 'z', 'timeout': None}]
    assert [t['name'] for t in h.select_targets(None, None, specs, 15)] == ['new', 'a']
    targets = h.select_targets({'a': {'command': 'x'}, 'b': {'command': 'x'}}, ['a'], specs, 15)
    assert [(t['name'], t['command'], t['timeout']) for t in targets] == [('a', 'z', 15), ('new', 'y', 3)]


def test_select_targets_unknown_name_lists_the_known_ones():
    with pytest.raises(h.HealthError) as info:
        h.select_targets({'a': {'command': 'x'}}, ['nope'], None, 15)
    assert "'nope'" in str(info.value) and 'a' in str(info.value)


def test_entry_without_command_or_url():
    target = h.select_targets({'a': {'env': {}}}, None, None, 15)[0]
    result = h.judge(h.check_one(target), None, [])
    assert result['reason'] == 'not_found' and 'neither' in result['message']


# -------------------------------------------------------------------------------------- redaction


# The masking itself (one table for every caller): tests/unit/plugins/module_utils/test__redact.py


def test_secret_values_collects_secret_env_env_args_url_and_headers():
    targets = [{'env': {'API_KEY': 'k1k1', 'DEBUG': '1', 'DATABASE_URL': 'postgres://u:pgpw1@db/x'},
                'headers': {'Authorization': 'Bearer tok123'},
                'args': ['--token', 'argtok', '--port', '8080'], 'url': 'https://u:urlpw@h/mcp'}]
    values = h.secret_values(targets, {'X': 'vaultval'})
    assert set(values) == {'k1k1', 'Bearer tok123', 'tok123', 'vaultval', 'pgpw1', 'argtok', 'urlpw'}
    assert values == sorted(values, key=len, reverse=True)


def test_stderr_tail_keeps_last_lines_and_masks():
    text = '\n'.join('line %d' % i for i in range(50)) + '\nTOKEN=abc\n'
    tail = h.stderr_tail(text, [])
    assert tail.splitlines()[-1] == 'TOKEN=********' and len(tail.splitlines()) == h.STDERR_TAIL_LINES
    assert h.stderr_tail('', []) is None


# ------------------------------------------------------------------------------------ run_checks


def test_hanging_server_does_not_delay_the_others():
    targets = [h.target_from_entry('hang', stub_entry('hang'), 2)]
    targets += [h.target_from_entry('ok%d' % i, stub_entry('ok'), 2) for i in range(5)]
    started = time.monotonic()
    results = h.run_checks(targets, concurrency=3)
    elapsed = time.monotonic() - started
    assert [r['name'] for r in results] == ['hang'] + ['ok%d' % i for i in range(5)]
    assert results[0]['reason'] == 'timeout'
    assert all(r['reason'] == 'ok' and r['duration_ms'] < 1500 for r in results[1:])
    assert elapsed < 2 + 1.5
    assert leftovers() == []


def test_more_hanging_servers_than_slots_still_let_the_others_through():
    targets = [h.target_from_entry('hang%d' % i, stub_entry('hang'), 3) for i in range(3)]
    targets += [h.target_from_entry('ok%d' % i, stub_entry('ok'), 3) for i in range(3)]
    started = time.monotonic()
    results = h.run_checks(targets, concurrency=2)
    elapsed = time.monotonic() - started
    assert [r['reason'] for r in results] == ['timeout'] * 3 + ['ok'] * 3
    # The hanging ones give up their slots, and nobody waits for one past QUEUE_SECONDS: the third
    # starts by then and times out 3 s later (without either it would start at 3 s).
    assert elapsed < min(h.SLOT_SECONDS, h.QUEUE_SECONDS) + 3 + 0.8
    assert leftovers() == []


def test_a_hanging_server_listed_last_ends_by_its_timeout_plus_the_queue_cap():
    # 8 slow-to-fail servers fill 2 slots for SLOT_SECONDS each; the hanging one, last in line,
    # would start after 4 rounds (8 s) without the queue cap.
    targets = [h.target_from_entry('hang%d' % i, stub_entry('hang'), 3) for i in range(8)]
    targets.append(h.target_from_entry('last', stub_entry('hang'), 2))
    started = time.monotonic()
    results = h.run_checks(targets, concurrency=2)
    elapsed = time.monotonic() - started
    assert [r['reason'] for r in results] == ['timeout'] * 9
    assert elapsed < h.QUEUE_SECONDS + 3 + 1.0
    assert leftovers() == []


def test_secret_env_reaches_the_server_and_never_the_output():
    targets = [h.target_from_entry('crash', stub_entry('crash'), 5), h.target_from_entry('need', stub_entry('need_env'), 5)]
    results = h.run_checks(targets, secret_env={'STUB_API_TOKEN': 'vault-value-42'})
    assert results[1]['reason'] == 'ok'
    assert results[0]['reason'] == 'exited' and 'vault-value-42' not in json.dumps(results)
    assert 'STUB_API_TOKEN=********' in results[0]['stderr_tail'] and 'hunter2' not in results[0]['stderr_tail']


def test_expect_tools():
    targets = [h.target_from_entry('s', stub_entry('ok'), 5), h.target_from_entry('t', stub_entry('ok'), 5)]
    results = h.run_checks(targets, expect_tools={'s': ['echo', 'frobnicate'], 't': ['echo']})
    assert (results[0]['status'], results[0]['reason'], results[0]['missing_tools']) == \
        ('unhealthy', 'missing_tools', ['frobnicate'])
    assert results[1]['reason'] == 'ok' and results[1]['missing_tools'] == []
    assert 'frobnicate' in h.failure_summary(results)


def test_a_crashing_check_is_reported_not_raised(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError('bug')
    monkeypatch.setattr(h, 'start_check', boom)
    result = h.run_checks([h.target_from_entry('x', {'command': 'x'}, 1)])[0]
    assert result['reason'] == 'protocol_error' and 'bug' in result['message']


# --------------------------------------------------------------------------------------- history


NOW = datetime.datetime(2026, 11, 30, 8, 0, 0, tzinfo=datetime.timezone.utc)


def _run(path, statuses, now):
    results = [{'name': n, 'status': s, 'reason': 'ok' if s == 'healthy' else 'timeout'} for n, s in statuses]
    h.apply_history(results, h.read_history(str(path), [r['name'] for r in results]), now)
    h.append_history(str(path), h.history_records(results, now, '/c.json'))
    return dict((r['name'], (r['consecutive_failures'], r['last_seen'])) for r in results)


def test_history_counts_failures_in_a_row_and_remembers_last_healthy(tmp_path):
    path = tmp_path / 'state' / 'health.jsonl'
    t = [NOW + datetime.timedelta(minutes=i) for i in range(4)]
    assert _run(path, [('a', 'healthy'), ('b', 'unhealthy')], t[0]) == {
        'a': (0, '2026-11-30T08:00:00Z'), 'b': (1, None)}
    assert _run(path, [('a', 'unhealthy'), ('b', 'unhealthy')], t[1]) == {
        'a': (1, '2026-11-30T08:00:00Z'), 'b': (2, None)}
    assert _run(path, [('a', 'unhealthy'), ('b', 'healthy')], t[2]) == {
        'a': (2, '2026-11-30T08:00:00Z'), 'b': (0, '2026-11-30T08:02:00Z')}
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(path.parent)).st_mode) == 0o700
    lines = path.read_text().splitlines()
    assert len(lines) == 6 and json.loads(lines[0])['config_path'] == '/c.json'


def test_history_skips_torn_lines_and_missing_file(tmp_path):
    path = tmp_path / 'h.jsonl'
    assert h.read_history(str(path), ['a']) == {'a': {'consecutive_failures': 0, 'last_seen': None,
                                                      'last_duration_ms': None, 'era': None, 'target': None}}
    path.write_text('{"name": "a", "status": "healthy", "time": "T0"}\nnot json\n'
                    '{"name": "a", "status": "unhealthy", "duration_ms": 7}\n{"na')
    assert h.read_history(str(path), ['a']) == {'a': {'consecutive_failures': 1, 'last_seen': 'T0',
                                                      'last_duration_ms': 7, 'era': None, 'target': None}}


def test_start_order_puts_last_runs_slowest_and_new_servers_first():
    previous = {'fast': {'last_duration_ms': 50}, 'hung': {'last_duration_ms': 5100}, 'mid': {'last_duration_ms': 900}}
    assert h.start_order(['fast', 'mid', 'new', 'hung'], previous) == [2, 3, 1, 0]
    assert h.start_order(['a', 'b'], {}) == [0, 1]


def test_run_checks_starts_in_the_given_order_and_reports_in_target_order():
    targets = [h.target_from_entry(n, stub_entry('ok'), 5) for n in ('a', 'b', 'c')]
    assert [r['name'] for r in h.run_checks(targets, concurrency=1, order=[2, 0, 1])] == ['a', 'b', 'c']
    assert [r['name'] for r in h.run_checks(targets, concurrency=2, order=[2, 0, 1])] == ['a', 'b', 'c']


def test_history_reads_only_the_tail(tmp_path, monkeypatch):
    path = tmp_path / 'h.jsonl'
    with open(str(path), 'w') as handle:
        for i in range(20000):
            handle.write(json.dumps({'name': 'a', 'status': 'healthy', 'time': 'T%d' % i}) + '\n')
    monkeypatch.setattr(h, 'HISTORY_READ_CHUNK', 4096)
    assert h.read_history(str(path), ['a'])['a'] == {'consecutive_failures': 0, 'last_seen': 'T19999',
                                                     'last_duration_ms': None, 'era': None, 'target': None}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet='ab\n{}"', max_size=12), max_size=30), st.integers(min_value=1, max_value=16))
def test_reverse_lines_matches_forward_reading(tmp_path_factory, chunks, chunk_size):
    path = tmp_path_factory.mktemp('rev') / 'f'
    data = ''.join(chunks).encode()
    path.write_bytes(data)
    saved = h.HISTORY_READ_CHUNK
    h.HISTORY_READ_CHUNK = chunk_size
    try:
        got = list(h._reverse_lines(str(path)))
    finally:
        h.HISTORY_READ_CHUNK = saved
    assert got == [line for line in reversed(data.split(b'\n')) if line.strip()]


def test_remembered_era_only_for_the_same_server_after_a_healthy_run(tmp_path):
    path = tmp_path / 'h.jsonl'
    modern = h.target_from_entry('m', stub_entry('modern'), 5)
    legacy = h.target_from_entry('l', stub_entry('ok'), 5)
    results = h.run_checks([modern, legacy])
    assert [r['era'] for r in results] == ['modern', 'legacy']
    h.append_history(str(path), h.history_records(results, h.utc_now(), targets=[modern, legacy]))
    previous = h.read_history(str(path), ['m', 'l'])
    assert (h.remembered_era(modern, previous), h.remembered_era(legacy, previous)) == ('modern', 'legacy')
    # another command under the same name (a redeploy) is probed again
    assert h.remembered_era(h.target_from_entry('l', stub_entry('dual'), 5), previous) is None
    # an unhealthy latest run forgets the era: the next check probes
    failed = dict(results[1], status='unhealthy', reason='timeout', era=None)
    h.append_history(str(path), h.history_records([failed], h.utc_now(), targets=[legacy]))
    assert h.remembered_era(legacy, h.read_history(str(path), ['l'])) is None


def test_run_checks_with_a_reaper_reports_before_the_shutdown():
    from ansible_collections.mcpops.mcp.plugins.module_utils import _protocol
    reaper = _protocol.Reaper()
    target = h.target_from_entry('t', stub_entry('hang_term'), 1)
    started = time.monotonic()
    result = h.run_checks([target], reaper=reaper)[0]
    assert result['reason'] == 'timeout' and time.monotonic() - started < 1 + 0.5  # SIGTERM is ignored: +1 s unseen
    assert reaper.join(timeout=5)
