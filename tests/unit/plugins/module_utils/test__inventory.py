# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client inventory on real temporary homes: evidence, parse through each format's codec, counts, refusals."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.mcpops.mcp.plugins.module_utils import _inventory as inv
from ansible_collections.mcpops.mcp.plugins.module_utils._clients import CLIENT_NAMES

try:
    from ansible_collections.mcpops.mcp.plugins.module_utils import _jsonedit  # noqa: F401 pylint: disable=unused-import
    HAVE_JSONC = True
except ImportError:
    HAVE_JSONC = False


def write(home, rel, text):
    path = os.path.join(str(home), rel)
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path))
    with open(path, 'wb') as handle:
        handle.write(text.encode('utf-8') if isinstance(text, str) else text)
    return path


def by_name(items):
    return dict((i['name'], i) for i in items)


def run(home, names=None, search_path='', environ=None):
    return by_name(inv.client_inventory(names, str(home), system='Linux', environ=environ or {},
                                        search_path=search_path))


def test_empty_home_has_nothing_installed(tmp_path):
    items = run(tmp_path)
    assert sorted(items) == CLIENT_NAMES
    for item in items.values():
        assert item['installed'] is False and item['evidence'] == []
        assert item['exists'] is False and item['valid'] is None and item['server_count'] is None
        assert item['size'] is None and item['error'] is None


def test_config_files_are_found_parsed_and_counted(tmp_path):
    cursor = write(tmp_path, '.cursor/mcp.json', '{"mcpServers": {"a": {"command": "x"}, "b": {"url": "https://h"}}}\n')
    write(tmp_path, '.claude.json', '{"numStartups": 3, "projects": {}, "mcpServers": {"gh": {"type": "http", '
                                    '"url": "https://h"}}}')
    write(tmp_path, '.codeium/windsurf/mcp_config.json', '{}')
    items = run(tmp_path)
    c = items['cursor']
    assert c['installed'] and c['evidence'] == ['config_file', 'config_dir']
    assert c['config_path'] == cursor and c['exists'] and c['format'] == 'json'
    assert c['size'] == os.path.getsize(cursor)
    assert (c['valid'], c['error'], c['server_count'], c['servers']) == (True, None, 2, ['a', 'b'])
    cc = items['claude_code']
    # ~/.claude.json sits in the home: the home itself is no evidence, the file is
    assert cc['evidence'] == ['config_file'] and cc['server_count'] == 1 and cc['servers'] == ['gh']
    assert items['windsurf']['server_count'] == 0 and items['windsurf']['valid'] is True
    assert items['vscode']['installed'] is False


def test_config_dir_and_marker_are_evidence_without_a_file(tmp_path):
    os.makedirs(os.path.join(str(tmp_path), '.config', 'Code', 'User'))
    os.makedirs(os.path.join(str(tmp_path), '.claude'))
    items = run(tmp_path)
    assert items['vscode']['evidence'] == ['config_dir'] and items['vscode']['exists'] is False
    assert items['claude_code']['evidence'] == ['marker:%s' % os.path.join(str(tmp_path), '.claude')]


def test_binaries_on_the_search_path(tmp_path):
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    for name in ('codex', 'zeditor', 'gemini'):
        prog = bindir / name
        prog.write_text(u'#!/bin/sh\n')
        prog.chmod(stat.S_IRWXU)
    (bindir / 'cursor').write_text(u'not executable')
    items = run(tmp_path, search_path=str(bindir))
    assert items['codex']['evidence'] == ['binary:%s' % (bindir / 'codex')]
    assert items['zed']['binaries'] == [str(bindir / 'zeditor')]
    assert items['gemini']['installed'] and not items['cursor']['installed']


def test_user_bin_dirs_follow_path(tmp_path):
    path = inv.user_search_path('/home/alice', {'PATH': '/usr/bin:/bin'})
    assert path.split(os.pathsep) == ['/usr/bin', '/bin', '/home/alice/.local/bin', '/home/alice/bin',
                                      '/home/alice/.npm-global/bin']


def test_strict_json_refusal_is_reported_with_line_and_column(tmp_path):
    path = write(tmp_path, '.cursor/mcp.json', '{\n  "mcpServers": {},\n}\n')
    before = open(path, 'rb').read()
    item = run(tmp_path, ['cursor'])['cursor']
    assert item['valid'] is False and item['server_count'] is None
    assert item['error'].startswith(path + ':3:')
    assert open(path, 'rb').read() == before  # read-only: byte-identical
    assert os.listdir(os.path.dirname(path)) == ['mcp.json']  # no lock, no backup, no rename


def test_servers_key_that_is_not_an_object_is_invalid(tmp_path):
    write(tmp_path, '.gemini/settings.json', '{"mcpServers": []}')
    write(tmp_path, '.cursor/mcp.json', '[]')
    items = run(tmp_path, ['gemini', 'cursor'])
    assert list(items) == ['cursor', 'gemini']
    if HAVE_JSONC:
        assert items['gemini']['valid'] is False and 'mcpServers is not an object' in items['gemini']['error']
    # a top level that is not an object is refused by the codec itself (or by the servers walk without one)
    assert items['cursor']['valid'] is False and 'object' in items['cursor']['error']
    assert items['cursor']['error'].startswith(os.path.join(str(tmp_path), '.cursor', 'mcp.json'))


def test_toml_config_is_parsed_with_the_toml_codec(tmp_path):
    pytest.importorskip('tomlkit')
    write(tmp_path, '.codex/config.toml', '# mine\nmodel = "o3"\n\n[mcp_servers.time]\ncommand = "uvx"\n\n'
                                          '[mcp_servers.docs]\nurl = "https://h/mcp"\n')
    item = run(tmp_path, ['codex'])['codex']
    assert (item['valid'], item['server_count'], item['servers'], item['format']) == (True, 2, ['time', 'docs'], 'toml')
    write(tmp_path, '.codex/config.toml', '[mcp_servers.time\ncommand = 1\n')
    item = run(tmp_path, ['codex'])['codex']
    assert item['valid'] is False and ':1:' in item['error']


def test_codex_home_moves_the_config(tmp_path):
    pytest.importorskip('tomlkit')
    other = tmp_path / 'elsewhere'
    write(other, 'config.toml', '[mcp_servers.a]\ncommand = "x"\n')
    item = run(tmp_path, ['codex'], environ={'CODEX_HOME': str(other)})['codex']
    assert item['config_path'] == str(other / 'config.toml') and item['server_count'] == 1


def test_jsonc_config(tmp_path):
    write(tmp_path, '.config/zed/settings.json', '// Zed settings\n{\n  "theme": "One Dark",\n  "context_servers": {\n'
                                                 '    "x": {"command": "y"}, // trailing comment\n  },\n}\n')
    item = run(tmp_path, ['zed'])['zed']
    assert item['exists'] and item['format'] == 'jsonc'
    if HAVE_JSONC:
        assert (item['valid'], item['server_count']) == (True, 1)
    else:  # until the JSONC codec lands validity is unknown, said so, never guessed
        assert item['valid'] is None and 'JSONC' in item['error']


def test_unreadable_config_is_reported(tmp_path):
    if os.geteuid() == 0:
        pytest.skip('root reads anything')
    path = write(tmp_path, '.cursor/mcp.json', '{}')
    os.chmod(path, 0)
    try:
        item = run(tmp_path, ['cursor'])['cursor']
    finally:
        os.chmod(path, 0o600)
    assert item['valid'] is None and 'Cannot read' in item['error']
