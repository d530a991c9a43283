"""Activity kinds as plug-ins: the registry, and shared code that asks it instead of naming kinds."""

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.activities import kind_for_file, kind_of, kinds
from lms.activities.base import GRADE, OWN_COMPLETION, ActivityKind
from lms.activities.signals import notify_changed
from lms.courses.models import Activity, Enrolment
from lms.courses.package import ActivitySpec, package_files, parse_package
from lms.courses.transfer import export_course, import_course
from lms.db import db
from lms.progress.models import Completion
from lms.progress.queries import course_progress
from tests.conftest import csrf_token, login
from tests.test_courses import QueryCounter

ROOT = Path(__file__).resolve().parent.parent


class CheckpointKind(ActivityKind):
    """A kind the code base has never heard of: graded by numbers kept in its settings."""

    name = "checkpoint"
    label = "Checkpoint"
    icon = "◆"
    suffix = ".checkpoint.txt"
    features = frozenset({GRADE, OWN_COMPLETION})

    def read(self, reader, path, text, slug, position, settings):
        if not text.strip():
            reader.problem(path, 1, "a checkpoint needs a text")
            return None
        title = settings.pop("title", slug)
        return ActivitySpec(self.name, slug, position, title, text, settings=settings)

    def write(self, spec):
        return spec.body, {"title": spec.title, **spec.settings}

    def is_complete(self, activity, user_id, grade):
        return grade is not None and grade >= 50

    def weight(self, activity):
        return 3.0

    def grade(self, activity, user_id):
        return activity.settings.get(str(user_id))

    def grades(self, activities, users):
        result = {}
        for activity in activities:
            for user_id, grade in activity.settings.items():
                result.setdefault(int(user_id), {})[activity.id] = grade
        return result


@pytest.fixture
def checkpoint(monkeypatch):
    """Registers the checkpoint kind for one test, as its registry line would."""
    monkeypatch.setitem(kinds(), "checkpoint", CheckpointKind())
    return kinds()["checkpoint"]


def test_lessons_and_quizzes_are_registered_kinds():
    assert list(kinds()) == ["lesson", "quiz", "assignment", "survey", "scorm", "forum"]
    assert kind_of("quiz").supports(GRADE) and not kind_of("lesson").supports(GRADE)
    assert kind_for_file("01-intro.md").name == "lesson"
    assert kind_for_file("02-check.gift").name == "quiz"
    assert kind_for_file("notes.txt") is None


def test_the_longest_suffix_names_the_kind(checkpoint):
    assert kind_for_file("03-plan.checkpoint.txt") is checkpoint


def test_an_unregistered_kind_is_refused(app):
    with pytest.raises(ValueError, match="'poll' is not a registered activity kind"):
        Activity(kind="poll", slug="talk", title="Talk")


def _named_kinds(path: Path) -> list[str]:
    """Kind names written in a file: 'lesson' or "quiz" literals, and `.kind ==` comparisons."""
    text = path.read_text()
    found = re.findall(r"""\.kind\s*[!=]=|(?<!class=)["'](?:lesson|quiz)["']""", text)  # CSS may say lesson
    return [f"{path.relative_to(ROOT)}: {hit}" for hit in found]


def test_shared_code_names_no_kind():
    shared = [
        *(ROOT / "lms/progress").glob("*.py"),
        ROOT / "lms/courses/package.py",
        ROOT / "lms/courses/transfer.py",
        ROOT / "templates/courses/detail.html",
        ROOT / "templates/courses/activity.html",
        ROOT / "templates/authoring/course.html",
        *(ROOT / "templates/progress").glob("*.html"),
    ]
    assert [hit for path in shared for hit in _named_kinds(path)] == []


def _imports(package: str) -> set[str]:
    names = set()
    for path in (ROOT / "lms" / package).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
    return names


def test_quizzes_and_progress_do_not_import_each_other():
    assert not any(name.startswith("lms.progress") for name in _imports("quizzes"))
    assert not any(name.startswith("lms.quizzes") for name in _imports("progress"))
    assert not any(name.startswith(("lms.progress", "lms.quizzes")) for name in _imports("activities"))


