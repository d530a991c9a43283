"""Templates' url_for is remembered per process (lms.url_cache): the same URLs, built once."""

from flask import url_for

from lms.url_cache import cached_url_for


def test_remembered_urls_are_url_fors_and_know_where_the_app_is_mounted(app):
    for root in ("", "/training"):
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            for endpoint, values in (
                ("core.home", {}),
                ("courses.detail", {"slug": "μάρκετινγκ"}),
                ("static", {"filename": "css/site.css"}),
            ):
                expected = url_for(endpoint, **values)
                assert expected.startswith(f"{root}/")
                assert cached_url_for(endpoint, **values) == expected
                assert cached_url_for(endpoint, **values) == expected  # from the cache, still right


def test_only_plain_absolute_urls_are_kept(app):
    with app.test_request_context("/courses/"):
        cached_url_for("courses.detail", slug="a")
        cached_url_for("courses.detail", slug="b", _anchor="top")
        cached_url_for("courses.detail", slug="c", page=[1, 2])
        kept = app.extensions["lms.urls"]
        assert [key[1:] for key in kept] == [("courses.detail", ("slug", "a"))]
        assert cached_url_for("courses.detail", slug="b", _anchor="top").endswith("/courses/b#top")


def test_debug_builds_every_time(app):
    app.debug = True
    with app.test_request_context("/"):
        assert cached_url_for("core.home") == url_for("core.home")
    assert app.extensions["lms.urls"] == {}
