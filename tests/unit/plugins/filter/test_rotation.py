# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rotated_servers/rotated_keys filters: wiring to _rotate (the rules are tested in test__rotate.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mcpops.mcp.plugins.filter.rotation import FilterModule

FILTERS = FilterModule().filters()
NEW = 'filter-new-tok-18aa'
SERVERS = [{'name': 'github', 'command': 'npx', 'secret_env': {'GITHUB_TOKEN': 'old'}}]


def test_rotated_servers_merges_and_refuses_without_values():
    assert FILTERS['rotated_servers'](SERVERS, {'github': {'secret_env': {'GITHUB_TOKEN': NEW}}})[0]['secret_env'] == {
        'GITHUB_TOKEN': NEW}
    assert FILTERS['rotated_servers'](SERVERS) == SERVERS
    with pytest.raises(AnsibleFilterError) as err:
        FILTERS['rotated_servers'](SERVERS, {'gh': {'secret_env': {'GITHUB_TOKEN': NEW}}})
    assert str(err.value).startswith('Secret rotation refused, nothing was changed:') and NEW not in str(err.value)


def test_rotated_keys():
    assert FILTERS['rotated_keys']({'github': {'secret_env': {'GITHUB_TOKEN': NEW}}}) == [
        {'server': 'github', 'keys': ['secret_env.GITHUB_TOKEN']}]
