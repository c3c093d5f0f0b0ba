# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_tomledit: strict parse with file:line:col, byte-exact edits of Codex TOML (comments and other tables kept)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.mcpops.mcp.plugins.module_utils import _tomledit
from ansible_collections.mcpops.mcp.plugins.module_utils._errors import DELETE, ConfigError

tomllib = pytest.importorskip('tomllib')  # the standard library's reader (3.11+) as an independent judge

CONFIG = (
    '# Codex settings, kept by hand\n'
    'model = "gpt-5-codex"  # the default model\n'
    'approval_policy = "on-request"\n'
    '\n'
    '[mcp_servers.time]\n'
    '# a local clock\n'
    'command = "uvx"\n'
    'args = ["mcp-server-time", "--local-timezone=Europe/Paris"]  # keep this comment\n'
    '\n'
    '[mcp_servers.time.env]\n'
    'TZ = "Europe/Paris"\n'
    '\n'
    '[mcp_servers.docs]\n'
    'url = "https://docs.example/mcp"\n'
    'bearer_token_env_var = "DOCS_TOKEN"\n'
    '\n'
    '# profiles below are not ours\n'
    '[profiles.fast]\n'
    'model = "o4-mini"\n'
    'model_reasoning_effort = "low"   # odd spacing kept\n'
)
GIT = {'command': 'npx', 'args': ['-y', '@modelcontextprotocol/server-git'], 'env': {'GIT_DIR': '/srv/repo'}}


def edit(text, ops):
    out = _tomledit.apply_ops(text, ops)
    assert _prune(tomllib.loads(out)) == _expected(text, ops)
    return out


def _expected(text, ops):
    data = tomllib.loads(text)
    for path, value in ops:
        node = data
        for key in path[:-1]:
            node = node.setdefault(key, {})
        if value is DELETE:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value
    return _prune(data)


def _prune(value):
    """Empty tables dropped, bottom-up: TOML cannot tell an implicit table left empty from an absent one."""
    if isinstance(value, dict):
        pruned = dict((k, _prune(v)) for k, v in value.items())
        return dict((k, v) for k, v in pruned.items() if v != {})
    return value


# --------------------------------------------------------------------------------------------
# parse


def test_parse_returns_plain_values_and_text():
    value, text = _tomledit.parse(CONFIG.encode('utf-8'), '/home/u/.codex/config.toml')
    assert text == CONFIG
    # Plain dicts and lists, not tomlkit's subclasses of them.
    assert value.__class__ is dict and value['mcp_servers']['time']['args'].__class__ is list
    assert value['mcp_servers']['time'] == {'command': 'uvx', 'args': ['mcp-server-time', '--local-timezone=Europe/Paris'],
                                            'env': {'TZ': 'Europe/Paris'}}
    assert list(value) == ['model', 'approval_policy', 'mcp_servers', 'profiles']


def test_an_empty_file_is_an_empty_document():
    assert _tomledit.parse(b'', 'c.toml') == ({}, '')


@pytest.mark.parametrize('data, line, col, fragment', [
    (b'\xef\xbb\xbfmodel = "x"\n', 1, 1, 'byte-order mark'),
    (b'model = "a"\nmodel = "b"\n', 2, 1, 'already exists'),
    (b'[mcp_servers.a]\ncommand = "x"\n\n[mcp_servers.a]\nurl = "y"\n', 5, 1, 'duplicate key or table'),
    (b'model = \n', 1, 9, 'invalid TOML'),
    (b'[mcp_servers.a\ncommand = "x"\n', 1, 15, 'invalid TOML'),
    (b'model = "caf\xe9"\n', 1, 13, 'not valid UTF-8'),
])
def test_refusals_name_file_line_and_column(data, line, col, fragment):
    with pytest.raises(ConfigError) as info:
        _tomledit.parse(data, '/home/u/.codex/config.toml')
    exc = info.value
    assert fragment in str(exc)
    assert str(exc).startswith('/home/u/.codex/config.toml:%d:' % exc.line)
    assert exc.line == line
    assert exc.column == col or fragment != 'byte-order mark'


def test_other_flavors_are_not_ours():
    with pytest.raises(ValueError):
        _tomledit.parse(b'{}', 'x.json', flavor='json')


# --------------------------------------------------------------------------------------------
# apply_ops: bytes outside the edited table stay identical


def test_add_appends_a_table_after_the_last_server_and_keeps_every_other_byte():
    out = edit(CONFIG, [(('mcp_servers', 'git'), GIT)])
    head, sep, tail = CONFIG.partition('# profiles below are not ours\n')
    assert out.startswith(head) and out.endswith(sep + tail)
    assert out[len(head):-len(sep + tail)] == (
        '[mcp_servers.git]\n'
        'command = "npx"\n'
        'args = ["-y", "@modelcontextprotocol/server-git"]\n'
        '\n'
        '[mcp_servers.git.env]\n'
        'GIT_DIR = "/srv/repo"\n'
        '\n')


