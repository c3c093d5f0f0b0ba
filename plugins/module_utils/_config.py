# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure engine for MCP client config documents: parse, validate, apply, render, redact.

No disk access, no processes. Everything here works on bytes and Python objects.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import json.decoder
import json.encoder
import json.scanner
import re

from ansible_collections.mcpops.mcp.plugins.module_utils._redact import (  # pylint: disable=unused-import
    MASK,
    mask_args,
    mask_text,
    looks_secret_key,
)

from ansible_collections.mcpops.mcp.plugins.module_utils._errors import ConfigError  # noqa: F401 (re-exported)

NAME_RE = re.compile(r'^[A-Za-z0-9_-]+$')
BOM = b'\xef\xbb\xbf'


# --------------------------------------------------------------------------------------------
# Parsing


class RawFloat(float):
    """A float that renders back exactly as it was written (1e5 stays 1e5, 1.50 stays 1.50)."""

    def __new__(cls, text):
        obj = float.__new__(cls, text)
        obj.raw = text
        return obj


class _DuplicateKey(Exception):
    def __init__(self, key, obj_start):
        Exception.__init__(self, key)
        self.key = key
        self.obj_start = obj_start


def _reject_constant(name):
    raise ValueError('%s is not valid JSON' % name)


class _StrictDecoder(json.JSONDecoder):
    """json.JSONDecoder that rejects duplicate keys (with their position) and NaN/Infinity."""

    def __init__(self):
        json.JSONDecoder.__init__(self, parse_float=RawFloat, parse_constant=_reject_constant, strict=True)
        self.parse_object = self._parse_object
        # The C scanner ignores parse_object; the pure-Python one calls it, which we need for positions.
        self.scan_once = json.scanner.py_make_scanner(self)

    def _parse_object(self, s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None, _w=None):
        start = s_and_end[1] - 1

        def pairs_hook(pairs):
            result = {}
            for key, value in pairs:
                if key in result:
                    raise _DuplicateKey(key, start)
                result[key] = value
            return result

        kwargs = {}
        if memo is not None:
            kwargs['memo'] = memo
        return json.decoder.JSONObject(s_and_end, strict, scan_once, None, pairs_hook, **kwargs)


def line_col(text, pos):
    line = text.count('\n', 0, pos) + 1
    column = pos - (text.rfind('\n', 0, pos) + 1) + 1
    return line, column


def _object_members(text, obj_start):
    """[(key, key_pos, value_pos)] of the members of the object whose '{' is at obj_start.

    Walks that object's own level only, so a same-named key nested in an earlier value cannot
    mislead an error position. The object must already have parsed.
    """
    scan_once = json.JSONDecoder().scan_once
    members = []
    pos = _skip_ws(text, obj_start + 1)
    while text[pos:pos + 1] == '"':
        key, end = json.decoder.scanstring(text, pos + 1, True)
        value_pos = _skip_ws(text, _skip_ws(text, end) + 1)  # past the ':'
        members.append((key, pos, value_pos))
        end = _skip_ws(text, scan_once(text, value_pos)[1])
        if text[end:end + 1] != ',':
            break
        pos = _skip_ws(text, end + 1)
    return members


def _duplicate_position(text, key, obj_start):
    """Position of the second occurrence of "key" among the members of the object at obj_start."""
    hits = [key_pos for name, key_pos, _value_pos in _object_members(text, obj_start) if name == key]
    return hits[1] if len(hits) >= 2 else obj_start


def _syntax_hint(text, exc):
    pos = exc.pos
    char = text[pos:pos + 1]
    before = text[:pos].rstrip()
    if text[pos:pos + 2] in ('//', '/*') or char == '#':
        return 'comments are not allowed in JSON (Claude reads the file with JSON.parse); remove them.'
    if before.endswith(',') and char in ('}', ']'):
        return 'trailing comma before %r is not allowed in JSON; remove it.' % char
    if not text[pos:].strip():
        return ('the document ends early (a truncated write?); restore the last good copy with '
                'mcpops.mcp.mcp_backup state=restored.')
    return None


