"""Static files: URLs carry a hash of the content and are cached for a year; pages load only the
stylesheets they use (code colours only where there is code)."""

import re

import pytest
from flask import url_for

from lms.assets import IMMUTABLE_MAX_AGE

STATIC_RE = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def static_urls(page: str) -> list[str]:
    return STATIC_RE.findall(page)


def test_every_static_url_on_a_page_is_versioned_and_cached_for_a_year(client):
    urls = static_urls(client.get("/login").get_data(as_text=True))
    assert any("css/site.css" in url for url in urls) and any("js/site.js" in url for url in urls)
    for url in urls:
        assert re.search(r"\?v=[0-9a-f]{12}$", url), url
        with client.get(url) as response:
            assert response.status_code == 200, url
            cache = response.cache_control
            assert cache.immutable and cache.public and cache.max_age == IMMUTABLE_MAX_AGE, url
            assert not cache.no_cache, url


def test_an_unversioned_or_outdated_url_is_revalidated(client):
    for url in ("/static/css/site.css", "/static/css/site.css?v=000000000000"):
        with client.get(url) as response:
            assert response.status_code == 200
            assert not response.cache_control.immutable and response.cache_control.max_age is None, url


@pytest.mark.parametrize("debug", [True, False])
def test_a_changed_file_gets_a_new_url_in_debug(app, tmp_path, debug):
    """In debug an edited file gets a new URL at once; otherwise files change with a deploy (a restart),
    so a page does not stat them on every request."""
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    sheet = static / "css" / "site.css"
    sheet.write_text("body { color: black; }")
    app.static_folder = str(static)
    app.debug = debug
    with app.test_request_context():
        before = url_for("static", filename="css/site.css")
        sheet.write_text("body { color: navy; }")
        after = url_for("static", filename="css/site.css")
        missing = url_for("static", filename="css/none.css")
    assert "?v=" in before and before.split("?")[0] == after.split("?")[0]
    assert (before != after) is debug
    assert missing == "/static/css/none.css"


def test_code_colours_load_only_on_pages_with_code(client, create_course):
    plain = create_course(summary="No code here.")
    with_code = create_course(summary="Run this:\n\n```python\nprint('hello')\n```")
    assert "pygments.css" not in client.get("/login").get_data(as_text=True)
    assert "pygments.css" not in client.get(f"/courses/{plain.slug}").get_data(as_text=True)
    page = client.get(f"/courses/{with_code.slug}").get_data(as_text=True)
    assert 'class="highlight"' in page and "css/pygments.css?v=" in page
