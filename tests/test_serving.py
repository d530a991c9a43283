"""The classroom demo over the LAN: cookies that follow the request's scheme on the development server and
stay HTTPS-only in production, a clear page when a browser dropped an HTTPS-only cookie, and what `lms serve`
prints (tests/test_cli.py checks what `lms demo` prints)."""

import pytest

from lms import create_app, serving
from lms.db import db
from tests.conftest import CSRF_RE, PASSWORD, app_with_tables, make_test_app

LAN = "192.168.1.23"


@pytest.fixture
def production_app(tmp_path):
    """An app configured as under gunicorn: neither debug nor testing."""
    yield from app_with_tables(
        f"sqlite:///{tmp_path / 'prod.sqlite'}",
        tmp_path / "instance",
        TESTING=False,
        TRUSTED_HOSTS=[LAN, "lms.example.org"],
    )


def session_cookie(response, name="session"):
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert headers, f"no {name} cookie set"
    return headers[-1]


def log_in(app, base_url):
    """Log a new trainee in over base_url; the login response."""
    from lms.auth.services import create_user

    with app.app_context():
        create_user("lan@example.org", "Lan Trainee", PASSWORD)
        db.session.commit()
    client = app.test_client()
    token = csrf_token_at(client, base_url)
    return client.post(
        "/login",
        base_url=base_url,
        headers={"Referer": f"{base_url}/login"},  # Flask-WTF checks it over HTTPS
        data={"email": "lan@example.org", "password": PASSWORD, "remember": "y", "csrf_token": token},
    )


def csrf_token_at(client, base_url):
    return CSRF_RE.search(client.get("/login", base_url=base_url).get_data(as_text=True)).group(1)


def test_production_cookies_are_https_only_even_over_http(production_app):
    assert production_app.config["SESSION_COOKIE_SECURE"] is True
    response = production_app.test_client().get("/login", base_url="http://lms.example.org")
    assert "; Secure" in session_cookie(response)


@pytest.mark.parametrize(("scheme", "secure"), [("http", False), ("https", True)])
def test_auto_cookies_are_secure_exactly_over_https(production_app, scheme, secure):
    """What the development server uses: a phone at http://192.168.1.23:5000 keeps its session."""
    serving.prepare_dev_server(production_app, "127.0.0.1", 5400)
    assert production_app.config["SESSION_COOKIE_SECURE"] == "auto"
    response = log_in(production_app, f"{scheme}://{LAN}:5400")
    assert response.status_code == 302
    from lms.auth.throttle import DEVICE_COOKIE

    for name in ("session", "remember_token", DEVICE_COOKIE):
        assert ("; Secure" in session_cookie(response, name)) is secure, name


def test_an_administrators_choice_wins_over_the_development_server(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_SESSION_COOKIE_SECURE", "true")
    app = make_test_app(f"sqlite:///{tmp_path / 'x.sqlite'}", tmp_path, TESTING=False)
    serving.prepare_dev_server(app, "0.0.0.0", 5400)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_an_unknown_cookie_setting_is_refused_by_name(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_SESSION_COOKIE_SECURE", "yes")
    with pytest.raises(RuntimeError, match="SESSION_COOKIE_SECURE must be true, false or auto"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})


def test_a_dropped_https_only_cookie_is_explained_not_silent(production_app, caplog):
    """The browser kept no session over plain http (not localhost): the login form says why."""
    client = production_app.test_client()
    response = client.post(
        "/login",
        base_url=f"http://{LAN}:5000",
        data={"email": "x@example.org", "password": PASSWORD, "csrf_token": "whatever"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "only over a secure connection (https://)" in page and "LMS_SESSION_COOKIE_SECURE=auto" in page
    assert any("without the session cookie" in record.getMessage() for record in caplog.records)


def test_an_expired_form_over_https_keeps_the_usual_message(production_app):
    response = production_app.test_client().post(
        "/login", base_url="https://lms.example.org", data={"csrf_token": "stale"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "without a valid security token" in page and "secure connection" not in page


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("app.localhost", True), (LAN, False)],
)
def test_loopback_addresses(host, loopback):
    assert serving.is_loopback(host) is loopback


@pytest.fixture
def no_server(monkeypatch):
    """Run `lms serve` without serving: record what run_simple was asked."""
    calls = []
    monkeypatch.setattr("werkzeug.serving.run_simple", lambda *args, **kwargs: calls.append((args, kwargs)))
    monkeypatch.setattr(serving, "lan_address", lambda host: None if serving.is_loopback(host) else LAN)
    return calls


def test_serving_the_classroom_network_shows_the_address_a_qr_code_and_a_warning(production_app, no_server):
    from lms.links import trusted_hosts

    production_app.config["TRUSTED_HOSTS"] = trusted_hosts({"BASE_URL": "http://127.0.0.1:5000"})
    client = production_app.test_client()
    assert client.get("/login", base_url=f"http://{LAN}:5400").status_code == 400  # not trusted yet
    result = production_app.test_cli_runner().invoke(args=["serve", "--host", "0.0.0.0", "--port", "5400"])
    assert result.exit_code == 0, result.output
    assert f"http://{LAN}:5400/" in result.stdout
    assert "▀" in result.stdout or "█" in result.stdout  # the QR code, in half blocks
    assert "Warning" in result.stderr and "plain http" in result.stderr
    assert no_server[0][0][:2] == ("0.0.0.0", 5400)
    config = production_app.config
    assert config["SESSION_COOKIE_SECURE"] == "auto"
    assert config["BASE_URL"] == f"http://{LAN}:5400"  # links in mails and QR codes reach the phones
    assert LAN in config["TRUSTED_HOSTS"] and "127.0.0.1" in config["TRUSTED_HOSTS"]
    assert client.get("/login", base_url=f"http://{LAN}:5400").status_code == 200  # phones are let in
    assert client.get("/login", base_url="http://evil.example").status_code == 400


def test_serving_this_computer_only_needs_no_warning(production_app, no_server):
    result = production_app.test_cli_runner().invoke(args=["serve", "--port", "5400"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:5400/" in result.stdout
    assert "Warning" not in result.output and "local network" not in result.output
    assert production_app.config["BASE_URL"] == "http://127.0.0.1:5400"


def test_a_configured_base_url_is_kept(production_app, no_server):
    production_app.config["BASE_URL"] = "https://lms.example.org"
    production_app.test_cli_runner().invoke(args=["serve", "--host", "0.0.0.0"])
    assert production_app.config["BASE_URL"] == "https://lms.example.org"


def test_all_interfaces_without_a_network_address_still_warns(production_app, no_server, monkeypatch):
    monkeypatch.setattr(serving, "lan_address", lambda host: None)
    result = production_app.test_cli_runner().invoke(args=["serve", "--host", "0.0.0.0", "--port", "5400"])
    assert result.exit_code == 0, result.output
    assert "network address was not found" in result.stderr and "Warning" in result.stderr
    assert production_app.config["BASE_URL"] == "http://127.0.0.1:5400"
