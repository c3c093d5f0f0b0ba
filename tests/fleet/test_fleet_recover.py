# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recovery, access control and the support bundle over real SSH (the first two hosts of the fleet).

- `mcpops.mcp.recover`: a corrupt config (truncated, trailing comma, empty) on one host and a healthy one on another:
  both end healthy, the corrupt bytes are kept in a pre-restore backup, the healthy host is untouched (every file,
  mode and owner); partial recovery of one server changes no other byte.
- `mcpops.mcp.access_report --check`: lists the host whose permissions are too open, changes nothing on either.
- `mcpops.mcp.support_bundle`: one .tar.gz on the controller with both hosts, and no planted secret anywhere in it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import tarfile

import pytest

from _fleet import base_vars, failure_text, stub_server

SECRET = 'fleet-recover-not-a-real-token-3e7b'
CORRUPTIONS = {
    'truncated': lambda good: good[:len(good) // 2],
    'trailing_comma': lambda good: good.replace(b'\n  }\n}', b',\n  }\n}'),
    'empty': lambda good: b'',
}


def run_playbook(fleet, workdir, playbook, extravars, expect_rc=0, extra_args=(), host_vars=None):
    argv, env, results, workdir = fleet.command(workdir, extravars, host_vars, playbook=playbook, extra_args=extra_args)
    proc = subprocess.run(argv, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=600, check=False)
    return fleet.finish(proc.returncode, proc.stdout, proc.stderr, argv, workdir, results, expect_rc)


def two_hosts(fleet):
    if len(fleet.hosts) < 2:
        pytest.skip('needs a fleet of at least 2 hosts')
    return fleet.hosts[0], fleet.hosts[1]


def limit(fleet, *hosts):
    return {'mcp_hosts': ':'.join(h.name for h in hosts), 'mcp_serial': len(fleet.hosts)}


def recover_result(run, host):
    facts = [(e.get('result') or {}).get('ansible_facts') or {} for e in run.tasks('Note the outcome of the recovery', host=host)]
    return facts[-1].get('recover_result') if facts else None


def render(doc):
    return (json.dumps(doc, indent=2) + '\n').encode('utf-8')


@pytest.mark.parametrize('corruption', sorted(CORRUPTIONS))
def test_a_corrupt_host_is_recovered_and_a_healthy_one_left_untouched(corruption, fleet, tmp_path):
    broken, healthy = two_hosts(fleet)
    servers = [stub_server('keeper'), stub_server('tokened', mode='need_env', secret_env={'STUB_API_TOKEN': SECRET})]
    # A real deploy creates both configs and their first backups (the deployed state).
    fleet.deploy(tmp_path / 'deploy', dict(base_vars(servers), **limit(fleet, broken, healthy)))
    good = broken.read()
    # The healthy host changed by hand since (still valid and healthy): a restore would undo that, so it must not run.
    doc = json.loads(healthy.read().decode('utf-8'))
    doc['mcpServers']['extra'] = {'command': '/usr/bin/python3', 'args': [stub_server('x')['args'][0], '--mode=ok']}
    healthy.write_config(render(doc))
    healthy_before = healthy.snapshot()
    corrupt = CORRUPTIONS[corruption](good)
    broken.write_config(corrupt)
    broken_backups = broken.backups()

    run = run_playbook(fleet, tmp_path / 'recover', 'mcpops.mcp.recover',
                       dict(limit(fleet, broken, healthy), mcp_health_retry_delay=1))

    assert broken.read() == good, failure_text(run, broken.name)
    result = recover_result(run, broken.name)
    assert result['status'] == 'recovered' and result['failed_checks'] == [], result
    # The corrupt bytes are kept in a pre-restore backup, byte for byte; the backup restored was the deploy's.
    new = sorted(set(broken.backups()) - set(broken_backups))
    assert len(new) == 1 and new[0].endswith('_pre-restore.json'), new
    with open(os.path.join(broken.backup_dir, new[0]), 'rb') as handle:
        assert handle.read() == corrupt
    assert os.path.basename(result['backup_file']) in broken_backups
    # The healthy host: every file, mode and owner as before.
    assert recover_result(run, healthy.name)['status'] == 'untouched'
    assert healthy.snapshot() == healthy_before
    assert run.stats[healthy.name]['changed'] == 0 and run.stats[broken.name]['failures'] == 0
    assert SECRET not in run.all_text


def test_partial_recovery_changes_no_other_byte(fleet, tmp_path):
    host, other = two_hosts(fleet)
    stub = stub_server('x')['args'][0]
    seed = {'globalShortcut': 'Ctrl+Space', 'mcpServers': {
        'first': {'command': '/usr/bin/python3', 'args': [stub, '--mode=ok']},
        'broken': {'command': '/usr/bin/python3', 'args': [stub, '--mode=crash']},
        'last': {'command': '/usr/bin/python3', 'args': [stub, '--mode=ok'], 'env': {'LEVEL': 'debug'}}},
        'preferences': {'theme': 'dark'}}
    host.write_config(render(seed))
    other.write_config(render(seed))
    other_before = other.snapshot()
    fixed = stub_server('broken', mode='need_env', secret_env={'STUB_API_TOKEN': SECRET}, expect_tools=['echo'])

    run = run_playbook(fleet, tmp_path / 'partial', 'mcpops.mcp.recover', dict(
        limit(fleet, host), mcp_recover_server='broken', mcp_servers=[fixed], mcp_health_retry_delay=1))

    entry = json.loads(host.read().decode('utf-8'))['mcpServers']['broken']
    assert entry['args'][-1] == '--mode=need_env'
    expected = dict(seed, mcpServers=dict([(k, v) for k, v in seed['mcpServers'].items() if k != 'broken'] + [('broken', entry)]))
    assert host.read() == render(expected)
    assert recover_result(run, host.name)['status'] == 'recovered'
    assert other.snapshot() == other_before
    assert SECRET not in run.all_text


def test_access_report_lists_the_open_host_and_changes_nothing(fleet, tmp_path):
    loose, tight = two_hosts(fleet)
    seed = render({'mcpServers': {}})
    loose.write_config(seed, mode=0o644)
    os.chmod(loose.config_dir, 0o755)
    tight.write_config(seed, mode=0o600)
    os.chmod(tight.config_dir, 0o700)
    before = dict((h.name, h.snapshot()) for h in (loose, tight))

    run = run_playbook(fleet, tmp_path / 'report', 'mcpops.mcp.access_report', {'mcp_access_hosts': '%s:%s' % (loose.name, tight.name)},
                       extra_args=['--check'])

    report = run.result('Note the access report')['ansible_facts']['mcp_access_report']
    assert report['hosts_too_open'] == [loose.name] and report['hosts_not_checked'] == []
    lines = run.result('Show the hosts whose permissions are too open (or owned by someone else)')['msg']
    assert '%s: /root/.config/Claude/claude_desktop_config.json: mode 0644, too open, should be 0600' % loose.name in lines, lines
    assert '%s: ok' % tight.name in lines
    for host in (loose, tight):
        assert host.snapshot() == before[host.name], host.name


def test_support_bundle_collects_both_hosts_without_a_secret(fleet, tmp_path):
    first, second = two_hosts(fleet)
    stub = stub_server('x')['args'][0]
    for host in (first, second):
        host.write_config(render({'mcpServers': {
            'tokened': {'command': '/usr/bin/python3', 'args': [stub, '--mode=need_env'], 'env': {'STUB_API_TOKEN': SECRET}},
            'flagged': {'command': '/usr/bin/python3', 'args': [stub, '--mode=ok', '--token', SECRET]}}}))
    bundle_dir = str(tmp_path / 'bundles')

    run = run_playbook(fleet, tmp_path / 'bundle', 'mcpops.mcp.support_bundle',
                       {'mcp_bundle_dir': bundle_dir, 'mcp_bundle_hosts': '%s:%s' % (first.name, second.name)})

    names = os.listdir(bundle_dir)
    assert len(names) == 1 and names[0].endswith('.tar.gz'), names
    with tarfile.open(os.path.join(bundle_dir, names[0])) as tar:
        members = dict((m.name, tar.extractfile(m).read()) for m in tar.getmembers() if m.isfile())
    hosts = set(name.split('/')[1] for name in members if name.count('/') == 2)
    assert hosts == set([first.name, second.name]), sorted(members)
    for name, data in members.items():
        assert SECRET.encode() not in data, name
    assert SECRET not in run.all_text
    top = names[0][:-len('.tar.gz')]
    health = json.loads(members['%s/%s/health.json' % (top, first.name)].decode('utf-8'))
    assert health['healthy'] and len(health['servers']) == 2
    readme = members['%s/README.txt' % top].decode('utf-8')
    assert '== %s' % first.name in readme and '== %s' % second.name in readme and '2 healthy, 0 not' in readme, readme
