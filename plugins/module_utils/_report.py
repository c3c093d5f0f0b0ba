# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet report: every host x server from the hosts' mcp_health results and deploy outcomes,
as a JSON document (schema in docs/report.md) and a self-contained static HTML page.

Pure: no disk, no processes. The report role hands in what each host left (a registered
mcp_health result, the deploy role's deploy_result fact) and writes the two texts on the controller.
Module results are already redacted; every free text (failure messages, stderr) goes through the
collection's one redaction path again before it lands in the report.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import re

from collections.abc import Mapping  # module_utils need Python >= 3.9 (tests/config.yml)

from html import escape as _html_escape

from ansible_collections.mcpops.mcp.plugins.module_utils._redact import mask_text

SCHEMA_VERSION = 1

# Row statuses, most severe first: the order of the page and of `counts`.
STATUSES = ('unreachable', 'error', 'unhealthy', 'not_checked', 'healthy')
STATUS_LABELS = {
    'unreachable': 'unreachable',
    'error': 'check failed',
    'unhealthy': 'unhealthy',
    'not_checked': 'not checked',
    'healthy': 'healthy',
}
# deploy_result.status values (roles/deploy) that mean the last deploy on the host failed.
DEPLOY_FAILED = ('rollback_failed', 'rolled_back', 'failed_before_change')
DEPLOY_UNKNOWN = 'unknown'
DEFAULT_TITLE = 'MCP fleet report'
# Which step left a health result, by the host variable it is in (anything else: the variable's name).
SOURCES = {
    'mcp_report_health': 'report',
    'verify_health': 'verify',
    'mcp_health_result': 'health',
    'deploy_health': 'deploy',
}
STDERR_REPORT_LINES = 8
# ansible-core 2.19 prefixes failure messages with this; it says nothing in a report.
_TASK_FAILED_PREFIX = 'Task failed: '
_NATURAL_RE = re.compile(r'(\d+)')


# --------------------------------------------------------------------------------------------
# Redaction


def redact(text):
    """Free text -> masked text, through the collection's one redaction path."""
    if text is None:
        return None
    return mask_text(str(text))


# --------------------------------------------------------------------------------------------
# Building the report


def plain(value):
    """A copy made of dict/list/str/int/float/bool/None only (hostvars hand in lazy, tagged containers)."""
    if isinstance(value, Mapping):
        return dict((str(k), plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (str, bytes)):
        return value.decode('utf-8', 'replace') if isinstance(value, bytes) else str(value)
    return str(value)


def _int_or_none(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _failure_text(result, default):
    message = result.get('msg') or default
    message = str(message)
    if message.startswith(_TASK_FAILED_PREFIX):
        message = message[len(_TASK_FAILED_PREFIX):]
    return redact(message.strip())


def _stderr_tail(text):
    if not text:
        return None
    lines = str(text).rstrip('\n').splitlines()[-STDERR_REPORT_LINES:]
    return redact('\n'.join(lines))


def choose_health(candidates):
    """candidates: (variable name, value or None) in order of preference -> (result, source).

    The first result that is not a skipped task wins; a skipped one only when there is nothing else.
    """
    skipped = None
    for name, value in candidates:
        if not isinstance(value, Mapping):
            continue
        if value.get('skipped'):
            skipped = skipped or (value, SOURCES.get(name, name))
            continue
        return value, SOURCES.get(name, name)
    return skipped or (None, None)


def deploy_outcome(deploy_result):
    """The deploy role's deploy_result fact (or None) -> the report's deploy object."""
    if not isinstance(deploy_result, dict) or not deploy_result.get('status'):
        return {'status': DEPLOY_UNKNOWN, 'changes': [], 'message': None, 'backup_file': None}
    changes = deploy_result.get('changes') or []
    message = deploy_result.get('message') or None
    unhealthy = [str(u) for u in deploy_result.get('unhealthy') or []]
    if unhealthy:
        message = '; '.join([message] + unhealthy if message else unhealthy)
    return {
        'status': str(deploy_result['status']),
        'changes': sorted(str(c) for c in changes) if isinstance(changes, list) else [],
        'message': redact(message) if message else None,
        'backup_file': str(deploy_result.get('backup_file') or '') or None,
    }


def _row(host, server, status, reason, message, deploy, **extra):
    row = {
        'host': host,
        'server': server,
        'status': status,
        'reason': reason,
        'message': message,
        'latency_ms': None,
        'tool_count': None,
        'tools': [],
        'exit_code': None,
        'stderr_tail': None,
        'transport': None,
        'deploy_status': deploy['status'],
        'deploy_changed': (server in deploy['changes']) if server is not None and deploy['status'] != DEPLOY_UNKNOWN else None,
    }
    row.update(extra)
    row['attention'] = status != 'healthy' or deploy['status'] in DEPLOY_FAILED
    return row


def host_rows(host, health, deploy_result=None, source=None):
    """One host's report entry and rows.

    health: the registered result of an mcp_health task on the host (ok, failed, unreachable or
    skipped), or None when the host has none in this run. deploy_result: the deploy role's fact or None.
    """
    host = str(host)
    health = plain(health) if health is not None else None
    deploy = deploy_outcome(plain(deploy_result) if deploy_result is not None else None)
    entry = {'host': host, 'status': None, 'source': source if health is not None else None,
             'config_path': None, 'message': None, 'server_count': 0, 'healthy_count': 0, 'deploy': deploy}
    rows = []
    if not isinstance(health, dict):
        entry['message'] = 'No health result for this host in this run (not reached, or it failed before the check).'
        rows.append(_row(host, None, 'not_checked', 'no_result', entry['message'], deploy))
    elif health.get('unreachable'):
        entry['message'] = _failure_text(health, 'The host could not be reached.')
        rows.append(_row(host, None, 'unreachable', 'unreachable', entry['message'], deploy))
    elif health.get('skipped'):
        entry['message'] = 'The health check was skipped on this host (%s).' % redact(
            health.get('false_condition') or health.get('skip_reason') or 'no reason given')
        rows.append(_row(host, None, 'not_checked', 'skipped', entry['message'], deploy))
    elif not isinstance(health.get('servers'), list):
        entry['message'] = _failure_text(health, 'The health check failed without a message.')
        rows.append(_row(host, None, 'error', 'check_failed', entry['message'], deploy))
    else:
        entry['config_path'] = health.get('config_path')
        for server in health['servers']:
            if not isinstance(server, dict):
                continue
            healthy = server.get('status') == 'healthy'
            tools = server.get('tools') if isinstance(server.get('tools'), list) else []
            rows.append(_row(
                host, str(server.get('name')), 'healthy' if healthy else 'unhealthy',
                str(server.get('reason') or ('ok' if healthy else 'unknown')),
                redact(server.get('message')) or None, deploy,
                latency_ms=_int_or_none(server.get('latency_ms')),
                tool_count=_int_or_none(server.get('tool_count')),
                tools=[str(t) for t in tools],
                exit_code=_int_or_none(server.get('exit_code')),
                stderr_tail=_stderr_tail(server.get('stderr_tail')),
                transport=server.get('transport')))
        entry['server_count'] = len(rows)
        entry['healthy_count'] = len([r for r in rows if r['status'] == 'healthy'])
        if not rows:
            entry['message'] = 'No MCP servers in the config%s.' % (
                ' (%s)' % entry['config_path'] if entry['config_path'] else '')
            rows.append(_row(host, None, 'not_checked', 'no_servers', entry['message'], deploy))
    entry['status'] = min((r['status'] for r in rows), key=STATUSES.index)
    return entry, rows


def natural_key(text):
    """fleet2 before fleet10."""
    return [int(part) if part.isdigit() else part.lower() for part in _NATURAL_RE.split(text or '')]


def _row_order(row):
    deploy_rank = 0 if row['deploy_status'] in DEPLOY_FAILED else 1
    return (0 if row['attention'] else 1, STATUSES.index(row['status']), deploy_rank,
            natural_key(row['host']), natural_key(row['server'] or ''))


def build_report(hosts, generated_at=None, title=None):
    """hosts: list of dicts with host, health, deploy_result, source (see host_rows) -> the report.

    Rows come failures first: anything not healthy or whose host's last deploy failed, most severe
    status first, then by host and server name (natural order).
    """
    entries = []
    rows = []
    for item in hosts:
        entry, host_rows_ = host_rows(item['host'], item.get('health'), item.get('deploy_result'), item.get('source'))
        entries.append(entry)
        rows.extend(host_rows_)
    rows.sort(key=_row_order)
    entries.sort(key=lambda e: (0 if e['status'] != 'healthy' or e['deploy']['status'] in DEPLOY_FAILED else 1,
                                STATUSES.index(e['status']), natural_key(e['host'])))
    counts = dict((status, len([r for r in rows if r['status'] == status])) for status in STATUSES)
    host_counts = dict((status, len([e for e in entries if e['status'] == status])) for status in STATUSES)
    deploy_counts = {}
    for entry in entries:
        deploy_counts[entry['deploy']['status']] = deploy_counts.get(entry['deploy']['status'], 0) + 1
    return {
        'schema_version': SCHEMA_VERSION,
        'title': str(title or DEFAULT_TITLE),
        'generated_at': generated_at or utc_timestamp(),
        'totals': {
            'hosts': len(entries),
            'servers': len([r for r in rows if r['server'] is not None]),
            'rows': len(rows),
            'attention': len([r for r in rows if r['attention']]),
        },
        'counts': counts,
        'host_counts': host_counts,
        'deploy_counts': dict(sorted(deploy_counts.items())),
        'hosts': entries,
        'rows': rows,
    }


def utc_timestamp(moment=None):
    moment = moment or datetime.datetime.now(datetime.timezone.utc)
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


def render_json(report):
    return json.dumps(report, indent=2, ensure_ascii=False) + '\n'


# --------------------------------------------------------------------------------------------
# The HTML page: static, self-contained, every value escaped


def esc(value):
    return _html_escape('' if value is None else str(value), quote=True)


def format_latency(latency_ms):
    if latency_ms is None:
        return ''
    if latency_ms >= 10000:
        return '%d s' % round(latency_ms / 1000.0)
    if latency_ms >= 1000:
        return '%.1f s' % (latency_ms / 1000.0)
    return '%d ms' % latency_ms


def format_generated_at(stamp):
    try:
        moment = datetime.datetime.strptime(stamp, '%Y-%m-%dT%H:%M:%SZ')
    except (TypeError, ValueError):
        return str(stamp)
    return moment.strftime('%Y-%m-%d %H:%M:%S UTC')


def _deploy_label(status):
    return str(status).replace('_', ' ')


_CSS = '''
:root { --bg: #f6f7f9; --card: #ffffff; --text: #1c2430; --muted: #5d6776; --line: #e3e6eb; --head: #f0f2f5;
  --unreachable: #7e3af2; --error: #c2410c; --unhealthy: #d92d20; --not_checked: #667085; --healthy: #12805c;
  --unreachable-bg: #f1eafe; --error-bg: #fff1e6; --unhealthy-bg: #fdecea; --not_checked-bg: #eef0f3; --healthy-bg: #e7f6ef; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #12161c; --card: #1a2029; --text: #e6e9ee; --muted: #9aa4b2; --line: #2b3340; --head: #202733;
    --unreachable-bg: #2a2140; --error-bg: #35261a; --unhealthy-bg: #3a1f1f; --not_checked-bg: #262c36; --healthy-bg: #17322a; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1280px; margin: 0 auto; padding: 28px 28px 40px; }
header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 8px 24px; }
h1 { font-size: 24px; margin: 0; letter-spacing: -0.01em; }
h2 { font-size: 15px; margin: 28px 0 10px; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); }
.meta { color: var(--muted); margin: 0; }
.verdict { margin: 14px 0 0; font-size: 16px; font-weight: 600; }
.verdict.bad { color: var(--unhealthy); }
.verdict.good { color: var(--healthy); }
.counts { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 12px; margin: 18px 0 4px; padding: 0; list-style: none; }
.count { background: var(--card); border: 1px solid var(--line); border-top: 4px solid var(--c); border-radius: 10px; padding: 12px 16px; }
.count .n { display: block; font-size: 30px; font-weight: 700; line-height: 1.1; color: var(--c); font-variant-numeric: tabular-nums; }
.count .l { color: var(--muted); font-size: 13px; }
.count.zero { border-top-color: var(--line); }
.count.zero .n { color: var(--muted); opacity: 0.55; }
.s-unreachable { --c: var(--unreachable); --cb: var(--unreachable-bg); }
.s-error { --c: var(--error); --cb: var(--error-bg); }
.s-unhealthy { --c: var(--unhealthy); --cb: var(--unhealthy-bg); }
.s-not_checked { --c: var(--not_checked); --cb: var(--not_checked-bg); }
.s-healthy { --c: var(--healthy); --cb: var(--healthy-bg); }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 10px; overflow-x: auto; }
table { width: 100%; min-width: 1100px; border-collapse: collapse; table-layout: fixed; }
th, td { text-align: left; padding: 9px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--head); font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
tbody tr:last-child td { border-bottom: 0; }
tr.attn td:first-child { box-shadow: inset 4px 0 0 var(--c); }
tr.attn.deploy-failed td:first-child { box-shadow: inset 4px 0 0 var(--unhealthy); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.num { text-align: right; }
.host { font-weight: 600; overflow-wrap: anywhere; }
td { overflow-wrap: anywhere; }
.server, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.none { color: var(--muted); }
.pill { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600;
  color: var(--c); background: var(--cb); white-space: nowrap; }
.reason { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; white-space: nowrap; }
.msg { color: var(--text); max-width: 520px; overflow-wrap: anywhere; }
.deploy { white-space: nowrap; font-size: 13px; }
.deploy.failed { color: var(--unhealthy); font-weight: 600; }
.deploy.unknown { color: var(--muted); }
details { margin-top: 4px; }
summary { cursor: pointer; color: var(--muted); font-size: 12.5px; }
pre { margin: 6px 0 0; padding: 8px 10px; background: var(--head); border-radius: 6px; font-size: 12px;
  white-space: pre-wrap; overflow-wrap: anywhere; max-height: 220px; overflow: auto; }
.healthy-note { color: var(--muted); padding: 14px 16px; margin: 0; }
footer { margin-top: 28px; color: var(--muted); font-size: 12.5px; }
@media (max-width: 900px) { main { padding: 18px 14px 28px; } .counts { grid-template-columns: repeat(3, minmax(0, 1fr)); } }
@media print { body { background: #fff; } .panel, .count { border-color: #ccc; } details { display: none; } }
'''


def _pill(status):
    return '<span class="pill s-%s">%s</span>' % (esc(status), esc(STATUS_LABELS.get(status, status)))


def _deploy_cell(row_or_entry_status, changed=None, message=None):
    status = row_or_entry_status
    css = 'failed' if status in DEPLOY_FAILED else 'unknown' if status == DEPLOY_UNKNOWN else 'ok'
    label = _deploy_label(status)
    if changed:
        label += ' \u00b7 changed'
    title = ' title="%s"' % esc(message) if message else ''
    return '<span class="deploy %s"%s>%s</span>' % (css, title, esc(label))


def _row_html(row):
    details = []
    if row['message']:
        details.append('<div class="msg">%s</div>' % esc(row['message']))
    if row['stderr_tail']:
        details.append('<details><summary>stderr%s</summary><pre>%s</pre></details>' % (
            ' (exit code %s)' % esc(row['exit_code']) if row['exit_code'] is not None else '', esc(row['stderr_tail'])))
    tools = ''
    if row['tool_count'] is not None:
        tools = '<span title="%s">%s</span>' % (esc(', '.join(row['tools'])), esc(row['tool_count']))
    server = ('<span class="server">%s</span>' % esc(row['server'])) if row['server'] is not None \
        else '<span class="none">(host)</span>'
    return (
        '<tr class="s-%s%s%s">' % (esc(row['status']), ' attn' if row['attention'] else '',
                                   ' deploy-failed' if row['deploy_status'] in DEPLOY_FAILED else '')
        + '<td>%s</td>' % _pill(row['status'])
        + '<td class="host">%s</td>' % esc(row['host'])
        + '<td>%s</td>' % server
        + '<td><span class="reason">%s</span></td>' % esc(row['reason'])
        + '<td class="num">%s</td>' % esc(format_latency(row['latency_ms']))
        + '<td class="num">%s</td>' % tools
        + '<td>%s</td>' % _deploy_cell(row['deploy_status'], row['deploy_changed'])
        + '<td>%s</td>' % ''.join(details)
        + '</tr>'
    )


_ROW_COLS = ('<colgroup><col style="width:118px"><col style="width:11%"><col style="width:11%"><col style="width:120px">'
             '<col style="width:80px"><col style="width:58px"><col style="width:156px"><col></colgroup>')
_ROW_HEAD = (_ROW_COLS + '<thead><tr><th>Status</th><th>Host</th><th>Server</th><th>Reason</th><th class="num">Latency</th>'
             '<th class="num">Tools</th><th>Last deploy</th><th>Details</th></tr></thead>')


def _rows_table(rows):
    return '<div class="panel"><table>%s<tbody>%s</tbody></table></div>' % (
        _ROW_HEAD, ''.join(_row_html(r) for r in rows))


def _host_html(entry):
    deploy = entry['deploy']
    servers = ('%d of %d healthy' % (entry['healthy_count'], entry['server_count'])) if entry['server_count'] else ''
    note = entry['config_path'] and '<code>%s</code>' % esc(entry['config_path']) or esc(entry['message'] or '')
    deploy_note = ''
    if deploy['changes']:
        deploy_note += '<div class="msg">changed: %s</div>' % esc(', '.join(deploy['changes']))
    if deploy['message']:
        deploy_note += '<div class="msg">%s</div>' % esc(deploy['message'])
    return (
        '<tr class="s-%s">' % esc(entry['status'])
        + '<td>%s</td>' % _pill(entry['status'])
        + '<td class="host">%s</td>' % esc(entry['host'])
        + '<td class="num">%s</td>' % esc(servers)
        + '<td>%s%s</td>' % (_deploy_cell(deploy['status']), deploy_note)
        + '<td class="msg">%s</td>' % note
        + '<td>%s</td>' % esc(entry['source'] or '')
        + '</tr>'
    )


def render_html(report):
    """The report as one static HTML page: inline CSS, no scripts, no external resources."""
    counts = report['counts']
    totals = report['totals']
    attention = [r for r in report['rows'] if r['attention']]
    healthy = [r for r in report['rows'] if not r['attention']]
    title = report.get('title') or DEFAULT_TITLE
    if attention:
        hosts_hit = len(set(r['host'] for r in attention))
        verdict = '<p class="verdict bad">%d need%s attention, on %d of %d host%s</p>' % (
            len(attention), 's' if len(attention) == 1 else '', hosts_hit, totals['hosts'], '' if totals['hosts'] == 1 else 's')
        page_title = '%s \u2014 %d need%s attention' % (title, len(attention), 's' if len(attention) == 1 else '')
    else:
        verdict = '<p class="verdict good">All %d server%s on %d host%s healthy</p>' % (
            totals['servers'], '' if totals['servers'] == 1 else 's', totals['hosts'], '' if totals['hosts'] == 1 else 's')
        page_title = '%s \u2014 all healthy' % title
    cards = ''.join(
        '<li class="count s-%s%s"><span class="n">%d</span><span class="l">%s</span></li>' % (
            esc(status), '' if counts.get(status) else ' zero', counts.get(status, 0), esc(STATUS_LABELS[status]))
        for status in STATUSES)
    parts = [
        '<!DOCTYPE html>',
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="mcpops.mcp fleet report, schema %d">' % SCHEMA_VERSION,
        '<title>%s</title>' % esc(page_title),
        '<style>%s</style></head><body><main>' % _CSS,
        '<header><h1>%s</h1><p class="meta">Generated %s \u00b7 %d host%s \u00b7 %d server%s</p></header>' % (
            esc(title), esc(format_generated_at(report['generated_at'])),
            totals['hosts'], '' if totals['hosts'] == 1 else 's', totals['servers'], '' if totals['servers'] == 1 else 's'),
        verdict,
        '<ul class="counts">%s</ul>' % cards,
    ]
    if attention:
        parts.append('<h2>Needs attention (%d)</h2>' % len(attention))
        parts.append(_rows_table(attention))
    parts.append('<h2>Healthy (%d)</h2>' % len(healthy))
    parts.append(_rows_table(healthy) if healthy else
                 '<div class="panel"><p class="healthy-note">No healthy server in this report.</p></div>')
    parts.append('<h2>Hosts (%d)</h2>' % len(report['hosts']))
    parts.append('<div class="panel"><table><colgroup><col style="width:118px"><col style="width:14%%"><col style="width:120px">'
                 '<col style="width:26%%"><col><col style="width:80px"></colgroup>'
                 '<thead><tr><th>Status</th><th>Host</th><th class="num">Servers</th>'
                 '<th>Last deploy</th><th>Config / note</th><th>Source</th></tr></thead><tbody>%s</tbody></table></div>'
                 % ''.join(_host_html(e) for e in report['hosts']))
    parts.append('<footer>mcpops.mcp fleet report \u00b7 schema %d \u00b7 the same data is in fleet-report.json</footer>'
                 % SCHEMA_VERSION)
    parts.append('</main></body></html>\n')
    return '\n'.join(parts)
