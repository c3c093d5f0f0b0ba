#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mcp_servers
short_description: Declare a whole set of MCP server entries in an MCP client config in one locked write
version_added: 1.1.0
description:
  - Applies every entry of O(servers) to the config at once (for example under C(mcpServers) in Claude Desktop's
    C(claude_desktop_config.json)) with one lock, one read, one validation and one write, so all changes
    land together or none do.
  - Each entry takes exactly the keys and rules of M(mcpops.mcp.mcp_server); both modules share one engine.
  - Every problem in the list (missing or invalid names, duplicates, a missing command, C(command) and C(url)
    together, empty secrets, values that are not strings, numbers or booleans, a key in both C(env) and
    C(secret_env), fields the client does not support, a command that is not found) is reported at once,
    before anything is written, in RV(problems).
  - With O(exclusive=true), entries in the file that O(servers) does not declare are removed too.
  - The file is parsed strictly in the client's format; a config that does not parse is refused with the file, line
    and column and left byte-identical. Edits are spliced into the file's text, so everything not managed (other
    top-level keys, unknown keys inside entries, comments, key order, indentation, number spellings) stays
    byte-identical. Writes go through the same lock, backup, temp file, fsync and
    atomic rename as M(mcpops.mcp.mcp_server).
  - Values of C(secret_env) and C(headers), values of C(env) under secret-looking names and credentials in
    C(args), C(env) values and C(url) never appear in results, diffs, errors or verbose output.
author:
  - mcpops contributors (@mcpops)
extends_documentation_fragment:
  - mcpops.mcp.common
  - mcpops.mcp._engine
  - mcpops.mcp._attributes
