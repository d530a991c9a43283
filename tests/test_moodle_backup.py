"""Moodle course backups (.mbz): converted whole or not at all, what is left out reported with the reason."""

import io
import tarfile
import zipfile

import pytest
from sqlalchemy import func, select

from lms.courses.models import Activity, Course, CourseFile
from lms.courses.package import package_files, parse_package, read_folder
from lms.courses.transfer import export_course
from lms.db import db
from lms.moodle.backup import BackupError, import_backup, quiz_settings, read_archive
from lms.quizzes.models import Question, QuestionCategory, QuizSlot
from lms.quizzes.settings import QuizSettings
from tests.conftest import csrf_token
from tests.moodle_backup_fixture import PNG, Backup, answers, sample_backup


def course_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Course))


def import_file(runner, tmp_path, data: bytes, *args, name="backup-moodle2-course-34.mbz"):
    path = tmp_path / name
    path.write_bytes(data)
    return runner.invoke(args=["import-moodle-backup", str(path), *args])


def test_a_backup_becomes_an_unpublished_course_with_lessons_files_and_quizzes(app, runner, tmp_path):
    result = import_file(runner, tmp_path, sample_backup().mbz())
    assert result.exit_code == 0, result.output
    course = db.session.scalar(select(Course).where(Course.slug == "dm101"))
    assert (course.title, course.published, course.summary) == (
        "Digital marketing basics",
        False,
        "Learn to reach customers online.",
    )
    # Section 0 ("General") and the two topics, in Moodle's order.
    assert [m.title for m in course.modules] == ["General", "Know your customer", "Reach them"]
    assert course.modules[1].summary == "Who buys from you."
    titles = [[(a.kind, a.title) for a in m.activities] for m in course.modules]
    assert titles == [
        [("lesson", "Welcome! Start with the first topic.")],
        [
            ("lesson", "Who buys from you?"),
            ("lesson", "Eurostat on SMEs"),
            ("lesson", "Slides"),
        ],
        [("lesson", "Channels"), ("quiz", "Check your knowledge")],
    ]
    page = course.modules[1].activities[0]
    assert page.body.startswith("## Personas\n\nA **persona** is a sketch of a customer.")
    assert "![A persona map](images/persona-map.png)" in page.body
    assert "[channels](../reach-them/channels.md)" in page.body  # $@PAGEVIEWBYID*14@$, as a lesson link
    assert "alert" not in page.body and "iframe" not in page.body and "<" not in page.body
    assert 'href="/courses/dm101/' in page.body_html and "<script" not in page.body_html
    files = {
        f.path: f.size
        for f in db.session.scalars(select(CourseFile).where(CourseFile.course_id == course.id))
    }
    assert set(files) == {"know-your-customer/images/persona-map.png", "know-your-customer/files/slides.pdf"}
    assert "[slides.pdf](files/slides.pdf)" in course.modules[1].activities[2].body
    assert "(https://ec.europa.eu/eurostat)" in course.modules[1].activities[1].body

    quiz = course.modules[2].activities[1]
    settings = QuizSettings.from_dict(quiz.settings)
    assert (
        settings.time_limit,
        settings.attempts,
        settings.grading,
        settings.per_page,
        settings.pass_mark,
    ) == (
        15,
        2,
        "first",
        2,
        70,
    )
    assert (settings.review_answers, settings.review_correct) == ("immediately", "after_close")
    slots = db.session.scalars(QuizSlot.of(quiz.id)).all()
    kinds = [slot.question.kind for slot in slots if slot.question is not None]
    assert kinds == ["multichoice", "truefalse", "shortanswer", "numerical", "matching", "essay"]
    # The Cloze question has no GIFT form: it is in the bank, and a random slot draws its category.
    cloze = db.session.scalar(select(Question).where(Question.kind == "cloze"))
    assert "{1:SHORTANSWER:=Athens}" in cloze.text and "{1:NUMERICAL:=4:0}" in cloze.text
    category = db.session.get(QuestionCategory, cloze.category_id)
    assert [slot.category_id for slot in slots if slot.question is None] == [category.id]
    truefalse = next(slot.question for slot in slots if slot.question and slot.question.kind == "truefalse")
    assert [(a["text"], a["fraction"]) for a in truefalse.answers] == [("true", 0.0), ("false", 1.0)]

    output = result.output
    for skipped in (
        "not carried over: forum “Questions and answers”: forums and their posts are not part of this LMS",
        "not carried over: assign “Your marketing plan”: assignments must be set up again",
        "question “Drag” (questions.xml line 3): the question type 'ddwtos' has no equivalent here",
        "slot 9: random questions are not carried over",
        "embedded media (frames, video, audio) were removed",
    ):
        assert skipped in output
    assert "imported dm101 (unpublished): 3 modules, 6 lessons and quizzes" in output


