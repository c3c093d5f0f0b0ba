# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_policy through its real entry point on real temporary policy directories, against golden files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import stat

from ansible_collections.mcpops.mcp.plugins.modules import mcp_policy

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'policy')
GOLDEN = os.path.join(FIXTURES, 'golden')
SECRET = 'managed-secret-value-31337'

ALLOWED = [{'serverName': 'github'},
           {'serverCommand': ['npx', '-y', '@modelcontextprotocol/server-filesystem']},
           {'serverUrl': 'https://mcp.company.example/*'}]
DENIED = [{'serverUrl': 'https://*.untrusted.example/*'}]
MANAGED = [{'name': 'company', 'type': 'http', 'url': 'https://mcp.company.example/mcp'},
           {'name': 'time', 'command': 'uvx', 'args': ['mcp-server-time']}]


def _golden(*parts):
    with open(os.path.join(GOLDEN, *parts), 'rb') as handle:
        return handle.read()


def _claude(policy_dir, **kw):
    args = dict(client='claude_code', policy_dir=str(policy_dir), allowed=ALLOWED, denied=DENIED, only_managed=True,
                managed_servers=MANAGED)
    args.update(kw)
    return args


def _snapshot(root):
    """path -> bytes of every file under root (lock files included)."""
    out = {}
    for base, _dirs, names in os.walk(str(root)):
        for name in names:
            path = os.path.join(base, name)
            with open(path, 'rb') as handle:
                out[os.path.relpath(path, str(root))] = handle.read()
    return out


