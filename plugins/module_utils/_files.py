# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The only place that touches config files: lock, read, backup, atomic write, mode/owner/symlink rules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import errno
import hashlib
import json
import os
import re
import tempfile
import time
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX host
    fcntl = None

try:
    import pwd
except ImportError:  # pragma: no cover - not a POSIX host
    pwd = None

from ansible_collections.mcpops.mcp.plugins.module_utils._config import (
    ConfigError,
    Ops,
    apply_ops_to_data,
    as_layout,
    diff_ops,
    get_path,
    new_document,
    same_json,
    validate_config,
)

NEW_FILE_MODE = 0o600
NEW_DIR_MODE = 0o700
LOCK_TIMEOUT = 30.0
EDIT_ATTEMPTS = 3

BACKUP_KINDS = ('pre-change', 'pre-restore')
# backup_<YYYYMMDDTHHMMSSffffff>Z[_<kind>][-<n>].<ext>  and  backup-YYYY-MM-DD[-<n>].<ext>: <ext> is the backed-up
# file's own (BACKUP_EXTENSIONS: .toml for Codex, .env for an env file), else .json. Backups written before the
# extension was kept end in .json whatever they hold; they are listed, verified and restored all the same (a backup
# is read with the layout of the config it belongs to, never by its name).
BACKUP_EXTENSIONS = ('.json', '.toml', '.env')
TIMESTAMP_BACKUP_RE = re.compile(
    r'^backup_(?P<ts>\d{8}T\d{12})Z(?:_(?P<kind>pre-change|pre-restore))?(?:-(?P<n>\d+))?\.(?:json|toml|env)$')
DAILY_BACKUP_RE = re.compile(r'^backup-(?P<date>\d{4}-\d{2}-\d{2})(?:-(?P<n>\d+))?\.(?:json|toml|env)$')
# Beside every backup: <backup>.meta, JSON {"format": 1, "source": <real path of the config>, "sha256", "size"}.
META_SUFFIX = '.meta'
META_FORMAT = 1
# A read that does not validate is re-read after these pauses (157 ms in all) before we call the file
# corrupt: a program rewriting it in place (truncate, then write) is seen half-written now and then.
SETTLE_DELAYS = (0.002, 0.005, 0.01, 0.02, 0.04, 0.08)
# A file that stays invalid through SETTLE_DELAYS but was written less than FRESH_SECONDS before the last read may
# belong to a writer descheduled mid-write (a loaded machine): it gets LATE_DELAYS (0.7 s in all) more.
FRESH_SECONDS = 0.5
LATE_DELAYS = (0.1, 0.2, 0.4)
NOT_WRITABLE_ERRNOS = (errno.EACCES, errno.EPERM, errno.EROFS)


class FileLayerError(Exception):
    pass


class ConcurrentChangeError(FileLayerError):
    pass


class ConfigChangingError(ConfigError, FileLayerError):
    """The file changed between our reads and no read of it validated: another program is writing it."""


def utc_now():
    """Naive UTC now, like the timestamps in backup names (the utcnow of datetime is deprecated since 3.12)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def process_user():
    """Name of the user this process writes as, for messages."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except (KeyError, AttributeError):
        return 'uid %d' % uid


def owner_for(ctx, target):
    """(uid, gid) that new files and directories belonging to target's config get.

    The user option decides when given. Otherwise, when running as root, the owner of the config
    (or, for a new config, of its nearest existing directory): root editing someone else's config
    must not leave a root-owned lock file or backup directory that locks its owner out.
    (None, None) keeps the process's own.
    """
    uid, gid = ctx.owner()
    if uid is not None or gid is not None:
        return uid, gid
    if os.geteuid() != 0:
        return None, None
    path = target
    while True:
        try:
            info = os.stat(path)
            return info.st_uid, info.st_gid
        except OSError:
            parent = os.path.dirname(path)
            if parent == path:
                return None, None
            path = parent


def read_bytes(path):
    """Bytes of path, or None when it does not exist."""
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise


