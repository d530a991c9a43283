"""SCORM packages: manifests (1.2 and 2004), zip checks, the runtime data model checked on the server,
resume on another device, completion and grades, and how package content is served."""

import io
import json
import re
import stat
import zipfile

import pytest

from lms.courses.package import PackageError
from lms.db import db
from lms.scorm import cmi
from lms.scorm.manifest import ManifestError, parse_manifest
from lms.scorm.models import ScormPackage, ScormTrack
from lms.scorm.services import check_package
from tests.conftest import csrf_token, login
from tests.scorm_package import (
    MANIFEST_12,
    MANIFEST_2004,
    make_zip,
    scorm_12_files,
    scorm_12_zip,
    scorm_2004_zip,
)

# --- manifests ------------------------------------------------------------------------------------


def test_scorm_12_manifest_gives_title_items_and_their_data():
    manifest = parse_manifest(MANIFEST_12.encode(), set(scorm_12_files()))
    assert manifest.version == "1.2"
    assert manifest.title == "Cash flow for small firms"
    quiz, glossary = manifest.items
    assert (quiz.identifier, quiz.title, quiz.href, quiz.scorm_type) == (
        "ITEM-QUIZ",
        "Cash flow check",
        "content/index.html",  # xml:base of <resources> joined to the href
        "sco",
    )
    assert quiz.mastery_score == 70 and quiz.launch_data == "level=1"
    assert glossary.scorm_type == "asset"
    assert [item.identifier for item in manifest.scos] == ["ITEM-QUIZ"]


def test_scorm_2004_manifest_with_nested_items_parameters_and_scormType():
    manifest = parse_manifest(MANIFEST_2004.encode(), {"sco1/launch.html"})
    assert manifest.version == "2004"
    (item,) = manifest.items
    assert item.title == "Τιμολόγηση"
    assert item.href == "sco1/launch.html?lang=el"  # resource xml:base, href, the item's parameters
    assert item.scorm_type == "sco" and item.depth == 1 and item.launch_data == "start"


def test_version_is_found_from_namespaces_without_schemaversion():
    text = MANIFEST_2004.replace("<schemaversion>2004 4th Edition</schemaversion>", "")
    assert parse_manifest(text.encode()).version == "2004"


def test_manifest_with_other_prefixes_and_no_namespace_still_reads():
    text = """<manifest identifier="m"><organizations default="o"><organization identifier="o">
    <title>Plain</title><item identifier="i" identifierref="r"><title>One</title></item></organization>
    </organizations><resources><resource identifier="r" href="a.html" scormtype="sco"/>
    </resources></manifest>"""
    manifest = parse_manifest(text.encode(), {"a.html"})
    assert (manifest.version, manifest.title, manifest.items[0].scorm_type) == ("1.2", "Plain", "sco")


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (lambda t: t.replace("</manifest>", ""), None, "not well-formed XML"),
        (lambda t: t.replace('identifierref="RES-QUIZ"', 'identifierref="RES-NONE"'), 15, "RES-NONE"),
        (lambda t: t.replace('href="index.html">', 'href="missing.html">'), 26, "content/missing.html"),
        (
            lambda t: t.replace('href="index.html">', 'href="http://evil.example/x.html">'),
            26,
            "inside the package",
        ),
        (lambda t: t.replace('href="index.html">', 'href="../../etc/passwd">'), 26, "outside the package"),
        (lambda t: t.replace(">70</adlcp:", ">high</adlcp:"), 17, "not a number"),
        (lambda t: t.replace('default="ORG-CASHFLOW"', 'default="ORG-X"'), 12, "ORG-X"),
        (lambda t: t.replace('adlcp:scormtype="sco"', 'adlcp:scormtype="lesson"'), 26, "neither"),
        (
            lambda t: t.replace("<?xml", '<!DOCTYPE m [<!ENTITY x "y">]><?xml').replace(
                '<?xml version="1.0" encoding="UTF-8"?>', ""
            ),
            1,
            "DTD",
        ),
    ],
)
def test_malformed_manifest_names_the_line_and_the_problem(change, line, words):
    with pytest.raises(ManifestError) as error:
        parse_manifest(change(MANIFEST_12).encode(), set(scorm_12_files()))
    assert words in str(error.value)
    assert str(error.value).startswith("imsmanifest.xml")
    if line:
        assert error.value.line == line


