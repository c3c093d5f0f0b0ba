# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_backup and mcp_backup_info through their real entry points, on real temporary files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import stat

import pytest

from ansible_collections.mcpops.mcp.plugins.modules import mcp_backup, mcp_backup_info

SECRET = 'sk-backup-secret-987654321'
CONFIG = {
    'globalShortcut': 'Ctrl+Space',
    'mcpServers': {
        'github': {'command': 'npx', 'args': ['-y', 'server-github'], 'env': {'GITHUB_TOKEN': SECRET}},
        'time': {'command': 'uvx', 'args': ['mcp-server-time'], 'disabled': False},
    },
}

# The foundation's refusal list, used as backups.
MALFORMED = [
    b'{"mcpServers": {},}', b'{\n // c\n "mcpServers": {}}', b'\xef\xbb\xbf{"mcpServers": {}}', b'', b'  \n',
    b'{"mcpServers": {"a": {', b'[]', b'{"mcpServers": []}', b'{"mcpServers": {"a": 1}}',
    b'{"mcpServers": {"a": {}, "a": {}}}', b'not json at all',
]
# What a fresh Claude Desktop install has: valid client configs without servers.
FRESH = [b'{}', b'{}\n', b'{\n  "globalShortcut": "Ctrl+Space"\n}\n',
         b'{"globalShortcut": "", "preferences": {"menuBarEnabled": false}}']


def _utc_today():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data, indent=2).encode() + b'\n')
    return str(path)


def _base(tmp_path):
    return dict(config_path=str(tmp_path / 'Claude' / 'claude_desktop_config.json'))


def test_three_backups_in_the_same_second_are_three_files(tmp_path, run_module):
    config = _write(tmp_path / 'Claude' / 'claude_desktop_config.json', CONFIG)
    runs = [run_module(mcp_backup.main, _base(tmp_path)) for dummy in range(3)]
    paths = [r.result['backup_file'] for r in runs]
    assert len(set(paths)) == 3 and all(r.result['changed'] for r in runs)
    backup_dir = tmp_path / 'Claude' / 'backups'
    assert stat.S_IMODE(os.stat(str(backup_dir)).st_mode) == 0o700
    for path in paths:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        with open(path, 'rb') as handle, open(config, 'rb') as current:
            assert handle.read() == current.read()
    assert runs[0].result['server_names'] == ['github', 'time'] and runs[0].result['valid']
    assert SECRET not in ''.join(r.stdout for r in runs)


def test_invalid_config_needs_allow_invalid(tmp_path, run_module):
    _write(tmp_path / 'Claude' / 'claude_desktop_config.json', b'{"mcpServers": {},}')
    refused = run_module(mcp_backup.main, _base(tmp_path))
    assert refused.failed and 'allow_invalid' in refused.result['msg']
    saved = run_module(mcp_backup.main, dict(_base(tmp_path), allow_invalid=True))
    assert saved.result['changed'] and saved.result['valid'] is False


@pytest.mark.parametrize('dest,words', [('notes.json', 'must be named'), ('backup_1.json', 'must be named')])
def test_dest_must_match_the_naming(tmp_path, run_module, dest, words):
    _write(tmp_path / 'Claude' / 'claude_desktop_config.json', CONFIG)
    run = run_module(mcp_backup.main, dict(_base(tmp_path), dest=str(tmp_path / dest)))
    assert run.failed and words in run.result['msg']


def test_dest_same_content_is_ok_different_fails(tmp_path, run_module):
    _write(tmp_path / 'Claude' / 'claude_desktop_config.json', CONFIG)
    dest = str(tmp_path / 'b' / 'backup-2026-11-30.json')
    assert run_module(mcp_backup.main, dict(_base(tmp_path), dest=dest)).result['changed']
    assert not run_module(mcp_backup.main, dict(_base(tmp_path), dest=dest)).result['changed']
    _write(tmp_path / 'Claude' / 'claude_desktop_config.json', {'mcpServers': {}})
    assert 'different content' in run_module(mcp_backup.main, dict(_base(tmp_path), dest=dest)).result['msg']


