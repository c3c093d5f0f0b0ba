# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backups you can trust: create and verify, find the newest valid one, restore full or per server, prune."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import json
import os

from ansible_collections.mcpops.mcp.plugins.module_utils._common import default_backup_dir
from ansible_collections.mcpops.mcp.plugins.module_utils._config import ConfigError, Ops, same_json, validate_config
from ansible_collections.mcpops.mcp.plugins.module_utils._files import (
    FileLayerError,
    edit_config,
    fsync_dir,
    meta_path,
    owner_for,
    parse_backup_filename,
    read_bytes,
    read_config,
    real_target,
    remove_backup,
    replace_config_bytes,
    utc_now,
    write_backup,
)


class BackupError(Exception):
    pass


def iso_utc(stamp):
    return stamp.strftime('%Y-%m-%dT%H:%M:%S.%fZ') if stamp else None


def check_backup_bytes(data, path, servers_key):
    """(ConfigDocument or None, error or None): what restore accepts - any valid client config.

    servers_key: the config's Layout (its format and servers path). A config without the servers object
    ({} or only the client's own keys, as a fresh install has) is valid.
    """
    try:
        return validate_config(data, path, servers_key), None
    except ConfigError as exc:
        return None, str(exc)


def read_meta(path):
    """(sidecar dict or None, error or None) for the backup at path; (None, None) when it has no sidecar."""
    sidecar = meta_path(path)
    try:
        data = read_bytes(sidecar)
    except (IOError, OSError) as exc:
        return None, '%s: cannot read: %s' % (sidecar, exc.strerror or exc)
    if data is None:
        return None, None
    try:
        meta = json.loads(data.decode('utf-8'))
    except ValueError:
        meta = None
    if not isinstance(meta, dict) or not all(isinstance(meta.get(key), str) for key in ('source', 'sha256')):
        return None, ('%s is not a backup sidecar (JSON with "source" and "sha256"); delete it to treat %s as a '
                      'backup of unknown origin.' % (sidecar, os.path.basename(path)))
    return meta, None


class BackupDir(object):
    """The backups in ctx.backup_dir, split into those taken from ctx's config (mine) and the rest.

    A backup with a sidecar belongs to the config its sidecar names (by real path). A backup without
    one (written before backups had sidecars) is counted as this config's only when the backup
    directory is this config's own default one (backups/ beside it) and no sidecar there names
    another config; a backup_dir set by hand may be shared, so there such backups are left alone:
    not listed, restored by latest=true or pruned (restore one explicitly with src).
    """

    def __init__(self, ctx):
        self.ctx = ctx
        self.source = real_target(ctx.config_path)
        paths = backup_paths(ctx.backup_dir)
        self.metas = dict((path, read_meta(path)) for path in paths)
        sources = set(meta['source'] for meta, _error in self.metas.values() if meta)
        self.unattributed_ok = (os.path.realpath(ctx.backup_dir) == os.path.realpath(default_backup_dir(ctx.config_path))
                                and sources <= set([self.source]))
        self.mine, self.foreign, self.unattributed = [], [], []
        for path in paths:
            meta = self.metas[path][0]
            if meta:
                (self.mine if meta['source'] == self.source else self.foreign).append(path)
            else:
                (self.mine if self.unattributed_ok else self.unattributed).append(path)

    def inspect(self, path):
        return inspect_backup(path, self.ctx, self.metas.get(path))

    def items(self):
        """mcp_backup_info's items for this config's backups, newest first."""
        return [self.inspect(path) for path in self.mine]

    def latest(self):
        """Newest valid backup of this config that is not a pre-restore one (a rollback must not re-apply what
        it undoes), or None."""
        for path in self.mine:
            if parse_backup_filename(os.path.basename(path))['kind'] == 'pre-restore':
                continue
            item = self.inspect(path)
            if item['valid']:
                return item
        return None

    def not_listed(self):
        """Why backups in the directory are not this config's, as one sentence (empty when all are)."""
        parts = []
        if self.foreign:
            parts.append('%d taken from other configs' % len(self.foreign))
        if self.unattributed:
            parts.append('%d older ones without a .meta sidecar, which are attributed to a config only in its own '
                         'default backups/ directory (check one with mcpops.mcp.mcp_backup_info path=<file> and '
                         'restore it with src=<file>)' % len(self.unattributed))
        return ('%s also holds %s.' % (self.ctx.backup_dir, ' and '.join(parts))) if parts else ''


