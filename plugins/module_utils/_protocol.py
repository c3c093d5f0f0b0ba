# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small MCP client on the standard library: stdio and Streamable HTTP, both protocol eras.

probe_stdio() and probe_http() start (or reach) one server, find out which protocol era it
speaks, list its tools (all pages) within one deadline, shut it down and return a plain dict
of facts with a `reason` code.

Eras (MCP revision 2026-07-28, basic/versioning): a *modern* server takes per-request `_meta`
and answers `server/discover`; a *legacy* server (2025-11-25 and earlier) needs the
`initialize` handshake. On stdio the client probes with `server/discover` and falls back to
`initialize` on any error that is not a recognised modern error, or on silence within
PROBE_WINDOW; on HTTP it sends a modern request with `MCP-Protocol-Version` and falls back on
a 4xx without a modern JSON-RPC error body. A caller that remembers a server's era passes it
as `era=` and skips the probe; when the remembered era turns out wrong the other one is tried.

No process probe_stdio starts outlives the call: the server runs in its own session/process
group and the group, its session and every descendant seen while it ran are killed at the end
(or, with a Reaper, in a background thread the caller joins before it exits).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import os
import re
import select
import signal
import socket
import subprocess
import threading
import time

from urllib.error import URLError
from urllib.parse import urlsplit, urlunsplit
from urllib.request import HTTPErrorProcessor, Request, build_opener

from ansible_collections.mcpops.mcp.plugins.module_utils._commands import command_problem, locate_command

CLIENT_PROTOCOL_VERSION = '2025-11-25'
SUPPORTED_PROTOCOL_VERSIONS = ('2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05')
MODERN_PROTOCOL_VERSION = '2026-07-28'
MODERN_PROTOCOL_VERSIONS = (MODERN_PROTOCOL_VERSION,)
CLIENT_INFO = {'name': 'mcpops.mcp.mcp_health', 'version': '1.0.0'}
ERAS = ('modern', 'legacy')

# Error codes only a modern server sends (2026-07-28 basic/index, "Error Codes"): an answer with one of
# them identifies a modern server, so the client must not fall back to initialize.
HEADER_MISMATCH = -32020
MISSING_CLIENT_CAPABILITY = -32021
UNSUPPORTED_PROTOCOL_VERSION = -32022
MODERN_ERROR_CODES = {
    HEADER_MISMATCH: 'HeaderMismatch',
    MISSING_CLIENT_CAPABILITY: 'MissingRequiredClientCapability',
    UNSUPPORTED_PROTOCOL_VERSION: 'UnsupportedProtocolVersion',
}

# How long server/discover may go unanswered on stdio before initialize is sent as well (on the same
# process, so nothing is restarted). Measured here (bench/bench_health.py, "probe cost"): a started
# server answers server/discover in 1-20 ms (legacy npm servers with -32601, mcp-server-time with a
# DiscoverResult), while start-up itself takes 0.5-2.5 s. The window only matters for a legacy server
# that ignores unknown methods; sending initialize early is harmless for the others (a legacy server
# answers the probe and then initialize in order; a modern one answers the probe first and rejects
# initialize), so the window is short: 0.5 s covers a started server's answer 25 times over even on a
# loaded machine, and a silent legacy server pays at most this, less whatever its start-up already took.
PROBE_WINDOW = 0.5

# What the MCP SDKs' stdio clients pass from the host environment (get_default_environment()).
INHERITED_ENV_KEYS = ('HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER')

REASONS = ('ok', 'not_found', 'not_executable', 'exited', 'timeout', 'protocol_error', 'auth_required',
           'forbidden', 'missing_tools')

SHUTDOWN_GRACE = 1.0     # seconds a server gets to exit after stdin is closed, and after SIGTERM
STDERR_KEEP = 16384      # bytes of stderr kept for the tail
MAX_LINE = 64 * 1024 * 1024
MAX_PAGES = 10000
MAX_WARNED_LINES = 3
MAX_ERROR_BODY = 65536   # bytes of a 4xx body read to look for a JSON-RPC error
METADATA_LOOKUP_SECONDS = 2.0


class ProbeFailure(Exception):
    """Ends a check early with a reason code and one readable sentence (details: extra result keys)."""

    def __init__(self, reason, message, details=None):
        Exception.__init__(self, message)
        self.reason = reason
        self.message = message
        self.details = details or {}


class RpcError(ProbeFailure):
    """A JSON-RPC error answer; `error` is the error object as received."""

    def __init__(self, method, error):
        ProbeFailure.__init__(self, 'protocol_error', '%s failed: %s.' % (method, _error_text(error)))
        self.method = method
        self.error = error if isinstance(error, dict) else {}

    @property
    def code(self):
        code = self.error.get('code')
        return code if isinstance(code, int) and not isinstance(code, bool) else None

    @property
    def modern(self):
        return self.code in MODERN_ERROR_CODES


class HttpStatusFailure(ProbeFailure):
    """An HTTP error status; `error` is the JSON-RPC error object in its body, if any."""

    def __init__(self, reason, message, status, error=None, details=None):
        ProbeFailure.__init__(self, reason, message, details)
        self.status = status
        self.error = error if isinstance(error, dict) else None

    @property
    def modern(self):
        code = (self.error or {}).get('code')
        return code in MODERN_ERROR_CODES


class _Eof(Exception):
    pass


def _now():
    return time.monotonic()


def _ms(seconds):
    return int(round(seconds * 1000))


def _short(text, limit=120):
    text = text.strip()
    if len(text) > limit:
        return text[:limit - 3] + '...'
    return text


def new_result(name, transport):
    """The stable per-server shape; every key is always present."""
    return {
        'name': name,
        'transport': transport,
        'status': 'unhealthy',
        'reason': None,
        'message': None,
        'exit_code': None,
        'stderr_tail': None,
        'warnings': [],
        'latency_ms': None,
        'duration_ms': None,
        'era': None,
        'protocol_version': None,
        'server_info': {},
        'tools': [],
        'tool_count': None,
        'resource_metadata': None,
    }


# --------------------------------------------------------------------------------------------
# Environment and executable lookup


