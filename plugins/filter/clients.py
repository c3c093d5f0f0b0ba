# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the roles' mcp_clients (documented in the .yml files beside this one): which option cannot go
with several clients, what became of each client in a deploy, whether a client has a log directory to read."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.mcpops.mcp.plugins.module_utils._clients import ClientError, get_client

# Per-client deploy statuses (roles/deploy) -> how the rollout line names them, in this order.
_LABELS = (
    ('deployed', 'deployed'),
    ('unchanged', 'unchanged'),
    ('rolled_back_after_deploy', 'deployed, then rolled back'),
    ('rolled_back', 'failed and rolled back'),
    ('rollback_failed', 'ROLLBACK FAILED'),
    ('starting', 'failed before any change'),
    ('applying', 'in progress'),
    ('pending', 'not reached'),
)
_LABEL = dict(_LABELS)


def _names(clients, what):
    if not isinstance(clients, (list, tuple)) or not all(isinstance(c, str) for c in clients):
        raise AnsibleFilterError('%s: expects the list of client names' % what)
    return list(clients)


def clients_problems(clients, single=None):
    """Client names + {option: value} of options that name one client's file -> sentences (empty = fine)."""
    clients = _names(clients, 'clients_problems')
    problems = []
    seen = []
    for name in clients:
        if name in seen:
            problems.append('mcp_clients names %s more than once; give each client once.' % name)
        else:
            seen.append(name)
    if len(seen) > 1:
        for option, value in sorted((single or {}).items()):
            if value:
                problems.append(
                    '%s is set while mcp_clients names %d clients (%s): one file cannot be several clients\' '
                    'configs; leave %s empty so each client uses its own, or run once per client.'
                    % (option, len(seen), ', '.join(seen), option))
    return problems


def clients_outcome(state, clients):
    """Per-client deploy state ({client: {status, was, config_path, exists, rollback_to, saved_current}}) after a
    failure and its rollback -> {'status': host status, 'rollout': ['label: a, b', ...], 'lines': [sentences]}.

    status: rollback_failed when any client's rollback failed, rolled_back when some client was rolled back,
    else failed_before_change. A client missing from state was not reached."""
    clients = _names(clients, 'clients_outcome')
    if not isinstance(state, dict):
        raise AnsibleFilterError('clients_outcome: expects the per-client state as a mapping')
    several = len(clients) > 1
    groups = {}
    lines = []
    statuses = []
    for name in clients:
        item = state.get(name) or {}
        status = item.get('status') or 'pending'
        key = 'rolled_back_after_deploy' if status == 'rolled_back' and item.get('was') == 'deployed' else status
        groups.setdefault(_LABEL.get(key, key), []).append(name)
        statuses.append(status)
        prefix = ' (%s)' % name if several else ''
        if status == 'rolled_back':
            lines.append('Rolled back%s: %s is byte-identical to %s.' % (
                prefix, item.get('config_path'), item.get('rollback_to') or 'before the deploy (it did not exist)'))
            if item.get('saved_current'):
                lines.append('The broken config was saved as %s.' % item['saved_current'])
        elif status == 'rollback_failed':
            lines.append('ROLLBACK FAILED%s: %s does not match %s; restore it by hand.' % (
                prefix, item.get('config_path'), item.get('rollback_to') or 'the state before the deploy'))
    if 'rollback_failed' in statuses:
        host_status = 'rollback_failed'
    elif 'rolled_back' in statuses:
        host_status = 'rolled_back'
    else:
        host_status = 'failed_before_change'
        lines.append('Nothing was changed (the failure came before the first write).')
    order = [label for _key, label in _LABELS] + sorted(set(groups) - set(_LABEL.values()))
    rollout = ['%s: %s' % (label, ', '.join(groups[label])) for label in order if label in groups]
    return {'status': host_status, 'rollout': rollout, 'lines': lines}


def client_logs_known(name):
    """Whether the client table knows where the client writes its logs (else mcp_logs needs a log_dir)."""
    try:
        return bool(get_client(name).get('log_dirs'))
    except ClientError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    def filters(self):
        return {
            'clients_problems': clients_problems,
            'clients_outcome': clients_outcome,
            'client_logs_known': client_logs_known,
        }
