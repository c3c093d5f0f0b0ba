# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The offline get-pip helpers used by `make sanity`."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tools'))

import get_pip_offline  # noqa: E402 pylint: disable=wrong-import-position
import install_get_pip  # noqa: E402 pylint: disable=wrong-import-position

CORE_2_19 = '''
def get_venv_packages(python):
    default_packages = dict(
        pip='24.2',
    )
    override_packages: dict[str, dict[str, str]] = {
    }
    return {}
'''

CORE_2_16 = '''
def get_venv_packages(python):
    default_packages = dict(
        pip='23.1.2',
        setuptools='67.7.2',
        wheel='0.37.1',
    )
    override_packages = {
        '3.6': dict(
            pip='21.3.1',
            setuptools='59.6.0',
            wheel=None,
        ),
    }
    return {}

def unrelated():
    return dict(pip='1.0')
'''


@pytest.mark.parametrize('source, expected', [
    (CORE_2_19, ['24.2']),
    (CORE_2_16, ['21.3.1', '23.1.2']),
])
def test_pip_versions_read_from_get_venv_packages(source, expected):
    assert install_get_pip.pip_versions(source) == expected


def test_installed_ansible_test_pins_a_pip_version():
    path, source = install_get_pip.requirements_source()
    assert path.endswith('python_requirements.py')
    assert install_get_pip.pip_versions(source)


def test_stand_in_drops_get_pip_only_options(monkeypatch):
    calls = []
    monkeypatch.setattr(get_pip_offline.subprocess, 'check_call', calls.append)
    get_pip_offline.main(['--disable-pip-version-check', 'pip==24.2', '--no-setuptools', '--no-wheel'])
    assert calls[0][1:] == ['-m', 'ensurepip', '--upgrade', '--default-pip']
    assert calls[1][1:] == ['-m', 'pip', 'install', '--disable-pip-version-check', 'pip==24.2']