def test_daily_backup_is_idempotent(tmp_path, run_module):
    _write(tmp_path / 'Claude' / 'claude_desktop_config.json', CONFIG)
    first = run_module(mcp_backup.main, dict(_base(tmp_path), daily=True))
    again = run_module(mcp_backup.main, dict(_base(tmp_path), daily=True))
    assert first.result['changed'] and not again.result['changed']
    assert first.result['backup_file'] == again.result['backup_file']
    assert os.path.basename(first.result['backup_file']) == 'backup-%s.json' % _utc_today().strftime('%Y-%m-%d')


@pytest.mark.parametrize('bad', MALFORMED)
def test_malformed_backup_is_refused_and_current_is_untouched(tmp_path, run_module, bad):
    config = _write(tmp_path / 'Claude' / 'claude_desktop_config.json', CONFIG)
    before = open(config, 'rb').read()
    src = _write(tmp_path / 'Claude' / 'backups' / 'backup_20261101T000000000000Z.json', bad)
    run = run_module(mcp_backup.main, dict(_base(tmp_path), state='restored', src=src))
    assert run.failed and 'Refusing to restore' in run.result['msg']
    assert open(config, 'rb').read() == before
    assert os.listdir(str(tmp_path / 'Claude' / 'backups')) == ['backup_20261101T000000000000Z.json']


@pytest.mark.parametrize('fresh', FRESH)
def test_a_fresh_config_without_servers_is_backed_up_listed_and_restored(tmp_path, run_module, fresh):
    config = _write(tmp_path / 'Claude' / 'claude_desktop_config.json', fresh)
    made = run_module(mcp_backup.main, _base(tmp_path))
    assert not made.failed, made.result['msg']
    assert made.result['changed'] and made.result['valid'] and made.result['server_count'] == 0
    info = run_module(mcp_backup_info.main, _base(tmp_path))
    assert info.result['valid_count'] == 1 and info.result['backups'][0]['valid']
    assert info.result['latest'] == made.result['backup_file']
    _write(tmp_path / 'Claude' / 'claude_desktop_config.json', CONFIG)
    restored = run_module(mcp_backup.main, dict(_base(tmp_path), state='restored', latest=True))
    assert restored.result['changed'] and restored.result['restored_from'] == made.result['backup_file']
    assert open(config, 'rb').read() == fresh


def test_shared_backup_dir_restores_only_this_configs_backups(tmp_path, run_module):
    shared = str(tmp_path / 'shared')
    alice = dict(config_path=str(tmp_path / 'alice' / 'claude_desktop_config.json'), backup_dir=shared)
    bob = dict(config_path=str(tmp_path / 'bob' / 'claude_desktop_config.json'), backup_dir=shared)
    _write(tmp_path / 'bob' / 'claude_desktop_config.json', {'mcpServers': {'bob': {'command': 'b'}}})
    bob_backup = run_module(mcp_backup.main, bob).result['backup_file']
    _write(tmp_path / 'alice' / 'claude_desktop_config.json', CONFIG)
    alice_backup = run_module(mcp_backup.main, alice).result['backup_file']  # the newest in the directory
    _write(tmp_path / 'bob' / 'claude_desktop_config.json', b'')  # bob's config got truncated

    refusal = run_module(mcp_backup.main, dict(bob, state='restored', src=alice_backup))
    assert refusal.failed and 'was taken from' in refusal.result['msg']
    run = run_module(mcp_backup.main, dict(bob, state='restored', latest=True))
    assert run.result['restored_from'] == bob_backup
    assert json.loads(open(bob['config_path'], 'rb').read()) == {'mcpServers': {'bob': {'command': 'b'}}}

    info = run_module(mcp_backup_info.main, bob)
    assert [i['path'] for i in info.result['backups']] == [run.result['saved_current'], bob_backup]
    assert info.result['other_count'] == 1 and info.result['latest'] == bob_backup
    assert info.result['backups'][1]['source'] == os.path.realpath(bob['config_path'])
    pruned = run_module(mcp_backup.main, dict(bob, state='pruned', retention_days=0, keep_min=0))
    assert alice_backup not in pruned.result['removed'] and os.path.exists(alice_backup)


