"""Background jobs: sent on commit, retried with back-off, idempotent; run eagerly (the other tests), on the
embedded SQLite queue with an in-process worker, and on Redis and RabbitMQ workers when those answer."""

import os
import threading
import time
import uuid
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.classroom import services as classroom
from lms.classroom.models import ClassSession, Cohort, Programme
from lms.db import db, utcnow
from lms.exports.models import ExportJob
from lms.jobs import EmbeddedWorker, TaskMark, celery_app, claim, is_done, release
from lms.mail import send_mail
from tests import ports
from tests.conftest import PASSWORD, RequestIsolatingClient, csrf_token, login, make_test_app
from tests.test_certificates import complete_course  # noqa: F401 (a fixture)

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL")
AMQP_URL = os.environ.get("LMS_TEST_AMQP_URL")
CLOSED_PORT = ports.CLOSED


def outbox(app) -> list:
    folder = Path(app.instance_path) / "outbox"
    return [message_from_bytes(p.read_bytes(), policy=default_policy) for p in sorted(folder.glob("*.eml"))]


def test_a_mail_leaves_on_commit_and_never_for_a_rollback(app):
    send_mail("eleni@example.org", "Rolled back", "never sent")
    db.session.rollback()
    assert outbox(app) == []
    send_mail("eleni@example.org", "Committed", "sent")
    assert outbox(app) == []  # not before the commit
    db.session.commit()
    assert [mail["Subject"] for mail in outbox(app)] == ["Committed"]


def test_a_failing_delivery_is_retried_with_back_off_and_sent_once(app, monkeypatch):
    import lms.mail

    task = celery_app().tasks["mail.deliver"]
    assert task.autoretry_for and task.retry_backoff and task.max_retries >= 3 and task.acks_late
    real, calls = lms.mail._deliver, []

    def flaky(*args):
        calls.append(args)
        if len(calls) < 3:
            raise ConnectionRefusedError("SMTP server is restarting")
        real(*args)

    monkeypatch.setattr(lms.mail, "_deliver", flaky)
    send_mail("eleni@example.org", "Welcome", "Hello")
    db.session.commit()
    assert len(calls) == 3 and len(outbox(app)) == 1
    # The same job delivered again (a broker's redelivery) sends nothing more.
    (key,) = [mark.removeprefix("mail:") for mark in db.session.scalars(select(TaskMark.key))]
    task.apply(args=(key, "eleni@example.org", "Welcome", "Hello"))
    assert len(calls) == 3 and len(outbox(app)) == 1


def test_a_mail_that_keeps_failing_gives_up_after_its_retries(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=CLOSED_PORT, MAIL_USE_TLS=False)
    result = celery_app().tasks["mail.deliver"].apply(args=("k1", "eleni@example.org", "S", "B"))
    assert result.failed() and isinstance(result.result, ConnectionRefusedError)
    assert not is_done("mail:k1")


