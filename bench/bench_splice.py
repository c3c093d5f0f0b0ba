# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cost of a byte-exact edit of a large ~/.claude.json vs a plain json.loads + json.dumps rewrite, side by side.

The document looks like Claude Code's ~/.claude.json: a few top-level keys, a `projects` object with many project
entries (history, settings, per-project mcpServers) and the user's `mcpServers` after it. Contenders, interleaved in
every round, best of N:
  splice   _jsonedit.parse (strict) + apply_ops with 3 ops (add a user server, update one, add a local-scope server)
  rewrite  json.loads + the same edits on the dict + json.dumps(indent=2) (what a re-rendering editor costs at best;
           indent makes json.dumps use its pure-Python encoder, so the compact C-encoder rewrite is shown too)
  engine   the pre-splice engine: _config.parse_json + render_json, when run against a checkout that still has it
Also the JSONC path: the same document with a comment per project, parse + 3 ops. Prints ratios; not a pass/fail.

    python bench/bench_splice.py [--mb 5] [--rounds 5]
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import shutil
import tempfile
import time

from _collection import collections_root


def claude_json(megabytes):
    """A ~/.claude.json-like text of about `megabytes` MB (2-space indent, as Claude Code writes it)."""
    doc = {'numStartups': 412, 'installMethod': 'npm', 'autoUpdates': True, 'userID': 'f' * 64,
           'tipsHistory': {'new-user-warmup': 7, 'ide-hotkey': 3}, 'projects': {}}
    project = 0
    target = int(megabytes * 1024 * 1024)
    size = 0
    while size < target:
        path = '/home/alice/src/project-%05d' % project
        entry = {'allowedTools': ['Bash(npm test)', 'Edit'],
                 'history': [{'display': 'fix the failing test in module %d \u00e9t\u00e9' % n, 'pastedContents': {}}
                             for n in range(12)],
                 'mcpContextUris': [], 'mcpServers': {}, 'enabledMcpjsonServers': [], 'disabledMcpjsonServers': [],
                 'hasTrustDialogAccepted': True, 'lastCost': 0.1234, 'lastDuration': 81234,
                 'lastTotalInputTokens': 12034, 'exampleFiles': ['src/a.py', 'src/b.py']}
        doc['projects'][path] = entry
        size += len(json.dumps(entry, indent=2)) + len(path) + 8
        project += 1
    doc['mcpServers'] = dict(('srv-%d' % n, {'type': 'stdio', 'command': 'npx', 'args': ['-y', 'pkg-%d' % n],
                                             'env': {}}) for n in range(8))
    doc['firstStartTime'] = '2026-01-02T03:04:05.000Z'
    return json.dumps(doc, indent=2, ensure_ascii=False) + '\n', project


def edits(projects):
    middle = '/home/alice/src/project-%05d' % (projects // 2)
    return [(('mcpServers', 'bench'), {'type': 'stdio', 'command': '/bin/true', 'args': ['--bench']}),
            (('mcpServers', 'srv-3'), {'type': 'stdio', 'command': 'uvx', 'args': ['pkg-3'], 'env': {}}),
            (('projects', middle, 'mcpServers', 'local'), {'type': 'http', 'url': 'https://mcp.example.com/mcp'})]


def rewrite(text, ops):
    data = json.loads(text)
    for path, value in ops:
        node = data
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return json.dumps(data, indent=2, ensure_ascii=False) + '\n'


def best(function, rounds):
    times = []
    for _round in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--mb', type=float, default=5.0)
    parser.add_argument('--rounds', type=int, default=5)
    options = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix='bench-splice-')
    try:
        collections_root(workdir)
        run(options)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(options):
    from ansible_collections.mcpops.mcp.plugins.module_utils import _jsonedit
    try:
        from ansible_collections.mcpops.mcp.plugins.module_utils import _config
        engine = getattr(_config, 'render_json', None) and getattr(_config, 'parse_json', None) and _config
    except ImportError:
        engine = None

    text, projects = claude_json(options.mb)
    data = text.encode('utf-8')
    ops = edits(projects)
    commented = text.replace('\n    "/home/alice/src/', '\n    // a project\n    "/home/alice/src/')
    commented_data = commented.encode('utf-8')

    # The contenders must do the same work: the same data comes out.
    spliced = _jsonedit.apply_ops(_jsonedit.parse(data)[1], ops)
    if json.loads(spliced) != json.loads(rewrite(text, ops)):
        raise SystemExit('splice and rewrite disagree on the result')
    if _jsonedit.parse(_jsonedit.apply_ops(commented, ops, 'jsonc').encode('utf-8'), flavor='jsonc')[0] != json.loads(spliced):
        raise SystemExit('the JSONC splice disagrees with the JSON one')

    def splice():
        _value, decoded = _jsonedit.parse(data)
        _jsonedit.apply_ops(decoded, ops)

    def splice_jsonc():
        _value, decoded = _jsonedit.parse(commented_data, flavor='jsonc')
        _jsonedit.apply_ops(decoded, ops, 'jsonc')

    def parse_only():
        _jsonedit.parse(data)

    def plain():
        rewrite(data.decode('utf-8'), ops)

    def plain_compact():
        data_ = json.loads(data.decode('utf-8'))
        json.dumps(data_, ensure_ascii=False)

    def loads_only():
        json.loads(data.decode('utf-8'))

    def old_engine():
        value, _text = engine.parse_json(data)
        engine.render_json(value, engine.Style())

    contenders = [('splice (parse + 3 ops)', splice), ('parse only', parse_only),
                  ('jsonc splice (parse + 3 ops)', splice_jsonc),
                  ('json.loads + json.dumps', plain), ('json.loads + json.dumps, compact (C)', plain_compact),
                  ('json.loads only', loads_only)]
    if engine is not None:
        contenders.append(('old engine (parse_json + render_json)', old_engine))
    results = dict((name, []) for name, _function in contenders)
    for round_no in range(options.rounds):
        order = contenders if round_no % 2 == 0 else list(reversed(contenders))
        for name, function in order:
            results[name].append(best(function, 1))
    print('document: %.2f MB, %d projects, 3 ops; best of %d rounds, interleaved'
          % (len(data) / 1048576.0, projects, options.rounds))
    base = min(results['json.loads + json.dumps'])
    for name, _function in contenders:
        seconds = min(results[name])
        print('  %-40s %8.1f ms   %5.2fx json.loads+json.dumps' % (name, seconds * 1000, seconds / base))


if __name__ == '__main__':
    main()
