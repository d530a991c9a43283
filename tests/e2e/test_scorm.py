"""In a real browser: a trainer uploads a SCORM 1.2 package; a trainee launches its SCO, which finds the
API in its sandboxed frame, calls LMSSetValue, LMSCommit and LMSFinish; the trainee is complete with the
score in the gradebook. The frame cannot read the site's cookies. Pages at 360 and 1280 px, English and
Greek."""

import re

import pytest

from tests.e2e.test_foundation import log_in, log_out, switch_language
from tests.scorm_package import scorm_12_zip

pytestmark = pytest.mark.e2e


@pytest.fixture(params=[(1280, 900), (360, 800)], ids=["desktop", "phone"])
def viewport(request):
    return request.param


@pytest.fixture
def page(browser, viewport):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    yield context.new_page()
    context.close()


def shot(page, name, tmp_path):
    width = page.viewport_size["width"]
    page.screenshot(path=str(tmp_path / f"scorm-{name}-{width}.png"), full_page=True)
    assert (tmp_path / f"scorm-{name}-{width}.png").stat().st_size > 1000
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not overflow, f"{name} is wider than the screen at {width}px"


def test_trainee_plays_a_scorm_package_and_is_graded(page, live_server, tmp_path, viewport):
    log_in(page, live_server, "trainer@example.org")
    switch_language(page, "en")
    page.goto(live_server + "/author/courses/ict-essentials")
    module = page.locator(".module").first
    module.locator(".add-scorm input[type=file]").set_input_files(
        files=[{"name": "cashflow.zip", "mimeType": "application/zip", "buffer": scorm_12_zip()}]
    )
    module.get_by_role("button", name="Add a SCORM package").click()
    page.wait_for_url(re.compile(r"/scorm/\d+/edit$"))
    assert "Cash flow for small firms" in page.content() and "Glossary" in page.content()
    page.fill("#title", f"Cash flow check {viewport[0]}")
    page.check("#published")
    page.get_by_role("button", name="Save").click()
    assert page.locator(".alert-success").count() == 1
    shot(page, "edit-en", tmp_path)
    switch_language(page, "el")
    shot(page, "edit-el", tmp_path)
    trainee_page = page.locator("a.button-secondary").first.get_attribute("href")
    edit_page = page.url
    log_out(page)

    log_in(page, live_server, "trainee@example.org")
    switch_language(page, "en")
    page.goto(live_server + trainee_page)
    assert "Not started" in page.content()
    shot(page, "activity-en", tmp_path)
    page.locator(".scorm-item").first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/scorm/\d+/play/0$"))
    frame = page.frame_locator("iframe.scorm-frame")
    out = frame.locator("#out")
    out.filter(has_text="entry=ab-initio").wait_for()
    assert "name=Ελένη Παπαδοπούλου" in out.inner_text()
    # The package runs in an opaque origin: it cannot read this site's cookies.
    assert frame.locator("#cookie").inner_text() == "no cookies"
    page.locator(".scorm-saved", has_text="Progress saved.").wait_for()
    shot(page, "player-en", tmp_path)
    frame.locator("#finish").click()
    out.filter(has_text="finished").wait_for()
    assert out.inner_text() == "finished commit=true finish=true error=0"
    page.locator(".scorm-player[data-status=passed]").wait_for()

    # Another device: the same trainee resumes where the SCO left off.
    page.goto(live_server + trainee_page)
    item = page.locator(".scorm-item").first
    assert "Passed" in item.inner_text() and "Score: 85%" in item.inner_text()
    assert item.get_by_role("link").inner_text().startswith("Resume")
    switch_language(page, "el")
    assert "Συνέχεια" in item.inner_text() and "Βαθμολογία: 85%" in item.inner_text()
    shot(page, "activity-el", tmp_path)
    item.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/scorm/\d+/play/0$"))
    frame.locator("#out").filter(has_text="entry=resume").wait_for()
    assert "data=answers=B,C" in frame.locator("#out").inner_text()
    shot(page, "player-el", tmp_path)
    log_out(page)

    log_in(page, live_server, "trainer@example.org")
    switch_language(page, "en")
    page.goto(edit_page)
    row = page.locator("tr", has_text="Ελένη Παπαδοπούλου")
    assert "Passed" in row.inner_text() and "85%" in row.inner_text()
    page.goto(live_server + "/progress/courses/ict-essentials/gradebook")
    row = page.locator("tr", has_text="Ελένη Παπαδοπούλου")
    assert "85" in row.inner_text()
    shot(page, "gradebook-en", tmp_path)


