"""Issue 10's security findings, each with the attack that worked before and must fail now."""

import email
import email.policy
import re
from pathlib import Path

import pytest
from flask import abort
from sqlalchemy import select

from lms.auth import throttle
from lms.auth.models import LoginSession, User
from lms.auth.services import make_reset_token
from lms.db import db
from lms.links import trusted_hosts
from tests.conftest import CSRF_RE, PASSWORD, app_with_tables, csrf_token, login, make_test_app

BASE_URL = "https://lms.example.org"


def _mails(app) -> list[email.message.EmailMessage]:
    paths = sorted((Path(app.instance_path) / "outbox").glob("*.eml"))
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in paths]


def _logout(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


# --- 1. links from LMS_BASE_URL, untrusted hosts refused -----------------------------------------------


def test_reset_link_is_built_from_base_url_not_the_host_header(app, client, create_user):
    app.config.update(BASE_URL=BASE_URL, TRUSTED_HOSTS=[*app.config["TRUSTED_HOSTS"], "alias.example"])
    user = create_user()
    alias = "http://alias.example"  # a host the site answers to, but not its public address
    page = client.get("/password/forgot", base_url=alias).get_data(as_text=True)
    client.post(
        "/password/forgot",
        base_url=alias,
        data={"email": user.email, "csrf_token": CSRF_RE.search(page).group(1)},
    )
    (mail,) = _mails(app)
    body = mail.get_body(("plain",)).get_content()
    assert f"{BASE_URL}/password/reset/" in body and "alias.example" not in body


def test_requests_for_an_untrusted_host_are_refused_and_send_nothing(app, client, create_user):
    user = create_user()
    token = csrf_token(client, "/password/forgot")
    response = client.post(
        "/password/forgot",
        headers={"Host": "evil.example"},
        data={"email": user.email, "csrf_token": token},
    )
    assert response.status_code == 400
    assert app.config["BASE_URL"] in response.get_data(as_text=True)  # the operator learns where the site is
    assert _mails(app) == []
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "localhost:8080"}).status_code == 200  # the machine's own name


def test_trusted_hosts_come_from_base_url_and_configuration(tmp_path, monkeypatch):
    config = {"BASE_URL": "https://lms.example.org:8443/", "TRUSTED_HOSTS": "192.168.1.20, .partner.example"}
    assert trusted_hosts(config) == [
        "lms.example.org",
        "localhost",
        "127.0.0.1",
        "::1",
        "192.168.1.20",
        ".partner.example",
    ]
    monkeypatch.setenv("LMS_TRUSTED_HOSTS", '["10.0.0.5"]')
    app = make_test_app(f"sqlite:///{tmp_path / 'x.sqlite'}", tmp_path / "instance")
    assert "10.0.0.5" in app.config["TRUSTED_HOSTS"] and "127.0.0.1" in app.config["TRUSTED_HOSTS"]


def test_badge_and_check_in_qr_links_use_base_url(app, client, login_as, create_course, monkeypatch):
    from datetime import timedelta

    from lms.certificates.services import issue
    from lms.classroom.models import ClassSession, Cohort, Programme
    from lms.db import utcnow

    app.config["BASE_URL"] = BASE_URL
    trainer = login_as("trainer")
    course = create_course(trainer=trainer)
    certificate = issue(course, trainer, utcnow().date(), None)
    cohort = Cohort(programme=Programme(title="P", courses=[course]), name="C", trainers=[trainer])
    session = ClassSession(cohort=cohort, starts_at=utcnow() - timedelta(minutes=5), minutes=60)
    db.session.add(session)
    db.session.commit()
    # The requests come to http://localhost: the links must still say BASE_URL.
    badge = client.get(f"/verify/{certificate.code}.json").get_json()
    assert badge["id"] == f"{BASE_URL}/verify/{certificate.code}.json"
    assert badge["issuer"]["id"] == f"{BASE_URL}/"
    encoded = []
    monkeypatch.setattr("lms.classroom.views.qr_svg", lambda text: encoded.append(text) or "")
    screen = client.get(f"/classroom/sessions/{session.id}/screen")
    assert f"open {BASE_URL}/classroom/check-in and type" in screen.get_data(as_text=True)
    assert encoded[0].startswith(f"{BASE_URL}/classroom/check-in?session={session.id}&code=")


