# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_policy client=codex (requirements.toml) and mcp_audit's Codex matching, through the real entry points."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import stat
import subprocess
import sys

import pytest

from ansible_collections.mcpops.mcp.plugins.modules import mcp_audit, mcp_policy

pytest.importorskip('tomlkit')

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'policy')
GOLDEN = os.path.join(FIXTURES, 'golden', 'codex')
CODEX_CONFIG = os.path.join(FIXTURES, 'configs', 'codex-config.toml')
SECRET = 'ghp_fixtureSecretValue1234567890'

ALLOWED = [{'name': 'github', 'command': 'github-mcp-server'},
           {'name': 'docs', 'url': 'https://mcp.company.example/docs'}]


def _golden(name):
    with open(os.path.join(GOLDEN, name), 'rb') as handle:
        return handle.read()


def _snapshot(root):
    out = {}
    for base, _dirs, names in os.walk(str(root)):
        for name in names:
            path = os.path.join(base, name)
            with open(path, 'rb') as handle:
                out[os.path.relpath(path, str(root))] = handle.read()
    return out


def _mode(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def _codex(policy_dir, **kw):
    args = dict(client='codex', policy_dir=str(policy_dir), allowed=ALLOWED)
    args.update(kw)
    return args


def test_a_new_requirements_file_is_golden_0644_and_an_unchanged_rerun(tmp_path, run_module):
    policy_dir = tmp_path / 'etc' / 'codex'
    old_umask = os.umask(0o077)
    try:
        first = run_module(mcp_policy.main, _codex(policy_dir))
    finally:
        os.umask(old_umask)
    path = policy_dir / 'requirements.toml'
    assert first.result['changed'] and first.result['files'] == [
        {'path': str(path), 'changed': True, 'state': 'present', 'created': True}]
    assert path.read_bytes() == _golden('requirements-new.toml')
    assert _mode(path) == 0o644 and _mode(policy_dir) == 0o755
    before = _snapshot(tmp_path)
    again = run_module(mcp_policy.main, _codex(policy_dir))
    assert not again.result['changed'] and _snapshot(tmp_path) == before


def test_other_requirements_and_comments_stay_byte_identical(tmp_path, run_module):
    policy_dir = tmp_path / 'codex'
    shutil.copytree(os.path.join(FIXTURES, 'codex'), str(policy_dir))
    path = policy_dir / 'requirements.toml'
    original = path.read_bytes()
    check = run_module(mcp_policy.main, _codex(policy_dir), check=True, diff=True)
    assert check.result['changed'] and path.read_bytes() == original and sorted(os.listdir(str(policy_dir))) == ['requirements.toml']
    diff = check.result['diff'][0]
    assert diff['before'] == original.decode('utf-8') and diff['after'] == _golden('requirements.toml').decode('utf-8')
    run = run_module(mcp_policy.main, _codex(policy_dir))
    assert run.result['changed'] and path.read_bytes() == _golden('requirements.toml')
    with open(run.result['files'][0]['backup_file'], 'rb') as handle:
        assert handle.read() == original
    assert not run_module(mcp_policy.main, _codex(policy_dir)).result['changed']
    # state=absent removes our table only; the security team's keys and comments are as they were.
    gone = run_module(mcp_policy.main, dict(client='codex', policy_dir=str(policy_dir), state='absent'))
    assert gone.result['changed']
    text = path.read_text()
    assert '[mcp_servers' not in text and 'github' not in text
    assert text.startswith(original.decode('utf-8').split('# MCP allowlist')[0])
    assert text.endswith('# Residency is pinned by legal.\n# enforce_residency = "us"\n')
    assert not run_module(mcp_policy.main, dict(client='codex', policy_dir=str(policy_dir), state='absent')).result['changed']


def test_an_empty_allowlist_writes_an_explicit_empty_table(tmp_path, run_module):
    policy_dir = tmp_path / 'codex'
    shutil.copytree(os.path.join(FIXTURES, 'codex'), str(policy_dir))
    run = run_module(mcp_policy.main, _codex(policy_dir, allowed=[]))
    text = (policy_dir / 'requirements.toml').read_text()
    assert run.result['changed'] and '\n[mcp_servers]\n' in text and 'legacy' not in text
    tomllib = pytest.importorskip('tomllib')
    assert tomllib.loads(text)['mcp_servers'] == {}


@pytest.mark.parametrize('args, fragment', [
    (dict(allowed=[{'serverName': 'github'}]), 'serverName is a Claude Code/Copilot entry key'),
    (dict(allowed=[{'name': 'github'}]), 'has none of command, url'),
    (dict(allowed=[{'name': 'github', 'command': 'a', 'url': 'https://x'}]), 'has both of command, url'),
    (dict(allowed=[{'command': 'a'}]), 'name must be a non-empty string'),
    (dict(allowed=[{'name': 'a', 'command': 'x'}, {'name': 'a', 'url': 'https://y'}]), 'listed twice'),
    (dict(denied=[{'name': 'a', 'command': 'x'}]), 'has no denylist'),
    (dict(only_managed=True), 'Claude Code setting'),
    (dict(managed_servers=[]), 'Codex has no exclusive server set'),
])
def test_what_codex_cannot_express_is_refused_and_nothing_is_written(tmp_path, run_module, args, fragment):
    policy_dir = tmp_path / 'codex'
    shutil.copytree(os.path.join(FIXTURES, 'codex'), str(policy_dir))
    before = _snapshot(tmp_path)
    run = run_module(mcp_policy.main, _codex(policy_dir, **args))
    assert run.failed and fragment in run.result['msg'], run.result['msg']
    assert _snapshot(tmp_path) == before


def test_a_broken_requirements_file_is_refused_with_its_place_and_left_alone(tmp_path, run_module):
    policy_dir = tmp_path / 'codex'
    policy_dir.mkdir()
    path = policy_dir / 'requirements.toml'
    path.write_bytes(b'allowed_sandbox_modes = ["read-only"]\n[mcp_servers.a.identity]\ncommand = "a"\n'
                     b'[mcp_servers.a.identity]\nurl = "b"\n')
    before = _snapshot(tmp_path)
    run = run_module(mcp_policy.main, _codex(policy_dir))
    assert run.failed and 'requirements.toml:5:1' in run.result['msg'] and _snapshot(tmp_path) == before


def test_without_tomlkit_the_module_fails_with_ansibles_missing_library_message(tmp_path):
    """A host without tomlkit: the same module run in a child process where importing tomlkit fails."""
    blocker = tmp_path / 'block'
    blocker.mkdir()
    (blocker / 'tomlkit.py').write_text('raise ImportError("No module named tomlkit")\n')
    code = (
        'import sys, json; sys.path.insert(0, %r)\n'
        'from ansible_collections.mcpops.mcp.plugins.modules import mcp_policy\n'
        'from ansible_collections.mcpops.mcp.tests.unit.module_runner import run_module_main\n'
        'run = run_module_main(mcp_policy.main, dict(client="codex", policy_dir=%r, allowed=[]))\n'
        'print("RESULT" + json.dumps(run.result))\n' % (str(blocker), str(tmp_path / 'p')))
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(p for p in sys.path if p)
    out = subprocess.run([sys.executable, '-c', code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, env=env, check=False)
    import json
    result = json.loads(out.stdout[out.stdout.index('RESULT') + 6:].splitlines()[0])
    assert result['failed'] and 'Failed to import the required Python library (tomlkit)' in result['msg']
    assert not (tmp_path / 'p').exists()


# --------------------------------------------------------------------------------------------
# mcp_audit with a Codex policy


def _classes(result):
    return dict((f['name'], f['classes']) for f in result['findings'])


def test_audit_reads_the_codex_allowlist_with_its_name_and_identity_rules(run_module):
    run = run_module(mcp_audit.main, dict(client='codex', config_path=CODEX_CONFIG, policy_client='codex',
                                          policy_dir=os.path.join(FIXTURES, 'codex-audit')))
    assert not run.failed, run.result
    assert _classes(run.result) == {
        'renamed': ['not_allowed'],     # the allowed command under a name the allowlist does not hold
        'docs-proxy': ['not_allowed'],  # the allowed name, another URL (exact match, no wildcards)
        'stranger': ['not_allowed'],
    }  # github (command matches; args not compared) and docs (exact URL) load
    assert run.result['policy']['allowed'] == [{'name': 'github', 'command': 'github-mcp-server'},
                                               {'name': 'docs', 'url': 'https://mcp.company.example/docs'},
                                               {'name': 'docs-proxy', 'url': 'https://mcp.company.example/docs'}]
    assert SECRET not in run.stdout


def test_audit_with_a_codex_policy_option_and_an_empty_allowlist(run_module, tmp_path):
    option = run_module(mcp_audit.main, dict(client='codex', config_path=CODEX_CONFIG, policy_client='codex',
                                             policy={'allowed': [{'name': 'stranger', 'command': 'npx'}]}))
    assert set(_classes(option.result)) == {'github', 'docs', 'renamed', 'docs-proxy'}
    none = tmp_path / 'none'
    none.mkdir()
    (none / 'requirements.toml').write_text('[mcp_servers]\n')
    run = run_module(mcp_audit.main, dict(client='codex', config_path=CODEX_CONFIG, policy_client='codex',
                                          policy_dir=str(none)))
    assert run.result['counts']['not_allowed'] == 5
    (none / 'requirements.toml').write_text('allowed_sandbox_modes = ["read-only"]\n')  # no mcp_servers: all allowed
    run = run_module(mcp_audit.main, dict(client='codex', config_path=CODEX_CONFIG, policy_client='codex',
                                          policy_dir=str(none)))
    assert run.result['findings'] == [] and run.result['policy']['allowed'] is None
    bad = run_module(mcp_audit.main, dict(client='codex', config_path=CODEX_CONFIG, policy_client='codex',
                                          policy={'denied': [{'serverName': 'x'}]}))
    assert bad.failed and 'no denylist' in bad.result['msg']
