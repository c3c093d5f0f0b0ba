# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run_module fixture: a module's real main() in-process (see tests/unit/module_runner.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mcpops.mcp.tests.unit.module_runner import run_module_main


@pytest.fixture
def run_module():
    """run_module(module_main, args, check=False, diff=False) -> ModuleRun with the parsed result."""
    return run_module_main
