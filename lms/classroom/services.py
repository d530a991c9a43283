"""E-classroom operations: cohorts, schedules, attendance, check-in. Services flush, never commit."""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from lms.auth.models import User
from lms.classroom.models import AttendanceRecord, ClassSession, Cohort, CohortMember, Programme
from lms.courses.models import Course
from lms.courses.services import enrol
from lms.db import db, utcnow

CODE_PERIOD = 60  # seconds a check-in code stays current; the one before it is still accepted


class ClassroomError(ValueError):
    """An action that is refused; str() is a code the view turns into a message."""


def add_member(cohort: Cohort, user: User, by: User | None = None) -> CohortMember:
    """Put a trainee in a cohort and so in every course of the cohort's programme."""
    member = next((m for m in cohort.members if m.user_id == user.id), None)
    if member is None:
        member = CohortMember(cohort=cohort, user=user)
        db.session.add(member)
    for course in cohort.programme.courses:
        enrol(course, user, "cohort", by=by)
    db.session.flush()
    return member


def remove_member(cohort: Cohort, user_id: int) -> None:
    """Out of the cohort; course enrolments and attendance records stay (they are history)."""
    for member in list(cohort.members):
        if member.user_id == user_id:
            cohort.members.remove(member)


def schedule(
    cohort: Cohort,
    first: datetime,
    minutes: int,
    weeks: int,
    trainer: User | None = None,
    place: str = "",
    online_url: str = "",
    topic: str = "",
    module_id: int | None = None,
) -> list[ClassSession]:
    """Sessions every week for `weeks` weeks. `first` is wall-clock time in the cohort's time zone, so a
    class at 18:00 stays at 18:00 when summer time starts or ends."""
    zone = ZoneInfo(cohort.timezone)
    local = first.replace(tzinfo=None)
    sessions = []
    for week in range(weeks):
        starts = (local + timedelta(weeks=week)).replace(tzinfo=zone).astimezone(UTC)
        session = ClassSession(
            cohort=cohort,
            starts_at=starts,
            minutes=minutes,
            place=place,
            online_url=online_url,
            topic=topic,
            trainer=trainer,
            module_id=module_id,
        )
        db.session.add(session)
        sessions.append(session)
    db.session.flush()
    return sessions


def take_attendance(session: ClassSession, statuses: dict[int, str], by: User) -> int:
    """Record each member's status (a trainer's page for the whole cohort); returns how many changed."""
    from lms.admin.services import audit

    programme = session.cohort.programme
    members = {m.user_id for m in session.cohort.members}
    existing = {r.user_id: r for r in session.records}
    changed = 0
    for user_id, key in statuses.items():
        if user_id not in members or programme.status(key) is None:
            raise ClassroomError("invalid")
        record = existing.get(user_id)
        if record is None:
            db.session.add(AttendanceRecord(session=session, user_id=user_id, status=key, taken_by_id=by.id))
            changed += 1
        elif record.status != key:
            record.status, record.taken_by_id, record.taken_at, record.self_checked_in = (
                key,
                by.id,
                utcnow(),
                False,
            )
            changed += 1
    if changed:
        audit("attendance.take", f"session {session.id}", cohort=session.cohort.name, changed=changed)
    db.session.flush()
    return changed


def check_in_code(session: ClassSession, at: datetime | None = None) -> str:
    """Six digits that change every minute, derived from the secret key: a code sent by message expires."""
    window = int((at or utcnow()).timestamp()) // CODE_PERIOD
    digest = hmac.new(
        current_app.config["SECRET_KEY"].encode(), f"checkin:{session.id}:{window}".encode(), hashlib.sha256
    ).hexdigest()
    return f"{int(digest[:12], 16) % 1_000_000:06d}"


def check_in(session: ClassSession, user: User, code: str, now: datetime | None = None) -> AttendanceRecord:
    """A trainee checks in with the code on the classroom screen: present, once."""
    now = now or utcnow()
    if not any(m.user_id == user.id for m in session.cohort.members):
        raise ClassroomError("not-member")
    if not session.check_in_open(now):
        raise ClassroomError("closed")
    code = (code or "").strip().replace(" ", "")
    valid = {check_in_code(session, now), check_in_code(session, now - timedelta(seconds=CODE_PERIOD))}
    if not any(hmac.compare_digest(code, candidate) for candidate in valid):
        raise ClassroomError("wrong-code")
    record = next((r for r in session.records if r.user_id == user.id), None)
    if record is not None:
        raise ClassroomError("already")
    record = AttendanceRecord(
        session=session, user_id=user.id, status="P", self_checked_in=True, taken_at=now
    )
    db.session.add(record)
    db.session.flush()
    return record


