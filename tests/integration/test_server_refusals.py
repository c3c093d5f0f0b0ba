# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every config mcp_server refuses stays byte-identical, and the failure names file:line:col.

One ansible-playbook run covers all cases (a loop per task) to keep the suite fast. BOM, CRLF
and empty fixtures are generated here: ansible-test's code-smell checks reject them in git.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from _helpers import read, run_playbook, server_task, snapshot, write

CONFIG = 'claude_desktop_config.json'

# case -> (file bytes, line, column, words the message must contain)
CASES = {
    'trailing_comma': (b'{\n  "mcpServers": {\n    "a": {"command": "x"},\n  }\n}\n', 4, 3, 'trailing comma'),
    'trailing_comma_in_args': (b'{\n  "mcpServers": {\n    "a": {"command": "x", "args": ["1", "2",]}\n  }\n}\n',
                               3, 45, 'trailing comma'),
    'line_comment': (b'{\n  // my servers\n  "mcpServers": {}\n}\n', 2, 3, 'comments are not allowed'),
    'block_comment': (b'{\n  "mcpServers": {} /* none yet */\n}\n', 2, 20, 'comments are not allowed'),
    'utf8_bom': (b'\xef\xbb\xbf{\n  "mcpServers": {}\n}\n', 1, 1, 'byte-order mark'),
    'zero_bytes': (b'', 1, 1, 'empty'),
    'whitespace_only': (b' \r\n\t\n', 1, 1, 'empty'),
    'truncated': (b'{\n  "mcpServers": {\n    "a": {"command": "x"', 3, 25, 'ends early'),
    'list_root': (b'[\n  {"mcpServers": {}}\n]\n', 1, 1, 'top level must be a JSON object'),
    'servers_is_list': (b'{\n  "globalShortcut": "Ctrl+Space",\n  "mcpServers": [\n    {"command": "x"}\n  ]\n}\n',
                        3, 3, '"mcpServers" must be an object'),
    'servers_is_string': (b'{\n  "mcpServers": "none"\n}\n', 2, 3, '"mcpServers" must be an object'),
    # The same name earlier as a nested key must not mislead the position.
    'servers_after_nested_namesake': (b'{\n  "prefs": {"mcpServers": 1},\n  "mcpServers": []\n}\n',
                                      3, 3, '"mcpServers" must be an object'),
    'entry_is_list': (b'{\n  "mcpServers": {\n    "a": {"command": "x", "env": {"b": "1"}},\n    "b": ["npx"]\n  }\n}\n',
                      4, 5, 'server "b" must be an object'),
    'entry_is_string': (b'{\n  "mcpServers": {\n    "a": "npx server-a"\n  }\n}\n', 3, 5, 'server "a" must be an object'),
    'duplicate_top_level_key': (b'{\n  "mcpServers": {},\n  "preferences": {},\n  "mcpServers": {}\n}\n',
                                4, 3, 'duplicate key "mcpServers"'),
    'duplicate_server': (b'{\n  "mcpServers": {\n    "a": {"command": "x"},\n    "a": {"command": "y"}\n  }\n}\n',
                         4, 5, 'duplicate key "a"'),
    'duplicate_env_key': (b'{\n  "mcpServers": {\n    "a": {\n      "command": "x",\n      "env": {"K": "1", "K": "2"}\n'
                          b'    }\n  }\n}\n', 5, 25, 'duplicate key "K"'),
    'duplicate_after_nested_namesake': (b'{\n  "a": {"K": 1},\n  "K": 2,\n  "K": 3\n}\n', 4, 3, 'duplicate key "K"'),
    'crlf_duplicate_in_unknown_key': (b'{\r\n  "mcpServers": {},\r\n  "preferences": {"x": 1, "x": 2}\r\n}\r\n',
                                      3, 27, 'duplicate key "x"'),
    'nan': (b'{\n  "mcpServers": {},\n  "zoom": NaN\n}\n', 3, 11, 'NaN'),
    'extra_data': (b'{"mcpServers": {}}\n{}\n', 2, 1, 'extra data'),
    'invalid_utf8': (b'{\n  "mcpServers": {"a": {"command": "caf\xe9"}}\n}\n', 2, 39, 'not valid UTF-8'),
}


