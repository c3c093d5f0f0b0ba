# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monitor playbook against a loopback HTTP receiver: exact Slack / PagerDuty / webhook bodies for
first failure (nothing), second failure (trigger), still failing (no repeat), recovery (resolve), a storm
(one summary), and an endpoint that fails (reported, run not failed, alert sent again next run)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import sys
import threading
import time

try:
    from http.server import BaseHTTPRequestHandler, HTTPServer
    from socketserver import ThreadingMixIn
except ImportError:  # pragma: no cover - Python 2 is not supported by these tests
    raise

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MONITOR = os.path.join(REPO, 'playbooks', 'monitor.yml')
STUB = os.path.join(REPO, 'tests', 'servers', 'mcp_stub.py')
SECRET = 'tok-7d1e4a-never-print-me'
ROUTING_KEY = 'R0UT1NGKEYa1b2c3d4e5f6a7b8c9d0e1f2'
HOOK_TOKEN = 'T0000/B0000/XXXXhooktokenXXXX'
TIME_RE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
RECEIVER_LIFETIME = 300  # seconds: the receiver stops by itself even if a test hangs
HEALTH_TASK = 'Start each server and count consecutive failures'


class _Server(ThreadingMixIn, HTTPServer):
    daemon_threads = True


class Receiver(object):
    """Records every request: (method, path, content type, parsed JSON body)."""

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get('Content-Length') or 0)
                raw = self.rfile.read(length).decode('utf-8')
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw
                with receiver.lock:
                    receiver.requests.append({'method': 'POST', 'path': self.path,
                                              'content_type': self.headers.get('Content-Type'), 'body': body})
                if self.path.startswith('/fail'):
                    self.send_response(500)
                    payload = b'boom'
                elif self.path.startswith('/pd'):
                    self.send_response(202)
                    payload = b'{"status":"success","message":"Event processed"}'
                else:
                    self.send_response(200)
                    payload = b'ok'
                self.send_header('Content-Length', str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = _Server(('127.0.0.1', 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={'poll_interval': 0.1})
        self.thread.daemon = True
        self.timer = threading.Timer(RECEIVER_LIFETIME, self.server.shutdown)
        self.timer.daemon = True

    def url(self, path):
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    def take(self):
        with self.lock:
            taken, self.requests = self.requests, []
        return taken


@pytest.fixture
def receiver():
    rec = Receiver()
    rec.thread.start()
    rec.timer.start()
    try:
        yield rec
    finally:
        rec.timer.cancel()
        rec.server.shutdown()
        rec.server.server_close()
        rec.thread.join(5)


def write_config(root, mode):
    root.write({'mcpServers': {
        'flaky': {'command': sys.executable, 'args': [STUB, '--mode=' + mode], 'env': {'STUB_API_TOKEN': SECRET}},
        'steady': {'command': sys.executable, 'args': [STUB, '--mode=ok']},
    }})


def senders(rec, **extra):
    values = {
        'mcp_slack_webhook_url': rec.url('/slack/services/' + HOOK_TOKEN),
        'mcp_pagerduty_routing_key': ROUTING_KEY,
        'mcp_pagerduty_events_url': rec.url('/pd/v2/enqueue'),
        'mcp_alert_webhook_url': rec.url('/hook?token=' + HOOK_TOKEN),
        'mcp_health_timeout': 5,
    }
    values.update(extra)
    return values


def host_vars(root):
    return {'mcp_config_path': root.config_path, 'mcp_backup_dir': os.path.join(root.home, 'backups')}


def no_secret_anywhere(run, requests):
    assert SECRET not in run.all_text
    assert ROUTING_KEY not in run.all_text
    assert HOOK_TOKEN not in run.all_text
    for req in requests:
        text = json.dumps(req['body'])
        assert SECRET not in text and 'hunter2' not in text
        assert HOOK_TOKEN not in text
        if not req['path'].startswith('/pd'):
            assert ROUTING_KEY not in text  # only PagerDuty's body carries it, as the Events API requires


def one_time(requests):
    """The alert time of the requests (all the same, ISO 8601 UTC)."""
    stamps = set()
    for req in requests:
        body = req['body']
        for value in (body.get('time'), (body.get('payload') or {}).get('timestamp')):
            if value:
                stamps.add(value)
        for att in body.get('attachments', []):
            stamps.update(f['value'] for f in att['fields'] if f['title'] == 'Time')
    assert len(stamps) == 1, stamps
    stamp = stamps.pop()
    assert TIME_RE.match(stamp), stamp
    return stamp


def by_sender(requests):
    out = {}
    for req in requests:
        assert req['method'] == 'POST' and req['content_type'] == 'application/json'
        out[req['path'].split('/')[1].split('?')[0]] = req['body']
    assert len(out) == len(requests)
    return out


def test_threshold_no_repeat_and_resolve_with_exact_bodies(run_playbook, config_root, receiver, local_inventory):
    inventory = local_inventory({'web1': host_vars(config_root)})
    extravars = senders(receiver)
    state_file = os.path.join(config_root.home, 'backups', 'mcp-alert-state.json')

    # 1. First failure: counted, no alert.
    write_config(config_root, 'crash')
    run = run_playbook(MONITOR, extravars, inventory=inventory)
    assert receiver.take() == []
    assert json.load(open(state_file)) == {'open': {}, 'storm': None, 'version': 1}
    assert os.stat(state_file).st_mode & 0o777 == 0o600

    # 2. Second failure in a row: one trigger per sender.
    run = run_playbook(MONITOR, extravars, inventory=inventory)
    requests = receiver.take()
    no_secret_anywhere(run, requests)
    flaky = [s for s in run.result(HEALTH_TASK, 'web1')['servers'] if s['name'] == 'flaky'][0]
    assert flaky['consecutive_failures'] == 2 and flaky['reason'] == 'exited'
    assert flaky['stderr_tail'] and '********' in flaky['stderr_tail']
    stamp = one_time(requests)
    summary = 'MCP server flaky on web1 is unhealthy: exited (2 consecutive failed checks)'
    bodies = by_sender(requests)
    assert bodies == {
        'slack': {
            'text': ':rotating_light: CRITICAL: ' + summary,
            'attachments': [{
                'color': '#d62728', 'title': summary, 'footer': 'mcpops.mcp monitor', 'mrkdwn_in': ['text'],
                'fields': [{'title': 'Host', 'value': 'web1', 'short': True},
                           {'title': 'Server', 'value': 'flaky', 'short': True},
                           {'title': 'Reason', 'value': 'exited', 'short': True},
                           {'title': 'Consecutive failures', 'value': '2', 'short': True},
                           {'title': 'Time', 'value': stamp, 'short': True}],
                'text': '%s\n```%s```' % (flaky['message'], flaky['stderr_tail']),
            }]},
        'pd': {
            'routing_key': ROUTING_KEY, 'event_action': 'trigger', 'dedup_key': 'mcpops-mcp/web1/flaky',
            'client': 'mcpops.mcp monitor',
            'payload': {'summary': summary, 'source': 'web1', 'severity': 'critical', 'timestamp': stamp,
                        'component': 'flaky', 'group': 'mcp', 'class': 'exited',
                        'custom_details': {'reason': 'exited', 'message': flaky['message'], 'consecutive_failures': 2,
                                           'stderr_tail': flaky['stderr_tail'], 'last_seen': None}}},
        'hook': {
            'schema': 'mcpops.mcp.alert/v1', 'event': 'trigger', 'scope': 'server', 'dedup_key': 'mcpops-mcp/web1/flaky',
            'severity': 'critical', 'summary': summary, 'host': 'web1', 'server': 'flaky', 'reason': 'exited',
            'message': flaky['message'], 'consecutive_failures': 2, 'stderr_tail': flaky['stderr_tail'],
            'last_seen': None, 'since': stamp, 'time': stamp},
    }
    opened = json.load(open(state_file))
    assert opened == {'version': 1, 'storm': None, 'open': {'flaky': {
        'since': stamp, 'reason': 'exited', 'severity': 'critical', 'dedup_key': 'mcpops-mcp/web1/flaky'}}}

    # 3. Still failing: no repeat, state unchanged.
    run = run_playbook(MONITOR, extravars, inventory=inventory)
    assert receiver.take() == []
    assert json.load(open(state_file)) == opened
    assert run.tasks('Write which alerts are open', 'web1')[-1]['status'] == 'ok'

    # 4. Recovery: one resolve per sender, same dedup_key.
    write_config(config_root, 'ok')
    run = run_playbook(MONITOR, extravars, inventory=inventory)
    requests = receiver.take()
    no_secret_anywhere(run, requests)
    now = one_time(requests)
    healthy = [s for s in run.result(HEALTH_TASK, 'web1')['servers'] if s['name'] == 'flaky'][0]
    summary = 'MCP server flaky on web1 is healthy again'
    assert by_sender(requests) == {
        'slack': {
            'text': ':white_check_mark: RESOLVED: ' + summary,
            'attachments': [{
                'color': '#2eb886', 'title': summary, 'footer': 'mcpops.mcp monitor', 'mrkdwn_in': ['text'],
                'fields': [{'title': 'Host', 'value': 'web1', 'short': True},
                           {'title': 'Server', 'value': 'flaky', 'short': True},
                           {'title': 'Reason', 'value': 'ok', 'short': True},
                           {'title': 'Failing since', 'value': stamp, 'short': True},
                           {'title': 'Time', 'value': now, 'short': True}],
                'text': healthy['message'],
            }]},
        'pd': {'routing_key': ROUTING_KEY, 'event_action': 'resolve', 'dedup_key': 'mcpops-mcp/web1/flaky'},
        'hook': {
            'schema': 'mcpops.mcp.alert/v1', 'event': 'resolve', 'scope': 'server', 'dedup_key': 'mcpops-mcp/web1/flaky',
            'severity': 'info', 'summary': summary, 'host': 'web1', 'server': 'flaky', 'reason': 'ok',
            'message': healthy['message'], 'consecutive_failures': 0, 'stderr_tail': None,
            'last_seen': healthy['last_seen'], 'since': stamp, 'time': now},
    }
    assert json.load(open(state_file)) == {'open': {}, 'storm': None, 'version': 1}


def test_storm_sends_one_summary_then_resolves_it(run_playbook, new_config_root, receiver, local_inventory):
    roots = dict((name, new_config_root(name)) for name in ('a1', 'a2', 'a3'))
    for name, root in roots.items():
        write_config(root, 'ok' if name == 'a3' else 'crash')
    inventory = local_inventory(dict((name, host_vars(root)) for name, root in roots.items()))
    extravars = senders(receiver, mcp_alert_storm_hosts=1)

    run_playbook(MONITOR, extravars, inventory=inventory)
    assert receiver.take() == []

    run = run_playbook(MONITOR, extravars, inventory=inventory)
    requests = receiver.take()
    no_secret_anywhere(run, requests)
    stamp = one_time(requests)
    summary = 'MCP alert storm: 2 hosts have failing MCP servers (more than 1): a1, a2'
    failing = [{'host': h, 'server': 'flaky', 'reason': 'exited', 'consecutive_failures': 2} for h in ('a1', 'a2')]
    assert by_sender(requests) == {
        'slack': {
            'text': ':rotating_light: CRITICAL: ' + summary,
            'attachments': [{
                'color': '#d62728', 'title': summary, 'footer': 'mcpops.mcp monitor', 'mrkdwn_in': ['text'],
                'fields': [{'title': 'Hosts failing', 'value': '2', 'short': True},
                           {'title': 'Time', 'value': stamp, 'short': True}],
                'text': 'a1: flaky (exited)\na2: flaky (exited)'}]},
        'pd': {'routing_key': ROUTING_KEY, 'event_action': 'trigger', 'dedup_key': 'mcpops-mcp/storm',
               'client': 'mcpops.mcp monitor',
               'payload': {'summary': summary, 'source': 'mcpops.mcp monitor', 'severity': 'critical', 'timestamp': stamp,
                           'component': 'mcp', 'group': 'mcp', 'class': 'storm',
                           'custom_details': {'hosts': ['a1', 'a2'], 'failing': failing}}},
        'hook': {'schema': 'mcpops.mcp.alert/v1', 'event': 'trigger', 'scope': 'storm', 'dedup_key': 'mcpops-mcp/storm',
                 'severity': 'critical', 'summary': summary, 'hosts': ['a1', 'a2'], 'failing': failing,
                 'since': stamp, 'time': stamp},
    }

    # Still a storm: nothing repeats.
    run_playbook(MONITOR, extravars, inventory=inventory)
    assert receiver.take() == []

    # All healthy: the storm resolves (no per-host alert was ever opened, so nothing else).
    for root in roots.values():
        write_config(root, 'ok')
    run_playbook(MONITOR, extravars, inventory=inventory)
    requests = receiver.take()
    bodies = by_sender(requests)
    assert bodies['pd'] == {'routing_key': ROUTING_KEY, 'event_action': 'resolve', 'dedup_key': 'mcpops-mcp/storm'}
    assert bodies['hook']['event'] == 'resolve' and bodies['hook']['since'] == stamp
    assert bodies['hook']['summary'] == 'MCP alert storm is over: 0 hosts have failing MCP servers (at most 1)'
    assert bodies['slack']['text'] == ':white_check_mark: RESOLVED: ' + bodies['hook']['summary']


def test_a_failing_endpoint_is_reported_and_the_alert_sent_again(run_playbook, config_root, receiver, local_inventory):
    inventory = local_inventory({'web1': host_vars(config_root)})
    write_config(config_root, 'crash')
    refused = receiver.url('/x').replace(str(receiver.port), '9')  # port 9 (discard): nothing listens here
    broken = senders(receiver, mcp_alert_threshold=1, mcp_pagerduty_routing_key='',
                     mcp_alert_webhook_url=receiver.url('/fail/' + HOOK_TOKEN), mcp_slack_webhook_url=refused)
    started = time.time()
    run = run_playbook(MONITOR, broken, inventory=inventory)
    assert time.time() - started < 120
    assert [r['path'] for r in receiver.take()] == ['/fail/' + HOOK_TOKEN]
    lines = run.result('Report alerts no endpoint accepted (sent again next run)', 'web1')['msg']
    assert lines[0].startswith('slack trigger web1/flaky: NOT DELIVERED (')
    assert lines[1] == ('webhook trigger web1/flaky: NOT DELIVERED (HTTP 500: Status code was 500 and not '
                        '[200, 201, 202, 204]: HTTP Error 500: Internal Server Error)')
    assert HOOK_TOKEN not in run.all_text
    state_file = os.path.join(config_root.home, 'backups', 'mcp-alert-state.json')
    assert json.load(open(state_file))['open'] == {}

    # The endpoint works again: the alert that was never delivered goes out now.
    run = run_playbook(MONITOR, senders(receiver, mcp_alert_threshold=1, mcp_pagerduty_routing_key='',
                                        mcp_slack_webhook_url=''), inventory=inventory)
    requests = receiver.take()
    assert [(r['path'].split('?')[0], r['body']['event'], r['body']['consecutive_failures']) for r in requests] == [
        ('/hook', 'trigger', 2)]
    assert list(json.load(open(state_file))['open']) == ['flaky']
