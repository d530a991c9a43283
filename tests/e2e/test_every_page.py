"""Every page a role can reach, on a 360 px phone in every language: nothing sticks out or is cut off, and
axe-core finds no WCAG 2.1 AA violation.

The pages are found by following the links from the home page (one page per URL shape, so /courses/a and
/courses/b count once), as each demo user and as a visitor who is not logged in.
"""

import re
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

from lms.cli import DEMO_USERS
from tests.e2e.test_foundation import log_in

pytestmark = pytest.mark.e2e

HERE = Path(__file__).parent
AXE = HERE / "vendor" / "axe-core" / "axe.min.js"


def _script(name: str) -> str:
    """A function from a .js file beside this one, without its leading comment lines."""
    lines = (HERE / name).read_text().splitlines()
    return "\n".join(line for line in lines if not line.startswith("//"))


FIND_OVERFLOW = _script("find_overflow.js")  # what sticks out of the viewport or cuts its own text
RUN_AXE = _script("run_axe.js")
LANGUAGES = ("en", "el", "mk", "bg", "sr")
PHONE = {"width": 360, "height": 740}
MAX_PAGES = 80  # per role; the demo has fewer URL shapes than this
# Links that download a file, end the session or only make sense with a form's data.
NOT_PAGES = re.compile(
    r"^/(static|logout)\b|/files/|\.(csv|xlsx|pdf|ics|json|zip|png|svg)$|/(export|download|sign-in-sheet)\b|"
    r"/calendar\b|/verify/[^/]+$"
)


def shape(path: str) -> str:
    """One page per URL shape: ids are alike, and so are a module's activities (one lesson per module)."""
    return re.sub(r"(/learn/[^/]+/)[^/?]+", r"\1S", re.sub(r"\d+", "N", path))


def crawl(page, base: str) -> list[str]:
    seen_shapes, pages, queue = set(), [], deque(["/", "/courses/", "/verify"])
    while queue and len(pages) < MAX_PAGES:
        path = queue.popleft()
        if shape(path) in seen_shapes:
            continue
        seen_shapes.add(shape(path))
        response = page.goto(base + path)
        html = response is not None and "text/html" in response.headers.get("content-type", "")
        if not html or response.status != 200:
            continue
        pages.append(path)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or NOT_PAGES.search(parts.path):
                continue
            if shape(href) not in seen_shapes:
                queue.append(href)
    return pages


def set_language(context, page, base: str, code: str) -> None:
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    form = {"locale": code, "csrf_token": token, "next": "/"}
    response = context.request.post(base + "/language", form=form)
    assert response.ok, response.status


ROLES = [("visitor", None)] + [(role, email) for email, _name, role, *_ in DEMO_USERS]


@pytest.mark.parametrize("role,email", ROLES, ids=[r for r, _ in ROLES])
def test_every_page_fits_a_phone_and_passes_axe(browser, live_server, role, email, tmp_path):
    if not AXE.exists():
        pytest.skip("axe-core is not vendored: run python3 .ci/vendor.py")
    # bypass_csp: axe is injected as an inline script, which the site's CSP rightly refuses.
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    if email:
        log_in(page, live_server, email)
    pages = crawl(page, live_server)
    assert len(pages) >= 3, pages
    problems = []
    for code in LANGUAGES:
        page.goto(live_server + "/")
        set_language(context, page, live_server, code)
        for path in pages:
            page.goto(live_server + path)
            problems += [f"{code} {path}: {p}" for p in page.evaluate(FIND_OVERFLOW)]
            if code in ("en", "el"):
                page.add_script_tag(path=str(AXE))
                problems += [f"{code} {path}: axe {v}" for v in page.evaluate(RUN_AXE)]
        page.screenshot(path=str(tmp_path / f"last-{code}.png"), full_page=True)
    context.close()
    assert not problems, f"{len(problems)} problems on {len(pages)} pages:\n" + "\n".join(problems)