def test_update_rewrites_only_the_changed_key_and_keeps_comments_inside_the_table():
    new = {'command': 'uvx', 'args': ['mcp-server-time', '--local-timezone=UTC'], 'env': {'TZ': 'Europe/Paris'}}
    out = edit(CONFIG, [(('mcp_servers', 'time'), new)])
    assert out == CONFIG.replace('["mcp-server-time", "--local-timezone=Europe/Paris"]  # keep this comment',
                                 '["mcp-server-time", "--local-timezone=UTC"]  # keep this comment')


def test_update_adds_keys_and_sub_tables_above_the_comments_that_introduce_the_next_table():
    new = {'url': 'https://docs.example/mcp', 'bearer_token_env_var': 'DOCS_TOKEN', 'http_headers': {'X-Team': 'ops'},
           'cwd': '/srv'}
    out = edit(CONFIG, [(('mcp_servers', 'docs'), new)])
    head = CONFIG.split('# profiles below are not ours\n', maxsplit=1)[0].rstrip('\n') + '\n'
    tail = '# profiles below are not ours\n' + CONFIG.split('# profiles below are not ours\n')[1]
    assert out == head + 'cwd = "/srv"\n\n[mcp_servers.docs.http_headers]\nX-Team = "ops"\n\n' + tail


def test_ops_on_keys_inside_an_entry_touch_only_those_keys():
    ops = [(('mcp_servers', 'time', 'args'), ['mcp-server-time']), (('mcp_servers', 'time', 'env'), DELETE),
           (('mcp_servers', 'docs', 'cwd'), '/srv')]
    out = edit(CONFIG, ops)
    expected = CONFIG.replace('["mcp-server-time", "--local-timezone=Europe/Paris"]', '["mcp-server-time"]')
    expected = expected.replace('[mcp_servers.time.env]\nTZ = "Europe/Paris"\n\n', '')
    expected = expected.replace('bearer_token_env_var = "DOCS_TOKEN"\n', 'bearer_token_env_var = "DOCS_TOKEN"\ncwd = "/srv"\n')
    assert out == expected


def test_remove_takes_the_table_and_its_sub_tables_and_nothing_else():
    out = edit(CONFIG, [(('mcp_servers', 'time'), DELETE)])
    start = CONFIG.index('[mcp_servers.time]')
    end = CONFIG.index('[mcp_servers.docs]')
    assert out == CONFIG[:start] + CONFIG[end:]


def test_comments_closing_a_removed_table_stay_where_it_was():
    text = ('[features]\nx = false\n\n[mcp_servers.legacy.identity]\ncommand = "legacy"\n\n'
            '# pinned by legal\n# enforce_residency = "us"\n\n[z]\nq = 1\n')
    out = edit(text, [(('mcp_servers', 'legacy'), DELETE)])
    assert out == '[features]\nx = false\n\n# pinned by legal\n# enforce_residency = "us"\n\n[z]\nq = 1\n'


def test_comments_kept_by_one_removal_survive_the_next_one():
    """Found by the property test: add a server with a sub-table (it adopts the comments that introduce the next
    table), drop the sub-table (the comments stay in its place as text), then remove the server."""
    text = '# top\n[mcp_servers.a]\ncommand = "0"\n\n# profiles are not ours\n[profiles.fast]\nmodel = ""\n'
    ops = [(('mcp_servers', 'b'), {'command': '0', 'env': {}}), (('mcp_servers', 'b'), {'command': '0'}),
           (('mcp_servers', 'b'), DELETE)]
    assert edit(text, ops) == text


def test_replacing_every_server_keeps_the_closing_comments_below_the_new_ones():
    text = '[mcp_servers.old]\ncommand = "old"\n\n# the end\n'
    out = edit(text, [(('mcp_servers',), {'new': {'command': 'new'}})])
    assert out == '[mcp_servers.new]\ncommand = "new"\n\n# the end\n'


def test_an_emptied_table_is_written_as_an_explicit_empty_table():
    # An allowlist of none: [mcp_servers] must stay in the file (TOML reads a vanished table as "not set").
    text = '# top\n[mcp_servers.a.identity]\ncommand = "a"\n\n# tail\n'
    out = edit(text, [(('mcp_servers',), {})])
    assert out == '# top\n[mcp_servers]\n# tail\n'
    assert tomllib.loads(out) == {'mcp_servers': {}}
    assert edit('a = 1\n', [(('mcp_servers',), {})]) == 'a = 1\n\n[mcp_servers]\n'


