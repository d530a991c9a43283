"""A person's own data, for them to take away (GDPR's right of access and to data portability).

Each feature that keeps personal data says what it holds about one user in a function of its
`privacy.py`, listed in SOURCES (loaded on first use, as the export kinds are, so that this module
imports no feature): `(user) -> list[Table]`, each table one CSV file of the ZIP, read in a fixed number
of queries whatever the amount of data. `write_zip` writes them with a README.txt in the reader's
language saying what each file holds. Only the user's own rows are read: every source filters by them.
"""

import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module

from flask import render_template

from lms.exports import csv_lines

# "module:function" of every source, in the order of the ZIP's files.
SOURCES = (
    "lms.auth.privacy:profile",
    "lms.progress.privacy:enrolments_and_progress",
    "lms.quizzes.privacy:attempts_and_answers",
    "lms.assignments.privacy:submissions",
    "lms.forums.privacy:posts",
    "lms.surveys.privacy:named_answers",
    "lms.classroom.privacy:attendance",
    "lms.certificates.privacy:certificates",
)


@dataclass
class Table:
    """One CSV file: its name, what it holds (a sentence for the README, translated), its columns (stable
    names a program can rely on) and its rows."""

    filename: str
    about: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)


def moment(value: datetime | None) -> str:
    """A time in a CSV: ISO 8601 in UTC, saying so (+00:00); empty when there is none."""
    return value.isoformat() if value is not None else ""


def to_course(statement, activity_id):
    """`statement` (selecting Activity and Course among its columns) joined from the column `activity_id`
    to that activity, its module and its course: the course and activity a row of personal data is in."""
    from lms.courses.models import Activity, Course, Module

    return (
        statement.join(Activity, activity_id == Activity.id)
        .join(Module, Activity.module_id == Module.id)
        .join(Course, Module.course_id == Course.id)
    )


def _source(path: str) -> Callable:
    module, _, name = path.partition(":")
    return getattr(import_module(module), name)


def tables_of(user) -> list[Table]:
    """Every table of the user's data, from every source."""
    return [table for path in SOURCES for table in _source(path)(user)]


def cells(tables: list[Table]) -> int:
    return sum(len(table.columns) * (len(table.rows) + 1) for table in tables)


def write_zip(user, tables: list[Table], file, made_at: datetime) -> None:
    """The ZIP: README.txt (in the current language), then one CSV per table (UTF-8 with a BOM for
    spreadsheets, formula-like cells neutralised)."""
    readme = render_template("auth/my_data_readme.txt", user=user, tables=tables, made_at=made_at)
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme.strip() + "\n")
        for table in tables:
            archive.writestr(table.filename, "".join(csv_lines([table.columns, *table.rows])))