def test_the_converted_course_exports_as_a_package_that_reads_back(app, runner, tmp_path):
    assert import_file(runner, tmp_path, sample_backup().mbz(), "--slug", "marketing").exit_code == 0
    course = db.session.scalar(select(Course).where(Course.slug == "marketing"))
    files = package_files(export_course(course))
    assert (
        'random = [{"category" = "Check your knowledge · Cloze", "count" = 1}]'
        in files["03-reach-them/module.toml"].decode()
    )
    assert parse_package(files).modules[2].activities[1].settings["random"] == [
        {"category": "Check your knowledge · Cloze", "count": 1}
    ]


def test_package_dir_writes_a_package_for_import_courses_and_the_cloze_bank(app, runner, tmp_path):
    out = tmp_path / "out"
    result = import_file(runner, tmp_path, sample_backup().mbz(), "--package-dir", str(out), "--dry-run")
    assert result.exit_code == 0, result.output
    assert course_count() == 0  # a dry run imports nothing
    spec = parse_package(read_folder(out / "dm101"))
    assert [m.slug for m in spec.modules] == ["general", "know-your-customer", "reach-them"]
    bank = (out / "dm101-question-bank.xml").read_text()
    assert '<question type="cloze">' in bank
    result = runner.invoke(args=["import-courses", str(out / "dm101")])
    assert result.exit_code == 0, result.output


def test_zip_backups_of_older_moodles_and_moodle_3_question_banks(app):
    """Before Moodle 4 a quiz slot names its question and the bank has no versions; old backups are zips."""
    backup = Backup(fullname="Старт на бизнес", shortname="Старт 1", lang="bg")
    section = backup.section(5, 1, "Въведение")
    backup.page(section, 40, "Какво е бизнес план?", "<p>План за <i>първата</i> година.</p>")
    backup.quiz(section, 41, "Тест", [61, 62], version4=False, settings="reviewmarks=16,reviewattempt=0")
    backup.question(
        "Bank", None, 61, "multichoice", "Q1", "Кое е вярно?",
        "<plugin_qtype_multichoice_question>" + answers(("Да", "0.5000000", ""), ("Също да", "0.5000000", ""), ("Не", "0", ""))  # noqa: E501
        + "<multichoice id='1'><single>0</single></multichoice></plugin_qtype_multichoice_question>",
        fmt=0,
    )  # fmt: skip
    backup.question("Bank", None, 62, "random", "Random", "0", "")
    spec, report, _files = import_backup(backup.mbz("zip"), "old.mbz")
    assert (spec.slug, spec.language, spec.title) == ("start-1", "bg", "Старт на бизнес")
    assert spec.modules[0].slug == "vvedenie" and spec.modules[0].activities[0].slug == "kakvo-e-biznes-plan"
    assert spec.modules[0].activities[0].body == "План за *първата* година.\n"
    quiz = spec.modules[0].activities[1]
    assert [(q.kind, q.single, [a.fraction for a in q.answers]) for q in quiz.parsed] == [
        ("multichoice", False, [0.5, 0.5, 0.0])
    ]
    assert quiz.settings["review_marks"] == "after_close" and quiz.settings["review_answers"] == "never"
    assert any("random questions are not carried over" in why for _what, why in report.skipped)


def test_a_grade_moodle_would_refuse_is_reported_with_its_questions_xml_line(app):
    backup = Backup()
    section = backup.section(1, 1, "One")
    backup.quiz(section, 2, "Quiz", [1, 2])
    backup.question(
        "Bank", 1, 11, "multichoice", "Bad grade", "Pick",
        "<plugin_qtype_multichoice_question>" + answers(("a", "0.3300000", ""), ("b", "0.6700000", ""))
        + "<multichoice id='1'><single>0</single></multichoice></plugin_qtype_multichoice_question>",
    )  # fmt: skip
    backup.question(
        "Bank", 2, 12, "truefalse", "Fine", "True?",
        "<plugin_qtype_truefalse_question>" + answers(("True", "1", ""), ("False", "0", ""))
        + "<truefalse id='1'><trueanswer>100</trueanswer><falseanswer>101</falseanswer></truefalse>"
        "</plugin_qtype_truefalse_question>",
    )  # fmt: skip
    spec, report, _files = import_backup(backup.mbz())
    assert [q.name for q in spec.modules[0].activities[0].parsed] == ["Fine"]
    (what, why), *_ = report.skipped
    assert "“Bad grade” (questions.xml line 3)" in what and "nearest is 33.33333 %" in why


