# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Declared server entries -> validated desired entries: the one entry engine of mcp_server and mcp_servers.

Pure (the command lookup is passed in). A declared entry is a dict with the keys of mcp_server's options
(name, state, command, args, env, secret_env, url, type, headers). Every problem of every entry is
collected, so a module can report them all at once before it writes anything.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

from ansible_collections.mcpops.mcp.plugins.module_utils._config import (
    MANAGED_KEYS,
    NAME_RE,
    build_entry,
    entry_matches,
    merge_entry,
    redacted_text,
)
from ansible_collections.mcpops.mcp.plugins.module_utils._redact import (
    secret_values_in_args,
    secret_values_in_env,
    secret_values_in_headers,
)

DECLARED_KEYS = ('name', 'state', 'command', 'args', 'env', 'secret_env', 'url', 'type', 'headers')
REMOTE_FIELDS = ('url', 'type', 'headers')
STATES = ('present', 'absent')


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


class Plan(object):
    """Validated declared entries plus every problem and warning found in them."""

    def __init__(self):
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


def declared_entry(server, client, find_command=None):
    """(DeclaredEntry or None, problems, warnings) for one declared entry.

    client is a row of the client table (_clients.CLIENTS); find_command(command, path) -> (resolved,
    problem) is called for present stdio entries when given (validate_command).
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
    supported = client.get('remote_fields', ())
    for field in REMOTE_FIELDS:
        if server.get(field) not in (None, '', {}) and field not in supported:
            problems.append('%s: %s does not support %r in its config. %s'
                            % (label, client['label'], field, client.get('remote_hint', '')))
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
    env.update(secret_env)
    if find_command is not None and command:
        problem = find_command(command, env.get('PATH'))[1]
        if problem:
            problems.append('%s: %s' % (label, problem))
    kind = server.get('type')
    desired = build_entry(dict(type=_field_text(kind), command=command, args=args, env=env, url=url, headers=headers))
    return DeclaredEntry(name, state, desired), problems, warnings


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


def plan_entries(servers, client, find_command=None):
    """Validate every declared entry. Returns a Plan; problems are in declaration order, duplicates included."""
    plan = Plan()
    seen = {}
    for server in servers or []:
        entry, problems, warnings = declared_entry(server, client, find_command)
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


def name_problems(entries, existing):
    """New names must match [A-Za-z0-9_-]+; a name already in the file may be updated or removed as it is."""
    problems = []
    for entry in entries:
        name = entry.name
        if not isinstance(name, str) or not name:
            problems.append('%s: name is required (letters, digits, "_" and "-").' % _label(name))
        elif not NAME_RE.match(name) and name not in existing:
            problems.append('%s: invalid name %s: a new server name may use only letters, digits, "_" and "-" '
                            '(names already in the config can be updated or removed as they are).'
                            % (_label(name), json.dumps(name, ensure_ascii=False)))
    return problems


def needs_the_file(plan):
    """True when only the file can tell whether the plan is valid: a declared name outside the pattern
    may be an entry already there. Modules then validate on a read-only pass before they lock or create anything."""
    return any(isinstance(e.name, str) and e.name and not NAME_RE.match(e.name) for e in plan.entries)


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


def apply_entries(doc, entries, exclusive=False):
    """(new_data, changes) with every DeclaredEntry applied at once; doc.data is never modified.

    With exclusive, entries in the file that are not declared are removed too. new_data is doc.data
    itself when nothing changes. Raises EntryProblems for new names outside the pattern.
    """
    servers = doc.data.get(doc.servers_key)
    servers = servers if isinstance(servers, dict) else {}
    problems = name_problems(entries, servers)
    if problems:
        raise EntryProblems(problems)
    changes = empty_changes()
    result = dict(servers)
    declared = set()
    for entry in entries:
        declared.add(entry.name)
        current = result.get(entry.name)
        if entry.state == 'absent':
            if current is None:
                changes['unchanged'].append(entry.name)
            else:
                del result[entry.name]
                changes['removed'].append(entry.name)
        elif current is None:
            result[entry.name] = dict((k, entry.desired[k]) for k in MANAGED_KEYS if k in entry.desired)
            changes['added'].append(entry.name)
        elif entry_matches(current, entry.desired):
            changes['unchanged'].append(entry.name)
        else:
            result[entry.name] = merge_entry(current, entry.desired)
            changes['updated'].append(entry.name)
    if exclusive:
        for name in list(result):
            if name not in declared:
                del result[name]
                changes['removed'].append(name)
    if not (changes['added'] or changes['updated'] or changes['removed']):
        return doc.data, changes
    data = copy.deepcopy(doc.data)  # the servers key keeps its place; a new one goes last
    data[doc.servers_key] = copy.deepcopy(result)
    return data, changes


def changed_names(changes):
    return changes['added'] + changes['updated'] + changes['removed']


def edit_diff(config_path, servers_key, result):
    """The --diff of an _files.EditResult: redacted before/after texts in the file's own style."""
    style = result.before_doc.style
    before = result.before_doc.data if result.before is not None else None
    after = result.after_data if (result.before is not None or result.changed) else None
    return dict(
        before_header=config_path,
        after_header=config_path,
        before=redacted_text(before, servers_key, style),
        after=redacted_text(after, servers_key, style),
    )
