# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The redact filter over _redact.mask_data: secret-looking keys, free text, structures; plain data survives."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.mcpops.mcp.plugins.filter.redact import FilterModule, redact
from ansible_collections.mcpops.mcp.plugins.module_utils._redact import MASK, mask_data

GH = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'


def test_the_filter_is_registered_and_is_mask_data():
    assert FilterModule().filters()['redact'] is redact
    doc = {'env': {'API_KEY': 'abc123'}}
    assert redact(doc) == mask_data(doc)


def test_secret_keys_free_text_and_nesting():
    doc = {
        'env': {'GITHUB_TOKEN': 'x-secret-1', 'LEVEL': 'debug', 'apiKey': 12345},
        'stderr_tail': 'auth failed with Authorization: Bearer abc.def.ghi for ' + GH,
        'args': ['--token', 'plain-looking', '--port', '8080'],
        'url': 'https://alice:hunter2@example.com/mcp',
        'nested': [{'password': 'p@ss'}, 'connect postgres://u:pw@db/x'],
    }
    out = redact(doc)
    text = json.dumps(out)
    for secret in ('x-secret-1', '12345', 'abc.def.ghi', GH, 'hunter2', 'p@ss', ':pw@'):
        assert secret not in text, secret
    assert out['env']['GITHUB_TOKEN'] == MASK and out['env']['LEVEL'] == 'debug'
    assert out['args'][2:] == ['--port', '8080']
    assert doc['env']['GITHUB_TOKEN'] == 'x-secret-1'  # a copy: the input is left as it was


def test_plain_data_survives():
    doc = {'too_open': True, 'token_count': 7, 'max_tokens': 100, 'KEY': '', 'path': '/home/a/.config/Claude/x.json',
           'timestamp': '2026-12-04T10:00:00.123Z', 'env': {'API_KEY': MASK}, 'count': 3, 'none': None}
    assert redact(doc) == doc


def test_known_values_are_masked_anywhere():
    assert 'tok-long-known-value' not in redact({'note': 'it was tok-long-known-value'}, ['tok-long-known-value'])['note']
