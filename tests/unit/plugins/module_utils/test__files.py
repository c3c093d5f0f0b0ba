# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""File layer on real temporary files: backups, atomic writes, symlinks, concurrent changes, owners."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import errno
import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import threading
import time

import pytest

from ansible_collections.mcpops.mcp.plugins.module_utils import _files as files
from ansible_collections.mcpops.mcp.plugins.module_utils._common import resolve_context
from ansible_collections.mcpops.mcp.plugins.module_utils._config import apply_server


def _ctx(path, **kw):
    params = dict(client='claude_desktop', config_path=str(path), user=None, backup_dir=None)
    params.update(kw)
    return resolve_context(params)


def test_backups_in_the_same_instant_never_overwrite(tmp_path):
    now = datetime.datetime(2026, 12, 1, 10, 0, 0, 123456)
    paths = [files.write_backup(str(tmp_path / 'b'), b'%d' % i, 'pre-change', now=now) for i in range(3)]
    assert [os.path.basename(p) for p in paths] == [
        'backup_20261201T100000123456Z_pre-change.json',
        'backup_20261201T100000123456Z_pre-change-1.json',
        'backup_20261201T100000123456Z_pre-change-2.json']
    assert [open(p, 'rb').read() for p in paths] == [b'0', b'1', b'2']
    assert stat.S_IMODE(os.stat(paths[0]).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(tmp_path / 'b')).st_mode) == 0o700


@pytest.mark.parametrize('name,expected', [
    ('backup_20261201T100000123456Z.json', (datetime.datetime(2026, 12, 1, 10, 0, 0, 123456), 'manual')),
    ('backup_20261201T100000123456Z_pre-restore-3.json', (datetime.datetime(2026, 12, 1, 10, 0, 0, 123456), 'pre-restore')),
    ('backup-2026-11-30.json', (datetime.datetime(2026, 11, 30), 'daily')),
    ('backup-2026-11-30-2.json', (datetime.datetime(2026, 11, 30), 'daily')),
    ('backup_2026.json', None), ('notes.json', None), ('backup-2026-13-40.json', None),
    ('backup_20261201T100000123456Z_other.json', None),
    ('backup_20261201T100000123456Z_pre-change-1.toml', (datetime.datetime(2026, 12, 1, 10, 0, 0, 123456), 'pre-change')),
    ('backup-2026-11-30.toml', (datetime.datetime(2026, 11, 30), 'daily')),
    ('backup_20261201T100000123456Z_pre-change.env', (datetime.datetime(2026, 12, 1, 10, 0, 0, 123456), 'pre-change')),
    ('backup_20261201T100000123456Z.yaml', None), ('backup-2026-11-30.json.toml', None),
])
def test_parse_backup_filename(name, expected):
    parsed = files.parse_backup_filename(name)
    assert (parsed and (parsed['timestamp'], parsed['kind'])) == (expected and expected) or parsed == expected


@pytest.mark.parametrize('source,ext', [
    ('/x/config.toml', '.toml'), ('/x/mcp-gh.env', '.env'), ('/x/c.json', '.json'), ('/x/settings.JSON', '.json'),
    ('/x/.claude.json', '.json'), ('/x/config', '.json'), (None, '.json'),
])
def test_a_backup_keeps_the_files_own_extension(tmp_path, source, ext):
    """A Codex config's backup ends in .toml (older ones in .json are still backups, see above), with the counter
    before the extension."""
    now = datetime.datetime(2026, 12, 1, 10, 0, 0, 123456)
    paths = [files.write_backup(str(tmp_path / 'b'), b'a = 1\n', 'pre-change', now=now, source=source) for _n in range(2)]
    assert [os.path.basename(p) for p in paths] == [
        'backup_20261201T100000123456Z_pre-change' + ext, 'backup_20261201T100000123456Z_pre-change-1' + ext]
    assert all(files.parse_backup_filename(os.path.basename(p))['kind'] == 'pre-change' for p in paths)
    daily = files.write_backup(str(tmp_path / 'b'), b'a = 1\n', now=now, daily=True, source=source)
    assert os.path.basename(daily) == 'backup-2026-12-01' + ext


