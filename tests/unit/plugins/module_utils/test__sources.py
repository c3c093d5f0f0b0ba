# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Install from source: plans, version rules, server.json mapping, entry points, git refs, the servers handed on."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.mcpops.mcp.plugins.module_utils import _sources as src

BASE = '/home/alice/.local/share/mcpops/servers'
SECRET = 'tok-5a1f-never-print-me'


def plan(*servers):
    return src.plan_sources(list(servers), BASE)


def one(server):
    result = plan(server)
    assert result['problems'] == [], result['problems']
    assert len(result['items']) == 1
    return result['items'][0]


def problems(server):
    return plan(server)['problems']


@pytest.mark.parametrize('kind,version', [
    ('npm', '1.2.3'), ('npm', '0.0.1-beta.2'), ('npm', '1.0.0+build.5'),
    ('pypi', '1.2'), ('pypi', '2025.1.0'), ('pypi', '1.0rc1'), ('pypi', '1.0.post2'), ('pypi', '1!2.0'),
])
def test_exact_versions_are_accepted(kind, version):
    assert src.check_version(kind, version) is None


@pytest.mark.parametrize('kind,version,words', [
    ('npm', None, 'version is required'), ('npm', 'latest', 'not an exact version'), ('npm', '^1.2.3', 'not an exact'),
    ('npm', '~1.2.3', 'not an exact'), ('npm', '1.x', 'not an exact'), ('npm', '>=1.0.0', 'not an exact'),
    ('npm', '1.2', 'not an exact npm version'), ('npm', 'next', 'not an exact npm version'),
    ('pypi', '>=1.0', 'not an exact'), ('pypi', '~=1.2', 'not an exact'), ('pypi', '1.*', 'not an exact'),
    ('pypi', 'LATEST', 'not an exact'), ('pypi', 'main', 'not an exact pypi version'),
])
def test_moving_versions_are_refused(kind, version, words):
    assert words in src.check_version(kind, version)


def test_npm_plan_installs_into_a_per_server_per_version_prefix():
    item = one({'name': 'notes', 'source': {'type': 'npm', 'package': '@acme/notes-mcp', 'version': '1.4.0'}})
    assert item['prefix'] == BASE + '/notes/npm-1.4.0' and item['dir'] == BASE + '/notes'
    assert item['marker'] == BASE + '/notes/npm-1.4.0/.mcpops-installed.json'
    assert item['spec'] == '@acme/notes-mcp@1.4.0'
    assert item['entry'] is None  # known once package.json is read


def test_npm_plan_from_a_tarball_installs_the_file():
    item = one({'name': 'notes', 'source': {'type': 'npm', 'package': 'notes-mcp', 'version': '1.4.0',
                                            'tarball': '/srv/pkgs/notes-mcp-1.4.0.tgz'}})
    assert item['spec'] == '/srv/pkgs/notes-mcp-1.4.0.tgz'


def test_pypi_plan_has_a_venv_and_its_entry_point():
    item = one({'name': 'time', 'source': {'type': 'pypi', 'package': 'mcp-server-time', 'version': '2025.9.25',
                                           'find_links': '/srv/wheels', 'no_index': True}})
    assert item['venv'] == BASE + '/time/pypi-2025.9.25/venv'
    assert item['entry'] == BASE + '/time/pypi-2025.9.25/venv/bin/mcp-server-time'
    assert item['spec'] == 'mcp-server-time==2025.9.25'
    assert item['no_index'] is True and item['find_links'] == '/srv/wheels'


def test_pypi_bin_overrides_the_entry_point():
    item = one({'name': 'time', 'source': {'type': 'pypi', 'package': 'pkg', 'version': '1.0', 'bin': 'pkg-server'}})
    assert item['entry'].endswith('/venv/bin/pkg-server')


def test_git_plan_checks_out_into_src_and_installs_from_it():
    item = one({'name': 'g', 'source': {'type': 'git', 'repo': 'https://git.example/acme/tool.git', 'version': 'v1.0.0'}})
    assert item['src'] == BASE + '/g/git-v1.0.0/src' and item['spec'] == item['src'] and item['install'] == 'npm'
    item = one({'name': 'g', 'source': {'type': 'git', 'repo': 'https://git.example/acme/tool.git', 'version': 'v1.0.0',
                                        'install': 'pip', 'subdir': 'server'}})
    assert item['spec'] == BASE + '/g/git-v1.0.0/src/server'
    assert item['entry'] == BASE + '/g/git-v1.0.0/venv/bin/tool'