def test_the_empty_file_refusal_points_at_this_files_backups(tmp_path, run_module):
    _write(tmp_path / 'Claude' / 'claude_desktop_config.json', b'\n')
    run = run_module(mcp_backup.main, _base(tmp_path))
    assert run.failed and 'empty or whitespace only' in run.result['msg']
    assert 'mcp_backup_info' in run.result['msg'] and 'taken from this file' in run.result['msg']


def test_full_restore_is_byte_identical_and_saves_the_broken_current(tmp_path, run_module):
    config = _write(tmp_path / 'Claude' / 'claude_desktop_config.json', CONFIG)
    original = open(config, 'rb').read()
    backup = run_module(mcp_backup.main, _base(tmp_path)).result['backup_file']
    _write(tmp_path / 'Claude' / 'claude_desktop_config.json', b'{"mcpServers": {"x": ')  # corrupt
    os.chmod(config, 0o640)
    check = run_module(mcp_backup.main, dict(_base(tmp_path), state='restored', src=backup), check=True, diff=True)
    assert check.result['changed'] and open(config, 'rb').read() == b'{"mcpServers": {"x": '
    run = run_module(mcp_backup.main, dict(_base(tmp_path), state='restored', src=backup), diff=True)
    assert run.result['changed']
    assert open(config, 'rb').read() == original
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o640
    with open(run.result['saved_current'], 'rb') as handle:
        assert handle.read() == b'{"mcpServers": {"x": '
    assert 'pre-restore' in run.result['saved_current']
    assert SECRET not in run.stdout + check.stdout
    assert 'unparseable' in run.result['diff']['before']
    again = run_module(mcp_backup.main, dict(_base(tmp_path), state='restored', src=backup))
    assert not again.result['changed'] and again.result['saved_current'] is None


def test_partial_restore_keeps_other_servers_and_unknown_keys(tmp_path, run_module):
    config = _write(tmp_path / 'Claude' / 'claude_desktop_config.json', CONFIG)
    backup = run_module(mcp_backup.main, _base(tmp_path)).result['backup_file']
    current = {'preferences': {'a': 1}, 'globalShortcut': 'Alt',
               'mcpServers': {'time': {'command': 'changed', 'disabled': True}, 'new': {'command': 'n'}}}
    _write(tmp_path / 'Claude' / 'claude_desktop_config.json', current)
    run = run_module(mcp_backup.main, dict(_base(tmp_path), state='restored', src=backup, names=['github']), diff=True)
    assert run.result['changed'] and run.result['restored_names'] == ['github']
    data = json.loads(open(config, 'rb').read())
    assert data['preferences'] == {'a': 1} and data['globalShortcut'] == 'Alt'
    assert list(data['mcpServers']) == ['time', 'new', 'github']
    assert data['mcpServers']['github'] == CONFIG['mcpServers']['github']
    assert data['mcpServers']['time'] == {'command': 'changed', 'disabled': True}
    assert SECRET not in run.stdout
    missing = run_module(mcp_backup.main, dict(_base(tmp_path), state='restored', src=backup, names=['nope']))
    assert missing.failed and 'no server named nope' in missing.result['msg']


def test_partial_restore_refuses_an_invalid_current(tmp_path, run_module):
    config = _write(tmp_path / 'Claude' / 'claude_desktop_config.json', CONFIG)
    backup = run_module(mcp_backup.main, _base(tmp_path)).result['backup_file']
    _write(tmp_path / 'Claude' / 'claude_desktop_config.json', b'{"mcpServers": [}')
    run = run_module(mcp_backup.main, dict(_base(tmp_path), state='restored', src=backup, names=['github']))
    assert run.failed and open(config, 'rb').read() == b'{"mcpServers": [}'


