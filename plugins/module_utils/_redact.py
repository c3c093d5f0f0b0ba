# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one redaction path: what looks secret, and how free text, args, env, URLs are masked.

Every module and util masks through here (logs, health stderr and messages, config results and
diffs), and takes the values it registers as no_log values from here, so no two callers can
disagree on the same input. Pure: no disk, no processes.

A value is masked when it is
  - known to be secret (passed in by the caller: secret_env, headers, secret-looking env values);
  - the value of a secret-looking key: ``KEY=v``, ``KEY: v``, ``"KEY": "v"``, ``--key v``, ``--key=v``;
  - an ``Authorization``/``Bearer``/``Basic``/``Token`` credential, a ``user:pass@`` in a URL, a
    ``;Password=`` in a connection string;
  - shaped like a credential even without a key name (GitHub, OpenAI, Anthropic, Stripe, Slack, AWS
    access key ids, Google API keys, JWTs, PEM private key blocks).
Secret-looking keys: a word of the key (split at ``_``, ``-``, ``.`` and camelCase) is one of
SECRET_WORDS, or ends with one of SECRET_SUFFIXES (``GHTOKEN``), unless its last word says it is
about a secret rather than one (``max_tokens``, ``TOKEN_COUNT``, ``AUTH_TYPE``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

MASK = '********'

# A key is secret when one of its words is one of these.
SECRET_WORDS = frozenset(('TOKEN', 'KEY', 'SECRET', 'PASSWORD', 'PASSWD', 'PASS', 'PASSPHRASE', 'PAT',
                          'CREDENTIAL', 'CREDENTIALS', 'AUTH', 'AUTHORIZATION', 'COOKIE', 'APIKEY'))
# ... or a word ends with one of these (GHTOKEN, DBPASSWORD, ACCESSKEY); short words (KEY, PASS, PAT,
# AUTH) count only whole, so MONKEY, BYPASS, PATH and OAUTH stay plain.
SECRET_SUFFIXES = ('TOKEN', 'SECRET', 'PASSWORD', 'PASSWD', 'PASSPHRASE', 'CREDENTIAL', 'CREDENTIALS',
                   'AUTHORIZATION', 'COOKIE', 'APIKEY', 'ACCESSKEY', 'SECRETKEY', 'PRIVATEKEY', 'SIGNINGKEY')
# ... unless its last word is one of these: it names a property of a secret, not the secret.
NOT_SECRET_LAST = frozenset(('COUNT', 'COUNTS', 'LIMIT', 'LIMITS', 'LENGTH', 'TYPE', 'TYPES', 'NAME', 'NAMES',
                             'ENV', 'VAR', 'URL', 'URI', 'ENDPOINT', 'EXPIRY', 'EXPIRES', 'TTL'))
# Flags that only switch a secret off (--no-auth) take no value.
NOT_SECRET_FIRST_IN_FLAG = frozenset(('NO', 'WITHOUT', 'DISABLE', 'SKIP'))
# Values that are never secrets themselves.
PLAIN_VALUES = frozenset(('', 'true', 'false', 'null', 'none', 'undefined', 'nil', MASK))
# Words after "Bearer"/"Basic"/"Token" in prose ("missing bearer token"), not credentials.
PROSE_WORDS = frozenset(('token', 'tokens', 'auth', 'authentication', 'authorization', 'header', 'scheme',
                         'realm', 'credential', 'credentials', 'is', 'was', 'the', 'a', 'an', 'and', 'or', 'for',
                         'required', 'missing', 'invalid', 'expired', 'not', 'with', 'to', 'of', 'in', 'on'))
# Known secret values shorter than this are not searched in free text (they would mask ordinary text).
MIN_KNOWN_LENGTH = 3

_WORD_RE = re.compile(r'[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+')
_SCHEME = r'(?:[Bb]earer|BEARER|[Bb]asic|BASIC|[Tt]oken|TOKEN|[Dd]igest|[Nn]egotiate)'

# Token shapes (gitleaks / detect-secrets rules) that are secrets without any key name.
_SHAPES_RE = re.compile(
    r'(?<![A-Za-z0-9_])(?:'
    r'gh[pousr]_[A-Za-z0-9]{16,}'                          # GitHub tokens
    r'|github_pat_[A-Za-z0-9_]{20,}'                        # GitHub fine-grained PAT
    r'|sk-(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{16,}'        # OpenAI sk-, sk-proj-; Anthropic sk-ant-
    r'|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}'             # Stripe secret and restricted keys
    r'|xox[abposr]-[A-Za-z0-9-]{8,}'                        # Slack
    r'|(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])'            # AWS access key id
    r'|AIza[A-Za-z0-9_-]{35}'                               # Google API key
    r'|eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*'  # JWT
    r')')
_SHAPE_PROBE_RE = re.compile(r'gh[pousr]_|github_pat_|sk-|[sr]k_|xox|AKIA|ASIA|AIza|eyJ')
_PEM_RE = re.compile(r'(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)(.*?)'
                     r'(-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)', re.DOTALL)
URL_CREDENTIALS_RE = re.compile(r'(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^/@:\s]*):(?P<pw>[^/@\s]+)@')
# ";Password=..." / ";Pwd=..." in ADO/ODBC connection strings: the value runs to the next ';'.
_CONNSTR_RE = re.compile(r'(?i)(;\s*(?:password|pwd)\s*=\s*)([^;\r\n"\']+)')
# --flag value / --flag=value in free text (the value of a secret flag), and the JS/JSON list form
# '--flag', 'value' that Claude logs for args.
_FLAG_RE = re.compile(r'(?<![\w-])(?P<flag>--?[A-Za-z][A-Za-z0-9_.-]*)(?P<sep>=|[ \t]+)(?P<value>[^\s"\',;)}\]]+)')
_FLAG_LIST_RE = re.compile(r'''(?P<q>["'])(?P<flag>--?[A-Za-z][A-Za-z0-9_.-]*)(?P=q)(?P<sep>\s*,\s*)'''
                           r'''(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')''')
# KEY=value, KEY: value, "KEY": "value", 'KEY': 'value' (an optional auth scheme word is kept).
_PAIR_RE = re.compile(r'''(?P<q>["']?)(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)(?P=q)(?P<sep>[ \t]*[:=][ \t]*)'''
                      r'''(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|'''
                      r'''(?:''' + _SCHEME + r'''[ \t]+)?[^\s"',;&)}\]{\[(][^\s"',;&)}\]]*)''')
# A scheme word and its credential without a key name ("sent Bearer abc").
_SCHEME_RE = re.compile(r'(?i)(?<![\w-])(?P<scheme>bearer|basic|token)(?P<sep>[ \t]+)'
                        r'(?P<value>[A-Za-z0-9._~+/-]+=*)(?![\w"\'=*])')
_SCHEME_PREFIX_RE = re.compile(r'^(' + _SCHEME + r'[ \t]+)(\S.*)$', re.DOTALL)
# Substring probes (one C-level search each) are far cheaper than the rules; most log lines carry nothing secret.
# On the lower-cased text; a literal alternation beats (?i) by a factor of six in CPython's re.
_HINT_RE = re.compile(r'token|key|secret|pass|pat|credential|auth|cookie|bearer|basic|pwd')
_ANY_RE = re.compile(_HINT_RE.pattern + r'|gh[pousr]_|sk-|[sr]k_|xox|akia|asia|aiza|eyj')


def key_words(key):
    """'GITHUB_TOKEN' -> ['GITHUB', 'TOKEN']; 'apiKey' -> ['API', 'KEY']; '--figma-api-key' -> [...]."""
    return [word.upper() for word in _WORD_RE.findall(key)]


def looks_secret_key(key):
    """True when a key (env name, header, JSON key, flag without dashes) names a credential."""
    if not isinstance(key, str):
        return False
    words = key_words(key)
    if not words or words[-1] in NOT_SECRET_LAST:
        return False
    return any(word in SECRET_WORDS or word.endswith(SECRET_SUFFIXES) for word in words)


def looks_secret_flag(flag):
    """'--api-key', '--figma-api-key', '--x-token', '-token': True; '-p', '--port', '--no-auth': False."""
    if not isinstance(flag, str) or not flag.startswith('-'):
        return False
    name = flag.lstrip('-')
    if len(name) < 2:
        return False  # '-p' is as often a port as a password
    words = key_words(name)
    return bool(words) and words[0] not in NOT_SECRET_FIRST_IN_FLAG and looks_secret_key(name)


def _plain(value):
    return value.strip('"\'').lower() in PLAIN_VALUES


def _credential_like(value):
    """After 'Basic'/'Token' without a key: base64-ish, not a word of prose."""
    if value.lower() in PROSE_WORDS:
        return False
    return (any(c.isdigit() or c in '+/=_' for c in value)
            or (len(value) >= 8 and value.lower() != value and value.upper() != value))


class _Masker(object):
    """One pass over a text; `found` collects every original value that was masked."""

    def __init__(self, found=None):
        self.found = found

    def hide(self, value):
        if self.found is not None and value and value != MASK:
            self.found.append(value)
        return MASK

    def hide_quoted(self, quoted):
        """A quoted value ("x" or 'x'): mask the inside, keep an auth scheme word."""
        inner = quoted[1:-1]
        if not inner or _plain(inner):
            return quoted
        scheme = _SCHEME_PREFIX_RE.match(inner)
        if scheme:
            return quoted[0] + scheme.group(1) + self.hide(scheme.group(2)) + quoted[0]
        return quoted[0] + self.hide(inner) + quoted[0]

    def known(self, text, known):
        for value in known:
            if value in text:
                self.hide(value)
                text = text.replace(value, MASK)
        return text

    def pem(self, match):
        body = match.group(2)
        lead = body[:len(body) - len(body.lstrip())]
        trail = body[len(body.rstrip()):]
        return match.group(1) + lead + self.hide(body.strip()) + trail + match.group(3)

    def shape(self, match):
        return self.hide(match.group(0))

    def url(self, match):
        return match.group('scheme') + match.group('user') + ':' + self.hide(match.group('pw')) + '@'

    def connstr(self, match):
        value = match.group(2)
        stripped = value.rstrip()
        if _plain(stripped):
            return match.group(0)
        return match.group(1) + self.hide(stripped) + value[len(stripped):]

    def flag(self, match):
        value = match.group('value')
        if (not looks_secret_flag(match.group('flag')) or _plain(value) or value.startswith('-')
                or value.lower() in PROSE_WORDS):
            return match.group(0)
        return match.group('flag') + match.group('sep') + self.hide(value)

    def flag_list(self, match):
        if not looks_secret_flag(match.group('flag')):
            return match.group(0)
        return match.group('q') + match.group('flag') + match.group('q') + match.group('sep') + \
            self.hide_quoted(match.group('value'))

    def pair(self, match):
        """The replacement for one KEY<sep>value match, or None when the key is not secret."""
        if not looks_secret_key(match.group('key')):
            return None
        head = match.group('q') + match.group('key') + match.group('q') + match.group('sep')
        value = match.group('value')
        if value[:1] in '"\'':
            return head + self.hide_quoted(value)
        scheme = _SCHEME_PREFIX_RE.match(value)
        if scheme:
            return head + scheme.group(1) + self.hide(scheme.group(2))
        if _plain(value):
            return match.group(0)
        return head + self.hide(value)

    def pairs(self, text):
        """Every KEY<sep>value pair; a pair whose key is not secret is skipped up to its value only, so
        a pair inside that value ("Error: GITHUB_TOKEN=x", "exited: API_KEY: x") is still found."""
        if ':' not in text and '=' not in text:
            return text
        out = []
        pos = 0
        while True:
            match = _PAIR_RE.search(text, pos)
            if match is None:
                break
            replaced = self.pair(match)
            if replaced is None:
                out.append(text[pos:match.start('value')])
                pos = match.start('value')
            else:
                out.append(text[pos:match.start()])
                out.append(replaced)
                pos = match.end()
        out.append(text[pos:])
        return ''.join(out)

    def scheme(self, match):
        value = match.group('value')
        word = match.group('scheme').lower()
        if value.lower() in PROSE_WORDS or (word != 'bearer' and not _credential_like(value)):
            return match.group(0)
        return match.group('scheme') + match.group('sep') + self.hide(value)

    def text(self, text, known=()):
        if known:
            text = self.known(text, known)
        lower = text.lower()
        url = '@' in text and '://' in text
        if not url and not _ANY_RE.search(lower):
            return text
        if url:
            text = URL_CREDENTIALS_RE.sub(self.url, text)
        if 'PRIVATE KEY' in text:
            text = _PEM_RE.sub(self.pem, text)
        if _SHAPE_PROBE_RE.search(text):
            text = _SHAPES_RE.sub(self.shape, text)
        if _HINT_RE.search(lower):
            if ';' in text:
                text = _CONNSTR_RE.sub(self.connstr, text)
            if '-' in text:
                text = _FLAG_LIST_RE.sub(self.flag_list, text)
                text = _FLAG_RE.sub(self.flag, text)
            text = self.pairs(text)
            text = _SCHEME_RE.sub(self.scheme, text)
        return text


_MASKER = _Masker()  # keeps no state when it collects nothing


def _known_values(known):
    """Known secret values worth searching for, longest first (a value inside another goes after it)."""
    values = set()
    for value in known or ():
        if isinstance(value, bool) or value is None:
            continue
        value = value if isinstance(value, str) else str(value)
        if len(value) >= MIN_KNOWN_LENGTH and value != MASK:
            values.add(value)
    return sorted(values, key=lambda v: (-len(v), v))


def _unique(values):
    seen = set()
    out = []
    for value in values:
        if value and value not in seen:
            seen.add(value)
            out.append(value)
    return out


# --------------------------------------------------------------------------------------------
# Free text


def mask_text(text, known=()):
    """Free text (log messages, stderr, error messages, URLs) with every credential masked.

    known: secret values to mask wherever they appear (values shorter than MIN_KNOWN_LENGTH are
    not searched). Non-strings are returned unchanged.
    """
    if not isinstance(text, str) or not text:
        return text
    return _MASKER.text(text, _known_values(known) if known else ())


def secret_values_in_text(text):
    """The credentials mask_text would mask in text (to register as no_log values)."""
    if not isinstance(text, str) or not text:
        return []
    found = []
    _Masker(found).text(text)
    return _unique(found)


def mask_url(url):
    """A URL with user:password@ and credentials in its query masked."""
    return mask_text(url)


def secret_values_in_url(url):
    return secret_values_in_text(url)


# --------------------------------------------------------------------------------------------
# Argument lists


def _arg_text(arg):
    if isinstance(arg, bool):
        return 'true' if arg else 'false'
    if isinstance(arg, (int, float)):
        return str(arg)
    return arg if isinstance(arg, str) else None


def _walk_args(args, masker):
    """argv-aware masking: the element after a secret flag ('--token', 'x') is masked whole;
    every element is masked as free text ('--api-key=x', 'Authorization: Bearer x', URLs)."""
    masked = []
    hide_next = False
    for arg in args:
        text = _arg_text(arg)
        if text is None:
            masked.append(arg)
            hide_next = False
            continue
        if hide_next:
            hide_next = False
            if not _plain(text):
                masker.hide(text)
                masked.append(MASK)
                continue
        elif '=' not in text and looks_secret_flag(text):
            hide_next = True
            masked.append(arg)
            continue
        out = masker.text(text)
        masked.append(arg if out == text else out)
    return masked


def mask_args(args, known=()):
    """A list of command-line arguments with every credential masked (other values unchanged)."""
    if not isinstance(args, (list, tuple)):
        return mask_text(args, known) if isinstance(args, str) else args
    masked = _walk_args(args, _Masker())
    values = _known_values(known)
    if values:
        masked = [_Masker().known(a, values) if isinstance(a, str) else a for a in masked]
    return masked


def secret_values_in_args(args):
    """Credentials in args (flag values, --x-key=v, Authorization headers, URL passwords, token shapes)."""
    if isinstance(args, str):
        return secret_values_in_text(args)
    if not isinstance(args, (list, tuple)):
        return []
    found = []
    _walk_args(args, _Masker(found))
    return _unique(found)


# --------------------------------------------------------------------------------------------
# Environments


def mask_env(env, known=()):
    """env with the value of every secret-looking key masked and credentials inside other values
    (postgres://u:pw@..., ...;Password=...;, sk_live_...) masked."""
    if not isinstance(env, dict):
        return env
    out = {}
    for key, value in env.items():
        text = _arg_text(value)
        if text is None or _plain(text):
            out[key] = value
        elif looks_secret_key(key):
            out[key] = MASK
        else:
            masked = mask_text(text, known)
            out[key] = value if masked == text else masked
    return out


def secret_values_in_env(env):
    """Whole values of secret-looking keys, and credentials found inside the other values."""
    if not isinstance(env, dict):
        return []
    found = []
    for key, value in env.items():
        text = _arg_text(value)
        if text is None or _plain(text):
            continue  # 'true', 'null': registering them would mask every 'true' in the output
        if looks_secret_key(key):
            found.append(text)
        else:
            found.extend(secret_values_in_text(text))
    return _unique(found)


def secret_values_in_headers(headers):
    """Every header value is secret; the credential after an auth scheme word too ('Bearer abc' -> 'abc')."""
    found = []
    for value in (headers or {}).values() if isinstance(headers, dict) else ():
        text = _arg_text(value)
        if not text:
            continue
        found.append(text)
        scheme = _SCHEME_PREFIX_RE.match(text)
        if scheme:
            found.append(scheme.group(2))
    return _unique(found)


def secret_values_in_entry(entry):
    """Every secret value of a server entry or spec (args, env, url, headers, secret_env)."""
    if not isinstance(entry, dict):
        return []
    found = []
    for field in ('secret_env', 'headers'):
        found.extend(secret_values_in_headers(entry.get(field)))
    found.extend(secret_values_in_env(entry.get('env')))
    found.extend(secret_values_in_args(entry.get('args')))
    for field in ('url', 'serverUrl', 'httpUrl'):
        found.extend(secret_values_in_url(entry.get(field)))
    return _unique(found)


# --------------------------------------------------------------------------------------------
# Modules


def module_hiding_secrets(module_class, secret_values_of, **kwargs):
    """module_class(**kwargs) with secret_values_of(params) in its no_log values from the start.

    The values are registered while AnsibleModule reads its parameters, before it validates them:
    a validation failure (and the syslog invocation line) would otherwise show them unmasked.
    They are registered again from the validated parameters (types converted, defaults set).
    """
    class _HidingModule(module_class):
        def _load_params(self):
            module_class._load_params(self)
            try:
                self.no_log_values.update(secret_values_of(self.params))
            except Exception:  # pylint: disable=broad-except
                pass  # raw parameters of an unexpected shape: validation reports them, the second pass hides them

    module = _HidingModule(**kwargs)
    module.no_log_values.update(secret_values_of(module.params))
    return module


# --------------------------------------------------------------------------------------------
# Structures (the redact filter: what a support bundle or report writes)


def mask_data(value, known=()):
    """A copy of a JSON-like structure with every credential masked: the value of a secret-looking key is
    ``********`` (unless empty or already masked), every other string goes through mask_text."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if (looks_secret_key(key) and isinstance(item, (str, int, float)) and not isinstance(item, bool)
                    and item not in ('', MASK)):
                out[key] = MASK
            else:
                out[key] = mask_data(item, known)
        return out
    if isinstance(value, (list, tuple)):
        return [mask_data(item, known) for item in value]
    return mask_text(value, known)