# (server, words one problem must contain)
REFUSED = [
    ({'name': 'a', 'source': 'npm'}, 'source must be a mapping'),
    ({'name': 'a', 'source': {'type': 'cargo'}}, 'source.type must be one of npm, pypi, git, registry'),
    ({'name': 'a b', 'source': {'type': 'npm', 'package': 'x', 'version': '1.0.0'}}, 'needs a name of letters'),
    ({'name': 'a', 'source': {'type': 'npm', 'package': 'x', 'version': 'latest'}}, 'not an exact version'),
    ({'name': 'a', 'source': {'type': 'npm', 'package': 'x'}}, 'version is required'),
    ({'name': 'a', 'source': {'type': 'npm', 'package': 'Bad Name', 'version': '1.0.0'}}, 'npm package name'),
    ({'name': 'a', 'source': {'type': 'npm', 'package': 'x', 'version': '1.0.0', 'versoin': '1'}}, 'unknown key(s) versoin'),
    ({'name': 'a', 'command': 'node', 'source': {'type': 'npm', 'package': 'x', 'version': '1.0.0'}}, 'set command or source'),
    ({'name': 'a', 'source': {'type': 'npm', 'package': 'x', 'version': '1.0.0', 'bin': '../evil'}}, 'plain command name'),
    ({'name': 'a', 'source': {'type': 'pypi', 'package': 'x', 'version': '>=1'}}, 'not an exact version'),
    ({'name': 'a', 'source': {'type': 'git', 'version': 'v1'}}, 'source.repo is required'),
    ({'name': 'a', 'source': {'type': 'git', 'repo': '/r.git'}}, 'source.version is required'),
    ({'name': 'a', 'source': {'type': 'git', 'repo': '/r.git', 'version': 'v1', 'install': 'make'}}, 'npm or pip'),
    ({'name': 'a', 'source': {'type': 'git', 'repo': '/r.git', 'version': 'v1', 'subdir': '../x'}}, 'relative path'),
    ({'name': 'a', 'source': {'type': 'npm', 'package': 'x', 'version': '1.0.0', 'tarball': '--global'}}, 'must be a path or URL'),
    ({'name': 'a', 'source': {'type': 'pypi', 'package': 'x', 'version': '1.0', 'find_links': '/a b'}}, 'without spaces'),
    ({'name': 'a', 'source': {'type': 'git', 'repo': '--upload-pack=x', 'version': 'v1'}}, 'source.repo must be a path or URL'),
    ({'name': 'a', 'source': {'type': 'registry', 'server_json': '{"packages": ['}}, 'not valid JSON'),
    ({'name': 'a', 'source': {'type': 'registry', 'server_json': {'name': 'x/y'}}}, 'has no packages[]'),
]


@pytest.mark.parametrize('server,words', REFUSED)
def test_bad_sources_are_refused_naming_the_server(server, words):
    found = problems(server)
    assert any(words in p for p in found), found
    assert all(p.startswith('server ') for p in found)


def test_every_problem_of_every_server_is_reported_at_once():
    result = plan({'name': 'a', 'source': {'type': 'npm', 'package': 'x', 'version': 'latest'}},
                  {'name': 'b', 'source': {'type': 'pypi', 'package': 'y'}},
                  {'name': 'c', 'command': 'keep'})
    assert len(result['problems']) == 2 and result['items'] == []


def test_absent_servers_and_servers_without_source_need_no_install():
    result = plan({'name': 'gone', 'state': 'absent', 'source': {'type': 'npm', 'package': 'x', 'version': '1.0.0'}},
                  {'name': 'plain', 'command': 'x'})
    assert result == {'items': [], 'problems': []}


def test_a_relative_install_directory_is_refused():
    assert 'absolute path' in src.plan_sources([], 'servers')['problems'][0]


def server_json(*packages):
    return {'$schema': 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
            'name': 'io.github.acme/weather', 'description': 'Weather', 'version': '1.0.2', 'packages': list(packages)}


NPM_PKG = {
    'registryType': 'npm', 'identifier': '@acme/weather-mcp', 'version': '1.0.2', 'transport': {'type': 'stdio'},
    'packageArguments': [{'type': 'named', 'name': '--units', 'default': 'metric'},
                         {'type': 'positional', 'valueHint': 'target_dir', 'isRequired': True}],
    'environmentVariables': [{'name': 'WEATHER_API_KEY', 'isRequired': True, 'isSecret': True},
                             {'name': 'LOG_LEVEL', 'default': 'info'},
                             {'name': 'REGION', 'isRequired': True}],
}


def registry(doc, **extra):
    server = {'name': 'weather', 'source': dict({'type': 'registry', 'server_json': doc,
                                                 'arguments': {'target_dir': '/data'}}),
              'env': {'REGION': 'eu'}, 'secret_env': {'WEATHER_API_KEY': SECRET}}
    server['source'].update(extra.pop('source', {}))
    server.update(extra)
    return server


