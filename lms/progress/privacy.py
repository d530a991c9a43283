"""A trainee's enrolments and progress through each course, for their data export (lms.privacy)."""

from sqlalchemy import select

from lms.courses.models import Activity, Course, Enrolment, Module
from lms.db import db
from lms.i18n import _
from lms.privacy import Table, moment, to_course
from lms.progress.models import Completion, CourseCompletion


def enrolments_and_progress(user) -> list[Table]:
    completed = {
        row.course_id: row
        for row in db.session.scalars(select(CourseCompletion).where(CourseCompletion.user_id == user.id))
    }
    enrolments = Table(
        "enrolments.csv",
        _("The courses you are or were enrolled in, and when you completed them."),
        ["course", "course_slug", "status", "enrolled_utc", "left_utc", "last_visit_utc", "completed_utc"]
        + ["final_grade_percent"],
    )
    for enrolment, course in db.session.execute(
        select(Enrolment, Course)
        .join(Course, Enrolment.course_id == Course.id)
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.enrolled_at, Enrolment.id)
    ):
        done = completed.get(course.id)
        enrolments.rows.append(
            [
                course.title,
                course.slug,
                enrolment.status,
                moment(enrolment.enrolled_at),
                moment(enrolment.unenrolled_at),
                moment(enrolment.last_access_at),
                moment(done.completed_at) if done else "",
                "" if done is None or done.final_grade is None else round(done.final_grade, 2),
            ]
        )
    progress = Table(
        "progress.csv",
        _("Each lesson, quiz or other activity you completed, and when."),
        ["course", "module", "activity", "kind", "completed_utc", "how"],
    )
    for completion, activity, module, course in db.session.execute(
        to_course(select(Completion, Activity, Module, Course), Completion.activity_id)
        .where(Completion.user_id == user.id)
        .order_by(Completion.completed_at, Completion.id)
    ):
        progress.rows.append(
            [
                course.title,
                module.title,
                activity.title,
                activity.kind,
                moment(completion.completed_at),
                completion.source,
            ]
        )
    return [enrolments, progress]
