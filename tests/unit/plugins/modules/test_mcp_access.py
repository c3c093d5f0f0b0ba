# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_access through its real entry point, on real temporary files: check mode reports, a run fixes, a rerun is ok."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

from ansible_collections.mcpops.mcp.plugins.modules import mcp_access


def _mode(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def test_check_mode_reports_a_run_fixes_and_a_rerun_changes_nothing(run_module, tmp_path):
    config_dir = tmp_path / 'Claude'
    config_dir.mkdir()
    os.chmod(str(config_dir), 0o755)
    config = config_dir / 'claude_desktop_config.json'
    config.write_bytes(b'{"mcpServers": {}}\n')
    os.chmod(str(config), 0o644)
    args = {'config_path': str(config)}

    checked = run_module(mcp_access.main, args, check=True).result
    assert checked['changed'] and checked['too_open'] and checked['fixed'] == []
    assert [f['kind'] for f in checked['findings']] == ['config_dir', 'config']
    assert _mode(config) == 0o644 and _mode(config_dir) == 0o755
    assert checked['backup_dir'] == str(config_dir / 'backups')

    fixed = run_module(mcp_access.main, args).result
    assert fixed['changed'] and sorted(fixed['fixed']) == sorted([str(config_dir), str(config)])
    assert _mode(config) == 0o600 and _mode(config_dir) == 0o700

    again = run_module(mcp_access.main, args).result
    assert not again['changed'] and again['findings'] == [] and not again['too_open']
    assert all(item['ok'] for item in again['paths'])
