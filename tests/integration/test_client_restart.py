# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_client_restart and the deploy role's restart handler on Linux, with a stand-in client.

A throwaway user gets a "desktop session" (a process carrying DISPLAY=:42 and a marker variable) and a stand-in
client: an executable named claude-desktop on the session's PATH that records its pid and environment when it
starts. The module must stop that process and start a new one in the session's environment, and must do
nothing (and say so) when the user has no desktop session.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import pwd
import shutil
import signal
import subprocess
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
STUB = os.path.join(REPO, 'tests', 'servers', 'mcp_stub.py')
# One throwaway user per test process: make test runs this file in parallel lanes (one per ansible-core), and the
# module stops every stand-in client of its user, so a shared user would let one lane kill another lane's client.
DESK_USER = 'mcpd%d' % os.getpid()
DESK_HOME = '/var/tmp/%s-home' % DESK_USER
PYTHON = '/usr/bin/python3'   # the user cannot reach the venv's interpreter under /root

STANDIN = '''#!%s
import os, signal, sys, time
with open(os.path.join(os.environ["HOME"], "starts.log"), "a") as log:
    log.write("%%d DISPLAY=%%s SESSION=%%s\\n" %% (os.getpid(), os.environ.get("DISPLAY", ""),
                                                 os.environ.get("STANDIN_SESSION", "")))
if os.path.exists(os.path.join(os.environ["HOME"], "ignore-term")):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
while True:
    time.sleep(0.2)
''' % PYTHON


def uid_processes(uid):
    found = []
    for name in os.listdir('/proc'):
        if name.isdigit():
            try:
                if os.stat('/proc/' + name).st_uid == uid:
                    with open('/proc/%s/stat' % name) as handle:
                        if handle.read().split(') ')[-1][:1] not in 'ZX':
                            found.append(int(name))
            except OSError:
                continue
    return found


def comm(pid):
    with open('/proc/%d/comm' % pid) as handle:
        return handle.read().strip()


