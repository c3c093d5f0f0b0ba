# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TOML codec (Codex's config.toml and requirements.toml), the SPEC-12 codec API for flavor 'toml'.

parse(data, path, flavor='toml') -> (value, text); apply_ops(text, ops, flavor='toml') -> text;
render_new(value, flavor='toml') -> text. Editing goes through tomlkit, which keeps every comment, blank line and
spelling of the document: only the tables and keys an operation names are touched, and inside a table that stays a
table only the keys whose values change are rewritten (a comment beside an unchanged key survives an update).

New server entries are written the way Codex documents and writes them: one `[mcp_servers.<name>]` table, its
`env` / `http_headers` maps as sub-tables (`[mcp_servers.<name>.env]`). Sources, read 2026-12-04:
https://developers.openai.com/codex/mcp (command, args, env, env_vars, cwd | url, bearer_token_env_var,
http_headers, env_http_headers; the example writes `[mcp_servers.<name>.env]`) and Codex's own writer,
openai/codex codex-rs/config/src/mcp_edit.rs (serialize_mcp_server: env and http_headers as tables).

tomlkit (0.13 or later recommended; older releases work but refuse some edits of tables split across the file) is
pure Python and imported only when a TOML document is handled, so the JSON clients never need it. When
the host lacks it, MissingLibrary('tomlkit') is raised; modules turn it into Ansible's missing_required_lib message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import traceback

from ansible_collections.mcpops.mcp.plugins.module_utils._errors import DELETE, ConfigError

BOM = b'\xef\xbb\xbf'
LIBRARY = 'tomlkit'


class MissingLibrary(ImportError):
    """A Python library this codec needs is not installed on the host. .library names it (for missing_required_lib)."""

    def __init__(self, library, import_traceback=None):
        self.library = library
        self.traceback = import_traceback
        ImportError.__init__(self, 'the Python library %s is required (pip install %s) and is not installed for this '
                                   'interpreter.' % (library, library))


def require_tomlkit():
    """The tomlkit module, or MissingLibrary('tomlkit')."""
    try:
        import tomlkit  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise MissingLibrary(LIBRARY, traceback.format_exc())
    return tomlkit


def has_tomlkit():
    try:
        require_tomlkit()
    except MissingLibrary:
        return False
    return True


def _check_flavor(flavor):
    if flavor != 'toml':
        raise ValueError('_tomledit handles flavor "toml" only, not %r (JSON and JSONC are _jsonedit).' % (flavor,))


def _line_col(text, pos):
    line = text.count('\n', 0, pos) + 1
    return line, pos - (text.rfind('\n', 0, pos) + 1) + 1


# --------------------------------------------------------------------------------------------
# Parse


def parse(data, path=None, flavor='toml'):
    """(value as plain dicts/lists, text) of TOML bytes. Refusals raise ConfigError with file:line:column."""
    _check_flavor(flavor)
    if isinstance(data, str):
        data = data.encode('utf-8')
    if data.startswith(BOM):
        raise ConfigError('the file starts with a UTF-8 byte-order mark; TOML files are read as UTF-8 without one '
                          'and a rewrite would keep or lose it silently. Save it as UTF-8 without BOM.', path, 1, 1)
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as exc:
        line, col = _line_col(data[:exc.start].decode('utf-8', 'replace'), len(data[:exc.start].decode('utf-8', 'replace')))
        raise ConfigError('the file is not valid UTF-8 (TOML must be UTF-8).', path, line, col)
    return _to_plain(_parse_document(text, path)), text


def _parse_document(text, path):
    tomlkit = require_tomlkit()
    from tomlkit.exceptions import ParseError, TOMLKitError  # pylint: disable=import-outside-toplevel
    try:
        return tomlkit.parse(text)
    except ParseError as exc:
        # tomlkit says "<reason> at line L col C" with a 0-based column; ours are 1-based.
        reason = str(exc)
        marker = reason.rfind(' at line ')
        if marker > 0:
            reason = reason[:marker]
        reason = reason.rstrip('.')
        if 'already exists' in reason:
            reason += ' (a duplicate key or table: the document is ambiguous and a rewrite would drop one of them)'
        raise ConfigError('invalid TOML: %s.' % reason, path, exc.line, (exc.col or 0) + 1)
    except (TOMLKitError, ValueError) as exc:
        raise ConfigError('invalid TOML: %s' % exc, path)


