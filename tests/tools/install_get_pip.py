# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Put the offline get-pip stand-in where the installed ansible-test looks for it.

Run with the Python of the venv that holds ansible-core.  The pip versions come
from ``get_venv_packages()`` in that ansible-test's python_requirements.py
(read as source, not imported), so another ansible-core release that pins
another pip gets the right cache file name without editing the Makefile.
A cache file that is not our stand-in (a real downloaded get-pip) is left alone.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import importlib.util
import os
import shutil
import sys

STAND_IN = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'get_pip_offline.py')
MARKER = 'MCPOPS_GET_PIP_STAND_IN'
CACHE_DIR = os.path.expanduser('~/.ansible/test/cache')


def requirements_source():
    spec = importlib.util.find_spec('ansible_test')
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit('install_get_pip: ansible_test is not importable from %s; run `make venv` first' % sys.executable)
    path = os.path.join(list(spec.submodule_search_locations)[0], '_internal', 'python_requirements.py')
    with open(path) as source:
        return path, source.read()


def pip_versions(source):
    """Every string given for 'pip' inside get_venv_packages(), as dict(pip=...) or {'pip': ...}."""
    tree = ast.parse(source)
    versions = set()
    for func in ast.walk(tree):
        if not (isinstance(func, ast.FunctionDef) and func.name == 'get_venv_packages'):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.Call) and getattr(node.func, 'id', None) == 'dict':
                for keyword in node.keywords:
                    if keyword.arg == 'pip' and isinstance(keyword.value, ast.Constant) and keyword.value.value:
                        versions.add(keyword.value.value)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if (isinstance(key, ast.Constant) and key.value == 'pip'
                            and isinstance(value, ast.Constant) and value.value):
                        versions.add(value.value)
    return sorted(versions)


def is_stand_in(path):
    with open(path) as existing:
        return MARKER in existing.read()


def main():
    path, source = requirements_source()
    versions = pip_versions(source)
    if not versions:
        raise SystemExit('install_get_pip: found no pip version in get_venv_packages() of %s' % path)
    if not os.path.isdir(CACHE_DIR):
        os.makedirs(CACHE_DIR)
    for version in versions:
        target = os.path.join(CACHE_DIR, 'get_pip_%s.py' % version.replace('.', '_'))
        if os.path.exists(target) and not is_stand_in(target):
            print('get-pip %s: keeping existing %s' % (version, target))
            continue
        shutil.copyfile(STAND_IN, target)
        print('get-pip %s: offline stand-in installed at %s' % (version, target))
    return 0


if __name__ == '__main__':
    sys.exit(main())
