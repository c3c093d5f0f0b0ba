# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client app table, desktop-session detection, and the stop/start mechanics (real processes)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import signal
import subprocess
import sys
import time

import pytest

from ansible_collections.mcpops.mcp.plugins.module_utils import _restart as R

ROW = R.app_for('claude_desktop', 'Linux')
UID = 1000


def proc(pid, comm, argv=None, exe='', uid=UID, **environ):
    return R.Proc(pid, uid, comm, exe, argv or [comm], environ)


# -- the table --------------------------------------------------------------------------------------------

def test_table_names_the_claude_desktop_app_on_every_os():
    assert R.app_for('claude_desktop', 'Darwin')['app'] == 'Claude.app'
    assert R.app_for('claude_desktop', 'Darwin')['start'] == ['open', '-a', 'Claude']
    assert R.app_for('claude_desktop', 'Windows')['names'] == ['Claude.exe']
    assert ROW['names'] == ['claude-desktop'] and ROW['start'] == ['claude-desktop']


@pytest.mark.parametrize('client', sorted(R.CLIENT_APPS))
def test_every_table_row_is_complete(client):
    for system, row in R.CLIENT_APPS[client].items():
        assert system in ('Linux', 'Darwin', 'Windows')
        assert row['app'] and row['names'] and row['start'], (client, system)
        assert set(row) >= set(['app', 'names', 'interpreters', 'markers', 'start'])


def test_clients_without_a_desktop_app_have_no_row():
    assert R.app_for('claude_code', 'Linux') is None
    assert R.app_for('claude_desktop', 'FreeBSD') is None


@pytest.mark.parametrize('process, expected', [
    (proc(1, 'claude-desktop'), True),                                        # comm of the binary or a script
    (proc(2, 'bash', ['/bin/bash', '/usr/bin/claude-desktop']), False),       # a shell reading the launcher
    (proc(3, 'claude-desktop', ['/usr/lib/claude-desktop/claude-desktop', '--type=renderer']), True),
    (proc(4, 'electron', ['/usr/lib/electron/electron', '/usr/lib/claude-desktop/app.asar']), True),
    (proc(5, 'electron', ['/usr/lib/electron/electron', '/usr/lib/slack/app.asar']), False),
    (proc(6, 'tail', ['tail', '-f', '/usr/lib/claude-desktop/log']), False),  # markers only count for Electron
    (proc(7, 'x', ['/opt/Claude/claude-desktop'], exe='/opt/Claude/claude-desktop'), True),
    (proc(8, 'claude'), False),
])
def test_matches_app(process, expected):
    assert R.matches_app(process, ROW) is expected


def test_long_names_match_the_comm_the_kernel_cut_at_15_characters():
    row = dict(ROW, names=['claude-desktop-official'])
    assert R.matches_app(proc(1, 'claude-desktop-'), row)
    assert not R.matches_app(proc(1, 'claude-desktop'), row)


# -- sessions ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize('value, local', [
    (':0', True), (':1.0', True), ('unix:0', True), ('localhost:10.0', False), ('host:0', False), ('', False),
    (None, False),
])
def test_is_local_display(value, local):
    assert R.is_local_display(value) is local


def test_session_from_a_process_with_display_of_that_user_only():
    procs = [proc(10, 'sshd'), proc(11, 'gnome-shell', uid=1001, DISPLAY=':0'),
             proc(12, 'xterm', DISPLAY=':1', XDG_RUNTIME_DIR='/run/user/1000', SECRET_TOKEN='x')]
    session = R.session_from_processes(procs, UID, ROW)
    assert session['kind'] == 'x11' and session['display'] == ':1' and session['pid'] == 12
    assert session['source'] == 'process' and session['env']['XDG_RUNTIME_DIR'] == '/run/user/1000'


def test_ssh_forwarded_display_is_not_a_desktop_session():
    procs = [proc(20, 'bash', DISPLAY='localhost:10.0'), proc(21, 'python3')]
    assert R.session_from_processes(procs, UID, ROW) is None


def test_wayland_session_and_best_witness():
    procs = [proc(30, 'helper', WAYLAND_DISPLAY='wayland-0'),
             proc(31, 'gnome-shell', WAYLAND_DISPLAY='wayland-0', XDG_RUNTIME_DIR='/run/user/1000',
                  DBUS_SESSION_BUS_ADDRESS='unix:path=/run/user/1000/bus', XDG_CURRENT_DESKTOP='GNOME')]
    session = R.session_from_processes(procs, UID, ROW)
    assert session['kind'] == 'wayland' and session['display'] == 'wayland-0' and session['pid'] == 31


def test_the_client_itself_witnesses_the_session_only_when_nothing_else_does():
    client = proc(40, 'claude-desktop', DISPLAY=':0', XDG_RUNTIME_DIR='/run/user/1000', XAUTHORITY='/x')
    other = proc(41, 'panel', DISPLAY=':0')
    assert R.session_from_processes([client, other], UID, ROW)['pid'] == 41
    assert R.session_from_processes([client], UID, ROW)['pid'] == 40


LIST = ('    2 1000 alice seat0 tty2\n'
        '    5 1000 alice       pts/1\n'
        '    7 1001 bob   seat0 tty3\n')


def fake_loginctl(show):
    def run(argv):
        if argv[1] == 'list-sessions':
            return LIST
        return show.get(argv[2], '')
    return run


ACCOUNT = dict(user='alice', uid=UID, gid=UID, home='/home/alice')


def test_parse_loginctl():
    assert R.parse_session_ids(LIST, UID) == ['2', '5']
    assert R.parse_properties('Type=x11\nDisplay=:0\nRemote=no\n') == {'Type': 'x11', 'Display': ':0', 'Remote': 'no'}


