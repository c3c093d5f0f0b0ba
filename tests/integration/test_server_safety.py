# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mode, owner, user and symlink rules of mcp_server's writes, with real files and ansible-playbook.

Ownership tests need root (to chown and to create the throwaway user mcpops-test); they skip
visibly otherwise. One playbook run does all first edits, a second run all follow-up edits.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import stat

import pytest

from _helpers import TEST_USER, ensure_test_user, read, run_playbook, server_task, strict_load, write

CONFIG = 'claude_desktop_config.json'
DOC = b'{\n  "mcpServers": {\n    "a": {\n      "command": "x"\n    }\n  },\n  "preferences": {}\n}\n'


def _mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def _owner(path):
    st = os.lstat(path)
    return st.st_uid, st.st_gid


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp('safety')
    is_root = os.geteuid() == 0
    user = None
    created_home = False
    if is_root:
        name, uid, gid, home = ensure_test_user()
        user = dict(name=name, uid=uid, gid=gid, home=home)
        default_dir = os.path.join(home, '.config', 'Claude')
        if os.path.exists(default_dir):
            user['home_busy'] = True  # someone's real config: never touch it
        elif not os.path.isdir(home):
            os.makedirs(home, 0o700)
            os.chown(home, uid, gid)
            created_home = True
    paths = {}

    # A config owned by someone else with mode 0640; root edits it without `user`.
    paths['kept'] = write(str(root / 'kept' / CONFIG), DOC, mode=0o640)
    if user:
        os.chown(paths['kept'], user['uid'], user['gid'])

    # Symlinks: absolute, relative, and dangling (the target does not exist yet).
    paths['abs_target'] = write(str(root / 'real-abs' / 'config.json'), DOC, mode=0o640)
    paths['abs_link'] = str(root / 'links-abs' / CONFIG)
    os.makedirs(os.path.dirname(paths['abs_link']))
    os.symlink(paths['abs_target'], paths['abs_link'])
    paths['rel_target'] = write(str(root / 'real-rel' / 'config.json'), DOC, mode=0o600)
    paths['rel_link'] = str(root / 'links-rel' / CONFIG)
    os.makedirs(os.path.dirname(paths['rel_link']))
    os.symlink(os.path.join('..', 'real-rel', 'config.json'), paths['rel_link'])
    paths['dangling_target'] = str(root / 'real-dangling' / 'config.json')
    os.makedirs(os.path.dirname(paths['dangling_target']))
    paths['dangling_link'] = str(root / 'links-dangling' / CONFIG)
    os.makedirs(os.path.dirname(paths['dangling_link']))
    os.symlink(paths['dangling_target'], paths['dangling_link'])

    first = [
        server_task('kept', name='new', command='/bin/true', config_path=paths['kept']),
        server_task('abs link', name='new', command='/bin/true', config_path=paths['abs_link']),
        server_task('rel link', name='new', command='/bin/true', config_path=paths['rel_link']),
        server_task('dangling link', name='new', command='/bin/true', config_path=paths['dangling_link']),
    ]
    second = [
        server_task('kept', name='new', command='/bin/true', config_path=paths['kept']),
        server_task('abs link', name='new', command='/bin/true', config_path=paths['abs_link']),
    ]
    if user:
        paths['user_new'] = str(root / 'user' / 'one' / 'two' / CONFIG)
        os.makedirs(str(root / 'user'))
        first.append(server_task('user new', name='a', command='/bin/true', user=user['name'],
                                 config_path=paths['user_new']))
        second.append(server_task('user new', name='b', command='/bin/true', user=user['name'],
                                  config_path=paths['user_new']))
        if not user.get('home_busy'):
            first.append(server_task('user default path', name='a', command='/bin/true', user=user['name']))
            second.append(server_task('user default path', name='b', command='/bin/true', user=user['name']))
    first_run = run_playbook(str(root), first, tag='first')
    after_first = dict((k, read(p) if os.path.exists(p) else None) for k, p in paths.items())
    second_run = run_playbook(str(root), second, tag='second')
    yield dict(root=root, paths=paths, user=user, first=first_run, second=second_run, after_first=after_first)
    if created_home:
        shutil.rmtree(user['home'])
    elif user and not user.get('home_busy'):
        shutil.rmtree(os.path.join(user['home'], '.config', 'Claude'), ignore_errors=True)


