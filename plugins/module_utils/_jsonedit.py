# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""JSON and JSONC codec (the SPEC-12 codec API for flavors 'json' and 'jsonc'): strict parse, byte-exact edits.

parse(data, path, flavor) -> (value, text): refuses what a client would misread, with file:line:col.
apply_ops(text, ops, flavor) -> text: splices only the bytes of the members an operation changes, so comments,
trailing commas, number spellings, escapes, blank lines and key order elsewhere stay byte-identical.
render_new(value, flavor) -> text: a file that does not exist yet (2-space indent, LF, trailing newline).

JSONC is handled on a "blanked" copy of the text (comments and trailing commas turned into spaces, newlines kept
outside block comments), so every offset in the copy is an offset in the original and the C json scanner does the
parsing. Edits walk only the objects on an operation's path.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import json.decoder
import re

from ansible_collections.mcpops.mcp.plugins.module_utils._errors import DELETE, ConfigError

BOM = b'\xef\xbb\xbf'
FLAVORS = ('json', 'jsonc')

_WS_RE = re.compile(r'[ \t\n\r]*')
_INDENT_RE = re.compile(r'[ \t]*')
_STRING_RE = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_TRAILING_RE = re.compile(r',[ \t\r\n]*[}\]]')
_CONSTANT_RE = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"|(-?(?:NaN|Infinity))')
_FIRST_INDENT_RE = re.compile(r'\n([ \t]*)([^ \t\r\n])')
_LINE_END_RE = re.compile(r'[\r\n]')


# --------------------------------------------------------------------------------------------
# Parsing


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
_scan_once = _DECODER.scan_once
# Walking to a member only needs where each value ends: the hook-free C scanner is 2-3 times faster.
_skip_value = json.JSONDecoder(strict=True).scan_once
_scanstring = json.decoder.scanstring


def _ws(text, pos):
    return _WS_RE.match(text, pos).end()


def line_col(text, pos):
    line = text.count('\n', 0, pos) + 1
    column = pos - (text.rfind('\n', 0, pos) + 1) + 1
    return line, column


def _check_flavor(flavor):
    if flavor not in FLAVORS:
        raise ValueError('unknown JSON flavor %r (expected one of %s)' % (flavor, ', '.join(FLAVORS)))


def _json_type(value):
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
        match = _STRING_RE.match(text, quote)
        if match is None:
            return -1
        if match.end() > pos:
            return match.end()
        i = match.end()


def _blank_comments(text, path=None):
    """text with // and /* */ comments turned into spaces (same length; newlines kept after // comments only)."""
    pieces = []
    last = pos = 0
    while True:
        slash = text.find('/', pos)
        if slash < 0:
            break
        lo = text.rfind('\n', pos, slash) + 1 or pos
        end = _inside_string(text, lo, slash)
        if end == -1:
            break
        if end is not None:
            pos = end
            continue
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
    endpos = min(len(text), _ws(text, hi) + 1)
    found = []
    pos = lo
    while True:
        match = _TRAILING_RE.search(text, pos, endpos)
        if match is None or match.start() >= hi:
            break
        comma = match.start()
        start = text.rfind('\n', pos, comma) + 1 or pos
        end = _inside_string(text, start, comma)
        if end == -1:
            break
        if end is not None:
            pos = end
            continue
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


def _blank(text, flavor, path=None):
    """(comments blanked, comments and trailing commas blanked); both are the text itself for strict JSON."""
    if flavor == 'json':
        return text, text
    no_comments = _blank_comments(text, path)
    return no_comments, _blank_positions(no_comments, _trailing_commas(no_comments))


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
            pos = _ws(text, pos + 1)
            if text[pos] == '}':
                return pos + 1
            while True:
                key, end = _scanstring(text, pos + 1, True)
                if key in seen and second is None:
                    second = pos
                seen.add(key)
                pos = _ws(text, walk(_ws(text, _ws(text, end) + 1)))
                if text[pos] == ',':
                    pos = _ws(text, pos + 1)
                    continue
                if second is not None:
                    raise _Found(second)
                return pos + 1
        if char == '[':
            pos = _ws(text, pos + 1)
            if text[pos] == ']':
                return pos + 1
            while True:
                pos = _ws(text, walk(pos))
                if text[pos] == ',':
                    pos = _ws(text, pos + 1)
                    continue
                return pos + 1
        return _scan_once(text, pos)[1]

    try:
        walk(_ws(text, 0))
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
    _check_flavor(flavor)
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
    blanked = _blank(text, flavor, path)[1]
    start = _ws(blanked, 0)
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
            pos = _ws(blanked, pos + 1)
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
    end = _ws(blanked, end)
    if end != len(blanked):
        raise ConfigError('invalid JSON: extra data after the document.', path, *line_col(text, end))
    if not isinstance(value, dict):
        raise ConfigError('the top level must be a JSON object, found %s.' % _json_type(value), path,
                          *line_col(text, start))
    return value, text