@pytest.mark.parametrize('props, graphical', [
    ({'Type': 'x11', 'State': 'active', 'Remote': 'no', 'User': '1000'}, True),
    ({'Type': 'wayland', 'State': 'online'}, True),
    ({'Type': 'tty', 'State': 'active'}, False),
    ({'Type': 'x11', 'State': 'closing'}, False),
    ({'Type': 'x11', 'Remote': 'yes'}, False),
    ({'Type': 'x11', 'User': '1001'}, False),
])
def test_graphical_session(props, graphical):
    assert R.graphical_session(props, UID) is graphical


def test_session_from_loginctl_builds_the_environment_from_the_runtime_dir():
    run = fake_loginctl({'2': 'Type=wayland\nDisplay=\nRemote=no\nState=active\nUser=1000\n',
                         '5': 'Type=tty\nState=active\nUser=1000\n'})
    existing = set(['/run/user/1000', '/run/user/1000/bus', '/run/user/1000/wayland-0'])
    props = R.parse_properties(run(['loginctl', 'show-session', '2']))
    env = R.session_env_from_loginctl(props, ACCOUNT, exists=existing.__contains__)
    assert env['WAYLAND_DISPLAY'] == 'wayland-0' and env['XDG_RUNTIME_DIR'] == '/run/user/1000'
    assert env['DBUS_SESSION_BUS_ADDRESS'] == 'unix:path=/run/user/1000/bus' and env['HOME'] == '/home/alice'
    # Without the wayland socket there is nothing to start in.
    assert not R.is_session_env(R.session_env_from_loginctl(props, ACCOUNT, exists=lambda path: False))


def test_session_from_loginctl_x11_and_none():
    run = fake_loginctl({'2': 'Type=x11\nDisplay=:0\nRemote=no\nState=active\nUser=1000\n'})
    session = R.session_from_loginctl(UID, ACCOUNT, run=run)
    assert session['kind'] == 'x11' and session['display'] == ':0' and session['source'] == 'loginctl'
    assert R.session_from_loginctl(UID, ACCOUNT, run=fake_loginctl({'2': 'Type=tty\n'})) is None
    assert R.session_from_loginctl(UID, ACCOUNT, run=lambda argv: None) is None   # no logind here


def test_start_environment_keeps_the_session_and_sets_the_user():
    env = R.start_environment({'DISPLAY': ':0', 'HOME': '/root', 'USER': 'root'}, ACCOUNT)
    assert env['DISPLAY'] == ':0' and env['HOME'] == '/home/alice' and env['USER'] == env['LOGNAME'] == 'alice'
    assert env['PATH']


def test_resolve_start_uses_the_session_path(tmp_path):
    tool = tmp_path / 'claude-desktop'
    tool.write_text(u'#!/bin/sh\n')
    tool.chmod(0o755)
    assert R.resolve_start(['claude-desktop', '--x'], {'PATH': str(tmp_path)}) == [str(tool), '--x']
    with pytest.raises(R.RestartError) as err:
        R.resolve_start(['claude-desktop'], {'PATH': '/nonexistent'})
    assert 'not found' in str(err.value) and '/nonexistent' in str(err.value)
    with pytest.raises(R.RestartError):
        R.resolve_start([], {'PATH': '/usr/bin'})


# -- stopping and starting real processes -----------------------------------------------------------------

IGNORE_TERM = 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print("ready", flush=True); time.sleep(60)'


def spawn(code):
    child = subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE)
    child.stdout.readline()
    return child


@pytest.fixture
def children():
    started = []
    yield started
    for child in started:
        if child.poll() is None:
            child.kill()
        child.wait()


def test_stop_processes_terms_then_kills_after_the_grace_period(children):
    polite = spawn('import time; print("ready", flush=True); time.sleep(60)')
    stubborn = spawn(IGNORE_TERM)
    children.extend([polite, stubborn])
    procs = []
    for child in (polite, stubborn):
        procs.append(R.read_proc(child.pid))

    def alive(p):   # the test's own children must be reaped to stop existing
        for child in (polite, stubborn):
            if child.pid == p.pid and child.poll() is not None:
                return False
        return R._alive(p)

    t0 = time.monotonic()
    stopped = R.stop_processes(procs, grace_period=1.0, alive=alive)
    elapsed = time.monotonic() - t0
    assert stopped == sorted([dict(pid=polite.pid, name=procs[0].comm, signal='SIGTERM'),
                              dict(pid=stubborn.pid, name=procs[1].comm, signal='SIGKILL')], key=lambda s: s['pid'])
    assert polite.wait(5) == -signal.SIGTERM and stubborn.wait(5) == -signal.SIGKILL
    assert 1.0 <= elapsed < 8, elapsed


def test_a_reused_pid_is_never_signalled(children):
    child = spawn('import time; print("ready", flush=True); time.sleep(60)')
    children.append(child)
    stale = R.read_proc(child.pid)
    stale.start = 'not-its-start-time'
    assert R.stop_processes([stale], grace_period=0.2) == []
    assert child.poll() is None


def test_launch_and_wait_for_start(tmp_path):
    account = dict(user='me', uid=os.geteuid(), gid=os.getegid(), home=str(tmp_path))
    log = str(tmp_path / 'logs' / 'start.log')
    launched = R.launch([sys.executable, '-c', 'import sys; sys.stderr.write("no display\\n"); sys.exit(3)'],
                        {'PATH': '/usr/bin:/bin'}, account, log)
    assert R.wait_for_start(launched, lambda: [], set(), timeout=10) == []
    assert launched.wait(5) == 3
    assert R.tail_text(log) == 'no display'
    assert oct(os.stat(log).st_mode & 0o777) == '0o600'
