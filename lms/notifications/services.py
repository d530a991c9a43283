"""The notification service: features call `notify(...)`; it never commits (the caller does).

- `register_event(name, label, mail_default=True, digest=False)` declares an event type; users choose per
  type: in-app only, by mail, in a daily digest (digest events only) or off.
- `notify(event, recipients, template=..., context=..., link=..., key=...)` tells each recipient once
  for (event, user, key) (a unique constraint: a scheduler that runs twice tells once): an in-app row,
  and by the user's preference a mail queued through lms.mail (sent after the commit by a retried job,
  so a failing SMTP server never loses or blocks the action) or a place in tomorrow's digest.
- Mail comes from templates/mail/<template>.txt in the RECIPIENT's language: the template sets
  `subject` with `{% set subject %}...{% endset %}` and its body is the text part; the HTML part is made
  from the same text (lms.mail.html_of). Every notification mail carries a one-click unsubscribe link
  and the RFC 8058 headers.
"""

from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel import Locale, dates
from flask import current_app, has_request_context
from flask_babel import force_locale, get_locale
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select, update

from lms.auth.models import User
from lms.db import db, utcnow
from lms.i18n import BABEL_LOCALES, DATE_LOCALES
from lms.links import external_url
from lms.mail import send_mail
from lms.notifications.models import CHANNELS, Notification, NotificationPreference

SUBJECT_MAX = 300
DIGEST = "digest"  # the unsubscribe token of a digest mail names this: it stops the whole digest
DIGEST_TEXT_MAX = 4000


@dataclass(frozen=True)
class Event:
    name: str
    label: object  # a LazyString
    mail_default: bool = True
    digest: bool = False

    @property
    def default_channel(self) -> str:
        return "mail" if self.mail_default else "app"

    @property
    def channels(self) -> tuple[str, ...]:
        return CHANNELS if self.digest else tuple(c for c in CHANNELS if c != "digest")


EVENTS: dict[str, Event] = {}


def register_event(name: str, label, *, mail_default: bool = True, digest: bool = False) -> Event:
    """Declare an event type (at import time of the feature that sends it); shown on the preferences
    page in the order registered. Registering a name again replaces it."""
    if not name or len(name) > 60:
        raise ValueError(f"event name must be 1-60 characters: {name!r}")
    EVENTS[name] = Event(name, label, mail_default, digest)
    return EVENTS[name]


def event_spec(name: str) -> Event:
    try:
        return EVENTS[name]
    except KeyError:
        raise ValueError(f"unknown notification event {name!r}: register_event() it first") from None


# --- preferences ---------------------------------------------------------------------------------------


def channels_for(name: str, user_ids: Iterable[int]) -> dict[int, str]:
    """Each user's channel for the event (one query): their choice, else the event's default."""
    spec, user_ids = event_spec(name), list(user_ids)
    chosen = {}
    for start in range(0, len(user_ids), 500):
        chosen.update(
            db.session.execute(
                select(NotificationPreference.user_id, NotificationPreference.channel).where(
                    NotificationPreference.event == name,
                    NotificationPreference.user_id.in_(user_ids[start : start + 500]),
                )
            ).all()
        )
    return {
        uid: chosen[uid] if chosen.get(uid) in spec.channels else spec.default_channel for uid in user_ids
    }


def preferences(user: User) -> dict[str, str]:
    """The user's channel for every registered event."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.event, NotificationPreference.channel).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {
        name: chosen[name] if chosen.get(name) in spec.channels else spec.default_channel
        for name, spec in EVENTS.items()
    }


def set_preference(user: User, name: str, channel: str) -> None:
    spec = event_spec(name)
    if channel not in spec.channels:
        raise ValueError(f"{channel!r} is not a channel of {name!r}")
    row = db.session.get(NotificationPreference, (user.id, name))
    if row is None:
        db.session.add(NotificationPreference(user_id=user.id, event=name, channel=channel))
    else:
        row.channel = channel
    db.session.flush()


# --- one-click unsubscribe ----------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="lms.notifications.unsubscribe")


def unsubscribe_token(user: User, name: str) -> str:
    return _serializer().dumps([user.id, name])


def read_unsubscribe_token(token: str) -> tuple[User, str] | None:
    """The user and event a token names, or None for a forged, damaged or stale token."""
    try:
        user_id, name = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or (name not in EVENTS and name != DIGEST):
        return None
    return user, name


def unsubscribe(user: User, name: str) -> None:
    """Mail for the event stops (no mail, no digest); the in-app list still shows it. For the digest's
    token: every event the user had in the digest."""
    if name != DIGEST:
        set_preference(user, name, "app")
        return
    for each, channel in preferences(user).items():
        if channel == "digest":
            set_preference(user, each, "app")


def unsubscribe_url(user: User, name: str) -> str:
    return external_url("notifications.unsubscribe", token=unsubscribe_token(user, name))


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe, and RFC 8058's one-click POST (which needs an https address)."""
    headers = {"List-Unsubscribe": f"<{url}>"}
    if url.startswith("https://"):
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


