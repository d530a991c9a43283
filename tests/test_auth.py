import email
import email.policy
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.auth.services import make_reset_token
from lms.db import db
from tests.conftest import PASSWORD, REDIS_URL, csrf_token, login, make_test_app


def _count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_login_and_logout(client, create_user):
    user = create_user("trainee", name="Ελένη Παπαδοπούλου")
    response = login(client, user.email.upper())  # e-mail is case-insensitive
    assert response.status_code == 302
    assert "Ελένη Παπαδοπούλου" in client.get("/").get_data(as_text=True)
    assert db.session.get(User, user.id).last_login_at is not None
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert "Ελένη" not in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_email_get_the_same_message(client, create_user):
    user = create_user()
    wrong = login(client, user.email, "not the password")
    unknown = login(client, "nobody@example.org")
    assert wrong.status_code == unknown.status_code == 401
    message = "Wrong e-mail or password"
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_suspended_account_cannot_log_in(client, create_user):
    user = create_user()
    user.active = False
    db.session.commit()
    assert login(client, user.email).status_code == 401


def test_logout_is_post_only(client):
    assert client.get("/logout").status_code == 405


def test_form_without_csrf_token_is_refused_and_changes_nothing(client):
    before = _count_users()
    response = client.post(
        "/register",
        data={
            "name": "X",
            "email": "x@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "locale": "en",
            "timezone": "UTC",
        },
    )
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert _count_users() == before


def test_next_parameter_only_accepts_local_paths(client, create_user):
    user = create_user()
    for target, expected in [
        ("/profile", "/profile"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ]:
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        response = client.post(
            f"/login?next={target}",
            data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == expected, target


def _register(client, **overrides):
    data = {
        "name": "Марија Стојановска",
        "email": "Marija@Example.org",
        "locale": "mk",
        "timezone": "Europe/Skopje",
        "country": "MK",
        "nace_section": "I",
        "size_class": "micro",
        "enterprise_name": "Охридски бисер ДООЕЛ",
        "gender": "female",
        "csrf_token": csrf_token(client, "/register"),
    }
    data.update(overrides)
    return client.post("/register", data=data)


def _mail_bodies(app) -> list[str]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        .get_body(("plain",))
        .get_content()
        for path in _outbox(app)
    ]


def test_self_registration_creates_a_trainee_with_unicode_profile(app, client):
    response = _register(client)
    assert response.status_code == 302
    assert db.session.scalar(User.by_email("marija@example.org")) is None  # not before the link
    (body,) = _mail_bodies(app)
    link = re.search(r"https?://[^/\s]+(/register/\S+)", body).group(1)
    assert client.get(link).status_code == 200
    response = client.post(
        link, data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf_token(client, link)}
    )
    assert response.status_code == 302
    assert "Марија Стојановска" in client.get("/").get_data(as_text=True)  # logged in
    user = db.session.scalar(User.by_email("marija@example.org"))
    assert user.check_password(PASSWORD)
    assert user.name == "Марија Стојановска" and user.role == "trainee"
    assert (user.email, user.country, user.locale, user.organisation) == (
        "marija@example.org",
        "MK",
        "mk",
        "Охридски бисер ДООЕЛ",
    )
    enterprise = user.enterprise
    assert (enterprise.country, enterprise.nace_section, enterprise.size_class) == ("MK", "I", "micro")
    assert enterprise.name_latin == "Okhridski biser DOOEL"


def test_overlong_name_is_refused_and_typed_values_are_kept(client):
    response = _register(client, name="Ж" * 500, enterprise_name="Keep me")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Field cannot be longer than 120 characters" in page
    assert 'value="Keep me"' in page
    assert _count_users() == 0


def test_registration_can_be_closed_by_coordinator(client, login_as):
    login_as("coordinator")
    response = client.post("/admin/settings", data={"csrf_token": csrf_token(client, "/admin/settings")})
    assert response.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    response = _register(client, email="late@example.org")
    assert response.status_code == 403
    assert db.session.scalar(User.by_email("late@example.org")) is None
    assert "Create an account" not in client.get("/login").get_data(as_text=True)


