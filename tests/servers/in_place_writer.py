# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Another program (Claude rewriting its config) rewriting a file in place, for the concurrency tests.

Run as: python in_place_writer.py PATH STOP_FILE SECONDS
Every 0.5 ms it truncates PATH and writes half of its original bytes, 0.5 ms later the rest, until STOP_FILE
exists or SECONDS have passed (bounded: it always stops by itself); then prints how many rewrites it made.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys
import time


def main():
    path, stop, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
    with open(path, 'rb') as handle:
        data = handle.read()
    half = len(data) // 2
    deadline = time.time() + limit
    n = 0
    while time.time() < deadline and not os.path.exists(stop):
        with open(path, 'r+b', buffering=0) as handle:
            handle.truncate(0)
            handle.write(data[:half])
            time.sleep(0.0005)
            handle.write(data[half:])
        n += 1
        time.sleep(0.0005)
    print(n)


if __name__ == '__main__':
    main()