# --- rendering in the reader's language ---------------------------------------------------------------


def babel_locale_of(user: User | None) -> str:
    language = (user.locale if user is not None else None) or current_app.config["DEFAULT_LOCALE"]
    return BABEL_LOCALES.get(language, language)


def in_language_of(user: User | None):
    """Text for someone other than the person at the keyboard is written in the reader's language."""
    return force_locale(babel_locale_of(user)) if user is not None else nullcontext()


def moment_in(value: datetime, zone: str, width: str = "weekday", named: bool = False) -> str:
    """A moment in a named zone, in the current (forced) language: 'Tue, 1 Dec 2026, 15:04', with
    `named` ' (Europe/Athens)'. Mail templates use it as the `moment_in` filter."""
    language = str(get_locale() or "en")
    locale = Locale.parse(DATE_LOCALES.get(language, language))
    local = value.astimezone(ZoneInfo(zone))
    skeleton = {"weekday": "yMMMEd", "medium": "yMMMd"}[width]
    day = dates.format_date(local, str(locale.datetime_skeletons[skeleton]), locale=locale)
    clock = dates.format_time(local, str(locale.datetime_skeletons["Hm"]), locale=locale)
    text = locale.datetime_formats["medium"].format(clock, day)
    return f"{text} ({zone})" if named else text


def site_path(endpoint: str, **values) -> str:
    """The path of a page, as `notify(link=...)` takes it, from a request or a job alike."""
    parts = urlsplit(external_url(endpoint, **values))
    return (
        parts.path
        + (f"?{parts.query}" if parts.query else "")
        + (f"#{parts.fragment}" if parts.fragment else "")
    )


def absolute(link: str) -> str:
    """A site path (url_for's, site_path's) as an address that works from a mail: at BASE_URL's scheme
    and host, never the Host header's."""
    if link.startswith(("https://", "http://")):
        return link
    base = urlsplit(current_app.config["BASE_URL"])
    return f"{base.scheme or 'https'}://{base.netloc}/{link.lstrip('/')}"


def render_mail(
    template: str, context: dict, user: User | None, language: str | None = None
) -> tuple[str, str]:
    """(subject, text) of templates/mail/<template>.txt in the reader's language (or in `language`)."""
    with force_locale(language) if language else in_language_of(user):
        module = current_app.jinja_env.get_template(f"mail/{template}.txt").make_module(
            {
                "site_name": current_app.config["SITE_NAME"],
                # the reader's time zone, for moment_in: their choice, else the site's
                "reader_zone": (user.timezone if user else None) or current_app.config["DEFAULT_TIMEZONE"],
                **context,
                "user": user,
            }
        )
        subject = " ".join(str(getattr(module, "subject", "")).split())
        return subject[:SUBJECT_MAX], str(module).strip() + "\n"


def _footer(user: User, name: str) -> tuple[str, str]:
    url = unsubscribe_url(user, name)
    with in_language_of(user):
        module = current_app.jinja_env.get_template("mail/_footer.txt").make_module(
            {
                "event_label": str(event_spec(name).label) if name != DIGEST else None,
                "unsubscribe_url": url,
                "preferences_url": external_url("notifications.preferences"),
                "site_name": current_app.config["SITE_NAME"],
            }
        )
        return str(module).strip(), url


def account_mail(template: str, context: dict, user: User) -> tuple[str, str, str]:
    """(subject, text, language) of an account mail (welcome, password): in the user's language, or, for
    someone who has not chosen one, in the language of the page that asked for it."""
    language = babel_locale_of(user) if user.locale or not has_request_context() else str(get_locale())
    return (*render_mail(template, context, user, language), language)


def send_account_mail(template: str, context: dict, user: User) -> None:
    """An always-on account mail from the same multipart templates as notifications; no unsubscribe."""
    subject, text, language = account_mail(template, context, user)
    send_mail(user.email, subject, text, html=True, lang=language)


# --- notify ------------------------------------------------------------------------------------------


def already_told(name: str, key: str, user_ids: list[int]) -> set[int]:
    """Who has the notification already (a quick check; the unique constraint is the guarantee)."""
    told = set()
    for start in range(0, len(user_ids), 500):
        told.update(
            db.session.scalars(
                select(Notification.user_id).where(
                    Notification.event == name,
                    Notification.key == key,
                    Notification.user_id.in_(user_ids[start : start + 500]),
                )
            )
        )
    return told


