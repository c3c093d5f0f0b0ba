# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading MCP client log files: find them, parse their lines, stream their entries.

Reads log files as streams in one pass with bounded memory: lines are read at most
MAX_MESSAGE_CHARS * 4 + LINE_HEADER_BYTES bytes at a time and a longer line keeps only its head, so
one huge line never becomes one huge string. Merging, de-duplication, pairing and grouping are in
_logs. No writes, no processes.

Line shapes handled (Claude Desktop):
  2026-01-03T11:39:20.074Z [github] [info] Server started and connected successfully
  2026-01-03T11:39:20.074Z [github] [info] Initializing server... { metadata: undefined }
  2026-01-03T11:39:20.074Z [github] [error] spawn uv ENOENT {        (metadata continues below)
  2025-03-02T10:01:02.003Z [info] [perplexity-mcp] Initializing server...   (older: level first)
  2024-11-28T09:27:43.719Z [info] Attempting to connect to MCP server neo4j... (oldest: no server)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import os
import re

LEVEL_NAMES = ('DEBUG', 'INFO', 'WARN', 'ERROR')
LEVEL_RANK = {'DEBUG': 10, 'INFO': 20, 'WARN': 30, 'ERROR': 40}
# Raw level token -> canonical name (lookups are by the exact token first, then lower-cased).
RAW_LEVELS = {
    'debug': 'DEBUG', 'trace': 'DEBUG', 'verbose': 'DEBUG', 'silly': 'DEBUG',
    'info': 'INFO', 'notice': 'INFO', 'log': 'INFO',
    'warn': 'WARN', 'warning': 'WARN',
    'error': 'ERROR', 'fatal': 'ERROR', 'critical': 'ERROR', 'crit': 'ERROR', 'err': 'ERROR',
}

RAW_LEVELS_B = dict((k.encode('ascii'), v) for k, v in RAW_LEVELS.items())
RAW_LEVELS_B.update((k.upper().encode('ascii'), v) for k, v in RAW_LEVELS.items())
# name, optional rotation marker, '.log', optional rotation marker, optional '.gz'
LOG_FILE_RE = re.compile(r'^(?P<base>mcp|mcp-server-(?P<name>.+?))'
                         r'(?P<rot1>\.old|\.\d+)?\.log(?P<rot2>\.old|\.\d+)?(?P<gz>\.gz)?$')

# Lifecycle messages (message prefix -> event); 'ENOENT' spawn failures are matched separately.
LIFECYCLE_PREFIXES = (
    'Initializing server', 'Server started and connected successfully',
    'Server transport closed', 'Client transport closed', 'Server disconnected', 'Shutting down server',
    'spawn ', 'Attempting to connect to MCP server', 'Connected to MCP server',
)
# Lines that end a connection ('Server transport closed' also covers '... closed unexpectedly, ...'):
# Claude logs two or three of them for one exit or shutdown.
CLOSING_PREFIXES = ('Server transport closed', 'Client transport closed', 'Server disconnected')
LIFECYCLE_PREFIXES_B = tuple(p.encode('ascii') for p in LIFECYCLE_PREFIXES)
OLD_SERVER_RE = re.compile(r'^(?:Attempting to connect to|Connected to) MCP server (?P<name>.+?)(?:\.\.\.|!)$')
STDERR_ERROR_RE = re.compile(r'Traceback \(most recent call last\)|Exception|Error:|ERR!|ENOENT|^npm error',
                             re.MULTILINE)

READ_CHUNK = 1024 * 1024

# A message longer than this (and, on its own, metadata) keeps its head and says how much was cut.
# 4096 characters keep Claude's lifecycle and error lines and the head of any JSON-RPC message (method,
# id, error) whole, and the default 1000 entries under about 8 MB of module output; a big tools/list
# or resource result is cut, and the file holds the rest.
MAX_MESSAGE_CHARS = 4096
TRUNCATED_MARK = u' \u2026 [truncated {:,} characters]'
# Lines are read at most 4 bytes per character of the cap plus a header at a time (UTF-8 needs at
# most 4 bytes per character); the rest of a longer line is read in bounded pieces and dropped.
LINE_HEADER_BYTES = 1024
# End of a cut line kept for pairing: a client request logs its id last.
CUT_TAIL_BYTES = 256
# A cut never ends inside a word: half a secret would no longer be recognised by the masking.
WORD_ENDS = ' \t"\',;{}[]()<>'
WORD_ENDS_B = tuple(bytearray(WORD_ENDS.encode('ascii')))
BLANKS = ' \t'
BLANKS_B = tuple(bytearray(BLANKS.encode('ascii')))
UTF8_CONTINUATION = bytes(bytearray(range(0x80, 0xC0)))


class LogsError(Exception):
    """Bad input (a since/until/pattern we cannot use). str() is one readable sentence."""


# ---------------------------------------------------------------- files

class LogFile(object):
    """One log file: path, which server it belongs to (None for mcp.log), rotated or current."""

    def __init__(self, path, server, rotated):
        self.path = path
        self.server = server
        self.rotated = rotated
        self.bytes_read = 0

    @property
    def is_main(self):
        return self.server is None


def find_log_files(log_dir, names=None, include_rotated=False):
    """Log files in log_dir, sorted (mcp.log files first, then per-server files by name)."""
    found = []
    try:
        listing = os.listdir(log_dir)
    except OSError:
        return found
    wanted = set(names) if names else None
    for filename in listing:
        match = LOG_FILE_RE.match(filename)
        if not match:
            continue
        rotated = bool(match.group('rot1') or match.group('rot2') or match.group('gz'))
        if rotated and not include_rotated:
            continue
        server = match.group('name')
        if server is not None and wanted is not None and server not in wanted:
            continue
        path = os.path.join(log_dir, filename)
        if not os.path.isfile(path):
            continue
        found.append(LogFile(path, server, rotated))
    found.sort(key=lambda f: (not f.is_main, f.server or '', not f.rotated, f.path))
    return found


def _open_raw(log_file, offset=0):
    raw = gzip.open(log_file.path, 'rb') if log_file.path.endswith('.gz') else open(log_file.path, 'rb')
    if offset:
        raw.seek(offset)
    return raw


# ---------------------------------------------------------------- parsing

class Options(object):
    """Filters shared by the readers and the pipeline."""

    def __init__(self, names=None, since=None, until=None, level='debug', pattern=None,
                 max_message_chars=MAX_MESSAGE_CHARS):
        self.names = set(names) if names else None
        self.max_chars = max_message_chars
        self.line_limit = 4 * max_message_chars + LINE_HEADER_BYTES
        self.since = since
        self.until = until
        self.min_rank = LEVEL_RANK[str(level or 'debug').upper().replace('WARNING', 'WARN')]
        try:
            self.pattern = re.compile(pattern) if pattern else None
        except re.error as exc:
            raise LogsError('The pattern %r is not a valid regular expression: %s.' % (pattern, exc))
        self.timed = since is not None or until is not None


def _split_header(line):
    """(timestamp, server, LEVEL, message) for a prefixed line, else None."""
    if len(line) < 26 or line[23] != 'Z' or line[24] != ' ' or line[10] != 'T' or line[4] != '-':
        return None
    ts = line[:24]
    rest = line[25:]
    if rest[:1] != '[':
        return ts, '', 'INFO', rest
    j = rest.find(']')
    if j < 0:
        return ts, '', 'INFO', rest
    first = rest[1:j]
    if rest[j + 1:j + 3] == ' [':
        k = rest.find(']', j + 3)
        if k > 0:
            second = rest[j + 3:k]
            level = RAW_LEVELS.get(second) or RAW_LEVELS.get(second.lower())
            if level is not None:
                return ts, first, level, rest[k + 2:]
            level = RAW_LEVELS.get(first) or RAW_LEVELS.get(first.lower())
            if level is not None:
                return ts, second, level, rest[k + 2:]
    level = RAW_LEVELS.get(first) or RAW_LEVELS.get(first.lower())
    if level is not None:
        message = rest[j + 2:]
        match = OLD_SERVER_RE.match(message)
        return ts, match.group('name') if match else '', level, message
    return ts, first, 'INFO', rest[j + 2:]


def _bracket_depth(text):
    return text.count('{') + text.count('[') - text.count('}') - text.count(']')


def _split_metadata(message):
    """(message, metadata or None, open) — open is True when the metadata continues on later lines."""
    idx = message.find(' { metadata: ')
    if idx >= 0:
        meta = message[idx + 1:]
        if meta == '{ metadata: undefined }':
            meta = None
        return message[:idx], meta, _bracket_depth(message[idx:]) > 0
    if message.endswith(' {'):
        return message[:-2], '{', True
    if not message.startswith('Message from'):
        idx = message.find(' {"')
        if idx > 0 and message.endswith('}') and not message[:idx].endswith(':'):
            return message[:idx], message[idx + 1:], False
    return message, None, False


def _new_entry(ts, server, level, message, stream, path, lineno):
    return {'timestamp': ts, 'server': server, 'level': level, 'message': message, 'metadata': None,
            'stream': stream, 'method': None, 'duration': None, 'file': path, 'line': lineno}


def _finish(entry, cont, into_metadata, cut=0, tail=None, cap=MAX_MESSAGE_CHARS):
    """Join the continuation lines (a _Block) to the message or metadata, then cap both at `cap`
    characters. `cut` characters were dropped while reading, from the part being read then; `tail`
    is the end of a cut header line, kept for pairing when the message is a JSON-RPC one."""
    field = 'metadata' if into_metadata else 'message'
    if cont is not None and cont.lines:
        cut += cont.cut
        entry[field] = (entry[field] or '') + '\n' + '\n'.join(cont.lines)
    message = entry['message']
    message_cut = cut if field == 'message' else 0
    if message_cut or len(message) > cap:
        if message.startswith('Message from '):
            if tail is not None and message_cut:
                text = tail.decode('utf-8', 'replace')
                idx = text.find(' { metadata: ')
                entry['_tail'] = text[:idx] if idx >= 0 else text
            else:
                entry['_tail'] = message[-CUT_TAIL_BYTES:]
        entry['message'] = _cap_text(message, cap, message_cut)
    metadata = entry['metadata']
    if metadata is not None and ((cut and field == 'metadata') or len(metadata) > cap):
        entry['metadata'] = _cap_text(metadata, cap, cut if field == 'metadata' else 0)


def _stderr_entry(block, ts, log_file, lineno, cut=0, cap=MAX_MESSAGE_CHARS):
    """The entry of a stderr block (a _Block with keep_last), capped at about `cap` characters: the
    head, how much was cut, and the last line."""
    lines = block.lines
    last = block.last
    cut += block.cut
    if last is None:
        while lines and not lines[-1].strip():
            lines.pop()
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) and last is None:
        return None
    text = '\n'.join(lines[start:])
    if last is not None:
        if not cut and len(text) + 1 + len(last) <= cap:
            text, last = text + '\n' + last, None
        elif len(last) > cap // 2:
            keep = _word_start(last, cap // 2, WORD_ENDS, BLANKS)
            cut += len(last) - keep
            last = last[:keep]
    if last is not None:
        text = _cap_text(text, max(cap - len(last) - 1, 0), cut) + '\n' + last
    elif cut or len(text) > cap:
        text = _cap_text(text, cap, cut)
    level = 'ERROR' if STDERR_ERROR_RE.search(text) else 'INFO'
    return _new_entry(ts, log_file.server, level, text, 'stderr', log_file.path,
                      None if lineno is None else lineno + start)


_PREFILTERS = {}


def _prefilter(min_rank):
    """match() of a bytes regex that accepts every prefixed line that can pass min_rank or carries a
    lifecycle event (in both layouts); None when INFO passes, as nearly every line is parsed then.
    Lines it rejects are skipped without decoding; it may accept more, exact parsing follows."""
    if min_rank <= LEVEL_RANK['INFO']:
        return None
    if min_rank not in _PREFILTERS:
        tokens = '|'.join(sorted(re.escape(k) for k, v in RAW_LEVELS.items() if LEVEL_RANK[v] >= min_rank))
        life = '|'.join(re.escape(p) for p in LIFECYCLE_PREFIXES)
        bracket = r'\[[^\]\n]*\] '
        pattern = (r'.{23}Z (?:%(b)s\[(?:(?i:%(t)s)\]|[^\]\n]*\] (?:%(l)s))|\[(?i:%(t)s)\]|%(b)s(?:%(l)s)|(?:%(l)s))'
                   % {'b': bracket, 't': tokens, 'l': life})
        _PREFILTERS[min_rank] = re.compile(pattern.encode('ascii'), re.DOTALL).match
    return _PREFILTERS[min_rank]


def _bytes_depth(data):
    return data.count(b'{') + data.count(b'[') - data.count(b'}') - data.count(b']')


def _text(data):
    return data.rstrip(b'\r\n').decode('utf-8', 'replace')


def _char_count(data):
    """Characters in UTF-8 bytes (continuation bytes do not start one)."""
    return len(data.translate(None, UTF8_CONTINUATION))


def _word_start(text, end, delimiters, blanks):
    """Where a cut at `end` keeps the text: before the word the cut falls into (everything after the
    last delimiter) and before the blanks ahead of that word."""
    keep = max(text.rfind(d, 0, end) for d in delimiters) + 1
    while keep and text[keep - 1] in blanks:
        keep -= 1
    return keep


def _cut_line(content, limit):
    """(head, characters cut, tail) of a line's bytes (without its newline) longer than `limit`."""
    keep = _word_start(content, limit, WORD_ENDS_B, BLANKS_B)
    return content[:keep], _char_count(content[keep:]), content[-CUT_TAIL_BYTES:]


def _cap_text(text, cap, cut=0):
    """text cut to at most `cap` characters (never inside a word), then how many were cut, including
    `cut` characters dropped before (while reading)."""
    if len(text) > cap:
        keep = _word_start(text, cap, WORD_ENDS, BLANKS)
        cut += len(text) - keep
        text = text[:keep]
    return text + TRUNCATED_MARK.format(cut)


class _BoundedLines(object):
    """The lines of a binary stream, none longer than `limit` bytes, without a UTF-8 byte-order mark.

    The rest of a longer line is read in bounded pieces and dropped, as _cut_line does it. `cut` adds
    up the characters dropped; `cut_line`, `cut_last` and `tail` describe the last line that was cut."""

    def __init__(self, raw, limit):
        self.raw = raw
        self.limit = limit
        self.cut = 0
        self.cut_line = None
        self.cut_last = 0
        self.tail = b''

    def __iter__(self):
        readline = self.raw.readline
        limit = self.limit
        line = readline(limit)
        bom = line[:3] == b'\xef\xbb\xbf'
        while line:
            cut = 0
            if len(line) >= limit and line[-1:] != b'\n':
                line, cut, tail = self._rest(line)
            if bom:
                line = line[3:]
                bom = False
            if cut:
                self.cut += cut
                self.cut_line = line
                self.cut_last = cut
                self.tail = tail
            yield line
            line = readline(limit)

    def _rest(self, head):
        """(kept head, characters cut, tail) of a line whose first `limit` bytes are `head`."""
        cut = 0
        more = False    # bytes beyond the head (a continuation byte alone is no character)
        tail = head[-CUT_TAIL_BYTES:]
        while True:
            piece = self.raw.readline(READ_CHUNK)
            ends = piece[-1:] == b'\n'
            if ends:
                piece = piece.rstrip(b'\r\n')
            if piece:
                more = True
                cut += _char_count(piece)
                tail = (tail + piece)[-CUT_TAIL_BYTES:]
            if ends or not piece:
                break
        if not more:
            return head, 0, b''
        keep = _word_start(head, len(head), WORD_ENDS_B, BLANKS_B)
        return head[:keep], cut + _char_count(head[keep:]), tail


class _Block(object):
    """The continuation (or stderr) lines of one entry, holding about `budget` characters: the head,
    and with keep_last the last non-blank line too (it names the exception of a long traceback)."""

    __slots__ = ('lines', 'size', 'budget', 'cut', 'last', 'keep_last', 'blank')

    def __init__(self, budget, keep_last=False):
        self.lines = []
        self.size = 0
        self.budget = budget
        self.cut = 0
        self.last = None
        self.keep_last = keep_last
        self.blank = 0

    def add(self, text):
        if self.size <= self.budget:
            self.lines.append(text)
            self.size += len(text) + 1
        elif not self.keep_last:
            self.cut += len(text) + 1
        elif not text.strip():
            self.blank += len(text) + 1  # cut only when a later line follows
        else:
            if self.last is not None:
                self.cut += len(self.last) + 1
            self.cut += self.blank
            self.blank = 0
            self.last = text


def _skip_line(raw):
    """Read to the end of the current line in bounded pieces."""
    while True:
        piece = raw.readline(READ_CHUNK)
        if not piece or piece[-1:] == b'\n':
            return


class _ReadContext(object):
    """Per-file filter state shared by the readers (bytes forms of the options)."""

    def __init__(self, log_file, opts, offset, line_numbers=None):
        self.log_file = log_file
        self.opts = opts
        self.path = log_file.path
        self.main = log_file.is_main
        self.line_numbers = offset == 0 if line_numbers is None else line_numbers
        self.file_server_b = (log_file.server or '').encode('utf-8')
        self.level_ok = dict((name, LEVEL_RANK[name] >= opts.min_rank) for name in LEVEL_NAMES)
        self.names_b = set(n.encode('utf-8') for n in opts.names) if opts.names is not None else None
        self.since = opts.since.encode('ascii') if opts.since else None
        self.until = opts.until.encode('ascii') if opts.until else None
        self.timed = opts.timed
        self.server_cache = {}


def _header_entry(line, ctx, lineno):
    """The entry a prefixed line starts, when it passes the filters or carries a lifecycle event."""
    message = None
    level = None
    mstart = 0
    j = line.find(b']', 26)
    if line[25:26] == b'[' and j > 0 and line[j + 1:j + 3] == b' [':
        k = line.find(b']', j + 3)
        if k > 0:
            level = RAW_LEVELS_B.get(line[j + 3:k])
            if level is not None:
                server_b = line[26:j]
                mstart = k + 2
    if level is None:
        head = _split_header(_text(line))
        if head is None:
            return None
        _ts, server, level, message = head
        server_b = server.encode('utf-8')
    if not server_b:
        server_b = ctx.file_server_b
    if ctx.names_b is not None and server_b not in ctx.names_b:
        return None
    keep = ctx.level_ok[level] and (not ctx.timed or (
        (ctx.since is None or line[:24] >= ctx.since) and (ctx.until is None or line[:24] <= ctx.until)))
    if not keep and not (line.startswith(LIFECYCLE_PREFIXES_B, mstart) if message is None
                         else message.startswith(LIFECYCLE_PREFIXES)):
        return None
    if message is None:
        message = _text(line[mstart:])
    server = ctx.server_cache.get(server_b)
    if server is None:
        server = ctx.server_cache[server_b] = server_b.decode('utf-8', 'replace')
    message, metadata, opened = _split_metadata(message)
    entry = _new_entry(line[:24].decode('ascii', 'replace'), server, level, message, 'log', ctx.path,
                       lineno if ctx.line_numbers else None)
    entry['metadata'] = metadata
    entry['_keep'] = keep
    entry['_open'] = opened or message[-1:] in ('{', '[')
    return entry


def _is_header(line):
    return line.startswith(b'Z ', 23) and line[10] == 84  # 84 == ord('T')


def read_entries(log_file, opts, offset=0):
    """Yield entries of one file, oldest first, that pass the name/time/level filters or carry a
    lifecycle event (entry['_keep'] says which). Streams the file as bytes and decodes only what it
    keeps; read from an offset (tail), line numbers are unknown (None)."""
    prefilter = _prefilter(opts.min_rank)
    log_file.bytes_read = 0  # of this pass: tail reads a file again from further back
    if log_file.is_main and prefilter is not None and not log_file.path.endswith('.gz'):
        return _read_main_prefiltered(log_file, opts, offset, prefilter)
    return _read_lines(log_file, opts, offset, prefilter)


_SCANNERS = {}


def _scanners(min_rank):
    """Two bytes regexes whose matches lie on every prefixed line of mcp.log that can pass min_rank
    or carries a lifecycle event: one for '[server] [level]' lines and lifecycle messages (its
    literal '] ' prefix lets the regex engine skip ahead fast), one for the older '[level] [server]'."""
    if min_rank not in _SCANNERS:
        tokens = '|'.join(sorted(re.escape(k) for k, v in RAW_LEVELS.items() if LEVEL_RANK[v] >= min_rank))
        life = '|'.join(re.escape(p) for p in LIFECYCLE_PREFIXES)
        current = r'\] (?:\[(?i:%s)\] |(?:%s))' % (tokens, life)
        older = r'Z \[(?i:%s)\] ' % tokens
        _SCANNERS[min_rank] = (re.compile(current.encode('ascii')), re.compile(older.encode('ascii')))
    return _SCANNERS[min_rank]


def _header_at(data, pos):
    return data.startswith(b'Z ', pos + 23) and data[pos + 10:pos + 11] == b'T'


def _older_layout(data, pos):
    """True when the line at pos starts '<ts> [<level>] ' (the level-first layout)."""
    if not _header_at(data, pos) or data[pos + 25:pos + 26] != b'[':
        return False
    end = data.find(b'] ', pos + 26, pos + 40)
    return end > 0 and data[pos + 26:end].lower() in RAW_LEVELS_B


def _read_main_prefiltered(log_file, opts, offset, prefilter):
    """mcp.log with a level filter: find the few lines worth parsing with regex scans over big
    chunks (C speed), parse only those, and look up the continuation lines after each of them."""
    ctx = _ReadContext(log_file, opts, offset)
    current, older = _scanners(opts.min_rank)
    cap = opts.max_chars
    limit = opts.line_limit
    carry_limit = 2 * max(READ_CHUNK, limit)
    raw = _open_raw(log_file, offset)
    lineno = 1          # line number at the start of the block
    carry = b''
    first = True
    handover = None     # offset from which the line reader takes over
    try:
        while True:
            chunk = raw.read(READ_CHUNK)
            if first:
                first = False
                if chunk[:3] == b'\xef\xbb\xbf':
                    chunk = chunk[3:]
            final = not chunk
            block = carry + chunk if carry else chunk
            if not block:
                break
            if final:
                carry = b''
            else:
                # Keep the last entry (it may continue in the next chunk) for the next round.
                nl = block.rfind(b'\n')
                while nl >= 0 and not _header_at(block, nl + 1):
                    nl = block.rfind(b'\n', 0, nl)
                cut = nl + 1 if nl >= 0 else 0
                carry = block[cut:]
                block = block[:cut]
                if len(carry) > carry_limit:
                    # One entry longer than the chunks (a huge line or metadata block): the line
                    # reader reads on from its start with bounded lines.
                    handover = raw.tell() - len(carry)
                    carry = b''
                elif not block:
                    continue
            starts = set()
            for match in current.finditer(block):
                starts.add(block.rfind(b'\n', 0, match.start()) + 1)
            # The older layout only shows up around an upgrade; look for it where a block starts or ends.
            if _older_layout(block, 0) or _older_layout(block, block.rfind(b'\n', 0, len(block) - 1) + 1):
                for match in older.finditer(block):
                    starts.add(block.rfind(b'\n', 0, match.start()) + 1)
            size = len(block)
            counted = 0
            for start in sorted(starts):
                if not _header_at(block, start):
                    continue  # the match was inside a continuation line
                lineno += block.count(b'\n', counted, start)
                counted = start
                end = block.find(b'\n', start)
                if end < 0:
                    end = size
                line = block[start:end]
                line_cut = 0
                tail = None
                if end - start > limit:
                    line, line_cut, tail = _cut_line(line.rstrip(b'\r'), limit)
                entry = _header_entry(line, ctx, lineno)
                if entry is None:
                    continue
                cont = _Block(cap)
                pos = end + 1
                while pos < size and not _header_at(block, pos):
                    nxt = block.find(b'\n', pos)
                    if nxt < 0:
                        nxt = size
                    piece = block[pos:nxt]
                    if nxt - pos > limit:
                        piece, piece_cut, _tail = _cut_line(piece.rstrip(b'\r'), limit)
                        line_cut += piece_cut
                    cont.add(_text(piece))
                    pos = nxt + 1
                _finish(entry, cont, entry['metadata'] is not None, line_cut, tail, cap)
                del entry['_open']
                yield entry
            lineno += block.count(b'\n', counted)
            if final or handover is not None:
                break
        if handover is not None:
            _count_read(log_file, raw, offset)
            raw.close()
            yield from _read_lines(log_file, opts, handover, _prefilter(opts.min_rank), lineno,
                                   ctx.line_numbers, offset)
    finally:
        _count_read(log_file, raw, offset)
        raw.close()


def _count_read(log_file, raw, start):
    """bytes_read: how far this pass read, from where it started (a closed file was counted before)."""
    try:
        log_file.bytes_read = max(log_file.bytes_read, raw.tell() - start)
    except (OSError, ValueError):
        pass


def _read_lines(log_file, opts, offset, prefilter, first_lineno=1, line_numbers=None, start=None):
    """Line by line: per-server files (stderr blocks between entries) and unfiltered reads.

    Lines are bounded (_BoundedLines); an entry's cut characters are the difference of lines.cut
    between its header line and the line that ends it. The fast reader hands over to this one at
    `offset` with the line number and the offset its pass started from."""
    ctx = _ReadContext(log_file, opts, offset, line_numbers)
    cap = opts.max_chars
    raw = _open_raw(log_file, offset)
    lines = _BoundedLines(raw, opts.line_limit)
    main = ctx.main
    line_numbers = ctx.line_numbers
    names, min_rank, since, until, timed = opts.names, opts.min_rank, opts.since, opts.until, opts.timed
    cur = None          # entry being built, or None while skipping
    cur_meta = False    # continuation goes to metadata (else to the message)
    cont = None         # continuation lines of cur
    depth = 0           # open brackets of the last entry's metadata: continuation, not stderr
    last_ts = None
    err = None          # stderr block (per-server files), a _Block
    err_line = 0
    err_ts = None
    cur_cut = 0         # lines.cut before cur's header line
    cur_cut_end = None  # lines.cut where cur's lines ended, when stderr followed them
    cur_tail = None
    err_cut = 0
    try:
        for lineno, line in enumerate(lines, first_lineno):
            if prefilter is not None and main and cur is None and prefilter(line) is None:
                continue
            if not _is_header(line):
                # Continuation of the entry before, or (per-server files) the server's stderr.
                if main or depth > 0:
                    if depth > 0:
                        depth += _bytes_depth(line)
                    if cur is not None:
                        cont.add(_text(line))
                    continue
                if err is None:
                    err = _Block(cap, keep_last=True)
                    err.add(_text(line))
                    err_line = lineno
                    err_ts = last_ts.decode('ascii', 'replace') if last_ts else None
                    err_cut = lines.cut - (lines.cut_last if lines.cut_line is line else 0)
                    if cur is not None:
                        cur_cut_end = err_cut  # what is cut from stderr is not cur's
                else:
                    err.add(_text(line))
                continue
            before = lines.cut
            own_cut = before and lines.cut_line is line
            if own_cut:
                before -= lines.cut_last
            # A new prefixed line: finish what came before.
            if cur is not None:
                _finish(cur, cont, cur_meta, (before if cur_cut_end is None else cur_cut_end) - cur_cut,
                        cur_tail, cap)
                del cur['_open']
                yield cur
                cur = None
                cur_cut_end = None
            if err is not None:
                entry = _stderr_entry(err, err_ts, log_file, err_line if line_numbers else None,
                                      before - err_cut, cap)
                err = None
                if entry is not None and _passes(entry, names, min_rank, since, until, timed):
                    entry['_keep'] = True
                    yield entry
            if not main:
                last_ts = line[:24]
            entry = None
            if prefilter is None or prefilter(line) is not None:
                entry = _header_entry(line, ctx, lineno)
            if entry is None:
                depth = 0
                if not main and line.rstrip(b'\r\n')[-1:] in (b'{', b'['):
                    depth = _bytes_depth(line[25:])  # the [server] [level] brackets are balanced
                continue
            cur = entry
            cont = _Block(cap)
            cur_meta = entry['metadata'] is not None
            cur_cut = before
            cur_tail = lines.tail if own_cut else None
            depth = 0
            if not main and entry['_open'] and not own_cut:
                depth = _bracket_depth(entry['message']) + _bracket_depth(entry['metadata'] or '')
        if cur is not None:
            _finish(cur, cont, cur_meta, (lines.cut if cur_cut_end is None else cur_cut_end) - cur_cut,
                    cur_tail, cap)
            del cur['_open']
            yield cur
        if err is not None:
            entry = _stderr_entry(err, err_ts, log_file, err_line if line_numbers else None,
                                  lines.cut - err_cut, cap)
            if entry is not None and _passes(entry, names, min_rank, since, until, timed):
                entry['_keep'] = True
                yield entry
    finally:
        _count_read(log_file, raw, offset if start is None else start)
        raw.close()


def _passes(entry, names, min_rank, since, until, timed):
    if names is not None and entry['server'] not in names:
        return False
    if LEVEL_RANK[entry['level']] < min_rank:
        return False
    if timed:
        ts = entry['timestamp']
        if ts is None or (since is not None and ts < since) or (until is not None and ts > until):
            return False
    return True


# ---------------------------------------------------------------- tail windows

def _file_size(log_file):
    try:
        return os.path.getsize(log_file.path)
    except OSError:
        return 0


def _header_offset(log_file, offset):
    """First byte offset >= offset that starts a timestamped line (0 stays 0)."""
    if offset <= 0:
        return 0
    with open(log_file.path, 'rb') as raw:
        raw.seek(offset - 1)
        _skip_line(raw)  # the rest of the line the cut falls into
        while True:
            pos = raw.tell()
            line = raw.readline(64)  # enough to recognise a timestamp; lines are never read whole
            if not line:
                return pos
            if line[23:25] == b'Z ' and line[10:11] == b'T' and line[4:5] == b'-':
                return pos
            if line[-1:] != b'\n':
                _skip_line(raw)


def _first_timestamp(log_file, offset):
    with open(log_file.path, 'rb') as raw:
        raw.seek(offset)
        probe = raw.read(24)
    try:
        return probe.decode('ascii')
    except UnicodeDecodeError:
        return None
