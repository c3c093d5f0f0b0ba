# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options every module shares, and how they resolve to paths and owners on the host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

try:
    import pwd
except ImportError:  # pragma: no cover - Windows controller-side use only
    pwd = None

from ansible_collections.mcpops.mcp.plugins.module_utils import _clients
from ansible_collections.mcpops.mcp.plugins.module_utils._clients import (
    CLIENT_NAMES,
    ClientError,
    default_config_path,
    default_log_dir,
    get_client,
)
from ansible_collections.mcpops.mcp.plugins.module_utils._config import Layout

SCOPES = ('user', 'local', 'project')


def common_argument_spec():
    """Shared options; merge into every module's argument_spec (module_defaults pass them to all)."""
    return dict(
        client=dict(type='str', default='claude_desktop', choices=CLIENT_NAMES),
        scope=dict(type='str', default='user', choices=list(SCOPES)),
        project_path=dict(type='path'),
        config_path=dict(type='path'),
        user=dict(type='str'),
        backup_dir=dict(type='path'),
    )


def with_common(spec):
    merged = common_argument_spec()
    merged.update(spec)
    return merged


ENGINES = ('auto', 'host', 'controller')


def engine_option():
    """The engine option of the modules with an action plugin (plugins/plugin_utils/_controller_engine.py).

    The action plugin reads it and decides where this code runs; the module itself ignores it."""
    return dict(type='str', default='auto', choices=list(ENGINES))


def row_layout(client, servers_path=None):
    """The Layout of a client row: its format and (unless given) its user-scope servers path.

    Rows made by hand (policy files) may give only servers_key (None: a file without servers)."""
    if servers_path is None:
        servers_path = client.get('servers_path')
        if servers_path is None and client.get('servers_key'):
            servers_path = (client['servers_key'],)
    return Layout(client.get('format', 'json'), servers_path)


class Context(object):
    """Resolved shared options: client row, config path and layout (format, servers path), owner, backup directory."""

    def __init__(self, client_name, client, config_path, home, uid, gid, backup_dir, user, layout=None,
                 scope='user', project_path=None):
        self.client_name = client_name
        self.client = client
        self.config_path = config_path
        self.home = home
        self.uid = uid
        self.gid = gid
        self.backup_dir = backup_dir
        self.user = user
        self.layout = layout or row_layout(client)
        self.scope = scope
        self.project_path = project_path

    @property
    def servers_key(self):
        """The Layout (older callers pass ctx.servers_key wherever a layout is taken)."""
        return self.layout

    def owner(self):
        """(uid, gid) new files should get, or (None, None) to keep the process's own."""
        return self.uid, self.gid

    def log_dir(self):
        return default_log_dir(self.client, self.home)


def user_account(user):
    """dict(user, uid, gid, home, shell) from user's passwd entry; ClientError when there is none."""
    if pwd is None:
        raise ClientError('The user option needs a POSIX host.')
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise ClientError('User %r does not exist on this host.' % user)
    return dict(user=entry.pw_name, uid=entry.pw_uid, gid=entry.pw_gid, home=entry.pw_dir, shell=entry.pw_shell)


def resolve_user(user):
    """Return (home, uid, gid) for user, or for the current process when user is None."""
    if user is None:
        return os.path.expanduser('~'), None, None
    account = user_account(user)
    uid, gid = account['uid'], account['gid']
    if os.geteuid() != 0 and os.geteuid() != uid:
        # Only root can give files away; as the same user there is nothing to change.
        raise ClientError('Managing the config of user %r needs become (root) or running as that user.' % user)
    return account['home'], uid, gid


def default_backup_dir(config_path):
    """backups/ beside the real file: a symlinked config keeps its backups next to its target."""
    return os.path.join(os.path.dirname(os.path.realpath(config_path)), 'backups')


def config_location(client, home, scope='user', project_path=None):
    """(path, servers_path) of the client's config for a scope: the client table's answer."""
    if hasattr(_clients, 'config_location'):
        return _clients.config_location(client, home, scope, project_path)
    if scope != 'user':  # until every client row carries its scopes
        raise ClientError('%s has only the user scope; scope=%s is not available.' % (client['label'], scope))
    return default_config_path(client, home), tuple(client.get('servers_path') or (client['servers_key'],))


def resolve_context(params):
    """Resolve the shared options from module params. Raises ClientError with a readable message.

    The scope (user, local, project; project_path for the last two) picks the file and the servers path in
    it, as the client table says; config_path replaces the file, the servers path stays the scope's.
    """
    client = get_client(params['client'])
    home, uid, gid = resolve_user(params.get('user'))
    scope = params.get('scope') or 'user'
    project_path = params.get('project_path')
    if project_path:
        project_path = os.path.abspath(os.path.expanduser(project_path))
    config_path = params.get('config_path')
    if config_path:
        config_path = os.path.abspath(os.path.expanduser(config_path))
    try:
        location, servers_path = config_location(client, home, scope, project_path)
    except ClientError:
        if not config_path or scope != 'user':
            raise
        # An explicit path where the client has no default for this OS: the user scope's servers path.
        location, servers_path = None, row_layout(client).servers_path
    config_path = config_path or location
    backup_dir = params.get('backup_dir')
    if backup_dir:
        backup_dir = os.path.abspath(os.path.expanduser(backup_dir))
    else:
        backup_dir = default_backup_dir(config_path)
    return Context(params['client'], client, config_path, home, uid, gid, backup_dir, params.get('user'),
                   layout=row_layout(client, servers_path), scope=scope, project_path=project_path)


def context_or_fail(module):
    try:
        return resolve_context(module.params)
    except ClientError as exc:
        module.fail_json(msg=str(exc))
