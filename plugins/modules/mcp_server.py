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
  - Values of O(secret_env) and O(headers), and values of O(env) under secret-looking names, never
    appear in results, diffs or errors.
author:
  - mcpops contributors (@mcpops)
extends_documentation_fragment:
  - mcpops.mcp.common
options:
  name:
    description:
      - Name of the server entry. Letters, digits, C(_) and C(-) only.
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
        unless O(url) is given for a client that supports remote entries.
    type: str
  args:
    description:
      - Arguments for O(command). Omitted means none; the key is written only when non-empty.
    type: list
    elements: str
  env:
    description:
      - Plain environment settings for the server, such as C(DEBUG=1). Omitted means none.
      - Values are written as strings; booleans become C(true)/C(false).
      - Use O(secret_env) for tokens and passwords. A value here whose name looks secret (containing
        C(TOKEN), C(KEY), C(SECRET), C(PASSWORD), C(PASS), C(PAT), C(CREDENTIAL) or C(AUTH)) is treated as
        secret anyway and masked everywhere, with a warning.
    type: dict
  secret_env:
    description:
      - Secret environment values (tokens, passwords), merged into the entry's C(env).
      - Never shown in results, diffs, errors or verbose output.
    type: dict
  url:
    description:
      - URL of a remote server, for clients whose config supports remote entries.
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
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The diff shows the redacted config before and after; secret values are masked.
notes:
  - Windows hosts cannot run this module (no Python modules on Windows targets).
seealso:
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
from ansible_collections.mcpops.mcp.plugins.module_utils._config import (
    ConfigError,
    apply_server,
    build_entry,
    redact_entry,
    redacted_text,
    secret_values_in_args,
    secret_values_in_env,
    validate_name,
)
from ansible_collections.mcpops.mcp.plugins.module_utils._files import FileLayerError, edit_config


def _env_text(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return '%s' % (value,)


def mask_secrets(module):
    """Register secret-looking values as no_log before anything can fail (failures show the args at -vvv)."""
    params = module.params
    env = dict((k, _env_text(v)) for k, v in (params['env'] or {}).items())
    module.no_log_values.update(secret_values_in_env(env))
    module.no_log_values.update(v for v in (_env_text(v) for v in (params['secret_env'] or {}).values()) if v)
    module.no_log_values.update(secret_values_in_args(params['args']))
    if params['url']:
        module.no_log_values.update(secret_values_in_args([params['url']]))


def desired_entry(module, ctx):
    params = module.params
    env = dict((k, _env_text(v)) for k, v in (params['env'] or {}).items())
    secret_env = dict((k, _env_text(v)) for k, v in (params['secret_env'] or {}).items())
    looks_secret = secret_values_in_env(env)
    if looks_secret:
        keys = sorted(k for k in env if env[k] in looks_secret)
        module.warn('env of server %s holds secret-looking keys (%s); their values are masked. '
                    'Pass secrets in secret_env instead.' % (params['name'], ', '.join(keys)))
    overlap = sorted(set(env) & set(secret_env))
    if overlap:
        module.fail_json(msg='Server %s: %s set in both env and secret_env; set each key once.'
                         % (params['name'], ', '.join(overlap)))
    env.update(secret_env)
    supported = ctx.client['remote_fields']
    for field in ('url', 'type', 'headers'):
        if params[field] and field not in supported:
            module.fail_json(msg='Server %s: %s does not support %r in its config. %s'
                             % (params['name'], ctx.client['label'], field, ctx.client.get('remote_hint', '')))
    if not params['command'] and not params['url']:
        module.fail_json(msg='Server %s: command is required with state=present.' % params['name'])
    return build_entry(dict(type=params['type'], command=params['command'], args=params['args'],
                            env=env, url=params['url'], headers=params['headers']))


def main():
    module = AnsibleModule(
        argument_spec=with_common(dict(
            name=dict(type='str', required=True),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            command=dict(type='str'),
            args=dict(type='list', elements='str'),
            env=dict(type='dict'),
            secret_env=dict(type='dict', no_log=True),
            url=dict(type='str'),
            type=dict(type='str'),
            headers=dict(type='dict', no_log=True),
            create=dict(type='bool', default=True),
            backup=dict(type='bool', default=True),
            validate_command=dict(type='bool', default=True),
        )),
        supports_check_mode=True,
    )
    mask_secrets(module)
    params = module.params
    try:
        validate_name(params['name'])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    ctx = context_or_fail(module)

    desired = None
    if params['state'] == 'present':
        desired = desired_entry(module, ctx)
        if params['validate_command'] and desired.get('command'):
            problem = find_command(desired['command'], (desired.get('env') or {}).get('PATH'))[1]
            if problem:
                module.fail_json(msg='Server %s: %s' % (params['name'], problem))

    def transform(doc):
        return apply_server(doc, params['name'], params['state'], desired)

    try:
        result = edit_config(ctx, transform, check_mode=module.check_mode,
                             backup=params['backup'], create=params['create'])
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
        style = result.before_doc.style
        before = result.before_doc.data if result.before is not None else None
        after = result.after_data if (result.before is not None or result.changed) else None
        output['diff'] = dict(
            before_header=ctx.config_path,
            after_header=ctx.config_path,
            before=redacted_text(before, ctx.servers_key, style),
            after=redacted_text(after, ctx.servers_key, style),
        )
    module.exit_json(**output)


if __name__ == '__main__':
    main()