def _checkpoint_course(create_course, create_user, trainee):
    course = create_course(modules=1, lessons=1, trainer=create_user("trainer"))
    module = course.modules[0]
    activity = Activity(kind="checkpoint", slug="plan", title="Business plan", position=2, settings={})
    module.activities.append(activity)
    db.session.add(Enrolment(course=course, user=trainee))
    db.session.commit()
    return course, activity


def test_a_new_kind_reaches_progress_gradebook_and_course_page(
    app, client, create_user, create_course, checkpoint
):
    trainee = create_user(name="Eleni")
    course, activity = _checkpoint_course(create_course, create_user, trainee)
    activity.settings = {str(trainee.id): 80.0}
    notify_changed(activity, trainee.id)  # what the kind sends when the trainee's work changed
    db.session.commit()

    completion = db.session.scalar(select(Completion).where(Completion.activity_id == activity.id))
    assert completion.user_id == trainee.id and completion.source == "checkpoint"
    row = course_progress(course, [trainee.id])[trainee.id]
    assert row.grades == {activity.id: 80.0} and row.final_grade == 80.0

    login(client, trainee.email)
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Checkpoint · 80%" in page  # done, so a tick stands where its icon would
    client = app.test_client()
    login(client, course.trainers[0].email)
    gradebook = client.get(f"/progress/courses/{course.slug}/gradebook").get_data(as_text=True)
    assert "Business plan" in gradebook and "80%" in gradebook
    export = client.get(f"/progress/courses/{course.slug}/gradebook.csv").get_data(as_text=True)
    assert export.splitlines()[0].count("Business plan") == 1 and ",80.0," in export


def test_a_grade_below_the_kinds_rule_does_not_complete(create_user, create_course, checkpoint):
    trainee = create_user()
    course, activity = _checkpoint_course(create_course, create_user, trainee)
    activity.settings = {str(trainee.id): 20.0}
    notify_changed(activity, trainee.id)
    assert db.session.scalar(select(Completion).where(Completion.activity_id == activity.id)) is None


def test_a_new_kind_round_trips_through_a_course_package(app, checkpoint):
    files = {
        "course.toml": (
            b'slug = "plans"\ntitle = "Plans"\nsummary = "Write a plan."\nlanguage = "en"\n'
            b'category = "startup"\nhours = 2\ntrainers = []\npublished = true\n\n[completion]\n'
            b'activities = "all"\nmin_grade = 0\nmin_attendance = 0\n'
        ),
        "01-basics/module.toml": b'title = "Basics"\n\n[checkpoint.01-plan]\ntitle = "Business plan"\n',
        "01-basics/01-plan.checkpoint.txt": "Write your plan: ένα σχέδιο.\n".encode(),
    }
    course, _ = import_course(parse_package(files))
    db.session.commit()
    assert [a.kind for a in course.activities()] == ["checkpoint"]
    assert package_files(export_course(course)) == files


def test_course_page_queries_do_not_grow_with_graded_work(
    client, login_as, create_user, create_course, course_with_quiz_factory
):
    """The course page and a quiz's page: the same queries for 1 or 4 quizzes taken, 1 or 12 trainees."""
    trainee = login_as("trainee")
    counts = {"detail": [], "quiz": []}
    for size in (1, 4):
        course = course_with_quiz_factory(quizzes=size)
        for other in [trainee] + [create_user() for _ in range(size * 3 - 1)]:
            db.session.add(Enrolment(course=course, user=other))
            db.session.commit()
            for activity in course.modules[0].activities[1:]:
                _take(activity, other)
        quiz = course.modules[0].activities[-1]
        urls = {"detail": f"/courses/{course.slug}", "quiz": f"/courses/{course.slug}/learn/m/{quiz.slug}"}
        urls["quiz"] = urls["quiz"].replace("/m/", f"/{course.modules[0].slug}/")
        for name, url in urls.items():
            with QueryCounter(db.engine) as counter:
                assert client.get(url).status_code == 200
            counts[name].append(counter.count)
    assert counts["detail"][0] == counts["detail"][1], counts
    assert counts["quiz"][0] == counts["quiz"][1], counts


