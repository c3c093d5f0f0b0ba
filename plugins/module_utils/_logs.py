# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure engine for MCP client logs: merge, dedupe, pair, group, and the module's result.

The files are found and read by _logreader (streams, bounded memory); ``tail`` reads from the end
of each file in growing windows. No writes, no processes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import collections
import datetime
import heapq
import json
import os
import re
import time

from ansible_collections.mcpops.mcp.plugins.module_utils._logreader import (  # pylint: disable=unused-import
    CLOSING_PREFIXES,
    LEVEL_NAMES,
    LEVEL_RANK,
    LIFECYCLE_PREFIXES,
    MAX_MESSAGE_CHARS,
    LogFile,
    LogsError,
    Options,
    _file_size,
    _first_timestamp,
    _header_offset,
    find_log_files,
    read_entries,
)
from ansible_collections.mcpops.mcp.plugins.module_utils._redact import mask_text

REQUEST_RE = re.compile(r'\bmethod="(?P<method>[^"]+)"')
ID_RE = re.compile(r'\bid=(?P<id>[^\s,]+)')

# Signature normalisation for errors_grouped (order matters: specific before general).
SIGNATURE_RULES = (
    (re.compile(r'"jsonrpc"\s*:\s*"2\.0"\s*,?'), ''),
    (re.compile(r'\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?Z?'), '<time>'),
    (re.compile(r'\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b'), '<uuid>'),
    (re.compile(r'(?:[A-Za-z]:\\|\\\\)[^\s\'"():,]*'), '<path>'),
    (re.compile(r'(?<![\w<:/])(?:~|\.{1,2})?/[^\s\'"():,]+'), '<path>'),
    (re.compile(r'\b0x[0-9a-fA-F]+\b|\b[0-9a-fA-F]{12,}\b'), '<hex>'),
    (re.compile(r'("id"\s*:\s*)("[^"]*"|\d+)'), r'\1<id>'),
    (re.compile(r'\d+(?:\.\d+)?'), '<n>'),
)
MAX_SIGNATURE = 300
SIGNATURE_CACHE = 4096

RELATIVE_RE = re.compile(r'^\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>[a-zA-Z]+)\s*(?:ago)?\s*$')
UNIT_SECONDS = {}
for _names, _secs in ((('s', 'sec', 'secs', 'second', 'seconds'), 1),
                      (('m', 'min', 'mins', 'minute', 'minutes'), 60),
                      (('h', 'hr', 'hrs', 'hour', 'hours'), 3600),
                      (('d', 'day', 'days'), 86400),
                      (('w', 'week', 'weeks'), 7 * 86400)):
    for _name in _names:
        UNIT_SECONDS[_name] = _secs

DEDUPE_WINDOW_MS = 100
MAX_PENDING_PER_SERVER = 10000
TAIL_FIRST_WINDOW = 64 * 1024
NO_TIME_YET = u'\uffff'  # sorts after every timestamp


# ---------------------------------------------------------------- time