def _to_plain(doc):
    value = doc.unwrap() if hasattr(doc, 'unwrap') else _unwrap(doc)
    return value


def _unwrap(item):
    # tomlkit < 0.11 has no unwrap(); its items subclass the Python types.
    if isinstance(item, dict):
        return dict((str(k), _unwrap(v)) for k, v in item.items())
    if isinstance(item, list):
        return [_unwrap(v) for v in item]
    if isinstance(item, bool):
        return bool(item)
    if isinstance(item, int):
        return int(item)
    if isinstance(item, float):
        return float(item)
    if isinstance(item, str):
        return str(item)
    return item


# --------------------------------------------------------------------------------------------
# Edit


def apply_ops(text, ops, flavor='toml', path=None):
    """text with each (key path, value | DELETE) applied; every byte outside the touched tables/keys kept.

    A dict set where a table is keeps that table (and its comments): only keys that differ are rewritten, removed
    or appended. Missing parents are created as (implicit) tables. The result is parsed back and compared with the
    operations applied to the parsed input; a mismatch raises ConfigError instead of returning a wrong document.
    """
    _check_flavor(flavor)
    crlf = '\r\n' in text and text.count('\r\n') == text.count('\n')
    work = text.replace('\r\n', '\n') if crlf else text
    doc = _parse_document(work, path)
    expected = _to_plain(doc)
    for key_path, value in ops:
        key_path = tuple(key_path)
        if not key_path:
            raise ValueError('an edit operation needs a non-empty key path.')
        _check_value(value, key_path, path)
        _apply_plain(expected, key_path, value)
        _apply_item(doc, key_path, value, path)
    out = doc.as_string()
    # Tables set to {} that are still empty after every op (a later op may delete or refill them) must stay present.
    emptied = [tuple(p) for p, v in ops if isinstance(v, dict) and not v and _get(expected, tuple(p)) == {}]
    if not work.endswith('\n\n') and out.endswith('\n\n'):
        out = out.rstrip('\n') + '\n'  # a table removed or appended at the end leaves no blank tail
    if work and not work.endswith('\n') and out.endswith('\n') and out.rstrip('\n') == work:
        out = work
    if crlf:
        out = out.replace('\n', '\r\n')
    result = _to_plain(_parse_document(out.replace('\r\n', '\n') if crlf else out, path))
    if _comparable(result) != _comparable(expected) or any(_get(result, p) != {} for p in emptied):
        raise ConfigError('the edit could not be expressed in this document\'s layout without changing other '
                          'settings (tomlkit %s could not place it; 0.13 or later handles tables split across the '
                          'file); nothing was changed. Edit the file by hand, move the server\'s tables together, or '
                          'upgrade tomlkit.' % getattr(require_tomlkit(), '__version__', '?'), path)
    return out


def _get(data, keys):
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def render_new(value, flavor='toml'):
    """A new TOML file for value (a dict): top-level keys first, then tables; LF, trailing newline."""
    _check_flavor(flavor)
    if not isinstance(value, dict):
        raise ValueError('a TOML document is a table (dict), not %s.' % type(value).__name__)
    ops = [((k,), v) for k, v in value.items() if not isinstance(v, dict)]
    ops += [((k,), v) for k, v in value.items() if isinstance(v, dict)]
    out = apply_ops('', ops)
    return out.lstrip('\n') if out.strip() else ''


def _check_value(value, key_path, path):
    if value is DELETE:
        return
    if value is None:
        raise ConfigError('TOML has no null: %s cannot be set to null; omit the key instead.'
                          % '.'.join(str(k) for k in key_path), path)
    if isinstance(value, dict):
        for key, item in value.items():
            _check_value(item, key_path + (key,), path)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_value(item, key_path + ('[%d]' % index,), path)


def _apply_plain(data, key_path, value):
    node = data
    for key in key_path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    if value is DELETE:
        node.pop(key_path[-1], None)
    else:
        node[key_path[-1]] = copy.deepcopy(_plain_value(value))


