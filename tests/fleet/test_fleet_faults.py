# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults during a rollout over SSH: a full disk on one host, a host whose sshd dies in the middle."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os

from _fleet import base_vars, failure_text, npm_server, outcome, reached, sha256, strict_json, stub_server, wait_for_event

SEED = {'globalShortcut': 'Ctrl+Space', 'mcpServers': {'legacy': {'command': '/bin/true', 'disabled': True}}}


def fill(directory):
    """Fill the file system holding directory to the last byte; returns the filler's path."""
    path = os.path.join(directory, 'filler.bin')
    with open(path, 'wb', buffering=0) as handle:
        for size in (65536, 4096, 1):
            while True:
                try:
                    handle.write(b'\0' * size)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    st = os.statvfs(directory)
    assert st.f_bavail == 0, 'still %d blocks free' % st.f_bavail
    return path


def test_full_disk_fails_cleanly_with_config_and_backups_intact(fleet, tmp_path):
    full = fleet['fleet2']
    fleet.tmpfs_home(full.name, '1m')
    for host in fleet.hosts:
        host.write_config(SEED)
    everyone = dict(mcp_serial=len(fleet.hosts), mcp_max_fail_percentage=100)
    fleet.deploy(tmp_path / 'first', base_vars([stub_server('stub')], **everyone))
    assert len(full.backups()) == 1
    config_bytes = full.read()
    backups = dict((name, sha256(os.path.join(full.backup_dir, name))) for name in os.listdir(full.backup_dir))
    fill(full.home)

    run = fleet.deploy(tmp_path / 'full', base_vars([stub_server('stub'), npm_server('memory', 'mcp-server-memory')],
                                                    **everyone), expect_rc=2)

    why = failure_text(run, full.name)
    assert run.stats[full.name]['failures'] >= 1
    assert 'No space left on device' in why, why
    assert full.read() == config_bytes
    assert dict((name, sha256(os.path.join(full.backup_dir, name))) for name in os.listdir(full.backup_dir)) == backups
    assert sorted(full.servers()) == ['legacy', 'stub']
    # Everyone else went on (max_fail_percentage 100).
    for host in fleet.hosts:
        if host is not full:
            assert outcome(run, host.name) == 'deployed', (host.name, failure_text(run, host.name))
            assert sorted(host.servers()) == ['legacy', 'memory', 'stub'], host.name


def test_host_whose_sshd_dies_mid_rollout_is_unreachable_and_a_rerun_completes_it(fleet, tmp_path):
    for host in fleet.hosts:
        host.write_config(SEED)
    seed_bytes = fleet['fleet4'].read()
    # Canary, then the other five together; one of five failing (20%) is within max_fail_percentage 25.
    extravars = base_vars([stub_server('stub'), npm_server('memory', 'mcp-server-memory')],
                          mcp_serial=[1, 5], mcp_max_fail_percentage=25)
    proc, finish, results = fleet.deploy_background(tmp_path / 'killed', extravars)
    seen = []

    def third_task_on_fleet4(event):
        if event.get('host') == 'fleet4':
            seen.append(event['task'])
        return len(seen) >= 3
    try:
        assert wait_for_event(results, third_task_on_fleet4, proc), 'the rollout never reached fleet4'
        fleet.stop('fleet4')
    finally:
        run = finish(expect_rc=None)
    assert run.rc != 0
    assert run.stats['fleet4']['unreachable'] >= 1, run.stats
    assert 'fleet4' in run.stdout and 'UNREACHABLE' in run.stdout
    assert fleet['fleet4'].read() == seed_bytes
    for name in ('fleet1', 'fleet2', 'fleet3', 'fleet5', 'fleet6'):
        assert outcome(run, name) == 'deployed', (name, failure_text(run, name))
        assert sorted(fleet[name].servers()) == ['legacy', 'memory', 'stub'], name
    others = dict((h.name, (h.snapshot(), h.backups())) for h in fleet.hosts if h.name != 'fleet4')

    fleet.start('fleet4')
    rerun = fleet.deploy(tmp_path / 'rerun', extravars)

    assert reached(rerun) == set(fleet.names)
    assert outcome(rerun, 'fleet4') == 'deployed'
    assert sorted(strict_json(fleet['fleet4'].read())['mcpServers']) == ['legacy', 'memory', 'stub']
    newest = fleet['fleet4'].backups()[-1]
    with open(os.path.join(fleet['fleet4'].backup_dir, newest), 'rb') as handle:
        assert handle.read() == seed_bytes, 'the rerun backed up something other than the untouched config'
    for host in fleet.hosts:
        if host.name != 'fleet4':
            assert rerun.stats[host.name]['changed'] == 0, (host.name, rerun.stats[host.name])
            assert (host.snapshot(), host.backups()) == others[host.name], host.name
