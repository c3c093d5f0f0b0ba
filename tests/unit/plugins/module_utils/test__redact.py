# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one redaction path, and every caller of it, on one table.

Each row of CASES (text, what must be masked, what must survive) runs through _redact's free-text
function AND through every caller's public entry point: mcp_logs entries/lifecycle/errors_grouped,
mcp_health's judged result (stderr_tail, message, warnings, failure summary), the config's redacted
entries (args, url, other fields, env values), the no_log values the modules register (read back
through Ansible's own remove_values), and the modules' real main() at -vvv. A caller that masks
differently from the others fails here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible.module_utils.common.parameters import remove_values

from ansible_collections.mcpops.mcp.plugins.module_utils import _config, _entries, _health, _logs, _protocol, _redact
from ansible_collections.mcpops.mcp.plugins.module_utils._redact import MASK
from ansible_collections.mcpops.mcp.plugins.modules import mcp_health, mcp_server, mcp_server_info
from ansible_collections.mcpops.mcp.tests.unit.module_runner import run_module_main

# Token shapes, built from pieces so the source holds no literal credential-shaped string.
GH = 'gh' + 'p_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'
GHO = 'gh' + 'o_' + 'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2'
GHU = 'gh' + 'u_' + 'b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8s9'
GHS = 'gh' + 's_' + 'c3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8s9t0'
GHR = 'gh' + 'r_' + 'd4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8s9t0u1'
GH_PAT = 'github' + '_pat_' + '11ABCDEFG0' + 'x' * 12 + '_' + 'Y1' * 28
OPENAI = 'sk-' + 'proj-' + 'Ab3dEf6hIj9kLm2nOp5qRs8tUv1w'
OPENAI_OLD = 'sk-' + 'Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7c'
ANTHROPIC = 'sk-' + 'ant-api03-' + 'Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0-Pp9Oo8AA'
STRIPE = 'sk_' + 'live_' + '51HfakeFAKEfake0123456789'
STRIPE_TEST = 'sk_' + 'test_' + '4eC39HqLyjWDarjtT1zdp7dc'
STRIPE_RK = 'rk_' + 'live_' + '51HfakeRestricted0123456'
SLACK_BOT = 'xox' + 'b-' + '1234567890-0987654321-AbCdEfGhIjKlMnOp'
SLACK_USER = 'xox' + 'p-' + '1234567890-0987654321-QrStUvWxYz'
AWS = 'AKIA' + 'IOSFODNN7EXAMPLE'
AWS_STS = 'ASIA' + 'Y3FAKEKEYID12345'
GOOGLE = 'AIza' + 'SyA-fake_Google-Key0123456789abcdefg'
JWT = 'eyJ' + 'hbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ' + 'zdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'
PEM_BODY = 'MIIEowIBAAKCAQEA0fakefakefakeQ1w2e3r4t5y6\nu7i8o9p0FAKEFAKEFAKEa1s2d3f4g5h6j7k8l9'
PEM = '-----BEGIN RSA PRIVATE KEY-----\n' + PEM_BODY + '\n-----END RSA PRIVATE KEY-----'

# (id, text, substrings that must be masked, substrings that must survive)
CASES = [
    # The samples from the issue
    ('colon', 'API_KEY: supersecretvalue', ['supersecretvalue'], ['API_KEY:']),
    ('equals', 'password=hunter2hunter2', ['hunter2hunter2'], ['password=']),
    ('openai-under-key', 'OPENAI_API_KEY=' + OPENAI, [OPENAI, OPENAI[10:]], ['OPENAI_API_KEY=']),
    ('bearer-short', 'Authorization: Bearer abcdefg', ['abcdefg'], ['Authorization: Bearer']),
    ('github-in-error', 'Error: GITHUB_TOKEN=%s is invalid' % GH, [GH, GH[8:]], ['Error: GITHUB_TOKEN=', ' is invalid']),
    # Keys in every form
    ('json', '{"GITHUB_TOKEN":"ghp_x1"}', ['ghp_x1'], ['{"GITHUB_TOKEN":"']),
    ('json-spaced', '"api_key": "sk-live-1"', ['sk-live-1'], ['"api_key": "']),
    ('camel', '{"apiKey": "k3y-VALUE-77", "accessToken": "tok-VALUE-88"}', ['k3y-VALUE-77', 'tok-VALUE-88'], ['apiKey']),
    ('js-object', "env: { API_KEY: 'abc123', HOME: '/home/alice' }", ['abc123'], ["HOME: '/home/alice'"]),
    ('header-name', 'X-Api-Key: hdrvalue42 sent', ['hdrvalue42'], ['X-Api-Key:', ' sent']),
    ('query', 'GET https://api.example.com/v1?api_key=QUERYSECRET9&page=2', ['QUERYSECRET9'], ['page=2', 'api.example.com']),
    ('yaml-pass', 'db_password: "p@ss w0rd"', ['p@ss w0rd'], ['db_password:']),
    # Flags
    ('flag-eq', 'run --token=abc123 now', ['abc123'], ['--token=', ' now']),
    ('flag-space', 'started with --api-key SPACEDSECRET1 --port 8080', ['SPACEDSECRET1'], ['--port 8080']),
    ('flag-any-key', 'npx figma-developer-mcp --figma-api-key=FIGSECRET123 --stdio', ['FIGSECRET123'], ['--stdio']),
    ('flag-x-token', 'mcp --x-token XTOKSECRET9 --keyboard', ['XTOKSECRET9'], ['--keyboard']),
    ('flag-list', "args: [ '--api-key', 'sk-1xyz', '-p', '8080' ]", ['sk-1xyz'], ["'-p', '8080'"]),
    ('flag-json-list', '["--client-secret","CLISECRET77","--verbose"]', ['CLISECRET77'], ['"--verbose"']),
    # Authorization schemes
    ('bearer-bare', 'sent Bearer abcdefghijkl upstream', ['abcdefghijkl'], ['sent Bearer', 'upstream']),
    ('basic', 'Authorization: Basic dXNlcjpwYXNzd29yZA==', ['dXNlcjpwYXNzd29yZA=='], ['Authorization: Basic']),
    ('token-scheme', 'header Authorization: token 0123abcd', ['0123abcd'], ['Authorization: token']),
    ('quoted-auth', '{"Authorization": "Bearer qwerty9"}', ['qwerty9'], ['"Authorization": "Bearer ']),
    ('mcp-remote', 'npx mcp-remote https://mcp.example.com --header "Authorization: Bearer HDRSECRET5"',
     ['HDRSECRET5'], ['mcp-remote https://mcp.example.com --header']),
    # URLs and connection strings
    ('url', 'git clone https://bob:pw1234@example.com/x.git', ['pw1234'], ['https://bob:', '@example.com/x.git']),
    ('postgres', 'connect postgres://u:PGSECRET@db/x failed', ['PGSECRET'], ['postgres://u:', '@db/x failed']),
    ('ado', 'Server=db;User Id=sa;Password=Pa55 word!;Database=x', ['Pa55 word!'], ['Server=db', 'Database=x']),
    ('odbc', 'Driver={x};Uid=sa;Pwd=odbcpw9;', ['odbcpw9'], ['Uid=sa']),
    # Token shapes without a key name
    ('github-shapes', 'tokens %s %s %s %s %s' % (GHO, GHU, GHS, GHR, GH_PAT), [GHO, GHU, GHS, GHR, GH_PAT], ['tokens ']),
    ('openai-shapes', 'keys %s and %s' % (OPENAI_OLD, ANTHROPIC), [OPENAI_OLD, ANTHROPIC], ['keys ', ' and ']),
    ('stripe', 'charge with %s / %s / %s' % (STRIPE, STRIPE_TEST, STRIPE_RK), [STRIPE, STRIPE_TEST, STRIPE_RK],
     ['charge with ']),
    ('slack', 'slack %s %s' % (SLACK_BOT, SLACK_USER), [SLACK_BOT, SLACK_USER], ['slack ']),
    ('aws', 'aws %s %s region eu-west-1' % (AWS, AWS_STS), [AWS, AWS_STS], ['region eu-west-1']),
    ('google', 'maps key=%s;' % GOOGLE, [GOOGLE], ['maps ']),
    ('jwt', 'id_token ' + JWT + ' expired', [JWT, JWT.split('.')[1]], ['id_token ', ' expired']),
    ('pem', 'loaded ' + PEM + ' ok', [PEM_BODY, PEM_BODY.split('\n')[1]], ['-----BEGIN RSA PRIVATE KEY-----', ' ok']),
    # Nothing secret: everything survives (no over-masking)
    ('plain-words', 'monkey=1 --keyboard --port 8080 passport=ok bypass=2', [], ['monkey=1', '--keyboard', '--port 8080',
                                                                                 'passport=ok', 'bypass=2']),
    ('numbers-times', 'Request 42 failed after 3001 ms at 2026-01-03T11:39:20.074Z', [],
     ['Request 42 failed after 3001 ms at 2026-01-03T11:39:20.074Z']),
    ('paths', 'cannot open /home/alice/data/x.db (PATH=/usr/local/bin:/usr/bin)', [],
     ['/home/alice/data/x.db', 'PATH=/usr/local/bin:/usr/bin']),
    ('uuid-ids', 'session 0b5f3a9c-1d2e-4f00-9abc-0123456789ab id=req_01HZX7 gone', [],
     ['0b5f3a9c-1d2e-4f00-9abc-0123456789ab', 'id=req_01HZX7']),
    ('token-counts', 'max_tokens=4096 TOKEN_COUNT=5 authType=oauth inputTokens: 12', [],
     ['max_tokens=4096', 'TOKEN_COUNT=5', 'authType=oauth', 'inputTokens: 12']),
    ('prose', 'missing bearer token; Token refreshed; basic usage; the key is required', [],
     ['missing bearer token', 'Token refreshed', 'basic usage', 'the key is required']),
    ('www-authenticate', 'WWW-Authenticate: Bearer resource_metadata="https://mcp.example.com/.well-known/x"', [],
     ['Bearer resource_metadata="https://mcp.example.com/.well-known/x"']),
    ('not-a-key', 'task-runner-1234567890abcdefghijk disk-0123456789abcdefghij', [],
     ['task-runner-1234567890abcdefghijk', 'disk-0123456789abcdefghij']),
    ('no-password-url', 'fetch https://user@example.com:8443/path ok', [], ['https://user@example.com:8443/path ok']),
    ('empty-values', 'API_KEY="" TOKEN: null password="" AUTH=false', [], ['API_KEY=""', 'TOKEN: null', 'password=""', 'AUTH=false']),
]
IDS = [case[0] for case in CASES]


def _check(output, masked, survives, case_id, survivor_text=None):
    for secret in masked:
        assert secret not in output, '%s: %r leaked in %r' % (case_id, secret, output)
    for plain in survives:
        assert plain in (output if survivor_text is None else survivor_text), \
            '%s: %r over-masked in %r' % (case_id, plain, output if survivor_text is None else survivor_text)


def _no_log(text, values):
    """What Ansible prints for text once the module registered values as no_log values."""
    return remove_values(text, set(values))


# --------------------------------------------------------------------------------------------
# The table through every path


@pytest.mark.parametrize('case_id, text, masked, survives', CASES, ids=IDS)
def test_free_text(case_id, text, masked, survives):
    out = _redact.mask_text(text)
    _check(out, masked, survives, case_id)
    assert (MASK in out) is bool(masked)
    assert _redact.mask_text(out) == out  # idempotent: a masked text stays as it is


@pytest.mark.parametrize('case_id, text, masked, survives', CASES, ids=IDS)
def test_mcp_logs_entries_lifecycle_and_groups(tmp_path, case_id, text, masked, survives):
    log = tmp_path / 'mcp-server-srv.log'
    # One line per entry: a multi-line text is logged the way Claude logs JSON-RPC messages (newlines escaped).
    line = text.replace('\n', '\\n')
    log.write_text(u'2026-01-03T11:39:20.074Z [srv] [error] %s\n'
                   u'2026-01-03T11:39:21.000Z [srv] [info] Server transport closed unexpectedly, %s\n' % (line, line))
    result = _logs.collect(str(tmp_path), now=1767441600)
    messages = [entry['message'] for entry in result['entries']]
    assert len(messages) == 2
    masked = [secret.replace('\n', '\\n') for secret in masked]
    _check(json.dumps(result), masked, (), case_id)
    _check(json.dumps(result), [secret.replace('\\', '\\\\') for secret in masked], (), case_id)
    _check(messages[0], masked, survives, case_id)
    assert result['lifecycle']['srv']['message'] == messages[1]
    # errors_grouped's signature is built from the masked message.
    assert [g['count'] for g in result['errors_grouped']] == [1]


@pytest.mark.parametrize('case_id, text, masked, survives', CASES, ids=IDS)
def test_mcp_health_stderr_message_warnings(case_id, text, masked, survives):
    result = _protocol.new_result('srv', 'stdio')
    result.update(reason='exited', exit_code=1, message='the server exited: %s' % text, stderr_tail=text,
                  warnings=['stdout: %s' % text])
    judged = _health.judge(result, None, [])
    for field in (judged['stderr_tail'], judged['message'], judged['warnings'][0], _health.failure_summary([judged])):
        _check(field, masked, survives, case_id)
    assert judged['stderr_tail'] == _redact.mask_text(text)


@pytest.mark.parametrize('case_id, text, masked, survives', CASES, ids=IDS)
def test_config_entries_and_server_info(case_id, text, masked, survives):
    entry = {'command': 'npx', 'args': ['-y', text], 'url': text, 'note': text, 'env': {'NOTE': text}}
    red = _config.redact_entry(entry)
    for field in (red['args'][1], red['url'], red['note']):
        _check(field, masked, survives, case_id)
    assert red['env'] == {'NOTE': MASK}  # every env value of a config entry is masked
    info = _config.summarize_entry('srv', entry)
    _check(json.dumps(info), masked, (), case_id)
    _check(info['args'][1], masked, survives, case_id)
    # An env dict on its own: a key that is not secret keeps its value, with credentials inside masked.
    _check(_redact.mask_env({'NOTE': text})['NOTE'], masked, survives, case_id)


@pytest.mark.parametrize('case_id, text, masked, survives', CASES, ids=IDS)
def test_redact_filter_over_structures(case_id, text, masked, survives):
    """mask_data (the redact filter, what the support bundle writes): every string in a structure as mask_text."""
    from ansible_collections.mcpops.mcp.plugins.filter.redact import redact
    doc = {'msg': text, 'nested': [{'stderr_tail': text}], 'env': {'NOTE': text}}
    out = redact(doc)
    _check(json.dumps(out), masked, (), case_id)
    for field in (out['msg'], out['nested'][0]['stderr_tail'], out['env']['NOTE']):
        _check(field, masked, survives, case_id)
        assert field == _redact.mask_text(text)


@pytest.mark.parametrize('case_id, text, masked, survives', CASES, ids=IDS)
def test_no_log_values(case_id, text, masked, survives):
    """The values modules register hide every secret once Ansible applies them, and nothing else."""
    registered = {
        'text': _redact.secret_values_in_text(text),
        'args': _redact.secret_values_in_args(['-y', text]),
        'env': _redact.secret_values_in_env({'NOTE': text}),
        'url': _redact.secret_values_in_url(text),
        'mcp_server': _entries.secret_values({'name': 'srv', 'command': 'npx', 'args': [text], 'env': {'NOTE': text}}),
        'mcp_health': _health.secret_values([{'args': [text], 'env': {'NOTE': text}, 'url': None}], None),
    }
    for source, values in registered.items():
        _check(_no_log(text, values), masked, survives, '%s/%s' % (case_id, source))


# --------------------------------------------------------------------------------------------
# The modules' real entry points: a failure inside AnsibleModule's own validation (before main() could
# do anything) and a check-mode run with --diff, both at the verbosity that prints the invocation.


@pytest.mark.parametrize('case_id, text, masked, survives', CASES, ids=IDS)
def test_mcp_server_invocation(tmp_path, case_id, text, masked, survives):
    path = str(tmp_path / 'c.json')
    args = dict(config_path=path, name='srv', command='sh', args=['-c', 'true', text], env={'NOTE': text},
                _ansible_verbosity=3)
    refused = run_module_main(mcp_server.main, dict(args, url='https://mcp.example.com'))
    assert refused.failed and 'mutually exclusive' in refused.result['msg']
    _check(refused.stdout, masked, (), case_id)
    run = run_module_main(mcp_server.main, args, check=True, diff=True)
    assert run.result['changed'], run.result
    _check(run.stdout, masked, (), case_id)
    _check(run.result['server']['args'][2], masked, survives, case_id)


@pytest.mark.parametrize('case_id, text, masked, survives', CASES, ids=IDS)
def test_mcp_health_invocation(case_id, text, masked, survives):
    spec = dict(name='srv', command='sh', args=['-c', 'true', text], env={'NOTE': text}, url='https://x.example')
    refused = run_module_main(mcp_health.main, dict(specs=[spec], _ansible_verbosity=3))
    assert refused.failed and 'mutually exclusive' in refused.result['msg']
    _check(refused.stdout, masked, (), case_id)


def test_mcp_health_real_check_masks_stderr_and_spec_args(tmp_path):
    """A real server process that prints every kind of secret to stderr, with secrets in its args and env."""
    script = 'printf "%s\\n" "$@" >&2; exit 3'
    lines = [case[1].replace('\n', ' ') for case in CASES if case[2]]
    secrets = [s for case in CASES for s in case[2] if '\n' not in s]
    spec = dict(name='srv', command='sh', args=['-c', script, 'sh'] + lines,
                env={'DATABASE_URL': 'postgres://u:ENVPGSECRET@db/x', 'STRIPE': STRIPE, 'GH_TOKEN': 'ENVGHTOKEN1'})
    run = run_module_main(mcp_health.main, dict(specs=[spec], fail_on_unhealthy=True, timeout=5, _ansible_verbosity=3))
    assert run.failed and run.result['servers'][0]['reason'] == 'exited'
    for secret in secrets + ['ENVPGSECRET', 'ENVGHTOKEN1']:
        assert secret not in run.stdout, secret
    tail = run.result['servers'][0]['stderr_tail']
    assert 'id_token %s expired' % MASK in tail and 'slack %s %s' % (MASK, MASK) in tail


def test_mcp_server_info_masks_args_url_and_other_fields(tmp_path):
    path = tmp_path / 'c.json'
    path.write_text(json.dumps({'mcpServers': {'srv': {
        'command': 'npx', 'args': ['--figma-api-key=FIGSECRET123', '--header', 'Authorization: Bearer BEARERSECRET'],
        'env': {'DATABASE_URL': 'postgres://u:PGSECRET@db/x'}, 'note': 'uses ' + STRIPE}}}))
    run = run_module_main(mcp_server_info.main, dict(config_path=str(path), _ansible_verbosity=3))
    for secret in ('FIGSECRET123', 'BEARERSECRET', 'PGSECRET', STRIPE):
        assert secret not in run.stdout
    server = run.result['servers'][0]
    assert server['args'] == ['--figma-api-key=' + MASK, '--header', 'Authorization: Bearer ' + MASK]
    assert server['extra'] == {'note': 'uses ' + MASK}


# --------------------------------------------------------------------------------------------
# The pieces


@pytest.mark.parametrize('key, secret', [
    ('GITHUB_PERSONAL_ACCESS_TOKEN', True), ('API_KEY', True), ('OPENAI_APIKEY', True), ('DB_PASSWORD', True),
    ('GITHUB_PAT', True), ('AWS_SECRET_ACCESS_KEY', True), ('Authorization', True), ('CREDENTIALS_FILE', True),
    ('apiKey', True), ('accessToken', True), ('x-api-key', True), ('figma-api-key', True), ('GHTOKEN', True),
    ('passwd', True), ('Set-Cookie', True), ('clientSecret', True), ('VAULT_SECRET_ID', True),
    ('PATH', False), ('DEBUG', False), ('LOG_LEVEL', False), ('HOME', False), ('KEYBOARD', False), ('monkey', False),
    ('max_tokens', False), ('TOKEN_COUNT', False), ('AUTH_TYPE', False), ('OAUTH', False), ('author', False),
    ('bypass', False), ('passport', False), ('TOKEN_URL', False), ('bearer_token_env_var', False), (None, False),
])
def test_looks_secret_key(key, secret):
    assert _redact.looks_secret_key(key) is secret


@pytest.mark.parametrize('flag, secret', [
    ('--token', True), ('--api-key', True), ('--figma-api-key', True), ('--x-token', True), ('-token', True),
    ('--client-secret', True), ('--password', True), ('--key', True),
    ('-p', False), ('--port', False), ('--keyboard', False), ('--no-auth', False), ('token', False), ('--', False),
])
def test_looks_secret_flag(flag, secret):
    assert _redact.looks_secret_flag(flag) is secret


def test_args_are_masked_argv_aware():
    args = ['--token', 'abc', '--api-key=xyz', 'postgres://bob:hunter2@db/x', '-p', '8080', 'plain',
            '--figma-api-key=FIGSECRET123', '--header', 'Authorization: Bearer BEARERSECRET', '--no-auth', 'server.js',
            7, True, None]
    assert _redact.mask_args(args) == [
        '--token', MASK, '--api-key=' + MASK, 'postgres://bob:' + MASK + '@db/x', '-p', '8080', 'plain',
        '--figma-api-key=' + MASK, '--header', 'Authorization: Bearer ' + MASK, '--no-auth', 'server.js', 7, True, None]
    assert sorted(_redact.secret_values_in_args(args)) == ['BEARERSECRET', 'FIGSECRET123', 'abc', 'hunter2', 'xyz']
    assert _redact.mask_args(['--token', 'true', '--token']) == ['--token', 'true', '--token']


def test_env_values_are_masked_by_key_or_by_content():
    env = {'DATABASE_URL': 'postgres://u:PGSECRET@db/x', 'STRIPE': STRIPE, 'GH_TOKEN': 'x1', 'DEBUG': '1',
           'CONN': 'Server=db;Password=connpw1;', 'N': 3, 'EMPTY_TOKEN': '', 'USE_TOKEN': 'true'}
    assert _redact.mask_env(env) == {'DATABASE_URL': 'postgres://u:%s@db/x' % MASK, 'STRIPE': MASK, 'GH_TOKEN': MASK,
                                     'DEBUG': '1', 'CONN': 'Server=db;Password=%s;' % MASK, 'N': 3, 'EMPTY_TOKEN': '',
                                     'USE_TOKEN': 'true'}
    assert sorted(_redact.secret_values_in_env(env)) == sorted(['PGSECRET', STRIPE, 'x1', 'connpw1'])


def test_known_values_are_masked_longest_first_and_short_ones_ignored():
    text = 'vault gave hunter2secret and hunter2secretlonger and 1'
    assert _redact.mask_text(text, ['hunter2secret', 'hunter2secretlonger', '1', None, True]) == \
        'vault gave %s and %s and 1' % (MASK, MASK)
    assert _health.redact_text(text, ['hunter2secret']) == 'vault gave %s and %slonger and 1' % (MASK, MASK)


def test_headers_register_the_whole_value_and_the_credential():
    assert _redact.secret_values_in_headers({'Authorization': 'Bearer tok123', 'X-Key': 'raw'}) == \
        ['Bearer tok123', 'tok123', 'raw']


def test_unterminated_pem_block_is_masked_to_the_end():
    text = 'got -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n(truncated)'
    assert _redact.mask_text(text) == 'got -----BEGIN OPENSSH PRIVATE KEY-----\n' + MASK


def test_non_text_passes_through():
    for value in (None, '', 0, ['x'], {'a': 1}):
        assert _redact.mask_text(value) == value
    assert _redact.secret_values_in_text(None) == [] and _redact.secret_values_in_args(None) == []
    assert _redact.mask_env(None) is None and _redact.secret_values_in_env('A=1') == []


def test_one_word_list_everywhere():
    """The callers hold no copies of the rules: the old twins are gone."""
    for module, names in ((_config, ('SECRET_WORDS', 'SECRET_FLAGS', 'URL_CREDENTIALS_RE', 'mask_arg_credentials',
                                     'secret_values_in_args', 'secret_values_in_env')),
                          (_logs, ('mask_secrets', 'KEY_VALUE_RE', 'BEARER_RE', 'SECRET_HINTS')),
                          (_health, ('_ASSIGNMENT_RE', '_BEARER_RE'))):
        assert not [name for name in names if hasattr(module, name)], module.__name__
    assert _config.MASK is _redact.MASK and _config.looks_secret_key is _redact.looks_secret_key
    here = os.path.dirname(os.path.abspath(_redact.__file__))
    for name in os.listdir(here):
        if name.endswith('.py') and name != '_redact.py':
            with open(os.path.join(here, name)) as handle:
                source = handle.read()
            assert "'********'" not in source, name  # no second mask string, so no second masking