def _tar(members: dict[str, bytes], links=()) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in links:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return buffer.getvalue()


def _members(**changes) -> dict[str, bytes]:
    members = sample_backup().members()
    members.update({name.replace("__", "/"): data for name, data in changes.items()})
    return members


UNSAFE = {
    "path out of the archive": (_tar({"../evil.txt": b"x", **_members()}), "../evil.txt: path climbs out"),
    "absolute path": (_tar({"/etc/passwd": b"x", **_members()}), "/etc/passwd: absolute"),
    "symbolic link": (_tar(_members(), links=[("files/ab/link", "/etc/passwd")]), "links and special files"),
    "not an archive": (b"<html>not a backup</html>", "not a Moodle backup"),
    "no moodle_backup.xml": (_tar({"course/course.xml": b"<course/>"}), "moodle_backup.xml is missing"),
    "damaged gzip": (_tar(_members())[:200], "the archive is damaged"),
    "bomb": (_tar({**_members(), "files/00/big": b"\0" * (60 * 1024 * 1024)}), "suspiciously well"),
}


@pytest.mark.parametrize("case", UNSAFE, ids=list(UNSAFE))
def test_unsafe_or_broken_archives_are_refused_whole(app, runner, tmp_path, case):
    data, message = UNSAFE[case]
    with pytest.raises(BackupError) as error:
        read_archive(data, "course.mbz")
    assert message in str(error.value)
    result = import_file(runner, tmp_path, data)
    assert result.exit_code == 1 and "nothing was imported" in result.output
    assert course_count() == 0


