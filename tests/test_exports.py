"""Large exports as export jobs: beyond EXPORT_IN_REQUEST_CELLS every export a page offers is made by one
job runner (lms.exports.tasks) into the site's storage, with the same content as in the request; its page
and file are for the user who asked (and coordinators); it runs as that user, and a failed one says why."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lms.db import db
from lms.exports import tasks
from lms.exports.models import ExportJob
from lms.jobs import celery_app
from lms.quizzes import services as quiz
from lms.storage import storage
from tests.conftest import login
from tests.test_classroom import _register, cohort  # noqa: F401 (a fixture)
from tests.test_progress import _enrol, _take_quiz, course_with_quiz  # noqa: F401 (a fixture)
from tests.test_quizzes import make_quiz  # noqa: F401 (a fixture)


def _as_job(app, client, url):
    """Ask for `url` with every export above the in-request size: the job's page, then its download."""
    app.config["EXPORT_IN_REQUEST_CELLS"] = -1
    try:
        started = client.get(url)
    finally:
        app.config["EXPORT_IN_REQUEST_CELLS"] = 50_000
    assert started.status_code == 302, started.get_data(as_text=True)[:500]
    status_url = started.headers["Location"]
    assert "/exports/" in status_url
    page = client.get(status_url).get_data(as_text=True)
    assert "The file is ready." in page, page
    assert client.get(status_url + "?format=json").get_json()["status"] == "done"
    download = client.get(status_url + "/download")
    assert download.status_code == 200
    download.get_data()
    download.close()
    return status_url, download


def _fetch(client, url):
    """A small export, sent in the request (streamed: read whole, then closed)."""
    response = client.get(url)
    assert response.status_code == 200
    response.get_data()
    response.close()
    return response


def _csv_rows(text: str) -> list[str]:
    return [line for line in text.lstrip("\ufeff").splitlines() if line]


