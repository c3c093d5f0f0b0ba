# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client table: which client, which OS -> which file, which key, which entry shape.

Clients are data, not code paths. Adding a client means adding a row here;
the modules never branch on a client name. The pure functions below map the
collection's canonical entry (type, command, args, env, cwd, url, headers)
to and from each client's native spelling.

Every fact carries the documentation page that states it (checked December 2026).
Paths use '~' for the (resolved) home directory, %VAR% for Windows variables and
'{project}' for the project directory of a project/local scope.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ntpath
import os
import platform
import posixpath
import re

# Canonical entry fields, in the order a native entry is written.
CANONICAL_FIELDS = ('type', 'command', 'args', 'env', 'cwd', 'url', 'headers')
STDIO_FIELDS = ('command', 'args', 'env', 'cwd')
REMOTE_FIELDS = ('url', 'type', 'headers')
DEFAULT_NAME_RE = r'^[A-Za-z0-9_-]+$'

CLIENTS = {
    # https://modelcontextprotocol.io/quickstart/user (paths, mcpServers, command/args/env);
    # https://support.claude.com/en/articles/10949351 (MSIX path). Only stdio entries; remote via mcp-remote.
    'claude_desktop': {
        'label': 'Claude Desktop',
        'format': 'json',
        'servers_path': ('mcpServers',),
        'servers_key': 'mcpServers',  # compatibility key until every caller uses servers_path
        'config_paths': {
            'Linux': '~/.config/Claude/claude_desktop_config.json',  # unofficial Linux builds
            'Darwin': '~/Library/Application Support/Claude/claude_desktop_config.json',
            'Windows': '%APPDATA%\\Claude\\claude_desktop_config.json',
        },
        # Microsoft Store (MSIX) build: used instead of the Windows path when its directory exists.
        'config_paths_alt': {
            'Windows': '%LOCALAPPDATA%\\Packages\\Claude_pzs8sxrjxfjjc\\LocalCache\\Roaming\\Claude\\claude_desktop_config.json',
        },
        'log_dirs': {
            'Linux': '~/.config/Claude/logs',
            'Darwin': '~/Library/Logs/Claude',
            'Windows': '%APPDATA%\\Claude\\logs',
        },
        'fields': ('command', 'args', 'env'),
        'types': (),  # no type key: every entry is a stdio server (a declared type is refused, as before)
        'type_key': None,
        'type_always': False,
        'native_keys': {},
        'url_keys': {},
        'read_url_keys': (),
        'url_forbids': (),
        'name_re': DEFAULT_NAME_RE,
        'env_ref': None,  # the file holds literal values only
        # Claude Desktop has no remote entries in this file; remote servers go through a bridge.
        'remote_fields': (),  # compatibility key (_entries.py before the engine switch)
        'remote_hint': ("Claude Desktop only runs stdio servers from its config file; reach a remote "
                        "server through the mcp-remote bridge instead: command 'npx', "
                        "args ['-y', 'mcp-remote', '<url>']."),
        'binaries': (),
        'app_paths': {'Darwin': ('/Applications/Claude.app',),
                      'Windows': ('%LOCALAPPDATA%\\AnthropicClaude',)},
        'source': 'https://modelcontextprotocol.io/quickstart/user',
    },

    # https://code.claude.com/docs/en/mcp : scopes (local = projects[<abs path>].mcpServers in ~/.claude.json,
    # project = <project>/.mcp.json, user = top-level mcpServers in ~/.claude.json), transports stdio/http/sse,
    # "type" + "url" + "headers" for remote entries, ${VAR} and ${VAR:-default} expanded in command, args,
    # env, url and headers.
    'claude_code': {
        'label': 'Claude Code',
        'format': 'json',
        'servers_path': ('mcpServers',),
        'servers_key': 'mcpServers',
        'config_paths': {
            'Linux': '~/.claude.json',
            'Darwin': '~/.claude.json',
            'Windows': '%USERPROFILE%\\.claude.json',
        },
        'scopes': {
            'user': None,
            'local': {'servers_path': ('projects', '{project}', 'mcpServers')},  # same file as user
            'project': {'path': '{project}/.mcp.json'},
        },
        'fields': ('command', 'args', 'env', 'url', 'type', 'headers'),
        'types': ('stdio', 'http', 'sse'),  # sse is deprecated in the docs but still read
        'type_key': 'type',
        'type_always': False,
        'url_type_default': 'http',  # a remote entry needs its type; HTTP is the documented default
        'native_keys': {},
        'url_keys': {'*': 'url'},
        'read_url_keys': ('url',),
        'url_forbids': (),
        # `claude mcp add`: "Names can only contain letters, numbers, hyphens, and underscores."
        # (CLI error text, e.g. https://github.com/praha-inc/byethrow/issues/319)
        'name_re': DEFAULT_NAME_RE,
        'env_ref': '${%s}',
        'env_ref_fields': ('command', 'args', 'env', 'url', 'headers'),
        'remote_fields': ('url', 'type', 'headers'),
        'binaries': ('claude',),
        'marker_paths': ('~/.claude',),  # ~/.claude.json sits in the home itself
        'app_paths': {},
        'source': 'https://code.claude.com/docs/en/mcp',
    },

    # https://cursor.com/docs/context/mcp : ~/.cursor/mcp.json (global), <project>/.cursor/mcp.json,
    # mcpServers, stdio command/args/env, remote url + headers (transport detected, no type key needed),
    # ${env:NAME} interpolation in command, args, env, url and headers.
    'cursor': {
        'label': 'Cursor',
        'format': 'json',
        'servers_path': ('mcpServers',),
        'servers_key': 'mcpServers',
        'config_paths': {
            'Linux': '~/.cursor/mcp.json',
            'Darwin': '~/.cursor/mcp.json',
            'Windows': '%USERPROFILE%\\.cursor\\mcp.json',
        },
        'scopes': {'user': None, 'project': {'path': '{project}/.cursor/mcp.json'}},
        'fields': ('command', 'args', 'env', 'url', 'type', 'headers'),
        'types': ('stdio', 'http', 'sse'),
        'type_key': None,  # Cursor works out stdio / Streamable HTTP / SSE from the entry itself
        'type_always': False,
        'native_keys': {},
        'url_keys': {'*': 'url'},
        'read_url_keys': ('url',),
        'url_forbids': (),
        'name_re': DEFAULT_NAME_RE,
        'env_ref': '${env:%s}',
        'env_ref_fields': ('command', 'args', 'env', 'url', 'headers'),
        'remote_fields': ('url', 'type', 'headers'),
        'binaries': ('cursor',),
        'app_paths': {'Darwin': ('/Applications/Cursor.app',)},
        'source': 'https://cursor.com/docs/context/mcp',
    },

    # https://code.visualstudio.com/docs/copilot/reference/mcp-configuration : mcp.json in the user profile
    # or <workspace>/.vscode/mcp.json, top-level "servers" (+ "inputs" kept as they are), "type" required
    # (stdio | http | sse), stdio command/args/env/envFile, remote url/headers, ${input:id} and predefined
    # variables such as ${env:NAME}. User profile dir per OS:
    # https://code.visualstudio.com/docs/configure/settings#_settings-file-locations
    'vscode': {
        'label': 'VS Code',
        'format': 'jsonc',
        'servers_path': ('servers',),
        'servers_key': 'servers',
        'config_paths': {
            'Linux': '~/.config/Code/User/mcp.json',
            'Darwin': '~/Library/Application Support/Code/User/mcp.json',
            'Windows': '%APPDATA%\\Code\\User\\mcp.json',
        },
        'scopes': {'user': None, 'project': {'path': '{project}/.vscode/mcp.json'}},
        'fields': ('command', 'args', 'env', 'url', 'type', 'headers'),
        'types': ('stdio', 'http', 'sse'),
        'type_key': 'type',
        'type_always': True,  # the reference marks type as required on every entry
        'url_type_default': 'http',  # VS Code tries HTTP first and falls back to SSE
        'native_keys': {},
        'url_keys': {'*': 'url'},
        'read_url_keys': ('url',),
        'url_forbids': (),
        'name_re': DEFAULT_NAME_RE,
        'env_ref': '${env:%s}',
        'env_ref_fields': ('command', 'args', 'env', 'url', 'headers'),
        # Not in the reference's stdio table, so refused for VS Code: cwd. Server names: "avoid whitespace or
        # special characters" (same page, Server naming conventions).
        'env_file_key': 'envFile',  # stdio entries may load more variables from an env file
        'remote_fields': ('url', 'type', 'headers'),
        'binaries': ('code',),
        'app_paths': {'Darwin': ('/Applications/Visual Studio Code.app',)},
        'source': 'https://code.visualstudio.com/docs/copilot/reference/mcp-configuration',
    },

    # https://docs.windsurf.com/windsurf/cascade/mcp : ~/.codeium/windsurf/mcp_config.json, mcpServers,
    # stdio / Streamable HTTP / SSE, remote entries need "serverUrl" or "url", headers, interpolation of
    # environment variables (${env:NAME}) in command, args, env, serverUrl, url and headers.
    'windsurf': {
        'label': 'Windsurf',
        'format': 'json',
        'servers_path': ('mcpServers',),
        'servers_key': 'mcpServers',
        'config_paths': {
            'Linux': '~/.codeium/windsurf/mcp_config.json',
            'Darwin': '~/.codeium/windsurf/mcp_config.json',
            'Windows': '%USERPROFILE%\\.codeium\\windsurf\\mcp_config.json',
        },
        'fields': ('command', 'args', 'env', 'url', 'type', 'headers'),
        'types': ('stdio', 'http', 'sse'),
        'type_key': None,
        'type_always': False,
        'native_keys': {},
        'url_keys': {'*': 'serverUrl'},
        'read_url_keys': ('serverUrl', 'url'),
        'url_forbids': (),
        'name_re': DEFAULT_NAME_RE,
        'env_ref': '${env:%s}',
        'env_ref_fields': ('command', 'args', 'env', 'url', 'headers'),
        'remote_fields': ('url', 'type', 'headers'),
        'binaries': ('windsurf',),
        'app_paths': {'Darwin': ('/Applications/Windsurf.app',)},
        'source': 'https://docs.windsurf.com/windsurf/cascade/mcp',
    },

    # https://geminicli.com/docs/tools/mcp-server/ : ~/.gemini/settings.json or <project>/.gemini/settings.json,
    # mcpServers, one of command | url (SSE) | httpUrl (Streamable HTTP), args, headers, env (values may be
    # $VAR or ${VAR}), cwd, timeout (ms), trust, includeTools/excludeTools (kept as unknown keys).
    # Settings file locations and comments: https://geminicli.com/docs/cli/configuration
    'gemini': {
        'label': 'Gemini CLI',
        'format': 'jsonc',
        'servers_path': ('mcpServers',),
        'servers_key': 'mcpServers',
        'config_paths': {
            'Linux': '~/.gemini/settings.json',
            'Darwin': '~/.gemini/settings.json',
            'Windows': '%USERPROFILE%\\.gemini\\settings.json',
        },
        'scopes': {'user': None, 'project': {'path': '{project}/.gemini/settings.json'}},
        'fields': ('command', 'args', 'env', 'cwd', 'url', 'type', 'headers'),
        'types': ('stdio', 'http', 'sse'),
        'type_key': None,  # the url key says the transport
        'type_always': False,
        'native_keys': {},
        'url_keys': {'http': 'httpUrl', 'sse': 'url', '*': 'httpUrl'},
        'read_url_keys': ('httpUrl', 'url'),
        'url_key_types': {'httpUrl': 'http', 'url': 'sse'},
        'url_forbids': (),
        'name_re': DEFAULT_NAME_RE,
        'env_ref': '${%s}',
        'env_ref_fields': ('env',),  # the docs document references in env values only
        'timeout_unit': 'ms',  # an entry's own `timeout` is in milliseconds (the docs: default 600000)
        'remote_fields': ('url', 'type', 'headers'),
        'binaries': ('gemini',),
        'app_paths': {},
        'source': 'https://geminicli.com/docs/tools/mcp-server/',
    },

    # https://developers.openai.com/codex/mcp : ~/.codex/config.toml ($CODEX_HOME), [mcp_servers.<name>]
    # with command/args/env/env_vars/cwd (stdio) or url/bearer_token_env_var/http_headers/env_http_headers
    # (Streamable HTTP; no SSE). Project tables in <project>/.codex/config.toml (trusted projects only).
    # Config reference: https://developers.openai.com/codex/config-reference ; env on a URL entry is
    # refused by Codex's config parser ("env is not supported for streamable_http").
    'codex': {
        'label': 'Codex',
        'format': 'toml',
        'servers_path': ('mcp_servers',),
        'servers_key': 'mcp_servers',
        'config_paths': {
            'Linux': '~/.codex/config.toml',
            'Darwin': '~/.codex/config.toml',
            'Windows': '%USERPROFILE%\\.codex\\config.toml',
        },
        'config_dir_env': 'CODEX_HOME',
        'scopes': {'user': None, 'project': {'path': '{project}/.codex/config.toml'}},
        'fields': ('command', 'args', 'env', 'cwd', 'url', 'type', 'headers'),
        'types': ('stdio', 'http'),
        'type_key': None,
        'type_always': False,
        'native_keys': {'headers': 'http_headers'},
        'url_keys': {'*': 'url'},
        'read_url_keys': ('url',),
        'url_forbids': ('env',),
        'name_re': DEFAULT_NAME_RE,
        'env_ref': None,  # no ${...} references: Codex forwards variables by name instead
        'env_forward_keys': {'env': 'env_vars', 'headers': 'env_http_headers',
                             'bearer': 'bearer_token_env_var'},
        'remote_fields': ('url', 'type', 'headers'),
        'binaries': ('codex',),
        'app_paths': {},
        'source': 'https://developers.openai.com/codex/mcp',
    },

    # https://zed.dev/docs/ai/mcp : "context_servers" in the settings file, custom servers with
    # command/args/env, remote servers with url (+ headers). Settings file per OS and // comments:
    # https://zed.dev/docs/configuring-zed
    'zed': {
        'label': 'Zed',
        'format': 'jsonc',
        'servers_path': ('context_servers',),
        'servers_key': 'context_servers',
        'config_paths': {
            'Linux': '~/.config/zed/settings.json',
            'Darwin': '~/.config/zed/settings.json',
            'Windows': '%APPDATA%\\Zed\\settings.json',
        },
        'config_dir_env_linux': 'XDG_CONFIG_HOME',  # Linux only: $XDG_CONFIG_HOME/zed/settings.json
        'fields': ('command', 'args', 'env', 'url', 'type', 'headers'),
        'types': ('stdio', 'http'),
        'type_key': None,
        'type_always': False,
        'native_keys': {},
        'url_keys': {'*': 'url'},
        'read_url_keys': ('url',),
        'url_forbids': (),
        'name_re': DEFAULT_NAME_RE,
        'env_ref': None,  # no variable expansion documented for context_servers
        'remote_fields': ('url', 'type', 'headers'),
        'binaries': ('zed', 'zeditor'),
        'app_paths': {'Darwin': ('/Applications/Zed.app',)},
        'source': 'https://zed.dev/docs/ai/mcp',
    },
}