def parse_json(data, path=None):
    """Parse config bytes strictly. Returns the decoded value (dicts keep key order)."""
    if data.startswith(BOM):
        raise ConfigError('the file starts with a UTF-8 byte-order mark, which Claude cannot read either '
                          '(JSON.parse rejects it); save it as UTF-8 without BOM.', path, 1, 1)
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as exc:
        line, col = line_col(data[:exc.start].decode('utf-8', 'replace'), exc.start)
        raise ConfigError('the file is not valid UTF-8.', path, line, col)
    if not text.strip():
        raise ConfigError('the file is empty or whitespace only, usually a truncated write.', path, 1, 1,
                          hint='If no program is still writing it, list its backups with mcpops.mcp.mcp_backup_info '
                          'and restore one with mcpops.mcp.mcp_backup state=restored (latest=true picks the newest '
                          'taken from this file).')
    decoder = _StrictDecoder()
    try:
        value, end = decoder.raw_decode(text, _skip_ws(text, 0))
    except _DuplicateKey as exc:
        line, col = line_col(text, _duplicate_position(text, exc.key, exc.obj_start))
        raise ConfigError('duplicate key %s; the document is ambiguous and a rewrite would drop one of them.'
                          % json.dumps(exc.key, ensure_ascii=False), path, line, col)
    except json.JSONDecodeError as exc:
        hint = _syntax_hint(text, exc)
        reason = hint or '%s%s.' % (exc.msg[0].lower(), exc.msg[1:])
        raise ConfigError('invalid JSON: %s' % reason, path, exc.lineno, exc.colno)
    except ValueError as exc:
        match = re.search(r'-?(NaN|Infinity)', text)
        line, col = line_col(text, match.start()) if match else (None, None)
        raise ConfigError('invalid JSON: %s (JSON.parse rejects it).' % exc, path, line, col)
    end = _skip_ws(text, end)
    if end != len(text):
        line, col = line_col(text, end)
        raise ConfigError('invalid JSON: extra data after the document.', path, line, col)
    return value, text


def _skip_ws(text, pos):
    while pos < len(text) and text[pos] in ' \t\r\n':
        pos += 1
    return pos


# --------------------------------------------------------------------------------------------
# Documents


class Style(object):
    """How a document was written, so a rewrite looks the same."""

    def __init__(self, indent='  ', newline='\n', trailing_newline=True, item_sep=',', key_sep=': '):
        self.indent = indent
        self.newline = newline
        self.trailing_newline = trailing_newline
        self.item_sep = item_sep
        self.key_sep = key_sep

    @classmethod
    def detect(cls, text):
        newline = '\r\n' if '\r\n' in text else '\n'
        trailing = text.endswith('\n')
        body = text.strip()
        if '\n' not in body:
            # One-line document: keep it compact.
            key_sep = ': ' if re.search(r'":\s', body) else ':'
            # No comma between items yet (one member per object): follow the key separator's spacing.
            spaced = re.search(r'[\]}"\d el],\s', body)
            tight = re.search(r'[\]}"\d el],\S', body)
            item_sep = ', ' if spaced or (not tight and key_sep == ': ') else ','
            return cls(indent=None, newline=newline, trailing_newline=trailing, item_sep=item_sep, key_sep=key_sep)
        # The first indented line is at depth 1, so its leading whitespace is the indent unit.
        match = re.search(r'\n([ \t]*)\S', body)
        indent = match.group(1) if match else '  '
        key_sep = ': ' if re.search(r'":\s', body) or not re.search(r'":\S', body) else ':'
        return cls(indent=indent, newline=newline, trailing_newline=trailing, key_sep=key_sep)

    def __repr__(self):
        return 'Style(%r, %r, %r)' % (self.indent, self.newline, self.trailing_newline)


def _floatstr(value):
    raw = getattr(value, 'raw', None)
    if raw is not None:
        return raw
    return float.__repr__(value)


def render_json(value, style):
    """Render like the original file: same indent, newline style and trailing newline; raw UTF-8."""
    indent = style.indent if isinstance(style.indent, str) else None
    encoder = json.encoder.py_encode_basestring  # ensure_ascii=False
    iterencode = json.encoder._make_iterencode(
        {}, _default, encoder, indent, _floatstr, style.key_sep, style.item_sep,
        False, False, True)
    text = ''.join(iterencode(value, 0))
    if style.newline != '\n':
        text = text.replace('\n', style.newline)
    if style.trailing_newline:
        text += style.newline
    return text.encode('utf-8')


def _default(obj):
    raise TypeError('Object of type %s is not JSON serializable' % type(obj).__name__)


class ConfigDocument(object):
    """A parsed, validated client config."""

    def __init__(self, data, style, servers_key, raw=None, path=None):
        self.data = data
        self.style = style
        self.servers_key = servers_key
        self.raw = raw
        self.path = path

    def servers(self):
        """name -> entry (the live dict; copy before changing)."""
        return self.data.get(self.servers_key, {})

    def render(self):
        return render_json(self.data, self.style)


def validate_config(data, path=None, servers_key='mcpServers'):
    """Parse and validate config bytes. Returns a ConfigDocument or raises ConfigError.

    A missing servers key is valid (a fresh install has only the client's own keys, or {}).
    """
    value, text = parse_json(data, path)
    if not isinstance(value, dict):
        raise ConfigError('the top level must be a JSON object, found %s.' % _json_type(value), path, *line_col(text, _skip_ws(text, 0)))
    if servers_key in value:
        servers = value[servers_key]
        top = _member_positions(text, _skip_ws(text, 0))
        if not isinstance(servers, dict):
            raise ConfigError('"%s" must be an object of name -> server entry, found %s.'
                              % (servers_key, _json_type(servers)), path, *line_col(text, top[servers_key][0]))
        entries = None
        for name, entry in servers.items():
            if not isinstance(entry, dict):
                entries = entries or _member_positions(text, top[servers_key][1])
                raise ConfigError('server %s must be an object, found %s.'
                                  % (json.dumps(name, ensure_ascii=False), _json_type(entry)), path,
                                  *line_col(text, entries[name][0]))
    return ConfigDocument(value, Style.detect(text), servers_key, raw=data, path=path)


