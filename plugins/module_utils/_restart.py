# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restarting a desktop MCP client in its user's graphical session.

The app table (per client and OS: process names, start command), finding the user's desktop session
(a process of the user carrying a local DISPLAY or WAYLAND_DISPLAY, else a loginctl x11/wayland session),
a graceful stop (SIGTERM, wait, SIGKILL after the grace period) and a start in the session's environment.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import signal
import subprocess
import time

from ansible_collections.mcpops.mcp.plugins.module_utils._commands import command_problem, locate_command

# Per client, per platform.system(): process names as the OS shows them (Linux: /proc comm, the basename of
# the executable or of argv[0]; comm is cut at 15 characters), optional command-line markers for an app
# run by a generic interpreter (Electron), and the command that starts it in the user's session.
#   Linux: the .deb/.rpm packages (Anthropic's own apt repo and the community claude-desktop-debian builds)
#   install /usr/bin/claude-desktop (the Electron binary or a launcher script); builds that reuse the system
#   Electron run `electron /usr/lib/claude-desktop/app.asar`.
#   macOS: /Applications/Claude.app/Contents/MacOS/Claude, started with LaunchServices (`open -a Claude`).
#   Windows: Claude.exe (%LOCALAPPDATA%\AnthropicClaude\claude.exe for the .exe installer, or
#   WindowsApps\Claude_<version>_x64__pzs8sxrjxfjjc\app\Claude.exe for the MSIX package). The Claude Code CLI is a
#   claude.exe too, so the name alone is not enough there: the path markers tell them apart. Listed for reference:
#   Windows hosts cannot run this Python module.
CLIENT_APPS = {
    'claude_desktop': {
        'Linux': {'app': 'Claude Desktop (Linux build)', 'names': ['claude-desktop'],
                  'interpreters': ['electron'], 'markers': ['/claude-desktop/'],
                  'start': ['claude-desktop']},
        'Darwin': {'app': 'Claude.app', 'names': ['Claude'], 'interpreters': [],
                   'markers': ['/Claude.app/Contents/MacOS/'], 'start': ['open', '-a', 'Claude']},
        'Windows': {'app': 'Claude.exe', 'names': ['Claude.exe'], 'interpreters': [],
                    'markers': ['\\AnthropicClaude\\', '\\WindowsApps\\Claude_'],
                    'start': ['%LOCALAPPDATA%\\AnthropicClaude\\claude.exe']},
    },
}

COMM_LEN = 15
SESSION_TYPES = ('x11', 'wayland')
# What a start needs from the session beyond DISPLAY/WAYLAND_DISPLAY; a process carrying more of these is
# a better witness of the session (a terminal or the desktop shell rather than a stray helper).
SESSION_KEYS = ('DISPLAY', 'WAYLAND_DISPLAY', 'XDG_RUNTIME_DIR', 'DBUS_SESSION_BUS_ADDRESS', 'XAUTHORITY',
                'XDG_SESSION_TYPE', 'XDG_CURRENT_DESKTOP')
_LOCAL_DISPLAY = re.compile(r'^(unix)?:\d+(\.\d+)?$')


class RestartError(Exception):
    """A restart that cannot be done as asked; the message says why and what to do."""


def app_for(client, system):
    """The table row of client on system; None when the client has no desktop app there."""
    return CLIENT_APPS.get(client, {}).get(system)


def is_local_display(value):
    """True for an X display of this machine (:0, :1.0, unix:0); ssh -X forwards (localhost:10.0) are not a desktop."""
    return bool(value) and bool(_LOCAL_DISPLAY.match(value))


def is_session_env(environ):
    return is_local_display(environ.get('DISPLAY', '')) or bool(environ.get('WAYLAND_DISPLAY'))


class Proc(object):
    """One process: pid, uid, comm (as the kernel cut it), exe path, argv, environ and start time (identity)."""

    def __init__(self, pid, uid, comm, exe='', argv=None, environ=None, start=''):
        self.pid = pid
        self.uid = uid
        self.comm = comm
        self.exe = exe or ''
        self.argv = list(argv or [])
        self.environ = dict(environ or {})
        self.start = start

    def __repr__(self):
        return 'Proc(%d, %s)' % (self.pid, self.comm)


