"""The daily digest: one mail per user with the notifications they chose to get that way."""

from lms.db import db
from lms.jobs import Daily, task
from lms.notifications.services import send_digests


@task("notifications.daily_digest", every=Daily("DIGEST_TIME"))
def daily_digest() -> int:
    """Queue each user's digest mail; returns how many. Running twice sends once."""
    sent = send_digests()
    db.session.commit()
    return sent