def _cells(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


@pytest.fixture
def matrix_course(client, create_user, course_with_quiz):  # noqa: F811
    course = course_with_quiz()
    for name in ("Ελένη Παπαδοπούλου", "Марија Стојановска", "=cmd|' /C calc'!A0"):
        user = create_user(name=name, organisation="Пекара ДООЕЛ")
        _enrol(course, user)
        _take_quiz(course, user)
    login(client, course.trainers[0].email)
    return course


@pytest.mark.parametrize(
    ("kind", "fmt"), [("matrix", "csv"), ("matrix", "xlsx"), ("gradebook", "csv"), ("gradebook", "xlsx")]
)
def test_progress_exports_as_jobs_match_the_request(app, client, matrix_course, kind, fmt):
    url = f"/progress/courses/{matrix_course.slug}/{kind}.{fmt}?sort=name"
    small = _fetch(client, url)
    _status, download = _as_job(app, client, url)
    assert download.headers["Content-Disposition"].startswith(f"attachment; filename={matrix_course.slug}-")
    if fmt == "csv":
        assert download.mimetype == "text/csv"
        assert _csv_rows(download.get_data(as_text=True)) == _csv_rows(small.get_data(as_text=True))
        assert "Ελένη Παπαδοπούλου" in download.get_data(as_text=True)
    else:
        assert _cells(download.data) == _cells(small.data)
        assert len(_cells(download.data)) == 4  # the header and three trainees
    job = db.session.scalar(select(ExportJob))
    assert job.kind == "progress" and job.status == "done" and job.done == job.total == 3
    assert storage().exists(tasks.export_key(job))


def test_attendance_register_as_a_job_matches_the_request(app, client, cohort, create_user):  # noqa: F811
    _register(cohort, create_user)
    login(client, cohort.trainers[0].email)
    for fmt in ("csv", "xlsx"):
        url = f"/classroom/cohorts/{cohort.id}/attendance.{fmt}"
        small = _fetch(client, url)
        _status, download = _as_job(app, client, url)
        if fmt == "csv":
            rows = _csv_rows(download.get_data(as_text=True))
            assert rows == _csv_rows(small.get_data(as_text=True))
            assert any(row.startswith("Ελένη") for row in rows)
        else:
            assert _cells(download.data) == _cells(small.data)


def test_indicator_report_as_a_job(app, client, login_as, cohort, create_user):  # noqa: F811
    _register(cohort, create_user)
    login_as("coordinator")
    url = f"/classroom/programmes/{cohort.programme_id}/report.xlsx"
    small = _fetch(client, url)
    status_url, download = _as_job(app, client, url)
    assert _cells(download.data) == _cells(small.data)
    page = client.get(status_url).get_data(as_text=True)
    assert f"/classroom/programmes/{cohort.programme_id}/report" in page  # back to the report


@pytest.mark.needs("pango")
def test_indicator_report_pdf_as_a_job(app, client, login_as, cohort, create_user):  # noqa: F811
    _register(cohort, create_user)
    login_as("coordinator")
    _status, download = _as_job(app, client, f"/classroom/programmes/{cohort.programme_id}/report.pdf")
    assert download.mimetype == "application/pdf" and download.data.startswith(b"%PDF")


def test_quiz_results_as_a_job(app, client, make_quiz, create_user):  # noqa: F811
    trainer = create_user("trainer")
    activity = make_quiz(trainer=trainer)
    trainee = create_user(name='=HYPERLINK("http://evil")', organisation="Ελληνικά ΑΕ")
    quiz.finish_attempt(quiz.start_attempt(activity, trainee))
    db.session.commit()
    login(client, trainer.email)
    url = f"/quizzes/{activity.id}/results.csv"
    small = _fetch(client, url).get_data(as_text=True)
    _status, download = _as_job(app, client, url)
    text = download.get_data(as_text=True)
    assert _csv_rows(text) == _csv_rows(small) and "'=HYPERLINK" in text


def test_a_job_and_its_file_are_for_whoever_asked_and_coordinators(app, client, matrix_course, create_user):
    status_url, _download = _as_job(app, client, f"/progress/courses/{matrix_course.slug}/matrix.csv")
    other_trainer = app.test_client()
    login(other_trainer, create_user("trainer").email)
    assert other_trainer.get(status_url).status_code == 403
    assert other_trainer.get(status_url + "/download").status_code == 403
    coordinator = app.test_client()
    login(coordinator, create_user("coordinator").email)
    download = coordinator.get(status_url + "/download")
    assert download.status_code == 200 and "Ελένη Παπαδοπούλου" in download.get_data(as_text=True)
    download.close()


def test_a_job_runs_as_whoever_asked_and_says_why_it_failed(app, matrix_course, create_user):
    """The job checks permission again as its creator: one who may not edit the course gets a failed job
    whose page says so, and nothing in storage."""
    outsider = create_user("trainer")
    job = ExportJob(
        kind="progress",
        created_by_id=outsider.id,
        params={"fmt": "csv", "args": {"slug": matrix_course.slug, "kind": "matrix"}, "filename": "m.csv"},
    )
    db.session.add(job)
    db.session.commit()
    celery_app().tasks["exports.run"].apply(args=[job.id])
    db.session.commit()  # the test's own transaction ends: it reads what the job committed
    assert job.status == "failed" and "permission" in job.error.lower()
    assert not storage().exists("exports/m.csv")


def test_running_a_job_again_does_no_harm(app, client, matrix_course):
    status_url, first = _as_job(app, client, f"/progress/courses/{matrix_course.slug}/matrix.csv")
    job = db.session.scalar(select(ExportJob))
    celery_app().tasks["exports.run"].apply(args=[job.id])  # a done job is left alone
    db.session.commit()
    job = db.session.get(ExportJob, job.id)
    job.status = "running"  # as if a worker died after writing the file, before saying so
    db.session.commit()
    celery_app().tasks["exports.run"].apply(args=[job.id])  # tried again: starts over, rewrites it whole
    again = client.get(status_url + "/download")
    assert again.get_data(as_text=True) == first.get_data(as_text=True)
    assert db.session.scalar(select(ExportJob.status)) == "done"
    assert db.session.query(ExportJob).count() == 1
    again.close()


@pytest.mark.needs("pango")  # the certificate and evidence runners load WeasyPrint
def test_every_export_kind_has_a_runner():
    for kind in tasks.KINDS:
        run = tasks.runner(kind)
        assert isinstance(run, tasks.PageExport) and run.kind == kind or callable(run), kind
