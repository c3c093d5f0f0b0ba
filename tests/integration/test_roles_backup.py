# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup playbook: daily backup, retention with keep_min, verification failing on a bad backup, and the
host-side schedule (the installed script run directly with a bare Python, the cron entry, removal)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import glob
import json
import os
import shutil
import subprocess
import sys

import pytest

from ansible_collections.mcpops.mcp.plugins.module_utils._files import write_backup

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BACKUP = os.path.join(REPO, 'playbooks', 'backup.yml')
CONFIG = {'globalShortcut': 'Ctrl+Space', 'mcpServers': {'time': {'command': 'uvx', 'args': ['mcp-server-time']}}}


def today():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def backup_dir(root):
    return os.path.join(os.path.dirname(os.path.realpath(root.config_path)), 'backups')


def names(root):
    return sorted((n for n in os.listdir(backup_dir(root)) if n.endswith('.json')), reverse=True)


def daily(days_ago):
    return 'backup-%s.json' % (today() - datetime.timedelta(days=days_ago)).strftime('%Y-%m-%d')


def seed(root, days):
    """Daily backups of the current config dated days ago, written by the collection's own file layer."""
    data = root.read_bytes()
    for n in days:
        write_backup(backup_dir(root), data, daily=True, now=today() - datetime.timedelta(days=n),
                     source=os.path.realpath(root.config_path))


def vars_for(root, **extra):
    values = {'mcp_config_path': root.config_path}
    values.update(extra)
    return values


def test_daily_backup_retention_keep_min_and_idempotence(run_playbook, config_root):
    config_root.write(CONFIG)
    seed(config_root, [5, 6] + list(range(31, 41)))

    run = run_playbook(BACKUP, vars_for(config_root))
    result = run.result('Summarise the backups')['ansible_facts']['backup_result']
    # keep_min 7 protects today, day-5, day-6 and the four newest of the old ones; the rest is past 30 days.
    kept = [daily(0), daily(5), daily(6)] + [daily(n) for n in range(31, 35)]
    assert names(config_root) == kept
    assert sorted(os.path.basename(p) for p in result['removed']) == sorted(daily(n) for n in range(35, 41))
    assert result['created'] is True and result['valid_count'] == 7 and result['invalid'] == []
    assert os.path.exists(os.path.join(backup_dir(config_root), daily(0) + '.meta'))  # sidecar beside it
    assert not os.path.exists(os.path.join(backup_dir(config_root), daily(35) + '.meta'))

    # Same day, same bytes: nothing to do.
    again = run_playbook(BACKUP, vars_for(config_root))
    assert again.changed == 0
    assert names(config_root) == kept

    # A changed config the same day gets the -1 suffix, never overwriting today's backup.
    config_root.write(dict(CONFIG, preferences={'theme': 'dark'}))
    run_playbook(BACKUP, vars_for(config_root, mcp_backup_keep_min=3))
    assert sorted(names(config_root)[:2]) == sorted([daily(0)[:-5] + '-1.json', daily(0)])


def test_a_bad_backup_fails_the_host_with_its_name_and_reason(run_playbook, config_root):
    config_root.write(CONFIG)
    seed(config_root, [1])
    bad = os.path.join(backup_dir(config_root), daily(2))
    with open(bad, 'w') as handle:
        handle.write('{"mcpServers": {"x": {"command": "a",}}}\n')

    run = run_playbook(BACKUP, vars_for(config_root), expect_rc=2)
    msg = run.result('Fail when a kept backup is not valid')['msg']
    assert msg.startswith('1 invalid backup(s) in %s: %s: ' % (backup_dir(config_root), daily(2)))
    assert ':1:' in msg  # file:line:col of the parse error
    assert os.path.exists(bad)  # verification never deletes evidence


def run_script(script, env_home, python=None):
    """The installed script with a bare interpreter: no PYTHONPATH, no Ansible."""
    env = {'PATH': '/usr/bin:/bin', 'HOME': env_home}
    proc = subprocess.run([python or sys.executable, '-I', script], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=60, check=False)
    return proc.returncode, json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


def find_python39():
    for path in sorted(glob.glob(os.path.expanduser('~/.pyenv/versions/3.9.*/bin/python3.9')), reverse=True):
        if subprocess.call([path, '-c', 'import sys'], stderr=subprocess.DEVNULL) == 0:
            return path
    return shutil.which('python3.9')


INSTALL_ONLY = [{
    'name': 'Back up, then install the host-side script without scheduling it',
    'hosts': 'all',
    'gather_facts': False,
    'roles': [{'role': 'mcpops.mcp.backup'}],
    'tasks': [{'name': 'Install the script', 'ansible.builtin.include_role': {
        'name': 'mcpops.mcp.backup', 'tasks_from': 'install_script'}}],
}]


