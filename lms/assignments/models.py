"""Trainees' submissions to an assignment, their files, and extensions of the due date."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.courses.models import Activity
from lms.db import UTCDateTime, db, utcnow


class Submission(db.Model):
    """One trainee's work for one assignment: a draft until submitted; graded, then released to them."""

    __tablename__ = "assignment_submissions"
    __table_args__ = (
        UniqueConstraint("activity_id", "user_id", name="uq_assignment_submissions_activity_user"),
        CheckConstraint("status IN ('draft', 'submitted')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    text: Mapped[str] = mapped_column(Text, default="")  # Markdown as the trainee wrote it ...
    text_html: Mapped[str] = mapped_column(Text, default="")  # ... rendered when saved
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    times_submitted: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    points: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[float | None] = mapped_column(Float)  # percent of the maximum points
    levels: Mapped[list | None] = mapped_column(JSON)  # the rubric level chosen for each criterion
    feedback: Mapped[str] = mapped_column(Text, default="")
    feedback_html: Mapped[str] = mapped_column(Text, default="")
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released: Mapped[bool] = mapped_column(default=False)  # the trainee may see grade and feedback

    activity: Mapped[Activity] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    files: Mapped[list["SubmissionFile"]] = relationship(
        back_populates="submission", order_by="SubmissionFile.id", cascade="all, delete-orphan"
    )

    @property
    def is_submitted(self) -> bool:
        return self.status == "submitted"

    @property
    def is_graded(self) -> bool:
        return self.grade is not None

    def work_files(self) -> list["SubmissionFile"]:
        return [f for f in self.files if f.role == "work"]

    def feedback_files(self) -> list["SubmissionFile"]:
        return [f for f in self.files if f.role == "feedback"]

    @staticmethod
    def find(activity_id: int, user_id: int):
        return select(Submission).where(Submission.activity_id == activity_id, Submission.user_id == user_id)


class SubmissionFile(db.Model):
    """A file a trainee handed in (role "work") or a trainer's feedback file; bytes stored by hash."""

    __tablename__ = "assignment_files"
    __table_args__ = (CheckConstraint("role IN ('work', 'feedback')", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("assignment_submissions.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(10), default="work")
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="files")


class Extension(db.Model):
    """A later due date for one trainee; it also lets them submit after the cut-off until then."""

    __tablename__ = "assignment_extensions"
    __table_args__ = (
        UniqueConstraint("activity_id", "user_id", name="uq_assignment_extensions_activity_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
