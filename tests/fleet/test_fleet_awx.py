# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An AWX job over real SSH hosts: ansible-runner on an AWX-style private data dir whose inventory is the fleet.

The same layout as tests/integration/test_awx_runner.py (inventory/hosts, env/extravars with survey text,
env/settings, env/envvars, project/ importing mcpops.mcp.deploy); here the job reaches the hosts over SSH.
A broken server on one host fails the job with that host rolled back and the others deployed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import subprocess
import sys

import pytest

from _fleet import base_vars, stub_server

BIN = os.path.dirname(sys.executable)
RUNNER = os.path.join(BIN, 'ansible-runner')
SECRET = 'tok-fleet-awx-9c1d-never-print-me'

pytestmark = pytest.mark.skipif(not os.path.exists(RUNNER), reason='ansible-runner is not installed (requirements-test.txt)')


def _write(path, text, mode=0o600):
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path))
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)
    os.chmod(path, mode)


def run_job(fleet, pdd, extravars, ident):
    """One deploy job as AWX launches it; returns (status, rc, events, artefact bytes)."""
    os.makedirs(os.path.join(pdd, 'inventory'))
    fleet.write_inventory(os.path.join(pdd, 'inventory', 'hosts.json'))
    _write(os.path.join(pdd, 'env', 'extravars'), json.dumps(extravars, indent=2))
    _write(os.path.join(pdd, 'env', 'settings'), json.dumps({'job_timeout': 600, 'idle_timeout': 600,
                                                             'suppress_ansible_output': True}))
    env_ansible = {k: v for k, v in os.environ.items() if k.startswith('ANSIBLE_COLLECTIONS')}
    env_ansible.update({'ANSIBLE_NOCOLOR': 'true', 'ANSIBLE_DEPRECATION_WARNINGS': 'false'})
    _write(os.path.join(pdd, 'env', 'envvars'), json.dumps(env_ansible))
    _write(os.path.join(pdd, 'project', 'deploy.yml'),
           '---\n- name: MCP deploy (AWX job)\n  ansible.builtin.import_playbook: mcpops.mcp.deploy\n', 0o644)
    env = dict(os.environ, PATH=os.pathsep.join([BIN, os.environ.get('PATH', os.defpath)]))
    env.pop('ANSIBLE_CONFIG', None)
    proc = subprocess.run([RUNNER, 'run', pdd, '-p', 'deploy.yml', '--ident', ident], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    artifacts = os.path.join(pdd, 'artifacts', ident)

    def read(name):
        path = os.path.join(artifacts, name)
        return open(path, encoding='utf-8').read().strip() if os.path.exists(path) else ''

    events = []
    for path in glob.glob(os.path.join(artifacts, 'job_events', '*.json')):
        with open(path, encoding='utf-8') as handle:
            events.append(json.load(handle))
    blobs = []
    for top, _dirs, files in os.walk(artifacts):
        for name in files:
            with open(os.path.join(top, name), 'rb') as handle:
                blobs.append(handle.read())
    describe = 'status=%s rc=%s\n%s\n%s' % (read('status'), read('rc'), read('stdout')[-5000:], proc.stderr[-2000:])
    return read('status'), int(read('rc') or -1), events, blobs, describe


def test_awx_job_over_ssh_deploys_and_rolls_back_the_broken_host(fleet, tmp_path):
    good = [stub_server('keeper', 'need_env', secret_env={'STUB_API_TOKEN': SECRET})]
    # Survey text, as an AWX survey passes it; all hosts in one batch so every host gets its own outcome.
    job_vars = base_vars(json.dumps(good), mcp_serial=['100%'], mcp_max_fail_percentage=100)

    status, rc, events, blobs, describe = run_job(fleet, str(tmp_path / 'pdd1'), job_vars, 'deploy-1')

    assert (status, rc) == ('successful', 0), describe
    stats = [e for e in events if e['event'] == 'playbook_on_stats']
    assert len(stats) == 1 and set(stats[0]['event_data']['ok']) == set(fleet.names), describe
    for host in fleet.hosts:
        assert [e for e in events if e['event'] == 'runner_on_ok' and e['event_data'].get('host') == host.name]
        assert host.servers()['keeper']['env']['STUB_API_TOKEN'] == SECRET  # the secret reached the host's file
    assert not any(SECRET.encode() in blob for blob in blobs)

    # A second job, limited to one host (mcp_hosts), adds a server that crashes: that host fails and is rolled back.
    broken = fleet.names[1]
    before = dict((h.name, h.read()) for h in fleet.hosts)
    bad = good + [stub_server('crashy', 'crash')]
    job_vars = base_vars(json.dumps(bad), mcp_serial=['100%'], mcp_max_fail_percentage=100, mcp_hosts=broken)

    status, rc, events, blobs, describe = run_job(fleet, str(tmp_path / 'pdd2'), job_vars, 'deploy-2')

    assert status == 'failed' and rc != 0, describe
    failed = [e for e in events if e['event'] == 'runner_on_failed' and not e['event_data'].get('ignore_errors')]
    # (a rescued health-wait failure and the final failure are both runner_on_failed events of that host)
    assert set(e['event_data']['host'] for e in failed) == {broken}, describe
    assert fleet[broken].read() == before[broken]  # rolled back byte for byte
    for host in fleet.hosts:
        if host.name != broken:
            assert host.read() == before[host.name], host.name  # not part of this job: untouched
    assert not any(SECRET.encode() in blob for blob in blobs)