CLIENT_NAMES = sorted(CLIENTS)


class ClientError(Exception):
    pass


def get_client(name):
    try:
        return CLIENTS[name]
    except KeyError:
        raise ClientError('Unknown client %r; supported clients: %s.' % (name, ', '.join(CLIENT_NAMES)))


def current_system():
    """'Linux', 'Darwin' or 'Windows'."""
    return platform.system()


def _pathmod(system):
    return ntpath if system == 'Windows' else posixpath


def expand_path(template, home, environ=None):
    """Expand '~' to home and %VAR% to environment values (Windows templates)."""
    environ = os.environ if environ is None else environ
    if template.startswith('%'):
        var, _sep, rest = template[1:].partition('%')
        base = environ.get(var)
        if not base:
            raise ClientError('Environment variable %s is not set; pass config_path explicitly.' % var)
        return base + rest
    if template == '~' or template.startswith('~/'):
        return os.path.join(home, template[2:]) if template != '~' else home
    return template


def _path_for(client, table_key, home, system=None, environ=None):
    system = system or current_system()
    table = client.get(table_key, {})
    if system not in table:
        raise ClientError('%s has no known %s on %s; pass it explicitly.'
                          % (client['label'], table_key.replace('_', ' ').rstrip('s'), system))
    alt = client.get(table_key + '_alt', {}).get(system)
    if alt:
        try:
            alt_path = expand_path(alt, home, environ)
        except ClientError:
            alt_path = None
        if alt_path and os.path.isdir(os.path.dirname(alt_path)):
            return alt_path
    return expand_path(table[system], home, environ)


