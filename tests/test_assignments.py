"""Assignments: packages, handing in work, grading with a rubric, extensions, release, completion."""

import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from lms.admin.models import AuditEntry
from lms.assignments import services as assignments
from lms.assignments.models import Submission, SubmissionFile
from lms.courses.models import Enrolment
from lms.courses.package import PackageError, package_files, parse_package
from lms.courses.transfer import export_course, import_course
from lms.db import db
from lms.progress.models import Completion
from lms.progress.queries import course_progress
from tests.conftest import csrf_token, login
from tests.test_courses import QueryCounter

PDF = b"%PDF-1.4 a business plan"
COURSE_TOML = (
    'slug = "plans"\ntitle = "Plans"\nsummary = "Write a plan."\nlanguage = "el"\ncategory = "startup"\n'
    'hours = 2\ntrainers = []\npublished = true\n\n[completion]\nactivities = "all"\nmin_grade = 0\n'
    "min_attendance = 0\n"
)
ASSIGNMENT = (
    "---\ntitle: Επιχειρηματικό σχέδιο\ndue: 2027-03-01T17:00:00+02:00\ncutoff: 2027-03-08T17:00:00+02:00\n"
    "max_files: 2\nfile_types: pdf, docx\nmax_mb: 10\n"
    "criterion: Market analysis | Missing = 0 | Basic = 5 | Thorough = 10\n"
    "criterion: Finance | Missing = 0 | Sound = 10\nresubmit: true\npass_mark: 60\nweight: 2\n"
    "release: together\noptional: true\n---\n\n# Your business plan\n\nSee [the template](images/plan.pdf).\n"
)


def _files(assignment=ASSIGNMENT):
    return {
        "course.toml": COURSE_TOML.encode(),
        "01-plan/module.toml": b'title = "Plan"\n',
        "01-plan/01-business-plan.assignment.md": assignment.encode(),
        "01-plan/images/plan.pdf": PDF,
    }


def test_an_assignment_round_trips_through_a_package_byte_for_byte(app):
    course, _ = import_course(parse_package(_files()))
    db.session.commit()
    activity = course.activities()[0]
    assert activity.kind == "assignment" and activity.optional
    settings = assignments.settings_of(activity)
    assert settings.max_points == 20 and settings.file_types == [".pdf", ".docx"] and settings.weight == 2
    assert "/courses/plans/files/plan/images/plan.pdf" in activity.body_html
    assert package_files(export_course(course)) == _files()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("due: next friday", "due 'next friday' must be a date and time"),
        ("criterion: Finance | Good", "a criterion reads"),
        ("file_types: exe", "file_types must be among"),
        ("max_files: 500", "max_files '500' must be a whole number from 0 to 20"),
        ("max_grade: 0", "max_grade '0' must be a whole number from 1 to 1000"),
    ],
)
def test_a_bad_setting_names_the_line(app, line, message):
    text = ASSIGNMENT.replace("max_mb: 10\n", f"max_mb: 10\n{line}\n")
    with pytest.raises(PackageError) as error:
        parse_package(_files(text))
    assert f"01-plan/01-business-plan.assignment.md line 8: {message}" in str(error.value)


def test_an_assignment_body_has_the_same_markdown_cap_as_a_lesson(app):
    """Every kind's Markdown body goes through reader.markdown: too long is refused with the file named."""
    text = ASSIGNMENT.replace("# Your business plan", "word " * 20_001)
    with pytest.raises(PackageError) as error:
        parse_package(_files(text))
    assert "01-plan/01-business-plan.assignment.md: the assignment is 100," in str(error.value)


def test_a_riff_file_that_is_not_webp_is_not_an_image():
    from lms.uploads import looks_like

    assert looks_like(b"RIFF\x00\x00\x00\x00WEBPVP8 ", "pic.webp")
    assert not looks_like(b"RIFF\x00\x00\x00\x00WAVEfmt ", "pic.webp")


@pytest.fixture
def setup(create_course, create_user):
    """A course with a published assignment (files and text, a rubric) and two enrolled trainees."""

    def factory(**settings):
        trainer = create_user("trainer")
        course = create_course(modules=1, lessons=1, trainer=trainer)
        activity = assignments.add_assignment(course.modules[0], "Business plan", trainer)
        activity.published = True
        activity.settings = {"max_files": 1, "file_types": [".pdf"], "max_mb": 1, **settings}
        trainees = [create_user(name=name) for name in ("Ελένη Παπαδοπούλου", "Марија Стојановска")]
        for trainee in trainees:
            db.session.add(Enrolment(course=course, user=trainee))
        db.session.commit()
        return course, activity, trainer, trainees

    return factory


