"""A real server started with the CLI (`lms demo --no-serve`, then `lms serve`) and a Chromium to drive it."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.ports import xdist_worker_number
from tests.system import chromium_path, needs

# A name for 127.0.0.1 that Chromium does not treat as localhost (a plain-http origin, not a secure
# context), as a phone on the classroom network sees the site.
LAN_NAME = "classroom.test"
LIVE: dict = {}  # the live server's instance folder (its outbox), for tests that read it


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)  # polling for readiness, not timing anything
    raise RuntimeError(f"the server did not answer at {url} within {timeout}s")


@pytest.fixture(scope="session", autouse=True)
def _chromium_installed():
    """Skip the browser tests (before starting a server) when there is no Chromium."""
    needs("chromium")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    env = {**os.environ, "LMS_INSTANCE_PATH": str(instance)}
    env.pop("LMS_DATABASE_URL", None)
    lms = [sys.executable, "-m", "lms"]
    subprocess.run([*lms, "demo", "--no-serve"], env=env, check=True, capture_output=True)
    # A one-lesson course, so a browser test can complete a course and get its certificate.
    subprocess.run(
        [*lms, "import-courses", str(Path(__file__).parent / "data")],
        env=env,
        check=True,
        capture_output=True,
    )
    # LMS_E2E_PORT pins the port (machines where each user has a range of ports), the next ones for the
    # servers of more pytest-xdist workers; a free one otherwise.
    pinned = int(os.environ.get("LMS_E2E_PORT") or 0)
    port = pinned + xdist_worker_number() if pinned else _free_port()
    LIVE["instance"] = instance
    env["LMS_BASE_URL"] = f"http://127.0.0.1:{port}"
    # The hosts this server answers to, as `lms serve --host 0.0.0.0` trusts the LAN address.
    env["LMS_TRUSTED_HOSTS"] = json.dumps(["127.0.0.1", LAN_NAME])
    log_path = instance / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*lms, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url + "/login", process, log_path)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_outbox(live_server) -> Path:
    """Where the live server writes the mail it sends (no MAIL_SERVER: instance/outbox/*.eml)."""
    return LIVE["instance"] / "outbox"


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'"
    )
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            args=[
                f"--host-resolver-rules=MAP {LAN_NAME} 127.0.0.1",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(params=[(1280, 900), (390, 844)], ids=["desktop", "phone"])
def page(request, browser):
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page, tmp_path):
    """screenshot("home") keeps a full-page PNG under the test's tmp dir and returns its path."""

    def take(name: str) -> Path:
        path = tmp_path / f"{name}-{page.viewport_size['width']}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000
        return path

    return take