def test_billion_laughs_is_refused_before_expansion():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        "<manifest>&lol2;</manifest>"
    )
    with pytest.raises(ManifestError, match="DTD"):
        parse_manifest(bomb.encode())


# --- zip checks -------------------------------------------------------------------------------------


def _problems(data: bytes) -> str:
    with pytest.raises(PackageError) as error:
        check_package(data, "course.zip")
    return "\n".join(str(p) for p in error.value.problems)


def test_zip_checks_refuse_what_course_packages_refuse():
    assert "not a zip file" in _problems(b"PK not really")
    assert "'..'" in _problems(make_zip({**scorm_12_files(), "../evil.html": "x"}))
    assert "absolute" in _problems(make_zip({**scorm_12_files(), "/etc/evil.html": "x"}))
    link = zipfile.ZipInfo("content/link.html")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    assert "symbolic links" in _problems(make_zip(scorm_12_files(), **{"/etc/passwd": link}))
    bomb = make_zip({**scorm_12_files(), "content/big.txt": b"0" * (30 * 1024 * 1024)})
    assert "zip bomb" in _problems(bomb)


def test_zip_checks_refuse_file_types_and_a_missing_manifest_by_name():
    assert "content/setup.exe: file type .exe is not allowed" in _problems(
        make_zip({**scorm_12_files(), "content/setup.exe": b"MZ"})
    )
    nested = make_zip(
        {f"pkg/{name}": data for name, data in scorm_12_files().items()} | {"other/x.html": "x"}
    )
    assert "no imsmanifest.xml at the top of the zip" in _problems(nested)
    broken = make_zip({**scorm_12_files(), "imsmanifest.xml": MANIFEST_12.replace("</manifest>", "")})
    assert "course.zip: imsmanifest.xml" in _problems(broken) and "not well-formed" in _problems(broken)


def test_a_zip_of_the_package_folder_is_read_as_the_package():
    wrapped = make_zip({f"cashflow/{name}": data for name, data in scorm_12_files().items()})
    assert check_package(wrapped, "x.zip").manifest.title == "Cash flow for small firms"


# --- the data model on the server ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("cmi.core.lesson_status", "passed", None),
        ("cmi.core.lesson_status", "done", 405),
        ("cmi.core.lesson_status", "not attempted", 405),
        ("cmi.core.score.raw", "85.5", None),
        ("cmi.core.score.raw", "", None),
        ("cmi.core.score.raw", "101", 405),
        ("cmi.core.score.raw", "eighty", 405),
        ("cmi.core.student_id", "42", 403),
        ("cmi.core.entry", "resume", 403),
        ("cmi.core._children", "x", 402),
        ("cmi._version", "4", 402),
        ("cmi.interactions._count", "1", 402),
        ("cmi.core.session_time", "0001:02:03.5", None),
        ("cmi.core.session_time", "1:2:3", 405),
        ("cmi.core.exit", "suspend", None),
        ("cmi.core.exit", "later", 405),
        ("cmi.suspend_data", "x" * 4096, None),
        ("cmi.suspend_data", "x" * 4097, 405),
        ("cmi.core.lesson_location", "y" * 256, 405),
        ("cmi.interactions.0.id", "q1", None),
        ("cmi.interactions.1.id", "q2", 201),  # index 1 before index 0
        ("cmi.interactions.0.result", "wrong", None),
        ("cmi.interactions.0.type", "essay", 405),
        ("cmi.interactions.0.time", "25:00:00", 405),
        ("cmi.objectives.0.status", "failed", None),
        ("cmi.evaluation.comments", "x", 401),
        ("cmi.core.no_such", "x", 401),
        ("lms.secret", "x", 201),
    ],
)
def test_scorm_12_values_checked_on_the_server(name, value, code):
    values, errors = cmi.apply("1.2", {}, [(name, value)])
    assert errors.get(name) == code
    assert (name in values) == (code is None)


