# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Golden files per client through mcpops.mcp.mcp_server, run for real by ansible-playbook.

Every client is one simulated host (local connection) holding its own config in its own format
(fixtures/clients/<client>/before.*): unknown keys, other sections, comments and trailing commas (JSONC),
number spellings and escapes (JSON), comments and other tables (TOML). For each client the same two specs
are applied: one canonical stdio server (time) and one remote server with a header (docs):

1. --check --diff: changed, nothing written, the diff of the first task equals the real run's;
2. the real run: the file equals fixtures/clients/<client>/added.* byte for byte;
3. a rerun: changed=0 and the file untouched (bytes, inode, mtime);
4. an update of one field: updated.* byte for byte;
5. state=absent for both: the original before.* byte for byte again.

Refused inputs (a name the client cannot take, a field or type it does not support, a broken file) leave
the file byte-identical and untouched, with a message naming the client.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import json
import os
import re
import shutil

import pytest

from _helpers import read, run_playbook, snapshot

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, 'fixtures', 'clients')

STDIO = dict(name='time', command='uvx', args=['mcp-server-time'], env={'TZ': 'UTC'})
STDIO_UPDATED = dict(STDIO, args=['mcp-server-time', '--local-timezone=UTC'])
REMOTE = dict(name='docs', type='http', url='https://docs.example.com/mcp', headers={'X-Team': 'ops'})

# host -> (client, fixture file stem suffix, extension, takes remote, extra task params)
HOSTS = {
    'claude_desktop': ('claude_desktop', '', 'json', False, {}),
    'claude_code': ('claude_code', '', 'json', True, {}),
    'claude_code_local': ('claude_code', '_local', 'json', True, {'scope': 'local', 'project_path': '/srv/app'}),
    'cursor': ('cursor', '', 'json', True, {}),
    'vscode': ('vscode', '', 'json', True, {}),
    'windsurf': ('windsurf', '', 'json', True, {}),
    'gemini': ('gemini', '', 'json', True, {}),
    'codex': ('codex', '', 'toml', True, {}),
    'zed': ('zed', '', 'json', True, {}),
}


def fixture(client, name, ext):
    return os.path.join(FIXTURES, client, '%s.%s' % (name, ext))


def golden(host, stage):
    client, suffix, ext, _remote, _extra = HOSTS[host]
    name = stage if stage == 'before' else stage + suffix
    return read(fixture(client, name, ext))


def setup_hosts(tmp_path, hosts=HOSTS, stage='before'):  # pylint: disable=dangerous-default-value
    host_vars = {}
    for host in hosts:
        client, _suffix, ext, remote, extra = HOSTS[host]
        cfg = tmp_path / 'hosts' / host / ('config.' + ext)
        cfg.parent.mkdir(parents=True, exist_ok=True)
        cfg.write_bytes(golden(host, stage))
        host_vars[host] = dict(mcp_client=client, cfg=str(cfg), remote=remote,
                               scope=extra.get('scope', 'none'), project=extra.get('project_path', 'none'))
    return host_vars


# INI inventory values are plain words: 'none' means the option is left out
SCOPED = {'scope': "{{ omit if scope == 'none' else scope }}", 'project_path': "{{ omit if project == 'none' else project }}"}


def mcp_server(params):
    """Task args for one host: the host's client and file, and its scope (the local-scope host) when it has one."""
    return dict(params, client='{{ mcp_client }}', config_path='{{ cfg }}', **SCOPED)


def server_tasks(stdio=STDIO, state='present'):  # pylint: disable=dangerous-default-value
    def task(title, spec, when=None):
        params = dict(spec, validate_command=False)
        if state == 'absent':
            params = dict(name=spec['name'], state='absent')
        item = {'name': title, 'mcpops.mcp.mcp_server': mcp_server(params), 'register': 'out'}
        if when:
            item['when'] = when
        return item
    return [task('stdio', stdio), task('remote', REMOTE, when='remote | bool')]


def differs(host, path, stage):
    """A unified diff of the file against its golden file, or None when they are byte-identical."""
    got, want = read(path), golden(host, stage)
    if got == want:
        return None
    lines = difflib.unified_diff(want.decode('utf-8', 'replace').splitlines(True), got.decode('utf-8', 'replace').splitlines(True),
                                 'golden %s' % stage, 'file')
    return '%s: %s differs from the golden file:\n%s' % (host, stage, ''.join(lines) or repr((want, got)))


def run(tmp_path, host_vars, tasks, **kw):
    return run_playbook(tmp_path, tasks, hosts=tuple(host_vars), host_vars=host_vars, **kw)