def format_ts(dt):
    """datetime (aware or naive UTC) -> 'YYYY-MM-DDTHH:MM:SS.mmmZ'."""
    if dt.tzinfo is not None:
        dt = dt.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return dt.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (dt.microsecond // 1000)


def parse_time(text, now=None):
    """ISO 8601 or relative ('30m', '1h', '2 days', '1 hour ago', 'now') -> canonical UTC string.

    Naive ISO times are taken as UTC (the logs are in UTC)."""
    if text is None:
        return None
    value = str(text).strip()
    now = time.time() if now is None else now
    if value.lower() == 'now':
        return format_ts(datetime.datetime.fromtimestamp(now, datetime.timezone.utc))
    match = RELATIVE_RE.match(value)
    if match:
        unit = match.group('unit').lower()
        if unit not in UNIT_SECONDS:
            raise LogsError('Unknown time unit %r in %r; use s, m, h, d or w (e.g. 30m, 2 days, 1 hour ago).'
                            % (match.group('unit'), value))
        seconds = float(match.group('n')) * UNIT_SECONDS[unit]
        return format_ts(datetime.datetime.fromtimestamp(now - seconds, datetime.timezone.utc))
    iso = value.replace(' ', 'T', 1) if len(value) > 10 and value[10] == ' ' else value
    if iso.endswith(('Z', 'z')):
        iso = iso[:-1] + '+00:00'
    try:
        dt = datetime.datetime.strptime(iso, '%Y-%m-%d') if len(iso) == 10 else None
        if dt is None:
            dt = _fromisoformat(iso)
    except ValueError:
        raise LogsError('Cannot read %r as a time; use ISO 8601 (2026-01-03T11:39:20Z) or a relative '
                        'time (30m, 1h, 2 days, 1 hour ago).' % value)
    return format_ts(dt)


def _fromisoformat(iso):
    # Python 3.9/3.10 fromisoformat wants exactly 3 or 6 fraction digits.
    match = re.match(r'^(.*T\d\d:\d\d:\d\d)\.(\d+)(.*)$', iso)
    if match:
        frac = (match.group(2) + '000000')[:6]
        iso = '%s.%s%s' % (match.group(1), frac, match.group(3))
    return datetime.datetime.fromisoformat(iso)


_DAY_CACHE = {}


def ts_ms(ts):
    """Canonical timestamp string -> epoch milliseconds (cached per day)."""
    day = ts[:10]
    base = _DAY_CACHE.get(day)
    if base is None:
        base = calendar.timegm((int(ts[0:4]), int(ts[5:7]), int(ts[8:10]), 0, 0, 0)) * 1000
        _DAY_CACHE[day] = base
    frac = ts[20:23] if ts[19:20] == '.' else '0'
    return base + ((int(ts[11:13]) * 60 + int(ts[14:16])) * 60 + int(ts[17:19])) * 1000 + int(frac or 0)


# ---------------------------------------------------------------- pipeline

def _merge_key(entry):
    return entry['timestamp'] or ''


class Deduper(object):
    """Drop the copy of an entry that appears in both mcp.log and its server's own file.

    The copies carry the same server, level and message and timestamps a millisecond or so
    apart; repeats inside one file are real and are kept."""

    def __init__(self, window_ms=DEDUPE_WINDOW_MS):
        self.window_ms = window_ms
        self.recent = {}
        self.order = collections.deque()

    def is_duplicate(self, entry):
        ts = entry['timestamp']
        if ts is None or entry['stream'] != 'log':
            return False
        now = ts_ms(ts)
        order = self.order
        while order and order[0][0] < now - self.window_ms:
            _old_ms, old_key, old_item = order.popleft()
            bucket = self.recent.get(old_key)
            if bucket is not None:
                try:
                    bucket.remove(old_item)
                except ValueError:
                    pass
                if not bucket:
                    del self.recent[old_key]
        key = (entry['server'], entry['level'], entry['message'])
        main = entry['file_is_main']
        bucket = self.recent.get(key)
        if bucket:
            for item in bucket:
                if item[1] != main and abs(item[0] - now) <= self.window_ms:
                    bucket.remove(item)
                    first = item[2]
                    if first['metadata'] is None and entry['metadata'] is not None:
                        first['metadata'] = entry['metadata']
                    return True
        item = [now, main, entry]
        self.recent.setdefault(key, []).append(item)
        order.append((now, key, item))
        return False


class Lifecycle(object):
    """Last lifecycle event per server; 'session' counts connection attempts (for id pairing)."""

    def __init__(self):
        self.state = {}
        self.sessions = {}

    def feed(self, entry):
        message = entry['message']
        if not message.startswith(LIFECYCLE_PREFIXES) or entry['stream'] != 'log':
            return
        server = entry['server']
        state = self.state.get(server)
        if state is None:
            state = self.state[server] = {'last_event': None, 'at': None, 'message': None, '_connected': False}
        if message.startswith(('Initializing server', 'Attempting to connect to MCP server')):
            event = 'initializing'
            state['_connected'] = False
            self.sessions[server] = self.sessions.get(server, 0) + 1
        elif message.startswith(('Server started and connected successfully', 'Connected to MCP server')):
            event = 'connected'
            state['_connected'] = True
        elif message.startswith(CLOSING_PREFIXES):
            # Several closing lines follow one exit; the first one, a spawn failure or a shutdown said why.
            if state['last_event'] in ('never_started', 'stopped', 'disconnected'):
                return
            else:
                event = 'disconnected' if state['_connected'] else 'never_started'
        elif message.startswith('Shutting down server'):
            event = 'stopped'
            state['_connected'] = False
        elif message.startswith('spawn ') and 'ENOENT' in message:
            event = 'never_started'
            state['_connected'] = False
        else:
            return
        state['last_event'] = event
        state['at'] = entry['timestamp']
        state['message'] = message.split('\n', 1)[0]

    def session(self, server):
        return self.sessions.get(server, 0)

    def result(self):
        return dict((server, {'last_event': s['last_event'], 'at': s['at'], 'message': mask_text(s['message'])})
                    for server, s in self.state.items())


class Pairer(object):
    """Give JSON-RPC messages their method, and responses the duration since their request."""

    def __init__(self, lifecycle):
        self.lifecycle = lifecycle
        self.pending = {}
        self.pending_count = collections.Counter()
        self.session_seen = {}

    def feed(self, entry):
        message = entry['message']
        tail = entry.pop('_tail', None)  # the end of a cut message, where a client request's id is
        if message.startswith('Message from client: '):
            sender, body = 'client', message[21:]
        elif message.startswith('Message from server: '):
            sender, body = 'server', message[21:]
        else:
            return
        server = entry['server']
        session = self.lifecycle.session(server)
        if self.session_seen.get(server, session) != session:
            # A new connection attempt: ids start over, old requests will never be answered.
            for key in [k for k in self.pending if k[0] == server]:
                del self.pending[key]
            self.pending_count[server] = 0
        self.session_seen[server] = session
        method, msg_id, is_response = _rpc_fields(body, tail)
        if method is not None:
            entry['method'] = method
        if msg_id is None or entry['timestamp'] is None:
            return
        if is_response:
            request = self.pending.pop((server, session, 'client' if sender == 'server' else 'server', msg_id), None)
            if request is not None:
                self.pending_count[server] -= 1
                entry['method'] = request[0]
                entry['duration'] = ts_ms(entry['timestamp']) - request[1]
        elif method is not None:
            if self.pending_count[server] >= MAX_PENDING_PER_SERVER:
                return
            key = (server, session, sender, msg_id)
            if key not in self.pending:
                self.pending_count[server] += 1
            self.pending[key] = (method, ts_ms(entry['timestamp']))


_ID = r'(?P<id>-?\d+|"[^"\\]*")'
# The shapes Claude Desktop logs, recognised without parsing the (often large) JSON body.
RPC_HEAD_RE = re.compile(r'^\{"jsonrpc":"2\.0","id":' + _ID + r',"(?:(?P<kind>result|error)"|method":"(?P<method>[^"\\]+)")')
RPC_CLIENT_RE = re.compile(r'^\{"(?:method":"(?P<method>[^"\\]+)"|(?P<kind>result|error)":)')
RPC_TAIL_ID_RE = re.compile(r',"jsonrpc":"2\.0","id":' + _ID + r'\}$')


def _rpc_fields(body, tail=None):
    """(method, id, is_response) of a logged JSON-RPC message; tolerant of the key=value form.

    `tail` is the end of the message when `body` was cut (see MAX_MESSAGE_CHARS)."""
    match = RPC_HEAD_RE.match(body)
    if match:
        return match.group('method'), match.group('id'), match.group('kind') is not None
    match = RPC_CLIENT_RE.match(body)
    if match:
        end = body if tail is None else tail
        found = RPC_TAIL_ID_RE.search(end, max(0, len(end) - 80))
        if found:
            return match.group('method'), found.group('id'), match.group('kind') is not None
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict):
        msg_id = data.get('id')
        if isinstance(msg_id, (dict, list)):
            msg_id = None
        method = data.get('method') if isinstance(data.get('method'), str) else None
        is_response = method is None and ('result' in data or 'error' in data)
        return method, (None if msg_id is None else json.dumps(msg_id)), is_response
    match = REQUEST_RE.search(body)
    id_match = ID_RE.search(body)
    msg_id = id_match.group('id') if id_match else None
    if msg_id is not None and msg_id.isdigit():
        msg_id = json.dumps(int(msg_id))
    method = match.group('method') if match else None
    is_response = method is None and msg_id is not None
    return method, msg_id, is_response


