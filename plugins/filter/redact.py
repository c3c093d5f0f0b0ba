# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The redact filter (documented in redact.yml); the rules are module_utils/_redact.mask_data's."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mcpops.mcp.plugins.module_utils._redact import mask_data


def redact(value, known=None):
    """value (text or a JSON-like structure) with every credential masked; known: extra secret values."""
    return mask_data(value, tuple(known or ()))


class FilterModule(object):
    def filters(self):
        return {'redact': redact}
