# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run_module fixture: a module's real main() in-process (see tests/unit/module_runner.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

# Nothing from ansible_collections is imported at the top of this file: when pytest is given a file in this directory,
# it loads this conftest BEFORE pytest-ansible's pytest_configure installs Ansible's collection finder, and a plain
# import here would register ansible_collections.mcpops.mcp without the finder's metadata, so every test file's
# import then fails with "collection metadata was not loaded for collection mcpops.mcp".


@pytest.fixture
def run_module():
    """run_module(module_main, args, check=False, diff=False) -> ModuleRun with the parsed result."""
    from ansible_collections.mcpops.mcp.tests.unit.module_runner import run_module_main
    return run_module_main
