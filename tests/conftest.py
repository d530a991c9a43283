"""Fixtures: an app per test on SQLite (always) and PostgreSQL (when LMS_TEST_DATABASE_URL is set).

Each test gets a new app and empty tables. Building the tables is the slow part of that (create_all
takes about 0.2 s on PostgreSQL), so each test process builds them once per backend: on SQLite into a
template file that every test copies, on PostgreSQL into the run's database, whose rows are deleted
(and sequences restarted) before each test. A test that changes the schema (migrations, `lms demo`)
is noticed and the schema built again for the next one.
"""

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from werkzeug.routing import Rule

from lms import create_app
from lms.auth import hashing
from lms.db import db
from tests.live import scratch_postgres_database
from tests.system import needs

PG_URL = os.environ.get("LMS_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL")
PASSWORD = "correct horse battery"


# argon2id's smallest parameters: the same code, hash format and checks as OWASP's, at ~0.1 ms instead of
# ~16 ms per hash or check, which most tests pay several times (create_user, login).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def _cheap_password_hashing(request, monkeypatch):
    """Tests hash passwords cheaply, except those marked real_password_hashing (the tests of hashing)."""
    if request.node.get_closest_marker("real_password_hashing") is None:
        monkeypatch.setattr(hashing, "_hasher", CHEAP_HASHER)


def _share_url_builders() -> None:
    """Make apps share Werkzeug's URL builders instead of compiling their own.

    Every test makes an app, and Werkzeug compiles two Python functions for each of its ~150 URL rules:
    half the time of create_app. A builder depends only on what the key below holds (the rule, its
    parsed parts and defaults, and the flag), and reaches the rule's converters through its `self`
    argument, so the tests' apps share one per rule. Without that private method (another Werkzeug),
    nothing changes."""
    original = getattr(Rule, "_compile_builder", None)
    if original is None:
        return
    builders: dict = {}

    def compile_builder(self, append_unknown=True):
        defaults = tuple(sorted((name, repr(value)) for name, value in (self.defaults or {}).items()))
        key = (self.rule, tuple(self._trace), defaults, append_unknown)
        if key not in builders:
            builders[key] = original(self, append_unknown)
        return builders[key]

    Rule._compile_builder = compile_builder


_share_url_builders()


def pytest_runtest_setup(item):
    """@pytest.mark.needs("pdftoppm", "pango"): skip, naming the Debian package, unless installed."""
    for marker in item.iter_markers("needs"):
        needs(*marker.args)


@contextmanager
def new_postgres_database():
    """A new, empty PostgreSQL database (its URL), dropped at the end of the `with` block."""
    if not PG_URL:
        pytest.skip(
            "LMS_TEST_DATABASE_URL is not set: no PostgreSQL server to test against "
            "(apt-get install postgresql, then set it as the README says)"
        )
    with scratch_postgres_database(PG_URL, "lms_test") as url:
        yield url


@pytest.fixture(scope="session")
def postgres_database():
    """A database of its own for this test run (for each pytest-xdist worker), dropped at the end."""
    with new_postgres_database() as url:
        yield url


@pytest.fixture(scope="session", autouse=True)
def _schema_folder(tmp_path_factory):
    """Where this test process keeps its SQLite template of the tables."""
    _TEMPLATE["folder"] = tmp_path_factory.mktemp("schema")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    return request.getfixturevalue("postgres_database")


def make_test_app(database_url: str, instance_path, **config):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(instance_path),
            "RATELIMIT_STORAGE_URI": "memory://",
            "JOBS_EAGER": True,  # background jobs run at once; tests/test_jobs.py runs them on workers
            **config,
        }
    )


class RequestIsolatingClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own `g` and database session.

    The test's session is committed before (so the request sees what the test set up) and after
    (so the test reads what the request committed, not a stale snapshot).
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.commit()
        return response


def app_with_tables(database_url: str, instance_path, **config):
    """An app (see make_test_app) whose tables exist, empty, while the generator runs; for fixtures to
    yield from."""
    app = make_test_app(database_url, instance_path, **config)  # (imports every model)
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            _empty_postgres_tables(db.engine)
        elif not _copy_sqlite_template(db.engine.url.database):
            db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


_TEMPLATE: dict = {}  # "folder": set by _schema_folder; "tables": the tables of the file in it


