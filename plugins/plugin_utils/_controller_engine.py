# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller engine: run a config module's own code on the controller, move only bytes to and from the host.

The action plugins of the config modules (plugins/action/mcp_*.py) are this class with a module name and a kind.
With engine=host (the default on POSIX hosts) they run the module on the host exactly as the normal action does.
With engine=controller (the default on Windows hosts) they:

1. resolve the paths on the host (home or %APPDATA% of `user`, the client's default path, MSIX, symlinks),
2. read the files the module needs (the config; the backup directory for the backup modules; the policy files)
   into a private mirror on the controller that keeps the host's path layout (C:\\x -> <mirror>/C/x),
3. run the module's own main() there, in a child process of the controller's Python, with the same options
   pointing at the mirror - every rule (strict parse, BOM refusal, apply, render, redact, diff) is the module's,
4. push back only what changed: new directories, then new backups (and their .meta sidecars), then each edited
   file through a temp file in its own directory and an atomic replace that first checks the host file still
   holds the bytes that were read; on a change, the backups just written are removed and the whole edit is
   redone on fresh bytes (EDIT_ATTEMPTS times, then the file layer's own message),
5. return the module's result with every mirror path mapped back to the host's.

Nothing is written in check mode. Module results are already redacted; the bytes read from the host (which may
hold secrets) never leave this file except as files in the mirror, which is removed at the end.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.action.normal import ActionModule as NormalAction

from ansible_collections.mcpops.mcp.plugins.module_utils import _clients, _files
from ansible_collections.mcpops.mcp.plugins.plugin_utils._engine_hosts import (
    ConcurrentChange,
    HostError,
    HostFile,
    PosixHost,
    WindowsHost,
    sha1,
)

try:
    from ansible_collections.mcpops.mcp.plugins.module_utils import _policy
except ImportError:  # pragma: no cover - policy support not in this tree
    _policy = None

ENGINES = ('auto', 'host', 'controller')
BOM = b'\xef\xbb\xbf'
EDIT_ATTEMPTS = getattr(_files, 'EDIT_ATTEMPTS', 3)
META_SUFFIX = getattr(_files, 'META_SUFFIX', '.meta')
# Files the file layer keeps beside a config that are no part of its state: lock files and a dead writer's temp files.
SCRATCH_RE = re.compile(r'^\..*\.(lock|tmp)$')

# Which kind of module: what it reads and what it may write.
CONFIG, BACKUP, POLICY = 'config', 'backup', 'policy'


# ------------------------------------------------------------------------------------------------ choosing


def is_windows(connection):
    shell = getattr(connection, '_shell', None)
    if shell is None:
        return False
    family = getattr(shell, 'SHELL_FAMILY', None) or getattr(shell, '_shell_type', None)
    return bool(getattr(shell, '_IS_WINDOWS', False)) or family in ('powershell', 'cmd')


def choose_engine(option, windows):
    """'host' or 'controller' for the engine option; raises HostError for a choice that cannot work."""
    option = option or 'auto'
    if option not in ENGINES:
        raise HostError('engine must be one of %s, not %r.' % (', '.join(ENGINES), option))
    if option == 'auto':
        return 'controller' if windows else 'host'
    if option == 'host' and windows:
        raise HostError('engine=host cannot run on a Windows host: the modules are Python and Windows hosts run '
                        'PowerShell modules. Use engine=controller (the default there).')
    return option


# ------------------------------------------------------------------------------------------------ paths


class PathMap(object):
    """Host path <-> mirror path. POSIX: /a/b -> <root>/a/b. Windows: C:\\a\\b -> <root>/C/a/b, \\\\s\\x -> <root>/UNC/s/x."""

    def __init__(self, root, windows):
        self.root = root
        self.windows = windows
        self.known = {}

    def norm(self, host_path):
        if not self.windows:
            return os.path.normpath(host_path)
        path = host_path.replace('/', '\\')
        match = re.match(r'^([A-Za-z]):\\?(.*)$', path)
        if match:
            parts = [p for p in match.group(2).split('\\') if p and p != '.']
            return '%s:\\%s' % (match.group(1).upper(), '\\'.join(parts))
        if path.startswith('\\\\'):
            return '\\\\' + '\\'.join(p for p in path[2:].split('\\') if p)
        raise HostError('%s is not an absolute Windows path (C:\\... or \\\\server\\share\\...).' % host_path)

    def to_mirror(self, host_path):
        host_path = self.norm(host_path)
        if not self.windows:
            mirror = self.root + host_path
        elif host_path.startswith('\\\\'):
            mirror = '/'.join([self.root, 'UNC'] + host_path[2:].split('\\'))
        else:
            mirror = '/'.join([self.root, host_path[0]] + [p for p in host_path[3:].split('\\') if p])
        self.known[mirror] = host_path
        return mirror

    def to_host(self, mirror_path):
        if mirror_path in self.known:
            return self.known[mirror_path]
        rest = mirror_path[len(self.root):]
        if not self.windows:
            return rest or '/'
        parts = [p for p in rest.split('/') if p]
        if parts and parts[0] == 'UNC':
            return '\\\\' + '\\'.join(parts[1:])
        return '%s:\\%s' % (parts[0], '\\'.join(parts[1:])) if parts else rest

    def dirname(self, host_path):
        sep = '\\' if self.windows else '/'
        head = host_path.rsplit(sep, 1)[0]
        if self.windows and re.match(r'^[A-Za-z]:$', head):
            return head + '\\'
        return head or '/'

    def join(self, *parts):
        sep = '\\' if self.windows else '/'
        return sep.join([parts[0].rstrip(sep)] + [p.strip(sep) for p in parts[1:]])

    def ancestors(self, host_path):
        """host_path and its parents up to the root, nearest first."""
        out = [host_path]
        while True:
            parent = self.dirname(out[-1])
            if parent == out[-1]:
                return out
            out.append(parent)

    def map_text(self, text):
        """Every mirror path in text (longest known first, then any other under the root) as the host path."""
        if self.root not in text:
            return text
        for mirror in sorted(self.known, key=len, reverse=True):
            if mirror in text:
                text = text.replace(mirror, self.known[mirror])
        if self.root in text:
            text = re.sub(re.escape(self.root) + r'(/[^\s\'",;)]*)?', lambda m: self.to_host(m.group(0)), text)
        return text

    def map_result(self, value):
        if isinstance(value, dict):
            return dict((self.map_result(k), self.map_result(v)) for k, v in value.items())
        if isinstance(value, list):
            return [self.map_result(v) for v in value]
        if isinstance(value, str):
            return self.map_text(value)
        return value


def rewrite_meta(data, mapper):
    """A backup sidecar with its "source" path mapped (host <-> mirror); other bytes exactly as they were."""
    try:
        meta = json.loads(to_text(data))
        source = meta['source']
    except (ValueError, KeyError, TypeError):
        return data
    if not isinstance(source, str):
        return data
    try:
        mapped = mapper(source)
    except HostError:
        return data
    return data.replace(to_bytes(json.dumps(source)), to_bytes(json.dumps(mapped)))


# ------------------------------------------------------------------------------------------------ planning


class Plan(object):
    """What one run reads and may write on the host, in host paths."""

    def __init__(self):
        self.files = []          # files read (when they exist)
        self.content_dirs = []   # directories whose regular files are read
        self.dirs = []           # directories whose existence (and owner) matters
        self.targets = set()     # files written through the checked replace (configs, policy files)
        self.config_path = None  # the config as given or defaulted (symlinks kept)
        self.display = None      # the path named in our own messages
        self.args = {}           # the module's options, host paths replaced by mirror paths later
        self.path_options = []   # option names holding host paths
        self.new_owner = None    # (uid, gid) for new files and directories, or None
        self.backup_dir = None   # where the module keeps backups (known after the config's real path is read)
        self.kind = None
        self.facts = {}


def _client_default(args, facts, host):
    """(config path, MSIX-style alternative or None) on the host: the client table's answer for the host's OS."""
    client = _clients.get_client(args.get('client') or 'claude_desktop')
    scope = args.get('scope') or 'user'
    if facts['system'] == 'Windows' and scope != 'user':
        raise HostError('scope=%s is not available on Windows hosts yet (engine=controller); pass config_path for '
                        'the file and use scope=user.' % scope)
    try:
        if hasattr(_clients, 'config_location'):
            project = args.get('project_path')
            if project and facts['system'] != 'Windows':
                project = host.expand(project, facts)
            path = _clients.config_location(client, facts['home'], scope, project, system=facts['system'],
                                            environ=facts['env'])[0]
        else:
            path = _clients.default_config_path(client, facts['home'], system=facts['system'], environ=facts['env'])
    except _clients.ClientError as exc:
        raise HostError(str(exc))
    alt = client.get('config_paths_alt', {}).get(facts['system']) if scope == 'user' else None
    return path, (host.expand(alt, facts) if alt else None)


def plan_run(kind, args, facts, host, paths):
    plan = Plan()
    plan.args = dict(args)
    for key in ('engine', 'user'):
        plan.args.pop(key, None)
    if kind == POLICY:
        return _plan_policy(plan, args, facts, host, paths)
    if args.get('config_path'):
        config = host.expand(args['config_path'], facts)
    else:
        config, alt = _client_default(args, facts, host)
        if alt:
            # Microsoft Store (MSIX) build: its directory exists -> that file (the client table's rule).
            alt_dir = paths.dirname(paths.norm(alt))
            if host.survey([], [alt_dir])[1][alt_dir].is_dir:
                config = alt
    plan.config_path = paths.norm(config)
    plan.display = plan.config_path
    plan.files.append(plan.config_path)
    plan.path_options = ['config_path', 'backup_dir']
    plan.args['config_path'] = plan.config_path
    if args.get('backup_dir'):
        plan.args['backup_dir'] = paths.norm(host.expand(args['backup_dir'], facts))
    if kind == BACKUP:
        for key in ('src', 'dest', 'path'):
            if args.get(key):
                plan.args[key] = paths.norm(host.expand(args[key], facts))
                plan.path_options.append(key)
                plan.files.append(plan.args[key])  # dest too: an existing one with the same bytes is ok
    if facts.get('uid') is not None:
        plan.new_owner = (facts['uid'], facts['gid'])
    return plan


def _plan_policy(plan, args, facts, host, paths):
    if _policy is None:
        raise HostError('This collection has no policy support.')
    if args.get('policy_dir'):
        policy_dir = host.expand(args['policy_dir'], facts)
    else:
        name = args.get('client')
        if name not in _policy.VENDOR_NAMES:
            raise HostError('client must be one of %s.' % ', '.join(_policy.VENDOR_NAMES))
        row = _policy.vendor(name)
        if facts['system'] not in row['dirs']:
            raise HostError('%s has no known policy directory on %s; pass policy_dir.' % (row['label'], facts['system']))
        policy_dir = host.expand(row['dirs'][facts['system']], facts)
    policy_dir = paths.norm(policy_dir)
    plan.args['policy_dir'] = policy_dir
    plan.path_options = ['policy_dir', 'backup_dir']
    if args.get('backup_dir'):
        plan.args['backup_dir'] = paths.norm(host.expand(args['backup_dir'], facts))
    plan.backup_dir = plan.args.get('backup_dir') or paths.join(policy_dir, 'backups')
    plan.content_dirs = [policy_dir, paths.join(policy_dir, 'managed-settings.d')]
    plan.dirs = [plan.backup_dir]
    plan.display = policy_dir
    if facts.get('euid') == 0:
        plan.new_owner = (0, 0)  # system policy: root-owned, as the module makes it when it runs as root
    return plan


def command_queries(module_name, args):
    """(command, PATH or None) pairs the module's validate_command will most likely look up (mcp_server, mcp_servers).

    A guess to save round trips: a lookup the module makes that is not among them is answered on the host when
    the module asks (see RUNNER), so the guess only has to be good, not exact.
    """
    if args.get('validate_command') is False:
        return []
    if module_name.endswith('.mcp_server'):
        servers = [args]
    elif module_name.endswith('.mcp_servers'):
        servers = args.get('servers')
        if isinstance(servers, str):
            try:
                from ansible_collections.mcpops.mcp.plugins.module_utils._entries import parse_servers
                servers = parse_servers(servers)
            except Exception:
                servers = []
        servers = servers if isinstance(servers, list) else []
    else:
        return []
    queries = []
    for server in servers:
        if not isinstance(server, dict) or server.get('state', 'present') != 'present' or not server.get('command'):
            continue
        env = server.get('env') if isinstance(server.get('env'), dict) else {}
        secret_env = server.get('secret_env') if isinstance(server.get('secret_env'), dict) else {}
        path = secret_env.get('PATH', env.get('PATH'))
        query = (to_text(server['command']), None if path is None else to_text(path))
        if query not in queries:
            queries.append(query)
    return queries


# ------------------------------------------------------------------------------------------------ the local run

LOOKUP_MISS = 'MCPOPS-LOOKUP-MISS '
LOOKUP_MISS_RC = 86

# Runs in a child process of the controller's Python: the module's main() with the given options. With lookups,
# _commands.locate_command answers from the host's lookups, so validate_command checks the host's PATH, not the
# controller's; a lookup not in the table stops the run before anything is written (lookups come first in every
# module) and names itself, and the engine answers it on the host and runs the module again.
RUNNER = r"""
import json, os, runpy, sys
payload = json.loads(sys.stdin.read())
args = payload['args']
try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:
    import contextlib
    from ansible.module_utils import basic

    @contextlib.contextmanager
    def patch_module_args(args):
        args = dict(args)
        args.setdefault('_ansible_keep_remote_files', False)
        basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode('utf-8')
        yield
if payload.get('lookups') is not None:
    from ansible_collections.mcpops.mcp.plugins.module_utils import _commands
    table = dict((json.dumps([c, p]), tuple(v)) for c, p, v in payload['lookups'])

    def locate_command(command, path=None):
        key = json.dumps([command, path])
        if key not in table:
            sys.stderr.write(%r + key + '\n')
            sys.stderr.flush()
            os._exit(%d)
        return table[key]
    _commands.locate_command = locate_command
with patch_module_args(args):
    runpy.run_module(payload['module'], run_name='__main__', alter_sys=True)
""" % (LOOKUP_MISS, LOOKUP_MISS_RC)


def collections_root():
    """The directory holding ansible_collections/ for this file (the collection as Ansible loaded it)."""
    parts = os.path.abspath(__file__).split(os.sep)
    if 'ansible_collections' in parts:
        index = len(parts) - parts[::-1].index('ansible_collections') - 1
        return os.sep.join(parts[:index])
    return None


def run_local(module_name, args, workdir, lookups=None):
    """(result, missed lookup or None): the module's JSON result, run in a child process of this Python.

    stdin carries the options, so no secret is on a command line.
    """
    env = dict(os.environ)
    root = collections_root()
    if root:
        env['PYTHONPATH'] = os.pathsep.join([root] + [p for p in [env.get('PYTHONPATH')] if p])
    args = dict(args)
    args.setdefault('_ansible_remote_tmp', workdir)
    payload = dict(module='ansible_collections.%s.plugins.modules.%s' % tuple(module_name.rsplit('.', 1)),
                   args=args, lookups=lookups)
    proc = subprocess.Popen([sys.executable, '-c', RUNNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=workdir, env=env)
    out, err = proc.communicate(to_bytes(json.dumps(payload)))
    text, err = to_text(out), to_text(err)
    if proc.returncode == LOOKUP_MISS_RC and LOOKUP_MISS in err:
        line = err[err.index(LOOKUP_MISS) + len(LOOKUP_MISS):].splitlines()[0]
        return None, tuple(json.loads(line))
    try:
        return json.loads(text[text.index('{'):]), None
    except ValueError:
        # Not the module's JSON: a crash before it could answer. Its stderr holds no option value (they came on stdin).
        return dict(failed=True, msg='The module did not run on the controller (exit code %s): %s'
                    % (proc.returncode, err.strip()[-2000:] or text.strip()[-2000:])), None


# ------------------------------------------------------------------------------------------------ the mirror


class Snapshot(object):
    def __init__(self):
        self.files = {}      # host path -> HostFile (exists, data, mode, owner, real path)
        self.dirs = {}       # host path -> HostFile
        self.checksums = {}  # real host path -> sha1 of the bytes read ('' = no file)


def _wanted_dirs(paths, dirs, known=()):
    wanted = []
    for directory in dirs:
        for ancestor in paths.ancestors(directory):
            if ancestor not in wanted and ancestor not in known:
                wanted.append(ancestor)
    return sorted(wanted, key=len)


def pull(host, plan, paths):
    """Read what the plan needs from the host into a Snapshot."""
    snap = Snapshot()
    dirs = list(plan.dirs) + list(plan.content_dirs)
    for path in plan.files:
        dirs.append(paths.dirname(path))
        if plan.kind in (CONFIG, BACKUP) and path == plan.config_path and not plan.args.get('backup_dir'):
            dirs.append(paths.join(paths.dirname(path), 'backups'))  # right unless the config is a symlink
        elif plan.args.get('backup_dir'):
            dirs.append(plan.args['backup_dir'])
    files, snap.dirs = host.survey(plan.files, _wanted_dirs(paths, dirs))
    for path in plan.files:
        info = files[path]
        info.real = paths.norm(info.real or path)
        if info.exists:
            info.data = host.read(path)
            if info.checksum and sha1(info.data) != info.checksum:
                raise ConcurrentChange('%s changed while it was being read.' % path)
        snap.files[path] = info
        snap.checksums[info.real] = sha1(info.data) if info.exists else ''
    more = [paths.dirname(info.real) for info in snap.files.values()]
    if plan.kind in (CONFIG, BACKUP):
        config = snap.files[plan.config_path]
        plan.backup_dir = plan.args.get('backup_dir') or paths.join(paths.dirname(config.real), 'backups')
        more.append(plan.backup_dir)
        if plan.kind == BACKUP:
            plan.content_dirs = [plan.backup_dir]
    wanted = _wanted_dirs(paths, more, snap.dirs)
    if wanted:
        snap.dirs.update(host.survey([], wanted)[1])
    for directory in plan.content_dirs:
        if not snap.dirs.get(directory, HostFile(directory)).is_dir:
            continue
        for name, info in sorted(host.read_dir(directory).items()):
            path = paths.join(directory, name)
            if SCRATCH_RE.match(name) or path in snap.files:
                continue
            info.path = info.real = path
            snap.files[path] = info
            snap.checksums[path] = sha1(info.data)
    return snap


def build_mirror(snap, paths):
    """The host's files and directories under paths.root, same layout; files get the host's mode (+ owner read)."""
    os.makedirs(paths.root)
    for path, info in sorted(snap.dirs.items(), key=lambda item: len(item[0])):
        if info.exists and info.is_dir:
            mirror = paths.to_mirror(path)
            if not os.path.isdir(mirror):
                os.makedirs(mirror)
            if info.mode is not None:
                os.chmod(mirror, info.mode | 0o700)
    for path, info in snap.files.items():
        mirror = paths.to_mirror(path)
        real = paths.to_mirror(info.real)
        if info.exists:
            data = info.data
            if real.endswith(META_SUFFIX):
                data = rewrite_meta(data, paths.to_mirror)
            with open(real, 'wb') as handle:
                handle.write(data)
            os.chmod(real, (info.mode if info.mode is not None else 0o600) | 0o400)
        if real != mirror and not os.path.lexists(mirror):
            os.symlink(real, mirror)  # a symlinked config: the module writes through the link, as on the host


def scan_mirror(root):
    """({mirror path: (bytes, mode)} of regular files, set of directories) under root; scratch files left out."""
    files, dirs = {}, set()
    for directory, _subdirs, names in os.walk(root):
        dirs.add(directory)
        for name in names:
            path = os.path.join(directory, name)
            if SCRATCH_RE.match(name) or os.path.islink(path):
                continue
            with open(path, 'rb') as handle:
                files[path] = (handle.read(), os.stat(path).st_mode & 0o7777)
    return files, dirs


class Changes(object):
    def __init__(self):
        self.new_dirs = []   # (host path, mode), parents first
        self.new_files = []  # (host path, bytes, mode): backups, then their sidecars
        self.removed = []    # host paths (pruned backups)
        self.targets = []    # (host path, bytes or None = remove, mode, sha1 expected there, HostFile read or None)

    def __bool__(self):
        return bool(self.new_dirs or self.new_files or self.removed or self.targets)

    __nonzero__ = __bool__


def compare(snap, plan, paths, before_files, after_files, after_dirs):
    """What the module changed in the mirror, in host paths."""
    changes = Changes()
    read = dict((info.real, info) for info in snap.files.values() if info.exists)
    existing_dirs = set(paths.to_mirror(p) for p, info in snap.dirs.items() if info.exists)
    for mirror in sorted(after_dirs - existing_dirs, key=len):
        if mirror.startswith(paths.root + '/'):
            changes.new_dirs.append((paths.to_host(mirror), os.stat(mirror).st_mode & 0o7777))
    for mirror in sorted(set(before_files) | set(after_files)):
        before, after = before_files.get(mirror), after_files.get(mirror)
        if before == after:
            continue
        host_path = paths.to_host(mirror)
        data = after[0] if after else None
        mode = None
        if after:
            existing = read.get(host_path)
            # The host's own mode unless the module changed it (the mirror may have added owner read).
            mode = existing.mode if existing is not None and before and before[1] == after[1] else after[1]
        if data is not None and host_path.endswith(META_SUFFIX):
            data = rewrite_meta(data, paths.to_host)
        if host_path in plan.targets or _is_policy_target(plan, paths, host_path) or (before and after):
            if data is not None and data.startswith(BOM):
                raise HostError('Refusing to write %s with a byte-order mark.' % host_path)
            changes.targets.append((host_path, data, mode, snap.checksums.get(host_path, ''), read.get(host_path)))
        elif after is None:
            changes.removed.append(host_path)
        else:
            changes.new_files.append((host_path, data, mode))
    changes.new_files.sort(key=lambda item: (item[0].endswith(META_SUFFIX), item[0]))
    return changes


def _is_policy_target(plan, paths, host_path):
    if plan.kind != POLICY:
        return False
    return not (host_path == plan.backup_dir or host_path.startswith(plan.backup_dir + ('\\' if paths.windows else '/')))


def owner_for(plan, snap, paths, host_path):
    """(uid, gid) for a new file or directory on a POSIX host: the file layer's owner_for rule.

    user decides when given; else, when the host runs as root, the owner of the config (or, for a new config,
    of its nearest existing directory), so root never leaves files that lock the config's owner out.
    """
    if plan.new_owner is not None:
        return plan.new_owner
    if plan.facts.get('euid') != 0:
        return None, None
    start = sorted(plan.targets)[0] if plan.targets else host_path
    for ancestor in paths.ancestors(start):
        info = snap.files.get(ancestor) or snap.dirs.get(ancestor)
        if info is None:
            info = next((f for f in snap.files.values() if f.real == ancestor), None)
        if info is not None and info.exists and info.uid is not None:
            return info.uid, info.gid
    return None, None


def push(host, plan, snap, paths, changes):
    """Write the changes to the host: directories, backups, removals, then the checked replaces."""
    for path, mode in changes.new_dirs:
        host.make_dir(path, mode, *owner_for(plan, snap, paths, path))
    written = []
    try:
        for path, data, mode in changes.new_files:
            host.create_file(path, data, mode, *owner_for(plan, snap, paths, path))
            written.append(path)
        host.remove_files(changes.removed)
        for path, data, mode, expected, existing in changes.targets:
            if data is None:
                host.remove_checked(path, expected)
                continue
            if existing is not None and existing.uid is not None:
                uid, gid = existing.uid, existing.gid
            else:
                uid, gid = owner_for(plan, snap, paths, path)
            host.replace_file(path, data, 0o600 if mode is None else mode, uid, gid, expected)
    except ConcurrentChange:
        # As the file layer does: the backup of bytes that are no longer there is dropped, then the edit is redone.
        host.remove_files(written)
        raise


def concurrent_failure(display, last):
    """The file layer's own sentence for an edit that lost to another writer every time."""
    if hasattr(_files, '_concurrent_failure'):
        return str(_files._concurrent_failure(display, last))
    return ('%s was changed by another program %d times while we edited it; nothing was written. '
            'Retry when the client is idle. (%s)' % (display, EDIT_ATTEMPTS, last))


# ------------------------------------------------------------------------------------------------ the action


class ControllerEngineAction(NormalAction):
    """Action plugin of a config module: the module on the host (engine=host) or on the controller."""

    MODULE = None
    KIND = CONFIG
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        try:
            engine = choose_engine(self._task.args.get('engine'), is_windows(self._connection))
        except HostError as exc:
            return dict(failed=True, msg=str(exc))
        if engine == 'host':
            return NormalAction.run(self, tmp, task_vars)  # exactly what the task does without this plugin
        result = super(NormalAction, self).run(tmp, task_vars)  # ActionBase's checks (check mode, async support)
        if result.get('failed') or result.get('skipped'):
            return result
        if self._task.async_val:
            return dict(failed=True, msg='engine=controller does not run asynchronously; remove async from the task.')
        try:
            result.update(self.run_controller(task_vars or {}))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def make_host(self, task_vars):
        return (WindowsHost if is_windows(self._connection) else PosixHost)(self, task_vars)

    def run_controller(self, task_vars):
        workdir = tempfile.mkdtemp(prefix='mcpops-engine-')
        try:
            return self._run_in(workdir, self.make_host(task_vars), dict(self._task.args))
        except (HostError, AnsibleError) as exc:
            return dict(failed=True, msg=to_text(exc))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _run_in(self, workdir, host, args):
        facts = host.facts(args.get('user'))
        paths = PathMap(os.path.join(workdir, 'root'), host.windows)
        plan = plan_run(self.KIND, args, facts, host, paths)
        plan.kind = self.KIND
        plan.facts = facts
        lookups = None
        if self.MODULE.endswith(('.mcp_server', '.mcp_servers')) and args.get('validate_command') is not False:
            answers = host.lookup_commands(command_queries(self.MODULE, args), facts)
            lookups = [[c, p, list(v)] for (c, p), v in answers.items()]
        last = None
        attempt = 0
        while attempt < EDIT_ATTEMPTS:
            attempt += 1
            paths.root = os.path.join(tempfile.mkdtemp(prefix='run-', dir=workdir), 'root')
            paths.known = {}
            try:
                snap = pull(host, plan, paths)
            except ConcurrentChange as exc:
                last = exc
                continue
            if self.KIND != POLICY:
                plan.targets = set([snap.files[plan.config_path].real])
            build_mirror(snap, paths)
            before_files, _dirs = scan_mirror(paths.root)
            local_args = dict(plan.args)
            for key in plan.path_options:
                if local_args.get(key):
                    local_args[key] = paths.to_mirror(local_args[key])
            for path in plan.files + plan.content_dirs + plan.dirs + [plan.backup_dir]:
                paths.to_mirror(path)
            local_args.update(_ansible_check_mode=bool(self._task.check_mode), _ansible_diff=bool(self._task.diff),
                              _ansible_no_log=bool(self._task.no_log))
            result, missed = run_local(self.MODULE, local_args, os.path.dirname(paths.root), lookups)
            if missed is not None and len(lookups) < 100:
                # A lookup the guess did not cover: answer it on the host, then run again (nothing was written).
                lookups.extend([c, p, list(v)] for (c, p), v in host.lookup_commands([missed], facts).items())
                attempt -= 1
                continue
            after_files, after_dirs = scan_mirror(paths.root)
            for mirror in list(before_files) + list(after_files) + list(after_dirs):
                paths.known.setdefault(mirror, paths.to_host(mirror))  # every path the module may name
            mapped = paths.map_result(result)
            mapped.pop('invocation', None)
            if result.get('failed') or self._task.check_mode:
                return mapped
            changes = compare(snap, plan, paths, before_files, after_files, after_dirs)
            if not changes:
                return mapped
            try:
                push(host, plan, snap, paths, changes)
            except ConcurrentChange as exc:
                last = exc
                continue
            return mapped
        return dict(failed=True, msg='Cannot update %s: %s' % (plan.display, concurrent_failure(plan.display, last)))