def test_latest_skips_pre_restore_and_invalid(tmp_path, run_module):
    _write(tmp_path / 'Claude' / 'claude_desktop_config.json', {'mcpServers': {}})
    bdir = tmp_path / 'Claude' / 'backups'
    good = _write(bdir / 'backup_20261101T000000000000Z.json', CONFIG)
    _write(bdir / 'backup_20261102T000000000000Z_pre-restore.json', {'mcpServers': {'undo-me': {'command': 'x'}}})
    _write(bdir / 'backup_20261103T000000000000Z.json', b'{"broken": ')
    run = run_module(mcp_backup.main, dict(_base(tmp_path), state='restored', latest=True))
    assert run.result['restored_from'] == good


def test_restore_through_symlink_keeps_the_link(tmp_path, run_module):
    real = _write(tmp_path / 'dotfiles' / 'claude.json', {'mcpServers': {}})
    link = tmp_path / 'Claude' / 'claude_desktop_config.json'
    link.parent.mkdir()
    link.symlink_to(real)
    src = _write(tmp_path / 'b' / 'backup_20261101T000000000000Z.json', CONFIG)
    run = run_module(mcp_backup.main, dict(config_path=str(link), state='restored', src=src))
    assert run.result['changed'] and os.path.islink(str(link))
    assert open(real, 'rb').read() == open(src, 'rb').read()


def test_prune_by_name_date_keeps_exactly_the_right_set(tmp_path, run_module):
    _write(tmp_path / 'Claude' / 'claude_desktop_config.json', CONFIG)
    bdir = tmp_path / 'Claude' / 'backups'
    today = _utc_today().replace(hour=12, minute=0, second=0, microsecond=0)
    names = {}
    for age in range(0, 60, 3):  # 20 backups over 60 days, alternating kinds
        day = today - datetime.timedelta(days=age)
        name = ('backup-%s.json' % day.strftime('%Y-%m-%d')) if age % 2 else \
            'backup_%sZ_pre-change.json' % day.strftime('%Y%m%dT%H%M%S%f')
        names[age] = _write(bdir / name, CONFIG)
        os.utime(names[age], (0, 0))  # mtimes lie: only the name's date counts
    foreign = [_write(bdir / 'notes.json', b'{}'), _write(bdir / 'backup_old.json', CONFIG)]
    check = run_module(mcp_backup.main, dict(_base(tmp_path), state='pruned', retention_days=30), check=True)
    run = run_module(mcp_backup.main, dict(_base(tmp_path), state='pruned', retention_days=30))
    expected = sorted(path for age, path in names.items() if age > 30)
    assert sorted(run.result['removed']) == sorted(check.result['removed']) == expected
    assert sorted(os.listdir(str(bdir))) == sorted(
        [os.path.basename(p) for a, p in names.items() if a <= 30] + ['notes.json', 'backup_old.json'])
    assert all(os.path.exists(p) for p in foreign)
    again = run_module(mcp_backup.main, dict(_base(tmp_path), state='pruned', retention_days=30))
    assert not again.result['changed']


def test_prune_keeps_min_newest_valid(tmp_path, run_module):
    _write(tmp_path / 'Claude' / 'claude_desktop_config.json', CONFIG)
    bdir = tmp_path / 'Claude' / 'backups'
    paths = [_write(bdir / ('backup-2020-01-%02d.json' % day), CONFIG) for day in range(1, 6)]
    broken = _write(bdir / 'backup-2020-01-09.json', b'{')
    run = run_module(mcp_backup.main, dict(_base(tmp_path), state='pruned', retention_days=30, keep_min=3))
    assert sorted(run.result['removed']) == sorted([broken] + paths[:2])


