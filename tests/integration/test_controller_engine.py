# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""engine=controller against a real POSIX host (the local connection) gives what engine=host gives.

Each scenario runs the same playbook twice, once per engine, on two copies of the same config root whose paths
have the same length (.../h/ and .../c/). Then the two trees (every file's bytes and mode, owner when root, lock
files aside - the controller engine takes no lock on the host) and the two lists of task results must be equal
once the root and the backup timestamps are written alike. The scenarios cover what the config-engine
integration tests cover: adding, updating, removing, exclusive sets, info, new files in missing directories,
symlinks, refusals (trailing comma, byte-order mark), check mode, validate_command on the host's PATH, backups
(present, daily, restore full and per server, prune, info), policy files, and `user` ownership.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import json
import os
import re
import stat
import subprocess

import pytest

from _helpers import ensure_test_user, read, run_playbook, write

CONFIG = 'claude_desktop_config.json'
DOC = b'{\n  "mcpServers": {\n    "a": {\n      "command": "x",\n      "disabled": true\n    }\n  },\n  "preferences": {}\n}\n'
TS_RE = re.compile(r'\d{8}T\d{12}Z')
SECRET = 'ghp_ControllerEngineSecret0123456789'
# Task result keys that are about the run, not the module's answer.
RUN_KEYS = ('invocation', '_ansible_no_log', '_ansible_verbose_always', 'ansible_facts', 'deprecations')


def _engines_run(tmp_path, setup, tasks, check=False, diff=True, env=None, verbosity=0):
    """{engine: (tree, results, run)} of the same tasks on two copies of the root made by setup(root)."""
    out = {}
    for engine, short in (('host', 'h'), ('controller', 'c')):
        root = str(tmp_path / short)
        os.makedirs(root)
        setup(root)
        run = run_playbook(tmp_path, _with_engine(tasks, engine), check=check, diff=diff, verbosity=verbosity,
                           play_vars={'root': root}, env=env, tag=engine)
        assert run.rc in (0, 2), run.describe()
        out[engine] = (_tree(root), _results(run, root), run)
    return out


def _with_engine(tasks, engine):
    tasks = json.loads(json.dumps(tasks))
    for task in tasks:
        for key, value in task.items():
            if key.startswith('mcpops.mcp.') and isinstance(value, dict):
                value['engine'] = engine
    return tasks


def _norm(text, root):
    """The root and the times of this run (backup names, ISO timestamps of today) written alike."""
    today = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d')
    text = re.sub(re.escape(today) + r'T[0-9:.]+Z', '<NOW>', text.replace(root, '<ROOT>'))
    return TS_RE.sub('<TS>', text)