def _take(activity, user):
    from lms.quizzes import services as quiz

    attempt = quiz.start_attempt(activity, user)
    qid = attempt.question_ids()[0]
    quiz.save_responses(attempt, {f"q{qid}": "0"}, [qid])
    quiz.finish_attempt(attempt)
    db.session.commit()


@pytest.fixture
def course_with_quiz_factory(create_course, create_user):
    from lms.courses.services import add_quiz
    from lms.quizzes import services as quiz
    from tests.test_progress import TF

    def factory(quizzes=1):
        course = create_course(modules=1, lessons=1, trainer=create_user("trainer"))
        for number in range(quizzes):
            activity = add_quiz(course.modules[0], f"Quiz {number + 1}", course.trainers[0])
            activity.published = True
            quiz.sync_quiz(activity, [TF])
        db.session.commit()
        return course

    return factory


def test_the_outline_offers_each_kinds_add_form(app, client, create_user, create_course, checkpoint):
    trainer = create_user("trainer")
    course = create_course(modules=1, lessons=1, trainer=trainer)
    login(client, trainer.email)
    page = client.get(f"/author/courses/{course.slug}").get_data(as_text=True)
    with app.test_request_context():
        urls = {name: kind.new_url(course.modules[0]) for name, kind in kinds().items() if kind.new_endpoint}
    assert set(urls) == {"lesson", "quiz", "assignment", "survey", "scorm", "forum"}  # not the checkpoint
    assert all(url in page for url in urls.values())
    assert 'enctype="multipart/form-data"' in page and 'href="{}"'.format(urls["lesson"]) in page


@pytest.mark.parametrize("name", ["quiz", "assignment", "survey", "forum"])
def test_a_titled_kind_is_added_from_the_outline_or_refused_without_a_title(
    app, client, create_user, create_course, name
):
    trainer = create_user("trainer")
    course = create_course(modules=1, lessons=1, trainer=trainer)
    login(client, trainer.email)
    outline = f"/author/courses/{course.slug}"
    with app.test_request_context():
        url = kind_of(name).new_url(course.modules[0])
    refused = client.post(url, data={"csrf_token": csrf_token(client, outline), "title": ""})
    assert refused.headers["Location"].endswith(outline + "#outline")
    assert "needs a title" in client.get(outline).get_data(as_text=True)
    added = client.post(url, data={"csrf_token": csrf_token(client, outline), "title": "Check-up"})
    activity = db.session.scalar(select(Activity).where(Activity.title == "Check-up"))
    assert activity.kind == name and activity.module_id == course.modules[0].id
    with app.test_request_context():
        assert added.headers["Location"] == kind_of(activity).edit_url(activity)


def test_only_an_editor_of_the_course_adds_to_its_modules(app, client, create_user, create_course):
    course = create_course(modules=1, lessons=1, trainer=create_user("trainer"))
    other = create_user("trainer")
    login(client, other.email)
    with app.test_request_context():
        url = kind_of("quiz").new_url(course.modules[0])
    response = client.post(url, data={"csrf_token": csrf_token(client, "/"), "title": "Sneaky"})
    assert response.status_code == 403
    assert db.session.scalar(select(Activity).where(Activity.title == "Sneaky")) is None


def test_the_title_view_adds_only_kinds_made_from_a_title(client, create_user, create_course, checkpoint):
    trainer = create_user("trainer")
    course = create_course(modules=1, lessons=1, trainer=trainer)
    login(client, trainer.email)
    token = csrf_token(client, f"/author/courses/{course.slug}")
    for kind in ("scorm", "lesson", "checkpoint", "poll"):  # a package, a page of its own, none, unknown
        url = f"/author/modules/{course.modules[0].id}/new/{kind}"
        assert client.post(url, data={"csrf_token": token, "title": "X"}).status_code == 404, kind
    assert db.session.scalar(select(Activity).where(Activity.title == "X")) is None