def test_edit_through_symlink_keeps_link_and_mode(tmp_path):
    real = tmp_path / 'real' / 'config.json'
    real.parent.mkdir()
    real.write_bytes(b'{}\n')
    os.chmod(str(real), 0o640)
    link = tmp_path / 'claude_desktop_config.json'
    link.symlink_to(real)
    ctx = _ctx(link)
    result = files.edit_config(ctx, lambda doc: apply_server(doc, 'a', 'present', {'command': 'x'}))
    assert result.changed
    assert os.path.islink(str(link)) and os.readlink(str(link)) == str(real)
    assert b'"a"' in real.read_bytes()
    assert stat.S_IMODE(os.stat(str(real)).st_mode) == 0o640
    assert os.path.dirname(result.backup_file) == str(real.parent / 'backups')


def test_concurrent_change_is_redone_on_fresh_content(tmp_path):
    path = tmp_path / 'c.json'
    path.write_bytes(b'{"mcpServers": {}}')
    calls = []

    def transform(doc):
        calls.append(dict(doc.servers()))
        if len(calls) == 1:  # another program writes while we edit
            path.write_bytes(b'{"mcpServers": {"theirs": {"command": "t"}}}')
        return apply_server(doc, 'ours', 'present', {'command': 'o'})

    result = files.edit_config(_ctx(path), transform)
    assert result.changed and len(calls) == 2
    assert sorted(result.after_data['mcpServers']) == ['ours', 'theirs']
    # The first attempt's backup (and its sidecar) was dropped: one backup of the bytes the edit replaced.
    name = os.path.basename(result.backup_file)
    assert sorted(os.listdir(str(tmp_path / 'backups'))) == [name, name + '.meta']
    assert open(result.backup_file, 'rb').read() == b'{"mcpServers": {"theirs": {"command": "t"}}}'


def test_persistent_concurrent_changes_fail_without_writing(tmp_path):
    path = tmp_path / 'c.json'
    path.write_bytes(b'{"n": 0}')
    counter = [0]

    def transform(doc):
        counter[0] += 1
        path.write_bytes(b'{"n": %d}' % counter[0])
        return apply_server(doc, 'ours', 'present', {'command': 'o'})

    with pytest.raises(files.FileLayerError) as info:
        files.edit_config(_ctx(path), transform)
    assert 'changed by another program' in str(info.value)
    assert path.read_bytes() == b'{"n": 3}'
    assert not os.listdir(str(tmp_path / 'backups'))
    assert [n for n in os.listdir(str(tmp_path)) if n.endswith('.tmp')] == []


def test_temp_files_of_a_killed_writer_are_removed_under_the_lock(tmp_path):
    path = tmp_path / 'c.json'
    path.write_bytes(b'{}')
    stale = tmp_path / '.c.json.abc123.tmp'
    stale.write_bytes(b'{"half": ')
    unrelated = tmp_path / '.other.json.x.tmp'
    unrelated.write_bytes(b'')
    files.edit_config(_ctx(path), lambda doc: apply_server(doc, 'a', 'present', {'command': 'x'}))
    assert not stale.exists() and unrelated.exists()


# --------------------------------------------------------------------------------------------
# Backups carry a sidecar naming the config they came from


def test_pre_change_backup_has_a_sidecar_naming_its_config(tmp_path):
    real = tmp_path / 'real.json'
    real.write_bytes(b'{"mcpServers": {}}\n')
    link = tmp_path / 'link.json'
    link.symlink_to(real)
    result = files.edit_config(_ctx(link, backup_dir=str(tmp_path / 'shared')),
                               lambda doc: apply_server(doc, 'a', 'present', {'command': 'x'}))
    meta = json.loads(open(result.backup_file + '.meta', 'rb').read())
    assert meta == dict(format=1, source=str(real), size=19, sha256=hashlib.sha256(b'{"mcpServers": {}}\n').hexdigest())
    assert stat.S_IMODE(os.stat(result.backup_file + '.meta').st_mode) == 0o600


