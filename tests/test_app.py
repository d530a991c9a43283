import pytest
from sqlalchemy import text

from lms import create_app
from lms.db import db
from tests.conftest import csrf_token as _token


def test_production_refuses_default_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="LMS_SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_config_layers_instance_file_then_environment_then_test_config(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text(
        "SECRET_KEY = 'from-file'\nSITE_NAME = 'From file'\nMAIL_SENDER = 'file@x'\n"
    )
    monkeypatch.setenv("LMS_SITE_NAME", '"From env"')
    monkeypatch.setenv("LMS_MAIL_SENDER", "env@x")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "MAIL_SENDER": "test@x"})
    assert app.config["SECRET_KEY"] == "from-file"
    assert app.config["SITE_NAME"] == "From env"
    assert app.config["MAIL_SENDER"] == "test@x"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'lms.sqlite'}"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_database_url_from_environment_uses_psycopg(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_DATABASE_URL", "postgresql://u@db.example/lms")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/lms"


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_security_headers_forbid_inline_script(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_carry_no_inline_script(client):
    page = client.get("/login").get_data(as_text=True)
    assert "<script>" not in page and "onclick=" not in page


def test_error_pages_are_in_the_site_style(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page and 'class="site-header"' in page


def test_oversized_request_gets_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/login", data={"email": "x" * 5000})
    assert response.status_code == 413
    assert "Upload too large" in response.get_data(as_text=True)


def test_static_files_and_templates_are_served(client):
    for path in ("/static/css/site.css", "/static/js/site.js", "/static/img/logo.svg"):
        with client.get(path) as response:
            assert response.status_code == 200, path


def test_sqlite_writes_take_the_write_lock_when_the_transaction_begins(app, client, login_as):
    from sqlalchemy import event

    if db.engine.dialect.name != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is SQLite's; PostgreSQL locks rows as it writes")
    login_as("trainee")
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        client.get("/profile")
        reads = list(statements)
        statements.clear()
        token = _token(client, "/")
        statements.clear()
        client.post("/language", data={"locale": "el", "csrf_token": token})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert "BEGIN IMMEDIATE" not in reads and "BEGIN" in reads
    assert "BEGIN IMMEDIATE" in statements


class _NoPango:
    """Makes `import weasyprint` fail as it does on a machine without the Pango library."""

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")


def test_a_missing_pdf_library_gives_a_clear_503_not_a_500(client, login_as, monkeypatch, caplog):
    import sys

    from lms.classroom.models import ClassSession, Cohort, Programme
    from lms.db import utcnow

    for name in list(sys.modules):
        if name.partition(".")[0] == "weasyprint" or name in ("lms.certificates.pdf", "lms.classroom.pdf"):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_NoPango(), *sys.meta_path])
    login_as("coordinator")
    cohort = Cohort(programme=Programme(title="P"), name="C")
    session = ClassSession(cohort=cohort, starts_at=utcnow(), minutes=60)
    db.session.add(session)
    db.session.commit()
    response = client.get(f"/classroom/sessions/{session.id}/sign-in.pdf")
    assert response.status_code == 503
    assert "Temporarily unavailable" in response.get_data(as_text=True)
    assert any("libpango-1.0-0" in record.getMessage() for record in caplog.records)