def _need_root(runs):
    if runs['user'] is None:
        pytest.skip('ownership checks need root (uid %d): cannot chown or create user %s' % (os.geteuid(), TEST_USER))


def test_runs_succeed(runs):
    runs['first'].assert_ok()
    runs['second'].assert_ok()
    assert runs['second'].changed() >= 1


def test_mode_0640_and_owner_are_kept(runs):
    path = runs['paths']['kept']
    assert _mode(path) == 0o640
    assert b'"new"' in read(path)
    backup = runs['first'].result('kept')['backup_file']
    assert read(backup) == DOC and _mode(backup) == 0o600


def test_root_without_user_leaves_nothing_root_owned_beside_someone_elses_config(runs):
    """Root edited the user's config without `user`: the lock, backups/, the backup and its sidecar are the
    config owner's, so the owner's own next run can take the lock (the landed version left them root's)."""
    _need_root(runs)
    path = runs['paths']['kept']
    owner = (runs['user']['uid'], runs['user']['gid'])
    backup = runs['first'].result('kept')['backup_file']
    lock = os.path.join(os.path.dirname(path), '.%s.lock' % CONFIG)
    for item in (path, lock, os.path.dirname(backup), backup, backup + '.meta'):
        assert _owner(item) == owner, item


def test_rerun_keeps_mode_and_owner_and_reports_ok(runs):
    path = runs['paths']['kept']
    assert runs['second'].result('kept')['changed'] is False
    assert read(path) == runs['after_first']['kept'] and _mode(path) == 0o640


@pytest.mark.parametrize('kind', ['abs', 'rel', 'dangling'])
def test_symlinked_config_keeps_its_link(runs, kind):
    link, target = runs['paths']['%s_link' % kind], runs['paths']['%s_target' % kind]
    assert os.path.islink(link)
    assert os.path.realpath(link) == os.path.realpath(target)
    data = read(target)
    assert strict_load(data)['mcpServers']['new'] == {'command': '/bin/true'}
    result = runs['first'].result('%s link' % kind)
    assert result['changed'] is True and result['config_path'] == link
    # Temp files and backups live beside the real file, never beside the link.
    assert sorted(os.listdir(os.path.dirname(link))) == [CONFIG]
    if kind == 'dangling':
        assert result['created'] is True and _mode(target) == 0o600 and 'backup_file' not in result
    else:
        assert os.path.dirname(result['backup_file']) == os.path.join(os.path.dirname(target), 'backups')
        assert _mode(target) == (0o640 if kind == 'abs' else 0o600)


def test_symlink_rerun_is_idempotent(runs):
    assert runs['second'].result('abs link')['changed'] is False
    assert os.path.islink(runs['paths']['abs_link'])


def _assert_user_owned_tree(runs, config, top):
    """config, its directories up to (not including) top, its backup dir and backups: the user's."""
    user = runs['user']
    owner = (user['uid'], user['gid'])
    assert _owner(config) == owner and _mode(config) == 0o600
    directory = os.path.dirname(config)
    while directory != top:
        assert _owner(directory) == owner and _mode(directory) == 0o700, directory
        directory = os.path.dirname(directory)
    backups = os.path.join(os.path.dirname(config), 'backups')
    assert _owner(backups) == owner and _mode(backups) == 0o700
    names = sorted(os.listdir(backups))
    assert len(names) == 2 and names[0].endswith('_pre-change.json') and names[1] == names[0] + '.meta'
    for name in names:
        assert _owner(os.path.join(backups, name)) == owner and _mode(os.path.join(backups, name)) == 0o600
    lock = os.path.join(os.path.dirname(config), '.%s.lock' % os.path.basename(config))
    assert not os.path.exists(lock) or _owner(lock) == owner
    assert sorted(strict_load(read(config))['mcpServers']) == ['a', 'b']


def test_user_owns_new_files_dirs_and_backups(runs):
    _need_root(runs)
    assert runs['first'].result('user new')['created'] is True
    _assert_user_owned_tree(runs, runs['paths']['user_new'], str(runs['root'] / 'user'))


def test_user_resolves_that_users_home(runs):
    _need_root(runs)
    if runs['user'].get('home_busy'):
        pytest.skip('%s already has a Claude config in %s; not touching it' % (TEST_USER, runs['user']['home']))
    home = runs['user']['home']
    config = os.path.join(home, '.config', 'Claude', CONFIG)
    assert runs['first'].result('user default path')['config_path'] == config
    _assert_user_owned_tree(runs, config, home)
