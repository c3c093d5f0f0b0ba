# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deploy role's mcp_install_requirements on a host whose Python lacks tomlkit (a throwaway venv interpreter)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import subprocess
import sys

import pytest

# A flow built on the deploy role: make test runs it with the main ansible-core only (see Makefile, matrix-*).
pytestmark = pytest.mark.flow


HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# `make wheels` downloads it (the version requirements-test.txt asks for); without it pip goes to PyPI.
WHEELS = os.path.join(os.environ.get('MCPOPS_REPO', REPO), 'build', 'wheels')
ALLOWED = [{'name': 'github', 'command': 'github-mcp-server'}]
DRY_RUN = 'Dry run - validate every server and compute the whole change'  # mcp_servers in check mode, on the config


@pytest.fixture
def bare_python(tmp_path):
    """A venv made from the Python running the tests, with pip and nothing else: no tomlkit."""
    base = getattr(sys, '_base_executable', None) or sys.executable
    venv = tmp_path / 'host-python'
    subprocess.check_call([base, '-m', 'venv', str(venv)])
    python = str(venv / 'bin' / 'python')
    assert subprocess.call([python, '-c', 'import tomlkit'], stderr=subprocess.DEVNULL) != 0
    return python


def _inventory(tmp_path, python):
    path = tmp_path / 'inventory.json'
    path.write_text(json.dumps({'all': {'hosts': {'localhost': {
        'ansible_connection': 'local', 'ansible_python_interpreter': python}}}}))
    return str(path)


def _pip_args():
    if glob.glob(os.path.join(WHEELS, 'tomlkit-*.whl')):
        return '--no-index --find-links %s' % WHEELS
    return ''


def _policy_task(name, policy_dir, **extra):
    task = {'name': name, 'mcpops.mcp.mcp_policy': {'client': 'codex', 'policy_dir': policy_dir, 'allowed': ALLOWED}}
    task.update(extra)
    return task


def test_mcp_install_requirements_installs_tomlkit_before_the_modules_run(run_playbook, tmp_path, bare_python):
    inventory = _inventory(tmp_path, bare_python)
    policy_dir = str(tmp_path / 'etc' / 'codex')
    codex_home = tmp_path / 'home' / '.codex'
    codex_home.mkdir(parents=True)
    config = codex_home / 'config.toml'
    config.write_text('# my Codex settings\nmodel = "gpt-5-codex"\n')
    role_vars = {'mcp_client': 'codex', 'mcp_config_path': str(config), 'mcp_servers': [],
                 'mcp_backup_dir': str(tmp_path / 'backups'), 'mcp_requirements_pip_extra_args': _pip_args()}

    # Without the requirement: the module says which library is missing, Ansible's way; the role's
    # dry run (mcp_servers on a Codex config) fails the same way when mcp_install_requirements is off.
    plays = [
        {'name': 'before', 'hosts': 'all', 'gather_facts': False,
         'tasks': [_policy_task('Codex policy without tomlkit', policy_dir, ignore_errors=True)]},
        {'name': 'deploy without requirements', 'hosts': 'all', 'gather_facts': False,
         'roles': [{'role': 'mcpops.mcp.deploy'}], 'vars': role_vars},
    ]
    run = run_playbook(plays, inventory=inventory, expect_rc=None)
    assert run.tasks('Codex policy without tomlkit')[0]['status'] == 'failed'
    assert 'Failed to import the required Python library (tomlkit)' in run.result('Codex policy without tomlkit')['msg']
    # The dry run does not fail by itself (failed_when: false); its refusal is reported with the preflight's.
    assert run.rc != 0 and 'tomlkit' in run.result(DRY_RUN)['msg']
    assert run.tasks('Report every preflight problem at once')[0]['status'] == 'failed'
    assert not os.path.exists(policy_dir)

    # With mcp_install_requirements the role installs it first; the modules then run on that interpreter.
    role_vars['mcp_install_requirements'] = True
    plays = [{'name': 'deploy', 'hosts': 'all', 'gather_facts': False,
              'roles': [{'role': 'mcpops.mcp.deploy'}], 'vars': role_vars},
             {'name': 'after', 'hosts': 'all', 'gather_facts': False, 'tasks': [
                 _policy_task('Codex policy with tomlkit', policy_dir)]}]
    run = run_playbook(plays, inventory=inventory)
    names = [e['task'] for e in run.events]
    install = "Install the Python libraries the modules need on this host (tomlkit, for Codex's TOML files)"
    assert run.tasks(install)[0]['status'] == 'changed'
    assert names.index(install) < names.index(DRY_RUN) and run.tasks(DRY_RUN)[0]['status'] == 'ok'
    assert run.result('Codex policy with tomlkit')['changed']
    assert subprocess.call([bare_python, '-c', 'import tomlkit']) == 0
    assert config.read_text() == '# my Codex settings\nmodel = "gpt-5-codex"\n'

    # A rerun installs nothing.
    run = run_playbook(plays, inventory=inventory)
    assert run.tasks(install)[0]['status'] == 'ok' and not run.result('Codex policy with tomlkit')['changed']