def test_goldens_are_the_specs_applied_to_before():
    """The golden files themselves: parsing added/updated equals before plus exactly the declared entries."""
    tomlkit = pytest.importorskip('tomlkit')
    from ansible_collections.mcpops.mcp.plugins.module_utils import _clients as cl

    def load(data, ext):
        if ext == 'toml':
            return json.loads(json.dumps(tomlkit.parse(data.decode('utf-8'))))
        text = data.decode('utf-8')
        # comments and trailing commas out (the JSONC goldens have no // or /* inside strings except URLs)
        text = re.sub(r'(?m)^\s*//.*$|//[^"\n]*$|/\*.*?\*/', '', text)
        text = re.sub(r',(\s*[}\]])', r'\1', text)
        return json.loads(text)

    def servers_at(doc, path):
        for key in path:
            doc = doc[key]
        return doc

    for host, (client, _suffix, ext, remote, extra) in HOSTS.items():
        row = cl.get_client(client)
        _path, servers_path = cl.config_location(row, '/h', extra.get('scope', 'user'), extra.get('project_path'),
                                                 system='Linux', environ={})
        before = load(golden(host, 'before'), ext)
        for stage, stdio in (('added', STDIO), ('updated', STDIO_UPDATED)):
            after = load(golden(host, stage), ext)
            expected = json.loads(json.dumps(before))
            want = servers_at(expected, servers_path)
            want['time'] = cl.to_native(row, dict((k, v) for k, v in stdio.items() if k != 'name'))
            if remote:
                want['docs'] = cl.to_native(row, dict((k, v) for k, v in REMOTE.items() if k != 'name'))
            assert after == expected, (host, stage)


def test_add_update_remove_no_op_with_check_and_diff(tmp_path):
    host_vars = setup_hosts(tmp_path)
    paths = dict((h, v['cfg']) for h, v in host_vars.items())
    before = dict((h, snapshot(p)) for h, p in paths.items())

    check = run(tmp_path, host_vars, server_tasks(), check=True, diff=True, tag='check')
    check.assert_ok()
    for host, path in paths.items():
        assert snapshot(path) == before[host], '%s: check mode wrote the file' % host
        assert check.changed(host) >= 1, host
        assert sorted(os.listdir(os.path.dirname(path))) == [os.path.basename(path)], \
            '%s: check mode left files behind: %s' % (host, os.listdir(os.path.dirname(path)))

    real = run(tmp_path, host_vars, server_tasks(), diff=True, tag='add').assert_ok()
    failures = [f for f in (differs(h, p, 'added') for h, p in sorted(paths.items())) if f]
    assert not failures, '\n\n'.join(failures)
    for host in paths:
        assert real.result('stdio', host).get('diff') == check.result('stdio', host).get('diff'), host

    added = dict((h, snapshot(p)) for h, p in paths.items())
    again = run(tmp_path, host_vars, server_tasks(), tag='again').assert_ok()
    for host, path in paths.items():
        assert again.changed(host) == 0, host
        assert snapshot(path) == added[host], '%s: a no-op rewrote the file' % host

    check = run(tmp_path, host_vars, server_tasks(STDIO_UPDATED), check=True, diff=True, tag='check-update').assert_ok()
    for host, path in paths.items():
        assert snapshot(path) == added[host], host
    run(tmp_path, host_vars, server_tasks(STDIO_UPDATED), diff=True, tag='update').assert_ok()
    failures = [f for f in (differs(h, p, 'updated') for h, p in sorted(paths.items())) if f]
    assert not failures, '\n\n'.join(failures)

    removed = run(tmp_path, host_vars, server_tasks(state='absent'), diff=True, tag='remove').assert_ok()
    failures = [f for f in (differs(h, p, 'before') for h, p in sorted(paths.items())) if f]
    assert not failures, '\n\n'.join(failures)
    for host in paths:
        assert removed.changed(host) >= 1


# host -> (task params that client must refuse, words the message must hold)
REFUSALS = {
    'claude_desktop': (dict(REMOTE), ['Claude Desktop', 'mcp-remote']),
    'codex': (dict(REMOTE, env={'A': 'b'}), ['Codex', "'env'", 'URL entry']),
    'zed': (dict(REMOTE, type='sse'), ['Zed', 'sse', 'http']),
    'vscode': (dict(REMOTE, type='stdio'), ['stdio', 'url']),
    'claude_code': (dict(STDIO, type='http'), ['http', 'command']),
}


