# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alert decisions (threshold, no repeat, resolve, storm), bodies, and what is kept after sending."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

import pytest

from ansible_collections.mcpops.mcp.plugins.module_utils import _alerts as al

NOW = '2026-12-04T12:00:00Z'
LATER = '2026-12-04T12:05:00Z'
SECRET = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'


def server(name, healthy=True, count=0, reason=None, **extra):
    item = {'name': name, 'status': 'healthy' if healthy else 'unhealthy', 'reason': reason or ('ok' if healthy else 'exited'),
            'message': 'ok' if healthy else 'the server exited with code 1 before answering.',
            'consecutive_failures': count, 'stderr_tail': None if healthy else 'boom', 'last_seen': None}
    item.update(extra)
    return item


def host(name, servers, state=None):
    return {'host': name, 'health': {'changed': False, 'servers': servers}, 'state': state}


def run(hosts, **kwargs):
    kwargs.setdefault('now', NOW)
    return al.plan_alerts(hosts, **kwargs)


def slurped(state):
    return {'content': base64.b64encode(json.dumps(state).encode()).decode(), 'encoding': 'base64'}


def test_first_failure_does_not_alert():
    plan = run([host('web1', [server('gh', False, 1)])])
    assert plan['actions'] == []
    assert plan['states']['web1'] == {'version': 1, 'open': {}, 'storm': None}
    assert plan['failing_hosts'] == []


def test_second_failure_triggers_once_with_masked_details():
    plan = run([host('web1', [server('gh', False, 2, stderr_tail='GITHUB_TOKEN=%s rejected' % SECRET), server('ok')])])
    assert len(plan['actions']) == 1
    action = plan['actions'][0]
    assert action['event'] == 'trigger' and action['scope'] == 'server'
    assert action['dedup_key'] == 'mcpops-mcp/web1/gh'
    assert action['severity'] == 'critical'
    assert action['consecutive_failures'] == 2
    assert SECRET not in json.dumps(action)
    assert action['summary'] == 'MCP server gh on web1 is unhealthy: exited (2 consecutive failed checks)'
    assert plan['states']['web1']['open'] == {'gh': {'since': NOW, 'reason': 'exited', 'severity': 'critical',
                                                     'dedup_key': 'mcpops-mcp/web1/gh'}}


def test_still_failing_does_not_repeat_and_state_is_unchanged():
    first = run([host('web1', [server('gh', False, 2)])])
    second = run([host('web1', [server('gh', False, 3)], slurped(first['states']['web1']))], now=LATER)
    assert second['actions'] == []
    assert second['states']['web1'] == first['states']['web1']


def test_recovery_resolves_with_the_same_dedup_key():
    first = run([host('web1', [server('gh', False, 2)])])
    plan = run([host('web1', [server('gh', True, 0)], first['states']['web1'])], now=LATER)
    assert [(a['event'], a['dedup_key'], a['since'], a['time']) for a in plan['actions']] == [
        ('resolve', 'mcpops-mcp/web1/gh', NOW, LATER)]
    assert plan['actions'][0]['summary'] == 'MCP server gh on web1 is healthy again'
    assert plan['states']['web1']['open'] == {}


def test_server_removed_from_config_resolves_its_alert():
    first = run([host('web1', [server('gh', False, 2)])])
    plan = run([host('web1', [server('other')], first['states']['web1'])])
    assert plan['actions'][0]['event'] == 'resolve'
    assert plan['actions'][0]['reason'] == 'not_checked'


@pytest.mark.parametrize('reason, severity', [
    ('not_found', 'critical'), ('exited', 'critical'), ('timeout', 'error'), ('protocol_error', 'error'),
    ('auth_required', 'error'), ('missing_tools', 'warning'), ('something_new', 'error')])
def test_severity_from_reason(reason, severity):
    plan = run([host('web1', [server('gh', False, 5, reason=reason)])])
    assert plan['actions'][0]['severity'] == severity


def test_threshold_one_alerts_on_the_first_failure():
    assert len(run([host('web1', [server('gh', False, 1)])], threshold=1)['actions']) == 1


