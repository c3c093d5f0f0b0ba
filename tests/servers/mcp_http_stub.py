# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Streamable HTTP MCP server on the standard library, for the mcp_health tests.

Import it (start_server(mode) -> (server, url)) or run it:
python mcp_http_stub.py --mode=<mode> --port=<port>

Modes: json (answers with application/json), sse (answers with text/event-stream and sends a
notification first), auth (401 without "Authorization: Bearer letmein"), hang (never answers),
session (requires the Mcp-Session-Id it handed out; 400 without it), stall (starts an SSE answer,
sends a comment every 0.3 s and never the answer).

Legacy modes answer server/discover like a legacy server does: json/sse with HTTP 200 and a -32601
error, session with a bare 400. Protocol 2026-07-28 modes:
  modern  modern-only: MCP-Protocol-Version and Mcp-Method must match the body (400 + -32020), an
          unknown version gets 400 + -32022, initialize gets 400 + -32022
  dual    modern requests as modern, initialize and session-less legacy requests as legacy
  oauth   401 with WWW-Authenticate: Bearer resource_metadata="<base>/.well-known/oauth-protected-resource/mcp"
          unless "Authorization: Bearer letmein"; serves that metadata document on GET
  oauth_wellknown  the same with a bare "Bearer" challenge: only the well-known document says where
  origin  403 with a JSON-RPC error without id (an Origin check)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import sys
import threading
import time

from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn

SESSION = 'stub-session-1'
TOKEN = 'Bearer letmein'
MODERN = '2026-07-28'
METADATA_PATH = '/.well-known/oauth-protected-resource/mcp'


