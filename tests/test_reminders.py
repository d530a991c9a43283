"""Reminders and notices sent through the notification service: session reminders exactly once however
often the scheduler runs, session changes (same calendar UID, SEQUENCE bumped), assignments due in 48
hours, grades released and certificates issued."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.assignments import services as assignments
from lms.certificates import services as certificates
from lms.classroom import services as classroom
from lms.classroom.models import ClassSession, Cohort, Programme
from lms.classroom.tasks import send_session_reminders
from lms.courses.models import Enrolment
from lms.courses.services import add_quiz
from lms.db import db, utcnow
from lms.jobs import celery_app
from lms.notifications.models import Notification
from lms.quizzes import services as quiz
from lms.quizzes.spec import QuestionSpec
from tests.conftest import csrf_token, login
from tests.test_jobs import outbox


@pytest.fixture
def cohort(create_user):
    cohort = Cohort(
        programme=Programme(title="SME Digital Skills", timezone="Europe/Sofia"),
        name="Blagoevgrad group",
        timezone="Europe/Sofia",
    )
    db.session.add(cohort)
    members = [
        create_user(email="ivan@example.org", name="Иван", locale="bg"),
        create_user(email="eleni@example.org", name="Ελένη", locale="el"),
    ]
    for user in members:
        classroom.add_member(cohort, user)
    former = create_user(email="former@example.org")
    classroom.add_member(cohort, former)
    db.session.commit()
    classroom.remove_member(cohort, former.id)
    db.session.commit()
    return cohort


def _to(app):
    return sorted(mail["To"] for mail in outbox(app))


def test_the_24_hour_reminder_goes_to_each_member_exactly_once_when_the_scheduler_runs_twice(app, cohort):
    session = ClassSession(
        cohort=cohort,
        starts_at=utcnow() + timedelta(hours=20),
        topic="Export markets",
        online_url="https://meet.example.org/export",
    )
    db.session.add(session)
    db.session.commit()
    job = celery_app().tasks["classroom.session_reminders"]
    assert job.apply(throw=True).result == 2
    assert (
        job.apply(throw=True).result == 0
    )  # the scheduler runs again (or twice at once): nobody is told twice
    assert _to(app) == ["eleni@example.org", "ivan@example.org"]  # not the former member
    bulgarian = next(mail for mail in outbox(app) if mail["To"] == "ivan@example.org")
    text = bulgarian.get_body(("plain",)).get_content()
    assert "https://meet.example.org/export" in text and "Europe/Sofia" in text
    assert "Напомняне" in bulgarian["Subject"]  # in Bulgarian

    # Within the hour the 1-hour reminder goes, once too (here the session moved closer: its key names
    # the start, so it is also a new 24-hour reminder's time; only the closest reminder is sent).
    session.starts_at = utcnow() + timedelta(minutes=50)
    db.session.commit()
    assert send_session_reminders() == 2 and send_session_reminders() == 0
    assert len(outbox(app)) == 4


def test_a_twin_run_that_already_told_someone_is_not_an_error(app, cohort, monkeypatch):
    """Two scheduler processes at once: the second's insert meets the unique constraint and tells nobody."""
    from lms.classroom.services import session_context
    from lms.notifications import notify

    session = ClassSession(cohort=cohort, starts_at=utcnow() + timedelta(hours=2), topic="Twin")
    db.session.add(session)
    db.session.commit()
    members = [m.user for m in cohort.current_members]
    kwargs = dict(
        template="session_reminder",
        context={**session_context(session), "soon": False},
        link="/classroom/",
        key="twin",
    )
    assert len(notify("session.reminder", members, **kwargs)) == 2
    db.session.commit()
    # The twin's quick check saw nothing (the first had not committed yet): the insert still ignores them,
    # no error, no second mail.
    from lms.notifications import services

    monkeypatch.setattr(services, "already_told", lambda *args: set())
    assert len(notify("session.reminder", members, **kwargs)) == 0
    db.session.commit()
    assert len(outbox(app)) == 2
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2