def test_a_failing_sidecar_write_leaves_no_backup(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(files, 'atomic_write', refuse)
    with pytest.raises(OSError):
        files.write_backup(str(tmp_path / 'b'), b'{}', source='/x/c.json')
    assert os.listdir(str(tmp_path / 'b')) == []


def test_no_utcnow_left_in_plugins():
    """datetime.utcnow()/utcfromtimestamp() are deprecated since Python 3.12."""
    root = os.path.join(os.path.dirname(files.__file__), '..')
    found = []
    for directory, _dirs, names in os.walk(root):
        for name in names:
            if name.endswith('.py'):
                path = os.path.join(directory, name)
                with open(path) as handle:
                    found += ['%s: %s' % (path, line.strip()) for line in handle if re.search(r'\butc(now|fromtimestamp)\(', line)]
    assert found == []


def test_utc_now_is_naive_utc():
    before = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    now = files.utc_now()
    assert now.tzinfo is None and before <= now <= before + datetime.timedelta(seconds=5)
    assert files.backup_filename().startswith('backup_%sT' % now.strftime('%Y%m%d'))


# --------------------------------------------------------------------------------------------
# A file another program rewrites in place: retried, and never called corrupt when it is changing

VALID = b'{"mcpServers": {"theirs": {"command": "node", "args": ["%s"]}}}\n' % (b'x' * 2000)


def _rewrite_on_sleep(monkeypatch, path, versions):
    """Each retry pause of read_config writes the next version in place (deterministic 'other program')."""
    pending = list(versions)
    pauses = []

    def sleep(seconds):
        pauses.append(seconds)
        if pending:
            with open(str(path), 'r+b') as handle:
                handle.truncate(0)
                handle.write(pending.pop(0))

    monkeypatch.setattr(files.time, 'sleep', sleep)
    return pauses


def test_a_read_caught_mid_rewrite_is_retried_until_complete(tmp_path, monkeypatch):
    path = tmp_path / 'c.json'
    path.write_bytes(VALID[:100])
    pauses = _rewrite_on_sleep(monkeypatch, path, [b'', VALID[:1500], VALID])
    data, doc = files.load_config(str(path), 'mcpServers')
    assert data == VALID and list(doc.servers()) == ['theirs'] and len(pauses) == 3


def test_a_file_changing_under_us_is_not_called_corrupt(tmp_path, monkeypatch):
    path = tmp_path / 'c.json'
    path.write_bytes(VALID[:100])
    _rewrite_on_sleep(monkeypatch, path, [VALID[:n] for n in (0, 300, 900, 1200, 50, 1900)])
    with pytest.raises(files.ConfigChangingError) as info:
        files.load_config(str(path), 'mcpServers')
    message = str(info.value)
    assert message.startswith('%s: the file is being changed by another program' % path)
    assert 'restore' not in message.lower() and 'latest' not in message and 'Nothing was changed' in message
    assert isinstance(info.value, files.FileLayerError)


def test_a_stable_corrupt_file_keeps_its_exact_error_after_the_retries(tmp_path):
    path = tmp_path / 'c.json'
    path.write_bytes(b'{"mcpServers": {},}')
    os.utime(str(path), (time.time() - 60, time.time() - 60))  # written a minute ago: no writer is busy with it
    started = time.time()
    data, doc, error = files.read_config(str(path), 'mcpServers')
    assert data == b'{"mcpServers": {},}' and doc is None
    assert str(error).startswith('%s:1:19: invalid JSON: trailing comma' % path)
    assert time.time() - started < 1.0  # bounded: sum(SETTLE_DELAYS) plus the reads
    with pytest.raises(files.ConfigError) as info:
        files.load_config(str(path), 'mcpServers')
    assert not isinstance(info.value, files.ConfigChangingError)


def test_a_file_written_a_moment_ago_gets_more_time_before_it_is_called_corrupt(tmp_path):
    """A writer descheduled between truncating the file and writing it (a loaded machine) leaves it empty for
    longer than the first retries: a fresh file is read again later, and its finished bytes are used."""
    path = tmp_path / 'c.json'
    path.write_bytes(b'')
    finished = threading.Timer(0.3, lambda: path.write_bytes(b'{"mcpServers": {}}\n'))
    finished.start()
    try:
        data, doc, error = files.read_config(str(path), 'mcpServers')
    finally:
        finished.join()
    assert error is None and data == b'{"mcpServers": {}}\n' and doc.servers() == {}


# Another program rewriting the file in place every 0.5 ms (tests/servers/in_place_writer.py).
TESTS_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
IN_PLACE_WRITER = os.path.join(TESTS_DIR, 'servers', 'in_place_writer.py')


def test_in_place_writer_every_half_millisecond_never_gets_a_restore_advice(tmp_path):
    path = tmp_path / 'claude_desktop_config.json'
    path.write_bytes(VALID)
    stop = tmp_path / 'stop'
    writer = subprocess.Popen([sys.executable, IN_PLACE_WRITER, str(path), str(stop), '30'],
                              stdout=subprocess.PIPE)
    outcomes = []
    try:
        time.sleep(0.2)
        for n in range(40):
            try:
                files.edit_config(_ctx(path), lambda doc: apply_server(doc, 'ours%d' % n, 'present', {'command': 'o'}))
                outcomes.append('ok')
            except files.ConfigChangingError as exc:
                outcomes.append('changing')
                assert 'restore' not in str(exc).lower(), str(exc)
            except files.FileLayerError as exc:
                outcomes.append('conflict')
                assert 'changed by another program' in str(exc) and 'restore' not in str(exc).lower()
    finally:
        stop.write_bytes(b'')
        rewrites = int(writer.communicate(timeout=60)[0])
    assert rewrites > 100, 'the writer did not run alongside the edits'
    assert len(outcomes) == 40


# --------------------------------------------------------------------------------------------
# Root editing someone else's config without user: everything new is owned like the config

NOBODY = 65534
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason='giving files to another user needs root')


