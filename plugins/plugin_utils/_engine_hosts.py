# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller engine's view of a host: the few operations it needs, spoken to POSIX or Windows hosts.

PosixHost uses ansible.builtin modules (slurp, copy, file) and short sh commands (facts, survey, the checked
rename); WindowsHost uses ansible.windows modules (win_stat, slurp, win_copy, win_file, win_powershell with the
scripts below). _controller_engine.py decides what to read and write; this file only knows how.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import os
import re
import shlex
import uuid

from ansible.module_utils.common.text.converters import to_text

USER_NAME_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$')
# The module process's environment variables the client table reads for default paths.
HOST_ENV = ('CODEX_HOME', 'XDG_CONFIG_HOME')


class HostError(Exception):
    """A step on the host failed; the message says which and why (never a file's content)."""


class ConcurrentChange(Exception):
    pass


def sha1(data):
    return hashlib.sha1(data).hexdigest() if data is not None else ''


class HostFile(object):
    def __init__(self, path, exists=False, is_dir=False, data=None, mode=None, uid=None, gid=None, real=None):
        self.path = path
        self.exists = exists
        self.is_dir = is_dir
        self.data = data
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.real = real or path
        self.checksum = ''


class Host(object):
    """Module calls on the host through the action plugin; subclasses speak POSIX or Windows."""

    windows = False

    def __init__(self, action, task_vars):
        self.action = action
        self.task_vars = task_vars
        self.calls = []

    def module(self, name, args, secret=False):
        """Run module name with args on the host; HostError when it fails."""
        args = dict(args)
        if secret:
            args['_ansible_no_log'] = True
        self.calls.append(name)
        result = self.action._execute_module(module_name=name, module_args=args, task_vars=self.task_vars)
        if result.get('failed') or result.get('unreachable'):
            own = result.get('result') if isinstance(result.get('result'), dict) else {}
            if own.get('msg'):
                raise HostError(to_text(own['msg']))  # our script's own sentence
            raise HostError('%s on the host failed: %s' % (name.split('.')[-1], to_text(result.get('msg') or 'no reason given')))
        return result

    def tmpdir(self):
        action = self.action
        if action._connection._shell.tmpdir is None:
            action._make_tmp_path()
        return action._connection._shell.tmpdir

    def transfer(self, data):
        """data into a new file in the remote tmp dir (0700, removed at the end); its path."""
        path = self.action._connection._shell.join_path(self.tmpdir(), 'mcpops-%s' % uuid.uuid4().hex)
        self.action._transfer_data(path, data)
        return path


