"""A trainee's attendance at e-class sessions, for their data export (lms.privacy)."""

from sqlalchemy import select

from lms.classroom.models import AttendanceRecord, ClassSession, Cohort, Programme
from lms.db import db
from lms.i18n import _
from lms.privacy import Table, moment


def attendance(user) -> list[Table]:
    table = Table(
        "attendance.csv",
        _("Your attendance at e-class sessions, as the trainer recorded it or you checked in."),
        ["programme", "cohort", "session", "starts_utc", "minutes", "status", "checked_in_yourself"]
        + ["recorded_utc"],
    )
    for record, session, cohort, programme in db.session.execute(
        select(AttendanceRecord, ClassSession, Cohort, Programme)
        .join(ClassSession, AttendanceRecord.session_id == ClassSession.id)
        .join(Cohort, ClassSession.cohort_id == Cohort.id)
        .join(Programme, Cohort.programme_id == Programme.id)
        .where(AttendanceRecord.user_id == user.id)
        .order_by(ClassSession.starts_at, ClassSession.id)
    ):
        table.rows.append(
            [
                programme.title,
                cohort.name,
                session.topic,
                moment(session.starts_at),
                session.minutes,
                record.status,
                "yes" if record.self_checked_in else "no",
                moment(record.taken_at),
            ]
        )
    return [table]