def _page(course, activity):
    return f"/courses/{course.slug}/learn/{activity.module.slug}/{activity.slug}"


def _post_work(client, course, activity, text="", files=(), action="save"):
    token = csrf_token(client, _page(course, activity))
    data = {"csrf_token": token, "text": text, action: "1", "files": [(io.BytesIO(d), n) for n, d in files]}
    return client.post(f"/assignments/{activity.id}/work", data=data, content_type="multipart/form-data")


def test_a_trainee_saves_a_draft_then_submits_once(client, setup):
    course, activity, _, (eleni, _) = setup()
    login(client, eleni.email)
    page = client.get(_page(course, activity)).get_data(as_text=True)
    assert "Not submitted" in page and "Save draft" in page
    _post_work(client, course, activity, "My **plan**", [("plan.pdf", PDF)])
    assert "Draft" in client.get(_page(course, activity)).get_data(as_text=True)
    first = _post_work(client, course, activity, "My **plan**", action="submit")
    again = _post_work(client, course, activity, "My **plan**", action="submit")  # a double click
    assert first.status_code == again.status_code == 302
    submissions = db.session.scalars(select(Submission)).all()
    assert len(submissions) == 1 and submissions[0].times_submitted == 1
    assert submissions[0].text_html == "<p>My <strong>plan</strong></p>"
    assert [f.name for f in submissions[0].files] == ["plan.pdf"]
    page = client.get(_page(course, activity)).get_data(as_text=True)
    assert "You have already submitted this assignment." in page and "Submitted" in page


def test_a_file_that_does_not_pass_is_refused_before_anything_is_stored(app, client, setup):
    course, activity, _, (eleni, _) = setup()
    uploads = Path(app.instance_path, "uploads")
    before = sorted(uploads.rglob("*"))
    too_big = assignments.Upload("plan.pdf", b"%PDF-" + b"0" * 1024 * 1024)
    with pytest.raises(assignments.AssignmentError) as refused:
        assignments.save_work(activity, eleni.id, "x", [too_big], set(), True)
    assert (refused.value.code, refused.value.params) == ("too-large", {"name": "plan.pdf", "mb": 1})
    login(client, eleni.email)  # through the page: an .exe renamed .pdf
    assert _post_work(client, course, activity, "x", [("plan.pdf", b"MZ\x90\x00 an exe")]).status_code == 302
    page = client.get(_page(course, activity)).get_data(as_text=True)
    assert "plan.pdf is not one of the allowed file types (.pdf). Nothing was saved." in page
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
    assert sorted(uploads.rglob("*")) == before


def test_after_the_cutoff_work_is_refused_with_the_time_unless_extended(setup, create_user):
    past = datetime.now(UTC) - timedelta(days=1)
    course, activity, trainer, (eleni, _) = setup(
        due=(past - timedelta(days=2)).isoformat(), cutoff=past.isoformat()
    )
    with pytest.raises(assignments.AssignmentError) as refused:
        assignments.save_work(activity, eleni.id, "late", [], set(), True)
    assert refused.value.code == "closed" and refused.value.params["cutoff"] == past
    with current_app.test_request_context():  # the audit entry names the current user, if any
        assignments.grant_extension(activity, eleni.id, past + timedelta(days=3), "Illness", trainer)
    submission = assignments.save_work(activity, eleni.id, "late but allowed", [], set(), True)
    due, _ = assignments.deadlines(
        assignments.settings_of(activity), db.session.scalars(select(assignments.Extension)).one()
    )
    assert assignments.status(submission, due, trainee_view=True) == "submitted"
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "assignment.extension")) is not None
    )