def _plain_value(value):
    if isinstance(value, dict):
        return dict((k, _plain_value(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain_value(v) for v in value]
    return value


def _comparable(value):
    """Plain value for the round-trip check: floats by repr (NaN == NaN), tuples as lists, and empty tables
    dropped (an implicit parent table left empty by a removal renders as nothing, which TOML reads as absent)."""
    if isinstance(value, dict):
        out = dict((k, _comparable(v)) for k, v in value.items())
        return dict((k, v) for k, v in out.items() if v != {})
    if isinstance(value, (list, tuple)):
        return [_comparable(v) for v in value]
    if isinstance(value, float):
        return ('float', repr(value))
    return value


def _is_table(item):
    return isinstance(item, dict)


def _is_inline(item):
    tomlkit = require_tomlkit()
    return isinstance(item, tomlkit.items.InlineTable)


def _apply_item(doc, key_path, value, path):
    tomlkit = require_tomlkit()
    node = doc
    for depth, key in enumerate(key_path[:-1]):
        if key in node and _is_table(node[key]):
            node = node[key]
            continue
        if key in node:
            raise ConfigError('%s is %s, not a table; refusing to replace it.'
                              % ('.'.join(str(k) for k in key_path[:depth + 1]), type(node[key]).__name__), path)
        node[key] = tomlkit.inline_table() if _is_inline(node) else tomlkit.table(is_super_table=True)
        node = node[key]
    last = key_path[-1]
    if value is DELETE:
        if last in node:
            _delete(node, last)
        return
    if last in node and _is_table(node[last]) and isinstance(value, dict) and (value or _plain_item(node[last]) == {}):
        _merge(node[last], value)
        return
    if last in node and isinstance(value, dict) and not value and _is_table(node[last]) and not _is_inline(node[last]):
        # An emptied implicit table ([a.b] headers only) would vanish: it becomes an explicit [a] in its place.
        _merge(node[last], value)
        table = node[last]
        if hasattr(table, '_is_super_table') and hasattr(table, 'is_super_table'):
            table._is_super_table = False  # pylint: disable=protected-access
            if not table.is_super_table():
                return
        _delete(node, last)
    if last in node and _plain_value(value) == _plain_item(node[last]):
        return
    added = last not in node
    node[last] = _new_item(value, inline=_is_inline(node))
    if isinstance(value, dict) and not _is_inline(node):
        _tidy(_end_with_blank_line, node[last])
        _tidy(_adopt_trailing_comments, node, last)
    elif added and not _is_inline(node) and node is not doc:
        _tidy(_key_before_trailing_comments, node, last)


def _plain_item(item):
    return item.unwrap() if hasattr(item, 'unwrap') else _unwrap(item)


def _merge(table, value):
    """Make table hold exactly value, rewriting only the keys that differ."""
    inline = _is_inline(table)
    for key, item in _ordered(value):
        if key in table and _is_table(table[key]) and isinstance(item, dict):
            _merge(table[key], item)
        elif key not in table or _plain_item(table[key]) != _plain_value(item):
            added = key not in table
            table[key] = _new_item(item, inline=inline)
            if added and isinstance(item, dict) and not inline:
                _tidy(_end_with_blank_line, table[key])
                _tidy(_adopt_trailing_comments, table, key)
            elif added and not inline:
                _tidy(_key_before_trailing_comments, table, key)
    # Removals last: a removed table's closing comments can then stay with the table now in its place.
    for key in [k for k in table.keys() if k not in value]:
        _delete(table, key)


def _delete(node, key):
    """Remove node[key]; comments that close a removed table (they introduce what follows) stay where it was."""
    tomlkit = require_tomlkit()
    rescued = []
    index = None
    item = node[key]
    if isinstance(item, tomlkit.items.Table):
        try:
            body = _body(_last_table(item))
            start = len(body)
            while start > 0 and body[start - 1][0] is None:
                start -= 1
            comments = [i for i in range(start, len(body)) if _comment_like(body[i][1])]
            rescued = [entry[1] for entry in body[comments[0]:]] if comments else []
            indices = [i for i, (k, _v) in enumerate(_body(node)) if k is not None and k.key == key]
            index = indices[0] if len(indices) == 1 else None
        except (AttributeError, IndexError, KeyError, TypeError):
            rescued = []
    del node[key]
    if rescued and index is not None:
        body = _body(node)
        if index < len(body) and body[index][0] is None and isinstance(body[index][1], tomlkit.items.Null):
            body[index] = (None, tomlkit.items.Whitespace(''.join(c.as_string() for c in rescued)))


def _comment_like(item):
    """A comment line, or comment lines that an earlier removal kept in place as plain text."""
    tomlkit = require_tomlkit()
    if isinstance(item, tomlkit.items.Comment):
        return True
    return isinstance(item, tomlkit.items.Whitespace) and '#' in item.as_string()


def _ordered(value):
    """Plain keys before sub-tables: TOML puts a table's own keys above its sub-table headers."""
    items = list(value.items())
    return [kv for kv in items if not isinstance(kv[1], dict)] + [kv for kv in items if isinstance(kv[1], dict)]


def _new_item(value, inline=False):
    tomlkit = require_tomlkit()
    if isinstance(value, dict):
        table = tomlkit.inline_table() if inline else tomlkit.table()
        for key, item in _ordered(value):
            table[key] = _new_item(item, inline=inline)
        return table
    if isinstance(value, (list, tuple)):
        array = tomlkit.array()
        for item in value:
            array.append(_new_item(item, inline=True) if isinstance(item, dict) else _plain_value(item))
        return array
    return tomlkit.item(value)


def _tidy(function, *args):
    """Layout niceties on tomlkit's internals: when a tomlkit version lays things out differently, skip them (the
    round-trip check in apply_ops still guards the content)."""
    try:
        function(*args)
    except (AttributeError, IndexError, KeyError, TypeError):
        pass


def _key_before_trailing_comments(node, key):
    """A key appended to a table that ends with comments goes above them (they introduce what follows)."""
    container = node if hasattr(node, 'body') else node.value
    body = container.body
    index = [i for i, (k, _item) in enumerate(body) if k is not None and k.key == key]
    if len(index) != 1:
        return
    end = start = index[0]
    while start > 0 and body[start - 1][0] is None:
        start -= 1
    if not any(_comment_like(item) for _k, item in body[start:end]):
        return
    entry = body[end]
    body[start + 1:end + 1] = body[start:end]
    body[start] = entry
    container._map[entry[0]] = start  # pylint: disable=protected-access


def _body(node):
    return node.body if hasattr(node, 'body') else node.value.body


def _last_table(table):
    tomlkit = require_tomlkit()
    while True:
        keyed = [item for key, item in _body(table) if key is not None]
        if not keyed or not isinstance(keyed[-1], tomlkit.items.Table):
            return table
        table = keyed[-1]


def _adopt_trailing_comments(node, key):
    """Comments that end what came before a new table introduce what followed it (`# profiles below`): move them
    below the new table, so they stay right above the table they describe."""
    tomlkit = require_tomlkit()
    body = _body(node)
    index = [i for i, (k, _item) in enumerate(body) if k is not None and k.key == key]
    if not index:
        return
    previous = [item for k, item in body[:index[0]] if k is not None]
    if previous and isinstance(previous[-1], tomlkit.items.Table):
        before = _body(_last_table(previous[-1]))
        end = len(before)
    else:
        before, end = body, index[0]
    start = end
    while start > 0 and before[start - 1][0] is None:
        start -= 1
    comments = [i for i in range(start, end) if _comment_like(before[i][1])]
    if not comments:
        return
    moved = before[comments[0]:end]
    for index in range(comments[0], end):
        before[index] = (None, tomlkit.items.Null())  # as tomlkit removes: indices of later keys stay valid
    if any(isinstance(item, tomlkit.items.Whitespace) and '\n' in item.as_string() for _k, item in before[start:comments[0]]):
        node[key].trivia.indent = ''  # the blank line that was above the comments now separates the tables
    target = _last_table(node[key])
    for _none, item in moved:
        target.add(item)


def _end_with_blank_line(table):
    """A new table followed by another table gets a blank line after it (trimmed again at the end of the file)."""
    tomlkit = require_tomlkit()
    last = table
    while True:
        subtables = [v for v in last.values() if isinstance(v, tomlkit.items.Table)]
        if not subtables:
            break
        last = subtables[-1]
    last.add(tomlkit.nl())