def test_a_failed_export_says_why_on_its_page(app, client, login_as, complete_course, monkeypatch):  # noqa: F811
    import lms.certificates.services

    def broken(*args, **kwargs):
        raise ValueError("the certificate template is missing")

    monkeypatch.setattr(lms.certificates.services, "export_zip", broken)
    course, _ = complete_course()
    login_as("coordinator")
    response = client.post(
        "/certificates/exports",
        data={"course": str(course.id), "csrf_token": csrf_token(client, "/certificates/")},
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The export failed: the certificate template is missing" in page
    assert client.get(response.headers["Location"] + "?format=json").get_json()["status"] == "failed"
    assert client.get(response.headers["Location"] + "/download").status_code == 404


def test_scheduled_jobs_are_the_overdue_closer_and_the_reminders(app):
    schedule = celery_app().conf.beat_schedule
    assert schedule["quizzes.close_overdue"]["schedule"] == timedelta(minutes=1)
    assert schedule["classroom.session_reminders"]["schedule"] == timedelta(minutes=15)


@pytest.fixture
def cohort_with_members(create_course, create_user):
    course = create_course(modules=1, lessons=1)
    cohort = Cohort(
        programme=Programme(title="SME Digital Skills", courses=[course]),
        name="Serres spring group",
        timezone="Europe/Athens",
    )
    db.session.add(cohort)
    greek = create_user(name="Ελένη Παπαδοπούλου", email="eleni@example.org", locale="el")
    english = create_user(name="Marko Petrović", email="marko@example.org", locale="en")
    for user in (greek, english):
        classroom.add_member(cohort, user)
    db.session.commit()
    return cohort


def test_session_reminders_go_once_to_each_member_in_their_language(app, cohort_with_members):
    from lms.classroom.tasks import send_session_reminders

    soon = ClassSession(
        cohort=cohort_with_members, starts_at=utcnow() + timedelta(hours=3), topic="Local SEO", place="Room 2"
    )
    later = ClassSession(cohort=cohort_with_members, starts_at=utcnow() + timedelta(days=3), topic="Later")
    db.session.add_all([soon, later])
    db.session.commit()
    assert send_session_reminders() == 2
    mails = {mail["To"]: mail for mail in outbox(app)}
    assert set(mails) == {"eleni@example.org", "marko@example.org"}
    greek = mails["eleni@example.org"].get_body(("plain",)).get_content()
    assert "Local SEO" in greek and "Room 2" in greek and "Europe/Athens" in greek
    assert mails["eleni@example.org"]["Subject"] != mails["marko@example.org"]["Subject"]
    assert "Later" not in greek
    assert send_session_reminders() == 0 and len(outbox(app)) == 2


def test_close_overdue_runs_as_a_job(app):
    assert celery_app().tasks["quizzes.close_overdue"].apply(throw=True).result == 0


# --- Real workers: the embedded SQLite queue, Redis and RabbitMQ --------------------------------------


def _completed_course():
    """A course with one lesson and a trainee who completed it (so one certificate), and a coordinator."""
    from lms.auth.services import create_user
    from lms.courses import services as courses
    from lms.courses.models import Enrolment
    from lms.progress import services as progress

    coordinator = create_user("coord@example.org", "Coordinator", PASSWORD, role="coordinator")
    course = courses.create_course(
        coordinator, slug="seo", title="Τοπικό SEO", summary="", hours=4, published=True
    )
    module = courses.add_module(course, "Module 1")
    lesson = courses.add_lesson(module, "Lesson", "Text", 10, False, True, coordinator)
    trainee = create_user("eleni@example.org", "Ελένη Παπαδοπούλου", PASSWORD)
    db.session.add(Enrolment(course=course, user=trainee))
    progress.complete(lesson, trainee.id, "marked")
    db.session.commit()
    return course, coordinator


def _served_export(app):
    """Start a certificate export through the web page and wait (bounded) for a worker to finish it."""
    course, coordinator = _completed_course()
    client = app.test_client()
    assert login(client, coordinator.email).status_code == 302
    response = client.post(
        "/certificates/exports",
        data={"course": str(course.id), "csrf_token": csrf_token(client, "/certificates/")},
    )
    status_url = response.headers["Location"]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        status = client.get(status_url + "?format=json").get_json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.2)  # polling a worker in another thread, bounded by the deadline
    assert status == {"status": "done", "done": 1, "total": 1}
    download = client.get(status_url + "/download")
    assert download.status_code == 200 and download.data.startswith(b"PK")
    download.close()


@pytest.fixture
def worker_app(request, tmp_path):
    """An app whose jobs go to a real queue, worked by a worker thread; `request.param` is the broker URL
    (None: the embedded SQLite queue)."""
    broker = request.param
    app = make_test_app(
        f"sqlite:///{tmp_path / 'test.sqlite'}",
        tmp_path / "instance",
        JOBS_EAGER=False,
        BROKER_URL=broker,
        JOBS_QUEUE=f"queue-test-{uuid.uuid4().hex[:8]}",
    )
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        db.create_all()
        worker = EmbeddedWorker(app, beat=False).start()
        try:
            yield app
        finally:
            worker.stop()
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def _broker_params():
    params = [pytest.param(None, id="embedded-sqlite")]
    for name, url in (("redis", REDIS_URL), ("rabbitmq", AMQP_URL)):
        package = "redis-server" if name == "redis" else "rabbitmq-server"
        variable = f"LMS_TEST_{'REDIS' if name == 'redis' else 'AMQP'}_URL"
        reason = f"{variable} is not set: no {name} broker (apt-get install {package}, then set it)"
        params.append(pytest.param(url, id=name, marks=pytest.mark.skipif(not url, reason=reason)))
    return params