def _mode(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def test_claude_code_golden_files_modes_and_an_unchanged_rerun(tmp_path, run_module):
    policy_dir = tmp_path / 'etc' / 'claude-code'
    old_umask = os.umask(0o077)  # a tight umask must not leave the policy unreadable for users
    try:
        first = run_module(mcp_policy.main, _claude(policy_dir))
    finally:
        os.umask(old_umask)
    assert first.result['changed'] and not first.failed
    dropin = policy_dir / 'managed-settings.d' / '50-mcpops.json'
    assert dropin.read_bytes() == _golden('claude_code', '50-mcpops.json')
    assert (policy_dir / 'managed-mcp.json').read_bytes() == _golden('claude_code', 'managed-mcp.json')
    assert _mode(dropin) == 0o644 and _mode(policy_dir / 'managed-mcp.json') == 0o644
    assert _mode(policy_dir) == 0o755 and _mode(policy_dir / 'managed-settings.d') == 0o755
    if os.geteuid() == 0:
        assert os.stat(str(dropin)).st_uid == 0 and os.stat(str(dropin)).st_gid == 0
    assert [f['created'] for f in first.result['files']] == [True, True]
    before = _snapshot(tmp_path)
    again = run_module(mcp_policy.main, _claude(policy_dir))
    assert not again.result['changed'] and _snapshot(tmp_path) == before


def test_check_mode_diff_touches_nothing_and_a_change_is_backed_up(tmp_path, run_module):
    policy_dir = tmp_path / 'p'
    run_module(mcp_policy.main, _claude(policy_dir))
    before = _snapshot(tmp_path)
    check = run_module(mcp_policy.main, _claude(policy_dir, denied=DENIED + [{'serverName': 'evil'}]), check=True, diff=True)
    assert check.result['changed'] and _snapshot(tmp_path) == before
    diff = check.result['diff']
    assert len(diff) == 1 and diff[0]['before_header'].endswith('50-mcpops.json')
    assert '"evil"' in diff[0]['after'] and '"evil"' not in diff[0]['before']
    real = run_module(mcp_policy.main, _claude(policy_dir, denied=DENIED + [{'serverName': 'evil'}]))
    changed = [f for f in real.result['files'] if f['changed']]
    assert len(changed) == 1 and open(changed[0]['backup_file'], 'rb').read() == _golden('claude_code', '50-mcpops.json')
    assert changed[0]['backup_file'].startswith(str(policy_dir / 'backups'))  # never inside managed-settings.d


def test_other_dropins_and_the_base_file_are_never_touched(tmp_path, run_module):
    policy_dir = tmp_path / 'claude-code'
    shutil.copytree(os.path.join(FIXTURES, 'claude_code'), str(policy_dir))
    before = _snapshot(policy_dir)
    run = run_module(mcp_policy.main, dict(client='claude_code', policy_dir=str(policy_dir), priority=70,
                                           denied=[{'serverName': 'x'}]))
    assert run.result['changed']
    after = _snapshot(policy_dir)
    for name, data in before.items():
        assert after[name] == data, name
    assert json.loads(after[os.path.join('managed-settings.d', '70-mcpops.json')]) == {'deniedMcpServers': [{'serverName': 'x'}]}
    assert 'managed-mcp.json' not in after  # written only when managed_servers is given
    gone = run_module(mcp_policy.main, dict(client='claude_code', policy_dir=str(policy_dir), priority=70, state='absent'))
    assert gone.result['changed'] and gone.result['files'][0]['backup_file']
    left = _snapshot(policy_dir)
    assert os.path.join('managed-settings.d', '70-mcpops.json') not in left
    for name, data in before.items():
        assert left[name] == data, name
    assert not run_module(mcp_policy.main, dict(client='claude_code', policy_dir=str(policy_dir), priority=70,
                                                state='absent')).result['changed']


def test_refusals_leave_every_file_byte_identical(tmp_path, run_module):
    policy_dir = tmp_path / 'p'
    run_module(mcp_policy.main, _claude(policy_dir))
    dropin = policy_dir / 'managed-settings.d' / '50-mcpops.json'
    dropin.write_bytes(b'{"allowedMcpServers": [], "model": "opus"}\n')
    before = _snapshot(tmp_path)
    # The drop-in holds a key we do not manage; managed-mcp.json (a valid change) is not written either.
    run = run_module(mcp_policy.main, _claude(policy_dir, managed_servers=MANAGED[:1]))
    assert run.failed and '"model"' in run.result['msg'] and _snapshot(tmp_path) == before
    run = run_module(mcp_policy.main, _claude(policy_dir, state='absent'))
    assert run.failed and _snapshot(tmp_path) == before
    dropin.write_bytes(b'{\n  "allowedMcpServers": [\n    {"serverName": "a"},\n  ]\n}\n')
    before = _snapshot(tmp_path)
    run = run_module(mcp_policy.main, _claude(policy_dir))
    assert run.failed and '50-mcpops.json:4:3' in run.result['msg'] and _snapshot(tmp_path) == before


def test_entries_the_vendors_refuse_are_refused_before_anything_exists(tmp_path, run_module):
    policy_dir = tmp_path / 'p'
    run = run_module(mcp_policy.main, dict(client='claude_code', policy_dir=str(policy_dir),
                                           allowed=[{'serverName': 'a', 'serverUrl': 'https://x/*'}, {}],
                                           denied=[{'serverCommand': 'npx -y bad'}], priority=100))
    assert run.failed and len(run.result['problems']) == 4
    assert 'serverName and serverUrl' in run.result['msg'] and 'must be a non-empty list' in run.result['msg']
    assert not policy_dir.exists()
    run = run_module(mcp_policy.main, dict(client='claude_code', policy_dir=str(policy_dir)))
    assert run.failed and 'at least one of' in run.result['msg'] and not policy_dir.exists()
    for bad in (dict(only_managed=True), dict(managed_servers=[])):
        args = dict(client='copilot', policy_dir=str(policy_dir), allowed=[])
        args.update(bad)
        run = run_module(mcp_policy.main, args)
        assert run.failed and not policy_dir.exists()


def test_copilot_edits_only_its_keys(tmp_path, run_module):
    policy_dir = tmp_path / 'github-copilot'
    shutil.copytree(os.path.join(FIXTURES, 'copilot'), str(policy_dir))
    args = dict(client='copilot', policy_dir=str(policy_dir), allowed=[{'serverUrl': 'https://api.githubcopilot.com/*'}],
                denied=[{'serverCommand': ['npx', '-y', '@modelcontextprotocol/server-filesystem', '/']}])
    run = run_module(mcp_policy.main, args)
    path = policy_dir / 'managed-settings.json'
    assert run.result['changed'] and path.read_bytes() == _golden('copilot', 'managed-settings.json')
    assert not run_module(mcp_policy.main, args).result['changed']
    gone = run_module(mcp_policy.main, dict(client='copilot', policy_dir=str(policy_dir), state='absent'))
    assert gone.result['changed'] and path.exists()
    # Every byte of the settings we do not own is as it was.
    assert path.read_bytes() == b'{\n  "model": "auto",\n  "permissions": {"disableBypassPermissionsMode": "disable"}\n}\n'


def test_exclusive_set_disable_remove_and_secrets(tmp_path, run_module, capsys):
    policy_dir = tmp_path / 'p'
    run = run_module(mcp_policy.main, dict(client='claude_code', policy_dir=str(policy_dir), managed_servers=[]))
    assert run.result['changed'] and json.loads((policy_dir / 'managed-mcp.json').read_bytes()) == {'mcpServers': {}}
    assert not (policy_dir / 'managed-settings.d').exists()
    secret = [{'name': 'db', 'command': 'uvx', 'args': ['db-mcp'], 'secret_env': {'DB_PASSWORD': SECRET}}]
    run = run_module(mcp_policy.main, dict(client='claude_code', policy_dir=str(policy_dir), managed_servers=secret), diff=True)
    assert run.result['changed'] and SECRET not in run.stdout
    # ansible-core >= 2.19 reports in-process warnings on stderr (some releases as dicts under 'msg').
    warnings = ' '.join(w.get('msg', '%s' % w) if isinstance(w, dict) else w
                        for w in run.result.get('warnings', [])) + capsys.readouterr().err
    assert 'readable by every user' in warnings and SECRET not in warnings
    gone = run_module(mcp_policy.main, dict(client='claude_code', policy_dir=str(policy_dir), managed_servers=[],
                                            state='absent'), diff=True)
    assert gone.result['changed'] and not (policy_dir / 'managed-mcp.json').exists() and SECRET not in gone.stdout
