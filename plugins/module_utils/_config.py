# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure engine for MCP client config documents: parse, validate, edit by splicing, render, redact.

No disk access, no processes. Everything here works on bytes and Python objects. A document knows its layout
(the codec flavor 'json', 'jsonc' or 'toml' and the key path to its servers object); parsing and editing go
through the codec of that flavor (_jsonedit for JSON/JSONC, _tomledit for TOML): an edit is a list of
operations (key path, value or DELETE) spliced into the original text, so every other byte stays as it was.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import json.decoder
import json.encoder
import re

from ansible_collections.mcpops.mcp.plugins.module_utils._redact import (  # pylint: disable=unused-import
    MASK,
    mask_args,
    mask_text,
    looks_secret_key,
)

from ansible_collections.mcpops.mcp.plugins.module_utils._errors import DELETE, ConfigError  # noqa: F401 (re-exported)
from ansible_collections.mcpops.mcp.plugins.module_utils._jsonparse import RawFloat, line_col  # noqa: F401 pylint: disable=unused-import
from ansible_collections.mcpops.mcp.plugins.module_utils._jsonparse import json_type as _json_type

NAME_RE = re.compile(r'^[A-Za-z0-9_-]+$')
BOM = b'\xef\xbb\xbf'


# --------------------------------------------------------------------------------------------
# Parsing


def _object_members(text, obj_start, comments=False):
    """[(key, key_pos, value_pos)] of the members of the object whose '{' is at obj_start.

    Walks that object's own level only, so a same-named key nested in an earlier value cannot
    mislead an error position. The object must already have parsed (comments: JSONC).
    """
    members = []
    pos = _skip_ws(text, obj_start + 1, comments)
    while text[pos:pos + 1] == '"':
        key, end = json.decoder.scanstring(text, pos + 1, False)
        value_pos = _skip_ws(text, _skip_ws(text, end, comments) + 1, comments)  # past the ':'
        members.append((key, pos, value_pos))
        end = _skip_ws(text, _skip_value(text, value_pos, comments), comments)
        if text[end:end + 1] != ',':
            break
        pos = _skip_ws(text, end + 1, comments)
    return members


def _skip_value(text, pos, comments=False):
    """End of the (already parsed) JSON value at pos: strings, brackets and JSONC comments walked over."""
    char = text[pos:pos + 1]
    if char == '"':
        return json.decoder.scanstring(text, pos + 1, False)[1]
    if char in ('{', '['):
        depth = 0
        while pos < len(text):
            char = text[pos]
            if char == '"':
                pos = json.decoder.scanstring(text, pos + 1, False)[1]
                continue
            if comments and text[pos:pos + 2] in ('//', '/*'):
                pos = _skip_ws(text, pos, comments)
                continue
            if char in '{[':
                depth += 1
            elif char in '}]':
                depth -= 1
                if depth == 0:
                    return pos + 1
            pos += 1
        return pos
    while pos < len(text) and text[pos] not in ',}] \t\r\n/':
        pos += 1
    return pos


def _skip_ws(text, pos, comments=False):
    """Past whitespace (and, with comments, JSONC // and /* */ comments)."""
    while pos < len(text):
        char = text[pos]
        if char in ' \t\r\n':
            pos += 1
        elif comments and text.startswith('//', pos):
            end = text.find('\n', pos)
            pos = len(text) if end < 0 else end + 1
        elif comments and text.startswith('/*', pos):
            end = text.find('*/', pos + 2)
            pos = len(text) if end < 0 else end + 2
        else:
            break
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


FLAVORS = ('json', 'jsonc', 'toml')


class Layout(object):
    """Where a client keeps its servers: the codec flavor of the file and the key path to the servers object.

    servers_path is a tuple of keys from the document root, ('mcpServers',) or nested like
    ('projects', '/home/alice/project', 'mcpServers'); None for a file without servers (policy drop-ins).
    """

    def __init__(self, flavor='json', servers_path=('mcpServers',)):
        if flavor not in FLAVORS:
            raise ValueError('Unknown config format %r; known: %s.' % (flavor, ', '.join(FLAVORS)))
        self.flavor = flavor
        self.servers_path = tuple(servers_path) if servers_path is not None else None

    @property
    def servers_key(self):
        """The last key of servers_path (the key that holds the servers), or None."""
        return self.servers_path[-1] if self.servers_path else None

    def __eq__(self, other):
        return isinstance(other, Layout) and (self.flavor, self.servers_path) == (other.flavor, other.servers_path)

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return 'Layout(%r, %r)' % (self.flavor, self.servers_path)


