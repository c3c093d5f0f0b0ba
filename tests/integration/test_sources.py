# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Install from source through the deploy playbook, never touching the internet.

The sources are made here: an npm tarball (`npm pack` of a tiny Node stdio server), a wheel of a tiny Python
stdio server (tests/servers/mcp_stub.py, built as a zip by the rules of the wheel format: no build tools needed),
a bare git repository pushed from a work tree holding the Node server (tag v1.0.0, branch main), and a
server.json whose pypi package is installed from the wheel. After the deploy the role's health wait (and the
verify role) must find every installed server answering the MCP handshake.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from _helpers import STUB, stub

# A flow built on the deploy role: make test runs it with the main ansible-core only (see Makefile, matrix-*).
pytestmark = pytest.mark.flow


HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEPLOY = os.path.join(REPO, 'playbooks', 'deploy.yml')
SECRET = 'tok-81c4d2-never-print-me'

NODE_SERVER = r'''#!/usr/bin/env node
// A tiny stdio MCP server (legacy handshake): initialize, tools/list; anything else is -32601.
const readline = require('readline');
const send = (m) => process.stdout.write(JSON.stringify(m) + '\n');
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let m;
  try { m = JSON.parse(line); } catch (e) { return; }
  if (m.id === undefined) return;
  if (m.method === 'initialize') {
    send({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: (m.params || {}).protocolVersion || '2025-06-18',
      capabilities: { tools: {} }, serverInfo: { name: 'tiny-mcp-node', version: '1.0.0' } } });
  } else if (m.method === 'tools/list') {
    send({ jsonrpc: '2.0', id: m.id, result: { tools: [{ name: 'echo', description: 'Echo', inputSchema: { type: 'object' } }] } });
  } else {
    send({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'Method not found' } });
  }
});
rl.on('close', () => process.exit(0));
'''


def _run(argv, cwd):
    env = dict(os.environ, GIT_AUTHOR_NAME='t', GIT_AUTHOR_EMAIL='t@example.invalid', GIT_COMMITTER_NAME='t',
               GIT_COMMITTER_EMAIL='t@example.invalid', npm_config_update_notifier='false', GIT_CONFIG_NOSYSTEM='1')
    proc = subprocess.run(argv, cwd=str(cwd), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=120, check=False)
    assert proc.returncode == 0, '%s failed: %s%s' % (' '.join(argv), proc.stdout, proc.stderr)
    return proc.stdout


def node_package(where, version='1.0.0'):
    os.makedirs(str(where))
    with open(os.path.join(str(where), 'package.json'), 'w') as handle:
        json.dump({'name': 'tiny-mcp-node', 'version': version, 'license': 'MIT', 'description': 'test server',
                   'bin': {'tiny-mcp-node': 'server.js'}}, handle, indent=2)
    with open(os.path.join(str(where), 'server.js'), 'w') as handle:
        handle.write(NODE_SERVER)
    os.chmod(os.path.join(str(where), 'server.js'), 0o755)
    return str(where)


def wheel(dist_dir, name='tiny_mcp_py', version='1.0.0', script='tiny-mcp-py'):
    """A pure-Python wheel of the stub server, written by the wheel format's rules (PEP 427, 376)."""
    os.makedirs(dist_dir)
    info = '%s-%s.dist-info' % (name, version)
    with open(STUB, 'rb') as handle:
        module = handle.read()
    files = {
        name + '.py': module,
        info + '/METADATA': ('Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: test server\n' % (name, version)).encode(),
        info + '/WHEEL': b'Wheel-Version: 1.0\nGenerator: mcpops-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
        info + '/entry_points.txt': ('[console_scripts]\n%s = %s:main\n' % (script, name)).encode(),
    }
    record = []
    for path, data in sorted(files.items()):
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
        record.append('%s,sha256=%s,%d' % (path, digest, len(data)))
    record.append(info + '/RECORD,,')
    files[info + '/RECORD'] = ('\n'.join(record) + '\n').encode()
    path = os.path.join(dist_dir, '%s-%s-py3-none-any.whl' % (name, version))
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as archive:
        for member, data in sorted(files.items()):
            archive.writestr(member, data)
    return path


