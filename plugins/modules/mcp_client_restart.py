#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mcp_client_restart
short_description: Stop, start or restart a desktop MCP client in its user's desktop session
version_added: 1.1.0
description:
  - Desktop clients read their MCP config when they start. This module stops the client (SIGTERM, then SIGKILL
    after O(grace_period)) and starts it again in the desktop session of O(user), with that session's environment.
  - It acts only when O(user) has a running desktop session on the host - a process of that user whose environment
    holds a local C(DISPLAY) (not an C(ssh -X) forward) or a C(WAYLAND_DISPLAY), else a C(loginctl) session of type
    C(x11) or C(wayland); on macOS, the user who owns C(/dev/console). Without one it changes nothing and says so in
    RV(reason) (C(changed=false), RV(acted=false)); that is not a failure.
  - 'Process names and start commands come from a table per client and OS: Linux builds C(claude-desktop) (the Electron
    binary or launcher, or C(electron .../claude-desktop/app.asar)), started as C(claude-desktop) from the session''s
    C(PATH); macOS C(Claude.app), started with C(open -a Claude). Windows (C(Claude.exe)) hosts cannot run this
    module. For a client without a table entry (the CLIs, and editors that reload their MCP config themselves)
    nothing happens and RV(reason) says so, unless O(process_names) and O(start_command) are given.'
  - Only the client's processes owned by O(user) are signalled, and a process is only signalled while its start time
    still matches (a reused pid is left alone).
author:
  - mcpops contributors (@mcpops)
extends_documentation_fragment:
  - mcpops.mcp.common
  - mcpops.mcp._attributes
options:
  state:
    description:
      - V(restarted) stops a running client and starts it again; a client that is not running is left alone
        (it reads the new config when the user starts it), see RV(reason).
      - V(stopped) stops it; V(started) starts it when it is not running.
    type: str
    choices: [stopped, started, restarted]
    default: restarted
  grace_period:
    description: Seconds between SIGTERM and SIGKILL.
    type: float
    default: 10
  start_timeout:
    description: Seconds to wait for the started client's process to appear before failing.
    type: float
    default: 10
  process_names:
    description:
      - Process names of the client (as C(/proc/<pid>/comm), the executable's or C(argv[0])'s base name), instead
        of the table's.
    type: list
    elements: str
  start_command:
    description:
      - The command that starts the client (argv list; the first item is looked up on the session's C(PATH)),
        instead of the table's.
    type: list
    elements: str
attributes:
  check_mode:
    support: full
    details: Finds the session and the running client and reports what it would stop and start.
  diff_mode:
    support: none
notes:
  - The started client's output goes to C(~/.cache/mcpops/<client>-start.log) of O(user) (0600, truncated at every
    start); the last lines are in the failure message when the client does not come up.
  - Stopping with SIGTERM lets Electron apps close cleanly; a client still running after O(grace_period) is killed.
  - The session environment is read from C(/proc/<pid>/environ) and is never returned (it may hold tokens).
seealso:
  - module: mcpops.mcp.mcp_servers
'''

EXAMPLES = r'''
- name: Restart Claude Desktop for alice so it reads the new config
  mcpops.mcp.mcp_client_restart:
    user: alice
  become: true
  register: restart

- name: Say why nothing happened
  ansible.builtin.debug:
    msg: "{{ restart.reason }}"
  when: not restart.acted

- name: Stop the client before restoring a backup, start it afterwards
  mcpops.mcp.mcp_client_restart:
    user: alice
    state: stopped
    grace_period: 5
'''

RETURN = r'''
acted:
  description: Whether a desktop session was found and the client was (or in check mode would be) handled.
  returned: always
  type: bool
  sample: true
reason:
  description: One sentence saying what was done, or why nothing was.
  returned: always
  type: str
  sample: >-
    no running desktop session of alice on this host (no process of alice with a local DISPLAY or WAYLAND_DISPLAY,
    no x11/wayland loginctl session); nothing to restart.
app:
  description: The client's desktop app on this OS from the table, or V(null) when it has none.
  returned: always
  type: str
  sample: Claude Desktop (Linux build)