def _bom_message(flavor):
    if flavor == 'json':
        return ('the file starts with a UTF-8 byte-order mark, which Claude cannot read either '
                '(JSON.parse rejects it); save it as UTF-8 without BOM.')
    return 'the file starts with a UTF-8 byte-order mark; save it as UTF-8 without BOM.'


# --------------------------------------------------------------------------------------------
# Rendering


def _float_text(value):
    raw = getattr(value, 'raw', None)
    if raw is not None:
        return raw
    if value != value or value in (float('inf'), float('-inf')):
        raise ValueError('%r cannot be written to JSON' % value)
    return float.__repr__(value)


def _key_text(key):
    if isinstance(key, str):
        return json.dumps(key, ensure_ascii=False)
    if key is True:
        return '"true"'
    if key is False:
        return '"false"'
    if key is None:
        return '"null"'
    if isinstance(key, int):
        return '"%s"' % int.__repr__(key)
    if isinstance(key, float):
        return '"%s"' % _float_text(key)
    raise TypeError('keys must be str, int, float, bool or None, not %s' % type(key).__name__)


def _scalar_text(value):
    if value is None:
        return 'null'
    if value is True:
        return 'true'
    if value is False:
        return 'false'
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float_text(value)
    raise TypeError('Object of type %s is not JSON serializable' % type(value).__name__)


class _Format(object):
    """unit None: compact, on one line."""

    def __init__(self, unit='  ', newline='\n', key_sep=': ', item_sep=', '):
        self.unit = unit
        self.newline = newline
        self.key_sep = key_sep
        self.item_sep = item_sep


def _emit(out, value, indent, fmt):
    if isinstance(value, dict):
        items = list(value.items())
        opener, closer = '{', '}'
    elif isinstance(value, (list, tuple)):
        items = [(None, item) for item in value]
        opener, closer = '[', ']'
    else:
        out.append(_scalar_text(value))
        return
    if not items:
        out.append(opener + closer)
        return
    out.append(opener)
    inner = indent + fmt.unit if fmt.unit is not None else indent
    for number, (key, item) in enumerate(items):
        if fmt.unit is None:
            if number:
                out.append(fmt.item_sep)
        else:
            out.append((',' if number else '') + fmt.newline + inner)
        if opener == '{':
            out.append(_key_text(key) + fmt.key_sep)
        _emit(out, item, inner, fmt)
    if fmt.unit is not None:
        out.append(fmt.newline + indent)
    out.append(closer)


def _render(value, indent, fmt):
    out = []
    _emit(out, value, indent, fmt)
    return ''.join(out)


def render_new(value, flavor='json'):
    """A new file's text: 2-space indent, LF, raw UTF-8, trailing newline (how Claude and VS Code write them)."""
    _check_flavor(flavor)
    return _render(value, '', _Format()) + '\n'


# --------------------------------------------------------------------------------------------
# Editing


def _same(old, new):
    """Equal as JSON data (numbers by value, dict key order ignored): then the file's bytes are kept."""
    if isinstance(old, bool) or isinstance(new, bool):
        return isinstance(old, bool) and isinstance(new, bool) and old == new
    if isinstance(old, dict):
        return (isinstance(new, dict) and len(old) == len(new)
                and all(key in new and _same(value, new[key]) for key, value in old.items()))
    if isinstance(old, list):
        return (isinstance(new, (list, tuple)) and len(old) == len(new)
                and all(_same(a, b) for a, b in zip(old, new)))
    if isinstance(old, str):
        return isinstance(new, str) and old == new
    if old is None:
        return new is None
    if isinstance(old, (int, float)):
        return isinstance(new, (int, float)) and old == new
    return False


