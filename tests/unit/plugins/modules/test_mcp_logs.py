# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_logs through its real main() with patch_module_args, on copies of the log fixtures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil

import pytest

from ansible_collections.mcpops.mcp.plugins.modules import mcp_logs
from ansible_collections.mcpops.mcp.tests.unit.module_runner import run_module_main

TESTS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
FIXTURES = os.path.join(TESTS, 'fixtures', 'logs')


def run(args, check=False):
    return run_module_main(mcp_logs.main, args, check=check).result


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A HOME whose Linux Claude log dir holds the desktop fixture."""
    home = tmp_path / 'home'
    log_dir = home / '.config' / 'Claude' / 'logs'
    shutil.copytree(os.path.join(FIXTURES, 'desktop'), str(log_dir))
    monkeypatch.setenv('HOME', str(home))
    monkeypatch.setattr('ansible_collections.mcpops.mcp.plugins.module_utils._clients.current_system', lambda: 'Linux')
    return home


def test_default_log_dir_and_result_shape(home):
    result = run({})
    assert result['changed'] is False
    assert result['exists'] is True
    assert result['log_dir'] == str(home / '.config' / 'Claude' / 'logs')
    assert result['matched'] == 36
    assert result['lifecycle']['filesystem']['last_event'] == 'never_started'
    assert isinstance(result['entries'], list) and isinstance(result['errors_grouped'], list)


def test_check_mode_gives_the_same_result(home):
    normal = run({'level': 'error'})
    checked = run({'level': 'error'}, check=True)
    for key in ('entries', 'counts', 'errors_grouped', 'lifecycle', 'matched'):
        assert normal[key] == checked[key]
    assert checked['changed'] is False


def test_options_are_passed_through(home):
    result = run({'names': ['github'], 'level': 'warn'})
    assert [(e['server'], e['level']) for e in result['entries']] == [('github', 'WARN')]
    result = run({'tail': 1, 'level': 'error'})
    assert [e['message'] for e in result['entries']][0].startswith('Server disconnected')
    result = run({'max_entries': 2})
    assert result['truncated'] is True and len(result['entries']) == 2


def test_headless_host_without_logs(tmp_path):
    result = run({'log_dir': str(tmp_path / 'missing')})
    assert result['exists'] is False
    assert result['entries'] == [] and result.get('failed') is not True


def test_bad_since_fails_with_one_sentence(home):
    result = run({'since': 'last tuesday-ish'})
    assert result['failed'] is True
    assert 'ISO 8601' in result['msg']


def test_no_secret_in_module_output(home):
    text = json.dumps(run({}))
    for secret in ('ghp_SECRETVALUE123456', 'hunter2', 'sk-live-abcdef123456'):
        assert secret not in text


def test_max_message_chars_caps_a_huge_line(home):
    log = home / '.config' / 'Claude' / 'logs' / 'mcp.log'
    with open(str(log), 'rb') as handle:
        ends_with_newline = handle.read().endswith(b'\n')
    with open(str(log), 'a') as handle:
        handle.write(('' if ends_with_newline else '\n') + '2026-01-03T12:00:00.000Z [github] [error] dump ' + 'z' * 300000 + '\n')
    result = run({'level': 'error', 'tail': 1, 'max_message_chars': 100})
    assert result['entries'][0]['message'] == u'dump \u2026 [truncated 300,001 characters]'
    assert result['files'][0]['bytes_read'] <= os.path.getsize(str(log))
    default = run({'level': 'error', 'tail': 1})
    assert default['entries'][0]['message'] == u'dump \u2026 [truncated 300,001 characters]'


def test_max_message_chars_below_one_fails_with_a_reason(home):
    result = run({'max_message_chars': 0})
    assert result['failed'] is True
    assert result['msg'] == 'max_message_chars must be at least 1.'