def test_scorm_2004_values_and_codes():
    values, errors = cmi.apply(
        "2004",
        {},
        [
            ("cmi.completion_status", "completed"),
            ("cmi.success_status", "passed"),
            ("cmi.score.scaled", "0.8"),
            ("cmi.score.scaled", "1.5"),
            ("cmi.session_time", "PT1H30M5S"),
            ("cmi.session_time", "01:30:05"),
            ("cmi.learner_id", "x"),
            ("cmi.interactions.0.result", "correct"),  # before its id: dependency
            ("cmi.interactions.0.id", "q1"),
            ("cmi.interactions.0.result", "incorrect"),
            ("cmi.nothing", "x"),
        ],
    )
    assert errors == {
        "cmi.score.scaled": 407,
        "cmi.session_time": 406,
        "cmi.learner_id": 404,
        "cmi.interactions.0.result": 408,
        "cmi.nothing": 401,
    }
    assert values["cmi.interactions.0.result"] == "incorrect"
    assert cmi.outcome("2004", values) == ("passed", 80.0)
    assert cmi.seconds_of("2004", "PT1H30M5S") == 5405


def test_outcome_maps_status_and_score_with_the_mastery_score():
    assert cmi.outcome("1.2", {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "85"}, 70) == (
        "passed",
        85,
    )
    assert cmi.outcome("1.2", {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "60"}, 70) == (
        "failed",
        60,
    )
    assert cmi.outcome(
        "1.2", {"cmi.core.score.raw": "15", "cmi.core.score.max": "20", "cmi.core.score.min": "0"}
    ) == (
        "not attempted",
        75,
    )
    assert cmi.outcome("1.2", {"cmi.core.lesson_status": "incomplete"}) == ("incomplete", None)


def test_server_caps_what_one_trainee_may_store():
    values = {f"cmi.interactions.{i}.id": f"q{i}" for i in range(cmi.MAX_INTERACTIONS)}
    _, errors = cmi.apply("1.2", values, [(f"cmi.interactions.{cmi.MAX_INTERACTIONS}.id", "one-more")])
    assert errors == {f"cmi.interactions.{cmi.MAX_INTERACTIONS}.id": 201}


# --- pages and the runtime through the server -------------------------------------------------------------


