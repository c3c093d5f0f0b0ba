# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Health-check engine: which servers to check, run the checks concurrently, classify,
redact, and keep the history file that monitoring thresholds read.

The protocol work is in _protocol; this layer decides what is checked and what the
answer means. The only file it touches is the history file the user asked for.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import errno
import hashlib
import json
import os
import threading
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

from ansible_collections.mcpops.mcp.plugins.module_utils._redact import mask_text, secret_values_in_entry, secret_values_in_headers
from ansible_collections.mcpops.mcp.plugins.module_utils._files import ensure_dir, write_all
from ansible_collections.mcpops.mcp.plugins.module_utils import _protocol

DEFAULT_TIMEOUT = 15
MAX_CONCURRENCY = 8
# A server still starting after this long is waiting (or hanging), not using the CPU: its slot goes to the next.
SLOT_SECONDS = 2.0
# No check waits longer than this for a slot: every server starts within it, so a hanging server listed
# last still ends by its timeout + QUEUE_SECONDS (the slots only smooth the CPU-bound start-up burst).
QUEUE_SECONDS = 1.5
STDERR_TAIL_LINES = 20
STDERR_TAIL_CHARS = 2000
HISTORY_READ_CHUNK = 65536


class HealthError(Exception):
    """Bad input to the health check; str() is one sentence for fail_json."""


# --------------------------------------------------------------------------------------------
# Targets: what to check


def default_concurrency(count, cpus=None):
    cpus = cpus or os.cpu_count() or 1
    return max(1, min(count, 2 * cpus, MAX_CONCURRENCY))


def target_from_entry(name, entry, timeout):
    """A config entry (or a spec) -> the target dict a check runs from."""
    if not isinstance(entry, dict):
        raise HealthError('Server %r is not an object in the config.' % name)
    url = entry.get('url') or entry.get('serverUrl') or entry.get('httpUrl')
    command = entry.get('command')
    target = {
        'name': name,
        'timeout': entry.get('timeout') or timeout,
        'env': entry.get('env') if isinstance(entry.get('env'), dict) else {},
        'headers': entry.get('headers') if isinstance(entry.get('headers'), dict) else {},
    }
    if command:
        args = entry.get('args') or []
        if not isinstance(args, list):
            raise HealthError('Server %r: args must be a list.' % name)
        target.update(transport='stdio', command=command, args=[str(a) for a in args])
    elif url:
        target.update(transport='http', url=url)
    else:
        target.update(transport='none')
    return target


def select_targets(servers, names, specs, timeout):
    """servers: config name -> entry (or None when no config was read); names: list or None.

    names=None with specs: only the specs (a preflight). names=None without specs: every
    server in the config. Specs replace config servers of the same name.
    """
    targets = []
    seen = set()
    spec_by_name = dict((spec['name'], spec) for spec in (specs or []))
    if names is None and not specs:
        names = list((servers or {}).keys())
    for name in names or []:
        if name in seen:
            continue
        seen.add(name)
        if name in spec_by_name:
            targets.append(target_from_entry(name, spec_by_name[name], timeout))
            continue
        if servers is None or name not in servers:
            known = ', '.join(sorted(servers or {})) or 'none'
            raise HealthError('Server %r is not in the config and not in specs (servers in the config: %s).'
                              % (name, known))
        targets.append(target_from_entry(name, servers[name], timeout))
    for spec in specs or []:
        if spec['name'] not in seen:
            seen.add(spec['name'])
            targets.append(target_from_entry(spec['name'], spec, timeout))
    return targets


# --------------------------------------------------------------------------------------------
# Redaction of what servers print


def secret_values(targets, secret_env):
    """Every value that must never appear in output: secret_env, all headers, and the credentials in
    each target's args, env and url (_redact decides what is one). Longest first."""
    values = set(secret_values_in_headers(dict((k, str(v)) for k, v in (secret_env or {}).items())))
    for target in targets:
        values.update(secret_values_in_entry(target))
    return sorted(values, key=lambda v: (-len(v), v))


def redact_text(text, secrets):
    """Free text (stderr, messages, warnings) through the one redaction path, known secrets included."""
    return mask_text(text, secrets)


def stderr_tail(text, secrets):
    if not text:
        return None
    lines = text.rstrip('\n').splitlines()[-STDERR_TAIL_LINES:]
    tail = '\n'.join(lines)[-STDERR_TAIL_CHARS:]
    return redact_text(tail, secrets)


# --------------------------------------------------------------------------------------------
# Running the checks


def start_check(target, secret_env=None, strict_stdout=False, host_env=None, account=None):
    """Run one check up to the end of its handshake: (protocol-level result, finish).

    finish() stops the server and returns the completed result (not yet redacted or judged).
    """
    timeout = float(target['timeout'])
    if target['transport'] == 'stdio':
        env = _protocol.server_environment(target.get('env'), secret_env, host_env=host_env, account=account)
        return _protocol.start_probe_stdio(target['name'], target['command'], target.get('args'), env,
                                           timeout=timeout, strict_stdout=strict_stdout, account=account,
                                           era=target.get('era'))
    if target['transport'] == 'http':
        result = _protocol.probe_http(target['name'], target['url'], target.get('headers'), timeout=timeout,
                                      era=target.get('era'))
        return result, _protocol.finished(result)
    result = _protocol.new_result(target['name'], 'stdio')
    result.update(reason='not_found', message='the entry has neither a command nor a url.', duration_ms=0)
    return result, _protocol.finished(result)


