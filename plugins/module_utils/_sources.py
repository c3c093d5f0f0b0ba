# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Install from source: a server's `source` -> an install plan, its entry point, and the entry mcp_servers takes.

Pure: no disk, no processes, no network. The deploy role does the installs (npm, ansible.builtin.pip,
ansible.builtin.git) and hands what it read back (package.json, `git ls-remote` output) to these functions
through the source_* filters.

Source types:
  npm       package + exact version, installed with `npm install --prefix <prefix>`; command = its bin
  pypi      package + exact version, installed into <prefix>/venv; command = the venv's entry point
  git       repo + version (a tag or a commit; a branch only with allow_branch), then npm or pip from <prefix>/src
  registry  a server.json of the official MCP Registry: npm -> npx -y pkg@ver, pypi -> uvx pkg==ver,
            oci -> docker run -i --rm image:tag (install: true installs npm/pypi packages like the types above)

Plan items never hold secret values (only the names of secret_env keys are read), so the role may loop over
them and keep them as facts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import posixpath
import re

SOURCE_TYPES = ('npm', 'pypi', 'git', 'registry')
REGISTRY_TYPES = ('npm', 'pypi', 'oci')
GIT_INSTALLS = ('npm', 'pip')
MARKER = '.mcpops-installed.json'

# Keys each source type takes (besides type); anything else is refused, so a typo never goes unnoticed.
SOURCE_KEYS = {
    'npm': ('package', 'version', 'bin', 'tarball', 'registry'),
    'pypi': ('package', 'version', 'bin', 'index_url', 'find_links', 'no_index'),
    'git': ('repo', 'version', 'install', 'bin', 'allow_branch', 'subdir'),
    'registry': ('server_json', 'registry_type', 'arguments', 'install', 'tarball', 'registry', 'index_url',
                 'find_links', 'no_index', 'bin'),
}

# An exact npm (semver) version; ranges, tags such as "latest" and x-ranges are refused.
# Paths and URLs handed to the installers.
LOCATION_KEYS = ('tarball', 'registry', 'index_url', 'find_links', 'repo')

NPM_VERSION_RE = re.compile(r'^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$')
# An exact PEP 440 version (public part, optional local part); specifiers such as >=1 or ~=1.2 are refused.
PYPI_VERSION_RE = re.compile(r'^(?:\d+!)?\d+(?:\.\d+)*(?:(?:a|b|rc)\d+)?(?:\.post\d+)?(?:\.dev\d+)?'
                             r'(?:\+[a-z0-9]+(?:\.[a-z0-9]+)*)?$', re.I)
NPM_NAME_RE = re.compile(r'^(?:@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$')
PYPI_NAME_RE = re.compile(r'^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$')
COMMIT_RE = re.compile(r'^[0-9a-f]{7,40}$')
BIN_RE = re.compile(r'^[A-Za-z0-9._@+-]+$')
KEY_RE = re.compile(r'[^A-Za-z0-9._+-]')
VAR_RE = re.compile(r'\{([A-Za-z_][A-Za-z0-9_]*)\}')


def _label(name):
    return 'server %s' % (name if isinstance(name, str) and name else '(no name)')


def _text(value):
    return value.strip() if isinstance(value, str) else None


def _is_range(version):
    return version.lower() == 'latest' or any(c in version for c in '^~<>=*| ') or bool(re.search(r'(^|\.)[xX](\.|$)', version))


def check_version(kind, version):
    """None when version is an exact version for kind ('npm', 'pypi'), else the reason it is not."""
    if not version:
        return 'version is required (an exact version such as 1.2.3; never "latest" or a range)'
    if _is_range(version):
        return 'version %r is not an exact version (never "latest" or a range; pin one such as 1.2.3)' % version
    pattern = NPM_VERSION_RE if kind == 'npm' else PYPI_VERSION_RE
    if not pattern.match(version):
        return 'version %r is not an exact %s version (such as 1.2.3)' % (version, kind)
    return None


def install_key(kind, version):
    """The per-version directory name under a server's directory: npm-1.2.3, pypi-1.2.3, git-v1.0."""
    return '%s-%s' % (kind, KEY_RE.sub('_', version or 'unversioned'))


def _bin_problem(label, value):
    if value is not None and (not isinstance(value, str) or not BIN_RE.match(value)):
        return '%s: source.bin must be a plain command name (letters, digits, ".", "_", "-").' % label
    return None