MALFORMED = {
    "broken XML": (
        "activities/page_14/page.xml",
        b'<?xml version="1.0"?>\n<activity contextid="1">\n  <page id="1"><name>x</name>\n</activity>',
        "activities/page_14/page.xml line 4: not well-formed XML: mismatched tag",
    ),
    "a DTD": (
        "moodle_backup.xml",
        b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<moodle_backup/>',
        "moodle_backup.xml line 2: XML DTDs",
    ),
    "a missing activity file": ("activities/quiz_17/quiz.xml", None, "activities/quiz_17/quiz.xml: missing"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_backups_name_the_file_and_line_and_import_nothing(app, runner, tmp_path, case):
    path, data, message = MALFORMED[case]
    members = sample_backup().members()
    if data is None:
        del members[path]
    else:
        members[path] = data
    result = import_file(runner, tmp_path, _tar(members), name="course.mbz")
    assert result.exit_code == 1
    assert f"course.mbz/{message}" in result.output, result.output
    assert course_count() == 0


def test_a_backup_never_overwrites_an_existing_course(app, runner, tmp_path, create_course):
    create_course(slug="dm101")
    before = db.session.scalar(select(func.count()).select_from(Activity))
    result = import_file(runner, tmp_path, sample_backup().mbz())
    assert result.exit_code == 1 and "give --slug" in result.output
    assert db.session.scalar(select(func.count()).select_from(Activity)) == before


def test_files_that_cannot_be_carried_are_reported(app):
    backup = Backup()
    section = backup.section(1, 1, "One")
    context = backup.page(
        section,
        2,
        "Page",
        '<p><img src="@@PLUGINFILE@@/logo.svg" alt="Logo"> <img src="@@PLUGINFILE@@/fake.png" alt="Fake">'
        ' <img src="@@PLUGINFILE@@/gone.png" alt="Gone"> <a href="javascript:alert(1)">click</a></p>',
    )
    backup.file(context, "mod_page", "content", "logo.svg", b"<svg onload='x'/>", "image/svg+xml")
    backup.file(context, "mod_page", "content", "fake.png", b"GIF89a not a png", "image/png")
    spec, report, files = import_backup(backup.mbz())
    body = spec.modules[0].activities[0].body
    assert body.strip() == "Logo Fake Gone click"
    reasons = dict(report.skipped)
    assert "files of type .svg are not accepted" in reasons["page “Page”: logo.svg"]
    assert reasons["page “Page”: fake.png"] == "the contents are not a .png file"
    assert "not in the backup" in reasons["page “Page”: gone.png"]
    assert not any(path.endswith((".svg", ".png")) for path in files)


def test_quiz_settings_map_moodle_review_bits_and_methods():
    from defusedxml.ElementTree import fromstring

    quiz = fromstring(
        "<quiz><timelimit>61</timelimit><attempts_number>3</attempts_number><grademethod>2</grademethod>"
        "<timeopen>1767225600</timeopen><reviewattempt>65536</reviewattempt><reviewmarks>256</reviewmarks>"
        "<reviewspecificfeedback>0</reviewspecificfeedback><reviewrightanswer>16</reviewrightanswer>"
        "<questionsperpage>0</questionsperpage><shuffleanswers>0</shuffleanswers></quiz>"
    )
    assert quiz_settings(quiz, None) == {
        "time_limit": 2,
        "attempts": 3,
        "grading": "average",
        "opens": "2026-01-01T00:00:00+00:00",
        "per_page": 0,
        "shuffle_answers": False,
        "review_answers": "never",  # during the attempt only
        "review_feedback": "never",
        "review_correct": "after_close",
    }


def test_trainer_uploads_a_backup_on_the_authoring_page(app, client, login_as):
    trainer = login_as("trainer")
    page = client.get("/author/").get_data(as_text=True)
    assert "Import a Moodle course backup" in page and 'name="moodle-backup"' in page
    response = client.post(
        "/author/import-moodle",
        data={
            "moodle-backup": (io.BytesIO(sample_backup().mbz()), "course.mbz"),
            "moodle-slug": "from-moodle",
            "moodle-csrf_token": csrf_token(client, "/author/"),
        },
        content_type="multipart/form-data",
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text
    assert "Not carried over" in text and "Questions and answers" in text
    course = db.session.scalar(select(Course).where(Course.slug == "from-moodle"))
    assert course.is_trainer(trainer) and not course.published

    broken = _tar({"moodle_backup.xml": b"<moodle_backup><information>"})
    response = client.post(
        "/author/import-moodle",
        data={
            "moodle-backup": (io.BytesIO(broken), "broken.mbz"),
            "moodle-csrf_token": csrf_token(client, "/author/"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "broken.mbz/moodle_backup.xml:1" in response.get_data(as_text=True)
    assert course_count() == 1


def test_zip_members_are_checked_too():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("moodle_backup.xml", "<moodle_backup/>")
        archive.writestr("../../etc/cron.d/x", "x")
    with pytest.raises(BackupError, match="climbs out"):
        read_archive(buffer.getvalue())
    assert PNG.startswith(b"\x89PNG")


@pytest.mark.parametrize("role,status", [("anonymous", 302), ("trainee", 403)])
def test_only_trainers_and_coordinators_import_backups(app, client, login_as, role, status):
    data = {"moodle-backup": (io.BytesIO(sample_backup().mbz()), "course.mbz")}
    if role != "anonymous":
        login_as(role)
    data["moodle-csrf_token"] = csrf_token(client, "/login" if role == "anonymous" else "/profile")
    response = client.post("/author/import-moodle", data=data, content_type="multipart/form-data")
    assert response.status_code == status
    assert course_count() == 0


def test_markdown_texts_keep_their_files(app):
    """Moodle's Markdown format (4) names files as its HTML does: they become attachments too."""
    backup = Backup()
    section = backup.section(1, 1, "One")
    inner = (
        "<intro></intro><introformat>1</introformat>"
        "<content>## Map\n\n![The map](@@PLUGINFILE@@/map.png) and [gone](@@PLUGINFILE@@/gone.pdf)</content>"
        "<contentformat>4</contentformat>"
    )
    context = backup.activity(section, 2, "page", "Page", inner)
    backup.file(context, "mod_page", "content", "map.png", PNG, "image/png")
    spec, report, files = import_backup(backup.mbz())
    assert spec.modules[0].activities[0].body == "## Map\n\n![The map](images/map.png) and [gone](#)\n"
    assert files["01-one/images/map.png"] == PNG
    assert "not in the backup" in dict(report.skipped)["page “Page”: gone.pdf"]
