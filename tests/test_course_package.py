"""Course packages: validation with file and line, import by slug keeping ids, export that round-trips."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.cli import find_packages, import_packages
from lms.courses.models import Activity, Course, Enrolment
from lms.courses.package import PackageError, package_files, parse_package, read_folder
from lms.courses.transfer import export_course, import_course
from lms.db import db

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = find_packages(ROOT / "courses")


def test_bundled_courses_meet_the_brief():
    slugs = {path.name for path in BUNDLED}
    assert {"digital-marketing", "ict-essentials", "startup-skills"} <= slugs
    languages = set()
    for path in BUNDLED:
        spec = parse_package(read_folder(path), label=path.name)
        languages.add(spec.language)
        assert len(spec.modules) >= 4, path.name
        for module in spec.modules:
            kinds = [activity.kind for activity in module.activities]
            assert kinds.count("lesson") >= 3 and kinds.count("quiz") >= 1, (path.name, module.slug)
            for activity in module.activities:
                assert "lorem" not in activity.body.lower()
    assert {"el", "mk"} <= languages


@pytest.mark.parametrize("package", BUNDLED, ids=lambda path: path.name)
def test_bundled_course_imports_renders_and_round_trips(app, package, create_user):
    create_user("trainer", email="trainer@example.org")
    files = read_folder(package)
    course, warnings = import_course(parse_package(files))
    db.session.commit()
    assert course.modules and all(a.body_html for a in course.activities() if a.kind == "lesson")
    exported = package_files(export_course(course))
    # Export gives back the files as they are in git ...
    assert exported == files
    # ... and importing the export changes nothing.
    before = _snapshot(course)
    import_course(parse_package(exported))
    assert not db.session.dirty and not db.session.new and not db.session.deleted
    db.session.commit()
    assert _snapshot(course) == before


def _snapshot(course):
    db.session.expire_all()
    rows = db.session.execute(
        select(
            Activity.id,
            Activity.slug,
            Activity.title,
            Activity.body,
            Activity.body_html,
            Activity.version,
            Activity.position,
            Activity.settings,
        )
        .join(Activity.module)
        .where(Activity.module.has(course_id=course.id))
        .order_by(Activity.id)
    ).all()
    return [tuple(row) for row in rows]


def _write(root: Path, files: dict[str, str | bytes]) -> Path:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
    return root


MANIFEST = 'slug = "demo"\ntitle = "Demo"\nsummary = "S"\nlanguage = "en"\ncategory = "ict"\nhours = 2\n'
LESSON = "---\ntitle: One\nminutes: 5\n---\n\nText with ![pic](images/pic.png) and [two](02-two.md).\n"


def _valid_package(tmp_path) -> Path:
    root = _write(
        tmp_path / "demo",
        {
            "course.toml": MANIFEST,
            "01-basics/module.toml": 'title = "Basics"\n',
            "01-basics/01-one.md": LESSON,
            "01-basics/02-two.md": "---\ntitle: Two\n---\nBack to [one](01-one.md#top).\n",
            "01-basics/03-quiz.gift": "::Q1:: 2+2? {=4 ~5}\n",
        },
    )
    (root / "01-basics/images").mkdir()
    (root / "01-basics/images/pic.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    return root


def test_lesson_links_and_images_resolve_to_site_urls(app, tmp_path):
    course, _ = import_course(parse_package(read_folder(_valid_package(tmp_path))))
    one = course.modules[0].activities[0]
    assert 'src="/courses/demo/files/basics/images/pic.png"' in one.body_html
    assert 'href="/courses/demo/learn/basics/two"' in one.body_html
    assert 'href="/courses/demo/learn/basics/one#top"' in course.modules[0].activities[1].body_html


@pytest.mark.parametrize(
    "change,expected",
    [
        (
            {"course.toml": MANIFEST.replace('title = "Demo"\n', "")},
            "course.toml: missing required key 'title'",
        ),
        ({"course.toml": MANIFEST + "hours = 3\n"}, "course.toml line 7: invalid TOML"),
        ({"course.toml": MANIFEST.replace('"ict"', '"cooking"')}, "category 'cooking' is not one of"),
        (
            {"01-basics/01-one.md": "title: One\n\nNo front matter"},
            "01-one.md line 1: a lesson starts with a front-matter",
        ),
        (
            {"01-basics/01-one.md": "---\ntitle: One\nminutes: ten\n---\n"},
            "01-one.md line 3: minutes 'ten' must be",
        ),
        (
            {"01-basics/01-one.md": "---\ntitle: One\ncolour: red\n---\n"},
            "01-one.md line 3: expected 'key: value'",
        ),
        (
            {"01-basics/01-one.md": "---\ntitle: One\n"},
            "01-one.md line 1: the front-matter block is not closed",
        ),
        (
            {"01-basics/01-one.md": LESSON.replace("pic.png", "missing.png")},
            "01-one.md line 6: link to missing image images/missing.png",
        ),
        (
            {"01-basics/01-one.md": LESSON.replace("02-two.md", "09-nine.md")},
            "01-one.md line 6: link to missing lesson 09-nine.md",
        ),
        ({"01-basics/02-one.md": "---\ntitle: Dup\n---\n"}, "share the slug 'one'"),
        ({"01-basics/setup.exe": "MZ"}, "01-basics/setup.exe: file type .exe is not allowed"),
        (
            {"01-basics/04-huge.md": "---\ntitle: Huge\n---\n" + "word " * 20_001},
            "04-huge.md: the lesson is 100,005 characters long; at most 100,000 are allowed",
        ),
        ({"course.toml": MANIFEST.replace('"S"', '"' + "s" * 5_001 + '"')}, "'summary' is longer than 5,000"),
        # The contents are checked the way a browser upload is: a program renamed to .png is refused.
        (
            {"01-basics/images/pic.png": "MZ\x90\x00 this program cannot be run in DOS mode"},
            "01-basics/images/pic.png: the contents are not a .png file",
        ),
        ({"01-basics/images/notes.txt": b"\xff\xfe\x00bad"}, "notes.txt: the contents are not a .txt file"),
        ({"02-more/01-x.md": "---\ntitle: X\n---\n"}, "02-more/module.toml: missing"),
    ],
)
def test_bad_packages_name_file_line_and_problem(tmp_path, change, expected):
    root = _valid_package(tmp_path)
    _write(root, change)
    with pytest.raises(PackageError) as error:
        parse_package(read_folder(root), label="demo")
    assert expected in str(error.value)


def test_package_with_an_error_imports_nothing_and_others_still_import(app, tmp_path):
    good = _valid_package(tmp_path / "good")
    bad = shutil.copytree(good, tmp_path / "bad")
    _write(bad, {"course.toml": MANIFEST.replace('"demo"', '"broken"').replace('"ict"', '"x"')})
    courses, problems = import_packages([good, bad])
    db.session.commit()
    assert [c.slug for c in courses] == ["demo"]
    assert any("bad/course.toml" in p and "category 'x'" in p for p in problems)
    assert db.session.scalar(select(func.count()).select_from(Course)) == 1


def test_reimport_keeps_ids_and_progress_of_lessons_that_still_exist(app, tmp_path, create_user):
    root = _valid_package(tmp_path)
    course, _ = import_course(parse_package(read_folder(root)))
    trainee = create_user()
    db.session.add(Enrolment(course=course, user=trainee))
    db.session.commit()
    ids = {a.slug: a.id for a in course.activities()}
    # Edit lesson one, drop lesson two (and the link to it), add a lesson.
    _write(
        root,
        {
            "01-basics/01-one.md": "---\ntitle: One, revised\n---\nNew text.\n",
            "01-basics/04-four.md": "---\ntitle: Four\n---\nFour.\n",
        },
    )
    (root / "01-basics/02-two.md").unlink()
    course, _ = import_course(parse_package(read_folder(root)))
    db.session.commit()
    after = {a.slug: a for a in course.activities()}
    assert (
        after["one"].id == ids["one"] and after["one"].title == "One, revised" and after["one"].version == 2
    )
    assert after["quiz"].id == ids["quiz"] and after["quiz"].version == 1
    assert "two" not in after and "four" in after
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_cli_import_and_export_round_trip(runner, tmp_path):
    root = _valid_package(tmp_path / "src")
    result = runner.invoke(args=["import-courses", str(root.parent)])
    assert result.exit_code == 0, result.output
    assert "imported demo: 1 modules, 3 lessons and quizzes" in result.output
    result = runner.invoke(args=["export-course", "demo", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    exported = read_folder(tmp_path / "out" / "demo")
    assert exported["01-basics/images/pic.png"] == (root / "01-basics/images/pic.png").read_bytes()
    assert exported["01-basics/03-quiz.gift"] == (root / "01-basics/03-quiz.gift").read_bytes()
    result = runner.invoke(args=["import-courses", str(tmp_path / "out" / "demo")])
    assert result.exit_code == 0
    runner.invoke(args=["export-course", "demo", str(tmp_path / "again")])
    assert read_folder(tmp_path / "again" / "demo") == exported
    result = runner.invoke(args=["export-course", "nope", str(tmp_path / "out2")])
    assert result.exit_code != 0 and "no course with the slug 'nope'" in result.output


def test_cli_import_reports_errors_and_fails(runner, tmp_path):
    root = _valid_package(tmp_path / "src")
    _write(root, {"01-basics/01-one.md": "---\ntitle: One\nminutes: -3\n---\n"})
    result = runner.invoke(args=["import-courses", str(root)])
    assert result.exit_code == 1
    assert "01-one.md line 3: minutes '-3'" in result.output
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0
