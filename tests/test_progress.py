"""Activity and course completion, the dashboard, the trainer's matrix and gradebook, and their exports."""

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from lms.admin.models import AuditEntry
from lms.courses.models import Enrolment
from lms.courses.package import package_files, parse_package
from lms.courses.services import add_quiz
from lms.courses.transfer import export_course, import_course
from lms.db import db
from lms.progress import services as progress
from lms.progress.models import Completion, CourseCompletion
from lms.progress.queries import course_progress
from lms.quizzes import services as quiz
from lms.quizzes.spec import AnswerSpec, QuestionSpec
from tests.conftest import csrf_token
from tests.test_courses import QueryCounter

TF = QuestionSpec(
    "truefalse",
    "TF",
    "Sofia is the capital of Bulgaria.",
    answers=[AnswerSpec("true", 1.0), AnswerSpec("false", 0.0)],
)


@pytest.fixture
def course_with_quiz(create_course, create_user):
    def factory(lessons=2, **fields):
        course = create_course(modules=1, lessons=lessons, trainer=create_user("trainer"), **fields)
        activity = add_quiz(course.modules[0], "Quiz", course.trainers[0])
        activity.published = True
        quiz.sync_quiz(activity, [TF])
        db.session.commit()
        return course

    return factory


def _enrol(course, user):
    db.session.add(Enrolment(course=course, user=user))
    db.session.commit()


def _take_quiz(course, user, right=True):
    activity = course.modules[0].activities[-1]
    attempt = quiz.start_attempt(activity, user)
    qid = attempt.question_ids()[0]
    quiz.save_responses(attempt, {f"q{qid}": "0" if right else "1"}, [qid])  # position 0 is "true"
    quiz.finish_attempt(attempt)
    db.session.commit()
    return attempt


def _mark(client, activity, done="1"):
    return client.post(
        f"/progress/activities/{activity.id}/done", data={"done": done, "csrf_token": csrf_token(client, "/")}
    )


def test_marking_lessons_and_passing_the_quiz_completes_the_course(client, login_as, course_with_quiz):
    course = course_with_quiz(completion_min_grade=50)
    user = login_as("trainee")
    _enrol(course, user)
    first, second, _quiz = course.modules[0].activities
    assert _mark(client, first).status_code == 302
    row = course_progress(course, [user.id])[user.id]
    assert (row.required_done, row.required_total, row.percent) == (1, 3, 33)
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "1 of 3 done" in page and page.count('class="tick"') == 1
    _mark(client, second)
    assert db.session.scalar(select(CourseCompletion)) is None  # the quiz is still to pass
    _take_quiz(course, user)
    completion = db.session.scalar(select(CourseCompletion))
    assert completion.user_id == user.id and completion.final_grade == 100.0 and completion.completed_at
    assert "Completed on" in client.get("/").get_data(as_text=True)


def test_failing_the_quiz_does_not_complete_it_and_attempted_rule_does(app, create_user, course_with_quiz):
    course = course_with_quiz()
    user = create_user()
    _enrol(course, user)
    activity = course.modules[0].activities[-1]
    _take_quiz(course, user, right=False)
    assert db.session.scalar(select(Completion).where(Completion.activity_id == activity.id)) is None
    activity.settings = {**activity.settings, "completion": "attempted"}
    _take_quiz(course, user, right=False)
    assert db.session.scalar(select(Completion.source).where(Completion.activity_id == activity.id)) == "quiz"


def test_optional_lessons_do_not_count(app, create_user, course_with_quiz):
    course = course_with_quiz(lessons=2)
    course.modules[0].activities[1].optional = True
    db.session.commit()
    user = create_user()
    _enrol(course, user)
    progress.complete(course.modules[0].activities[0], user.id, "marked")
    _take_quiz(course, user)
    assert db.session.scalar(select(CourseCompletion.user_id)) == user.id


def test_viewing_completes_a_lesson_when_the_course_says_so(client, login_as, course_with_quiz):
    course = course_with_quiz(completion_lessons="viewed")
    user = login_as("trainee")
    _enrol(course, user)
    module, lesson = course.modules[0], course.modules[0].activities[0]
    client.get(f"/courses/{course.slug}/learn/{module.slug}/{lesson.slug}")
    assert db.session.scalar(select(Completion.source).where(Completion.user_id == user.id)) == "viewed"
    assert db.session.get(Enrolment, db.session.scalar(select(Enrolment.id))).last_access_at is not None


