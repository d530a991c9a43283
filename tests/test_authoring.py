"""Trainers write courses in the browser: create, edit with preview, stale edits, reorder, files, zips."""

import html
import io
import zipfile

import pytest
from sqlalchemy import func, select

from lms.courses.models import Activity, Course, CourseFile, Enrolment
from lms.db import db
from tests.conftest import csrf_token

COURSE = {
    "title": "Εισαγωγή στο ηλεκτρονικό εμπόριο",
    "slug": "e-commerce-intro",
    "summary": "About *shops*.",
    "language": "el",
    "category": "ict",
    "hours": "6.5",
    "published": "y",
    "self_enrolment": "y",
    "completion_activities": "all",
    "completion_min_grade": "0",
    "completion_min_attendance": "0",
    "completion_lessons": "marked",
}


def _post(client, url, data, page=None):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page or url)})


def test_trainer_creates_course_module_and_lesson_and_trainee_reads_it(app, client, login_as, create_user):
    trainer = login_as("trainer")
    response = _post(client, "/author/new", COURSE)
    assert response.status_code == 302
    course = db.session.scalar(select(Course))
    assert course.trainers == [trainer] and course.summary_html == "<p>About <em>shops</em>.</p>"
    base = f"/author/courses/{course.slug}"
    assert _post(client, f"{base}/modules", {"title": "Πρώτα βήματα"}, base).status_code == 302
    module = course.modules[0]
    assert module.slug == "module"  # a Greek title gets a neutral slug
    new = f"{base}/modules/{module.id}/lessons/new"
    response = _post(
        client,
        new,
        {
            "title": "Your first shop",
            "minutes": "15",
            "published": "y",
            "body": "## Choose a platform\n\n<script>alert(1)</script>Compare **fees**.",
        },
    )
    assert response.status_code == 302
    lesson = db.session.scalar(select(Activity))
    assert "<strong>fees</strong>" in lesson.body_html and "<script" not in lesson.body_html

    trainee = create_user("trainee")
    db.session.add(Enrolment(course=course, user=trainee))
    db.session.commit()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    client.post(
        "/login",
        data={"email": trainee.email, "password": "correct horse battery", "csrf_token": csrf_token(client)},
    )
    page = client.get(f"/courses/{course.slug}/learn/{module.slug}/{lesson.slug}").get_data(as_text=True)
    assert "<strong>fees</strong>" in page and "alert(1)</script>" not in page


