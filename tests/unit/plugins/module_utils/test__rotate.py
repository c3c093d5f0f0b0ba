# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret rotation laid over declared servers: merge by name, every problem at once, no value in any message."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.mcpops.mcp.plugins.module_utils._rotate import (
    RotationProblems,
    rotate_servers,
    rotated_keys,
    rotation_problems,
)

NEW = 'new-tok-7c1d-never-shown'
SERVERS = [
    {'name': 'github', 'command': 'npx', 'args': ['-y', 'gh'], 'env': {'LOG': '1'},
     'secret_env': {'GITHUB_TOKEN': 'old-tok', 'OTHER_KEY': 'keep'}},
    {'name': 'remote', 'url': 'https://mcp.example.com/mcp', 'headers': {'Authorization': 'Bearer old'}},
    {'name': 'plain', 'command': 'uvx', 'args': ['mcp-server-time']},
    {'name': 'gone', 'command': 'x', 'state': 'absent'},
]


def test_merges_new_values_by_name_and_keeps_everything_else():
    before = copy.deepcopy(SERVERS)
    out = rotate_servers(SERVERS, {'github': {'secret_env': {'GITHUB_TOKEN': NEW}},
                                   'remote': {'headers': {'Authorization': 'Bearer ' + NEW}},
                                   'plain': {'secret_env': {'API_KEY': NEW}}})
    assert out[0]['secret_env'] == {'GITHUB_TOKEN': NEW, 'OTHER_KEY': 'keep'}
    assert out[0]['env'] == {'LOG': '1'} and out[0]['args'] == ['-y', 'gh']
    assert out[1]['headers'] == {'Authorization': 'Bearer ' + NEW}
    assert out[2]['secret_env'] == {'API_KEY': NEW}
    assert out[3] == SERVERS[3]
    assert SERVERS == before   # the input is never modified


@pytest.mark.parametrize('rotation', [None, {}])
def test_no_rotation_returns_the_servers(rotation):
    assert rotate_servers(SERVERS, rotation) == SERVERS


@pytest.mark.parametrize('rotation, expected', [
    ({'gitlab': {'secret_env': {'T': NEW}}}, "names server 'gitlab', which mcp_servers does not declare"),
    ({'gone': {'secret_env': {'T': NEW}}}, 'declares absent'),
    ({'github': {'env': {'LOG': NEW}}}, 'mcp_rotate.github.env is not rotatable (only secret_env and headers)'),
    ({'github': {'secret_env': {}}}, 'must be a non-empty mapping'),
    ({'github': {}}, 'must be a mapping with secret_env and/or headers'),
    ({'github': {'headers': {'Authorization': NEW}}}, 'github is a stdio server (no url)'),
    ({'github': {'secret_env': {'GITHUB_TOKEN': ''}}}, 'mcp_rotate.github.secret_env.GITHUB_TOKEN is empty'),
    ({'github': {'secret_env': {'GITHUB_TOKEN': None}}}, 'is empty'),
    ({'github': {'secret_env': {'GITHUB_TOKEN': 5}}}, 'must be a string'),
    ({'github': {'secret_env': {'GITHUB_TOKEN': NEW + '\n'}}}, 'leading or trailing whitespace'),
    (['github'], 'mcp_rotate must be a mapping'),
])
def test_problems_name_server_and_key_never_the_value(rotation, expected):
    problems = rotation_problems(SERVERS, rotation)
    assert any(expected in p for p in problems), problems
    assert not any(NEW in p for p in problems)
    with pytest.raises(RotationProblems) as err:
        rotate_servers(SERVERS, rotation)
    assert NEW not in str(err.value)


def test_every_problem_at_once():
    problems = rotation_problems(SERVERS, {'nope': {'secret_env': {'A': NEW}},
                                           'github': {'secret_env': {'GITHUB_TOKEN': ''}, 'args': ['x']}})
    assert len(problems) == 3, problems


def test_rotated_keys_lists_names_only():
    assert rotated_keys({'github': {'secret_env': {'GITHUB_TOKEN': NEW, 'A': NEW}},
                         'remote': {'headers': {'Authorization': NEW}}}) == [
        {'server': 'github', 'keys': ['secret_env.A', 'secret_env.GITHUB_TOKEN']},
        {'server': 'remote', 'keys': ['headers.Authorization']}]
    assert rotated_keys({}) == []
