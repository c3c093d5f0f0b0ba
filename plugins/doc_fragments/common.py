# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Options every mcpops.mcp module accepts (module_defaults group/mcpops.mcp.mcp passes them to all).
    DOCUMENTATION = r'''
options:
  client:
    description:
      - Which MCP client's configuration to manage.
      - The client decides the default config path per OS, the key that holds the servers and which entry fields are allowed.
    type: str
    default: claude_desktop
    choices: [claude_desktop]
  config_path:
    description:
      - Path of the client config file, overriding the client's default for the host's OS.
      - Default for C(claude_desktop) is C(~/.config/Claude/claude_desktop_config.json) on Linux and
        C(~/Library/Application Support/Claude/claude_desktop_config.json) on macOS, where C(~) is the home of O(user).
      - When the path is a symlink, its target is edited and the link is kept.
    type: path
  user:
    description:
      - Whose config this is. Resolves that user's home directory for the default paths, and new files,
        directories and backups are owned by that user.
      - Use it with C(become), where C(~) would otherwise be root's home and a root-owned C(0600) config
        would be unreadable to the user's client.
      - Default is the user the module runs as.
    type: str
  backup_dir:
    description:
      - Directory for backups. Created with mode C(0700) (owned by O(user)) when missing.
      - Default is C(backups/) beside the (resolved) config file.
    type: path
'''
