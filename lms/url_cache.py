"""Templates' url_for, remembered per process: every page builds the same few dozen URLs (the menu, its
assets, the links of a course outline), and building one through the URL map costs about as much as
reading a row. A URL depends only on its endpoint, its values and where the app is mounted, so outside
debug (where routes may be reloaded) each is built once. Relative endpoints (".name"), options such as
_external and values that are not plain strings or numbers go straight to url_for."""

from flask import url_for
from flask.globals import _cv_request

MAX_URLS = 20_000  # a process keeps at most this many (a page may link many objects by id)


def cached_url_for(endpoint: str, **values) -> str:
    ctx = _cv_request.get(None)  # the request context itself: a page calls this dozens of times
    if (
        ctx is None
        or ctx.app.debug
        or endpoint.startswith(".")
        or any(name.startswith("_") or type(value) not in (str, int) for name, value in values.items())
    ):
        return url_for(endpoint, **values)
    urls = ctx.app.extensions["lms.urls"]
    key = (ctx.request.root_path, endpoint, *sorted(values.items()))
    try:
        return urls[key]
    except KeyError:
        url = url_for(endpoint, **values)
        if len(urls) < MAX_URLS:
            urls[key] = url
        return url


def init_url_cache(app) -> None:
    app.extensions["lms.urls"] = {}
    app.jinja_env.globals["url_for"] = cached_url_for