def check_one(target, secret_env=None, strict_stdout=False, host_env=None, account=None):
    """Run one check from start to shutdown; returns the protocol-level result."""
    _result, finish = start_check(target, secret_env, strict_stdout, host_env, account)
    return finish()


def judge(result, expected_tools, secrets):
    """Apply expect_tools and redaction; result becomes the module's per-server shape."""
    result['missing_tools'] = []
    if result['status'] == 'healthy' and expected_tools:
        have = set(result['tools'])
        missing = [t for t in expected_tools if t not in have]
        if missing:
            result['missing_tools'] = missing
            result.update(status='unhealthy', reason='missing_tools',
                          message='expected tools are missing: %s (the server has %d tools).'
                          % (', '.join(missing), len(result['tools'])))
    result['stderr_tail'] = stderr_tail(result.get('stderr_tail'), secrets)
    result['message'] = redact_text(result.get('message'), secrets)
    result['warnings'] = [redact_text(w, secrets) for w in result['warnings']]
    result['resource_metadata'] = redact_text(result.get('resource_metadata'), secrets)  # a URL the server chose
    return result


def _crashed(target, exc, result=None):
    """A bug in one check must not hide the others' results."""
    result = result or _protocol.new_result(target['name'], target.get('transport'))
    result.update(status='unhealthy', reason='protocol_error',
                  message='the check itself failed: %s: %s' % (type(exc).__name__, exc))
    return result


def run_checks(targets, concurrency=None, secret_env=None, expect_tools=None, strict_stdout=False,
               host_env=None, account=None, order=None, reaper=None):
    """Check every target, at most `concurrency` starting at a time; results in target order.

    Start-up is CPU-bound, so the limit applies to the start: a slot is held until the handshake
    ends or for SLOT_SECONDS, whichever comes first, and no check waits for one longer than
    QUEUE_SECONDS after the run began. Each check has its own deadline from the
    moment it starts, so a hanging server costs its own timeout and delays nobody. Shutting a
    server down (up to 1 s to exit, then SIGTERM/SIGKILL) does not hold a slot either; every
    server is stopped before this returns, unless a _protocol.Reaper is given: then servers still
    running are stopped in its threads and the caller joins it after reporting.
    order: target indexes in the order to start them.
    """
    if not targets:
        return []
    concurrency = concurrency or default_concurrency(len(targets))
    secrets = secret_values(targets, secret_env)
    expect_tools = expect_tools or {}

    def _start(target):
        try:
            return start_check(target, secret_env, strict_stdout, host_env, account)
        except Exception as exc:  # pylint: disable=broad-except
            result = _crashed(target, exc)
            return result, _protocol.finished(result)

    def _finish(target, started):
        result, finish = started
        try:
            result = finish(reaper) if reaper is not None else finish()
        except Exception as exc:  # pylint: disable=broad-except
            result = _crashed(target, exc, result)
        return judge(result, expect_tools.get(target['name']), secrets)

    order = list(order) if order is not None else list(range(len(targets)))
    if concurrency <= 1 or len(targets) == 1:
        results = [None] * len(targets)
        for index in order:
            results[index] = _finish(targets[index], _start(targets[index]))
        return results
    slots = threading.Semaphore(min(concurrency, len(targets)))
    results = [None] * len(targets)
    queue_deadline = time.monotonic() + QUEUE_SECONDS

    def _worker(index, target):
        slot = _Slot(slots)
        slot.acquire(queue_deadline)
        timer = threading.Timer(SLOT_SECONDS, slot.release)
        timer.daemon = True
        timer.start()
        try:
            started = _start(target)
        finally:
            timer.cancel()
            slot.release()
        results[index] = _finish(target, started)

    threads = [threading.Thread(target=_worker, args=(i, targets[i]), name='mcp-health-%d' % i) for i in order]
    for thread in threads:
        thread.daemon = True
        thread.start()
    for thread in threads:
        thread.join()
    return results


class _Slot(object):
    """One hold on the concurrency semaphore that can be released once, from either thread."""

    def __init__(self, semaphore):
        self.semaphore = semaphore
        self.lock = threading.Lock()
        self.held = False

    def acquire(self, deadline):
        """Take a slot, or go ahead without one once deadline (time.monotonic()) has passed."""
        self.held = self.semaphore.acquire(timeout=max(0.0, deadline - time.monotonic()))

    def release(self):
        with self.lock:
            if self.held:
                self.held = False
                self.semaphore.release()


