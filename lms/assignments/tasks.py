"""Assignment reminders: trainees who have not handed in work due within two days are told once."""

from datetime import timedelta

from lms.assignments.services import remind_due
from lms.db import db
from lms.jobs import task


@task("assignments.due_reminders", every=timedelta(minutes=30))
def send_due_reminders() -> int:
    told = remind_due()
    db.session.commit()
    return told
