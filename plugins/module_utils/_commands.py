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


def command_problem(command, reason, resolved=None, path=None, hint=None):
    """One sentence for a locate_command() reason, or None; every caller words lookup problems this way.

    path: the PATH searched (named in the sentence for a bare command); hint: a caller's extra remedy.
    """
    if reason == NOT_FOUND:
        searched = ''
        if path is not None and command and os.sep not in command:
            searched = ' (searched PATH=%s)' % path
        return ('command %r was not found on the PATH the server gets%s; install it or give its absolute path%s.'
                % (command, searched, ' (%s)' % hint if hint else ''))
    if reason == NOT_EXECUTABLE:
        if resolved and os.path.isdir(resolved):
            return 'command %r (%s) is a directory, not a program.' % (command, resolved)
        return ('command %r (%s) is not executable; fix its mode (chmod +x) or run it through its interpreter.'
                % (command, resolved))
    return None


def find_command(command, path=None):
    """(resolved path or None, problem sentence or None) for error messages."""
    resolved, reason = locate_command(command, path)
    problem = command_problem(command, reason, resolved,
                              hint='or set validate_command=false to declare it before installing')
    return (None if reason == NOT_FOUND else resolved), problem