def test_host_script_does_backup_prune_and_verify_with_a_bare_python(run_playbook, config_root):
    config_root.write(CONFIG)
    run_playbook(INSTALL_ONLY, vars_for(config_root, mcp_backup_keep_min=2))
    host_dir = os.path.join(backup_dir(config_root), '.mcp-backup')
    script = os.path.join(host_dir, 'mcp-backup.py')
    assert os.stat(script).st_mode & 0o777 == 0o700
    assert os.path.exists(os.path.join(host_dir, 'lib', 'ansible_collections', 'mcpops', 'mcp', 'plugins',
                                       'module_utils', '_backups.py'))
    with open(os.path.join(host_dir, 'settings.json')) as handle:
        assert json.load(handle) == {'client': 'claude_desktop', 'config_path': config_root.config_path,
                                     'user': None, 'backup_dir': backup_dir(config_root),
                                     'retention_days': 30, 'keep_min': 2}

    # Today's backup exists with the same bytes: nothing written, all valid.
    rc, out, err = run_script(script, config_root.home)
    assert (rc, out['ok'], out['created'], out['removed'], out['kept']) == (0, True, False, [], [daily(0)]), err
    with open(os.path.join(host_dir, 'last-run.json')) as handle:
        assert json.load(handle) == out

    # Changed config + old backups: a -1 backup, old ones pruned down to keep_min, on Python 3.9 when present.
    config_root.write(dict(CONFIG, preferences={'theme': 'dark'}))
    seed(config_root, [40, 41])
    rc, out, err = run_script(script, config_root.home, find_python39())
    assert rc == 0, err
    assert out['created'] is True and os.path.basename(out['backup_file']) == daily(0)[:-5] + '-1.json'
    assert sorted(os.path.basename(p) for p in out['removed']) == [daily(41), daily(40)]
    assert out['kept'] == [daily(0)[:-5] + '-1.json', daily(0)]

    # A corrupt backup: exit 1, named with its reason.
    with open(os.path.join(backup_dir(config_root), daily(3)), 'w') as handle:
        handle.write('not json\n')
    rc, out, err = run_script(script, config_root.home)
    assert rc == 1 and out['ok'] is False
    assert out['invalid'][0].startswith(daily(3) + ': ')
    assert ('mcp-backup: 1 invalid backup(s) in %s: %s: ' % (backup_dir(config_root), daily(3))) in err

    # A missing config: exit 1 with the reason.
    os.unlink(config_root.config_path)
    rc, out, err = run_script(script, config_root.home)
    assert rc == 1 and 'does not exist' in out['msg']


def crontab_lines():
    proc = subprocess.run(['crontab', '-l'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          check=False)
    return proc.stdout.splitlines() if proc.returncode == 0 else []


def test_host_schedule_without_a_scheduler_says_so_and_none_still_works(run_playbook, config_root):
    config_root.write(CONFIG)
    # No systemd runs here (as in most containers): forcing it gives the clear message.
    if os.path.isdir('/run/systemd/system'):
        pytest.skip('systemd runs on this machine; the no-scheduler message is tested where it does not')
    run = run_playbook(BACKUP, vars_for(config_root, mcp_backup_schedule='host', mcp_backup_schedule_method='systemd'),
                       expect_rc=2)
    msg = run.result('Stop when the host has neither systemd nor cron')['msg']
    assert msg.startswith('mcp_backup_schedule=host needs a running systemd on localhost, and it has none.')
    assert not os.path.exists(os.path.join(backup_dir(config_root), '.mcp-backup'))
    run_playbook(BACKUP, vars_for(config_root, mcp_backup_schedule='none'))


@pytest.mark.skipif(not shutil.which('crontab'), reason='no crontab on this machine: run `make cron-deps` (root) '
                    'to test the cron schedule; the script itself is tested by running it above')
def test_cron_schedule_runs_the_installed_script_and_none_removes_it(run_playbook, config_root):
    config_root.write(CONFIG)
    extravars = vars_for(config_root, mcp_backup_schedule='host', mcp_backup_schedule_method='cron',
                         mcp_backup_schedule_time='04:07')
    host_dir = os.path.join(backup_dir(config_root), '.mcp-backup')
    try:
        run = run_playbook(BACKUP, extravars)
        schedule = run.result('Record the host-side schedule')['ansible_facts']['backup_schedule']
        assert schedule['via'] == 'cron'
        ours = [line for line in crontab_lines() if schedule['dir'] in line]
        assert len(ours) == 1
        fields = ours[0].split(None, 5)
        assert fields[:5] == ['7', '4', '*', '*', '*']
        assert fields[5] == schedule['command']
        rerun = run_playbook(BACKUP, extravars)
        # The lib copy changes only when the collection's code changed between the runs (a live tree being edited).
        assert [e['task'] for e in rerun.events if e['status'] == 'changed'
                and e['task'] != "Install the collection's backup code the script imports"] == []

        # What cron would run, run by a plain shell now.
        config_root.write(dict(CONFIG, preferences={'theme': 'light'}))
        proc = subprocess.run(['/bin/sh', '-c', fields[5]], env={'PATH': '/usr/bin:/bin', 'HOME': config_root.home},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60,
                              check=False)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)['created'] is True
        assert daily(0)[:-5] + '-1.json' in names(config_root)
    finally:
        run_playbook(BACKUP, vars_for(config_root, mcp_backup_schedule='none'), expect_rc=None)
    assert not [line for line in crontab_lines() if host_dir in line]
    assert not os.path.exists(host_dir)
