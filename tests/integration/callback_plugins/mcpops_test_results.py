# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: one JSON line per finished task and host, for tests/integration/conftest.py.

ansible-core has no JSON callback of its own (it lives in ansible.posix, which cannot be
installed offline), and a notification callback keeps the normal text on stdout, so tests
can read both.  Results are the cleaned copies the default callback shows (no_log censored).
Works with ansible-core 2.16 through 2.19+ (2.19 renamed result._result/_host/_task).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: mcpops_test_results
type: notification
short_description: Write per-task results as JSON lines for the mcpops.mcp integration tests
description:
  - Appends one JSON object per finished task and host to the file named by E(MCPOPS_TEST_RESULTS).
  - Does nothing when that variable is not set.
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase

try:
    from ansible.module_utils.common.json import AnsibleJSONEncoder
except ImportError:  # pragma: no cover - very old ansible-core
    AnsibleJSONEncoder = json.JSONEncoder


class SafeEncoder(AnsibleJSONEncoder):
    """Never let an odd value type lose a test its results."""

    def default(self, o):  # pylint: disable=method-hidden
        try:
            return super(SafeEncoder, self).default(o)
        except TypeError:
            return str(o)


def _attr(obj, new, old):
    """ansible-core 2.19 exposes result/host/task; older releases only the underscored names."""
    value = getattr(obj, new, None)
    return value if value is not None else getattr(obj, old, None)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'mcpops_test_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._path = os.environ.get('MCPOPS_TEST_RESULTS')
        self._play = None
        # (host, task uuid) -> per-item statuses in order: ansible-core >= 2.21 leaves 'failed' out of
        # the item dicts of the task result, so the item callbacks are the only per-item record.
        self._items = {}

    def _write(self, event):
        if not self._path:
            return
        line = json.dumps(event, cls=SafeEncoder, sort_keys=True)
        # One append per line: a killed run leaves only whole lines behind.
        with open(self._path, 'a') as results:
            results.write(line + '\n')

    def _task_event(self, result, status, ignore_errors=False):
        task = _attr(result, 'task', '_task')
        host = _attr(result, 'host', '_host')
        data = dict(_attr(result, 'result', '_result') or {})
        if status == 'ok' and data.get('changed'):
            status = 'changed'
        statuses = self._items.pop(self._item_key(result), None)
        if statuses and isinstance(data.get('results'), list) and len(data['results']) == len(statuses):
            items = []
            for item, item_status in zip(data['results'], statuses):
                item = dict(item) if isinstance(item, dict) else item
                if isinstance(item, dict) and item_status == 'failed':
                    item.setdefault('failed', True)
                items.append(item)
            data['results'] = items
        self._write(dict(
            event='task',
            play=self._play,
            task=self._task_name(result, task),
            action=getattr(task, 'action', None),
            host=host.get_name() if host else None,
            status=status,
            ignore_errors=bool(ignore_errors),
            time=time.time(),
            result=data,
        ))

    @staticmethod
    def _task_name(result, task):
        """The task's own name: ansible-core >= 2.21 prefixes task_name with '<role> : '."""
        name = result.task_name or (task.get_name() if task else None)
        role = getattr(task, '_role', None)
        if name and role is not None:
            for prefix in set([role.get_name(), role.get_name(include_role_fqcn=False)]):
                if name.startswith(prefix + ' : '):
                    return name[len(prefix) + 3:]
        return name

    def _item_key(self, result):
        task = _attr(result, 'task', '_task')
        host = _attr(result, 'host', '_host')
        return (host.get_name() if host else None, getattr(task, '_uuid', None))

    def _item_event(self, result, status):
        self._items.setdefault(self._item_key(result), []).append(status)

    def v2_runner_item_on_ok(self, result):
        self._item_event(result, 'ok')

    def v2_runner_item_on_failed(self, result):
        self._item_event(result, 'failed')

    def v2_runner_item_on_skipped(self, result):
        self._item_event(result, 'skipped')

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name()

    def v2_runner_on_ok(self, result):
        self._task_event(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._task_event(result, 'failed', ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._task_event(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._task_event(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        hosts = sorted(stats.processed.keys())
        self._write(dict(event='stats', stats=dict((host, stats.summarize(host)) for host in hosts)))