def default_config_path(client, home, system=None, environ=None):
    """The user-scope config file; a set config_dir_env (CODEX_HOME) or XDG_CONFIG_HOME (Zed on Linux) moves it."""
    system = system or current_system()
    env = os.environ if environ is None else environ
    template = client.get('config_paths', {}).get(system)
    for key in ('config_dir_env',) + (('config_dir_env_linux',) if system == 'Linux' else ()):
        var = client.get(key)
        if var and env.get(var) and template:
            base = env[var]
            if key == 'config_dir_env_linux':
                # $XDG_CONFIG_HOME/zed/settings.json: keep the last two parts of the default.
                tail = template.split('/')[-2:]
                return _pathmod(system).join(base, *tail)
            return _pathmod(system).join(base, template.replace('\\', '/').split('/')[-1])
    return _path_for(client, 'config_paths', home, system, environ)


def default_log_dir(client, home, system=None, environ=None):
    return _path_for(client, 'log_dirs', home, system, environ)


def client_scopes(row):
    """Scope names of a row ('user' first)."""
    scopes = row.get('scopes') or {'user': None}
    return sorted(scopes, key=lambda s: (s != 'user', s))


def config_location(row, home, scope='user', project_path=None, system=None, environ=None):
    """(config file path, servers_path tuple) for a scope of a client.

    ClientError naming the client and its scopes for a scope it lacks, or when a project scope has no
    (absolute) project_path.
    """
    scope = scope or 'user'
    scopes = row.get('scopes') or {'user': None}
    if scope not in scopes:
        raise ClientError('%s has no %r scope; its scopes: %s.' % (row['label'], scope, ', '.join(client_scopes(row))))
    spec = scopes[scope] or {}
    servers_path = tuple(spec.get('servers_path') or row['servers_path'])
    template = spec.get('path')
    needs_project = bool(template and '{project}' in template) or '{project}' in servers_path
    system = system or current_system()
    paths = _pathmod(system)
    if needs_project:
        if not project_path:
            raise ClientError("%s's %s scope needs project_path (the project's absolute directory)."
                              % (row['label'], scope))
        if not paths.isabs(project_path):
            raise ClientError("%s's %s scope needs an absolute project_path, got %r."
                              % (row['label'], scope, project_path))
        project = paths.normpath(project_path)
        servers_path = tuple(project if part == '{project}' else part for part in servers_path)
    if template:
        rest = template.replace('{project}', '', 1).lstrip('/')
        return paths.join(project, *rest.split('/')), servers_path
    return default_config_path(row, home, system, environ), servers_path