class PosixHost(Host):

    def shell(self, script, what):
        self.calls.append('shell:%s' % what)
        result = self.action._low_level_execute_command(script, sudoable=True)
        if result.get('rc') != 0:
            raise HostError('Cannot %s on the host: %s' % (what, to_text(result.get('stderr') or result.get('stdout')).strip()
                                                           or 'exit code %s' % result.get('rc')))
        return to_text(result.get('stdout', ''))

    def facts(self, user):
        lines = ['echo "SYS=$(uname -s)"', 'echo "EUID=$(id -u)"', 'echo "HOME=${HOME:-$(pwd)}"', 'echo "PATH=$PATH"']
        lines += ['echo "ENV_%s=${%s:-}"' % (name, name) for name in HOST_ENV]
        if user is not None:
            if not USER_NAME_RE.match(user):
                raise HostError('User %r does not exist on this host.' % user)
            lines.append('if id -u %s >/dev/null 2>&1; then echo "UID=$(id -u %s)"; echo "GID=$(id -g %s)"; h=~%s; '
                         'echo "UHOME=$h"; fi' % ((shlex.quote(user),) * 3 + (user,)))
        values = dict(line.split('=', 1) for line in self.shell('; '.join(lines), 'read the host facts').splitlines()
                      if '=' in line)
        env = dict((name, values['ENV_' + name]) for name in HOST_ENV if values.get('ENV_' + name))
        facts = dict(system=values.get('SYS', '').strip() or 'Linux', euid=int(values.get('EUID', '-1')),
                     home=values.get('HOME'), process_home=values.get('HOME'), path=values.get('PATH', ''), env=env,
                     user=user, uid=None, gid=None)
        if user is not None:
            if 'UID' not in values:
                raise HostError('User %r does not exist on this host.' % user)
            facts.update(home=values['UHOME'], uid=int(values['UID']), gid=int(values['GID']))
            if facts['euid'] not in (0, facts['uid']):
                raise HostError('Managing the config of user %r needs become (root) or running as that user.' % user)
        return facts

    def expand(self, path, facts):
        if path == '~' or path.startswith('~/'):
            path = facts['process_home'] + path[1:]
        elif path.startswith('~'):
            name = path[1:].split('/', 1)[0]
            if not USER_NAME_RE.match(name):
                raise HostError('Cannot expand %s.' % path)
            home = self.shell('h=~%s; echo "$h"' % name, 'expand %s' % path).strip()
            path = home + path[1 + len(name):]
        if not path.startswith('/'):
            path = os.path.join(facts['process_home'], path)
        return os.path.normpath(path)

    def survey(self, files, dirs):
        """({file: HostFile with real path}, {dir: HostFile}) in one command: ls -ldnL (mode, owner) and readlink -f.

        No checksum here: the bytes are read right after, and the replace command checks the file again just
        before its rename.
        """
        script = ['for p in %s; do l=$(ls -ldnL -- "$p" 2>/dev/null) && printf "E %%s\\n" "$l" || echo M; done'
                  % ' '.join(shlex.quote(p) for p in list(files) + list(dirs))]
        for path in files:
            q = shlex.quote(path)
            script.append('printf "R %%s\\n" "$(readlink -f -- %s 2>/dev/null || realpath -- %s 2>/dev/null || printf %%s %s)"'
                          % (q, q, q))
        out = self.shell('; '.join(script) if files or dirs else 'true', 'look at the config files').splitlines()
        stats = [line for line in out if line.startswith(('E ', 'M'))]
        reals = [line[2:] for line in out if line.startswith('R ')]
        found = {}
        for path, line in zip(list(files) + list(dirs), stats):
            if not line.startswith('E '):
                found[path] = HostFile(path)
                continue
            fields = line[2:].split()
            found[path] = HostFile(path, exists=True, is_dir=fields[0].startswith('d'), mode=parse_ls_mode(fields[0]),
                                   uid=int(fields[2]), gid=int(fields[3]))
        file_infos = {}
        for index, path in enumerate(files):
            info = found.pop(path)
            if info.is_dir:
                info = HostFile(path)
            info.real = (reals[index] if index < len(reals) else '') or path
            file_infos[path] = info
        return file_infos, found

    def read(self, path):
        return base64.b64decode(self.module('ansible.builtin.slurp', dict(src=path), secret=True)['content'])

    def read_dir(self, directory):
        """{name: HostFile with bytes, mode, owner} of the regular files in directory, in one command.

        A backup directory holds many small files; one slurp each would cost a module run each.
        """
        script = ('cd %s 2>/dev/null || exit 0; for f in * .[!.]*; do [ -f "$f" ] && [ ! -h "$f" ] || continue; '
                  'printf "@@ %%s %%s\\n" "$(ls -ldn -- "$f" | cut -c1-10) $(ls -ldn -- "$f" | awk \'{print $3, $4}\')" '
                  '"$(printf %%s "$f" | base64 | tr -d \'\\n\')"; base64 < "$f"; done' % shlex.quote(directory))
        found = {}
        current = None
        for line in self.shell(script, 'read %s' % directory).splitlines():
            if line.startswith('@@ '):
                mode, uid, gid, name = line[3:].split(' ')
                name = to_text(base64.b64decode(name))
                current = found[name] = HostFile(os.path.join(directory, name), exists=True, mode=parse_ls_mode(mode),
                                                 uid=int(uid), gid=int(gid))
                current.chunks = []
            elif current is not None:
                current.chunks.append(line.strip())
        for info in found.values():
            info.data = base64.b64decode(''.join(info.chunks))
        return found

    def make_dir(self, path, mode, uid, gid):
        args = dict(path=path, state='directory', mode='%04o' % mode)
        if uid is not None:
            args.update(owner=str(uid), group=str(gid))
        self.module('ansible.builtin.file', args)

    def _copy_onto(self, path, data, mode, uid, gid):
        """Copy data onto the existing (just created, 0600) file path with mode and owner."""
        args = dict(src=self.transfer(data), dest=path, mode='%04o' % mode, force=True,
                    _original_basename=os.path.basename(path))
        if uid is not None:
            args.update(owner=str(uid), group=str(gid))
        self.action._fixup_perms2([args['src']], execute=False)
        self.module('ansible.builtin.copy', args, secret=True)

    def create_file(self, path, data, mode, uid, gid):
        """A new file that must not exist yet (a backup): exclusive create, then its bytes."""
        try:
            self.shell('umask 077; set -C; : > %s' % shlex.quote(path), 'create %s (it may exist already)' % path)
        except HostError:
            raise HostError('Cannot create %s: it exists already on the host, or its directory is not writable.' % path)
        try:
            self._copy_onto(path, data, mode, uid, gid)
        except Exception:
            self.remove_files([path])
            raise

    def replace_file(self, path, data, mode, uid, gid, expected):
        """Atomically make path hold data, only if it still holds the bytes with sha1 `expected` ('' = absent)."""
        directory, base = os.path.split(path)
        tmp = os.path.join(directory, '.%s.%s.tmp' % (base, uuid.uuid4().hex[:8]))
        self.shell('umask 077; set -C; : > %s' % shlex.quote(tmp), 'create a temp file in %s' % directory)
        try:
            self._copy_onto(tmp, data, mode, uid, gid)
        except Exception:
            self.remove_files([tmp])
            raise
        out = self.shell(replace_script(path, tmp, expected), 'replace %s' % path)
        if 'CONFLICT' in out:
            raise ConcurrentChange('%s changed while it was being edited.' % path)

    def remove_files(self, paths):
        if paths:
            self.shell('rm -f -- %s' % ' '.join(shlex.quote(p) for p in paths), 'remove files')

    def remove_checked(self, path, expected):
        out = self.shell(checked_sum(path) + '; if [ "$a" != %s ]; then echo CONFLICT; else rm -f -- %s && echo REMOVED; fi'
                         % (shlex.quote(expected), shlex.quote(path)), 'remove %s' % path)
        if 'CONFLICT' in out:
            raise ConcurrentChange('%s changed while it was being removed.' % path)

    def lookup_commands(self, queries, facts):
        """{(command, path or None): (resolved or None, reason or None)} the way _commands.locate_command looks."""
        answers = {}
        for command, path in queries:
            search = facts['path'] if path is None else path
            script = ('c=%s; if case "$c" in */*) true;; *) false;; esac; then '
                      'if [ ! -e "$c" ]; then echo "N"; elif [ -d "$c" ] || [ ! -x "$c" ]; then echo "X $c"; else echo "F $c"; fi; '
                      'else IFS=:; nx=; for d in $P; do f="${d:-.}/$c"; if [ -f "$f" ]; then if [ -x "$f" ]; then echo "F $f"; exit 0; fi; '
                      '[ -n "$nx" ] || nx="$f"; fi; done; if [ -n "$nx" ]; then echo "X $nx"; else echo N; fi; fi'
                      % shlex.quote(command or ''))
            out = self.shell('P=%s; %s' % (shlex.quote(search), script), 'look up command %s' % command).strip()
            if out.startswith('F '):
                answers[(command, path)] = (out[2:], None)
            elif out.startswith('X '):
                answers[(command, path)] = (out[2:], 'not_executable')
            else:
                answers[(command, path)] = (None, 'not_found')
        return answers


