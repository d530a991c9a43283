"""Versioned static files: every url_for('static', ...) carries a hash of the file's content (?v=...), and a
request with the current hash is answered with a year-long immutable cache, so a phone on a slow link
asks for site.css once, not on every page. A changed file gets a new hash, hence a new URL."""

import hashlib
from functools import lru_cache
from pathlib import Path
from stat import S_ISREG

from flask import Flask, request

IMMUTABLE_MAX_AGE = 365 * 24 * 3600  # seconds


@lru_cache(maxsize=512)
def _content_hash(path: Path, mtime_ns: int, size: int) -> str:
    """Keyed by the file's modification time and size too, so an edited file (debug) is hashed again."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _file_hash(path: Path) -> str | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return _content_hash(path, stat.st_mtime_ns, stat.st_size) if S_ISREG(stat.st_mode) else None


# Outside debug, files under static/ change only with a deploy, which restarts the processes: no stat.
_settled_hash = lru_cache(maxsize=512)(_file_hash)


def static_version(app: Flask, filename: str) -> str | None:
    """The content hash of a file under static/, or None when there is no such file. A name's path is
    resolved once per process (resolving is most of the cost of a page's four asset URLs); in debug the
    file's modification time and size are checked each time, so an edited file gets a new hash."""
    paths = app.extensions.setdefault("lms.static_paths", {})
    key = (app.static_folder, filename)
    try:
        path = paths[key]
    except KeyError:
        root = Path(app.static_folder).resolve()
        path = (root / filename).resolve()
        if not path.is_relative_to(root):
            path = None
        if len(paths) < 2000:  # a request may name any path: keep the cache bounded
            paths[key] = path
    if path is None:
        return None
    return _file_hash(path) if app.debug else _settled_hash(path)


def init_assets(app: Flask) -> None:
    @app.url_defaults
    def _version_static_urls(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values:
            version = static_version(app, values.get("filename", ""))
            if version:
                values["v"] = version

    @app.after_request
    def _cache_versioned_static(response):
        if (
            request.endpoint == "static"
            and response.status_code in (200, 304)
            and request.args.get("v")
            and request.args["v"] == static_version(app, request.view_args["filename"])
        ):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = IMMUTABLE_MAX_AGE
            response.cache_control.immutable = True
        return response
