# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Declared server entries -> validated desired entries: the one entry engine of mcp_server and mcp_servers.

Pure (the command lookup is passed in). A declared entry is a dict with the keys of mcp_server's options
(name, state, command, args, env, secret_env, cwd, url, type, headers). Every problem of every entry is
collected, so a module can report them all at once before it writes anything. What a client accepts (fields,
type values, names) and how it spells an entry come from its row in the client table (_clients): desired
entries are canonical here and become the client's native shape only as edit operations (entry_ops).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.mcpops.mcp.plugins.module_utils import _clients
from ansible_collections.mcpops.mcp.plugins.module_utils._config import (
    DELETE,
    MANAGED_KEYS,
    NAME_RE,
    Ops,
    apply_ops_to_data,
    build_entry,
    redacted_text,
    same_json,
)
from ansible_collections.mcpops.mcp.plugins.module_utils._redact import (
    secret_values_in_args,
    secret_values_in_env,
    secret_values_in_headers,
)

DECLARED_KEYS = ('name', 'state', 'command', 'args', 'env', 'secret_env', 'cwd', 'url', 'type', 'headers')
REMOTE_FIELDS = ('url', 'type', 'headers')
STATES = ('present', 'absent')
SECRET_MODES = ('literal', 'env_ref')


def _table(client):
    """The client table's functions when client is a full row of it (fields declared), else None: rows made by
    hand (policy files, tests) keep today's rules - the entry written as its canonical fields."""
    if isinstance(client, dict) and 'fields' in client and hasattr(_clients, 'to_native'):
        return _clients
    return None


def _forward_key(client):
    """Native key of the list of variable names a client passes on from its environment (Codex env_vars), or None."""
    return (client.get('env_forward_keys') or {}).get('env')


def native_entry(client, canonical):
    """The canonical desired entry in the client's own spelling (plus the env file key where it reads one, and the
    forwarded variable names where the client passes variables on by name)."""
    table = _table(client)
    fields = dict((k, v) for k, v in canonical.items() if k not in ('env_file', 'env_forward'))
    if table is not None:
        native = table.to_native(client, fields)
    else:
        native = dict((k, fields[k]) for k in MANAGED_KEYS if k in fields)
    if canonical.get('env_file') and client.get('env_file_key'):
        native[client['env_file_key']] = canonical['env_file']
    if canonical.get('env_forward') and _forward_key(client):
        native[_forward_key(client)] = list(canonical['env_forward'])
    return native


def managed_native_keys(client):
    """Native keys we manage in an entry of this client; every other key is the user's and is kept byte-identical.

    The env file key (VS Code's envFile) is not among them: it is set when secret_mode=env_ref writes the
    file, and removed only while it still names the file we wrote (a user's own envFile stays)."""
    table = _table(client)
    return tuple(table.managed_keys(client)) if table is not None else MANAGED_KEYS


def canonical_entry(client, entry):
    """An entry of the file in canonical spelling (type, command, args, env, cwd, url, headers), its own keys kept:
    what readers of a config (health checks, audits) work with, whatever the client."""
    table = _table(client)
    if table is None or not isinstance(entry, dict):
        return entry
    managed = managed_native_keys(client)
    out = dict((k, v) for k, v in entry.items() if k not in managed)
    out.update(table.from_native(client, entry))
    return out


def new_name_problem(client, name):
    """Why a new entry cannot take name in this client, or None."""
    table = _table(client)
    if table is not None and hasattr(table, 'name_problem'):
        return table.name_problem(client, name)
    if NAME_RE.match(name):
        return None
    return 'a new server name may use only letters, digits, "_" and "-"'


def entry_argument_spec(name_required=False):
    """The options of one declared entry: mcp_server's top level and each item of mcp_servers' servers.

    One copy, so the no_log flags of secret_env and headers are set in one place.
    """
    return dict(
        name=dict(type='str', required=name_required),
        state=dict(type='str', default='present', choices=list(STATES)),
        command=dict(type='str'),
        args=dict(type='list', elements='raw'),
        env=dict(type='dict'),
        secret_env=dict(type='dict', no_log=True),
        cwd=dict(type='str'),
        url=dict(type='str'),
        type=dict(type='str'),
        headers=dict(type='dict', no_log=True),
    )