def attendance_percent(course: Course, user_id: int) -> float | None:
    """The trainee's attendance in the cohorts whose programme includes the course: points earned over
    points possible, counting sessions whose attendance has been taken. None if there were none."""
    cohort_ids = select(CohortMember.cohort_id).where(CohortMember.user_id == user_id)
    programme_ids = select(Programme.id).join(Programme.courses).where(Course.id == course.id)
    sessions = db.session.scalars(
        select(ClassSession)
        .join(Cohort)
        .where(
            Cohort.id.in_(cohort_ids),
            Cohort.programme_id.in_(programme_ids),
            ClassSession.starts_at <= utcnow(),
        )
    ).all()
    taken = [s for s in sessions if s.records]
    if not taken:
        return None
    earned = possible = 0
    for session in taken:
        programme = session.cohort.programme
        record = next((r for r in session.records if r.user_id == user_id), None)
        status = programme.status(record.status) if record else None
        earned += status["points"] if status else 0
        possible += programme.max_points
    return round(100 * earned / possible, 1) if possible else None


def cohort_attendance(cohort: Cohort) -> dict[int, float | None]:
    """Each member's attendance percent in this cohort, over the sessions taken (one query)."""
    records = db.session.execute(
        select(AttendanceRecord.user_id, AttendanceRecord.session_id, AttendanceRecord.status)
        .join(ClassSession)
        .where(ClassSession.cohort_id == cohort.id)
    ).all()
    taken = {r.session_id for r in records}
    points = {s["key"]: s["points"] for s in cohort.programme.statuses}
    possible = len(taken) * cohort.programme.max_points
    earned: dict[int, int] = {}
    for record in records:
        earned[record.user_id] = earned.get(record.user_id, 0) + points.get(record.status, 0)
    return {
        m.user_id: (round(100 * earned.get(m.user_id, 0) / possible, 1) if possible else None)
        for m in cohort.members
    }


# --- calendar feed ----------------------------------------------------------------------------------


# The feed's address holds a random secret, since a calendar app cannot log in. Only its SHA-256 is
# stored (a copy of the database opens no feed), so the address is shown once, when it is made; making
# a new one stops the old one.


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_calendar_token(user: User) -> str:
    """A new secret for the user's feed address; the previous address stops working."""
    token = secrets.token_urlsafe(32)
    user.calendar_token_hash = _token_hash(token)
    return token


def user_for_calendar_token(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    user = db.session.scalar(select(User).where(User.calendar_token_hash == _token_hash(token)))
    return user if user is not None and user.active else None


def sessions_for(user: User, since: datetime | None = None, limit: int | None = None) -> list[ClassSession]:
    """Sessions of the cohorts the user belongs to or teaches, from `since` on, in time order."""
    member_of = select(CohortMember.cohort_id).where(CohortMember.user_id == user.id)
    query = (
        select(ClassSession)
        .join(Cohort)
        .where(Cohort.id.in_(member_of) | Cohort.trainers.any(User.id == user.id))
        .order_by(ClassSession.starts_at)
    )
    if since is not None:
        query = query.where(ClassSession.starts_at >= since)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def ics_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def calendar(user: User, sessions: list[ClassSession], site: str) -> str:
    """An iCalendar (RFC 5545) document of the sessions; times in UTC, lines folded at 75 octets."""
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//SME e-Classroom//LMS//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{ics_escape(site)}",
    ]
    for session in sessions:
        title = session.topic or session.cohort.name
        where = session.place or session.online_url
        lines += [
            "BEGIN:VEVENT",
            f"UID:session-{session.id}@{ics_escape(site)}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{session.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            f"DTEND:{session.ends_at.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            f"SUMMARY:{ics_escape(title)}",
            f"DESCRIPTION:{ics_escape(session.cohort.programme.title + ' / ' + session.cohort.name)}",
        ]
        if where:
            lines.append(f"LOCATION:{ics_escape(where)}")
        if session.online_url:
            lines.append(f"URL:{session.online_url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def _fold(line: str) -> str:
    data, parts = line.encode(), []
    while len(data) > 75:
        cut = 75
        while cut > 0 and (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        parts.append(data[:cut])
        data = b" " + data[cut:]
    parts.append(data)
    return "\r\n".join(part.decode() for part in parts)


def count_members(cohort_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(CohortMember).where(CohortMember.cohort_id == cohort_id)
    )