def matches_app(proc, row):
    """Whether proc is an instance of the app in the table row."""
    names = row['names']
    candidates = [proc.comm, os.path.basename(proc.exe), os.path.basename(proc.argv[0]) if proc.argv else '']
    for name in names:
        if name in candidates or (len(name) > COMM_LEN and proc.comm == name[:COMM_LEN]):
            return True
    # An app run by a generic interpreter (electron app.asar) is known by its command line only.
    if any(c and c.startswith(i) for c in candidates for i in row.get('interpreters', ())):
        cmdline = ' '.join(proc.argv)
        return any(marker in cmdline for marker in row.get('markers', ()))
    return False


def app_processes(procs, uid, row):
    """The app's processes owned by uid, oldest pid first."""
    return sorted((p for p in procs if p.uid == uid and matches_app(p, row)), key=lambda p: p.pid)


def _session_score(proc):
    return (sum(1 for k in SESSION_KEYS if proc.environ.get(k)), -proc.pid)


def session_from_processes(procs, uid, row=None, exclude_pids=()):
    """dict(kind, display, source, pid, env) of uid's desktop session, or None.

    A process of uid whose environment carries a local DISPLAY or a WAYLAND_DISPLAY witnesses the session;
    the client's own processes count only when nothing else does (they die in the restart).
    """
    witnesses = [p for p in procs if p.uid == uid and p.pid not in exclude_pids and is_session_env(p.environ)]
    if not witnesses:
        return None
    others = [p for p in witnesses if row is None or not matches_app(p, row)]
    best = max(others or witnesses, key=_session_score)
    env = best.environ
    kind = 'wayland' if env.get('WAYLAND_DISPLAY') else 'x11'
    return dict(kind=kind, display=env.get('WAYLAND_DISPLAY') or env.get('DISPLAY'), source='process',
                pid=best.pid, process=best.comm, env=dict(env))


def parse_properties(text):
    """`loginctl show-session` output (KEY=value lines) -> dict."""
    props = {}
    for line in (text or '').splitlines():
        if '=' in line:
            key, value = line.split('=', 1)
            props[key.strip()] = value.strip()
    return props


def parse_session_ids(text, uid):
    """Session ids of uid from `loginctl list-sessions --no-legend` (SESSION UID USER SEAT TTY ...)."""
    ids = []
    for line in (text or '').splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] == str(uid):
            ids.append(parts[0])
    return ids


def graphical_session(props, uid):
    """True when loginctl's properties describe a local, live x11/wayland session of uid."""
    return (props.get('Type') in SESSION_TYPES and props.get('User', str(uid)) == str(uid)
            and props.get('Remote', 'no') != 'yes' and props.get('State', 'active') in ('active', 'online'))


def session_env_from_loginctl(props, account, exists=os.path.exists):
    """The environment a start in a loginctl session gets: what the session's runtime directory shows."""
    runtime = '/run/user/%d' % account['uid']
    env = {'HOME': account['home'], 'USER': account['user'], 'LOGNAME': account['user'],
           'PATH': '/usr/local/bin:/usr/bin:/bin', 'XDG_SESSION_TYPE': props.get('Type', '')}
    if exists(runtime):
        env['XDG_RUNTIME_DIR'] = runtime
        if exists(runtime + '/bus'):
            env['DBUS_SESSION_BUS_ADDRESS'] = 'unix:path=%s/bus' % runtime
    if props.get('Display'):
        env['DISPLAY'] = props['Display']
    if props.get('Type') == 'wayland' and exists(runtime + '/wayland-0'):
        env['WAYLAND_DISPLAY'] = 'wayland-0'
    return env


