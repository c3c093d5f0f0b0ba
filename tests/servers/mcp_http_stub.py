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

        def do_DELETE(self):
            self._reply(200)

        def do_POST(self):
            length = int(self.headers.get('Content-Length') or 0)
            message = json.loads(self.rfile.read(length).decode('utf-8'))
            if self.path != '/mcp':
                return self._reply(404)
            if mode == 'auth' and self.headers.get('Authorization') != TOKEN:
                return self._reply(401)
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