session:
  description: The desktop session found, or V(null). Its environment is not returned.
  returned: always
  type: dict
  contains:
    kind:
      description: V(x11), V(wayland) or V(aqua) (macOS).
      type: str
      sample: x11
    display:
      description: The C(WAYLAND_DISPLAY) or C(DISPLAY) of the session.
      type: str
      sample: ":0"
    source:
      description: How it was found - V(process), V(loginctl) or V(console).
      type: str
      sample: process
    pid:
      description: The process whose environment was used (V(null) for loginctl and console sessions).
      type: int
      sample: 2213
    process:
      description: That process's name, or the loginctl session.
      type: str
      sample: gnome-shell
was_running:
  description: Whether the client was running before the module acted.
  returned: always
  type: bool
  sample: true
stopped:
  description: The client processes stopped (or that would be), with the signal each needed.
  returned: always
  type: list
  elements: dict
  contains:
    pid:
      description: Process id.
      type: int
      sample: 4711
    name:
      description: Process name.
      type: str
      sample: claude-desktop
    signal:
      description: V(SIGTERM), or V(SIGKILL) when it outlived the grace period (in check mode V(SIGTERM)).
      type: str
      sample: SIGTERM
started:
  description: The new client processes seen after the start (empty in check mode and when nothing was started).
  returned: always
  type: list
  elements: dict
  contains:
    pid:
      description: Process id.
      type: int
      sample: 4790
    name:
      description: Process name.
      type: str
      sample: claude-desktop
