# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client table and its pure mapping functions: every row, every OS, every scope."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mcpops.mcp.plugins.module_utils import _clients as cl

HOME = '/home/alice'
WIN_ENV = {'APPDATA': 'C:\\Users\\alice\\AppData\\Roaming', 'USERPROFILE': 'C:\\Users\\alice',
           'LOCALAPPDATA': 'C:\\Users\\alice\\AppData\\Local'}

# client -> (Linux, Darwin, Windows) user-scope path, servers_path
EXPECTED_PATHS = {
    'claude_desktop': ('/home/alice/.config/Claude/claude_desktop_config.json',
                       '/home/alice/Library/Application Support/Claude/claude_desktop_config.json',
                       'C:\\Users\\alice\\AppData\\Roaming\\Claude\\claude_desktop_config.json', ('mcpServers',)),
    'claude_code': ('/home/alice/.claude.json', '/home/alice/.claude.json', 'C:\\Users\\alice\\.claude.json',
                    ('mcpServers',)),
    'cursor': ('/home/alice/.cursor/mcp.json', '/home/alice/.cursor/mcp.json', 'C:\\Users\\alice\\.cursor\\mcp.json',
               ('mcpServers',)),
    'vscode': ('/home/alice/.config/Code/User/mcp.json', '/home/alice/Library/Application Support/Code/User/mcp.json',
               'C:\\Users\\alice\\AppData\\Roaming\\Code\\User\\mcp.json', ('servers',)),
    'windsurf': ('/home/alice/.codeium/windsurf/mcp_config.json', '/home/alice/.codeium/windsurf/mcp_config.json',
                 'C:\\Users\\alice\\.codeium\\windsurf\\mcp_config.json', ('mcpServers',)),
    'gemini': ('/home/alice/.gemini/settings.json', '/home/alice/.gemini/settings.json',
               'C:\\Users\\alice\\.gemini\\settings.json', ('mcpServers',)),
    'codex': ('/home/alice/.codex/config.toml', '/home/alice/.codex/config.toml',
              'C:\\Users\\alice\\.codex\\config.toml', ('mcp_servers',)),
    'zed': ('/home/alice/.config/zed/settings.json', '/home/alice/.config/zed/settings.json',
            'C:\\Users\\alice\\AppData\\Roaming\\Zed\\settings.json', ('context_servers',)),
}

STDIO = {'command': 'npx', 'args': ['-y', 'pkg'], 'env': {'TOKEN': 'abc'}}
REMOTE = {'url': 'https://mcp.example.com/mcp', 'headers': {'Authorization': 'Bearer x'}}

# client -> (native stdio entry, native remote entry) for STDIO / REMOTE
GOLDEN = {
    'claude_desktop': ({'command': 'npx', 'args': ['-y', 'pkg'], 'env': {'TOKEN': 'abc'}}, None),
    'claude_code': ({'command': 'npx', 'args': ['-y', 'pkg'], 'env': {'TOKEN': 'abc'}},
                    {'type': 'http', 'url': 'https://mcp.example.com/mcp', 'headers': {'Authorization': 'Bearer x'}}),
    'cursor': ({'command': 'npx', 'args': ['-y', 'pkg'], 'env': {'TOKEN': 'abc'}},
               {'url': 'https://mcp.example.com/mcp', 'headers': {'Authorization': 'Bearer x'}}),
    'vscode': ({'type': 'stdio', 'command': 'npx', 'args': ['-y', 'pkg'], 'env': {'TOKEN': 'abc'}},
               {'type': 'http', 'url': 'https://mcp.example.com/mcp', 'headers': {'Authorization': 'Bearer x'}}),
    'windsurf': ({'command': 'npx', 'args': ['-y', 'pkg'], 'env': {'TOKEN': 'abc'}},
                 {'serverUrl': 'https://mcp.example.com/mcp', 'headers': {'Authorization': 'Bearer x'}}),
    'gemini': ({'command': 'npx', 'args': ['-y', 'pkg'], 'env': {'TOKEN': 'abc'}},
               {'httpUrl': 'https://mcp.example.com/mcp', 'headers': {'Authorization': 'Bearer x'}}),
    'codex': ({'command': 'npx', 'args': ['-y', 'pkg'], 'env': {'TOKEN': 'abc'}},
              {'url': 'https://mcp.example.com/mcp', 'http_headers': {'Authorization': 'Bearer x'}}),
    'zed': ({'command': 'npx', 'args': ['-y', 'pkg'], 'env': {'TOKEN': 'abc'}},
            {'url': 'https://mcp.example.com/mcp', 'headers': {'Authorization': 'Bearer x'}}),
}

