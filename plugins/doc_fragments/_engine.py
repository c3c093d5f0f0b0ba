# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection (the leading underscore): it may change at any time; do not use it from elsewhere.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The config modules that have an action plugin (plugins/action/, plugins/plugin_utils/_controller_engine.py).
    # List it before mcpops.mcp._attributes: its platform attribute then wins over the generic one.
    DOCUMENTATION = r'''
options:
  engine:
    description:
      - Where the module's engine runs.
      - V(host) runs the module on the managed host, as every module does (needs Python 3.9 or later there, and
        C(tomlkit) for TOML configs).
      - V(controller) runs the same module code on the controller and moves only bytes to and from the host
        (C(ansible.builtin.slurp), C(ansible.builtin.copy) and short shell commands on POSIX hosts;
        C(ansible.windows.slurp), C(win_stat), C(win_copy) and C(win_powershell) on Windows hosts). The host needs no Python 3.9 and no C(tomlkit); a POSIX
        host only needs what C(ansible.builtin) modules need. The file is still written through a temp file in its
        own directory and an atomic replace that first checks the file still holds the bytes that were read (the
        edit is redone on fresh bytes when it changed), with the C(pre-change) backup written before. No lock file
        is taken on the host. Results, diffs and backups are the same as with V(host).
      - V(auto) is V(controller) on Windows hosts (the connection's shell is PowerShell) and V(host) everywhere else.
      - On Windows, C(%APPDATA%) and C(%LOCALAPPDATA%) are those of O(user) (its profile from the registry's
        C(ProfileList)), else of the connecting user; a task that runs as SYSTEM must set O(user). The Microsoft
        Store build's C(%LOCALAPPDATA%\Packages\Claude_pzs8sxrjxfjjc\LocalCache\Roaming\Claude\) is used when it exists.
        Needs the C(ansible.windows) collection.
    type: str
    choices: [auto, host, controller]
    default: auto
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
  platform:
    platforms: [posix, windows]
    details:
      - Linux and macOS hosts run the module (O(engine=host)) or only move bytes (O(engine=controller)).
      - Windows hosts always use O(engine=controller). Tested here by recorded C(ansible.windows) module results only,
        not on a real Windows host (see the collection's C(docs/windows.md)).
'''
