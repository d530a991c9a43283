"""In a real browser: a trainer sets an assignment; a trainee hands in text and a file; the trainer grades
it with a rubric and the trainee reads the grade and feedback."""

import re

import pytest

from tests.e2e.test_foundation import log_in, log_out, switch_language

pytestmark = pytest.mark.e2e


def test_assignment_set_submitted_graded_and_read(page, live_server, screenshot):
    log_in(page, live_server, "trainer@example.org")
    switch_language(page, "en")
    page.goto(live_server + "/author/courses/ict-essentials")
    module = page.locator(".module").first
    screenshot("authoring-outline")
    module.get_by_placeholder("Assignment title").fill("Business plan")
    module.get_by_role("button", name="Add an assignment").click()
    page.wait_for_url(re.compile(r"/assignments/\d+/edit$"))
    page.fill("#body", "# Your business plan\n\nWrite **two pages** and attach them as a PDF.")
    page.fill("#due", "2099-03-01T17:00+02:00")
    page.fill("#max_files", "1")
    page.fill("#file_types", "pdf")
    page.fill("#rubric", "Market analysis | Missing = 0 | Basic = 5 | Thorough = 10")
    page.check("#published")
    page.get_by_role("button", name="Save").click()
    assert page.locator(".alert-success").count() == 1
    screenshot("assignment-edit")
    trainee_page = page.get_by_role("link", name="View as a trainee").get_attribute("href")
    grading = page.get_by_role("link", name="Submissions and grading").get_attribute("href")
    log_out(page)

    log_in(page, live_server, "trainee@example.org")
    switch_language(page, "en")
    page.goto(live_server + trainee_page)
    assert "Not submitted" in page.content() and "Due: " in page.content()
    page.fill("#text", "My plan: a **bakery** in Bitola.")
    page.set_input_files(
        "#files", files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 plan"}]
    )
    page.get_by_role("button", name="Submit for grading").click()
    assert page.locator(".alert-success").inner_text().strip().endswith("Submitted for grading.")
    assert page.get_by_role("link", name="plan.pdf").count() == 1
    screenshot("assignment-submitted")
    log_out(page)

    log_in(page, live_server, "trainer@example.org")
    switch_language(page, "en")
    page.goto(live_server + grading + "?show=needs_grading")
    row = page.locator("tr", has_text="Ελένη Παπαδοπούλου")
    assert "Submitted" in row.inner_text()
    screenshot("assignment-grading")
    row.get_by_role("link", name="Grade").click()
    assert "bakery" in page.content()
    page.get_by_label(re.compile("Thorough")).check()
    page.fill("#feedback", "A *clear* plan.")
    page.get_by_role("button", name="Save grade").click()
    page.wait_for_url(re.compile(r"/grading$"))
    assert "100%" in page.locator("tr", has_text="Ελένη Παπαδοπούλου").inner_text()
    log_out(page)

    log_in(page, live_server, "trainee@example.org")
    switch_language(page, "en")
    page.goto(live_server + trainee_page)
    assert "Your grade: 100%" in page.content() and "A <em>clear</em> plan." in page.content()
    screenshot("assignment-graded")