def test_registry_npm_runs_with_npx_pinned():
    item = one(registry(server_json(NPM_PKG)))
    assert item['command'] == 'npx'
    assert item['args'] == ['-y', '@acme/weather-mcp@1.0.2', '--units', 'metric', '/data']
    assert item['env'] == {'LOG_LEVEL': 'info'}  # the default; REGION and the key come from env/secret_env
    assert SECRET not in json.dumps(item)


def test_registry_server_json_may_be_json_text():
    assert one(registry(json.dumps(server_json(NPM_PKG))))['command'] == 'npx'


def test_registry_pypi_runs_with_uvx_pinned():
    pkg = {'registryType': 'pypi', 'identifier': 'weather-mcp', 'version': '0.5.0', 'transport': {'type': 'stdio'},
           'runtimeArguments': [{'type': 'named', 'name': '--python', 'value': '3.12'}]}
    item = one({'name': 'w', 'source': {'type': 'registry', 'server_json': server_json(pkg)}})
    assert (item['command'], item['args']) == ('uvx', ['--python', '3.12', 'weather-mcp==0.5.0'])


def test_registry_oci_runs_docker_with_env_names_only():
    pkg = {'registryType': 'oci', 'identifier': 'docker.io/acme/db-mcp', 'version': '3.1.0', 'transport': {'type': 'stdio'},
           'runtimeArguments': [{'type': 'named', 'name': '--network', 'value': 'host'},
                                {'type': 'named', 'name': '--mount', 'value': 'type=bind,src={source_path},dst=/project',
                                 'variables': {'source_path': {'isRequired': True, 'format': 'filepath'}}}],
           'packageArguments': [{'type': 'positional', 'valueHint': 'database_name', 'value': 'main'}],
           'environmentVariables': [{'name': 'DB_PASSWORD', 'isRequired': True, 'isSecret': True},
                                    {'name': 'SSL_MODE', 'default': 'prefer'}]}
    server = {'name': 'db', 'secret_env': {'DB_PASSWORD': SECRET},
              'source': {'type': 'registry', 'server_json': server_json(pkg), 'arguments': {'source_path': '/srv/db'}}}
    item = one(server)
    assert item['command'] == 'docker'
    assert item['args'] == ['run', '-i', '--rm', '--network', 'host', '--mount', 'type=bind,src=/srv/db,dst=/project',
                            '-e', 'DB_PASSWORD', '-e', 'SSL_MODE', 'docker.io/acme/db-mcp:3.1.0', 'main']
    assert item['env'] == {'SSL_MODE': 'prefer'}
    assert SECRET not in json.dumps(item)


def test_registry_picks_the_requested_package_type():
    pypi = {'registryType': 'pypi', 'identifier': 'weather-mcp', 'version': '0.5.0', 'transport': {'type': 'stdio'}}
    item = one(registry(server_json(NPM_PKG, pypi), source={'registry_type': 'pypi'}))
    assert item['command'] == 'uvx'


REGISTRY_REFUSED = [
    (registry(server_json(dict(NPM_PKG, version='latest'))), 'not an exact version'),
    (registry(server_json(dict(NPM_PKG, version='^1.0.2'))), 'not an exact version'),
    (registry(server_json(dict(NPM_PKG, version=None))), 'version is required'),
    (registry(server_json(NPM_PKG), secret_env={}), 'WEATHER_API_KEY is required and secret: set secret_env.WEATHER_API_KEY'),
    (registry(server_json(NPM_PKG), env={'REGION': 'eu', 'WEATHER_API_KEY': SECRET}, secret_env={}),
     'WEATHER_API_KEY is secret in server.json: set it in secret_env, not env'),
    (registry(server_json(NPM_PKG), env={}), 'REGION is required by server.json: set env.REGION'),
    (registry(server_json(NPM_PKG), source={'arguments': {}}), 'argument target_dir is required'),
    (registry(server_json(NPM_PKG), args=['--x']), 'args come from server.json'),
    (registry(server_json(dict(NPM_PKG, transport={'type': 'streamable-http', 'url': 'http://h'}))), 'no stdio package'),
    (registry(server_json({'registryType': 'nuget', 'identifier': 'X', 'version': '1.0.0'})), 'no stdio package of type npm or pypi or oci'),
    (registry(server_json(NPM_PKG), source={'registry_type': 'cargo'}), 'registry_type must be one of'),
    (registry(server_json({'registryType': 'oci', 'identifier': 'acme/x', 'transport': {'type': 'stdio'}})), 'pin a tag or digest'),
    (registry(server_json(dict(NPM_PKG, packageArguments=[{'type': 'named', 'name': '--token', 'isSecret': True}])),
              source={'arguments': {'target_dir': '/d', '--token': SECRET}}), 'is secret; secrets go through secret_env'),
]