def _owner(path):
    info = os.lstat(str(path))
    return info.st_uid, info.st_gid


@needs_root
def test_root_edit_without_user_owns_lock_and_backups_like_the_config(tmp_path):
    home = tmp_path / 'home'
    home.mkdir()
    os.chown(str(home), NOBODY, NOBODY)
    path = home / 'claude_desktop_config.json'
    path.write_bytes(b'{"mcpServers": {}}\n')
    os.chown(str(path), NOBODY, NOBODY)
    lock = home / '.claude_desktop_config.json.lock'
    lock.write_bytes(b'')  # left root-owned by an older version
    result = files.edit_config(_ctx(path), lambda doc: apply_server(doc, 'a', 'present', {'command': 'x'}))
    assert result.changed
    for item in (path, lock, home / 'backups', result.backup_file, result.backup_file + '.meta'):
        assert _owner(item) == (NOBODY, NOBODY), item
    assert [n for n in os.listdir(str(home)) if n.endswith('.tmp')] == []


@needs_root
def test_root_creating_a_config_without_user_gives_it_to_the_directory_owner(tmp_path):
    home = tmp_path / 'home'
    home.mkdir()
    os.chown(str(home), NOBODY, NOBODY)
    path = home / 'Claude' / 'claude_desktop_config.json'
    result = files.edit_config(_ctx(path), lambda doc: apply_server(doc, 'a', 'present', {'command': 'x'}))
    assert result.created
    for item in (path.parent, path, path.parent / '.claude_desktop_config.json.lock'):
        assert _owner(item) == (NOBODY, NOBODY), item
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600


def test_the_user_option_still_decides_and_a_non_root_run_keeps_its_own(tmp_path, monkeypatch):
    path = tmp_path / 'c.json'
    ctx = _ctx(path)
    ctx.uid, ctx.gid = 1234, 5678
    assert files.owner_for(ctx, str(path)) == (1234, 5678)
    monkeypatch.setattr(files.os, 'geteuid', lambda: 1000)
    assert files.owner_for(_ctx(path), str(path)) == (None, None)


