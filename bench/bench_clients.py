# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Claude Code's user-scope servers: its own CLI vs mcpops.mcp.mcp_servers, side by side in one run; no pass/fail.

  python bench/bench_clients.py [--runs 3] [--servers 5] [--kb 150] [--claude PATH] [--no-engine]

What a user does instead of our module, on the same ~/.claude.json (a throwaway HOME; a generated, deterministic
file of about --kb KB in the style Claude Code writes it: many projects, its other keys, three servers already):
  claude     `claude mcp add-json -s user <name> '<json>'` per server, `claude mcp remove -s user <name>` per server
             (npm @anthropic-ai/claude-code from node_modules/.bin, as bench_health.py finds it)
  playbook   one `mcpops.mcp.mcp_servers` task (client: claude_code, scope: user) via ansible-playbook on localhost
  engine     the module's engine in this process (plan_entries + edit_config), no Ansible around it
For each: (a) add all servers, (b) the same again with nothing to change, (c) remove them all; median wall time of
--runs repetitions, interleaved (claude's rerun fails: add-json refuses a name that exists). (d) after one
add+remove cycle, the bytes outside the top-level mcpServers object that differ from the file before it, and
whether mode 0600 and the owner (another uid, as with become, when run as root) were kept; for three files: the
generated one after one write by Claude itself (so exactly its style: 2-space indent, its key order), the same data
on one line, and the same with keys an older Claude Code left (per-project history, theme, ...).

Isolation: HOME is a temp dir, CLAUDE_CONFIG_DIR is unset (so Claude's file is $HOME/.claude.json), Claude's
autoupdater, telemetry and non-essential traffic are off, and when `unshare -n` works the CLI runs without a network.
Run from the repository root with the venv: .venv/bin/python bench/bench_clients.py
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from _collection import collections_root

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OTHER_UID = 65534  # the config belongs to another account, as when Ansible runs with become
ISOLATION = {'DISABLE_AUTOUPDATER': '1', 'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC': '1', 'DISABLE_TELEMETRY': '1',
             'DISABLE_ERROR_REPORTING': '1', 'DISABLE_BUG_COMMAND': '1', 'CI': '1'}


def claude_style(data, one_line=False):
    """The text Claude Code writes (JSON.stringify(data, null, 2) + no newline), or the same data on one line."""
    if one_line:
        return json.dumps(data, ensure_ascii=False, separators=(',', ':'))
    return json.dumps(data, indent=2, ensure_ascii=False)


def claude_json(kilobytes):
    """A deterministic ~/.claude.json of about `kilobytes` KB with the keys Claude Code 2.1 keeps in it."""
    doc = {'numStartups': 187, 'installMethod': 'npm', 'autoUpdates': False,
           'tipsHistory': {'new-user-warmup': 7, 'ide-hotkey': 3, 'shift-enter': 12, 'memory-command': 2},
           'promptQueueUseCount': 14,
           'firstStartTime': '2026-03-02T09:14:27.118Z', 'userID': 'a3' * 32, 'machineID': '5e' * 32,
           'opusProMigrationComplete': True, 'sonnet1m45MigrationComplete': True, 'seenNotifications': {},
           'migrationVersion': 13, 'projects': {}}
    n = 0
    while len(claude_style(doc)) < kilobytes * 1024:
        path = '/home/alice/src/%s-%03d' % (('api', 'web', 'infra', 'ml', 'docs')[n % 5], n)
        doc['projects'][path] = {
            'allowedTools': ['Bash(npm test)', 'Edit'] if n % 3 else [],
            'mcpContextUris': [],
            'mcpServers': ({'db-%d' % n: {'type': 'stdio', 'command': 'uvx', 'args': ['mcp-server-sqlite', '--db', 'x.db'],
                                          'env': {}}} if n % 4 == 0 else {}),
            'enabledMcpjsonServers': [], 'disabledMcpjsonServers': [], 'hasTrustDialogAccepted': n % 2 == 0,
            'projectOnboardingSeenCount': n % 5, 'hasClaudeMdExternalIncludesApproved': False,
            'hasClaudeMdExternalIncludesWarningShown': False, 'lastCost': round(0.0137 * n, 4),
            'lastAPIDuration': 1000 + 37 * n, 'lastDuration': 81234 + n, 'lastLinesAdded': n % 40,
            'lastLinesRemoved': n % 11, 'lastTotalInputTokens': 12034 + n, 'lastTotalOutputTokens': 934 + n,
            'lastSessionId': '%08x-0000-4000-8000-%012x' % (n, n * 7919),
            'exampleFiles': ['src/a.py', 'src/b.py', 'README.md'], 'exampleFilesGeneratedAt': 1764000000000 + n,
        }
        n += 1
    doc['hasCompletedOnboarding'] = True
    doc['lastOnboardingVersion'] = '2.1.190'
    doc['mcpServers'] = {
        'github': {'type': 'http', 'url': 'https://api.githubcopilot.com/mcp/', 'headers': {'Authorization': 'Bearer ${GH_TOKEN}'}},
        'memory': {'type': 'stdio', 'command': 'npx', 'args': ['-y', '@modelcontextprotocol/server-memory'], 'env': {}},
        'time': {'type': 'stdio', 'command': 'uvx', 'args': ['mcp-server-time'], 'env': {}},
    }
    doc['bypassPermissionsModeAccepted'] = False
    return doc, n


def with_older_keys(doc):
    """The same file as an older Claude Code left it: per-project prompt history and a few top-level settings."""
    old = json.loads(json.dumps(doc))
    old.update(theme='dark', verbose=False, customApiKeyResponses={'approved': [], 'rejected': []},
               cachedChangelog='# Changelog\n\n## 2.1.190\n\n- Fixes')
    for n, project in enumerate(old['projects'].values()):
        project['history'] = [{'display': 'fix the failing test in module %d (caf\u00e9 %d)' % (h, n),
                               'pastedContents': {}} for h in range(n % 7)]
    return old


def bench_servers(count):
    """name -> the entry both tools write (Claude's native shape, type given so both write it)."""
    packages = ['@modelcontextprotocol/server-filesystem', '@modelcontextprotocol/server-everything',
                '@modelcontextprotocol/server-sequential-thinking', '@upstash/context7-mcp', '@playwright/mcp']
    servers = {}
    for i in range(count):
        entry = {'type': 'stdio', 'command': 'npx', 'args': ['-y', packages[i % len(packages)]]}
        if i % 2 == 0:
            entry['env'] = {'LOG_LEVEL': 'info', 'BENCH_INDEX': str(i)}
        servers['bench-%d' % i] = entry
    return servers


def servers_span(text):
    """(start, end) of the top-level "mcpServers" value in a JSON text, by a scan that honours strings."""
    depth, i, length = 0, 0, len(text)
    key, value_start = None, None
    while i < length:
        char = text[i]
        if char == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == '\\' else 1
            if depth == 1 and value_start is None:
                key = json.loads(text[i:j + 1])
            i = j + 1
            continue
        if char == ':' and depth == 1 and key == 'mcpServers' and value_start is None:
            value_start = i + 1
            while text[value_start] in ' \t\r\n':
                value_start += 1
            start_depth = depth
        if char in '{[':
            depth += 1
        elif char in '}]':
            depth -= 1
            if value_start is not None and depth == start_depth:
                return value_start, i + 1
        elif char == ',' and depth == 1:
            key = None
        i += 1
    raise ValueError('no top-level mcpServers in the file')


def outside_diff(original, final):
    """Bytes of the original outside mcpServers that are not kept verbatim (from the first to the last change)."""
    a_start, a_end = servers_span(original)
    b_start, b_end = servers_span(final)
    a = original[:a_start] + original[a_end:]
    b = final[:b_start] + final[b_end:]
    if a == b:
        return 0
    prefix = 0
    limit = min(len(a), len(b))
    while prefix < limit and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    return max(len(a) - prefix - suffix, 0) or abs(len(a) - len(b))


class Tool(object):
    """One contender: add(servers), remove(names); each returns its exit codes (ours with changed=)."""

    def __init__(self, label, add, remove):
        self.label, self.add, self.remove = label, add, remove


def claude_tool(claude, home):
    env = dict((k, v) for k, v in os.environ.items() if k not in ('CLAUDE_CONFIG_DIR', 'ANTHROPIC_API_KEY'))
    env.update(ISOLATION, HOME=home)
    prefix = []
    if shutil.which('unshare') and subprocess.call(['unshare', '-n', 'true'], stderr=subprocess.DEVNULL) == 0:
        prefix = ['unshare', '-n']

    def run(argv):
        return subprocess.call(prefix + [claude, 'mcp'] + argv, env=env, cwd=home, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def add(servers):
        return [run(['add-json', '-s', 'user', name, json.dumps(entry)]) for name, entry in servers.items()]

    def remove(names):
        return [run(['remove', '-s', 'user', name]) for name in names]
    return Tool('claude CLI (1 call per server)', add, remove), bool(prefix)


def declared(servers, state='present'):
    return [dict(name=name, state=state, **entry) for name, entry in servers.items()]


def playbook_tool(home, collections):
    env = dict((k, v) for k, v in os.environ.items() if k != 'CLAUDE_CONFIG_DIR')
    env.update(HOME=home, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_LOCAL_TEMP=os.path.join(home, '.ansible-tmp'))
    ansible_playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')

    def run(servers):
        playbook = os.path.join(home, 'play.json')
        with open(playbook, 'w') as handle:
            json.dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': [
                {'mcpops.mcp.mcp_servers': {'client': 'claude_code', 'scope': 'user', 'servers': servers}}]}], handle)
        proc = subprocess.run([ansible_playbook, '-i', 'localhost,', '-c', 'local',
                               '-e', 'ansible_python_interpreter=' + sys.executable, playbook],
                              env=env, cwd=home, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        recap = re.search(r'changed=(\d+)', proc.stdout.decode('utf-8', 'replace'))
        return ['%d (changed=%s)' % (proc.returncode, recap.group(1) if recap else '?')]
    return Tool('mcp_servers via ansible-playbook', lambda servers: run(declared(servers)),
                lambda names: run(declared(dict((n, {}) for n in names), 'absent')))


def engine_tool():
    from ansible_collections.mcpops.mcp.plugins.module_utils._commands import find_command
    from ansible_collections.mcpops.mcp.plugins.module_utils._common import resolve_context
    from ansible_collections.mcpops.mcp.plugins.module_utils._entries import (
        changed_names, entry_argument_spec, entry_ops, plan_entries)
    from ansible_collections.mcpops.mcp.plugins.module_utils._files import edit_config
    options = entry_argument_spec()

    def run(servers):
        ctx = resolve_context({'client': 'claude_code', 'scope': 'user'})
        full = [dict((key, server.get(key, spec.get('default'))) for key, spec in options.items()) for server in servers]
        plan = plan_entries(full, ctx.client, find_command)
        if plan.problems:
            raise SystemExit('engine refused the servers: %s' % plan.problems)

        def transform(doc):
            ops, changes = entry_ops(doc, plan.entries, False, ctx.client)
            return ops, bool(changed_names(changes))
        result = edit_config(ctx, transform)
        return ['0 (changed=%d)' % result.changed]
    return Tool('engine in-process', lambda servers: run(declared(servers)),
                lambda names: run(declared(dict((n, {}) for n in names), 'absent')))


def median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2.0


def timed(function, *args):
    started = time.monotonic()
    codes = function(*args)
    return time.monotonic() - started, codes


def reset(path, original):
    with open(path, 'wb') as handle:
        handle.write(original)
    os.chown(path, OTHER_UID, OTHER_UID)
    os.chmod(path, 0o600)


def cycle(tool, path, original, servers, rerun=True):
    """One add, rerun (unless not wanted), remove on a fresh copy: (seconds, exit codes) per step, final bytes, stat."""
    reset(path, original)
    steps = {}
    steps['add'] = timed(tool.add, servers)
    with open(path, 'rb') as handle:
        added = json.loads(handle.read().decode('utf-8'))['mcpServers']
    missing = [name for name in servers if added.get(name) != servers[name]]
    if missing:
        raise SystemExit('%s did not write %s as declared: %s' % (tool.label, missing, added))
    if rerun:
        steps['rerun'] = timed(tool.add, servers)
    steps['remove'] = timed(tool.remove, list(servers))
    with open(path, 'rb') as handle:
        final = handle.read()
    return steps, final, os.stat(path)


def kept(original, final, stat):
    """(d): what an add+remove cycle left of the original file."""
    before, after = original.decode('utf-8'), final.decode('utf-8')
    return dict(outside=outside_diff(before, after), identical=final == original, size=len(final) - len(original),
                lost=lost_keys(json.loads(before), json.loads(after)), mode=stat.st_mode & 0o7777, owner=stat.st_uid)


def lost_keys(before, after):
    """Top-level keys and project keys the cycle dropped or changed (outside mcpServers), e.g. ['theme', 'projects.*.history']."""
    lost = set(key for key in before if key not in ('mcpServers', 'projects') and before[key] != after.get(key))
    for project, entry in before.get('projects', {}).items():
        other = after.get('projects', {}).get(project, {})
        lost.update('projects.*.%s' % key for key in entry if entry[key] != other.get(key))
    return sorted(lost)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--runs', type=int, default=3, help='repetitions of the add/rerun/remove cycle per tool')
    parser.add_argument('--servers', type=int, default=5, help='servers added and removed per cycle')
    parser.add_argument('--kb', type=int, default=150, help='size of the generated ~/.claude.json')
    parser.add_argument('--claude', help='path of the claude CLI (default: node_modules/.bin, PATH)')
    parser.add_argument('--no-engine', action='store_true', help='skip the in-process engine')
    opts = parser.parse_args()
    if os.geteuid() != 0:
        global OTHER_UID  # pylint: disable=global-statement
        OTHER_UID = os.geteuid()  # without root the owner cannot be another account; the check then shows less
    claude = next((c for c in (opts.claude, os.path.join(REPO, 'node_modules', '.bin', 'claude'), shutil.which('claude'))
                   if c and os.access(c, os.X_OK)), None)
    if not claude:
        sys.exit('claude is not installed (npm ci installs @anthropic-ai/claude-code)')
    version = subprocess.run([claude, '--version'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False,
                             env=dict(os.environ, **ISOLATION)).stdout.decode('utf-8', 'replace').strip()

    workdir = tempfile.mkdtemp(prefix='mcpops-bench-clients-')
    try:
        collections = collections_root(workdir)
        home = os.path.join(workdir, 'home')
        os.makedirs(home)
        os.environ.pop('CLAUDE_CONFIG_DIR', None)
        os.environ['HOME'] = home  # the engine resolves ~ from it; nothing here may reach the real home
        run(opts, claude, version, home, collections)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(opts, claude, version, home, collections):
    path = os.path.join(home, '.claude.json')
    doc, projects = claude_json(opts.kb)
    servers = bench_servers(opts.servers)
    cli, offline = claude_tool(claude, home)
    # The file exactly as this Claude Code writes it: the generated one after one write of its own.
    reset(path, claude_style(doc).encode('utf-8'))
    cli.add({'bench-normalize': {'type': 'stdio', 'command': 'npx', 'args': []}})
    cli.remove(['bench-normalize'])
    with open(path, 'rb') as handle:
        original = handle.read()
    if json.loads(original.decode('utf-8')) != doc:
        print('note: Claude changed the generated data on its first write: %s'
              % lost_keys(doc, json.loads(original.decode('utf-8'))))
    variants = [('(d) Claude-style file', None),
                ('(d) same data, one line', claude_style(json.loads(original.decode('utf-8')), one_line=True).encode('utf-8')),
                ('(d) with older keys', claude_style(with_older_keys(json.loads(original.decode('utf-8')))).encode('utf-8'))]
    tools = [cli, playbook_tool(home, collections)] + ([] if opts.no_engine else [engine_tool()])
    print('Claude Code user scope: %s vs mcpops.mcp.mcp_servers; ~/.claude.json %.0f KB as Claude writes it (%d projects,'
          ' 3 servers), %d servers added/removed, median of %d runs, interleaved; %d cores, load %s; CLI network: %s'
          % (version, len(original) / 1024.0, projects, len(servers), opts.runs, os.cpu_count() or 1,
             ' '.join('%.1f' % v for v in os.getloadavg()), 'none (unshare -n)' if offline else 'not cut off'))

    times = dict((tool.label, {'add': [], 'rerun': [], 'remove': []}) for tool in tools)
    codes, results = {}, {}
    for run_no in range(opts.runs):
        for tool in (tools if run_no % 2 == 0 else list(reversed(tools))):
            steps, final, stat = cycle(tool, path, original, servers)
            for step, (seconds, step_codes) in steps.items():
                times[tool.label][step].append(seconds)
                codes.setdefault(tool.label, {})[step] = step_codes
            if run_no == 0:
                results[tool.label] = [kept(original, final, stat)]
    for _label, text in variants[1:]:
        for tool in tools:
            _steps, final, stat = cycle(tool, path, text, servers, rerun=False)
            results[tool.label].append(kept(text, final, stat))

    theirs = times[cli.label]
    print()
    print('%-32s %14s %14s %14s   %s' % ('tool', '(a) add s', '(b) rerun s', '(c) remove s', 'mode/owner after a cycle'))
    for tool in tools:
        cells = []
        for step in ('add', 'rerun', 'remove'):
            value = median(times[tool.label][step])
            cells.append('%6.3f' % value if tool is cli else '%6.3f %5.3fx' % (value, value / median(theirs[step])))
        first = results[tool.label][0]
        print('%-32s %14s %14s %14s   mode %s, owner %s' % (
            tool.label, cells[0], cells[1], cells[2], 'kept' if first['mode'] == 0o600 else '0%o' % first['mode'],
            'kept' if first['owner'] == OTHER_UID else 'uid %d' % first['owner']))
    print('(ratios: ours / claude CLI, < 1 = ours faster; the file is mode 0600, owner uid %d before each cycle)' % OTHER_UID)
    print()
    print('bytes outside mcpServers changed by one add+remove cycle of %d servers (vs the file before it):' % len(servers))
    print('%-32s %s' % ('tool', ''.join('%-36s' % label for label, _text in variants)))
    for tool in tools:
        print('%-32s %s' % (tool.label, ''.join('%-36s' % describe(r) for r in results[tool.label])))
    for tool in tools:
        lost = sorted(set(key for r in results[tool.label] for key in r['lost']))
        if lost:
            print('%s dropped or changed: %s' % (tool.label, ', '.join(lost)))
    print()
    for tool in tools:
        step_codes = codes[tool.label]
        print('exit codes %-32s add %s, rerun %s, remove %s'
              % (tool.label, step_codes['add'], step_codes['rerun'], step_codes['remove']))
    created = sorted(os.path.relpath(os.path.join(d, f), home) for d, _s, files in os.walk(home) for f in files
                     if not f.startswith('play') and '.ansible' not in d)
    print('files in the throwaway HOME afterwards: %d (%s)' % (len(created), ', '.join(
        sorted(set(os.path.dirname(f) or f for f in created)))))


def describe(result):
    if result['identical']:
        return '0 B (byte-identical)'
    return '%d B (file %+d B%s)' % (result['outside'], result['size'], ', data lost' if result['lost'] else '')


if __name__ == '__main__':
    main()
