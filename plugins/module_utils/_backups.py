# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backups you can trust: create and verify, find the newest valid one, restore full or per server, prune."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import hashlib
import os

from ansible_collections.mcpops.mcp.plugins.module_utils._config import ConfigError, validate_config
from ansible_collections.mcpops.mcp.plugins.module_utils._files import (
    FileLayerError,
    edit_config,
    fsync_dir,
    parse_backup_filename,
    read_bytes,
    real_target,
    replace_config_bytes,
    write_backup,
)


class BackupError(Exception):
    pass


def iso_utc(stamp):
    return stamp.strftime('%Y-%m-%dT%H:%M:%S.%fZ') if stamp else None


def check_backup_bytes(data, path, servers_key):
    """(ConfigDocument or None, error or None): what restore accepts - a valid config with a servers key."""
    try:
        doc = validate_config(data, path, servers_key)
    except ConfigError as exc:
        return None, str(exc)
    if servers_key not in doc.data:
        return doc, '%s: has no "%s" object; it is not a backup of an MCP client config.' % (path, servers_key)
    return doc, None


def inspect_backup(path, servers_key):
    """The stable item mcp_backup_info returns for one file."""
    parsed = parse_backup_filename(os.path.basename(path)) or {}
    item = dict(path=path, timestamp=iso_utc(parsed.get('timestamp')), kind=parsed.get('kind', 'unknown'),
                size=None, sha256=None, valid=False, error=None, server_count=0, server_names=[])
    try:
        data = read_bytes(path)
    except (IOError, OSError) as exc:
        item['error'] = '%s: cannot read: %s' % (path, exc.strerror or exc)
        return item
    if data is None:
        item['error'] = '%s: does not exist.' % path
        return item
    item.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
    doc, error = check_backup_bytes(data, path, servers_key)
    item['error'] = error
    item['valid'] = error is None
    if doc is not None:
        names = list(doc.servers())
        item.update(server_count=len(names), server_names=names)
    return item


def _sort_key(path):
    parsed = parse_backup_filename(os.path.basename(path))
    return (parsed['timestamp'], parsed['n'], os.path.basename(path))


def backup_paths(backup_dir):
    """Our backup files in backup_dir (by naming pattern only), newest first."""
    try:
        names = os.listdir(backup_dir)
    except OSError:
        return []
    paths = [os.path.join(backup_dir, name) for name in names
             if parse_backup_filename(name) and os.path.isfile(os.path.join(backup_dir, name))]
    return sorted(paths, key=_sort_key, reverse=True)


def list_backups(backup_dir, servers_key):
    return [inspect_backup(path, servers_key) for path in backup_paths(backup_dir)]


def latest_valid_backup(backup_dir, servers_key):
    """Newest valid backup that is not a pre-restore one (a rollback must not re-apply what it undoes)."""
    for path in backup_paths(backup_dir):
        if parse_backup_filename(os.path.basename(path))['kind'] == 'pre-restore':
            continue
        item = inspect_backup(path, servers_key)
        if item['valid']:
            return item
    return None


# --------------------------------------------------------------------------------------------
# Create


def create_backup(ctx, dest=None, allow_invalid=False, daily=False, check_mode=False):
    """Copy the config's bytes into a new backup and verify it. Returns (changed, item)."""
    target = real_target(ctx.config_path)
    data = read_bytes(target)
    if data is None:
        raise BackupError('%s does not exist; there is nothing to back up.' % ctx.config_path)
    doc, error = check_backup_bytes(data, ctx.config_path, ctx.servers_key)
    if error and not allow_invalid:
        raise BackupError('Not backing up an invalid config (use allow_invalid=true to save it anyway): %s' % error)
    uid, gid = ctx.owner()
    if dest:
        dest = os.path.abspath(dest)
        if not parse_backup_filename(os.path.basename(dest)):
            raise BackupError('dest %s must be named backup_<YYYYMMDDTHHMMSSffffff>Z[_<kind>][-<n>].json or '
                              'backup-YYYY-MM-DD[-<n>].json so prune can recognise it.' % dest)
        existing = read_bytes(dest)
        if existing is not None:
            if existing == data:
                return False, inspect_backup(dest, ctx.servers_key)
            raise BackupError('dest %s already exists with different content; backups are never overwritten.' % dest)
        backup_dir, name = os.path.split(dest)
    else:
        backup_dir, name = ctx.backup_dir, None
        if daily:
            today = [p for p in backup_paths(backup_dir)
                     if parse_backup_filename(os.path.basename(p))['kind'] == 'daily'
                     and parse_backup_filename(os.path.basename(p))['timestamp'].date() == datetime.datetime.utcnow().date()]
            for path in today:
                if read_bytes(path) == data:
                    return False, inspect_backup(path, ctx.servers_key)
    if check_mode:
        item = dict(path=None, sha256=hashlib.sha256(data).hexdigest(), valid=error is None, error=error,
                    server_count=len(doc.servers()) if doc else 0, server_names=list(doc.servers()) if doc else [])
        return True, item
    path = write_backup(backup_dir, data, None, uid, gid, daily=daily, name=name)
    item = inspect_backup(path, ctx.servers_key)
    if item['sha256'] != hashlib.sha256(data).hexdigest():
        raise BackupError('Backup %s does not read back as written; check the disk.' % path)
    return True, item


