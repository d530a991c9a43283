"""E-classroom operations: cohorts, schedules, attendance, check-in. Services flush, never commit."""

import hashlib
import hmac
import math
import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import contains_eager

from lms.auth.models import User
from lms.classroom.models import (
    EXCUSED,
    AttendanceRecord,
    CheckInFailure,
    ClassSession,
    Cohort,
    CohortMember,
    Programme,
    zone,
)
from lms.courses.models import Course
from lms.courses.services import enrol
from lms.db import db, prepared, utcnow
from lms.i18n import _l
from lms.notifications import notify, register_event
from lms.notifications.services import site_path

CODE_PERIOD = 60  # seconds a check-in code stays current; the one before it is still accepted
CHECK_IN_FREE_TRIES = 3  # wrong codes a trainee may type before having to wait
CHECK_IN_DELAY = 30  # seconds to wait after the free tries, doubled after each further wrong code
PRESENT = "P"


class ClassroomError(ValueError):
    """An action that is refused; str() is a code the view turns into a message."""


class CheckInWait(ClassroomError):
    """Too many wrong codes just now: try again in `seconds`."""

    def __init__(self, seconds: int):
        super().__init__("wait")
        self.seconds = seconds


def add_member(cohort: Cohort, user: User, by: User | None = None) -> CohortMember:
    """Put a trainee in a cohort and so in every course of the cohort's programme. Someone who left and
    comes back keeps their first joining date (the time away counts as membership)."""
    member = cohort.membership(user.id)
    if member is None:
        member = CohortMember(cohort=cohort, user=user)
        db.session.add(member)
    member.left_at = None
    for course in cohort.programme.courses:
        enrol(course, user, "cohort", by=by)
    db.session.flush()
    return member


def remove_member(cohort: Cohort, user_id: int) -> None:
    """Out of the cohort from now on; the membership row, course enrolments and attendance records stay:
    the sessions they were a member for still count them."""
    member = cohort.membership(user_id)
    if member is not None and member.left_at is None:
        member.left_at = utcnow()
    db.session.flush()


def session_roll(session: ClassSession) -> list[CohortMember]:
    """Who a session's attendance is about: members while it ran, and anyone already recorded for it."""
    recorded = {r.user_id for r in session.records}
    return [m for m in session.cohort.members if m.member_during(session) or m.user_id in recorded]


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


register_event("session.changed", _l("E-class sessions moved or cancelled"))


def session_context(session: ClassSession) -> dict:
    """What a mail about a session says: its time in the programme's zone, which it names."""
    return {
        "session": session,
        "topic": session.topic or session.cohort.name,
        "cohort": session.cohort,
        "zone": session.cohort.programme.timezone or session.cohort.timezone,
    }


def change_session(
    session: ClassSession,
    *,
    starts_local: datetime,
    minutes: int,
    place: str,
    online_url: str,
    topic: str,
    now: datetime | None = None,
) -> bool:
    """Move a session or change its room or link; `starts_local` is wall-clock time in the cohort's
    zone. A change of time, length, room or link bumps its calendar SEQUENCE and tells the cohort's
    current members (when the session is still ahead). Returns whether they were told."""
    starts = (
        starts_local.replace(tzinfo=None).replace(tzinfo=ZoneInfo(session.cohort.timezone)).astimezone(UTC)
    )
    before = (session.starts_at, session.minutes, session.place, session.online_url)
    old_starts = session.starts_at
    session.starts_at, session.minutes = starts, minutes
    session.place, session.online_url, session.topic = place, online_url, topic
    if (session.starts_at, session.minutes, session.place, session.online_url) == before:
        db.session.flush()
        return False
    session.sequence += 1
    db.session.flush()
    return _tell_change(session, old_starts, now or utcnow())


def cancel_session(session: ClassSession, now: datetime | None = None) -> bool:
    """Cancel a session: it stays (attendance history, calendars that drop it by SEQUENCE) marked as
    cancelled, and the cohort's current members are told."""
    if session.cancelled_at is not None:
        return False
    now = now or utcnow()
    session.cancelled_at = now
    session.sequence += 1
    db.session.flush()
    return _tell_change(session, session.starts_at, now)


