# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the benchmarks find the collection: make's build tree, else a temp tree linking this checkout."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def collections_root(workdir=None):
    """A dir holding ansible_collections/mcpops/mcp, and put it on sys.path so the engine imports as on a host."""
    candidates = [os.environ.get('MCPOPS_COLLECTIONS_PATH', '')] + os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep)
    root = next((entry for entry in candidates
                 if entry and os.path.isdir(os.path.join(entry, 'ansible_collections', 'mcpops', 'mcp', 'plugins'))), None)
    if root is None:
        root = tempfile.mkdtemp(prefix='mcpops-bench-', dir=workdir)
        os.makedirs(os.path.join(root, 'ansible_collections', 'mcpops'))
        os.symlink(REPO, os.path.join(root, 'ansible_collections', 'mcpops', 'mcp'))
    if root not in sys.path:
        sys.path.insert(0, root)
    return root