# --- 2. sessions end on logout, password change and reset; log out other devices ------------------------


def _cookie(client, name):
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def _replay(app, cookies: dict):
    """A new browser that carries copies of the given cookies."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def test_a_replayed_session_cookie_stops_working_after_logout(app, client, create_user):
    user = create_user()
    login(client, user.email)
    stolen = {"session": _cookie(client, "session")}
    assert _replay(app, stolen).get("/profile").status_code == 200
    _logout(client)
    assert _replay(app, stolen).get("/profile").status_code == 302  # sent to the login page


def test_remember_me_cookie_stops_working_after_a_password_change(app, client, create_user):
    user = create_user()
    phone = app.test_client()
    phone.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "remember": "y", "csrf_token": csrf_token(phone)},
    )
    remembered = {"remember_token": _cookie(phone, "remember_token")}
    assert remembered["remember_token"]
    assert _replay(app, remembered).get("/profile").status_code == 200  # the cookie alone logs in
    login(client, user.email)
    response = client.post(
        "/password",
        data={
            "current": PASSWORD,
            "password": "a new long password",
            "confirm": "a new long password",
            "csrf_token": csrf_token(client, "/password"),
        },
    )
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200  # the device that changed it stays logged in
    assert _replay(app, remembered).get("/profile").status_code == 302
    assert phone.get("/profile").status_code == 302


def test_a_password_reset_ends_every_session(app, client, create_user):
    user = create_user()
    login(client, user.email)
    stolen = {"session": _cookie(client, "session")}
    link = f"/password/reset/{make_reset_token(user)}"
    visitor = app.test_client()
    response = visitor.post(
        link,
        data={
            "password": "brand new password",
            "confirm": "brand new password",
            "csrf_token": csrf_token(visitor, link),
        },
    )
    assert response.status_code == 302
    assert _replay(app, stolen).get("/profile").status_code == 302
    assert client.get("/profile").status_code == 302


def test_log_out_other_devices_from_the_profile(app, client, create_user):
    user = create_user()
    laptop = app.test_client()
    login(laptop, user.email)
    login(client, user.email)
    page = client.get("/profile").get_data(as_text=True)
    assert "1 other device" in page
    response = client.post("/profile/log-out-others", data={"csrf_token": csrf_token(client, "/profile")})
    assert response.status_code == 302
    assert laptop.get("/profile").status_code == 302
    assert client.get("/profile").status_code == 200
    assert "not logged in anywhere else" in client.get("/profile").get_data(as_text=True)


@pytest.mark.parametrize("change", [{"role": "trainer"}, {"active": ""}])
def test_role_change_and_suspension_end_the_users_sessions(app, client, create_user, change):
    user = create_user()
    phone = app.test_client()
    login(phone, user.email)
    login(client, create_user("coordinator").email)
    form = {"name": user.name, "role": "trainee", "active": "y", "locale": "en", "timezone": "UTC"}
    form.update(change)
    form = {key: value for key, value in form.items() if value}
    url = f"/admin/users/{user.id}"
    response = client.post(url, data={**form, "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert phone.get("/profile").status_code == 302
    assert db.session.scalar(select(LoginSession).where(LoginSession.user_id == user.id)) is None


def test_cookies_from_before_login_sessions_are_refused(app, client, create_user):
    """A session that names a bare user id (what the old code wrote) no longer logs anyone in."""
    user = create_user()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert client.get("/profile").status_code == 302


# --- 6. wrong passwords slow guessing down without locking the owner out ---------------------------------


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, moved by hand."""
    now = [1_900_000_000.0]
    monkeypatch.setattr(throttle, "_clock", lambda: now[0])
    return now


def test_a_known_device_logs_in_while_someone_guesses(app, client, create_user, clock):
    user = create_user()
    phone = app.test_client()
    assert login(phone, user.email).status_code == 302  # the owner's phone has logged in before
    _logout(phone)
    attacker = app.test_client()
    statuses = [login(attacker, user.email, f"guess {n}").status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]
    assert login(attacker, user.email).status_code == 429  # even the right password waits
    assert login(client, user.email).status_code == 429  # so does any new browser
    assert login(phone, user.email).status_code == 302  # the owner is not locked out
    # The owner was told, once, in their language.
    (warning,) = [m for m in _mails(app) if "Wrong passwords" in m["Subject"]]
    assert warning["To"] == user.email