REQUIRED_KEYS = ('label', 'format', 'servers_path', 'config_paths', 'fields', 'types', 'type_always', 'native_keys',
                 'url_keys', 'read_url_keys', 'url_forbids', 'name_re', 'env_ref', 'binaries', 'app_paths', 'source')


def test_every_client_has_a_row_with_the_schema():
    assert cl.CLIENT_NAMES == sorted(EXPECTED_PATHS)
    for name in cl.CLIENT_NAMES:
        row = cl.get_client(name)
        missing = [k for k in REQUIRED_KEYS if k not in row]
        assert not missing, (name, missing)
        assert row['format'] in ('json', 'jsonc', 'toml')
        assert row['source'].startswith('https://')
        assert set(row['fields']) <= set(cl.CANONICAL_FIELDS)
        assert set(row['types']) <= {'stdio', 'http', 'sse'}
        # the compatibility key stays equal to the new one while callers switch
        assert (row['servers_key'],) == row['servers_path']


def test_unknown_client_names_the_supported_ones():
    with pytest.raises(cl.ClientError) as exc:
        cl.get_client('emacs')
    assert 'emacs' in str(exc.value) and 'claude_code' in str(exc.value) and 'zed' in str(exc.value)


@pytest.mark.parametrize('name', sorted(EXPECTED_PATHS))
@pytest.mark.parametrize('index,system', [(0, 'Linux'), (1, 'Darwin'), (2, 'Windows')])
def test_user_scope_path_per_os(name, index, system):
    row = cl.get_client(name)
    path, servers_path = cl.config_location(row, HOME, system=system, environ=WIN_ENV if system == 'Windows' else {})
    assert path == EXPECTED_PATHS[name][index]
    assert servers_path == EXPECTED_PATHS[name][3]
    # default_config_path (used by the shared options today) agrees
    assert cl.default_config_path(row, HOME, system=system, environ=WIN_ENV if system == 'Windows' else {}) == path


def test_log_dirs():
    row = cl.get_client('claude_desktop')
    assert cl.default_log_dir(row, HOME, system='Darwin') == '/home/alice/Library/Logs/Claude'
    assert cl.default_log_dir(row, HOME, system='Windows', environ=WIN_ENV) == \
        'C:\\Users\\alice\\AppData\\Roaming\\Claude\\logs'
    with pytest.raises(cl.ClientError) as exc:
        cl.default_log_dir(cl.get_client('cursor'), HOME, system='Linux')
    assert 'Cursor has no known log dir on Linux' in str(exc.value)


def test_windows_path_needs_its_variable():
    with pytest.raises(cl.ClientError) as exc:
        cl.config_location(cl.get_client('cursor'), HOME, system='Windows', environ={})
    assert 'USERPROFILE' in str(exc.value)


def test_codex_home_and_xdg_config_home_move_the_user_file():
    codex = cl.get_client('codex')
    assert cl.config_location(codex, HOME, system='Linux', environ={'CODEX_HOME': '/srv/codex'})[0] == \
        '/srv/codex/config.toml'
    assert cl.config_location(codex, HOME, system='Windows', environ=dict(WIN_ENV, CODEX_HOME='D:\\codex'))[0] == \
        'D:\\codex\\config.toml'
    zed = cl.get_client('zed')
    assert cl.config_location(zed, HOME, system='Linux', environ={'XDG_CONFIG_HOME': '/x'})[0] == '/x/zed/settings.json'
    # XDG_CONFIG_HOME is a Linux rule only
    assert cl.config_location(zed, HOME, system='Darwin', environ={'XDG_CONFIG_HOME': '/x'})[0] == \
        '/home/alice/.config/zed/settings.json'


@pytest.mark.parametrize('name,scope,expected', [
    ('claude_code', 'local', ('/home/alice/.claude.json', ('projects', '/srv/app', 'mcpServers'))),
    ('claude_code', 'project', ('/srv/app/.mcp.json', ('mcpServers',))),
    ('cursor', 'project', ('/srv/app/.cursor/mcp.json', ('mcpServers',))),
    ('vscode', 'project', ('/srv/app/.vscode/mcp.json', ('servers',))),
    ('gemini', 'project', ('/srv/app/.gemini/settings.json', ('mcpServers',))),
    ('codex', 'project', ('/srv/app/.codex/config.toml', ('mcp_servers',))),
])
def test_project_and_local_scopes(name, scope, expected):
    row = cl.get_client(name)
    assert cl.config_location(row, HOME, scope, '/srv/app/', system='Linux', environ={}) == expected


def test_project_scope_on_windows_uses_backslashes():
    row = cl.get_client('vscode')
    assert cl.config_location(row, HOME, 'project', 'C:\\src\\app', system='Windows', environ=WIN_ENV)[0] == \
        'C:\\src\\app\\.vscode\\mcp.json'


