# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The private attributes fragment: every module uses it, the docs it renders are true, nothing is pasted twice."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import json
import os
import subprocess
import sys

import pytest
import yaml

from ansible.module_utils.compat.version import LooseVersion

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(HERE))))
MODULE_DIR = os.path.join(ROOT, 'plugins', 'modules')
MODULES = sorted(name[:-3] for name in os.listdir(MODULE_DIR) if name.startswith('mcp_') and name.endswith('.py'))
SUPPORT = ('full', 'partial', 'none', 'N/A')


def _yaml_file(*parts):
    with open(os.path.join(ROOT, *parts)) as handle:
        return yaml.safe_load(handle)


def _own_documentation(module):
    """The module's DOCUMENTATION as written in its file, before fragments are merged."""
    with open(os.path.join(MODULE_DIR, module + '.py')) as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, 'id', None) for t in node.targets] == ['DOCUMENTATION']:
            return yaml.safe_load(node.value.value)
    raise AssertionError('%s has no DOCUMENTATION' % module)


@pytest.fixture(scope='module')
def rendered():
    """What ansible-doc makes of every module (fragments merged), from one ansible-doc run."""
    env = dict(os.environ)
    # make and /work/bin/mcpt set the path; else the ansible_collections tree this file sits in.
    env.setdefault('ANSIBLE_COLLECTIONS_PATH', os.path.dirname(os.path.dirname(os.path.dirname(ROOT))))
    fqcns = ['mcpops.mcp.%s' % module for module in MODULES]
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-doc'), '-t', 'module', '--json'] + fqcns,
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    missing = [fqcn for fqcn in fqcns if fqcn not in data]
    assert not missing, 'ansible-doc could not load %s: %s' % (', '.join(missing), proc.stderr)
    return dict((module, data['mcpops.mcp.%s' % module]['doc']) for module in MODULES)


@pytest.mark.parametrize('module', MODULES)
def test_every_module_extends_the_attributes_fragment(module):
    fragments = _own_documentation(module).get('extends_documentation_fragment') or []
    assert 'mcpops.mcp._attributes' in fragments, fragments


@pytest.mark.parametrize('module', MODULES)
def test_shared_attribute_text_lives_only_in_the_fragment(module):
    own = _own_documentation(module).get('attributes') or {}
    assert not set(own) - set(['check_mode', 'diff_mode']), 'platform and action_group come from the fragment'
    for name, attribute in own.items():
        assert 'description' not in attribute, '%s: %s repeats the fragment\'s description' % (module, name)
    notes = ' '.join(_own_documentation(module).get('notes') or [])
    assert 'Windows' not in notes, 'the platform attribute says where the module runs'


def test_every_module_renders_all_four_attributes_with_a_support_level(rendered):
    for module, doc in rendered.items():
        attributes = doc.get('attributes') or {}
        # Modules with an action plugin (plugins/action/, the controller engine) also say so, as ansible.builtin.copy does.
        with_action = os.path.exists(os.path.join(ROOT, 'plugins', 'action', module + '.py'))
        assert sorted(attributes) == sorted(['action_group', 'check_mode', 'diff_mode', 'platform']
                                            + (['action'] if with_action else [])), module
        for name, attribute in attributes.items():
            assert attribute.get('description'), '%s: %s has no description' % (module, name)
            assert attribute.get('support') in SUPPORT, '%s: %s support %r' % (module, name, attribute.get('support'))
        # The controller engine (docs/windows.md) also reaches Windows hosts.
        assert attributes['platform']['platforms'] == (['posix', 'windows'] if with_action else 'posix'), module


def test_documented_action_group_is_the_one_in_runtime_yml(rendered):
    groups = _yaml_file('meta', 'runtime.yml')['action_groups']
    for module, doc in rendered.items():
        membership = doc['attributes']['action_group']['membership']
        assert membership == ['mcpops.mcp.mcp'], module
        assert module in groups['mcp'], '%s says it is in group/mcpops.mcp.mcp but meta/runtime.yml does not list it' % module
    assert sorted(groups['mcp']) == MODULES


def test_info_modules_are_check_mode_safe_and_have_no_diff(rendered):
    info_modules = [module for module in MODULES if module.endswith('_info')]
    assert info_modules, 'the collection has info modules'
    for module in info_modules:
        attributes = rendered[module]['attributes']
        assert attributes['check_mode']['support'] == 'full', module
        assert attributes['diff_mode']['support'] == 'N/A', module


def test_no_module_is_added_in_a_version_after_the_one_being_built(rendered):
    building = str(_yaml_file('galaxy.yml')['version'])
    for module, doc in rendered.items():
        added = str(doc.get('version_added'))
        assert LooseVersion(added) <= LooseVersion(building), (
            '%s says version_added %s but galaxy.yml builds %s; antsibull-changelog would not list it '
            'as new in the release that ships it' % (module, added, building))
