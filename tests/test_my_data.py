"""A trainee downloads their own data (GDPR access and portability): one ZIP of CSV tables and a README
in their language, their rows only, hidden marks kept hidden, in a bounded number of queries."""

import csv
import io
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.assignments import services as assignments
from lms.assignments.models import Submission, SubmissionFile
from lms.certificates import services as certificates
from lms.classroom.models import AttendanceRecord, ClassSession, Cohort, Programme
from lms.courses.models import Enrolment
from lms.courses.services import add_quiz
from lms.db import db, utcnow
from lms.exports.models import ExportJob
from lms.forums import services as forums
from lms.progress.models import Completion
from lms.quizzes import services as quiz
from lms.quizzes.spec import QuestionSpec
from lms.surveys import services as surveys
from tests.conftest import csrf_token, login
from tests.test_courses import QueryCounter

FILES = [
    "README.txt",
    "profile.csv",
    "enrolments.csv",
    "progress.csv",
    "quiz-attempts.csv",
    "quiz-answers.csv",
    "assignment-submissions.csv",
    "forum-posts.csv",
    "survey-answers.csv",
    "attendance.csv",
    "certificates.csv",
]
ESSAY = QuestionSpec("essay", "Plan", "Describe your marketing plan.")


def _survey(module, trainer, anonymous: bool, answer: int, user):
    activity = surveys.add_survey(module, "Named" if not anonymous else "Anonymous", trainer)
    activity.settings = {**activity.settings, "anonymous": anonymous}
    surveys.submit_response(activity, user.id, {"overall": answer})


def give_data(user, course, trainer, copies: int = 1) -> None:
    """`copies` of every kind of data for the user in the course (and its cohort)."""
    module = course.modules[0]
    for number in range(copies):
        activity = add_quiz(module, f"Quiz {number}", trainer)
        activity.published, activity.settings = True, {"review_marks": "never", "review_feedback": "never"}
        quiz.sync_quiz(activity, [ESSAY])
        attempt = quiz.start_attempt(activity, user)
        quiz.save_responses(
            attempt, {f"q{attempt.question_ids()[0]}": f"Ads {number}"}, attempt.question_ids()
        )
        quiz.finish_attempt(attempt)
        quiz.grade_response(attempt.responses[0], 0.7, "Secret comment", trainer)
        work = assignments.add_assignment(module, f"Plan {number}", trainer)
        assignments.save_work(work, user.id, "My plan", [], set(), True)
        submission = db.session.scalar(select(Submission).where(Submission.activity_id == work.id))
        db.session.add(
            SubmissionFile(
                submission=submission,
                name="plan.pdf",
                sha256="0" * 64,
                size=1234,
                content_type="application/pdf",
            )
        )
        forum = forums.add_forum(module, f"Forum {number}", trainer)
        forums.start_thread(forum, user, "Pricing", f"How do I price {number}?")
        _survey(module, trainer, anonymous=False, answer=4, user=user)
        _survey(module, trainer, anonymous=True, answer=2, user=user)
        cohort = Cohort(programme=Programme(title="SME Digital Skills"), name=f"Group {number}")
        session = ClassSession(cohort=cohort, starts_at=utcnow() - timedelta(days=1), topic="Export markets")
        db.session.add(AttendanceRecord(session=session, user_id=user.id, status="P"))
        db.session.flush()
    db.session.add(Completion(user_id=user.id, activity_id=module.activities[0].id, source="marked"))
    db.session.add(Enrolment(course=course, user=user))
    db.session.commit()


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200 and response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def _table(archive, name) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


@pytest.fixture
def trainee_with_data(create_user, create_course):
    trainer = create_user("trainer")
    course = create_course(modules=1, lessons=1, trainer=trainer, title="Digital marketing")
    trainee = create_user(email="eleni@example.org", name="Ελένη", locale="el")
    give_data(trainee, course, trainer)
    certificates.issue(course, trainee, date(2027, 3, 1), None)
    db.session.commit()
    return trainee, course, trainer