def _tree(root):
    """{relative path: (bytes, mode, owner)} with the root and backup timestamps written alike; lock files left out."""
    tree = {}
    stamps = sorted(set(m for directory, dirs, names in os.walk(root) for name in names for m in TS_RE.findall(name)))

    def name_of(path):
        # Backups by their order in time (each engine stamps its own time): <TS1>, <TS2>, ...
        for index, found in enumerate(stamps):
            path = path.replace(found, '<TS%d>' % (index + 1))
        return _norm(path, root)

    for directory, dirs, names in os.walk(root):
        for name in dirs + names:
            path = os.path.join(directory, name)
            if name.endswith('.lock'):
                continue
            st = os.lstat(path)
            rel = name_of(os.path.relpath(path, root))
            if stat.S_ISLNK(st.st_mode):
                tree[rel] = ('link', _norm(os.readlink(path), root))
            elif stat.S_ISDIR(st.st_mode):
                tree[rel] = ('dir', stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
            else:
                tree[rel] = (_norm(read(path).decode('utf-8', 'replace'), root), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
    return tree


def _results(run, root):
    results = []
    for event in run.tasks():
        result = dict((k, v) for k, v in event['result'].items() if k not in RUN_KEYS)
        results.append((event['task'], event['status'], json.loads(_norm(json.dumps(result, sort_keys=True), root))))
    return results


def _assert_same(out):
    host_tree, host_results, host_run = out['host']
    ctl_tree, ctl_results, ctl_run = out['controller']
    assert [r[0] for r in ctl_results] == [r[0] for r in host_results], ctl_run.describe()
    for host_result, ctl_result in zip(host_results, ctl_results):
        assert ctl_result == host_result, 'task %r differs\n--- host\n%s\n--- controller\n%s' % (
            host_result[0], json.dumps(host_result, indent=1, sort_keys=True), json.dumps(ctl_result, indent=1, sort_keys=True))
    assert sorted(ctl_tree) == sorted(host_tree)
    for rel in host_tree:
        assert ctl_tree[rel] == host_tree[rel], rel
    for run in (host_run, ctl_run):
        assert SECRET not in run.output


def _task(title, module, **params):
    return {'name': title, 'mcpops.mcp.%s' % module: params, 'register': 'out', 'ignore_errors': True}


def _config_setup(root):
    write(os.path.join(root, 'cfg', CONFIG), DOC, mode=0o640)
    write(os.path.join(root, 'real', 'target.json'), DOC, mode=0o600)
    os.makedirs(os.path.join(root, 'links'))
    os.symlink(os.path.join(root, 'real', 'target.json'), os.path.join(root, 'links', CONFIG))
    write(os.path.join(root, 'bad', CONFIG), b'{\n  "mcpServers": {\n    "a": {"command": "x"},\n  }\n}\n', mode=0o600)
    write(os.path.join(root, 'bom', CONFIG), b'\xef\xbb\xbf' + DOC, mode=0o600)
    write(os.path.join(root, 'bin', 'present-tool'), b'#!/bin/sh\nexit 0\n', mode=0o755)
    write(os.path.join(root, 'bin', 'not-executable'), b'#!/bin/sh\nexit 0\n', mode=0o644)


def test_config_edits_are_the_same_through_both_engines(tmp_path):
    cfg = '{{ root }}/cfg/' + CONFIG
    tasks = [
        _task('add', 'mcp_server', name='gh', command='npx', args=['-y', '@modelcontextprotocol/server-github'],
              env={'LOG_LEVEL': 'info'}, secret_env={'GITHUB_PERSONAL_ACCESS_TOKEN': SECRET}, config_path=cfg,
              validate_command=False),
        _task('again', 'mcp_server', name='gh', command='npx', args=['-y', '@modelcontextprotocol/server-github'],
              env={'LOG_LEVEL': 'info'}, secret_env={'GITHUB_PERSONAL_ACCESS_TOKEN': SECRET}, config_path=cfg,
              validate_command=False),
        _task('update', 'mcp_server', name='gh', command='npx', args=['--token', SECRET], config_path=cfg,
              validate_command=False),
        _task('set', 'mcp_servers', config_path=cfg, exclusive=True, validate_command=False,
              servers=[{'name': 'gh', 'command': 'npx'}, {'name': 'time', 'command': 'uvx', 'args': ['mcp-server-time']}]),
        _task('info', 'mcp_server_info', config_path=cfg, names=['time', 'nope']),
        _task('remove', 'mcp_server', name='time', state='absent', config_path=cfg),
        _task('check mode', 'mcp_server', name='never', command='x', config_path=cfg, validate_command=False),
        _task('new file', 'mcp_server', name='n', command='x', config_path='{{ root }}/new/deep/' + CONFIG,
              validate_command=False),
        _task('no create', 'mcp_server', name='n', command='x', config_path='{{ root }}/none/' + CONFIG, create=False,
              validate_command=False),
        _task('symlink', 'mcp_server', name='s', command='x', config_path='{{ root }}/links/' + CONFIG,
              validate_command=False),
        _task('trailing comma', 'mcp_server', name='s', command='x', config_path='{{ root }}/bad/' + CONFIG,
              validate_command=False),
        _task('byte-order mark', 'mcp_server', name='s', command='x', config_path='{{ root }}/bom/' + CONFIG,
              validate_command=False),
        _task('info of a broken file', 'mcp_server_info', config_path='{{ root }}/bad/' + CONFIG),
        _task('command on the host PATH', 'mcp_servers', config_path=cfg, validate_command=True, servers=[
            {'name': 'p', 'command': 'present-tool', 'env': {'PATH': '{{ root }}/bin'}},
            {'name': 'q', 'command': 'missing-tool', 'env': {'PATH': '{{ root }}/bin'}},
            {'name': 'r', 'command': 'not-executable', 'env': {'PATH': '{{ root }}/bin'}},
            {'name': 't', 'command': '{{ root }}/bin/present-tool'}]),
        _task('command found', 'mcp_server', name='p', command='present-tool', env={'PATH': '{{ root }}/bin'},
              config_path=cfg, validate_command=True),
    ]
    tasks[6]['check_mode'] = True
    out = _engines_run(tmp_path, _config_setup, tasks)
    _assert_same(out)
    results = dict((name, (status, result)) for name, status, result in out['controller'][1])
    # The scenarios did what they say (so equality is not two identical failures).
    assert results['add'][1]['changed'] and results['add'][1]['backup_file'].startswith('<ROOT>/cfg/backups/backup_')
    assert not results['again'][1]['changed']
    assert results['check mode'][1]['changed'] and 'never' not in read(os.path.join(str(tmp_path), 'c', 'cfg', CONFIG)).decode()
    assert results['trailing comma'][0] == 'failed' and ':4:3:' in results['trailing comma'][1]['msg']
    assert results['byte-order mark'][0] == 'failed' and 'byte-order mark' in results['byte-order mark'][1]['msg'].lower()
    assert read(os.path.join(str(tmp_path), 'c', 'bom', CONFIG)).startswith(b'\xef\xbb\xbf')
    assert results['command on the host PATH'][0] == 'failed'
    assert 'missing-tool' in results['command on the host PATH'][1]['msg']
    assert 'not-executable' in results['command on the host PATH'][1]['msg']
    assert 'present-tool' not in results['command on the host PATH'][1]['msg']
    assert results['command found'][1]['changed']
    assert results['symlink'][1]['changed'] and os.path.islink(os.path.join(str(tmp_path), 'c', 'links', CONFIG))
    tree = out['controller'][0]
    assert tree['new/deep'][1] == 0o700 and tree['new/deep/' + CONFIG][1] == 0o600
    assert tree['cfg/' + CONFIG][1] == 0o640


def _backup_setup(root):
    write(os.path.join(root, 'cfg', CONFIG), DOC, mode=0o600)
    # Two old backups of this config (prune deletes one, keep_min keeps one) and one of another config.
    for stamp, source in (('20200101T000000000000', 'cfg'), ('20200102T000000000000', 'cfg'),
                          ('20200103T000000000000', 'other')):
        path = os.path.join(root, 'cfg', 'backups', 'backup_%sZ.json' % stamp)
        write(path, DOC, mode=0o600)
        meta = dict(format=1, source=os.path.join(root, source, CONFIG), sha256=hashlib.sha256(DOC).hexdigest(), size=len(DOC))
        write(path + '.meta', json.dumps(meta, indent=2, sort_keys=True).encode() + b'\n', mode=0o600)
    os.chmod(os.path.join(root, 'cfg', 'backups'), 0o700)


def test_backups_are_the_same_through_both_engines(tmp_path):
    cfg = '{{ root }}/cfg/' + CONFIG
    tasks = [
        _task('present', 'mcp_backup', config_path=cfg, dest='{{ root }}/cfg/backups/backup_20300101T000000000000Z.json'),
        _task('daily', 'mcp_backup', config_path=cfg, daily=True),
        _task('daily again', 'mcp_backup', config_path=cfg, daily=True),
        _task('change', 'mcp_server', name='gh', command='npx', secret_env={'TOKEN': SECRET}, config_path=cfg,
              validate_command=False),
        _task('change more', 'mcp_server', name='a', state='absent', config_path=cfg),
        _task('restore one server', 'mcp_backup', config_path=cfg, state='restored', latest=True, names=['a']),
        _task('restore all', 'mcp_backup', config_path=cfg, state='restored',
              src='{{ root }}/cfg/backups/backup_20300101T000000000000Z.json'),
        _task('info', 'mcp_backup_info', config_path=cfg),
        _task('prune', 'mcp_backup', config_path=cfg, state='pruned', retention_days=3650, keep_min=1),
        _task('restore from a foreign backup', 'mcp_backup', config_path=cfg, state='restored',
              src='{{ root }}/cfg/backups/backup_20200103T000000000000Z.json'),
    ]
    out = _engines_run(tmp_path, _backup_setup, tasks)
    _assert_same(out)
    results = dict((name, (status, result)) for name, status, result in out['controller'][1])
    assert results['present'][1]['changed'] and results['daily'][1]['changed'] and not results['daily again'][1]['changed']
    assert results['restore all'][1]['changed'] and results['restore all'][1]['saved_current']
    assert results['restore from a foreign backup'][0] == 'failed'
    assert read(os.path.join(str(tmp_path), 'c', 'cfg', CONFIG)) == DOC


def _policy_setup(root):
    write(os.path.join(root, 'cc', 'managed-settings.json'), b'{"permissions": {"deny": []}}\n', mode=0o644)
    write(os.path.join(root, 'gh', 'managed-settings.json'),
          b'{\n  "model": "x",\n  "deniedMcpServers": [{"serverName": "old"}]\n}\n', mode=0o644)


def test_policy_files_are_the_same_through_both_engines(tmp_path):
    tasks = [
        _task('claude code', 'mcp_policy', client='claude_code', policy_dir='{{ root }}/cc',
              allowed=[{'serverName': 'github'}], denied=[{'serverUrl': 'https://*.evil.example/*'}], only_managed=True,
              managed_servers=[{'name': 'github', 'command': 'npx', 'args': ['-y', '@modelcontextprotocol/server-github']}]),
        _task('claude code again', 'mcp_policy', client='claude_code', policy_dir='{{ root }}/cc',
              allowed=[{'serverName': 'github'}], denied=[{'serverUrl': 'https://*.evil.example/*'}], only_managed=True,
              managed_servers=[{'name': 'github', 'command': 'npx', 'args': ['-y', '@modelcontextprotocol/server-github']}]),
        _task('copilot', 'mcp_policy', client='copilot', policy_dir='{{ root }}/gh', allowed=[{'serverName': 'github'}]),
        _task('claude code absent', 'mcp_policy', client='claude_code', policy_dir='{{ root }}/cc', state='absent'),
        _task('bad entry', 'mcp_policy', client='copilot', policy_dir='{{ root }}/gh', allowed=[{'nope': 1}]),
    ]
    out = _engines_run(tmp_path, _policy_setup, tasks)
    _assert_same(out)
    results = dict((name, (status, result)) for name, status, result in out['controller'][1])
    assert results['claude code'][1]['changed'] and not results['claude code again'][1]['changed']
    assert results['claude code absent'][1]['changed'] and results['bad entry'][0] == 'failed'


def test_user_owns_what_both_engines_create(tmp_path):
    name, uid, gid, _home = ensure_test_user()

    def setup(root):
        os.chmod(root, 0o755)
        write(os.path.join(root, 'mine', CONFIG), DOC, mode=0o600)
        os.chown(os.path.join(root, 'mine'), uid, gid)
        os.chown(os.path.join(root, 'mine', CONFIG), uid, gid)
        write(os.path.join(root, 'others', CONFIG), DOC, mode=0o640)
        os.chown(os.path.join(root, 'others', CONFIG), uid, gid)

    tasks = [
        _task('as user', 'mcp_server', name='u', command='x', config_path='{{ root }}/mine/' + CONFIG, user=name,
              validate_command=False),
        _task('new file as user', 'mcp_server', name='u', command='x', config_path='{{ root }}/mine/sub/' + CONFIG,
              user=name, validate_command=False),
        _task('root edits without user', 'mcp_server', name='u', command='x', config_path='{{ root }}/others/' + CONFIG,
              validate_command=False),
        _task('no such user', 'mcp_server', name='u', command='x', config_path='{{ root }}/mine/' + CONFIG,
              user='no-such-user-mcpops', validate_command=False),
    ]
    out = _engines_run(tmp_path, setup, tasks)
    _assert_same(out)
    tree = out['controller'][0]
    assert tree['mine/sub/' + CONFIG][2:] == (uid, gid)
    assert tree['others/backups'][2:] == (uid, gid)
    assert any(rel.startswith('others/backups/backup_') and value[2:] == (uid, gid) for rel, value in tree.items())


def test_check_mode_and_vvv_write_nothing_and_show_no_secret(tmp_path):
    cfg = '{{ root }}/cfg/' + CONFIG
    tasks = [_task('add', 'mcp_server', name='gh', command='npx', secret_env={'GITHUB_TOKEN': SECRET}, config_path=cfg,
                   args=['--api-key=' + SECRET], validate_command=False)]
    out = _engines_run(tmp_path, _config_setup, tasks, check=True, verbosity=3)
    _assert_same(out)
    assert out['controller'][1][0][2]['changed']
    assert read(os.path.join(str(tmp_path), 'c', 'cfg', CONFIG)) == DOC
    assert not os.path.exists(os.path.join(str(tmp_path), 'c', 'cfg', 'backups'))


def test_a_concurrent_change_before_the_rename_is_refused_on_the_host(tmp_path):
    """The POSIX replace command itself: a target that no longer holds the bytes read is left alone, temp removed."""
    from ansible_collections.mcpops.mcp.plugins.plugin_utils._engine_hosts import replace_script, sha1
    target = write(str(tmp_path / CONFIG), DOC)
    tmp = write(str(tmp_path / ('.%s.x.tmp' % CONFIG)), b'{}\n')
    write(target, DOC + b' ')  # another program rewrote it after we read DOC
    out = subprocess.run(['sh', '-c', replace_script(target, tmp, sha1(DOC))], stdout=subprocess.PIPE, check=True)
    assert out.stdout.strip() == b'CONFLICT'
    assert read(target) == DOC + b' ' and not os.path.exists(tmp)
    tmp = write(str(tmp_path / ('.%s.y.tmp' % CONFIG)), b'{}\n')
    out = subprocess.run(['sh', '-c', replace_script(target, tmp, sha1(DOC + b' '))], stdout=subprocess.PIPE, check=True)
    assert out.stdout.strip() == b'REPLACED' and read(target) == b'{}\n' and not os.path.exists(tmp)
    new = str(tmp_path / 'new.json')
    tmp = write(str(tmp_path / '.new.json.z.tmp'), b'{}\n')
    out = subprocess.run(['sh', '-c', replace_script(new, tmp, '')], stdout=subprocess.PIPE, check=True)
    assert out.stdout.strip() == b'REPLACED' and read(new) == b'{}\n'


def test_a_host_without_tomlkit_edits_a_codex_config_through_the_controller(tmp_path):
    """The reason engine=controller exists on POSIX: the host's Python lacks tomlkit, the controller has it."""
    host_python = '/usr/bin/python3'
    probe = subprocess.run([host_python, '-c', 'import tomlkit'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False) \
        if os.path.exists(host_python) else None
    if probe is None or probe.returncode == 0:
        pytest.skip('needs a %s without tomlkit to stand for such a host' % host_python)
    text = b'# my codex config\nmodel = "o3"\n\n[mcp_servers.old]\ncommand = "x"\n'
    config = write(str(tmp_path / 'codex' / 'config.toml'), text)
    task = _task('codex', 'mcp_server', client='codex', name='gh', command='npx', secret_env={'GITHUB_TOKEN': SECRET},
                 config_path=config, validate_command=False)
    runs = {}
    for engine in ('host', 'controller'):
        runs[engine] = run_playbook(tmp_path, _with_engine([task], engine), tag=engine,
                                    host_vars={'localhost': {'ansible_python_interpreter': host_python}})
    host_result, ctl_result = runs['host'].result('codex'), runs['controller'].result('codex')
    assert runs['host'].failed('codex') and 'tomlkit' in host_result.get('msg', ''), host_result
    assert not runs['controller'].failed('codex') and ctl_result['changed'], runs['controller'].describe()
    data = read(config)
    assert data.startswith(text) and b'[mcp_servers.gh]' in data
    assert SECRET not in runs['controller'].output