def test_duplicate_slug_is_refused_and_keeps_typed_text(client, login_as, create_course):
    create_course(slug="taken")
    login_as("coordinator")
    response = _post(client, "/author/new", {**COURSE, "slug": "taken"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Another course already uses this address" in page and COURSE["title"] in page


def test_preview_keeps_text_and_saves_nothing(client, login_as, create_course):
    course = create_course(modules=1, lessons=1)
    login_as("coordinator")
    activity = course.modules[0].activities[0]
    url = f"/author/courses/{course.slug}/activities/{activity.id}"
    response = _post(
        client,
        url,
        {
            "title": "T",
            "minutes": "5",
            "body": "| a | b |\n|---|---|\n| 1 | 2 |",
            "version": "1",
            "preview": "Preview",
        },
    )
    assert response.status_code == 200
    assert "<table>" in response.get_data(as_text=True)
    assert db.session.get(Activity, activity.id).title == "Lesson 1.1"


def test_live_preview_endpoint_uses_the_same_renderer(client, login_as, create_course):
    course = create_course(modules=1, lessons=1)
    login_as("coordinator")
    response = client.post(
        f"/author/courses/{course.slug}/preview",
        data={"body": "![x](images/a.png) [y](javascript:alert(1))", "module_id": course.modules[0].id},
        headers={"X-CSRFToken": csrf_token(client, "/")},
    )
    html = response.get_json()["html"]
    assert f'src="/courses/{course.slug}/files/module-1/images/a.png"' in html
    assert "javascript" not in html
    assert client.post(f"/author/courses/{course.slug}/preview", data={"body": "x"}).status_code == 400


def test_stale_edit_is_refused_with_both_versions_shown(app, client, login_as, create_course):
    course = create_course(modules=1, lessons=1)
    login_as("coordinator")
    activity = course.modules[0].activities[0]
    url = f"/author/courses/{course.slug}/activities/{activity.id}"
    token = csrf_token(client, url)
    form = {"title": "T", "minutes": "5", "version": "1", "csrf_token": token}
    # Another trainer saves first ...
    assert client.post(url, data={**form, "body": "Their text"}).status_code == 302
    # ... then this edit, begun on version 1, arrives.
    response = client.post(url, data={**form, "body": "My text"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Their text" in page and "My text" in page and "someone else saved" in page
    assert db.session.get(Activity, activity.id).body == "Their text"
    # Saving again from the refused page (now based on version 2) goes through.
    assert client.post(url, data={**form, "version": "2", "body": "My text"}).status_code == 302
    assert db.session.get(Activity, activity.id).body == "My text"


def test_reorder_and_delete(client, login_as, create_course):
    course = create_course(modules=2, lessons=3)
    login_as("coordinator")
    base = f"/author/courses/{course.slug}"
    first, second, third = course.modules[0].activities
    _post(client, f"{base}/activities/{third.id}/move", {"direction": "up"}, base)
    _post(client, f"{base}/modules/{course.modules[1].id}/move", {"direction": "up"}, base)
    _post(client, f"{base}/activities/{first.id}/delete", {}, base)
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert [m.title for m in course.modules] == ["Module 2", "Module 1"]
    assert [a.title for a in course.modules[1].activities] == ["Lesson 1.3", "Lesson 1.2"]
    assert [a.position for a in course.modules[1].activities] == [1, 2]


def test_trainer_cannot_edit_a_course_they_do_not_teach(client, login_as, create_user, create_course):
    course = create_course(trainer=create_user("trainer"))
    login_as("trainer")
    activity = course.modules[0].activities[0]
    base = f"/author/courses/{course.slug}"
    assert (
        _post(
            client, f"{base}/activities/{activity.id}", {"title": "Hacked", "version": "1"}, "/"
        ).status_code
        == 403
    )
    assert _post(client, f"{base}/modules", {"title": "Hacked"}, "/").status_code == 403
    assert db.session.get(Activity, activity.id).title == "Lesson 1.1"


def test_activity_of_another_course_is_404(client, login_as, create_course, create_user):
    trainer = login_as("trainer")
    mine = create_course(trainer=trainer)
    theirs = create_course(trainer=create_user("trainer"))
    other = theirs.modules[0].activities[0]
    assert client.get(f"/author/courses/{mine.slug}/activities/{other.id}").status_code == 404


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100


def _upload(client, course, name, data):
    base = f"/author/courses/{course.slug}"
    return client.post(
        f"{base}/files",
        data={"file": (io.BytesIO(data), name), "csrf_token": csrf_token(client, base)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_image_upload_is_stored_under_instance_uploads_and_served(app, client, login_as, create_course):
    course = create_course()
    login_as("coordinator")
    page = _upload(client, course, "Φωτογραφία shop.PNG", PNG).get_data(as_text=True)
    stored = db.session.scalar(select(CourseFile))
    assert stored.path == "images/shop.png" and stored.size == len(PNG)
    assert "![description](../images/shop.png)" in page
    response = client.get(f"/courses/{course.slug}/files/images/shop.png")
    assert response.data == PNG and response.mimetype == "image/png"
    response.close()


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("setup.exe", b"MZ\x90\x00", "not an image or document type"),
        ("evil.png", b"MZ\x90\x00", "not an image or document type"),
        ("drawing.svg", b"<svg onload=alert(1)>", "not an image or document type"),
        ("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024), "larger than 5 MB"),
    ],
)
def test_bad_uploads_are_refused_with_a_message(client, login_as, create_course, name, data, message):
    course = create_course()
    login_as("coordinator")
    assert message in _upload(client, course, name, data).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CourseFile)) == 0


def test_image_pasted_into_the_editor_is_uploaded_and_answered_in_json(client, login_as, create_course):
    """The lesson editor uploads a pasted or dropped image asking for JSON, then links the path it gets."""
    course = create_course()
    login_as("coordinator")
    base = f"/author/courses/{course.slug}"

    def paste(name, data):
        return client.post(
            f"{base}/files",
            data={"file": (io.BytesIO(data), name), "csrf_token": csrf_token(client, base)},
            content_type="multipart/form-data",
            headers={"Accept": "application/json"},
        )

    response = paste("Screenshot 2026.png", PNG)
    assert response.status_code == 200 and response.json == {
        "path": "images/screenshot-2026.png",
        "name": "Screenshot 2026",
    }
    refused = paste("evil.png", b"MZ\x90\x00")
    assert refused.status_code == 400 and "not an image or document type" in refused.json["error"]
    assert db.session.scalar(select(func.count()).select_from(CourseFile)) == 1


def test_request_over_the_size_limit_gets_413(app, client, login_as, create_course):
    course = create_course()
    login_as("coordinator")
    app.config["MAX_CONTENT_LENGTH"] = 100 * 1024  # small, so the test client keeps the body in memory
    response = _upload(client, course, "huge.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (200 * 1024))
    assert response.status_code == 413


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _import(client, data: bytes):
    return client.post(
        "/author/import",
        data={"archive": (io.BytesIO(data), "course.zip"), "csrf_token": csrf_token(client, "/author/")},
        content_type="multipart/form-data",
    )


MANIFEST = b'slug = "zipped"\ntitle = "Zipped"\nsummary = "S"\nlanguage = "en"\ncategory = "ict"\nhours = 2\n'


def test_zip_export_then_import_round_trips(client, login_as, create_course):
    course = create_course(slug="round")
    login_as("coordinator")
    exported = client.get(f"/author/courses/{course.slug}/export.zip")
    assert exported.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(exported.data)).namelist()
    assert "round/course.toml" in names and "round/01-module-1/01-lesson-1-1.md" in names
    before = [(a.id, a.body_html, a.version) for a in db.session.get(Course, course.id).activities()]
    assert _import(client, exported.data).status_code == 302
    db.session.expire_all()
    assert [(a.id, a.body_html, a.version) for a in db.session.get(Course, course.id).activities()] == before


def test_trainer_importing_a_new_course_teaches_it(client, login_as):
    trainer = login_as("trainer")
    files = {
        "zipped/course.toml": MANIFEST,
        "zipped/01-a/module.toml": b'title = "A"\n',
        "zipped/01-a/01-b.md": b"---\ntitle: B\n---\nHello\n",
    }
    assert _import(client, _zip(files)).status_code == 302
    course = db.session.scalar(select(Course).where(Course.slug == "zipped"))
    assert course.trainers == [trainer] and course.modules[0].activities[0].title == "B"


@pytest.mark.parametrize(
    "files,message",
    [
        ({"../evil/course.toml": MANIFEST}, "path climbs out of the package"),
        ({"/etc/course.toml": MANIFEST}, "absolute or Windows-style path"),
        (
            {"course.toml": MANIFEST, "01-a/module.toml": b'title = "A"\n', "01-a/run.exe": b"MZ"},
            "file type .exe",
        ),
        (
            {
                "course.toml": MANIFEST,
                "01-a/module.toml": b'title = "A"\n',
                "01-a/bomb.txt": b"0" * 50_000_000,
            },
            "compressed suspiciously well",
        ),
        ({"course.toml": MANIFEST.replace(b'title = "Zipped"\n', b"")}, "missing required key 'title'"),
    ],
)
def test_bad_zip_is_refused_naming_the_problem_and_writes_nothing(client, login_as, files, message):
    login_as("coordinator")
    response = _import(client, _zip(files))
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0


def test_not_a_zip_is_refused(client, login_as):
    login_as("coordinator")
    response = _import(client, b"this is not a zip")
    assert response.status_code == 400 and "not a zip file" in response.get_data(as_text=True)


def test_trainer_enrols_and_unenrols_a_participant(client, login_as, create_user, create_course):
    trainer = login_as("trainer")
    course = create_course(trainer=trainer)
    trainee = create_user("trainee", name="Јована Илиевска")
    url = f"/author/courses/{course.slug}/participants"
    assert _post(client, url, {"email": trainee.email.upper()}).status_code == 302
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.method == "manual" and enrolment.enrolled_by_id == trainer.id
    assert "Јована Илиевска" in client.get(url).get_data(as_text=True)
    assert _post(client, url, {"email": "nobody@example.org"}).status_code == 400
    _post(client, f"{url}/{enrolment.id}/unenrol", {}, url)
    assert db.session.scalar(select(Enrolment.status)) == "unenrolled"


def test_markdown_limits_are_explained_in_every_editor(client, login_as, create_course):
    course = create_course(modules=1, lessons=1)
    login_as("coordinator")
    token = csrf_token(client, "/")
    preview = client.post(
        f"/author/courses/{course.slug}/preview",
        data={"body": "[" * 199_000, "module_id": course.modules[0].id},
        headers={"X-CSRFToken": token},
        content_type="multipart/form-data",  # as the editor's fetch() sends it
    )
    assert preview.status_code == 413 and "at most 100,000 are allowed" in preview.get_json()["error"]
    activity = course.modules[0].activities[0]
    url = f"/author/courses/{course.slug}/activities/{activity.id}"
    response = _post(client, url, {"title": "T", "minutes": "5", "body": "x" * 100_001, "version": "1"})
    assert response.status_code == 400 and "at most 100,000 are allowed" in response.get_data(as_text=True)
    assert db.session.get(Activity, activity.id).title == "Lesson 1.1"  # nothing saved
    response = _post(client, url, {"title": "T", "minutes": "5", "body": "[" * 99_000, "version": "1"})
    assert response.status_code == 302  # a run of brackets is text, shown as it is
    assert db.session.get(Activity, activity.id).body_html.count("[") == 99_000


def test_course_summary_over_the_limit_is_explained(client, login_as):
    login_as("trainer")
    response = _post(client, "/author/new", {**COURSE, "summary": "*" * 5_001})
    assert response.status_code == 400 and "at most 5,000 are allowed" in response.get_data(as_text=True)