def test_after_the_delay_the_right_password_works_and_delays_grow(app, client, create_user, clock):
    user = create_user()
    for n in range(5):
        assert login(client, user.email, f"guess {n}").status_code == 401
    response = login(client, user.email)
    assert response.status_code == 429 and "Try again in 1 minute," in response.get_data(as_text=True)
    clock[0] += 61
    assert login(client, user.email, "guess 6").status_code == 401  # checked again after the wait
    assert throttle_wait(app, client, user.email) == 120  # the next wait is longer
    clock[0] += 121
    assert login(client, user.email).status_code == 302


def throttle_wait(app, client, email_address) -> int:
    with app.test_request_context("/login"):
        return throttle.wait_seconds(email_address)


def test_unknown_addresses_are_slowed_down_the_same_way(app, client, clock):
    statuses = [login(client, "nobody@example.org", f"guess {n}").status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]
    assert _mails(app) == []


# --- 7. behind a TLS proxy -----------------------------------------------------------------------------


@pytest.fixture
def proxied_app(database_url, tmp_path):
    config = {"PROXY_COUNT": 1, "LOGIN_RATE_LIMIT_IP": "2 per minute"}
    yield from app_with_tables(database_url, tmp_path / "instance", **config)


def test_behind_a_proxy_https_is_seen_and_hsts_sent(proxied_app):
    client = proxied_app.test_client()
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_without_a_configured_proxy_forwarded_headers_are_ignored(client):
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_behind_a_proxy_rate_limits_key_on_the_real_client(proxied_app):
    client = proxied_app.test_client()

    def attempt(address, n):
        return client.post(
            "/login",
            headers={"X-Forwarded-For": address},
            data={"email": f"user{n}@example.org", "password": "x", "csrf_token": csrf_token(client)},
        ).status_code

    assert [attempt("198.51.100.7", n) for n in range(3)] == [401, 401, 429]
    assert attempt("203.0.113.9", 9) == 401  # another trainee behind the same proxy is not blocked


# --- 8. registration reveals no accounts ---------------------------------------------------------------


def _registration(client, email_address):
    return client.post(
        "/register",
        data={
            "name": "Петър Иванов",
            "email": email_address,
            "locale": "bg",
            "timezone": "Europe/Sofia",
            "csrf_token": csrf_token(client, "/register"),
        },
    )


def test_registration_answers_the_same_for_new_and_taken_addresses(app, create_user):
    owner = create_user(email="taken@example.org", name="Owner Name", locale="el")
    answers = []
    for address in ("TAKEN@example.org", "new@example.org"):
        visitor = app.test_client()
        response = _registration(visitor, address)
        page = visitor.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.status_code, response.headers["Location"], "We sent a message" in page))
    assert answers[0] == answers[1] == (302, "/login", True)
    assert db.session.scalar(select(User).where(User.email == "new@example.org")) is None
    assert db.session.get(User, owner.id).name == "Owner Name"  # nothing changed for the owner
    to_new, to_owner = sorted(_mails(app), key=lambda mail: mail["To"])
    assert (
        to_owner["To"] == "taken@example.org"
        and "/password/forgot" in to_owner.get_body(("plain",)).get_content()
    )
    assert "/register/" not in to_owner.get_body(("plain",)).get_content()
    assert to_new["To"] == "new@example.org" and "/register/" in to_new.get_body(("plain",)).get_content()


