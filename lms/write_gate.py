"""One writer at a time on SQLite, handed over at once instead of by SQLite's busy handler.

SQLite lets one connection write at a time. The others wait in its busy handler, which does not queue
them: it sleeps between tries, longer and longer (1, 2, 5, 10 … up to 100 ms a try), and lets in whoever
happens to try just after the lock is free. When a class autosaves and opens lessons together, each write
holds the lock for a millisecond or two, yet a request that waits behind a few of them sleeps through
tries of 50-100 ms and answers after a second.

So a request's writing transaction on SQLite first takes an advisory lock (flock) on a file beside the
database, polling every 0.5 to 4 ms, and only then sends BEGIN IMMEDIATE, which then finds the database
free; the lock is given back when the connection returns to the pool, after its commit or rollback.
A process that dies (even by SIGKILL) gives it back with it. Waiting for the gate is bounded by the same
busy timeout: past it, BEGIN IMMEDIATE is sent anyway and SQLite decides as before. Other writers (the
embedded job queue, the CLI) do not take the gate; they only wait for SQLite's lock as they always did.
"""

import os
import time

try:
    import fcntl
except ImportError:  # not on Windows: there SQLite's busy handler alone decides, as before
    fcntl = None

FIRST_WAIT_S, LONGEST_WAIT_S = 0.0005, 0.004


class WriteGate:
    def __init__(self, database_path: str):
        self.fd = os.open(f"{database_path}-writegate", os.O_RDWR | os.O_CREAT, 0o600)
        self.held = False

    def acquire(self, timeout_s: float) -> bool:
        """Take the gate (True), or give up after timeout_s (False)."""
        if self.held:
            return True
        deadline, wait = time.monotonic() + timeout_s, FIRST_WAIT_S
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(wait)
                wait = min(wait * 2, LONGEST_WAIT_S)
            else:
                self.held = True
                return True

    def release(self) -> None:
        if self.held:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            self.held = False

    def close(self) -> None:
        self.release()
        os.close(self.fd)


def gate_for(database_path: str | None) -> WriteGate | None:
    """A gate for a SQLite database file; None for an in-memory database or where flock is missing."""
    if fcntl is None or not database_path or database_path == ":memory:" or database_path.startswith("file:"):
        return None
    return WriteGate(database_path)
