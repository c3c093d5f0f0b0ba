# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access control of a config and its backups: which paths must be private, what is wrong with them, fix it.

The config's directory and the backup directory are 0700, the config, its lock file, this config's backups and
their sidecars 0600, all owned by the config's user. Other files in those directories (Claude's own, other
configs' backups in a shared backup_dir) are not this collection's and are left alone, and so is a home directory
that holds a config directly (Claude Code's ~/.claude.json): its mode is the system's business.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

try:
    import pwd
except ImportError:  # pragma: no cover - Windows controller-side use only
    pwd = None

from ansible_collections.mcpops.mcp.plugins.module_utils._backups import BackupDir
from ansible_collections.mcpops.mcp.plugins.module_utils._files import (
    NEW_DIR_MODE,
    NEW_FILE_MODE,
    meta_path,
    owner_for,
    real_target,
)


class AccessError(Exception):
    pass


def lock_path(target):
    """The lock file _files.locked() uses for target."""
    directory, base = os.path.split(target)
    return os.path.join(directory, '.%s.lock' % base)


def private_paths(ctx):
    """[(path, kind, wanted mode)] that must be private, in a stable order (directories first)."""
    target = real_target(ctx.config_path)
    home = os.path.realpath(ctx.home) if ctx.home else None
    paths = []
    # A symlinked config: the directory holding the real file (where the lock and backups/ live) too.
    for directory in (os.path.dirname(ctx.config_path), os.path.dirname(target)):
        if os.path.realpath(directory) != home and directory not in [p for p, _k, _m in paths]:
            paths.append((directory, 'config_dir', NEW_DIR_MODE))
    paths.append((ctx.backup_dir, 'backup_dir', NEW_DIR_MODE))
    paths += [(target, 'config', NEW_FILE_MODE), (lock_path(target), 'lock', NEW_FILE_MODE)]
    for path in BackupDir(ctx).mine:
        paths += [(path, 'backup', NEW_FILE_MODE), (meta_path(path), 'backup_meta', NEW_FILE_MODE)]
    return paths


def wanted_owner(ctx):
    """(uid, gid or None) the private paths must have: the user option's, else the one new files get
    (the config's owner when running as root), else the process's own uid (group not checked)."""
    uid, gid = owner_for(ctx, real_target(ctx.config_path))
    if uid is None:
        return os.geteuid(), None
    return uid, gid


def user_name(uid):
    if pwd is None:
        return str(uid)
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def inspect_path(path, kind, want_mode, want_uid, want_gid=None):
    """One stable item: path, kind, exists, mode, want_mode, owner, want_owner, too_open, wrong_owner, ok, problem.

    A path that does not exist is ok (nothing to protect). Modes are 4-digit octal strings as ansible's stat shows them.
    """
    item = dict(path=path, kind=kind, exists=False, mode=None, want_mode='%04o' % want_mode, owner=None,
                want_owner=user_name(want_uid), too_open=False, wrong_owner=False, ok=True, problem=None)
    try:
        st = os.stat(path)
    except OSError:
        return item
    mode = stat.S_IMODE(st.st_mode)
    too_open = bool(mode & ~want_mode)
    wrong_owner = st.st_uid != want_uid or (want_gid is not None and st.st_gid != want_gid)
    problems = []
    if mode != want_mode:
        problems.append('mode %04o, %s %04o' % (mode, 'too open, should be' if too_open else 'should be', want_mode))
    if wrong_owner:
        problems.append('owned by %s, should be %s' % (user_name(st.st_uid), user_name(want_uid)))
    item.update(exists=True, mode='%04o' % mode, owner=user_name(st.st_uid), too_open=too_open,
                wrong_owner=wrong_owner, ok=not problems, problem='; '.join(problems) or None)
    return item


def check_access(ctx):
    """The items of every private path of ctx's config (see inspect_path)."""
    want_uid, want_gid = wanted_owner(ctx)
    return [inspect_path(path, kind, mode, want_uid, want_gid) for path, kind, mode in private_paths(ctx)]


def fix_access(ctx, items):
    """Give every item that is not ok its wanted mode and owner. Returns the paths changed."""
    want_uid, want_gid = wanted_owner(ctx)
    fixed = []
    for item in items:
        if item['ok'] or not item['exists']:
            continue
        path = item['path']
        try:
            if item['wrong_owner']:
                os.chown(path, want_uid, -1 if want_gid is None else want_gid)
            os.chmod(path, int(item['want_mode'], 8))
        except OSError as exc:
            raise AccessError('Cannot make %s %s owned by %s: %s (run with become, or as %s).'
                              % (path, item['want_mode'], item['want_owner'], exc.strerror or exc, item['want_owner']))
        fixed.append(path)
    return fixed
