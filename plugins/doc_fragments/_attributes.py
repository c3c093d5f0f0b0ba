# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection (the leading underscore): it may change at any time; do not use it from elsewhere.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Every mcpops.mcp module: what check_mode/diff_mode mean, where it runs, and its module_defaults group.
    # A module (or the INFO_MODULE variant) adds C(support) for check_mode and diff_mode.
    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying the target.
  diff_mode:
    description: Will return details on what has changed (or would change in C(check_mode)) when in diff mode.
  platform:
    description: Target OS families the module can run against.
    support: full
    platforms: posix
    details:
      - Linux and macOS hosts. Windows targets are not supported (they cannot run Python modules).
  action_group:
    description: Use C(group/mcpops.mcp.mcp) in C(module_defaults) to set the shared options once for all modules of this collection.
    support: full
    membership:
      - mcpops.mcp.mcp
'''

    # Use together with DOCUMENTATION for modules that only read.
    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This action does not modify state, so it runs the same in check mode.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
'''