def test_moving_a_session_tells_the_members_and_keeps_its_calendar_uid(app, client, cohort, create_user):
    starts = utcnow().replace(second=0, microsecond=0) + timedelta(days=3)
    session = ClassSession(cohort=cohort, starts_at=starts, topic="Pricing", place="Room 1")
    db.session.add(session)
    db.session.commit()
    coordinator = create_user("coordinator")
    login(client, coordinator.email)
    url = f"/classroom/sessions/{session.id}/edit"
    local = (starts + timedelta(days=1)).astimezone(cohort_zone(cohort))
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "starts": local.strftime("%Y-%m-%dT%H:%M"),
            "minutes": "90",
            "topic": "Pricing",
            "place": "Room 4",
            "online_url": "",
        },
    )
    assert response.status_code == 302
    db.session.refresh(session)
    assert session.starts_at == starts + timedelta(days=1) and session.sequence == 1
    assert _to(app) == ["eleni@example.org", "ivan@example.org"]
    text = outbox(app)[0].get_body(("plain",)).get_content()
    assert "Room 4" in text

    ivan = next(m.user for m in cohort.current_members if m.user.email == "ivan@example.org")
    body = classroom.calendar(ivan, classroom.sessions_for(ivan), "Site")
    assert f"UID:session-{session.id}@Site" in body and "SEQUENCE:1" in body

    client.post(f"/classroom/sessions/{session.id}/cancel", data={"csrf_token": csrf_token(client, url)})
    db.session.refresh(session)
    assert session.cancelled_at is not None and session.sequence == 2 and len(outbox(app)) == 4
    body = classroom.calendar(ivan, classroom.sessions_for(ivan), "Site")
    assert "STATUS:CANCELLED" in body and "SEQUENCE:2" in body and body.count("BEGIN:VEVENT") == 1
    assert send_session_reminders() == 0  # no reminder for a cancelled session


def cohort_zone(cohort):
    from zoneinfo import ZoneInfo

    return ZoneInfo(cohort.timezone)


def test_saving_a_session_unchanged_tells_nobody(app, cohort):
    session = ClassSession(cohort=cohort, starts_at=utcnow() + timedelta(days=2), topic="Same")
    db.session.add(session)
    db.session.commit()
    local = session.starts_at.astimezone(cohort_zone(cohort)).replace(tzinfo=None)
    assert not classroom.change_session(
        session, starts_local=local, minutes=session.minutes, place="", online_url="", topic="Renamed"
    )
    db.session.commit()
    assert outbox(app) == [] and session.sequence == 0


@pytest.fixture
def assignment(create_course, create_user):
    trainer = create_user("trainer")
    course = create_course(modules=1, lessons=1, trainer=trainer, title="Business planning")
    activity = assignments.add_assignment(course.modules[0], "Business plan", trainer)
    activity.published = True
    trainees = [create_user(email=f"t{n}@example.org", locale="mk") for n in range(3)]
    for trainee in trainees:
        db.session.add(Enrolment(course=course, user=trainee))
    db.session.commit()
    return activity, trainer, trainees


def test_assignment_due_in_48_hours_reminds_who_has_not_handed_in_once(app, assignment):
    activity, trainer, (done, waiting, extended) = assignment
    due = utcnow().replace(microsecond=0) + timedelta(hours=30)
    activity.settings = {**activity.settings, "due": due.isoformat(), "online_text": True}
    assignments.save_work(activity, done.id, "My plan", [], set(), True)
    assignments.grant_extension(activity, extended.id, due + timedelta(days=7), "ill", trainer)
    db.session.commit()
    job = celery_app().tasks["assignments.due_reminders"]
    assert job.apply(throw=True).result == 1
    assert job.apply(throw=True).result == 0
    assert _to(app) == ["t1@example.org"]
    # The extended trainee is reminded two days before their own due date.
    assert assignments.remind_due(now=due + timedelta(days=6)) == 1
    db.session.commit()
    assert _to(app) == ["t1@example.org", "t2@example.org"]

    body = classroom.calendar(waiting, [], "Site", extra=assignments.due_dates(waiting, utcnow()))
    assert f"UID:assignment-{activity.id}@Site" in body
    assert f"DTSTART:{due.astimezone(UTC):%Y%m%dT%H%M%SZ}" in body
    own = classroom.calendar(extended, [], "Site", extra=assignments.due_dates(extended, utcnow()))
    assert f"DTSTART:{(due + timedelta(days=7)).astimezone(UTC):%Y%m%dT%H%M%SZ}" in own


def test_a_released_grade_is_told_once_per_grading(app, assignment):
    activity, trainer, (eleni, *_rest) = assignment
    assignments.save_work(activity, eleni.id, "Plan", [], set(), True)
    assignments.grade_submission(
        activity, eleni.id, trainer, "Well done", points=80, now=datetime(2027, 1, 5, tzinfo=UTC)
    )
    db.session.commit()
    (mail,) = outbox(app)
    assert mail["To"] == eleni.email and "80%" in mail.get_body(("plain",)).get_content()
    assignments.grade_submission(
        activity, eleni.id, trainer, "Better", points=90, now=datetime(2027, 1, 6, tzinfo=UTC)
    )
    db.session.commit()
    assert len(outbox(app)) == 2