def signature(message):
    """A message with numbers, ids, times and paths normalised, for grouping errors."""
    lines = [line for line in message.split('\n') if line.strip()]
    if not lines:
        return ''
    traceback = any(line.startswith('Traceback (most recent call last)') for line in lines)
    text = lines[-1] if traceback else lines[0]
    text = text.strip()
    if not traceback and not any(c.isalnum() for c in text):
        text = ' '.join(line.strip() for line in lines)
    for regex, repl in SIGNATURE_RULES:
        text = regex.sub(repl, text)
    return text[:MAX_SIGNATURE]


class Aggregate(object):
    """counts and errors_grouped over a stream of matching entries."""

    def __init__(self):
        self.counts = {}
        self.groups = {}
        self.signatures = {}

    def add(self, entry):
        server = entry['server']
        per = self.counts.get(server)
        if per is None:
            per = self.counts[server] = dict((name, 0) for name in LEVEL_NAMES)
        per[entry['level']] += 1
        if entry['level'] == 'ERROR':
            message = entry['message']
            sig = self.signatures.get(message)
            if sig is None:
                sig = signature(mask_text(message))
                if len(self.signatures) < SIGNATURE_CACHE:
                    self.signatures[message] = sig
            group = self.groups.get(sig)
            if group is None:
                group = self.groups[sig] = {'signature': sig, 'count': 0, 'servers': set(),
                                            'first': entry['timestamp'], 'last': entry['timestamp']}
            group['count'] += 1
            group['servers'].add(server)
            ts = entry['timestamp']
            if ts is not None:
                if group['first'] is None or ts < group['first']:
                    group['first'] = ts
                if group['last'] is None or ts > group['last']:
                    group['last'] = ts

    def errors_grouped(self):
        out = []
        for group in self.groups.values():
            item = dict(group)
            item['servers'] = sorted(group['servers'])
            out.append(item)
        out.sort(key=lambda g: (-g['count'], g['signature']))
        return out