# --------------------------------------------------------------------------------------------
# Restore


class RestoreResult(object):
    def __init__(self, source, changed, before, after, saved_current=None, restored_names=None):
        self.source = source
        self.changed = changed
        self.before = before
        self.after = after
        self.saved_current = saved_current
        self.restored_names = restored_names


def choose_source(ctx, src=None, latest=False):
    if src:
        item = inspect_backup(os.path.abspath(src), ctx.servers_key)
    elif latest:
        item = latest_valid_backup(ctx.backup_dir, ctx.servers_key)
        if item is None:
            raise BackupError('No valid backup in %s to restore.' % ctx.backup_dir)
    else:
        raise BackupError('state=restored needs src or latest=true.')
    if not item['valid']:
        raise BackupError('Refusing to restore %s: %s Nothing was changed.' % (item['path'], item['error']))
    return item


def restore_full(ctx, item, check_mode=False):
    """Write the backup's bytes verbatim (a rollback is byte-identical), saving the current file first."""
    data = read_bytes(item['path'])
    if data is None or check_backup_bytes(data, item['path'], ctx.servers_key)[1]:
        raise BackupError('Backup %s changed while it was being restored; nothing was changed.' % item['path'])
    before, changed, saved = replace_config_bytes(ctx, data, check_mode=check_mode, backup=True,
                                                  backup_kind='pre-restore')
    return RestoreResult(item['path'], changed, before, data, saved)


def restore_servers(ctx, item, names, check_mode=False):
    """Restore only the named entries from the backup into the current (valid) config."""
    source_doc, error = check_backup_bytes(read_bytes(item['path']) or b'', item['path'], ctx.servers_key)
    if error:
        raise BackupError('Refusing to restore %s: %s' % (item['path'], error))
    saved = source_doc.servers()
    missing = [name for name in names if name not in saved]
    if missing:
        raise BackupError('Backup %s has no server named %s; nothing was changed.' % (item['path'], ', '.join(missing)))

    def transform(doc):
        servers = doc.servers()
        if all(servers.get(name) == saved[name] for name in names):
            return doc.data, False
        data = copy.deepcopy(doc.data)
        target = data.setdefault(ctx.servers_key, {})
        for name in names:
            target[name] = copy.deepcopy(saved[name])
        return data, True

    result = edit_config(ctx, transform, check_mode=check_mode, backup=True, create=True, backup_kind='pre-restore')
    return RestoreResult(item['path'], result.changed, result.before, result.after, result.backup_file, list(names))


# --------------------------------------------------------------------------------------------
# Prune


def plan_prune(backup_dir, servers_key, retention_days=30, keep_min=3, now=None):
    """Paths to delete: dated (by name) before today - retention_days, except the newest keep_min valid ones.

    The date in the name counts, not the mtime (copies keep mtimes). Only our naming patterns are touched.
    """
    now = now or datetime.datetime.utcnow()
    cutoff = (now - datetime.timedelta(days=retention_days)).date()
    paths = backup_paths(backup_dir)
    protected = set()
    for path in paths:
        if len(protected) >= keep_min:
            break
        if inspect_backup(path, servers_key)['valid']:
            protected.add(path)
    return [path for path in paths
            if path not in protected and parse_backup_filename(os.path.basename(path))['timestamp'].date() < cutoff]


def prune_backups(backup_dir, servers_key, retention_days=30, keep_min=3, check_mode=False, now=None):
    removed = plan_prune(backup_dir, servers_key, retention_days, keep_min, now)
    if not check_mode:
        for path in removed:
            try:
                os.unlink(path)
            except OSError as exc:
                raise FileLayerError('Cannot remove %s: %s' % (path, exc.strerror))
        if removed:
            fsync_dir(backup_dir)
    return removed