# Check mode and mcp_server_info must see the same refusals; representative cases keep the run short.
CHECK_MODE_CASES = ('trailing_comma', 'utf8_bom', 'zero_bytes', 'duplicate_server')
INFO_CASES = ('line_comment', 'whitespace_only', 'truncated', 'list_root', 'servers_is_list', 'entry_is_list',
              'duplicate_env_key', 'invalid_utf8')
HOSTS = ('refusals-a', 'refusals-b')  # two hosts: both cores work through the loops


@pytest.fixture(scope='module')
def refused(tmp_path_factory):
    """Run present, absent (check mode) and info against every refused file in one playbook."""
    root = tmp_path_factory.mktemp('refusals')
    paths = dict((case, write(str(root / case / CONFIG), CASES[case][0], mode=0o640)) for case in CASES)
    before = dict((case, snapshot(path)) for case, path in paths.items())
    items = [dict(case=case, path=path, check=case in CHECK_MODE_CASES, info=case in INFO_CASES)
             for case, path in sorted(paths.items())]
    share = dict((host, items[n::len(HOSTS)]) for n, host in enumerate(HOSTS))
    mine = '{{ cases[inventory_hostname] }}'
    tasks = [
        dict(server_task('add', name='new', command='/bin/true', config_path='{{ item.path }}'),
             loop=mine, ignore_errors=True),
        dict(server_task('remove', name='a', state='absent', config_path='{{ item.path }}'),
             loop="{{ cases[inventory_hostname] | selectattr('check') | list }}", ignore_errors=True, check_mode=True),
        {'name': 'info', 'mcpops.mcp.mcp_server_info': {'config_path': '{{ item.path }}'},
         'loop': "{{ cases[inventory_hostname] | selectattr('info') | list }}"},
    ]
    run = run_playbook(str(root), tasks, diff=True, hosts=HOSTS, play_vars=dict(cases=share), tag='refusals')
    return dict(run=run, paths=paths, before=before)


def _by_case(run, task):
    return dict((r['item']['case'], r) for host in HOSTS for r in run.result(task, host)['results'])


@pytest.mark.parametrize('case', sorted(CASES))
def test_refused_file_fails_with_position_and_stays_identical(refused, case):
    run, path = refused['run'], refused['paths'][case]
    _data, line, col, words = CASES[case]
    where = '%s:%d:%d' % (path, line, col)
    for task in ('add', 'remove') if case in CHECK_MODE_CASES else ('add',):
        result = _by_case(run, task)[case]
        assert result.get('failed') is True, (task, result)
        assert result['msg'].startswith('Refusing to edit: ' + where + ': '), (task, result['msg'])
        assert words in result['msg'], result['msg']
        assert 'diff' not in result
    assert snapshot(path) == refused['before'][case]
    # Nothing beside it either: no backup, no temp file (the lock file may stay).
    leftovers = set(os.listdir(os.path.dirname(path))) - {CONFIG, '.%s.lock' % CONFIG}
    assert not leftovers


@pytest.mark.parametrize('case', INFO_CASES)
def test_info_reports_invalid_without_failing(refused, case):
    result = _by_case(refused['run'], 'info')[case]
    _data, line, col, words = CASES[case]
    assert not result.get('failed'), result
    assert result['exists'] is True and result['valid'] is False
    assert result['error'].startswith('%s:%d:%d: ' % (refused['paths'][case], line, col)), result['error']
    assert words in result['error']
    assert result['servers'] == [] and result['server_count'] == 0


def test_nothing_reports_changed(refused):
    run = refused['run']
    assert run.rc == 0, run.describe()  # failures are ignored in the play
    assert [run.changed(host) for host in HOSTS] == [0, 0]


@pytest.fixture(scope='module')
def refused_params(tmp_path_factory):
    """Bad parameters against a valid file: nothing may change either."""
    root = tmp_path_factory.mktemp('refused-params')
    path = write(str(root / CONFIG), b'{\n  "mcpServers": {\n    "a": {"command": "x"}\n  }\n}\n', mode=0o600)
    tasks = [
        dict(server_task('bad name', name='bad name!', command='/bin/true', config_path=path), ignore_errors=True),
        dict(server_task('url', name='remote', url='https://mcp.example.com/mcp', config_path=path), ignore_errors=True),
        dict(server_task('missing command', name='b', command='definitely-not-installed-mcp', validate_command=True,
                         config_path=path), ignore_errors=True),
        dict(server_task('no command', name='b', config_path=path), ignore_errors=True),
        dict(server_task('command and url', name='b', command='/bin/true', url='https://mcp.example.com/mcp',
                         config_path=path), ignore_errors=True),
        dict(server_task('create false', name='b', command='/bin/true', create=False,
                         config_path=str(root / 'absent' / CONFIG)), ignore_errors=True),
    ]
    before = snapshot(path)
    run = run_playbook(str(root), tasks, tag='params')
    return dict(run=run, path=path, before=before, root=root)


