"""In a real browser: a trainee completes a course, downloads the certificate, and its QR code verifies."""

import subprocess

import pytest

from tests.e2e.test_foundation import log_in, switch_language

pytestmark = pytest.mark.e2e


@pytest.mark.needs("pango", "pdftoppm")  # the server renders the PDF; the test reads it back
def test_complete_a_course_download_the_certificate_and_verify_it(browser, live_server, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp decodes the QR code: pip install zxing-cpp")
    from PIL import Image

    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    log_in(page, live_server, "trainee@example.org")
    switch_language(page, "en")
    page.goto(live_server + "/courses/first-steps")
    with page.expect_navigation():
        page.get_by_role("button", name="Enrol me").click()
    page.goto(live_server + "/courses/first-steps/learn/basics/welcome")
    with page.expect_navigation():
        page.get_by_role("button", name="✓ Mark as done").click()
    page.goto(live_server + "/courses/first-steps/learn/basics/check")
    with page.expect_navigation():
        page.locator("form[action*='/start'] button").click()
    page.get_by_label("True").check()
    with page.expect_navigation():
        page.locator("button[name=go][value=finish]").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit all and finish").click()
    page.wait_for_url("**/review")
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)

    page.goto(live_server + "/certificates/mine")
    page.screenshot(path=str(tmp_path / "my-certificates.png"), full_page=True)
    with page.expect_download() as download_info:
        page.locator(".certificate-row", has_text="Πρώτα βήματα").get_by_role(
            "link", name="Download PDF"
        ).click()
    pdf = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf), str(tmp_path / "certificate")], check=True
    )
    codes = [result.text for result in zxingcpp.read_barcodes(Image.open(tmp_path / "certificate.png"))]
    assert len(codes) == 1 and codes[0].startswith(live_server + "/verify/")

    page.goto(codes[0])
    assert page.locator(".verify-status").inner_text().endswith("Valid certificate")
    assert "Ελένη Παπαδοπούλου" in page.locator(".verify-name").inner_text()
    page.screenshot(path=str(tmp_path / "verify.png"), full_page=True)
    context.close()
