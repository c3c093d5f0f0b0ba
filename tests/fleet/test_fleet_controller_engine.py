# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""engine=controller over real SSH gives what engine=host gives (docs/windows.md).

Two hosts with the same config at the default path: fleet1 runs the modules on the host, fleet2 only moves bytes
(slurp, copy, the checked rename) while the modules run on the controller. Same play, same files afterwards
(bytes, modes, owners, backups with their sidecars), same results; the unprivileged user reached with become
and `user` gets the same ownership both ways.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import pwd
import re
import subprocess

from _fleet import tree

SEED = {'globalShortcut': 'Ctrl+Space', 'mcpServers': {'legacy': {'command': '/bin/true', 'disabled': True}}}
SECRET = 'ghp_FleetControllerEngine0123456789ab'
TS_RE = re.compile(r'\d{8}T\d{12}Z|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z')


def _play(path, hosts):
    tasks = [
        {'name': 'add', 'mcpops.mcp.mcp_server': {
            'name': 'github', 'command': 'npx', 'args': ['-y', '@modelcontextprotocol/server-github'],
            'secret_env': {'GITHUB_PERSONAL_ACCESS_TOKEN': SECRET}, 'validate_command': False,
            'user': '{{ mcp_user | default(omit) }}', 'engine': '{{ eng }}'}},
        {'name': 'set', 'mcpops.mcp.mcp_servers': {
            'servers': [{'name': 'github', 'command': 'npx', 'args': ['-y', '@modelcontextprotocol/server-github'],
                         'secret_env': {'GITHUB_PERSONAL_ACCESS_TOKEN': SECRET}},
                        {'name': 'sh', 'command': 'sh'}],
            'user': '{{ mcp_user | default(omit) }}', 'engine': '{{ eng }}'}},
        {'name': 'missing command', 'ignore_errors': True, 'mcpops.mcp.mcp_server': {
            'name': 'nope', 'command': 'no-such-command-mcpops', 'user': '{{ mcp_user | default(omit) }}',
            'engine': '{{ eng }}'}},
        {'name': 'backup', 'mcpops.mcp.mcp_backup': {'daily': True, 'user': '{{ mcp_user | default(omit) }}',
                                                     'engine': '{{ eng }}'}},
        {'name': 'info', 'mcpops.mcp.mcp_server_info': {'user': '{{ mcp_user | default(omit) }}', 'engine': '{{ eng }}'}},
        {'name': 'backups', 'mcpops.mcp.mcp_backup_info': {'user': '{{ mcp_user | default(omit) }}', 'engine': '{{ eng }}'}},
    ]
    for task in tasks:
        task['register'] = 'out'
    with open(path, 'w') as handle:
        json.dump([{'name': 'engines', 'hosts': ':'.join(hosts), 'gather_facts': False, 'tasks': tasks}], handle, indent=1)
    return path


def _norm(value, home):
    return TS_RE.sub('<TS>', json.dumps(value, sort_keys=True).replace(home, '<HOME>'))


def _results(run, host, home):
    out = []
    for event in run.tasks():
        if event.get('host') == host:
            result = dict((k, v) for k, v in event['result'].items() if k not in ('invocation', '_ansible_no_log'))
            out.append((event['task'], event['status'], _norm(result, home)))
    return out


def _run(fleet, workdir, host_vars):
    # Only the two hosts compared: the fleet may have more (make fleet brings up 6), which have no `eng`.
    playbook = _play(str(workdir) + '-engines.json', sorted(host_vars))
    argv, env, results, workdir = fleet.command(workdir, {}, host_vars, playbook=playbook, extra_args=['--diff'])
    proc = subprocess.run(argv, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=900, check=False)
    return fleet.finish(proc.returncode, proc.stdout, proc.stderr, argv, workdir, results, 0)


def _tree(host):
    """The host's config dir without lock files (engine=controller takes none), backups numbered by their time."""
    found = dict((rel, value) for rel, value in tree(host.config_dir).items() if not rel.endswith('.lock'))
    stamps = sorted(set(m for rel in found for m in TS_RE.findall(rel)))
    out = {}
    for rel, value in found.items():
        for index, stamp in enumerate(stamps):
            rel = rel.replace(stamp, '<TS%d>' % index)
        out[rel] = value
    return out


def _same(fleet, run, pairs):
    for (host_engine, home_a), (controller, home_b) in pairs:
        a, b = _results(run, host_engine.name, home_a), _results(run, controller.name, home_b)
        assert [x[:2] for x in a] == [x[:2] for x in b]
        for left, right in zip(a, b):
            assert left == right, left[0]
        assert _tree(host_engine) == _tree(controller)


def test_both_engines_give_the_same_files_and_results_over_ssh(fleet, tmp_path):
    one, two = fleet.hosts[:2]
    for host in (one, two):
        host.write_config(SEED)
    run = _run(fleet, tmp_path / 'root', {one.name: {'eng': 'host'}, two.name: {'eng': 'controller'}})
    assert SECRET not in run.stdout + run.stderr
    _same(fleet, run, [((one, one.remote_home), (two, two.remote_home))])
    assert b'"github"' in two.read() and len(two.backups()) >= 2
    results = dict((e['task'], e) for e in run.tasks() if e.get('host') == two.name)
    assert results['missing command']['status'] == 'failed'
    assert 'no-such-command-mcpops' in results['missing command']['result']['msg']


def test_become_and_user_give_the_same_ownership_both_ways(fleet, tmp_path):
    one, two = fleet.hosts[:2]
    user = pwd.getpwnam('mcpfleet')
    for host in (one, two):
        host.owner_home = host.user_home
        host.write_config(SEED)
        for root, dirs, files in os.walk(os.path.join(host.user_home, '.config')):
            for name in dirs + files + ['.']:
                os.chown(os.path.join(root, name), user.pw_uid, user.pw_gid)
    become = {'ansible_user': 'mcpfleet', 'ansible_become': True, 'mcp_user': 'mcpfleet'}
    run = _run(fleet, tmp_path / 'become', {one.name: dict(become, eng='host'), two.name: dict(become, eng='controller')})
    _same(fleet, run, [((one, '/home/mcpfleet'), (two, '/home/mcpfleet'))])
    for path, value in two.snapshot().items():
        assert value[2] == user.pw_uid, path
