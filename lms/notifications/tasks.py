"""The daily digest: one mail per user with the notifications they chose to get that way."""

from datetime import timedelta

from lms.db import db
from lms.jobs import task
from lms.notifications.services import send_digests


@task("notifications.daily_digest", every=timedelta(days=1))
def daily_digest() -> int:
    """Queue each user's digest mail; returns how many. Running twice sends once."""
    sent = send_digests()
    db.session.commit()
    return sent
