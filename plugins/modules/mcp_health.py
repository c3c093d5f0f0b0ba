#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mcp_health
short_description: Check that MCP servers start and answer the MCP handshake, with a reason for every failure
version_added: 1.0.0
description:
  - Starts each stdio server the way an MCP client does, finds out which protocol generation it speaks, lists its
    tools with C(tools/list) (following every C(nextCursor) page), records what it answered and shuts it down again.
  - "Both protocol generations are spoken (a dual-era client, MCP revision 2026-07-28 C(basic/versioning)):
    I(modern) servers (2026-07-28) get C(server/discover) and per-request C(_meta); I(legacy) servers
    (2025-11-25 and earlier) get C(initialize) and C(notifications/initialized). On stdio the check sends
    C(server/discover) first and falls back to C(initialize) on any error that is not a modern one, or when the
    probe is unanswered after 0.5 s (C(initialize) then goes to the same process, nothing is restarted).
    RV(servers[].era) says which generation answered."
  - Servers with a C(url) are checked over Streamable HTTP (JSON-RPC POSTs answered with JSON or SSE). A modern
    request with the C(MCP-Protocol-Version) and C(Mcp-Method) headers goes first, then C(initialize) (with
    C(Mcp-Session-Id) honoured) when the server answers with a 4xx that carries no modern JSON-RPC error.
    A C(401) is reason V(auth_required) with the server's protected resource metadata URL (from
    C(WWW-Authenticate) or C(/.well-known/oauth-protected-resource)) in RV(servers[].resource_metadata);
    a C(403) is V(forbidden).
  - Every unhealthy server gets a RV(servers[].reason) code and a one-sentence message; the task fails when any server
    is unhealthy unless O(fail_on_unhealthy=false).
  - "Environment: the server gets C(HOME), C(LOGNAME), C(PATH), C(SHELL), C(TERM) and C(USER) from the host
    (what the MCP SDKs' stdio clients pass), then the entry's C(env), then O(secret_env). Nothing else is
    inherited. Note that the C(PATH) of an SSH session usually differs from the one a desktop app gets from
    its launcher, so a server that works here may still fail in the app, and the other way round."
  - The server runs in its own session and process group with C(HOME) as its working directory. A server
    that completed the handshake gets its stdin closed and 1 s to exit; then, and at once for a server that
    timed out or misbehaved, the group gets C(SIGTERM) and 1 s later C(SIGKILL). Descendants that left the
    group (found by walking C(/proc) on Linux or C(ps) on macOS) are killed too, so no process is left behind.
    This shutdown runs beside the result; the module prints its result first and ends only after every
    server it started is gone.
  - With O(user) and C(become), servers run as that user with that user's C(HOME), C(USER), C(LOGNAME) and C(SHELL).
  - Uses only the Python standard library on the host (no MCP SDK).
author:
  - mcpops contributors (@mcpops)
extends_documentation_fragment:
  - mcpops.mcp.common
  - mcpops.mcp._attributes
options:
  names:
    description:
      - Servers from the config to check.
      - Default is every server in the config, or, when O(specs) is given, only the specs (the config is not read).
    type: list
    elements: str
  specs:
    description:
      - Servers to check that need not be in the config (yet), for example in a preflight before deploying them.
      - A spec with the same name as a server in O(names) replaces the config entry for this check.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name to report the server under.
        type: str
        required: true
      command:
        description: Program to start (looked up on the server's C(PATH)). Mutually exclusive with O(specs[].url).
        type: str
      args:
        description: Arguments for O(specs[].command).
        type: list
        elements: str
        default: []
      env:
        description:
          - Environment variables for the server, added to the inherited ones.
          - Values under secret-looking names (C(*_TOKEN), C(*_KEY), C(*PASSWORD*), ...) and credentials inside
            values (C(postgres://user:pass@...), C(sk_live_...)) are masked in all output;
            pass other secrets in O(secret_env).
        type: dict
        default: {}
      url:
        description: Streamable HTTP endpoint of a remote server. Mutually exclusive with O(specs[].command).
        type: str
      headers:
        description: HTTP headers for O(specs[].url), for example C(Authorization). Treated as secret.
        type: dict
        default: {}
      timeout:
        description: Timeout in seconds for this server, overriding O(timeout).
        type: int
  timeout:
    description:
      - Seconds each server gets, from spawning it (or the first HTTP request) through the last C(tools/list) page.
      - Shutdown afterwards adds at most 2 s (1 s after C(SIGTERM), 1 s after C(SIGKILL)).
      - A config entry's own C(timeout) key overrides it for that server, read in the client's unit
        (Gemini CLI writes milliseconds, so C(timeout = 30000) there is 30 s).
    type: int
    default: 15
  concurrency:
    description:
      - How many servers are checked at the same time.
      - Default is the smallest of the number of servers, twice the number of CPUs, and 8 (start-up is CPU-bound;
        more threads than about twice the cores do not help).
    type: int
  secret_env:
    description:
      - Environment variables added to every stdio server's environment, after the entry's own C(env);
        for secrets from a vault that should not live in the config file.
      - Their values are masked in every output, including RV(servers[].stderr_tail).
    type: dict
    default: {}
  expect_tools:
    description:
      - Server name -> names of tools that server must offer. A server without one of them is unhealthy with
        reason C(missing_tools).
    type: dict
    default: {}
  strict_stdout:
    description:
      - Treat anything on stdout that is not JSON-RPC (a banner, a log line) as a C(protocol_error).
      - By default such lines are ignored with a warning in RV(servers[].warnings).
    type: bool
    default: false
  history_file:
    description:
      - A JSON-lines file; each run appends one line per server (time, name, status, reason, timings)
        and returns RV(servers[].consecutive_failures) and RV(servers[].last_seen) from it.
      - Bookkeeping only, never reported as a change. In check mode it is read but not written.
      - With it, servers that were slowest last run (or timed out, or are new) are started first, so a server
        that hangs again times out alongside the others rather than after them.
      - Created with mode C(0600) (owned by O(user)) when missing; its directory is created C(0700).
      - Each line also records the server's protocol generation (RV(servers[].era)); the next check of the same
        server (same command and args, or URL) after a healthy run starts with that generation's request
        instead of probing, and probes again if the server no longer answers that way.
    type: path
  fail_on_unhealthy:
    description: Fail the task when any checked server is unhealthy. With V(false) the result reports them and the task succeeds.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    details: Servers are started in check mode too (checking them is read-only); only the history file is not written.
  diff_mode:
    support: none
notes:
  - Reasons are V(ok), V(not_found) (command not on C(PATH), or nothing at the URL), V(not_executable)
    (exists without the exec bit), V(exited) (the server ended before the handshake completed; see
    RV(servers[].exit_code) and RV(servers[].stderr_tail)), V(timeout), V(protocol_error) (not JSON-RPC,
    an error answer, an unsupported protocol version, or non-JSON stdout with O(strict_stdout)), V(auth_required)
    (HTTP 401), V(forbidden) (HTTP 403, for example an C(Origin) check) and V(missing_tools).
  - Accepted protocol versions are C(2026-07-28) (modern) and C(2025-11-25) (requested from legacy servers),
    C(2025-06-18), C(2025-03-26) and C(2024-11-05).
  - Concurrency limits how many servers are starting at once; a server that has not answered after 2 s, and a
    server that is shutting down, no longer count, so servers that hang do not hold up the others.
requirements:
  - tomlkit (Codex configs only; the deploy role installs it with C(mcp_install_requirements=true))
seealso:
  - module: mcpops.mcp.mcp_server_info
'''

EXAMPLES = r'''
- name: Check every server in Claude Desktop's config
  mcpops.mcp.mcp_health:

- name: Check two servers, with a token from the vault, and require a tool
  mcpops.mcp.mcp_health:
    names: [github, filesystem]
    secret_env:
      GITHUB_PERSONAL_ACCESS_TOKEN: "{{ vault_github_token }}"
    expect_tools:
      github: [create_issue]
    timeout: 10

- name: Preflight a server before deploying it
  mcpops.mcp.mcp_health:
    specs:
      - name: time
        command: uvx
        args: [mcp-server-time]
      - name: remote
        url: https://mcp.example.com/mcp
        headers:
          Authorization: "Bearer {{ vault_remote_token }}"

- name: Record health for monitoring without failing the play
  mcpops.mcp.mcp_health:
    user: alice
    history_file: /var/lib/mcpops/health-alice.jsonl
    fail_on_unhealthy: false
  become: true
  register: health

- name: Alert after three failed runs in a row
  ansible.builtin.debug:
    msg: "{{ item.name }} has failed {{ item.consecutive_failures }} times, last healthy {{ item.last_seen }}"
  loop: "{{ health.servers | selectattr('consecutive_failures', 'ge', 3) }}"
'''

RETURN = r'''
servers:
  description: One entry per checked server, in the order checked (O(names), then O(specs)).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Server name.
      type: str
      sample: filesystem
    transport:
      description: V(stdio) or V(http).
      type: str
      sample: stdio
    status:
      description: V(healthy) or V(unhealthy).
      type: str
      sample: healthy
    reason:
      description: One of V(ok), V(not_found), V(not_executable), V(exited), V(timeout), V(protocol_error),
        V(auth_required), V(forbidden), V(missing_tools).
      type: str
      sample: ok
    message:
      description: One readable sentence saying what happened (secrets masked).
      type: str
      sample: "no answer to server/discover or initialize within the 15 s timeout."
    exit_code:
      description: Exit code of a server that exited before the handshake completed (negative for a signal), else null.
      type: int
      sample: 1
    stderr_tail:
      description: Last lines (up to 20) of the server's stderr, with known secret values, values of secret-looking
        keys and flags, C(Authorization)/C(Bearer) credentials, URL passwords and token shapes (C(ghp_...),
        C(sk-...), JWTs, ...) masked; null when the server wrote nothing there.
      type: str
      sample: "Error: GITHUB_TOKEN=******** is invalid"
    warnings:
      description: Things that did not make the server unhealthy, such as non-JSON lines on stdout.
      type: list
      elements: str
      sample: ["stdout line 1 is not JSON-RPC and was ignored: 'Server starting...'"]
    latency_ms:
      description: Milliseconds from spawn (or the first request) until the answer that settled the protocol
        generation (C(server/discover) or C(initialize)); null if there was none.
      type: int
      sample: 231
    duration_ms:
      description: Milliseconds the check took until its result was known; a server that is still running
        is stopped after that, beside the other checks.
      type: int
      sample: 262
    era:
      description: Protocol generation the server spoke, V(modern) (C(server/discover), revision 2026-07-28 and
        later) or V(legacy) (the C(initialize) handshake); null when the check did not get that far.
      type: str
      sample: modern
    protocol_version:
      description: Protocol version in use, the modern version both sides support, or the one a legacy server
        chose in its C(initialize) answer; null when the check did not get that far.
      type: str
      sample: "2026-07-28"
    server_info:
      description: C(name) and C(version) the server reported (C(_meta["io.modelcontextprotocol/serverInfo"])
        of its C(server/discover) answer, or C(serverInfo) of its C(initialize) answer); empty when it sent none.
      type: dict
      sample: {"name": "memory-server", "version": "0.6.3"}
    resource_metadata:
      description: For V(auth_required), the URL of the server's OAuth protected resource metadata (RFC 9728),
        from its C(WWW-Authenticate) challenge or its C(/.well-known/oauth-protected-resource) document;
        null otherwise.
      type: str
      sample: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
    tools:
      description: Tool names from all C(tools/list) pages.
      type: list
      elements: str
      sample: [create_entities, read_graph]
    tool_count:
      description: Number of tools; null when the handshake did not get that far.
      type: int
      sample: 9
    missing_tools:
      description: Tools from O(expect_tools) the server does not offer.
      type: list
      elements: str
      sample: []
    consecutive_failures:
      description: Unhealthy runs in a row up to and including this one, from O(history_file); null without it.
      type: int
      sample: 0
    last_seen:
      description: When the server was last healthy (ISO 8601 UTC), from O(history_file); null without it or if never.
      type: str
      sample: "2026-11-30T08:15:02Z"
healthy:
  description: True when every checked server is healthy.
  returned: always
  type: bool
  sample: true
unhealthy_count:
  description: Number of unhealthy servers.
  returned: always
  type: int
  sample: 0
config_path:
  description: The config file the servers were read from; null when only O(specs) were checked.
  returned: always
  type: str
  sample: /home/alice/.config/Claude/claude_desktop_config.json
'''

import sys

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mcpops.mcp.plugins.module_utils._clients import ClientError, entry_timeout
from ansible_collections.mcpops.mcp.plugins.module_utils._common import context_or_fail, user_account, with_common
from ansible_collections.mcpops.mcp.plugins.module_utils._config import ConfigError
from ansible_collections.mcpops.mcp.plugins.module_utils._entries import canonical_entry
from ansible_collections.mcpops.mcp.plugins.module_utils._files import FileLayerError, load_config, real_target
from ansible_collections.mcpops.mcp.plugins.module_utils._health import (
    HealthError,
    append_history,
    apply_history,
    failure_summary,
    history_records,
    read_history,
    remembered_era,
    run_checks,
    secret_values,
    select_targets,
    start_order,
    utc_now,
)
from ansible_collections.mcpops.mcp.plugins.module_utils._protocol import Reaper
from ansible_collections.mcpops.mcp.plugins.module_utils._redact import module_hiding_secrets
from ansible_collections.mcpops.mcp.plugins.module_utils._tomledit import MissingLibrary


def argument_spec():
    return with_common(dict(
        names=dict(type='list', elements='str'),
        specs=dict(type='list', elements='dict', options=dict(
            name=dict(type='str', required=True),
            command=dict(type='str'),
            args=dict(type='list', elements='str', default=[]),
            # Not no_log: Ansible would mask every occurrence of values like "1" in the whole result.
            # Credentials in env, args and url are added to the masked values in main() (_redact).
            env=dict(type='dict', default={}),
            url=dict(type='str'),
            headers=dict(type='dict', default={}, no_log=True),
            timeout=dict(type='int'),
        ), mutually_exclusive=[('command', 'url')], required_one_of=[('command', 'url')]),
        timeout=dict(type='int', default=15),
        concurrency=dict(type='int'),
        secret_env=dict(type='dict', default={}, no_log=True),
        expect_tools=dict(type='dict', default={}),
        strict_stdout=dict(type='bool', default=False),
        history_file=dict(type='path'),
        fail_on_unhealthy=dict(type='bool', default=True),
    ))


def read_servers(module, ctx):
    """Servers of the config, or None when only specs are checked."""
    params = module.params
    spec_names = set(spec['name'] for spec in params['specs'] or [])
    if params['specs'] and (params['names'] is None or set(params['names']) <= spec_names):
        return None
    try:
        data, doc = load_config(real_target(ctx.config_path), ctx.layout, display_path=ctx.config_path)
    except MissingLibrary as exc:  # tomlkit, for a Codex config
        module.fail_json(msg=missing_required_lib(exc.library, reason='to read Codex TOML configs'),
                         exception=exc.traceback, config_path=ctx.config_path)
    except ConfigError as exc:
        module.fail_json(msg=str(exc))
    if data is None:
        module.fail_json(msg='No MCP config at %s; pass config_path, or check servers that are not deployed '
                             'with specs.' % ctx.config_path)
    # In canonical spelling (Windsurf's serverUrl, Codex's http_headers, ... read as url, headers), an entry's own
    # timeout in seconds (Gemini CLI writes milliseconds).
    servers = {}
    for name, entry in doc.servers().items():
        canonical = canonical_entry(ctx.client, entry)
        if isinstance(canonical, dict):
            canonical = dict(canonical)
            canonical.pop('timeout', None)
            seconds = entry_timeout(ctx.client, entry)
            if seconds:
                canonical['timeout'] = seconds
        servers[name] = canonical
    return servers


def account_for(module, ctx):
    """Whom the servers run as: the O(user) account (when set), else None (the module's own user)."""
    if ctx.user is None:
        return None
    try:
        return user_account(ctx.user)
    except ClientError as exc:
        module.fail_json(msg=str(exc))


def expected_tools(module):
    expect = {}
    for name, tools in module.params['expect_tools'].items():
        expect[name] = [tools] if isinstance(tools, str) else [str(t) for t in (tools or [])]
    return expect


def declared_secrets(params):
    """Credentials in specs[] (args, env, url, headers) and secret_env, hidden before anything can fail."""
    specs = params.get('specs')
    secret_env = params.get('secret_env')
    return secret_values([s for s in (specs if isinstance(specs, list) else []) if isinstance(s, dict)],
                         secret_env if isinstance(secret_env, dict) else None)


def main():
    # Every secret is a no_log value from the moment the parameters are read: failures show them at -vvv.
    module = module_hiding_secrets(AnsibleModule, declared_secrets, argument_spec=argument_spec(), supports_check_mode=True)
    reaper = Reaper()
    try:
        check(module, reaper)
    finally:
        # The result is printed; now wait for the servers still shutting down, so none outlives the module.
        sys.stdout.flush()
        reaper.join()


def check(module, reaper):
    params = module.params
    if params['timeout'] <= 0 or any((s.get('timeout') or 1) <= 0 for s in params['specs'] or []):
        module.fail_json(msg='timeout must be a positive number of seconds.')
    if params['concurrency'] is not None and params['concurrency'] < 1:
        module.fail_json(msg='concurrency must be at least 1.')
    ctx = context_or_fail(module)
    servers = read_servers(module, ctx)
    try:
        targets = select_targets(servers, params['names'], params['specs'], params['timeout'])
    except HealthError as exc:
        module.fail_json(msg=str(exc))
    # The credentials of the config's entries (args, env, url, headers) never appear in output either.
    module.no_log_values.update(secret_values(targets, None))
    expect = expected_tools(module)
    unknown = sorted(set(expect) - set(t['name'] for t in targets))
    if unknown:
        module.warn('expect_tools names servers that were not checked: %s.' % ', '.join(unknown))

    history_file = params['history_file']
    previous = {}
    if history_file:
        try:
            previous = read_history(history_file, [t['name'] for t in targets])
        except (IOError, OSError) as exc:
            module.fail_json(msg='Cannot read history_file %s: %s.' % (history_file, exc.strerror or exc))

    for target in targets:
        target['era'] = remembered_era(target, previous)
    results = run_checks(targets, params['concurrency'], params['secret_env'], expect, params['strict_stdout'],
                         account=account_for(module, ctx), order=start_order([t['name'] for t in targets], previous),
                         reaper=reaper)

    for result in results:
        result['consecutive_failures'] = None
        result['last_seen'] = None
    if history_file:
        now = utc_now()
        try:
            apply_history(results, previous, now)
            if not module.check_mode:
                append_history(history_file, history_records(results, now, servers is not None and ctx.config_path or None,
                                                             targets), owner=ctx.owner())
        except FileLayerError as exc:
            module.fail_json(msg='Cannot use history_file %s: %s' % (history_file, exc), servers=results)
        except (IOError, OSError) as exc:
            module.fail_json(msg='Cannot use history_file %s: %s.' % (history_file, exc.strerror or exc),
                             servers=results)

    unhealthy = [r for r in results if r['status'] != 'healthy']
    output = dict(changed=False, servers=results, healthy=not unhealthy, unhealthy_count=len(unhealthy),
                  config_path=ctx.config_path if servers is not None else None)
    if unhealthy and params['fail_on_unhealthy']:
        module.fail_json(msg=failure_summary(results), **output)
    module.exit_json(**output)


if __name__ == '__main__':
    main()
