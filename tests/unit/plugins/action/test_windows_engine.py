# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Windows branch of the action plugins, against recorded ansible.windows module results.

No Windows machine and no PowerShell run here. As ansible.windows' own unit tests do, _execute_module is
replaced: it answers each ansible.windows module call with a dict in the shape that module returns (win_stat's
stat.exists/isdir/checksum/islnk/lnk_source, slurp's content/encoding, win_copy's changed/dest/checksum,
win_powershell's result/output/error; checked against the modules' RETURN documentation when the collection is
installed, see test_recorded_shapes_match_the_ansible_windows_docs). The answers come from a small in-memory
Windows file system, so a sequence of calls sees its own writes; the PowerShell scripts are recognised by
identity and their effect is played on that file system. What runs for real: the action plugin, the mirror, and
the module's own code on the controller (the same mcp_server/mcp_backup main() as on a POSIX host).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import glob
import hashlib
import json
import os
import re

import pytest

from ansible_collections.mcpops.mcp.plugins.action import mcp_backup, mcp_server, mcp_server_info
from ansible_collections.mcpops.mcp.plugins.plugin_utils import _controller_engine as engine
from ansible_collections.mcpops.mcp.plugins.plugin_utils import _engine_hosts as hosts

DOC = b'{\n  "mcpServers": {\n    "a": {\n      "command": "x"\n    }\n  },\n  "globalShortcut": ""\n}\n'
SECRET = 'ghp_WindowsEngineSecret0123456789abcd'
PROFILE = 'C:\\Users\\alice'
APPDATA = PROFILE + '\\AppData\\Roaming'
LOCAL = PROFILE + '\\AppData\\Local'
CONFIG = APPDATA + '\\Claude\\claude_desktop_config.json'
MSIX_DIR = LOCAL + '\\Packages\\Claude_pzs8sxrjxfjjc\\LocalCache\\Roaming\\Claude'
WRITES = ('ansible.windows.win_copy', 'ansible.windows.win_file')


