# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding a server's command the way the client's spawn would (PATH lookup, exec bit)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

NOT_FOUND = 'not_found'
NOT_EXECUTABLE = 'not_executable'


def locate_command(command, path=None):
    """(resolved path or None, reason or None); reason is NOT_FOUND or NOT_EXECUTABLE."""
    if not command:
        return None, NOT_FOUND
    if os.sep in command or (os.altsep and os.altsep in command):
        if not os.path.exists(command):
            return None, NOT_FOUND
        if os.path.isdir(command) or not os.access(command, os.X_OK):
            return command, NOT_EXECUTABLE
        return command, None
    search = os.environ.get('PATH', os.defpath) if path is None else path
    found_not_executable = None
    for directory in search.split(os.pathsep):
        candidate = os.path.join(directory or '.', command)
        if os.path.isfile(candidate):
            if os.access(candidate, os.X_OK):
                return candidate, None
            found_not_executable = found_not_executable or candidate
    if found_not_executable:
        return found_not_executable, NOT_EXECUTABLE
    return None, NOT_FOUND


def find_command(command, path=None):
    """(resolved path or None, problem sentence or None) for error messages."""
    resolved, reason = locate_command(command, path)
    if reason == NOT_FOUND:
        return None, ('command %r was not found on the PATH the server gets; install it or give its '
                      'absolute path (or set validate_command=false to declare it before installing).' % command)
    if reason == NOT_EXECUTABLE:
        return resolved, 'command %r (%s) is not executable; fix its mode (chmod +x).' % (command, resolved)
    return resolved, None
