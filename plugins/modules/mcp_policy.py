#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mcp_policy
short_description: Write the admin MCP policy files of Claude Code, GitHub Copilot and Codex (allow/deny lists, exclusive set)
version_added: 1.1.0
description:
  - Writes the system-wide policy files MCP clients read to decide which servers may run, root-owned C(0644)
    (directories C(0755)) so every user's client can read them, through the collection's safe write path
    (lock, strict re-read, backup, temp file with the final mode, fsync, atomic rename).
  - B(Claude Code) (O(client=claude_code)) - O(allowed), O(denied) and O(only_managed) go into a drop-in
    C(<policy_dir>/managed-settings.d/<priority>-mcpops.json) that holds nothing else. Claude Code merges
    C(managed-settings.json) and then every C(managed-settings.d/*.json) in alphabetical order (lists are joined,
    later scalars win), so other teams' drop-ins and the base file are never touched. O(managed_servers) writes
    the exclusive set C(<policy_dir>/managed-mcp.json) (only its servers load; an empty list disables MCP);
    that file is written only when O(managed_servers) is given.
  - B(GitHub Copilot) (O(client=copilot)) - O(allowed) and O(denied) go into C(<policy_dir>/managed-settings.json).
    That file may hold other settings (C(model), C(permissions), plugins); only C(allowedMcpServers) and
    C(deniedMcpServers) are edited, and every other byte of the file is kept as it is (their values are replaced,
    removed or appended in place).
  - B(Codex) (O(client=codex)) - O(allowed) becomes the C(mcp_servers) table of C(<policy_dir>/requirements.toml),
    one C([mcp_servers.<name>.identity]) table per entry with C(command) or C(url). Codex enables a configured server
    only when its name is in that table and its identity matches exactly; it disables every other one. The file's
    other requirements (approval policies, sandbox modes, features, ...) and its comments are kept byte-identical;
    only the C(mcp_servers) tables change. Codex has no denylist, so O(denied), O(only_managed) and
    O(managed_servers) are refused.
  - Each Claude Code / Copilot allow/deny entry has exactly one of C(serverName), C(serverCommand) (the exact argv as a list, command
    first) or C(serverUrl) (C(*) matches any characters); entries with none or two of them, or a C(serverCommand)
    that is not a list, are refused before anything is written. Each Codex entry has C(name) and exactly one of
    C(command) (the exact command string of a stdio server; its arguments are not compared) or C(url) (the exact URL
    of an HTTP server, no wildcards). An existing drop-in of ours that holds keys we do
    not manage, or a file that is not valid JSON (TOML for Codex), is refused with the file (and line and column) and
    left byte-identical.
  - Check mode and diff are supported; a rerun with the same options changes nothing.
author:
  - mcpops contributors (@mcpops)
extends_documentation_fragment:
  - mcpops.mcp._engine
  - mcpops.mcp._attributes
options:
  client:
    description:
      - Whose policy to write.
    type: str
    required: true
    choices: [claude_code, codex, copilot]
  state:
    description:
      - V(present) writes the given settings. V(absent) removes them - the Claude Code drop-in file (and
        C(managed-mcp.json) when O(managed_servers) is given, with any value), Copilot's two keys, or Codex's
        C(mcp_servers) table (the rest of C(requirements.toml) stays).
    type: str
    choices: [present, absent]
    default: present
  allowed:
    description:
      - The allowlist (C(allowedMcpServers)). Omit it to leave it unset (every server allowed); V([]) allows none.
      - For Copilot, an omitted list leaves the file's current value as it is.
      - For Codex, entries are C({name, command}) or C({name, url}); V([]) writes an empty C([mcp_servers]) table,
        which disables every server.
    type: list
    elements: dict
  denied:
    description:
      - The denylist (C(deniedMcpServers)). A server matching any entry is blocked, even when it is also allowed.
    type: list
    elements: dict
  only_managed:
    description:
      - Claude Code's C(allowManagedMcpServersOnly) - only the managed allowlist counts; users cannot broaden it
        in their own settings. Refused for Copilot, whose documentation does not list it.
    type: bool
  managed_servers:
    description:
      - Claude Code only. The exclusive server set written to C(managed-mcp.json), in the entry shape of
        M(mcpops.mcp.mcp_servers) (name, command, args, env, url, type, headers). V([]) writes
        an empty C(mcpServers) object, which disables MCP.
      - The file is readable by every user (C(0644)); do not put secrets in it. Reference them as C(${VAR}) instead,
        which Claude Code expands from the user's environment.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Name of the entry. A new entry's name may use letters, digits, C(_) and C(-) only; an entry already
            in the file can be kept or updated by its name as it is.
          - Required; a missing name is reported with the other problems.
        type: str
      state:
        description:
          - Only V(present) has a meaning here (the set is exclusive); V(absent) is refused - leave the entry out instead.
        type: str
        choices: [present, absent]
        default: present
      command:
        description:
          - Executable that starts the stdio server. Required unless O(managed_servers[].url) is given; not together
            with O(managed_servers[].url).
        type: str
      args:
        description:
          - Arguments for O(managed_servers[].command). Strings, numbers and booleans (written as C(1), C(true));
            anything else, and empty strings, are refused.
        type: list
        elements: raw
      env:
        description:
          - Plain environment settings. Values are strings, numbers or booleans (written as text, C(true) not
            C(True)); V(null), lists and mappings are refused.
          - A value whose name looks secret, or that holds a credential, is masked in the output anyway, with a warning.
        type: dict
      secret_env:
        description:
          - Environment values merged into the entry's C(env), masked in the module's output. Empty values are refused.
          - They are still written to the world-readable file; prefer C(${VAR}) references (see above).
        type: dict
      cwd:
        description:
          - Working directory of a stdio server. Claude Code's C(managed-mcp.json) entries have none, so it is refused.
        type: str
      url:
        description:
          - URL of a remote server.
        type: str
      type:
        description:
          - Transport type of a remote entry.
        type: str
      headers:
        description:
          - HTTP headers of a remote entry, masked in the module's output (but written to the world-readable file).
        type: dict
  priority:
    description:
      - The C(<NN>) of the Claude Code drop-in name (C(50-mcpops.json)). Later (higher) drop-ins win for scalar
        settings such as O(only_managed); lists from all drop-ins are joined.
      - One policy per file - give each inventory group its own priority and it gets its own drop-in.
    type: int
    default: 50
  policy_dir:
    description:
      - Directory of the policy files, overriding the vendor's system directory (C(/etc/claude-code),
        C(/etc/github-copilot) or C(/etc/codex) on Linux and WSL, C(/Library/Application Support/ClaudeCode),
        C(/Library/Application Support/GitHubCopilot) or C(/etc/codex) on macOS). Tests and staged rollouts use it.
    type: path
  backup:
    description:
      - Before changing or removing a file, save its bytes as a C(pre-change) backup in O(backup_dir).
    type: bool
    default: true
  backup_dir:
    description:
      - Directory for backups (C(0700)). Default is C(backups/) in O(policy_dir) (never inside C(managed-settings.d)).
    type: path
  config_path:
    description:
      - Not used; policy files are system-wide (see O(policy_dir)). Accepted so that C(module_defaults) for
        C(group/mcpops.mcp.mcp) can set it for every module of the group.
    type: path
  user:
    description:
      - Not used; policy files are system-wide and owned by root. Accepted so that C(module_defaults) for
        C(group/mcpops.mcp.mcp) can set it for every module of the group.
    type: str
attributes:
  check_mode:
    support: full
    details: Check mode computes the exact result and diff without touching the disk.
  diff_mode:
    support: full
    details: One diff per file, before and after (secret-looking values masked).
requirements:
  - tomlkit (Codex only; the deploy role installs it with C(mcp_install_requirements=true))
notes:
  - "Sources, read 2026-12-04. Claude Code: U(https://code.claude.com/docs/en/managed-mcp) (managed-mcp.json, allowedMcpServers,
    deniedMcpServers, allowManagedMcpServersOnly, entry shapes, deny wins, an unset allowlist allows all and V([]) none,
    C(*) in serverUrl; with any serverCommand entry a stdio server must match by command, with any serverUrl entry a remote
    server must match by URL) and U(https://code.claude.com/docs/en/settings) (managed-settings.json and managed-settings.d/*.json,
    merged alphabetically). Paths - Linux and WSL C(/etc/claude-code/), macOS C(/Library/Application Support/ClaudeCode/)
    (the third OS's paths are recorded in the collection's C(docs/policy.md))."
  - "GitHub Copilot: U(https://docs.github.com/en/copilot/how-tos/administer-copilot/manage-mcp-usage/configure-enterprise-allowlist)
    and U(https://docs.github.com/en/copilot/reference/enterprise-administrators/enterprise-managed-settings) (same entry shapes;
    built-in servers always allowed, then deny, then a present allowlist must match). The file path on the machine
    (C(/etc/github-copilot/managed-settings.json), C(/Library/Application Support/GitHubCopilot/))
    comes from the VS Code change that added it (U(https://github.com/microsoft/vscode/issues/321870)); GitHub's pages only say the
    file can be installed with device management. There, server-managed settings beat MDM, which beats this file - one
    source wins and they are not merged, so an enterprise that also serves C(managed-settings.json) from GitHub overrides this file."
  - Copilot's documentation does not state Claude Code's rule that command (URL) entries bind stdio (remote) servers;
    M(mcpops.mcp.mcp_audit) applies any matching entry for Copilot.
  - "Codex: U(https://developers.openai.com/codex/enterprise/managed-configuration) (Admin-enforced requirements: an
    C(mcp_servers) allowlist enables a server only when both its name and its identity match; C(/etc/codex/requirements.toml),
    after cloud-managed requirements and macOS managed preferences, earlier wins) and
    U(https://developers.openai.com/codex/config-reference#requirementstoml). The entry shape
    (C(identity) with C(command) or C(url)) and the exact-match rules are from Codex's source,
    U(https://github.com/openai/codex/blob/main/codex-rs/config/src/mcp_requirements.rs) and C(config_requirements.rs):
    a command identity matches a stdio server with that exact command (arguments not compared), a url identity an HTTP
    server with that exact URL, an empty table allows none, no table allows all. Newer Codex releases also document
    argument matchers (C(identity.command) as a table); this module writes the string forms every release reads."
  - The lock file (C(.<name>.lock)) stays beside each file; Claude Code reads only C(*.json) drop-ins and ignores hidden files.
seealso:
  - module: mcpops.mcp.mcp_audit
'''

EXAMPLES = r'''
- name: Approved catalog for Claude Code (users may add only these)
  mcpops.mcp.mcp_policy:
    client: claude_code
    allowed:
      - serverName: github
      - serverCommand: [npx, -y, "@modelcontextprotocol/server-filesystem"]
      - serverUrl: "https://mcp.company.example/*"
    denied:
      - serverUrl: "https://*.untrusted.example/*"
    only_managed: true
  become: true

- name: A stricter drop-in for one inventory group (its own file, 80-mcpops.json)
  mcpops.mcp.mcp_policy:
    client: claude_code
    priority: 80
    denied:
      - serverName: filesystem
  become: true

- name: Fixed deployment - only these servers load
  mcpops.mcp.mcp_policy:
    client: claude_code
    managed_servers:
      - name: company
        url: https://mcp.company.example/mcp
        type: http
  become: true

- name: Codex allowlist in /etc/codex/requirements.toml (other requirements in the file kept)
  mcpops.mcp.mcp_policy:
    client: codex
    allowed:
      - name: github
        command: github-mcp-server
      - name: docs
        url: https://mcp.company.example/docs
  become: true

- name: Copilot allow/deny lists, keeping the file's other settings
  mcpops.mcp.mcp_policy:
    client: copilot
    allowed:
      - serverUrl: "https://api.githubcopilot.com/*"
    denied:
      - serverCommand: [npx, -y, "@modelcontextprotocol/server-filesystem", /]
  become: true
'''

RETURN = r'''
policy_dir:
  description: Directory of the policy files.
  returned: always
  type: str
  sample: /etc/claude-code
files:
  description: Every file the module manages in this run, in the order it handles them.
  returned: success
  type: list
  elements: dict
  contains:
    path:
      description: Path of the file.
      type: str
      sample: /etc/claude-code/managed-settings.d/50-mcpops.json
    changed:
      description: Whether its bytes or mode changed (or would, in check mode).
      type: bool
      sample: true
    state:
      description: V(present) or V(absent) (removed or not there).
      type: str
      sample: present
    created:
      description: Whether the file is (or would be) created.
      type: bool
      sample: false
    backup_file:
      description: The C(pre-change) backup of the file, when one was written.
      type: str
      sample: /etc/claude-code/backups/backup_20261204T101500123456Z_pre-change.json
problems:
  description: Every problem found in the options or the files, one sentence each, when the module refuses.
  returned: failure
  type: list
  elements: str
  sample: ["policy: allowed[0] has serverName and serverUrl of serverName, serverCommand, serverUrl; it needs exactly one."]
'''

import os
import platform

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mcpops.mcp.plugins.module_utils._common import Context, engine_option
from ansible_collections.mcpops.mcp.plugins.module_utils._config import ConfigError, redacted_text
from ansible_collections.mcpops.mcp.plugins.module_utils._entries import (
    EntryProblems,
    apply_entries,
    entry_argument_spec,
    plan_entries,
    secret_values,
)
from ansible_collections.mcpops.mcp.plugins.module_utils._files import FileLayerError, edit_config, remove_config
from ansible_collections.mcpops.mcp.plugins.module_utils._policy import (
    MANAGED_ENTRY_ROW,
    VENDOR_NAMES,
    PolicyProblems,
    default_policy_dir,
    desired_settings,
    dropin_name,
    dropin_problems,
    splice_render,
    vendor,
)
from ansible_collections.mcpops.mcp.plugins.module_utils._redact import mask_text, module_hiding_secrets
from ansible_collections.mcpops.mcp.plugins.module_utils._tomledit import MissingLibrary

FILE_MODE = 0o644
DIR_MODE = 0o755


def declared_secrets(params):
    servers = params.get('managed_servers')
    return [value for server in (servers if isinstance(servers, list) else []) for value in secret_values(server)]


def policy_context(path, backup_dir, servers_key, flavor=None):
    """A Context for one policy file: root-owned when run as root (the files are system policy)."""
    owner = 0 if hasattr(os, 'geteuid') and os.geteuid() == 0 else None
    # format: the Context's layout reads (strictly) and writes the file with that codec (TOML for Codex).
    row = dict(servers_key=servers_key, format=flavor or 'json', label='policy')
    return Context('policy', row, path, None, owner, owner, backup_dir, None)


def toml_render(doc, new_data):
    """requirements.toml with only our keys edited through the TOML codec: comments and other keys byte-identical."""
    from ansible_collections.mcpops.mcp.plugins.module_utils._errors import DELETE
    ops = [((key,), new_data[key] if key in new_data else DELETE)
           for key in vendor('codex')['keys'] if new_data.get(key) != doc.data.get(key) or (key in new_data) != (key in doc.data)]
    return doc.edit(ops)


class PolicyFile(object):
    """One file this run manages: where, and what to do with it (transform for present, check for absent)."""

    def __init__(self, path, servers_key, transform=None, check=None, render=None, flavor=None):
        self.path = path
        self.flavor = flavor
        self.servers_key = servers_key
        self.transform = transform
        self.check = check
        self.render = render


def plan_files(params, policy_dir):
    """[PolicyFile] for the options. Raises PolicyProblems / EntryProblems before anything is read."""
    name = params['client']
    row = vendor(name)
    present = params['state'] == 'present'
    problems = []
    if not 0 <= params['priority'] <= 99:
        problems.append('priority must be between 0 and 99 (the <NN> of the drop-in name), found %d.' % params['priority'])
    if present and all(params[k] is None for k in ('allowed', 'denied', 'only_managed', 'managed_servers')):
        problems.append('state=present needs at least one of allowed, denied, only_managed or managed_servers; '
                        'to remove the policy use state=absent.')
    if params['managed_servers'] is not None and not row['exclusive_file']:
        problems.append('managed_servers (managed-mcp.json) is a Claude Code file; %s has no exclusive server set.' % row['label'])
    settings = {}
    if present:
        try:
            settings = desired_settings(name, params['allowed'], params['denied'], params['only_managed'])
        except PolicyProblems as exc:
            problems.extend(exc.problems)
    plan = None
    if present and params['managed_servers'] is not None:
        plan = plan_entries(params['managed_servers'], MANAGED_ENTRY_ROW)
        problems.extend(plan.problems)
        problems.extend('managed_servers: server %s: state=absent has no meaning in an exclusive set; leave it out.' % e.name
                        for e in plan.entries if e.state != 'present')
    if problems:
        raise PolicyProblems(problems)

    files = []
    keys = row['keys']
    if row['dropin_dir']:
        path = os.path.join(policy_dir, row['dropin_dir'], dropin_name(params['priority']))

        def check_dropin(doc, path=path):
            found = dropin_problems(doc.data, path, keys)
            if found:
                raise PolicyProblems(found)

        def dropin(doc, path=path):
            check_dropin(doc)
            return settings, settings != doc.data

        if not present:
            files.append(PolicyFile(path, None, check=check_dropin))
        elif settings:
            files.append(PolicyFile(path, None, transform=dropin))
    else:
        path = os.path.join(policy_dir, row['base_file'])

        def edit_keys(doc):
            data = dict(doc.data)
            if present:
                data.update(settings)
            else:
                for key in keys:
                    data.pop(key, None)
            return data, data != doc.data

        toml = row.get('format') == 'toml'
        if not present or settings:
            files.append(PolicyFile(path, None, transform=edit_keys, render=toml_render if toml else splice_render,
                                    flavor=row.get('format')))
    if row['exclusive_file'] and params['managed_servers'] is not None:
        path = os.path.join(policy_dir, row['exclusive_file'])
        if not present:
            files.append(PolicyFile(path, 'mcpServers'))
        else:
            def exclusive(doc):
                data, _changes = apply_entries(doc, plan.entries, exclusive=True)
                if doc.servers_key not in data:
                    data = dict(data)
                    data[doc.servers_key] = {}  # {"mcpServers": {}} disables MCP
                return data, data != doc.data or doc.raw is None
            files.append(PolicyFile(path, 'mcpServers', transform=exclusive))
    return files


def run_file(item, ctx, check_mode, backup):
    """(file result, diff) of one file."""
    if item.transform is None:
        before, changed, backup_file = remove_config(ctx, item.check, check_mode=check_mode, backup=backup)
        out = dict(path=item.path, changed=changed, state='absent', created=False)
        if backup_file:
            out['backup_file'] = backup_file
        diff = dict(before_header=item.path, after_header=item.path, before='' if before is None else mask_text(before.decode('utf-8', 'replace')), after='')
        return out, diff
    result = edit_config(ctx, item.transform, check_mode=check_mode, backup=backup, mode=FILE_MODE, dir_mode=DIR_MODE,
                         render=item.render)
    out = dict(path=item.path, changed=result.changed, state='present', created=result.created)
    if result.backup_file:
        out['backup_file'] = result.backup_file
    if item.flavor == 'toml':
        diff = dict(before_header=item.path, after_header=item.path,
                    before=mask_text(result.before.decode('utf-8')) if result.before is not None else '',
                    after=mask_text(result.after.decode('utf-8')) if result.after is not None else '')
        return out, diff
    key = item.servers_key or 'mcpServers'
    style = result.before_doc.style
    diff = dict(before_header=item.path, after_header=item.path,
                before=redacted_text(result.before_doc.data if result.before is not None else None, key, style),
                after=redacted_text(result.after_data, key, style))
    return out, diff


def main():
    module = module_hiding_secrets(
        AnsibleModule, declared_secrets,
        argument_spec=dict(
            client=dict(type='str', required=True, choices=list(VENDOR_NAMES)),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            allowed=dict(type='list', elements='dict'),
            denied=dict(type='list', elements='dict'),
            only_managed=dict(type='bool'),
            managed_servers=dict(type='list', elements='dict', options=entry_argument_spec()),
            priority=dict(type='int', default=50),
            policy_dir=dict(type='path'),
            backup=dict(type='bool', default=True),
            backup_dir=dict(type='path'),
            config_path=dict(type='path'),
            user=dict(type='str'),
            engine=engine_option(),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if any(isinstance(s, dict) and (s.get('secret_env') or s.get('headers')) for s in params['managed_servers'] or []):
        module.warn('managed-mcp.json is readable by every user (0644): secret_env and headers values in it are not secret. '
                    'Reference secrets as ${VAR} (expanded by Claude Code from the user\'s environment) instead.')
    try:
        policy_dir = params['policy_dir'] or default_policy_dir(params['client'], platform.system())
    except PolicyProblems as exc:
        module.fail_json(msg=str(exc), problems=exc.problems)
    # type='path' already expanded ~ in policy_dir and backup_dir; the per-OS defaults are absolute.
    policy_dir = os.path.abspath(policy_dir)
    backup_dir = os.path.abspath(params['backup_dir'] or os.path.join(policy_dir, 'backups'))
    fail = dict(policy_dir=policy_dir)
    try:
        files = plan_files(params, policy_dir)
        contexts = [policy_context(f.path, backup_dir, f.servers_key, f.flavor) for f in files]
        # Every file is read and judged first: a refusal in one leaves all of them as they were.
        for item, ctx in zip(files, contexts):
            run_file(item, ctx, True, False)
        results = [run_file(item, ctx, module.check_mode, params['backup']) for item, ctx in zip(files, contexts)]
    except MissingLibrary as exc:
        module.fail_json(msg=missing_required_lib(exc.library, reason='to edit %s' % vendor(params['client'])['base_file']),
                         exception=exc.traceback, **fail)
    except (PolicyProblems, EntryProblems) as exc:
        module.fail_json(msg='%d problem(s); nothing was changed: %s' % (len(exc.problems), ' '.join(exc.problems)),
                         problems=exc.problems, **fail)
    except ConfigError as exc:
        module.fail_json(msg='Refusing to edit: %s' % exc, **fail)
    except (FileLayerError, OSError, IOError) as exc:
        module.fail_json(msg='Cannot write the policy in %s: %s' % (policy_dir, exc), **fail)

    output = dict(changed=any(r[0]['changed'] for r in results), policy_dir=policy_dir, files=[r[0] for r in results])
    if module._diff:
        output['diff'] = [r[1] for r in results if r[0]['changed']]
    module.exit_json(**output)


if __name__ == '__main__':
    main()
