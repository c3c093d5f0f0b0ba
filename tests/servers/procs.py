# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find the test servers still alive: live processes whose argv or environment carries a marker (Linux /proc)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os


def processes_with(marker):
    """[(pid, first argv items)] of live, non-zombie processes mentioning marker, this process excluded."""
    found = []
    needle = marker.encode()
    for name in os.listdir('/proc') if os.path.isdir('/proc') else []:
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open('/proc/%s/stat' % name, 'rb') as handle:
                if handle.read().rsplit(b')', 1)[1].split()[0] == b'Z':
                    continue
            with open('/proc/%s/cmdline' % name, 'rb') as handle:
                cmdline = handle.read()
            with open('/proc/%s/environ' % name, 'rb') as handle:
                environ = handle.read()
        except (IOError, OSError, IndexError):
            continue
        if needle in cmdline or needle in environ:
            found.append((int(name), cmdline.split(b'\0')[:4]))
    return found
