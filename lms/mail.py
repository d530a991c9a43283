"""The project's mail: `send_mail` queues a message; a background job delivers it after the commit, by
SMTP when MAIL_SERVER is configured, otherwise as a file in instance/outbox/.

A mail is plain text, or multipart (text and HTML) when `html=True`: the HTML part is made from the
same text in the job (Markdown through `render_markdown`, bare links made clickable, in
templates/mail/_layout.html), so one template source gives both and the request does no rendering."""

import re
import smtplib
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

from lms.jobs import claim, enqueue, release, task


def send_mail(
    to: str,
    subject: str,
    body: str,
    *,
    html: bool = False,
    headers: dict[str, str] | None = None,
    lang: str | None = None,
) -> None:
    """Queue a mail; it leaves when the database session commits (never for a rolled-back change).
    `html` adds an HTML part made from `body`; `headers` are added as they are (List-Unsubscribe...);
    `lang` is the language the mail is written in (Content-Language, the HTML's lang)."""
    options = {"html": html, "headers": dict(headers or {}), "lang": lang}
    enqueue(deliver_mail, uuid.uuid4().hex, to, str(subject), str(body), options)


@task("mail.deliver")
def deliver_mail(key: str, to: str, subject: str, body: str, options: dict | None = None) -> None:
    """Send one queued mail; tried again with back-off while SMTP fails, and never sent twice: the mail
    is claimed before it is sent (a process killed between the two loses it rather than sending it
    twice), and given back if sending fails."""
    mark = f"mail:{key}"
    if not claim(mark):
        return
    try:
        _deliver(to, subject, body, options or {})
    except BaseException:
        release(mark)
        raise


BARE_LINK = re.compile(r"(?<![<(\[\w])https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]")


def html_of(body: str, lang: str | None = None) -> str:
    """The HTML part of a mail whose text part is `body`: its Markdown rendered and sanitised (the one
    renderer), bare addresses made links (as Markdown autolinks), in the mail layout."""
    from lms.markup import MarkdownError, render_markdown

    try:
        content = render_markdown(BARE_LINK.sub(lambda link: f"<{link.group(0)}>", body))
    except MarkdownError:
        from markupsafe import escape

        content = escape(body)
    layout = current_app.jinja_env.get_template("mail/_layout.html")  # no request needed, nor its context
    return layout.render(content=content, lang=lang or "en", site_name=current_app.config["SITE_NAME"])


def _deliver(to: str, subject: str, body: str, options: dict | None = None) -> None:
    options = options or {}
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid()
    if options.get("lang"):
        message["Content-Language"] = options["lang"]
    for name, value in (options.get("headers") or {}).items():
        message[name] = value
    message.set_content(body)
    if options.get("html"):
        message.add_alternative(html_of(body, options.get("lang")), subtype="html")

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