def _url_key(row, kind):
    keys = row.get('url_keys') or {}
    return keys.get(kind) or keys.get('*') or 'url'


def _native_key(row, field):
    return (row.get('native_keys') or {}).get(field, field)


def implied_type(row, canonical):
    """The type the client will use for a canonical entry (given or implied), or None when unknown."""
    kind = canonical.get('type')
    if kind:
        return kind
    if canonical.get('command'):
        return 'stdio'
    if canonical.get('url'):
        return row.get('url_type_default')
    return None


def to_native(row, canonical):
    """Canonical entry (empty fields omitted) -> the entry in the client's own spelling.

    ClientError for a field the client does not support (call field_problems first for the sentences).
    """
    unsupported = [f for f in CANONICAL_FIELDS if canonical.get(f) not in (None, '', [], {})
                   and f not in row['fields'] and not (f == 'type' and canonical.get(f) in row.get('types', ()))]
    if unsupported:
        raise ClientError('%s does not support %s.' % (row['label'], ', '.join(repr(f) for f in unsupported)))
    native = {}
    kind = canonical.get('type')
    type_key = row.get('type_key')
    if type_key:
        written = kind
        if not written and (row.get('type_always') or canonical.get('url')):
            written = implied_type(row, canonical)
        if written:
            native[type_key] = written
    for field in CANONICAL_FIELDS[1:]:
        value = canonical.get(field)
        if value in (None, '', [], {}):
            continue
        if field == 'url':
            native[_url_key(row, kind or '*')] = value
        else:
            native[_native_key(row, field)] = value
    return native