def as_layout(value, flavor=None):
    """A Layout from a Layout, a servers key (str), a servers path (tuple) or None (no servers); flavor overrides."""
    if isinstance(value, Layout):
        layout = value
    elif value is None:
        layout = Layout('json', None)
    elif isinstance(value, str):
        layout = Layout('json', (value,))
    else:
        layout = Layout('json', tuple(value))
    if flavor and flavor != layout.flavor:
        layout = Layout(flavor, layout.servers_path)
    return layout


def codec(flavor):
    """The codec module of a flavor: _jsonedit for 'json'/'jsonc', _tomledit for 'toml' (tomlkit imported lazily)."""
    if flavor == 'toml':
        from ansible_collections.mcpops.mcp.plugins.module_utils import _tomledit
        return _tomledit
    from ansible_collections.mcpops.mcp.plugins.module_utils import _jsonedit
    return _jsonedit


def path_text(keys):
    """How a key path reads in a message: "mcpServers", or "projects" > "/home/u/p" > "mcpServers"."""
    return ' > '.join(json.dumps(key, ensure_ascii=False) for key in keys)


def get_path(data, keys, default=None):
    """The value at keys below data, or default when a key is missing or a parent is not an object."""
    node = data
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


class ConfigDocument(object):
    """A parsed, validated client config: its data, its layout, and its text (the base of every splice)."""

    def __init__(self, data, style, servers_key='mcpServers', raw=None, path=None, text=None, flavor=None):
        self.data = data
        self.style = style
        self.layout = as_layout(servers_key, flavor)
        self.raw = raw
        self.path = path
        self.text = text

    @property
    def servers_key(self):
        return self.layout.servers_key

    @property
    def servers_path(self):
        return self.layout.servers_path

    @property
    def flavor(self):
        return self.layout.flavor

    def servers(self):
        """name -> entry (the live dict; copy before changing); {} when the file has none."""
        if not self.layout.servers_path:
            return {}
        servers = get_path(self.data, self.layout.servers_path, {})
        return servers if isinstance(servers, dict) else {}

    def render(self):
        """The whole document rendered anew (JSON in the file's style; TOML through its codec)."""
        if self.flavor == 'toml':
            return codec('toml').render_new(self.data, 'toml').encode('utf-8')
        return render_json(self.data, self.style)

    def edit(self, ops):
        """Bytes of the document with ops applied: spliced into the original text (a new file: rendered anew)."""
        impl = codec(self.flavor)
        if self.text is None:
            return impl.render_new(apply_ops_to_data(self.data, ops), self.flavor).encode('utf-8')
        if not ops:
            return self.raw if self.raw is not None else self.text.encode('utf-8')
        return impl.apply_ops(self.text, list(ops), self.flavor).encode('utf-8')


def validate_config(data, path=None, servers_key='mcpServers', flavor=None):
    """Parse and validate config bytes. Returns a ConfigDocument or raises ConfigError.

    servers_key: a Layout, a servers key, a servers path (tuple) or None. The bytes are parsed by the
    codec of the layout's flavor; the object at the servers path and every parent on the way must be
    objects (tables), and every entry an object. A missing servers object (or parent) is valid: a fresh
    install has only the client's own keys, or {}.
    """
    layout = as_layout(servers_key, flavor)
    value, text = codec(layout.flavor).parse(data, path, layout.flavor)
    comments = layout.flavor == 'jsonc'
    positions = layout.flavor != 'toml'
    kind = 'a TOML table' if layout.flavor == 'toml' else 'a JSON object'
    if not isinstance(value, dict):
        where = line_col(text, _skip_ws(text, 0, comments)) if positions else (None, None)
        raise ConfigError('the top level must be %s, found %s.' % (kind, _json_type(value)), path, *where)
    if layout.servers_path:
        _check_servers(value, text, layout, path, comments if positions else None)
    return ConfigDocument(value, Style.detect(text) if positions else Style(), layout, raw=data, path=path, text=text)