def server_environment(entry_env=None, secret_env=None, host_env=None, account=None):
    """HOME, LOGNAME, PATH, SHELL, TERM, USER from the host, then the entry's env, then secret_env.

    account: optional dict(home=, user=, shell=) of the user the server runs as; it replaces
    the host's HOME/USER/LOGNAME/SHELL so a server started with become sees its own user.
    """
    host_env = os.environ if host_env is None else host_env
    env = {}
    for key in INHERITED_ENV_KEYS:
        value = host_env.get(key)
        if value is not None:
            env[key] = value
    if account:
        if account.get('home'):
            env['HOME'] = account['home']
        if account.get('user'):
            env['USER'] = env['LOGNAME'] = account['user']
        if account.get('shell'):
            env['SHELL'] = account['shell']
    if 'PATH' not in env:
        env['PATH'] = os.defpath
    for source in (entry_env, secret_env):
        for key, value in (source or {}).items():
            if value is None:
                continue
            if isinstance(value, bool):
                value = 'true' if value else 'false'
            env[str(key)] = str(value)
    return env


def resolve_executable(command, path_value):
    """(path, None, None) for a runnable command, else (None, reason, message).

    The lookup is _commands.locate_command on the server's PATH (not ours), the way execvp would
    do it; the sentence comes from _commands too, so mcp_server and mcp_health say the same thing.
    """
    if not command or not isinstance(command, str):
        return None, 'not_found', 'the entry has no command.'
    path_value = path_value or os.defpath
    resolved, reason = locate_command(command, path_value)
    if reason is None:
        return resolved, None, None
    return None, reason, command_problem(command, reason, resolved, path_value)


# --------------------------------------------------------------------------------------------
# Process bookkeeping: who belongs to the server, and how to make sure they are gone


def _proc_table_linux():
    """pid -> (ppid, pgrp, session, starttime, state) for every process we can see."""
    table = {}
    try:
        names = os.listdir('/proc')
    except OSError:
        return table
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % name, 'rb') as handle:
                data = handle.read().decode('ascii', 'replace')
        except (IOError, OSError):
            continue
        # comm may contain spaces and parentheses: the fields start after the last ')'.
        fields = data[data.rfind(')') + 2:].split()
        try:
            table[int(name)] = (int(fields[1]), int(fields[2]), int(fields[3]), fields[19], fields[0])
        except (IndexError, ValueError):
            continue
    return table


def _proc_table_ps():
    """macOS/BSD: the same table from ps (session ids are not portable there: -1)."""
    table = {}
    try:
        out = subprocess.check_output(['ps', '-A', '-o', 'pid=,ppid=,pgid=,lstart=,stat='],
                                      stderr=subprocess.DEVNULL, env={'LC_ALL': 'C', 'PATH': '/bin:/usr/bin'})
    except (OSError, subprocess.CalledProcessError):
        return table
    for line in out.decode('ascii', 'replace').splitlines():
        parts = line.split()
        if len(parts) < 9:
            continue
        try:
            table[int(parts[0])] = (int(parts[1]), int(parts[2]), -1, ' '.join(parts[3:8]), parts[8][:1])
        except ValueError:
            continue
    return table


def process_table():
    if os.path.isdir('/proc/self') and os.path.exists('/proc/self/stat'):
        return _proc_table_linux()
    return _proc_table_ps()


class ProcessTree(object):
    """Everything that belongs to one server: its group, its session and all descendants seen."""

    def __init__(self, leader_pid):
        self.leader = leader_pid
        self.known = {}  # pid -> starttime: identity so a reused pid is never signalled

    def snapshot(self):
        """Record current members; returns the set of live member pids (zombies excluded)."""
        table = process_table()
        children = {}
        for pid, row in table.items():
            children.setdefault(row[0], []).append(pid)
        members = set()
        for pid, row in table.items():
            if row[1] == self.leader or row[2] == self.leader:
                members.add(pid)
        stack = [self.leader] + list(p for p in self.known if p in table and table[p][3] == self.known[p])
        while stack:
            pid = stack.pop()
            for child in children.get(pid, ()):
                if child not in members:
                    members.add(child)
                    stack.append(child)
        if self.leader in table:
            members.add(self.leader)
        for pid in members:
            self.known.setdefault(pid, table[pid][3])
        alive = set()
        for pid, start in self.known.items():
            row = table.get(pid)
            if row is not None and row[3] == start and row[4] not in ('Z', 'X'):
                alive.add(pid)
        alive.discard(os.getpid())
        alive.discard(1)
        return alive

    def signal_all(self, sig, alive):
        try:
            os.killpg(self.leader, sig)
        except (OSError, ProcessLookupError):
            pass
        for pid in alive:
            try:
                os.kill(pid, sig)
            except (OSError, ProcessLookupError):
                pass


def terminate(proc, tree, graceful, channel=None):
    """Stop the server and everything it started. graceful: close stdin and wait first.

    Returns the exit code of the server process (negative: killed by that signal).
    """
    if graceful and proc.poll() is None:
        _close_stdin(proc)
        end = _now() + SHUTDOWN_GRACE
        while proc.poll() is None and _now() < end:
            if channel is not None and (channel.out_open or channel.err_open):
                # Keep reading: a server blocked on a full stderr pipe could not exit.
                channel.pump_until(min(end, _now() + 0.05))
            else:
                time.sleep(0.01)
    alive = tree.snapshot()
    if proc.poll() is None:
        alive.add(proc.pid)
    if alive:
        tree.signal_all(signal.SIGTERM, alive)
        end = _now() + SHUTDOWN_GRACE
        while alive and _now() < end:
            time.sleep(0.02)
            proc.poll()
            alive = tree.snapshot()
            if proc.poll() is None:
                alive.add(proc.pid)
        if alive:
            tree.signal_all(signal.SIGKILL, alive)
            end = _now() + SHUTDOWN_GRACE
            while alive and _now() < end:
                time.sleep(0.01)
                proc.poll()
                alive = tree.snapshot()
                if proc.poll() is None:
                    alive.add(proc.pid)
    _close_stdin(proc)
    _wait(proc, SHUTDOWN_GRACE)
    for stream in (proc.stdout, proc.stderr):
        try:
            stream.close()
        except (OSError, ValueError):
            pass
    return proc.returncode


