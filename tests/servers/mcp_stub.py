# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A tiny stdio MCP server that misbehaves on request, for the mcp_health tests.

Run as: python mcp_stub.py --mode=<mode> [--marker=<token>] [--delay=<s>] [--tools=<n>] [--page=<n>]
The marker is only there so tests can find leftover processes in /proc.

Modes:
  ok           a correct server with three tools
  hang         reads stdin, never answers anything
  crash        prints a traceback (with a secret in it) to stderr and exits 1
  banner       prints a banner line on stdout before speaking JSON-RPC
  slow         sleeps --delay seconds before it starts reading
  bad_version  answers initialize with protocol version 1999-01-01
  old_version  answers initialize with 2024-11-05 (supported)
  init_error   answers initialize with a JSON-RPC error
  not_jsonrpc  answers initialize with JSON that is not JSON-RPC
  need_env     exits 2 unless the variable --var names (default STUB_API_TOKEN) is set, then behaves like ok
  need_token   like need_env, and the value must equal the token in --token-file (the test controls it): any
               other token exits 3 with a clear stderr line that never shows either value
  paginate     --tools tools (default 500), --page per page (default 50)
  ignore_term  answers, then ignores stdin EOF and SIGTERM and stays alive
  hang_term    never answers and ignores SIGTERM
  grandchild   starts a grandchild in its own session (escaping the group), then answers
  ping_first   sends a ping request to the client before answering initialize
  no_tools     does not declare the tools capability
  cursor_loop  tools/list always answers with the same nextCursor

Legacy modes answer unknown methods (server/discover included) with -32601, except:
  legacy_silent  a legacy server that ignores unknown methods (never answers server/discover)
  legacy_lenient a legacy server that answers unknown methods with an empty result

Protocol 2026-07-28 (modern) modes; every modern request must carry params._meta with
io.modelcontextprotocol/protocolVersion and clientCapabilities (else -32602):
  modern              modern-only: server/discover answers, initialize is refused with -32022
  dual                dual-era: server/discover and initialize both work
  unsupported_version server/discover answers -32022 listing only 2030-01-01
  offers_legacy       server/discover answers -32022 listing 2025-06-18; initialize works
  modern_header_error server/discover answers -32021 (MissingRequiredClientCapability)

--start-delay=<s> sleeps before reading stdin in any mode (a slow start); --paged=1 pages the
tools of any mode like paginate does.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import signal
import subprocess
import sys
import time


def options(argv):
    opts = {'mode': 'ok', 'delay': '1', 'tools': '500', 'page': '50', 'marker': '', 'var': 'STUB_API_TOKEN',
            'start-delay': '0', 'paged': '', 'token-file': ''}
    for arg in argv:
        if arg.startswith('--') and '=' in arg:
            key, value = arg[2:].split('=', 1)
            opts[key] = value
    return opts


def send(message):
    sys.stdout.write(json.dumps(message) + '\n')
    sys.stdout.flush()


def tool(name):
    return {'name': name, 'description': 'stub tool ' + name, 'inputSchema': {'type': 'object'}}


def ping(message):
    """Ask the client for a ping before answering initialize; True when it answered."""
    send({'jsonrpc': '2.0', 'id': 'srv-1', 'method': 'ping'})
    answer = json.loads(sys.stdin.readline())
    return answer.get('id') == 'srv-1' and 'result' in answer


MODERN = '2026-07-28'
MODERN_MODES = ('modern', 'dual', 'unsupported_version', 'offers_legacy', 'modern_header_error')


def modern_meta_error(message):
    """None when a request carries the modern _meta, else the -32602 answer a modern server gives."""
    meta = (message.get('params') or {}).get('_meta')
    if isinstance(meta, dict) and 'io.modelcontextprotocol/protocolVersion' in meta \
            and 'io.modelcontextprotocol/clientCapabilities' in meta:
        if meta['io.modelcontextprotocol/protocolVersion'] != MODERN:
            return {'code': -32022, 'message': 'Unsupported protocol version',
                    'data': {'supported': [MODERN], 'requested': meta['io.modelcontextprotocol/protocolVersion']}}
        return None
    return {'code': -32602, 'message': 'params._meta must carry io.modelcontextprotocol/protocolVersion and '
                                       'io.modelcontextprotocol/clientCapabilities'}


