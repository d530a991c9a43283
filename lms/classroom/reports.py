"""Numbers funders audit: attendance per trainee and session, and the indicator report per programme."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, select

from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.choices import GENDER_CHOICES, ORG_SIZES, SECTORS, country_name
from lms.classroom.models import (
    EXCUSED,
    AttendanceRecord,
    ClassSession,
    Cohort,
    CohortMember,
    Programme,
    zone,
)
from lms.db import db, utcnow
from lms.i18n import _
from lms.progress.models import CourseCompletion


@dataclass
class FunderReport:
    programme_title: str
    funding_line: str
    period_start: date | None
    period_end: date | None
    timezone: str = "UTC"  # the programme's: the period is whole days there
    participants: int = 0
    by_country: list[tuple[str, int]] = field(default_factory=list)  # (label, count), largest first
    by_gender: list[tuple[str, int]] = field(default_factory=list)
    by_sector: list[tuple[str, int]] = field(default_factory=list)
    by_size: list[tuple[str, int]] = field(default_factory=list)
    sessions_delivered: int = 0
    hours_delivered: float = 0.0
    attendance_rate: float | None = None  # percent of possible attendance points
    completions: int = 0
    certificates: int = 0
    cohorts: list[tuple[str, int, int, float | None]] = field(
        default_factory=list
    )  # name, people, sessions, rate


@dataclass
class Points:
    """Attendance points earned over points possible: one trainee's, one session's, or a sum."""

    earned: int = 0
    possible: int = 0

    def add(self, earned: int, possible: int) -> None:
        self.earned += earned
        self.possible += possible

    @property
    def rate(self) -> float | None:
        return round(100 * self.earned / self.possible, 1) if self.possible else None


@dataclass
class Tally:
    delivered: list[ClassSession]  # started, with attendance taken (more than excused absences)
    per_user: dict[int, Points]  # only trainees on the roll of at least one delivered session
    per_session: dict[int, Points]
    statuses: dict[int, dict[int, str]]  # session id -> user id -> status key


def tally(sessions, memberships, records, programme: Programme, now: datetime) -> Tally:
    """The one rule for attendance figures. A session counts once it has started and attendance was
    taken; it counts the trainees who were members while it ran (`memberships`: rows with user_id,
    added_at, left_at) plus anyone recorded for it; a member with no record is absent.
    `records`: rows with session_id, user_id, status."""
    points = {s["key"]: s["points"] for s in programme.statuses}
    statuses: dict[int, dict[int, str]] = {}
    for record in records:
        statuses.setdefault(record.session_id, {})[record.user_id] = record.status
    delivered = [
        s
        for s in sessions
        if s.has_started(now) and any(key != EXCUSED for key in statuses.get(s.id, {}).values())
    ]
    per_user: dict[int, Points] = {}
    per_session: dict[int, Points] = {}
    for session in delivered:
        recorded = statuses[session.id]
        roll = {
            m.user_id
            for m in memberships
            if CohortMember.during(m.added_at, m.left_at, session.starts_at, session.ends_at)
        } | recorded.keys()
        total = per_session[session.id] = Points()
        for user_id in roll:
            earned = points.get(recorded.get(user_id), 0)
            per_user.setdefault(user_id, Points()).add(earned, programme.max_points)
            total.add(earned, programme.max_points)
    return Tally(delivered, per_user, per_session, statuses)


def _memberships(cohort_ids):
    return db.session.execute(
        select(
            CohortMember.cohort_id, CohortMember.user_id, CohortMember.added_at, CohortMember.left_at
        ).where(CohortMember.cohort_id.in_(cohort_ids))
    ).all()


def _records(session_ids):
    return db.session.execute(
        select(AttendanceRecord.session_id, AttendanceRecord.user_id, AttendanceRecord.status).where(
            AttendanceRecord.session_id.in_(session_ids)
        )
    ).all()


def cohort_tally(cohort: Cohort, now: datetime) -> Tally:
    sessions = db.session.scalars(
        select(ClassSession).where(ClassSession.cohort_id == cohort.id).order_by(ClassSession.starts_at)
    ).all()
    return tally(
        sessions, _memberships([cohort.id]), _records([s.id for s in sessions]), cohort.programme, now
    )


def _bounds(start: date | None, end: date | None, zone) -> tuple[datetime | None, datetime | None]:
    """The period's first and last instants: whole days in the programme's time zone."""
    low = datetime.combine(start, time.min, tzinfo=zone) if start else None
    high = datetime.combine(end, time.max, tzinfo=zone) if end else None
    return low, high


def funder_report(
    programme: Programme, start: date | None = None, end: date | None = None, now: datetime | None = None
) -> FunderReport:
    """The programme's indicators for a period (whole days in the programme's time zone): sessions that
    started in it and have been delivered; completions and certificates dated in it; participants are the
    trainees who were cohort members at some time in it (those who left since included)."""
    now = now or utcnow()
    report = FunderReport(programme.title, programme.funding_line, start, end, programme.timezone)
    low, high = _bounds(start, end, zone(programme.timezone))
    cohort_ids = [c.id for c in programme.cohorts]
    memberships = [
        m
        for m in _memberships(cohort_ids)
        if (high is None or m.added_at <= high) and (low is None or m.left_at is None or m.left_at >= low)
    ]
    member_ids = sorted({m.user_id for m in memberships})
    members = db.session.scalars(select(User).where(User.id.in_(member_ids))).all()
    report.participants = len(members)
    not_stated = _("Not stated")
    sectors, sizes, genders = dict(SECTORS), dict(ORG_SIZES), dict(GENDER_CHOICES)

    def tally_labels(values, names):
        counts = Counter(str(names.get(v, v)) if v else not_stated for v in values)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    report.by_country = tally_labels(
        [u.country for u in members], {u.country: country_name(u.country) for u in members}
    )
    report.by_gender = tally_labels([u.gender for u in members], genders)
    report.by_sector = tally_labels([u.sector for u in members], sectors)
    report.by_size = tally_labels([u.org_size for u in members], sizes)

    session_query = select(ClassSession).where(ClassSession.cohort_id.in_(cohort_ids))
    if low:
        session_query = session_query.where(ClassSession.starts_at >= low)
    if high:
        session_query = session_query.where(ClassSession.starts_at <= high)
    sessions = db.session.scalars(session_query.order_by(ClassSession.starts_at)).all()
    records = _records([s.id for s in sessions])
    overall = Points()
    for cohort in programme.cohorts:
        own = [m for m in memberships if m.cohort_id == cohort.id]
        result = tally(
            [s for s in sessions if s.cohort_id == cohort.id],
            own,
            [r for r in records if r.session_id in {s.id for s in sessions if s.cohort_id == cohort.id}],
            programme,
            now,
        )
        points = Points()
        for total in result.per_session.values():
            points.add(total.earned, total.possible)
        overall.add(points.earned, points.possible)
        report.sessions_delivered += len(result.delivered)
        report.hours_delivered += sum(s.minutes for s in result.delivered) / 60
        report.cohorts.append(
            (cohort.name, len({m.user_id for m in own}), len(result.delivered), points.rate)
        )
    report.hours_delivered = round(report.hours_delivered, 1)
    report.attendance_rate = overall.rate

    course_ids = [course.id for course in programme.courses]
    completions = (
        select(func.count())
        .select_from(CourseCompletion)
        .where(CourseCompletion.course_id.in_(course_ids), CourseCompletion.user_id.in_(member_ids))
    )
    certificates = (
        select(func.count())
        .select_from(Certificate)
        .where(
            Certificate.course_id.in_(course_ids),
            Certificate.user_id.in_(member_ids),
            Certificate.revoked_at.is_(None),
        )
    )
    if low:
        completions = completions.where(CourseCompletion.completed_at >= low)
        certificates = certificates.where(Certificate.completed_on >= start)
    if high:
        completions = completions.where(CourseCompletion.completed_at <= high)
        certificates = certificates.where(Certificate.completed_on <= end)
    report.completions = db.session.scalar(completions)
    report.certificates = db.session.scalar(certificates)
    return report


def report_rows(report: FunderReport):
    """The report as rows for a spreadsheet: indicator, value; then the breakdowns."""
    yield ["Programme", report.programme_title]
    yield ["Period", f"{report.period_start or ''} – {report.period_end or ''}"]
    yield ["Time zone", report.timezone]
    yield ["Participants", report.participants]
    yield ["Sessions delivered", report.sessions_delivered]
    yield ["Hours delivered", report.hours_delivered]
    yield ["Attendance rate (%)", "" if report.attendance_rate is None else report.attendance_rate]
    yield ["Course completions", report.completions]
    yield ["Certificates issued", report.certificates]
    for title, rows in (
        ("By country", report.by_country),
        ("By gender", report.by_gender),
        ("By sector", report.by_sector),
        ("By organisation size", report.by_size),
    ):
        yield []
        yield [title, "Participants"]
        yield from ([label, count] for label, count in rows)
    yield []
    yield ["Cohort", "Participants", "Sessions delivered", "Attendance rate (%)"]
    yield from (
        [name, people, sessions, "" if rate is None else rate]
        for name, people, sessions, rate in report.cohorts
    )


def attendance_rows(cohort: Cohort, labels: dict[str, str], now: datetime | None = None):
    """The cohort's attendance register, row by row: a header, then one row per trainee (those who left
    too). Session columns are headed by their local time in the cohort's time zone, which the header names.
    A session before a trainee joined says "Not yet a member", one after they left "Left the cohort";
    a delivered session without a status counts as absent, like in `tally`.

    Records are read in (user, session) order and streamed, so memory stays flat however many
    trainees there are.
    """
    now = now or utcnow()
    local = zone(cohort.timezone)
    sessions = db.session.scalars(
        select(ClassSession).where(ClassSession.cohort_id == cohort.id).order_by(ClassSession.starts_at)
    ).all()
    index = {s.id: i for i, s in enumerate(sessions)}
    points = {s["key"]: s["points"] for s in cohort.programme.statuses}
    max_points = cohort.programme.max_points
    taken = set(
        db.session.scalars(
            select(AttendanceRecord.session_id)
            .join(ClassSession)
            .where(ClassSession.cohort_id == cohort.id, AttendanceRecord.status != EXCUSED)
            .distinct()
        )
    )
    delivered = [s.id in taken and s.has_started(now) for s in sessions]
    not_yet, left = _("Not yet a member"), _("Left the cohort")
    yield (
        ["Name", "E-mail", "Organisation", "Country"]
        + [
            f"{s.starts_at.astimezone(local):%Y-%m-%d %H:%M} ({local.key}) {s.topic}".strip()
            for s in sessions
        ]
        + ["Present", "Late", "Excused", "Absent", "Attendance (%)"]
    )
    members = db.session.execute(
        select(
            User.id,
            User.name,
            User.email,
            User.organisation,
            User.country,
            CohortMember.added_at,
            CohortMember.left_at,
        )
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id)
        .order_by(User.id)
        .execution_options(
            yield_per=2000
        )  # a server-side cursor on PostgreSQL: rows stream, memory stays flat
    )
    records = db.session.execute(
        select(AttendanceRecord.user_id, AttendanceRecord.session_id, AttendanceRecord.status)
        .join(ClassSession)
        .where(ClassSession.cohort_id == cohort.id)
        .order_by(AttendanceRecord.user_id)
        .execution_options(yield_per=2000)
    )
    pending = next(records, None)
    for user_id, name, email, organisation, country, added_at, left_at in members:
        statuses = [""] * len(sessions)
        while pending is not None and pending.user_id <= user_id:
            if pending.user_id == user_id:
                statuses[index[pending.session_id]] = pending.status
            pending = next(records, None)
        cells, counts, earned, possible = [], Counter(), 0, 0
        for number, session in enumerate(sessions):
            key = statuses[number]
            member = CohortMember.during(added_at, left_at, session.starts_at, session.ends_at)
            if key:
                cells.append(labels.get(key, key))
            elif not member:
                cells.append(not_yet if added_at > session.ends_at else left)
            else:
                cells.append("")
            if delivered[number] and (key or member):  # on the session's roll, as in `tally`
                counts[key or "A"] += 1
                earned += points.get(key, 0)
                possible += max_points
        yield (
            [name, email, organisation or "", country or ""]
            + cells
            + [
                counts["P"],
                counts["L"],
                counts["E"],
                counts["A"],
                round(100 * earned / possible, 1) if possible else "",
            ]
        )
