"""An announcement belongs to one course or one cohort."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.classroom.models import Cohort
from lms.courses.models import Course
from lms.db import UTCDateTime, db, utcnow

TITLE_MAX = 200
BODY_MAX = 20_000  # Markdown characters (lms.forms.MarkdownText checks it, as other Markdown fields)


class Announcement(db.Model):
    __tablename__ = "announcements"
    __table_args__ = (CheckConstraint("(course_id IS NULL) <> (cohort_id IS NULL)", name="one_audience"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")  # rendered when saved
    pinned: Mapped[bool] = mapped_column(default=False)
    # Shown (and told) from publish_at on; the scheduler publishes those whose time has come.
    publish_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tell: Mapped[bool] = mapped_column(default=True)  # notify (and mail) everyone when published
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course | None] = relationship()
    cohort: Mapped[Cohort | None] = relationship()
    author: Mapped[User | None] = relationship()

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def can_edit(self, user) -> bool:
        """Who may post in its course or cohort may edit and delete it."""
        if self.course is not None:
            return self.course.can_edit(user)
        return self.cohort is not None and self.cohort.can_manage(user)

    @staticmethod
    def of(course: Course | None = None, cohort: Cohort | None = None, drafts: bool = False):
        """A course's or cohort's announcements, pinned first, newest first; drafts (not yet
        published) only for those who may edit."""
        query = select(Announcement).where(
            Announcement.course_id == course.id if course is not None else Announcement.cohort_id == cohort.id
        )
        if not drafts:
            query = query.where(Announcement.published_at.is_not(None))
        return query.order_by(
            Announcement.pinned.desc(), Announcement.publish_at.desc(), Announcement.id.desc()
        )
