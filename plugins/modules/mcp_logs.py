#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mcp_logs
short_description: Read an MCP client's logs the way an operator needs them
version_added: 1.0.0
description:
  - Reads the MCP logs of a client (Claude Desktop) on the host, C(mcp.log) and the per-server files
    C(mcp-server-<name>.log), in one streaming pass, and returns matching entries with stable keys
    together with error counts per server, errors grouped by message, and the last lifecycle event
    of every server.
  - Understands the current line layout C(<time> [<server>] [<level>] <message>), the older layout
    with the level first, metadata that continues over following lines, and the raw stderr of a
    server in its own file (a multi-line traceback or C(npm ERR!) block is one entry).
  - An entry written both to C(mcp.log) and to its server's file is returned once.
  - C(Message from server) responses get the C(method) of the matching C(Message from client)
    request (same server, id and connection attempt) and the C(duration) in milliseconds between
    them; requests the server sends (such as C(ping)) are paired the other way round.
  - Values under secret-looking keys, values of credential flags, C(Authorization)/C(Bearer) credentials,
    passwords in URLs and connection strings, and token shapes (C(ghp_...), C(sk-...), JWTs, PEM private keys, ...)
    are masked in returned messages, metadata, lifecycle messages and error signatures.
  - A missing log directory is not an error; the result then has RV(exists=false) and no entries.
  - Never changes anything on the host.
author:
  - mcpops contributors (@mcpops)
extends_documentation_fragment:
  - mcpops.mcp.common
  - mcpops.mcp._attributes
  - mcpops.mcp._attributes.INFO_MODULE
options:
  log_dir:
    description:
      - Directory holding the client's logs.
      - Default for C(claude_desktop) is C(~/Library/Logs/Claude) on macOS, C(%APPDATA%\Claude\logs) on
        Windows and C(~/.config/Claude/logs) on Linux, where C(~) is the home of O(user).
    type: path
  names:
    description:
      - Only entries of these servers. Default is all servers.
    type: list
    elements: str
  since:
    description:
      - Only entries at or after this time.
      - ISO 8601 (V(2026-01-03T11:39:20Z); a time without offset is UTC, like the logs) or relative to
        now (V(30m), V(1h), V(2 days), V(1 hour ago)).
      - Stderr output written before the first timestamped line of a file has no time and is left out
        when O(since) or O(until) is set.
    type: str
  until:
    description:
      - Only entries at or before this time; same forms as O(since), plus V(now).
    type: str
  level:
    description:
      - Minimum level of the returned entries.
    type: str
    choices: [debug, info, warn, error]
    default: debug
  pattern:
    description:
      - Python regular expression searched in the (masked) message; only matching entries are returned.
    type: str
  tail:
    description:
      - Only the last N matching entries. The files are then read from their end in growing windows,
        not whole.
      - With O(tail), RV(counts) and RV(errors_grouped) describe the returned entries, RV(lifecycle)
        the part of the files that was read, and RV(entries[].line) is null.
    type: int
  max_entries:
    description:
      - Most entries to return. When more match, the newest are kept and RV(truncated) is true;
        RV(counts) and RV(errors_grouped) still cover every matching entry.
    type: int
    default: 1000
  include_rotated:
    description:
      - Also read rotated files beside the current ones (C(mcp.old.log), C(mcp.log.1),
        C(mcp-server-<name>.old.log), and the same names ending in C(.gz)).
    type: bool
    default: false
  max_message_chars:
    description:
      - Longest message returned, in characters; the metadata of an entry has the same limit of its own.
      - A longer one keeps its head, cut before the word the limit falls into (so no part of a secret
        is left where masking could no longer recognise it), followed by
        C(… [truncated 149,999,000 characters]). A stderr block keeps its last line too (the exception
        of a traceback, which RV(errors_grouped) groups by).
      - Lines are read in bounded pieces, so one huge line (a server dumping a file into its log)
        costs neither its size in memory nor the time to build it as one string.
      - O(pattern) searches only the text that is kept.
    type: int
    default: 4096
