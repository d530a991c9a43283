"""Scheduled announcements are published (and told) when their time comes."""

from datetime import timedelta

from lms.announcements.models import Announcement
from lms.announcements.services import publish_due, tell
from lms.db import db
from lms.jobs import task


@task("announcements.publish_due", every=timedelta(minutes=5))
def publish_scheduled() -> int:
    published = publish_due()
    db.session.commit()
    return published


@task("announcements.tell")
def tell_audience(announcement_id: int) -> int:
    """Tell an announcement published from a page to its audience (idempotent: notify's key)."""
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None or not announcement.is_published:
        return 0
    told = len(tell(announcement))
    db.session.commit()
    return told
