# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/awx_setup.yml without a controller: syntax, ansible-lint production, and the real awx.awx modules'
argument validation (every task must get past it and fail only at the connection to a closed port).

awx.awx comes out of the `ansible` community package's wheel on PyPI (`make awx-collection`), as Galaxy is not
reachable here. No AWX server runs here: nothing in this file proves the objects work on a live controller.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import socket
import subprocess
import sys

import pytest
import yaml

from _helpers import CALLBACK_DIR, collections_root

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SETUP = os.path.join(REPO, 'playbooks', 'awx_setup.yml')
BIN = os.path.dirname(sys.executable)
AWX_COLLECTIONS = os.path.join(REPO, 'build', 'awx-collections')
TOKEN = 'controller-oauth-token-for-tests-4711'
SSH_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAtest\n-----END OPENSSH PRIVATE KEY-----\n'
VALUES = {
    'awx_setup_scm_url': 'https://git.example.com/ops/mcp-fleet.git',
    'awx_setup_ee_image': 'registry.example.com/mcpops-mcp-ee:1.1.0',
    'awx_setup_machine_username': 'deploy',
    'awx_setup_machine_ssh_key': SSH_KEY,
    'awx_setup_vault_password': 'vault-pw-for-tests-0815',
    'awx_setup_notification_configuration': {'url': 'https://hooks.example.com/mcp', 'headers': {}, 'http_method': 'POST'},
}
# Keys of one AWX survey question (awx/api/views survey validation; the awx.awx job_template docs' survey_spec).
SURVEY_KEYS = {'variable', 'question_name', 'question_description', 'type', 'required', 'default', 'choices', 'min', 'max',
               'new_question'}
SURVEY_TYPES = {'text', 'textarea', 'password', 'integer', 'float', 'multiplechoice', 'multiselect'}


@pytest.fixture(scope='module')
def awx_env():
    # The pinned wheel, downloaded once per checkout (flock: the matrix lanes may run this at the same time).
    subprocess.run(['make', '-s', '-f', os.path.join(REPO, 'Makefile'), 'awx-collection', 'VENV_PY=' + sys.executable],
                   check=True, cwd=REPO, capture_output=True, timeout=600)
    assert os.path.exists(os.path.join(AWX_COLLECTIONS, 'ansible_collections', 'awx', 'awx', 'MANIFEST.json'))
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': os.pathsep.join([collections_root(), AWX_COLLECTIONS]),
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'PATH': os.pathsep.join([BIN, env.get('PATH', os.defpath)]),
    })
    env.pop('ANSIBLE_CONFIG', None)
    return env


def _tasks():
    with open(SETUP, encoding='utf-8') as handle:
        plays = yaml.safe_load(handle)
    assert len(plays) == 1
    return plays[0]


def _module(task):
    return [k for k in task if k.startswith('awx.awx.')]


def test_syntax_check(awx_env):
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '--syntax-check', SETUP],
                          env=awx_env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.skipif(not os.path.exists(os.path.join(BIN, 'ansible-lint')), reason='ansible-lint is only in the main venv')
