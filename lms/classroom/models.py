"""Programmes, their cohorts, scheduled e-class sessions and attendance."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import JSON, Column, Date, ForeignKey, String, Table, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.courses.models import Activity, Course, Module
from lms.db import UTCDateTime, db, utcnow

# Moodle's attendance statuses and points; a programme may rename them or change the points.
EXCUSED = "E"  # the one status that may be set before a session starts (an absence announced in advance)
CHECK_IN_EARLY = timedelta(minutes=15)  # attendance opens this long before a session starts
DEFAULT_STATUSES = [
    {"key": "P", "label": "Present", "points": 2},
    {"key": "L", "label": "Late", "points": 1},
    {"key": "E", "label": "Excused", "points": 1},
    {"key": "A", "label": "Absent", "points": 0},
]


def zone(name: str) -> ZoneInfo:
    """A cohort's or programme's time zone; an unknown name falls back to the site's default."""
    from flask import current_app

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(current_app.config.get("DEFAULT_TIMEZONE", "UTC"))


programme_courses = Table(
    "programme_courses",
    db.metadata,
    Column("programme_id", ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True),
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
)
cohort_trainers = Table(
    "cohort_trainers",
    db.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Programme(db.Model):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    funding_line: Mapped[str] = mapped_column(String(300), default="")
    # Dates and times in the programme's exports, PDFs and reports are in this zone, and say so.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Athens", server_default="Europe/Athens")
    statuses: Mapped[list] = mapped_column(JSON, default=lambda: [dict(s) for s in DEFAULT_STATUSES])
    # The indicators its funder asks for, as keys of lms.classroom.indicators.INDICATORS; None: all.
    indicators: Mapped[list | None] = mapped_column(JSON)
    # The key of the rating question whose answers the "satisfaction" indicator reports (lms.surveys).
    satisfaction_question: Mapped[str] = mapped_column(
        String(40), default="overall", server_default="overall"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    courses: Mapped[list[Course]] = relationship(secondary=programme_courses, order_by=Course.title)
    cohorts: Mapped[list["Cohort"]] = relationship(
        back_populates="programme", order_by="Cohort.starts_on", cascade="all, delete-orphan"
    )

    def status(self, key: str) -> dict | None:
        return next((s for s in self.statuses if s["key"] == key), None)

    @property
    def max_points(self) -> int:
        return max((s["points"] for s in self.statuses), default=0)


class Cohort(db.Model):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    partner: Mapped[str] = mapped_column(String(200), default="")  # partner organisation running it
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Athens")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # The latest announcements as the dashboard shows them, kept by lms.announcements (see Course's).
    latest_announcements: Mapped[list | None] = mapped_column(JSON)

    programme: Mapped[Programme] = relationship(back_populates="cohorts")
    trainers: Mapped[list[User]] = relationship(secondary=cohort_trainers, order_by=User.name)
    # Every membership, past ones too (left_at set): attendance history needs who was a member when.
    members: Mapped[list["CohortMember"]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )
    sessions: Mapped[list["ClassSession"]] = relationship(
        back_populates="cohort", order_by="ClassSession.starts_at", cascade="all, delete-orphan"
    )

    @property
    def current_members(self) -> list["CohortMember"]:
        return [m for m in self.members if m.left_at is None]

    def membership(self, user_id: int) -> "CohortMember | None":
        return next((m for m in self.members if m.user_id == user_id), None)

    def is_member(self, user_id: int) -> bool:
        member = self.membership(user_id)
        return member is not None and member.left_at is None

    def is_trainer(self, user) -> bool:
        return user.is_authenticated and any(t.id == user.id for t in self.trainers)

    def can_manage(self, user) -> bool:
        """Coordinators run cohorts; the cohort's trainers take its attendance."""
        return user.is_authenticated and (user.is_coordinator or (user.is_trainer and self.is_trainer(user)))


class CohortMember(db.Model):
    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id", name="uq_cohort_members_cohort_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None while a member

    cohort: Mapped[Cohort] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    @staticmethod
    def during(added_at: datetime, left_at: datetime | None, starts_at: datetime, ends_at: datetime) -> bool:
        """Was someone who joined at `added_at` (and left at `left_at`) a member while a session ran?
        Joined after it ended: not yet a member; left before it started: no longer one."""
        return added_at <= ends_at and (left_at is None or left_at >= starts_at)

    def member_during(self, session: "ClassSession") -> bool:
        return self.during(self.added_at, self.left_at, session.starts_at, session.ends_at)


class ClassSession(db.Model):
    """A scheduled e-class: in a room or online, with a trainer and a topic."""

    __tablename__ = "class_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    minutes: Mapped[int] = mapped_column(default=90)
    place: Mapped[str] = mapped_column(String(200), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    topic: Mapped[str] = mapped_column(String(200), default="")
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="SET NULL"))
    # A survey (an activity of a programme course) attendees are asked to answer after the session.
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    # Calendars keep the same event (UID session-<id>) and take the highest SEQUENCE as its latest version:
    # every change of time or place adds one. A cancelled session stays, marked, so calendars drop it.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")
    trainer: Mapped[User | None] = relationship()
    module: Mapped[Module | None] = relationship()
    survey: Mapped[Activity | None] = relationship()
    records: Mapped[list["AttendanceRecord"]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)

    def check_in_open(self, now: datetime) -> bool:
        """Self check-in from 15 minutes before the start until the end."""
        return self.starts_at - CHECK_IN_EARLY <= now <= self.ends_at

    def attendance_open(self, now: datetime) -> bool:
        """Presence can be recorded from when check-in opens; before that only an excused absence."""
        return now >= self.starts_at - CHECK_IN_EARLY

    def has_started(self, now: datetime) -> bool:
        """Only a session that has started can be delivered: a future one counts in no report."""
        return self.starts_at <= now


class AttendanceRecord(db.Model):
    __tablename__ = "attendance_records"
    __table_args__ = (UniqueConstraint("session_id", "user_id", name="uq_attendance_records_session_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(4))
    self_checked_in: Mapped[bool] = mapped_column(default=False)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[ClassSession] = relationship(back_populates="records")
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    taken_by: Mapped[User | None] = relationship(foreign_keys=[taken_by_id])

    @staticmethod
    def of(session_id: int):
        return select(AttendanceRecord).where(AttendanceRecord.session_id == session_id)


class CheckInFailure(db.Model):
    """A wrong self check-in code: counted per trainee and session, and per address, to stop guessing."""

    __tablename__ = "check_in_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(64), default="", index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
