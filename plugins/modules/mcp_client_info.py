#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mcp_client_info
short_description: Find which MCP clients a user has on a host, with each config's path, format, servers and validity
version_added: 1.1.0
description:
  - Looks for every MCP client the collection knows (Claude Desktop, Claude Code, Cursor, VS Code, Windsurf,
    Gemini CLI, Codex, Zed) for O(user) on the host, the inventory a fleet needs before deciding where to deploy.
  - A client counts as installed when its config file or config directory exists, its program is found on
    C(PATH) (or in the user's C(~/.local/bin), C(~/bin), C(~/.npm-global/bin)), or its app bundle exists.
  - Each config file is parsed with the codec of its format (strict JSON, JSONC with comments, TOML) and its
    servers are counted; an unparseable file is reported with RV(clients[].valid=false) and the reason
    (file, line, column). Files are only read, never changed, renamed or locked.
  - Of the shared options only O(user) is used. O(client), O(config_path), O(backup_dir), O(scope) and
    O(project_path) are accepted and ignored, so C(module_defaults) for C(group/mcpops.mcp.mcp) can set them;
    use O(clients) to choose clients. The user scope of each client is reported.
author:
  - mcpops contributors (@mcpops)
extends_documentation_fragment:
  - mcpops.mcp.common
  - mcpops.mcp._attributes
  - mcpops.mcp._attributes.INFO_MODULE
options:
  clients:
    description:
      - Only report these clients. Default is every client the collection knows.
    type: list
    elements: str
    choices: [claude_code, claude_desktop, codex, cursor, gemini, vscode, windsurf, zed]
seealso:
  - module: mcpops.mcp.mcp_server_info
  - module: mcpops.mcp.mcp_server
'''

EXAMPLES = r'''
- name: Which MCP clients does alice have?
  mcpops.mcp.mcp_client_info:
    user: alice
  become: true
  register: found

- name: Deploy only to the clients that are installed
  ansible.builtin.set_fact:
    mcp_clients: "{{ found.clients | selectattr('installed') | map(attribute='name') | list }}"

- name: Fail on a config that does not parse
  ansible.builtin.assert:
    that: found.clients | selectattr('valid', 'false') | list | length == 0
    fail_msg: "{{ found.clients | selectattr('valid', 'false') | map(attribute='error') | list }}"
'''

RETURN = r'''
installed:
  description: Names of the installed clients.
  returned: always
  type: list
  elements: str
  sample: [claude_code, cursor]
clients:
  description: One item per client asked for, in name order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Client name, as the O(client) option takes it.
      type: str
      sample: cursor
    label:
      description: Client display name.
      type: str
      sample: Cursor
    installed:
      description: Whether any evidence of the client was found.
      type: bool
      sample: true
    evidence:
      description: >-
        What was found: C(config_file), C(config_dir), C(marker:<path>), C(binary:<path>), C(app:<path>).
      type: list
      elements: str
      sample: ["config_file", "config_dir", "binary:/usr/bin/cursor"]
    config_path:
      description: The client's user-scope config file for O(user), or V(null) when it has none on this OS.
      type: str
      sample: /home/alice/.cursor/mcp.json
    exists:
      description: Whether the config file exists.
      type: bool
      sample: true
    format:
      description: File format of the config, C(json), C(jsonc) or C(toml).
      type: str
      sample: json
    servers_path:
      description: Keys from the document root to the servers object.
      type: list
      elements: str
      sample: [mcpServers]
    size:
      description: Size of the config file in bytes, or V(null) when it does not exist.
      type: int
      sample: 312
    valid:
      description: >-
        Whether the config parsed and its servers key holds an object; V(null) when the file does not exist or this
        host cannot parse the format (see RV(clients[].error)).
      type: bool
      sample: true
    error:
      description: Why the config is invalid or could not be checked (file:line:column and reason), or V(null).
      type: str
      sample: null
    server_count:
      description: Number of servers in the config, or V(null) when it was not parsed.
      type: int
      sample: 2
    servers:
      description: Server names in the config, in file order.
      type: list
      elements: str
      sample: [github, time]
    binaries:
      description: Programs of the client found on the search path.
      type: list
      elements: str
      sample: [/usr/bin/cursor]
    apps:
      description: App bundles or install directories of the client that exist.
      type: list
      elements: str
      sample: []
    source:
      description: Documentation the collection's facts about this client come from.
      type: str
      sample: https://cursor.com/docs/context/mcp
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mcpops.mcp.plugins.module_utils._clients import CLIENT_NAMES, ClientError
from ansible_collections.mcpops.mcp.plugins.module_utils._common import resolve_user, with_common
from ansible_collections.mcpops.mcp.plugins.module_utils._inventory import client_inventory


def main():
    module = AnsibleModule(
        argument_spec=with_common(dict(clients=dict(type='list', elements='str', choices=CLIENT_NAMES))),
        supports_check_mode=True,
    )
    try:
        home = resolve_user(module.params.get('user'))[0]
    except ClientError as exc:
        module.fail_json(msg=str(exc))
    items = client_inventory(module.params['clients'], home)
    module.exit_json(changed=False, clients=items, installed=[i['name'] for i in items if i['installed']])


if __name__ == '__main__':
    main()