class FakeWindows(object):
    """An in-memory Windows host answering ansible.windows module calls with recorded-shape results."""

    def __init__(self, files=None, dirs=(), identity='HOST\\alice', is_system=False, profiles=None):
        self.files = {}
        self.dirs = set()
        for path in ('C:\\', 'C:\\Users', PROFILE, APPDATA, LOCAL) + tuple(dirs):
            self.mkdir(path)
        for path, data in (files or {}).items():
            self.mkdir(path.rsplit('\\', 1)[0])
            self.files[path.lower()] = (path, data)
        self.identity = identity
        self.is_system = is_system
        self.profiles = {'alice': PROFILE} if profiles is None else profiles
        self.calls = []          # (module, args) in order
        self.uploads = {}        # remote tmp path -> bytes
        self.on_replace = []     # callables run before a replace checks the file (another program writing)

    def mkdir(self, path):
        while path and path.lower() not in self.dirs:
            self.dirs.add(path.lower())
            parent = path.rsplit('\\', 1)[0]
            if parent == path or parent.endswith(':'):
                self.dirs.add(parent.lower() + '\\')
                break
            path = parent

    def read(self, path):
        return self.files.get(path.lower(), (None, None))[1]

    def write(self, path, data):
        self.files[path.lower()] = (path, data)

    # _execute_module replacement ------------------------------------------------------------------------
    def execute_module(self, module_name=None, module_args=None, task_vars=None, **_kwargs):
        args = dict(module_args or {})
        self.calls.append((module_name, args))
        handler = getattr(self, module_name.rsplit('.', 1)[-1])
        return handler(args)

    def transfer_data(self, remote_path, data):
        self.uploads[remote_path] = data if isinstance(data, bytes) else data.encode('utf-8')
        return remote_path

    def win_stat(self, args):
        path = args['path']
        data = self.read(path)
        if data is not None:
            st = dict(exists=True, isdir=False, isreg=True, islnk=False, path=path, size=len(data),
                      filename=path.rsplit('\\', 1)[-1], extension='.json', attributes='Archive')
            if args.get('get_checksum'):
                st['checksum'] = hashlib.sha1(data).hexdigest()
            return dict(changed=False, stat=st)
        if path.lower().rstrip('\\') in self.dirs or path.lower() in self.dirs:
            return dict(changed=False, stat=dict(exists=True, isdir=True, isreg=False, islnk=False, path=path,
                                                 attributes='Directory'))
        return dict(changed=False, stat=dict(exists=False))

    def slurp(self, args):
        data = self.read(args['src'])
        if data is None:
            return dict(failed=True, changed=False, msg='Path %s is not found' % args['src'])
        return dict(changed=False, content=base64.b64encode(data).decode('ascii'), encoding='base64', source=args['src'])

    def win_copy(self, args):
        dest, data = args['dest'], self.uploads[args['src']]
        parent = dest.rsplit('\\', 1)[0]
        if parent.lower() not in self.dirs:
            return dict(failed=True, changed=False, msg="Destination directory '%s' does not exist" % parent)
        if self.read(dest) is not None and not args.get('force', True):
            return dict(changed=False, dest=dest, src=args['src'], operation='file_copy')
        self.write(dest, data)
        return dict(changed=True, dest=dest, src=args['src'], checksum=hashlib.sha1(data).hexdigest(), size=len(data),
                    operation='file_copy', original_basename=args.get('_original_basename'))

    def win_file(self, args):
        assert args['state'] == 'directory'
        self.mkdir(args['path'])
        return dict(changed=True)

    def win_powershell(self, args):
        script, params = args['script'], args.get('parameters') or {}
        out = dict(changed=False, output=[], error=[], warning=[], verbose=[], debug=[], information=[], host_out='',
                   host_err='')
        if script is hosts.WIN_FACTS:
            found = dict(identity=self.identity, is_system=self.is_system, programfiles='C:\\Program Files',
                         path='C:\\Windows\\system32;C:\\Program Files\\nodejs', pathext='.COM;.EXE;.BAT;.CMD')
            user = params.get('User')
            if user:
                if user not in self.profiles:
                    msg = "User '%s' does not exist on this host (or its domain cannot be reached)." % user
                    return dict(out, failed=True, result=dict(msg=msg))
                profile = self.profiles[user]
                found.update(user=user, profile=profile, appdata=profile + '\\AppData\\Roaming',
                             localappdata=profile + '\\AppData\\Local')
            else:
                profile = 'C:\\Windows\\system32\\config\\systemprofile' if self.is_system else PROFILE
                found.update(profile=profile, appdata=profile + '\\AppData\\Roaming', localappdata=profile + '\\AppData\\Local')
            return dict(out, result=found)
        if script is hosts.WIN_REPLACE:
            for hook in self.on_replace:
                hook(self)
            current = self.read(params['Target'])
            current_sum = hashlib.sha1(current).hexdigest() if current is not None else ''
            temp = self.files.pop(params['Temp'].lower())[1]
            if current_sum != params['Expected']:
                return dict(out, result=dict(conflict=True))
            self.write(params['Target'], temp)
            return dict(out, changed=True, result=dict(conflict=False))
        if script is hosts.WIN_REMOVE:
            if params.get('Checked'):
                current = self.read(params['Paths'][0])
                if (hashlib.sha1(current).hexdigest() if current is not None else '') != params['Expected']:
                    return dict(out, result=dict(conflict=True))
            for path in params['Paths']:
                self.files.pop(path.lower(), None)
            return dict(out, changed=True, result=dict(conflict=False))
        if script is hosts.WIN_READ_DIR:
            prefix = params['Path'].lower().rstrip('\\') + '\\'
            files = [dict(name=path[len(prefix):], content=base64.b64encode(data).decode('ascii'))
                     for key, (path, data) in sorted(self.files.items())
                     if key.startswith(prefix) and '\\' not in key[len(prefix):]]
            return dict(out, result=dict(files=files))
        if script is hosts.WIN_LOOKUP:
            found = []
            for command, path in zip(params['Commands'], params['Paths']):
                hit = None
                for directory in path.split(';'):
                    for ext in ('', '.exe', '.cmd'):
                        if self.read('%s\\%s%s' % (directory, command, ext)) is not None:
                            hit = hit or '%s\\%s%s' % (directory, command, ext)
                found.append(hit)
            return dict(out, result=dict(found=found))
        raise AssertionError('unexpected script')

    # views -------------------------------------------------------------------------------------------------
    def names(self):
        return [name for name, _args in self.calls]

    def writes(self):
        return [(name, args) for name, args in self.calls
                if name in WRITES or (name.endswith('win_powershell') and args['script'] in (hosts.WIN_REPLACE, hosts.WIN_REMOVE))]


