# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the document codecs (_jsonedit, _tomledit) and the config engine (_config) share.

Kept apart so the codecs need not import _config (which imports them).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ConfigError(Exception):
    """A config document we refuse to touch. str() is one readable sentence."""

    def __init__(self, message, path=None, line=None, column=None, hint=None):
        self.path = path
        self.line = line
        self.column = column
        self.hint = hint
        self.reason = message
        where = path or '<config>'
        if line is not None:
            where = '%s:%d:%d' % (where, line, column or 1)
        text = '%s: %s' % (where, message)
        if hint:
            text = '%s %s' % (text, hint)
        Exception.__init__(self, text)


class _Delete(object):
    """The value of an edit operation that removes the member at its path."""

    def __repr__(self):
        return 'DELETE'


DELETE = _Delete()
