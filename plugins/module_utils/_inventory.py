# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which MCP clients a user has on a host: config files, config directories, programs, app bundles.

Read-only. Each client's config is parsed through the codec of its row's format (JSON, JSONC, TOML) and
its servers counted at the row's servers_path; nothing is ever written, renamed or locked.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.mcpops.mcp.plugins.module_utils._clients import (
    CLIENT_NAMES,
    ClientError,
    current_system,
    default_config_path,
    expand_path,
    get_client,
)
from ansible_collections.mcpops.mcp.plugins.module_utils._commands import locate_command
from ansible_collections.mcpops.mcp.plugins.module_utils._errors import ConfigError
from ansible_collections.mcpops.mcp.plugins.module_utils._files import read_bytes
from ansible_collections.mcpops.mcp.plugins.module_utils._jsonparse import parse as parse_json


class CodecUnavailable(Exception):
    """The host cannot parse this format (codec module or library missing); validity is unknown."""


def parse_document(data, path, fmt):
    """Decoded document of config bytes in the row's format. ConfigError when invalid, CodecUnavailable when
    this host has no parser for the format."""
    if fmt == 'toml':
        try:
            from ansible_collections.mcpops.mcp.plugins.module_utils import _tomledit  # pylint: disable=import-outside-toplevel
            return _tomledit.parse(data, path, flavor='toml')[0]
        except ImportError as exc:  # also _tomledit.MissingLibrary('tomlkit')
            raise CodecUnavailable('cannot check TOML on this host (%s); install the Python library tomlkit.'
                                   % (getattr(exc, 'name', None) or exc))
    return parse_json(data, path, flavor=fmt)[0]


def count_servers(document, servers_path, path):
    """(number of servers, their names) at servers_path; ConfigError when something on the way is not an object."""
    node = document
    walked = []
    for key in servers_path:
        if not isinstance(node, dict):
            raise ConfigError('%s is not an object, so it cannot hold the servers.'
                              % ('.'.join(walked) or 'the document'), path)
        walked.append(key)
        if key not in node:
            return 0, []
        node = node[key]
    if not isinstance(node, dict):
        raise ConfigError('%s is not an object, so it cannot hold the servers.' % '.'.join(walked), path)
    return len(node), [str(name) for name in node]


def config_report(row, path):
    """dict(exists, size, valid, error, server_count, servers) for one config file."""
    report = dict(exists=False, size=None, valid=None, error=None, server_count=None, servers=[])
    if not path or not os.path.isfile(path):
        return report
    report['exists'] = True
    try:
        report['size'] = os.path.getsize(path)
        data = read_bytes(path)
    except (IOError, OSError) as exc:
        report['error'] = 'Cannot read %s: %s' % (path, exc.strerror or exc)
        return report
    try:
        document = parse_document(data or b'', path, row['format'])
        count, names = count_servers(document, row['servers_path'], path)
    except ConfigError as exc:
        report.update(valid=False, error=str(exc))
        return report
    except CodecUnavailable as exc:
        report['error'] = '%s: %s' % (path, exc)
        return report
    report.update(valid=True, server_count=count, servers=names)
    return report


def _expanded(template, home, environ):
    try:
        return expand_path(template, home, environ)
    except ClientError:
        return None


def client_report(name, home, system=None, environ=None, search_path=None):
    """One inventory item: is the client installed for the user whose home is `home`, and its config."""
    row = get_client(name)
    system = system or current_system()
    environ = os.environ if environ is None else environ
    evidence = []
    error = None
    try:
        path = default_config_path(row, home, system, environ)
    except ClientError as exc:
        path, error = None, str(exc)
    if path and os.path.isfile(path):
        evidence.append('config_file')
    config_dir = os.path.dirname(path) if path else None
    if config_dir and os.path.normpath(config_dir) != os.path.normpath(home) and os.path.isdir(config_dir):
        evidence.append('config_dir')
    for marker in row.get('marker_paths', ()):
        marker_path = _expanded(marker, home, environ)
        if marker_path and os.path.exists(marker_path):
            evidence.append('marker:%s' % marker_path)
    binaries = []
    for binary in row.get('binaries', ()):
        resolved, reason = locate_command(binary, search_path)
        if resolved and reason is None:
            binaries.append(resolved)
            evidence.append('binary:%s' % resolved)
    apps = []
    for app in row.get('app_paths', {}).get(system, ()):
        app_path = _expanded(app, home, environ)
        if app_path and os.path.exists(app_path):
            apps.append(app_path)
            evidence.append('app:%s' % app_path)
    item = dict(name=name, label=row['label'], installed=bool(evidence), evidence=evidence, config_path=path,
                format=row['format'], servers_path=list(row['servers_path']), binaries=binaries, apps=apps,
                source=row.get('source'))
    item.update(config_report(row, path))
    if error and not item['error']:
        item['error'] = error
    return item


# Per-user program directories searched after PATH (a run with become has root's PATH, not the user's);
# the Claude Code native installer puts claude in ~/.local/bin.
USER_BIN_DIRS = ('~/.local/bin', '~/bin', '~/.npm-global/bin')


def user_search_path(home, environ=None):
    """PATH followed by the user's own program directories."""
    environ = os.environ if environ is None else environ
    dirs = [d for d in environ.get('PATH', os.defpath).split(os.pathsep) if d]
    dirs += [os.path.join(home, d[2:]) for d in USER_BIN_DIRS]
    return os.pathsep.join(dirs)


def client_inventory(names=None, home=None, system=None, environ=None, search_path=None):
    """Inventory items for the named clients (default: every client), in CLIENT_NAMES order."""
    wanted = CLIENT_NAMES if not names else [n for n in CLIENT_NAMES if n in names]
    if search_path is None:
        search_path = user_search_path(home, environ)
    return [client_report(name, home, system, environ, search_path) for name in wanted]
