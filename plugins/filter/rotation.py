# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters rotated_servers and rotated_keys (documented in the .yml files beside this one); logic in module_utils/_rotate.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.mcpops.mcp.plugins.module_utils._rotate import RotationProblems, rotate_servers, rotated_keys


def rotated_servers(servers, rotation=None):
    """Declared servers with the new secret values of rotation merged in; every problem at once, never a value."""
    try:
        return rotate_servers(list(servers or []), rotation or {})
    except RotationProblems as exc:
        raise AnsibleFilterError('Secret rotation refused, nothing was changed: ' + ' '.join(exc.problems))


class FilterModule(object):
    def filters(self):
        return {'rotated_servers': rotated_servers, 'rotated_keys': rotated_keys}
