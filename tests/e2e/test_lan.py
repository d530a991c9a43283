"""A phone on the classroom network: the site at a plain-http address that is not localhost (not a secure
context, so the browser drops HTTPS-only cookies) logs in and keeps the session from page to page."""

import pytest

from tests.e2e.conftest import LAN_NAME
from tests.e2e.test_foundation import log_in, switch_language

pytestmark = pytest.mark.e2e


def test_a_phone_on_the_classroom_network_logs_in_and_stays_logged_in(browser, live_server, tmp_path):
    lan_url = live_server.replace("127.0.0.1", LAN_NAME)  # the server as `lms serve` runs it
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(lan_url + "/login")
    assert page.evaluate("window.isSecureContext") is False  # plain http, as at http://192.168.x.y:5000

    log_in(page, lan_url, "trainee@example.org")
    switch_language(page, "en")
    assert page.locator("h1").inner_text() == "Welcome, Ελένη Παπαδοπούλου"
    page.screenshot(path=str(tmp_path / "lan-home-360.png"), full_page=True)

    for path in ("/classroom/", "/certificates/mine", "/"):  # the session survives navigation
        page.goto(lan_url + path)
        assert page.locator("header form[action='/logout'] button").count() == 1, path
    page.reload()
    who = page.locator("header .user-menu .menu-who").text_content(timeout=5000)  # in the closed user menu
    assert who.startswith("Ελένη Παπαδοπούλου")
    cookies = {cookie["name"]: cookie for cookie in context.cookies(lan_url)}
    assert cookies["session"]["secure"] is False
    context.close()