@pytest.fixture(scope='module')
def sources(tmp_path_factory):
    """Local sources: npm tarball, wheel directory, bare git repository; and the server.json of the wheel."""
    if not shutil.which('npm') or not shutil.which('git'):
        pytest.fail('npm and git are needed for the install-from-source tests', pytrace=False)
    root = tmp_path_factory.mktemp('sources')
    package = node_package(root / 'node')
    tarball = _run(['npm', 'pack', '--silent', '--pack-destination', str(root)], package).strip().splitlines()[-1]
    wheels = str(root / 'wheels')
    wheel(wheels)
    work = node_package(root / 'work')
    bare = str(root / 'tiny-mcp-node.git')
    _run(['git', 'init', '--bare', '-q', bare], root)
    _run(['git', 'init', '-q', '-b', 'main'], work)
    _run(['git', 'add', '.'], work)
    _run(['git', 'commit', '-q', '-m', 'tiny server'], work)
    _run(['git', 'tag', 'v1.0.0'], work)
    _run(['git', 'push', '-q', bare, 'main', 'v1.0.0'], work)
    commit = _run(['git', 'rev-parse', 'HEAD'], work).strip()
    server_json = {
        '$schema': 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
        'name': 'io.github.mcpops/tiny-mcp-py', 'description': 'A tiny test server', 'version': '1.0.0',
        'packages': [{'registryType': 'pypi', 'identifier': 'tiny_mcp_py', 'version': '1.0.0',
                      'transport': {'type': 'stdio'},
                      'packageArguments': [{'type': 'positional', 'value': '--mode=need_env'}],
                      'environmentVariables': [{'name': 'STUB_API_TOKEN', 'isRequired': True, 'isSecret': True},
                                               {'name': 'STUB_LOG_LEVEL', 'default': 'info'}]}],
    }
    return dict(tarball=os.path.join(str(root), tarball), wheels=wheels, repo=bare, commit=commit,
                server_json=server_json)


def host_vars(root, servers, **extra):
    values = {
        'mcp_config_path': root.config_path,
        'mcp_backup_dir': os.path.join(root.home, 'backups'),
        'mcp_servers': servers,
        'mcp_health_retry_delay': 1,
        'mcp_deploy_timeout': 30,
        'mcp_sources_python': sys.executable,
        'mcp_serial': [1, '100%'],
    }
    values.update(extra)
    return values


def all_servers(sources):
    return [
        {'name': 'from-npm', 'expect_tools': ['echo'],
         'source': {'type': 'npm', 'package': 'tiny-mcp-node', 'version': '1.0.0', 'tarball': sources['tarball']}},
        {'name': 'from-pypi', 'args': ['--mode=ok'],
         'source': {'type': 'pypi', 'package': 'tiny_mcp_py', 'version': '1.0.0', 'bin': 'tiny-mcp-py',
                    'find_links': sources['wheels'], 'no_index': True}},
        {'name': 'from-git', 'source': {'type': 'git', 'repo': sources['repo'], 'version': 'v1.0.0'}},
        {'name': 'from-registry', 'secret_env': {'STUB_API_TOKEN': SECRET},
         'source': {'type': 'registry', 'server_json': sources['server_json'], 'install': True, 'bin': 'tiny-mcp-py',
                    'find_links': sources['wheels'], 'no_index': True}},
    ]


def test_sources_install_deploy_healthy_and_rerun_changes_nothing(run_playbook, config_root, sources):
    base = os.path.join(config_root.home, '.local', 'share', 'mcpops', 'servers')
    extravars = host_vars(config_root, all_servers(sources))

    first = run_playbook(DEPLOY, extravars=extravars, env=config_root.env)

    entries = config_root.read_json()['mcpServers']
    assert entries['from-npm'] == {'command': base + '/from-npm/npm-1.0.0/node_modules/.bin/tiny-mcp-node'}
    assert entries['from-pypi'] == {'command': base + '/from-pypi/pypi-1.0.0/venv/bin/tiny-mcp-py', 'args': ['--mode=ok']}
    assert entries['from-git']['command'] == base + '/from-git/git-v1.0.0/node_modules/.bin/tiny-mcp-node'
    assert entries['from-registry']['command'] == base + '/from-registry/pypi-1.0.0/venv/bin/tiny-mcp-py'
    assert entries['from-registry']['args'] == ['--mode=need_env']
    assert entries['from-registry']['env'] == {'STUB_API_TOKEN': SECRET, 'STUB_LOG_LEVEL': 'info'}
    assert all('source' not in e for e in entries.values())
    # The deploy's health wait started each installed server for real, and the verify role checked again.
    health = first.result('Check every deployed server answers the MCP handshake')
    assert sorted(s['name'] for s in health['servers'] if s['status'] == 'healthy') == sorted(entries)
    assert _run(['git', 'rev-parse', 'HEAD'], base + '/from-git/git-v1.0.0/src').strip() == sources['commit']
    assert oct(os.stat(base).st_mode & 0o777) == '0o700'
    assert SECRET not in first.all_text

    again = run_playbook(DEPLOY, extravars=extravars, env=config_root.env)
    assert again.changed == 0, [(e['task'], e['host']) for e in again.events if e['status'] == 'changed']
    assert SECRET not in again.all_text


EXISTING = '{\n  "mcpServers": {\n    "keeper": {"command": "%s", "args": ["%s", "--mode=ok"]}\n  }\n}\n' % (sys.executable, STUB)