def _dict_plan(old, new):
    """Member edits that turn dict old into dict new, or None when new's key order needs a whole rewrite."""
    kept = [key for key in old if key in new]
    added = [key for key in new if key not in old]
    if not kept or list(new) != kept + added:
        return None
    plan = [(key, DELETE) for key in old if key not in new]
    plan.extend((key, new[key]) for key in kept if not _same(old[key], new[key]))
    plan.extend((key, new[key]) for key in added)
    return plan


class _Member(object):
    __slots__ = ('key', 'key_pos', 'key_end', 'value_pos', 'value_end')

    def __init__(self, key, key_pos, key_end, value_pos, value_end):
        self.key = key
        self.key_pos = key_pos
        self.key_end = key_end
        self.value_pos = value_pos
        self.value_end = value_end

    def shifted(self, delta, end_delta):
        return _Member(self.key, self.key_pos + delta, self.key_end + delta, self.value_pos + delta,
                       self.value_end + end_delta)


class _Style(object):
    """What a document looks like: newline, indent unit, separators, whether it is one line."""

    def __init__(self, text, blanked, root):
        first = text.find('\n')
        self.newline = '\r\n' if first > 0 and text[first - 1] == '\r' else '\n'
        body_end = len(blanked.rstrip())
        self.multi = blanked.find('\n', root, body_end) >= 0
        self.unit = '  '
        if self.multi:
            match = _FIRST_INDENT_RE.search(blanked, root)
            if match and match.group(2) not in '}]':
                self.unit = _INDENT_RE.match(text, match.start(1)).group(0)  # a comment before the key is no indent
        sample = blanked[root:root + 65536]
        self.key_sep = ': ' if re.search(r'":\s', sample) or not re.search(r'":\S', sample) else ':'
        spaced = re.search(r'[\]}"\d el],[ \t]+\S', sample)
        tight = re.search(r'[\]}"\d el],[^\s]', sample)
        self.item_sep = ', ' if spaced or (not tight and self.key_sep == ': ') else ','


