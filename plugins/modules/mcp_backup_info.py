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
  - Lists the backups of the config in O(backup_dir) (only files matching the backup naming patterns), newest first,
    and verifies each one the way a restore would - a valid client config (a JSON object; a fresh config without a
    servers object counts), with the SHA-256 its C(.meta) sidecar recorded.
  - Backups are tied to the config they were taken from by a C(<backup>.meta) sidecar. Backups of other configs in a
    shared O(backup_dir) are not listed (see RV(other_count)); neither are older backups without a sidecar, unless
    O(backup_dir) is the config's own default C(backups/) directory and no sidecar there names another config.
  - With O(path), verifies that one file instead; a backup whose sidecar names another config is not valid for
    this one.
author:
  - mcpops contributors (@mcpops)
extends_documentation_fragment:
  - mcpops.mcp.common
  - mcpops.mcp._engine
  - mcpops.mcp._attributes
  - mcpops.mcp._attributes.INFO_MODULE
options:
  path:
    description:
      - Verify only this backup file (its name need not match the naming patterns).
    type: path
requirements:
  - tomlkit (Codex configs only; the deploy role installs it with C(mcp_install_requirements=true))
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
  description: Number of valid backups in RV(backups) (C(pre-restore) ones included).
  returned: always
  type: int
  sample: 4
latest:
  description:
    - The backup in O(backup_dir) that C(mcpops.mcp.mcp_backup state=restored latest=true) would restore (the newest
      valid one of this config that is not C(pre-restore)), or V(null) when there is none. Also with O(path).
  returned: always
  type: str
  sample: /home/alice/.config/Claude/backups/backup_20261201T101500123456Z_pre-change.json
other_count:
  description:
    - Backup files in O(backup_dir) that are not listed because they belong to another config, or are older backups
      without a sidecar in a directory that may be shared.
  returned: always
  type: int
  sample: 0
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
    source:
      description: Real path of the config it was taken from (from its sidecar), or V(null) for a backup without one.
      type: str
      sample: /home/alice/.config/Claude/claude_desktop_config.json
'''

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mcpops.mcp.plugins.module_utils._backups import BackupDir, inspect_backup
from ansible_collections.mcpops.mcp.plugins.module_utils._common import context_or_fail, engine_option, with_common
from ansible_collections.mcpops.mcp.plugins.module_utils._tomledit import MissingLibrary


def main():
    module = AnsibleModule(argument_spec=with_common(dict(path=dict(type='path'), engine=engine_option())), supports_check_mode=True)
    ctx = context_or_fail(module)
    try:
        found = BackupDir(ctx)
        if module.params['path']:
            backups = [inspect_backup(os.path.abspath(module.params['path']), ctx)]
            latest = found.latest()
        else:
            backups = found.items()
            latest = next((item for item in backups if item['valid'] and item['kind'] != 'pre-restore'), None)
    except MissingLibrary as exc:  # tomlkit, to verify the backups of a Codex config
        module.fail_json(msg=missing_required_lib(exc.library, reason='to verify backups of Codex TOML configs'),
                         exception=exc.traceback, config_path=ctx.config_path)
    module.exit_json(changed=False, backup_dir=ctx.backup_dir, backups=backups, latest=latest and latest['path'],
                     other_count=len(found.foreign) + len(found.unattributed),
                     valid_count=sum(1 for item in backups if item['valid']))


if __name__ == '__main__':
    main()