def test_forged_completions_are_refused_and_change_nothing(client, login_as, course_with_quiz, create_course):
    course = course_with_quiz()
    other = create_course()
    user = login_as("trainee")
    _enrol(course, user)
    assert _mark(client, other.modules[0].activities[0]).status_code == 403  # not enrolled there
    assert _mark(client, course.modules[0].activities[-1]).status_code == 400  # a quiz is not marked by hand
    assert (
        client.post(
            "/progress/activities/999999/done", data={"csrf_token": csrf_token(client, "/")}
        ).status_code
        == 404
    )
    assert client.post(f"/progress/activities/{course.modules[0].activities[0].id}/done").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Completion)) == 0


def test_attendance_rule_plugs_in(app, create_user, course_with_quiz, monkeypatch):
    course = course_with_quiz(completion_min_attendance=75)
    user = create_user()
    _enrol(course, user)
    for lesson in course.modules[0].activities[:-1]:
        progress.complete(lesson, user.id, "marked")
    _take_quiz(course, user)
    assert db.session.scalar(select(CourseCompletion)) is None  # no attendance recorded anywhere
    monkeypatch.setattr(progress, "ATTENDANCE_PROVIDERS", [lambda c, uid: 80.0])
    progress.evaluate_course(course, user.id)
    assert db.session.scalar(select(CourseCompletion.user_id)) == user.id


def test_completion_survives_reimporting_the_course(app, create_user, course_with_quiz):
    course = course_with_quiz()
    user = create_user()
    _enrol(course, user)
    for lesson in course.modules[0].activities[:-1]:
        progress.complete(lesson, user.id, "marked")
    _take_quiz(course, user)
    before = db.session.scalar(select(CourseCompletion.completed_at))
    spec = parse_package(package_files(export_course(course)))
    spec.title = "Renamed"
    import_course(spec)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Completion)) == 3
    assert db.session.scalar(select(CourseCompletion.completed_at)) == before


def _as_trainer(client, course):
    client.post(
        "/login",
        data={
            "email": course.trainers[0].email,
            "password": "correct horse battery",
            "csrf_token": csrf_token(client),
        },
    )


def test_trainees_and_other_trainers_cannot_see_the_matrix(client, login_as, course_with_quiz):
    course = course_with_quiz()
    login_as("trainee")
    assert client.get(f"/progress/courses/{course.slug}/matrix").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login_as("trainer")
    assert client.get(f"/progress/courses/{course.slug}/gradebook").status_code == 403
    assert client.get(f"/progress/courses/{course.slug}/matrix.csv").status_code == 403


def test_matrix_queries_do_not_grow_with_trainees(client, create_user, course_with_quiz):
    course = course_with_quiz()
    _as_trainer(client, course)
    counts = []
    for trainees in (1, 25):
        for _ in range(trainees - (1 if counts else 0)):
            user = create_user()
            _enrol(course, user)
            progress.complete(course.modules[0].activities[0], user.id, "marked")
        db.session.commit()
        with QueryCounter(db.engine) as counter:
            assert client.get(f"/progress/courses/{course.slug}/matrix").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_matrix_exports_open_with_unicode_names(client, create_user, course_with_quiz):
    course = course_with_quiz()
    for name in ("Ελένη Παπαδοπούλου", "Марија Стојановска", "=cmd|' /C calc'!A0"):
        user = create_user(name=name, organisation="Пекара ДООЕЛ")
        _enrol(course, user)
        _take_quiz(course, user)
    _as_trainer(client, course)
    page = client.get(f"/progress/courses/{course.slug}/matrix?sort=name").get_data(as_text=True)
    assert page.index("Ελένη") > page.index("=cmd") or page.index("Ελένη") < page.index("Марија")
    text = client.get(f"/progress/courses/{course.slug}/matrix.csv").get_data(as_text=True)
    assert "Ελένη Παπαδοπούλου" in text and "'=cmd" in text
    response = client.get(f"/progress/courses/{course.slug}/matrix.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    names = sorted(row[0] for row in rows[1:])
    assert names == sorted(["Ελένη Παπαδοπούλου", "Марија Стојановска", "=cmd|' /C calc'!A0"])
    assert rows[0][0] == "Name" and "Quiz" in rows[0]
    formula_cells = [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert formula_cells == []  # "=cmd..." is text in the spreadsheet, not a formula
    response.close()


def test_gradebook_override_is_audited_and_counts(client, create_user, course_with_quiz):
    course = course_with_quiz(completion_min_grade=80, completion_activities="none")
    trainee = create_user(name="Јована")
    _enrol(course, trainee)
    _take_quiz(course, trainee, right=False)
    _as_trainer(client, course)
    url = f"/progress/courses/{course.slug}/gradebook"
    refused = client.post(
        url, data={"user_id": trainee.id, "grade": "85", "reason": "", "csrf_token": csrf_token(client, url)}
    )
    assert refused.status_code == 400
    # The refused override opens again in its row, keeps the grade, and names the field that is wrong.
    page = refused.get_data(as_text=True)
    assert '<details class="override" open>' in page
    assert f'id="grade-{trainee.id}" required value="85"' in page
    assert re.search(
        rf'id="reason-{trainee.id}"[^>]*aria-invalid="true" aria-describedby="reason-{trainee.id}-error"',
        page,
    )
    assert f'<p class="error" id="reason-{trainee.id}-error">' in page
    response = client.post(
        url,
        data={
            "user_id": trainee.id,
            "grade": "85",
            "reason": "Oral exam instead",
            "csrf_token": csrf_token(client, url),
        },
    )
    assert response.status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "grade.override"))
    assert entry.details["reason"] == "Oral exam instead" and entry.details["new"] == 85.0
    assert db.session.scalar(select(CourseCompletion.final_grade)) == 85.0
    outsider = create_user()
    assert (
        client.post(
            url,
            data={
                "user_id": outsider.id,
                "grade": "90",
                "reason": "forged",
                "csrf_token": csrf_token(client, url),
            },
        ).status_code
        == 400
    )


