"""Real servers for tests and benchmarks: start processes with their logs, wait until they answer, stop
them all; a browser (one cookie jar, no redirects followed) that logs in with the site's CSRF token; and
a scratch database of its own on a PostgreSQL server."""

import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's browser: one cookie jar, whichever host it talks to (cookies ignore the port)."""

    def __init__(self):
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, url: str, form: dict | None = None) -> tuple[int, dict, bytes]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(url, data=data, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def csrf(self, url: str) -> str:
        return CSRF.search(self.request(url)[2].decode()).group(1)

    def login(self, host: str, email: str, password: str) -> int:
        token = self.csrf(f"{host}/login")
        return self.request(f"{host}/login", {"email": email, "password": password, "csrf_token": token})[0]

    def cookie_header(self) -> str:
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)


class Processes:
    """Servers started with `start`, each logging to a file, all stopped when the `with` block ends."""

    def __init__(self, log_dir: Path):
        self.log_dir = Path(log_dir)
        self.running: list[tuple[subprocess.Popen, object]] = []

    def __enter__(self) -> "Processes":
        return self

    def start(self, name: str, args: list[str], cwd: Path, env: dict) -> subprocess.Popen:
        """`python args...` in `cwd` with `env`; output in log_dir/name.log."""
        log = (self.log_dir / f"{name}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603 (our own commands)
            [sys.executable, *args],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.running.append((process, log))
        return process

    def __exit__(self, *exc) -> None:
        for process, _ in self.running:
            process.terminate()
        for process, log in self.running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()


def wait_until_answers(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=10).close()
            return
        except OSError:  # refused, reset or timed out while it starts
            time.sleep(0.2)  # waiting for a server to start, bounded by the deadline
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


@contextmanager
def scratch_postgres_database(server_url: str, prefix: str) -> Iterator[str]:
    """The URL of a new, empty database named `prefix`_<random> on the PostgreSQL server at `server_url`,
    dropped when the block ends, even with connections still open."""
    server = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