class _Editor(object):
    """One document being edited; every splice keeps the rest of the text as it is."""

    def __init__(self, text, flavor, path=None):
        self.flavor = flavor
        self.path = path
        self.text = text
        self._cache = {}  # '{' position -> (members, closing brace position), kept valid across splices
        self.wanted = set()  # paths of the objects the operations walk through: scanned once, never skipped
        self._reblank()
        self.root = _ws(self.blanked, 0)
        if self.blanked[self.root:self.root + 1] != '{':
            raise ConfigError('the top level must be a JSON object to be edited.', path,
                              *line_col(text, self.root))
        self.style = _Style(text, self.blanked, self.root)

    def _reblank(self):
        self.nocomments, self.blanked = _blank(self.text, self.flavor, self.path)

    def _reblank_span(self, start, end, new):
        """Update the blanked copies after text[start:end] became new, looking only around the splice.

        A splice starts and ends outside strings and comments (at value, member, line or bracket boundaries), so
        new can be blanked alone; only commas in it, and the last one before it, can change trailing status.
        """
        stop = start + len(new)
        self.nocomments = self.nocomments[:start] + _blank_comments(new) + self.nocomments[end:]
        lo = start
        previous = _last_char(self.nocomments, start)
        if previous >= 0 and self.nocomments[previous] == ',':
            lo = previous
        commas = _trailing_commas(self.nocomments, lo, stop)
        self.blanked = (self.blanked[:lo] + _blank_positions(self.nocomments, commas, lo, stop)
                        + self.blanked[end:])

    def _splice(self, start, end, new, changed=None):
        """Replace text[start:end] with new. changed: the object whose member list this changes (its cache goes).

        Any other splice lies inside one member's value of each object around it, so their cached positions only
        shift; objects inside the replaced span are forgotten.
        """
        delta = len(new) - (end - start)
        self.text = self.text[:start] + new + self.text[end:]
        if self.flavor == 'json':
            self.nocomments = self.blanked = self.text
        else:
            self._reblank_span(start, end, new)
        cache = {}
        for obj, (members, close) in self._cache.items():
            if obj == changed:
                continue
            if close < start:
                cache[obj] = (members, close)
            elif obj >= end:
                cache[obj + delta] = ([member.shifted(delta, delta) for member in members], close + delta)
            elif obj < start and close >= end:
                moved = []
                for member in members:
                    if member.key_pos >= end:
                        member = member.shifted(delta, delta)
                    elif member.value_end >= end:
                        member = member.shifted(0, delta)
                    moved.append(member)
                cache[obj] = (moved, close + delta)
        self._cache = cache

    def _fail(self, message, pos):
        raise ConfigError(message, self.path, *line_col(self.text, pos))

    # -- reading -------------------------------------------------------------------------------

    def _members(self, start, prefix=()):
        """([_Member], position of the closing brace) of the object whose '{' is at start (its path: prefix)."""
        cached = self._cache.get(start)
        if cached is not None:
            return cached
        members, close = self._scan_members(start, prefix)
        self._cache[start] = (members, close)
        return members, close

    def _scan_members(self, start, prefix):
        text = self.blanked
        members = []
        pos = _ws(text, start + 1)
        if text[pos:pos + 1] == '}':
            return members, pos
        try:
            while True:
                if text[pos] != '"':
                    self._fail('invalid JSON: expecting a property name.', pos)
                key, key_end = _scanstring(text, pos + 1, True)
                colon = _ws(text, key_end)
                if text[colon] != ':':
                    self._fail("invalid JSON: expecting ':' delimiter.", colon)
                value_pos = _ws(text, colon + 1)
                if text[value_pos] == '{' and prefix + (key,) in self.wanted:
                    value_end = self._members(value_pos, prefix + (key,))[1] + 1  # walked later: scan it once
                else:
                    value_end = _skip_value(text, value_pos)[1]
                members.append(_Member(key, pos, key_end, value_pos, value_end))
                pos = _ws(text, value_end)
                if text[pos] == ',':
                    pos = _ws(text, pos + 1)
                    continue
                if text[pos] == '}':
                    return members, pos
                self._fail("invalid JSON: expecting ',' delimiter.", pos)
        except (ValueError, StopIteration, IndexError):
            self._fail('invalid JSON: the document does not parse; parse it before editing it.', pos)

    def _multiline(self, start, end):
        return self.blanked.find('\n', start, end) >= 0

    def _line_start(self, pos):
        return self.nocomments.rfind('\n', 0, pos) + 1

    def _indent(self, pos):
        return _INDENT_RE.match(self.text, self._line_start(pos)).group(0)

    def _key_sep(self, members):
        if members:
            member = members[0]
            sep = self.text[member.key_end:member.value_pos]
            if sep == self.blanked[member.key_end:member.value_pos] and '\n' not in sep:
                return sep
        return self.style.key_sep

    def _item_sep(self, members):
        if len(members) >= 2:
            comma = _ws(self.nocomments, members[0].value_end)
            sep = self.text[comma:members[1].key_pos]
            if sep == self.nocomments[comma:members[1].key_pos] and '\n' not in sep:
                return sep
        return self.style.item_sep

    def _compact(self, members):
        return _Format(None, self.style.newline, self._key_sep(members), self._item_sep(members))

    def _block(self, members):
        return _Format(self.style.unit, self.style.newline, self._key_sep(members), ',')

    # -- operations ----------------------------------------------------------------------------

    def apply(self, path, value):
        if not path:
            self._replace_root(value)
            return
        obj = self.root
        context_multi = self.style.multi
        for depth, key in enumerate(path):
            members, close = self._members(obj, path[:depth])
            index = _find(members, key)
            if index is None:
                if value is DELETE:
                    return
                for parent_key in reversed(path[depth + 1:]):
                    value = {parent_key: value}
                self._insert(obj, members, close, key, value, context_multi)
                return
            member = members[index]
            if depth == len(path) - 1:
                if value is DELETE:
                    self._delete(obj, members, close, index)
                else:
                    self._replace(obj, members, close, index, value, path)
                return
            if self.blanked[member.value_pos] != '{':
                if value is DELETE:
                    return
                found = _json_type(_scan_once(self.blanked, member.value_pos)[0])
                self._fail('%s is %s, not an object; cannot set %s in it.'
                           % (json.dumps(key, ensure_ascii=False), found,
                              json.dumps(path[depth + 1], ensure_ascii=False)), member.key_pos)
            context_multi = self._multiline(obj, close)
            obj = member.value_pos

    def _replace_root(self, value):
        if value is DELETE:
            raise ValueError('the document root cannot be deleted')
        if not isinstance(value, dict):
            raise ValueError('the document root must stay an object')
        old, end = _scan_once(self.blanked, self.root)
        if _same(old, value):
            return
        plan = _dict_plan(old, value)
        if plan is not None:
            for key, item in plan:
                self.apply((key,), item)
            return
        members = self._members(self.root)[0]
        fmt = self._block(members) if self.style.multi else self._compact(members)
        self._splice(self.root, end, _render(value, '', fmt), changed=self.root)

    def _replace(self, obj, members, close, index, value, path):
        member = members[index]
        old = _scan_once(self.blanked, member.value_pos)[0]
        if _same(old, value):
            return
        if isinstance(old, dict) and isinstance(value, dict):
            plan = _dict_plan(old, value)
            if plan is not None:
                for key, item in plan:
                    self.apply(tuple(path) + (key,), item)
                return
        if isinstance(old, (dict, list)) and old:
            multi = self._multiline(member.value_pos, member.value_end)
        else:
            multi = self.style.multi and self._multiline(obj, close)
        if multi:
            rendered = _render(value, self._indent(member.key_pos), self._block(members))
        else:
            rendered = _render(value, '', self._inline_format(member, members))
        self._splice(member.value_pos, member.value_end, rendered)

    def _inline_format(self, member, members):
        """Separators for an inline value: those inside the value it replaces, else its object's."""
        fmt = self._compact(members)
        inside = _STRING_RE.sub('""', self.blanked[member.value_pos:member.value_end])
        key_sep = re.search(r'""([ \t]*:[ \t]*)', inside)
        item_sep = re.search(r',[ \t]*', inside)
        return _Format(None, fmt.newline, key_sep.group(1) if key_sep else fmt.key_sep,
                       item_sep.group(0) if item_sep else fmt.item_sep)

    def _insert(self, obj, members, close, key, value, context_multi):
        text, blanked = self.text, self.blanked
        newline = self.style.newline
        multi = self._multiline(obj, close)
        if not members:
            interior_blank = not text[obj + 1:close].strip()
            fmt = self._block(members)
            if self.style.multi and (multi or context_multi):
                outer = self._indent(obj)
                inner = outer + self.style.unit
                member = _key_text(key) + fmt.key_sep + _render(value, inner, fmt)
                if interior_blank:
                    self._splice(obj + 1, close, newline + inner + member + newline + outer, changed=obj)
                else:
                    line = self._line_start(close)
                    if not blanked[line:close].strip():
                        self._splice(line, line, inner + member + newline, changed=obj)
                    else:
                        self._splice(close, close, newline + inner + member + newline + outer, changed=obj)
                return
            fmt = self._compact(members)
            member = _key_text(key) + fmt.key_sep + _render(value, '', fmt)
            if interior_blank:
                self._splice(obj + 1, close, member, changed=obj)
            else:
                self._splice(close, close, member + ' ', changed=obj)
            return
        last = members[-1]
        after = _ws(self.nocomments, last.value_end)
        trailing = self.nocomments[after] == ','
        anchor = after + 1 if trailing else last.value_end
        if multi:
            line = self._line_start(last.key_pos)
            if not blanked[line:last.key_pos].strip():
                indent = self._indent(last.key_pos)
            else:
                indent = self._indent(obj) + self.style.unit
            fmt = self._block(members)
            member = newline + indent + _key_text(key) + fmt.key_sep + _render(value, indent, fmt)
            eol = self.nocomments.find('\n', anchor, close)
            if eol >= 0 and not blanked[anchor:eol].strip():
                if text[eol - 1] == '\r' and eol - 1 >= anchor:
                    eol -= 1
                if trailing:
                    self._splice(eol, eol, member + ',', changed=obj)
                else:
                    self._splice(last.value_end, eol, ',' + text[last.value_end:eol] + member, changed=obj)
            elif trailing:
                self._splice(anchor, anchor, member + ',', changed=obj)
            else:
                self._splice(anchor, anchor, ',' + member, changed=obj)
            return
        fmt = self._compact(members)
        member = _key_text(key) + fmt.key_sep + _render(value, '', fmt)
        if trailing:
            self._splice(anchor, anchor, fmt.item_sep.lstrip(',') + member + ',', changed=obj)
        else:
            self._splice(anchor, anchor, fmt.item_sep + member, changed=obj)

    def _delete(self, obj, members, close, index):
        text, blanked, nocomments = self.text, self.blanked, self.nocomments
        member = members[index]
        prev = members[index - 1] if index else None
        nxt = members[index + 1] if index + 1 < len(members) else None
        after = _ws(nocomments, member.value_end)
        comma_after = nocomments[after] == ','
        end = after + 1 if comma_after else member.value_end
        if len(members) == 1 and not text[obj + 1:member.key_pos].strip() and not text[end:close].strip():
            self._splice(obj + 1, close, '', changed=obj)  # the last member goes: "{}" as JSON.stringify writes it
            return
        line = self._line_start(member.key_pos)
        start = member.key_pos
        while start > line and text[start - 1] in ' \t':
            start -= 1
        eol = nocomments.find('\n', end, close)
        ends_line = eol >= 0 and not blanked[end:eol].strip()
        if ends_line and self._multiline(obj, close) and not blanked[line:member.key_pos].strip():
            # It has its own line(s): they go, with a comment after it; a comment before it on its line stays.
            if start == line:
                cut_start, cut_end = line, eol + 1
            else:
                cut_start, cut_end = start, eol - 1 if text[eol - 1] == '\r' else eol
            if nxt is None and not comma_after and prev is not None:
                comma = _ws(nocomments, prev.value_end)  # the separator before it goes too
                self._splice(comma, cut_end, text[comma + 1:cut_start], changed=obj)
            else:
                self._splice(cut_start, cut_end, '', changed=obj)
        elif nxt is not None:
            if ends_line:
                self._splice(start, end, '', changed=obj)
            else:
                stop = end
                while text[stop] in ' \t':
                    stop += 1
                self._splice(member.key_pos, stop, '', changed=obj)
        elif prev is not None:
            if comma_after:
                self._splice(start, end, '', changed=obj)  # the comma before it becomes the trailing comma
            else:
                comma = _ws(nocomments, prev.value_end)
                between = text[comma + 1:start]
                keep = between if between != blanked[comma + 1:start] else ''  # comments there stay
                self._splice(comma, member.value_end, keep, changed=obj)
        else:
            self._splice(member.key_pos, end, '', changed=obj)