def session_from_loginctl(uid, account, run=None):
    """The first live graphical loginctl session of uid as a session dict, or None (no loginctl: None)."""
    run = run or _run_text
    listing = run(['loginctl', 'list-sessions', '--no-legend'])
    if listing is None:
        return None
    for session_id in parse_session_ids(listing, uid):
        props = parse_properties(run(['loginctl', 'show-session', session_id, '-p', 'Type', '-p', 'Display',
                                      '-p', 'Remote', '-p', 'State', '-p', 'User']))
        if graphical_session(props, uid):
            env = session_env_from_loginctl(props, account)
            if not is_session_env(env):
                continue
            return dict(kind=props['Type'], display=env.get('WAYLAND_DISPLAY') or env.get('DISPLAY'),
                        source='loginctl', pid=None, process='session %s' % session_id, env=env)
    return None


def _run_text(argv):
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=10, check=False,
                              env={'PATH': '/usr/bin:/bin:/usr/sbin:/sbin', 'LC_ALL': 'C'})
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode('utf-8', 'replace')


# --------------------------------------------------------------------------------------------
# Reading processes


def _read(path):
    with open(path, 'rb') as handle:
        return handle.read()


def _split_nul(data):
    return [part.decode('utf-8', 'replace') for part in data.split(b'\0') if part]


def read_proc(pid, with_environ=True):
    """Proc for /proc/<pid>, or None when it is gone (or unreadable: not ours and we are not root)."""
    base = '/proc/%d' % pid
    try:
        stat = _read(base + '/stat').decode('utf-8', 'replace')
        uid = os.stat(base).st_uid
        comm = stat[stat.index('(') + 1:stat.rindex(')')]
        fields = stat[stat.rindex(')') + 2:].split()
        state, start = fields[0], fields[19]
        argv = _split_nul(_read(base + '/cmdline'))
    except (IOError, OSError, ValueError, IndexError):
        return None
    if state in ('Z', 'X'):
        return None
    try:
        exe = os.readlink(base + '/exe')
    except OSError:
        exe = ''
    environ = {}
    if with_environ:
        try:
            for item in _split_nul(_read(base + '/environ')):
                if '=' in item:
                    key, value = item.split('=', 1)
                    environ[key] = value
        except (IOError, OSError):
            pass
    return Proc(pid, uid, comm, exe, argv, environ, start)


def read_processes(uid=None):
    """Every process we can read (only uid's when given); Linux /proc, else ps (no environments there)."""
    procs = []
    if os.path.isdir('/proc/self') and os.path.exists('/proc/self/stat'):
        for name in os.listdir('/proc'):
            if not name.isdigit():
                continue
            pid = int(name)
            if pid == os.getpid():
                continue
            try:
                if uid is not None and os.stat('/proc/' + name).st_uid != uid:
                    continue
            except OSError:
                continue
            proc = read_proc(pid)
            if proc is not None:
                procs.append(proc)
        return procs
    out = _run_text(['ps', '-axww', '-o', 'pid=,uid=,comm='])
    for line in (out or '').splitlines():
        parts = line.strip().split(None, 2)
        if len(parts) == 3 and parts[0].isdigit() and int(parts[0]) != os.getpid():
            if uid is None or parts[1] == str(uid):
                procs.append(Proc(int(parts[0]), int(parts[1]), os.path.basename(parts[2]), parts[2], [parts[2]]))
    return procs


def console_session(account, run=None):
    """macOS: the user who owns /dev/console is the one logged in at the screen."""
    try:
        owner = os.stat('/dev/console').st_uid
    except OSError:
        return None
    if owner != account['uid']:
        return None
    env = {'HOME': account['home'], 'USER': account['user'], 'LOGNAME': account['user'],
           'PATH': '/usr/bin:/bin:/usr/sbin:/sbin'}
    return dict(kind='aqua', display='console', source='console', pid=None, process='/dev/console', env=env)


def find_session(system, account, row, procs):
    """The user's desktop session on this host, or None."""
    if system == 'Darwin':
        return console_session(account)
    return session_from_processes(procs, account['uid'], row) or session_from_loginctl(account['uid'], account)


# --------------------------------------------------------------------------------------------
# Stopping and starting


def _alive(proc):
    """Whether proc still runs (and is the same process: same start time, not a zombie)."""
    if os.path.isdir('/proc/self'):
        now = read_proc(proc.pid, with_environ=False)
        return now is not None and (not proc.start or now.start == proc.start)
    try:
        os.kill(proc.pid, 0)
    except OSError:
        return False
    return True


