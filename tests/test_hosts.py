"""Several hosts: two gunicorn web processes and one Celery worker, each with an instance folder of its own,
sharing only PostgreSQL, Redis, the broker and the S3 storage. Whatever a user starts on host A goes on
on host B."""

import io
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from pathlib import Path

import pytest

from lms.db import db
from tests import ports
from tests.conftest import PASSWORD, REDIS_URL, make_test_app, new_postgres_database
from tests.live import CSRF, Browser, Processes, wait_until_answers
from tests.test_storage import BUCKET, CREDENTIALS, s3_endpoint  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parent.parent
AMQP_URL = os.environ.get("LMS_TEST_AMQP_URL")
PORT_A, PORT_B = ports.HOST_A, ports.HOST_B

pytestmark = [
    pytest.mark.xdist_group("servers"),  # the site (three processes, a fake S3) starts once, not per worker
    pytest.mark.skipif(
        not REDIS_URL,
        reason="LMS_TEST_REDIS_URL is not set: hosts share Redis (apt-get install redis-server)",
    ),
    pytest.mark.skipif(
        not os.environ.get("LMS_TEST_DATABASE_URL"),
        reason="LMS_TEST_DATABASE_URL is not set: hosts share PostgreSQL (apt-get install postgresql)",
    ),
]


@pytest.fixture(scope="module")
def site_database():
    """A database of the site's own: the other tests empty the run's database before each test."""
    with new_postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def site(site_database, s3_endpoint, tmp_path_factory):  # noqa: F811
    """Seed the shared database, then start web A, web B and a worker; yields (A, B, seeded ids)."""
    broker = AMQP_URL or REDIS_URL
    base = tmp_path_factory.mktemp("hosts")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LMS_SECRET_KEY": "shared-secret-of-the-site",
        "LMS_DATABASE_URL": site_database,
        "LMS_REDIS_URL": REDIS_URL,
        "LMS_BROKER_URL": broker,
        "LMS_JOBS_QUEUE": f"queue-hosts-{uuid.uuid4().hex[:8]}",
        "LMS_SESSION_COOKIE_SECURE": "false",
        "LMS_LOGIN_RATE_LIMIT_IP": "1000 per minute",
        "LMS_STORAGE_S3_BUCKET": BUCKET,
        "LMS_STORAGE_S3_PREFIX": f"hosts-{uuid.uuid4().hex[:8]}",
        "LMS_STORAGE_S3_ENDPOINT_URL": s3_endpoint,
        "LMS_STORAGE_S3_REGION": CREDENTIALS["region_name"],
        "LMS_STORAGE_S3_ACCESS_KEY": "testing",
        "LMS_STORAGE_S3_SECRET_KEY": "testing",
    }
    seeded = _seed(site_database, base / "seed")
    with Processes(base) as processes:
        servers = [
            processes.start(name, command, ROOT, {**env, "LMS_INSTANCE_PATH": str(base / name)})
            for name, command in (
                ("a", ["-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{PORT_A}", "lms:create_app()"]),
                ("b", ["-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{PORT_B}", "lms:create_app()"]),
                ("worker", ["-m", "lms", "worker", "--concurrency", "1", "--loglevel", "WARNING"]),
            )
        ]
        for port, server in ((PORT_A, servers[0]), (PORT_B, servers[1])):
            wait_until_answers(f"http://127.0.0.1:{port}/login", server)
        yield f"http://127.0.0.1:{PORT_A}", f"http://127.0.0.1:{PORT_B}", seeded