def _normalize(value):
    """value as JSON data: keys as the strings JSON writes (1 -> "1"), tuples as lists; a key clash is refused."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            name = key if isinstance(key, str) else json.loads(_key_text(key))
            if name in result:
                raise ValueError('keys %r collide once written as JSON' % name)
            result[name] = _normalize(item)
        return result
    if isinstance(value, (list, tuple)):
        return [_normalize(item) for item in value]
    return value


def _find(members, key):
    for index, member in enumerate(members):
        if member.key == key:
            return index
    return None


def apply_ops(text, ops, flavor='json', path=None):
    """Apply [(path, value)] to the document text; value DELETE removes the member. Returns the new text.

    Only the bytes of the members an operation touches change. A missing parent is created as an object; deleting
    a missing member is a no-op. The text must have parsed in this flavor (see parse). path only names the file
    in a ConfigError (a key path that runs into a non-object, a document that does not parse).
    """
    _check_flavor(flavor)
    editor = _Editor(text, flavor, path)
    ops = [(tuple(keys), value if value is DELETE else _normalize(value)) for keys, value in ops]
    for keys, _value in ops:
        for depth, key in enumerate(keys):
            if not isinstance(key, str):
                raise TypeError('path keys must be strings, got %r in %r' % (key, keys))
            editor.wanted.add(keys[:depth + 1])
    for keys, value in ops:
        editor.apply(keys, value)
    return editor.text