def test_storm_sends_one_summary_instead_of_a_page_per_host():
    hosts = [host('web%d' % i, [server('gh', False, 2)]) for i in range(1, 4)] + [host('web4', [server('gh')])]
    plan = run(hosts, storm_hosts=2)
    assert plan['storm'] is True
    assert [(a['event'], a['scope'], a['dedup_key']) for a in plan['actions']] == [('trigger', 'storm', 'mcpops-mcp/storm')]
    assert plan['actions'][0]['hosts'] == ['web1', 'web2', 'web3']
    assert plan['actions'][0]['summary'] == 'MCP alert storm: 3 hosts have failing MCP servers (more than 2): web1, web2, web3'
    assert all(s['storm'] == {'since': NOW} and s['open'] == {} for s in plan['states'].values())

    # Still a storm: nothing repeats.
    again = run([dict(h, state=plan['states'][h['host']]) for h in hosts], storm_hosts=2, now=LATER)
    assert again['actions'] == []
    assert again['states'] == plan['states']

    # Over: the storm resolves and the servers still failing get their own alert.
    calm = [host('web1', [server('gh', False, 4)], plan['states']['web1'])] + [
        host(h['host'], [server('gh')], plan['states'][h['host']]) for h in hosts[1:]]
    over = run(calm, storm_hosts=2, now=LATER)
    assert [(a['event'], a['scope'], a.get('host')) for a in over['actions']] == [
        ('resolve', 'storm', None), ('trigger', 'server', 'web1')]
    assert over['actions'][0]['since'] == NOW
    assert all(s['storm'] is None for s in over['states'].values())


def test_open_alerts_resolve_during_a_storm():
    before = run([host('a', [server('gh', False, 2)])])
    hosts = [host('a', [server('gh')], before['states']['a'])] + [host(n, [server('gh', False, 2)]) for n in 'bcd']
    plan = run(hosts, storm_hosts=2)
    assert [(a['event'], a['scope'], a.get('host')) for a in plan['actions']] == [('resolve', 'server', 'a'),
                                                                                  ('trigger', 'storm', None)]


def test_unusable_health_results_are_skipped_and_their_state_kept():
    hosts = [{'host': 'down', 'health': {'unreachable': True, 'msg': 'ssh'}},
             {'host': 'broken', 'health': {'failed': True, 'msg': 'config invalid: Bearer abcdefghijklmnop'}},
             {'host': 'none'}]
    plan = run(hosts)
    assert plan['states'] == {}
    assert [s['host'] for s in plan['skipped_hosts']] == ['down', 'broken', 'none']
    assert 'abcdefghijklmnop' not in json.dumps(plan)


@pytest.mark.parametrize('content', ['not json', '[]', '{"open": []}', '{"open": {"x": 1}}'])
def test_corrupt_state_starts_empty_with_a_warning(content):
    state = {'content': base64.b64encode(content.encode()).decode()}
    plan = run([dict(host('web1', [server('gh', False, 2)], state), state_path='/s.json')])
    assert plan['warnings'] == ['web1: alert state /s.json is not an alert state document; starting with no open '
                                'alerts (a server that is still failing alerts again).']
    assert len(plan['actions']) == 1


def test_missing_state_file_is_no_open_alert():
    missing = {'failed': True, 'msg': 'file not found: /x'}
    assert al.load_state(missing) == (al.empty_state(), None)


def test_bad_settings_are_refused():
    with pytest.raises(al.AlertError):
        run([], threshold=0)
    with pytest.raises(al.AlertError):
        run([], storm_hosts=0)


# ---------------------------------------------------------------------------------- bodies


def trigger_action():
    return run([host('web1', [server('gh', False, 2, stderr_tail='line1\nline2', last_seen='2026-12-04T11:00:00Z')])])['actions'][0]


def test_slack_trigger_body():
    assert al.slack_body(trigger_action()) == {
        'text': ':rotating_light: CRITICAL: MCP server gh on web1 is unhealthy: exited (2 consecutive failed checks)',
        'attachments': [{
            'color': '#d62728',
            'title': 'MCP server gh on web1 is unhealthy: exited (2 consecutive failed checks)',
            'fields': [{'title': 'Host', 'value': 'web1', 'short': True},
                       {'title': 'Server', 'value': 'gh', 'short': True},
                       {'title': 'Reason', 'value': 'exited', 'short': True},
                       {'title': 'Consecutive failures', 'value': '2', 'short': True},
                       {'title': 'Time', 'value': NOW, 'short': True}],
            'footer': 'mcpops.mcp monitor',
            'mrkdwn_in': ['text'],
            'text': 'the server exited with code 1 before answering.\n```line1\nline2```',
        }]}


