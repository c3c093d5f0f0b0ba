# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_policy: vendor rules, validation, matching (deny wins; unset allows all; [] allows none), merge, audit."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil

import pytest

from ansible_collections.mcpops.mcp.plugins.module_utils import _policy
from ansible_collections.mcpops.mcp.plugins.module_utils._config import MANAGED_KEYS, ConfigError, _same
from ansible_collections.mcpops.mcp.plugins.module_utils._entries import DeclaredEntry
from ansible_collections.mcpops.mcp.plugins.module_utils._policy import Policy, evaluate

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'policy')

STDIO = {'command': 'npx', 'args': ['-y', 'server']}
REMOTE = {'url': 'https://mcp.company.example/v1/mcp'}


@pytest.mark.parametrize('entry, fragment', [
    ({}, 'has none of'),
    ({'serverName': 'a', 'serverUrl': 'https://x/*'}, 'serverName and serverUrl'),
    ({'serverCommand': 'npx -y server'}, 'must be a non-empty list'),
    ({'serverCommand': []}, 'an empty list'),
    ({'serverCommand': ['npx', 3]}, 'every element'),
    ({'serverName': ''}, 'non-empty string'),
    ({'serverName': 'a', 'extra': 1}, 'unknown key(s) extra'),
    ('github', 'must be a mapping'),
])
def test_entries_the_vendors_refuse_are_refused(entry, fragment):
    problems = _policy.entry_problems(entry, 'allowed[0]')
    assert problems and fragment in ' '.join(problems)


@pytest.mark.parametrize('entry', [{'serverName': 'a'}, {'serverCommand': ['npx', '-y', 's']}, {'serverUrl': 'https://*.x/*'}])
def test_entries_with_exactly_one_key_pass(entry):
    assert _policy.entry_problems(entry, 'e') == []


def test_every_problem_of_both_lists_at_once():
    with pytest.raises(_policy.PolicyProblems) as info:
        _policy.desired_settings('claude_code', allowed=[{}], denied=[{'serverCommand': 'x'}, {'serverName': 'ok'}])
    assert len(info.value.problems) == 2


def test_desired_settings_keep_unset_lists_unset_and_empty_lists_empty():
    assert _policy.desired_settings('claude_code') == {}
    assert _policy.desired_settings('claude_code', allowed=[]) == {'allowedMcpServers': []}
    out = _policy.desired_settings('claude_code', denied=[{'serverCommand': ('a', 'b')}], only_managed=True)
    assert out == {'deniedMcpServers': [{'serverCommand': ['a', 'b']}], 'allowManagedMcpServersOnly': True}


def test_only_managed_is_refused_for_copilot():
    with pytest.raises(_policy.PolicyProblems, match='Claude Code setting'):
        _policy.desired_settings('copilot', only_managed=True)


def test_unset_allowlist_allows_all_and_empty_allows_none():
    assert evaluate(Policy('claude_code'), 'x', STDIO) is None
    assert evaluate(Policy('claude_code', allowed=[]), 'x', STDIO) == 'not_allowed'
    assert evaluate(Policy('copilot', allowed=[]), 'x', REMOTE) == 'not_allowed'


@pytest.mark.parametrize('vendor', ['claude_code', 'copilot'])
def test_deny_wins_over_allow(vendor):
    policy = Policy(vendor, allowed=[{'serverName': 'x'}], denied=[{'serverCommand': ['npx', '-y', 'server']}])
    assert evaluate(policy, 'x', STDIO) == 'denied'
    assert evaluate(policy, 'x', {'command': 'npx', 'args': ['server']}) is None


@pytest.mark.parametrize('argv, verdict', [
    (['npx', '-y', 'server'], None),
    (['npx', 'server'], 'not_allowed'),          # an argument missing
    (['npx', '-y', 'server', '--flag'], 'not_allowed'),  # one more
    (['npx', 'server', '-y'], 'not_allowed'),    # other order
])
def test_commands_match_the_exact_argv(argv, verdict):
    policy = Policy('copilot', allowed=[{'serverCommand': ['npx', '-y', 'server']}])
    assert evaluate(policy, 'n', {'command': argv[0], 'args': argv[1:]}) == verdict