class Desk(object):
    """The test user's desktop: its session process, its stand-in client, what the client recorded."""

    def __init__(self, entry):
        self.user = entry.pw_name
        self.uid = entry.pw_uid
        self.gid = entry.pw_gid
        self.home = entry.pw_dir
        self.bin = os.path.join(self.home, 'bin')
        self.children = []

    def env(self, display=':42'):
        env = {'HOME': self.home, 'USER': self.user, 'PATH': self.bin + ':/usr/bin:/bin', 'STANDIN_SESSION': 'desk-42'}
        if display:
            env['DISPLAY'] = display
        return env

    def spawn(self, argv, env):
        child = subprocess.Popen(argv, env=env, cwd=self.home, user=self.uid, group=self.gid, extra_groups=[self.gid],
                                 start_new_session=True, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.children.append(child)
        return child

    def start_session(self, display=':42'):
        return self.spawn([PYTHON, '-c', 'import time; time.sleep(300)', 'desktop-session'], self.env(display))

    def start_client(self, display=':42'):
        child = self.spawn([os.path.join(self.bin, 'claude-desktop')], self.env(display))
        deadline = time.time() + 10
        while child.pid not in self.recorded_pids() and time.time() < deadline:
            time.sleep(0.05)
        assert child.pid in self.recorded_pids(), 'the stand-in client did not start'
        return child.pid

    def starts(self):
        path = os.path.join(self.home, 'starts.log')
        if not os.path.exists(path):
            return []
        with open(path) as handle:
            return [line.split() for line in handle if line.strip()]

    def recorded_pids(self):
        return [int(s[0]) for s in self.starts()]

    def clients(self):
        return sorted(p for p in uid_processes(self.uid) if comm(p) == 'claude-desktop')

    def kill_all(self):
        for pid in uid_processes(self.uid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for child in self.children:
            child.wait()
        deadline = time.time() + 5
        while uid_processes(self.uid) and time.time() < deadline:
            time.sleep(0.05)


@pytest.fixture(scope='module')
def desk_account():
    """This process's throwaway user, removed again when the module's tests are done."""
    if os.geteuid() != 0:
        pytest.skip('needs root to run processes as user %s (running as uid %d)' % (DESK_USER, os.geteuid()))
    if not os.path.exists(PYTHON):
        pytest.skip('%s is needed for the stand-in client' % PYTHON)
    created = False
    try:
        entry = pwd.getpwnam(DESK_USER)
    except KeyError:
        subprocess.check_call(['useradd', '--system', '--user-group', '--no-create-home', '--home-dir', DESK_HOME,
                               '--shell', '/usr/sbin/nologin', DESK_USER])
        entry = pwd.getpwnam(DESK_USER)
        created = True
    try:
        yield entry
    finally:
        if created:
            subprocess.call(['userdel', DESK_USER])


@pytest.fixture
def desk(desk_account):
    desk = Desk(desk_account)
    desk.kill_all()
    if os.path.isdir(desk.home):
        shutil.rmtree(desk.home)
    os.makedirs(desk.bin)
    with open(os.path.join(desk.bin, 'claude-desktop'), 'w') as handle:
        handle.write(STANDIN)
    os.chmod(os.path.join(desk.bin, 'claude-desktop'), 0o755)
    for path in (desk.home, desk.bin, os.path.join(desk.bin, 'claude-desktop')):
        os.chown(path, desk.uid, desk.gid)
    try:
        yield desk
    finally:
        desk.kill_all()
        shutil.rmtree(desk.home, ignore_errors=True)


def restart_play(state='restarted', check=False, **extra):
    args = dict(user=DESK_USER, state=state, grace_period=2, start_timeout=10)
    args.update(extra)
    task = {'name': 'restart', 'mcpops.mcp.mcp_client_restart': args, 'register': 'out'}
    if check:
        task['check_mode'] = True
    return {'hosts': 'all', 'gather_facts': False, 'tasks': [task]}


def test_restart_stops_the_client_and_starts_it_in_the_users_session(run_playbook, desk):
    desk.start_session()
    old = desk.start_client()

    t0 = time.monotonic()
    run = run_playbook(restart_play())
    elapsed = time.monotonic() - t0

    out = run.result('restart')
    assert out['changed'] and out['acted'] and out['was_running']
    assert out['session']['kind'] == 'x11' and out['session']['display'] == ':42' and out['session']['source'] == 'process'
    assert out['stopped'] == [dict(pid=old, name='claude-desktop', signal='SIGTERM')]
    assert old not in desk.clients()
    new = [s['pid'] for s in out['started']]
    assert len(new) == 1 and new == desk.clients() and new[0] != old
    # The new client runs as the user, in the session's environment (not the play's).
    assert os.stat('/proc/%d' % new[0]).st_uid == desk.uid
    assert desk.starts()[-1] == [str(new[0]), 'DISPLAY=:42', 'SESSION=desk-42']
    assert out['start_command'] == [os.path.join(desk.bin, 'claude-desktop')]
    assert out['log_path'] == os.path.join(desk.home, '.cache', 'mcpops', 'claude_desktop-start.log')
    st = os.stat(out['log_path'])
    assert st.st_uid == desk.uid and st.st_mode & 0o777 == 0o600
    assert 'restarted' in out['reason'] and 'x11 session :42' in out['reason']
    assert 'desk-42' not in run.all_text      # the session's environment is never returned
    print('restart playbook run: %.2fs' % elapsed)


def test_check_mode_reports_and_touches_nothing(run_playbook, desk):
    desk.start_session()
    old = desk.start_client()
    out = run_playbook(restart_play(check=True)).result('restart')
    assert out['changed'] and out['acted'] and 'would restart' in out['reason']
    assert out['stopped'] == [dict(pid=old, name='claude-desktop', signal='SIGTERM')] and out['started'] == []
    assert desk.clients() == [old] and desk.recorded_pids() == [old]


def test_a_client_ignoring_sigterm_is_killed_after_the_grace_period(run_playbook, desk):
    desk.start_session()
    with open(os.path.join(desk.home, 'ignore-term'), 'w'):
        pass
    old = desk.start_client()
    t0 = time.monotonic()
    out = run_playbook(restart_play(grace_period=1)).result('restart')
    assert time.monotonic() - t0 >= 1
    assert out['stopped'] == [dict(pid=old, name='claude-desktop', signal='SIGKILL')]
    assert 'needed SIGKILL after 1s' in out['reason']
    assert len(desk.clients()) == 1 and desk.clients()[0] != old


@pytest.mark.parametrize('display', [None, 'localhost:10.0'], ids=['no-display', 'ssh-forwarded-display'])
def test_without_a_desktop_session_nothing_happens_and_the_reason_says_so(run_playbook, desk, display):
    # The user is logged in (processes run), but not at a desktop: no DISPLAY, or only an ssh -X forward.
    desk.start_session(display=display)
    old = desk.start_client(display=display)
    for state in ('restarted', 'stopped', 'started'):
        out = run_playbook(restart_play(state=state)).result('restart')
        assert out['changed'] is False and out['acted'] is False, out
        assert out['session'] is None and out['was_running'] is True
        assert out['reason'].startswith('no running desktop session of %s on this host' % DESK_USER), out['reason']
    assert desk.clients() == [old] and desk.recorded_pids() == [old]


def test_started_and_stopped_states(run_playbook, desk):
    desk.start_session()
    out = run_playbook(restart_play(state='restarted')).result('restart')
    assert out['changed'] is False and out['acted'] and 'not running' in out['reason'] and desk.clients() == []
    out = run_playbook(restart_play(state='started')).result('restart')
    assert out['changed'] and len(out['started']) == 1 and desk.clients() == [out['started'][0]['pid']]
    out = run_playbook(restart_play(state='started')).result('restart')
    assert out['changed'] is False and 'already running' in out['reason']
    out = run_playbook(restart_play(state='stopped')).result('restart')
    assert out['changed'] and out['stopped'][0]['signal'] == 'SIGTERM' and desk.clients() == []


def test_a_start_that_fails_says_why(run_playbook, desk):
    desk.start_session()
    broken = os.path.join(desk.bin, 'broken-client')
    with open(broken, 'w') as handle:
        handle.write('#!/bin/sh\necho "cannot open display: token=abc123secret" >&2\nexit 4\n')
    os.chmod(broken, 0o755)
    run = run_playbook(restart_play(state='started', start_command=['broken-client'], process_names=['broken-client']),
                       expect_rc=2)
    msg = run.result('restart')['msg']
    assert 'did not start' in msg and 'exited 4' in msg and 'cannot open display' in msg, msg
    assert 'abc123secret' not in run.all_text
    missing = run_playbook(restart_play(state='started', start_command=['no-such-client']), expect_rc=2)
    assert 'was not found' in missing.result('restart')['msg'] and desk.bin in missing.result('restart')['msg']


def deploy_play(**role_vars):
    variables = dict(mcp_user=DESK_USER, mcp_restart_grace_period=2, mcp_health_retry_delay=1)
    variables.update(role_vars)
    return {'hosts': 'all', 'gather_facts': False,
            'roles': [{'role': 'mcpops.mcp.deploy', 'vars': variables}]}


def test_deploy_role_restarts_the_client_only_when_asked_and_only_after_a_change(run_playbook, desk):
    desk.start_session()
    old = desk.start_client()
    server = {'name': 'stub', 'command': PYTHON, 'args': [STUB, '--mode=ok']}

    # Default (mcp_restart_client false): the config changes, the client is left alone.
    first = run_playbook(deploy_play(mcp_servers=[server]))
    assert first.tasks('Restart the MCP client in the user\'s desktop session') == []
    assert desk.clients() == [old]

    # Asked to: a change restarts it, after the health wait.
    second = run_playbook(deploy_play(mcp_servers=[server, dict(server, name='stub2')], mcp_restart_client=True))
    out = second.result('Restart the MCP client in the user\'s desktop session')
    assert out['changed'] and out['stopped'][0]['pid'] == old
    assert desk.clients() == [out['started'][0]['pid']]
    names = [e['task'] for e in second.events]
    assert names.index('Restart the MCP client in the user\'s desktop session') > names.index(
        'Check every deployed server answers the MCP handshake')

    # No change: no restart.
    current = desk.clients()
    third = run_playbook(deploy_play(mcp_servers=[server, dict(server, name='stub2')], mcp_restart_client=True))
    assert third.tasks('Restart the MCP client in the user\'s desktop session') == []
    assert desk.clients() == current


def test_other_roles_include_the_task_file_to_stop_then_start(run_playbook, desk):
    desk.start_session()
    old = desk.start_client()
    include = {'ansible.builtin.include_role': {'name': 'mcpops.mcp.deploy', 'tasks_from': 'restart_client'}}
    play = {'hosts': 'all', 'gather_facts': False, 'vars': {'mcp_user': DESK_USER}, 'tasks': [
        dict(include, name='stop', vars={'mcp_restart_state': 'stopped'}),
        {'name': 'note', 'ansible.builtin.set_fact': {'was_stopped': '{{ restart_client_result.stopped }}'}},
        dict(include, name='start', vars={'mcp_restart_state': 'started'}),
    ]}
    run = run_playbook(play)
    stopped = run.result('note')['ansible_facts']['was_stopped']
    assert [s['pid'] for s in stopped] == [old]
    started = run.result('Restart the MCP client in the user\'s desktop session')['started']
    assert desk.clients() == [started[0]['pid']] != [old]
