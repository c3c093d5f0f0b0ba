# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client table: which client, which OS -> which file, which key, which entry shape.

Clients are data, not code paths. Adding a client means adding a row here;
the modules never branch on a client name.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import platform

CLIENTS = {
    'claude_desktop': {
        'label': 'Claude Desktop',
        'servers_key': 'mcpServers',
        # Paths use '~' for the (resolved) home directory and %VAR% for Windows variables.
        'config_paths': {
            'Linux': '~/.config/Claude/claude_desktop_config.json',
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
        # Claude Desktop has no remote entries in this file; remote servers go through a bridge.
        'remote_fields': (),
        'remote_hint': ("Claude Desktop only runs stdio servers from its config file; reach a remote "
                        "server through the mcp-remote bridge instead: command 'npx', "
                        "args ['-y', 'mcp-remote', '<url>']."),
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
    return _path_for(client, 'config_paths', home, system, environ)


def default_log_dir(client, home, system=None, environ=None):
    return _path_for(client, 'log_dirs', home, system, environ)
