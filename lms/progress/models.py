"""Who completed what and when: activities, courses, and grades a trainer set by hand."""

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.db import UTCDateTime, db, utcnow

# A completion's source: the trainee marked it done, or viewed it (when the course says that is enough),
# or else the name of the kind whose own rule completed it (lms.activities).
MARKED_SOURCES = ("marked", "viewed")


class Completion(db.Model):
    """A trainee completed an activity. Kept as long as the activity exists, whatever is re-imported."""

    __tablename__ = "completions"
    __table_args__ = (UniqueConstraint("user_id", "activity_id", name="uq_completions_user_activity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(20), default="marked")


class CourseCompletion(db.Model):
    """A trainee met the course's completion rules; the date is the one the certificate prints."""

    __tablename__ = "course_completions"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_course_completions_user_course"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    final_grade: Mapped[float | None] = mapped_column(Float)

    user: Mapped[User] = relationship()


class GradeOverride(db.Model):
    """A grade set by hand, with its reason: for one graded activity, or (activity_id NULL) for the course."""

    __tablename__ = "grade_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    grade: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