def _close_stdin(proc):
    try:
        proc.stdin.close()
    except (OSError, ValueError):
        pass


def _wait(proc, seconds):
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        pass


# --------------------------------------------------------------------------------------------
# JSON-RPC over stdio


class StdioChannel(object):
    """Newline-delimited JSON-RPC on a child's stdin/stdout, with stderr drained alongside."""

    def __init__(self, proc, strict_stdout, warnings):
        self.proc = proc
        self.strict = strict_stdout
        self.warnings = warnings
        self.out_fd = proc.stdout.fileno()
        self.err_fd = proc.stderr.fileno()
        for fd in (self.out_fd, self.err_fd):
            os.set_blocking(fd, False)
        self.out_buf = b''
        self.err_tail = b''
        self.out_open = True
        self.err_open = True
        self.lines_seen = 0
        self.non_json = 0

    def send(self, message):
        data = (json.dumps(message, separators=(',', ':')) + '\n').encode('utf-8')
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (OSError, ValueError):
            raise _Eof()

    def _pump(self, deadline):
        """Read whatever is ready until deadline; False when the deadline passed first."""
        fds = [fd for fd, is_open in ((self.out_fd, self.out_open), (self.err_fd, self.err_open)) if is_open]
        if not fds:
            return True
        remaining = deadline - _now()
        if remaining <= 0:
            return False
        try:
            ready, _w, _x = select.select(fds, [], [], remaining)
        except (OSError, ValueError) as exc:
            if getattr(exc, 'errno', None) == errno.EINTR:
                return True
            raise
        if not ready:
            return False
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                chunk = b''
            if fd == self.out_fd:
                if chunk:
                    self.out_buf += chunk
                    if len(self.out_buf) > MAX_LINE and b'\n' not in self.out_buf:
                        raise ProbeFailure('protocol_error', 'the server wrote more than %d MB on stdout without '
                                           'a newline.' % (MAX_LINE // (1024 * 1024)))
                else:
                    self.out_open = False
            else:
                if chunk:
                    self.err_tail = (self.err_tail + chunk)[-STDERR_KEEP:]
                else:
                    self.err_open = False
        return True

    def receive(self, deadline):
        """The next JSON-RPC message (dict or list); raises _Eof or returns None at the deadline."""
        while True:
            while b'\n' in self.out_buf:
                line, self.out_buf = self.out_buf.split(b'\n', 1)
                message = self._decode(line)
                if message is not None:
                    return message
            if not self.out_open:
                if self.out_buf.strip():
                    line, self.out_buf = self.out_buf, b''
                    message = self._decode(line)
                    if message is not None:
                        return message
                raise _Eof()
            if not self._pump(deadline):
                return None

    def _decode(self, line):
        text = line.decode('utf-8', 'replace').strip()
        if not text:
            return None
        self.lines_seen += 1
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        if isinstance(message, (dict, list)):
            return message
        self.non_json += 1
        if self.strict:
            raise ProbeFailure('protocol_error', 'stdout line %d is not JSON-RPC: %r; stdout must carry only '
                               'JSON-RPC messages (strict_stdout).' % (self.lines_seen, _short(text, 80)))
        if self.non_json <= MAX_WARNED_LINES:
            self.warnings.append('stdout line %d is not JSON-RPC and was ignored: %r (a client with a strict '
                                 'parser may fail on it).' % (self.lines_seen, _short(text, 80)))
        return None

    def pump_until(self, deadline):
        self._pump(deadline)

    def drain(self, seconds):
        """Collect remaining stdout/stderr after the server ended (bounded)."""
        end = _now() + seconds
        while (self.out_open or self.err_open) and _now() < end:
            if not self._pump(end):
                break

    def stderr_tail(self):
        return self.err_tail.decode('utf-8', 'replace')


# --------------------------------------------------------------------------------------------
# The protocol itself, over any channel with request()/notify()


def _check_jsonrpc(message):
    if not isinstance(message, dict):
        raise ProbeFailure('protocol_error', 'invalid JSON-RPC: expected an object, got %s.'
                           % _short(json.dumps(message), 80))
    if message.get('jsonrpc') != '2.0':
        raise ProbeFailure('protocol_error', 'invalid JSON-RPC: message without "jsonrpc": "2.0": %s.'
                           % _short(json.dumps(message), 80))
    if 'method' not in message and 'result' not in message and 'error' not in message:
        raise ProbeFailure('protocol_error', 'invalid JSON-RPC: neither a request nor a response: %s.'
                           % _short(json.dumps(message), 80))


def _error_text(error):
    if isinstance(error, dict):
        return 'error %s: %s' % (error.get('code'), _short(str(error.get('message', '')), 200))
    return 'error %s' % _short(json.dumps(error), 200)


def modern_meta(version=MODERN_PROTOCOL_VERSION):
    """The `_meta` every modern request carries: protocol version, client identity and capabilities."""
    return {
        'io.modelcontextprotocol/protocolVersion': version,
        'io.modelcontextprotocol/clientInfo': dict(CLIENT_INFO),
        'io.modelcontextprotocol/clientCapabilities': {},
    }


def initialize_params():
    return {'protocolVersion': CLIENT_PROTOCOL_VERSION, 'capabilities': {}, 'clientInfo': dict(CLIENT_INFO)}


def _server_info(info):
    if isinstance(info, dict):
        return {'name': info.get('name'), 'version': info.get('version')}
    return None


def validate_initialize(result, warnings):
    """(protocol_version, server_info, has_tools) from an initialize result, or ProbeFailure."""
    if not isinstance(result, dict):
        raise ProbeFailure('protocol_error', 'initialize result is not an object.')
    version = result.get('protocolVersion')
    if version not in SUPPORTED_PROTOCOL_VERSIONS:
        raise ProbeFailure('protocol_error', 'the server answered protocol version %s, which is not supported '
                           '(supported: %s).' % (json.dumps(version), ', '.join(SUPPORTED_PROTOCOL_VERSIONS)))
    server_info, has_tools = _identity_and_tools(result, _server_info(result.get('serverInfo')), 'initialize', warnings)
    return version, server_info, has_tools


def _identity_and_tools(result, server_info, method, warnings):
    """(server_info, has_tools) of a handshake result of either era; a missing part is a warning, not a failure."""
    if server_info is None:
        warnings.append('%s result has no serverInfo.' % method)
        server_info = {}
    capabilities = result.get('capabilities')
    if not isinstance(capabilities, dict):
        warnings.append('%s result has no capabilities object.' % method)
        capabilities = {}
    return server_info, 'tools' in capabilities


def _check_result_type(result, method):
    """Modern results carry resultType; absent means complete (older servers), anything else is not ours."""
    kind = result.get('resultType', 'complete')
    if kind != 'complete':
        raise ProbeFailure('protocol_error', '%s answered resultType %s; a health check only accepts "complete".'
                           % (method, json.dumps(kind)))


def validate_discover(result, warnings):
    """(protocol_version, server_info, has_tools) from a server/discover result, or ProbeFailure.

    Identity is read from _meta["io.modelcontextprotocol/serverInfo"], else from a serverInfo field.
    """
    if not isinstance(result, dict):
        raise ProbeFailure('protocol_error', 'server/discover result is not an object.')
    _check_result_type(result, 'server/discover')
    supported = result.get('supportedVersions')
    if not isinstance(supported, list):
        raise ProbeFailure('protocol_error', 'server/discover result has no supportedVersions list.')
    version = next((v for v in MODERN_PROTOCOL_VERSIONS if v in supported), None)
    if version is None:
        raise ProbeFailure('protocol_error', 'the server supports protocol versions %s, none of which this client '
                           'speaks (%s).' % (json.dumps(supported), ', '.join(MODERN_PROTOCOL_VERSIONS
                                                                              + SUPPORTED_PROTOCOL_VERSIONS)))
    meta = result.get('_meta') if isinstance(result.get('_meta'), dict) else {}
    server_info = _server_info(meta.get('io.modelcontextprotocol/serverInfo'))
    if server_info is None:
        server_info = _server_info(result.get('serverInfo'))
    server_info, has_tools = _identity_and_tools(result, server_info, 'server/discover', warnings)
    return version, server_info, has_tools


def _is_discover_result(result):
    """A modern server's answer to server/discover (anything else came from a server of the other era)."""
    return isinstance(result, dict) and isinstance(result.get('supportedVersions'), list)


def _legacy_version_offered(error):
    """A legacy version we speak from an UnsupportedProtocolVersion error's data.supported, else None."""
    data = error.get('data') if isinstance(error, dict) else None
    supported = data.get('supported') if isinstance(data, dict) else None
    if not isinstance(supported, list):
        return None
    return next((v for v in SUPPORTED_PROTOCOL_VERSIONS if v in supported), None)


def _modern_refusal(method, error):
    """ProbeFailure for a modern error that leaves nothing to retry."""
    code = error.get('code')
    text = _error_text(error)
    if code == UNSUPPORTED_PROTOCOL_VERSION:
        data = error.get('data') if isinstance(error.get('data'), dict) else {}
        return ProbeFailure('protocol_error', '%s failed: %s; the server supports %s, this client speaks %s.'
                            % (method, text, json.dumps(data.get('supported')),
                               ', '.join(MODERN_PROTOCOL_VERSIONS + SUPPORTED_PROTOCOL_VERSIONS)))
    return ProbeFailure('protocol_error', '%s failed: %s (%s).' % (method, text, MODERN_ERROR_CODES.get(code)))


def tool_names(result, page):
    if not isinstance(result, dict) or not isinstance(result.get('tools'), list):
        raise ProbeFailure('protocol_error', 'tools/list page %d has no "tools" list.' % page)
    names = []
    for tool in result['tools']:
        if not isinstance(tool, dict) or not isinstance(tool.get('name'), str):
            raise ProbeFailure('protocol_error', 'tools/list page %d has a tool without a name.' % page)
        names.append(tool['name'])
    cursor = result.get('nextCursor')
    if cursor is not None and not isinstance(cursor, str):
        raise ProbeFailure('protocol_error', 'tools/list page %d has a nextCursor that is not a string.' % page)
    return names, cursor or None


def list_tools(request, result, has_tools, meta=None):
    """tools/list, every page, in the chosen era (meta: the modern _meta, None for legacy).

    Fills result (tools, tool_count) and returns the tool count.
    """
    tools = []
    if not has_tools:
        result['warnings'].append('the server does not declare the tools capability; tools/list was not called.')
    else:
        cursor = None
        seen = set()
        page = 1
        while True:
            params = {'cursor': cursor} if cursor is not None else {}
            if meta is not None:
                params['_meta'] = meta
            page_result = request('tools/list', params, 'tools/list page %d' % page)
            if meta is not None and isinstance(page_result, dict):
                _check_result_type(page_result, 'tools/list')
            names, cursor = tool_names(page_result, page)
            tools.extend(names)
            if cursor is None:
                break
            if cursor in seen or page >= MAX_PAGES:
                raise ProbeFailure('protocol_error', 'tools/list pagination does not end (cursor %s repeats or '
                                   'more than %d pages).' % (json.dumps(cursor), MAX_PAGES))
            seen.add(cursor)
            page += 1
    result['tools'] = tools
    result['tool_count'] = len(tools)
    return len(tools)


def _opened(result, started, era, validated):
    """Record what the era-deciding answer said; returns has_tools."""
    version, server_info, has_tools = validated
    result['latency_ms'] = _ms(_now() - started)
    result.update(era=era, protocol_version=version, server_info=server_info)
    return has_tools


def run_handshake(request, notify, result, started):
    """The legacy sequence alone: initialize, notifications/initialized, tools/list (all pages)."""
    init = request('initialize', initialize_params(), 'initialize')
    has_tools = _opened(result, started, 'legacy', validate_initialize(init, result['warnings']))
    notify('notifications/initialized')
    list_tools(request, result, has_tools)


def _finish_open(rpc, result, era, has_tools):
    """Finish the handshake in the era and list the tools; returns the tool count."""
    if era == 'legacy':
        rpc.notify('notifications/initialized')
        return list_tools(rpc.request, result, has_tools)
    return list_tools(rpc.request, result, has_tools, modern_meta(result['protocol_version']))


def open_stdio(rpc, result, started, era=None):
    """Decide the era on one stdio process, fill era/protocol_version/server_info/latency; returns has_tools.

    era=None probes: server/discover first and, if it is still unanswered after PROBE_WINDOW, initialize
    too (pipelined on the same process). The first answer that settles the era wins: a DiscoverResult
    (modern), a successful initialize (legacy), or a non-modern error to the probe (legacy: wait for
    initialize). era='legacy' (remembered) sends only initialize, and probes only when initialize is
    refused. A remembered 'modern' changes nothing on stdio: server/discover is the modern server's
    first request anyway (it carries the identity), and the window still catches a server that has
    gone back to legacy.
    """
    pending = {}  # request id -> 'discover' | 'initialize'
    state = {'discover': None, 'initialize': None}  # None: not sent; 'sent'; or 'failed'
    failures = {}  # 'discover' | 'initialize' -> the RpcError its request got

    def send(kind):
        if kind == 'discover':
            msg_id = rpc.send_request('server/discover', {'_meta': modern_meta()})
        else:
            msg_id = rpc.send_request('initialize', initialize_params())
        pending[msg_id] = kind
        state[kind] = 'sent'

    send('initialize' if era == 'legacy' else 'discover')
    window_end = min(rpc.deadline, _now() + PROBE_WINDOW) if era != 'legacy' else None
    while True:
        if window_end is not None and state['initialize'] is None:
            until = window_end
        else:
            until = rpc.deadline
        got = rpc.wait(set(pending), until)
        if got is None:
            if until < rpc.deadline:
                send('initialize')  # silence within the probe window: a legacy server may ignore the probe
                continue
            asked = ' or '.join(('server/discover' if k == 'discover' else 'initialize') for k in sorted(set(pending.values())))
            raise ProbeFailure('timeout', 'no answer to %s within the %s s timeout.' % (asked or 'the handshake',
                                                                                        _fmt_s(rpc.timeout)))
        msg_id, message = got
        kind = pending.pop(msg_id)
        if kind == 'discover':
            if 'error' not in message and _is_discover_result(message.get('result')):
                return _opened(result, started, 'modern', validate_discover(message.get('result'), result['warnings']))
            # An error, or a lenient legacy server's "result" for a method it does not know.
            failure = RpcError('server/discover', message.get('error') or {'message': 'not a DiscoverResult'})
            state['discover'] = 'failed'
            failures['discover'] = failure
            if failure.modern and not (failure.code == UNSUPPORTED_PROTOCOL_VERSION
                                       and _legacy_version_offered(failure.error)):
                raise _modern_refusal('server/discover', failure.error)
            # Not a modern answer (or a modern server that offers a legacy version): initialize decides.
            if state['initialize'] is None:
                send('initialize')
            elif state['initialize'] == 'failed':
                raise failures['initialize']
        else:
            if 'error' not in message:
                return _opened(result, started, 'legacy', validate_initialize(message.get('result'), result['warnings']))
            failure = RpcError('initialize', message['error'])
            state['initialize'] = 'failed'
            failures['initialize'] = failure
            if state['discover'] == 'sent':
                continue  # the probe is still out: a modern server rejects initialize, its answer decides
            if state['discover'] is None:
                send('discover')  # remembered as legacy, but initialize fails: is it modern now?
                continue
            raise failure


class _StdioRpc(object):
    def __init__(self, channel, deadline, timeout):
        self.channel = channel
        self.deadline = deadline
        self.timeout = timeout
        self.next_id = 1

    def notify(self, method, params=None):
        message = {'jsonrpc': '2.0', 'method': method}
        if params is not None:
            message['params'] = params
        self.channel.send(message)

    def send_request(self, method, params):
        msg_id = self.next_id
        self.next_id += 1
        self.channel.send({'jsonrpc': '2.0', 'id': msg_id, 'method': method, 'params': params})
        return msg_id

    def wait(self, ids, until):
        """(id, message) of the next answer to one of ids, or None once `until` has passed."""
        while True:
            incoming = self.channel.receive(until)
            if incoming is None:
                return None
            batch = incoming if isinstance(incoming, list) else [incoming]
            for message in batch:
                _check_jsonrpc(message)
                if 'method' in message:
                    self._answer_server(message)
                    continue
                if message.get('id') not in ids:
                    continue  # a late answer to something else: not ours to judge
                return message['id'], message

    def request(self, method, params, phase):
        msg_id = self.send_request(method, params)
        got = self.wait({msg_id}, self.deadline)
        if got is None:
            raise ProbeFailure('timeout', 'no answer to %s within the %s s timeout.' % (phase, _fmt_s(self.timeout)))
        message = got[1]
        if 'error' in message:
            raise RpcError(method, message['error'])
        return message.get('result')

    def _answer_server(self, message):
        """Server-to-client requests: answer ping, refuse the rest; notifications need nothing."""
        if 'id' not in message:
            return
        if message['method'] == 'ping':
            self.channel.send({'jsonrpc': '2.0', 'id': message['id'], 'result': {}})
        else:
            self.channel.send({'jsonrpc': '2.0', 'id': message['id'],
                               'error': {'code': -32601, 'message': 'Method not found'}})


def _fmt_s(seconds):
    return ('%g' % seconds) if seconds is not None else '?'


def _exit_text(code):
    if code is None:
        return 'closed its stdout without exiting'
    if code < 0:
        try:
            return 'was killed by signal %s' % signal.Signals(-code).name
        except ValueError:
            return 'was killed by signal %d' % -code
    return 'exited with code %d' % code


class Reaper(object):
    """Server shutdowns that run beside the caller instead of in front of its result.

    start(fn) runs fn in a non-daemon thread; join() waits for all of them. A caller reports its
    result first and joins after, so no server outlives the caller either way (and as non-daemon
    threads they are waited for at interpreter exit even if the caller never joins).
    """

    def __init__(self):
        self.threads = []
        self.lock = threading.Lock()

    def start(self, func):
        thread = threading.Thread(target=func, name='mcp-reap')
        thread.daemon = False
        with self.lock:
            self.threads.append(thread)
        thread.start()

    def join(self, timeout=None):
        end = None if timeout is None else _now() + timeout
        while True:
            with self.lock:
                alive = [t for t in self.threads if t.is_alive()]
            if not alive:
                return True
            if end is not None and _now() >= end:
                return False
            alive[0].join(None if end is None else max(0.0, end - _now()))


def probe_stdio(name, command, args=None, env=None, timeout=15.0, strict_stdout=False, cwd=None, account=None,
                era=None):
    """Start one stdio server, run the handshake within `timeout` seconds, stop it. Returns a result dict.

    env is the complete environment (see server_environment()). account: optional dict with
    uid/gid to run the server as (needs root). era: the server's remembered era ('modern' or
    'legacy') to skip the probe, None to probe.
    """
    _result, finish = start_probe_stdio(name, command, args, env, timeout, strict_stdout, cwd, account, era)
    return finish()


def finished(result):
    """finish() for a check that ended before any process ran: returns result."""
    return lambda reaper=None: result


def start_probe_stdio(name, command, args=None, env=None, timeout=15.0, strict_stdout=False, cwd=None, account=None,
                      era=None):
    """Like probe_stdio() but stops after the handshake: returns (result, finish).

    finish(reaper=None) shuts the server down (graceful when the handshake completed), fills
    exit_code, stderr_tail and duration_ms, and returns the result. It must always be called;
    callers run it off their worker slot so a server's 1-2 s of shutdown does not hold up the next
    start. With a Reaper, a server still running is stopped in the reaper's thread and the result
    (stderr as of now) is returned at once; the caller joins the reaper before it exits.
    """
    result = new_result(name, 'stdio')
    started = _now()
    deadline = started + float(timeout)
    env = dict(env if env is not None else server_environment())
    args = [str(a) for a in (args or [])]
    executable, reason, message = resolve_executable(command, env.get('PATH'))
    if executable is None:
        result.update(reason=reason, message=message, duration_ms=_ms(_now() - started))
        return result, finished(result)
    if cwd is None:
        cwd = env.get('HOME') if env.get('HOME') and os.path.isdir(env.get('HOME')) else '/'
    kwargs = {}
    if account and account.get('uid') is not None and os.geteuid() == 0 and account.get('uid') != os.geteuid():
        kwargs.update(user=account['uid'], group=account.get('gid'), extra_groups=[])
    try:
        proc = subprocess.Popen([command] + args, executable=executable, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                                close_fds=True, start_new_session=True, **kwargs)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            reason, message = 'not_found', ('%s could not be started: %s (a missing interpreter in its #! line?).'
                                            % (executable, exc.strerror))
        elif exc.errno in (errno.EACCES, errno.ENOEXEC, errno.EPERM):
            reason, message = 'not_executable', '%s could not be started: %s.' % (executable, exc.strerror)
        else:
            reason, message = 'exited', '%s could not be started: %s.' % (executable, exc)
        result.update(reason=reason, message=message, duration_ms=_ms(_now() - started))
        return result, finished(result)
    tree = ProcessTree(proc.pid)
    channel = StdioChannel(proc, strict_stdout, result['warnings'])
    rpc = _StdioRpc(channel, deadline, timeout)
    graceful = False
    try:
        has_tools = open_stdio(rpc, result, started, era)
        tool_count = _finish_open(rpc, result, result['era'], has_tools)
        result.update(status='healthy', reason='ok', message='%s handshake complete (protocol %s), %d tools.'
                      % (result['era'], result['protocol_version'], tool_count))
        graceful = True
    except ProbeFailure as exc:
        result.update(reason=exc.reason, message=exc.message)
    except _Eof:
        channel.drain(min(0.5, max(0.05, deadline - _now())))
        _wait(proc, 0.5)
        code = proc.poll()
        result.update(reason='exited', exit_code=code,
                      message='the server %s before the handshake completed.' % _exit_text(code))
    except BaseException:
        terminate(proc, tree, False, channel)
        raise
    tree.snapshot()

    def collect():
        if channel.non_json > MAX_WARNED_LINES:
            result['warnings'].append('%d more non-JSON stdout lines were ignored.'
                                      % (channel.non_json - MAX_WARNED_LINES))
        tail = channel.stderr_tail()
        result['stderr_tail'] = tail if tail.strip() else None
        result['duration_ms'] = _ms(_now() - started)
        return result

    def finish(reaper=None):
        if reaper is not None and proc.poll() is None:
            # Still running: report now, stop it beside the caller. The pipes are no longer read here,
            # so terminate() keeps draining them (a server blocked on a full stderr pipe could not exit).
            collect()
            channel.warnings = []  # the result is out: late stdout lines must not change it under the caller
            reaper.start(lambda: terminate(proc, tree, graceful, channel))
            return result
        try:
            terminate(proc, tree, graceful, channel)
        finally:
            if result['reason'] == 'exited' and result['exit_code'] is None:
                result['exit_code'] = proc.returncode
        return collect()
    return result, finish


# --------------------------------------------------------------------------------------------
# Streamable HTTP


class _NoRaise(HTTPErrorProcessor):
    """Return 4xx/5xx responses instead of raising, so the body and headers can be read."""

    def http_response(self, request, response):
        return response

    https_response = http_response


def _bound_read(response, deadline):
    """Make the next socket read give up at the deadline (the open() timeout is per read, not overall)."""
    try:
        response.fp.raw._sock.settimeout(max(0.01, deadline - _now()))
    except (AttributeError, OSError, ValueError):
        pass


def _sse_messages(response, deadline):
    """Yield JSON payloads of a text/event-stream response until it ends or the deadline passes."""
    data_lines = []
    while _now() < deadline:
        _bound_read(response, deadline)
        line = response.readline()
        if not line:
            break
        line = line.decode('utf-8', 'replace').rstrip('\r\n')
        if not line:
            if data_lines:
                payload = '\n'.join(data_lines)
                data_lines = []
                if not payload.strip():
                    continue  # a priming event (id only, empty data) for resumability
                try:
                    yield json.loads(payload)
                except ValueError:
                    raise ProbeFailure('protocol_error', 'an SSE event carries data that is not JSON: %r.'
                                       % _short(payload, 80))
            continue
        if line.startswith(':'):
            continue
        field, _sep, value = line.partition(':')
        if value.startswith(' '):
            value = value[1:]
        if field == 'data':
            data_lines.append(value)


_RESOURCE_METADATA_RE = re.compile(r'resource_metadata\s*=\s*(?:"([^"]*)"|([^\s,]+))', re.I)
_AUTH_PARAM_RE = re.compile(r'\b(error|error_description|scope)\s*=\s*(?:"([^"]*)"|([^\s,]+))', re.I)


def _jsonrpc_error_in(text):
    """The JSON-RPC error object in an HTTP error body, or None."""
    try:
        payload = json.loads(text)
    except ValueError:
        return None
    if isinstance(payload, list) and len(payload) == 1:
        payload = payload[0]
    if isinstance(payload, dict) and isinstance(payload.get('error'), dict) and 'code' in payload['error']:
        return payload['error']
    return None


def well_known_metadata_urls(url):
    """Where RFC 9728 puts protected resource metadata for url: path-suffixed first, then the root."""
    parts = urlsplit(url)
    path = parts.path.rstrip('/')
    urls = []
    if path:
        urls.append(urlunsplit((parts.scheme, parts.netloc, '/.well-known/oauth-protected-resource' + path, '', '')))
    urls.append(urlunsplit((parts.scheme, parts.netloc, '/.well-known/oauth-protected-resource', '', '')))
    return urls


class _HttpRpc(object):
    def __init__(self, url, headers, deadline, timeout):
        self.url = url
        self.headers = dict(headers or {})
        self.deadline = deadline
        self.timeout = timeout
        self.session_id = None
        self.protocol_version = None
        self.modern = False
        self.opener = build_opener(_NoRaise)
        self.next_id = 1

    def _timeout(self, phase):
        return ProbeFailure('timeout', 'no answer to %s within the %s s timeout.' % (phase, _fmt_s(self.timeout)))

    def _post(self, message, phase):
        remaining = self.deadline - _now()
        if remaining <= 0:
            raise self._timeout(phase)
        headers = {'Content-Type': 'application/json', 'Accept': 'application/json, text/event-stream'}
        headers.update(self.headers)
        if self.session_id:
            headers['Mcp-Session-Id'] = self.session_id
        if self.protocol_version:
            headers['MCP-Protocol-Version'] = self.protocol_version
        if self.modern and 'method' in message:
            headers['Mcp-Method'] = message['method']
        body = json.dumps(message).encode('utf-8')
        req = Request(self.url, data=body, headers=headers, method='POST')
        try:
            return self.opener.open(req, timeout=remaining)
        except (socket.timeout, TimeoutError):
            raise self._timeout(phase)
        except URLError as exc:
            reason = getattr(exc, 'reason', exc)
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise self._timeout(phase)
            if isinstance(reason, (ConnectionRefusedError, socket.gaierror)):
                raise ProbeFailure('not_found', 'cannot reach %s: %s.' % (self.url, reason))
            raise ProbeFailure('protocol_error', 'cannot reach %s: %s.' % (self.url, reason))
        except (OSError, ValueError) as exc:
            raise ProbeFailure('protocol_error', 'cannot reach %s: %s.' % (self.url, exc))

    def _metadata_from_well_known(self):
        """URL of a protected resource metadata document the server publishes, or None (bounded lookup)."""
        end = min(self.deadline, _now() + METADATA_LOOKUP_SECONDS)
        for candidate in well_known_metadata_urls(self.url):
            remaining = end - _now()
            if remaining <= 0:
                return None
            try:
                response = self.opener.open(Request(candidate, headers={'Accept': 'application/json'}, method='GET'),
                                            timeout=remaining)
            except Exception:  # pylint: disable=broad-except
                continue
            try:
                if response.status != 200:
                    continue
                _bound_read(response, end)
                document = json.loads(response.read(MAX_ERROR_BODY).decode('utf-8'))
            except (ValueError, OSError, UnicodeDecodeError, socket.timeout):
                continue
            finally:
                response.close()
            if isinstance(document, dict) and ('resource' in document or 'authorization_servers' in document):
                return candidate
        return None

    def _auth_failure(self, response, phase, detail):
        challenge = response.headers.get('WWW-Authenticate') or ''
        match = _RESOURCE_METADATA_RE.search(challenge)
        metadata = (match.group(1) or match.group(2)) if match else None
        if not metadata:
            metadata = self._metadata_from_well_known()
        params = dict((m.group(1).lower(), m.group(2) or m.group(3)) for m in _AUTH_PARAM_RE.finditer(challenge))
        sent = any(k.lower() == 'authorization' for k in self.headers)
        if sent:
            what = 'the Authorization header was refused'
        else:
            what = 'the server needs OAuth authorization and no Authorization header was sent'
        if params.get('error'):
            what += ' (%s%s)' % (params['error'], ': ' + _short(params['error_description'], 100)
                                 if params.get('error_description') else '')
        where = ('; its protected resource metadata is at %s' % metadata) if metadata else ''
        return HttpStatusFailure('auth_required', 'HTTP 401 from %s for %s: %s%s; pass a valid token in headers '
                                 '(Authorization: Bearer ...)%s.' % (self.url, phase, what, where, detail),
                                 401, details={'resource_metadata': metadata})

    def _status_failure(self, response, phase):
        code = response.status
        try:
            text = response.read(MAX_ERROR_BODY).decode('utf-8', 'replace')
        except (OSError, ValueError, socket.timeout):
            text = ''
        error = _jsonrpc_error_in(text) if text.strip() else None
        if error is not None:
            detail = ' (%s)' % _error_text(error)
        else:
            detail = ' (%s)' % _short(text, 120) if text.strip() else ''
        if code == 401:
            return self._auth_failure(response, phase, detail)
        if code == 403:
            return HttpStatusFailure('forbidden', 'HTTP 403 from %s for %s: the server refuses this client%s; '
                                     'it may reject the request\'s Origin (DNS-rebinding protection) or the '
                                     'credentials in headers lack permission.' % (self.url, phase, detail), 403, error)
        if code == 404 and phase == 'initialize':
            return HttpStatusFailure('not_found', 'HTTP 404 from %s for %s: no MCP endpoint at this URL%s.'
                                     % (self.url, phase, detail), 404, error)
        if code == 405:
            return HttpStatusFailure('protocol_error', 'HTTP 405 from %s for %s: the server does not accept POST '
                                     '(an old SSE-only server?)%s.' % (self.url, phase, detail), 405, error)
        return HttpStatusFailure('protocol_error', 'HTTP %d from %s for %s%s.' % (code, self.url, phase, detail),
                                 code, error)

    def notify(self, method, params=None):
        message = {'jsonrpc': '2.0', 'method': method}
        if params is not None:
            message['params'] = params
        response = self._post(message, method)
        try:
            if response.status >= 400:
                raise self._status_failure(response, method)
        finally:
            response.close()

    def request(self, method, params, phase):
        msg_id = self.next_id
        self.next_id += 1
        response = self._post({'jsonrpc': '2.0', 'id': msg_id, 'method': method, 'params': params}, phase)
        try:
            if response.status >= 400:
                raise self._status_failure(response, phase)
            session = response.headers.get('Mcp-Session-Id')
            if session and method == 'initialize':
                self.session_id = session
            ctype = (response.headers.get('Content-Type') or '').split(';')[0].strip().lower()
            try:
                if ctype == 'text/event-stream':
                    messages = _sse_messages(response, self.deadline)
                elif ctype == 'application/json':
                    _bound_read(response, self.deadline)
                    try:
                        payload = json.loads(response.read().decode('utf-8'))
                    except ValueError:
                        raise ProbeFailure('protocol_error', 'the %s response body is not JSON.' % phase)
                    messages = payload if isinstance(payload, list) else [payload]
                else:
                    raise ProbeFailure('protocol_error', 'the %s response has Content-Type %r, expected '
                                       'application/json or text/event-stream.' % (phase, ctype or None))
                for message in messages:
                    for item in (message if isinstance(message, list) else [message]):
                        _check_jsonrpc(item)
                        if 'method' in item or item.get('id') != msg_id:
                            continue
                        if 'error' in item:
                            raise RpcError(method, item['error'])
                        if method == 'initialize' and isinstance(item.get('result'), dict):
                            version = item['result'].get('protocolVersion')
                            if isinstance(version, str):
                                self.protocol_version = version
                        return item.get('result')
            except (socket.timeout, TimeoutError):
                pass
            if _now() >= self.deadline:
                raise self._timeout(phase)
            raise ProbeFailure('protocol_error', 'the %s response ended without an answer to it.' % phase)
        finally:
            response.close()

    def close_session(self):
        """DELETE the session (best effort, short) so the server can free it."""
        if not self.session_id:
            return
        headers = dict(self.headers)
        headers['Mcp-Session-Id'] = self.session_id
        try:
            self.opener.open(Request(self.url, headers=headers, method='DELETE'), timeout=1.0).close()
        except Exception:  # pylint: disable=broad-except
            pass

    def use_modern(self, version):
        self.modern = True
        self.protocol_version = version

    def use_legacy(self):
        self.modern = False
        self.protocol_version = None


def _falls_back(exc):
    """True when an answer to the modern probe says "not a modern server" (spec: HTTP backward compatibility)."""
    if isinstance(exc, HttpStatusFailure):
        if exc.reason in ('auth_required', 'forbidden'):
            return False
        if exc.modern:
            return exc.error.get('code') == UNSUPPORTED_PROTOCOL_VERSION and bool(_legacy_version_offered(exc.error))
        return 400 <= exc.status < 500
    if isinstance(exc, RpcError):
        if exc.modern:
            return exc.code == UNSUPPORTED_PROTOCOL_VERSION and bool(_legacy_version_offered(exc.error))
        return True
    return False


def _modern_probe_failure(exc):
    """The failure to report when a modern-looking answer leaves nothing to fall back to."""
    error = getattr(exc, 'error', None)
    if isinstance(exc, (HttpStatusFailure, RpcError)) and isinstance(error, dict) and error.get('code') in MODERN_ERROR_CODES:
        refusal = _modern_refusal('server/discover', error)
        if isinstance(exc, HttpStatusFailure):
            refusal.message = 'HTTP %d from the server: %s' % (exc.status, refusal.message)
        return refusal
    return exc


def open_http(rpc, result, started, era=None):
    """Decide the era over Streamable HTTP; like open_stdio(). Returns has_tools."""
    if era != 'legacy':
        rpc.use_modern(MODERN_PROTOCOL_VERSION)
        try:
            discover = rpc.request('server/discover', {'_meta': modern_meta()}, 'server/discover')
            if _is_discover_result(discover):
                return _opened(result, started, 'modern', validate_discover(discover, result['warnings']))
        except (HttpStatusFailure, RpcError) as exc:
            if not _falls_back(exc):
                raise _modern_probe_failure(exc)
        rpc.use_legacy()
        init = rpc.request('initialize', initialize_params(), 'initialize')
        return _opened(result, started, 'legacy', validate_initialize(init, result['warnings']))
    try:
        init = rpc.request('initialize', initialize_params(), 'initialize')
        return _opened(result, started, 'legacy', validate_initialize(init, result['warnings']))
    except (HttpStatusFailure, RpcError) as exc:
        # Remembered as legacy, but initialize is refused the way a modern server refuses it: probe once.
        if isinstance(exc, HttpStatusFailure) and exc.reason in ('auth_required', 'forbidden', 'not_found'):
            raise
        first = exc
    rpc.use_modern(MODERN_PROTOCOL_VERSION)
    try:
        discover = rpc.request('server/discover', {'_meta': modern_meta()}, 'server/discover')
    except ProbeFailure:
        raise first
    return _opened(result, started, 'modern', validate_discover(discover, result['warnings']))


def probe_http(name, url, headers=None, timeout=15.0, era=None):
    """Check one Streamable HTTP server. Returns a result dict like probe_stdio()."""
    result = new_result(name, 'http')
    started = _now()
    rpc = _HttpRpc(url, headers, started + float(timeout), timeout)
    try:
        has_tools = open_http(rpc, result, started, era)
        tool_count = _finish_open(rpc, result, result['era'], has_tools)
        result.update(status='healthy', reason='ok', message='%s handshake complete (protocol %s), %d tools.'
                      % (result['era'], result['protocol_version'], tool_count))
    except ProbeFailure as exc:
        result.update(reason=exc.reason, message=exc.message)
        result.update(exc.details)
    finally:
        rpc.close_session()
    result['duration_ms'] = _ms(_now() - started)
    return result
