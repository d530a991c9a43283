"""Announcements of a course and of a cohort: who may post and read, telling the audience once in
their language, scheduling, and the latest on the dashboard and course page within the query budget."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.announcements import services as announcements
from lms.announcements.models import Announcement
from lms.classroom import services as classroom
from lms.classroom.models import Cohort, Programme
from lms.courses.models import Enrolment
from lms.db import db, utcnow
from lms.notifications.models import Notification
from tests.conftest import csrf_token, login
from tests.test_jobs import outbox
from tests.test_page_queries import MAX_QUERIES, StatementCounter, _pages, busy_trainee  # noqa: F401
from tests.test_quizzes import make_quiz  # noqa: F401 (a fixture)


@pytest.fixture
def course_with_people(create_course, create_user):
    trainer = create_user("trainer", name="Μαρία Τρεινερ")
    course = create_course(modules=1, lessons=1, trainer=trainer, title="Digital marketing")
    eleni = create_user(name="Ελένη", email="eleni@example.org", locale="el")
    marko = create_user(name="Marko", email="marko@example.org", locale="sr")
    gone = create_user(name="Gone", email="gone@example.org")
    outsider = create_user(name="Outsider", email="outsider@example.org")
    for user in (eleni, marko, gone):
        db.session.add(Enrolment(course=course, user=user))
    db.session.commit()
    db.session.scalar(select(Enrolment).where(Enrolment.user_id == gone.id)).status = "unenrolled"
    db.session.commit()
    return {
        "course": course,
        "trainer": trainer,
        "trainees": [eleni, marko],
        "gone": gone,
        "outsider": outsider,
    }


def _as(app, email):
    """A fresh browser logged in as `email`."""
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def _post(client, url, **fields):
    data = {"title": "Room change", "body": "Thursday's class moves to **Room 4**.", "tell": "y"}
    data.update(fields)
    data["csrf_token"] = csrf_token(client, url)
    return client.post(url, data=data)


def test_trainer_announces_and_everyone_enrolled_is_told_once_in_their_language(
    app, client, course_with_people
):
    people = course_with_people
    login(client, people["trainer"].email)
    url = f"/announcements/courses/{people['course'].slug}"
    assert _post(client, url).status_code == 302
    mails = {mail["To"]: mail for mail in outbox(app)}
    assert set(mails) == {"eleni@example.org", "marko@example.org"}
    greek = mails["eleni@example.org"]
    assert "Room change" in greek["Subject"] and greek["Subject"] != mails["marko@example.org"]["Subject"]
    assert "<strong>Room 4</strong>" in greek.get_body(("html",)).get_content()
    assert "**Room 4**" in greek.get_body(("plain",)).get_content()
    (announcement,) = db.session.scalars(select(Announcement))
    assert announcements.publish(announcement) == []  # published already: nothing more
    assert announcements.tell(announcement) == []  # the job again (a redelivery): nobody is told twice
    assert len(db.session.scalars(select(Notification)).all()) == 2

    # Trainees see it on the course page and on their dashboard.
    client = _as(app, "eleni@example.org")
    assert "Room change" in client.get(f"/courses/{people['course'].slug}").get_data(as_text=True)
    assert "Room change" in client.get("/").get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "<strong>Room 4</strong>" in page and "New announcement" not in page


def test_who_may_post_and_read(app, client, course_with_people, create_user):
    people = course_with_people
    url = f"/announcements/courses/{people['course'].slug}"
    client = _as(app, "eleni@example.org")
    assert client.get(url).status_code == 200
    assert _post(client, url).status_code == 403
    assert _as(app, "outsider@example.org").get(url).status_code == 403
    other = create_user("trainer")
    client = _as(app, other.email)
    assert _post(client, url).status_code == 403
    announcement = announcements.post(people["trainer"], course=people["course"], title="Mine", body="x")
    db.session.commit()
    token = csrf_token(client, "/")
    assert client.get(f"/announcements/{announcement.id}/edit").status_code == 403
    assert (
        client.post(f"/announcements/{announcement.id}/delete", data={"csrf_token": token}).status_code == 403
    )


def test_markdown_is_sanitised_and_capped(app, client, course_with_people):
    people = course_with_people
    login(client, people["trainer"].email)
    url = f"/announcements/courses/{people['course'].slug}"
    _post(
        client, url, body='<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror="alert(1)">'
    )
    page = client.get(url).get_data(as_text=True)
    assert "<script>alert" not in page and "javascript:alert" not in page and "onerror" not in page
    response = _post(client, url, title="Long", body="a" * 20_001)
    assert response.status_code == 400
    assert db.session.scalar(select(Announcement).where(Announcement.title == "Long")) is None


def test_a_scheduled_announcement_waits_for_its_time(app, client, course_with_people):
    people = course_with_people
    later = utcnow() + timedelta(hours=2)
    announcement = announcements.post(
        people["trainer"], course=people["course"], title="Later", body="Soon", publish_at=later
    )
    db.session.commit()
    assert outbox(app) == [] and not announcement.is_published
    client = _as(app, "eleni@example.org")
    assert "Later" not in client.get(f"/announcements/courses/{people['course'].slug}").get_data(as_text=True)
    assert announcements.publish_due() == 0
    assert announcements.publish_due(now=later + timedelta(minutes=1)) == 1
    db.session.commit()
    assert len(outbox(app)) == 2
    assert announcements.publish_due(now=later + timedelta(minutes=2)) == 0


def test_cohort_announcements_go_to_current_members(app, client, create_user):
    trainer, coordinator = create_user("trainer"), create_user("coordinator")
    member, former = create_user(email="member@example.org"), create_user(email="former@example.org")
    cohort = Cohort(programme=Programme(title="SME skills"), name="Bitola", trainers=[trainer])
    db.session.add(cohort)
    classroom.add_member(cohort, member)
    classroom.add_member(cohort, former)
    db.session.commit()
    classroom.remove_member(cohort, former.id)
    db.session.commit()
    login(client, trainer.email)
    assert _post(client, f"/announcements/cohorts/{cohort.id}").status_code == 302
    assert [mail["To"] for mail in outbox(app)] == ["member@example.org"]
    assert _as(app, former.email).get(f"/announcements/cohorts/{cohort.id}").status_code == 403
    assert "Room change" in _as(app, member.email).get(f"/announcements/cohorts/{cohort.id}").get_data(
        as_text=True
    )
    assert coordinator.is_coordinator


def test_announcements_cost_the_dashboard_and_course_page_no_query(app, client, busy_trainee):  # noqa: F811
    from lms.auth.models import User

    course = busy_trainee["course"]
    cohort = db.session.scalar(select(Cohort))
    author = db.session.scalar(select(User).where(User.role == "coordinator"))
    for number in range(5):
        announcements.post(
            author, course=course, title=f"Course news {number}", body="News", pinned=number == 0
        )
        announcements.post(author, cohort=cohort, title=f"Cohort news {number}", body="News")
    db.session.commit()
    pages = _pages(busy_trainee)
    for name in ("dashboard", "course page"):
        with StatementCounter(db.engine) as counter:
            page = client.get(pages[name]).get_data(as_text=True)
        assert counter.count <= MAX_QUERIES[name], (name, counter.count)
        assert "Course news 0" in page  # the pinned one
    dashboard = client.get("/").get_data(as_text=True)
    assert "Cohort news 4" in dashboard and "Cohort news 0" not in dashboard  # the latest three
