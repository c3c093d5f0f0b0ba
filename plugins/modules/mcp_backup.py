#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mcp_backup
short_description: Create, verify, restore (full or per server) and prune MCP client config backups
version_added: 1.0.0
description:
  - V(present) copies the current config's bytes into a new backup file, fsyncs it, reads it back and verifies it.
    Backups are named C(backup_<YYYYMMDDTHHMMSSffffff>Z.json) (or C(backup-YYYY-MM-DD.json) with O(daily=true));
    a TOML config (C(codex)) keeps its extension, C(.toml) (its older backups named C(.json) are still listed,
    verified and restored);
    a name collision gets a C(-<n>) suffix and an existing backup is never overwritten.
    Backups are mode C(0600) in a C(0700) directory, owned by O(user) - or, without O(user) and running as root,
    by the owner of the config.
  - Any valid client config is backed up, also one without a servers object (C({}) or only the client's own keys,
    as a fresh Claude Desktop install has). A config another program is rewriting at that moment is refused with
    that reason rather than saved half-written.
  - Each backup has a sidecar C(<backup>.meta) (JSON with the real path of the config it was taken from and the
    backup's SHA-256), so several configs can share one O(backup_dir). A backup is only restored into the config it
    came from, and only when it still has the recorded SHA-256. Older backups without a sidecar are used by
    O(latest=true) and O(state=pruned) only when O(backup_dir) is the config's own default C(backups/) directory
    and no sidecar there names another config; O(src) restores one explicitly.
  - V(restored) restores from O(src), or the newest valid backup with O(latest=true) (skipping C(pre-restore) backups,
    so a rollback never re-applies the change it is undoing), among the backups taken from this config. The backup
    is verified first (a valid client config, taken from this config); a bad backup is refused and nothing changes.
    A full restore writes the backup's bytes verbatim; before overwriting, the current config - even a corrupt one - is saved as a C(pre-restore) backup.
    With O(names), only those server entries are restored into the current config, everything else is kept.
  - V(pruned) deletes backups dated (by the date in their file name, not the mtime) before today minus
    O(retention_days), but always keeps the newest O(keep_min) valid ones. Only this config's backups matching the
    backup naming patterns are touched (with their sidecars); other configs' backups in a shared O(backup_dir) stay.
author:
  - mcpops contributors (@mcpops)
extends_documentation_fragment:
  - mcpops.mcp.common
  - mcpops.mcp._engine
  - mcpops.mcp._attributes
options:
  state:
    description:
      - V(present) creates a backup, V(restored) restores one, V(pruned) applies retention.
    type: str
    choices: [present, restored, pruned]
    default: present
  dest:
    description:
      - Explicit backup path for O(state=present). Its name must match one of the backup naming patterns.
      - An existing O(dest) with the same content is V(ok); with different content the module fails.
    type: path
  daily:
    description:
      - With O(state=present), write a dated daily backup C(backup-YYYY-MM-DD.json). When today's daily backup already
        holds the same bytes, nothing is written (idempotent scheduled backups).
    type: bool
    default: false
  allow_invalid:
    description:
      - With O(state=present), also back up a config that does not validate (that is how a broken config is saved
        before recovery). The result then says RV(valid=false).
    type: bool
    default: false
  src:
    description:
      - Backup file to restore with O(state=restored). One whose sidecar names another config is refused.
    type: path
  latest:
    description:
      - With O(state=restored), restore the newest valid backup of this config in O(backup_dir) that is not a
        C(pre-restore) backup. Backups taken from another config are never chosen.
    type: bool
    default: false
  names:
    description:
      - With O(state=restored), restore only these server entries into the current config (which must be valid)
        and keep everything else.
    type: list
    elements: str
  retention_days:
    description:
      - With O(state=pruned), delete backups dated more than this many days before today.
    type: int
    default: 30
  keep_min:
    description:
      - With O(state=pruned), always keep at least this many of the newest valid backups.
    type: int
    default: 3
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: For O(state=restored), the redacted config before and after; secret values are masked.
requirements:
  - tomlkit (Codex configs only; the deploy role installs it with C(mcp_install_requirements=true))
seealso:
  - module: mcpops.mcp.mcp_backup_info
  - module: mcpops.mcp.mcp_server
'''

EXAMPLES = r'''
- name: Back up before a deployment
  mcpops.mcp.mcp_backup:
  register: pre_deploy

- name: Roll back to that backup
  mcpops.mcp.mcp_backup:
    state: restored
    src: "{{ pre_deploy.backup_file }}"

- name: Restore only the github server from the newest valid backup
  mcpops.mcp.mcp_backup:
    state: restored
    latest: true
    names: [github]

- name: Save a corrupt config before recovery
  mcpops.mcp.mcp_backup:
    allow_invalid: true

- name: Keep 30 days of backups, never fewer than 3
  mcpops.mcp.mcp_backup:
    state: pruned
    retention_days: 30
    keep_min: 3
'''

RETURN = r'''
config_path:
  description: Path of the config file.
  returned: always
  type: str
  sample: /home/alice/.config/Claude/claude_desktop_config.json
backup_file:
  description: The backup written (or found identical) by O(state=present); V(null) in check mode.
  returned: state=present
  type: str
  sample: /home/alice/.config/Claude/backups/backup_20261201T101500123456Z.json
sha256:
  description: SHA-256 of the backed-up bytes.
  returned: state=present
  type: str
  sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
valid:
  description: Whether the backed-up config validates.
  returned: state=present
  type: bool
  sample: true
server_count:
  description: Number of servers in the backup.
  returned: state=present
  type: int
  sample: 3
server_names:
  description: Server names in the backup, in file order.
  returned: state=present
  type: list
  elements: str
  sample: [filesystem, time]
restored_from:
  description: The backup that was (or would be) restored.
  returned: state=restored
  type: str
  sample: /home/alice/.config/Claude/backups/backup_20261201T101500123456Z.json
restored_names:
  description: The servers restored with O(names), or V(null) for a full restore.
  returned: state=restored
  type: list
  elements: str
  sample: [github]
saved_current:
  description: The C(pre-restore) backup of the config as it was before the restore; V(null) when nothing changed.
  returned: state=restored
  type: str
  sample: /home/alice/.config/Claude/backups/backup_20261201T101600654321Z_pre-restore.json
removed:
  description: Backups deleted (or that would be deleted in check mode) by O(state=pruned), newest first.
  returned: state=pruned
  type: list
  elements: str
  sample: [/home/alice/.config/Claude/backups/backup-2026-09-01.json]
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mcpops.mcp.plugins.module_utils._backups import (
    BackupError,
    choose_source,
    create_backup,
    prune_backups,
    restore_full,
    restore_servers,
)
from ansible_collections.mcpops.mcp.plugins.module_utils._common import context_or_fail, engine_option, with_common
from ansible_collections.mcpops.mcp.plugins.module_utils._config import (
    ConfigError,
    redacted_text,
    validate_config,
    validate_name,
)
from ansible_collections.mcpops.mcp.plugins.module_utils._files import FileLayerError
from ansible_collections.mcpops.mcp.plugins.module_utils._tomledit import MissingLibrary


def _diff_text(data, path, ctx):
    if data is None:
        return ''
    try:
        doc = validate_config(data, path, ctx.layout)
    except ConfigError as exc:
        # A corrupt file cannot be redacted key by key; show why instead of its bytes.
        return '# unparseable config (%d bytes): %s\n' % (len(data), exc.reason)
    return redacted_text(doc.data, ctx.layout, doc.style)


def run_present(module, ctx):
    params = module.params
    changed, item = create_backup(ctx, dest=params['dest'], allow_invalid=params['allow_invalid'],
                                  daily=params['daily'], check_mode=module.check_mode)
    return dict(changed=changed, backup_file=item['path'], sha256=item['sha256'], valid=item['valid'],
                server_count=item['server_count'], server_names=item['server_names'])


def run_restored(module, ctx):
    params = module.params
    for name in params['names'] or []:
        validate_name(name)
    item = choose_source(ctx, params['src'], params['latest'])
    if params['names']:
        result = restore_servers(ctx, item, params['names'], check_mode=module.check_mode)
    else:
        result = restore_full(ctx, item, check_mode=module.check_mode)
    output = dict(changed=result.changed, restored_from=result.source, restored_names=result.restored_names,
                  saved_current=result.saved_current)
    if module._diff:
        output['diff'] = dict(before_header=ctx.config_path, after_header=ctx.config_path,
                              before=_diff_text(result.before, ctx.config_path, ctx),
                              after=_diff_text(result.after if result.changed else result.before, ctx.config_path, ctx))
    return output


def run_pruned(module, ctx):
    params = module.params
    if params['retention_days'] < 0 or params['keep_min'] < 0:
        module.fail_json(msg='retention_days and keep_min must be 0 or more.')
    removed = prune_backups(ctx, params['retention_days'], params['keep_min'], check_mode=module.check_mode)
    return dict(changed=bool(removed), removed=removed)


def main():
    module = AnsibleModule(
        argument_spec=with_common(dict(
            state=dict(type='str', default='present', choices=['present', 'restored', 'pruned']),
            dest=dict(type='path'),
            daily=dict(type='bool', default=False),
            allow_invalid=dict(type='bool', default=False),
            src=dict(type='path'),
            latest=dict(type='bool', default=False),
            names=dict(type='list', elements='str'),
            retention_days=dict(type='int', default=30),
            keep_min=dict(type='int', default=3),
            engine=engine_option(),
        )),
        mutually_exclusive=[('src', 'latest'), ('dest', 'daily')],
        supports_check_mode=True,
    )
    ctx = context_or_fail(module)
    runners = dict(present=run_present, restored=run_restored, pruned=run_pruned)
    try:
        output = runners[module.params['state']](module, ctx)
    except MissingLibrary as exc:  # tomlkit, for a Codex config (an ImportError: before the ValueError/OSError clauses)
        module.fail_json(msg=missing_required_lib(exc.library, reason='to read and restore Codex TOML configs'),
                         exception=exc.traceback, config_path=ctx.config_path)
    except (BackupError, FileLayerError, ConfigError, ValueError) as exc:
        module.fail_json(msg=str(exc), config_path=ctx.config_path)
    except (OSError, IOError) as exc:
        module.fail_json(msg='%s: %s' % (getattr(exc, 'filename', None) or ctx.config_path, exc.strerror or exc),
                         config_path=ctx.config_path)
    output['config_path'] = ctx.config_path
    module.exit_json(**output)


if __name__ == '__main__':
    main()
