"""Numbers funders audit: attendance per trainee and session, and the indicator report per programme."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select

from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.choices import GENDER_CHOICES, ORG_SIZES, SECTORS, country_name
from lms.classroom.models import AttendanceRecord, ClassSession, Cohort, CohortMember, Programme
from lms.db import db
from lms.progress.models import CourseCompletion


@dataclass
class FunderReport:
    programme_title: str
    funding_line: str
    period_start: date | None
    period_end: date | None
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


def _bounds(start: date | None, end: date | None):
    low = datetime.combine(start, time.min, tzinfo=UTC) if start else None
    high = datetime.combine(end, time.max, tzinfo=UTC) if end else None
    return low, high


def funder_report(programme: Programme, start: date | None = None, end: date | None = None) -> FunderReport:
    """The programme's indicators for a period (sessions that started in it; completions and
    certificates dated in it); participants are the members of its cohorts."""
    report = FunderReport(programme.title, programme.funding_line, start, end)
    cohort_ids = [c.id for c in programme.cohorts]
    members = db.session.scalars(
        select(User)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id.in_(cohort_ids))
        .distinct()
    ).all()
    report.participants = len(members)
    labels = {"": "—"}
    sectors, sizes, genders = dict(SECTORS), dict(ORG_SIZES), dict(GENDER_CHOICES)

    def tally(values, names):
        counts = Counter(str(names.get(v, v)) if v else str(labels[""]) for v in values)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    report.by_country = tally(
        [u.country for u in members], {u.country: country_name(u.country) for u in members}
    )
    report.by_gender = tally([u.gender for u in members], genders)
    report.by_sector = tally([u.sector for u in members], sectors)
    report.by_size = tally([u.org_size for u in members], sizes)

    low, high = _bounds(start, end)
    session_query = select(ClassSession).where(ClassSession.cohort_id.in_(cohort_ids))
    if low:
        session_query = session_query.where(ClassSession.starts_at >= low)
    if high:
        session_query = session_query.where(ClassSession.starts_at <= high)
    sessions = db.session.scalars(session_query).all()
    taken = [s for s in sessions if s.records]
    report.sessions_delivered = len(taken)
    report.hours_delivered = round(sum(s.minutes for s in taken) / 60, 1)
    points = {s["key"]: s["points"] for s in programme.statuses}
    members_of = dict(
        db.session.execute(
            select(CohortMember.cohort_id, func.count())
            .where(CohortMember.cohort_id.in_(cohort_ids))
            .group_by(CohortMember.cohort_id)
        ).all()
    )
    earned_total = possible_total = 0
    per_cohort: dict[int, list[int]] = {cid: [0, 0, 0] for cid in cohort_ids}  # earned, possible, sessions
    for session in taken:
        earned = sum(points.get(r.status, 0) for r in session.records)
        possible = members_of.get(session.cohort_id, 0) * programme.max_points
        per_cohort[session.cohort_id][0] += earned
        per_cohort[session.cohort_id][1] += possible
        per_cohort[session.cohort_id][2] += 1
        earned_total += earned
        possible_total += possible
    report.attendance_rate = round(100 * earned_total / possible_total, 1) if possible_total else None
    report.cohorts = [
        (
            c.name,
            members_of.get(c.id, 0),
            per_cohort[c.id][2],
            round(100 * per_cohort[c.id][0] / per_cohort[c.id][1], 1) if per_cohort[c.id][1] else None,
        )
        for c in programme.cohorts
    ]

    course_ids = [course.id for course in programme.courses]
    member_ids = [u.id for u in members]
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


def attendance_rows(cohort: Cohort, labels: dict[str, str]):
    """The cohort's attendance register, row by row: a header, then one row per trainee.

    Records are read in (user, session) order and streamed, so memory stays flat however many
    trainees there are.
    """
    sessions = db.session.scalars(
        select(ClassSession).where(ClassSession.cohort_id == cohort.id).order_by(ClassSession.starts_at)
    ).all()
    index = {s.id: i for i, s in enumerate(sessions)}
    points = {s["key"]: s["points"] for s in cohort.programme.statuses}
    max_points = cohort.programme.max_points
    yield (
        ["Name", "E-mail", "Organisation", "Country"]
        + [f"{s.starts_at:%Y-%m-%d %H:%M} {s.topic}".strip() for s in sessions]
        + ["Present", "Late", "Excused", "Absent", "Attendance (%)"]
    )
    members = db.session.execute(
        select(User.id, User.name, User.email, User.organisation, User.country)
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
    taken_sessions = set(
        db.session.scalars(
            select(AttendanceRecord.session_id)
            .join(ClassSession)
            .where(ClassSession.cohort_id == cohort.id)
            .distinct()
        )
    )
    for user_id, name, email, organisation, country in members:
        statuses = [""] * len(sessions)
        while pending is not None and pending.user_id <= user_id:
            if pending.user_id == user_id:
                statuses[index[pending.session_id]] = pending.status
            pending = next(records, None)
        counts = Counter(statuses)
        possible = len(taken_sessions) * max_points
        earned = sum(points.get(key, 0) for key in statuses if key)
        yield (
            [name, email, organisation or "", country or ""]
            + [labels.get(key, key) for key in statuses]
            + [
                counts["P"],
                counts["L"],
                counts["E"],
                counts["A"]
                + sum(1 for s in sessions if s.id in taken_sessions and not statuses[index[s.id]]),
                round(100 * earned / possible, 1) if possible else "",
            ]
        )