def from_native(row, native):
    """Native entry -> canonical entry (managed fields only, empty ones omitted)."""
    canonical = {}
    type_key = row.get('type_key')
    if type_key and native.get(type_key) not in (None, ''):
        canonical['type'] = native[type_key]
    for field in CANONICAL_FIELDS[1:]:
        if field == 'url':
            for key in row.get('read_url_keys', ()):
                if native.get(key) not in (None, ''):
                    canonical['url'] = native[key]
                    inferred = (row.get('url_key_types') or {}).get(key)
                    if inferred and 'type' not in canonical:
                        canonical['type'] = inferred
                    break
            continue
        value = native.get(_native_key(row, field))
        if value not in (None, '', [], {}):
            canonical[field] = value
    return dict((f, canonical[f]) for f in CANONICAL_FIELDS if f in canonical)


def managed_keys(row):
    """Native keys the collection manages in an entry; every other key is an unknown key it keeps."""
    keys = []
    if row.get('type_key'):
        keys.append(row['type_key'])
    for field in CANONICAL_FIELDS[1:]:
        if field not in row['fields']:
            continue
        if field == 'url':
            for key in list(row.get('read_url_keys', ())) + sorted(set((row.get('url_keys') or {}).values())):
                if key not in keys:
                    keys.append(key)
        else:
            keys.append(_native_key(row, field))
    return tuple(keys)


