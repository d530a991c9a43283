"""In a real browser: marking a lesson done moves the trainee's progress bar and the trainer's matrix."""

import re

import pytest

from tests.e2e.test_foundation import log_in, log_out, switch_language

pytestmark = pytest.mark.e2e


def _done_count(text: str) -> int:
    return int(re.search(r"(\d+) of \d+ done", text).group(1))


def test_marking_a_lesson_done_moves_the_bar_and_the_matrix(page, live_server, screenshot):
    log_in(page, live_server, "trainee@example.org")
    switch_language(page, "en")
    page.goto(live_server + "/courses/startup-skills")
    before = _done_count(page.locator(".progress-line").inner_text())
    lesson = page.locator(".activity-lesson a").nth(before)  # the first lesson not yet done
    title = lesson.inner_text()
    lesson.click()
    with page.expect_navigation():
        page.get_by_role("button", name="✓ Mark as done").click()
    assert page.locator(".done-box").inner_text().startswith("✓")
    page.goto(live_server + "/courses/startup-skills")
    assert _done_count(page.locator(".progress-line").inner_text()) == before + 1
    screenshot("course-progress")
    page.goto(live_server + "/")
    assert page.locator(".course-card", has_text="Start-up skills").locator("progress").count() == 1
    screenshot("dashboard")
    log_out(page)

    log_in(page, live_server, "trainer@example.org")
    switch_language(page, "en")
    page.goto(live_server + "/progress/courses/startup-skills/matrix")
    row = page.locator("tr", has_text="Ελένη Παπαδοπούλου")
    assert row.locator(".tick").count() >= before + 1
    # Short column labels; the full title is on hover (abbr) and in the key below the table.
    assert page.locator("thead abbr", has_text=re.compile(r"^\d+\.\d+$")).count() >= 1
    assert title in page.locator(".column-key").inner_text()
    screenshot("matrix")
    page.goto(live_server + "/progress/courses/startup-skills")
    assert page.locator("figure.chart svg").count() == 2
    screenshot("overview")