class FakeShell(object):
    SHELL_FAMILY = 'powershell'
    _IS_WINDOWS = True

    def __init__(self):
        self.tmpdir = None

    def join_path(self, *parts):
        return '\\'.join(parts)


class FakeConnection(object):
    def __init__(self):
        self._shell = FakeShell()


class FakeTask(object):
    def __init__(self, args, check_mode=False, diff=False):
        self.args = args
        self.check_mode = check_mode
        self.diff = diff
        self.no_log = False
        self.async_val = 0


def run_action(plugin, host, args, check_mode=False, diff=False):
    """The action plugin's controller engine with host answering every module call."""
    action = plugin.ActionModule.__new__(plugin.ActionModule)
    action._task = FakeTask(args, check_mode, diff)
    action._connection = FakeConnection()
    action._execute_module = host.execute_module
    action._transfer_data = host.transfer_data
    action._fixup_perms2 = lambda *a, **k: None

    def make_tmp(remote_user=None):
        action._connection._shell.tmpdir = 'C:\\Users\\alice\\AppData\\Local\\Temp\\ansible-tmp-1'
        return action._connection._shell.tmpdir
    action._make_tmp_path = make_tmp
    assert engine.choose_engine(args.get('engine'), engine.is_windows(action._connection)) == 'controller'
    return action.run_controller({})


def server_args(**extra):
    args = dict(name='github', command='npx', args=['-y', '@modelcontextprotocol/server-github'],
                secret_env={'GITHUB_PERSONAL_ACCESS_TOKEN': SECRET}, validate_command=False)
    args.update(extra)
    return args


def host_module_result(tmp_path, args, before, check_mode=False, diff=False):
    """What the module itself makes of the same file on a real (POSIX) file: the bytes engine=host would write."""
    from ansible_collections.mcpops.mcp.tests.unit.module_runner import run_module_main
    from ansible_collections.mcpops.mcp.plugins.modules import mcp_server as module
    path = str(tmp_path / 'claude_desktop_config.json')
    with open(path, 'wb') as handle:
        handle.write(before)
    args = dict(args, config_path=path)
    args.pop('user', None)
    run = run_module_main(module.main, args, check=check_mode, diff=diff)
    with open(path, 'rb') as handle:
        return run.result, handle.read()


