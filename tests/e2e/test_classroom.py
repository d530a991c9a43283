"""In a real browser, the e-classroom's whole story: a coordinator sets up a programme and a cohort,
uploads trainees from CSV, schedules 8 weekly sessions; a trainer takes attendance; a trainee checks in
with the code on the classroom screen; the coordinator downloads the register, the sign-in sheet and the
funder report."""

import re
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from tests.e2e.test_foundation import log_in, log_out, switch_language

pytestmark = pytest.mark.e2e

CSV = (
    "email;firstname;lastname;lang;institution;country\n"
    "nikos.e2e@example.org;Νίκος;Αντωνίου;el;Αρτοποιείο Σερρών;GR\n"
    "ivana.e2e@example.org;Ивана;Петрова;mk;Пекара Струмица;MK\n"
)


def _logout(page):
    log_out(page)


@pytest.mark.needs("pango", "pdftotext")  # the server renders the sign-in sheet; the test reads it back
def test_programme_cohort_schedule_attendance_check_in_and_exports(browser, live_server, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    shot = lambda name: page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)  # noqa: E731
    log_in(page, live_server, "coordinator@example.org")
    switch_language(page, "en")

    # Trainees from a Greek-Excel CSV (semicolons).
    csv_file = tmp_path / "trainees.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    page.goto(live_server + "/admin/users/import")
    page.set_input_files("input[type=file]", str(csv_file))
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    shot("import-preview")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"Import 2 users")).click()

    # Programme, cohort, members, schedule.
    page.goto(live_server + "/classroom/")
    page.fill("#title", "SME Digital Skills 2027 - Strumica")
    with page.expect_navigation():
        page.get_by_role("button", name="Save programme").click()
    page.locator("#courses").get_by_label("Digital marketing for small businesses").check()  # a picker
    with page.expect_navigation():
        page.get_by_role("button", name="Save programme").click()
    page.fill("#cohort-name", "Serres spring group")
    with page.expect_navigation():
        page.get_by_role("button", name="Save cohort").click()
    cohort_url = page.url
    for email in ("trainee@example.org", "nikos.e2e@example.org", "ivana.e2e@example.org"):
        page.fill("#member-email", email)
        with page.expect_navigation():
            page.get_by_role("button", name="Add to the cohort").click()
    page.locator("#trainers-trainers").get_by_label("Марија Стојановска").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save trainers").click()
    now = datetime.now(ZoneInfo("Europe/Athens")).replace(second=0, microsecond=0)
    page.fill("#schedule-first", now.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#schedule-weeks", "8")
    page.fill("#schedule-topic", "Local SEO workshop")
    with page.expect_navigation():
        page.get_by_role("button", name="Schedule").click()
    assert page.locator(".session").count() == 8
    shot("cohort")
    session_id = re.search(r"/sessions/(\d+)/attendance", page.content()).group(1)
    _logout(page)

    # The trainer takes attendance and shows the check-in screen.
    log_in(page, live_server, "trainer@example.org")
    switch_language(page, "en")
    page.goto(f"{live_server}/classroom/sessions/{session_id}/attendance")
    page.locator("fieldset", has_text="Νίκος Αντωνίου").get_by_label("Late").check()
    page.locator("fieldset", has_text="Ивана Петрова").get_by_label("Absent").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save attendance").click()
    shot("attendance")
    page.goto(f"{live_server}/classroom/sessions/{session_id}/screen")
    code = page.locator(".checkin-code").inner_text().replace("Code:", "").replace(" ", "").strip()
    assert re.fullmatch(r"\d{6}", code)
    # The projector view counts down by JS; its fallback link is hidden when JS runs.
    start = page.locator(".checkin-seconds").inner_text()
    from playwright.sync_api import expect

    expect(page.locator(".checkin-seconds")).not_to_have_text(start)
    assert not page.locator(".checkin-refresh").is_visible()
    shot("screen")
    page.goto(live_server + "/")
    _logout(page)

    # The trainee checks in with the code.
    log_in(page, live_server, "trainee@example.org")
    switch_language(page, "en")
    page.goto(live_server + "/classroom/check-in")
    page.fill("#code", code)
    with page.expect_navigation():
        page.get_by_role("button", name="Check in").click()
    assert "You are checked in" in page.content()
    _logout(page)

    # The coordinator downloads the register, the sign-in sheet and the report.
    log_in(page, live_server, "coordinator@example.org")
    switch_language(page, "en")
    page.goto(cohort_url)
    with page.expect_download() as download:
        page.get_by_role("link", name="Attendance (XLSX)").click()
    download.value.save_as(tmp_path / "attendance.xlsx")
    rows = {
        row[0]: row for row in load_workbook(tmp_path / "attendance.xlsx").active.iter_rows(values_only=True)
    }
    assert rows["Ελένη Παπαδοπούλου"][4] == "Present" and rows["Νίκος Αντωνίου"][4] == "Late"
    with page.expect_download() as download:
        page.get_by_role("link", name="Sign-in sheet (PDF)").first.click()
    download.value.save_as(tmp_path / "sign-in.pdf")
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "sign-in.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "Ивана Петрова" in text and "SME Digital Skills 2027 - Strumica" in text
    page.goto(live_server + "/classroom/")
    page.get_by_role("link", name="SME Digital Skills 2027 - Strumica").click()
    page.get_by_role("link", name="Indicator report").click()
    # Ελένη (checked in) and Νίκος (late) took part; Ивана was absent.
    assert page.locator("#indicator-participations .indicator-value").inner_text() == "2"
    shot("report")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    download.value.save_as(tmp_path / "report.pdf")
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    context.close()
