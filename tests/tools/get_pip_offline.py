# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip script that ansible-test downloads.

ansible-test creates its sanity/units virtual environments without pip and
bootstraps pip by running ~/.ansible/test/cache/get_pip_<version>.py as
__main__ with pip-install arguments (for example
``--disable-pip-version-check pip==24.2 --no-setuptools --no-wheel``).  The
real script comes from a host this machine cannot reach; this stand-in gets
pip from the interpreter's own ``ensurepip`` and then runs ``pip install`` with
the same arguments (pip's own options for get-pip are dropped), so the pinned
pip version still comes from the package index.

``make sanity`` copies this file into the cache (see install_get_pip.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess
import sys

# Marker install_get_pip.py looks for so it refreshes its own copy but never replaces a real get-pip script.
MCPOPS_GET_PIP_STAND_IN = True

# get-pip.py options that `pip install` does not understand.
GET_PIP_ONLY_OPTIONS = ('--no-setuptools', '--no-wheel')


def main(argv):
    pip_args = [arg for arg in argv if arg not in GET_PIP_ONLY_OPTIONS]
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'])
    if any(not arg.startswith('-') for arg in pip_args):
        subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + pip_args)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