@pytest.mark.parametrize('pattern, url, hit', [
    ('https://mcp.company.example/*', 'https://mcp.company.example/v1/mcp', True),
    ('https://mcp.company.example/*', 'https://mcp.company.example.evil.test/mcp', False),
    ('https://*.example.com/*', 'https://api.example.com/mcp', True),
    ('https://*.example.com/*', 'https://example.com/mcp', False),
    ('http://localhost:*/*', 'http://localhost:8080/mcp', True),
    ('https://a.example/mcp', 'https://a.example/mcp', True),
    ('https://a.example/mcp', 'https://a.example/mcp2', False),
    ('https://a.example/m?p', 'https://a.example/mXp', False),  # only * is special
])
def test_url_wildcards(pattern, url, hit):
    assert bool(_policy.url_pattern(pattern).match(url)) is hit


def test_claude_code_binds_stdio_to_command_entries_and_remote_to_url_entries():
    allowed = [{'serverName': 'fs'}, {'serverCommand': ['uvx', 'ok']}, {'serverName': 'r'}, {'serverUrl': 'https://ok/*'}]
    claude = Policy('claude_code', allowed=allowed)
    # With a serverCommand entry present, a stdio server's name alone no longer lets it load.
    assert evaluate(claude, 'fs', STDIO) == 'not_allowed'
    assert evaluate(claude, 'fs', {'command': 'uvx', 'args': ['ok']}) is None
    assert evaluate(claude, 'r', {'url': 'https://bad/x'}) == 'not_allowed'
    assert evaluate(claude, 'r', {'url': 'https://ok/x'}) is None
    # Copilot documents any matching entry.
    copilot = Policy('copilot', allowed=allowed)
    assert evaluate(copilot, 'fs', STDIO) is None
    assert evaluate(copilot, 'r', {'url': 'https://bad/x'}) is None


def test_managed_mcp_json_is_an_exclusive_set():
    policy = Policy('claude_code', managed_servers={'company': {'command': 'x'}})
    assert evaluate(policy, 'company', {'command': 'x'}) is None
    assert evaluate(policy, 'mine', {'command': 'x'}) == 'not_allowed'
    assert evaluate(Policy('claude_code', managed_servers={}), 'any', STDIO) == 'not_allowed'  # MCP disabled


def test_merge_unions_arrays_and_later_scalars_win():
    merged = _policy.merge_settings([
        {'deniedMcpServers': [{'serverName': 'a'}], 'allowManagedMcpServersOnly': False, 'o': {'x': 1}},
        {'deniedMcpServers': [{'serverName': 'a'}, {'serverName': 'b'}], 'allowManagedMcpServersOnly': True, 'o': {'y': 2}},
    ])
    assert merged == {'deniedMcpServers': [{'serverName': 'a'}, {'serverName': 'b'}],
                      'allowManagedMcpServersOnly': True, 'o': {'x': 1, 'y': 2}}


def test_load_policy_reads_base_then_dropins_alphabetically_and_skips_hidden_files():
    policy = _policy.load_policy('claude_code', os.path.join(FIXTURES, 'claude_code'))
    names = [os.path.basename(s) for s in policy.sources]
    assert names == ['managed-settings.json', '10-security.json', '50-mcpops.json']
    assert policy.denied[0] == {'serverName': 'evil'} and len(policy.denied) == 3
    assert {'serverName': 'github'} in policy.allowed and policy.managed_servers is None
    assert _policy.load_policy('claude_code', os.path.join(FIXTURES, 'configs')) is None


def test_load_policy_refuses_invalid_files_with_file_line_col(tmp_path):
    shutil.copytree(os.path.join(FIXTURES, 'claude_code'), str(tmp_path / 'p'))
    bad = tmp_path / 'p' / 'managed-settings.d' / '20-bad.json'
    bad.write_text('{\n  "deniedMcpServers": [],\n}\n')
    with pytest.raises(ConfigError) as info:
        _policy.load_policy('claude_code', str(tmp_path / 'p'))
    assert '20-bad.json:3:1' in str(info.value)
    bad.write_text('{"deniedMcpServers": [{"serverName": "a", "serverUrl": "b"}]}')
    with pytest.raises(_policy.PolicyProblems, match='20-bad.json'):
        _policy.load_policy('claude_code', str(tmp_path / 'p'))