start_command:
  description: The start command as run (first item resolved on the session's PATH), or V(null) when nothing was started.
  returned: always
  type: list
  elements: str
  sample: [/usr/bin/claude-desktop]
log_path:
  description: Where the started client's output goes, or V(null) when nothing was started.
  returned: always
  type: str
  sample: /home/alice/.cache/mcpops/claude_desktop-start.log
'''

import os
import platform

try:
    import pwd
except ImportError:  # pragma: no cover - POSIX only
    pwd = None

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mcpops.mcp.plugins.module_utils._clients import ClientError
from ansible_collections.mcpops.mcp.plugins.module_utils._common import user_account, with_common
from ansible_collections.mcpops.mcp.plugins.module_utils._redact import mask_text
from ansible_collections.mcpops.mcp.plugins.module_utils._restart import (
    RestartError,
    app_for,
    app_processes,
    find_session,
    launch,
    read_processes,
    resolve_start,
    start_environment,
    stop_processes,
    tail_text,
    wait_for_start,
)


def account_of(module):
    """The user whose client this is (the connecting user by default), with groups for the start."""
    user = module.params['user'] or pwd.getpwuid(os.geteuid()).pw_name
    try:
        account = user_account(user)
    except ClientError as exc:
        module.fail_json(msg=str(exc))
    if os.geteuid() not in (0, account['uid']):
        module.fail_json(msg='Restarting the client of user %r needs become (root) or running as that user.' % user)
    try:
        account['groups'] = os.getgrouplist(account['user'], account['gid'])
    except (OSError, AttributeError):
        account['groups'] = [account['gid']]
    return account


def public_session(session):
    if session is None:
        return None
    return dict((k, session[k]) for k in ('kind', 'display', 'source', 'pid', 'process'))


def listed(procs):
    return [dict(pid=p.pid, name=p.comm) for p in procs]


def main():
    module = AnsibleModule(
        argument_spec=with_common(dict(
            state=dict(type='str', default='restarted', choices=['stopped', 'started', 'restarted']),
            grace_period=dict(type='float', default=10),
            start_timeout=dict(type='float', default=10),
            process_names=dict(type='list', elements='str'),
            start_command=dict(type='list', elements='str'),
        )),
        supports_check_mode=True,
    )
    params = module.params
    state = params['state']
    result = dict(changed=False, acted=False, reason='', app=None, session=None, was_running=False,
                  stopped=[], started=[], start_command=None, log_path=None)
    system = platform.system()
    if system not in ('Linux', 'Darwin'):
        module.fail_json(msg='mcp_client_restart runs on Linux and macOS hosts; %s is not supported.' % system, **result)
    account = account_of(module)
    row = app_for(params['client'], system)
    if params['process_names'] or params['start_command']:
        row = dict(row or dict(app=params['client'], names=[], interpreters=[], markers=[], start=[]))
        if params['process_names']:
            row.update(names=params['process_names'], interpreters=[], markers=[])
        if params['start_command']:
            row['start'] = params['start_command']
    if row is None:
        result['reason'] = ('no process table entry for client %s on %s (it reads its config when it next starts); '
                            'restart it by hand, or give process_names and start_command.' % (params['client'], system))
        module.exit_json(**result)
    result['app'] = row['app']

    procs = read_processes()
    running = app_processes(procs, account['uid'], row)
    result['was_running'] = bool(running)
    session = find_session(system, account, row, procs)
    result['session'] = public_session(session)
    if session is None:
        result['reason'] = ('no running desktop session of %s on this host (no process of %s with a local DISPLAY or '
                            'WAYLAND_DISPLAY, no x11/wayland loginctl session); nothing to %s.'
                            % (account['user'], account['user'], state[:-2] if state != 'stopped' else 'stop'))
        module.exit_json(**result)

    result['acted'] = True
    where = '%s session %s of %s' % (session['kind'], session['display'], account['user'])
    will_stop = running if state in ('stopped', 'restarted') else []
    will_start = state == 'started' and not running or state == 'restarted' and bool(running)
    if not will_stop and not will_start:
        result['reason'] = {
            'stopped': '%s is not running in the %s; nothing to stop.',
            'started': '%s is already running in the %s.',
            'restarted': '%s is not running in the %s; it reads the new config when the user starts it.',
        }[state] % (row['app'], where)
        result['stopped'] = []
        module.exit_json(**result)

    env = start_environment(session['env'], account)
    argv = None
    if will_start:
        try:
            argv = resolve_start(row['start'], env)
        except RestartError as exc:
            module.fail_json(msg=str(exc), **result)
    result['changed'] = True
    if module.check_mode:
        result['stopped'] = [dict(pid=p.pid, name=p.comm, signal='SIGTERM') for p in will_stop]
        result['start_command'] = argv
        result['reason'] = 'would %s %s in the %s (check mode).' % (
            'restart' if will_stop and will_start else ('stop' if will_stop else 'start'), row['app'], where)
        module.exit_json(**result)

    try:
        if will_stop:
            result['stopped'] = stop_processes(will_stop, params['grace_period'])
        if will_start:
            result['start_command'] = argv
            # A user without a home directory (a system account) gets no log: nothing is created for it.
            log_path = (os.path.join(account['home'], '.cache', 'mcpops', '%s-start.log' % params['client'])
                        if os.path.isdir(account['home']) else os.devnull)
            result['log_path'] = None if log_path == os.devnull else log_path
            before = set(p.pid for p in running)
            launched = launch(argv, env, account, log_path)
            new = wait_for_start(launched, lambda: app_processes(read_processes(account['uid']), account['uid'], row),
                                 before, params['start_timeout'])
            if not new:
                code = launched.poll()
                tail = mask_text(tail_text(log_path))
                module.fail_json(msg='%s did not start in the %s within %gs (%s)%s' % (
                    row['app'], where, params['start_timeout'],
                    'the start command exited %d' % code if code is not None else 'no process named %s appeared'
                    % ', '.join(row['names']), ('; its output ends: ' + tail) if tail else '.'), **result)
            result['started'] = listed(new)
    except RestartError as exc:
        module.fail_json(msg=str(exc), **result)
    except OSError as exc:
        module.fail_json(msg='could not %s %s: %s' % (state[:-2] if state != 'stopped' else 'stop', row['app'],
                                                      exc), **result)
    forced = [s['pid'] for s in result['stopped'] if s['signal'] == 'SIGKILL']
    result['reason'] = '%s %s in the %s%s.' % (
        'restarted' if will_stop and will_start else ('stopped' if will_stop else 'started'), row['app'], where,
        ' (pid %s needed SIGKILL after %gs)' % (', '.join(map(str, forced)), params['grace_period']) if forced else '')
    module.exit_json(**result)


if __name__ == '__main__':
    main()
