# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/support_bundle.yml: one .tar.gz per run with a README.txt and six files per host, and not one of the
secret values planted in configs, args, URLs and logs anywhere in it (or in the run's output)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import stat
import tarfile

import pytest

from _helpers import stub

# A flow built on the deploy role: make test runs it with the main ansible-core only (see Makefile, matrix-*).
pytestmark = pytest.mark.flow


HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BUNDLE = os.path.join(REPO, 'playbooks', 'support_bundle.yml')

SECRETS = {
    'env': 'env-secret-4b9d2f7a61',
    'arg': 'arg-secret-88c1e0d5ab',
    'url': 'urlpass-secret-1f2e3d',
    'log': 'log-bearer-secret-9a8b7c6d5e',
    'corrupt': 'corrupt-secret-55aa66bb77',
    'plain_env': 'ghp_' + 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa',
}
HOST_FILES = ['backups.json', 'config.json', 'errors.json', 'health.json', 'host.json', 'permissions.json']


def test_a_bundle_holds_every_host_and_no_secret(run_playbook, new_config_root, local_inventory, tmp_path):
    good, corrupt = new_config_root('good'), new_config_root('corrupt')
    servers = [stub('tokened', 'need_env', env={'STUB_API_TOKEN': SECRETS['env'], 'LEVEL': 'debug',
                                                'DATABASE_URL': 'postgres://app:%s@db/x' % SECRETS['url']}),
               stub('flagged', 'ok'), stub('crashy', 'crash'), stub('plain', 'ok', env={'NOTE': SECRETS['plain_env']})]
    servers[1]['args'] += ['--api-token', SECRETS['arg']]
    good.write({'globalShortcut': 'Ctrl+Space', 'mcpServers': dict((s.pop('name'), s) for s in servers)})
    corrupt.write('{"mcpServers": {"x": {"command": "/bin/true", "env": {"API_KEY": "%s"}},}}\n' % SECRETS['corrupt'])
    logs = os.path.join(good.home, 'logs')
    os.makedirs(logs)
    stamp = datetime.datetime.utcnow().strftime('%Y-%m-%dT%H:%M:%S.123Z')
    with open(os.path.join(logs, 'mcp.log'), 'w') as handle:
        for _n in range(3):
            handle.write('%s [tokened] [error] Request failed: Authorization: Bearer %s\n' % (stamp, SECRETS['log']))
        handle.write('%s [crashy] [error] Server transport closed unexpectedly\n' % stamp)
    inventory = local_inventory({
        'good': {'mcp_config_path': good.config_path, 'mcp_log_dir': logs},
        'corrupt': {'mcp_config_path': corrupt.config_path},
        'gone': {'ansible_connection': 'ssh', 'ansible_host': '127.0.0.1', 'ansible_port': 1,
                 'ansible_ssh_common_args': '-o ConnectTimeout=2 -o BatchMode=yes'},
    })
    bundle_dir = str(tmp_path / 'bundles')

    run = run_playbook(BUNDLE, inventory=inventory, extravars={'mcp_bundle_dir': bundle_dir})

    names = os.listdir(bundle_dir)
    assert len(names) == 1 and names[0].startswith('mcp-support-') and names[0].endswith('.tar.gz'), names
    path = os.path.join(bundle_dir, names[0])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with tarfile.open(path) as tar:
        members = dict((m.name, tar.extractfile(m).read()) for m in tar.getmembers() if m.isfile())
    top = names[0][:-len('.tar.gz')]
    expected = set(['%s/README.txt' % top] + ['%s/%s/%s' % (top, h, f) for h in ('good', 'corrupt', 'gone') for f in HOST_FILES])
    assert set(members) == expected, sorted(members)

    # Grep every file (and the run's own output) for every planted secret.
    for name, data in members.items():
        for what, secret in SECRETS.items():
            assert secret.encode() not in data, '%s secret found in %s' % (what, name)
    for what, secret in SECRETS.items():
        assert secret not in run.all_text, '%s secret in the run output' % what

    def load(host, name):
        return json.loads(members['%s/%s/%s' % (top, host, name)].decode('utf-8'))
    host = load('good', 'host.json')
    assert host['versions']['ansible_core'] and host['versions']['collection'] not in ('', 'unknown')
    assert host['versions']['python'].count('.') == 2 and host['os']['system'] == 'Linux'
    assert host['versions']['client'].startswith('claude_desktop ') and host['versions']['node'].startswith('v')
    # An unreachable host is in the bundle and the summary with the reason, and did not stop the run.
    assert load('gone', 'host.json')['unreachable'] is True
    config = load('good', 'config.json')
    assert config['valid'] and [s['name'] for s in config['servers']] == ['tokened', 'flagged', 'crashy', 'plain']
    assert config['servers'][0]['env']['STUB_API_TOKEN'] == '********'
    health = load('good', 'health.json')
    assert dict((s['name'], s['status']) for s in health['servers'])['tokened'] == 'healthy'
    assert [s['name'] for s in health['servers'] if s['status'] != 'healthy'] == ['crashy']
    errors = load('good', 'errors.json')
    assert errors['matched'] == 4 and errors['errors_grouped'][0]['count'] == 3
    assert load('good', 'permissions.json')['paths'][0]['kind'] == 'config_dir'
    assert not load('corrupt', 'config.json')['valid']
    readme = members['%s/README.txt' % top].decode('utf-8')
    assert '== good' in readme and '== corrupt' in readme and 'INVALID' in readme
    assert '== gone\n  UNREACHABLE: ' in readme, readme
    assert '- crashy: exited' in readme and '4 since 24h' in readme, readme
    assert os.listdir(bundle_dir) == names  # the staging directory is gone


def test_check_mode_still_builds_the_bundle_and_changes_nothing_on_the_host(
        run_playbook, config_root, local_inventory, tmp_path):
    config_root.write('{"mcpServers": {"x": {"command": "/bin/true"}}}\n')
    os.chmod(config_root.config_path, 0o644)
    before = os.stat(config_root.config_path)
    bundle_dir = str(tmp_path / 'bundles')

    run_playbook(BUNDLE, inventory=local_inventory({'localhost': {'mcp_config_path': config_root.config_path}}),
                 extravars={'mcp_bundle_dir': bundle_dir}, check=True)

    names = os.listdir(bundle_dir)
    assert len(names) == 1 and names[0].endswith('.tar.gz'), names
    after = os.stat(config_root.config_path)
    assert (after.st_mode, after.st_mtime_ns, after.st_ino) == (before.st_mode, before.st_mtime_ns, before.st_ino)
    with tarfile.open(os.path.join(bundle_dir, names[0])) as tar:
        permissions = json.loads(tar.extractfile('%s/localhost/permissions.json' % names[0][:-len('.tar.gz')]).read())
    assert [f['kind'] for f in permissions['findings']] == ['config_dir', 'config']