def _seed(database_url: str, instance: Path) -> dict:
    """A coordinator, a trainee with a certificate, and a quiz the trainee may take."""
    from lms.auth.services import create_user
    from lms.courses import services as courses
    from lms.courses.models import Enrolment
    from lms.progress import services as progress
    from lms.quizzes import services as quiz
    from lms.quizzes.spec import AnswerSpec, QuestionSpec

    app = make_test_app(database_url, instance)
    with app.app_context():
        db.create_all()
        coordinator = create_user("coordinator@example.org", "Georgi Dimitrov", PASSWORD, role="coordinator")
        trainee = create_user("eleni@example.org", "Ελένη Παπαδοπούλου", PASSWORD)
        course = courses.create_course(
            coordinator, slug="seo", title="Τοπικό SEO", summary="", hours=4, published=True
        )
        module = courses.add_module(course, "Module 1")
        lesson = courses.add_lesson(module, "Lesson", "Text", 10, False, True, coordinator)
        # The quiz is in a course of its own, so that the first course is complete (and certified).
        quiz_course = courses.create_course(
            coordinator, slug="quiz", title="Quiz", summary="", hours=1, published=True
        )
        activity = courses.add_quiz(courses.add_module(quiz_course, "Module 1"), "Check", coordinator)
        activity.published = True
        activity.settings = {"per_page": 1, "shuffle_answers": False}
        quiz.sync_quiz(
            activity,
            [
                QuestionSpec(
                    "truefalse",
                    "Euro",
                    "Bulgaria uses the lev.",
                    answers=[AnswerSpec("true", 0.0, ""), AnswerSpec("false", 1.0, "")],
                )
            ],
        )
        # Rate-limit counters outlive a test run in Redis: this account is new each run.
        other = create_user(f"{uuid.uuid4().hex}@example.org", "Marko Petrović", PASSWORD)
        db.session.add_all(
            [Enrolment(course=course, user=trainee), Enrolment(course=quiz_course, user=trainee)]
        )
        progress.complete(lesson, trainee.id, "marked")
        db.session.commit()
        seeded = {"course_id": course.id, "quiz_id": activity.id, "email": other.email}
        db.session.remove()
        db.engine.dispose()
    return seeded


def test_an_export_started_on_a_is_watched_and_downloaded_on_b(site):
    host_a, host_b, seeded = site
    browser = Browser()
    assert browser.login(host_a, "coordinator@example.org", PASSWORD) == 302
    token = browser.csrf(f"{host_a}/certificates/")
    status, headers, _ = browser.request(
        f"{host_a}/certificates/exports", {"course": str(seeded["course_id"]), "csrf_token": token}
    )
    assert status == 302
    job_path = urllib.parse.urlsplit(headers["Location"]).path
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        progress = json.loads(browser.request(f"{host_b}{job_path}?format=json")[2])
        if progress["status"] in ("done", "failed"):
            break
        time.sleep(0.3)  # the worker renders meanwhile; bounded by the deadline
    assert progress == {"status": "done", "done": 1, "total": 1}
    status, headers, body = browser.request(f"{host_b}{job_path}/download")
    assert status == 200 and headers["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert "register.csv" in names and sum(name.endswith(".pdf") for name in names) == 1


def test_a_quiz_attempt_started_on_a_is_submitted_on_b(site):
    host_a, host_b, seeded = site
    browser = Browser()
    assert browser.login(host_a, "eleni@example.org", PASSWORD) == 302
    status, headers, _ = browser.request(
        f"{host_a}/quizzes/{seeded['quiz_id']}/start", {"csrf_token": browser.csrf(f"{host_a}/")}
    )
    assert status == 302
    attempt_path = urllib.parse.urlsplit(headers["Location"]).path
    page = browser.request(f"{host_b}{attempt_path}")[2].decode()
    question = re.search(r'name="(q\d+)"', page).group(1)
    token = CSRF.search(page).group(1)
    assert (
        browser.request(
            f"{host_b}{attempt_path}", {"csrf_token": token, "page": "0", "go": "finish", question: "1"}
        )[0]
        == 302
    )
    status, headers, _ = browser.request(f"{host_b}{attempt_path}/submit", {"csrf_token": token})
    assert status == 302 and headers["Location"].endswith("/review")
    # Back on host A, the review shows the grade that the submit on host B gave.
    assert "100%" in browser.request(f"{host_a}{attempt_path}/review")[2].decode()


def test_the_login_rate_limit_counts_across_both_hosts(site):
    host_a, host_b, seeded = site
    browser = Browser()
    statuses = [browser.login((host_a, host_b)[n % 2], seeded["email"], f"wrong-{n}") for n in range(6)]
    assert statuses == [401] * 5 + [429]
