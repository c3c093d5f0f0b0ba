# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module that can read a Codex config, on a host without tomlkit: Ansible's missing-library message, never a
traceback, and the config byte-identical.

The missing library is simulated where the codec imports it: sys.modules['tomlkit'] = None makes `import tomlkit`
in _tomledit.require_tomlkit raise ImportError, as on a host where it is not installed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import sys

import pytest

from ansible_collections.mcpops.mcp.plugins.modules import (
    mcp_audit,
    mcp_backup,
    mcp_backup_info,
    mcp_health,
    mcp_server,
    mcp_server_info,
    mcp_servers,
)

pytest.importorskip('tomlkit')

CODEX = b'model = "o3"\n\n[mcp_servers.fs]\ncommand = "sh"\nargs = ["-c", "true"]\n'
MISSING = 'Failed to import the required Python library (tomlkit)'

MODULES = [
    ('mcp_server', mcp_server.main, dict(name='fs', command='sh', args=['-c', 'exit 0'])),
    ('mcp_servers', mcp_servers.main, dict(servers=[dict(name='fs', command='sh')])),
    ('mcp_server_info', mcp_server_info.main, dict()),
    ('mcp_audit', mcp_audit.main, dict(servers=[dict(name='fs', command='sh')])),
    ('mcp_backup present', mcp_backup.main, dict(state='present')),
    ('mcp_backup restored', mcp_backup.main, dict(state='restored', latest=True)),
    ('mcp_backup_info', mcp_backup_info.main, dict()),
    ('mcp_health', mcp_health.main, dict()),
]


@pytest.mark.parametrize('label,main,args', MODULES, ids=[m[0] for m in MODULES])
def test_without_tomlkit_a_codex_config_gets_ansibles_missing_library_message(
        tmp_path, monkeypatch, run_module, label, main, args):
    config = tmp_path / 'config.toml'
    config.write_bytes(CODEX)
    common = dict(client='codex', config_path=str(config), backup_dir=str(tmp_path / 'backups'))
    # A backup taken while tomlkit was there, so listing, restoring and pruning have one to verify.
    taken = run_module(mcp_backup.main, dict(common, state='present'))
    assert not taken.failed, taken.result
    backups_before = sorted(p.name for p in (tmp_path / 'backups').iterdir())

    monkeypatch.setitem(sys.modules, 'tomlkit', None)
    run = run_module(main, dict(common, **args))  # an uncaught exception (a traceback) fails the test here

    assert run.failed, run.result
    assert run.result['msg'].startswith(MISSING), run.result['msg']
    assert 'Codex' in run.result['msg'] or label in ('mcp_server', 'mcp_servers', 'mcp_server_info', 'mcp_audit')
    assert config.read_bytes() == CODEX
    assert sorted(p.name for p in (tmp_path / 'backups').iterdir()) == backups_before
