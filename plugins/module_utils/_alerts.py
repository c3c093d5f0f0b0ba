# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alert decisions and alert bodies for the monitor role (pure: no I/O, no clock unless none is given).

plan_alerts: every host's mcp_health result + its previous alert state -> what to send (trigger, resolve,
storm summary or nothing) and each host's next state. build_requests: actions -> Slack / PagerDuty Events
API v2 / generic webhook request bodies. commit_alerts: the send results -> the states to write (an alert no
sender accepted is not recorded, so the next run tries again) and a report without URLs or keys.
The bodies are documented in docs/backup-and-monitor.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy
import datetime
import json
import re

from ansible_collections.mcpops.mcp.plugins.module_utils._redact import mask_text

STATE_VERSION = 1
SCHEMA = 'mcpops.mcp.alert/v1'
CLIENT = 'mcpops.mcp monitor'
STORM_KEY = 'mcpops-mcp/storm'

# A server that cannot start at all pages harder than one that starts but misbehaves.
SEVERITY = {
    'not_found': 'critical',
    'not_executable': 'critical',
    'exited': 'critical',
    'timeout': 'error',
    'protocol_error': 'error',
    'auth_required': 'error',
    'forbidden': 'error',
    'missing_tools': 'warning',
}
SLACK_COLOURS = {'critical': '#d62728', 'error': '#ff7f0e', 'warning': '#f2c744', 'info': '#2eb886'}
SENDERS = ('slack', 'pagerduty', 'webhook')
_URL_RE = re.compile(r'https?://\S+')


class AlertError(ValueError):
    pass


