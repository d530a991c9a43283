"""Numbers funders audit: attendance per trainee and session, and the indicator report per programme."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select

from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.charts import bar_chart
from lms.choices import GENDER_CHOICES, NACE_SECTIONS, NOT_STATED, SIZE_CLASS_CHOICES_SHORT, country_name
from lms.classroom.indicators import BY_KEY, STARTUP_YEARS, selected_indicators
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
from lms.enterprises.models import Enterprise
from lms.i18n import _
from lms.progress.models import CourseCompletion
from lms.surveys.queries import satisfaction

# Statuses that mean a person took part in a session (Moodle's Present and Late).
ATTENDED = ("P", "L")
SIZE_ORDER = ("micro", "small", "medium", "large", None)


@dataclass
class ReportScope:
    """Who and what a programme's indicators count in a period, once: every figure and every
    drill-down list is read from here, so a figure and the list behind it cannot disagree."""

    members: list[User]  # of the programme's cohorts
    sessions: list[ClassSession]  # delivered: started in the period, attendance taken
    participants: list[User]  # attended at least one delivered session; once per programme
    enterprises: list[Enterprise]  # of the participants; once each
    completed: list[User]  # completed every course of the programme, last completion in the period
    certificates: list[Certificate]
    end: date | None = None  # of the period
    memberships: list = field(
        default_factory=list
    )  # rows (cohort_id, user_id, added_at, left_at) in the period
    tallies: dict[int, "Tally"] = field(default_factory=dict)  # cohort id -> its delivered sessions' points
    low: datetime | None = None  # the period's first and last instants
    high: datetime | None = None


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
    sessions_delivered: int = 0
    hours_delivered: float = 0.0
    attendance_rate: float | None = None  # percent of possible attendance points
    completions: int = 0
    certificates: int = 0
    cohorts: list[tuple[str, int, int, float | None]] = field(
        default_factory=list
    )  # name, people, sessions, rate
    enrolled: int = 0  # members of the cohorts, whether or not they attended
    enterprises: int = 0
    enterprises_by_size: list[tuple[str, int]] = field(default_factory=list)  # in SIZE_ORDER
    enterprises_by_sector: list[tuple[str, int]] = field(default_factory=list)
    founders: int = 0
    completed_trainings: int = 0
    indicators: list[str] = field(default_factory=list)  # the ones the programme reports, in order
    figures: list["Figure"] = field(default_factory=list)  # the reported indicators, with breakdowns


@dataclass
class Figure:
    """One reported indicator: its total and its breakdown, each row naming the group it lists."""

    key: str
    title: str
    definition: str
    value: float | int | None
    rows: list[tuple[str, int, str]] = field(default_factory=list)  # label, count, drill-down group


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


def report_scope(
    programme: Programme, start: date | None = None, end: date | None = None, now: datetime | None = None
) -> ReportScope:
    """Who and what the period counts (whole days in the programme's time zone). Members are the trainees
    who were cohort members at some time in it (those who left since included); sessions are the ones
    that started in it and `tally` calls delivered, each counting the members on its date."""
    now = now or utcnow()
    low, high = _bounds(start, end, zone(programme.timezone))
    cohort_ids = [c.id for c in programme.cohorts]
    memberships = [
        m
        for m in _memberships(cohort_ids)
        if (high is None or m.added_at <= high) and (low is None or m.left_at is None or m.left_at >= low)
    ]
    member_ids = sorted({m.user_id for m in memberships})
    members = db.session.scalars(select(User).where(User.id.in_(member_ids))).all()
    session_query = select(ClassSession).where(ClassSession.cohort_id.in_(cohort_ids))
    if low:
        session_query = session_query.where(ClassSession.starts_at >= low)
    if high:
        session_query = session_query.where(ClassSession.starts_at <= high)
    sessions = db.session.scalars(session_query.order_by(ClassSession.starts_at)).all()
    records = _records([s.id for s in sessions])
    tallies: dict[int, Tally] = {}
    for cohort in programme.cohorts:
        own = {s.id for s in sessions if s.cohort_id == cohort.id}
        tallies[cohort.id] = tally(
            [s for s in sessions if s.id in own],
            [m for m in memberships if m.cohort_id == cohort.id],
            [r for r in records if r.session_id in own],
            programme,
            now,
        )
    delivered = sorted((s for t in tallies.values() for s in t.delivered), key=lambda s: s.starts_at)
    attended = {
        user_id
        for t in tallies.values()
        for session in t.delivered
        for user_id, status in t.statuses[session.id].items()
        if status in ATTENDED
    }
    participants = sorted((u for u in members if u.id in attended), key=lambda u: u.name.casefold())
    enterprises = sorted(
        {u.enterprise.id: u.enterprise for u in participants if u.enterprise is not None}.values(),
        key=lambda e: e.name.casefold(),
    )

    course_ids = [course.id for course in programme.courses]
    completed: list[User] = []
    if course_ids:
        last = dict(
            db.session.execute(
                select(CourseCompletion.user_id, func.max(CourseCompletion.completed_at))
                .where(CourseCompletion.course_id.in_(course_ids), CourseCompletion.user_id.in_(member_ids))
                .group_by(CourseCompletion.user_id)
                .having(func.count(func.distinct(CourseCompletion.course_id)) == len(course_ids))
            ).all()
        )
        completed = [
            u
            for u in sorted(members, key=lambda u: u.name.casefold())
            if u.id in last
            and (not low or _aware(last[u.id]) >= low)
            and (not high or _aware(last[u.id]) <= high)
        ]
    certificates = select(Certificate).where(
        Certificate.course_id.in_(course_ids),
        Certificate.user_id.in_(member_ids),
        Certificate.revoked_at.is_(None),
    )
    if start:
        certificates = certificates.where(Certificate.completed_on >= start)
    if end:
        certificates = certificates.where(Certificate.completed_on <= end)
    return ReportScope(
        members=list(members),
        sessions=delivered,
        participants=participants,
        enterprises=enterprises,
        completed=completed,
        certificates=list(
            db.session.scalars(certificates.order_by(Certificate.completed_on, Certificate.name))
        ),
        end=end,
        memberships=memberships,
        tallies=tallies,
        low=low,
        high=high,
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def size_label(key: str | None) -> str:
    return str(dict(SIZE_CLASS_CHOICES_SHORT).get(key, NOT_STATED))


def section_label(key: str | None) -> str:
    return str(dict(NACE_SECTIONS).get(key, NOT_STATED))


def gender_label(key: str | None) -> str:
    return str(dict(GENDER_CHOICES).get(key, NOT_STATED)) if key else str(NOT_STATED)


def tally_labels(values, label) -> list[tuple[str, int]]:
    """(label, count) pairs, largest first, then by label."""
    counts = Counter(label(v) for v in values)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def funder_report(
    programme: Programme,
    start: date | None = None,
    end: date | None = None,
    scope: ReportScope | None = None,
    now: datetime | None = None,
) -> FunderReport:
    """The programme's indicators for a period (whole days in the programme's time zone): delivered
    sessions (started in it, attendance taken), their participants once each, their enterprises once
    each; completions and certificates dated in it. The attendance rate counts, for each delivered
    session, the trainees who were cohort members on its date (`tally`)."""
    scope = scope or report_scope(programme, start, end, now)
    report = FunderReport(programme.title, programme.funding_line, start, end, programme.timezone)
    report.indicators = selected_indicators(programme)
    report.enrolled = len(scope.members)
    report.participants = len(scope.participants)
    report.by_country = tally_labels(
        [u.country for u in scope.participants], lambda c: country_name(c) or str(NOT_STATED)
    )
    report.by_gender = tally_labels([u.gender for u in scope.participants], gender_label)
    report.enterprises = len(scope.enterprises)
    sizes = Counter(e.size_class if e.size_class in SIZE_ORDER else None for e in scope.enterprises)
    report.enterprises_by_size = [(size_label(key), sizes[key]) for key in SIZE_ORDER if key or sizes[key]]
    report.enterprises_by_sector = tally_labels([e.nace_section for e in scope.enterprises], section_label)
    report.founders = sum(1 for u in scope.participants if u.founder)
    report.completed_trainings = len(scope.completed)

    report.sessions_delivered = len(scope.sessions)
    report.hours_delivered = round(sum(s.minutes for s in scope.sessions) / 60, 1)
    overall = Points()
    for cohort in programme.cohorts:
        result = scope.tallies[cohort.id]
        points = Points()
        for total in result.per_session.values():
            points.add(total.earned, total.possible)
        overall.add(points.earned, points.possible)
        people = len({m.user_id for m in scope.memberships if m.cohort_id == cohort.id})
        report.cohorts.append((cohort.name, people, len(result.delivered), points.rate))
    report.attendance_rate = overall.rate
    report.completions = len(
        {
            (user_id, course_id)
            for user_id, course_id in db.session.execute(_completions_query(programme, scope)).all()
        }
    )
    report.certificates = len(scope.certificates)
    report.figures = [_figure(key, report, scope, programme) for key in report.indicators]
    return report


NONE = "none"  # the drill-down group of "Not stated"


def _groups(items, key_of, label_of) -> list[tuple[str, int, str]]:
    counts = Counter(key_of(item) or NONE for item in items)
    rows = [(label_of(None if key == NONE else key), count, key) for key, count in counts.items()]
    return sorted(rows, key=lambda row: (row[2] == NONE, -row[1], row[0]))


def _figure(key: str, report: FunderReport, scope: ReportScope, programme: Programme) -> Figure:
    indicator = BY_KEY[key]
    figure = Figure(key, str(indicator.title), str(indicator.definition), None)
    people = scope.participants
    if key == "enterprises":
        sizes = Counter(e.size_class if e.size_class in SIZE_ORDER else None for e in scope.enterprises)
        figure.value = report.enterprises
        figure.rows = [(size_label(k), sizes[k], k or NONE) for k in SIZE_ORDER if k or sizes[k]]
    elif key == "sectors":
        figure.value = report.enterprises
        figure.rows = _groups(scope.enterprises, lambda e: e.nace_section, section_label)
    elif key == "participations":
        figure.value = report.participants
    elif key == "startups":
        figure.value = len(startups(scope))
    elif key == "founders":
        figure.value = report.founders
    elif key == "completions":
        figure.value = report.completed_trainings
    elif key == "gender":
        figure.value = report.participants
        figure.rows = _groups(people, lambda u: u.gender, gender_label)
    elif key == "country":
        figure.value = report.participants
        figure.rows = _groups(people, lambda u: u.country, lambda c: country_name(c) or str(NOT_STATED))
    elif key == "hours":
        figure.value = report.hours_delivered
        figure.rows = [(str(_("Sessions delivered")), report.sessions_delivered, "")]
    elif key == "attendance":
        figure.value = report.attendance_rate
    elif key == "certificates":
        figure.value = report.certificates
    elif key == "satisfaction":
        answers, mean, share = satisfaction(
            [c.id for c in programme.courses],
            programme.satisfaction_question,
            [s.id for s in scope.sessions],
        )
        figure.value = mean
        figure.rows = [
            (str(_("Answers")), answers, ""),
            (str(_("Answers of 4 or 5 (%)")), share if share is not None else 0, ""),
        ]
    return figure


def startups(scope: ReportScope) -> list[Enterprise]:
    year = (scope.end or date.today()).year
    return [e for e in scope.enterprises if e.founded_within(STARTUP_YEARS, year)]


def drill_down(scope: ReportScope, key: str, group: str = "") -> list:
    """The enterprises, participants, sessions or certificates behind a figure (and one of its rows)."""
    if key == "startups":
        return startups(scope)
    if key in ("enterprises", "sectors"):
        attribute = "size_class" if key == "enterprises" else "nace_section"
        items = scope.enterprises
        if group:
            items = [e for e in items if (getattr(e, attribute) or NONE) == group]
        return items
    if key in ("participations", "gender", "country", "founders"):
        items = scope.participants
        if key == "founders":
            items = [u for u in items if u.founder]
        elif group and key in ("gender", "country"):
            items = [u for u in items if (getattr(u, key) or NONE) == group]
        return items
    if key == "completions":
        return scope.completed
    if key in ("hours", "attendance"):
        return scope.sessions
    if key == "certificates":
        return scope.certificates
    raise KeyError(key)


CHARTED = ("enterprises", "sectors", "gender", "country")


def report_charts(report: FunderReport) -> dict:
    """Bar charts (inline SVG) of the reported breakdowns, by indicator key."""
    return {
        figure.key: bar_chart(
            [(label, count) for label, count, _group in figure.rows], title=figure.title, unit=""
        )
        for figure in report.figures
        if figure.key in CHARTED
    }


def report_rows(report: FunderReport):
    """The report as rows for a spreadsheet: each reported indicator, its value, its definition and
    its breakdown; then the cohorts."""
    yield [str(_("Programme")), report.programme_title]
    yield [str(_("Period")), f"{report.period_start or ''} – {report.period_end or ''}"]
    yield [str(_("Time zone")), report.timezone]
    for figure in report.figures:
        yield []
        yield [figure.title, "" if figure.value is None else figure.value]
        yield [figure.definition]
        yield from ([label, count] for label, count, _group in figure.rows)
    yield []
    yield [
        str(_("Cohort")),
        str(_("Participants")),
        str(_("Sessions delivered")),
        str(_("Attendance rate (%)")),
    ]
    yield from (
        [name, people, sessions, "" if rate is None else rate]
        for name, people, sessions, rate in report.cohorts
    )


def _completions_query(programme, scope):
    query = select(CourseCompletion.user_id, CourseCompletion.course_id).where(
        CourseCompletion.course_id.in_([c.id for c in programme.courses]),
        CourseCompletion.user_id.in_([u.id for u in scope.members]),
    )
    if scope.low:
        query = query.where(CourseCompletion.completed_at >= scope.low)
    if scope.high:
        query = query.where(CourseCompletion.completed_at <= scope.high)
    return query


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
            Enterprise.name,
            User.country,
            CohortMember.added_at,
            CohortMember.left_at,
        )
        .join(CohortMember, CohortMember.user_id == User.id)
        .outerjoin(Enterprise, Enterprise.id == User.enterprise_id)
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