def test_dropin_with_foreign_keys_is_refused():
    problems = _policy.dropin_problems({'allowedMcpServers': [], 'model': 'x'}, '/p/50-mcpops.json', _policy.VENDORS['claude_code']['keys'])
    assert problems and '"model"' in problems[0]


def test_default_dirs_per_os():
    assert _policy.default_policy_dir('claude_code', 'Linux') == '/etc/claude-code'
    assert _policy.default_policy_dir('claude_code', 'Darwin') == '/Library/Application Support/ClaudeCode'
    assert _policy.default_policy_dir('copilot', 'Linux') == '/etc/github-copilot'
    assert _policy.default_policy_dir('copilot', 'Darwin') == '/Library/Application Support/GitHubCopilot'
    assert _policy.dropin_name(5) == '05-mcpops.json'


def test_audit_classes_are_a_list_per_server_worst_first():
    configured = {
        'same': {'command': 'a'},
        'drift': {'command': 'a', 'args': ['1']},
        'hand': {'command': 'evil'},
        'gone': {'command': 'x'},
    }
    entries = [DeclaredEntry('same', 'present', {'command': 'a'}),
               DeclaredEntry('drift', 'present', {'command': 'a', 'args': ['2']}),
               DeclaredEntry('new', 'present', {'command': 'n'}),
               DeclaredEntry('gone', 'absent')]
    policy = Policy('claude_code', denied=[{'serverCommand': ['evil']}])
    findings, counts = _policy.audit_servers('c', configured, entries, policy, MANAGED_KEYS, _same)
    by_name = dict((f['name'], f) for f in findings)
    assert by_name['hand']['classes'] == ['unmanaged', 'denied']
    assert by_name['drift'] == {'name': 'drift', 'client': 'c', 'classes': ['changed'], 'fields': ['args']}
    assert by_name['gone']['classes'] == ['changed'] and by_name['gone']['fields'] == ['state']
    assert by_name['new']['classes'] == ['missing'] and by_name['same']['classes'] == ['declared']
    assert findings[0]['name'] == 'hand' and findings[-1]['name'] == 'same'
    assert counts == {'declared': 1, 'changed': 2, 'missing': 1, 'unmanaged': 1, 'denied': 1, 'not_allowed': 0}


def test_audit_without_a_declared_set_reports_policy_classes_only():
    findings, counts = _policy.audit_servers('c', {'a': STDIO, 'b': REMOTE}, None, Policy('copilot', allowed=[{'serverName': 'a'}]),
                                             MANAGED_KEYS, _same)
    assert findings == [{'name': 'b', 'client': 'c', 'classes': ['not_allowed'], 'fields': []}]
    assert counts['unmanaged'] == 0


def _doc(raw):
    from ansible_collections.mcpops.mcp.plugins.module_utils._config import validate_config
    return validate_config(raw, 'f.json', None)


@pytest.mark.parametrize('raw, change, expected', [
    # replace our key in place; a foreign compact member keeps its bytes
    (b'{\n  "model": "auto",\n  "permissions": {"a": 1},\n  "deniedMcpServers": [ {"serverName": "x"} ]\n}\n',
     {'deniedMcpServers': [{'serverName': 'y'}]},
     b'{\n  "model": "auto",\n  "permissions": {"a": 1},\n  "deniedMcpServers": [\n    {\n      "serverName": "y"\n'
     b'    }\n  ]\n}\n'),
    # append a key after the last member
    (b'{\n\t"model": "auto",\n\t"p": {"a": 1}\n}', {'allowedMcpServers': []},
     b'{\n\t"model": "auto",\n\t"p": {"a": 1},\n\t"allowedMcpServers": []\n}'),
    # remove a first, a middle and the last members
    (b'{"allowedMcpServers": [], "model": "auto", "deniedMcpServers": [], "p": {"a": 1}, "x": 1}',
     {'allowedMcpServers': None, 'deniedMcpServers': None, 'x': None},
     b'{"model": "auto", "p": {"a": 1}}'),
    # CRLF and four spaces
    (b'{\r\n    "p": {"a":  1},\r\n    "deniedMcpServers": []\r\n}\r\n', {'deniedMcpServers': None},
     b'{\r\n    "p": {"a":  1}\r\n}\r\n'),
])
def test_splice_render_changes_only_our_members(raw, change, expected):
    doc = _doc(raw)
    data = dict(doc.data)
    for key, value in change.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    assert _policy.splice_render(doc, data) == expected