def test_overview_draws_charts_with_text_alternatives(client, create_user, course_with_quiz):
    course = course_with_quiz()
    user = create_user()
    _enrol(course, user)
    progress.complete(course.modules[0].activities[0], user.id, "marked")
    db.session.commit()
    _as_trainer(client, course)
    page = client.get(f"/progress/courses/{course.slug}").get_data(as_text=True)
    assert page.count("<svg") == 2 and 'role="img"' in page and "<desc" in page
    assert "Completion funnel" in page and "Module 1" in page


def test_matrix_has_short_column_labels_with_full_titles_and_a_key(client, create_user, course_with_quiz):
    course = course_with_quiz()
    _enrol(course, create_user())
    _as_trainer(client, course)
    page = client.get(f"/progress/courses/{course.slug}/matrix").get_data(as_text=True)
    first = course.modules[0].activities[0]
    assert f'<abbr title="{course.modules[0].title}: {first.title}">1.1</abbr>' in page
    assert f"<dt>1.1</dt><dd>{first.title} " in page  # the key below the table
    gradebook = client.get(f"/progress/courses/{course.slug}/gradebook").get_data(as_text=True)
    quiz = next(a for a in course.activities() if a.kind == "quiz")
    code = re.search(
        rf'<abbr title="{re.escape(quiz.module.title)}: {re.escape(quiz.title)}">(\d+\.\d+)</abbr>', gradebook
    )
    assert code and f"<dt>{code.group(1)}</dt><dd>{quiz.title} " in gradebook


def test_matrix_filters_by_cohort(client, create_user, course_with_quiz):
    from lms.classroom.models import Cohort, Programme
    from lms.classroom.services import add_member

    course = course_with_quiz()
    inside, outside = create_user(name="Στην ομάδα"), create_user(name="Εκτός ομάδας")
    _enrol(course, outside)
    cohort = Cohort(programme=Programme(title="P", courses=[course]), name="Strumica online group")
    db.session.add(cohort)
    add_member(cohort, inside)
    db.session.commit()
    _as_trainer(client, course)
    page = client.get(f"/progress/courses/{course.slug}/matrix").get_data(as_text=True)
    assert "Στην ομάδα" in page and "Εκτός ομάδας" in page and "Strumica online group" in page
    page = client.get(f"/progress/courses/{course.slug}/matrix?cohort={cohort.id}").get_data(as_text=True)
    assert "Στην ομάδα" in page and "Εκτός ομάδας" not in page
    text = client.get(f"/progress/courses/{course.slug}/matrix.csv?cohort={cohort.id}").get_data(as_text=True)
    assert "Στην ομάδα" in text and "Εκτός ομάδας" not in text
