"""Alembic through Flask-Migrate; the scripts live in lms/migrations/ so they ship with the package."""

from pathlib import Path

from flask_migrate import Migrate

from lms.db import db

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")

migrate = Migrate()


def init_migrations(app) -> None:
    # Every model module must be imported before Alembic compares models with migrations.
    import lms.models  # noqa: F401

    # Batch mode lets Alembic alter SQLite tables by copying them, keeping their rows.
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
