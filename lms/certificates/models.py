"""Certificates as issued: what they say is frozen at issue, so an edited profile never changes one."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Float, ForeignKey, Numeric, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.courses.models import Course
from lms.db import UTCDateTime, db, utcnow
from lms.exports.models import ExportJob  # noqa: F401 (it lived here; older imports keep working)


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id", name="uq_certificates_user_course"),
        UniqueConstraint("user_id", "programme_id", name="uq_certificates_user_programme"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(19), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"), index=True)
    # A programme's certificate (all its courses completed) names the programme instead of a course.
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes.id", ondelete="SET NULL"), index=True
    )
    # As printed: the trainee's name and the course as they were at issue.
    name: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[str] = mapped_column(String(200))
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    completed_on: Mapped[date] = mapped_column(Date)
    grade: Mapped[float | None] = mapped_column(Float)
    issuer: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(10), default="en")
    template: Mapped[str] = mapped_column(String(40), default="classic")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )  # None: automatic
    reason: Mapped[str] = mapped_column(Text, default="")  # why a coordinator issued it by hand
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    course: Mapped[Course | None] = relationship()

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    def can_download(self, user) -> bool:
        """The trainee it was issued to, and coordinators."""
        return user.is_authenticated and (user.id == self.user_id or user.is_coordinator)

    @staticmethod
    def by_code(code: str):
        return select(Certificate).where(Certificate.code == code)
