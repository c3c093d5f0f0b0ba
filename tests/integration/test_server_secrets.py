# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No secret value reaches -vvv output, --diff output, error messages or results.

Covers secret_env, headers, secret-looking env keys, credential flags and user:password@ URLs in
args and url, and secrets that other servers of the file already hold. One -vvv --diff run does
successful edits, a check-mode edit, failing tasks and mcp_server_info; the file on disk must
still hold every secret (the module writes them, it just never shows them).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from _helpers import read, run_playbook, server_task, strict_load, write

CONFIG = 'claude_desktop_config.json'

# Secrets that other servers (and Claude's own keys) already hold in the file.
OTHER_SECRETS = {
    'env_plain_name': 'OTHER-ENVVAL-9901',
    'env_token': 'OTHER-GHTOKEN-1234',
    'arg_eq': 'OTHER-ARGKEY-7781',
    'arg_flag': 'OTHER-FLAGTOK-3321',
    'arg_url': 'OTHER-URLPASS-5512',
    'header': 'OTHER-HEADER-4455',
    'url_field': 'OTHER-URLFIELD-6677',
    'top_level': 'OTHER-TOPLEVEL-2200',
    'nested': 'OTHER-NESTED-3300',
}
EXISTING = {
    'mcpServers': {
        'other': {
            'command': 'node',
            'args': ['--api-key=' + OTHER_SECRETS['arg_eq'], 'https://bob:%s@git.example.com/x' % OTHER_SECRETS['arg_url'],
                     '--token', OTHER_SECRETS['arg_flag']],
            'env': {'PLAIN_LOOKING': OTHER_SECRETS['env_plain_name'], 'GITHUB_TOKEN': OTHER_SECRETS['env_token']},
            'headers': {'Authorization': 'Bearer ' + OTHER_SECRETS['header']},
            'url': 'https://al:%s@mcp.example.com/mcp' % OTHER_SECRETS['url_field'],
        },
    },
    'apiKey': OTHER_SECRETS['top_level'],
    'preferences': {'sync': {'password': OTHER_SECRETS['nested']}},
}

# Secrets the play passes in.
NEW = {
    'env_token': 'NEW-ENVTOKEN-1111',
    'secret_env': 'NEW-SECRETENV-2222',
    'secret_env_changed': 'NEW-SECRETENV-2223',
    'arg_flag': 'NEW-ARGTOKEN-3333',
    'arg_eq': 'NEW-ARGPASS-4444',
    'arg_url': 'NEW-URLPASS-5555',
    'overlap_env': 'NEW-OVERLAP-6666',
    'overlap_secret': 'NEW-OVERLAP-6667',
    'header': 'NEW-HEADER-7777',
    'url_option': 'NEW-URLOPT-8888',
    'failing_arg': 'NEW-ARGTOKEN-9999',
    'bad_name_env': 'NEW-BADNAME-1010',
    'bad_name_arg': 'NEW-BADNAME-2020',
}
FILE_SECRETS = ('DUP-SECRET-0001', 'DUP-SECRET-0002')
GH_ARGS = ['-y', 'server-github', '--token', NEW['arg_flag'], '--password=' + NEW['arg_eq'],
           'https://u:%s@h.example.com/repo' % NEW['arg_url']]


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp('secrets')
    path = write(str(root / CONFIG), json.dumps(EXISTING, indent=2) + '\n', mode=0o600)
    broken = write(str(root / 'broken' / CONFIG),
                   '{"mcpServers": {"a": {"command": "x", "env": {"TOKEN": "%s", "TOKEN": "%s"}}}}\n' % FILE_SECRETS)
    gh = dict(name='gh', command='/bin/true', args=GH_ARGS, config_path=path,
              env={'DEBUG': '1', 'API_TOKEN': NEW['env_token']},
              secret_env={'GITHUB_PERSONAL_ACCESS_TOKEN': NEW['secret_env']})
    rotated = dict(gh)
    rotated['secret_env'] = {'GITHUB_PERSONAL_ACCESS_TOKEN': NEW['secret_env_changed']}
    tasks = [
        server_task('add', **gh),
        server_task('again', **gh),
        dict(server_task('rotate in check mode', **rotated), check_mode=True),
        dict(server_task('overlap', name='ov', command='/bin/true', config_path=path,
                         env={'X_TOKEN': NEW['overlap_env']}, secret_env={'X_TOKEN': NEW['overlap_secret']}),
             ignore_errors=True),
        dict(server_task('remote', name='remote', config_path=path, url='https://u:%s@mcp.example.com' % NEW['url_option'],
                         headers={'Authorization': 'Bearer ' + NEW['header']}), ignore_errors=True),
        dict(server_task('missing command', name='mc', command='no-such-mcp-command', validate_command=True,
                         args=['--token', NEW['failing_arg']], config_path=path), ignore_errors=True),
        dict(server_task('bad name', name='bad name!', command='/bin/true', config_path=path,
                         env={'API_TOKEN': NEW['bad_name_env']}, args=['--api-key', NEW['bad_name_arg']]),
             ignore_errors=True),
        dict(server_task('refused file', name='b', command='/bin/true', config_path=broken), ignore_errors=True),
        {'name': 'info', 'mcpops.mcp.mcp_server_info': {'config_path': path}, 'register': 'info'},
        {'name': 'info broken', 'mcpops.mcp.mcp_server_info': {'config_path': broken}},
        {'name': 'show', 'ansible.builtin.debug': {'var': 'info'}},
    ]
    outcome = run_playbook(str(root), tasks, diff=True, verbosity=3, tag='secrets')
    return dict(run=outcome, path=path, broken=broken)