def test_edit_for_a_named_user_reads_and_writes_in_order(tmp_path):
    host = FakeWindows(files={CONFIG: DOC}, identity='NT AUTHORITY\\SYSTEM', is_system=True)
    result = run_action(mcp_server, host, server_args(user='alice'), diff=True)
    assert not result.get('failed'), result
    assert result['changed'] and result['config_path'] == CONFIG
    assert re.match(r'^C:\\Users\\alice\\AppData\\Roaming\\Claude\\backups\\backup_\d{8}T\d{12}Z_pre-change\.json$',
                    result['backup_file']), result['backup_file']
    names = host.names()
    # Resolve the user's profile, look for the MSIX build, read the config, then write: backup, sidecar, temp, replace.
    assert names[0] == 'ansible.windows.win_powershell' and host.calls[0][1]['parameters'] == {'User': 'alice'}
    assert host.calls[1] == ('ansible.windows.win_stat', {'path': MSIX_DIR, 'get_checksum': False})
    assert host.calls[2][0] == 'ansible.windows.win_stat' and host.calls[2][1]['path'] == CONFIG
    assert host.calls[2][1]['get_checksum'] is True
    slurp = names.index('ansible.windows.slurp')
    assert host.calls[slurp][1]['src'] == CONFIG
    writes = host.writes()
    assert [w[0] for w in writes] == ['ansible.windows.win_file', 'ansible.windows.win_copy', 'ansible.windows.win_copy',
                                      'ansible.windows.win_copy', 'ansible.windows.win_powershell']
    assert slurp < names.index('ansible.windows.win_file')
    assert writes[0][1]['path'] == APPDATA + '\\Claude\\backups'
    assert writes[1][1]['dest'] == result['backup_file'] and writes[1][1]['force'] is False
    assert writes[2][1]['dest'] == result['backup_file'] + '.meta'
    temp = writes[3][1]['dest']
    assert re.match(r'^C:\\Users\\alice\\AppData\\Roaming\\Claude\\\.claude_desktop_config\.json\.[0-9a-f]{8}\.tmp$', temp)
    assert writes[4][1]['parameters'] == {'Target': CONFIG, 'Temp': temp, 'Expected': hashlib.sha1(DOC).hexdigest()}
    assert writes[4][1]['script'] is hosts.WIN_REPLACE
    # Same bytes as the module writes on a POSIX host; the backup holds the old bytes; the sidecar names the host path.
    expected_result, expected_bytes = host_module_result(tmp_path, server_args(), DOC, diff=True)
    assert host.read(CONFIG) == expected_bytes
    assert result['diff']['after'] == expected_result['diff']['after']
    assert result['server'] == expected_result['server']
    assert host.read(result['backup_file']) == DOC
    meta = json.loads(host.read(result['backup_file'] + '.meta').decode('utf-8'))
    assert meta['source'] == CONFIG and meta['sha256'] == hashlib.sha256(DOC).hexdigest()
    assert not host.read(CONFIG).startswith(b'\xef\xbb\xbf')
    # Every call that carries file bytes is no_log; no other call carries the secret.
    for name, args in host.calls:
        if name in ('ansible.windows.win_copy', 'ansible.windows.slurp'):
            assert args.get('_ansible_no_log') is True
        else:
            assert SECRET not in json.dumps(args)
    assert SECRET not in json.dumps(result)


def test_msix_build_is_used_when_its_directory_exists():
    msix_config = MSIX_DIR + '\\claude_desktop_config.json'
    host = FakeWindows(files={msix_config: DOC, CONFIG: DOC}, dirs=(MSIX_DIR,))
    result = run_action(mcp_server, host, server_args())
    assert result['changed'] and result['config_path'] == msix_config
    assert b'github' in host.read(msix_config) and host.read(CONFIG) == DOC


def test_without_msix_the_roaming_path_of_the_connecting_user():
    host = FakeWindows(files={})
    result = run_action(mcp_server, host, server_args())
    assert result['changed'] and result['created'] and result['config_path'] == CONFIG
    assert host.calls[0][1]['parameters'] == {'User': ''}
    assert b'github' in host.read(CONFIG)
    assert 'backup_file' not in result  # nothing to back up for a new file
    assert [w[1]['path'] for w in host.writes() if w[0].endswith('win_file')] == [APPDATA + '\\Claude']


def test_system_without_user_is_refused_and_nothing_is_read_or_written():
    host = FakeWindows(files={CONFIG: DOC}, identity='NT AUTHORITY\\SYSTEM', is_system=True)
    result = run_action(mcp_server, host, server_args())
    assert result['failed'] and 'SYSTEM' in result['msg'] and 'set user' in result['msg']
    assert host.names() == ['ansible.windows.win_powershell']