class _Server(ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_handler(mode):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _reply(self, code, payload=None, session=False):
            body = b''
            self.send_response(code)
            if session:
                self.send_header('Mcp-Session-Id', SESSION)
            if payload is not None:
                if mode == 'sse':
                    note = json.dumps({'jsonrpc': '2.0', 'method': 'notifications/message', 'params': {}})
                    # A priming event (id, empty data) first, as servers with resumability send.
                    body = ('id: prime-1\ndata: \n\nevent: message\ndata: %s\n\n: keep-alive\n\nevent: message\ndata: %s\n\n'
                            % (note, json.dumps(payload))).encode('utf-8')
                    self.send_header('Content-Type', 'text/event-stream')
                else:
                    body = json.dumps(payload).encode('utf-8')
                    self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return True

        def do_DELETE(self):
            self._reply(200)

        def do_GET(self):
            if mode in ('oauth', 'oauth_wellknown') and self.path == METADATA_PATH:
                base = 'http://%s:%d' % self.server.server_address[:2]
                return self._reply(200, {'resource': base + '/mcp', 'authorization_servers': [base + '/auth'],
                                         'bearer_methods_supported': ['header']})
            return self._reply(404 if self.path != '/mcp' else 405)

        def _modern(self, message):
            """Serve a 2026-07-28 request; None when it is not one (dual mode then serves it as legacy)."""
            meta = (message.get('params') or {}).get('_meta') or {}
            version = self.headers.get('MCP-Protocol-Version')
            method = message.get('method')
            if mode == 'dual' and (version != MODERN or 'io.modelcontextprotocol/protocolVersion' not in meta):
                return None
            if method == 'initialize' or not version:
                return self._reply(400, {'jsonrpc': '2.0', 'id': message.get('id'), 'error': {
                    'code': -32022, 'message': 'Unsupported protocol version: this server speaks only ' + MODERN,
                    'data': {'supported': [MODERN], 'requested': version or (message.get('params') or {}).get(
                        'protocolVersion')}}})
            if version != meta.get('io.modelcontextprotocol/protocolVersion') or \
                    self.headers.get('Mcp-Method') != method:
                return self._reply(400, {'jsonrpc': '2.0', 'id': message.get('id'), 'error': {
                    'code': -32020, 'message': 'Header mismatch: MCP-Protocol-Version/Mcp-Method do not match the body'}})
            if version != MODERN:
                return self._reply(400, {'jsonrpc': '2.0', 'id': message.get('id'), 'error': {
                    'code': -32022, 'message': 'Unsupported protocol version',
                    'data': {'supported': [MODERN], 'requested': version}}})
            if method == 'server/discover':
                return self._reply(200, {'jsonrpc': '2.0', 'id': message['id'], 'result': {
                    'resultType': 'complete', 'supportedVersions': [MODERN], 'capabilities': {'tools': {}},
                    'ttlMs': 0, 'cacheScope': 'private',
                    '_meta': {'io.modelcontextprotocol/serverInfo': {'name': 'http-stub-' + mode, 'version': '0.2'}}}})
            if method == 'tools/list':
                return self._reply(200, {'jsonrpc': '2.0', 'id': message['id'], 'result': {
                    'resultType': 'complete', 'tools': [{'name': 'remote_echo', 'inputSchema': {}}]}})
            return self._reply(404, {'jsonrpc': '2.0', 'id': message['id'],
                                     'error': {'code': -32601, 'message': 'Method not found'}})

        def do_POST(self):
            length = int(self.headers.get('Content-Length') or 0)
            message = json.loads(self.rfile.read(length).decode('utf-8'))
            if self.path != '/mcp':
                return self._reply(404)
            if mode == 'auth' and self.headers.get('Authorization') != TOKEN:
                return self._reply(401)
            if mode in ('oauth', 'oauth_wellknown') and self.headers.get('Authorization') != TOKEN:
                challenge = 'Bearer'
                if mode == 'oauth':
                    challenge = 'Bearer resource_metadata="http://%s:%d%s", scope="mcp"' % (
                        self.server.server_address[:2] + (METADATA_PATH,))
                    if self.headers.get('Authorization'):
                        challenge += ', error="invalid_token", error_description="The access token expired"'
                self.send_response(401)
                self.send_header('WWW-Authenticate', challenge)
                self.send_header('Content-Length', '0')
                self.end_headers()
                return None
            if mode == 'origin':
                return self._reply(403, {'jsonrpc': '2.0', 'error': {
                    'code': -32000, 'message': 'Forbidden: Origin http://evil.example is not allowed'}})
            if mode in ('modern', 'dual'):
                if self._modern(message) is not None or mode == 'modern':
                    return None
            if mode == 'hang':
                time.sleep(30)
                return None
            if mode == 'stall':
                self.send_response(200)
                self.send_header('Content-Type', 'text/event-stream')
                self.end_headers()
                for _i in range(100):
                    self.wfile.write(b': still thinking\n\n')
                    self.wfile.flush()
                    time.sleep(0.3)
                return None
            method = message.get('method')
            if mode == 'session' and method != 'initialize' and self.headers.get('Mcp-Session-Id') != SESSION:
                return self._reply(400)
            if 'id' not in message:
                return self._reply(202)
            if method == 'initialize':
                return self._reply(200, {'jsonrpc': '2.0', 'id': message['id'], 'result': {
                    'protocolVersion': message['params']['protocolVersion'], 'capabilities': {'tools': {}},
                    'serverInfo': {'name': 'http-stub-' + mode, 'version': '0.1'}}}, session=True)
            if method == 'tools/list':
                return self._reply(200, {'jsonrpc': '2.0', 'id': message['id'],
                                         'result': {'tools': [{'name': 'remote_echo', 'inputSchema': {}}]}})
            return self._reply(200, {'jsonrpc': '2.0', 'id': message['id'],
                                     'error': {'code': -32601, 'message': 'Method not found'}})
    return Handler


def start_server(mode, port=0):
    """Serve in a daemon thread; returns (server, url). Call server.shutdown() when done."""
    server = _Server(('127.0.0.1', port), make_handler(mode))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, 'http://127.0.0.1:%d/mcp' % server.server_address[1]


def main():
    opts = dict(a[2:].split('=', 1) for a in sys.argv[1:] if a.startswith('--') and '=' in a)
    server = _Server(('127.0.0.1', int(opts.get('port', '0'))), make_handler(opts.get('mode', 'json')))
    print('http://127.0.0.1:%d/mcp' % server.server_address[1])
    sys.stdout.flush()
    server.serve_forever()


if __name__ == '__main__':
    main()