def _check_servers(value, text, layout, path, comments):
    """ConfigError unless each parent on the servers path, the servers object and each entry is an object.

    Positions are worked out only for the refusal (walking a large file's text costs more than parsing it)."""
    keys = layout.servers_path
    node = value
    for depth, key in enumerate(keys):
        if not isinstance(node, dict) or key not in node:
            return
        child = node[key]
        if not isinstance(child, dict):
            where = _key_position(text, keys[:depth + 1], comments)
            if depth == len(keys) - 1:
                raise ConfigError('%s must be an object of name -> server entry, found %s.'
                                  % (path_text(keys), _json_type(child)), path, *where)
            raise ConfigError('%s must be an object (it holds %s), found %s.'
                              % (path_text(keys[:depth + 1]), path_text(keys), _json_type(child)), path, *where)
        node = child
    for name, entry in node.items():
        if not isinstance(entry, dict):
            raise ConfigError('server %s must be an object, found %s.'
                              % (json.dumps(name, ensure_ascii=False), _json_type(entry)), path,
                              *_key_position(text, tuple(keys) + (name,), comments))


def _key_position(text, keys, comments):
    """(line, column) of the last key of keys (a path from the root), or (None, None) without positions (TOML)."""
    if comments is None:
        return None, None
    obj_start = _skip_ws(text, 0, comments)
    key_pos = obj_start
    for key in keys:
        key_pos, obj_start = _member_positions(text, obj_start, comments)[key]
    return line_col(text, key_pos)


def new_document(servers_key='mcpServers', flavor=None):
    """What a missing file becomes: {} (written by the codec's render_new: 2 spaces, LF, trailing newline)."""
    return ConfigDocument({}, Style(), servers_key, flavor=flavor)


def _member_positions(text, obj_start, comments=False):
    """key -> (key_pos, value_pos) for the object at obj_start (keys are unique once parsed)."""
    return dict((key, (key_pos, value_pos)) for key, key_pos, value_pos in _object_members(text, obj_start, comments))


# --------------------------------------------------------------------------------------------
# Edit operations: (key path, value or DELETE)


class Ops(list):
    """Edit operations a transform returns instead of new data: [(key path tuple, value or DELETE)]."""


def apply_ops_to_data(data, ops):
    """data with ops applied (what parsing the spliced text must give); missing parents are created.

    data is not modified: the objects along each edited path are copied, the rest is shared with data
    (a large file costs no deep copy), so treat the result as read-only."""
    result = dict(data)
    copied = set([()])
    for keys, value in ops:
        node = result
        for depth, key in enumerate(keys[:-1]):
            prefix = tuple(keys[:depth + 1])
            child = node.get(key)
            if not isinstance(child, dict):
                child = {}
            elif prefix not in copied:
                child = dict(child)
            copied.add(prefix)
            node[key] = child
            node = child
        if value is DELETE:
            node.pop(keys[-1], None)
        else:
            node[keys[-1]] = copy.deepcopy(value)
    return result


def _same_json_walk(one, other):
    if isinstance(one, bool) or isinstance(other, bool):
        return isinstance(one, bool) and isinstance(other, bool) and one == other
    if isinstance(one, dict):
        return isinstance(other, dict) and set(one) == set(other) and all(_same_json_walk(one[k], other[k]) for k in one)
    if isinstance(one, (list, tuple)):
        return (isinstance(other, (list, tuple)) and len(one) == len(other)
                and all(_same_json_walk(a, b) for a, b in zip(one, other)))
    for kind in (float, int, str):
        if isinstance(one, kind) or isinstance(other, kind):
            return isinstance(one, kind) and isinstance(other, kind) and one == other
    return one == other