def test_a_user_without_profile_says_so():
    host = FakeWindows(files={CONFIG: DOC}, profiles={})
    result = run_action(mcp_server, host, server_args(user='bob'))
    assert result['failed'] and result['msg'] == "User 'bob' does not exist on this host (or its domain cannot be reached)."
    assert not host.writes()


def test_byte_order_mark_is_refused_with_the_module_message_and_nothing_written(tmp_path):
    host = FakeWindows(files={CONFIG: b'\xef\xbb\xbf' + DOC})
    result = run_action(mcp_server, host, server_args())
    expected, _bytes = host_module_result(tmp_path, server_args(), b'\xef\xbb\xbf' + DOC)
    assert result['failed'] and expected['failed']
    assert result['msg'] == expected['msg'].replace(str(tmp_path / 'claude_desktop_config.json'), CONFIG)
    assert 'byte-order mark' in result['msg'].lower()
    assert not host.writes() and host.read(CONFIG) == b'\xef\xbb\xbf' + DOC


def test_check_mode_reports_the_change_and_writes_nothing():
    host = FakeWindows(files={CONFIG: DOC})
    result = run_action(mcp_server, host, server_args(), check_mode=True, diff=True)
    assert result['changed'] and '"github"' in result['diff']['after'] and SECRET not in json.dumps(result)
    assert not host.writes() and host.read(CONFIG) == DOC
    assert not host.uploads


def test_a_concurrent_change_is_redone_on_the_fresh_bytes():
    host = FakeWindows(files={CONFIG: DOC})
    other = DOC.replace(b'"globalShortcut": ""', b'"globalShortcut": "Ctrl+Space"')

    def claude_rewrites_it_once(fake):
        fake.on_replace.remove(claude_rewrites_it_once)
        fake.write(CONFIG, other)
    host.on_replace.append(claude_rewrites_it_once)
    result = run_action(mcp_server, host, server_args())
    assert not result.get('failed'), result
    final = host.read(CONFIG)
    assert b'Ctrl+Space' in final and b'"github"' in final  # the other program's change is kept, ours is added
    replaces = [w for w in host.writes() if w[0].endswith('win_powershell') and w[1]['script'] is hosts.WIN_REPLACE]
    assert len(replaces) == 2
    assert replaces[0][1]['parameters']['Expected'] == hashlib.sha1(DOC).hexdigest()
    assert replaces[1][1]['parameters']['Expected'] == hashlib.sha1(other).hexdigest()
    # The first attempt's backup (of bytes no longer there) was removed; the one left holds the bytes replaced.
    removes = [w for w in host.writes() if w[0].endswith('win_powershell') and w[1]['script'] is hosts.WIN_REMOVE]
    assert len(removes) == 1 and removes[0][1]['parameters']['Paths'][0].endswith('_pre-change.json')
    backups = [p for key, (p, _d) in host.files.items() if '\\backups\\' in key and key.endswith('.json')]
    assert backups == [result['backup_file']] and host.read(result['backup_file']) == other


def test_a_file_that_keeps_changing_fails_with_the_file_layer_message():
    host = FakeWindows(files={CONFIG: DOC})
    counter = []

    def claude_keeps_writing(fake):
        counter.append(1)
        fake.write(CONFIG, DOC.replace(b'""', ('"%d"' % len(counter)).encode()))
    host.on_replace.append(claude_keeps_writing)
    result = run_action(mcp_server, host, server_args())
    assert result['failed'] and 'changed by another program 3 times' in result['msg'] and CONFIG in result['msg']
    assert len(counter) == 3
    assert not [key for key in host.files if '\\backups\\' in key]  # every backup of a lost attempt is gone
    assert b'github' not in host.read(CONFIG)


def test_engine_host_is_refused_on_windows():
    with pytest.raises(engine.HostError, match='engine=host cannot run on a Windows host'):
        engine.choose_engine('host', True)