def test_a_table_emptied_then_deleted_or_refilled_by_a_later_op_is_not_kept_as_an_empty_table():
    # Found by the key-level property test: only the final state of a path set to {} has to stay an explicit table.
    assert edit('', [(('mcp_servers', 'a', 'env'), {}), (('mcp_servers', 'a', 'env'), DELETE)]) == ''
    out = edit('', [(('mcp_servers', 'a', 'env'), {}), (('mcp_servers', 'a', 'env'), {'A': '1'})])
    assert tomllib.loads(out) == {'mcp_servers': {'a': {'env': {'A': '1'}}}}
    out = edit('m = 1\n', [(('mcp_servers', 'a', 'env'), {}), (('mcp_servers', 'a'), DELETE)])
    assert tomllib.loads(out) == {'m': 1}


def test_remove_the_last_server_at_the_end_of_the_file_leaves_no_blank_tail():
    text = 'model = "m"\n\n[mcp_servers.a]\ncommand = "a"\n'
    assert edit(text, [(('mcp_servers', 'a'), DELETE)]) == 'model = "m"\n'


def test_a_no_op_returns_the_same_bytes():
    value, _text = _tomledit.parse(CONFIG.encode('utf-8'))
    assert edit(CONFIG, [(('mcp_servers', 'time'), value['mcp_servers']['time'])]) == CONFIG
    assert edit(CONFIG, [(('mcp_servers', 'absent'), DELETE)]) == CONFIG


def test_missing_parents_are_created_as_tables():
    text = 'model = "m"\n'
    out = edit(text, [(('mcp_servers', 'git'), GIT)])
    assert out.startswith('model = "m"\n\n[mcp_servers.git]\n')
    assert '[mcp_servers]' not in out  # an implicit parent, as Codex writes it


def test_server_tables_spread_out_of_order_are_edited_in_place():
    text = ('[mcp_servers.a]\ncommand = "a"\n\n[profiles.p]\nmodel = "x"\n\n[mcp_servers.a.env]\nK = "1"\n')
    out = edit(text, [(('mcp_servers', 'a'), {'command': 'a', 'env': {'K': '2'}})])
    assert out == text.replace('K = "1"', 'K = "2"')
    if _version() < (0, 13):
        with pytest.raises(ConfigError) as info:  # older tomlkit cannot remove a split table: refused, not mangled
            _tomledit.apply_ops(text, [(('mcp_servers', 'a'), DELETE)])
        assert 'upgrade tomlkit' in str(info.value)
        return
    out = edit(text, [(('mcp_servers', 'a'), DELETE)])
    assert out == '[profiles.p]\nmodel = "x"\n'


def _version():
    import tomlkit
    return tuple(int(p) for p in tomlkit.__version__.split('.')[:2])


def test_an_inline_server_table_stays_inline():
    text = '[mcp_servers]\ntime = { command = "uvx" }  # inline\n\n[z]\nq = 1\n'
    out = edit(text, [(('mcp_servers', 'time'), {'command': 'uvx', 'args': ['x']})])
    assert out.startswith('[mcp_servers]\ntime = { command = "uvx", args = ["x"]')  # tomlkit's inline spacing
    assert out.endswith('\n\n[z]\nq = 1\n')


def test_crlf_files_stay_crlf():
    text = CONFIG.replace('\n', '\r\n')
    out = _tomledit.apply_ops(text, [(('mcp_servers', 'git'), GIT)])
    assert '\n' not in out.replace('\r\n', '')
    assert tomllib.loads(out)['mcp_servers']['git'] == GIT


def test_names_that_need_quotes_are_quoted():
    out = edit('', [(('mcp_servers', 'my.server'), {'url': 'https://x'})])
    assert out == '[mcp_servers."my.server"]\nurl = "https://x"\n'


def test_null_is_refused_because_toml_has_none():
    with pytest.raises(ConfigError) as info:
        _tomledit.apply_ops(CONFIG, [(('mcp_servers', 'x'), {'cwd': None})])
    assert 'mcp_servers.x.cwd' in str(info.value)


def test_a_parent_that_is_not_a_table_is_refused():
    with pytest.raises(ConfigError) as info:
        _tomledit.apply_ops('mcp_servers = 3\n', [(('mcp_servers', 'x'), {'command': 'a'})])
    assert 'not a table' in str(info.value)


def test_render_new_writes_keys_first_then_tables():
    text = _tomledit.render_new({'mcp_servers': {'git': GIT}, 'model': 'o3'})
    assert text == ('model = "o3"\n\n[mcp_servers.git]\ncommand = "npx"\nargs = ["-y", "@modelcontextprotocol/server-git"]\n'
                    '\n[mcp_servers.git.env]\nGIT_DIR = "/srv/repo"\n')
    assert _tomledit.render_new({}) == ''


# --------------------------------------------------------------------------------------------
# property: random documents and edits


