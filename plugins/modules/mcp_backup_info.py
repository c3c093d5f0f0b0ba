#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mcp_backup_info
short_description: List and verify MCP client config backups
version_added: 1.0.0
description:
  - Lists the backups in O(backup_dir) (only files matching the backup naming patterns), newest first, and verifies
    each one the way a restore would - valid JSON object with a servers object.
  - With O(path), verifies that one file instead.
author:
  - mcpops contributors (@mcpops)
extends_documentation_fragment:
  - mcpops.mcp.common
options:
  path:
    description:
      - Verify only this backup file (its name need not match the naming patterns).
    type: path
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
notes:
  - Windows hosts cannot run this module (no Python modules on Windows targets).
seealso:
  - module: mcpops.mcp.mcp_backup
'''

EXAMPLES = r'''
- name: List backups
  mcpops.mcp.mcp_backup_info:
  register: backups

- name: There is at least one valid backup
  ansible.builtin.assert:
    that: backups.backups | selectattr('valid') | list | length > 0

- name: Verify one file
  mcpops.mcp.mcp_backup_info:
    path: /srv/backups/backup-2026-11-30.json
  register: one
'''

RETURN = r'''
backup_dir:
  description: The directory listed.
  returned: always
  type: str
  sample: /home/alice/.config/Claude/backups
valid_count:
  description: Number of valid backups in RV(backups).
  returned: always
  type: int
  sample: 4
backups:
  description: One item per backup, newest first. Always a list.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: Backup path.
      type: str
      sample: /home/alice/.config/Claude/backups/backup_20261201T101500123456Z_pre-change.json
    timestamp:
      description: UTC time from the file name (ISO 8601), or V(null) for a name outside the patterns.
      type: str
      sample: "2026-12-01T10:15:00.123456Z"
    kind:
      description: V(manual), V(pre-change), V(pre-restore), V(daily), or V(unknown).
      type: str
      sample: pre-change
    size:
      description: Size in bytes.
      type: int
      sample: 512
    sha256:
      description: SHA-256 of the file.
      type: str
      sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    valid:
      description: Whether a restore would accept it.
      type: bool
      sample: true
    error:
      description: Why it is invalid (file:line:column and reason), or V(null).
      type: str
      sample: null
    server_count:
      description: Number of servers in it.
      type: int
      sample: 2
    server_names:
      description: Server names in it, in file order.
      type: list
      elements: str
      sample: [filesystem, time]
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mcpops.mcp.plugins.module_utils._backups import inspect_backup, list_backups
from ansible_collections.mcpops.mcp.plugins.module_utils._common import context_or_fail, with_common


def main():
    module = AnsibleModule(argument_spec=with_common(dict(path=dict(type='path'))), supports_check_mode=True)
    ctx = context_or_fail(module)
    if module.params['path']:
        backups = [inspect_backup(os.path.abspath(module.params['path']), ctx.servers_key)]
    else:
        backups = list_backups(ctx.backup_dir, ctx.servers_key)
    module.exit_json(changed=False, backup_dir=ctx.backup_dir, backups=backups,
                     valid_count=sum(1 for item in backups if item['valid']))


if __name__ == '__main__':
    main()
