"""What `lms demo` prints once the demo is loaded: read from the database, so it stays true whatever the
demo data holds (and on a site where more has been added since)."""

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.auth.models import ROLES, User
from lms.classroom.models import ClassSession, Cohort, CohortMember, Programme, cohort_trainers
from lms.courses.models import Course, Enrolment, course_trainers
from lms.db import db, utcnow
from lms.i18n import BABEL_LOCALES, LANGUAGE_NAMES

# What each role can do, as the site's menus offer it.
ROLE_ABILITIES = {
    "trainee": "reads lessons, takes quizzes, joins e-classes (self check-in), downloads certificates",
    "trainer": "writes courses and quizzes, grades essays, follows progress and the gradebook, takes "
    "attendance and shows the check-in screen",
    "coordinator": "everything a trainer does, plus users (CSV upload), programmes, cohorts and sessions, "
    "certificates, funder reports, site settings and the audit log",
}
SHOWN_PER_LIST = 8  # longer lists end with "... and N more"


def language_name(code: str | None) -> str:
    """'el' -> 'Greek', 'sr' -> 'Serbian (Latin)': the site's language codes named in English."""
    code = code or "en"
    try:
        return Locale.parse(BABEL_LOCALES.get(code, code)).get_display_name("en")
    except (ValueError, LookupError):
        return code


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _more(total: int, noun: str) -> list[str]:
    return [f"  ... and {total - SHOWN_PER_LIST} more {noun}"] if total > SHOWN_PER_LIST else []


def _course_lines() -> list[str]:
    courses = db.session.scalars(select(Course).order_by(Course.slug)).all()
    width = max((len(course.slug) for course in courses[:SHOWN_PER_LIST]), default=0)
    lines = [f"Courses ({len(courses)}):"]
    for course in courses[:SHOWN_PER_LIST]:
        state = "" if course.published else ", draft"
        lines.append(f"  {course.slug:<{width}}  {course.title} ({language_name(course.language)}{state})")
    return lines + _more(len(courses), "courses")


def _session_when(session: ClassSession, timezone: str) -> str:
    local = session.starts_at.astimezone(ZoneInfo(timezone))
    return f"{format_datetime(local, 'EEE d MMM y HH:mm', locale='en')} ({timezone})"


def _cohort_lines(now: datetime) -> list[str]:
    programmes = db.session.scalars(
        select(Programme)
        .options(selectinload(Programme.cohorts).selectinload(Cohort.sessions))
        .options(selectinload(Programme.cohorts).selectinload(Cohort.members))
        .options(selectinload(Programme.cohorts).selectinload(Cohort.trainers))
        .order_by(Programme.title)
    ).all()
    lines = [f"Programmes ({len(programmes)}), their cohorts and e-class sessions:"]
    for programme in programmes:
        lines.append(f"  {programme.title}: {_count(len(programme.courses), 'course')}")
        for cohort in programme.cohorts:
            upcoming = sorted((s for s in cohort.sessions if s.starts_at >= now), key=lambda s: s.starts_at)
            next_one = f", next {_session_when(upcoming[0], cohort.timezone)}" if upcoming else ""
            partner = f" ({cohort.partner})" if cohort.partner else ""
            people = f"{_count(len(cohort.trainers), 'trainer')}, {_count(len(cohort.members), 'trainee')}"
            sessions = _count(len(cohort.sessions), "session")
            lines.append(f"    {cohort.name}{partner}: {people}, {sessions}{next_one}")
    return lines


def _account_lines(password: str) -> list[str]:
    enrolled = dict(
        db.session.execute(select(Enrolment.user_id, func.count()).group_by(Enrolment.user_id)).all()
    )
    taught = dict(
        db.session.execute(
            select(course_trainers.c.user_id, func.count()).group_by(course_trainers.c.user_id)
        ).all()
    )
    member_of, trains = defaultdict(list), defaultdict(list)
    for user_id, name in db.session.execute(
        select(CohortMember.user_id, Cohort.name).join(Cohort).order_by(Cohort.name)
    ).all():
        member_of[user_id].append(name)
    for user_id, name in db.session.execute(
        select(cohort_trainers.c.user_id, Cohort.name).join(Cohort).order_by(Cohort.name)
    ).all():
        trains[user_id].append(name)

    lines = [f"Accounts (password: {password}); each sees the site in its own language:"]
    for role in reversed(ROLES):
        # Accounts one can log in to first: the sample trainees of the demo programme have no password.
        users = db.session.scalars(
            select(User).where(User.role == role).order_by(User.password_hash.is_(None), User.email)
        ).all()
        if not users:
            continue
        lines.append(f"  {role}s ({len(users)}): {ROLE_ABILITIES[role]}")
        width = max(len(user.email) for user in users[:SHOWN_PER_LIST])
        for user in users[:SHOWN_PER_LIST]:
            facts = [f"reads {language_name(user.locale)}"]
            if user.id in taught:
                facts.append(f"teaches {_count(taught[user.id], 'course')}")
            if user.id in enrolled:
                facts.append(f"enrolled in {_count(enrolled[user.id], 'course')}")
            if trains[user.id]:
                facts.append(f"trains cohort {', '.join(trains[user.id])}")
            if member_of[user.id]:
                facts.append(f"in cohort {', '.join(member_of[user.id])}")
            lines.append(f"    {user.email:<{width}}  {user.name}: {'; '.join(facts)}")
        lines += ["  " + line for line in _more(len(users), f"{role}s")]
    return lines


def demo_summary(password: str) -> list[str]:
    """The lines `lms demo` prints: courses, cohorts and sessions, accounts, and how to switch language."""
    languages = ", ".join(f"{name} ({code})" for code, name in LANGUAGE_NAMES.items())
    return [
        *_course_lines(),
        "",
        *_cohort_lines(utcnow()),
        "",
        *_account_lines(password),
        "",
        "Language: every page has a Language menu at its foot; a logged-in user's choice is kept in "
        f"their profile (My profile). Languages: {languages}.",
    ]