def _tell_change(session: ClassSession, old_starts: datetime, now: datetime) -> bool:
    if max(old_starts, session.starts_at) <= now:
        return False  # a past session's record changed: nobody needs a notice
    members = [member.user for member in session.cohort.current_members]
    notify(
        "session.changed",
        members,
        template="session_changed",
        context={
            **session_context(session),
            "old_starts": old_starts,
            "moved": old_starts != session.starts_at,
            "cancelled": session.cancelled_at is not None,
        },
        link=site_path("classroom.index"),
        key=f"session:{session.id}:v{session.sequence}",
    )
    return True


def take_attendance(
    session: ClassSession, statuses: dict[int, str], by: User, now: datetime | None = None
) -> int:
    """Record each member's status (a trainer's page for the whole cohort); returns how many changed.
    Before a session starts only "excused" may be set: nobody can be present at a class not yet held."""
    from lms.admin.services import audit

    now = now or utcnow()
    programme = session.cohort.programme
    members = {m.user_id for m in session_roll(session)}
    existing = {r.user_id: r for r in session.records}
    for user_id, key in statuses.items():
        if user_id not in members or programme.status(key) is None:
            raise ClassroomError("invalid")
    if not session.attendance_open(now) and any(
        key != EXCUSED and (user_id not in existing or existing[user_id].status != key)
        for user_id, key in statuses.items()
    ):
        raise ClassroomError("not-started")
    changed = 0
    for user_id, key in statuses.items():
        record = existing.get(user_id)
        if record is None:
            db.session.add(
                AttendanceRecord(
                    session=session, user_id=user_id, status=key, taken_by_id=by.id, taken_at=now
                )
            )
            changed += 1
        elif record.status != key:
            record.status, record.taken_by_id, record.taken_at, record.self_checked_in = (
                key,
                by.id,
                now,
                False,
            )
            changed += 1
    if changed:
        audit("attendance.take", f"session {session.id}", cohort=session.cohort.name, changed=changed)
    db.session.flush()
    return changed


def mark_all_present(session: ClassSession, by: User, now: datetime | None = None) -> list[int]:
    """Everyone on the session's roll without a status yet is present; returns their ids (for undo).
    Statuses already set, by the trainer or by a check-in, are left as they are."""
    now = now or utcnow()
    if not session.attendance_open(now):
        raise ClassroomError("not-started")
    recorded = {r.user_id for r in session.records}
    unmarked = [m.user_id for m in session_roll(session) if m.user_id not in recorded]
    take_attendance(session, dict.fromkeys(unmarked, PRESENT), by, now)
    return unmarked


def undo_mark_all(session: ClassSession, user_ids: list[int], at: datetime, by: User) -> int:
    """Take back a "mark all present": delete the records it made, unless changed since; returns how many."""
    from lms.admin.services import audit

    undone = 0
    for record in list(session.records):
        if (
            record.user_id in user_ids
            and record.status == PRESENT
            and record.taken_by_id == by.id
            and not record.self_checked_in
            and record.taken_at == at
        ):
            session.records.remove(record)
            undone += 1
    if undone:
        audit("attendance.undo", f"session {session.id}", cohort=session.cohort.name, changed=undone)
    db.session.flush()
    return undone


def check_in_code(session: ClassSession, at: datetime | None = None) -> str:
    """Six digits that change every minute, derived from the secret key: a code sent by message expires."""
    window = int((at or utcnow()).timestamp()) // CODE_PERIOD
    digest = hmac.new(
        current_app.config["SECRET_KEY"].encode(), f"checkin:{session.id}:{window}".encode(), hashlib.sha256
    ).hexdigest()
    return f"{int(digest[:12], 16) % 1_000_000:06d}"


def check_in_wait(session: ClassSession, user: User, address: str, now: datetime) -> int | None:
    """Seconds the trainee must wait before trying another code (0: may try now), or None when no
    more tries are allowed for this session (from this trainee, or from this address in the last hour)."""
    config = current_app.config
    failures = db.session.scalars(
        select(CheckInFailure.at)
        .where(CheckInFailure.session_id == session.id, CheckInFailure.user_id == user.id)
        .order_by(CheckInFailure.at)
    ).all()
    from_address = db.session.scalar(
        select(func.count())
        .select_from(CheckInFailure)
        .where(CheckInFailure.address == address, CheckInFailure.at > now - timedelta(hours=1))
    )
    if (
        len(failures) >= config["CHECK_IN_MAX_FAILURES"]
        or from_address >= config["CHECK_IN_ADDRESS_FAILURES"]
    ):
        return None
    if len(failures) < CHECK_IN_FREE_TRIES:
        return 0
    delay = CHECK_IN_DELAY * 2 ** (len(failures) - CHECK_IN_FREE_TRIES)
    return max(0, math.ceil((failures[-1] + timedelta(seconds=delay) - now).total_seconds()))


