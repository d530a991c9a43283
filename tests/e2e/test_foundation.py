"""Log in as each demo user in a real Chromium, see the home page, switch to Greek."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from lms.cli import DEMO_PASSWORD, DEMO_USERS

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def greek(message: str) -> str:
    with (ROOT / "lms/translations/el/LC_MESSAGES/messages.po").open("rb") as po:
        return read_po(po)[message].string


def log_in(page, base, email):
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#submit")
    page.wait_for_url(base + "/")


def log_out(page):
    """Log out from the user menu in the header (a <details>: open it first)."""
    page.click("header .user-menu summary")
    page.click("header form[action='/logout'] button")


def switch_language(page, code):
    """With JS the switcher submits on change (its button is hidden)."""
    if page.input_value("#locale-select") != code:
        with page.expect_navigation():
            page.select_option("#locale-select", code)
    assert page.locator("html").get_attribute("lang") == code


@pytest.mark.parametrize(
    "email,name,role", [(e, n, r) for e, n, r, *_ in DEMO_USERS], ids=[r for _, _, r, *_ in DEMO_USERS]
)
def test_demo_user_logs_in_sees_home_and_switches_to_greek(page, live_server, screenshot, email, name, role):
    log_in(page, live_server, email)
    switch_language(page, "en")
    assert page.locator("h1").inner_text() == f"Welcome, {name}"
    assert page.locator("nav a[href='/admin/']").count() == (1 if role == "coordinator" else 0)
    assert page.get_by_role("heading", name="My courses").count() == 1
    screenshot(f"home-{role}")

    switch_language(page, "el")
    assert page.locator("h1").inner_text() == greek("Welcome, %(name)s") % {"name": name}
    screenshot(f"home-{role}-el")

    log_out(page)
    page.wait_for_url(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "el"  # the choice outlives the session
    assert page.locator("a[href='/login']").count() >= 1


def test_log_in_on_a_phone_without_javascript(browser, live_server, tmp_path):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    log_in(page, live_server, "coordinator@example.org")
    # The header is one compact row; its menus are <details>, so they open without JS.
    assert page.locator("header").bounding_box()["height"] <= 64
    assert not page.locator("header nav a[href='/admin/']").is_visible()
    page.click("header .nav-menu summary")
    assert page.locator("header nav a[href='/admin/']").is_visible()
    page.click("header .user-menu summary")
    assert page.locator("header form[action='/logout'] button").is_visible()
    assert page.locator("header a[href='/profile']").is_visible()
    # The header's language menu: one button per language.
    page.click("header .lang-menu summary")
    with page.expect_navigation():
        page.click("header .lang-menu button[value='el']")
    assert page.locator("html").get_attribute("lang") == "el"
    # Without JS the language switcher's button is there and works.
    page.select_option("#locale-select", "bg")
    page.click(".language-form button")
    page.wait_for_url(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "bg"
    page.screenshot(path=str(tmp_path / "home-nojs-bg-360.png"), full_page=True)
    context.close()
