# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_server_info on the host (engine=host, POSIX default) or on the controller (engine=controller, Windows default)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mcpops.mcp.plugins.plugin_utils._controller_engine import CONFIG, ControllerEngineAction


class ActionModule(ControllerEngineAction):
    MODULE = 'mcpops.mcp.mcp_server_info'
    KIND = CONFIG
