# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The declared_servers filter (documented in declared_servers.yml); the parser is module_utils/_entries.parse_servers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.mcpops.mcp.plugins.module_utils._entries import EntryProblems, parse_servers


def declared_servers(value, what='mcp_servers'):
    """A list of servers as it is, or JSON/YAML text (an AWX survey field) -> the list it holds."""
    try:
        return parse_servers(value, what=what)
    except EntryProblems as exc:
        raise AnsibleFilterError(' '.join(exc.problems))


class FilterModule(object):
    def filters(self):
        return {'declared_servers': declared_servers}