NAMES = st.sampled_from(['a', 'b', 'time', 'git', 'x-y', 'with space', 'caf\u00e9'])
SCALARS = st.one_of(st.text(max_size=8), st.integers(-5, 5), st.booleans())
ENTRY = st.fixed_dictionaries({'command': st.text(min_size=1, max_size=6)},
                              optional={'args': st.lists(st.text(max_size=6), max_size=3),
                                        'env': st.dictionaries(st.sampled_from(['A', 'B', 'TOKEN']), st.text(max_size=5), max_size=2),
                                        'cwd': st.text(max_size=6)})
REMOTE = st.fixed_dictionaries({'url': st.text(min_size=1, max_size=10)},
                               optional={'http_headers': st.dictionaries(st.sampled_from(['X-A', 'X-B']), st.text(max_size=4), max_size=2),
                                         'bearer_token_env_var': st.sampled_from(['T1', 'T2'])})


@st.composite
def documents(draw):
    servers = draw(st.dictionaries(NAMES, st.one_of(ENTRY, REMOTE), max_size=3))
    top = draw(st.dictionaries(st.sampled_from(['model', 'approval_policy', 'n']), SCALARS, max_size=2))
    profiles = draw(st.dictionaries(st.sampled_from(['fast', 'slow']), st.fixed_dictionaries({'model': st.text(max_size=5)}), max_size=2))
    doc = dict(top)
    if servers:
        doc['mcp_servers'] = servers
    if profiles:
        doc['profiles'] = profiles
    text = _tomledit.render_new(doc)
    if draw(st.booleans()):
        text = '# a comment at the top\n' + text.replace('\n[profiles', '\n# profiles are not ours\n[profiles', 1)
    return text


OPS = st.lists(st.tuples(st.tuples(st.just('mcp_servers'), NAMES), st.one_of(ENTRY, REMOTE, st.just(DELETE))), min_size=1, max_size=3)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), OPS)
def test_property_edits_match_the_data_and_keep_other_tables_byte_identical(text, ops):
    out = _tomledit.apply_ops(text, ops)
    assert _prune(tomllib.loads(out)) == _expected(text, ops)
    # Every line outside the mcp_servers tables (comments, profiles, top-level keys) is still there, in order.

    def foreign(doc):
        lines, inside = [], False
        for line in doc.splitlines():
            if line.startswith('['):
                inside = line.startswith('[mcp_servers')
            if not inside and line.strip() and not line.startswith('#'):
                lines.append(line)
        return lines
    assert foreign(out) == foreign(text)
    # The generated comments close a table or the top of the file: every one survives every edit, in order.
    assert [line for line in out.splitlines() if line.startswith('#')] == [
        line for line in text.splitlines() if line.startswith('#')]


FIELD_OPS = st.lists(st.one_of(
    st.tuples(st.tuples(st.just('mcp_servers'), NAMES, st.just('args')), st.one_of(st.lists(st.text(max_size=5), max_size=3), st.just(DELETE))),
    st.tuples(st.tuples(st.just('mcp_servers'), NAMES, st.just('cwd')), st.one_of(st.text(max_size=6), st.just(DELETE))),
    st.tuples(st.tuples(st.just('mcp_servers'), NAMES, st.just('env')),
              st.one_of(st.dictionaries(st.sampled_from(['A', 'B']), st.text(max_size=4), max_size=2), st.just(DELETE))),
    st.tuples(st.tuples(st.just('model'),), st.one_of(st.text(max_size=5), st.just(DELETE))),
), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), FIELD_OPS)
def test_property_key_level_edits_match_the_data(text, ops):
    out = _tomledit.apply_ops(text, ops)
    assert _prune(tomllib.loads(out)) == _expected(text, ops)
    assert [line for line in out.splitlines() if line.startswith('#')] == [
        line for line in text.splitlines() if line.startswith('#')]


# --------------------------------------------------------------------------------------------
# tomlkit missing


def test_without_tomlkit_a_missing_library_error_names_it(tmp_path):
    blocker = tmp_path / 'tomlkit.py'
    blocker.write_text('raise ImportError("No module named tomlkit")\n')
    code = ('import sys; sys.path.insert(0, %r)\n'
            'from ansible_collections.mcpops.mcp.plugins.module_utils import _tomledit\n'
            'assert not _tomledit.has_tomlkit()\n'
            'try:\n'
            '    _tomledit.parse(b"a = 1\\n", "c.toml")\n'
            'except _tomledit.MissingLibrary as exc:\n'
            '    print(exc.library, "|", str(exc), "|", "ImportError" in exc.traceback)\n' % str(tmp_path))
    out = subprocess.run([sys.executable, '-c', code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, check=True, env=_env_with_collection())
    library, message, has_tb = [p.strip() for p in out.stdout.split('|')]
    assert library == 'tomlkit' and 'pip install tomlkit' in message and has_tb == 'True'


def _env_with_collection():
    import os
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(p for p in sys.path if p)
    return env
