# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading JSON and JSONC: the strict parse of the SPEC-12 codec and the comment/trailing-comma blanking under it.

parse(data, path, flavor) -> (value, text): refuses what a client would misread, with file:line:col.
blank(text, flavor) / reblank_span(...): JSONC with comments and trailing commas turned into spaces (same length,
newlines kept outside block comments), so every offset in the copy is an offset in the original and the C json
scanner does the parsing. _jsonedit edits on these copies and re-exports parse as the codec's entry point.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import json.decoder
import re

from ansible_collections.mcpops.mcp.plugins.module_utils._errors import ConfigError

BOM = b'\xef\xbb\xbf'
FLAVORS = ('json', 'jsonc')

STRING_RE = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_WS_RE = re.compile(r'[ \t\n\r]*')
_TRAILING_RE = re.compile(r',[ \t\r\n]*[}\]]')
_CONSTANT_RE = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"|(-?(?:NaN|Infinity))')
_LINE_END_RE = re.compile(r'[\r\n]')


class RawFloat(float):
    """A float that renders back exactly as it was written (1e5 stays 1e5, 1.50 stays 1.50)."""

    def __new__(cls, text):
        obj = float.__new__(cls, text)
        obj.raw = text
        return obj


class _DuplicateKey(Exception):
    def __init__(self, key):
        Exception.__init__(self, key)
        self.key = key


def _unique_pairs(pairs):
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        for key, _value in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _reject_constant(name):
    raise ValueError('%s is not valid JSON' % name)


# The C scanner (when present) with the strict hooks: duplicates and NaN/Infinity raise, floats keep their spelling.
_DECODER = json.JSONDecoder(object_pairs_hook=_unique_pairs, parse_float=RawFloat, parse_constant=_reject_constant,
                            strict=True)
scan_value = _DECODER.scan_once  # (text, pos) -> (value, end), with the strict hooks
_scanstring = json.decoder.scanstring


def skip_ws(text, pos):
    """Position of the first non-whitespace character at or after pos."""
    return _WS_RE.match(text, pos).end()


def line_col(text, pos):
    line = text.count('\n', 0, pos) + 1
    column = pos - (text.rfind('\n', 0, pos) + 1) + 1
    return line, column


def check_flavor(flavor):
    if flavor not in FLAVORS:
        raise ValueError('unknown JSON flavor %r (expected one of %s)' % (flavor, ', '.join(FLAVORS)))


def json_type(value):
    """What a parsed value is, as a message names it: 'an object', 'a list', ..."""
    if isinstance(value, dict):
        return 'an object'
    if isinstance(value, list):
        return 'a list'
    if isinstance(value, str):
        return 'a string'
    if isinstance(value, bool):
        return 'a boolean'
    if value is None:
        return 'null'
    return 'a number'


# --------------------------------------------------------------------------------------------
# Blanking comments and trailing commas (JSONC)


def _inside_string(text, lo, pos):
    """End of the string that contains pos, or None when pos is outside strings.

    lo must be outside any string or comment, with no comment between lo and pos. Raw newlines cannot be inside a
    JSON string, so a line start is always such a point. -1 when a string there never ends (the parser reports it).
    """
    i = lo
    while True:
        quote = text.find('"', i, pos)
        if quote < 0:
            return None
        match = STRING_RE.match(text, quote)
        if match is None:
            return -1
        if match.end() > pos:
            return match.end()
        i = match.end()


def _find_outside_strings(text, find, pos):
    """The first position find(pos) gives that is outside strings, or -1 (none, or a string that never ends).

    find(pos): the next candidate at or after pos, or -1. pos must be outside any string or comment, with no
    comment between pos and the candidates.
    """
    while True:
        hit = find(pos)
        if hit < 0:
            return -1
        end = _inside_string(text, text.rfind('\n', pos, hit) + 1 or pos, hit)
        if end is None:
            return hit
        if end == -1:
            return -1
        pos = end


def _blank_comments(text, path=None):
    """text with // and /* */ comments turned into spaces (same length; newlines kept after // comments only)."""
    pieces = []
    last = pos = 0
    while True:
        slash = _find_outside_strings(text, lambda at: text.find('/', at), pos)
        if slash < 0:
            break
        following = text[slash + 1:slash + 2]
        if following == '/':
            end = _LINE_END_RE.search(text, slash + 2)
            end = end.start() if end else len(text)
        elif following == '*':
            end = text.find('*/', slash + 2)
            if end < 0:
                raise ConfigError('invalid JSONC: a /* comment is never closed.', path, *line_col(text, slash))
            end += 2
        else:
            pos = slash + 1  # a stray slash: the parser reports it
            continue
        pieces.append(text[last:slash])
        pieces.append(' ' * (end - slash))
        last = pos = end
    if not pieces:
        return text
    pieces.append(text[last:])
    return ''.join(pieces)