def test_run_succeeds(run):
    run['run'].assert_ok()


@pytest.mark.parametrize('key', sorted(NEW) + ['other:' + k for k in sorted(OTHER_SECRETS)] + ['file:0', 'file:1'])
def test_secret_is_nowhere_in_the_output(run, key):
    if key.startswith('other:'):
        secret = OTHER_SECRETS[key[len('other:'):]]
    elif key.startswith('file:'):
        secret = FILE_SECRETS[int(key[len('file:'):])]
    else:
        secret = NEW[key]
    outcome = run['run']
    assert secret not in outcome.stdout
    assert secret not in outcome.stderr
    assert secret not in json.dumps(outcome.events)
    # Fragments too (a masked prefix with a leaked tail would still be a leak).
    assert secret.split('-', 1)[1] not in outcome.output


def test_secrets_are_on_disk(run):
    data = read(run['path']).decode('utf-8')
    for key in ('env_token', 'secret_env', 'arg_flag', 'arg_eq', 'arg_url'):
        assert NEW[key] in data
    for secret in OTHER_SECRETS.values():
        assert secret in data
    entry = strict_load(read(run['path']))['mcpServers']['gh']
    assert entry['env'] == {'DEBUG': '1', 'API_TOKEN': NEW['env_token'], 'GITHUB_PERSONAL_ACCESS_TOKEN': NEW['secret_env']}
    assert entry['args'] == GH_ARGS


def test_results_show_structure_with_masked_values(run):
    outcome = run['run']
    added = outcome.result('add')
    assert added['changed'] is True and outcome.result('again')['changed'] is False
    assert added['config_path'] == run['path']  # masking did not garble plain values
    server = added['server']
    assert server['env'] == {'DEBUG': '********', 'API_TOKEN': '********', 'GITHUB_PERSONAL_ACCESS_TOKEN': '********'}
    assert server['args'][:3] == ['-y', 'server-github', '--token']
    assert server['args'][3] == '********' and server['args'][4] == '--password=********'
    assert server['args'][5] == 'https://u:********@h.example.com/repo'
    assert any('API_TOKEN' in w and 'secret_env' in w for w in added.get('warnings', [])), added


def test_diff_shows_keys_not_values(run):
    outcome = run['run']
    diff = outcome.result('add')['diff']
    assert '"GITHUB_PERSONAL_ACCESS_TOKEN": "********"' in diff['after']
    assert '"apiKey": "********"' in diff['before'] and '"password": "********"' in diff['before']
    rotate = outcome.result('rotate in check mode')
    assert rotate['changed'] is True  # the value changed, so check mode says it would change ...
    assert NEW['secret_env_changed'] not in read(run['path']).decode('utf-8')  # ... and wrote nothing
    assert '+++ after: %s' % run['path'] in outcome.stdout


@pytest.mark.parametrize('task, words', [
    ('overlap', 'set in both env and secret_env'),
    ('remote', 'mcp-remote'),
    ('missing command', 'was not found'),
    ('bad name', 'invalid name'),
    ('refused file', 'duplicate key "TOKEN"'),
])
def test_failures_are_readable_and_secret_free(run, task, words):
    outcome = run['run']
    assert outcome.failed(task)
    assert words in outcome.result(task)['msg']


def test_info_masks_every_env_value(run):
    info = run['run'].result('info')
    servers = dict((s['name'], s) for s in info['servers'])
    assert servers['other']['env'] == {'PLAIN_LOOKING': '********', 'GITHUB_TOKEN': '********'}
    assert servers['other']['url'] == 'https://al:********@mcp.example.com/mcp'
    assert 'headers' not in servers['other']['extra']  # a managed key: never listed, never shown
    assert servers['gh']['env_keys'] == ['API_TOKEN', 'DEBUG', 'GITHUB_PERSONAL_ACCESS_TOKEN']
    assert run['run'].result('info broken')['valid'] is False
