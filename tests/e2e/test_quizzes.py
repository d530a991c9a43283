"""In a real browser: a trainer sets a time limit; a trainee takes, leaves, resumes and submits the quiz."""

import re

import pytest

from tests.e2e.test_foundation import log_in, log_out, switch_language

pytestmark = pytest.mark.e2e


def test_timed_quiz_taken_resumed_and_submitted(page, live_server, screenshot):
    log_in(page, live_server, "trainer@example.org")
    switch_language(page, "en")
    page.goto(live_server + "/author/courses/ict-essentials")
    page.locator(".module").first.get_by_role("link", name=re.compile("Check your knowledge")).click()
    page.wait_for_url(re.compile(r"/quizzes/\d+/edit$"))
    page.fill("#time_limit", "20")
    page.fill("#per_page", "3")
    page.get_by_role("button", name="Save settings").click()
    assert page.locator(".alert-success").count() == 1
    screenshot("quiz-edit")
    quiz_page = page.get_by_role("link", name="View as a trainee").get_attribute("href")
    log_out(page)

    log_in(page, live_server, "trainee@example.org")
    switch_language(page, "en")
    page.goto(live_server + quiz_page)
    assert "Time limit: 20 minutes" in page.content()
    page.get_by_role("button", name=re.compile("Start the quiz|Continue the attempt|Try again")).click()
    page.wait_for_url(re.compile(r"/quizzes/attempts/\d+"))
    attempt_url = page.url.split("?")[0]
    assert re.match(r"\d+:\d\d", page.locator(".timer-value").inner_text())
    # Answer the first question whatever its kind, as a person would.
    first = page.locator("fieldset.question").first
    if first.locator("input[type=radio]").count():
        first.locator("input[type=radio]").first.check()
    elif first.locator("input[type=checkbox]").count():
        first.locator("input[type=checkbox]").first.check()
    elif first.locator("input[type=text]").count():
        first.locator("input[type=text]").fill("42")
    elif first.locator("select").count():
        first.locator("select").first.select_option(index=1)
    screenshot("attempt")
    page.get_by_role("button", name=re.compile("Next page")).click()
    page.wait_for_url(re.compile(r"page=1"))

    # Leave and come back: the attempt resumes with the answer saved.
    page.goto(live_server + quiz_page)
    page.get_by_role("button", name="Continue the attempt").click()
    page.wait_for_url(re.compile(re.escape(attempt_url)))
    assert page.locator(".question-nav a.answered").count() >= 1

    page.goto(attempt_url + "/summary")
    screenshot("summary")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit all and finish").click()
    page.wait_for_url(re.compile(r"/review$"))
    assert (
        page.locator("h1").inner_text().endswith("attempt 1") or "attempt" in page.locator("h1").inner_text()
    )
    assert re.search(r"\d+%", page.locator(".facts").inner_text())
    screenshot("review")