def real_target(path):
    """The file a write must go to: a symlinked config is written through to its target."""
    return os.path.realpath(path)


def write_all(fd, data):
    """os.write until every byte is out (a single write may be short), then fsync."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)


def fill_new_file(fd, data, mode, uid=None, gid=None):
    """Mode and owner first, so no byte (a secret) is ever readable by others, then every byte and fsync."""
    os.fchmod(fd, mode)
    _chown(fd, uid, gid)
    write_all(fd, data)


def _chown(path_or_fd, uid, gid):
    if uid is None and gid is None:
        return
    uid = -1 if uid is None else uid
    gid = -1 if gid is None else gid
    if isinstance(path_or_fd, int):
        os.fchown(path_or_fd, uid, gid)
    else:
        os.chown(path_or_fd, uid, gid)


def ensure_dir(path, uid=None, gid=None, mode=NEW_DIR_MODE):
    """Create path and any missing parents with mode (0700) owned by uid/gid; existing ones untouched."""
    missing = []
    current = os.path.abspath(path)
    while not os.path.isdir(current):
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, mode)
        except OSError as exc:
            if exc.errno in NOT_WRITABLE_ERRNOS:
                raise FileLayerError('Cannot create directory %s: its parent is not writable by %s (%s).'
                                     % (directory, process_user(), exc.strerror))
            if exc.errno != errno.EEXIST:
                raise FileLayerError('Cannot create directory %s: %s' % (directory, exc.strerror))
            continue
        os.chmod(directory, mode)  # mkdir's mode is filtered by the umask
        _chown(directory, uid, gid)
    return missing


def fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def locked(target, uid=None, gid=None, timeout=LOCK_TIMEOUT):
    """Exclusive lock on a lock file beside target (the target's inode changes on every rename).

    The lock file is owned by uid/gid (pass owner_for's answer); an existing one is given to them too,
    which repairs a lock file an older version left root-owned.
    """
    directory, base = os.path.split(target)
    lock_path = os.path.join(directory, '.%s.lock' % base)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, NEW_FILE_MODE)
    except OSError as exc:
        if exc.errno in NOT_WRITABLE_ERRNOS:
            raise FileLayerError('%s: the config (or its directory) is not writable by %s: cannot open the lock file '
                                 '%s (%s). Run as the owner of the config, or with become.'
                                 % (target, process_user(), lock_path, exc.strerror))
        raise
    try:
        try:
            _chown(fd, uid, gid)
        except OSError:
            pass
        if fcntl is not None:
            deadline = time.time() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except (IOError, OSError) as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        raise
                    if time.time() > deadline:
                        raise FileLayerError('Timed out after %ds waiting for the lock on %s.' % (timeout, lock_path))
                    time.sleep(0.02)
        yield lock_path
    finally:
        os.close(fd)  # closing releases the flock


def remove_stale_temp_files(target):
    """Remove temp files a killed writer left beside target. Only call while holding the lock:
    temp files are only ever written under it, so any found now belong to a dead writer."""
    directory, base = os.path.split(target)
    prefix = '.%s.' % base
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix) and name.endswith('.tmp'):
            try:
                os.unlink(os.path.join(directory, name))
            except OSError:
                pass


def atomic_write(target, data, mode, uid=None, gid=None, expected=None, check_expected=True):
    """Write data to target via temp file + fsync + rename in the same directory.

    Mode and owner are set on the temp file before any byte lands. With check_expected, the
    target must still hold `expected` (None: must not exist) just before the rename, else
    ConcurrentChangeError and nothing changes.
    """
    directory, base = os.path.split(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix='.%s.' % base, suffix='.tmp', dir=directory)
    except OSError as exc:
        if exc.errno in NOT_WRITABLE_ERRNOS:
            raise FileLayerError('%s: its directory is not writable by %s (%s).' % (target, process_user(), exc.strerror))
        raise
    try:
        try:
            fill_new_file(fd, data, mode, uid, gid)
        finally:
            os.close(fd)
        if check_expected and read_bytes(target) != expected:
            raise ConcurrentChangeError('%s changed while it was being edited.' % target)
        os.rename(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(directory)


# --------------------------------------------------------------------------------------------
# Backups


def backup_extension(source):
    """The extension a backup of source gets: its own when in BACKUP_EXTENSIONS (.toml, .env), else .json."""
    ext = os.path.splitext(source or '')[1].lower()
    return ext if ext in BACKUP_EXTENSIONS else '.json'


def backup_filename(kind=None, now=None, daily=False, ext='.json'):
    now = now or utc_now()
    if ext not in BACKUP_EXTENSIONS:
        raise ValueError('Unknown backup extension %r' % ext)
    if daily:
        return 'backup-%s%s' % (now.strftime('%Y-%m-%d'), ext)
    name = 'backup_%sZ' % now.strftime('%Y%m%dT%H%M%S%f')
    if kind:
        if kind not in BACKUP_KINDS:
            raise ValueError('Unknown backup kind %r' % kind)
        name += '_' + kind
    return name + ext


def parse_backup_filename(name):
    """{'timestamp': datetime (UTC, naive), 'kind': 'manual'|'pre-change'|'pre-restore'|'daily'} or None."""
    match = TIMESTAMP_BACKUP_RE.match(name)
    if match:
        try:
            stamp = datetime.datetime.strptime(match.group('ts'), '%Y%m%dT%H%M%S%f')
        except ValueError:
            return None
        return {'timestamp': stamp, 'kind': match.group('kind') or 'manual', 'n': int(match.group('n') or 0)}
    match = DAILY_BACKUP_RE.match(name)
    if match:
        try:
            stamp = datetime.datetime.strptime(match.group('date'), '%Y-%m-%d')
        except ValueError:
            return None
        return {'timestamp': stamp, 'kind': 'daily', 'n': int(match.group('n') or 0)}
    return None


def _with_counter(name, n):
    stem, ext = os.path.splitext(name)
    return '%s-%d%s' % (stem, n, ext)


def meta_path(backup_path):
    return backup_path + META_SUFFIX


def backup_meta(data, source):
    """The sidecar's bytes: which config the backup was taken from, and what it must still hold."""
    return json.dumps(dict(format=META_FORMAT, source=source, sha256=hashlib.sha256(data).hexdigest(), size=len(data)),
                      indent=2, sort_keys=True).encode('utf-8') + b'\n'


def write_backup(backup_dir, data, kind=None, uid=None, gid=None, now=None, daily=False, name=None, source=None):
    """Write data as a new backup file (0600 in a 0700 dir, owned by uid/gid). Never overwrites.

    A name collision (same microsecond, same day for daily backups) gets a '-<n>' suffix. With source
    (the config's real path), a <backup>.meta sidecar ties the backup to that config; it is written
    after the backup is on disk, so a crash leaves at worst a backup without one (treated like an
    older backup, see _backups.belongs_to_config).
    """
    ensure_dir(backup_dir, uid, gid)
    base = name or backup_filename(kind, now, daily, backup_extension(source))
    for n in range(0, 10000):
        candidate = base if n == 0 else _with_counter(base, n)
        path = os.path.join(backup_dir, candidate)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, NEW_FILE_MODE)
        except OSError as exc:
            if exc.errno == errno.EEXIST:
                continue
            if exc.errno in NOT_WRITABLE_ERRNOS:
                raise FileLayerError('Cannot write backup %s: the backup directory is not writable by %s (%s).'
                                     % (path, process_user(), exc.strerror))
            raise FileLayerError('Cannot write backup %s: %s' % (path, exc.strerror))
        try:
            try:
                fill_new_file(fd, data, NEW_FILE_MODE, uid, gid)
            finally:
                os.close(fd)
            if source is not None:
                # Replaces a sidecar left by a backup of the same name that was deleted by hand.
                atomic_write(meta_path(path), backup_meta(data, source), NEW_FILE_MODE, uid, gid, check_expected=False)
        except BaseException:
            os.unlink(path)
            raise
        fsync_dir(backup_dir)
        return path
    raise FileLayerError('Too many backups named like %s in %s.' % (base, backup_dir))


# --------------------------------------------------------------------------------------------
# Editing a config file


class EditResult(object):
    def __init__(self, path, target, before, after, before_doc, after_data, changed, backup_file=None, created=False):
        self.path = path
        self.target = target
        self.before = before          # bytes or None (no file)
        self.after = after            # bytes that are (or would be) on disk
        self.before_doc = before_doc  # ConfigDocument
        self.after_data = after_data  # parsed data after the edit
        self.changed = changed
        self.backup_file = backup_file
        self.created = created
        self.mode_changed = False     # only the mode is (or would be) changed


def _read_snapshot(path):
    """(bytes or None, (inode, size, mtime) or None, steady): steady when nothing changed while we read."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return None, None, True
        raise
    try:
        first = os.fstat(fd)
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        last = os.fstat(fd)
    finally:
        os.close(fd)
    data = b''.join(chunks)
    signature = (last.st_ino, last.st_size, last.st_mtime_ns)
    steady = signature == (first.st_ino, first.st_size, first.st_mtime_ns) and len(data) == last.st_size
    return data, signature, steady


def read_config(path, servers_key, display_path=None, delays=SETTLE_DELAYS):
    """(bytes or None, ConfigDocument or None, ConfigError or None) of the config at path.

    servers_key: the config's Layout (format and servers path), or a servers key / path of a JSON file.

    A read that does not validate is retried after each of delays (and, when the file was written in the
    last FRESH_SECONDS, after each of LATE_DELAYS too). If a retry validates, that read is used. If every
    read held the same bytes, the file really is invalid: its ConfigError is returned.
    If the file changed between reads (bytes, size, mtime or inode), another program is writing it
    and ConfigChangingError is raised - without the advice to restore a backup, which would throw
    away that program's data.
    """
    display_path = display_path or path
    versions = set()
    changing = False
    data = error = None
    started = time.time()
    reads = 0
    pauses = [0] + list(delays)
    extended = False
    while pauses:
        pause = pauses.pop(0)
        if pause:
            time.sleep(pause)
        data, signature, steady = _read_snapshot(path)
        reads += 1
        if data is None:
            if not versions:
                return None, None, None
            changing = True  # it existed a moment ago: replaced by a program that deletes and re-creates it
            continue
        try:
            return data, validate_config(data, display_path, servers_key), None
        except ConfigError as exc:
            error = exc
        versions.add((signature, hashlib.sha256(data).digest()))
        changing = changing or not steady or len(versions) > 1
        if not pauses and not changing and not extended and time.time() - signature[2] / 1e9 < FRESH_SECONDS:
            pauses, extended = list(LATE_DELAYS), True
    if not changing:
        return data, None, error
    raise ConfigChangingError(
        'the file is being changed by another program while we read it (%d reads in %d ms saw %d versions, none of '
        'them complete). Nothing was changed; run again when that program is idle.'
        % (reads, (time.time() - started) * 1000, len(versions)), display_path)


def load_config(path, servers_key, allow_missing=True, display_path=None):
    """(bytes or None, ConfigDocument). Raises ConfigError for a file we refuse to touch.

    servers_key: the config's Layout (format and servers path), or a servers key / path of a JSON file.

    A symlinked path is read through its link; errors name display_path (the path the user gave).
    A file another program is rewriting raises ConfigChangingError (a ConfigError), see read_config.
    """
    display_path = display_path or path
    data, doc, error = read_config(path, servers_key, display_path)
    if error is not None:
        raise error
    if data is None:
        if not allow_missing:
            raise FileLayerError('%s does not exist.' % display_path)
        doc = new_document(as_layout(servers_key))
        doc.path = display_path
        return None, doc
    return data, doc


def _prepare_dir(ctx, target, create, dir_mode=NEW_DIR_MODE):
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        if not create:
            raise FileLayerError('%s does not exist and create=false.' % ctx.config_path)
        ensure_dir(directory, *owner_for(ctx, target), mode=dir_mode)


def _write_locked(ctx, target, before, after, backup, backup_kind, mode=None):
    """Under the lock: backup the current bytes, then atomically replace them. Returns the backup path.

    The file keeps its mode and owner (a new one gets 0600, owned like its config); with mode, it gets that mode.
    Raises ConcurrentChangeError (and removes its backup) when the file no longer holds `before`.
    """
    uid, gid = owner_for(ctx, target)
    wanted = mode
    if before is not None:
        stat = os.stat(target)
        mode, file_uid, file_gid = stat.st_mode & 0o7777, stat.st_uid, stat.st_gid
    else:
        mode, file_uid, file_gid = NEW_FILE_MODE, uid, gid
    if wanted is not None:
        mode = wanted
    backup_file = None
    if backup and before is not None:
        backup_file = write_backup(ctx.backup_dir, before, backup_kind, uid, gid, source=target)
    try:
        atomic_write(target, after, mode, file_uid, file_gid, expected=before)
    except ConcurrentChangeError:
        if backup_file:
            remove_backup(backup_file)
        raise
    return backup_file


def remove_backup(path):
    """Delete a backup and its sidecar (a missing sidecar is fine: older backups have none)."""
    os.unlink(path)
    try:
        os.unlink(meta_path(path))
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise


def _concurrent_failure(path, error):
    return FileLayerError('%s was changed by another program %d times while we edited it; nothing was written. '
                          'Retry when the client is idle. (%s)' % (path, EDIT_ATTEMPTS, error))


def _with_mode(result, target, mode):
    """With mode (files that must be e.g. 0644 for every user's client to read), a file of another mode is a change."""
    if mode is not None and not result.changed and result.before is not None:
        if os.stat(target).st_mode & 0o7777 != mode:
            result.changed = True
            result.mode_changed = True
    return result


def edit_config(ctx, transform, check_mode=False, backup=True, create=True, backup_kind='pre-change',
                mode=None, dir_mode=NEW_DIR_MODE, render=None):
    """Apply transform(doc) -> (Ops or new_data, changed) to ctx.config_path safely.

    Ops (_config.Ops, [(key path, value or DELETE)]) are spliced into the file's text by its codec, so every
    byte outside the edited members stays as it was; new data (a dict) is turned into the member operations
    that lead to it (_config.diff_ops) and spliced the same way. The result must parse back to exactly the
    data the edit means, else nothing is written.

    Lock, re-read under the lock, validate, transform, render, backup, atomic write, and redo the
    edit on fresh content if someone else changed the file meanwhile (the client ignores our
    lock). Nothing is written in check mode or when nothing changes. With mode, the file is written
    with that mode (and a file of another mode counts as changed); new directories get dir_mode.
    render(doc, new_data) -> bytes or None may render the result instead of a full re-render (None: full).
    """
    target = real_target(ctx.config_path)
    if check_mode:
        return _with_mode(_compute(ctx.config_path, target, ctx, transform, create, render), target, mode)
    _prepare_dir(ctx, target, create, dir_mode)
    last_error = None
    for _attempt in range(EDIT_ATTEMPTS):
        with locked(target, *owner_for(ctx, target)):
            remove_stale_temp_files(target)
            result = _with_mode(_compute(ctx.config_path, target, ctx, transform, create, render), target, mode)
            if not result.changed:
                return result
            try:
                result.backup_file = _write_locked(ctx, target, result.before, result.after, backup, backup_kind, mode)
                return result
            except ConcurrentChangeError as exc:
                last_error = exc
    raise _concurrent_failure(ctx.config_path, last_error)


def replace_config_bytes(ctx, new_bytes, check_mode=False, backup=True, backup_kind='pre-restore'):
    """Make the config hold exactly new_bytes (a full restore), through the same safe-write path.

    The current file is not parsed (it may be corrupt); it is saved as a backup before it is replaced.
    Returns (before bytes or None, changed, backup_file).
    """
    target = real_target(ctx.config_path)
    if check_mode:
        before = read_bytes(target)
        return before, before != new_bytes, None
    _prepare_dir(ctx, target, True)
    last_error = None
    for _attempt in range(EDIT_ATTEMPTS):
        with locked(target, *owner_for(ctx, target)):
            remove_stale_temp_files(target)
            before = read_bytes(target)
            if before == new_bytes:
                return before, False, None
            try:
                return before, True, _write_locked(ctx, target, before, new_bytes, backup, backup_kind)
            except ConcurrentChangeError as exc:
                last_error = exc
    raise _concurrent_failure(ctx.config_path, last_error)


def _without_empty_tables(value):
    """value without empty objects nested in it: TOML has no spelling for an empty implicit table such as the
    [mcp_servers] of [mcp_servers.x], so removing its last server removes it too."""
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        item = _without_empty_tables(item)
        if item != {}:
            out[key] = item
    return out


def _same_document(parsed, intended, flavor):
    if flavor == 'toml':
        return same_json(_without_empty_tables(parsed), _without_empty_tables(intended))
    return same_json(parsed, intended)


def _compute(path, target, ctx, transform, create, render=None):
    before, doc = load_config(target, ctx.layout, display_path=path)
    if before is None and not create:
        raise FileLayerError('%s does not exist and create=false.' % path)
    result, changed = transform(doc)
    ops = list(result) if isinstance(result, Ops) else None
    new_data = apply_ops_to_data(doc.data, ops) if ops is not None else result
    if not changed or same_json(new_data, doc.data) and before is not None:
        return EditResult(path, target, before, before, doc, doc.data, False)
    after = render(doc, new_data) if render is not None else None
    if after is None:
        after = doc.edit(ops if ops is not None else diff_ops(doc.data, new_data))
    if after == before:
        return EditResult(path, target, before, before, doc, doc.data, False)
    try:
        after_doc = validate_config(after, path, doc.layout)
    except ConfigError as exc:
        raise FileLayerError('the edit would leave %s unreadable (%s); nothing was written. Please report this.'
                             % (path, exc.reason))
    if not _same_document(after_doc.data, new_data, doc.flavor):
        raise FileLayerError('the edit of %s did not read back as intended; nothing was written. Please report this.'
                             % path)
    return EditResult(path, target, before, after, doc, after_doc.data, True, created=before is None)


def env_file_path(config_path, name):
    """Where a server's env file goes: mcp-<name>.env beside the (real) config file."""
    return os.path.join(os.path.dirname(real_target(config_path)), 'mcp-%s.env' % re.sub(r'[^A-Za-z0-9_.-]', '_', name))


def assign_env_files(ctx, plan):
    """For a client that reads an env file: each entry's own env file path, and the entries whose secrets go there
    (secret_mode=env_ref); their desired entry names the file."""
    if not ctx.client.get('env_file_key'):
        return []
    written = []
    for entry in plan.entries:
        if isinstance(entry.name, str) and entry.name:
            entry.own_env_file = env_file_path(ctx.config_path, entry.name)
        if entry.env_file_values:
            entry.desired['env_file'] = entry.own_env_file
            written.append(entry)
    return written


def env_file_bytes(values):
    """KEY=value lines (dotenv); a value with spaces, quotes, # or line breaks is double-quoted and escaped."""
    lines = []
    for key, value in values.items():
        if value == '' or re.search(r'[\s"\'#\\$`]', value):
            value = '"%s"' % value.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n').replace('\r', '\\r')
        lines.append('%s=%s\n' % (key, value))
    return ''.join(lines).encode('utf-8')


def write_env_file(ctx, path, values, check_mode=False, backup=True):
    """Make path hold exactly values as a 0600 env file owned like the config (lock, backup, atomic write).

    Returns (changed, backup_file). The values are secrets: they are never returned or shown.
    """
    data = env_file_bytes(values)
    target = real_target(path)
    before = read_bytes(target)
    right_mode = before is None or os.stat(target).st_mode & 0o7777 == NEW_FILE_MODE
    if before == data and right_mode:
        return False, None
    if check_mode:
        return True, None
    _prepare_dir(ctx, target, True)
    uid, gid = owner_for(ctx, target)
    with locked(target, uid, gid):
        remove_stale_temp_files(target)
        before = read_bytes(target)
        backup_file = None
        if backup and before is not None and before != data:
            backup_file = write_backup(ctx.backup_dir, before, 'pre-change', uid, gid, source=target)
        try:
            atomic_write(target, data, NEW_FILE_MODE, uid, gid, expected=before)
        except ConcurrentChangeError:
            if backup_file:
                remove_backup(backup_file)
            raise _concurrent_failure(path, ConcurrentChangeError('%s changed while it was being written.' % target))
    return True, backup_file


def dropped_env_files(ctx, result):
    """Our env files (mcp-<name>.env, see env_file_path) that an entry named before the edit (result, an EditResult)
    and no entry names after it: the entry was removed (or no longer loads it). remove_env_file deletes them; a
    file the user named differently is never ours to delete."""
    key = ctx.client.get('env_file_key')
    doc = result.before_doc
    if not key or doc is None or not doc.layout.servers_path:
        return []
    after = get_path(result.after_data, tuple(doc.layout.servers_path), {}) if isinstance(result.after_data, dict) else {}
    still_named = set(entry.get(key) for entry in (after if isinstance(after, dict) else {}).values()
                      if isinstance(entry, dict))
    dropped = []
    for name, entry in doc.servers().items():
        if not isinstance(entry, dict) or not isinstance(name, str):
            continue
        own = env_file_path(ctx.config_path, name)
        if entry.get(key) == own and own not in still_named and own not in dropped:
            dropped.append(own)
    return dropped


def remove_env_file(ctx, path, check_mode=False, backup=True):
    """Delete the env file at path (its entry is gone) through the lock, after a pre-change backup (0600, like the
    file). Returns (changed, backup_file). The file must still hold the bytes we read when it is unlinked."""
    target = real_target(path)
    if not os.path.lexists(target):
        return False, None
    if check_mode:
        return True, None
    uid, gid = owner_for(ctx, target)
    with locked(target, uid, gid):
        remove_stale_temp_files(target)
        before = read_bytes(target)
        if before is None:
            return False, None
        backup_file = None
        if backup:
            backup_file = write_backup(ctx.backup_dir, before, 'pre-change', uid, gid, source=target)
        if read_bytes(target) != before:
            if backup_file:
                remove_backup(backup_file)
            raise _concurrent_failure(path, ConcurrentChangeError('%s changed while it was being removed.' % target))
        os.unlink(target)
    fsync_dir(os.path.dirname(target))
    return True, backup_file


def remove_config(ctx, check=None, check_mode=False, backup=True, backup_kind='pre-change'):
    """Delete the file at ctx.config_path (state=absent of a file we own) through the same lock, strict read and backup.

    check(doc) may raise to refuse (the file is left byte-identical). Returns (before bytes or None, changed,
    backup_file). The file must still hold the bytes we read when it is unlinked, else nothing is deleted.
    """
    target = real_target(ctx.config_path)
    if check_mode or not os.path.lexists(target):
        before, doc = load_config(target, ctx.layout, display_path=ctx.config_path)
        if before is not None and check is not None:
            check(doc)
        return before, before is not None, None
    with locked(target, *owner_for(ctx, target)):
        remove_stale_temp_files(target)
        before, doc = load_config(target, ctx.layout, display_path=ctx.config_path)
        if before is None:
            return None, False, None
        if check is not None:
            check(doc)
        backup_file = None
        if backup:
            backup_file = write_backup(ctx.backup_dir, before, backup_kind, *owner_for(ctx, target), source=target)
        if read_bytes(target) != before:
            if backup_file:
                remove_backup(backup_file)
            raise _concurrent_failure(ctx.config_path, ConcurrentChangeError('%s changed while it was being removed.' % target))
        os.unlink(target)
    fsync_dir(os.path.dirname(target))
    return before, True, backup_file
