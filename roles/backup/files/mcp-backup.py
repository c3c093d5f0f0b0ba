#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host-side daily MCP config backup: the backup role's backup + prune + verify, without Ansible on the host.

Installed by the mcpops.mcp.backup role (mcp_backup_schedule: host) next to a copy of the collection's
module_utils in lib/ (the same code mcp_backup and mcp_backup_info run, so the naming rule
backup-YYYY-MM-DD[-n].json, the sidecars, retention and verification are the same), and a settings.json.

    python3 mcp-backup.py [--settings settings.json]

Prints one JSON line; writes it to last-run.json beside this script too. Exit 0: backed up and every kept
backup is valid. Exit 1: a kept backup is invalid (named with its reason) or the backup failed (reason).
Python 3.9+, standard library only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'lib'))

# pylint: disable=wrong-import-position
from ansible_collections.mcpops.mcp.plugins.module_utils._backups import (  # noqa: E402
    BackupDir,
    BackupError,
    create_backup,
    prune_backups,
)
from ansible_collections.mcpops.mcp.plugins.module_utils._clients import ClientError  # noqa: E402
from ansible_collections.mcpops.mcp.plugins.module_utils._common import resolve_context  # noqa: E402
from ansible_collections.mcpops.mcp.plugins.module_utils._config import ConfigError  # noqa: E402
from ansible_collections.mcpops.mcp.plugins.module_utils._files import FileLayerError, atomic_write, utc_now  # noqa: E402

DEFAULTS = {'client': 'claude_desktop', 'config_path': None, 'user': None, 'backup_dir': None,
            'retention_days': 30, 'keep_min': 7}


def run_backup(settings):
    """Backup + prune + verify, as the role does it. Returns the result dict (ok False with a reason on failure)."""
    ctx = resolve_context(settings)
    changed, item = create_backup(ctx, daily=True)
    removed = prune_backups(ctx, int(settings['retention_days']), int(settings['keep_min']))
    kept = BackupDir(ctx).items()
    invalid = ['%s: %s' % (os.path.basename(b['path']), b['error']) for b in kept if not b['valid']]
    result = {
        'ok': not invalid,
        'time': utc_now().strftime('%Y-%m-%dT%H:%M:%SZ'),
        'config_path': ctx.config_path,
        'backup_dir': ctx.backup_dir,
        'backup_file': item['path'],
        'created': changed,
        'removed': removed,
        'kept': [os.path.basename(b['path']) for b in kept],
        'valid_count': sum(1 for b in kept if b['valid']),
        'invalid': invalid,
    }
    if invalid:
        result['msg'] = '%d invalid backup(s) in %s: %s' % (len(invalid), ctx.backup_dir, '; '.join(invalid))
    return result


def load_settings(path):
    settings = dict(DEFAULTS)
    if path:
        with open(path) as handle:
            loaded = json.load(handle)
        if not isinstance(loaded, dict):
            raise ValueError('%s must hold a JSON object' % path)
        unknown = sorted(set(loaded) - set(DEFAULTS))
        if unknown:
            raise ValueError('%s: unknown settings %s' % (path, ', '.join(unknown)))
        settings.update(loaded)
    for key in ('config_path', 'user', 'backup_dir'):
        settings[key] = settings[key] or None
    return settings


def main(argv=None):
    parser = argparse.ArgumentParser(description='Daily MCP config backup with retention and verification.')
    parser.add_argument('--settings', default=os.path.join(HERE, 'settings.json'),
                        help='JSON settings written by the backup role (default: settings.json beside this script)')
    parser.add_argument('--no-status-file', action='store_true', help='do not write last-run.json')
    args = parser.parse_args(argv)
    try:
        result = run_backup(load_settings(args.settings))
    except (BackupError, ClientError, ConfigError, FileLayerError, ValueError) as exc:
        result = {'ok': False, 'time': utc_now().strftime('%Y-%m-%dT%H:%M:%SZ'), 'msg': str(exc)}
    except (OSError, IOError) as exc:
        result = {'ok': False, 'time': utc_now().strftime('%Y-%m-%dT%H:%M:%SZ'),
                  'msg': '%s: %s' % (getattr(exc, 'filename', None) or 'backup', exc.strerror or exc)}
    line = json.dumps(result, sort_keys=True)
    print(line)
    if not result['ok']:
        sys.stderr.write('mcp-backup: %s\n' % result['msg'])
    if not args.no_status_file:
        try:
            atomic_write(os.path.join(HERE, 'last-run.json'), (line + '\n').encode('utf-8'), 0o600, check_expected=False)
        except (OSError, FileLayerError) as exc:
            sys.stderr.write('mcp-backup: cannot write last-run.json: %s\n' % exc)
    return 0 if result['ok'] else 1


if __name__ == '__main__':
    sys.exit(main())