class EntryProblems(ValueError):
    """Declared entries we refuse to apply. .problems is the list of sentences; str() joins them."""

    def __init__(self, problems):
        self.problems = list(problems)
        ValueError.__init__(self, ' '.join(self.problems))


class DeclaredEntry(object):
    """One declared entry after validation: name, state and the desired managed keys (None when absent)."""

    def __init__(self, name, state, desired=None):
        self.name = name
        self.state = state
        self.desired = desired
        self.env_file_values = {}  # secret_mode=env_ref for a client that reads an env file
        self.own_env_file = None   # the env file path we write for this entry (set by the module)


class Plan(object):
    """Validated declared entries plus every problem and warning found in them."""

    def __init__(self, client=None):
        self.client = client
        self.entries = []
        self.problems = []
        self.warnings = []


def _label(name):
    return 'server %s' % (name if isinstance(name, str) and name else '(no name)')


def value_text(value):
    """A scalar as the text a JSON user expects (true, 1, 1.5), or None for a value that is not a scalar."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return None


def json_kind(value):
    """How a value reads in a message: 'null', 'a mapping', 'a list', 'a int', ..."""
    if value is None:
        return 'null'
    if isinstance(value, dict):
        return 'a mapping'
    if isinstance(value, (list, tuple)):
        return 'a list'
    return 'a %s' % type(value).__name__


def _text_map(label, field, value, problems, allow_empty=True):
    """A dict of name -> text, adding a problem for each value that is not a string, number or boolean."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append('%s: %s must be a mapping of names to values, found %s.' % (label, field, json_kind(value)))
        return {}
    out = {}
    for key in sorted(value, key=str):
        item = value[key]
        text = value_text(item)
        if item is None or (text == '' and not allow_empty):
            hint = ' (vault variable not set?)' if field in ('secret_env', 'headers') else ''
            problems.append('%s: %s %s has no value%s.' % (label, field, key, hint))
        elif text is None:
            problems.append('%s: %s %s must be a string, number or boolean, found %s.' % (label, field, key, json_kind(item)))
        else:
            out[key] = text
    return dict((k, out[k]) for k in value if k in out)  # keep the declared order


def _args_list(label, value, problems):
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        problems.append('%s: args must be a list, found %s.' % (label, json_kind(value)))
        return []
    out = []
    for index, item in enumerate(value):
        text = value_text(item)
        if text is None:
            problems.append('%s: args[%d] must be a string, number or boolean, found %s.' % (label, index, json_kind(item)))
        elif text == '':
            problems.append('%s: args[%d] is an empty string; remove it (a templated value that came out empty?).'
                            % (label, index))
        else:
            out.append(text)
    return out


def _field_text(value):
    text = value_text(value) if value is not None else None
    return text.strip() if isinstance(text, str) else text


