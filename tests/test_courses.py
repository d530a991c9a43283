"""Catalogue, course and lesson pages, enrolment, and who may read what."""

import re

import pytest
from sqlalchemy import event, select

from lms.courses.models import Enrolment
from lms.db import db
from tests.conftest import csrf_token


def _lesson_url(course, m=0, a=0):
    module = course.modules[m]
    return f"/courses/{course.slug}/learn/{module.slug}/{module.activities[a].slug}"


def test_catalogue_filters_and_hides_drafts(client, create_course):
    create_course(title="Local SEO for bakeries", category="marketing", language="en")
    create_course(title="Ψηφιακό μάρκετινγκ", category="marketing", language="el")
    create_course(title="Cloud basics", category="ict", language="en")
    create_course(title="Secret draft", published=False)
    page = client.get("/courses/").get_data(as_text=True)
    assert "Local SEO" in page and "Cloud basics" in page and "Secret draft" not in page
    page = client.get("/courses/?category=ict").get_data(as_text=True)
    assert "Cloud basics" in page and "Local SEO" not in page
    page = client.get("/courses/?language=el").get_data(as_text=True)
    assert "Ψηφιακό μάρκετινγκ" in page and "Cloud basics" not in page
    page = client.get("/courses/?q=ψηφιακό").get_data(as_text=True)
    assert "Ψηφιακό μάρκετινγκ" in page and "Local SEO" not in page
    assert client.get("/courses/?category=cooking").status_code == 200  # a bad filter is ignored


def test_public_sees_summary_but_not_lessons(client, create_course):
    course = create_course()
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert course.title in page and "Lesson 1.1" in page and "Log in to enrol" in page
    assert _lesson_url(course) not in page
    assert client.get(_lesson_url(course)).status_code == 302  # to the login page


def test_draft_course_is_404_for_trainees(client, login_as, create_course):
    course = create_course(published=False)
    login_as("trainee")
    assert client.get(f"/courses/{course.slug}").status_code == 404


def test_self_enrolment_then_reading_then_leaving_keeps_history(client, login_as, create_course):
    course = create_course()
    user = login_as("trainee")
    assert client.get(_lesson_url(course)).status_code == 403
    token = csrf_token(client, f"/courses/{course.slug}")
    assert client.post(f"/courses/{course.slug}/enrol", data={"csrf_token": token}).status_code == 302
    page = client.get(_lesson_url(course))
    assert page.status_code == 200 and "Text of lesson 1." in page.get_data(as_text=True)
    client.post(f"/courses/{course.slug}/unenrol", data={"csrf_token": token})
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.user_id == user.id and enrolment.status == "unenrolled" and enrolment.unenrolled_at
    assert client.get(_lesson_url(course)).status_code == 403
    client.post(f"/courses/{course.slug}/enrol", data={"csrf_token": token})
    assert db.session.scalar(select(Enrolment.status)) == "active"


def test_enrolment_key_is_required_when_set(client, login_as, create_course):
    course = create_course(enrolment_key="serres-2027")
    login_as("trainee")
    token = csrf_token(client, f"/courses/{course.slug}")
    response = client.post(
        f"/courses/{course.slug}/enrol", data={"key": "wrong", "csrf_token": token}, follow_redirects=True
    )
    assert "enrolment key is not right" in response.get_data(as_text=True)
    assert db.session.scalar(select(Enrolment)) is None
    client.post(f"/courses/{course.slug}/enrol", data={"key": "serres-2027", "csrf_token": token})
    assert db.session.scalar(select(Enrolment.method)) == "key"


def test_forged_enrolment_in_closed_course_is_refused(client, login_as, create_course):
    course = create_course(self_enrolment=False)
    login_as("trainee")
    response = client.post(f"/courses/{course.slug}/enrol", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert db.session.scalar(select(Enrolment)) is None


def test_enrol_without_csrf_changes_nothing(client, login_as, create_course):
    course = create_course()
    login_as("trainee")
    assert client.post(f"/courses/{course.slug}/enrol").status_code == 400
    assert db.session.scalar(select(Enrolment)) is None


def test_trainers_and_coordinators_read_without_enrolling(client, login_as, create_user, create_course):
    trainer = create_user("trainer")
    course = create_course(trainer=trainer, published=False)
    login_as("coordinator")
    assert client.get(_lesson_url(course)).status_code == 200


def test_lesson_page_has_previous_and_next_across_modules(client, login_as, create_course):
    course = create_course(modules=2, lessons=2)
    login_as("coordinator")
    page = client.get(_lesson_url(course, 0, 1)).get_data(as_text=True)
    assert 'rel="prev"' in page and _lesson_url(course, 0, 0) in page
    assert 'rel="next"' in page and _lesson_url(course, 1, 0) in page
    assert "2 of 4" in page


def test_unpublished_lesson_is_hidden_from_trainees(client, login_as, create_course):
    course = create_course(modules=1, lessons=2)
    course.modules[0].activities[1].published = False
    user = login_as("trainee")
    db.session.add(Enrolment(course=course, user=user))
    db.session.commit()
    assert client.get(_lesson_url(course, 0, 1)).status_code == 404
    assert "Lesson 1.2" not in client.get(f"/courses/{course.slug}").get_data(as_text=True)


def test_unknown_course_module_or_lesson_is_404(client, login_as, create_course):
    course = create_course()
    login_as("coordinator")
    assert client.get("/courses/no-such-course").status_code == 404
    assert client.get(f"/courses/{course.slug}/learn/nope/nope").status_code == 404


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


@pytest.mark.parametrize("path", ["detail", "lesson"])
def test_page_queries_do_not_grow_with_lessons(app, client, login_as, create_course, path):
    user = login_as("trainee")
    counts = []
    for size in (1, 6):
        course = create_course(modules=size, lessons=size)
        db.session.add(Enrolment(course=course, user=user))
        db.session.commit()
        url = f"/courses/{course.slug}" if path == "detail" else _lesson_url(course, size - 1, size - 1)
        with QueryCounter(db.engine) as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_home_lists_my_courses(client, login_as, create_course):
    course = create_course(title="Ψηφιακές δεξιότητες")
    user = login_as("trainee")
    db.session.add(Enrolment(course=course, user=user))
    db.session.commit()
    assert "Ψηφιακές δεξιότητες" in client.get("/").get_data(as_text=True)


def test_lesson_page_has_the_course_outline_with_ticks_and_the_current_one(client, login_as, create_course):
    from lms.progress.services import complete

    course = create_course(modules=2, lessons=2)
    course.modules[1].activities[1].published = False
    user = login_as("trainee")
    db.session.add(Enrolment(course=course, user=user))
    complete(course.modules[0].activities[0], user.id, "marked")
    db.session.commit()
    page = client.get(_lesson_url(course, 0, 1)).get_data(as_text=True)
    outline = page[
        page.index('<details class="outline">') : page.index("</details>", page.index('class="outline"'))
    ]
    assert "Module 1" in outline and "Module 2" in outline
    assert re.search(r'<li class="done">\s*<span class="outline-mark" aria-hidden="true">✓</span>', outline)
    assert f'<a href="{_lesson_url(course, 0, 1)}" aria-current="page">Lesson 1.2</a>' in outline
    assert "Lesson 2.1" in outline and "Lesson 2.2" not in outline  # no drafts for trainees
    # "Mark as done" sits beside "Next", at the bottom; previous/next are at the top too.
    bottom = page[page.index("step-nav-bottom") :]
    assert bottom.index("Mark as done") < bottom.index('rel="next"')
    assert page.count('rel="next"') == 2 and page.count('rel="prev"') == 2
