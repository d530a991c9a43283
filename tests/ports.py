"""The TCP ports the tests listen on (servers they start) or expect to find closed.

They come from one range, LMS_TEST_PORTS ("first-last", 5600-5699 by default), so that on a machine
shared by several people each can give the tests a range of their own. Each port has one use, so tests
in two pytest-xdist workers never want the same one; the two modules that look for a free S3 port run in
one xdist group ("servers"), so they never race for it.
"""

import os

_first, _, _last = os.environ.get("LMS_TEST_PORTS", "5600-5699").partition("-")
PORTS = range(int(_first), int(_last or _first) + 1)
if len(PORTS) < 12:
    raise ValueError(f"LMS_TEST_PORTS={os.environ['LMS_TEST_PORTS']!r}: the tests need 12 ports or more")

HOST_A, HOST_B = PORTS[0], PORTS[1]  # tests/test_hosts.py: the two gunicorn web processes
S3 = PORTS[2:10]  # tests/test_storage.py: moto's fake S3 server, on the first free one
HTTP_OK = PORTS[-2]  # tests/test_jobs.py: a server that answers `lms doctor`'s check of the base URL
CLOSED = PORTS[-1]  # nothing listens here: a refused connection


def xdist_worker_number() -> int:
    """0 for pytest-xdist's first worker ("gw0") or without xdist, 1 for the second, ..."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
