# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access control on real temporary files: which paths must be private, what is wrong, and the fix."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import stat
import subprocess

import pytest

from ansible_collections.mcpops.mcp.plugins.module_utils import _access as access
from ansible_collections.mcpops.mcp.plugins.module_utils._backups import create_backup
from ansible_collections.mcpops.mcp.plugins.module_utils._common import resolve_context
from ansible_collections.mcpops.mcp.plugins.module_utils._files import write_backup

CONFIG = b'{"mcpServers": {"a": {"command": "a", "env": {"API_TOKEN": "t"}}}}\n'


def _ctx(path, backup_dir=None):
    return resolve_context(dict(client='claude_desktop', config_path=str(path), user=None,
                                backup_dir=str(backup_dir) if backup_dir else None))


def _mode(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


@pytest.fixture
def open_config(tmp_path):
    """A config in a 0755 directory, 0644, with one backup made 0644 by hand (as a copy by hand would be)."""
    config_dir = tmp_path / 'Claude'
    config_dir.mkdir()
    os.chmod(str(config_dir), 0o755)
    config = config_dir / 'claude_desktop_config.json'
    config.write_bytes(CONFIG)
    os.chmod(str(config), 0o644)
    ctx = _ctx(config)
    _changed, item = create_backup(ctx)
    os.chmod(item['path'], 0o644)
    return ctx, config, item['path']


def test_lists_every_private_path_directories_first(open_config):
    ctx, config, backup = open_config
    paths = access.private_paths(ctx)
    assert [kind for _p, kind, _m in paths] == ['config_dir', 'backup_dir', 'config', 'lock', 'backup', 'backup_meta']
    assert paths[2] == (str(config), 'config', 0o600)
    assert paths[4][0] == backup and paths[5][0] == backup + '.meta'
    assert all(mode == (0o700 if kind.endswith('_dir') else 0o600) for _p, kind, mode in paths)


def test_finds_what_is_too_open_and_leaves_the_rest(open_config):
    ctx, config, backup = open_config
    items = dict((item['kind'], item) for item in access.check_access(ctx))
    assert items['config_dir']['problem'] == 'mode 0755, too open, should be 0700'
    assert items['config']['too_open'] and items['config']['mode'] == '0644' and items['config']['want_mode'] == '0600'
    assert items['backup']['too_open']
    # Made by the file layer: already private. The lock file does not exist yet: nothing to protect.
    assert items['backup_dir']['ok'] and items['backup_meta']['ok']
    assert items['lock']['ok'] and not items['lock']['exists'] and items['lock']['mode'] is None


def test_a_stricter_mode_is_wrong_but_not_too_open(tmp_path):
    config = tmp_path / 'c' / 'claude_desktop_config.json'
    config.parent.mkdir()
    os.chmod(str(config.parent), 0o700)
    config.write_bytes(CONFIG)
    os.chmod(str(config), 0o400)
    item = [i for i in access.check_access(_ctx(config)) if i['kind'] == 'config'][0]
    assert not item['ok'] and not item['too_open'] and item['problem'] == 'mode 0400, should be 0600'


def test_fix_makes_directories_0700_and_files_0600_and_is_idempotent(open_config):
    ctx, config, backup = open_config
    items = access.check_access(ctx)
    fixed = access.fix_access(ctx, items)
    assert sorted(fixed) == sorted([os.path.dirname(str(config)), str(config), backup])
    assert _mode(config) == 0o600 and _mode(config.parent) == 0o700 and _mode(backup) == 0o600
    assert all(item['ok'] for item in access.check_access(ctx))
    assert access.fix_access(ctx, access.check_access(ctx)) == []


def test_other_files_in_the_directories_are_left_alone(open_config, tmp_path):
    ctx, config, _backup = open_config
    theirs = config.parent / 'Preferences'
    theirs.write_bytes(b'{}')
    os.chmod(str(theirs), 0o644)
    # Another config's backup in the same (shared) directory.
    other = tmp_path / 'other.json'
    other.write_bytes(CONFIG)
    foreign = write_backup(ctx.backup_dir, CONFIG, source=str(other))
    os.chmod(foreign, 0o644)
    access.fix_access(ctx, access.check_access(ctx))
    assert _mode(theirs) == 0o644 and _mode(foreign) == 0o644
    assert foreign not in [p for p, _k, _m in access.private_paths(ctx)]


def test_a_config_directly_in_the_home_leaves_the_home_alone(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    config = tmp_path / '.claude.json'
    config.write_bytes(CONFIG)
    ctx = _ctx(config)
    assert ctx.home == str(tmp_path)
    kinds = [kind for _p, kind, _m in access.private_paths(ctx)]
    assert 'config_dir' not in kinds and kinds[0] == 'backup_dir'


def test_a_symlinked_config_checks_the_real_file_and_its_directory(tmp_path):
    real_dir = tmp_path / 'dotfiles'
    real_dir.mkdir()
    real = real_dir / 'claude.json'
    real.write_bytes(CONFIG)
    link_dir = tmp_path / 'Claude'
    link_dir.mkdir()
    link = link_dir / 'claude_desktop_config.json'
    link.symlink_to(real)
    paths = access.private_paths(_ctx(link))
    assert (str(link_dir), 'config_dir', 0o700) in paths and (str(real_dir), 'config_dir', 0o700) in paths
    assert (str(real), 'config', 0o600) in paths and (str(real_dir / '.claude.json.lock'), 'lock', 0o600) in paths


@pytest.mark.skipif(os.geteuid() != 0, reason='changing owners needs root')
def test_wrong_owner_is_found_and_given_back_to_the_user(open_config):
    ctx, config, _backup = open_config
    import pwd
    nobody = pwd.getpwnam('nobody')
    user_ctx = resolve_context(dict(client='claude_desktop', config_path=str(config), user='nobody', backup_dir=None))
    items = dict((item['kind'], item) for item in access.check_access(user_ctx))
    assert items['config']['wrong_owner'] and 'should be nobody' in items['config']['problem']
    access.fix_access(user_ctx, access.check_access(user_ctx))
    assert os.stat(str(config)).st_uid == nobody.pw_uid and os.stat(str(config)).st_gid == nobody.pw_gid
    assert all(item['ok'] for item in access.check_access(user_ctx))
    del ctx


def _immutable(path, on):
    """chattr +i: even root gets EPERM from chmod (a real refusal, no mock); False where chattr cannot do it."""
    if not shutil.which('chattr'):
        return False
    return subprocess.run(['chattr', '+i' if on else '-i', str(path)], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False).returncode == 0


def test_a_fix_that_is_not_permitted_says_what_to_do(open_config):
    ctx, config, _backup = open_config
    if not _immutable(config, True):
        pytest.skip('chattr +i is not available here (needs root and a filesystem that supports it)')
    try:
        with pytest.raises(access.AccessError) as info:
            access.fix_access(ctx, access.check_access(ctx))
    finally:
        _immutable(config, False)
    assert 'Cannot make %s 0600' % config in str(info.value)
    assert 'Operation not permitted' in str(info.value) and 'become' in str(info.value)
