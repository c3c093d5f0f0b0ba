#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mcp_audit
short_description: Report drift from a declared MCP server set and admin policy violations, read-only
version_added: 1.1.0
description:
  - Reads one MCP client config (the shared options decide which file, whose) and classifies every server in it,
    and every server declared in O(servers), as
    V(declared) (configured exactly as declared), V(changed) (declared, but its managed fields differ; RV(findings[].fields)
    names them, values are never shown), V(missing) (declared, not configured), V(unmanaged) (configured, not declared),
    and, when a policy is given or found, V(denied) (matches a deny entry; deny wins) or V(not_allowed) (an allowlist is
    set and the server matches none of it, or a C(managed-mcp.json) exclusive set does not hold it).
  - A server has one finding with a list of classes, so a server both unmanaged and denied appears once.
  - Never changes anything. The config is parsed strictly; an invalid config (or policy file) fails with file:line:col.
  - Secrets never reach the output; findings hold names, classes and field names only.
author:
  - mcpops contributors (@mcpops)
extends_documentation_fragment:
  - mcpops.mcp.common
  - mcpops.mcp._attributes
  - mcpops.mcp._attributes.INFO_MODULE
options:
  servers:
    description:
      - The declared set, in the entry shape of M(mcpops.mcp.mcp_servers) (the same suboptions and rules).
      - When omitted, no drift classes are computed (only the policy ones); V([]) declares that no server should be configured,
        so every configured server is V(unmanaged).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the entry.
        type: str
      state:
        description: V(absent) declares that the entry must not be configured (found there, it is V(changed) with field C(state)).
        type: str
        choices: [present, absent]
        default: present
      command:
        description: Executable of a stdio server.
        type: str
      args:
        description: Arguments of O(servers[].command).
        type: list
        elements: raw
      env:
        description: Plain environment settings.
        type: dict
      secret_env:
        description: Secret environment values, compared with the config's C(env) and never shown.
        type: dict
      cwd:
        description:
          - Working directory of a stdio server, for clients that have one (C(gemini), C(codex)).
        type: str
      url:
        description: URL of a remote server, for clients that support remote entries.
        type: str
      type:
        description: Transport type of a remote entry, for clients that support it.
        type: str
      headers:
        description: HTTP headers of a remote entry. Treated as secret.
        type: dict
  policy:
    description:
      - The admin policy to check against, instead of reading it from disk.
      - Keys C(allowed) and C(denied) (lists of entries with exactly one of C(serverName), C(serverCommand) (the exact argv
        as a list), C(serverUrl) (C(*) matches any characters)), C(only_managed) (bool) and C(managed_servers)
        (name to entry, the exclusive set of Claude Code's C(managed-mcp.json)).
      - For Codex (O(policy_client=codex), or O(client=codex) without O(policy_client)), C(allowed) entries are C({name, command}) or C({name, url}) (Codex's
        C(requirements.toml) allowlist), and C(denied) is refused (Codex has no denylist).
      - An unset C(allowed) allows every server; C(allowed=[]) allows none.
    type: dict
  policy_client:
    description:
      - Whose policy rules and files apply. Default is O(client) when it is a policy client, else no policy is read from disk.
    type: str
    choices: [claude_code, codex, copilot]
  policy_dir:
    description:
      - Read the policy of O(policy_client) from this directory instead of the vendor's system directory
        (C(/etc/claude-code), C(/etc/github-copilot), C(/etc/codex) on Linux; see M(mcpops.mcp.mcp_policy)).
      - "Codex: C(requirements.toml)'s C(mcp_servers) table is the allowlist. A server is allowed only when its name is
        listed and its identity matches exactly - a C(command) identity a stdio server with that command (arguments not
        compared), a C(url) identity an HTTP server with that URL (no wildcards); no table allows every server, an empty
        one none. Reading it needs the Python library tomlkit on the host."
      - Claude Code's C(managed-settings.json) and C(managed-settings.d/*.json) are merged the way Claude Code merges
        them, and C(managed-mcp.json), when present, is the exclusive set.
    type: path
  fail_on:
    description:
      - Fail (after reporting everything) when any finding has one of these classes. For CI-style gates.
    type: list
    elements: str
    choices: [declared, changed, missing, unmanaged, denied, not_allowed]
    default: []
notes:
  - Policy matching follows the vendors' documented rules; see M(mcpops.mcp.mcp_policy) for sources. A server that
    is declared but not configured yet is checked against the policy too, so a declared set the policy would block
    shows up before a deploy.
  - Claude Code also merges users' own C(deniedMcpServers); only the managed policy is read here.
requirements:
  - tomlkit (Codex configs only; the deploy role installs it with C(mcp_install_requirements=true))
seealso:
  - module: mcpops.mcp.mcp_policy
  - module: mcpops.mcp.mcp_servers
'''

EXAMPLES = r'''
- name: Audit a workstation against the declared set and the policy on disk
  mcpops.mcp.mcp_audit:
    user: alice
    servers: "{{ mcp_servers }}"
    policy_client: claude_code
  become: true
  register: audit

- name: Gate a pipeline on servers nobody declared or the policy denies
  mcpops.mcp.mcp_audit:
    servers: "{{ mcp_servers }}"
    policy:
      denied:
        - serverUrl: "https://*.untrusted.example/*"
    fail_on: [unmanaged, denied]
'''

RETURN = r'''
config_path:
  description: Path of the audited config.
  returned: always
  type: str
  sample: /home/alice/.config/Claude/claude_desktop_config.json
findings:
  description: One item per server with at least one class, worst first (denied, not_allowed, changed, missing, unmanaged, declared).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Server name.
      type: str
      sample: github
    client:
      description: The client whose config holds (or should hold) the server.
      type: str
      sample: claude_desktop
    classes:
      description: Every class of the server.
      type: list
      elements: str
      sample: [unmanaged, denied]
    fields:
      description: Managed fields that differ from the declaration (C(state) for a server declared absent); never values.
      type: list
      elements: str
      sample: [args, env]
counts:
  description: Number of findings per class (every class present).
  returned: success
  type: dict
  sample: {"declared": 2, "changed": 1, "missing": 0, "unmanaged": 1, "denied": 1, "not_allowed": 0}
policy:
  description: The policy that was applied, or V(null). C(managed_servers) lists names only.
  returned: success
  type: dict
  sample: {"client": "claude_code", "allowed": null, "denied": [{"serverName": "x"}], "only_managed": false,
           "managed_servers": null, "sources": ["/etc/claude-code/managed-settings.d/50-mcpops.json"]}
problems:
  description: Problems in O(servers) or the policy, one sentence each, when the module fails on them.
  returned: failure
  type: list
  elements: str
'''

import platform

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mcpops.mcp.plugins.module_utils._common import context_or_fail, with_common
from ansible_collections.mcpops.mcp.plugins.module_utils._config import ConfigError, _same
from ansible_collections.mcpops.mcp.plugins.module_utils._entries import (
    DeclaredEntry,
    entry_argument_spec,
    managed_native_keys,
    native_entry,
    plan_entries,
    secret_values,
)
from ansible_collections.mcpops.mcp.plugins.module_utils._files import FileLayerError, load_config, real_target
from ansible_collections.mcpops.mcp.plugins.module_utils._policy import (
    CLASSES,
    VENDOR_NAMES,
    PolicyProblems,
    audit_servers,
    default_policy_dir,
    load_policy,
    policy_from_option,
)
from ansible_collections.mcpops.mcp.plugins.module_utils._redact import module_hiding_secrets, mask_text
from ansible_collections.mcpops.mcp.plugins.module_utils._tomledit import MissingLibrary


def declared_secrets(params):
    servers = params.get('servers')
    found = [value for server in (servers if isinstance(servers, list) else []) for value in secret_values(server)]
    return found


def resolve_policy(module, ctx):
    params = module.params
    vendor_name = params['policy_client'] or (ctx.client_name if ctx.client_name in VENDOR_NAMES else None)
    if params['policy'] is not None:
        return policy_from_option(vendor_name or 'claude_code', params['policy'])
    if vendor_name is None:
        if params['policy_dir']:
            raise PolicyProblems(['policy_dir needs policy_client (claude_code, codex or copilot): whose files and rules apply.'])
        return None
    policy_dir = params['policy_dir'] or default_policy_dir(vendor_name, platform.system())
    return load_policy(vendor_name, policy_dir)


def main():
    module = module_hiding_secrets(
        AnsibleModule, declared_secrets,
        argument_spec=with_common(dict(
            servers=dict(type='list', elements='dict', options=entry_argument_spec()),
            policy=dict(type='dict'),
            policy_client=dict(type='str', choices=list(VENDOR_NAMES)),
            policy_dir=dict(type='path'),
            fail_on=dict(type='list', elements='str', choices=list(CLASSES), default=[]),
        )),
        supports_check_mode=True,
    )
    params = module.params
    ctx = context_or_fail(module)
    entries = None
    if params['servers'] is not None:
        plan = plan_entries(params['servers'], ctx.client)
        if plan.problems:
            module.fail_json(msg='%d problem(s) in the declared servers: %s' % (len(plan.problems), ' '.join(plan.problems)),
                             problems=plan.problems, config_path=ctx.config_path)
        entries = plan.entries
    try:
        policy = resolve_policy(module, ctx)
        _data, doc = load_config(real_target(ctx.config_path), ctx.layout, display_path=ctx.config_path)
    except MissingLibrary as exc:
        module.fail_json(msg=missing_required_lib(exc.library, reason='to read Codex TOML files'), exception=exc.traceback,
                         config_path=ctx.config_path)
    except PolicyProblems as exc:
        problems = [mask_text(p) for p in exc.problems]
        module.fail_json(msg='Cannot use the policy: %s' % ' '.join(problems), problems=problems, config_path=ctx.config_path)
    except ConfigError as exc:
        module.fail_json(msg='Cannot audit: %s' % mask_text(str(exc)), config_path=ctx.config_path)
    except (FileLayerError, OSError, IOError) as exc:
        module.fail_json(msg='Cannot audit %s: %s' % (ctx.config_path, exc), config_path=ctx.config_path)

    configured = doc.servers()
    if entries is not None:  # compared in the client's own spelling, key by managed key
        entries = [DeclaredEntry(e.name, e.state, native_entry(ctx.client, e.desired) if e.desired is not None else None)
                   for e in entries]
    findings, counts = audit_servers(ctx.client_name, configured, entries, policy, managed_native_keys(ctx.client), _same)
    policy_out = None
    if policy is not None:
        policy_out = policy.as_dict()
        for key in ('allowed', 'denied'):
            if policy_out[key] is not None:
                policy_out[key] = [dict((k, mask_text(v) if isinstance(v, str) else [mask_text(a) for a in v])
                                        for k, v in rule.items()) for rule in policy_out[key]]
    result = dict(changed=False, config_path=ctx.config_path, findings=findings, counts=counts, policy=policy_out)
    failing = [c for c in params['fail_on'] if counts.get(c)]
    if failing:
        names = sorted(set(f['name'] for f in findings if set(f['classes']) & set(failing)))
        module.fail_json(msg='Audit of %s found %s (fail_on): %s.'
                         % (ctx.config_path, ', '.join('%d %s' % (counts[c], c) for c in failing), ', '.join(names)),
                         **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
