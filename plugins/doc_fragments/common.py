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
      - Which MCP client's configuration to manage. Each client is a row of the collection's client table, which
        decides the config file per OS and O(scope), its format (JSON, JSONC with comments, TOML), where the
        servers live in it, which entry fields and C(type) values the client takes and how it spells them.
      - V(claude_desktop) C(claude_desktop_config.json), C(mcpServers); stdio only (C(command), C(args), C(env)).
      - V(claude_code) C(~/.claude.json) (user scope C(mcpServers), local scope C(projects["<project>"].mcpServers)),
        project scope C(<project>/.mcp.json); C(type) V(stdio), V(http) or V(sse).
      - V(cursor) C(~/.cursor/mcp.json), project C(<project>/.cursor/mcp.json); remote via C(url) and C(headers).
      - V(vscode) C(mcp.json) in the VS Code user directory, workspace C(<project>/.vscode/mcp.json); key C(servers),
        C(type) written on every entry, top-level C(inputs) kept; JSONC.
      - V(windsurf) C(~/.codeium/windsurf/mcp_config.json); remote via C(serverUrl) (C(url) is read too).
      - V(gemini) C(~/.gemini/settings.json) (JSONC); C(httpUrl) for Streamable HTTP, C(url) for SSE; C(cwd);
        C(timeout), C(trust), C(includeTools) and C(excludeTools) kept as the entry's own keys.
      - V(codex) C(~/.codex/config.toml) (C($CODEX_HOME)), tables C([mcp_servers.<name>]); C(cwd); C(headers) written
        as C(http_headers); C(env) is refused on a URL entry. Needs the C(tomlkit) Python library on the host.
      - V(zed) C(~/.config/zed/settings.json) (JSONC), C(context_servers).
      - A field or C(type) value the client does not take, or a new server name it cannot use, is refused with a
        message naming the client and what it supports instead. See the C(docs/clients.md) page of the collection.
    type: str
    default: claude_desktop
    choices: [claude_code, claude_desktop, codex, cursor, gemini, vscode, windsurf, zed]
  scope:
    description:
      - Which of the client's configs to manage.
      - V(user) is the user's own config (the default file of the client).
      - V(project) is the project's config file under O(project_path) (for example C(<project>/.mcp.json) for
        C(claude_code), C(<project>/.vscode/mcp.json) for C(vscode)).
      - V(local) is C(claude_code)'s per-project entry in C(~/.claude.json) (C(projects["<project>"].mcpServers)).
      - A scope the client does not have is refused with the client's scopes.
    type: str
    default: user
    choices: [user, local, project]
  project_path:
    description:
      - Absolute directory of the project, for O(scope=project) and O(scope=local).
    type: path
  config_path:
    description:
      - Path of the client config file, overriding the client's default for the host's OS and O(scope).
        The servers stay where the scope keeps them in the file.
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
