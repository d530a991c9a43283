"""In a real browser: a trainer writes a survey; a trainee, told it is anonymous, answers it; the trainer
sees the answers charted, with no name beside them."""

import re

import pytest

from tests.e2e.test_foundation import log_in, log_out, switch_language

pytestmark = pytest.mark.e2e


def test_survey_authored_answered_anonymously_and_charted(page, live_server, screenshot):
    log_in(page, live_server, "trainer@example.org")
    switch_language(page, "en")
    page.goto(live_server + "/author/courses/ict-essentials")
    module = page.locator(".module").first
    title = f"Session feedback {page.viewport_size['width']}"
    module.get_by_placeholder("Survey title").fill(title)
    module.get_by_role("button", name="Add a survey").click()
    page.wait_for_url(re.compile(r"/surveys/\d+/edit$"))
    assert page.is_checked("#anonymous")
    page.fill("#intro", "Two questions, one minute.")
    new = page.locator("fieldset.survey-question").nth(1)  # the empty row that adds a question
    new.get_by_label("Question", exact=True).fill("What helped you most?")
    new.get_by_label("Kind of answer").select_option("choice")
    new.get_by_label("Choices (multiple choice only, one a line)").fill("The examples\nThe exercise\n")
    page.check("#published")
    screenshot("survey-edit")
    page.get_by_role("button", name="Save").click()
    assert page.locator(".alert-success").count() == 1
    trainee_page = page.get_by_role("link", name="View as a trainee").get_attribute("href")
    results = page.get_by_role("link", name=re.compile("^Results")).get_attribute("href")
    log_out(page)

    log_in(page, live_server, "trainee@example.org")
    switch_language(page, "en")
    page.goto(live_server + trainee_page)
    privacy = page.locator(".survey-privacy")
    assert "Anonymous survey." in privacy.inner_text()
    page.get_by_role("button", name="Send my answers").click()  # nothing chosen: both are required
    assert page.locator(".question .error").count() == 2
    page.check("input[name='q-overall'][value='4']")
    page.get_by_text("The exercise", exact=True).click()  # the whole choice is its label
    screenshot("survey-answer")
    page.get_by_role("button", name="Send my answers").click()
    assert page.get_by_text("Thank you: your answers are saved.").count() == 1
    assert "You have answered this survey" in page.content()
    log_out(page)

    log_in(page, live_server, "trainer@example.org")
    switch_language(page, "en")
    page.goto(live_server + results)
    assert page.locator("figure.chart svg").count() == 2
    assert "Mean 4.00 of 5" in page.content() and "Ελένη" not in page.content()
    screenshot("survey-results")