def test_a_grade_released_together_is_told_at_release(app, assignment):
    activity, trainer, (eleni, *_rest) = assignment
    activity.settings = {**activity.settings, "release": "together"}
    assignments.save_work(activity, eleni.id, "Plan", [], set(), True)
    assignments.grade_submission(activity, eleni.id, trainer, "Fine", points=70)
    db.session.commit()
    assert outbox(app) == []
    assignments.release_grades(activity)
    db.session.commit()
    assert _to(app) == [eleni.email]


ESSAY = QuestionSpec("essay", "Plan", "Describe your marketing plan.")


def _essay_attempt(create_course, create_user, **settings):
    """A finished attempt at a one-essay quiz, waiting for its grade; the quiz, its trainer, the trainee."""
    trainer = create_user("trainer")
    course = create_course(modules=1, lessons=1, title="Marketing", trainer=trainer)
    activity = add_quiz(course.modules[0], "Marketing plan", trainer)
    activity.published, activity.settings = True, settings
    quiz.sync_quiz(activity, [ESSAY])
    trainee = create_user(email="maria@example.org")
    attempt = quiz.start_attempt(activity, trainee)
    (essay_id,) = attempt.question_ids()
    quiz.save_responses(attempt, {f"q{essay_id}": "Ads for the bakery"}, [essay_id])
    quiz.finish_attempt(attempt)
    db.session.commit()
    return activity, trainer, trainee, attempt


def test_a_graded_essay_tells_the_quiz_grade_once_per_grading(app, create_course, create_user, monkeypatch):
    activity, trainer, trainee, attempt = _essay_attempt(create_course, create_user)
    assert outbox(app) == []  # the essay waits: no grade yet
    (response,) = attempt.responses
    graded = utcnow()
    monkeypatch.setattr(quiz, "utcnow", lambda: graded)
    quiz.grade_response(response, 0.8, "Good start", trainer)
    db.session.commit()
    (mail,) = outbox(app)
    assert mail["To"] == trainee.email and "Marketing plan" in mail["Subject"]
    assert "80%" in mail.get_body(("plain",)).get_content()
    assert quiz.tell_marks(attempt, utcnow())  # asked again (a retried job): nobody is told twice
    db.session.commit()
    assert len(outbox(app)) == 1
    monkeypatch.setattr(quiz, "utcnow", lambda: graded + timedelta(minutes=5))  # graded again, later
    quiz.grade_response(response, 0.9, "Better", trainer)
    db.session.commit()
    assert len(outbox(app)) == 2
    event = db.session.scalars(select(Notification.event).where(Notification.user_id == trainee.id)).all()
    assert event == ["grade.released", "grade.released"]


def test_marks_shown_after_the_close_are_told_when_the_quiz_closes(app, create_course, create_user):
    closes = utcnow() + timedelta(hours=2)
    activity, trainer, trainee, attempt = _essay_attempt(
        create_course, create_user, review_marks="after_close", closes=closes.isoformat()
    )
    quiz.grade_response(attempt.responses[0], 0.5, "", trainer)
    db.session.commit()
    assert outbox(app) == []  # graded, but the trainee may not see marks before the close
    job = celery_app().tasks["quizzes.release_marks"]
    assert job.apply(throw=True).result == 0
    assert quiz.release_closed_marks(closes + timedelta(minutes=10), timedelta(days=1)) == 1
    db.session.commit()
    assert _to(app) == [trainee.email]
    assert quiz.release_closed_marks(closes + timedelta(minutes=25), timedelta(days=1)) == 1
    db.session.commit()
    assert len(outbox(app)) == 1  # the next run tells nobody again


def test_marks_never_shown_are_never_told(app, create_course, create_user):
    activity, trainer, _trainee, attempt = _essay_attempt(create_course, create_user, review_marks="never")
    quiz.grade_response(attempt.responses[0], 1.0, "", trainer)
    db.session.commit()
    assert outbox(app) == []


def test_an_issued_certificate_is_told_once(app, create_course, create_user):
    course = create_course(modules=1, lessons=1, title="Digital marketing")
    trainee = create_user(email="cert@example.org")
    first = certificates.issue(course, trainee, utcnow().date(), None)
    again = certificates.issue(course, trainee, utcnow().date(), None)
    db.session.commit()
    assert first is again
    (mail,) = outbox(app)
    assert "Digital marketing" in mail["Subject"] and first.code in mail.get_body(("plain",)).get_content()
