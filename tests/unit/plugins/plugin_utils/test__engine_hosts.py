# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The POSIX host's commands, run by a real sh here (the Windows scripts: tests/unit/plugins/action/test_windows_engine.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess

import pytest

from ansible_collections.mcpops.mcp.plugins.plugin_utils import _engine_hosts as hosts


def _local_posix_host():
    host = hosts.PosixHost.__new__(hosts.PosixHost)
    host.calls = []
    host.shell = lambda script, what: subprocess.run(['sh', '-c', script], stdout=subprocess.PIPE, check=True).stdout.decode()
    return host


@pytest.mark.parametrize('text, mode', [
    ('-rw-------', 0o600), ('-rw-r-----', 0o640), ('drwx------', 0o700), ('-rwsr-xr-x', 0o4755), ('drwxrwxrwt', 0o1777),
    ('-rw-r--r--.', 0o644), ('drwxr-S---', 0o2740),
])
def test_ls_modes(text, mode):
    assert hosts.parse_ls_mode(text) == mode


def test_posix_read_dir_and_survey_parse_what_the_shell_prints(tmp_path):
    (tmp_path / 'a.json').write_bytes(b'{}\n')
    (tmp_path / 'with space.json').write_bytes(b'\x00\xff')
    os.chmod(str(tmp_path / 'a.json'), 0o640)
    os.symlink('a.json', str(tmp_path / 'link.json'))
    host = _local_posix_host()
    found = host.read_dir(str(tmp_path))
    assert sorted(found) == ['a.json', 'with space.json']
    assert found['a.json'].data == b'{}\n' and found['a.json'].mode == 0o640 and found['with space.json'].data == b'\x00\xff'
    files, dirs = host.survey([str(tmp_path / 'link.json'), str(tmp_path / 'none.json')], [str(tmp_path), str(tmp_path / 'no')])
    assert files[str(tmp_path / 'link.json')].exists and files[str(tmp_path / 'link.json')].real == str(tmp_path / 'a.json')
    assert not files[str(tmp_path / 'none.json')].exists
    assert dirs[str(tmp_path)].is_dir and not dirs[str(tmp_path / 'no')].exists


def test_replace_script_renames_only_over_the_bytes_that_were_read(tmp_path):
    target = tmp_path / 'c.json'
    target.write_bytes(b'old')
    tmp = tmp_path / '.c.json.1.tmp'
    tmp.write_bytes(b'new')
    out = subprocess.run(['sh', '-c', hosts.replace_script(str(target), str(tmp), hosts.sha1(b'other'))],
                         stdout=subprocess.PIPE, check=True).stdout.strip()
    assert out == b'CONFLICT' and target.read_bytes() == b'old' and not tmp.exists()
    tmp.write_bytes(b'new')
    out = subprocess.run(['sh', '-c', hosts.replace_script(str(target), str(tmp), hosts.sha1(b'old'))],
                         stdout=subprocess.PIPE, check=True).stdout.strip()
    assert out == b'REPLACED' and target.read_bytes() == b'new' and not tmp.exists()
