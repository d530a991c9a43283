"""Scheduled quiz work: abandoned attempts whose time is up are closed and graded every minute; marks
shown only after a quiz closes are told to trainees whose essays were graded."""

from datetime import timedelta

from lms.db import db
from lms.jobs import task


@task("quizzes.close_overdue", every=timedelta(minutes=1))
def close_overdue() -> int:
    """Close and grade overdue attempts; closing one twice is a no-op, so a job run twice does no harm."""
    from lms.quizzes.services import close_overdue_attempts

    closed = close_overdue_attempts()
    db.session.commit()
    return closed


RELEASE_EVERY = timedelta(minutes=15)


@task("quizzes.release_marks", every=RELEASE_EVERY)
def release_marks() -> int:
    """Tell trainees of essay grades that a quiz's close made visible; it looks back over a day, so a
    run missed or late still tells them, and telling is once per grading, so a run twice does no harm."""
    from lms.db import utcnow
    from lms.quizzes.services import release_closed_marks

    told = release_closed_marks(utcnow(), timedelta(days=1))
    db.session.commit()
    return told