def test_the_zip_holds_each_kind_of_the_trainees_data(client, trainee_with_data):
    trainee, _course, _trainer = trainee_with_data
    login(client, trainee.email)
    archive = _zip(client.get("/profile/my-data.zip"))
    assert archive.namelist() == FILES
    assert _table(archive, "profile.csv")[0]["email"] == "eleni@example.org"
    assert [row["course"] for row in _table(archive, "enrolments.csv")] == ["Digital marketing"]
    assert "Lesson 1.1" in [row["activity"] for row in _table(archive, "progress.csv")]
    (attempt,) = _table(archive, "quiz-attempts.csv")
    (answer,) = _table(archive, "quiz-answers.csv")
    assert attempt["state"] == "finished" and answer["answer"] == "Ads 0"
    # The quiz never shows marks nor feedback: the export does not either.
    assert attempt["grade_percent"] == answer["mark_percent"] == "" and "Secret" not in answer["comment"]
    (submission,) = _table(archive, "assignment-submissions.csv")
    assert submission["files"] == "plan.pdf (1234 bytes)" and submission["online_text_characters"] == "7"
    assert _table(archive, "forum-posts.csv")[0]["message"] == "How do I price 0?"
    (named,) = _table(archive, "survey-answers.csv")  # the anonymous answer cannot be told apart
    assert (named["survey"], named["answer"]) == ("Named", "4")
    assert _table(archive, "attendance.csv")[0]["status"] == "P"
    (certificate,) = _table(archive, "certificates.csv")
    assert certificate["verify_at"].endswith(f"/verify/{certificate['code']}")
    readme = archive.read("README.txt").decode()
    assert "Ελένη" in readme and "quiz-answers.csv" in readme and "UTC" in readme


def test_a_grade_released_to_the_trainee_is_in_the_export(client, trainee_with_data):
    trainee, _course, trainer = trainee_with_data
    submission = db.session.scalar(select(Submission).where(Submission.user_id == trainee.id))
    assignments.grade_submission(submission.activity, trainee.id, trainer, "Good", points=80)
    db.session.commit()
    login(client, trainee.email)
    (row,) = _table(_zip(client.get("/profile/my-data.zip")), "assignment-submissions.csv")
    assert row["grade_percent"] == "80.0"


def test_nobody_elses_data_is_in_it(client, create_user, trainee_with_data):
    trainee, _course, _trainer = trainee_with_data
    other = create_user(email="marko@example.org")
    login(client, other.email)
    archive = _zip(client.get("/profile/my-data.zip"))
    assert _table(archive, "profile.csv")[0]["email"] == "marko@example.org"
    for name in FILES[2:]:
        assert _table(archive, name) == [], name
    asked = _zip(client.get(f"/profile/my-data.zip?user_id={trainee.id}&user={trainee.email}"))
    assert _table(asked, "profile.csv")[0]["email"] == "marko@example.org"  # no parameter names a user


def test_queries_do_not_grow_with_the_amount_of_data(app, client, create_user, create_course):
    trainer = create_user("trainer")
    counts = []
    for copies in (1, 6):
        course = create_course(modules=1, lessons=1, trainer=trainer)
        trainee = create_user()
        give_data(trainee, course, trainer, copies)
        login(client, trainee.email)
        with QueryCounter(db.engine) as counter:
            archive = _zip(client.get("/profile/my-data.zip"))
        assert len(_table(archive, "quiz-attempts.csv")) == copies
        counts.append(counter.count)
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert counts[0] == counts[1]


def test_a_large_export_is_made_by_a_job_only_its_owner_downloads(
    app, client, create_user, trainee_with_data
):
    trainee, _course, _trainer = trainee_with_data
    app.config["EXPORT_IN_REQUEST_CELLS"] = 10
    login(client, trainee.email)
    response = client.get("/profile/my-data.zip")
    assert response.status_code == 302 and "/exports/" in response.headers["Location"]
    job = db.session.scalar(select(ExportJob).where(ExportJob.kind == "my_data"))
    assert job.status == "done" and job.created_by_id == trainee.id
    with client.get(f"/exports/{job.id}/download") as download:  # a file from storage: closed after
        archive = _zip(download)
    assert _table(archive, "profile.csv")[0]["email"] == trainee.email
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, create_user().email)
    assert client.get(f"/exports/{job.id}/download").status_code == 403


def test_the_profile_page_links_to_the_download(client, login_as):
    login_as("trainee")
    page = client.get("/profile").get_data(as_text=True)
    assert 'href="/profile/my-data.zip"' in page