def check_in(
    session: ClassSession, user: User, code: str, now: datetime | None = None, address: str = ""
) -> AttendanceRecord:
    """A trainee checks in with the code on the classroom screen: present, once. Wrong codes are
    recorded; after a few the trainee waits, longer each time, and then may not try again."""
    now = now or utcnow()
    membership = session.cohort.membership(user.id)
    if membership is None or membership.left_at is not None or not membership.member_during(session):
        raise ClassroomError("not-member")
    if not session.check_in_open(now):
        raise ClassroomError("closed")
    if any(r.user_id == user.id for r in session.records):
        raise ClassroomError("already")
    wait = check_in_wait(session, user, address, now)
    if wait is None:
        raise ClassroomError("locked")
    if wait:
        raise CheckInWait(wait)
    code = (code or "").strip().replace(" ", "")
    valid = {check_in_code(session, now), check_in_code(session, now - timedelta(seconds=CODE_PERIOD))}
    if not any(hmac.compare_digest(code, candidate) for candidate in valid):
        db.session.add(CheckInFailure(session_id=session.id, user_id=user.id, address=address, at=now))
        db.session.flush()  # the view commits the failure even though it answers with an error
        raise ClassroomError("wrong-code")
    record = AttendanceRecord(
        session=session, user_id=user.id, status=PRESENT, self_checked_in=True, taken_at=now
    )
    db.session.add(record)
    db.session.flush()
    return record


def failed_check_ins(session: ClassSession) -> dict[int, int]:
    """Wrong codes typed for a session, per trainee (for the trainer's screen and attendance page)."""
    return dict(
        db.session.execute(
            select(CheckInFailure.user_id, func.count())
            .where(CheckInFailure.session_id == session.id)
            .group_by(CheckInFailure.user_id)
        ).all()
    )


def attendance_percent(course: Course, user_id: int) -> float | None:
    """The trainee's attendance in the cohorts whose programme includes the course: points earned over
    points possible, over the delivered sessions they were a member for. None if there were none."""
    from lms.classroom.reports import cohort_tally

    programme_ids = select(Programme.id).join(Programme.courses).where(Course.id == course.id)
    cohorts = db.session.scalars(
        select(Cohort)
        .join(CohortMember)
        .where(CohortMember.user_id == user_id, Cohort.programme_id.in_(programme_ids))
    ).all()
    earned = possible = 0
    for cohort in cohorts:
        points = cohort_tally(cohort, utcnow()).per_user.get(user_id)
        if points is not None:
            earned, possible = earned + points.earned, possible + points.possible
    return round(100 * earned / possible, 1) if possible else None


def cohort_attendance(cohort: Cohort) -> dict[int, float | None]:
    """Each member's attendance percent in this cohort, over the delivered sessions they were a member for."""
    from lms.classroom.reports import cohort_tally

    per_user = cohort_tally(cohort, utcnow()).per_user
    return {m.user_id: (per_user[m.user_id].rate if m.user_id in per_user else None) for m in cohort.members}


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


@prepared
def _upcoming_sessions():
    """sessions_for with `since` and `limit`, as the dashboard asks on every visit: built once."""
    return (
        _sessions_of(bindparam("user_id"))
        .where(ClassSession.starts_at >= bindparam("since"))
        .limit(bindparam("limit"))
    )


def _sessions_of(user_id):
    member_of = select(CohortMember.cohort_id).where(
        CohortMember.user_id == user_id, CohortMember.left_at.is_(None)
    )
    return (
        select(ClassSession)
        .join(Cohort)
        .where(Cohort.id.in_(member_of) | Cohort.trainers.any(User.id == user_id))
        .options(contains_eager(ClassSession.cohort).joinedload(Cohort.programme))
        .order_by(ClassSession.starts_at)
    )