def _item(name, kind, base_dir, version, **extra):
    prefix = posixpath.join(base_dir, name, install_key(kind, version))
    item = dict(name=name, type=kind, dir=posixpath.join(base_dir, name), prefix=prefix, marker=posixpath.join(prefix, MARKER),
                version=version, package=None, spec=None, bin=None, entry=None, tarball=None, registry=None,
                index_url=None, find_links=None, no_index=False, venv=None, repo=None, src=None,
                install=None, allow_branch=False, command=None, args=[], env={})
    item.update(extra)
    return item


def _npm_item(label, name, base_dir, src, problems):
    package = _text(src.get('package'))
    version = _text(src.get('version'))
    if not package or not NPM_NAME_RE.match(package):
        problems.append('%s: source.package must be an npm package name (such as @scope/name).' % label)
    why = check_version('npm', version)
    if why:
        problems.append('%s: source %s.' % (label, why))
    tarball = _text(src.get('tarball'))
    item = _item(name, 'npm', base_dir, version, package=package, bin=src.get('bin'), tarball=tarball,
                 registry=_text(src.get('registry')))
    item['spec'] = tarball or ('%s@%s' % (package, version))
    return item


def _pypi_item(label, name, base_dir, src, problems):
    package = _text(src.get('package'))
    version = _text(src.get('version'))
    if not package or not PYPI_NAME_RE.match(package):
        problems.append('%s: source.package must be a Python distribution name.' % label)
    why = check_version('pypi', version)
    if why:
        problems.append('%s: source %s.' % (label, why))
    item = _item(name, 'pypi', base_dir, version, package=package, bin=src.get('bin') or package,
                 index_url=_text(src.get('index_url')), find_links=_text(src.get('find_links')),
                 no_index=bool(src.get('no_index')))
    item['venv'] = posixpath.join(item['prefix'], 'venv')
    item['spec'] = '%s==%s' % (package, version)
    item['entry'] = posixpath.join(item['venv'], 'bin', item['bin'])
    return item


def _git_item(label, name, base_dir, src, problems):
    repo = _text(src.get('repo'))
    version = _text(src.get('version'))
    install = src.get('install') or 'npm'
    if not repo:
        problems.append('%s: source.repo is required (a git URL or path).' % label)
    if not version:
        problems.append('%s: source.version is required (a tag or a commit; a branch moves, so it needs '
                        'allow_branch: true).' % label)
    if install not in GIT_INSTALLS:
        problems.append('%s: source.install must be npm or pip, found %r.' % (label, install))
    subdir = _text(src.get('subdir')) or ''
    if subdir and (subdir.startswith('/') or '..' in subdir.split('/')):
        problems.append('%s: source.subdir must be a relative path inside the repository.' % label)
    item = _item(name, 'git', base_dir, version, repo=repo, install=install, bin=src.get('bin'),
                 allow_branch=bool(src.get('allow_branch')))
    item['src'] = posixpath.join(item['prefix'], 'src')
    item['spec'] = posixpath.join(item['src'], subdir) if subdir else item['src']
    if install == 'pip':
        item['venv'] = posixpath.join(item['prefix'], 'venv')
        default_bin = posixpath.basename((repo or '').rstrip('/'))
        item['bin'] = item['bin'] or (default_bin[:-4] if default_bin.endswith('.git') else default_bin) or None
        if item['bin']:
            item['entry'] = posixpath.join(item['venv'], 'bin', item['bin'])
    return item