def _supported_text(row):
    return ', '.join(row['fields'])


def field_problems(row, canonical, label):
    """Sentences for fields, type values or combinations the client cannot take, each naming the client."""
    problems = []
    name = row['label']
    for field in CANONICAL_FIELDS:
        value = canonical.get(field)
        if value in (None, '', [], {}) or field in row['fields']:
            continue
        if field == 'type' and value in row.get('types', ()):
            continue  # a type the client infers from the entry is accepted and not written
        hint = row.get('remote_hint') if field in REMOTE_FIELDS and row.get('remote_hint') else \
            '%s supports: %s.' % (name, _supported_text(row))
        problems.append('%s: %s does not support %r in its config. %s' % (label, name, field, hint))
    kind = canonical.get('type')
    if kind not in (None, '') and 'type' in row['fields']:
        types = row.get('types', ())
        if kind not in types:
            problems.append('%s: %s does not support type %r; it supports type %s.'
                            % (label, name, kind, ' or '.join(types)))
        elif kind == 'stdio' and canonical.get('url'):
            problems.append('%s: type stdio needs command, not url; for a remote server use type %s.'
                            % (label, ' or '.join(t for t in types if t != 'stdio')))
        elif kind != 'stdio' and canonical.get('command'):
            problems.append('%s: type %s needs url, not command; for a local server use type stdio.' % (label, kind))
    if canonical.get('url'):
        for field in row.get('url_forbids', ()):
            if canonical.get(field) not in (None, '', [], {}):
                problems.append('%s: %s does not allow %r on a URL entry; it sends only url and headers to a '
                                'remote server (set %s on the server side, or run it as a stdio command).'
                                % (label, name, field, field))
    return problems


def name_problem(row, name):
    """Why the client cannot take name as a new server name (only the reason, without the name: the engine says
    'invalid name "<name>": <reason>'), or None."""
    pattern = row.get('name_re') or DEFAULT_NAME_RE
    if isinstance(name, str) and re.match(pattern, name):
        return None
    if pattern == DEFAULT_NAME_RE:
        return '%s takes only letters, digits, "_" and "-" in a new server name' % row['label']
    return '%s takes only new server names matching %s' % (row['label'], pattern)


def entry_timeout(row, native):
    """Seconds of an entry's own `timeout` key, read in the row's 'timeout_unit' ('ms' for Gemini CLI; seconds when the
    row has none), or None when the entry has none or it is not a positive number."""
    value = native.get('timeout') if isinstance(native, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        return None
    if row.get('timeout_unit') == 'ms':
        return value / 1000.0
    return value


def env_ref_clients():
    """Labels of the clients that read a reference to an environment variable."""
    return [CLIENTS[n]['label'] for n in CLIENT_NAMES if CLIENTS[n].get('env_ref')]


def env_reference(row, var):
    """Text of a reference to environment variable var in the client's syntax.

    ClientError naming the clients that support references when this one does not.
    """
    if not isinstance(var, str) or not re.match(r'^[A-Za-z_][A-Za-z0-9_]*$', var):
        raise ClientError('Invalid environment variable name %r: use letters, digits and "_", not starting '
                          'with a digit.' % (var,))
    template = row.get('env_ref')
    if not template:
        forward = row.get('env_forward_keys')
        extra = ''
        if forward:
            extra = (' It forwards variables by name instead (%s).'
                     % ', '.join('%s for %s' % (v, k) for k, v in sorted(forward.items())))
        also = ''.join(' %s takes secret_env by name (%s) with secret_mode=env_ref.'
                       % (other['label'], other['env_forward_keys']['env'])
                       for other in (CLIENTS[n] for n in CLIENT_NAMES)
                       if other is not row and (other.get('env_forward_keys') or {}).get('env'))
        raise ClientError('%s cannot read a reference to an environment variable from its config.%s '
                          'Clients that can: %s.%s' % (row['label'], extra, ', '.join(env_ref_clients()), also))
    return template % var
