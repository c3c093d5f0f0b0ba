# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The source_* filters: wiring to _sources (the rules are tested in test__sources.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mcpops.mcp.plugins.filter.sources import FilterModule

FILTERS = FilterModule().filters()
BASE = '/srv/mcp'
LS_REMOTE = '1111111111111111111111111111111111111111\trefs/heads/main\n2222222222222222222222222222222222222222\trefs/tags/v1\n'


def test_source_plan_returns_items_and_problems():
    plan = FILTERS['source_plan']([{'name': 'g', 'source': {'type': 'git', 'repo': '/r.git', 'version': 'main'}},
                                   {'name': 'n', 'source': {'type': 'npm', 'package': 'x', 'version': 'latest'}}], BASE)
    assert [i['name'] for i in plan['items']] == ['g'] and len(plan['problems']) == 1


def test_source_git_ref_and_npm_bin_return_a_problem_or_a_result():
    item = FILTERS['source_plan']([{'name': 'g', 'source': {'type': 'git', 'repo': '/r.git', 'version': 'main'}}], BASE)['items'][0]
    assert FILTERS['source_git_ref'](LS_REMOTE, item)['problem'].startswith('server g: version main of /r.git is a branch')
    assert FILTERS['source_git_ref'](LS_REMOTE, dict(item, version='v1')) == {'kind': 'tag', 'problem': None}
    assert FILTERS['source_npm_bin']('{"name": "t", "bin": "s.js"}', item) == {
        'entry': BASE + '/g/git-main/node_modules/.bin/t', 'problem': None}


def test_source_servers_strips_source_and_refuses_what_is_not_a_list():
    assert FILTERS['source_servers']([{'name': 'g', 'source': {}}], {'g': {'command': 'npx'}}) == [{'name': 'g', 'command': 'npx'}]
    with pytest.raises(AnsibleFilterError):
        FILTERS['source_servers']('text', {})
    with pytest.raises(AnsibleFilterError):
        FILTERS['source_plan']({'name': 'g'}, BASE)
