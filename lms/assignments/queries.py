"""Reads for assignment pages, in a fixed number of queries whatever the number of trainees."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.assignments.models import Extension, Submission, SubmissionFile
from lms.courses.models import Activity, Enrolment, Module
from lms.courses.queries import get_activity
from lms.db import db


def get_assignment(activity_id: int) -> Activity | None:
    return get_activity(activity_id, "assignment")


def get_file(file_id: int) -> SubmissionFile | None:
    return db.session.scalar(
        select(SubmissionFile)
        .where(SubmissionFile.id == file_id)
        .options(
            joinedload(SubmissionFile.submission)
            .joinedload(Submission.activity)
            .joinedload(Activity.module)
            .joinedload(Module.course)
        )
    )


def extension_of(activity_id: int, user_id: int) -> Extension | None:
    return db.session.scalar(
        select(Extension).where(Extension.activity_id == activity_id, Extension.user_id == user_id)
    )


@dataclass
class Row:
    """One enrolled trainee in the grading table."""

    enrolment: Enrolment
    submission: Submission | None
    extension: Extension | None


def grading_rows(activity: Activity) -> list[Row]:
    """Every active trainee of the course with their submission (and its files) and extension: three
    queries whatever their number."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.course_id == activity.module.course_id, Enrolment.status == "active")
        .options(joinedload(Enrolment.user))
    ).all()
    submissions = {
        s.user_id: s
        for s in db.session.scalars(
            select(Submission)
            .where(Submission.activity_id == activity.id)
            .options(selectinload(Submission.files))
        )
    }
    extensions = {
        e.user_id: e
        for e in db.session.scalars(select(Extension).where(Extension.activity_id == activity.id))
    }
    rows = [Row(e, submissions.get(e.user_id), extensions.get(e.user_id)) for e in enrolments]
    return sorted(rows, key=lambda row: row.enrolment.user.name.casefold())