API_CALLS = """() => {
  const api = window.API;
  const call = (fn, ...args) => [String(api[fn](...args)), api.LMSGetLastError()];
  const r = {};
  r.before = call("LMSGetValue", "cmi.core.student_id");
  r.init = call("LMSInitialize", "");
  r.again = call("LMSInitialize", "");
  r.readOnly = call("LMSSetValue", "cmi.core.student_id", "x");
  r.writeOnly = call("LMSGetValue", "cmi.core.exit");
  r.keyword = call("LMSSetValue", "cmi.core._children", "x");
  r.type = call("LMSSetValue", "cmi.core.lesson_status", "done");
  r.unsupported = call("LMSGetValue", "cmi.evaluation.comments");
  r.children = call("LMSGetValue", "cmi.core.score._children");
  r.noChildren = call("LMSGetValue", "cmi.core.student_id._children");
  r.noCount = call("LMSGetValue", "cmi.core._count");
  r.tooLong = call("LMSSetValue", "cmi.suspend_data", "x".repeat(4097));
  r.set = call("LMSSetValue", "cmi.core.lesson_location", "p3");
  r.get = call("LMSGetValue", "cmi.core.lesson_location");
  r.interaction = call("LMSSetValue", "cmi.interactions.0.id", "q1");
  r.count = call("LMSGetValue", "cmi.interactions._count");
  r.gap = call("LMSSetValue", "cmi.interactions.2.id", "q3");
  r.interactionRead = call("LMSGetValue", "cmi.interactions.0.id");
  r.text = api.LMSGetErrorString("403");
  r.diagnostic = api.LMSGetDiagnostic("");
  r.version = call("LMSGetValue", "cmi._version");
  r.finish = call("LMSFinish", "");
  r.after = call("LMSGetValue", "cmi.core.lesson_location");
  r.noParentApi = (() => { try { return String(window.parent.API); } catch (e) { return "blocked"; } })();
  return r;
}"""


@pytest.mark.parametrize("viewport", [(1280, 900)], ids=["desktop"], indirect=True)  # not screen-bound
def test_the_api_in_the_frame_answers_scorm_12_error_codes(page, live_server, viewport):
    log_in(page, live_server, "trainer@example.org")
    switch_language(page, "en")
    page.goto(live_server + "/author/courses/ict-essentials")
    module = page.locator(".module").first
    module.locator(".add-scorm input[type=file]").set_input_files(
        files=[{"name": "cashflow.zip", "mimeType": "application/zip", "buffer": scorm_12_zip()}]
    )
    module.get_by_role("button", name="Add a SCORM package").click()
    page.wait_for_url(re.compile(r"/scorm/\d+/edit$"))
    activity_id = re.search(r"/scorm/(\d+)/edit", page.url).group(1)
    # The glossary is an asset: its page gets the API too, and calls nothing itself.
    page.goto(f"{live_server}/scorm/{activity_id}/play/1")
    page.frame_locator("iframe.scorm-frame").locator("body").wait_for()
    frame = next(f for f in page.frames if "/scorm/content/" in f.url)
    r = frame.evaluate(API_CALLS)
    assert r["before"] == ["", "301"]
    assert r["init"] == ["true", "0"] and r["again"][0] == "false"
    assert r["readOnly"] == ["false", "403"]
    assert r["writeOnly"] == ["", "404"]
    assert r["keyword"] == ["false", "402"]
    assert r["type"] == ["false", "405"]
    assert r["unsupported"] == ["", "401"]
    assert r["children"] == ["raw,min,max", "0"]
    assert r["noChildren"] == ["", "202"]
    assert r["noCount"] == ["", "203"]
    assert r["tooLong"] == ["false", "405"]
    assert r["set"] == ["true", "0"] and r["get"] == ["p3", "0"]
    assert r["interaction"] == ["true", "0"] and r["count"] == ["1", "0"]
    assert r["gap"] == ["false", "201"]
    assert r["interactionRead"] == ["", "404"]
    assert r["text"] == "Element is read only"
    assert r["version"] == ["3.4", "0"]
    assert r["finish"] == ["true", "0"] and r["after"] == ["", "301"]
    assert r["noParentApi"] == "blocked"  # the LMS page is another origin to the package


def test_scorm_pages_fit_a_phone_and_pass_axe(browser, live_server):
    """The trainer's page, the activity page and the player at 360 px in English and Greek."""
    from tests.e2e.test_every_page import AXE, FIND_OVERFLOW, RUN_AXE, set_language

    if not AXE.exists():
        pytest.skip("axe-core is not vendored: run python3 .ci/vendor.py")
    # bypass_csp: axe is injected as an inline script. The frame keeps its sandbox attribute.
    context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True)
    page = context.new_page()
    log_in(page, live_server, "trainer@example.org")
    page.goto(live_server + "/author/courses/ict-essentials")
    module = page.locator(".module").first
    module.locator(".add-scorm input[type=file]").set_input_files(
        files=[{"name": "cashflow.zip", "mimeType": "application/zip", "buffer": scorm_12_zip()}]
    )
    module.locator(".add-scorm button").click()
    page.wait_for_url(re.compile(r"/scorm/\d+/edit$"))
    edit = page.url
    activity_id = re.search(r"/scorm/(\d+)/edit", edit).group(1)
    trainee_page = live_server + page.locator("a.button-secondary").first.get_attribute("href")
    problems = []
    for code in ("en", "el"):
        set_language(context, page, live_server, code)
        for url in (edit, trainee_page, f"{live_server}/scorm/{activity_id}/play/0"):
            page.goto(url)
            problems += [f"{code} {url}: {p}" for p in page.evaluate(FIND_OVERFLOW)]
            page.add_script_tag(path=str(AXE))
            problems += [f"{code} {url}: axe {v}" for v in page.evaluate(RUN_AXE)]
    context.close()
    assert not problems, "\n".join(problems)