def test_splice_render_falls_back_when_it_cannot_keep_bytes():
    doc = _doc(b'{"deniedMcpServers": []}')
    assert _policy.splice_render(doc, {}) is None                      # nothing left
    assert _policy.splice_render(_doc(b'{"a": 1, "b": 2}'), {'b': 2, 'a': 1}) is None  # reordered
    new = _policy.splice_render(doc, {'deniedMcpServers': [], 'allowedMcpServers': [{'serverName': 'a'}]})
    assert new == b'{"deniedMcpServers": [], "allowedMcpServers": [{"serverName": "a"}]}'


# --------------------------------------------------------------------------------------------
# Codex: requirements.toml's mcp_servers allowlist (name and identity must both match; no denylist, no wildcards)


CODEX_ALLOWED = [{'name': 'github', 'command': 'github-mcp-server'}, {'name': 'docs', 'url': 'https://d.example/mcp'}]


@pytest.mark.parametrize('name, entry, verdict', [
    ('github', {'command': 'github-mcp-server', 'args': ['stdio', '--read-only']}, None),  # args are not compared
    ('github', {'command': '/usr/local/bin/github-mcp-server'}, 'not_allowed'),           # exact command string
    ('renamed', {'command': 'github-mcp-server'}, 'not_allowed'),                         # the name must match too
    ('docs', {'url': 'https://d.example/mcp'}, None),
    ('docs', {'url': 'https://d.example/mcp/'}, 'not_allowed'),                           # exact URL, no wildcards
    ('github', {'url': 'https://d.example/mcp'}, 'not_allowed'),                          # a command identity binds stdio
])
def test_codex_matching(name, entry, verdict):
    assert evaluate(Policy('codex', CODEX_ALLOWED), name, entry) == verdict


def test_codex_unset_allowlist_allows_all_and_an_empty_one_none():
    assert evaluate(Policy('codex', None), 'x', {'command': 'y'}) is None
    assert evaluate(Policy('codex', []), 'x', {'command': 'y'}) == 'not_allowed'


def test_codex_settings_and_what_codex_cannot_express():
    assert _policy.desired_settings('codex', CODEX_ALLOWED) == {'mcp_servers': {
        'github': {'identity': {'command': 'github-mcp-server'}}, 'docs': {'identity': {'url': 'https://d.example/mcp'}}}}
    assert _policy.desired_settings('codex', []) == {'mcp_servers': {}}
    with pytest.raises(_policy.PolicyProblems) as info:
        _policy.desired_settings('codex', [{'serverName': 'a'}], denied=[], only_managed=True)
    text = ' '.join(info.value.problems)
    assert 'no denylist' in text and 'Claude Code/Copilot entry key' in text and 'Claude Code setting' in text


def test_codex_allowlist_reads_the_identity_tables_and_refuses_other_forms():
    entries, problems = _policy.codex_allowlist({'a': {'identity': {'command': 'x'}}, 'b': {'identity': {'url': 'u'}}}, 'r.toml')
    assert entries == [{'name': 'a', 'command': 'x'}, {'name': 'b', 'url': 'u'}] and problems == []
    _entries, problems = _policy.codex_allowlist({'a': {'identity': {'command': {'executable': 'x', 'args': []}}}}, 'r.toml')
    assert problems and 'r.toml: mcp_servers.a' in problems[0]