def _pipeline(files, opts, offsets=None):
    """Merged, de-duplicated, paired stream of entries; yields only matching ones.

    Returns (generator, lifecycle)."""
    lifecycle = Lifecycle()
    pairer = Pairer(lifecycle)
    deduper = Deduper()
    pattern = opts.pattern
    streams = []
    for log_file in files:
        offset = offsets.get(log_file.path, 0) if offsets else 0
        streams.append(_tagged(read_entries(log_file, opts, offset), log_file.is_main))
    dedupe = any(f.is_main for f in files) and any(not f.is_main for f in files)

    def generate():
        merged = streams[0] if len(streams) == 1 else heapq.merge(*streams, key=_merge_key)
        for entry in merged:
            if dedupe and deduper.is_duplicate(entry):
                continue
            lifecycle.feed(entry)
            if not entry.pop('_keep'):
                continue
            del entry['file_is_main']
            pairer.feed(entry)
            if pattern is not None and not pattern.search(mask_text(entry['message'])):
                continue
            yield entry

    return generate(), lifecycle


def _tagged(entries, is_main):
    for entry in entries:
        entry['file_is_main'] = is_main
        yield entry


def _redact(entry):
    entry['message'] = mask_text(entry['message'])
    if entry['metadata'] is not None:
        entry['metadata'] = mask_text(entry['metadata'])
    return entry