def _broken(sources, case):
    if case == 'install fails':
        return {'name': 'bad', 'source': {'type': 'npm', 'package': 'tiny-mcp-node', 'version': '1.0.0',
                                          'tarball': sources['tarball'] + '.missing'}}
    if case == 'unreachable repo':
        return {'name': 'bad', 'source': {'type': 'git', 'repo': sources['repo'] + '.missing', 'version': 'v1.0.0'}}
    if case == 'missing version':
        return {'name': 'bad', 'source': {'type': 'git', 'repo': sources['repo'], 'version': 'v9.9.9'}}
    if case == 'moving branch':
        return {'name': 'bad', 'source': {'type': 'git', 'repo': sources['repo'], 'version': 'main'}}
    if case == 'missing secret':
        return {'name': 'bad', 'source': {'type': 'registry', 'server_json': sources['server_json']}}
    raise AssertionError(case)


EXPECTED = {
    'install fails': 'server bad: non-zero return code',
    'unreachable repo': 'server bad: repository %s.missing cannot be read (git ls-remote exited 128',
    'missing version': 'server bad: version v9.9.9 is not a tag, branch or commit of',
    'moving branch': 'server bad: version main of %s is a branch, which moves; pin a tag or a commit',
    'missing secret': 'server bad: STUB_API_TOKEN is required and secret: set secret_env.STUB_API_TOKEN',
}


@pytest.mark.parametrize('case', sorted(EXPECTED))
def test_a_failed_source_deploys_nothing(run_playbook, config_root, sources, case):
    config_root.write(EXISTING)
    before = config_root.read_bytes()
    servers = [stub('keeper', 'ok'), stub('added', 'ok', secret_env={'STUB_API_TOKEN': SECRET}), _broken(sources, case)]

    run = run_playbook(DEPLOY, extravars=host_vars(config_root, servers), env=config_root.env, expect_rc=2)

    assert config_root.read_bytes() == before
    assert not os.path.exists(os.path.join(config_root.home, 'backups'))
    message = run.tasks('Fail the host, saying what could not be installed')[-1]['result']['msg']
    assert 'nothing was deployed (the config is unchanged)' in message
    expected = EXPECTED[case] % sources['repo'] if '%s' in EXPECTED[case] else EXPECTED[case]
    assert expected in message, message
    assert SECRET not in run.all_text
    if case == 'missing secret':  # a rule problem is found before anything is created
        assert not os.path.exists(os.path.join(config_root.home, '.local'))


def test_check_mode_installs_nothing_and_shows_the_command(run_playbook, config_root, sources):
    servers = [all_servers(sources)[0]]

    run = run_playbook(DEPLOY, extravars=host_vars(config_root, servers), env=config_root.env, check=True, diff=True)

    assert not os.path.exists(config_root.config_path)
    assert not os.path.exists(os.path.join(config_root.home, '.local', 'share', 'mcpops'))
    assert run.result('Dry run - validate every server and compute the whole change')['changes']['added'] == ['from-npm']
    assert '/from-npm/npm-1.0.0/node_modules/.bin/tiny-mcp-node' in run.stdout


def test_an_allowed_branch_is_followed_and_reinstalled_only_when_it_moves(run_playbook, config_root, tmp_path):
    work = node_package(tmp_path / 'work')
    repo = str(tmp_path / 'moving.git')
    _run(['git', 'init', '--bare', '-q', repo], tmp_path)
    for argv in (['git', 'init', '-q', '-b', 'main'], ['git', 'add', '.'], ['git', 'commit', '-q', '-m', 'one'],
                 ['git', 'push', '-q', repo, 'main']):
        _run(argv, work)
    servers = [{'name': 'moving', 'source': {'type': 'git', 'repo': repo, 'version': 'main', 'allow_branch': True}}]
    extravars = host_vars(config_root, servers)
    src = os.path.join(config_root.home, '.local/share/mcpops/servers/moving/git-main/src')

    run_playbook(DEPLOY, extravars=extravars, env=config_root.env)
    assert run_playbook(DEPLOY, extravars=extravars, env=config_root.env).changed == 0

    with open(os.path.join(work, 'NOTES'), 'w') as handle:
        handle.write('moved\n')
    for argv in (['git', 'add', '.'], ['git', 'commit', '-q', '-m', 'two'], ['git', 'push', '-q', repo, 'main']):
        _run(argv, work)
    moved = run_playbook(DEPLOY, extravars=extravars, env=config_root.env)
    assert moved.tasks('Install npm packages into their per-server prefix')[-1]['status'] == 'changed'
    assert _run(['git', 'rev-parse', 'HEAD'], src).strip() == _run(['git', 'rev-parse', 'HEAD'], work).strip()
    assert os.path.exists(os.path.join(src, 'NOTES'))
