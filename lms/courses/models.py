"""Courses, their modules and activities (lessons and quizzes), files, trainers and enrolments."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload, validates

from lms.auth.models import User
from lms.db import UTCDateTime, db, utcnow

CATEGORIES = ("marketing", "ict", "startup", "other")

course_trainers = Table(
    "course_trainers",
    db.metadata,
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Course(db.Model):
    __tablename__ = "courses"
    __table_args__ = (CheckConstraint("hours >= 0", name="hours_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_html: Mapped[str] = mapped_column(Text, default="")
    # The latest announcements as the course page and the dashboard show them (title, excerpt, date),
    # kept by lms.announcements when one is published, edited or deleted: those pages read no more rows.
    latest_announcements: Mapped[list | None] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(10), default="en")
    category: Mapped[str] = mapped_column(String(20), default="other")
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 1), default=0)
    translation_of: Mapped[str | None] = mapped_column(String(80))
    published: Mapped[bool] = mapped_column(default=False)
    self_enrolment: Mapped[bool] = mapped_column(default=True)
    enrolment_key: Mapped[str | None] = mapped_column(String(100))
    # Completion rules (the progress feature evaluates them): required activities, grade, attendance.
    completion_activities: Mapped[str] = mapped_column(String(10), default="all")
    completion_lessons: Mapped[str] = mapped_column(
        String(10), default="marked", server_default="marked"
    )  # or "viewed"
    completion_min_grade: Mapped[int] = mapped_column(default=0)
    completion_min_attendance: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    trainers: Mapped[list[User]] = relationship(secondary=course_trainers, order_by=User.name)
    modules: Mapped[list["Module"]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )
    files: Mapped[list["CourseFile"]] = relationship(
        back_populates="course", order_by="CourseFile.path", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"

    # Permission predicates: views and templates ask these, through lms.security.require.
    def is_trainer(self, user) -> bool:
        return user.is_authenticated and any(trainer.id == user.id for trainer in self.trainers)

    def can_edit(self, user) -> bool:
        return user.is_authenticated and (user.is_coordinator or (user.is_trainer and self.is_trainer(user)))

    def can_view_summary(self, user) -> bool:
        return self.published or self.can_edit(user)

    def can_read(self, user, enrolment: "Enrolment | None") -> bool:
        """Lessons are for enrolled trainees of a published course, its trainers and coordinators."""
        if self.can_edit(user):
            return True
        return self.published and enrolment is not None and enrolment.is_active

    def activities(self) -> list["Activity"]:
        return [activity for module in self.modules for activity in module.activities]

    @property
    def minutes(self) -> int:
        return sum(activity.minutes for activity in self.activities())

    @staticmethod
    def with_outline():
        """A course with its trainers, modules and activities, loaded in a fixed number of queries
        (three: courses, their trainers, their modules joined with the activities)."""
        return select(Course).options(
            selectinload(Course.trainers), selectinload(Course.modules).joinedload(Module.activities)
        )


class Module(db.Model):
    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "slug", name="uq_modules_course_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")

    course: Mapped[Course] = relationship(back_populates="modules")
    activities: Mapped[list["Activity"]] = relationship(
        back_populates="module", order_by="Activity.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Module {self.slug}>"


class Activity(db.Model):
    """An activity of a module; its kind (lms.activities) says what it is, how it is shown, completed
    and graded. Progress and grades hang on its id."""

    __tablename__ = "activities"
    __table_args__ = (
        UniqueConstraint("module_id", "slug", name="uq_activities_module_slug"),
        # Which kinds exist is the registry's to say (checked when set, below), so a new kind needs no
        # schema change here; the database still refuses an activity without one.
        CheckConstraint("kind <> ''", name="kind_named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    slug: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20), default="lesson")
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int] = mapped_column(default=10)
    optional: Mapped[bool] = mapped_column(default=False)
    published: Mapped[bool] = mapped_column(default=True)
    # The source as the trainer wrote it (the kind's package file: Markdown for a lesson, GIFT for a quiz)
    body: Mapped[str] = mapped_column(Text, default="")
    # ... and its HTML as the kind renders it (lessons), when saved, never per request.
    body_html: Mapped[str] = mapped_column(Text, default="")
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # Bumped on every save, so an edit based on an older version is refused instead of lost.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    module: Mapped[Module] = relationship(back_populates="activities")
    updated_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Activity {self.kind} {self.slug}>"

    @validates("kind")
    def _registered_kind(self, key: str, kind: str) -> str:
        from lms.activities import kinds

        if kind not in kinds():
            raise ValueError(f"'{kind}' is not a registered activity kind ({', '.join(kinds())})")
        return kind

    @property
    def counts_for_completion(self) -> bool:
        return self.published and not self.optional


class CourseFile(db.Model):
    """An image or attachment of a course. The bytes live in instance/uploads/, named by their hash."""

    __tablename__ = "course_files"
    __table_args__ = (UniqueConstraint("course_id", "path", name="uq_course_files_course_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    # Path in the package with module folders named by slug: "know-your-customer/images/journey.png".
    path: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship(back_populates="files")


class Enrolment(db.Model):
    """A trainee in a course. Unenrolling keeps the row (and so the history); re-enrolling revives it."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("course_id", "user_id", name="uq_enrolments_course_user"),
        CheckConstraint("status IN ('active', 'unenrolled')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="active")
    method: Mapped[str] = mapped_column(String(12), default="self")  # self | key | manual | cohort
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unenrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_access_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @staticmethod
    def find(course_id: int, user_id: int):
        return select(Enrolment).where(Enrolment.course_id == course_id, Enrolment.user_id == user_id)