@pytest.mark.parametrize('server,words', REGISTRY_REFUSED)
def test_bad_registry_sources_are_refused(server, words):
    found = problems(server)
    assert any(words in p for p in found), found
    assert SECRET not in ' '.join(found)


def test_registry_install_becomes_an_npm_install_with_the_server_json_arguments():
    item = one(registry(server_json(NPM_PKG), source={'install': True, 'tarball': '/srv/weather-mcp-1.0.2.tgz'}))
    assert item['type'] == 'npm' and item['package'] == '@acme/weather-mcp' and item['version'] == '1.0.2'
    assert item['spec'] == '/srv/weather-mcp-1.0.2.tgz' and item['prefix'] == BASE + '/weather/npm-1.0.2'
    assert item['args'] == ['--units', 'metric', '/data'] and item['env'] == {'LOG_LEVEL': 'info'}


def test_npm_bin_picks_the_only_bin_and_checks_name_and_version():
    item = one({'name': 'n', 'source': {'type': 'npm', 'package': '@acme/notes', 'version': '1.0.0'}})
    ok = {'name': '@acme/notes', 'version': '1.0.0', 'bin': {'notes-server': 'index.js'}}
    assert src.npm_bin(json.dumps(ok), item) == (BASE + '/n/npm-1.0.0/node_modules/.bin/notes-server', None)
    assert src.npm_bin(dict(ok, bin='index.js'), item)[0].endswith('/.bin/notes')
    assert 'not version 1.0.0' in src.npm_bin(dict(ok, version='1.0.1'), item)[1]
    assert 'not @acme/notes' in src.npm_bin(dict(ok, name='other'), item)[1]
    assert 'declares no bin' in src.npm_bin(dict(ok, bin={}), item)[1]
    assert 'no readable package.json' in src.npm_bin('{', item)[1]
    several = dict(ok, bin={'a': 'a.js', 'b': 'b.js'})
    assert 'choose one with source.bin' in src.npm_bin(several, item)[1]
    assert src.npm_bin(several, dict(item, bin='b'))[0].endswith('/.bin/b')
    assert 'has no bin c (it has: a, b)' in src.npm_bin(several, dict(item, bin='c'))[1]
    assert src.npm_bin(dict(several, bin={'notes': 'x.js', 'b': 'b.js'}), item)[0].endswith('/.bin/notes')


LS_REMOTE = ('1111111111111111111111111111111111111111\tHEAD\n'
             '1111111111111111111111111111111111111111\trefs/heads/main\n'
             '2222222222222222222222222222222222222222\trefs/tags/v1.0.0\n'
             '3333333333333333333333333333333333333333\trefs/tags/v1.0.0^{}\n')


@pytest.mark.parametrize('version,allow,expected', [
    ('v1.0.0', False, ('tag', None)),
    ('abc1234', False, ('commit', None)),
    ('3333333333333333333333333333333333333333', False, ('commit', None)),
    ('main', True, ('branch', None)),
])
def test_git_tags_and_commits_are_accepted(version, allow, expected):
    assert src.git_ref(LS_REMOTE, {'name': 'g', 'version': version, 'allow_branch': allow, 'repo': '/r.git'}) == expected


def test_git_branches_and_unknown_versions_are_refused():
    kind, problem = src.git_ref(LS_REMOTE, {'name': 'g', 'version': 'main', 'repo': '/r.git'})
    assert kind is None and 'is a branch, which moves; pin a tag or a commit' in problem
    kind, problem = src.git_ref(LS_REMOTE, {'name': 'g', 'version': 'v9.9.9', 'repo': '/r.git'})
    assert kind is None and 'version v9.9.9 is not a tag, branch or commit of /r.git' in problem


def test_apply_sources_points_command_at_the_entry_and_strips_source():
    servers = [{'name': 'n', 'args': ['--stdio'], 'env': {'LOG_LEVEL': 'debug'}, 'secret_env': {'K': SECRET},
                'expect_tools': ['x'], 'source': {'type': 'npm'}},
               {'name': 'plain', 'command': 'x'},
               {'name': 'gone', 'state': 'absent', 'source': {'type': 'npm'}}]
    resolved = {'n': {'entry': '/p/node_modules/.bin/n', 'args': ['--units', 'metric'], 'env': {'LOG_LEVEL': 'info', 'A': '1'}}}
    out = src.apply_sources(servers, resolved)
    assert out[0] == {'name': 'n', 'command': '/p/node_modules/.bin/n', 'args': ['--units', 'metric', '--stdio'],
                      'env': {'LOG_LEVEL': 'debug', 'A': '1'}, 'secret_env': {'K': SECRET}, 'expect_tools': ['x']}
    assert out[1] == servers[1] and out[2] == {'name': 'gone', 'state': 'absent'}
    assert 'source' in servers[0]  # the input is not changed
