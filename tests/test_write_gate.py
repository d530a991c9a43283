"""SQLite writers of the app pass one at a time through a file lock (lms.write_gate), handed over at the
commit, instead of polling SQLite's lock with ever longer sleeps."""

import pytest
from sqlalchemy import text

from lms.db import db, writing
from lms.write_gate import WriteGate, gate_for
from tests.conftest import app_with_tables


def test_one_holder_at_a_time(tmp_path):
    first, second = WriteGate(str(tmp_path / "db.sqlite")), WriteGate(str(tmp_path / "db.sqlite"))
    try:
        assert first.acquire(0) and first.acquire(0)  # taking it again is a no-op
        assert not second.acquire(0.002)
        first.release()
        assert second.acquire(0)
        assert not first.acquire(0)
    finally:
        first.close()
        second.close()


def test_no_gate_without_a_file():
    assert gate_for(":memory:") is None and gate_for("") is None


@pytest.fixture
def sqlite_app(tmp_path):
    """The gate is SQLite's (PostgreSQL locks rows, not the database): an app on SQLite only."""
    yield from app_with_tables(f"sqlite:///{tmp_path / 'gate.sqlite'}", tmp_path / "instance")


def test_a_writing_transaction_holds_the_gate_until_its_commit(sqlite_app):
    app, client = sqlite_app, sqlite_app.test_client()
    outside = WriteGate(db.engine.url.database)
    seen = {}

    @app.get("/__gate")
    def probe():
        db.session.execute(text("SELECT 1"))  # a reader: no gate
        seen["reading"] = outside.acquire(0)
        outside.release()
        with writing():
            db.session.execute(text("UPDATE users SET name = name"))
            seen["writing"] = outside.acquire(0)
        seen["committed"] = outside.acquire(0)
        outside.release()
        return "ok"

    try:
        assert client.get("/__gate").status_code == 200
    finally:
        outside.close()
    assert seen == {"reading": True, "writing": False, "committed": True}