@pytest.mark.needs("pango")  # the export renders certificate PDFs
@pytest.mark.parametrize("worker_app", _broker_params(), indirect=True)
def test_an_export_is_done_by_a_worker_on_the_queue(worker_app):
    _served_export(worker_app)
    assert db.session.scalar(select(ExportJob.status)) == "done"


@pytest.mark.parametrize("worker_app", _broker_params(), indirect=True)
def test_a_large_export_is_made_by_a_worker_on_the_queue(worker_app):
    """A page's large export (tests/test_exports.py) on a real queue: the page starts the job and shows
    its progress, a worker thread makes the file, the page then offers it."""
    course, coordinator = _completed_course()
    worker_app.config["EXPORT_IN_REQUEST_CELLS"] = 0
    client = worker_app.test_client()
    assert login(client, coordinator.email).status_code == 302
    started = client.get(f"/progress/courses/{course.slug}/gradebook.csv")
    assert started.status_code == 302
    status_url = started.headers["Location"]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        status = client.get(status_url + "?format=json").get_json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.2)  # polling a worker in another thread, bounded by the deadline
    assert status == {"status": "done", "done": 1, "total": 1}
    with client.get(status_url + "/download") as download:
        assert "Ελένη Παπαδοπούλου" in download.get_data(as_text=True)


# --- lms doctor --------------------------------------------------------------------------------------


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the standard library's name)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_doctor_says_what_answers_and_what_does_not(app, runner):
    app.config["BASE_URL"] = f"http://127.0.0.1:{CLOSED_PORT}"
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    lines = {line[5:].split()[0]: line for line in result.output.splitlines()}
    assert lines["database"].startswith("ok") and lines["storage"].startswith("ok")
    assert lines["mail"].startswith("ok") and "outbox" in lines["mail"]
    assert lines["base"].startswith("FAIL") and str(CLOSED_PORT) in lines["base"]

    server = ThreadingHTTPServer(("127.0.0.1", ports.HTTP_OK), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        app.config["BASE_URL"] = f"http://127.0.0.1:{ports.HTTP_OK}"
        result = runner.invoke(args=["doctor"])
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    assert "HTTP 200" in result.output


def test_doctor_reports_a_broker_that_does_not_answer(app, runner):
    app.config["JOBS_EAGER"] = False
    app.extensions["celery"].conf.broker_url = f"redis://127.0.0.1:{CLOSED_PORT}/0"
    app.config["BROKER_URL"] = f"redis://127.0.0.1:{CLOSED_PORT}/0"
    result = runner.invoke(args=["doctor"])
    broker = next(line for line in result.output.splitlines() if " broker " in line)
    assert broker.startswith("FAIL") and str(CLOSED_PORT) in broker


def test_the_embedded_queue_forgets_delivered_messages_after_a_day(app):
    from sqlalchemy import create_engine, text

    from lms.jobs import broker_url, prune_embedded_queue

    app.config["JOBS_EAGER"] = False
    with celery_app().connection_for_write() as connection:
        assert connection.default_channel.session is not None  # kombu creates the queue's tables
    engine = create_engine(broker_url(app).removeprefix("sqla+"))
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO kombu_queue (id, name) VALUES (1, 'q')"))
        for visible, age in ((False, 2), (False, 0), (True, 2)):
            connection.execute(
                text(
                    "INSERT INTO kombu_message (visible, timestamp, payload, version, queue_id) "
                    "VALUES (:visible, :sent, '{}', 1, 1)"
                ),
                {"visible": visible, "sent": (utcnow() - timedelta(days=age)).replace(tzinfo=None)},
            )
    assert prune_embedded_queue() == 1
    with engine.connect() as connection:
        left = connection.execute(text("SELECT visible FROM kombu_message ORDER BY id")).scalars().all()
    engine.dispose()
    assert left == [False, True]  # the recent delivered one and the pending one stay
    app.config["BROKER_URL"] = "redis://127.0.0.1:6379/0"
    assert prune_embedded_queue() == 0  # a real broker keeps its own house


def test_a_unit_of_work_is_claimed_once_and_given_back_when_it_fails(app):
    """Two deliveries of one mail at the same moment: the first claims it, the second finds it taken, so
    it cannot be sent twice; a failed send gives it back for the retry."""
    assert claim("mail:twin") and not claim("mail:twin")
    release("mail:twin")
    assert not is_done("mail:twin") and claim("mail:twin")
