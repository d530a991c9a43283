from pathlib import Path

from sqlalchemy import func, select

from lms.admin.models import AuditEntry
from lms.auth.models import User
from lms.db import db
from tests.conftest import csrf_token, login


def _edit(client, user, **changes):
    data = {
        "name": user.name,
        "role": user.role,
        "active": "y",
        "locale": "en",
        "timezone": "Europe/Athens",
        "csrf_token": csrf_token(client, f"/admin/users/{user.id}"),
    }
    data.update(changes)
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(f"/admin/users/{user.id}", data=data)


def test_coordinator_searches_users_by_unicode_name(client, login_as, create_user):
    login_as("coordinator")
    create_user(name="Ελένη Παπαδοπούλου")
    create_user(name="John Smith")
    page = client.get("/admin/users?q=ελένη").get_data(as_text=True)
    assert "Ελένη Παπαδοπούλου" in page and "John Smith" not in page


def test_role_change_and_suspension_are_audited(client, login_as, create_user):
    coordinator = login_as("coordinator")
    user = create_user("trainee", locale="en", timezone="Europe/Athens")
    assert _edit(client, user, role="trainer").status_code == 302
    assert _edit(client, user, role="trainer", active=None).status_code == 302
    user = db.session.get(User, user.id)
    assert user.role == "trainer" and not user.active
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.target, e.actor_id) for e in entries] == [
        ("user.role", user.email, coordinator.id),
        ("user.suspend", user.email, coordinator.id),
    ]
    assert entries[0].details == {"old": "trainee", "new": "trainer"}
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "user.suspend" in page and coordinator.name in page


def test_suspended_user_is_logged_out_on_next_request(app, create_user, login_as, client):
    user = create_user("trainee")
    other = app.test_client()
    assert login(other, user.email).status_code == 302
    login_as("coordinator")
    _edit(client, user, active=None)
    assert other.get("/profile").status_code == 302  # sent to the login page


def test_coordinator_cannot_demote_or_suspend_themselves(client, login_as):
    me = login_as("coordinator")
    response = _edit(client, me, role="trainee")
    assert response.status_code == 400
    assert db.session.get(User, me.id).role == "coordinator"


def test_forged_role_value_is_refused(client, login_as, create_user):
    login_as("coordinator")
    user = create_user()
    response = _edit(client, user, role="superuser")
    assert response.status_code == 400
    assert db.session.get(User, user.id).role == "trainee"


def test_coordinator_sends_a_reset_link(app, client, login_as, create_user):
    login_as("coordinator")
    user = create_user()
    response = client.post(
        f"/admin/users/{user.id}/reset-password",
        data={"csrf_token": csrf_token(client, f"/admin/users/{user.id}")},
    )
    assert response.status_code == 302
    outbox = list((Path(app.instance_path) / "outbox").glob("*.eml"))
    assert len(outbox) == 1 and user.email in outbox[0].read_text()
    assert db.session.scalar(select(AuditEntry.action)) == "user.reset_password"


def test_trainer_cannot_reach_admin_actions(client, login_as, create_user):
    login_as("trainer")
    user = create_user()
    response = client.post(
        f"/admin/users/{user.id}", data={"role": "coordinator", "csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 403
    assert db.session.get(User, user.id).role == "trainee"


def test_coordinator_adds_a_user_who_gets_a_link_to_choose_a_password(app, client, login_as):
    from tests.test_user_import import outbox

    login_as("coordinator")
    assert 'href="/admin/users/new"' in client.get("/admin/users").get_data(as_text=True)
    url = "/admin/users/new"
    form = {
        "email": "Nikos@Example.gr",
        "name": "Νίκος Αντωνίου",
        "role": "trainer",
        "enterprise_name": "Κτήμα ΑΕ",  # a new enterprise (issue 16)
        "locale": "el",
        "timezone": "Europe/Athens",
        "csrf_token": csrf_token(client, url),
    }
    response = client.post(url, data=form)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nikos@example.gr"))
    assert (user.name, user.role, user.organisation, user.password_hash) == (
        "Νίκος Αντωνίου",
        "trainer",
        "Κτήμα ΑΕ",
        None,
    )
    assert [mail["To"] for mail in outbox(app)] == ["nikos@example.gr"]
    again = client.post(url, data={**form, "name": "Someone else"})
    assert again.status_code == 400 and "An account with this e-mail already exists." in again.get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count()).select_from(User).where(User.name == "Someone else")) == 0
