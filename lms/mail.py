"""The project's mail: `send_mail` queues a message; a background job delivers it after the commit, by
SMTP when MAIL_SERVER is configured, otherwise as a file in instance/outbox/."""

import smtplib
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

from lms.db import db
from lms.jobs import enqueue, is_done, mark_done, task


def send_mail(to: str, subject: str, body: str) -> None:
    """Queue a mail; it leaves when the database session commits (never for a rolled-back change)."""
    enqueue(deliver_mail, uuid.uuid4().hex, to, str(subject), str(body))


@task("mail.deliver")
def deliver_mail(key: str, to: str, subject: str, body: str) -> None:
    """Send one queued mail; tried again with back-off while SMTP fails, and never sent twice."""
    mark = f"mail:{key}"
    if is_done(mark):
        return
    _deliver(to, subject, body)
    mark_done(mark)
    db.session.commit()


def _deliver(to: str, subject: str, body: str) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid()
    message.set_content(body)

    if config["MAIL_SERVER"]:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        current_app.logger.info("mail to %s sent by SMTP: %s", to, subject)
        return

    path = outbox_dir() / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(message.as_bytes())
    current_app.logger.info("mail to %s written to %s: %s", to, path, subject)


def outbox_dir() -> Path:
    outbox = Path(current_app.instance_path) / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    return outbox