@pytest.fixture
def scorm_course(client, create_user, create_course):
    """A published course with a published SCORM activity uploaded by its trainer, and an enrolled trainee."""
    from lms.courses.models import Enrolment

    trainer = create_user("trainer")
    trainee = create_user("trainee", name="Ελένη Παπαδοπούλου")
    course = create_course(trainer=trainer, modules=1, lessons=1)
    db.session.add(Enrolment(course=course, user=trainee))
    db.session.commit()
    module_id = course.modules[0].id
    login(client, trainer.email)
    response = client.post(
        f"/scorm/new/{module_id}",
        data={"csrf_token": csrf_token(client, "/"), "package": (io.BytesIO(scorm_12_zip()), "cashflow.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    activity_id = int(re.search(r"/scorm/(\d+)/edit", response.location).group(1))
    page = client.get(f"/scorm/{activity_id}/edit").get_data(as_text=True)
    assert "Cash flow for small firms" in page and "Cash flow check" in page and "Glossary" in page
    client.post(
        f"/scorm/{activity_id}/edit",
        data={
            "csrf_token": csrf_token(client, "/"),
            "title": "Cash flow check",
            "body": "Try it.",
            "weight": "2",
            "published": "y",
        },
    )
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    from lms.courses.models import Activity

    activity = db.session.get(Activity, activity_id)
    assert activity.published and activity.settings["weight"] == 2.0
    return {"course": course, "trainee": trainee, "trainer": trainer, "activity": activity}


def _launch(client, activity_id, index=0):
    """Open the player page, then the frame's page it points at: (player HTML, frame response, state)."""
    player = client.get(f"/scorm/{activity_id}/play/{index}")
    assert player.status_code == 200, player.status_code
    source = re.search(
        r'<iframe class="scorm-frame"[^>]* src="([^"]+)"', player.get_data(as_text=True)
    ).group(1)
    frame = client.get(source.replace("&amp;", "&"))
    state = None
    match = re.search(rb'<script type="application/json" id="lms-scorm-state">(.*?)</script>', frame.data)
    if match:
        state = json.loads(match.group(1))
    return player, frame, state, source


def _commit(client, activity_id, values, finish=False, index=0):
    return client.post(
        f"/scorm/{activity_id}/play/{index}/commit",
        json={"values": values, "finish": finish},
        headers={"X-CSRFToken": csrf_token(client, "/")},
    )


def test_upload_shows_title_and_scos_and_stores_files_by_hash(app, scorm_course):
    from lms.courses.services import blob_key
    from lms.storage import storage

    package = db.session.scalar(ScormPackage.of(scorm_course["activity"].id))
    assert package.version == "1.2" and package.title == "Cash flow for small firms"
    assert set(package.files) == set(scorm_12_files())
    sha, size = package.files["content/sco.js"]
    assert storage().read(blob_key(sha)) == scorm_12_files()["content/sco.js"].encode() and size > 0
    assert scorm_course["activity"].settings["scos"] == ["ITEM-QUIZ"]


def test_refused_upload_names_the_problem_and_stores_nothing(client, login_as, create_course):
    trainer = login_as("trainer")
    course = create_course(trainer=trainer, modules=1, lessons=1)
    before = len(course.modules[0].activities)
    bad = make_zip({**scorm_12_files(), "content/run.sh": "rm -rf /"})
    response = client.post(
        f"/scorm/new/{course.modules[0].id}",
        data={"csrf_token": csrf_token(client, "/"), "package": (io.BytesIO(bad), "bad.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "content/run.sh: file type .sh is not allowed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(course.modules[0].activities) == before
    assert db.session.scalar(db.select(db.func.count(ScormPackage.id))) == 0


def test_trainee_plays_commits_and_is_complete_with_the_grade(client, scorm_course):
    from lms.progress.queries import course_progress

    activity, trainee = scorm_course["activity"], scorm_course["trainee"]
    login(client, trainee.email)
    page = client.get(
        f"/courses/{scorm_course['course'].slug}/learn/{activity.module.slug}/{activity.slug}"
    ).get_data(as_text=True)
    assert "Cash flow check" in page and f"/scorm/{activity.id}/play/0" in page
    player, frame, state, _ = _launch(client, activity.id)
    assert frame.status_code == 200
    assert state["version"] == "1.2" and state["recorded"] is True
    assert state["values"]["cmi.core.entry"] == "ab-initio"
    assert state["values"]["cmi.core.student_name"] == "Ελένη Παπαδοπούλου"
    assert state["values"]["cmi.launch_data"] == "level=1"
    assert state["values"]["cmi.student_data.mastery_score"] == "70"
    answer = _commit(
        client,
        activity.id,
        [
            ["cmi.core.lesson_status", "incomplete"],
            ["cmi.core.score.raw", "150"],  # refused on the server too, whatever the client said
            ["cmi.core.student_id", "1"],
            ["cmi.suspend_data", "answers=B"],
        ],
    ).get_json()
    assert answer["errors"] == {"cmi.core.score.raw": 405, "cmi.core.student_id": 403}
    assert answer["status"] == "incomplete"
    row = course_progress(scorm_course["course"], [trainee.id])[trainee.id]
    assert activity.id not in row.completed
    answer = _commit(
        client,
        activity.id,
        [
            ["cmi.core.score.raw", "85"],
            ["cmi.core.lesson_status", "completed"],
            ["cmi.core.session_time", "00:05:30"],
        ],
        finish=True,
    ).get_json()
    assert answer == {"recorded": True, "errors": {}, "status": "passed", "score": 85.0}
    row = course_progress(scorm_course["course"], [trainee.id])[trainee.id]
    assert activity.id in row.completed
    assert row.grades[activity.id] == 85.0
    track = db.session.scalar(ScormTrack.find(activity.id, trainee.id, "ITEM-QUIZ"))
    assert track.total_seconds == 330 and track.session_seconds == 0
    _, _, state, _ = _launch(client, activity.id)
    assert state["values"]["cmi.core.lesson_status"] == "passed"  # the mastery score decided


def test_failed_is_not_complete_and_keeps_its_score(client, scorm_course):
    from lms.activities import kind_of

    activity, trainee = scorm_course["activity"], scorm_course["trainee"]
    login(client, trainee.email)
    _launch(client, activity.id)
    _commit(
        client, activity.id, [["cmi.core.score.raw", "40"], ["cmi.core.lesson_status", "failed"]], finish=True
    )
    kind = kind_of(activity)
    assert kind.grade(activity, trainee.id) == 40.0
    assert not kind.is_complete(activity, trainee.id, 40.0)
    assert kind.grades([activity], lambda column: column == trainee.id) == {trainee.id: {activity.id: 40.0}}


def test_resume_on_another_device(app, scorm_course):
    activity, trainee = scorm_course["activity"], scorm_course["trainee"]
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, trainee.email)
    _launch(laptop, activity.id)
    _commit(
        laptop,
        activity.id,
        [
            ["cmi.core.lesson_location", "page-7"],
            ["cmi.suspend_data", "answers=B,C;page=7"],
            ["cmi.core.exit", "suspend"],
            ["cmi.core.session_time", "00:10:00"],
            ["cmi.interactions.0.id", "q1"],
        ],
        finish=True,
    )
    login(phone, trainee.email)
    page = phone.get(f"/courses/{scorm_course['course'].slug}/learn/{activity.module.slug}/{activity.slug}")
    assert "Resume" in page.get_data(as_text=True)
    _, _, state, _ = _launch(phone, activity.id)
    values = state["values"]
    assert values["cmi.core.entry"] == "resume"
    assert values["cmi.suspend_data"] == "answers=B,C;page=7"
    assert values["cmi.core.lesson_location"] == "page-7"
    assert values["cmi.core.total_time"] == "0000:10:00"
    assert "cmi.core.exit" not in values and "cmi.interactions.0.id" not in values  # write-only
    assert state["counts"]["cmi.interactions"] == 1


def test_asset_is_complete_once_launched(client, scorm_course):
    activity, trainee = scorm_course["activity"], scorm_course["trainee"]
    login(client, trainee.email)
    _launch(client, activity.id, index=1)
    track = db.session.scalar(ScormTrack.find(activity.id, trainee.id, "ITEM-GLOSSARY"))
    assert track.status == "completed"


def test_content_is_served_sandboxed_with_a_strict_policy(client, scorm_course):
    activity, trainee = scorm_course["activity"], scorm_course["trainee"]
    login(client, trainee.email)
    player, frame, _, source = _launch(client, activity.id)
    assert 'sandbox="allow-scripts allow-forms allow-popups"' in player.get_data(as_text=True)
    assert "allow-same-origin" not in player.get_data(as_text=True)
    assert "frame-src 'self'" in player.headers["Content-Security-Policy"]
    policy = frame.headers["Content-Security-Policy"]
    assert policy.startswith("sandbox allow-scripts allow-forms allow-popups;")
    assert (
        "allow-same-origin" not in policy and "object-src 'none'" in policy and "form-action 'none'" in policy
    )
    assert "frame-ancestors http://localhost" in policy
    assert frame.headers["Referrer-Policy"] == "no-referrer"
    assert frame.mimetype == "text/html" and "no-store" in frame.headers["Cache-Control"]
    assert b'<head><script type="application/json" id="lms-scorm-state">' in frame.data
    assert b"/static/js/scorm-api.js" in frame.data
    base = source.rsplit("/", 1)[0]
    with client.get(f"{base}/sco.js") as script:
        assert script.status_code == 200 and script.mimetype == "text/javascript"
        assert b"findAPI" in script.data and b"lms-scorm-state" not in script.data
        assert "sandbox allow-scripts" in script.headers["Content-Security-Policy"]
        assert script.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in script.headers
    with client.get(f"{base}/style.css") as style:
        assert style.mimetype == "text/css"
    # Only the package's own files, by exact path: no traversal, nothing else of the site.
    assert client.get(f"{base}/../imsmanifest.xml").status_code in (403, 404)
    assert client.get(f"{base}/..%2F..%2Fimsmanifest.xml").status_code == 404
    assert client.get(f"{base}/nothing.html").status_code == 404


def test_content_needs_a_valid_token_and_current_access(app, client, scorm_course):
    activity, trainee = scorm_course["activity"], scorm_course["trainee"]
    login(client, trainee.email)
    _, _, _, source = _launch(client, activity.id)
    cookieless = app.test_client()  # the sandboxed frame sends no cookies: the token is enough
    assert cookieless.get(source).status_code == 200
    token = source.split("/content/")[1].split("/")[0]
    assert cookieless.get(source.replace(token, token[:-2] + "xx")).status_code == 403
    from lms.courses.models import Enrolment

    enrolment = db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == trainee.id))
    enrolment.status = "unenrolled"
    db.session.commit()
    assert cookieless.get(source).status_code == 403  # unenrolled since: the old link stops working


def test_trainer_preview_records_nothing(client, scorm_course):
    activity = scorm_course["activity"]
    login(client, scorm_course["trainer"].email)
    player, frame, state, _ = _launch(client, activity.id)
    assert state["recorded"] is False and state["values"]["cmi.core.lesson_mode"] == "browse"
    answer = _commit(client, activity.id, [["cmi.core.lesson_status", "passed"]]).get_json()
    assert answer == {"recorded": False, "errors": {}}
    assert db.session.scalar(db.select(db.func.count(ScormTrack.id))) == 0


def test_commit_needs_csrf_and_access(app, client, create_user, scorm_course):
    activity = scorm_course["activity"]
    login(client, scorm_course["trainee"].email)
    response = client.post(f"/scorm/{activity.id}/play/0/commit", json={"values": []})
    assert response.status_code == 400  # no CSRF header
    stranger = app.test_client()
    login(stranger, create_user("trainee").email)
    assert _commit(stranger, activity.id, [["cmi.core.lesson_status", "passed"]]).status_code == 403
    assert _commit(client, activity.id, "not a list").status_code == 400


def test_scorm_2004_package_plays_with_api_1484_11(client, login_as, create_course):
    trainer = login_as("trainer")
    course = create_course(trainer=trainer, modules=1, lessons=1)
    response = client.post(
        f"/scorm/new/{course.modules[0].id}",
        data={"csrf_token": csrf_token(client, "/"), "package": (io.BytesIO(scorm_2004_zip()), "p.zip")},
        content_type="multipart/form-data",
    )
    activity_id = int(re.search(r"/scorm/(\d+)/edit", response.location).group(1))
    assert "SCORM 2004" in client.get(f"/scorm/{activity_id}/edit").get_data(as_text=True)
    _, frame, state, source = _launch(client, activity_id)
    assert "?lang=el" in source
    assert state["version"] == "2004" and state["values"]["cmi.entry"] == "ab-initio"


def test_course_package_round_trip_keeps_the_scorm_activity(app, scorm_course):
    from lms.courses.package import package_files, parse_package
    from lms.courses.transfer import export_course, import_course

    course = scorm_course["course"]
    files = package_files(export_course(course))
    (path,) = [p for p in files if p.endswith(".scorm.md")]
    text = files[path].decode()
    package = db.session.scalar(ScormPackage.of(scorm_course["activity"].id))
    assert f"package: {package.sha256}" in text and "weight: 2" in text
    again = package_files(parse_package(files))
    assert again[path] == files[path]
    import_course(parse_package(files))
    db.session.commit()
    assert db.session.scalar(ScormPackage.of(scorm_course["activity"].id)).sha256 == package.sha256


def test_scorm_pages_in_greek(client, scorm_course):
    from lms.auth.models import User

    trainee = db.session.get(User, scorm_course["trainee"].id)
    trainee.locale = "el"
    db.session.commit()
    activity = scorm_course["activity"]
    login(client, trainee.email)
    page = client.get(
        f"/courses/{scorm_course['course'].slug}/learn/{activity.module.slug}/{activity.slug}"
    ).get_data(as_text=True)
    assert "Έναρξη" in page and "Δεν έχει ξεκινήσει" in page
    player = client.get(f"/scorm/{activity.id}/play/0").get_data(as_text=True)
    assert "Έξοδος" in player and "Η πρόοδος αποθηκεύτηκε." in player
