# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backups on real temporary files: what counts as a valid backup, and which config a backup belongs to."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os

import pytest

from ansible_collections.mcpops.mcp.plugins.module_utils import _backups as backups
from ansible_collections.mcpops.mcp.plugins.module_utils._common import resolve_context
from ansible_collections.mcpops.mcp.plugins.module_utils._files import write_backup

A = b'{"mcpServers": {"a": {"command": "a"}}}\n'
B = b'{"mcpServers": {"b": {"command": "b"}}}\n'


def _ctx(path, backup_dir=None):
    return resolve_context(dict(client='claude_desktop', config_path=str(path), user=None,
                                backup_dir=str(backup_dir) if backup_dir else None))


def _config(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _stamp(day):
    return datetime.datetime(2026, 11, day, 12, 0, 0)


@pytest.mark.parametrize('data', [b'{}', b'{}\n', b'{"globalShortcut": "Ctrl+Space"}',
                                  b'{"globalShortcut": "", "preferences": {"x": 1}}\n', b'{"mcpServers": {}}'])
def test_a_fresh_client_config_is_a_valid_backup(data):
    doc, error = backups.check_backup_bytes(data, 'b.json', 'mcpServers')
    assert error is None and doc.servers() == {}


@pytest.mark.parametrize('data,words', [
    (b'[]', 'top level must be a JSON object'), (b'{"mcpServers": []}', 'must be an object'),
    (b'', 'empty'), (b'{"mcpServers": {},}', 'trailing comma'), (b'{"mcpServers": {"a": 1}}', 'server "a"'),
])
def test_what_is_not_a_backup(data, words):
    doc, error = backups.check_backup_bytes(data, 'b.json', 'mcpServers')
    assert doc is None and words in error


def test_shared_backup_dir_latest_never_picks_another_configs_backup(tmp_path):
    shared = tmp_path / 'shared'
    a = _config(tmp_path / 'alice' / 'claude_desktop_config.json', A)
    b = _config(tmp_path / 'bob' / 'claude_desktop_config.json', B)  # same file name, other config
    b_backup = write_backup(str(shared), B, now=_stamp(1), source=str(b))
    a_backup = write_backup(str(shared), A, now=_stamp(2), source=str(a))  # newer
    for ctx, own, other in ((_ctx(b, shared), b_backup, a_backup), (_ctx(a, shared), a_backup, b_backup)):
        found = backups.BackupDir(ctx)
        assert found.mine == [own] and found.foreign == [other]
        assert backups.choose_source(ctx, latest=True)['path'] == own
        assert [item['path'] for item in found.items()] == [own]
    refused = backups.inspect_backup(a_backup, _ctx(b, shared))
    assert refused['valid'] is False and refused['source'] == str(a)
    assert 'was taken from %s, not from %s' % (a, b) in refused['error']
    with pytest.raises(backups.BackupError) as info:
        backups.choose_source(_ctx(b, shared), src=a_backup)
    assert 'Refusing to restore' in str(info.value)


def test_no_backup_of_this_config_explains_what_else_is_there(tmp_path):
    shared = tmp_path / 'shared'
    a = _config(tmp_path / 'a.json', A)
    b = _config(tmp_path / 'b.json', B)
    write_backup(str(shared), A, now=_stamp(2), source=str(a))
    with pytest.raises(backups.BackupError) as info:
        backups.choose_source(_ctx(b, shared), latest=True)
    assert str(info.value) == ('No valid backup of %s in %s to restore; nothing was changed. %s also holds 1 taken '
                               'from other configs.' % (b, shared, shared))


def test_older_backups_without_sidecar_count_only_in_the_configs_own_directory(tmp_path):
    config = _config(tmp_path / 'Claude' / 'claude_desktop_config.json', A)
    own_dir = tmp_path / 'Claude' / 'backups'
    legacy = write_backup(str(own_dir), A, now=_stamp(1))  # as the landed version wrote them: no sidecar
    assert not os.path.exists(legacy + '.meta')
    found = backups.BackupDir(_ctx(config))
    assert found.mine == [legacy] and backups.choose_source(_ctx(config), latest=True)['path'] == legacy
    assert found.items()[0]['source'] is None and found.items()[0]['valid']

    # The same backup in a backup_dir set by hand (maybe shared): not attributed, restorable only by src.
    shared = tmp_path / 'shared'
    other_legacy = write_backup(str(shared), B, now=_stamp(1))
    found = backups.BackupDir(_ctx(config, shared))
    assert found.mine == [] and found.unattributed == [other_legacy]
    with pytest.raises(backups.BackupError) as info:
        backups.choose_source(_ctx(config, shared), latest=True)
    assert '1 older ones without a .meta sidecar' in str(info.value) and 'src=<file>' in str(info.value)
    assert backups.choose_source(_ctx(config, shared), src=other_legacy)['valid']

    # In its own directory too, once a sidecar there names another config, the directory is shared.
    intruder = _config(tmp_path / 'Claude' / 'other.json', B)
    write_backup(str(own_dir), B, now=_stamp(3), source=str(intruder))
    found = backups.BackupDir(_ctx(config))
    assert found.mine == [] and found.unattributed == [legacy]


def test_a_backup_changed_after_it_was_taken_is_not_valid(tmp_path):
    config = _config(tmp_path / 'c.json', A)
    path = write_backup(str(tmp_path / 'backups'), A, source=str(config))
    with open(path, 'wb') as handle:
        handle.write(B)
    item = backups.inspect_backup(path, _ctx(config))
    assert item['valid'] is False and 'changed since it was taken' in item['error']
    os.unlink(path + '.meta')
    assert backups.inspect_backup(path, _ctx(config))['valid']


def test_a_broken_sidecar_makes_the_backup_invalid_with_the_remedy(tmp_path):
    config = _config(tmp_path / 'c.json', A)
    path = write_backup(str(tmp_path / 'backups'), A, source=str(config))
    with open(path + '.meta', 'wb') as handle:
        handle.write(b'{"source": 1}')
    item = backups.inspect_backup(path, _ctx(config))
    assert item['valid'] is False and 'is not a backup sidecar' in item['error'] and 'delete it' in item['error']


def test_create_backup_of_a_fresh_config_and_restore_it(tmp_path):
    config = _config(tmp_path / 'Claude' / 'claude_desktop_config.json', b'{"globalShortcut": "Ctrl+Space"}\n')
    ctx = _ctx(config)
    changed, item = backups.create_backup(ctx)
    assert changed and item['valid'] and item['server_count'] == 0 and item['source'] == str(config)
    meta = json.loads(open(item['path'] + '.meta', 'rb').read())
    assert meta['source'] == str(config) and meta['sha256'] == item['sha256']
    config.write_bytes(A)
    result = backups.restore_full(ctx, backups.choose_source(ctx, latest=True))
    assert result.changed and config.read_bytes() == b'{"globalShortcut": "Ctrl+Space"}\n'


def test_prune_only_touches_this_configs_backups_and_takes_their_sidecars(tmp_path):
    shared = tmp_path / 'shared'
    a = _config(tmp_path / 'a.json', A)
    b = _config(tmp_path / 'b.json', B)
    old_a = [write_backup(str(shared), A, now=_stamp(day), source=str(a)) for day in (1, 2, 3)]
    old_b = [write_backup(str(shared), B, now=_stamp(day), source=str(b)) for day in (1, 2)]
    legacy = write_backup(str(shared), A, now=_stamp(4))
    now = datetime.datetime(2027, 6, 1)
    removed = backups.prune_backups(_ctx(a, shared), retention_days=30, keep_min=1, now=now)
    assert sorted(removed) == sorted(old_a[:2])
    assert not any(os.path.exists(p) or os.path.exists(p + '.meta') for p in removed)
    assert all(os.path.exists(p) and os.path.exists(p + '.meta') for p in old_b + old_a[2:])
    assert os.path.exists(legacy)
