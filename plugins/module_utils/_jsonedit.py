# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""JSON and JSONC codec (the SPEC-12 codec API for flavors 'json' and 'jsonc'): strict parse, byte-exact edits.

parse(data, path, flavor) -> (value, text): refuses what a client would misread, with file:line:col (it lives in
_jsonparse with the comment/trailing-comma blanking, and is re-exported here so the codec is one module).
apply_ops(text, ops, flavor) -> text: splices only the bytes of the members an operation changes, so comments,
trailing commas, number spellings, escapes, blank lines and key order elsewhere stay byte-identical.
render_new(value, flavor) -> text: a file that does not exist yet (2-space indent, LF, trailing newline).

JSONC is edited on the "blanked" copies _jsonparse makes (comments and trailing commas turned into spaces), so
every offset in a copy is an offset in the original and the C json scanner does the reading. Edits walk only the
objects on an operation's path.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import json.decoder
import math
import re

from ansible_collections.mcpops.mcp.plugins.module_utils._errors import DELETE, ConfigError
# parse, RawFloat, BOM and FLAVORS are re-exported: callers see the whole codec API in this one module.
from ansible_collections.mcpops.mcp.plugins.module_utils._jsonparse import (  # noqa: F401  # pylint: disable=unused-import
    BOM, FLAVORS, STRING_RE, RawFloat, blank, check_flavor, json_type, line_col, parse, reblank_span, scan_value,
    skip_ws,
)

_INDENT_RE = re.compile(r'[ \t]*')
_FIRST_INDENT_RE = re.compile(r'\n([ \t]*)([^ \t\r\n])')

# Walking to a member only needs where each value ends: the hook-free C scanner is 2-3 times faster.
_skip_value = json.JSONDecoder(strict=True).scan_once
_scanstring = json.decoder.scanstring


# --------------------------------------------------------------------------------------------
# Rendering


def _float_text(value):
    raw = getattr(value, 'raw', None)
    if raw is not None:
        return raw
    if math.isnan(value) or math.isinf(value):
        raise ValueError('%r cannot be written to JSON' % value)
    return float.__repr__(value)


def _key_text(key):
    """A key as JSON text: a string as itself; True, None, 1, 1.5 as the strings "true", "null", "1", "1.5"."""
    if isinstance(key, str):
        return json.dumps(key, ensure_ascii=False)
    if key is None or isinstance(key, (int, float)):
        return '"%s"' % _scalar_text(key)
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
    check_flavor(flavor)
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
        self.nocomments, self.blanked = blank(text, flavor, path)
        self.root = skip_ws(self.blanked, 0)
        if self.blanked[self.root:self.root + 1] != '{':
            raise ConfigError('the top level must be a JSON object to be edited.', path,
                              *line_col(text, self.root))
        self.style = _Style(text, self.blanked, self.root)

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
            self.nocomments, self.blanked = reblank_span(self.nocomments, self.blanked, start, end, new)
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
        pos = skip_ws(text, start + 1)
        if text[pos:pos + 1] == '}':
            return members, pos
        try:
            while True:
                if text[pos] != '"':
                    self._fail('invalid JSON: expecting a property name.', pos)
                key, key_end = _scanstring(text, pos + 1, True)
                colon = skip_ws(text, key_end)
                if text[colon] != ':':
                    self._fail("invalid JSON: expecting ':' delimiter.", colon)
                value_pos = skip_ws(text, colon + 1)
                if text[value_pos] == '{' and prefix + (key,) in self.wanted:
                    value_end = self._members(value_pos, prefix + (key,))[1] + 1  # walked later: scan it once
                else:
                    value_end = _skip_value(text, value_pos)[1]
                members.append(_Member(key, pos, key_end, value_pos, value_end))
                pos = skip_ws(text, value_end)
                if text[pos] == ',':
                    pos = skip_ws(text, pos + 1)
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
            comma = skip_ws(self.nocomments, members[0].value_end)
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
                found = json_type(scan_value(self.blanked, member.value_pos)[0])
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
        old, end = scan_value(self.blanked, self.root)
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
        old = scan_value(self.blanked, member.value_pos)[0]
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
        inside = STRING_RE.sub('""', self.blanked[member.value_pos:member.value_end])
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
        after = skip_ws(self.nocomments, last.value_end)
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
        after = skip_ws(nocomments, member.value_end)
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
                comma = skip_ws(nocomments, prev.value_end)  # the separator before it goes too
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
                comma = skip_ws(nocomments, prev.value_end)
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
    check_flavor(flavor)
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