def same_json(one, other):
    """Equal as JSON: 1, 1.0 and true differ (Python's == says they are equal); key order does not count."""
    try:  # the C encoder: fast on a large file
        return (json.dumps(one, sort_keys=True, ensure_ascii=False, allow_nan=False)
                == json.dumps(other, sort_keys=True, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError):  # keys that do not sort, values JSON has no spelling for
        return _same_json_walk(one, other)


def diff_ops(old, new, prefix=()):
    """Operations that turn the object old into new, member by member (objects recursed, anything else replaced)."""
    ops = []
    for key in old:
        if key not in new:
            ops.append((prefix + (key,), DELETE))
    for key, value in new.items():
        if key not in old:
            ops.append((prefix + (key,), value))
        elif same_json(old[key], value):
            continue
        elif isinstance(old[key], dict) and isinstance(value, dict):
            ops.extend(diff_ops(old[key], value, prefix + (key,)))
        else:
            ops.append((prefix + (key,), value))
    return ops


# --------------------------------------------------------------------------------------------
# Applying a desired server entry


def validate_name(name, existing=()):
    """A new name must match NAME_RE; a name already in the config (`existing`) is accepted as it is."""
    if not isinstance(name, str) or not (NAME_RE.match(name) or name in existing):
        raise ValueError('Invalid server name %r: use only letters, digits, "_" and "-".' % (name,))
    return name


CANONICAL_FIELDS = ('type', 'command', 'args', 'env', 'cwd', 'url', 'headers')


def build_entry(fields):
    """Desired managed fields -> the canonical entry (empty args/env/headers are omitted)."""
    entry = {}
    for key in CANONICAL_FIELDS:
        value = fields.get(key)
        if value in (None, '', [], {}):
            continue
        entry[key] = value
    return entry


MANAGED_KEYS = CANONICAL_FIELDS


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


# Maps in an entry whose every value is masked (Codex spells headers http_headers).
SECRET_MAPS = ('env', 'headers', 'http_headers')


def redact_entry(entry):
    """A server entry fit for output: env/headers values masked, credentials in args masked."""
    if not isinstance(entry, dict):
        return entry
    out = {}
    for key, value in entry.items():
        if key in SECRET_MAPS and isinstance(value, dict):
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
    """A whole config fit for a diff: every server (at the layout's servers path) redacted, secret-looking keys
    elsewhere masked. servers_key: a Layout, a servers key or a servers path."""
    if not isinstance(data, dict):
        return data
    keys = as_layout(servers_key).servers_path or ()
    return _redact_along(data, keys)


def _redact_along(data, keys):
    out = {}
    for key, value in data.items():
        if keys and key == keys[0] and isinstance(value, dict):
            if len(keys) == 1:
                out[key] = dict((name, redact_entry(entry)) for name, entry in value.items())
            else:
                out[key] = _redact_along(value, keys[1:])
        else:
            out[key] = redact_value(key, value)
    return out


def redacted_text(data, servers_key, style=None):
    """The redacted document as text for a diff: JSON in the file's style, TOML through its codec."""
    if data is None:
        return ''
    layout = as_layout(servers_key)
    redacted = redact_document(data, layout)
    if layout.flavor == 'toml':
        return codec('toml').render_new(redacted, 'toml')
    return render_json(redacted, style or Style()).decode('utf-8')


def summarize_entry(name, entry, client=None):
    """The stable, redacted shape mcp_server_info returns for one server.

    With client (a row of the client table), the entry is read in that client's spelling (Windsurf's serverUrl,
    Codex's http_headers, ...); extra holds the keys the collection does not manage.
    """
    entry = entry if isinstance(entry, dict) else {}
    managed = MANAGED_KEYS
    canonical = entry
    if client is not None:
        from ansible_collections.mcpops.mcp.plugins.module_utils import _clients
        if hasattr(_clients, 'from_native') and 'fields' in client:
            # The client's spelling first; a canonical key the client does not read (a url in Claude Desktop's
            # file) is still reported as what it is, never as an unknown key.
            canonical = _clients.from_native(client, entry)
            for key in MANAGED_KEYS:
                if key not in canonical and entry.get(key) not in (None, '', [], {}):
                    canonical[key] = entry[key]
            managed = tuple(_clients.managed_keys(client)) + MANAGED_KEYS
    env = canonical.get('env') if isinstance(canonical.get('env'), dict) else {}
    red = redact_entry(canonical)
    extra = redact_entry(dict((k, v) for k, v in entry.items() if k not in managed))
    return {
        'name': name,
        'command': red.get('command'),
        'args': red.get('args', []) if isinstance(canonical.get('args'), list) else [],
        'env': dict((k, MASK) for k in env),
        'env_keys': sorted(env),
        'cwd': red.get('cwd'),
        'url': red.get('url'),
        'type': canonical.get('type'),
        'extra': extra,
    }