def inspect_backup(path, ctx, meta_and_error=None):
    """The stable item mcp_backup_info returns for one file; valid says whether a restore into ctx's config
    accepts it. A backup without a sidecar is judged by its content alone (that is what src= restores)."""
    parsed = parse_backup_filename(os.path.basename(path)) or {}
    item = dict(path=path, timestamp=iso_utc(parsed.get('timestamp')), kind=parsed.get('kind', 'unknown'),
                size=None, sha256=None, valid=False, error=None, server_count=0, server_names=[], source=None)
    try:
        data = read_bytes(path)
    except (IOError, OSError) as exc:
        item['error'] = '%s: cannot read: %s' % (path, exc.strerror or exc)
        return item
    if data is None:
        item['error'] = '%s: does not exist.' % path
        return item
    item.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
    doc, error = check_backup_bytes(data, path, ctx.layout)
    meta, meta_error = meta_and_error or read_meta(path)
    if meta:
        item['source'] = meta['source']
        source = real_target(ctx.config_path)
        if meta['sha256'] != item['sha256']:
            error = error or ('%s: changed since it was taken (its SHA-256 no longer matches %s); delete the sidecar '
                              'to restore it as it is now.' % (path, os.path.basename(meta_path(path))))
        elif meta['source'] != source:
            error = error or ('%s: was taken from %s, not from %s; a backup is only restored into the config it came '
                              'from.' % (path, meta['source'], source))
    error = error or meta_error
    item.update(error=error, valid=error is None)
    if doc is not None:
        names = list(doc.servers())
        item.update(server_count=len(names), server_names=names)
    return item


def _sort_key(path):
    parsed = parse_backup_filename(os.path.basename(path))
    return (parsed['timestamp'], parsed['n'], os.path.basename(path))


def backup_paths(backup_dir):
    """Backup files in backup_dir (by naming pattern only; sidecars are not), newest first."""
    try:
        names = os.listdir(backup_dir)
    except OSError:
        return []
    paths = [os.path.join(backup_dir, name) for name in names
             if parse_backup_filename(name) and os.path.isfile(os.path.join(backup_dir, name))]
    return sorted(paths, key=_sort_key, reverse=True)


# --------------------------------------------------------------------------------------------
# Create


def create_backup(ctx, dest=None, allow_invalid=False, daily=False, check_mode=False):
    """Copy the config's bytes into a new backup (with its sidecar) and verify it. Returns (changed, item)."""
    target = real_target(ctx.config_path)
    # Settles first: a file another program is rewriting raises ConfigChangingError instead of being saved half-written.
    data, doc, config_error = read_config(target, ctx.layout, display_path=ctx.config_path)
    if data is None:
        raise BackupError('%s does not exist; there is nothing to back up.' % ctx.config_path)
    error = str(config_error) if config_error else None
    if error and not allow_invalid:
        raise BackupError('Not backing up an invalid config (use allow_invalid=true to save it anyway): %s' % error)
    uid, gid = owner_for(ctx, target)
    if dest:
        dest = os.path.abspath(dest)
        if not parse_backup_filename(os.path.basename(dest)):
            raise BackupError('dest %s must be named backup_<YYYYMMDDTHHMMSSffffff>Z[_<kind>][-<n>].json or '
                              'backup-YYYY-MM-DD[-<n>].json (.toml or .env instead of .json allowed) so prune can '
                              'recognise it.' % dest)
        existing = read_bytes(dest)
        if existing is not None:
            if existing == data:
                return False, inspect_backup(dest, ctx)
            raise BackupError('dest %s already exists with different content; backups are never overwritten.' % dest)
        backup_dir, name = os.path.split(dest)
    else:
        backup_dir, name = ctx.backup_dir, None
        if daily:
            backups = BackupDir(ctx)
            today = utc_now().date()
            for path in backups.mine:
                parsed = parse_backup_filename(os.path.basename(path))
                if parsed['kind'] == 'daily' and parsed['timestamp'].date() == today and read_bytes(path) == data:
                    return False, backups.inspect(path)
    if check_mode:
        item = dict(path=None, sha256=hashlib.sha256(data).hexdigest(), valid=error is None, error=error,
                    server_count=len(doc.servers()) if doc else 0, server_names=list(doc.servers()) if doc else [],
                    source=target)
        return True, item
    path = write_backup(backup_dir, data, None, uid, gid, daily=daily, name=name, source=target)
    item = inspect_backup(path, ctx)
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
        item = inspect_backup(os.path.abspath(src), ctx)
    elif latest:
        backups = BackupDir(ctx)
        item = backups.latest()
        if item is None:
            raise BackupError(' '.join(part for part in (
                'No valid backup of %s in %s to restore; nothing was changed.' % (ctx.config_path, ctx.backup_dir),
                backups.not_listed()) if part))
    else:
        raise BackupError('state=restored needs src or latest=true.')
    if not item['valid']:
        raise BackupError('Refusing to restore %s: %s Nothing was changed.' % (item['path'], item['error']))
    return item


