#!/usr/bin/env python3
"""tests/fake_tmdb.py with a listen backlog of 128 instead of socketserver's 5.

With -j 8, tmdb-fetch opens 8 connections at once; a backlog of 5 overflows
(TcpExtListenOverflows) and the dropped SYNs come back after the kernel's 1 s
retransmission timeout, so every run would measure that second, not the toolkit.
Nothing else changes: same arguments, same fixtures, same requests.jsonl.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
import fake_tmdb  # noqa: E402  (the path above has to come first)

fake_tmdb.FakeTmdbServer.request_queue_size = 128

if __name__ == "__main__":
    sys.exit(fake_tmdb.main())