def test_backup_info_lists_newest_first_with_stable_keys(tmp_path, run_module):
    _write(tmp_path / 'Claude' / 'claude_desktop_config.json', CONFIG)
    bdir = tmp_path / 'Claude' / 'backups'
    _write(bdir / 'backup_20261101T000000000000Z.json', CONFIG)
    _write(bdir / 'backup-2026-11-02.json', b'{"mcpServers": {},}')
    _write(bdir / 'unrelated.txt', b'x')
    run = run_module(mcp_backup_info.main, _base(tmp_path))
    items = run.result['backups']
    assert [os.path.basename(i['path']) for i in items] == ['backup-2026-11-02.json', 'backup_20261101T000000000000Z.json']
    assert items[0]['valid'] is False and 'trailing comma' in items[0]['error'] and items[0]['kind'] == 'daily'
    assert items[1] == dict(items[1], valid=True, kind='manual', timestamp='2026-11-01T00:00:00.000000Z',
                            server_count=2, server_names=['github', 'time'], error=None)
    assert set(items[1]) == {'path', 'timestamp', 'kind', 'size', 'sha256', 'valid', 'error', 'server_count',
                             'server_names', 'source'}
    assert run.result['valid_count'] == 1 and SECRET not in run.stdout
    assert run.result['latest'] == items[1]['path'] and run.result['other_count'] == 0
    one = run_module(mcp_backup_info.main, dict(_base(tmp_path), path=str(bdir / 'unrelated.txt')))
    assert len(one.result['backups']) == 1 and one.result['backups'][0]['valid'] is False


@pytest.mark.skipif(os.geteuid() != 0, reason='giving files to another user needs root')
def test_backups_are_owned_by_user(tmp_path, run_module):
    import pwd
    nobody = pwd.getpwnam('nobody')
    _write(tmp_path / 'Claude' / 'claude_desktop_config.json', CONFIG)
    run = run_module(mcp_backup.main, dict(_base(tmp_path), user='nobody'))
    for path in (run.result['backup_file'], os.path.dirname(run.result['backup_file'])):
        info = os.stat(path)
        assert (info.st_uid, info.st_gid) == (nobody.pw_uid, nobody.pw_gid)


@pytest.mark.skipif(os.geteuid() != 0, reason='giving files to another user needs root')
def test_root_without_user_gives_backups_to_the_configs_owner(tmp_path, run_module):
    config = _write(tmp_path / 'Claude' / 'claude_desktop_config.json', CONFIG)
    os.chown(config, 65534, 65534)
    run = run_module(mcp_backup.main, _base(tmp_path))
    for path in (run.result['backup_file'], run.result['backup_file'] + '.meta', os.path.dirname(run.result['backup_file'])):
        assert (os.stat(path).st_uid, os.stat(path).st_gid) == (65534, 65534), path


def test_codex_backups_end_in_toml_and_older_json_named_ones_still_count(tmp_path, run_module):
    pytest.importorskip('tomlkit')
    config = tmp_path / 'config.toml'
    start = b'# mine\nmodel = "o3"\n\n[mcp_servers.fs]\ncommand = "sh"\n'
    config.write_bytes(start)
    base = dict(client='codex', config_path=str(config), backup_dir=str(tmp_path / 'backups'))
    made = run_module(mcp_backup.main, base)
    assert made.result['changed'] and made.result['valid'] and made.result['backup_file'].endswith('.toml'), made.result
    # A backup taken before backups kept the config's extension: same bytes and sidecar, a .json name.
    old = made.result['backup_file'][:-len('.toml')].replace('backup_2', 'backup_1', 1) + '.json'
    os.rename(made.result['backup_file'], old)
    os.rename(made.result['backup_file'] + '.meta', old + '.meta')
    newer = run_module(mcp_backup.main, dict(base, daily=True))
    assert os.path.basename(newer.result['backup_file']) == 'backup-%s.toml' % _utc_today().strftime('%Y-%m-%d')
    listed = run_module(mcp_backup_info.main, base).result
    assert sorted(os.path.basename(b['path'])[-5:] for b in listed['backups']) == ['.json', '.toml']
    assert listed['valid_count'] == 2 and listed['other_count'] == 0
    config.write_bytes(b'model = "changed"\n')
    restored = run_module(mcp_backup.main, dict(base, state='restored', src=old))
    assert restored.result['changed'] and config.read_bytes() == start, restored.result
    assert restored.result['saved_current'].endswith('_pre-restore.toml')
