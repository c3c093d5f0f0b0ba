# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the fleet tests (helpers in _fleet.py): ``fleet_session`` brings the fleet up once, ``fleet``
wipes every host's homes before and after a test."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

import pytest

from _fleet import HOSTS, REPO, Fleet, _cannot_run_reason, fleet_sh


@pytest.fixture(scope='session')
def fleet_session():
    reason = _cannot_run_reason()
    if reason:
        pytest.skip(reason)
    status = fleet_sh('status', check=False)
    fleet_dir = os.environ.get('FLEET_DIR') or os.path.join(os.environ.get('MCPOPS_REPO') or REPO, 'build', 'fleet')
    inventory = os.path.join(fleet_dir, 'inventory.yml')
    running = [line for line in status.stdout.splitlines() if line.startswith(os.environ.get('FLEET_PREFIX', 'fleet')) and 'sshd=down' not in line]
    started_here = not (len(running) == HOSTS and os.path.exists(inventory))
    if started_here:
        t0 = time.time()
        inventory = fleet_sh('up', HOSTS).stdout.strip().splitlines()[-1]
        print('fleet up %d hosts in %.1fs' % (HOSTS, time.time() - t0))
    try:
        yield Fleet(inventory)
    finally:
        if started_here:
            fleet_sh('down', check=False)


@pytest.fixture
def fleet(fleet_session):
    fleet_session.reset()
    yield fleet_session
    fleet_session.reset()
