"""Migrations agree with the models, and upgrading a database that holds rows keeps every row."""

import re

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import check, upgrade
from sqlalchemy import inspect, text

from lms.db import db
from lms.migrate import migrate
from tests.conftest import make_test_app

# Rows to put in each table of the first revision; a new table there needs a sample here.
FIRST_REVISION_ROWS = {
    "users": [
        {
            "id": 1,
            "email": "eleni@example.org",
            "name": "Ελένη Παπαδοπούλου",
            "role": "trainee",
            "active": True,
            "created_at": "2026-01-05 10:00:00",
        },
        {
            "id": 2,
            "email": "marija@example.org",
            "name": "Марија Стојановска",
            "role": "trainer",
            "active": True,
            "created_at": "2026-01-06 11:30:00",
        },
    ],
}


@pytest.fixture
def empty_app(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path / "instance")
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        yield app
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.engine.dispose()


def _revisions(app):
    config = migrate.get_config()
    return list(reversed(list(ScriptDirectory.from_config(config).walk_revisions())))


def test_upgrade_from_first_revision_keeps_every_row(empty_app):
    first = _revisions(empty_app)[0].revision
    upgrade(revision=first)
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == FIRST_REVISION_ROWS.keys(), "give every table of the first revision sample rows"
    with db.engine.begin() as connection:
        for table, rows in FIRST_REVISION_ROWS.items():
            columns = ", ".join(rows[0])
            values = ", ".join(f":{name}" for name in rows[0])
            connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), rows)

    upgrade(revision="head")

    with db.engine.connect() as connection:
        for table, rows in FIRST_REVISION_ROWS.items():
            names = ", ".join(name for name in rows[0] if name != "created_at")
            kept = connection.execute(text(f"SELECT {names} FROM {table} ORDER BY id")).mappings().all()
            expected = [{k: v for k, v in row.items() if k != "created_at"} for row in rows]
            assert [dict(row) for row in kept] == expected


def test_models_and_migrations_agree(empty_app):
    upgrade(revision="head")
    check()  # raises when autogenerate would find a difference


def test_revision_chain_is_linear(app):
    heads = ScriptDirectory.from_config(migrate.get_config()).get_heads()
    assert len(heads) == 1


def test_courses_written_before_progress_tracking_survive_the_upgrade(empty_app):
    upgrade(revision="0004_quizzes")
    with db.engine.begin() as connection:
        columns = (
            "id, slug, title, summary, summary_html, language, category, hours, published, self_enrolment,"
            " completion_activities, completion_min_grade, completion_min_attendance, created_at, updated_at"
        )
        values = (
            "1, 'old', 'Παλιό μάθημα', '', '', 'el', 'ict', 3, true, true, 'all', 0, 0,"
            " '2026-01-01 00:00:00', '2026-01-01 00:00:00'"
        )
        connection.execute(text(f"INSERT INTO courses ({columns}) VALUES ({values})"))
    upgrade(revision="head")
    with db.engine.connect() as connection:
        row = connection.execute(text("SELECT title, completion_lessons FROM courses WHERE id = 1")).one()
    assert tuple(row) == ("Παλιό μάθημα", "marked")


def _sample_value(column, checks: dict[str, str]):
    """A value a NOT NULL column accepts: the first one its CHECK (col IN (...)) names, else by type."""
    if column["name"] in checks:
        return checks[column["name"]]
    kind = str(column["type"]).upper()
    if "INT" in kind or "NUMERIC" in kind or "FLOAT" in kind or "DECIMAL" in kind:
        return 1
    if "BOOL" in kind:
        return True
    if "DATE" in kind or "TIME" in kind:
        return "2026-01-01 00:00:00"
    if "JSON" in kind:
        return "[]"
    return "x1"


def test_upgrading_from_an_older_release_keeps_rows_that_point_at_rebuilt_tables(empty_app):
    """SQLite rebuilds a table to alter it; with foreign keys on, dropping the old table would cascade
    to every row pointing at it (enrolments, attempts, memberships...). One row in every table of an
    older release, all pointing at each other, must all be there after the upgrade."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite rebuilds a table to alter it; PostgreSQL alters tables in place")
    upgrade(revision="0008_programme_certificates")
    inspector = inspect(db.engine)
    tables = [t for t in inspector.get_sorted_table_and_fkc_names() if t[0] and t[0] != "alembic_version"]
    with db.engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA defer_foreign_keys=ON")  # rows may point at later ones
        for table, _fks in tables:
            checks = {}
            for check in inspector.get_check_constraints(table):
                found = re.match(r"\s*\(?\s*(\w+) IN \('([^']*)'", check["sqltext"])
                if found:
                    checks[found[1]] = found[2]
            columns = inspector.get_columns(table)
            row = {
                c["name"]: _sample_value(c, checks)
                for c in columns
                if not c["nullable"] or c.get("primary_key")
            }
            row.update({c["name"]: 1 for c in columns if c["name"] == "id" or c["name"].endswith("_id")})
            if table == "quiz_slots":
                row["category_id"] = None
            names = ", ".join(row)
            values = ", ".join(f":{name}" for name in row)
            connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({values})"), row)
    upgrade(revision="head")
    with db.engine.connect() as connection:
        lost = [
            table
            for table, _fks in tables
            if connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() != 1
        ]
    assert lost == []