def restore_full(ctx, item, check_mode=False):
    """Write the backup's bytes verbatim (a rollback is byte-identical), saving the current file first."""
    data = read_bytes(item['path'])
    if data is None or hashlib.sha256(data).hexdigest() != item['sha256']:
        raise BackupError('Backup %s changed while it was being restored; nothing was changed.' % item['path'])
    before, changed, saved = replace_config_bytes(ctx, data, check_mode=check_mode, backup=True,
                                                  backup_kind='pre-restore')
    return RestoreResult(item['path'], changed, before, data, saved)


def restore_servers(ctx, item, names, check_mode=False):
    """Restore only the named entries from the backup into the current (valid) config."""
    source_doc, error = check_backup_bytes(read_bytes(item['path']) or b'', item['path'], ctx.layout)
    if error:
        raise BackupError('Refusing to restore %s: %s' % (item['path'], error))
    saved = source_doc.servers()
    missing = [name for name in names if name not in saved]
    if missing:
        raise BackupError('Backup %s has no server named %s; nothing was changed.' % (item['path'], ', '.join(missing)))

    def transform(doc):
        # Each named entry is spliced in whole; the rest of the current file stays byte-identical.
        servers = doc.servers()
        ops = Ops((tuple(doc.servers_path) + (name,), saved[name]) for name in names
                  if name not in servers or not same_json(servers[name], saved[name]))
        return ops, bool(ops)

    result = edit_config(ctx, transform, check_mode=check_mode, backup=True, create=True, backup_kind='pre-restore')
    return RestoreResult(item['path'], result.changed, result.before, result.after, result.backup_file, list(names))


# --------------------------------------------------------------------------------------------
# Prune


def plan_prune(ctx, retention_days=30, keep_min=3, now=None):
    """This config's backups to delete: dated (by name) before today - retention_days, except the newest
    keep_min valid ones.

    The date in the name counts, not the mtime (copies keep mtimes). Only our naming patterns are touched,
    and only backups of this config (see BackupDir): another config's backups in a shared directory stay.
    """
    now = now or utc_now()
    cutoff = (now - datetime.timedelta(days=retention_days)).date()
    backups = BackupDir(ctx)
    protected = set()
    for path in backups.mine:
        if len(protected) >= keep_min:
            break
        if backups.inspect(path)['valid']:
            protected.add(path)
    return [path for path in backups.mine
            if path not in protected and parse_backup_filename(os.path.basename(path))['timestamp'].date() < cutoff]


def prune_backups(ctx, retention_days=30, keep_min=3, check_mode=False, now=None):
    removed = plan_prune(ctx, retention_days, keep_min, now)
    if not check_mode:
        for path in removed:
            try:
                remove_backup(path)
            except OSError as exc:
                raise FileLayerError('Cannot remove %s: %s' % (path, exc.strerror))
        if removed:
            fsync_dir(ctx.backup_dir)
    return removed