@pytest.mark.parametrize('task, words', [
    ('bad name', 'invalid name "bad name!"'),
    ('url', 'mcp-remote'),
    ('missing command', "'definitely-not-installed-mcp' was not found"),
    ('no command', 'state is present but any of the following are missing: command, url'),
    ('command and url', 'parameters are mutually exclusive: command|url'),
    ('create false', 'does not exist and create=false'),
])
def test_bad_parameters_fail_clearly_and_change_nothing(refused_params, task, words):
    result = refused_params['run'].result(task)
    assert refused_params['run'].failed(task) and words in result['msg'], result
    assert snapshot(refused_params['path']) == refused_params['before']
    assert not os.path.exists(str(refused_params['root'] / 'absent'))
    assert read(refused_params['path']).count(b'"command"') == 1


SET_SECRET = 'set-secret-3e7a91-never-print'


def test_mcp_servers_reports_every_problem_at_once_and_touches_nothing(tmp_path):
    """mcp_servers: every problem of the whole list in one failure; the file, its directory and backups untouched."""
    path = write(str(tmp_path / 'cfg' / CONFIG), b'{\n  "mcpServers": {\n    "a": {"command": "x"}\n  }\n}\n', mode=0o600)
    corrupt = write(str(tmp_path / 'corrupt' / CONFIG), b'{"mcpServers": {}, }\n', mode=0o600)
    servers = [
        {'name': 'bad name!', 'command': '/bin/true'},
        {'name': 'nocmd'},
        {'name': 'both', 'command': '/bin/true', 'url': 'https://mcp.example.com/mcp'},
        {'name': 'dup', 'command': '/bin/true'}, {'name': 'dup', 'command': '/bin/true'},
        {'name': 'missing', 'command': 'definitely-not-installed-mcp'},
        {'name': 'emptysecret', 'command': '/bin/true', 'secret_env': {'TOKEN': ''}},
        {'name': 'overlap', 'command': '/bin/true', 'env': {'K': '1'}, 'secret_env': {'K': SET_SECRET}},
        {'name': 'types', 'command': '/bin/true', 'args': [True, None, {'a': 1}], 'env': {'A': None, 'B': [1, 2]}},
    ]
    tasks = [dict(name='set', ignore_errors=True, register='out',
                  **{'mcpops.mcp.mcp_servers': dict(config_path=path, servers=servers)}),
             dict(name='set corrupt', ignore_errors=True, register='out',
                  **{'mcpops.mcp.mcp_servers': dict(config_path=corrupt, servers=servers[:2])})]
    before, before_corrupt = snapshot(path), snapshot(corrupt)

    run = run_playbook(str(tmp_path), tasks, verbosity=3, tag='set')

    result = run.result('set')
    assert run.failed('set')
    problems = result['problems']
    for words in ('server bad name!: invalid name', 'server nocmd: command (or url) is required',
                  'server both: set command or url, not both', "server both: Claude Desktop does not support 'url'",
                  'server dup: declared more than once', "server missing: command 'definitely-not-installed-mcp' was not found",
                  'server emptysecret: secret_env TOKEN has no value', 'server overlap: K set in both env and secret_env',
                  'server types: args[1] must be a string, number or boolean, found null',
                  'server types: args[2] must be a string, number or boolean, found a mapping',
                  'server types: env A has no value', 'server types: env B must be a string, number or boolean, found a list'):
        assert [p for p in problems if words in p], (words, problems)
    assert result['msg'].startswith('%d problem(s)' % len(problems))
    assert snapshot(path) == before and sorted(os.listdir(os.path.dirname(path))) == [CONFIG]
    corrupt_problems = run.result('set corrupt')['problems']
    assert corrupt_problems[0].startswith('Refusing to edit: %s:1:20' % corrupt) and 'trailing comma' in corrupt_problems[0]
    assert len(corrupt_problems) == 2 and snapshot(corrupt) == before_corrupt
    assert SET_SECRET not in run.output