def utc_stamp(now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if isinstance(now, str):
        return now
    return now.strftime('%Y-%m-%dT%H:%M:%SZ')


def severity_for(reason):
    return SEVERITY.get(reason, 'error')


def dedup_key(host, server):
    """Stable per host and server, so PagerDuty folds a trigger and its resolve into one incident."""
    return 'mcpops-mcp/%s/%s' % (host, server)


def empty_state():
    return {'version': STATE_VERSION, 'open': {}, 'storm': None}


def load_state(slurped, path=None):
    """(state, warning) from an ansible.builtin.slurp result (or None / a dict state / JSON text).

    A missing file is an empty state. A file that is not a state document is also read as empty, with a
    warning: the worst outcome is one repeated alert, never a lost one.
    """
    if slurped is None:
        return empty_state(), None
    text = None
    if isinstance(slurped, dict) and 'open' in slurped:
        doc = slurped
    else:
        if isinstance(slurped, dict):
            if slurped.get('skipped') or slurped.get('failed') or 'content' not in slurped:
                # slurp fails on a missing file; that is the first run.
                return empty_state(), None
            try:
                text = base64.b64decode(slurped['content']).decode('utf-8')
            except (ValueError, TypeError, UnicodeDecodeError):
                text = None
        elif isinstance(slurped, str):
            text = slurped
        try:
            doc = json.loads(text) if text is not None else None
        except ValueError:
            doc = None
    if (not isinstance(doc, dict) or not isinstance(doc.get('open'), dict)
            or not all(isinstance(v, dict) for v in doc['open'].values())
            or not isinstance(doc.get('storm'), (dict, type(None)))):
        return empty_state(), ('alert state %s is not an alert state document; starting with no open alerts '
                               '(a server that is still failing alerts again).' % (path or '(file)'))
    state = empty_state()
    state['open'] = copy.deepcopy(doc['open'])
    state['storm'] = copy.deepcopy(doc.get('storm'))
    return state, None


def _health_problem(health):
    """Why a host's mcp_health result cannot be used for decisions, or None."""
    if not isinstance(health, dict):
        return 'no health result'
    if health.get('unreachable'):
        return 'unreachable'
    if health.get('skipped'):
        return 'health check skipped'
    if health.get('failed') or not isinstance(health.get('servers'), list):
        return mask_text('health check failed: %s' % (health.get('msg') or 'no servers in the result'))
    return None


def _failing(server, threshold):
    if server.get('status') == 'healthy':
        return False
    count = server.get('consecutive_failures')
    return (count if isinstance(count, int) else 1) >= threshold


def _server_trigger(host, server, now):
    reason = server.get('reason') or 'unknown'
    count = server.get('consecutive_failures')
    count = count if isinstance(count, int) else 1
    return {
        'event': 'trigger',
        'scope': 'server',
        'dedup_key': dedup_key(host, server['name']),
        'severity': severity_for(reason),
        'summary': 'MCP server %s on %s is unhealthy: %s (%d consecutive failed checks)' % (
            server['name'], host, reason, count),
        'host': host,
        'server': server['name'],
        'reason': reason,
        'message': mask_text(server.get('message') or ''),
        'consecutive_failures': count,
        'stderr_tail': mask_text(server.get('stderr_tail')) or None,
        'last_seen': server.get('last_seen'),
        'since': now,
        'time': now,
    }


def _server_resolve(host, name, opened, server, now):
    if server is None:
        summary = 'MCP server %s on %s is no longer checked (not in the config); its alert is resolved' % (name, host)
        reason, message = 'not_checked', 'The server is no longer in the config.'
    else:
        summary = 'MCP server %s on %s is healthy again' % (name, host)
        reason, message = server.get('reason') or 'ok', mask_text(server.get('message') or '')
    return {
        'event': 'resolve',
        'scope': 'server',
        'dedup_key': opened.get('dedup_key') or dedup_key(host, name),
        'severity': 'info',
        'summary': summary,
        'host': host,
        'server': name,
        'reason': reason,
        'message': message,
        'consecutive_failures': 0,
        'stderr_tail': None,
        'last_seen': server.get('last_seen') if server else None,
        'since': opened.get('since'),
        'time': now,
        'opened': opened,
    }


def _open_entry(action):
    return {'since': action['since'], 'reason': action['reason'], 'severity': action['severity'],
            'dedup_key': action['dedup_key']}


def plan_alerts(hosts, threshold=2, storm_hosts=5, now=None):
    """Decide the alerts of one monitor run.

    hosts: list of {host, health (registered mcp_health result), state (slurp result or state)}.
    Returns {actions, states, storm, failing_hosts, checked_hosts, skipped_hosts, warnings}; states has an
    entry only for hosts whose health result could be used (the others keep their state file as it is).
    """
    if not isinstance(threshold, int) or threshold < 1:
        raise AlertError('mcp_alert_threshold must be 1 or more, got %r' % (threshold,))
    if not isinstance(storm_hosts, int) or storm_hosts < 1:
        raise AlertError('mcp_alert_storm_hosts must be 1 or more, got %r' % (storm_hosts,))
    now = utc_stamp(now)
    warnings, skipped, checked = [], [], []
    previous = {}
    failing = {}
    servers_of = {}
    for item in hosts:
        host = str(item['host'])
        problem = _health_problem(item.get('health'))
        if problem:
            skipped.append({'host': host, 'reason': problem})
            continue
        state, warning = load_state(item.get('state'), item.get('state_path'))
        if warning:
            warnings.append('%s: %s' % (host, warning))
        checked.append(host)
        previous[host] = state
        servers_of[host] = dict((s['name'], s) for s in item['health']['servers'] if isinstance(s, dict) and s.get('name'))
        failing[host] = [s for s in item['health']['servers'] if isinstance(s, dict) and s.get('name')
                         and _failing(s, threshold)]

    failing_hosts = sorted(h for h in checked if failing[h])
    storm = len(failing_hosts) > storm_hosts
    storm_before = [previous[h]['storm'] for h in checked if previous[h]['storm']]
    storm_since = min(s.get('since') or now for s in storm_before) if storm_before else None

    actions = []
    states = {}
    for host in checked:
        state = {'version': STATE_VERSION, 'open': dict(previous[host]['open']), 'storm': None}
        failing_names = set(s['name'] for s in failing[host])
        for name in sorted(previous[host]['open']):
            if name not in failing_names:
                actions.append(_server_resolve(host, name, previous[host]['open'][name], servers_of[host].get(name), now))
                del state['open'][name]
        states[host] = state

    if storm:
        if not storm_before:
            actions.append({
                'event': 'trigger',
                'scope': 'storm',
                'dedup_key': STORM_KEY,
                'severity': 'critical',
                'summary': 'MCP alert storm: %d hosts have failing MCP servers (more than %d): %s' % (
                    len(failing_hosts), storm_hosts, ', '.join(failing_hosts)),
                'hosts': failing_hosts,
                'failing': [{'host': h, 'server': s['name'], 'reason': s.get('reason') or 'unknown',
                             'consecutive_failures': s.get('consecutive_failures')}
                            for h in failing_hosts for s in failing[h]],
                'since': now,
                'time': now,
            })
        for host in checked:
            states[host]['storm'] = {'since': storm_since or now}
    else:
        if storm_before:
            actions.append({
                'event': 'resolve',
                'scope': 'storm',
                'dedup_key': STORM_KEY,
                'severity': 'info',
                'summary': 'MCP alert storm is over: %d hosts have failing MCP servers (at most %d)' % (
                    len(failing_hosts), storm_hosts),
                'hosts': failing_hosts,
                'failing': [],
                'since': storm_since,
                'time': now,
            })
        # One alert per host and server while it lasts: only servers without an open alert trigger.
        for host in checked:
            for server in failing[host]:
                if server['name'] not in states[host]['open']:
                    action = _server_trigger(host, server, now)
                    actions.append(action)
                    states[host]['open'][server['name']] = _open_entry(action)
    return {
        'actions': actions,
        'states': states,
        'storm': storm,
        'failing_hosts': failing_hosts,
        'checked_hosts': checked,
        'skipped_hosts': skipped,
        'warnings': warnings,
    }


# --------------------------------------------------------------------------------------------
# Bodies


def _public(action):
    return dict((k, v) for k, v in action.items() if k != 'opened')


def slack_body(action):
    colour = SLACK_COLOURS['info'] if action['event'] == 'resolve' else SLACK_COLOURS.get(action['severity'], '#ff7f0e')
    if action['scope'] == 'storm':
        fields = [{'title': 'Hosts failing', 'value': str(len(action['hosts'])), 'short': True},
                  {'title': 'Time', 'value': action['time'], 'short': True}]
        lines = ['%s: %s (%s)' % (f['host'], f['server'], f['reason']) for f in action['failing']]
        text = '\n'.join(lines)
    else:
        fields = [{'title': 'Host', 'value': action['host'], 'short': True},
                  {'title': 'Server', 'value': action['server'], 'short': True},
                  {'title': 'Reason', 'value': action['reason'], 'short': True}]
        if action['event'] == 'trigger':
            fields.append({'title': 'Consecutive failures', 'value': str(action['consecutive_failures']), 'short': True})
        else:
            fields.append({'title': 'Failing since', 'value': action['since'] or 'unknown', 'short': True})
        fields.append({'title': 'Time', 'value': action['time'], 'short': True})
        text = action['message']
        if action.get('stderr_tail'):
            text = '%s\n```%s```' % (text, action['stderr_tail'])
    attachment = {'color': colour, 'title': action['summary'], 'fields': fields, 'footer': CLIENT,
                  'mrkdwn_in': ['text']}
    if text:
        attachment['text'] = text
    prefix = ':white_check_mark: RESOLVED' if action['event'] == 'resolve' else ':rotating_light: %s' % action['severity'].upper()
    return {'text': '%s: %s' % (prefix, action['summary']), 'attachments': [attachment]}


def pagerduty_body(action, routing_key):
    body = {'routing_key': routing_key, 'event_action': action['event'], 'dedup_key': action['dedup_key']}
    if action['event'] == 'resolve':
        return body
    if action['scope'] == 'storm':
        details = {'hosts': action['hosts'], 'failing': action['failing']}
        source, component, klass = 'mcpops.mcp monitor', 'mcp', 'storm'
    else:
        details = dict((k, action[k]) for k in ('reason', 'message', 'consecutive_failures', 'stderr_tail', 'last_seen'))
        source, component, klass = action['host'], action['server'], action['reason']
    body['payload'] = {'summary': action['summary'][:1024], 'source': source, 'severity': action['severity'],
                       'timestamp': action['time'], 'component': component, 'group': 'mcp', 'class': klass,
                       'custom_details': details}
    body['client'] = CLIENT
    return body


def webhook_body(action):
    body = {'schema': SCHEMA}
    body.update(_public(action))
    return body


def build_requests(actions, slack_url='', routing_key='', pagerduty_url='', webhook_url=''):
    """One request per action and configured sender: {sender, index, event, scope, host, server, url, body}.

    Holds webhook URLs and the routing key: only ever loop over it in a no_log task.
    """
    requests = []
    for index, action in enumerate(actions or []):
        bodies = []
        if slack_url:
            bodies.append(('slack', slack_url, slack_body(action)))
        if routing_key:
            if not pagerduty_url:
                raise AlertError('mcp_pagerduty_events_url is empty while mcp_pagerduty_routing_key is set')
            bodies.append(('pagerduty', pagerduty_url, pagerduty_body(action, routing_key)))
        if webhook_url:
            bodies.append(('webhook', webhook_url, webhook_body(action)))
        for sender, url, body in bodies:
            requests.append({'sender': sender, 'index': index, 'event': action['event'], 'scope': action['scope'],
                             'host': action.get('host'), 'server': action.get('server'), 'url': url, 'body': body})
    return requests


# --------------------------------------------------------------------------------------------
# After sending


def _send_error(result):
    status = result.get('status')
    text = result.get('msg') or ''
    text = _URL_RE.sub('<url>', mask_text(str(text)))
    if isinstance(status, int) and status > 0:
        return 'HTTP %d: %s' % (status, text) if text else 'HTTP %d' % status
    return text or 'no answer'


def commit_alerts(plan, results):
    """(states to write, report) once the requests of plan were sent.

    results: the registered loop results of the send task (each with item = a build_requests entry, minus
    nothing: only sender/index/event/scope/host/server are read; status, msg). An action that was sent to at
    least one sender and accepted by none is undone in the states, so the next run sends it again.
    """
    states = copy.deepcopy(plan['states'])
    by_index = {}
    report = []
    for result in results or []:
        item = result.get('item') or {}
        if result.get('skipped'):
            continue
        status = result.get('status')
        ok = isinstance(status, int) and 200 <= status < 300
        by_index.setdefault(item.get('index'), []).append(ok)
        row = {'sender': item.get('sender'), 'event': item.get('event'), 'scope': item.get('scope'),
               'host': item.get('host'), 'server': item.get('server'), 'status': status, 'ok': ok,
               'error': None if ok else _send_error(result)}
        what = '%s/%s' % (row['host'], row['server']) if row['scope'] == 'server' else 'storm summary'
        row['line'] = '%s %s %s: %s' % (row['sender'], row['event'], what, 'sent' if ok else 'NOT DELIVERED (%s)' % row['error'])
        report.append(row)
    undone = []
    for index, action in enumerate(plan['actions']):
        outcomes = by_index.get(index)
        if not outcomes or any(outcomes):
            continue
        undone.append(index)
        if action['scope'] == 'server':
            host_state = states.get(action['host'])
            if host_state is None:
                continue
            if action['event'] == 'trigger':
                host_state['open'].pop(action['server'], None)
            else:
                host_state['open'][action['server']] = action['opened']
        else:
            for host_state in states.values():
                host_state['storm'] = None if action['event'] == 'trigger' else {'since': action['since']}
    return {'states': states, 'report': report, 'undone': undone,
            'failed': [r for r in report if not r['ok']]}