def checked_sum(path):
    """Shell: $a = sha1 of path, empty when it does not exist (sha1sum, shasum or openssl, whichever the host has)."""
    q = shlex.quote(path)
    return ('if [ -e %s ]; then a=$( (sha1sum -- %s 2>/dev/null || shasum -a 1 %s 2>/dev/null || openssl sha1 -r %s) '
            '| cut -c1-40); else a=; fi' % (q, q, q, q))


def replace_script(path, tmp, expected):
    """Shell: the before-rename content check and the rename, in one command on the host (the file layer's window)."""
    return ('%s; if [ "$a" != %s ]; then rm -f -- %s; echo CONFLICT; exit 0; fi; '
            'sync %s 2>/dev/null; mv -f -- %s %s && sync %s 2>/dev/null; echo REPLACED'
            % (checked_sum(path), shlex.quote(expected), shlex.quote(tmp), shlex.quote(tmp), shlex.quote(tmp),
               shlex.quote(path), shlex.quote(os.path.dirname(path))))


def parse_ls_mode(text):
    """0o7777 bits of an `ls -l` mode string such as -rw-r----- or drwx--S---."""
    bits = 0
    for index, char in enumerate(text[1:10]):
        shift = 8 - index
        if char in 'rwxst':
            bits |= 1 << shift
    special = {3: 0o4000, 6: 0o2000, 9: 0o1000}
    for pos, flag in special.items():
        if len(text) > pos and text[pos] in 'sStT':
            bits |= flag
    return bits