def declared_entry(server, client, find_command=None, secret_mode='literal'):
    """(DeclaredEntry or None, problems, warnings) for one declared entry.

    client is a row of the client table (_clients.CLIENTS); find_command(command, path) -> (resolved,
    problem) is called for present stdio entries when given (validate_command). With secret_mode='env_ref'
    the config gets a reference to each secret_env key in the client's syntax instead of its value; a client
    that reads an env file gets the values in DeclaredEntry.env_file_values (the caller writes that file and
    sets desired['env_file'] to its path).
    """
    problems = []
    warnings = []
    if not isinstance(server, dict):
        return None, ['each server must be a mapping with at least a name, found %s.' % json_kind(server)], warnings
    name = server.get('name')
    label = _label(name)
    if not isinstance(name, str) or not name:
        problems.append('%s: name is required (letters, digits, "_" and "-").' % label)
    unknown = sorted(str(k) for k in server if k not in DECLARED_KEYS)
    if unknown:
        problems.append('%s: unknown key(s) %s; the keys are %s.' % (label, ', '.join(unknown), ', '.join(DECLARED_KEYS)))
    state = server.get('state') or 'present'
    if state not in STATES:
        problems.append('%s: state must be present or absent, found %r.' % (label, state))
    if state != 'present':
        return DeclaredEntry(name, state), problems, warnings

    command = _field_text(server.get('command'))
    url = _field_text(server.get('url'))
    if not command and not url:
        problems.append('%s: command (or url) is required with state=present and must not be empty.' % label)
    if command and url:
        problems.append('%s: set command or url, not both.' % label)
    args = _args_list(label, server.get('args'), problems)
    env = _text_map(label, 'env', server.get('env'), problems)
    secret_env = _text_map(label, 'secret_env', server.get('secret_env'), problems, allow_empty=False)
    headers = _text_map(label, 'headers', server.get('headers'), problems, allow_empty=False)
    overlap = [k for k in env if k in secret_env]
    if overlap:
        problems.append('%s: %s set in both env and secret_env; set each key once.' % (label, ', '.join(overlap)))
    keys = sorted(k for k in env if secret_values_in_env({k: env[k]}))
    if keys:
        warnings.append('env of %s holds secret-looking keys or credentials (%s); they are masked. '
                        'Pass secrets in secret_env instead.' % (label, ', '.join(keys)))
    # The command lookup sees the real values, whatever the config will hold.
    lookup_path = secret_env.get('PATH', env.get('PATH'))
    env_file_values = {}
    forwarded = []
    if secret_mode == 'env_ref' and secret_env:
        if client.get('env_file_key'):
            env_file_values = secret_env  # into the client's env file; the entry names the file
        elif _forward_key(client) and not client.get('env_ref'):
            forwarded = list(secret_env)  # Codex: env_vars names the variables it passes on from its own environment
        else:
            try:
                env.update((key, _clients.env_reference(client, key)) for key in secret_env)
            except (AttributeError, _clients.ClientError) as exc:
                problems.append('%s: secret_mode=env_ref: %s' % (label, exc))
    else:
        env.update(secret_env)
    if find_command is not None and command:
        problem = find_command(command, lookup_path)[1]
        if problem:
            problems.append('%s: %s' % (label, problem))
    cwd = _field_text(server.get('cwd'))
    kind = _field_text(server.get('type'))
    desired = build_entry(dict(type=kind, command=command, args=args, env=env, cwd=cwd, url=url, headers=headers))
    problems.extend(_field_problems(client, desired, label, server))
    if forwarded:
        if url:
            problems.append('%s: secret_mode=env_ref: %s passes environment variables to stdio servers only; a URL '
                            'entry takes no secret_env.' % (label, client['label']))
        desired['env_forward'] = forwarded
    entry = DeclaredEntry(name, state, desired)
    entry.env_file_values = env_file_values
    return entry, problems, warnings


def _field_problems(client, desired, label, server):
    """What this client cannot take in the entry (fields, type values, env on a url entry), from its row."""
    table = _table(client)
    if table is not None:
        return list(table.field_problems(client, desired, label))
    problems = []
    supported = client.get('remote_fields', ())
    for field in REMOTE_FIELDS:
        if server.get(field) not in (None, '', {}) and field not in supported:
            problems.append('%s: %s does not support %r in its config. %s'
                            % (label, client['label'], field, client.get('remote_hint', '')))
    if desired.get('cwd'):
        problems.append('%s: %s does not support %r in its config.' % (label, client['label'], 'cwd'))
    return problems


def _json_pairs(pairs):
    """object_pairs_hook: a key given twice in one object is refused (json.loads would keep the last silently)."""
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError('key %s given twice in one object' % json.dumps(key, ensure_ascii=False))
        out[key] = value
    return out


def _load_json(text):
    """(data, None) for a JSON document, else (None, 'line L column C: reason')."""
    try:
        return json.loads(text, object_pairs_hook=_json_pairs), None
    except ValueError as exc:  # json.JSONDecodeError is a ValueError with lineno/colno
        if getattr(exc, 'lineno', None):
            return None, 'line %d column %d: %s' % (exc.lineno, exc.colno, exc.msg)
        # Valid JSON apart from a duplicate key: YAML would take the last value silently, so refuse here.
        raise EntryProblems(['%s; give each key once.' % exc])


