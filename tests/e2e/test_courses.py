"""A trainer writes and publishes a lesson in a real browser; a trainee finds and reads it."""

import re
import uuid

import pytest

from tests.e2e.test_foundation import log_in, log_out, switch_language

pytestmark = pytest.mark.e2e


def test_trainer_writes_a_lesson_and_trainee_reads_it(page, live_server, screenshot):
    title = f"Backups that work {uuid.uuid4().hex[:6]}"
    log_in(page, live_server, "trainer@example.org")
    switch_language(page, "en")
    page.goto(live_server + "/author/courses/ict-essentials")
    screenshot("author-course")
    page.locator(".module").first.get_by_role("link", name="+ Add a lesson").click()
    page.fill("#title", title)
    page.fill("#minutes", "12")
    page.fill(
        "#body", "## The 3-2-1 rule\n\nKeep **three** copies.\n\n| copy | where |\n|---|---|\n| 1 | office |"
    )
    # The live preview is rendered by the server as the trainer types.
    preview = page.locator(".preview-body")
    preview.locator("table").wait_for()
    assert preview.locator("strong").inner_text() == "three"
    # The toolbar (vendored markdown-toolbar-element) and its shortcuts edit the Markdown.
    page.locator("#body").press("End")
    page.locator("#body").press("Enter")
    page.locator("markdown-toolbar [data-insert=callout]").click()
    preview.locator(".admonition.tip").wait_for()
    page.locator("#body").press("Control+b")
    assert "****" in page.input_value("#body")
    screenshot("editor-preview")
    page.get_by_role("button", name="Save lesson").click()
    page.wait_for_url(re.compile(r"/author/courses/ict-essentials/activities/\d+$"))
    lesson_url = page.get_by_role("link", name="View").get_attribute("href")
    log_out(page)

    log_in(page, live_server, "trainee@example.org")
    switch_language(page, "en")
    page.goto(live_server + "/courses/?q=ICT")
    assert page.get_by_role("link", name="ICT essentials for SMEs").count() == 1
    screenshot("catalogue")
    page.get_by_role("link", name="ICT essentials for SMEs").click()
    screenshot("course")
    page.get_by_role("link", name=title).click()
    assert page.url == live_server + lesson_url
    assert page.locator(".prose h2").inner_text() == "The 3-2-1 rule"
    screenshot("lesson")
    # Next/previous navigation leads on through the course.
    page.locator(".step-nav-bottom a[rel=next]").click()
    assert "/learn/" in page.url