@pytest.mark.parametrize('name', ['claude_desktop', 'windsurf', 'zed'])
def test_scope_a_client_lacks_is_refused_naming_its_scopes(name):
    row = cl.get_client(name)
    with pytest.raises(cl.ClientError) as exc:
        cl.config_location(row, HOME, 'project', '/srv/app', system='Linux')
    assert row['label'] in str(exc.value) and "'project' scope" in str(exc.value) and 'its scopes: user' in str(exc.value)


def test_scopes_listed_user_first():
    assert cl.client_scopes(cl.get_client('claude_code')) == ['user', 'local', 'project']
    assert cl.client_scopes(cl.get_client('zed')) == ['user']


@pytest.mark.parametrize('project', [None, '', 'relative/app'])
def test_project_scope_needs_an_absolute_project_path(project):
    with pytest.raises(cl.ClientError) as exc:
        cl.config_location(cl.get_client('claude_code'), HOME, 'local', project, system='Linux')
    assert "Claude Code's local scope needs" in str(exc.value) and 'project_path' in str(exc.value)


@pytest.mark.parametrize('name', sorted(GOLDEN))
def test_to_native_golden_and_round_trip(name):
    row = cl.get_client(name)
    stdio_native, remote_native = GOLDEN[name]
    assert cl.to_native(row, STDIO) == stdio_native
    assert cl.from_native(row, stdio_native) == dict(STDIO, **({'type': 'stdio'} if row.get('type_always') else {}))
    assert cl.to_native(row, cl.from_native(row, stdio_native)) == stdio_native
    if remote_native is None:
        assert cl.field_problems(row, REMOTE, 'Server r')
        with pytest.raises(cl.ClientError):
            cl.to_native(row, REMOTE)
        return
    assert cl.field_problems(row, REMOTE, 'Server r') == []
    assert cl.to_native(row, REMOTE) == remote_native
    back = cl.from_native(row, remote_native)
    assert back['url'] == REMOTE['url'] and back['headers'] == REMOTE['headers']
    assert cl.to_native(row, back) == remote_native
    # native keys are all managed keys
    assert set(remote_native) <= set(cl.managed_keys(row))
    assert set(stdio_native) <= set(cl.managed_keys(row))


def test_native_key_order_puts_type_first():
    row = cl.get_client('vscode')
    assert list(cl.to_native(row, dict(REMOTE, type='sse'))) == ['type', 'url', 'headers']


def test_gemini_url_key_follows_the_type():
    row = cl.get_client('gemini')
    assert cl.to_native(row, dict(REMOTE, type='sse')) == {'url': REMOTE['url'], 'headers': REMOTE['headers']}
    assert cl.to_native(row, dict(REMOTE, type='http'))['httpUrl'] == REMOTE['url']
    assert cl.from_native(row, {'url': 'https://h/sse'}) == {'type': 'sse', 'url': 'https://h/sse'}
    assert cl.from_native(row, {'httpUrl': 'https://h/mcp'}) == {'type': 'http', 'url': 'https://h/mcp'}


def test_windsurf_reads_url_too_and_writes_server_url():
    row = cl.get_client('windsurf')
    assert cl.from_native(row, {'url': 'https://h/mcp'}) == {'url': 'https://h/mcp'}
    assert cl.from_native(row, {'serverUrl': 'https://a', 'url': 'https://b'})['url'] == 'https://a'
    assert cl.managed_keys(row) == ('command', 'args', 'env', 'serverUrl', 'url', 'headers')


def test_codex_headers_are_http_headers_and_cwd_is_kept():
    row = cl.get_client('codex')
    native = cl.to_native(row, {'command': 'srv', 'cwd': '/srv'})
    assert native == {'command': 'srv', 'cwd': '/srv'}
    assert cl.from_native(row, {'url': 'https://h', 'http_headers': {'X': '1'}, 'enabled': False}) == \
        {'url': 'https://h', 'headers': {'X': '1'}}
    assert 'headers' not in cl.managed_keys(row) and 'http_headers' in cl.managed_keys(row)


def test_from_native_ignores_unknown_keys():
    row = cl.get_client('gemini')
    assert cl.from_native(row, {'command': 'x', 'timeout': 30000, 'trust': True, 'includeTools': ['a']}) == \
        {'command': 'x'}
    assert 'timeout' not in cl.managed_keys(row) and 'trust' not in cl.managed_keys(row)


def test_claude_desktop_refusals_keep_todays_sentences():
    row = cl.get_client('claude_desktop')
    problems = cl.field_problems(row, {'url': 'https://h', 'type': 'http', 'headers': {'A': 'b'}}, "Server 'r'")
    assert problems == [
        "Server 'r': Claude Desktop does not support %r in its config. %s" % (field, row['remote_hint'])
        for field in ('type', 'url', 'headers')]
    assert 'mcp-remote' in problems[0]
    assert cl.field_problems(row, STDIO, "Server 's'") == []