def sessions_for(user: User, since: datetime | None = None, limit: int | None = None) -> list[ClassSession]:
    """Sessions of the cohorts the user belongs to or teaches, from `since` on, in time order."""
    if since is not None and limit:
        values = {"user_id": user.id, "since": since, "limit": limit}
        return list(db.session.scalars(_upcoming_sessions(), values))
    query = _sessions_of(user.id)
    if since is not None:
        query = query.where(ClassSession.starts_at >= since)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def ics_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def calendar(user: User, sessions: list[ClassSession], site: str, extra: list | None = None) -> str:
    """An iCalendar (RFC 5545) document of the sessions: times in each cohort's time zone (TZID, with
    its VTIMEZONE), so the file says which zone it means; lines folded at 75 octets. A session keeps
    its UID when it changes and its SEQUENCE grows, so calendar apps update it; a cancelled one stays
    with STATUS:CANCELLED. `extra` (lms.calendar.CalendarEvent: assignment due dates...) in UTC."""
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//SME e-Classroom//LMS//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{ics_escape(site)}",
    ]
    zones = {session.cohort.timezone: zone(session.cohort.timezone) for session in sessions}
    years = {session.starts_at.year for session in sessions}
    for local in zones.values():
        lines += vtimezone(local, min(years), max(years))
    for session in sessions:
        local = zones[session.cohort.timezone]
        title = session.topic or session.cohort.name
        where = session.place or session.online_url
        lines += [
            "BEGIN:VEVENT",
            f"UID:session-{session.id}@{ics_escape(site)}",
            f"DTSTAMP:{stamp}",
            f"SEQUENCE:{session.sequence}",
            f"DTSTART;TZID={local.key}:{session.starts_at.astimezone(local):%Y%m%dT%H%M%S}",
            f"DTEND;TZID={local.key}:{session.ends_at.astimezone(local):%Y%m%dT%H%M%S}",
            f"SUMMARY:{ics_escape(title)}",
            f"DESCRIPTION:{ics_escape(session.cohort.programme.title + ' / ' + session.cohort.name)}",
        ]
        if session.cancelled_at is not None:
            lines.append("STATUS:CANCELLED")
        if where:
            lines.append(f"LOCATION:{ics_escape(where)}")
        if session.online_url:
            lines.append(f"URL:{session.online_url}")
        lines.append("END:VEVENT")
    for event in extra or []:
        ends = event.ends_at or event.starts_at
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}@{ics_escape(site)}",
            f"DTSTAMP:{stamp}",
            f"SEQUENCE:{event.sequence}",
            f"DTSTART:{event.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            f"DTEND:{ends.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            f"SUMMARY:{ics_escape(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{ics_escape(event.description)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def vtimezone(local: ZoneInfo, first_year: int, last_year: int) -> list[str]:
    """The VTIMEZONE of an IANA zone for the years given: each change of UTC offset (found day by day,
    then to the minute) becomes a STANDARD or DAYLIGHT part, so any calendar app reads the local times."""

    def offset(minute: int) -> timedelta:
        return datetime.fromtimestamp(minute * 60, UTC).astimezone(local).utcoffset()

    def ics_offset(value: timedelta) -> str:
        minutes = int(value.total_seconds()) // 60
        return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"

    start = int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp()) // 60
    end = int(datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp()) // 60
    before = offset(start)
    parts = [(datetime.fromtimestamp(start * 60, UTC), before, before)]  # what holds from 1 January on
    for day in range(start, end, 24 * 60):
        after = offset(day + 24 * 60)
        if after == before:
            continue
        low, high = day, day + 24 * 60  # the offset changes after `low`, at or before `high`
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if offset(middle) == before else (low, middle)
        moment = datetime.fromtimestamp(high * 60, UTC)
        parts.append((moment, before, after))
        before = after
    lines = ["BEGIN:VTIMEZONE", f"TZID:{local.key}"]
    for moment, old, new in parts:
        kind = "DAYLIGHT" if moment.astimezone(local).dst() else "STANDARD"
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{(moment + old).replace(tzinfo=None):%Y%m%dT%H%M%S}",
            f"TZOFFSETFROM:{ics_offset(old)}",
            f"TZOFFSETTO:{ics_offset(new)}",
            f"TZNAME:{moment.astimezone(local).tzname()}",
            f"END:{kind}",
        ]
    return lines + ["END:VTIMEZONE"]


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
    """Current members (those who left are not counted)."""
    return db.session.scalar(
        select(func.count())
        .select_from(CohortMember)
        .where(CohortMember.cohort_id == cohort_id, CohortMember.left_at.is_(None))
    )