def _copy_sqlite_template(database: str | None) -> bool:
    """Put a copy of the template (every table, no rows) at the path of a SQLite database; False for an
    in-memory database or a file that is already there."""
    if database in (None, "", ":memory:") or Path(database).exists():
        return False
    template = _TEMPLATE["folder"] / "template.sqlite"
    if _TEMPLATE.get("tables") != set(db.metadata.tables):  # first use (or a model was imported since)
        template.unlink(missing_ok=True)
        engine = create_engine(f"sqlite:///{template}")
        db.metadata.create_all(engine)
        engine.dispose()  # the last connection checkpoints the WAL into the file and removes it
        _TEMPLATE["tables"] = set(db.metadata.tables)
    shutil.copyfile(template, database)
    return True


_EMPTY_TABLES: dict = {}  # database URL -> the statements that empty its tables


def _empty_postgres_tables(engine) -> None:
    """Leave every table of the models, and only those, empty with sequences restarted (ids from 1).

    On the (shared, busy) development machine, deleting the rows table by table took about 15 ms, one
    TRUNCATE ... RESTART IDENTITY of all the tables about 0.9 s, create_all and drop_all 0.25-1.5 s."""
    url = engine.url.render_as_string(hide_password=False)
    with engine.connect() as connection:
        # A connection a test left open in a transaction would make these wait forever: fail instead.
        connection.exec_driver_sql("SET LOCAL lock_timeout = '20s'")  # until the commit below
        tables = set(connection.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")))
        if tables != set(db.metadata.tables) or url not in _EMPTY_TABLES:
            # First use in this process, or a test changed the schema (migrations, `lms demo`): build it.
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            db.metadata.create_all(connection)
            sequences = connection.scalars(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
            )
            _EMPTY_TABLES[url] = "; ".join(
                [f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)]
                + [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
            )
        else:
            connection.exec_driver_sql(_EMPTY_TABLES[url])
        connection.commit()


@pytest.fixture
def app(database_url, tmp_path):
    yield from app_with_tables(database_url, tmp_path / "instance")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def create_user(app):
    """Factory: create_user(role="trainer", email=..., name=...) -> User, committed."""
    from lms.auth.services import create_user as create

    counter = iter(range(1, 10_000))

    def factory(role="trainee", email=None, name=None, password=PASSWORD, organisation=None, **profile):
        """`organisation` names the user's enterprise: the one of that name, else a new one."""
        from lms.enterprises import services as enterprises

        number = next(counter)
        user = create(
            email or f"{role}{number}@example.org",
            name or f"Test {role.title()} {number}",
            password,
            role=role,
            **profile,
        )
        if organisation:
            same = enterprises.same_name(organisation)
            user.enterprise = same[0] if same else enterprises.create_enterprise(name=organisation)
        db.session.commit()
        return user

    return factory


CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_token(client, path="/login") -> str:
    """The token a real browser would send: read from the page, tied to this client's session."""
    page = client.get(path).get_data(as_text=True)
    return CSRF_RE.search(page).group(1)


def login(client, email, password=PASSWORD):
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)}
    )


@pytest.fixture
def login_as(client, create_user):
    """login_as("trainer") creates a user with that role, logs the client in, returns the user."""

    def do(role="trainee", **kwargs):
        user = create_user(role, **kwargs)
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do


@pytest.fixture
def create_course(app):
    """Factory: create_course(modules=2, lessons=3, trainer=user, published=True) -> Course, committed."""
    from lms.courses import services

    counter = iter(range(1, 10_000))

    def factory(modules=2, lessons=3, trainer=None, published=True, slug=None, **fields):
        number = next(counter)
        author = trainer
        course = services.create_course(
            author or _system_user(),
            slug=slug or f"course-{number}",
            title=fields.pop("title", f"Course {number}"),
            summary=fields.pop("summary", "A course about **things**."),
            hours=fields.pop("hours", 4),
            published=published,
            **fields,
        )
        if trainer is not None and trainer not in course.trainers:
            course.trainers.append(trainer)
        for m in range(1, modules + 1):
            module = services.add_module(course, f"Module {m}")
            for lesson in range(1, lessons + 1):
                services.add_lesson(
                    module,
                    f"Lesson {m}.{lesson}",
                    f"# Lesson {m}.{lesson}\n\nText of lesson {lesson}.",
                    10,
                    False,
                    True,
                    author or _system_user(),
                )
        db.session.commit()
        return course

    return factory


def _system_user():
    from lms.auth.models import User

    user = db.session.scalar(User.by_email("system@example.org"))
    if user is None:
        from lms.auth.services import create_user

        user = create_user("system@example.org", "System", None, role="coordinator")
    return user
