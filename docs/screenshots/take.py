"""Retake the README's screenshots from a running demo (`lms demo`), desktop and phone.

    python3 docs/screenshots/take.py http://127.0.0.1:5000

Needs Playwright and Chromium (as the browser tests do). The demo trainee takes one quiz, so its review can
be shown: run it on a throw-away demo, not on a real site.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from lms.cli import DEMO_PASSWORD as PASSWORD  # the demo accounts' published password

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"

DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


def session(browser, base: str, email: str | None, viewport: dict, language: str = "en"):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    if email:
        page.goto(base + "/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("#submit")
        page.wait_for_url(base + "/")
    page.goto(base + "/")
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    context.request.post(base + "/language", form={"locale": language, "csrf_token": token, "next": "/"})
    page.goto(base + "/")
    return context, page


def take_quiz(page, base: str, url: str) -> str:
    """Answer every question with its last choice and submit; returns the review's URL."""
    page.goto(base + url)
    start = page.locator("form[action$='/start'] button")
    if start.count():
        start.click()
    else:
        page.locator("a[href*='/attempts/']").first.click()
    while True:
        page.wait_for_load_state()
        for question in page.locator("fieldset.question").all():
            choices = question.locator("input[type=radio], input[type=checkbox]")
            if choices.count():
                choices.nth(choices.count() - 1).check()
            for select in question.locator("select").all():
                select.select_option(index=max(1, select.locator("option").count() // 2))
        finish = page.locator("button[value='finish']")
        if finish.count():
            finish.click()
            break
        page.locator("button[name=go]").last.click()
    page.wait_for_load_state()
    page.locator("form[action$='/submit'] button").click()
    page.wait_for_url("**/review")
    return page.url


def shot(page, name: str, full: bool = False) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
    print("wrote", OUT / f"{name}.png")


def main(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])

        context, page = session(browser, base, None, DESKTOP)
        page.goto(base + "/courses/")
        shot(page, "catalogue")
        context.close()

        context, page = session(browser, base, "coordinator@example.org", DESKTOP)
        shot(page, "home-coordinator")
        context.close()

        context, page = session(browser, base, "trainer@example.org", DESKTOP)
        page.goto(base + "/progress/courses/digital-marketing/matrix")
        shot(page, "matrix")
        page.goto(base + "/author/courses/ict-essentials")
        page.locator("a", has_text="Passwords and multi-factor authentication").first.click()
        page.locator(".preview-body").wait_for()
        shot(page, "editor")
        context.close()

        context, page = session(browser, base, "trainee@example.org", PHONE, "el")
        shot(page, "home-trainee-el-phone")
        page.goto(base + "/courses/digital-marketing/learn/know-your-customer/personas")
        shot(page, "lesson-phone")
        page.locator(".outline summary").click()
        shot(page, "outline-phone")
        page.goto(
            take_quiz(page, base, "/courses/digital-marketing/learn/know-your-customer/check-your-knowledge")
        )
        page.locator("#question-1").scroll_into_view_if_needed()
        shot(page, "quiz-review-phone")
        context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000")
