# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's real main() in-process with given args and capture its JSON result."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import io
import json
import sys

import pytest

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes

    @contextlib.contextmanager
    def patch_module_args(args):
        args = dict(args)
        args.setdefault('_ansible_remote_tmp', '/tmp')
        args.setdefault('_ansible_keep_remote_files', False)
        old = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = old


class ModuleRun(object):
    def __init__(self, result, stdout):
        self.result = result
        self.stdout = stdout

    @property
    def failed(self):
        return bool(self.result.get('failed'))


@pytest.fixture
def run_module():
    """run_module(module_main, args, check=False, diff=False) -> ModuleRun with the parsed result."""

    def _run(main, args, check=False, diff=False):
        args = dict(args)
        if check:
            args['_ansible_check_mode'] = True
        if diff:
            args['_ansible_diff'] = True
        out = io.StringIO()
        old = sys.stdout
        sys.stdout = out
        try:
            with patch_module_args(args):
                with pytest.raises(SystemExit):
                    main()
        finally:
            sys.stdout = old
        text = out.getvalue()
        return ModuleRun(json.loads(text[text.index('{'):]), text)

    return _run