def test_refused_inputs_leave_every_file_untouched(tmp_path):
    host_vars = setup_hosts(tmp_path, stage='added')
    paths = dict((h, v['cfg']) for h, v in host_vars.items())
    before = dict((h, snapshot(p)) for h, p in paths.items())
    tasks = []
    bad_name = dict(STDIO, name='bad name')
    tasks.append({'name': 'bad_name', 'ignore_errors': True,
                  'mcpops.mcp.mcp_server': mcp_server(dict(bad_name, validate_command=False))})
    for host, (params, _words) in REFUSALS.items():
        tasks.append({'name': 'refuse_' + host, 'ignore_errors': True, 'when': 'inventory_hostname == %r' % host,
                      'mcpops.mcp.mcp_server': mcp_server(dict(params, validate_command=False))})
    result = run(tmp_path, host_vars, tasks, tag='refuse')
    for host, path in paths.items():
        assert snapshot(path) == before[host], '%s: a refused input changed the file' % host
        assert result.failed('bad_name', host), host
        assert 'bad name' in result.result('bad_name', host)['msg'], host
    for host, (_params, words) in REFUSALS.items():
        assert result.failed('refuse_' + host, host), host
        msg = result.result('refuse_' + host, host)['msg']
        missing = [w for w in words if w not in msg]
        assert not missing, '%s: %r lacks %r' % (host, msg, missing)


BROKEN = {
    'claude_desktop': b'{"mcpServers": {"a": {"command": "x"},}}\n',       # trailing comma: strict JSON
    'claude_code': b'{"mcpServers": {}, // note\n"x": 1}\n',               # comment: strict JSON
    'cursor': b'\xef\xbb\xbf{"mcpServers": {}}\n',                          # byte-order mark
    'windsurf': b'{"mcpServers": {"a": {"command": "x"}, "a": {"command": "y"}}}\n',  # duplicate key
    'vscode': b'// c\n{"servers": {"a": {"command": "x"}, "a": {"command": "y"}}}\n',  # duplicate, even in JSONC
    'gemini': b'{"mcpServers": {"a": {"timeout": NaN}}}\n',                  # NaN
    'codex': b'[mcp_servers.a]\ncommand = "x"\n[mcp_servers.a]\ncommand = "y"\n',  # table defined twice
    'zed': b'',                                                               # empty file
}


def test_broken_files_are_refused_byte_identical(tmp_path):
    hosts = [h for h in HOSTS if h in BROKEN]
    host_vars = setup_hosts(tmp_path, hosts)
    for host in hosts:
        with open(host_vars[host]['cfg'], 'wb') as handle:
            handle.write(BROKEN[host])
    paths = dict((h, host_vars[h]['cfg']) for h in hosts)
    before = dict((h, snapshot(p)) for h, p in paths.items())
    tasks = [dict(t, ignore_errors=True) for t in server_tasks()[:1]]
    result = run(tmp_path, host_vars, tasks, tag='broken')
    for host, path in paths.items():
        assert snapshot(path) == before[host], host
        assert result.failed('stdio', host), host
        msg = result.result('stdio', host)['msg']
        assert path in msg, '%s: %r does not name the file' % (host, msg)
        # nothing beside it: no backup, no temp file (the lock file may stay, as for every refusal)
        name = os.path.basename(path)
        assert set(os.listdir(os.path.dirname(path))) - {name, '.%s.lock' % name} == set(), host


DEFAULT_PATHS = {
    'claude_desktop': '.config/Claude/claude_desktop_config.json',
    'claude_code': '.claude.json',
    'cursor': '.cursor/mcp.json',
    'vscode': '.config/Code/User/mcp.json',
    'windsurf': '.codeium/windsurf/mcp_config.json',
    'gemini': '.gemini/settings.json',
    'codex': '.codex/config.toml',
    'zed': '.config/zed/settings.json',
}


def test_new_files_land_at_each_clients_default_path(tmp_path):
    host_vars = {}
    for client in DEFAULT_PATHS:
        home = tmp_path / 'homes' / client
        home.mkdir(parents=True)
        host_vars[client] = dict(mcp_client=client, fake_home=str(home))
    task = {'name': 'stdio', 'environment': {'HOME': '{{ fake_home }}', 'CODEX_HOME': '', 'XDG_CONFIG_HOME': ''},
            'mcpops.mcp.mcp_server': dict(STDIO, client='{{ mcp_client }}', validate_command=False)}
    result = run(tmp_path, host_vars, [task], tag='new').assert_ok()
    for client, rel in DEFAULT_PATHS.items():
        path = os.path.join(host_vars[client]['fake_home'], rel)
        assert os.path.isfile(path), '%s: nothing at %s' % (client, path)
        assert result.changed(client) == 1
        data = read(path)
        if rel.endswith('.toml'):
            assert data.startswith(b'[mcp_servers.time]\n'), data
        else:
            doc = json.loads(data.decode('utf-8'))
            key = {'vscode': 'servers', 'zed': 'context_servers'}.get(client, 'mcpServers')
            assert list(doc) == [key] and list(doc[key]) == ['time'], (client, doc)
            assert data.endswith(b'\n') and b'\r' not in data and data.startswith(b'{\n  "')
        assert oct(os.stat(path).st_mode & 0o777) == oct(0o600), client
    shutil.rmtree(str(tmp_path / 'homes'))