def stop_processes(procs, grace_period, alive=_alive, poll=0.1):
    """SIGTERM every process, wait up to grace_period seconds, SIGKILL the ones still running.

    Returns a list of dict(pid, name, signal) in pid order; signal is the last one it needed.
    A pid is only signalled while its start time matches (a reused pid is left alone).
    """
    stopped = []
    pending = [p for p in procs if alive(p)]
    for proc in pending:
        try:
            os.kill(proc.pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + grace_period
    while True:
        still = []
        for proc in pending:
            if alive(proc):
                still.append(proc)
            else:
                stopped.append(dict(pid=proc.pid, name=proc.comm, signal='SIGTERM'))
        pending = still
        if not pending or time.monotonic() >= deadline:
            break
        time.sleep(poll)
    for proc in pending:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        stopped.append(dict(pid=proc.pid, name=proc.comm, signal='SIGKILL'))
    end = time.monotonic() + 5
    while any(alive(p) for p in pending) and time.monotonic() < end:
        time.sleep(poll)
    survivors = [p.pid for p in pending if alive(p)]
    if survivors:
        raise RestartError('process(es) %s of the client survived SIGKILL (stuck in the kernel?); '
                           'nothing was started.' % ', '.join(map(str, survivors)))
    return sorted(stopped, key=lambda s: s['pid'])


def start_environment(session_env, account):
    """The session's environment with the user's identity (HOME, USER, LOGNAME) made sure."""
    env = dict(session_env)
    env['HOME'] = account['home']
    env['USER'] = env['LOGNAME'] = account['user']
    env.setdefault('PATH', '/usr/local/bin:/usr/bin:/bin')
    return env


def resolve_start(argv, env):
    """argv with argv[0] resolved on the session's PATH; RestartError naming the PATH when it is not there."""
    if not argv:
        raise RestartError('no start command for this client on this OS; set start_command.')
    resolved, reason = locate_command(argv[0], env.get('PATH'))
    if reason:
        raise RestartError('cannot start the client: ' + command_problem(argv[0], reason, resolved, env.get('PATH')))
    return [resolved] + list(argv[1:])


# Run as the user (never root writing into the user's home, where a symlink could redirect it): make the log
# directory, start a fresh log (0600), fall back to /dev/null when that fails, then exec the client.
_LAUNCHER = ('umask 077; log="$0"; mkdir -p -- "${log%/*}" 2>/dev/null; '
             '{ : >"$log"; } 2>/dev/null || log=/dev/null; exec "$@" </dev/null >>"$log" 2>&1')


def launch(argv, env, account, log_path):
    """Start argv detached (own session, output to log_path) as the account, through /bin/sh; returns Popen."""
    kwargs = {}
    if os.geteuid() == 0 and account['uid'] != 0:
        kwargs.update(user=account['uid'], group=account['gid'], extra_groups=account.get('groups') or [account['gid']])
    cwd = account['home'] if os.path.isdir(account['home']) else '/'
    return subprocess.Popen(['/bin/sh', '-c', _LAUNCHER, log_path] + list(argv), env=env, cwd=cwd,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, close_fds=True, **kwargs)


def wait_for_start(launched, find, before_pids, timeout, poll=0.1):
    """New app processes (not in before_pids) once one shows up; [] when none did within timeout.

    A launcher that exits 0 (open -a, a wrapper that forks) is fine as long as the app appears; one that
    exits non-zero before the app appears ends the wait early.
    """
    deadline = time.monotonic() + timeout
    while True:
        found = [p for p in find() if p.pid not in before_pids]
        if found:
            return found
        code = launched.poll()
        if (code is not None and code != 0) or time.monotonic() >= deadline:
            return []
        time.sleep(poll)


def tail_text(path, lines=5, limit=800):
    try:
        with open(path, 'rb') as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 8192))
            text = handle.read().decode('utf-8', 'replace')
    except (IOError, OSError):
        return ''
    return '\n'.join(text.strip().splitlines()[-lines:])[-limit:]
