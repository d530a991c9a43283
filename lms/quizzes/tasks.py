"""Scheduled quiz work: abandoned attempts whose time is up are closed and graded every minute."""

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
