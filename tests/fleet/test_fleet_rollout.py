# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Canary rollouts and idempotence of `ansible-playbook mcpops.mcp.deploy` over SSH on the fleet.

The playbook's defaults are used on purpose (serial [1, '25%'], max_fail_percentage 0): the canary is
fleet1, then one host per batch on a 6-host fleet.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import re

import pytest

from _fleet import base_vars, failure_text, npm_server, outcome, reached, stub_server

SECRET = 'fleet-not-a-real-token-5f3a9c'
SEED = {'globalShortcut': 'Ctrl+Space', 'mcpServers': {'legacy': {'command': '/bin/true', 'disabled': True}}}

# A per-host wrapper in each host's home: the same declared command, a different program per host.
GOOD_WRAPPER = '#!/bin/sh\nexec /usr/bin/python3 %s --mode=ok "$@"\n'
BAD_WRAPPER = '#!/bin/sh\n# this host got a build that speaks a protocol version nobody supports\nexec /usr/bin/python3 %s --mode=bad_version "$@"\n'


def seed_fleet(fleet, broken=()):
    """Every host: the same existing config; .local/bin/weather-mcp works except on the broken hosts."""
    stub = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'servers', 'mcp_stub.py')
    command = None
    for host in fleet.hosts:
        host.write_config(SEED)
        command = host.write_script('.local/bin/weather-mcp', (BAD_WRAPPER if host.name in broken else GOOD_WRAPPER) % stub)
    return {'name': 'weather', 'command': command}


def rollout_vars(weather):
    return base_vars([
        weather,
        stub_server('tokened', mode='need_env', secret_env={'STUB_API_TOKEN': SECRET}),
        npm_server('memory', 'mcp-server-memory'),
    ])


def test_canary_failure_stops_the_rollout_before_any_other_host(fleet, tmp_path):
    weather = seed_fleet(fleet, broken=('fleet1',))
    before = dict((h.name, h.snapshot()) for h in fleet.hosts)
    seed_bytes = fleet['fleet1'].read()

    run = fleet.deploy(tmp_path / 'canary', rollout_vars(weather), expect_rc=2)

    canary = fleet['fleet1']
    assert outcome(run, 'fleet1') == 'rolled_back', run.stdout[-4000:]
    assert 'weather' in failure_text(run, 'fleet1') and 'protocol' in failure_text(run, 'fleet1').lower()
    # The canary is back to its exact bytes from before the deploy.
    assert canary.read() == seed_bytes
    assert canary.servers() == SEED['mcpServers']
    # Nobody else was touched: no task ran there, every file byte-identical, no backup written.
    assert reached(run) == set(['fleet1']), sorted(reached(run))
    for host in fleet.hosts[1:]:
        assert host.snapshot() == before[host.name], host.name
        assert host.backups() == [], host.name
    assert SECRET not in run.all_text


@pytest.fixture(scope='module')
def later_failure(fleet_session, tmp_path_factory):
    """One rollout in which fleet4 (the fourth batch) breaks; examined by the tests below."""
    fleet = fleet_session
    fleet.reset()
    weather = seed_fleet(fleet, broken=('fleet4',))
    before = dict((h.name, h.snapshot()) for h in fleet.hosts)
    seed_bytes = fleet['fleet4'].read()
    run = fleet.deploy(tmp_path_factory.mktemp('later') / 'run', rollout_vars(weather), expect_rc=2)
    return fleet, run, before, seed_bytes


def test_later_host_failure_is_rolled_back_there_only(later_failure):
    fleet, run, before, seed_bytes = later_failure
    # fleet1 (canary), fleet2, fleet3: deployed, one pre-change backup each.
    for name in ('fleet1', 'fleet2', 'fleet3'):
        host = fleet[name]
        assert outcome(run, name) == 'deployed', name
        assert sorted(host.servers()) == ['legacy', 'memory', 'tokened', 'weather'], name
        assert len(host.backups()) == 1, (name, host.backups())
        assert run.stats[name]['failures'] == 0 and run.stats[name]['unreachable'] == 0, name
    # fleet4: rolled back to its exact bytes; the run says why.
    broken = fleet['fleet4']
    assert outcome(run, 'fleet4') == 'rolled_back'
    assert broken.read() == seed_bytes
    assert run.stats['fleet4']['failures'] >= 1
    assert 'Rolled back' in failure_text(run, 'fleet4')
    assert 'protocol_error' in failure_text(run, 'fleet4')
    # fleet5, fleet6: never reached.
    for name in ('fleet5', 'fleet6'):
        assert name not in reached(run), name
        assert name not in run.stats, name
        assert fleet[name].snapshot() == before[name], name
        assert fleet[name].backups() == [], name
    assert SECRET not in run.all_text


def test_rollout_says_which_hosts_changed_rolled_back_and_were_never_reached(later_failure):
    """The run's own output names every host's fate, the ones the rollout never reached included."""
    fleet, run, before, seed_bytes = later_failure
    text = run.stdout
    assert 'fleet4' in failure_text(run, 'fleet4')
    for name in ('fleet5', 'fleet6'):
        assert name in text, 'the run never mentions %s, which the rollout did not reach:\n%s' % (name, text[-3000:])
    summary = failure_text(run, 'fleet4')
    assert re.search(r'deployed: fleet1, fleet2, fleet3', summary), summary
    assert 'rolled back: fleet4' in summary, summary
    assert 'not reached: fleet5, fleet6' in summary, summary


def test_second_run_changes_nothing_on_any_host(fleet, tmp_path):
    weather = seed_fleet(fleet)
    extravars = rollout_vars(weather)
    first = fleet.deploy(tmp_path / 'first', extravars)
    for name in fleet.names:
        assert outcome(first, name) == 'deployed', name
        assert first.stats[name]['changed'] > 0, name
    after_first = dict((h.name, h.snapshot()) for h in fleet.hosts)
    backups = dict((h.name, h.backups()) for h in fleet.hosts)
    assert all(len(b) == 1 for b in backups.values()), backups

    second = fleet.deploy(tmp_path / 'second', extravars)

    for host in fleet.hosts:
        assert second.stats[host.name]['changed'] == 0, (host.name, second.stats[host.name])
        assert outcome(second, host.name) == 'unchanged', host.name
        assert host.backups() == backups[host.name], host.name
        assert host.snapshot() == after_first[host.name], host.name
    assert SECRET not in first.all_text and SECRET not in second.all_text
