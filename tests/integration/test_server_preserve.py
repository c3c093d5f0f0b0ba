# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_server keeps everything it does not manage, is idempotent, and --check --diff is exact.

Three real runs over the same set of files: --check --diff first (must write nothing), then the
real run with --diff (its diffs must equal the check run's), then a rerun (changed=0, untouched).
CRLF fixtures are generated here (ansible-test's code-smell rejects them in git).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from _helpers import read, run_playbook, server_task, snapshot, strict_load, write

CONFIG = 'claude_desktop_config.json'
HOSTS = ('preserve-a', 'preserve-b')

CLAUDE_LIKE = (
    '{\n  "globalShortcut": "Ctrl+Space",\n  "mcpServers": {\n    "keep": {\n      "disabled": true,\n'
    '      "command": "node",\n      "args": ["srv.js", "--city", "Z\u00fcrich \u65e5\u672c"],\n'
    '      "env": {"LEVEL": "1.50"},\n      "alwaysAllow": ["read"]\n    }\n  },\n'
    '  "preferences": {"zoom": 1.50, "big": 1e5, "emoji": "\U0001F600"}\n}\n').encode('utf-8')
# The new entry is spliced in after "keep"; every other byte (inline lists and objects, 1.50, 1e5, raw UTF-8) is kept.
CLAUDE_LIKE_AFTER = CLAUDE_LIKE.replace(
    b'    }\n  },\n  "preferences"',
    b'    },\n    "new": {\n      "command": "/bin/true",\n      "args": [\n        "-y"\n      ]\n    }\n  },\n  "preferences"')

# case -> (initial bytes or None for no file, task params, expected bytes, changed)
CASES = {
    'claude_like_unknown_keys_non_ascii': (CLAUDE_LIKE, dict(name='new', command='/bin/true', args=['-y']),
                                           CLAUDE_LIKE_AFTER, True),
    'crlf_four_spaces_no_trailing_newline': (
        b'{\r\n    "mcpServers": {\r\n        "a": {\r\n            "command": "x"\r\n        }\r\n    }\r\n}',
        dict(name='new', command='y'),
        b'{\r\n    "mcpServers": {\r\n        "a": {\r\n            "command": "x"\r\n        },\r\n'
        b'        "new": {\r\n            "command": "y"\r\n        }\r\n    }\r\n}', True),
    'tab_indent': (b'{\n\t"mcpServers": {\n\t\t"a": {"command": "x"}\n\t}\n}\n', dict(name='new', command='y'),
                   b'{\n\t"mcpServers": {\n\t\t"a": {"command": "x"},\n\t\t"new": {\n\t\t\t"command": "y"\n'
                   b'\t\t}\n\t}\n}\n', True),
    'one_line_tight': (b'{"mcpServers":{"a":{"command":"x"}}}', dict(name='new', command='y'),
                       b'{"mcpServers":{"a":{"command":"x"},"new":{"command":"y"}}}', True),
    'one_line_spaced': (b'{"mcpServers": {"a": {"command": "x"}}}\n', dict(name='new', command='y'),
                        b'{"mcpServers": {"a": {"command": "x"}, "new": {"command": "y"}}}\n', True),
    'no_servers_key_yet': (b'{"globalShortcut": "Alt+Space"}\n', dict(name='new', command='y'),
                           b'{"globalShortcut": "Alt+Space", "mcpServers": {"new": {"command": "y"}}}\n', True),
    'update_keeps_unknown_keys_and_order': (
        b'{\n  "mcpServers": {\n    "a": {\n      "disabled": false,\n      "command": "x",\n      "args": ["old"],\n'
        b'      "timeout": 30\n    },\n    "z": {"command": "z"}\n  }\n}\n',
        dict(name='a', command='x', args=['new']),
        b'{\n  "mcpServers": {\n    "a": {\n      "disabled": false,\n      "command": "x",\n      "args": ["new"],\n'
        b'      "timeout": 30\n    },\n    "z": {"command": "z"}\n  }\n}\n', True),
    'absent_keeps_the_others': (
        b'{\n  "mcpServers": {\n    "a": {\n      "command": "x"\n    },\n    "b": {\n      "command": "y"\n    }\n  },\n'
        b'  "x": 1\n}\n',
        dict(name='b', state='absent'),
        b'{\n  "mcpServers": {\n    "a": {\n      "command": "x"\n    }\n  },\n  "x": 1\n}\n', True),
    'absent_already': (b'{\n  "mcpServers": {}\n}\n', dict(name='b', state='absent'), b'{\n  "mcpServers": {}\n}\n', False),
    'existing_empty_args_env_are_equal': (
        b'{\n  "mcpServers": {\n    "a": {"command": "x", "args": [], "env": {}}\n  }\n}\n',
        dict(name='a', command='x'),
        b'{\n  "mcpServers": {\n    "a": {"command": "x", "args": [], "env": {}}\n  }\n}\n', False),
    'new_file_in_new_dir': (None, dict(name='new', command='y', env={'DEBUG': '1'}),
                            b'{\n  "mcpServers": {\n    "new": {\n      "command": "y",\n      "env": {\n'
                            b'        "DEBUG": "1"\n      }\n    }\n  }\n}\n', True),
}


def _path(root, case):
    if CASES[case][0] is None:
        return str(root / case / 'Claude' / 'sub' / CONFIG)
    return str(root / case / CONFIG)


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp('preserve')
    items = []
    for case in sorted(CASES):
        initial, params, _expected, _changed = CASES[case]
        path = _path(root, case)
        if initial is not None:
            write(path, initial, mode=0o644)
        else:
            os.makedirs(str(root / case))
        items.append(dict(params, case=case, path=path))
    share = dict((host, items[n::len(HOSTS)]) for n, host in enumerate(HOSTS))
    task = server_task('edit', name='{{ item.name }}', state="{{ item.state | default('present') }}",
                       command='{{ item.command | default(omit) }}', args='{{ item.args | default(omit) }}',
                       env='{{ item.env | default(omit) }}', config_path='{{ item.path }}')
    task['loop'] = '{{ cases[inventory_hostname] }}'
    tasks = [task]
    paths = dict((i['case'], i['path']) for i in items)

    def state():
        return dict((case, snapshot(p) if os.path.exists(p) else None) for case, p in paths.items())

    initial = state()
    check = run_playbook(str(root), tasks, check=True, diff=True, hosts=HOSTS, play_vars=dict(cases=share), tag='check')
    after_check = state()
    created_dir_after_check = os.path.exists(os.path.dirname(os.path.dirname(paths['new_file_in_new_dir'])))
    real = run_playbook(str(root), tasks, diff=True, hosts=HOSTS, play_vars=dict(cases=share), tag='real')
    after_real = state()
    again = run_playbook(str(root), tasks, diff=True, hosts=HOSTS, play_vars=dict(cases=share), tag='again')
    after_again = state()
    return dict(root=root, paths=paths, check=check, real=real, again=again, initial=initial,
                after_check=after_check, created_dir_after_check=created_dir_after_check, after_real=after_real, after_again=after_again)


def _results(run, case):
    found = [r for host in HOSTS for r in run.result('edit', host)['results'] if r['item']['case'] == case]
    assert len(found) == 1, run.describe()
    return found[0]


def test_runs_succeed(runs):
    for name in ('check', 'real', 'again'):
        runs[name].assert_ok()


@pytest.mark.parametrize('case', sorted(CASES))
def test_result_bytes_are_exact(runs, case):
    _initial, _params, expected, changed = CASES[case]
    path = runs['paths'][case]
    assert read(path) == expected
    strict_load(read(path))
    assert _results(runs['real'], case)['changed'] is changed


@pytest.mark.parametrize('case', sorted(CASES))
def test_check_mode_writes_nothing_and_predicts_the_real_diff(runs, case):
    assert runs['after_check'][case] == runs['initial'][case]
    if CASES[case][0] is None:
        assert runs['created_dir_after_check'] is False
    checked, real = _results(runs['check'], case), _results(runs['real'], case)
    assert checked['changed'] is real['changed']
    assert checked['diff'] == real['diff']
    assert checked['server'] == real['server']
    assert checked.get('created') == real.get('created')
    assert 'backup_file' not in checked


@pytest.mark.parametrize('case', sorted(CASES))
def test_second_run_changes_nothing(runs, case):
    assert runs['after_again'][case] == runs['after_real'][case]  # bytes, inode, mtime
    assert _results(runs['again'], case)['changed'] is False
    assert 'backup_file' not in _results(runs['again'], case)


def test_second_run_recap_says_changed_0(runs):
    assert [runs['again'].changed(host) for host in HOSTS] == [0, 0], runs['again'].describe()
    assert sum(runs['real'].changed(host) for host in HOSTS) == len(HOSTS)  # one looped task per host


@pytest.mark.parametrize('case', sorted(c for c in CASES if CASES[c][0] is not None and CASES[c][3]))
def test_pre_change_backup_holds_the_old_bytes(runs, case):
    result = _results(runs['real'], case)
    backup = result['backup_file']
    assert os.path.dirname(backup) == os.path.join(os.path.dirname(runs['paths'][case]), 'backups')
    assert os.path.basename(backup).startswith('backup_') and backup.endswith('Z_pre-change.json')
    assert read(backup) == CASES[case][0]
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(backup)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(runs['paths'][case]).st_mode) == 0o644  # the config keeps its mode


def test_unchanged_files_get_no_backup(runs):
    for case in ('absent_already', 'existing_empty_args_env_are_equal'):
        assert not os.path.exists(os.path.join(os.path.dirname(runs['paths'][case]), 'backups'))


def test_new_file_is_0600_in_0700_dirs(runs):
    path = runs['paths']['new_file_in_new_dir']
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    for directory in (os.path.dirname(path), os.path.dirname(os.path.dirname(path))):
        assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    result = _results(runs['real'], 'new_file_in_new_dir')
    assert result['created'] is True and 'backup_file' not in result
    assert result['diff']['before'] == ''


def test_diff_shows_the_change(runs):
    diff = _results(runs['real'], 'absent_keeps_the_others')['diff']
    assert '"b"' in diff['before'] and '"b"' not in diff['after']
    assert diff['before_header'] == runs['paths']['absent_keeps_the_others']


# ---------------------------------------------------------------------------------------------
# mcp_servers: the whole set in one write, through real ansible-playbook runs

SET_ORIGINAL = (b'{\n    "globalShortcut": "Ctrl+Space",\n    "mcpServers": {\n'
                b'        "Framelink Figma MCP": {"command": "npx", "args": ["-y", "figma-developer-mcp"]},\n'
                b'        "keep": {"command": "x", "disabled": true, "timeout": 30}\n    },\n'
                b'    "preferences": {"theme": "dark"}\n}\n')
SET_SECRETS = ('set-secret-env-value-0a1b', 'set-env-apikey-value-2c3d', 'set-arg-token-value-4e5f')


def _set_task(path, exclusive):
    servers = [
        {'name': 'keep', 'command': 'x'},
        {'name': 'new', 'command': 'y', 'args': ['--token', SET_SECRETS[2], 1, True],
         'env': {'OTHER_API_KEY': SET_SECRETS[1], 'DEBUG': False}, 'secret_env': {'GITHUB_TOKEN': SET_SECRETS[0]}},
        {'name': 'gone', 'state': 'absent'},
    ]
    return [{'name': 'set', 'register': 'out',
             'mcpops.mcp.mcp_servers': dict(config_path=path, servers=servers, exclusive=exclusive, validate_command=False)}]


def _backup_files(directory):
    return sorted(n for n in os.listdir(directory) if n.endswith('.json')) if os.path.isdir(directory) else []


@pytest.mark.parametrize('exclusive', [False, True])
def test_mcp_servers_check_mode_is_exact_then_one_write_then_changed_0(tmp_path, exclusive):
    path = write(str(tmp_path / 'cfg' / CONFIG), SET_ORIGINAL, mode=0o640)
    backups = str(tmp_path / 'cfg' / 'backups')
    tasks = _set_task(path, exclusive)

    check = run_playbook(str(tmp_path), tasks, check=True, diff=True, verbosity=3, tag='check')
    assert check.rc == 0, check.describe()
    assert read(path) == SET_ORIGINAL and _backup_files(backups) == []
    real = run_playbook(str(tmp_path), tasks, diff=True, verbosity=3, tag='real')
    assert real.rc == 0, real.describe()
    again = run_playbook(str(tmp_path), tasks, diff=True, verbosity=3, tag='again')
    assert again.rc == 0 and again.recap['localhost']['changed'] == 0, again.describe()

    predicted, applied = check.result('set'), real.result('set')
    for key in ('changed', 'changes', 'servers', 'diff', 'created'):
        assert predicted[key] == applied[key], key
    removed = ['Framelink Figma MCP'] if exclusive else []
    assert applied['changes'] == {'added': ['new'], 'updated': [], 'removed': removed, 'unchanged': ['keep', 'gone']}
    doc = strict_load(read(path))
    assert list(doc) == ['globalShortcut', 'mcpServers', 'preferences']
    assert list(doc['mcpServers']) == ([] if exclusive else ['Framelink Figma MCP']) + ['keep', 'new']
    assert doc['mcpServers']['keep'] == {'command': 'x', 'disabled': True, 'timeout': 30}
    assert doc['mcpServers']['new'] == {'command': 'y', 'args': ['--token', SET_SECRETS[2], '1', 'true'],
                                        'env': {'OTHER_API_KEY': SET_SECRETS[1], 'DEBUG': 'false', 'GITHUB_TOKEN': SET_SECRETS[0]}}
    assert read(path).startswith(b'{\n    "globalShortcut"')  # the file's own 4-space style
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert _backup_files(backups) == [os.path.basename(applied['backup_file'])]
    assert read(applied['backup_file']) == SET_ORIGINAL
    # The unchanged rerun: nothing written, no new backup.
    assert not again.result('set')['changed'] and 'backup_file' not in again.result('set')
    assert _backup_files(backups) == [os.path.basename(applied['backup_file'])]
    for run in (check, real, again):
        assert 'ansible-playbook [core' in run.output  # verbose output (the invocation at -vvv where the core prints it)
        for value in SET_SECRETS:
            assert value not in run.output, value
