# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret rotation: new secret values (mcp_rotate) laid over the declared servers (mcp_servers), by server name.

Pure. Every problem is collected and named by server and key, never by value: the values are secrets.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

ROTATABLE = ('secret_env', 'headers')


class RotationProblems(Exception):
    def __init__(self, problems):
        Exception.__init__(self, '; '.join(problems))
        self.problems = problems


def _is_text(value):
    return isinstance(value, str)


def rotation_problems(servers, rotation):
    """Every problem of a rotation against the declared servers, as sentences without values."""
    if rotation is None or rotation == {}:
        return []
    if not isinstance(rotation, dict):
        return ['mcp_rotate must be a mapping of server name -> {secret_env: {...}, headers: {...}}.']
    declared = dict((s.get('name'), s) for s in servers if isinstance(s, dict))
    problems = []
    for name in sorted(rotation, key=str):
        change = rotation[name]
        server = declared.get(name)
        if server is None:
            problems.append('mcp_rotate names server %r, which mcp_servers does not declare (declared: %s).'
                            % (name, ', '.join(sorted(str(n) for n in declared)) or 'none'))
            continue
        if server.get('state', 'present') != 'present':
            problems.append('mcp_rotate names server %r, which mcp_servers declares absent.' % name)
            continue
        if not isinstance(change, dict) or not change:
            problems.append('mcp_rotate.%s must be a mapping with secret_env and/or headers.' % name)
            continue
        for key in sorted(change, key=str):
            if key not in ROTATABLE:
                problems.append('mcp_rotate.%s.%s is not rotatable (only %s).' % (name, key, ' and '.join(ROTATABLE)))
                continue
            values = change[key]
            if not isinstance(values, dict) or not values:
                problems.append('mcp_rotate.%s.%s must be a non-empty mapping of name -> new value.' % (name, key))
                continue
            if key == 'headers' and not server.get('url'):
                problems.append('mcp_rotate.%s.headers: %s is a stdio server (no url); rotate its secret_env instead.'
                                % (name, name))
            for var in sorted(values, key=str):
                value = values[var]
                if value is None or (_is_text(value) and not value.strip()):
                    problems.append('mcp_rotate.%s.%s.%s is empty (an env lookup of an unset variable, or an empty '
                                    'file?); nothing was changed.' % (name, key, var))
                elif not _is_text(value):
                    problems.append('mcp_rotate.%s.%s.%s must be a string.' % (name, key, var))
                elif value != value.strip():
                    problems.append('mcp_rotate.%s.%s.%s has leading or trailing whitespace (a file lookup keeps no '
                                    'newline, but a pasted value may); strip it.' % (name, key, var))
    return problems


def rotate_servers(servers, rotation):
    """The declared servers with the rotation's values merged into their secret_env/headers (a new list).

    Raises RotationProblems with every problem at once; the input is never modified.
    """
    problems = rotation_problems(servers, rotation)
    if problems:
        raise RotationProblems(problems)
    if not rotation:
        return list(servers)
    out = []
    for server in servers:
        change = rotation.get(server.get('name')) if isinstance(server, dict) else None
        if not change:
            out.append(server)
            continue
        server = copy.deepcopy(server)
        for key in ROTATABLE:
            if key in change:
                merged = dict(server.get(key) or {})
                merged.update(change[key])
                server[key] = merged
        out.append(server)
    return out


def rotated_keys(rotation):
    """[{'server': name, 'keys': ['secret_env.X', ...]}] of a rotation: what a report may show (no values)."""
    return [dict(server=name, keys=['%s.%s' % (key, var) for key in ROTATABLE for var in sorted((rotation[name] or {}).get(key) or {})])
            for name in sorted(rotation or {})]
