"""Programmes, their cohorts, scheduled e-class sessions and attendance."""

from datetime import date, datetime, timedelta

from sqlalchemy import JSON, Column, Date, ForeignKey, String, Table, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.courses.models import Course, Module
from lms.db import UTCDateTime, db, utcnow

# Moodle's attendance statuses and points; a programme may rename them or change the points.
DEFAULT_STATUSES = [
    {"key": "P", "label": "Present", "points": 2},
    {"key": "L", "label": "Late", "points": 1},
    {"key": "E", "label": "Excused", "points": 1},
    {"key": "A", "label": "Absent", "points": 0},
]

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
    statuses: Mapped[list] = mapped_column(JSON, default=lambda: [dict(s) for s in DEFAULT_STATUSES])
    # The indicators its funder asks for, as keys of lms.classroom.indicators.INDICATORS; None: all.
    indicators: Mapped[list | None] = mapped_column(JSON)
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

    programme: Mapped[Programme] = relationship(back_populates="cohorts")
    trainers: Mapped[list[User]] = relationship(secondary=cohort_trainers, order_by=User.name)
    members: Mapped[list["CohortMember"]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )
    sessions: Mapped[list["ClassSession"]] = relationship(
        back_populates="cohort", order_by="ClassSession.starts_at", cascade="all, delete-orphan"
    )

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

    cohort: Mapped[Cohort] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


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

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")
    trainer: Mapped[User | None] = relationship()
    module: Mapped[Module | None] = relationship()
    records: Mapped[list["AttendanceRecord"]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)

    def check_in_open(self, now: datetime) -> bool:
        """Self check-in from 15 minutes before the start until the end."""
        return self.starts_at - timedelta(minutes=15) <= now <= self.ends_at


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

    @staticmethod
    def of(session_id: int):
        return select(AttendanceRecord).where(AttendanceRecord.session_id == session_id)