def test_rubric_grades_are_audited_released_together_and_reach_progress(client, setup):
    course, activity, trainer, (eleni, marija) = setup(
        rubric=[
            {"criterion": "Market", "levels": [["Missing", 0], ["Thorough", 10]]},
            {"criterion": "Finance", "levels": [["Missing", 0], ["Basic", 5], ["Sound", 10]]},
        ],
        release="together",
        pass_mark=70,
    )
    assignments.save_work(activity, eleni.id, "Plan", [], set(), True)
    db.session.commit()
    login(client, trainer.email)
    url = f"/assignments/{activity.id}/grade/{eleni.id}"
    token = csrf_token(client, url)
    response = client.post(
        url, data={"csrf_token": token, "level-0": "1", "level-1": "1", "feedback": "Good *start*"}
    )
    assert response.status_code == 302
    submission = db.session.scalars(select(Submission)).one()
    assert (submission.points, submission.grade, submission.released) == (15.0, 75.0, False)
    assert course_progress(course, [eleni.id])[eleni.id].grades == {activity.id: None}  # not released yet
    table = client.get(f"/assignments/{activity.id}/grading").get_data(as_text=True)
    assert "75%" in table and "not released" in table and "Release 1 grade to trainees" in table
    token = csrf_token(client, f"/assignments/{activity.id}/grading")
    client.post(f"/assignments/{activity.id}/release", data={"csrf_token": token})
    row = course_progress(course, [eleni.id])[eleni.id]
    assert row.grades == {activity.id: 75.0} and activity.id in row.completed
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "assignment.grade"))
    assert audit.details["new"] == 75.0 and audit.details["levels"] == [1, 1]
    completion = db.session.scalar(
        select(Completion).where(Completion.user_id == eleni.id, Completion.activity_id == activity.id)
    )
    assert completion.source == "assignment"


def test_an_incomplete_rubric_is_refused(client, setup):
    course, activity, trainer, (eleni, _) = setup(
        rubric=[{"criterion": "Market", "levels": [["No", 0], ["Yes", 5]]}]
    )
    login(client, trainer.email)
    url = f"/assignments/{activity.id}/grade/{eleni.id}"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "feedback": ""})
    assert response.status_code == 400 and "Choose a level for every criterion." in response.get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0


def test_grading_table_filters_and_zip(client, setup):
    course, activity, trainer, (eleni, marija) = setup()
    assignments.save_work(activity, eleni.id, "Plan", [assignments.Upload("plan.pdf", PDF)], set(), True)
    db.session.commit()
    login(client, trainer.email)
    needs = client.get(f"/assignments/{activity.id}/grading?show=needs_grading").get_data(as_text=True)
    assert "Ελένη" in needs and "Марија" not in needs
    missing = client.get(f"/assignments/{activity.id}/grading?show=not_submitted").get_data(as_text=True)
    assert "Марија" in missing and "Ελένη" not in missing
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/assignments/{activity.id}/submissions.zip").data))
    folder = f"Ελένη Παπαδοπούλου ({eleni.email})"
    assert sorted(archive.namelist()) == [f"{folder}/online-text.md", f"{folder}/plan.pdf"]
    assert archive.read(f"{folder}/plan.pdf") == PDF


def test_another_trainee_cannot_download_my_file(client, setup):
    course, activity, _, (eleni, marija) = setup()
    work = assignments.save_work(activity, eleni.id, "", [assignments.Upload("plan.pdf", PDF)], set(), True)
    db.session.commit()
    login(client, marija.email)
    assert client.get(f"/assignments/files/{work.files[0].id}").status_code == 403


def test_grading_table_queries_do_not_grow_with_trainees_and_submissions(app, setup, create_user):
    counts = []
    for size in (2, 12):
        course, activity, trainer, _ = setup()
        for _ in range(size):
            trainee = create_user()
            db.session.add(Enrolment(course=course, user=trainee))
            db.session.flush()
            assignments.save_work(
                activity, trainee.id, "Plan", [assignments.Upload("p.pdf", PDF)], set(), True
            )
        db.session.commit()
        client = app.test_client()
        login(client, trainer.email)
        with QueryCounter(db.engine) as counter:
            assert client.get(f"/assignments/{activity.id}/grading").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert db.session.scalar(select(func.count()).select_from(SubmissionFile)) == 14


def test_the_page_shows_due_date_time_left_and_a_late_status(client, setup):
    soon = datetime.now(UTC) + timedelta(days=2, hours=1)
    course, activity, _, (eleni, marija) = setup(due=soon.isoformat())
    login(client, eleni.email)
    page = client.get(_page(course, activity)).get_data(as_text=True)
    assert "Due: " in page and "in 2 days" in page
    activity.settings = {**activity.settings, "due": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}
    db.session.commit()
    _post_work(client, course, activity, "Late plan", action="submit")
    assert "Submitted late" in client.get(_page(course, activity)).get_data(as_text=True)