def test_a_registration_link_creates_the_account_once(app, client):
    _registration(client, "petar@example.bg")
    (mail,) = _mails(app)
    link = re.search(r"https?://[^/\s]+(/register/\S+)", mail.get_body(("plain",)).get_content()).group(1)
    data = {"password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf_token(client, link)}
    assert client.post(link, data=data).status_code == 302
    user = db.session.scalar(User.by_email("petar@example.bg"))
    assert (user.name, user.locale, user.timezone) == ("Петър Иванов", "bg", "Europe/Sofia")
    again = app.test_client()
    assert again.get(link).status_code == 302  # the account exists: log in instead
    assert client.get("/register/forged-token").status_code == 400


# --- 9. every HTTP error keeps its status --------------------------------------------------------------


@pytest.fixture
def production_app(database_url, tmp_path):
    """TESTING off: the catch-all handler for unexpected exceptions is installed, as in production."""
    config = {"TESTING": False, "SESSION_COOKIE_SECURE": False}
    app_tables = app_with_tables(database_url, tmp_path / "instance", **config)
    app = next(app_tables)
    app.add_url_rule("/test-abort/<int:code>", "test_abort", lambda code: abort(code))  # errors on demand
    yield app
    next(app_tables, None)


@pytest.mark.parametrize("code", [400, 403, 404, 405, 409, 410, 413, 415, 422, 429, 451, 501, 503])
def test_every_http_error_keeps_its_status_and_has_a_page(production_app, code):
    response = production_app.test_client().get(f"/test-abort/{code}")
    assert response.status_code == code
    assert 'class="site-header"' in response.get_data(as_text=True)


def test_owner_downloading_a_revoked_certificate_gets_410(production_app):
    from lms.auth.services import create_user
    from lms.certificates.services import issue, revoke
    from lms.courses.services import create_course
    from lms.db import utcnow

    with production_app.app_context():
        owner = create_user("owner@example.org", "Owner", PASSWORD)
        coordinator = create_user("coord@example.org", "Coordinator", PASSWORD, role="coordinator")
        course = create_course(coordinator, slug="c", title="C", summary="", hours=1, published=True)
        certificate = issue(course, owner, utcnow().date(), None)
        revoke(certificate, "issued by mistake", coordinator)
        db.session.commit()
        certificate_id = certificate.id
    client = production_app.test_client()
    assert login(client, "owner@example.org").status_code == 302
    response = client.get(f"/certificates/{certificate_id}.pdf")
    assert response.status_code == 410
    assert "No longer available" in response.get_data(as_text=True)


# --- 10. common and breached-looking passwords are refused ---------------------------------------------


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaa", "repeats the same characters"),
        ("1234567890", "most common passwords"),
        ("qwertyuiop", "most common passwords"),
        ("password2024", "most common passwords"),
        ("zxcvbnm,./", "row or pattern of keys"),
        ("stojanovska", "your name or e-mail address"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(client, login_as, password, reason):
    login_as("trainee", name="Марија Stojanovska")
    response = client.post(
        "/password",
        data={
            "current": PASSWORD,
            "password": password,
            "confirm": password,
            "csrf_token": csrf_token(client, "/password"),
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "too easy to guess" in page and reason in page


def test_the_password_field_explains_what_is_strong(client):
    link = f"/register/{_registration_token()}"
    page = client.get(link).get_data(as_text=True)
    assert "not a common password" in page and "short sentence of unrelated words" in page


def _registration_token():
    from lms.auth.services import make_registration_token

    return make_registration_token({"email": "x@example.org", "name": "X"})


def test_cli_refuses_weak_passwords(runner, tmp_path):
    secret = tmp_path / "pw.txt"
    secret.write_text("aaaaaaaaaaaa\n", encoding="utf-8")
    args = ["users", "create", "--email", "weak@example.org", "--name", "W", "--password-file", str(secret)]
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and "too easy to guess" in result.output
    assert db.session.scalar(User.by_email("weak@example.org")) is None


# --- 11. the calendar feed's address can be replaced ---------------------------------------------------


def _new_feed(client) -> str:
    page = client.post("/classroom/calendar/new", data={"csrf_token": csrf_token(client, "/profile")})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    url = re.search(r'class="feed-url"[^>]*>([^<]+\.ics)</textarea>', page.get_data(as_text=True)).group(1)
    return url


def test_calendar_feed_address_is_random_stored_hashed_and_replaceable(app, client, login_as):
    user = login_as("trainee")
    assert "Make my calendar address" in client.get("/profile").get_data(as_text=True)
    first = _new_feed(client)
    assert first.startswith(app.config["BASE_URL"] + "/classroom/calendar/")
    token = first.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 40
    stored = db.session.get(User, user.id).calendar_token_hash
    assert stored and token not in stored  # only a hash is kept
    path = first.removeprefix(app.config["BASE_URL"])
    assert app.test_client().get(path).status_code == 200
    second = _new_feed(client)
    assert second != first
    assert app.test_client().get(path).status_code == 404  # the old address stops working
    assert app.test_client().get(second.removeprefix(app.config["BASE_URL"])).status_code == 200
