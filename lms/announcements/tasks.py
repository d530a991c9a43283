"""Scheduled announcements are published (and told) when their time comes."""

from datetime import timedelta

from lms.announcements.services import publish_due
from lms.db import db
from lms.jobs import task


@task("announcements.publish_due", every=timedelta(minutes=5))
def publish_scheduled() -> int:
    published = publish_due()
    db.session.commit()
    return published
