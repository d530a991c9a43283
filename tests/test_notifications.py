"""The notification service: told once per (event, user, key), in-app and by the user's choice of
channel, mail multipart in the reader's language with one-click unsubscribe (RFC 8058)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.classroom import services as classroom
from lms.classroom.models import ClassSession, Cohort, Programme
from lms.db import db, utcnow
from lms.notifications import notify
from lms.notifications import services as notifications
from lms.notifications.models import Notification
from tests.conftest import csrf_token, login
from tests.test_jobs import outbox


@pytest.fixture
def people(create_user):
    return [
        create_user(name="Ελένη Παπαδοπούλου", email="eleni@example.org", locale="el"),
        create_user(name="Marko Petrović", email="marko@example.org", locale="en"),
    ]


@pytest.fixture
def session_soon(people):
    cohort = Cohort(
        programme=Programme(title="SME Digital Skills", timezone="Europe/Skopje"),
        name="Serres spring group",
        timezone="Europe/Athens",
    )
    db.session.add(cohort)
    for user in people:
        classroom.add_member(cohort, user)
    session = ClassSession(
        cohort=cohort, starts_at=utcnow() + timedelta(hours=5), topic="Local SEO", place="Room 2"
    )
    db.session.add(session)
    db.session.commit()
    return session


def _remind(session, users, key="k1"):
    from lms.classroom.tasks import session_context

    return notify(
        "session.reminder",
        users,
        template="session_reminder",
        context={**session_context(session), "soon": False},
        link="/classroom/",
        key=key,
    )


def test_notify_tells_each_user_once_per_key_and_never_commits(app, people, session_soon):
    told = _remind(session_soon, people)
    assert {u.email for u in told} == {"eleni@example.org", "marko@example.org"}
    assert outbox(app) == []  # mail leaves with the caller's commit, not before
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0

    _remind(session_soon, people)
    db.session.commit()
    assert _remind(session_soon, people) == []  # the same key again: nothing
    db.session.commit()
    assert len(outbox(app)) == 2
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
    assert [u.unread_notifications for u in db.session.scalars(select(User).order_by(User.id))] == [1, 1]
    assert len(_remind(session_soon, people, key="k2")) == 2  # another key is another notification


def test_mail_is_multipart_in_the_readers_language_with_one_click_unsubscribe(app, people, session_soon):
    app.config["BASE_URL"] = "https://lms.example.org"
    _remind(session_soon, people)
    db.session.commit()
    mails = {mail["To"]: mail for mail in outbox(app)}
    greek = mails["eleni@example.org"]
    assert greek["Subject"] != mails["marko@example.org"]["Subject"]
    assert greek.get_content_type() == "multipart/alternative"
    text = greek.get_body(("plain",)).get_content()
    html = greek.get_body(("html",)).get_content()
    assert "Local SEO" in text and "Room 2" in text and "Europe/Skopje" in text
    assert "Γεια σας" in text or "Ελένη" in text
    assert "Local SEO" in html and "<p>" in html and 'lang="el"' in html
    assert greek["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = greek["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://lms.example.org/notifications/unsubscribe/") and url in text

    # One click, no login, no CSRF token: that user's mail for that event stops.
    client = app.test_client()
    path = url.removeprefix("https://lms.example.org")
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    eleni, marko = people
    assert notifications.preferences(eleni)["session.reminder"] == "app"
    assert notifications.preferences(marko)["session.reminder"] == "mail"
    _remind(session_soon, people, key="k2")
    db.session.commit()
    assert [mail["To"] for mail in outbox(app)].count("eleni@example.org") == 1
    assert db.session.scalar(select(func.count()).where(Notification.user_id == eleni.id)) == 2
    assert client.post(path[:-3] + "xyz").status_code == 404  # a damaged token changes nothing


def test_preferences_choose_app_only_digest_or_off(app, client, people, session_soon):
    eleni, marko = people
    notifications.set_preference(eleni, "session.reminder", "off")
    with pytest.raises(ValueError):
        notifications.set_preference(marko, "session.reminder", "digest")  # not a digest event
    notifications.register_event("test.digestible", "Digestible", digest=True)
    notifications.set_preference(marko, "test.digestible", "digest")
    db.session.commit()
    assert [u.email for u in _remind(session_soon, people)] == ["marko@example.org"]
    told = notify(
        "test.digestible",
        people,
        template="session_reminder",
        context={"session": session_soon, "topic": "Digest me", "zone": "Europe/Athens", "soon": False},
        link="/classroom/",
        key="d1",
    )
    db.session.commit()
    assert len(told) == 2 and len(outbox(app)) == 2  # marko's reminder, eleni's digestible; not marko's
    assert notifications.send_digests() == 1
    db.session.commit()
    (digest,) = [
        mail
        for mail in outbox(app)
        if mail["To"] == "marko@example.org" and "Digest me" in mail.get_body(("plain",)).get_content()
    ]
    assert "List-Unsubscribe" in digest and "Local SEO" not in digest.get_body(("plain",)).get_content()
    assert notifications.send_digests() == 0  # a second run sends nothing


def test_the_header_shows_the_unread_count_and_the_page_marks_read(app, client, people, session_soon):
    eleni, _ = people
    _remind(session_soon, people)
    db.session.commit()
    login(client, eleni.email)
    page = client.get("/").get_data(as_text=True)
    assert 'class="badge"' in page and ">1</span>" in page
    page = client.get("/notifications/").get_data(as_text=True)
    (item,) = db.session.scalars(select(Notification).where(Notification.user_id == eleni.id))
    assert item.subject in page
    response = client.get(f"/notifications/{item.id}")
    assert response.status_code == 302 and response.headers["Location"] == "/classroom/"
    db.session.refresh(eleni)
    assert eleni.unread_notifications == 0 and item.read_at is not None
    assert 'class="badge"' not in client.get("/").get_data(as_text=True)
    token = csrf_token(client, "/notifications/")
    _remind(session_soon, people, key="k2")
    db.session.commit()
    client.post("/notifications/read-all", data={"csrf_token": token})
    db.session.refresh(eleni)
    assert eleni.unread_notifications == 0


def test_someone_elses_notification_is_not_found(app, client, people, session_soon):
    eleni, marko = people
    _remind(session_soon, people)
    db.session.commit()
    login(client, marko.email)
    other = db.session.scalar(select(Notification.id).where(Notification.user_id == eleni.id))
    assert client.get(f"/notifications/{other}").status_code == 404
    token = csrf_token(client, "/notifications/")
    assert client.post(f"/notifications/{other}/read", data={"csrf_token": token}).status_code == 404


def test_the_preferences_page_saves_a_choice_per_event(app, client, people):
    eleni, _ = people
    login(client, eleni.email)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert (
        'name="event_session__reminder"' in page and 'value="digest"' not in page.split("session__changed")[0]
    )
    token = csrf_token(client, "/notifications/preferences")
    data = {"csrf_token": token, "save": "1", "event_session__reminder": "off"}
    data |= {
        f"event_{name.replace('.', '__')}": "mail"
        for name in notifications.EVENTS
        if name != "session.reminder"
    }
    assert client.post("/notifications/preferences", data=data).status_code == 302
    assert notifications.preferences(eleni)["session.reminder"] == "off"
    data["event_session__reminder"] = "digest"  # not offered for this event
    assert client.post("/notifications/preferences", data=data).status_code == 400


def test_a_mail_that_cannot_be_sent_loses_nothing(app, people, session_soon, monkeypatch):
    """SMTP down: the caller's commit succeeds, the notification stays, the mail job retries then gives up."""
    import lms.mail

    tries = []

    def down(*args):
        tries.append(args)
        raise ConnectionRefusedError("SMTP server is down")

    monkeypatch.setattr(lms.mail, "_deliver", down)
    assert len(_remind(session_soon, people)) == 2
    db.session.commit()  # the action that caused the mail is kept whatever the mail server says
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
    assert len(tries) > 2 and outbox(app) == []  # tried again with back-off, for each mail
