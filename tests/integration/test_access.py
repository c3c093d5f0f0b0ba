# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access control: the deploy role makes the config and its backups private; playbooks/access_report.yml lists the
hosts whose permissions are too open under --check without changing anything, and fixes them when asked."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

from _helpers import snapshot, stub

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEPLOY = os.path.join(REPO, 'playbooks', 'deploy.yml')
REPORT = os.path.join(REPO, 'playbooks', 'access_report.yml')
SEED = '{\n  "globalShortcut": "Ctrl+Space",\n  "mcpServers": {}\n}\n'


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def open_root(root):
    """A config as a hand edit leaves it: 0644 in a 0755 directory, and a 0755 backups/ with a 0644 backup."""
    root.write(SEED)
    os.chmod(root.config_path, 0o644)
    os.chmod(os.path.dirname(root.config_path), 0o755)
    return root


def host_vars(root, **extra):
    values = {'mcp_config_path': root.config_path, 'mcp_backup_dir': os.path.join(os.path.dirname(root.config_path), 'backups'),
              'mcp_health_retry_delay': 1, 'mcp_serial': [1, '100%']}
    values.update(extra)
    return values


def private_tree(root):
    """{path: mode} of everything the access step manages."""
    config_dir = os.path.dirname(root.config_path)
    backup_dir = os.path.join(config_dir, 'backups')
    out = {config_dir: mode(config_dir), root.config_path: mode(root.config_path)}
    for name in os.listdir(config_dir):
        if name.endswith('.lock'):
            out[os.path.join(config_dir, name)] = mode(os.path.join(config_dir, name))
    if os.path.isdir(backup_dir):
        out[backup_dir] = mode(backup_dir)
        for name in os.listdir(backup_dir):
            out[os.path.join(backup_dir, name)] = mode(os.path.join(backup_dir, name))
    return out


def test_a_deploy_makes_the_config_and_its_backups_private(run_playbook, config_root):
    open_root(config_root)
    extravars = host_vars(config_root, mcp_servers=[stub('keeper', 'ok')])

    run = run_playbook(DEPLOY, extravars=extravars)

    modes = private_tree(config_root)
    assert len(modes) >= 6, modes  # config dir, config, lock, backups/, a backup and its sidecar
    for path, value in modes.items():
        assert value == (0o700 if os.path.isdir(path) else 0o600), (path, oct(value))
    fixed = run.result('Make the config and its backups private to their user (0700 directories, 0600 files)')
    assert os.path.dirname(config_root.config_path) in fixed['fixed'] and config_root.config_path in fixed['fixed']
    # Nothing left to change: a rerun stops after the dry run.
    again = run_playbook(DEPLOY, extravars=extravars)
    assert again.changed == 0 and private_tree(config_root) == modes


def test_the_deploy_leaves_permissions_alone_when_told_to(run_playbook, config_root):
    open_root(config_root)
    run_playbook(DEPLOY, extravars=host_vars(config_root, mcp_servers=[stub('keeper', 'ok')], mcp_access_enforce=False))
    assert mode(config_root.config_path) == 0o644 and mode(os.path.dirname(config_root.config_path)) == 0o755


def test_the_report_lists_open_hosts_under_check_and_changes_nothing(run_playbook, new_config_root, local_inventory):
    loose, tight = open_root(new_config_root('loose')), new_config_root('tight')
    tight.write(SEED)
    os.chmod(tight.config_path, 0o600)
    os.chmod(os.path.dirname(tight.config_path), 0o700)
    inventory = local_inventory({'loose': host_vars(loose), 'tight': host_vars(tight)})
    before = dict((root.config_path, (snapshot(root.config_path), private_tree(root))) for root in (loose, tight))

    run = run_playbook(REPORT, inventory=inventory, check=True)

    # Check mode reports what would change (loose), and changes nothing.
    assert run.stats['loose']['changed'] == 1 and run.stats['tight']['changed'] == 0
    for root in (loose, tight):
        assert (snapshot(root.config_path), private_tree(root)) == before[root.config_path]
    report = run.result('Note the access report')['ansible_facts']['mcp_access_report']
    assert report['hosts_too_open'] == ['loose'] and report['hosts_not_checked'] == []
    lines = run.result('Show the hosts whose permissions are too open (or owned by someone else)')['msg']
    assert 'tight: ok' in lines
    assert 'loose: %s: mode 0644, too open, should be 0600' % loose.config_path in lines, lines
    assert 'loose: %s: mode 0755, too open, should be 0700' % os.path.dirname(loose.config_path) in lines, lines

    # Without --check the report is still read-only; mcp_access_fix=true fixes, and then all is ok.
    assert run_playbook(REPORT, inventory=inventory).result('Note the access report')['ansible_facts'][
        'mcp_access_report']['hosts_too_open'] == ['loose']
    assert mode(loose.config_path) == 0o644
    fixed = run_playbook(REPORT, inventory=inventory, extravars={'mcp_access_fix': True})
    assert mode(loose.config_path) == 0o600 and mode(os.path.dirname(loose.config_path)) == 0o700
    assert 'loose: FIXED %s: mode 0644, too open, should be 0600' % loose.config_path in fixed.result(
        'Show the hosts whose permissions are too open (or owned by someone else)')['msg']
    final = run_playbook(REPORT, inventory=inventory, check=True)
    assert final.result('Note the access report')['ansible_facts']['mcp_access_report']['hosts_too_open'] == []


def test_an_unreachable_host_is_listed_as_not_checked(run_playbook, config_root, local_inventory):
    config_root.write(SEED)
    inventory = local_inventory({'localhost': host_vars(config_root),
                                 'gone': {'ansible_connection': 'ssh', 'ansible_host': '127.0.0.1', 'ansible_port': 1,
                                          'ansible_ssh_common_args': '-o ConnectTimeout=2 -o BatchMode=yes'}})
    run = run_playbook(REPORT, inventory=inventory, check=True)
    report = run.result('Note the access report')['ansible_facts']['mcp_access_report']
    assert report['hosts_not_checked'] == ['gone']
