# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The declared_servers filter: wiring to _entries.parse_servers (the parser is tested in test__entries.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mcpops.mcp.plugins.filter.declared_servers import FilterModule

DECLARED = FilterModule().filters()['declared_servers']


def test_a_list_and_its_json_text_give_the_same_list():
    servers = [{'name': 'time', 'command': 'uvx', 'expect_tools': ['get_current_time']}]
    assert DECLARED(servers) == servers
    assert DECLARED('[{"name": "time", "command": "uvx", "expect_tools": ["get_current_time"]}]') == servers


def test_bad_text_fails_naming_the_variable_line_and_column():
    with pytest.raises(AnsibleFilterError) as err:
        DECLARED('- name: a\n  command: x\n - name: b\n')
    assert str(err.value).startswith('mcp_servers is not valid YAML (line 3 column 2:')
    with pytest.raises(AnsibleFilterError) as err:
        DECLARED('', 'servers')
    assert str(err.value).startswith('servers is an empty text')