def empty_result(log_dir, exists):
    return {'log_dir': log_dir, 'exists': exists, 'entries': [], 'counts': {}, 'errors_grouped': [],
            'lifecycle': {}, 'files': [], 'matched': 0, 'truncated': False}


def collect(log_dir, names=None, since=None, until=None, level='debug', pattern=None, tail=None,
            max_entries=1000, include_rotated=False, now=None, max_message_chars=MAX_MESSAGE_CHARS):
    """Read the logs in log_dir and return the module's result (without 'changed')."""
    if not os.path.isdir(log_dir):
        return empty_result(log_dir, False)
    if max_entries is not None and max_entries < 1:
        raise LogsError('max_entries must be at least 1.')
    if tail is not None and tail < 1:
        raise LogsError('tail must be at least 1.')
    if max_message_chars is None or max_message_chars < 1:
        raise LogsError('max_message_chars must be at least 1.')
    opts = Options(names=names, since=parse_time(since, now), until=parse_time(until, now),
                   level=level, pattern=pattern, max_message_chars=max_message_chars)
    files = find_log_files(log_dir, names, include_rotated)
    result = empty_result(log_dir, True)
    if not files:
        return result
    if tail:
        entries, matched, lifecycle = _collect_tail(files, opts, tail)
        aggregate = Aggregate()
        for entry in entries:
            aggregate.add(entry)
    else:
        stream, lifecycle = _pipeline(files, opts)
        aggregate = Aggregate()
        kept = collections.deque(maxlen=max_entries)
        matched = 0
        for entry in stream:
            matched += 1
            aggregate.add(entry)
            kept.append(entry)
        entries = list(kept)
    limit = max_entries if max_entries else len(entries)
    truncated = matched > limit or len(entries) > limit
    entries = entries[-limit:]
    result.update({
        'entries': [_redact(entry) for entry in entries],
        'counts': aggregate.counts,
        'errors_grouped': aggregate.errors_grouped(),
        'lifecycle': lifecycle.result(),
        'files': [{'path': f.path, 'bytes_read': f.bytes_read} for f in files],
        'matched': matched,
        'truncated': truncated,
    })
    return result


def _collect_tail(files, opts, tail):
    """Newest `tail` matching entries, reading growing windows from the end of each file.

    An entry is certain once every file's window reaches back before it; windows double until
    `tail` certain entries are found or the files are read whole. Gzipped rotated files are read whole."""
    sizes = dict((f.path, _file_size(f)) for f in files)
    window = TAIL_FIRST_WINDOW
    while True:
        offsets = {}
        starts = {}
        for f in files:
            if f.path.endswith('.gz') or window >= sizes[f.path]:
                offsets[f.path] = 0
            else:
                offsets[f.path] = _header_offset(f, sizes[f.path] - window)
            starts[f.path] = offsets[f.path]
        cutoff = None
        for f in files:
            if starts[f.path] >= sizes[f.path] > 0:
                # No line starts in the window (the end of one long line): nothing is certain yet.
                cutoff = NO_TIME_YET
            elif starts[f.path] > 0:
                first_ts = _first_timestamp(f, starts[f.path])
                if first_ts is not None and (cutoff is None or first_ts > cutoff):
                    cutoff = first_ts
        stream, lifecycle = _pipeline(files, opts, offsets)
        ring = collections.deque(maxlen=tail)
        certain = 0
        for entry in stream:
            ring.append(entry)
            if cutoff is None or (entry['timestamp'] is not None and entry['timestamp'] >= cutoff):
                certain += 1
        whole = all(v == 0 for v in offsets.values())
        if whole or certain >= tail:
            entries = list(ring)
            if not whole:
                entries = [e for e in entries if e['timestamp'] is not None and e['timestamp'] >= cutoff]
            return entries, len(entries), lifecycle
        window *= 4