def _insert_ignoring_duplicates():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Notification)


def notify(
    event: str,
    recipients: Iterable[User],
    *,
    template: str,
    context: dict,
    link: str,
    key: str,
) -> list[User]:
    """Tell each recipient once for (event, user, key); returns the users told now (not before).

    For each new one: an in-app notification (unread count +1), and by their preference for the event
    a mail (queued, sent after the caller's commit, retried), a place in the daily digest, or nothing
    more. Inactive users and users who turned the event off get nothing. Never commits."""
    name = event
    spec = event_spec(name)
    users = list({user.id: user for user in recipients if user is not None and user.active}.values())
    if not users:
        return []
    key = str(key)[:200]
    ids = [user.id for user in users]
    told = already_told(name, key, ids)
    channels = channels_for(name, [uid for uid in ids if uid not in told])
    fresh = [user for user in users if user.id in channels and channels[user.id] != "off"]
    if not fresh:
        return []

    now, rows, mails = utcnow(), [], {}
    for user in fresh:
        channel = channels[user.id]
        subject, text = render_mail(template, {**context, "link": absolute(link)}, user)
        if channel in ("mail", "digest"):
            footer, url = _footer(user, name)
            mails[user.id] = (subject, f"{text}\n-- \n{footer}\n", url)
        rows.append(
            {
                "user_id": user.id,
                "event": name,
                "key": key,
                "subject": subject or str(spec.label),
                "link": link,
                "created_at": now,
                "digest_pending": channel == "digest",
                "digest_text": text[:DIGEST_TEXT_MAX] if channel == "digest" else None,
            }
        )
    # ON CONFLICT DO NOTHING: a twin job that told someone between our check and now wins, quietly.
    inserted = set(
        db.session.scalars(
            _insert_ignoring_duplicates().on_conflict_do_nothing().returning(Notification.user_id),
            rows,
        )
    )
    if not inserted:
        return []
    db.session.execute(
        update(User)
        .where(User.id.in_(inserted))
        .values(unread_notifications=User.unread_notifications + 1)
        .execution_options(synchronize_session=False)
    )
    for user in fresh:
        if user.id in inserted and channels[user.id] == "mail":
            subject, body, url = mails[user.id]
            send_mail(
                user.email,
                subject,
                body,
                html=True,
                headers=unsubscribe_headers(url),
                lang=babel_locale_of(user),
            )
    return [user for user in fresh if user.id in inserted]


# --- the in-app list ----------------------------------------------------------------------------------


def count_unread(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def refresh_unread(user: User) -> None:
    """Set the header's cached count from the rows (it is kept by +1 / -n, this makes it exact again)."""
    count = count_unread(user)
    if user.unread_notifications != count:
        user.unread_notifications = count


def mark_read(user: User, notification: Notification) -> None:
    if notification.user_id != user.id:
        raise PermissionError("not this user's notification")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
        refresh_unread(user)


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    user.unread_notifications = 0
    return result.rowcount


def forget_user_preferences(user: User) -> None:
    db.session.execute(delete(NotificationPreference).where(NotificationPreference.user_id == user.id))


# --- the daily digest ---------------------------------------------------------------------------------


def send_digests() -> int:
    """One mail per user gathering their notifications waiting for the digest; each is taken out of the
    digest in the same transaction that queues the mail, so running twice sends once. Never commits."""
    pending = db.session.scalars(
        select(Notification)
        .where(Notification.digest_pending.is_(True))
        .order_by(Notification.user_id, Notification.created_at, Notification.id)
    ).all()
    by_user: dict[int, list[Notification]] = {}
    for item in pending:
        by_user.setdefault(item.user_id, []).append(item)
    if not by_user:
        return 0
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(by_user))))}
    sent = 0
    for user_id, items in by_user.items():
        user = users.get(user_id)
        for item in items:
            item.digest_pending = False
        if user is None or not user.active:
            continue
        subject, text = render_mail(
            "digest",
            {
                "items": [
                    {"subject": i.subject, "text": i.digest_text or "", "link": absolute(i.link)}
                    for i in items
                ]
            },
            user,
        )
        footer, url = _footer(user, DIGEST)
        send_mail(
            user.email,
            subject,
            f"{text}\n-- \n{footer}\n",
            html=True,
            headers=unsubscribe_headers(url),
            lang=babel_locale_of(user),
        )
        for item in items:
            item.digest_text = None
        sent += 1
    db.session.flush()
    return sent