@pytest.mark.parametrize('name,canonical,needle', [
    ('cursor', {'command': 'x', 'cwd': '/srv'}, "Cursor does not support 'cwd' in its config. Cursor supports: "),
    ('zed', {'url': 'https://h', 'type': 'sse'}, "Zed does not support type 'sse'; it supports type stdio or http."),
    ('codex', {'url': 'https://h', 'type': 'sse'}, "Codex does not support type 'sse'; it supports type stdio or http."),
    ('codex', {'url': 'https://h', 'env': {'A': 'b'}}, "Codex does not allow 'env' on a URL entry"),
    ('vscode', {'url': 'https://h', 'type': 'stdio'}, 'type stdio needs command, not url; for a remote server use '
                                                      'type http or sse.'),
    ('claude_code', {'command': 'x', 'type': 'http'}, 'type http needs url, not command'),
])
def test_field_problems_name_the_client_and_the_alternative(name, canonical, needle):
    problems = cl.field_problems(cl.get_client(name), canonical, "Server 'x'")
    assert any(needle in p for p in problems), problems
    assert all(p.startswith("Server 'x': ") for p in problems)


@pytest.mark.parametrize('name', sorted(GOLDEN))
def test_inferred_type_is_accepted_and_not_written(name):
    row = cl.get_client(name)
    if 'stdio' in row['types'] and not row.get('type_key'):
        assert cl.field_problems(row, dict(STDIO, type='stdio'), 'S') == []
        assert 'type' not in cl.to_native(row, dict(STDIO, type='stdio'))


def test_to_native_refuses_unsupported_fields():
    with pytest.raises(cl.ClientError) as exc:
        cl.to_native(cl.get_client('cursor'), {'command': 'x', 'cwd': '/'})
    assert "Cursor does not support 'cwd'" in str(exc.value)


@pytest.mark.parametrize('name', sorted(GOLDEN))
def test_name_problem(name):
    row = cl.get_client(name)
    assert cl.name_problem(row, 'git-hub_2') is None
    problem = cl.name_problem(row, 'Framelink Figma MCP')
    # Only the reason: the engine already says 'invalid name "<name>": ...'.
    assert problem == '%s takes only letters, digits, "_" and "-" in a new server name' % row['label']
    assert cl.name_problem(row, None) is not None


@pytest.mark.parametrize('name,expected', [
    ('claude_code', '${GITHUB_TOKEN}'), ('cursor', '${env:GITHUB_TOKEN}'), ('vscode', '${env:GITHUB_TOKEN}'),
    ('windsurf', '${env:GITHUB_TOKEN}'), ('gemini', '${GITHUB_TOKEN}'),
])
def test_env_reference_in_each_syntax(name, expected):
    assert cl.env_reference(cl.get_client(name), 'GITHUB_TOKEN') == expected


@pytest.mark.parametrize('name', ['claude_desktop', 'zed', 'codex'])
def test_env_reference_refused_naming_the_clients_that_can(name):
    with pytest.raises(cl.ClientError) as exc:
        cl.env_reference(cl.get_client(name), 'TOKEN')
    text = str(exc.value)
    assert cl.get_client(name)['label'] in text
    assert 'Claude Code' in text and 'Cursor' in text and 'VS Code' in text
    if name == 'codex':
        assert 'env_vars' in text and 'bearer_token_env_var' in text
        assert 'Codex takes secret_env' not in text
    else:
        assert text.endswith('Codex takes secret_env by name (env_vars) with secret_mode=env_ref.')


def test_env_reference_refuses_a_bad_variable_name():
    with pytest.raises(cl.ClientError):
        cl.env_reference(cl.get_client('cursor'), 'A-B}')


def test_vscode_reads_an_env_file():
    assert cl.get_client('vscode')['env_file_key'] == 'envFile'
    assert [n for n in cl.CLIENT_NAMES if cl.CLIENTS[n].get('env_file_key')] == ['vscode']


def test_entry_timeout_in_each_clients_unit():
    """mcp_health reads an entry's own timeout: Gemini CLI writes milliseconds, the others seconds."""
    assert cl.entry_timeout(cl.get_client('gemini'), {'timeout': 30000}) == 30
    assert cl.entry_timeout(cl.get_client('claude_desktop'), {'timeout': 7}) == 7
    for bad in ({}, {'timeout': '5'}, {'timeout': True}, {'timeout': 0}, {'timeout': -1}, None):
        assert cl.entry_timeout(cl.get_client('gemini'), bad) is None