def _as_nobody(func):
    """Run func() in a child process as uid/gid 65534; returns what it returned (a str) or raised."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            try:
                text = 'returned: %s' % func()
            except Exception as exc:  # report any failure to the parent
                text = '%s: %s' % (type(exc).__name__, exc)
            os.write(write_end, text.encode('utf-8'))
        finally:
            os._exit(0)
    os.close(write_end)
    chunks = []
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    return b''.join(chunks).decode('utf-8')


@needs_root
def test_a_lock_file_the_user_cannot_open_says_the_config_is_not_writable():
    import pwd
    import shutil
    import tempfile
    top = tempfile.mkdtemp(prefix='mcpops-lock-')  # directly in /tmp, so the child can reach it
    try:
        os.chmod(top, 0o755)
        path = os.path.join(top, 'claude_desktop_config.json')
        with open(path, 'wb') as handle:
            handle.write(b'{}')
        lock = os.path.join(top, '.claude_desktop_config.json.lock')
        with open(lock, 'wb'):
            pass
        os.chmod(lock, 0o600)  # root-owned, as an older version left it

        def take_lock():
            with files.locked(path):
                return 'locked'

        outcome = _as_nobody(take_lock)
    finally:
        shutil.rmtree(top)
    assert outcome.startswith('FileLayerError: %s: the config (or its directory) is not writable by %s: '
                              % (path, pwd.getpwuid(NOBODY).pw_name)), outcome
    assert lock in outcome and 'Permission denied' in outcome


@needs_root
def test_after_root_edited_it_the_owner_can_edit_their_config_again():
    """The reported failure: root's edit left a root-owned lock and backups/, the owner's next run was refused."""
    import shutil
    import tempfile
    top = tempfile.mkdtemp(prefix='mcpops-owner-')  # directly in /tmp, so the child can reach it
    try:
        os.chown(top, NOBODY, NOBODY)
        path = os.path.join(top, 'claude_desktop_config.json')
        with open(path, 'wb') as handle:
            handle.write(b'{"mcpServers": {}}\n')
        os.chown(path, NOBODY, NOBODY)
        files.edit_config(_ctx(path), lambda doc: apply_server(doc, 'by-root', 'present', {'command': 'x'}))

        def owners_edit():
            result = files.edit_config(_ctx(path), lambda doc: apply_server(doc, 'by-owner', 'present', {'command': 'y'}))
            return '%s %s' % (result.changed, os.path.basename(result.backup_file).endswith('_pre-change.json'))

        outcome = _as_nobody(owners_edit)
        assert outcome == 'returned: True True', outcome
        assert sorted(json.loads(open(path, 'rb').read())['mcpServers']) == ['by-owner', 'by-root']
    finally:
        shutil.rmtree(top)


# --------------------------------------------------------------------------------------------
# mode / dir_mode (admin policy files must be readable by every user's client) and remove_config


def _set_key(value):
    def transform(doc):
        data = dict(doc.data)
        data['k'] = value
        return data, data != doc.data
    return transform


def test_edit_with_mode_creates_0644_in_0755_dirs_and_repairs_a_wrong_mode(tmp_path):
    path = tmp_path / 'etc' / 'policy' / 'p.json'
    ctx = _ctx(path)
    old_umask = os.umask(0o077)
    try:
        result = files.edit_config(ctx, _set_key(1), mode=0o644, dir_mode=0o755, backup=False)
    finally:
        os.umask(old_umask)
    assert result.changed and stat.S_IMODE(os.stat(str(path)).st_mode) == 0o644
    assert stat.S_IMODE(os.stat(str(tmp_path / 'etc')).st_mode) == 0o755
    assert not files.edit_config(ctx, _set_key(1), mode=0o644).changed
    os.chmod(str(path), 0o600)
    before = path.read_bytes()
    check = files.edit_config(ctx, _set_key(1), mode=0o644, check_mode=True)
    assert check.changed and check.mode_changed and stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    fixed = files.edit_config(ctx, _set_key(1), mode=0o644, backup=False)
    assert fixed.changed and fixed.mode_changed and path.read_bytes() == before
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o644
    # Without mode the file keeps its own mode (the old behaviour).
    os.chmod(str(path), 0o600)
    assert not files.edit_config(ctx, _set_key(1)).changed
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600


def test_remove_config_backs_up_refuses_through_check_and_is_idempotent(tmp_path):
    path = tmp_path / 'd.json'
    path.write_bytes(b'{"k": 1}\n')
    ctx = _ctx(path)

    def refuse(doc):
        raise files.FileLayerError('not ours')

    with pytest.raises(files.FileLayerError, match='not ours'):
        files.remove_config(ctx, check=refuse)
    assert path.read_bytes() == b'{"k": 1}\n'
    assert files.remove_config(ctx, check_mode=True)[1] and path.exists()
    before, changed, backup = files.remove_config(ctx)
    assert changed and before == b'{"k": 1}\n' and not path.exists()
    assert open(backup, 'rb').read() == before
    assert files.remove_config(ctx) == (None, False, None)
