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
  - The file is parsed strictly. A config that is not valid JSON (trailing commas, comments, a byte-order
    mark, truncated or empty files, duplicate keys, wrong types) is refused with the file, line and column,
    and left byte-identical.
  - Everything the module does not manage is preserved - other top-level keys, other servers,
    unknown keys inside the entry (such as C(disabled)), key order, indentation, newline style
    and the trailing newline.
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
  url:
    description:
      - URL of a remote server, for clients whose config supports remote entries. Mutually exclusive with O(command).
      - C(claude_desktop) does not; the module then fails and suggests the C(mcp-remote) bridge.
    type: str
  type:
    description:
      - Transport type of a remote entry (for example C(http) or C(sse)) for clients that support it.
    type: str
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
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mcpops.mcp.plugins.module_utils._commands import find_command
from ansible_collections.mcpops.mcp.plugins.module_utils._common import context_or_fail, with_common
from ansible_collections.mcpops.mcp.plugins.module_utils._config import ConfigError, redact_entry
from ansible_collections.mcpops.mcp.plugins.module_utils._entries import (
    DECLARED_KEYS,
    EntryProblems,
    apply_entries,
    changed_names,
    edit_diff,
    entry_argument_spec,
    needs_the_file,
    plan_entries,
    secret_values,
)
from ansible_collections.mcpops.mcp.plugins.module_utils._files import FileLayerError, edit_config
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
            create=dict(type='bool', default=True),
            backup=dict(type='bool', default=True),
            validate_command=dict(type='bool', default=True),
        )),
        mutually_exclusive=[('command', 'url')],
        required_if=[('state', 'present', ('command', 'url'), True)],
        supports_check_mode=True,
    )
    server = declared_entry(module.params)
    params = module.params
    ctx = context_or_fail(module)

    plan = plan_entries([server], ctx.client, find_command if params['validate_command'] else None)
    for warning in plan.warnings:
        module.warn(warning)
    if plan.problems:
        module.fail_json(msg=' '.join(plan.problems), config_path=ctx.config_path)

    def transform(doc):
        data, changes = apply_entries(doc, plan.entries)
        return data, bool(changed_names(changes))

    try:
        if needs_the_file(plan) and not module.check_mode:
            edit_config(ctx, transform, check_mode=True, create=params['create'])  # read-only: refuse before creating anything
        result = edit_config(ctx, transform, check_mode=module.check_mode,
                             backup=params['backup'], create=params['create'])
    except EntryProblems as exc:
        module.fail_json(msg=str(exc), config_path=ctx.config_path)
    except ConfigError as exc:
        module.fail_json(msg='Refusing to edit: %s' % exc, config_path=ctx.config_path)
    except (FileLayerError, OSError, IOError) as exc:
        module.fail_json(msg='Cannot update %s: %s' % (ctx.config_path, exc), config_path=ctx.config_path)

    entry = (result.after_data.get(ctx.servers_key) or {}).get(params['name'])
    output = dict(
        changed=result.changed,
        config_path=ctx.config_path,
        server=redact_entry(entry) if entry is not None else None,
        created=result.created,
    )
    if result.backup_file:
        output['backup_file'] = result.backup_file
    if module._diff:
        output['diff'] = edit_diff(ctx.config_path, ctx.servers_key, result)
    module.exit_json(**output)


if __name__ == '__main__':
    main()
