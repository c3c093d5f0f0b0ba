#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mcp_server
short_description: Add, update or remove one MCP server entry in an MCP client config
version_added: 1.0.0
description:
  - Declares one MCP server entry (for example under C(mcpServers) in Claude Desktop's
    C(claude_desktop_config.json)) idempotently and safely.
  - The file is parsed strictly in the client's format (see O(client)). A config that does not parse (for JSON
    clients trailing commas, comments, a byte-order mark; for every client truncated or empty files, duplicate
    keys, wrong types) is refused with the file, line and column, and left byte-identical. JSONC clients
    (C(vscode), C(gemini), C(zed)) accept comments and trailing commas.
  - Edits are spliced into the file's text - only the bytes of the entry that changes are rewritten (a new entry is
    inserted at the end of the servers object in the file's indentation and newline style). Everything else stays
    byte-identical - other top-level keys, other servers, unknown keys inside the entry (such as C(disabled)),
    comments, trailing commas, number spellings, escapes, blank lines and key order.
  - Writes take a lock, write a temporary file in the same directory, fsync it and rename it atomically.
    Mode and owner are kept; new files are C(0600) and new directories C(0700), owned by O(user).
    A symlinked config is written through to its target and the link is kept. When another program
    changes the file while the module edits it, the edit is redone on the fresh content (up to 3 times).
  - Values of O(secret_env) and O(headers), values of O(env) under secret-looking names, and credentials in
    O(args), O(env) values and O(url) (C(--api-key=...), an C(Authorization) header after C(--header),
    C(postgres://user:pass@...), C(sk_live_...), ...) never appear in results, diffs, errors or verbose output.
author:
  - mcpops contributors (@mcpops)
extends_documentation_fragment:
  - mcpops.mcp.common
  - mcpops.mcp._engine
  - mcpops.mcp._attributes
options:
  name:
    description:
      - Name of the server entry. A new entry's name may use letters, digits, C(_) and C(-) only.
      - An entry already in the file whose name has other characters (such as C(Framelink Figma MCP)) can be
        updated or removed by its name as it is.
    type: str
    required: true
  state:
    description:
      - V(present) makes the entry's managed fields exactly as given; V(absent) removes the entry.
    type: str
    choices: [present, absent]
    default: present
  command:
    description:
      - Executable that starts the stdio server, for example C(npx) or C(uvx). Required with O(state=present)
        unless O(url) is given for a client that supports remote entries. Mutually exclusive with O(url).
    type: str
  args:
    description:
      - Arguments for O(command). Omitted means none; the key is written only when non-empty.
      - Strings, numbers and booleans (written as C(1), C(true)); anything else, and empty strings, are refused.
    type: list
    elements: raw
  env:
    description:
      - Plain environment settings for the server, such as C(DEBUG=1). Omitted means none.
      - Values are strings, numbers or booleans, written as text (C(true), not C(True)); V(null), lists and
        mappings are refused.
      - Use O(secret_env) for tokens and passwords. A value here whose name looks secret (containing
        C(TOKEN), C(KEY), C(SECRET), C(PASSWORD), C(PASS), C(PAT), C(CREDENTIAL) or C(AUTH)), or that holds a
        credential (C(postgres://user:pass@...), C(sk_live_...)), is treated as secret anyway and masked
        everywhere, with a warning.
    type: dict
  secret_env:
    description:
      - Secret environment values (tokens, passwords), merged into the entry's C(env). Empty values are refused.
      - Never shown in results, diffs, errors or verbose output.
    type: dict
  cwd:
    description:
      - Working directory of the stdio server, for clients that support it (C(gemini), C(codex)).
    type: str
  url:
    description:
      - URL of a remote server, for clients whose config supports remote entries. Mutually exclusive with O(command).
      - C(claude_desktop) does not; the module then fails and suggests the C(mcp-remote) bridge.
      - Written in the client's spelling (C(serverUrl) for C(windsurf), C(httpUrl) or C(url) by O(type) for C(gemini)).
    type: str
  type:
    description:
      - Transport type (C(stdio), C(http) or C(sse)), for clients that support it; the values each client takes are
        in its row of the client table, and a value it does not take is refused naming the ones it does.
    type: str
  secret_mode:
    description:
      - V(literal) writes the O(secret_env) values into the config.
      - V(env_ref) writes a reference to each O(secret_env) key in the client's syntax instead of its value, so the
        config never holds the secret and the client reads it from its environment - C(${KEY}) for C(claude_code),
        C(${env:KEY}) for C(cursor) and C(windsurf), C(${KEY}) in env for C(gemini). Make the variable available to
        the client's process (for example in the user's session environment).
      - For C(vscode), which reads an env file per server (C(envFile)), the values are written to a C(0600) file
        C(mcp-<name>.env) beside the config (through the same lock, backup and atomic write) and the entry names it;
        its path is returned as RV(env_file), never its contents. When no entry names that file any more (the entry
        is removed, or goes back to V(literal)), the file is deleted the same way, after a backup.
      - For C(codex), which passes variables on by name, the entry lists the keys in C(env_vars) (stdio entries only).
      - Refused for clients without references (C(claude_desktop), C(zed)); the message names the clients that have
        them.
    type: str
    choices: [literal, env_ref]
    default: literal
  headers:
    description:
      - HTTP headers of a remote entry (for example C(Authorization)). Treated as secret.
    type: dict
  create:
    description:
      - Create the config file (and its directory) when it does not exist.
    type: bool
    default: true
  backup:
    description:
      - Before changing the file, save its current bytes as a C(pre-change) backup in O(backup_dir).
      - Written only when something changes; its path is returned as RV(backup_file).
    type: bool
    default: true
  validate_command:
    description:
      - Fail when O(command) is not found or not executable on the C(PATH) the server will get
        (the entry's C(PATH) when O(env) sets one, else the module's).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff shows the redacted config before and after; secret values are masked.
requirements:
  - tomlkit (Codex configs only; the deploy role installs it with C(mcp_install_requirements=true))
seealso:
  - module: mcpops.mcp.mcp_servers
  - module: mcpops.mcp.mcp_server_info
  - module: mcpops.mcp.mcp_backup
'''

EXAMPLES = r'''
- name: Add the filesystem server
  mcpops.mcp.mcp_server:
    name: filesystem
    command: npx
    args: ["-y", "@modelcontextprotocol/server-filesystem", "/home/alice/projects"]

- name: Add the GitHub server with a token from the vault
  mcpops.mcp.mcp_server:
    name: github
    command: npx
    args: ["-y", "@modelcontextprotocol/server-github"]
    env:
      LOG_LEVEL: info
    secret_env:
      GITHUB_PERSONAL_ACCESS_TOKEN: "{{ vault_github_token }}"
    user: alice
  become: true

- name: Remove a server
  mcpops.mcp.mcp_server:
    name: old-server
    state: absent

- name: A remote server for Claude Code in one project only (local scope), token referenced from the environment
  mcpops.mcp.mcp_server:
    client: claude_code
    scope: local
    project_path: /home/alice/src/app
    name: github
    command: npx
    args: ["-y", "@modelcontextprotocol/server-github"]
    secret_env:
      GITHUB_PERSONAL_ACCESS_TOKEN: "{{ vault_github_token }}"
    secret_mode: env_ref
'''

RETURN = r'''
config_path:
  description: Path of the config file (as given or defaulted, before resolving symlinks).
  returned: always
  type: str
  sample: /home/alice/.config/Claude/claude_desktop_config.json
backup_file:
  description: Path of the C(pre-change) backup written before the change.
  returned: when changed and a previous file existed and O(backup=true)
  type: str
  sample: /home/alice/.config/Claude/backups/backup_20261201T101500123456Z_pre-change.json
server:
  description:
    - The entry as it is (or would be) in the file, with env and header values shown as C(********)
      and credentials in args masked. V(null) when the entry is absent.
  returned: always
  type: dict
  sample: {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/srv"], "env": {"LOG_LEVEL": "********"}}
created:
  description: Whether the config file is (or would be) created.
  returned: always
  type: bool
  sample: false
env_file:
  description: Path of the env file holding the O(secret_env) values (O(secret_mode=env_ref) for C(vscode)).
  returned: when O(secret_mode=env_ref) writes an env file
  type: str
  sample: /home/alice/.config/Code/User/mcp-github.env
'''

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mcpops.mcp.plugins.module_utils._commands import find_command
from ansible_collections.mcpops.mcp.plugins.module_utils._common import context_or_fail, engine_option, with_common
from ansible_collections.mcpops.mcp.plugins.module_utils._config import ConfigError, get_path, redact_entry
from ansible_collections.mcpops.mcp.plugins.module_utils._entries import (
    DECLARED_KEYS,
    SECRET_MODES,
    EntryProblems,
    changed_names,
    edit_diff,
    entry_argument_spec,
    entry_ops,
    needs_the_file,
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


def declared_entry(params):
    """The declared entry, exactly as one item of mcp_servers' `servers`: one engine for both modules."""
    return dict((key, params.get(key)) for key in DECLARED_KEYS)


def main():
    # Every secret is a no_log value from the moment the parameters are read: failures show them at -vvv.
    module = module_hiding_secrets(
        AnsibleModule, lambda params: secret_values(declared_entry(params)),
        argument_spec=with_common(dict(
            entry_argument_spec(name_required=True),
            secret_mode=dict(type='str', default='literal', choices=list(SECRET_MODES)),
            create=dict(type='bool', default=True),
            backup=dict(type='bool', default=True),
            validate_command=dict(type='bool', default=True),
            engine=engine_option(),
        )),
        mutually_exclusive=[('command', 'url')],
        required_if=[('state', 'present', ('command', 'url'), True)],
        supports_check_mode=True,
    )
    server = declared_entry(module.params)
    params = module.params
    ctx = context_or_fail(module)

    plan = plan_entries([server], ctx.client, find_command if params['validate_command'] else None,
                        params['secret_mode'])
    for warning in plan.warnings:
        module.warn(warning)
    if plan.problems:
        module.fail_json(msg=' '.join(plan.problems), config_path=ctx.config_path)
    env_files = assign_env_files(ctx, plan)

    def transform(doc):
        ops, changes = entry_ops(doc, plan.entries, client=ctx.client)
        return ops, bool(changed_names(changes))

    env_changed = False
    try:
        if (needs_the_file(plan) or env_files) and not module.check_mode:
            edit_config(ctx, transform, check_mode=True, create=params['create'])  # read-only: refuse before creating anything
        for entry in env_files:
            changed, _backup = write_env_file(ctx, entry.own_env_file, entry.env_file_values,
                                              check_mode=module.check_mode, backup=params['backup'])
            env_changed = env_changed or changed
        result = edit_config(ctx, transform, check_mode=module.check_mode,
                             backup=params['backup'], create=params['create'])
        # The 0600 env file (secret_mode=env_ref) of an entry that is gone goes too, once the config no longer names it.
        for path in dropped_env_files(ctx, result):
            changed, _backup = remove_env_file(ctx, path, check_mode=module.check_mode, backup=params['backup'])
            env_changed = env_changed or changed
    except EntryProblems as exc:
        module.fail_json(msg=str(exc), config_path=ctx.config_path)
    except ConfigError as exc:
        module.fail_json(msg='Refusing to edit: %s' % exc, config_path=ctx.config_path)
    except ImportError as exc:  # a codec's library (tomlkit for TOML configs) missing on the host
        module.fail_json(msg=missing_required_lib(getattr(exc, 'library', str(exc))), config_path=ctx.config_path,
                         exception=getattr(exc, 'traceback', None) or traceback.format_exc())
    except (FileLayerError, OSError, IOError) as exc:
        module.fail_json(msg='Cannot update %s: %s' % (ctx.config_path, exc), config_path=ctx.config_path)

    entry = get_path(result.after_data, tuple(ctx.layout.servers_path) + (params['name'],))
    output = dict(
        changed=result.changed or env_changed,
        config_path=ctx.config_path,
        server=redact_entry(entry) if entry is not None else None,
        created=result.created,
    )
    if env_files:
        output['env_file'] = env_files[0].own_env_file
    if result.backup_file:
        output['backup_file'] = result.backup_file
    if module._diff:
        output['diff'] = edit_diff(ctx.config_path, ctx.layout, result)
    module.exit_json(**output)


if __name__ == '__main__':
    main()