def failure_summary(results):
    bad = [r for r in results if r['status'] != 'healthy']
    parts = []
    for r in bad:
        detail = r['reason']
        if r['reason'] == 'exited' and r.get('exit_code') is not None:
            detail = 'exited %s' % r['exit_code']
        parts.append('%s (%s: %s)' % (r['name'], detail, r.get('message')))
    return '%d of %d MCP servers unhealthy: %s' % (len(bad), len(results), '; '.join(parts))


# --------------------------------------------------------------------------------------------
# History file: one JSON line per server per run


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(moment):
    return moment.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def _reverse_lines(path):
    """Lines of a file from the last to the first, reading backwards in chunks."""
    try:
        handle = open(path, 'rb')
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return
        raise
    with handle:
        handle.seek(0, os.SEEK_END)
        position = handle.tell()
        rest = b''
        while position > 0:
            step = min(HISTORY_READ_CHUNK, position)
            position -= step
            handle.seek(position)
            chunk = handle.read(step) + rest
            lines = chunk.split(b'\n')
            rest = lines.pop(0)
            for line in reversed(lines):
                if line.strip():
                    yield line
        if rest.strip():
            yield rest


def target_id(target):
    """A short fingerprint of what a check starts (command and args, or url): a remembered era only
    applies to the same server, not to whatever carries its name after a redeploy."""
    what = [target.get('transport'), target.get('command'), target.get('args') or [], target.get('url')]
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode('utf-8')).hexdigest()[:16]


def read_history(path, names):
    """name -> {'consecutive_failures': n, 'last_seen': iso or None, 'last_duration_ms': ms or None,
    'era': era and 'target': target_id of the latest run when it was healthy, else None}.

    Reads from the end and stops once every name has met a healthy entry, so a long file
    costs only its recent tail.
    """
    wanted = set(names)
    state = dict((n, {'consecutive_failures': 0, 'last_seen': None, 'last_duration_ms': None, 'seen': False,
                      'era': None, 'target': None})
                 for n in wanted)
    pending = set(wanted)
    for line in _reverse_lines(path):
        if not pending:
            break
        try:
            record = json.loads(line.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            continue  # a torn or foreign line is not worth failing a health check for
        if not isinstance(record, dict) or record.get('name') not in pending:
            continue
        entry = state[record['name']]
        if not entry['seen']:
            entry['seen'] = True
            entry['last_duration_ms'] = record.get('duration_ms')
            if record.get('status') == 'healthy' and record.get('era') in _protocol.ERAS:
                entry['era'], entry['target'] = record['era'], record.get('target')
        if record.get('status') == 'healthy':
            entry['last_seen'] = record.get('time')
            pending.discard(record['name'])
        else:
            entry['consecutive_failures'] += 1
    return dict((n, {'consecutive_failures': s['consecutive_failures'], 'last_seen': s['last_seen'],
                     'last_duration_ms': s['last_duration_ms'], 'era': s['era'], 'target': s['target']})
                for n, s in state.items())


def remembered_era(target, previous):
    """The era the last healthy run of this same server found, or None (then the check probes)."""
    state = previous.get(target['name']) or {}
    if state.get('era') and state.get('target') == target_id(target):
        return state['era']
    return None


def start_order(names, previous):
    """Indexes of names, slowest last time first (new servers first): a server that hung last run
    then times out alongside the others instead of after them."""
    def cost(index):
        duration = (previous.get(names[index]) or {}).get('last_duration_ms')
        return -(duration if isinstance(duration, (int, float)) else float('inf'))
    return sorted(range(len(names)), key=cost)


def apply_history(results, previous, now):
    """Fold this run into the previous state: the numbers as of the end of this run."""
    stamp = iso(now)
    for result in results:
        before = previous.get(result['name'], {'consecutive_failures': 0, 'last_seen': None})
        if result['status'] == 'healthy':
            result['consecutive_failures'] = 0
            result['last_seen'] = stamp
        else:
            result['consecutive_failures'] = before['consecutive_failures'] + 1
            result['last_seen'] = before['last_seen']
    return results


def history_records(results, now, config_path=None, targets=None):
    """One record per result; targets (same order) add the target_id the remembered era belongs to."""
    stamp = iso(now)
    for index, r in enumerate(results):
        yield {
            'time': stamp, 'name': r['name'], 'status': r['status'], 'reason': r['reason'],
            'exit_code': r.get('exit_code'), 'latency_ms': r.get('latency_ms'),
            'duration_ms': r.get('duration_ms'), 'tool_count': r.get('tool_count'),
            'era': r.get('era'), 'target': target_id(targets[index]) if targets else None,
            'config_path': config_path,
        }


_history_lock = threading.Lock()


def append_history(path, records, owner=(None, None)):
    """Append JSON lines under an exclusive lock; a new file is created 0600 (owned by owner)."""
    data = b''.join((json.dumps(r, sort_keys=True) + '\n').encode('utf-8') for r in records)
    if not data:
        return
    ensure_dir(os.path.dirname(os.path.abspath(path)), owner[0], owner[1])
    with _history_lock:
        existed = os.path.exists(path)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            if not existed and owner[0] is not None:
                os.fchown(fd, owner[0], owner[1] if owner[1] is not None else -1)
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            write_all(fd, data)
        finally:
            os.close(fd)
