#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mcp_access
short_description: Keep an MCP client config and its backups private (0700 directories, 0600 files, one owner)
version_added: 1.1.0
description:
  - Checks, and unless in check mode fixes, the permissions the runbook's access control asks for - the config's
    directory and the backup directory C(0700); the config, its lock file, this config's backups and their
    C(.meta) sidecars C(0600); all owned by O(user) (without O(user), by the owner new files get - the config's
    owner when running as root - or else the connecting user).
  - A symlinked config is checked at its real file, and the directory holding that file too.
  - Other files in those directories (the client's own files, other configs' backups in a shared O(backup_dir)) are
    left alone, and so is a home directory that holds the config directly (such as Claude Code's C(~/.claude.json)).
  - In check mode nothing changes; RV(findings) lists what is wrong, so a C(--check) run is a permissions report.
author:
  - mcpops contributors (@mcpops)
extends_documentation_fragment:
  - mcpops.mcp.common
  - mcpops.mcp._attributes
options: {}
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
seealso:
  - module: mcpops.mcp.mcp_backup
'''

EXAMPLES = r'''
- name: Make the config and its backups private to their user
  mcpops.mcp.mcp_access:
    user: alice
  become: true

- name: Report paths that are too open, changing nothing
  mcpops.mcp.mcp_access:
  check_mode: true
  register: access

- name: Fail when anything is readable by others
  ansible.builtin.assert:
    that: not access.too_open
'''

RETURN = r'''
config_path:
  description: Path of the config file.
  returned: always
  type: str
  sample: /home/alice/.config/Claude/claude_desktop_config.json
backup_dir:
  description: The backup directory checked.
  returned: always
  type: str
  sample: /home/alice/.config/Claude/backups
too_open:
  description: Whether any existing path had a mode wider than it should (before this run fixed it).
  returned: always
  type: bool
  sample: true
findings:
  description: The items of RV(paths) that were not as they should be before this run; fixed unless in check mode.
  returned: always
  type: list
  elements: dict
  sample: [{"path": "/home/alice/.config/Claude/claude_desktop_config.json", "kind": "config", "mode": "0644",
            "want_mode": "0600", "problem": "mode 0644, too open, should be 0600"}]
fixed:
  description: Paths whose mode or owner this run changed (empty in check mode).
  returned: always
  type: list
  elements: str
  sample: [/home/alice/.config/Claude/claude_desktop_config.json]
paths:
  description: Every path checked, as it was before this run, directories first. Paths that do not exist are listed with RV(paths[].exists=false).
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The path.
      type: str
      sample: /home/alice/.config/Claude
    kind:
      description: V(config_dir), V(backup_dir), V(config), V(lock), V(backup) or V(backup_meta).
      type: str
      sample: config_dir
    exists:
      description: Whether it exists.
      type: bool
      sample: true
    mode:
      description: Its mode as four octal digits, or V(null).
      type: str
      sample: "0755"
    want_mode:
      description: The mode it should have.
      type: str
      sample: "0700"
    owner:
      description: Its owner's user name (or uid), or V(null).
      type: str
      sample: alice
    want_owner:
      description: The owner it should have.
      type: str
      sample: alice
    too_open:
      description: Its mode has bits beyond RV(paths[].want_mode).
      type: bool
      sample: true
    wrong_owner:
      description: Its owner (or, with O(user), group) is not the wanted one.
      type: bool
      sample: false
    ok:
      description: Mode and owner are as they should be (or it does not exist).
      type: bool
      sample: false
    problem:
      description: What is wrong, in words, or V(null).
      type: str
      sample: mode 0755, too open, should be 0700
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mcpops.mcp.plugins.module_utils._access import AccessError, check_access, fix_access
from ansible_collections.mcpops.mcp.plugins.module_utils._common import context_or_fail, with_common


def main():
    module = AnsibleModule(argument_spec=with_common(dict()), supports_check_mode=True)
    ctx = context_or_fail(module)
    items = check_access(ctx)
    findings = [item for item in items if not item['ok']]
    fixed = []
    if findings and not module.check_mode:
        try:
            fixed = fix_access(ctx, findings)
        except AccessError as exc:
            module.fail_json(msg=str(exc), config_path=ctx.config_path, findings=findings)
    module.exit_json(changed=bool(findings), config_path=ctx.config_path, backup_dir=ctx.backup_dir,
                     too_open=any(item['too_open'] for item in items), findings=findings, fixed=fixed, paths=items)


if __name__ == '__main__':
    main()
