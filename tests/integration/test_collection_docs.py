# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module renders with ansible-doc and is in the `mcp` action group; playbooks resolve by FQCN."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules'))
                 if name.startswith('mcp_') and name.endswith('.py'))


def _bin(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def _env():
    env = dict(os.environ)
    env['ANSIBLE_COLLECTIONS_PATH'] = os.path.dirname(os.path.dirname(os.path.dirname(ROOT)))
    return env


def test_every_module_is_documented_here():
    assert MODULES == ['mcp_access', 'mcp_audit', 'mcp_backup', 'mcp_backup_info', 'mcp_client_info', 'mcp_client_restart',
                       'mcp_health', 'mcp_logs', 'mcp_policy', 'mcp_server', 'mcp_server_info', 'mcp_servers']


@pytest.mark.parametrize('module', MODULES)
def test_ansible_doc_renders_documentation_examples_and_return(module):
    fqcn = 'mcpops.mcp.%s' % module
    text = subprocess.run([_bin('ansible-doc'), '-t', 'module', fqcn], env=_env(), capture_output=True,
                          text=True, timeout=120, check=False)
    assert text.returncode == 0, text.stderr
    assert 'EXAMPLES:' in text.stdout and 'RETURN VALUES:' in text.stdout, text.stdout[-2000:]
    assert '[WARNING]' not in text.stderr and 'ERROR' not in text.stderr, text.stderr
    raw = subprocess.run([_bin('ansible-doc'), '-t', 'module', '--json', fqcn], env=_env(), capture_output=True,
                         text=True, timeout=120, check=True)
    doc = json.loads(raw.stdout)[fqcn]
    assert doc['doc']['short_description'] and doc['examples'].strip() and doc['return']
    shared = set(['client', 'config_path', 'user', 'backup_dir'])
    assert shared <= set(doc['doc']['options']), 'every module accepts the shared options (module_defaults)'
    for name, option in doc['doc']['options'].items():
        assert option.get('description'), '%s: option %s has no description' % (fqcn, name)


def test_action_group_lists_every_module():
    with open(os.path.join(ROOT, 'meta', 'runtime.yml')) as handle:
        runtime = yaml.safe_load(handle)
    assert sorted(runtime['action_groups']['mcp']) == MODULES
    assert runtime['requires_ansible'] == '>=2.16.0'
