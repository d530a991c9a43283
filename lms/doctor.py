"""`lms doctor`: what is configured, and whether each service answers (each check times out quickly)."""

import smtplib
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import make_url

from lms.db import db

TIMEOUT = 5  # seconds per check


@dataclass
class Check:
    name: str
    configured: str
    ok: bool
    detail: str = ""


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: show where it points, never a password
        return url.rpartition("@")[2]


def _attempt(name: str, configured: str, probe) -> Check:
    try:
        detail = probe()
    except Exception as error:  # any failure is the answer to show
        return Check(name, configured, False, f"{type(error).__name__}: {error}"[:300])
    return Check(name, configured, True, detail or "answers")


def check_database(app: Flask) -> Check:
    def probe():
        db.session.execute(text("SELECT 1"))
        db.session.rollback()

    return _attempt("database", db.engine.url.render_as_string(hide_password=True), probe)


def check_broker(app: Flask) -> Check:
    from lms.jobs import broker_url, celery_app, is_embedded

    if app.config["JOBS_EAGER"]:
        return Check("broker", "none: jobs run at once in the asking process (JOBS_EAGER)", True)
    configured = _safe_url(broker_url(app))
    if is_embedded(app):
        configured = f"embedded queue {configured} (worked by `lms serve` or one `lms worker`)"

    def probe():
        with celery_app(app).connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=TIMEOUT)

    return _attempt("broker", configured, probe)


def check_redis(app: Flask) -> Check:
    url = app.config["REDIS_URL"]
    if not url:
        return Check("redis", "not configured: rate limits are counted in each process", True, "")

    def probe():
        import redis

        redis.Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT).ping()

    return _attempt("redis", _safe_url(url), probe)


def check_mail(app: Flask) -> Check:
    config = app.config
    if not config["MAIL_SERVER"]:
        from lms.mail import outbox_dir

        def probe():
            return f"writable: {outbox_dir()}" if _writable(outbox_dir()) else None

        return _attempt("mail", "no MAIL_SERVER: mails are written to instance/outbox/", probe)

    def probe():
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=TIMEOUT) as smtp:
            code, _ = smtp.noop()
            return f"SMTP answers {code}"

    return _attempt("mail", f"SMTP {config['MAIL_SERVER']}:{config['MAIL_PORT']}", probe)


def _writable(folder: Path) -> bool:
    probe = folder / f".doctor-{uuid.uuid4().hex}"
    probe.write_bytes(b"ok")
    probe.unlink()
    return True


def check_base_url(app: Flask) -> Check:
    url = app.config["BASE_URL"]

    def probe():
        if not url.startswith(("http://", "https://")):
            raise ValueError("LMS_BASE_URL must start with http:// or https://")
        with urllib.request.urlopen(f"{url.rstrip('/')}/login", timeout=TIMEOUT) as response:  # noqa: S310
            return f"HTTP {response.status}"

    return _attempt("base URL", url, probe)


def check_storage(app: Flask) -> Check:
    from lms.storage import storage

    files = storage(app)

    def probe():
        key = f"doctor/{uuid.uuid4().hex}"
        files.save(key, b"ok")
        try:
            if files.read(key) != b"ok":
                raise OSError("a file read back differs from what was written")
        finally:
            files.delete(key)
        return "writes, reads and deletes"

    return _attempt("storage", files.describe(), probe)


CHECKS = (check_database, check_broker, check_redis, check_mail, check_base_url, check_storage)


def run_checks(app: Flask) -> list[Check]:
    return [check(app) for check in CHECKS]