def test_ansible_lint_production(awx_env):
    proc = subprocess.run([os.path.join(BIN, 'ansible-lint'), '--profile', 'production', '--offline', '--nocolor', SETUP],
                          env=awx_env, capture_output=True, text=True, cwd=REPO, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_option_is_one_the_module_documents(awx_env):
    play = _tasks()
    modules = sorted(set(m for task in play['tasks'] for m in _module(task)))
    assert modules == ['awx.awx.credential', 'awx.awx.execution_environment', 'awx.awx.inventory',
                       'awx.awx.inventory_source', 'awx.awx.job_template', 'awx.awx.notification_template',
                       'awx.awx.project', 'awx.awx.schedule']
    proc = subprocess.run([os.path.join(BIN, 'ansible-doc'), '-j'] + modules, env=awx_env, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    docs = dict((name, entry['doc']['options']) for name, entry in json.loads(proc.stdout).items())
    for task in play['tasks']:
        for module in _module(task):
            unknown = sorted(set(task[module]) - set(docs[module]))
            assert not unknown, (task['name'], module, unknown)
            for option, value in task[module].items():
                choices = docs[module][option].get('choices')
                if choices and isinstance(value, str) and '{{' not in value:
                    assert value in choices, (task['name'], option, value, choices)
    # Values that come from play vars and must be among the module's choices.
    variables = play['vars']
    assert variables['awx_setup_ee_pull'] in docs['awx.awx.execution_environment']['pull']['choices']
    assert variables['awx_setup_notification_type'] in docs['awx.awx.notification_template']['notification_type']['choices']
    # Surveys: known question keys and types, multiple choice defaults among the choices, one per flow.
    flows = [t['flow'] for t in variables['awx_setup_job_templates']]
    assert flows == ['deploy', 'verify', 'rollback', 'health', 'backup', 'monitor']
    assert sorted(variables['awx_setup_playbooks']) == sorted(flows)
    for template in variables['awx_setup_job_templates']:
        for question in template['survey']:
            assert set(question) <= SURVEY_KEYS, (template['flow'], question)
            assert question['type'] in SURVEY_TYPES and question['variable'] and question['question_name']
            if question['type'] == 'multiplechoice':
                assert question['default'] in question['choices']
    deploy = variables['awx_setup_job_templates'][0]
    assert deploy['simultaneous'] is False and deploy['survey'][0]['variable'] == 'mcp_servers'


def _closed_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def _run_against_closed_port(awx_env, tmp_path, play):
    """Every task of play with ignore_errors, against a controller URL nobody listens on -> {task: [msgs]}."""
    for task in play['tasks']:
        task['ignore_errors'] = True
        task.pop('no_log', None)  # the messages are the point; the values are test data
    path = str(tmp_path / 'awx_setup_probe.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump([play], handle, sort_keys=False)
    values = str(tmp_path / 'values.json')
    with open(values, 'w', encoding='utf-8') as handle:
        json.dump(VALUES, handle)
    results = str(tmp_path / 'results.jsonl')
    env = dict(awx_env, CONTROLLER_HOST='http://127.0.0.1:%d' % _closed_port(), CONTROLLER_OAUTH_TOKEN=TOKEN,
               ANSIBLE_CALLBACK_PLUGINS=CALLBACK_DIR, ANSIBLE_CALLBACKS_ENABLED='mcpops_test_results',
               MCPOPS_TEST_RESULTS=results)
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), path, '-e', '@' + values],
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # every failure ignored
    out = {}
    with open(results, encoding='utf-8') as handle:
        for line in handle:
            event = json.loads(line)
            if event.get('event') != 'task':
                continue
            result = event['result']
            msgs = [r.get('msg', '') for r in result['results']] if 'results' in result else [result.get('msg', '')]
            out[event['task']] = msgs
    return out


def test_real_argument_validation_passes_and_only_the_connection_fails(awx_env, tmp_path):
    messages = _run_against_closed_port(awx_env, tmp_path, _tasks())
    assert messages.pop('Check the required settings') == ['All assertions passed']
    assert len(messages['Job templates with surveys']) == 6 and len(messages['Schedules (backup daily, health every 5 minutes)']) == 2
    assert len(messages) == 9
    for name, msgs in messages.items():
        for msg in msgs:
            assert 'trying to connect to http://127.0.0.1:' in msg and 'Connection refused' in msg, (name, msg)


def test_the_validation_probe_catches_a_wrong_option(awx_env, tmp_path):
    # The probe above can fail: a misspelt option and a value outside the choices are refused before any connection.
    play = _tasks()
    play['tasks'] = [t for t in play['tasks'] if 'awx.awx.project' in t or 'awx.awx.execution_environment' in t]
    project = [t for t in play['tasks'] if 'awx.awx.project' in t][0]['awx.awx.project']
    project['scm_update_on_lunch'] = project.pop('scm_update_on_launch')
    [t for t in play['tasks'] if 'awx.awx.execution_environment' in t][0]['awx.awx.execution_environment']['pull'] = 'sometimes'
    messages = _run_against_closed_port(awx_env, tmp_path, play)
    assert 'Unsupported parameters' in messages['Project holding the job playbooks and the inventory'][0]
    assert 'scm_update_on_lunch' in messages['Project holding the job playbooks and the inventory'][0]
    assert 'pull must be one of' in messages['Execution environment built from execution-environment.yml'][0]