# PowerShell run through ansible.windows.win_powershell. Every script declares SupportsShouldProcess so that the
# read-only ones also run in check mode; the writing ones are never called in check mode.
WIN_FACTS = r'''[CmdletBinding(SupportsShouldProcess)]
param([string]$User)
$ErrorActionPreference = 'Stop'
$me = [System.Security.Principal.WindowsIdentity]::GetCurrent()
$out = @{ identity = $me.Name; is_system = ($me.User.Value -eq 'S-1-5-18'); programfiles = $env:ProgramFiles; path = $env:PATH; pathext = $env:PATHEXT }
if ($User) {
    try {
        $sid = ([System.Security.Principal.NTAccount]$User).Translate([System.Security.Principal.SecurityIdentifier]).Value
    } catch {
        $Ansible.Failed = $true
        $Ansible.Result = @{ msg = "User '$User' does not exist on this host (or its domain cannot be reached)." }
        return
    }
    $key = "HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\$sid"
    $profileDir = (Get-ItemProperty -LiteralPath $key -Name ProfileImagePath -ErrorAction SilentlyContinue).ProfileImagePath
    if (-not $profileDir) {
        $Ansible.Failed = $true
        $msg = "User '$User' has no profile on this host yet (ProfileList has no entry for $sid): it has never " +
            "logged on, so it has no %APPDATA%. Log on once as that user, or pass config_path."
        $Ansible.Result = @{ msg = $msg }
        return
    }
    $profileDir = [Environment]::ExpandEnvironmentVariables($profileDir)
    $appdata = Join-Path $profileDir 'AppData\Roaming'
    $local = Join-Path $profileDir 'AppData\Local'
    # A redirected AppData is only readable when the user's hive is loaded (the user is logged on). The values are
    # REG_EXPAND_SZ: read them unexpanded, or %USERPROFILE% would be this process's (SYSTEM's) profile.
    $shellFolders = "Registry::HKEY_USERS\$sid\Software\Microsoft\Windows\CurrentVersion\Explorer\User Shell Folders"
    $folders = Get-Item -LiteralPath $shellFolders -ErrorAction SilentlyContinue
    if ($folders) {
        $raw = $folders.GetValue('AppData', $null, 'DoNotExpandEnvironmentNames')
        if ($raw) { $appdata = $raw.Replace('%USERPROFILE%', $profileDir) }
        $raw = $folders.GetValue('Local AppData', $null, 'DoNotExpandEnvironmentNames')
        if ($raw) { $local = $raw.Replace('%USERPROFILE%', $profileDir) }
    }
    $out.user = $User; $out.sid = $sid; $out.profile = $profileDir; $out.appdata = $appdata; $out.localappdata = $local
} else {
    $out.profile = $env:USERPROFILE
    $out.appdata = [Environment]::GetFolderPath('ApplicationData')
    $out.localappdata = [Environment]::GetFolderPath('LocalApplicationData')
}
$Ansible.Changed = $false
$Ansible.Result = $out
'''

