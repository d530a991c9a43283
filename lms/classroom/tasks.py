"""Scheduled e-classroom work: reminders to each current member of a cohort 24 hours and 1 hour before
each session, in the programme's time zone, with the room or the online link."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.classroom.models import ClassSession, Cohort, CohortMember
from lms.classroom.services import session_context
from lms.db import db, utcnow
from lms.i18n import _l
from lms.jobs import task
from lms.notifications import notify, register_event
from lms.notifications.services import site_path

register_event("session.reminder", _l("Reminders of e-class sessions"))

# (name in the notification key, how long before the start)
REMINDERS = (("24h", timedelta(hours=24)), ("1h", timedelta(hours=1)))
REMIND_BEFORE = REMINDERS[0][1]


def session_link(session: ClassSession) -> str:
    return site_path("classroom.index")


@task("classroom.session_reminders", every=timedelta(minutes=15))
def send_session_reminders() -> int:
    """Remind every current member of a cohort of each session starting within 24 hours, and again
    within the hour; each member once per reminder and session time, however often the job runs (the
    notification key names the session, the reminder and its start, so a moved session is reminded
    again). Returns the number of members told now."""
    now = utcnow()
    sessions = db.session.scalars(
        select(ClassSession)
        .where(ClassSession.starts_at > now, ClassSession.starts_at <= now + REMIND_BEFORE)
        .where(ClassSession.cancelled_at.is_(None))
        .options(
            selectinload(ClassSession.cohort).selectinload(Cohort.programme),
            selectinload(ClassSession.cohort).selectinload(Cohort.members).selectinload(CohortMember.user),
        )
        .order_by(ClassSession.starts_at)
    ).all()
    told = 0
    for session in sessions:
        left = session.starts_at - now
        # The closest reminder only: a session scheduled 30 minutes ahead gets the 1-hour one, not both.
        name = next(name for name, before in reversed(REMINDERS) if left <= before)
        members = [member.user for member in session.cohort.current_members]
        told += len(
            notify(
                "session.reminder",
                members,
                template="session_reminder",
                context={**session_context(session), "soon": name == "1h"},
                link=session_link(session),
                key=f"session:{session.id}:{name}:{session.starts_at:%Y%m%dT%H%M}",
            )
        )
    db.session.commit()
    return told