def load_server_json(value):
    """A server.json document as a dict (given as a mapping or as JSON text), or raise ValueError."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            data = json.loads(value)
        except ValueError as exc:
            raise ValueError('source.server_json is not valid JSON (%s)' % exc)
        if isinstance(data, dict):
            return data
    raise ValueError('source.server_json must be a server.json document (a mapping or its JSON text)')


def _input_value(spec, inputs, key, label, what, problems):
    """The value of one server.json input (argument or variable): fixed value, else given, else default."""
    if spec.get('value') is not None:
        value = str(spec['value'])
    elif key is not None and key in inputs:
        if spec.get('isSecret'):
            problems.append('%s: %s is secret; secrets go through secret_env, never into args (the config '
                            'would show them).' % (label, what))
            return None
        value = str(inputs[key])
    elif spec.get('default') is not None:
        value = str(spec['default'])
    else:
        if spec.get('isRequired'):
            problems.append('%s: %s is required: set source.arguments[%s].' % (label, what, json.dumps(key)))
        return None
    variables = spec.get('variables') or {}

    def substitute(match):
        var = match.group(1)
        if var not in variables:
            return match.group(0)
        sub = _input_value(variables[var], inputs, var, label, 'variable %s of %s' % (var, what), problems)
        return match.group(0) if sub is None else sub
    return VAR_RE.sub(substitute, value)


def registry_args(arguments, inputs, label, problems):
    """argv from server.json runtimeArguments/packageArguments: positional values, named as [--flag, value]."""
    out = []
    for index, arg in enumerate(arguments or []):
        if not isinstance(arg, dict):
            problems.append('%s: server.json argument %d is not a mapping.' % (label, index))
            continue
        if arg.get('type') == 'named':
            flag = arg.get('name')
            if not isinstance(flag, str) or not flag:
                problems.append('%s: server.json named argument %d has no name.' % (label, index))
                continue
            value = _input_value(arg, inputs, flag, label, 'argument %s' % flag, problems)
            if value is not None:
                out += [flag, value]
        elif arg.get('type') == 'positional':
            hint = arg.get('valueHint')
            value = _input_value(arg, inputs, hint, label, 'argument %s' % (hint or index), problems)
            if value is not None:
                out.append(value)
        else:
            problems.append('%s: server.json argument %d has type %r (named or positional).' % (label, index, arg.get('type')))
    return out


def registry_env(variables, env, secret_keys, label, problems):
    """Plain env the entry gets from environmentVariables (fixed values, defaults) and the names set in all.

    A secret variable must come from secret_env (never env); a required one that nobody sets is a problem.
    """
    plain = {}
    names = []
    for index, var in enumerate(variables or []):
        name = var.get('name') if isinstance(var, dict) else None
        if not isinstance(name, str) or not name:
            problems.append('%s: server.json environmentVariables[%d] has no name.' % (label, index))
            continue
        if var.get('isSecret'):
            if name in env:
                problems.append('%s: %s is secret in server.json: set it in secret_env, not env.' % (label, name))
            elif name in secret_keys:
                names.append(name)
            elif var.get('isRequired'):
                problems.append('%s: %s is required and secret: set secret_env.%s (from a vault or lookup).'
                                % (label, name, name))
            continue
        if name in env or name in secret_keys:
            names.append(name)
            continue
        value = _input_value(dict(var, isRequired=False), {}, None, label, 'environment variable %s' % name, problems)
        if value is not None:
            plain[name] = value
            names.append(name)
        elif var.get('isRequired'):
            problems.append('%s: %s is required by server.json: set env.%s.' % (label, name, name))
    return plain, names


def pick_package(doc, registry_type, label, problems):
    """The package of server.json to run: the first stdio npm/pypi/oci one, or the one of registry_type."""
    packages = doc.get('packages')
    if not isinstance(packages, list) or not packages:
        problems.append('%s: server.json has no packages[] (remote-only servers are deployed with url).' % label)
        return None
    wanted = [registry_type] if registry_type else list(REGISTRY_TYPES)
    for kind in wanted:
        for package in packages:
            if isinstance(package, dict) and package.get('registryType') == kind:
                transport = (package.get('transport') or {}).get('type', 'stdio')
                if transport == 'stdio':
                    return package
    found = ', '.join(sorted(set(str(p.get('registryType')) for p in packages if isinstance(p, dict))))
    problems.append('%s: server.json has no stdio package of type %s (it has: %s).'
                    % (label, ' or '.join(wanted), found or 'none'))
    return None


def _registry_item(label, name, base_dir, src, server, problems):
    try:
        doc = load_server_json(src.get('server_json'))
    except ValueError as exc:
        problems.append('%s: %s.' % (label, exc))
        return None
    kind = src.get('registry_type')
    if kind is not None and kind not in REGISTRY_TYPES:
        problems.append('%s: source.registry_type must be one of %s, found %r.' % (label, ', '.join(REGISTRY_TYPES), kind))
        return None
    package = pick_package(doc, kind, label, problems)
    if package is None:
        return None
    kind = package['registryType']
    ident = _text(package.get('identifier'))
    version = _text(package.get('version'))
    if not ident:
        problems.append('%s: server.json package has no identifier.' % label)
        return None
    if kind == 'oci':
        if not version and '@sha256:' not in ident:
            problems.append('%s: server.json oci package %s has no version (pin a tag or digest).' % (label, ident))
        elif version and _is_range(version):
            problems.append('%s: server.json version %r is not an exact version (never "latest").' % (label, version))
    else:
        why = check_version(kind, version)
        if why:
            problems.append('%s: server.json %s.' % (label, why))
    inputs = src.get('arguments') or {}
    if not isinstance(inputs, dict):
        problems.append('%s: source.arguments must be a mapping of argument names/value hints to values.' % label)
        inputs = {}
    env = server.get('env') if isinstance(server.get('env'), dict) else {}
    secret_keys = list((server.get('secret_env') or {}).keys()) if isinstance(server.get('secret_env'), dict) else []
    runtime = registry_args(package.get('runtimeArguments'), inputs, label, problems)
    pkg_args = registry_args(package.get('packageArguments'), inputs, label, problems)
    plain, env_names = registry_env(package.get('environmentVariables'), env, secret_keys, label, problems)
    install = bool(src.get('install'))
    if install and kind == 'oci':
        problems.append('%s: source.install applies to npm and pypi packages; an oci image runs with docker.' % label)
        install = False
    if install:
        sub = dict(src, package=ident, version=version)
        item = (_npm_item if kind == 'npm' else _pypi_item)(label, name, base_dir, sub, problems)
        item.update(args=pkg_args, env=plain, registry_type=kind)
        return item
    if kind == 'npm':
        command, args = 'npx', runtime + ['-y', '%s@%s' % (ident, version)] + pkg_args
    elif kind == 'pypi':
        command, args = 'uvx', runtime + ['%s==%s' % (ident, version)] + pkg_args
    else:
        image = ident if not version else '%s:%s' % (ident, version)
        env_flags = []
        for env_name in env_names:
            env_flags += ['-e', env_name]  # docker reads the value from its own environment: never in args
        command, args = 'docker', ['run', '-i', '--rm'] + runtime + env_flags + [image] + pkg_args
    return _item(name, 'registry', base_dir, version, package=ident, registry_type=kind, command=command,
                 args=args, env=plain)


def plan_source(server, base_dir):
    """(plan item or None, problems) for one declared server; None also when it has no source."""
    if not isinstance(server, dict) or server.get('source') is None:
        return None, []
    name = server.get('name')
    label = _label(name)
    problems = []
    src = server['source']
    if not isinstance(src, dict):
        return None, ['%s: source must be a mapping with a type (%s).' % (label, ', '.join(SOURCE_TYPES))]
    kind = src.get('type')
    if kind not in SOURCE_TYPES:
        return None, ['%s: source.type must be one of %s, found %r.' % (label, ', '.join(SOURCE_TYPES), kind)]
    if (server.get('state') or 'present') != 'present':
        return None, []  # an absent server is only removed from the config; nothing to install
    if not isinstance(name, str) or not re.match(r'^[A-Za-z0-9_-]+$', name):
        return None, ['%s: a server installed from source needs a name of letters, digits, "_" and "-" '
                      '(it names its install directory).' % label]
    unknown = sorted(str(k) for k in src if k != 'type' and k not in SOURCE_KEYS[kind])
    if unknown:
        problems.append('%s: unknown key(s) %s in a %s source; the keys are %s.'
                        % (label, ', '.join(unknown), kind, ', '.join(SOURCE_KEYS[kind])))
    for field in ('command', 'url'):
        if server.get(field) not in (None, ''):
            problems.append('%s: set %s or source, not both (the source gives the command).' % (label, field))
    if kind == 'registry' and server.get('args') not in (None, []):
        problems.append('%s: args come from server.json with a registry source: give values in source.arguments.' % label)
    problem = _bin_problem(label, src.get('bin'))
    if problem:
        problems.append(problem)
    for field in LOCATION_KEYS:
        value = src.get(field)
        # Handed to npm, pip and git as one argument each: never an option, never split at a space.
        if value is not None and (not isinstance(value, str) or not value.strip() or value.strip().startswith('-')
                                  or re.search(r'\s', value.strip())):
            problems.append('%s: source.%s must be a path or URL without spaces that does not start with "-".' % (label, field))
    if kind == 'npm':
        item = _npm_item(label, name, base_dir, src, problems)
    elif kind == 'pypi':
        item = _pypi_item(label, name, base_dir, src, problems)
    elif kind == 'git':
        item = _git_item(label, name, base_dir, src, problems)
    else:
        item = _registry_item(label, name, base_dir, src, server, problems)
    return item, problems


def plan_sources(servers, base_dir):
    """{'items': [plan item per server with a source], 'problems': [every problem of every source]}."""
    items = []
    problems = []
    if not isinstance(base_dir, str) or not base_dir.startswith('/'):
        problems.append('the install directory must be an absolute path, found %r.' % (base_dir,))
        return dict(items=items, problems=problems)
    for server in servers or []:
        item, found = plan_source(server, base_dir.rstrip('/') or '/')
        problems += found
        if item is not None and not found:
            items.append(item)
    return dict(items=items, problems=problems)


def npm_bin(package_json, item):
    """(entry point path, problem) of an npm install from the package.json the install left behind."""
    label = _label(item.get('name'))
    try:
        data = json.loads(package_json) if isinstance(package_json, str) else package_json
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get('name'), str):
        return None, '%s: the installed package has no readable package.json.' % label
    if item.get('package') and data['name'] != item['package']:
        return None, '%s: the install holds package %s, not %s.' % (label, data['name'], item['package'])
    if item.get('type') == 'npm' and item.get('version') and str(data.get('version', '')).lstrip('v') != item['version'].lstrip('v'):
        return None, '%s: the install holds %s@%s, not version %s.' % (label, data['name'], data.get('version'), item['version'])
    unscoped = data['name'].split('/')[-1]
    bins = data.get('bin')
    if isinstance(bins, str):
        bins = {unscoped: bins}
    if not isinstance(bins, dict) or not bins:
        return None, '%s: package %s declares no bin to run.' % (label, data['name'])
    want = item.get('bin')
    if want:
        if want not in bins:
            return None, '%s: package %s has no bin %s (it has: %s).' % (label, data['name'], want, ', '.join(sorted(bins)))
        chosen = want
    elif len(bins) == 1:
        chosen = list(bins)[0]
    elif unscoped in bins:
        chosen = unscoped
    else:
        return None, '%s: package %s has several bins (%s): choose one with source.bin.' % (
            label, data['name'], ', '.join(sorted(bins)))
    return posixpath.join(item['prefix'], 'node_modules', '.bin', chosen), None


def git_ref(ls_remote, item):
    """(ref kind, problem) for item's version in `git ls-remote <repo>` output: tag, commit or branch.

    A branch moves, so it is refused unless the source says allow_branch: true. A version that is neither
    a ref nor a commit id is refused here, before anything is cloned.
    """
    label = _label(item.get('name'))
    version = item.get('version') or ''
    refs = {}
    for line in (ls_remote or '').splitlines():
        parts = line.split('\t')
        if len(parts) == 2:
            refs[parts[1].strip()] = parts[0].strip()
    if 'refs/tags/' + version in refs:
        return 'tag', None
    if 'refs/heads/' + version in refs:
        if item.get('allow_branch'):
            return 'branch', None
        return None, ('%s: version %s of %s is a branch, which moves; pin a tag or a commit (or set '
                      'source.allow_branch: true).' % (label, version, item.get('repo')))
    if COMMIT_RE.match(version):
        return 'commit', None
    return None, '%s: version %s is not a tag, branch or commit of %s.' % (label, version, item.get('repo'))


def apply_sources(servers, resolved):
    """The servers as mcp_servers takes them: `source` removed, command (and registry args/env) from resolved.

    resolved maps a server name to {'command': ..., 'args': [...], 'env': {...}} (a plan item with its entry
    point). The declared args follow the source's; declared env wins over the source's defaults.
    """
    out = []
    for server in servers or []:
        if not isinstance(server, dict) or 'source' not in server:
            out.append(server)
            continue
        entry = dict((k, v) for k, v in server.items() if k != 'source')
        found = (resolved or {}).get(server.get('name'))
        if found and (entry.get('state') or 'present') == 'present':
            entry['command'] = found.get('command') or found.get('entry')
            args = list(found.get('args') or []) + list(entry.get('args') or [])
            if args:
                entry['args'] = args
            env = dict(found.get('env') or {})
            env.update(entry.get('env') or {})
            if env:
                entry['env'] = env
        out.append(entry)
    return out
