"""SQLite under several workers: a page view never fails with "database is locked" because of its
bookkeeping (last access, "viewed" completion), and a login checks the password before it writes."""

import sqlite3
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from lms.courses.models import Enrolment
from lms.courses.services import add_quiz
from lms.db import db, utcnow
from lms.progress.models import Completion
from tests.conftest import RequestIsolatingClient, csrf_token, login

VIEWERS = 6


@pytest.fixture
def sqlite_path(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock: PostgreSQL has no database-wide lock to wait for")
    return db.engine.url.database


def _browser(app):
    """A client of its own, as a separate browser; its requests run in their own app context."""
    return RequestIsolatingClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def class_in_course(app, sqlite_path, create_user, create_course):
    """Trainees logged in, each in a browser of its own, enrolled in a course whose lessons complete by
    viewing and which has a quiz; every last access is older than 5 minutes."""
    trainer = create_user("trainer")
    course = create_course(modules=1, lessons=1, trainer=trainer, completion_lessons="viewed")
    module = course.modules[0]
    quiz = add_quiz(module, "Check", trainer)
    quiz.published = True
    trainees = [create_user("trainee") for _ in range(VIEWERS)]
    for trainee in trainees:
        db.session.add(Enrolment(course=course, user=trainee))
    db.session.commit()
    browsers = [_browser(app) for _ in trainees]
    for browser, trainee in zip(browsers, trainees, strict=True):
        assert login(browser, trainee.email).status_code == 302
    db.session.execute(update(Enrolment).values(last_access_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    lesson = module.activities[0]
    pages = [f"/courses/{course.slug}/learn/{module.slug}/{a.slug}" for a in (lesson, quiz)]
    return trainees, browsers, pages, lesson


def test_page_views_return_200_while_another_connection_writes(app, sqlite_path, class_in_course):
    """Another worker holds SQLite's write lock while a class opens its pages, and commits only once
    every page view has read (so each view's snapshot is older than that commit). A view that then
    upgraded its read transaction to write its bookkeeping failed at once with "database is locked"
    (500); now it waits for the lock in a transaction of its own and writes."""
    trainees, browsers, pages, lesson = class_in_course
    other = sqlite3.connect(sqlite_path, isolation_level=None, timeout=30)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE users SET name = name || '.' WHERE id = ?", (trainees[0].id,))

    have_read = threading.Semaphore(0)
    watched = threading.local()

    def note_read(conn, cursor, statement, parameters, context, executemany):
        if getattr(watched, "viewer", False) and "enrolments" in statement and not watched.counted:
            watched.counted = True
            have_read.release()

    statuses = [None] * VIEWERS

    def view(index):
        watched.viewer, watched.counted = True, False
        with app.app_context():
            statuses[index] = browsers[index].get(pages[index % 2]).status_code

    event.listen(db.engine, "after_cursor_execute", note_read)
    try:
        threads = [threading.Thread(target=view, args=(i,)) for i in range(VIEWERS)]
        for thread in threads:
            thread.start()
        for _ in range(VIEWERS):
            assert have_read.acquire(timeout=60), "a page view never read its enrolment"
        other.execute("COMMIT")  # the other worker's write lands after every view's read
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(db.engine, "after_cursor_execute", note_read)
        other.close()

    assert statuses == [200] * VIEWERS
    db.session.commit()  # a fresh snapshot: the one this test read before is older than the views' writes
    recent = utcnow() - timedelta(minutes=1)
    accessed = db.session.scalars(select(Enrolment.last_access_at)).all()
    assert len(accessed) == VIEWERS and all(at is not None and at > recent for at in accessed)
    viewed = set(db.session.scalars(select(Completion.user_id).where(Completion.activity_id == lesson.id)))
    assert viewed == {t.id for i, t in enumerate(trainees) if i % 2 == 0}


def test_a_get_that_writes_in_its_read_transaction_fails_in_tests(app, sqlite_path):
    """The guard that finds this whole class of bug: on SQLite, a served request that writes in a
    transaction begun as a reader raises in tests (production logs it)."""

    @app.get("/_write_in_a_read")
    def write_in_a_read():
        db.session.scalar(select(Enrolment.id))
        db.session.execute(update(Enrolment).values(last_access_at=utcnow()))
        return "written"

    with pytest.raises(RuntimeError, match="writes in a transaction begun as a reader"):
        _browser(app).get("/_write_in_a_read")


def test_a_write_that_waits_past_the_busy_timeout_gets_503_and_changes_nothing(
    app, sqlite_path, create_user, monkeypatch
):
    """A server far over its load: another worker holds SQLite's write lock longer than the busy
    timeout. The request that waited is told the site is busy (503, Retry-After), not 500, and
    nothing of it is written; sent again once the lock is free, it goes through."""
    import lms.db

    trainee = create_user("trainee", locale="en")
    browser = _browser(app)
    assert login(browser, trainee.email).status_code == 302
    with app.app_context():
        token = csrf_token(browser, "/dashboard")
    monkeypatch.setattr(lms.db, "BUSY_TIMEOUT_MS", 50)
    db.engine.dispose()  # new connections take the short timeout
    other = sqlite3.connect(sqlite_path, isolation_level=None, timeout=30)
    other.execute("BEGIN IMMEDIATE")
    try:
        with app.app_context():
            busy = browser.post("/language", data={"locale": "el", "csrf_token": token})
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "5"
    assert "nothing was changed" in busy.get_data(as_text=True)
    db.session.commit()  # a fresh snapshot
    assert db.session.get(type(trainee), trainee.id).locale == "en"
    with app.app_context():
        again = browser.post("/language", data={"locale": "el", "csrf_token": token})
    assert again.status_code == 302
    db.session.commit()  # a fresh snapshot
    assert db.session.get(type(trainee), trainee.id).locale == "el"