options:
  servers:
    description:
      - The declared entries. An empty list changes nothing unless O(exclusive=true), which then removes every entry.
      - 'Also accepted as a text holding the list in JSON or YAML (an AWX survey text field can only pass text),
        for example V([{"name": "time", "command": "uvx", "args": ["mcp-server-time"]}]). The text is parsed
        before the options below are checked, so they (and the masking of secrets) apply to its entries alike.
        JSON is read with the standard library (a key given twice is refused); YAML needs PyYAML on the managed
        host. Text that does not parse is refused with the line and column, an empty text is refused rather
        than read as an empty list, and the text is never shown.'
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the entry. A new entry's name may use letters, digits, C(_) and C(-) only; an entry already
            in the file (such as C(Framelink Figma MCP)) can be updated or removed by its name as it is.
          - Required; a missing name is reported with the other problems.
        type: str
      state:
        description:
          - V(present) makes the entry's managed fields exactly as given; V(absent) removes the entry.
        type: str
        choices: [present, absent]
        default: present
      command:
        description:
          - Executable that starts the stdio server. Required with O(servers[].state=present) unless O(servers[].url)
            is given for a client that supports remote entries; not together with O(servers[].url).
        type: str
      args:
        description:
          - Arguments for O(servers[].command). Strings, numbers and booleans (written as C(1), C(true));
            anything else, and empty strings, are refused.
        type: list
        elements: raw
      env:
        description:
          - Plain environment settings. Values are strings, numbers or booleans (written as text, C(true) not
            C(True)); V(null), lists and mappings are refused.
          - A value whose name looks secret, or that holds a credential, is masked everywhere anyway, with a warning.
        type: dict
      secret_env:
        description:
          - Secret environment values (tokens, passwords), merged into the entry's C(env). Empty values are refused.
        type: dict
      cwd:
        description:
          - Working directory of the stdio server, for clients that support it (C(gemini), C(codex)).
        type: str
      url:
        description:
          - URL of a remote server, for clients whose config supports remote entries (C(claude_desktop) does not).
        type: str
      type:
        description:
          - Transport type (C(stdio), C(http) or C(sse)), for clients that support it.
        type: str
      headers:
        description:
          - HTTP headers of a remote entry. Treated as secret.
        type: dict
  exclusive:
    description:
      - Also remove the entries in the file that O(servers) does not declare.
    type: bool
    default: false
  secret_mode:
    description:
      - V(literal) writes the C(secret_env) values into the config; V(env_ref) writes a reference to each key in the
        client's syntax instead (see M(mcpops.mcp.mcp_server)'s O(mcpops.mcp.mcp_server#module:secret_mode)), for
        C(vscode) a C(0600) env file per server beside the config, for C(codex) the names in C(env_vars).
        Refused for clients without references.
    type: str
    choices: [literal, env_ref]
    default: literal
  backup:
    description:
      - Before changing the file, save its current bytes as one C(pre-change) backup in O(backup_dir).
      - Written only when something changes; its path is returned as RV(backup_file).
    type: bool
    default: true
  validate_command:
    description:
      - Report a problem for every present stdio entry whose command is not found or not executable on the
        C(PATH) the server will get (the entry's C(PATH) when its env sets one, else the module's).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    details: Check mode computes the exact result, RV(changes) and diff without touching the disk.
  diff_mode:
    support: full
    details: The diff shows the redacted config before and after; secret values are masked.
notes:
  - The file is created (with its directory) when it does not exist and something is to be added.
requirements:
  - tomlkit (Codex configs only; the deploy role installs it with C(mcp_install_requirements=true))
seealso:
  - module: mcpops.mcp.mcp_server
  - module: mcpops.mcp.mcp_server_info
  - module: mcpops.mcp.mcp_backup
'''

EXAMPLES = r'''
- name: Declare the servers of a workstation in one write
  mcpops.mcp.mcp_servers:
    servers:
      - name: filesystem
        command: npx
        args: ["-y", "@modelcontextprotocol/server-filesystem", "/home/alice/projects"]
      - name: github
        command: npx
        args: ["-y", "@modelcontextprotocol/server-github"]
        secret_env:
          GITHUB_PERSONAL_ACCESS_TOKEN: "{{ vault_github_token }}"
      - name: old-server
        state: absent
    user: alice
  become: true
  register: mcp

- name: Show what changed
  ansible.builtin.debug:
    msg: "added {{ mcp.changes.added }}, updated {{ mcp.changes.updated }}, removed {{ mcp.changes.removed }}"

- name: Keep exactly these servers (remove every other entry), dry run first
  mcpops.mcp.mcp_servers:
    servers:
      - name: time
        command: uvx
        args: [mcp-server-time, --local-timezone, Europe/Berlin]
    exclusive: true
  check_mode: true
  diff: true
'''

RETURN = r'''
config_path:
  description: Path of the config file (as given or defaulted, before resolving symlinks).
  returned: always
  type: str
  sample: /home/alice/.config/Claude/claude_desktop_config.json
backup_file:
  description: Path of the one C(pre-change) backup written before the change.
  returned: when changed and a previous file existed and O(backup=true), outside check mode
  type: str
  sample: /home/alice/.config/Claude/backups/backup_20261201T101500123456Z_pre-change.json
created:
  description: Whether the config file is (or would be) created.
  returned: success
  type: bool
  sample: false
changes:
  description: Names of the entries by what happened to them (or would, in check mode).
  returned: success
  type: dict
  contains:
    added:
      description: Declared entries that were not in the file.
      type: list
      elements: str
      sample: [github]
    updated:
      description: Declared entries whose managed fields changed.
      type: list
      elements: str
      sample: [filesystem]
    removed:
      description: Entries removed (declared V(absent), or undeclared with O(exclusive=true)).
      type: list
      elements: str
      sample: [old-server]
    unchanged:
      description: Declared entries already as declared (present and matching, or absent and not in the file).
      type: list
      elements: str
      sample: []
servers:
  description:
    - The declared present entries as they are (or would be) in the file, in declaration order, redacted
      like M(mcpops.mcp.mcp_server_info) returns them.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Entry name.
      type: str
      sample: github
    command:
      description: Command, or V(null) for a remote entry.
      type: str
      sample: npx
    args:
      description: Arguments with credentials masked.
      type: list
      elements: str
      sample: ["-y", "@modelcontextprotocol/server-github"]
    env:
      description: Env keys, every value shown as C(********).
      type: dict
      sample: {"GITHUB_PERSONAL_ACCESS_TOKEN": "********"}
    env_keys:
      description: Sorted env key names.
      type: list
      elements: str
      sample: ["GITHUB_PERSONAL_ACCESS_TOKEN"]
    cwd:
      description: Working directory of the entry, or V(null).
      type: str
      sample: null
    url:
      description: URL of a remote entry (credentials masked), or V(null).
      type: str
      sample: null
    type:
      description: Transport type of the entry, or V(null).
      type: str
      sample: null
    extra:
      description: Keys of the entry the collection does not manage (such as C(disabled)), kept as they are.
      type: dict
      sample: {}
env_files:
  description: Paths of the env files holding C(secret_env) values (O(secret_mode=env_ref) for C(vscode)).
  returned: when O(secret_mode=env_ref) writes env files
  type: list
  elements: str
  sample: [/home/alice/.config/Code/User/mcp-github.env]
problems:
  description: Every problem found in O(servers) and the config, one sentence each, when the module refuses to write.
  returned: failure
  type: list
  elements: str
  sample: ["server gh: secret_env GITHUB_TOKEN has no value (vault variable not set?).", "server fs: declared more than once; declare each server once."]
'''

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mcpops.mcp.plugins.module_utils._commands import find_command
from ansible_collections.mcpops.mcp.plugins.module_utils._common import context_or_fail, engine_option, with_common
from ansible_collections.mcpops.mcp.plugins.module_utils._config import ConfigError, get_path, summarize_entry
from ansible_collections.mcpops.mcp.plugins.module_utils._entries import (
    SECRET_MODES,
    EntryProblems,
    changed_names,
    edit_diff,
    entry_ops,
    name_problems,
    needs_the_file,
    entry_argument_spec,
    parse_servers,
    plan_entries,
    secret_values,
)
from ansible_collections.mcpops.mcp.plugins.module_utils._files import (
    FileLayerError,
    assign_env_files,
    dropped_env_files,
    edit_config,
    remove_env_file,
    write_env_file,
)
from ansible_collections.mcpops.mcp.plugins.module_utils._redact import module_hiding_secrets

SERVER_OPTIONS = entry_argument_spec()


def fail_with_problems(module, ctx, problems):
    module.fail_json(msg='%d problem(s) in the declared servers; nothing was changed: %s'
                     % (len(problems), ' '.join(problems)), problems=problems, config_path=ctx.config_path)


def declared_secrets(params):
    servers = params.get('servers')
    return [value for server in (servers if isinstance(servers, list) else []) for value in secret_values(server)]


class ServersModule(AnsibleModule):
    """AnsibleModule that reads O(servers) given as JSON/YAML text (an AWX survey field) as the list it holds.

    The text is parsed before the argument spec validates it, so the suboptions (no_log included) apply to
    the parsed entries. Text that does not parse is hidden whole (it may hold secrets) and reported by main().
    """

    servers_problems = None

    def _load_params(self):
        AnsibleModule._load_params(self)
        servers = self.params.get('servers') if isinstance(self.params, dict) else None
        if isinstance(servers, str):
            try:
                self.params['servers'] = parse_servers(servers)
            except EntryProblems as exc:
                # The text is replaced before the invocation is logged; hiding it too is a second guard.
                # Not a short one: a no_log value is masked wherever it occurs, even inside words.
                if len(servers.strip()) >= 8:
                    self.no_log_values.add(servers.strip())
                self.servers_problems = exc.problems
                self.params['servers'] = []


def main():
    # Every secret is a no_log value from the moment the parameters are read: failures show them at -vvv.
    module = module_hiding_secrets(
        ServersModule, declared_secrets,
        argument_spec=with_common(dict(
            servers=dict(type='list', elements='dict', required=True, options=SERVER_OPTIONS),
            exclusive=dict(type='bool', default=False),
            secret_mode=dict(type='str', default='literal', choices=list(SECRET_MODES)),
            backup=dict(type='bool', default=True),
            validate_command=dict(type='bool', default=True),
            engine=engine_option(),
        )),
        supports_check_mode=True,
    )
    params = module.params
    ctx = context_or_fail(module)
    if module.servers_problems:
        fail_with_problems(module, ctx, module.servers_problems)

    plan = plan_entries(params['servers'], ctx.client, find_command if params['validate_command'] else None,
                        params['secret_mode'])
    for warning in plan.warnings:
        module.warn(warning)
    env_files = assign_env_files(ctx, plan)
    outcome = {}

    def transform(doc):
        problems = plan.problems + name_problems(plan.entries, doc.servers(), ctx.client)
        if problems:
            raise EntryProblems(problems)
        ops, outcome['changes'] = entry_ops(doc, plan.entries, params['exclusive'], ctx.client)
        return ops, bool(changed_names(outcome['changes']))

    env_changed = False
    try:
        if (plan.problems or needs_the_file(plan) or env_files) and not module.check_mode:
            # Read-only first (no lock, no directory created): a refusal leaves the disk as it was.
            edit_config(ctx, transform, check_mode=True)
        for entry in env_files:
            changed, _backup = write_env_file(ctx, entry.own_env_file, entry.env_file_values,
                                              check_mode=module.check_mode, backup=params['backup'])
            env_changed = env_changed or changed
        result = edit_config(ctx, transform, check_mode=module.check_mode, backup=params['backup'])
        # The 0600 env file (secret_mode=env_ref) of an entry that is gone goes too, once the config no longer names it.
        for path in dropped_env_files(ctx, result):
            changed, _backup = remove_env_file(ctx, path, check_mode=module.check_mode, backup=params['backup'])
            env_changed = env_changed or changed
    except EntryProblems as exc:
        fail_with_problems(module, ctx, exc.problems)
    except ConfigError as exc:
        if plan.problems:
            fail_with_problems(module, ctx, ['Refusing to edit: %s' % exc] + plan.problems)
        module.fail_json(msg='Refusing to edit: %s' % exc, config_path=ctx.config_path)
    except ImportError as exc:  # a codec's library (tomlkit for TOML configs) missing on the host
        module.fail_json(msg=missing_required_lib(getattr(exc, 'library', str(exc))), config_path=ctx.config_path,
                         exception=getattr(exc, 'traceback', None) or traceback.format_exc())
    except (FileLayerError, OSError, IOError) as exc:
        module.fail_json(msg='Cannot update %s: %s' % (ctx.config_path, exc), config_path=ctx.config_path)

    after = get_path(result.after_data, ctx.layout.servers_path) or {}
    output = dict(
        changed=result.changed or env_changed,
        config_path=ctx.config_path,
        created=result.created,
        changes=outcome['changes'],
        servers=[summarize_entry(entry.name, after[entry.name], ctx.client) for entry in plan.entries
                 if entry.state == 'present' and entry.name in after],
    )
    if env_files:
        output['env_files'] = [entry.own_env_file for entry in env_files]
    if result.backup_file:
        output['backup_file'] = result.backup_file
    if module._diff:
        output['diff'] = edit_diff(ctx.config_path, ctx.layout, result)
    module.exit_json(**output)


if __name__ == '__main__':
    main()
