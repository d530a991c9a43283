"""Scheduled e-classroom work: a reminder mail to each member of a cohort the day before a session."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.classroom.models import ClassSession, Cohort, CohortMember
from lms.db import db, utcnow
from lms.i18n import BABEL_LOCALES, _
from lms.jobs import is_done, mark_done, task
from lms.links import external_url
from lms.mail import send_mail

REMIND_BEFORE = timedelta(hours=24)


@task("classroom.session_reminders", every=timedelta(minutes=15))
def send_session_reminders() -> int:
    """Queue a reminder for every member of a cohort whose session starts within a day; each member is
    reminded of a session once, however often the job runs. Returns the number of mails queued."""
    now = utcnow()
    sessions = db.session.scalars(
        select(ClassSession)
        .where(ClassSession.starts_at > now, ClassSession.starts_at <= now + REMIND_BEFORE)
        .options(
            selectinload(ClassSession.cohort).selectinload(Cohort.members).selectinload(CohortMember.user)
        )
    ).all()
    queued = 0
    for session in sessions:
        for member in session.cohort.members:
            key = f"reminder:session:{session.id}:user:{member.user_id}"
            if not member.user.active or is_done(key):
                continue
            send_mail(member.user.email, *reminder_text(session, member.user))
            mark_done(key)
            queued += 1
    db.session.commit()
    return queued


def reminder_text(session: ClassSession, user) -> tuple[str, str]:
    """Subject and body in the user's language; the time in the cohort's time zone, which it names."""
    language = user.locale or current_app.config["DEFAULT_LOCALE"]
    locale = BABEL_LOCALES.get(language, language)
    zone = session.cohort.timezone
    when = format_datetime(session.starts_at, "medium", tzinfo=ZoneInfo(zone), locale=locale)
    with force_locale(locale):
        subject = _("Reminder: e-class on %(when)s", when=when)
        parts = [
            _("Hello %(name)s,", name=user.name),
            _(
                "your e-class %(topic)s starts on %(when)s (%(zone)s time).",
                topic=session.topic or session.cohort.name,
                when=when,
                zone=zone,
            ),
        ]
        if session.place:
            parts.append(_("Place: %(place)s", place=session.place))
        if session.online_url:
            parts.append(_("Join online: %(link)s", link=session.online_url))
        parts.append(_("Your e-classes: %(link)s", link=external_url("classroom.index")))
    return str(subject), "\n\n".join(str(part) for part in parts)