# [System.IO.File]::Replace (ReplaceFileW) swaps the temp file in under the target's name in one step and keeps the
# target's ACL, owner, attributes and creation time; Move-Item -Force deletes the target first (a moment with no
# config) and leaves the temp file's inherited ACL. A new file has nothing to keep: [System.IO.File]::Move.
WIN_REPLACE = r'''[CmdletBinding()]
param([string]$Target, [string]$Temp, [string]$Expected)
$ErrorActionPreference = 'Stop'
function Get-Sum([string]$Path) {
    if (Test-Path -LiteralPath $Path -PathType Leaf) { (Get-FileHash -LiteralPath $Path -Algorithm SHA1).Hash.ToLowerInvariant() } else { '' }
}
$Ansible.Changed = $false
for ($try = 0; $try -lt 20; $try++) {
    if ((Get-Sum $Target) -ne $Expected) {
        Remove-Item -LiteralPath $Temp -Force -ErrorAction SilentlyContinue
        $Ansible.Result = @{ conflict = $true }
        return
    }
    try {
        if ($Expected) { [System.IO.File]::Replace($Temp, $Target, [NullString]::Value) } else { [System.IO.File]::Move($Temp, $Target) }
        $Ansible.Changed = $true
        $Ansible.Result = @{ conflict = $false }
        return
    } catch [System.IO.IOException] {
        # The client holds the file open without delete sharing for a moment (or it just went away): check again.
        Start-Sleep -Milliseconds 50
    } catch {
        Remove-Item -LiteralPath $Temp -Force -ErrorAction SilentlyContinue
        throw
    }
}
Remove-Item -LiteralPath $Temp -Force -ErrorAction SilentlyContinue
$Ansible.Failed = $true
$Ansible.Result = @{ msg = "$Target stayed locked by another program for 1 s; nothing was changed. Retry when the client is idle." }
'''

WIN_REMOVE = r'''[CmdletBinding()]
param([string[]]$Paths, [string]$Expected, [switch]$Checked)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
if ($Checked) {
    $p = $Paths[0]
    $sum = if (Test-Path -LiteralPath $p -PathType Leaf) { (Get-FileHash -LiteralPath $p -Algorithm SHA1).Hash.ToLowerInvariant() } else { '' }
    if ($sum -ne $Expected) { $Ansible.Result = @{ conflict = $true }; return }
}
foreach ($p in $Paths) {
    if (Test-Path -LiteralPath $p -PathType Leaf) { Remove-Item -LiteralPath $p -Force; $Ansible.Changed = $true }
}
$Ansible.Result = @{ conflict = $false }
'''

WIN_READ_DIR = r'''[CmdletBinding(SupportsShouldProcess)]
param([string]$Path)
$files = @()
if (Test-Path -LiteralPath $Path -PathType Container) {
    foreach ($f in (Get-ChildItem -LiteralPath $Path -File -Force)) {
        $files += @{ name = $f.Name; content = [System.Convert]::ToBase64String([System.IO.File]::ReadAllBytes($f.FullName)) }
    }
}
$Ansible.Changed = $false
$Ansible.Result = @{ files = $files }
'''

WIN_LOOKUP = r'''[CmdletBinding(SupportsShouldProcess)]
param([string[]]$Commands, [string[]]$Paths)
$ext = @('') + (($env:PATHEXT -split ';') | Where-Object { $_ })
$found = @()
for ($i = 0; $i -lt $Commands.Count; $i++) {
    $c = $Commands[$i]; $hit = $null
    if ($c -match '[\\/]') {
        foreach ($e in $ext) { if (Test-Path -LiteralPath ($c + $e) -PathType Leaf) { $hit = $c + $e; break } }
    } else {
        foreach ($d in ($Paths[$i] -split ';')) {
            if (-not $d) { continue }
            foreach ($e in $ext) { $f = Join-Path $d ($c + $e); if (Test-Path -LiteralPath $f -PathType Leaf) { $hit = $f; break } }
            if ($hit) { break }
        }
    }
    $found += , $hit
}
$Ansible.Changed = $false
$Ansible.Result = @{ found = $found }
'''