def test_change_password_needs_the_current_one(client, login_as):
    user = login_as("trainee")
    token = csrf_token(client, "/password")
    bad = client.post(
        "/password",
        data={
            "current": "wrong",
            "password": "a new long password",
            "confirm": "a new long password",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 400 and db.session.get(User, user.id).check_password(PASSWORD)
    good = client.post(
        "/password",
        data={
            "current": PASSWORD,
            "password": "a new long password",
            "confirm": "a new long password",
            "csrf_token": token,
        },
    )
    assert good.status_code == 302
    assert db.session.get(User, user.id).check_password("a new long password")


def _outbox(app) -> list[Path]:
    return sorted((Path(app.instance_path) / "outbox").glob("*.eml"))


def test_password_reset_by_mail_link(app, client, create_user):
    user = create_user()
    response = client.post(
        "/password/forgot", data={"email": user.email, "csrf_token": csrf_token(client, "/password/forgot")}
    )
    assert response.status_code == 302
    (mail,) = _outbox(app)
    body = (
        email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
        .get_body(("plain",))
        .get_content()
    )
    link = re.search(rf"{app.config['BASE_URL']}(/password/reset/\S+)", body).group(1)
    page = client.get(link)
    assert page.status_code == 200
    response = client.post(
        link,
        data={
            "password": "brand new password",
            "confirm": "brand new password",
            "csrf_token": csrf_token(client, link),
        },
    )
    assert response.status_code == 302
    assert db.session.get(User, user.id).check_password("brand new password")
    # The link is single-use: the password it was made for is gone.
    assert client.get(link).status_code == 400


def test_forgot_password_for_unknown_email_says_the_same_and_sends_nothing(app, client):
    response = client.post(
        "/password/forgot",
        data={"email": "nobody@example.org", "csrf_token": csrf_token(client, "/password/forgot")},
        follow_redirects=True,
    )
    assert "If an account exists" in response.get_data(as_text=True)
    assert _outbox(app) == []


def test_forged_and_expired_reset_tokens_are_refused(app, client, create_user):
    user = create_user()
    token = make_reset_token(user)
    forged = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    assert client.get(f"/password/reset/{forged}").status_code == 400
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 400
    assert "not valid or has expired" in response.get_data(as_text=True)
    response = client.post(
        f"/password/reset/{token}",
        data={
            "password": "brand new password",
            "confirm": "brand new password",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 400
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_successful_logins_do_not_count_towards_the_limit(client, create_user):
    user = create_user()
    for _ in range(8):  # a classroom behind one address, or one person on many devices
        assert login(client, user.email).status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, user.email, "wrong").status_code == 401


def test_login_rate_limit_per_ip_covers_many_accounts(app, client):
    app.config["LOGIN_RATE_LIMIT_IP"] = "3 per minute"
    statuses = [login(client, f"user{n}@example.org", "wrong").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]


@pytest.mark.real_password_hashing
def test_passwords_are_hashed_with_argon2id_at_owasp_parameters(create_user):
    user = create_user()
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


@pytest.mark.real_password_hashing
@pytest.mark.parametrize("legacy", ["scrypt", "pbkdf2:sha256:600000", "argon2id-weaker"])
def test_an_older_hash_still_logs_in_and_is_upgraded_on_that_login(client, create_user, legacy):
    from argon2 import PasswordHasher
    from werkzeug.security import generate_password_hash

    user = create_user()
    if legacy == "argon2id-weaker":
        old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    else:
        old = generate_password_hash(PASSWORD, method=legacy)
    user.password_hash = old
    db.session.commit()
    assert login(client, user.email, "wrong password").status_code == 401
    assert db.session.get(User, user.id).password_hash == old  # a failed login changes nothing
    assert login(client, user.email).status_code == 302
    upgraded = db.session.get(User, user.id).password_hash
    assert upgraded.startswith("$argon2id$v=19$m=19456,t=2,p=1$") and upgraded != old
    assert db.session.get(User, user.id).check_password(PASSWORD)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, user.email).status_code == 302
    assert db.session.get(User, user.id).password_hash == upgraded  # an up-to-date hash is kept


def test_profile_edit_keeps_unicode(client, login_as):
    user = login_as("trainee")
    response = client.post(
        "/profile",
        data={
            "name": "Ђорђе Петровић",
            "locale": "sr",
            "timezone": "Europe/Belgrade",
            "country": "RS",
            "csrf_token": csrf_token(client, "/profile"),
        },
    )
    assert response.status_code == 302
    user = db.session.get(User, user.id)
    assert (user.name, user.locale, user.country) == ("Ђорђе Петровић", "sr", "RS")


def test_login_rate_limit_is_shared_through_redis(database_url, tmp_path, create_user):
    """Two app processes (here: two app objects) count attempts together when Redis holds the counters."""
    if not REDIS_URL:
        pytest.skip(
            "LMS_TEST_REDIS_URL is not set: no Redis server to test against "
            "(apt-get install redis-server, then set it as the README says)"
        )
    user = create_user(email=f"{uuid.uuid4().hex}@example.org")  # counters in Redis outlive the test
    config = {"RATELIMIT_STORAGE_URI": REDIS_URL, "LOGIN_RATE_LIMIT_IP": "1000 per minute"}
    workers = [make_test_app(database_url, tmp_path / "instance", **config) for _ in range(2)]
    clients = [worker.test_client() for worker in workers]
    statuses = [login(clients[n % 2], user.email, "wrong").status_code for n in range(6)]
    for worker in workers:
        with worker.app_context():
            db.engine.dispose()
    assert statuses == [401] * 5 + [429]


def _mail_parts(path: Path):
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return message, message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_the_reset_mail_comes_from_its_template_in_the_readers_language_with_an_html_part(
    app, client, create_user
):
    user = create_user(name="Марија", locale="mk")
    client.post(
        "/password/forgot", data={"email": user.email, "csrf_token": csrf_token(client, "/password/forgot")}
    )
    message, text, html = _mail_parts(_outbox(app)[0])
    assert message["Subject"] == "Поставување нова лозинка"
    assert text.startswith("Добар ден, Марија,\n\nза да поставите нова лозинка за SME e-Classroom")
    link = re.search(r"https?://\S+/password/reset/\S+", text).group(0)
    assert f'href="{link}"' in html and 'lang="mk"' in html


def test_a_reset_for_someone_who_chose_no_language_is_in_the_language_of_the_page(app, client, create_user):
    user = create_user()
    user.locale = None
    db.session.commit()
    client.post("/language", data={"locale": "el", "csrf_token": csrf_token(client, "/")})
    client.post(
        "/password/forgot", data={"email": user.email, "csrf_token": csrf_token(client, "/password/forgot")}
    )
    _message, text, html = _mail_parts(_outbox(app)[0])
    assert "νέο κωδικό πρόσβασης" in text and 'lang="el"' in html
