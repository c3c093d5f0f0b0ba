# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""File layer on real temporary files: backups, atomic writes, symlinks, concurrent changes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import stat

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
])
def test_parse_backup_filename(name, expected):
    parsed = files.parse_backup_filename(name)
    assert (parsed and (parsed['timestamp'], parsed['kind'])) == (expected and expected) or parsed == expected


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
    assert sorted(os.listdir(str(tmp_path / 'backups'))) and len(os.listdir(str(tmp_path / 'backups'))) == 1


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