def test_pagerduty_bodies():
    action = trigger_action()
    assert al.pagerduty_body(action, 'RK') == {
        'routing_key': 'RK', 'event_action': 'trigger', 'dedup_key': 'mcpops-mcp/web1/gh', 'client': 'mcpops.mcp monitor',
        'payload': {'summary': action['summary'], 'source': 'web1', 'severity': 'critical', 'timestamp': NOW,
                    'component': 'gh', 'group': 'mcp', 'class': 'exited',
                    'custom_details': {'reason': 'exited', 'message': 'the server exited with code 1 before answering.',
                                       'consecutive_failures': 2, 'stderr_tail': 'line1\nline2',
                                       'last_seen': '2026-12-04T11:00:00Z'}}}
    resolve = run([host('web1', [server('gh')], run([host('web1', [server('gh', False, 2)])])['states']['web1'])])['actions'][0]
    assert al.pagerduty_body(resolve, 'RK') == {'routing_key': 'RK', 'event_action': 'resolve',
                                                'dedup_key': 'mcpops-mcp/web1/gh'}


def test_webhook_body_is_the_action_with_a_schema_and_never_the_previous_state():
    opened = run([host('web1', [server('gh', False, 2)])])['states']['web1']
    resolve = run([host('web1', [server('gh')], opened)])['actions'][0]
    body = al.webhook_body(resolve)
    assert body['schema'] == 'mcpops.mcp.alert/v1'
    assert 'opened' not in body
    assert set(body) == set(['schema', 'event', 'scope', 'dedup_key', 'severity', 'summary', 'host', 'server', 'reason',
                             'message', 'consecutive_failures', 'stderr_tail', 'last_seen', 'since', 'time'])


def test_requests_only_for_configured_senders():
    plan = run([host('web1', [server('gh', False, 2)])])
    assert al.build_requests(plan['actions']) == []
    reqs = al.build_requests(plan['actions'], slack_url='https://hooks/s', routing_key='RK', pagerduty_url='https://pd',
                             webhook_url='https://w')
    assert [(r['sender'], r['url'], r['index']) for r in reqs] == [
        ('slack', 'https://hooks/s', 0), ('pagerduty', 'https://pd', 0), ('webhook', 'https://w', 0)]
    with pytest.raises(al.AlertError):
        al.build_requests(plan['actions'], routing_key='RK')


# ---------------------------------------------------------------------------------- after sending


def results_for(requests, statuses):
    return [{'item': r, 'status': s, 'msg': 'Status code was %s: https://hooks.slack.com/services/T/B/secret' % s}
            for r, s in zip(requests, statuses)]


def test_a_trigger_no_sender_accepted_is_not_recorded_so_it_is_sent_again():
    plan = run([host('web1', [server('gh', False, 2)])])
    reqs = al.build_requests(plan['actions'], slack_url='https://s', webhook_url='https://w')
    done = al.commit_alerts(plan, results_for(reqs, [500, -1]))
    assert done['states']['web1']['open'] == {}
    assert done['undone'] == [0]
    assert [(r['sender'], r['ok']) for r in done['report']] == [('slack', False), ('webhook', False)]
    assert all('secret' not in r['error'] and '<url>' in r['error'] for r in done['failed'])
    # One sender accepting is enough.
    kept = al.commit_alerts(plan, results_for(reqs, [500, 200]))
    assert list(kept['states']['web1']['open']) == ['gh']
    assert kept['undone'] == []


def test_a_resolve_no_sender_accepted_keeps_the_alert_open():
    opened = run([host('web1', [server('gh', False, 2)])])['states']['web1']
    plan = run([host('web1', [server('gh')], opened)])
    reqs = al.build_requests(plan['actions'], webhook_url='https://w')
    assert al.commit_alerts(plan, results_for(reqs, [503]))['states']['web1'] == opened


def test_storm_trigger_not_delivered_is_retried():
    hosts = [host(n, [server('gh', False, 2)]) for n in 'abc']
    plan = run(hosts, storm_hosts=2)
    reqs = al.build_requests(plan['actions'], webhook_url='https://w')
    done = al.commit_alerts(plan, results_for(reqs, [-1]))
    assert all(s['storm'] is None for s in done['states'].values())


def test_no_sender_configured_keeps_the_decisions():
    plan = run([host('web1', [server('gh', False, 2)])])
    assert al.commit_alerts(plan, [])['states'] == plan['states']


def test_report_lines_say_what_was_not_delivered_without_the_url():
    plan = run([host('web1', [server('gh', False, 2)])])
    reqs = al.build_requests(plan['actions'], slack_url='https://s', webhook_url='https://w')
    done = al.commit_alerts(plan, results_for(reqs, [202, 500]))
    assert [r['line'] for r in done['report']] == [
        'slack trigger web1/gh: sent',
        'webhook trigger web1/gh: NOT DELIVERED (HTTP 500: Status code was 500: <url>)']
