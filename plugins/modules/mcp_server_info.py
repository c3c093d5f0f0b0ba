#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mcp_server_info
short_description: List the MCP servers in an MCP client config, secrets masked
version_added: 1.0.0
description:
  - Reads an MCP client config (for example Claude Desktop's C(claude_desktop_config.json)) and returns its servers
    as a list with stable keys, every env value shown as C(********) and credentials in args masked.
  - Never fails on a corrupt or unparseable file - it reports RV(valid=false) and the error (file, line, column),
    so verification flows can assert on it. The file is only read, never changed or renamed.
author:
  - mcpops contributors (@mcpops)
extends_documentation_fragment:
  - mcpops.mcp.common
  - mcpops.mcp._engine
  - mcpops.mcp._attributes
  - mcpops.mcp._attributes.INFO_MODULE
options:
  names:
    description:
      - Only return these servers. Default is all servers.
      - Names as they are in the file, including names outside C([A-Za-z0-9_-]) such as C(Framelink Figma MCP).
    type: list
    elements: str
requirements:
  - tomlkit (Codex configs only; the deploy role installs it with C(mcp_install_requirements=true))
seealso:
  - module: mcpops.mcp.mcp_server
'''

EXAMPLES = r'''
- name: List servers
  mcpops.mcp.mcp_server_info:
  register: mcp

- name: Fail when the config is corrupt
  ansible.builtin.assert:
    that: mcp.valid
    fail_msg: "{{ mcp.error }}"

- name: Names of servers that use npx
  ansible.builtin.debug:
    msg: "{{ mcp.servers | selectattr('command', 'equalto', 'npx') | map(attribute='name') | list }}"
'''

RETURN = r'''
config_path:
  description: Path of the config file.
  returned: always
  type: str
  sample: /home/alice/.config/Claude/claude_desktop_config.json
exists:
  description: Whether the config file exists.
  returned: always
  type: bool
  sample: true
valid:
  description: Whether the file parsed and validated (a missing file is valid - it has no servers).
  returned: always
  type: bool
  sample: true
error:
  description: Why the file is invalid (file:line:column and reason), or V(null).
  returned: always
  type: str
  sample: null
server_count:
  description: Number of servers in the config (all of them, not only O(names)).
  returned: always
  type: int
  sample: 2
missing:
  description: Names asked for in O(names) that are not in the config.
  returned: always
  type: list
  elements: str
  sample: []
servers:
  description: One item per server, in file order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Server name.
      type: str
      sample: filesystem
    command:
      description: Command, or V(null) for a remote entry.
      type: str
      sample: npx
    args:
      description: Arguments with credentials masked.
      type: list
      elements: str
      sample: ["-y", "@modelcontextprotocol/server-filesystem", "/srv"]
    env:
      description: Env keys, every value shown as C(********).
      type: dict
      sample: {"GITHUB_TOKEN": "********"}
    env_keys:
      description: Sorted env key names.
      type: list
      elements: str
      sample: ["GITHUB_TOKEN"]
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
      sample: {"disabled": false}
'''

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mcpops.mcp.plugins.module_utils._common import context_or_fail, engine_option, with_common
from ansible_collections.mcpops.mcp.plugins.module_utils._config import ConfigError, summarize_entry
from ansible_collections.mcpops.mcp.plugins.module_utils._files import load_config, real_target


def main():
    module = AnsibleModule(
        argument_spec=with_common(dict(names=dict(type='list', elements='str'), engine=engine_option())),
        supports_check_mode=True,
    )
    ctx = context_or_fail(module)
    result = dict(changed=False, config_path=ctx.config_path, exists=os.path.exists(ctx.config_path),
                  valid=True, error=None, server_count=0, servers=[], missing=[])
    try:
        _data, doc = load_config(real_target(ctx.config_path), ctx.layout, display_path=ctx.config_path)
    except ImportError as exc:  # a codec's library (tomlkit for TOML configs) missing on the host
        module.fail_json(msg=missing_required_lib(getattr(exc, 'library', str(exc))), config_path=ctx.config_path)
    except ConfigError as exc:
        result.update(valid=False, error=str(exc))
        module.exit_json(**result)
    except (OSError, IOError) as exc:
        result.update(valid=False, error='Cannot read %s: %s' % (ctx.config_path, exc.strerror or exc))
        module.exit_json(**result)
    servers = doc.servers()
    wanted = module.params['names']
    result['server_count'] = len(servers)
    result['servers'] = [summarize_entry(name, entry, ctx.client) for name, entry in servers.items()
                         if wanted is None or name in wanted]
    result['missing'] = [name for name in (wanted or []) if name not in servers]
    module.exit_json(**result)


if __name__ == '__main__':
    main()