def _trailing_commas(text, lo=0, hi=None):
    """Positions in [lo, hi) of the commas that directly precede a closing bracket (text: comments blanked).

    lo must be outside any string. The check looks past hi for the bracket and before lo for the value.
    """
    hi = len(text) if hi is None else hi
    endpos = min(len(text), skip_ws(text, hi) + 1)

    def find(at):
        match = _TRAILING_RE.search(text, at, endpos)
        return -1 if match is None or match.start() >= hi else match.start()

    found = []
    pos = lo
    while True:
        comma = _find_outside_strings(text, find, pos)
        if comma < 0:
            break
        pos = comma + 1
        previous = _last_char(text, comma)
        if previous < 0 or text[previous] in '[{,':
            continue  # "[,]" or ",,]": not a trailing comma, the parser refuses it
        found.append(comma)
    return found


def _last_char(text, pos):
    """Position of the last non-whitespace character before pos, or -1."""
    while pos > 0:
        low = max(0, pos - 256)
        chunk = text[low:pos].rstrip(' \t\r\n')
        if chunk:
            return low + len(chunk) - 1
        pos = low
    return -1


def _blank_positions(text, positions, lo=0, hi=None):
    """text[lo:hi] with the characters at positions (sorted, inside [lo, hi)) turned into spaces."""
    hi = len(text) if hi is None else hi
    pieces = []
    last = lo
    for pos in positions:
        pieces.append(text[last:pos])
        pieces.append(' ')
        last = pos + 1
    if not pieces:
        return text if (lo, hi) == (0, len(text)) else text[lo:hi]
    pieces.append(text[last:hi])
    return ''.join(pieces)


def blank(text, flavor, path=None):
    """(comments blanked, comments and trailing commas blanked); both are the text itself for strict JSON."""
    if flavor == 'json':
        return text, text
    no_comments = _blank_comments(text, path)
    return no_comments, _blank_positions(no_comments, _trailing_commas(no_comments))


def reblank_span(nocomments, blanked, start, end, new):
    """blank()'s two JSONC copies after text[start:end] became new, looking only around the splice.

    A splice starts and ends outside strings and comments (at value, member, line or bracket boundaries), so
    new can be blanked alone; only commas in it, and the last one before it, can change trailing status.
    """
    stop = start + len(new)
    nocomments = nocomments[:start] + _blank_comments(new) + nocomments[end:]
    lo = start
    previous = _last_char(nocomments, start)
    if previous >= 0 and nocomments[previous] == ',':
        lo = previous
    commas = _trailing_commas(nocomments, lo, stop)
    return nocomments, blanked[:lo] + _blank_positions(nocomments, commas, lo, stop) + blanked[end:]


# --------------------------------------------------------------------------------------------
# Parsing


def _syntax_hint(text, pos, flavor):
    char = text[pos:pos + 1]
    before = text[:pos].rstrip()
    if flavor == 'json' and (text[pos:pos + 2] in ('//', '/*') or char == '#'):
        return 'comments are not allowed in JSON (Claude reads the file with JSON.parse); remove them.'
    if before.endswith(',') and char in ('}', ']'):
        return 'trailing comma before %r is not allowed in JSON; remove it.' % char
    if not text[pos:].strip():
        return ('the document ends early (a truncated write?); restore the last good copy with '
                'mcpops.mcp.mcp_backup state=restored.')
    return None


