# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mcp_policy then playbooks/audit.yml over real local-connection hosts: the policy the module writes is the policy
the audit reads; hosts x findings come out worst first (an unreachable host and an invalid config are rows, not a
stop); no secret of any config reaches the output or the two files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import socket
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK = os.path.join(os.path.dirname(os.path.dirname(HERE)), 'playbooks', 'audit.yml')
SECRET = 'ghp_auditPlaybookSecret0123456789'


def _closed_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_policy_then_fleet_audit(tmp_path, run_playbook):
    policy_dir = tmp_path / 'etc' / 'claude-code'
    run_playbook([{
        'hosts': 'localhost', 'gather_facts': False,
        'tasks': [{'mcpops.mcp.mcp_policy': {'client': 'claude_code', 'policy_dir': str(policy_dir),
                                             'allowed': [{'serverName': 'github'}, {'serverName': 'rogue'}],
                                             'denied': [{'serverUrl': 'https://*.untrusted.example/*'},
                                                        {'serverCommand': ['npx', '-y', '@evil/mcp']}]}}],
    }])
    clean = tmp_path / 'clean.json'
    clean.write_text(json.dumps({'mcpServers': {'github': {'command': 'npx', 'args': ['-y', 'gh'],
                                                           'env': {'GITHUB_TOKEN': SECRET}}}}))
    drifted = tmp_path / 'drifted.json'
    drifted.write_text(json.dumps({'mcpServers': {
        'github': {'command': 'npx', 'args': ['-y', 'gh', '--old'], 'env': {'GITHUB_TOKEN': SECRET}},
        'rogue': {'command': 'npx', 'args': ['-y', '@evil/mcp']},
        'remote': {'url': 'https://api.untrusted.example/mcp?token=' + SECRET}}}))
    broken = tmp_path / 'broken.json'
    broken.write_text('{"mcpServers": {},}')
    local = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}
    hosts = {
        'alpha': dict(local, mcp_config_path=str(clean)),
        'bravo': dict(local, mcp_config_path=str(drifted)),
        'charlie': dict(local, mcp_config_path=str(broken)),
        'delta': {'ansible_connection': 'ssh', 'ansible_host': '127.0.0.1', 'ansible_port': _closed_port(),
                  'ansible_ssh_common_args': '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5'},
        'localhost': local,
    }
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': hosts, 'vars': {
        'mcp_audit_servers': [{'name': 'github', 'command': 'npx', 'args': ['-y', 'gh'],
                               'secret_env': {'GITHUB_TOKEN': SECRET}}],
        'mcp_audit_policy_client': 'claude_code', 'mcp_audit_policy_dir': str(policy_dir)}}}))
    out = tmp_path / 'report'
    run = run_playbook(PLAYBOOK, inventory=str(inventory), limit='alpha,bravo,charlie,delta,localhost',
                       extravars={'mcp_audit_dir': str(out), 'mcp_audit_hosts': 'alpha,bravo,charlie,delta'})
    report = json.loads((out / 'mcp-audit.json').read_text())
    order = [row['host'] for row in report['hosts']]
    assert set(order[:2]) == {'charlie', 'delta'} and order[2:] == ['bravo', 'alpha']
    rows = dict((row['host'], row) for row in report['hosts'])
    assert 'broken.json:1:' in rows['charlie']['failed_because'] and not rows['delta']['ok']
    classes = dict((f['name'], f['classes']) for f in rows['bravo']['findings'])
    assert classes == {'rogue': ['unmanaged', 'denied'], 'remote': ['unmanaged', 'denied'], 'github': ['changed']}
    assert rows['alpha']['findings'] == [{'name': 'github', 'client': 'claude_desktop', 'classes': ['declared'], 'fields': []}]
    html = (out / 'mcp-audit.html').read_text()
    assert html.index('bravo') < html.index('alpha') and '<script' not in html
    for text in (run.all_text, html, (out / 'mcp-audit.json').read_text()):
        assert SECRET not in text
