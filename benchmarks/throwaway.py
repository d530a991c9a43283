"""What every benchmark starts from: a throwaway database and the app on it, removed at the end.

SQLite in a folder of the benchmark's own, or, given the URL of a PostgreSQL server (--database-url), a
database of its own on that server, dropped at the end even with connections still open. Scripts that
start a server (gunicorn, `lms serve`) hand it the same instance and database with `server_env`.
"""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.live import scratch_postgres_database

SECRET_KEY = "benchmark-secret-not-for-production"


@contextmanager
def database(server_url: str | None, folder: Path) -> Iterator[str]:
    """The URL of an empty database: SQLite in `folder` (its owner removes the folder), or a database
    of its own on the PostgreSQL server at `server_url`, dropped when the block ends."""
    if not server_url:
        yield f"sqlite:///{folder / 'bench.sqlite'}"
        return
    server = make_url(server_url)
    if not server.drivername.startswith("postgres"):
        raise SystemExit("--database-url must be a PostgreSQL server's URL (SQLite is the default)")
    with scratch_postgres_database(server_url, "lms_bench") as url:
        yield url


def make_app(url: str, instance: Path, *, tables: bool = True, **config):
    """The app on that database with its tables (db.create_all; tables=False for a script that runs
    the migrations itself). Plain HTTP cookies (the test client and 127.0.0.1) and an in-memory rate
    limiter; `config` adds or overrides settings."""
    from lms import create_app
    from lms.db import db

    app = create_app(
        {
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(instance),
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            **config,
        }
    )
    if tables:
        with app.app_context():
            db.create_all()
    return app


@contextmanager
def app(server_url: str | None = None, *, prefix: str = "lms-bench-", **config) -> Iterator:
    """A temporary folder, a database (as `database`) and the app on them (as `make_app`); all of it
    is removed when the block ends."""
    from lms.db import db

    with tempfile.TemporaryDirectory(prefix=prefix) as folder, database(server_url, Path(folder)) as url:
        made = make_app(url, Path(folder) / "instance", **config)
        try:
            yield made
        finally:
            with made.app_context():
                db.session.remove()
                db.engine.dispose()


def server_env(made, **variables: str) -> dict:
    """The environment of a server process (gunicorn, `lms serve`) that runs the code this process
    imported on `made`'s instance folder and database; `variables` adds LMS_* settings."""
    import lms

    return {
        **os.environ,
        "LMS_INSTANCE_PATH": made.instance_path,
        "LMS_SECRET_KEY": made.config["SECRET_KEY"],
        "LMS_DATABASE_URL": made.config["SQLALCHEMY_DATABASE_URI"],
        "LMS_SESSION_COOKIE_SECURE": "false",
        "LMS_RATELIMIT_STORAGE_URI": "memory://",
        "PYTHONPATH": str(Path(lms.__file__).resolve().parent.parent),
        **variables,
    }