def _duplicate_position(text, pos):
    """Key position of the duplicate the C parser refused: the second occurrence, in the object that closes first."""

    def walk(pos):
        char = text[pos]
        if char == '{':
            seen = set()
            second = None
            pos = skip_ws(text, pos + 1)
            if text[pos] == '}':
                return pos + 1
            while True:
                key, end = _scanstring(text, pos + 1, True)
                if key in seen and second is None:
                    second = pos
                seen.add(key)
                pos = skip_ws(text, walk(skip_ws(text, skip_ws(text, end) + 1)))
                if text[pos] == ',':
                    pos = skip_ws(text, pos + 1)
                    continue
                if second is not None:
                    raise _Found(second)
                return pos + 1
        if char == '[':
            pos = skip_ws(text, pos + 1)
            if text[pos] == ']':
                return pos + 1
            while True:
                pos = skip_ws(text, walk(pos))
                if text[pos] == ',':
                    pos = skip_ws(text, pos + 1)
                    continue
                return pos + 1
        return scan_value(text, pos)[1]

    try:
        walk(skip_ws(text, 0))
    except _Found as found:
        return found.pos
    except (ValueError, IndexError, StopIteration, RecursionError):
        pass
    return None


class _Found(Exception):
    def __init__(self, pos):
        Exception.__init__(self, pos)
        self.pos = pos


def parse(data, path=None, flavor='json'):
    """Parse a config's bytes. Returns (value, text); dicts keep key order, floats are RawFloat.

    flavor 'json' is strict (what JSON.parse reads); 'jsonc' also takes // and /* */ comments and trailing commas.
    Both refuse a byte-order mark, invalid UTF-8, an empty file, duplicate keys, NaN/Infinity, extra data and a
    top level that is not an object, raising ConfigError with file:line:col.
    """
    check_flavor(flavor)
    if isinstance(data, bytes):
        if data.startswith(BOM):
            raise ConfigError(_bom_message(flavor), path, 1, 1)
        try:
            text = data.decode('utf-8')
        except UnicodeDecodeError as exc:
            before = data[:exc.start].decode('utf-8', 'replace')
            line, col = line_col(before, len(before))
            raise ConfigError('the file is not valid UTF-8.', path, line, col)
    else:
        text = data
        if text.startswith(u'\ufeff'):
            raise ConfigError(_bom_message(flavor), path, 1, 1)
    if not text.strip():
        raise ConfigError('the file is empty or whitespace only, usually a truncated write.', path, 1, 1,
                          hint='If no program is still writing it, list its backups with mcpops.mcp.mcp_backup_info '
                          'and restore one with mcpops.mcp.mcp_backup state=restored (latest=true picks the newest '
                          'taken from this file).')
    blanked = blank(text, flavor, path)[1]
    start = skip_ws(blanked, 0)
    if start == len(blanked):
        raise ConfigError('the file holds only comments, no JSON object.', path, 1, 1)
    try:
        value, end = _DECODER.raw_decode(blanked, start)
    except _DuplicateKey as exc:
        pos = _duplicate_position(blanked, start)
        line, col = line_col(text, pos) if pos is not None else (None, None)
        raise ConfigError('duplicate key %s; the document is ambiguous and a rewrite would drop one of them.'
                          % json.dumps(exc.key, ensure_ascii=False), path, line, col)
    except json.JSONDecodeError as exc:
        pos = exc.pos
        if exc.msg.startswith('Illegal trailing comma'):  # Python 3.13+ points at the comma; keep the bracket
            pos = skip_ws(blanked, pos + 1)
        hint = _syntax_hint(blanked, pos, flavor)
        reason = hint or '%s%s.' % (exc.msg[0].lower(), exc.msg[1:])
        raise ConfigError('invalid JSON: %s' % reason, path, *line_col(text, pos))
    except RecursionError:
        raise ConfigError('invalid JSON: the document is nested too deeply to read safely.', path)
    except ValueError as exc:
        if 'is not valid JSON' not in str(exc):
            raise ConfigError('invalid JSON: %s.' % str(exc).rstrip('.'), path)
        line = col = None
        for match in _CONSTANT_RE.finditer(blanked):
            if match.group(1):
                line, col = line_col(text, match.start(1))
                break
        raise ConfigError('invalid JSON: %s (JSON.parse rejects it).' % exc, path, line, col)
    end = skip_ws(blanked, end)
    if end != len(blanked):
        raise ConfigError('invalid JSON: extra data after the document.', path, *line_col(text, end))
    if not isinstance(value, dict):
        raise ConfigError('the top level must be a JSON object, found %s.' % json_type(value), path,
                          *line_col(text, start))
    return value, text


def _bom_message(flavor):
    if flavor == 'json':
        return ('the file starts with a UTF-8 byte-order mark, which Claude cannot read either '
                '(JSON.parse rejects it); save it as UTF-8 without BOM.')
    return 'the file starts with a UTF-8 byte-order mark; save it as UTF-8 without BOM.'