notes:
  - C(Server started and connected successfully) is logged when the process is spawned, before the
    protocol handshake, so RV(lifecycle) V(connected) does not prove that the server answers.
  - JSON-RPC messages are only paired when O(level) lets C(info) entries through (the client logs
    them at C(info)).
seealso:
  - name: MCP debugging guide
    description: Where Claude Desktop writes its MCP logs and what the messages mean.
    link: https://modelcontextprotocol.io/docs/tools/debugging
'''

EXAMPLES = r'''
- name: Last 50 entries of the filesystem server
  mcpops.mcp.mcp_logs:
    names: [filesystem]
    tail: 50

- name: Errors of the last hour, all servers
  mcpops.mcp.mcp_logs:
    since: 1 hour ago
    level: error
  register: mcp_errors

- name: Errors counted by server
  ansible.builtin.debug:
    msg: "{{ mcp_errors.counts | dict2items | map(attribute='key') | zip(mcp_errors.counts | dict2items
             | map(attribute='value.ERROR')) | list }}"

- name: Slow operations (more than 5 seconds between request and response)
  mcpops.mcp.mcp_logs:
    names: [database]
    max_entries: 100000
  register: db_logs

- name: Show them
  ansible.builtin.debug:
    msg: "{{ db_logs.entries | selectattr('duration', 'number') | selectattr('duration', 'gt', 5000) | list }}"

- name: Search for timeouts as root in another user's logs
  mcpops.mcp.mcp_logs:
    user: alice
    pattern: '(?i)timed? ?out'
  become: true

- name: Servers that never started
  mcpops.mcp.mcp_logs:
    level: error
  register: mcp_logs

- name: List them
  ansible.builtin.debug:
    msg: "{{ mcp_logs.lifecycle | dict2items | selectattr('value.last_event', 'eq', 'never_started')
             | map(attribute='key') | list }}"
'''

RETURN = r'''
log_dir:
  description: The log directory that was read.
  returned: always
  type: str
  sample: /home/alice/.config/Claude/logs
exists:
  description: Whether the log directory exists. A host without logs gives V(false) and empty results.
  returned: always
  type: bool
  sample: true
entries:
  description:
    - Matching entries, oldest first (at most O(max_entries), the newest kept).
  returned: always
  type: list
  elements: dict
  contains:
    timestamp:
      description:
        - Time of the entry, ISO 8601 UTC with milliseconds.
        - Stderr output gets the time of the line before it; null when nothing came before it in its file.
      type: str
      sample: '2026-01-03T11:39:20.074Z'
    server:
      description: Server name; empty for the oldest lines that name no server.
      type: str
      sample: github
    level:
      description: One of V(ERROR), V(WARN), V(INFO), V(DEBUG).
      type: str
      sample: ERROR
    message:
      description:
        - The message, masked; several lines for continued messages and stderr blocks.
        - At most O(max_message_chars) characters and the note of how many were cut.
      type: str
      sample: Server disconnected. For troubleshooting guidance, please visit our debugging documentation
    metadata:
      description:
        - Raw metadata text after the message (may span lines), masked; null when absent or C(undefined).
        - At most O(max_message_chars) characters and the note of how many were cut.
      type: str
      sample: "{ metadata: { context: 'connection', stack: undefined } }"
    stream:
      description: V(log) for the client's own lines, V(stderr) for the server's raw stderr in its file.
      type: str
      sample: log
    method:
      description: JSON-RPC method of a C(Message from client/server) entry; for a response, its request's. Else null.
      type: str
      sample: tools/call
    duration:
      description: Milliseconds from the request to this response; null for other entries.
      type: int
      sample: 6200
    file:
      description: File the entry was read from.
      type: str
      sample: /home/alice/.config/Claude/logs/mcp.log
    line:
      description: Line number in that file (1-based); null with O(tail).
      type: int
      sample: 42