def modern_answer(mode, message, tools_page):
    """(result, error) of a modern-era request, or None when the mode does not serve it in the modern era."""
    method = message.get('method')
    if method == 'server/discover':
        if mode == 'unsupported_version':
            return None, {'code': -32022, 'message': 'Unsupported protocol version',
                          'data': {'supported': ['2030-01-01'], 'requested': MODERN}}
        if mode == 'offers_legacy':
            return None, {'code': -32022, 'message': 'Unsupported protocol version',
                          'data': {'supported': ['2025-06-18'], 'requested': MODERN}}
        if mode == 'modern_header_error':
            return None, {'code': -32021, 'message': 'Missing required client capability: sampling'}
        error = modern_meta_error(message)
        if error:
            return None, error
        return {'resultType': 'complete', 'supportedVersions': [MODERN], 'capabilities': {'tools': {}},
                'ttlMs': 0, 'cacheScope': 'private',
                '_meta': {'io.modelcontextprotocol/serverInfo': {'name': 'stub-' + mode, 'version': '0.2'}}}, None
    if method == 'tools/list' and mode in ('modern', 'dual'):
        error = modern_meta_error(message)
        if error:
            return (None, error) if mode == 'modern' else None
        result = tools_page(message)
        result['resultType'] = 'complete'
        return result, None
    if method == 'initialize' and mode in ('modern', 'unsupported_version', 'modern_header_error'):
        return None, {'code': -32022, 'message': 'this server speaks only protocol %s; the initialize handshake '
                                                 'is not accepted' % MODERN,
                      'data': {'supported': [MODERN], 'requested': message['params'].get('protocolVersion')}}
    return None


def serve(opts):
    mode = opts['mode']
    total = int(opts['tools'])
    per_page = int(opts['page'])
    paged = mode == 'paginate' or opts['paged'] == '1'
    if paged:
        tools = [tool('tool_%03d' % i) for i in range(total)]
    else:
        tools = [tool('echo'), tool('add'), tool('now')]

    def tools_page(message):
        if paged:
            start = int((message.get('params') or {}).get('cursor') or 0)
            result = {'tools': tools[start:start + per_page]}
            if start + per_page < len(tools):
                result['nextCursor'] = str(start + per_page)
            return result
        if mode == 'cursor_loop':
            return {'tools': tools, 'nextCursor': 'again'}
        return {'tools': tools}

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        message = json.loads(line)
        method = message.get('method')
        if 'id' not in message or method is None:
            continue
        if mode == 'hang' or mode == 'hang_term':
            continue
        if mode in MODERN_MODES:
            answer = modern_answer(mode, message, tools_page)
            if answer is not None:
                result, error = answer
                if error is not None:
                    send({'jsonrpc': '2.0', 'id': message['id'], 'error': error})
                else:
                    send({'jsonrpc': '2.0', 'id': message['id'], 'result': result})
                continue
        if method == 'initialize':
            if mode == 'ping_first' and not ping(message):
                sys.exit(3)
            if mode == 'init_error':
                send({'jsonrpc': '2.0', 'id': message['id'],
                      'error': {'code': -32603, 'message': 'database is locked'}})
                continue
            if mode == 'not_jsonrpc':
                send({'id': message['id'], 'answer': 42})
                continue
            version = message['params']['protocolVersion']
            if mode == 'bad_version':
                version = '1999-01-01'
            elif mode == 'old_version':
                version = '2024-11-05'
            elif mode == 'offers_legacy':
                version = '2025-06-18'
            capabilities = {} if mode == 'no_tools' else {'tools': {}}
            send({'jsonrpc': '2.0', 'id': message['id'], 'result': {
                'protocolVersion': version, 'capabilities': capabilities,
                'serverInfo': {'name': 'stub-' + mode, 'version': '0.1'}}})
        elif method == 'tools/list':
            send({'jsonrpc': '2.0', 'id': message['id'], 'result': tools_page(message)})
        elif mode == 'legacy_lenient':
            send({'jsonrpc': '2.0', 'id': message['id'], 'result': {}})
        elif mode != 'legacy_silent':
            send({'jsonrpc': '2.0', 'id': message['id'], 'error': {'code': -32601, 'message': 'Method not found'}})


def main():
    opts = options(sys.argv[1:])
    mode = opts['mode']
    sys.stderr.write('stub %s starting\n' % mode)
    sys.stderr.flush()
    if mode == 'crash':
        token = os.environ.get('STUB_API_TOKEN', 'none')
        sys.stderr.write('connecting with STUB_API_TOKEN=%s PASSWORD=hunter2 token %s\n' % (token, token))
        raise RuntimeError('cannot open database /nonexistent/db.sqlite')
    if mode in ('need_env', 'need_token') and not os.environ.get(opts['var']):
        sys.stderr.write('error: %s is not set\n' % opts['var'])
        sys.exit(2)
    if mode == 'need_token':
        try:
            with open(opts['token-file']) as handle:
                expected = handle.read().strip()
        except (IOError, OSError) as exc:
            sys.stderr.write('error: cannot read the token file: %s\n' % exc.strerror)
            sys.exit(2)
        if os.environ[opts['var']] != expected:
            sys.stderr.write('error: authentication failed: the %s given is not a valid token\n' % opts['var'])
            sys.exit(3)
    if mode == 'banner':
        print('Stub MCP server v0.1 listening on stdio')
        sys.stdout.flush()
    if mode == 'slow':
        time.sleep(float(opts['delay']))
    time.sleep(float(opts['start-delay']))
    if mode in ('ignore_term', 'hang_term'):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if mode == 'grandchild':
        # Its own session: only a descendant walk finds it, not a process-group kill.
        subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', '--marker=' + opts['marker']],
                         start_new_session=True, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    serve(opts)
    if mode == 'ignore_term':
        while True:
            time.sleep(1)


if __name__ == '__main__':
    main()
