# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Admin MCP policy of the clients that read one from a system path: vendor rules, validation, matching.

Pure, apart from policy_files() (a read-only listing of a policy directory). Sources, read 2026-12-04:
- Claude Code: https://code.claude.com/docs/en/managed-mcp and https://code.claude.com/docs/en/settings
  (managed-mcp.json is an exclusive set; allowedMcpServers/deniedMcpServers entries have exactly one of
  serverName, serverCommand (exact argv), serverUrl (`*` wildcards); deny wins; an unset allowlist allows all,
  [] allows none; with any serverCommand entry in the allowlist a stdio server must match one of them, with any
  serverUrl entry a remote server must match one of them; managed-settings.json, then managed-settings.d/*.json
  merged in alphabetical order, arrays concatenated and de-duplicated, later scalars win).
- GitHub Copilot: https://docs.github.com/en/copilot/how-tos/administer-copilot/manage-mcp-usage/configure-enterprise-allowlist
  and .../reference/enterprise-administrators/enterprise-managed-settings (same entry shapes; denied first, then
  a present allowlist must match; built-in servers always allowed); file paths from microsoft/vscode#321870
  (/etc/github-copilot/managed-settings.json; server > MDM > file, one source wins, not merged).
- Codex: https://developers.openai.com/codex/enterprise/managed-configuration ("Admin-enforced requirements") and
  https://developers.openai.com/codex/config-reference#requirementstoml: requirements.toml's `mcp_servers` table is
  an allowlist; a configured server is enabled only when its name is a key of it and its identity matches, otherwise
  Codex disables it (it still starts). The entry shape is openai/codex codex-rs/config/src/config_requirements.rs
  (McpServerRequirement { identity: Command { command } | Url { url } }) and the matching is
  codex-rs/config/src/mcp_requirements.rs (mcp_server_matches_requirement: a command identity matches a stdio server
  whose command is that string exactly, args not inspected; a url identity matches a streamable-HTTP server whose url
  is that string exactly; an empty table allows none; no table allows all; there is no denylist). Layers: cloud-managed,
  then macOS MDM (com.openai.codex requirements_toml_base64), then /etc/codex/requirements.toml - earlier wins.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

from ansible_collections.mcpops.mcp.plugins.module_utils._entries import json_kind

ENTRY_KEYS = ('serverName', 'serverCommand', 'serverUrl')
ALLOWED_KEY = 'allowedMcpServers'
DENIED_KEY = 'deniedMcpServers'
ONLY_MANAGED_KEY = 'allowManagedMcpServersOnly'
CLASSES_POLICY = ('denied', 'not_allowed')

VENDORS = {
    'claude_code': {
        'label': 'Claude Code',
        'dirs': {
            'Linux': '/etc/claude-code',
            'Darwin': '/Library/Application Support/ClaudeCode',
            'Windows': 'C:\\Program Files\\ClaudeCode',
        },
        'base_file': 'managed-settings.json',
        'dropin_dir': 'managed-settings.d',
        'exclusive_file': 'managed-mcp.json',
        # Keys of our drop-in: the file is ours, anything else in it is refused.
        'keys': (ALLOWED_KEY, DENIED_KEY, ONLY_MANAGED_KEY),
        # With a serverCommand (serverUrl) entry in the allowlist, stdio (remote) servers must match by command (URL).
        'kind_bound': True,
    },
    'copilot': {
        'label': 'GitHub Copilot',
        'dirs': {
            'Linux': '/etc/github-copilot',
            'Darwin': '/Library/Application Support/GitHubCopilot',
            'Windows': '%ProgramFiles%\\GitHubCopilot',
        },
        'base_file': 'managed-settings.json',
        'dropin_dir': None,
        'exclusive_file': None,
        # Our keys in a file that may hold others (model, permissions, enabledPlugins, ...): only these are edited.
        'keys': (ALLOWED_KEY, DENIED_KEY),
        'kind_bound': False,
    },
}
VENDORS['codex'] = {
    'label': 'Codex',
    'dirs': {
        'Linux': '/etc/codex',
        'Darwin': '/etc/codex',
        # Third-party tools agree on this; OpenAI's pages checked here name only the Unix path.
        'Windows': '%ProgramData%\\OpenAI\\Codex',
    },
    'base_file': 'requirements.toml',
    'dropin_dir': None,
    'exclusive_file': None,
    # Our one key in a file that holds other requirements (allowed_approval_policies, features, ...).
    'keys': ('mcp_servers',),
    'kind_bound': False,
    'format': 'toml',
}
CODEX_KEY = 'mcp_servers'
CODEX_ENTRY_KEYS = ('name', 'command', 'url')
VENDOR_NAMES = sorted(VENDORS)
# The entry rules of managed-mcp.json's servers for _entries.plan_entries (Claude Code takes remote entries).
MANAGED_ENTRY_ROW = {'label': 'Claude Code', 'servers_key': 'mcpServers', 'remote_fields': ('url', 'type', 'headers')}
DROPIN_SUFFIX = '-mcpops.json'


class PolicyProblems(ValueError):
    def __init__(self, problems):
        self.problems = list(problems)
        ValueError.__init__(self, ' '.join(self.problems))


def vendor(name):
    if name not in VENDORS:
        raise PolicyProblems(['Unknown policy client %r; policy clients: %s.' % (name, ', '.join(VENDOR_NAMES))])
    return VENDORS[name]


def default_policy_dir(name, system):
    dirs = vendor(name)['dirs']
    if system not in dirs:
        raise PolicyProblems(['%s has no known policy directory on %s; pass policy_dir.' % (vendor(name)['label'], system)])
    path = dirs[system]
    if path.startswith('%'):
        var, _sep, rest = path[1:].partition('%')
        base = os.environ.get(var)
        if not base:
            raise PolicyProblems(['Environment variable %s is not set; pass policy_dir.' % var])
        path = base + rest
    return path


def dropin_name(priority):
    return '%02d%s' % (priority, DROPIN_SUFFIX)


# --------------------------------------------------------------------------------------------
# Validation


def entry_problems(entry, where):
    """Problems of one allow/deny entry: exactly one of serverName, serverCommand (list of strings), serverUrl."""
    if not isinstance(entry, dict):
        return ['%s must be a mapping with exactly one of %s, found %s.' % (where, ', '.join(ENTRY_KEYS), json_kind(entry))]
    keys = [k for k in entry if k in ENTRY_KEYS]
    unknown = sorted(str(k) for k in entry if k not in ENTRY_KEYS)
    problems = []
    if unknown:
        problems.append('%s: unknown key(s) %s; an entry has exactly one of %s.' % (where, ', '.join(unknown), ', '.join(ENTRY_KEYS)))
    if len(keys) != 1:
        problems.append('%s has %s of %s; it needs exactly one.'
                        % (where, 'none' if not keys else ' and '.join(keys), ', '.join(ENTRY_KEYS)))
        return problems
    key = keys[0]
    value = entry[key]
    if key == 'serverCommand':
        if not isinstance(value, (list, tuple)) or not value:
            problems.append('%s: serverCommand must be a non-empty list (the exact argv, command first), found %s.'
                            % (where, json_kind(value) if not isinstance(value, (list, tuple)) else 'an empty list'))
        elif not all(isinstance(v, str) and v for v in value):
            problems.append('%s: every element of serverCommand must be a non-empty string.' % where)
    elif not isinstance(value, str) or not value.strip():
        problems.append('%s: %s must be a non-empty string, found %s.' % (where, key, json_kind(value)))
    return problems


def list_problems(value, key, where):
    """Problems of an allow/deny list (None = unset is fine)."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        return ['%s: %s must be a list of entries, found %s.' % (where, key, json_kind(value))]
    problems = []
    for index, entry in enumerate(value):
        problems.extend(entry_problems(entry, '%s: %s[%d]' % (where, key, index)))
    return problems


def clean_entry(entry):
    """The entry as written to a policy file: its one key, a command as a list of strings."""
    key = [k for k in entry if k in ENTRY_KEYS][0]
    value = entry[key]
    return {key: list(value) if key == 'serverCommand' else value}


def codex_entry_problems(entry, where):
    """Problems of one Codex allowlist entry: a name and exactly one identity, command (exact string) or url."""
    if not isinstance(entry, dict):
        return ['%s must be a mapping with name and one of command, url, found %s.' % (where, json_kind(entry))]
    problems = []
    foreign = [k for k in entry if k in ENTRY_KEYS]
    unknown = sorted(str(k) for k in entry if k not in CODEX_ENTRY_KEYS and k not in ENTRY_KEYS)
    if foreign:
        problems.append('%s: %s is a Claude Code/Copilot entry key; a Codex allowlist entry is {name, command} or '
                        '{name, url}: Codex enables a server only when its name and its identity both match.'
                        % (where, ', '.join(foreign)))
    if unknown:
        problems.append('%s: unknown key(s) %s; a Codex entry has name and one of command, url.' % (where, ', '.join(unknown)))
    name = entry.get('name')
    if not isinstance(name, str) or not name.strip():
        problems.append('%s: name must be a non-empty string (the server name in config.toml), found %s.'
                        % (where, json_kind(name)))
    identity = [k for k in ('command', 'url') if k in entry]
    if len(identity) != 1:
        problems.append('%s has %s of command, url; it needs exactly one (the identity Codex matches: the exact '
                        'command string of a stdio server, or the exact URL of an HTTP server).'
                        % (where, 'none' if not identity else 'both'))
    elif not isinstance(entry[identity[0]], str) or not entry[identity[0]].strip():
        problems.append('%s: %s must be a non-empty string, found %s.' % (where, identity[0], json_kind(entry[identity[0]])))
    return problems


def codex_problems(allowed, denied, where):
    problems = []
    if denied is not None:
        problems.append('%s: denied: Codex\'s requirements.toml has no denylist (only an allowlist of name + identity); '
                        'leave the server out of allowed instead.' % where)
    if allowed is None:
        return problems
    if not isinstance(allowed, (list, tuple)):
        return problems + ['%s: allowed must be a list of entries, found %s.' % (where, json_kind(allowed))]
    seen = set()
    for index, entry in enumerate(allowed):
        found = codex_entry_problems(entry, '%s: allowed[%d]' % (where, index))
        problems.extend(found)
        if not found:
            if entry['name'] in seen:
                problems.append('%s: allowed[%d]: server %s is listed twice; Codex keys the allowlist by name, so it '
                                'holds one identity per name.' % (where, index, json.dumps(entry['name'])))
            seen.add(entry['name'])
    return problems


def codex_table(allowed):
    """The requirements.toml mcp_servers table of an allowlist: name -> {identity: {command | url}}."""
    out = {}
    for entry in allowed:
        key = 'command' if 'command' in entry else 'url'
        out[entry['name']] = {'identity': {key: entry[key]}}
    return out


def codex_allowlist(table, path):
    """(entries, problems) of a requirements.toml mcp_servers table; entries as {name, command | url}."""
    if not isinstance(table, dict):
        return None, ['%s: mcp_servers must be a table of server name -> {identity = {command | url}}, found %s.'
                      % (path, json_kind(table))]
    entries = []
    problems = []
    for name, requirement in table.items():
        identity = requirement.get('identity') if isinstance(requirement, dict) else None
        keys = [k for k in ('command', 'url') if isinstance(identity, dict) and k in identity]
        if len(keys) != 1 or not isinstance(identity[keys[0]], str):
            problems.append('%s: mcp_servers.%s needs an identity table with exactly one of command, url (a string); '
                            'other forms (argument matchers) are not read by mcpops yet.' % (path, name))
            continue
        entries.append({'name': name, keys[0]: identity[keys[0]]})
    return entries, problems


def desired_settings(vendor_name, allowed=None, denied=None, only_managed=None):
    """Our keys as they go into the vendor's file; None leaves a key unset. Raises PolicyProblems."""
    row = vendor(vendor_name)
    if row.get('format') == 'toml':
        problems = codex_problems(allowed, denied, 'policy')
        if only_managed is not None:
            problems.append('policy: only_managed (allowManagedMcpServersOnly) is a Claude Code setting; Codex does not '
                            'document it (its allowlist already disables every server it does not list).')
        if problems:
            raise PolicyProblems(problems)
        return {CODEX_KEY: codex_table(allowed)} if allowed is not None else {}
    problems = list_problems(allowed, 'allowed', 'policy') + list_problems(denied, 'denied', 'policy')
    if only_managed is not None and ONLY_MANAGED_KEY not in row['keys']:
        problems.append('policy: only_managed (allowManagedMcpServersOnly) is a Claude Code setting; %s does not '
                        'document it.' % row['label'])
    if problems:
        raise PolicyProblems(problems)
    out = {}
    if allowed is not None:
        out[ALLOWED_KEY] = [clean_entry(e) for e in allowed]
    if denied is not None:
        out[DENIED_KEY] = [clean_entry(e) for e in denied]
    if only_managed is not None:
        out[ONLY_MANAGED_KEY] = bool(only_managed)
    return out


def dropin_problems(data, path, keys):
    """Our drop-in holds only our keys, each valid; anything else means someone else edits it: refuse."""
    if not isinstance(data, dict):
        return ['%s: the top level must be a JSON object, found %s.' % (path, json_kind(data))]
    problems = []
    unknown = [k for k in data if k not in keys]
    if unknown:
        problems.append('%s holds key(s) %s that mcpops does not manage; this drop-in is written by mcpops only. Move '
                        'them to a drop-in of your own (another <NN>-name.json) and run again.'
                        % (path, ', '.join(json.dumps(k) for k in unknown)))
    return problems + file_problems(data, path)


def file_problems(data, path):
    """Problems of the MCP policy keys in a settings document (other keys are not ours to judge)."""
    problems = []
    for key in (ALLOWED_KEY, DENIED_KEY):
        problems.extend(list_problems(data.get(key), key, path))
    only = data.get(ONLY_MANAGED_KEY)
    if only is not None and not isinstance(only, bool):
        problems.append('%s: %s must be true or false, found %s.' % (path, ONLY_MANAGED_KEY, json_kind(only)))
    return problems


def managed_servers_problems(value):
    if not isinstance(value, dict):
        return ['managed_servers must be a mapping of server name to entry, found %s.' % json_kind(value)]
    return ['managed_servers: server %s must be a mapping, found %s.' % (json.dumps(k), json_kind(v))
            for k, v in value.items() if not isinstance(v, dict)]


# --------------------------------------------------------------------------------------------
# The effective policy


class Policy(object):
    """allowed: None (unset: all allowed) or a list; denied: list; managed_servers: None or name -> entry."""

    def __init__(self, vendor_name, allowed=None, denied=None, only_managed=False, managed_servers=None, sources=None):
        self.vendor = vendor_name
        self.allowed = allowed
        self.denied = denied or []
        self.only_managed = bool(only_managed)
        self.managed_servers = managed_servers
        self.sources = sources or []

    def as_dict(self):
        return dict(client=self.vendor, allowed=self.allowed, denied=self.denied, only_managed=self.only_managed,
                    managed_servers=sorted(self.managed_servers) if self.managed_servers is not None else None,
                    sources=self.sources)


def _union(first, second):
    out = list(first)
    for item in second:
        if item not in out:
            out.append(item)
    return out


def merge_settings(documents):
    """Claude Code's managed merge: later files win for scalars; arrays concatenated, de-duplicated; objects deep-merged."""
    merged = {}
    for doc in documents:
        merged = _merge(merged, doc)
    return merged


def _merge(base, extra):
    out = dict(base)
    for key, value in extra.items():
        have = out.get(key)
        if isinstance(have, list) and isinstance(value, list):
            out[key] = _union(have, value)
        elif isinstance(have, dict) and isinstance(value, dict):
            out[key] = _merge(have, value)
        else:
            out[key] = value
    return out


def policy_from_settings(vendor_name, settings, managed_servers=None, sources=None):
    return Policy(vendor_name, settings.get(ALLOWED_KEY), settings.get(DENIED_KEY) or [],
                  settings.get(ONLY_MANAGED_KEY) is True, managed_servers, sources)


def policy_from_option(vendor_name, value):
    """The policy option of mcp_audit (allowed, denied, only_managed, managed_servers) -> Policy. Raises PolicyProblems."""
    value = value or {}
    unknown = sorted(k for k in value if k not in ('allowed', 'denied', 'only_managed', 'managed_servers'))
    problems = ['policy: unknown key(s) %s; the keys are allowed, denied, only_managed, managed_servers.'
                % ', '.join(unknown)] if unknown else []
    if vendor(vendor_name).get('format') == 'toml':
        problems += codex_problems(value.get('allowed'), value.get('denied'), 'policy')
        if problems:
            raise PolicyProblems(problems)
        return Policy(vendor_name, value.get('allowed'), [], False, None, ['option policy'])
    problems += list_problems(value.get('allowed'), 'allowed', 'policy') + list_problems(value.get('denied'), 'denied', 'policy')
    managed = value.get('managed_servers')
    if managed is not None:
        problems += managed_servers_problems(managed)
    if problems:
        raise PolicyProblems(problems)
    return Policy(vendor_name, value.get('allowed'), value.get('denied') or [], bool(value.get('only_managed')),
                  managed, ['option policy'])


def policy_files(vendor_name, policy_dir):
    """[(path, bytes)] of the vendor's policy files in policy_dir, in the order the client reads them.

    Read-only. The exclusive file (managed-mcp.json) is not in the list: see exclusive_path.
    """
    row = vendor(vendor_name)
    files = []
    base = os.path.join(policy_dir, row['base_file'])
    if os.path.isfile(base):
        files.append(base)
    if row['dropin_dir']:
        dropins = os.path.join(policy_dir, row['dropin_dir'])
        if os.path.isdir(dropins):
            files.extend(os.path.join(dropins, n) for n in sorted(os.listdir(dropins))
                         if n.endswith('.json') and not n.startswith('.') and os.path.isfile(os.path.join(dropins, n)))
    out = []
    for path in files:
        with open(path, 'rb') as handle:
            out.append((path, handle.read()))
    return out


def exclusive_path(vendor_name, policy_dir):
    name = vendor(vendor_name)['exclusive_file']
    return os.path.join(policy_dir, name) if name else None


# --------------------------------------------------------------------------------------------
# Matching


def url_pattern(pattern):
    """A serverUrl pattern as a regex: `*` matches any run of characters, everything else literally."""
    return re.compile('^' + '.*'.join(re.escape(part) for part in pattern.split('*')) + '$')


def server_identity(entry):
    """(argv or None, url or None) of a configured server entry."""
    if not isinstance(entry, dict):
        return None, None
    url = entry.get('url') or entry.get('serverUrl') or entry.get('httpUrl')
    command = entry.get('command')
    if isinstance(command, str) and command:
        args = entry.get('args') if isinstance(entry.get('args'), list) else []
        return [command] + [a if isinstance(a, str) else json.dumps(a) for a in args], None
    return None, url if isinstance(url, str) else None


def rule_matches(rule, name, argv, url):
    if 'serverName' in rule:
        return rule['serverName'] == name
    if 'serverCommand' in rule:
        return argv is not None and list(rule['serverCommand']) == argv
    if 'serverUrl' in rule:
        return url is not None and bool(url_pattern(rule['serverUrl']).match(url))
    return False


def evaluate(policy, name, entry):
    """'denied', 'not_allowed' or None for server `name` configured as `entry` under policy (deny wins)."""
    argv, url = server_identity(entry)
    if VENDORS.get(policy.vendor, {}).get('format') == 'toml':
        return codex_verdict(policy, name, argv, url)
    if any(rule_matches(r, name, argv, url) for r in policy.denied if isinstance(r, dict)):
        return 'denied'
    if policy.managed_servers is not None and name not in policy.managed_servers:
        return 'not_allowed'  # managed-mcp.json: only its servers load
    if policy.allowed is None:
        return None
    rules = [r for r in policy.allowed if isinstance(r, dict)]
    if VENDORS.get(policy.vendor, {}).get('kind_bound'):
        if argv is not None and any('serverCommand' in r for r in rules):
            rules = [r for r in rules if 'serverCommand' in r]
        elif url is not None and any('serverUrl' in r for r in rules):
            rules = [r for r in rules if 'serverUrl' in r]
    return None if any(rule_matches(r, name, argv, url) for r in rules) else 'not_allowed'


def codex_verdict(policy, name, argv, url):
    """Codex: no allowlist allows all; else the name must be listed and its identity match exactly (no wildcards):
    a command identity only a stdio server with that command (args not inspected), a url identity only an HTTP server."""
    if policy.allowed is None:
        return None
    for rule in policy.allowed:
        if not isinstance(rule, dict) or rule.get('name') != name:
            continue
        if 'command' in rule and argv is not None and argv[0] == rule['command']:
            return None
        if 'url' in rule and url is not None and url == rule['url']:
            return None
    return 'not_allowed'


# --------------------------------------------------------------------------------------------
# Audit: declared set and policy against what a config holds

CLASSES = ('declared', 'changed', 'missing', 'unmanaged', 'denied', 'not_allowed')
# Worst first: the order of findings and of a failure message.
SEVERITY = ('denied', 'not_allowed', 'changed', 'missing', 'unmanaged', 'declared')


def _differing_fields(current, desired, managed_keys, same):
    return [key for key in managed_keys if not same(current, desired, key)]


def audit_servers(client_name, configured, entries, policy=None, managed_keys=(), same=None):
    """(findings, counts) for one client's config.

    configured: name -> entry in the file. entries: the declared _entries.DeclaredEntry list, or None when no
    declared set was given (then no drift classes). policy: a Policy or None. same(current, desired, key) tells
    whether a managed key is as declared (_config._same). Each finding is {name, client, classes, fields};
    classes is a list (a server both unmanaged and denied appears once); fields name what differs, never values.
    """
    findings = {}
    order = []

    def finding(name):
        if name not in findings:
            findings[name] = dict(name=name, client=client_name, classes=[], fields=[])
            order.append(name)
        return findings[name]

    declared = {}
    for entry in entries or []:
        declared[entry.name] = entry
        current = configured.get(entry.name)
        item = finding(entry.name)
        if entry.state == 'absent':
            if current is None:
                item['classes'].append('declared')
            else:
                item['classes'].append('changed')
                item['fields'].append('state')
        elif current is None:
            item['classes'].append('missing')
        else:
            fields = _differing_fields(current, entry.desired, managed_keys, same)
            item['classes'].append('changed' if fields else 'declared')
            item['fields'].extend(fields)
    for name in configured:
        if entries is not None and name not in declared:
            finding(name)['classes'].append('unmanaged')
        elif entries is None:
            finding(name)
    if policy is not None:
        for name in order:
            current = configured.get(name)
            if current is None:
                entry = declared.get(name)
                if entry is None or entry.state != 'present':
                    continue
                current = entry.desired  # declared but not there yet: would the policy let it load?
            verdict = evaluate(policy, name, current)
            if verdict:
                findings[name]['classes'].append(verdict)
    out = [findings[n] for n in order if findings[n]['classes']]
    out.sort(key=lambda f: min([SEVERITY.index(c) for c in f['classes']] or [len(SEVERITY)]))
    counts = dict((c, sum(1 for f in out if c in f['classes'])) for c in CLASSES)
    return out, counts


def load_policy(vendor_name, policy_dir):
    """The Policy the vendor's files in policy_dir add up to, or None when there are none.

    Strict parse (ConfigError with file:line:col); invalid allow/deny entries raise PolicyProblems naming the file.
    """
    # Imported here: _config imports nothing of ours but _redact; keep this module importable on its own.
    from ansible_collections.mcpops.mcp.plugins.module_utils._config import ConfigError, validate_config
    from ansible_collections.mcpops.mcp.plugins.module_utils._jsonparse import parse as parse_json
    if vendor(vendor_name).get('format') == 'toml':
        return load_toml_policy(vendor_name, policy_dir)
    documents = []
    sources = []
    problems = []
    for path, data in policy_files(vendor_name, policy_dir):
        value, _text = parse_json(data, path)
        if not isinstance(value, dict):
            raise ConfigError('the top level must be a JSON object.', path, 1, 1)
        problems.extend(file_problems(value, path))
        documents.append(value)
        sources.append(path)
    managed = None
    exclusive = exclusive_path(vendor_name, policy_dir)
    if exclusive and os.path.isfile(exclusive):
        with open(exclusive, 'rb') as handle:
            doc = validate_config(handle.read(), exclusive, 'mcpServers')
        managed = doc.data.get('mcpServers')
        if managed is None:
            problems.append('%s has no "mcpServers" object.' % exclusive)
        sources.append(exclusive)
    if problems:
        raise PolicyProblems(problems)
    if not sources:
        return None
    return policy_from_settings(vendor_name, merge_settings(documents), managed, sources)


def load_toml_policy(vendor_name, policy_dir):
    """Codex: the Policy of <policy_dir>/requirements.toml, or None when the file is missing.

    A file without mcp_servers is a policy that allows every server (allowed None). Needs tomlkit (MissingLibrary).
    """
    from ansible_collections.mcpops.mcp.plugins.module_utils import _tomledit
    files = policy_files(vendor_name, policy_dir)
    if not files:
        return None
    path, data = files[0]
    value, _text = _tomledit.parse(data, path)
    allowed = None
    if CODEX_KEY in value:
        allowed, problems = codex_allowlist(value[CODEX_KEY], path)
        if problems:
            raise PolicyProblems(problems)
    return Policy(vendor_name, allowed, [], False, None, [path])


# --------------------------------------------------------------------------------------------
# Editing keys of a file we share with others, keeping every other byte


def splice_render(doc, new_data):
    """doc.raw with only the changed top-level members replaced, removed or appended; every other byte kept.

    For files that hold settings we do not own (Copilot's managed-settings.json): a full re-render would
    reformat them. Returns None when splicing does not apply (new file, keys reordered, nothing left, or a
    result that does not parse back to new_data); the caller then renders the whole document.
    """
    from ansible_collections.mcpops.mcp.plugins.module_utils._config import _object_members, _skip_ws, render_json
    if doc.raw is None or not isinstance(new_data, dict) or not new_data:
        return None
    text = doc.raw.decode('utf-8')
    start = _skip_ws(text, 0)
    decoder = json.JSONDecoder()
    members = []
    for key, key_pos, value_pos in _object_members(text, start):
        members.append((key, key_pos, value_pos, decoder.raw_decode(text, value_pos)[1]))
    old_keys = [m[0] for m in members]
    kept = [k for k in old_keys if k in new_data]
    if list(new_data)[:len(kept)] != kept:
        return None
    style = doc.style
    unit = style.indent if isinstance(style.indent, str) else None

    def value_text(value):
        rendered = render_json(value, style).decode('utf-8')
        if style.trailing_newline:
            rendered = rendered[:-len(style.newline)]
        return rendered.replace(style.newline, style.newline + unit) if unit is not None else rendered

    if not any(m[0] in new_data for m in members):
        return None
    edits = []  # (start, end, replacement) over the original text; they never overlap
    index = 0
    while index < len(members):
        key, key_pos, value_pos, value_end = members[index]
        if key in new_data:
            if new_data[key] != doc.data.get(key):
                edits.append((value_pos, value_end, value_text(new_data[key])))
            index += 1
            continue
        run_end = index
        while run_end + 1 < len(members) and members[run_end + 1][0] not in new_data:
            run_end += 1
        if run_end + 1 < len(members):  # a kept member follows: cut from this key to that key
            edits.append((key_pos, members[run_end + 1][1], ''))
        else:  # the run ends the object: cut from the end of the last kept value
            edits.append((members[index - 1][3], members[run_end][3], ''))
        index = run_end + 1
    out = text
    for start_pos, end_pos, replacement in sorted(edits, reverse=True):
        out = out[:start_pos] + replacement + out[end_pos:]
    added = [k for k in new_data if k not in doc.data]
    if added:
        # The end of the last kept member, in the edited text.
        tail_members = _object_members(out, start)
        _last_key, _key_pos, last_value_pos = tail_members[-1]
        last_end = decoder.raw_decode(out, last_value_pos)[1]
        sep = style.newline + unit if unit is not None else (' ' if style.item_sep == ', ' else '')
        insert = ''.join(',%s%s%s%s' % (sep, json.dumps(k, ensure_ascii=False), style.key_sep, value_text(new_data[k]))
                         for k in added)
        out = out[:last_end] + insert + out[last_end:]
    try:
        if json.loads(out) != new_data:
            return None
    except ValueError:
        return None
    return out.encode('utf-8')