class WindowsHost(Host):
    windows = True

    def powershell(self, script, parameters, what):
        """$Ansible.Result of script; HostError with the script's own message when it fails."""
        return self.module('ansible.windows.win_powershell', dict(script=script, parameters=parameters)).get('result') or {}

    def facts(self, user):
        found = self.powershell(WIN_FACTS, dict(User=user or ''), 'resolve the user profile')
        if user is None and found.get('is_system'):
            raise HostError('The task runs as SYSTEM (become to SYSTEM), whose %APPDATA% is the system profile, not a '
                            "user's: set user to the Windows user whose config this is (resolved through the "
                            'registry ProfileList), or pass config_path.')
        env = dict(APPDATA=found.get('appdata'), LOCALAPPDATA=found.get('localappdata'),
                   USERPROFILE=found.get('profile'), ProgramFiles=found.get('programfiles'))
        env = dict((k, v) for k, v in env.items() if v)
        return dict(system='Windows', euid=None, home=found.get('profile'), process_home=found.get('profile'),
                    path=found.get('path') or '', env=env,
                    user=user, uid=None, gid=None, identity=found.get('identity'))

    def expand(self, path, facts):
        for name, value in facts['env'].items():
            path = re.sub('%' + re.escape(name) + '%', lambda _m, value=value: value, path, flags=re.I)
        if path == '~' or path.startswith('~/') or path.startswith('~\\'):
            path = (facts['home'] or '') + path[1:]
        return path

    def survey(self, files, dirs):
        """win_stat of each file (with its SHA-1, checked against the bytes slurp reads) and of each directory."""
        file_infos, found = {}, {}
        for path in files:
            st = self.module('ansible.windows.win_stat', dict(path=path, get_checksum=True, checksum_algorithm='sha1'))['stat']
            if not st.get('exists') or st.get('isdir'):
                file_infos[path] = HostFile(path)
                continue
            info = HostFile(path, exists=True, real=(st.get('lnk_source') if st.get('islnk') else None) or path)
            info.checksum = st.get('checksum') or ''
            file_infos[path] = info
        # Directories nearest first, each chain up to the first one that exists (its parents exist too).
        for directory in sorted(dirs, key=len, reverse=True):
            if directory in found:
                continue
            st = self.module('ansible.windows.win_stat', dict(path=directory, get_checksum=False))['stat']
            found[directory] = HostFile(directory, exists=bool(st.get('exists')), is_dir=bool(st.get('isdir')))
            if found[directory].exists:
                parent = directory
                while True:
                    up = parent.rsplit('\\', 1)[0]
                    if up == parent or not up or up.endswith(':'):
                        if up.endswith(':'):
                            found.setdefault(up + '\\', HostFile(up + '\\', exists=True, is_dir=True))
                        break
                    found.setdefault(up, HostFile(up, exists=True, is_dir=True))
                    parent = up
        return file_infos, found

    def read(self, path):
        return base64.b64decode(self.module('ansible.windows.slurp', dict(src=path), secret=True)['content'])

    def read_dir(self, directory):
        """{name: HostFile with bytes} of the regular files in directory, in one script."""
        found = self.powershell(WIN_READ_DIR, dict(Path=directory), 'read %s' % directory).get('files') or []
        return dict((item['name'], HostFile('%s\\%s' % (directory.rstrip('\\'), item['name']), exists=True,
                                            data=base64.b64decode(item['content'])))
                    for item in found)

    def make_dir(self, path, mode, uid, gid):
        self.module('ansible.windows.win_file', dict(path=path, state='directory'))

    def _copy(self, path, data, force):
        return self.module('ansible.windows.win_copy', dict(src=self.transfer(data), dest=path, _copy_mode='single', force=force,
                                                            _original_basename=path.rsplit('\\', 1)[-1]), secret=True)

    def create_file(self, path, data, mode, uid, gid):
        if not self._copy(path, data, force=False).get('changed'):
            raise HostError('Cannot create %s: it exists already on the host.' % path)

    def replace_file(self, path, data, mode, uid, gid, expected):
        directory, base = path.rsplit('\\', 1)
        tmp = '%s\\.%s.%s.tmp' % (directory, base, uuid.uuid4().hex[:8])
        self._copy(tmp, data, force=True)
        if self.powershell(WIN_REPLACE, dict(Target=path, Temp=tmp, Expected=expected), 'replace %s' % path).get('conflict'):
            raise ConcurrentChange('%s changed while it was being edited.' % path)

    def remove_files(self, paths):
        if paths:
            self.powershell(WIN_REMOVE, dict(Paths=list(paths), Expected='', Checked=False), 'remove files')

    def remove_checked(self, path, expected):
        if self.powershell(WIN_REMOVE, dict(Paths=[path], Expected=expected, Checked=True), 'remove %s' % path).get('conflict'):
            raise ConcurrentChange('%s changed while it was being removed.' % path)

    def lookup_commands(self, queries, facts):
        queries = list(queries)
        if not queries:
            return {}
        found = self.powershell(WIN_LOOKUP, dict(Commands=[q[0] or '' for q in queries],
                                                 Paths=[facts['path'] if q[1] is None else q[1] for q in queries]),
                                'look up commands').get('found') or []
        found = list(found) + [None] * (len(queries) - len(found))
        return dict((q, (hit, None) if hit else (None, 'not_found')) for q, hit in zip(queries, found))