def test_info_reads_only():
    host = FakeWindows(files={CONFIG: DOC})
    result = run_action(mcp_server_info, host, dict())
    assert result['servers'] == [{'name': 'a', 'command': 'x', 'args': [], 'env_keys': [], 'type': 'stdio', 'url': None}] \
        or result['servers'][0]['name'] == 'a'
    assert result['config_path'] == CONFIG and not host.writes()


def test_backup_reads_the_backup_directory_in_one_script_and_writes_one_backup():
    old = APPDATA + '\\Claude\\backups\\backup_20200101T000000000000Z.json'
    host = FakeWindows(files={CONFIG: DOC, old: DOC})
    result = run_action(mcp_backup, host, dict())
    assert not result.get('failed'), result
    assert result['changed'] and result['backup_file'].startswith(APPDATA + '\\Claude\\backups\\backup_')
    scripts = [args['script'] for name, args in host.calls if name.endswith('win_powershell')]
    assert scripts.count(hosts.WIN_READ_DIR) == 1
    assert host.read(result['backup_file']) == DOC
    assert json.loads(host.read(result['backup_file'] + '.meta').decode())['source'] == CONFIG


def test_validate_command_looks_on_the_host_path():
    host = FakeWindows(files={CONFIG: DOC, 'C:\\Program Files\\nodejs\\npx.cmd': b'@echo off\r\n'})
    result = run_action(mcp_server, host, server_args(validate_command=True))
    assert not result.get('failed'), result
    result = run_action(mcp_server, host, server_args(name='other', command='nope', validate_command=True))
    assert result['failed'] and "command 'nope' was not found" in result['msg']


def _windows_collection():
    roots = [os.environ.get('MCPOPS_WINDOWS_COLLECTIONS', '')]
    repo = os.environ.get('MCPOPS_REPO') or os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))))))
    roots += glob.glob(os.path.join(repo, 'build', '*collections'))
    for root in roots:
        path = os.path.join(root, 'ansible_collections', 'ansible', 'windows', 'plugins', 'modules')
        if root and os.path.isdir(path):
            return path
    return None


def test_recorded_shapes_match_the_ansible_windows_docs():
    """Every module and result key the fake answers with (and the engine reads) is in the module's RETURN docs."""
    yaml = pytest.importorskip('yaml')
    modules = _windows_collection()
    if modules is None:
        pytest.skip('ansible.windows is not installed (make awx-collection puts it in build/awx-collections)')

    def docs(name):
        path = os.path.join(modules, name + '.py')
        if not os.path.exists(path):
            path = os.path.join(modules, name + '.yml')
        with open(path) as handle:
            text = handle.read()
        if path.endswith('.yml'):
            return yaml.safe_load(text)
        found = {}
        for key in ('DOCUMENTATION', 'RETURN'):
            match = re.search(r"^%s = r?(['\"]{3})(.*?)\1" % key, text, re.S | re.M)
            found[key] = yaml.safe_load(match.group(2)) if match else {}
        return found

    stat = docs('win_stat')
    assert set(['exists', 'isdir', 'checksum', 'islnk', 'lnk_source']) <= set(stat['RETURN']['stat']['contains'])
    assert set(['get_checksum', 'checksum_algorithm', 'path']) <= set(stat['DOCUMENTATION']['options'])
    slurp = docs('slurp')
    assert set(['content', 'encoding']) <= set(slurp.get('RETURN') or {})
    assert 'src' in slurp['DOCUMENTATION']['options']
    copy = docs('win_copy')
    assert set(['dest', 'src', 'checksum']) <= set(copy['RETURN']) and 'force' in copy['DOCUMENTATION']['options']
    powershell = docs('win_powershell')
    assert set(['result', 'output', 'error']) <= set(powershell['RETURN'])
    assert set(['script', 'parameters']) <= set(powershell['DOCUMENTATION']['options'])
    assert set(['path', 'state']) <= set(docs('win_file')['DOCUMENTATION']['options'])
