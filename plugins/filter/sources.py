# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for installing servers from source (documented in the .yml files beside this one); the logic is in
module_utils/_sources.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.mcpops.mcp.plugins.module_utils._sources import apply_sources, git_ref, npm_bin, plan_sources


def _servers(value, what):
    if not isinstance(value, (list, tuple)):
        raise AnsibleFilterError('%s: expects the list of declared servers, got %s' % (what, type(value).__name__))
    return list(value)


def source_plan(servers, base_dir):
    """Declared servers + the install directory -> {'items': [...], 'problems': [...]} (no secret values)."""
    return plan_sources(_servers(servers, 'source_plan'), base_dir)


def source_npm_bin(package_json, item):
    """The package.json an npm install left (text) + its plan item -> {'entry': path or None, 'problem': ...}."""
    entry, problem = npm_bin(package_json, item or {})
    return dict(entry=entry, problem=problem)


def source_git_ref(ls_remote, item):
    """`git ls-remote` output + a git plan item -> {'kind': tag/branch/commit or None, 'problem': ...}."""
    kind, problem = git_ref(ls_remote or '', item or {})
    return dict(kind=kind, problem=problem)


def source_servers(servers, resolved):
    """Declared servers + {name: resolved item} -> the servers as mcp_servers takes them (no source key)."""
    if resolved is not None and not isinstance(resolved, dict):
        raise AnsibleFilterError('source_servers: resolved must be a mapping of server names to plan items')
    return apply_sources(_servers(servers, 'source_servers'), resolved or {})


class FilterModule(object):
    def filters(self):
        return {
            'source_plan': source_plan,
            'source_npm_bin': source_npm_bin,
            'source_git_ref': source_git_ref,
            'source_servers': source_servers,
        }