def parse_servers(value, what='servers'):
    """The declared servers as a list: a list as it is, or a JSON/YAML text that parses to a list.

    AWX surveys pass only strings, numbers and lists from text fields, so a survey's servers arrive as text.
    JSON is tried first (the standard library; duplicate keys refused), then YAML when PyYAML is importable
    (always on the controller, not always on a managed host). Raises EntryProblems with one sentence naming
    the line and column; the sentence never quotes the text, which may hold secrets.
    """
    if value is None or isinstance(value, (list, tuple)):
        return list(value or [])
    if not isinstance(value, str):
        raise EntryProblems(['%s must be a list of servers or a JSON/YAML text of one, found %s.' % (what, json_kind(value))])
    text = value.lstrip(u'\ufeff')
    if not text.strip():
        # Never read as []: with exclusive=true an empty survey field would remove every entry.
        raise EntryProblems(['%s is an empty text; give a list of servers (JSON or YAML), or [] to declare none.' % what])
    try:
        data, json_problem = _load_json(text)
    except EntryProblems as exc:
        raise EntryProblems(['%s is JSON with a %s' % (what, exc.problems[0])])
    if json_problem is None:
        where = 'JSON'
    else:
        try:
            import yaml
        except ImportError:
            raise EntryProblems(['%s is not valid JSON (%s); YAML text needs PyYAML on this host, so give JSON.'
                                 % (what, json_problem)])
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, 'problem_mark', None)
            reason = getattr(exc, 'problem', None) or type(exc).__name__
            where_yaml = 'line %d column %d: %s' % (mark.line + 1, mark.column + 1, reason) if mark else reason
            if text.lstrip().startswith(('[', '{')):
                raise EntryProblems(['%s is not valid JSON (%s) nor YAML (%s).' % (what, json_problem, where_yaml)])
            raise EntryProblems(['%s is not valid YAML (%s) nor JSON (%s).' % (what, where_yaml, json_problem)])
        where = 'YAML'
    if not isinstance(data, list):
        raise EntryProblems(['%s: the %s text is %s, not a list of servers; write it as [ {...}, ... ] '
                             '(JSON) or one "- name: ..." item per server (YAML).' % (what, where, json_kind(data))])
    return data


def plan_entries(servers, client, find_command=None, secret_mode='literal'):
    """Validate every declared entry. Returns a Plan; problems are in declaration order, duplicates included."""
    plan = Plan(client)
    seen = {}
    for server in servers or []:
        entry, problems, warnings = declared_entry(server, client, find_command, secret_mode)
        plan.problems.extend(problems)
        plan.warnings.extend(warnings)
        if entry is None:
            continue
        if isinstance(entry.name, str) and entry.name:
            seen[entry.name] = seen.get(entry.name, 0) + 1
            if seen[entry.name] == 2:
                plan.problems.append('%s: declared more than once; declare each server once.' % _label(entry.name))
        plan.entries.append(entry)
    return plan


def name_problems(entries, existing, client=None):
    """A new name must suit the client (Claude Desktop: [A-Za-z0-9_-]+); a name already in the file may be updated
    or removed as it is."""
    problems = []
    for entry in entries:
        name = entry.name
        if not isinstance(name, str) or not name:
            problems.append('%s: name is required (letters, digits, "_" and "-").' % _label(name))
            continue
        problem = None if name in existing else new_name_problem(client or {}, name)
        if problem:
            problems.append('%s: invalid name %s: %s (names already in the config can be updated or removed as '
                            'they are).' % (_label(name), json.dumps(name, ensure_ascii=False), problem.rstrip('.')))
    return problems


def needs_the_file(plan):
    """True when only the file can tell whether the plan is valid: a declared name the client would not take
    for a new entry may be an entry already there. Modules then validate on a read-only pass before they lock
    or create anything."""
    return any(isinstance(e.name, str) and e.name and new_name_problem(plan.client or {}, e.name)
               for e in plan.entries)


def secret_values(server):
    """Every value of a declared entry that must never be printed: secret_env, headers, secret-looking env, args."""
    if not isinstance(server, dict):
        return []
    found = []
    for field in ('secret_env', 'headers'):
        value = server.get(field)
        if isinstance(value, dict):
            found.extend(secret_values_in_headers(dict((k, value_text(v)) for k, v in value.items())))
    env = server.get('env')
    if isinstance(env, dict):
        found.extend(secret_values_in_env(dict((k, value_text(v)) for k, v in env.items())))
    args = server.get('args')
    if isinstance(args, (list, tuple)):
        found.extend(secret_values_in_args([value_text(a) for a in args]))
    url = server.get('url')
    if isinstance(url, str):
        found.extend(secret_values_in_args([url]))
    return [v for v in found if isinstance(v, str) and v]


