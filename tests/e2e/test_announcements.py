"""In a real browser: the trainer announces a room change to the cohort; the trainee sees it on the
dashboard, with the unread count in the header and on the notifications page, and the mail leaves
through the queue (the server's outbox), multipart, in the trainee's language, with one-click unsubscribe."""

import re
import time
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from tests.e2e.test_foundation import log_in, log_out

pytestmark = pytest.mark.e2e

TITLE = "Thursday's e-class moves to Room 4"


def _mails_to(outbox, address: str, subject_part: str, timeout: float = 60) -> list:
    """The outbox's mails to `address` whose subject holds `subject_part`, once the background worker has
    written at least one (polling for the queue to drain, not timing anything)."""
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for path in sorted(outbox.glob("*.eml")) if outbox.exists() else []:
            mail = message_from_bytes(path.read_bytes(), policy=default_policy)
            if mail["To"] == address and subject_part in mail["Subject"]:
                found.append(mail)
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_trainer_announces_a_room_change_and_the_trainee_sees_it_and_gets_mail(
    browser, live_server, live_outbox, tmp_path
):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    shot = lambda name: page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)  # noqa: E731

    # The trainer (Macedonian interface) posts to the cohort she teaches; selectors do not depend on language.
    log_in(page, live_server, "trainer@example.org")
    page.goto(live_server + "/classroom/")
    cohort = page.locator(".link-list li", has_text="Serres spring group")  # the demo trainee's cohort
    cohort.locator("a[href*='/announcements/cohorts/']").click()
    page.wait_for_url(re.compile(r"/announcements/cohorts/\d+$"))
    page.click("details.new-announcement summary")
    page.fill("#title", TITLE)
    page.fill("#body", "Because of the fair, **Thursday's** e-class is in *Room 4* of the incubator.")
    with page.expect_navigation():
        page.click("form.stack button[name=save]")
    assert page.locator(".announcement h3", has_text=TITLE).count() == 1
    shot("trainer-announcements")
    log_out(page)

    # The trainee (Greek interface) sees it on the dashboard, and the bell counts it.
    log_in(page, live_server, "trainee@example.org")
    assert page.locator(".latest-news", has_text=TITLE).count() == 1
    badge = page.locator("header .bell .badge")
    assert badge.count() == 1 and int(badge.inner_text()) >= 1
    shot("trainee-dashboard-1280")
    phone = browser.new_context(viewport={"width": 360, "height": 800})
    phone_page = phone.new_page()
    log_in(phone_page, live_server, "trainee@example.org")
    assert phone_page.locator(".latest-news", has_text=TITLE).is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing sticks out
    phone_page.screenshot(path=str(tmp_path / "trainee-dashboard-360.png"), full_page=True)
    phone.close()

    # The notifications page lists it; following it marks it read and leads to the announcement.
    page.click("header .bell")
    item = page.locator(".notification", has_text=TITLE)
    assert item.count() == 1 and "unread" in item.get_attribute("class")
    shot("trainee-notifications")
    with page.expect_navigation():
        item.locator("a").first.click()
    assert re.search(r"/announcements/cohorts/\d+#announcement-\d+$", page.url)
    assert page.locator(".announcement strong", has_text="Thursday's").count() == 1

    # The mail left through the queue: once, in Greek, multipart, with RFC 8058 unsubscribe.
    (mail,) = _mails_to(live_outbox, "trainee@example.org", TITLE)
    assert "Ανακοίνωση" in mail["Subject"]
    assert "<strong>Thursday's</strong>" in mail.get_body(("html",)).get_content()
    assert mail["List-Unsubscribe"].startswith("<" + live_server + "/notifications/unsubscribe/")
    context.close()