def new_document(servers_key='mcpServers'):
    """What a missing file becomes: {} in Claude's own style (2 spaces, LF, trailing newline)."""
    return ConfigDocument({}, Style(), servers_key)


def _member_positions(text, obj_start):
    """key -> (key_pos, value_pos) for the object at obj_start (keys are unique once parsed)."""
    return dict((key, (key_pos, value_pos)) for key, key_pos, value_pos in _object_members(text, obj_start))


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


# --------------------------------------------------------------------------------------------
# Applying a desired server entry


def validate_name(name, existing=()):
    """A new name must match NAME_RE; a name already in the config (`existing`) is accepted as it is."""
    if not isinstance(name, str) or not (NAME_RE.match(name) or name in existing):
        raise ValueError('Invalid server name %r: use only letters, digits, "_" and "-".' % (name,))
    return name


def build_entry(fields):
    """Desired managed fields -> the entry's managed keys (empty args/env/headers are omitted)."""
    entry = {}
    for key in ('type', 'command', 'args', 'env', 'url', 'headers'):
        value = fields.get(key)
        if value in (None, '', [], {}):
            continue
        entry[key] = value
    return entry


MANAGED_KEYS = ('type', 'command', 'args', 'env', 'url', 'headers')


def _same(current, desired, key):
    have = current.get(key)
    want = desired.get(key)
    if have in (None, [], {}) and want is None:
        return True
    return have == want


def merge_entry(current, desired):
    """Apply desired managed keys to current entry; keep unknown keys and key order."""
    merged = {}
    for key, value in current.items():
        if key in MANAGED_KEYS:
            if key in desired:
                merged[key] = desired[key]
            elif value in ([], {}):
                merged[key] = value  # an existing empty value counts as equal to "omitted"
        else:
            merged[key] = value
    for key in MANAGED_KEYS:
        if key in desired and key not in merged:
            merged[key] = desired[key]
    return merged


def entry_matches(current, desired):
    return all(_same(current, desired, key) for key in MANAGED_KEYS)


def apply_server(doc, name, state, desired=None):
    """Return (new_data, changed) with server `name` present as `desired` or absent.

    new_data is a deep copy; doc.data is never modified. One entry of _entries.apply_entries, which
    holds the logic (and raises EntryProblems, a ValueError, for a new name outside NAME_RE).
    """
    # Imported here: _entries builds on this module.
    from ansible_collections.mcpops.mcp.plugins.module_utils._entries import DeclaredEntry, apply_entries, changed_names
    data, changes = apply_entries(doc, [DeclaredEntry(name, state, desired or {})])
    return data, bool(changed_names(changes))


# --------------------------------------------------------------------------------------------
# Redaction


def redact_entry(entry):
    """A server entry fit for output: env/headers values masked, credentials in args masked."""
    if not isinstance(entry, dict):
        return entry
    out = {}
    for key, value in entry.items():
        if key in ('env', 'headers') and isinstance(value, dict):
            out[key] = dict((k, MASK) for k in value)
        elif key == 'args':
            out[key] = mask_args(value)
        else:
            out[key] = redact_value(key, value)
    return out


def redact_value(key, value):
    """Mask values under secret-looking keys anywhere in a structure, and credentials in other text (URLs, tokens)."""
    if isinstance(value, dict):
        return dict((k, redact_value(k, v)) for k, v in value.items())
    if isinstance(value, list):
        return [redact_value(None, v) for v in value]
    if looks_secret_key(key) and value not in (None, '', True, False):
        return MASK
    return mask_text(value)


def redact_document(data, servers_key):
    """A whole config fit for a diff: every server redacted, secret-looking keys elsewhere masked."""
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        if key == servers_key and isinstance(value, dict):
            out[key] = dict((name, redact_entry(entry)) for name, entry in value.items())
        else:
            out[key] = redact_value(key, value)
    return out


def redacted_text(data, servers_key, style=None):
    if data is None:
        return ''
    return render_json(redact_document(data, servers_key), style or Style()).decode('utf-8')


def summarize_entry(name, entry):
    """The stable, redacted shape mcp_server_info returns for one server."""
    entry = entry if isinstance(entry, dict) else {}
    env = entry.get('env') if isinstance(entry.get('env'), dict) else {}
    red = redact_entry(entry)
    return {
        'name': name,
        'command': red.get('command'),
        'args': red.get('args', []) if isinstance(entry.get('args'), list) else [],
        'env': dict((k, MASK) for k in env),
        'env_keys': sorted(env),
        'url': red.get('url'),
        'type': entry.get('type'),
        'extra': dict((k, v) for k, v in red.items() if k not in MANAGED_KEYS),
    }