# --------------------------------------------------------------------------------------------
# Applying a set of entries to a document


def empty_changes():
    return {'added': [], 'updated': [], 'removed': [], 'unchanged': []}


def entry_ops(doc, entries, exclusive=False, client=None):
    """(Ops, changes): the edit operations that apply every DeclaredEntry at once, in the client's native shape.

    Add: the whole entry at servers_path + (name,). Update: only the managed keys that differ are set or
    deleted inside the entry; every other key of it stays byte-identical. Remove: the entry is deleted. With
    exclusive, entries in the file that are not declared are removed too. An existing empty args/env counts as
    equal to an omitted one. Raises EntryProblems for new names the client does not take.
    """
    client = client or {}
    servers = doc.servers()
    problems = name_problems(entries, servers, client)
    if problems:
        raise EntryProblems(problems)
    base = tuple(doc.servers_path or ('mcpServers',))
    managed = managed_native_keys(client)
    ops = Ops()
    changes = empty_changes()
    declared = set()
    for entry in entries:
        declared.add(entry.name)
        current = servers.get(entry.name)
        if entry.state == 'absent':
            if current is None:
                changes['unchanged'].append(entry.name)
            else:
                ops.append((base + (entry.name,), DELETE))
                changes['removed'].append(entry.name)
            continue
        native = native_entry(client, entry.desired)
        if current is None:
            ops.append((base + (entry.name,), native))
            changes['added'].append(entry.name)
            continue
        key_ops = []
        for key in managed:
            if key in native:
                if key not in current or not same_json(current[key], native[key]):
                    key_ops.append((base + (entry.name, key), native[key]))
            elif key in current and current[key] not in ([], {}):
                key_ops.append((base + (entry.name, key), DELETE))
        file_key = client.get('env_file_key')
        if file_key:
            if file_key in native:
                if current.get(file_key) != native[file_key]:
                    key_ops.append((base + (entry.name, file_key), native[file_key]))
            elif entry.own_env_file and current.get(file_key) == entry.own_env_file:
                key_ops.append((base + (entry.name, file_key), DELETE))
        forward_key = _forward_key(client)
        if forward_key:
            have = current.get(forward_key)
            if forward_key in native:
                if not same_json(have, native[forward_key]):
                    key_ops.append((base + (entry.name, forward_key), native[forward_key]))
            elif isinstance(have, list) and have and set(have) <= set((entry.desired or {}).get('env') or {}):
                # Back to literal values: the names we forwarded are now set in env itself.
                key_ops.append((base + (entry.name, forward_key), DELETE))
        if key_ops:
            ops.extend(key_ops)
            changes['updated'].append(entry.name)
        else:
            changes['unchanged'].append(entry.name)
    if exclusive:
        for name in servers:
            if name not in declared:
                ops.append((base + (name,), DELETE))
                changes['removed'].append(name)
    return ops, changes


def apply_entries(doc, entries, exclusive=False, client=None):
    """(new_data, changes) with every DeclaredEntry applied at once; doc.data is never modified.

    The data that entry_ops' operations give; new_data is doc.data itself when nothing changes.
    """
    ops, changes = entry_ops(doc, entries, exclusive, client)
    if not ops:
        return doc.data, changes
    return apply_ops_to_data(doc.data, ops), changes


def changed_names(changes):
    return changes['added'] + changes['updated'] + changes['removed']


def edit_diff(config_path, servers_key, result):
    """The --diff of an _files.EditResult: redacted before/after texts in the file's own style.

    servers_key: the document's Layout (or a servers key / path)."""
    style = result.before_doc.style
    layout = result.before_doc.layout if servers_key is None else servers_key
    before = result.before_doc.data if result.before is not None else None
    after = result.after_data if (result.before is not None or result.changed) else None
    return dict(
        before_header=config_path,
        after_header=config_path,
        before=redacted_text(before, layout, style),
        after=redacted_text(after, layout, style),
    )
