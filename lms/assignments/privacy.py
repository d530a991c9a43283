"""What a trainee handed in for assignments, as metadata (the files themselves stay on the site), for
their data export (lms.privacy). A grade not released to them yet stays out, as on the assignment page."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.assignments.models import Submission
from lms.courses.models import Activity, Course
from lms.db import db
from lms.i18n import _
from lms.privacy import Table, moment, to_course


def submissions(user) -> list[Table]:
    table = Table(
        "assignment-submissions.csv",
        _(
            "What you handed in for assignments: when, how many times, your files' names and sizes, "
            "and the grade once released."
        ),
        ["course", "assignment", "status", "submitted_utc", "times_submitted", "last_change_utc"]
        + ["online_text_characters", "files", "grade_percent"],
    )
    for submission, activity, course in db.session.execute(
        to_course(select(Submission, Activity, Course), Submission.activity_id)
        .where(Submission.user_id == user.id)
        .options(selectinload(Submission.files))
        .order_by(Submission.id)
    ):
        files = "; ".join(f"{f.name} ({f.size} bytes)" for f in submission.files if f.role == "work")
        released = submission.released and submission.grade is not None
        table.rows.append(
            [
                course.title,
                activity.title,
                submission.status,
                moment(submission.submitted_at),
                submission.times_submitted,
                moment(submission.updated_at),
                len(submission.text or ""),
                files,
                round(submission.grade, 2) if released else "",
            ]
        )
    return [table]