counts:
  description: Matching entries per server and level; every level key is always present.
  returned: always
  type: dict
  sample: {"github": {"ERROR": 2, "WARN": 0, "INFO": 31, "DEBUG": 0}}
errors_grouped:
  description:
    - Matching V(ERROR) entries grouped by message, with numbers, ids, times and paths normalised out;
      most frequent first. A traceback is grouped by its last line.
  returned: always
  type: list
  elements: dict
  contains:
    signature:
      description: The normalised message.
      type: str
      sample: "spawn npx ENOENT"
    count:
      description: How many entries share it.
      type: int
      sample: 3
    servers:
      description: Servers that logged it, sorted.
      type: list
      elements: str
      sample: [filesystem]
    first:
      description: Time of the first of them (null when unknown).
      type: str
      sample: '2026-01-03T11:42:00.020Z'
    last:
      description: Time of the last of them (null when unknown).
      type: str
      sample: '2026-01-03T11:42:00.020Z'
lifecycle:
  description:
    - Last lifecycle event per server, from every line of the selected servers and time range
      (whatever O(level) and O(pattern) say).
    - V(initializing) (C(Initializing server)), V(connected) (C(Server started and connected successfully)),
      V(disconnected) (C(Client transport closed), C(Server transport closed) with or without
      C(unexpectedly), or C(Server disconnected) after it had connected in that attempt; the first of
      these lines gives C(at)), V(never_started) (one of them before connecting, or
      C(spawn ... ENOENT)), V(stopped) (C(Shutting down server); the closing lines after it keep it).
  returned: always
  type: dict
  sample: {"filesystem": {"last_event": "never_started", "at": "2026-01-03T11:42:00.020Z", "message": "spawn npx ENOENT"}}
files:
  description:
    - Files read, with the bytes read from each (uncompressed for C(.gz)).
    - With O(tail), the bytes of the last window read from the end, never more than the file holds.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: File path.
      type: str
      sample: /home/alice/.config/Claude/logs/mcp.log
    bytes_read:
      description: Bytes read from it.
      type: int
      sample: 14680064
matched:
  description: Number of matching entries (before O(max_entries)); with O(tail), the number returned.
  returned: always
  type: int
  sample: 1520
truncated:
  description: True when more entries matched than O(max_entries) allows.
  returned: always
  type: bool
  sample: false
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mcpops.mcp.plugins.module_utils._common import context_or_fail, with_common
from ansible_collections.mcpops.mcp.plugins.module_utils._clients import ClientError
from ansible_collections.mcpops.mcp.plugins.module_utils._logs import MAX_MESSAGE_CHARS, LogsError, collect


def main():
    module = AnsibleModule(
        argument_spec=with_common(dict(
            log_dir=dict(type='path'),
            names=dict(type='list', elements='str'),
            since=dict(type='str'),
            until=dict(type='str'),
            level=dict(type='str', default='debug', choices=['debug', 'info', 'warn', 'error']),
            pattern=dict(type='str'),
            tail=dict(type='int'),
            max_entries=dict(type='int', default=1000),
            include_rotated=dict(type='bool', default=False),
            max_message_chars=dict(type='int', default=MAX_MESSAGE_CHARS),
        )),
        supports_check_mode=True,
    )
    ctx = context_or_fail(module)
    log_dir = module.params['log_dir']
    if not log_dir:
        try:
            log_dir = ctx.log_dir()
        except ClientError as exc:
            module.fail_json(msg=str(exc))
    try:
        result = collect(
            log_dir,
            names=module.params['names'],
            since=module.params['since'],
            until=module.params['until'],
            level=module.params['level'],
            pattern=module.params['pattern'],
            tail=module.params['tail'],
            max_entries=module.params['max_entries'],
            include_rotated=module.params['include_rotated'],
            max_message_chars=module.params['max_message_chars'],
        )
    except LogsError as exc:
        module.fail_json(msg=str(exc))
    except (IOError, OSError) as exc:
        module.fail_json(msg='Cannot read the logs in %s: %s.' % (log_dir, exc))
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
